//! Nodes whose kind is a decision: `node a = sum(2 of [x, h] >> linear(d)) | prod(2 of [x, h])`
//! chooses between a linear node and a product node (NAS-Bench-NLP's node kinds). The
//! alternatives become one categorical decision, labelled by what each alternative computes;
//! each alternative lowers to its own nodes, whose decisions and nodes are guarded by it, and
//! the node itself reads the alternative chosen.
//!
//! `when(k == v, a, b)` is the same construction over a decision made elsewhere (a `let` of
//! the cell): the branch `a` is guarded by `k == v`, `b` by `k != v`, and the node reads the
//! branch whose guard holds. A `when` on a constant (a parameter) lowers its one branch.

use super::decision::{Alt, Domain, Guard, When};
use super::graph::{Combine, Node, Source, Term};
use super::lower::{error, Frame, Lowerer, Val};
use super::lower_cell::Builder;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Ref, Res};
use crate::syntax::builtin::Builtin;
use crate::syntax::{Diagnostic, Span};

impl<'p> Lowerer<'p> {
    /// Lowers `a | b | ...` over tensors into a decision `ctx` and a node `name` that reads
    /// the chosen alternative; returns the node's vertex.
    pub(crate) fn tensor_alternatives(
        &mut self,
        items: &[Expr],
        f: &mut Frame,
        b: &mut Builder,
        ctx: &str,
        name: &str,
    ) -> Result<usize, Diagnostic> {
        let labels = labels(items);
        let d = self.decision(
            ctx,
            Domain::Categorical(labels.iter().map(Alt::label).collect()),
        );
        let outer = self.guard;
        let mut terms = Vec::with_capacity(items.len());
        for (i, (item, label)) in items.iter().zip(&labels).enumerate() {
            let guard = Guard {
                parent: d,
                when: When::Is(i as u32),
            };
            let first = b.node_count();
            self.guard = Some(guard);
            let v = self.tensor(
                item,
                f,
                b,
                &format!("{ctx}.{label}"),
                &format!("{name}.{label}"),
            );
            self.guard = outer;
            b.guard_since(first, guard);
            terms.push(Term {
                source: Source::When { guard, vertex: v? },
                op: None,
            });
        }
        Ok(b.push(Node {
            name: name.to_string(),
            combine: Combine::Sum,
            terms,
            post: None,
            guard: None,
        }))
    }

    /// Lowers `when(k == v, a, b)` into a node `name` that reads `a` while the decision `k`
    /// holds `v` and `b` otherwise, each branch's decisions and nodes guarded by its
    /// condition; returns the node's vertex.
    pub(crate) fn when(
        &mut self,
        r: &Ref,
        span: Span,
        f: &mut Frame,
        b: &mut Builder,
        ctx: &str,
        name: &str,
    ) -> Result<usize, Diagnostic> {
        let items: Vec<&Expr> = r
            .args
            .iter()
            .flat_map(|a| &a.items)
            .map(|a| &a.value)
            .collect();
        let [cond, then, otherwise] = items[..] else {
            return Err(error(
                span,
                "`when` takes 3 operands",
                "write `when(k == 3, a, b)`",
            ));
        };
        let ExprKind::Binary { op, lhs, rhs } = &cond.kind else {
            return Err(error(
                cond.span,
                "`when`'s condition is `k == v` or `k != v`",
                "write `when(k == 3, a, b)`",
            ));
        };
        let equal = match op {
            BinOp::Eq => true,
            BinOp::Ne => false,
            _ => {
                return Err(error(
                    cond.span,
                    "`when`'s condition is `k == v` or `k != v`",
                    "write `when(k == 3, a, b)`",
                ))
            }
        };
        let left = self.value(lhs, f, ctx)?;
        let right = self.value(rhs, f, ctx)?;
        let Val::Decision(d) = left else {
            // A constant (a parameter, a `let` of one value): one branch, decided here.
            let holds = same(&left, &right) == equal;
            let branch = if holds { then } else { otherwise };
            return self.tensor(branch, f, b, ctx, name);
        };
        let (yes, no) = self.condition(d, &right, lhs, rhs.span)?;
        let (yes, no) = if equal { (yes, no) } else { (no, yes) };
        if self.replay.is_none() && self.decisions.get(d).map(|x| x.guard) != Some(self.guard) {
            return Err(error(
                span,
                "a `when` cannot stand inside an alternative or another `when`'s branch",
                "its branches would depend on two decisions at once; write it as a node of its own",
            ));
        }
        let outer = self.guard;
        let mut terms = Vec::with_capacity(2);
        for (branch, when, label) in [(then, yes, "then"), (otherwise, no, "else")] {
            let guard = Guard { parent: d, when };
            let first = b.node_count();
            self.guard = Some(guard);
            let v = self.tensor(
                branch,
                f,
                b,
                &format!("{ctx}.{label}"),
                &format!("{name}.{label}"),
            );
            self.guard = outer;
            b.guard_since(first, guard);
            terms.push(Term {
                source: Source::When { guard, vertex: v? },
                op: None,
            });
        }
        Ok(b.push(Node {
            name: name.to_string(),
            combine: Combine::Sum,
            terms,
            post: None,
            guard: None,
        }))
    }

