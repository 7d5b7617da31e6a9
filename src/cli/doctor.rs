//! `nas doctor`: print what the runtime found; fail when something is wrong.

use nas_lang::cli::doctor::Args;
use std::process::ExitCode;

/// Runs `nas doctor`.
pub fn run(args: Args) -> ExitCode {
    let report = crate::doctor::inspect();
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: cannot encode the report: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", crate::doctor::render(&report));
    }
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
