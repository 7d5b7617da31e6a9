//! Rank correlations between a proxy's scores and a benchmark's accuracies: Spearman's ρ
//! (Pearson's correlation of average ranks, so ties are handled) and Kendall's τ-b.
//! Infinite scores rank as the largest or smallest values; pairs with a NaN are left out.

/// Spearman's ρ of the pairs `(x[i], y[i])` that hold no NaN; `None` with fewer than two
/// such pairs or when either side is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (x, y) = finite_pairs(x, y);
    if x.len() < 2 {
        return None;
    }
    pearson(&average_ranks(&x), &average_ranks(&y))
}

/// Kendall's τ-b of the pairs that hold no NaN; `None` with fewer than two such pairs or when
/// either side is constant.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let (x, y) = finite_pairs(x, y);
    let n = x.len();
    if n < 2 {
        return None;
    }
    let (mut concordant, mut discordant) = (0i64, 0i64);
    let (mut ties_x, mut ties_y) = (0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[i].total_cmp(&x[j]) as i32;
            let dy = y[i].total_cmp(&y[j]) as i32;
            match (dx, dy) {
                (0, 0) => {}
                (0, _) => ties_x += 1,
                (_, 0) => ties_y += 1,
                _ if dx == dy => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    let denominator = (((concordant + discordant + ties_x) as f64)
        * ((concordant + discordant + ties_y) as f64))
        .sqrt();
    (denominator > 0.0).then(|| (concordant - discordant) as f64 / denominator)
}

/// The pairs in which neither value is NaN.
fn finite_pairs(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    x.iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(&a, &b)| (a, b))
        .unzip()
}

/// 1-based ranks, tied values sharing the mean of their ranks.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean_rank;
        }
        start = end;
    }
    ranks
}

/// Pearson's correlation; `None` when either side has zero variance.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 10.0, 5.0]),
            [2.5, 4.0, 2.5, 1.0]
        );
    }

    #[test]
    fn perfect_and_reversed_orders() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let up = [10.0, 20.0, 30.0, 45.0];
        let down = [4.0, 3.0, 2.0, f64::NEG_INFINITY];
        assert_eq!(spearman(&x, &up), Some(1.0));
        assert_eq!(kendall_tau_b(&x, &up), Some(1.0));
        assert_eq!(spearman(&x, &down), Some(-1.0));
        assert_eq!(kendall_tau_b(&x, &down), Some(-1.0));
    }

    #[test]
    fn known_values_with_ties_and_nan() {
        // scipy.stats.spearmanr([1,2,3,4,5],[2,1,4,3,5]) = 0.8; kendalltau = 0.6
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN];
        let y = [2.0, 1.0, 4.0, 3.0, 5.0, 7.0];
        assert!((spearman(&x, &y).unwrap() - 0.8).abs() < 1e-12);
        assert!((kendall_tau_b(&x, &y).unwrap() - 0.6).abs() < 1e-12);
        // tau-b with ties: x=[1,1,2,3], y=[1,2,2,3]: C=4, D=0, tx=1, ty=1 → 4/5
        let t = kendall_tau_b(&[1.0, 1.0, 2.0, 3.0], &[1.0, 2.0, 2.0, 3.0]).unwrap();
        assert!((t - 0.8).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
    }
}
