//! Pooling: max and average windows with "same" padding, and global average pooling.

use super::describe::Module;
use super::error::CompileError;
use super::layer::Layer;
use tch::nn;
use tch::{TchError, Tensor};

/// Which reduction a pooling window applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// The largest value in the window.
    Max,
    /// The mean over the window's positions inside the image (padding is not counted, as in
    /// NAS-Bench-201's `avg_pool_3x3`, i.e. PyTorch's `count_include_pad=False`).
    Avg,
}

/// A `kernel`×`kernel` pooling window moved by `stride`, padded by `(kernel−1)/2`.
#[derive(Debug, Clone, Copy)]
pub struct Pool2d {
    kind: PoolKind,
    kernel: i64,
    stride: i64,
}

impl Pool2d {
    /// Checks the window; `p` names the op in errors. Kernels must be odd so the padding is
    /// symmetric (as in every NAS space: 3×3 windows).
    pub fn new(
        p: &nn::Path,
        kind: PoolKind,
        kernel: i64,
        stride: i64,
    ) -> Result<Self, CompileError> {
        let name = match kind {
            PoolKind::Max => "max_pool",
            PoolKind::Avg => "avg_pool",
        };
        if kernel < 1 || kernel % 2 == 0 || stride < 1 {
            return Err(CompileError::bad_op(
                p,
                name,
                format!(
                    "needs an odd kernel ≥ 1 and a stride ≥ 1 (kernel {kernel}, stride {stride})"
                ),
            ));
        }
        Ok(Pool2d {
            kind,
            kernel,
            stride,
        })
    }
}

impl Layer for Pool2d {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        let (k, s, pad) = (self.kernel, self.stride, self.kernel / 2);
        match self.kind {
            PoolKind::Max => xs.f_max_pool2d([k, k], [s, s], [pad, pad], [1, 1], false),
            PoolKind::Avg => xs.f_avg_pool2d([k, k], [s, s], [pad, pad], false, false, None),
        }
    }

    fn describe(&self) -> Module {
        Module::Pool {
            kind: self.kind,
            kernel: self.kernel,
            stride: self.stride,
        }
    }
}

/// The mean over all spatial positions: `[N, C, H, W]` → `[N, C]`.
#[derive(Debug, Clone, Copy)]
pub struct GlobalAvgPool;

impl Layer for GlobalAvgPool {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        if xs.dim() != 4 {
            return Err(TchError::Shape(format!(
                "global_avg_pool needs an image batch [N, C, H, W], got {:?}",
                xs.size()
            )));
        }
        xs.f_mean_dim([2i64, 3].as_slice(), false, None)
    }

    fn describe(&self) -> Module {
        Module::GlobalAvgPool
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn avg_pool_does_not_count_padding() {
        let vs = nn::VarStore::new(Device::Cpu);
        let pool = Pool2d::new(&vs.root(), PoolKind::Avg, 3, 1).unwrap();
        let x = Tensor::ones([1, 1, 4, 4], (Kind::Float, Device::Cpu));
        let y = pool.forward(&x, false).unwrap();
        // With count_include_pad=true the corner would be 4/9.
        assert!((y.double_value(&[0, 0, 0, 0]) - 1.0).abs() < 1e-6);
        assert_eq!(y.size(), [1, 1, 4, 4]);
    }

    #[test]
    fn max_pool_strides_and_global_pool_reduces() {
        let vs = nn::VarStore::new(Device::Cpu);
        let pool = Pool2d::new(&vs.root(), PoolKind::Max, 3, 2).unwrap();
        let x = Tensor::arange(25, (Kind::Float, Device::Cpu)).view([1, 1, 5, 5]);
        let y = pool.forward(&x, false).unwrap();
        assert_eq!(y.size(), [1, 1, 3, 3]);
        assert_eq!(y.double_value(&[0, 0, 2, 2]), 24.0);
        let g = GlobalAvgPool.forward(&x, false).unwrap();
        assert_eq!(g.size(), [1, 1]);
        assert_eq!(g.double_value(&[0, 0]), 12.0);
        assert!(GlobalAvgPool.forward(&x.view([25]), false).is_err());
        assert!(Pool2d::new(&vs.root(), PoolKind::Max, 2, 1).is_err());
    }
}
