//! `nas api`: print the strategy host API (every type, property and function a Rhai
//! strategy can use, with its arguments, return type and a line of doc), read from what is
//! registered with the engine.

pub use nas_lang::cli::api::Args;
use std::process::ExitCode;

/// Runs `nas api`.
pub fn run(_args: Args) -> ExitCode {
    match crate::search::host::reference() {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
