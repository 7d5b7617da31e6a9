//! One-shot (weight-sharing) architecture search on the supernet compiled from a space's IR:
//! every op choice a mixed op over all its alternatives, every `k of [...]` input choice a
//! mixed edge from each candidate input, every `any of [...]` member an edge gated by its own
//! weight, each alternative built by the op library as a single architecture builds it (so a
//! path through the supernet is that architecture). Architecture parameters α live apart
//! from the weights; forward passes run a DARTS mixture, a GDAS or SNAS sample, ProxylessNAS'
//! binary gates or a single path; DARTS' steps (first and second order), SNAS', PC-DARTS',
//! ENAS' and ProxylessNAS' are primitives that strategy scripts drive through
//! `ctx.supernet(...)`, and TE-NAS prunes it ([`crate::trainfree::tenas`]).
//!
//! - [`supernet`]: the network and its options (PC-DARTS' partial channels and edge
//!   normalisation); [`rows`]: α's rows, which spaces qualify, deriving, single paths;
//!   [`nb101`]: NAS-Bench-101's cells, whose vertices run at elastic width ([`elastic`]:
//!   sliced layers); [`mix`]: how a forward pass weighs each row's ops; [`values`]: the
//!   value choices inside an op (`mbconv(c, expand: 3 | 6, kernel: 3 | 5)`) as a mixed
//!   op's candidates, one per combination, so layer-wise spaces (FBNet, ProxylessNAS) are
//!   supernets too.
//! - [`darts`]: loss, gradients, the unrolled second-order α gradient; [`optim`]: SGD and
//!   Adam on explicit tensors.
//! - [`data`]: the train/valid batch streams; [`search`]: one search's state, which
//!   [`checkpoint`] saves at an epoch's end and restores on resume.
//! - [`partial`]: PC-DARTS' partial channels; [`proxyless`]: ProxylessNAS' binary gates;
//!   [`latency`]: the measured, cached per-op latency table; [`fbnet`]: FBNet's loss
//!   `CE · α · log(LAT)^β` over it.
//! - The remedies of DARTS' failure modes, each a primitive a strategy script combines:
//!   [`alive`]: which ops remain on each row (TE-NAS' pruning, SGAS' fixed edges, P-DARTS'
//!   dropped ops); [`perturb`]: SDARTS' random and adversarial perturbation of the op
//!   weights; [`skip`]: DARTS-' auxiliary skip and P-DARTS' skip dropout; [`dirichlet`]: DrNAS' Dirichlet op
//!   weights.

pub mod alive;
pub mod checkpoint;
pub mod darts;
pub mod data;
pub mod dirichlet;
pub mod elastic;
pub mod error;
pub mod fbnet;
pub mod latency;
pub mod mix;
pub mod nb101;
pub mod optim;
pub mod partial;
pub mod perturb;
pub mod proxyless;
pub mod recurrent;
pub mod rows;
pub mod search;
pub mod skip;
pub mod supernet;
pub mod values;

pub use error::OneShotError;
pub use search::{Mode, OneShotSearch, SearchConfig};
pub use supernet::{Supernet, SupernetOptions};
