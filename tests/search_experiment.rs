//! Reading experiments from `.nas` files: entries become the runner's settings, and every
//! mistake is a diagnostic at its entry.

use nas::search::experiment::{self, EvaluatorSpec};
use nas::search::runner::Param;
use nas::search::table::CostModel;

fn read(text: &str) -> Result<experiment::ExperimentSpec, String> {
    let mut program = nas::check::check_source("e.nas", text);
    if program.has_errors() {
        return Err(program.render_diagnostics(false));
    }
    let spec = experiment::read(&mut program, None);
    spec.map_err(|ds| nas::syntax::diagnostic::render_all(&ds, &program.sources, false))
}

const GOOD: &str = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200", cost: "cifar10_valid_12")
    strategy  evolution(population: 10, tournament: 3)
    budget    trials: 100, time: 2h
    objective maximize cifar10_valid_12
    seed      7
}
"#;

#[test]
fn entries_become_settings() {
    let spec = read(GOOD).expect("reads");
    assert_eq!(spec.name, "e");
    assert_eq!(spec.space.0, "nb201");
    assert_eq!(spec.strategy.0, "evolution");
    assert_eq!(
        spec.params,
        vec![
            ("population".to_string(), Param::Int(10)),
            ("tournament".to_string(), Param::Int(3)),
        ]
    );
    assert_eq!(spec.budget.trials, Some(100));
    assert_eq!(spec.budget.wall_seconds, Some(7200.0));
    assert_eq!(spec.budget.sim_seconds, None);
    assert!(spec.maximize);
    assert_eq!((spec.workers, spec.seed), (None, Some(7)));
    let EvaluatorSpec::Table {
        reward,
        report,
        cost,
        ..
    } = &spec.evaluator
    else {
        panic!("a table evaluator: {:?}", spec.evaluator);
    };
    assert_eq!(
        reward, "cifar10_valid_12",
        "the reward defaults to the objective's metric"
    );
    assert_eq!(report.as_deref(), Some("cifar10_test_200"));
    assert_eq!(cost, &CostModel::Column("cifar10_valid_12".into()));
}

#[test]
fn op_costs_make_a_cost_model() {
    let text = GOOD.replace(
        "cost: \"cifar10_valid_12\"",
        "op_cost: ops(nor_conv_3x3: 9, nor_conv_1x1: 1), cost_base: 2",
    );
    let spec = read(&text).expect("reads");
    let EvaluatorSpec::Table { cost, .. } = &spec.evaluator else {
        panic!("a table evaluator: {:?}", spec.evaluator);
    };
    assert_eq!(
        cost,
        &CostModel::OpWeights {
            base: 2.0,
            weights: vec![("nor_conv_3x3".into(), 9.0), ("nor_conv_1x1".into(), 1.0)]
        }
    );
}

#[test]
fn mistakes_are_diagnostics_at_their_entry() {
    let cases = [
        ("tournament: 3)", "3)", "strategy parameters are named"),
        (
            "budget    trials: 100, time: 2h",
            "budget    time: 2h, trials: -1",
            "trials cannot be negative",
        ),
        (
            "table(file:",
            "train(file:",
            "`train` has no argument `file`",
        ),
        (
            "table(file:",
            "simulate(file:",
            "unknown evaluator `simulate`",
        ),
        (
            "objective maximize cifar10_valid_12",
            "",
            "has no `objective`",
        ),
        (
            "population: 10",
            "populaton: 10",
            "the strategy `evolution` has no parameter `populaton`",
        ),
        (
            "tournament: 3",
            "tournament: \"three\"",
            "the parameter `tournament` of `evolution` must be an int, but this is a str",
        ),
        ("evolution(", "evolutoin(", "did you mean `evolution`?"),
    ];
    for (from, to, expected) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replace(from, to);
        let err = read(&text).expect_err(expected);
        assert!(err.contains(expected), "{expected}:\n{err}");
        assert!(err.contains("e.nas:"), "points into the file:\n{err}");
        assert!(!err.contains(".rhai:"), "not blamed on the script:\n{err}");
    }
}

#[test]
fn every_mistake_of_an_experiment_is_reported_at_once() {
    let text = GOOD
        .replace("population: 10", "populaton: 10")
        .replace("tournament: 3", "tournament: 2.5")
        .replace("table(file:", "table(fil: \"x\", file:")
        .replace("trials: 100", "trials: -1");
    let program = nas::check::check_source("e.nas", &text);
    let codes: Vec<&str> = program.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            "unknown-argument",
            "unknown-argument",
            "type-mismatch",
            "experiment"
        ],
        "{}",
        program.render_diagnostics(false)
    );
}

#[test]
fn defaults_come_from_the_script_header() {
    let spec = read(&GOOD.replace("evolution(population: 10, tournament: 3)", "evolution"));
    let spec = spec.expect("reads");
    assert_eq!(
        spec.params,
        vec![
            ("population".to_string(), Param::Int(50)),
            ("tournament".to_string(), Param::Int(10)),
        ]
    );
}
