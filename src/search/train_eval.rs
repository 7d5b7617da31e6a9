//! The `train` evaluator: compiles each architecture, trains it on the experiment's data
//! through the one training driver (`train::trainer`) and scores it on a validation split (the
//! reward) and on the test set (the report). Images train classifiers; a corpus (Penn
//! Treebank) trains a sequence space's networks as language models, scored by perplexity or
//! loss. A failed trial (a network that cannot be built, a NaN loss, out of memory, a libtorch
//! error, even a panic) is an `Err` with its reason; the search goes on.

use super::evaluator::Outcome;
use super::held::{Held, Paused};
use super::store::NetworkInfo;
use super::trial_guard::{
    decode, network_info, shared, trial_seed, ReportGate, ReportWhen, TrainingRun,
};
use crate::compile::catalog::{self, NetworkSize};
use crate::compile::sequence::SequenceNet;
use crate::space::{Architecture, Space};
use crate::train::choices::SearchedSettings;
use crate::train::device::Runtime;
use crate::train::generator;
use crate::train::image_task::ImageTask;
use crate::train::lm::{LmTask, TokenSplits, DEFAULT_CLIP};
use crate::train::metrics::perplexity;
use crate::train::settings::TrainSettings;
use crate::train::trainer::{Measure, Split, Task, Trainer, TrialFailure};
use crate::train::ImageSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tch::{nn, Device};

pub use nas_lang::experiment::metric::TrainMetric;

/// What the engine reads a [`TrainMetric`] from.
pub trait MetricSource {
    /// The split the metric is measured on.
    fn split(self) -> Split;
    /// The metric's value in `measure`: accuracies in percent, perplexity the exponential of
    /// the loss.
    fn of(self, measure: Measure) -> Result<f64, TrialFailure>;
}

impl MetricSource for TrainMetric {
    fn split(self) -> Split {
        match self {
            TrainMetric::ValidAcc | TrainMetric::ValidLoss | TrainMetric::ValidPpl => Split::Valid,
            TrainMetric::TestAcc | TrainMetric::TestLoss | TrainMetric::TestPpl => Split::Test,
            TrainMetric::TrainAcc | TrainMetric::TrainLoss | TrainMetric::TrainPpl => Split::Train,
        }
    }

