//! Link-time settings for libtorch.
//!
//! The engine (`libnas.so`, the crate's cdylib) and every test, bench and example link libtorch;
//! the `nas` executable is a small launcher that does not, so it can report a libtorch that
//! fails to load instead of dying in the dynamic loader. For everything that links libtorch:
//!
//! * an rpath to libtorch's `lib/` folder, so binaries run from any directory without
//!   `LD_LIBRARY_PATH`;
//! * `libtorch_cuda.so` forced into the dependencies when the install has it: under the
//!   linker's default `--as-needed`, nothing references its symbols directly, so it would be
//!   dropped and CUDA would silently be unavailable on GPU machines.
use std::env;
use std::path::PathBuf;

/// Target kinds that may link libtorch besides the cdylib and the tests, with their folders:
/// cargo accepts a per-kind link argument only when the package has a target of that kind.
/// The folders are watched once they exist; after adding the first bench or example to a
/// package that had none, `touch build.rs`.
const OPTIONAL_KINDS: [&str; 2] = ["benches", "examples"];

/// Whether `folder` holds a Rust source file or a folder (a multi-file target).
fn has_targets(folder: &str) -> bool {
    std::fs::read_dir(folder).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let path = e.path();
            path.is_dir() || path.extension().is_some_and(|x| x == "rs")
        })
    })
}

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(libtorch) = env::var_os("LIBTORCH") else {
        // torch-sys then looks for a system libtorch in /usr; its lib folder is already on
        // the loader's path, so there is nothing to add.
        return;
    };
    let lib = PathBuf::from(libtorch).join("lib");
    println!("cargo:rustc-env=NAS_LIBTORCH_LIB={}", lib.display());
    let force_cuda = lib.join("libtorch_cuda.so").exists();
    if force_cuda {
        println!("cargo:rustc-link-search=native={}", lib.display());
    }
    let optional = OPTIONAL_KINDS.into_iter().filter(|&folder| {
        if std::path::Path::new(folder).is_dir() {
            println!("cargo:rerun-if-changed={folder}");
        }
        has_targets(folder)
    });
    for target in ["cdylib", "tests"].into_iter().chain(optional) {
        println!("cargo:rustc-link-arg-{target}=-Wl,-rpath,{}", lib.display());
        if force_cuda {
            println!("cargo:rustc-link-arg-{target}=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
