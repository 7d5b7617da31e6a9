//! Numeric helpers (`mean`, `std`, `softmax`, `argmax`, `argmin`, `sum`, `log`, `exp`), the
//! seeded generator's methods (`ctx.rng.float()`, `int`, `normal`, `choice`, `sample`,
//! `shuffle`, `categorical`), and the surrogate models' numeric cores (`gp_fit`, `tpe_fit`).

use super::super::numeric;
use super::super::surrogate::{Gp, Tpe};
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

fn rows<T>(
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
    engine
        .register_fn("mean", |xs: Array| {
            floats(&xs, "mean").map(|v| numeric::mean(&v))
        })
        .register_fn("std", |xs: Array| {
            floats(&xs, "std").map(|v| numeric::std_dev(&v))
        })
        .register_fn("sum", |xs: Array| {
            floats(&xs, "sum").map(|v| v.iter().sum::<f64>())
        })
        .register_fn("softmax", |xs: Array| {
            floats(&xs, "softmax").map(|v| to_array(numeric::softmax(&v)))
        })
        .register_fn("argmax", |xs: Array| {
            floats(&xs, "argmax").map(|v| index_or_unit(numeric::argmax(&v)))
        })
        .register_fn("argmin", |xs: Array| {
            floats(&xs, "argmin").map(|v| index_or_unit(numeric::argmin(&v)))
        })
        .register_fn("log", |x: FLOAT| x.ln())
        .register_fn("log", |x: INT| (x as FLOAT).ln())
        .register_fn("exp", |x: INT| (x as FLOAT).exp())
        .register_fn("expected_improvement", |m: FLOAT, s: FLOAT, best: FLOAT| {
            numeric::expected_improvement(m, s, best)
        });

    engine
        .register_fn("float", |r: &mut RngHandle| r.0.borrow_mut().uniform())
        .register_fn("int", |r: &mut RngHandle, lo: INT, hi: INT| {
            r.0.borrow_mut().below(lo, hi)
        })
        .register_fn("normal", |r: &mut RngHandle| r.0.borrow_mut().normal())
        .register_fn(
            "choice",
            |r: &mut RngHandle, xs: Array| -> RhaiResult<Dynamic> {
                if xs.is_empty() {
                    return Err(script_error("rng.choice: the array is empty"));
                }
                let i = r.0.borrow_mut().index(xs.len());
                Ok(xs[i].clone())
            },
        )
        .register_fn("sample", |r: &mut RngHandle, xs: Array, k: INT| -> Array {
            let picks = r.0.borrow_mut().distinct(xs.len(), k.max(0) as usize);
            picks.into_iter().map(|i| xs[i].clone()).collect()
        })
        .register_fn("shuffle", |r: &mut RngHandle, xs: Array| -> Array {
            let order = r.0.borrow_mut().distinct(xs.len(), xs.len());
            order.into_iter().map(|i| xs[i].clone()).collect()
        })
        .register_fn(
            "categorical",
            |r: &mut RngHandle, ws: Array| -> RhaiResult<INT> {
                let ws = floats(&ws, "rng.categorical")?;
                r.0.borrow_mut()
                    .categorical(&ws)
                    .map(|i| i as INT)
                    .ok_or_else(|| script_error("rng.categorical: no weights"))
            },
        );

    engine
        .register_type_with_name::<GpHandle>("Gp")
        .register_fn("gp_fit", |xs: Array, ys: Array| -> RhaiResult<GpHandle> {
            let xs = rows(&xs, "gp_fit", floats)?;
            let ys = floats(&ys, "gp_fit")?;
            Gp::fit(&xs, &ys)
                .map(|gp| GpHandle(Rc::new(gp)))
                .ok_or_else(|| script_error("gp_fit: needs at least one point, rows of equal length, one target per row, all finite"))
        })
        .register_fn("predict", |gp: &mut GpHandle, x: Array| -> RhaiResult<Array> {
            let (m, s) = gp.0.predict(&floats(&x, "predict")?);
            Ok(to_array(vec![m, s]))
        })
        .register_fn("expected_improvement", |gp: &mut GpHandle, xs: Array, best: FLOAT| -> RhaiResult<Array> {
            let xs = rows(&xs, "expected_improvement", floats)?;
            Ok(xs
                .iter()
                .map(|x| {
                    let (m, s) = gp.0.predict(x);
                    Dynamic::from_float(numeric::expected_improvement(m, s, best))
                })
                .collect())
        });

    engine
        .register_type_with_name::<TpeHandle>("Tpe")
        .register_fn(
            "tpe_fit",
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
        .register_fn(
            "score",
            |t: &mut TpeHandle, choices: Array| -> RhaiResult<FLOAT> {
                Ok(t.0.score(&ints(&choices, "score")?))
            },
        );
}
