//! The Pareto front of a multi-objective run and its hypervolume, as `nas run` prints them at
//! the end. A trial's point is its value of every objective, each turned to be maximised
//! (the reward first, then the metrics after it). Only finished trials at the highest
//! fidelity the run used count, as for choosing a single-objective run's best.
//!
//! The hypervolume's reference point is the worst value of each objective over the finished
//! trials of every seed of the run (the nadir of all that was evaluated): fixed for the seeds
//! of one `nas run`, so their hypervolumes compare; a front point at that worst value in one
//! objective adds nothing. It is measured in the objectives' own units (e.g. percent × weights).

use super::pareto::{front, hypervolume};
use super::runner::SeedResult;
use super::trial::Trial;
use nas_lang::experiment::ExtraObjective;
use std::fmt::Write;

/// The objectives of a run: the first (the evaluator's metric) and those after it.
pub struct Objectives<'a> {
    /// The first objective's metric and whether it is maximised.
    pub first: (&'a str, bool),
    /// The objectives after it.
    pub extra: &'a [ExtraObjective],
}

impl Objectives<'_> {
    /// The objectives' names, in order.
    pub fn names(&self) -> Vec<&str> {
        std::iter::once(self.first.0)
            .chain(self.extra.iter().map(|o| o.metric.name()))
            .collect()
    }

    /// +1 for each maximised objective, -1 for each minimised.
    pub fn signs(&self) -> Vec<f64> {
        std::iter::once(self.first.1)
            .chain(self.extra.iter().map(|o| o.maximize))
            .map(|m| if m { 1.0 } else { -1.0 })
            .collect()
    }

    /// A finished trial's point, every objective maximised; `None` for one without all of
    /// them.
    pub fn point(&self, t: &Trial) -> Option<Vec<f64>> {
        let signs = self.signs();
        let mut values = vec![t.reward.filter(|_| t.is_ok())?];
        for o in self.extra {
            values.push(*t.metrics.get(o.metric.name())?);
        }
        Some(values.iter().zip(&signs).map(|(v, s)| v * s).collect())
    }
}

/// The trials of a run (one seed) that count, with their points: finished, with every
/// objective, at the highest fidelity.
pub fn counted<'t>(trials: &'t [Trial], objectives: &Objectives) -> Vec<(&'t Trial, Vec<f64>)> {
    let level = |t: &Trial| t.fidelity.unwrap_or(f64::INFINITY);
    let with: Vec<(&Trial, Vec<f64>)> = trials
        .iter()
        .filter_map(|t| Some((t, objectives.point(t)?)))
        .collect();
    let top = with
        .iter()
        .map(|(t, _)| level(t))
        .fold(f64::NEG_INFINITY, f64::max);
    with.into_iter().filter(|(t, _)| level(t) == top).collect()
}

/// The reference point (every objective maximised): the worst value of each objective over
/// the counted trials of every run; `None` when no run has one.
pub fn reference(results: &[SeedResult], objectives: &Objectives) -> Option<Vec<f64>> {
    let points: Vec<Vec<f64>> = results
        .iter()
        .flat_map(|r| counted(&r.trials, objectives))
        .map(|(_, p)| p)
        .collect();
    let first = points.first()?;
    Some(
        (0..first.len())
            .map(|k| points.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min))
            .collect(),
    )
}

/// One run's Pareto front (its trials, best first objective first; an architecture
/// evaluated more than once appears once, as its first trial) and hypervolume above
/// `reference`.
pub fn run_front<'t>(
    trials: &'t [Trial],
    objectives: &Objectives,
    reference: &[f64],
) -> (Vec<&'t Trial>, f64) {
    let counted = counted(trials, objectives);
    let points: Vec<Vec<f64>> = counted.iter().map(|(_, p)| p.clone()).collect();
    let mut on: Vec<usize> = front(&points);
    on.sort_by(|&a, &b| {
        let id = |i: usize| counted[i].0.id;
        points[b][0]
            .total_cmp(&points[a][0])
            .then(id(a).cmp(&id(b)))
    });
    let volume = hypervolume(&points, reference);
    let mut seen = std::collections::HashSet::new();
    let trials = on
        .into_iter()
        .map(|i| counted[i].0)
        .filter(|t| seen.insert(t.arch.as_str()))
        .collect();
    (trials, volume)
}

/// What `nas run` prints at the end of a multi-objective run: the reference point, and each
/// seed's front size and hypervolume; for one seed, its front as a table.
pub fn describe(results: &[SeedResult], objectives: &Objectives) -> String {
    let mut out = String::new();
    let Some(reference) = reference(results, objectives) else {
        return "no trial finished with every objective: no Pareto front\n".to_string();
    };
    let names = objectives.names();
    let signs = objectives.signs();
    let shown: Vec<String> = names
        .iter()
        .zip(reference.iter().zip(&signs))
        .map(|(n, (r, s))| format!("{n} {}", value(r * s)))
        .collect();
    let _ = writeln!(
        out,
        "hypervolume reference point (the worst value of each objective over every seed's trials): {}",
        shown.join(", ")
    );
    for r in results {
        let (on, volume) = run_front(&r.trials, objectives, &reference);
        let _ = writeln!(
            out,
            "seed {}: Pareto front of {} architectures, hypervolume {volume:.6e}",
            r.seed,
            on.len()
        );
        if results.len() == 1 {
            let _ = writeln!(out, "  {}  arch", names.join("  "));
            for t in on {
                let point = objectives.point(t).unwrap_or_default();
                let cells: Vec<String> = point
                    .iter()
                    .zip(&signs)
                    .zip(&names)
                    .map(|((v, s), n)| format!("{:>w$}", value(v * s), w = n.len()))
                    .collect();
                let _ = writeln!(out, "  {}  {}", cells.join("  "), t.arch);
            }
        }
    }
    out
}

/// A value as printed: integers (parameter counts) without decimals.
fn value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}
