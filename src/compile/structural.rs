//! Ops without parameters that route or mask data: identity, zero, dropout, flatten.

use super::describe::Module;
use super::layer::Layer;
use tch::{TchError, Tensor};

/// The input itself (`skip`).
#[derive(Debug, Clone, Copy)]
pub struct Identity;

impl Layer for Identity {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        Ok(xs.shallow_clone())
    }

    fn describe(&self) -> Module {
        Module::Identity
    }
}

/// Zeros shaped like the input, subsampled by `stride` in both spatial dimensions (`none`).
#[derive(Debug, Clone, Copy)]
pub struct Zero {
    /// Spatial subsampling factor (1 keeps the shape).
    pub stride: i64,
}

impl Layer for Zero {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        if self.stride == 1 {
            return xs.f_mul_scalar(0.0);
        }
        if xs.dim() != 4 {
            return Err(TchError::Shape(format!(
                "a strided zero op needs an image batch, got {:?}",
                xs.size()
            )));
        }
        let s = self.stride;
        xs.f_slice(2, 0, None, s)?
            .f_slice(3, 0, None, s)?
            .f_mul_scalar(0.0)
    }

    fn describe(&self) -> Module {
        Module::Zero {
            stride: self.stride,
        }
    }
}

/// Zeroes each element with probability `p` during training and rescales the rest by
/// 1/(1 − p). Locked (variational) dropout draws one mask per sequence and feature,
/// `[B, 1, F]`, and applies it at every step of `[B, T, F]` (AWD-LSTM's `LockedDropout`).
#[derive(Debug, Clone, Copy)]
pub struct Dropout {
    /// The probability of zeroing an element.
    pub p: f64,
    /// Whether one mask is shared by every step of a sequence.
    pub locked: bool,
}

impl Layer for Dropout {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        if !(0.0..1.0).contains(&self.p) {
            return Err(TchError::Kind(format!(
                "dropout probability {} is outside [0, 1)",
                self.p
            )));
        }
        if !self.locked {
            return xs.f_dropout(self.p, train);
        }
        let size = xs.size();
        let [batch, _, features] = size[..] else {
            return Err(TchError::Shape(format!(
                "locked dropout needs [batch, steps, features], not {size:?}"
            )));
        };
        if !train || self.p == 0.0 {
            return Ok(xs.shallow_clone());
        }
        let keep = 1.0 - self.p;
        let mask = Tensor::f_empty([batch, 1, features], (xs.kind(), xs.device()))?
            .f_bernoulli_float_(keep)?
            .f_div_scalar(keep)?;
        xs.f_mul(&mask)
    }

    fn describe(&self) -> Module {
        Module::Dropout {
            p: self.p,
            locked: self.locked,
        }
    }
}

/// Flattens every dimension after the batch: `[N, …]` → `[N, D]`.
#[derive(Debug, Clone, Copy)]
pub struct Flatten;

impl Layer for Flatten {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        xs.f_flatten(1, -1)
    }

    fn describe(&self) -> Module {
        Module::Flatten
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn zero_subsamples_and_dropout_is_off_in_evaluation() {
        let x = Tensor::ones([2, 3, 5, 5], (Kind::Float, Device::Cpu));
        let z = Zero { stride: 2 }.forward(&x, true).unwrap();
        assert_eq!(z.size(), [2, 3, 3, 3]);
        assert_eq!(z.abs().sum(Kind::Float).double_value(&[]), 0.0);
        let d = Dropout {
            p: 0.5,
            locked: false,
        };
        assert!(d.forward(&x, false).unwrap().equal(&x));
        let dropped = d.forward(&x, true).unwrap();
        assert!(!dropped.equal(&x));
        let bad = Dropout {
            p: 1.5,
            locked: false,
        };
        assert!(bad.forward(&x, true).is_err());
        assert_eq!(Flatten.forward(&x, false).unwrap().size(), [2, 75]);
        assert!(Identity.forward(&x, false).unwrap().equal(&x));
    }

    #[test]
    fn locked_dropout_shares_one_mask_over_the_steps_and_needs_a_sequence() {
        let x = Tensor::ones([4, 6, 50], (Kind::Float, Device::Cpu));
        let d = Dropout {
            p: 0.5,
            locked: true,
        };
        let y = d.forward(&x, true).unwrap();
        // Every step of a row sees the same mask: the steps do not differ.
        let first = y.narrow(1, 0, 1);
        assert_eq!((&y - &first).abs().max().double_value(&[]), 0.0);
        // Kept features are scaled by 1/(1 − p), dropped ones are zero, and both occur.
        let values: Vec<f64> = Vec::try_from(first.flatten(0, -1)).unwrap();
        assert!(values.iter().all(|v| *v == 0.0 || *v == 2.0));
        assert!(values.contains(&0.0) && values.contains(&2.0));
        assert!(d.forward(&x, false).unwrap().equal(&x));
        let image = Tensor::ones([2, 3, 5, 5], (Kind::Float, Device::Cpu));
        assert!(d.forward(&image, true).is_err());
    }
}
