//! The stopped trainings the `train` evaluator holds so that a later, higher-fidelity trial of
//! the same architecture continues one instead of training from scratch
//! (`ctx.evaluate(arch, fidelity, trial)`): the latest few, in memory.

use crate::compile::BoxLayer;
use crate::train::trainer::Progress;
use std::collections::VecDeque;
use std::sync::Mutex;
use tch::nn;

/// How many stopped trainings are held (the latest lower-fidelity trials'); a trial that
/// continues one no longer held trains its earlier stages again first, which repeats them
/// exactly on the CPU and only costs their time.
pub const PAUSED_KEPT: usize = 4;

/// The training of a lower-fidelity trial, stopped.
pub struct Paused {
    /// The architecture's canonical string.
    pub key: String,
    /// The epochs each of its stages trained to, oldest first.
    pub stages: Vec<f64>,
    /// Its variables.
    pub vs: nn::VarStore,
    /// The network over them.
    pub net: BoxLayer,
    /// The optimiser's state and the steps taken.
    pub progress: Progress,
}

/// The held trainings, oldest first.
#[derive(Default)]
pub struct Held(Mutex<VecDeque<Paused>>);

impl Held {
    /// The held training of `key` furthest along `stages` (its stages a beginning of them),
    /// taken out.
    pub fn take(&self, key: &str, stages: &[f64]) -> Option<Paused> {
        let mut held = self.0.lock().ok()?;
        let at = (0..held.len())
            .filter(|&i| held[i].key == key && stages.starts_with(&held[i].stages))
            .max_by_key(|&i| held[i].stages.len())?;
        held.remove(at)
    }

    /// Holds a stopped training (in place of one with the same architecture and stages),
    /// dropping the oldest beyond [`PAUSED_KEPT`].
    pub fn hold(&self, paused: Paused) {
        if let Ok(mut held) = self.0.lock() {
            held.retain(|p| !(p.key == paused.key && p.stages == paused.stages));
            held.push_back(paused);
            while held.len() > PAUSED_KEPT {
                held.pop_front();
            }
        }
    }
}
