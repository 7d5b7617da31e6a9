//! The PostgreSQL trial store measured (a benchmark, not a test: it asserts nothing about
//! time). `cargo bench --bench store_throughput` starts a throwaway PostgreSQL with its
//! durable defaults (see `tests/pg_common`) and prints two Markdown tables for the README:
//!
//! 1. trials per second of a table experiment whose trials are made to last 50 ms each
//!    (`nas worker --delay 0.05`), against the number of workers (1, 2, 4, 8 `nas worker`
//!    processes on this machine, the experiment running as many trials at once), counted
//!    between the first and the last result committed;
//! 2. the trial store's cost per trial, PostgreSQL (a driver and one worker) against the
//!    JSON-lines file (one process), from the wall time of runs of 20 and 200 trials of the
//!    same table experiment without a delay (the median of three runs each; the difference
//!    over the 180 extra trials, so that starting the processes cancels out).

#[path = "../tests/pg_common/mod.rs"]
mod pg_common;
#[path = "../tests/search_common/mod.rs"]
mod search_common;

use pg_common::Pg;
use search_common::{nb201, synthetic_csv};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const NAS: &str = env!("CARGO_BIN_EXE_nas");
const DELAY: f64 = 0.05;
const TRIALS: usize = 64;

fn experiment(name: &str, trials: usize, workers: usize) -> String {
    format!(
        r#"
import "stdlib/spaces/nb201.nas"

experiment {name} {{
    space     nb201
    evaluate  table(file: "table.csv", reward: "valid_200", report: "test")
    strategy  random
    budget    trials: {trials}
    workers   {workers}
    objective maximize valid_200
}}
"#
    )
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(NAS)
        .args(args)
        .env("NAS_DATA", dir)
        .env("NAS_SPOOL", dir.join("spool"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nas starts")
}

fn ends_well(mut child: Child, what: &str) {
    let status = child.wait().expect("ends");
    assert!(status.success(), "{what} failed");
}

/// Trials per second with `n` workers.
fn throughput(pg: &Pg, dir: &Path, n: usize) -> f64 {
    let name = format!("t{n}");
    let file = format!("{name}.nas");
    std::fs::write(dir.join(&file), experiment(&name, TRIALS, n)).expect("write");
    let driver = spawn(dir, &["run", &file, "--store", &pg.url, "--fresh"]);
    let delay = DELAY.to_string();
    let workers: Vec<Child> = (0..n)
        .map(|_| {
            spawn(
                dir,
                &[
                    "worker",
                    "--store",
                    &pg.url,
                    "--experiment",
                    &name,
                    "--delay",
                    &delay,
                ],
            )
        })
        .collect();
    ends_well(driver, "the driver");
    for w in workers {
        ends_well(w, "a worker");
    }
    let mut c = pg.admin();
    let span: f64 = c
        .query_one(
            "SELECT extract(epoch FROM max(finished_at) - min(finished_at))::float8
             FROM nas_trials WHERE experiment = $1",
            &[&name],
        )
        .expect("span")
        .get(0);
    (TRIALS - 1) as f64 / span
}

/// Seconds a run of `trials` trials takes on the JSON-lines store, or on the database with
/// one worker; `take` tells repeated runs apart (each is an experiment of its own: a worker
/// started beside a `--fresh` driver could otherwise find the last run's experiment,
/// finished, and stop at once).
fn run_time(pg: Option<&Pg>, dir: &Path, trials: usize, take: usize) -> f64 {
    let name = format!(
        "o{trials}{}{take}",
        if pg.is_some() { "pg" } else { "file" }
    );
    let file = format!("{name}.nas");
    std::fs::write(dir.join(&file), experiment(&name, trials, 1)).expect("write");
    let started = Instant::now();
    match pg {
        None => {
            let out = format!("{name}.jsonl");
            ends_well(
                spawn(dir, &["run", &file, "--out", &out, "--fresh"]),
                "the run",
            );
        }
        Some(pg) => {
            let driver = spawn(dir, &["run", &file, "--store", &pg.url, "--fresh"]);
            let worker = spawn(dir, &["worker", "--store", &pg.url, "--experiment", &name]);
            ends_well(driver, "the driver");
            ends_well(worker, "the worker");
        }
    }
    started.elapsed().as_secs_f64()
}

/// The median of three [`run_time`]s (the machine is shared: one slow start would skew a
/// single run).
fn median_time(pg: Option<&Pg>, dir: &Path, trials: usize) -> f64 {
    let mut times: Vec<f64> = (0..3).map(|take| run_time(pg, dir, trials, take)).collect();
    times.sort_by(f64::total_cmp);
    times[1]
}

fn main() {
    let pg = Pg::start_durable();
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("table.csv"), synthetic_csv(&nb201())).expect("write");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "machine: {cpu}, {cores} cores; load average before: {}",
        load.trim()
    );
    println!();
    println!(
        "| workers | trials/s ({TRIALS} trials of {} ms) | ideal |",
        DELAY * 1000.0
    );
    println!("| ---: | ---: | ---: |");
    for n in [1, 2, 4, 8] {
        let rate = throughput(&pg, d, n);
        println!("| {n} | {rate:.1} | {:.1} |", n as f64 / DELAY);
    }
    println!();
    println!("| store | 20 trials (s) | 200 trials (s) | per trial (ms) |");
    println!("| --- | ---: | ---: | ---: |");
    for (label, db) in [("JSON-lines", None), ("PostgreSQL, 1 worker", Some(&pg))] {
        let (short, long) = (median_time(db, d, 20), median_time(db, d, 200));
        println!(
            "| {label} | {short:.2} | {long:.2} | {:.2} |",
            (long - short) / 180.0 * 1000.0
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!();
    println!("load average after: {}", load.trim());
}
