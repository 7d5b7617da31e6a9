//! `nas report` end to end: two real runs over the NAS-Bench-201 table (two strategies, two
//! seeds each), one report page that fetches nothing, the charts' data as CSV whose last
//! best-so-far point is the best the run printed, and a screenshot of the page in headless
//! Chromium.

use crate::data_common::require_fashion_mnist;
use std::path::Path;
use std::process::Command;

const EXPERIMENT: &str = r#"
import "stdlib/spaces/nb201.nas"
experiment t {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200",
                    cost_base: 10, op_cost: ops(nor_conv_3x3: 9, nor_conv_1x1: 1))
    strategy  evolution(population: 8, tournament: 3)
    budget    trials: 30
    objective maximize cifar10_valid_12
}
"#;

fn nas(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("nas runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "nas {args:?}:\n{text}");
    text
}

/// The reward in the first row of the best-trials table a one-seed run prints.
fn printed_best(out: &str) -> f64 {
    let mut lines = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("rank"));
    lines.next().expect("a best-trials table");
    let row: Vec<&str> = lines
        .next()
        .expect("a first row")
        .split_whitespace()
        .collect();
    row[2].parse().expect("the reward column")
}

/// The last best-so-far value of `run`'s seed `seed` in best_so_far.csv.
fn last_best(csv: &str, run: &str, seed: &str) -> f64 {
    csv.lines()
        .rfind(|l| l.starts_with(run) && l.split(',').nth(1) == Some(seed))
        .and_then(|l| l.rsplit(',').next()?.parse().ok())
        .expect("a best-so-far row")
}

#[test]
fn a_report_overlays_runs_and_its_last_best_is_the_printed_best() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("e.nas"), EXPERIMENT).expect("writes");
    let evolution = nas(dir.path(), &["run", "e.nas", "--seed", "3"]);
    let random = nas(
        dir.path(),
        &["run", "e.nas", "--seed", "3", "--strategy", "random"],
    );
    let out = nas(
        dir.path(),
        &[
            "report",
            "runs/t-evolution.jsonl",
            "runs/t-random.jsonl",
            "-o",
            "out/report.html",
        ],
    );
    assert!(out.contains("report: out/report.html"), "{out}");
    let page = std::fs::read_to_string(dir.path().join("out/report.html")).expect("html");
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(
            !page.contains(external),
            "the page fetches something: {external}"
        );
    }
    assert_eq!(
        page.matches("<svg").count(),
        2,
        "best against trials and against time"
    );
    assert!(page.contains("t · evolution") && page.contains("t · random"));
    assert!(page.contains("maximize cifar10_valid_12"));
    let data = dir.path().join("out/report_data");
    let csv = std::fs::read_to_string(data.join("best_so_far.csv")).expect("csv");
    assert_eq!(
        last_best(&csv, "t · evolution", "3"),
        printed_best(&evolution)
    );
    assert_eq!(last_best(&csv, "t · random", "3"), printed_best(&random));
    let trials = std::fs::read_to_string(data.join("trials.csv")).expect("trials csv");
    assert_eq!(
        trials.lines().count(),
        1 + 2 * 30,
        "a header and every trial"
    );
    let by_time = std::fs::read_to_string(data.join("best_vs_time.csv")).expect("time csv");
    assert!(
        by_time.lines().count() > 100,
        "a simulated clock: {by_time}"
    );

    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
        .expect("headless Chromium is needed: `make setup` installs Debian's chromium package");
    let shot = dir.path().join("shot.png");
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1100,1400",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!(
            "file://{}",
            dir.path().join("out/report.html").display()
        ))
        .output()
        .expect("chromium runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn a_missing_or_foreign_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("x.jsonl"), "not a store\n").expect("writes");
    for file in ["x.jsonl", "missing.jsonl"] {
        let out = Command::new(env!("CARGO_BIN_EXE_nas"))
            .args(["report", file])
            .current_dir(dir.path())
            .output()
            .expect("nas runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(file) && err.contains("hint:"), "{err}");
    }
}

#[test]
fn a_proxy_run_gets_its_scatter_with_rank_correlations() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let experiment = r#"
import "stdlib/spaces/nb201.nas"
experiment p {
    space     nb201
    data      fashion_mnist(limit: 200)
    evaluate  proxy(params, channels: 4, cells: 1, table: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 12
    objective maximize params
}
"#;
    std::fs::write(dir.path().join("p.nas"), experiment).expect("writes");
    nas(dir.path(), &["run", "p.nas"]);
    nas(
        dir.path(),
        &["report", "runs/p-random.jsonl", "-o", "p.html"],
    );
    let page = std::fs::read_to_string(dir.path().join("p.html")).expect("html");
    assert_eq!(
        page.matches("<svg").count(),
        3,
        "two curves and the scatter"
    );
    let csv = std::fs::read_to_string(dir.path().join("p_data/proxy_scatter.csv")).expect("csv");
    let (x, y): (Vec<f64>, Vec<f64>) = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.rsplitn(3, ',').collect();
            (f[1].parse::<f64>().unwrap(), f[0].parse::<f64>().unwrap())
        })
        .unzip();
    assert_eq!(x.len(), 12);
    let rho = nas::trainfree::rank::spearman(&x, &y).expect("a correlation");
    assert!(
        page.contains(&format!("<td>{rho:.3}</td>")),
        "Spearman's ρ {rho:.3} in the page"
    );
}

/// One seed's chosen trial read back from a store's JSON lines: (reward, report, arch).
type Chosen = (f64, f64, String);

