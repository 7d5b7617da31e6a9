//! SynFlow (Tanaka et al., 2020), data-free: with every parameter replaced by its absolute
//! value and an all-ones input, `R = Σ f(1)` and the score is `Σ |θ ⊙ ∂R/∂θ|`. Computed in
//! double precision, since products through a deep network overflow single precision, and
//! with batch norm in evaluation mode (at initialisation its running statistics make it the
//! identity up to ε, the batch-norm-free network of the zero-cost-proxies study).

use super::grad::gradients;
use crate::compile::Layer;
use tch::{nn, Kind, TchError, Tensor};

/// The SynFlow score of `net`, whose parameters live in `vs`, for one input of `input_shape`
/// (without the batch dimension). Converts `vs` to double precision and leaves the parameters
/// as they were (signs restored).
pub fn synflow(
    net: &dyn Layer,
    vs: &mut nn::VarStore,
    input_shape: &[i64],
) -> Result<f64, TchError> {
    vs.double();
    let params: Vec<Tensor> = vs.trainable_variables();
    let signs: Vec<Tensor> = {
        let _no_grad = tch::no_grad_guard();
        params
            .iter()
            .map(|p| {
                let sign = p.f_sign()?;
                let _ = p.shallow_clone().f_abs_()?;
                Ok(sign)
            })
            .collect::<Result<_, TchError>>()?
    };
    let mut shape = vec![1];
    shape.extend_from_slice(input_shape);
    let ones = Tensor::f_ones(shape.as_slice(), (Kind::Double, vs.device()))?;
    let score = (|| {
        let r = net.forward(&ones, false)?.f_sum(Kind::Double)?;
        let grads = gradients(&r, &params, false)?;
        let mut total = 0.0;
        for (p, g) in params.iter().zip(&grads) {
            total += p.f_mul(g)?.f_abs()?.f_sum(Kind::Double)?.double_value(&[]);
        }
        Ok(total)
    })();
    let _no_grad = tch::no_grad_guard();
    for (p, sign) in params.iter().zip(&signs) {
        let _ = p.shallow_clone().f_mul_(sign)?;
    }
    score
}
