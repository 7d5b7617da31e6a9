//! Lowering a space's body: its parameters, its `input` shape, and its pipeline (cells, ops,
//! repetitions with shared or independent genotypes and chosen depths) into the skeleton's
//! steps — and, when the pipeline itself holds decisions, into a chain graph too.

use super::constraint::Expr as CExpr;
use super::decision::{Alt, Domain, Guard, Op, OpKind, When};
use super::graph::OpRef;
use super::lower::{arg_value, error, Frame, Lowerer, Val};
use super::lower_cell::{chain, Builder};
use super::resource::ResourceBound;
use super::skeleton::{InputShape, Skeleton, Step, StepKind};
use crate::syntax::ast::{Expr, ExprKind, ItemKind, RepeatMode, Res, SpaceDef, StmtKind};
use crate::syntax::Diagnostic;

impl<'p> Lowerer<'p> {
    /// Lowers a space's body: its parameters (given values, else defaults), its `input`
    /// shape, `let`s, the network pipeline and its resource bounds (`where params < 5M`).
    pub(crate) fn space_body(&mut self, def: &SpaceDef) -> Result<(), Diagnostic> {
        let mut f = Frame::new();
        self.space_params(def, &mut f)?;
        for (s, stmt) in def.body.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Let { name, value } if self.is_stage(value) => {
                    self.named_stages
                        .insert(s as u32, (name.name.to_string(), value.clone()));
                }
                StmtKind::Let { name, value } => {
                    let v = self.let_value(value, &mut f, &name.name)?;
                    f.lets.insert(s as u32, v);
                }
                StmtKind::InputShape(expr) => self.input = Some(self.input_shape(expr, &mut f)?),
                StmtKind::Network(expr) => self.pipeline(expr, &mut f)?,
                StmtKind::Where(expr) => {
                    let text = self
                        .program
                        .sources
                        .get(expr.span.file)
                        .map_or_else(String::new, |src| src.text[expr.span.range()].to_string());
                    self.resources.push(ResourceBound::read(expr, &text)?);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Binds the space's parameters: the values given by name, else the defaults.
    fn space_params(&mut self, def: &SpaceDef, f: &mut Frame) -> Result<(), Diagnostic> {
        let names: Vec<&str> = def.params.iter().map(|p| p.name.name.as_str()).collect();
        if let Some((unknown, _)) = self
            .space_args
            .iter()
            .find(|(n, _)| !names.contains(&n.as_str()))
        {
            return Err(error(
                def.name.span,
                format!("space `{}` has no parameter `{unknown}`", def.name.name),
                &format!("its parameters are: {}", names.join(", ")),
            ));
        }
        for p in &def.params {
            let given = self.space_args.iter().find(|(n, _)| *n == p.name.name);
            let v = match (given, &p.default) {
                (Some((_, x)), _) => Val::Int(*x),
                (None, Some(d)) => self.value(d, f, &format!("space.{}", p.name.name))?,
                (None, None) => {
                    return Err(error(
                        p.span,
                        format!("space parameter `{}` has no value", p.name.name),
                        "give it a default, or pass a value for it",
                    ))
                }
            };
            if let Ok(a) = arg_value(v.clone(), p.span) {
                self.bound_args.push((p.name.name.to_string(), a));
            }
            f.params.push(v);
        }
        Ok(())
    }

    /// Evaluates `input image(3, 32, 32)`.
    fn input_shape(&mut self, e: &Expr, f: &mut Frame) -> Result<InputShape, Diagnostic> {
        let ExprKind::Ref(r) = &e.kind else {
            return Err(error(
                e.span,
                "expected a shape",
                "write e.g. `input image(3, 32, 32)`",
            ));
        };
        let mut dims = Vec::new();
        for a in r.args.iter().flat_map(|a| &a.items) {
            dims.push(self.int(&a.value, f, "input")?);
        }
        Ok(InputShape {
            kind: r.name.name.to_string(),
            dims,
        })
    }

    /// A `let` binds one value or one set of ops, shared by every use.
    pub(crate) fn let_value(
        &mut self,
        value: &Expr,
        f: &mut Frame,
        name: &str,
    ) -> Result<Val, Diagnostic> {
        let mark = self.mark();
        match self.value(value, f, name) {
            Ok(v) => Ok(v),
            Err(_) => {
                self.reset(mark);
                Ok(Val::Ops(self.ops(value, f, name)?))
            }
        }
    }

    /// Lowers the pipeline: cells become graphs of their own; when the pipeline itself holds
    /// decisions (op choices, chosen depths, independent copies), it becomes a chain graph too.
    fn pipeline(&mut self, expr: &Expr, f: &mut Frame) -> Result<(), Diagnostic> {
        let slot = self.graphs.len();
        let mut p = Pipe {
            b: Builder::new("network", vec!["in".into()]),
            last: 0,
            decides: false,
        };
        match &expr.kind {
            ExprKind::Seq(items) => {
                for (i, stage) in items.iter().enumerate() {
                    self.pipe(stage, f, &format!("s{i}"), &mut p)?;
                }
            }
            _ => self.pipe(expr, f, "s0", &mut p)?,
        }
        let Pipe {
            mut b,
            last,
            decides,
        } = p;
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
            for step in &mut self.steps {
                if let StepKind::Cell(call) = &mut step.kind {
                    if call.graph >= slot {
                        call.graph += 1;
                    }
                }
            }
            for c in &mut self.constraints {
                shift(&mut c.lhs, slot);
                shift(&mut c.rhs, slot);
            }
        }
        Ok(())
    }

    /// Whether a space's `let` binds a named stage: a part of the pipeline that calls a cell
    /// or repeats with a chosen depth or independent copies (a `let` of plain ops binds ops).
    fn is_stage(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Seq(items) => items.iter().any(|i| self.is_stage(i)),
            ExprKind::Repeat { body, count, mode } => {
                *mode == RepeatMode::Independent
                    || !matches!(count.kind, ExprKind::Lit(_))
                    || self.is_stage(body)
            }
            _ => self.is_cell(e),
        }
    }

