//! The number of linear regions a ReLU network cuts its input space into, estimated as the
//! number of distinct ReLU activation patterns over a sample of inputs (TE-NAS counts them on
//! a thin copy of the network — one channel, one cell per stage — fed 3×3 patches, and
//! averages over initialisations; the caller builds those networks).
//!
//! Each input's pattern is hashed ReLU by ReLU (64-bit SipHash of the packed bits), so no
//! activation outlives its layer; with a thousand inputs a collision has odds below 1e-13.

use super::relu_tap;
use crate::compile::Layer;
use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::Hasher;
use std::rc::Rc;
use tch::{TchError, Tensor};

/// The number of distinct activation patterns of `net` over the inputs of `batch`.
pub fn linear_regions(net: &dyn Layer, batch: &Tensor) -> Result<usize, TchError> {
    regions_over(std::slice::from_ref(batch), |x| net.forward(x, true))
}

/// The number of distinct activation patterns over the inputs of all `batches`, each run
/// through `forward` on its own (so batch norm in training mode sees one batch at a time, as
/// TE-NAS feeds its patches), without gradients.
pub fn regions_over(
    batches: &[Tensor],
    forward: impl Fn(&Tensor) -> Result<Tensor, TchError>,
) -> Result<usize, TchError> {
    let _no_grad = tch::no_grad_guard();
    let mut seen = HashSet::new();
    let mut any_relu = false;
    for batch in batches {
        let n = batch.size().first().copied().unwrap_or(0) as usize;
        let patterns = Rc::new(RefCell::new(PatternHashes::new(n)));
        let sink = patterns.clone();
        let logits = relu_tap::watch(
            move |relu| sink.borrow_mut().add(&relu_tap::code(relu)),
            || forward(batch),
        );
        let _logits = logits?;
        let patterns = patterns.take();
        if let Some(e) = patterns.error {
            return Err(e);
        }
        any_relu |= patterns.relus > 0;
        seen.extend(patterns.rows.iter().map(Hasher::finish));
    }
    if any_relu {
        Ok(seen.len())
    } else {
        // Without ReLUs the network is affine: one region (none without inputs).
        Ok(usize::from(!seen.is_empty()))
    }
}

/// One running hash per input of the patterns seen so far, or the first error.
#[derive(Default)]
struct PatternHashes {
    rows: Vec<DefaultHasher>,
    relus: usize,
    error: Option<TchError>,
}

impl PatternHashes {
    fn new(n: usize) -> Self {
        PatternHashes {
            rows: vec![DefaultHasher::new(); n],
            relus: 0,
            error: None,
        }
    }

    /// Folds one ReLU's codes `[N, units]` into the inputs' hashes.
    fn add(&mut self, codes: &Tensor) {
        if self.error.is_some() {
            return;
        }
        match packed_rows(codes) {
            Ok(rows) => {
                for (hasher, row) in self.rows.iter_mut().zip(rows) {
                    hasher.write(&row);
                }
                self.relus += 1;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The number of distinct patterns (1 for a network without ReLUs: it is affine).
    fn distinct(self) -> Result<usize, TchError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.relus == 0 {
            return Ok(usize::from(!self.rows.is_empty()));
        }
        Ok(self
            .rows
            .iter()
            .map(Hasher::finish)
            .collect::<HashSet<u64>>()
            .len())
    }
}

/// The rows of a 0/1 matrix `[N, units]`, each packed eight units to a byte.
fn packed_rows(codes: &Tensor) -> Result<Vec<Vec<u8>>, TchError> {
    let size = codes.size();
    let units = size.get(1).copied().unwrap_or(0).max(1) as usize;
    let bits: Vec<u8> = Vec::<u8>::try_from(
        codes
            .f_to_kind(tch::Kind::Uint8)?
            .f_contiguous()?
            .f_reshape([-1])?,
    )?;
    Ok(bits
        .chunks(units)
        .map(|row| {
            row.chunks(8)
                .map(|c| c.iter().fold(0u8, |acc, &b| (acc << 1) | b))
                .collect()
        })
        .collect())
}

/// The number of distinct rows of a 0/1 matrix `[N, units]`.
pub fn distinct_rows(codes: &Tensor) -> Result<usize, TchError> {
    let n = codes.size().first().copied().unwrap_or(0) as usize;
    let mut hashes = PatternHashes::new(n);
    hashes.add(codes);
    hashes.distinct()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_patterns() {
        let codes = Tensor::from_slice(&[1.0f32, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]).view([4, 2]);
        assert_eq!(distinct_rows(&codes).unwrap(), 3);
    }

    #[test]
    fn patterns_are_pooled_over_batches() {
        let x = Tensor::from_slice(&[1.0f32, -1.0, 2.0, 3.0, -1.0, -2.0, 1.0, 5.0]).view([4, 2]);
        let relu = |t: &Tensor| crate::compile::activation::Activation::Relu.apply(t);
        let whole = regions_over(&[x.shallow_clone()], relu).unwrap();
        let halves = regions_over(&[x.narrow(0, 0, 2), x.narrow(0, 2, 2)], relu).unwrap();
        assert_eq!((whole, halves), (3, 3));
        let affine = regions_over(&[x.shallow_clone()], |t| Ok(t.shallow_clone())).unwrap();
        assert_eq!(affine, 1);
    }
}
