//! DARTS' two steps as primitives on a [`Supernet`] and explicit batches:
//!
//! - the weight step: the gradient of the training loss in the weights (clipped in norm) and
//!   an SGD step;
//! - the α gradient on a validation batch, first order (ξ = 0: `∇α L_val(w, α)`) or second
//!   order: with the unrolled weights `w' = w − ξ∇w L_train(w, α)`,
//!   `∇α L_val(w', α) − ξ·∇²α,w L_train(w, α)·∇w' L_val(w', α)`, the Hessian-vector product
//!   by central finite differences at `w ± ε∇w' L_val(w', α)` with `ε = 0.01/‖∇w' L_val‖`
//!   (Liu et al., 2019, eq. 8). [`exact_unrolled_alpha_grad`] computes the same gradient with
//!   the product by double backward (autograd with `create_graph`), the reference the
//!   finite-difference path is tested against.
//!
//! The unrolled and perturbed weights are written into the supernet's own weights in place
//! and restored afterwards, so no second copy of the network is built.

use super::mix::CellMix;
use super::supernet::Supernet;
use std::cell::RefCell;
use tch::{Kind, Reduction, TchError, Tensor};

/// A batch of examples and their targets, on the supernet's device (images in its kind).
#[derive(Debug)]
pub struct Batch {
    /// `[B, C, H, W]` images, or a language model's `[B, T]` int64 token ids.
    pub inputs: Tensor,
    /// `[B]` int64 labels, or each token's next token, `[B, T]`.
    pub targets: Tensor,
    /// A language model's hidden states carried into and out of this batch (none: each of
    /// its windows starts from zeros, and nothing is kept).
    pub carry: Option<Carry>,
}

/// The hidden states of a language model's batch: those its windows start from (the end of
/// the previous batch of the same rows of text; none: zeros) and those the last forward pass
/// on it ended with, detached, for the next batch.
#[derive(Debug, Default)]
pub struct Carry {
    /// One `[B, hidden]` tensor per state of each recurrent cell, in order; none: zeros.
    pub start: Option<Vec<Tensor>>,
    /// The states after the last forward pass on the batch.
    pub end: RefCell<Option<Vec<Tensor>>>,
}

impl Carry {
    /// A carry that starts from `start` (none: zeros).
    pub fn from(start: Option<Vec<Tensor>>) -> Carry {
        Carry {
            start,
            end: RefCell::new(None),
        }
    }
}

/// The mean cross-entropy of the supernet's logits on `batch` under `mix` (over every
/// token of a language model's windows, from the states the batch carries).
pub fn loss(net: &Supernet, batch: &Batch, mix: &CellMix) -> Result<Tensor, TchError> {
    let logits = net.forward_batch(batch, mix, true)?;
    cross_entropy(&logits, &batch.targets)
}

/// The mean cross-entropy of `logits` (`[B, K]`, or `[B, T, K]` per token) for `targets`.
pub fn cross_entropy(logits: &Tensor, targets: &Tensor) -> Result<Tensor, TchError> {
    let k = logits.size().last().copied().unwrap_or(1);
    logits.f_reshape([-1, k])?.f_cross_entropy_loss::<Tensor>(
        &targets.f_reshape([-1])?,
        None,
        Reduction::Mean,
        -100,
        0.0,
    )
}

/// The gradients of the scalar `y` in `xs` (undefined where `y` does not depend on one).
pub fn gradients(y: &Tensor, xs: &[Tensor], create_graph: bool) -> Result<Vec<Tensor>, TchError> {
    Tensor::f_run_backward(&[y], xs, create_graph, create_graph)
}

/// The Euclidean norm of all defined tensors of `ts` together.
pub fn global_norm(ts: &[Tensor]) -> Result<f64, TchError> {
    let mut sq = 0.0;
    for t in ts.iter().filter(|t| t.defined()) {
        sq += t.f_square()?.f_sum(Kind::Double)?.f_double_value(&[])?;
    }
    Ok(sq.sqrt())
}

/// Scales `grads` so their global norm is at most `max`; returns the norm before clipping.
pub fn clip_norm(grads: &[Tensor], max: f64) -> Result<f64, TchError> {
    let norm = global_norm(grads)?;
    if norm > max {
        let scale = max / (norm + 1e-6);
        let _guard = tch::no_grad_guard();
        for g in grads.iter().filter(|g| g.defined()) {
            let _ = g.shallow_clone().f_mul_scalar_(scale)?;
        }
    }
    Ok(norm)
}

/// The training loss under `mix` and its gradient in the weights.
pub fn weight_gradients(
    net: &Supernet,
    batch: &Batch,
    mix: &CellMix,
) -> Result<(f64, Vec<Tensor>), TchError> {
    let l = loss(net, batch, mix)?;
    let grads = gradients(&l, &net.weights(), false)?;
    Ok((l.f_double_value(&[])?, grads))
}

