//! The learned surrogates (`ctx.predictor`) and the strategies built on them: the encodings
//! derived from the space IR, each predictor's ranking on a synthetic benchmark whose answer
//! is known, and every new strategy end to end on a synthetic NAS-Bench-201-shaped table
//! (budget spent exactly, reproducible by seed, better than the table's median).

use crate::search_common::*;
use nas::search::runner::Param;
use nas::search::surrogate::encode::Vocabulary;
use nas::search::surrogate::{OptionValue, Predictor};
use nas::space::{Architecture, Space};
use nas::trainfree::rank::kendall_tau_b;
use std::collections::HashMap;
use std::sync::Arc;

/// Every architecture of the synthetic table with its `valid_200` value.
fn answers(space: &Space) -> HashMap<String, f64> {
    synthetic_csv(space)
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            (cols[0].to_string(), cols[2].parse().expect("a number"))
        })
        .collect()
}

fn median_reward(space: &Space) -> f64 {
    let mut rs: Vec<f64> = answers(space).into_values().collect();
    rs.sort_by(f64::total_cmp);
    rs[rs.len() / 2]
}

#[test]
fn the_nb201_dag_has_its_ops_as_vertices_and_paths_of_up_to_three_ops() {
    let space = nb201();
    let vocab = Vocabulary::new(&space);
    // input, output, five merge kinds, then the five ops.
    assert_eq!(vocab.len(), 7 + 5);
    assert_eq!(vocab.path_width(), Some(1 + 5 + 25 + 125));
    let all = space.enumerate(20_000).expect("small");
    let conv = all
        .iter()
        .find(|a| space.encode(a).matches("nor_conv_3x3").count() == 6)
        .expect("the all-conv cell");
    let g = vocab.graph(&space, conv);
    // The input, six op vertices, three node merges and the output.
    assert_eq!(g.labels.len(), 11);
    // Into each op, out of each op, and the last node into the output.
    assert_eq!(g.edges.len(), 13);
    assert!(g.global.is_empty(), "every decision is structural");
    // Four input-to-output paths (one, two, two and three convolutions): three distinct.
    let paths = vocab.paths(&space, conv).expect("fits");
    assert_eq!(paths.iter().sum::<f64>(), 3.0);
}

fn predictor(space: &Arc<Space>, kind: &str, options: &[(&str, f64)]) -> Predictor {
    let opts: Vec<(String, OptionValue)> = options
        .iter()
        .map(|(k, v)| (k.to_string(), OptionValue::Number(*v)))
        .collect();
    Predictor::new(space.clone(), kind, &opts, 7).expect("a predictor")
}

/// Fits `kind` on 100 architectures of the synthetic table and returns Kendall's τ on 300
/// others.
fn held_out_tau(kind: &str, options: &[(&str, f64)]) -> f64 {
    let space = Arc::new(nb201());
    let truth = answers(&space);
    let all: Vec<Architecture> = space.enumerate(20_000).expect("small");
    // A fixed spread of the space: every 37th architecture for training, the next for testing.
    let train: Vec<&Architecture> = all.iter().step_by(37).take(100).collect();
    let test: Vec<&Architecture> = all.iter().skip(18).step_by(37).take(300).collect();
    let y = |a: &&Architecture| truth[&space.encode(a)];
    let ys: Vec<f64> = train.iter().map(y).collect();
    let mut p = predictor(&space, kind, options);
    assert!(
        p.predict(&test).is_err(),
        "{kind}: no prediction before a fit"
    );
    p.fit(&train, &ys).expect("fits");
    let predicted: Vec<f64> = p
        .predict(&test)
        .expect("predicts")
        .iter()
        .map(|m| m.0)
        .collect();
    let actual: Vec<f64> = test.iter().map(y).collect();
    kendall_tau_b(&predicted, &actual).expect("defined")
}

#[test]
fn the_graph_network_ranks_held_out_architectures() {
    let tau = held_out_tau("gnn", &[("epochs", 100.0)]);
    assert!(tau > 0.5, "τ = {tau}");
}

#[test]
fn the_path_encoded_mlp_ensemble_ranks_held_out_architectures() {
    let tau = held_out_tau("mlp", &[("epochs", 100.0)]);
    assert!(tau > 0.5, "τ = {tau}");
}

#[test]
fn the_forest_and_the_boosted_trees_rank_held_out_architectures() {
    for kind in ["forest", "gbt"] {
        let tau = held_out_tau(kind, &[]);
        assert!(tau > 0.5, "{kind}: τ = {tau}");
    }
}

