//! How a forward pass through the supernet weighs the candidate ops of each row of α,
//! computed once per pass from α and shared by every place the row is used:
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
//! The samplers work on α's rows ([`softmax_mix`], [`gdas_rows`], [`snas_rows`]): rows of
//! unequal length are padded with a −∞ mask, and each row's live ops (those not zero: `none`,
//! an `any of` member's `off`) are the ones computed.
//!
//! `none` contributes exactly zero (and a zero gradient), so it is never computed.

use tch::{Kind, TchError, Tensor};

/// One computed term of a row: the op's column and its weight (a scalar
/// tensor in α's graph; `None` is a weight of exactly 1 with no gradient).
#[derive(Debug)]
pub struct EdgeTerm {
    /// Index of the op.
    pub op: usize,
    /// Its weight.
    pub weight: Option<Tensor>,
}

/// The terms of each row of α, in α's row order.
pub type CellMix = Vec<Vec<EdgeTerm>>;

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
    weights_mix(&logits.f_softmax(-1, alpha.kind())?, live)
}

/// The mixture whose row `r` weighs its ops `live[r]` by the entries of row `r` of
/// `weights` (a `[rows, width]` tensor: a softmax, a relaxed sample, a perturbed or sampled
/// point of each row's simplex), in `weights`' graph.
pub fn weights_mix(weights: &Tensor, live: &[Vec<usize>]) -> Result<CellMix, TchError> {
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

/// The relaxed Gumbel-softmax sample `softmax((α + mask + g)/τ)` along each row, with Gumbel
/// noise `g` drawn from libtorch's generator (one draw of α's shape, shared by GDAS and
/// SNAS). `mask` (0 or −∞ per entry) gives padding past a row's last op weight exactly 0.
fn relaxed_sample(alpha: &Tensor, mask: Option<&Tensor>, tau: f64) -> Result<Tensor, TchError> {
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
    let logits = match mask {
        Some(m) => alpha.f_add(m)?,
        None => alpha.shallow_clone(),
    };
    logits
        .f_add(&gumbel)?
        .f_div_scalar(tau)?
        .f_softmax(-1, alpha.kind())
}

/// A GDAS sample of any supernet's rows at temperature `tau`: per row, `p = softmax((α +
/// mask + g)/τ)` with Gumbel noise `g` from libtorch's generator, the op `argmax p` (never
/// padding: its `p` is 0), weighted by `1 − p.detach() + p` at that op (value 1, gradient
/// to α). A picked op outside `live[r]` (a zero op: `none`, an `any of` member's `off`)
/// computes nothing: the row has no term. Returns the mixture and each row's pick.
pub fn gdas_rows(
    alpha: &Tensor,
    mask: Option<&Tensor>,
    live: &[Vec<usize>],
    tau: f64,
) -> Result<(CellMix, Vec<usize>), TchError> {
    let probs = relaxed_sample(alpha, mask, tau)?;
    let picked = Vec::<i64>::try_from(
        probs
            .f_argmax(-1, false)?
            .f_to_device(tch::Device::Cpu)?
            .f_flatten(0, -1)?,
    )?;
    if picked.len() != live.len() {
        return Err(TchError::Kind(format!(
            "α has {} rows, the supernet {}",
            picked.len(),
            live.len()
        )));
    }
    let hard = probs
        .f_detach()?
        .f_neg()?
        .f_add_scalar(1.0)?
        .f_add(&probs)?;
    let mut ops = Vec::with_capacity(live.len());
    let mut mix = Vec::with_capacity(live.len());
    for (r, (&k, row_live)) in picked.iter().zip(live).enumerate() {
        ops.push(k as usize);
        mix.push(if row_live.contains(&(k as usize)) {
            vec![EdgeTerm {
                op: k as usize,
                weight: Some(hard.f_get(r as i64)?.f_get(k)?),
            }]
        } else {
            Vec::new()
        });
    }
    Ok((mix, ops))
}

/// An SNAS sample of any supernet's rows at temperature `tau` (Xie et al., 2019): row `r`'s
/// ops `live[r]` weighted by their entries of the relaxed one-hot `softmax((α + mask +
/// g)/τ)` (Gumbel noise `g` from libtorch's generator), so the loss is differentiable in α
/// through the sample itself. Zero ops take their share of the sum but multiply zero, so
/// they are not computed; padding weighs exactly 0.
pub fn snas_rows(
    alpha: &Tensor,
    mask: Option<&Tensor>,
    live: &[Vec<usize>],
    tau: f64,
) -> Result<CellMix, TchError> {
    weights_mix(&relaxed_sample(alpha, mask, tau)?, live)
}

/// `softmax(α + mask)` along each row of a 2-D α, as plain numbers, one row per row of α.
pub fn row_probabilities(alpha: &Tensor, mask: Option<&Tensor>) -> Result<Vec<Vec<f64>>, TchError> {
    let a = alpha.f_detach()?;
    let a = match mask {
        Some(m) => a.f_add(m)?,
        None => a,
    };
    tensor_rows(&a.f_softmax(-1, Kind::Double)?)
}

/// The rows of a 2-D tensor as plain numbers.
pub fn tensor_rows(t: &Tensor) -> Result<Vec<Vec<f64>>, TchError> {
    let t = t
        .f_detach()?
        .f_to_kind(Kind::Double)?
        .f_to_device(tch::Device::Cpu)?;
    let width = (*t.size().last().unwrap_or(&1)).max(1) as usize;
    let flat = Vec::<f64>::try_from(t.f_flatten(0, -1)?)?;
    Ok(flat.chunks(width).map(<[f64]>::to_vec).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    /// NAS-Bench-201's rows: 6 edges of 5 ops, `none` (column 0) never computed.
    fn nb201_live() -> Vec<Vec<usize>> {
        (0..6).map(|_| (1..5).collect()).collect()
    }

    fn darts_mix(alpha: &Tensor) -> Result<CellMix, TchError> {
        softmax_mix(alpha, None, &nb201_live())
    }

    fn gdas_mix(alpha: &Tensor, tau: f64) -> Result<(CellMix, Vec<usize>), TchError> {
        gdas_rows(alpha, None, &nb201_live(), tau)
    }

    fn snas_mix(alpha: &Tensor, tau: f64) -> Result<CellMix, TchError> {
        snas_rows(alpha, None, &nb201_live(), tau)
    }

    #[test]
    fn darts_weights_are_the_softmax_without_none() {
        let _generator = crate::test_generator();
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
        let p = row_probabilities(&alpha, None).unwrap();
        assert!((p[2][0] - 1.0 / total).abs() < 1e-12);
    }

    #[test]
    fn gdas_picks_one_op_whose_weight_is_one_and_passes_gradients_to_alpha() {
        let _generator = crate::test_generator();
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
        let _generator = crate::test_generator();
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

    /// Rows of unequal length (3 × 4 α, −∞ past each row's end): an `any of` member's
    /// off/on row, a row with a zero op first, a full row. Padding holds large α so that an
    /// unmasked sampler would pick it.
    fn ragged() -> (Tensor, Tensor, Vec<Vec<usize>>, [usize; 3]) {
        let lens = [2usize, 3, 4];
        let mut mask = Vec::new();
        let mut alpha = Vec::new();
        for &n in &lens {
            for k in 0..4 {
                mask.push(if k < n { 0.0 } else { f64::NEG_INFINITY });
                alpha.push(if k < n { 0.1 * k as f64 } else { 100.0 });
            }
        }
        let alpha = Tensor::from_slice(&alpha)
            .view([3, 4])
            .set_requires_grad(true);
        let mask = Tensor::from_slice(&mask).view([3, 4]);
        let live = vec![vec![1], vec![1, 2], vec![0, 1, 2, 3]];
        (alpha, mask, live, lens)
    }

    #[test]
    fn gdas_rows_never_pick_padding_weigh_one_and_pass_gradients_to_alpha() {
        let _generator = crate::test_generator();
        tch::manual_seed(11);
        let (alpha, mask, live, lens) = ragged();
        let mut seen = [[false; 4]; 3];
        for _ in 0..200 {
            let (mix, picks) = gdas_rows(&alpha, Some(&mask), &live, 1.0).unwrap();
            let mut total = Tensor::zeros([], (Kind::Double, Device::Cpu));
            for r in 0..3 {
                assert!(picks[r] < lens[r], "row {r} picked padding {}", picks[r]);
                seen[r][picks[r]] = true;
                // A zero op (off, none) computes nothing; a live one is the only term.
                assert_eq!(mix[r].len(), usize::from(live[r].contains(&picks[r])));
                for t in &mix[r] {
                    assert_eq!(t.op, picks[r]);
                    let w = t.weight.as_ref().unwrap();
                    assert!((w.double_value(&[]) - 1.0).abs() < 1e-12);
                    total += w * (r + 1) as f64;
                }
            }
            if mix.iter().any(|t| !t.is_empty()) {
                let g = Tensor::run_backward(&[total], &[&alpha], false, false);
                let g = Vec::<f64>::try_from(g[0].flatten(0, -1)).unwrap();
                assert!(g.iter().any(|&x| x != 0.0), "no gradient reached α");
                for (r, &n) in lens.iter().enumerate() {
                    assert!(g[r * 4 + n..r * 4 + 4].iter().all(|&x| x == 0.0));
                }
            }
        }
        // Every real op of every row is drawn at some point (τ 1, nearly equal α).
        for (r, &n) in lens.iter().enumerate() {
            assert!(seen[r][..n].iter().all(|&s| s), "row {r}: {:?}", seen[r]);
        }
        assert!(gdas_rows(&alpha, Some(&mask), &live[..2], 1.0).is_err());
    }

    #[test]
    fn snas_rows_weigh_live_ops_summing_to_one_padding_zero() {
        let _generator = crate::test_generator();
        tch::manual_seed(12);
        let (alpha, mask, live, lens) = ragged();
        let mix = snas_rows(&alpha, Some(&mask), &live, 0.7).unwrap();
        let sums: Vec<f64> = mix
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| t.weight.as_ref().unwrap().double_value(&[]))
                    .sum()
            })
            .collect();
        // The full row has no zero op: its live weights are the whole sample, summing to 1.
        assert!((sums[2] - 1.0).abs() < 1e-9, "{sums:?}");
        // Rows with a zero op leave it its share (below 1), padding none of it.
        assert!(sums[0] > 0.0 && sums[0] < 1.0 && sums[1] > 0.0 && sums[1] < 1.0);
        for (r, terms) in mix.iter().enumerate() {
            assert_eq!(terms.iter().map(|t| t.op).collect::<Vec<_>>(), live[r]);
            assert!(terms.iter().all(|t| t.op < lens[r]));
        }
        let total = mix.iter().flatten().enumerate().fold(
            Tensor::zeros([], (Kind::Double, Device::Cpu)),
            |acc, (i, t)| acc + t.weight.as_ref().unwrap() * (i + 1) as f64,
        );
        let g = Tensor::run_backward(&[total], &[&alpha], false, false);
        assert!(g[0].abs().sum(Kind::Double).double_value(&[]) > 0.0);
    }

    #[test]
    fn nb201_gdas_draws_one_uniform_tensor_of_alphas_shape_first() {
        let _generator = crate::test_generator();
        // The seeded order NB201's results rest on: the sample is argmax((α + g)/τ) with g
        // from one rand_like(α) drawn before anything else.
        let alpha = Tensor::randn([6, 5], (Kind::Double, Device::Cpu));
        tch::manual_seed(21);
        let u = alpha.rand_like().clamp(1e-20, 1.0 - 1e-7);
        let g = -(-u.log()).log();
        let expected = Vec::<i64>::try_from((&alpha + g).argmax(-1, false)).unwrap();
        tch::manual_seed(21);
        let (_, ops) = gdas_mix(&alpha, 0.5).unwrap();
        assert_eq!(ops.iter().map(|&k| k as i64).collect::<Vec<_>>(), expected);
    }
}
