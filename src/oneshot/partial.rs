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

/// The channel order of ShuffleNet's shuffle of `c` channels in `groups` groups: the
/// channels split into `groups` consecutive groups (the first `c mod groups` one channel
/// longer when `groups` does not divide `c`), read back column by column — the `i`-th channel
/// of every group, then the `i+1`-th. When `groups` divides `c` this is the view as
/// `[groups, c/groups]`, transposed.
pub fn shuffle_order(c: i64, groups: i64) -> Vec<i64> {
    let (base, longer) = (c / groups, c % groups);
    let size = |g: i64| base + i64::from(g < longer);
    let start = |g: i64| g * base + g.min(longer);
    let mut order = Vec::with_capacity(c.max(0) as usize);
    for i in 0..base + i64::from(longer > 0) {
        order.extend((0..groups).filter(|&g| i < size(g)).map(|g| start(g) + i));
    }
    order
}

/// Shuffles the channels of `x` (`[B, C, H, W]`) in `groups` groups ([`shuffle_order`]):
/// when `groups` divides `C`, viewed as `[B, groups, C/groups, H, W]`, transposed in its
/// first two channel dimensions and flattened back (ShuffleNet's shuffle, as PC-DARTS
/// applies it); otherwise the same reading with the first groups one channel longer (the
/// elastic widths of NAS-Bench-101's vertices need not divide).
pub fn channel_shuffle(x: &Tensor, groups: i64) -> Result<Tensor, TchError> {
    let size = x.size();
    let [b, c, h, w] = size[..] else {
        return Err(TchError::Shape(format!(
            "channel shuffle needs a [B, C, H, W] tensor, got {size:?}"
        )));
    };
    if groups < 1 {
        return Err(TchError::Shape(format!(
            "cannot shuffle {c} channels in {groups} groups"
        )));
    }
    if c % groups == 0 {
        return x
            .f_reshape([b, groups, c / groups, h, w])?
            .f_transpose(1, 2)?
            .f_contiguous()?
            .f_reshape([b, c, h, w]);
    }
    let order = Tensor::f_from_slice(&shuffle_order(c, groups))?.f_to_device(x.device())?;
    x.f_index_select(1, &order)
}

/// The channels of `c` that go through an edge's ops with partial channels `k`: the first
/// group of [`shuffle_order`]'s, `⌈c/k⌉` (`c/k` when `k` divides `c`).
pub fn part_width(c: i64, k: i64) -> i64 {
    (c + k - 1) / k
}

/// One edge with partial channels: `mixed` runs on the first `⌈C/k⌉` channels of `x` (and
/// gives `None` when no op is computed, which stands for zeros); the other channels bypass it
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
    if k < 1 || c < 1 {
        return Err(TchError::Shape(format!(
            "partial channels: {c} channels do not split in {k} parts"
        )));
    }
    let p = part_width(c, k);
    let part = x.f_narrow(1, 0, p)?;
    let rest = x.f_narrow(1, p, c - p)?;
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
        None => {
            let mut shape = rest.size();
            shape[1] = p;
            Tensor::f_zeros(&shape, (rest.kind(), rest.device()))?
        }
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
        // Three groups of 3, 3 and 2 channels, read column by column.
        let y = channel_shuffle(&x, 3).unwrap();
        assert_eq!(channels(&y), [0.0, 3.0, 6.0, 1.0, 4.0, 7.0, 2.0, 5.0]);
        assert_eq!(shuffle_order(8, 4), [0, 2, 4, 6, 1, 3, 5, 7]);
        assert_eq!(shuffle_order(2, 4), [0, 1]);
        assert!(channel_shuffle(&x, 0).is_err());
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
        // K = 3 on 8 channels: the first ⌈8/3⌉ = 3 go through.
        let w = partial_edge(&x, 3, 1, |p| Ok(Some(p * 100.0)))
            .unwrap()
            .unwrap();
        assert_eq!(channels(&w), [0.0, 3.0, 6.0, 100.0, 4.0, 7.0, 200.0, 5.0]);
    }
}
