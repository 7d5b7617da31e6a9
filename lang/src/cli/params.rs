//! `nas params SPACE ARCH`: the parameter count and FLOPs of one architecture.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/params.rs`) runs it.

/// Options of `nas params`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The space (`nb201`, `darts`, … or `FILE.nas:NAME`).
    pub space: String,
    /// The architecture in the space's canonical text (for nb201 the benchmark string
    /// `|nor_conv_3x3~0|+|…|`; see `nas sample SPACE`).
    pub arch: String,
    /// Channels of the first stage: the space's parameter `c` (nb201: 16, darts: 16).
    #[arg(long)]
    pub channels: Option<i64>,
    /// Cells per stage: the space's parameter `n` or `cells` (nb201: 5).
    #[arg(long)]
    pub cells: Option<usize>,
    /// Output classes: the space's parameter `classes` (default: the space's own).
    #[arg(long)]
    pub classes: Option<i64>,
    /// Input image shape, `CxHxW` (default: the space's `input`, else 3x32x32).
    #[arg(long)]
    pub input: Option<String>,
}
