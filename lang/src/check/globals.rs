//! The program-wide tables the checker builds first: every definition's kind, name and
//! parameters, and what each module can see (its own definitions and its imports').

use super::fast_hash::FastMap;
use super::load::Module;
use super::types::Ty;
use crate::syntax::ast::{DefId, ExprKind, ItemKind, Lit, Name};
use crate::syntax::builtin::Builtin;
use crate::syntax::{Diagnostic, Span};

/// What kind of definition an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    /// `op`
    Op,
    /// `choice`
    Choice,
    /// `cell`
    Cell,
    /// `space`
    Space,
    /// `experiment`
    Experiment,
}

impl DefKind {
    /// The keyword.
    pub fn word(self) -> &'static str {
        match self {
            DefKind::Op => "op",
            DefKind::Choice => "choice",
            DefKind::Cell => "cell",
            DefKind::Space => "space",
            DefKind::Experiment => "experiment",
        }
    }
}

/// A parameter as callers see it.
#[derive(Clone, Debug)]
pub struct ParamInfo {
    /// Its name.
    pub name: Name,
    /// Its type.
    pub ty: Ty,
    /// Whether callers may omit it.
    pub has_default: bool,
}

/// A definition as callers see it.
#[derive(Clone, Debug)]
pub struct DefInfo {
    /// Its kind.
    pub kind: DefKind,
    /// Where its name is written.
    pub span: Span,
    /// Its parameters.
    pub params: Vec<ParamInfo>,
    /// The type a use of it has: `op` for ops and cells, the value type for value choices.
    pub ty: Ty,
}

/// The definitions of a program, indexed by module and item (no hashing: every resolved
/// name looks its definition up here). `table[&id]` panics when `id` has no definition.
#[derive(Debug, Default)]
pub struct DefTable {
    modules: Vec<Vec<Option<DefInfo>>>,
}

impl DefTable {
    /// The definition `id`, if there is one.
    pub fn get(&self, id: &DefId) -> Option<&DefInfo> {
        self.modules
            .get(id.module as usize)?
            .get(id.item as usize)?
            .as_ref()
    }

    /// Records the definition `id`.
    fn insert(&mut self, id: DefId, info: DefInfo) {
        let (module, item) = (id.module as usize, id.item as usize);
        if self.modules.len() <= module {
            self.modules.resize_with(module + 1, Vec::new);
        }
        let items = &mut self.modules[module];
        if items.len() <= item {
            items.resize_with(item + 1, || None);
        }
        items[item] = Some(info);
    }
}

impl std::ops::Index<&DefId> for DefTable {
    type Output = DefInfo;

    fn index(&self, id: &DefId) -> &DefInfo {
        self.get(id).expect("a definition the name tables point to")
    }
}

/// Every definition of the program and every module's view of the names.
#[derive(Debug, Default)]
pub struct Globals {
    /// Definitions by id.
    pub defs: DefTable,
    /// Per module: its own definitions by name.
    pub own: Vec<FastMap<Name, DefId>>,
    /// Per module: its imports as (import item index, imported module).
    pub imports: Vec<Vec<(u32, u32)>>,
    /// The parameters of each built-in, as callers see them.
    builtin_params: FastMap<Builtin, Vec<ParamInfo>>,
}

/// The type of a `choice` judged from its first alternative: a value type for value choices,
/// `op` otherwise.
fn choice_type(body: &crate::syntax::ast::Expr) -> Ty {
    let first = match &body.kind {
        ExprKind::Alt(items) => items.first().unwrap_or(body),
        _ => body,
    };
    match &first.kind {
        ExprKind::Lit(Lit::Int { .. }) | ExprKind::Range { .. } | ExprKind::Neg(_) => Ty::Int,
        ExprKind::Lit(Lit::Float { .. }) => Ty::Float,
        ExprKind::Lit(Lit::Bool(_)) => Ty::Bool,
        ExprKind::Lit(Lit::Str(_)) => Ty::Str,
        ExprKind::Lit(Lit::Duration { .. }) => Ty::Duration,
        _ => Ty::Op,
    }
}

