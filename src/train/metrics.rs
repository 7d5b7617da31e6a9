//! Metrics: losses (with label smoothing), accuracy, perplexity, and running means.

use tch::{Kind, Reduction, TchError, Tensor};

/// Mean cross-entropy of `logits` `[N, K]` against `labels` `[N]`, with label smoothing
/// `smoothing` (0: none).
pub fn cross_entropy(logits: &Tensor, labels: &Tensor, smoothing: f64) -> Result<Tensor, TchError> {
    logits.f_cross_entropy_loss::<Tensor>(labels, None, Reduction::Mean, -100, smoothing)
}

/// How many rows of `logits` have their largest entry at the label.
pub fn correct(logits: &Tensor, labels: &Tensor) -> Result<i64, TchError> {
    logits
        .f_argmax(-1, false)?
        .f_eq_tensor(labels)?
        .f_sum(Kind::Int64)?
        .f_int64_value(&[])
}

/// The perplexity for a mean per-token negative log-likelihood (in nats).
pub fn perplexity(mean_nll: f64) -> f64 {
    mean_nll.exp()
}

/// A weighted running mean (of per-batch losses, weighted by batch size).
#[derive(Debug, Clone, Copy, Default)]
pub struct RunningMean {
    total: f64,
    weight: f64,
}

impl RunningMean {
    /// Adds `value` with `weight`.
    pub fn add(&mut self, value: f64, weight: f64) {
        self.total += value * weight;
        self.weight += weight;
    }

    /// The mean so far (0 before any value).
    pub fn mean(&self) -> f64 {
        if self.weight > 0.0 {
            self.total / self.weight
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_accuracy_and_perplexity() {
        let logits = Tensor::from_slice(&[2.0f32, 0.0, 0.0, 1.0]).view([2, 2]);
        let labels = Tensor::from_slice(&[0i64, 0]);
        assert_eq!(correct(&logits, &labels).unwrap(), 1);
        let plain = cross_entropy(&logits, &labels, 0.0)
            .unwrap()
            .double_value(&[]);
        let expected = ((1.0 + (-2f64).exp()).ln() + (1.0 + 1f64.exp()).ln()) / 2.0;
        assert!((plain - expected).abs() < 1e-5);
        let smooth = cross_entropy(&logits, &labels, 0.2)
            .unwrap()
            .double_value(&[]);
        assert!((smooth - plain).abs() > 1e-3);
        assert!(cross_entropy(&logits, &Tensor::from_slice(&[0i64]), 0.0).is_err());
        assert!((perplexity(10f64.ln()) - 10.0).abs() < 1e-9);
        let mut m = RunningMean::default();
        m.add(1.0, 1.0);
        m.add(4.0, 3.0);
        assert_eq!(m.mean(), 3.25);
    }
}
