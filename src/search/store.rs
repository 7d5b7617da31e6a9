//! The trial store: an append-only JSON-lines file, one line per finished trial, written with
//! a single `write` each and synced to disk, so that a run killed at any moment (even with
//! `kill -9`) resumes with every finished trial and repeats none.

use super::trial::Trial;
use crate::space::InputShape;
use crate::train::checkpoint::Snapshot;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The folder of the one-shot checkpoints of the store at `path`: beside it, named after it
/// (`runs/x.jsonl` → `runs/x.checkpoints/`).
pub fn checkpoint_dir(path: &Path) -> PathBuf {
    let mut name = path.file_stem().unwrap_or_default().to_os_string();
    name.push(".checkpoints");
    path.with_file_name(name)
}

/// What identifies an experiment in its store, checked on resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The experiment's name.
    pub experiment: String,
    /// The strategy's name.
    pub strategy: String,
    /// A digest of everything that changes results (space, evaluator, strategy source and
    /// parameters, budget, objective).
    pub fingerprint: String,
    /// What the trials' numbers mean, for readers of the store (`nas report`); not compared on
    /// resume, and absent from stores written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<RunInfo>,
}

impl Header {
    /// Whether `other` is the same experiment run the same way (what resuming requires).
    fn same_run(&self, other: &Header) -> bool {
        (&self.experiment, &self.strategy, &self.fingerprint)
            == (&other.experiment, &other.strategy, &other.fingerprint)
    }
}

/// What a run's rewards and reports are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The objective's metric (the reward), e.g. `valid_acc`.
    pub metric: String,
    /// Whether the objective maximises it.
    pub maximize: bool,
    /// The reported metric's name, if the evaluator reports one (e.g. `test_acc`).
    pub report: Option<String>,
    /// The evaluator's name (`train`, `table`, `proxy`).
    pub evaluator: String,
    /// The space searched, named as `load_space_with` finds it (see
    /// [`super::trial_guard::space_spec`]), so that a reader can decode the trials'
    /// architectures; absent from stores written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
    /// The network the evaluator trains each architecture into, for evaluators that train
    /// one; absent from stores written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkInfo>,
}

/// What rebuilds the network a run trained for an architecture (`nas export RUN --best`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// The space, as `load_space_with` finds it: a stdlib name or `FILE.nas:NAME`.
    pub space: String,
    /// The space's integer parameters at the size trained.
    pub args: Vec<(String, i64)>,
    /// The input's kind (`image`, `sequence`).
    pub input_kind: String,
    /// The sizes of one example's input (channels, height, width; steps, features).
    pub input: Vec<i64>,
    /// How each architecture was trained (epochs, batch, optimiser, …).
    pub training: serde_json::Value,
}

impl NetworkInfo {
    /// The input shape it records.
    pub fn input_shape(&self) -> InputShape {
        InputShape {
            kind: self.input_kind.clone(),
            dims: self.input.clone(),
        }
    }
}

/// The folder beside the store at `store` that holds the weights its runs keep
/// (`runs/x.jsonl` → `runs/x.weights/`).
pub fn weights_dir(store: &Path) -> PathBuf {
    store.with_extension("weights")
}

/// Where the store at `store` keeps the trained weights of `trial`.
pub fn weights_file(store: &Path, trial: &Trial) -> PathBuf {
    weights_dir(store).join(format!("seed{}-trial{}.safetensors", trial.seed, trial.id))
}

/// One line of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Line {
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

/// The time a seed's run took in the `nas run` that ended it (after a `--resume`, only the
/// part after the resume).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Took {
    /// Wall-clock seconds.
    pub wall: f64,
    /// CPU seconds of the process (every thread), which a loaded machine does not inflate
    /// as it does wall time.
    pub cpu: f64,
}

/// Measures a [`Took`] from the moment it starts.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    wall: Instant,
    cpu: f64,
}

