//! `nas doctor`: print what the runtime found; fail when something is wrong.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/doctor.rs`) runs it.

/// Options of `nas doctor`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
