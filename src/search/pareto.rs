//! Pareto dominance over points whose every coordinate is maximised: non-dominated sorting
//! (Deb et al. 2002's fast sort), crowding distance, and the hypervolume dominated by a set
//! of points above a reference point (exact in any dimension, by slicing along the first
//! objective; linear after a sort for two). Strategies reach these through
//! `host/pareto_api.rs`; `nas run` prints a run's front and its hypervolume with them.
//! A coordinate that is NaN or -inf (a failed trial) makes a point dominated by every point
//! without one.

/// Whether `a` dominates `b`: at least as good in every coordinate and better in one.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut better = false;
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (finite_or_worst(*x), finite_or_worst(*y));
        if x < y {
            return false;
        }
        better |= x > y;
    }
    better
}

/// A coordinate as dominance compares it: NaN counts as the worst value.
fn finite_or_worst(x: f64) -> f64 {
    if x.is_nan() {
        f64::NEG_INFINITY
    } else {
        x
    }
}

/// Each point's Pareto rank: 0 for the non-dominated points, 1 for those dominated only by
/// rank-0 points, and so on (Deb et al.'s fast non-dominated sort, O(M N²)).
pub fn ranks(points: &[Vec<f64>]) -> Vec<usize> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in (i + 1)..n {
            if dominates(&points[i], &points[j]) {
                dominates_list[i].push(j);
                dominated_by[j] += 1;
            } else if dominates(&points[j], &points[i]) {
                dominates_list[j].push(i);
                dominated_by[i] += 1;
            }
        }
    }
    let mut rank = vec![0usize; n];
    let mut front: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut level = 0;
    while !front.is_empty() {
        let mut next = Vec::new();
        for &i in &front {
            rank[i] = level;
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        front = next;
        level += 1;
    }
    rank
}

/// The indices of the non-dominated points, ascending.
pub fn front(points: &[Vec<f64>]) -> Vec<usize> {
    ranks(points)
        .iter()
        .enumerate()
        .filter_map(|(i, &r)| (r == 0).then_some(i))
        .collect()
}

/// Each point's crowding distance within `points` (one front): per objective, the points at
/// either end get infinity and every other one the gap between its neighbours divided by the
/// objective's range; the distance is the sum over objectives (Deb et al. 2002, section III-B).
/// An objective whose values are all equal adds nothing.
pub fn crowding(points: &[Vec<f64>]) -> Vec<f64> {
    let n = points.len();
    let mut distance = vec![0.0; n];
    if n == 0 {
        return distance;
    }
    let objectives = points[0].len();
    for k in (0..objectives).rev() {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| points[a][k].total_cmp(&points[b][k]).then(a.cmp(&b)));
        let (lo, hi) = (points[order[0]][k], points[order[n - 1]][k]);
        distance[order[0]] = f64::INFINITY;
        distance[order[n - 1]] = f64::INFINITY;
        let range = hi - lo;
        if range <= 0.0 || !range.is_finite() {
            continue;
        }
        for w in order.windows(3) {
            distance[w[1]] += (points[w[2]][k] - points[w[0]][k]) / range;
        }
    }
    distance
}

/// The indices of `points` in NSGA-II's crowded-comparison order (Deb et al. 2002, section
/// III-C): by Pareto rank, and within a rank by crowding distance within that rank's front,
/// larger first; equal ones by index. NSGA-II keeps the first N of its parents and children
/// in this order, and a binary tournament picks the contestant that comes first.
pub fn crowded_order(points: &[Vec<f64>]) -> Vec<usize> {
    let rank = ranks(points);
    let mut distance = vec![0.0; points.len()];
    for level in 0..=rank.iter().copied().max().unwrap_or(0) {
        let members: Vec<usize> = (0..points.len()).filter(|&i| rank[i] == level).collect();
        let front: Vec<Vec<f64>> = members.iter().map(|&i| points[i].clone()).collect();
        for (&i, d) in members.iter().zip(crowding(&front)) {
            distance[i] = d;
        }
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        rank[a]
            .cmp(&rank[b])
            .then(distance[b].total_cmp(&distance[a]))
            .then(a.cmp(&b))
    });
    order
}

/// The hypervolume (Lebesgue measure) of the region dominated by `points` and dominating
/// `reference`, every coordinate maximised. Points that do not dominate the reference
/// strictly in every coordinate add nothing. Exact: two objectives by one sweep, more by
/// slicing along the first objective and measuring each slice's front in the others.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<Vec<f64>> = points
        .iter()
        .filter(|p| p.len() == reference.len() && p.iter().zip(reference).all(|(x, r)| x > r))
        .cloned()
        .collect();
    volume(inside, reference)
}

