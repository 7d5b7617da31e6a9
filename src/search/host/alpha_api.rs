//! The `Supernet` type's primitives for the remedies of DARTS' failure modes, so that each
//! method is a script over one supernet:
//!
//! - masks: `ops(r)` (row `r`'s op labels), `alive()` / `set_alive(ops)` (one array of op
//!   names per row, the ops the search still mixes, samples and derives; `[]` cuts a `k of`
//!   candidate's edge), `fix(r, op)` (row `r` keeps only `op`, as SGAS decides an edge);
//! - readouts: `entropies()` (each row's normalised entropy over its remaining ops other than
//!   `none`), `importances()` (each row's weight on its ops other than `none`), `ranking()`
//!   (each row's remaining op labels, strongest first), `derived_ops()` (each row's op in the
//!   derived architecture, `""` where it runs none), `supernet_accuracy([batches])` (the
//!   supernet's own validation accuracy under its mixture of the ops that remain: DARTS+PT's
//!   measure);
//! - SETN: `sample_alpha()` (an architecture drawn from α: each row's op drawn by its
//!   weight);
//! - SDARTS: `set_perturbation("random", ε)`, `set_perturbation("adversarial", ε, steps)`,
//!   `set_perturbation("none", 0.0)`;
//! - DARTS-: `set_aux_skip(β)` / `aux_skip`; P-DARTS: `set_skip_dropout(p)`;
//! - DrNAS: `set_mode("dirichlet")` and `set_dirichlet_reg(λ)`.
//! - FBNet: `set_latency_loss(α, β, unit_ms)` (and `clear_latency_loss()`): the architecture
//!   step's loss `CE · α · log(LAT)^β` over the measured per-op latency table.
//!
//! Each setting is part of the search's checkpoint, so a resumed search keeps it. The op
//! masks are parsed here for `PrunedSupernet` (TE-NAS) too: one format, one parser.

use super::doc::Api;
use super::oneshot_api::{carry, timed, SupernetHandle};
use super::space_api::script_error;
use super::RhaiResult;
use crate::oneshot::alive::Alive;
use crate::oneshot::fbnet::LatencyLoss;
use crate::oneshot::perturb::Perturbation;
use crate::oneshot::rows::Row;
use rhai::{Array, Dynamic, Engine, FLOAT, INT};

