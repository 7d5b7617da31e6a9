//! REINFORCE with MnasNet's reward (`reinforce(target: ..)`): ACC · (LAT / target)^w steers
//! the policy, the latency read from the trial's `latency_lut` on the NB201 table.

use std::path::Path;
use std::process::Command;

/// The stored trials' (arch, latency_lut) of `strategy`'s seeded run of 300 trials.
fn run(dir: &Path, strategy: &str) -> Vec<(String, f64)> {
    let text = format!(
        r#"
import "stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201(c: 8, n: 1)
    evaluate  table(file: "nb201/nb201.csv")
    strategy  {strategy}
    budget    trials: 300
    objective maximize cifar10_valid_12, minimize latency_lut
}}
"#
    );
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args([
            "run",
            "e.nas",
            "--seed",
            "4",
            "--fresh",
            "--out",
            "runs/e.jsonl",
        ])
        .current_dir(dir)
        .env("NAS_CACHE", dir.join("cache"))
        .env(
            "NAS_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
        .output()
        .expect("nas runs");
    assert!(
        out.status.success(),
        "{strategy}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("runs/e.jsonl"))
        .expect("the store")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "trial")
        .map(|v| {
            let arch = v["arch"].as_str().expect("an arch").to_string();
            let lut = v["metrics"]["latency_lut"].as_f64().expect("latency_lut");
            (arch, lut)
        })
        .collect()
}

fn mean_of_last(trials: &[(String, f64)], n: usize) -> f64 {
    let tail = &trials[trials.len() - n..];
    tail.iter().map(|(_, l)| l).sum::<f64>() / n as f64
}

#[test]
fn a_target_no_architecture_reaches_changes_nothing_and_a_hard_one_pulls_latency_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = run(dir.path(), "reinforce");
    assert_eq!(plain.len(), 300);
    // Every latency under a target of 10^9 ms, with alpha 0: the reward is the accuracy.
    let loose = run(
        dir.path(),
        r#"reinforce(target: 1e9, alpha: 0.0, latency_metric: "latency_lut")"#,
    );
    assert_eq!(
        plain.iter().map(|(a, _)| a).collect::<Vec<_>>(),
        loose.iter().map(|(a, _)| a).collect::<Vec<_>>(),
        "the same draws as plain REINFORCE"
    );
    // MnasNet's hard constraint at the median latency of the plain run's trials.
    let mut sorted: Vec<f64> = plain.iter().map(|(_, l)| *l).collect();
    sorted.sort_by(f64::total_cmp);
    let target = sorted[sorted.len() / 2];
    let hard = run(
        dir.path(),
        &format!(
            r#"reinforce(target: {target}, alpha: 0.0, beta: -1.0, latency_metric: "latency_lut")"#
        ),
    );
    let (m_plain, m_hard) = (mean_of_last(&plain, 100), mean_of_last(&hard, 100));
    assert!(
        m_hard < m_plain,
        "the last 100 trials' mean latency_lut: {m_hard} with the hard constraint at {target} ms, {m_plain} without"
    );
}

#[test]
fn a_target_without_the_latency_objective_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  reinforce(target: 4.0)
    budget    trials: 5
    objective maximize cifar10_valid_12
}
"#;
    std::fs::write(dir.path().join("e.nas"), text).expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "e.nas"])
        .current_dir(dir.path())
        .env(
            "NAS_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
        .output()
        .expect("nas runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("MnasNet's reward reads the trial's `latency`")
            && err.contains("minimize latency"),
        "{err}"
    );
}
