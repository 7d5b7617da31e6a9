//! A labelled image dataset held as bytes, normalised per batch, with a seeded train/valid split.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, TchError, Tensor};

/// Images as `[N, C, H, W]` bytes, their labels, and the per-channel normalisation.
#[derive(Debug)]
pub struct ImageSet {
    /// `[N, C, H, W]` unsigned bytes.
    pub pixels: Tensor,
    /// `[N]` int64 class labels.
    pub labels: Tensor,
    /// The number of classes.
    pub classes: i64,
    /// Per-channel mean of the pixels scaled to 0..1.
    pub mean: Vec<f64>,
    /// Per-channel standard deviation of the pixels scaled to 0..1.
    pub std: Vec<f64>,
}

impl ImageSet {
    /// The number of examples.
    pub fn len(&self) -> i64 {
        self.labels.size()[0]
    }

    /// Whether the set holds no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `[C, H, W]` of one image.
    pub fn image_shape(&self) -> [i64; 3] {
        let s = self.pixels.size();
        [s[1], s[2], s[3]]
    }

    /// The examples at `indices` (an int64 tensor), as a new set sharing the normalisation.
    pub fn select(&self, indices: &Tensor) -> Result<ImageSet, TchError> {
        Ok(ImageSet {
            pixels: self.pixels.f_index_select(0, indices)?,
            labels: self.labels.f_index_select(0, indices)?,
            classes: self.classes,
            mean: self.mean.clone(),
            std: self.std.clone(),
        })
    }

    /// Another handle on the same examples (no copy), e.g. for another thread.
    pub fn share(&self) -> ImageSet {
        ImageSet {
            pixels: self.pixels.shallow_clone(),
            labels: self.labels.shallow_clone(),
            classes: self.classes,
            mean: self.mean.clone(),
            std: self.std.clone(),
        }
    }

    /// The first `n` examples (all when `n` exceeds the size).
    pub fn take(&self, n: i64) -> ImageSet {
        let n = n.clamp(0, self.len());
        ImageSet {
            pixels: self.pixels.narrow(0, 0, n),
            labels: self.labels.narrow(0, 0, n),
            classes: self.classes,
            mean: self.mean.clone(),
            std: self.std.clone(),
        }
    }

    /// The images resized to `side`×`side` pixels (bilinear), as a new set sharing the
    /// labels and the normalisation (resizing leaves the per-channel statistics nearly as
    /// they were).
    pub fn resized(&self, side: i64) -> Result<ImageSet, TchError> {
        let pixels = self
            .pixels
            .f_to_kind(Kind::Float)?
            .f_upsample_bilinear2d([side, side], false, None, None)?
            .f_round()?
            .f_clamp(0.0, 255.0)?
            .f_to_kind(Kind::Uint8)?;
        Ok(ImageSet {
            pixels,
            labels: self.labels.shallow_clone(),
            classes: self.classes,
            mean: self.mean.clone(),
            std: self.std.clone(),
        })
    }

    /// Normalises `[B, C, H, W]` float pixels in 0..1 with the set's per-channel statistics.
    pub fn normalise(&self, images: &Tensor) -> Result<Tensor, TchError> {
        let c = self.mean.len() as i64;
        let mean = Tensor::from_slice(&self.mean)
            .view([1, c, 1, 1])
            .to_kind(Kind::Float);
        let std = Tensor::from_slice(&self.std)
            .view([1, c, 1, 1])
            .to_kind(Kind::Float);
        images.f_sub(&mean)?.f_div(&std)
    }

    /// The normalised float images and labels at `indices`, on the CPU.
    pub fn batch(&self, indices: &Tensor) -> Result<(Tensor, Tensor), TchError> {
        let raw = self
            .pixels
            .f_index_select(0, indices)?
            .f_to_kind(Kind::Float)?
            / 255.0;
        Ok((
            self.normalise(&raw)?,
            self.labels.f_index_select(0, indices)?,
        ))
    }

    /// Splits off a validation set of `round(valid_fraction·N)` examples chosen by a seeded
    /// shuffle; returns `(train, valid)`.
    pub fn split(&self, valid_fraction: f64, seed: u64) -> Result<(ImageSet, ImageSet), TchError> {
        let (train, valid) = split_indices(self.len(), valid_fraction, seed);
        Ok((self.select(&train)?, self.select(&valid)?))
    }
}

/// A seeded partition of `0..n` into `(train, valid)` index tensors; the validation part has
/// `round(valid_fraction·n)` indices (clamped to `0..=n`).
pub fn split_indices(n: i64, valid_fraction: f64, seed: u64) -> (Tensor, Tensor) {
    let mut order: Vec<i64> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let valid = ((valid_fraction.clamp(0.0, 1.0) * n as f64).round() as usize).min(order.len());
    let (v, t) = order.split_at(valid);
    let tensor = |ix: &[i64]| Tensor::from_slice(ix).to_device(Device::Cpu);
    (tensor(t), tensor(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(n: i64) -> ImageSet {
        ImageSet {
            pixels: Tensor::arange(n * 4, (Kind::Uint8, Device::Cpu)).view([n, 1, 2, 2]),
            labels: Tensor::arange(n, (Kind::Int64, Device::Cpu)),
            classes: n,
            mean: vec![0.5],
            std: vec![0.25],
        }
    }

    #[test]
    fn resizing_keeps_labels_and_interpolates() {
        let constant = ImageSet {
            pixels: Tensor::full([3, 1, 2, 2], 200, (Kind::Uint8, Device::Cpu)),
            ..set(3)
        };
        let big = constant.resized(5).expect("resizes");
        assert_eq!(big.pixels.size(), [3, 1, 5, 5]);
        assert_eq!(big.pixels.kind(), Kind::Uint8);
        assert!(big.labels.equal(&constant.labels));
        let values = Vec::<u8>::try_from(&big.pixels.flatten(0, -1)).expect("bytes");
        assert!(values.iter().all(|&v| v == 200), "{values:?}");
        let ramp = set(1).resized(4).expect("resizes");
        let values = Vec::<u8>::try_from(&ramp.pixels.flatten(0, -1)).expect("bytes");
        assert_eq!((values[0], values[15]), (0, 3), "corners keep their values");
    }

    #[test]
    fn the_split_is_seeded_disjoint_and_complete() {
        let (t1, v1) = split_indices(10, 0.3, 7);
        let (t2, v2) = split_indices(10, 0.3, 7);
        assert!(t1.equal(&t2) && v1.equal(&v2));
        assert_eq!(v1.size(), [3]);
        let mut all: Vec<i64> = Vec::<i64>::try_from(&Tensor::cat(&[&t1, &v1], 0)).unwrap();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        let (_, v3) = split_indices(10, 0.3, 8);
        assert!(!v1.equal(&v3));
    }

    #[test]
    fn batches_are_normalised_per_channel() {
        let s = set(3);
        let (x, y) = s.batch(&Tensor::from_slice(&[2i64])).unwrap();
        assert_eq!(x.size(), [1, 1, 2, 2]);
        assert_eq!(y.int64_value(&[0]), 2);
        let expected = (8.0 / 255.0 - 0.5) / 0.25;
        assert!((x.double_value(&[0, 0, 0, 0]) - expected).abs() < 1e-6);
        let (train, valid) = s.split(1.0 / 3.0, 0).unwrap();
        assert_eq!((train.len(), valid.len()), (2, 1));
    }
}
