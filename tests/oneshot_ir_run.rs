//! DARTS on the DARTS space end to end through `nas run`: `ctx.supernet` compiles the space's
//! own supernet (2 channels, one normal cell per stage, a slice of Fashion-MNIST), the
//! strategy derives a pair of cells in the space's canonical text, and the train evaluator
//! retrains and tests it; a space the supernet cannot mix is a script error naming the
//! decision. NAS-Bench-101 runs the same way, its vertices at elastic width.

use crate::data_common::require_fashion_mnist;
use crate::oneshot_common::run_fresh;

use std::path::Path;

fn run(dir: &Path, text: &str) -> (bool, String) {
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    let stdlib = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib");
    run_fresh(dir, &[("NAS_STDLIB", stdlib)])
}

fn experiment(space: &str, strategy: &str) -> String {
    format!(
        r#"
import "{root}/stdlib/spaces/{space}.nas"
experiment e {{
    space     {space}
    data      fashion_mnist(valid: 0.1, limit: 300, test_limit: 100)
    evaluate  train(epochs: 1, batch: 32, channels: 2, cells: 1, threads: 1)
    strategy  {strategy}
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}}
"#,
        root = env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn darts_searches_the_darts_space_and_the_derived_pair_is_retrained() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let strategy = "darts(order: 1, epochs: 1, steps: 2, channels: 2, cells: 1, batch: 16, limit: 128, threads: 1)";
    let (ok, out) = run(dir.path(), &experiment("darts", strategy));
    assert!(ok, "{out}");
    assert!(out.contains("28 α rows"), "{out}");
    let derived = out
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("prints the derived pair:\n{out}"))
        .trim();
    // Both cells, every node with two inputs and an op for each.
    for cell in ["darts_normal", "darts_reduce"] {
        for node in 0..4 {
            for key in ["in={", "op0=", "op1="] {
                let part = format!("{cell}.n{node}.{key}");
                assert!(derived.contains(&part), "{part} not in {derived}");
            }
        }
    }
    // The evaluator trained and tested exactly that pair.
    let chosen = out
        .lines()
        .find_map(|l| l.strip_prefix("chosen architecture: "))
        .unwrap_or_else(|| panic!("reports the chosen architecture:\n{out}"))
        .trim();
    assert_eq!(chosen, derived);
    let test_acc: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("test_acc of the chosen architecture: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("reports the test accuracy:\n{out}"));
    assert!((0.0..=100.0).contains(&test_acc), "{test_acc}");
}

#[test]
fn a_space_the_supernet_cannot_mix_is_a_script_error_naming_the_decision() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    // A depth decision (the supernet mixes ops, inputs and values, not depths), in a space
    // with the channel count that the script's `channels` sets.
    let strategy = "darts(order: 1, epochs: 1, steps: 1, channels: 4, limit: 64, threads: 1)";
    let space = "space deep(c: int = 8, classes: int = 10) {\n    input image(1, 28, 28)\n    conv(c, 3) >> (conv(c, 3) >> relu) * (1..=2) >> global_avg_pool >> linear(classes)\n}\n";
    let text = experiment("nb201", strategy)
        .replace("space     nb201", "space     deep")
        .replace("channels: 2, cells: 1, ", "")
        + space;
    let (ok, out) = run(dir.path(), &text);
    assert!(!ok, "{out}");
    assert!(
        out.contains("space `deep` cannot be compiled into a supernet: decision `"),
        "{out}"
    );
}

#[test]
fn darts_searches_nb101_at_elastic_width_and_the_derived_cell_is_retrained() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    // Five channels: the relaxation runs every vertex at one of them (C split five ways).
    let strategy = "darts(order: 1, epochs: 1, steps: 2, channels: 5, cells: 1, batch: 16, limit: 128, threads: 1)";
    let text = experiment("nb101", strategy).replace("channels: 2, ", "channels: 5, ");
    let (ok, out) = run(dir.path(), &text);
    assert!(ok, "{out}");
    // 5 op rows and 21 `any of` members.
    assert!(out.contains("26 α rows"), "{out}");
    let derived = out
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("prints the derived cell:\n{out}"))
        .trim();
    let mut edges = 0;
    for v in 1..=5 {
        assert!(
            derived.contains(&format!("nb101_cell.v{v}.op=")),
            "{derived}"
        );
    }
    for kv in derived.split(' ').filter(|kv| kv.contains(".in={")) {
        let set = kv.split_once("={").unwrap().1.trim_end_matches('}');
        edges += set.split(',').filter(|s| !s.is_empty()).count();
    }
    assert!((1..=9).contains(&edges), "{derived}");
    let chosen = out
        .lines()
        .find_map(|l| l.strip_prefix("chosen architecture: "))
        .unwrap_or_else(|| panic!("reports the chosen architecture:\n{out}"))
        .trim();
    assert_eq!(chosen, derived);
    let test_acc: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("test_acc of the chosen architecture: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("reports the test accuracy:\n{out}"));
    assert!((0.0..=100.0).contains(&test_acc), "{test_acc}");
}

#[test]
fn pc_darts_and_proxyless_with_its_latency_term_search_nb101() {
    require_fashion_mnist();
    // PC-DARTS with K = 2 on five channels: the relaxation's widths (1 each) and the paths'
    // (up to 5) are not all even; each vertex's ops take ⌈w/2⌉ of them.
    let strategies = [
        "pc_darts(partial: 2, edge_normalization: false, epochs: 1, warmup: 0, steps: 2, channels: 5, cells: 1, batch: 16, limit: 128, threads: 1)",
        "proxyless(latency_weight: 0.5, epochs: 1, warmup: 0, steps: 2, channels: 5, cells: 1, batch: 16, limit: 128, threads: 1)",
    ];
    for strategy in strategies {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = experiment("nb101", strategy).replace("channels: 2, ", "channels: 5, ");
        std::fs::write(dir.path().join("e.nas"), text).expect("writes");
        let stdlib = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib");
        let cache = dir.path().join("cache");
        let (ok, out) = run_fresh(dir.path(), &[("NAS_STDLIB", stdlib), ("NAS_CACHE", cache)]);
        assert!(ok, "{strategy}:\n{out}");
        let derived = out
            .lines()
            .find_map(|l| l.strip_prefix("derived: "))
            .unwrap_or_else(|| panic!("prints the derived cell:\n{out}"));
        assert!(derived.contains("nb101_cell.v5.op="), "{derived}");
        if strategy.starts_with("proxyless") {
            // Every op row and every member from the cell's input is timed.
            let timed = out
                .lines()
                .filter(|l| l.starts_with("op latencies of "))
                .filter(|l| !l.ends_with("[0.0, 0.0]") && !l.ends_with("[0.0, 0.0, 0.0]"))
                .count();
            assert_eq!(timed, 5 + 6, "{out}");
            assert!(out.contains(", expected latency "), "{out}");
        }
    }
}
