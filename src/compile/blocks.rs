//! Composite blocks of the NAS spaces: ReLU–conv–BN, DARTS' separable and dilated convs,
//! factorized reduce, MobileNetV2's MBConv (with FBNet's grouped 1×1 convs and channel
//! shuffle) and NAS-Bench-201's residual block.

use super::activation::Activation;
use super::conv::{depthwise, Conv2d, ConvConfig};
use super::describe::{Module, Shortcut as ShortcutModule};
use super::error::CompileError;
use super::layer::{boxed, Layer, Sequential};
use super::norm::BatchNorm;
use super::pool::{Pool2d, PoolKind};
use tch::nn;
use tch::{TchError, Tensor};

/// `relu >> conv(c_out, k, stride, dilation) >> batchnorm` (NAS-Bench-201's `nor_conv_kxk`),
/// parameters under `conv` and `bn`.
pub fn relu_conv_bn(
    p: &nn::Path,
    c_in: i64,
    conv: ConvConfig,
    affine: bool,
) -> Result<Sequential, CompileError> {
    Ok(Sequential::named(vec![
        ("relu".into(), boxed(Activation::Relu)),
        (
            "conv".into(),
            boxed(Conv2d::new(&(p / "conv"), c_in, conv)?),
        ),
        (
            "bn".into(),
            boxed(BatchNorm::new(&(p / "bn"), conv.c_out, affine)?),
        ),
    ]))
}

/// DARTS' dilated conv: `relu >> depthwise(k, stride, dilation) >> conv1x1(c_out) >> bn`.
pub fn dil_conv(
    p: &nn::Path,
    c_in: i64,
    c_out: i64,
    kernel: i64,
    stride: i64,
    dilation: i64,
) -> Result<Sequential, CompileError> {
    Ok(Sequential::named(vec![
        ("relu".into(), boxed(Activation::Relu)),
        (
            "depthwise".into(),
            boxed(depthwise(
                &(p / "depthwise"),
                c_in,
                kernel,
                stride,
                dilation,
            )?),
        ),
        (
            "pointwise".into(),
            boxed(Conv2d::new(
                &(p / "pointwise"),
                c_in,
                ConvConfig::new(c_out, 1),
            )?),
        ),
        (
            "bn".into(),
            boxed(BatchNorm::new(&(p / "bn"), c_out, true)?),
        ),
    ]))
}

/// DARTS' separable conv: a dilated conv (dilation 1) to `c_in` channels with `stride`, then
/// another to `c_out` channels; parameters under `first` and `second`.
pub fn sep_conv(
    p: &nn::Path,
    c_in: i64,
    c_out: i64,
    kernel: i64,
    stride: i64,
) -> Result<Sequential, CompileError> {
    Ok(Sequential::named(vec![
        (
            "first".into(),
            boxed(dil_conv(&(p / "first"), c_in, c_in, kernel, stride, 1)?),
        ),
        (
            "second".into(),
            boxed(dil_conv(&(p / "second"), c_in, c_out, kernel, 1, 1)?),
        ),
    ]))
}

/// Halves the resolution without losing pixels: `relu`, two 1×1 stride-2 convs (the second
/// shifted by one pixel), concatenated to `c_out` channels, then batch norm.
#[derive(Debug)]
pub struct FactorizedReduce {
    c_in: i64,
    c_out: i64,
    even: Conv2d,
    odd: Conv2d,
    bn: BatchNorm,
}

impl FactorizedReduce {
    /// Registers `conv_0`, `conv_1` and `bn` under `p`; `c_out` must be at least 2.
    pub fn new(p: &nn::Path, c_in: i64, c_out: i64) -> Result<Self, CompileError> {
        if c_out < 2 {
            return Err(CompileError::bad_op(
                p,
                "factorized_reduce",
                format!("needs at least 2 output channels, has {c_out}"),
            ));
        }
        let half = c_out / 2;
        Ok(FactorizedReduce {
            c_in,
            c_out,
            even: Conv2d::new(&(p / "conv_0"), c_in, ConvConfig::new(half, 1).stride(2))?,
            odd: Conv2d::new(
                &(p / "conv_1"),
                c_in,
                ConvConfig::new(c_out - half, 1).stride(2),
            )?,
            bn: BatchNorm::new(&(p / "bn"), c_out, true)?,
        })
    }
}

