//! Name resolution, types and shape inference over whole programs.
//!
//! # Walking a checked program
//!
//! [`check_file`] (or [`check_source`] / [`check_sources`] for in-memory text) loads a file
//! with its imports and returns a [`Program`]. If [`Program::has_errors`] is false:
//!
//! * `program.modules[0]` is the main file; `program.modules[i].ast` is its
//!   [`crate::syntax::ast::File`]. Imported files follow (breadth-first).
//! * Every [`crate::syntax::ast::Ref`] in every tree has its `res` filled in:
//!   [`Res::Def`] points at a top-level item (`program.item(def_id)`), [`Res::Param`] at the
//!   enclosing definition's parameter by index, [`Res::Local`] at a statement of the
//!   enclosing cell/space body (`body[stmt]`, and for `input a, b` the name's `index`),
//!   [`Res::Builtin`] at a built-in op/combinator/shape, [`Res::Metric`] at a `where` metric,
//!   and [`Res::External`] marks experiment settings (data sets, evaluators, strategies).
//! * `op * n` products have become [`crate::syntax::ast::ExprKind::Repeat`] (mode
//!   `Shared`); `* n independent` is `Independent`. A `Binary { op: Mul }` left in a checked
//!   tree is arithmetic.
//! * Semantics the lowering relies on: each `Alt` (`a | b`), `Range` and `Pick` written in
//!   an op/choice/cell body is one decision per use of that definition; a `let` binds one
//!   decision shared by all its uses; a cell's decisions are shared by all its instances
//!   in a space unless a repetition says `independent`; in a pipeline, a cell with k inputs
//!   receives the outputs of the k previous stages (older ones aligned to the newest one's
//!   spatial size).
//!
//! Names are never resolved again: match on `res`. [`Program::lookup`] finds a top-level
//! name as the main file sees it, [`Program::traces`] holds the inferred shapes per space.

pub mod builtins;
mod cells;
mod dump;
mod fast_hash;
mod globals;
mod infer;
mod items;
mod load;
mod recursion;
mod resolve;
mod shape;
mod states;
mod types;
mod when;

pub use dump::dump;
pub use globals::DefKind;
pub use infer::ShapeTrace;
pub use load::{join_relative, FsLoader, Loaded, Loader, MemLoader, Module};
pub use shape::{size_diagnostic, size_op, Dim, Shape};
pub use types::Ty;

use crate::syntax::ast::{DefId, Item, ItemKind, Res};
use crate::syntax::{Diagnostic, SourceMap};
use fast_hash::FastSet;
use std::collections::HashSet;
use std::path::Path;

/// A loaded and checked program.
#[derive(Debug)]
pub struct Program {
    /// Every file's text, for rendering diagnostics.
    pub sources: SourceMap,
    /// The main file (index 0) and the files it imports.
    pub modules: Vec<Module>,
    /// All problems, sorted by file and position, without duplicates.
    pub diagnostics: Vec<Diagnostic>,
    /// Inferred shapes of each checked space instance (empty when names or types failed).
    pub traces: Vec<ShapeTrace>,
}

impl Program {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Renders every diagnostic (plain text unless `color`).
    pub fn render_diagnostics(&self, color: bool) -> String {
        crate::syntax::diagnostic::render_all(&self.diagnostics, &self.sources, color)
    }

    /// The main file.
    pub fn main(&self) -> &Module {
        &self.modules[0]
    }

    /// The item `id` points at.
    pub fn item(&self, id: DefId) -> Option<&Item> {
        self.modules
            .get(id.module as usize)?
            .ast
            .items
            .get(id.item as usize)
    }

    /// The definition called `name` as the main file sees it (its own, then its imports').
    pub fn lookup(&self, name: &str) -> Option<DefId> {
        let named = |module: u32| {
            self.modules[module as usize]
                .ast
                .items
                .iter()
                .position(|item| {
                    item.kind.name().is_some_and(|n| n.name == name)
                        && !matches!(item.kind, ItemKind::Import(_))
                })
                .map(|item| DefId {
                    module,
                    item: item as u32,
                })
        };
        named(0).or_else(|| {
            self.modules[0]
                .imports
                .iter()
                .filter_map(|&(_, target)| target)
                .find_map(named)
        })
    }

    /// The kind of definition `id` is.
    pub fn def_kind(&self, id: DefId) -> Option<DefKind> {
        Some(match &self.item(id)?.kind {
            ItemKind::Op(_) => DefKind::Op,
            ItemKind::Choice(_) => DefKind::Choice,
            ItemKind::Cell(_) => DefKind::Cell,
            ItemKind::Space(_) => DefKind::Space,
            ItemKind::Experiment(_) => DefKind::Experiment,
            ItemKind::Import(_) => return None,
        })
    }
}

