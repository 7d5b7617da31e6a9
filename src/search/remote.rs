//! `nas worker`: a process that runs a database-backed run's trials. It rebuilds the
//! experiment's evaluator from the recipe its driver left (the evaluators nas defines, with
//! data read from this machine's own data folder; the strategy is never run here), refuses an
//! experiment whose nas version or fingerprint (space, evaluator, data) differ from its own
//! build of it, then claims trials one at a time per thread under a lease that a heartbeat
//! thread keeps alive on its own connection, and commits each result while its lease holds.
//! A result whose lease ran out is dropped and logged; a database that goes away is waited
//! for, the finished result kept until it can be committed.

use super::evaluator::Evaluator;
use super::prepare::{prepare, Overrides};
use super::store::postgres::claim::{self, Claim};
use super::store::postgres::queue::encode;
use super::store::postgres::{connect, host_name, schema, NAS_VERSION};
use super::store::redact::redact;
use super::store::{Header, Recipe};
use crate::space::Space;
use postgres::Client;
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The database's URL.
    pub url: String,
    /// Which experiment (default: the database's only one).
    pub experiment: Option<String>,
    /// Trials run at once, each on its own thread and connection.
    pub threads: usize,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// How long to wait between looks for work.
    pub idle: Duration,
    /// Seconds each trial is made to last at least (a simulated per-trial cost, for
    /// benchmarks and fault tests with a table evaluator; zero: none).
    pub delay: Duration,
    /// Read the experiment's files from this folder (the driver's own, on a shared file
    /// system or the same machine) instead of the copies in the database.
    pub files: Option<std::path::PathBuf>,
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Results committed.
    pub committed: u64,
    /// Results dropped because their lease had run out.
    pub dropped: u64,
}

/// The experiment a worker runs, rebuilt here.
struct Rebuilt {
    name: String,
    space: Arc<Space>,
    evaluator: Arc<dyn Evaluator>,
}

