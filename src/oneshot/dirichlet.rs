//! DrNAS (Chen et al., ICLR 2021): α as the concentration parameters of a Dirichlet
//! distribution per row, op weights sampled from it with a pathwise gradient, and a KL
//! regulariser towards the flat Dirichlet.
//!
//! - The concentration is `elu(α) + 1`, positive for any α (DrNAS' map).
//! - A sample is drawn as normalised Gamma draws, `x_k = g_k / Σ_j g_j` with `g_k ~
//!   Gamma(c_k, 1)` over each row's remaining ops; the gradient reaches `c` through the implicit
//!   reparameterisation of each Gamma draw (`∂g/∂c` from libtorch's `_standard_gamma_grad`,
//!   Figurnov et al., 2018), carried by the surrogate `g + ∂g/∂c·(c − stop_grad(c))`, whose
//!   value is `g` and whose gradient is `∂g/∂c`; the normalisation is differentiated by
//!   autograd. Ops that no longer remain (a mask, padding) get no draw and weigh 0.
//! - Deriving reads the Dirichlet's mean `c / Σ c`.

use super::mix::{weights_mix, CellMix};
use tch::{TchError, Tensor};

/// DrNAS' concentration of each entry of α: `elu(α) + 1`.
pub fn concentration(alpha: &Tensor) -> Result<Tensor, TchError> {
    alpha.f_elu()?.f_add_scalar(1.0)
}

/// One sample per row of `Dirichlet(conc)` restricted to the entries where `support` is 1
/// (0 elsewhere), each row on its simplex, with the pathwise gradient to `conc`. A row with
/// no support is all 0.
pub fn sample(conc: &Tensor, support: &Tensor) -> Result<Tensor, TchError> {
    let c = conc.f_detach()?;
    let g = c.f_internal_standard_gamma()?;
    let dg = c.f_internal_standard_gamma_grad(&g)?;
    let g = g.f_add(&dg.f_mul(&conc.f_sub(&c)?)?)?.f_mul(support)?;
    let total = g
        .f_sum_dim_intlist([-1i64].as_slice(), true, g.kind())?
        .f_clamp_min(1e-30)?;
    g.f_div(&total)
}

/// The mixture of one Dirichlet sample of each row (concentration `elu(α) + 1` over
/// `support`), weighing the ops `live[r]`.
pub fn dirichlet_rows(
    alpha: &Tensor,
    support: &Tensor,
    live: &[Vec<usize>],
) -> Result<CellMix, TchError> {
    weights_mix(&sample(&concentration(alpha)?, support)?, live)
}

/// The mean of each row's Dirichlet, `c / Σ c` over its support (α detached).
pub fn mean(alpha: &Tensor, support: &Tensor) -> Result<Tensor, TchError> {
    let c = concentration(&alpha.f_detach()?)?.f_mul(support)?;
    let total = c
        .f_sum_dim_intlist([-1i64].as_slice(), true, c.kind())?
        .f_clamp_min(1e-30)?;
    c.f_div(&total)
}

/// `Σ_rows KL(Dir(c_r) ‖ Dir(1, …, 1))` over each row's support, `c = elu(α) + 1` (rows with
/// no support add 0): DrNAS' regulariser, which keeps the concentrations from growing without
/// bound (the distribution from collapsing onto its mean).
pub fn kl_to_flat(alpha: &Tensor, support: &Tensor) -> Result<Tensor, TchError> {
    let kind = alpha.kind();
    let last = [-1i64];
    let off = support.f_neg()?.f_add_scalar(1.0)?;
    // Off the support every entry is 1: lnΓ(1) = 0 and (1 − 1)·(…) = 0 leave the sums alone.
    let c = concentration(alpha)?.f_mul(support)?.f_add(&off)?;
    let n = support.f_sum_dim_intlist(last.as_slice(), false, kind)?;
    let has = n.f_gt(0.0)?.f_to_kind(kind)?;
    let none = has.f_neg()?.f_add_scalar(1.0)?;
    // Rows with no support: a0 = n = 1 keeps lnΓ finite; `has` zeroes their term.
    let a0 = c
        .f_mul(support)?
        .f_sum_dim_intlist(last.as_slice(), false, kind)?
        .f_add(&none)?;
    let n = n.f_add(&none)?;
    let spread = c
        .f_digamma()?
        .f_sub(&a0.f_digamma()?.f_unsqueeze(-1)?)?
        .f_mul(&c.f_sub_scalar(1.0)?)?
        .f_sum_dim_intlist(last.as_slice(), false, kind)?;
    let kl = a0
        .f_lgamma()?
        .f_sub(
            &c.f_lgamma()?
                .f_sum_dim_intlist(last.as_slice(), false, kind)?,
        )?
        .f_sub(&n.f_lgamma()?)?
        .f_add(&spread)?;
    kl.f_mul(&has)?.f_sum(kind)
}
