//! Fully connected layers over the last dimension.

use super::describe::Module;
use super::error::CompileError;
use super::flops;
use super::init::pytorch_uniform;
use super::layer::Layer;
use tch::nn;
use tch::{TchError, Tensor};

/// `x·Wᵀ + b` over the last dimension, initialised as PyTorch's `nn.Linear`.
#[derive(Debug)]
pub struct Linear {
    weight: Tensor,
    bias: Option<Tensor>,
    /// Whether `weight` is another layer's (an embedding's), shared.
    tied: bool,
}

impl Linear {
    /// Registers `weight` `[d_out, d_in]` (and `bias` `[d_out]`) under `p`.
    pub fn new(p: &nn::Path, d_in: i64, d_out: i64, bias: bool) -> Result<Self, CompileError> {
        if d_in < 1 || d_out < 1 {
            return Err(CompileError::bad_op(
                p,
                "linear",
                format!("sizes must be positive (in {d_in}, out {d_out})"),
            ));
        }
        let init = pytorch_uniform(d_in);
        let weight = p.f_var("weight", &[d_out, d_in], init)?;
        let bias = match bias {
            true => Some(p.f_var("bias", &[d_out], init)?),
            false => None,
        };
        Ok(Linear {
            weight,
            bias,
            tied: false,
        })
    }
}

impl Linear {
    /// A linear map to `weight`'s rows whose weight is `weight` itself, shared with the layer
    /// that owns it (an embedding `[vocab, dim]`), and its own `bias` `[vocab]` under `p`.
    /// Initialised as AWD-LSTM's tied model is: the shared table uniform in ±0.1 (redrawn
    /// here), the bias zero.
    pub fn tied(p: &nn::Path, weight: Tensor) -> Result<Self, CompileError> {
        let size = weight.size();
        let [d_out, _] = size[..] else {
            return Err(CompileError::bad_op(
                p,
                "tied_linear",
                format!("the shared weight is {size:?}, not a matrix"),
            ));
        };
        let _ = tch::no_grad(|| weight.shallow_clone().f_uniform_(-0.1, 0.1))?;
        let bias = p.f_var("bias", &[d_out], nn::Init::Const(0.0))?;
        Ok(Linear {
            weight,
            bias: Some(bias),
            tied: true,
        })
    }
}

impl Layer for Linear {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        let out = xs.f_linear(&self.weight, self.bias.as_ref())?;
        flops::record(|| {
            let d_in = self.weight.size()[1];
            flops::macs(out.numel() as i64, d_in, self.bias.is_some())
        });
        Ok(out)
    }

    fn describe(&self) -> Module {
        let size = self.weight.size();
        if self.tied {
            return Module::TiedLinear {
                d_in: size[1],
                d_out: size[0],
            };
        }
        Module::Linear {
            d_in: size[1],
            d_out: size[0],
            bias: self.bias.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn maps_the_last_dimension_and_rejects_a_wrong_one() {
        let vs = nn::VarStore::new(Device::Cpu);
        let lin = Linear::new(&(vs.root() / "fc"), 4, 3, true).unwrap();
        let x = Tensor::ones([2, 4], (Kind::Float, Device::Cpu));
        let (y, macs) = flops::count_macs(|| lin.forward(&x, false).unwrap());
        assert_eq!(y.size(), [2, 3]);
        assert_eq!(macs, Ok(2 * 3 * 4 + 2 * 3));
        assert!(lin
            .forward(&Tensor::ones([2, 5], (Kind::Float, Device::Cpu)), false)
            .is_err());
        assert!(Linear::new(&vs.root(), 0, 3, true).is_err());
    }
}
