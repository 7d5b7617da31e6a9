//! The launcher answers the front-end commands without the engine: a copy of the `nas`
//! executable alone in a folder (no `libnas.so` beside it, so no libtorch either) checks,
//! formats, counts, samples and shows, prints its help and version, and for an engine command
//! says clearly that the engine cannot be loaded (exit 2) instead of dying in the loader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of the launcher alone in a fresh folder (kept while the folder lives).
fn lone_launcher() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exe = dir.path().join("nas");
    std::fs::copy(env!("CARGO_BIN_EXE_nas"), &exe).expect("the launcher copies");
    (dir, exe)
}

fn run(exe: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NAS_ALWAYS_ENGINE")
        .output()
        .expect("the launcher runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn front_end_commands_run_without_the_engine() {
    let (_dir, exe) = lone_launcher();
    let ok = |args: &[&str]| {
        let out = run(&exe, args);
        assert!(
            out.status.success(),
            "`nas {}` failed without the engine: {}",
            args.join(" "),
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    ok(&["check", "scripts/darts_nb201.nas"]);
    assert!(ok(&["fmt", "stdlib/spaces/nb201.nas"]).contains("space nb201"));
    assert_eq!(ok(&["count", "nb201"]).trim(), "15625");
    let samples = ok(&["sample", "nb201", "-n", "3", "--seed", "1"]);
    assert_eq!(samples.lines().count(), 3, "{samples}");
    let arch = samples.lines().next().expect("a sample");
    assert!(ok(&["show", "nb201", arch]).contains("cell"));
    let help = ok(&["--help"]);
    for command in ["check", "run", "train", "lsp", "api", "worker"] {
        assert!(
            help.contains(command),
            "`{command}` missing from --help:\n{help}"
        );
    }
    assert!(ok(&["--version"]).starts_with("nas "));
}

#[test]
fn a_check_with_errors_fails_as_before_without_the_engine() {
    let (dir, exe) = lone_launcher();
    let file = dir.path().join("bad.nas");
    std::fs::write(
        &file,
        "space s {\n    input image(3, 8, 8)\n    conv(8, 3) >> nope\n}\n",
    )
    .expect("writes");
    let out = run(&exe, &["check", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(all.contains("nope"), "{all}");
}

#[test]
fn an_engine_command_without_the_engine_is_a_clear_error() {
    let (_dir, exe) = lone_launcher();
    let out = run(
        &exe,
        &[
            "params",
            "nb201",
            "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("nas cannot start"), "{err}");
    assert!(err.contains("libnas.so"), "{err}");
}
