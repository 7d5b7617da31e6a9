//! The seeded random number generator behind a strategy's `ctx.rng` and the space operations
//! it asks for: one ChaCha8 stream per run, so a seed fixes the whole search.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded generator with the draws strategies need.
#[derive(Debug, Clone)]
pub struct SearchRng {
    inner: ChaCha8Rng,
}

impl SearchRng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> SearchRng {
        SearchRng {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A generator that continues from `inner` (a restored checkpoint's position).
    pub fn from_inner(inner: ChaCha8Rng) -> SearchRng {
        SearchRng { inner }
    }

    /// The underlying generator, for space operations that take any `rand::Rng`.
    pub fn inner(&mut self) -> &mut ChaCha8Rng {
        &mut self.inner
    }

    /// A float uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        self.inner.random::<f64>()
    }

    /// An integer uniform in `lo..hi` (`lo` when the range is empty).
    pub fn below(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.inner.random_range(lo..hi)
        }
    }

    /// An index uniform in `0..n` (`n > 0`).
    pub fn index(&mut self, n: usize) -> usize {
        self.inner.random_range(0..n.max(1))
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An index drawn with probability proportional to `weights` (non-negative; all zero or
    /// empty gives a uniform draw over them, `None` when empty).
    pub fn categorical(&mut self, weights: &[f64]) -> Option<usize> {
        if weights.is_empty() {
            return None;
        }
        let total: f64 = weights.iter().map(|w| w.max(0.0)).sum();
        if !(total > 0.0 && total.is_finite()) {
            return Some(self.index(weights.len()));
        }
        let mut x = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            x -= w.max(0.0);
            if x < 0.0 {
                return Some(i);
            }
        }
        Some(weights.len() - 1)
    }

    /// `k` distinct indices out of `0..n`, in the order drawn (`min(k, n)` of them).
    pub fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        if k * 4 < n {
            let mut out: Vec<usize> = Vec::with_capacity(k);
            while out.len() < k {
                let i = self.index(n);
                if !out.contains(&i) {
                    out.push(i);
                }
            }
            return out;
        }
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + self.index(n - i);
            all.swap(i, j);
        }
        all.truncate(k);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (SearchRng::new(7), SearchRng::new(7));
        let xs: Vec<f64> = (0..5).map(|_| a.uniform()).collect();
        let ys: Vec<f64> = (0..5).map(|_| b.uniform()).collect();
        assert_eq!(xs, ys);
        assert_ne!(SearchRng::new(8).uniform(), xs[0]);
    }

    #[test]
    fn distinct_draws_are_distinct_and_in_range() {
        let mut r = SearchRng::new(1);
        for (n, k) in [(10, 3), (10, 10), (5, 9), (100, 2)] {
            let d = r.distinct(n, k);
            assert_eq!(d.len(), k.min(n));
            let mut s = d.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), d.len());
            assert!(d.iter().all(|&i| i < n));
        }
    }

    #[test]
    fn categorical_follows_weights() {
        let mut r = SearchRng::new(3);
        let mut hits = [0usize; 3];
        for _ in 0..3000 {
            hits[r.categorical(&[0.0, 1.0, 3.0]).unwrap_or(0)] += 1;
        }
        assert_eq!(hits[0], 0);
        assert!(hits[2] > 2 * hits[1], "{hits:?}");
        assert_eq!(r.categorical(&[]), None);
    }

    #[test]
    fn normal_has_unit_scale() {
        let mut r = SearchRng::new(4);
        let xs: Vec<f64> = (0..4000).map(|_| r.normal()).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
        assert!(m.abs() < 0.1 && (v - 1.0).abs() < 0.1, "{m} {v}");
    }
}
