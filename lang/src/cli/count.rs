//! `nas count SPACE [--unique]`: the exact number of architectures of a space. A space with
//! resource bounds (`where params < 5M`) is counted by the engine, which builds each network
//! to measure it ([`needs_engine`], [`run_with`]).

use crate::space::{load_space, Equivalence, Space};
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

/// Whether the space of `space` (a stdlib name or `FILE.nas:NAME`) has resource bounds, which
/// only the engine can measure: then `nas count` and `nas sample` run there.
pub fn needs_engine(space: &str) -> bool {
    load_space(space).is_ok_and(|s| !s.resource_bounds().is_empty())
}

/// Whether this `nas count` needs the engine.
pub fn args_need_engine(args: &Args) -> bool {
    needs_engine(&args.space)
}

/// Runs `nas count`.
pub fn run(args: Args) -> ExitCode {
    run_with(args, &|s| s)
}

/// Runs `nas count` on the space as `measured` gives it back (the engine's: with a measure of
/// its resource bounds).
pub fn run_with(args: Args, measured: &dyn Fn(Space) -> Space) -> ExitCode {
    let space = match load_space(&args.space) {
        Ok(s) => measured(s),
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
