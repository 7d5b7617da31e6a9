//! One-shot strategies end to end through `nas run`: tiny DARTS (first and second order),
//! GDAS, SNAS, PC-DARTS, ENAS and ProxylessNAS searches, and the remedies of DARTS' failure
//! modes (DARTS-, SDARTS-RS and -ADV, SGAS, DARTS+, DrNAS, P-DARTS, DARTS+PT), on the supernet compiled from the
//! stdlib NAS-Bench-201 space, on a slice of Fashion-MNIST, each deriving a cell that the table evaluator looks up (ProxylessNAS with its
//! cached latency table); and the script errors of bad supernet settings.

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
    data      fashion_mnist(valid: 0.1)
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
    // Latency tables go to the test's folder, never the user's cache.
    run_fresh(dir, &[("NAS_CACHE", dir.join("cache"))])
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
    require_fashion_mnist();
    for strategy in [
        "darts(order: 1, epochs: 2, steps: 3, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1)",
        "darts(order: 2, epochs: 1, steps: 2, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1)",
        "gdas(epochs: 2, steps: 2, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1)",
        "snas(epochs: 2, steps: 3, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1)",
        "pc_darts(epochs: 2, warmup: 1, steps: 3, partial: 2, channels: 4, cells: 1, batch: 16, limit: 200, threads: 1)",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (ok, out) = run(dir.path(), &experiment(strategy));
        assert!(ok, "{strategy}:\n{out}");
        assert!(out.contains("epoch 1: "), "{out}");
        // The derived cell may hold `none` (NB201's rule: the argmax over all five ops); the
        // table scores whatever it is.
        let (derived, score) = derived_and_score(&out);
        assert_eq!(score, table_score(&derived), "{out}");
    }
}

#[test]
fn darts_evaluates_the_cell_derived_after_every_epoch_and_the_report_lists_them_in_order() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let strategy = "darts(order: 1, epochs: 3, steps: 2, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1, evaluate_every: 1)";
    let text = experiment(strategy).replace("trials: 1", "trials: 3");
    let (ok, out) = run(dir.path(), &text);
    assert!(ok, "{out}");
    // What each epoch derived, as the search printed it.
    let derived: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("epoch "))
        .filter_map(|l| l.split("derived ").nth(1))
        .map(str::trim)
        .collect();
    assert_eq!(derived.len(), 3, "{out}");
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["report", "runs/e-darts.jsonl", "--trials"])
        .current_dir(dir.path())
        .output()
        .expect("nas report runs");
    let listing = String::from_utf8_lossy(&report.stdout).to_string();
    assert!(report.status.success(), "{listing}");
    assert!(
        listing.starts_with("| run | seed | trial | architecture | score | parameter-free ops |"),
        "{listing}"
    );
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(rows.len(), 3, "one line per epoch:\n{listing}");
    for (epoch, (row, arch)) in rows.iter().zip(&derived).enumerate() {
        let free = arch
            .split(['|', '+'])
            .filter_map(|e| e.split('~').next())
            .filter(|op| ["none", "skip_connect", "avg_pool_3x3"].contains(op))
            .count();
        let expected = format!(
            "| e · darts | 0 | {epoch} | `{}` | {:.2} | {free} of 6 ({:.0}%) |",
            arch.replace('|', "\\|"),
            table_score(arch),
            100.0 * free as f64 / 6.0
        );
        assert_eq!(*row, expected, "{listing}");
    }
}

/// The numbers that follow `key` on the lines that have it (`key` then a number then `,`).
fn numbers_after(out: &str, key: &str) -> Vec<f64> {
    out.lines()
        .filter_map(|l| l.split(key).nth(1))
        .filter_map(|rest| rest.split([',', ' ']).next()?.trim().parse().ok())
        .collect()
}

