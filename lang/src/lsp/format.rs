//! Formatting: the whole document in `nas fmt`'s layout, as one edit.

use super::document::Document;
use lsp_types::TextEdit;

/// The edits that give `doc` the canonical layout (none when it has it already), or why it
/// cannot be formatted.
pub fn edits(doc: &Document) -> Result<Vec<TextEdit>, String> {
    match crate::fmt::format_source(&doc.text) {
        Ok(formatted) if formatted == doc.text => Ok(Vec::new()),
        Ok(formatted) => Ok(vec![TextEdit::new(doc.lines.whole(&doc.text), formatted)]),
        Err(diagnostics) => Err(format!(
            "the file does not parse, so it was not formatted: {}",
            diagnostics.first().map_or("", |d| d.message.as_str())
        )),
    }
}
