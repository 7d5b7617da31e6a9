//! Which ops remain on each row of α: the one mask that prunes a supernet, whoever prunes it
//! — TE-NAS' pruning schedule ([`crate::trainfree::tenas`] measures a pruned supernet as the
//! uniform mixture of its remaining ops), SGAS fixing an edge to one op, P-DARTS dropping
//! the weakest ops between stages. A search under a mask ([`crate::oneshot::OneShotSearch::set_alive`])
//! mixes, samples and derives only the remaining ops: their logits keep their values, the
//! others' are −∞ ([`Alive::logit_mask`]), and the forward pass computes only the remaining
//! ops ([`Alive::live`]). A `k of` candidate's edge may lose every op: the edge is then cut
//! (it carries nothing, and deriving ranks it last).

use super::mix::{CellMix, EdgeTerm};
use super::rows::{Row, RowKind};
use super::OneShotError;
use tch::{Device, Kind, TchError, Tensor};

/// Which ops remain on each row of α: `self.0[r][k]` for op `k` of row `r`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alive(pub Vec<Vec<bool>>);

impl Alive {
    /// Every op of every row of `rows`.
    pub fn full(rows: &[Row]) -> Alive {
        Alive(rows.iter().map(|r| vec![true; r.labels.len()]).collect())
    }

    /// The number of ops left on row `r`.
    pub fn count(&self, r: usize) -> usize {
        self.0
            .get(r)
            .map_or(0, |ops| ops.iter().filter(|&&a| a).count())
    }

    /// Whether op `k` of row `r` remains.
    pub fn has(&self, r: usize, k: usize) -> bool {
        self.0.get(r).and_then(|ops| ops.get(k)).copied() == Some(true)
    }

    /// Checks that it is a mask a search over `rows` can run under: one entry per op of every
    /// row; an op choice keeps an op other than a zero op (`none`), an `any of` member one of
    /// its two columns; only a `k of` candidate's edge may lose every op (it is cut).
    pub fn check(&self, rows: &[Row]) -> Result<(), OneShotError> {
        if self.0.len() != rows.len() {
            return Err(OneShotError::Config(format!(
                "the mask has {} rows, α {}",
                self.0.len(),
                rows.len()
            )));
        }
        for (r, (ops, row)) in self.0.iter().zip(rows).enumerate() {
            if ops.len() != row.labels.len() {
                return Err(OneShotError::Config(format!(
                    "the mask of `{}` has {} entries for its {} ops",
                    row.name,
                    ops.len(),
                    row.labels.len()
                )));
            }
            let kept =
                |k: usize| ops[k] && (matches!(row.kind, RowKind::Member { .. }) || !row.zero[k]);
            let ok = match row.kind {
                RowKind::Candidate { .. } => true,
                RowKind::Decision(_) | RowKind::Values(_) | RowKind::Member { .. } => {
                    (0..ops.len()).any(kept)
                }
            };
            if !ok {
                let what = if self.count(r) == 0 {
                    "no op"
                } else {
                    "only zero ops"
                };
                return Err(OneShotError::Config(format!(
                    "`{}` would keep {what}; an op choice keeps one of {} (only a `k of` candidate's edge may be cut)",
                    row.name,
                    row.labels.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// 0 where an op remains and −∞ where it does not, added to `padding` (α's own mask of
    /// the columns past a row's last op, when rows differ in length). A row with no op left
    /// gets 0 everywhere, so that its softmax stays finite; [`Alive::live`] computes nothing
    /// on it.
    pub fn logit_mask(
        &self,
        padding: Option<&Tensor>,
        width: usize,
        kind: Kind,
        device: Device,
    ) -> Result<Tensor, TchError> {
        let mut values = Vec::with_capacity(self.0.len() * width);
        for ops in &self.0 {
            let cut = !ops.contains(&true);
            values.extend((0..width).map(|k| {
                if cut || ops.get(k) == Some(&true) {
                    0.0
                } else {
                    f64::NEG_INFINITY
                }
            }));
        }
        let mask = Tensor::from_slice(&values)
            .f_view([self.0.len() as i64, width as i64])?
            .f_to_kind(kind)?
            .f_to_device(device)?;
        match padding {
            Some(p) => mask.f_add(p),
            None => Ok(mask),
        }
    }

    /// 1 where an op remains (zero ops included) and 0 elsewhere, padding too, as a
    /// `[rows, width]` tensor.
    pub fn support(&self, width: usize, kind: Kind, device: Device) -> Result<Tensor, TchError> {
        let mut values = Vec::with_capacity(self.0.len() * width);
        for ops in &self.0 {
            values.extend((0..width).map(|k| f64::from(u8::from(ops.get(k) == Some(&true)))));
        }
        Tensor::from_slice(&values)
            .f_view([self.0.len() as i64, width as i64])?
            .f_to_kind(kind)?
            .f_to_device(device)
    }

    /// `live` (each row's computed ops) less the ops that no longer remain.
    pub fn live(&self, live: &[Vec<usize>]) -> Vec<Vec<usize>> {
        live.iter()
            .enumerate()
            .map(|(r, ops)| ops.iter().copied().filter(|&k| self.has(r, k)).collect())
            .collect()
    }

    /// The forward-pass weights of the pruned supernet whose rows are `rows` as TE-NAS
    /// measures it: each remaining op of a row weighted `1/k` (`k` ops left, zero ops such as
    /// `none` included in `k` though they compute nothing). A `k of` candidate's edge with no
    /// op left is cut (it has no term); any other row with no op left is an error.
    pub fn uniform_mix(
        &self,
        rows: &[Row],
        kind: Kind,
        device: Device,
    ) -> Result<CellMix, TchError> {
        if self.0.len() != rows.len() {
            return Err(TchError::Kind(format!(
                "the mask has {} rows, the supernet {}",
                self.0.len(),
                rows.len()
            )));
        }
        rows.iter()
            .enumerate()
            .map(|(r, row)| {
                let k = self.count(r);
                if k == 0 && !matches!(row.kind, RowKind::Candidate { .. }) {
                    return Err(TchError::Kind(format!("`{}` has no op left", row.name)));
                }
                (0..row.labels.len())
                    .filter(|&op| self.has(r, op) && !row.zero[op])
                    .map(|op| {
                        let weight = if k == 1 {
                            None
                        } else {
                            Some(Tensor::f_scalar_tensor(1.0 / k as f64, (kind, device))?)
                        };
                        Ok::<_, TchError>(EdgeTerm { op, weight })
                    })
                    .collect()
            })
            .collect()
    }
}
