//! A DARTS search on the supernet of any space that can be one ([`IrSupernet`]): its two data
//! streams, the weights' SGD and α's Adam, and the steps of [`super::darts`] (first and second
//! order) — the same primitives, optimisers and data streams the NAS-Bench-201 search uses.

use super::darts::{clip_norm, first_order_arch_grads, second_order_alpha_grad, weight_gradients};
use super::data::BatchStream;
use super::ir_supernet::IrSupernet;
use super::optim::{Adam, Sgd};
use super::search::SearchConfig;
use super::OneShotError;
use crate::space::Architecture;
use crate::train::ImageSet;
use tch::Kind;

/// A DARTS search on a compiled supernet.
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
        if !(positive(config.lr) && positive(config.arch_lr) && positive(config.clip)) {
            return Err(OneShotError::Config(format!(
                "lr ({}), arch_lr ({}) and clip ({}) must be positive",
                config.lr, config.arch_lr, config.clip
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
        })
    }

    /// One clipped SGD step of the weights on the next training batch under the DARTS
    /// mixture (α fixed); returns the training loss.
    pub fn weight_step(&mut self) -> Result<f64, OneShotError> {
        let mix = self.net.darts_mix(&self.net.alpha().f_detach()?)?;
        let batch = self.train.next_batch()?;
        let (loss, grads) = weight_gradients(&self.net, &batch, &mix)?;
        self.steps += 1;
        self.finite("the training loss", loss)?;
        let norm = clip_norm(&grads, self.clip)?;
        self.finite("the weights' gradient norm", norm)?;
        self.sgd.step(&self.net.weights(), &grads, self.lr)?;
        Ok(loss)
    }

    /// One Adam step of α on the next validation batch: `order` 1 is first order (ξ = 0), 2
    /// second order with ξ the weights' learning rate (the training batch is the one the next
    /// weight step uses). Returns the validation loss.
    pub fn alpha_step(&mut self, order: u8) -> Result<f64, OneShotError> {
        let valid = self.valid.next_batch()?;
        let (loss, grads) = match order {
            1 => {
                let mix = self.net.darts_mix(self.net.alpha())?;
                first_order_arch_grads(&self.net, &valid, &mix)?
            }
            2 => {
                let train = self.train.peek()?;
                let (loss, g) = second_order_alpha_grad(&self.net, &train, &valid, self.lr)?;
                (loss, vec![g])
            }
            other => {
                return Err(OneShotError::Config(format!(
                    "the architecture step's order is 1 or 2, not {other}"
                )))
            }
        };
        self.steps += 1;
        self.finite("the validation loss", loss)?;
        let mut norm = 0.0;
        for g in &grads {
            norm += g.f_square()?.f_sum(Kind::Double)?.f_double_value(&[])?;
        }
        self.finite("the α gradient norm", norm.sqrt())?;
        let params = vec![self.net.alpha().shallow_clone()];
        self.adam.step(&params, &grads)?;
        Ok(loss)
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
        if !(lr.is_finite() && lr >= 0.0) {
            return Err(OneShotError::Config(format!(
                "the learning rate must be at least 0, got {lr}"
            )));
        }
        self.lr = lr;
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
