//! Numeric helpers (`mean`, `std`, `softmax`, `argmax`, `argmin`, `sum`, `log`, `exp`), the
//! seeded generator's methods (`ctx.rng.float()`, `int`, `normal`, `choice`, `sample`,
//! `shuffle`, `categorical`), and the surrogate models' numeric cores (`gp_fit`, `tpe_fit`).

use super::super::numeric;
use super::super::surrogate::{Gp, Tpe};
use super::doc::{host_type, Api};
use super::space_api::script_error;
use super::types::RngHandle;
use super::RhaiResult;
use rhai::{Array, Dynamic, Engine, FLOAT, INT};
use std::rc::Rc;

/// A fitted Gaussian process (Rhai type `Gp`).
#[derive(Debug, Clone)]
pub struct GpHandle(Rc<Gp>);

/// A fitted Parzen estimator (Rhai type `Tpe`).
#[derive(Debug, Clone)]
pub struct TpeHandle(Rc<Tpe>);

host_type!(
    GpHandle,
    "Gp",
    "a Gaussian process fitted by `gp_fit` (Bayesian optimisation's surrogate)"
);
host_type!(
    TpeHandle,
    "Tpe",
    "a tree-structured Parzen estimator fitted by `tpe_fit` (BOHB's surrogate)"
);

/// The numbers of an array (ints become floats); an error names the first non-number.
pub fn floats(xs: &Array, what: &str) -> RhaiResult<Vec<f64>> {
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_float()
                .or_else(|_| x.as_int().map(|v| v as f64))
                .map_err(|t| script_error(format!("{what}: element {i} is a {t}, not a number")))
        })
        .collect()
}

fn ints(xs: &Array, what: &str) -> RhaiResult<Vec<i64>> {
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_int()
                .map_err(|t| script_error(format!("{what}: element {i} is a {t}, not an integer")))
        })
        .collect()
}

pub(super) fn rows<T>(
    xs: &Array,
    what: &str,
    row: impl Fn(&Array, &str) -> RhaiResult<Vec<T>>,
) -> RhaiResult<Vec<Vec<T>>> {
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            let inner = x.read_lock::<Array>().ok_or_else(|| {
                script_error(format!(
                    "{what}: row {i} is a {}, not an array",
                    x.type_name()
                ))
            })?;
            row(&inner, what)
        })
        .collect()
}

fn index_or_unit(i: Option<usize>) -> Dynamic {
    i.map_or(Dynamic::UNIT, |i| Dynamic::from_int(i as INT))
}

fn to_array(xs: Vec<f64>) -> Array {
    xs.into_iter().map(Dynamic::from_float).collect()
}

