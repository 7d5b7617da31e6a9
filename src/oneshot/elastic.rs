//! Elastic-width layers (weight slicing, as in Once-for-All and BigNAS): each layer holds its
//! weights at the widest channel count it can take, and a forward pass at a narrower width
//! uses the first channels of them — a convolution the first `width` filters over the first
//! `c_in` input channels (the input's own count), a batch norm the first `c_in` entries of its
//! scale, shift and running statistics (which a training pass updates in place, slice only).
//! A narrow pass is therefore exactly the layer a single architecture builds at that width,
//! with its weights copied from those slices.
//!
//! An [`Elastic`] op is built from an [`OpSpec`] with the parameter names [`build_named`]
//! gives (`conv.weight`, `bn.running_mean`, …), so the names of a supernet's slices are the
//! single architecture's names. It takes convolutions (one group), batch norms, and ops
//! without parameters that keep the channel count (activations, pooling windows that keep
//! it, identity, dropout, zero); any other op is refused with its kind.
//!
//! [`build_named`]: crate::compile::named::build_named

use crate::compile::activation::Activation;
use crate::compile::conv::ConvConfig;
use crate::compile::init::pytorch_uniform;
use crate::compile::layer::{boxed, BoxLayer};
use crate::compile::named::kind_name;
use crate::compile::op::OpSpec;
use tch::nn;
use tch::{TchError, Tensor};

/// PyTorch's batch norm defaults, as the compiled [`crate::compile::norm::BatchNorm`] uses.
const BN_MOMENTUM: f64 = 0.1;
const BN_EPS: f64 = 1e-5;

/// A convolution whose filters and input channels are sliced.
#[derive(Debug)]
pub struct ElasticConv {
    weight: Tensor,
    bias: Option<Tensor>,
    config: ConvConfig,
    padding: [i64; 2],
    extra: [bool; 2],
}

/// A batch norm whose channels are sliced.
#[derive(Debug)]
pub struct ElasticNorm {
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    running_mean: Tensor,
    running_var: Tensor,
}

/// An op at elastic width.
#[derive(Debug)]
pub enum Elastic {
    /// A convolution producing the pass's width.
    Conv(ElasticConv),
    /// A batch norm over the input's channels.
    Norm(ElasticNorm),
    /// An op without parameters that keeps the channel count.
    Plain(BoxLayer),
    /// Ops applied in order.
    Seq(Vec<Elastic>),
}

impl ElasticConv {
    fn new(p: &nn::Path, c_in: i64, config: ConvConfig) -> Result<Self, String> {
        let ConvConfig {
            c_out,
            kernel: [kh, kw],
            stride,
            dilation,
            groups,
            bias,
        } = config;
        if groups != 1 {
            return Err(format!(
                "a convolution with {groups} groups has no elastic width here"
            ));
        }
        if c_in < 1 || c_out < 1 || kh < 1 || kw < 1 || stride < 1 || dilation < 1 {
            return Err(format!(
                "a convolution needs positive sizes (in {c_in}, out {c_out}, kernel {kh}×{kw}, stride {stride}, dilation {dilation})"
            ));
        }
        let init = pytorch_uniform(c_in * kh * kw);
        let weight = p
            .f_var("weight", &[c_out, c_in, kh, kw], init)
            .map_err(|e| e.to_string())?;
        let bias = match bias {
            true => Some(p.f_var("bias", &[c_out], init).map_err(|e| e.to_string())?),
            false => None,
        };
        let total = [dilation * (kh - 1), dilation * (kw - 1)];
        Ok(ElasticConv {
            weight,
            bias,
            config,
            padding: total.map(|t| t / 2),
            extra: total.map(|t| t % 2 == 1),
        })
    }

    fn forward(&self, xs: &Tensor, width: i64) -> Result<Tensor, TchError> {
        let [c_out, c_in] = [self.weight.size()[0], self.weight.size()[1]];
        let c = channels(xs)?;
        if c > c_in || width > c_out || width < 1 {
            return Err(TchError::Shape(format!(
                "an elastic convolution of {c_out}×{c_in} channels cannot take {c} input channels to {width}"
            )));
        }
        let weight = self.weight.f_narrow(0, 0, width)?.f_narrow(1, 0, c)?;
        let bias = match &self.bias {
            Some(b) => Some(b.f_narrow(0, 0, width)?),
            None => None,
        };
        let padded;
        let input = if self.extra[0] || self.extra[1] {
            let [h, w] = self.extra.map(i64::from);
            padded = xs.f_constant_pad_nd([0, w, 0, h])?;
            &padded
        } else {
            xs
        };
        let s = self.config.stride;
        let d = self.config.dilation;
        input.f_conv2d(&weight, bias.as_ref(), [s, s], self.padding, [d, d], 1)
    }

