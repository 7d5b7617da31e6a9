//! `nas worker`: a process that runs a database-backed run's trials. It rebuilds the
//! experiment's evaluator from the recipe its driver left (the evaluators nas defines, with
//! data read from this machine's own data folder; the strategy is never run here), refuses an
//! experiment whose nas version or fingerprint (space, evaluator, data) differ from its own
//! build of it, then claims trials one at a time per thread under a lease that a heartbeat
//! thread keeps alive on its own connection, and commits each result while its lease holds.
//! A result whose lease ran out is dropped and logged; a database that goes away is waited
//! for, a finished result spooled on this machine's disk until it can be committed (and
//! committed by the next worker here should this one die meanwhile).

use super::evaluator::Evaluator;
use super::prepare::{prepare, prepare_program, Overrides};
use super::store::postgres::claim::{self, Claim};
use super::store::postgres::conn::{Conn, Log};
use super::store::postgres::queue::encode;
use super::store::postgres::spool::{Spool, Spooled};
use super::store::postgres::{connect, db_error, host_name, schema, NAS_VERSION};
use super::store::redact::redact;
use super::store::{Header, Recipe};
use crate::space::Space;
use postgres::Client;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tch::Device;

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
    pub files: Option<PathBuf>,
    /// The folders the evaluator may read data from (`--data`, NAS_DATA by default).
    pub data: Vec<PathBuf>,
    /// The folder under which results wait while the database is away
    /// ([`crate::paths::spool_dir`]).
    pub spool: PathBuf,
    /// The device trials train on (`--device`), over the experiment's `device:` setting;
    /// `None`: as the experiment says.
    pub device: Option<Device>,
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Results committed.
    pub committed: u64,
    /// Results dropped because their lease had run out.
    pub dropped: u64,
    /// Results left in the spool by an earlier worker, committed by this one.
    pub unspooled: u64,
}

/// The experiment a worker runs, rebuilt here.
struct Rebuilt {
    name: String,
    space: Arc<Space>,
    evaluator: Arc<dyn Evaluator>,
}

/// Runs a worker until its experiment's driver finishes; `log` receives what it reports.
pub fn run(options: &WorkerOptions, log: Log) -> Result<WorkerStats, String> {
    let mut conn = Conn::open(&options.url, "nas worker", Arc::clone(&log))?;
    schema::ensure(conn.now()?)?;
    let rebuilt = rebuild(conn.now()?, options, log.as_ref())?;
    let spool = Spool::new(&options.spool, conn.shown(), &rebuilt.name);
    let on = match options.device {
        Some(Device::Cpu) => ", training on the CPU".to_string(),
        Some(Device::Cuda(i)) => format!(", training on cuda:{i}"),
        _ => String::new(),
    };
    log(&format!(
        "worker on {} (pid {}): running experiment `{}` from {} with {} thread(s){on}",
        host_name(),
        std::process::id(),
        rebuilt.name,
        conn.shown(),
        options.threads.max(1)
    ));
    let unspooled = unspool(&mut conn, &spool, &rebuilt.name, log.as_ref())?;
    drop(conn);
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
            let (options, rebuilt, live, spool) = (
                options.clone(),
                Arc::clone(&rebuilt),
                Arc::clone(&live),
                spool.clone(),
            );
            let (committed, dropped, log) = (
                Arc::clone(&committed),
                Arc::clone(&dropped),
                Arc::clone(&log),
            );
            std::thread::spawn(move || {
                let conn = Conn::open(&options.url, "nas worker", Arc::clone(&log))?;
                let mut lane = Lane {
                    options: &options,
                    rebuilt: &rebuilt,
                    live: &live,
                    log: log.as_ref(),
                    name: format!("{}:{}/{thread}", host_name(), std::process::id()),
                    conn,
                    spool: &spool,
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
        unspooled,
    })
}

/// Commits the results an earlier worker of this experiment left in `spool` (it died while
/// the database was away); how many were kept.
fn unspool(
    conn: &mut Conn,
    spool: &Spool,
    experiment: &str,
    log: &dyn Fn(&str),
) -> Result<u64, String> {
    let mut kept = 0;
    for path in spool.files() {
        let Some(taken) = spool.take(&path)? else {
            continue;
        };
        let s = &taken.spooled;
        let done = conn.run("commit a spooled result", |c| {
            claim::commit(
                c,
                experiment,
                (s.seed, s.id, &s.token),
                &s.worker,
                &s.result,
            )
        })?;
        if done {
            kept += 1;
            log(&format!(
                "committed the spooled result of trial {} of seed {} (run by {})",
                s.id, s.seed, s.worker
            ));
        } else {
            log(&format!(
                "dropped the spooled result of trial {} of seed {}: its lease went to another worker",
                s.id, s.seed
            ));
        }
        taken.done()?;
    }
    Ok(kept)
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
            .transpose()
            .map_err(|e| format!("{url}: {}", db_error(&e)))?
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
    // Without `--files`, the experiment is checked from the files its driver left, imports
    // read from among them (and the stdlib) only; they are written to a folder of their own
    // too, where the strategy script is read to fingerprint it (never run).
    let copies = tempfile::tempdir().map_err(|e| format!("cannot make a folder: {e}"))?;
    let (folder, program) = match &options.files {
        Some(dir) => (dir.clone(), None),
        None => {
            let mut named = Vec::new();
            for (name, text) in &recipe.files {
                let path = inside(copies.path(), name)?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
                }
                std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                named.push((path.to_string_lossy().into_owned(), text.as_str()));
            }
            let main = inside(copies.path(), &recipe.main)?;
            let files: Vec<(&str, &str)> = named.iter().map(|(n, t)| (n.as_str(), *t)).collect();
            let program = crate::check::check_sources(&main.to_string_lossy(), &files);
            (copies.path().to_path_buf(), Some(program))
        }
    };
    let main = inside(&folder, &recipe.main)?;
    // Data is read only under the worker's data folders (and, for a local worker of the
    // driver, the experiment's own folder).
    let mut roots = options.data.clone();
    if options.files.is_some() {
        roots.push(folder.clone());
    }
    let overrides = Overrides {
        experiment: recipe.experiment.clone(),
        strategy: recipe.strategy.clone(),
        workers: recipe.workers,
        no_weights: true,
        confine: Some(roots),
        device: options.device,
    };
    let prepared = match program {
        Some(program) => prepare_program(&main, program, &overrides),
        None => prepare(&main, &overrides),
    };
    let prepared = prepared.map_err(|e| {
        format!(
            "cannot build experiment `{}` here:\n{}",
            row.name,
            e.render(false)
        )
    })?;
    let script = prepared
        .config
        .strategy
        .path
        .canonicalize()
        .unwrap_or_default();
    let allowed = [Some(folder.clone()), crate::paths::stdlib_dir()];
    let known = allowed
        .iter()
        .flatten()
        .filter_map(|d| d.canonicalize().ok())
        .any(|d| script.starts_with(d));
    if options.files.is_none() && !known {
        return Err(format!(
            "experiment `{}` names a strategy script outside its files ({}); refused",
            row.name,
            prepared.config.strategy.path.display()
        ));
    }
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
                    log(&format!("heartbeat failed ({}); retrying", db_error(&e)));
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
    conn: Conn,
    spool: &'a Spool,
    claims: u64,
}

