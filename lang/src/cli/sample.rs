//! `nas sample SPACE [-n N] [--seed S]`: uniformly random architectures, one canonical
//! string a line.

use crate::space::{load_space, rng, Space};
use std::io::Write;
use std::process::ExitCode;

/// Options of `nas sample`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A stdlib space (`nb201`) or `FILE.nas:NAME`.
    space: String,
    /// How many architectures.
    #[arg(short = 'n', long, default_value_t = 1)]
    n: usize,
    /// The random seed (the same seed gives the same architectures).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print the JSON form instead of canonical strings.
    #[arg(long)]
    json: bool,
}

/// Whether this `nas sample` needs the engine (its space has resource bounds).
pub fn args_need_engine(args: &Args) -> bool {
    super::count::needs_engine(&args.space)
}

/// Runs `nas sample`.
pub fn run(args: Args) -> ExitCode {
    run_with(args, &|s| s)
}

/// Runs `nas sample` on the space as `measured` gives it back (the engine's: with a measure
/// of its resource bounds, so that every architecture printed meets them).
pub fn run_with(args: Args, measured: &dyn Fn(Space) -> Space) -> ExitCode {
    let space = match load_space(&args.space) {
        Ok(s) => measured(s),
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut r = rng(args.seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for _ in 0..args.n {
        match space.sample(&mut r) {
            Ok(a) => {
                let line = if args.json {
                    space.to_json(&a).to_string()
                } else {
                    space.encode(&a)
                };
                if writeln!(out, "{line}").is_err() {
                    return ExitCode::SUCCESS;
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                if let Some(h) = e.hint() {
                    eprintln!("  hint: {h}");
                }
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
