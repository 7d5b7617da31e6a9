//! Learned surrogates as a host object: `ctx.predictor(kind, options)` makes a `Predictor`
//! (`gnn`, `mlp`, `forest` or `gbt`; see [`crate::search::surrogate::predictor`]) that
//! scripts `fit` to evaluated architectures and ask to `predict` others; and `kendall_tau`,
//! to measure how well a predictor ranks.

use super::super::surrogate::{OptionValue, Predictor};
use super::doc::{host_type, Api};
use super::math_api::floats;
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx};
use super::RhaiResult;
use crate::space::Architecture;
use rhai::{Array, Dynamic, Engine, Map, FLOAT};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A learned surrogate of the run's architectures (Rhai type `Predictor`). Its fits and
/// predictions count as host time, as evaluations do: the script's time limit is for the
/// script's own work, and a surrogate fitted on a busy machine can take minutes.
#[derive(Debug, Clone)]
pub struct PredictorHandle {
    model: Rc<RefCell<Predictor>>,
    host_time: Rc<Cell<Duration>>,
}

impl PredictorHandle {
    /// Runs `f` on the predictor, adding its time to the run's host time.
    fn timed<T>(&self, f: impl FnOnce(&mut Predictor) -> T) -> T {
        let t0 = Instant::now();
        let out = f(&mut self.model.borrow_mut());
        self.host_time.set(self.host_time.get() + t0.elapsed());
        out
    }
}

host_type!(
    PredictorHandle,
    "Predictor",
    "a learned surrogate of architectures (`ctx.predictor(kind, options)`): `fit`, then `predict`"
);

fn new(c: &mut Ctx, kind: &str, options: Map) -> RhaiResult<PredictorHandle> {
    let mut opts = Vec::new();
    for (name, v) in options {
        let value = if let Ok(s) = v.clone().into_immutable_string() {
            OptionValue::Text(s.to_string())
        } else if let Ok(x) = v.as_float() {
            OptionValue::Number(x)
        } else if let Ok(i) = v.as_int() {
            OptionValue::Number(i as f64)
        } else {
            return Err(script_error(format!(
                "ctx.predictor: option `{name}` is a {}, not a number or a string",
                v.type_name()
            )));
        };
        opts.push((name.to_string(), value));
    }
    opts.sort_by(|a, b| a.0.cmp(&b.0));
    let seed = c.0.space.rng.0.borrow_mut().below(0, i64::MAX) as u64;
    let space = c.0.space.space.clone();
    let host_time = c.0.host_time.clone();
    Predictor::new(space, kind, &opts, seed)
        .map(|p| PredictorHandle {
            model: Rc::new(RefCell::new(p)),
            host_time,
        })
        .map_err(|e| script_error(format!("ctx.predictor: {e}")))
}

/// The architectures of an array (an error names the first element that is not one).
fn archs(xs: &Array, what: &str) -> RhaiResult<Vec<ArchHandle>> {
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            x.clone().try_cast::<ArchHandle>().ok_or_else(|| {
                script_error(format!(
                    "{what}: element {i} is a {}, not an Arch",
                    x.type_name()
                ))
            })
        })
        .collect()
}

fn predictions(p: &PredictorHandle, xs: &Array, what: &str) -> RhaiResult<Vec<(f64, f64)>> {
    let handles = archs(xs, what)?;
    let refs: Vec<&Architecture> = handles.iter().map(ArchHandle::arch).collect();
    p.timed(|m| m.predict(&refs))
        .map_err(|e| script_error(format!("{what}: {e}")))
}

/// Registers `Predictor` and `kendall_tau`.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .ty::<PredictorHandle>()
        .fun(
            "predictor",
            ["ctx", "kind"],
            "a predictor with its kind's defaults: \"gnn\" (Wen et al.'s graph network over the DAG), \"mlp\" (BANANAS' ensemble of 5 MLPs over the path encoding), \"forest\" (SMAC's random forest over one-hot features), \"gbt\" (an ensemble of 5 gradient-boosted tree models)",
            |c: &mut Ctx, kind: &str| new(c, kind, Map::new()),
        )
        .fun(
            "predictor",
            ["ctx", "kind", "options"],
            "the same with options: gnn and mlp `layers`, `hidden`, `epochs`, `lr`, `weight_decay`, `batch`, `ensemble`; forest `trees`, `min_split`, `min_leaf`, `feature_share`; gbt `members`, `rounds`, `learning_rate`, `depth`, `subsample`; mlp, forest and gbt `encoding` (\"path\" or \"onehot\")",
            new,
        )
        .fun(
            "fit",
            ["predictor", "archs", "ys"],
            "fits the predictor anew to architectures and their targets (finite numbers, at least two)",
            |p: &mut PredictorHandle, xs: Array, ys: Array| -> RhaiResult<()> {
                let handles = archs(&xs, "fit")?;
                let ys = floats(&ys, "fit")?;
                let refs: Vec<&Architecture> = handles.iter().map(ArchHandle::arch).collect();
                p.timed(|m| m.fit(&refs, &ys))
                    .map_err(|e| script_error(format!("predictor.{e}")))
            },
        )
        .fun(
            "predict",
            ["predictor", "archs"],
            "the predicted target of each architecture (an ensemble's mean)",
            |p: &mut PredictorHandle, xs: Array| -> RhaiResult<Array> {
                Ok(predictions(p, &xs, "predict")?
                    .into_iter()
                    .map(|(m, _)| Dynamic::from_float(m))
                    .collect())
            },
        )
        .fun(
            "predict_std",
            ["predictor", "archs"],
            "the uncertainty of each prediction: the spread across trees or ensemble members (0 for a single network)",
            |p: &mut PredictorHandle, xs: Array| -> RhaiResult<Array> {
                Ok(predictions(p, &xs, "predict_std")?
                    .into_iter()
                    .map(|(_, s)| Dynamic::from_float(s))
                    .collect())
            },
        )
        .fun(
            "expected_improvement",
            ["predictor", "archs", "best"],
            "the expected improvement over `best` (maximising) of each architecture, from the prediction's mean and spread",
            |p: &mut PredictorHandle, xs: Array, best: FLOAT| -> RhaiResult<Array> {
                Ok(predictions(p, &xs, "expected_improvement")?
                    .into_iter()
                    .map(|(m, s)| {
                        Dynamic::from_float(super::super::numeric::expected_improvement(m, s, best))
                    })
                    .collect())
            },
        )
        .fun(
            "kendall_tau",
            ["xs", "ys"],
            "Kendall's τ-b between two arrays of numbers of equal length, or () when it is undefined (fewer than two pairs, or a side constant)",
            |xs: Array, ys: Array| -> RhaiResult<Dynamic> {
                let (x, y) = (floats(&xs, "kendall_tau")?, floats(&ys, "kendall_tau")?);
                if x.len() != y.len() {
                    return Err(script_error(format!(
                        "kendall_tau: {} values against {}",
                        x.len(),
                        y.len()
                    )));
                }
                Ok(crate::trainfree::rank::kendall_tau_b(&x, &y)
                    .map_or(Dynamic::UNIT, Dynamic::from_float))
            },
        );
}
