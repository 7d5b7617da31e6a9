//! Continuing a trial's training at a higher fidelity (`ctx.evaluate(arch, fidelity, trial)`):
//! the `train` evaluator goes on from where the earlier trial stopped, so that the continued
//! trial has trained `fidelity` epochs in all and, with a schedule that does not depend on the
//! run's length, ends exactly where training straight to `fidelity` ends (on the CPU, seeded);
//! a continuation the run cannot make is the script's error; and Progressive Dynamic Hurdles
//! continues its promoted children.

use crate::data_common::require_fashion_mnist;
use crate::search_common::run_experiment;

/// A fixed network trained on 225 images in batches of 32 (8 steps an epoch), scored by its
/// validation loss, under a strategy script `cont.rhai`.
fn experiment(schedule: &str, trials: usize) -> String {
    format!(
        r#"
space tiny {{
    input image(1, 28, 28)
    conv(4, 3) >> batchnorm >> relu >> global_avg_pool >> linear(10)
}}

experiment e {{
    space     tiny
    data      fashion_mnist(limit: 300, valid: 0.25, test_limit: 100)
    evaluate  train(epochs: 2, batch: 32, lr: 0.05, schedule: {schedule}, threads: 1)
    strategy  "cont.rhai"
    budget    trials: {trials}
    objective minimize valid_loss
}}
"#
    )
}

/// The trials of the store at `path`, as JSON, in order of submission.
fn trials(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("store");
    let mut all: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "trial")
        .collect();
    all.sort_by_key(|t| t["id"].as_u64());
    all
}

fn run_script(
    schedule: &str,
    trials_budget: usize,
    script: &str,
) -> (tempfile::TempDir, bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cont.rhai"), script).expect("writes the script");
    let (ok, out, err) = run_experiment(dir.path(), &experiment(schedule, trials_budget));
    (dir, ok, format!("{out}\n{err}"))
}

const CONTINUES: &str = r#"// Parameters: none.
fn search(ctx) {
    if !ctx.continues() {
        throw "the train evaluator of images continues trainings";
    }
    let a = ctx.space.sample();
    let low = ctx.evaluate(a, 1);               // 0
    let up = ctx.evaluate(a, 2, low);           // 1: continues 0
    ctx.evaluate(a, 2);                         // 2: from scratch
    let half = ctx.evaluate(a, 0.5);            // 3
    ctx.evaluate(a, 1.5, half);                 // 4: continues 3 mid-epoch
    ctx.evaluate(a, 1.5);                       // 5
    for f in [0.25, 0.75, 1.25, 1.75] {         // 6-9: push 0's training out of those held
        ctx.evaluate(a, f);
    }
    ctx.evaluate(a, 2, low);                    // 10: 0's stage trained again, then continued
    let top = ctx.evaluate(a, 3, up);           // 11: continues 1, which continued 0
    ctx.evaluate(a, 3);                         // 12
    if top.continued_from != up.id {
        throw `continued_from: ${top.continued_from}`;
    }
}
"#;

#[test]
fn a_continued_trial_ends_where_training_straight_to_its_fidelity_ends() {
    require_fashion_mnist();
    let (dir, ok, log) = run_script("constant", 13, CONTINUES);
    assert!(ok, "{log}");
    let t = trials(&dir.path().join("runs/e-cont.jsonl"));
    assert_eq!(t.len(), 13, "{log}");
    let loss = |i: usize| t[i]["reward"].as_f64().unwrap_or(f64::NAN);
    let from = |i: usize| t[i]["continued_from"].as_u64();
    for (continued, source, straight) in [(1, 0, 2), (4, 3, 5), (10, 0, 2), (11, 1, 12)] {
        assert_eq!(
            from(continued),
            Some(source),
            "trial {continued}: {:?}",
            t[continued]
        );
        assert_eq!(
            loss(continued).to_bits(),
            loss(straight).to_bits(),
            "trial {continued} (continuing {source}) and trial {straight} (from scratch) \
             trained the same steps: {} vs {}",
            loss(continued),
            loss(straight)
        );
    }
    assert_ne!(loss(0), loss(2), "more epochs change the loss");
    for i in [0, 2, 3, 5, 6, 12] {
        assert_eq!(from(i), None, "trial {i} trained from scratch");
    }
}

