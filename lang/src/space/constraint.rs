//! Constraints (`where edges <= 9`): integer expressions over graph metrics and decision
//! values, compared; an architecture belongs to the space only if every constraint holds.

use super::arch::Architecture;
use super::decision::{Domain, Guard, Value};
use super::graph::{Graph, Source};
use super::ir::Space;
use serde::{Deserialize, Serialize};

/// An integer expression in a constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expr {
    /// A constant.
    Num(i64),
    /// The number of edges of a graph (by index) that are present in the architecture: every
    /// term whose input exists, whatever its op.
    Edges(usize),
    /// The value of a decision: an integer or depth as is, a boolean as 0 or 1, a categorical
    /// alternative as its label read as an integer (its index when the label is not a number),
    /// a pick or subset as its size; 0 when inactive.
    Value(usize),
    /// 1 when some input of a graph (by index) reaches its output through present edges,
    /// else 0.
    Connected(usize),
    /// An arithmetic operation.
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

/// Arithmetic on constraint expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// `lhs cmp rhs`, with the source text for messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// Left side.
    pub lhs: Expr,
    /// The comparison.
    pub cmp: Cmp,
    /// Right side.
    pub rhs: Expr,
    /// How it was written (`edges <= 9`).
    pub text: String,
    /// The guard of the cell copy it constrains, if that copy can be switched off (a deeper
    /// copy under a chosen depth): while the copy is absent, the constraint holds.
    #[serde(default)]
    pub guard: Option<Guard>,
}

impl Constraint {
    /// Whether the constraint holds for an architecture of `space`.
    pub fn holds(&self, space: &Space, arch: &Architecture) -> bool {
        if let Some(g) = self.guard {
            if !g.when.holds(arch.values()[g.parent]) {
                return true;
            }
        }
        let l = eval(&self.lhs, space, arch);
        let r = eval(&self.rhs, space, arch);
        match self.cmp {
            Cmp::Lt => l < r,
            Cmp::Le => l <= r,
            Cmp::Gt => l > r,
            Cmp::Ge => l >= r,
            Cmp::Eq => l == r,
            Cmp::Ne => l != r,
        }
    }

    /// The decisions whose values the constraint reads (before closing over guards).
    pub fn reads(&self, space: &Space) -> Vec<usize> {
        let mut out: Vec<usize> = self.guard.map(|g| g.parent).into_iter().collect();
        reads(&self.lhs, space, &mut out);
        reads(&self.rhs, space, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn reads(e: &Expr, space: &Space, out: &mut Vec<usize>) {
    match e {
        Expr::Num(_) => {}
        Expr::Value(d) => out.push(*d),
        Expr::Edges(g) | Expr::Connected(g) => {
            if let Some(graph) = space.graphs().get(*g) {
                for (_, node) in graph.all_nodes() {
                    if let Some(guard) = node.guard {
                        out.push(guard.parent);
                    }
                    out.extend(node.terms.iter().filter_map(|t| t.source.decision()));
                }
            }
        }
        Expr::Bin(_, a, b) => {
            reads(a, space, out);
            reads(b, space, out);
        }
    }
}

fn eval(e: &Expr, space: &Space, arch: &Architecture) -> i64 {
    match e {
        Expr::Num(n) => *n,
        Expr::Edges(g) => space
            .graphs()
            .get(*g)
            .map_or(0, |graph| edges(graph, arch.values())),
        Expr::Connected(g) => space
            .graphs()
            .get(*g)
            .is_some_and(|graph| connected(graph, arch.values()))
            as i64,
        Expr::Value(d) => decision_value(space, *d, arch.values()[*d]),
        Expr::Bin(op, a, b) => {
            let (a, b) = (eval(a, space, arch), eval(b, space, arch));
            match op {
                BinOp::Add => a.saturating_add(b),
                BinOp::Sub => a.saturating_sub(b),
                BinOp::Mul => a.saturating_mul(b),
            }
        }
    }
}

fn decision_value(space: &Space, d: usize, v: Value) -> i64 {
    match v {
        Value::Off => 0,
        Value::Int(x) => x,
        Value::Bool(b) => b as i64,
        Value::Set(s) => s.count_ones() as i64,
        Value::Cat(i) => match &space.decisions()[d].domain {
            Domain::Categorical(alts) => alts[i as usize].label.parse().unwrap_or(i as i64),
            _ => i as i64,
        },
    }
}

/// Whether some input of `graph` reaches its output through present edges.
pub fn connected(graph: &Graph, values: &[Value]) -> bool {
    let mut reach = vec![false; graph.vertex_count() + 1];
    for r in reach.iter_mut().take(graph.inputs.len()) {
        *r = true;
    }
    for (v, node) in graph.all_nodes() {
        let passes = node.guard.is_some_and(|g| !g.when.holds(values[g.parent]));
        let terms = if passes {
            &node.terms[..1]
        } else {
            &node.terms[..]
        };
        reach[v] = terms
            .iter()
            .any(|t| super::canon::resolve(&t.source, values).is_some_and(|u| reach[u]));
    }
    reach[graph.vertex_count()]
}

/// Whether some input of `graph` reaches its output in every architecture, whatever its
/// decisions hold (the terms that always exist: fixed wires, picks whose every candidate is
/// reached, chosen node kinds whose every alternative is reached; a subset may leave out any
/// member). Conservative: correlations between decisions are not seen.
pub fn always_connected(graph: &Graph) -> bool {
    let mut sure = vec![false; graph.vertex_count() + 1];
    for r in sure.iter_mut().take(graph.inputs.len()) {
        *r = true;
    }
    for (v, node) in graph.all_nodes() {
        let term = |t: &super::graph::Term| match &t.source {
            Source::Vertex(u) => sure[*u],
            Source::Pick { vertices, .. } => vertices.iter().all(|&u| sure[u]),
            Source::Member { .. } => false,
            Source::When { .. } => false,
        };
        let chosen: Vec<&super::graph::Term> = node
            .terms
            .iter()
            .filter(|t| matches!(t.source, Source::When { .. }))
            .collect();
        let kinds = !chosen.is_empty()
            && chosen.iter().all(|t| match &t.source {
                Source::When { vertex, .. } => sure[*vertex],
                _ => false,
            });
        let on = kinds || node.terms.iter().any(term);
        // A guarded node passes its first live term's input through when it is off (a node
        // that reads its chosen kind or `when` branch: the one branch present).
        let off = node.guard.is_none() || kinds || node.terms.first().is_some_and(term);
        sure[v] = on && off;
    }
    sure[graph.vertex_count()]
}

/// The number of present edges of `graph` under `values`: terms of active nodes whose input
/// exists (a fixed vertex, a pick slot, or a subset member that is in the subset); a node's
/// reading of its chosen kind is not an edge.
pub fn edges(graph: &Graph, values: &[Value]) -> i64 {
    let mut n = 0;
    for (_, node) in graph.all_nodes() {
        if let Some(g) = node.guard {
            if !g.when.holds(values[g.parent]) {
                continue;
            }
        }
        for t in &node.terms {
            let present = match &t.source {
                Source::Vertex(_) => true,
                Source::Pick { decision, .. } => matches!(values[*decision], Value::Set(_)),
                Source::Member {
                    decision,
                    candidate,
                    ..
                } => {
                    matches!(values[*decision], Value::Set(s) if s >> candidate & 1 == 1)
                }
                // A node reading its chosen kind is bookkeeping, not an edge: the chosen
                // alternative's own inputs are counted where it reads them.
                Source::When { .. } => false,
            };
            n += present as i64;
        }
    }
    n
}
