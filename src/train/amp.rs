//! Mixed precision: forward passes under libtorch's autocast in bfloat16 or float16, on the CPU
//! or a CUDA device (through `amp_shim.cpp`; tch 0.24 exposes only CUDA's float16), and the
//! dynamic loss scaling that float16 gradients need.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use tch::{Device, TchError, Tensor};

extern "C" {
    fn nas_amp_enter(
        device: c_int,
        precision: c_int,
        was_enabled: *mut bool,
        previous: *mut c_int,
    ) -> c_int;
    fn nas_amp_exit(device: c_int, was_enabled: bool, previous: c_int) -> c_int;
    fn nas_amp_enabled(device: c_int) -> c_int;
    fn nas_amp_error() -> *const c_char;
}

pub use nas_lang::train::precision::Precision;

/// The shim's code of `precision`.
fn precision_code(precision: Precision) -> c_int {
    match precision {
        Precision::Bf16 => 0,
        Precision::Fp16 => 1,
    }
}

/// The shim's code of `device`.
fn device_code(device: Device) -> Result<c_int, TchError> {
    match device {
        Device::Cpu => Ok(0),
        Device::Cuda(_) => Ok(1),
        other => Err(TchError::Kind(format!(
            "autocast is not available on {other:?}"
        ))),
    }
}

/// The shim's message for its last failure on this thread.
fn shim_error(what: &str) -> TchError {
    // SAFETY: the shim returns a pointer to its thread-local, NUL-terminated string, alive
    // until the thread's next shim call; it is copied before that.
    let reason = unsafe { CStr::from_ptr(nas_amp_error()) }
        .to_string_lossy()
        .into_owned();
    TchError::Torch(format!("{what}: {reason}"))
}

/// An open autocast region; dropping it (also while unwinding) restores the state before.
struct Region {
    device: c_int,
    was_enabled: bool,
    previous: c_int,
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: plain values; the shim catches every C++ exception. A failure to restore
        // cannot be reported from a destructor and leaves nothing unsafe behind.
        unsafe { nas_amp_exit(self.device, self.was_enabled, self.previous) };
    }
}

/// Runs `f` with `device`'s autocast on in `precision`, nested regions allowed; the state
/// before is restored afterwards, also when `f` panics.
pub fn autocast<T>(
    device: Device,
    precision: Precision,
    f: impl FnOnce() -> T,
) -> Result<T, TchError> {
    let code = device_code(device)?;
    let (mut was_enabled, mut previous) = (false, -1);
    // SAFETY: the out-pointers are valid locals; the shim catches every C++ exception.
    if unsafe {
        nas_amp_enter(
            code,
            precision_code(precision),
            &mut was_enabled,
            &mut previous,
        )
    } != 0
    {
        return Err(shim_error("cannot enter autocast"));
    }
    let _region = Region {
        device: code,
        was_enabled,
        previous,
    };
    Ok(f())
}

/// Whether autocast is on for `device` on this thread.
pub fn is_enabled(device: Device) -> Result<bool, TchError> {
    // SAFETY: a plain value; the shim catches every C++ exception.
    match unsafe { nas_amp_enabled(device_code(device)?) } {
        -1 => Err(shim_error("cannot read autocast's state")),
        flag => Ok(flag == 1),
    }
}

/// Dynamic loss scaling for float16 training, as PyTorch's `GradScaler` does it: the loss is
/// multiplied by a large scale before the backward pass so small gradients survive float16,
/// the gradients are divided by it before the step, and a step whose gradients overflowed is
/// skipped while the scale halves; after `growth_interval` clean steps the scale doubles.
#[derive(Debug, Clone, PartialEq)]
pub struct LossScaler {
    scale: f64,
    clean_steps: u32,
    growth_interval: u32,
}

impl Default for LossScaler {
    /// PyTorch's defaults: 2¹⁶, doubled after 2,000 clean steps.
    fn default() -> Self {
        LossScaler {
            scale: 65536.0,
            clean_steps: 0,
            growth_interval: 2000,
        }
    }
}

impl LossScaler {
    /// The current scale.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// `loss` times the scale.
    pub fn scaled(&self, loss: &Tensor) -> Result<Tensor, TchError> {
        loss.f_mul_scalar(self.scale)
    }

