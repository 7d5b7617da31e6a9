//! The one interface every evaluator implements (table lookup, training, proxies), so that a
//! strategy script runs unchanged on each.

use super::store::NetworkInfo;
use crate::space::Architecture;
use crate::train::checkpoint::Snapshot;

/// What one evaluation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The value the strategy optimises (larger is better once the objective's direction is
    /// applied by the runner).
    pub reward: f64,
    /// The value reported for the chosen architecture (e.g. test accuracy), if any.
    pub report: Option<f64>,
    /// What the evaluation cost in seconds: simulated for tables, measured for training.
    pub cost: f64,
    /// The trained network's weights, when the evaluator trains one and keeps them (the run
    /// writes those of the architecture it chooses beside its trial store).
    pub weights: Option<Snapshot>,
}

/// An evaluator: turns an architecture (with its canonical string) into an [`Outcome`], or a
/// reason why it could not. It is shared by the worker threads of a run.
pub trait Evaluator: Send + Sync {
    /// A short name for messages and the trial store (`table`, `train`).
    fn name(&self) -> &str;

    /// Evaluates `arch` (canonical string `key`) at `fidelity` (`None`: the evaluator's full
    /// fidelity) for the run with seed `run` (one evaluator serves every seed of a `nas run
    /// --seeds N` and every run a worker claims from; what it keeps per run, such as the best
    /// reward so far, is kept per seed). An `Err` is a failed trial with its reason; the
    /// search goes on.
    fn evaluate(
        &self,
        run: u64,
        key: &str,
        arch: &Architecture,
        fidelity: Option<f64>,
    ) -> Result<Outcome, String>;

    /// Whether [`Evaluator::evaluate_from`] can continue an earlier trial's training rather
    /// than start over (the `train` evaluator of image classifiers).
    fn continues(&self) -> bool {
        false
    }

    /// Evaluates `arch` at `fidelity` by going on with the training it had after the stages
    /// `from` (the fidelities of the earlier trials it continues, oldest first; `None` is the
    /// full fidelity) instead of training from scratch: a promoted trial of a multi-fidelity
    /// search pays only the difference. With no stages it is [`Evaluator::evaluate`].
    fn evaluate_from(
        &self,
        run: u64,
        key: &str,
        arch: &Architecture,
        fidelity: Option<f64>,
        from: &[Option<f64>],
    ) -> Result<Outcome, String> {
        if from.is_empty() {
            return self.evaluate(run, key, arch, fidelity);
        }
        Err(format!(
            "the `{}` evaluator cannot continue an earlier trial's training",
            self.name()
        ))
    }

    /// Whether costs are simulated (then workers are simulated on one thread and the clock is
    /// the sum of costs); otherwise evaluations run on worker threads and cost wall time.
    fn simulated(&self) -> bool;

    /// The fidelities this evaluator supports, ascending (empty: any positive value).
    fn fidelities(&self) -> Vec<f64>;

    /// What rebuilds the network it trains an architecture into (`None`: it trains none).
    fn network(&self) -> Option<NetworkInfo>;
}
