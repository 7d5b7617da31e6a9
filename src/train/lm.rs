//! Training a language model (a compiled sequence space's network, see `compile::sequence`),
//! as a [`Task`] of the one driver: truncated back-propagation through time over windows of a
//! token stream cut into rows (hidden states carried between windows, detached, and zeroed at
//! each pass), the loss per token, perplexity, and the forward pass under mixed precision.

use super::amp::{autocast, Precision};
use super::device::Runtime;
use super::metrics::RunningMean;
use super::ptb::{batchify, window};
use super::settings::TrainSettings;
use super::trainer::{Measure, Split, StepLoss, Task, TrialFailure};
use crate::compile::sequence::SequenceNet;
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

/// What a language model's forward pass gives: logits and the next hidden states.
pub type LmOutput = Result<(Tensor, Vec<Tensor>), TchError>;

/// `forward` run under autocast in `precision` on `device` when one is given, its logits and
/// states handed back in float32 (the loss and the carried states stay full precision).
/// bfloat16 only: float16 would need loss scaling, which language models do not do.
pub fn in_precision(
    device: Device,
    precision: Option<Precision>,
    forward: impl FnOnce() -> LmOutput,
) -> LmOutput {
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
    let (logits, states) = autocast(device, p, forward)??;
    let states = states.into_iter().map(float).collect::<Result<_, _>>()?;
    Ok((float(logits)?, states))
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
        })
    }

    fn forward(&self, x: &Tensor, states: &[Tensor], train: bool) -> LmOutput {
        in_precision(self.runtime.device, self.runtime.amp, || {
            self.net.forward_states(x, states, train)
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
            let (logits, next) = self.forward(&x, &states, false)?;
            nll.add(
                token_nll(&logits, &y)?.f_double_value(&[])?,
                y.numel() as f64,
            );
            states = next;
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

    fn start_epoch(&mut self, _epoch: usize, _seed: u64) {
        self.states = self
            .net
            .zero_states(self.rows.size()[0], self.runtime.device);
        self.start = 0;
    }

    fn next_batch(&mut self) -> Option<Result<(Tensor, Tensor), TrialFailure>> {
        if self.start >= self.rows.size()[1] - 1 {
            return None;
        }
        let batch = window(&self.rows, self.start, self.bptt).map_err(TrialFailure::from);
        self.start += self.bptt;
        Some(batch)
    }

    fn loss(&mut self, (x, y): &(Tensor, Tensor)) -> Result<StepLoss, TrialFailure> {
        let detached: Vec<Tensor> = self.states.iter().map(Tensor::detach).collect();
        let (logits, next) = self.forward(x, &detached, true)?;
        self.states = next;
        Ok(StepLoss {
            loss: token_nll(&logits, y)?,
            weight: y.numel() as f64,
            correct: None,
        })
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
        let forward = || -> LmOutput {
            let y = x.f_matmul(&w)?;
            seen.set(Some(y.kind()));
            Ok((y.shallow_clone(), vec![y]))
        };
        let (logits, states) = in_precision(Device::Cpu, Some(Precision::Bf16), forward).unwrap();
        assert_eq!(seen.get(), Some(Kind::BFloat16));
        assert_eq!(
            (logits.kind(), states[0].kind()),
            (Kind::Float, Kind::Float)
        );
        let _ = in_precision(Device::Cpu, None, forward).unwrap();
        assert_eq!(seen.get(), Some(Kind::Float));
        assert!(in_precision(Device::Cpu, Some(Precision::Fp16), forward).is_err());
    }
}
