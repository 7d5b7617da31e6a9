//! Training and measuring language models (a compiled sequence space's network, see
//! `compile::sequence`): truncated back-propagation through time over windows of a token stream
//! (hidden states carried between windows, detached), perplexity, and the forward pass under
//! mixed precision. A model is given as its `forward` (tokens, states, training) → (logits,
//! next states).

use super::amp::{autocast, Precision};
use super::metrics::{perplexity, RunningMean};
use super::ptb::window;
use tch::nn;
use tch::{Device, Kind, Reduction, TchError, Tensor};

/// Mean negative log-likelihood per token of `targets` `[B, L]` under `logits` `[B, L, V]`.
pub fn token_nll(logits: &Tensor, targets: &Tensor) -> Result<Tensor, TchError> {
    let vocab = logits.size().last().copied().unwrap_or(1);
    logits
        .f_reshape([-1, vocab])?
        .f_cross_entropy_loss::<Tensor>(&targets.f_reshape([-1])?, None, Reduction::Mean, -100, 0.0)
}

/// A language model's `forward` (see [`train_pass`]) run under autocast in `precision` on
/// `device` when one is given, its logits and states returned in float32 (the loss and the
/// carried states stay full precision). bfloat16 only: float16 would need loss scaling, which
/// the language-model passes do not do.
pub fn in_precision<F>(
    forward: F,
    device: Device,
    precision: Option<Precision>,
) -> Result<impl Fn(&Tensor, &[Tensor], bool) -> LmOutput + Copy, TchError>
where
    F: Fn(&Tensor, &[Tensor], bool) -> LmOutput + Copy,
{
    if precision == Some(Precision::Fp16) {
        return Err(TchError::Kind(
            "language models train in bf16 or float32: fp16 would need loss scaling".to_string(),
        ));
    }
    let float = |t: Tensor| match t.kind() {
        Kind::BFloat16 | Kind::Half => t.f_to_kind(Kind::Float),
        _ => Ok(t),
    };
    Ok(
        move |x: &Tensor, s: &[Tensor], train: bool| match precision {
            None => forward(x, s, train),
            Some(p) => {
                let (logits, states) = autocast(device, p, || forward(x, s, train))??;
                let states = states.into_iter().map(float).collect::<Result<_, _>>()?;
                Ok((float(logits)?, states))
            }
        },
    )
}

/// What a language model's forward pass gives: logits and the next hidden states.
pub type LmOutput = Result<(Tensor, Vec<Tensor>), TchError>;

/// One pass of truncated BPTT over `rows` (`[B, T]`) in windows of `bptt` (`window.0`), the
/// gradient norm clipped to `window.1`, at most `max_windows` windows, for any language model
/// given as its `forward` (tokens, hidden states, training) → (logits, next states) and its
/// first `states`; the states are carried between windows, detached. Returns the training
/// perplexity.
pub fn train_pass(
    forward: impl Fn(&Tensor, &[Tensor], bool) -> Result<(Tensor, Vec<Tensor>), TchError>,
    mut states: Vec<Tensor>,
    opt: &mut nn::Optimizer,
    rows: &Tensor,
    (bptt, clip): (i64, f64),
    max_windows: Option<usize>,
) -> Result<f64, TchError> {
    let mut nll = RunningMean::default();
    let mut start = 0;
    let mut windows = 0;
    while start < rows.size()[1] - 1 && max_windows.is_none_or(|m| windows < m) {
        let (x, y) = window(rows, start, bptt)?;
        let detached: Vec<Tensor> = states.iter().map(Tensor::detach).collect();
        let (logits, next) = forward(&x, &detached, true)?;
        let loss = token_nll(&logits, &y)?;
        let value = loss.f_double_value(&[])?;
        if !value.is_finite() {
            return Err(TchError::Kind(format!("the loss became {value}")));
        }
        opt.zero_grad();
        loss.f_backward()?;
        opt.clip_grad_norm(clip);
        opt.step();
        nll.add(value, y.numel() as f64);
        states = next;
        start += bptt;
        windows += 1;
    }
    Ok(perplexity(nll.mean()))
}

/// The perplexity of `rows` (`[B, T]`) in evaluation mode under a language model given as its
/// `forward` and first `states` (see [`train_pass`]).
pub fn perplexity_of(
    forward: impl Fn(&Tensor, &[Tensor], bool) -> Result<(Tensor, Vec<Tensor>), TchError>,
    mut states: Vec<Tensor>,
    rows: &Tensor,
    bptt: i64,
) -> Result<f64, TchError> {
    let _guard = tch::no_grad_guard();
    let mut nll = RunningMean::default();
    let mut start = 0;
    while start < rows.size()[1] - 1 {
        let (x, y) = window(rows, start, bptt)?;
        let (logits, next) = forward(&x, &states, false)?;
        nll.add(
            token_nll(&logits, &y)?.f_double_value(&[])?,
            y.numel() as f64,
        );
        states = next;
        start += bptt;
    }
    Ok(perplexity(nll.mean()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bf16_forward_computes_in_bf16_and_hands_back_float32() {
        let w = Tensor::ones([3, 3], (Kind::Float, Device::Cpu));
        let seen = std::cell::Cell::new(None);
        let forward = |x: &Tensor, _s: &[Tensor], _train: bool| -> LmOutput {
            let y = x.f_matmul(&w)?;
            seen.set(Some(y.kind()));
            Ok((y.shallow_clone(), vec![y]))
        };
        let x = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
        let mixed = in_precision(&forward, Device::Cpu, Some(Precision::Bf16)).unwrap();
        let (logits, states) = mixed(&x, &[], true).unwrap();
        assert_eq!(seen.get(), Some(Kind::BFloat16));
        assert_eq!(
            (logits.kind(), states[0].kind()),
            (Kind::Float, Kind::Float)
        );
        let plain = in_precision(&forward, Device::Cpu, None).unwrap();
        let _ = plain(&x, &[], true).unwrap();
        assert_eq!(seen.get(), Some(Kind::Float));
        assert!(in_precision(&forward, Device::Cpu, Some(Precision::Fp16)).is_err());
    }
}
