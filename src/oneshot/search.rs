//! One one-shot search's state, the object strategy scripts drive: the supernet, its two data
//! streams, the weights' SGD and α's Adam, the forward mode (DARTS mixture, GDAS or SNAS
//! sample, ProxylessNAS' binary gates or single path), the learning rate and temperature, a
//! seeded generator for paths, and the op latencies of ProxylessNAS' latency term.

use super::darts::{
    clip_norm, first_order_arch_grads, joint_gradients, second_order_alpha_grad, weight_gradients,
    Batch,
};
use super::data::BatchStream;
use super::derive::derive;
use super::latency::{self, LatencyTable};
use super::mix::{darts_mix, gdas_mix, path_mix, probabilities, snas_mix, CellMix};
use super::optim::{Adam, Sgd};
use super::path::{CellPath, EDGES, OPS};
use super::proxyless::{self, sample_gates, sample_ops};
use super::supernet::{Supernet, SupernetConfig, SupernetOptions};
use super::OneShotError;
use crate::train::ImageSet;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind};

/// `tau` when it is a usable Gumbel-softmax temperature (finite, above 0).
pub(super) fn checked_tau(tau: f64) -> Result<f64, OneShotError> {
    if tau.is_finite() && tau > 0.0 {
        Ok(tau)
    } else {
        Err(OneShotError::Config(format!(
            "the temperature must be positive, got {tau}"
        )))
    }
}

/// `lr` when it is a usable learning rate (finite, at least 0).
pub(super) fn checked_lr(lr: f64) -> Result<f64, OneShotError> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(lr)
    } else {
        Err(OneShotError::Config(format!(
            "the learning rate must be at least 0, got {lr}"
        )))
    }
}

/// How forward passes weigh each edge's candidate ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The softmax mixture of DARTS.
    Darts,
    /// GDAS' Gumbel-softmax sample, one op per edge, at the current temperature.
    Gdas,
    /// SNAS' relaxed Gumbel-softmax sample: every op, soft one-hot weights, current τ.
    Snas,
    /// ProxylessNAS' binary gates: weight steps run one path drawn from `softmax(α)`,
    /// architecture steps two gated ops per edge.
    Proxyless,
    /// A single path: the fixed one if set, else a uniform sample per weight step (SPOS, RSPS).
    Path,
}

impl Mode {
    /// The mode named `name` (`darts`, `gdas`, `snas`, `proxyless`, `path`).
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "darts" => Some(Mode::Darts),
            "gdas" => Some(Mode::Gdas),
            "snas" => Some(Mode::Snas),
            "proxyless" => Some(Mode::Proxyless),
            "path" => Some(Mode::Path),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Darts => "darts",
            Mode::Gdas => "gdas",
            Mode::Snas => "snas",
            Mode::Proxyless => "proxyless",
            Mode::Path => "path",
        }
    }
}

/// The settings of a search besides its data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
    /// The supernet's size.
    pub net: SupernetConfig,
    /// Examples per batch, for both streams.
    pub batch: i64,
    /// The weights' learning rate (also ξ of the second-order step).
    pub lr: f64,
    /// The weights' momentum.
    pub momentum: f64,
    /// The weights' L2 weight decay.
    pub weight_decay: f64,
    /// The weights' gradients are clipped to this global norm.
    pub clip: f64,
    /// α's Adam learning rate.
    pub arch_lr: f64,
    /// α's Adam weight decay.
    pub arch_weight_decay: f64,
    /// The initial Gumbel-softmax temperature (GDAS, SNAS).
    pub tau: f64,
    /// Seeds the weights, α, the batch order and path samples.
    pub seed: u64,
    /// PC-DARTS' K: 1/K of each edge's channels go through its ops (1: all of them).
    pub partial_channels: i64,
    /// PC-DARTS' edge normalisation (a β per edge, trained with α).
    pub edge_normalization: bool,
    /// ProxylessNAS: λ of the latency term `λ·E[latency]/reference` (0: no term, nothing
    /// measured).
    pub latency_weight: f64,
    /// The reference latency in milliseconds (0: the expectation under uniform α).
    pub latency_target: f64,
    /// The batch size op latencies are measured at.
    pub latency_batch: i64,
    /// Where tensors live.
    pub device: Device,
    /// The kind of weights and images (`Float`; `Double` for exact checks).
    pub kind: Kind,
}

