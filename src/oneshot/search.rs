//! One one-shot search's state, the object strategy scripts drive: the supernet (of any space
//! that can be one, [`Supernet`]), its two data streams, the weights' SGD and the
//! architecture parameters' Adam, the forward mode — DARTS' mixture (first and second
//! order), GDAS' hard Gumbel-softmax sample, SNAS' relaxed one, ProxylessNAS' binary gates,
//! single paths drawn uniformly from the space (RSPS, SPOS), or DrNAS' Dirichlet sample —
//! the learning rate and temperature, a seeded generator for paths and gates, the per-op
//! latencies of ProxylessNAS' latency term, and the remedies' settings: the ops that remain
//! on each row (an [`Alive`] mask), SDARTS' perturbation of the weight step, DARTS-'
//! auxiliary skip coefficient, P-DARTS' skip dropout rate and DrNAS' regulariser weight.

use super::alive::Alive;
use super::checkpoint::{corrupt, RngState, Snapshot};
use super::darts::{
    clip_norm, cross_entropy, first_order_arch_grads, joint_gradients, loss,
    second_order_alpha_grad, weight_gradients, Batch, Carry,
};
use super::data::{BatchStream, StreamPosition};
use super::dirichlet::{self, dirichlet_rows};
use super::fbnet::{self, LatencyLoss};
use super::latency::{self, cost_tensor, LatencyTable};
use super::mix::{
    gdas_rows, row_probabilities, snas_rows, softmax_mix, tensor_rows, weights_mix, CellMix,
};
use super::optim::{Adam, Sgd};
use super::perturb::{self, Perturbation};
use super::proxyless::{self, ops_mix, sample_gates, sample_ops};
use super::skip::{add_aux_skip, drop_skips, skip_columns};
use super::supernet::Supernet;
use super::OneShotError;
use crate::space::Architecture;
use crate::train::ImageSet;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, TchError, Tensor};

/// How many paths ProxylessNAS' weight step draws before it gives up on finding one that
/// is an architecture of the space.
const MAX_PATH_DRAWS: usize = 1000;

/// How many of `logits`' predictions (`[B, K]`, or `[B, T, K]` per token) are `targets`,
/// and of how many.
fn hits(logits: &Tensor, targets: &Tensor) -> Result<(i64, i64), tch::TchError> {
    let right = logits
        .f_argmax(-1, false)?
        .f_eq_tensor(targets)?
        .f_sum(Kind::Int64)?
        .f_int64_value(&[])?;
    Ok((right, targets.numel() as i64))
}

/// `tau` when it is a usable Gumbel-softmax temperature (finite, above 0).
/// The next batch of `stream` (or the one it will give next, when not `consume`), a language
/// model's starting from `states`, those the stream's previous batch ended with (zeros at the
/// start of a pass).
fn draw(
    stream: &mut BatchStream,
    states: Option<&[Tensor]>,
    consume: bool,
) -> Result<Batch, TchError> {
    let fresh = stream.starts_pass();
    let mut batch = if consume {
        stream.next_batch()?
    } else {
        stream.peek()?
    };
    if stream.is_text() {
        let start = states
            .filter(|_| !fresh)
            .map(|s| s.iter().map(Tensor::shallow_clone).collect());
        batch.carry = Some(Carry::from(start));
    }
    Ok(batch)
}

fn checked_tau(tau: f64) -> Result<f64, OneShotError> {
    if tau.is_finite() && tau > 0.0 {
        Ok(tau)
    } else {
        Err(OneShotError::Config(format!(
            "the temperature must be positive, got {tau}"
        )))
    }
}

/// `lr` when it is a usable learning rate (finite, at least 0).
fn checked_lr(lr: f64) -> Result<f64, OneShotError> {
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
    /// DrNAS' Dirichlet sample: each row's op weights drawn from `Dirichlet(elu(α) + 1)`,
    /// with the pathwise gradient; deriving reads the Dirichlet's mean.
    Dirichlet,
}

impl Mode {
    /// The mode named `name` (`darts`, `gdas`, `snas`, `proxyless`, `path`, `dirichlet`).
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "darts" => Some(Mode::Darts),
            "gdas" => Some(Mode::Gdas),
            "snas" => Some(Mode::Snas),
            "proxyless" => Some(Mode::Proxyless),
            "path" => Some(Mode::Path),
            "dirichlet" => Some(Mode::Dirichlet),
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
            Mode::Dirichlet => "dirichlet",
        }
    }
}

/// The settings of a search besides its supernet and data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
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
    /// The architecture parameters' Adam learning rate.
    pub arch_lr: f64,
    /// Their Adam weight decay.
    pub arch_weight_decay: f64,
    /// The initial Gumbel-softmax temperature (GDAS, SNAS).
    pub tau: f64,
    /// Seeds the batch order, path samples and gates (the supernet has its own seed).
    pub seed: u64,
    /// ProxylessNAS: λ of the latency term `λ·E[latency]/reference` (0: no term, nothing
    /// measured).
    pub latency_weight: f64,
    /// The reference latency in milliseconds (0: the expectation under uniform α).
    pub latency_target: f64,
    /// The batch size op latencies are measured at.
    pub latency_batch: i64,
}

impl SearchConfig {
    /// DARTS' settings (lr 0.025, momentum 0.9, weight decay 3·10⁻⁴, clip 5; α's Adam
    /// 3·10⁻⁴ with decay 10⁻³), GDAS' τ = 10, no latency term.
    pub fn darts(batch: i64, seed: u64) -> SearchConfig {
        SearchConfig {
            batch,
            lr: 0.025,
            momentum: 0.9,
            weight_decay: 3e-4,
            clip: 5.0,
            arch_lr: 3e-4,
            arch_weight_decay: 1e-3,
            tau: 10.0,
            seed,
            latency_weight: 0.0,
            latency_target: 0.0,
            latency_batch: 1,
        }
    }
}

/// The part of a [`Snapshot`] of a search that is not a tensor.
#[derive(Debug, Serialize, Deserialize)]
struct SavedSearch {
    epoch: u64,
    steps: u64,
    lr: f64,
    tau: f64,
    mode: String,
    rng: RngState,
    train: StreamPosition,
    valid: StreamPosition,
    adam_steps: i32,
    latency: Option<Vec<Vec<f64>>>,
    /// The ops that remain on each row (absent: all).
    #[serde(default)]
    alive: Option<Vec<Vec<bool>>>,
    #[serde(default)]
    perturbation: Perturbation,
    #[serde(default)]
    aux_skip: f64,
    #[serde(default)]
    dirichlet_reg: f64,
    #[serde(default)]
    skip_dropout: f64,
    #[serde(default)]
    latency_loss: Option<LatencyLoss>,
}

/// A one-shot search in progress.
#[derive(Debug)]
pub struct OneShotSearch {
    net: Supernet,
    train: BatchStream,
    valid: BatchStream,
    /// A language model's hidden states at the end of the latest training batch (carried
    /// into the next one of the same rows of text).
    train_states: Option<Vec<Tensor>>,
    /// The same for the validation stream.
    valid_states: Option<Vec<Tensor>>,
    sgd: Sgd,
    adam: Adam,
    config: SearchConfig,
    lr: f64,
    steps: u64,
    /// Epochs the script marked finished ([`OneShotSearch::finish_epoch`]).
    epoch: u64,
    mode: Mode,
    tau: f64,
    /// Draws single paths from the space and ProxylessNAS' paths and gates.
    rng: ChaCha8Rng,
    /// The images' `[C, H, W]` (latencies are measured at their shapes).
    image: Vec<i64>,
    latency: Option<Vec<Vec<f64>>>,
    latency_file: Option<std::path::PathBuf>,
    /// The ops that remain on each row (`None`: every op), [`OneShotSearch::set_alive`].
    alive: Option<Alive>,
    /// α's logit mask under `alive` (with the padding's); `None` without a mask.
    logit_mask: Option<Tensor>,
    /// Each row's computed ops under `alive`.
    live: Vec<Vec<usize>>,
    /// How the weight step perturbs the op weights (SDARTS).
    perturbation: Perturbation,
    /// DARTS-' auxiliary skip coefficient β (0: none).
    aux_skip: f64,
    /// Each row's skip column (DARTS-).
    skip: Vec<Option<usize>>,
    /// DrNAS' weight of the KL regulariser in the Dirichlet mode's architecture step.
    dirichlet_reg: f64,
    /// P-DARTS' skip dropout rate in the weight step.
    skip_dropout: f64,
    /// FBNet's latency-aware loss of the architecture step (`None`: cross-entropy alone).
    latency_loss: Option<LatencyLoss>,
}

