//! The autoregressive LSTM controller of NAS-RL (Zoph & Le, 2017) and ENAS (Pham et al.,
//! 2018): one decision of the space after another, an LSTM reads the embedding of the previous
//! decision's choice (a learned start vector first), and a softmax head of the current decision
//! gives its distribution, so each choice is conditioned on every earlier one. Trained with
//! REINFORCE: the log-probability of an architecture's choices times the reward's advantage
//! over an exponential moving-average baseline, plus an entropy bonus, by Adam. Unlike the
//! papers (whose rewards are accuracies in [0, 1]), the advantage is divided by a moving mean
//! of its absolute value, as in the per-decision policy of stdlib/strategies/reinforce.rhai,
//! so that the learning rate does not depend on the reward's units (a table's accuracies in
//! percent, a perplexity's negative).
//!
//! Each decision has its own input embedding and output head (its values are its own
//! vocabulary); the LSTM is shared. ENAS' logit shaping is available: logits divided by a
//! temperature, then squashed by `c · tanh` (its defaults 5.0 and 2.5). The controller is
//! scored by teacher forcing when a result arrives, so results may come back in any order (the
//! runner's workers), each updating the policy with the choices it was sampled with.
//!
//! Every decision of the space is sampled, also one that an earlier choice makes inactive; the
//! space ignores it when it builds the architecture, and the update credits it with the reward
//! like the rest (the papers' spaces have no inactive decisions).

use crate::search::rng::SearchRng;
use tch::nn::{self, Module, OptimizerConfig, RNN};
use tch::{Device, Kind, Tensor};

/// The controller's settings; [`ControllerSettings::default`] is ENAS' (Pham et al., 2018).
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerSettings {
    /// LSTM units (ENAS: 100; NAS-RL: 35).
    pub hidden: i64,
    /// LSTM layers (ENAS: 1; NAS-RL: 2).
    pub layers: i64,
    /// Adam's learning rate (ENAS: 0.00035; NAS-RL: 0.0006).
    pub lr: f64,
    /// The weight of the sampled architecture's entropy in the loss (ENAS: 0.0001).
    pub entropy_weight: f64,
    /// The baseline's decay per result (ENAS: 0.99).
    pub baseline_decay: f64,
    /// Logits are divided by this (ENAS: 5.0; 1: unchanged).
    pub temperature: f64,
    /// Then squashed to `c · tanh(logits / c)`'s range by `c · tanh` (ENAS: 2.5; 0: off).
    pub tanh_c: f64,
}

impl Default for ControllerSettings {
    fn default() -> ControllerSettings {
        ControllerSettings {
            hidden: 100,
            layers: 1,
            lr: 0.00035,
            entropy_weight: 0.0001,
            baseline_decay: 0.99,
            temperature: 5.0,
            tanh_c: 2.5,
        }
    }
}

/// One architecture's choices scored by the controller.
struct Scored {
    choices: Vec<usize>,
    log_prob: Tensor,
    entropy: Tensor,
}

/// The LSTM controller over decisions with `sizes` values each.
pub struct LstmController {
    settings: ControllerSettings,
    sizes: Vec<i64>,
    lstm: nn::LSTM,
    start: Tensor,
    embeddings: Vec<nn::Embedding>,
    heads: Vec<nn::Linear>,
    optimizer: nn::Optimizer,
    baseline: Option<f64>,
    spread: Option<f64>,
    rng: SearchRng,
    // Holds the parameters the layers above point into.
    _vs: nn::VarStore,
}

impl std::fmt::Debug for LstmController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LstmController")
            .field("settings", &self.settings)
            .field("sizes", &self.sizes)
            .field("baseline", &self.baseline)
            .finish()
    }
}

