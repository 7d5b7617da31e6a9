//! `nas store`: work on trial stores themselves (`repair`, `copy`).

use crate::search::store::redact::redact;
use crate::search::store::{copy, repair, Locator};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `nas store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    action: Action,
}

/// What `nas store` does.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Mend a JSON-lines store that `--resume` refuses: keep its header, the first copy of
    /// each trial and every readable line; report what is dropped (the store as it was is
    /// kept as FILE.before-repair).
    Repair {
        /// The trial store (`runs/NAME-STRATEGY.jsonl`).
        file: PathBuf,
    },
    /// Copy a run between stores (a JSON-lines file, a `postgres://` database; either way).
    /// The destination must not hold the experiment yet.
    Copy {
        /// Where the run is.
        from: String,
        /// Where it goes.
        to: String,
        /// Which experiment, when FROM is a database holding several.
        #[arg(long)]
        experiment: Option<String>,
    },
}

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
