//! Go to definition: a name used in the main file leads to the definition it resolved to,
//! in this file, an imported one or the stdlib; a parameter or bound name to where it is
//! declared; an import's path to the file it loads.

use super::diagnostics::location;
use super::document::{module_path, Document};
use super::locate::{self, Found};
use super::uri::from_path;
use crate::syntax::ast::{DefId, ItemKind, Res};
use crate::syntax::Span;
use lsp_types::{Location, Position, Range};

/// Where what is at `position` of `doc` is defined.
pub fn at(doc: &Document, position: Position) -> Option<Location> {
    let offset = u32::try_from(doc.lines.offset(&doc.text, position)).ok()?;
    let program = &doc.program;
    let (found, _, item) = locate::at(program, offset)?;
    let here = DefId { module: 0, item };
    let span = match found {
        Found::Use(reference) => match reference.res {
            Res::Def(id) => definition_name(doc, id)?,
            Res::Param(index) => param_name(doc, here, index)?,
            Res::Local { stmt, index } => bound_name(doc, item, stmt, index)?,
            _ => return None,
        },
        Found::Definition | Found::Param { .. } | Found::Bound { .. } => return None,
        Found::Import => {
            let target = program
                .main()
                .imports
                .iter()
                .find(|(i, _)| *i == item)
                .and_then(|&(_, target)| target)?;
            let path = module_path(&program.modules[target as usize].name);
            return Some(Location::new(from_path(&path)?, Range::default()));
        }
    };
    location(doc, span)
}

fn definition_name(doc: &Document, id: DefId) -> Option<Span> {
    doc.program.item(id)?.kind.name().map(|name| name.span)
}

fn param_name(doc: &Document, owner: DefId, index: u32) -> Option<Span> {
    let item = doc.program.item(owner)?;
    Some(item.kind.params().get(index as usize)?.name.span)
}

fn bound_name(doc: &Document, item: u32, stmt: u32, index: u32) -> Option<Span> {
    let body = match &doc.program.main().ast.items.get(item as usize)?.kind {
        ItemKind::Cell(def) => &def.body,
        ItemKind::Space(def) => &def.body,
        _ => return None,
    };
    let statement = body.get(stmt as usize)?;
    Some(statement.kind.bound_names().get(index as usize)?.span)
}
