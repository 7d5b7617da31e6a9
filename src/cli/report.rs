//! `nas report RUN... -o report.html`: one self-contained HTML page of what the runs found
//! (see [`crate::report`]), with the charts' data as CSV beside it.

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
}

/// Runs `nas report`.
pub fn run(args: Args) -> ExitCode {
    let runs: Result<Vec<Run>, String> = args.runs.iter().map(|p| Run::load(p)).collect();
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
