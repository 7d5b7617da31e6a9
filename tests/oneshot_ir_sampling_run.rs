//! GDAS, SNAS, RSPS, SPOS and ENAS on the DARTS space end to end through `nas run`: each stdlib
//! strategy drives the supernet compiled from the space's IR (2 channels, one normal cell per
//! stage, a few hundred Fashion-MNIST images, a few steps) in its own mode, the architecture
//! it picks is retrained by the train evaluator, and `nas params` builds it.

use crate::data_common::require_fashion_mnist;
use crate::oneshot_common::run_fresh;

use std::path::{Path, PathBuf};
use std::process::Command;

fn stdlib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib")
}

/// Runs `strategy` on the DARTS space; returns the output and the chosen architecture.
fn run_on_darts(strategy: &str) -> (String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        r#"
import "{root}/stdlib/spaces/darts.nas"
experiment e {{
    space     darts
    data      fashion_mnist(valid: 0.1, limit: 160, test_limit: 64)
    evaluate  train(epochs: 1, batch: 32, channels: 2, cells: 1, threads: 1)
    strategy  {strategy}
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}}
"#,
        root = env!("CARGO_MANIFEST_DIR")
    );
    std::fs::write(dir.path().join("e.nas"), text).expect("writes");
    let (ok, out) = run_fresh(dir.path(), &[("NAS_STDLIB", stdlib())]);
    assert!(ok, "{out}");
    let chosen = out
        .lines()
        .find_map(|l| l.strip_prefix("chosen architecture: "))
        .unwrap_or_else(|| panic!("reports the chosen architecture:\n{out}"))
        .trim()
        .to_string();
    (out, chosen)
}

/// `nas params darts ARCH --channels 2 --cells 1` accepts `arch`: every node of both cells
/// has two inputs and an op for each, and the network has weights.
fn params_accepts(arch: &str) {
    for cell in ["darts_normal", "darts_reduce"] {
        for node in 0..4 {
            for key in ["in={", "op0=", "op1="] {
                let part = format!("{cell}.n{node}.{key}");
                assert!(arch.contains(&part), "{part} not in {arch}");
            }
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["params", "darts", arch, "--channels", "2", "--cells", "1"])
        .env("NAS_STDLIB", stdlib())
        .output()
        .expect("nas runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count: i64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("params: "))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no params line: {stdout}"));
    assert!(count > 0, "{stdout}");
}

/// The derived architecture (printed as `derived: …`) is the one the evaluator retrained.
fn derived_is_chosen(out: &str, chosen: &str) {
    let derived = out
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("prints the derived architecture:\n{out}"))
        .trim();
    assert_eq!(derived, chosen);
}

#[test]
fn gdas_searches_the_darts_space_by_hard_gumbel_samples() {
    require_fashion_mnist();
    let (out, chosen) = run_on_darts(
        "gdas(epochs: 2, steps: 2, channels: 2, cells: 1, batch: 16, limit: 128, threads: 1)",
    );
    assert!(out.contains("mode gdas"), "{out}");
    // τ anneals over the epochs from tau_max (10) to tau_min (0.1).
    let taus: Vec<f64> = out
        .lines()
        .filter_map(|l| {
            l.strip_prefix("epoch ")?
                .split_once(": tau ")?
                .1
                .split(',')
                .next()
        })
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    assert_eq!(taus.len(), 2, "{out}");
    assert!(
        (taus[0] - 10.0).abs() < 1e-9 && (taus[1] - 0.1).abs() < 1e-9,
        "{taus:?}"
    );
    derived_is_chosen(&out, &chosen);
    params_accepts(&chosen);
}

#[test]
fn snas_searches_the_darts_space_by_relaxed_samples_and_joint_steps() {
    require_fashion_mnist();
    let (out, chosen) = run_on_darts(
        "snas(epochs: 2, steps: 2, channels: 2, cells: 1, batch: 16, limit: 128, threads: 1)",
    );
    assert!(out.contains("mode snas"), "{out}");
    // The α table names the DARTS space's rows (a mixed edge per candidate input).
    assert!(out.contains("darts_normal.n0.in:c0:"), "{out}");
    derived_is_chosen(&out, &chosen);
    params_accepts(&chosen);
}

#[test]
fn rsps_trains_uniform_paths_of_the_darts_space_and_picks_by_shared_weights() {
    require_fashion_mnist();
    let (out, chosen) = run_on_darts(
        "rsps(epochs: 1, steps: 3, candidates: 3, batches: 1, channels: 2, cells: 1, batch: 16, limit: 128, threads: 1)",
    );
    assert!(out.contains("mode path"), "{out}");
    let picked = out
        .lines()
        .find_map(|l| l.strip_prefix("chosen: "))
        .and_then(|l| l.split(" (shared-weight accuracy ").next())
        .unwrap_or_else(|| panic!("prints its pick:\n{out}"));
    assert_eq!(picked.trim(), chosen);
    params_accepts(&chosen);
}

#[test]
fn spos_evolves_paths_of_the_darts_space_scored_by_shared_weights() {
    require_fashion_mnist();
    let (out, chosen) = run_on_darts(
        "spos(epochs: 1, steps: 3, population: 4, generations: 1, batches: 1, channels: 2, cells: 1, batch: 16, limit: 128, threads: 1)",
    );
    assert!(out.contains("mode path"), "{out}");
    assert!(
        out.contains("generation 1: best shared-weight accuracy"),
        "{out}"
    );
    params_accepts(&chosen);
}

#[test]
fn enas_trains_controller_paths_of_the_darts_space_and_picks_by_shared_weights() {
    require_fashion_mnist();
    let (out, chosen) = run_on_darts(
        "enas(epochs: 1, steps: 2, controller_steps: 3, candidates: 2, batches: 1, channels: 2, cells: 1, batch: 16, limit: 128, threads: 1)",
    );
    // The controller's rewards are accuracies through the shared weights.
    let reward: f64 = out
        .lines()
        .find_map(|l| {
            l.split("mean reward ")
                .nth(1)?
                .split(',')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("reports a mean reward:\n{out}"));
    assert!((0.0..=1.0).contains(&reward), "{reward}");
    derived_is_chosen(&out, &chosen);
    params_accepts(&chosen);
}