impl Stopwatch {
    /// Starts now.
    pub fn start() -> Stopwatch {
        Stopwatch {
            wall: Instant::now(),
            cpu: process_cpu_seconds(),
        }
    }

    /// The wall and CPU time since it started.
    pub fn took(&self) -> Took {
        Took {
            wall: self.wall.elapsed().as_secs_f64(),
            cpu: (process_cpu_seconds() - self.cpu).max(0.0),
        }
    }
}

/// The CPU time this process has used, all threads, in seconds.
fn process_cpu_seconds() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given and reads nothing else.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    if status != 0 {
        return 0.0;
    }
    now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9
}

/// What a store held when it was reopened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// Finished trials of each seed, in the order they were written.
    pub trials: BTreeMap<u64, Vec<Trial>>,
    /// Seeds whose run ended, with the reason.
    pub ended: BTreeMap<u64, String>,
    /// What each ended seed's run took, where the store recorded it.
    pub took: BTreeMap<u64, Took>,
}

/// An open store, appending.
#[derive(Debug)]
pub struct TrialStore {
    file: File,
    path: PathBuf,
    sync_every: Duration,
    last_sync: Instant,
    dirty: bool,
}

impl TrialStore {
    /// Creates a new store at `path` (its folder is created); fails if the file exists.
    /// `sync_every` bounds how long a written line may wait for `fsync` (zero: every line).
    pub fn create(
        path: &Path,
        header: &Header,
        sync_every: Duration,
    ) -> Result<TrialStore, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
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
        let alphas = super::alpha_log::file(path);
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
        let mut store = TrialStore {
            file,
            path: path.to_path_buf(),
            sync_every,
            last_sync: Instant::now(),
            dirty: false,
        };
        store.append(&Line::Header(header.clone()))?;
        store.sync()?;
        Ok(store)
    }

    /// The α history of this run's one-shot searches ([`super::alpha_log::file`]).
    pub fn alpha_file(&self) -> PathBuf {
        super::alpha_log::file(&self.path)
    }

    /// The folder of this run's one-shot checkpoints ([`checkpoint_dir`]).
    pub fn checkpoint_dir(&self) -> PathBuf {
        checkpoint_dir(&self.path)
    }

    /// Reopens the store at `path` to continue it: checks that it belongs to the same
    /// experiment, drops a torn last line (a write cut short by a crash), and returns what it
    /// held.
    pub fn resume(
        path: &Path,
        header: &Header,
        sync_every: Duration,
    ) -> Result<(TrialStore, Loaded), String> {
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
        let store = TrialStore {
            file,
            path: path.to_path_buf(),
            sync_every,
            last_sync: Instant::now(),
            dirty: false,
        };
        Ok((store, loaded))
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a finished trial.
    pub fn append_trial(&mut self, trial: &Trial) -> Result<(), String> {
        self.append(&Line::Trial(trial.clone()))
    }

    /// Writes `snapshot` as the weights of `trial` ([`weights_file`]; whole or not at all).
    /// Called before the trial's line is appended, and followed by [`Self::prune_weights`]
    /// after it, so that a crash at any point leaves the weights of the seed's last recorded
    /// choice in place.
    pub fn keep_weights(&self, trial: &Trial, snapshot: &Snapshot) -> Result<PathBuf, String> {
        let dir = weights_dir(&self.path);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
        let file = weights_file(&self.path, trial);
        snapshot
            .save(&file)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        Ok(file)
    }

    /// Removes the weights kept for `trial`'s seed other than `trial`'s own.
    pub fn prune_weights(&self, trial: &Trial) -> Result<(), String> {
        let keep = weights_file(&self.path, trial);
        let prefix = format!("seed{}-trial", trial.seed);
        let Ok(entries) = std::fs::read_dir(weights_dir(&self.path)) else {
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

impl Drop for TrialStore {
    fn drop(&mut self) {
        // Best effort: a failure here has nobody left to report to, and every line was
        // already written with `write`, so only a power cut could lose it.
        let _ = self.sync();
    }
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
type Lines<'a> = Box<dyn Iterator<Item = (usize, &'a str)> + 'a>;

/// The header of a store's complete lines, and the lines after it.
fn split_header(text: &str) -> Result<(Header, Lines<'_>), String> {
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
        let what =
            if header.experiment != expected.experiment || header.strategy != expected.strategy {
                format!(
                    "it holds experiment `{}` with strategy `{}`",
                    header.experiment, header.strategy
                )
            } else {
                "the experiment, its strategy script or its settings changed since it was written"
                    .to_string()
            };
        return Err(format!("cannot resume: {what}"));
    }
    parse_lines(lines)
}

/// The trials and run endings of a store's lines after its header.
fn parse_lines(lines: Lines<'_>) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    let mut ids: BTreeSet<(u64, u64)> = BTreeSet::new();
    for (i, line) in lines {
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Trial(t)) => {
                if !ids.insert((t.seed, t.id)) {
                    return Err(format!(
                        "line {}: trial {} of seed {} appears twice",
                        i + 1,
                        t.id,
                        t.seed
                    ));
                }
                loaded.trials.entry(t.seed).or_default().push(t);
            }
            Ok(Line::End {
                seed,
                reason,
                wall,
                cpu,
            }) => {
                loaded.ended.insert(seed, reason);
                if let (Some(wall), Some(cpu)) = (wall, cpu) {
                    loaded.took.insert(seed, Took { wall, cpu });
                }
            }
            Ok(Line::Header(_)) => return Err(format!("line {}: a second header", i + 1)),
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::super::trial::Status;
    use super::*;

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
            status: Status::Ok,
            reward: Some(id as f64),
            report: None,
            cost: 1.0,
            clock: id as f64,
            worker: 0,
            error: None,
        }
    }

    #[test]
    fn writes_and_resumes_dropping_a_torn_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("runs/t.jsonl");
        {
            let mut s = TrialStore::create(&path, &header(), Duration::ZERO).expect("create");
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
            TrialStore::create(&path, &header(), Duration::ZERO).is_err(),
            "must not overwrite"
        );
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"kind\":\"trial\",\"seed\":1,")
            .expect("torn write");
        drop(f);
        let (mut s, loaded) = TrialStore::resume(&path, &header(), Duration::ZERO).expect("resume");
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
        let (_, again) = TrialStore::resume(&path, &header(), Duration::ZERO).expect("resume");
        assert_eq!(again.trials[&1].len(), 2);
    }

    #[test]
    fn refuses_another_experiments_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.jsonl");
        drop(TrialStore::create(&path, &header(), Duration::ZERO).expect("create"));
        let other = Header {
            fingerprint: "f2".into(),
            ..header()
        };
        let e = TrialStore::resume(&path, &other, Duration::ZERO).expect_err("changed");
        assert!(e.contains("changed"), "{e}");
        let other = Header {
            strategy: "bo".into(),
            ..header()
        };
        let e = TrialStore::resume(&path, &other, Duration::ZERO).expect_err("other strategy");
        assert!(e.contains("strategy `random`"), "{e}");
    }

    #[test]
    fn a_store_written_before_headers_described_runs_still_resumes_and_reads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.jsonl");
        {
            let mut s = TrialStore::create(&path, &header(), Duration::ZERO).expect("create");
            s.append_trial(&trial(0, 0)).expect("append");
        }
        let described = Header {
            about: Some(RunInfo {
                metric: "valid_acc".into(),
                maximize: true,
                report: Some("test_acc".into()),
                evaluator: "train".into(),
                space: None,
                network: None,
            }),
            ..header()
        };
        let (_, loaded) = TrialStore::resume(&path, &described, Duration::ZERO).expect("resume");
        assert_eq!(loaded.trials[&0].len(), 1);
        let (read_header, read_back) = read(&path).expect("read");
        assert_eq!((read_header, read_back), (header(), loaded));
    }
}
