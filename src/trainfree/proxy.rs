//! The proxies by name, and scoring one architecture with one proxy on freshly initialised
//! networks (each proxy gets its own network, since SynFlow rewrites the weights).

use super::{linear_regions, naswot, ntk, saliency, synflow};
use crate::compile::{parameter_count, shape_and_macs, BoxLayer, CompileError};
use crate::train::device::Runtime;
use tch::{nn, Device, Kind, Tensor};

pub use nas_lang::experiment::proxy::Proxy;

/// Builds freshly initialised networks of one architecture.
pub trait NetworkBuilder {
    /// The network as it is trained (`thin == false`), or TE-NAS's thin copy for counting
    /// linear regions (one channel, one cell per stage), under `p`.
    fn build(&self, p: &nn::Path, thin: bool) -> Result<BoxLayer, CompileError>;
}

/// The inputs the data-dependent proxies see.
#[derive(Debug)]
pub struct ProxyData {
    /// A batch of images `[B, C, H, W]` for NASWOT, SNIP and grad_norm.
    pub images: Tensor,
    /// Their labels `[B]`.
    pub labels: Tensor,
    /// How many of the images the NTK is computed on (TE-NAS uses 32).
    pub ntk_batch: i64,
    /// Inputs for the thin network's linear regions (TE-NAS: single-channel 3×3 patches).
    pub region_inputs: Tensor,
    /// How many initialisations linear regions are averaged over (TE-NAS uses 3).
    pub region_inits: u32,
}

impl ProxyData {
    /// The shape of one image, `[C, H, W]`.
    fn image_shape(&self) -> Vec<i64> {
        self.images.size()[1..].to_vec()
    }
}

/// The layout the data-dependent proxies run in on `device`: images and convolution weights
/// channels-last (NHWC in memory), where libtorch's oneDNN convolutions on the CPU run two to
/// three times faster than in NCHW on these networks.
fn nhwc(device: Device) -> Runtime {
    Runtime {
        device,
        channels_last: true,
        amp: None,
    }
}

/// Scores one architecture with `proxy` on the device `data` is on (see
/// [`ProxyData::on`]). `seed` fixes the initialisation; the error says why the network could
/// not be built or run.
pub fn score(
    proxy: Proxy,
    builder: &dyn NetworkBuilder,
    data: &ProxyData,
    seed: i64,
) -> Result<f64, String> {
    let device = data.images.device();
    let fresh = |thin: bool, seed: i64| -> Result<(nn::VarStore, BoxLayer), String> {
        crate::train::generator::seeded(seed, || {
            let vs = nn::VarStore::new(device);
            let net = builder.build(&vs.root(), thin).map_err(|e| e.to_string())?;
            Ok((vs, net))
        })
    };
    // libtorch's messages carry a C++ backtrace after the first line.
    let text = |e: tch::TchError| e.to_string().lines().next().unwrap_or_default().to_string();
    // The full-size network on the batch, both laid out channels-last.
    let fresh_nhwc = |seed: i64| -> Result<(nn::VarStore, BoxLayer, Tensor), String> {
        let (vs, net) = fresh(false, seed)?;
        nhwc(device).prepare(&vs).map_err(text)?;
        let images = nhwc(device).input(&data.images).map_err(text)?;
        Ok((vs, net, images))
    };
    match proxy {
        Proxy::Naswot => {
            let (_vs, net, images) = fresh_nhwc(seed)?;
            naswot::naswot(net.as_ref(), &images).map_err(text)
        }
        Proxy::Ntk => {
            let (vs, net, images) = fresh_nhwc(seed)?;
            let batch = images.narrow(0, 0, data.ntk_batch.min(images.size()[0]));
            ntk::ntk_condition_number(net.as_ref(), &vs, &batch).map_err(text)
        }
        Proxy::LinearRegions => {
            let mut total = 0.0;
            for k in 0..data.region_inits.max(1) {
                let (_vs, net) = fresh(true, seed + i64::from(k))?;
                total += linear_regions::linear_regions(net.as_ref(), &data.region_inputs)
                    .map_err(text)? as f64;
            }
            Ok(total / f64::from(data.region_inits.max(1)))
        }
        Proxy::Synflow => {
            let (mut vs, net) = fresh(false, seed)?;
            synflow::synflow(net.as_ref(), &mut vs, &data.image_shape()).map_err(text)
        }
        Proxy::Snip => {
            let (vs, net, images) = fresh_nhwc(seed)?;
            saliency::snip(net.as_ref(), &vs, &images, &data.labels).map_err(text)
        }
        Proxy::GradNorm => {
            let (vs, net, images) = fresh_nhwc(seed)?;
            saliency::grad_norm(net.as_ref(), &vs, &images, &data.labels).map_err(text)
        }
        Proxy::Params => {
            let (vs, _net) = fresh(false, seed)?;
            Ok(parameter_count(&vs) as f64)
        }
        Proxy::Flops => {
            let (_vs, net) = fresh(false, seed)?;
            let mut shape = vec![1];
            shape.extend(data.image_shape());
            let one = Tensor::zeros(shape.as_slice(), (Kind::Float, device));
            let (_, macs) = shape_and_macs(net.as_ref(), &one).map_err(|e| e.to_string())?;
            Ok(macs as f64)
        }
    }
}
