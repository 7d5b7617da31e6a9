//! The `train` evaluator: compiles each architecture, trains it on the experiment's data and
//! scores it on a held-out validation split (the reward) and on the test set (the report).
//! A failed trial (a network that cannot be built, a NaN loss, out of memory, a libtorch
//! error, even a panic) is an `Err` with its reason; the search goes on.

use super::evaluator::Outcome;
use super::store::NetworkInfo;
use super::trial_guard::{
    decode, key_hash, network_info, shared, ReportGate, ReportWhen, TrainingRun,
};
use crate::compile::catalog::{self, NetworkSize};
use crate::space::Space;
use crate::train::device::Runtime;
use crate::train::schedule::Decay;
use crate::train::trainer::{evaluate, TrainConfig, Trainer, TrialFailure};
use crate::train::ImageSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tch::{nn, Device};

/// A metric a trained network is scored by. Accuracies are in percent, as tables hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainMetric {
    /// Accuracy on the validation split held out of the training set.
    ValidAcc,
    /// Mean cross-entropy on the validation split.
    ValidLoss,
    /// Accuracy on the test set.
    TestAcc,
    /// Mean cross-entropy on the test set.
    TestLoss,
    /// Accuracy on the training split, in evaluation mode.
    TrainAcc,
    /// Mean cross-entropy on the training split, in evaluation mode.
    TrainLoss,
    /// Perplexity (the exponential of the mean cross-entropy) on the validation split.
    ValidPpl,
    /// Perplexity on the test set.
    TestPpl,
    /// Perplexity on the training split.
    TrainPpl,
}

impl TrainMetric {
    /// Every metric, by name.
    pub const ALL: [(&'static str, TrainMetric); 9] = [
        ("valid_acc", TrainMetric::ValidAcc),
        ("valid_loss", TrainMetric::ValidLoss),
        ("test_acc", TrainMetric::TestAcc),
        ("test_loss", TrainMetric::TestLoss),
        ("train_acc", TrainMetric::TrainAcc),
        ("train_loss", TrainMetric::TrainLoss),
        ("valid_ppl", TrainMetric::ValidPpl),
        ("test_ppl", TrainMetric::TestPpl),
        ("train_ppl", TrainMetric::TrainPpl),
    ];

    /// The metric called `name`.
    pub fn from_name(name: &str) -> Option<TrainMetric> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
    }

    /// The metric's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("report", |(n, _)| n)
    }

    /// The names, for messages.
    pub fn names() -> String {
        Self::ALL.map(|(n, _)| n).join(", ")
    }
}

/// The examples an experiment trains and scores on.
#[derive(Debug)]
pub struct Splits {
    /// What the weights are trained on.
    pub train: ImageSet,
    /// Held out of the training set; the reward is measured here.
    pub valid: ImageSet,
    /// The dataset's test set; reported, never searched on.
    pub test: ImageSet,
}

impl Splits {
    fn share(&self) -> Splits {
        Splits {
            train: self.train.share(),
            valid: self.valid.share(),
            test: self.test.share(),
        }
    }
}

/// How each architecture is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// Epochs, batch, optimiser, learning rate, augmentation (the seed is set per trial).
    pub config: TrainConfig,
    /// `cosine`, `step` or `constant` (the schedule needs the run's length to be built).
    pub schedule: String,
    /// Channels and cells of the network (classes and input channels come from the data); the
    /// space is lowered with these as its arguments.
    pub size: NetworkSize,
}

/// The `train` evaluator.
pub struct TrainEvaluator {
    space: Arc<Space>,
    splits: Mutex<Splits>,
    settings: TrainSettings,
    runtime: Runtime,
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

impl TrainEvaluator {
    /// An evaluator of architectures (found in `space`, lowered at the size they are trained
    /// at, by their canonical text) trained under `settings` on `splits`, on
    /// `runtime`'s device, scored by `reward` and reporting `report` for the trials
    /// `report_when` says. Each trial's seed is `seed` mixed with its architecture's string.
    pub fn new(
        space: Arc<Space>,
        splits: Splits,
        settings: TrainSettings,
        runtime: Runtime,
        (reward, report, report_when): (TrainMetric, Option<TrainMetric>, ReportWhen),
        seed: u64,
    ) -> TrainEvaluator {
        TrainEvaluator {
            space,
            splits: Mutex::new(splits),
            settings,
            runtime,
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
        TrainEvaluator {
            keep_weights: keep,
            ..self
        }
    }

    /// The settings, for messages.
    pub fn settings(&self) -> &TrainSettings {
        &self.settings
    }

    /// The runtime of the calling worker: with several GPUs, worker `k` trains on GPU
    /// `k mod count`.
    fn worker_runtime(&self) -> Runtime {
        match (self.runtime.device, super::workers::current_worker()) {
            (Device::Cuda(_), Some(worker)) => {
                let count = tch::Cuda::device_count().max(1) as usize;
                Runtime {
                    device: Device::Cuda(worker % count),
                    ..self.runtime
                }
            }
            _ => self.runtime,
        }
    }
}

/// How architectures are trained under `settings`, as `arch.json` records it.
pub fn training_json(settings: &TrainSettings) -> serde_json::Value {
    let c = &settings.config;
    serde_json::json!({
        "epochs": c.epochs,
        "batch": c.batch,
        "lr": c.lr,
        "optimizer": format!("{:?}", c.optim),
        "schedule": settings.schedule,
        "warmup_epochs": c.warmup_epochs,
        "clip_grad_norm": c.clip_grad_norm,
        "label_smoothing": c.label_smoothing,
        "crop_padding": c.augment.crop_padding,
        "flip": c.augment.flip,
        "max_steps": c.max_steps,
    })
}

impl TrainingRun for TrainEvaluator {
    fn network(&self) -> NetworkInfo {
        let input = match self.splits.lock() {
            Ok(s) => s.train.image_shape().to_vec(),
            Err(_) => Vec::new(),
        };
        let mut training = training_json(&self.settings);
        training["evaluator_seed"] = serde_json::json!(self.seed);
        network_info(&self.space, ("image", input), training)
    }

