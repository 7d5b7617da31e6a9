//! Normalisation: batch norm over channels (running statistics kept as non-trainable
//! variables, so checkpoints carry them) and layer norm over the last dimension.

use super::describe::Module;
use super::error::CompileError;
use super::layer::Layer;
use tch::nn;
use tch::{TchError, Tensor};

/// PyTorch's defaults for batch norm.
const BN_MOMENTUM: f64 = 0.1;
const EPS: f64 = 1e-5;

/// Batch normalisation over dimension 1 (channels of an image, features of a vector).
#[derive(Debug)]
pub struct BatchNorm {
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    running_mean: Tensor,
    running_var: Tensor,
}

impl BatchNorm {
    /// Registers the statistics (and, when `affine`, a scale and shift) for `c` channels.
    pub fn new(p: &nn::Path, c: i64, affine: bool) -> Result<Self, CompileError> {
        if c < 1 {
            return Err(CompileError::bad_op(
                p,
                "batchnorm",
                format!("needs at least one channel, has {c}"),
            ));
        }
        let (weight, bias) = if affine {
            (
                Some(p.f_ones("weight", &[c])?),
                Some(p.f_zeros("bias", &[c])?),
            )
        } else {
            (None, None)
        };
        Ok(BatchNorm {
            weight,
            bias,
            running_mean: p.f_zeros_no_train("running_mean", &[c])?,
            running_var: p.f_ones_no_train("running_var", &[c])?,
        })
    }
}

impl Layer for BatchNorm {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        xs.f_batch_norm(
            self.weight.as_ref(),
            self.bias.as_ref(),
            Some(&self.running_mean),
            Some(&self.running_var),
            train,
            BN_MOMENTUM,
            EPS,
            true,
        )
    }

    fn describe(&self) -> Module {
        Module::BatchNorm {
            channels: self.running_mean.size()[0],
            affine: self.weight.is_some(),
        }
    }
}

/// Layer normalisation over the last dimension, with a scale and shift.
#[derive(Debug)]
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    dim: i64,
}

impl LayerNorm {
    /// Registers the scale and shift for a last dimension of size `dim`.
    pub fn new(p: &nn::Path, dim: i64) -> Result<Self, CompileError> {
        if dim < 1 {
            return Err(CompileError::bad_op(
                p,
                "layernorm",
                format!("needs a positive size, has {dim}"),
            ));
        }
        Ok(LayerNorm {
            weight: p.f_ones("weight", &[dim])?,
            bias: p.f_zeros("bias", &[dim])?,
            dim,
        })
    }
}

impl Layer for LayerNorm {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        xs.f_layer_norm([self.dim], Some(&self.weight), Some(&self.bias), EPS, true)
    }

    fn describe(&self) -> Module {
        Module::LayerNorm { dim: self.dim }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn batch_norm_normalises_in_training_and_updates_running_statistics() {
        let vs = nn::VarStore::new(Device::Cpu);
        let bn = BatchNorm::new(&(vs.root() / "bn"), 2, true).unwrap();
        let x = Tensor::arange(16, (Kind::Float, Device::Cpu)).view([4, 2, 1, 2]);
        let y = bn.forward(&x, true).unwrap();
        let mean = y.mean(Kind::Float).double_value(&[]);
        assert!(mean.abs() < 1e-5, "{mean}");
        let running = vs.variables()["bn.running_mean"].double_value(&[0]);
        assert!(running > 0.0);
        let mut names: Vec<_> = vs.variables().into_keys().collect();
        names.sort();
        assert_eq!(
            names,
            ["bn.bias", "bn.running_mean", "bn.running_var", "bn.weight"]
        );
        assert_eq!(vs.trainable_variables().len(), 2);
        let wrong = Tensor::ones([4, 3, 1, 1], (Kind::Float, Device::Cpu));
        assert!(bn.forward(&wrong, true).is_err());
    }

    #[test]
    fn layer_norm_normalises_the_last_dimension() {
        let vs = nn::VarStore::new(Device::Cpu);
        let ln = LayerNorm::new(&vs.root(), 4).unwrap();
        let x = Tensor::arange(8, (Kind::Float, Device::Cpu)).view([2, 4]);
        let y = ln.forward(&x, false).unwrap();
        let row_mean = y.get(1).mean(Kind::Float).double_value(&[]);
        assert!(row_mean.abs() < 1e-5);
        assert!(LayerNorm::new(&vs.root(), 0).is_err());
    }
}
