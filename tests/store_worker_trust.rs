//! What a `nas worker` takes from the database, against a real PostgreSQL that each test
//! starts (see `tests/pg_common`): an experiment row rewritten by someone else cannot make
//! it read data outside its data folder (`--data`) or import files outside the
//! experiment's own, and a strategy script in the row is never run (the worker runs the
//! evaluator nas defines for the experiment, here the table, and nothing else).

use crate::pg_common::Pg;
use crate::search_common::{nb201, synthetic_csv};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn experiment(table: &str, strategy: &str) -> String {
    format!(
        r#"
import "stdlib/spaces/nb201.nas"

experiment q {{
    space     nb201
    evaluate  table(file: "{table}", reward: "valid_200", report: "test")
    strategy  {strategy}
    budget    trials: 3
    workers   3
    objective maximize valid_200
}}
"#
    )
}

/// A folder with the experiment, its table in `data/`, and a valid table outside it in
/// `secret/`.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for sub in ["data", "secret"] {
        std::fs::create_dir(d.join(sub)).expect("mkdir");
        std::fs::write(d.join(sub).join("table.csv"), synthetic_csv(&nb201())).expect("write");
    }
    std::fs::write(d.join("q.nas"), experiment("table.csv", "random")).expect("write");
    dir
}

/// Starts a driver that queues the experiment's trials, and kills it once they are
/// queued: the database holds the experiment's row and three queued trials.
fn queued(pg: &Pg, d: &Path) {
    let mut driver = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "q.nas", "--store", &pg.url])
        .env("NAS_DATA", d.join("data"))
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("driver starts");
    let started = Instant::now();
    while count(pg, "state = 'queued'") < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing queued"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    driver.kill().expect("killed");
    driver.wait().expect("reaped");
}

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

/// Replaces the experiment's files in the database's recipe (as someone with write access
/// to the database could).
fn rewrite(pg: &Pg, files: &[(&str, &str)]) {
    let mut admin = pg.admin();
    let row = admin
        .query_one("SELECT recipe FROM nas_experiments WHERE name = 'q'", &[])
        .expect("recipe");
    let mut recipe: serde_json::Value =
        serde_json::from_str(&row.get::<_, String>(0)).expect("json");
    recipe["files"] = serde_json::json!(files
        .iter()
        .map(|(n, t)| serde_json::json!([n, t]))
        .collect::<Vec<_>>());
    admin
        .execute(
            "UPDATE nas_experiments SET recipe = $1 WHERE name = 'q'",
            &[&recipe.to_string()],
        )
        .expect("rewritten");
}

fn worker(pg: &Pg, d: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["worker", "--store", &pg.url, "--experiment", "q", "--data"])
        .arg(d.join("data"))
        .env_remove("NAS_DATA")
        .env("NAS_SPOOL", d.join("spool"))
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("worker starts")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_rewritten_row_cannot_make_a_worker_read_outside_its_data_folder() {
    let pg = Pg::start();
    let dir = folder();
    let d = dir.path();
    queued(&pg, d);
    let secret = d.join("secret").join("table.csv");
    let outside = experiment(&secret.to_string_lossy(), "random");
    let escaping = experiment("../secret/table.csv", "random");
    let importing = format!(
        "import \"../../etc/evil.nas\"\n{}",
        experiment("table.csv", "random")
    );
    for (text_of_q, expected) in [
        (outside.as_str(), "is not in this worker's data folders"),
        (escaping.as_str(), "is not in this worker's data folders"),
        (importing.as_str(), "no file `"),
    ] {
        rewrite(&pg, &[("q.nas", text_of_q)]);
        let out = worker(&pg, d).wait_with_output().expect("worker ends");
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(said.contains(expected), "{said}");
        assert!(!said.contains("panicked"), "{said}");
    }
    assert_eq!(count(&pg, "state = 'queued'"), 3, "nothing was claimed");
}

#[test]
fn a_strategy_script_in_the_database_is_never_run_by_a_worker() {
    let pg = Pg::start();
    let dir = folder();
    let d = dir.path();
    queued(&pg, d);
    // The row now names a strategy that fails as soon as anything runs it; its header's
    // fingerprint is made to match, as a writer of the database could.
    let q = experiment("table.csv", "\"evil.rhai\"");
    let evil = "throw \"a worker ran the strategy\";\nfn search(ctx) { throw \"a worker ran the strategy\"; }\n";
    rewrite(&pg, &[("q.nas", &q), ("evil.rhai", evil)]);
    let local = tempfile::tempdir().expect("temp dir");
    std::fs::write(local.path().join("q.nas"), &q).expect("write");
    std::fs::write(local.path().join("evil.rhai"), evil).expect("write");
    std::fs::copy(
        d.join("data").join("table.csv"),
        local.path().join("table.csv"),
    )
    .expect("copy");
    let prepared = nas::search::prepare::prepare(
        &local.path().join("q.nas"),
        &nas::search::prepare::Overrides {
            no_weights: true,
            ..Default::default()
        },
    )
    .expect("prepared (without running the strategy)");
    let mut admin = pg.admin();
    let header: String = admin
        .query_one("SELECT header FROM nas_experiments WHERE name = 'q'", &[])
        .expect("header")
        .get(0);
    let mut header: serde_json::Value = serde_json::from_str(&header).expect("json");
    header["fingerprint"] = serde_json::json!(prepared.fingerprint);
    header["strategy"] = serde_json::json!("evil");
    admin
        .execute(
            "UPDATE nas_experiments SET header = $1 WHERE name = 'q'",
            &[&header.to_string()],
        )
        .expect("header rewritten");
    let running = worker(&pg, d);
    let started = Instant::now();
    while count(&pg, "state = 'finished'") < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "trials not run"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    admin
        .execute(
            "UPDATE nas_experiments SET finished = true WHERE name = 'q'",
            &[],
        )
        .expect("finished");
    let out = running.wait_with_output().expect("worker ends");
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("a worker ran the strategy"), "{said}");
    assert_eq!(
        count(
            &pg,
            "state = 'finished' AND result LIKE '%\"reward\":%' AND result NOT LIKE '%error%'"
        ),
        3,
        "every trial has the table's reward"
    );
}
