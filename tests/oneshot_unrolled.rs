//! DARTS' second-order architecture gradient on a tiny NAS-Bench-201 supernet compiled from
//! the stdlib space (2 channels, one cell per stage, 4×4 images, batches of 2, double
//! precision): the finite-difference
//! Hessian-vector product of [`second_order_alpha_grad`] (ε = 0.01/‖∇w′ L_val‖) against the
//! exact gradient of the unrolled objective `∇α L_val(w − ξ∇w L_train(w, α), α)` by autograd
//! with `create_graph`, and that against a central difference of the unrolled objective
//! itself along a random direction of α.
//!
//! A central difference of a gradient is accurate to O(ε²) only while no ReLU changes sign
//! between `w − εv` and `w + εv`; across a kink the gradient jumps and the estimate is off by
//! O(1) whatever ε is (on a supernet with 3 channels, 8×8 images and batches of 8 the
//! finite-difference product came out 10× the exact one). So each seed's stencil is checked
//! for sign changes first (with the compiler's ReLU tap): the seeds used here stay on one side
//! of every kink, so the comparison measures the finite-difference step itself. On them the
//! error is within 1e-4; the remaining O(ε²) curvature error is not always that small (seed 2
//! of this set-up, also kink-free, comes out at 2.6e-4 relative with DARTS' ε).

use nas::oneshot::darts::{
    exact_unrolled_alpha_grad, global_norm, hvp_epsilon, loss, second_order_alpha_grad,
    unrolled_gradients, unrolled_objective, Batch,
};
use nas::oneshot::Supernet;
use nas::space::load_space_with;
use nas::train::generator;
use nas::trainfree::relu_tap;
use std::cell::RefCell;
use std::rc::Rc;
use tch::{Device, Kind, Tensor};

const KIND: (Kind, Device) = (Kind::Double, Device::Cpu);
const XI: f64 = 0.1;

fn batch(n: i64) -> Batch {
    Batch {
        inputs: Tensor::randn([n, 1, 4, 4], KIND),
        targets: Tensor::randint(3, [n], (Kind::Int64, Device::Cpu)),
        carry: None,
    }
}

/// A supernet with α spread out (so the softmax is far from uniform) and two batches.
fn setup(seed: i64) -> (Supernet, Batch, Batch) {
    let args = [
        ("c".to_string(), 2),
        ("n".to_string(), 1),
        ("classes".to_string(), 3),
    ];
    let space = load_space_with("nb201", &args).expect("nb201 loads");
    let net = Supernet::new(&space, 1, Device::Cpu, Kind::Double, seed).expect("builds");
    tch::manual_seed(seed + 100);
    let alpha = Tensor::randn([6, 5], KIND) * 0.7;
    tch::no_grad(|| net.alpha().shallow_clone().copy_(&alpha));
    (net, batch(2), batch(2))
}

fn norm(t: &Tensor) -> f64 {
    t.norm().double_value(&[])
}

/// Writes `base + scale·v` into the weights.
fn shift(net: &Supernet, base: &[Tensor], v: &[Tensor], scale: f64) {
    tch::no_grad(|| {
        for ((w, b), d) in net.weights().iter().zip(base).zip(v) {
            let mut w = w.shallow_clone();
            w.copy_(b);
            if d.defined() {
                let _ = w.f_add_(&(d * scale)).expect("adds");
            }
        }
    });
}

/// The sign pattern of every ReLU of the training loss's forward pass.
fn relu_signs(net: &Supernet, train: &Batch) -> Vec<Tensor> {
    let codes = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&codes);
    let _ = relu_tap::watch(
        move |t| sink.borrow_mut().push(t.gt(0.0)),
        || loss(net, train, &net.darts_mix(net.alpha()).expect("mix")).expect("loss"),
    );
    codes.take()
}

/// Whether the finite-difference stencil `w ± εv` crosses a ReLU kink.
fn stencil_crosses_a_kink(net: &Supernet, train: &Batch, valid: &Batch) -> bool {
    let (_, _, v) = unrolled_gradients(net, train, valid, XI).expect("unrolls");
    let eps = hvp_epsilon(global_norm(&v).expect("norm"));
    let base: Vec<Tensor> = net.weights().iter().map(Tensor::copy).collect();
    shift(net, &base, &v, eps);
    let plus = relu_signs(net, train);
    shift(net, &base, &v, -eps);
    let minus = relu_signs(net, train);
    shift(net, &base, &v, 0.0);
    plus.len() != minus.len() || plus.iter().zip(&minus).any(|(a, b)| !a.equal(b))
}

#[test]
fn the_finite_difference_alpha_gradient_matches_autograd_of_the_unrolled_objective() {
    let _serial = generator::hold();
    for seed in [0, 1] {
        let (net, train, valid) = setup(seed);
        let weights_before: Vec<Tensor> = net.weights().iter().map(Tensor::copy).collect();
        let (loss_exact, exact) = exact_unrolled_alpha_grad(&net, &train, &valid, XI).unwrap();

        // Autograd against the unrolled objective itself, differenced along a direction.
        let d = Tensor::randn([6, 5], KIND);
        let h = 1e-6;
        let alpha = net.alpha().detach().copy();
        let at = |t: f64| {
            tch::no_grad(|| net.alpha().shallow_clone().copy_(&(&alpha + &d * t)));
            unrolled_objective(&net, &train, &valid, XI).unwrap()
        };
        let slope = (at(h) - at(-h)) / (2.0 * h);
        tch::no_grad(|| net.alpha().shallow_clone().copy_(&alpha));
        let predicted = (&exact * &d).sum(Kind::Double).double_value(&[]);
        let err = (slope - predicted).abs() / predicted.abs().max(1e-12);
        assert!(
            err < 1e-4,
            "seed {seed}: directional derivative {slope} vs autograd {predicted}"
        );

        assert!(
            !stencil_crosses_a_kink(&net, &train, &valid),
            "seed {seed}: the stencil crosses a ReLU kink"
        );
        let (loss_fd, fd) = second_order_alpha_grad(&net, &train, &valid, XI).unwrap();
        assert_eq!(loss_fd, loss_exact);
        for (w, before) in net.weights().iter().zip(&weights_before) {
            assert!(w.equal(before), "seed {seed}: the weights are restored");
        }
        // The second-order term is a real part of the gradient, so a wrong sign or a wrong
        // step shows far above the tolerance.
        let (_, direct, _) = unrolled_gradients(&net, &train, &valid, XI).unwrap();
        let term = norm(&(&direct - &exact)) / norm(&exact);
        assert!(
            term > 1e-3,
            "seed {seed}: second-order term only {term:.2e}"
        );
        let err = norm(&(&fd - &exact)) / norm(&exact);
        assert!(
            err < 1e-4,
            "seed {seed}: finite differences vs autograd: relative error {err:.2e} (second-order term {term:.2e})"
        );
    }
}

#[test]
fn with_xi_zero_the_second_order_gradient_is_the_first_order_one() {
    let _serial = generator::hold();
    let (net, train, valid) = setup(2);
    let (_, fd) = second_order_alpha_grad(&net, &train, &valid, 0.0).unwrap();
    let mix = net.darts_mix(net.alpha()).unwrap();
    let (_, first) = nas::oneshot::darts::first_order_alpha_grad(&net, &valid, &mix).unwrap();
    assert!(norm(&(&fd - &first)) <= 1e-12 * norm(&first));
}
