//! The op library's catalogue: an [`OpSpec`] names an op and its arguments, and builds it for a
//! given number of input channels (or features) into a [`Layer`] whose parameters live under a
//! variable-store path.

use super::activation::Activation;
use super::blocks::{self, ChannelPool, FactorizedReduce, MbConv, ResBlock};
use super::conv::{depthwise, Conv2d, ConvConfig};
use super::embedding::Embedding;
use super::error::CompileError;
use super::layer::{boxed, BoxLayer, Layer, Sequential};
use super::linear::Linear;
use super::norm::{BatchNorm, LayerNorm};
use super::parallel::Parallel;
use super::pool::{GlobalAvgPool, PoolKind};
use super::structural::{Dropout, Flatten, Identity, Zero};
use crate::space::Combine;
use tch::nn;

/// An op with its arguments; channel counts of the input are supplied when it is built.
#[derive(Debug, Clone, PartialEq)]
pub enum OpSpec {
    /// A convolution with "same" padding.
    Conv(ConvConfig),
    /// One filter per channel.
    DepthwiseConv {
        /// Kernel size.
        kernel: i64,
        /// Stride.
        stride: i64,
        /// Dilation.
        dilation: i64,
    },
    /// `relu >> conv >> batchnorm` (affine batch norm).
    ReluConvBn(ConvConfig),
    /// DARTS' separable convolution.
    SepConv {
        /// Output channels.
        c_out: i64,
        /// Kernel size.
        kernel: i64,
        /// Stride.
        stride: i64,
    },
    /// DARTS' dilated convolution.
    DilConv {
        /// Output channels.
        c_out: i64,
        /// Kernel size.
        kernel: i64,
        /// Stride.
        stride: i64,
        /// Dilation.
        dilation: i64,
    },
    /// Batch norm, with or without a learned scale and shift.
    BatchNorm {
        /// Whether the scale and shift are learned.
        affine: bool,
    },
    /// Layer norm over the last dimension.
    LayerNorm,
    /// A pointwise activation.
    Act(Activation),
    /// A pooling window; changes the channel count first (ReLU–conv1×1–BN) when `c_out` differs.
    Pool {
        /// Max or average.
        kind: PoolKind,
        /// Window size.
        kernel: i64,
        /// Stride.
        stride: i64,
        /// Output channels (`None`: as many as the input).
        c_out: Option<i64>,
    },
    /// Mean over the spatial positions.
    GlobalAvgPool,
    /// Flattens all dimensions after the batch.
    Flatten,
    /// The input itself.
    Identity,
    /// Zeros (subsampled by `stride`).
    Zero {
        /// Spatial subsampling.
        stride: i64,
    },
    /// Halves the resolution to `c_out` channels.
    FactorizedReduce {
        /// Output channels.
        c_out: i64,
    },
    /// A fully connected layer.
    Linear {
        /// Output features.
        d_out: i64,
        /// Whether a bias is added.
        bias: bool,
    },
    /// A linear map whose weight is the network's embedding matrix (built by the sequence
    /// network, which owns the embedding; anywhere else it is an error).
    TiedLinear {
        /// Output features: the embedding's vocabulary.
        d_out: i64,
    },
    /// Dropout with probability `p`.
    Dropout {
        /// Drop probability.
        p: f64,
        /// One mask per sequence and feature, shared by every step (`locked_dropout`).
        locked: bool,
    },
    /// MobileNetV2's inverted residual block.
    MbConv {
        /// Output channels.
        c_out: i64,
        /// Expansion ratio.
        expand: i64,
        /// Depthwise kernel size.
        kernel: i64,
        /// Stride.
        stride: i64,
        /// Groups of its 1×1 convs (FBNet's `g2`), a channel shuffle after the expansion
        /// when above 1.
        groups: i64,
    },
    /// NAS-Bench-201's residual block.
    ResBlock {
        /// Output channels.
        c_out: i64,
        /// Stride, 1 or 2.
        stride: i64,
    },
    /// A lookup table from token ids to `dim`-wide vectors.
    Embedding {
        /// Vocabulary size.
        vocab: i64,
        /// Width of the vectors.
        dim: i64,
    },
    /// Ops applied in order, registered under `0`, `1`, ….
    Seq(Vec<OpSpec>),
    /// Branches applied to the same input, their outputs merged (`sum(skip, body)`).
    Parallel {
        /// How the outputs merge: sum, product (equal shapes) or concatenation.
        combine: Combine,
        /// The branches, registered under `b0`, `b1`, ….
        branches: Vec<OpSpec>,
    },
}

