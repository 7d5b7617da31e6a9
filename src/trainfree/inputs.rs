//! The inputs the data-dependent proxies see, drawn (seeded) from a training set.

use super::proxy::ProxyData;
use crate::train::ImageSet;
use tch::{Device, Kind, Tensor};

/// How many single-channel 3×3 patches linear regions are counted on.
const PATCHES: i64 = 1000;

/// A seeded batch of `batch` training images for NASWOT, SNIP and grad_norm (the NTK uses
/// the first `ntk_batch` of them), and 3×3 patches for linear regions. With `as_rgb32`,
/// 28×28 grey images are padded to 32×32 and repeated over three channels, so that a network
/// built for CIFAR-sized input scores them.
pub fn proxy_data(
    train: &ImageSet,
    batch: i64,
    ntk_batch: i64,
    seed: u64,
    as_rgb32: bool,
) -> Result<ProxyData, String> {
    let (images, labels) = image_batch(train, batch, seed, as_rgb32)?;
    Ok(ProxyData {
        images,
        labels,
        ntk_batch,
        region_inputs: patches(train, PATCHES)?,
        region_inits: 3,
    })
}

/// `batch` training images and their labels, drawn with libtorch's generator seeded with
/// `seed` (which it leaves advanced); with `as_rgb32` padded to 3×32×32 as for
/// [`proxy_data`].
pub fn image_batch(
    train: &ImageSet,
    batch: i64,
    seed: u64,
    as_rgb32: bool,
) -> Result<(Tensor, Tensor), String> {
    let n = train.len();
    if n == 0 {
        return Err("the training set is empty".to_string());
    }
    let pick = crate::train::generator::seeded(seed as i64, || {
        Tensor::randperm(n, (Kind::Int64, Device::Cpu)).narrow(0, 0, batch.clamp(1, n))
    });
    let (images, labels) = train.batch(&pick).map_err(|e| e.to_string())?;
    let images = if as_rgb32 {
        images
            .f_constant_pad_nd([2, 2, 2, 2])
            .and_then(|x| x.f_repeat([1, 3, 1, 1]))
            .map_err(|e| e.to_string())?
    } else {
        images
    };
    Ok((images, labels))
}

/// `count` single-channel 3×3 patches (`[count, 1, 3, 3]`) cut from random training images
/// at random places, drawn with libtorch's generator as it stands.
pub fn patches(train: &ImageSet, count: i64) -> Result<Tensor, String> {
    let n = train.len();
    if n == 0 {
        return Err("the training set is empty".to_string());
    }
    let count = count.max(1);
    let which = Tensor::randint(n, [count], (Kind::Int64, Device::Cpu));
    let (sources, _) = train.batch(&which).map_err(|e| e.to_string())?;
    let [_, h, w] = train.image_shape();
    if h.min(w) < 3 {
        return Err(format!("images of {h}×{w} are too small for 3×3 patches"));
    }
    let offsets = Tensor::randint(h.min(w) - 2, [count, 2], (Kind::Int64, Device::Cpu));
    let cut: Vec<Tensor> = (0..count)
        .map(|k| {
            let (r, c) = (offsets.int64_value(&[k, 0]), offsets.int64_value(&[k, 1]));
            sources
                .get(k)
                .narrow(0, 0, 1)
                .narrow(1, r, 3)
                .narrow(2, c, 3)
        })
        .collect();
    Ok(Tensor::stack(&cut, 0))
}

impl ProxyData {
    /// The same inputs on `device`: the proxies score where their inputs are.
    pub fn on(&self, device: Device) -> Result<ProxyData, String> {
        let moved = |t: &Tensor| {
            t.f_to_device(device)
                .map_err(|e| format!("cannot move the proxies' inputs to {device:?}: {e}"))
        };
        Ok(ProxyData {
            images: moved(&self.images)?,
            labels: moved(&self.labels)?,
            ntk_batch: self.ntk_batch,
            region_inputs: moved(&self.region_inputs)?,
            region_inits: self.region_inits,
        })
    }

    /// Another handle on the same tensors (no copy), e.g. for another thread.
    pub fn share(&self) -> ProxyData {
        ProxyData {
            images: self.images.shallow_clone(),
            labels: self.labels.shallow_clone(),
            ntk_batch: self.ntk_batch,
            region_inputs: self.region_inputs.shallow_clone(),
            region_inits: self.region_inits,
        }
    }
}
