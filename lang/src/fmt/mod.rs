//! The canonical formatter: `nas fmt`. One layout per tree: four-space indents, one space
//! around binary operators, one blank line between items (imports are grouped), at most one
//! blank line between statements (kept where the source had one), long top-level `>>` and `|`
//! chains broken before the operator. A cell's statements are aligned after their keyword
//! (`input  x0`, `node   x1 = ..`, `output x1`), and an experiment's values after its keys
//! (`space     nb201`), as the stdlib is written. Comments are kept: a comment on its own line stays before
//! the item, statement or entry that follows it, a comment at the end of a line stays there,
//! and a comment inside a multi-line expression moves before its statement.

mod expr;

use crate::syntax::ast::{
    objectives_text, EntryValue, File, Item, ItemKind, Param, Stmt, StmtKind,
};
use crate::syntax::lexer::Comment;
use crate::syntax::{parse, Diagnostic, FileId, Span};
use expr::{breakable_parts, write_args};

pub use expr::{expr_to_string, literal};

/// Lines longer than this are broken at top-level `>>` / `|` where possible.
pub const WIDTH: usize = 100;

/// A cell's statement keywords are padded to this width (`output`, the longest).
const KEYWORD_WIDTH: usize = 6;

/// An experiment's keys are padded to this width (`objective`, the longest).
const KEY_WIDTH: usize = 9;

/// Formats `text`; fails with the parse diagnostics when it does not parse cleanly.
pub fn format_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(FileId(0), text);
    if parsed.has_errors() {
        return Err(parsed.diagnostics);
    }
    Ok(format_file(&parsed.file, &parsed.comments, text))
}

/// Whether two trees are equal apart from spans and resolutions.
pub fn same_tree(a: &File, b: &File) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    crate::syntax::erase::erase_spans(&mut a);
    crate::syntax::erase::erase_spans(&mut b);
    a == b
}

/// Comments not yet printed, and the source for line numbers.
struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
    next: usize,
    out: String,
}

