//! Lowering a cell's body into a graph: its nodes, their terms (inputs with their ops), input
//! choices (`k of`, `any of`) and `where` constraints, and the graph builder that the
//! pipeline's lowering ([`super::lower_network`]) also uses for chain graphs.

use super::constraint::{BinOp as CBin, Cmp, Constraint, Expr as CExpr};
use super::decision::{Domain, Guard};
use super::graph::{Combine, Graph, Node, OpRef, Source, StateSlot, Term};
use super::lower::{error, Frame, Lowerer, Val};
use crate::syntax::ast::{BinOp, CellDef, Expr, ExprKind, PickCount, Res, StmtKind};
use crate::syntax::builtin::{Builtin, Metric};
use crate::syntax::{Diagnostic, Span};

/// A graph under construction.
pub(crate) struct Builder {
    name: String,
    inputs: Vec<String>,
    nodes: Vec<Node>,
    pub(crate) output: Option<Node>,
    states: Vec<StateSlot>,
}

impl Builder {
    /// A graph named `name` with the given inputs and no nodes yet.
    pub(crate) fn new(name: &str, inputs: Vec<String>) -> Builder {
        Builder {
            name: name.to_string(),
            inputs,
            nodes: Vec::new(),
            output: None,
            states: Vec::new(),
        }
    }

    /// Adds a node; returns its vertex id.
    pub(crate) fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.inputs.len() + self.nodes.len() - 1
    }

    /// How many nodes the graph has so far.
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Guards the nodes added since the first `first` that have no guard yet.
    pub(crate) fn guard_since(&mut self, first: usize, guard: Guard) {
        for node in self.nodes.iter_mut().skip(first) {
            node.guard.get_or_insert(guard);
        }
    }

    /// The finished graph (an error when no output was set, or a state has no next value).
    pub(crate) fn finish(self, span: Span) -> Result<Graph, Diagnostic> {
        if let Some(slot) = self.states.iter().find(|slot| slot.next == usize::MAX) {
            return Err(error(
                span,
                format!("the state `{}` has no next value", slot.name),
                "give it a value with `next`",
            ));
        }
        let output = self.output.ok_or_else(|| {
            error(
                span,
                format!("`{}` has no output", self.name),
                "add `output ...`",
            )
        })?;
        Ok(Graph {
            name: self.name,
            inputs: self.inputs,
            nodes: self.nodes,
            output,
            states: self.states,
        })
    }
}

/// A node applying `op` to one vertex.
pub(crate) fn chain(name: String, source: usize, op: Option<OpRef>, guard: Option<Guard>) -> Node {
    Node {
        name,
        combine: Combine::Sum,
        terms: vec![Term {
            source: Source::Vertex(source),
            op,
        }],
        post: None,
        guard,
    }
}

impl<'p> Lowerer<'p> {
    /// Lowers the statements of cell `def` (graph `index`, named `name`) with its parameters
    /// bound in `f`; a replayed call skips the constraints, which its first call made.
    pub(crate) fn cell_body(
        &mut self,
        def: &CellDef,
        f: &mut Frame,
        name: &str,
        index: usize,
        replaying: bool,
    ) -> Result<Graph, Diagnostic> {
        let mut b = Builder::new(name, Vec::new());
        for (s, stmt) in def.body.iter().enumerate() {
            let s = s as u32;
            match &stmt.kind {
                StmtKind::Input(names) | StmtKind::State(names) => {
                    let state = matches!(stmt.kind, StmtKind::State(_));
                    if !b.nodes.is_empty() {
                        return Err(error(
                            stmt.span,
                            if state {
                                "states must come before nodes"
                            } else {
                                "inputs must come before nodes"
                            },
                            "move `input` and `state` to the top of the cell",
                        ));
                    }
                    if !state && !b.states.is_empty() {
                        return Err(error(
                            stmt.span,
                            "inputs must come before states",
                            "declare the cell's `input` first, then its `state`s",
                        ));
                    }
                    for (i, n) in names.iter().enumerate() {
                        f.vertices.insert((s, i as u32), b.inputs.len());
                        if state {
                            b.states.push(StateSlot {
                                name: n.name.to_string(),
                                input: b.inputs.len(),
                                next: usize::MAX,
                            });
                        }
                        b.inputs.push(n.name.to_string());
                    }
                }
                StmtKind::Next { state, value } => {
                    let v = self.tensor(
                        value,
                        f,
                        &mut b,
                        &format!("{name}.next_{}", state.name),
                        &format!("next_{}", state.name),
                    )?;
                    match b.states.iter_mut().find(|slot| slot.name == state.name) {
                        Some(slot) => slot.next = v,
                        None => {
                            return Err(error(
                                state.span,
                                format!("`{}` is not a state declared above", state.name),
                                "declare it with `state` before its `next`",
                            ))
                        }
                    }
                }
                StmtKind::Let { name: n, value } => {
                    let v = self.let_value(value, f, &format!("{name}.{}", n.name))?;
                    f.lets.insert(s, v);
                }
                StmtKind::Node { name: n, value } => {
                    let v =
                        self.tensor(value, f, &mut b, &format!("{name}.{}", n.name), &n.name)?;
                    f.vertices.insert((s, 0), v);
                }
                StmtKind::Output(value) => {
                    let node = self.node(value, f, &mut b, &format!("{name}.out"), "out")?;
                    b.output = Some(node);
                }
                StmtKind::Where(value) if !replaying => {
                    let c = self.constraint(value, f, index)?;
                    self.constraints.push(c);
                }
                _ => {}
            }
        }
        b.finish(def.name.span)
    }

