//! Pointwise activations.

use super::describe::Module;
use super::layer::Layer;
use tch::{TchError, Tensor};

/// A pointwise nonlinearity (or the identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`, MobileNetV2's activation.
    Relu6,
    /// The Gaussian error linear unit (exact form).
    Gelu,
    /// Hyperbolic tangent.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// `x·sigmoid(x)` (SiLU).
    Swish,
    /// `max(x, 0.01·x)`, PyTorch's `nn.LeakyReLU()` default slope.
    LeakyRelu,
    /// `x` itself.
    Identity,
}

impl Activation {
    /// The activation named `name` (`relu`, `relu6`, `gelu`, `tanh`, `sigmoid`, `swish`/`silu`,
    /// `leaky_relu`, `identity`/`skip`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            "gelu" => Activation::Gelu,
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            "swish" | "silu" => Activation::Swish,
            "leaky_relu" => Activation::LeakyRelu,
            "identity" | "skip" => Activation::Identity,
            _ => return None,
        })
    }

    /// Applies the activation.
    pub fn apply(self, xs: &Tensor) -> Result<Tensor, TchError> {
        match self {
            Activation::Relu => xs.f_relu().inspect(crate::trainfree::relu_tap::observe),
            Activation::Relu6 => xs.f_relu6(),
            Activation::Gelu => xs.f_gelu("none"),
            Activation::Tanh => xs.f_tanh(),
            Activation::Sigmoid => xs.f_sigmoid(),
            Activation::Swish => xs.f_silu(),
            Activation::LeakyRelu => xs.f_leaky_relu(),
            Activation::Identity => Ok(xs.shallow_clone()),
        }
    }
}

impl Layer for Activation {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        self.apply(xs)
    }

    fn describe(&self) -> Module {
        Module::Act(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_compute_their_functions() {
        let x = Tensor::from_slice(&[-1.0f32, 0.5, 8.0]);
        let at = |a: Activation| -> Vec<f64> {
            let y = a.apply(&x).unwrap();
            (0..3).map(|i| y.double_value(&[i])).collect()
        };
        assert_eq!(at(Activation::Relu), [0.0, 0.5, 8.0]);
        assert_eq!(at(Activation::Relu6), [0.0, 0.5, 6.0]);
        assert_eq!(at(Activation::Identity), [-1.0, 0.5, 8.0]);
        let s = at(Activation::Sigmoid)[1];
        assert!((s - 1.0 / (1.0 + (-0.5f64).exp())).abs() < 1e-6);
        let sw = at(Activation::Swish)[0];
        assert!((sw - (-1.0 / (1.0 + 1f64.exp()))).abs() < 1e-6);
        assert!((at(Activation::Tanh)[1] - 0.5f64.tanh()).abs() < 1e-6);
        assert!(at(Activation::Gelu)[2] > 7.99);
        assert_eq!(at(Activation::LeakyRelu), [-0.01f32 as f64, 0.5, 8.0]);
        assert_eq!(Activation::from_name("silu"), Some(Activation::Swish));
        assert_eq!(Activation::from_name("softmax"), None);
    }
}
