//! The one diagnostic type of the crate: every stage (lexer, parser, checker, and later stages
//! that point into `.nas` source) reports problems as [`Diagnostic`]s, rendered by ariadne.

use super::source::SourceMap;
use super::span::Span;
use ariadne::{Config, IndexType, Label as AriadneLabel, Report, ReportKind};
use std::io::IsTerminal;

/// How bad a diagnostic is. Only errors make `nas check` fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The program is rejected.
    Error,
    /// Suspicious but accepted.
    Warning,
}

/// A span with a message, drawn under the source line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
}

/// A problem found in `.nas` source: severity, a stable code naming its kind, a message,
/// labelled spans (the first is the primary location), notes and an optional hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable kebab-case name of the diagnostic's kind, e.g. `unknown-name`.
    pub code: &'static str,
    /// One line saying what is wrong.
    pub message: String,
    /// Spans to show; the first is the primary one.
    pub labels: Vec<Label>,
    /// Extra facts ("note: ...").
    pub notes: Vec<String>,
    /// A suggestion for fixing it ("help: ...").
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A new error of kind `code` with `message`, primarily at `span` (labelled `label`).
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message, span, label)
    }

    /// A new warning of kind `code` with `message`, primarily at `span` (labelled `label`).
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message, span, label)
    }

    fn new(
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
            }],
            notes: Vec::new(),
            hint: None,
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary span (the first label's), if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|label| label.span)
    }

    /// Renders the diagnostic as plain text (no colour): the form golden tests snapshot.
    pub fn render(&self, sources: &SourceMap) -> String {
        self.render_with(sources, false)
    }

    /// Renders the diagnostic, with ANSI colours when `color` is true.
    pub fn render_with(&self, sources: &SourceMap, color: bool) -> String {
        let mut cache = source_cache(sources);
        self.render_cached(sources, &mut cache, color)
    }

    /// Renders with a prepared source cache (so many diagnostics share one).
    fn render_cached(
        &self,
        sources: &SourceMap,
        cache: &mut impl ariadne::Cache<String>,
        color: bool,
    ) -> String {
        let name_of = |span: Span| {
            sources
                .get(span.file)
                .map(|file| file.name.clone())
                .unwrap_or_else(|| "<unknown>".to_string())
        };
        let Some(primary) = self.primary_span() else {
            return self.render_without_source();
        };
        let kind = match self.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let config = Config::default()
            .with_color(color)
            .with_index_type(IndexType::Byte);
        let mut report = Report::build(kind, (name_of(primary), primary.range()))
            .with_config(config)
            .with_code(self.code)
            .with_message(&self.message);
        for (index, label) in self.labels.iter().enumerate() {
            let mut drawn = AriadneLabel::new((name_of(label.span), label.span.range()))
                .with_order(index as i32);
            if !label.message.is_empty() {
                drawn = drawn.with_message(&label.message);
            }
            if color {
                let tint = if index == 0 && self.is_error() {
                    ariadne::Color::Red
                } else if index == 0 {
                    ariadne::Color::Yellow
                } else {
                    ariadne::Color::Blue
                };
                drawn = drawn.with_color(tint);
            }
            report = report.with_label(drawn);
        }
        for note in &self.notes {
            report = report.with_note(note);
        }
        if let Some(hint) = &self.hint {
            report = report.with_help(hint);
        }
        let mut out = Vec::new();
        match report.finish().write(&mut *cache, &mut out) {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(_) => self.render_without_source(),
        }
    }

    /// A one-paragraph rendering for diagnostics whose source is unavailable.
    fn render_without_source(&self) -> String {
        let mut out = format!(
            "{}[{}]: {}\n",
            self.severity_word(),
            self.code,
            self.message
        );
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  help: {hint}\n"));
        }
        out
    }

    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        }
    }
}

/// The ariadne cache of every file's text, keyed by file name.
fn source_cache(sources: &SourceMap) -> impl ariadne::Cache<String> + '_ {
    ariadne::sources(
        sources
            .iter()
            .map(|(_, file)| (file.name.clone(), file.text.as_str())),
    )
}

/// Renders all `diagnostics` in order, separated as ariadne lays them out.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut cache = source_cache(sources);
    diagnostics
        .iter()
        .map(|diagnostic| diagnostic.render_cached(sources, &mut cache, color))
        .collect()
}

/// Whether output to stderr should be coloured: only when it is a terminal and `NO_COLOR` is unset.
pub fn stderr_wants_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Whether output to stdout should be coloured: only when it is a terminal and `NO_COLOR` is unset.
pub fn stdout_wants_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
