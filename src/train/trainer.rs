//! The one training driver, for image classifiers and language models alike: the run's length
//! (epochs, a step budget, a fractional fidelity), the optimiser and its learning-rate
//! schedule, each step (loss, backward pass, float16 loss scaling, gradient clipping, a
//! non-finite loss caught), the epoch loop with its metrics, and measuring the trained model.
//! What differs between tasks (batches, the loss, what is measured) is behind [`Task`]; the
//! image classifier is [`super::image_task`], the language model [`super::lm`]. Failures (a
//! non-finite loss, an out-of-memory, an op libtorch refuses, even a libtorch panic) are
//! returned as values that end the trial with their reason.

use super::amp::{LossScaler, Precision};
use super::checkpoint;
use super::device::Runtime;
use super::metrics::RunningMean;
use super::optim::BuildOptim;
use super::schedule::Schedule;
use super::settings::TrainSettings;
use crate::compile::CompileError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;
use tch::nn::{self, VarStore};
use tch::{TchError, Tensor};

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
    /// A split to measure on was not given.
    #[error("there is no {0} split to measure on")]
    NoSplit(&'static str),
    /// The training settings a trial chose do not go together.
    #[error("{0}")]
    Settings(String),
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

/// One training step's loss, as a task computes it.
#[derive(Debug)]
pub struct StepLoss {
    /// The mean loss of the batch, with its graph.
    pub loss: Tensor,
    /// Its weight in the epoch's mean (examples, or tokens).
    pub weight: f64,
    /// Examples classified correctly (classifiers only).
    pub correct: Option<i64>,
    /// Penalties added to the loss for the gradient but not reported in the epoch's loss
    /// (AWD-LSTM's AR and TAR).
    pub penalty: Option<Tensor>,
}

/// What one step gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stepped {
    /// The batch's mean loss.
    pub loss: f64,
    /// Its weight in the epoch's mean (examples, or tokens).
    pub weight: f64,
    /// Examples classified correctly (classifiers only).
    pub correct: Option<i64>,
}

/// A part of the data a model is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// What the weights are trained on.
    Train,
    /// Held out of the training set (or the corpus's own validation split).
    Valid,
    /// The dataset's test set.
    Test,
}

impl Split {
    /// Its name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "training",
            Split::Valid => "validation",
            Split::Test => "test",
        }
    }
}

/// A model measured on a split: the mean cross-entropy (per example, or per token), and the
/// accuracy (0..1) of a classifier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Accuracy, for classifiers.
    pub acc: Option<f64>,
}

/// What the driver needs of a kind of training.
pub trait Task {
    /// One training batch.
    type Batch;
    /// Steps in one pass over the training data.
    fn steps_per_epoch(&self) -> usize;
    /// Starts pass `epoch` (1-based) over the training data of a run seeded with `seed`.
    fn start_epoch(&mut self, epoch: usize, seed: u64);
    /// The pass's next batch; `None` at its end.
    fn next_batch(&mut self) -> Option<Result<Self::Batch, TrialFailure>>;
    /// The loss of `batch` in training mode.
    fn loss(&mut self, batch: &Self::Batch) -> Result<StepLoss, TrialFailure>;
    /// The model measured on `split` in evaluation mode, without gradients; `None` when the
    /// split is measured by the training pass itself (a language model's training perplexity
    /// is its last epoch's).
    fn measure(&self, split: Split) -> Result<Option<Measure>, TrialFailure>;
    /// Whether the learning rate is set once per pass (language models, as in the ENAS and
    /// DARTS recurrent code) rather than at every step.
    fn rate_per_epoch(&self) -> bool {
        false
    }
    /// The gradient-norm clip when the settings give none.
    fn default_clip(&self) -> Option<f64> {
        None
    }
    /// The factor of the learning rate for `batch` (AWD-LSTM scales it by a window's length
    /// over the nominal one); 1 unless a task says otherwise.
    fn lr_scale(&self, _batch: &Self::Batch) -> f64 {
        1.0
    }
    /// Called after the backward pass of [`Task::loss`]'s loss, before clipping and the
    /// optimiser's step (weight drop puts its weights back and masks their gradients here).
    fn after_backward(&mut self) -> Result<(), TchError> {
        Ok(())
    }
}

/// What one epoch gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochLog {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training accuracy (0..1) over the epoch's batches, in training mode (classifiers).
    pub train_acc: Option<f64>,
    /// The validation split measured after the epoch, when asked for.
    pub valid: Option<Measure>,
    /// Steps taken in the epoch.
    pub steps: usize,
    /// Seconds spent training in the epoch (evaluation excluded).
    pub seconds: f64,
}

