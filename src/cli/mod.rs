//! The command-line interface: one file per subcommand, each with its clap `Args` and a `run`.

mod api;
mod check;
mod count;
mod doctor;
mod export;
mod fmt;
mod lsp;
mod params;
mod proxies;
mod proxies_scores;
mod repl;
mod report;
mod run;
mod sample;
mod show;
mod store;
mod train;
mod worker;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A neural architecture search engine.
#[derive(Debug, Parser)]
#[command(name = "nas", version, about)]
pub struct Cli {
    /// What to do (nothing: the interactive REPL).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands of `nas`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report libtorch, CUDA/cuDNN, CPU threads, and where the stdlib and data were found.
    Doctor(doctor::Args),
    /// Parse and check `.nas` files; exit 1 on any error.
    Check(check::Args),
    /// Print a `.nas` file in the canonical layout (or rewrite it with --write).
    Fmt(fmt::Args),
    /// The Language Server for `.nas` files, over stdin and stdout (an editor starts it).
    Lsp(lsp::Args),
    /// Print the parameter count and FLOPs of an architecture.
    Params(params::Args),
    /// Score sampled architectures with train-free proxies and rank them against a table.
    Proxies(proxies::Args),
    /// Compile an architecture and train it.
    Train(train::Args),
    /// Print the number of architectures of a space (or of unique ones).
    Count(count::Args),
    /// Print uniformly random architectures of a space, one canonical string a line.
    Sample(sample::Args),
    /// Draw an architecture of a space as text or Graphviz.
    Show(show::Args),
    /// The interactive REPL (the default), or a transcript from stdin: `nas repl < session.txt`.
    Repl(repl::Args),
    /// Run an experiment: its strategy against its evaluator, with a resumable trial store.
    Run(run::Args),
    /// Print the strategy host API: every type and function a Rhai strategy can call.
    Api(api::Args),
    /// Write an architecture out as a plain PyTorch module with its weights (and ONNX script).
    Export(export::Args),
    /// Write one HTML page (charts, trial table) and CSV files of what runs found.
    Report(report::Args),
    /// Work on trial stores: `nas store repair FILE`, `nas store copy FROM TO`.
    Store(store::Args),
    /// Run the trials of a run whose store is a PostgreSQL database (`--store postgres://…`).
    Worker(worker::Args),
}

/// Parses the command line and runs the chosen subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return repl::run(repl::Args::default());
    };
    match command {
        Command::Doctor(args) => doctor::run(args),
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Params(args) => params::run(args),
        Command::Proxies(args) => proxies::run(args),
        Command::Train(args) => train::run(args),
        Command::Count(args) => count::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Show(args) => show::run(args),
        Command::Repl(args) => repl::run(args),
        Command::Run(args) => run::run(args),
        Command::Api(args) => api::run(args),
        Command::Report(args) => report::run(args),
        Command::Export(args) => export::run(args),
        Command::Store(args) => store::run(args),
        Command::Worker(args) => worker::run(args),
    }
}
