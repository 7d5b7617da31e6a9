//! `nas run FILE.nas`: run an experiment (once per seed), with a crash-safe trial store,
//! resume, parallel workers, a progress bar and a summary.

use crate::search::prepare::{prepare, Overrides};
use crate::search::runner::{self, Observer, SeedResult};
use crate::search::store::{self, locator, Header, Locator, Mode, OpenError, Recipe, RunInfo};
use crate::search::trial::Trial;
use crate::search::trial_guard::space_spec;
use crate::search::{front, summary};
use crate::syntax::diagnostic::stderr_wants_color;
use indicatif::{ProgressBar, ProgressStyle};
pub use nas_lang::cli::run::Args;
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What `nas run` shows as trials finish: a progress bar on a terminal; otherwise (a log
/// file, a pipe) one line per finished trial with what the bar would show.
struct Progress {
    bar: ProgressBar,
    live: usize,
    multi: bool,
    /// Write one line per trial (stderr is not a terminal).
    lines: bool,
    started: Instant,
}

impl Observer for Progress {
    fn trial(&mut self, trial: &Trial, best: Option<f64>) {
        self.live += 1;
        self.bar.inc(1);
        if !self.multi {
            if let Some(b) = best {
                self.bar.set_message(format!("best {b:.4}"));
            }
        }
        if self.lines {
            eprintln!("{}", self.line(trial, best));
        }
    }

    fn print(&mut self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    fn seed_done(&mut self, result: &SeedResult) {
        if self.lines && !result.from_store {
            eprintln!("seed {}: {}", result.seed, result.ending);
        }
        if self.multi {
            self.bar.set_message(format!("seed {} done", result.seed));
        }
    }
}

impl Progress {
    /// `trial 7/40  reward 0.8123  best 0.8450  elapsed 00:01:23` (with the seed when there
    /// are several; `failed: why` instead of the reward for a failed trial).
    fn line(&self, trial: &Trial, best: Option<f64>) -> String {
        let total = match self.bar.length() {
            Some(n) if n > 0 => format!("{}/{n}", self.bar.position()),
            _ => self.bar.position().to_string(),
        };
        let seed = if self.multi {
            format!("seed {} ", trial.seed)
        } else {
            String::new()
        };
        let outcome = match (&trial.error, trial.reward) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(r)) => format!("reward {r:.4}"),
            (None, None) => "no reward".to_string(),
        };
        let best = best.map_or("none yet".to_string(), |b| format!("{b:.4}"));
        let s = self.started.elapsed().as_secs();
        format!(
            "{seed}trial {total}  {outcome}  best {best}  elapsed {:02}:{:02}:{:02}",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

/// Runs `nas run`.
pub fn run(args: Args) -> ExitCode {
    let color = stderr_wants_color();
    let overrides = Overrides {
        experiment: args.experiment.clone(),
        strategy: args.strategy.clone(),
        workers: args.workers,
        no_weights: args.no_weights,
        confine: None,
        device: None,
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
            metric: prepared.spec.reward_name().to_string(),
            maximize: config.maximize,
            more_objectives: prepared
                .spec
                .extra_objectives
                .iter()
                .map(|o| (o.metric.name().to_string(), o.maximize))
                .collect(),
            report: prepared.report.clone(),
            evaluator: config.evaluator.name().to_string(),
            space: Some(space_spec(&config.space)),
            network: config.evaluator.network(),
        }),
    };
    let at = Locator::parse(
        &args
            .out
            .clone()
            .unwrap_or_else(|| format!("runs/{}-{}.jsonl", header.experiment, header.strategy)),
    );
    let sync_every = if config.evaluator.simulated() {
        Duration::from_millis(100)
    } else {
        Duration::ZERO
    };
    let mode = match (args.resume, args.fresh) {
        (true, _) => Mode::Resume,
        (_, true) => Mode::Fresh,
        _ => Mode::New,
    };
    let recipe = match &at {
        Locator::Postgres(_) => match recipe(&args, &prepared) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        Locator::File(_) => None,
    };
    let (store, loaded, resuming) = match locator::open(
        &at,
        &header,
        mode,
        sync_every,
        recipe.as_ref(),
    ) {
        Ok(x) => x,
        Err(OpenError::Exists(e)) => {
            eprintln!("error: {e}");
            eprintln!("  hint: continue it with --resume, replace it with --fresh, or choose another with --out");
            return ExitCode::FAILURE;
        }
        Err(OpenError::InUse(e)) => {
            eprintln!("error: {e}");
            eprintln!("  hint: wait for that process to finish (or stop it), or choose another store with --out");
            return ExitCode::FAILURE;
        }
        Err(OpenError::Other(e)) => {
            eprintln!("error: {e}");
            eprintln!("  hint: start afresh with --fresh, or choose another store with --out");
            return ExitCode::FAILURE;
        }
    };
    let out = store.describe();
    let file = store.file().map(std::path::Path::to_path_buf);
    let local_workers = match &at {
        Locator::Postgres(url) => match start_workers(
            url,
            &args,
            &header.experiment,
            prepared.spec.evaluator.uses_gpu(),
        ) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        Locator::File(_) => LocalWorkers(Vec::new()),
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
        lines: !std::io::stderr().is_terminal(),
        started: Instant::now(),
    }));
    eprintln!(
        "experiment {}: strategy {}, {} seed(s), {} worker(s), store {}",
        header.experiment,
        header.strategy,
        seeds.len(),
        config.workers,
        out
    );
    let started = Instant::now();
    let outcome = runner::run(config, &seeds, Some(store), loaded, progress.clone());
    let elapsed = started.elapsed().as_secs_f64();
    drop(local_workers);
    progress.borrow().bar.finish_and_clear();
    let results = match outcome {
        Ok(x) => x,
        Err(e) => {
            eprint!(
                "{}",
                crate::syntax::diagnostic::render_all(&e.diagnostics, &e.sources, color)
            );
            let checkpointed = file
                .as_deref()
                .is_some_and(|f| store::checkpoint_dir(f).exists());
            let empty = !resuming && progress.borrow().live == 0 && !checkpointed;
            if let Some(f) = file.as_deref().filter(|_| empty) {
                // The strategy could not start: a store with nothing in it would only stand
                // in the way of the next run (it would need --fresh).
                if let Err(e) = std::fs::remove_file(f) {
                    eprintln!("error: cannot remove the empty store {}: {e}", f.display());
                }
            } else {
                let what = if checkpointed {
                    "finished trials and epochs"
                } else {
                    "finished trials"
                };
                eprintln!("{what} are kept in {out}; fix the problem and continue with --resume");
            }
            return ExitCode::FAILURE;
        }
    };
    if let Some(csv) = &args.csv {
        if let Err(e) = std::fs::write(csv, summary::to_csv(&results)) {
            eprintln!("error: cannot write {}: {e}", csv.display());
            return ExitCode::FAILURE;
        }
    }
    let live = progress.borrow().live;
    print_summary(
        &results,
        &prepared,
        live,
        elapsed,
        args.top,
        (&out, file.as_deref()),
    );
    ExitCode::SUCCESS
}

