//! Link-time settings for libtorch.
//!
//! * Bakes an rpath to libtorch's `lib/` folder into every binary, so `nas` runs from any
//!   directory without `LD_LIBRARY_PATH`.
//! * Forces `libtorch_cuda.so` into the binary's dependencies when the install has it: under
//!   the linker's default `--as-needed`, nothing references its symbols directly, so it would
//!   be dropped and CUDA would silently be unavailable on GPU machines.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(libtorch) = env::var_os("LIBTORCH") else {
        // torch-sys then looks for a system libtorch in /usr; its lib folder is already on
        // the loader's path, so there is nothing to add.
        return;
    };
    let lib = PathBuf::from(libtorch).join("lib");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    println!("cargo:rustc-env=NAS_LIBTORCH_LIB={}", lib.display());
    if lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-search=native={}", lib.display());
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
