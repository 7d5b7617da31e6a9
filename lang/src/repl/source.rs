//! The session's source: one growing text holding every accepted input, checked as a whole
//! file called `<repl>` after each change, so diagnostics point into the lines that were typed.
//!
//! A redefinition does not edit earlier text: the superseded item's bytes are blanked (spaces,
//! line breaks kept) in the text the checker sees, so every offset, and every line number a
//! diagnostic shows, stays where the user typed it. An input is accepted only when the whole
//! session still checks without errors; otherwise nothing changes.

use crate::check::{check_with_loader, FsLoader, Program};
use crate::syntax::ast::ItemKind;
use crate::syntax::{parse, Diagnostic, FileId, Severity};
use std::ops::Range;

/// The name diagnostics give the session's text.
pub const SESSION_NAME: &str = "<repl>";

/// A definition an input added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defined {
    /// Its keyword (`op`, `space`, ...).
    pub keyword: &'static str,
    /// Its name.
    pub name: String,
    /// Whether it replaced an earlier definition of the name.
    pub replaced: bool,
}

/// What an accepted input did.
#[derive(Debug, Default)]
pub struct Accepted {
    /// The definitions it added, in order.
    pub defined: Vec<Defined>,
    /// Warnings about the input, rendered.
    pub warnings: String,
}

/// The session's text, what is superseded in it, and the program it checks to.
#[derive(Debug)]
pub struct SessionSource {
    log: String,
    dead: Vec<Range<usize>>,
    program: Program,
    generation: u64,
}

impl Default for SessionSource {
    fn default() -> Self {
        SessionSource::new()
    }
}

impl SessionSource {
    /// An empty session.
    pub fn new() -> SessionSource {
        SessionSource {
            log: String::new(),
            dead: Vec::new(),
            program: check_with_loader(SESSION_NAME, "", &mut FsLoader),
            generation: 0,
        }
    }

    /// The checked program of everything accepted so far.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// A number that changes whenever the program does.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The text the checker sees: every accepted input, superseded items blanked.
    pub fn text(&self) -> String {
        blank(&self.log, &self.dead)
    }

    /// Adds `.nas` source. On success the session holds it; on failure the session is
    /// unchanged and the error is every diagnostic, rendered.
    pub fn add(&mut self, input: &str, color: bool) -> Result<Accepted, String> {
        self.add_shadowing(input, &[], color)
    }

    /// Adds `import "path"` for `:load`: the file's definitions replace the session's own
    /// definitions of the same names (a session's own names would otherwise hide them).
    pub fn load(&mut self, path: &str, color: bool) -> Result<Accepted, String> {
        let quoted: String = path
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                _ => vec![c],
            })
            .collect();
        let line = format!("import \"{quoted}\"");
        let probe = self.candidate(&line, &[]);
        let imported = imported_names(&probe.program);
        let own: Vec<&str> = self
            .program
            .main()
            .ast
            .items
            .iter()
            .filter_map(|i| i.kind.name().map(|n| n.name.as_str()))
            .collect();
        let defined: Vec<Defined> = imported
            .iter()
            .map(|(keyword, name)| Defined {
                keyword,
                name: name.clone(),
                replaced: own.contains(&name.as_str()),
            })
            .collect();
        let names: Vec<String> = imported.into_iter().map(|(_, n)| n).collect();
        let mut accepted = self.add_shadowing(&line, &names, color)?;
        accepted.defined = defined;
        Ok(accepted)
    }

    fn add_shadowing(
        &mut self,
        input: &str,
        shadowed: &[String],
        color: bool,
    ) -> Result<Accepted, String> {
        let candidate = self.candidate(input, shadowed);
        let program = &candidate.program;
        if program.has_errors() {
            let shown: Vec<Diagnostic> = program
                .diagnostics
                .iter()
                .filter(|d| d.is_error() || candidate.is_new(d))
                .cloned()
                .collect();
            return Err(render(&shown, program, color));
        }
        let warnings: Vec<Diagnostic> = program
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning && candidate.is_new(d))
            .cloned()
            .collect();
        let accepted = Accepted {
            defined: candidate.defined.clone(),
            warnings: render(&warnings, program, color),
        };
        self.log = candidate.log;
        self.dead = candidate.dead;
        self.program = candidate.program;
        self.generation += 1;
        Ok(accepted)
    }

    /// The session with `input` appended, items it redefines (and those named `shadowed`)
    /// blanked, checked.
    fn candidate(&self, input: &str, shadowed: &[String]) -> Candidate {
        let start = self.log.len();
        let mut log = self.log.clone();
        log.push_str(input);
        if !log.ends_with('\n') {
            log.push('\n');
        }
        let mut dead = self.dead.clone();
        let parsed = parse(FileId(0), &blank(&log, &dead));
        let mut new_names: Vec<(&'static str, String)> = Vec::new();
        for item in &parsed.file.items {
            if item.span.start as usize >= start {
                if let Some(name) = item.kind.name() {
                    new_names.push((item.kind.keyword(), name.name.to_string()));
                }
            }
        }
        let mut defined: Vec<Defined> = new_names
            .iter()
            .map(|(keyword, name)| Defined {
                keyword,
                name: name.clone(),
                replaced: false,
            })
            .collect();
        for item in &parsed.file.items {
            let (Some(name), true) = (item.kind.name(), (item.span.start as usize) < start) else {
                continue;
            };
            if matches!(item.kind, ItemKind::Import(_)) {
                continue;
            }
            let redefined = defined.iter_mut().find(|d| d.name == name.name);
            let is_shadowed = shadowed.iter().any(|s| *s == name.name);
            if let Some(d) = redefined {
                d.replaced = true;
            }
            if is_shadowed || new_names.iter().any(|(_, n)| *n == name.name) {
                dead.push(item.span.range());
            }
        }
        let program = check_with_loader(SESSION_NAME, &blank(&log, &dead), &mut FsLoader);
        Candidate {
            log,
            dead,
            program,
            start,
            defined,
        }
    }
}

