//! What `nas check` accepts must be counted, sampled and built: every space of a checked
//! file whose parameters all have defaults is lowered to the space IR as the commands will
//! lower it, and whatever the lowering refuses becomes a diagnostic of the check.

use super::constraint::{always_connected, Expr};
use super::ir::Space;
use super::lower::lower_space;
use super::sample::{rng, MAX_TRIES};
use crate::check::Program;
use crate::syntax::ast::ItemKind;
use crate::syntax::{Diagnostic, Span};

/// Lowers every space of the main file of `program` (a checked program without errors) that
/// can be lowered with its defaults; returns the problems found.
pub fn verify(program: &Program) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for item in &program.main().ast.items {
        let ItemKind::Space(def) = &item.kind else {
            continue;
        };
        if def.params.iter().any(|p| p.default.is_none()) {
            continue;
        }
        match lower_space(program, &def.name.name) {
            Ok(space) => {
                found.extend(stateful(&space, def.name.span));
                found.extend(disconnected(program, &space, def.name.span));
                found.extend(samples(&space, def.name.span));
            }
            Err(d) => found.push(d),
        }
    }
    found
}

/// A cell with named states in a space that is not a language model: only a `sequence`
/// space unrolls a cell over steps and carries its states.
fn stateful(space: &Space, span: Span) -> Option<Diagnostic> {
    let sequence = space
        .skeleton()
        .input
        .as_ref()
        .is_some_and(|s| s.kind == "sequence");
    let cell = space.graphs().iter().find(|g| !g.states.is_empty())?;
    if sequence {
        return None;
    }
    Some(
        Diagnostic::error(
            "unsupported",
            format!(
                "the space `{}` uses the recurrent cell `{}` (it has states), but its input is not a sequence",
                space.name(),
                cell.name
            ),
            span,
            "this space",
        )
        .with_hint("a cell with `state`s runs in a language model: give the space `input sequence(T, 1)` and an `embedding`"),
    )
}

/// Cells whose output some architecture leaves unreached (every input choice of a path
/// empty) while no `where connected` excludes those architectures: such an architecture has
/// no network to build.
fn disconnected(program: &Program, space: &Space, fallback: Span) -> Vec<Diagnostic> {
    let constrained = |g: usize| {
        space.constraints().iter().any(|c| {
            [&c.lhs, &c.rhs]
                .iter()
                .any(|e| matches!(e, Expr::Connected(x) if *x == g))
        })
    };
    let mut reported = std::collections::HashSet::new();
    let mut found = Vec::new();
    for (g, graph) in space.graphs().iter().enumerate() {
        // `block`, `block#2`, or inside a named stage `stage1.block#2`.
        let group = graph.name.split('#').next().unwrap_or(&graph.name);
        let cell = group.rsplit('.').next().unwrap_or(group);
        if always_connected(graph) || constrained(g) || !reported.insert(cell.to_string()) {
            continue;
        }
        let span = program
            .lookup(cell)
            .and_then(|id| program.item(id))
            .and_then(|item| item.kind.name().map(|n| n.span))
            .unwrap_or(fallback);
        found.push(
            Diagnostic::error(
                "unsupported",
                format!("in some architectures nothing reaches the output of `{cell}`: its input choices (`any of`) may all be empty"),
                span,
                "this cell",
            )
            .with_hint("add `where connected` to the cell to keep only the architectures whose output is reached, or make a path from an input to the output that no choice can remove"),
        );
    }
    found
}

/// A space whose constraints no architecture (or too few for rejection sampling) meets.
fn samples(space: &Space, span: Span) -> Option<Diagnostic> {
    if space.constraints().is_empty() || space.sample(&mut rng(0)).is_ok() {
        return None;
    }
    let how = match space.count() {
        Ok(n) if n == 0u32.into() => "no architecture meets its constraints".to_string(),
        Ok(n) => format!("only {n} of its architectures meet its constraints, too few to sample by rejection ({MAX_TRIES} tries)"),
        Err(_) => format!("sampling found no architecture that meets its constraints in {MAX_TRIES} tries"),
    };
    Some(
        Diagnostic::error(
            "unsupported",
            format!("space `{}` cannot be sampled: {how}", space.name()),
            span,
            "this space",
        )
        .with_hint("loosen the `where` constraints of its cells (`edges` counts every term of every node, the output's included)"),
    )
}
