//! The [`NetworkBuilder`] for any architecture the compiler's catalog can build.

use super::proxy::NetworkBuilder;
use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{BoxLayer, CompileError};
use tch::nn;

/// One architecture of a catalogued space, at the size it is trained at. Its thin copy for
/// linear regions has one channel, one cell per stage and single-channel input, as TE-NAS
/// counts them (ours keeps the stem convolution, which TE-NAS drops).
#[derive(Debug, Clone)]
pub struct CatalogBuilder {
    /// The space's name (`nb201`).
    pub space: String,
    /// The architecture's canonical text.
    pub arch: String,
    /// The network's size as trained.
    pub size: NetworkSize,
}

impl NetworkBuilder for CatalogBuilder {
    fn build(&self, p: &nn::Path, thin: bool) -> Result<BoxLayer, CompileError> {
        let size = if thin {
            NetworkSize {
                channels: Some(1),
                cells: Some(1),
                in_channels: Some(1),
                ..self.size
            }
        } else {
            self.size
        };
        catalog::build(p, &self.space, &self.arch, size)
    }
}
