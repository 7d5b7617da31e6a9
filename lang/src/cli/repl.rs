//! `nas repl` (and `nas` with no arguments): the interactive REPL, or a transcript from stdin
//! (`nas repl < session.txt`), which exits with the status of its last input.
//!
//! Its command-line arguments. The launcher runs the REPL itself ([`crate::repl`]), loading the
//! engine only when an input needs it; with `NAS_ALWAYS_ENGINE` the engine runs it
//! (`src/cli/repl.rs`), answering those inputs in process.

/// Options of `nas repl`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {}
