//! `nas lsp`: the Language Server for `.nas` files, on stdin and stdout (an editor starts
//! it; see `editors/` and the README).

use std::process::ExitCode;

/// Options of `nas lsp` (none: the editor talks to it over stdin and stdout).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted and ignored: some clients (vscode-languageclient) pass it to say that the
    /// server speaks over stdin and stdout, which it always does.
    #[arg(long)]
    stdio: bool,
}

/// Runs `nas lsp` until the client says `exit`.
pub fn run(_args: Args) -> ExitCode {
    match crate::lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: nas lsp stopped: {e}");
            eprintln!("  hint: `nas lsp` is started by an editor, which talks to it over stdin and stdout (see the README)");
            ExitCode::FAILURE
        }
    }
}
