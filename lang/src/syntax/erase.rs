//! Setting every span (and resolution) of a tree to a default, so that two parses can be
//! compared for structure alone (e.g. before and after formatting).

use super::ast::{
    Arg, EntryValue, Expr, ExprKind, File, Ident, ItemKind, Param, PickCount, Res, StmtKind,
};
use super::span::Span;

fn ident(ident: &mut Ident) {
    ident.span = Span::default();
}

fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Lit(_) | ExprKind::Error => {}
        ExprKind::Ref(reference) => {
            ident(&mut reference.name);
            reference.res = Res::Unresolved;
            if let Some(args) = &mut reference.args {
                args.span = Span::default();
                args.items.iter_mut().for_each(arg);
            }
        }
        ExprKind::Seq(items) | ExprKind::Alt(items) | ExprKind::List(items) => {
            items.iter_mut().for_each(expr)
        }
        ExprKind::Range { start, end, .. } => {
            expr(start);
            expr(end);
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(lhs);
            expr(rhs);
        }
        ExprKind::Neg(inner) => expr(inner),
        ExprKind::Repeat { body, count, .. } => {
            expr(body);
            expr(count);
        }
        ExprKind::Pick { count, candidates } => {
            if let PickCount::Exactly(count) = count {
                expr(count);
            }
            candidates.iter_mut().for_each(expr);
        }
    }
}

fn arg(a: &mut Arg) {
    a.span = Span::default();
    if let Some(name) = &mut a.name {
        ident(name);
    }
    expr(&mut a.value);
}

fn param(p: &mut Param) {
    p.span = Span::default();
    ident(&mut p.name);
    p.ty.span = Span::default();
    if let Some(default) = &mut p.default {
        expr(default);
    }
}

/// Erases every span and resolution in `file`.
pub fn erase_spans(file: &mut File) {
    file.span = Span::default();
    for item in &mut file.items {
        item.span = Span::default();
        match &mut item.kind {
            ItemKind::Import(import) => import.path_span = Span::default(),
            ItemKind::Op(def) | ItemKind::Choice(def) => {
                ident(&mut def.name);
                def.params.iter_mut().for_each(param);
                expr(&mut def.body);
            }
            ItemKind::Cell(def) => {
                ident(&mut def.name);
                def.params.iter_mut().for_each(param);
                body(&mut def.body);
            }
            ItemKind::Space(def) => {
                ident(&mut def.name);
                def.params.iter_mut().for_each(param);
                body(&mut def.body);
            }
            ItemKind::Experiment(def) => {
                ident(&mut def.name);
                for entry in &mut def.entries {
                    entry.span = Span::default();
                    ident(&mut entry.key);
                    match &mut entry.value {
                        EntryValue::Args(args) => args.iter_mut().for_each(arg),
                        EntryValue::Objective(objectives) => {
                            for o in objectives {
                                o.direction_span = Span::default();
                                expr(&mut o.value);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn body(stmts: &mut [super::ast::Stmt]) {
    for stmt in stmts {
        stmt.span = Span::default();
        match &mut stmt.kind {
            StmtKind::Input(names) | StmtKind::State(names) => names.iter_mut().for_each(ident),
            StmtKind::Node { name, value }
            | StmtKind::Let { name, value }
            | StmtKind::Next { state: name, value } => {
                ident(name);
                expr(value);
            }
            StmtKind::InputShape(value)
            | StmtKind::Output(value)
            | StmtKind::Where(value)
            | StmtKind::Network(value) => expr(value),
        }
    }
}
