//! `nas count SPACE [--unique]`: the exact number of architectures of a space.

use crate::space::{load_space, Equivalence};
use std::process::ExitCode;

/// Options of `nas count`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A stdlib space (`nb201`) or `FILE.nas:NAME`.
    space: String,
    /// Count architectures that differ under the equivalence instead (enumerates the space).
    #[arg(long)]
    unique: bool,
    /// With --unique: `function` (the isomorphism hash) or `nb201` (NAS-Bench-201's
    /// published rule, for edge-list spaces).
    #[arg(long, default_value = "function", value_parser = ["function", "nb201"])]
    equivalence: String,
    /// With --unique: the most architectures to hash before giving up.
    #[arg(long, default_value_t = 1_000_000_000)]
    limit: u128,
}

/// Runs `nas count`.
pub fn run(args: Args) -> ExitCode {
    let space = match load_space(&args.space) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = if args.unique {
        let eq = if args.equivalence == "nb201" {
            Equivalence::Nb201Published
        } else {
            Equivalence::Function
        };
        space.count_unique(eq, args.limit).map(|n| n.to_string())
    } else {
        space.count().map(|n| n.to_string())
    };
    match result {
        Ok(n) => {
            println!("{n}");
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
