//! `:params`: the parameter count and FLOPs of an architecture's network, built on the CPU
//! from the current space's IR (a session space, a stdlib space or `FILE.nas:NAME`, as `nas
//! params` builds them) and measured on one example of the space's `input`: an image
//! (3×32×32 when the space declares none) or one window of token ids for a sequence space.

use crate::compile::catalog::{build_arch, NetworkSize};
use crate::compile::{parameter_count, shape_and_macs};
use crate::space::{Architecture, Space};
use nas_lang::repl::command::Problem;
use tch::{nn, Device, Kind, Tensor};

/// The input the networks of a space without an `input` are measured on: one 3×32×32 image.
const DEFAULT_INPUT: [i64; 4] = [1, 3, 32, 32];

/// Parameters and multiply-accumulates of `arch` of `space`, as text.
pub fn params_and_flops(space: &Space, arch: &Architecture) -> Result<String, Problem> {
    let text = space.encode(arch);
    let input = space.skeleton().input.as_ref();
    let (x, what) = match input.map(|s| (s.kind.as_str(), s.dims.as_slice())) {
        Some(("sequence", [t, _])) => (
            Tensor::zeros([1, *t], (Kind::Int64, Device::Cpu)),
            format!("window of {t} token ids"),
        ),
        Some(("image", [c, h, w])) => (
            Tensor::zeros([1, *c, *h, *w], (Kind::Float, Device::Cpu)),
            format!("{c}x{h}x{w} image"),
        ),
        _ => (
            Tensor::zeros(DEFAULT_INPUT, (Kind::Float, Device::Cpu)),
            "3x32x32 image".to_string(),
        ),
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let built = build_arch(&vs.root(), space, arch, NetworkSize::default())
        .and_then(|net| shape_and_macs(net.as_ref(), &x));
    match built {
        Ok((shape, macs)) => Ok(format!(
            "{text}\nparams: {}\nflops: {macs} ({:.2} M multiply-accumulates per {what}, output {shape:?})\n",
            parameter_count(&vs),
            macs as f64 / 1e6
        )),
        Err(e) => Err(Problem::new(
            format!("cannot build the network of `{}`: {e}", space.name()),
            "`nas check` the space's file; a space whose network cannot be compiled cannot be measured",
        )),
    }
}
