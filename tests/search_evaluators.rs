//! The `train` and `proxy` evaluators: how experiments name them (with their data), the
//! diagnostics for mistakes, and tiny end-to-end searches through `nas run` on Fashion-MNIST.

use crate::data_common::require_fashion_mnist;
use crate::search_common::run_experiment;
use nas::search::experiment::{self, DataSpec, EvaluatorSpec};
use nas::search::train_eval::TrainMetric;
use nas::train::amp::Precision;
use nas::train::optim::Optim;
use nas::train::schedule::ScheduleKind;
use nas::trainfree::proxy::Proxy;

fn read(text: &str) -> Result<experiment::ExperimentSpec, String> {
    let mut program = nas::check::check_source("e.nas", text);
    if program.has_errors() {
        return Err(program.render_diagnostics(false));
    }
    let spec = experiment::read(&mut program, None);
    spec.map_err(|ds| nas::syntax::diagnostic::render_all(&ds, &program.sources, false))
}

const TRAIN: &str = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201
    data      fashion_mnist(limit: 300, valid: 0.25, test_limit: 100)
    evaluate  train(epochs: 1, batch: 32, optimizer: sgd(lr: 0.05, momentum: 0.8, nesterov: false), schedule: constant, channels: 2, cells: 1, flip: true, precision: bf16)
    strategy  random
    budget    trials: 3
    workers   2
    objective maximize valid_acc
}
"#;

const PROXY: &str = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201
    data      fashion_mnist(limit: 500)
    evaluate  proxy(naswot, batch: 16, channels: 4, cells: 1, table: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 3
    objective maximize naswot
}
"#;

#[test]
fn train_entries_become_settings() {
    let spec = read(TRAIN).expect("reads");
    assert_eq!(
        spec.data,
        Some(DataSpec {
            name: "fashion_mnist".into(),
            dir: None,
            limit: Some(300),
            valid: 0.25,
            test_limit: Some(100),
            resize: None,
            span: spec.data.as_ref().expect("data").span,
        })
    );
    let resized = read(&TRAIN.replace("test_limit: 100)", "test_limit: 100, resize: 32)"));
    let resized = resized.expect("reads");
    assert_eq!(resized.data.and_then(|d| d.resize), Some(32));
    assert_eq!(spec.workers, Some(2));
    let EvaluatorSpec::Train {
        settings,
        reward,
        report,
        report_all,
        ..
    } = &spec.evaluator
    else {
        panic!("a train evaluator: {:?}", spec.evaluator);
    };
    assert_eq!(*reward, TrainMetric::ValidAcc);
    assert_eq!(
        *report, None,
        "not written: the data's default (test_acc for images)"
    );
    assert!(!report_all);
    assert_eq!(settings.amp, Some(Precision::Bf16));
    assert_eq!(settings.lr, 0.05);
    assert_eq!(settings.batch, 32);
    assert_eq!(
        settings.optim,
        Optim::Sgd {
            momentum: 0.8,
            nesterov: false,
            weight_decay: 5e-4
        }
    );
    assert!(settings.augment.flip);
    assert_eq!(settings.schedule, ScheduleKind::Constant);
    assert_eq!(
        (settings.size.channels, settings.size.cells),
        (Some(2), Some(1))
    );
}

#[test]
fn space_arguments_are_read() {
    let spec =
        read(&TRAIN.replace("space     nb201", "space     nb201(c: 4, n: 1)")).expect("reads");
    assert_eq!(
        spec.space_args,
        vec![("c".to_string(), 4), ("n".to_string(), 1)]
    );
}

#[test]
fn proxy_entries_become_settings() {
    let spec = read(PROXY).expect("reads");
    let EvaluatorSpec::Proxy {
        proxy,
        batch,
        table,
        threads,
        ..
    } = &spec.evaluator
    else {
        panic!("a proxy evaluator: {:?}", spec.evaluator);
    };
    assert_eq!(*proxy, Proxy::Naswot);
    assert_eq!(*batch, 16);
    assert_eq!(
        *threads, 1,
        "one libtorch thread unless `threads:` says otherwise"
    );
    assert_eq!(
        table
            .as_ref()
            .map(|(f, k, r)| (f.as_str(), k.as_str(), r.as_str())),
        Some(("nb201/nb201.csv", "arch", "cifar10_test_200"))
    );
}

