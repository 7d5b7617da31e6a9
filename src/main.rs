//! The `nas` executable: a launcher that parses the command line and answers the front-end
//! commands itself (`check`, `fmt`, `count`, `sample`, `show`, `lsp`, `repl`, `--help`,
//! `--version`, through `nas_lang`, which has no libtorch), and for every other command loads
//! the engine, `libnas.so` (this crate's cdylib, found beside the executable:
//! [`nas_lang::engine`]), and runs its command line.
//!
//! The engine links libtorch; this executable does not. When libtorch (or the engine) cannot
//! be loaded, the dynamic loader's error becomes a clear message with a hint and exit status
//! 2, instead of the loader stopping the process before any of `nas` runs.

use nas_lang::engine::Engine;
use std::process::ExitCode;

/// Set (to anything), every command runs in the engine, as before the front end was split
/// off: the baseline of `benches/front_end.py`.
const ALWAYS_ENGINE: &str = "NAS_ALWAYS_ENGINE";

/// mimalloc serves the front end's many small allocations (as it does the engine's).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if let Some(dir) = option_env!("NAS_LIBTORCH_LIB") {
        nas_lang::engine::set_libtorch_lib(dir);
    }
    if std::env::var_os(ALWAYS_ENGINE).is_none() {
        use clap::Parser;
        // `--help`, `--version` and a command line clap refuses end the process here.
        let command = nas_lang::cli::Cli::parse()
            .command
            .unwrap_or_else(|| nas_lang::cli::Command::Repl(Default::default()));
        if let Ok(code) = nas_lang::cli::front_end(command) {
            return code;
        }
    }
    match Engine::load().and_then(|engine| engine.run_cli()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprint!("{}", e.render());
            ExitCode::from(2)
        }
    }
}
