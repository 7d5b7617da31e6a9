//! Training a language model (a compiled sequence space's network, see `compile::sequence`),
//! as a [`Task`] of the one driver: truncated back-propagation through time over windows of a
//! token stream cut into rows (hidden states carried between windows, detached, and zeroed at
//! each pass), the loss per token, perplexity, and the forward pass under mixed precision.

use super::amp::{autocast, Precision};
use super::device::Runtime;
use super::metrics::RunningMean;
use super::ptb::{batchify, window};
use super::settings::LmRegularisers;
use super::settings::TrainSettings;
use super::trainer::{Measure, Split, StepLoss, Task, TrialFailure};
use crate::compile::sequence::{PassNoise, SequenceNet, SequencePass};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Reduction, TchError, Tensor};

/// Rows the validation and test streams are cut into (as in the DARTS and ENAS code).
pub const EVAL_ROWS: i64 = 10;

/// The gradient-norm clip of language models when the settings give none (AWD-LSTM's and
/// DARTS').
pub const DEFAULT_CLIP: f64 = 0.25;

/// Mean negative log-likelihood per token of `targets` `[B, L]` under `logits` `[B, L, V]`.
pub fn token_nll(logits: &Tensor, targets: &Tensor) -> Result<Tensor, TchError> {
    let vocab = logits.size().last().copied().unwrap_or(1);
    logits
        .f_reshape([-1, vocab])?
        .f_cross_entropy_loss::<Tensor>(&targets.f_reshape([-1])?, None, Reduction::Mean, -100, 0.0)
}

/// `forward` run under autocast in `precision` on `device` when one is given, its tensors
/// handed back in float32 (the loss, the penalties and the carried states stay full
/// precision). bfloat16 only: float16 would need loss scaling, which language models do not
/// do.
pub fn in_precision(
    device: Device,
    precision: Option<Precision>,
    forward: impl FnOnce() -> Result<SequencePass, TchError>,
) -> Result<SequencePass, TchError> {
    let Some(p) = precision else {
        return forward();
    };
    if p == Precision::Fp16 {
        return Err(TchError::Kind(
            "language models train in bf16 or float32: fp16 would need loss scaling".to_string(),
        ));
    }
    let float = |t: Tensor| match t.kind() {
        Kind::BFloat16 | Kind::Half => t.f_to_kind(Kind::Float),
        _ => Ok(t),
    };
    let pass = autocast(device, p, forward)??;
    Ok(SequencePass {
        output: float(pass.output)?,
        states: pass
            .states
            .into_iter()
            .map(float)
            .collect::<Result<_, _>>()?,
        last_cell: float(pass.last_cell)?,
        last_input: float(pass.last_input)?,
    })
}

/// AWD-LSTM's penalties of a training pass: AR, `ar` times the mean square of what the last
/// layer read, and TAR, `tar` times the mean square of the last cell's change from step to
/// step.
pub fn penalties(pass: &SequencePass, ar: f64, tar: f64) -> Result<Option<Tensor>, TchError> {
    let mut total: Option<Tensor> = None;
    let mut add = |term: Tensor| -> Result<(), TchError> {
        total = Some(match total.take() {
            Some(t) => t.f_add(&term)?,
            None => term,
        });
        Ok(())
    };
    if ar > 0.0 {
        add(pass
            .last_input
            .f_square()?
            .f_mean(Kind::Float)?
            .f_mul_scalar(ar)?)?;
    }
    let steps = pass.last_cell.size().get(1).copied().unwrap_or(0);
    if tar > 0.0 && steps > 1 {
        let change = pass
            .last_cell
            .f_narrow(1, 1, steps - 1)?
            .f_sub(&pass.last_cell.f_narrow(1, 0, steps - 1)?)?;
        add(change.f_square()?.f_mean(Kind::Float)?.f_mul_scalar(tar)?)?;
    }
    Ok(total)
}

