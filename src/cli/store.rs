//! `nas store`: work on trial stores themselves (`repair`).

use crate::search::store::repair;
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
}

/// Runs `nas store`.
pub fn run(args: Args) -> ExitCode {
    match args.action {
        Action::Repair { file } => repair_store(&file),
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
