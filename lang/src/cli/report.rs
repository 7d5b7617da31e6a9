//! `nas report RUN... -o report.html`: one self-contained HTML page of what the runs found
//! (see [`crate::report`]), with the charts' data as CSV beside it; `nas report RUN...
//! --summary`: one Markdown table of what each run chose over its seeds
//! ([`crate::report::summary`]); `nas report RUN... --trials`: one Markdown line per trial.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/report.rs`) runs it.

use std::path::PathBuf;

/// Options of `nas report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Trial stores written by `nas run` (`runs/NAME-STRATEGY.jsonl`); several are overlaid.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// The HTML file to write; the charts' data goes to `<name>_data/` beside it.
    #[arg(short, long, default_value = "report.html")]
    pub out: PathBuf,
    /// Print one Markdown line per run instead (its seeds' chosen trials: the report's mean ±
    /// sample standard deviation, the share of parameter-free ops, wall and CPU time per
    /// seed); writes no file.
    #[arg(long)]
    pub summary: bool,
    /// Print one Markdown line per trial instead, each seed's in the order it submitted them
    /// (its architecture, report and share of parameter-free ops: a one-shot search that
    /// evaluates its derived architecture every epoch reads as its trajectory); writes no file.
    #[arg(long, conflicts_with = "summary")]
    pub trials: bool,
}