fn print_summary(
    results: &[SeedResult],
    prepared: &crate::search::prepare::Prepared,
    live: usize,
    elapsed: f64,
    top: usize,
    (out, file): (&str, Option<&std::path::Path>),
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
                (prepared.spec.reward_name(), report)
            )
        );
        println!("run ended: {}", only.ending);
    }
    if !prepared.spec.extra_objectives.is_empty() {
        let objectives = front::Objectives {
            first: (prepared.spec.reward_name(), prepared.config.maximize),
            extra: &prepared.spec.extra_objectives,
        };
        print!("{}", front::describe(results, &objectives));
    }
    println!(
        "{} trials ({} failed) in {} run(s); {} evaluated now in {elapsed:.2} s ({rate}); results in {}",
        t.trials,
        t.failed,
        results.len(),
        t.live,
        out
    );
    let metric = prepared
        .report
        .clone()
        .unwrap_or_else(|| prepared.spec.reward_name().to_string());
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
            let weights = file.map(|f| (f, store::weights_file(f, best)));
            if let Some((f, weights)) = weights.filter(|(_, w)| w.is_file()) {
                println!(
                    "its trained weights: {} (nas export {} --best -o DIR)",
                    weights.display(),
                    f.display()
                );
            }
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

/// What workers in other processes rebuild this run's evaluator from: the experiment file
/// and every file of its folder that the program or its strategy read.
fn recipe(args: &Args, prepared: &crate::search::prepare::Prepared) -> Result<Recipe, String> {
    let folder = args
        .file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let folder = folder
        .canonicalize()
        .map_err(|e| format!("cannot read folder {}: {e}", folder.display()))?;
    let relative = |path: &std::path::Path| -> Option<String> {
        let full = path.canonicalize().ok()?;
        let rel = full.strip_prefix(&folder).ok()?;
        Some(rel.to_string_lossy().into_owned())
    };
    let main =
        relative(&args.file).ok_or_else(|| format!("cannot read {}", args.file.display()))?;
    let mut files: Vec<(String, String)> = Vec::new();
    for (_, source) in prepared.sources.iter() {
        if let Some(name) = relative(std::path::Path::new(&source.name)) {
            if !files.iter().any(|(n, _)| n == &name) {
                files.push((name, source.text.clone()));
            }
        }
    }
    let script = &prepared.config.strategy;
    if let Some(name) = relative(&script.path) {
        if !files.iter().any(|(n, _)| n == &name) {
            files.push((name, script.source.clone()));
        }
    }
    if !files.iter().any(|(n, _)| n == &main) {
        let text = std::fs::read_to_string(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
        files.push((main.clone(), text));
    }
    Ok(Recipe {
        main,
        files,
        experiment: args.experiment.clone(),
        strategy: args.strategy.clone(),
        workers: args.workers,
    })
}

/// The `nas worker` processes a driver started on this machine; stopped when dropped (they
/// stop by themselves once the run is finished, so this only waits for them then).
struct LocalWorkers(Vec<std::process::Child>);

impl Drop for LocalWorkers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            // The run ended; a worker still waiting (the run failed) has nothing to do.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `--workers N` local `nas worker` processes for `experiment` in the database at
/// `url`, reading the experiment's files from its folder. The URL goes to them on their
/// standard input (`--store -`), neither on their command line nor in their environment, so
/// that `ps` (and `/proc/PID/environ`) shows no credentials. With several GPUs and an
/// evaluator that `uses_gpu`, worker `k` trains on GPU `k mod count`, as the embedded
/// store's worker threads do.
fn start_workers(
    url: &str,
    args: &Args,
    experiment: &str,
    uses_gpu: bool,
) -> Result<LocalWorkers, String> {
    let n = args.workers.unwrap_or(0);
    let folder = args
        .file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let gpus = if n > 0 && uses_gpu && tch::Cuda::is_available() {
        usize::try_from(tch::Cuda::device_count()).unwrap_or(0)
    } else {
        0
    };
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the nas binary: {e}"))?;
    let mut workers = LocalWorkers(Vec::new());
    for k in 0..n {
        let mut command = std::process::Command::new(&exe);
        command
            .args([
                "worker",
                "--store",
                "-",
                "--experiment",
                experiment,
                "--files",
            ])
            .arg(folder);
        if gpus > 1 {
            command.arg("--device").arg(format!("cuda:{}", k % gpus));
        }
        let mut child = command
            .env_remove("NAS_STORE")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start a worker: {e}"))?;
        let handed = child.stdin.take().map(|mut input| writeln!(input, "{url}"));
        workers.0.push(child);
        if !matches!(handed, Some(Ok(()))) {
            return Err("cannot hand the database's URL to a worker".to_string());
        }
    }
    Ok(workers)
}
