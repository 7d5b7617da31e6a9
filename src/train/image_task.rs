//! Training an image classifier, as a [`Task`] of the one driver: batches from a background
//! thread (shuffled and augmented with a seed derived from the run's seed and the epoch),
//! cross-entropy with label smoothing, accuracy; and [`evaluate`], a model's mean loss and
//! accuracy on a set.

use super::augment::Augment;
use super::device::Runtime;
use super::image_set::ImageSet;
use super::loader::{Batch, EpochPlan, Loader};
use super::metrics::{correct, cross_entropy, RunningMean};
use super::settings::TrainSettings;
use super::trainer::{Measure, Split, StepLoss, Task, TrialFailure};
use crate::compile::Layer;

/// Examples per batch when measuring.
const EVAL_BATCH: i64 = 500;

/// An image classifier and the sets it trains on and is measured on.
pub struct ImageTask<'a> {
    model: &'a dyn Layer,
    train: &'a ImageSet,
    valid: Option<&'a ImageSet>,
    test: Option<&'a ImageSet>,
    runtime: Runtime,
    batch: i64,
    augment: Augment,
    label_smoothing: f64,
    loader: Option<Loader>,
}

impl<'a> ImageTask<'a> {
    /// `model` trained on `train` under `settings` on `runtime`, measured on `valid` and `test`
    /// when they are given.
    pub fn new(
        model: &'a dyn Layer,
        (train, valid, test): (&'a ImageSet, Option<&'a ImageSet>, Option<&'a ImageSet>),
        settings: &TrainSettings,
        runtime: Runtime,
    ) -> Self {
        ImageTask {
            model,
            train,
            valid,
            test,
            runtime,
            batch: settings.batch.max(1),
            augment: settings.augment,
            label_smoothing: settings.label_smoothing,
            loader: None,
        }
    }
}

impl Task for ImageTask<'_> {
    type Batch = Batch;

    fn steps_per_epoch(&self) -> usize {
        (self.train.len().max(0) as usize).div_ceil(self.batch as usize)
    }

    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        let plan = EpochPlan {
            batch: self.batch,
            shuffle: Some(seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64)),
            augment: self.augment,
            drop_last: false,
            pin_memory: self.runtime.is_cuda(),
        };
        self.loader = Some(Loader::spawn(self.train, plan));
    }

    fn next_batch(&mut self) -> Option<Result<Batch, TrialFailure>> {
        Some(self.loader.as_mut()?.next()?.map_err(TrialFailure::from))
    }

    fn loss(&mut self, batch: &Batch) -> Result<StepLoss, TrialFailure> {
        let xs = self.runtime.input(&batch.images)?;
        let ys = self.runtime.input(&batch.labels)?;
        let logits = self.runtime.forward(|| self.model.forward(&xs, true))?;
        Ok(StepLoss {
            penalty: None,
            loss: cross_entropy(&logits, &ys, self.label_smoothing)?,
            weight: ys.size()[0] as f64,
            correct: Some(correct(&logits, &ys)?),
        })
    }

    fn measure(&self, split: Split) -> Result<Option<Measure>, TrialFailure> {
        let set = match split {
            Split::Train => Some(self.train),
            Split::Valid => self.valid,
            Split::Test => self.test,
        }
        .ok_or(TrialFailure::NoSplit(split.name()))?;
        let (loss, acc) = evaluate(self.model, set, EVAL_BATCH, self.runtime)?;
        Ok(Some(Measure {
            loss,
            acc: Some(acc),
        }))
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
