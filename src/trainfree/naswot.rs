//! NASWOT (Mellor et al., 2021): how differently a network's ReLUs carve up a batch at
//! initialisation. With binary activation codes `c_i` of the inputs, the kernel
//! `K[i][j] = #units where c_i and c_j agree`, and the score is `log |det K|`.

use super::relu_tap;
use crate::compile::Layer;
use std::cell::RefCell;
use std::rc::Rc;
use tch::{Kind, TchError, Tensor};

/// The NASWOT score of `net` on `batch` (higher predicts better), computed without gradients.
/// The kernel is accumulated ReLU by ReLU, so no activation outlives its layer. A network
/// without ReLUs, or one whose kernel is singular, scores negative infinity.
pub fn naswot(net: &dyn Layer, batch: &Tensor) -> Result<f64, TchError> {
    let _no_grad = tch::no_grad_guard();
    let kernel: Rc<RefCell<KernelSum>> = Rc::default();
    let sink = kernel.clone();
    let logits = relu_tap::watch(
        move |relu| sink.borrow_mut().add(relu),
        || net.forward(batch, true),
    );
    let _logits = logits?;
    let KernelSum { sum, error } = kernel.take();
    if let Some(e) = error {
        return Err(e);
    }
    Ok(sum.map_or(f64::NEG_INFINITY, |k| log_abs_det(&k)))
}

/// The running sum of the per-ReLU kernels, or the first error.
#[derive(Default)]
struct KernelSum {
    sum: Option<Tensor>,
    error: Option<TchError>,
}

impl KernelSum {
    fn add(&mut self, relu: &Tensor) {
        if self.error.is_some() {
            return;
        }
        let next = hamming_kernel(&relu_tap::code(relu)).and_then(|k| match &self.sum {
            Some(sum) => sum.f_add(&k),
            None => Ok(k),
        });
        match next {
            Ok(sum) => self.sum = Some(sum),
            Err(e) => self.error = Some(e),
        }
    }
}

/// `K = C Cᵀ + (1−C)(1−C)ᵀ` for binary codes `C` (`[N, units]`), in double precision,
/// computed with one product: `K[i][j] = 2 c_i·c_j + units − |c_i| − |c_j|`.
pub fn hamming_kernel(codes: &Tensor) -> Result<Tensor, TchError> {
    let c = codes.f_to_kind(Kind::Float)?;
    let units = c.size().get(1).copied().unwrap_or(0) as f64;
    let active = c.f_sum_dim_intlist([1i64].as_slice(), true, Kind::Float)?;
    // Single-precision sums of 0/1 products are exact below 2^24 units per ReLU.
    c.f_matmul(&c.f_tr()?)?
        .f_mul_scalar(2.0)?
        .f_sub(&active)?
        .f_sub(&active.f_tr()?)?
        .f_add_scalar(units)?
        .f_to_kind(Kind::Double)
}

/// `log |det K|`, or negative infinity when `K` is singular.
fn log_abs_det(k: &Tensor) -> f64 {
    let (sign, logabs) = k.slogdet();
    if sign.double_value(&[]) == 0.0 {
        f64::NEG_INFINITY
    } else {
        logabs.double_value(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_counts_agreeing_units() {
        let _generator = crate::test_generator();
        let codes = Tensor::from_slice(&[1.0f32, 0.0, 1.0, 1.0, 1.0, 0.0]).view([2, 3]);
        let k = hamming_kernel(&codes).unwrap();
        assert_eq!(k.double_value(&[0, 0]), 3.0);
        assert_eq!(k.double_value(&[0, 1]), 1.0);
        assert_eq!(k.double_value(&[1, 0]), 1.0);
        // det [[3,1],[1,3]] = 8
        assert!((log_abs_det(&k) - 8f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn one_product_gives_the_two_product_kernel() {
        let _generator = crate::test_generator();
        tch::manual_seed(0);
        let codes = Tensor::rand([5, 37], (Kind::Float, tch::Device::Cpu))
            .gt(0.5)
            .to_kind(Kind::Float);
        let off = codes.neg() + 1.0;
        let expected = (codes.matmul(&codes.tr()) + off.matmul(&off.tr())).to_kind(Kind::Double);
        let k = hamming_kernel(&codes).unwrap();
        assert_eq!((k - expected).abs().max().double_value(&[]), 0.0);
    }

    #[test]
    fn identical_codes_give_a_singular_kernel() {
        let _generator = crate::test_generator();
        let codes = Tensor::ones([3, 4], (Kind::Float, tch::Device::Cpu));
        assert_eq!(
            log_abs_det(&hamming_kernel(&codes).unwrap()),
            f64::NEG_INFINITY
        );
    }
}