impl Lane<'_> {
    /// Claims and runs trials until the experiment's driver finishes.
    fn work(&mut self, committed: &AtomicU64, dropped: &AtomicU64) -> Result<(), String> {
        let experiment = self.rebuilt.name.clone();
        loop {
            self.claims += 1;
            let token = format!("{}#{}", self.name, self.claims);
            let lease = self.options.lease;
            let claimed = self.conn.run("claim a trial", |c| {
                claim::claim(c, &experiment, &token, lease)
            })?;
            let Some(c) = claimed else {
                let row = self
                    .conn
                    .run("read the experiment", |c| claim::experiment(c, &experiment))?;
                match row {
                    Some(r) if !r.finished => {}
                    _ => return Ok(()),
                }
                std::thread::sleep(self.options.idle);
                continue;
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
            if kept? {
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
            .evaluate(c.seed as u64, &c.arch, &arch, c.fidelity)?;
        if o.reward.is_finite() {
            Ok((o.reward, o.report, o.cost))
        } else {
            Err(format!("the evaluator returned reward {}", o.reward))
        }
    }

    /// Commits a result; whether it was kept. While the database is away the result waits
    /// in the spool, on disk, and is committed from there once the database is back.
    fn commit(&mut self, experiment: &str, c: &Claim, result: &str) -> Result<bool, String> {
        let key = (c.seed, c.id, c.token.as_str());
        let name = self.name.clone();
        let mut op = |client: &mut Client| claim::commit(client, experiment, key, &name, result);
        if let Some(kept) = self.conn.once("commit a result", &mut op)? {
            return Ok(kept);
        }
        let path = self.spool.put(&Spooled {
            seed: c.seed,
            id: c.id,
            token: c.token.clone(),
            worker: name.clone(),
            result: result.to_string(),
        })?;
        (self.log)(&format!(
            "the result of trial {} of seed {} is spooled in {} until the database is back",
            c.id,
            c.seed,
            path.display()
        ));
        let Some(taken) = self.spool.take(&path)? else {
            // A worker starting on this machine took it first, and commits it.
            return Ok(true);
        };
        let kept = self.conn.run("commit a spooled result", op)?;
        taken.done()?;
        Ok(kept)
    }
}