/// The length of a run: its epochs (the last perhaps cut short) and its steps in all, from the
/// settings' epochs (or a fractional `fidelity` in epochs) and step budget, for data of
/// `per_epoch` steps a pass.
pub fn run_length(
    settings: &TrainSettings,
    per_epoch: usize,
    fidelity: Option<f64>,
) -> (usize, usize) {
    let epochs = fidelity.unwrap_or(settings.epochs as f64).max(0.0);
    let mut total = ((epochs * per_epoch as f64).round() as usize).max(1);
    if let Some(max) = settings.max_steps {
        total = total.min(max);
    }
    (epochs.ceil().max(1.0) as usize, total)
}

/// Where a training stopped, to go on from: the optimiser with its state (momentum, Adam's
/// moments), the steps taken and the float16 loss scale. Together with the variables it
/// trained (and the network over them) it continues a run exactly where it stopped
/// ([`Trainer::resume`]).
pub struct Progress {
    opt: nn::Optimizer,
    step: usize,
    scaler: Option<LossScaler>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Progress(step {})", self.step)
    }
}

/// The training of one network on one task: its variables, optimiser and schedule.
pub struct Trainer<'a, T: Task> {
    task: T,
    vs: &'a VarStore,
    opt: nn::Optimizer,
    schedule: Schedule,
    epochs: usize,
    clip: Option<f64>,
    seed: u64,
    /// The loss scaling of float16 autocast (none otherwise).
    scaler: Option<LossScaler>,
    step: usize,
    /// The learning rate the schedule gives now (set per step, or per epoch).
    rate: f64,
    /// The last epoch's mean training loss.
    last_train_loss: Option<f64>,
    /// Told the steps taken and the run's total after each step (a progress bar).
    on_step: Option<Box<dyn FnMut(usize, usize) + 'a>>,
}

impl<T: Task> std::fmt::Debug for Trainer<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("schedule", &self.schedule)
            .field("epochs", &self.epochs)
            .field("step", &self.step)
            .finish()
    }
}

impl<'a, T: Task> Trainer<'a, T> {
    /// Prepares training on `task` of the variables in `vs` under `settings` on `runtime`,
    /// seeded with `seed`, for the settings' epochs or `fidelity` epochs when given.
    pub fn new(
        task: T,
        vs: &'a VarStore,
        settings: &TrainSettings,
        (runtime, seed): (Runtime, u64),
        fidelity: Option<f64>,
    ) -> Result<Self, TrialFailure> {
        Self::resume(task, vs, settings, (runtime, seed), fidelity, None)
    }

    /// As [`Trainer::new`], but going on from `progress` (a run of the same network, settings
    /// and seed stopped by [`Trainer::pause`]) when given: the same variables and optimiser
    /// state, from the step it stopped at, through the same batches a run from scratch would
    /// draw next (each pass is shuffled by its number), to the length `fidelity` gives. The
    /// learning rate of the steps still to take is the schedule of this run's length; with a
    /// schedule that does not depend on the length (`constant`, warm-up included) the result
    /// is the run from scratch, step for step.
    pub fn resume(
        task: T,
        vs: &'a VarStore,
        settings: &TrainSettings,
        (runtime, seed): (Runtime, u64),
        fidelity: Option<f64>,
        progress: Option<Progress>,
    ) -> Result<Self, TrialFailure> {
        if progress.is_none() {
            runtime.prepare(vs)?;
        }
        let per_epoch = task.steps_per_epoch();
        let (epochs, total) = run_length(settings, per_epoch, fidelity);
        let schedule = Schedule {
            base_lr: settings.lr,
            warmup: (settings.warmup_epochs * per_epoch as f64).round() as usize,
            total,
            decay: settings.schedule.decay(total),
        };
        let (opt, step, scaler) = match progress {
            Some(p) => (p.opt, p.step, p.scaler),
            None => (
                settings.optim.build(vs, schedule.lr(0))?,
                0,
                (runtime.amp == Some(Precision::Fp16)).then(LossScaler::default),
            ),
        };
        Ok(Trainer {
            clip: settings.clip_grad_norm.or(task.default_clip()),
            task,
            vs,
            opt,
            schedule,
            epochs,
            seed,
            scaler,
            rate: schedule.lr(step),
            step,
            last_train_loss: None,
            on_step: None,
        })
    }

    /// Stops the run where it is, keeping what [`Trainer::resume`] needs to go on.
    pub fn pause(self) -> Progress {
        Progress {
            opt: self.opt,
            step: self.step,
            scaler: self.scaler,
        }
    }

    /// Calls `f` with the steps taken and the run's total steps after each step.
    pub fn with_step_observer(mut self, f: impl FnMut(usize, usize) + 'a) -> Self {
        self.on_step = Some(Box::new(f));
        self
    }

