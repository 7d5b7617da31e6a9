//! A one-shot search survives `kill -9`: a real `nas run` is killed as soon as its first
//! epoch's checkpoint appears beside the trial store, `nas run --resume` says it continues
//! from the last finished epoch, runs only the epochs left, and ends exactly as an
//! uninterrupted run with the same seed (every later epoch's losses, the derived
//! architecture, the trial, the α history beside the store), after which the checkpoints are
//! gone; `nas report` draws that history as heat maps.

use crate::data_common::require_fashion_mnist;

use nas::search::alpha_log;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn experiment(strategy: &str) -> String {
    format!(
        r#"
import "{root}/stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201
    data      fashion_mnist(valid: 0.1, limit: 300, test_limit: 100)
    evaluate  train(epochs: 1, batch: 32, channels: 2, cells: 1, threads: 1)
    strategy  {strategy}
    budget    trials: 1
    seed      3
    objective maximize valid_acc
}}
"#,
        root = env!("CARGO_MANIFEST_DIR")
    )
}

/// `nas run e.nas --out STORE ARGS` in `dir`, stdout and stderr to `log`.
fn nas(dir: &Path, store: &str, args: &[&str], log: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nas"));
    let out = std::fs::File::create(dir.join(log)).expect("log file");
    let err = out.try_clone().expect("log file");
    command
        .args(["run", "e.nas", "--out", store])
        .args(args)
        .current_dir(dir)
        .env("OMP_NUM_THREADS", "1")
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    command
}

fn finished(dir: &Path, store: &str, args: &[&str], log: &str) -> String {
    let status = nas(dir, store, args, log).status().expect("nas runs");
    let text = std::fs::read_to_string(dir.join(log)).expect("log");
    assert!(status.success(), "{text}");
    text
}

/// The lines `epoch N: ...` by N.
fn epochs(log: &str) -> Vec<(usize, String)> {
    log.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("epoch ")?;
            let (n, _) = rest.split_once(':')?;
            Some((n.parse().ok()?, l.to_string()))
        })
        .collect()
}

fn survives_a_kill(strategy: &str, total: usize) {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    std::fs::write(dir.join("e.nas"), experiment(strategy)).expect("writes");
    let reference = finished(dir, "whole.jsonl", &[], "whole.log");
    let whole = epochs(&reference);
    assert_eq!(whole.len(), total, "{reference}");

    // Killed as soon as the first checkpoint is there.
    let mut child = nas(dir, "cut.jsonl", &[], "cut.log")
        .spawn()
        .expect("spawns");
    let checkpoint = dir.join("cut.checkpoints").join("seed3-supernet0.ckpt");
    let t0 = Instant::now();
    while !checkpoint.exists() {
        if let Some(status) = child.try_wait().expect("waits") {
            let log = std::fs::read_to_string(dir.join("cut.log")).unwrap_or_default();
            panic!("the run ended ({status}) before its first checkpoint:\n{log}");
        }
        assert!(t0.elapsed() < Duration::from_secs(300), "no checkpoint");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let store = std::fs::read_to_string(dir.join("cut.jsonl")).expect("store");
    assert!(
        !store.contains("\"kind\":\"end\""),
        "killed mid-run:\n{store}"
    );
    let cut = epochs(&std::fs::read_to_string(dir.join("cut.log")).expect("log"));
    assert!(!cut.is_empty() && cut.len() < total, "{cut:?}");

    let resumed = finished(dir, "cut.jsonl", &["--resume"], "resumed.log");
    let done = resumed
        .lines()
        .find_map(|l| l.split_once("resumed from ")?.1.split_once(" after epoch "))
        .and_then(|(_, rest)| rest.split_whitespace().next()?.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("says where it resumed:\n{resumed}"));
    assert!(done >= 1 && done < total, "{resumed}");
    let again = epochs(&resumed);
    assert_eq!(
        again.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (done + 1..=total).collect::<Vec<_>>(),
        "only the epochs left run:\n{resumed}"
    );
    for (n, line) in &again {
        assert_eq!(line, &whole[n - 1].1, "epoch {n} as without the kill");
    }
    let derived = |log: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix("derived: ").or(l.strip_prefix("chosen: ")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("prints what it derived:\n{log}"))
    };
    assert_eq!(derived(&resumed), derived(&reference));
    let trial = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).expect("store");
        let line = text
            .lines()
            .find(|l| l.contains("\"kind\":\"trial\""))
            .expect("a trial")
            .to_string();
        let value: serde_json::Value = serde_json::from_str(&line).expect("json");
        (value["arch"].clone(), value["reward"].clone())
    };
    assert_eq!(trial("cut.jsonl"), trial("whole.jsonl"));
    assert!(!dir.join("cut.checkpoints").exists(), "checkpoints removed");
    assert!(!dir.join("whole.checkpoints").exists());
    // The α history beside the store: every epoch once, as without the kill (the epochs
    // written before it and the resumed ones).
    let history = |name: &str| alpha_log::read(&alpha_log::file(&dir.join(name)));
    let (cut_alphas, whole_alphas) = (history("cut.jsonl"), history("whole.jsonl"));
    assert_eq!(
        whole_alphas.iter().map(|a| a.epoch).collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>()
    );
    assert_eq!(cut_alphas, whole_alphas);
    for row in whole_alphas.iter().flat_map(|a| &a.rows) {
        let sum: f64 = row.p.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "{row:?}");
        assert_eq!(row.p.len(), row.ops.len());
    }
    // `nas report` draws them as heat maps, one per α row, with the data as CSV.
    let status = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["report", "cut.jsonl", "-o", "report.html"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .expect("nas report runs");
    assert!(status.success());
    let page = std::fs::read_to_string(dir.join("report.html")).expect("report");
    assert!(page.contains("α over epochs"), "no α section");
    let rows = whole_alphas[0].rows.len();
    assert_eq!(
        page.matches("<div class=\"chart\">").count(),
        2 + rows,
        "{}",
        std::fs::read_to_string(dir.join("cut.jsonl")).unwrap_or_default()
    );
    let csv = std::fs::read_to_string(dir.join("report_data").join("alphas.csv")).expect("csv");
    let ops: usize = whole_alphas[0].rows.iter().map(|r| r.ops.len()).sum();
    assert_eq!(csv.lines().count(), 1 + total * ops, "{csv}");
}

