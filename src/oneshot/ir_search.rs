//! A one-shot search on the supernet of any space that can be one ([`IrSupernet`]): its two
//! data streams, the weights' SGD and α's Adam, the forward mode — DARTS' mixture (first and
//! second order), GDAS' hard Gumbel-softmax sample, SNAS' relaxed one, or single paths drawn
//! uniformly from the space (RSPS, SPOS) — and the steps of [`super::darts`]: the same
//! primitives, samplers ([`super::mix`]), optimisers and data streams the NAS-Bench-201
//! search uses.

use super::darts::{
    clip_norm, first_order_arch_grads, joint_gradients, second_order_alpha_grad, weight_gradients,
};
use super::data::BatchStream;
use super::ir_supernet::IrSupernet;
use super::mix::CellMix;
use super::optim::{Adam, Sgd};
use super::search::{checked_lr, checked_tau, Mode, SearchConfig};
use super::OneShotError;
use crate::space::Architecture;
use crate::train::ImageSet;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Kind, Tensor};

/// A one-shot search on a compiled supernet.
#[derive(Debug)]
pub struct IrSearch {
    net: IrSupernet,
    train: BatchStream,
    valid: BatchStream,
    sgd: Sgd,
    adam: Adam,
    lr: f64,
    clip: f64,
    steps: u64,
    mode: Mode,
    tau: f64,
    /// Draws the single paths of [`Mode::Path`] from the space.
    rng: ChaCha8Rng,
}

