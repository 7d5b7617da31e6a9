//! PC-DARTS' two changes to a supernet edge (Xu et al., 2020):
//!
//! - partial channel connections: only the first `1/K` of an edge's input channels go through
//!   its candidate ops (built on `C/K` channels), the other channels bypass them unchanged,
//!   and the two parts, concatenated, are channel-shuffled in `K` groups so that the next
//!   edge samples a different slice;
//! - edge normalisation: a parameter β per edge, and each node sums its incoming edges
//!   weighted by the softmax of their β (taken over that node's edges only; see
//!   [`super::supernet::Supernet::edge_weights`]).

use crate::compile::op::OpSpec;
use tch::{TchError, Tensor};

/// Shuffles the channels of `x` (`[B, C, H, W]`) in `groups` groups: viewed as
/// `[B, groups, C/groups, H, W]`, transposed in its first two channel dimensions and flattened
/// back (ShuffleNet's shuffle, as PC-DARTS applies it).
pub fn channel_shuffle(x: &Tensor, groups: i64) -> Result<Tensor, TchError> {
    let size = x.size();
    let [b, c, h, w] = size[..] else {
        return Err(TchError::Shape(format!(
            "channel shuffle needs a [B, C, H, W] tensor, got {size:?}"
        )));
    };
    if groups < 1 || c % groups != 0 {
        return Err(TchError::Shape(format!(
            "cannot shuffle {c} channels in {groups} groups"
        )));
    }
    x.f_reshape([b, groups, c / groups, h, w])?
        .f_transpose(1, 2)?
        .f_contiguous()?
        .f_reshape([b, c, h, w])
}

/// One edge with partial channels: `mixed` runs on the first `C/k` channels of `x` (and gives
/// `None` when no op is computed, which stands for zeros); the other channels bypass it
/// (max-pooled 2×2 on an edge of stride 2, as PC-DARTS does); the concatenation is shuffled
/// in `k` groups. With `k` = 1 this is `mixed(x)` itself.
pub fn partial_edge(
    x: &Tensor,
    k: i64,
    stride: i64,
    mixed: impl FnOnce(&Tensor) -> Result<Option<Tensor>, TchError>,
) -> Result<Option<Tensor>, TchError> {
    if k == 1 {
        return mixed(x);
    }
    let c = x.size().get(1).copied().unwrap_or(0);
    if k < 1 || c % k != 0 {
        return Err(TchError::Shape(format!(
            "partial channels: {c} channels do not split in {k} parts"
        )));
    }
    let part = x.f_narrow(1, 0, c / k)?;
    let rest = x.f_narrow(1, c / k, c - c / k)?;
    let rest = match stride {
        1 => rest,
        2 => rest.f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], true)?,
        s => {
            return Err(TchError::Shape(format!(
                "partial channels bypass edges of stride 1 or 2, not {s}"
            )))
        }
    };
    let through = match mixed(&part)? {
        Some(t) => t,
        None => rest.f_narrow(1, 0, c / k)?.f_zeros_like()?,
    };
    Ok(Some(channel_shuffle(
        &Tensor::f_cat(&[through, rest], 1)?,
        k,
    )?))
}

/// `spec` on `1/k` of its `c_in` input channels, when it keeps its input's channel count
/// (convolutions, pooling, the identity and their sequences); `None` otherwise.
pub fn narrowed(spec: &OpSpec, c_in: i64, k: i64) -> Option<OpSpec> {
    let c = c_in / k;
    let mut s = spec.clone();
    match &mut s {
        OpSpec::Conv(config) | OpSpec::ReluConvBn(config) if config.c_out == c_in => {
            config.c_out = c
        }
        OpSpec::SepConv { c_out, .. }
        | OpSpec::DilConv { c_out, .. }
        | OpSpec::FactorizedReduce { c_out }
            if *c_out == c_in =>
        {
            *c_out = c
        }
        OpSpec::Pool { c_out, .. } if c_out.is_none_or(|o| o == c_in) => *c_out = None,
        OpSpec::Identity
        | OpSpec::Zero { .. }
        | OpSpec::Act(_)
        | OpSpec::BatchNorm { .. }
        | OpSpec::DepthwiseConv { .. } => {}
        OpSpec::Seq(parts) => {
            for part in parts.iter_mut() {
                *part = narrowed(part, c_in, k)?;
            }
        }
        _ => return None,
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn channels(t: &Tensor) -> Vec<f64> {
        Vec::<f64>::try_from(
            t.f_select(0, 0)
                .unwrap()
                .f_mean_dim(&[1i64, 2][..], false, Kind::Double)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn the_shuffle_interleaves_the_groups() {
        let _generator = crate::test_generator();
        let x = Tensor::arange(8, (Kind::Double, Device::Cpu))
            .view([1, 8, 1, 1])
            .expand([1, 8, 2, 2], false);
        let y = channel_shuffle(&x, 4).unwrap();
        assert_eq!(channels(&y), [0.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 7.0]);
        assert!(channel_shuffle(&x, 3).is_err());
        assert!(channel_shuffle(&Tensor::zeros([8], (Kind::Double, Device::Cpu)), 2).is_err());
    }

    #[test]
    fn a_partial_edge_runs_a_quarter_of_the_channels_and_bypasses_the_rest() {
        let _generator = crate::test_generator();
        let x = Tensor::arange(8, (Kind::Double, Device::Cpu))
            .view([1, 8, 1, 1])
            .expand([1, 8, 2, 2], false);
        let mut seen = 0;
        let y = partial_edge(&x, 4, 1, |part| {
            seen = part.size()[1];
            Ok(Some(part * 100.0))
        })
        .unwrap()
        .unwrap();
        assert_eq!(seen, 2);
        // Channels 0 and 1 went through (×100); after the shuffle in 4 groups of 2 they sit
        // at positions 0 and 4.
        assert_eq!(channels(&y), [0.0, 2.0, 4.0, 6.0, 100.0, 3.0, 5.0, 7.0]);
        // No op computed: zeros in place of the mixed part, the bypass unchanged.
        let z = partial_edge(&x, 4, 1, |_| Ok(None)).unwrap().unwrap();
        assert_eq!(channels(&z), [0.0, 2.0, 4.0, 6.0, 0.0, 3.0, 5.0, 7.0]);
        // K = 1 is the plain edge.
        assert!(partial_edge(&x, 1, 1, |_| Ok(None)).unwrap().is_none());
        assert!(partial_edge(&x, 3, 1, |p| Ok(Some(p.shallow_clone()))).is_err());
    }
}