/// The generator of pass `epoch`'s window lengths in a run seeded with `seed`.
pub fn window_rng(seed: u64, epoch: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The lengths of a pass's `count` windows over `total` tokens as AWD-LSTM draws them, seeded
/// by `rng`: each N(b, 5) rounded down, at least 5, with b the nominal length `bptt`, or half
/// of it with probability 0.05; then rescaled so that they tile the `total` tokens exactly
/// (a pass keeps its number of windows, which resuming a run and step budgets count). Every
/// length is at least 1.
pub fn window_lengths(rng: &mut ChaCha8Rng, count: usize, total: i64, bptt: i64) -> Vec<i64> {
    let drawn: Vec<f64> = (0..count)
        .map(|_| {
            let b = if rng.random::<f64>() < 0.95 {
                bptt as f64
            } else {
                bptt as f64 / 2.0
            };
            // Box–Muller: one standard normal from two uniforms.
            let (u, v) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
            let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
            (b + 5.0 * z).floor().max(5.0)
        })
        .collect();
    let sum: f64 = drawn.iter().sum();
    let mut lengths = Vec::with_capacity(count);
    let (mut cum, mut at) = (0.0, 0i64);
    for (i, d) in drawn.iter().enumerate() {
        cum += d;
        let left = (count - i - 1) as i64;
        // The boundary, kept at least one token past the last and one short per window left.
        let end = ((total as f64 * cum / sum).round() as i64)
            .max(at + 1)
            .min(total - left);
        lengths.push(end - at);
        at = end;
    }
    lengths
}

/// The recurrent weights of a training step under weight drop, masked in place for its
/// forward and backward passes, and what puts them back.
#[derive(Debug, Default)]
struct DroppedWeights {
    /// Each weight as it was, and the mask (zeros and 1/(1 − p)) it was multiplied by.
    held: Vec<(Tensor, Tensor, Tensor)>,
}

impl DroppedWeights {
    /// Multiplies each of `weights` by a fresh mask that drops an entry with probability `p`
    /// and scales the rest by 1/(1 − p): the forward pass then computes with W ⊙ m, and the
    /// backward pass leaves ∂L/∂(W ⊙ m) in W's gradient.
    fn drop(&mut self, weights: &[Tensor], p: f64) -> Result<(), TchError> {
        let _guard = tch::no_grad_guard();
        let keep = 1.0 - p;
        for w in weights {
            let saved = w.f_detach_copy()?;
            let mask = w
                .f_empty_like()?
                .f_bernoulli_float_(keep)?
                .f_div_scalar(keep)?;
            let mut target = w.shallow_clone();
            let _ = target.f_mul_(&mask)?;
            self.held.push((w.shallow_clone(), saved, mask));
        }
        Ok(())
    }

    /// Puts each weight back and turns its gradient into the raw weight's, ∂L/∂W =
    /// m ⊙ ∂L/∂(W ⊙ m) (what AWD-LSTM's `WeightDrop` computes through autograd).
    fn restore(&mut self) -> Result<(), TchError> {
        let _guard = tch::no_grad_guard();
        for (w, saved, mask) in self.held.drain(..) {
            let mut target = w.shallow_clone();
            target.f_copy_(&saved)?;
            let mut grad = w.grad();
            if grad.defined() {
                let _ = grad.f_mul_(&mask)?;
            }
        }
        Ok(())
    }
}

/// Token ids of a corpus's three splits, each `[T]`.
#[derive(Debug)]
pub struct TokenSplits {
    /// What the weights are trained on.
    pub train: Tensor,
    /// The validation split.
    pub valid: Tensor,
    /// The test split.
    pub test: Tensor,
}

impl TokenSplits {
    /// The same splits, sharing their storage.
    pub fn share(&self) -> TokenSplits {
        TokenSplits {
            train: self.train.shallow_clone(),
            valid: self.valid.shallow_clone(),
            test: self.test.shallow_clone(),
        }
    }
}

/// A language model and the token streams it trains on and is measured on.
pub struct LmTask<'a> {
    net: &'a SequenceNet,
    /// The training stream cut into `batch` rows, on the device.
    rows: Tensor,
    splits: &'a TokenSplits,
    bptt: i64,
    runtime: Runtime,
    /// The hidden states carried to the next window.
    states: Vec<Tensor>,
    /// Where the next window starts.
    start: i64,
    /// AWD-LSTM's regularisers.
    regularisers: LmRegularisers,
    /// The recurrent weights masked for the current step.
    dropped: DroppedWeights,
    /// The lengths of this pass's windows still to come, last first (variable-length windows;
    /// empty: every window is `bptt` long).
    lengths: Vec<i64>,
}