impl IrSearch {
    /// A search of `net` whose weights train on `train` and α on `valid`, with `config`'s
    /// batch size, seed and optimiser settings (its supernet size is not read: `net` is
    /// built already; its data must match `net`'s kind and device).
    pub fn new(
        net: IrSupernet,
        train: ImageSet,
        valid: ImageSet,
        config: &SearchConfig,
    ) -> Result<IrSearch, OneShotError> {
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
        let (device, kind) = (net.device(), net.kind());
        let seed = config.seed;
        let train = BatchStream::new(train, config.batch, seed, device, kind)?;
        let valid = BatchStream::new(valid, config.batch, seed ^ 0x5eed, device, kind)?;
        Ok(IrSearch {
            net,
            train,
            valid,
            sgd: Sgd::new(config.momentum, config.weight_decay),
            adam: Adam::new(config.arch_lr, 0.5, 0.999, config.arch_weight_decay),
            lr: config.lr,
            clip: config.clip,
            steps: 0,
            mode: Mode::Darts,
            tau: config.tau,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x9a75),
        })
    }

    /// One clipped SGD step of the weights on the next training batch under the current mode
    /// (α fixed: DARTS' mixture, a GDAS or SNAS sample of the detached α, or a single path
    /// drawn uniformly from the space); returns the training loss.
    pub fn weight_step(&mut self) -> Result<f64, OneShotError> {
        let alpha = self.net.alpha().f_detach()?;
        let mix = match self.mode {
            Mode::Path => {
                let arch = self.sample_path()?;
                self.net.path_mix(&arch)?
            }
            _ => self.relaxed_mix(&alpha)?,
        };
        self.weight_step_under(&mix)
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
        let batch = self.train.next_batch()?;
        let (loss, grads) = weight_gradients(&self.net, &batch, mix)?;
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&grads, self.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &grads, self.lr)?;
        Ok(loss)
    }

    /// The accuracy of `arch` through the shared weights on the next batch of the validation
    /// stream (ENAS' reward: a fresh minibatch each call), batch norm with batch statistics.
    pub fn valid_batch_accuracy(&mut self, arch: &Architecture) -> Result<f64, OneShotError> {
        let mix = self.net.path_mix(arch)?;
        let batch = self.valid.next_batch()?;
        let _guard = tch::no_grad_guard();
        let logits = self.net.forward(&batch.images, &mix, true)?;
        let hits = logits
            .f_argmax(-1, false)?
            .f_eq_tensor(&batch.labels)?
            .f_sum(Kind::Int64)?
            .f_int64_value(&[])?;
        Ok(hits as f64 / batch.labels.size()[0].max(1) as f64)
    }

    /// The mixture of the DARTS, GDAS or SNAS mode under `alpha` (an error in path mode).
    fn relaxed_mix(&self, alpha: &Tensor) -> Result<CellMix, OneShotError> {
        Ok(match self.mode {
            Mode::Darts => self.net.darts_mix(alpha)?,
            Mode::Gdas => self.net.gdas_mix(alpha, self.tau)?,
            Mode::Snas => self.net.snas_mix(alpha, self.tau)?,
            Mode::Path | Mode::Proxyless => {
                return Err(OneShotError::Config(format!(
                    "α takes no part in {} mode; set_mode(\"darts\"), set_mode(\"gdas\") or set_mode(\"snas\") first",
                    self.mode.name()
                )))
            }
        })
    }

    /// One step of the weights (SGD) and α (Adam) together, from one backward pass of the
    /// training loss on the next training batch under the mode's mixture (SNAS' way; also
    /// DARTS or GDAS mode). Returns the training loss.
    pub fn joint_step(&mut self) -> Result<f64, OneShotError> {
        let mix = self.relaxed_mix(self.net.alpha())?;
        let batch = self.train.next_batch()?;
        let (loss, weight_grads, arch_grads) = joint_gradients(&self.net, &batch, &mix)?;
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&weight_grads, self.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &weight_grads, self.lr)?;
        self.step_alpha(&arch_grads)?;
        Ok(loss)
    }

    /// One Adam step of α on the next validation batch: `order` 1 is first order (ξ = 0) under
    /// the mode's mixture (DARTS, GDAS or SNAS), 2 second order with ξ the weights' learning
    /// rate (DARTS mode; the training batch is the one the next weight step uses). Returns the
    /// validation loss.
    pub fn alpha_step(&mut self, order: u8) -> Result<f64, OneShotError> {
        if order == 2 && self.mode != Mode::Darts {
            return Err(OneShotError::Config(format!(
                "the second-order step differentiates the softmax mixture; use order 1 in {} mode",
                self.mode.name()
            )));
        }
        let mix = match order {
            1 => Some(self.relaxed_mix(self.net.alpha())?),
            _ => None,
        };
        let valid = self.valid.next_batch()?;
        let (loss, grads) = match (order, mix) {
            (1, Some(mix)) => first_order_arch_grads(&self.net, &valid, &mix)?,
            (2, _) => {
                let train = self.train.peek()?;
                let (loss, g) = second_order_alpha_grad(&self.net, &train, &valid, self.lr)?;
                (loss, vec![g])
            }
            (other, _) => {
                return Err(OneShotError::Config(format!(
                    "the architecture step's order is 1 or 2, not {other}"
                )))
            }
        };
        self.steps += 1;
        self.finite("the validation loss", loss)?;
        self.step_alpha(&grads)?;
        Ok(loss)
    }

    /// One Adam step of α along `grads` (after a finiteness check of their norm).
    fn step_alpha(&mut self, grads: &[Tensor]) -> Result<(), OneShotError> {
        let mut norm = 0.0;
        for g in grads {
            norm += g.f_square()?.f_sum(Kind::Double)?.f_double_value(&[])?;
        }
        self.finite("the α gradient norm", norm.sqrt())?;
        let params = vec![self.net.alpha().shallow_clone()];
        self.adam.step(&params, grads)?;
        Ok(())
    }

    /// Switches the forward mode: `Darts`, `Gdas`, `Snas` or `Path` (ProxylessNAS' gates
    /// are NAS-Bench-201's only, an error here).
    pub fn set_mode(&mut self, mode: Mode) -> Result<(), OneShotError> {
        if mode == Mode::Proxyless {
            return Err(OneShotError::Config(
                "ProxylessNAS' binary gates run on NAS-Bench-201's supernet only; a supernet compiled from a space's IR runs the darts, gdas, snas and path modes".to_string(),
            ));
        }
        self.mode = mode;
        Ok(())
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

    /// The architecture α points at.
    pub fn derive(&self) -> Result<Architecture, OneShotError> {
        self.net.derive()
    }

    /// `softmax(α)` per row (see [`IrSupernet::rows`] for what each row is).
    pub fn probabilities(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        self.net.probabilities()
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
    pub fn supernet(&self) -> &IrSupernet {
        &self.net
    }

    /// Steps taken (weight and architecture steps).
    pub fn steps(&self) -> u64 {
        self.steps
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
