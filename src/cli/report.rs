//! `nas report RUN... -o report.html`: one self-contained HTML page of what the runs found
//! (see [`crate::report`]), with the charts' data as CSV beside it; `nas report RUN...
//! --summary`: one Markdown table of what each run chose over its seeds
//! ([`crate::report::summary`]); `nas report RUN... --trials`: one Markdown line per trial
//! ([`crate::report::trials`]).

use crate::report::{self, Run};
pub use nas_lang::cli::report::Args;
use std::process::ExitCode;

/// Runs `nas report`.
pub fn run(args: Args) -> ExitCode {
    let runs: Result<Vec<Run>, String> = args.runs.iter().map(|p| Run::load(p)).collect();
    if args.summary || args.trials {
        let table = if args.summary {
            report::summary::table
        } else {
            report::trials::table
        };
        return match runs.and_then(|runs| table(&runs)) {
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
