//! ProxylessNAS' binary gates (Cai et al., 2019) on the rows of a supernet's α.
//!
//! - A weight step runs one path: per row, one op drawn from `softmax(α)`
//!   ([`sample_ops`]), with gate 1.
//! - An architecture step uses the paper's two-path estimate: per row, two distinct ops
//!   drawn from `softmax(α)` without replacement, one of them made active with the
//!   probabilities `p' = softmax` of their two α entries ([`sample_gates`]). Both run, the
//!   active one with gate value 1 and the other with gate value 0 ([`gate_mix`]), so that
//!   `∂L/∂g_j` is defined for both; the gradient reaching α is the paper's
//!   `∂L/∂α_i = Σ_j ∂L/∂g_j · p'_j (δ_ij − p'_i)` over the two.
//! - The architecture loss may add `λ · E[latency] / reference` ([`arch_gradients`]).
//! - After the step, the two involved α entries of each row are shifted by one offset so
//!   that their log-sum-exp is what it was before ([`rescale`]); the other ops' probabilities
//!   are then those the step found (the official code's `rescale_updated_arch_param`).

use super::darts::{gradients, loss, zeros_where_undefined, Batch};
use super::latency::expected_latency;
use super::mix::{CellMix, EdgeTerm};
use super::supernet::Supernet;
use rand::Rng;
use tch::{TchError, Tensor};

/// A categorical draw from the non-negative weights `row` (not necessarily normalised),
/// ignoring the entries in `skip`.
fn draw(row: &[f64], skip: Option<usize>, rng: &mut impl Rng) -> usize {
    let weight = |k: usize| {
        if Some(k) == skip || !row[k].is_finite() {
            0.0
        } else {
            row[k].max(0.0)
        }
    };
    let total: f64 = (0..row.len()).map(weight).sum();
    let mut u = rng.random::<f64>() * total;
    let mut last = None;
    for k in 0..row.len() {
        let w = weight(k);
        if w <= 0.0 {
            continue;
        }
        last = Some(k);
        if u < w {
            return k;
        }
        u -= w;
    }
    // Rounding left `u` past the end, or every weight was zero: the last live entry, else
    // the first entry that is not skipped.
    last.unwrap_or_else(|| (0..row.len()).find(|&k| Some(k) != skip).unwrap_or(0))
}

/// One op per row drawn from the rows of `probs` (`softmax(α)`, padding 0).
pub fn sample_ops(probs: &[Vec<f64>], rng: &mut impl Rng) -> Vec<usize> {
    probs.iter().map(|row| draw(row, None, rng)).collect()
}

