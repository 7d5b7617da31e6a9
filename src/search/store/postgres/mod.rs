//! The PostgreSQL trial store: one database shared by a run's driver (`nas run --store
//! postgres://…`, which queues the strategy's trials and records what it saw) and its workers
//! (`nas worker`, which claim queued trials under a lease and commit their results). The
//! blocking `postgres` client; every write is its own transaction, so a committed row is on
//! the server's disk. [`schema`] holds the tables, [`queue`] the driver's side of the queue,
//! [`claim`] the workers'.

pub mod claim;
pub mod queue;
pub mod schema;

use super::locator::{Mode, OpenError};
use super::redact::redact;
use super::{Header, Loaded, Recipe, Store, Took, TrialQueue};
use crate::search::trial::Trial;
use postgres::{Client, Config, NoTls};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

/// The version of nas that writes and reads a database's experiments; a worker of another
/// version refuses to run them.
pub const NAS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Connects to the database at `url` as `role` (shown to the server as the connection's
/// application name, e.g. `nas run`). Errors name the URL with its password hidden.
pub fn connect(url: &str, role: &str) -> Result<Client, String> {
    let mut config: Config = url
        .parse()
        .map_err(|e| format!("{} is not a PostgreSQL URL: {e}", redact(url)))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let name = format!("{role} (pid {} on {})", std::process::id(), host_name());
    config.application_name(&name);
    config
        .connect(NoTls)
        .map_err(|e| format!("cannot connect to {}: {}", redact(url), db_error(&e)))
}

/// A database error as one line (the server's message when it sent one).
pub fn db_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => redact(&e.to_string()),
    }
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
    client: Rc<RefCell<Client>>,
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
        let mut client = connect(url, "nas run").map_err(OpenError::Other)?;
        schema::ensure(&mut client).map_err(OpenError::Other)?;
        let name = &header.experiment;
        let locked: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&driver_key(name)])
            .map(|row| row.get(0))
            .map_err(|e| OpenError::Other(db_error(&e)))?;
        if !locked {
            let holder = schema::lock_holder(&mut client, driver_key(name))
                .unwrap_or_else(|| "another process".to_string());
            return Err(OpenError::InUse(format!(
                "experiment `{name}` in {} is driven by {holder}; one driver at a time may run it",
                redact(url)
            )));
        }
        let other = |e: String| OpenError::Other(format!("{}: {e}", redact(url)));
        let stored = schema::header(&mut client, name).map_err(other)?;
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
                schema::create(&mut client, header, recipe).map_err(other)?;
                false
            }
        };
        let loaded = if resumed {
            schema::reopen(&mut client, name, recipe).map_err(other)?;
            load(&mut client, name).map_err(other)?
        } else {
            Loaded::default()
        };
        Ok((
            PgStore {
                client: Rc::new(RefCell::new(client)),
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
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO nas_trials (experiment, seed, id, arch, fidelity, state, seen, trial)
                 VALUES ($1, $2, $3, $4, $5, 'finished', $6, $7)
                 ON CONFLICT (experiment, seed, id) DO UPDATE
                 SET state = 'finished', seen = EXCLUDED.seen, trial = EXCLUDED.trial,
                     lease = NULL, lease_until = NULL",
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
            .map_err(|e| {
                format!(
                    "{}: cannot record trial {}: {}",
                    self.url,
                    trial.id,
                    db_error(&e)
                )
            })
    }

    fn append_end(&mut self, seed: u64, reason: &str, took: Option<Took>) -> Result<(), String> {
        let (wall, cpu) = (took.map(|t| t.wall), took.map(|t| t.cpu));
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO nas_ends (experiment, seed, reason, wall, cpu) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (experiment, seed) DO UPDATE
                 SET reason = EXCLUDED.reason, wall = EXCLUDED.wall, cpu = EXCLUDED.cpu",
                &[&self.experiment, &(seed as i64), &reason, &wall, &cpu],
            )
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "{}: cannot record the end of seed {seed}: {}",
                    self.url,
                    db_error(&e)
                )
            })
    }

    fn finish(&mut self) -> Result<(), String> {
        self.client
            .borrow_mut()
            .execute(
                "UPDATE nas_experiments SET finished = true WHERE name = $1",
                &[&self.experiment],
            )
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "{}: cannot mark the run finished: {}",
                    self.url,
                    db_error(&e)
                )
            })
    }

    fn queue(&mut self, seed: u64) -> Result<Option<Box<dyn TrialQueue>>, String> {
        Ok(Some(Box::new(queue::PgQueue::new(
            Rc::clone(&self.client),
            self.url.clone(),
            self.experiment.clone(),
            seed,
            Rc::clone(&self.workers),
        ))))
    }
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
