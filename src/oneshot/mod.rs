//! One-shot (weight-sharing) architecture search. The NAS-Bench-201 supernet is written by
//! hand: its cell edges hold all five candidate ops with shared weights, architecture
//! parameters α apart from the weights, forward passes as a DARTS mixture, a GDAS or SNAS
//! sample, binary gates (ProxylessNAS) or a single path, and the weight and architecture
//! steps of DARTS (first and second order), SNAS, PC-DARTS, ENAS and ProxylessNAS, as
//! primitives that strategy scripts drive through `ctx.supernet(...)`. Any other space whose
//! decisions are op choices and `k of [...]` input choices is compiled into its own supernet
//! from its IR ([`ir_supernet`]), which the DARTS, GDAS, SNAS and single-path (RSPS, SPOS)
//! primitives drive the same way, with the same samplers.
//!
//! - [`supernet`]: the network; [`mix`]: how a forward pass weighs each edge's ops;
//!   [`path`]: single architectures and the benchmark's strings.
//! - [`darts`]: loss, gradients, the unrolled second-order α gradient; [`optim`]: SGD and
//!   Adam on explicit tensors; [`derive`]: α → architecture.
//! - [`data`]: the train/valid batch streams; [`search`]: one search's state.
//! - [`partial`]: PC-DARTS' partial channels and edge normalisation; [`proxyless`]:
//!   ProxylessNAS' binary gates; [`latency`]: the measured, cached per-op latency table.
//! - [`ir_supernet`]: the supernet of any space whose decisions are op choices and
//!   `k of [...]` input choices, compiled from its IR; [`ir_rows`]: its α rows, the check of
//!   which spaces qualify, deriving; [`ir_search`]: the search on it; [`ir_nb101`]: its
//!   NAS-Bench-101 cells, whose vertices run at elastic width ([`elastic`]: sliced layers).

pub mod darts;
pub mod data;
pub mod derive;
pub mod elastic;
pub mod error;
pub mod ir_nb101;
pub mod ir_rows;
pub mod ir_search;
pub mod ir_supernet;
pub mod latency;
pub mod mix;
pub mod optim;
pub mod partial;
pub mod path;
pub mod proxyless;
pub mod search;
pub mod supernet;

pub use error::OneShotError;
pub use ir_search::IrSearch;
pub use ir_supernet::IrSupernet;
pub use path::CellPath;
pub use search::{Mode, OneShotSearch, SearchConfig};
pub use supernet::{Supernet, SupernetConfig, SupernetOptions};
