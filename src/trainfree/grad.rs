//! Gradients of a scalar with respect to parameters, where a parameter the scalar does not
//! depend on (an op on a dead path, cut off by `none` edges) has gradient zero rather than
//! libtorch's undefined tensor.

use tch::{TchError, Tensor};

/// `∂output/∂p` for each `p` in `params`, zeros for parameters `output` does not reach.
/// `keep_graph` keeps the graph for further backward passes through it.
pub fn gradients(
    output: &Tensor,
    params: &[Tensor],
    keep_graph: bool,
) -> Result<Vec<Tensor>, TchError> {
    let grads = Tensor::f_run_backward(&[output], params, keep_graph, false)?;
    grads
        .into_iter()
        .zip(params)
        .map(|(g, p)| if g.defined() { Ok(g) } else { p.f_zeros_like() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    #[test]
    fn unused_parameters_get_zero_gradients() {
        let used = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
        let unused = Tensor::from_slice(&[1.0f64, 1.0]).set_requires_grad(true);
        let out = (&used * &used).sum(Kind::Double);
        let g = gradients(&out, &[used, unused], false).unwrap();
        assert_eq!(g[0].double_value(&[0]), 4.0);
        assert_eq!(g[1].size(), vec![2]);
        assert_eq!(g[1].abs().sum(Kind::Double).double_value(&[]), 0.0);
    }
}
