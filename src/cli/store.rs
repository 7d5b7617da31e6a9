//! `nas store`: work on trial stores themselves (`repair`, `copy`).

use crate::search::store::redact::redact;
use crate::search::store::{copy, repair, Locator};
pub use nas_lang::cli::store::{Action, Args};
use std::process::ExitCode;

/// Runs `nas store`.
pub fn run(args: Args) -> ExitCode {
    match args.action {
        Action::Repair { file } => repair_store(&file),
        Action::Copy {
            from,
            to,
            experiment,
        } => {
            let (from, to) = (Locator::parse(&from), Locator::parse(&to));
            match copy::copy(&from, &to, experiment.as_deref()) {
                Ok(c) => {
                    println!(
                        "copied experiment `{}`: {} trial(s), {} ended run(s), from {} to {}",
                        c.experiment,
                        c.trials,
                        c.ended,
                        from.describe(),
                        to.describe()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {}", redact(&e));
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn repair_store(file: &std::path::Path) -> ExitCode {
    match repair::repair(file) {
        Ok(r) => {
            for d in &r.dropped {
                println!("dropped line {}: {}", d.line, d.why);
            }
            match &r.original {
                Some(original) => println!(
                    "{}: kept {} line(s) after the header, dropped {}; the store as it was is in {}",
                    file.display(),
                    r.kept,
                    r.dropped.len(),
                    original.display()
                ),
                None => println!(
                    "{}: nothing to repair ({} line(s) after the header)",
                    file.display(),
                    r.kept
                ),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