impl OpSpec {
    /// Builds the op for `c_in` input channels under `p`; returns it with its output channels.
    pub fn build(&self, p: &nn::Path, c_in: i64) -> Result<(BoxLayer, i64), CompileError> {
        Ok(match self {
            OpSpec::Conv(config) => (boxed(Conv2d::new(p, c_in, *config)?), config.c_out),
            OpSpec::DepthwiseConv {
                kernel,
                stride,
                dilation,
            } => (
                boxed(depthwise(p, c_in, *kernel, *stride, *dilation)?),
                c_in,
            ),
            OpSpec::ReluConvBn(config) => (
                boxed(blocks::relu_conv_bn(p, c_in, *config, true)?),
                config.c_out,
            ),
            OpSpec::SepConv {
                c_out,
                kernel,
                stride,
            } => (
                boxed(blocks::sep_conv(p, c_in, *c_out, *kernel, *stride)?),
                *c_out,
            ),
            OpSpec::DilConv {
                c_out,
                kernel,
                stride,
                dilation,
            } => (
                boxed(blocks::dil_conv(
                    p, c_in, *c_out, *kernel, *stride, *dilation,
                )?),
                *c_out,
            ),
            OpSpec::BatchNorm { affine } => (boxed(BatchNorm::new(p, c_in, *affine)?), c_in),
            OpSpec::LayerNorm => (boxed(LayerNorm::new(p, c_in)?), c_in),
            OpSpec::Act(a) => (boxed(*a), c_in),
            OpSpec::Pool {
                kind,
                kernel,
                stride,
                c_out,
            } => {
                let c_out = c_out.unwrap_or(c_in);
                let pool = ChannelPool::new(p, c_in, c_out, *kind, *kernel, *stride)?;
                (boxed(pool), c_out)
            }
            OpSpec::GlobalAvgPool => (boxed(GlobalAvgPool), c_in),
            OpSpec::Flatten => (boxed(Flatten), c_in),
            OpSpec::Identity => (boxed(Identity), c_in),
            OpSpec::Zero { stride } => {
                if *stride < 1 {
                    return Err(CompileError::bad_op(p, "none", "stride must be at least 1"));
                }
                (boxed(Zero { stride: *stride }), c_in)
            }
            OpSpec::FactorizedReduce { c_out } => {
                (boxed(FactorizedReduce::new(p, c_in, *c_out)?), *c_out)
            }
            OpSpec::Linear { d_out, bias } => (boxed(Linear::new(p, c_in, *d_out, *bias)?), *d_out),
            OpSpec::TiedLinear { .. } => {
                return Err(CompileError::bad_op(
                    p,
                    "tied_linear",
                    "it shares the embedding of a sequence space's network: it must be a step of the space's pipeline after an `embedding`, not part of an op or a cell",
                ))
            }
            OpSpec::Dropout { p: prob, locked } => {
                if !(0.0..1.0).contains(prob) {
                    return Err(CompileError::bad_op(
                        p,
                        if *locked { "locked_dropout" } else { "dropout" },
                        format!("probability {prob} is outside [0, 1)"),
                    ));
                }
                let dropout = Dropout {
                    p: *prob,
                    locked: *locked,
                };
                (boxed(dropout), c_in)
            }
            OpSpec::MbConv {
                c_out,
                expand,
                kernel,
                stride,
                groups,
            } => (
                boxed(MbConv::new(
                    p, c_in, *c_out, *expand, *kernel, *stride, *groups,
                )?),
                *c_out,
            ),
            OpSpec::ResBlock { c_out, stride } => {
                (boxed(ResBlock::new(p, c_in, *c_out, *stride)?), *c_out)
            }
            OpSpec::Embedding { vocab, dim } => (boxed(Embedding::new(p, *vocab, *dim)?), *dim),
            OpSpec::Seq(ops) => {
                let mut layers = Vec::with_capacity(ops.len());
                let mut c = c_in;
                for (i, op) in ops.iter().enumerate() {
                    let (layer, c_next) = op.build(&(p / i), c)?;
                    layers.push(layer);
                    c = c_next;
                }
                (boxed(Sequential::new(layers)), c)
            }
            OpSpec::Parallel { combine, branches } => {
                let (layer, c) = Parallel::new(p, *combine, branches, c_in)?;
                (boxed(layer), c)
            }
        })
    }
}

