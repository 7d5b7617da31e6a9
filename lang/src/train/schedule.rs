//! Learning-rate schedules, per step: a linear warm-up, then constant, cosine or step decay.

/// The shape of the schedule after warm-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decay {
    /// The base rate throughout.
    Constant,
    /// Half a cosine from the base rate down to `min_lr` at the last step.
    Cosine {
        /// The rate at the end.
        min_lr: f64,
    },
    /// Multiply by `gamma` every `every` steps.
    Step {
        /// Steps between decays.
        every: usize,
        /// The factor.
        gamma: f64,
    },
}

/// A schedule's shape by name, as training settings write it (`schedule: cosine`); its decay is
/// fixed once the run's length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// Half a cosine down to 0 at the last step.
    Cosine,
    /// ×0.1 at every third of the run.
    Step,
    /// The base rate throughout.
    Constant,
}

impl ScheduleKind {
    /// The shapes by name.
    pub const NAMES: [&'static str; 3] = ["cosine", "step", "constant"];

    /// The shape called `name`.
    pub fn named(name: &str) -> Option<ScheduleKind> {
        match name {
            "cosine" => Some(ScheduleKind::Cosine),
            "step" => Some(ScheduleKind::Step),
            "constant" => Some(ScheduleKind::Constant),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            ScheduleKind::Cosine => "cosine",
            ScheduleKind::Step => "step",
            ScheduleKind::Constant => "constant",
        }
    }

    /// The decay after warm-up of a run of `total_steps`.
    pub fn decay(self, total_steps: usize) -> Decay {
        match self {
            ScheduleKind::Cosine => Decay::Cosine { min_lr: 0.0 },
            ScheduleKind::Step => Decay::Step {
                every: total_steps.div_ceil(3).max(1),
                gamma: 0.1,
            },
            ScheduleKind::Constant => Decay::Constant,
        }
    }
}

/// A learning rate for every step of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The rate after warm-up.
    pub base_lr: f64,
    /// Steps of linear warm-up from `base_lr/warmup` to `base_lr`.
    pub warmup: usize,
    /// All steps of the run, warm-up included.
    pub total: usize,
    /// What happens after warm-up.
    pub decay: Decay,
}

impl Schedule {
    /// The rate at step `step` (counting from 0).
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup {
            return self.base_lr * (step + 1) as f64 / self.warmup as f64;
        }
        let t = step - self.warmup;
        match self.decay {
            Decay::Constant => self.base_lr,
            Decay::Cosine { min_lr } => {
                let span = self.total.saturating_sub(self.warmup).max(1) as f64;
                let progress = (t as f64 / span).min(1.0);
                min_lr
                    + (self.base_lr - min_lr)
                        * 0.5
                        * (1.0 + (std::f64::consts::PI * progress).cos())
            }
            Decay::Step { every, gamma } => self.base_lr * gamma.powi((t / every.max(1)) as i32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_then_cosine_then_step() {
        let cos = Schedule {
            base_lr: 0.1,
            warmup: 4,
            total: 14,
            decay: Decay::Cosine { min_lr: 0.0 },
        };
        assert!((cos.lr(0) - 0.025).abs() < 1e-12);
        assert!((cos.lr(3) - 0.1).abs() < 1e-12);
        assert!((cos.lr(4) - 0.1).abs() < 1e-12);
        assert!((cos.lr(9) - 0.05).abs() < 1e-12);
        assert!(cos.lr(13) < 0.003);
        let step = Schedule {
            base_lr: 1.0,
            warmup: 0,
            total: 100,
            decay: Decay::Step {
                every: 10,
                gamma: 0.5,
            },
        };
        assert_eq!(
            [step.lr(0), step.lr(9), step.lr(10), step.lr(25)],
            [1.0, 1.0, 0.5, 0.25]
        );
    }

    #[test]
    fn step_decay_divides_the_run_in_thirds() {
        assert_eq!(
            ScheduleKind::Step.decay(90),
            Decay::Step {
                every: 30,
                gamma: 0.1
            }
        );
        assert_eq!(ScheduleKind::Cosine.decay(9), Decay::Cosine { min_lr: 0.0 });
        assert!(ScheduleKind::NAMES
            .iter()
            .all(|n| ScheduleKind::named(n).map(ScheduleKind::name) == Some(*n)));
    }
}
