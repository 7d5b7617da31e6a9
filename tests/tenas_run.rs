//! TE-NAS end to end through `nas run`: a tiny pruning search (two-channel supernet, four
//! NTK images, one initialisation, 200 patches) on Fashion-MNIST that prunes one op per edge
//! per round down to a single cell, which the table evaluator looks up; and the script errors
//! of bad settings.

mod data_common;
mod oneshot_common;
use data_common::require_fashion_mnist;
use oneshot_common::run_fresh;

use std::path::Path;

const OPS: [&str; 5] = [
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
];

/// A table over every NAS-Bench-201 cell whose `score` is a function of the cell's ops.
fn table() -> String {
    let mut out = String::from("arch,score\n");
    for code in 0..5usize.pow(6) {
        let op = |e: u32| OPS[code / 5usize.pow(e) % 5];
        let key = format!(
            "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|",
            op(0),
            op(1),
            op(2),
            op(3),
            op(4),
            op(5)
        );
        out.push_str(&format!("{key},{}\n", code % 997));
    }
    out
}

fn run(dir: &Path, strategy: &str) -> (bool, String) {
    let text = format!(
        r#"
import "stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "table.csv", report: "score")
    strategy  {strategy}
    budget    trials: 1
    objective maximize score
}}
"#
    );
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    std::fs::write(dir.join("table.csv"), table()).expect("writes");
    run_fresh(dir, &[])
}

#[test]
fn tenas_prunes_to_one_op_per_edge_and_the_table_scores_the_cell() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out) = run(
        dir.path(),
        "tenas(channels: 2, cells: 1, batch: 4, repeats: 1, patches: 200, threads: 1)",
    );
    assert!(ok, "{out}");
    // Four ops per edge (`none` removed first), one pruned per edge per round: three rounds
    // of 24, 18 and 12 candidates.
    for (round, candidates) in [(1, 24), (2, 18), (3, 12)] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("round {round}: ")))
            .unwrap_or_else(|| panic!("no round {round}:\n{out}"));
        assert!(
            line.contains(&format!(", {candidates} candidates;")),
            "{line}"
        );
    }
    assert!(!out.contains("round 4: "), "{out}");
    assert!(out.contains("search: 3 rounds in "), "{out}");
    let derived = out
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("prints the derived cell:\n{out}"))
        .trim()
        .to_string();
    assert!(!derived.contains("none"), "{derived}");
    let expected: f64 = table()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{derived},")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{derived} is in the table"));
    let score: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("score of the chosen architecture: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("reports the chosen score:\n{out}"));
    assert_eq!(score, expected, "{out}");
}

#[test]
fn bad_pruned_supernet_settings_are_script_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out) = run(dir.path(), "tenas(channels: 0)");
    assert!(!ok);
    assert!(out.contains("`channels` must be at least 1"), "{out}");
    let (ok, out) = run(dir.path(), "tenas(batch: 1)");
    assert!(!ok);
    assert!(out.contains("`batch` of at least 2"), "{out}");
    assert!(!out.contains("panicked"), "{out}");
}
