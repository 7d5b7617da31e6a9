//! The trial store makes runs resumable: a run cut short (its store truncated as a crash
//! leaves it, torn last line included) and resumed ends exactly like an uninterrupted run,
//! evaluates only the trials that were missing, and stores every trial once.

use crate::search_common::*;
use nas::search::store::{Header, JsonlStore, Loaded};
use std::io::Write;
use std::time::Duration;

fn header() -> Header {
    Header {
        experiment: "t".into(),
        strategy: "evolution".into(),
        fingerprint: "x".into(),
        about: None,
    }
}

fn resumes_exactly(strategy: &str, workers: usize) {
    resumes_exactly_with(strategy, workers, &[]);
}

/// [`resumes_exactly`] with string parameters of the strategy.
fn resumes_exactly_with(strategy: &str, workers: usize, strings: &[(&str, &str)]) {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy(strategy),
        60,
    );
    cfg.workers = workers;
    let named: Vec<(&str, nas::search::runner::Param)> = strings
        .iter()
        .map(|(k, v)| (*k, nas::search::runner::Param::Str(v.to_string())))
        .collect();
    cfg.params = params(&named);
    let dir = tempfile::tempdir().expect("temp dir");
    let full = dir.path().join("full.jsonl");
    let store = JsonlStore::create(&full, &header(), Duration::ZERO, false).expect("store");
    let (reference, seen) = run_with(&cfg, &[5, 6], Some(store), Loaded::default()).expect("runs");
    assert_eq!(seen.borrow().trials.len(), 120);

    // A crash after the first seed and 23 trials of the second, mid-way through a line.
    let text = std::fs::read_to_string(&full).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let end_of_first = lines
        .iter()
        .position(|l| l.contains("\"kind\":\"end\""))
        .expect("first seed ended");
    let keep = end_of_first + 1 + 23;
    let cut = dir.path().join("cut.jsonl");
    let mut f = std::fs::File::create(&cut).expect("create");
    for l in &lines[..keep] {
        writeln!(f, "{l}").expect("write");
    }
    write!(f, "{}", &lines[keep][..20]).expect("torn line");
    drop(f);

    let (store, loaded) = JsonlStore::resume(&cut, &header(), Duration::ZERO).expect("resume");
    let (resumed, seen) = run_with(&cfg, &[5, 6], Some(store), loaded).expect("resumed run");
    assert_eq!(
        seen.borrow().trials.len(),
        60 - 23,
        "{strategy}: only the missing trials run"
    );
    for (a, b) in reference.iter().zip(&resumed) {
        let key = |t: &nas::search::trial::Trial| (t.id, t.arch.clone(), t.reward, t.fidelity);
        let mut x: Vec<_> = a.trials.iter().map(key).collect();
        let mut y: Vec<_> = b.trials.iter().map(key).collect();
        x.sort_by_key(|k| k.0);
        y.sort_by_key(|k| k.0);
        assert_eq!(
            x, y,
            "{strategy}: seed {} ends as without the crash",
            a.seed
        );
        assert_eq!(a.best.as_ref().map(|t| t.id), b.best.as_ref().map(|t| t.id));
    }
    assert!(resumed[0].from_store && !resumed[1].from_store);
    let (_, again) = JsonlStore::resume(&cut, &header(), Duration::ZERO).expect("reopen");
    for seed in [5, 6] {
        let mut ids: Vec<u64> = again.trials[&seed].iter().map(|t| t.id).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            (0..60).collect::<Vec<u64>>(),
            "{strategy}: every trial stored once"
        );
    }
    assert_eq!(again.ended.len(), 2);
}

#[test]
fn evolution_resumes_exactly() {
    resumes_exactly("evolution", 1);
}

#[test]
fn asynchronous_evolution_resumes_exactly() {
    resumes_exactly("evolution", 4);
}

#[test]
fn reinforce_resumes_exactly() {
    resumes_exactly("reinforce", 2);
}

#[test]
fn hyperband_resumes_exactly() {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        table_with_reward(&space, "valid_{fidelity}"),
        stdlib_strategy("hyperband"),
        40,
    );
    cfg.workers = 3;
    let (a, _) = run(&cfg, &[1]).expect("runs");
    let mut loaded = Loaded::default();
    loaded.trials.insert(1, a[0].trials[..17].to_vec());
    let (b, seen) = run_with(&cfg, &[1], None, loaded).expect("resumed");
    assert_eq!(seen.borrow().trials.len(), 40 - 17);
    assert_eq!(a[0].trials, b[0].trials);
}

#[test]
fn a_changed_strategy_is_refused_on_resume() {
    let space = nb201();
    let cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("evolution"),
        20,
    );
    let (a, _) = run(&cfg, &[1]).expect("runs");
    let other = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("local_search"),
        20,
    );
    let mut loaded = Loaded::default();
    loaded.trials.insert(1, a[0].trials.clone());
    let err = run_with(&other, &[1], None, loaded).expect_err("diverges");
    assert_eq!(err.diagnostics[0].code, "trial-store");
    assert!(
        err.diagnostics[0].message.contains("diverged"),
        "{}",
        err.diagnostics[0].message
    );
}

#[test]
fn reinforce_with_the_lstm_controller_resumes_exactly() {
    resumes_exactly_with("reinforce", 2, &[("controller", "lstm")]);
}
