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
}
