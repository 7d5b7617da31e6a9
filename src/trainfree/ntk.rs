//! The condition number of the neural tangent kernel at initialisation (TE-NAS, Chen et al.,
//! 2021): with `J` the per-sample Jacobian of the summed logits with respect to the weights,
//! `NTK = J Jᵀ` and the score is `λ_max / λ_min` (lower predicts better trainability).

use super::grad::gradients;
use crate::compile::Layer;
use tch::{nn, Kind, TchError, Tensor};

/// The weights the NTK is taken over: every trainable variable whose name ends in `weight`
/// (convolution, linear and batch-norm scales, as in TE-NAS); all trainable variables when
/// no name does.
pub fn ntk_weights(vs: &nn::VarStore) -> Vec<Tensor> {
    let mut named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(_, t)| t.requires_grad())
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let weights: Vec<Tensor> = named
        .iter()
        .filter(|(name, _)| name.ends_with("weight"))
        .map(|(_, t)| t.shallow_clone())
        .collect();
    if weights.is_empty() {
        named.into_iter().map(|(_, t)| t).collect()
    } else {
        weights
    }
}

/// The NTK's condition number for `net` on `batch` (a forward in training mode, as TE-NAS
/// does). Positive infinity when the kernel is singular or not positive definite.
pub fn ntk_condition_number(
    net: &dyn Layer,
    vs: &nn::VarStore,
    batch: &Tensor,
) -> Result<f64, TchError> {
    let weights = ntk_weights(vs);
    if weights.is_empty() {
        return Err(TchError::Kind("the network has no parameters".into()));
    }
    let logits = net.forward(batch, true)?;
    let n = logits.size().first().copied().unwrap_or(0);
    let mut rows = Vec::with_capacity(n as usize);
    for i in 0..n {
        let target = logits.f_get(i)?.f_sum(Kind::Float)?;
        let grads = gradients(&target, &weights, true)?;
        let flat: Vec<Tensor> = grads
            .iter()
            .map(|g| g.f_reshape([-1]))
            .collect::<Result<_, _>>()?;
        rows.push(Tensor::f_cat(&flat, 0)?.f_to_kind(Kind::Double)?);
    }
    let jacobian = Tensor::f_stack(&rows, 0)?;
    let ntk = jacobian.f_matmul(&jacobian.f_tr()?)?;
    condition_number(&ntk)
}

/// `λ_max / λ_min` of a symmetric matrix; positive infinity unless `λ_min > 0`.
pub fn condition_number(symmetric: &Tensor) -> Result<f64, TchError> {
    let eig = symmetric.f_linalg_eigvalsh("L")?;
    let n = eig.size()[0];
    let (lo, hi) = (eig.double_value(&[0]), eig.double_value(&[n - 1]));
    Ok(if lo > 0.0 { hi / lo } else { f64::INFINITY })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_number_of_a_diagonal_matrix() {
        let m = Tensor::from_slice(&[4.0f64, 0.0, 0.0, 0.5]).view([2, 2]);
        assert!((condition_number(&m).unwrap() - 8.0).abs() < 1e-12);
        let singular = Tensor::from_slice(&[1.0f64, 1.0, 1.0, 1.0]).view([2, 2]);
        assert_eq!(condition_number(&singular).unwrap(), f64::INFINITY);
    }
}
