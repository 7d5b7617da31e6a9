//! `nas repl` (and `nas` with no arguments): the interactive REPL, or a transcript from stdin
//! (`nas repl < session.txt`), which exits with the status of its last input.

use std::process::ExitCode;

/// Options of `nas repl`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {}

/// Runs `nas repl`.
pub fn run(_args: Args) -> ExitCode {
    crate::repl::main()
}
