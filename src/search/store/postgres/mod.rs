//! The PostgreSQL trial store: one database shared by a run's driver (`nas run --store
//! postgres://…`, which queues the strategy's trials and records what it saw) and its workers
//! (`nas worker`, which claim queued trials under a lease and commit their results). The
//! blocking `postgres` client; every write is its own transaction, so a committed row is on
//! the server's disk. [`schema`] holds the tables, [`queue`] the driver's side of the queue,
//! [`claim`] the workers', [`spool`] the results a worker keeps while the database is away;
//! [`conn`] connects (with [`credentials`] and [`tls`]) and waits out a database restart.

pub mod claim;
pub mod conn;
pub mod credentials;
pub mod queue;
pub mod schema;
pub mod spool;
pub mod tls;

pub use conn::connect;

use super::locator::{Mode, OpenError};
use super::redact::redact;
use super::{Header, Loaded, Recipe, Store, Took, TrialQueue};
use crate::search::trial::Trial;
use conn::Conn;
use postgres::Client;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

/// The version of nas that writes and reads a database's experiments; a worker of another
/// version refuses to run them.
pub const NAS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A database error as one line (the server's message when it sent one, else the client's
/// with its causes: `invalid configuration: password missing`).
pub fn db_error(e: &postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        return format!("{}: {}", d.severity(), d.message());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    redact(&text)
}

/// This machine's name, for telling workers and drivers apart.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The advisory-lock key of the driver of `experiment` (a 31-bit digest of its name).
fn driver_key(experiment: &str) -> i64 {
    let h = experiment.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h & 0x7fff_ffff) as i64
}

/// A run's store in a database, as its driver holds it.
pub struct PgStore {
    conn: Rc<RefCell<Conn>>,
    url: String,
    experiment: String,
    /// The number each worker (by its name) is given in the trials, in order of appearance.
    workers: Rc<RefCell<HashMap<String, usize>>>,
}

impl PgStore {
    /// Opens the run `header` names in the database at `url` as its one driver (a second is
    /// refused while the first holds the experiment's advisory lock), creating the tables
    /// when the database has none. `recipe` is what workers rebuild the evaluator from.
    pub fn open(
        url: &str,
        header: &Header,
        mode: Mode,
        recipe: Option<&Recipe>,
    ) -> Result<(PgStore, Loaded, bool), OpenError> {
        let log: conn::Log = Arc::new(|line: &str| eprintln!("{line}"));
        let mut conn = Conn::open(url, "nas run", log).map_err(OpenError::Other)?;
        let client = conn.now().map_err(OpenError::Other)?;
        schema::ensure(client).map_err(OpenError::Other)?;
        let name = &header.experiment;
        let locked: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&driver_key(name)])
            .map(|row| row.get(0))
            .map_err(|e| OpenError::Other(db_error(&e)))?;
        if !locked {
            let holder = schema::lock_holder(client, driver_key(name))
                .unwrap_or_else(|| "another process".to_string());
            return Err(OpenError::InUse(format!(
                "experiment `{name}` in {} is driven by {holder}; one driver at a time may run it",
                redact(url)
            )));
        }
        let other = |e: String| OpenError::Other(format!("{}: {e}", redact(url)));
        let stored = schema::header(client, name).map_err(other)?;
        let resumed = match (stored, mode) {
            (Some(_), Mode::New) => {
                return Err(OpenError::Exists(format!(
                    "experiment `{name}` already exists in {}",
                    redact(url)
                )))
            }
            (Some(old), Mode::Resume) => {
                if !old.same_run(header) {
                    return Err(OpenError::Other(format!(
                        "{}: cannot resume: {}",
                        redact(url),
                        super::resume_mismatch(&old, header)
                    )));
                }
                true
            }
            (Some(_), Mode::Fresh) | (None, _) => {
                schema::create(client, header, recipe).map_err(other)?;
                false
            }
        };
        let loaded = if resumed {
            schema::reopen(client, name, recipe).map_err(other)?;
            load(client, name).map_err(other)?
        } else {
            Loaded::default()
        };
        conn.on_connect(relock(name.clone()));
        Ok((
            PgStore {
                conn: Rc::new(RefCell::new(conn)),
                url: redact(url),
                experiment: name.clone(),
                workers: Rc::new(RefCell::new(HashMap::new())),
            },
            loaded,
            resumed,
        ))
    }
}

impl Store for PgStore {
    fn describe(&self) -> String {
        format!("{} (experiment `{}`)", self.url, self.experiment)
    }

    fn file(&self) -> Option<&Path> {
        None
    }

