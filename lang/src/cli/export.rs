//! `nas export SPACE ARCH -o DIR` and `nas export RUN.jsonl --best -o DIR`: an architecture
//! (with trained weights when given, or the weights the run saved) written out as a plain
//! PyTorch module, its safetensors, `arch.json` and `export_onnx.py` ([`crate::export`]).
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/export.rs`) runs it.

use std::path::PathBuf;

/// Options of `nas export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The space (`nb201`, `darts`, … or `FILE.nas:NAME`); with `--best`, a run's trial store.
    pub target: String,
    /// The architecture in the space's canonical text (see `nas sample SPACE`).
    #[arg(required_unless_present = "best")]
    pub arch: Option<String>,
    /// Export the architecture the run chose (its best trial), with the weights the run saved.
    #[arg(long, conflicts_with_all = ["arch", "weights", "channels", "vocab", "cells", "classes", "input"])]
    pub best: bool,
    /// With `--best` and several seeds in the store: the run of this seed (default: the
    /// best of the runs' chosen architectures).
    #[arg(long, requires = "best")]
    pub seed: Option<u64>,
    /// Trained weights: a `.safetensors` file nas wrote (`nas train --checkpoint`); without
    /// it the weights are freshly initialised.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Channels of the first stage: the space's parameter `c` (a sequence space's width `d`).
    #[arg(long)]
    pub channels: Option<i64>,
    /// A sequence space's vocabulary size: its parameter `vocab`.
    #[arg(long)]
    pub vocab: Option<i64>,
    /// Cells per stage: the space's parameter `n` or `cells`.
    #[arg(long)]
    pub cells: Option<usize>,
    /// Output classes: the space's parameter `classes`.
    #[arg(long)]
    pub classes: Option<i64>,
    /// The input of one example: `CxHxW` for images, the number of steps for sequences
    /// (default: the space's `input`).
    #[arg(long)]
    pub input: Option<String>,
    /// The folder to write (created when missing).
    #[arg(short, long)]
    pub out: PathBuf,
}
