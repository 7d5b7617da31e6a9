//! The embedded trial store: an append-only JSON-lines file, one line per finished trial,
//! written with a single `write` each and synced to disk, so that a run killed at any moment
//! (even with `kill -9`) resumes with every finished trial and repeats none. One process at a
//! time writes it: opening it takes its [`StoreLock`].

use super::locator::OpenError;
use super::lock::StoreLock;
use super::{checkpoint_dir, weights_dir, weights_file, Header, Loaded, Store, Took, TrialQueue};
use crate::search::trial::Trial;
use crate::train::checkpoint::Snapshot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One line of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(super) enum Line {
    /// The first line.
    Header(Header),
    /// A finished trial.
    Trial(Trial),
    /// A run (one seed) ended; the reason says how.
    End {
        /// The run's seed.
        seed: u64,
        /// Why it ended (`budget`, `strategy returned`, an error).
        reason: String,
        /// The wall-clock seconds it took (see [`Took`]; absent from stores written before
        /// it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wall: Option<f64>,
        /// The CPU seconds it took (see [`Took`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu: Option<f64>,
    },
}

/// An open store, appending.
#[derive(Debug)]
pub struct JsonlStore {
    file: File,
    /// Held while the store is open; released when it is dropped.
    _lock: StoreLock,
    path: PathBuf,
    sync_every: Duration,
    last_sync: Instant,
    dirty: bool,
}

