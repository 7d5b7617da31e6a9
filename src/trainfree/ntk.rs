//! The condition number of the neural tangent kernel at initialisation (TE-NAS, Chen et al.,
//! 2021): with `J` the per-sample Jacobian of the summed logits with respect to the weights,
//! `NTK = J Jᵀ` and the score is `λ_max / λ_min` (lower predicts better trainability).
//!
//! The forward pass runs in training mode, as TE-NAS does, so batch norm couples the samples:
//! the gradient of one sample's output reaches every sample of the batch, and each row of `J`
//! costs one backward pass through the whole batch's graph (`n` passes of batch `n` in all).
//! The rows are written straight into one preallocated matrix in the weights' precision; the
//! kernel is then accumulated in double precision, a block of columns at a time.

use super::grad::gradients;
use crate::compile::Layer;
use tch::{nn, Kind, TchError, Tensor};

/// Columns of the Jacobian converted to double precision at once when forming `J Jᵀ`.
const GRAM_BLOCK: i64 = 1 << 18;

/// The weights the NTK is taken over: every trainable variable whose name ends in `weight`
/// (convolution, linear and batch-norm scales, as in TE-NAS); all trainable variables when
/// no name does.
pub fn ntk_weights(vs: &nn::VarStore) -> Vec<Tensor> {
    let named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(_, t)| t.requires_grad())
        .collect();
    weights_of(named)
}

/// [`ntk_weights`] of named variables: those whose name ends in `weight`, in name order, or
/// all of them when none does.
pub fn weights_of(mut named: Vec<(String, Tensor)>) -> Vec<Tensor> {
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
    let logits = net.forward(batch, true)?;
    condition_number(&ntk_matrix(&logits, &weights)?)
}

/// The empirical NTK `J Jᵀ` (`[n, n]`, double precision) of `logits` (`[n, classes]`, still
/// attached to the graph of the forward pass), with `J[i]` the gradient of the sum of row `i`
/// with respect to `weights`. Consumes the graph: the last backward pass frees it.
pub fn ntk_matrix(logits: &Tensor, weights: &[Tensor]) -> Result<Tensor, TchError> {
    if weights.is_empty() {
        return Err(TchError::Kind("the network has no parameters".into()));
    }
    let n = logits.size().first().copied().unwrap_or(0);
    let columns: i64 = weights.iter().map(|w| w.numel() as i64).sum();
    let kind = weights[0].kind();
    let jacobian = Tensor::f_zeros([n, columns], (kind, logits.device()))?;
    let outputs = logits.f_sum_dim_intlist([1i64].as_slice(), false, logits.kind())?;
    for i in 0..n {
        let grads = gradients(&outputs.f_get(i)?, weights, i + 1 < n)?;
        let row = jacobian.f_get(i)?;
        let mut offset = 0;
        for g in grads {
            let size = g.numel() as i64;
            row.f_narrow(0, offset, size)?
                .f_copy_(&g.f_reshape([-1])?)?;
            offset += size;
        }
    }
    gram(&jacobian)
}

/// `J Jᵀ` in double precision, accumulated over blocks of columns of `J`.
fn gram(jacobian: &Tensor) -> Result<Tensor, TchError> {
    let [n, columns] = jacobian.size()[..] else {
        return Err(TchError::Kind("the Jacobian must be a matrix".into()));
    };
    let mut kernel = Tensor::f_zeros([n, n], (Kind::Double, jacobian.device()))?;
    let mut start = 0;
    while start < columns {
        let width = GRAM_BLOCK.min(columns - start);
        let block = jacobian
            .f_narrow(1, start, width)?
            .f_to_kind(Kind::Double)?;
        kernel = kernel.f_addmm(&block, &block.f_tr()?)?;
        start += width;
    }
    Ok(kernel)
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
    use tch::Device;

    #[test]
    fn the_kernel_of_a_linear_map_is_twice_the_gram_matrix_of_its_inputs() {
        let _generator = crate::test_generator();
        // f_i = Σ_k (W x_i)_k with two rows in W: ∂f_i/∂W = [x_i; x_i], so NTK = 2 X Xᵀ.
        let x = Tensor::from_slice(&[1.0f64, 2.0, 0.0, -1.0, 0.5, 3.0]).view([2, 3]);
        let w = Tensor::randn([2, 3], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let logits = x.matmul(&w.tr());
        let k = ntk_matrix(&logits, &[w]).unwrap();
        let expected = x.matmul(&x.tr()) * 2.0;
        assert!((k - expected).abs().max().double_value(&[]) < 1e-12);
    }

    #[test]
    fn each_row_is_the_gradient_of_one_output_through_batch_statistics() {
        let _generator = crate::test_generator();
        tch::manual_seed(1);
        let opts = (Kind::Double, Device::Cpu);
        let x = Tensor::randn([4, 3], opts);
        let w = Tensor::randn([5, 3], opts).set_requires_grad(true);
        let v = Tensor::randn([2, 5], opts).set_requires_grad(true);
        let forward = || {
            x.matmul(&w.tr())
                .batch_norm(
                    None::<Tensor>,
                    None::<Tensor>,
                    None::<Tensor>,
                    None::<Tensor>,
                    true,
                    0.1,
                    1e-5,
                    false,
                )
                .relu()
                .matmul(&v.tr())
        };
        let params = [w.shallow_clone(), v.shallow_clone()];
        let k = ntk_matrix(&forward(), &params).unwrap();
        // Row i again, each from a fresh forward pass of the whole batch.
        let rows: Vec<Tensor> = (0..4)
            .map(|i| {
                let out = forward().get(i).sum(Kind::Double);
                let g = gradients(&out, &params, false).unwrap();
                Tensor::cat(&[g[0].reshape([-1]), g[1].reshape([-1])], 0)
            })
            .collect();
        let j = Tensor::stack(&rows, 0);
        let expected = j.matmul(&j.tr());
        let scale = expected.abs().max().double_value(&[]);
        assert!(scale > 0.0);
        assert!((k - expected).abs().max().double_value(&[]) < 1e-12 * scale);
    }

    #[test]
    fn condition_number_of_a_diagonal_matrix() {
        let _generator = crate::test_generator();
        let m = Tensor::from_slice(&[4.0f64, 0.0, 0.0, 0.5]).view([2, 2]);
        assert!((condition_number(&m).unwrap() - 8.0).abs() < 1e-12);
        let singular = Tensor::from_slice(&[1.0f64, 1.0, 1.0, 1.0]).view([2, 2]);
        assert_eq!(condition_number(&singular).unwrap(), f64::INFINITY);
    }
}
