//! The engine's entry point for the `nas` launcher (src/main.rs), which loads this crate as
//! `libnas.so` and calls [`nas_cli_main`].

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
