//! 2-D convolution with stride, dilation, groups and "same" padding; depthwise convolution is
//! the case `groups = C_in`.

use super::describe::Module;
use super::error::CompileError;
use super::flops;
use super::init::pytorch_uniform;
use super::layer::Layer;
use crate::wiring::size;
use tch::nn;
use tch::{TchError, Tensor};

/// The settings of a convolution (PyTorch's defaults: stride 1, dilation 1, one group, no bias).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvConfig {
    /// Output channels.
    pub c_out: i64,
    /// Kernel height and width.
    pub kernel: [i64; 2],
    /// Step between windows.
    pub stride: i64,
    /// Spacing between kernel taps.
    pub dilation: i64,
    /// Channel groups (`C_in` for a depthwise convolution).
    pub groups: i64,
    /// Whether a learned bias is added.
    pub bias: bool,
}

impl ConvConfig {
    /// A `kernel`×`kernel` convolution to `c_out` channels with the defaults otherwise.
    pub fn new(c_out: i64, kernel: i64) -> Self {
        ConvConfig {
            c_out,
            kernel: [kernel, kernel],
            stride: 1,
            dilation: 1,
            groups: 1,
            bias: false,
        }
    }

    /// The same with a `height`×`width` kernel.
    pub fn kernel_hw(self, height: i64, width: i64) -> Self {
        ConvConfig {
            kernel: [height, width],
            ..self
        }
    }

    /// The same with another stride.
    pub fn stride(self, stride: i64) -> Self {
        ConvConfig { stride, ..self }
    }

    /// The same with another dilation.
    pub fn dilation(self, dilation: i64) -> Self {
        ConvConfig { dilation, ..self }
    }

    /// The same with another number of groups.
    pub fn groups(self, groups: i64) -> Self {
        ConvConfig { groups, ..self }
    }

    /// The same with a bias.
    pub fn with_bias(self) -> Self {
        ConvConfig { bias: true, ..self }
    }
}

/// A convolution with "same" padding: `dilation·(kernel−1)` zeros in all along each side of
/// the kernel, split evenly (the extra one, for an even kernel height or width, goes to the
/// bottom or right), so stride 1 keeps the size and stride `s` gives `ceil(size/s)`.
#[derive(Debug)]
pub struct Conv2d {
    weight: Tensor,
    bias: Option<Tensor>,
    config: ConvConfig,
    c_in: i64,
    /// Symmetric padding passed to the convolution (rows, columns).
    padding: [i64; 2],
    /// Whether one extra row of zeros is needed at the bottom, and one extra column at the
    /// right.
    extra: [bool; 2],
}

impl Conv2d {
    /// Registers `weight` (and `bias`) under `p` for inputs with `c_in` channels.
    pub fn new(p: &nn::Path, c_in: i64, config: ConvConfig) -> Result<Self, CompileError> {
        let ConvConfig {
            c_out,
            kernel,
            stride,
            dilation,
            groups,
            bias,
        } = config;
        let bad = |m: String| Err(CompileError::bad_op(p, "conv", m));
        if c_in < 1 || c_out < 1 {
            return bad(format!(
                "channels must be positive (in {c_in}, out {c_out})"
            ));
        }
        let [kh, kw] = kernel;
        if kh < 1 || kw < 1 || stride < 1 || dilation < 1 || groups < 1 {
            return bad(format!(
                "kernel {kh}×{kw}, stride {stride}, dilation {dilation} and groups {groups} must all be at least 1"
            ));
        }
        if c_in % groups != 0 || c_out % groups != 0 {
            return bad(format!(
                "{groups} groups do not divide {c_in} input and {c_out} output channels"
            ));
        }
        let init = pytorch_uniform(c_in / groups * kh * kw);
        let weight = p.f_var("weight", &[c_out, c_in / groups, kh, kw], init)?;
        let bias = match bias {
            true => Some(p.f_var("bias", &[c_out], init)?),
            false => None,
        };
        let total = [dilation * (kh - 1), dilation * (kw - 1)];
        Ok(Conv2d {
            weight,
            bias,
            config,
            c_in,
            padding: total.map(|t| t / 2),
            extra: total.map(|t| t % 2 == 1),
        })
    }

    /// Output channels.
    pub fn c_out(&self) -> i64 {
        self.config.c_out
    }
}

