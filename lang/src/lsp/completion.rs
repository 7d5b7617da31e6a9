//! Completion: the keywords, the built-in ops (with their parameters) and `where` metrics,
//! the definitions the document sees (its own and its imports'), the parameters and bound
//! names of the definition around the cursor, and the stdlib spaces (choosing one that is
//! not imported adds its `import`). The editor filters them by what has been typed.

use super::document::Document;
use super::locate;
use super::signature;
use crate::syntax::ast::{DefId, ItemKind};
use crate::syntax::builtin::{Builtin, Metric};
use crate::syntax::token::KEYWORDS;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, Documentation, Position, Range,
    TextEdit,
};
use std::collections::HashSet;

/// The completions at `position` of `doc`.
pub fn at(doc: &Document, position: Position) -> Vec<CompletionItem> {
    let program = &doc.program;
    let offset = u32::try_from(doc.lines.offset(&doc.text, position)).unwrap_or(u32::MAX);
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |item: CompletionItem| {
        if seen.insert(item.label.clone()) {
            items.push(item);
        }
    };
    if let Some(owner) = locate::enclosing_item(program, offset) {
        let item = &program.main().ast.items[owner as usize];
        let text = &doc.text;
        for param in item.kind.params() {
            add(entry(
                &param.name.name,
                CompletionItemKind::VARIABLE,
                text.get(param.span.range()).unwrap_or(""),
                "parameter",
            ));
        }
        for (name, keyword) in locate::bound_names(program, owner) {
            add(entry(
                &name.name,
                CompletionItemKind::VARIABLE,
                keyword,
                keyword,
            ));
        }
    }
    let main = program.main();
    let visible = std::iter::once(0).chain(main.imports.iter().filter_map(|&(_, t)| t));
    for module in visible {
        for (index, item) in program.modules[module as usize]
            .ast
            .items
            .iter()
            .enumerate()
        {
            let (Some(name), Some(kind)) = (item.kind.name(), definition_kind(&item.kind)) else {
                continue;
            };
            let id = DefId {
                module,
                item: index as u32,
            };
            let written = signature::of_definition(program, id).unwrap_or_default();
            let from = &program.modules[module as usize].name;
            add(entry(&name.name, kind, &written, from));
        }
    }
    for &builtin in Builtin::ALL {
        let mut item = entry(
            builtin.name(),
            CompletionItemKind::FUNCTION,
            &signature::of_builtin(builtin),
            signature::builtin_kind(builtin),
        );
        item.documentation = Some(Documentation::String(builtin.doc().to_string()));
        add(item);
    }
    for &metric in Metric::ALL {
        let mut item = entry(
            metric.name(),
            CompletionItemKind::CONSTANT,
            metric.name(),
            "metric",
        );
        item.documentation = Some(Documentation::String(metric.doc().to_string()));
        add(item);
    }
    for keyword in KEYWORDS {
        add(entry(
            keyword,
            CompletionItemKind::KEYWORD,
            keyword,
            "keyword",
        ));
    }
    let imported: HashSet<&str> = program.modules.iter().map(|m| m.name.as_str()).collect();
    for space in crate::space::stdlib_spaces() {
        let path = format!("stdlib/spaces/{space}.nas");
        let mut item = entry(&space, CompletionItemKind::MODULE, &path, "stdlib space");
        if !imported.contains(path.as_str()) {
            item.additional_text_edits = Some(vec![TextEdit::new(
                Range::default(),
                format!("import \"{path}\"\n"),
            )]);
        }
        add(item);
    }
    items
}

/// A completion of `label`, with `detail` (its signature) and `description` (where it is
/// from) beside it.
fn entry(label: &str, kind: CompletionItemKind, detail: &str, description: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        label_details: Some(CompletionItemLabelDetails {
            detail: None,
            description: Some(description.to_string()),
        }),
        ..Default::default()
    }
}

/// The completion kind of a definition (none for imports).
fn definition_kind(kind: &ItemKind) -> Option<CompletionItemKind> {
    Some(match kind {
        ItemKind::Import(_) => return None,
        ItemKind::Op(_) => CompletionItemKind::FUNCTION,
        ItemKind::Choice(_) => CompletionItemKind::ENUM,
        ItemKind::Cell(_) => CompletionItemKind::CLASS,
        ItemKind::Space(_) => CompletionItemKind::MODULE,
        ItemKind::Experiment(_) => CompletionItemKind::EVENT,
    })
}
