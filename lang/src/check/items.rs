//! Checks each item's structure: parameters, op and choice bodies, cell and space statements,
//! experiment entries. Expressions go through the [`Resolver`].

use super::fast_hash::{FastMap, FastSet};
use super::globals::{DefKind, Globals, ParamInfo};
use super::resolve::{Context, Local, Resolver};
use super::types::Ty;
use crate::syntax::ast::{
    CellDef, EntryValue, ExperimentDef, ExprKind, Item, ItemKind, Name, Param, Res, SpaceDef, Stmt,
    StmtKind,
};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::Diagnostic;

/// The keys an experiment understands.
pub const EXPERIMENT_KEYS: [&str; 10] = [
    "space",
    "data",
    "evaluate",
    "strategy",
    "budget",
    "objective",
    "workers",
    "seed",
    "where",
    "latency",
];
/// The names a `budget` entry understands.
pub const BUDGET_KEYS: [&str; 3] = ["trials", "time", "sim_time"];

/// Checks item `item_index` of module `module`.
pub fn check_item(
    globals: &Globals,
    module: u32,
    item: &mut Item,
    used_imports: &mut FastSet<(u32, u32)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let context = match &item.kind {
        ItemKind::Cell(_) => Context::Cell,
        ItemKind::Space(_) => Context::Space,
        ItemKind::Experiment(_) => Context::Experiment,
        _ => Context::Op,
    };
    let mut resolver = Resolver {
        globals,
        module,
        context,
        params: Vec::new(),
        locals: FastMap::default(),
        in_where: false,
        allow_space: false,
        used_imports,
        diagnostics,
    };
    match &mut item.kind {
        ItemKind::Import(_) => {}
        ItemKind::Op(def) => {
            check_params(&mut resolver, &mut def.params);
            resolver.expect(&mut def.body, Ty::Op, "an op's body");
        }
        ItemKind::Choice(def) => {
            check_params(&mut resolver, &mut def.params);
            let alternatives = match &def.body.kind {
                ExprKind::Alt(items) => items.len(),
                _ => 1,
            };
            if alternatives < 2 {
                resolver.diagnostics.push(
                    Diagnostic::error(
                        "choice-needs-alternatives",
                        format!("the choice `{}` has only one alternative", def.name.name),
                        def.body.span,
                        "one alternative",
                    )
                    .with_hint("list the alternatives with `|`, or define it with `op`"),
                );
            }
            let ty = resolver.check(&mut def.body);
            if ty.is_tensor() || matches!(ty, Ty::Shape | Ty::List) {
                resolver.diagnostics.push(Diagnostic::error(
                    "type-mismatch",
                    format!(
                        "a choice picks among ops or values, but this is {}",
                        super::resolve::article(ty)
                    ),
                    def.body.span,
                    "not choosable",
                ));
            }
        }
        ItemKind::Cell(def) => {
            check_params(&mut resolver, &mut def.params);
            check_cell(&mut resolver, def, item.span);
        }
        ItemKind::Space(def) => {
            check_params(&mut resolver, &mut def.params);
            check_space(&mut resolver, def, item.span);
        }
        ItemKind::Experiment(def) => check_experiment(&mut resolver, def, item.span),
    }
}

/// Checks parameter names (no duplicates) and defaults (their type; earlier parameters visible).
fn check_params(resolver: &mut Resolver<'_>, params: &mut [Param]) {
    let mut seen: FastMap<Name, crate::syntax::Span> = FastMap::default();
    for param in params.iter_mut() {
        if let Some(first) = seen.get(&param.name.name) {
            resolver.diagnostics.push(
                Diagnostic::error(
                    "duplicate-definition",
                    format!("the parameter `{}` is declared twice", param.name.name),
                    param.name.span,
                    "again here",
                )
                .with_label(*first, "first here"),
            );
        }
        seen.insert(param.name.name.clone(), param.name.span);
        let ty = Ty::of_param(param.ty.kind);
        if let Some(default) = &mut param.default {
            let name = &param.name.name;
            resolver.expect_with(default, ty, || format!("the default of `{name}`"));
        }
        resolver.params.push(ParamInfo {
            name: param.name.name.clone(),
            ty,
            has_default: param.default.is_some(),
        });
    }
}

