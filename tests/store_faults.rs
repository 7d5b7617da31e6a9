//! Faults of a database-backed run against a real PostgreSQL that each test starts (see
//! `tests/pg_common`): a worker stopped (SIGSTOP) past its lease and resumed, the driver
//! killed with `kill -9` and restarted, the database stopped and started again mid-run (a
//! finished result spooled on disk, and committed by another worker when the first died
//! meanwhile), and URLs that are broken or lead nowhere. After each fault the run's
//! committed set of (trial, architecture, reward) is the embedded store's.

use crate::cli_common::nas_in;
use crate::pg_common::Pg;
use crate::search_common::{nb201, synthetic_csv};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const EXPERIMENT: &str = r#"
import "stdlib/spaces/nb201.nas"

experiment q {
    space     nb201
    evaluate  table(file: "table.csv", reward: "valid_200", report: "test")
    strategy  random
    budget    trials: 12
    workers   3
    objective maximize valid_200
}
"#;

/// An experiment's folder, and the (trial, architecture, reward) set the embedded store
/// commits for it.
fn folder() -> (tempfile::TempDir, BTreeSet<(u64, String, String)>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.nas"), EXPERIMENT).expect("write");
    std::fs::write(dir.path().join("table.csv"), synthetic_csv(&nb201())).expect("write");
    let (success, out, err) = nas_in(dir.path(), &["run", "q.nas", "--out", "embedded.jsonl"]);
    assert!(success, "{out}{err}");
    let embedded = committed(&dir.path().join("embedded.jsonl"));
    assert_eq!(embedded.len(), 12);
    (dir, embedded)
}

/// (trial, architecture, reward) of every trial line of a JSON-lines store.
fn committed(store: &Path) -> BTreeSet<(u64, String, String)> {
    let (_, loaded) = nas::search::store::read(store).expect("a store");
    loaded
        .trials
        .values()
        .flatten()
        .map(|t| (t.id, t.arch.clone(), format!("{:?}", t.reward)))
        .collect()
}

/// The database's run copied out, as a committed set.
fn committed_in(pg: &Pg, dir: &Path) -> BTreeSet<(u64, String, String)> {
    let (success, out, err) = nas_in(
        dir,
        &["store", "copy", &pg.url, "db.jsonl", "--experiment", "q"],
    );
    assert!(success, "{out}{err}");
    committed(&dir.join("db.jsonl"))
}

/// A `nas` process in `dir` whose standard error goes to `log` (read while it runs).
fn spawn(dir: &Path, args: &[&str], log: &str, spool: &Path) -> Child {
    let err = std::fs::File::create(dir.join(log)).expect("log file");
    let out = err.try_clone().expect("log file");
    Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(args)
        .env("NAS_DATA", dir)
        .env("NAS_SPOOL", spool)
        .current_dir(dir)
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("nas starts")
}

fn driver(pg: &Pg, dir: &Path, log: &str, resume: bool) -> Child {
    // No `--workers`: the experiment's three trials at a time, and no local workers.
    let mut args = vec!["run", "q.nas", "--store", &pg.url];
    if resume {
        args.push("--resume");
    }
    spawn(dir, &args, log, &dir.join("spool"))
}

fn worker(pg: &Pg, dir: &Path, log: &str, lease: &str, delay: &str) -> Child {
    let args = [
        "worker",
        "--store",
        &pg.url,
        "--experiment",
        "q",
        "--lease",
        lease,
        "--delay",
        delay,
    ];
    spawn(dir, &args, log, &dir.join("spool"))
}

fn read_log(dir: &Path, log: &str) -> String {
    std::fs::read_to_string(dir.join(log)).unwrap_or_default()
}

/// Waits (up to a minute) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited too long for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The number of trials in `state` (and seen by the driver, when `seen`).
fn count(pg: &Pg, condition: &str) -> i64 {
    let Ok(mut c) = postgres::Client::connect(&pg.url, postgres::NoTls) else {
        return -1;
    };
    c.query_one(
        &format!("SELECT count(*) FROM nas_trials WHERE {condition}"),
        &[],
    )
    .map(|r| r.get(0))
    .unwrap_or(-1)
}

