//! One-shot strategies end to end through `nas run`: tiny DARTS (first and second order),
//! GDAS, SNAS and PC-DARTS searches on a slice of Fashion-MNIST, each deriving a NAS-Bench-201 cell
//! that the table evaluator looks up; and the script errors of bad supernet settings.

use std::path::Path;
use std::process::Command;

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
        let ops: Vec<usize> = (0..6).map(|e| code / 5usize.pow(e) % 5).collect();
        let op = |e: usize| OPS[ops[e]];
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

fn experiment(strategy: &str) -> String {
    format!(
        r#"
import "stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201
    evaluate  table(file: "table.csv", report: "score")
    strategy  {strategy}
    budget    trials: 1
    objective maximize score
}}
"#
    )
}

fn run(dir: &Path, text: &str) -> (bool, String) {
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    std::fs::write(dir.join("table.csv"), table()).expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "e.nas", "--fresh"])
        .current_dir(dir)
        .env("OMP_NUM_THREADS", "1")
        .output()
        .expect("nas runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn fashion_mnist_present() -> bool {
    let dir = std::env::var_os("NAS_FASHION_MNIST")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    dir.join("train-images-idx3-ubyte.gz").is_file()
        || dir.join("train-images-idx3-ubyte").is_file()
}

/// The derived cell printed by the strategy and the score reported for the chosen trial.
fn derived_and_score(out: &str) -> (String, f64) {
    let derived = out
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("prints the derived cell:\n{out}"))
        .trim()
        .to_string();
    let score = out
        .lines()
        .find_map(|l| l.strip_prefix("score of the chosen architecture: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("reports the chosen score:\n{out}"));
    (derived, score)
}

fn table_score(arch: &str) -> f64 {
    table()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{arch},")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{arch} is in the table"))
}

#[test]
fn differentiable_searches_derive_a_cell_that_the_table_scores() {
    if !fashion_mnist_present() {
        return;
    }
    for strategy in [
        "darts(order: 1, epochs: 2, steps: 3, channels: 2, batch: 16, limit: 200, threads: 1)",
        "darts(order: 2, epochs: 1, steps: 2, channels: 2, batch: 16, limit: 200, threads: 1)",
        "gdas(epochs: 2, steps: 2, channels: 2, batch: 16, limit: 200, threads: 1)",
        "snas(epochs: 2, steps: 3, channels: 2, batch: 16, limit: 200, threads: 1)",
        "pc_darts(epochs: 2, warmup: 1, steps: 3, partial: 2, channels: 4, batch: 16, limit: 200, threads: 1)",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (ok, out) = run(dir.path(), &experiment(strategy));
        assert!(ok, "{strategy}:\n{out}");
        assert!(out.contains("epoch 1: "), "{out}");
        let (derived, score) = derived_and_score(&out);
        assert!(!derived.contains("none"), "{derived}");
        assert_eq!(score, table_score(&derived), "{out}");
    }
}

#[test]
fn bad_supernet_settings_are_script_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out) = run(
        dir.path(),
        &experiment("darts(order: 1, epochs: 1, channels: 0)"),
    );
    assert!(!ok);
    assert!(out.contains("`channels` must be at least 1"), "{out}");
    let (ok, out) = run(
        dir.path(),
        &experiment("darts(order: 3, epochs: 1, steps: 1, channels: 2, batch: 8, limit: 50)"),
    );
    assert!(!ok);
    if fashion_mnist_present() {
        assert!(out.contains("order is 1 or 2, not 3"), "{out}");
    }
    assert!(!out.contains("panicked"), "{out}");
}
