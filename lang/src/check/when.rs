//! `when(k == v, a, b)`: a cell's choice between two tensors by the value of one of its
//! decisions (or of a parameter, which decides it once).

use super::resolve::{article, Context, Resolver};
use super::Ty;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Lit, Ref, Res};
use crate::syntax::{Diagnostic, Span};

const HINT: &str =
    "write `when(k == 3, a, b)`: `a` while the cell's `let k = 0..=4` holds 3, else `b`";

impl Resolver<'_> {
    /// Checks `when(k == v, a, b)`: a condition that compares a name with a value, then two
    /// tensors; it is a tensor itself.
    pub(super) fn check_when(&mut self, reference: &mut Ref, span: Span) -> Ty {
        let Some(args) = reference.args.as_deref_mut() else {
            self.error(
                Diagnostic::error(
                    "missing-argument",
                    "`when` needs a condition and two tensors",
                    span,
                    "no operands",
                )
                .with_hint(HINT),
            );
            return Ty::Error;
        };
        let mut broken = false;
        for arg in &args.items {
            if let Some(name) = &arg.name {
                self.error(Diagnostic::error(
                    "unknown-argument",
                    "`when` takes no named arguments",
                    name.span,
                    "not a parameter",
                ));
                broken = true;
            }
        }
        if args.items.len() != 3 {
            self.error(
                Diagnostic::error(
                    "arity",
                    format!(
                        "`when` takes 3 operands (a condition, the tensor while it holds, the tensor otherwise), but {} were given",
                        args.items.len()
                    ),
                    args.span,
                    "here",
                )
                .with_hint(HINT),
            );
            return Ty::Error;
        }
        if self.context != Context::Cell {
            self.error(
                Diagnostic::error(
                    "unsupported",
                    "`when` chooses between tensors, so it belongs in a cell",
                    span,
                    "not in a cell",
                )
                .with_hint("outside a cell, write the alternatives as a choice: `a | b`"),
            );
            return Ty::Error;
        }
        let (condition, branches) = args.items.split_at_mut(1);
        broken |= !self.check_condition(&mut condition[0].value);
        for branch in branches {
            let ty = self.check(&mut branch.value);
            if ty == Ty::Error {
                broken = true;
            } else if ty != Ty::Tensor {
                self.error(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "`when` chooses between tensors, but this is {}",
                            article(ty)
                        ),
                        branch.value.span,
                        format!("this is {}", article(ty)),
                    )
                    .with_hint("give it a node, an input or a merge (`sum(a, c) >> tanh`)"),
                );
                broken = true;
            }
        }
        if broken {
            Ty::Error
        } else {
            Ty::Tensor
        }
    }

    /// Checks `k == v` / `k != v`: `k` a `let` or parameter of the cell holding an int, a
    /// bool or a string, `v` a literal of the same type; false when reported.
    fn check_condition(&mut self, cond: &mut Expr) -> bool {
        let ExprKind::Binary {
            op: BinOp::Eq | BinOp::Ne,
            lhs,
            rhs,
        } = &mut cond.kind
        else {
            if self.check(cond) == Ty::Error {
                return false;
            }
            self.error(
                Diagnostic::error(
                    "when-condition",
                    "`when`'s condition compares a name with a value: `k == v` or `k != v`",
                    cond.span,
                    "not such a comparison",
                )
                .with_hint(HINT),
            );
            return false;
        };
        let left = self.check(lhs);
        let right = self.check(rhs);
        if left == Ty::Error || right == Ty::Error {
            return false;
        }
        let named = matches!(&lhs.kind, ExprKind::Ref(r)
            if r.args.is_none() && matches!(r.res, Res::Local { .. } | Res::Param(_)));
        if !named || !matches!(left, Ty::Int | Ty::Bool | Ty::Str) {
            self.error(
                Diagnostic::error(
                    "when-condition",
                    format!(
                        "`when` compares a `let` or a parameter of the cell, but this is {}",
                        article(left)
                    ),
                    lhs.span,
                    "not a decision or a parameter",
                )
                .with_hint("bind the decision first: `let k = 0..=4`, then `when(k == 3, a, b)`"),
            );
            return false;
        }
        if !is_literal(rhs) || right != left {
            self.error(
                Diagnostic::error(
                    "when-condition",
                    format!(
                        "`when` compares `{}` with a written value of its type ({}), but this is not one",
                        lhs_name(lhs),
                        article(left)
                    ),
                    rhs.span,
                    "not a literal of that type",
                )
                .with_hint(HINT),
            );
            return false;
        }
        true
    }
}

fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Lit(Lit::Int { .. } | Lit::Bool(_) | Lit::Str(_)) => true,
        ExprKind::Neg(inner) => matches!(inner.kind, ExprKind::Lit(Lit::Int { .. })),
        _ => false,
    }
}

fn lhs_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ref(r) => r.name.name.to_string(),
        _ => "it".to_string(),
    }
}