    /// Lowers the named stage bound by the `let` statement `stmt`, used at `span`: its
    /// decisions and cell graphs are named after the stage, so an edit elsewhere in the space
    /// leaves their names (and saved architectures) alone.
    fn named_stage(
        &mut self,
        stmt: u32,
        span: crate::syntax::Span,
        f: &mut Frame,
        p: &mut Pipe,
    ) -> Result<(), Diagnostic> {
        let Some((name, body)) = self.named_stages.get(&stmt).cloned() else {
            return Ok(());
        };
        if !self.used_stages.insert(stmt) {
            return Err(error(
                span,
                format!("the stage `{name}` is used a second time: a named stage names the decisions of one place in the pipeline"),
                &format!("repeat it (`{name} * 2`), or bind a second stage with its own name"),
            ));
        }
        let outer = self.stage.replace(name.clone());
        let lowered = self.pipe(&body, f, &name, p);
        self.stage = outer;
        lowered
    }

    /// Lowers one part of the pipeline (named `ctx`) into steps under the guard in force: a
    /// sequence part by part, a repetition copy by copy, a named stage under its name,
    /// anything else as one stage.
    fn pipe(&mut self, e: &Expr, f: &mut Frame, ctx: &str, p: &mut Pipe) -> Result<(), Diagnostic> {
        match &e.kind {
            ExprKind::Ref(r) if matches!(r.res, Res::Local { stmt, .. } if self.named_stages.contains_key(&stmt)) =>
            {
                let Res::Local { stmt, .. } = r.res else {
                    return Ok(());
                };
                self.named_stage(stmt, e.span, f, p)
            }
            ExprKind::Seq(items) if items.iter().any(|i| self.needs_steps(i)) => {
                for (i, item) in items.iter().enumerate() {
                    self.pipe(item, f, &format!("{ctx}.{i}"), p)?;
                }
                Ok(())
            }
            ExprKind::Repeat { body, count, mode } => {
                self.repetition(body, count, *mode, f, ctx, p)
            }
            _ => {
                let before = self.decisions.len();
                let ops = self.stage(e, f, ctx)?;
                p.decides |= ops
                    .iter()
                    .any(|o| matches!(o, StepKind::Op(OpRef::Choice(_))))
                    || self.decisions.len() > before && !self.is_cell(e);
                for (k, step) in ops.into_iter().enumerate() {
                    self.push_step(p, format!("{ctx}.{k}"), step, self.guard);
                }
                Ok(())
            }
        }
    }

