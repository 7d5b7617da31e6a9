//! Every stdlib strategy runs on a synthetic NAS-Bench-201-shaped table, spends its budget
//! exactly, is reproducible by seed, and finds better architectures than the table's median.

use crate::search_common::*;
use nas::search::runner::Param;

fn median_reward(space: &nas::space::Space) -> f64 {
    let table = synthetic_csv(space);
    let mut rs: Vec<f64> = table
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(2)
                .and_then(|x| x.parse().ok())
                .unwrap_or(0.0)
        })
        .collect();
    rs.sort_by(f64::total_cmp);
    rs[rs.len() / 2]
}

fn check(name: &str, trials: u64) {
    let space = nb201();
    let median = median_reward(&space);
    let cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy(name),
        trials,
    );
    let (a, _) = run(&cfg, &[1, 2]).unwrap_or_else(|e| panic!("{name}: {:?}", e.diagnostics));
    let (b, _) = run(&cfg, &[1, 2]).expect("second run");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.trials, y.trials, "{name}: same seed, same run");
        assert_eq!(
            x.trials.len() as u64,
            trials,
            "{name}: spends the budget exactly"
        );
        let best = x.best.as_ref().expect("a best trial");
        assert!(
            best.reward.unwrap_or(0.0) > median,
            "{name}: best {:?} vs median {median}",
            best.reward
        );
    }
    assert_ne!(a[0].trials, a[1].trials, "{name}: seeds differ");
}

#[test]
fn random_search() {
    check("random", 30);
}

#[test]
fn regularized_evolution() {
    check("evolution", 40);
}

#[test]
fn reinforce() {
    check("reinforce", 40);
}

#[test]
fn local_search() {
    check("local_search", 40);
}

#[test]
fn bayesian_optimisation() {
    check("bo", 25);
}

#[test]
fn grid_covers_a_small_space_in_order() {
    let space = cell_space(&["a", "b", "c"], 2);
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("grid"),
        1000,
    );
    cfg.params = params(&[("limit", Param::Int(100))]);
    let (r, _) = run(&cfg, &[0]).expect("runs");
    let all: Vec<String> = space
        .enumerate(100)
        .expect("small")
        .iter()
        .map(|a| space.encode(a))
        .collect();
    let seen: Vec<String> = r[0].trials.iter().map(|t| t.arch.clone()).collect();
    assert_eq!(seen, all);
    assert_eq!(r[0].ending, "the strategy returned");
}

fn check_fidelity(name: &str, trials: u64) {
    let space = nb201();
    let median = median_reward(&space);
    let cfg = config(
        space.clone(),
        table_with_reward(&space, "valid_{fidelity}"),
        stdlib_strategy(name),
        trials,
    );
    let (r, _) = run(&cfg, &[3]).unwrap_or_else(|e| panic!("{name}: {:?}", e.diagnostics));
    let trials_run = &r[0].trials;
    assert_eq!(trials_run.len() as u64, trials);
    let low = trials_run
        .iter()
        .filter(|t| t.fidelity == Some(12.0))
        .count();
    let high = trials_run
        .iter()
        .filter(|t| t.fidelity == Some(200.0))
        .count();
    assert_eq!(
        low + high,
        trials_run.len(),
        "{name}: only the table's fidelities"
    );
    assert!(
        low >= high && high > 0,
        "{name}: at least as many at low fidelity ({low} vs {high})"
    );
    let best = r[0].best.as_ref().expect("a best trial");
    assert_eq!(
        best.fidelity,
        Some(200.0),
        "{name}: the best is chosen at the top fidelity"
    );
    assert!(
        best.reward.unwrap_or(0.0) > median,
        "{name}: {:?} vs {median}",
        best.reward
    );
}

#[test]
fn hyperband_uses_the_ladder() {
    check_fidelity("hyperband", 60);
}

#[test]
fn bohb_uses_the_ladder() {
    check_fidelity("bohb", 60);
}

#[test]
fn fixed_evaluates_the_given_architectures_in_order() {
    let space = nb201();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(7);
    let mut rng_archs: Vec<String> = (0..3)
        .map(|_| space.encode(&space.sample(&mut rng).expect("samples")))
        .collect();
    let first = rng_archs.remove(0);
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("fixed"),
        100,
    );
    cfg.params = params(&[
        ("arch", Param::Str(first.clone())),
        (
            "archs",
            Param::List(rng_archs.iter().cloned().map(Param::Str).collect()),
        ),
    ]);
    let (r, _) = run(&cfg, &[0]).expect("runs");
    let seen: Vec<String> = r[0].trials.iter().map(|t| t.arch.clone()).collect();
    let mut want = vec![first];
    want.extend(rng_archs);
    assert_eq!(seen, want);
    assert_eq!(r[0].ending, "the strategy returned");
}

#[test]
fn fixed_rejects_a_missing_or_malformed_architecture() {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("fixed"),
        10,
    );
    let message = |cfg: &nas::search::runner::RunConfig| {
        let e = run(cfg, &[0]).expect_err("refused");
        e.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        message(&cfg).contains("needs the architectures to evaluate"),
        "{}",
        message(&cfg)
    );
    cfg.params = params(&[("arch", Param::Str("|nor_conv_3x3~0|+|oops".into()))]);
    assert!(message(&cfg).contains("cannot decode"), "{}", message(&cfg));
}

#[test]
fn reinforce_with_nas_rls_lstm_controller() {
    let space = nb201();
    let median = median_reward(&space);
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy("reinforce"),
        40,
    );
    cfg.params = params(&[("controller", Param::Str("lstm".into()))]);
    let (a, _) = run(&cfg, &[1, 2]).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let (b, _) = run(&cfg, &[1, 2]).expect("second run");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.trials, y.trials, "same seed, same run");
        assert_eq!(x.trials.len(), 40);
        let best = x.best.as_ref().expect("a best trial");
        assert!(best.reward.unwrap_or(0.0) > median, "{:?}", best.reward);
    }
    assert_ne!(a[0].trials, a[1].trials, "seeds differ");
}
