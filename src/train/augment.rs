//! Data augmentation for image batches: random crops from a zero-padded image and random
//! horizontal flips, drawn from a seeded generator so runs repeat exactly.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tch::{TchError, Tensor};

pub use nas_lang::train::augment::Augment;

/// Applying an [`Augment`] to a batch.
pub trait ApplyAugment {
    /// Augments `[B, C, H, W]` images (pixels in 0..1, before normalisation), one random
    /// choice per image.
    fn apply(&self, images: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor, TchError>;
}

impl ApplyAugment for Augment {
    fn apply(&self, images: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor, TchError> {
        if self.is_identity() {
            return Ok(images.shallow_clone());
        }
        let size = images.size();
        let [b, _, h, w] = size[..] else {
            return Err(TchError::Shape(format!(
                "augmentation needs an image batch, got {size:?}"
            )));
        };
        let p = self.crop_padding;
        let padded = if p > 0 {
            images.f_constant_pad_nd([p, p, p, p])?
        } else {
            images.shallow_clone()
        };
        let mut out = Vec::with_capacity(b as usize);
        for i in 0..b {
            let (dy, dx) = if p > 0 {
                (rng.random_range(0..=2 * p), rng.random_range(0..=2 * p))
            } else {
                (0, 0)
            };
            let mut image = padded.f_get(i)?.f_narrow(1, dy, h)?.f_narrow(2, dx, w)?;
            if self.flip && rng.random_bool(0.5) {
                image = image.f_flip([2])?;
            }
            out.push(image);
        }
        Tensor::f_stack(&out, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use tch::{Device, Kind};

    #[test]
    fn crops_and_flips_keep_the_shape_and_repeat_with_the_seed() {
        let x = Tensor::rand([8, 3, 6, 6], (Kind::Float, Device::Cpu));
        let aug = Augment {
            crop_padding: 2,
            flip: true,
        };
        let a = aug.apply(&x, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let b = aug.apply(&x, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert_eq!(a.size(), [8, 3, 6, 6]);
        assert!(a.equal(&b));
        assert!(!a.equal(&x));
    }

    #[test]
    fn a_flip_alone_mirrors_or_keeps_each_image() {
        let x = Tensor::rand([16, 1, 2, 3], (Kind::Float, Device::Cpu));
        let aug = Augment {
            crop_padding: 0,
            flip: true,
        };
        let y = aug.apply(&x, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let mut flipped = 0;
        for i in 0..16 {
            let (xi, yi) = (x.get(i), y.get(i));
            if yi.equal(&xi.flip([2])) && !yi.equal(&xi) {
                flipped += 1;
            } else {
                assert!(yi.equal(&xi));
            }
        }
        assert!(flipped > 0 && flipped < 16, "{flipped}");
        assert!(Augment::default()
            .apply(&x, &mut ChaCha8Rng::seed_from_u64(0))
            .unwrap()
            .equal(&x));
    }
}
