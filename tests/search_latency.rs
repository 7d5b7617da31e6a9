//! `latency` and `latency_lut`, the metrics of an architecture's speed computed without
//! training: objectives after the first and resource bounds, for every evaluator. The
//! numbers are timings, so only what must hold of any timing is checked: each trial has
//! both, positive and finite, and the latency table they share with ProxylessNAS and FBNet
//! is written to the cache folder (`NAS_CACHE`).

use std::path::Path;
use std::process::Command;

/// Runs `nas run e.nas` with `text` as `dir/e.nas`, the cache in `dir/cache`; (success,
/// stdout, stderr).
fn run(dir: &Path, text: &str) -> (bool, String, String) {
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "e.nas"])
        .current_dir(dir)
        .env("NAS_CACHE", dir.join("cache"))
        .env(
            "NAS_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
        .output()
        .expect("nas runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The stored trials' `metrics` objects.
fn metrics(store: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(store)
        .expect("the trial store")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "trial")
        .map(|v| v["metrics"].clone())
        .collect()
}

#[test]
fn a_table_search_trades_accuracy_against_measured_and_predicted_latency() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201(c: 8, n: 1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 5
    objective maximize cifar10_valid_12, minimize latency, minimize latency_lut
}
"#;
    let (ok, out, err) = run(dir.path(), text);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("  cifar10_valid_12  latency  latency_lut  arch"),
        "the front names the objectives:\n{out}"
    );
    let trials = metrics(&dir.path().join("runs/e-random.jsonl"));
    assert_eq!(trials.len(), 5);
    for m in &trials {
        let latency = m["latency"].as_f64().expect("latency recorded");
        let lut = m["latency_lut"].as_f64().expect("latency_lut recorded");
        assert!(latency > 0.0 && latency.is_finite(), "{m}");
        assert!(lut >= 0.0 && lut.is_finite(), "{m}");
    }
    let table = std::fs::read_to_string(dir.path().join("cache/latency.csv"))
        .expect("the latency table is kept in NAS_CACHE");
    assert!(table.starts_with("device,op,shape,ms\n"), "{table}");
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| l.starts_with("cpu/threads=") || l.starts_with("cuda:")),
        "{table}"
    );
}

#[test]
fn a_latency_bound_is_measured_for_every_trial() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201(c: 8, n: 1)
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 3
    objective maximize cifar10_valid_12, minimize latency
    where     latency < 1e6
}
"#;
    let (ok, out, err) = run(dir.path(), text);
    assert!(ok, "{out}\n{err}");
    let trials = metrics(&dir.path().join("runs/e-random.jsonl"));
    assert_eq!(trials.len(), 3, "{out}");
    assert!(trials.iter().all(|m| m["latency"].as_f64().is_some()));
}

/// The stored trials' (arch, latency) of `dir/STORE`.
fn latencies(store: &Path) -> Vec<(String, f64)> {
    std::fs::read_to_string(store)
        .expect("the trial store")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "trial")
        .map(|v| {
            let arch = v["arch"].as_str().expect("an arch").to_string();
            (arch, v["metrics"]["latency"].as_f64().expect("latency"))
        })
        .collect()
}

#[test]
fn networks_are_timed_at_the_experiment_s_batch_once_per_device_for_every_later_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let experiment = |trials: usize| {
        format!(
            r#"
import "stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201(c: 8, n: 1)
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: {trials}
    objective maximize cifar10_valid_12, minimize latency
    latency   batch: 3
}}
"#
        )
    };
    let (ok, out, err) = run(dir.path(), &experiment(6));
    assert!(ok, "{out}\n{err}");
    let first = latencies(&dir.path().join("runs/e-random.jsonl"));
    assert_eq!(first.len(), 6);
    // Each network's timing is a row of the latency table, at the batch asked for.
    let table = std::fs::read_to_string(dir.path().join("cache/latency.csv")).expect("table");
    let rows: Vec<f64> = table
        .lines()
        .filter(|l| l.contains(",network "))
        .map(|l| {
            assert!(l.contains(",3x3x32x32,"), "batch 3 of 3×32×32 images: {l}");
            l.rsplit(',')
                .next()
                .and_then(|ms| ms.parse().ok())
                .expect("ms")
        })
        .collect();
    assert_eq!(rows.len(), 6, "one row per network timed:\n{table}");
    for (_, ms) in &first {
        assert!(rows.contains(ms), "{ms} is the table's:\n{table}");
    }
    // A later run (more trials, so the first six are drawn again) reads the same numbers for
    // the networks timed before, and adds a row for each new one only.
    std::fs::remove_file(dir.path().join("runs/e-random.jsonl")).expect("removed");
    let (ok, out, err) = run(dir.path(), &experiment(10));
    assert!(ok, "{out}\n{err}");
    let second = latencies(&dir.path().join("runs/e-random.jsonl"));
    assert_eq!(second.len(), 10);
    let mut seen = 0;
    for (arch, ms) in &second {
        if let Some((_, before)) = first.iter().find(|(a, _)| a == arch) {
            assert_eq!(ms, before, "{arch} timed again");
            seen += 1;
        }
    }
    let table = std::fs::read_to_string(dir.path().join("cache/latency.csv")).expect("table");
    let distinct_new = {
        let mut new: Vec<&String> = second
            .iter()
            .filter(|(a, _)| !first.iter().any(|(b, _)| a == b))
            .map(|(a, _)| a)
            .collect();
        new.sort();
        new.dedup();
        new.len()
    };
    let rows = table.lines().filter(|l| l.contains(",network ")).count();
    assert_eq!(seen, 6, "the first run's draws come again");
    assert!(rows <= 6 + distinct_new, "{rows} rows:\n{table}");
}

#[test]
fn latency_lut_of_a_space_the_supernet_cannot_take_fails_the_trial_with_its_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"
import "stdlib/spaces/rnn_lm.nas"

experiment e {
    space     rnn_lm(d: 8)
    data      ptb(limit: 2000, test_limit: 500)
    evaluate  train(epochs: 1, steps: 1, batch: 4, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl, minimize latency_lut
}
"#;
    let (_, out, err) = run(dir.path(), text);
    let said = format!("{out}\n{err}");
    assert!(
        said.contains("`latency_lut` needs a space of images"),
        "{said}"
    );
}
