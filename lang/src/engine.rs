//! Loading the engine: `libnas.so`, the cdylib that links libtorch, found beside the `nas`
//! executable. The front end (this crate) never links libtorch; the launcher loads the engine
//! for the commands that need it, and the REPL loads it the first time an input needs it
//! (`:params`, `:rhai`). Inside cargo's target folder the freshest engine may be the one in
//! `deps/` (`cargo test` rebuilds it there without copying it beside the executable), so the
//! newer of the two is loaded.
//!
//! When libtorch (or the engine) cannot be loaded, the dynamic loader's error becomes a
//! [`LoadError`] with a hint, instead of the loader stopping the process.

use crate::repl::{EngineReply, EngineRequest};
use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};

/// The engine's file name, beside the executable.
pub const ENGINE_FILE: &str = "libnas.so";
/// The engine's command-line entry point: runs the process's command line, returns its status.
const CLI_ENTRY: &[u8] = b"nas_cli_main\0";
/// The engine's REPL entry point: answers one JSON [`EngineRequest`] with a JSON [`EngineReply`].
const REPL_ENTRY: &[u8] = b"nas_repl_call\0";
/// Frees a string [`REPL_ENTRY`] returned.
const REPL_FREE: &[u8] = b"nas_repl_free\0";

/// The signature of `nas_repl_call`: a request as JSON, and a function polled for Ctrl-C
/// (non-zero: stop); returns a reply as JSON, which the caller frees with `nas_repl_free`.
type ReplCall = unsafe extern "C" fn(*const c_char, extern "C" fn() -> i32) -> *mut c_char;
/// The signature of `nas_repl_free`.
type ReplFree = unsafe extern "C" fn(*mut c_char);

/// Where the launcher's build found libtorch (its build script knows; this crate's does not),
/// for the hint when libtorch cannot be loaded.
static LIBTORCH_LIB: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Tells the loader where the launcher's build found libtorch's `lib/` folder.
pub fn set_libtorch_lib(dir: &'static str) {
    let _ = LIBTORCH_LIB.set(dir);
}

/// Why the engine could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The loader's reason.
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}

impl LoadError {
    /// `error: nas cannot start: …` and its hint, as the launcher prints it.
    pub fn render(&self) -> String {
        format!(
            "error: nas cannot start: {}\n  hint: {}\n",
            self.reason, self.hint
        )
    }
}

/// The loaded engine.
pub struct Engine {
    library: libloading::Library,
}

impl Engine {
    /// Loads the engine beside the running executable (running its and libtorch's
    /// initialisers).
    pub fn load() -> Result<Engine, LoadError> {
        let exe = std::env::current_exe().map_err(|e| LoadError {
            reason: format!("cannot locate the nas executable: {e}"),
            hint: "run nas from its installed path".to_string(),
        })?;
        let path = newest_engine(&exe);
        // SAFETY: the engine is this project's own cdylib; loading it runs its (and
        // libtorch's) initialisers, which have no preconditions.
        match unsafe { libloading::Library::new(&path) } {
            Ok(library) => Ok(Engine { library }),
            Err(e) => Err(load_error(&e.to_string(), &path)),
        }
    }

    /// Runs the process's command line in the engine; returns its exit status.
    pub fn run_cli(&self) -> Result<u8, LoadError> {
        // SAFETY: `nas_cli_main` is declared in the engine's src/entry.rs with this signature.
        let code = unsafe {
            let entry = self
                .library
                .get::<unsafe extern "C" fn() -> i32>(CLI_ENTRY)
                .map_err(|e| self.missing(e))?;
            entry()
        };
        Ok(u8::try_from(code).unwrap_or(1))
    }