impl LstmController {
    /// A controller over decisions of `sizes` values (each at least 1). Its own generator,
    /// seeded with `seed`, draws every weight (uniform in ±0.1, as in both papers; libtorch's
    /// global generator is not touched) and then its samples.
    pub fn new(
        sizes: &[usize],
        settings: ControllerSettings,
        seed: u64,
    ) -> Result<LstmController, String> {
        if sizes.is_empty() {
            return Err("the space has no decisions to control".to_string());
        }
        if settings.hidden < 1 || settings.layers < 1 {
            return Err(format!(
                "hidden ({}) and layers ({}) must be at least 1",
                settings.hidden, settings.layers
            ));
        }
        if !(settings.lr > 0.0 && settings.temperature > 0.0 && settings.tanh_c >= 0.0) {
            return Err("lr and temperature must be positive, tanh_c not negative".to_string());
        }
        if !(0.0..1.0).contains(&settings.baseline_decay) {
            return Err(format!(
                "baseline_decay {} is not in [0, 1)",
                settings.baseline_decay
            ));
        }
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let h = settings.hidden;
        let lstm = nn::lstm(
            &root / "lstm",
            h,
            h,
            nn::RNNConfig {
                num_layers: settings.layers,
                ..Default::default()
            },
        );
        let start = root.zeros("start", &[1, h]);
        let sizes: Vec<i64> = sizes.iter().map(|&s| s.max(1) as i64).collect();
        let embeddings = sizes
            .iter()
            .enumerate()
            .map(|(d, &n)| nn::embedding(&root / format!("embed{d}"), n, h, Default::default()))
            .collect();
        let heads = sizes
            .iter()
            .enumerate()
            .map(|(d, &n)| nn::linear(&root / format!("head{d}"), h, n, Default::default()))
            .collect();
        let mut rng = SearchRng::new(seed);
        let mut variables: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, mut variable) in variables {
            let values: Vec<f32> = (0..variable.numel())
                .map(|_| (rng.uniform() * 0.2 - 0.1) as f32)
                .collect();
            let drawn = Tensor::from_slice(&values).view_as(&variable);
            tch::no_grad(|| variable.copy_(&drawn));
        }
        let optimizer = nn::Adam::default()
            .build(&vs, settings.lr)
            .map_err(|e| format!("cannot build Adam: {e}"))?;
        Ok(LstmController {
            settings,
            sizes,
            lstm,
            start,
            embeddings,
            heads,
            optimizer,
            baseline: None,
            spread: None,
            rng,
            _vs: vs,
        })
    }

    /// Runs the controller over every decision: draws each choice (or reads it from `given`)
    /// and sums the choices' log-probabilities and the distributions' entropies.
    fn score(&mut self, given: Option<&[usize]>) -> Scored {
        let mut state = self.lstm.zero_state(1);
        let mut input = self.start.shallow_clone();
        let mut choices = Vec::with_capacity(self.sizes.len());
        let mut log_probs = Vec::with_capacity(self.sizes.len());
        let mut entropies = Vec::with_capacity(self.sizes.len());
        for d in 0..self.sizes.len() {
            state = self.lstm.step(&input, &state);
            let out = state.h().get(self.settings.layers - 1);
            let mut logits = self.heads[d].forward(&out) / self.settings.temperature;
            if self.settings.tanh_c > 0.0 {
                logits = logits.tanh() * self.settings.tanh_c;
            }
            let log_p = logits.log_softmax(-1, Kind::Float).squeeze_dim(0);
            let p = log_p.exp();
            let choice = match given {
                Some(g) => g[d].min(self.sizes[d] as usize - 1),
                None => {
                    let weights =
                        Vec::<f64>::try_from(p.to_kind(Kind::Double).detach()).unwrap_or_default();
                    self.rng.categorical(&weights).unwrap_or(0)
                }
            };
            log_probs.push(log_p.get(choice as i64));
            entropies.push(-(&p * &log_p).sum(Kind::Float));
            input = self.embeddings[d].forward(&Tensor::from_slice(&[choice as i64]));
            choices.push(choice);
        }
        Scored {
            choices,
            log_prob: Tensor::stack(&log_probs, 0).sum(Kind::Float),
            entropy: Tensor::stack(&entropies, 0).sum(Kind::Float),
        }
    }

    /// Draws one architecture's choices, one per decision.
    pub fn sample(&mut self) -> Vec<usize> {
        tch::no_grad(|| self.score(None).choices)
    }

    /// The log-probability of `choices` under the current policy.
    pub fn log_prob(&mut self, choices: &[usize]) -> Result<f64, String> {
        self.check(choices)?;
        Ok(tch::no_grad(|| {
            self.score(Some(choices)).log_prob.double_value(&[])
        }))
    }

    /// One REINFORCE step for `choices` and their `reward`: the advantage over the moving
    /// baseline (which the first reward starts at, so the first update does nothing), divided
    /// by the moving mean absolute advantage, times the choices' log-probability, plus the
    /// entropy bonus, by Adam; then the baseline moves toward the reward. Returns the
    /// advantage before scaling.
    pub fn update(&mut self, choices: &[usize], reward: f64) -> Result<f64, String> {
        self.check(choices)?;
        if !reward.is_finite() {
            return Err(format!("the reward {reward} is not finite"));
        }
        let baseline = *self.baseline.get_or_insert(reward);
        let advantage = reward - baseline;
        let decay = self.settings.baseline_decay;
        let spread = match self.spread {
            Some(s) if s > 0.0 => decay * s + (1.0 - decay) * advantage.abs(),
            _ => advantage.abs(),
        };
        self.spread = Some(spread);
        let scaled = if spread > 0.0 {
            advantage / spread
        } else {
            0.0
        };
        let scored = self.score(Some(choices));
        let loss = -(scored.log_prob * scaled + scored.entropy * self.settings.entropy_weight);
        self.optimizer.zero_grad();
        loss.backward();
        self.optimizer.step();
        self.baseline = Some(decay * baseline + (1.0 - decay) * reward);
        Ok(advantage)
    }

    /// The moving baseline (none before the first reward).
    pub fn baseline(&self) -> Option<f64> {
        self.baseline
    }

    /// Refuses choices of the wrong length or out of their decision's range.
    fn check(&self, choices: &[usize]) -> Result<(), String> {
        if choices.len() != self.sizes.len() {
            return Err(format!(
                "{} choices for {} decisions",
                choices.len(),
                self.sizes.len()
            ));
        }
        match choices
            .iter()
            .zip(&self.sizes)
            .position(|(&c, &n)| c as i64 >= n)
        {
            Some(d) => Err(format!(
                "choice {} of decision {d} is out of its {} values",
                choices[d], self.sizes[d]
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controller(seed: u64) -> LstmController {
        LstmController::new(
            &[3, 4, 2],
            ControllerSettings {
                hidden: 8,
                lr: 0.05,
                temperature: 1.0,
                tanh_c: 0.0,
                baseline_decay: 0.9,
                ..ControllerSettings::default()
            },
            seed,
        )
        .expect("a controller")
    }

    #[test]
    fn samples_are_in_range_and_repeat_for_a_seed() {
        let mut a = controller(3);
        let mut b = controller(3);
        for _ in 0..20 {
            let x = a.sample();
            assert_eq!(x, b.sample());
            assert!(x[0] < 3 && x[1] < 4 && x[2] < 2, "{x:?}");
        }
    }

    #[test]
    fn rewarding_one_architecture_makes_it_likelier() {
        let mut c = controller(0);
        let target = [2, 1, 0];
        let before = c.log_prob(&target).expect("scores");
        for _ in 0..25 {
            let x = c.sample();
            let reward = if x == target { 1.0 } else { 0.0 };
            c.update(&x, reward).expect("updates");
            c.update(&target, 1.0).expect("updates");
        }
        let after = c.log_prob(&target).expect("scores");
        assert!(after > before + 1.0, "{before} -> {after}");
        assert!(c.baseline().is_some());
    }

    #[test]
    fn bad_choices_and_settings_are_refused() {
        let mut c = controller(0);
        assert!(c.update(&[0, 0], 1.0).is_err());
        assert!(c.update(&[0, 4, 0], 1.0).is_err());
        assert!(c.update(&[0, 0, 0], f64::NAN).is_err());
        assert!(LstmController::new(&[], ControllerSettings::default(), 0).is_err());
        let bad = ControllerSettings {
            baseline_decay: 1.0,
            ..ControllerSettings::default()
        };
        assert!(LstmController::new(&[2], bad, 0).is_err());
    }
}
