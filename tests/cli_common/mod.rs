//! Running the `nas` binary from a test: success, stdout and stderr.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Runs `nas ARGS` in `dir` (stdout and stderr are pipes, not terminals).
pub fn nas_in(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("nas runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `nas ARGS` in the project's root.
pub fn nas(args: &[&str]) -> (bool, String, String) {
    nas_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}
