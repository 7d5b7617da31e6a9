//! The tokens of `.nas` source, produced by a logos lexer.

use super::ast::{Magnitude, TimeUnit};
use logos::Logos;
use std::fmt;

/// The language's keywords.
pub const KEYWORDS: &[&str] = &[
    "import",
    "op",
    "choice",
    "cell",
    "space",
    "experiment",
    "input",
    "node",
    "output",
    "state",
    "next",
    "let",
    "where",
    "of",
    "any",
    "independent",
    "true",
    "false",
];

/// Why a piece of source is not a token.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum LexError {
    /// A character that starts no token.
    #[default]
    Unexpected,
    /// A number that is malformed, out of range or has an unknown unit suffix.
    BadNumber(String),
    /// A string with an unknown escape sequence.
    BadEscape(String),
}

/// A numeric literal as written: its mantissa and an optional unit suffix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer such as `42` or `5M` (`value` is the mantissa, 5).
    Int {
        /// The digits' value.
        value: i64,
        /// The magnitude suffix.
        magnitude: Magnitude,
    },
    /// A decimal such as `0.1`, `1e-3` or `1.5M` (`value` is the mantissa).
    Float {
        /// The mantissa.
        value: f64,
        /// The magnitude suffix.
        magnitude: Magnitude,
    },
    /// A duration such as `30s` or `4h`.
    Duration {
        /// The count of units.
        value: u64,
        /// The unit.
        unit: TimeUnit,
    },
}

/// One token. Whitespace is skipped; comments are tokens so the formatter can keep them
/// (the parser never sees them).
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token<'s> {
    /// `# ...` up to the end of the line.
    #[regex(r"#[^\n]*", allow_greedy = true)]
    Comment(&'s str),
    /// An identifier.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),
    /// A number, possibly with a unit suffix.
    #[regex(
        r"[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?[A-Za-z_]*",
        lex_number
    )]
    Number(Number),
    /// A string literal (escapes already resolved).
    #[regex(r#""([^"\\\n]|\\[^\n])*""#, lex_string)]
    Str(String),
    /// A string literal missing its closing quote (reported by the lexer).
    #[regex(r#""([^"\\\n]|\\[^\n])*"#)]
    UnterminatedStr,

    /// `import`
    #[token("import")]
    Import,
    /// `op`
    #[token("op")]
    Op,
    /// `choice`
    #[token("choice")]
    Choice,
    /// `cell`
    #[token("cell")]
    Cell,
    /// `space`
    #[token("space")]
    Space,
    /// `experiment`
    #[token("experiment")]
    Experiment,
    /// `input`
    #[token("input")]
    Input,
    /// `node`
    #[token("node")]
    Node,
    /// `output`
    #[token("output")]
    Output,
    /// `state`
    #[token("state")]
    State,
    /// `next`
    #[token("next")]
    Next,
    /// `let`
    #[token("let")]
    Let,
    /// `where`
    #[token("where")]
    Where,
    /// `of`
    #[token("of")]
    Of,
    /// `any`
    #[token("any")]
    Any,
    /// `independent`
    #[token("independent")]
    Independent,
    /// `true`
    #[token("true")]
    True,
    /// `false`
    #[token("false")]
    False,

    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `,`
    #[token(",")]
    Comma,
    /// `:`
    #[token(":")]
    Colon,
    /// `=`
    #[token("=")]
    Assign,
    /// `>>`
    #[token(">>")]
    Then,
    /// `|`
    #[token("|")]
    Bar,
    /// `..`
    #[token("..")]
    DotDot,
    /// `..=`
    #[token("..=")]
    DotDotEq,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `/`
    #[token("/")]
    Slash,
    /// `%`
    #[token("%")]
    Percent,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,

    /// A lexing error already reported as a diagnostic; the parser accepts it quietly
    /// wherever an expression may stand, so one mistake gives one diagnostic.
    Error,
}

/// Parses the text of a number token: mantissa, then an optional unit suffix
/// (`k` `M` `G` magnitudes, `s` `m` `h` `d` durations).
fn lex_number<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<Number, LexError> {
    parse_number(lex.slice()).map_err(LexError::BadNumber)
}

