//! The `.nas` front end: spans, lexer, parser, AST and diagnostics.
