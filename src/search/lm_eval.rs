//! The `train` evaluator on text: each architecture of a sequence space (enas_rnn, nb_nlp)
//! compiled as a language model over Penn Treebank's vocabulary, trained with truncated
//! back-propagation through time (windows as long as the space's input sequence), and scored
//! by perplexity or cross-entropy on the validation split; the test split is the report.
//! A failed trial (a network that cannot be built, a NaN loss, out of memory, a panic) is an
//! `Err` with its reason; the search goes on.

use super::evaluator::Outcome;
use super::store::NetworkInfo;
use super::train_eval::{TrainMetric, TrainSettings};
use super::trial_guard::{
    decode, key_hash, network_info, shared, ReportGate, ReportWhen, TrainingRun,
};
use crate::compile::sequence::SequenceNet;
use crate::space::Space;
use crate::train::amp::Precision;
use crate::train::lm::{in_precision, perplexity_of, train_pass};
use crate::train::ptb::batchify;
use crate::train::schedule::Schedule;
use crate::train::trainer::TrialFailure;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tch::{nn, Device, Tensor};

/// Rows the validation and test streams are cut into (as in the DARTS and ENAS code).
const EVAL_ROWS: i64 = 10;

/// Token ids of the three splits, each `[T]`.
#[derive(Debug)]
pub struct TokenSplits {
    /// What the weights are trained on.
    pub train: Tensor,
    /// The reward is measured here.
    pub valid: Tensor,
    /// Reported, never searched on.
    pub test: Tensor,
}

impl TokenSplits {
    fn share(&self) -> TokenSplits {
        TokenSplits {
            train: self.train.shallow_clone(),
            valid: self.valid.shallow_clone(),
            test: self.test.shallow_clone(),
        }
    }
}

/// How the language models are trained and scored.
#[derive(Debug, Clone)]
pub struct LmSettings {
    /// Epochs, batch (parallel rows), optimiser, learning rate, schedule, warm-up, clipping.
    pub train: TrainSettings,
    /// Steps of the unrolled window (the space's sequence length).
    pub bptt: i64,
    /// The gradient-norm clip (the `clip` setting, else 0.25 as in AWD-LSTM and DARTS).
    pub clip: f64,
    /// Where the models train.
    pub device: Device,
    /// Mixed precision of the forward passes (bf16 or none).
    pub amp: Option<Precision>,
}

/// The `train` evaluator on text.
pub struct LmEvaluator {
    space: Arc<Space>,
    splits: Mutex<TokenSplits>,
    settings: LmSettings,
    reward: TrainMetric,
    report: Option<TrainMetric>,
    report_gate: ReportGate,
    seed: u64,
    /// Seeding libtorch's generator and initialising a network happen under this lock, so
    /// that parallel trials initialise exactly as they would alone.
    init: Mutex<()>,
    /// Whether each trial hands back its trained weights.
    keep_weights: bool,
}

impl LmEvaluator {
    /// An evaluator of `space`'s architectures (lowered with the corpus's vocabulary) trained
    /// under `settings` on `splits`, scored by `reward` (a perplexity or a loss) and
    /// reporting `report` for the trials `report_when` says; each trial's seed is `seed` mixed
    /// with its architecture's string.
    pub fn new(
        space: Arc<Space>,
        splits: TokenSplits,
        settings: LmSettings,
        (reward, report, report_when): (TrainMetric, Option<TrainMetric>, ReportWhen),
        seed: u64,
    ) -> LmEvaluator {
        LmEvaluator {
            space,
            splits: Mutex::new(splits),
            settings,
            reward,
            report,
            report_gate: ReportGate::new(report_when),
            seed,
            init: Mutex::new(()),
            keep_weights: false,
        }
    }

    /// The same evaluator, handing back each trial's trained weights when `keep` is set.
    pub fn keeping_weights(self, keep: bool) -> Self {
        LmEvaluator {
            keep_weights: keep,
            ..self
        }
    }

    /// Whether `metric` can score a language model (accuracies cannot).
    pub fn measures(metric: TrainMetric) -> bool {
        !matches!(
            metric,
            TrainMetric::ValidAcc | TrainMetric::TestAcc | TrainMetric::TrainAcc
        )
    }
}

impl TrainingRun for LmEvaluator {
    fn network(&self) -> NetworkInfo {
        let mut training = super::train_eval::training_json(&self.settings.train);
        training["bptt"] = serde_json::json!(self.settings.bptt);
        training["clip_grad_norm"] = serde_json::json!(self.settings.clip);
        training["evaluator_seed"] = serde_json::json!(self.seed);
        let input = vec![self.settings.bptt, 1];
        network_info(&self.space, ("sequence", input), training)
    }