    /// Divides the gradients of `vars` by the scale in place and says whether all are finite;
    /// when not, the caller skips the step. Updates the scale either way.
    pub fn unscale(&mut self, vars: &[Tensor]) -> Result<bool, TchError> {
        let inverse = 1.0 / self.scale;
        let mut finite = Vec::with_capacity(vars.len());
        for var in vars {
            let mut grad = var.grad();
            if grad.defined() {
                let _ = grad.f_mul_scalar_(inverse)?;
                finite.push(grad.f_isfinite()?.f_all()?);
            }
        }
        let clean = finite.is_empty() || bool::try_from(&Tensor::f_stack(&finite, 0)?.f_all()?)?;
        self.update(clean);
        Ok(clean)
    }

    /// Records a step's outcome: halves the scale after an overflow, doubles it after
    /// `growth_interval` clean steps in a row.
    fn update(&mut self, clean: bool) {
        if clean {
            self.clean_steps += 1;
            if self.clean_steps >= self.growth_interval {
                self.scale *= 2.0;
                self.clean_steps = 0;
            }
        } else {
            self.scale = (self.scale / 2.0).max(f64::MIN_POSITIVE);
            self.clean_steps = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    #[test]
    fn cpu_autocast_runs_matmuls_in_the_chosen_precision_and_restores_the_state() {
        let a = Tensor::ones([4, 4], (Kind::Float, Device::Cpu));
        assert!(!is_enabled(Device::Cpu).unwrap());
        for (precision, kind) in [
            (Precision::Bf16, Kind::BFloat16),
            (Precision::Fp16, Kind::Half),
        ] {
            let inside = autocast(Device::Cpu, precision, || {
                assert!(is_enabled(Device::Cpu).unwrap());
                a.matmul(&a)
            })
            .unwrap();
            assert_eq!(inside.kind(), kind);
            assert!(!is_enabled(Device::Cpu).unwrap());
            assert_eq!(a.matmul(&a).kind(), Kind::Float);
        }
    }

    #[test]
    fn nested_regions_restore_the_outer_precision() {
        let a = Tensor::ones([2, 2], (Kind::Float, Device::Cpu));
        let kinds = autocast(Device::Cpu, Precision::Bf16, || {
            let inner = autocast(Device::Cpu, Precision::Fp16, || a.matmul(&a).kind()).unwrap();
            (inner, a.matmul(&a).kind(), is_enabled(Device::Cpu).unwrap())
        })
        .unwrap();
        assert_eq!(kinds, (Kind::Half, Kind::BFloat16, true));
        assert!(!is_enabled(Device::Cpu).unwrap());
    }

    #[test]
    fn a_panic_inside_leaves_autocast_off() {
        let caught = std::panic::catch_unwind(|| {
            autocast(Device::Cpu, Precision::Bf16, || panic!("inside")).unwrap()
        });
        assert!(caught.is_err());
        assert!(!is_enabled(Device::Cpu).unwrap());
    }

    #[test]
    fn names_parse() {
        assert_eq!(Precision::parse("bf16"), Some(Precision::Bf16));
        assert_eq!(Precision::parse("fp16"), Some(Precision::Fp16));
        assert_eq!(Precision::parse("fp8"), None);
        assert_eq!(Precision::Fp16.name(), "fp16");
    }

    #[test]
    fn the_scaler_skips_overflowed_steps_and_grows_after_clean_ones() {
        let w = Tensor::ones([3], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let mut scaler = LossScaler {
            growth_interval: 2,
            ..LossScaler::default()
        };
        let loss = (&w * 2.0).sum(Kind::Float);
        scaler.scaled(&loss).unwrap().backward();
        assert!(scaler.unscale(std::slice::from_ref(&w)).unwrap());
        let grad = Vec::<f32>::try_from(w.grad()).unwrap();
        assert_eq!(grad, vec![2.0; 3]);
        assert_eq!(scaler.scale(), 65536.0);

        let _ = w.grad().zero_();
        let _ = w.grad().get(1).fill_(f64::INFINITY);
        assert!(!scaler.unscale(std::slice::from_ref(&w)).unwrap());
        assert_eq!(scaler.scale(), 32768.0);

        let _ = w.grad().zero_();
        assert!(scaler.unscale(std::slice::from_ref(&w)).unwrap());
        assert!(scaler.unscale(std::slice::from_ref(&w)).unwrap());
        assert_eq!(scaler.scale(), 65536.0);
    }
}