#[test]
fn the_remedies_of_darts_derive_a_cell_that_the_table_scores() {
    require_fashion_mnist();
    let tiny = "channels: 2, cells: 1, batch: 16, limit: 200, threads: 1";
    for (strategy, params) in [
        ("darts_minus", "epochs: 3, steps: 2"),
        ("sdarts", "variant: rs, epochs: 2, steps: 2"),
        ("sdarts", "variant: adv, epochs: 2, steps: 2, attack_steps: 2"),
        ("sgas", "criterion: 2, warmup: 1, decision_freq: 1, history: 2, steps: 2"),
        ("darts_plus", "epochs: 5, max_skips: 0, steps: 2"),
        ("darts_plus", "epochs: 5, patience: 1, arch_lr: 0.000000001, steps: 2"),
        ("drnas", "epochs: 2, steps: 2"),
        ("drnas", "partial: [2, 1], epochs: 1, steps: 2"),
        ("darts_pt", "epochs: 1, tune_epochs: 1, batches: 2, steps: 2"),
        ("setn", "epochs: 2, select: 4, batches: 1, steps: 2"),
        (
            "pdarts",
            "stages: [1, 2], keep: [2], dropout: [0.3, 0.6], epochs: 2, warmup: 1, steps: 2, max_skips: 0",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        // P-DARTS sets the cells of each stage itself.
        let tiny = if strategy == "pdarts" {
            tiny.replace("cells: 1, ", "")
        } else {
            tiny.to_string()
        };
        let line = format!("{strategy}({params}, {tiny})");
        let (ok, out) = run(dir.path(), &experiment(&line));
        assert!(ok, "{line}:\n{out}");
        let (derived, score) = derived_and_score(&out);
        assert_eq!(score, table_score(&derived), "{out}");
        // SGAS and DARTS+PT fix every edge to an op other than `none`.
        if matches!(strategy, "sgas" | "darts_pt") {
            assert!(!derived.contains("none"), "{derived}");
        }
        match strategy {
            // DARTS-: β decays linearly from 1 and reaches 0 at the last epoch.
            "darts_minus" => assert_eq!(numbers_after(&out, "beta "), [1.0, 0.5, 0.0], "{out}"),
            // SGAS: one edge decided per decision, until all six are.
            "sgas" => assert_eq!(
                numbers_after(&out, "decided "),
                [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                "{out}"
            ),
            // DARTS+: `max_skips` skips in the cell stop it (0: after the first epoch); a
            // frozen α (a tiny learning rate) keeps its ranking, which stops it once that
            // has held for `patience` epochs (after the second).
            "darts_plus" => {
                let epochs = out.lines().filter(|l| l.starts_with("epoch ")).count();
                let (criterion, after) = if params.contains("max_skips: 0") {
                    ("(criterion 1)", 1)
                } else {
                    ("(criterion 2)", 2)
                };
                assert!(out.contains(criterion), "{out}");
                assert_eq!(epochs, after, "{out}");
            }
            // P-DARTS: a deeper second stage over each edge's two strongest ops and `none`,
            // the skip dropout decaying within a stage, and no skip left with M = 0.
            "pdarts" => {
                assert!(out.contains("stage 1 keeps [3, 3, 3, 3, 3, 3] ops per row"), "{out}");
                assert!(out.contains("cells 2"), "{out}");
                assert_eq!(numbers_after(&out, "skip dropout "), [0.3, 0.15, 0.6, 0.3], "{out}");
                assert!(!derived.contains("skip_connect"), "{derived}");
            }
            // DrNAS' progressive learning: a stage at K = 2, then one at K = 1 over the better
            // half of each edge's four ops other than `none` (and `none`).
            "drnas" if params.contains("partial") => {
                assert!(out.contains("stage 1 keeps [3, 3, 3, 3, 3, 3] ops per row"), "{out}");
                assert!(out.contains("partial channels 1/2"), "{out}");
                assert!(out.contains("DrNAS stage 2 of 2"), "{out}");
            }
            // DARTS+PT: every edge decided once, each keeping the op whose removal leaves
            // the supernet least accurate (the first of equal ones).
            "darts_pt" => {
                let decisions: Vec<&str> = out
                    .lines()
                    .filter_map(|l| l.strip_prefix("decision: "))
                    .collect();
                assert_eq!(decisions.len(), 6, "{out}");
                for d in decisions {
                    let (head, tried) = d.split_once(';').expect("the accuracies");
                    let chosen = head.split(" takes ").nth(1).expect("an op");
                    let mut best = ("", 2.0);
                    for part in tried.split(" without ").skip(1) {
                        let (op, acc) = part.split_once(": ").expect("op: accuracy");
                        let acc: f64 = acc.trim().parse().expect("an accuracy");
                        if acc < best.1 {
                            best = (op, acc);
                        }
                    }
                    assert_eq!(chosen, best.0, "{d}");
                }
            }
            // SETN: distinct templates drawn from α and scored, the best evaluated.
            "setn" => {
                assert!(out.contains("templates: 4 distinct of "), "{out}");
                assert!(out.contains("epoch 2: "), "{out}");
            }
            // SDARTS: ε grows linearly from 0.03 (ε_min + (ε − ε_min)·epoch/epochs).
            "sdarts" => {
                let eps = numbers_after(&out, "epsilon ");
                assert_eq!(eps.len(), 2, "{out}");
                assert!((eps[0] - 0.03).abs() < 1e-9 && (eps[1] - 0.165).abs() < 1e-9, "{eps:?}");
            }
            _ => {}
        }
    }
}

#[test]
fn enas_trains_its_controller_on_shared_weight_rewards_and_the_table_scores_its_pick() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let strategy = "enas(epochs: 2, steps: 3, controller_steps: 4, candidates: 3, batches: 2, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1)";
    let (ok, out) = run(dir.path(), &experiment(strategy));
    assert!(ok, "{out}");
    // Each epoch reports the controller's mean reward, an accuracy.
    let rewards: Vec<f64> = out
        .lines()
        .filter_map(|l| l.split("mean reward ").nth(1))
        .filter_map(|rest| rest.split(',').next()?.trim().parse().ok())
        .collect();
    assert_eq!(rewards.len(), 2, "{out}");
    assert!(rewards.iter().all(|r| (0.0..=1.0).contains(r)), "{out}");
    let (derived, score) = derived_and_score(&out);
    assert_eq!(score, table_score(&derived), "{out}");
}

#[test]
fn proxyless_measures_a_latency_table_once_and_derives_a_cell() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let strategy = "proxyless(epochs: 2, warmup: 1, steps: 3, latency_weight: 0.5, channels: 2, cells: 1, batch: 16, limit: 200, threads: 1)";
    let (ok, out) = run(dir.path(), &experiment(strategy));
    assert!(ok, "{out}");
    assert!(out.contains("expected latency "), "{out}");
    let (derived, score) = derived_and_score(&out);
    assert_eq!(score, table_score(&derived), "{out}");
    // One row per op but none, per cell (2, 4 and 8 channels at 28, 14 and 7 pixels), keyed
    // by the op's spec.
    let file = dir.path().join("cache/latency.csv");
    let table = std::fs::read_to_string(&file).expect("the latency table is cached");
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 12, "{table}");
    assert!(
        rows.iter().any(|r| r.starts_with(
            "cpu/threads=1,Seq([Act(Relu), Conv(ConvConfig { c_out: 8, kernel: [3, 3]"
        ) && r.contains(",1x8x7x7,")),
        "{table}"
    );
    // A second search reads the table instead of measuring again: the file is unchanged.
    let (ok, out) = run(dir.path(), &experiment(strategy));
    assert!(ok, "{out}");
    assert_eq!(std::fs::read_to_string(&file).expect("still there"), table);
}

