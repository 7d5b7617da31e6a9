//! Lowering cells (their DAGs, input choices and constraints) and a space's pipeline (cells,
//! ops, repetitions with shared or independent genotypes and chosen depths).

use super::constraint::{BinOp as CBin, Cmp, Constraint, Expr as CExpr};
use super::decision::{Domain, Guard, Op, OpKind, When};
use super::graph::{Combine, Graph, Node, OpRef, Source, Term};
use super::lower::{error, Frame, Lowerer, Val};
use crate::syntax::ast::{
    Args, BinOp, CellDef, DefId, Expr, ExprKind, ItemKind, PickCount, RepeatMode, Res, SpaceDef,
    StmtKind,
};
use crate::syntax::builtin::{Builtin, Metric};
use crate::syntax::{Diagnostic, Span};

/// A graph under construction.
struct Builder {
    name: String,
    inputs: Vec<String>,
    nodes: Vec<Node>,
    output: Option<Node>,
}

impl Builder {
    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.inputs.len() + self.nodes.len() - 1
    }

    fn finish(self, span: Span) -> Result<Graph, Diagnostic> {
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
        })
    }
}

fn chain(name: String, source: usize, op: Option<OpRef>, guard: Option<Guard>) -> Node {
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
    /// Lowers a space's body: `let`s, the network pipeline and its constraints.
    pub(crate) fn space_body(&mut self, def: &SpaceDef) -> Result<(), Diagnostic> {
        let mut f = Frame::new();
        let mut caller = Frame::new();
        self.bind(
            &def.params,
            None,
            &mut caller,
            &mut f,
            "space",
            def.name.span,
        )?;
        for (s, stmt) in def.body.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Let { name, value } => {
                    let v = self.let_value(value, &mut f, &name.name)?;
                    f.lets.insert(s as u32, v);
                }
                StmtKind::Network(expr) => self.pipeline(expr, &mut f)?,
                StmtKind::Where(expr) => {
                    return Err(error(expr.span, "space-level constraints (`params`, `flops`) are not supported by the space IR yet", "constrain cells with `edges`, or filter by the evaluator"))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A `let` binds one value or one set of ops, shared by every use.
    fn let_value(&mut self, value: &Expr, f: &mut Frame, name: &str) -> Result<Val, Diagnostic> {
        let mark = self.decisions.len();
        match self.value(value, f, name) {
            Ok(v) => Ok(v),
            Err(_) => {
                self.decisions.truncate(mark);
                Ok(Val::Ops(self.ops(value, f, name)?))
            }
        }
    }

    /// Lowers the pipeline: cells become graphs of their own; when the pipeline itself holds
    /// decisions (op choices, chosen depths, independent copies), it becomes a chain graph too.
    fn pipeline(&mut self, expr: &Expr, f: &mut Frame) -> Result<(), Diagnostic> {
        let stages: Vec<&Expr> = match &expr.kind {
            ExprKind::Seq(items) => items.iter().collect(),
            _ => vec![expr],
        };
        let mut b = Builder {
            name: "network".into(),
            inputs: vec!["in".into()],
            nodes: Vec::new(),
            output: None,
        };
        let mut last = 0usize;
        let mut decides = false;
        let slot = self.graphs.len();
        for (i, stage) in stages.iter().enumerate() {
            let ctx = format!("s{i}");
            match &stage.kind {
                ExprKind::Repeat { body, count, mode } => {
                    let (lo, hi, depth) = self.count(count, f, &ctx)?;
                    decides |= depth.is_some() || *mode == RepeatMode::Independent;
                    let mut shared: Option<Vec<OpRef>> = None;
                    for copy in 0..hi {
                        let guard = depth.filter(|_| copy >= lo).map(|d| Guard {
                            parent: d,
                            when: When::AtLeast(copy as i64 + 1),
                        });
                        let outer = self.guard;
                        if guard.is_some() {
                            if outer.is_some() {
                                return Err(error(
                                    stage.span,
                                    "a chosen depth inside a guarded part is not supported",
                                    "move the repetition out",
                                ));
                            }
                            self.guard = guard;
                        }
                        let tag = if *mode == RepeatMode::Independent {
                            copy as u32
                        } else {
                            0
                        };
                        let ops = match &shared {
                            Some(ops) if *mode == RepeatMode::Shared => Ok(ops.clone()),
                            _ => self.stage(body, f, &format!("{ctx}.{copy}"), tag),
                        };
                        self.guard = outer;
                        let ops = ops?;
                        if *mode == RepeatMode::Shared {
                            shared = Some(ops.clone());
                        }
                        for (k, op) in ops.into_iter().enumerate() {
                            let node = chain(format!("{ctx}.{copy}.{k}"), last, Some(op), guard);
                            last = b.push(node);
                        }
                    }
                }
                _ => {
                    let before = self.decisions.len();
                    let ops = self.stage(stage, f, &ctx, 0)?;
                    decides |= ops.iter().any(|o| matches!(o, OpRef::Choice(_)))
                        || self.decisions.len() > before && !self.is_cell(stage);
                    for (k, op) in ops.into_iter().enumerate() {
                        last = b.push(chain(format!("{ctx}.{k}"), last, Some(op), None));
                    }
                }
            }
        }
        b.output = Some(chain("out".into(), last, None, None));
        if decides {
            let g = b.finish(expr.span)?;
            self.graphs.insert(slot, g);
            // Graph indices after `slot` moved by one: fix the cell table and constraints.
            for v in self.cell_graphs.values_mut() {
                if *v >= slot {
                    *v += 1;
                }
            }
            for c in &mut self.constraints {
                shift(&mut c.lhs, slot);
                shift(&mut c.rhs, slot);
            }
        }
        Ok(())
    }

    fn is_cell(&self, e: &Expr) -> bool {
        matches!(&e.kind, ExprKind::Ref(r) if matches!(r.res, Res::Def(id) if matches!(self.program.item(id).map(|i| &i.kind), Some(ItemKind::Cell(_)))))
    }

    /// A repetition count: a constant, or a chosen depth (a range or integer alternatives
    /// that form a range).
    fn count(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        ctx: &str,
    ) -> Result<(usize, usize, Option<usize>), Diagnostic> {
        let (lo, hi) = match &e.kind {
            ExprKind::Range {
                start,
                end,
                inclusive,
            } => (
                self.int(start, f, ctx)?,
                self.int(end, f, ctx)? - if *inclusive { 0 } else { 1 },
            ),
            ExprKind::Alt(items) => {
                let mut v = Vec::new();
                for it in items {
                    v.push(self.int(it, f, ctx)?);
                }
                v.sort_unstable();
                v.dedup();
                let (lo, hi) = (v[0], v[v.len() - 1]);
                if (hi - lo + 1) as usize != v.len() {
                    return Err(error(
                        e.span,
                        "a chosen depth must be a range of counts",
                        "write `lo..=hi` or consecutive alternatives",
                    ));
                }
                (lo, hi)
            }
            _ => {
                let n = self.int(e, f, ctx)?;
                if n < 1 {
                    return Err(error(
                        e.span,
                        "a repetition count must be at least 1",
                        "repeat at least once",
                    ));
                }
                return Ok((n as usize, n as usize, None));
            }
        };
        if lo < 1 || hi < lo {
            return Err(error(
                e.span,
                "a chosen depth must be a non-empty range of counts from 1",
                "write `lo..=hi` with 1 <= lo <= hi",
            ));
        }
        let d = self.decision(&format!("{ctx}.depth"), Domain::Depth { lo, hi });
        Ok((lo as usize, hi as usize, Some(d)))
    }

    /// Lowers one pipeline stage to the ops it applies; a cell becomes its graph (copy `tag`)
    /// and a placeholder op naming it.
    fn stage(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        ctx: &str,
        tag: u32,
    ) -> Result<Vec<OpRef>, Diagnostic> {
        if let ExprKind::Ref(r) = &e.kind {
            if let Res::Def(id) = r.res {
                if let Some(ItemKind::Cell(def)) = self.program.item(id).map(|i| &i.kind) {
                    let g = self.cell(id, def, r.args.as_ref(), f, tag, e.span)?;
                    let name = self.graphs[g].name.clone();
                    return Ok(vec![OpRef::Fixed(Op::new(name, OpKind::Other))]);
                }
            }
        }
        self.ops(e, f, ctx)
    }

    /// Lowers cell `id` once per instance group (its first instance's arguments fix the ops'
    /// arguments); returns its graph index.
    fn cell(
        &mut self,
        id: DefId,
        def: &CellDef,
        args: Option<&Args>,
        caller: &mut Frame,
        tag: u32,
        span: Span,
    ) -> Result<usize, Diagnostic> {
        if let Some(&g) = self.cell_graphs.get(&(id, tag)) {
            return Ok(g);
        }
        let name = if tag == 0 {
            def.name.name.clone()
        } else {
            format!("{}#{}", def.name.name, tag + 1)
        };
        let mut f = Frame::new();
        self.bind(&def.params, args, caller, &mut f, &name, span)?;
        let index = self.graphs.len();
        let mut b = Builder {
            name: name.clone(),
            inputs: Vec::new(),
            nodes: Vec::new(),
            output: None,
        };
        for (s, stmt) in def.body.iter().enumerate() {
            let s = s as u32;
            match &stmt.kind {
                StmtKind::Input(names) => {
                    if !b.nodes.is_empty() {
                        return Err(error(
                            stmt.span,
                            "inputs must come before nodes",
                            "move `input` to the top of the cell",
                        ));
                    }
                    for (i, n) in names.iter().enumerate() {
                        f.vertices.insert((s, i as u32), b.inputs.len());
                        b.inputs.push(n.name.clone());
                    }
                }
                StmtKind::Let { name: n, value } => {
                    let v = self.let_value(value, &mut f, &format!("{name}.{}", n.name))?;
                    f.lets.insert(s, v);
                }
                StmtKind::Node { name: n, value } => {
                    let v = self.tensor(
                        value,
                        &mut f,
                        &mut b,
                        &format!("{name}.{}", n.name),
                        &n.name,
                    )?;
                    f.vertices.insert((s, 0), v);
                }
                StmtKind::Output(value) => {
                    let node = self.node(value, &mut f, &mut b, &format!("{name}.out"), "out")?;
                    b.output = Some(node);
                }
                StmtKind::Where(value) => {
                    let c = self.constraint(value, &mut f, index)?;
                    self.constraints.push(c);
                }
                _ => {}
            }
        }
        let g = b.finish(def.name.span)?;
        self.graphs.push(g);
        self.cell_graphs.insert((id, tag), index);
        Ok(index)
    }

    /// Lowers a tensor expression into vertices; returns the vertex holding its value.
    fn tensor(
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
                    Res::Builtin(Builtin::Sum | Builtin::Concat | Builtin::Prod | Builtin::Blend)
                ) =>
            {
                let combine = match r.res {
                    Res::Builtin(Builtin::Concat) => Combine::Concat,
                    Res::Builtin(Builtin::Prod) => Combine::Product,
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
                ExprKind::Ref(r) => r.name.name.clone(),
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

    /// A cell constraint: a comparison of integer expressions over `edges`, constants and
    /// value decisions.
    fn constraint(
        &mut self,
        e: &Expr,
        f: &mut Frame,
        graph: usize,
    ) -> Result<Constraint, Diagnostic> {
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
        let text = self
            .program
            .sources
            .get(e.span.file)
            .map_or_else(String::new, |src| src.text[e.span.range()].to_string());
        Ok(Constraint {
            lhs: self.cexpr(lhs, f, graph)?,
            cmp,
            rhs: self.cexpr(rhs, f, graph)?,
            text,
        })
    }

    fn cexpr(&mut self, e: &Expr, f: &mut Frame, graph: usize) -> Result<CExpr, Diagnostic> {
        Ok(match &e.kind {
            ExprKind::Ref(r) if matches!(r.res, Res::Metric(_)) => match r.res {
                Res::Metric(Metric::Edges) => CExpr::Edges(graph),
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
            Res::Builtin(Builtin::Sum | Builtin::Concat | Builtin::Prod | Builtin::Blend)
        ),
        _ => false,
    }
}

fn shift(e: &mut CExpr, slot: usize) {
    match e {
        CExpr::Edges(g) | CExpr::Connected(g) if *g >= slot => *g += 1,
        CExpr::Bin(_, a, b) => {
            shift(a, slot);
            shift(b, slot);
        }
        _ => {}
    }
}
