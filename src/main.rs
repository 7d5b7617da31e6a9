//! The `nas` executable: a launcher that parses the command line and answers the front-end
//! commands itself (`check`, `fmt`, `count`, `sample`, `show`, `lsp`, `--help`, `--version`,
//! through `nas_lang`, which has no libtorch), and for every other command loads the engine,
//! `libnas.so` (this crate's cdylib, found beside the executable), and runs its command line.
//! Inside cargo's target folder the freshest engine may be the one in `deps/` (`cargo test`
//! rebuilds it there without copying it beside the executable), so the newer of the two is
//! loaded.
//!
//! The engine links libtorch; this executable does not. When libtorch (or the engine) cannot
//! be loaded, the dynamic loader's error becomes a clear message with a hint and exit status
//! 2, instead of the loader stopping the process before any of `nas` runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The engine's file name, beside the executable.
const ENGINE: &str = "libnas.so";
/// The engine's entry point: runs the command line and exits the process itself.
const ENTRY: &[u8] = b"nas_cli_main\0";

/// Set (to anything), every command runs in the engine, as before the front end was split
/// off: the baseline of `benches/front_end.rs`.
const ALWAYS_ENGINE: &str = "NAS_ALWAYS_ENGINE";

/// mimalloc serves the front end's many small allocations (as it does the engine's).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if std::env::var_os(ALWAYS_ENGINE).is_none() {
        use clap::Parser;
        // `--help`, `--version` and a command line clap refuses end the process here.
        if let Some(command) = nas_lang::cli::Cli::parse().command {
            if let Ok(code) = nas_lang::cli::front_end(command) {
                return code;
            }
        }
    }
    let engine = match std::env::current_exe() {
        Ok(exe) => newest_engine(&exe),
        Err(e) => return fail(&format!("cannot locate the nas executable: {e}"), None),
    };
    // SAFETY: the engine is this crate's own cdylib; loading it runs its (and libtorch's)
    // initialisers, and `nas_cli_main` is declared in src/entry.rs with this signature.
    unsafe {
        let library = match libloading::Library::new(&engine) {
            Ok(library) => library,
            Err(e) => return fail(&e.to_string(), Some(&engine)),
        };
        let entry = match library.get::<unsafe extern "C" fn() -> i32>(ENTRY) {
            Ok(entry) => entry,
            Err(e) => return fail(&e.to_string(), Some(&engine)),
        };
        let code = entry();
        ExitCode::from(u8::try_from(code).unwrap_or(1))
    }
}

/// The engine beside `exe`, or the one in `deps/` beside it when that is newer (or alone).
fn newest_engine(exe: &Path) -> PathBuf {
    let beside = exe.with_file_name(ENGINE);
    let in_deps = exe.with_file_name("deps").join(ENGINE);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&beside), modified(&in_deps)) {
        (Some(b), Some(d)) if d > b => in_deps,
        (None, Some(_)) => in_deps,
        _ => beside,
    }
}

/// Prints why the engine could not be started, with a hint, and returns exit status 2.
fn fail(reason: &str, engine: Option<&Path>) -> ExitCode {
    eprintln!("error: nas cannot start: {reason}");
    let hint = if !engine.is_some_and(Path::exists) {
        format!("the engine {ENGINE} must sit beside the nas executable; rebuild with `make build`")
    } else if reason.contains("libtorch") || reason.contains("libc10") {
        let baked = option_env!("NAS_LIBTORCH_LIB").map_or_else(PathBuf::new, PathBuf::from);
        format!(
            "libtorch 2.11.0 was expected in {}; run `make setup` in the project, or set \
             LD_LIBRARY_PATH to the lib/ folder of a torch==2.11.0 install",
            baked.display()
        )
    } else {
        "a library the engine needs is missing; `nas` needs libtorch 2.11.0 and its CUDA \
         libraries as PyPI's torch==2.11.0 installs them (`make setup`)"
            .to_string()
    };
    eprintln!("  hint: {hint}");
    ExitCode::from(2)
}