/// A proposed next state of the session.
struct Candidate {
    log: String,
    dead: Vec<Range<usize>>,
    program: Program,
    start: usize,
    defined: Vec<Defined>,
}

impl Candidate {
    /// Whether `d` is about the new input (or a file it imports), not older text.
    fn is_new(&self, d: &Diagnostic) -> bool {
        match d.primary_span() {
            Some(span) if span.file == FileId(0) => {
                span.start as usize >= self.start && d.code != "unused-import"
            }
            Some(_) => d.code != "unused-import",
            None => true,
        }
    }
}

/// The definitions (keyword, name) of the file the main module's last import loaded.
fn imported_names(program: &Program) -> Vec<(&'static str, String)> {
    let Some(&(_, Some(target))) = program.main().imports.last() else {
        return Vec::new();
    };
    program.modules[target as usize]
        .ast
        .items
        .iter()
        .filter(|item| !matches!(item.kind, ItemKind::Import(_)))
        .filter_map(|item| {
            item.kind
                .name()
                .map(|n| (item.kind.keyword(), n.name.to_string()))
        })
        .collect()
}

/// `text` with the bytes of `dead` replaced by spaces (line breaks kept).
fn blank(text: &str, dead: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for range in dead {
        for b in &mut bytes[range.clone()] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Whole items are blanked and items start and end on character boundaries, so the
    // result is valid UTF-8; the lossy conversion only guards that invariant.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Renders `diagnostics` with the program's sources.
fn render(diagnostics: &[Diagnostic], program: &Program, color: bool) -> String {
    crate::syntax::diagnostic::render_all(diagnostics, &program.sources, color)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACE: &str = "space tiny {\n    input image(3, 8, 8)\n    conv(8, 3 | 5) >> global_avg_pool >> linear(10)\n}";

    #[test]
    fn definitions_accumulate_and_redefinitions_replace() {
        let mut s = SessionSource::new();
        let a = s.add("op a = relu", false).expect("op a");
        assert_eq!(
            a.defined,
            vec![Defined {
                keyword: "op",
                name: "a".into(),
                replaced: false
            }]
        );
        s.add(SPACE, false).expect("space");
        let again = s.add("op a = relu >> batchnorm", false).expect("again");
        assert!(again.defined[0].replaced);
        assert!(s.program().lookup("a").is_some());
        assert!(s.program().lookup("tiny").is_some());
        // The old `op a` is blanked in place: same length, same line count.
        let text = s.text();
        assert!(text.starts_with("           \n"));
        assert_eq!(text.lines().count(), 6);
    }

    #[test]
    fn a_rejected_input_leaves_the_session_unchanged() {
        let mut s = SessionSource::new();
        s.add("op a = relu", false).expect("op a");
        let before = s.text();
        let err = s
            .add("op b = relu >> nope", false)
            .expect_err("unknown name");
        assert!(err.contains("nope"), "{err}");
        assert!(err.contains("<repl>:2:"), "{err}");
        assert_eq!(s.text(), before);
        assert!(s.program().lookup("b").is_none());
    }

    #[test]
    fn a_redefinition_that_breaks_a_user_is_rejected() {
        let mut s = SessionSource::new();
        s.add("op a(c: int) = conv(c, 3)", false).expect("op a");
        s.add("op b = a(8) >> relu", false).expect("op b");
        let err = s.add("op a = relu", false).expect_err("b calls a(8)");
        assert!(err.contains("Error"), "{err}");
        assert!(s.program().lookup("a").is_some());
    }

    #[test]
    fn loading_a_file_replaces_session_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lib.nas");
        std::fs::write(&path, "op a = relu >> batchnorm\nop c = relu\n").expect("write");
        let mut s = SessionSource::new();
        s.add("op a = relu", false).expect("op a");
        s.load(&path.to_string_lossy(), false).expect("load");
        let id = s.program().lookup("a").expect("a");
        assert_ne!(id.module, 0, "the file's `a` wins");
        assert!(s.program().lookup("c").is_some());
        let missing = s.load("/no/such/file.nas", false).expect_err("missing");
        assert!(missing.contains("cannot import"), "{missing}");
    }
}
