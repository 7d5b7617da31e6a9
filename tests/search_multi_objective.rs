//! Several objectives: NSGA-II and random search on the NAS-Bench-201 table (`data/nb201/`)
//! trading `cifar10_valid_12` against `params`, counted by the compiler for each
//! architecture's network. The run is reproducible by seed, every trial records both
//! objectives, `nas run` prints the front and its hypervolume, and a single-objective trial
//! is written as before.

use crate::search_common::{run_experiment, run_with};
use nas::compile::catalog::{self, NetworkSize};
use nas::compile::parameter_count;
use nas::search::front::{self, run_front};
use nas::search::pareto::dominates;
use nas::search::prepare::{prepare, Overrides};
use nas::search::runner::SeedResult;
use std::path::Path;

const EXPERIMENT: &str = r#"
import "stdlib/spaces/nb201.nas"
experiment mo {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  nsga2(population: 8)
    budget    trials: 40
    objective maximize cifar10_valid_12, minimize params
}
"#;

/// Runs the experiment `text` (written to `dir/e.nas`) in-process for `seeds`, without a
/// store.
fn run_in(
    dir: &Path,
    text: &str,
    seeds: &[u64],
) -> (Vec<SeedResult>, nas::search::prepare::Prepared) {
    let file = dir.join("e.nas");
    std::fs::write(&file, text).expect("writes");
    let prepared = prepare(&file, &Overrides::default()).unwrap_or_else(|e| {
        panic!(
            "prepares (the NB201 table is data/nb201/nb201.csv.gz): {:?}",
            e.diagnostics
        )
    });
    let (results, _) = run_with(
        &prepared.config,
        seeds,
        None,
        nas::search::store::Loaded::default(),
    )
    .unwrap_or_else(|e| panic!("runs: {:?}", e.diagnostics));
    (results, prepared)
}

/// The compiler's parameter count of the NB201 network (c = 16, n = 5, 10 classes) of `arch`.
fn counted(arch: &str) -> i64 {
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    catalog::build(&vs.root(), "nb201", arch, NetworkSize::default()).expect("builds");
    parameter_count(&vs)
}

#[test]
fn nsga2_on_the_nb201_table_trades_accuracy_against_params_reproducibly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, prepared) = run_in(dir.path(), EXPERIMENT, &[3]);
    let (b, _) = run_in(dir.path(), EXPERIMENT, &[3]);
    assert_eq!(a[0].trials, b[0].trials, "same seed, same run");
    let trials = &a[0].trials;
    assert_eq!(trials.len(), 40, "spends the budget exactly");
    for t in trials {
        let params = t.metrics.get("params").copied();
        assert!(
            t.is_ok() && params.is_some(),
            "every trial has both objectives: {t:?}"
        );
    }
    // The recorded count is the compiler's (NAS-Bench-201's own: 1,531,546 for the cell of
    // six 3×3 convolutions, 73,306 for one without a weighted op).
    let all_conv = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    assert_eq!(counted(all_conv), 1_531_546);
    for t in trials.iter().take(3) {
        assert_eq!(t.metrics["params"], counted(&t.arch) as f64, "{}", t.arch);
    }
    // The front: non-dominated among the run's trials, every other trial dominated by it,
    // and a real trade-off (more than one architecture).
    let objectives = front::Objectives {
        first: (&prepared.spec.metric, prepared.config.maximize),
        extra: &prepared.spec.extra_objectives,
    };
    let reference = front::reference(&a, &objectives).expect("a reference point");
    let (on, volume) = run_front(trials, &objectives, &reference);
    assert!(on.len() >= 2, "a front of {} architectures", on.len());
    assert!(volume > 0.0);
    let points: Vec<Vec<f64>> = trials.iter().filter_map(|t| objectives.point(t)).collect();
    for t in &on {
        let p = objectives.point(t).expect("a point");
        assert!(
            !points.iter().any(|q| dominates(q, &p)),
            "{} is dominated",
            t.arch
        );
    }
    for t in trials
        .iter()
        .filter(|t| !on.iter().any(|f| f.arch == t.arch))
    {
        let p = objectives.point(t).expect("a point");
        let by_front = on
            .iter()
            .any(|f| dominates(&objectives.point(f).expect("a point"), &p));
        assert!(
            by_front,
            "{} is off the front but not dominated by it",
            t.arch
        );
    }
    // Another seed searches differently.
    let (c, _) = run_in(dir.path(), EXPERIMENT, &[4]);
    assert_ne!(a[0].trials, c[0].trials, "seeds differ");
}

#[test]
fn multi_objective_evolution_runs_reproducibly_and_finds_a_trade_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = EXPERIMENT.replace(
        "nsga2(population: 8)",
        "evolution_mo(population: 8, tournament: 3)",
    );
    let (a, prepared) = run_in(dir.path(), &text, &[1]);
    let (b, _) = run_in(dir.path(), &text, &[1]);
    assert_eq!(a[0].trials, b[0].trials, "same seed, same run");
    assert_eq!(a[0].trials.len(), 40);
    let objectives = front::Objectives {
        first: (&prepared.spec.metric, prepared.config.maximize),
        extra: &prepared.spec.extra_objectives,
    };
    let reference = front::reference(&a, &objectives).expect("a reference point");
    let (on, _) = run_front(&a[0].trials, &objectives, &reference);
    assert!(on.len() >= 2, "a front of {} architectures", on.len());
}

#[test]
fn nas_run_prints_the_front_and_the_store_keeps_every_objective() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = EXPERIMENT
        .replace("nsga2(population: 8)", "random")
        .replace("trials: 40", "trials: 12");
    let (ok, out, err) = run_experiment(dir.path(), &text);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("hypervolume reference point (the worst value of each objective over every seed's trials): cifar10_valid_12 "),
        "{out}"
    );
    assert!(out.contains("seed 0: Pareto front of "), "{out}");
    assert!(out.contains("  cifar10_valid_12  params  arch"), "{out}");
    let store = std::fs::read_to_string(dir.path().join("runs/mo-random.jsonl")).expect("store");
    assert!(
        store.contains(r#""more_objectives":[["params",false]]"#),
        "{store}"
    );
    let trials = store.lines().filter(|l| l.contains(r#""kind":"trial""#));
    assert_eq!(trials.clone().count(), 12);
    assert!(trials
        .into_iter()
        .all(|l| l.contains(r#""metrics":{"params":"#)));
}

#[test]
fn a_single_objective_run_writes_its_trials_as_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = EXPERIMENT
        .replace(", minimize params", "")
        .replace("trials: 40", "trials: 10");
    let (results, prepared) = run_in(dir.path(), &text, &[0]);
    assert!(prepared.config.objectives.is_none());
    for t in &results[0].trials {
        assert!(t.metrics.is_empty());
        let line = serde_json::to_string(t).expect("encodes");
        assert!(!line.contains("metrics"), "{line}");
    }
}