impl SearchConfig {
    /// DARTS' settings (lr 0.025, momentum 0.9, weight decay 3·10⁻⁴, clip 5; α's Adam
    /// 3·10⁻⁴ with decay 10⁻³), GDAS' τ = 10, on the CPU in single precision.
    pub fn darts(net: SupernetConfig, batch: i64, seed: u64) -> SearchConfig {
        SearchConfig {
            net,
            batch,
            lr: 0.025,
            momentum: 0.9,
            weight_decay: 3e-4,
            clip: 5.0,
            arch_lr: 3e-4,
            arch_weight_decay: 1e-3,
            tau: 10.0,
            partial_channels: 1,
            edge_normalization: false,
            latency_weight: 0.0,
            latency_target: 0.0,
            latency_batch: 1,
            seed,
            device: Device::Cpu,
            kind: Kind::Float,
        }
    }
}

/// A one-shot search in progress.
#[derive(Debug)]
pub struct OneShotSearch {
    net: Supernet,
    train: BatchStream,
    valid: BatchStream,
    sgd: Sgd,
    adam: Adam,
    config: SearchConfig,
    lr: f64,
    tau: f64,
    mode: Mode,
    fixed_path: Option<CellPath>,
    rng: ChaCha8Rng,
    steps: u64,
    image: Vec<i64>,
    latency: Option<[f64; OPS]>,
    latency_file: Option<std::path::PathBuf>,
}