#[test]
fn bad_predictor_requests_are_refused_with_a_reason() {
    let space = Arc::new(nb201());
    let err = Predictor::new(space.clone(), "svm", &[], 0).expect_err("no such kind");
    assert!(err.contains("gnn, mlp, forest, gbt"), "{err}");
    let opts = [("trees".to_string(), OptionValue::Number(0.0))];
    let err = Predictor::new(space.clone(), "forest", &opts, 0).expect_err("zero trees");
    assert!(err.contains("at least 1"), "{err}");
    let opts = [("epochs".to_string(), OptionValue::Number(3.0))];
    let err = Predictor::new(space.clone(), "forest", &opts, 0).expect_err("not a forest option");
    assert!(err.contains("no option `epochs`"), "{err}");
    let mut p = Predictor::new(space.clone(), "forest", &[], 0).expect("forest");
    let a = space.enumerate(20_000).expect("small");
    let refs: Vec<&Architecture> = a.iter().take(2).collect();
    let err = p.fit(&refs, &[1.0, f64::NAN]).expect_err("NaN target");
    assert!(err.contains("finite"), "{err}");
}

fn check(name: &str, trials: u64, settings: &[(&str, Param)]) {
    let space = nb201();
    let median = median_reward(&space);
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        stdlib_strategy(name),
        trials,
    );
    cfg.params = params(settings);
    let (a, _) = run(&cfg, &[1, 2]).unwrap_or_else(|e| panic!("{name}: {:?}", e.diagnostics));
    let (b, _) = run(&cfg, &[1, 2]).expect("second run");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.trials, y.trials, "{name}: same seed, same run");
        assert_eq!(x.trials.len() as u64, trials, "{name}: spends the budget");
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
fn neural_predictor_search() {
    check(
        "neural_predictor",
        40,
        &[
            ("initial", Param::Int(20)),
            ("candidates", Param::Int(200)),
            ("epochs", Param::Int(60)),
        ],
    );
}

#[test]
fn bananas_search() {
    check("bananas", 30, &[]);
}

#[test]
fn smac_search() {
    check("smac", 30, &[]);
}

#[test]
fn gradient_boosted_bo_search() {
    check("bo_gbt", 30, &[]);
}

#[test]
fn pdh_promotes_exactly_the_children_above_the_hurdle() {
    let space = nb201();
    let after: usize = 10;
    let mut cfg = config(
        space.clone(),
        table_with_reward(&space, "valid_{fidelity}"),
        stdlib_strategy("pdh"),
        80,
    );
    cfg.params = params(&[("hurdle_after", Param::Int(after as i64))]);
    let (r, _) = run(&cfg, &[4]).unwrap_or_else(|e| panic!("pdh: {:?}", e.diagnostics));
    let trials = &r[0].trials;
    assert_eq!(trials.len(), 80);
    let low: Vec<f64> = trials
        .iter()
        .filter(|t| t.fidelity == Some(12.0))
        .filter_map(|t| t.reward)
        .collect();
    let hurdle = low[..after].iter().sum::<f64>() / after as f64;
    let mut lows_seen = 0;
    let mut promoted = 0;
    for (i, t) in trials.iter().enumerate() {
        if t.fidelity == Some(12.0) {
            lows_seen += 1;
            let next = trials.get(i + 1);
            let went_up = next.is_some_and(|n| n.fidelity == Some(200.0));
            let passes = lows_seen >= after && t.reward.unwrap_or(0.0) > hurdle;
            if next.is_some() {
                assert_eq!(went_up, passes, "trial {i}: {t:?}, hurdle {hurdle}");
            }
            if went_up {
                assert_eq!(next.map(|n| &n.arch), Some(&t.arch), "the same child");
                promoted += 1;
            }
        } else {
            assert_eq!(t.fidelity, Some(200.0), "only the table's fidelities");
            let prev = &trials[i - 1];
            assert_eq!(
                prev.fidelity,
                Some(12.0),
                "promotions follow their first stage"
            );
        }
    }
    let judged = lows_seen + 1 - after;
    assert!(
        promoted > 0 && promoted < judged,
        "some of the {judged} children judged pass the hurdle, not all: {promoted}"
    );
    let best = r[0].best.as_ref().expect("a best trial");
    assert_eq!(
        best.fidelity,
        Some(200.0),
        "the best is chosen at the top fidelity"
    );
}
