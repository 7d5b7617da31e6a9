//! Training settings searched like the architecture: `train(lr: 0.1 | 0.05, ..)` makes each
//! setting with alternatives a decision of every trial (`train.lr`), appended to the searched
//! space, so that strategies sample, enumerate, mutate and encode it, the store keeps it in the
//! trial's architecture, the evaluator trains under it, and `nas export` reports it.

use crate::data_common::require_fashion_mnist;
use crate::search_common::run_experiment;
use nas::search::experiment::{self, EvaluatorSpec};
use nas::search::host::feature_vector;
use nas::search::surrogate::encode::Vocabulary;
use nas::train::choices::SearchedSettings;
use nas::train::optim::Optim;

fn read(text: &str) -> Result<experiment::ExperimentSpec, String> {
    let mut program = nas::check::check_source("e.nas", text);
    if program.has_errors() {
        return Err(program.render_diagnostics(false));
    }
    let spec = experiment::read(&mut program, None);
    spec.map_err(|ds| nas::syntax::diagnostic::render_all(&ds, &program.sources, false))
}

/// A fixed network (a space of one architecture) trained for three steps: the searched
/// settings are the only decisions. `lr: 1e30` makes the loss overflow, so that a trial shows
/// whether it really trained under the rate it chose.
const FIXED: &str = r#"
space tiny {
    input image(1, 28, 28)
    conv(4, 3) >> batchnorm >> relu >> global_avg_pool >> linear(10)
}

experiment e {
    space     tiny
    data      fashion_mnist(limit: 300, valid: 0.25, test_limit: 100)
    evaluate  train(epochs: 1, batch: 32, steps: 3, lr: 0.05 | 1e30, weight_decay: 5e-4 | 1e-4, schedule: constant, threads: 1)
    strategy  grid
    budget    trials: 10
    objective maximize valid_acc
}
"#;

fn train_of(
    spec: &experiment::ExperimentSpec,
) -> (&nas::train::settings::TrainSettings, &SearchedSettings) {
    match &spec.evaluator {
        EvaluatorSpec::Train {
            settings, searched, ..
        } => (settings, searched),
        other => panic!("a train evaluator: {other:?}"),
    }
}

#[test]
fn alternatives_become_named_decisions_and_choose_the_settings() {
    let spec = read(FIXED).expect("reads");
    let (settings, searched) = train_of(&spec);
    assert_eq!(
        settings.lr, 0.05,
        "until a trial chooses, the first alternative"
    );
    let names: Vec<&str> = searched.choices().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["train.lr", "train.weight_decay"]);
    let labels: Vec<&str> = searched.choices()[1]
        .alternatives
        .iter()
        .map(|(l, _)| l.as_str())
        .collect();
    assert_eq!(labels, ["5e-4", "1e-4"]);
    let picked = searched.with_picked(&[1, 1]).expect("valid settings");
    assert_eq!(picked.lr, 1e30);
    assert_eq!(
        picked.optim,
        Optim::Sgd {
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-4
        }
    );
    // An optimiser's own arguments are searched under their own names, and a top-level
    // weight decay holds whichever side of `optimizer` it is written on.
    let inner = read(&FIXED.replace(
        "weight_decay: 5e-4 | 1e-4",
        "weight_decay: 1e-3, optimizer: adamw(beta1: 0.9 | 0.5)",
    ))
    .expect("reads");
    let (settings, searched) = train_of(&inner);
    assert_eq!(searched.choices()[1].name, "train.beta1");
    assert_eq!(
        searched.with_picked(&[0, 1]).expect("valid").optim,
        Optim::AdamW {
            beta1: 0.5,
            beta2: 0.999,
            weight_decay: 1e-3
        }
    );
    assert_eq!(settings.optim.name(), "adamw");
}

#[test]
fn settings_decisions_are_sampled_mutated_and_encoded_like_the_architecture() {
    let spec = read(FIXED).expect("reads");
    let (_, searched) = train_of(&spec);
    let program = nas::check::check_source("e.nas", FIXED);
    let space = nas::space::lower_space(&program, "tiny")
        .expect("lowers")
        .with_decisions(searched.decisions())
        .expect("the settings join the space");
    assert_eq!(
        space.count().expect("counts").to_string(),
        "4",
        "2 rates x 2 decays"
    );
    let first = space
        .decode("train.lr=0.05 train.weight_decay=5e-4")
        .expect("decodes");
    let mut rng = nas::space::rng(1);
    let child = space.mutate(&first, &mut rng).expect("a setting to move");
    assert_ne!(child, first);
    let moved: Vec<(String, String)> = searched
        .chosen(&space, &child)
        .into_iter()
        .zip(searched.chosen(&space, &first))
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a)
        .collect();
    assert_eq!(moved.len(), 1, "a mutation moves one setting: {moved:?}");
    assert_ne!(
        feature_vector(&space, &first),
        feature_vector(&space, &child),
        "the strategies' encoding tells the settings apart"
    );
    let vocabulary = Vocabulary::new(&space);
    assert_ne!(
        vocabulary.global(&space, &first),
        vocabulary.global(&space, &child),
        "so do the learned predictors' (the graph's global vector)"
    );
    assert_eq!(
        searched.for_arch(&space, &child).expect("valid").lr == 1e30,
        space.encode(&child).contains("train.lr=1e30")
    );
}