impl JsonlStore {
    /// Creates a new store at `path` (its folder is created); fails if the file exists,
    /// unless `replace` is set (`--fresh`: then the old store goes, once its lock is ours).
    /// `sync_every` bounds how long a written line may wait for `fsync` (zero: every line).
    pub fn create(
        path: &Path,
        header: &Header,
        sync_every: Duration,
        replace: bool,
    ) -> Result<JsonlStore, OpenError> {
        let lock = StoreLock::acquire(path)?;
        if replace && path.exists() {
            std::fs::remove_file(path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
        // A new store starts a new run: checkpoints of an earlier one must not be resumed.
        let checkpoints = checkpoint_dir(path);
        if checkpoints.exists() {
            std::fs::remove_dir_all(&checkpoints).map_err(|e| {
                format!(
                    "cannot remove the old checkpoints {}: {e}",
                    checkpoints.display()
                )
            })?;
        }
        // … nor its α history be drawn as this run's.
        let alphas = crate::search::alpha_log::file(path);
        if alphas.exists() {
            std::fs::remove_file(&alphas).map_err(|e| {
                format!("cannot remove the old α history {}: {e}", alphas.display())
            })?;
        }
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot create trial store {}: {e}", path.display()))?;
        let mut store = JsonlStore {
            file,
            _lock: lock,
            path: path.to_path_buf(),
            sync_every,
            last_sync: Instant::now(),
            dirty: false,
        };
        store.append(&Line::Header(header.clone()))?;
        store.sync()?;
        Ok(store)
    }

    /// Reopens the store at `path` to continue it: checks that it belongs to the same
    /// experiment, drops a torn last line (a write cut short by a crash), and returns what it
    /// held.
    pub fn resume(
        path: &Path,
        header: &Header,
        sync_every: Duration,
    ) -> Result<(JsonlStore, Loaded), OpenError> {
        let lock = StoreLock::acquire(path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open trial store {}: {e}", path.display()))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| format!("cannot read trial store {}: {e}", path.display()))?;
        let complete = text.rfind('\n').map_or(0, |i| i + 1);
        if complete < text.len() {
            file.set_len(complete as u64)
                .and_then(|()| file.seek(SeekFrom::End(0)).map(|_| ()))
                .map_err(|e| {
                    format!("cannot drop the torn last line of {}: {e}", path.display())
                })?;
        }
        let loaded =
            parse(&text[..complete], header).map_err(|e| format!("{}: {e}", path.display()))?;
        let store = JsonlStore {
            file,
            _lock: lock,
            path: path.to_path_buf(),
            sync_every,
            last_sync: Instant::now(),
            dirty: false,
        };
        Ok((store, loaded))
    }

    /// Records a finished trial.
    pub fn append_trial(&mut self, trial: &Trial) -> Result<(), String> {
        self.append(&Line::Trial(trial.clone()))
    }

    /// Records that the run of `seed` ended. It is synced like a trial: should the process
    /// die before that, resuming runs the seed's strategy again over its stored trials (so
    /// nothing is evaluated twice) until it ends the same way and writes the line anew.
    /// `took` is what the run took, when it was measured.
    pub fn append_end(
        &mut self,
        seed: u64,
        reason: &str,
        took: Option<Took>,
    ) -> Result<(), String> {
        self.append(&Line::End {
            seed,
            reason: reason.to_string(),
            wall: took.map(|t| t.wall),
            cpu: took.map(|t| t.cpu),
        })
    }

    fn append(&mut self, line: &Line) -> Result<(), String> {
        let mut text =
            serde_json::to_string(line).map_err(|e| format!("cannot encode a trial: {e}"))?;
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write to {}: {e}", self.path.display()))?;
        self.dirty = true;
        if self.last_sync.elapsed() >= self.sync_every {
            self.sync()?;
        }
        Ok(())
    }

    /// Forces everything written so far to disk.
    pub fn sync(&mut self) -> Result<(), String> {
        if self.dirty {
            self.file
                .sync_data()
                .map_err(|e| format!("cannot sync {}: {e}", self.path.display()))?;
            self.dirty = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }
}

impl Store for JsonlStore {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn file(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn append_trial(&mut self, trial: &Trial) -> Result<(), String> {
        JsonlStore::append_trial(self, trial)
    }

    fn append_end(&mut self, seed: u64, reason: &str, took: Option<Took>) -> Result<(), String> {
        JsonlStore::append_end(self, seed, reason, took)
    }

    fn finish(&mut self) -> Result<(), String> {
        self.sync()
    }

    fn queue(&mut self, _seed: u64) -> Result<Option<Box<dyn TrialQueue>>, String> {
        Ok(None)
    }
}

impl Drop for JsonlStore {
    fn drop(&mut self) {
        // Best effort: a failure here has nobody left to report to, and every line was
        // already written with `write`, so only a power cut could lose it.
        let _ = self.sync();
    }
}

/// Writes `snapshot` as the weights of `trial` ([`weights_file`]; whole or not at all).
/// Called before the trial's line is appended, and followed by [`prune_weights`]
/// after it, so that a crash at any point leaves the weights of the seed's last recorded
/// choice in place.
pub fn keep_weights(store: &Path, trial: &Trial, snapshot: &Snapshot) -> Result<PathBuf, String> {
    let dir = weights_dir(store);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
    let file = weights_file(store, trial);
    snapshot
        .save(&file)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

/// Removes the weights kept for `trial`'s seed other than `trial`'s own.
pub fn prune_weights(store: &Path, trial: &Trial) -> Result<(), String> {
    let keep = weights_file(store, trial);
    let prefix = format!("seed{}-trial", trial.seed);
    let Ok(entries) = std::fs::read_dir(weights_dir(store)) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry.file_name().to_string_lossy().starts_with(&prefix);
        if ours && path != keep {
            std::fs::remove_file(&path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Reads the store at `path` as it is (a torn last line, cut short by a crash, is left out):
/// its header and what it holds.
pub fn read(path: &Path) -> Result<(Header, Loaded), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read trial store {}: {e}", path.display()))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let (header, lines) =
        split_header(&text[..complete]).map_err(|e| format!("{}: {e}", path.display()))?;
    let loaded = parse_lines(lines).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((header, loaded))
}

/// The numbered, non-empty lines of a store's text.
pub(super) type Lines<'a> = Box<dyn Iterator<Item = (usize, &'a str)> + 'a>;

/// The header of a store's complete lines, and the lines after it.
pub(super) fn split_header(text: &str) -> Result<(Header, Lines<'_>), String> {
    let mut lines: Lines<'_> = Box::new(
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty()),
    );
    let header = match lines.next() {
        Some((_, first)) => match serde_json::from_str::<Line>(first) {
            Ok(Line::Header(h)) => h,
            _ => return Err("line 1 is not a trial-store header".into()),
        },
        None => return Err("the file is empty, so it is not a trial store".into()),
    };
    Ok((header, lines))
}

/// Parses a store's complete lines, checking the header against `expected`.
fn parse(text: &str, expected: &Header) -> Result<Loaded, String> {
    let (header, lines) = split_header(text)?;
    if !header.same_run(expected) {
        return Err(format!(
            "cannot resume: {}",
            super::resume_mismatch(&header, expected)
        ));
    }
    parse_lines(lines)
}

/// What becomes of one line of a store after its header.
pub(super) enum Verdict {
    /// It is read.
    Keep(Box<Line>),
    /// It cannot be read, or repeats a trial: why.
    Drop(String),
}

/// Each of `lines` with its verdict: a line that is not a trial or a run's end, a second
/// header, and a second copy of a trial (the first is kept) are dropped.
pub(super) fn verdicts<'a>(
    lines: Lines<'a>,
) -> impl Iterator<Item = (usize, &'a str, Verdict)> + 'a {
    let mut ids: BTreeSet<(u64, u64)> = BTreeSet::new();
    lines.map(move |(i, line)| {
        let verdict = match serde_json::from_str::<Line>(line) {
            Ok(Line::Trial(t)) if !ids.insert((t.seed, t.id)) => {
                Verdict::Drop(format!("trial {} of seed {} appears twice", t.id, t.seed))
            }
            Ok(Line::Header(_)) => Verdict::Drop("a second header".to_string()),
            Ok(line) => Verdict::Keep(Box::new(line)),
            Err(e) => Verdict::Drop(e.to_string()),
        };
        (i + 1, line, verdict)
    })
}

/// The trials and run endings of a store's lines after its header.
fn parse_lines(lines: Lines<'_>) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    for (n, _, verdict) in verdicts(lines) {
        match verdict {
            Verdict::Keep(line) => match *line {
                Line::Trial(t) => loaded.trials.entry(t.seed).or_default().push(t),
                Line::End {
                    seed,
                    reason,
                    wall,
                    cpu,
                } => {
                    loaded.ended.insert(seed, reason);
                    if let (Some(wall), Some(cpu)) = (wall, cpu) {
                        loaded.took.insert(seed, Took { wall, cpu });
                    }
                }
                Line::Header(_) => {}
            },
            Verdict::Drop(why) => {
                return Err(format!(
                    "line {n}: {why} (`nas store repair FILE` keeps the first copy of each trial and the rest of the store)"
                ))
            }
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::store::RunInfo;
    use crate::search::trial::Status;

    fn header() -> Header {
        Header {
            experiment: "e".into(),
            strategy: "random".into(),
            fingerprint: "f1".into(),
            about: None,
        }
    }

    fn trial(seed: u64, id: u64) -> Trial {
        Trial {
            seed,
            id,
            done: id,
            arch: format!("|a~{id}|"),
            fidelity: None,
            continued_from: None,
            status: Status::Ok,
            reward: Some(id as f64),
            report: None,
            cost: 1.0,
            clock: id as f64,
            worker: 0,
            error: None,
            metrics: Default::default(),
        }
    }

    #[test]
    fn writes_and_resumes_dropping_a_torn_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("runs/t.jsonl");
        {
            let mut s =
                JsonlStore::create(&path, &header(), Duration::ZERO, false).expect("create");
            s.append_trial(&trial(0, 0)).expect("append");
            s.append_trial(&trial(0, 1)).expect("append");
            let took = Took {
                wall: 2.5,
                cpu: 1.25,
            };
            s.append_end(0, "budget", Some(took)).expect("end");
            s.append_trial(&trial(1, 0)).expect("append");
        }
        assert!(
            JsonlStore::create(&path, &header(), Duration::ZERO, false).is_err(),
            "must not overwrite"
        );
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"kind\":\"trial\",\"seed\":1,")
            .expect("torn write");
        drop(f);
        let (mut s, loaded) = JsonlStore::resume(&path, &header(), Duration::ZERO).expect("resume");
        assert_eq!(loaded.trials[&0].len(), 2);
        assert_eq!(loaded.trials[&1], vec![trial(1, 0)]);
        assert_eq!(loaded.ended.get(&0).map(String::as_str), Some("budget"));
        assert_eq!(
            loaded.took[&0],
            Took {
                wall: 2.5,
                cpu: 1.25
            }
        );
        s.append_trial(&trial(1, 1)).expect("append after resume");
        drop(s);
        let (_, again) = JsonlStore::resume(&path, &header(), Duration::ZERO).expect("resume");
        assert_eq!(again.trials[&1].len(), 2);
    }

    #[test]
    fn refuses_another_experiments_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.jsonl");
        drop(JsonlStore::create(&path, &header(), Duration::ZERO, false).expect("create"));
        let other = Header {
            fingerprint: "f2".into(),
            ..header()
        };
        let e = JsonlStore::resume(&path, &other, Duration::ZERO)
            .expect_err("changed")
            .to_string();
        assert!(e.contains("changed"), "{e}");
        let other = Header {
            strategy: "bo".into(),
            ..header()
        };
        let e = JsonlStore::resume(&path, &other, Duration::ZERO)
            .expect_err("other strategy")
            .to_string();
        assert!(e.contains("strategy `random`"), "{e}");
    }

    #[test]
    fn a_store_written_before_headers_described_runs_still_resumes_and_reads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.jsonl");
        {
            let mut s =
                JsonlStore::create(&path, &header(), Duration::ZERO, false).expect("create");
            s.append_trial(&trial(0, 0)).expect("append");
        }
        let described = Header {
            about: Some(RunInfo {
                metric: "valid_acc".into(),
                maximize: true,
                more_objectives: Vec::new(),
                report: Some("test_acc".into()),
                evaluator: "train".into(),
                space: None,
                network: None,
            }),
            ..header()
        };
        let (_, loaded) = JsonlStore::resume(&path, &described, Duration::ZERO).expect("resume");
        assert_eq!(loaded.trials[&0].len(), 1);
        let (read_header, read_back) = read(&path).expect("read");
        assert_eq!((read_header, read_back), (header(), loaded));
    }
}
