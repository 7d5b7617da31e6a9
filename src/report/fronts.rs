//! The report's Pareto fronts of multi-objective runs (`objective maximize valid_acc,
//! minimize params`): for each objective after the first, one chart of the first objective
//! against it, every counted trial of every run drawn faintly and each run's front of that
//! pair of objectives (over all its seeds' trials) drawn and joined; the data of every trial
//! as CSV, with whether it is on its run's front of all the objectives.
//!
//! A trial counts as it does for `nas run`'s printed front ([`crate::search::front`]):
//! finished, with every objective, at the highest fidelity its seed used.

use super::plots::{self, FrontSeries};
use super::Run;
use crate::search::front::{self, Objectives};
use crate::search::pareto;
use crate::search::trial::Trial;
use crate::space::ArchMetric;
use nas_lang::experiment::ExtraObjective;
use std::fmt::Write;

/// A run's objectives, read from its store's header; `None` for a single-objective run or
/// one whose later objectives this version does not know.
fn extra_objectives(run: &Run) -> Option<Vec<ExtraObjective>> {
    let about = run.header.about.as_ref()?;
    if about.more_objectives.is_empty() {
        return None;
    }
    about
        .more_objectives
        .iter()
        .map(|(name, maximize)| {
            Some(ExtraObjective {
                metric: ArchMetric::from_name(name)?,
                maximize: *maximize,
            })
        })
        .collect()
}

/// One run's counted trials (over all its seeds) with their points (every objective, each
/// as written: not sign-turned), and which of them are on its front of all the objectives.
struct Counted<'r> {
    trials: Vec<(&'r Trial, Vec<f64>)>,
    on_front: Vec<bool>,
}

fn counted<'r>(run: &'r Run, objectives: &Objectives) -> Counted<'r> {
    let signs = objectives.signs();
    let (mut trials, mut turned) = (Vec::new(), Vec::new());
    for seed_trials in run.trials.values() {
        for (t, p) in front::counted(seed_trials, objectives) {
            trials.push((t, p.iter().zip(&signs).map(|(v, s)| v * s).collect()));
            turned.push(p);
        }
    }
    let mut on_front = vec![false; trials.len()];
    for i in pareto::front(&turned) {
        on_front[i] = true;
    }
    Counted { trials, on_front }
}

/// An objective on a chart's axis: its name and whether it is maximised.
type Axis = (String, bool);

/// The front of `points` in the objectives `a` and `b` (maximised when the flags say so).
fn pair_front(points: &[(f64, f64)], (max_a, max_b): (bool, bool)) -> Vec<(f64, f64)> {
    let sign = |m: bool| if m { 1.0 } else { -1.0 };
    let turned: Vec<Vec<f64>> = points
        .iter()
        .map(|(a, b)| vec![a * sign(max_a), b * sign(max_b)])
        .collect();
    let mut on: Vec<(f64, f64)> = pareto::front(&turned)
        .into_iter()
        .map(|i| points[i])
        .collect();
    on.sort_by(|p, q| p.1.total_cmp(&q.1).then(p.0.total_cmp(&q.0)));
    on.dedup();
    on
}

/// Appends the fronts of the multi-objective `runs` to `body` (nothing when there are none)
/// and returns their CSV (`None`: no multi-objective run).
pub fn section(runs: &[Run], body: &mut String) -> Option<String> {
    let multi: Vec<(&Run, Vec<ExtraObjective>)> = runs
        .iter()
        .filter_map(|r| Some((r, extra_objectives(r)?)))
        .collect();
    if multi.is_empty() {
        return None;
    }
    body.push_str("<h2>Pareto fronts</h2>\n<p class=\"note\">Each multi-objective run's trials (finished, with every objective, at the highest fidelity), faint, and its front in the first objective and the one on the horizontal axis, over all its seeds, joined. The CSV marks the trials on the front of all the objectives.</p>\n");
    let mut csv = String::from("run,seed,trial,arch,objective,value,on_front\n");
    // Charts group the runs that share the first objective and the one plotted against it.
    let mut charts: Vec<(Axis, Axis, Vec<FrontSeries>)> = Vec::new();
    for (i, (run, extra)) in multi.iter().enumerate() {
        let about = run
            .header
            .about
            .as_ref()
            .expect("a multi-objective run's header");
        let objectives = Objectives {
            first: (&about.metric, about.maximize),
            extra,
        };
        let names = objectives.names();
        let counted = counted(run, &objectives);
        for ((t, p), on) in counted.trials.iter().zip(&counted.on_front) {
            for (name, v) in names.iter().zip(p) {
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{name},{v},{on}",
                    super::csv_field(&run.label),
                    t.seed,
                    t.id,
                    super::csv_field(&t.arch)
                );
            }
        }
        for (k, o) in extra.iter().enumerate() {
            let points: Vec<(f64, f64)> = counted
                .trials
                .iter()
                .map(|(_, p)| (p[k + 1], p[0]))
                .collect();
            let line = pair_front(&points, (o.maximize, about.maximize));
            let key = (
                (about.metric.clone(), about.maximize),
                (o.metric.name().to_string(), o.maximize),
            );
            let series = FrontSeries {
                label: run.label.clone(),
                colour: i,
                points,
                front: line,
            };
            match charts
                .iter_mut()
                .find(|(f, x, _)| (f, x) == (&key.0, &key.1))
            {
                Some((_, _, s)) => s.push(series),
                None => charts.push((key.0, key.1, vec![series])),
            }
        }
    }
    for ((first, max_first), (x, max_x), series) in &charts {
        let way = |m: bool| if m { "maximised" } else { "minimised" };
        super::chart(
            body,
            plots::fronts(
                &format!(
                    "{first} ({}) against {x} ({})",
                    way(*max_first),
                    way(*max_x)
                ),
                x,
                first,
                series,
            ),
        );
    }
    Some(csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_front_keeps_the_non_dominated_points_in_order() {
        // Maximise the second, minimise the first: (1, 50) and (3, 70) and (5, 90) trade off;
        // (4, 60) is beaten by (3, 70).
        let points = [
            (3.0, 70.0),
            (1.0, 50.0),
            (4.0, 60.0),
            (5.0, 90.0),
            (5.0, 90.0),
        ];
        assert_eq!(
            pair_front(&points, (false, true)),
            [(1.0, 50.0), (3.0, 70.0), (5.0, 90.0)]
        );
    }
}
