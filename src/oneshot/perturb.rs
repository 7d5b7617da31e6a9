//! SDARTS (Chen & Hsieh, ICML 2020): the weight step runs under a perturbed point of each
//! row's simplex instead of `softmax(α)`, which smooths the validation loss landscape in α.
//! As in SDARTS' code, the perturbation acts on the op weights (the softmax), and after every
//! change each row is brought back onto its simplex ([`project`]).
//!
//! - Random smoothing (SDARTS-RS): uniform noise in `[−ε, ε]` on every remaining op.
//! - Adversarial (SDARTS-ADV): a PGD attack within the L∞ ball of radius ε around the op
//!   weights — a random start in the ball, then `steps` signed-gradient ascent steps of the
//!   training loss of size `2ε/steps` on the weight step's own batch, each clipped back into
//!   the ball and projected.

use super::darts::{gradients, loss, Batch};
use super::mix::CellMix;
use super::supernet::Supernet;
use serde::{Deserialize, Serialize};
use tch::{TchError, Tensor};

/// How the weight step perturbs the op weights.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Perturbation {
    /// None: the weight step runs under `softmax(α)`.
    #[default]
    None,
    /// SDARTS-RS: uniform noise within ε.
    Random {
        /// The radius.
        epsilon: f64,
    },
    /// SDARTS-ADV: a PGD attack of `steps` steps within ε.
    Adversarial {
        /// The radius.
        epsilon: f64,
        /// The attack's steps.
        steps: u32,
    },
}

impl Perturbation {
    /// It, when its radius is finite and at least 0 and an attack has a step.
    pub fn checked(self) -> Result<Perturbation, String> {
        let ok = match self {
            Perturbation::None => true,
            Perturbation::Random { epsilon } => epsilon.is_finite() && epsilon >= 0.0,
            Perturbation::Adversarial { epsilon, steps } => {
                epsilon.is_finite() && epsilon >= 0.0 && steps >= 1
            }
        };
        if ok {
            Ok(self)
        } else {
            Err(format!(
                "a perturbation's ε must be at least 0 and an attack needs a step, got {self:?}"
            ))
        }
    }
}

/// Each row of `p` brought back onto its simplex, as SDARTS clips: entries clamped to `[0,
/// 1]` on the `support` (1 where an op remains) and 0 off it; a row left all 0 puts 1 on its
/// largest supported entry of `p`; then each row divided by its sum.
pub fn project(p: &Tensor, support: &Tensor) -> Result<Tensor, TchError> {
    let last = [-1i64];
    let q = p.f_clamp(0.0, 1.0)?.f_mul(support)?;
    let sums = q.f_sum_dim_intlist(last.as_slice(), true, q.kind())?;
    let empty = sums.f_eq(0.0)?.f_to_kind(q.kind())?;
    // The largest supported entry of each row: unsupported ones pushed far below.
    let ranked = p.f_add(&support.f_sub_scalar(1.0)?.f_mul_scalar(1e9)?)?;
    let top = ranked.f_argmax(-1, true)?;
    let one_hot = q.f_zeros_like()?.f_scatter_value(-1, &top, 1.0)?;
    let q = q.f_add(&one_hot.f_mul(&empty)?)?;
    let sums = q
        .f_sum_dim_intlist(last.as_slice(), true, q.kind())?
        .f_clamp_min(1e-30)?;
    q.f_div(&sums)
}

/// `p` plus uniform noise in `[−ε, ε]` on the support (from libtorch's generator), projected.
pub fn random(p: &Tensor, support: &Tensor, epsilon: f64) -> Result<Tensor, TchError> {
    let noise = p
        .f_rand_like()?
        .f_mul_scalar(2.0 * epsilon)?
        .f_sub_scalar(epsilon)?
        .f_mul(support)?;
    project(&p.f_add(&noise)?, support)
}

/// SDARTS-ADV's attack on the op weights `p` (detached, each row on its simplex): from a
/// random point of the ε-ball, `steps` steps of `p ← project(p0 + clip_ε(p + 2ε/steps ·
/// sign ∇p L_train))` on `batch`, the mixture of a point built by `mix_of`. Returns the
/// attacked weights (detached).
pub fn pgd(
    net: &Supernet,
    batch: &Batch,
    p: &Tensor,
    support: &Tensor,
    epsilon: f64,
    steps: u32,
    mix_of: &dyn Fn(&Tensor) -> Result<CellMix, TchError>,
) -> Result<Tensor, TchError> {
    let origin = p.f_detach()?;
    let size = 2.0 * epsilon / f64::from(steps.max(1));
    let mut x = random(&origin, support, epsilon)?;
    for _ in 0..steps {
        let at = x.f_detach()?.set_requires_grad(true);
        let l = loss(net, batch, &mix_of(&at)?)?;
        let g = gradients(&l, &[at.shallow_clone()], false)?.remove(0);
        let _guard = tch::no_grad_guard();
        let stepped = if g.defined() {
            at.f_detach()?.f_add(&g.f_sign()?.f_mul_scalar(size)?)?
        } else {
            at.f_detach()?
        };
        let diff = stepped.f_sub(&origin)?.f_clamp(-epsilon, epsilon)?;
        x = project(&origin.f_add(&diff)?, support)?;
    }
    x.f_detach()
}