fn volume(mut points: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    match reference.len() {
        0 => 0.0,
        1 => {
            points
                .iter()
                .map(|p| p[0])
                .fold(f64::NEG_INFINITY, f64::max)
                - reference[0]
        }
        2 => {
            // Best first objective first: each point adds the strip its second objective
            // rises above the best second objective seen so far.
            points.sort_by(|a, b| b[0].total_cmp(&a[0]).then(b[1].total_cmp(&a[1])));
            let mut total = 0.0;
            let mut top = reference[1];
            for p in &points {
                if p[1] > top {
                    total += (p[0] - reference[0]) * (p[1] - top);
                    top = p[1];
                }
            }
            total
        }
        _ => {
            // Slices between consecutive values of the first objective, best first: the slice
            // below value x_i (down to the next one) is dominated by the points with first
            // objective ≥ x_i, measured in the other objectives.
            points.sort_by(|a, b| b[0].total_cmp(&a[0]));
            let mut total = 0.0;
            for i in 0..points.len() {
                let below = points.get(i + 1).map_or(reference[0], |p| p[0]);
                let depth = points[i][0] - below;
                if depth <= 0.0 {
                    continue;
                }
                let rest: Vec<Vec<f64>> = points[..=i].iter().map(|p| p[1..].to_vec()).collect();
                let kept = front(&rest).into_iter().map(|j| rest[j].clone()).collect();
                total += depth * volume(kept, &reference[1..]);
            }
            total
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pts(xs: &[&[f64]]) -> Vec<Vec<f64>> {
        xs.iter().map(|x| x.to_vec()).collect()
    }

    #[test]
    fn dominance_needs_one_strictly_better_coordinate() {
        assert!(dominates(&[2.0, 1.0], &[1.0, 1.0]));
        assert!(!dominates(&[1.0, 1.0], &[1.0, 1.0]));
        assert!(!dominates(&[2.0, 0.0], &[1.0, 1.0]));
        assert!(!dominates(&[0.0, 0.0], &[f64::NEG_INFINITY, 5.0]));
        assert!(dominates(&[0.0, 5.0], &[f64::NAN, 5.0]));
    }

    #[test]
    fn ranks_peel_fronts_by_hand() {
        // (4,1) (3,3) (1,4) are mutually non-dominated; (2,2) is dominated by (3,3) only;
        // (1,1) by all of them and (2,2); (0,0) by everything.
        let p = pts(&[
            &[4.0, 1.0],
            &[2.0, 2.0],
            &[3.0, 3.0],
            &[1.0, 1.0],
            &[1.0, 4.0],
            &[0.0, 0.0],
        ]);
        assert_eq!(ranks(&p), vec![0, 1, 0, 2, 0, 3]);
        assert_eq!(front(&p), vec![0, 2, 4]);
    }

    #[test]
    fn duplicates_share_a_rank() {
        let p = pts(&[&[1.0, 1.0], &[1.0, 1.0], &[0.0, 0.0]]);
        assert_eq!(ranks(&p), vec![0, 0, 1]);
    }

    #[test]
    fn crowding_by_hand() {
        // Sorted by the first objective: (0,4) (1,3) (3,1) (4,0); ranges 4 and 4.
        // (1,3): (3-0)/4 + (4-1)/4 = 1.5; (3,1): (4-1)/4 + (3-0)/4 = 1.5.
        let p = pts(&[&[3.0, 1.0], &[0.0, 4.0], &[4.0, 0.0], &[1.0, 3.0]]);
        let d = crowding(&p);
        assert_eq!(d[1], f64::INFINITY);
        assert_eq!(d[2], f64::INFINITY);
        assert!((d[0] - 1.5).abs() < 1e-12 && (d[3] - 1.5).abs() < 1e-12);
        // Uneven: (0,4) (2,3) (3,1) (4,0): (2,3) gets 3/4 + 3/4, (3,1) 2/4 + 3/4.
        let p = pts(&[&[0.0, 4.0], &[2.0, 3.0], &[3.0, 1.0], &[4.0, 0.0]]);
        let d = crowding(&p);
        assert!((d[1] - 1.5).abs() < 1e-12 && (d[2] - 1.25).abs() < 1e-12);
        assert_eq!(crowding(&pts(&[&[1.0, 2.0]])), vec![f64::INFINITY]);
    }

    #[test]
    fn crowded_order_by_hand() {
        // Front 0: (0,4) and (4,0) at the ends (∞), then (3,1) and (1,3) at 3/4 + 3/4 each;
        // front 1: (0,2) and (2,0) at the ends, then (1,1) at 2/2 + 2/2.
        let p = pts(&[
            &[1.0, 1.0],
            &[3.0, 1.0],
            &[0.0, 4.0],
            &[0.0, 2.0],
            &[4.0, 0.0],
            &[1.0, 3.0],
            &[2.0, 0.0],
        ]);
        // Ranks: (1,1) is dominated by (3,1) and (1,3) but not by (0,2) or (2,0): rank 1,
        // with (0,2) and (2,0).
        assert_eq!(ranks(&p), vec![1, 0, 0, 1, 0, 0, 1]);
        assert_eq!(crowded_order(&p), vec![2, 4, 1, 5, 3, 6, 0]);
    }

    #[test]
    fn hypervolume_in_two_dimensions_by_hand() {
        // Reference (0,0); staircase (1,3) (2,2) (3,1): 3·1 + 2·1 + 1·1 = 6.
        let p = pts(&[&[1.0, 3.0], &[2.0, 2.0], &[3.0, 1.0]]);
        assert!((hypervolume(&p, &[0.0, 0.0]) - 6.0).abs() < 1e-12);
        // A dominated point and a point outside the reference add nothing.
        let mut q = p.clone();
        q.push(vec![1.0, 1.0]);
        q.push(vec![5.0, -1.0]);
        assert!((hypervolume(&q, &[0.0, 0.0]) - 6.0).abs() < 1e-12);
        // Shifted reference (0.5, 0.5), by strips: (3,1): 2.5·0.5, (2,2): 1.5·1, (1,3): 0.5·1,
        // 1.25 + 1.5 + 0.5 = 3.25.
        assert!((hypervolume(&p, &[0.5, 0.5]) - 3.25).abs() < 1e-12);
        assert_eq!(hypervolume(&[], &[0.0, 0.0]), 0.0);
    }

    #[test]
    fn hypervolume_in_three_dimensions_by_hand() {
        // One box 2×3×4 = 24; two overlapping boxes (2,2,2) and (1,1,4): 8 + 4 - 2 = 10.
        assert!((hypervolume(&pts(&[&[2.0, 3.0, 4.0]]), &[0.0; 3]) - 24.0).abs() < 1e-12);
        let p = pts(&[&[2.0, 2.0, 2.0], &[1.0, 1.0, 4.0]]);
        assert!((hypervolume(&p, &[0.0; 3]) - 10.0).abs() < 1e-12);
    }

    fn point_sets() -> impl Strategy<Value = Vec<Vec<f64>>> {
        // Small integer grids make ties and duplicates common.
        prop::collection::vec(prop::collection::vec(0..6i32, 2..=3), 1..25).prop_map(|ps| {
            let m = ps[0].len();
            ps.into_iter()
                .map(|p| (0..m).map(|k| f64::from(*p.get(k).unwrap_or(&0))).collect())
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_front_is_non_dominated_and_everything_else_is_dominated(p in point_sets()) {
            let f = front(&p);
            for &i in &f {
                prop_assert!(!p.iter().any(|q| dominates(q, &p[i])));
            }
            for i in (0..p.len()).filter(|i| !f.contains(i)) {
                prop_assert!(f.iter().any(|&j| dominates(&p[j], &p[i])));
            }
            // Every rank-r point (r > 0) is dominated by a rank r-1 point, by none of rank ≥ r.
            let r = ranks(&p);
            for i in 0..p.len() {
                if r[i] > 0 {
                    prop_assert!((0..p.len()).any(|j| r[j] + 1 == r[i] && dominates(&p[j], &p[i])));
                }
                prop_assert!(!(0..p.len()).any(|j| r[j] >= r[i] && dominates(&p[j], &p[i])));
            }
        }

        #[test]
        fn hypervolume_counts_only_the_front_and_matches_a_grid_count(p in point_sets()) {
            let reference = vec![-1.0; p[0].len()];
            let all = hypervolume(&p, &reference);
            let f: Vec<Vec<f64>> = front(&p).into_iter().map(|i| p[i].clone()).collect();
            prop_assert!((all - hypervolume(&f, &reference)).abs() < 1e-9);
            // Integer coordinates: count the unit cells dominated (their upper corner is).
            let m = reference.len();
            let mut cells = 0u32;
            let mut corner = vec![0i32; m];
            loop {
                let c: Vec<f64> = corner.iter().map(|&v| f64::from(v)).collect();
                if p.iter().any(|q| q.iter().zip(&c).all(|(a, b)| a >= b)) {
                    cells += 1;
                }
                let mut k = 0;
                while k < m && corner[k] == 5 {
                    corner[k] = 0;
                    k += 1;
                }
                if k == m {
                    break;
                }
                corner[k] += 1;
            }
            prop_assert!((all - f64::from(cells)).abs() < 1e-9);
        }
    }
}
