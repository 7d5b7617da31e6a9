//! Nodes whose kind is a decision: `node a = sum(2 of [x, h] >> linear(d)) | prod(2 of [x, h])`
//! chooses between a linear node and a product node (NAS-Bench-NLP's node kinds). The
//! alternatives become one categorical decision, labelled by what each alternative computes;
//! each alternative lowers to its own nodes, whose decisions and nodes are guarded by it, and
//! the node itself reads the alternative chosen.

use super::decision::{Alt, Domain, Guard, When};
use super::graph::{Combine, Node, Source, Term};
use super::lower::{Frame, Lowerer};
use super::lower_cell::Builder;
use crate::syntax::ast::{Expr, ExprKind, Res};
use crate::syntax::builtin::Builtin;
use crate::syntax::Diagnostic;

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
                source: Source::Chosen {
                    decision: d,
                    alternative: i as u32,
                    vertex: v?,
                },
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
