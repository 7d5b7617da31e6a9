//! `nas repl` (and `nas` with no arguments): the interactive REPL, or a transcript from stdin
//! (`nas repl < session.txt`), which exits with the status of its last input.

pub use nas_lang::cli::repl::Args;
use std::process::ExitCode;

/// Runs `nas repl`.
pub fn run(_args: Args) -> ExitCode {
    nas_lang::repl::main(&mut crate::repl::InProcess)
}
