//! The curves of a search: the best reward found so far after each trial and at each moment,
//! per seed, and their mean ± standard deviation over a run's seeds.

use crate::search::trial::Trial;

/// A point of a best-so-far curve: (trials finished, clock in seconds, best reward so far).
pub type Point = (usize, f64, f64);

/// One seed's best-so-far, a point per finished trial. Failed trials count as trials but do
/// not move the best; points before the first reward are left out.
pub fn best_so_far(trials: &[Trial], maximize: bool) -> Vec<Point> {
    let mut ordered: Vec<&Trial> = trials.iter().collect();
    ordered.sort_by_key(|t| t.done);
    let mut best: Option<f64> = None;
    let mut points = Vec::with_capacity(ordered.len());
    for (i, t) in ordered.iter().enumerate() {
        if let Some(r) = t.reward.filter(|r| t.is_ok() && r.is_finite()) {
            best = Some(match best {
                Some(b) if (maximize && b >= r) || (!maximize && b <= r) => b,
                _ => r,
            });
        }
        if let Some(b) = best {
            points.push((i + 1, t.clock, b));
        }
    }
    points
}

/// Mean and standard deviation (over the seeds that have a value there) at each x.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The x values.
    pub x: Vec<f64>,
    /// The mean at each x.
    pub mean: Vec<f64>,
    /// The population standard deviation at each x (0 for a single seed).
    pub std: Vec<f64>,
    /// How many seeds have a value at each x.
    pub seeds: Vec<usize>,
}

/// The band over seeds of best-so-far against the number of finished trials.
pub fn by_trials(per_seed: &[Vec<Point>]) -> Band {
    let longest = per_seed.iter().filter_map(|p| p.last().map(|l| l.0)).max();
    let xs: Vec<f64> = (1..=longest.unwrap_or(0)).map(|n| n as f64).collect();
    band(xs, per_seed, |points, x| {
        points
            .iter()
            .take_while(|p| p.0 as f64 <= x)
            .last()
            .map(|p| p.2)
    })
}

/// The band over seeds of best-so-far against the clock, on `steps` evenly spaced times from 0
/// to the latest finish.
pub fn by_time(per_seed: &[Vec<Point>], steps: usize) -> Band {
    let end = per_seed
        .iter()
        .flat_map(|p| p.iter().map(|q| q.1))
        .fold(0.0_f64, f64::max);
    // The last time is `end` itself: `end * n / n` can round below it, which would leave the
    // latest trial (and a run of one trial, its only point) off the chart.
    let steps = steps.max(1);
    let xs: Vec<f64> = if end > 0.0 {
        (1..=steps)
            .map(|i| {
                if i == steps {
                    end
                } else {
                    end * i as f64 / steps as f64
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    band(xs, per_seed, |points, x| {
        points
            .iter()
            .filter(|p| p.1 <= x)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
            .map(|p| p.2)
    })
}

fn band(xs: Vec<f64>, per_seed: &[Vec<Point>], at: impl Fn(&[Point], f64) -> Option<f64>) -> Band {
    let mut out = Band {
        x: Vec::new(),
        mean: Vec::new(),
        std: Vec::new(),
        seeds: Vec::new(),
    };
    for x in xs {
        let values: Vec<f64> = per_seed.iter().filter_map(|p| at(p, x)).collect();
        if values.is_empty() {
            continue;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        out.x.push(x);
        out.mean.push(mean);
        out.std.push(var.sqrt());
        out.seeds.push(values.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::trial::Status;

    fn trial(done: u64, reward: Option<f64>, clock: f64) -> Trial {
        Trial {
            seed: 0,
            id: done,
            done,
            arch: format!("a{done}"),
            fidelity: None,
            continued_from: None,
            status: if reward.is_some() {
                Status::Ok
            } else {
                Status::Failed
            },
            reward,
            report: None,
            cost: 1.0,
            clock,
            worker: 0,
            error: reward.is_none().then(|| "nan".to_string()),
            metrics: Default::default(),
        }
    }

    #[test]
    fn best_so_far_follows_the_direction_and_skips_failures() {
        let trials = vec![
            trial(1, Some(0.5), 2.0),
            trial(0, None, 1.0),
            trial(2, Some(0.4), 3.0),
            trial(3, Some(0.7), 4.0),
        ];
        assert_eq!(
            best_so_far(&trials, true),
            vec![(2, 2.0, 0.5), (3, 3.0, 0.5), (4, 4.0, 0.7)]
        );
        assert_eq!(
            best_so_far(&trials, false),
            vec![(2, 2.0, 0.5), (3, 3.0, 0.4), (4, 4.0, 0.4)]
        );
    }

    #[test]
    fn the_time_grid_ends_at_the_latest_finish() {
        // 3.172326801 * 200 / 200 rounds to 3.1723268009999996: a grid computed that way
        // would end before the only trial and draw nothing.
        let only = vec![(1, 3.172326801, 26.7)];
        let band = by_time(&[only], 200);
        assert_eq!(band.x.last(), Some(&3.172326801));
        assert_eq!(band.mean, vec![26.7]);
    }

    #[test]
    fn bands_average_the_seeds_that_have_a_value() {
        let a = vec![(1, 1.0, 0.2), (2, 2.0, 0.6)];
        let b = vec![(1, 0.5, 0.4)];
        let t = by_trials(&[a.clone(), b.clone()]);
        assert_eq!(t.x, vec![1.0, 2.0]);
        assert!((t.mean[0] - 0.3).abs() < 1e-12 && (t.std[0] - 0.1).abs() < 1e-12);
        // Seed b has one trial: at 2 trials it still holds its best (0.4).
        assert!((t.mean[1] - 0.5).abs() < 1e-12);
        assert_eq!(t.seeds, vec![2, 2]);
        let c = by_time(&[a, b], 4);
        assert_eq!(c.x, vec![0.5, 1.0, 1.5, 2.0]);
        assert_eq!(c.seeds, vec![1, 2, 2, 2]);
        assert!((c.mean[3] - 0.5).abs() < 1e-12);
    }
}
