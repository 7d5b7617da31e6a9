//! The interactive REPL: design spaces, inspect architectures and run searches in one session.
//!
//! The core is [`Session`] ([`session`]): it holds the session's definitions as one growing
//! source checked as the file `<repl>` ([`source`]), the current space and the architectures
//! printed so far ([`spaces`]); [`Session::eval`] turns one complete input into a [`Reply`]
//! without touching a terminal. [`input`] decides what an
//! input is and whether it is complete (the validator) and colours it; [`complete`] does tab
//! completion; [`command`] parses `:commands` and [`help`] documents them.
//!
//! The front ends ([`frontend`]) are thin: rustyline on a terminal, a line reader for piped
//! transcripts. `:run` and `:train` run `nas run` and `nas train` as child processes ([`child`])
//! so that Ctrl-C stops the run and not the session ([`signal`]). What needs libtorch
//! (`:params`, `:rhai`) is an [`EngineRequest`] that the session's [`Host`] hands to the
//! engine: the launcher's host ([`host`]) loads `libnas.so` the first time one comes, so the
//! session itself never loads libtorch.

pub mod child;
pub mod command;
pub mod complete;
pub mod engine_request;
pub mod frontend;
pub mod help;
pub mod host;
pub mod input;
pub mod session;
pub mod signal;
pub mod source;
pub mod spaces;

pub use engine_request::{EngineReply, EngineRequest, SpaceAt};
pub use session::{Host, Job, Options, Reply, RunOutcome, RunRequest, Session};

use std::io::IsTerminal;
use std::process::ExitCode;

/// Starts the REPL with `host`: interactive when stdin and stdout are terminals, else a
/// transcript read from stdin.
pub fn main(host: &mut dyn Host) -> ExitCode {
    signal::install();
    let color_err = crate::syntax::diagnostic::stderr_wants_color();
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        frontend::interactive(color_err, host)
    } else {
        frontend::transcript(std::io::stdin().lock(), color_err, host)
    }
}
