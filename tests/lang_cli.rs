//! `nas check` and `nas fmt` as users run them: exit codes, output, `--write`.

use std::path::Path;
use std::process::Command;

fn nas(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(args)
        .output()
        .expect("runs nas");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn check_exits_zero_when_clean_and_one_on_errors() {
    let (code, out) = nas(&["check", "tests/lang/ok/nb201.nas", "stdlib/ops.nas"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("checked 2 files: 0 errors, 0 warnings"),
        "{out}"
    );
    let (code, out) = nas(&[
        "check",
        "tests/lang/ok/nb201.nas",
        "tests/lang/errors/unknown-name.nas",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("did you mean `batchnorm`?"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no colour when stdout is not a terminal: {out}"
    );
}

#[test]
fn warnings_alone_do_not_fail() {
    let (code, out) = nas(&["check", "tests/lang/errors/unused-import.nas"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 warning"), "{out}");
}

#[test]
fn unreadable_files_fail() {
    let (code, out) = nas(&["check", "tests/lang/no-such-file.nas"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cannot read"), "{out}");
}

#[test]
fn fmt_prints_checks_and_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("messy.nas");
    std::fs::write(&path, "op  a(c:int)=relu>>conv(c,3)\n").expect("write");
    let file = path.to_str().expect("utf-8 path");
    let (code, out) = nas(&["fmt", file]);
    assert_eq!(
        (code, out.as_str()),
        (0, "op a(c: int) = relu >> conv(c, 3)\n")
    );
    assert_eq!(nas(&["fmt", "--check", file]).0, 1);
    assert_eq!(nas(&["fmt", "--write", file]).0, 0);
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "op a(c: int) = relu >> conv(c, 3)\n"
    );
    assert_eq!(nas(&["fmt", "--check", file]).0, 0);
    let broken = dir.path().join("broken.nas");
    std::fs::write(&broken, "op a = (relu\n").expect("write");
    let (code, out) = nas(&["fmt", broken.to_str().expect("utf-8 path")]);
    assert_eq!(code, 1, "{out}");
    assert!(Path::new(&broken).exists());
}

/// Every `.nas` file under `dir`, recursively (none when it does not exist).
fn nas_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(nas_files(&path));
        } else if path.extension().is_some_and(|e| e == "nas") {
            found.push(path.display().to_string());
        }
    }
    found.sort();
    found
}

#[test]
fn every_shipped_nas_file_is_in_canonical_layout() {
    let files: Vec<String> = ["stdlib", "scripts", "examples"]
        .iter()
        .flat_map(|dir| nas_files(Path::new(dir)))
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("stdlib/spaces/nb201.nas"))
            && files.iter().any(|f| f.ends_with("scripts/quickstart.nas")),
        "{files:?}"
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let (code, out) = nas(&["fmt", "--check", file]);
            (code != 0).then(|| format!("{out}  (run `nas fmt --write {file}`)"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
