//! A scalarised objective written in the language (`objective maximize cifar10_valid_12 *
//! pow(latency_lut / T, if(latency_lut <= T, a, b))`, MnasNet's reward): each trial's reward
//! is the formula's value, the evaluator's metric and the formula's other metrics are kept
//! with the trial, a value that is not finite fails the trial with its reason and the run goes
//! on, and a training evaluator measures every trial's report.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The NB201 table experiment with `strategy` and `objective`, 40 trials, seed 5.
fn table_experiment(strategy: &str, objective: &str) -> String {
    format!(
        r#"
import "stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201(c: 8, n: 1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  {strategy}
    budget    trials: 40
    objective {objective}
}}
"#
    )
}

/// Runs `text` as `dir/e.nas` into a fresh store `dir/NAME.jsonl` (latency table cached in
/// `dir/cache`); (success, stdout and stderr, the stored trials).
fn run(dir: &Path, name: &str, text: &str) -> (bool, String, Vec<Value>) {
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    let store = format!("{name}.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "e.nas", "--seed", "5", "--fresh", "--out", &store])
        .current_dir(dir)
        .env("NAS_CACHE", dir.join("cache"))
        .env(
            "NAS_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
        .output()
        .expect("nas runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let trials = std::fs::read_to_string(dir.join(&store))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["kind"] == "trial")
        .collect();
    (out.status.success(), text, trials)
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The median of the trials' `latency_lut`, rounded to a thousandth (so that it reads back
/// as the same number from the text of a formula or a strategy parameter).
fn median_lut(trials: &[Value]) -> f64 {
    let mut luts: Vec<f64> = trials
        .iter()
        .map(|t| number(&t["metrics"]["latency_lut"]))
        .collect();
    luts.sort_by(f64::total_cmp);
    (luts[luts.len() / 2] * 1000.0).round() / 1000.0
}

#[test]
fn a_formula_is_each_trial_s_reward_and_keeps_what_it_was_computed_from() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain_text = table_experiment("random", "maximize cifar10_valid_12, minimize latency_lut");
    let (ok, out, plain) = run(dir.path(), "plain", &plain_text);
    assert!(ok, "{out}");
    assert_eq!(plain.len(), 40);
    // The target splits the trials, so both exponents are used.
    let target = median_lut(&plain);
    let formula = format!(
        "cifar10_valid_12 * pow(latency_lut / {target}, if(latency_lut <= {target}, -0.07, -0.5))"
    );
    let text = table_experiment("random", &format!("maximize {formula}"));
    let (ok, out, scored) = run(dir.path(), "formula", &text);
    assert!(ok, "{out}");
    assert!(out.contains(&formula), "the run names its reward:\n{out}");
    assert_eq!(scored.len(), 40);
    let (mut under, mut over) = (0, 0);
    for (p, s) in plain.iter().zip(&scored) {
        // Random search draws the same architectures whatever the rewards.
        assert_eq!(p["arch"], s["arch"]);
        let (acc, lut) = (number(&p["reward"]), number(&p["metrics"]["latency_lut"]));
        let w = if lut <= target {
            under += 1;
            -0.07
        } else {
            over += 1;
            -0.5
        };
        let expected = acc * (lut / target).powf(w);
        assert!(
            (number(&s["reward"]) - expected).abs() < 1e-9,
            "{}: reward {} where acc {acc} and latency_lut {lut} give {expected}",
            s["arch"],
            s["reward"]
        );
        assert_eq!(number(&s["metrics"]["cifar10_valid_12"]), acc);
        assert_eq!(number(&s["metrics"]["latency_lut"]), lut);
        assert_eq!(s["report"], p["report"], "the report is the table's column");
    }
    assert!(
        under > 0 && over > 0,
        "{under} under the target, {over} over"
    );
}

#[test]
fn the_formula_reproduces_reinforce_s_own_mnas_reward_draw_for_draw() {
    let dir = tempfile::tempdir().expect("temp dir");
    let objective = "maximize cifar10_valid_12, minimize latency_lut";
    let (ok, out, plain) = run(
        dir.path(),
        "plain",
        &table_experiment("reinforce", objective),
    );
    assert!(ok, "{out}");
    let target = median_lut(&plain);
    // MnasNet's hard constraint, once as the strategy's reward and once as the experiment's.
    let built_in = format!(
        r#"reinforce(target: {target}, alpha: 0.0, beta: -1.0, latency_metric: "latency_lut")"#
    );
    let (ok, out, by_strategy) = run(
        dir.path(),
        "built_in",
        &table_experiment(&built_in, objective),
    );
    assert!(ok, "{out}");
    let formula = format!(
        "maximize cifar10_valid_12 * pow(latency_lut / {target}, if(latency_lut <= {target}, 0.0, -1.0)), minimize latency_lut"
    );
    let (ok, out, by_formula) = run(
        dir.path(),
        "formula",
        &table_experiment("reinforce", &formula),
    );
    assert!(ok, "{out}");
    let archs = |trials: &[Value]| trials.iter().map(|t| t["arch"].clone()).collect::<Vec<_>>();
    assert_eq!(archs(&by_strategy), archs(&by_formula));
    assert_ne!(
        archs(&plain),
        archs(&by_formula),
        "the reward changes the policy's draws"
    );
}

#[test]
fn a_formula_that_is_not_finite_fails_that_trial_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = table_experiment("random", "maximize log(cifar10_valid_12 - 75)");
    let (ok, out, trials) = run(dir.path(), "log", &text);
    assert!(ok, "{out}");
    assert_eq!(trials.len(), 40);
    let failed: Vec<&Value> = trials.iter().filter(|t| t["status"] == "failed").collect();
    let scored = trials.len() - failed.len();
    assert!(
        !failed.is_empty() && scored > 0,
        "{} failed of {}",
        failed.len(),
        trials.len()
    );
    for t in failed {
        let error = t["error"].as_str().expect("a reason");
        assert!(
            error.contains(
                "the objective `log(cifar10_valid_12 - 75)` is NaN where cifar10_valid_12 = "
            ),
            "{error}"
        );
    }
}

#[test]
fn a_trained_formula_run_measures_every_trial_s_report() {
    crate::data_common::require_fashion_mnist();
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201
    data      fashion_mnist(limit: 160, valid: 0.25, test_limit: 64)
    evaluate  train(epochs: 1, batch: 32, optimizer: sgd(lr: 0.05), schedule: constant, channels: 2, cells: 1)
    strategy  random
    budget    trials: 4
    objective maximize valid_acc - 100 * (params > 2k)
}
"#;
    let (ok, out, trials) = run(dir.path(), "train", text);
    assert!(ok, "{out}");
    assert_eq!(trials.len(), 4);
    for t in &trials {
        assert_eq!(t["status"], "ok", "{t}");
        let (acc, params) = (
            number(&t["metrics"]["valid_acc"]),
            number(&t["metrics"]["params"]),
        );
        let penalty = if params > 2000.0 { 100.0 } else { 0.0 };
        assert!((number(&t["reward"]) - (acc - penalty)).abs() < 1e-9, "{t}");
        assert!(
            t["report"].is_number(),
            "every trial has its test accuracy: {t}"
        );
    }
}