#[test]
fn the_summary_gives_each_runs_chosen_cells_mean_std_parameter_free_share_and_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let experiment = EXPERIMENT.replace("trials: 30", "trials: 4");
    std::fs::write(dir.path().join("e.nas"), experiment).expect("writes");
    nas(
        dir.path(),
        &["run", "e.nas", "--seeds", "3", "--strategy", "random"],
    );
    let out = nas(dir.path(), &["report", "--summary", "runs/t-random.jsonl"]);
    // What the summary must say, read from the store itself: per seed the trial with the
    // best reward, its report; the parameter-free ops (skip, pooling, `none`) by name.
    let store = std::fs::read_to_string(dir.path().join("runs/t-random.jsonl")).expect("store");
    let mut chosen: std::collections::BTreeMap<u64, Chosen> = Default::default();
    let mut ends = 0;
    for line in store.lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        if v["kind"] == "end" {
            ends += 1;
            assert!(v["wall"].as_f64().expect("wall time") >= 0.0, "{line}");
            assert!(v["cpu"].as_f64().expect("CPU time") >= 0.0, "{line}");
            continue;
        }
        let seed = v["seed"].as_u64().expect("a seed");
        let reward = v["reward"].as_f64().expect("a reward");
        let report = v["report"].as_f64().expect("a report");
        let arch = v["arch"].as_str().expect("an arch").to_string();
        let best = chosen.entry(seed).or_insert((reward, report, arch.clone()));
        if reward > best.0 {
            *best = (reward, report, arch);
        }
    }
    assert_eq!((chosen.len(), ends), (3, 3), "{store}");
    let values: Vec<f64> = chosen.values().map(|c| c.1).collect();
    let mean = values.iter().sum::<f64>() / 3.0;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    let free: usize = chosen
        .values()
        .map(|c| {
            c.2.split(['|', '+'])
                .filter_map(|e| e.split('~').next())
                .filter(|op| ["none", "skip_connect", "avg_pool_3x3"].contains(op))
                .count()
        })
        .sum();
    let per_seed: Vec<String> = values.iter().map(|v| format!("{v:.2}")).collect();
    let row = out
        .lines()
        .find(|l| l.starts_with("| t · random |"))
        .unwrap_or_else(|| panic!("a row for the run:\n{out}"));
    let expected = format!(
        "| t · random | 3 | {mean:.2} ± {std:.2} | {} | {free} of 18 ({:.0}%) | ",
        per_seed.join(", "),
        100.0 * free as f64 / 18.0
    );
    assert!(row.starts_with(&expected), "{row}\nexpected {expected}");
    assert!(row.ends_with(" s |"), "{row}");
    assert!(
        out.starts_with("| run | seeds | cifar10_test_200 (mean ± sample std) |"),
        "{out}"
    );
}

/// Whether `a` dominates `b`, both (accuracy maximised, weights minimised).
fn beats(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 >= b.0 && a.1 <= b.1 && (a.0 > b.0 || a.1 < b.1)
}

#[test]
fn a_multi_objective_report_draws_each_run_s_front() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = EXPERIMENT
        .replace(
            "evolution(population: 8, tournament: 3)",
            "nsga2(population: 8)",
        )
        .replace(
            "objective maximize cifar10_valid_12",
            "objective maximize cifar10_valid_12, minimize params",
        )
        .replace("trials: 30", "trials: 24");
    std::fs::write(dir.path().join("e.nas"), text).expect("writes");
    nas(dir.path(), &["run", "e.nas", "--seeds", "2"]);
    nas(
        dir.path(),
        &["run", "e.nas", "--seed", "5", "--strategy", "random"],
    );
    nas(
        dir.path(),
        &[
            "report",
            "runs/t-nsga2.jsonl",
            "runs/t-random.jsonl",
            "-o",
            "out/report.html",
        ],
    );
    let page = std::fs::read_to_string(dir.path().join("out/report.html")).expect("html");
    assert!(page.contains("<h2>Pareto fronts</h2>"), "{page}");
    assert!(
        page.contains("cifar10_valid_12 (maximised) against params (minimised)"),
        "one chart for the pair"
    );
    assert_eq!(page.matches("<svg").count(), 3, "two curves and the front");
    let csv =
        std::fs::read_to_string(dir.path().join("out/report_data/pareto.csv")).expect("pareto.csv");
    // Per run: each trial's (accuracy, weights) and whether it is on the front.
    for run in ["t · nsga2", "t · random"] {
        let mut points: std::collections::BTreeMap<(String, String), (f64, f64, bool)> =
            Default::default();
        for line in csv.lines().skip(1).filter(|l| l.starts_with(run)) {
            let f: Vec<&str> = line.split(',').collect();
            let (seed, trial, objective, value, on) =
                (f[1], f[2], f[f.len() - 3], f[f.len() - 2], f[f.len() - 1]);
            let entry = points
                .entry((seed.to_string(), trial.to_string()))
                .or_insert((f64::NAN, f64::NAN, on == "true"));
            let v: f64 = value.parse().expect("a value");
            match objective {
                "cifar10_valid_12" => entry.0 = v,
                "params" => entry.1 = v,
                other => panic!("unknown objective {other}"),
            }
        }
        let expected = if run == "t · nsga2" { 48 } else { 24 };
        assert_eq!(points.len(), expected, "{run}: every trial once");
        let all: Vec<(f64, f64, bool)> = points.into_values().collect();
        assert!(all.iter().any(|p| p.2), "{run}: a front");
        for p in &all {
            let beaten = all.iter().any(|q| beats((q.0, q.1), (p.0, p.1)));
            assert_eq!(
                p.2, !beaten,
                "{run}: {p:?} is on the front iff nothing beats it"
            );
        }
    }
}
