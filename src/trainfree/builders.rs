//! The [`NetworkBuilder`] for any architecture the compiler's catalog can build.

use super::proxy::NetworkBuilder;
use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{BoxLayer, CompileError};
use crate::space::{Architecture, Space};
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
        catalog::build(p, &self.space, &self.arch, sized(self.size, thin))
    }
}

/// One architecture of a loaded space, at the size it is trained at (thin copy as for
/// [`CatalogBuilder`]).
#[derive(Debug, Clone, Copy)]
pub struct ArchBuilder<'a> {
    /// The space.
    pub space: &'a Space,
    /// The architecture.
    pub arch: &'a Architecture,
    /// The network's size as trained.
    pub size: NetworkSize,
}

impl NetworkBuilder for ArchBuilder<'_> {
    fn build(&self, p: &nn::Path, thin: bool) -> Result<BoxLayer, CompileError> {
        catalog::build_arch(p, self.space, self.arch, sized(self.size, thin))
    }
}

/// `size`, or TE-NAS's thin copy of it.
fn sized(size: NetworkSize, thin: bool) -> NetworkSize {
    if thin {
        NetworkSize {
            channels: Some(1),
            cells: Some(1),
            in_channels: Some(1),
            ..size
        }
    } else {
        size
    }
}
