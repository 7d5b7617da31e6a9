//! Networks by space name and architecture text, as the command line names them. Spaces come
//! from the space IR once its lowering exists; until then the NAS-Bench-201 space is built here
//! from the benchmark's architecture strings.

use super::error::CompileError;
use super::layer::BoxLayer;
use super::nb201::{Nb201Config, Nb201Genotype, Nb201Net};
use tch::nn;

/// The spaces this module can build.
pub const SPACES: [&str; 1] = ["nb201"];

/// The size of a network: what a space's parameters set (absent: the space's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkSize {
    /// Channels of the first stage.
    pub channels: Option<i64>,
    /// Cells per stage.
    pub cells: Option<usize>,
    /// Output classes.
    pub classes: Option<i64>,
    /// Channels of the input images.
    pub in_channels: Option<i64>,
}

/// Builds the architecture `arch` of space `space` under `p`.
pub fn build(
    p: &nn::Path,
    space: &str,
    arch: &str,
    size: NetworkSize,
) -> Result<BoxLayer, CompileError> {
    match space {
        "nb201" => {
            let genotype = Nb201Genotype::parse(arch)?;
            let d = Nb201Config::default();
            let config = Nb201Config {
                channels: size.channels.unwrap_or(d.channels),
                cells: size.cells.unwrap_or(d.cells),
                classes: size.classes.unwrap_or(d.classes),
                in_channels: size.in_channels.unwrap_or(d.in_channels),
            };
            Ok(Box::new(Nb201Net::new(p, &genotype, config)?))
        }
        other => Err(CompileError::UnknownSpace {
            space: other.to_string(),
        }),
    }
}