/// Registers the primitives on the `Supernet` type.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .fun("ops", ["net", "row"], "row `row`'s op labels", |n: &mut SupernetHandle, r: INT| -> RhaiResult<Array> {
            let search = n.0.search.borrow();
            let row = row_at("supernet", search.supernet().rows().rows(), r)?;
            Ok(row.labels.iter().map(|l| l.clone().into()).collect())
        })
        .fun("alive", ["net"], "one array of op names per row: the ops the search still mixes, samples and derives", |n: &mut SupernetHandle| -> Array {
            let search = n.0.search.borrow();
            names(search.supernet().rows().rows(), &search.alive())
        })
        .fun("set_alive", ["net", "ops"], "sets the ops each row keeps (one array of op names per row; `[]` cuts a `k of` candidate's edge)", |n: &mut SupernetHandle, ops: Array| {
            let alive = {
                let search = n.0.search.borrow();
                alive_of("supernet", search.supernet().rows().rows(), &ops)?
            };
            timed(n, |s| s.set_alive(Some(alive)))
        })
        .fun("fix", ["net", "row", "op"], "row `row` keeps only `op` (SGAS' edge decision)", |n: &mut SupernetHandle, r: INT, op: &str| {
            let alive = {
                let search = n.0.search.borrow();
                let rows = search.supernet().rows().rows();
                let row = row_at("supernet", rows, r)?;
                let k = op_index("supernet", row, op)?;
                let mut alive = search.alive();
                alive.0[r as usize] = (0..row.labels.len()).map(|j| j == k).collect();
                alive
            };
            timed(n, |s| s.set_alive(Some(alive)))
        })
        .fun(
            "sample_alpha",
            ["net"],
            "an architecture with each row's op drawn by its weight in softmax(α) (SETN's templates)",
            |n: &mut SupernetHandle| -> RhaiResult<super::types::ArchHandle> {
                let arch = timed(n, |s| s.sample_alpha())?;
                carry(n, &arch)
            },
        )
        .fun("supernet_accuracy", ["net"], "the supernet's own validation accuracy under its mixture of the ops that remain (DARTS+PT)", |n: &mut SupernetHandle| {
            timed(n, |s| s.supernet_accuracy(None))
        })
        .fun("supernet_accuracy", ["net", "batches"], "the same on the first `batches` validation batches", |n: &mut SupernetHandle, batches: INT| {
            let batches = usize::try_from(batches.max(1)).unwrap_or(1);
            timed(n, |s| s.supernet_accuracy(Some(batches)))
        })
        .fun("entropies", ["net"], "each row's normalised entropy over its remaining ops other than `none`", |n: &mut SupernetHandle| {
            timed(n, |s| s.entropies()).map(floats)
        })
        .fun("importances", ["net"], "each row's weight on its ops other than `none`", |n: &mut SupernetHandle| {
            timed(n, |s| s.importances()).map(floats)
        })
        .fun(
            "ranking",
            ["net"],
            "each row's remaining op labels, strongest first",
            |n: &mut SupernetHandle| -> RhaiResult<Array> {
                let ranked = timed(n, |s| s.ranking())?;
                let search = n.0.search.borrow();
                let rows = search.supernet().rows().rows();
                Ok(ranked
                    .iter()
                    .zip(rows)
                    .map(|(ops, row)| {
                        let labels: Array =
                            ops.iter().map(|&k| row.labels[k].clone().into()).collect();
                        Dynamic::from_array(labels)
                    })
                    .collect())
            },
        )
        .fun(
            "derived_ops",
            ["net"],
            "each row's op in the derived architecture (\"\" where it runs none)",
            |n: &mut SupernetHandle| -> RhaiResult<Array> {
                let ops = timed(n, |s| s.derived_ops())?;
                let search = n.0.search.borrow();
                let rows = search.supernet().rows().rows();
                Ok(ops
                    .iter()
                    .zip(rows)
                    .map(|(op, row)| op.map_or_else(String::new, |k| row.labels[k].clone()).into())
                    .collect())
            },
        )
        .fun(
            "set_perturbation",
            ["net", "kind", "epsilon"],
            "SDARTS' perturbation of α in weight steps: \"random\" with radius `epsilon`, or \"none\"",
            |n: &mut SupernetHandle, kind: &str, epsilon: FLOAT| {
                let p = match kind {
                    "none" => Perturbation::None,
                    "random" => Perturbation::Random { epsilon },
                    "adversarial" => {
                        return Err(script_error(
                            "supernet: an adversarial perturbation needs its steps: set_perturbation(\"adversarial\", epsilon, steps)",
                        ))
                    }
                    other => return Err(unknown_perturbation(other)),
                };
                timed(n, |s| s.set_perturbation(p))
            },
        )
        .fun(
            "set_perturbation",
            ["net", "kind", "epsilon", "steps"],
            "SDARTS' \"adversarial\" perturbation: a PGD attack of `steps` steps within radius `epsilon`",
            |n: &mut SupernetHandle, kind: &str, epsilon: FLOAT, steps: INT| {
                let p = match kind {
                    "adversarial" => Perturbation::Adversarial {
                        epsilon,
                        steps: u32::try_from(steps).unwrap_or(0),
                    },
                    "none" | "random" => {
                        return Err(script_error(format!(
                            "supernet: a {kind} perturbation takes no steps: set_perturbation(\"{kind}\", epsilon)"
                        )))
                    }
                    other => return Err(unknown_perturbation(other)),
                };
                timed(n, |s| s.set_perturbation(p))
            },
        )
        .fun("set_aux_skip", ["net", "beta"], "DARTS-' auxiliary skip coefficient β (0 removes the skip)", |n: &mut SupernetHandle, beta: FLOAT| {
            timed(n, |s| s.set_aux_skip(beta))
        })
        .get("aux_skip", "the auxiliary skip's weight β", |n: &mut SupernetHandle| {
            n.0.search.borrow().aux_skip()
        })
        .fun("set_skip_dropout", ["net", "p"], "P-DARTS' dropout of each edge's skip term with probability `p`", |n: &mut SupernetHandle, p: FLOAT| {
            timed(n, |s| s.set_skip_dropout(p))
        })
        .fun("set_dirichlet_reg", ["net", "weight"], "the weight of DrNAS' KL regulariser in the Dirichlet mode's architecture step", |n: &mut SupernetHandle, w: FLOAT| {
            timed(n, |s| s.set_dirichlet_reg(w))
        })
        .fun("set_latency_loss", ["net", "alpha", "beta", "unit_ms"], "FBNet's loss for the architecture step: CE · alpha · log(LAT / unit_ms)^beta, LAT the latency in ms of the mode's sample of α from the measured per-op latency table", |n: &mut SupernetHandle, alpha: FLOAT, beta: FLOAT, unit_ms: FLOAT| {
            timed(n, |s| s.set_latency_loss(Some(LatencyLoss { alpha, beta, unit_ms })))
        })
        .fun("clear_latency_loss", ["net"], "the architecture step's loss back to the cross-entropy alone", |n: &mut SupernetHandle| {
            timed(n, |s| s.set_latency_loss(None))
        });
}