    /// Lowers `body * count`: every copy of an independent repetition is lowered on its own,
    /// in a scope of its own (its cells get fresh genotypes); the copies of a shared one
    /// repeat the first copy's steps. A chosen depth guards the copies past its smallest
    /// value.
    fn repetition(
        &mut self,
        body: &Expr,
        count: &Expr,
        mode: RepeatMode,
        f: &mut Frame,
        ctx: &str,
        p: &mut Pipe,
    ) -> Result<(), Diagnostic> {
        let n = self.count(count, f, ctx)?;
        p.decides |= n.decision.is_some() || mode == RepeatMode::Independent;
        let outer = self.guard;
        let mut first = 0..0;
        for copy in 0..n.hi {
            let guard = n.guard(copy).or(outer);
            let sub = format!("{ctx}.{copy}");
            if mode == RepeatMode::Independent || copy == 0 {
                let start = self.steps.len();
                self.guard = guard;
                let independent = mode == RepeatMode::Independent;
                if independent {
                    self.cell_scopes.push(Default::default());
                }
                let lowered = self.pipe(body, f, &sub, p);
                if independent {
                    self.cell_scopes.pop();
                }
                self.guard = outer;
                lowered?;
                first = start..self.steps.len();
                continue;
            }
            for (k, i) in first.clone().enumerate() {
                let step = self.steps[i].clone();
                let own = if step.guard == outer {
                    guard
                } else if guard == outer {
                    step.guard
                } else {
                    return Err(error(
                        count.span,
                        "the copies of this repetition share a part with its own chosen depth, so a copy would need two conditions at once",
                        "make this repetition `independent`, or give it a constant count",
                    ));
                };
                self.push_step(p, format!("{sub}.{k}"), step.kind, own);
            }
        }
        Ok(())
    }

    /// Appends one step (and its node of the chain graph) under `guard`.
    fn push_step(&mut self, p: &mut Pipe, name: String, step: StepKind, guard: Option<Guard>) {
        let op = self.step_op(&step);
        p.last = p.b.push(chain(name, p.last, Some(op), guard));
        self.steps.push(Step { kind: step, guard });
    }

