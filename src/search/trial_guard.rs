//! What the training evaluators (images and language models) share about one trial: its
//! seed, which trials get their report measured, and turning a failure or a panic into a
//! failed trial with its reason.

use super::evaluator::{Evaluator, Outcome};
use super::store::NetworkInfo;
use crate::compile::CompileError;
use crate::space::{Architecture, Space};
use crate::train::checkpoint::Snapshot;
use crate::train::trainer::TrialFailure;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::Instant;
use tch::nn::VarStore;

/// Which trials the reported metric is measured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportWhen {
    /// Every trial.
    All,
    /// Trials whose reward is the best finished so far at their fidelity (maximising when
    /// the flag is set). The architecture a run chooses (the best reward at the highest
    /// fidelity) is always among them, and the others are spared a pass over the test set.
    Best(bool),
}

/// A run's seed and a fidelity (`None`: full): what the best reward so far is kept for.
type RunFidelity = (u64, Option<f64>);

/// Decides, trial by trial, whether the report is measured (see [`ReportWhen`]).
#[derive(Debug)]
pub struct ReportGate {
    when: ReportWhen,
    /// The best reward finished so far in each run (by seed) at each fidelity (`None`: full).
    best: Mutex<Vec<(RunFidelity, f64)>>,
}

impl ReportGate {
    /// A gate that measures reports `when` it says.
    pub fn new(when: ReportWhen) -> ReportGate {
        ReportGate {
            when,
            best: Mutex::new(Vec::new()),
        }
    }

    /// Whether a trial of the run with seed `run` at `fidelity` with `reward` gets its report
    /// measured; records it. Each run has its own best: a seed's chosen trial is measured
    /// however good another seed's were.
    pub fn wants_report(&self, run: u64, fidelity: Option<f64>, reward: f64) -> bool {
        let ReportWhen::Best(maximize) = self.when else {
            return true;
        };
        let Ok(mut best) = self.best.lock() else {
            return true;
        };
        let better = |old: f64| {
            if maximize {
                reward >= old
            } else {
                reward <= old
            }
        };
        match best.iter_mut().find(|(at, _)| *at == (run, fidelity)) {
            Some((_, old)) if better(*old) => {
                *old = reward;
                true
            }
            Some(_) => false,
            None => {
                best.push(((run, fidelity), reward));
                true
            }
        }
    }
}

impl ReportGate {
    /// The outcome of a trained trial of the run with seed `run`: its `reward` (a non-finite
    /// one fails the trial, which ended at `step`), the `report` metric measured by `measure`
    /// when the gate wants it,
    /// the trained `weights` when they are kept (`None`: not kept), and the seconds since
    /// `started` as its cost.
    pub fn outcome<M>(
        &self,
        (reward, step): (f64, usize),
        (report, run, fidelity): (Option<M>, u64, Option<f64>),
        measure: impl Fn(M) -> Result<f64, TrialFailure>,
        (weights, started): (Option<&VarStore>, Instant),
    ) -> Result<Outcome, TrialFailure> {
        if !reward.is_finite() {
            return Err(TrialFailure::NonFiniteLoss {
                step,
                value: reward,
            });
        }
        let report = match report {
            Some(metric) if self.wants_report(run, fidelity, reward) => Some(measure(metric)?),
            _ => None,
        };
        let weights = weights.map(Snapshot::of).transpose()?;
        Ok(Outcome {
            reward,
            report,
            cost: started.elapsed().as_secs_f64(),
            weights,
        })
    }
}

/// An evaluator that trains each architecture: one trial is [`TrainingRun::run`]; it is the
/// `train` evaluator, with measured (not simulated) costs and any fidelity (in epochs).
pub trait TrainingRun: Send + Sync {
    /// Trains and scores the architecture `key` at `fidelity` (`None`: the full run) for the
    /// run with seed `run`, going on from the training it had after the stages `from` (earlier
    /// trials' fidelities, oldest first) when there are any.
    fn run(
        &self,
        run: u64,
        key: &str,
        fidelity: Option<f64>,
        from: &[Option<f64>],
    ) -> Result<Outcome, TrialFailure>;

    /// Whether [`TrainingRun::run`] can go on from earlier stages.
    fn continues(&self) -> bool;

    /// What rebuilds the network an architecture is trained into.
    fn network(&self) -> NetworkInfo;
}

impl<T: TrainingRun> Evaluator for T {
    fn name(&self) -> &str {
        "train"
    }

    fn evaluate(
        &self,
        run: u64,
        key: &str,
        _arch: &Architecture,
        fidelity: Option<f64>,
    ) -> Result<Outcome, String> {
        guarded(|| self.run(run, key, fidelity, &[]))
    }

    fn continues(&self) -> bool {
        TrainingRun::continues(self)
    }

    fn evaluate_from(
        &self,
        run: u64,
        key: &str,
        _arch: &Architecture,
        fidelity: Option<f64>,
        from: &[Option<f64>],
    ) -> Result<Outcome, String> {
        if !from.is_empty() && !TrainingRun::continues(self) {
            return Err(
                "this training cannot continue an earlier trial's training (only image \
                        classifiers can)"
                    .to_string(),
            );
        }
        guarded(|| self.run(run, key, fidelity, from))
    }

