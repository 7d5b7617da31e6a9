//! Batches prepared on a background thread: shuffling (seeded), gathering, augmentation and
//! normalisation happen there while the training thread runs the model; a bounded channel keeps
//! at most a couple of batches in flight.

use super::augment::{ApplyAugment, Augment};
use super::image_set::ImageSet;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;
use tch::{Device, TchError, Tensor};

/// One batch: normalised images `[B, C, H, W]` and labels `[B]`.
#[derive(Debug)]
pub struct Batch {
    /// The images.
    pub images: Tensor,
    /// The labels.
    pub labels: Tensor,
}

/// How to go through a dataset once.
#[derive(Debug, Clone, Copy)]
pub struct EpochPlan {
    /// Examples per batch.
    pub batch: i64,
    /// Shuffle with this seed (`None`: keep the order).
    pub shuffle: Option<u64>,
    /// Augmentation, seeded from the shuffle seed.
    pub augment: Augment,
    /// Skip a last, smaller batch.
    pub drop_last: bool,
    /// Pin batches in page-locked memory (for fast copies to a CUDA device).
    pub pin_memory: bool,
}

/// An iterator over the batches of one pass, produced by a background thread.
#[derive(Debug)]
pub struct Loader {
    rx: Option<Receiver<Result<Batch, TchError>>>,
    worker: Option<JoinHandle<()>>,
}

impl Loader {
    /// Starts the background thread over `set`.
    pub fn spawn(set: &ImageSet, plan: EpochPlan) -> Loader {
        let set = ImageSet {
            pixels: set.pixels.shallow_clone(),
            labels: set.labels.shallow_clone(),
            classes: set.classes,
            mean: set.mean.clone(),
            std: set.std.clone(),
        };
        let (tx, rx) = sync_channel(2);
        let worker = std::thread::spawn(move || {
            let n = set.len();
            let mut order: Vec<i64> = (0..n).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(plan.shuffle.unwrap_or(0));
            if plan.shuffle.is_some() {
                order.shuffle(&mut rng);
            }
            let batch = plan.batch.max(1) as usize;
            for chunk in order.chunks(batch) {
                if plan.drop_last && chunk.len() < batch {
                    break;
                }
                let made = make_batch(&set, chunk, &plan, &mut rng);
                let failed = made.is_err();
                if tx.send(made).is_err() || failed {
                    break;
                }
            }
        });
        Loader {
            rx: Some(rx),
            worker: Some(worker),
        }
    }
}

fn make_batch(
    set: &ImageSet,
    chunk: &[i64],
    plan: &EpochPlan,
    rng: &mut ChaCha8Rng,
) -> Result<Batch, TchError> {
    let index = Tensor::from_slice(chunk);
    let raw = set
        .pixels
        .f_index_select(0, &index)?
        .f_to_kind(tch::Kind::Float)?
        / 255.0;
    let images = set.normalise(&plan.augment.apply(&raw, rng)?)?;
    let labels = set.labels.f_index_select(0, &index)?;
    if plan.pin_memory {
        Ok(Batch {
            images: images.f_pin_memory(Device::Cuda(0))?,
            labels: labels.f_pin_memory(Device::Cuda(0))?,
        })
    } else {
        Ok(Batch { images, labels })
    }
}

impl Iterator for Loader {
    type Item = Result<Batch, TchError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.as_ref()?.recv().ok()
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Closing the channel first stops a worker blocked on a full channel.
        self.rx.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn set(n: i64) -> ImageSet {
        ImageSet {
            pixels: Tensor::arange(n, (Kind::Uint8, Device::Cpu)).view([n, 1, 1, 1]),
            labels: Tensor::arange(n, (Kind::Int64, Device::Cpu)),
            classes: n,
            mean: vec![0.0],
            std: vec![1.0],
        }
    }

    fn plan(batch: i64, shuffle: Option<u64>, drop_last: bool) -> EpochPlan {
        EpochPlan {
            batch,
            shuffle,
            augment: Augment::default(),
            drop_last,
            pin_memory: false,
        }
    }

    fn labels(loader: Loader) -> Vec<Vec<i64>> {
        loader
            .map(|b| Vec::<i64>::try_from(&b.unwrap().labels).unwrap())
            .collect()
    }

    #[test]
    fn covers_the_set_in_order_or_in_a_seeded_shuffle() {
        let s = set(7);
        assert_eq!(
            labels(Loader::spawn(&s, plan(3, None, false))),
            [vec![0, 1, 2], vec![3, 4, 5], vec![6]]
        );
        assert_eq!(labels(Loader::spawn(&s, plan(3, None, true))).len(), 2);
        let a = labels(Loader::spawn(&s, plan(4, Some(5), false)));
        let b = labels(Loader::spawn(&s, plan(4, Some(5), false)));
        assert_eq!(a, b);
        let mut all: Vec<i64> = a.concat();
        assert_ne!(all, (0..7).collect::<Vec<_>>());
        all.sort();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_a_loader_early_stops_its_thread() {
        let s = set(100);
        let mut loader = Loader::spawn(&s, plan(1, None, false));
        assert!(loader.next().is_some());
        drop(loader);
    }
}
