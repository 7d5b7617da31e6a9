//! Hover: what the name under the cursor is (a definition with its parameters and file, a
//! built-in with its parameters and doc, a parameter, a bound name, a metric), the shape
//! the checker inferred after the network stage under the cursor, and for a space the exact
//! number of its architectures, counted on the space IR as `nas count` does.

use super::document::Document;
use super::locate::{self, Found};
use super::signature;
use crate::check::Program;
use crate::syntax::ast::{DefId, ItemKind, Res, StmtKind};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

/// The hover text at `position` of `doc`, if something is there.
pub fn at(doc: &Document, position: Position) -> Option<Hover> {
    let offset = u32::try_from(doc.lines.offset(&doc.text, position)).ok()?;
    let program = &doc.program;
    let (found, span, item) = locate::at(program, offset)?;
    let mut parts = describe(program, found, item)?;
    parts.extend(shapes(program, offset));
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n"),
        }),
        range: Some(
            doc.lines
                .range(&doc.text, span.start as usize, span.end as usize),
        ),
    })
}

/// The paragraphs that say what `found` (inside the main file's item `item`) is.
fn describe(program: &Program, found: Found<'_>, item: u32) -> Option<Vec<String>> {
    let main = program.main();
    let here = DefId { module: 0, item };
    Some(match found {
        Found::Use(reference) => match reference.res {
            Res::Def(id) => definition(program, id),
            Res::Builtin(builtin) => vec![
                code(&signature::of_builtin(builtin)),
                format!("{}: {}", signature::builtin_kind(builtin), builtin.doc()),
            ],
            Res::Param(index) => parameter(program, here, index),
            Res::Local { stmt, index } => bound(program, item, stmt, index),
            Res::Metric(metric) => vec![
                code(metric.name()),
                format!("metric usable in `where`: {}", metric.doc()),
            ],
            Res::External => vec![
                code(&reference.name.name),
                "experiment setting, read when the experiment runs".to_string(),
            ],
            Res::Unresolved => vec![
                code(&reference.name.name),
                "not resolved (see the diagnostics)".to_string(),
            ],
        },
        Found::Definition => definition(program, here),
        Found::Param { index, .. } => parameter(program, here, index),
        Found::Bound { stmt, index, .. } => bound(program, item, stmt, index),
        Found::Import => {
            let target = main
                .imports
                .iter()
                .find(|(i, _)| *i == item)
                .and_then(|&(_, target)| target)?;
            let module = &program.modules[target as usize];
            let names: Vec<&str> = module
                .ast
                .items
                .iter()
                .filter_map(|i| i.kind.name().map(|n| n.name.as_str()))
                .collect();
            vec![
                code(&format!("import \"{}\"", module.name)),
                format!("defines {}", names.join(", ")),
            ]
        }
    })
}

/// A definition's signature and file; for a space, its number of architectures.
fn definition(program: &Program, id: DefId) -> Vec<String> {
    let Some(written) = signature::of_definition(program, id) else {
        return Vec::new();
    };
    let module = &program.modules[id.module as usize];
    let mut parts = vec![code(&written), format!("defined in `{}`", module.name)];
    if let Some(ItemKind::Space(def)) = program.item(id).map(|item| &item.kind) {
        parts.push(count(program, id, &def.name.name));
    }
    parts
}

/// The number of architectures of the space `name` (defined at `id`), or why it is not known.
fn count(program: &Program, id: DefId, name: &str) -> String {
    if program.has_errors() {
        return "architectures: not counted while the file has errors".to_string();
    }
    if program.lookup(name) != Some(id) {
        return format!("architectures: not counted (`{name}` names another definition here)");
    }
    match crate::space::lower_space(program, name).map(|space| space.count()) {
        Ok(Ok(n)) => format!("**{n}** architectures (with the parameters' defaults)"),
        Ok(Err(e)) => format!("architectures: not counted ({e})"),
        Err(d) => format!("architectures: not counted ({})", d.message),
    }
}

/// Parameter `index` of the definition `owner`.
fn parameter(program: &Program, owner: DefId, index: u32) -> Vec<String> {
    let Some(item) = program.item(owner) else {
        return Vec::new();
    };
    let Some(param) = item.kind.params().get(index as usize) else {
        return Vec::new();
    };
    let text = program
        .sources
        .get(program.modules[owner.module as usize].file)
        .and_then(|f| f.text.get(param.span.range()))
        .unwrap_or(&param.name.name);
    let owner_name = item.kind.name().map_or("", |n| n.name.as_str());
    vec![
        code(text),
        format!("parameter of {} `{owner_name}`", item.kind.keyword()),
    ]
}

/// The name `index` bound by statement `stmt` of the main file's item `item`.
fn bound(program: &Program, item: u32, stmt: u32, index: u32) -> Vec<String> {
    let main = program.main();
    let owner = &main.ast.items[item as usize];
    let body = match &owner.kind {
        ItemKind::Cell(def) => &def.body,
        ItemKind::Space(def) => &def.body,
        _ => return Vec::new(),
    };
    let Some(statement) = body.get(stmt as usize) else {
        return Vec::new();
    };
    let text = program
        .sources
        .get(main.file)
        .and_then(|f| f.text.get(statement.span.range()))
        .unwrap_or("");
    let first_line = text.lines().next().unwrap_or("");
    let what = match &statement.kind {
        StmtKind::Input(names) if names.len() > 1 => format!("input {} of", index + 1),
        StmtKind::Input(_) => "input of".to_string(),
        StmtKind::State(_) => {
            "state (its value after the previous step; `next` gives the new one) of".to_string()
        }
        StmtKind::Node { .. } => "node of".to_string(),
        StmtKind::Let { .. } => "`let` of (one value or decision shared by its uses)".to_string(),
        _ => "bound in".to_string(),
    };
    let owner_name = owner.kind.name().map_or("", |n| n.name.as_str());
    vec![
        code(first_line),
        format!("{what} {} `{owner_name}`", owner.kind.keyword()),
    ]
}

/// The shapes inferred after the network stage around `offset`, one line per checked
/// instance of its space.
fn shapes(program: &Program, offset: u32) -> Option<String> {
    let file = program.main().file;
    let lines: Vec<String> = program
        .traces
        .iter()
        .filter_map(|trace| {
            let (_, shape) = trace.stages.iter().find(|(span, _)| {
                span.file == file && span.start <= offset && offset <= span.end
            })?;
            Some(format!("- `{shape}` {}", trace.context))
        })
        .collect();
    (!lines.is_empty()).then(|| format!("shape after this stage:\n{}", lines.join("\n")))
}

/// `text` as a `nas` code block.
fn code(text: &str) -> String {
    format!("```nas\n{text}\n```")
}