impl OneShotSearch {
    /// A search of `net` whose weights train on `train` and α on `valid`, with `config`'s
    /// batch size, seed and optimiser settings (the data must match `net`'s kind and device).
    pub fn new(
        net: Supernet,
        train: ImageSet,
        valid: ImageSet,
        config: &SearchConfig,
    ) -> Result<OneShotSearch, OneShotError> {
        let (device, kind) = (net.device(), net.kind());
        let seed = config.seed;
        let image = train.image_shape().to_vec();
        let train = BatchStream::new(train, config.batch, seed, device, kind)?;
        let valid = BatchStream::new(valid, config.batch, seed ^ 0x5eed, device, kind)?;
        OneShotSearch::of_streams(net, (train, valid), image, config)
    }

    /// A search of a language model's supernet `net` whose weights train on windows of
    /// `steps` tokens of `train` (a flat `[N]` tensor of token ids) and whose paths and α are
    /// scored on windows of `valid`, with `config`'s batch size (windows), seed and optimiser
    /// settings. Both splits are read as `config.batch` rows of consecutive text, each batch
    /// starting from the states the one before it ended with (see [`super::recurrent`]); the
    /// states are not part of a checkpoint, so a resumed search starts its next batches from
    /// zeros.
    pub fn text(
        net: Supernet,
        (train, valid): (&Tensor, &Tensor),
        steps: i64,
        config: &SearchConfig,
    ) -> Result<OneShotSearch, OneShotError> {
        let device = net.device();
        let train = BatchStream::streams(train, steps, config.batch, device)?;
        let valid = BatchStream::streams(valid, steps, config.batch, device)?;
        OneShotSearch::of_streams(net, (train, valid), Vec::new(), config)
    }