/// GDAS: Gumbel noise from libtorch's generator, α's Adam, the weights' SGD momentum.
#[test]
fn a_killed_gdas_search_resumes_from_its_last_epoch_and_ends_as_an_uninterrupted_one() {
    survives_a_kill(
        "gdas(epochs: 4, steps: 12, channels: 2, cells: 1, batch: 16, limit: 256, threads: 1)",
        4,
    );
}

/// ENAS: the controller is the script's own state, saved with each epoch.
#[test]
fn a_killed_enas_search_keeps_its_controller() {
    survives_a_kill(
        "enas(epochs: 4, steps: 8, controller_steps: 6, candidates: 3, batches: 1, channels: 2, cells: 1, batch: 16, limit: 256, threads: 1)",
        4,
    );
}

/// ENAS with its paper's LSTM controller: weights, Adam's moments, baseline and generator
/// go into each epoch's checkpoint as the controller's `state()`.
#[test]
fn a_killed_enas_search_keeps_its_lstm_controller() {
    survives_a_kill(
        "enas(controller: \"lstm\", lstm_lr: 0.01, epochs: 4, steps: 8, controller_steps: 6, candidates: 3, batches: 1, channels: 2, cells: 1, batch: 16, limit: 256, threads: 1)",
        4,
    );
}

/// SGAS: the edges decided so far live in the search's op mask, the op weights' history in
/// the script's state; a decision is made after every epoch from the first.
#[test]
fn a_killed_sgas_search_keeps_its_decided_edges() {
    survives_a_kill(
        "sgas(criterion: 2, warmup: 0, decision_freq: 1, history: 2, steps: 8, channels: 2, cells: 1, batch: 16, limit: 256, threads: 1)",
        6,
    );
}

/// A search that fails after a finished epoch keeps its store and checkpoint (so `--resume`
/// can go on once the cause is fixed), and a resumed script starts from `net.epoch` with the
/// state it saved.
#[test]
fn a_failed_search_keeps_its_epochs_for_resume() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let script = r#"
fn search(ctx) {
    let net = ctx.supernet(#{ channels: 2, cells: 1, batch: 16, limit: 64, threads: 1 });
    print(`starting at epoch ${net.epoch}`);
    if type_of(net.saved) == "map" {
        print(`saved: ${net.saved.note}, ${net.saved.steps + 1}`);
    }
    for epoch in net.epoch..1 {
        net.weight_step();
        net.end_epoch(#{ note: "after one epoch", steps: 1 });
    }
    throw "the disk is full";
}
"#;
    std::fs::write(dir.join("s.rhai"), script).expect("writes");
    std::fs::write(dir.join("e.nas"), experiment("\"s.rhai\"")).expect("writes");
    let run = |args: &[&str], log: &str| {
        let status = nas(dir, "s.jsonl", args, log).status().expect("nas runs");
        let text = std::fs::read_to_string(dir.join(log)).expect("log");
        assert!(!status.success(), "{text}");
        text
    };
    let first = run(&[], "first.log");
    assert!(first.contains("starting at epoch 0"), "{first}");
    assert!(!first.contains("saved: "), "{first}");
    assert!(first.contains("the disk is full"), "{first}");
    assert!(
        first.contains("finished trials and epochs are kept"),
        "{first}"
    );
    assert!(dir.join("s.jsonl").exists());
    assert!(dir.join("s.checkpoints/seed3-supernet0.ckpt").exists());
    let again = run(&["--resume"], "again.log");
    assert!(again.contains("resumed from"), "{again}");
    assert!(again.contains("starting at epoch 1"), "{again}");
    assert!(again.contains("saved: after one epoch, 2"), "{again}");
}