/// Binds the names of a body's statements, reporting duplicates (also against parameters).
fn bind_locals(resolver: &mut Resolver<'_>, body: &[Stmt]) {
    let mut first_seen: FastMap<Name, crate::syntax::Span> = FastMap::default();
    for (s, stmt) in body.iter().enumerate() {
        for (index, name) in stmt.kind.bound_names().iter().enumerate() {
            let clash = first_seen.get(&name.name).copied().or_else(|| {
                resolver
                    .params
                    .iter()
                    .any(|p| p.name == name.name)
                    .then_some(name.span)
            });
            if let Some(first) = clash {
                let mut diagnostic = Diagnostic::error(
                    "duplicate-definition",
                    format!("`{}` is defined twice in this body", name.name),
                    name.span,
                    "defined again here",
                );
                diagnostic = if first == name.span {
                    diagnostic.with_note("a parameter has this name")
                } else {
                    diagnostic.with_label(first, "first defined here")
                };
                resolver
                    .diagnostics
                    .push(diagnostic.with_hint("give each node, input and let its own name"));
                continue;
            }
            first_seen.insert(name.name.clone(), name.span);
            let ty = match stmt.kind {
                StmtKind::Let { .. } => Ty::Error,
                _ => Ty::Tensor,
            };
            resolver.locals.insert(
                name.name.clone(),
                Local {
                    stmt: s as u32,
                    index: index as u32,
                    ty,
                },
            );
        }
    }
}

/// Checks the `let` statements in order, recording their types; a `let` may use earlier ones.
fn check_lets(resolver: &mut Resolver<'_>, body: &mut [Stmt]) {
    let pending: Vec<(Name, u32)> = body
        .iter()
        .enumerate()
        .filter_map(|(s, stmt)| match &stmt.kind {
            StmtKind::Let { name, .. } => Some((name.name.clone(), s as u32)),
            _ => None,
        })
        .collect();
    let saved = resolver.locals.clone();
    for (name, _) in &pending {
        resolver.locals.remove(name);
    }
    for (name, s) in pending {
        let StmtKind::Let { value, .. } = &mut body[s as usize].kind else {
            continue;
        };
        let ty = resolver.check(value);
        if ty.is_tensor() {
            resolver.diagnostics.push(
                Diagnostic::error(
                    "type-mismatch",
                    "`let` binds values and ops, not tensors",
                    value.span,
                    "a tensor",
                )
                .with_hint("use `node` for tensors"),
            );
        }
        if let Some(local) = saved.get(&name).filter(|l| l.stmt == s) {
            resolver.locals.insert(name, Local { ty, ..*local });
        }
    }
    for (name, local) in saved {
        resolver.locals.entry(name).or_insert(local);
    }
}

fn check_where(resolver: &mut Resolver<'_>, cond: &mut crate::syntax::ast::Expr) {
    resolver.in_where = true;
    resolver.expect(cond, Ty::Bool, "a constraint");
    resolver.in_where = false;
}