/// Waits for `child` to end well; its log.
fn ends_well(mut child: Child, dir: &Path, log: &str) -> String {
    let status = child.wait().expect("ends");
    let text = read_log(dir, log);
    assert!(status.success(), "{log} failed ({status}):\n{text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: `kill` sends a signal to a child this test started; nothing is shared.
    let sent = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(sent, 0, "signal {sig} sent");
}

/// The number in `worker done: N trial(s) committed` of a worker's log.
fn committed_by(log: &str) -> u64 {
    let line = log
        .lines()
        .find(|l| l.starts_with("worker done: "))
        .expect("a done line");
    line["worker done: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

#[test]
fn a_worker_stopped_past_its_lease_has_its_late_result_refused() {
    let pg = Pg::start();
    let (dir, embedded) = folder();
    let dir = dir.path();
    let run = driver(&pg, dir, "driver.log", false);
    let stopped = worker(&pg, dir, "stopped.log", "1", "2");
    wait_until("a claim", || count(&pg, "state = 'running'") > 0);
    signal(&stopped, libc::SIGSTOP);
    // Its lease runs out; another worker claims the trial again and commits it.
    let healthy = worker(&pg, dir, "healthy.log", "1", "0");
    wait_until("the trial run again", || {
        count(&pg, "attempts > 1 AND state = 'finished'") > 0
    });
    signal(&stopped, libc::SIGCONT);
    let said = ends_well(run, dir, "driver.log");
    assert!(said.contains("12 trials (0 failed)"), "{said}");
    let late = ends_well(stopped, dir, "stopped.log");
    assert!(
        late.contains("dropped the result of trial") && late.contains("1 late result(s) dropped"),
        "{late}"
    );
    let healthy = ends_well(healthy, dir, "healthy.log");
    assert_eq!(
        committed_by(&healthy) + committed_by(&late),
        12,
        "{healthy}{late}"
    );
    assert_eq!(count(&pg, "state = 'finished' AND seen IS NOT NULL"), 12);
    assert_eq!(committed_in(&pg, dir), embedded);
}

#[test]
fn a_driver_killed_and_restarted_continues_without_divergence_or_duplicates() {
    let pg = Pg::start();
    let (dir, embedded) = folder();
    let dir = dir.path();
    let mut first = driver(&pg, dir, "first.log", false);
    let a = worker(&pg, dir, "a.log", "5", "0.2");
    let b = worker(&pg, dir, "b.log", "5", "0.2");
    wait_until("four trials seen", || count(&pg, "seen IS NOT NULL") >= 4);
    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    assert!(count(&pg, "seen IS NOT NULL") < 12, "killed before the end");
    let said = ends_well(driver(&pg, dir, "second.log", true), dir, "second.log");
    assert!(said.contains("12 trials (0 failed)"), "{said}");
    let (a, b) = (ends_well(a, dir, "a.log"), ends_well(b, dir, "b.log"));
    assert_eq!(
        committed_by(&a) + committed_by(&b),
        12,
        "each trial committed once"
    );
    assert_eq!(
        count(&pg, "attempts = 1 AND state = 'finished'"),
        12,
        "none ran twice"
    );
    assert_eq!(committed_in(&pg, dir), embedded);
}

#[test]
fn a_database_restarted_mid_run_is_waited_for_and_spooled_results_are_committed() {
    let pg = Pg::start();
    let (dir, embedded) = folder();
    let dir = dir.path();
    let run = driver(&pg, dir, "driver.log", false);
    let mut workers = vec![
        (worker(&pg, dir, "a.log", "60", "1"), "a.log"),
        (worker(&pg, dir, "b.log", "60", "1"), "b.log"),
    ];
    wait_until("three trials seen", || count(&pg, "seen IS NOT NULL") >= 3);
    pg.stop();
    // The workers finish their trials while the database is away: the results go to the
    // spool. One of them then dies; a worker started later commits what it left.
    let spooled = |log: &str| read_log(dir, log).contains("is spooled in");
    wait_until("a spooled result", || {
        workers.iter().any(|(_, log)| spooled(log))
    });
    let at = workers
        .iter()
        .position(|(_, log)| spooled(log))
        .expect("one");
    let (mut doomed, doomed_log) = workers.remove(at);
    doomed.kill().expect("kill -9");
    doomed.wait().expect("reaped");
    let (other, other_log) = workers.pop().expect("the other");
    let doomed_log = read_log(dir, doomed_log);
    let trial: i64 = doomed_log
        .split("the result of trial ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the spooled trial's id");
    std::thread::sleep(Duration::from_millis(500));
    pg.up();
    let late = worker(&pg, dir, "late.log", "60", "0");
    let said = ends_well(run, dir, "driver.log");
    assert!(said.contains("12 trials (0 failed)"), "{said}");
    assert!(
        said.contains("the database is away") && said.contains("the database is back"),
        "{said}"
    );
    let late = ends_well(late, dir, "late.log");
    assert!(
        late.contains(&format!(
            "committed the spooled result of trial {trial} of seed 0"
        )),
        "{late}"
    );
    let other = ends_well(other, dir, other_log);
    assert!(other.contains("the database is away"), "{other}");
    assert_eq!(
        count(
            &pg,
            &format!("id = {trial} AND attempts = 1 AND state = 'finished'")
        ),
        1,
        "the dead worker's spooled result was committed, not run again"
    );
    let spool: Vec<PathBuf> = walk(&dir.join("spool"));
    assert!(spool.is_empty(), "{spool:?}");
    assert_eq!(count(&pg, "state = 'finished' AND seen IS NOT NULL"), 12);
    assert_eq!(committed_in(&pg, dir), embedded);
}

/// The files under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn broken_and_unreachable_urls_are_clear_errors() {
    let pg = Pg::start();
    let (dir, _) = folder();
    let dir = dir.path();
    let cases: [(&[&str], &str); 5] = [
        (
            &["worker", "--store", "postgres://nas@127.0.0.1:1/postgres"],
            "cannot connect to postgres://nas@127.0.0.1:1/postgres",
        ),
        (
            &["worker", "--store", "postgres://nas@[::1/postgres"],
            "is not a PostgreSQL URL",
        ),
        (
            &["worker", "--store", "runs/q.jsonl"],
            "is not a PostgreSQL URL",
        ),
        (
            &[
                "run",
                "q.nas",
                "--store",
                &format!("{}?sslmode=sometimes", pg.url),
            ],
            "sslmode `sometimes` is not one of",
        ),
        (
            &[
                "run",
                "q.nas",
                "--store",
                "postgres://nas@127.0.0.1:99999/postgres",
            ],
            "is not a PostgreSQL URL",
        ),
    ];
    for (args, expected) in cases {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nas"));
        let out = cmd.args(args).current_dir(dir).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
