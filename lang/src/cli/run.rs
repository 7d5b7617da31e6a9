//! `nas run FILE.nas`: run an experiment (once per seed), with a crash-safe trial store,
//! resume, parallel workers, a progress bar and a summary.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/run.rs`) runs it.

use std::path::PathBuf;

/// Options of `nas run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file.
    pub file: PathBuf,
    /// Which experiment of the file (default: the first).
    #[arg(long)]
    pub experiment: Option<String>,
    /// Another strategy: a stdlib name (`evolution`) or a `.rhai` file.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Run the experiment once per seed, for this many seeds.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// The first seed (default: the experiment's `seed`, else 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Parallel workers per run; with a PostgreSQL store, also how many `nas worker`
    /// processes this command starts on this machine.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Continue the trial store of an interrupted run: finished trials are not repeated
    /// (with no store yet, the run starts one).
    #[arg(long, conflicts_with = "fresh")]
    pub resume: bool,
    /// Replace an existing trial store.
    #[arg(long)]
    pub fresh: bool,
    /// The trial store: a JSON-lines file (default: runs/EXPERIMENT-STRATEGY.jsonl), or a
    /// PostgreSQL database (`postgres://USER@HOST:PORT/DB`) whose trials `nas worker`
    /// processes run.
    #[arg(long, visible_alias = "store")]
    pub out: Option<String>,
    /// Also write every trial as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// How many of the best trials the summary lists.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Keep no trained weights (by default the weights of each run's chosen architecture
    /// are kept in STORE.weights/ beside the trial store, for `nas export STORE --best`).
    #[arg(long)]
    pub no_weights: bool,
}
