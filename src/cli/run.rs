//! `nas run FILE.nas`: run an experiment (once per seed), with a crash-safe trial store,
//! resume, parallel workers, a progress bar and a summary.

use crate::search::prepare::{prepare, Overrides};
use crate::search::runner::{self, Observer, SeedResult};
use crate::search::store::{Header, Loaded, RunInfo, TrialStore};
use crate::search::summary;
use crate::search::trial::Trial;
use crate::syntax::diagnostic::stderr_wants_color;
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Options of `nas run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file.
    file: PathBuf,
    /// Which experiment of the file (default: the first).
    #[arg(long)]
    experiment: Option<String>,
    /// Another strategy: a stdlib name (`evolution`) or a `.rhai` file.
    #[arg(long)]
    strategy: Option<String>,
    /// Run the experiment once per seed, for this many seeds.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// The first seed (default: the experiment's `seed`, else 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Parallel workers per run.
    #[arg(long)]
    workers: Option<usize>,
    /// Continue the trial store of an interrupted run: finished trials are not repeated
    /// (with no store yet, the run starts one).
    #[arg(long, conflicts_with = "fresh")]
    resume: bool,
    /// Replace an existing trial store.
    #[arg(long)]
    fresh: bool,
    /// The trial store and results file, JSON lines (default: runs/EXPERIMENT-STRATEGY.jsonl).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write every trial as CSV to this file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// How many of the best trials the summary lists.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

struct Progress {
    bar: ProgressBar,
    live: usize,
    multi: bool,
}

impl Observer for Progress {
    fn trial(&mut self, _trial: &Trial, best: Option<f64>) {
        self.live += 1;
        self.bar.inc(1);
        if !self.multi {
            if let Some(b) = best {
                self.bar.set_message(format!("best {b:.4}"));
            }
        }
    }

    fn print(&mut self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    fn seed_done(&mut self, result: &SeedResult) {
        if self.multi {
            self.bar.set_message(format!("seed {} done", result.seed));
        }
    }
}

/// Runs `nas run`.
pub fn run(args: Args) -> ExitCode {
    let color = stderr_wants_color();
    let overrides = Overrides {
        experiment: args.experiment.clone(),
        strategy: args.strategy.clone(),
        workers: args.workers,
    };
    let prepared = match prepare(&args.file, &overrides) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", e.render(color));
            return ExitCode::FAILURE;
        }
    };
    let config = &prepared.config;
    let header = Header {
        experiment: prepared.spec.name.clone(),
        strategy: config.strategy.name.clone(),
        fingerprint: prepared.fingerprint.clone(),
        about: Some(RunInfo {
            metric: prepared.spec.metric.clone(),
            maximize: config.maximize,
            report: prepared.report.clone(),
            evaluator: config.evaluator.name().to_string(),
        }),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!("{}-{}.jsonl", header.experiment, header.strategy))
    });
    let sync_every = if config.evaluator.simulated() {
        Duration::from_millis(100)
    } else {
        Duration::ZERO
    };
    let opened = if args.resume && out.exists() {
        TrialStore::resume(&out, &header, sync_every)
    } else {
        if out.exists() && !args.fresh {
            eprintln!("error: the trial store {} already exists", out.display());
            eprintln!("  hint: continue it with --resume, replace it with --fresh, or choose another with --out");
            return ExitCode::FAILURE;
        }
        if args.fresh && out.exists() {
            if let Err(e) = std::fs::remove_file(&out) {
                eprintln!("error: cannot remove {}: {e}", out.display());
                return ExitCode::FAILURE;
            }
        }
        TrialStore::create(&out, &header, sync_every).map(|s| (s, Loaded::default()))
    };
    let (store, loaded) = match opened {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("  hint: start afresh with --fresh, or choose another store with --out");
            return ExitCode::FAILURE;
        }
    };
    let first = args.seed.or(prepared.spec.seed).unwrap_or(0);
    let seeds: Vec<u64> = (first..first.saturating_add(args.seeds.max(1))).collect();
    let per_seed = config.budget.trials.unwrap_or(0);
    let bar = if per_seed > 0 {
        ProgressBar::new(per_seed * seeds.len() as u64)
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} trials  {msg}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let replayed: u64 = loaded.trials.values().map(|t| t.len() as u64).sum();
    bar.inc(replayed);
    let progress = Rc::new(RefCell::new(Progress {
        bar,
        live: 0,
        multi: seeds.len() > 1,
    }));
    eprintln!(
        "experiment {}: strategy {}, {} seed(s), {} worker(s), store {}",
        header.experiment,
        header.strategy,
        seeds.len(),
        config.workers,
        out.display()
    );
    let started = Instant::now();
    let outcome = runner::run(config, &seeds, Some(store), loaded, progress.clone());
    let elapsed = started.elapsed().as_secs_f64();
    progress.borrow().bar.finish_and_clear();
    let (results, unread) = match outcome {
        Ok(x) => x,
        Err(e) => {
            eprint!(
                "{}",
                crate::syntax::diagnostic::render_all(&e.diagnostics, &e.sources, color)
            );
            eprintln!(
                "finished trials are kept in {}; fix the problem and continue with --resume",
                out.display()
            );
            return ExitCode::FAILURE;
        }
    };
    for name in unread {
        eprintln!(
            "warning: strategy `{}` never read its parameter `{name}`",
            header.strategy
        );
    }
    if let Some(csv) = &args.csv {
        if let Err(e) = std::fs::write(csv, summary::to_csv(&results)) {
            eprintln!("error: cannot write {}: {e}", csv.display());
            return ExitCode::FAILURE;
        }
    }
    let live = progress.borrow().live;
    print_summary(&results, &prepared, live, elapsed, args.top, &out);
    ExitCode::SUCCESS
}

fn print_summary(
    results: &[SeedResult],
    prepared: &crate::search::prepare::Prepared,
    live: usize,
    elapsed: f64,
    top: usize,
    out: &std::path::Path,
) {
    let t = summary::totals(results, live);
    let rate = match live as f64 / elapsed {
        r if !r.is_finite() || r <= 0.0 => "no evaluations".to_string(),
        r if r >= 10.0 => format!("{r:.0} evaluations/s"),
        r => format!("{:.1} s per evaluation", 1.0 / r),
    };
    if let [only] = results {
        let report = prepared.report.as_deref().unwrap_or("report");
        print!(
            "{}",
            summary::best_table(
                &only.trials,
                prepared.config.maximize,
                top,
                (&prepared.spec.metric, report)
            )
        );
        println!("run ended: {}", only.ending);
    }
    println!(
        "{} trials ({} failed) in {} run(s); {} evaluated now in {elapsed:.2} s ({rate}); results in {}",
        t.trials,
        t.failed,
        results.len(),
        t.live,
        out.display()
    );
    let metric = prepared
        .report
        .clone()
        .unwrap_or_else(|| prepared.spec.metric.clone());
    let values: Vec<f64> = if prepared.report.is_some() {
        summary::chosen_reports(results)
    } else {
        results
            .iter()
            .filter_map(|r| r.best.as_ref()?.reward)
            .collect()
    };
    if values.is_empty() {
        println!("no run found an architecture");
    } else if let [one] = values.as_slice() {
        if let Some(best) = results.iter().find_map(|r| r.best.as_ref()) {
            println!("chosen architecture: {}", best.arch);
        }
        println!("{metric} of the chosen architecture: {one:.4}");
    } else {
        println!(
            "{metric} of each run's chosen architecture over {} runs: {}",
            values.len(),
            summary::mean_std(&values)
        );
    }
}
