//! The trial store: where a run keeps its finished trials so that it resumes with every one
//! and repeats none. [`jsonl`] is the embedded store, an append-only JSON-lines file with one
//! writer at a time ([`lock`]) that `nas store repair` mends ([`repair`]).

pub mod jsonl;
pub mod lock;
pub mod redact;
pub mod repair;

pub use jsonl::{read, JsonlStore};

use super::trial::Trial;
use crate::space::InputShape;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// The evaluator's name (`train`, `table`, `proxy`).
    pub evaluator: String,
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

/// What a store held when it was reopened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// Finished trials of each seed, in the order they were written.
    pub trials: BTreeMap<u64, Vec<Trial>>,
    /// Seeds whose run ended, with the reason.
    pub ended: BTreeMap<u64, String>,
}
