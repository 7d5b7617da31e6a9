//! Compiling architectures and their sizes: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test compile_suite -- compile_params::` runs one file's).

#[path = "compile_params.rs"]
mod compile_params;
#[path = "compile_spaces.rs"]
mod compile_spaces;
#[path = "strided_cells.rs"]
mod strided_cells;
