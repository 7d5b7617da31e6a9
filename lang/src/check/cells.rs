//! Structural checks of cells as DAGs: cycles between nodes, nodes that never reach the
//! output (or a state's next value), and inputs, states and `let`s that are never used.

use super::fast_hash::FastSet;
use crate::syntax::ast::{CellDef, Expr, ExprKind, Res, StmtKind};
use crate::syntax::{Diagnostic, Span};

/// Collects the body statements referenced by `expr` (with the reference's span), and the
/// `(stmt, index)` of every input name used.
fn local_refs(expr: &Expr, out: &mut Vec<(u32, Span)>, inputs: &mut FastSet<(u32, u32)>) {
    if let ExprKind::Ref(reference) = &expr.kind {
        if let Res::Local { stmt, index } = reference.res {
            out.push((stmt, reference.name.span));
            inputs.insert((stmt, index));
        }
    }
    expr.for_each_child(|child| local_refs(child, out, inputs));
}

/// Checks the DAG of `cell`, appending problems to `diagnostics`.
pub fn check_dag(cell: &CellDef, diagnostics: &mut Vec<Diagnostic>) {
    let count = cell.body.len();
    let mut deps: Vec<Vec<(u32, Span)>> = vec![Vec::new(); count];
    let mut used_names: Vec<FastSet<(u32, u32)>> = vec![FastSet::default(); count];
    for (s, stmt) in cell.body.iter().enumerate() {
        if let StmtKind::Node { value, .. }
        | StmtKind::Output(value)
        | StmtKind::Next { value, .. } = &stmt.kind
        {
            local_refs(value, &mut deps[s], &mut used_names[s]);
        }
    }
    let is_node = |s: usize| matches!(cell.body[s].kind, StmtKind::Node { .. });
    report_cycles(cell, &deps, &is_node, diagnostics);

    let mut reached = vec![false; count];
    let mut stack: Vec<usize> = (0..count)
        .filter(|&s| {
            matches!(
                cell.body[s].kind,
                StmtKind::Output(_) | StmtKind::Next { .. }
            )
        })
        .collect();
    while let Some(s) = stack.pop() {
        if std::mem::replace(&mut reached[s], true) {
            continue;
        }
        stack.extend(
            deps[s]
                .iter()
                .map(|&(d, _)| d as usize)
                .filter(|&d| !reached[d]),
        );
    }
    let has_output = cell
        .body
        .iter()
        .any(|stmt| matches!(stmt.kind, StmtKind::Output(_)));
    report_unused_lets(cell, diagnostics);
    for (s, stmt) in cell.body.iter().enumerate() {
        match &stmt.kind {
            StmtKind::Node { name, .. } if has_output && !reached[s] => diagnostics.push(
                Diagnostic::error(
                    "unreachable-node",
                    format!("the node `{}` never reaches the cell's output", name.name),
                    name.span,
                    "computed but never used",
                )
                .with_hint("use it in a later node, in `output` or in a `next`, or remove it"),
            ),
            StmtKind::Input(names) | StmtKind::State(names) if has_output => {
                let state = matches!(stmt.kind, StmtKind::State(_));
                let used: FastSet<(u32, u32)> = (0..count)
                    .filter(|&user| reached[user])
                    .flat_map(|user| used_names[user].iter().copied())
                    .collect();
                for (index, name) in names.iter().enumerate() {
                    if used.contains(&(s as u32, index as u32)) {
                        continue;
                    }
                    let (what, hint) = if state {
                        (
                            "state",
                            "a state no node reads carries nothing; remove it if not needed",
                        )
                    } else {
                        ("input", "a cell's inputs are the outputs of the previous stages; remove it if not needed")
                    };
                    diagnostics.push(
                        Diagnostic::warning(
                            "unused-input",
                            format!("the {what} `{}` is never used", name.name),
                            name.span,
                            "unused",
                        )
                        .with_hint(hint),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Warns about each `let` of the cell that no statement reads: a `let` of alternatives is a
/// decision of every architecture, so an unused one multiplies the space's count by its
/// values while the networks stay the same.
fn report_unused_lets(cell: &CellDef, diagnostics: &mut Vec<Diagnostic>) {
    let mut refs = Vec::new();
    let mut names = FastSet::default();
    for stmt in &cell.body {
        if let StmtKind::Node { value, .. }
        | StmtKind::Output(value)
        | StmtKind::Next { value, .. }
        | StmtKind::Let { value, .. }
        | StmtKind::Where(value) = &stmt.kind
        {
            local_refs(value, &mut refs, &mut names);
        }
    }
    for (s, stmt) in cell.body.iter().enumerate() {
        if let StmtKind::Let { name, .. } = &stmt.kind {
            if !refs.iter().any(|&(r, _)| r as usize == s) {
                diagnostics.push(
                    Diagnostic::warning(
                        "unused-let",
                        format!("`{}` is never used", name.name),
                        name.span,
                        "unused",
                    )
                    .with_hint("a `let` of alternatives is a decision of every architecture: unused, it multiplies the space's count with no change to the networks; use it or remove it"),
                );
            }
        }
    }
}

/// Reports each cycle among nodes once, at the first node (in source order) on it.
fn report_cycles(
    cell: &CellDef,
    deps: &[Vec<(u32, Span)>],
    is_node: &dyn Fn(usize) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; deps.len()];
    for root in 0..deps.len() {
        if state[root] != 0 || !is_node(root) {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(top) = path.len().checked_sub(1) {
            let (s, next) = path[top];
            if let Some(&(d, _)) = deps[s].get(next) {
                path[top].1 += 1;
                let d = d as usize;
                match state[d] {
                    0 if is_node(d) => {
                        state[d] = 1;
                        path.push((d, 0));
                    }
                    1 => {
                        let start = path.iter().position(|&(p, _)| p == d).unwrap_or(0);
                        let cycle: Vec<usize> = path[start..].iter().map(|&(p, _)| p).collect();
                        diagnostics.push(cycle_diagnostic(cell, &cycle, deps));
                    }
                    _ => {}
                }
            } else {
                state[s] = 2;
                path.pop();
            }
        }
    }
}

fn node_name(cell: &CellDef, s: usize) -> (String, Span) {
    match &cell.body[s].kind {
        StmtKind::Node { name, .. } => (name.name.to_string(), name.span),
        _ => (String::new(), cell.body[s].span),
    }
}

fn cycle_diagnostic(cell: &CellDef, cycle: &[usize], deps: &[Vec<(u32, Span)>]) -> Diagnostic {
    let names: Vec<String> = cycle.iter().map(|&s| node_name(cell, s).0).collect();
    let (first_name, first_span) = node_name(cell, cycle[0]);
    let mut diagnostic = Diagnostic::error(
        "cycle",
        format!(
            "the nodes of `{}` form a cycle: {} -> {}",
            cell.name.name,
            names.join(" -> "),
            first_name
        ),
        first_span,
        "this node depends on itself",
    );
    for (position, &s) in cycle.iter().enumerate() {
        let target = cycle[(position + 1) % cycle.len()] as u32;
        if let Some(&(_, span)) = deps[s].iter().find(|&&(d, _)| d == target) {
            let (target_name, _) = node_name(cell, target as usize);
            diagnostic = diagnostic.with_label(span, format!("uses `{target_name}`"));
        }
    }
    diagnostic.with_hint(
        "a cell is a DAG: each node may only use inputs and nodes that do not depend on it",
    )
}