    fn append_trial(&mut self, trial: &Trial) -> Result<(), String> {
        let text =
            serde_json::to_string(trial).map_err(|e| format!("cannot encode a trial: {e}"))?;
        let fidelity = trial.fidelity;
        let what = format!("record trial {}", trial.id);
        self.conn.borrow_mut().run(&what, |c| {
            c.execute(
                "INSERT INTO nas_trials (experiment, seed, id, arch, fidelity, state, seen, trial)
                 VALUES ($1, $2, $3, $4, $5, 'finished', $6, $7)
                 ON CONFLICT (experiment, seed, id) DO UPDATE
                 SET state = 'finished', seen = EXCLUDED.seen, trial = EXCLUDED.trial,
                     lease_until = NULL",
                &[
                    &self.experiment,
                    &(trial.seed as i64),
                    &(trial.id as i64),
                    &trial.arch,
                    &fidelity,
                    &(trial.done as i64),
                    &text,
                ],
            )
            .map(|_| ())
        })
    }

    fn append_end(&mut self, seed: u64, reason: &str, took: Option<Took>) -> Result<(), String> {
        let (wall, cpu) = (took.map(|t| t.wall), took.map(|t| t.cpu));
        let what = format!("record the end of seed {seed}");
        self.conn.borrow_mut().run(&what, |c| {
            c.execute(
                "INSERT INTO nas_ends (experiment, seed, reason, wall, cpu) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (experiment, seed) DO UPDATE
                 SET reason = EXCLUDED.reason, wall = EXCLUDED.wall, cpu = EXCLUDED.cpu",
                &[&self.experiment, &(seed as i64), &reason, &wall, &cpu],
            )
            .map(|_| ())
        })
    }

    fn finish(&mut self) -> Result<(), String> {
        self.conn.borrow_mut().run("mark the run finished", |c| {
            c.execute(
                "UPDATE nas_experiments SET finished = true WHERE name = $1",
                &[&self.experiment],
            )
            .map(|_| ())
        })
    }

    fn queue(&mut self, seed: u64) -> Result<Option<Box<dyn TrialQueue>>, String> {
        Ok(Some(Box::new(queue::PgQueue::new(
            Rc::clone(&self.conn),
            self.experiment.clone(),
            seed,
            Rc::clone(&self.workers),
        ))))
    }
}

/// What a driver's new connection does first (the database went away and came back): take
/// the experiment's advisory lock again. A lock still held by this driver's own broken
/// session is taken from it; one held by another driver refuses to go on.
fn relock(name: String) -> conn::Setup {
    let key = driver_key(&name);
    Box::new(move |c: &mut Client| {
        for _ in 0..2 {
            let locked: bool = c
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])?
                .get(0);
            if locked {
                return Ok(Ok(()));
            }
            let ours = format!("nas run (pid {} on {})", std::process::id(), host_name());
            c.execute(
                "SELECT pg_terminate_backend(a.pid) FROM pg_locks l
                 JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0
                   AND l.objid = $1::bigint::oid AND l.objsubid = 1
                   AND a.application_name = $2 AND a.pid <> pg_backend_pid()",
                &[&key, &ours],
            )?;
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        Ok(Err(format!(
            "experiment `{name}` was taken by another driver while the database was away"
        )))
    })
}

/// What the database holds of experiment `name`: the trials the strategy saw (in the order
/// it saw them) and the seeds whose run ended.
fn load(client: &mut Client, name: &str) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    let rows = client
        .query(
            "SELECT trial FROM nas_trials WHERE experiment = $1 AND seen IS NOT NULL
             ORDER BY seed, seen",
            &[&name],
        )
        .map_err(|e| db_error(&e))?;
    for row in rows {
        let text: String = row.get(0);
        let t: Trial = serde_json::from_str(&text)
            .map_err(|e| format!("a stored trial cannot be read: {e}"))?;
        loaded.trials.entry(t.seed).or_default().push(t);
    }
    let ends = client
        .query(
            "SELECT seed, reason, wall, cpu FROM nas_ends WHERE experiment = $1",
            &[&name],
        )
        .map_err(|e| db_error(&e))?;
    for row in ends {
        let (seed, reason): (i64, String) = (row.get(0), row.get(1));
        let (wall, cpu): (Option<f64>, Option<f64>) = (row.get(2), row.get(3));
        loaded.ended.insert(seed as u64, reason);
        if let (Some(wall), Some(cpu)) = (wall, cpu) {
            loaded.took.insert(seed as u64, Took { wall, cpu });
        }
    }
    Ok(loaded)
}

/// Reads experiment `experiment` (or the database's only one) as it is.
pub fn read(url: &str, experiment: Option<&str>) -> Result<(Header, Loaded), String> {
    let mut client = connect(url, "nas read")?;
    schema::ensure(&mut client)?;
    let name =
        schema::pick(&mut client, experiment).map_err(|e| format!("{}: {e}", redact(url)))?;
    let header = schema::header(&mut client, &name)?
        .ok_or_else(|| format!("{}: no experiment `{name}`", redact(url)))?;
    let loaded = load(&mut client, &name).map_err(|e| format!("{}: {e}", redact(url)))?;
    Ok((header, loaded))
}
