//! A Gaussian-process regressor over feature vectors (for `bo`) and a tree-structured Parzen
//! estimator over per-decision choices (for `bohb`).

use super::super::numeric::{mean, std_dev};

/// A Gaussian process with a squared-exponential kernel, fitted to standardised targets; the
/// length scale is chosen by marginal likelihood from a small grid.
#[derive(Debug, Clone)]
pub struct Gp {
    xs: Vec<Vec<f64>>,
    alpha: Vec<f64>,
    chol: Vec<Vec<f64>>,
    length: f64,
    y_mean: f64,
    y_scale: f64,
}

/// Observation noise on standardised targets.
const NOISE: f64 = 1e-2;

impl Gp {
    /// Fits the process to `xs` (rows of equal length) and `ys`; `None` when there are no
    /// points, the rows differ in length, or a value is not finite.
    pub fn fit(xs: &[Vec<f64>], ys: &[f64]) -> Option<Gp> {
        let dim = xs.first()?.len();
        if xs.len() != ys.len() || xs.iter().any(|x| x.len() != dim) {
            return None;
        }
        if ys.iter().chain(xs.iter().flatten()).any(|v| !v.is_finite()) {
            return None;
        }
        let y_mean = mean(ys);
        let spread = std_dev(ys);
        let y_scale = if spread > 1e-12 { spread } else { 1.0 };
        let targets: Vec<f64> = ys.iter().map(|y| (y - y_mean) / y_scale).collect();
        let base = (dim.max(1) as f64).sqrt();
        let mut best: Option<(f64, Gp)> = None;
        for factor in [0.25, 0.5, 1.0, 2.0] {
            let length = base * factor;
            let Some(chol) = cholesky(&kernel_matrix(xs, length)) else {
                continue;
            };
            let alpha = solve_cholesky(&chol, &targets);
            let fit: f64 = targets.iter().zip(&alpha).map(|(y, a)| y * a).sum();
            let log_det: f64 = chol.iter().enumerate().map(|(i, row)| row[i].ln()).sum();
            let evidence = -0.5 * fit - log_det;
            let gp = Gp {
                xs: xs.to_vec(),
                alpha,
                chol,
                length,
                y_mean,
                y_scale,
            };
            if best.as_ref().is_none_or(|(e, _)| evidence > *e) {
                best = Some((evidence, gp));
            }
        }
        best.map(|(_, gp)| gp)
    }

    /// The predictive mean and standard deviation at `x`, in the targets' units.
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        let k: Vec<f64> = self.xs.iter().map(|xi| rbf(xi, x, self.length)).collect();
        let mu: f64 = k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        let v = forward(&self.chol, &k);
        let var = (1.0 - v.iter().map(|t| t * t).sum::<f64>()).max(1e-12);
        (self.y_mean + mu * self.y_scale, var.sqrt() * self.y_scale)
    }

    /// The length scale the fit chose.
    pub fn length_scale(&self) -> f64 {
        self.length
    }
}

fn rbf(a: &[f64], b: &[f64], length: f64) -> f64 {
    let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    (-0.5 * d2 / (length * length)).exp()
}

fn kernel_matrix(xs: &[Vec<f64>], length: f64) -> Vec<Vec<f64>> {
    let n = xs.len();
    let mut k = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let v = rbf(&xs[i], &xs[j], length) + if i == j { NOISE } else { 0.0 };
            k[i][j] = v;
            k[j][i] = v;
        }
    }
    k
}

/// Lower-triangular `L` with `L Lᵀ = a`, or `None` when `a` is not positive definite.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 0.0 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

fn forward(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; b.len()];
    for i in 0..b.len() {
        let s: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i][i];
    }
    y
}

fn solve_cholesky(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let y = forward(l, b);
    let n = y.len();
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k][i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i][i];
    }
    x
}

/// A tree-structured Parzen estimator over categorical choices: one smoothed frequency table
/// per decision for the good configurations and one for the rest.
#[derive(Debug, Clone)]
pub struct Tpe {
    good: Vec<Vec<f64>>,
    bad: Vec<Vec<f64>>,
}

impl Tpe {
    /// Fits the densities. `sizes[d]` is decision `d`'s number of values; a choice outside
    /// `0..sizes[d]` (an inactive decision) is skipped. `None` when a row's length differs.
    pub fn fit(good: &[Vec<i64>], bad: &[Vec<i64>], sizes: &[usize]) -> Option<Tpe> {
        Some(Tpe {
            good: densities(good, sizes)?,
            bad: densities(bad, sizes)?,
        })
    }

    /// `log l(x) - log g(x)`: larger means more like the good configurations.
    pub fn score(&self, choices: &[i64]) -> f64 {
        let mut s = 0.0;
        for (d, &c) in choices.iter().enumerate().take(self.good.len()) {
            let (Some(g), Some(b)) = (self.good[d].get(c as usize), self.bad[d].get(c as usize))
            else {
                continue;
            };
            if c >= 0 {
                s += g.ln() - b.ln();
            }
        }
        s
    }
}

fn densities(rows: &[Vec<i64>], sizes: &[usize]) -> Option<Vec<Vec<f64>>> {
    if rows.iter().any(|r| r.len() != sizes.len()) {
        return None;
    }
    Some(
        sizes
            .iter()
            .enumerate()
            .map(|(d, &size)| {
                let mut counts = vec![1.0; size];
                for r in rows {
                    if let Some(slot) = usize::try_from(r[d]).ok().and_then(|c| counts.get_mut(c)) {
                        *slot += 1.0;
                    }
                }
                let total: f64 = counts.iter().sum();
                counts.into_iter().map(|c| c / total).collect()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gp_interpolates_and_is_unsure_far_away() {
        let xs: Vec<Vec<f64>> = (0..8).map(|i| vec![i as f64 * 0.5]).collect();
        let ys: Vec<f64> = xs.iter().map(|x| (x[0]).sin()).collect();
        let gp = Gp::fit(&xs, &ys).expect("fits");
        let (m, s) = gp.predict(&[1.0]);
        assert!((m - 1.0f64.sin()).abs() < 0.05, "{m}");
        let (_, far) = gp.predict(&[30.0]);
        assert!(far > 5.0 * s, "{far} vs {s}");
    }

    #[test]
    fn gp_refuses_bad_input() {
        assert!(Gp::fit(&[], &[]).is_none());
        assert!(Gp::fit(&[vec![1.0], vec![1.0, 2.0]], &[1.0, 2.0]).is_none());
        assert!(Gp::fit(&[vec![f64::NAN]], &[1.0]).is_none());
    }

    #[test]
    fn tpe_prefers_what_the_good_ones_chose() {
        let good = vec![vec![0, 1], vec![0, 1], vec![0, 0]];
        let bad = vec![vec![1, 0], vec![2, 0], vec![1, 1]];
        let tpe = Tpe::fit(&good, &bad, &[3, 2]).expect("fits");
        assert!(tpe.score(&[0, 1]) > tpe.score(&[1, 0]));
        assert!(Tpe::fit(&[vec![0]], &bad, &[3, 2]).is_none());
    }
}
