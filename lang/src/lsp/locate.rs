//! What is at a byte offset of a checked document: a name written there (a use, with what
//! the checker resolved it to, or the name of a definition, parameter or bound statement) or
//! an import's path, and the top-level item around it.

use crate::check::Program;
use crate::syntax::ast::{Expr, ExprKind, Ident, ItemKind, Ref, StmtKind};
use crate::syntax::Span;

/// A thing found at an offset of the main file, inside one of its items.
#[derive(Clone, Copy, Debug)]
pub enum Found<'p> {
    /// A name used in an expression, resolved (or not) by the checker.
    Use(&'p Ref),
    /// The name of the item.
    Definition,
    /// The name of the item's parameter `index`, where it is declared.
    Param {
        /// Which parameter.
        index: u32,
    },
    /// A name bound by statement `stmt` of the item's body (`input`, `node`, `let`).
    Bound {
        /// Which statement.
        stmt: u32,
        /// Which name of an `input` list (0 otherwise).
        index: u32,
    },
    /// The path of the `import` item.
    Import,
}

/// What is at `offset` of the main file, with its span and the index of the item around it.
/// A cursor just after a name (at its end) still finds it.
pub fn at(program: &Program, offset: u32) -> Option<(Found<'_>, Span, u32)> {
    let item_index = enclosing_item(program, offset)?;
    let item = &program.main().ast.items[item_index as usize];
    let on = |span: Span| span.start <= offset && offset <= span.end;
    let found = |what, span| Some((what, span, item_index));
    if let ItemKind::Import(import) = &item.kind {
        return on(import.path_span).then_some((Found::Import, import.path_span, item_index));
    }
    if let Some(name) = item.kind.name().filter(|name| on(name.span)) {
        return found(Found::Definition, name.span);
    }
    for (index, param) in item.kind.params().iter().enumerate() {
        if on(param.name.span) {
            let index = index as u32;
            return found(Found::Param { index }, param.name.span);
        }
    }
    let body = match &item.kind {
        ItemKind::Cell(def) => def.body.as_slice(),
        ItemKind::Space(def) => def.body.as_slice(),
        _ => &[],
    };
    for (stmt, statement) in body.iter().enumerate() {
        for (index, name) in statement.kind.bound_names().iter().enumerate() {
            if on(name.span) {
                let (stmt, index) = (stmt as u32, index as u32);
                return found(Found::Bound { stmt, index }, name.span);
            }
        }
    }
    let mut hit = None;
    item.kind.for_each_expr(|expr| {
        if hit.is_none() && on(expr.span) {
            hit = reference_at(expr, offset);
        }
    });
    hit.map(|reference| (Found::Use(reference), reference.name.span, item_index))
}

/// The index of the main file's item whose span holds `offset`.
pub fn enclosing_item(program: &Program, offset: u32) -> Option<u32> {
    program
        .main()
        .ast
        .items
        .iter()
        .position(|item| item.span.start <= offset && offset <= item.span.end)
        .map(|i| i as u32)
}

/// The reference whose name holds `offset`, searched without recursion (trees may be deep).
fn reference_at(root: &Expr, offset: u32) -> Option<&Ref> {
    let mut stack = vec![root];
    while let Some(expr) = stack.pop() {
        if let ExprKind::Ref(reference) = &expr.kind {
            let name: &Ident = &reference.name;
            if name.span.start <= offset && offset <= name.span.end {
                return Some(reference);
            }
        }
        expr.for_each_child(|child| {
            if child.span.start <= offset && offset <= child.span.end {
                stack.push(child);
            }
        });
    }
    None
}

/// The names bound in the body of the main file's item `item`, each with its statement's
/// keyword.
pub fn bound_names(program: &Program, item: u32) -> Vec<(&Ident, &'static str)> {
    let body = match &program.main().ast.items[item as usize].kind {
        ItemKind::Cell(def) => def.body.as_slice(),
        ItemKind::Space(def) => def.body.as_slice(),
        _ => return Vec::new(),
    };
    body.iter()
        .flat_map(|stmt| {
            let keyword = statement_keyword(&stmt.kind);
            stmt.kind
                .bound_names()
                .iter()
                .map(move |name| (name, keyword))
        })
        .collect()
}

/// The keyword that introduces a statement.
pub fn statement_keyword(kind: &StmtKind) -> &'static str {
    match kind {
        StmtKind::Input(_) | StmtKind::InputShape(_) => "input",
        StmtKind::Node { .. } => "node",
        StmtKind::State(_) => "state",
        StmtKind::Next { .. } => "next",
        StmtKind::Output(_) => "output",
        StmtKind::Let { .. } => "let",
        StmtKind::Where(_) => "where",
        StmtKind::Network(_) => "network",
    }
}
