//! Turns source text into tokens, reporting bad characters, numbers and strings as
//! diagnostics, and refusing inputs too large or too deeply nested to parse safely.

use super::diagnostic::Diagnostic;
use super::span::{FileId, Span};
use super::token::{LexError, Token};
use logos::Logos;

/// Sources larger than this are refused with one diagnostic (64 MiB).
pub const MAX_SOURCE_BYTES: usize = 64 << 20;
/// Sources with more tokens than this are refused (about 16 MB of dense code).
pub const MAX_TOKENS: usize = 4_000_000;
/// Brackets (`(`, `[`, `{`) may nest at most this deep; deeper input is refused before parsing,
/// which bounds the parser's recursion.
pub const MAX_NESTING: usize = 48;

/// A comment with its span, kept for the formatter.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    /// The span from `#` to the end of the line.
    pub span: Span,
}

/// The lexer's result.
#[derive(Debug, Default)]
pub struct Lexed<'s> {
    /// Tokens (without comments) with their spans.
    pub tokens: Vec<(Token<'s>, Span)>,
    /// Comments in source order.
    pub comments: Vec<Comment>,
    /// Problems found while lexing.
    pub diagnostics: Vec<Diagnostic>,
    /// True when the input must not be parsed (too large or too deeply nested).
    pub refused: bool,
}

/// Lexes `text` (file `file`).
pub fn lex(file: FileId, text: &str) -> Lexed<'_> {
    let mut out = Lexed::default();
    if text.len() > MAX_SOURCE_BYTES {
        out.diagnostics.push(
            Diagnostic::error(
                "too-large",
                format!(
                    "this file is too large to parse ({} bytes; the limit is {} bytes)",
                    text.len(),
                    MAX_SOURCE_BYTES
                ),
                Span::new(file, 0..0),
                "file starts here",
            )
            .with_hint("split it into several files joined with `import`"),
        );
        out.refused = true;
        return out;
    }
    // Real code has a token per 3-4 bytes (the bench's file: 3.35); reserving one per two
    // bytes avoids regrowing (a copy of the whole list) and costs only address space:
    // memory that is never written is never touched.
    out.tokens.reserve((text.len() / 2 + 16).min(MAX_TOKENS));
    let mut lexer = Token::lexer(text);
    let mut depth = 0usize;
    while let Some(result) = lexer.next() {
        let span = Span::new(file, lexer.span());
        let token = match result {
            Ok(Token::Comment(body)) => {
                out.comments.push(Comment {
                    text: body[1..].trim_end_matches('\r').to_string(),
                    span,
                });
                continue;
            }
            Ok(Token::UnterminatedStr) => {
                out.diagnostics.push(
                    Diagnostic::error(
                        "bad-token",
                        "this string is never closed",
                        span,
                        "missing `\"`",
                    )
                    .with_hint("strings end on the line they start; add the closing `\"`"),
                );
                Token::Error
            }
            Ok(token) => token,
            Err(error) => {
                out.diagnostics.push(lex_error(error, span, lexer.slice()));
                Token::Error
            }
        };
        match token {
            Token::LParen | Token::LBracket | Token::LBrace => {
                depth += 1;
                if depth > MAX_NESTING && !out.refused {
                    out.diagnostics.push(
                        Diagnostic::error(
                            "too-deep",
                            format!(
                                "brackets nest too deeply here (the limit is {MAX_NESTING} levels)"
                            ),
                            span,
                            "one level too many",
                        )
                        .with_hint("name the inner part with `op` or `let` and use the name"),
                    );
                    out.refused = true;
                }
            }
            Token::RParen | Token::RBracket | Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        if out.tokens.len() == MAX_TOKENS {
            out.diagnostics.push(
                Diagnostic::error(
                    "too-large",
                    format!("this file has too many tokens to parse (the limit is {MAX_TOKENS})"),
                    span,
                    "the limit is reached here",
                )
                .with_hint("split it into several files joined with `import`"),
            );
            out.refused = true;
            break;
        }
        out.tokens.push((token, span));
    }
    out
}

/// The diagnostic for a lexing error at `span` over `slice`.
fn lex_error(error: LexError, span: Span, slice: &str) -> Diagnostic {
    match error {
        LexError::Unexpected => {
            let shown: String = slice.chars().take(1).collect();
            Diagnostic::error(
                "bad-token",
                format!("unexpected character `{}`", shown.escape_debug()),
                span,
                "not part of any token",
            )
            .with_hint("comments start with `#`; names use letters, digits and `_`")
        }
        LexError::BadNumber(message) => {
            Diagnostic::error("bad-number", message, span, "this number")
        }
        LexError::BadEscape(message) => {
            Diagnostic::error("bad-token", message, span, "in this string")
                .with_hint("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`")
        }
    }
}