    /// The conditions `k == v` and `k != v` on decision `d` (`k`), or an error when `d` never
    /// holds `v`.
    fn condition(
        &self,
        d: usize,
        v: &Val,
        k: &Expr,
        span: Span,
    ) -> Result<(When, When), Diagnostic> {
        let name = match &k.kind {
            ExprKind::Ref(r) => r.name.name.to_string(),
            _ => "the decision".to_string(),
        };
        let text = match v {
            Val::Int(x) => x.to_string(),
            Val::Bool(x) => x.to_string(),
            Val::Str(x) | Val::Float(x) => x.clone(),
            _ => String::new(),
        };
        let never = |values: String| {
            Diagnostic::error(
                "when-condition",
                format!("`{name}` is never {text}: its values are {values}"),
                span,
                "not one of its values",
            )
            .with_hint("compare it with one of its values")
        };
        match self.made_domain(d) {
            Some(Domain::Integer { lo, hi }) => match v {
                Val::Int(x) if (lo..=hi).contains(x) => Ok((When::Equals(*x), When::Differs(*x))),
                _ => Err(never(format!("{lo}..={hi}"))),
            },
            Some(Domain::Categorical(alts)) => match alts.iter().position(|a| a.label == text) {
                Some(i) if !matches!(v, Val::Decision(_) | Val::Ops(_)) => {
                    Ok((When::Is(i as u32), When::IsNot(i as u32)))
                }
                _ => Err(never(
                    alts.iter().map(|a| a.label.as_str()).collect::<Vec<_>>().join(", "),
                )),
            },
            Some(Domain::Boolean) => match v {
                Val::Bool(x) => Ok((When::Is(u32::from(*x)), When::IsNot(u32::from(*x)))),
                _ => Err(never("false, true".into())),
            },
            _ => Err(error(
                k.span,
                format!("`when` cannot ask what `{name}` holds"),
                "compare a `let` of values (`let k = 0..=4`, `let k = 2 | 4`, `let k = false | true`)",
            )),
        }
    }
}

/// Whether two constants are equal (an int and a float compare by their values' text).
fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Str(x), Val::Str(y)) | (Val::Float(x), Val::Float(y)) => x == y,
        _ => false,
    }
}

/// The labels of tensor alternatives: what each computes (`sum`, `prod`, `blend`; the op on
/// a merge's inputs instead, as in `linear` for `sum(2 of [..] >> linear(d))`; `_op` for each
/// op applied after), made unique with `#i`.
fn labels(items: &[Expr]) -> Vec<String> {
    let raw: Vec<String> = items.iter().map(label).collect();
    raw.iter()
        .enumerate()
        .map(|(i, l)| {
            if raw[..i].contains(l) {
                format!("{l}#{i}")
            } else {
                l.clone()
            }
        })
        .collect()
}

fn label(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Seq(items) if !items.is_empty() => {
            let mut l = label(&items[0]);
            for op in &items[1..] {
                l.push('_');
                l.push_str(&op_name(op));
            }
            l
        }
        ExprKind::Ref(r) => match r.res {
            Res::Builtin(
                b @ (Builtin::Sum
                | Builtin::Concat
                | Builtin::Prod
                | Builtin::Mean
                | Builtin::Blend),
            ) => {
                let term_op =
                    r.args
                        .iter()
                        .flat_map(|a| &a.items)
                        .find_map(|a| match &a.value.kind {
                            ExprKind::Seq(items) if items.len() > 1 => items.last().map(op_name),
                            _ => None,
                        });
                term_op.unwrap_or_else(|| b.name().to_string())
            }
            _ => r.name.name.to_string(),
        },
        ExprKind::Pick { .. } => "pick".to_string(),
        _ => "node".to_string(),
    }
}

fn op_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ref(r) => r.name.name.to_string(),
        ExprKind::Alt(_) => "choice".to_string(),
        _ => "op".to_string(),
    }
}
