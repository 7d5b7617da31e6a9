//! The optimisers of one-shot search, on explicit lists of tensors and their gradients (so the
//! weights and α each have their own, and a gradient assembled by hand — the second-order α
//! gradient — is stepped like any other): SGD with momentum and weight decay, and Adam with
//! L2 weight decay (PyTorch's `torch.optim.Adam`, which DARTS uses for α).

use tch::{TchError, Tensor};

/// SGD with momentum: `b ← μ·b + (g + λ·w)`, `w ← w − lr·b` (PyTorch's rule, no dampening).
#[derive(Debug)]
pub struct Sgd {
    /// Momentum μ.
    pub momentum: f64,
    /// L2 weight decay λ.
    pub weight_decay: f64,
    buffers: Vec<Option<Tensor>>,
}

impl Sgd {
    /// An optimiser with no history yet.
    pub fn new(momentum: f64, weight_decay: f64) -> Sgd {
        Sgd {
            momentum,
            weight_decay,
            buffers: Vec::new(),
        }
    }

    /// One step of `params` along `grads` (an undefined gradient leaves its tensor alone).
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor], lr: f64) -> Result<(), TchError> {
        self.buffers.resize_with(params.len(), || None);
        let _guard = tch::no_grad_guard();
        for ((w, g), buf) in params.iter().zip(grads).zip(&mut self.buffers) {
            if !g.defined() {
                continue;
            }
            let d = g.f_add(&w.f_mul_scalar(self.weight_decay)?)?;
            let b = match buf.take() {
                Some(b) => b.f_mul_scalar(self.momentum)?.f_add(&d)?,
                None => d,
            };
            let _ = w.shallow_clone().f_sub_(&b.f_mul_scalar(lr)?)?;
            *buf = Some(b);
        }
        Ok(())
    }

    /// The momentum buffer of each parameter stepped so far (`None` before its first step):
    /// its whole state besides the settings, for a checkpoint.
    pub fn buffers(&self) -> &[Option<Tensor>] {
        &self.buffers
    }

    /// Continues from `buffers` (what [`Sgd::buffers`] returned).
    pub fn set_buffers(&mut self, buffers: Vec<Option<Tensor>>) {
        self.buffers = buffers;
    }
}

/// Adam with L2 weight decay added to the gradient and bias-corrected moments.
#[derive(Debug)]
pub struct Adam {
    /// Learning rate.
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    steps: i32,
    moments: Vec<Option<(Tensor, Tensor)>>,
}

impl Adam {
    /// Adam with DARTS' settings for α: lr 3·10⁻⁴, betas (0.5, 0.999), weight decay 10⁻³.
    pub fn darts() -> Adam {
        Adam::new(3e-4, 0.5, 0.999, 1e-3)
    }

    /// Adam with these settings and ε = 10⁻⁸.
    pub fn new(lr: f64, beta1: f64, beta2: f64, weight_decay: f64) -> Adam {
        Adam {
            lr,
            beta1,
            beta2,
            weight_decay,
            eps: 1e-8,
            steps: 0,
            moments: Vec::new(),
        }
    }

    /// One step of `params` along `grads`.
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor]) -> Result<(), TchError> {
        self.moments.resize_with(params.len(), || None);
        self.steps += 1;
        let c1 = 1.0 - self.beta1.powi(self.steps);
        let c2 = 1.0 - self.beta2.powi(self.steps);
        let _guard = tch::no_grad_guard();
        for ((w, g), slot) in params.iter().zip(grads).zip(&mut self.moments) {
            if !g.defined() {
                continue;
            }
            let g = g.f_add(&w.f_mul_scalar(self.weight_decay)?)?;
            let (m, v) = match slot.take() {
                Some((m, v)) => (m, v),
                None => (g.f_zeros_like()?, g.f_zeros_like()?),
            };
            let m = m
                .f_mul_scalar(self.beta1)?
                .f_add(&g.f_mul_scalar(1.0 - self.beta1)?)?;
            let v = v
                .f_mul_scalar(self.beta2)?
                .f_add(&g.f_square()?.f_mul_scalar(1.0 - self.beta2)?)?;
            let denom = v.f_div_scalar(c2)?.f_sqrt()?.f_add_scalar(self.eps)?;
            let update = m.f_div(&denom)?.f_mul_scalar(self.lr / c1)?;
            let _ = w.shallow_clone().f_sub_(&update)?;
            *slot = Some((m, v));
        }
        Ok(())
    }

    /// Steps taken (the bias corrections' exponent).
    pub fn steps(&self) -> i32 {
        self.steps
    }

    /// Each parameter's first and second moments (`None` before its first step).
    pub fn moments(&self) -> &[Option<(Tensor, Tensor)>] {
        &self.moments
    }

    /// Continues from `steps` and `moments` (what [`Adam::steps`] and [`Adam::moments`]
    /// returned): with the settings, its whole state.
    pub fn set_state(&mut self, steps: i32, moments: Vec<Option<(Tensor, Tensor)>>) {
        self.steps = steps;
        self.moments = moments;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn scalar(x: f64) -> Tensor {
        Tensor::from_slice(&[x]).set_requires_grad(true)
    }

    #[test]
    fn sgd_follows_pytorchs_momentum_rule() {
        let w = scalar(1.0);
        let mut sgd = Sgd::new(0.9, 0.1);
        // g = 2, decay adds 0.1: b = 2.1, w = 1 − 0.1·2.1.
        sgd.step(&[w.shallow_clone()], &[Tensor::from_slice(&[2.0])], 0.1)
            .unwrap();
        assert!((w.double_value(&[0]) - 0.79).abs() < 1e-12);
        // b = 0.9·2.1 + (2 + 0.079) = 3.969.
        sgd.step(&[w.shallow_clone()], &[Tensor::from_slice(&[2.0])], 0.1)
            .unwrap();
        assert!((w.double_value(&[0]) - (0.79 - 0.3969)).abs() < 1e-12);
        // An undefined gradient is skipped.
        sgd.step(&[w.shallow_clone()], &[Tensor::new()], 0.1)
            .unwrap();
        assert!((w.double_value(&[0]) - 0.3931).abs() < 1e-12);
    }

    #[test]
    fn adams_first_step_moves_by_the_learning_rate_and_it_minimises_a_quadratic() {
        let w = scalar(1.0);
        let mut adam = Adam::new(0.01, 0.5, 0.999, 0.0);
        adam.step(&[w.shallow_clone()], &[Tensor::from_slice(&[5.0])])
            .unwrap();
        assert!((w.double_value(&[0]) - 0.99).abs() < 1e-9);
        let w = Tensor::zeros([3], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let mut adam = Adam::new(0.05, 0.9, 0.999, 0.0);
        for _ in 0..2000 {
            let g = (&w - 2.0) * 2.0;
            adam.step(&[w.shallow_clone()], &[g.detach()]).unwrap();
        }
        let err = (&w - 2.0).abs().max().double_value(&[]);
        assert!(err < 1e-3, "{err}");
        let darts = Adam::darts();
        assert_eq!(
            (darts.lr, darts.beta1, darts.beta2, darts.weight_decay),
            (3e-4, 0.5, 0.999, 1e-3)
        );
    }
}
