//! TE-NAS end to end through `nas run`: a tiny pruning search (two-channel supernet, four
//! NTK images, one initialisation, 200 patches) on Fashion-MNIST that prunes one op per edge
//! per round down to a single cell, which the table evaluator looks up; and the script errors
//! of bad settings.

use crate::data_common::require_fashion_mnist;
use crate::oneshot_common::run_fresh;

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

/// A small cell of `k of` input choices: `n0` takes both its inputs, `n1` 2 of 3, `n2` 1 of 4.
const PICKS: &str = r#"
op conv3(c: int) = conv(c, 3)
choice tiny_op(c: int) = conv3(c) | max_pool(3) | skip

cell picks_cell(c: int) {
    input  c0, c1
    node   n0 = sum(2 of [c0, c1] >> tiny_op(c))
    node   n1 = sum(2 of [c0, c1, n0] >> tiny_op(c))
    node   n2 = sum(1 of [c0, c1, n0, n1] >> tiny_op(c))
    output concat(n0, n1, n2)
}

space picks(c: int = 4, n: int = 1, classes: int = 10) {
    input image(3, 32, 32)
    conv(c, 3) >> batchnorm >> picks_cell(c) * n >> global_avg_pool >> linear(classes)
}

experiment e {
    space     picks
    data      fashion_mnist(valid: 0.1)
    evaluate  proxy(params)
    strategy  tenas(channels: 2, cells: 1, batch: 4, repeats: 1, patches: 200, threads: 1)
    budget    trials: 1
    objective maximize params
}
"#;

#[test]
fn tenas_prunes_each_k_of_choice_down_to_its_k_edges_after_the_ops() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("e.nas"), PICKS).expect("writes");
    let (ok, out) = run_fresh(dir.path(), &[]);
    assert!(ok, "{out}");
    // Nine candidate edges of three ops: two rounds of 27 and 18 candidates.
    assert!(
        out.contains("round 1: ") && out.contains(", 27 candidates;"),
        "{out}"
    );
    assert!(out.contains(", 18 candidates;"), "{out}");
    assert!(!out.contains("round 3: "), "{out}");
    // `n0` keeps both its inputs, so only `n1` and `n2` are pruned, each to its k.
    let edges: Vec<&str> = out.lines().filter(|l| l.starts_with("edges of ")).collect();
    assert_eq!(edges.len(), 2, "{out}");
    let count = |line: &str, what: &str| {
        let list = line.split(what).nth(1).unwrap_or_default();
        let list = &list[..list.find(']').unwrap_or(0)];
        list.split(',').filter(|s| !s.trim().is_empty()).count()
    };
    assert!(edges[0].contains("n1"), "{}", edges[0]);
    assert_eq!(
        (count(edges[0], "keeps ["), count(edges[0], "cuts [")),
        (2, 1)
    );
    assert!(edges[1].contains("n2"), "{}", edges[1]);
    assert_eq!(
        (count(edges[1], "keeps ["), count(edges[1], "cuts [")),
        (1, 3)
    );
    let derived = out
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("prints the derived cell:\n{out}"));
    // Each choice's chosen inputs: 2, 2 and 1 of them.
    for (node, k) in [("n0", 2), ("n1", 2), ("n2", 1)] {
        let set = derived
            .split(' ')
            .find(|kv| kv.contains(&format!(".{node}.")) && kv.contains("={"))
            .unwrap_or_else(|| panic!("{node} in {derived}"));
        let members = set.split_once("={").unwrap().1.trim_end_matches('}');
        assert_eq!(members.split(',').count(), k, "{set} in {derived}");
    }
}
