//! The named states of a recurrent cell (`state h, c` and `next h = ..`): every `next` names a
//! declared state, once; every state is given its next value; a state is declared before any
//! statement reads it or gives it a value.

use super::fast_hash::FastMap;
use crate::syntax::ast::{CellDef, Expr, ExprKind, Name, Res, StmtKind};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, Span};

/// A declared state: its statement and span.
struct Declared {
    stmt: usize,
    span: Span,
    next: Option<Span>,
}

/// Checks the states of `cell`, appending problems to `diagnostics`.
pub fn check_states(cell: &CellDef, diagnostics: &mut Vec<Diagnostic>) {
    let mut states: FastMap<Name, Declared> = FastMap::default();
    let mut order: Vec<Name> = Vec::new();
    for (s, stmt) in cell.body.iter().enumerate() {
        if let StmtKind::State(names) = &stmt.kind {
            for name in names {
                if !states.contains_key(&name.name) {
                    order.push(name.name.clone());
                    states.insert(
                        name.name.clone(),
                        Declared {
                            stmt: s,
                            span: name.span,
                            next: None,
                        },
                    );
                }
            }
        }
    }
    let inputs: Vec<Span> = cell
        .body
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::Input(names) => Some(names.iter().map(|n| n.span)),
            _ => None,
        })
        .flatten()
        .collect();
    if let (Some(first), [_, second, ..]) = (order.first(), inputs.as_slice()) {
        diagnostics.push(
            Diagnostic::error(
                "state-inputs",
                format!(
                    "the cell `{}` has states and more than one input",
                    cell.name.name
                ),
                *second,
                "a second input",
            )
            .with_label(states[first].span, "a state")
            .with_hint(
                "a cell with states reads one input, the step's vector; carry the rest as states",
            ),
        );
    }
    for (s, stmt) in cell.body.iter().enumerate() {
        if let StmtKind::Next { state, .. } = &stmt.kind {
            let Some(declared) = states.get_mut(&state.name) else {
                let (diagnostic, meant) = undeclared(cell, state.name.as_str(), state.span, &order);
                diagnostics.push(diagnostic);
                // A misspelt `next` is the one error: its state is not also missing a value.
                if let Some(meant) = meant.and_then(|m| states.get_mut(m.as_str())) {
                    meant.next.get_or_insert(state.span);
                }
                continue;
            };
            if declared.stmt > s {
                diagnostics.push(early(
                    state.span,
                    &state.name,
                    declared.span,
                    "given a value",
                ));
            }
            match declared.next {
                Some(first) => diagnostics.push(
                    Diagnostic::error(
                        "duplicate-next",
                        format!("the state `{}` is given two next values", state.name),
                        state.span,
                        "again here",
                    )
                    .with_label(first, "first here")
                    .with_hint("a state takes one value per step: keep one `next`"),
                ),
                None => declared.next = Some(state.span),
            }
        }
        stmt.kind.for_each_expr(|value| {
            reads_before(cell, s, value, &states, diagnostics);
        });
    }
    for name in &order {
        let declared = &states[name];
        if declared.next.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "state-without-next",
                    format!("the state `{name}` is never given a next value"),
                    declared.span,
                    "declared here",
                )
                .with_hint(format!(
                    "give its value for the next step: `next {name} = node_name`"
                )),
            );
        }
    }
}

/// `next NAME` where `NAME` is no state of the cell, and the state it may have meant.
fn undeclared(
    cell: &CellDef,
    name: &str,
    span: Span,
    states: &[Name],
) -> (Diagnostic, Option<Name>) {
    let other = cell.body[..].iter().find_map(|stmt| match &stmt.kind {
        StmtKind::Input(names) if names.iter().any(|n| n.name == name) => Some("an input"),
        StmtKind::Node { name: n, .. } if n.name == name => Some("a node"),
        StmtKind::Let { name: n, .. } if n.name == name => Some("a `let`"),
        _ => None,
    });
    let listed = states
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (message, hint, meant) = match other {
        Some(kind) => (
            format!("`{name}` is {kind} of `{}`, not a state", cell.name.name),
            if states.is_empty() {
                "`next` gives a state its value for the next step; declare states with `state h`"
                    .to_string()
            } else {
                format!("`next` gives a state its value for the next step; the states are {listed}")
            },
            None,
        ),
        None => match did_you_mean(name, states.iter().map(Name::as_str)) {
            Some(close) => (
                format!("the cell `{}` declares no state `{name}`", cell.name.name),
                format!("did you mean `{close}`?"),
                Some(Name::from(close)),
            ),
            None => (
                format!("the cell `{}` declares no state `{name}`", cell.name.name),
                format!(
                    "declare it first: `state {name}` (read as its value after the previous step)"
                ),
                None,
            ),
        },
    };
    let diagnostic =
        Diagnostic::error("undeclared-state", message, span, "not a state").with_hint(hint);
    (diagnostic, meant)
}

fn early(span: Span, name: &Name, declared: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "state-order",
        format!("the state `{name}` is {what} before it is declared"),
        span,
        "used here",
    )
    .with_label(declared, "declared here")
    .with_hint("move the `state` line up, next to the cell's `input`")
}

/// Reports references in statement `s`'s `expr` to states declared after `s`.
fn reads_before(
    cell: &CellDef,
    s: usize,
    expr: &Expr,
    states: &FastMap<Name, Declared>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let ExprKind::Ref(reference) = &expr.kind {
        if let Res::Local { stmt, .. } = reference.res {
            let is_state = matches!(
                cell.body.get(stmt as usize).map(|t| &t.kind),
                Some(StmtKind::State(_))
            );
            if is_state && stmt as usize > s {
                if let Some(declared) = states.get(&reference.name.name) {
                    diagnostics.push(early(
                        reference.name.span,
                        &reference.name.name,
                        declared.span,
                        "read",
                    ));
                }
            }
        }
    }
    expr.for_each_child(|child| reads_before(cell, s, child, states, diagnostics));
}
