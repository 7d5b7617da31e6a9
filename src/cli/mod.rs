//! The engine's side of the command line: the commands that need libtorch (one file each,
//! its `run` over the arguments that `nas_lang::cli` defines). The front-end commands run in
//! `nas_lang::cli` itself, which the `nas` launcher calls without loading this engine.

mod api;
mod doctor;
mod export;
mod params;
mod proxies;
mod proxies_scores;
mod repl;
mod report;
mod run;
mod store;
mod train;
mod worker;

use clap::Parser;
pub use nas_lang::cli::{Cli, Command};
use std::process::ExitCode;

/// Parses the command line and runs the chosen subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return repl::run(repl::Args::default());
    };
    let command = match nas_lang::cli::front_end(command) {
        Ok(code) => return code,
        Err(engine_command) => *engine_command,
    };
    match command {
        Command::Doctor(args) => doctor::run(args),
        Command::Params(args) => params::run(args),
        Command::Proxies(args) => proxies::run(args),
        Command::Train(args) => train::run(*args),
        Command::Repl(args) => repl::run(args),
        Command::Run(args) => run::run(args),
        Command::Api(args) => api::run(args),
        Command::Report(args) => report::run(args),
        Command::Export(args) => export::run(args),
        Command::Store(args) => store::run(args),
        Command::Worker(args) => worker::run(args),
        // Spaces with resource bounds, which the engine measures.
        Command::Count(args) => {
            nas_lang::cli::count::run_with(args, &crate::search::arch_metrics::measured)
        }
        Command::Sample(args) => {
            nas_lang::cli::sample::run_with(args, &crate::search::arch_metrics::measured)
        }
        Command::Check(_) | Command::Fmt(_) | Command::Lsp(_) | Command::Show(_) => {
            unreachable!("front-end commands ran in nas_lang::cli")
        }
    }
}
