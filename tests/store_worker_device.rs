//! `nas worker --device`: a GPU this machine lacks is refused at start (exit status 1, a
//! message and a hint, never a libtorch abort), before the database is looked for; an
//! unknown device is a usage error; `--device cpu` trains the trials of a `train(..)`
//! experiment end to end, a real worker against a throwaway PostgreSQL that the test starts
//! (see `tests/pg_common`).

use crate::data_common::require_fashion_mnist;
use crate::pg_common::Pg;
use std::process::{Command, Output, Stdio};

const NAS: &str = env!("CARGO_BIN_EXE_nas");

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_gpu_this_machine_lacks_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens there: the device is refused before the database is looked for.
    let url = "postgres://nas@127.0.0.1:1/nas";
    let mut wanted = vec![("cuda:4096", "cuda:4096")];
    if !tch::Cuda::is_available() {
        wanted.extend([
            ("cuda:0", "cuda:0"),
            ("cuda", "cuda:0"),
            ("cuda:1", "cuda:1"),
        ]);
    }
    for (device, shown) in wanted {
        let out = Command::new(NAS)
            .args(["worker", "--store", url, "--device", device])
            .env("NAS_SPOOL", dir.path())
            .current_dir(dir.path())
            .output()
            .expect("nas runs");
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{device}: {said}");
        assert!(
            said.contains(&format!("error: --device {shown}: "))
                && said.contains("CUDA device")
                && said.contains("hint: "),
            "{device}: {said}"
        );
        assert!(!said.contains("cannot connect"), "{device}: {said}");
        assert!(!said.contains("panicked"), "{device}: {said}");
    }
    for device in ["gpu", "cuda:x", "cuda:-1"] {
        let out = Command::new(NAS)
            .args(["worker", "--store", url, "--device", device])
            .current_dir(dir.path())
            .output()
            .expect("nas runs");
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{device}: {said}");
        assert!(
            said.contains(&format!(
                "`{device}` is not a device; write `cpu` or `cuda:N`"
            )),
            "{device}: {said}"
        );
    }
}

const TRAINED: &str = r#"
import "stdlib/spaces/nb201.nas"

experiment t {
    space     nb201
    data      fashion_mnist(limit: 160, valid: 0.25, test_limit: 64)
    evaluate  train(epochs: 1, batch: 32, optimizer: sgd(lr: 0.05), schedule: constant, channels: 2, cells: 1, threads: 1)
    strategy  random
    budget    trials: 2
    objective maximize valid_acc
}
"#;

#[test]
fn a_worker_on_the_cpu_trains_the_trials_of_a_train_experiment() {
    require_fashion_mnist();
    let pg = Pg::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("t.nas"), TRAINED).expect("write");
    let driver = Command::new(NAS)
        .args(["run", "t.nas", "--store", &pg.url, "--workers", "0"])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("driver starts");
    let worker = Command::new(NAS)
        .args(["worker", "--experiment", "t", "--device", "cpu"])
        .env("NAS_STORE", &pg.url)
        .env("NAS_DATA", d)
        .env("NAS_SPOOL", d.join("spool"))
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("worker starts");
    let driven = driver.wait_with_output().expect("driver ends");
    let worked = worker.wait_with_output().expect("worker ends");
    let (driven_said, worked_said) = (text(&driven), text(&worked));
    assert!(driven.status.success(), "{driven_said}\n{worked_said}");
    assert!(worked.status.success(), "{driven_said}\n{worked_said}");
    assert!(driven_said.contains("2 trials (0 failed)"), "{driven_said}");
    assert!(
        worked_said.contains("training on the CPU")
            && worked_said.contains("worker done: 2 trial(s) committed"),
        "{worked_said}"
    );
    // The trials were trained: each committed result is an accuracy (in percent).
    let mut c = pg.admin();
    let rows = c
        .query(
            "SELECT result FROM nas_trials WHERE experiment = 't' AND state = 'finished'",
            &[],
        )
        .expect("rows");
    assert_eq!(rows.len(), 2);
    for row in rows {
        let result: serde_json::Value =
            serde_json::from_str(&row.get::<_, String>(0)).expect("a result");
        let reward = result["reward"].as_f64().expect("a reward");
        assert!((0.0..=100.0).contains(&reward), "{result}");
    }
}