/// The number of trainable parameters in a variable store.
pub fn parameter_count(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum()
}

/// Runs `layer` once on `input` in evaluation mode without gradients; returns the output shape
/// and the multiply–accumulate count (see [`super::flops`]).
pub fn shape_and_macs(
    layer: &dyn Layer,
    input: &tch::Tensor,
) -> Result<(Vec<i64>, u64), CompileError> {
    let _guard = tch::no_grad_guard();
    let (out, macs) = super::flops::count_macs(|| layer.forward(input, false));
    Ok((out?.size(), macs? as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind, Tensor};

    #[test]
    fn a_sequence_threads_channels_and_names_parameters_by_position() {
        let vs = nn::VarStore::new(Device::Cpu);
        let spec = OpSpec::Seq(vec![
            OpSpec::Conv(ConvConfig::new(8, 3)),
            OpSpec::BatchNorm { affine: true },
            OpSpec::Act(Activation::Relu),
            OpSpec::Pool {
                kind: PoolKind::Max,
                kernel: 3,
                stride: 2,
                c_out: None,
            },
            OpSpec::GlobalAvgPool,
            OpSpec::Dropout {
                p: 0.1,
                locked: false,
            },
            OpSpec::Linear {
                d_out: 10,
                bias: true,
            },
        ]);
        let (net, c_out) = spec.build(&(vs.root() / "net"), 3).unwrap();
        assert_eq!(c_out, 10);
        let x = Tensor::zeros([1, 3, 8, 8], (Kind::Float, Device::Cpu));
        let (shape, macs) = shape_and_macs(net.as_ref(), &x).unwrap();
        assert_eq!(shape, [1, 10]);
        assert_eq!(macs, 8 * 64 * 27 + 10 * 8 + 10);
        assert_eq!(parameter_count(&vs), 8 * 27 + 16 + 80 + 10);
        assert!(vs.variables().contains_key("net.6.weight"));
    }

    #[test]
    fn bad_arguments_name_the_op_and_its_path() {
        let vs = nn::VarStore::new(Device::Cpu);
        let spec = OpSpec::Seq(vec![
            OpSpec::Identity,
            OpSpec::MbConv {
                c_out: 8,
                expand: 0,
                kernel: 3,
                stride: 1,
                groups: 1,
            },
        ]);
        let err = spec
            .build(&(vs.root() / "stage"), 4)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("stage.1: cannot build `mbconv`"), "{err}");
        let wrong_input = OpSpec::Linear {
            d_out: 3,
            bias: false,
        }
        .build(&vs.root(), 5)
        .unwrap()
        .0;
        let x = Tensor::zeros([2, 4], (Kind::Float, Device::Cpu));
        assert!(shape_and_macs(wrong_input.as_ref(), &x).is_err());
    }
}
