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

use crate::oneshot::checkpoint::RngState;
use crate::oneshot::optim::Adam;
use crate::search::rng::SearchRng;
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module, RNN};
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

/// A controller's whole state as [`LstmController::state`] saw it (serialisable, for
/// checkpoints): parameters by name in sorted order, Adam's moments in that order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControllerState {
    sizes: Vec<i64>,
    hidden: i64,
    layers: i64,
    params: Vec<(String, Vec<f32>)>,
    /// Adam's first and second moments per parameter (`None` before its first step).
    moments: Vec<Option<(Vec<f32>, Vec<f32>)>>,
    steps: i32,
    baseline: Option<f64>,
    spread: Option<f64>,
    rng: RngState,
}

/// How [`LstmController::score`] picks each decision's value.
#[derive(Clone, Copy)]
enum Pick<'a> {
    /// Drawn from the distribution, by the controller's generator.
    Draw,
    /// The likeliest value.
    Greedy,
    /// These choices (teacher forcing).
    Given(&'a [usize]),
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
    /// The parameters by name, sorted (the order `optimizer` steps them in).
    params: Vec<(String, Tensor)>,
    optimizer: Adam,
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
        for (_, variable) in &mut variables {
            let values: Vec<f32> = (0..variable.numel())
                .map(|_| (rng.uniform() * 0.2 - 0.1) as f32)
                .collect();
            let drawn = Tensor::from_slice(&values).view_as(variable);
            tch::no_grad(|| variable.copy_(&drawn));
        }
        // torch.optim.Adam's defaults, as both papers use.
        let optimizer = Adam::new(settings.lr, 0.9, 0.999, 0.0);
        Ok(LstmController {
            settings,
            sizes,
            lstm,
            start,
            embeddings,
            heads,
            params: variables,
            optimizer,
            baseline: None,
            spread: None,
            rng,
            _vs: vs,
        })
    }

    /// Runs the controller over every decision, picking each choice as `pick` says, and sums
    /// the choices' log-probabilities and the distributions' entropies.
    fn score(&mut self, pick: Pick) -> Scored {
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
            let choice = match pick {
                Pick::Greedy => log_p.argmax(0, false).int64_value(&[]) as usize,
                Pick::Given(g) => g[d].min(self.sizes[d] as usize - 1),
                Pick::Draw => {
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
        tch::no_grad(|| self.score(Pick::Draw).choices)
    }

    /// The log-probability of `choices` under the current policy.
    pub fn log_prob(&mut self, choices: &[usize]) -> Result<f64, String> {
        self.check(choices)?;
        Ok(tch::no_grad(|| {
            self.score(Pick::Given(choices)).log_prob.double_value(&[])
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
        let scored = self.score(Pick::Given(choices));
        let loss = -(scored.log_prob * scaled + scored.entropy * self.settings.entropy_weight);
        let params: Vec<Tensor> = self.params.iter().map(|(_, p)| p.shallow_clone()).collect();
        for p in &params {
            p.shallow_clone().zero_grad();
        }
        loss.backward();
        let grads: Vec<Tensor> = params.iter().map(Tensor::grad).collect();
        self.optimizer
            .step(&params, &grads)
            .map_err(|e| format!("Adam's step failed: {e}"))?;
        self.baseline = Some(decay * baseline + (1.0 - decay) * reward);
        Ok(advantage)
    }

    /// The moving baseline (none before the first reward).
    pub fn baseline(&self) -> Option<f64> {
        self.baseline
    }

    /// The choices drawn greedily: each decision's likeliest value given the earlier ones.
    pub fn greedy(&mut self) -> Vec<usize> {
        tch::no_grad(|| self.score(Pick::Greedy).choices)
    }

    /// Everything that decides the controller's future: its weights, Adam's moments, the
    /// baseline and its spread, and its generator's position (for a checkpoint).
    pub fn state(&mut self) -> ControllerState {
        let values = |t: &Tensor| Vec::<f32>::try_from(t.flatten(0, -1)).unwrap_or_default();
        ControllerState {
            sizes: self.sizes.clone(),
            hidden: self.settings.hidden,
            layers: self.settings.layers,
            params: self
                .params
                .iter()
                .map(|(n, p)| (n.clone(), values(p)))
                .collect(),
            moments: self
                .optimizer
                .moments()
                .iter()
                .map(|m| m.as_ref().map(|(m, v)| (values(m), values(v))))
                .collect(),
            steps: self.optimizer.steps(),
            baseline: self.baseline,
            spread: self.spread,
            rng: RngState::of(self.rng.inner()),
        }
    }

    /// Puts the controller where [`LstmController::state`] found one of the same decisions
    /// and sizes (anything else is refused and changes nothing).
    pub fn restore(&mut self, state: &ControllerState) -> Result<(), String> {
        if state.sizes != self.sizes
            || state.hidden != self.settings.hidden
            || state.layers != self.settings.layers
        {
            return Err(format!(
                "the saved controller has {} decisions, {} units and {} layers; this one {}, {} and {}",
                state.sizes.len(),
                state.hidden,
                state.layers,
                self.sizes.len(),
                self.settings.hidden,
                self.settings.layers
            ));
        }
        let unfit = || "the saved controller's tensors do not fit this one".to_string();
        let names_fit = state.params.len() == self.params.len()
            && state.moments.len() <= self.params.len()
            && state
                .params
                .iter()
                .zip(&self.params)
                .all(|((n, x), (m, p))| n == m && x.len() as i64 == p.numel() as i64);
        if !names_fit {
            return Err(unfit());
        }
        let like = |x: &[f32], p: &Tensor| -> Result<Tensor, String> {
            if x.len() as i64 != p.numel() as i64 {
                return Err(unfit());
            }
            Ok(Tensor::from_slice(x).view_as(p))
        };
        let mut moments = Vec::with_capacity(state.moments.len());
        for (saved, (_, p)) in state.moments.iter().zip(&self.params) {
            moments.push(match saved {
                Some((m, v)) => Some((like(m, p)?, like(v, p)?)),
                None => None,
            });
        }
        let rng = state.rng.rng().map_err(|e| e.to_string())?;
        for ((_, x), (_, p)) in state.params.iter().zip(&mut self.params) {
            let w = like(x, p)?;
            tch::no_grad(|| p.copy_(&w));
        }
        self.optimizer.set_state(state.steps, moments);
        self.baseline = state.baseline;
        self.spread = state.spread;
        self.rng = SearchRng::from_inner(rng);
        Ok(())
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
    fn a_restored_state_continues_exactly_and_greedy_picks_the_likeliest() {
        let mut a = controller(4);
        for _ in 0..6 {
            let x = a.sample();
            a.update(&x, x[1] as f64).expect("updates");
        }
        let text = serde_json::to_string(&a.state()).expect("serialises");
        let saved: ControllerState = serde_json::from_str(&text).expect("reads back");
        assert_eq!(saved, a.state());
        // Another seed, restored: from here on it samples and learns as `a` does.
        let mut b = controller(11);
        b.restore(&saved).expect("restores");
        for _ in 0..6 {
            let x = a.sample();
            assert_eq!(x, b.sample());
            assert_eq!(a.update(&x, x[1] as f64), b.update(&x, x[1] as f64));
        }
        assert_eq!(a.state(), b.state());
        // Greedy decoding draws nothing, and its last value is the likeliest given the
        // earlier ones (only the last factor of the probability differs between these).
        let best = a.greedy();
        assert_eq!(best, b.greedy());
        assert_eq!(a.sample(), b.sample(), "greedy moved a generator");
        let top = a.log_prob(&best).expect("scores");
        for last in 0..2 {
            let other = [best[0], best[1], last];
            assert!(a.log_prob(&other).expect("scores") <= top + 1e-6);
        }
        // A controller of other decisions or sizes refuses the state and stays as it was.
        let mut other = LstmController::new(&[3, 4], ControllerSettings::default(), 0).unwrap();
        let before = other.state();
        assert!(other.restore(&saved).is_err());
        assert_eq!(other.state(), before);
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
