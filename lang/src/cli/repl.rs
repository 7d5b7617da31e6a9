//! `nas repl` (and `nas` with no arguments): the interactive REPL, or a transcript from stdin
//! (`nas repl < session.txt`), which exits with the status of its last input.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/repl.rs`) runs it.

/// Options of `nas repl`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {}
