//! Printing expressions with the fewest parentheses that keep the tree the same.

use crate::syntax::ast::{Arg, BinOp, Expr, ExprKind, Lit, PickCount, RepeatMode};
use std::fmt::Write;

/// Binding strength, loosest first (matches the grammar's precedence levels).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Compare,
    Alt,
    Range,
    Seq,
    Add,
    Mul,
    Neg,
    Pick,
    Atom,
}

fn prec(expr: &Expr) -> Prec {
    match &expr.kind {
        ExprKind::Binary { op, .. } if op.is_comparison() => Prec::Compare,
        ExprKind::Alt(_) => Prec::Alt,
        ExprKind::Range { .. } => Prec::Range,
        ExprKind::Seq(_) => Prec::Seq,
        ExprKind::Binary {
            op: BinOp::Add | BinOp::Sub,
            ..
        } => Prec::Add,
        ExprKind::Binary { .. } | ExprKind::Repeat { .. } => Prec::Mul,
        ExprKind::Neg(_) => Prec::Neg,
        ExprKind::Pick { .. } => Prec::Pick,
        ExprKind::Lit(_) | ExprKind::Ref(_) | ExprKind::List(_) | ExprKind::Error => Prec::Atom,
    }
}

/// Writes `expr` in parentheses unless it binds at least as tightly as `min`.
fn child(out: &mut String, expr: &Expr, min: Prec) {
    if prec(expr) < min {
        out.push('(');
        write_expr(out, expr);
        out.push(')');
    } else {
        write_expr(out, expr);
    }
}

/// The literal as source text.
pub fn literal(lit: &Lit) -> String {
    match lit {
        Lit::Int { value, magnitude } => format!("{value}{}", magnitude.suffix()),
        Lit::Float { value, magnitude } => format!("{value:?}{}", magnitude.suffix()),
        Lit::Duration { value, unit } => format!("{value}{}", unit.suffix()),
        Lit::Bool(value) => value.to_string(),
        Lit::Str(text) => {
            let mut out = String::with_capacity(text.len() + 2);
            out.push('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

fn write_list(out: &mut String, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item);
    }
}

/// Writes an argument list's contents (`a, b, name: c`).
pub fn write_args(out: &mut String, args: &[Arg]) {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if let Some(name) = &arg.name {
            out.push_str(&name.name);
            out.push_str(": ");
        }
        write_expr(out, &arg.value);
    }
}

fn write_joined(out: &mut String, items: &[Expr], separator: &str, min: Prec) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        child(out, item, min);
    }
}

/// Writes `expr` on one line.
pub fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Lit(lit) => out.push_str(&literal(lit)),
        ExprKind::Error => out.push_str("()"),
        ExprKind::Ref(reference) => {
            out.push_str(&reference.name.name);
            if let Some(args) = &reference.args {
                out.push('(');
                write_args(out, &args.items);
                out.push(')');
            }
        }
        ExprKind::Seq(items) => write_joined(out, items, " >> ", Prec::Add),
        ExprKind::Alt(items) => write_joined(out, items, " | ", Prec::Range),
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items);
            out.push(']');
        }
        ExprKind::Range {
            start,
            end,
            inclusive,
        } => {
            child(out, start, Prec::Seq);
            out.push_str(if *inclusive { "..=" } else { ".." });
            child(out, end, Prec::Seq);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (left, right) = match prec(expr) {
                Prec::Compare => (Prec::Alt, Prec::Alt),
                Prec::Add => (Prec::Add, Prec::Mul),
                _ => (Prec::Mul, Prec::Neg),
            };
            child(out, lhs, left);
            let _ = write!(out, " {} ", op.symbol());
            child(out, rhs, right);
        }
        ExprKind::Repeat { body, count, mode } => {
            child(out, body, Prec::Mul);
            out.push_str(" * ");
            child(out, count, Prec::Neg);
            if *mode == RepeatMode::Independent {
                out.push_str(" independent");
            }
        }
        ExprKind::Neg(inner) => {
            out.push('-');
            child(out, inner, Prec::Neg);
        }
        ExprKind::Pick { count, candidates } => {
            match count {
                PickCount::Any => out.push_str("any"),
                PickCount::Exactly(count) => child(out, count, Prec::Atom),
            }
            out.push_str(" of [");
            write_list(out, candidates);
            out.push(']');
        }
    }
}

/// `expr` on one line.
pub fn expr_to_string(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

/// The parts of a top-level `>>` or `|` chain and the separator, for line breaking.
pub fn breakable_parts(expr: &Expr) -> Option<(Vec<String>, &'static str)> {
    let (items, separator, min) = match &expr.kind {
        ExprKind::Seq(items) => (items, ">> ", Prec::Add),
        ExprKind::Alt(items) => (items, "| ", Prec::Range),
        _ => return None,
    };
    let parts = items
        .iter()
        .map(|item| {
            let mut out = String::new();
            child(&mut out, item, min);
            out
        })
        .collect();
    Some((parts, separator))
}