impl<'a> LmTask<'a> {
    /// `net` trained on `splits.train` in windows of `bptt` tokens under `settings` (its
    /// batch is the number of rows) on `runtime`'s device and precision (bf16 or none).
    pub fn new(
        net: &'a SequenceNet,
        splits: &'a TokenSplits,
        bptt: i64,
        settings: &TrainSettings,
        runtime: Runtime,
    ) -> Result<Self, TrialFailure> {
        if runtime.amp == Some(Precision::Fp16) {
            return Err(TchError::Kind(
                "language models train in bf16 or float32: fp16 would need loss scaling"
                    .to_string(),
            )
            .into());
        }
        let rows = batchify(&splits.train, settings.batch)?.f_to_device(runtime.device)?;
        Ok(LmTask {
            net,
            rows,
            splits,
            bptt: bptt.max(1),
            runtime,
            states: Vec::new(),
            start: 0,
            regularisers: settings.lm,
            dropped: DroppedWeights::default(),
            lengths: Vec::new(),
        })
    }

    fn forward(
        &self,
        x: &Tensor,
        states: &[Tensor],
        train: bool,
    ) -> Result<SequencePass, TchError> {
        let noise = PassNoise {
            embedding_dropout: self.regularisers.embedding_dropout,
        };
        in_precision(self.runtime.device, self.runtime.amp, || {
            self.net.pass(x, states, train, noise)
        })
    }

    /// The perplexity's logarithm, the mean loss per token, of the stream `tokens` cut into
    /// [`EVAL_ROWS`] rows, in evaluation mode.
    fn mean_nll(&self, tokens: &Tensor) -> Result<f64, TchError> {
        let _guard = tch::no_grad_guard();
        let rows = batchify(tokens, EVAL_ROWS)?.f_to_device(self.runtime.device)?;
        let mut states = self.net.zero_states(EVAL_ROWS, self.runtime.device);
        let mut nll = RunningMean::default();
        let mut start = 0;
        while start < rows.size()[1] - 1 {
            let (x, y) = window(&rows, start, self.bptt)?;
            let pass = self.forward(&x, &states, false)?;
            nll.add(
                token_nll(&pass.output, &y)?.f_double_value(&[])?,
                y.numel() as f64,
            );
            states = pass.states;
            start += self.bptt;
        }
        Ok(nll.mean())
    }
}

