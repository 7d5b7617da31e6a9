//! The launcher answers the front-end commands without the engine: a copy of the `nas`
//! executable alone in a folder (no `libnas.so` beside it, so no libtorch either) checks,
//! formats, counts, samples and shows, prints its help and version, runs a REPL session that
//! defines and explores a space, and for an engine command (or a REPL input that needs the
//! engine) says clearly that the engine cannot be loaded instead of dying in the loader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of the launcher alone in a fresh folder (kept while the folder lives).
fn lone_launcher() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exe = dir.path().join("nas");
    std::fs::copy(env!("CARGO_BIN_EXE_nas"), &exe).expect("the launcher copies");
    (dir, exe)
}

/// Starts `command`. A copy made by another test may still be open for writing in a child
/// forked meanwhile (until that child's exec closes it), which makes the kernel refuse to
/// run the copy ("text file busy"): that is retried, briefly.
fn spawn(command: &mut Command) -> std::process::Child {
    const TEXT_FILE_BUSY: i32 = 26;
    for _ in 0..100 {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(TEXT_FILE_BUSY) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            started => return started.expect("the launcher starts"),
        }
    }
    panic!("the launcher's copy stayed busy for 2 s");
}

fn run(exe: &Path, args: &[&str]) -> Output {
    spawn(
        Command::new(exe)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NAS_ALWAYS_ENGINE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    )
    .wait_with_output()
    .expect("the launcher runs")
}

/// Runs `transcript` through `nas repl` (or `nas` alone) on stdin.
fn repl(exe: &Path, args: &[&str], transcript: &str) -> Output {
    use std::io::Write;
    let mut child = spawn(
        Command::new(exe)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NAS_ALWAYS_ENGINE")
            .env("NAS_REPL_HISTORY", "off")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(transcript.as_bytes())
        .expect("the transcript is written");
    child.wait_with_output().expect("the launcher runs")
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
    let all = text(&out.stdout) + text(&out.stderr).as_str();
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

#[test]
fn a_repl_session_defines_and_explores_without_the_engine() {
    let (_dir, exe) = lone_launcher();
    let session = "op block(c: int) = conv(c, 3 | 5) >> relu\n\
                   space tiny {\n    input image(3, 8, 8)\n    block(8) >> global_avg_pool >> linear(2 | 4)\n}\n\
                   :count\n:sample 2 seed=1\n:show #1\n:use nb201\n:count\n:list\n";
    for args in [&["repl"][..], &[][..]] {
        let out = repl(&exe, args, session);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
        assert!(stdout.contains("defined space tiny"), "{stdout}");
        assert!(stdout.contains("4 architectures"), "{stdout}");
        assert!(stdout.contains("#2 "), "{stdout}");
        assert!(stdout.contains("15625 architectures"), "{stdout}");
        assert!(stdout.contains("op block(c: int)"), "{stdout}");
    }
}

#[test]
fn a_repl_input_that_needs_the_engine_fails_alone_without_it() {
    let (_dir, exe) = lone_launcher();
    let out = repl(
        &exe,
        &["repl"],
        ":use nb201\n:sample 1 seed=0\n:params\n:rhai 1 + 1\n:count\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "the last input counts: {stderr}");
    assert_eq!(stderr.matches("nas cannot start").count(), 2, "{stderr}");
    assert!(stderr.contains("beside the nas executable"), "{stderr}");
    assert!(text(&out.stdout).ends_with("15625 architectures\n"));
}