impl Layer for Conv2d {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        let c = &self.config;
        let padded;
        let input = if self.extra[0] || self.extra[1] {
            let [h, w] = self.extra.map(i64::from);
            padded = xs.f_constant_pad_nd([0, w, 0, h])?;
            &padded
        } else {
            xs
        };
        let out = input.f_conv2d(
            &self.weight,
            self.bias.as_ref(),
            [c.stride, c.stride],
            self.padding,
            [c.dilation, c.dilation],
            c.groups,
        )?;
        flops::record(|| {
            let per_output = size::product([self.c_in / c.groups, c.kernel[0], c.kernel[1]])?;
            flops::macs(out.numel() as i64, per_output, c.bias)
        });
        Ok(out)
    }

    fn describe(&self) -> Module {
        let c = &self.config;
        Module::Conv {
            c_in: self.c_in,
            c_out: c.c_out,
            kernel: c.kernel,
            stride: c.stride,
            dilation: c.dilation,
            groups: c.groups,
            bias: c.bias,
        }
    }
}

/// A depthwise convolution: one `kernel`×`kernel` filter per channel (`groups = C`).
pub fn depthwise(
    p: &nn::Path,
    c: i64,
    kernel: i64,
    stride: i64,
    dilation: i64,
) -> Result<Conv2d, CompileError> {
    Conv2d::new(
        p,
        c,
        ConvConfig::new(c, kernel)
            .stride(stride)
            .dilation(dilation)
            .groups(c),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn run(config: ConvConfig, c_in: i64, hw: i64) -> Result<Vec<i64>, CompileError> {
        let vs = nn::VarStore::new(Device::Cpu);
        let conv = Conv2d::new(&vs.root(), c_in, config)?;
        let x = Tensor::ones([2, c_in, hw, hw], (Kind::Float, Device::Cpu));
        Ok(conv.forward(&x, true)?.size())
    }

    #[test]
    fn same_padding_keeps_or_divides_the_size() {
        assert_eq!(run(ConvConfig::new(4, 3), 2, 9).unwrap(), [2, 4, 9, 9]);
        assert_eq!(run(ConvConfig::new(4, 4), 2, 9).unwrap(), [2, 4, 9, 9]);
        assert_eq!(
            run(ConvConfig::new(4, 3).dilation(2), 2, 9).unwrap(),
            [2, 4, 9, 9]
        );
        assert_eq!(
            run(ConvConfig::new(4, 5).stride(2), 2, 9).unwrap(),
            [2, 4, 5, 5]
        );
        assert_eq!(
            run(ConvConfig::new(6, 3).groups(3), 3, 4).unwrap(),
            [2, 6, 4, 4]
        );
    }

    #[test]
    fn non_square_kernels_have_their_own_weights_padding_and_macs() {
        let vs = nn::VarStore::new(Device::Cpu);
        let conv =
            Conv2d::new(&(vs.root() / "c"), 3, ConvConfig::new(4, 1).kernel_hw(1, 7)).unwrap();
        assert_eq!(vs.variables()["c.weight"].size(), [4, 3, 1, 7]);
        let x = Tensor::ones([1, 3, 6, 9], (Kind::Float, Device::Cpu));
        let (y, macs) = flops::count_macs(|| conv.forward(&x, false).unwrap());
        assert_eq!(y.size(), [1, 4, 6, 9]);
        assert_eq!(macs, Ok(4 * 6 * 9 * 3 * 7));
        // An even height pads one extra row at the bottom; the width keeps its padding.
        let even = ConvConfig::new(4, 1).kernel_hw(4, 3).stride(2);
        assert_eq!(run(even, 2, 9).unwrap(), [2, 4, 5, 5]);
        let err = run(ConvConfig::new(4, 3).kernel_hw(3, 0), 2, 5).unwrap_err();
        assert!(err.to_string().contains("kernel 3×0"), "{err}");
    }

    #[test]
    fn bad_arguments_and_shapes_are_errors_not_aborts() {
        let err = run(ConvConfig::new(4, 3).groups(3), 2, 5).unwrap_err();
        assert!(err.to_string().contains("groups do not divide"), "{err}");
        assert!(run(ConvConfig::new(4, 0), 2, 5).is_err());
        let vs = nn::VarStore::new(Device::Cpu);
        let conv = Conv2d::new(&(vs.root() / "c"), 3, ConvConfig::new(4, 3)).unwrap();
        let wrong = Tensor::ones([1, 5, 8, 8], (Kind::Float, Device::Cpu));
        assert!(conv.forward(&wrong, false).is_err());
    }

    #[test]
    fn depthwise_has_one_filter_per_channel_and_counts_its_macs() {
        let vs = nn::VarStore::new(Device::Cpu);
        let conv = depthwise(&(vs.root() / "dw"), 8, 3, 1, 1).unwrap();
        let names: Vec<_> = vs.variables().into_keys().collect();
        assert_eq!(names, ["dw.weight"]);
        assert_eq!(vs.variables()["dw.weight"].size(), [8, 1, 3, 3]);
        let x = Tensor::ones([1, 8, 5, 5], (Kind::Float, Device::Cpu));
        let (_, macs) = flops::count_macs(|| conv.forward(&x, false).unwrap());
        assert_eq!(macs, Ok(8 * 25 * 9));
    }
}
