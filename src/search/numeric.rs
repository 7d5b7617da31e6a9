//! Numeric helpers for strategies: summary statistics and the soft-max family, on plain
//! slices so that the host API and the runner share one implementation.

/// The arithmetic mean (NaN for an empty slice).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The population standard deviation (0 for one value, NaN for none).
pub fn std_dev(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64).sqrt()
}

/// The sample standard deviation (divides by `n - 1`; 0 for fewer than two values).
pub fn sample_std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// `exp(x_i) / Σ exp(x_j)`, computed stably.
pub fn softmax(xs: &[f64]) -> Vec<f64> {
    let top = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = xs.iter().map(|x| (x - top).exp()).collect();
    let total: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / total).collect()
}

/// The index of the largest value (the first of ties; `None` for an empty slice or all NaN).
pub fn argmax(xs: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, x) in xs.iter().enumerate() {
        if x.is_nan() {
            continue;
        }
        if best.is_none_or(|b| *x > xs[b]) {
            best = Some(i);
        }
    }
    best
}

/// The index of the smallest value (the first of ties; `None` for an empty slice or all NaN).
pub fn argmin(xs: &[f64]) -> Option<usize> {
    let negated: Vec<f64> = xs.iter().map(|x| -x).collect();
    argmax(&negated)
}

/// The standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (std::f64::consts::TAU).sqrt()
}

/// The standard normal distribution function (Abramowitz–Stegun 7.1.26 erf, error < 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Expected improvement over `best` (maximising) of a Gaussian prediction `mean ± std`.
pub fn expected_improvement(mean: f64, std: f64, best: f64) -> f64 {
    if std <= 0.0 || std.is_nan() {
        return (mean - best).max(0.0);
    }
    let z = (mean - best) / std;
    (mean - best) * normal_cdf(z) + std * normal_pdf(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(mean(&xs), 2.5);
        assert!((std_dev(&xs) - 1.118_033_988_7).abs() < 1e-9);
        assert!((sample_std_dev(&xs) - 1.290_994_448_7).abs() < 1e-9);
        assert!(mean(&[]).is_nan());
        assert_eq!(sample_std_dev(&[5.0]), 0.0);
    }

    #[test]
    fn softmax_is_stable_and_normalised() {
        let p = softmax(&[1000.0, 1000.0, 999.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[0] - p[1]).abs() < 1e-12 && p[2] < p[0]);
    }

    #[test]
    fn arg_extremes() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmin(&[1.0, 3.0, 0.5]), Some(2));
        assert_eq!(argmax(&[]), None);
        assert_eq!(argmax(&[f64::NAN, 1.0]), Some(1));
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975_002).abs() < 1e-5);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }

    #[test]
    fn expected_improvement_grows_with_mean_and_spread() {
        let base = expected_improvement(0.0, 1.0, 0.0);
        assert!((base - normal_pdf(0.0)).abs() < 1e-9);
        assert!(expected_improvement(1.0, 1.0, 0.0) > base);
        assert!(expected_improvement(0.0, 2.0, 0.0) > base);
        assert_eq!(expected_improvement(-1.0, 0.0, 0.0), 0.0);
    }
}