/// The single path of one op per row: each op with weight 1 (none where it is a zero op,
/// not in `live`).
pub fn ops_mix(ops: &[usize], live: &[Vec<usize>]) -> CellMix {
    ops.iter()
        .zip(live)
        .map(|(&k, row)| {
            if row.contains(&k) {
                vec![EdgeTerm {
                    op: k,
                    weight: None,
                }]
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// The two ops of each row an architecture step involves: `active[r]` runs with gate 1,
/// `inactive[r]` with gate 0 (`None` in a row of one op).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateSample {
    /// The op whose gate is open, per row.
    pub active: Vec<usize>,
    /// The other op whose gate takes part in the gradient, per row.
    pub inactive: Vec<Option<usize>>,
}

/// The softmax of two numbers: `(p_a, p_b)`.
fn softmax2(a: f64, b: f64) -> (f64, f64) {
    let m = a.max(b);
    let (ea, eb) = ((a - m).exp(), (b - m).exp());
    (ea / (ea + eb), eb / (ea + eb))
}

/// Per row of `alpha` (α's values, each row cut to its `lens` ops), two distinct ops drawn
/// from `softmax(α)` without replacement, and the active one of the two drawn from the
/// softmax of their α entries; a row of one op has it active and no other.
pub fn sample_gates(alpha: &[Vec<f64>], lens: &[usize], rng: &mut impl Rng) -> GateSample {
    let mut sample = GateSample {
        active: Vec::with_capacity(alpha.len()),
        inactive: Vec::with_capacity(alpha.len()),
    };
    for (row, &len) in alpha.iter().zip(lens) {
        let row = &row[..len.min(row.len())];
        if row.len() < 2 {
            sample.active.push(0);
            sample.inactive.push(None);
            continue;
        }
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let probs: Vec<f64> = row.iter().map(|a| (a - m).exp()).collect();
        let first = draw(&probs, None, rng);
        let second = draw(&probs, Some(first), rng);
        let (p_first, _) = softmax2(row[first], row[second]);
        let (active, inactive) = if rng.random::<f64>() < p_first {
            (first, second)
        } else {
            (second, first)
        };
        sample.active.push(active);
        sample.inactive.push(Some(inactive));
    }
    sample
}

/// The mixture of an architecture step: on each row, the active and the inactive op, each
/// scaled by its binary gate `g_j = 1[j active] + p'_j − p'_j.detach()` (value 0 or 1,
/// gradient that of `p' = softmax(α_active, α_inactive)`). A zero op (not in `live`: `none`,
/// a member's `off`) outputs zero, so its gate gets no gradient and it is not computed; a
/// row of one op runs it with weight 1.
pub fn gate_mix(
    alpha: &Tensor,
    sample: &GateSample,
    live: &[Vec<usize>],
) -> Result<CellMix, TchError> {
    let mut mix = Vec::with_capacity(live.len());
    let rows = sample.active.iter().zip(&sample.inactive).zip(live);
    for (r, ((&a, &b), row_live)) in rows.enumerate() {
        let Some(b) = b else {
            mix.push(if row_live.contains(&a) {
                vec![EdgeTerm {
                    op: a,
                    weight: None,
                }]
            } else {
                Vec::new()
            });
            continue;
        };
        let width = alpha.size().last().copied().unwrap_or(0) as usize;
        if a >= width || b >= width || a == b {
            return Err(TchError::Kind(format!(
                "binary gates need two distinct ops of row {r}, got {a} and {b}"
            )));
        }
        let row = alpha.f_get(r as i64)?;
        let pair = Tensor::f_stack(&[row.f_get(a as i64)?, row.f_get(b as i64)?], 0)?
            .f_softmax(0, alpha.kind())?;
        let gates = pair.f_sub(&pair.f_detach()?)?;
        let mut terms = Vec::with_capacity(2);
        for (i, op) in [a, b].into_iter().enumerate() {
            if !row_live.contains(&op) {
                continue;
            }
            let open = if i == 0 { 1.0 } else { 0.0 };
            terms.push(EdgeTerm {
                op,
                weight: Some(gates.f_get(i as i64)?.f_add_scalar(open)?),
            });
        }
        mix.push(terms);
    }
    Ok(mix)
}

/// The architecture gradient of one ProxylessNAS step: the cross-entropy on `valid` through
/// the gates of `sample`, plus, with `latency = Some((costs, scale))`, `scale · E[latency]`
/// (the expected latency under `softmax(α)` of the per-op `costs`, [`expected_latency`]).
/// Returns the cross-entropy, the expected latency (0 without a table) and the gradients in
/// [`Supernet::arch_parameters`] order.
pub fn arch_gradients(
    net: &Supernet,
    valid: &Batch,
    sample: &GateSample,
    latency: Option<(&Tensor, f64)>,
) -> Result<(f64, f64, Vec<Tensor>), TchError> {
    let ce = loss(net, valid, &gate_mix(net.alpha(), sample, net.live())?)?;
    let (total, expected) = match latency {
        Some((costs, scale)) => {
            let e = expected_latency(net.alpha(), net.mask(), costs)?;
            let value = e.f_double_value(&[])?;
            (ce.f_add(&e.f_mul_scalar(scale)?)?, value)
        }
        None => (ce.shallow_clone(), 0.0),
    };
    let params = net.arch_parameters();
    let grads = zeros_where_undefined(gradients(&total, &params, false)?, &params)?;
    Ok((ce.f_double_value(&[])?, expected, grads))
}

/// Shifts, on each row, the two α entries `sample` involved by one offset so that their
/// log-sum-exp equals that of the same entries in `old` (α's rows before the step).
pub fn rescale(alpha: &Tensor, sample: &GateSample, old: &[Vec<f64>]) -> Result<(), TchError> {
    let _guard = tch::no_grad_guard();
    for (e, row) in old.iter().enumerate() {
        let (a, Some(b)) = (sample.active[e], sample.inactive[e]) else {
            continue;
        };
        let now = alpha.f_get(e as i64)?;
        let (na, nb) = (
            now.f_double_value(&[a as i64])?,
            now.f_double_value(&[b as i64])?,
        );
        let lse = |x: f64, y: f64| {
            let m = x.max(y);
            m + ((x - m).exp() + (y - m).exp()).ln()
        };
        let offset = lse(na, nb) - lse(row[a], row[b]);
        for k in [a, b] {
            let _ = now.f_get(k as i64)?.f_sub_scalar_(offset)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use tch::{Device, Kind};

    #[test]
    fn draws_follow_the_probabilities_and_gate_pairs_are_distinct() {
        let _generator = crate::test_generator();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let row = vec![0.1, 0.0, 0.6, 0.3, 0.0];
        let mut counts = [0usize; 5];
        for _ in 0..4000 {
            counts[draw(&row, None, &mut rng)] += 1;
        }
        assert_eq!((counts[1], counts[4]), (0, 0));
        assert!((counts[2] as f64 / 4000.0 - 0.6).abs() < 0.03, "{counts:?}");
        assert_eq!(draw(&[0.0, 0.0, 0.0], Some(0), &mut rng), 1);
        let probs = vec![row.clone(); 6];
        let ops = sample_ops(&probs, &mut rng);
        assert!(ops.iter().all(|&k| [0, 2, 3].contains(&k)), "{ops:?}");
        let alpha = vec![vec![0.0, 1.0, -1.0, 2.0, 0.5]; 6];
        let mut active_three = 0;
        for _ in 0..500 {
            let s = sample_gates(&alpha, &[5; 6], &mut rng);
            assert!(s
                .active
                .iter()
                .zip(&s.inactive)
                .all(|(a, b)| Some(*a) != *b));
            active_three += s.active.iter().filter(|&&k| k == 3).count();
        }
        // Op 3 has the largest α: it is drawn and made active most often.
        assert!(active_three > 3000 / 4, "{active_three}");
        // Rows cut short never draw past their end; a row of one op has no inactive one.
        let s = sample_gates(&[vec![0.0, 0.0, 9.0], vec![5.0, 9.0]], &[2, 1], &mut rng);
        assert!(s.active[0] < 2 && s.inactive[0].is_some_and(|k| k < 2));
        assert_eq!((s.active[1], s.inactive[1]), (0, None));
    }

    #[test]
    fn gates_are_binary_and_their_gradient_is_the_papers_estimate() {
        let _generator = crate::test_generator();
        let alpha = Tensor::from_slice(&[0.3f64, -0.2, 0.7, 0.1, 0.4])
            .repeat([6, 1])
            .set_requires_grad(true);
        let sample = GateSample {
            active: vec![2, 1, 3, 4, 0, 2],
            inactive: [4, 0, 1, 2, 3, 1].map(Some).to_vec(),
        };
        let live: Vec<Vec<usize>> = (0..6).map(|_| (1..5).collect()).collect();
        let mix = gate_mix(&alpha, &sample, &live).unwrap();
        // A stand-in for the network: each op k outputs the number c_k; the loss is
        // Σ_e Σ_terms g·c_k squared, so ∂L/∂g_j = 2·y_e·c_j.
        let c = [0.0, 1.5, -2.0, 0.5, 3.0];
        let mut loss = Tensor::zeros([], (Kind::Double, Device::Cpu));
        let mut outputs = [0.0; 6];
        for (e, terms) in mix.iter().enumerate() {
            let mut y = Tensor::zeros([], (Kind::Double, Device::Cpu));
            for t in terms {
                let g = t.weight.as_ref().unwrap();
                let open = if t.op == sample.active[e] { 1.0 } else { 0.0 };
                assert_eq!(g.double_value(&[]), open);
                y += g * c[t.op];
            }
            outputs[e] = y.double_value(&[]);
            loss += y.square();
        }
        let g = Tensor::run_backward(&[loss], &[&alpha], false, false);
        let got = Vec::<f64>::try_from(g[0].flatten(0, -1)).unwrap();
        let row = [0.3f64, -0.2, 0.7, 0.1, 0.4];
        for e in 0..6 {
            let pair = [sample.active[e], sample.inactive[e].unwrap()];
            let (pa, pb) = softmax2(row[pair[0]], row[pair[1]]);
            let p = [pa, pb];
            let binary: Vec<f64> = pair.iter().map(|&j| 2.0 * outputs[e] * c[j]).collect();
            for k in 0..5 {
                let expected: f64 = match pair.iter().position(|&j| j == k) {
                    Some(i) => (0..2)
                        .map(|j| binary[j] * p[j] * (f64::from(u8::from(i == j)) - p[i]))
                        .sum(),
                    None => 0.0,
                };
                assert!((got[e * 5 + k] - expected).abs() < 1e-12, "edge {e} op {k}");
            }
        }
        let bad = GateSample {
            active: vec![1; 6],
            inactive: vec![Some(1); 6],
        };
        assert!(gate_mix(&alpha, &bad, &live).is_err());
    }

    #[test]
    fn rescaling_keeps_the_pairs_total_probability() {
        let _generator = crate::test_generator();
        let old = vec![vec![0.0, 1.0, 2.0, 3.0, 4.0]; 6];
        let flat: Vec<f64> = old.concat();
        let alpha = Tensor::from_slice(&flat).view([6, 5]);
        let sample = GateSample {
            active: vec![1, 2, 3, 4, 0, 1],
            inactive: [0, 1, 2, 3, 4, 4].map(Some).to_vec(),
        };
        // A step that raised the active entries by 0.5.
        for e in 0..6 {
            let _ = alpha
                .get(e as i64)
                .get(sample.active[e] as i64)
                .g_add_scalar_(0.5);
        }
        rescale(&alpha, &sample, &old).unwrap();
        let before = Tensor::from_slice(&flat)
            .view([6, 5])
            .softmax(-1, Kind::Double);
        let after = alpha.softmax(-1, Kind::Double);
        for e in 0..6 {
            let (a, b) = (sample.active[e] as i64, sample.inactive[e].unwrap() as i64);
            let pair = |t: &Tensor| t.double_value(&[e as i64, a]) + t.double_value(&[e as i64, b]);
            assert!((pair(&before) - pair(&after)).abs() < 1e-12);
            // The active op gained probability from the inactive one.
            assert!(after.double_value(&[e as i64, a]) > before.double_value(&[e as i64, a]));
        }
    }
}
