//! The trial store: where a run keeps its finished trials so that it resumes with every one
//! and repeats none. One interface, [`Store`], with two backends: [`jsonl`], the embedded
//! default, an append-only JSON-lines file with one writer at a time ([`lock`]) that
//! `nas store repair` mends ([`repair`]); and [`postgres`], a PostgreSQL database that
//! drivers and workers on several machines share. [`locator`] opens either from what
//! `--store` names, and [`copy`] moves a run between them.

pub mod copy;
pub mod jsonl;
pub mod locator;
pub mod lock;
pub mod postgres;
pub mod redact;
pub mod repair;

use crate::space::Space;
use crate::train::choices::SearchedSettings;
pub use jsonl::{read, JsonlStore};
pub use locator::{Locator, Mode, OpenError};

/// An open trial store, appending: what the runner writes as a run goes.
pub trait Store {
    /// Where it is, for messages (credentials hidden).
    fn describe(&self) -> String;

    /// The file it lives in, when it is one: the one-shot checkpoints, the α history and the
    /// kept weights go beside it (a store without one keeps none of them).
    fn file(&self) -> Option<&Path>;

    /// Records a finished trial, as the strategy saw it (its `done` is the order).
    fn append_trial(&mut self, trial: &Trial) -> Result<(), String>;

    /// Records that the run of `seed` ended, and why. Should the process die before that,
    /// resuming runs the seed's strategy again over its stored trials (so nothing is
    /// evaluated twice) until it ends the same way and records it anew.
    /// `took` is what the run took, when it was measured.
    fn append_end(&mut self, seed: u64, reason: &str, took: Option<Took>) -> Result<(), String>;

    /// Records that the whole run ended (every seed's): workers waiting for its trials stop.
    fn finish(&mut self) -> Result<(), String>;

    /// The queue through which workers in other processes run this store's trials, when the
    /// store has one (`None`: the run evaluates its trials itself).
    fn queue(&mut self, seed: u64) -> Result<Option<Box<dyn TrialQueue>>, String>;
}

/// Trials handed to workers in other processes and their results, for one seed's run.
pub trait TrialQueue {
    /// Queues trial `id` (architecture `key` at `fidelity`). A trial queued by an earlier
    /// attempt of the run (a driver restarted) is kept, with its result if it has one; one
    /// queued with another architecture is an error.
    fn submit(&mut self, id: u64, key: &str, fidelity: Option<f64>) -> Result<(), String>;

    /// The next of the submitted trials to finish, waiting for it when `wait` is set
    /// (`None`: nothing finished yet without waiting, or nothing is pending).
    fn next_finished(&mut self, wait: bool) -> Result<Option<Returned>, String>;

    /// How many submitted trials have not come back.
    fn pending(&self) -> usize;
}

/// A trial a worker finished, as the queue hands it back.
#[derive(Debug, Clone, PartialEq)]
pub struct Returned {
    /// The trial's id.
    pub id: u64,
    /// What the evaluator gave: the outcome's reward, report and cost, or why it failed.
    pub result: Result<(f64, Option<f64>, f64), String>,
    /// Which worker ran it (a number the queue gives each worker it has seen).
    pub worker: usize,
}

use super::trial::Trial;
use crate::space::InputShape;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    pub(crate) fn same_run(&self, other: &Header) -> bool {
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
    /// The objectives after the first (`minimize params`): each metric's name and whether
    /// it is maximised; absent from single-objective runs and stores written before them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_objectives: Vec<(String, bool)>,
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
    /// The training settings the run searched (`train(lr: 0.1 | 0.05)`), as its evaluator
    /// recorded them in `training.searched`; `None` when it searched none.
    pub fn searched(&self) -> Result<Option<SearchedSettings>, String> {
        match self.training.get("searched") {
            None => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|e| format!("the store's searched training settings: {e}")),
        }
    }

    /// The space its architectures belong to: the named space at the size trained, with the
    /// decisions of the searched training settings after its own.
    pub fn space(&self) -> Result<Space, String> {
        let space = crate::space::load_space_with(&self.space, &self.args)?;
        match self.searched()? {
            None => Ok(space),
            Some(s) => space
                .with_decisions(s.decisions())
                .map_err(|e| e.to_string()),
        }
    }

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

/// What a worker in another process rebuilds a run's evaluator from: the experiment's files
/// (the `.nas` program with its local imports and the strategy script, never run by a
/// worker but part of the run's fingerprint) and the choices made on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipe {
    /// The experiment file's name, relative to its folder.
    pub main: String,
    /// Every file the experiment reads from its folder (relative name, text).
    pub files: Vec<(String, String)>,
    /// `--experiment`.
    pub experiment: Option<String>,
    /// `--strategy`.
    pub strategy: Option<String>,
    /// `--workers` (part of the fingerprint).
    pub workers: Option<usize>,
}

/// Why a stored run is not the one `wanted` describes (see [`Header::same_run`]).
pub(crate) fn resume_mismatch(stored: &Header, wanted: &Header) -> String {
    if stored.experiment != wanted.experiment || stored.strategy != wanted.strategy {
        format!(
            "it holds experiment `{}` with strategy `{}`",
            stored.experiment, stored.strategy
        )
    } else {
        "the experiment, its strategy script or its settings changed since it was written"
            .to_string()
    }
}
