//! `nas show SPACE ARCH [--dot]`: draw an architecture as text or as Graphviz.

use crate::space::load_space;
use std::process::ExitCode;

/// Options of `nas show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A stdlib space (`nb201`) or `FILE.nas:NAME`.
    space: String,
    /// The architecture: its canonical string, or its JSON form (starting with `{`).
    arch: String,
    /// Print a Graphviz digraph instead of text.
    #[arg(long)]
    dot: bool,
}

/// Runs `nas show`.
pub fn run(args: Args) -> ExitCode {
    let space = match load_space(&args.space) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let decoded = if args.arch.trim_start().starts_with('{') {
        match serde_json::from_str(&args.arch) {
            Ok(json) => space.from_json(&json),
            Err(e) => {
                eprintln!("error: the architecture is not valid JSON: {e}");
                eprintln!("  hint: pass a canonical string (see `nas sample`) or the JSON form");
                return ExitCode::FAILURE;
            }
        }
    } else {
        space.decode(&args.arch)
    };
    match decoded {
        Ok(a) => {
            print!(
                "{}",
                if args.dot {
                    space.show_dot(&a)
                } else {
                    space.show_text(&a)
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(h) = e.hint() {
                eprintln!("  hint: {h}");
            }
            ExitCode::FAILURE
        }
    }
}