#[test]
fn bad_supernet_settings_are_script_errors() {
    require_fashion_mnist();
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
    assert!(out.contains("order is 1 or 2, not 3"), "{out}");
    assert!(!out.contains("panicked"), "{out}");
    for (strategy, message) in [
        (
            "sdarts(variant: fgsm, epochs: 1)",
            "variant is \"rs\" or \"adv\"",
        ),
        ("sgas(criterion: 3)", "criterion is 1 or 2"),
        (
            "pdarts(stages: [1, 2], keep: [], dropout: [0.0, 0.4])",
            "need 1 entries of keep",
        ),
    ] {
        let (ok, out) = run(dir.path(), &experiment(strategy));
        assert!(!ok, "{strategy}");
        assert!(out.contains(message), "{strategy}:\n{out}");
        assert!(!out.contains("panicked"), "{out}");
    }
}

/// CIFAR-100 binary records (two label bytes, 3×32×32 pixels) labelled `i % 100`, pixels noise.
fn cifar100_records(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.extend([(i % 20) as u8, (i % 100) as u8]);
        out.extend((0..3072).map(|p| ((p * 31 + i * 17) % 256) as u8));
    }
    out
}

#[test]
fn a_search_trains_on_the_experiments_data_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("c100");
    std::fs::create_dir(&data).expect("folder");
    std::fs::write(data.join("train.bin"), cifar100_records(200)).expect("writes");
    std::fs::write(data.join("test.bin"), cifar100_records(10)).expect("writes");
    // Colour images of 100 classes: labels up to 99 train only if the supernet has 100
    // outputs and 3 input channels.
    let strategy = "darts(order: 1, epochs: 1, steps: 2, channels: 2, cells: 1, batch: 16, limit: 64, threads: 1)";
    let text = experiment(strategy).replace(
        "fashion_mnist(valid: 0.1)",
        "cifar100(dir: \"c100\", valid: 0.1)",
    );
    let (ok, out) = run(dir.path(), &text);
    assert!(ok, "{out}");
    let (derived, score) = derived_and_score(&out);
    assert_eq!(score, table_score(&derived), "{out}");
    // Another folder is read, and its absence said.
    let (ok, out) = run(dir.path(), &text.replace("\"c100\"", "\"elsewhere\""));
    assert!(!ok);
    assert!(out.contains("elsewhere"), "{out}");
    // Without a `data` entry there is nothing to train on.
    let (ok, out) = run(
        dir.path(),
        &text.replace("    data      cifar100(dir: \"c100\", valid: 0.1)\n", ""),
    );
    assert!(!ok);
    assert!(out.contains("has no `data` entry"), "{out}");
    assert!(!out.contains("panicked"), "{out}");
}
