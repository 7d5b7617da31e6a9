//! Networks by space name and architecture text, as the command line names them: the space is
//! loaded (checked and lowered to the space IR), the text decoded into an architecture of it,
//! and the architecture compiled. Compilable so far: NAS-Bench-201-shaped spaces.

use super::error::CompileError;
use super::from_space::nb201_genotype;
use super::layer::BoxLayer;
use super::nb201::{Nb201Config, Nb201Net};
use crate::space::{load_space, Architecture, Space};
use tch::nn;

/// The stdlib spaces whose architectures compile.
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

/// Builds the architecture `arch` of space `space` (a stdlib space name or `FILE.nas:NAME`)
/// under `p`.
pub fn build(
    p: &nn::Path,
    space: &str,
    arch: &str,
    size: NetworkSize,
) -> Result<BoxLayer, CompileError> {
    let loaded = load_space(space).map_err(|message| CompileError::UnknownSpace {
        space: space.to_string(),
        message: message.trim_start_matches("error: ").to_string(),
    })?;
    let decoded = loaded.decode(arch).map_err(|e| CompileError::BadArch {
        text: arch.trim().to_string(),
        message: e.to_string(),
    })?;
    build_arch(p, &loaded, &decoded, size)
}

/// Builds the architecture `arch` of the loaded space `space` under `p`.
pub fn build_arch(
    p: &nn::Path,
    space: &Space,
    arch: &Architecture,
    size: NetworkSize,
) -> Result<BoxLayer, CompileError> {
    let genotype = nb201_genotype(space, arch).map_err(|e| match e {
        CompileError::BadArch { message, .. } => CompileError::UnknownSpace {
            space: space.name().to_string(),
            message: format!("only NAS-Bench-201-shaped spaces compile so far: {message}"),
        },
        other => other,
    })?;
    let d = Nb201Config::default();
    let config = Nb201Config {
        channels: size.channels.unwrap_or(d.channels),
        cells: size.cells.unwrap_or(d.cells),
        classes: size.classes.unwrap_or(d.classes),
        in_channels: size.in_channels.unwrap_or(d.in_channels),
    };
    Ok(Box::new(Nb201Net::new(p, &genotype, config)?))
}
