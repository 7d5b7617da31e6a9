//! `nas api`: print the strategy host API (every type, property and function a Rhai
//! strategy can use, with its arguments, return type and a line of doc), read from what is
//! registered with the engine.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/api.rs`) runs it.

/// Options of `nas api` (none).
#[derive(Debug, clap::Args)]
pub struct Args {}
