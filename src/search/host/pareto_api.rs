//! Multi-objective primitives for strategy scripts, over points whose every coordinate is
//! maximised (a trial's `objectives`): `pareto_ranks`, `pareto_front`, `crowding_distance`,
//! `crowded_order` and `hypervolume`, the numeric cores of [`crate::search::pareto`].

use super::super::pareto;
use super::doc::Api;
use super::math_api::{floats, rows};
use super::space_api::script_error;
use super::RhaiResult;
use rhai::{Array, Dynamic, Engine, FLOAT};

/// The points of an array of arrays of numbers, all of one length.
fn points(xs: &Array, what: &str) -> RhaiResult<Vec<Vec<f64>>> {
    let points = rows(xs, what, floats)?;
    if let Some(first) = points.first() {
        if let Some(i) = points.iter().position(|p| p.len() != first.len()) {
            return Err(script_error(format!(
                "{what}: point {i} has {} objectives, point 0 has {}",
                points[i].len(),
                first.len()
            )));
        }
    }
    Ok(points)
}

fn indices(xs: Vec<usize>) -> Array {
    xs.into_iter()
        .map(|i| Dynamic::from_int(i as i64))
        .collect()
}

/// Registers the functions.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .fun("pareto_ranks", ["points"], "each point's Pareto rank, every coordinate maximised (0: not dominated; Deb et al.'s fast non-dominated sort)", |xs: Array| {
            points(&xs, "pareto_ranks").map(|p| indices(pareto::ranks(&p)))
        })
        .fun("pareto_front", ["points"], "the indices of the points no other point dominates, every coordinate maximised", |xs: Array| {
            points(&xs, "pareto_front").map(|p| indices(pareto::front(&p)))
        })
        .fun("crowding_distance", ["points"], "each point's crowding distance among `points` (one front; infinite at the ends of each objective)", |xs: Array| {
            points(&xs, "crowding_distance")
                .map(|p| pareto::crowding(&p).into_iter().map(Dynamic::from_float).collect::<Array>())
        })
        .fun("crowded_order", ["points"], "the indices of `points` by Pareto rank, then crowding distance within the rank's front (larger first): NSGA-II's crowded comparison as one order", |xs: Array| {
            points(&xs, "crowded_order").map(|p| indices(pareto::crowded_order(&p)))
        })
        .fun("hypervolume", ["points", "reference"], "the volume dominated by `points` above `reference`, every coordinate maximised (exact)", |xs: Array, r: Array| -> RhaiResult<FLOAT> {
            let p = points(&xs, "hypervolume")?;
            let r = floats(&r, "hypervolume's reference")?;
            if let Some(i) = p.iter().position(|q| q.len() != r.len()) {
                return Err(script_error(format!(
                    "hypervolume: point {i} has {} objectives, the reference {}",
                    p[i].len(),
                    r.len()
                )));
            }
            Ok(pareto::hypervolume(&p, &r))
        });
}
