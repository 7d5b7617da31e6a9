//! `nas repl < session.txt`: a transcript runs without prompts and exits with the status of
//! its last input; `:run` runs an experiment defined in the session.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `nas repl` in `dir` with `transcript` on stdin.
fn repl(dir: &Path, transcript: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nas"))
        .arg("repl")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("NAS_REPL_HISTORY", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nas repl starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(transcript.as_bytes())
        .expect("transcript written");
    child.wait_with_output().expect("nas repl ends")
}

const SPACE: &str = "space tiny {\n    input image(3, 8, 8)\n    conv(8, 3 | 5) >> relu >> global_avg_pool >> linear(2 | 4)\n}\n";

#[test]
fn a_transcript_defines_counts_samples_and_recovers_from_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let transcript = format!(
        "# a comment line\n{SPACE}:count\n:sample 2 seed=3\nop broken = relu >>\n    nope\nop fixed = relu >> batchnorm\n:show #1\n"
    );
    let out = repl(dir.path(), &transcript);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("defined space tiny; current space: tiny (4 architectures)"),
        "{stdout}"
    );
    assert!(stdout.contains("4 architectures\n"), "{stdout}");
    assert!(stdout.contains("#1 ") && stdout.contains("#2 "), "{stdout}");
    assert!(stdout.contains("defined op fixed"), "{stdout}");
    assert!(!stdout.contains("nas>"), "no prompt when piped: {stdout}");
    // The diagnostic points into the second line of the two-line input (session line 6).
    assert!(stderr.contains("<repl>:6:5"), "{stderr}");
    assert!(stderr.contains("nope"), "{stderr}");
}

#[test]
fn the_status_is_that_of_the_last_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let failed = repl(dir.path(), &format!("{SPACE}:count nowhere\n"));
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("there is no space `nowhere`"), "{stderr}");
    let recovered = repl(dir.path(), ":count nowhere\n:use nb201\n\n");
    assert_eq!(recovered.status.code(), Some(0));
    let empty = repl(dir.path(), "");
    assert_eq!(empty.status.code(), Some(0));
}

#[test]
fn run_executes_a_session_experiment_against_a_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("tiny.nas"), SPACE).expect("space file");
    let keys = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["sample", "tiny.nas:tiny", "-n", "64"])
        .current_dir(dir.path())
        .output()
        .expect("nas sample");
    let mut keys: Vec<String> = String::from_utf8_lossy(&keys.stdout)
        .lines()
        .map(String::from)
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 4, "{keys:?}");
    let mut table = String::from("arch,acc\n");
    for (i, key) in keys.iter().enumerate() {
        table.push_str(&format!("{key},{}\n", 50 + i));
    }
    std::fs::write(dir.path().join("table.csv"), table).expect("table");
    let transcript = ":load tiny.nas\nexperiment e {\n    space tiny\n    evaluate table(file: \"table.csv\")\n    strategy random\n    budget trials: 3\n    objective maximize acc\n}\n:run e --out trials.jsonl\n";
    let out = repl(dir.path(), transcript);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("3 trials"), "{stdout}\n{stderr}");
    assert!(dir.path().join("trials.jsonl").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".nas-repl-"))
        .collect();
    assert!(leftovers.is_empty(), "the session file is removed");
    // Running it again without --resume or --fresh fails, and says how to continue.
    let again = repl(
        dir.path(),
        &format!(
            "{}:run e --out trials.jsonl\n",
            transcript.lines().take(8).collect::<Vec<_>>().join("\n") + "\n"
        ),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
}

#[test]
fn train_trains_an_architecture_of_a_session_space() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `nas train` sets the class count, so the space takes it as a parameter.
    let space = "space small(c: int = 8, classes: int = 10) {\n    input image(3, 8, 8)\n    conv(c, 3 | 5) >> relu >> global_avg_pool >> linear(classes)\n}\n";
    let transcript =
        format!("{space}:sample 1 seed=2\n:train #1 --data synthetic:3x8x8 --steps 2 --batch 4\n");
    let out = repl(dir.path(), &transcript);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("#1 "), "{stdout}");
    assert!(
        stdout.contains("step"),
        "`nas train`'s report is missing:\n{stdout}\n{stderr}"
    );
    // The session's file is gone once the training ends.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let unknown = repl(
        dir.path(),
        &format!("{SPACE}:sample 1\n:train #1 --no-such-flag\n"),
    );
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn params_and_rhai_load_the_engine_when_first_needed() {
    let dir = tempfile::tempdir().expect("tempdir");
    for always_engine in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nas"));
        if always_engine {
            command.env("NAS_ALWAYS_ENGINE", "1");
        } else {
            command.env_remove("NAS_ALWAYS_ENGINE");
        }
        let mut child = command
            .arg("repl")
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("NAS_REPL_HISTORY", "off")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nas repl starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(
                format!(
                    "{SPACE}:params s0.1=5 s3.0=4\n:rhai let n = space.count();\n:rhai n * 10\n"
                )
                .as_bytes(),
            )
            .expect("transcript written");
        let out = child.wait_with_output().expect("nas repl ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        // conv(8, 5) on 3 channels, without a bias: 600 parameters; linear(4) on 8: 36.
        assert!(stdout.contains("params: 636"), "{stdout}");
        assert!(stdout.ends_with("40\n"), "variables persist: {stdout}");
    }
}