impl Layer for FactorizedReduce {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let x = xs.f_relu()?;
        crate::trainfree::relu_tap::observe(&x);
        let shifted = x
            .f_constant_pad_nd([0, 1, 0, 1])?
            .f_slice(2, 1, None, 1)?
            .f_slice(3, 1, None, 1)?;
        let y = Tensor::f_cat(
            &[
                self.even.forward(&x, train)?,
                self.odd.forward(&shifted, train)?,
            ],
            1,
        )?;
        self.bn.forward(&y, train)
    }

    fn describe(&self) -> Module {
        Module::FactorizedReduce {
            c_in: self.c_in,
            c_out: self.c_out,
        }
    }
}

/// MobileNetV2's inverted residual: 1×1 expansion to `c_in·expand` channels (skipped when
/// `expand` is 1 and `groups` is 1), a depthwise `kernel`×`kernel` conv with `stride`, a
/// linear 1×1 projection to `c_out`; each conv followed by batch norm and the first two by
/// ReLU6; a residual sum when the shape is kept. With `groups` > 1 (FBNet's `e1_g2` blocks)
/// both 1×1 convs are grouped and a channel shuffle follows the expansion, as in ShuffleNet,
/// so that the groups mix.
#[derive(Debug)]
pub struct MbConv {
    body: Sequential,
    residual: bool,
}

impl MbConv {
    /// Registers `expand`, `depthwise` and `project` (each with `conv` and `bn`) under `p`.
    pub fn new(
        p: &nn::Path,
        c_in: i64,
        c_out: i64,
        expand: i64,
        kernel: i64,
        stride: i64,
        groups: i64,
    ) -> Result<Self, CompileError> {
        if groups < 1 || c_in % groups != 0 || c_out % groups != 0 {
            return Err(CompileError::bad_op(
                p,
                "mbconv",
                format!("{groups} groups need channel counts divisible by them, got {c_in} in and {c_out} out"),
            ));
        }
        if expand < 1 {
            return Err(CompileError::bad_op(
                p,
                "mbconv",
                format!("expansion must be at least 1, is {expand}"),
            ));
        }
        let hidden = crate::wiring::size::mul(c_in, expand)?;
        // conv >> bn (>> relu6) under `name`.
        let unit = |name: &str, conv: Conv2d, c: i64, act: bool| -> Result<_, CompileError> {
            let q = p / name;
            let mut parts = vec![
                ("conv".to_string(), boxed(conv)),
                (
                    "bn".to_string(),
                    boxed(BatchNorm::new(&(&q / "bn"), c, true)?),
                ),
            ];
            if act {
                parts.push(("act".to_string(), boxed(Activation::Relu6)));
            }
            Ok((name.to_string(), boxed(Sequential::named(parts))))
        };
        let mut units = Vec::new();
        if expand != 1 || groups > 1 {
            let config = ConvConfig::new(hidden, 1).groups(groups);
            let conv = Conv2d::new(&(p / "expand" / "conv"), c_in, config)?;
            units.push(unit("expand", conv, hidden, true)?);
        }
        if groups > 1 {
            units.push(("shuffle".to_string(), boxed(ChannelShuffle { groups })));
        }
        let conv = depthwise(&(p / "depthwise" / "conv"), hidden, kernel, stride, 1)?;
        units.push(unit("depthwise", conv, hidden, true)?);
        let config = ConvConfig::new(c_out, 1).groups(groups);
        let conv = Conv2d::new(&(p / "project" / "conv"), hidden, config)?;
        units.push(unit("project", conv, c_out, false)?);
        Ok(MbConv {
            body: Sequential::named(units),
            residual: stride == 1 && c_in == c_out,
        })
    }
}

impl Layer for MbConv {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let y = self.body.forward(xs, train)?;
        if self.residual {
            y.f_add(xs)
        } else {
            Ok(y)
        }
    }

    fn describe(&self) -> Module {
        Module::Residual {
            parts: self.body.describe_parts(),
            residual: self.residual,
        }
    }
}

/// ShuffleNet's channel shuffle: `[B, g·n, H, W]` viewed as `[B, g, n, H, W]`, the two
/// channel axes swapped, flattened back (channel `i·n + j` goes to `j·g + i`).
#[derive(Debug)]
pub struct ChannelShuffle {
    groups: i64,
}

impl Layer for ChannelShuffle {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        let size = xs.size();
        let [b, c, h, w] = size[..] else {
            return Err(TchError::Shape(format!(
                "a channel shuffle takes [B, C, H, W], got {size:?}"
            )));
        };
        let g = self.groups;
        xs.f_view([b, g, c / g, h, w])?
            .f_transpose(1, 2)?
            .f_contiguous()?
            .f_view([b, c, h, w])
    }

    fn describe(&self) -> Module {
        Module::ChannelShuffle {
            groups: self.groups,
        }
    }
}

