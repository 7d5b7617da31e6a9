//! `nas store`: work on trial stores themselves (`repair`, `copy`).
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/store.rs`) runs it.

use std::path::PathBuf;

/// Options of `nas store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// What `nas store` does.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
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
