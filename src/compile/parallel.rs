//! Parallel ops: `sum(skip, body)` applies every branch to the same input and merges their
//! outputs as a cell's node merges its terms (sum and product need equal channel counts,
//! concatenation adds them up).

use super::describe::Module;
use super::error::CompileError;
use super::graph_cell::combine_terms;
use super::layer::{BoxLayer, Layer};
use super::named::build_named;
use super::op::OpSpec;
use crate::space::Combine;
use tch::{nn, TchError, Tensor};

/// Branches on one input, merged.
#[derive(Debug)]
pub struct Parallel {
    combine: Combine,
    branches: Vec<BoxLayer>,
}

impl Parallel {
    /// Builds `branches` for `c_in` input channels under `p` (`b0`, `b1`, …); returns the op
    /// with its output channels.
    pub fn new(
        p: &nn::Path,
        combine: Combine,
        branches: &[OpSpec],
        c_in: i64,
    ) -> Result<(Parallel, i64), CompileError> {
        let mut layers = Vec::with_capacity(branches.len());
        let mut channels = Vec::with_capacity(branches.len());
        for (i, spec) in branches.iter().enumerate() {
            let (layer, c) = build_named(spec, &(p / format!("b{i}")), c_in)?;
            layers.push(layer);
            channels.push(c);
        }
        let Some(&first) = channels.first() else {
            return Err(CompileError::bad_op(p, combine.name(), "no branches"));
        };
        let c_out = match combine {
            Combine::Concat => crate::wiring::size::sum(channels.iter().copied())?,
            _ if channels.iter().any(|&c| c != first) => {
                return Err(CompileError::bad_op(
                    p,
                    combine.name(),
                    format!(
                        "its branches give {channels:?} channels; a {} needs them equal",
                        combine.name()
                    ),
                ))
            }
            _ => first,
        };
        Ok((
            Parallel {
                combine,
                branches: layers,
            },
            c_out,
        ))
    }
}

impl Layer for Parallel {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let outs = self
            .branches
            .iter()
            .map(|b| b.forward(xs, train))
            .collect::<Result<Vec<_>, _>>()?;
        combine_terms(self.combine, &outs)
    }

    fn describe(&self) -> Module {
        Module::Parallel {
            combine: self.combine,
            branches: self.branches.iter().map(|b| b.describe()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::conv::ConvConfig;
    use tch::{Device, Kind};

    #[test]
    fn a_residual_adds_its_body_to_its_input_and_concat_adds_channels() {
        let vs = nn::VarStore::new(Device::Cpu);
        let body = OpSpec::Conv(ConvConfig::new(4, 3));
        let (res, c) = Parallel::new(
            &(vs.root() / "res"),
            Combine::Sum,
            &[OpSpec::Identity, body.clone()],
            4,
        )
        .unwrap();
        assert_eq!(c, 4);
        let x = Tensor::ones([1, 4, 5, 5], (Kind::Float, Device::Cpu));
        let y = res.forward(&x, false).unwrap();
        assert_eq!(y.size(), [1, 4, 5, 5]);
        // With the conv's weights at zero, the residual is its input.
        tch::no_grad(|| {
            for (_, mut t) in vs.variables() {
                let _ = t.zero_();
            }
        });
        let y = res.forward(&x, false).unwrap();
        assert!(y.allclose(&x, 1e-6, 1e-6, false));
        let (cat, c) = Parallel::new(
            &(vs.root() / "cat"),
            Combine::Concat,
            &[OpSpec::Identity, body.clone()],
            4,
        )
        .unwrap();
        assert_eq!(c, 8);
        assert_eq!(cat.forward(&x, false).unwrap().size(), [1, 8, 5, 5]);
        let err = Parallel::new(&vs.root(), Combine::Sum, &[OpSpec::Identity, body], 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("[3, 4]"), "{err}");
    }
}
