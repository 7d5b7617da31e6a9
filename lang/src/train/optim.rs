//! The optimisers a network trains with, as settings: SGD with momentum, Nesterov and weight
//! decay, Adam with weight decay added to the gradient (an L2 penalty, as PyTorch's `Adam`),
//! and AdamW with decoupled weight decay (the engine builds them from libtorch's own).

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
    /// Adam; weight decay is added to the gradient (an L2 penalty), as in PyTorch's `Adam`
    /// (NAS-Bench-NLP trains with it).
    Adam {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
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
    pub const NAMES: [&'static str; 3] = ["sgd", "adam", "adamw"];

    /// The optimiser `name` (one of [`Optim::NAMES`]) with its defaults, the one home of
    /// them for `nas train` and the `train(..)` evaluator: `sgd` is [`Optim::nb201_sgd`],
    /// `adam` betas (0.9, 0.999) and no weight decay, `adamw` betas (0.9, 0.999) and weight
    /// decay 0.01 (PyTorch's).
    pub fn named(name: &str) -> Option<Optim> {
        match name {
            "sgd" => Some(Optim::nb201_sgd()),
            "adam" => Some(Optim::Adam {
                beta1: 0.9,
                beta2: 0.999,
                weight_decay: 0.0,
            }),
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
            Optim::Adam { .. } => "adam",
            Optim::AdamW { .. } => "adamw",
        }
    }

    /// Sets its weight decay.
    pub fn set_weight_decay(&mut self, decay: f64) {
        match self {
            Optim::Sgd { weight_decay, .. }
            | Optim::Adam { weight_decay, .. }
            | Optim::AdamW { weight_decay, .. } => *weight_decay = decay,
        }
    }

    /// The arguments its settings take (`sgd(lr: .., momentum: ..)`).
    pub fn keys(&self) -> &'static [&'static str] {
        match self {
            Optim::Sgd { .. } => &["lr", "momentum", "nesterov", "weight_decay"],
            Optim::Adam { .. } | Optim::AdamW { .. } => &["lr", "beta1", "beta2", "weight_decay"],
        }
    }
}
