//! How a forward pass through the supernet weighs the candidate ops of each edge, computed
//! once per pass from α and shared by every cell (all cells share one genotype):
//!
//! - DARTS: the softmax of α's row weighs every op;
//! - GDAS: a Gumbel-softmax sample with temperature τ picks one op per edge; the forward pass
//!   runs only that op, scaled by its hard weight `1 − p.detach() + p` (value 1), so the
//!   gradient reaches α through the relaxed probabilities (straight-through);
//! - SNAS: a relaxed Gumbel-softmax sample with temperature τ weighs every op by its soft
//!   one-hot weight `softmax((α + g)/τ)` (no straight-through: the forward pass is the
//!   relaxed mixture itself, differentiable in α);
//! - a single path: one op per edge with weight 1 and no α.
//!
//! `none` contributes exactly zero (and a zero gradient), so it is never computed.

use super::path::{CellPath, EDGES, OPS};
use tch::{Kind, TchError, Tensor};

/// One computed term of an edge: the op's index in `Nb201Op::ALL` and its weight (a scalar
/// tensor in α's graph; `None` is a weight of exactly 1 with no gradient).
#[derive(Debug)]
pub struct EdgeTerm {
    /// Index of the op.
    pub op: usize,
    /// Its weight.
    pub weight: Option<Tensor>,
}

/// The terms of each edge, in the cell's edge order.
pub type CellMix = Vec<Vec<EdgeTerm>>;

/// The DARTS mixture: every op but `none`, weighted by `softmax(α)` along each row.
pub fn darts_mix(alpha: &Tensor) -> Result<CellMix, TchError> {
    let live: Vec<Vec<usize>> = (0..EDGES.len()).map(|_| (1..OPS).collect()).collect();
    softmax_mix(alpha, None, &live)
}

/// The softmax mixture of any supernet: row `r` of `softmax(α + mask)` weighs the ops
/// `live[r]` (the others, `none` and padding, are never computed). `mask` holds 0 where a
/// row has an op and −∞ past its last one, for rows of unequal length.
pub fn softmax_mix(
    alpha: &Tensor,
    mask: Option<&Tensor>,
    live: &[Vec<usize>],
) -> Result<CellMix, TchError> {
    let logits = match mask {
        Some(m) => alpha.f_add(m)?,
        None => alpha.shallow_clone(),
    };
    let weights = logits.f_softmax(-1, alpha.kind())?;
    live.iter()
        .enumerate()
        .map(|(e, ops)| {
            let row = weights.f_get(e as i64)?;
            ops.iter()
                .map(|&k| {
                    Ok(EdgeTerm {
                        op: k,
                        weight: Some(row.f_get(k as i64)?),
                    })
                })
                .collect()
        })
        .collect()
}

/// The relaxed Gumbel-softmax sample `softmax((α + g)/τ)` along each row, with Gumbel noise
/// `g` drawn from libtorch's generator (shared by GDAS and SNAS).
fn relaxed_sample(alpha: &Tensor, tau: f64) -> Result<Tensor, TchError> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(TchError::Kind(format!(
            "the Gumbel-softmax temperature must be positive, got {tau}"
        )));
    }
    let uniform = alpha
        .f_rand_like()?
        .f_clamp(1e-20, 1.0 - 1e-7)?
        .f_detach()?;
    let gumbel = uniform.f_log()?.f_neg()?.f_log()?.f_neg()?;
    alpha
        .f_add(&gumbel)?
        .f_div_scalar(tau)?
        .f_softmax(-1, alpha.kind())
}

/// A GDAS sample at temperature `tau`: per edge, `p = softmax((α + g)/τ)` with Gumbel noise
/// `g` from libtorch's generator, the op `argmax p`, weighted by `1 − p.detach() + p` at
/// that op. Returns the mixture and the ops picked.
pub fn gdas_mix(alpha: &Tensor, tau: f64) -> Result<(CellMix, [usize; 6]), TchError> {
    let probs = relaxed_sample(alpha, tau)?;
    let picked = probs.f_argmax(-1, false)?;
    let hard = probs
        .f_detach()?
        .f_neg()?
        .f_add_scalar(1.0)?
        .f_add(&probs)?;
    let mut ops = [0usize; 6];
    let mut mix = Vec::with_capacity(EDGES.len());
    for (e, slot) in ops.iter_mut().enumerate() {
        let k = picked.f_int64_value(&[e as i64])?;
        *slot = k as usize;
        let terms = if k == 0 {
            Vec::new()
        } else {
            vec![EdgeTerm {
                op: k as usize,
                weight: Some(hard.f_get(e as i64)?.f_get(k)?),
            }]
        };
        mix.push(terms);
    }
    Ok((mix, ops))
}

/// An SNAS sample at temperature `tau` (Xie et al., 2019): every op but `none` weighted by
/// its entry of the relaxed one-hot `softmax((α + g)/τ)` (Gumbel noise `g` from libtorch's
/// generator), so the loss is differentiable in α through the sample itself. `none`'s weight
/// takes its share of the sum but multiplies zero, so it is not computed.
pub fn snas_mix(alpha: &Tensor, tau: f64) -> Result<CellMix, TchError> {
    let weights = relaxed_sample(alpha, tau)?;
    (0..EDGES.len() as i64)
        .map(|e| {
            (1..OPS as i64)
                .map(|k| {
                    Ok(EdgeTerm {
                        op: k as usize,
                        weight: Some(weights.f_get(e)?.f_get(k)?),
                    })
                })
                .collect()
        })
        .collect()
}

