//! Optimisers (libtorch's own implementations through `tch`) built from their settings,
//! [`Optim`]: SGD with momentum, Nesterov and weight decay, and AdamW with decoupled weight decay.

pub use nas_lang::train::optim::Optim;
use tch::nn::{self, OptimizerConfig};
use tch::TchError;

/// Building an [`Optim`] over a variable store.
pub trait BuildOptim {
    /// Builds the optimiser over the trainable variables of `vs` with learning rate `lr`.
    fn build(&self, vs: &nn::VarStore, lr: f64) -> Result<nn::Optimizer, TchError>;
}

impl BuildOptim for Optim {
    fn build(&self, vs: &nn::VarStore, lr: f64) -> Result<nn::Optimizer, TchError> {
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
            Optim::Adam {
                beta1,
                beta2,
                weight_decay,
            } => nn::adam(beta1, beta2, weight_decay).build(vs, lr),
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
        assert_eq!(
            Optim::named("adam"),
            Some(Optim::Adam {
                beta1: 0.9,
                beta2: 0.999,
                weight_decay: 0.0
            })
        );
        assert_eq!(Optim::named("adagrad"), None);
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
        // Adam's weight decay is an L2 penalty in the gradient: 2(w−3) + λw = 0 at λ = 1.
        let adam = Optim::Adam {
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 1.0,
        };
        assert!((minimise(adam, 0.05, 600) - 2.0).abs() < 0.05);
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