/// NAS-Bench-201's residual block (`ResNetBasicblock`): two ReLU–conv3×3–BN units (the first
/// with `stride`) plus a shortcut: for stride 2, a 2×2 average pool then a 1×1 conv; for a
/// channel change at stride 1, a ReLU–conv1×1–BN; otherwise the input.
#[derive(Debug)]
pub struct ResBlock {
    conv_a: Sequential,
    conv_b: Sequential,
    shortcut: Option<Shortcut>,
}

#[derive(Debug)]
enum Shortcut {
    PoolConv(Conv2d),
    ReluConvBn(Sequential),
}

impl ResBlock {
    /// Registers `conv_a`, `conv_b` and `downsample` under `p`; stride 1 or 2.
    pub fn new(p: &nn::Path, c_in: i64, c_out: i64, stride: i64) -> Result<Self, CompileError> {
        if stride != 1 && stride != 2 {
            return Err(CompileError::bad_op(
                p,
                "resblock",
                format!("stride must be 1 or 2, is {stride}"),
            ));
        }
        let conv_a = relu_conv_bn(
            &(p / "conv_a"),
            c_in,
            ConvConfig::new(c_out, 3).stride(stride),
            true,
        )?;
        let conv_b = relu_conv_bn(&(p / "conv_b"), c_out, ConvConfig::new(c_out, 3), true)?;
        let down = p / "downsample";
        let shortcut = if stride == 2 {
            Some(Shortcut::PoolConv(Conv2d::new(
                &down,
                c_in,
                ConvConfig::new(c_out, 1),
            )?))
        } else if c_in != c_out {
            Some(Shortcut::ReluConvBn(relu_conv_bn(
                &down,
                c_in,
                ConvConfig::new(c_out, 1),
                true,
            )?))
        } else {
            None
        };
        Ok(ResBlock {
            conv_a,
            conv_b,
            shortcut,
        })
    }
}

impl Layer for ResBlock {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let y = self
            .conv_b
            .forward(&self.conv_a.forward(xs, train)?, train)?;
        let residual = match &self.shortcut {
            None => xs.shallow_clone(),
            Some(Shortcut::PoolConv(conv)) => {
                let pooled = xs.f_avg_pool2d([2, 2], [2, 2], [0, 0], false, true, None)?;
                conv.forward(&pooled, train)?
            }
            Some(Shortcut::ReluConvBn(seq)) => seq.forward(xs, train)?,
        };
        residual.f_add(&y)
    }

    fn describe(&self) -> Module {
        Module::ResBlock {
            conv_a: Box::new(self.conv_a.describe()),
            conv_b: Box::new(self.conv_b.describe()),
            shortcut: match &self.shortcut {
                None => ShortcutModule::Identity,
                Some(Shortcut::PoolConv(conv)) => {
                    ShortcutModule::PoolConv(Box::new(conv.describe()))
                }
                Some(Shortcut::ReluConvBn(seq)) => ShortcutModule::Module(Box::new(seq.describe())),
            },
        }
    }
}

/// A pooling op that first adapts the channel count when it changes (ReLU–conv1×1–BN), as
/// NAS-Bench-201's `POOLING` does.
#[derive(Debug)]
pub struct ChannelPool {
    adapt: Option<Sequential>,
    pool: Pool2d,
}

impl ChannelPool {
    /// Registers `adapt` under `p` when `c_in != c_out`.
    pub fn new(
        p: &nn::Path,
        c_in: i64,
        c_out: i64,
        kind: PoolKind,
        kernel: i64,
        stride: i64,
    ) -> Result<Self, CompileError> {
        let adapt = if c_in == c_out {
            None
        } else {
            Some(relu_conv_bn(
                &(p / "adapt"),
                c_in,
                ConvConfig::new(c_out, 1),
                true,
            )?)
        };
        Ok(ChannelPool {
            adapt,
            pool: Pool2d::new(p, kind, kernel, stride)?,
        })
    }
}