/// Loads `path` and its imports from disk and checks them. Fails only when `path` itself
/// cannot be read; every other problem is a diagnostic.
pub fn check_file(path: &Path) -> std::io::Result<Program> {
    let text = std::fs::read_to_string(path)?;
    Ok(check_with_loader(
        &path.to_string_lossy(),
        &text,
        &mut FsLoader,
    ))
}

/// Checks `text` as a file called `name`. Imports resolve only to `stdlib/...` (read from the
/// stdlib folder); use [`check_sources`] to supply other imported files.
pub fn check_source(name: &str, text: &str) -> Program {
    check_with_loader(name, text, &mut MemLoader::default())
}

/// Checks the file `main` of the in-memory set `files` (name, text); imports resolve within
/// the set, and `stdlib/...` falls back to the stdlib folder.
pub fn check_sources(main: &str, files: &[(&str, &str)]) -> Program {
    let mut loader = MemLoader {
        files: files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
    };
    let text = loader.files.get(main).cloned().unwrap_or_default();
    check_with_loader(main, &text, &mut loader)
}

/// Checks `text` (called `name`) with imports read through `loader`.
pub fn check_with_loader(name: &str, text: &str, loader: &mut dyn Loader) -> Program {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut modules = load::load_program(name, text, loader, &mut sources, &mut diagnostics);
    let globals = globals::Globals::build(&modules, &mut diagnostics);
    let mut used_imports: FastSet<(u32, u32)> = FastSet::default();
    for (m, module) in modules.iter_mut().enumerate() {
        for item in module.ast.items.iter_mut() {
            items::check_item(
                &globals,
                m as u32,
                item,
                &mut used_imports,
                &mut diagnostics,
            );
        }
    }
    for (m, module) in modules.iter().enumerate() {
        // A name that did not resolve may have been meant to come from an import: saying
        // that the import is unused would blame the wrong line.
        let unresolved = diagnostics.iter().any(|d| {
            d.code == "unknown-name" && d.primary_span().is_some_and(|s| s.file == module.file)
        });
        for &(item, target) in &module.imports {
            if target.is_some() && !unresolved && !used_imports.contains(&(m as u32, item)) {
                if let ItemKind::Import(import) = &module.ast.items[item as usize].kind {
                    diagnostics.push(
                        Diagnostic::warning(
                            "unused-import",
                            format!("nothing from `{}` is used", import.path),
                            module.ast.items[item as usize].span,
                            "unused import",
                        )
                        .with_hint("remove this import"),
                    );
                }
            }
        }
        for item in &module.ast.items {
            if let ItemKind::Cell(cell) = &item.kind {
                cells::check_dag(cell, &mut diagnostics);
                states::check_states(cell, &mut diagnostics);
            }
        }
    }
    let recursive = recursion::find_recursive(&modules, &mut diagnostics);
    let mut traces = Vec::new();
    if !diagnostics.iter().any(Diagnostic::is_error) {
        let mut infer = infer::Infer::new(&modules, &recursive);
        for m in 0..modules.len() {
            infer.check_definitions(m as u32);
        }
        traces = std::mem::take(&mut infer.traces);
        diagnostics.append(&mut infer.diagnostics);
        if !diagnostics.iter().any(Diagnostic::is_error) {
            // A mismatch only some decision values reach, named with those values.
            let found = infer::split::decision_errors(&modules, &recursive, 0, &sources);
            diagnostics.extend(found);
        }
    }
    let mut program = Program {
        sources,
        modules,
        diagnostics,
        traces,
    };
    if !program.has_errors() {
        // What the checker accepts must lower: each space of the main file is lowered to
        // the space IR as `count`, `sample` and the compiler will (see `crate::space::verify`).
        let mut found = crate::space::verify(&program);
        program.diagnostics.append(&mut found);
    }
    crate::experiment::check(&mut program);
    let mut seen = HashSet::new();
    program
        .diagnostics
        .retain(|d| seen.insert((d.code, d.primary_span(), d.message.clone())));
    program
        .diagnostics
        .sort_by_key(|d| (d.primary_span(), d.severity));
    program
}

/// A short description of what `res` refers to, for dumps and tools.
pub fn describe_res(program: &Program, res: Res) -> String {
    match res {
        Res::Unresolved => "unresolved".to_string(),
        Res::Builtin(builtin) => format!("builtin {}", builtin.name()),
        Res::Def(id) => match program.item(id) {
            Some(item) => format!(
                "{} {} ({})",
                item.kind.keyword(),
                item.kind.name().map_or("?", |n| n.name.as_str()),
                program.modules[id.module as usize].name
            ),
            None => "missing definition".to_string(),
        },
        Res::Param(index) => format!("param {index}"),
        Res::Local { stmt, index } => format!("local stmt {stmt} #{index}"),
        Res::Metric(metric) => format!("metric {}", metric.name()),
        Res::External => "external".to_string(),
    }
}

#[cfg(test)]
mod tests;
