//! The number of linear regions a ReLU network cuts its input space into, estimated as the
//! number of distinct ReLU activation patterns over a sample of inputs (TE-NAS counts them on
//! a thin copy of the network — one channel, one cell per stage, no stem — fed 3×3 patches,
//! and averages over initialisations; the caller builds those networks).

use super::relu_tap;
use crate::compile::Layer;
use std::collections::HashSet;
use tch::{TchError, Tensor};

/// The number of distinct activation patterns of `net` over the inputs of `batch`.
pub fn linear_regions(net: &dyn Layer, batch: &Tensor) -> Result<usize, TchError> {
    let _no_grad = tch::no_grad_guard();
    let (out, relus) = relu_tap::capture(|| net.forward(batch, true));
    let _logits = out?;
    let n = batch.size().first().copied().unwrap_or(0) as usize;
    let Some(codes) = relu_tap::codes(&relus) else {
        // No ReLU: the network is affine, a single region.
        return Ok(usize::from(n > 0));
    };
    Ok(distinct_rows(&codes)?)
}

/// The number of distinct rows of a 0/1 matrix `[N, units]`.
pub fn distinct_rows(codes: &Tensor) -> Result<usize, TchError> {
    let size = codes.size();
    let (n, units) = (size[0] as usize, size[1] as usize);
    let bits: Vec<u8> = Vec::<u8>::try_from(
        codes
            .f_to_kind(tch::Kind::Uint8)?
            .f_contiguous()?
            .f_reshape([-1])?,
    )?;
    let mut seen = HashSet::with_capacity(n);
    for row in bits.chunks(units.max(1)).take(n) {
        let packed: Vec<u64> = row
            .chunks(64)
            .map(|c| c.iter().fold(0u64, |acc, &b| (acc << 1) | u64::from(b)))
            .collect();
        seen.insert(packed);
    }
    Ok(seen.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_patterns() {
        let codes = Tensor::from_slice(&[1.0f32, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]).view([4, 2]);
        assert_eq!(distinct_rows(&codes).unwrap(), 3);
    }
}