impl Layer for ChannelPool {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        match &self.adapt {
            Some(adapt) => self.pool.forward(&adapt.forward(xs, train)?, train),
            None => self.pool.forward(xs, train),
        }
    }

    fn describe(&self) -> Module {
        Module::ChannelPool {
            adapt: self.adapt.as_ref().map(|a| Box::new(a.describe())),
            pool: Box::new(self.pool.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn params(vs: &nn::VarStore) -> i64 {
        vs.trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum()
    }

    fn image(c: i64, hw: i64) -> Tensor {
        Tensor::randn([2, c, hw, hw], (Kind::Float, Device::Cpu))
    }

    #[test]
    fn resblock_matches_nas_bench_201_in_shape_and_parameters() {
        let vs = nn::VarStore::new(Device::Cpu);
        let block = ResBlock::new(&(vs.root() / "res"), 16, 32, 2).unwrap();
        assert_eq!(
            block.forward(&image(16, 8), true).unwrap().size(),
            [2, 32, 4, 4]
        );
        // conv_a 16·32·9 + bn 64, conv_b 32·32·9 + bn 64, shortcut 16·32.
        assert_eq!(params(&vs), 16 * 32 * 9 + 64 + 32 * 32 * 9 + 64 + 16 * 32);
        assert!(vs.variables().contains_key("res.downsample.weight"));
        assert!(ResBlock::new(&vs.root(), 16, 32, 3).is_err());
    }

    #[test]
    fn mbconv_expands_and_adds_the_residual_when_the_shape_is_kept() {
        let vs = nn::VarStore::new(Device::Cpu);
        let block = MbConv::new(&(vs.root() / "mb"), 8, 8, 6, 5, 1, 1).unwrap();
        assert!(block.residual);
        assert_eq!(
            block.forward(&image(8, 6), true).unwrap().size(),
            [2, 8, 6, 6]
        );
        let hidden = 48;
        assert_eq!(
            params(&vs),
            8 * hidden + 2 * hidden + hidden * 25 + 2 * hidden + hidden * 8 + 16
        );
        let strided = MbConv::new(&(vs.root() / "s"), 8, 16, 1, 3, 2, 1).unwrap();
        assert_eq!(
            strided.forward(&image(8, 6), true).unwrap().size(),
            [2, 16, 3, 3]
        );
    }

    #[test]
    fn grouped_mbconv_has_grouped_1x1_convs_and_shuffles_its_channels() {
        let vs = nn::VarStore::new(Device::Cpu);
        // FBNet's k3_e1_g2: a grouped 1×1 expansion even at expansion 1.
        let block = MbConv::new(&(vs.root() / "g"), 8, 8, 1, 3, 1, 2).unwrap();
        assert!(block.residual);
        assert_eq!(
            block.forward(&image(8, 5), true).unwrap().size(),
            [2, 8, 5, 5]
        );
        // expand 8·8/2 + bn 16, depthwise 8·9 + bn 16, project 8·8/2 + bn 16.
        assert_eq!(params(&vs), 32 + 16 + 72 + 16 + 32 + 16);
        assert!(MbConv::new(&vs.root(), 8, 9, 1, 3, 1, 2).is_err());
        // Channel i·n + j goes to j·g + i.
        let x = Tensor::arange(6, (Kind::Float, Device::Cpu)).view([1, 6, 1, 1]);
        let y = ChannelShuffle { groups: 2 }.forward(&x, false).unwrap();
        let order = Vec::<f32>::try_from(y.flatten(0, -1)).unwrap();
        assert_eq!(order, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    }

    #[test]
    fn factorized_reduce_and_darts_convs_shape() {
        let vs = nn::VarStore::new(Device::Cpu);
        let fr = FactorizedReduce::new(&(vs.root() / "fr"), 4, 9).unwrap();
        assert_eq!(fr.forward(&image(4, 7), true).unwrap().size(), [2, 9, 4, 4]);
        let sep = sep_conv(&(vs.root() / "sep"), 4, 6, 3, 2).unwrap();
        assert_eq!(
            sep.forward(&image(4, 8), true).unwrap().size(),
            [2, 6, 4, 4]
        );
        let dil = dil_conv(&(vs.root() / "dil"), 4, 4, 5, 1, 2).unwrap();
        assert_eq!(
            dil.forward(&image(4, 8), true).unwrap().size(),
            [2, 4, 8, 8]
        );
        let pool = ChannelPool::new(&(vs.root() / "pool"), 4, 8, PoolKind::Avg, 3, 1).unwrap();
        assert_eq!(
            pool.forward(&image(4, 5), true).unwrap().size(),
            [2, 8, 5, 5]
        );
        assert!(FactorizedReduce::new(&vs.root(), 4, 1).is_err());
    }
}
