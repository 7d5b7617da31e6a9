//! `nas worker --store postgres://…`: claims and runs the trials of a database-backed run
//! (see [`crate::search::remote`]), until its driver finishes.

use crate::search::remote::{self, WorkerOptions};
use crate::search::store::redact::redact;
pub use nas_lang::cli::worker::{Args, WorkerDevice};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tch::Device;

/// Runs `nas worker`.
pub fn run(args: Args) -> ExitCode {
    // The device first: a GPU this machine lacks is refused before anything else is done.
    let device = match args.device.map(device).transpose() {
        Ok(device) => device,
        Err((message, hint)) => {
            eprintln!("error: {message}");
            eprintln!("  hint: {hint}");
            return ExitCode::FAILURE;
        }
    };
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
        device,
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

/// The device `--device` names, when this process can use it; else why not, and a hint.
fn device(wanted: WorkerDevice) -> Result<Device, (String, String)> {
    let index = match wanted {
        WorkerDevice::Cpu => return Ok(Device::Cpu),
        WorkerDevice::Cuda(index) => index,
    };
    let count = if tch::Cuda::is_available() {
        usize::try_from(tch::Cuda::device_count()).unwrap_or(0)
    } else {
        0
    };
    if index < count {
        return Ok(Device::Cuda(index));
    }
    let visible = match std::env::var("CUDA_VISIBLE_DEVICES") {
        Ok(v) => format!(" (CUDA_VISIBLE_DEVICES={v})"),
        Err(_) => String::new(),
    };
    let message = if count == 0 {
        format!("--device {wanted}: libtorch sees no CUDA device on this machine{visible}")
    } else {
        format!(
            "--device {wanted}: this machine has {count} CUDA device(s) visible, cuda:0 to cuda:{}{visible}",
            count - 1
        )
    };
    let hint = if count == 0 {
        "run this worker with --device cpu, or on a machine with a GPU (`nas doctor` shows what libtorch sees)"
    } else {
        "name one of them, one worker per GPU: `nas worker --device cuda:$i`"
    };
    Err((message, hint.to_string()))
}
