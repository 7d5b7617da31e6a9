//! Optimisers (libtorch's own implementations through `tch`): SGD with momentum, Nesterov and
//! weight decay, and AdamW with decoupled weight decay.

use tch::nn::{self, OptimizerConfig};
use tch::TchError;

/// An optimiser and its hyper-parameters (the learning rate comes from the schedule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optim {
    /// Stochastic gradient descent; weight decay is added to the gradient, as in PyTorch.
    Sgd {
        /// Momentum factor (0: plain SGD).
        momentum: f64,
        /// Nesterov's variant of momentum.
        nesterov: bool,
        /// L2 penalty.
        weight_decay: f64,
    },
    /// Adam with decoupled weight decay.
    AdamW {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Decoupled weight decay.
        weight_decay: f64,
    },
}

impl Optim {
    /// SGD with Nesterov momentum 0.9 and weight decay 5e-4 (NAS-Bench-201's setting).
    pub fn nb201_sgd() -> Self {
        Optim::Sgd {
            momentum: 0.9,
            nesterov: true,
            weight_decay: 5e-4,
        }
    }

    /// The optimisers by name, as `nas train --optimizer` and `train(optimizer: ..)` write them.
    pub const NAMES: [&'static str; 2] = ["sgd", "adamw"];

    /// The optimiser `name` (one of [`Optim::NAMES`]) with its defaults, the one home of
    /// them for `nas train` and the `train(..)` evaluator: `sgd` is [`Optim::nb201_sgd`],
    /// `adamw` has betas (0.9, 0.999) and weight decay 0.01 (PyTorch's).
    pub fn named(name: &str) -> Option<Optim> {
        match name {
            "sgd" => Some(Optim::nb201_sgd()),
            "adamw" => Some(Optim::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                weight_decay: 0.01,
            }),
            _ => None,
        }
    }

    /// Its name, one of [`Optim::NAMES`].
    pub fn name(&self) -> &'static str {
        match self {
            Optim::Sgd { .. } => "sgd",
            Optim::AdamW { .. } => "adamw",
        }
    }

    /// The arguments its settings take (`sgd(lr: .., momentum: ..)`).
    pub fn keys(&self) -> &'static [&'static str] {
        match self {
            Optim::Sgd { .. } => &["lr", "momentum", "nesterov", "weight_decay"],
            Optim::AdamW { .. } => &["lr", "beta1", "beta2", "weight_decay"],
        }
    }

    /// Builds the optimiser over the trainable variables of `vs` with learning rate `lr`.
    pub fn build(&self, vs: &nn::VarStore, lr: f64) -> Result<nn::Optimizer, TchError> {
        match *self {
            Optim::Sgd {
                momentum,
                nesterov,
                weight_decay,
            } => {
                if nesterov && momentum <= 0.0 {
                    return Err(TchError::Kind(
                        "Nesterov momentum needs a momentum above 0".to_string(),
                    ));
                }
                nn::sgd(momentum, 0.0, weight_decay, nesterov).build(vs, lr)
            }
            Optim::AdamW {
                beta1,
                beta2,
                weight_decay,
            } => nn::adamw(beta1, beta2, weight_decay).build(vs, lr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// Minimises (w − 3)² and returns w after `steps` steps.
    fn minimise(optim: Optim, lr: f64, steps: usize) -> f64 {
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().zeros("w", &[1]);
        let mut opt = optim.build(&vs, lr).unwrap();
        for _ in 0..steps {
            let loss = (&w - 3.0).square().sum(Kind::Float);
            opt.backward_step(&loss);
        }
        w.double_value(&[0])
    }

    #[test]
    fn named_optimisers_have_one_set_of_defaults() {
        assert_eq!(Optim::named("sgd"), Some(Optim::nb201_sgd()));
        let adamw = Optim::named("adamw").unwrap();
        assert_eq!(
            adamw,
            Optim::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                weight_decay: 0.01
            }
        );
        assert_eq!(Optim::named("adam"), None);
        assert!(Optim::NAMES
            .iter()
            .all(|n| Optim::named(n).map(|o| o.name()) == Some(*n)));
    }

    #[test]
    fn sgd_variants_and_adamw_converge_on_a_quadratic() {
        let plain = Optim::Sgd {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        };
        assert!((minimise(plain, 0.1, 100) - 3.0).abs() < 1e-3);
        assert!((minimise(Optim::nb201_sgd(), 0.05, 200) - 3.0).abs() < 0.01);
        let adamw = Optim::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
        };
        assert!((minimise(adamw, 0.1, 300) - 3.0).abs() < 0.05);
        // Weight decay pulls the optimum towards 0: 2(w−3) + λw = 0.
        let decayed = Optim::Sgd {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 1.0,
        };
        assert!((minimise(decayed, 0.1, 200) - 2.0).abs() < 1e-3);
        let bad = Optim::Sgd {
            momentum: 0.0,
            nesterov: true,
            weight_decay: 0.0,
        };
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(bad.build(&vs, 0.1).is_err());
    }
}