impl Printer<'_> {
    fn line_of(&self, offset: u32) -> usize {
        let end = (offset as usize).min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    /// Prints, on their own lines, the comments that start before `offset`.
    /// A blank line after a comment is kept when the source has one.
    fn leading(&mut self, offset: u32, indent: &str) {
        while let Some(comment) = self
            .comments
            .get(self.next)
            .filter(|c| c.span.start < offset)
        {
            self.out.push_str(indent);
            self.out.push('#');
            self.out.push_str(&comment.text);
            self.out.push('\n');
            self.next += 1;
            let following = self
                .comments
                .get(self.next)
                .filter(|c| c.span.start < offset)
                .map_or(offset, |c| c.span.start);
            if offset != u32::MAX && self.blank_between(comment.span.end, following) {
                self.out.push('\n');
            }
        }
    }

    /// Appends to the current line a comment that starts on source line `line` (at or after
    /// `after`), and ends the line.
    fn trailing(&mut self, after: u32, line: usize) {
        if let Some(comment) = self
            .comments
            .get(self.next)
            .filter(|c| c.span.start >= after && self.line_of(c.span.start) == line)
        {
            self.out.push_str("  #");
            self.out.push_str(&comment.text);
            self.next += 1;
        }
        self.out.push('\n');
    }

    /// Whether the source between `from` and `to` contains a blank line.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        let (from, to) = (from as usize, (to as usize).min(self.text.len()));
        if from >= to {
            return false;
        }
        let mut lines = self.text[from..to].split('\n');
        lines.next();
        let mut interior: Vec<&str> = lines.collect();
        interior.pop();
        interior.iter().any(|line| line.trim().is_empty())
    }

    fn item(&mut self, item: &Item) {
        let header_line = self.line_of(item.span.start);
        let end_line = self.line_of(item.span.end);
        match &item.kind {
            ItemKind::Import(import) => {
                self.out.push_str("import ");
                self.out
                    .push_str(&literal(&crate::syntax::ast::Lit::Str(import.path.clone())));
            }
            ItemKind::Op(def) | ItemKind::Choice(def) => {
                self.leading(item.span.end, "");
                let head = format!(
                    "{} {}{} = ",
                    item.kind.keyword(),
                    def.name.name,
                    params(&def.params)
                );
                self.chain(&head, &def.body, "");
            }
            ItemKind::Cell(def) => {
                self.header(
                    &format!("cell {}{} {{", def.name.name, params(&def.params)),
                    item,
                    header_line,
                );
                self.body(&def.body, item.span, KEYWORD_WIDTH);
                self.out.push('}');
            }
            ItemKind::Space(def) => {
                self.header(
                    &format!("space {}{} {{", def.name.name, params(&def.params)),
                    item,
                    header_line,
                );
                self.body(&def.body, item.span, 0);
                self.out.push('}');
            }
            ItemKind::Experiment(def) => {
                self.header(
                    &format!("experiment {} {{", def.name.name),
                    item,
                    header_line,
                );
                let mut previous_end: Option<u32> = None;
                for entry in &def.entries {
                    if previous_end.is_some_and(|end| self.blank_between(end, entry.span.start)) {
                        self.out.push('\n');
                    }
                    self.leading(entry.span.start, "    ");
                    self.leading(entry.span.end, "    ");
                    let value = match &entry.value {
                        EntryValue::Args(args) => {
                            let mut out = String::new();
                            write_args(&mut out, args);
                            out
                        }
                        EntryValue::Objective(objectives) => objectives_text(objectives),
                    };
                    self.out.push_str(&format!(
                        "    {:<width$} {value}",
                        entry.key.name,
                        width = KEY_WIDTH
                    ));
                    let line = self.line_of(entry.span.end);
                    self.trailing(entry.span.end, line);
                    previous_end = Some(entry.span.end);
                }
                self.leading(item.span.end, "    ");
                self.out.push('}');
            }
        }
        self.trailing(item.span.end, end_line);
    }

    /// Prints `head` (ending in `{`) with a comment that shares the header's line.
    fn header(&mut self, head: &str, item: &Item, header_line: usize) {
        self.out.push_str(head);
        let after = item.span.start;
        if let Some(comment) = self.comments.get(self.next) {
            if comment.span.start > after && self.line_of(comment.span.start) == header_line {
                self.trailing(after, header_line);
                return;
            }
        }
        self.out.push('\n');
    }

    /// Statements need no separators, so a network statement that starts with `(` or `-`
    /// could be read as continuing the statement before it (a call, a subtraction): such a
    /// statement, and the one before it, are printed in parentheses.
    /// Each statement's keyword is padded to `width` characters.
    fn body(&mut self, body: &[Stmt], item_span: Span, width: usize) {
        let ambiguous_start = |stmt: &Stmt| match &stmt.kind {
            StmtKind::Network(value) => expr_to_string(value).starts_with(['(', '-']),
            _ => false,
        };
        let mut previous_end: Option<u32> = None;
        for (index, stmt) in body.iter().enumerate() {
            if previous_end.is_some_and(|end| self.blank_between(end, stmt.span.start)) {
                self.out.push('\n');
            }
            self.leading(stmt.span.start, "    ");
            self.leading(stmt.span.end, "    ");
            let guard = body.get(index + 1).is_some_and(ambiguous_start)
                || (index > 0 && ambiguous_start(stmt));
            self.stmt(stmt, guard, width);
            let line = self.line_of(stmt.span.end);
            self.trailing(stmt.span.end, line);
            previous_end = Some(stmt.span.end);
        }
        self.leading(item_span.end, "    ");
    }

    /// Prints a statement, its keyword padded to `width`; with `guard`, its expression goes
    /// in parentheses on one line.
    fn stmt(&mut self, stmt: &Stmt, guard: bool, width: usize) {
        const INDENT: &str = "    ";
        let kw = |keyword: &str| format!("{keyword:<width$} ");
        if guard {
            let head = match &stmt.kind {
                StmtKind::InputShape(_) => kw("input"),
                StmtKind::Node { name, .. } => format!("{}{} = ", kw("node"), name.name),
                StmtKind::Next { state, .. } => format!("{}{} = ", kw("next"), state.name),
                StmtKind::Let { name, .. } => format!("{}{} = ", kw("let"), name.name),
                StmtKind::Output(_) => kw("output"),
                StmtKind::Where(_) => kw("where"),
                StmtKind::Network(_) => String::new(),
                StmtKind::Input(_) | StmtKind::State(_) => return self.stmt(stmt, false, width),
            };
            let mut text = String::new();
            stmt.kind
                .for_each_expr(|value| text = expr_to_string(value));
            self.out.push_str(&format!("{INDENT}{head}({text})"));
            return;
        }
        match &stmt.kind {
            StmtKind::Input(names) => {
                let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
                self.out
                    .push_str(&format!("{INDENT}{}{}", kw("input"), names.join(", ")));
            }
            StmtKind::State(names) => {
                let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
                self.out
                    .push_str(&format!("{INDENT}{}{}", kw("state"), names.join(", ")));
            }
            StmtKind::InputShape(shape) => {
                self.chain(&format!("{INDENT}{}", kw("input")), shape, INDENT)
            }
            StmtKind::Node { name, value } => self.chain(
                &format!("{INDENT}{}{} = ", kw("node"), name.name),
                value,
                INDENT,
            ),
            StmtKind::Let { name, value } => self.chain(
                &format!("{INDENT}{}{} = ", kw("let"), name.name),
                value,
                INDENT,
            ),
            StmtKind::Next { state, value } => self.chain(
                &format!("{INDENT}{}{} = ", kw("next"), state.name),
                value,
                INDENT,
            ),
            StmtKind::Output(value) => {
                self.chain(&format!("{INDENT}{}", kw("output")), value, INDENT)
            }
            StmtKind::Where(value) => {
                self.chain(&format!("{INDENT}{}", kw("where")), value, INDENT)
            }
            StmtKind::Network(value) => self.chain(INDENT, value, INDENT),
        }
    }

    /// Prints `head` followed by `value`, breaking a long top-level chain before its
    /// operators onto lines indented one level deeper than `indent`.
    fn chain(&mut self, head: &str, value: &crate::syntax::ast::Expr, indent: &str) {
        let flat = expr_to_string(value);
        if head.len() + flat.len() <= WIDTH {
            self.out.push_str(head);
            self.out.push_str(&flat);
            return;
        }
        let Some((parts, separator)) = breakable_parts(value) else {
            self.out.push_str(head);
            self.out.push_str(&flat);
            return;
        };
        let continuation = format!("{indent}    {separator}");
        let mut line = format!("{head}{}", parts[0]);
        for part in &parts[1..] {
            let joined = format!(" {separator}{part}");
            if line.len() + joined.len() <= WIDTH {
                line.push_str(&joined);
            } else {
                self.out.push_str(&line);
                self.out.push('\n');
                line = format!("{continuation}{part}");
            }
        }
        self.out.push_str(&line);
    }
}

