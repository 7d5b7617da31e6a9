//! The chumsky parser: tokens → [`File`], with error recovery so one run reports several
//! errors, and limits that keep hostile input from exhausting the stack.

mod expr;
mod fast;
mod items;

use super::ast::{File, Ident};
use super::diagnostic::Diagnostic;
use super::lexer::{lex, Comment};
use super::span::{FileId, Span};
use super::token::Token;
use chumsky::error::{RichPattern, RichReason};
use chumsky::input::{Input, ValueInput};
use chumsky::label::LabelError;
use chumsky::prelude::*;

pub use expr::MAX_CHAIN;

/// Expressions may nest at most this deep (counted over the tree, after parsing); deeper
/// items are dropped with a diagnostic, so later stages may recurse safely.
pub const MAX_EXPR_DEPTH: usize = 200;

/// Errors that validation steps can raise with a message.
trait Custom: Sized {
    /// An error at `span` saying `message`.
    fn custom(span: Span, message: String) -> Self;
}

impl Custom for Rich<'_, Token<'_>, Span> {
    fn custom(span: Span, message: String) -> Self {
        Rich::custom(span, message)
    }
}

/// What the parsers need of their error type (the grammar is generic over it; it runs with
/// [`Rich`] errors, which carry what was expected and found).
trait SyntaxError<'t, I: Input<'t>>:
    chumsky::error::Error<'t, I> + LabelError<'t, I, &'static str> + Custom + 't
{
}

impl<'t, I: Input<'t>, E> SyntaxError<'t, I> for E where
    E: chumsky::error::Error<'t, I> + LabelError<'t, I, &'static str> + Custom + 't
{
}

/// The expression parser, built once per parse and shared.
type ExprParser<'t, I, E> = Boxed<'t, 't, I, super::ast::Expr, extra::Err<E>>;

/// An identifier's text (borrowed from the source) with its span; nothing is allocated, so
/// alternatives that start with a name may backtrack cheaply.
fn ident_text<'t, 's: 't, I, E>(
) -> impl Parser<'t, I, (&'s str, Span), extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    select! {
        Token::Ident(name) = e => (name, e.span()),
    }
    .labelled("a name")
}

/// An identifier with its span.
fn ident<'t, 's: 't, I, E>() -> impl Parser<'t, I, Ident, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    ident_text().map(|(name, span)| Ident {
        name: name.into(),
        span,
    })
}

/// The result of parsing one file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The tree (possibly partial when there were errors).
    pub file: File,
    /// The comments, for the formatter.
    pub comments: Vec<Comment>,
    /// Lexing and parsing problems, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Lexes and parses `text` as file `file`. Never panics; every problem is a diagnostic.
///
/// A valid file is parsed by a hand-written recursive-descent parser (`fast.rs`, several
/// times faster); a file it gives up on is parsed again by the chumsky parser, whose error
/// recovery reports every problem. Either way the result is the one [`parse_recovering`]
/// gives.
pub fn parse(file: FileId, text: &str) -> Parsed {
    parse_with(file, text, true)
}

/// Lexes and parses `text` with the chumsky parser alone (what [`parse`] falls back to when
/// the fast path gives up). Its result is always the same as [`parse`]'s; it exists so tests
/// can check that.
pub fn parse_recovering(file: FileId, text: &str) -> Parsed {
    parse_with(file, text, false)
}

/// Lexes and parses `text` as one expression (what an argument or an experiment entry
/// holds: `evolution(population: 3)`), for text given outside a file, such as a command-line
/// option. Returns the expression, or the diagnostics saying why it is not one.
pub fn parse_expr(file: FileId, text: &str) -> Result<super::ast::Expr, Vec<Diagnostic>> {
    let lexed = lex(file, text);
    if lexed.refused || !lexed.diagnostics.is_empty() {
        return Err(lexed.diagnostics);
    }
    let eoi = Span::new(file, text.len()..text.len());
    let input = lexed.tokens.as_slice().split_token_span(eoi);
    let (output, errors) = expr::expr::<_, Rich<'_, Token<'_>, Span>>()
        .then_ignore(end())
        .parse(input)
        .into_output_errors();
    match output {
        Some(e) if errors.is_empty() => Ok(e),
        _ => Err(errors.iter().map(syntax_diagnostic).collect()),
    }
}

/// [`parse`], trying the fast path first when `fast` is set.
fn parse_with(file: FileId, text: &str, fast: bool) -> Parsed {
    let lexed = lex(file, text);
    let mut parsed = Parsed {
        file: File {
            items: Vec::new(),
            span: Span::new(file, 0..text.len()),
        },
        comments: lexed.comments,
        diagnostics: lexed.diagnostics,
    };
    if lexed.refused {
        return parsed;
    }
    let items = match fast {
        true => fast::parse_items(&lexed.tokens),
        false => None,
    };
    let output = match items {
        Some(items) => Some(File {
            items,
            span: parsed.file.span,
        }),
        None => {
            let eoi = Span::new(file, text.len()..text.len());
            let input = lexed.tokens.as_slice().split_token_span(eoi);
            let (output, errors) = items::file::<_, Rich<'_, Token<'_>, Span>>()
                .parse(input)
                .into_output_errors();
            parsed.diagnostics.extend(
                errors
                    .into_iter()
                    .filter(|error| error.found() != Some(&Token::Error))
                    .map(|error| syntax_diagnostic(&error)),
            );
            output
        }
    };
    if let Some(mut tree) = output {
        tree.span = Span::new(file, 0..text.len());
        drop_too_deep(&mut tree, &mut parsed.diagnostics);
        parsed.file = tree;
    }
    parsed.diagnostics.sort_by_key(|d| d.primary_span());
    parsed
}

