//! The [`Layer`] trait every compiled op implements, and [`Sequential`] composition.
//!
//! Forward passes are fallible: a shape that does not fit is a [`tch::TchError`] value, never a
//! libtorch abort.

use super::describe::Module;
use tch::{TchError, Tensor};

/// A compiled op: a function of one tensor, with parameters registered in a variable store.
pub trait Layer: std::fmt::Debug + Send {
    /// Applies the op; `train` selects training behaviour (batch statistics, dropout).
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError>;

    /// What the op is, its settings and its parts, as plain data (see [`Module`]).
    fn describe(&self) -> Module;
}

/// A boxed layer, as the compiler builds them.
pub type BoxLayer = Box<dyn Layer>;

/// Layers applied one after the other, each with the name its variables are registered
/// under.
#[derive(Debug, Default)]
pub struct Sequential {
    layers: Vec<(String, BoxLayer)>,
}

impl Sequential {
    /// A composition of `layers`, first applied first, registered under `0`, `1`, ….
    pub fn new(layers: Vec<BoxLayer>) -> Self {
        let layers = layers
            .into_iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), l))
            .collect();
        Sequential { layers }
    }

    /// A composition of `layers`, each registered under its name (a part without variables
    /// may have any name not taken by another part).
    pub fn named(layers: Vec<(String, BoxLayer)>) -> Self {
        Sequential { layers }
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Each layer's name and description, in order.
    pub fn describe_parts(&self) -> Vec<(String, Module)> {
        self.layers
            .iter()
            .map(|(name, l)| (name.clone(), l.describe()))
            .collect()
    }

    /// Whether there are no layers (the composition is the identity).
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Layer for Sequential {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let Some(((_, first), rest)) = self.layers.split_first() else {
            return Ok(xs.shallow_clone());
        };
        let mut x = first.forward(xs, train)?;
        for (_, layer) in rest {
            x = layer.forward(&x, train)?;
        }
        Ok(x)
    }

    fn describe(&self) -> Module {
        Module::Seq(self.describe_parts())
    }
}

/// Shorthand for boxing a layer.
pub fn boxed(layer: impl Layer + 'static) -> BoxLayer {
    Box::new(layer)
}
