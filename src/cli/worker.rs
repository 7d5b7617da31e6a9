//! `nas worker --store postgres://…`: claims and runs the trials of a database-backed run
//! (see [`crate::search::remote`]), until its driver finishes.

use crate::search::remote::{self, WorkerOptions};
use crate::search::store::redact::redact;
pub use nas_lang::cli::worker::Args;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
