//! What a typed input is, whether it is complete, and how to colour it: pure functions over
//! text that the rustyline validator and highlighter (and the piped-transcript reader) share.

use crate::syntax::token::Token;
use logos::Logos;

/// The commands, each as typed after `:` (the first name is the canonical one).
pub const COMMANDS: &[&str] = &[
    "help", "load", "reset", "list", "use", "count", "sample", "mutate", "show", "params", "check",
    "run", "train", "rhai", "seed", "quit",
];

/// Other names that are accepted for commands.
pub const ALIASES: &[(&str, &str)] = &[("exit", "quit"), ("q", "quit"), ("h", "help")];

/// The canonical name of the command `word` (without its `:`), if it is one.
pub fn command_name(word: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .copied()
        .find(|c| *c == word)
        .or_else(|| ALIASES.iter().find(|(a, _)| *a == word).map(|(_, c)| *c))
}

/// The two kinds of input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Nothing but whitespace and comments.
    Empty,
    /// A command: `:name args` (the colon may be left out before a command name).
    Command,
    /// `.nas` source: definitions and imports.
    Source,
}

/// What kind of input `text` is.
pub fn kind(text: &str) -> Kind {
    let trimmed = text.trim_start();
    if trimmed.starts_with(':') {
        return Kind::Command;
    }
    let first = trimmed.split_whitespace().next().unwrap_or("");
    if command_name(first).is_some() {
        return Kind::Command;
    }
    let meaningful = text
        .lines()
        .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'));
    if meaningful {
        Kind::Source
    } else {
        Kind::Empty
    }
}

/// Whether `text` needs more lines before it can be evaluated: `.nas` source with an open
/// bracket (`(`, `[`, `{`) or ending in an operator that needs a right-hand side (`>>`, `|`,
/// `=`, `,`, arithmetic), and `:rhai` snippets with an open bracket. Other commands are one
/// line. Input with an error (an unclosed string, a stray closer) is complete: the error is
/// reported when it is evaluated.
pub fn needs_more(text: &str) -> bool {
    match kind(text) {
        Kind::Empty => false,
        Kind::Command => {
            let body = text.trim_start().trim_start_matches(':');
            let word = body.split_whitespace().next().unwrap_or("");
            command_name(word) == Some("rhai") && rhai_open(&body[word.len()..])
        }
        Kind::Source => source_open(text),
    }
}

/// Whether `.nas` source is unfinished.
fn source_open(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut last = None;
    for token in Token::lexer(text) {
        let Ok(token) = token else {
            return false;
        };
        match token {
            Token::Comment(_) => continue,
            Token::UnterminatedStr => return false,
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
        last = Some(token);
    }
    depth > 0
        || matches!(
            last,
            Some(
                Token::Then
                    | Token::Bar
                    | Token::Assign
                    | Token::Comma
                    | Token::Plus
                    | Token::Minus
                    | Token::Star
                    | Token::Slash
                    | Token::Percent
                    | Token::DotDot
                    | Token::DotDotEq
            )
        )
}

/// Whether a Rhai snippet has an open bracket (outside strings and comments).
fn rhai_open(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                let quote = c;
                let mut closed = false;
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == quote {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return quote == '`';
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth > 0
}

/// The colour of a piece of highlighted input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A keyword of the language.
    Keyword,
    /// A number.
    Number,
    /// A string.
    Str,
    /// A comment.
    Comment,
    /// A `:command` word.
    Command,
}

impl Style {
    /// The ANSI SGR sequence that starts this style.
    fn sgr(self) -> &'static str {
        match self {
            Style::Keyword => "\x1b[1;34m",
            Style::Number => "\x1b[36m",
            Style::Str => "\x1b[32m",
            Style::Comment => "\x1b[2m",
            Style::Command => "\x1b[1;35m",
        }
    }
}

/// The styled byte ranges of `text`, in order and not overlapping.
pub fn styles(text: &str) -> Vec<(std::ops::Range<usize>, Style)> {
    let mut out = Vec::new();
    let trimmed = text.trim_start();
    let indent = text.len() - trimmed.len();
    if kind(text) == Kind::Command {
        let word = trimmed
            .find(char::is_whitespace)
            .map_or(trimmed.len(), |end| end);
        out.push((indent..indent + word, Style::Command));
        return out;
    }
    let mut lexer = Token::lexer(text);
    while let Some(token) = lexer.next() {
        let style = match token {
            Ok(Token::Comment(_)) => Style::Comment,
            Ok(Token::Number(_)) => Style::Number,
            Ok(Token::Str(_) | Token::UnterminatedStr) => Style::Str,
            Ok(t) if t.is_keyword() => Style::Keyword,
            _ => continue,
        };
        out.push((lexer.span(), style));
    }
    out
}

/// `text` with ANSI colours added (the displayed width is unchanged).
pub fn highlight(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (range, style) in styles(text) {
        out.push_str(&text[at..range.start]);
        out.push_str(style.sgr());
        out.push_str(&text[range.clone()]);
        out.push_str("\x1b[0m");
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_input() {
        assert_eq!(kind("   "), Kind::Empty);
        assert_eq!(kind("# just a comment\n"), Kind::Empty);
        assert_eq!(kind(":count nb201"), Kind::Command);
        assert_eq!(kind("count nb201"), Kind::Command);
        assert_eq!(kind("op a = relu"), Kind::Source);
        assert_eq!(kind("spcae s {}"), Kind::Source);
    }

    #[test]
    fn open_brackets_and_trailing_operators_ask_for_more() {
        assert!(needs_more("space s {"));
        assert!(needs_more("space s {\n  input image(3, 32, 32)\n"));
        assert!(!needs_more(
            "space s {\n  input image(3, 32, 32)\n  conv(8, 3)\n}"
        ));
        assert!(needs_more("op a = relu >>"));
        assert!(needs_more("choice c = relu |"));
        assert!(needs_more("op a ="));
        assert!(needs_more("op a = conv(8,"));
        assert!(!needs_more("op a = relu >> batchnorm"));
        assert!(!needs_more("op a = relu # a comment with {"));
    }

    #[test]
    fn a_trailing_backslash_is_not_a_continuation() {
        assert!(!needs_more("op a = relu \\"));
    }

    #[test]
    fn errors_and_commands_are_complete() {
        assert!(!needs_more("op a = f(\"never closed"));
        assert!(!needs_more("op a = relu)"));
        assert!(!needs_more(":count {"));
        assert!(!needs_more(""));
    }

    #[test]
    fn rhai_snippets_continue_while_a_bracket_is_open() {
        assert!(needs_more(":rhai for i in 0..3 {"));
        assert!(!needs_more(":rhai for i in 0..3 { print(i) }"));
        assert!(!needs_more(":rhai print(\"{\")"));
        assert!(!needs_more(":rhai 1 + 1 // {"));
    }

    #[test]
    fn highlighting_keeps_the_text() {
        let line = "op a(c: int) = conv(c, 3) # note";
        let coloured = highlight(line);
        assert!(coloured.contains("\x1b[1;34mop\x1b[0m"));
        assert!(coloured.contains("\x1b[36m3\x1b[0m"));
        assert!(coloured.contains("\x1b[2m# note\x1b[0m"));
        let plain: String = strip_ansi(&coloured);
        assert_eq!(plain, line);
        assert!(highlight(":count nb201").starts_with("\x1b[1;35m:count\x1b[0m"));
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
