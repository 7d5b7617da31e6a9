//! The state of libtorch's default random generator of a device (through
//! `generator_shim.cpp`; tch 0.24 can seed it but not read it): saved with a checkpoint and
//! restored on resume, so that draws such as GDAS' Gumbel noise continue as they would have.
//! Also the one lock on those generators ([`hold`], [`seeded`]): libtorch has one default
//! generator per device for the whole process, so two threads that each seed it and then
//! draw (two trials initialising their networks, two predictors fitting) must take turns, or
//! one's draws land between the other's seed and its own.

use parking_lot::{const_reentrant_mutex, ReentrantMutex, ReentrantMutexGuard};
use std::ffi::{c_void, CStr};
use std::os::raw::{c_char, c_int};
use tch::{Device, TchError, Tensor};

/// The lock on the process's default generators (reentrant: a seeded step may call code that
/// seeds again).
static DEFAULT_GENERATORS: ReentrantMutex<()> = const_reentrant_mutex(());

/// Holds libtorch's default generators for this thread until the guard drops: for a seed and
/// the draws that must follow from it (a network's initialisation, a seeded test), so that no
/// other thread that also holds them draws in between. Threads that draw without holding them
/// (training's dropout, for one) are not kept out.
pub fn hold() -> ReentrantMutexGuard<'static, ()> {
    DEFAULT_GENERATORS.lock()
}

/// Seeds libtorch's default generators with `seed` and runs `draw` while holding them
/// ([`hold`]): what `draw` draws depends on `seed` only, whatever other threads do.
pub fn seeded<T>(seed: i64, draw: impl FnOnce() -> T) -> T {
    let _held = hold();
    tch::manual_seed(seed);
    draw()
}

extern "C" {
    fn nas_generator_state(device: c_int, index: c_int) -> *mut c_void;
    fn nas_generator_set_state(device: c_int, index: c_int, state: *const c_void) -> c_int;
    fn nas_generator_error() -> *const c_char;
}

/// The shim's codes of `device`.
fn codes(device: Device) -> Result<(c_int, c_int), TchError> {
    match device {
        Device::Cpu => Ok((0, 0)),
        Device::Cuda(i) => Ok((1, i as c_int)),
        other => Err(TchError::Kind(format!(
            "the random generator of {other:?} cannot be saved"
        ))),
    }
}

/// The shim's message for its last failure on this thread.
fn shim_error(what: &str) -> TchError {
    // SAFETY: the shim returns a pointer to its thread-local, NUL-terminated string, alive
    // until the thread's next shim call; it is copied before that.
    let reason = unsafe { CStr::from_ptr(nas_generator_error()) }
        .to_string_lossy()
        .into_owned();
    TchError::Torch(format!("{what}: {reason}"))
}

/// The state of `device`'s default generator, as a byte tensor on the CPU.
pub fn state(device: Device) -> Result<Tensor, TchError> {
    let (code, index) = codes(device)?;
    // SAFETY: plain values; the shim catches every C++ exception and returns null then.
    let ptr = unsafe { nas_generator_state(code, index) };
    if ptr.is_null() {
        return Err(shim_error("cannot read the random generator's state"));
    }
    // SAFETY: the shim returned a new `at::Tensor*` that nothing else owns, which is what
    // tch's tensors wrap; the `Tensor` frees it when dropped.
    Ok(unsafe { Tensor::from_ptr(ptr.cast()) })
}

/// Sets `device`'s default generator to `state` (what [`state`] returned for that device).
pub fn set_state(device: Device, state: &Tensor) -> Result<(), TchError> {
    let (code, index) = codes(device)?;
    // SAFETY: `state` is a live tensor for the duration of the call; the shim only reads it
    // and catches every C++ exception.
    if unsafe { nas_generator_set_state(code, index, state.as_ptr().cast()) } != 0 {
        return Err(shim_error("cannot restore the random generator's state"));
    }
    Ok(())
}

/// Runs `work` and then puts `device`'s default generator (and the CPU's, which a CUDA
/// device's weight initialisers may also draw from) back where it was, whether `work`
/// succeeded or not: for work that must not shift a seeded run's later draws, such as timing
/// freshly built ops for a latency table that may or may not be cached already.
pub fn keeping_state<T, E: From<TchError>>(
    device: Device,
    work: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let _held = hold();
    let cpu = state(Device::Cpu)?;
    let own = match device {
        Device::Cuda(_) => Some(state(device)?),
        _ => None,
    };
    let result = work();
    set_state(Device::Cpu, &cpu)?;
    if let Some(own) = own {
        set_state(device, &own)?;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    #[test]
    fn a_restored_state_draws_the_same_numbers_again() {
        let _generator = crate::test_generator();
        tch::manual_seed(5);
        let _ = Tensor::rand([3], (Kind::Float, Device::Cpu));
        let saved = state(Device::Cpu).unwrap();
        assert_eq!(saved.kind(), Kind::Uint8);
        let first = Tensor::rand([4], (Kind::Float, Device::Cpu));
        let _ = Tensor::rand([7], (Kind::Float, Device::Cpu));
        set_state(Device::Cpu, &saved).unwrap();
        let again = Tensor::rand([4], (Kind::Float, Device::Cpu));
        assert_eq!(
            Vec::<f32>::try_from(&first).unwrap(),
            Vec::<f32>::try_from(&again).unwrap()
        );
        let bad = Tensor::zeros([3], (Kind::Uint8, Device::Cpu));
        assert!(set_state(Device::Cpu, &bad).is_err());
    }

    #[test]
    fn work_kept_apart_does_not_move_later_draws() {
        let _generator = crate::test_generator();
        let draw = || Vec::<f32>::try_from(&Tensor::rand([4], (Kind::Float, Device::Cpu))).unwrap();
        tch::manual_seed(9);
        let plain = draw();
        tch::manual_seed(9);
        let inside =
            keeping_state(Device::Cpu, || -> Result<Vec<f32>, TchError> { Ok(draw()) }).unwrap();
        assert_eq!(
            inside, plain,
            "the work itself draws from the seeded generator"
        );
        assert_eq!(
            draw(),
            plain,
            "after the work, the draws start where they were"
        );
        tch::manual_seed(9);
        let failed: Result<(), TchError> = keeping_state(Device::Cpu, || {
            let _ = draw();
            Err(TchError::Kind("failed".into()))
        });
        assert!(failed.is_err());
        assert_eq!(draw(), plain, "a failed work is undone too");
    }

    #[test]
    fn seeded_draws_do_not_interleave_across_threads() {
        let draw =
            || Vec::<f32>::try_from(&Tensor::rand([64], (Kind::Float, Device::Cpu))).unwrap();
        let alone = seeded(3, || (draw(), draw()));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    (0..20)
                        .map(|_| seeded(3, || (draw(), draw())))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for t in threads {
            for pair in t.join().unwrap() {
                assert_eq!(pair, alone);
            }
        }
        let nested = seeded(3, || seeded(3, draw));
        assert_eq!(nested, alone.0, "the lock is reentrant");
    }
}