fn check_cell(resolver: &mut Resolver<'_>, def: &mut CellDef, span: crate::syntax::Span) {
    bind_locals(resolver, &def.body);
    check_lets(resolver, &mut def.body);
    let mut inputs = 0;
    let mut outputs = Vec::new();
    for stmt in def.body.iter_mut() {
        match &mut stmt.kind {
            StmtKind::Input(names) => inputs += names.len(),
            StmtKind::Node { value, name } => {
                resolver.expect_with(value, Ty::Tensor, || format!("the node `{}`", name.name));
            }
            StmtKind::Output(value) => {
                outputs.push(stmt.span);
                resolver.expect(value, Ty::Tensor, "a cell's output");
            }
            StmtKind::Next { value, state } => {
                resolver.expect_with(value, Ty::Tensor, || {
                    format!("the next value of `{}`", state.name)
                });
            }
            StmtKind::Where(cond) => check_where(resolver, cond),
            StmtKind::Let { .. } | StmtKind::State(_) => {}
            StmtKind::InputShape(_) | StmtKind::Network(_) => {}
        }
    }
    if inputs == 0 {
        resolver.diagnostics.push(
            Diagnostic::error(
                "cell-structure",
                format!("the cell `{}` has no input", def.name.name),
                span,
                "no `input`",
            )
            .with_hint("declare its inputs: `input x0` (or `input c0, c1` for two)"),
        );
    }
    match outputs.as_slice() {
        [] => resolver.diagnostics.push(
            Diagnostic::error(
                "cell-structure",
                format!("the cell `{}` has no output", def.name.name),
                span,
                "no `output`",
            )
            .with_hint("end it with `output node_name` or `output concat(..)`"),
        ),
        [_] => {}
        [first, rest @ ..] => {
            for extra in rest {
                resolver.diagnostics.push(
                    Diagnostic::error(
                        "cell-structure",
                        "a cell has exactly one output",
                        *extra,
                        "another output",
                    )
                    .with_label(*first, "first output")
                    .with_hint("combine results with `concat(..)` or `sum(..)`"),
                );
            }
        }
    }
}

fn check_space(resolver: &mut Resolver<'_>, def: &mut SpaceDef, span: crate::syntax::Span) {
    bind_locals(resolver, &def.body);
    check_lets(resolver, &mut def.body);
    let mut inputs = Vec::new();
    let mut networks = Vec::new();
    for stmt in def.body.iter_mut() {
        match &mut stmt.kind {
            StmtKind::InputShape(shape) => {
                inputs.push(stmt.span);
                resolver.expect(shape, Ty::Shape, "a space's input");
            }
            StmtKind::Network(network) => {
                networks.push(stmt.span);
                resolver.expect(network, Ty::Op, "a space's network");
            }
            StmtKind::Where(cond) => check_where(resolver, cond),
            _ => {}
        }
    }
    if let [first, rest @ ..] = inputs.as_slice() {
        for extra in rest {
            resolver.diagnostics.push(
                Diagnostic::error(
                    "space-structure",
                    "a space has at most one input shape",
                    *extra,
                    "another input",
                )
                .with_label(*first, "first input"),
            );
        }
    }
    match networks.as_slice() {
        [] => resolver.diagnostics.push(
            Diagnostic::error(
                "space-structure",
                format!("the space `{}` has no network", def.name.name),
                span,
                "empty",
            )
            .with_hint("write its network as one expression: `stem >> stages >> head`"),
        ),
        [_] => {}
        [first, rest @ ..] => {
            for extra in rest {
                resolver.diagnostics.push(
                    Diagnostic::error(
                        "space-structure",
                        "a space has one network expression",
                        *extra,
                        "a second one",
                    )
                    .with_label(*first, "the first")
                    .with_hint("join the parts with `>>`"),
                );
            }
        }
    }
}