/// Registers the numeric helpers, the generator's methods and the surrogates.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .fun("mean", ["xs"], "the mean of an array of numbers", |xs: Array| {
            floats(&xs, "mean").map(|v| numeric::mean(&v))
        })
        .fun("std", ["xs"], "the standard deviation of an array of numbers", |xs: Array| {
            floats(&xs, "std").map(|v| numeric::std_dev(&v))
        })
        .fun("sum", ["xs"], "the sum of an array of numbers", |xs: Array| {
            floats(&xs, "sum").map(|v| v.iter().sum::<f64>())
        })
        .fun("softmax", ["xs"], "the softmax of an array of numbers (non-negative, summing to 1)", |xs: Array| {
            floats(&xs, "softmax").map(|v| to_array(numeric::softmax(&v)))
        })
        .fun("argmax", ["xs"], "the index of the largest number (the first of equals), or () for an empty array", |xs: Array| {
            floats(&xs, "argmax").map(|v| index_or_unit(numeric::argmax(&v)))
        })
        .fun("argmin", ["xs"], "the index of the smallest number (the first of equals), or () for an empty array", |xs: Array| {
            floats(&xs, "argmin").map(|v| index_or_unit(numeric::argmin(&v)))
        })
        .fun("log", ["x"], "the natural logarithm", |x: FLOAT| x.ln())
        .fun("log", ["x"], "the natural logarithm of an integer", |x: INT| (x as FLOAT).ln())
        .fun("exp", ["x"], "e to the power of an integer (Rhai has `exp` for floats)", |x: INT| (x as FLOAT).exp())
        .fun("expected_improvement", ["mean", "std", "best"], "the expected improvement over `best` (maximising) of a Gaussian prediction `mean ± std`", |m: FLOAT, s: FLOAT, best: FLOAT| {
            numeric::expected_improvement(m, s, best)
        });

    Api(engine)
        .fun("float", ["rng"], "a float uniform in [0, 1)", |r: &mut RngHandle| r.0.borrow_mut().uniform())
        .fun("int", ["rng", "lo", "hi"], "an integer uniform in `lo..hi`, `hi` excluded (`lo` when the range is empty)", |r: &mut RngHandle, lo: INT, hi: INT| {
            r.0.borrow_mut().below(lo, hi)
        })
        .fun("normal", ["rng"], "a standard normal draw", |r: &mut RngHandle| r.0.borrow_mut().normal())
        .fun(
            "choice",
            ["rng", "xs"],
            "one element of a non-empty array, uniformly",
            |r: &mut RngHandle, xs: Array| -> RhaiResult<Dynamic> {
                if xs.is_empty() {
                    return Err(script_error("rng.choice: the array is empty"));
                }
                let i = r.0.borrow_mut().index(xs.len());
                Ok(xs[i].clone())
            },
        )
        .fun("sample", ["rng", "xs", "k"], "`k` distinct elements of an array (all of them when it has fewer), in the order drawn", |r: &mut RngHandle, xs: Array, k: INT| -> Array {
            let picks = r.0.borrow_mut().distinct(xs.len(), k.max(0) as usize);
            picks.into_iter().map(|i| xs[i].clone()).collect()
        })
        .fun("shuffle", ["rng", "xs"], "the array's elements in a random order (a new array)", |r: &mut RngHandle, xs: Array| -> Array {
            let order = r.0.borrow_mut().distinct(xs.len(), xs.len());
            order.into_iter().map(|i| xs[i].clone()).collect()
        })
        .fun(
            "categorical",
            ["rng", "weights"],
            "an index drawn with probability proportional to non-negative weights (uniform when all are 0)",
            |r: &mut RngHandle, ws: Array| -> RhaiResult<INT> {
                let ws = floats(&ws, "rng.categorical")?;
                r.0.borrow_mut()
                    .categorical(&ws)
                    .map(|i| i as INT)
                    .ok_or_else(|| script_error("rng.categorical: no weights"))
            },
        );

    Api(engine)
        .ty::<GpHandle>()
        .fun("gp_fit", ["xs", "ys"], "a Gaussian process (squared-exponential kernel) fitted to rows of features `xs` and targets `ys`", |xs: Array, ys: Array| -> RhaiResult<GpHandle> {
            let xs = rows(&xs, "gp_fit", floats)?;
            let ys = floats(&ys, "gp_fit")?;
            Gp::fit(&xs, &ys)
                .map(|gp| GpHandle(Rc::new(gp)))
                .ok_or_else(|| script_error("gp_fit: needs at least one point, rows of equal length, one target per row, all finite"))
        })
        .fun("predict", ["gp", "x"], "`[mean, std]` of the prediction at the features `x`", |gp: &mut GpHandle, x: Array| -> RhaiResult<Array> {
            let (m, s) = gp.0.predict(&floats(&x, "predict")?);
            Ok(to_array(vec![m, s]))
        })
        .fun("expected_improvement", ["gp", "xs", "best"], "the expected improvement over `best` at each row of features `xs`", |gp: &mut GpHandle, xs: Array, best: FLOAT| -> RhaiResult<Array> {
            let xs = rows(&xs, "expected_improvement", floats)?;
            Ok(xs
                .iter()
                .map(|x| {
                    let (m, s) = gp.0.predict(x);
                    Dynamic::from_float(numeric::expected_improvement(m, s, best))
                })
                .collect())
        });

    Api(engine)
        .ty::<TpeHandle>()
        .fun(
            "tpe_fit",
            ["good", "bad", "sizes"],
            "a tree-structured Parzen estimator from the choice vectors of good and bad trials; `sizes[d]` is decision d's number of values",
            |good: Array, bad: Array, sizes: Array| -> RhaiResult<TpeHandle> {
                let good = rows(&good, "tpe_fit", ints)?;
                let bad = rows(&bad, "tpe_fit", ints)?;
                let sizes: Vec<usize> = ints(&sizes, "tpe_fit")?
                    .into_iter()
                    .map(|s| s.clamp(1, 1 << 16) as usize)
                    .collect();
                Tpe::fit(&good, &bad, &sizes)
                    .map(|t| TpeHandle(Rc::new(t)))
                    .ok_or_else(|| script_error("tpe_fit: every row needs one choice per decision"))
            },
        )
        .fun(
            "score",
            ["tpe", "choices"],
            "`log l(x) - log g(x)` of a choice vector: larger is more like the good trials",
            |t: &mut TpeHandle, choices: Array| -> RhaiResult<FLOAT> {
                Ok(t.0.score(&ints(&choices, "score")?))
            },
        );
}
