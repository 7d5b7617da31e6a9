//! `:params`: the parameter count and FLOPs of an architecture's network, built on the CPU
//! through the compile catalog (one 3×32×32 image, or one window of token ids for a sequence
//! space); spaces the catalog does not build are refused plainly.

use super::command::Problem;
use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{parameter_count, shape_and_macs};
use crate::space::{load_space, Architecture, Space};
use tch::{nn, Device, Kind, Tensor};

/// The input the networks are measured on: one 3×32×32 image.
const INPUT: [i64; 4] = [1, 3, 32, 32];

/// The catalog space `space` is, if its decisions and graphs are those of a stdlib space the
/// catalog builds (its parameters at their defaults).
fn catalog_space(space: &Space) -> Option<&'static str> {
    catalog::SPACES.iter().copied().find(|name| {
        load_space(name).is_ok_and(|reference| {
            reference.decisions() == space.decisions() && reference.graphs() == space.graphs()
        })
    })
}

/// Parameters and multiply-accumulates of `arch` of `space`, as text.
pub fn params_and_flops(space: &Space, arch: &Architecture) -> Result<String, Problem> {
    let Some(name) = catalog_space(space) else {
        return Err(Problem::new(
            format!(
                "parameters and FLOPs are computed only for the stdlib {} space today, not `{}`",
                catalog::SPACES.join(", "),
                space.name()
            ),
            "`:use nb201` and sample from it; networks of other spaces cannot be compiled from the space IR yet",
        ));
    };
    let text = space.encode(arch);
    let vs = nn::VarStore::new(Device::Cpu);
    let steps = space
        .skeleton()
        .input
        .as_ref()
        .and_then(|s| match s.dims.as_slice() {
            [t, _] if s.kind == "sequence" => Some(*t),
            _ => None,
        });
    let built = catalog::build(&vs.root(), name, &text, NetworkSize::default()).and_then(|net| {
        let x = match steps {
            Some(t) => Tensor::zeros([1, t], (Kind::Int64, Device::Cpu)),
            None => Tensor::zeros(INPUT, (Kind::Float, Device::Cpu)),
        };
        shape_and_macs(net.as_ref(), &x)
    });
    match built {
        Ok((shape, macs)) => Ok(format!(
            "{text}\nparams: {}\nflops: {macs} ({:.2} M multiply-accumulates per 3x32x32 image, output {shape:?})\n",
            parameter_count(&vs),
            macs as f64 / 1e6
        )),
        Err(e) => Err(Problem::new(
            format!("cannot build the network: {e}"),
            "the architecture must be a NAS-Bench-201 string",
        )),
    }
}
