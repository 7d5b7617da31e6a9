//! [`NetworkBuilder`]s for the architectures the compiler can build today.

use super::proxy::NetworkBuilder;
use crate::compile::layer::boxed;
use crate::compile::nb201::{Nb201Config, Nb201Genotype, Nb201Net};
use crate::compile::{BoxLayer, CompileError};
use tch::nn;

/// A NAS-Bench-201 cell in the benchmark's network; the thin copy for linear regions has one
/// channel, one cell per stage and single-channel input, as TE-NAS counts them (our thin copy
/// keeps the stem convolution, which TE-NAS drops).
#[derive(Debug, Clone)]
pub struct Nb201Builder {
    /// The cell.
    pub genotype: Nb201Genotype,
    /// The size of the network as trained.
    pub config: Nb201Config,
}

impl NetworkBuilder for Nb201Builder {
    fn build(&self, p: &nn::Path, thin: bool) -> Result<BoxLayer, CompileError> {
        let config = if thin {
            Nb201Config {
                channels: 1,
                cells: 1,
                in_channels: 1,
                ..self.config
            }
        } else {
            self.config
        };
        Ok(boxed(Nb201Net::new(p, &self.genotype, config)?))
    }
}
