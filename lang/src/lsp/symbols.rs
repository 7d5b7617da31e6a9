//! Document symbols: the outline of a file, each definition with its parameters and the
//! names its body binds (inputs, nodes, `let`s) and each experiment with its entries.

use super::document::Document;
use crate::syntax::ast::{objectives_text, EntryValue, ItemKind};
use crate::syntax::Span;
use lsp_types::{DocumentSymbol, SymbolKind};

/// The outline of `doc`.
pub fn of(doc: &Document) -> Vec<DocumentSymbol> {
    let text = &doc.text;
    let symbol = |name: &str, detail: String, kind: SymbolKind, whole: Span, name_span: Span| {
        #[allow(deprecated)] // `deprecated` is a required field of the protocol's struct.
        DocumentSymbol {
            name: name.to_string(),
            detail: (!detail.is_empty()).then_some(detail),
            kind,
            tags: None,
            deprecated: None,
            range: doc
                .lines
                .range(text, whole.start as usize, whole.end as usize),
            selection_range: doc.lines.range(
                text,
                name_span.start as usize,
                name_span.end as usize,
            ),
            children: None,
        }
    };
    let mut out = Vec::new();
    for item in &doc.program.main().ast.items {
        let Some(name) = item.kind.name() else {
            continue;
        };
        let mut children = Vec::new();
        for param in item.kind.params() {
            let written = text.get(param.span.range()).unwrap_or("").to_string();
            children.push(symbol(
                &param.name.name,
                written,
                SymbolKind::TYPE_PARAMETER,
                param.span,
                param.name.span,
            ));
        }
        let body = match &item.kind {
            ItemKind::Cell(def) => def.body.as_slice(),
            ItemKind::Space(def) => def.body.as_slice(),
            _ => &[],
        };
        for stmt in body {
            let keyword = super::locate::statement_keyword(&stmt.kind);
            for bound in stmt.kind.bound_names() {
                children.push(symbol(
                    &bound.name,
                    keyword.to_string(),
                    SymbolKind::VARIABLE,
                    stmt.span,
                    bound.span,
                ));
            }
        }
        if let ItemKind::Experiment(def) = &item.kind {
            for entry in &def.entries {
                let value = match &entry.value {
                    EntryValue::Args(_) => text
                        .get(entry.span.range())
                        .and_then(|t| t.strip_prefix(entry.key.name.as_str()))
                        .map_or(String::new(), |t| {
                            t.trim().lines().next().unwrap_or("").to_string()
                        }),
                    EntryValue::Objective(objectives) => objectives_text(objectives),
                };
                children.push(symbol(
                    &entry.key.name,
                    value,
                    SymbolKind::FIELD,
                    entry.span,
                    entry.key.span,
                ));
            }
        }
        let kind = match &item.kind {
            ItemKind::Op(_) => SymbolKind::FUNCTION,
            ItemKind::Choice(_) => SymbolKind::ENUM,
            ItemKind::Cell(_) => SymbolKind::CLASS,
            ItemKind::Space(_) => SymbolKind::MODULE,
            ItemKind::Experiment(_) | ItemKind::Import(_) => SymbolKind::EVENT,
        };
        let mut outer = symbol(
            &name.name,
            item.kind.keyword().to_string(),
            kind,
            item.span,
            name.span,
        );
        outer.children = Some(children);
        out.push(outer);
    }
    out
}
