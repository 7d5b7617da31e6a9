//! Train-free NAS: scores computed on a network at initialisation, without training, and the
//! rank statistics that say how well a score predicts a benchmark's accuracy.
//!
//! Every proxy takes the compiled network as a [`Layer`](crate::compile::Layer) and, where
//! parameters matter, its variable store. Proxies that read ReLU activation patterns (NASWOT,
//! linear regions) observe them through [`relu_tap`], which the compiler's ReLU reports to.

pub mod builders;
pub mod grad;
pub mod inputs;
pub mod linear_regions;
pub mod naswot;
pub mod ntk;
pub mod proxy;
pub mod rank;
pub mod relu_tap;
pub mod saliency;
pub mod synflow;
pub mod tenas;

#[cfg(test)]
mod tests;
