//! The `.nas` front end: spans, lexer, parser, AST and diagnostics.
//!
//! [`parse`] turns text into an [`ast::File`] plus [`Diagnostic`]s; [`crate::check`] resolves
//! and checks whole programs; [`crate::fmt`] prints the canonical layout.

pub mod ast;
pub mod builtin;
pub mod diagnostic;
pub mod erase;
pub mod lexer;
mod parser;
pub mod source;
pub mod span;
pub mod suggest;
pub mod token;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use parser::{parse, parse_expr, parse_recovering, Parsed, MAX_CHAIN, MAX_EXPR_DEPTH};
pub use source::{SourceFile, SourceMap};
pub use span::{FileId, Span};

#[cfg(test)]
mod tests;
