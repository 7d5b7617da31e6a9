//! Regression trees (CART: binary splits chosen by the largest drop in squared error) and the
//! two tree ensembles built on them: a random forest (SMAC's surrogate: bootstrapped trees,
//! each split among a random share of the features, mean and variance across the trees) and
//! an ensemble of gradient-boosted tree models (each boosted on a different row subsample;
//! mean and spread across the members).
//!
//! Written here rather than taken from a crate: the inputs are a few hundred rows of a few
//! dozen mostly 0/1 features, one small CART serves both ensembles, and the maintained crates
//! that offer forests or boosting (`smartcore`, `linfa-trees`, `gbdt`, `forust-ml`) bring
//! their own matrix types and dependency trees for what is ~200 lines here; none gives the
//! per-tree predictions SMAC's variance needs without reaching into its internals.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How one tree grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeParams {
    /// Deepest level (the root is depth 0).
    pub max_depth: usize,
    /// Fewest rows a node needs to be split.
    pub min_split: usize,
    /// Fewest rows in each child of a split.
    pub min_leaf: usize,
    /// Share of the features tried at each split (at least one).
    pub feature_share: f64,
}

/// A fitted regression tree.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<TreeNode>,
}

#[derive(Debug, Clone)]
enum TreeNode {
    Leaf(f64),
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

impl Tree {
    /// Fits a tree to rows `rows` of `xs` (repeats allowed: a bootstrap sample) with targets
    /// `ys`; `rng` chooses the features tried at each split.
    pub fn fit(
        xs: &[Vec<f64>],
        ys: &[f64],
        rows: &[usize],
        params: &TreeParams,
        rng: &mut ChaCha8Rng,
    ) -> Tree {
        let mut tree = Tree { nodes: Vec::new() };
        tree.grow(xs, ys, rows.to_vec(), 0, params, rng);
        tree
    }

    fn grow(
        &mut self,
        xs: &[Vec<f64>],
        ys: &[f64],
        rows: Vec<usize>,
        depth: usize,
        params: &TreeParams,
        rng: &mut ChaCha8Rng,
    ) -> usize {
        let here = self.nodes.len();
        let mean = rows.iter().map(|&r| ys[r]).sum::<f64>() / rows.len().max(1) as f64;
        self.nodes.push(TreeNode::Leaf(mean));
        if depth >= params.max_depth || rows.len() < params.min_split.max(2) {
            return here;
        }
        let Some((feature, threshold)) = best_split(xs, ys, &rows, params, rng) else {
            return here;
        };
        let (l, r): (Vec<usize>, Vec<usize>) =
            rows.iter().partition(|&&i| xs[i][feature] <= threshold);
        let left = self.grow(xs, ys, l, depth + 1, params, rng);
        let right = self.grow(xs, ys, r, depth + 1, params, rng);
        self.nodes[here] = TreeNode::Split {
            feature,
            threshold,
            left,
            right,
        };
        here
    }

    /// The tree's prediction at `x`.
    pub fn predict(&self, x: &[f64]) -> f64 {
        let mut i = 0;
        loop {
            match self.nodes[i] {
                TreeNode::Leaf(v) => return v,
                TreeNode::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    let v = x.get(feature).copied().unwrap_or(0.0);
                    i = if v <= threshold { left } else { right };
                }
            }
        }
    }
}

/// The split of `rows` with the largest drop in squared error among a random share of the
/// features, or `None` when no split leaves `min_leaf` rows on both sides and lowers it.
fn best_split(
    xs: &[Vec<f64>],
    ys: &[f64],
    rows: &[usize],
    params: &TreeParams,
    rng: &mut ChaCha8Rng,
) -> Option<(usize, f64)> {
    let dim = xs[rows[0]].len();
    let mut features: Vec<usize> = (0..dim).collect();
    features.shuffle(rng);
    let tried = ((dim as f64 * params.feature_share).ceil() as usize).clamp(1, dim.max(1));
    let n = rows.len() as f64;
    let total: f64 = rows.iter().map(|&r| ys[r]).sum();
    let min_leaf = params.min_leaf.max(1);
    let mut best: Option<(f64, usize, f64)> = None;
    let mut order = rows.to_vec();
    for &f in features.iter().take(tried) {
        order.sort_by(|&a, &b| xs[a][f].total_cmp(&xs[b][f]));
        let mut left_sum = 0.0;
        for k in 0..order.len() - 1 {
            left_sum += ys[order[k]];
            let (a, b) = (xs[order[k]][f], xs[order[k + 1]][f]);
            let left_n = (k + 1) as f64;
            if a == b || k + 1 < min_leaf || order.len() - k - 1 < min_leaf {
                continue;
            }
            // The drop in squared error is Σl²/nl + Σr²/nr − Σ²/n; the last term is fixed.
            let right_sum = total - left_sum;
            let gain = left_sum * left_sum / left_n + right_sum * right_sum / (n - left_n);
            if best.is_none_or(|(g, _, _)| gain > g + 1e-12) {
                best = Some((gain, f, 0.5 * (a + b)));
            }
        }
    }
    let (gain, f, t) = best?;
    (gain > total * total / n + 1e-12).then_some((f, t))
}

/// A random forest: trees on bootstrap samples, each split among a random share of the
/// features ([`Forest::SMAC`] holds SMAC's settings).
#[derive(Debug, Clone)]
pub struct Forest {
    trees: Vec<Tree>,
}

impl Forest {
    /// SMAC's random-forest settings (Hutter et al. 2011; SMAC3's defaults): 10 trees, splits
    /// among 5/6 of the features, at least 3 rows to split a node and 3 in each leaf, depth
    /// practically unbounded.
    pub const SMAC: TreeParams = TreeParams {
        max_depth: 1 << 20,
        min_split: 3,
        min_leaf: 3,
        feature_share: 5.0 / 6.0,
    };