#[test]
fn evaluator_mistakes_are_diagnostics() {
    let cases = [
        (TRAIN, "sgd(lr", "rmsprop(lr", "unknown optimizer `rmsprop`"),
        (
            TRAIN,
            "nesterov: false",
            "beta1: 0.5",
            "`sgd` has no argument `beta1`",
        ),
        (TRAIN, "valid: 0.25", "valid: 1.5", "between 0 and 1"),
        (
            TRAIN,
            "momentum: 0.8, nesterov: false",
            "momentum: 0",
            "Nesterov momentum needs a momentum above 0",
        ),
        (
            TRAIN,
            "fashion_mnist(limit: 300, valid: 0.25",
            "ptb(limit: 300, valid: 0.25",
            "Penn Treebank has its own validation split",
        ),
        (
            TRAIN,
            "maximize valid_acc",
            "maximize accuracy",
            "cannot measure `accuracy`",
        ),
        (
            TRAIN,
            "schedule: constant",
            "schedule: linear",
            "unknown schedule `linear`",
        ),
        (TRAIN, "channels: 2", "channels: 0", "at least 1"),
        (
            TRAIN,
            "precision: bf16",
            "precision: fp8",
            "unknown precision `fp8`",
        ),
        (
            TRAIN,
            "fashion_mnist(",
            "imagenet(",
            "unknown dataset `imagenet`",
        ),
        (
            TRAIN,
            "    data      fashion_mnist(limit: 300, valid: 0.25, test_limit: 100)\n",
            "",
            "has no `data`",
        ),
        (
            PROXY,
            "maximize naswot",
            "maximize valid_acc",
            "the evaluator scores `naswot`",
        ),
        (PROXY, "proxy(naswot,", "proxy(zen,", "unknown proxy `zen`"),
        (PROXY, "table: \"nb201/nb201.csv\", ", "", "needs a `table`"),
    ];
    for (base, from, to, expected) in cases {
        assert!(base.contains(from), "{from}");
        let err = read(&base.replace(from, to)).expect_err(expected);
        assert!(err.contains(expected), "{expected}:\n{err}");
        assert!(err.contains("e.nas:"), "points into the file:\n{err}");
    }
}

/// Whether the summary table's columns are headed by the reward's and report's names.
fn header_is(out: &str, reward: &str, report: &str) -> bool {
    out.lines().any(|l| {
        l.split_whitespace().collect::<Vec<_>>()
            == ["rank", "trial", reward, report, "fidelity", "architecture"]
    })
}

#[test]
fn a_train_search_runs_end_to_end() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(dir.path(), TRAIN);
    assert!(ok, "{out}\n{err}");
    assert!(header_is(&out, "valid_acc", "test_acc"), "{out}");
    assert!(out.contains("3 trials (0 failed)"), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("test_acc of the chosen architecture: "))
        .unwrap_or_else(|| panic!("reports the chosen test accuracy:\n{out}"));
    let acc: f64 = line
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    assert!((0.0..=100.0).contains(&acc), "{line}");
    let store = std::fs::read_to_string(dir.path().join("runs/e-random.jsonl")).expect("store");
    assert_eq!(
        store.lines().filter(|l| l.contains("\"reward\"")).count(),
        3,
        "{store}"
    );
}

#[test]
fn a_proxy_search_reports_the_table_column() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(dir.path(), PROXY);
    assert!(ok, "{out}\n{err}");
    assert!(header_is(&out, "naswot", "cifar10_test_200"), "{out}");
    assert!(
        out.contains("cifar10_test_200 of the chosen architecture: "),
        "{out}"
    );
}

#[test]
fn a_network_that_cannot_train_is_a_failed_trial_not_a_crash() {
    require_fashion_mnist();
    // A learning rate this large makes the loss overflow: every trial fails with its reason.
    let text = TRAIN.replace("sgd(lr: 0.05", "sgd(lr: 1e30");
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(dir.path(), &text);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("3 trials (3 failed)"), "{out}\n{err}");
    let store = std::fs::read_to_string(dir.path().join("runs/e-random.jsonl")).expect("store");
    assert!(store.contains("the loss became"), "{store}");
}

/// Evaluates both architectures of the space in seed 0, and only the first (seed 1) or only
/// the second (seed 2) after it: one of those two is below seed 0's best.
const BY_SEED: &str = "// Parameters: none.\nfn search(ctx) {\n    let all = ctx.space.enumerate(10);\n    \
    if ctx.seed == 0 {\n        ctx.evaluate(all[0]);\n        ctx.evaluate(all[1]);\n    } else {\n        \
    ctx.evaluate(all[ctx.seed - 1]);\n    }\n}\n";

#[test]
fn each_seed_s_chosen_trial_gets_its_report_however_good_another_seed_s_were() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("by_seed.rhai"), BY_SEED).expect("writes");
    let text = r#"
space two {
    input image(1, 28, 28)
    conv(2 | 6, 3) >> relu >> global_avg_pool >> linear(10)
}

experiment e {
    space     two
    data      fashion_mnist(limit: 200, valid: 0.25, test_limit: 50)
    evaluate  train(epochs: 1, batch: 32, steps: 3, lr: 0.05, schedule: constant, threads: 1)
    strategy  by_seed
    budget    trials: 2
    objective minimize valid_loss
}
"#;
    std::fs::write(dir.path().join("e.nas"), text).expect("writes");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "e.nas", "--seeds", "3"])
        .current_dir(dir.path())
        .output()
        .expect("nas runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let store = std::fs::read_to_string(dir.path().join("runs/e-by_seed.jsonl")).expect("store");
    let trials: Vec<serde_json::Value> = store
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("reward").is_some())
        .collect();
    assert_eq!(trials.len(), 4, "{store}");
    let of_seed = |s: u64| {
        trials
            .iter()
            .filter(|t| t["seed"].as_u64() == Some(s))
            .collect::<Vec<_>>()
    };
    let losses: Vec<f64> = of_seed(0)
        .iter()
        .map(|t| t["reward"].as_f64().expect("a reward"))
        .collect();
    assert_ne!(
        losses[0], losses[1],
        "two architectures, two losses: {store}"
    );
    for seed in [1, 2] {
        let only = of_seed(seed);
        assert_eq!(only.len(), 1, "seed {seed}: {store}");
        assert!(
            only[0]["report"].as_f64().is_some(),
            "seed {seed}'s only (so chosen) trial has its report:\n{store}"
        );
    }
}