#[test]
fn a_continued_cosine_run_follows_the_longer_schedule_from_where_it_stopped() {
    // Documented: the first stage ran its own (shorter) cosine schedule, so the continued
    // run's steps before the stop had other rates than a straight run's; it is not the
    // straight run, but it trains the same number of steps in all and goes on.
    require_fashion_mnist();
    let script = r#"// Parameters: none.
fn search(ctx) {
    let a = ctx.space.sample();
    let low = ctx.evaluate(a, 1);
    ctx.evaluate(a, 2, low);
    ctx.evaluate(a, 2);
}
"#;
    let (dir, ok, log) = run_script("cosine", 3, script);
    assert!(ok, "{log}");
    let t = trials(&dir.path().join("runs/e-cont.jsonl"));
    assert_eq!(t.len(), 3, "{log}");
    assert_eq!(t[1]["continued_from"].as_u64(), Some(0));
    let (a, b) = (t[1]["reward"].as_f64(), t[2]["reward"].as_f64());
    assert!(a.is_some() && b.is_some() && a != b, "{a:?} {b:?}");
}

#[test]
fn a_continuation_the_run_cannot_make_is_the_scripts_error() {
    require_fashion_mnist();
    for (script, expected) in [
        (
            "let t = ctx.evaluate(a, 2); ctx.evaluate(a, 1, t);",
            "must ask for a higher fidelity",
        ),
        (
            "let t = ctx.evaluate(a, 1); ctx.evaluate(a, 1, t);",
            "must ask for a higher fidelity",
        ),
    ] {
        let text = format!(
            "// Parameters: none.\nfn search(ctx) {{\n    let a = ctx.space.sample();\n    {script}\n}}\n"
        );
        let (_dir, ok, log) = run_script("constant", 4, &text);
        assert!(!ok, "{script}: {log}");
        assert!(log.contains(expected), "{script}: {log}");
    }
}

#[test]
fn a_table_cannot_continue_and_says_so() {
    use crate::search_common::{config, inline_strategy, nb201, run, table_with_reward};
    let space = nb201();
    let script = r#"// Parameters: none.
fn search(ctx) {
    let a = ctx.space.sample();
    if ctx.continues() {
        throw "a table's fidelities are separate runs";
    }
    let t = ctx.evaluate(a, 12);
    ctx.evaluate(a, 200, t);
}
"#;
    let cfg = config(
        space.clone(),
        table_with_reward(&space, "valid_{fidelity}"),
        inline_strategy("cont", script),
        5,
    );
    let err = match run(&cfg, &[0]) {
        Ok(_) => panic!("the continuation is refused"),
        Err(e) => format!("{:?}", e.diagnostics),
    };
    assert!(
        err.contains("cannot continue an earlier trial's training"),
        "{err}"
    );
}

#[test]
fn pdh_continues_its_promoted_children_on_the_train_evaluator() {
    require_fashion_mnist();
    let text = r#"
space small {
    input image(1, 28, 28)
    conv(4 | 6, 3 | 5) >> batchnorm >> relu >> global_avg_pool >> linear(10)
}

experiment e {
    space     small
    data      fashion_mnist(limit: 300, valid: 0.25, test_limit: 100)
    evaluate  train(epochs: 1, batch: 32, lr: 0.05, schedule: constant, threads: 1)
    strategy  pdh(population: 3, tournament: 2, hurdle_after: 2, low_fidelity: 0.25, high_fidelity: 0.75)
    budget    trials: 12
    objective maximize valid_acc
}
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run_experiment(dir.path(), text);
    assert!(ok, "{out}\n{err}");
    let t = trials(&dir.path().join("runs/e-pdh.jsonl"));
    assert_eq!(t.len(), 12, "{out}\n{err}");
    let mut promoted = 0;
    for (i, trial) in t.iter().enumerate() {
        match trial["fidelity"].as_f64() {
            Some(0.25) => assert!(trial.get("continued_from").is_none(), "{trial}"),
            Some(0.75) => {
                promoted += 1;
                let prev = &t[i - 1];
                assert_eq!(trial["continued_from"], prev["id"], "{trial}");
                assert_eq!(trial["arch"], prev["arch"], "the same child");
                assert_eq!(prev["fidelity"].as_f64(), Some(0.25));
            }
            other => panic!("fidelity {other:?}: {trial}"),
        }
    }
    assert!(promoted > 0, "some child passes the hurdle: {out}");
}