#[test]
fn settings_that_cannot_be_searched_are_refused_with_a_hint() {
    let cases = [
        ("channels: 4 | 8", "`channels` cannot be searched"),
        ("device: cpu | auto", "`device` cannot be searched"),
        ("lr: 0.1 | 0.1", "`0.1` is written twice"),
        (
            "optimizer: sgd(lr: 0.1) | adamw",
            "an alternative is a number, a name or true/false",
        ),
        (
            "optimizer: sgd(momentum: 0.9 | 0)",
            "Nesterov momentum needs a momentum above 0",
        ),
        ("schedule: cosine | cosin", "unknown schedule `cosin`"),
        (
            "report: test_acc | test_loss",
            "`report` cannot be searched",
        ),
    ];
    for (written, expected) in cases {
        let text = FIXED.replace("schedule: constant", written);
        let err = read(&text).expect_err(expected);
        assert!(err.contains(expected), "{written}:\n{err}");
        assert!(err.contains("Help:"), "{written} has a hint:\n{err}");
    }
    let table = r#"
import "stdlib/spaces/nb201.nas"
experiment t {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_12" | "cifar10_valid_200")
    strategy  grid
    budget    trials: 10
    objective maximize cifar10_valid_12
}
"#;
    let err = read(table).expect_err("a table has no settings to search");
    assert!(err.contains("`table` cannot search its arguments"), "{err}");
    assert!(err.contains("e.nas:5:"), "at the alternatives:\n{err}");
}

/// The trials of the store at `path`: (architecture, error) of each finished one.
fn stored(path: &std::path::Path) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(path).expect("store");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("arch").is_some())
        .map(|v| {
            (
                v["arch"].as_str().unwrap_or_default().to_string(),
                v.get("error").and_then(|e| e.as_str()).map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_grid_over_the_settings_trains_each_under_its_choice_and_exports_it() {
    require_fashion_mnist();
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(dir.path(), FIXED);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("4 trials (2 failed)"), "{out}\n{err}");
    let trials = stored(&dir.path().join("runs/e-grid.jsonl"));
    let mut archs: Vec<&str> = trials.iter().map(|(a, _)| a.as_str()).collect();
    archs.sort();
    assert_eq!(
        archs,
        [
            "train.lr=0.05 train.weight_decay=1e-4",
            "train.lr=0.05 train.weight_decay=5e-4",
            "train.lr=1e30 train.weight_decay=1e-4",
            "train.lr=1e30 train.weight_decay=5e-4",
        ]
    );
    // Every trial that chose the overflowing rate, and only those, failed for it.
    for (arch, error) in &trials {
        let overflowed = error
            .as_deref()
            .is_some_and(|e| e.contains("the loss became"));
        assert_eq!(
            overflowed,
            arch.contains("train.lr=1e30"),
            "{arch}: {error:?}"
        );
    }
    assert!(
        out.contains("chosen architecture: train.lr=0.05 train.weight_decay="),
        "the summary shows the chosen settings:\n{out}"
    );
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["export", "runs/e-grid.jsonl", "--best", "-o", "out"])
        .current_dir(dir.path())
        .output()
        .expect("nas export runs");
    assert!(export.status.success(), "{export:?}");
    let about: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/arch.json")).expect("arch.json"),
    )
    .expect("json");
    let training = &about["training"];
    assert_eq!(training["lr"], 0.05, "{training}");
    let decay = training["chosen"]["train.weight_decay"]
        .as_str()
        .expect("chosen");
    let written = training["optimizer"].as_str().expect("optimizer");
    let expected = if decay == "5e-4" { "0.0005" } else { "0.0001" };
    assert!(
        written.contains(&format!("weight_decay: {expected}")),
        "{training}"
    );
}

#[test]
fn random_search_and_evolution_choose_among_the_settings() {
    require_fashion_mnist();
    let safe = FIXED.replace("1e30", "0.02");
    for (strategy, file) in [
        ("random", "runs/e-random.jsonl"),
        (
            "evolution(population: 2, tournament: 2)",
            "runs/e-evolution.jsonl",
        ),
    ] {
        let text = safe
            .replace("strategy  grid", &format!("strategy  {strategy}"))
            .replace("trials: 10", "trials: 5");
        let dir = tempfile::tempdir().expect("tempdir");
        let (ok, out, err) = run_experiment(dir.path(), &text);
        assert!(ok, "{strategy}: {out}\n{err}");
        assert!(
            out.contains("5 trials (0 failed)"),
            "{strategy}: {out}\n{err}"
        );
        let trials = stored(&dir.path().join(file));
        assert_eq!(trials.len(), 5, "{strategy}");
        for (arch, _) in &trials {
            let lr = arch.contains("train.lr=0.05") || arch.contains("train.lr=0.02");
            let wd = arch.contains("train.weight_decay=5e-4")
                || arch.contains("train.weight_decay=1e-4");
            assert!(lr && wd, "{strategy} stored `{arch}`");
        }
    }
}

