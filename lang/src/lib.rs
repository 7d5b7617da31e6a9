//! `nas-lang`: the front end of `nas`, without libtorch.
//!
//! The pipeline's first half: `.nas` text → [`syntax`] (tokens, AST, diagnostics) → [`check`]
//! (names, types, shapes) → [`space`] (decisions, architectures), and [`experiment`] (an
//! experiment block read into what the runner needs, its strategy script compiled but not run).
//! [`fmt`] lays a file out, [`lsp`] serves editors, [`repl`] is the interactive session,
//! [`cli`] answers the front-end commands. The `nas` launcher links this crate and answers
//! `check`, `fmt`, `count`, `sample`, `show`, `lsp`, `repl`, `--help` and `--version` itself;
//! every other command loads the engine (`libnas.so`, which links libtorch: [`engine`]), and
//! the REPL loads it the first time an input needs it.

pub mod check;
pub mod cli;
pub mod engine;
pub mod experiment;
pub mod fmt;
pub mod lsp;
pub mod paths;
pub mod repl;
pub mod space;
pub mod syntax;
pub mod train;
pub mod wiring;