    fn run(&self, key: &str, fidelity: Option<f64>) -> Result<Outcome, TrialFailure> {
        let started = Instant::now();
        let arch = decode(&self.space, key)?;
        let data = shared(&self.splits, TokenSplits::share)?;
        let LmSettings {
            train: ref settings,
            bptt,
            clip,
            device,
            amp,
        } = self.settings;
        let config = &settings.config;
        let seed = self.seed ^ key_hash(key);
        let vs = nn::VarStore::new(device);
        let net = {
            let _init = self.init.lock();
            tch::manual_seed(seed as i64);
            SequenceNet::new(&vs.root(), &self.space, &arch)?
        };
        let mut opt = config.optim.build(&vs, config.lr)?;
        let train = batchify(&data.train, config.batch)?.f_to_device(device)?;
        let per_epoch = ((train.size()[1] - 1).max(1) as usize).div_ceil(bptt as usize);
        let epochs = fidelity.unwrap_or(config.epochs as f64).max(0.0);
        let mut total = ((epochs * per_epoch as f64).round() as usize).max(1);
        if let Some(max) = config.max_steps {
            total = total.min(max);
        }
        let schedule = Schedule {
            base_lr: config.lr,
            warmup: (config.warmup_epochs * per_epoch as f64).round() as usize,
            total,
            decay: super::train_eval::decay(&settings.schedule, total),
        };
        let forward = in_precision(
            |x: &Tensor, s: &[Tensor], train| net.forward_states(x, s, train),
            device,
            amp,
        )?;
        let mut train_ppl = f64::NAN;
        let mut done = 0;
        while done < total {
            // The rate is set per epoch: the windows of one pass share it.
            opt.set_lr(schedule.lr(done));
            let windows = per_epoch.min(total - done);
            let states = net.zero_states(config.batch, device);
            train_ppl = train_pass(
                forward,
                states,
                &mut opt,
                &train,
                (bptt, clip),
                Some(windows),
            )
            .map_err(|e| non_finite_or(e, done))?;
            done += windows;
        }
        let measure = |metric: TrainMetric| -> Result<f64, TrialFailure> {
            let split = match metric {
                TrainMetric::TrainPpl | TrainMetric::TrainLoss => {
                    return Ok(as_metric(metric, train_ppl))
                }
                TrainMetric::ValidPpl | TrainMetric::ValidLoss => &data.valid,
                _ => &data.test,
            };
            let rows = batchify(split, EVAL_ROWS)?.f_to_device(device)?;
            let ppl = perplexity_of(forward, net.zero_states(EVAL_ROWS, device), &rows, bptt)?;
            Ok(as_metric(metric, ppl))
        };
        let reward = measure(self.reward)?;
        self.report_gate.outcome(
            (reward, done),
            (self.report, fidelity),
            measure,
            (self.keep_weights.then_some(&vs), started),
        )
    }
}

/// A perplexity as `metric` asks: itself, or its logarithm (the mean cross-entropy).
fn as_metric(metric: TrainMetric, ppl: f64) -> f64 {
    match metric {
        TrainMetric::ValidLoss | TrainMetric::TestLoss | TrainMetric::TrainLoss => ppl.ln(),
        _ => ppl,
    }
}

/// A training error, as a non-finite loss when that is what it says.
fn non_finite_or(e: tch::TchError, step: usize) -> TrialFailure {
    let message = e.to_string();
    match message
        .split_once("the loss became ")
        .map(|(_, value)| value.parse::<f64>())
    {
        Some(Ok(value)) => TrialFailure::NonFiniteLoss { step, value },
        _ => TrialFailure::from(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_are_the_logarithm_of_perplexities() {
        assert_eq!(as_metric(TrainMetric::ValidPpl, 100.0), 100.0);
        assert!((as_metric(TrainMetric::TestLoss, 1f64.exp()) - 1.0).abs() < 1e-12);
        assert!(!LmEvaluator::measures(TrainMetric::ValidAcc));
        assert!(LmEvaluator::measures(TrainMetric::ValidPpl));
    }

    #[test]
    fn a_non_finite_loss_is_named_as_such() {
        let failure = non_finite_or(tch::TchError::Kind("the loss became NaN".into()), 3);
        assert!(
            matches!(failure, TrialFailure::NonFiniteLoss { step: 3, value } if value.is_nan())
        );
        let failure = non_finite_or(tch::TchError::Kind("shape [2] vs [3]".into()), 3);
        assert!(matches!(failure, TrialFailure::Torch(_)));
    }
}