    fn count(&self, c_in: i64, width: i64) -> i64 {
        let [kh, kw] = self.config.kernel;
        width * c_in * kh * kw + if self.bias.is_some() { width } else { 0 }
    }
}

impl ElasticNorm {
    fn new(p: &nn::Path, c: i64, affine: bool) -> Result<Self, String> {
        if c < 1 {
            return Err(format!("a batch norm needs at least one channel, has {c}"));
        }
        let e = |e: TchError| e.to_string();
        let (weight, bias) = if affine {
            (
                Some(p.f_ones("weight", &[c]).map_err(e)?),
                Some(p.f_zeros("bias", &[c]).map_err(e)?),
            )
        } else {
            (None, None)
        };
        Ok(ElasticNorm {
            weight,
            bias,
            running_mean: p.f_zeros_no_train("running_mean", &[c]).map_err(e)?,
            running_var: p.f_ones_no_train("running_var", &[c]).map_err(e)?,
        })
    }

    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let c = channels(xs)?;
        let widest = self.running_mean.size()[0];
        if c > widest {
            return Err(TchError::Shape(format!(
                "an elastic batch norm of {widest} channels cannot take {c}"
            )));
        }
        let slice = |t: &Tensor| t.f_narrow(0, 0, c);
        let weight = self.weight.as_ref().map(slice).transpose()?;
        let bias = self.bias.as_ref().map(slice).transpose()?;
        xs.f_batch_norm(
            weight.as_ref(),
            bias.as_ref(),
            Some(&slice(&self.running_mean)?),
            Some(&slice(&self.running_var)?),
            train,
            BN_MOMENTUM,
            BN_EPS,
            true,
        )
    }
}

fn channels(xs: &Tensor) -> Result<i64, TchError> {
    xs.size().get(1).copied().ok_or_else(|| {
        TchError::Shape(format!(
            "an elastic layer needs [N, C, …] input, got {:?}",
            xs.size()
        ))
    })
}

impl Elastic {
    /// Builds `spec` under `p` for inputs of at most `c_in` channels, naming a sequence's
    /// parts as [`crate::compile::named::build_named`] does; returns it with its widest
    /// output. The error says which op has no elastic form.
    pub fn build(spec: &OpSpec, p: &nn::Path, c_in: i64) -> Result<(Elastic, i64), String> {
        Ok(match spec {
            OpSpec::Conv(config) => (
                Elastic::Conv(ElasticConv::new(p, c_in, *config)?),
                config.c_out,
            ),
            OpSpec::BatchNorm { affine } => {
                (Elastic::Norm(ElasticNorm::new(p, c_in, *affine)?), c_in)
            }
            OpSpec::ReluConvBn(config) => {
                let relu = Elastic::Plain(boxed(Activation::Relu));
                let conv = ElasticConv::new(&(p / "conv"), c_in, *config)?;
                let bn = ElasticNorm::new(&(p / "bn"), config.c_out, true)?;
                (
                    Elastic::Seq(vec![relu, Elastic::Conv(conv), Elastic::Norm(bn)]),
                    config.c_out,
                )
            }
            OpSpec::Act(_)
            | OpSpec::Identity
            | OpSpec::Dropout { .. }
            | OpSpec::Zero { .. }
            | OpSpec::Pool { c_out: None, .. } => {
                let (layer, c) = spec.build(p, c_in).map_err(|e| e.to_string())?;
                (Elastic::Plain(layer), c)
            }
            OpSpec::Seq(parts) => {
                let kinds: Vec<&str> = parts.iter().map(kind_name).collect();
                let mut layers = Vec::with_capacity(parts.len());
                let mut c = c_in;
                for (i, part) in parts.iter().enumerate() {
                    let kind = kinds[i];
                    let name = if kinds.iter().filter(|k| **k == kind).count() > 1 {
                        format!("{kind}{i}")
                    } else {
                        kind.to_string()
                    };
                    let (layer, next) = Elastic::build(part, &(p / name), c)?;
                    layers.push(layer);
                    c = next;
                }
                (Elastic::Seq(layers), c)
            }
            other => {
                return Err(format!(
                    "op `{}` has no elastic width (convolutions, batch norms and ops without parameters have)",
                    kind_name(other)
                ))
            }
        })
    }

