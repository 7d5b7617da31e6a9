//! `nas fmt FILE`: print a `.nas` file in the canonical layout, or rewrite it in place.

use crate::fmt::format_source;
use crate::syntax::diagnostic::{render_all, stdout_wants_color};
use crate::syntax::SourceMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `nas fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `.nas` file to format.
    file: PathBuf,
    /// Rewrite the file instead of printing the result.
    #[arg(long, conflicts_with = "check")]
    write: bool,
    /// Print nothing; exit 1 if the file is not in the canonical layout.
    #[arg(long)]
    check: bool,
}

/// Runs `nas fmt`.
pub fn run(args: Args) -> ExitCode {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(error) => {
            println!("error: cannot read {}: {error}", args.file.display());
            return ExitCode::FAILURE;
        }
    };
    let formatted = match format_source(&text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            let mut sources = SourceMap::new();
            sources.add(args.file.to_string_lossy(), text);
            print!(
                "{}",
                render_all(&diagnostics, &sources, stdout_wants_color())
            );
            println!(
                "error: {} does not parse, so it was not formatted",
                args.file.display()
            );
            return ExitCode::FAILURE;
        }
    };
    if args.check {
        return if formatted == text {
            ExitCode::SUCCESS
        } else {
            println!("{} is not formatted", args.file.display());
            ExitCode::FAILURE
        };
    }
    if !args.write {
        print!("{formatted}");
        return ExitCode::SUCCESS;
    }
    if formatted == text {
        return ExitCode::SUCCESS;
    }
    match std::fs::write(&args.file, formatted) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            println!("error: cannot write {}: {error}", args.file.display());
            ExitCode::FAILURE
        }
    }
}