impl Task for LmTask<'_> {
    type Batch = (Tensor, Tensor);

    fn steps_per_epoch(&self) -> usize {
        ((self.rows.size()[1] - 1).max(1) as usize).div_ceil(self.bptt as usize)
    }

    /// Starts a pass; with variable-length windows, draws its lengths from a generator seeded
    /// by the run's seed and the pass's number (a resumed run draws the same).
    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        self.states = self
            .net
            .zero_states(self.rows.size()[0], self.runtime.device);
        self.start = 0;
        self.lengths.clear();
        if self.regularisers.variable_bptt {
            let mut rng = window_rng(seed, epoch);
            let total = (self.rows.size()[1] - 1).max(0);
            self.lengths = window_lengths(&mut rng, self.steps_per_epoch(), total, self.bptt);
            self.lengths.reverse();
        }
    }

    fn next_batch(&mut self) -> Option<Result<(Tensor, Tensor), TrialFailure>> {
        if self.start >= self.rows.size()[1] - 1 {
            return None;
        }
        let len = self.lengths.pop().unwrap_or(self.bptt);
        let batch = window(&self.rows, self.start, len).map_err(TrialFailure::from);
        self.start += len;
        Some(batch)
    }

    /// A window's length over the nominal one, with variable-length windows (AWD-LSTM's
    /// `lr2 * seq_len / bptt`); 1 otherwise.
    fn lr_scale(&self, (x, _): &(Tensor, Tensor)) -> f64 {
        if self.regularisers.variable_bptt {
            x.size().get(1).copied().unwrap_or(self.bptt) as f64 / self.bptt as f64
        } else {
            1.0
        }
    }

    /// The loss per token, and AR and TAR as the step's penalty when they are set (in the
    /// gradient, not in the reported loss: AWD-LSTM's `raw_loss`).
    fn loss(&mut self, (x, y): &(Tensor, Tensor)) -> Result<StepLoss, TrialFailure> {
        // A step that failed before its backward pass left its weights masked.
        self.dropped.restore()?;
        let p = self.regularisers.weight_drop;
        if p > 0.0 {
            self.dropped.drop(self.net.recurrent_weights(), p)?;
        }
        let detached: Vec<Tensor> = self.states.iter().map(Tensor::detach).collect();
        let pass = self.forward(x, &detached, true)?;
        let loss = token_nll(&pass.output, y)?;
        let penalty = penalties(&pass, self.regularisers.ar, self.regularisers.tar)?;
        self.states = pass.states;
        Ok(StepLoss {
            loss,
            weight: y.numel() as f64,
            correct: None,
            penalty,
        })
    }

    fn after_backward(&mut self) -> Result<(), TchError> {
        self.dropped.restore()
    }

    fn measure(&self, split: Split) -> Result<Option<Measure>, TrialFailure> {
        let tokens = match split {
            Split::Train => return Ok(None),
            Split::Valid => &self.splits.valid,
            Split::Test => &self.splits.test,
        };
        Ok(Some(Measure {
            loss: self.mean_nll(tokens)?,
            acc: None,
        }))
    }

    fn rate_per_epoch(&self) -> bool {
        true
    }

    fn default_clip(&self) -> Option<f64> {
        Some(DEFAULT_CLIP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bf16_forward_computes_in_bf16_and_hands_back_float32() {
        let w = Tensor::ones([3, 3], (Kind::Float, Device::Cpu));
        let x = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
        let seen = std::cell::Cell::new(None);
        let forward = || -> Result<SequencePass, TchError> {
            let y = x.f_matmul(&w)?;
            seen.set(Some(y.kind()));
            Ok(SequencePass {
                output: y.shallow_clone(),
                states: vec![y.shallow_clone()],
                last_cell: y.shallow_clone(),
                last_input: y,
            })
        };
        let pass = in_precision(Device::Cpu, Some(Precision::Bf16), forward).unwrap();
        assert_eq!(seen.get(), Some(Kind::BFloat16));
        let kinds = [
            &pass.output,
            &pass.states[0],
            &pass.last_cell,
            &pass.last_input,
        ]
        .map(Tensor::kind);
        assert_eq!(kinds, [Kind::Float; 4]);
        let _ = in_precision(Device::Cpu, None, forward).unwrap();
        assert_eq!(seen.get(), Some(Kind::Float));
        assert!(in_precision(Device::Cpu, Some(Precision::Fp16), forward).is_err());
    }

    #[test]
    fn ar_and_tar_weigh_the_mean_squares_they_name() {
        // One row, three steps, one feature: the last cell's outputs 1, 3, 6, the decoder's
        // input 2, 2, 2.
        let pass = SequencePass {
            output: Tensor::zeros([1, 3, 4], (Kind::Float, Device::Cpu)),
            states: Vec::new(),
            last_cell: Tensor::from_slice(&[1.0f32, 3.0, 6.0]).view([1, 3, 1]),
            last_input: Tensor::from_slice(&[2.0f32, 2.0, 2.0]).view([1, 3, 1]),
        };
        let value = |ar, tar| {
            penalties(&pass, ar, tar)
                .unwrap()
                .map(|t| t.double_value(&[]))
        };
        assert_eq!(value(0.0, 0.0), None);
        // AR: 2 · mean(4, 4, 4) = 8; TAR: 1 · mean(2², 3²) = 6.5.
        assert_eq!(value(2.0, 0.0), Some(8.0));
        assert_eq!(value(0.0, 1.0), Some(6.5));
        assert_eq!(value(2.0, 1.0), Some(14.5));
    }

    #[test]
    fn dropped_weights_compute_masked_and_train_the_raw_weights() {
        let w = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
            .view([2, 4])
            .set_requires_grad(true);
        let c = Tensor::from_slice(&[0.5f32, -1.0, 2.0, 1.0, 3.0, -2.0, 1.5, 0.25]).view([2, 4]);
        let mut dropped = DroppedWeights::default();
        dropped.drop(&[w.shallow_clone()], 0.5).unwrap();
        let masked = w.detach().copy();
        let loss = (&w * &c).sum(Kind::Float);
        loss.backward();
        dropped.restore().unwrap();
        // The weights are back.
        let raw = Tensor::arange_start(1, 9, (Kind::Float, Device::Cpu)).view([2, 4]);
        assert!(w.detach().equal(&raw));
        // The forward pass saw W ⊙ m with m in {0, 2}; the gradient is m ⊙ c.
        let mask = masked / &raw;
        let values: Vec<f64> = Vec::try_from(mask.flatten(0, -1)).unwrap();
        assert!(values.iter().all(|m| *m == 0.0 || *m == 2.0), "{values:?}");
        assert!(w.grad().equal(&(&mask * &c)));
        assert!(
            (loss.double_value(&[]) - (&raw * &mask * &c).sum(Kind::Float).double_value(&[])).abs()
                < 1e-5
        );
        // Restoring again does nothing.
        dropped.restore().unwrap();
        assert!(w.detach().equal(&raw));
    }

    #[test]
    fn variable_windows_are_awd_lstms_lengths_tiling_the_pass() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // A pass of 929,588 tokens in windows of 70: 13,280 windows.
        let total = 929_588;
        let count = (total as usize).div_ceil(70);
        let lengths = window_lengths(&mut rng, count, total, 70);
        assert_eq!(lengths.len(), count);
        assert_eq!(lengths.iter().sum::<i64>(), total);
        assert!(lengths.iter().all(|&l| l >= 1));
        // The rescaling is slight (the draws average about 70 − 1.75 − 0.5, the floor), so the
        // lengths keep AWD-LSTM's shape: about 5% near 35, the rest around 70 with sd 5.
        let short = lengths.iter().filter(|&&l| l < 53).count() as f64 / count as f64;
        assert!((0.04..0.06).contains(&short), "{short}");
        let long: Vec<f64> = lengths
            .iter()
            .filter(|&&l| l >= 53)
            .map(|&l| l as f64)
            .collect();
        let mean = long.iter().sum::<f64>() / long.len() as f64;
        let sd = (long.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / long.len() as f64).sqrt();
        assert!((mean - 71.8).abs() < 1.0, "{mean}");
        assert!((sd - 5.1).abs() < 0.5, "{sd}");
        // The same seed draws the same lengths.
        let again = window_lengths(&mut ChaCha8Rng::seed_from_u64(7), count, total, 70);
        assert_eq!(again, lengths);
        // A stream shorter than its windows' draws still gets one token a window at least.
        let tight = window_lengths(&mut rng, 10, 12, 70);
        assert_eq!(tight.iter().sum::<i64>(), 12);
        assert!(tight.iter().all(|&l| l >= 1));
    }
}
