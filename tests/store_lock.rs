//! One process at a time per JSON-lines store: a second `nas run` (or `nas store repair`) on a
//! store in use is refused with the holder named, and the lock goes with its holder even when
//! it is killed; `nas store repair` mends a store that `--resume` refuses.

use crate::cli_common::nas_in;

use crate::search_common::{nb201, synthetic_csv};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// An experiment whose strategy evaluates one trial, then holds its store for a long while.
const EXPERIMENT: &str = r#"
import "stdlib/spaces/nb201.nas"

experiment t {
    space     nb201
    evaluate  table(file: "table.csv", reward: "valid_200", report: "test")
    strategy  "slow.rhai"
    budget    trials: 4
    objective maximize valid_200
}
"#;

const SLOW: &str = "// Parameters: none.\nfn search(ctx) {\n    ctx.evaluate(ctx.space.sample());\n    let i = 0;\n    while i < 500000000 { i += 1; }\n}\n";

const QUICK: &str = r#"
import "stdlib/spaces/nb201.nas"

experiment q {
    space     nb201
    evaluate  table(file: "table.csv", reward: "valid_200", report: "test")
    strategy  random
    budget    trials: 5
    objective maximize valid_200
}
"#;

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("t.nas"), EXPERIMENT).expect("write");
    std::fs::write(dir.path().join("q.nas"), QUICK).expect("write");
    std::fs::write(dir.path().join("slow.rhai"), SLOW).expect("write");
    std::fs::write(dir.path().join("table.csv"), synthetic_csv(&nb201())).expect("write");
    dir
}

/// Waits until `path` holds text containing `needle`.
fn wait_for(path: &Path, needle: &str) -> String {
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.contains(needle) {
                return text;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} never held `{needle}`",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_process_on_a_store_in_use_is_refused_with_the_holder_named() {
    let dir = folder();
    let mut first = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "t.nas", "--out", "s.jsonl"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("first nas run starts");
    let pid = first.id();
    let holder = wait_for(&dir.path().join("s.jsonl.lock"), "nas run t.nas");
    assert!(holder.starts_with(&format!("pid {pid}: ")), "{holder}");
    wait_for(&dir.path().join("s.jsonl"), "\"kind\":\"trial\"");

    for args in [
        &["run", "t.nas", "--out", "s.jsonl", "--resume"][..],
        &["run", "t.nas", "--out", "s.jsonl", "--fresh"][..],
        &["store", "repair", "s.jsonl"][..],
    ] {
        let (ok, _, err) = nas_in(dir.path(), args);
        assert!(!ok, "{args:?} must be refused");
        assert!(
            err.contains("is in use by another process")
                && err.contains(&format!("pid {pid}: "))
                && err.contains("--out s.jsonl"),
            "{args:?}:\n{err}"
        );
    }
    let store = std::fs::read_to_string(dir.path().join("s.jsonl")).expect("store");
    assert_eq!(
        store.matches("\"kind\":\"trial\"").count(),
        1,
        "the store in use is untouched:\n{store}"
    );

    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    // The killed holder's lock file is still there, but its lock went with it.
    assert!(dir.path().join("s.jsonl.lock").exists());
    let (ok, out, err) = nas_in(dir.path(), &["store", "repair", "s.jsonl"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("nothing to repair"), "{out}");
    assert!(
        !dir.path().join("s.jsonl.lock").exists(),
        "a holder that ends normally removes its lock file"
    );
}

#[test]
fn a_store_with_a_duplicate_and_a_bad_line_is_repaired_and_resumes() {
    let dir = folder();
    let (ok, out, err) = nas_in(dir.path(), &["run", "q.nas", "--out", "q.jsonl"]);
    assert!(ok, "{out}{err}");
    let text = std::fs::read_to_string(dir.path().join("q.jsonl")).expect("store");
    let lines: Vec<&str> = text.lines().collect();
    // As two processes left it before stores were locked: trials 0-2 written twice (the second
    // copy with another reward), the run's end dropped, and a line cut short in between.
    let trials: Vec<&str> = lines[1..4].to_vec();
    let mut broken = vec![lines[0].to_string()];
    for (i, t) in trials.iter().enumerate() {
        broken.push(t.to_string());
        broken.push(t.replace("\"reward\":", "\"reward\":-1.0,\"was\":"));
        if i == 1 {
            broken.push("{\"kind\":\"trial\",\"se".to_string());
        }
    }
    std::fs::write(dir.path().join("q.jsonl"), broken.join("\n") + "\n").expect("write");

    let (ok, _, err) = nas_in(
        dir.path(),
        &["run", "q.nas", "--out", "q.jsonl", "--resume"],
    );
    assert!(!ok);
    assert!(
        err.contains("appears twice") && err.contains("nas store repair"),
        "{err}"
    );
    let (ok, out, err) = nas_in(dir.path(), &["store", "repair", "q.jsonl"]);
    assert!(ok, "{out}{err}");
    assert_eq!(out.matches("dropped line").count(), 4, "{out}");
    assert!(
        out.contains("dropped line 3: trial 0 of seed 0 appears twice"),
        "{out}"
    );
    assert!(out.contains("dropped line 6:"), "the cut line: {out}");
    let repaired = std::fs::read_to_string(dir.path().join("q.jsonl")).expect("store");
    let expected: String = std::iter::once(lines[0])
        .chain(trials.iter().copied())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(repaired, expected, "the first copies, in order");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("q.jsonl.before-repair")).expect("kept"),
        broken.join("\n") + "\n"
    );

    let (ok, out, err) = nas_in(
        dir.path(),
        &["run", "q.nas", "--out", "q.jsonl", "--resume"],
    );
    assert!(ok, "{out}{err}");
    let resumed = std::fs::read_to_string(dir.path().join("q.jsonl")).expect("store");
    assert_eq!(
        without_times(&resumed),
        without_times(&text),
        "resumed after the repair, the run ends as the uninterrupted one"
    );
}

/// A store's lines with the wall and CPU seconds of its `end` lines left out (what a run took
/// differs from run to run; everything else must not).
fn without_times(store: &str) -> String {
    store
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            if let Some(o) = v.as_object_mut() {
                o.remove("wall");
                o.remove("cpu");
            }
            v.to_string() + "\n"
        })
        .collect()
}
