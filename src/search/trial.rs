//! A finished trial as the runner records it: the line format of the trial store and of
//! results files.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a trial produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It finished with a reward.
    Ok,
    /// The evaluator could not evaluate it; `error` says why.
    Failed,
}

/// One finished trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// The run's seed (one run per seed).
    pub seed: u64,
    /// The trial's number within its run, in order of submission from 0.
    pub id: u64,
    /// The order in which it finished within its run, from 0.
    pub done: u64,
    /// The architecture's canonical string.
    pub arch: String,
    /// The fidelity asked for (`None`: full).
    pub fidelity: Option<f64>,
    /// The trial whose training this one continued (its id), rather than training from
    /// scratch; not written when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continued_from: Option<u64>,
    /// Ok or failed.
    pub status: Status,
    /// The reward, for finished trials (in the objective's own sign: not negated).
    pub reward: Option<f64>,
    /// The reported metric, when the evaluator has one.
    pub report: Option<f64>,
    /// Seconds the evaluation cost (simulated for tables).
    pub cost: f64,
    /// The simulated (or measured) clock when it finished, seconds since the run began.
    pub clock: f64,
    /// Which worker ran it.
    pub worker: usize,
    /// Why it failed.
    pub error: Option<String>,
    /// The value of each objective after the first (`params`, `flops`), by name, for
    /// finished trials of a multi-objective run (in the metric's own sign); empty, and not
    /// written, otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
}

impl Trial {
    /// Whether the trial finished with a reward.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok && self.reward.is_some()
    }
}