/// The first-order α gradient (ξ = 0): the validation loss under `mix` (built from α) and
/// `∇α L_val(w, α)`.
pub fn first_order_alpha_grad(
    net: &Supernet,
    valid: &Batch,
    mix: &CellMix,
) -> Result<(f64, Tensor), TchError> {
    let l = loss(net, valid, mix)?;
    let g = gradients(&l, &[net.alpha().shallow_clone()], false)?;
    Ok((l.f_double_value(&[])?, defined_or_zero(g, net.alpha())?))
}

/// The first-order gradient of the validation loss under `mix` — plus `penalty`, a term in
/// α's graph such as DrNAS' regulariser, when given — in every architecture parameter of
/// the supernet (α, and β where edges are normalised), zeros where one takes no part.
/// Returns the validation loss (without the penalty) and the gradients in
/// [`Supernet::arch_parameters`] order.
pub fn first_order_arch_grads(
    net: &Supernet,
    valid: &Batch,
    mix: &CellMix,
    penalty: Option<&Tensor>,
) -> Result<(f64, Vec<Tensor>), TchError> {
    let l = loss(net, valid, mix)?;
    let total = match penalty {
        Some(p) => l.f_add(p)?,
        None => l.shallow_clone(),
    };
    let params = net.arch_parameters();
    let grads = gradients(&total, &params, false)?;
    let grads = zeros_where_undefined(grads, &params)?;
    Ok((l.f_double_value(&[])?, grads))
}

/// One backward pass of the training loss under `mix` (built from α with its graph) into
/// both the weights and the architecture parameters, for methods that train them together on
/// the same loss (SNAS). Returns the loss, the weights' gradients (undefined where a weight
/// takes no part) and the architecture gradients (zeros where one takes no part).
pub fn joint_gradients(
    net: &Supernet,
    batch: &Batch,
    mix: &CellMix,
) -> Result<(f64, Vec<Tensor>, Vec<Tensor>), TchError> {
    let l = loss(net, batch, mix)?;
    let weights = net.weights();
    let params = net.arch_parameters();
    let mut inputs: Vec<Tensor> = params.iter().map(Tensor::shallow_clone).collect();
    inputs.extend(weights.iter().map(Tensor::shallow_clone));
    let mut grads = gradients(&l, &inputs, false)?;
    let weight_grads = grads.split_off(params.len());
    let arch_grads = zeros_where_undefined(grads, &params)?;
    Ok((l.f_double_value(&[])?, weight_grads, arch_grads))
}

/// `grads` with each undefined gradient replaced by zeros shaped like its parameter.
pub(super) fn zeros_where_undefined(
    grads: Vec<Tensor>,
    params: &[Tensor],
) -> Result<Vec<Tensor>, TchError> {
    grads
        .into_iter()
        .zip(params)
        .map(|(g, p)| if g.defined() { Ok(g) } else { p.f_zeros_like() })
        .collect()
}

/// The finite-difference step of the Hessian-vector product for a vector of norm `norm`.
pub fn hvp_epsilon(norm: f64) -> f64 {
    0.01 / norm
}

/// The second-order α gradient of DARTS' unrolled objective under the softmax mixture, with
/// the Hessian-vector product by finite differences. Returns the validation loss at the
/// unrolled weights and the gradient; the weights are left as they were.
pub fn second_order_alpha_grad(
    net: &Supernet,
    train: &Batch,
    valid: &Batch,
    xi: f64,
) -> Result<(f64, Tensor), TchError> {
    let (val_loss, d_alpha, v) = unrolled_gradients(net, train, valid, xi)?;
    let weights = net.weights();
    let saved = snapshot(&weights)?;
    let norm = global_norm(&v)?;
    let implicit = if norm > 0.0 && xi != 0.0 {
        let eps = hvp_epsilon(norm);
        let alpha = [net.alpha().shallow_clone()];
        let train_alpha_grad = |sign: f64| -> Result<Tensor, TchError> {
            assign_shifted(&weights, &saved, &v, sign * eps)?;
            let l = loss(net, train, &net.darts_mix(net.alpha())?)?;
            defined_or_zero(gradients(&l, &alpha, false)?, net.alpha())
        };
        let plus = train_alpha_grad(1.0);
        let minus = plus.and_then(|p| Ok((p, train_alpha_grad(-1.0)?)));
        assign(&weights, &saved)?;
        let (plus, minus) = minus?;
        plus.f_sub(&minus)?.f_div_scalar(2.0 * eps)?
    } else {
        d_alpha.f_zeros_like()?
    };
    Ok((val_loss, d_alpha.f_sub(&implicit.f_mul_scalar(xi)?)?))
}

