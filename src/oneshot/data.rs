//! The data of a one-shot search: the experiment's training images split into the part the
//! weights train on and the part α trains on, each read as an endless stream of seeded,
//! reshuffled batches, or a language model's windows of the corpus's training and validation
//! tokens in rows of consecutive text, read in the same order every pass.

use super::checkpoint::RngState;
use super::darts::Batch;
use super::OneShotError;
use crate::train::ImageSet;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, TchError, Tensor};

/// Where a [`BatchStream`] is, saved with a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamPosition {
    /// The current pass's order of the examples.
    pub order: Vec<i64>,
    /// How many of them were handed out.
    pub cursor: usize,
    /// The generator that shuffles the next passes.
    pub rng: RngState,
}

/// What a stream's examples are.
#[derive(Debug)]
enum Examples {
    /// Images and their labels.
    Images(ImageSet),
    /// A language model's windows `[N, T + 1]` of token ids: each window's first `T` tokens
    /// are read, its last `T` predicted.
    Windows(Tensor),
}

impl Examples {
    fn len(&self) -> i64 {
        match self {
            Examples::Images(set) => set.len(),
            Examples::Windows(w) => w.size()[0],
        }
    }
}

/// Batches of a set in a seeded order, reshuffled after every pass; a last batch smaller than
/// the others is skipped.
#[derive(Debug)]
pub struct BatchStream {
    set: Examples,
    batch: usize,
    order: Vec<i64>,
    cursor: usize,
    rng: ChaCha8Rng,
    device: Device,
    kind: Kind,
    /// Whether the order stays as it is from pass to pass (a language model's rows of text).
    ordered: bool,
}

impl BatchStream {
    /// A stream over `set` of batches of `batch` examples (at most the set's size).
    pub fn new(
        set: ImageSet,
        batch: i64,
        seed: u64,
        device: Device,
        kind: Kind,
    ) -> Result<BatchStream, OneShotError> {
        BatchStream::of(Examples::Images(set), batch, seed, device, kind)
    }

    /// A language model's stream over the windows of `steps` tokens that `tokens` (a flat
    /// `[N]` tensor of ids) holds, each with the token after it as its last target
    /// (consecutive windows share that token), laid out as batchify does: the windows cut
    /// into `batch` rows of consecutive text (at most their number; the windows beyond equal
    /// rows are left out), batch t holding each row's t-th window. Each batch so continues
    /// the text of the one before it, and a search carries the hidden states from one to the
    /// next; the order is the same in every pass.
    pub fn streams(
        tokens: &Tensor,
        steps: i64,
        batch: i64,
        device: Device,
    ) -> Result<BatchStream, OneShotError> {
        let n = tokens.size().first().copied().unwrap_or(0);
        if steps < 1 || n < steps + 1 {
            return Err(OneShotError::Config(format!(
                "windows of {steps} tokens need at least {} tokens, got {n}",
                steps.max(1) + 1
            )));
        }
        let windows = tokens.f_unfold(0, steps + 1, steps)?;
        let rows = batch.clamp(1, windows.size()[0]);
        let per_row = windows.size()[0] / rows;
        let windows = windows.f_narrow(0, 0, rows * per_row)?;
        let mut stream = BatchStream::of(Examples::Windows(windows), rows, 0, device, Kind::Int64)?;
        stream.order = (0..per_row)
            .flat_map(|t| (0..rows).map(move |r| r * per_row + t))
            .collect();
        stream.ordered = true;
        Ok(stream)
    }

    fn of(
        set: Examples,
        batch: i64,
        seed: u64,
        device: Device,
        kind: Kind,
    ) -> Result<BatchStream, OneShotError> {
        if set.len() == 0 || batch < 1 {
            return Err(OneShotError::Config(format!(
                "a stream needs examples and a positive batch size ({} examples, batch {batch})",
                set.len()
            )));
        }
        let batch = batch.min(set.len()) as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut order: Vec<i64> = (0..set.len()).collect();
        order.shuffle(&mut rng);
        Ok(BatchStream {
            set,
            batch,
            order,
            cursor: 0,
            rng,
            device,
            kind,
            ordered: false,
        })
    }