    fn simulated(&self) -> bool {
        false
    }

    fn fidelities(&self) -> Vec<f64> {
        Vec::new()
    }

    fn network(&self) -> Option<NetworkInfo> {
        Some(TrainingRun::network(self))
    }
}

/// `space` named so that `load_space_with` finds it from any folder: a stdlib name, or
/// `FILE.nas:NAME` with the file's absolute path.
pub fn space_spec(space: &Space) -> String {
    let origin = space
        .skeleton()
        .origin
        .clone()
        .unwrap_or_else(|| space.name().to_string());
    match origin.rsplit_once(':') {
        Some((file, name)) if file.ends_with(".nas") => match std::fs::canonicalize(file) {
            Ok(abs) => format!("{}:{name}", abs.display()),
            Err(_) => origin,
        },
        _ => origin,
    }
}

/// The [`NetworkInfo`] of architectures of `space` trained on inputs of `kind` shaped `dims`
/// as `training` says, the space named so that it loads from any folder.
pub fn network_info(
    space: &Space,
    (kind, dims): (&str, Vec<i64>),
    training: serde_json::Value,
) -> NetworkInfo {
    let skeleton = space.skeleton();
    NetworkInfo {
        space: space_spec(space),
        args: skeleton
            .args
            .iter()
            .filter_map(|(n, _)| skeleton.int_arg(n).map(|v| (n.clone(), v)))
            .collect(),
        input_kind: kind.to_string(),
        input: dims,
        training,
    }
}

/// The architecture `key` of `space`, or a failed build naming it.
pub fn decode(space: &Space, key: &str) -> Result<Architecture, TrialFailure> {
    space.decode(key).map_err(|e| {
        TrialFailure::Build(CompileError::BadArch {
            text: key.to_string(),
            message: e.to_string(),
        })
    })
}

/// What `data` holds, through `share` (handles on the same tensors, no copy).
pub fn shared<T>(data: &Mutex<T>, share: impl FnOnce(&T) -> T) -> Result<T, TrialFailure> {
    data.lock()
        .map(|d| share(&d))
        .map_err(|_| TrialFailure::Torch("the data is unavailable".to_string()))
}

/// Runs one trial; a failure or a panic becomes the trial's reason.
pub fn guarded(trial: impl FnOnce() -> Result<Outcome, TrialFailure>) -> Result<Outcome, String> {
    match catch_unwind(AssertUnwindSafe(trial)) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(failure)) => Err(failure.to_string()),
        Err(panic) => Err(format!(
            "training stopped: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("an unexpected error")
                .lines()
                .next()
                .unwrap_or_default()
        )),
    }
}

/// The seed a trial trains with (its initialisation, shuffling and dropout): the evaluator's
/// (the experiment's `seed`), its run's and its architecture's string mixed. One architecture
/// trains the same way within a run (a higher fidelity continues it), and differently in each
/// run of `nas run --seeds N` (the spread over seeds is then the training's too); the first run,
/// whose seed is the experiment's, trains as every run did before run seeds were mixed in.
pub fn trial_seed(evaluator: u64, run: u64, key: &str) -> u64 {
    evaluator
        ^ key_hash(key)
        ^ run
            .wrapping_sub(evaluator)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A 64-bit FNV-1a hash of an architecture's string, mixed into its trial's seed.
pub fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_seeds_differ_by_architecture_and_run() {
        assert_ne!(key_hash("a"), key_hash("b"));
        assert_eq!(key_hash("a"), key_hash("a"));
        // The experiment's own run keeps the seed it always had.
        assert_eq!(trial_seed(0, 0, "a"), key_hash("a"));
        assert_eq!(trial_seed(5, 5, "a"), 5 ^ key_hash("a"));
        // Other runs train the same architecture with other seeds.
        let runs: std::collections::HashSet<u64> = (0..50).map(|r| trial_seed(5, r, "a")).collect();
        assert_eq!(runs.len(), 50);
        assert_ne!(trial_seed(0, 1, "a"), trial_seed(0, 1, "b"));
    }

    #[test]
    fn only_trials_at_least_as_good_as_the_best_so_far_get_a_report() {
        let gate = ReportGate::new(ReportWhen::Best(false));
        assert!(gate.wants_report(0, None, 5.0));
        assert!(!gate.wants_report(0, None, 6.0));
        assert!(gate.wants_report(0, None, 4.0));
        assert!(
            gate.wants_report(0, Some(1.0), 9.0),
            "each fidelity has its own best"
        );
        assert!(
            gate.wants_report(1, None, 6.0),
            "each run (seed) has its own best"
        );
        assert!(!gate.wants_report(1, None, 7.0));
        assert!(ReportGate::new(ReportWhen::All).wants_report(0, None, 1e9));
    }

    #[test]
    fn a_panic_is_a_failed_trial_with_its_message() {
        let failed = guarded(|| panic!("shape mismatch\nbacktrace"));
        assert_eq!(failed, Err("training stopped: shape mismatch".to_string()));
    }
}