#[test]
fn a_weight_sharing_search_refuses_searched_settings() {
    require_fashion_mnist();
    let text = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201(c: 4, n: 1)
    data      fashion_mnist(limit: 200, valid: 0.5, test_limit: 50)
    evaluate  train(epochs: 1, steps: 2, batch: 16, lr: 0.05 | 0.02, threads: 1)
    strategy  darts(order: 1, epochs: 1, cells: 1)
    budget    trials: 1
    objective maximize valid_acc
}
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, out, err) = run_experiment(dir.path(), text);
    assert!(
        err.contains("searches training settings (train.lr)")
            && err.contains("a weight-sharing search"),
        "{out}\n{err}"
    );
}

#[test]
fn fixed_grids_the_settings_of_an_architecture_written_in_the_spaces_own_text() {
    require_fashion_mnist();
    // A space with decisions of its own: the architecture is written as a search of the space
    // alone would have found it, and `fixed` trains it under every combination of settings.
    let text = FIXED
        .replace("conv(4, 3)", "conv(4 | 6, 3 | 5)")
        .replace("lr: 0.05 | 1e30", "lr: 0.05 | 0.02")
        .replace("strategy  grid", "strategy  STRATEGY");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("e.nas"), text.replace("STRATEGY", "random")).expect("writes");
    let sampled = std::process::Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["sample", "e.nas:tiny", "--seed", "3"])
        .current_dir(dir.path())
        .output()
        .expect("nas sample runs");
    assert!(sampled.status.success(), "{sampled:?}");
    let sampled = String::from_utf8_lossy(&sampled.stdout).trim().to_string();
    assert!(!sampled.contains("train."), "{sampled}");
    let (ok, out, err) = run_experiment(
        dir.path(),
        &text.replace("STRATEGY", &format!("fixed(arch: \"{sampled}\")")),
    );
    assert!(ok, "{out}\n{err}");
    let mut archs: Vec<String> = stored(&dir.path().join("runs/e-fixed.jsonl"))
        .into_iter()
        .map(|(a, e)| {
            assert_eq!(e, None, "{a}");
            a
        })
        .collect();
    archs.sort();
    let mut expected: Vec<String> = ["0.02", "0.05"]
        .iter()
        .flat_map(|lr| {
            ["1e-4", "5e-4"].map(|wd| format!("{sampled} train.lr={lr} train.weight_decay={wd}"))
        })
        .collect();
    expected.sort();
    assert_eq!(archs, expected);
    // Written with its settings, the architecture is trained under those only.
    let one = format!("{sampled} train.lr=0.02 train.weight_decay=5e-4");
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(
        dir.path(),
        &text.replace("STRATEGY", &format!("fixed(arch: \"{one}\")")),
    );
    assert!(ok, "{out}\n{err}");
    let archs = stored(&dir.path().join("runs/e-fixed.jsonl"));
    assert_eq!(archs.len(), 1, "{archs:?}");
    assert_eq!(archs[0].0, one);
}

#[test]
fn the_nas_rl_final_grid_trains_a_found_architecture_of_the_real_space_under_each_setting() {
    require_fashion_mnist();
    // The script's first experiment, shrunk to one step of 4 images per trial.
    let script = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/nas_rl_final_grid.nas"),
    )
    .expect("the script");
    let text = script
        .replace(
            "limit: 5000, valid: 0.2, test_limit: 2000",
            "limit: 40, valid: 0.2, test_limit: 8",
        )
        .replace(
            "epochs: 1, batch: 64",
            "epochs: 1, steps: 1, batch: 4, threads: 1",
        )
        .replace("workers   2", "workers   1");
    assert_ne!(
        text, script,
        "the script's sizes are where this test expects them"
    );
    let found = text
        .split("fixed(arch: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the first experiment grids a fixed architecture")
        .to_string();
    assert!(
        found.starts_with("nas_rl_net.l1.") && found.contains("nas_rl_net.l15."),
        "{found}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(dir.path(), &text);
    assert!(ok, "{out}\n{err}");
    let trials = stored(&dir.path().join("runs/nas_rl_final_grid-fixed.jsonl"));
    let mut settings: Vec<String> = trials
        .iter()
        .map(|(arch, error)| {
            assert_eq!(error, &None, "{arch}");
            let rest = arch.strip_prefix(&found).expect("the found architecture");
            rest.trim().to_string()
        })
        .collect();
    settings.sort();
    assert_eq!(
        settings,
        [
            "train.lr=0.02 train.weight_decay=1e-4",
            "train.lr=0.02 train.weight_decay=5e-4",
            "train.lr=0.05 train.weight_decay=1e-4",
            "train.lr=0.05 train.weight_decay=5e-4",
            "train.lr=0.1 train.weight_decay=1e-4",
            "train.lr=0.1 train.weight_decay=5e-4",
        ]
    );
}
