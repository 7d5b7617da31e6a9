//! FBNet's latency-aware loss (Wu et al., 2019): the architecture step minimises
//! `CE(a, w_a) · α · log(LAT(a))^β`, where `LAT(a) = Σ_l Σ_i m_l,i · LAT(b_l,i)` is the
//! latency of the sampled architecture: each row's Gumbel-softmax weights `m` times its ops'
//! latencies from the per-op table measured on the current device ([`super::latency`], the
//! table ProxylessNAS reads), so the loss is differentiable in α through the sample.

use super::darts::{gradients, loss as ce_loss, zeros_where_undefined, Batch};
use super::mix::CellMix;
use super::supernet::Supernet;
use serde::{Deserialize, Serialize};
use tch::{TchError, Tensor};

/// The settings of FBNet's loss term.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencyLoss {
    /// The paper's α: the term's scale (0.2 in the paper).
    pub alpha: f64,
    /// The paper's β: the exponent of `log(LAT)` (0.6 in the paper).
    pub beta: f64,
    /// The unit LAT is counted in, in milliseconds (the paper's: 1 ms). `log(LAT)` must be
    /// positive, so a network faster than one unit needs a smaller one.
    pub unit_ms: f64,
}

impl LatencyLoss {
    /// The settings when usable: α and β at least 0, the unit above 0, all finite.
    pub fn checked(self) -> Result<LatencyLoss, String> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if ok(self.alpha) && ok(self.beta) && ok(self.unit_ms) && self.unit_ms > 0.0 {
            Ok(self)
        } else {
            Err(format!(
                "FBNet's loss needs α ({}) and β ({}) at least 0 and a unit ({} ms) above 0",
                self.alpha, self.beta, self.unit_ms
            ))
        }
    }
}

/// `LAT` of the architecture `mix` weighs: `Σ_r Σ_terms weight · costs[r][op]` in
/// milliseconds, in the mixture's graph (a term of weight `None` counts its op's whole
/// latency; zero ops, never in a mixture, cost nothing), as a scalar of `like`'s kind and
/// device.
pub fn mix_latency(mix: &CellMix, costs: &[Vec<f64>], like: &Tensor) -> Result<Tensor, TchError> {
    if mix.len() != costs.len() {
        return Err(TchError::Kind(format!(
            "the mixture has {} rows, the latency table {}",
            mix.len(),
            costs.len()
        )));
    }
    let mut lat = Tensor::f_zeros([], (like.kind(), like.device()))?;
    for (terms, row) in mix.iter().zip(costs) {
        for term in terms {
            let cost = row.get(term.op).copied().ok_or_else(|| {
                TchError::Kind(format!("the latency table has no op {}", term.op))
            })?;
            lat = match &term.weight {
                Some(w) => lat.f_add(&w.f_mul_scalar(cost)?)?,
                None => lat.f_add_scalar(cost)?,
            };
        }
    }
    Ok(lat)
}

/// `ce · α · log(lat / unit)^β`; an error when `lat` is not above one unit (its log would not
/// be positive, and its β-th power undefined).
pub fn fbnet_loss(ce: &Tensor, lat: &Tensor, loss: LatencyLoss) -> Result<Tensor, TchError> {
    let ms = lat.f_double_value(&[])?;
    if ms.is_nan() || ms <= loss.unit_ms {
        return Err(TchError::Kind(format!(
            "FBNet's loss takes log(LAT)^β, but the sampled network's latency ({ms:.6} ms) is not above the unit ({} ms); give a smaller `unit_ms`",
            loss.unit_ms
        )));
    }
    lat.f_div_scalar(loss.unit_ms)?
        .f_log()?
        .f_pow_tensor_scalar(loss.beta)?
        .f_mul_scalar(loss.alpha)?
        .f_mul(ce)
}

/// The architecture gradients of FBNet's loss on `valid` under `mix` (a sample of α with its
/// graph), the ops' latencies `costs` (per row, each op's milliseconds summed over where the
/// row runs): returns the cross-entropy, the sample's LAT in milliseconds and the gradients.
pub fn arch_gradients(
    net: &Supernet,
    valid: &Batch,
    mix: &CellMix,
    costs: &[Vec<f64>],
    loss: LatencyLoss,
) -> Result<(f64, f64, Vec<Tensor>), TchError> {
    let ce = ce_loss(net, valid, mix)?;
    let lat = mix_latency(mix, costs, net.alpha())?;
    let total = fbnet_loss(&ce, &lat, loss)?;
    let params = net.arch_parameters();
    let grads = zeros_where_undefined(gradients(&total, &params, false)?, &params)?;
    Ok((ce.f_double_value(&[])?, lat.f_double_value(&[])?, grads))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oneshot::mix::softmax_mix;

    #[test]
    fn the_loss_is_ce_times_alpha_times_log_latency_to_the_beta() {
        let alpha = Tensor::from_slice(&[0.0f64, 0.0]).view([1, 2]);
        let mix = softmax_mix(&alpha, None, &[vec![0, 1]]).unwrap();
        let lat = mix_latency(&mix, &[vec![10.0, 30.0]], &alpha).unwrap();
        assert!((lat.double_value(&[]) - 20.0).abs() < 1e-12);
        let ce = Tensor::from(2.0f64);
        let loss = LatencyLoss {
            alpha: 0.2,
            beta: 0.6,
            unit_ms: 1.0,
        };
        let l = fbnet_loss(&ce, &lat, loss).unwrap().double_value(&[]);
        assert!((l - 2.0 * 0.2 * 20f64.ln().powf(0.6)).abs() < 1e-12);
        // Below one unit the log is not positive: an error naming the unit.
        let tiny = Tensor::from(0.5f64);
        let err = fbnet_loss(&ce, &tiny, loss).unwrap_err().to_string();
        assert!(err.contains("unit_ms"), "{err}");
        let in_us = LatencyLoss {
            unit_ms: 0.001,
            ..loss
        };
        assert!(fbnet_loss(&ce, &tiny, in_us).is_ok());
        assert!(LatencyLoss { beta: -1.0, ..loss }.checked().is_err());
    }
}
