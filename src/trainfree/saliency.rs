//! Gradient saliency at initialisation on one labelled batch: SNIP (Lee et al., 2019),
//! `Σ |θ ⊙ ∂L/∂θ|`, and grad_norm, `Σ_layers ‖∂L/∂θ‖₂`, with `L` the cross-entropy loss.

use super::grad::gradients;
use crate::compile::Layer;
use tch::{nn, Kind, TchError, Tensor};

/// The gradients of the cross-entropy loss of `net` on (`inputs`, `labels`) with respect to
/// every trainable variable, paired with the variables.
fn loss_gradients(
    net: &dyn Layer,
    vs: &nn::VarStore,
    inputs: &Tensor,
    labels: &Tensor,
) -> Result<Vec<(Tensor, Tensor)>, TchError> {
    let params = vs.trainable_variables();
    let loss = net.forward(inputs, true)?.f_cross_entropy_loss::<Tensor>(
        labels,
        None,
        tch::Reduction::Mean,
        -100,
        0.0,
    )?;
    let grads = gradients(&loss, &params, false)?;
    Ok(params.into_iter().zip(grads).collect())
}

/// The SNIP score: total connection sensitivity `Σ |θ ⊙ ∂L/∂θ|`.
pub fn snip(
    net: &dyn Layer,
    vs: &nn::VarStore,
    inputs: &Tensor,
    labels: &Tensor,
) -> Result<f64, TchError> {
    let mut total = 0.0;
    for (p, g) in loss_gradients(net, vs, inputs, labels)? {
        total += p.f_mul(&g)?.f_abs()?.f_sum(Kind::Double)?.double_value(&[]);
    }
    Ok(total)
}

/// The grad_norm score: the sum over parameter tensors of their gradient's L2 norm.
pub fn grad_norm(
    net: &dyn Layer,
    vs: &nn::VarStore,
    inputs: &Tensor,
    labels: &Tensor,
) -> Result<f64, TchError> {
    let mut total = 0.0;
    for (_, g) in loss_gradients(net, vs, inputs, labels)? {
        total += g.f_norm()?.double_value(&[]);
    }
    Ok(total)
}
