//! `nas worker --store postgres://…`: claims and runs the trials of a database-backed run
//! (see [`crate::search::remote`]), until its driver finishes.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/worker.rs`) runs it.

use std::path::PathBuf;

/// Options of `nas worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database (`postgres://user@host:port/db?sslmode=…`); also read from NAS_STORE;
    /// `-` reads it from the first line of standard input (how `nas run --workers N` hands
    /// it over, off the command line and the environment). A password is better kept in
    /// PGPASSWORD, ~/.pgpass or a service file than in the URL.
    #[arg(long)]
    pub store: Option<String>,
    /// Which experiment (default: the database's only one).
    #[arg(long)]
    pub experiment: Option<String>,
    /// Trials run at once, each on its own thread and database connection.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Where this worker's trials train: `cpu`, or `cuda:N`, the N-th GPU this process sees
    /// (after CUDA_VISIBLE_DEVICES); it overrides the experiment's `device:` setting. A GPU
    /// this machine does not have is refused at start. Default: the experiment's setting
    /// (GPU 0 when there is one, unless it says `device: cpu`).
    #[arg(long, value_parser = parse_device)]
    pub device: Option<WorkerDevice>,
    /// Seconds a claimed trial stays this worker's without a heartbeat; a worker that stops
    /// answering for longer loses it to another.
    #[arg(long, default_value_t = 30.0)]
    pub lease: f64,
    /// Make each trial last at least this many seconds (a simulated per-trial cost, for
    /// benchmarks and fault tests with a table evaluator).
    #[arg(long, default_value_t = 0.0)]
    pub delay: f64,
    /// Read the experiment's files from this folder (shared with the driver) instead of the
    /// copies the driver left in the database.
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// This worker's data folder (tables, datasets), where the experiment's data is looked
    /// for and the only place it may be read from (a path the experiment names outside it
    /// is refused before it is read). Default: NAS_DATA, else the project's data/.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Where finished results wait while the database is away (default: NAS_SPOOL, else
    /// ~/.local/state/nas/spool); a worker started later on this machine commits what a
    /// dead one left there.
    #[arg(long)]
    pub spool: Option<PathBuf>,
}

/// The device `nas worker --device` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerDevice {
    /// The CPU.
    Cpu,
    /// The CUDA device of this index.
    Cuda(usize),
}

impl std::fmt::Display for WorkerDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerDevice::Cpu => write!(f, "cpu"),
            WorkerDevice::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// `cpu`, `cuda:N`, or `cuda` (GPU 0).
fn parse_device(text: &str) -> Result<WorkerDevice, String> {
    let bad =
        || format!("`{text}` is not a device; write `cpu` or `cuda:N` (N a GPU's index, from 0)");
    match text {
        "cpu" => Ok(WorkerDevice::Cpu),
        "cuda" => Ok(WorkerDevice::Cuda(0)),
        _ => {
            let index = text.strip_prefix("cuda:").ok_or_else(bad)?;
            if !index.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            index.parse().map(WorkerDevice::Cuda).map_err(|_| bad())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_cpu_or_a_cuda_index() {
        assert_eq!(parse_device("cpu"), Ok(WorkerDevice::Cpu));
        assert_eq!(parse_device("cuda"), Ok(WorkerDevice::Cuda(0)));
        assert_eq!(parse_device("cuda:3"), Ok(WorkerDevice::Cuda(3)));
        for bad in [
            "gpu",
            "cuda:",
            "cuda:-1",
            "cuda:+1",
            "cuda:x",
            "CPU",
            "cuda:99999999999999999999",
        ] {
            let e = parse_device(bad).unwrap_err();
            assert!(e.contains("write `cpu` or `cuda:N`"), "{bad}: {e}");
        }
        assert_eq!(WorkerDevice::Cuda(2).to_string(), "cuda:2");
    }
}
