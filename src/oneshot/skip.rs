//! What the remedies of DARTS' collapse do to the skip connection, the op that wins α when
//! DARTS collapses:
//!
//! - DARTS- (Chu et al., ICLR 2021): an auxiliary skip on every mixed edge, `y = Σ_k
//!   w_k·op_k(x) + β·x`, whose coefficient β the strategy script decays (from 1 to 0 in the
//!   paper), so that the skip op no longer has to win α to keep gradients flowing. It is added
//!   to the weight of the edge's own skip op (the identity among its alternatives):
//!   `w_skip·skip(x) + β·skip(x)` is `(w_skip + β)·skip(x)`; an edge without the identity
//!   among its ops gets nothing. On a reduction edge the skip is DARTS' factorized reduce, so
//!   the auxiliary term shares the candidate's weights (the paper's code gives it its own; a
//!   deviation noted in `darts_minus.rhai`).
//! - P-DARTS (Chen et al., ICCV 2019): dropout on the skip op during the weight step, its rate
//!   decayed by the script. Here one draw per edge and step drops the edge's whole skip term
//!   (or scales it by `1/(1 − p)`), where the paper drops elements of its output.

use super::mix::{CellMix, EdgeTerm};
use super::rows::{Row, RowKind};
use tch::{Device, Kind, TchError, Tensor};

/// The column of each row's skip op: an op choice's or a `k of` candidate's identity
/// alternative (an `any of` member's `on` is not a skip op: it is the edge itself).
pub fn skip_columns(rows: &[Row]) -> Vec<Option<usize>> {
    rows.iter()
        .map(|r| match r.kind {
            RowKind::Member { .. } => None,
            RowKind::Decision(_) | RowKind::Values(_) | RowKind::Candidate { .. } => {
                r.skip.iter().position(|&s| s)
            }
        })
        .collect()
}

/// Adds `beta` to the weight of each row's skip op (`skip[r]`) in `mix` — a term of its own
/// when the mixture does not compute it — except on rows that compute nothing at all and are
/// `cut` (an edge pruned away).
pub fn add_aux_skip(
    mix: &mut CellMix,
    skip: &[Option<usize>],
    cut: &[bool],
    beta: f64,
    kind: Kind,
    device: Device,
) -> Result<(), TchError> {
    if beta == 0.0 {
        return Ok(());
    }
    for (r, (terms, col)) in mix.iter_mut().zip(skip).enumerate() {
        let Some(k) = *col else { continue };
        if cut.get(r) == Some(&true) {
            continue;
        }
        match terms.iter_mut().find(|t| t.op == k) {
            Some(t) => {
                let w = match &t.weight {
                    Some(w) => w.f_add_scalar(beta)?,
                    None => Tensor::f_scalar_tensor(1.0 + beta, (kind, device))?,
                };
                t.weight = Some(w);
            }
            None => terms.push(EdgeTerm {
                op: k,
                weight: Some(Tensor::f_scalar_tensor(beta, (kind, device))?),
            }),
        }
    }
    Ok(())
}

/// P-DARTS' skip dropout on `mix`: each row's skip term (`skip[r]`) is dropped with
/// probability `p` or scaled by `1/(1 − p)`, one uniform draw per row from libtorch's
/// generator. `p` must lie in `[0, 1)`.
pub fn drop_skips(
    mix: &mut CellMix,
    skip: &[Option<usize>],
    p: f64,
    kind: Kind,
    device: Device,
) -> Result<(), TchError> {
    if p <= 0.0 {
        return Ok(());
    }
    let draws = Tensor::f_rand([mix.len() as i64], (Kind::Double, Device::Cpu))?;
    let draws = Vec::<f64>::try_from(draws)?;
    let scale = 1.0 / (1.0 - p);
    for ((terms, col), u) in mix.iter_mut().zip(skip).zip(draws) {
        let Some(k) = *col else { continue };
        if u < p {
            terms.retain(|t| t.op != k);
        } else if let Some(t) = terms.iter_mut().find(|t| t.op == k) {
            let w = match &t.weight {
                Some(w) => w.f_mul_scalar(scale)?,
                None => Tensor::f_scalar_tensor(scale, (kind, device))?,
            };
            t.weight = Some(w);
        }
    }
    Ok(())
}
