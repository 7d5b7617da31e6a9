//! The `train` evaluator on Penn Treebank: experiments over sequence spaces trained as
//! language models through `nas run`, scored by perplexity, and the diagnostics for data,
//! spaces and metrics that do not go together.

use crate::search_common::run_experiment;

/// An experiment over `space` on `data`, trained by `evaluate`, minimising `metric`.
fn experiment(space: &str, data: &str, evaluate: &str, metric: &str) -> String {
    let file = if space == "nb201" { "nb201" } else { space };
    format!(
        "import \"stdlib/spaces/{file}.nas\"\n\
         experiment e {{\n\
             space     {space}\n\
             data      {data}\n\
             evaluate  {evaluate}\n\
             strategy  random\n\
             budget    trials: 2\n\
             objective minimize {metric}\n\
         }}\n"
    )
}

const TINY: &str = "train(epochs: 1, steps: 3, batch: 4, channels: 8, \
                    optimizer: sgd(lr: 20, momentum: 0, nesterov: false, weight_decay: 0), \
                    schedule: constant, device: cpu, threads: 1)";

#[test]
fn a_random_search_over_enas_rnn_cells_trains_language_models_on_ptb() {
    let dir = tempfile::tempdir().unwrap();
    // In bf16 mixed precision (autocast on the CPU), as a GPU run would train.
    let text = experiment(
        "enas_rnn",
        "ptb(limit: 2000, test_limit: 400)",
        &TINY.replace("threads: 1", "threads: 1, precision: bf16"),
        "valid_ppl",
    );
    let (ok, stdout, stderr) = run_experiment(dir.path(), &text);
    assert!(ok, "{stdout}{stderr}");
    let header = stdout
        .lines()
        .find(|l| l.starts_with("rank"))
        .unwrap_or_else(|| panic!("a summary table:\n{stdout}"));
    assert_eq!(
        header.split_whitespace().take(4).collect::<Vec<_>>(),
        ["rank", "trial", "valid_ppl", "test_ppl"],
        "{stdout}"
    );
    let best: Vec<&str> = stdout
        .lines()
        .find(|l| l.trim_start().starts_with('1'))
        .unwrap_or_else(|| panic!("a ranked trial:\n{stdout}"))
        .split_whitespace()
        .collect();
    let valid: f64 = best[2].parse().unwrap();
    let test: f64 = best[3].parse().unwrap();
    // Three windows of SGD cannot learn much of a 10,000-word vocabulary, but the scores
    // are perplexities (exponentials of a cross-entropy): finite and above 1.
    for ppl in [valid, test] {
        assert!(ppl.is_finite() && ppl > 1.0, "{stdout}");
    }
    assert!(best[5].contains("enas_rnn_cell.n1.op="), "{stdout}");
}

#[test]
fn language_model_mistakes_are_diagnostics() {
    let cases = [
        (
            experiment("nb201", "ptb(limit: 2000)", TINY, "valid_ppl"),
            "`nb201` is not a sequence space",
        ),
        (
            experiment("enas_rnn", "fashion_mnist(limit: 100)", TINY, "valid_loss"),
            "`enas_rnn` is a sequence space: it trains on text",
        ),
        (
            experiment("enas_rnn", "ptb(limit: 2000)", TINY, "valid_acc"),
            "a language model has no `valid_acc` to measure",
        ),
        (
            experiment(
                "enas_rnn",
                "ptb(limit: 2000)",
                &TINY.replace("channels: 8", "channels: 8, flip: true"),
                "valid_ppl",
            ),
            "flip only applies to image networks",
        ),
        (
            experiment(
                "enas_rnn",
                "ptb(limit: 2000)",
                &TINY.replace("channels: 8", "channels: 8, precision: fp16"),
                "valid_ppl",
            ),
            "fp16 would need loss scaling",
        ),
        (
            experiment("enas_rnn", "ptb(limit: 2000)", "proxy(naswot)", "naswot"),
            "the proxies score image networks",
        ),
        (
            experiment(
                "nb201",
                "fashion_mnist(limit: 100)",
                &TINY.replace("channels: 8", "channels: 8, weight_drop: 0.5, ar: 2"),
                "valid_loss",
            ),
            "weight_drop, ar only apply to language models",
        ),
        (
            experiment(
                "enas_rnn",
                "ptb(limit: 2000)",
                &TINY.replace("channels: 8", "channels: 8, embedding_dropout: 1.5"),
                "valid_ppl",
            ),
            "a drop probability must be in [0, 1), not 1.5",
        ),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (ok, stdout, stderr) = run_experiment(dir.path(), &text);
        assert!(!ok, "{expected}: {stdout}");
        assert!(stderr.contains(expected), "{expected}:\n{stderr}");
        assert!(stderr.contains("Help:"), "{stderr}");
    }
}

/// ENAS' Penn Treebank experiment in small: the supernet of `enas_rnn` (shared weights, every
/// (node, input) pair's ops) trained on the controller's samples, the controller rewarded with
/// 80 / perplexity, the derived cell trained by the experiment's evaluator.
#[test]
fn enas_searches_recurrent_cells_with_shared_weights_on_ptb() {
    let dir = tempfile::tempdir().unwrap();
    let text = "import \"stdlib/spaces/enas_rnn.nas\"\n\
        experiment e {\n\
            space     enas_rnn\n\
            data      ptb(limit: 3000, test_limit: 400)\n\
            evaluate  train(epochs: 1, steps: 3, batch: 4, channels: 8, optimizer: sgd(lr: 1, momentum: 0, nesterov: false, weight_decay: 0), schedule: constant, device: cpu, threads: 1)\n\
            strategy  enas(controller: \"lstm\", epochs: 2, steps: 3, controller_steps: 3, candidates: 2, batches: 2, channels: 8, batch: 8, lr: 1.0, lr_min: 1.0, momentum: 0.0, clip: 0.25)\n\
            budget    trials: 1\n\
            objective minimize valid_ppl\n\
        }\n";
    let (ok, stdout, stderr) = run_experiment(dir.path(), text);
    assert!(ok, "{stdout}{stderr}");
    // What the script prints goes to stderr, the run's summary to stdout.
    let printed = stderr;
    assert!(printed.contains("Supernet(enas_rnn"), "{printed}");
    assert_eq!(printed.matches("mean reward").count(), 2, "{printed}");
    let shared: f64 = printed
        .lines()
        .find_map(|l| l.strip_prefix("shared-weight validation perplexity of the derived cell: "))
        .unwrap_or_else(|| panic!("the derived cell's perplexity:\n{printed}"))
        .trim()
        .parse()
        .unwrap();
    assert!(shared.is_finite() && shared > 1.0, "{printed}");
    let derived = printed
        .lines()
        .find_map(|l| l.strip_prefix("derived: "))
        .unwrap_or_else(|| panic!("a derived cell:\n{printed}"));
    let chosen = stdout
        .lines()
        .find_map(|l| l.strip_prefix("chosen architecture: "))
        .unwrap_or_else(|| panic!("the evaluated cell:\n{stdout}"));
    assert_eq!(derived, chosen, "the derived cell is the one evaluated");
    assert!(
        stdout.contains("test_ppl of the chosen architecture"),
        "{stdout}"
    );
}