    /// The run's total steps (its epochs' steps, or its step budget).
    pub fn total_steps(&self) -> usize {
        self.schedule.total
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    /// Whether the run's steps are used up.
    pub fn done(&self) -> bool {
        self.step >= self.schedule.total
    }

    /// One optimisation step on `batch` at the schedule's rate for the current step; returns
    /// its loss. A libtorch panic inside the step (tch's optimiser and backward pass panic on
    /// errors) becomes a failure.
    pub fn step(&mut self, batch: &T::Batch) -> Result<Stepped, TrialFailure> {
        if !self.task.rate_per_epoch() {
            self.rate = self.schedule.lr(self.step);
        }
        self.opt.set_lr(self.rate * self.task.lr_scale(batch));
        let step = self.step;
        self.step += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<Stepped, TrialFailure> {
            let out = self.task.loss(batch)?;
            let value = out.loss.f_double_value(&[])?;
            if !value.is_finite() {
                return Err(TrialFailure::NonFiniteLoss { step, value });
            }
            let objective = match &out.penalty {
                Some(penalty) => out.loss.f_add(penalty)?,
                None => out.loss.shallow_clone(),
            };
            self.opt.zero_grad();
            let clean = match &mut self.scaler {
                None => {
                    objective.f_backward()?;
                    true
                }
                Some(scaler) => {
                    scaler.scaled(&objective)?.f_backward()?;
                    scaler.unscale(&self.vs.trainable_variables())?
                }
            };
            self.task.after_backward()?;
            // A float16 step whose gradients overflowed is skipped (its scale has halved).
            if clean {
                if let Some(max) = self.clip {
                    self.opt.clip_grad_norm(max);
                }
                self.opt.step();
            }
            Ok(Stepped {
                loss: value,
                weight: out.weight,
                correct: out.correct,
            })
        }));
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

    /// One pass over the training data (number `epoch`, 1-based); stops early when the run's
    /// steps are used up. In a resumed run, the batches of the pass already trained on are
    /// drawn and passed over.
    pub fn epoch(&mut self, epoch: usize) -> Result<EpochLog, TrialFailure> {
        let started = Instant::now();
        if self.task.rate_per_epoch() {
            self.rate = self.schedule.lr(self.step);
        }
        self.task.start_epoch(epoch, self.seed);
        let taken = self
            .step
            .saturating_sub((epoch - 1) * self.task.steps_per_epoch());
        for _ in 0..taken {
            if self.task.next_batch().transpose()?.is_none() {
                break;
            }
        }
        let (mut loss, mut hits, mut seen, mut steps) = (RunningMean::default(), None, 0.0, 0);
        while !self.done() {
            let Some(batch) = self.task.next_batch() else {
                break;
            };
            let out = self.step(&batch?)?;
            loss.add(out.loss, out.weight);
            if let Some(c) = out.correct {
                *hits.get_or_insert(0) += c;
            }
            seen += out.weight;
            steps += 1;
            if let Some(observe) = &mut self.on_step {
                observe(self.step, self.schedule.total);
            }
        }
        self.last_train_loss = Some(loss.mean());
        Ok(EpochLog {
            epoch,
            train_loss: loss.mean(),
            train_acc: hits.map(|h| h as f64 / seen.max(1.0)),
            valid: None,
            steps,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Trains for the run's epochs (or its step budget), measuring the validation split after
    /// each epoch when `validate` says so; `on_epoch` sees each epoch's log.
    pub fn fit(
        &mut self,
        validate: bool,
        mut on_epoch: impl FnMut(&EpochLog),
    ) -> Result<Vec<EpochLog>, TrialFailure> {
        let mut logs = Vec::new();
        let first = self.step / self.task.steps_per_epoch().max(1) + 1;
        for epoch in first..=self.epochs {
            if self.done() {
                break;
            }
            let mut log = self.epoch(epoch)?;
            if validate {
                log.valid = Some(self.measure(Split::Valid)?);
            }
            on_epoch(&log);
            logs.push(log);
        }
        Ok(logs)
    }

    /// The model measured on `split` (the training split, for a task that measures it by its
    /// training pass, as the last epoch's mean loss).
    pub fn measure(&self, split: Split) -> Result<Measure, TrialFailure> {
        match self.task.measure(split)? {
            Some(m) => Ok(m),
            None => Ok(Measure {
                loss: self.last_train_loss.unwrap_or(f64::NAN),
                acc: None,
            }),
        }
    }

    /// Writes the trained variables to the `.safetensors` file `path`.
    pub fn save(&self, path: &Path) -> Result<(), TchError> {
        checkpoint::save(self.vs, path)
    }
}