    /// Lowers a tensor expression of a cell into nodes; returns its vertex.
    pub(crate) fn tensor(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        b: &mut Builder,
        ctx: &str,
        name: &str,
    ) -> Result<usize, Diagnostic> {
        match &e.kind {
            ExprKind::Ref(r) if matches!(r.res, Res::Local { .. }) => {
                let key = match r.res {
                    Res::Local { stmt, index } => (stmt, index),
                    _ => (u32::MAX, 0),
                };
                f.vertices.get(&key).copied().ok_or_else(|| {
                    error(
                        e.span,
                        "this name is not a tensor here",
                        "use an input or an earlier node",
                    )
                })
            }
            ExprKind::Alt(items) => self.tensor_alternatives(items, f, b, ctx, name),
            ExprKind::Ref(r) if matches!(r.res, Res::Builtin(Builtin::When)) => {
                self.when(r, e.span, f, b, ctx, name)
            }
            ExprKind::Seq(items) if items.len() > 1 && is_merge(&items[0]) => {
                // `sum(...) >> op`: the first op is the merge node's own op, so the node's
                // edges are exactly its inputs.
                let mut node = self.node(&items[0], f, b, ctx, name)?;
                let mut ops = self.ops_of(&items[1..], f, ctx)?.into_iter();
                node.post = ops.next();
                let mut v = b.push(node);
                for (k, op) in ops.enumerate() {
                    v = b.push(chain(format!("{name}.{}", k + 1), v, Some(op), None));
                }
                Ok(v)
            }
            ExprKind::Seq(items) if items.len() > 1 => {
                let mut v = self.tensor(&items[0], f, b, ctx, &format!("{name}.0"))?;
                let ops = self.ops_of(&items[1..], f, ctx)?;
                let n = ops.len();
                for (k, op) in ops.into_iter().enumerate() {
                    let label = if k + 1 == n {
                        name.to_string()
                    } else {
                        format!("{name}.{}", k + 1)
                    };
                    v = b.push(chain(label, v, Some(op), None));
                }
                Ok(v)
            }
            _ => {
                let node = self.node(e, f, b, ctx, name)?;
                Ok(b.push(node))
            }
        }
    }