/// Whether `item` may follow `previous` without a blank line: imports after imports, and
/// `op`/`choice` definitions after each other (when the source has no blank line either).
fn groups_with(previous: &Item, item: &Item) -> bool {
    let short = |item: &Item| matches!(item.kind, ItemKind::Op(_) | ItemKind::Choice(_));
    let import = |item: &Item| matches!(item.kind, ItemKind::Import(_));
    (import(previous) && import(item)) || (short(previous) && short(item))
}

/// `(a: int, b: int = 1)`, or nothing for no parameters.
fn params(params: &[Param]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let list: Vec<String> = params
        .iter()
        .map(|p| match &p.default {
            Some(default) => format!(
                "{}: {} = {}",
                p.name.name,
                p.ty.kind.name(),
                expr_to_string(default)
            ),
            None => format!("{}: {}", p.name.name, p.ty.kind.name()),
        })
        .collect();
    format!("({})", list.join(", "))
}

/// Formats a parsed file with its comments (`text` is its source, for line positions).
pub fn format_file(file: &File, comments: &[Comment], text: &str) -> String {
    let mut printer = Printer {
        text,
        comments,
        next: 0,
        out: String::new(),
    };
    let mut previous: Option<&Item> = None;
    for item in &file.items {
        if let Some(previous) = previous {
            if !groups_with(previous, item)
                || printer.blank_between(previous.span.end, item.span.start)
            {
                printer.out.push('\n');
            }
        }
        printer.leading(item.span.start, "");
        printer.item(item);
        previous = Some(item);
    }
    if previous.is_some() && printer.next < comments.len() {
        printer.out.push('\n');
    }
    printer.leading(u32::MAX, "");
    printer.out
}