/// Runs a worker until its experiment's driver finishes; `log` receives what it reports.
pub fn run(
    options: &WorkerOptions,
    log: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<WorkerStats, String> {
    let mut client = connect(&options.url, "nas worker")?;
    schema::ensure(&mut client)?;
    let rebuilt = rebuild(&mut client, options, log.as_ref())?;
    log(&format!(
        "worker on {} (pid {}): running experiment `{}` from {} with {} thread(s)",
        host_name(),
        std::process::id(),
        rebuilt.name,
        redact(&options.url),
        options.threads.max(1)
    ));
    let rebuilt = Arc::new(rebuilt);
    let live: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (committed, dropped) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let heart = {
        let (url, live, stop, lease) = (
            options.url.clone(),
            Arc::clone(&live),
            Arc::clone(&stop),
            options.lease,
        );
        let log = Arc::clone(&log);
        std::thread::spawn(move || heartbeat(&url, &live, &stop, lease, log.as_ref()))
    };
    let threads: Vec<_> = (0..options.threads.max(1))
        .map(|thread| {
            let (options, rebuilt, live) =
                (options.clone(), Arc::clone(&rebuilt), Arc::clone(&live));
            let (committed, dropped, log) = (
                Arc::clone(&committed),
                Arc::clone(&dropped),
                Arc::clone(&log),
            );
            std::thread::spawn(move || {
                let mut lane = Lane {
                    options: &options,
                    rebuilt: &rebuilt,
                    live: &live,
                    log: log.as_ref(),
                    name: format!("{}:{}/{thread}", host_name(), std::process::id()),
                    client: None,
                    claims: 0,
                };
                lane.work(&committed, &dropped)
            })
        })
        .collect();
    let mut outcome = Ok(());
    for t in threads {
        match t.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => outcome = Err(e),
            Err(_) => outcome = Err("a worker thread stopped unexpectedly".to_string()),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let _ = heart.join();
    outcome.map(|()| WorkerStats {
        committed: committed.load(Ordering::SeqCst),
        dropped: dropped.load(Ordering::SeqCst),
    })
}

/// Reads the experiment's row (waiting for it to appear) and builds its evaluator here.
fn rebuild(
    client: &mut Client,
    options: &WorkerOptions,
    log: &dyn Fn(&str),
) -> Result<Rebuilt, String> {
    let url = redact(&options.url);
    let mut waited = false;
    let row = loop {
        let name = match schema::pick(client, options.experiment.as_deref()) {
            Ok(name) => Some(name),
            Err(e) if e.contains("no experiment") || e.contains("no experiment yet") => None,
            Err(e) => return Err(format!("{url}: {e}")),
        };
        if let Some(row) = name
            .map(|n| claim::experiment(client, &n))
            .transpose()?
            .flatten()
        {
            break row;
        }
        if !waited {
            log(&format!(
                "waiting for a driver to start an experiment in {url}"
            ));
            waited = true;
        }
        std::thread::sleep(options.idle);
    };
    if row.nas_version != NAS_VERSION {
        return Err(format!(
            "experiment `{}` in {url} is driven by nas {}, this worker is nas {NAS_VERSION}; run workers of the driver's version",
            row.name, row.nas_version
        ));
    }
    let header: Header = serde_json::from_str(&row.header).map_err(|e| {
        format!(
            "experiment `{}` has a header nas cannot read: {e}",
            row.name
        )
    })?;
    let recipe: Recipe = match &row.recipe {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| format!("experiment `{}` has a recipe nas cannot read: {e}", row.name))?,
        None => {
            return Err(format!(
                "experiment `{}` in {url} has no recipe for workers (it was copied in); resume its driver with `nas run FILE.nas --store URL --resume`",
                row.name
            ))
        }
    };
    let copies = tempfile::tempdir().map_err(|e| format!("cannot make a folder: {e}"))?;
    let folder = match &options.files {
        Some(dir) => dir.clone(),
        None => {
            for (name, text) in &recipe.files {
                let path = inside(copies.path(), name)?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
                }
                std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            copies.path().to_path_buf()
        }
    };
    let main = inside(&folder, &recipe.main)?;
    let overrides = Overrides {
        experiment: recipe.experiment.clone(),
        strategy: recipe.strategy.clone(),
        workers: recipe.workers,
        no_weights: true,
    };
    let prepared = prepare(&main, &overrides).map_err(|e| {
        format!(
            "cannot build experiment `{}` here:\n{}",
            row.name,
            e.render(false)
        )
    })?;
    if prepared.fingerprint != header.fingerprint {
        return Err(format!(
            "experiment `{}` differs here from its driver's (space, evaluator or data: fingerprint {} here, {} there); give this worker the same data (NAS_DATA) and nas build",
            row.name, prepared.fingerprint, header.fingerprint
        ));
    }
    Ok(Rebuilt {
        name: row.name,
        space: Arc::clone(&prepared.config.space),
        evaluator: Arc::clone(&prepared.config.evaluator),
    })
}

/// `name` under `folder`, refused when it would lead out of it.
fn inside(folder: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    let path = Path::new(name);
    let plain = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain || name.is_empty() {
        return Err(format!(
            "the experiment's recipe names a file outside its folder (`{name}`); refused"
        ));
    }
    Ok(folder.join(path))
}

/// A connection to `url`, waiting (and saying so once) while the database is away.
fn reconnect(url: &str, log: &dyn Fn(&str)) -> Client {
    let mut warned = false;
    loop {
        match connect(url, "nas worker") {
            Ok(c) => return c,
            Err(e) => {
                if !warned {
                    log(&format!("{e}; retrying"));
                    warned = true;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

/// Keeps the leases in `live` alive every third of `lease`, on its own connection, until
/// `stop`.
fn heartbeat(
    url: &str,
    live: &Mutex<Vec<String>>,
    stop: &AtomicBool,
    lease: Duration,
    log: &dyn Fn(&str),
) {
    let mut client: Option<Client> = None;
    let beat = lease / 3;
    while !stop.load(Ordering::SeqCst) {
        let tokens = live.lock().map(|l| l.clone()).unwrap_or_default();
        if !tokens.is_empty() {
            if client.as_ref().is_none_or(Client::is_closed) {
                client = connect(url, "nas worker heartbeat").ok();
            }
            if let Some(c) = client.as_mut() {
                if let Err(e) = claim::heartbeat(c, &tokens, lease) {
                    log(&format!("heartbeat failed ({e}); retrying"));
                    client = None;
                }
            }
        }
        let mut slept = Duration::ZERO;
        while slept < beat && !stop.load(Ordering::SeqCst) {
            let step = Duration::from_millis(50).min(beat - slept);
            std::thread::sleep(step);
            slept += step;
        }
    }
}

/// One worker thread: its connection and the trials it claims.
struct Lane<'a> {
    options: &'a WorkerOptions,
    rebuilt: &'a Rebuilt,
    live: &'a Mutex<Vec<String>>,
    log: &'a dyn Fn(&str),
    name: String,
    client: Option<Client>,
    claims: u64,
}

impl Lane<'_> {
    /// The connection, made again after it broke (waiting while the database is away).
    fn client(&mut self) -> &mut Client {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            self.client = None;
        }
        let (url, log) = (&self.options.url, self.log);
        self.client.get_or_insert_with(|| reconnect(url, log))
    }

    /// Claims and runs trials until the experiment's driver finishes.
    fn work(&mut self, committed: &AtomicU64, dropped: &AtomicU64) -> Result<(), String> {
        let experiment = self.rebuilt.name.clone();
        loop {
            self.claims += 1;
            let token = format!("{}#{}", self.name, self.claims);
            let lease = self.options.lease;
            let claimed = claim::claim(self.client(), &experiment, &token, lease);
            let c = match claimed {
                Ok(Some(c)) => c,
                Ok(None) => {
                    let row = claim::experiment(self.client(), &experiment);
                    match row {
                        Ok(Some(r)) if r.finished => return Ok(()),
                        Ok(None) => return Ok(()),
                        Ok(Some(_)) => {}
                        Err(e) => self.broken(&e),
                    }
                    std::thread::sleep(self.options.idle);
                    continue;
                }
                Err(e) => {
                    self.broken(&e);
                    continue;
                }
            };
            if let Ok(mut l) = self.live.lock() {
                l.push(c.token.clone());
            }
            let started = std::time::Instant::now();
            let result = self.evaluate(&c);
            if let Some(rest) = self.options.delay.checked_sub(started.elapsed()) {
                std::thread::sleep(rest);
            }
            let kept = self.commit(&experiment, &c, &encode(&result));
            if let Ok(mut l) = self.live.lock() {
                l.retain(|t| t != &c.token);
            }
            if kept {
                committed.fetch_add(1, Ordering::SeqCst);
            } else {
                dropped.fetch_add(1, Ordering::SeqCst);
                (self.log)(&format!(
                    "dropped the result of trial {} of seed {}: its lease ran out and the trial went to another worker",
                    c.id, c.seed
                ));
            }
        }
    }

    /// Notes a database error; the next use of the connection makes it again.
    fn broken(&mut self, e: &str) {
        (self.log)(&format!("database error ({e}); retrying"));
        self.client = None;
        std::thread::sleep(Duration::from_millis(200));
    }

    /// Runs the evaluator on the claimed trial (a failure is the trial's result, final).
    fn evaluate(&self, c: &Claim) -> Result<(f64, Option<f64>, f64), String> {
        let arch = self
            .rebuilt
            .space
            .decode(&c.arch)
            .map_err(|e| format!("not an architecture of the space: {e}"))?;
        let o = self
            .rebuilt
            .evaluator
            .evaluate(&c.arch, &arch, c.fidelity)?;
        if o.reward.is_finite() {
            Ok((o.reward, o.report, o.cost))
        } else {
            Err(format!("the evaluator returned reward {}", o.reward))
        }
    }

    /// Commits a result, holding it while the database is away; whether it was kept.
    fn commit(&mut self, experiment: &str, c: &Claim, result: &str) -> bool {
        loop {
            let name = self.name.clone();
            match claim::commit(self.client(), experiment, c, &name, result) {
                Ok(kept) => return kept,
                Err(e) => {
                    (self.log)(&format!(
                        "cannot commit trial {} of seed {} yet ({e}); keeping its result",
                        c.id, c.seed
                    ));
                    self.client = None;
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
    }
}
