//! Initial weights as PyTorch's layers draw them, so that a compiled network starts where
//! the same network in PyTorch starts.

use tch::nn::Init;

/// PyTorch's default for the weight and the bias of `nn.Linear` and `nn.Conv2d` with
/// `fan_in` inputs per output (`d_in`; `c_in / groups · kh · kw`): uniform in ±1/√fan_in.
/// (The weight's `kaiming_uniform_(a = √5)` has that bound too; tch's own default, Kaiming
/// with ReLU's gain, draws from ±√(6/fan_in), √6 times wider.) On the same generator it draws
/// what PyTorch draws.
pub fn pytorch_uniform(fan_in: i64) -> Init {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::conv::{Conv2d, ConvConfig};
    use crate::compile::linear::Linear;
    use tch::{nn, Device, Tensor};

    /// The largest magnitude and the standard deviation of `t`.
    fn spread(t: &Tensor) -> (f64, f64) {
        (
            t.abs().max().double_value(&[]),
            t.std(true).double_value(&[]),
        )
    }

    /// Uniform in ±b has standard deviation b/√3: a draw from ±√(6/fan_in) (tch's default)
    /// is told apart at once. The sample standard deviation of n uniform draws has a relative
    /// standard error of about √(0.8/n)/2 (the uniform's kurtosis is 9/5); the test allows
    /// five of them, so that an unseeded draw fails about once in two million runs while a
    /// √6-times-wider draw (+145%) still fails for every tensor here (n ≥ 64: at most 28%).
    fn assert_pytorch_s(t: &Tensor, fan_in: i64) {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let (max, std) = spread(t);
        assert!(max <= bound, "{max} > {bound}");
        let expected = bound / 3f64.sqrt();
        let n = t.numel() as f64;
        let tolerance = 5.0 * (0.8 / n).sqrt() / 2.0;
        assert!(
            (std - expected).abs() < tolerance * expected,
            "std {std}, PyTorch's {expected} (tolerance {tolerance:.3} relative, n = {n})"
        );
    }

    #[test]
    fn linear_and_conv_start_where_pytorch_s_layers_start() {
        let vs = nn::VarStore::new(Device::Cpu);
        Linear::new(&(vs.root() / "fc"), 64, 300, true).unwrap();
        let config = ConvConfig {
            c_out: 64,
            kernel: [3, 3],
            stride: 1,
            dilation: 1,
            groups: 2,
            bias: true,
        };
        Conv2d::new(&(vs.root() / "conv"), 16, config).unwrap();
        let vars = vs.variables();
        assert_pytorch_s(&vars["fc.weight"], 64);
        assert_pytorch_s(&vars["fc.bias"], 64);
        assert_pytorch_s(&vars["conv.weight"], 8 * 9);
        assert_pytorch_s(&vars["conv.bias"], 8 * 9);
    }
}
