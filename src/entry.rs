//! The engine's entry points for the `nas` launcher (src/main.rs, through
//! [`nas_lang::engine`]), which loads this crate as `libnas.so` and calls [`nas_cli_main`] for
//! a command, and the REPL's [`nas_repl_call`] (with [`nas_repl_free`]) for what a session
//! needs libtorch for.

use nas_lang::repl::{EngineReply, EngineRequest};
use std::ffi::{c_char, CStr, CString};
use std::process::ExitCode;

/// Runs the command line on this process's arguments and returns its exit status (0–255).
/// A panic is caught here, since it must not unwind into the launcher, and gives status 101.
#[no_mangle]
pub extern "C" fn nas_cli_main() -> i32 {
    match std::panic::catch_unwind(crate::cli::main) {
        Ok(code) => i32::from(exit_status(code)),
        Err(_) => 101,
    }
}

/// Answers one REPL request: `request` is an [`EngineRequest`] as JSON (a NUL-terminated
/// string the caller owns), `interrupted` is polled for Ctrl-C (non-zero: stop). Returns an
/// [`EngineReply`] as JSON, which the caller hands back to [`nas_repl_free`]. A request that
/// cannot be read, or a panic, is a failed reply saying so.
///
/// # Safety
/// `request` must point to a NUL-terminated string that stays valid during the call.
#[no_mangle]
pub unsafe extern "C" fn nas_repl_call(
    request: *const c_char,
    interrupted: extern "C" fn() -> i32,
) -> *mut c_char {
    // SAFETY: the caller passes a valid NUL-terminated string (see above).
    let text = unsafe { CStr::from_ptr(request) }.to_string_lossy();
    let reply =
        match serde_json::from_str::<EngineRequest>(&text) {
            Ok(request) => std::panic::catch_unwind(|| {
                crate::repl::answer(&request, move || interrupted() != 0)
            })
            .unwrap_or_else(|_| EngineReply {
                err: "error: the engine failed while answering (a bug in nas; please report it)\n"
                    .to_string(),
                ..EngineReply::default()
            }),
            Err(e) => EngineReply {
                err: format!(
                    "error: the engine cannot read the request: {e}\n  hint: the engine libnas.so \
                 and the nas executable come from different builds; rebuild with `make build`\n"
                ),
                ..EngineReply::default()
            },
        };
    let json = serde_json::to_string(&reply).unwrap_or_default();
    CString::new(json).map_or(std::ptr::null_mut(), CString::into_raw)
}

/// Frees a reply [`nas_repl_call`] returned.
///
/// # Safety
/// `reply` must come from [`nas_repl_call`] and not have been freed.
#[no_mangle]
pub unsafe extern "C" fn nas_repl_free(reply: *mut c_char) {
    if !reply.is_null() {
        // SAFETY: `reply` came from `CString::into_raw` in `nas_repl_call`.
        drop(unsafe { CString::from_raw(reply) });
    }
}

/// The numeric status an [`ExitCode`] stands for (std offers no accessor).
fn exit_status(code: ExitCode) -> u8 {
    (0..=u8::MAX)
        .find(|&n| ExitCode::from(n) == code)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_map_to_their_numbers() {
        assert_eq!(exit_status(ExitCode::SUCCESS), 0);
        assert_eq!(exit_status(ExitCode::FAILURE), 1);
        assert_eq!(exit_status(ExitCode::from(7)), 7);
    }
}
