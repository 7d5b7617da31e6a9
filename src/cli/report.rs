//! `nas report RUN... -o report.html`: one self-contained HTML page of what the runs found
//! (see [`crate::report`]), with the charts' data as CSV beside it; `nas report RUN...
//! --summary`: one Markdown table of what each run chose over its seeds
//! ([`crate::report::summary`]).

use crate::report::{self, Run};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `nas report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Trial stores written by `nas run` (`runs/NAME-STRATEGY.jsonl`); several are overlaid.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// The HTML file to write; the charts' data goes to `<name>_data/` beside it.
    #[arg(short, long, default_value = "report.html")]
    out: PathBuf,
    /// Print one Markdown line per run instead (its seeds' chosen trials: the report's mean ±
    /// sample standard deviation, the share of parameter-free ops, wall and CPU time per
    /// seed); writes no file.
    #[arg(long)]
    summary: bool,
}

/// Runs `nas report`.
pub fn run(args: Args) -> ExitCode {
    let runs: Result<Vec<Run>, String> = args.runs.iter().map(|p| Run::load(p)).collect();
    if args.summary {
        return match runs.and_then(|runs| report::summary::table(&runs)) {
            Ok(table) => {
                print!("{table}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("  hint: name trial stores written by `nas run` (runs/*.jsonl)");
                ExitCode::FAILURE
            }
        };
    }
    let written = runs.and_then(|runs| report::write(&runs, &args.out));
    match written {
        Ok(w) => {
            println!("report: {}", w.html.display());
            for csv in &w.csv {
                println!("data:   {}", csv.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("  hint: name trial stores written by `nas run` (runs/*.jsonl)");
            ExitCode::FAILURE
        }
    }
}