    /// Full batches per pass over the set.
    pub fn batches_per_pass(&self) -> usize {
        self.order.len() / self.batch
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the set is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The batch [`BatchStream::next`] will return, without consuming it.
    pub fn peek(&mut self) -> Result<Batch, TchError> {
        if self.cursor + self.batch > self.order.len() {
            if !self.ordered {
                self.order.shuffle(&mut self.rng);
            }
            self.cursor = 0;
        }
        let indices = &self.order[self.cursor..self.cursor + self.batch];
        self.gather(indices)
    }

    /// Whether the next batch is the first of a pass (a language model's rows of text then
    /// start again, from zero states).
    pub fn starts_pass(&self) -> bool {
        self.cursor == 0 || self.cursor + self.batch > self.order.len()
    }

    /// The next batch.
    pub fn next_batch(&mut self) -> Result<Batch, TchError> {
        let batch = self.peek()?;
        self.cursor += self.batch;
        Ok(batch)
    }

    /// The first `max` batches of the set in its stored order (all when `max` is `None`),
    /// the last one possibly smaller; for evaluation. A language model's rows of text are
    /// read in their order, batch after batch.
    pub fn in_order(
        &self,
        max: Option<usize>,
    ) -> impl Iterator<Item = Result<Batch, TchError>> + '_ {
        let stored: Vec<i64> = if self.ordered {
            self.order.clone()
        } else {
            (0..self.set.len()).collect()
        };
        let batch = self.batch;
        (0..stored.len())
            .step_by(batch)
            .take(max.unwrap_or(usize::MAX))
            .map(move |start| self.gather(&stored[start..(start + batch).min(stored.len())]))
    }

    /// Where the stream is: the current pass's order, how far into it, and the generator
    /// that shuffles the next passes.
    pub fn position(&self) -> StreamPosition {
        StreamPosition {
            order: self.order.clone(),
            cursor: self.cursor,
            rng: RngState::of(&self.rng),
        }
    }

    /// Continues from `position` (a [`BatchStream::position`] of a stream over the same set
    /// with the same batch size).
    pub fn set_position(&mut self, position: &StreamPosition) -> Result<(), OneShotError> {
        let mut sorted = position.order.clone();
        sorted.sort_unstable();
        let same_set = sorted.iter().copied().eq(0..self.set.len());
        if !same_set || position.cursor > self.order.len() {
            return Err(OneShotError::Config(format!(
                "the saved stream position is of another data set ({} examples, cursor {}; this set has {})",
                position.order.len(),
                position.cursor,
                self.order.len()
            )));
        }
        self.order = position.order.clone();
        self.cursor = position.cursor;
        self.rng = position.rng.rng()?;
        Ok(())
    }

    fn gather(&self, indices: &[i64]) -> Result<Batch, TchError> {
        let indices = Tensor::from_slice(indices);
        match &self.set {
            Examples::Images(set) => {
                let (images, labels) = set.batch(&indices)?;
                Ok(Batch {
                    inputs: images.f_to_kind(self.kind)?.f_to_device(self.device)?,
                    targets: labels.f_to_device(self.device)?,
                    carry: None,
                })
            }
            Examples::Windows(windows) => {
                let rows = windows.f_index_select(0, &indices)?;
                let steps = rows.size()[1] - 1;
                Ok(Batch {
                    inputs: rows.f_narrow(1, 0, steps)?.f_to_device(self.device)?,
                    targets: rows.f_narrow(1, 1, steps)?.f_to_device(self.device)?,
                    carry: None,
                })
            }
        }
    }

    /// Whether its examples are a language model's windows.
    pub fn is_text(&self) -> bool {
        matches!(self.set, Examples::Windows(_))
    }
}

