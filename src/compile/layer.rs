//! The [`Layer`] trait every compiled op implements, and [`Sequential`] composition.
//!
//! Forward passes are fallible: a shape that does not fit is a [`tch::TchError`] value, never a
//! libtorch abort.

use tch::{TchError, Tensor};

/// A compiled op: a function of one tensor, with parameters registered in a variable store.
pub trait Layer: std::fmt::Debug + Send {
    /// Applies the op; `train` selects training behaviour (batch statistics, dropout).
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError>;
}

/// A boxed layer, as the compiler builds them.
pub type BoxLayer = Box<dyn Layer>;

/// Layers applied one after the other.
#[derive(Debug, Default)]
pub struct Sequential {
    layers: Vec<BoxLayer>,
}

impl Sequential {
    /// A composition of `layers`, first applied first.
    pub fn new(layers: Vec<BoxLayer>) -> Self {
        Sequential { layers }
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers (the composition is the identity).
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Layer for Sequential {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let Some((first, rest)) = self.layers.split_first() else {
            return Ok(xs.shallow_clone());
        };
        let mut x = first.forward(xs, train)?;
        for layer in rest {
            x = layer.forward(&x, train)?;
        }
        Ok(x)
    }
}

/// Shorthand for boxing a layer.
pub fn boxed(layer: impl Layer + 'static) -> BoxLayer {
    Box::new(layer)
}
