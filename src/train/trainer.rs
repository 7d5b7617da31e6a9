//! The training loop for image classifiers: batches from a background thread, a per-step
//! learning-rate schedule, gradient clipping, label smoothing, evaluation, and failures (a
//! non-finite loss, an out-of-memory, an op libtorch refuses) returned as values that end the
//! trial with their reason.

use super::amp::{LossScaler, Precision};
use super::augment::Augment;
use super::device::Runtime;
use super::image_set::ImageSet;
use super::loader::{EpochPlan, Loader};
use super::metrics::{correct, cross_entropy, RunningMean};
use super::optim::Optim;
use super::schedule::{Decay, Schedule};
use crate::compile::{CompileError, Layer};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;
use tch::nn::{self, VarStore};
use tch::{TchError, Tensor};

/// How to train.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step.
    pub batch: i64,
    /// The learning rate after warm-up.
    pub lr: f64,
    /// The optimiser.
    pub optim: Optim,
    /// The decay after warm-up.
    pub decay: Decay,
    /// Warm-up length in epochs (fractions allowed).
    pub warmup_epochs: f64,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
    /// Label smoothing of the training loss (0: none).
    pub label_smoothing: f64,
    /// Augmentation of training batches.
    pub augment: Augment,
    /// Seed of initialisation, shuffling, augmentation and dropout.
    pub seed: u64,
    /// Stop after this many steps in all (for benchmarks and smoke tests).
    pub max_steps: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 1,
            batch: 64,
            lr: 0.1,
            optim: Optim::nb201_sgd(),
            decay: Decay::Cosine { min_lr: 0.0 },
            warmup_epochs: 0.0,
            clip_grad_norm: None,
            label_smoothing: 0.0,
            augment: Augment::default(),
            seed: 0,
            max_steps: None,
        }
    }
}

/// What one epoch gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochLog {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training accuracy (0..1) over the epoch's batches, in training mode.
    pub train_acc: f64,
    /// Validation loss and accuracy, when a validation set was given.
    pub valid: Option<(f64, f64)>,
    /// Steps taken in the epoch.
    pub steps: usize,
    /// Seconds spent training in the epoch (evaluation excluded).
    pub seconds: f64,
}

/// Why a trial ended without a result.
#[derive(Debug, thiserror::Error)]
pub enum TrialFailure {
    /// The network could not be built.
    #[error("the network cannot be built: {0}")]
    Build(#[from] CompileError),
    /// The loss became NaN or infinite.
    #[error("the loss became {value} at step {step}")]
    NonFiniteLoss {
        /// The step (0-based).
        step: usize,
        /// The loss.
        value: f64,
    },
    /// The device ran out of memory.
    #[error("out of memory: {0}")]
    OutOfMemory(String),
    /// libtorch refused an operation (typically a shape).
    #[error("libtorch: {0}")]
    Torch(String),
}

impl From<TchError> for TrialFailure {
    fn from(e: TchError) -> Self {
        let message = e.to_string();
        if message.to_lowercase().contains("out of memory") {
            TrialFailure::OutOfMemory(first_line(&message))
        } else {
            TrialFailure::Torch(first_line(&message))
        }
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}

/// The training of one network: its variables, optimiser and schedule.
pub struct Trainer<'a> {
    model: &'a dyn Layer,
    vs: &'a VarStore,
    opt: nn::Optimizer,
    config: TrainConfig,
    runtime: Runtime,
    schedule: Schedule,
    /// The loss scaling of float16 autocast (none otherwise).
    scaler: Option<LossScaler>,
    step: usize,
}

impl std::fmt::Debug for Trainer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("config", &self.config)
            .field("step", &self.step)
            .finish()
    }
}

