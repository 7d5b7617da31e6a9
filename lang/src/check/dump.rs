//! A readable dump of a checked program: what every name resolved to, where repetitions
//! are, and the shapes inferred per space. Golden tests snapshot it.

use super::{describe_res, Program};
use crate::syntax::ast::{Expr, ExprKind, ItemKind, RepeatMode};
use crate::syntax::{SourceMap, Span};
use std::fmt::Write;

/// 1-based line and column of `span`'s start.
fn position(sources: &SourceMap, span: Span) -> (usize, usize) {
    let Some(file) = sources.get(span.file) else {
        return (0, 0);
    };
    let before = &file.text[..(span.start as usize).min(file.text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn walk(program: &Program, expr: &Expr, out: &mut String) {
    let (line, column) = position(&program.sources, expr.span);
    match &expr.kind {
        ExprKind::Ref(reference) => {
            let _ = writeln!(
                out,
                "    {line}:{column} {} -> {}",
                reference.name.name,
                describe_res(program, reference.res)
            );
        }
        ExprKind::Repeat { mode, .. } => {
            let mode = match mode {
                RepeatMode::Shared => "shared",
                RepeatMode::Independent => "independent",
            };
            let _ = writeln!(out, "    {line}:{column} repeat ({mode})");
        }
        _ => {}
    }
    expr.for_each_child(|child| walk(program, child, out));
}

/// The checked form of the main module of `program` (imported modules are summarised).
pub fn dump(program: &Program) -> String {
    let mut out = String::new();
    for (m, module) in program.modules.iter().enumerate() {
        if m > 0 {
            let _ = writeln!(
                out,
                "import {} ({} items)",
                module.name,
                module.ast.items.len()
            );
            continue;
        }
        for item in &module.ast.items {
            let name = item
                .kind
                .name()
                .map_or(String::new(), |n| format!(" {}", n.name));
            let _ = writeln!(out, "{}{name}", item.kind.keyword());
            if let ItemKind::Import(import) = &item.kind {
                let _ = writeln!(out, "    \"{}\"", import.path);
            }
            item.kind
                .for_each_expr(|expr| walk(program, expr, &mut out));
        }
    }
    for trace in &program.traces {
        if program
            .sources
            .get(
                trace
                    .stages
                    .first()
                    .map_or(Default::default(), |s| s.0.file),
            )
            .is_none()
        {
            continue;
        }
        let _ = writeln!(out, "shapes {}", trace.context);
        let _ = writeln!(out, "    input {}", trace.input);
        for (span, shape) in &trace.stages {
            let (line, column) = position(&program.sources, *span);
            let _ = writeln!(out, "    {line}:{column} -> {shape}");
        }
    }
    out
}