#[cfg(test)]
mod tests {
    use super::{format_source, same_tree};
    use crate::syntax::{parse, FileId};

    fn round_trip(text: &str) -> String {
        let formatted = format_source(text).expect("parses");
        let before = parse(FileId(0), text);
        let after = parse(FileId(0), &formatted);
        assert!(
            after.diagnostics.is_empty(),
            "{formatted}\n{:?}",
            after.diagnostics
        );
        assert!(same_tree(&before.file, &after.file), "{formatted}");
        assert_eq!(
            format_source(&formatted).expect("parses"),
            formatted,
            "not idempotent"
        );
        formatted
    }

    #[test]
    fn canonical_layout() {
        let formatted = round_trip("import \"a.nas\"\nimport \"b.nas\"\nop  x(c:int,k:int=3)=relu>>conv(c,k,stride:2)|skip\n# lead\ncell y {\n input a,b # trailing\n\n node n=sum(a>>x(4),b)\n output n }");
        assert_eq!(
            formatted,
            "import \"a.nas\"\nimport \"b.nas\"\n\nop x(c: int, k: int = 3) = relu >> conv(c, k, stride: 2) | skip\n\n# lead\ncell y {\n    input  a, b  # trailing\n\n    node   n = sum(a >> x(4), b)\n    output n\n}\n"
        );
    }

    #[test]
    fn parentheses_only_where_needed() {
        let formatted = round_trip("op a = (relu | skip) >> (b >> c) >> d(2 * (c + 1), (2..=4), -(1 + 2)) * (2 | 3) independent");
        assert_eq!(formatted, "op a = (relu | skip) >> (b >> c) >> d(2 * (c + 1), 2..=4, -(1 + 2)) * (2 | 3) independent\n");
    }

    #[test]
    fn long_chains_break_before_operators() {
        let long = (0..30)
            .map(|i| format!("stage_{i}"))
            .collect::<Vec<_>>()
            .join(" >> ");
        let formatted = round_trip(&format!("space s {{ input image(3, 32, 32)\n {long} }}"));
        assert!(
            formatted.lines().all(|line| line.len() <= super::WIDTH),
            "{formatted}"
        );
        assert!(formatted.contains("\n        >> stage_"), "{formatted}");
    }

    #[test]
    fn statements_that_could_merge_keep_apart() {
        round_trip("space s { let k = (3)\n (-1)\n let j = (relu)\n (relu | skip) >> conv(8, 3) }");
        round_trip("space s { conv(8, 3)(-1) }");
    }

    #[test]
    fn experiments_and_literals() {
        round_trip(
            "experiment e { objective maximize valid_acc, minimize params, minimize flops }",
        );
        round_trip("experiment e { space s(c: 16)\n budget trials: 200, time: 4h # b\n objective maximize valid_acc\n evaluate train(lr: 0.1, wd: 5e-4, big: 1.5M, s: \"a\\\"b\\n\") }");
    }
}