impl<'a> Trainer<'a> {
    /// Prepares training of `model` (whose variables are in `vs`) on `train_size` examples.
    pub fn new(
        model: &'a dyn Layer,
        vs: &'a VarStore,
        config: TrainConfig,
        runtime: Runtime,
        train_size: i64,
    ) -> Result<Self, TrialFailure> {
        runtime.prepare(vs)?;
        let per_epoch = (train_size.max(0) as usize).div_ceil(config.batch.max(1) as usize);
        let mut total = per_epoch * config.epochs;
        if let Some(max) = config.max_steps {
            total = total.min(max);
        }
        let schedule = Schedule {
            base_lr: config.lr,
            warmup: (config.warmup_epochs * per_epoch as f64).round() as usize,
            total,
            decay: config.decay,
        };
        let opt = config.optim.build(vs, schedule.lr(0))?;
        Ok(Trainer {
            model,
            vs,
            opt,
            config,
            runtime,
            schedule,
            scaler: (runtime.amp == Some(Precision::Fp16)).then(LossScaler::default),
            step: 0,
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    /// Whether the step budget is used up.
    pub fn done(&self) -> bool {
        self.config.max_steps.is_some_and(|m| self.step >= m)
    }

    /// One optimisation step on a batch; returns its loss and correct count. A libtorch panic
    /// inside the step (tch's optimiser and backward pass panic on errors) becomes a failure.
    pub fn step(&mut self, images: &Tensor, labels: &Tensor) -> Result<(f64, i64), TrialFailure> {
        let xs = self.runtime.input(images)?;
        let ys = self.runtime.input(labels)?;
        self.opt.set_lr(self.schedule.lr(self.step));
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(f64, i64), TrialFailure> {
            let logits = self.runtime.forward(|| self.model.forward(&xs, true))?;
            let loss = cross_entropy(&logits, &ys, self.config.label_smoothing)?;
            let value = loss.f_double_value(&[])?;
            if !value.is_finite() {
                return Err(TrialFailure::NonFiniteLoss {
                    step: self.step,
                    value,
                });
            }
            self.opt.zero_grad();
            let clean = match &mut self.scaler {
                None => {
                    loss.f_backward()?;
                    true
                }
                Some(scaler) => {
                    scaler.scaled(&loss)?.f_backward()?;
                    scaler.unscale(&self.vs.trainable_variables())?
                }
            };
            // A float16 step whose gradients overflowed is skipped (its scale has halved).
            if clean {
                if let Some(max) = self.config.clip_grad_norm {
                    self.opt.clip_grad_norm(max);
                }
                self.opt.step();
            }
            Ok((value, correct(&logits, &ys)?))
        }));
        self.step += 1;
        match outcome {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a libtorch call failed".to_string());
                Err(TchError::Torch(message).into())
            }
        }
    }

    /// One pass over `data` (shuffled and augmented with a seed derived from the run's seed and
    /// `epoch`); stops early when the step budget runs out.
    pub fn epoch(&mut self, data: &ImageSet, epoch: usize) -> Result<EpochLog, TrialFailure> {
        let started = Instant::now();
        let plan = EpochPlan {
            batch: self.config.batch,
            shuffle: Some(
                self.config
                    .seed
                    .wrapping_mul(1_000_003)
                    .wrapping_add(epoch as u64),
            ),
            augment: self.config.augment,
            drop_last: false,
            pin_memory: self.runtime.is_cuda(),
        };
        let (mut loss, mut hits, mut seen, mut steps) = (RunningMean::default(), 0, 0, 0);
        for batch in Loader::spawn(data, plan) {
            if self.done() {
                break;
            }
            let batch = batch?;
            let n = batch.labels.size()[0];
            let (l, c) = self.step(&batch.images, &batch.labels)?;
            loss.add(l, n as f64);
            hits += c;
            seen += n;
            steps += 1;
        }
        Ok(EpochLog {
            epoch,
            train_loss: loss.mean(),
            train_acc: hits as f64 / seen.max(1) as f64,
            valid: None,
            steps,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Trains for the configured epochs (or step budget), evaluating on `valid` after each
    /// epoch when given; `on_epoch` sees each epoch's log.
    pub fn fit(
        &mut self,
        train: &ImageSet,
        valid: Option<&ImageSet>,
        mut on_epoch: impl FnMut(&EpochLog),
    ) -> Result<Vec<EpochLog>, TrialFailure> {
        let mut logs = Vec::new();
        for epoch in 1..=self.config.epochs {
            if self.done() {
                break;
            }
            let mut log = self.epoch(train, epoch)?;
            if let Some(valid) = valid {
                log.valid = Some(evaluate(self.model, valid, 500, self.runtime)?);
            }
            on_epoch(&log);
            logs.push(log);
        }
        Ok(logs)
    }

    /// The variable store being trained.
    pub fn vars(&self) -> &VarStore {
        self.vs
    }
}

/// Mean loss and accuracy of `model` on `data` in evaluation mode, without gradients.
pub fn evaluate(
    model: &dyn Layer,
    data: &ImageSet,
    batch: i64,
    runtime: Runtime,
) -> Result<(f64, f64), TrialFailure> {
    let _guard = tch::no_grad_guard();
    let plan = EpochPlan {
        batch,
        shuffle: None,
        augment: Augment::default(),
        drop_last: false,
        pin_memory: runtime.is_cuda(),
    };
    let (mut loss, mut hits) = (RunningMean::default(), 0);
    for batch in Loader::spawn(data, plan) {
        let batch = batch?;
        let xs = runtime.input(&batch.images)?;
        let ys = runtime.input(&batch.labels)?;
        let logits = runtime.forward(|| model.forward(&xs, false))?;
        let l = cross_entropy(&logits, &ys, 0.0)?.f_double_value(&[])?;
        loss.add(l, ys.size()[0] as f64);
        hits += correct(&logits, &ys)?;
    }
    Ok((loss.mean(), hits as f64 / data.len().max(1) as f64))
}