    /// Whether a part of a sequence must be lowered as pipeline steps: it calls a cell or
    /// repeats (maybe with a chosen depth) somewhere.
    fn needs_steps(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Seq(items) => items.iter().any(|i| self.needs_steps(i)),
            ExprKind::Repeat { .. } => true,
            ExprKind::Ref(r) => {
                self.is_cell(e)
                    || matches!(r.res, Res::Local { stmt, .. } if self.named_stages.contains_key(&stmt))
            }
            _ => false,
        }
    }

    fn is_cell(&self, e: &Expr) -> bool {
        matches!(&e.kind, ExprKind::Ref(r) if matches!(r.res, Res::Def(id) if matches!(self.program.item(id).map(|i| &i.kind), Some(ItemKind::Cell(_)))))
    }

    /// A repetition count: a constant, or a chosen depth — a range, integer alternatives, or
    /// a `let` bound to either (one depth decision shared by the repetitions that use it).
    fn count(&mut self, e: &Expr, f: &mut Frame, ctx: &str) -> Result<Count, Diagnostic> {
        let bad = |message: &str| {
            error(
                e.span,
                message.to_string(),
                "write a count of at least 1, `lo..=hi` with 1 <= lo, or alternatives such as `2 | 4`",
            )
        };
        let name = format!("{ctx}.depth");
        let (decision, domain) = match &e.kind {
            ExprKind::Range {
                start,
                end,
                inclusive,
            } => {
                let lo = self.int(start, f, ctx)?;
                let hi = self.int(end, f, ctx)? - if *inclusive { 0 } else { 1 };
                if lo < 1 || hi < lo {
                    return Err(bad(
                        "a chosen depth must be a non-empty range of counts from 1",
                    ));
                }
                let domain = Domain::Depth { lo, hi };
                (self.decision(&name, domain.clone()), domain)
            }
            ExprKind::Alt(items) => {
                let mut v = Vec::new();
                for it in items {
                    v.push(self.int(it, f, ctx)?);
                }
                v.sort_unstable();
                v.dedup();
                let (lo, hi) = (v[0], v[v.len() - 1]);
                if lo < 1 {
                    return Err(bad("a chosen depth counts from 1"));
                }
                let domain = if (hi - lo + 1) as usize == v.len() {
                    Domain::Depth { lo, hi }
                } else {
                    Domain::Categorical(v.iter().map(|x| Alt::label(x.to_string())).collect())
                };
                (self.decision(&name, domain.clone()), domain)
            }
            _ => match self.value(e, f, ctx)? {
                Val::Int(n) if n >= 1 => {
                    return Ok(Count {
                        lo: n as usize,
                        hi: n as usize,
                        decision: None,
                        values: Vec::new(),
                    })
                }
                Val::Int(_) => return Err(bad("a repetition count must be at least 1")),
                Val::Decision(d) => {
                    let domain = self
                        .made_domain(d)
                        .ok_or_else(|| bad("this count is not a decision"))?;
                    (d, domain)
                }
                _ => return Err(bad("a repetition count must be an integer")),
            },
        };
        let values: Vec<i64> = match &domain {
            Domain::Integer { lo, hi } | Domain::Depth { lo, hi } => (*lo..=*hi).collect(),
            Domain::Categorical(alts) => alts
                .iter()
                .map(|a| a.label.parse::<i64>().ok())
                .collect::<Option<Vec<i64>>>()
                .filter(|v| v.windows(2).all(|w| w[0] < w[1]))
                .ok_or_else(|| {
                    bad("a chosen depth's alternatives must be counts in ascending order")
                })?,
            _ => return Err(bad("a repetition count must be an integer")),
        };
        if values[0] < 1 {
            return Err(bad("a chosen depth counts from 1"));
        }
        let categorical = matches!(domain, Domain::Categorical(_));
        Ok(Count {
            lo: values[0] as usize,
            hi: values[values.len() - 1] as usize,
            decision: Some(decision),
            values: if categorical { values } else { Vec::new() },
        })
    }

    /// Lowers one pipeline stage to its steps: the ops it applies, or a call of a cell.
    fn stage(&mut self, e: &Expr, f: &mut Frame, ctx: &str) -> Result<Vec<StepKind>, Diagnostic> {
        if let ExprKind::Ref(r) = &e.kind {
            if let Res::Def(id) = r.res {
                if let Some(ItemKind::Cell(def)) = self.program.item(id).map(|i| &i.kind) {
                    let call = self.cell_call(id, def, r.args.as_deref(), f, e.span)?;
                    return Ok(vec![StepKind::Cell(Box::new(call))]);
                }
            }
        }
        Ok(self.ops(e, f, ctx)?.into_iter().map(StepKind::Op).collect())
    }

    /// The op a step stands for in the network graph: its op, or a placeholder naming a
    /// cell's graph.
    fn step_op(&self, step: &StepKind) -> OpRef {
        match step {
            StepKind::Op(op) => op.clone(),
            StepKind::Cell(call) => {
                let name = self.graphs[call.graph].name.clone();
                OpRef::Fixed(Op::new(name, OpKind::Other))
            }
        }
    }

    /// The skeleton the pipeline lowered to.
    pub(crate) fn skeleton(&mut self) -> Skeleton {
        Skeleton {
            origin: None,
            input: self.input.take(),
            args: std::mem::take(&mut self.bound_args),
            steps: std::mem::take(&mut self.steps),
            expansions: std::mem::take(&mut self.expansions),
            branches: std::mem::take(&mut self.branches),
        }
    }
}

/// A repetition's count: `lo..=hi` copies, the deeper ones switched by `decision`.
struct Count {
    lo: usize,
    hi: usize,
    decision: Option<usize>,
    /// The counts of a categorical depth decision (`2 | 4`), by alternative; empty for a
    /// constant or an integer decision.
    values: Vec<i64>,
}

impl Count {
    /// The guard of copy `copy` (from 0): none for the copies every count includes.
    fn guard(&self, copy: usize) -> Option<Guard> {
        let d = self.decision?;
        if copy < self.lo {
            return None;
        }
        let when = if self.values.is_empty() {
            When::AtLeast(copy as i64 + 1)
        } else {
            // Alternative `i` holds more than `copy` copies from the first count above it on.
            When::AtLeast(self.values.iter().filter(|&&v| v <= copy as i64).count() as i64)
        };
        Some(Guard { parent: d, when })
    }
}

/// The chain graph of a pipeline under construction.
struct Pipe {
    b: Builder,
    last: usize,
    decides: bool,
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