/// Parses a number literal's text (see [`Token::Number`]); the error is a message.
pub fn parse_number(text: &str) -> Result<Number, String> {
    let split = text
        .char_indices()
        .find(|&(index, c)| {
            c.is_ascii_alphabetic()
                && !(matches!(c, 'e' | 'E') && exponent_follows(&text[index + 1..]))
        })
        .map_or(text.len(), |(index, _)| index);
    let (digits, suffix) = text.split_at(split);
    // Digit separators are dropped; most numbers have none and are read in place.
    let clean: std::borrow::Cow<'_, str> = match digits.contains('_') {
        true => digits.replace('_', "").into(),
        false => digits.into(),
    };
    let is_float = clean.contains(['.', 'e', 'E']);
    let magnitude = match suffix {
        "" => Some(Magnitude::One),
        "k" => Some(Magnitude::Kilo),
        "M" => Some(Magnitude::Mega),
        "G" => Some(Magnitude::Giga),
        _ => None,
    };
    let unit = match suffix {
        "s" => Some(TimeUnit::Seconds),
        "m" => Some(TimeUnit::Minutes),
        "h" => Some(TimeUnit::Hours),
        "d" => Some(TimeUnit::Days),
        _ => None,
    };
    if let Some(unit) = unit {
        if is_float {
            return Err(format!(
                "a duration needs a whole number of units, found `{text}`"
            ));
        }
        let value: u64 = clean
            .parse()
            .map_err(|_| format!("the duration `{text}` is too large"))?;
        value
            .checked_mul(unit.seconds())
            .ok_or_else(|| format!("the duration `{text}` is too large"))?;
        return Ok(Number::Duration { value, unit });
    }
    let Some(magnitude) = magnitude else {
        return Err(format!(
            "unknown unit `{suffix}` in `{text}` (units: k M G for magnitudes, s m h d for durations)"
        ));
    };
    if is_float {
        let value: f64 = clean
            .parse()
            .map_err(|_| format!("`{text}` is not a number"))?;
        if !value.is_finite() || !(value * magnitude.factor() as f64).is_finite() {
            return Err(format!("the number `{text}` is too large"));
        }
        Ok(Number::Float { value, magnitude })
    } else {
        let value: i64 = clean
            .parse()
            .map_err(|_| format!("the integer `{text}` is too large (at most {})", i64::MAX))?;
        value
            .checked_mul(magnitude.factor())
            .ok_or_else(|| format!("the integer `{text}` is too large (at most {})", i64::MAX))?;
        Ok(Number::Int { value, magnitude })
    }
}

/// Whether `rest` (the text after an `e`) is an exponent: optional sign, then a digit.
fn exponent_follows(rest: &str) -> bool {
    let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    rest.starts_with(|c: char| c.is_ascii_digit())
}

/// Resolves the escapes of a string token (`\"`, `\\`, `\n`, `\t`).
fn lex_string<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<String, LexError> {
    let slice = lex.slice();
    let inner = &slice[1..slice.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            other => {
                let shown = other.map(String::from).unwrap_or_default();
                return Err(LexError::BadEscape(format!(
                    "unknown escape `\\{shown}` in a string"
                )));
            }
        }
    }
    Ok(out)
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Token::Comment(_) => "a comment",
            Token::Ident(name) => return write!(f, "`{name}`"),
            Token::Number(_) => "a number",
            Token::Str(_) | Token::UnterminatedStr => "a string",
            Token::Error => "an invalid token",
            other => return write!(f, "`{}`", other.symbol()),
        };
        f.write_str(text)
    }
}

impl Token<'_> {
    /// The fixed text of a keyword or punctuation token (empty for tokens with a payload).
    pub fn symbol(&self) -> &'static str {
        match self {
            Token::Import => "import",
            Token::Op => "op",
            Token::Choice => "choice",
            Token::Cell => "cell",
            Token::Space => "space",
            Token::Experiment => "experiment",
            Token::Input => "input",
            Token::Node => "node",
            Token::Output => "output",
            Token::State => "state",
            Token::Next => "next",
            Token::Let => "let",
            Token::Where => "where",
            Token::Of => "of",
            Token::Any => "any",
            Token::Independent => "independent",
            Token::True => "true",
            Token::False => "false",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::Comma => ",",
            Token::Colon => ":",
            Token::Assign => "=",
            Token::Then => ">>",
            Token::Bar => "|",
            Token::DotDot => "..",
            Token::DotDotEq => "..=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Comment(_)
            | Token::Ident(_)
            | Token::Number(_)
            | Token::Str(_)
            | Token::UnterminatedStr
            | Token::Error => "",
        }
    }

    /// Whether this token is a keyword (may also serve as an experiment entry's key).
    pub fn is_keyword(&self) -> bool {
        matches!(
            self,
            Token::Import
                | Token::Op
                | Token::Choice
                | Token::Cell
                | Token::Space
                | Token::Experiment
                | Token::Input
                | Token::Node
                | Token::Output
                | Token::State
                | Token::Next
                | Token::Let
                | Token::Where
                | Token::Of
                | Token::Any
                | Token::Independent
                | Token::True
                | Token::False
        )
    }
}
