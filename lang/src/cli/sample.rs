//! `nas sample SPACE [-n N] [--seed S]`: uniformly random architectures, one canonical
//! string a line.

use crate::space::{load_space, rng};
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

/// Runs `nas sample`.
pub fn run(args: Args) -> ExitCode {
    let space = match load_space(&args.space) {
        Ok(s) => s,
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