fn check_experiment(
    resolver: &mut Resolver<'_>,
    def: &mut ExperimentDef,
    span: crate::syntax::Span,
) {
    let mut seen: FastMap<Name, crate::syntax::Span> = FastMap::default();
    for entry in def.entries.iter_mut() {
        let key = entry.key.name.clone();
        if !EXPERIMENT_KEYS.contains(&key.as_str()) {
            let mut diagnostic = Diagnostic::error(
                "unknown-entry",
                format!("experiments have no entry `{key}`"),
                entry.key.span,
                "unknown entry",
            )
            .with_note(format!("the entries are {}", EXPERIMENT_KEYS.join(", ")));
            if let Some(best) = did_you_mean(&key, EXPERIMENT_KEYS) {
                diagnostic = diagnostic.with_hint(format!("did you mean `{best}`?"));
            }
            resolver.diagnostics.push(diagnostic);
            continue;
        }
        if let Some(first) = seen.get(&key).filter(|_| key != "where") {
            resolver.diagnostics.push(
                Diagnostic::error(
                    "duplicate-definition",
                    format!("the entry `{key}` is given twice"),
                    entry.key.span,
                    "again",
                )
                .with_label(*first, "first here"),
            );
        }
        seen.insert(key.clone(), entry.key.span);
        match (&mut entry.value, key.as_str()) {
            (EntryValue::Objective(_), "objective") => {}
            (EntryValue::Objective(objectives), _) => resolver.diagnostics.push(Diagnostic::error(
                "type-mismatch",
                format!("`{key}` takes arguments, not an objective"),
                objectives[0].direction_span,
                "an objective",
            )),
            (EntryValue::Args(_), "objective") => resolver.diagnostics.push(
                Diagnostic::error(
                    "type-mismatch",
                    "`objective` needs a direction and a metric",
                    entry.span,
                    "here",
                )
                .with_hint("write `objective maximize valid_acc` or `objective minimize latency`"),
            ),
            (EntryValue::Args(args), "space") => {
                let [arg] = args.as_mut_slice() else {
                    resolver.diagnostics.push(Diagnostic::error(
                        "arity",
                        "`space` takes one space, e.g. `space nb201(c: 16)`",
                        entry.span,
                        "here",
                    ));
                    continue;
                };
                resolver.context = super::resolve::Context::Op;
                resolver.allow_space = true;
                let ty = resolver.check(&mut arg.value);
                resolver.allow_space = false;
                resolver.context = super::resolve::Context::Experiment;
                let is_space = match &arg.value.kind {
                    ExprKind::Ref(reference) => match reference.res {
                        Res::Def(id) => resolver.globals.defs[&id].kind == DefKind::Space,
                        _ => ty == Ty::Error,
                    },
                    _ => false,
                };
                if !is_space && ty != Ty::Error {
                    resolver.diagnostics.push(
                        Diagnostic::error(
                            "type-mismatch",
                            "`space` must name a space",
                            arg.value.span,
                            "not a space",
                        )
                        .with_hint("define one with `space name(..) { .. }`"),
                    );
                }
            }
            (EntryValue::Args(args), "budget") => {
                for arg in args.iter_mut() {
                    let Some(name) = &arg.name else {
                        resolver.diagnostics.push(
                            Diagnostic::error(
                                "arity",
                                "budget limits are named",
                                arg.span,
                                "unnamed",
                            )
                            .with_hint("write `budget trials: 200, time: 4h`"),
                        );
                        continue;
                    };
                    let expected = match name.name.as_str() {
                        "trials" => Ty::Int,
                        "time" | "sim_time" => Ty::Duration,
                        other => {
                            let mut diagnostic = Diagnostic::error(
                                "unknown-argument",
                                format!("budgets have no limit `{other}`"),
                                name.span,
                                "unknown",
                            )
                            .with_note(format!("the limits are {}", BUDGET_KEYS.join(", ")));
                            if let Some(best) = did_you_mean(other, BUDGET_KEYS) {
                                diagnostic =
                                    diagnostic.with_hint(format!("did you mean `{best}`?"));
                            }
                            resolver.diagnostics.push(diagnostic);
                            continue;
                        }
                    };
                    resolver.expect_with(&mut arg.value, expected, || {
                        format!("the budget `{}`", name.name)
                    });
                }
            }
            // `where params < 5M`: a metric of the network, read with the experiment.
            (EntryValue::Args(_), "where") => {}
            (EntryValue::Args(args), "seed") => {
                for arg in args.iter_mut() {
                    resolver.expect(&mut arg.value, Ty::Int, "a seed");
                }
            }
            (EntryValue::Args(args), "workers") => {
                for arg in args.iter_mut() {
                    resolver.expect(&mut arg.value, Ty::Int, "a number of workers");
                }
            }
            (EntryValue::Args(args), _) => {
                for arg in args.iter_mut() {
                    resolver.check(&mut arg.value);
                }
            }
        }
    }
    if !seen.contains_key("space") {
        resolver.diagnostics.push(
            Diagnostic::error(
                "missing-entry",
                format!("the experiment `{}` has no `space`", def.name.name),
                span,
                "no space",
            )
            .with_hint("add `space name(args)` naming the space to search"),
        );
    }
}
