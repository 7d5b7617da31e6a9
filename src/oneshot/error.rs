//! The one error type of one-shot search: a bad setting, data that cannot be read, a
//! diverged loss, or libtorch refusing an operation.

use crate::compile::CompileError;
use crate::train::DataError;

/// Why a supernet could not be built, trained or read.
#[derive(Debug, thiserror::Error)]
pub enum OneShotError {
    /// A setting is out of range or of the wrong kind.
    #[error("{0}")]
    Config(String),
    /// The space has a decision a supernet cannot mix (named in the reason).
    #[error("space `{space}` cannot be compiled into a supernet: {reason}")]
    NotASupernet {
        /// The space.
        space: String,
        /// Which decision or part, and why.
        reason: String,
    },
    /// The dataset could not be read.
    #[error("{0}")]
    Data(#[from] DataError),
    /// A loss or gradient became NaN or infinite.
    #[error("{what} is not finite ({value}) at step {step}; lower the learning rate or the temperature range")]
    Diverged {
        /// Which quantity.
        what: &'static str,
        /// Its value.
        value: f64,
        /// The step (weight steps plus architecture steps so far) at which it happened.
        step: u64,
    },
    /// An op could not be built.
    #[error("{0}")]
    Compile(#[from] CompileError),
    /// libtorch refused an operation.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}