/// The first `limit` examples of `images` (the experiment's training data), split by a
/// seeded shuffle into `(train, valid)` with `train_fraction` of them for training: the
/// weights train on the first part and α on the second.
pub fn search_split(
    images: &ImageSet,
    limit: i64,
    train_fraction: f64,
    seed: u64,
) -> Result<(ImageSet, ImageSet), OneShotError> {
    if !(train_fraction > 0.0 && train_fraction < 1.0) {
        return Err(OneShotError::Config(format!(
            "train_fraction must be between 0 and 1 (exclusive), got {train_fraction}"
        )));
    }
    let used = images.take(limit);
    if used.len() < 2 {
        return Err(OneShotError::Config(format!(
            "a search needs at least 2 images, got {} (`limit` {limit}, {} in the data)",
            used.len(),
            images.len()
        )));
    }
    Ok(used.split(1.0 - train_fraction, seed)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(n: i64) -> ImageSet {
        ImageSet {
            pixels: Tensor::arange(n * 4, (Kind::Uint8, Device::Cpu)).view([n, 1, 2, 2]),
            labels: Tensor::arange(n, (Kind::Int64, Device::Cpu)),
            classes: n,
            mean: vec![0.0],
            std: vec![1.0],
        }
    }

    fn labels(b: &Batch) -> Vec<i64> {
        Vec::<i64>::try_from(&b.targets).unwrap()
    }

    #[test]
    fn a_stream_covers_every_example_once_per_pass_and_peek_matches_next() {
        let mut s = BatchStream::new(set(7), 3, 1, Device::Cpu, Kind::Double).unwrap();
        assert_eq!(s.batches_per_pass(), 2);
        let peeked = s.peek().unwrap();
        let first = s.next_batch().unwrap();
        assert_eq!(labels(&peeked), labels(&first));
        assert_eq!(first.inputs.kind(), Kind::Double);
        let second = s.next_batch().unwrap();
        let mut seen = [labels(&first), labels(&second)].concat();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 6);
        // The third batch starts a reshuffled pass.
        assert_eq!(s.next_batch().unwrap().targets.size(), [3]);
        let sizes: Vec<i64> = s
            .in_order(None)
            .map(|b| b.unwrap().targets.size()[0])
            .collect();
        assert_eq!(sizes, [3, 3, 1]);
        assert_eq!(s.in_order(Some(1)).count(), 1);
        assert!(BatchStream::new(set(0), 3, 1, Device::Cpu, Kind::Float).is_err());
    }

    #[test]
    fn a_stream_set_to_a_saved_position_continues_with_the_same_batches() {
        let mut s = BatchStream::new(set(7), 3, 4, Device::Cpu, Kind::Float).unwrap();
        s.next_batch().unwrap();
        let saved = s.position();
        let ahead: Vec<Vec<i64>> = (0..5).map(|_| labels(&s.next_batch().unwrap())).collect();
        let mut other = BatchStream::new(set(7), 3, 99, Device::Cpu, Kind::Float).unwrap();
        other.set_position(&saved).unwrap();
        let again: Vec<Vec<i64>> = (0..5)
            .map(|_| labels(&other.next_batch().unwrap()))
            .collect();
        assert_eq!(ahead, again);
        let mut small = BatchStream::new(set(5), 3, 4, Device::Cpu, Kind::Float).unwrap();
        let err = small.set_position(&saved).unwrap_err();
        assert!(err.to_string().contains("another data set"), "{err}");
    }

    #[test]
    fn a_split_takes_the_first_images_and_bad_settings_are_errors() {
        let (train, valid) = search_split(&set(10), 8, 0.75, 0).unwrap();
        assert_eq!((train.len(), valid.len()), (6, 2));
        let mut seen = [labels_of(&train), labels_of(&valid)].concat();
        seen.sort();
        assert_eq!(seen, (0..8).collect::<Vec<i64>>());
        assert!(search_split(&set(10), 8, 1.0, 0).is_err());
        let err = search_split(&set(10), 1, 0.5, 0).unwrap_err();
        assert!(err.to_string().contains("at least 2 images"), "{err}");
    }

    #[test]
    fn streams_lay_windows_out_in_rows_of_consecutive_text() {
        let tokens = Tensor::arange(23, (Kind::Int64, Device::Cpu));
        let mut s = BatchStream::streams(&tokens, 5, 2, Device::Cpu).unwrap();
        assert!(s.is_text());
        // Windows start every 5 tokens at 0, 5, 10, 15; rows: tokens 0..10 and 10..20.
        assert_eq!((s.len(), s.batches_per_pass()), (4, 2));
        let rows = |t: &Tensor| -> Vec<Vec<i64>> {
            let flat = Vec::<i64>::try_from(t.reshape([-1])).unwrap();
            flat.chunks(5).map(<[i64]>::to_vec).collect()
        };
        let range = |a: i64| (a..a + 5).collect::<Vec<i64>>();
        assert!(s.starts_pass());
        let first = s.next_batch().unwrap();
        assert!(!s.starts_pass());
        let second = s.next_batch().unwrap();
        assert_eq!(rows(&first.inputs), [range(0), range(10)]);
        assert_eq!(rows(&first.targets), [range(1), range(11)]);
        assert_eq!(
            rows(&second.inputs),
            [range(5), range(15)],
            "each row goes on"
        );
        assert!(s.starts_pass());
        let again = s.next_batch().unwrap();
        assert_eq!(
            rows(&again.inputs),
            rows(&first.inputs),
            "the same order every pass"
        );
        let all: Vec<Vec<Vec<i64>>> = s.in_order(None).map(|b| rows(&b.unwrap().inputs)).collect();
        assert_eq!(all, [rows(&first.inputs), rows(&second.inputs)]);
        let err = BatchStream::streams(&tokens, 30, 2, Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("at least 31 tokens"), "{err}");
    }

    fn labels_of(s: &ImageSet) -> Vec<i64> {
        Vec::<i64>::try_from(&s.labels).unwrap()
    }
}
