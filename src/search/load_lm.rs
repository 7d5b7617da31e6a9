//! From a `train(..)` evaluator and `data ptb(..)` to the `train` evaluator on text: the corpus
//! read and cut to its limits, the space lowered with the corpus's vocabulary (and `channels`
//! as its width `d`). `nas check` has refused the settings only images have.

use super::arch_metrics::ScoredNetwork;
use super::eval_spec::DataSpec;
use super::load_eval::{Loaded, SpaceSource};
use super::train_eval::{TrainData, TrainEvaluator, TrainMetric};
use super::trial_guard::ReportWhen;
use crate::space::InputShape;
use crate::syntax::Diagnostic;
use crate::train::choices::SearchedSettings;
use crate::train::device::Runtime;
use crate::train::lm::TokenSplits;
use crate::train::ptb;
use crate::train::settings::TrainSettings;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tch::{Device, Tensor};

/// The parts of a `train(..)` evaluator a language model uses.
pub struct LmSpec<'a> {
    /// How the models are trained (`channels` is the width `d`; `cells` is refused).
    pub settings: &'a TrainSettings,
    /// The settings with alternatives, which each trial chooses among.
    pub searched: &'a SearchedSettings,
    /// The reward.
    pub reward: TrainMetric,
    /// The report as written (`None`: `test_ppl`).
    pub report: Option<Option<TrainMetric>>,
    /// Measure the report for every trial.
    pub report_all: bool,
    /// Whether each trial hands back its trained weights.
    pub keep_weights: bool,
    /// The device trials train on, over the `device:` setting (a worker's `--device`).
    pub device: Option<Device>,
}

/// Loads the language-model evaluator of an experiment in `dir` searching `space` on `data`
/// (`ptb`); trials are seeded from `seed`, and `maximize` is the objective's direction.
pub fn load_lm(
    spec: &LmSpec<'_>,
    data: &DataSpec,
    dir: &Path,
    space: &SpaceSource<'_>,
    (seed, maximize): (u64, bool),
    identity: String,
) -> Result<Loaded, Diagnostic> {
    // `nas check` refused what a language model cannot do (eval_spec::check_together):
    // image-only settings, fp16, accuracies, a space without `vocab` or a sequence input.
    let report = spec.report.unwrap_or(Some(TrainMetric::TestPpl));
    let corpus = read_corpus(data, dir)?;
    let skeleton = space.searched.skeleton();
    let mut wanted = vec![("vocab".to_string(), corpus.vocab.len() as i64)];
    if let Some(d) = spec.settings.size.channels {
        wanted.push(("d".to_string(), d));
    }
    let lowered = space.lowered_with(wanted)?;
    let bptt = match skeleton.input.as_ref().map(|s| s.dims.as_slice()) {
        Some([t, _]) => *t,
        _ => 35,
    };
    let splits = TokenSplits {
        train: first_tokens(&corpus.train, data.limit),
        valid: first_tokens(&corpus.valid, data.test_limit),
        test: first_tokens(&corpus.test, data.test_limit),
    };
    let settings = spec.settings;
    let runtime = Runtime {
        device: match spec.device {
            Some(device) => device,
            None if settings.cpu => Device::Cpu,
            None => Device::cuda_if_available(),
        },
        amp: settings.amp,
        ..Runtime::cpu()
    };
    let data = TrainData::Text {
        splits: Mutex::new(splits),
        bptt,
    };
    let when = if spec.report_all {
        ReportWhen::All
    } else {
        ReportWhen::Best(maximize)
    };
    let scored = ScoredNetwork {
        space: Arc::clone(&lowered),
        input: InputShape {
            kind: "sequence".to_string(),
            dims: vec![bptt, 1],
        },
    };
    Ok(Loaded {
        scored,
        evaluator: Arc::new(
            TrainEvaluator::new(
                lowered,
                data,
                *settings,
                runtime,
                (spec.reward, report, when),
                seed,
            )
            .keeping_weights(spec.keep_weights)
            .searching(spec.searched.clone()),
        ),
        report: report.map(|m| m.name().to_string()),
        identity,
    })
}

/// Penn Treebank from the data's `dir`, else the project's data folder's `ptb/`.
/// The first `limit` tokens of `split` (at least 2; all of them without a limit).
pub(super) fn first_tokens(split: &Tensor, limit: Option<i64>) -> Tensor {
    let n = split.size()[0];
    split.narrow(0, 0, limit.map_or(n, |l| l.clamp(2, n)))
}

/// The corpus of the `data` entry (its `dir`, else the project's `data/ptb`).
pub(super) fn read_corpus(data: &DataSpec, dir: &Path) -> Result<ptb::Corpus, Diagnostic> {
    let folder = super::load_eval::data_folder(data, dir)
        .or_else(|| crate::paths::data_dir().map(|d| d.join("ptb")));
    let folder = folder.ok_or_else(|| {
        Diagnostic::error(
            "data",
            "no data folder was found (the project's `data/`)",
            data.span,
            "this data",
        )
        .with_hint("name the folder with `dir: \"...\"`, or set NAS_DATA")
    })?;
    ptb::load_ptb(&folder).map_err(|e| {
        Diagnostic::error("data", e.to_string(), data.span, "this data")
            .with_hint("the folder holds ptb.train.txt, ptb.valid.txt and ptb.test.txt")
    })
}
