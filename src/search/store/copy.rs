//! `nas store copy FROM TO`: a run moved between stores (a JSON-lines file and a database,
//! either way), through the one [`super::Store`] interface: the header, every trial in the
//! order its strategy saw it, and the ends of the seeds' runs.

use super::locator::{self, Locator, Mode};
use std::time::Duration;

/// What a copy moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The experiment's name.
    pub experiment: String,
    /// Trials copied.
    pub trials: usize,
    /// Seeds whose run had ended.
    pub ended: usize,
}

/// Copies the run at `from` (in a database holding several, the one `experiment` names) to
/// a new store at `to` (one that exists is refused).
pub fn copy(from: &Locator, to: &Locator, experiment: Option<&str>) -> Result<Copied, String> {
    let (header, loaded) = locator::read(from, experiment)?;
    let (mut store, _, _) =
        locator::open(to, &header, Mode::New, Duration::ZERO, None).map_err(|e| e.to_string())?;
    let mut trials = 0;
    for seed_trials in loaded.trials.values() {
        for t in seed_trials {
            store.append_trial(t)?;
            trials += 1;
        }
    }
    for (seed, reason) in &loaded.ended {
        store.append_end(*seed, reason, loaded.took.get(seed).copied())?;
    }
    if loaded.trials.keys().all(|s| loaded.ended.contains_key(s)) {
        store.finish()?;
    }
    Ok(Copied {
        experiment: header.experiment,
        trials,
        ended: loaded.ended.len(),
    })
}
