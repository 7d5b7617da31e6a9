//! The runner: budgets by trials and simulated time, failed trials kept with their reason,
//! parallel simulated workers, minimisation, strategy parameters, and the host API's
//! bookkeeping (history, best, budget left).

use crate::search_common::*;
use nas::search::budget::Budget;
use nas::search::runner::Param;
use nas::search::table::{CostModel, TableConfig, TableEvaluator};

#[test]
fn simulated_time_budget_stops_the_run() {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("random"),
        1000,
    );
    cfg.budget = Budget {
        trials: None,
        wall_seconds: None,
        sim_seconds: Some(50.0),
    };
    let (r, _) = run(&cfg, &[0]).expect("runs");
    let clock: f64 = r[0].trials.iter().map(|t| t.cost).sum();
    assert!(
        r[0].trials.len() < 50 && clock >= 50.0,
        "{} trials, {clock} s",
        r[0].trials.len()
    );
    assert_eq!(r[0].ending, "simulated-time budget spent");
}

#[test]
fn workers_overlap_on_the_simulated_clock() {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("random"),
        40,
    );
    cfg.workers = 4;
    let (r, _) = run(&cfg, &[0]).expect("runs");
    let serial: f64 = r[0].trials.iter().map(|t| t.cost).sum();
    let end = r[0].trials.iter().map(|t| t.clock).fold(0.0, f64::max);
    assert!(
        end < serial / 3.0,
        "4 workers: clock {end} vs serial {serial}"
    );
    let used: std::collections::BTreeSet<usize> = r[0].trials.iter().map(|t| t.worker).collect();
    assert_eq!(used.len(), 4);
}

#[test]
fn failed_trials_are_kept_with_their_reason() {
    let space = nb201();
    let mut csv = synthetic_csv(&space);
    // Drop half of the table: those architectures fail.
    csv = csv
        .lines()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let config_ = TableConfig {
        key: "arch".into(),
        reward: "valid_200".into(),
        report: None,
        cost: CostModel::Constant(1.0),
    };
    let table = TableEvaluator::from_csv(&csv, &config_).expect("loads");
    let cfg = config(space, table, stdlib_strategy("evolution"), 50);
    let (r, _) = run(&cfg, &[2]).expect("runs");
    let failed: Vec<_> = r[0].trials.iter().filter(|t| !t.is_ok()).collect();
    assert!(!failed.is_empty() && failed.len() < 50);
    assert!(failed.iter().all(|t| t
        .error
        .as_deref()
        .is_some_and(|e| e.contains("not in the table"))));
    assert!(r[0].best.as_ref().is_some_and(|b| b.is_ok()));
    assert_eq!(r[0].trials.len(), 50);
}

const PROBE: &str = r#"
// Parameters:
//   width: int = 7     given by the experiment
//   missing: int = 3   left at its default

fn search(ctx) {
    let first = ctx.evaluate(ctx.space.sample());
    print(`left ${ctx.budget_left()}`);
    let second = ctx.evaluate(ctx.space.mutate(first.arch));
    print(`history ${ctx.history().len()} left ${ctx.budget_left()}`);
    let best = ctx.best();
    print(`best is max ${best.reward == max(first.reward, second.reward)}`);
    print(`param ${ctx.param("width")} ${ctx.param("missing")}`);
    print(`softmax ${softmax([0.0, 0.0])[0]} mean ${mean([1, 2, 3])} argmax ${argmax([1, 5, 2])}`);
    print(`log ${log(exp(2.0))} std ${std([2.0, 4.0])}`);
    print(`decisions ${ctx.space.decisions().len()} count ${ctx.space.count()}`);
    let c = ctx.space.choices(first.arch);
    print(`roundtrip ${ctx.space.from_choices(c) == first.arch} ${ctx.space.decode(first.arch.key) == first.arch}`);
    print(`neighbours ${ctx.space.neighbours(first.arch).len()}`);
    print(`features ${ctx.space.features(first.arch).len()}`);
    let id = ctx.submit(ctx.space.crossover(first.arch, second.arch));
    let r = ctx.next_result();
    print(`async ${r.id == id} pending ${ctx.pending()}`);
    ctx.evaluate(first.arch);
    print("unreachable");
}
"#;

#[test]
fn the_host_api_does_its_bookkeeping() {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        inline_strategy("probe", PROBE),
        3,
    );
    cfg.params = params(&[("width", Param::Int(9))]);
    let (r, seen) = run(&cfg, &[0]).expect("runs");
    let printed = seen.borrow().printed.clone();
    assert_eq!(
        printed,
        vec![
            "left 2",
            "history 2 left 1",
            "best is max true",
            "param 9 3",
            "softmax 0.5 mean 2.0 argmax 1",
            "log 2.0 std 1.0",
            "decisions 6 count 15625",
            "roundtrip true true",
            "neighbours 24",
            "features 30",
            "async true pending 0",
        ]
    );
    assert_eq!(r[0].ending, "trial budget spent");
}

#[test]
fn minimising_flips_the_reward() {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("evolution"),
        60,
    );
    cfg.maximize = false;
    let (r, _) = run(&cfg, &[4]).expect("runs");
    let best = r[0].best.as_ref().and_then(|b| b.reward).expect("best");
    let min = r[0]
        .trials
        .iter()
        .filter_map(|t| t.reward)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, min);
    let (max_cfg_result, _) = run(
        &config(
            space.clone(),
            synthetic_table(&space),
            stdlib_strategy("evolution"),
            60,
        ),
        &[4],
    )
    .expect("runs");
    assert!(
        best < max_cfg_result[0]
            .best
            .as_ref()
            .and_then(|b| b.reward)
            .unwrap_or(0.0)
    );
}
