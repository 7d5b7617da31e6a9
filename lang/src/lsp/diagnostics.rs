//! The checker's [`Diagnostic`]s as the protocol's: the primary label's span is the range,
//! the other labels are related information, and the notes and the hint follow the message
//! as `nas check` prints them (`note: …`, `help: …`). A problem found in an imported file is
//! shown on the `import` that loads it, pointing at where it is.

use super::document::{file_path, Document};
use super::position::LineIndex;
use super::uri::from_path;
use crate::syntax::ast::ItemKind;
use crate::syntax::{Diagnostic, Severity, Span};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range,
};

/// The diagnostics to show in `doc`.
pub fn of(doc: &Document) -> Vec<lsp_types::Diagnostic> {
    doc.program
        .diagnostics
        .iter()
        .map(|diagnostic| convert(doc, diagnostic))
        .collect()
}

fn convert(doc: &Document, diagnostic: &Diagnostic) -> lsp_types::Diagnostic {
    let main = doc.program.main().file;
    let primary = diagnostic.primary_span();
    let mut message = diagnostic.message.clone();
    let mut related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .skip(1)
        .filter_map(|label| {
            let location = location(doc, label.span)?;
            let message = if label.message.is_empty() {
                "here".to_string()
            } else {
                label.message.clone()
            };
            Some(DiagnosticRelatedInformation { location, message })
        })
        .collect();
    let range = match primary {
        Some(span) if span.file == main => {
            doc.lines
                .range(&doc.text, span.start as usize, span.end as usize)
        }
        Some(span) => {
            let name = doc
                .program
                .sources
                .get(span.file)
                .map_or("an imported file", |file| file.name.as_str());
            message = format!("in `{name}`: {message}");
            if let Some(location) = location(doc, span) {
                let label = diagnostic.labels[0].message.clone();
                related.insert(
                    0,
                    DiagnosticRelatedInformation {
                        location,
                        message: if label.is_empty() {
                            "here".to_string()
                        } else {
                            label
                        },
                    },
                );
            }
            import_range(doc, span)
        }
        None => Range::default(),
    };
    for note in &diagnostic.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(hint) = &diagnostic.hint {
        message.push_str(&format!("\nhelp: {hint}"));
    }
    lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        source: Some("nas".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// Where `span` is, in whichever file of the program it points into.
pub fn location(doc: &Document, span: Span) -> Option<Location> {
    let file = doc.program.sources.get(span.file)?;
    let uri = from_path(&file_path(&doc.program, span.file)?)?;
    let lines = LineIndex::new(&file.text);
    Some(Location::new(
        uri,
        lines.range(&file.text, span.start as usize, span.end as usize),
    ))
}

/// The range of the main file's `import` that loads the file of `span` (directly), else
/// the start of the file.
fn import_range(doc: &Document, span: Span) -> Range {
    let main = doc.program.main();
    main.imports
        .iter()
        .find(|(_, target)| {
            target.is_some_and(|m| doc.program.modules[m as usize].file == span.file)
        })
        .and_then(|&(item, _)| match &main.ast.items[item as usize].kind {
            ItemKind::Import(import) => Some(import.path_span),
            _ => None,
        })
        .map_or_else(Range::default, |s| {
            doc.lines.range(&doc.text, s.start as usize, s.end as usize)
        })
}