    fn ops_of(
        &mut self,
        items: &[Expr],
        f: &mut Frame,
        ctx: &str,
    ) -> Result<Vec<OpRef>, Diagnostic> {
        let mut ops = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let sub = if items.len() == 1 {
                format!("{ctx}.op")
            } else {
                format!("{ctx}.op{i}")
            };
            ops.extend(self.ops(it, f, &sub)?);
        }
        Ok(ops)
    }

    /// Lowers a merge (`sum(...)`, `concat(...)`, `prod(...)`), an input choice, or a plain
    /// tensor into one node.
    fn node(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        b: &mut Builder,
        ctx: &str,
        name: &str,
    ) -> Result<Node, Diagnostic> {
        let (combine, args): (Combine, Vec<&Expr>) = match &e.kind {
            ExprKind::Ref(r)
                if matches!(
                    r.res,
                    Res::Builtin(
                        Builtin::Sum
                            | Builtin::Concat
                            | Builtin::Prod
                            | Builtin::Mean
                            | Builtin::Blend
                    )
                ) =>
            {
                let combine = match r.res {
                    Res::Builtin(Builtin::Concat) => Combine::Concat,
                    Res::Builtin(Builtin::Prod) => Combine::Product,
                    Res::Builtin(Builtin::Mean) => Combine::Mean,
                    Res::Builtin(Builtin::Blend) => Combine::Blend,
                    _ => Combine::Sum,
                };
                (
                    combine,
                    r.args
                        .iter()
                        .flat_map(|a| &a.items)
                        .map(|a| &a.value)
                        .collect(),
                )
            }
            _ => (Combine::Sum, vec![e]),
        };
        let mut terms = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let sub = if args.len() == 1 {
                ctx.to_string()
            } else {
                format!("{ctx}.{i}")
            };
            terms.extend(self.terms(a, f, b, &sub, &format!("{name}.{i}"))?);
        }
        Ok(Node {
            name: name.to_string(),
            combine,
            terms,
            post: None,
            guard: None,
        })
    }

    /// The terms one argument of a merge contributes.
    fn terms(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        b: &mut Builder,
        ctx: &str,
        name: &str,
    ) -> Result<Vec<Term>, Diagnostic> {
        let (pick, ops) = match &e.kind {
            ExprKind::Pick { .. } => (Some(e), &[][..]),
            ExprKind::Seq(items) if matches!(items[0].kind, ExprKind::Pick { .. }) => {
                (Some(&items[0]), &items[1..])
            }
            ExprKind::Seq(items) if items.len() > 1 => {
                let head = if items.len() > 2 {
                    let inner = Expr {
                        kind: ExprKind::Seq(items[..items.len() - 1].to_vec()),
                        span: e.span,
                    };
                    self.tensor(&inner, f, b, ctx, name)?
                } else {
                    self.tensor(&items[0], f, b, ctx, name)?
                };
                let op = self.single_op(&items[items.len() - 1], f, &format!("{ctx}.op"))?;
                return Ok(vec![Term {
                    source: Source::Vertex(head),
                    op: Some(op),
                }]);
            }
            _ => (None, &[][..]),
        };
        let Some(ExprKind::Pick { count, candidates }) = pick.map(|p| &p.kind) else {
            let v = self.tensor(e, f, b, ctx, name)?;
            return Ok(vec![Term {
                source: Source::Vertex(v),
                op: None,
            }]);
        };
        let pick_span = pick.map_or(e.span, |p| p.span);
        let mut vertices = Vec::new();
        let mut names = Vec::new();
        for c in candidates {
            vertices.push(self.tensor(c, f, b, ctx, name)?);
            names.push(match &c.kind {
                ExprKind::Ref(r) => r.name.name.to_string(),
                _ => format!("v{}", vertices.len() - 1),
            });
        }
        match count {
            PickCount::Exactly(k) => {
                let k = self.int(k, f, ctx)?;
                if k < 1 || k as usize > names.len() {
                    return Err(error(
                        pick_span,
                        format!("cannot pick {k} of {} candidates", names.len()),
                        "pick between 1 and the number of candidates",
                    ));
                }
                let d = self.decision(
                    &format!("{ctx}.in"),
                    Domain::Pick {
                        k: k as u32,
                        candidates: names,
                    },
                );
                let mut terms = Vec::new();
                for slot in 0..k as u32 {
                    let op = if ops.is_empty() {
                        None
                    } else {
                        let seq = Expr {
                            kind: ExprKind::Seq(ops.to_vec()),
                            span: e.span,
                        };
                        Some(self.single_op(&seq, f, &format!("{ctx}.op{slot}"))?)
                    };
                    terms.push(Term {
                        source: Source::Pick {
                            decision: d,
                            slot,
                            vertices: vertices.clone(),
                        },
                        op,
                    });
                }
                Ok(terms)
            }
            PickCount::Any => {
                if !ops.is_empty() {
                    return Err(error(e.span, "ops after `any of` are not supported: each candidate's op would need a guard on its membership", "apply the op after the merge: `sum(any of [...]) >> op`"));
                }
                let d = self.decision(&format!("{ctx}.in"), Domain::Subset { candidates: names });
                Ok(vertices
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Term {
                        source: Source::Member {
                            decision: d,
                            candidate: i as u32,
                            vertex: v,
                        },
                        op: None,
                    })
                    .collect())
            }
        }
    }

    fn single_op(&mut self, e: &Expr, f: &mut Frame, ctx: &str) -> Result<OpRef, Diagnostic> {
        let mut ops = self.ops(e, f, ctx)?;
        if ops.len() != 1 {
            return Err(error(
                e.span,
                "an edge takes a single op here",
                "define the sequence as an `op` and name it",
            ));
        }
        Ok(ops.remove(0))
    }

    /// A cell constraint: `connected` on its own, or a comparison of integer expressions over
    /// `edges`, `connected` (1 or 0), constants and value decisions.
    fn constraint(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        graph: usize,
    ) -> Result<Constraint, Diagnostic> {
        let text = self
            .program
            .sources
            .get(e.span.file)
            .map_or_else(String::new, |src| src.text[e.span.range()].to_string());
        if let ExprKind::Ref(r) = &e.kind {
            if let Res::Metric(Metric::Connected) = r.res {
                return Ok(Constraint {
                    lhs: CExpr::Connected(graph),
                    cmp: Cmp::Eq,
                    rhs: CExpr::Num(1),
                    text,
                    guard: self.guard,
                });
            }
        }
        let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
            return Err(error(
                e.span,
                "a constraint is a comparison",
                "write e.g. `where edges <= 9`",
            ));
        };
        let cmp = match op {
            BinOp::Lt => Cmp::Lt,
            BinOp::Le => Cmp::Le,
            BinOp::Gt => Cmp::Gt,
            BinOp::Ge => Cmp::Ge,
            BinOp::Eq => Cmp::Eq,
            BinOp::Ne => Cmp::Ne,
            _ => {
                return Err(error(
                    e.span,
                    "a constraint is a comparison",
                    "write e.g. `where edges <= 9`",
                ))
            }
        };
        Ok(Constraint {
            lhs: self.cexpr(lhs, f, graph)?,
            cmp,
            rhs: self.cexpr(rhs, f, graph)?,
            text,
            guard: self.guard,
        })
    }

    fn cexpr(&mut self, e: &Expr, f: &mut Frame, graph: usize) -> Result<CExpr, Diagnostic> {
        Ok(match &e.kind {
            ExprKind::Ref(r) if matches!(r.res, Res::Metric(_)) => match r.res {
                Res::Metric(Metric::Edges) => CExpr::Edges(graph),
                Res::Metric(Metric::Connected) => CExpr::Connected(graph),
                _ => {
                    return Err(error(
                        e.span,
                        format!(
                            "the metric `{}` is not supported by the space IR yet",
                            r.name.name
                        ),
                        "constrain `edges`",
                    ))
                }
            },
            ExprKind::Binary { op, lhs, rhs }
                if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul) =>
            {
                let op = match op {
                    BinOp::Add => CBin::Add,
                    BinOp::Sub => CBin::Sub,
                    _ => CBin::Mul,
                };
                CExpr::Bin(
                    op,
                    Box::new(self.cexpr(lhs, f, graph)?),
                    Box::new(self.cexpr(rhs, f, graph)?),
                )
            }
            _ => match self.value(e, f, "where")? {
                Val::Int(x) => CExpr::Num(x),
                Val::Bool(b) => CExpr::Num(i64::from(b)),
                Val::Decision(d) => CExpr::Value(d),
                _ => {
                    return Err(error(
                        e.span,
                        "expected an integer",
                        "constraints compare integers",
                    ))
                }
            },
        })
    }
}

/// Whether `e` lowers to one merge node (a combinator call or an input choice).
fn is_merge(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Pick { .. } => true,
        ExprKind::Ref(r) => matches!(
            r.res,
            Res::Builtin(
                Builtin::Sum | Builtin::Concat | Builtin::Prod | Builtin::Mean | Builtin::Blend
            )
        ),
        _ => false,
    }
}
