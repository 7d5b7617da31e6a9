//! What `--store` names (a JSON-lines file or a `postgres://` URL), and opening, reading
//! and testing the store there through the one [`Store`] interface.

use super::jsonl::JsonlStore;
use super::postgres::PgStore;
use super::redact::redact;
use super::{Header, Loaded, Recipe, Store};
use std::path::PathBuf;
use std::time::Duration;

/// Where a trial store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// A JSON-lines file (the embedded default).
    File(PathBuf),
    /// A PostgreSQL database, by its URL (`postgres://user@host:port/db?sslmode=…`).
    Postgres(String),
}

impl Locator {
    /// The store `text` names: a `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(text: &str) -> Locator {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Locator::Postgres(text.to_string())
        } else {
            Locator::File(PathBuf::from(text))
        }
    }

    /// Where it is, for messages: a file's path, or the URL with its password hidden.
    pub fn describe(&self) -> String {
        match self {
            Locator::File(p) => p.display().to_string(),
            Locator::Postgres(url) => redact(url),
        }
    }
}

/// How a run opens its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new store; one that exists already is refused.
    New,
    /// A new store, replacing one that exists (`--fresh`).
    Fresh,
    /// The existing store continued (`--resume`); a new one when there is none.
    Resume,
}

/// Why a store could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// [`Mode::New`] found a store already there.
    Exists(String),
    /// Another process writes the store (its holder named where known).
    InUse(String),
    /// Anything else: unreadable, another experiment's, unreachable.
    Other(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Exists(m) | OpenError::InUse(m) | OpenError::Other(m) => f.write_str(m),
        }
    }
}

/// An open store, what it held, and whether it existed before (a resumed run).
pub type Opened = (Box<dyn Store>, Loaded, bool);

/// Opens the store at `at` for the run `header` describes. `sync_every` bounds how long a
/// JSON-lines store's line may wait for `fsync` (zero: every line); a database commits
/// each write, and keeps `recipe` for its workers.
pub fn open(
    at: &Locator,
    header: &Header,
    mode: Mode,
    sync_every: Duration,
    recipe: Option<&Recipe>,
) -> Result<Opened, OpenError> {
    match at {
        Locator::File(path) => {
            if mode == Mode::Resume && path.exists() {
                let (store, loaded) = JsonlStore::resume(path, header, sync_every)?;
                return Ok((Box::new(store), loaded, true));
            }
            if mode == Mode::New && path.exists() {
                return Err(OpenError::Exists(format!(
                    "the trial store {} already exists",
                    path.display()
                )));
            }
            let store = JsonlStore::create(path, header, sync_every, mode == Mode::Fresh)?;
            Ok((Box::new(store), Loaded::default(), false))
        }
        Locator::Postgres(url) => {
            let (store, loaded, resumed) = PgStore::open(url, header, mode, recipe)?;
            Ok((Box::new(store), loaded, resumed))
        }
    }
}

/// Reads the run the store at `at` holds, as it is: its header and what it holds. A
/// database holding several experiments needs `experiment` to say which.
pub fn read(at: &Locator, experiment: Option<&str>) -> Result<(Header, Loaded), String> {
    match at {
        Locator::File(path) => super::jsonl::read(path),
        Locator::Postgres(url) => super::postgres::read(url, experiment),
    }
}

impl From<String> for OpenError {
    fn from(message: String) -> OpenError {
        OpenError::Other(message)
    }
}
