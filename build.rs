//! Link-time settings for libtorch.
//!
//! The engine (`libnas.so`, the crate's cdylib), the unit and integration tests, benches and
//! examples link libtorch; the `nas` executable is a small launcher that does not, so it can
//! report a libtorch that fails to load instead of dying in the dynamic loader.
//!
//! * Every target gets an rpath to libtorch's `lib/` folder, so binaries run from any
//!   directory without `LD_LIBRARY_PATH` (harmless for the launcher, which needs nothing
//!   from it).
//! * `libtorch_cuda.so` is forced into the dependencies of the engine, tests, benches and
//!   examples when the install has it: under the linker's default `--as-needed`, nothing
//!   references its symbols directly, so it would be dropped and CUDA would silently be
//!   unavailable on GPU machines. (Cargo has no per-kind link argument for the library's own
//!   unit-test binary; those tests run on the CPU.)
//! * `src/train/amp_shim.cpp` (mixed-precision regions in bfloat16 or float16 on any device)
//!   and `src/train/generator_shim.cpp` (reading and restoring a device's random generator),
//!   which tch does not expose, are compiled against libtorch's headers and linked statically.
use std::env;
use std::path::{Path, PathBuf};

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

/// The C++ sources of the shims: mixed precision and the random generator's state.
const SHIMS: [&str; 2] = ["src/train/amp_shim.cpp", "src/train/generator_shim.cpp"];

/// Compiles the shims against the headers under `root/include`, with the C++ ABI libtorch
/// was built with (`LIBTORCH_CXX11_ABI`, 1 unless said otherwise: PyPI's torch 2.x and
/// libtorch's cxx11 builds, as torch-sys assumes).
fn compile_shims(root: &Path) {
    for shim in SHIMS {
        println!("cargo:rerun-if-changed={shim}");
    }
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    let abi = env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".to_string());
    let include = root.join("include");
    // libtorch's headers as system headers: their own warnings are not the shim's.
    let system = |dir: &Path| format!("-isystem{}", dir.display());
    cc::Build::new()
        .cpp(true)
        .pic(true)
        .std("c++17")
        .flag(system(&include))
        .flag(system(&include.join("torch/csrc/api/include")))
        .define("_GLIBCXX_USE_CXX11_ABI", abi.as_str())
        .files(SHIMS)
        .compile("nas_shims");
}

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(libtorch) = env::var_os("LIBTORCH") else {
        // torch-sys then looks for a system libtorch in /usr; its lib folder is already on
        // the loader's path, so there is nothing to add but the shim.
        compile_shims(Path::new("/usr"));
        return;
    };
    compile_shims(Path::new(&libtorch));
    let lib = PathBuf::from(libtorch).join("lib");
    println!("cargo:rustc-env=NAS_LIBTORCH_LIB={}", lib.display());
    let force_cuda = lib.join("libtorch_cuda.so").exists();
    if force_cuda {
        println!("cargo:rustc-link-search=native={}", lib.display());
    }
    let optional: Vec<&str> = OPTIONAL_KINDS
        .into_iter()
        .filter(|&folder| {
            if Path::new(folder).is_dir() {
                println!("cargo:rerun-if-changed={folder}");
            }
            has_targets(folder)
        })
        .collect();
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    if force_cuda {
        for target in ["cdylib", "tests"].into_iter().chain(optional) {
            println!("cargo:rustc-link-arg-{target}=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
