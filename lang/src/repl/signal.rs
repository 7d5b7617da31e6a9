//! Ctrl-C while a command runs: a SIGINT handler that only sets a flag, which Rhai snippets
//! poll and the experiment runner's child process makes moot (the terminal sends SIGINT to
//! the child too, which stops there by default). A second Ctrl-C before the flag is cleared
//! (a command that cannot stop early) ends the REPL with status 130.
//!
//! rustyline installs its own SIGINT handler while it reads a line and restores this one
//! afterwards; at the prompt, Ctrl-C clears the input.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

/// Installs the handler for the rest of the process. Returns false if it could not be.
pub fn install() -> bool {
    // SAFETY: a zeroed `sigaction` is a valid starting value; the handler only touches an
    // atomic and calls `_exit`, both async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        let handler: extern "C" fn(libc::c_int) = on_sigint;
        action.sa_sigaction = handler as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) == 0
    }
}

/// Whether Ctrl-C was pressed since the last [`clear`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Forgets an earlier Ctrl-C (called before each command).
pub fn clear() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}
