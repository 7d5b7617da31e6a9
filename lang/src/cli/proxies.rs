//! `nas proxies SPACE --table FILE --column COL --n N [--proxy P]...`: train-free scores of N
//! sampled architectures, and how well each proxy ranks them against a benchmark column.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/proxies.rs`) runs it.

use std::path::PathBuf;

/// Options of `nas proxies`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The space (`nb201`).
    pub space: String,
    /// A CSV table keyed by the canonical architecture string (column `arch`).
    #[arg(long)]
    pub table: PathBuf,
    /// The table column to rank against (e.g. `cifar10_test_200`).
    #[arg(long)]
    pub column: String,
    /// How many distinct architectures to sample.
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// A proxy to compute (repeatable): naswot, ntk, linear_regions, synflow, snip,
    /// grad_norm, params, flops. All of them when absent.
    #[arg(long = "proxy")]
    pub proxies: Vec<String>,
    /// Seed for sampling, data and initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Images in the batch the data-dependent proxies see.
    #[arg(long, default_value_t = 64)]
    pub batch: i64,
    /// Images the NTK is computed on (TE-NAS: 32).
    #[arg(long, default_value_t = 32)]
    pub ntk_batch: i64,
    /// Fashion-MNIST folder (default: NAS_FASHION_MNIST, else Debian's).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Append each architecture's scores to this JSON-lines file as they are computed
    /// (refused when the file already holds scores, unless --resume).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Go on with the scores already in --out (an interrupted run with the same seed and
    /// options): architectures scored there are read back, not computed again.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// libtorch's threads; 0 leaves libtorch's own choice (one per core). One by default:
    /// these networks are small, and on a busy machine several threads spin against each
    /// other (an NTK took 49 s per cell on two threads and 8.7 s on one at load 7 on 2 cores).
    #[arg(long, default_value_t = 1)]
    pub threads: u16,
    /// Score on the CPU even when a GPU is present (by default the first GPU, if any).
    #[arg(long)]
    pub cpu: bool,
}