    /// Answers a REPL request in the engine; `interrupted` is polled for Ctrl-C.
    pub fn repl(
        &self,
        request: &EngineRequest,
        interrupted: extern "C" fn() -> i32,
    ) -> Result<EngineReply, LoadError> {
        let json = serde_json::to_string(request).map_err(|e| LoadError {
            reason: format!("cannot encode the request: {e}"),
            hint: "this is a bug in nas; please report it".to_string(),
        })?;
        let request = CString::new(json).map_err(|e| LoadError {
            reason: format!("the request holds a NUL byte: {e}"),
            hint: "remove the NUL character from the input".to_string(),
        })?;
        // SAFETY: both functions are declared in the engine's src/entry.rs with these
        // signatures; the reply is a NUL-terminated string the engine allocated, read once
        // and handed back to the engine to free.
        let reply = unsafe {
            let call = self
                .library
                .get::<ReplCall>(REPL_ENTRY)
                .map_err(|e| self.missing(e))?;
            let free = self
                .library
                .get::<ReplFree>(REPL_FREE)
                .map_err(|e| self.missing(e))?;
            let raw = call(request.as_ptr(), interrupted);
            if raw.is_null() {
                return Err(LoadError {
                    reason: "the engine gave no answer".to_string(),
                    hint: "this is a bug in nas; please report it".to_string(),
                });
            }
            let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
            free(raw);
            text
        };
        serde_json::from_str(&reply).map_err(|e| LoadError {
            reason: format!("the engine's answer is not understood: {e}"),
            hint: "the engine libnas.so and the nas executable come from different builds; \
                   rebuild with `make build`"
                .to_string(),
        })
    }

    /// The error for an entry point the library lacks (an engine from another build).
    fn missing(&self, e: libloading::Error) -> LoadError {
        LoadError {
            reason: e.to_string(),
            hint: "the engine libnas.so and the nas executable come from different builds; \
                   rebuild with `make build`"
                .to_string(),
        }
    }
}

/// The engine beside `exe`, or the one in `deps/` beside it when that is newer (or alone).
fn newest_engine(exe: &Path) -> PathBuf {
    let beside = exe.with_file_name(ENGINE_FILE);
    let in_deps = exe.with_file_name("deps").join(ENGINE_FILE);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&beside), modified(&in_deps)) {
        (Some(b), Some(d)) if d > b => in_deps,
        (None, Some(_)) => in_deps,
        _ => beside,
    }
}

/// Why loading `engine` failed, with a hint for the likely cause.
fn load_error(reason: &str, engine: &Path) -> LoadError {
    let hint = if !engine.exists() {
        format!(
            "the engine {ENGINE_FILE} must sit beside the nas executable; rebuild with `make build`"
        )
    } else if reason.contains("libtorch") || reason.contains("libc10") {
        let baked = LIBTORCH_LIB
            .get()
            .copied()
            .unwrap_or("libtorch's lib/ folder");
        format!(
            "libtorch 2.11.0 was expected in {baked}; run `make setup` in the project, or set \
             LD_LIBRARY_PATH to the lib/ folder of a torch==2.11.0 install"
        )
    } else {
        "a library the engine needs is missing; `nas` needs libtorch 2.11.0 and its CUDA \
         libraries as PyPI's torch==2.11.0 installs them (`make setup`)"
            .to_string()
    };
    LoadError {
        reason: reason.to_string(),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_engine_says_where_it_belongs() {
        let e = load_error("cannot open", Path::new("/nonexistent/libnas.so"));
        assert!(e.hint.contains("beside the nas executable"), "{e:?}");
        assert!(e
            .render()
            .starts_with("error: nas cannot start: cannot open\n"));
    }

    #[test]
    fn the_newer_engine_wins() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("nas");
        std::fs::create_dir(dir.path().join("deps")).unwrap();
        assert_eq!(newest_engine(&exe), dir.path().join(ENGINE_FILE));
        std::fs::write(dir.path().join("deps").join(ENGINE_FILE), "").unwrap();
        assert_eq!(
            newest_engine(&exe),
            dir.path().join("deps").join(ENGINE_FILE)
        );
    }
}
