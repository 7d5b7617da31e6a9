//! One-shot (weight-sharing) architecture search on the NAS-Bench-201 space: a supernet whose
//! cell edges hold all five candidate ops with shared weights, architecture parameters α
//! apart from the weights, forward passes as a DARTS mixture, a GDAS sample or a single path,
//! and DARTS' weight and architecture steps (first and second order), as primitives that
//! strategy scripts drive through `ctx.supernet(...)`.
//!
//! - [`supernet`]: the network; [`mix`]: how a forward pass weighs each edge's ops;
//!   [`path`]: single architectures and the benchmark's strings.
//! - [`darts`]: loss, gradients, the unrolled second-order α gradient; [`optim`]: SGD and
//!   Adam on explicit tensors; [`derive`]: α → architecture.
//! - [`data`]: the train/valid batch streams; [`search`]: one search's state.
//! - [`partial`]: PC-DARTS' partial channels and edge normalisation.

pub mod darts;
pub mod data;
pub mod derive;
pub mod error;
pub mod mix;
pub mod optim;
pub mod partial;
pub mod path;
pub mod search;
pub mod supernet;

pub use error::OneShotError;
pub use path::CellPath;
pub use search::{Mode, OneShotSearch, SearchConfig};
pub use supernet::{Supernet, SupernetConfig, SupernetOptions};