    fn run(&self, key: &str, fidelity: Option<f64>) -> Result<Outcome, TrialFailure> {
        let started = Instant::now();
        let arch = decode(&self.space, key)?;
        let data = shared(&self.splits, Splits::share)?;
        let mut config = self.settings.config;
        config.seed = self.seed ^ key_hash(key);
        let per_epoch = (data.train.len().max(1) as usize).div_ceil(config.batch.max(1) as usize);
        let epochs = fidelity.unwrap_or(config.epochs as f64).max(0.0);
        config.epochs = epochs.ceil().max(1.0) as usize;
        let steps = ((epochs * per_epoch as f64).round() as usize).max(1);
        config.max_steps = Some(config.max_steps.map_or(steps, |m| m.min(steps)));
        config.decay = decay(&self.settings.schedule, steps);
        let runtime = self.worker_runtime();
        let vs = nn::VarStore::new(runtime.device);
        let size = NetworkSize {
            in_channels: Some(data.train.image_shape()[0]),
            ..NetworkSize::default()
        };
        let net = {
            let _init = self.init.lock();
            tch::manual_seed(config.seed as i64);
            catalog::build_arch(&vs.root(), &self.space, &arch, size)?
        };
        let mut trainer = Trainer::new(net.as_ref(), &vs, config, runtime, data.train.len())?;
        trainer.fit(&data.train, None, |_| {})?;
        let measure = |metric: TrainMetric| -> Result<f64, TrialFailure> {
            let set = match metric {
                TrainMetric::ValidAcc | TrainMetric::ValidLoss | TrainMetric::ValidPpl => {
                    &data.valid
                }
                TrainMetric::TestAcc | TrainMetric::TestLoss | TrainMetric::TestPpl => &data.test,
                TrainMetric::TrainAcc | TrainMetric::TrainLoss | TrainMetric::TrainPpl => {
                    &data.train
                }
            };
            let (loss, acc) = evaluate(net.as_ref(), set, 500, runtime)?;
            Ok(match metric {
                TrainMetric::ValidAcc | TrainMetric::TestAcc | TrainMetric::TrainAcc => 100.0 * acc,
                TrainMetric::ValidPpl | TrainMetric::TestPpl | TrainMetric::TrainPpl => loss.exp(),
                _ => loss,
            })
        };
        let reward = measure(self.reward)?;
        self.report_gate.outcome(
            (reward, trainer.steps()),
            (self.report, fidelity),
            measure,
            (self.keep_weights.then_some(&vs), started),
        )
    }
}

/// The learning-rate decay called `name` over a run of `total_steps`.
pub fn decay(name: &str, total_steps: usize) -> Decay {
    match name {
        "step" => Decay::Step {
            every: total_steps.div_ceil(3).max(1),
            gamma: 0.1,
        },
        "constant" => Decay::Constant,
        _ => Decay::Cosine { min_lr: 0.0 },
    }
}

/// The schedules [`decay`] knows.
pub const SCHEDULES: [&str; 3] = ["cosine", "step", "constant"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_found_by_name() {
        assert_eq!(
            TrainMetric::from_name("valid_acc"),
            Some(TrainMetric::ValidAcc)
        );
        assert_eq!(TrainMetric::from_name("accuracy"), None);
        assert!(TrainMetric::names().contains("test_loss"));
    }

    #[test]
    fn step_decay_divides_the_run_in_thirds() {
        assert_eq!(
            decay("step", 90),
            Decay::Step {
                every: 30,
                gamma: 0.1
            }
        );
        assert_eq!(decay("cosine", 9), Decay::Cosine { min_lr: 0.0 });
    }
}