    fn of(self, measure: Measure) -> Result<f64, TrialFailure> {
        Ok(match self {
            TrainMetric::ValidAcc | TrainMetric::TestAcc | TrainMetric::TrainAcc => {
                100.0
                    * measure.acc.ok_or_else(|| {
                        TrialFailure::Torch(format!("a language model has no `{}`", self.name()))
                    })?
            }
            TrainMetric::ValidPpl | TrainMetric::TestPpl | TrainMetric::TrainPpl => {
                perplexity(measure.loss)
            }
            _ => measure.loss,
        })
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

/// What the networks train on: images, or a token stream for language models.
pub enum TrainData {
    /// Images: an image space's networks, classifiers.
    Images(Mutex<Splits>),
    /// A corpus: a sequence space's networks, language models trained in windows of `bptt`
    /// tokens (the space's sequence length).
    Text {
        /// The corpus's splits.
        splits: Mutex<TokenSplits>,
        /// Tokens in a window of truncated back-propagation through time.
        bptt: i64,
    },
}

/// The `train` evaluator.
pub struct TrainEvaluator {
    space: Arc<Space>,
    data: TrainData,
    settings: TrainSettings,
    /// The settings with alternatives, which each trial chooses among (its `train.*`
    /// decisions); empty when none has them.
    searched: SearchedSettings,
    runtime: Runtime,
    reward: TrainMetric,
    report: Option<TrainMetric>,
    report_gate: ReportGate,
    seed: u64,
    /// Whether each trial hands back its trained weights.
    keep_weights: bool,
    /// The latest lower-fidelity trainings of image classifiers, to be continued.
    held: Held,
}

impl TrainEvaluator {
    /// An evaluator of architectures (found in `space`, lowered at the size they are trained
    /// at, by their canonical text) trained under `settings` on `data`, on `runtime`'s device,
    /// scored by `reward` and reporting `report` for the trials `report_when` says. Each
    /// trial's seed is `seed` mixed with its architecture's string.
    pub fn new(
        space: Arc<Space>,
        data: TrainData,
        settings: TrainSettings,
        runtime: Runtime,
        (reward, report, report_when): (TrainMetric, Option<TrainMetric>, ReportWhen),
        seed: u64,
    ) -> TrainEvaluator {
        TrainEvaluator {
            space,
            data,
            settings,
            searched: SearchedSettings::default(),
            runtime,
            reward,
            report,
            report_gate: ReportGate::new(report_when),
            seed,
            keep_weights: false,
            held: Held::default(),
        }
    }

    /// The same evaluator, handing back each trial's trained weights when `keep` is set.
    pub fn keeping_weights(self, keep: bool) -> Self {
        TrainEvaluator {
            keep_weights: keep,
            ..self
        }
    }

    /// The same evaluator, training each trial under the alternatives of `searched` that its
    /// architecture chose (the space holds their decisions).
    pub fn searching(self, searched: SearchedSettings) -> Self {
        TrainEvaluator { searched, ..self }
    }

    /// The settings `arch` trains under: the evaluator's, with the alternatives it chose.
    fn settings_of(&self, arch: &Architecture) -> Result<TrainSettings, TrialFailure> {
        if self.searched.is_empty() {
            return Ok(self.settings);
        }
        let chosen = self
            .searched
            .for_arch(&self.space, arch)
            .map_err(TrialFailure::Settings)?;
        // The machine and the network's size are the run's, whatever a trial chose.
        Ok(TrainSettings {
            size: self.settings.size,
            threads: self.settings.threads,
            cpu: self.settings.cpu,
            amp: self.settings.amp,
            ..chosen
        })
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

    /// Scores a network trained for the run with seed `run_seed`: the reward, and the report
    /// when the gate wants it.
    fn score<T: Task>(
        &self,
        trainer: &Trainer<T>,
        vs: &nn::VarStore,
        (run_seed, fidelity, started): (u64, Option<f64>, Instant),
    ) -> Result<Outcome, TrialFailure> {
        let measure = |metric: TrainMetric| metric.of(trainer.measure(metric.split())?);
        let reward = measure(self.reward)?;
        self.report_gate.outcome(
            (reward, trainer.steps()),
            (self.report, run_seed, fidelity),
            measure,
            (self.keep_weights.then_some(vs), started),
        )
    }

    /// Trains the image classifier `key` at `fidelity` epochs after the stages `from`: from
    /// the held training furthest along them, the stages not held trained again first; a
    /// lower-fidelity trial's training is held afterwards for a later trial to go on from.
    fn run_images(
        &self,
        (key, arch, settings): (&str, &Architecture, &TrainSettings),
        (run_seed, fidelity, from): (u64, Option<f64>, &[Option<f64>]),
        (splits, runtime, seed): (&Mutex<Splits>, Runtime, u64),
        started: Instant,
    ) -> Result<Outcome, TrialFailure> {
        let epochs = |f: Option<f64>| f.unwrap_or(settings.epochs as f64);
        let stages: Vec<f64> = from.iter().map(|&f| epochs(f)).collect();
        if stages.last().is_some_and(|&last| epochs(fidelity) <= last) {
            return Err(TrialFailure::Settings(format!(
                "a trial continued from {} epochs must train to more than that, not {}",
                stages[stages.len() - 1],
                epochs(fidelity)
            )));
        }
        let data = shared(splits, Splits::share)?;
        let sets = (&data.train, Some(&data.valid), Some(&data.test));
        let (vs, net, mut progress, done) = match self.held.take(key, &stages) {
            Some(p) => {
                let done = p.stages.len();
                (p.vs, p.net, Some(p.progress), done)
            }
            None => {
                let vs = nn::VarStore::new(runtime.device);
                let size = NetworkSize {
                    in_channels: Some(data.train.image_shape()[0]),
                    ..NetworkSize::default()
                };
                let net = generator::seeded(seed as i64, || {
                    catalog::build_arch(&vs.root(), &self.space, arch, size)
                })?;
                (vs, net, None, 0)
            }
        };
        for &stage in &stages[done..] {
            let task = ImageTask::new(net.as_ref(), sets, settings, runtime);
            let run = (runtime, seed);
            let mut trainer =
                Trainer::resume(task, &vs, settings, run, Some(stage), progress.take())?;
            trainer.fit(false, |_| {})?;
            progress = Some(trainer.pause());
        }
        let task = ImageTask::new(net.as_ref(), sets, settings, runtime);
        let mut trainer =
            Trainer::resume(task, &vs, settings, (runtime, seed), fidelity, progress)?;
        trainer.fit(false, |_| {})?;
        let outcome = self.score(&trainer, &vs, (run_seed, fidelity, started))?;
        if fidelity.is_some() {
            let progress = trainer.pause();
            let mut stages = stages;
            stages.push(epochs(fidelity));
            let key = key.to_string();
            self.held.hold(Paused {
                key,
                stages,
                vs,
                net,
                progress,
            });
        }
        Ok(outcome)
    }
}

/// How architectures are trained under `settings`, as `arch.json` records it.
pub fn training_json(settings: &TrainSettings) -> serde_json::Value {
    serde_json::json!({
        "epochs": settings.epochs,
        "batch": settings.batch,
        "lr": settings.lr,
        "optimizer": format!("{:?}", settings.optim),
        "schedule": settings.schedule.name(),
        "warmup_epochs": settings.warmup_epochs,
        "clip_grad_norm": settings.clip_grad_norm,
        "label_smoothing": settings.label_smoothing,
        "crop_padding": settings.augment.crop_padding,
        "flip": settings.augment.flip,
        "max_steps": settings.max_steps,
    })
}

impl TrainingRun for TrainEvaluator {
    fn network(&self) -> NetworkInfo {
        let mut training = training_json(&self.settings);
        training["evaluator_seed"] = serde_json::json!(self.seed);
        if !self.searched.is_empty() {
            // What a trial's `train.*` decisions stand for, so that its settings can be read
            // back from its architecture (`nas export --best`, `nas report --summary`).
            training["searched"] = serde_json::to_value(&self.searched).unwrap_or_default();
        }
        let input = match &self.data {
            TrainData::Images(splits) => match splits.lock() {
                Ok(s) => ("image", s.train.image_shape().to_vec()),
                Err(_) => ("image", Vec::new()),
            },
            TrainData::Text { bptt, .. } => {
                training["bptt"] = serde_json::json!(bptt);
                training["clip_grad_norm"] =
                    serde_json::json!(self.settings.clip_grad_norm.unwrap_or(DEFAULT_CLIP));
                ("sequence", vec![*bptt, 1])
            }
        };
        network_info(&self.space, input, training)
    }

    fn run(
        &self,
        run_seed: u64,
        key: &str,
        fidelity: Option<f64>,
        from: &[Option<f64>],
    ) -> Result<Outcome, TrialFailure> {
        let started = Instant::now();
        let arch = decode(&self.space, key)?;
        let settings = self.settings_of(&arch)?;
        let seed = trial_seed(self.seed, run_seed, key);
        let runtime = self.worker_runtime();
        match &self.data {
            TrainData::Images(splits) => self.run_images(
                (key, &arch, &settings),
                (run_seed, fidelity, from),
                (splits, runtime, seed),
                started,
            ),
            TrainData::Text { splits, bptt } => {
                if !from.is_empty() {
                    return Err(TrialFailure::Settings(
                        "a language model's training cannot be continued".to_string(),
                    ));
                }
                let data = shared(splits, TokenSplits::share)?;
                let vs = nn::VarStore::new(runtime.device);
                let net = generator::seeded(seed as i64, || {
                    SequenceNet::new(&vs.root(), &self.space, &arch)
                })?;
                let task = LmTask::new(&net, &data, *bptt, &settings, runtime)?;
                let mut trainer = Trainer::new(task, &vs, &settings, (runtime, seed), fidelity)?;
                trainer.fit(false, |_| {})?;
                self.score(&trainer, &vs, (run_seed, fidelity, started))
            }
        }
    }

    fn continues(&self) -> bool {
        matches!(self.data, TrainData::Images(_))
    }
}

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
    fn metrics_read_their_split_and_scale() {
        let m = Measure {
            loss: 1f64.ln() + 2.0,
            acc: Some(0.5),
        };
        assert_eq!(TrainMetric::TestAcc.of(m).unwrap(), 50.0);
        assert_eq!(TrainMetric::ValidLoss.of(m).unwrap(), m.loss);
        assert!((TrainMetric::TrainPpl.of(m).unwrap() - 2f64.exp()).abs() < 1e-12);
        let text = Measure { acc: None, ..m };
        assert!(TrainMetric::ValidAcc.of(text).is_err());
        assert!(!TrainMetric::ValidAcc.measures_language_models());
        assert!(TrainMetric::ValidPpl.measures_language_models());
        assert_eq!(TrainMetric::TrainLoss.split(), Split::Train);
    }
}