/// Removes items whose expressions nest deeper than [`MAX_EXPR_DEPTH`], reporting each.
fn drop_too_deep(tree: &mut File, diagnostics: &mut Vec<Diagnostic>) {
    tree.items.retain(|item| {
        let mut deepest: Option<(usize, Span)> = None;
        let mut stack = Vec::new();
        item.kind.for_each_expr(|expr| {
            // Every level of nesting takes at least one token, and so at least one byte:
            // a short expression cannot be too deep.
            if expr.span.range().len() <= MAX_EXPR_DEPTH {
                return;
            }
            let depth = expr.depth_with(&mut stack);
            if depth > MAX_EXPR_DEPTH && deepest.is_none_or(|(d, _)| depth > d) {
                deepest = Some((depth, expr.span));
            }
        });
        match deepest {
            None => true,
            Some((depth, span)) => {
                diagnostics.push(
                    Diagnostic::error(
                        "too-deep",
                        format!("this expression nests too deeply ({depth} levels; the limit is {MAX_EXPR_DEPTH})"),
                        span,
                        "too deep",
                    )
                    .with_hint("name parts of it with `op` or `let` and use the names"),
                );
                false
            }
        }
    });
}

/// Converts a chumsky error into a diagnostic.
fn syntax_diagnostic(error: &Rich<'_, Token<'_>, Span>) -> Diagnostic {
    let span = *error.span();
    match error.reason() {
        RichReason::Custom(message) => Diagnostic::error("syntax", message.clone(), span, "here"),
        RichReason::ExpectedFound { expected, found } => {
            let found_text = match found {
                Some(token) => format!("unexpected {}", **token),
                None => "unexpected end of file".to_string(),
            };
            let mut wanted: Vec<String> = expected.iter().filter_map(pattern_text).collect();
            wanted.sort_by(|a, b| (expectation_rank(a), a).cmp(&(expectation_rank(b), b)));
            wanted.dedup();
            let label = match wanted.len() {
                0 => "not expected here".to_string(),
                _ => format!("expected {}", join_or(&wanted)),
            };
            let mut diagnostic = Diagnostic::error("syntax", found_text, span, label);
            if let Some(hint) = hint_for(found.as_deref(), &wanted) {
                diagnostic = diagnostic.with_hint(hint);
            }
            diagnostic
        }
    }
}

/// A readable form of an expected pattern (`None` for ones not worth listing).
fn pattern_text(pattern: &RichPattern<'_, Token<'_>>) -> Option<String> {
    match pattern {
        RichPattern::Token(token) => Some(token.to_string()),
        RichPattern::Label(label) => Some(label.to_string()),
        RichPattern::Identifier(name) => Some(format!("`{name}`")),
        RichPattern::EndOfInput => Some("end of file".to_string()),
        _ => None,
    }
}

/// Orders expectations by how helpful they are: closing brackets and commas, then named
/// things ("an expression"), then keywords, then operators (which could continue almost
/// anything and so say little).
fn expectation_rank(text: &str) -> u8 {
    match text {
        "`)`" | "`]`" | "`}`" | "`,`" => 0,
        _ if !text.starts_with('`') => 1,
        _ if text[1..].starts_with(|c: char| c.is_ascii_alphabetic()) && text != "`of`" => 2,
        _ => 3,
    }
}

/// `a`, `a or b`, `a, b or c` (at most six, then "…").
fn join_or(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    match shown.as_slice() {
        [] => String::new(),
        [only] => (*only).to_string(),
        [init @ .., last] => {
            let more = if items.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            format!("{}{more} or {last}", init.join(", "))
        }
    }
}

/// A hint for common slips.
fn hint_for(found: Option<&Token<'_>>, wanted: &[String]) -> Option<&'static str> {
    let wants = |text: &str| wanted.iter().any(|w| w == text);
    match found {
        Some(Token::Assign) if wants("`)`") || wants("`,`") => {
            Some("arguments are named with `:`, as in `conv(c, 3, stride: 2)`")
        }
        Some(Token::Colon) if wants("`=`") => Some("definitions use `=`: `op name(params) = expr`"),
        Some(Token::Ident(_)) if wants("`:`") => Some("parameters need a type: `name: int`"),
        None if wants("`}`") => Some("a `{` is never closed"),
        None if wants("`)`") => Some("a `(` is never closed"),
        Some(Token::Comma) if wants("`=`") => None,
        _ => None,
    }
}
