//! `nas worker --store postgres://…`: claims and runs the trials of a database-backed run
//! (see [`crate::search::remote`]), until its driver finishes.

use crate::search::remote::{self, WorkerOptions};
use crate::search::store::redact::redact;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Options of `nas worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database (`postgres://user@host:port/db?sslmode=…`); also read from NAS_STORE;
    /// `-` reads it from the first line of standard input (how `nas run --workers N` hands
    /// it over, off the command line and the environment). A password is better kept in
    /// PGPASSWORD, ~/.pgpass or a service file than in the URL.
    #[arg(long)]
    store: Option<String>,
    /// Which experiment (default: the database's only one).
    #[arg(long)]
    experiment: Option<String>,
    /// Trials run at once, each on its own thread and database connection.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Seconds a claimed trial stays this worker's without a heartbeat; a worker that stops
    /// answering for longer loses it to another.
    #[arg(long, default_value_t = 30.0)]
    lease: f64,
    /// Make each trial last at least this many seconds (a simulated per-trial cost, for
    /// benchmarks and fault tests with a table evaluator).
    #[arg(long, default_value_t = 0.0)]
    delay: f64,
    /// Read the experiment's files from this folder (shared with the driver) instead of the
    /// copies the driver left in the database.
    #[arg(long)]
    files: Option<PathBuf>,
    /// This worker's data folder (tables, datasets), where the experiment's data is looked
    /// for and the only place it may be read from (a path the experiment names outside it
    /// is refused before it is read). Default: NAS_DATA, else the project's data/.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where finished results wait while the database is away (default: NAS_SPOOL, else
    /// ~/.local/state/nas/spool); a worker started later on this machine commits what a
    /// dead one left there.
    #[arg(long)]
    spool: Option<PathBuf>,
}

/// Runs `nas worker`.
pub fn run(args: Args) -> ExitCode {
    let Some(mut url) = args.store.or_else(|| std::env::var("NAS_STORE").ok()) else {
        eprintln!("error: `nas worker` needs a database");
        eprintln!("  hint: give it with --store postgres://USER@HOST/DB, or in NAS_STORE");
        return ExitCode::FAILURE;
    };
    if url == "-" {
        url.clear();
        if std::io::stdin().read_line(&mut url).is_err() || url.trim().is_empty() {
            eprintln!("error: `--store -` found no URL on standard input");
            return ExitCode::FAILURE;
        }
        url = url.trim().to_string();
    }
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        eprintln!(
            "error: `{}` is not a PostgreSQL URL; workers share a database, not a file",
            redact(&url)
        );
        eprintln!("  hint: write it as postgres://USER@HOST:PORT/DB");
        return ExitCode::FAILURE;
    }
    if !args.delay.is_finite() {
        eprintln!("error: --delay must be a number of seconds");
        return ExitCode::FAILURE;
    }
    if !(args.lease.is_finite() && args.lease >= 0.3) {
        eprintln!("error: --lease must be at least 0.3 seconds");
        return ExitCode::FAILURE;
    }
    if let Some(dir) = &args.data {
        // Before any thread starts: the evaluator looks for data where NAS_DATA says.
        std::env::set_var(crate::paths::DATA_ENV, dir);
    }
    let options = WorkerOptions {
        url,
        experiment: args.experiment,
        threads: args.threads.max(1),
        lease: Duration::from_secs_f64(args.lease),
        idle: Duration::from_millis(50),
        files: args.files,
        delay: Duration::from_secs_f64(args.delay.max(0.0)),
        spool: args.spool.unwrap_or_else(crate::paths::spool_dir),
        data: crate::paths::data_dir().into_iter().collect(),
    };
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|line: &str| eprintln!("{line}"));
    match remote::run(&options, log) {
        Ok(stats) => {
            eprintln!(
                "worker done: {} trial(s) committed, {} late result(s) dropped, {} spooled result(s) of earlier workers committed",
                stats.committed, stats.dropped, stats.unspooled
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", redact(&e));
            ExitCode::FAILURE
        }
    }
}
