//! The `nas` launcher: when the engine or libtorch cannot be loaded it says so clearly, with a
//! hint and exit status 2, instead of leaving it to the dynamic loader.

use std::path::Path;
use std::process::{Command, Output};

/// Copies the launcher into `dir` and runs it there with `args`.
fn run_copied_launcher(dir: &Path, args: &[&str]) -> Output {
    let launcher = dir.join("nas");
    std::fs::copy(env!("CARGO_BIN_EXE_nas"), &launcher).unwrap();
    Command::new(&launcher).args(args).output().unwrap()
}

fn gcc(args: &[&str]) {
    let status = Command::new("gcc").args(args).status().expect("gcc runs");
    assert!(status.success(), "gcc {args:?}");
}

#[test]
fn missing_engine_is_reported_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_copied_launcher(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("libnas.so") && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn an_engine_whose_libtorch_is_gone_is_reported_with_a_hint() {
    // An engine that needs a libtorch_cpu.so which no longer exists: what a moved binary or a
    // deleted .venv looks like to the dynamic loader.
    let dir = tempfile::tempdir().unwrap();
    let libs = dir.path().join("gone");
    std::fs::create_dir(&libs).unwrap();
    let source = dir.path().join("engine.c");
    std::fs::write(&source, "int nas_cli_main(void) { return 0; }\n").unwrap();
    let fake_torch = libs.join("libtorch_cpu.so");
    let fake_torch_str = fake_torch.to_str().unwrap();
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        fake_torch_str,
        source.to_str().unwrap(),
    ]);
    let engine = dir.path().join("libnas.so");
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        engine.to_str().unwrap(),
        source.to_str().unwrap(),
        "-Wl,--no-as-needed",
        &format!("-L{}", libs.display()),
        "-ltorch_cpu",
    ]);
    std::fs::remove_file(&fake_torch).unwrap();

    let out = run_copied_launcher(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("libtorch_cpu.so") && stderr.contains("LD_LIBRARY_PATH"),
        "{stderr}"
    );
}

#[test]
fn exit_status_of_the_engine_passes_through() {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args([
            "train",
            "nb201",
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
            "--batch",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("nas "));
}