    /// Applies the op, its convolutions producing `width` channels (at most their widest).
    pub fn forward(&self, xs: &Tensor, width: i64, train: bool) -> Result<Tensor, TchError> {
        match self {
            Elastic::Conv(conv) => conv.forward(xs, width),
            Elastic::Norm(norm) => norm.forward(xs, train),
            Elastic::Plain(layer) => layer.forward(xs, train),
            Elastic::Seq(parts) => {
                let mut x = xs.shallow_clone();
                for part in parts {
                    x = part.forward(&x, width, train)?;
                }
                Ok(x)
            }
        }
    }

    /// The trainable weights a pass on `c_in` channels at `width` uses (the sizes of its
    /// slices), and the channels it gives.
    pub fn count(&self, c_in: i64, width: i64) -> (i64, i64) {
        match self {
            Elastic::Conv(conv) => (conv.count(c_in, width), width),
            Elastic::Norm(norm) => (if norm.weight.is_some() { 2 * c_in } else { 0 }, c_in),
            Elastic::Plain(_) => (0, c_in),
            Elastic::Seq(parts) => parts.iter().fold((0, c_in), |(n, c), part| {
                let (m, next) = part.count(c, width);
                (n + m, next)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::named::build_named;
    use crate::compile::nb101::projection_spec;
    use tch::{Device, Kind};

    /// A narrow pass equals the op built at that width with the slices copied in, and the
    /// running statistics a training pass updates are the slice's.
    #[test]
    fn a_narrow_pass_is_the_op_built_at_that_width() {
        let spec = |c: i64| {
            OpSpec::Seq(vec![
                OpSpec::Conv(ConvConfig::new(c, 3).with_bias()),
                OpSpec::BatchNorm { affine: true },
                OpSpec::Act(Activation::Relu),
                OpSpec::ReluConvBn(ConvConfig::new(c, 1)),
            ])
        };
        let wide = nn::VarStore::new(Device::Cpu);
        let (elastic, c) = Elastic::build(&spec(8), &(wide.root() / "op"), 8).unwrap();
        assert_eq!(c, 8);
        let mut narrow = nn::VarStore::new(Device::Cpu);
        let (single, _) = build_named(&spec(3), &(narrow.root() / "op"), 5).unwrap();
        let mut names: Vec<String> = narrow.variables().into_keys().collect();
        names.sort();
        let mut wide_names: Vec<String> = wide.variables().into_keys().collect();
        wide_names.sort();
        assert_eq!(names, wide_names);
        let copy = |narrow: &mut nn::VarStore| {
            let from = wide.variables();
            tch::no_grad(|| {
                for (name, mut v) in narrow.variables() {
                    let mut src = from[&name].shallow_clone();
                    for (d, &n) in v.size().iter().enumerate() {
                        src = src.narrow(d as i64, 0, n);
                    }
                    v.copy_(&src);
                }
            });
        };
        copy(&mut narrow);
        let x = Tensor::randn([4, 5, 6, 6], (Kind::Float, Device::Cpu));
        let a = elastic.forward(&x, 3, true).unwrap();
        let b = single.forward(&x, true).unwrap();
        assert_eq!(a.size(), [4, 3, 6, 6]);
        assert!((a - b).abs().max().double_value(&[]) < 1e-5);
        let params: i64 = narrow
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(elastic.count(5, 3), (params, 3));
        // The training pass moved the slices' running statistics as the single op's.
        let (w, n) = (wide.variables(), narrow.variables());
        let mean = "op.bn.running_mean";
        assert!(w[mean].narrow(0, 3, 5).abs().max().double_value(&[]) == 0.0);
        let diff = (w[mean].narrow(0, 0, 3) - &n[mean])
            .abs()
            .max()
            .double_value(&[]);
        assert!(
            n[mean].abs().max().double_value(&[]) > 0.0 && diff < 1e-6,
            "{diff}"
        );
        // Wider than the weights is an error, not a panic.
        assert!(elastic.forward(&x, 9, true).is_err());
        let wide_x = Tensor::randn([1, 9, 6, 6], (Kind::Float, Device::Cpu));
        assert!(elastic.forward(&wide_x, 3, true).is_err());
        // The benchmark's projection is elastic; a depthwise convolution is refused by kind.
        assert!(Elastic::build(&projection_spec(4), &wide.root(), 3).is_ok());
        let depthwise = OpSpec::DepthwiseConv {
            kernel: 3,
            stride: 1,
            dilation: 1,
        };
        let err = Elastic::build(&depthwise, &wide.root(), 3).unwrap_err();
        assert!(err.contains("`depthwise`"), "{err}");
    }
}
