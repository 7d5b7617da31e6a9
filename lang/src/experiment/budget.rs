//! Budgets: how many trials a run may submit, and how much wall-clock and simulated time it
//! may use. A run stops at the first limit it reaches.

use std::fmt;

/// The limits of one run; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Budget {
    /// Most trials submitted (failed ones count).
    pub trials: Option<u64>,
    /// Most wall-clock seconds.
    pub wall_seconds: Option<f64>,
    /// Most simulated seconds (the evaluator's summed costs, per worker).
    pub sim_seconds: Option<f64>,
}

/// Which limit a run reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// All trials were used.
    Trials,
    /// The wall-clock limit passed.
    WallTime,
    /// The simulated clock passed its limit.
    SimTime,
}

impl fmt::Display for Spent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Spent::Trials => "trial budget spent",
            Spent::WallTime => "wall-time budget spent",
            Spent::SimTime => "simulated-time budget spent",
        })
    }
}

impl Budget {
    /// Whether the run may submit another trial, given what it used so far.
    pub fn check(&self, submitted: u64, wall: f64, sim: f64) -> Result<(), Spent> {
        if self.trials.is_some_and(|t| submitted >= t) {
            return Err(Spent::Trials);
        }
        if self.wall_seconds.is_some_and(|w| wall >= w) {
            return Err(Spent::WallTime);
        }
        if self.sim_seconds.is_some_and(|s| sim >= s) {
            return Err(Spent::SimTime);
        }
        Ok(())
    }

    /// Whether some limit is set (a run without one would never stop on its own).
    pub fn is_bounded(&self) -> bool {
        self.trials.is_some() || self.wall_seconds.is_some() || self.sim_seconds.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_limit_reached_stops() {
        let b = Budget {
            trials: Some(3),
            wall_seconds: Some(10.0),
            sim_seconds: Some(100.0),
        };
        assert_eq!(b.check(2, 1.0, 1.0), Ok(()));
        assert_eq!(b.check(3, 1.0, 1.0), Err(Spent::Trials));
        assert_eq!(b.check(0, 10.0, 1.0), Err(Spent::WallTime));
        assert_eq!(b.check(0, 1.0, 100.0), Err(Spent::SimTime));
        assert!(!Budget::default().is_bounded());
        assert_eq!(Budget::default().check(u64::MAX - 1, 1e9, 1e9), Ok(()));
    }
}
