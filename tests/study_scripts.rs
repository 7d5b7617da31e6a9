//! The study scripts of `scripts/` end to end, on their cheapest experiments: the shell around
//! `nas run` and `nas report --summary` (experiment → strategy → store names, resuming, the
//! table at the end) and `nas report --trials` (the long runs).

use std::process::Command;

/// `scripts/darts_nb201_study.sh` with only its uniformly drawn cell (no training: a table
/// lookup per seed) over two seeds, run twice: the table names the run and its two seeds, and
/// the second call resumes the finished store instead of running it again.
#[test]
fn the_darts_nb201_study_runs_its_experiments_and_prints_their_table() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(format!("{root}/scripts"), dir.path().join("scripts"))
        .expect("links scripts/");
    let study = || {
        let out = Command::new("sh")
            .arg("scripts/darts_nb201_study.sh")
            .env("NAS", env!("CARGO_BIN_EXE_nas"))
            .env("EXPERIMENTS", "random_cell")
            .env("LONG", "")
            .env("SEEDS", "2")
            .current_dir(dir.path())
            .output()
            .expect("sh runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        text
    };
    let first = study();
    let row = first
        .lines()
        .find(|l| l.starts_with("| random_cell · random | 2 |"))
        .unwrap_or_else(|| panic!("a row for the run:\n{first}"));
    assert!(
        row.contains(" of 12 ("),
        "the parameter-free share of 2 × 6 edges: {row}"
    );
    let store = dir.path().join("runs/random_cell-random.jsonl");
    let trials = |text: &str| text.matches("\"kind\":\"trial\"").count();
    let before = std::fs::read_to_string(&store).expect("the store");
    assert_eq!(trials(&before), 2, "{before}");
    let second = study();
    assert!(second.contains(row), "the same row again:\n{second}");
    let after = std::fs::read_to_string(&store).expect("the store");
    assert_eq!(after, before, "a finished store is not run again");
    // An experiment the file lacks is an error that names it.
    let out = Command::new("sh")
        .arg("scripts/darts_nb201_study.sh")
        .env("NAS", env!("CARGO_BIN_EXE_nas"))
        .env("EXPERIMENTS", "no_such_experiment")
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no experiment no_such_experiment"));
    // The long runs (one seed each) end in one line per trial.
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(format!("{root}/scripts"), dir.path().join("scripts"))
        .expect("links scripts/");
    let out = Command::new("sh")
        .arg("scripts/darts_nb201_study.sh")
        .env("NAS", env!("CARGO_BIN_EXE_nas"))
        .env("EXPERIMENTS", "")
        .env("LONG", "random_cell")
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with(
            "| run | seed | trial | architecture | cifar10_test_200 | parameter-free ops |"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n| random_cell · random | 0 | 0 | `"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "one trial:\n{text}");
}