/// A single path: each edge's op with weight 1 (none for `none`).
pub fn path_mix(path: &CellPath) -> CellMix {
    path.indices()
        .iter()
        .map(|&k| {
            if k == 0 {
                Vec::new()
            } else {
                vec![EdgeTerm {
                    op: k,
                    weight: None,
                }]
            }
        })
        .collect()
}

/// `softmax(α)` along each row, as plain numbers (rows in edge order).
pub fn probabilities(alpha: &Tensor) -> Result<Vec<Vec<f64>>, TchError> {
    row_probabilities(alpha, None)
}

/// `softmax(α + mask)` along each row of a 2-D α, as plain numbers, one row per row of α.
pub fn row_probabilities(alpha: &Tensor, mask: Option<&Tensor>) -> Result<Vec<Vec<f64>>, TchError> {
    let a = alpha.f_detach()?;
    let a = match mask {
        Some(m) => a.f_add(m)?,
        None => a,
    };
    let p = a
        .f_softmax(-1, Kind::Double)?
        .f_to_device(tch::Device::Cpu)?;
    let width = (*alpha.size().last().unwrap_or(&1)).max(1) as usize;
    let flat = Vec::<f64>::try_from(p.f_flatten(0, -1)?)?;
    Ok(flat.chunks(width).map(<[f64]>::to_vec).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn darts_weights_are_the_softmax_without_none() {
        let alpha = Tensor::from_slice(&[0.0f64, 1.0, 2.0, 3.0, 4.0])
            .repeat([6, 1])
            .set_requires_grad(true);
        let mix = darts_mix(&alpha).unwrap();
        assert_eq!(mix.len(), 6);
        assert_eq!(
            mix[0].iter().map(|t| t.op).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let total: f64 = (0..5).map(|k| (k as f64).exp()).sum();
        let w = mix[5][3].weight.as_ref().unwrap().double_value(&[]);
        assert!((w - 4f64.exp() / total).abs() < 1e-12);
        let p = probabilities(&alpha).unwrap();
        assert!((p[2][0] - 1.0 / total).abs() < 1e-12);
    }

    #[test]
    fn gdas_picks_one_op_whose_weight_is_one_and_passes_gradients_to_alpha() {
        tch::manual_seed(3);
        let alpha =
            (Tensor::randn([6, 5], (Kind::Double, Device::Cpu)) * 3.0).set_requires_grad(true);
        let (mix, ops) = gdas_mix(&alpha, 0.5).unwrap();
        let mut total = Tensor::zeros([], (Kind::Double, Device::Cpu));
        for (terms, &k) in mix.iter().zip(&ops) {
            assert_eq!(terms.len(), usize::from(k != 0));
            for t in terms {
                assert_eq!(t.op, k);
                let w = t.weight.as_ref().unwrap();
                assert!((w.double_value(&[]) - 1.0).abs() < 1e-12);
                total += w;
            }
        }
        if ops.iter().any(|&k| k != 0) {
            let g = Tensor::run_backward(&[total], &[&alpha], false, false);
            assert!(g[0].abs().sum(Kind::Double).double_value(&[]) > 0.0);
        }
        assert!(gdas_mix(&alpha, 0.0).is_err());
        // A low temperature and one dominant op: the sample is that op.
        let peaked = Tensor::from_slice(&[0.0f64, 0.0, 0.0, 50.0, 0.0]).repeat([6, 1]);
        assert_eq!(gdas_mix(&peaked, 0.1).unwrap().1, [3; 6]);
    }

    #[test]
    fn snas_weighs_every_op_softly_and_sharpens_as_the_temperature_falls() {
        tch::manual_seed(4);
        let alpha = Tensor::from_slice(&[0.0f64, 0.5, 1.0, 2.0, 0.0])
            .repeat([6, 1])
            .set_requires_grad(true);
        let mix = snas_mix(&alpha, 1.0).unwrap();
        let mut total = Tensor::zeros([], (Kind::Double, Device::Cpu));
        for terms in &mix {
            assert_eq!(terms.iter().map(|t| t.op).collect::<Vec<_>>(), [1, 2, 3, 4]);
            let ws: Vec<f64> = terms
                .iter()
                .map(|t| t.weight.as_ref().unwrap().double_value(&[]))
                .collect();
            // Soft: every weight strictly between 0 and 1, and (with none's share) at most 1.
            assert!(ws.iter().all(|&w| w > 0.0 && w < 1.0), "{ws:?}");
            assert!(ws.iter().sum::<f64>() < 1.0 + 1e-12);
            for (t, k) in terms.iter().zip(1..) {
                total += t.weight.as_ref().unwrap() * f64::from(k);
            }
        }
        // No straight-through: the gradient is the relaxed sample's own, non-zero.
        let g = Tensor::run_backward(&[total], &[&alpha], false, false);
        assert!(g[0].abs().sum(Kind::Double).double_value(&[]) > 0.0);
        // At a low temperature the sample is nearly one-hot on every edge.
        let cold = snas_mix(&alpha, 0.01).unwrap();
        for terms in &cold {
            let top = terms
                .iter()
                .map(|t| t.weight.as_ref().unwrap().double_value(&[]))
                .fold(0.0, f64::max);
            let sum: f64 = terms
                .iter()
                .map(|t| t.weight.as_ref().unwrap().double_value(&[]))
                .sum();
            assert!(top > 0.99 || sum < 0.01, "{top} {sum}");
        }
        assert!(snas_mix(&alpha, -1.0).is_err());
    }

    #[test]
    fn a_path_has_one_unweighted_term_per_live_edge() {
        let path = CellPath::from_indices([0, 1, 2, 3, 4, 1]).unwrap();
        let mix = path_mix(&path);
        assert!(mix[0].is_empty());
        assert_eq!(mix[3][0].op, 3);
        assert!(mix[3][0].weight.is_none());
    }
}