impl Globals {
    /// Builds the tables, reporting duplicate definitions and clashes with built-ins.
    pub fn build(modules: &[Module], diagnostics: &mut Vec<Diagnostic>) -> Globals {
        let mut globals = Globals::default();
        for &builtin in Builtin::ALL {
            let params = super::builtins::params(builtin)
                .iter()
                .map(|p| ParamInfo {
                    name: p.name.into(),
                    ty: Ty::of_param(p.ty),
                    has_default: p.default.is_some() || p.optional,
                })
                .collect();
            globals.builtin_params.insert(builtin, params);
        }
        globals.defs.modules = modules
            .iter()
            .map(|m| (0..m.ast.items.len()).map(|_| None).collect())
            .collect();
        for (m, module) in modules.iter().enumerate() {
            let mut own: FastMap<Name, DefId> = FastMap::default();
            own.reserve(module.ast.items.len());
            for (i, item) in module.ast.items.iter().enumerate() {
                let Some(name) = item.kind.name() else {
                    continue;
                };
                let (kind, ty) = match &item.kind {
                    ItemKind::Op(_) => (DefKind::Op, Ty::Op),
                    ItemKind::Choice(def) => (DefKind::Choice, choice_type(&def.body)),
                    ItemKind::Cell(_) => (DefKind::Cell, Ty::Op),
                    ItemKind::Space(_) => (DefKind::Space, Ty::Op),
                    ItemKind::Experiment(_) => (DefKind::Experiment, Ty::Error),
                    ItemKind::Import(_) => continue,
                };
                if Builtin::from_name(&name.name).is_some() {
                    diagnostics.push(
                        Diagnostic::error(
                            "duplicate-definition",
                            format!("`{}` is a built-in and cannot be redefined", name.name),
                            name.span,
                            "defined here",
                        )
                        .with_hint("choose another name"),
                    );
                    continue;
                }
                let id = DefId {
                    module: m as u32,
                    item: i as u32,
                };
                if let Some(first) = own.get(&name.name) {
                    let first_span = globals.defs[first].span;
                    diagnostics.push(
                        Diagnostic::error(
                            "duplicate-definition",
                            format!("`{}` is defined twice", name.name),
                            name.span,
                            "defined again here",
                        )
                        .with_label(first_span, "first defined here")
                        .with_hint("rename one of them"),
                    );
                    continue;
                }
                let params = item
                    .kind
                    .params()
                    .iter()
                    .map(|param| ParamInfo {
                        name: param.name.name.clone(),
                        ty: Ty::of_param(param.ty.kind),
                        has_default: param.default.is_some(),
                    })
                    .collect();
                own.insert(name.name.clone(), id);
                globals.defs.insert(
                    id,
                    DefInfo {
                        kind,
                        span: name.span,
                        params,
                        ty,
                    },
                );
            }
            globals.own.push(own);
            globals.imports.push(
                module
                    .imports
                    .iter()
                    .filter_map(|&(item, target)| target.map(|t| (item, t)))
                    .collect(),
            );
        }
        globals
    }

    /// Looks `name` up in module `module`: its own definitions first, then its imports'.
    /// Returns the definition and, when found through an import, that import's item index.
    /// Several imports defining the same name yield all of them (the caller reports it).
    pub fn lookup(&self, module: u32, name: &str) -> Vec<(DefId, Option<u32>)> {
        if let Some(&id) = self.own[module as usize].get(name) {
            return vec![(id, None)];
        }
        let mut found: Vec<(DefId, Option<u32>)> = Vec::new();
        for &(item, target) in &self.imports[module as usize] {
            if let Some(&id) = self.own[target as usize].get(name) {
                if !found.iter().any(|(other, _)| *other == id) {
                    found.push((id, Some(item)));
                }
            }
        }
        found
    }

    /// The definition called `name` in module `module` itself (not through its imports).
    pub fn own_def(&self, module: u32, name: &str) -> Option<DefId> {
        self.own.get(module as usize)?.get(name).copied()
    }

    /// The parameters of `builtin`.
    pub fn builtin_params(&self, builtin: Builtin) -> &[ParamInfo] {
        self.builtin_params.get(&builtin).map_or(&[], Vec::as_slice)
    }

    /// All names visible in `module` (for suggestions).
    pub fn visible_names(&self, module: u32) -> Vec<&str> {
        let mut names: Vec<&str> = self.own[module as usize].keys().map(Name::as_str).collect();
        for &(_, target) in &self.imports[module as usize] {
            names.extend(self.own[target as usize].keys().map(Name::as_str));
        }
        names
    }
}
