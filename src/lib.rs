//! `nas`: a neural architecture search engine.
//!
//! The pipeline: `.nas` text → [`syntax`] (tokens, AST, diagnostics) → [`check`] (names, types,
//! shapes) → [`space`] (decisions, architectures) → compile and [`train`] (libtorch through `tch`).
//! [`doctor`] reports what the runtime found; [`cli`] is the command-line front end.

pub mod cli;
pub mod compile;
pub mod doctor;
pub mod entry;
pub mod export;
pub mod oneshot;
pub mod repl;
pub mod report;
pub mod search;
pub mod train;
pub mod trainfree;

pub use nas_lang::{check, fmt, lsp, paths, space, syntax, wiring};

/// mimalloc serves Rust's allocations (the front end allocates one small node per AST
/// element and the checker many short-lived values; glibc's malloc was about a quarter of
/// parse + check time). libtorch's tensors keep their own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Unit tests that seed or draw from libtorch's one global generator hold this lock: run in
/// parallel, one test's draws could land between another's seed and its own draws.
/// It is the library's own lock on the generators, so the library's seeded steps wait too.
#[cfg(test)]
pub(crate) fn test_generator() -> parking_lot::ReentrantMutexGuard<'static, ()> {
    train::generator::hold()
}