/// The second-order α gradient with the Hessian-vector product computed exactly, by
/// differentiating `∇w L_train(w, α)·v` in α (autograd with `create_graph`). Slower than
/// [`second_order_alpha_grad`]; the reference it is tested against.
pub fn exact_unrolled_alpha_grad(
    net: &Supernet,
    train: &Batch,
    valid: &Batch,
    xi: f64,
) -> Result<(f64, Tensor), TchError> {
    let (val_loss, d_alpha, v) = unrolled_gradients(net, train, valid, xi)?;
    let weights = net.weights();
    let l = loss(net, train, &net.darts_mix(net.alpha())?)?;
    let g = gradients(&l, &weights, true)?;
    let mut dot = Tensor::f_zeros([], (net.kind(), net.device()))?;
    for (gi, vi) in g.iter().zip(&v) {
        if gi.defined() && vi.defined() {
            dot = dot.f_add(&gi.f_mul(vi)?.f_sum(net.kind())?)?;
        }
    }
    let implicit = if dot.requires_grad() {
        defined_or_zero(
            gradients(&dot, &[net.alpha().shallow_clone()], false)?,
            net.alpha(),
        )?
    } else {
        d_alpha.f_zeros_like()?
    };
    Ok((val_loss, d_alpha.f_sub(&implicit.f_mul_scalar(xi)?)?))
}

/// DARTS' unrolled objective `L_val(w − ξ∇w L_train(w, α), α)` at the current α, by value
/// (the weights are left as they were).
pub fn unrolled_objective(
    net: &Supernet,
    train: &Batch,
    valid: &Batch,
    xi: f64,
) -> Result<f64, TchError> {
    let weights = net.weights();
    let saved = snapshot(&weights)?;
    let result = (|| {
        let (_, g) = weight_gradients(net, train, &net.darts_mix(net.alpha())?)?;
        assign_shifted(&weights, &saved, &g, -xi)?;
        let _guard = tch::no_grad_guard();
        loss(net, valid, &net.darts_mix(net.alpha())?)?.f_double_value(&[])
    })();
    assign(&weights, &saved)?;
    result
}

/// At the unrolled weights `w' = w − ξ∇w L_train(w, α)`: the validation loss, its gradient
/// in α and in the weights. The weights are restored before returning.
pub fn unrolled_gradients(
    net: &Supernet,
    train: &Batch,
    valid: &Batch,
    xi: f64,
) -> Result<(f64, Tensor, Vec<Tensor>), TchError> {
    let weights = net.weights();
    let saved = snapshot(&weights)?;
    let result = (|| {
        let (_, g) = weight_gradients(net, train, &net.darts_mix(&net.alpha().f_detach()?)?)?;
        assign_shifted(&weights, &saved, &g, -xi)?;
        let l = loss(net, valid, &net.darts_mix(net.alpha())?)?;
        let mut inputs = vec![net.alpha().shallow_clone()];
        inputs.extend(weights.iter().map(Tensor::shallow_clone));
        let mut grads = gradients(&l, &inputs, false)?;
        let v = grads.split_off(1);
        let d_alpha = defined_or_zero(grads, net.alpha())?;
        Ok((l.f_double_value(&[])?, d_alpha, v))
    })();
    assign(&weights, &saved)?;
    result
}

/// The first tensor of `grads`, or zeros shaped like `like` when it is undefined.
fn defined_or_zero(grads: Vec<Tensor>, like: &Tensor) -> Result<Tensor, TchError> {
    match grads.into_iter().next() {
        Some(g) if g.defined() => Ok(g),
        _ => like.f_zeros_like(),
    }
}

/// Copies of the weights' values.
fn snapshot(weights: &[Tensor]) -> Result<Vec<Tensor>, TchError> {
    weights.iter().map(|w| w.f_detach_copy()).collect()
}

/// Writes `values` into `weights`.
fn assign(weights: &[Tensor], values: &[Tensor]) -> Result<(), TchError> {
    let _guard = tch::no_grad_guard();
    for (w, v) in weights.iter().zip(values) {
        w.shallow_clone().f_copy_(v)?;
    }
    Ok(())
}

/// Writes `base + scale·direction` into `weights` (`base` where the direction is undefined).
fn assign_shifted(
    weights: &[Tensor],
    base: &[Tensor],
    direction: &[Tensor],
    scale: f64,
) -> Result<(), TchError> {
    let _guard = tch::no_grad_guard();
    for ((w, b), d) in weights.iter().zip(base).zip(direction) {
        let mut w = w.shallow_clone();
        w.f_copy_(b)?;
        if d.defined() {
            let _ = w.f_add_(&d.f_mul_scalar(scale)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsilon_is_a_hundredth_over_the_norm() {
        assert_eq!(hvp_epsilon(4.0), 0.0025);
        assert_eq!(hvp_epsilon(0.5), 0.02);
    }

    #[test]
    fn clipping_scales_to_the_maximum_norm() {
        let g = [
            Tensor::from_slice(&[3.0f64]),
            Tensor::from_slice(&[4.0f64]),
            Tensor::new(),
        ];
        assert_eq!(clip_norm(&g, 10.0).unwrap(), 5.0);
        assert_eq!(g[0].double_value(&[0]), 3.0);
        clip_norm(&g, 1.0).unwrap();
        assert!((global_norm(&g).unwrap() - 1.0).abs() < 1e-5);
    }
}
