//! The VS Code extension builds with its ecosystem's tools and its client library talks to the
//! built server: `editors/vscode/` (with `grammar/`, which its build copies) is copied into a
//! temporary folder, `npm ci` installs the locked packages from the npm registry, `npm run
//! compile` copies the grammar and compiles the TypeScript, and `scripts/smoke.js` drives
//! `nas lsp` through `vscode-languageserver-protocol` (the layer `vscode-languageclient` is
//! built on): diagnostics, hover and formatting. VS Code itself is not run here (it cannot be
//! downloaded on a machine that reaches only the package registries). Needs Node.js and npm
//! (`make test` installs Debian's `npm` when missing) and the npm registry.

use std::path::Path;
use std::process::Command;

/// Copies the folder `from` into `to`, recursively, leaving out `node_modules` and `out`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creates the folder");
    for entry in std::fs::read_dir(from).expect("reads the folder") {
        let entry = entry.expect("an entry");
        let name = entry.file_name();
        if name == "node_modules" || name == "out" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copies the file");
        }
    }
}

/// Runs `program args` in `dir`; panics with its output when it fails.
fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program}: {e}; install Node.js and npm (`apt-get install npm`, or `make test`)")
        });
    assert!(
        out.status.success(),
        "`{program} {}` failed:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_vscode_extension_builds_and_its_client_library_talks_to_nas_lsp() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_tree(
        &root.join("editors/vscode"),
        &dir.path().join("editors/vscode"),
    );
    copy_tree(&root.join("grammar"), &dir.path().join("grammar"));
    let extension = dir.path().join("editors/vscode");
    run(&extension, "npm", &["ci", "--no-audit", "--no-fund"]);
    run(&extension, "npm", &["run", "compile"]);
    assert!(extension.join("out/extension.js").is_file());
    assert!(extension.join("syntaxes/nas.tmLanguage.json").is_file());
    run(
        &extension,
        "node",
        &["scripts/smoke.js", env!("CARGO_BIN_EXE_nas")],
    );
}