    /// A search of `net` over its two streams; `image` is the images' `[C, H, W]` (empty for
    /// a language model).
    fn of_streams(
        net: Supernet,
        (train, valid): (BatchStream, BatchStream),
        image: Vec<i64>,
        config: &SearchConfig,
    ) -> Result<OneShotSearch, OneShotError> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !(positive(config.lr)
            && positive(config.arch_lr)
            && positive(config.clip)
            && positive(config.tau))
        {
            return Err(OneShotError::Config(format!(
                "lr ({}), arch_lr ({}), clip ({}) and tau ({}) must be positive",
                config.lr, config.arch_lr, config.clip, config.tau
            )));
        }
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
        let seed = config.seed;
        let live = net.live().to_vec();
        let skip = skip_columns(net.rows().rows());
        Ok(OneShotSearch {
            net,
            train,
            valid,
            train_states: None,
            valid_states: None,
            sgd: Sgd::new(config.momentum, config.weight_decay),
            adam: Adam::new(config.arch_lr, 0.5, 0.999, config.arch_weight_decay),
            config: *config,
            lr: config.lr,
            steps: 0,
            epoch: 0,
            mode: Mode::Darts,
            tau: config.tau,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x9a75),
            image,
            latency: None,
            latency_file: None,
            alive: None,
            logit_mask: None,
            live,
            perturbation: Perturbation::None,
            aux_skip: 0.0,
            skip,
            dirichlet_reg: 0.0,
            skip_dropout: 0.0,
            latency_loss: None,
        })
    }

    /// One clipped SGD step of the weights on the next training batch under the current mode
    /// (α fixed: DARTS' mixture, a GDAS or SNAS sample of the detached α, one op per row
    /// drawn from `softmax(α)` in ProxylessNAS mode, or a single path drawn uniformly from
    /// the space); returns the training loss.
    ///
    /// Under a perturbation ([`OneShotSearch::set_perturbation`], DARTS mode only) the op
    /// weights are SDARTS' perturbed `softmax(α)`: uniform noise, or a PGD attack on this
    /// step's batch. With a skip dropout rate ([`OneShotSearch::set_skip_dropout`]) each
    /// edge's skip term of a relaxed mixture is dropped with that probability (P-DARTS).
    pub fn weight_step(&mut self) -> Result<f64, OneShotError> {
        if self.perturbation != Perturbation::None {
            let batch = self.next_train()?;
            let mut mix = self.perturbed_mix(&batch)?;
            self.drop_skips(&mut mix)?;
            let loss = self.weight_step_with(&batch, &mix)?;
            self.keep_train(batch);
            return Ok(loss);
        }
        let mix = match self.mode {
            Mode::Path => {
                let arch = self.sample_path()?;
                self.net.path_mix(&arch)?
            }
            Mode::Proxyless => {
                let ops = self.draw_path()?;
                ops_mix(&ops, self.net.live())
            }
            _ => {
                let mut mix = self.relaxed_mix(&self.net.alpha().f_detach()?)?;
                self.drop_skips(&mut mix)?;
                mix
            }
        };
        self.weight_step_under(&mix)
    }

    /// ProxylessNAS' path for a weight step: one op per row drawn from `softmax(α)`, drawn
    /// again while its `any of` members break a constraint of the space or disconnect a
    /// cell (NAS-Bench-101's `where edges <= 9`, `connected`), as ENAS' controller draws
    /// again; the space's other rows always give an architecture at the first draw.
    fn draw_path(&mut self) -> Result<Vec<usize>, OneShotError> {
        let probs = self.net.probabilities()?;
        for _ in 0..MAX_PATH_DRAWS {
            let ops = sample_ops(&probs, &mut self.rng);
            let one_hot: Vec<Vec<f64>> = ops
                .iter()
                .zip(&probs)
                .map(|(&k, row)| {
                    (0..row.len())
                        .map(|j| f64::from(u8::from(j == k)))
                        .collect()
                })
                .collect();
            if self.net.rows().exact(self.net.space(), &one_hot).is_ok() {
                return Ok(ops);
            }
        }
        Err(OneShotError::Config(format!(
            "no path drawn from softmax(α) in {MAX_PATH_DRAWS} draws is an architecture of space `{}`",
            self.net.space().name()
        )))
    }

    /// P-DARTS' skip dropout on `mix` (nothing at rate 0).
    fn drop_skips(&self, mix: &mut CellMix) -> Result<(), tch::TchError> {
        let (kind, device) = (self.net.kind(), self.net.device());
        drop_skips(mix, &self.skip, self.skip_dropout, kind, device)
    }

    /// SDARTS' perturbed op weights as a mixture (the auxiliary skip added), for a weight
    /// step on `batch`.
    fn perturbed_mix(&self, batch: &Batch) -> Result<CellMix, OneShotError> {
        if self.mode != Mode::Darts {
            return Err(OneShotError::Config(format!(
                "SDARTS' perturbation acts on DARTS' softmax mixture, not in {} mode; set_mode(\"darts\") or set_perturbation(\"none\", 0.0)",
                self.mode.name()
            )));
        }
        let support = self.support()?;
        let p = self
            .net
            .alpha()
            .f_detach()?
            .f_add(&self.mask_or_zero()?)?
            .f_softmax(-1, self.net.kind())?;
        let mix_of = |w: &Tensor| -> Result<CellMix, tch::TchError> {
            let mut mix = weights_mix(w, &self.live)?;
            self.add_aux(&mut mix)?;
            Ok(mix)
        };
        let perturbed = match self.perturbation {
            Perturbation::None => p,
            Perturbation::Random { epsilon } => perturb::random(&p, &support, epsilon)?,
            Perturbation::Adversarial { epsilon, steps } => {
                perturb::pgd(&self.net, batch, &p, &support, epsilon, steps, &mix_of)?
            }
        };
        Ok(mix_of(&perturbed)?)
    }

    /// DARTS-' auxiliary skip added to `mix` (nothing when β is 0).
    fn add_aux(&self, mix: &mut CellMix) -> Result<(), tch::TchError> {
        let cut: Vec<bool> = match &self.alive {
            Some(a) => (0..self.live.len()).map(|r| a.count(r) == 0).collect(),
            None => Vec::new(),
        };
        let (kind, device) = (self.net.kind(), self.net.device());
        add_aux_skip(mix, &self.skip, &cut, self.aux_skip, kind, device)
    }

    /// One clipped SGD step of the weights on the next training batch through `arch` only,
    /// whatever the mode (ENAS' shared-weight training on the controller's samples);
    /// returns the training loss.
    pub fn weight_step_on(&mut self, arch: &Architecture) -> Result<f64, OneShotError> {
        let mix = self.net.path_mix(arch)?;
        self.weight_step_under(&mix)
    }

    /// One clipped SGD step of the weights on the next training batch under `mix`.
    fn weight_step_under(&mut self, mix: &CellMix) -> Result<f64, OneShotError> {
        let batch = self.next_train()?;
        let loss = self.weight_step_with(&batch, mix)?;
        self.keep_train(batch);
        Ok(loss)
    }

    /// One clipped SGD step of the weights on `batch` under `mix`.
    fn weight_step_with(&mut self, batch: &Batch, mix: &CellMix) -> Result<f64, OneShotError> {
        let (loss, grads) = weight_gradients(&self.net, batch, mix)?;
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&grads, self.config.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &grads, self.lr)?;
        Ok(loss)
    }

    /// The accuracy of `arch` through the shared weights on the next batch of the validation
    /// stream (ENAS' reward: a fresh minibatch each call), batch norm with batch statistics.
    pub fn valid_batch_accuracy(&mut self, arch: &Architecture) -> Result<f64, OneShotError> {
        let mix = self.net.path_mix(arch)?;
        let batch = self.next_valid()?;
        let _guard = tch::no_grad_guard();
        let logits = self.net.forward_batch(&batch, &mix, true)?;
        let (hits, total) = hits(&logits, &batch.targets)?;
        self.keep_valid(batch);
        Ok(hits as f64 / total.max(1) as f64)
    }

    /// The mean cross-entropy of `arch` through the shared weights on the next batch of the
    /// validation stream (a language model's: per token; `exp` of it is the batch's
    /// perplexity, ENAS' reward on Penn Treebank is 80 over it), batch norm with batch
    /// statistics.
    pub fn valid_batch_loss(&mut self, arch: &Architecture) -> Result<f64, OneShotError> {
        let mix = self.net.path_mix(arch)?;
        let batch = self.next_valid()?;
        let _guard = tch::no_grad_guard();
        let l = loss(&self.net, &batch, &mix)?.f_double_value(&[])?;
        self.keep_valid(batch);
        self.finite("the validation loss", l)?;
        Ok(l)
    }

    /// The mean cross-entropy of `arch` as a path through the shared weights on the
    /// validation split (its first `max_batches` batches, or all), each example (a language
    /// model's: each token) weighing the same.
    pub fn valid_loss(
        &self,
        arch: &Architecture,
        max_batches: Option<usize>,
    ) -> Result<f64, OneShotError> {
        let _guard = tch::no_grad_guard();
        let mix = self.net.path_mix(arch)?;
        let (mut sum, mut total) = (0.0, 0i64);
        self.over_valid(&mix, max_batches, |batch, logits| {
            let n = batch.targets.numel() as i64;
            sum += cross_entropy(logits, &batch.targets)?.f_double_value(&[])? * n as f64;
            total += n;
            Ok(())
        })?;
        let l = sum / total.max(1) as f64;
        self.finite("the validation loss", l)?;
        Ok(l)
    }

    /// Whether it searches a language model (token windows, not images).
    pub fn is_text(&self) -> bool {
        self.train.is_text()
    }

    /// The mixture of the DARTS, GDAS, SNAS or Dirichlet mode under `alpha` (an error in the
    /// others), over the ops that remain, DARTS-' auxiliary skip added.
    fn relaxed_mix(&self, alpha: &Tensor) -> Result<CellMix, OneShotError> {
        let mask = self.mask();
        let live = &self.live;
        let mut mix = match self.mode {
            Mode::Darts => softmax_mix(alpha, mask, live)?,
            Mode::Gdas => gdas_rows(alpha, mask, live, self.tau)?.0,
            Mode::Snas => snas_rows(alpha, mask, live, self.tau)?,
            Mode::Dirichlet => dirichlet_rows(alpha, &self.support()?, live)?,
            Mode::Path | Mode::Proxyless => {
                return Err(OneShotError::Config(format!(
                    "this step needs a relaxed mixture, which {} mode does not have; set_mode(\"darts\"), set_mode(\"gdas\"), set_mode(\"snas\") or set_mode(\"dirichlet\") first",
                    self.mode.name()
                )))
            }
        };
        self.add_aux(&mut mix)?;
        Ok(mix)
    }

    /// α's logit mask: the remaining ops' (with the padding's) under a mask, else the
    /// padding's.
    fn mask(&self) -> Option<&Tensor> {
        self.logit_mask.as_ref().or(self.net.mask())
    }

    /// [`OneShotSearch::mask`], zeros when there is none.
    fn mask_or_zero(&self) -> Result<Tensor, tch::TchError> {
        match self.mask() {
            Some(m) => Ok(m.shallow_clone()),
            None => self.net.alpha().f_zeros_like(),
        }
    }

    /// 1 where an op remains (padding 0), `[rows, width]`.
    fn support(&self) -> Result<Tensor, tch::TchError> {
        let rows = self.net.rows();
        let full;
        let alive = match &self.alive {
            Some(a) => a,
            None => {
                full = Alive::full(rows.rows());
                &full
            }
        };
        alive.support(rows.width(), self.net.kind(), self.net.device())
    }

    /// One step of the weights (SGD) and the architecture parameters (Adam) together, from
    /// one backward pass of the training loss on the next training batch under the mode's
    /// relaxed mixture (SNAS' way: no validation split, no alternation; also DARTS or GDAS
    /// mode). Returns the training loss.
    pub fn joint_step(&mut self) -> Result<f64, OneShotError> {
        let mix = self.relaxed_mix(self.net.alpha())?;
        let batch = self.next_train()?;
        let (loss, weight_grads, arch_grads) = joint_gradients(&self.net, &batch, &mix)?;
        self.keep_train(batch);
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&weight_grads, self.config.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &weight_grads, self.lr)?;
        self.step_arch(&arch_grads)?;
        Ok(loss)
    }

    /// One Adam step of the architecture parameters on the next validation batch: `order` 1
    /// is first order (ξ = 0) under the mode's mixture (DARTS, GDAS, SNAS; ProxylessNAS'
    /// gates), 2 second order with ξ the weights' learning rate (DARTS mode, α only; the
    /// training batch is the one the next weight step uses). Returns the validation loss.
    pub fn alpha_step(&mut self, order: u8) -> Result<f64, OneShotError> {
        match (order, self.mode) {
            (1, Mode::Proxyless) => {
                let valid = self.next_valid()?;
                let loss = self.proxyless_alpha_step(&valid)?;
                self.keep_valid(valid);
                return Ok(loss);
            }
            (1, _) => {}
            (2, Mode::Darts) if self.net.beta().is_some() => {
                return Err(OneShotError::Config(
                    "the second-order step covers α only; with edge normalisation (β) use order 1, as PC-DARTS does".to_string(),
                ))
            }
            (2, Mode::Darts) if self.alive.is_some() || self.aux_skip > 0.0 => {
                return Err(OneShotError::Config(
                    "the second-order step covers the plain softmax mixture; under an op mask or DARTS-' auxiliary skip use order 1".to_string(),
                ))
            }
            (2, Mode::Darts) => {}
            (2, mode) => {
                return Err(OneShotError::Config(format!(
                    "the second-order step differentiates the softmax mixture; use order 1 in {} mode",
                    mode.name()
                )))
            }
            (other, _) => {
                return Err(OneShotError::Config(format!(
                    "the architecture step's order is 1 or 2, not {other}"
                )))
            }
        }
        if let (1, Some(fb)) = (order, self.latency_loss) {
            let costs = self.latencies()?;
            let mix = self.relaxed_mix(self.net.alpha())?;
            let valid = self.next_valid()?;
            let (loss, _, grads) = fbnet::arch_gradients(&self.net, &valid, &mix, &costs, fb)?;
            self.keep_valid(valid);
            self.steps += 1;
            self.finite("the validation loss", loss)?;
            self.step_arch(&grads)?;
            return Ok(loss);
        }
        let (loss, grads) = if order == 1 {
            let mix = self.relaxed_mix(self.net.alpha())?;
            let valid = self.next_valid()?;
            let penalty = if self.mode == Mode::Dirichlet && self.dirichlet_reg > 0.0 {
                let kl = dirichlet::kl_to_flat(self.net.alpha(), &self.support()?)?;
                Some(kl.f_mul_scalar(self.dirichlet_reg)?)
            } else {
                None
            };
            let grads = first_order_arch_grads(&self.net, &valid, &mix, penalty.as_ref())?;
            self.keep_valid(valid);
            grads
        } else {
            let valid = self.next_valid()?;
            let train = self.peek_train()?;
            let (loss, g) = second_order_alpha_grad(&self.net, &train, &valid, self.lr)?;
            self.keep_valid(valid);
            (loss, vec![g])
        };
        self.steps += 1;
        self.finite("the validation loss", loss)?;
        self.step_arch(&grads)?;
        Ok(loss)
    }

    /// ProxylessNAS' architecture step on `valid`: two gated ops per row, the latency term
    /// when its weight is positive, an Adam step, then the rescaling of the involved α.
    fn proxyless_alpha_step(&mut self, valid: &Batch) -> Result<f64, OneShotError> {
        let weight = self.config.latency_weight;
        let latency = if weight > 0.0 {
            let costs = self.latencies()?;
            let reference = if self.config.latency_target > 0.0 {
                self.config.latency_target
            } else {
                costs
                    .iter()
                    .map(|row| row.iter().sum::<f64>() / row.len().max(1) as f64)
                    .sum()
            };
            Some((
                cost_tensor(self.net.alpha(), &costs)?,
                weight / reference.max(1e-12),
            ))
        } else {
            None
        };
        let old = self.alphas()?;
        let lens: Vec<usize> = old.iter().map(Vec::len).collect();
        let sample = sample_gates(&old, &lens, &mut self.rng);
        let (loss, _, grads) = proxyless::arch_gradients(
            &self.net,
            valid,
            &sample,
            latency.as_ref().map(|(c, s)| (c, *s)),
        )?;
        self.steps += 1;
        self.finite("the validation loss", loss)?;
        self.step_arch(&grads)?;
        proxyless::rescale(self.net.alpha(), &sample, &old)?;
        Ok(loss)
    }

    /// Each row's ops' latencies in milliseconds, summed over every place the row runs (zero
    /// ops 0), measured on the search's device at the batch size `latency_batch` or read
    /// from the latency table (the one set by [`OneShotSearch::set_latency_file`], else
    /// [`latency::default_path`]); measured once per search.
    pub fn latencies(&mut self) -> Result<Vec<Vec<f64>>, OneShotError> {
        if let Some(costs) = &self.latency {
            return Ok(costs.clone());
        }
        let path = self
            .latency_file
            .clone()
            .unwrap_or_else(latency::default_path);
        if self.is_text() {
            return Err(OneShotError::Config(
                "latency tables time image ops; a language model's supernet has none to time"
                    .to_string(),
            ));
        }
        let mut table = LatencyTable::load(&path)?;
        let batch = self.config.latency_batch;
        let costs = latency::op_latencies(&self.net, &self.image, batch, &mut table)?;
        self.latency = Some(costs.clone());
        Ok(costs)
    }

    /// Uses `costs` (per row, each op's milliseconds) as the op latencies instead of
    /// measuring them.
    pub fn set_latencies(&mut self, costs: Vec<Vec<f64>>) -> Result<(), OneShotError> {
        let rows = self.net.rows().rows();
        let shaped = costs.len() == rows.len()
            && costs
                .iter()
                .zip(rows)
                .all(|(c, r)| c.len() == r.labels.len());
        if !shaped
            || costs
                .iter()
                .flatten()
                .any(|t| !(t.is_finite() && *t >= 0.0))
        {
            return Err(OneShotError::Config(format!(
                "op latencies are one row of finite times of at least 0 per row of α, one per op, got {costs:?}"
            )));
        }
        self.latency = Some(costs);
        Ok(())
    }

    /// FBNet's loss for the first-order architecture step: `CE · α · log(LAT)^β` with LAT the
    /// latency of the mode's sample of α (its weights times each op's latency from
    /// [`OneShotSearch::latencies`]); `None` goes back to the cross-entropy alone.
    pub fn set_latency_loss(&mut self, loss: Option<LatencyLoss>) -> Result<(), OneShotError> {
        self.latency_loss = loss
            .map(LatencyLoss::checked)
            .transpose()
            .map_err(OneShotError::Config)?;
        Ok(())
    }

    /// FBNet's loss settings, when set.
    pub fn latency_loss(&self) -> Option<LatencyLoss> {
        self.latency_loss
    }

    /// Reads and writes the latency table at `path` instead of the cache folder's.
    pub fn set_latency_file(&mut self, path: std::path::PathBuf) {
        self.latency_file = Some(path);
    }

    /// The expected latency in milliseconds of the network under `softmax(α)`.
    pub fn expected_latency(&mut self) -> Result<f64, OneShotError> {
        let costs = self.latencies()?;
        let costs = cost_tensor(self.net.alpha(), &costs)?;
        let _guard = tch::no_grad_guard();
        let alpha = self.net.alpha();
        Ok(latency::expected_latency(alpha, self.net.mask(), &costs)?.f_double_value(&[])?)
    }

    /// One Adam step of the architecture parameters along `grads` (after a finiteness check
    /// of their norm).
    fn step_arch(&mut self, grads: &[Tensor]) -> Result<(), OneShotError> {
        let mut norm = 0.0;
        for g in grads {
            norm += g.f_square()?.f_sum(Kind::Double)?.f_double_value(&[])?;
        }
        self.finite("the α gradient norm", norm.sqrt())?;
        let params = self.net.arch_parameters();
        self.adam.step(&params[..grads.len()], grads)?;
        Ok(())
    }

    /// Switches the forward mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// The forward mode.
    pub fn mode(&self) -> Mode {
        self.mode
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

    /// An architecture of the supernet's space drawn uniformly by the space's own sampler
    /// (constraints such as NAS-Bench-101's `where edges <= 9` respected), from the
    /// search's seeded generator.
    pub fn sample_path(&mut self) -> Result<Architecture, OneShotError> {
        self.net
            .space()
            .sample(&mut self.rng)
            .map_err(|e| OneShotError::Config(format!("sampling a path: {e}")))
    }

    /// An architecture drawn from α (SETN's template): on each row one op drawn by its weight
    /// (see [`OneShotSearch::probabilities`]; a zero op such as `none` too), from the search's
    /// seeded generator; the architecture is then derived (as [`Supernet::derive`]) from the
    /// drawn ops alone, each weighing its probability, so an op choice takes its drawn op, a
    /// `k of` input choice the candidates whose drawn op is likeliest (never one that drew
    /// `none`, unless too few drew anything else) and an `any of` member is in when it drew
    /// `on`.
    pub fn sample_alpha(&mut self) -> Result<Architecture, OneShotError> {
        let probs = self.probabilities()?;
        let ops = sample_ops(&probs, &mut self.rng);
        let drawn = probs
            .iter()
            .zip(&ops)
            .map(|(p, &k)| {
                (0..p.len())
                    .map(|j| if j == k { p[j] } else { 0.0 })
                    .collect()
            })
            .collect();
        self.net.derive_from(drawn)
    }

    /// The architecture α points at, among the ops that remain (see
    /// [`OneShotSearch::probabilities`]).
    pub fn derive(&self) -> Result<Architecture, OneShotError> {
        self.net.derive_from(self.probabilities()?)
    }

    /// Each row's op weights (see [`Supernet::rows`] for what each row is): `softmax(α)`
    /// over the ops that remain, or in the Dirichlet mode the Dirichlet's mean; a cut edge's
    /// row is all 0.
    pub fn probabilities(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        let mut probs = match self.mode {
            Mode::Dirichlet => tensor_rows(&dirichlet::mean(self.net.alpha(), &self.support()?)?)?,
            _ => row_probabilities(self.net.alpha(), self.mask())?,
        };
        if let Some(alive) = &self.alive {
            for (r, row) in probs.iter_mut().enumerate() {
                if alive.count(r) == 0 {
                    row.iter_mut().for_each(|p| *p = 0.0);
                }
            }
        }
        Ok(probs)
    }

    /// Restricts the search to the ops `alive` leaves on each row (`None`: every op again):
    /// mixtures, samples and deriving see only those (a `k of` candidate's edge with none is
    /// cut); α keeps its values. Path and ProxylessNAS modes are not restricted.
    pub fn set_alive(&mut self, alive: Option<Alive>) -> Result<(), OneShotError> {
        let rows = self.net.rows();
        let alive = alive.filter(|a| *a != Alive::full(rows.rows()));
        match &alive {
            Some(a) => {
                a.check(rows.rows())?;
                let (kind, device) = (self.net.kind(), self.net.device());
                self.logit_mask =
                    Some(a.logit_mask(self.net.mask(), rows.width(), kind, device)?);
                self.live = a.live(self.net.live());
            }
            None => {
                self.logit_mask = None;
                self.live = self.net.live().to_vec();
            }
        }
        self.alive = alive;
        Ok(())
    }

    /// The ops that remain on each row.
    pub fn alive(&self) -> Alive {
        self.alive
            .clone()
            .unwrap_or_else(|| Alive::full(self.net.rows().rows()))
    }

    /// Sets how the weight step perturbs the op weights (SDARTS; DARTS mode).
    pub fn set_perturbation(&mut self, p: Perturbation) -> Result<(), OneShotError> {
        self.perturbation = p.checked().map_err(OneShotError::Config)?;
        Ok(())
    }

    /// How the weight step perturbs the op weights.
    pub fn perturbation(&self) -> Perturbation {
        self.perturbation
    }

    /// Sets DARTS-' auxiliary skip coefficient β (at least 0; 0 removes the skip). A
    /// positive β on a supernet none of whose rows has a skip op is an error.
    pub fn set_aux_skip(&mut self, beta: f64) -> Result<(), OneShotError> {
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(OneShotError::Config(format!(
                "the auxiliary skip's coefficient must be at least 0, got {beta}"
            )));
        }
        if beta > 0.0 && self.skip.iter().all(Option::is_none) {
            return Err(OneShotError::Config(
                "no op choice of the space has a skip connection (an identity op) for the auxiliary skip to join".to_string(),
            ));
        }
        self.aux_skip = beta;
        Ok(())
    }

    /// DARTS-' auxiliary skip coefficient β.
    pub fn aux_skip(&self) -> f64 {
        self.aux_skip
    }

    /// Sets P-DARTS' skip dropout rate in the weight step, in `[0, 1)` (0: none). A positive
    /// rate on a supernet none of whose rows has a skip op is an error.
    pub fn set_skip_dropout(&mut self, rate: f64) -> Result<(), OneShotError> {
        if !(rate.is_finite() && (0.0..1.0).contains(&rate)) {
            return Err(OneShotError::Config(format!(
                "the skip dropout rate must lie in [0, 1), got {rate}"
            )));
        }
        if rate > 0.0 && self.skip.iter().all(Option::is_none) {
            return Err(OneShotError::Config(
                "no op choice of the space has a skip connection (an identity op) to drop"
                    .to_string(),
            ));
        }
        self.skip_dropout = rate;
        Ok(())
    }

    /// P-DARTS' skip dropout rate.
    pub fn skip_dropout(&self) -> f64 {
        self.skip_dropout
    }

    /// Sets the weight of DrNAS' KL regulariser (at least 0) in the Dirichlet mode's
    /// architecture step.
    pub fn set_dirichlet_reg(&mut self, weight: f64) -> Result<(), OneShotError> {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(OneShotError::Config(format!(
                "the regulariser's weight must be at least 0, got {weight}"
            )));
        }
        self.dirichlet_reg = weight;
        Ok(())
    }

    /// Each row's normalised entropy over its remaining ops other than zero ops (their
    /// weights renormalised; 0 with one such op or none): SGAS' selection uncertainty.
    pub fn entropies(&self) -> Result<Vec<f64>, OneShotError> {
        let probs = self.probabilities()?;
        Ok(self
            .net
            .rows()
            .rows()
            .iter()
            .zip(&probs)
            .enumerate()
            .map(|(r, (row, p))| {
                let ops: Vec<f64> = (0..row.labels.len())
                    .filter(|&k| !row.zero[k] && self.alive.as_ref().is_none_or(|a| a.has(r, k)))
                    .map(|k| p[k])
                    .collect();
                let total: f64 = ops.iter().sum();
                if ops.len() < 2 || total <= 0.0 {
                    return 0.0;
                }
                let h: f64 = ops
                    .iter()
                    .map(|&w| w / total)
                    .filter(|&q| q > 0.0)
                    .map(|q| -q * q.ln())
                    .sum();
                h / (ops.len() as f64).ln()
            })
            .collect())
    }

    /// Each row's weight on its ops other than zero ops (SGAS' edge importance).
    pub fn importances(&self) -> Result<Vec<f64>, OneShotError> {
        let probs = self.probabilities()?;
        Ok(self
            .net
            .rows()
            .rows()
            .iter()
            .zip(&probs)
            .map(|(row, p)| {
                (0..row.labels.len())
                    .filter(|&k| !row.zero[k])
                    .map(|k| p[k])
                    .sum()
            })
            .collect())
    }

    /// Each row's remaining ops, strongest first (the first of equal ones first).
    pub fn ranking(&self) -> Result<Vec<Vec<usize>>, OneShotError> {
        let probs = self.probabilities()?;
        let alive = self.alive();
        Ok(probs
            .iter()
            .enumerate()
            .map(|(r, p)| {
                let mut ops: Vec<usize> =
                    (0..alive.0[r].len()).filter(|&k| alive.has(r, k)).collect();
                ops.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
                ops
            })
            .collect())
    }

    /// The op the derived architecture runs on each row (`None` on a `k of` candidate's edge
    /// it does not pick, or an `any of` member it leaves out).
    pub fn derived_ops(&self) -> Result<Vec<Option<usize>>, OneShotError> {
        let mix = self.net.path_mix(&self.derive()?)?;
        Ok(mix
            .iter()
            .map(|terms| terms.first().map(|t| t.op))
            .collect())
    }

    /// α's values, each row as long as its ops.
    pub fn alphas(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        let a = self
            .net
            .alpha()
            .f_detach()?
            .f_to_kind(Kind::Double)?
            .f_to_device(Device::Cpu)?;
        let width = self.net.rows().width().max(1);
        let flat = Vec::<f64>::try_from(a.f_flatten(0, -1)?)?;
        let rows = self.net.rows().rows();
        Ok(flat
            .chunks(width)
            .zip(rows)
            .map(|(values, r)| values[..r.labels.len()].to_vec())
            .collect())
    }

    /// Each row's edge weight under edge normalisation (see [`Supernet::edge_weights`]).
    pub fn edge_weights(&self) -> Result<Vec<f64>, OneShotError> {
        self.net.edge_weights()
    }

    /// The accuracy of `arch` as a path through the shared weights on the validation split
    /// (its first `max_batches` batches, or all), batch norm with batch statistics.
    pub fn valid_accuracy(
        &self,
        arch: &Architecture,
        max_batches: Option<usize>,
    ) -> Result<f64, OneShotError> {
        let _guard = tch::no_grad_guard();
        let mix = self.net.path_mix(arch)?;
        self.accuracy_under(&mix, max_batches)
    }

    /// The accuracy of the supernet itself under the mode's relaxed mixture of the ops that
    /// remain (DARTS: `softmax(α)`; a sample in the sampling modes), α detached, on the
    /// validation split (its first `max_batches` batches, or all), batch norm with batch
    /// statistics: DARTS+PT's measure of an op, the accuracy left when it is masked out.
    pub fn supernet_accuracy(&self, max_batches: Option<usize>) -> Result<f64, OneShotError> {
        let _guard = tch::no_grad_guard();
        let mix = self.relaxed_mix(&self.net.alpha().f_detach()?)?;
        self.accuracy_under(&mix, max_batches)
    }

    /// The accuracy under `mix` on the validation split's first `max_batches` batches (or
    /// all), in order.
    fn accuracy_under(
        &self,
        mix: &CellMix,
        max_batches: Option<usize>,
    ) -> Result<f64, OneShotError> {
        let (mut right, mut total) = (0i64, 0i64);
        self.over_valid(mix, max_batches, |batch, logits| {
            let (h, n) = hits(logits, &batch.targets)?;
            right += h;
            total += n;
            Ok(())
        })?;
        Ok(right as f64 / total.max(1) as f64)
    }

    /// Runs `mix` over the validation split's first `max_batches` batches (or all) in order,
    /// a language model's each from the states the one before it ended with, and hands each
    /// batch and its logits to `each`.
    fn over_valid(
        &self,
        mix: &CellMix,
        max_batches: Option<usize>,
        mut each: impl FnMut(&Batch, &Tensor) -> Result<(), OneShotError>,
    ) -> Result<(), OneShotError> {
        let mut states = None;
        for batch in self.valid.in_order(max_batches) {
            let mut batch = batch?;
            if self.is_text() {
                batch.carry = Some(Carry::from(states.take()));
            }
            let logits = self.net.forward_batch(&batch, mix, true)?;
            each(&batch, &logits)?;
            states = batch.carry.and_then(|c| c.end.into_inner());
        }
        Ok(())
    }

    /// The next training batch, a language model's from the states the one before it ended
    /// with (zeros at the start of a pass).
    fn next_train(&mut self) -> Result<Batch, TchError> {
        draw(&mut self.train, self.train_states.as_deref(), true)
    }

    /// The batch the next weight step will use, not consumed.
    fn peek_train(&mut self) -> Result<Batch, TchError> {
        draw(&mut self.train, self.train_states.as_deref(), false)
    }

    /// The next validation batch, carrying states as [`OneShotSearch::next_train`] does.
    fn next_valid(&mut self) -> Result<Batch, TchError> {
        draw(&mut self.valid, self.valid_states.as_deref(), true)
    }

    /// Keeps the states a training batch ended with for the next one.
    fn keep_train(&mut self, batch: Batch) {
        if let Some(end) = batch.carry.and_then(|c| c.end.into_inner()) {
            self.train_states = Some(end);
        }
    }

    /// Keeps the states a validation batch ended with for the next one.
    fn keep_valid(&mut self, batch: Batch) {
        if let Some(end) = batch.carry.and_then(|c| c.end.into_inner()) {
            self.valid_states = Some(end);
        }
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

    /// Full training batches per pass over the training split.
    pub fn steps_per_epoch(&self) -> usize {
        self.train.batches_per_pass()
    }

    /// The supernet.
    pub fn supernet(&self) -> &Supernet {
        &self.net
    }

    /// Steps taken (weight and architecture steps).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Epochs finished.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Marks an epoch finished (the count a checkpoint records and a resumed script starts
    /// from).
    pub fn finish_epoch(&mut self) {
        self.epoch += 1;
    }

    /// Everything the search would need to continue exactly as it is: the supernet's
    /// variables (weights and batch-norm statistics), α and β, both optimisers' state, the
    /// data streams' positions, the step and epoch counts, learning rate, temperature and
    /// mode, the generator of paths and gates, libtorch's generator of the search's device
    /// (GDAS' and SNAS' Gumbel noise, SDARTS' noise, DrNAS' samples), the op latencies once
    /// measured, the op mask, the perturbation, DARTS-' β, P-DARTS' skip dropout rate and DrNAS'
    /// regulariser weight.
    pub fn snapshot(&self) -> Result<Snapshot, OneShotError> {
        let meta = SavedSearch {
            epoch: self.epoch,
            steps: self.steps,
            lr: self.lr,
            tau: self.tau,
            mode: self.mode.name().to_string(),
            rng: RngState::of(&self.rng),
            train: self.train.position(),
            valid: self.valid.position(),
            adam_steps: self.adam.steps(),
            latency: self.latency.clone(),
            alive: self.alive.as_ref().map(|a| a.0.clone()),
            perturbation: self.perturbation,
            aux_skip: self.aux_skip,
            dirichlet_reg: self.dirichlet_reg,
            skip_dropout: self.skip_dropout,
            latency_loss: self.latency_loss,
        };
        let mut tensors = std::collections::HashMap::new();
        let mut put = |name: String, t: &Tensor| -> Result<(), OneShotError> {
            // A copy: on the CPU `to_device` would alias the live tensor, which later steps
            // change in place.
            tensors.insert(name, t.f_detach_copy()?.f_to_device(Device::Cpu)?);
            Ok(())
        };
        for (name, t) in self.net.named_variables() {
            put(format!("net.{name}"), &t)?;
        }
        for (i, p) in self.net.arch_parameters().iter().enumerate() {
            put(format!("arch.{i}"), p)?;
        }
        for (i, b) in self.sgd.buffers().iter().enumerate() {
            if let Some(b) = b {
                put(format!("sgd.{i}"), b)?;
            }
        }
        for (i, m) in self.adam.moments().iter().enumerate() {
            if let Some((m, v)) = m {
                put(format!("adam.{i}.m"), m)?;
                put(format!("adam.{i}.v"), v)?;
            }
        }
        put(
            "generator".to_string(),
            &crate::train::generator::state(self.net.device())?,
        )?;
        let meta = serde_json::to_value(meta).map_err(|e| corrupt(e.to_string()))?;
        Ok(Snapshot { meta, tensors })
    }

    /// Continues from `snapshot` (what [`OneShotSearch::snapshot`] returned for a search
    /// built the same way: the same supernet, data and settings), also restoring libtorch's
    /// generator of the search's device.
    pub fn restore(&mut self, snapshot: &Snapshot) -> Result<(), OneShotError> {
        let saved: SavedSearch = serde_json::from_value(snapshot.meta.clone())
            .map_err(|e| corrupt(format!("its search state: {e}")))?;
        let mode = Mode::from_name(&saved.mode)
            .ok_or_else(|| corrupt(format!("unknown mode `{}`", saved.mode)))?;
        let device = self.net.device();
        let load = |name: &str, into: &Tensor| -> Result<(), OneShotError> {
            let t = snapshot.tensor(name)?;
            if t.size() != into.size() {
                return Err(corrupt(format!(
                    "`{name}` is {:?} but the supernet's is {:?}",
                    t.size(),
                    into.size()
                )));
            }
            let _guard = tch::no_grad_guard();
            into.shallow_clone().f_copy_(t)?;
            Ok(())
        };
        let variables = self.net.named_variables();
        let expected = variables.len() + self.net.arch_parameters().len();
        let saved_net = snapshot
            .tensors
            .keys()
            .filter(|k| k.starts_with("net.") || k.starts_with("arch."))
            .count();
        if saved_net != expected {
            return Err(corrupt(format!(
                "it holds {saved_net} variables, the supernet has {expected}"
            )));
        }
        for (name, t) in &variables {
            load(&format!("net.{name}"), t)?;
        }
        for (i, p) in self.net.arch_parameters().iter().enumerate() {
            load(&format!("arch.{i}"), p)?;
        }
        let on_device = |name: &str| -> Result<Option<Tensor>, OneShotError> {
            match snapshot.tensors.get(name) {
                Some(t) => Ok(Some(t.f_to_device(device)?)),
                None => Ok(None),
            }
        };
        let weights = self.net.weights().len();
        let buffers = (0..weights)
            .map(|i| on_device(&format!("sgd.{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let arch = self.net.arch_parameters().len();
        let moments = (0..arch)
            .map(|i| {
                let m = on_device(&format!("adam.{i}.m"))?;
                let v = on_device(&format!("adam.{i}.v"))?;
                Ok(m.zip(v))
            })
            .collect::<Result<Vec<_>, OneShotError>>()?;
        self.train.set_position(&saved.train)?;
        self.valid.set_position(&saved.valid)?;
        self.rng = saved.rng.rng()?;
        crate::train::generator::set_state(device, snapshot.tensor("generator")?)?;
        self.sgd.set_buffers(buffers);
        self.adam.set_state(saved.adam_steps, moments);
        self.epoch = saved.epoch;
        self.steps = saved.steps;
        self.lr = checked_lr(saved.lr)?;
        self.tau = checked_tau(saved.tau)?;
        self.mode = mode;
        if saved.latency.is_some() {
            self.latency = saved.latency;
        }
        self.set_alive(saved.alive.map(Alive))?;
        self.set_perturbation(saved.perturbation)?;
        self.set_aux_skip(saved.aux_skip)?;
        self.set_dirichlet_reg(saved.dirichlet_reg)?;
        self.set_skip_dropout(saved.skip_dropout)?;
        self.set_latency_loss(saved.latency_loss)?;
        Ok(())
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
    use crate::oneshot::SupernetOptions;
    use crate::space::{load_space_with, Space};

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

    fn space(name: &str, c: i64) -> Space {
        let mut args = vec![("c".to_string(), c), ("classes".to_string(), 2)];
        if name != "enas_macro" {
            args.push(("n".to_string(), 1));
        }
        load_space_with(name, &args).unwrap()
    }

    fn search(s: &Space, options: SupernetOptions, config: SearchConfig) -> OneShotSearch {
        // Many tiny ops: on a shared 2-core machine one libtorch thread is several times
        // faster than two.
        tch::set_num_threads(1);
        let seed = config.seed as i64;
        let net = Supernet::with_options(s, 1, options, Device::Cpu, Kind::Float, seed).unwrap();
        OneShotSearch::new(net, toy(64, 1), toy(64, 2), &config).unwrap()
    }

    fn pc(k: i64) -> SupernetOptions {
        SupernetOptions {
            partial_channels: k,
            edge_normalization: true,
        }
    }

    #[test]
    fn pc_darts_steps_train_alpha_and_beta_on_nb201_and_the_darts_space() {
        let _generator = crate::test_generator();
        let mut s = search(&space("nb201", 4), pc(2), SearchConfig::darts(16, 9));
        let before = s.edge_weights().unwrap();
        // Node 1's only edge weighs 1; nodes 2 and 3 split 1 over their edges.
        assert_eq!(before[0], 1.0);
        for _ in 0..3 {
            s.alpha_step(1).unwrap();
            s.weight_step().unwrap();
        }
        let after = s.edge_weights().unwrap();
        assert!(after[1..] != before[1..], "{before:?} {after:?}");
        assert!((after[3] + after[4] + after[5] - 1.0).abs() < 1e-6);
        assert!(s.alpha_step(2).is_err());
        // Partial channels: every edge's conv sees C/2 channels, 4× fewer weights.
        let conv = |net: &Supernet| -> i64 {
            net.named_weights()
                .iter()
                .filter(|(k, _)| k.contains(".edges.") && k.ends_with("conv.weight"))
                .map(|(_, t)| t.numel() as i64)
                .sum()
        };
        let plain = search(
            &space("nb201", 4),
            SupernetOptions::default(),
            SearchConfig::darts(16, 9),
        );
        assert_eq!(conv(plain.supernet()), 4 * conv(s.supernet()));
        assert_eq!(plain.edge_weights().unwrap(), vec![1.0; 6]);
        // The DARTS space: K = 4 on every candidate edge, reduction edges' bypass pooled;
        // β over each node's candidate edges takes part in deriving its two inputs.
        let mut d = search(&space("darts", 8), pc(4), SearchConfig::darts(16, 3));
        assert_eq!(d.supernet().arch_parameters().len(), 2);
        for _ in 0..2 {
            assert!(d.alpha_step(1).unwrap().is_finite());
            assert!(d.weight_step().unwrap().is_finite());
        }
        let w = d.edge_weights().unwrap();
        assert!(w.iter().all(|&x| x > 0.0 && x <= 1.0), "{w:?}");
        let derived = d.derive().unwrap();
        let net = d.supernet();
        assert_eq!(
            net.space().decode(&net.space().encode(&derived)).unwrap(),
            derived
        );
        // K must divide a cell edge's channels.
        let s8 = space("nb201", 4);
        let odd = Supernet::with_options(&s8, 1, pc(3), Device::Cpu, Kind::Float, 0);
        assert!(odd.unwrap_err().to_string().contains("must divide"));
    }

    #[test]
    fn pc_darts_and_the_latency_table_run_on_the_enas_macro_space() {
        let _generator = crate::test_generator();
        // K = 2 on every layer's op edge; β over each layer's mixed edges.
        let mut s = search(&space("enas_macro", 4), pc(2), SearchConfig::darts(16, 3));
        assert_eq!(s.supernet().arch_parameters().len(), 2);
        for _ in 0..2 {
            assert!(s.alpha_step(1).unwrap().is_finite());
            assert!(s.weight_step().unwrap().is_finite());
        }
        let derived = s.derive().unwrap();
        let net = s.supernet();
        assert_eq!(
            net.space().decode(&net.space().encode(&derived)).unwrap(),
            derived
        );
        // Each of the 12 op rows is timed on 2 of the 4 channels at the 8×8 map.
        let inputs = net.op_inputs(&[1, 8, 8], 1).unwrap();
        let ops: Vec<_> = inputs.iter().filter(|(_, alts)| alts.len() == 6).collect();
        assert_eq!(ops.len(), 12);
        assert!(ops
            .iter()
            .all(|(_, alts)| alts.iter().all(|a| a.1 == [1, 2, 8, 8])));
    }

    #[test]
    fn pc_darts_runs_on_nb101_with_partial_channels_at_every_elastic_width() {
        let _generator = crate::test_generator();
        let nb101 = load_space_with("nb101", &[("c".into(), 8), ("cells".into(), 1)]).unwrap();
        // Edge normalisation has nothing to weigh there: an error that says what runs.
        let err = Supernet::with_options(&nb101, 1, pc(2), Device::Cpu, Kind::Float, 0);
        let message = err.unwrap_err().to_string();
        assert!(message.contains("partial channels alone"), "{message}");
        let partial = SupernetOptions {
            partial_channels: 3,
            edge_normalization: false,
        };
        let whole = Supernet::new(&nb101, 1, Device::Cpu, Kind::Float, 0).unwrap();
        // K = 3 divides none of the widths 8 is split into (2, 2, 2, 1, 1 in the
        // relaxation; 8, 4, … on paths): each vertex's ops take ⌈w/3⌉ of its channels.
        let mut s = search(&nb101, partial, SearchConfig::darts(16, 5));
        assert!(s.supernet().weight_count() < whole.weight_count());
        let before = s.supernet().alpha().copy();
        for _ in 0..2 {
            assert!(s.alpha_step(1).unwrap().is_finite());
            assert!(s.weight_step().unwrap().is_finite());
        }
        assert!(
            (s.supernet().alpha() - &before)
                .abs()
                .max()
                .double_value(&[])
                > 0.0
        );
        let derived = s.derive().unwrap();
        let net = s.supernet();
        assert_eq!(
            net.space().decode(&net.space().encode(&derived)).unwrap(),
            derived
        );
        // A single path runs too, its vertices at the architecture's own widths.
        let path = net.path_mix(&derived).unwrap();
        let x = Tensor::randn([2, 1, 8, 8], (Kind::Float, Device::Cpu));
        let y = net.forward(&x, &path, false).unwrap();
        assert_eq!(y.size(), [2, 10]);
        // Its ops are timed at the relaxation's widths: in each of the three cells (8, 16
        // and 32 channels, on 8×8, 4×4 and 2×2 maps) five op rows and six members from the
        // cell's input (five vertices and the output), timed as the input's projection.
        let inputs = whole.op_inputs(&[1, 8, 8], 1).unwrap();
        let ops: Vec<_> = inputs.iter().filter(|(_, alts)| alts.len() == 3).collect();
        let members: Vec<_> = inputs.iter().filter(|(_, alts)| alts.len() == 2).collect();
        assert_eq!((ops.len(), members.len()), (15, 18));
        let widths: Vec<i64> = ops.iter().map(|(_, alts)| alts[0].1[1]).collect();
        assert_eq!(widths[..10], [2, 2, 2, 1, 1, 4, 3, 3, 3, 3]);
        let reads: Vec<[i64; 4]> = members.iter().map(|(_, alts)| alts[1].1).collect();
        assert_eq!(reads[..6], [[1, 8, 8, 8]; 6]);
        assert_eq!(reads[6..12], [[1, 8, 4, 4]; 6]);
        let narrow = net.op_inputs(&[1, 8, 8], 1).unwrap();
        assert!(narrow
            .iter()
            .filter(|(_, alts)| alts.len() == 3)
            .take(5)
            .all(|(_, alts)| alts.iter().all(|a| a.1 == [1, 1, 8, 8])));
    }

    #[test]
    fn proxyless_steps_sample_paths_move_alpha_and_the_latency_term_favours_cheap_ops() {
        let _generator = crate::test_generator();
        let config = SearchConfig {
            latency_weight: 50.0,
            arch_lr: 0.05,
            ..SearchConfig::darts(16, 11)
        };
        let mut s = search(&space("nb201", 4), SupernetOptions::default(), config);
        s.set_mode(Mode::Proxyless);
        // A made-up table: the 3×3 conv is by far the slowest op.
        s.set_latencies(vec![vec![0.0, 0.1, 1.0, 9.0, 0.5]; 6])
            .unwrap();
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
        assert!(s
            .set_latencies(vec![vec![0.0, -1.0, 0.0, 0.0, 0.0]; 6])
            .is_err());
        assert!(s.set_latencies(vec![vec![0.0; 5]; 5]).is_err());
        // Measured for real: every op but none has a time, written to the given table.
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = search(
            &space("nb201", 4),
            SupernetOptions::default(),
            SearchConfig::darts(16, 12),
        );
        fresh.set_latency_file(dir.path().join("latency.csv"));
        let costs = fresh.latencies().unwrap();
        assert!(costs.iter().all(|row| row[0] == 0.0), "{costs:?}");
        assert!(costs.iter().flatten().all(|t| t.is_finite() && *t >= 0.0));
        let table = std::fs::read_to_string(dir.path().join("latency.csv")).unwrap();
        // 4 ops × 3 cells (every edge of a cell sees the same shape), batch 1, the toy's
        // 8×8 images: 4, 8 and 16 channels.
        assert_eq!(table.lines().count(), 1 + 12, "{table}");
        assert!(table.contains(",1x16x2x2,"), "{table}");
        assert!(
            table.contains("Conv(ConvConfig { c_out: 16, kernel: [3, 3]"),
            "{table}"
        );
        // PC-DARTS' partial channels are timed at the channels the ops see.
        let mut partial = search(&space("darts", 8), pc(4), SearchConfig::darts(16, 13));
        partial.set_latency_file(dir.path().join("partial.csv"));
        partial.set_mode(Mode::Proxyless);
        assert!(partial.expected_latency().unwrap() > 0.0);
        let table = std::fs::read_to_string(dir.path().join("partial.csv")).unwrap();
        assert!(
            table.contains(",1x2x8x8,") && !table.contains(",1x8x8x8,"),
            "{table}"
        );
    }

    #[test]
    fn a_seeded_search_goes_the_same_way_with_the_latency_table_cold_or_cached() {
        let _generator = crate::test_generator();
        let dir = tempfile::tempdir().unwrap();
        let run = || -> Vec<Vec<f64>> {
            tch::manual_seed(21);
            let config = SearchConfig {
                latency_weight: 1.0,
                ..SearchConfig::darts(16, 14)
            };
            let mut s = search(&space("nb201", 4), SupernetOptions::default(), config);
            s.set_latency_file(dir.path().join("latency.csv"));
            // FBNet's setting: Gumbel noise drawn from libtorch's generator after the table.
            s.set_mode(Mode::Gdas);
            s.latencies().unwrap();
            for _ in 0..2 {
                s.weight_step().unwrap();
                s.alpha_step(1).unwrap();
            }
            s.probabilities().unwrap()
        };
        let cold = run();
        assert!(dir.path().join("latency.csv").exists());
        let cached = run();
        assert_eq!(cold, cached, "measuring the table moved the search's draws");
    }

    #[test]
    fn a_search_restored_from_a_snapshot_continues_bit_for_bit() {
        let _generator = crate::test_generator();
        let nb201 = space("nb201", 4);
        let steps = |s: &mut OneShotSearch| -> Vec<f64> {
            let mut losses = Vec::new();
            for _ in 0..3 {
                losses.push(s.alpha_step(1).unwrap());
                losses.push(s.weight_step().unwrap());
            }
            losses
        };
        for mode in [Mode::Gdas, Mode::Proxyless] {
            let config = SearchConfig::darts(16, 5);
            let mut s = search(&nb201, SupernetOptions::default(), config);
            s.set_mode(mode);
            s.set_latencies(vec![vec![0.0, 0.1, 1.0, 9.0, 0.5]; 6])
                .unwrap();
            steps(&mut s);
            s.finish_epoch();
            s.set_tau(2.5).unwrap();
            let snapshot = s.snapshot().unwrap();
            let ahead = steps(&mut s);
            let alpha = s.alphas().unwrap();
            // Another process would start from a fresh search with the same settings.
            let mut fresh = search(&nb201, SupernetOptions::default(), config);
            let _ = Tensor::rand([5], (Kind::Float, Device::Cpu));
            fresh.restore(&snapshot).unwrap();
            assert_eq!((fresh.epoch(), fresh.mode(), fresh.tau()), (1, mode, 2.5));
            assert_eq!(steps(&mut fresh), ahead, "{mode:?}");
            assert_eq!(fresh.alphas().unwrap(), alpha);
        }
        // A snapshot of another supernet is refused.
        let snapshot = search(
            &nb201,
            SupernetOptions::default(),
            SearchConfig::darts(16, 5),
        )
        .snapshot()
        .unwrap();
        let mut wider = search(
            &space("nb201", 8),
            SupernetOptions::default(),
            SearchConfig::darts(16, 5),
        );
        let err = wider.restore(&snapshot).unwrap_err();
        assert!(err.to_string().contains("not a usable"), "{err}");
    }

    #[test]
    fn a_diverging_search_is_an_error_not_a_panic() {
        let _generator = crate::test_generator();
        let mut s = search(
            &space("nb201", 4),
            SupernetOptions::default(),
            SearchConfig::darts(16, 7),
        );
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
        assert!(s.set_lr(f64::NAN).is_err());
        assert!(s.set_tau(0.0).is_err());
    }
}
