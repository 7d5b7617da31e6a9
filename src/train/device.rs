//! The device a run uses, chosen at run time: the CPU, or a CUDA device when present; images
//! and convolution weights laid out channels-last where that helps, and the forward pass
//! optionally under libtorch's autocast in bfloat16 or float16 (see [`super::amp`]).

use super::amp::{autocast, Precision};
use tch::nn::VarStore;
use tch::{Device, Kind, TchError, Tensor};

/// Where and how tensors are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// The device.
    pub device: Device,
    /// Lay out 4-D tensors channels-last (NHWC in memory), which cuDNN's convolutions prefer.
    pub channels_last: bool,
    /// Run forward passes under autocast in this precision (mixed precision); `None`: float32.
    pub amp: Option<Precision>,
}

impl Runtime {
    /// The CPU, contiguous NCHW tensors, full precision.
    pub fn cpu() -> Self {
        Runtime {
            device: Device::Cpu,
            channels_last: false,
            amp: None,
        }
    }

    /// CUDA device 0 when one is usable, else the CPU; forward passes in `amp` on either;
    /// images channels-last on either unless `channels_last` says otherwise (libtorch's oneDNN
    /// convolutions on the CPU and cuDNN's on the GPU are faster with that layout).
    pub fn detect(amp: Option<Precision>, channels_last: Option<bool>) -> Self {
        let device = if tch::Cuda::is_available() {
            Device::Cuda(0)
        } else {
            Device::Cpu
        };
        Runtime {
            device,
            channels_last: channels_last.unwrap_or(true),
            amp,
        }
    }

    /// Whether the device is a GPU.
    pub fn is_cuda(&self) -> bool {
        self.device.is_cuda()
    }

    /// A short description for logs.
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.device);
        if self.channels_last {
            s.push_str(", channels-last");
        }
        if let Some(precision) = self.amp {
            s.push_str(&format!(", autocast {}", precision.name()));
        }
        if !self.is_cuda() {
            s.push_str(&format!(", {} threads", tch::get_num_threads()));
        }
        s
    }

    /// Moves a batch to the device (asynchronously from pinned memory), in the run's layout.
    pub fn input(&self, xs: &Tensor) -> Result<Tensor, TchError> {
        let moved = xs.f_to_device_(self.device, xs.kind(), true, false)?;
        if self.channels_last && moved.dim() == 4 {
            to_channels_last(&moved)
        } else {
            Ok(moved)
        }
    }

    /// Re-lays the 4-D variables of `vs` (convolution weights) channels-last when the run uses
    /// that layout.
    pub fn prepare(&self, vs: &VarStore) -> Result<(), TchError> {
        if !self.channels_last {
            return Ok(());
        }
        tch::no_grad(|| {
            for (_, mut var) in vs.variables() {
                if var.dim() == 4 {
                    let relaid = to_channels_last(&var)?;
                    var.set_data(&relaid);
                }
            }
            Ok(())
        })
    }

    /// Runs the forward pass `f` under autocast when the run uses it; its output comes back in
    /// float32 either way, so losses and metrics are computed at full precision.
    pub fn forward(
        &self,
        f: impl FnOnce() -> Result<Tensor, TchError>,
    ) -> Result<Tensor, TchError> {
        let Some(precision) = self.amp else {
            return f();
        };
        let out = autocast(self.device, precision, f)??;
        if out.kind() == Kind::Half || out.kind() == Kind::BFloat16 {
            out.f_to_kind(Kind::Float)
        } else {
            Ok(out)
        }
    }
}

/// The same values with NHWC strides (logical shape still NCHW).
pub fn to_channels_last(xs: &Tensor) -> Result<Tensor, TchError> {
    xs.f_permute([0, 2, 3, 1])?
        .f_contiguous()?
        .f_permute([0, 3, 1, 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_last_keeps_values_and_changes_strides() {
        let x = Tensor::arange(24, (Kind::Float, Device::Cpu)).view([1, 2, 3, 4]);
        let y = to_channels_last(&x).unwrap();
        assert!(y.equal(&x));
        assert_eq!(y.stride(), [24, 1, 8, 2]);
        let cpu = Runtime::cpu();
        assert!(cpu.input(&x).unwrap().equal(&x));
        assert!(cpu.describe().starts_with("Cpu"));
        let laid_out = Runtime {
            channels_last: true,
            ..cpu
        };
        assert_eq!(laid_out.input(&x).unwrap().stride(), [24, 1, 8, 2]);
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().randn_standard("w", &[2, 3, 2, 2]);
        laid_out.prepare(&vs).unwrap();
        assert_eq!(vs.variables()["w"].stride(), [12, 1, 6, 3]);
        assert!(vs.variables()["w"].equal(&w));
    }

    #[test]
    fn an_autocast_forward_pass_computes_in_bf16_and_returns_float32() {
        let x = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
        let run = Runtime {
            amp: Some(Precision::Bf16),
            ..Runtime::cpu()
        };
        let mut inner = None;
        let out = run
            .forward(|| {
                let y = x.f_matmul(&x.tr())?;
                inner = Some(y.kind());
                Ok(y)
            })
            .unwrap();
        assert_eq!(inner, Some(Kind::BFloat16));
        assert_eq!(out.kind(), Kind::Float);
        assert!(run.describe().contains("autocast bf16"));
        let full = Runtime::cpu().forward(|| x.f_matmul(&x.tr())).unwrap();
        assert_eq!(full.kind(), Kind::Float);
    }
}
