//! A worker's spool: a finished trial's result that could not be committed (the database
//! was away) is written to a file of its own (atomically, synced) before the worker waits
//! for the database, and removed once committed. A worker that dies meanwhile loses
//! nothing: the next worker of the same experiment and database on this machine commits
//! what it finds there on starting. Each file is taken under an OS lock (`flock`), so two
//! workers never commit the same one at once. The folder is [`crate::paths::spool_dir`]
//! (`NAS_SPOOL`), one subfolder per experiment and database.

use crate::paths::write_atomic;
use crate::search::prepare::digest;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A result waiting to be committed, with the lease it was run under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spooled {
    /// The run's seed.
    pub seed: i64,
    /// The trial's id.
    pub id: i64,
    /// The lease token of the claim that ran it.
    pub token: String,
    /// The worker's name.
    pub worker: String,
    /// The result, encoded as the database keeps it.
    pub result: String,
}

/// The spool folder of one experiment in one database.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

/// A spooled result held under its lock; [`Taken::done`] removes it.
pub struct Taken {
    _lock: File,
    path: PathBuf,
    /// What it holds.
    pub spooled: Spooled,
}

impl Spool {
    /// The spool under `base` of `experiment` in the database `database` names (its URL
    /// without a password).
    pub fn new(base: &Path, database: &str, experiment: &str) -> Spool {
        let plain: String = experiment
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        let key = digest(&format!("{database}\n{experiment}"));
        Spool {
            dir: base.join(format!("{plain}-{key}")),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `s` to a file of its own, synced before this returns.
    pub fn put(&self, s: &Spooled) -> Result<PathBuf, String> {
        let path = self.dir.join(format!(
            "seed{}-trial{}-{}.json",
            s.seed,
            s.id,
            digest(&s.token)
        ));
        let text = serde_json::to_string(s).map_err(|e| e.to_string())?;
        write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot spool a result in {}: {e}", path.display()))?;
        Ok(path)
    }

    /// The spooled results there now.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
    }

    /// Takes the result at `path` under its lock: `None` when another worker holds it or
    /// has committed it already. An unreadable file is an error (it is left in place).
    pub fn take(&self, path: &Path) -> Result<Option<Taken>, String> {
        let Ok(file) = File::open(path) else {
            return Ok(None);
        };
        // SAFETY: `flock` on a descriptor this function owns; no memory is shared.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Ok(None);
        }
        // Removed by the worker that held it before us: committed already.
        if file.metadata().map(|m| m.nlink()).unwrap_or(0) == 0 {
            return Ok(None);
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let spooled: Spooled = serde_json::from_str(&text)
            .map_err(|e| format!("the spooled result {} is unreadable: {e}", path.display()))?;
        Ok(Some(Taken {
            _lock: file,
            path: path.to_path_buf(),
            spooled,
        }))
    }
}

impl Taken {
    /// Removes the committed (or refused) result from the spool.
    pub fn done(self) -> Result<(), String> {
        std::fs::remove_file(&self.path)
            .map_err(|e| format!("cannot remove {}: {e}", self.path.display()))?;
        if let Some(dir) = self.path.parent() {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Spool, Spooled};

    #[test]
    fn a_spooled_result_is_taken_once_and_gone_when_done() {
        let base = tempfile::tempdir().expect("temp dir");
        let spool = Spool::new(base.path(), "postgres://ann@db/nas", "q");
        let s = Spooled {
            seed: 0,
            id: 3,
            token: "host:1/0#4".to_string(),
            worker: "host:1/0".to_string(),
            result: "{\"reward\":1.0}".to_string(),
        };
        let path = spool.put(&s).expect("spooled");
        assert_eq!(spool.files(), vec![path.clone()]);
        let taken = spool.take(&path).expect("readable").expect("free");
        assert_eq!(taken.spooled, s);
        assert!(
            spool.take(&path).expect("readable").is_none(),
            "held by the first taker"
        );
        taken.done().expect("removed");
        assert!(spool.files().is_empty());
        let other = Spool::new(base.path(), "postgres://ann@db/other", "q");
        assert_ne!(other.dir(), spool.dir());
    }
}
