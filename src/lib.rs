//! `nas`: a neural architecture search engine.
//!
//! The pipeline: `.nas` text → [`syntax`] (tokens, AST, diagnostics) → [`check`] (names, types,
//! shapes) → [`space`] (decisions, architectures) → compile and [`train`] (libtorch through `tch`).
//! [`doctor`] reports what the runtime found; [`cli`] is the command-line front end.

pub mod check;
pub mod cli;
pub mod compile;
pub mod doctor;
pub mod entry;
pub mod fmt;
pub mod oneshot;
pub mod paths;
pub mod repl;
pub mod search;
pub mod space;
pub mod syntax;
pub mod train;
pub mod trainfree;
