//! The command line: the one definition of `nas`'s commands and their arguments (clap), and the
//! front-end commands that need no libtorch, run here (`check`, `fmt`, `count`, `sample`,
//! `show`, `lsp`). The `nas` launcher parses with [`Cli`] (so `--help`, `--version` and a
//! mistyped command are answered without the engine) and runs [`front_end`] commands itself;
//! the engine (`libnas.so`) runs the others. Each file is one subcommand.

pub mod api;
pub mod check;
pub mod count;
pub mod doctor;
pub mod export;
pub mod fmt;
pub mod lsp;
pub mod params;
pub mod proxies;
pub mod repl;
pub mod report;
pub mod run;
pub mod sample;
pub mod show;
pub mod store;
pub mod train;
pub mod worker;

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
    Train(Box<train::Args>),
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

/// Runs `command` when it is a front-end command (one that needs no libtorch); gives it back
/// otherwise, for the engine to run.
pub fn front_end(command: Command) -> Result<ExitCode, Box<Command>> {
    match command {
        Command::Check(args) => Ok(check::run(args)),
        Command::Fmt(args) => Ok(fmt::run(args)),
        Command::Lsp(args) => Ok(lsp::run(args)),
        // A space with resource bounds is measured by building networks: in the engine.
        Command::Count(args) if !count::args_need_engine(&args) => Ok(count::run(args)),
        Command::Sample(args) if !sample::args_need_engine(&args) => Ok(sample::run(args)),
        Command::Show(args) => Ok(show::run(args)),
        Command::Repl(_) => Ok(crate::repl::main(
            &mut crate::repl::host::LazyEngine::default(),
        )),
        other => Err(Box::new(other)),
    }
}
