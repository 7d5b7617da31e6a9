//! Deriving the discrete architecture from α: on every edge the strongest op other than
//! `none` (DARTS' rule; `none` only marks an edge as weak, it is never chosen).

use super::path::{CellPath, OPS};
use tch::{TchError, Tensor};

/// The path with, on each edge, the op of largest α among the four that are not `none`.
pub fn derive(alpha: &Tensor) -> Result<CellPath, TchError> {
    let values = Vec::<f64>::try_from(
        alpha
            .f_detach()?
            .f_to_kind(tch::Kind::Double)?
            .f_to_device(tch::Device::Cpu)?
            .f_flatten(0, -1)?,
    )?;
    if values.len() != 6 * OPS {
        return Err(TchError::Shape(format!(
            "α must be 6×{OPS}, has {} values",
            values.len()
        )));
    }
    let mut ops = [0usize; 6];
    for (slot, row) in ops.iter_mut().zip(values.chunks(OPS)) {
        *slot = strongest(row, |k| k != 0).unwrap_or(1);
    }
    CellPath::from_indices(ops).ok_or_else(|| TchError::Kind("no op to derive".to_string()))
}

/// The index of the largest value of `row` among those `allowed` (the first of equal ones);
/// `None` when none is allowed.
pub fn strongest(row: &[f64], allowed: impl Fn(usize) -> bool) -> Option<usize> {
    (0..row.len())
        .filter(|&k| allowed(k))
        .max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_strongest_op_that_is_not_none() {
        let mut rows = vec![0.0f64; 30];
        // Edge 0: none is largest, then the 3×3 conv.
        rows[0] = 9.0;
        rows[3] = 1.0;
        // Edge 2: skip; edge 5: average pooling; the rest tie, and the first (skip) wins.
        rows[2 * 5 + 1] = 2.0;
        rows[5 * 5 + 4] = 0.5;
        let alpha = Tensor::from_slice(&rows).view([6, 5]);
        let path = derive(&alpha).unwrap();
        assert_eq!(path.indices(), [3, 1, 1, 1, 1, 4]);
        assert_eq!(
            path.to_string(),
            "|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|avg_pool_3x3~2|"
        );
        assert!(derive(&Tensor::zeros([5, 5], (tch::Kind::Float, tch::Device::Cpu))).is_err());
    }
}
