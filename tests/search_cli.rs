//! `nas run` from the command line: strategy parameters given with `--strategy`, checked as
//! an experiment's are; no store left behind by a strategy that cannot start; one line per
//! finished trial when the output is not a terminal.

use crate::cli_common::nas_in;

use crate::search_common::{nb201, synthetic_csv};
use std::path::Path;

const EXPERIMENT: &str = r#"
import "stdlib/spaces/nb201.nas"

experiment t {
    space     nb201
    evaluate  table(file: "table.csv", reward: "valid_200", report: "test")
    strategy  evolution(population: 4, tournament: 2)
    budget    trials: 6
    objective maximize valid_200
}
"#;

/// A folder with the experiment `t.nas` and its table.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("t.nas"), EXPERIMENT).expect("write");
    std::fs::write(dir.path().join("table.csv"), synthetic_csv(&nb201())).expect("write");
    dir
}

/// Runs `nas run t.nas ARGS` in `dir` (stderr is a pipe, not a terminal): success, stdout,
/// stderr.
fn run(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let all: Vec<&str> = ["run", "t.nas"].iter().chain(args).copied().collect();
    nas_in(dir, &all)
}

#[test]
fn strategy_parameters_are_given_on_the_command_line() {
    let dir = folder();
    let (ok, _, err) = run(dir.path(), &["--strategy", "evolution(population: 3)"]);
    assert!(ok, "{err}");
    let store = std::fs::read_to_string(dir.path().join("runs/t-evolution.jsonl")).expect("store");
    assert_eq!(store.matches("\"kind\":\"trial\"").count(), 6);

    let (ok, out, err) = run(
        dir.path(),
        &["--strategy", "random(populaton: 3)", "--out", "x.jsonl"],
    );
    assert!(!ok);
    assert!(
        err.contains("the strategy `random` has no parameter `populaton`"),
        "{err}"
    );
    assert!(
        err.contains("--strategy:1:8"),
        "points into the option:\n{err}"
    );
    assert!(out.is_empty(), "{out}");
    assert!(!dir.path().join("x.jsonl").exists(), "no store is created");

    let (ok, _, err) = run(
        dir.path(),
        &[
            "--strategy",
            "evolution(populaton: 3, tournament: 1.5)",
            "--fresh",
        ],
    );
    assert!(!ok);
    assert!(err.contains("did you mean `population`?"), "{err}");
    assert!(
        err.contains("the parameter `tournament` of `evolution` must be an int"),
        "{err}"
    );
}

#[test]
fn a_strategy_that_cannot_start_leaves_no_store() {
    let dir = folder();
    std::fs::write(
        dir.path().join("broken.rhai"),
        "// Parameters: none.\nfn search(ctx) {\n    no_such_function(1);\n}\n",
    )
    .expect("write");
    let (ok, _, err) = run(dir.path(), &["--strategy", "broken.rhai"]);
    assert!(!ok);
    assert!(err.contains("no_such_function"), "{err}");
    assert!(
        !dir.path().join("runs/t-broken.jsonl").exists(),
        "the empty store is removed:\n{err}"
    );
    assert!(!err.contains("--resume"), "{err}");
}

#[test]
fn each_finished_trial_is_a_line_when_the_output_is_not_a_terminal() {
    let dir = folder();
    let (ok, _, err) = run(dir.path(), &[]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("trial ")).collect();
    assert_eq!(lines.len(), 6, "{err}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("trial {}/6  reward ", i + 1)),
            "{line}"
        );
        assert!(line.contains("  best "), "{line}");
        assert!(line.contains("  elapsed 00:00:"), "{line}");
    }
    assert!(err.contains("seed 0: trial budget spent"), "{err}");
}