    /// Fits `trees` trees, each to a bootstrap sample of the rows.
    pub fn fit(
        xs: &[Vec<f64>],
        ys: &[f64],
        trees: usize,
        params: &TreeParams,
        rng: &mut ChaCha8Rng,
    ) -> Forest {
        let n = xs.len();
        let trees = (0..trees.max(1))
            .map(|_| {
                let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                Tree::fit(xs, ys, &rows, params, rng)
            })
            .collect();
        Forest { trees }
    }

    /// The mean and standard deviation of the trees' predictions at `x`.
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        spread(self.trees.iter().map(|t| t.predict(x)))
    }
}

/// How a gradient-boosted model grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoostParams {
    /// Boosting rounds (trees per member).
    pub rounds: usize,
    /// The shrinkage applied to each tree.
    pub learning_rate: f64,
    /// Share of the rows each member is fitted to (drawn without replacement).
    pub subsample: f64,
    /// Each tree's growth.
    pub tree: TreeParams,
}

/// An ensemble of gradient-boosted regression-tree models (squared loss), each fitted to its
/// own row subsample; their spread is the surrogate's uncertainty.
#[derive(Debug, Clone)]
pub struct BoostedEnsemble {
    members: Vec<(f64, Vec<Tree>)>,
    learning_rate: f64,
}

impl BoostedEnsemble {
    /// Fits `members` boosted models.
    pub fn fit(
        xs: &[Vec<f64>],
        ys: &[f64],
        members: usize,
        params: &BoostParams,
        rng: &mut ChaCha8Rng,
    ) -> BoostedEnsemble {
        let n = xs.len();
        let take = ((n as f64 * params.subsample).ceil() as usize).clamp(1, n.max(1));
        let members = (0..members.max(1))
            .map(|_| {
                let mut rows: Vec<usize> = (0..n).collect();
                rows.shuffle(rng);
                rows.truncate(take);
                let base = rows.iter().map(|&r| ys[r]).sum::<f64>() / rows.len() as f64;
                let mut fitted = vec![base; n];
                let mut trees = Vec::with_capacity(params.rounds);
                for _ in 0..params.rounds {
                    let residual: Vec<f64> = ys.iter().zip(&fitted).map(|(y, f)| y - f).collect();
                    let tree = Tree::fit(xs, &residual, &rows, &params.tree, rng);
                    for &r in &rows {
                        fitted[r] += params.learning_rate * tree.predict(&xs[r]);
                    }
                    trees.push(tree);
                }
                (base, trees)
            })
            .collect();
        BoostedEnsemble {
            members,
            learning_rate: params.learning_rate,
        }
    }

    /// The mean and standard deviation of the members' predictions at `x`.
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        spread(self.members.iter().map(|(base, trees)| {
            base + self.learning_rate * trees.iter().map(|t| t.predict(x)).sum::<f64>()
        }))
    }
}

/// Mean and (population) standard deviation.
fn spread(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = values.collect();
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::numeric::expected_improvement;
    use rand::SeedableRng;

    /// 0/1 features; the target is 3·x0 + 2·x1 − x2 (the rest are noise features).
    fn problem(n: usize, rng: &mut ChaCha8Rng) -> (Vec<Vec<f64>>, Vec<f64>) {
        let xs: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..6).map(|_| rng.random_range(0..2) as f64).collect())
            .collect();
        let ys = xs.iter().map(|x| 3.0 * x[0] + 2.0 * x[1] - x[2]).collect();
        (xs, ys)
    }

    #[test]
    fn a_tree_fits_a_step_function_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (xs, ys) = problem(64, &mut rng);
        let all: Vec<usize> = (0..xs.len()).collect();
        let params = TreeParams {
            max_depth: 8,
            min_split: 2,
            min_leaf: 1,
            feature_share: 1.0,
        };
        let tree = Tree::fit(&xs, &ys, &all, &params, &mut rng);
        for (x, y) in xs.iter().zip(&ys) {
            assert!((tree.predict(x) - y).abs() < 1e-9);
        }
    }

    #[test]
    fn the_forest_ranks_and_its_ei_vanishes_where_it_is_sure_and_worse() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (xs, ys) = problem(200, &mut rng);
        let forest = Forest::fit(&xs, &ys, 10, &Forest::SMAC, &mut rng);
        let (good, _) = forest.predict(&[1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        let (bad, bad_std) = forest.predict(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        assert!(good > 4.0 && bad < 0.0, "{good} {bad}");
        // Every tree agrees on the worst point (many rows support it): no improvement over
        // the best value seen is expected there.
        assert!(bad_std < 0.05, "{bad_std}");
        assert!(expected_improvement(bad, bad_std, 5.0) < 1e-9);
        assert!(expected_improvement(good, 0.5, 5.0) > 0.0);
    }

    #[test]
    fn boosting_recovers_the_target() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (xs, ys) = problem(120, &mut rng);
        let params = BoostParams {
            rounds: 60,
            learning_rate: 0.2,
            subsample: 0.8,
            tree: TreeParams {
                max_depth: 3,
                min_split: 2,
                min_leaf: 1,
                feature_share: 1.0,
            },
        };
        let gbt = BoostedEnsemble::fit(&xs, &ys, 5, &params, &mut rng);
        let err: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (gbt.predict(x).0 - y).powi(2))
            .sum::<f64>()
            / xs.len() as f64;
        assert!(err < 0.05, "mse {err}");
    }
}