fn unknown_perturbation(kind: &str) -> Box<rhai::EvalAltResult> {
    script_error(format!(
        "supernet: unknown perturbation `{kind}` (\"none\", \"random\" or \"adversarial\")"
    ))
}

fn floats(values: Vec<f64>) -> Array {
    values.into_iter().map(Dynamic::from_float).collect()
}

/// Row `r` of `rows`, for `who`'s errors.
fn row_at<'a>(who: &str, rows: &'a [Row], r: INT) -> RhaiResult<&'a Row> {
    usize::try_from(r)
        .ok()
        .and_then(|r| rows.get(r))
        .ok_or_else(|| script_error(format!("{who}: no row {r} (there are {})", rows.len())))
}

/// The column of op `name` in `row`.
fn op_index(who: &str, row: &Row, name: &str) -> RhaiResult<usize> {
    row.labels.iter().position(|l| l == name).ok_or_else(|| {
        script_error(format!(
            "{who}: row `{}` has no op `{name}` (its ops are {})",
            row.name,
            row.labels.join(", ")
        ))
    })
}

/// The remaining ops of each row, by name.
fn names(rows: &[Row], alive: &Alive) -> Array {
    rows.iter()
        .zip(&alive.0)
        .map(|(row, ops)| {
            let left: Array = row
                .labels
                .iter()
                .zip(ops)
                .filter(|(_, &a)| a)
                .map(|(l, _)| l.clone().into())
                .collect();
            Dynamic::from_array(left)
        })
        .collect()
}

/// The mask of `alive`, an array with one array of op names per row of `rows` (a row may
/// be empty here; whoever uses the mask says which rows must keep an op).
pub(super) fn alive_of(who: &str, rows: &[Row], alive: &Array) -> RhaiResult<Alive> {
    if alive.len() != rows.len() {
        return Err(script_error(format!(
            "{who}: the remaining ops are one array of op names per row of α ({} rows), got {} entries",
            rows.len(),
            alive.len()
        )));
    }
    let mut mask = Vec::with_capacity(rows.len());
    for (row, ops) in rows.iter().zip(alive) {
        let ops = ops.read_lock::<Array>().ok_or_else(|| {
            script_error(format!(
                "{who}: row `{}` must be an array of op names, not a {}",
                row.name,
                ops.type_name()
            ))
        })?;
        let mut left = vec![false; row.labels.len()];
        for op in ops.iter() {
            let name = op.clone().into_string().map_err(|t| {
                script_error(format!("{who}: an op must be named by a string, not a {t}"))
            })?;
            left[op_index(who, row, &name)?] = true;
        }
        mask.push(left);
    }
    Ok(Alive(mask))
}