impl OneShotSearch {
    /// A search whose weights train on `train` and α on `valid`.
    pub fn new(
        config: SearchConfig,
        train: ImageSet,
        valid: ImageSet,
    ) -> Result<OneShotSearch, OneShotError> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        let latency_ok = config.latency_weight.is_finite()
            && config.latency_weight >= 0.0
            && config.latency_target.is_finite()
            && config.latency_target >= 0.0
            && config.latency_batch >= 1;
        if !latency_ok {
            return Err(OneShotError::Config(format!(
                "latency_weight ({}) and latency_target ({}) must be at least 0 and latency_batch ({}) at least 1",
                config.latency_weight, config.latency_target, config.latency_batch
            )));
        }
        if !(positive(config.lr) && positive(config.arch_lr) && positive(config.tau)) {
            return Err(OneShotError::Config(format!(
                "lr ({}), arch_lr ({}) and tau ({}) must be positive",
                config.lr, config.arch_lr, config.tau
            )));
        }
        let image = train.image_shape().to_vec();
        let in_channels = image[0];
        let net = SupernetConfig {
            in_channels,
            ..config.net
        };
        let seed = config.seed;
        let options = SupernetOptions {
            partial_channels: config.partial_channels,
            edge_normalization: config.edge_normalization,
        };
        let net = Supernet::with_options(net, options, config.device, config.kind, seed as i64)?;
        let train = BatchStream::new(train, config.batch, seed, config.device, config.kind)?;
        let valid = BatchStream::new(
            valid,
            config.batch,
            seed ^ 0x5eed,
            config.device,
            config.kind,
        )?;
        Ok(OneShotSearch {
            net,
            train,
            valid,
            sgd: Sgd::new(config.momentum, config.weight_decay),
            adam: Adam::new(config.arch_lr, 0.5, 0.999, config.arch_weight_decay),
            lr: config.lr,
            tau: config.tau,
            mode: Mode::Darts,
            fixed_path: None,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x9a75),
            steps: 0,
            image,
            latency: None,
            latency_file: None,
            config,
        })
    }

    /// One SGD step of the weights on the next training batch under the current mode;
    /// returns the training loss.
    pub fn weight_step(&mut self) -> Result<f64, OneShotError> {
        let mix = self.weight_mix()?;
        self.weight_step_under(&mix)
    }

    /// One SGD step of the weights on the next training batch through `path` only, whatever
    /// the mode (ENAS' shared-weight training on the controller's samples); returns the
    /// training loss.
    pub fn weight_step_on(&mut self, path: &CellPath) -> Result<f64, OneShotError> {
        self.weight_step_under(&path_mix(path))
    }

    /// One clipped SGD step of the weights on the next training batch under `mix`.
    fn weight_step_under(&mut self, mix: &CellMix) -> Result<f64, OneShotError> {
        let batch = self.train.next_batch()?;
        let (loss, grads) = weight_gradients(&self.net, &batch, mix)?;
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&grads, self.config.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &grads, self.lr)?;
        Ok(loss)
    }

    /// The accuracy of `path` through the shared weights on the next batch of the validation
    /// stream (ENAS' reward: a fresh minibatch each call), batch norm with batch statistics.
    pub fn valid_batch_accuracy(&mut self, path: &CellPath) -> Result<f64, OneShotError> {
        let batch = self.valid.next_batch()?;
        let _guard = tch::no_grad_guard();
        let logits = self.net.forward(&batch.images, &path_mix(path), true)?;
        let hits = logits
            .f_argmax(-1, false)?
            .f_eq_tensor(&batch.labels)?
            .f_sum(Kind::Int64)?
            .f_int64_value(&[])?;
        Ok(hits as f64 / batch.labels.size()[0].max(1) as f64)
    }

    /// One Adam step of α on the next validation batch: `order` 1 is first order (DARTS, GDAS
    /// or SNAS mode), 2 second order with ξ the weights' learning rate (DARTS mode; the
    /// training batch is the one the next weight step uses). Returns the validation loss.
    pub fn alpha_step(&mut self, order: u8) -> Result<f64, OneShotError> {
        let valid = self.valid.next_batch()?;
        let alpha = self.net.alpha();
        let (loss, grads) = match (order, self.mode) {
            (_, Mode::Path) => {
                return Err(OneShotError::Config(
                    "α takes no part in single-path mode; set_mode(\"darts\") or set_mode(\"gdas\") first".to_string(),
                ))
            }
            (1, Mode::Darts) => first_order_arch_grads(&self.net, &valid, &darts_mix(alpha)?)?,
            (1, Mode::Gdas) => {
                let (mix, _) = gdas_mix(alpha, self.tau)?;
                first_order_arch_grads(&self.net, &valid, &mix)?
            }
            (1, Mode::Snas) => {
                first_order_arch_grads(&self.net, &valid, &snas_mix(alpha, self.tau)?)?
            }
            (1, Mode::Proxyless) => return self.proxyless_alpha_step(&valid),
            (2, Mode::Darts) if self.net.beta().is_some() => {
                return Err(OneShotError::Config(
                    "the second-order step covers α only; with edge normalisation (β) use order 1, as PC-DARTS does".to_string(),
                ))
            }
            (2, Mode::Darts) => {
                let train: Batch = self.train.peek()?;
                let (loss, grad) = second_order_alpha_grad(&self.net, &train, &valid, self.lr)?;
                (loss, vec![grad])
            }
            (2, _) => {
                return Err(OneShotError::Config(
                    "the second-order step differentiates the softmax mixture; use order 1 with GDAS, SNAS or ProxylessNAS".to_string(),
                ))
            }
            (other, _) => {
                return Err(OneShotError::Config(format!(
                    "the architecture step's order is 1 or 2, not {other}"
                )))
            }
        };
        self.steps += 1;
        self.finite("the validation loss", loss)?;
        self.step_arch(&grads)?;
        Ok(loss)
    }

    /// ProxylessNAS' architecture step on `valid`: two gated ops per edge, the latency term
    /// when its weight is positive, an Adam step, then the rescaling of the involved α.
    fn proxyless_alpha_step(&mut self, valid: &Batch) -> Result<f64, OneShotError> {
        let weight = self.config.latency_weight;
        let latency = if weight > 0.0 {
            let per_op = self.latencies()?;
            let reference = if self.config.latency_target > 0.0 {
                self.config.latency_target
            } else {
                per_op.iter().sum::<f64>() / OPS as f64 * EDGES.len() as f64
            };
            Some((per_op, weight / reference.max(1e-12)))
        } else {
            None
        };
        let old = self.alphas()?;
        let sample = sample_gates(&old, &mut self.rng);
        let (loss, _, grads) = proxyless::arch_gradients(
            &self.net,
            valid,
            &sample,
            latency.as_ref().map(|(p, s)| (&p[..], *s)),
        )?;
        self.steps += 1;
        self.finite("the validation loss", loss)?;
        self.step_arch(&grads)?;
        proxyless::rescale(self.net.alpha(), &sample, &old)?;
        Ok(loss)
    }

    /// Each op's latency in milliseconds summed over the cells (`none` 0), measured on the
    /// search's device at the batch size `latency_batch` or read from the latency table (the
    /// one set by [`OneShotSearch::set_latency_file`], else [`latency::default_path`]);
    /// measured once per search.
    pub fn latencies(&mut self) -> Result<[f64; OPS], OneShotError> {
        if let Some(per_op) = self.latency {
            return Ok(per_op);
        }
        let path = self
            .latency_file
            .clone()
            .unwrap_or_else(latency::default_path);
        let mut table = LatencyTable::load(&path)?;
        let per_op = latency::op_latencies(
            &self.net,
            &self.image,
            self.config.latency_batch,
            &mut table,
        )?;
        self.latency = Some(per_op);
        Ok(per_op)
    }

    /// Uses `per_op` (milliseconds per op, summed over the cells) as the op latencies
    /// instead of measuring them.
    pub fn set_latencies(&mut self, per_op: [f64; OPS]) -> Result<(), OneShotError> {
        if per_op.iter().any(|t| !(t.is_finite() && *t >= 0.0)) {
            return Err(OneShotError::Config(format!(
                "op latencies must be finite and at least 0, got {per_op:?}"
            )));
        }
        self.latency = Some(per_op);
        Ok(())
    }

    /// Reads and writes the latency table at `path` instead of the cache folder's.
    pub fn set_latency_file(&mut self, path: std::path::PathBuf) {
        self.latency_file = Some(path);
    }

    /// The expected latency in milliseconds of the searched cells under `softmax(α)`.
    pub fn expected_latency(&mut self) -> Result<f64, OneShotError> {
        let per_op = self.latencies()?;
        let _guard = tch::no_grad_guard();
        Ok(latency::expected_latency(self.net.alpha(), &per_op)?.f_double_value(&[])?)
    }

    /// One step of the weights (SGD) and α (Adam) together, from one backward pass of the
    /// training loss on the next training batch under the current mode's relaxed mixture
    /// (SNAS' way: no validation split, no alternation; also DARTS or GDAS mode). Returns the
    /// training loss.
    pub fn joint_step(&mut self) -> Result<f64, OneShotError> {
        let alpha = self.net.alpha();
        let mix = match self.mode {
            Mode::Darts => darts_mix(alpha)?,
            Mode::Gdas => gdas_mix(alpha, self.tau)?.0,
            Mode::Snas => snas_mix(alpha, self.tau)?,
            Mode::Path | Mode::Proxyless => {
                return Err(OneShotError::Config(format!(
                    "a joint step trains α on the training loss, which {} mode does not; set_mode(\"snas\") first",
                    self.mode.name()
                )))
            }
        };
        let batch = self.train.next_batch()?;
        let (loss, weight_grads, arch_grads) = joint_gradients(&self.net, &batch, &mix)?;
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&weight_grads, self.config.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &weight_grads, self.lr)?;
        self.step_arch(&arch_grads)?;
        Ok(loss)
    }

    /// One Adam step of the architecture parameters along `grads` (after a finiteness check).
    fn step_arch(&mut self, grads: &[tch::Tensor]) -> Result<(), OneShotError> {
        let mut norm = 0.0;
        for g in grads {
            norm += g.f_square()?.f_sum(Kind::Double)?.f_double_value(&[])?;
        }
        self.finite("the α gradient norm", norm.sqrt())?;
        let params = self.net.arch_parameters();
        self.adam.step(&params[..grads.len()], grads)?;
        Ok(())
    }

    /// Full training batches per pass over the training split.
    pub fn steps_per_epoch(&self) -> usize {
        self.train.batches_per_pass()
    }

    /// The architecture α points at: the strongest op other than `none` on each edge.
    pub fn derive(&self) -> Result<CellPath, OneShotError> {
        Ok(derive(self.net.alpha())?)
    }

    /// α's values, a row of 5 per edge.
    pub fn alphas(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        let a = self
            .net
            .alpha()
            .f_detach()?
            .f_to_kind(Kind::Double)?
            .f_to_device(Device::Cpu)?;
        let flat = Vec::<f64>::try_from(a.f_flatten(0, -1)?)?;
        Ok(flat.chunks(OPS).map(<[f64]>::to_vec).collect())
    }

    /// Each edge's weight under edge normalisation (the softmax of β over the edges entering
    /// the same node); all 1 without it.
    pub fn edge_weights(&self) -> Result<Vec<f64>, OneShotError> {
        Ok(match self.net.beta() {
            Some(beta) => Vec::<f64>::try_from(
                super::partial::edge_weights(&beta.f_detach()?)?
                    .f_to_kind(Kind::Double)?
                    .f_to_device(Device::Cpu)?,
            )?,
            None => vec![1.0; super::path::EDGES.len()],
        })
    }

    /// `softmax(α)` per edge.
    pub fn probabilities(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        Ok(probabilities(self.net.alpha())?)
    }

    /// Switches the forward mode; switching to `Path` clears a fixed path.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        if mode == Mode::Path {
            self.fixed_path = None;
        }
    }

    /// The forward mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Trains only `path` in single-path mode (and switches to it).
    pub fn set_path(&mut self, path: CellPath) {
        self.mode = Mode::Path;
        self.fixed_path = Some(path);
    }

    /// Sets the Gumbel-softmax temperature (GDAS, SNAS).
    pub fn set_tau(&mut self, tau: f64) -> Result<(), OneShotError> {
        self.tau = checked_tau(tau)?;
        Ok(())
    }

    /// The Gumbel-softmax temperature.
    pub fn tau(&self) -> f64 {
        self.tau
    }

    /// Sets the weights' learning rate (and so ξ).
    pub fn set_lr(&mut self, lr: f64) -> Result<(), OneShotError> {
        self.lr = checked_lr(lr)?;
        Ok(())
    }

    /// The weights' learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// A path drawn uniformly (each edge's op independently), from the search's generator.
    pub fn sample_path(&mut self) -> CellPath {
        let ops = [(); 6].map(|_| self.rng.random_range(0..OPS));
        CellPath::from_indices(ops).unwrap_or(CellPath([crate::compile::nb201::Nb201Op::None; 6]))
    }

    /// The accuracy of `path` through the shared weights on the validation split (its first
    /// `max_batches` batches, or all), batch norm with batch statistics.
    pub fn valid_accuracy(
        &self,
        path: &CellPath,
        max_batches: Option<usize>,
    ) -> Result<f64, OneShotError> {
        let _guard = tch::no_grad_guard();
        let mix = path_mix(path);
        let (mut right, mut total) = (0i64, 0i64);
        for batch in self.valid.in_order(max_batches) {
            let batch = batch?;
            let logits = self.net.forward(&batch.images, &mix, true)?;
            let hits = logits
                .f_argmax(-1, false)?
                .f_eq_tensor(&batch.labels)?
                .f_sum(Kind::Int64)?;
            right += hits.f_int64_value(&[])?;
            total += batch.labels.size()[0];
        }
        Ok(right as f64 / total.max(1) as f64)
    }

    /// The supernet.
    pub fn supernet(&self) -> &Supernet {
        &self.net
    }

    /// Steps taken (weight and architecture steps).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn weight_mix(&mut self) -> Result<CellMix, OneShotError> {
        let alpha = self.net.alpha().f_detach()?;
        Ok(match self.mode {
            Mode::Darts => darts_mix(&alpha)?,
            Mode::Gdas => gdas_mix(&alpha, self.tau)?.0,
            Mode::Snas => snas_mix(&alpha, self.tau)?,
            Mode::Proxyless => {
                let probs = probabilities(&alpha)?;
                let ops = sample_ops(&probs, &mut self.rng);
                let path = CellPath::from_indices(ops).ok_or_else(|| {
                    OneShotError::Config(format!("sampled op indices {ops:?} out of range"))
                })?;
                path_mix(&path)
            }
            Mode::Path => {
                let path = match self.fixed_path {
                    Some(p) => p,
                    None => self.sample_path(),
                };
                path_mix(&path)
            }
        })
    }

    fn finite(&self, what: &'static str, value: f64) -> Result<(), OneShotError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(OneShotError::Diverged {
                what,
                value,
                step: self.steps,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Tensor;

    /// Two classes told apart by brightness, 8×8 pixels.
    fn toy(n: i64, seed: i64) -> ImageSet {
        tch::manual_seed(seed);
        let labels = Tensor::randint(2, [n], (Kind::Int64, Device::Cpu));
        let base = labels.view([n, 1, 1, 1]).to_kind(Kind::Float) * 120.0 + 40.0;
        let noise = Tensor::randn([n, 1, 8, 8], (Kind::Float, Device::Cpu)) * 30.0;
        ImageSet {
            pixels: (base + noise).clamp(0.0, 255.0).to_kind(Kind::Uint8),
            labels,
            classes: 2,
            mean: vec![0.4],
            std: vec![0.3],
        }
    }

    fn alpha_sum(s: &OneShotSearch) -> f64 {
        s.net.alpha().abs().sum(Kind::Double).double_value(&[])
    }

    fn search(seed: u64) -> OneShotSearch {
        // Many tiny ops: on a shared 2-core machine one libtorch thread is several times
        // faster than two (every op would wait for a busy second core).
        tch::set_num_threads(1);
        let net = SupernetConfig {
            channels: 4,
            cells: 1,
            classes: 2,
            in_channels: 1,
        };
        let config = SearchConfig::darts(net, 16, seed);
        OneShotSearch::new(config, toy(64, 1), toy(64, 2)).unwrap()
    }

    #[test]
    fn darts_steps_learn_and_move_alpha() {
        let mut s = search(5);
        assert_eq!(s.steps_per_epoch(), 4);
        s.set_lr(0.1).unwrap();
        let before = alpha_sum(&s);
        let first = s.weight_step().unwrap();
        for _ in 0..3 {
            s.alpha_step(2).unwrap();
            s.weight_step().unwrap();
        }
        let last = s.weight_step().unwrap();
        assert!(last < first, "{first} → {last}");
        assert!(alpha_sum(&s) != before);
        assert!(s.alpha_step(1).unwrap().is_finite());
        assert!(s.alpha_step(3).is_err());
    }

    #[test]
    fn gdas_and_single_paths_train_and_paths_are_evaluated() {
        let mut s = search(6);
        s.set_mode(Mode::Gdas);
        s.set_tau(1.0).unwrap();
        assert!(s.set_tau(0.0).is_err());
        s.weight_step().unwrap();
        s.alpha_step(1).unwrap();
        assert!(s.alpha_step(2).is_err());
        s.set_mode(Mode::Path);
        assert!(s.alpha_step(1).is_err());
        s.weight_step().unwrap();
        let p = s.sample_path();
        s.set_path(p);
        s.weight_step().unwrap();
        let acc = s.valid_accuracy(&p, Some(2)).unwrap();
        assert!((0.0..=1.0).contains(&acc));
        assert_eq!(s.alphas().unwrap().len(), 6);
        let probs = s.probabilities().unwrap();
        assert!((probs[0].iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(s.set_lr(f64::NAN).is_err());
    }

    #[test]
    fn snas_joint_steps_train_weights_and_alpha_on_the_training_loss() {
        let mut s = search(8);
        s.set_mode(Mode::Snas);
        s.set_tau(1.0).unwrap();
        s.set_lr(0.1).unwrap();
        let before = alpha_sum(&s);
        let weights_before: Vec<tch::Tensor> = s.net.weights().iter().map(|w| w.copy()).collect();
        let first = s.joint_step().unwrap();
        assert!(alpha_sum(&s) != before);
        let moved = s
            .net
            .weights()
            .iter()
            .zip(&weights_before)
            .any(|(w, b)| w.not_equal_tensor(b).any().int64_value(&[]) != 0);
        assert!(moved);
        for _ in 0..6 {
            s.joint_step().unwrap();
        }
        let last = s.joint_step().unwrap();
        assert!(last < first, "{first} → {last}");
        // α also steps on the validation loss in SNAS mode (first order only).
        s.alpha_step(1).unwrap();
        assert!(s.alpha_step(2).is_err());
        s.set_mode(Mode::Path);
        assert!(s.joint_step().is_err());
        assert_eq!(Mode::from_name("snas"), Some(Mode::Snas));
    }

    #[test]
    fn pc_darts_steps_train_alpha_and_beta() {
        tch::set_num_threads(1);
        let net = SupernetConfig {
            channels: 4,
            cells: 1,
            classes: 2,
            in_channels: 1,
        };
        let config = SearchConfig {
            partial_channels: 2,
            edge_normalization: true,
            ..SearchConfig::darts(net, 16, 9)
        };
        let mut s = OneShotSearch::new(config, toy(64, 1), toy(64, 2)).unwrap();
        let before = s.edge_weights().unwrap();
        assert_eq!(before[0], 1.0);
        for _ in 0..3 {
            s.alpha_step(1).unwrap();
            s.weight_step().unwrap();
        }
        let after = s.edge_weights().unwrap();
        assert!(after[1..] != before[1..], "{before:?} {after:?}");
        assert!((after[3] + after[4] + after[5] - 1.0).abs() < 1e-6);
        assert!(s.alpha_step(2).is_err());
        let plain = search(9);
        assert_eq!(plain.edge_weights().unwrap(), vec![1.0; 6]);
    }

    #[test]
    fn enas_primitives_train_a_given_path_and_score_it_on_fresh_batches() {
        let mut s = search(10);
        s.set_lr(0.1).unwrap();
        let path = CellPath::from_indices([3, 3, 1, 3, 1, 3]).unwrap();
        // The mode stays DARTS; only the path's weights take the step.
        let first = s.weight_step_on(&path).unwrap();
        for _ in 0..6 {
            s.weight_step_on(&path).unwrap();
        }
        assert!(s.weight_step_on(&path).unwrap() < first);
        assert_eq!(s.mode(), Mode::Darts);
        // A reward reads one validation batch of 16: a multiple of 1/16.
        for _ in 0..5 {
            let r = s.valid_batch_accuracy(&path).unwrap();
            assert!((0.0..=1.0).contains(&r) && (r * 16.0).fract() == 0.0, "{r}");
        }
        // With one batch per pass, the reward reads the whole split: the split's accuracy.
        let net = SupernetConfig {
            channels: 4,
            cells: 1,
            classes: 2,
            in_channels: 1,
        };
        let config = SearchConfig::darts(net, 64, 10);
        let mut whole = OneShotSearch::new(config, toy(64, 1), toy(64, 2)).unwrap();
        whole.weight_step_on(&path).unwrap();
        let all = whole.valid_accuracy(&path, None).unwrap();
        assert_eq!(whole.valid_batch_accuracy(&path).unwrap(), all);
    }

    #[test]
    fn proxyless_steps_sample_paths_move_alpha_and_the_latency_term_favours_cheap_ops() {
        let net = SupernetConfig {
            channels: 4,
            cells: 1,
            classes: 2,
            in_channels: 1,
        };
        let config = SearchConfig {
            latency_weight: 50.0,
            arch_lr: 0.05,
            ..SearchConfig::darts(net, 16, 11)
        };
        tch::set_num_threads(1);
        let mut s = OneShotSearch::new(config, toy(64, 1), toy(64, 2)).unwrap();
        s.set_mode(Mode::Proxyless);
        // A made-up table: the 3×3 conv is by far the slowest op.
        s.set_latencies([0.0, 0.1, 1.0, 9.0, 0.5]).unwrap();
        let before = s.expected_latency().unwrap();
        s.weight_step().unwrap();
        for _ in 0..10 {
            s.alpha_step(1).unwrap();
        }
        let after = s.expected_latency().unwrap();
        assert!(after < before, "{before} → {after}");
        let probs = s.probabilities().unwrap();
        assert!(probs.iter().all(|row| row[3] < 0.2), "{probs:?}");
        assert!(s.alpha_step(2).is_err());
        assert!(s.joint_step().is_err());
        assert!(s.set_latencies([0.0, -1.0, 0.0, 0.0, 0.0]).is_err());
        // Measured for real: every op but none has a time, written to the given table.
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = search(12);
        fresh.set_latency_file(dir.path().join("latency.csv"));
        let per_op = fresh.latencies().unwrap();
        assert_eq!(per_op[0], 0.0);
        assert!(per_op[1..].iter().all(|t| t.is_finite() && *t >= 0.0));
        let table = std::fs::read_to_string(dir.path().join("latency.csv")).unwrap();
        // 4 ops × 3 cells, batch 1, the toy's 8×8 images: 4, 8 and 16 channels.
        assert_eq!(table.lines().count(), 1 + 12, "{table}");
        assert!(table.contains(",nor_conv_3x3,1x16x2x2,"), "{table}");
    }

    #[test]
    fn a_diverging_search_is_an_error_not_a_panic() {
        let mut s = search(7);
        s.set_lr(1e30).unwrap();
        let mut failed = None;
        for _ in 0..5 {
            if let Err(e) = s.weight_step() {
                failed = Some(e);
                break;
            }
        }
        let e = failed.expect("a learning rate of 1e30 diverges");
        assert!(e.to_string().contains("not finite"), "{e}");
    }
}
