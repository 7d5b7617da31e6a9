//! Lowering a checked program to the space IR: values, ops and choices. Cells and the
//! network pipeline are in [`super::lower_cell`].
//!
//! Each `a | b` or `lo..=hi` written in a definition becomes one decision per use of that
//! definition; a `let` binds one decision shared by its uses; a choice's alternatives are
//! the alternatives of one categorical decision, and decisions inside an alternative are
//! guarded by it. An `op` definition becomes one [`Op`] named after it whose arguments are
//! its parameters' values and the decisions made inside it.

use super::decision::{Alt, Arg, ArgValue, Decision, Domain, Guard, Op, OpKind, When};
use super::graph::{Graph, OpRef};
use super::ir::Space;
use super::lower_call::Replay;
use super::skeleton::{InputShape, Step};
use super::Constraint;
use crate::check::{size_diagnostic, size_op, Program};
use crate::syntax::ast::{
    Args, DefId, Expr, ExprKind, ItemKind, Lit, OpDef, Param, ParamType, RepeatMode, Res,
};
use crate::syntax::builtin::Builtin;
use crate::syntax::{Diagnostic, Span};
use crate::wiring::size;
use std::collections::{HashMap, HashSet};

/// A value during lowering.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// An integer.
    Int(i64),
    /// A float with its text.
    Float(String),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// Whatever a decision holds.
    Decision(usize),
    /// Ops bound by a `let` (one shared decision when they hold a choice).
    Ops(Vec<OpRef>),
}

/// The scope of one definition being lowered: its module, its parameters' values, its
/// `let` bindings and (in cells) the vertices its statements name.
pub(crate) struct Frame {
    pub params: Vec<Val>,
    pub lets: HashMap<u32, Val>,
    pub vertices: HashMap<(u32, u32), usize>,
}

impl Frame {
    pub fn new() -> Frame {
        Frame {
            params: Vec::new(),
            lets: HashMap::new(),
            vertices: HashMap::new(),
        }
    }
}

/// The lowering state: the program and the IR built so far.
pub(crate) struct Lowerer<'p> {
    pub program: &'p Program,
    pub decisions: Vec<Decision>,
    pub constraints: Vec<Constraint>,
    /// The space's resource bounds (`where params < 5M`).
    pub resources: Vec<super::ResourceBound>,
    pub graphs: Vec<Graph>,
    /// Graph of each lowered cell instance group (definition, group number).
    pub cell_graphs: HashMap<(DefId, u32), usize>,
    /// The decisions (`start..end`) each cell instance group's first call made.
    pub cell_ranges: HashMap<(DefId, u32), (usize, usize)>,
    /// The instance group a call of each cell joins, one scope per independent copy being
    /// lowered (the outermost is the whole space): calls in one scope share a genotype.
    pub cell_scopes: Vec<HashMap<DefId, u32>>,
    /// How many instance groups each cell has so far.
    pub cell_groups: HashMap<DefId, u32>,
    /// The guard given to decisions created now (inside an alternative or a deeper copy).
    pub guard: Option<Guard>,
    names: HashSet<String>,
    /// While a later call of a cell is lowered again with its own arguments: the decisions
    /// of its first call, handed out again in order instead of new ones.
    pub replay: Option<Replay>,
    /// What each use of an `op` definition stands for.
    pub expansions: HashMap<Op, Vec<OpRef>>,
    /// The branches of each parallel op (`sum(skip, body)`).
    pub branches: HashMap<Op, Vec<Vec<OpRef>>>,
    /// The pipeline's steps.
    pub steps: Vec<Step>,
    /// The space's `input` shape.
    pub input: Option<InputShape>,
    /// Values given for the space's parameters (the rest take their defaults).
    pub space_args: Vec<(String, i64)>,
    /// The space's parameters as bound.
    pub bound_args: Vec<(String, ArgValue)>,
    /// The space's named stages (`let stage1 = block(c) * (1..=3) independent`), by the
    /// `let`'s statement: the name and the pipeline part it stands for.
    pub named_stages: HashMap<u32, (String, Expr)>,
    /// The named stages the pipeline has used (each is used once).
    pub used_stages: HashSet<u32>,
    /// The named stage being lowered: the decisions and cell graphs made inside it are named
    /// after it rather than after their position in the pipeline.
    pub stage: Option<String>,
    /// How many instance groups of each cell each named stage has made.
    pub stage_groups: HashMap<(String, DefId), u32>,
}

/// An error at `span` with a hint: something the checker let through that the space IR
/// cannot express (kind `unsupported`; `nas check` reports it, see [`super::verify`]).
pub(crate) fn error(span: Span, message: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::error("unsupported", message, span, "here").with_hint(hint)
}

/// Lowers the space `name` (as the main file sees it) with its parameters' defaults.
pub fn lower_space(program: &Program, name: &str) -> Result<Space, Diagnostic> {
    lower_space_with(program, name, &[])
}

/// Lowers the space `name` with the parameter values `args` (by name; the others take their
/// defaults): `nb201(c: 8)` is `lower_space_with(program, "nb201", &[("c".into(), 8)])`.
pub fn lower_space_with(
    program: &Program,
    name: &str,
    args: &[(String, i64)],
) -> Result<Space, Diagnostic> {
    let whole = program.main().ast.span;
    let id = program.lookup(name).ok_or_else(|| {
        error(
            whole,
            format!("there is no space `{name}` here"),
            "name a `space` defined in this file or its imports",
        )
    })?;
    let Some(ItemKind::Space(def)) = program.item(id).map(|i| &i.kind) else {
        return Err(error(
            whole,
            format!("`{name}` is not a space"),
            "name a `space` definition",
        ));
    };
    let mut l = Lowerer {
        program,
        decisions: Vec::new(),
        constraints: Vec::new(),
        resources: Vec::new(),
        graphs: Vec::new(),
        cell_graphs: HashMap::new(),
        cell_ranges: HashMap::new(),
        cell_scopes: vec![HashMap::new()],
        cell_groups: HashMap::new(),
        guard: None,
        names: HashSet::new(),
        replay: None,
        expansions: HashMap::new(),
        branches: HashMap::new(),
        steps: Vec::new(),
        input: None,
        space_args: args.to_vec(),
        bound_args: Vec::new(),
        named_stages: HashMap::new(),
        used_stages: HashSet::new(),
        stage: None,
        stage_groups: HashMap::new(),
    };
    l.space_body(def)?;
    let skeleton = l.skeleton();
    let space = Space::new(name, l.decisions, l.constraints, l.graphs).map_err(|e| {
        error(
            def.name.span,
            format!("the space does not lower to a valid IR: {e}"),
            "report this as a bug",
        )
    })?;
    Ok(space
        .with_skeleton(skeleton)
        .with_resource_bounds(l.resources))
}

impl<'p> Lowerer<'p> {
    /// Adds a decision with a unique name derived from `name`, under the current guard.
    /// While replaying a cell call, hands out the next decision of its first call instead.
    pub fn decision(&mut self, name: &str, domain: Domain) -> usize {
        if let Some(r) = &mut self.replay {
            return r.next(domain);
        }
        let mut unique = name.to_string();
        let mut k = 2;
        while !self.names.insert(unique.clone()) {
            unique = format!("{name}#{k}");
            k += 1;
        }
        self.decisions.push(Decision {
            name: unique,
            domain,
            guard: self.guard,
        });
        self.decisions.len() - 1
    }

    /// Binds a callee's parameters from call arguments (positional, then named, then
    /// defaults evaluated in the callee's scope).
    pub fn bind(
        &mut self,
        params: &[Param],
        args: Option<&Args>,
        caller: &mut Frame,
        callee: &mut Frame,
        ctx: &str,
        span: Span,
    ) -> Result<(), Diagnostic> {
        let mut given: Vec<Option<Val>> = vec![None; params.len()];
        let mut positional = 0;
        for a in args.iter().flat_map(|a| &a.items) {
            let slot = match &a.name {
                Some(n) => params.iter().position(|p| p.name.name == n.name),
                None => {
                    positional += 1;
                    Some(positional - 1)
                }
            };
            let Some(slot) = slot.filter(|&s| s < params.len()) else {
                return Err(error(
                    a.span,
                    "this argument matches no parameter",
                    "the checker should have caught this",
                ));
            };
            let pname = format!("{ctx}.{}", params[slot].name.name);
            given[slot] = Some(if params[slot].ty.kind == ParamType::Op {
                Val::Ops(self.ops(&a.value, caller, &pname)?)
            } else {
                self.value(&a.value, caller, &pname)?
            });
        }
        for (i, p) in params.iter().enumerate() {
            let v = match given[i].take() {
                Some(v) => v,
                None => match &p.default {
                    Some(d) if p.ty.kind == ParamType::Op => {
                        Val::Ops(self.ops(d, callee, &format!("{ctx}.{}", p.name.name))?)
                    }
                    Some(d) => self.value(d, callee, &format!("{ctx}.{}", p.name.name))?,
                    None => {
                        return Err(error(
                            span,
                            format!("parameter `{}` has no value", p.name.name),
                            "pass it, or give it a default",
                        ))
                    }
                },
            };
            callee.params.push(v);
        }
        Ok(())
    }

    /// Lowers a value expression; alternatives and ranges become decisions named `ctx`.
    pub fn value(&mut self, e: &Expr, f: &mut Frame, ctx: &str) -> Result<Val, Diagnostic> {
        Ok(match &e.kind {
            ExprKind::Lit(lit) => literal(lit, e.span)?,
            ExprKind::Ref(r) => {
                match r.res {
                    Res::Param(i) => f.params.get(i as usize).cloned().ok_or_else(|| {
                        error(e.span, "unbound parameter", "report this as a bug")
                    })?,
                    Res::Local { stmt, .. } => f.lets.get(&stmt).cloned().ok_or_else(|| {
                        error(
                            e.span,
                            "this name is not a value here",
                            "use a parameter or a `let`",
                        )
                    })?,
                    Res::Def(id) => match self.program.item(id).map(|i| &i.kind) {
                        Some(ItemKind::Choice(def)) => {
                            let mut callee = Frame::new();
                            self.bind(&def.params, r.args.as_deref(), f, &mut callee, ctx, e.span)?;
                            self.value(&def.body, &mut callee, ctx)?
                        }
                        _ => {
                            return Err(error(
                                e.span,
                                "expected a value",
                                "use a number, a parameter, or a value choice",
                            ))
                        }
                    },
                    _ => {
                        return Err(error(
                            e.span,
                            "expected a value",
                            "use a number, a parameter, or a value choice",
                        ))
                    }
                }
            }
            ExprKind::Alt(items) => {
                let mut labels: Vec<String> = Vec::new();
                for it in items {
                    let mark = self.mark();
                    match self.value(it, f, ctx)? {
                        Val::Int(x) => labels.push(x.to_string()),
                        Val::Float(s) | Val::Str(s) => labels.push(s),
                        Val::Bool(b) => labels.push(b.to_string()),
                        // A nested value choice (`width | 128`, `(3 | 5) | 7`): its values
                        // join this decision's.
                        Val::Decision(d) if d == mark => {
                            let inner = self.made_domain(d).and_then(|dom| value_labels(&dom));
                            let Some(inner) = inner else {
                                return Err(error(
                                    it.span,
                                    "an alternative of a value choice must be a constant",
                                    "write numbers, booleans or strings",
                                ));
                            };
                            self.reset(mark);
                            labels.extend(inner);
                        }
                        _ => {
                            return Err(error(
                                it.span,
                                "an alternative of a value choice must be a constant",
                                "write numbers, booleans or strings",
                            ))
                        }
                    }
                }
                let mut seen = HashSet::new();
                labels.retain(|l| seen.insert(l.clone()));
                let alts = labels.into_iter().map(Alt::label).collect();
                Val::Decision(self.decision(ctx, Domain::Categorical(alts)))
            }
            ExprKind::Range {
                start,
                end,
                inclusive,
            } => {
                let lo = self.int(start, f, ctx)?;
                let hi = self.int(end, f, ctx)?;
                let hi = size::eval(size::Arith::Sub, hi, i64::from(!*inclusive))
                    .map_err(|err| size_diagnostic(err, e.span))?;
                if hi < lo {
                    return Err(error(
                        e.span,
                        "this range is empty",
                        "write `lo..=hi` with lo <= hi",
                    ));
                }
                Val::Decision(self.decision(ctx, Domain::Integer { lo, hi }))
            }
            ExprKind::Neg(inner) => {
                let a = self.int(inner, f, ctx)?;
                Val::Int(size::neg(a).map_err(|err| size_diagnostic(err, e.span))?)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.int(lhs, f, ctx)?, self.int(rhs, f, ctx)?);
                let Some(op) = size_op(*op) else {
                    return Err(error(
                        e.span,
                        "a comparison is not a value here",
                        "comparisons belong in `where`",
                    ));
                };
                Val::Int(size::eval(op, a, b).map_err(|err| size_diagnostic(err, e.span))?)
            }
            _ => {
                return Err(error(
                    e.span,
                    "expected a value",
                    "use a number, a parameter, or a value choice",
                ))
            }
        })
    }

    /// Lowers an expression that must be a constant integer (arithmetic on decisions is not
    /// representable in the IR).
    pub fn int(&mut self, e: &Expr, f: &mut Frame, ctx: &str) -> Result<i64, Diagnostic> {
        match self.value(e, f, ctx)? {
            Val::Int(x) => Ok(x),
            Val::Decision(_) => Err(error(
                e.span,
                "arithmetic and bounds on a decision are not supported",
                "use a constant here, or make the decision at the use site",
            )),
            _ => Err(error(
                e.span,
                "expected an integer",
                "use an integer expression",
            )),
        }
    }

    /// Lowers an op expression to the ops it applies in sequence.
    pub fn ops(&mut self, e: &Expr, f: &mut Frame, ctx: &str) -> Result<Vec<OpRef>, Diagnostic> {
        match &e.kind {
            ExprKind::Seq(items) => {
                let mut out = Vec::new();
                for it in items {
                    out.extend(self.ops(it, f, ctx)?);
                }
                Ok(out)
            }
            ExprKind::Alt(items) => {
                let d = self.alternatives(items, f, ctx)?;
                Ok(vec![OpRef::Choice(d)])
            }
            ExprKind::Repeat { body, count, mode } => {
                let n = match self.value(count, f, ctx)? {
                    Val::Int(n) if n >= 1 => n as usize,
                    _ => {
                        return Err(error(
                            count.span,
                            "inside a cell or an op, a repetition count must be a constant of at least 1",
                            "choose depths in a space's pipeline",
                        ))
                    }
                };
                let mut out = Vec::new();
                let shared = self.ops(body, f, &format!("{ctx}.0"))?;
                for copy in 0..n {
                    match mode {
                        RepeatMode::Shared => out.extend(shared.iter().cloned()),
                        RepeatMode::Independent if copy == 0 => out.extend(shared.iter().cloned()),
                        RepeatMode::Independent => {
                            out.extend(self.ops(body, f, &format!("{ctx}.{copy}"))?)
                        }
                    }
                }
                Ok(out)
            }
            ExprKind::Ref(r) => match r.res {
                Res::Builtin(b) => Ok(vec![OpRef::Fixed(self.builtin(
                    b,
                    r.args.as_deref(),
                    f,
                    ctx,
                    e.span,
                )?)]),
                Res::Def(id) => match self.program.item(id).map(|i| &i.kind) {
                    Some(ItemKind::Op(def)) => Ok(vec![OpRef::Fixed(self.op_def(
                        def,
                        r.args.as_deref(),
                        f,
                        ctx,
                        e.span,
                    )?)]),
                    Some(ItemKind::Choice(_)) => {
                        let d = self.alternatives(std::slice::from_ref(e), f, ctx)?;
                        Ok(vec![OpRef::Choice(d)])
                    }
                    Some(ItemKind::Cell(_)) => Err(error(
                        e.span,
                        "a cell cannot be used as an op inside a cell",
                        "use cells in a space's pipeline",
                    )),
                    _ => Err(error(
                        e.span,
                        "expected an op",
                        "name an op, a choice or a built-in",
                    )),
                },
                Res::Param(i) => match f.params.get(i as usize) {
                    Some(Val::Ops(ops)) => Ok(ops.clone()),
                    _ => Err(error(
                        e.span,
                        "expected an op",
                        "declare the parameter as `name: op`",
                    )),
                },
                Res::Local { stmt, .. } => match f.lets.get(&stmt) {
                    Some(Val::Ops(ops)) => Ok(ops.clone()),
                    _ => Err(error(
                        e.span,
                        "expected an op",
                        "bind ops with `let name = op`",
                    )),
                },
                _ => Err(error(
                    e.span,
                    "expected an op",
                    "name an op, a choice or a built-in",
                )),
            },
            _ => Err(error(
                e.span,
                "expected an op",
                "name an op, a choice or a built-in",
            )),
        }
    }

    /// Flattens op alternatives: an alternative that is itself a choice (`darts_op(c) |
    /// conv_7x1_1x7(c)`, `(a | b) | c`) contributes its own alternatives, read in a frame of
    /// its own (`frames[i]`; `None` is the caller's frame).
    fn flatten<'e>(
        &mut self,
        items: &'e [Expr],
        frame: Option<usize>,
        frames: &mut Vec<Frame>,
        f: &mut Frame,
        ctx: &str,
        out: &mut Vec<(&'e Expr, Option<usize>)>,
    ) -> Result<(), Diagnostic>
    where
        'p: 'e,
    {
        for it in items {
            match &it.kind {
                ExprKind::Alt(inner) => self.flatten(inner, frame, frames, f, ctx, out)?,
                ExprKind::Ref(r) => {
                    let program: &'p Program = self.program;
                    let Some(ItemKind::Choice(def)) = (match r.res {
                        Res::Def(id) => program.item(id).map(|i| &i.kind),
                        _ => None,
                    }) else {
                        out.push((it, frame));
                        continue;
                    };
                    let mut callee = Frame::new();
                    match frame {
                        None => {
                            self.bind(&def.params, r.args.as_deref(), f, &mut callee, ctx, it.span)?
                        }
                        Some(i) => {
                            let mut caller = std::mem::replace(&mut frames[i], Frame::new());
                            let bound = self.bind(
                                &def.params,
                                r.args.as_deref(),
                                &mut caller,
                                &mut callee,
                                ctx,
                                it.span,
                            );
                            frames[i] = caller;
                            bound?;
                        }
                    }
                    frames.push(callee);
                    let own = Some(frames.len() - 1);
                    let body = match &def.body.kind {
                        ExprKind::Alt(items) => items.as_slice(),
                        _ => std::slice::from_ref(&def.body),
                    };
                    self.flatten(body, own, frames, f, ctx, out)?;
                }
                _ => out.push((it, frame)),
            }
        }
        Ok(())
    }

    /// A categorical decision over op alternatives; decisions inside an alternative are
    /// guarded by it.
    fn alternatives(
        &mut self,
        items: &[Expr],
        f: &mut Frame,
        ctx: &str,
    ) -> Result<usize, Diagnostic> {
        let mut frames = Vec::new();
        let mut flat = Vec::new();
        self.flatten(items, None, &mut frames, f, ctx, &mut flat)?;
        let d = self.decision(ctx, Domain::Categorical(Vec::new()));
        let outer = self.guard;
        let mut alts: Vec<Alt> = Vec::new();
        for (i, (it, frame)) in flat.into_iter().enumerate() {
            self.guard = Some(Guard {
                parent: d,
                when: When::Is(i as u32),
            });
            let ops = match frame {
                None => self.ops(it, f, &format!("{ctx}.{i}")),
                Some(k) => {
                    let mut own = std::mem::replace(&mut frames[k], Frame::new());
                    let ops = self.ops(it, &mut own, &format!("{ctx}.{i}"));
                    frames[k] = own;
                    ops
                }
            };
            self.guard = outer;
            let op = match ops?.as_slice() {
                [OpRef::Fixed(op)] => op.clone(),
                [OpRef::Fixed(_), ..] => {
                    return Err(error(
                        it.span,
                        "an alternative must be a single op",
                        "define the sequence as an `op` and name it here",
                    ))
                }
                _ => {
                    return Err(error(
                        it.span,
                        "an alternative cannot itself be a choice",
                        "list the inner alternatives directly",
                    ))
                }
            };
            alts.push(Alt {
                label: op.name.clone(),
                op: Some(op),
            });
        }
        disambiguate(&mut alts);
        self.set_domain(d, Domain::Categorical(alts));
        Ok(d)
    }

    fn builtin(
        &mut self,
        b: Builtin,
        args: Option<&Args>,
        f: &mut Frame,
        ctx: &str,
        span: Span,
    ) -> Result<Op, Diagnostic> {
        if matches!(
            b,
            Builtin::Sum | Builtin::Concat | Builtin::Prod | Builtin::Mean
        ) {
            return self.parallel(b, args, f, ctx, span);
        }
        if b == Builtin::Blend {
            return Err(error(
                span,
                "`blend` of parallel ops is not supported: it blends tensors",
                "write `blend(a, b, gate)` over the nodes of a cell",
            ));
        }
        let kind = match b {
            Builtin::Zero => OpKind::Zero,
            Builtin::Skip => OpKind::Identity,
            _ => OpKind::Other,
        };
        let mut out = Vec::new();
        for (i, a) in args.iter().flat_map(|a| &a.items).enumerate() {
            let name = a.name.as_ref().map(|n| n.name.to_string());
            let sub = format!("{ctx}.{}", name.clone().unwrap_or_else(|| i.to_string()));
            let v = self.value(&a.value, f, &sub)?;
            out.push(Arg {
                name,
                value: arg_value(v, a.span)?,
            });
        }
        Ok(Op {
            name: b.name().to_string(),
            args: out,
            kind,
        })
    }

    fn op_def(
        &mut self,
        def: &OpDef,
        args: Option<&Args>,
        f: &mut Frame,
        ctx: &str,
        span: Span,
    ) -> Result<Op, Diagnostic> {
        let mut callee = Frame::new();
        let first = self.mark();
        self.bind(&def.params, args, f, &mut callee, ctx, span)?;
        let body = self.ops(&def.body, &mut callee, ctx)?;
        let kind = match body.as_slice() {
            [OpRef::Fixed(op)] => op.kind,
            _ => OpKind::Other,
        };
        let mut out: Vec<Arg> = def
            .params
            .iter()
            .zip(&callee.params)
            .map(|(p, v)| {
                Ok(Arg {
                    name: Some(p.name.name.to_string()),
                    value: match v {
                        Val::Ops(ops) => ArgValue::Str(describe(ops)),
                        v => arg_value(v.clone(), p.span)?,
                    },
                })
            })
            .collect::<Result<_, Diagnostic>>()?;
        self.decision_args(first, &mut out);
        let op = Op {
            name: def.name.name.to_string(),
            args: out,
            kind,
        };
        self.expansions.insert(op.clone(), body);
        Ok(op)
    }

    /// Appends to `args` the decisions made since `first` that they do not hold yet, so that
    /// an op's identity includes the choices made inside it.
    fn decision_args(&self, first: usize, args: &mut Vec<Arg>) {
        for d in first..self.mark() {
            if !args.iter().any(|a| a.value == ArgValue::Decision(d)) {
                args.push(Arg {
                    name: Some(
                        self.decisions
                            .get(d)
                            .map_or_else(|| format!("d{d}"), |x| x.name.clone()),
                    ),
                    value: ArgValue::Decision(d),
                });
            }
        }
    }

    /// Parallel ops, `sum(skip, body)`: each argument is a branch applied to the same input,
    /// and the merge combines their outputs. The op is named after the merge; its identity
    /// holds the branches as text and the decisions made in them.
    fn parallel(
        &mut self,
        b: Builtin,
        args: Option<&Args>,
        f: &mut Frame,
        ctx: &str,
        span: Span,
    ) -> Result<Op, Diagnostic> {
        let first = self.mark();
        let mut branches = Vec::new();
        for (i, a) in args.iter().flat_map(|a| &a.items).enumerate() {
            branches.push(self.ops(&a.value, f, &format!("{ctx}.{i}"))?);
        }
        if branches.is_empty() {
            return Err(error(
                span,
                format!("`{}` needs at least one branch", b.name()),
                "give it ops to apply in parallel",
            ));
        }
        let text = branches
            .iter()
            .map(|b| describe(b))
            .collect::<Vec<_>>()
            .join(", ");
        let mut args = vec![Arg {
            name: Some("branches".into()),
            value: ArgValue::Str(text),
        }];
        self.decision_args(first, &mut args);
        let op = Op {
            name: b.name().to_string(),
            args,
            kind: OpKind::Other,
        };
        self.branches.insert(op.clone(), branches);
        Ok(op)
    }
}

/// A text for ops applied in sequence, as an op's identity reads them: `conv(8, 3) >> d4`
/// (`dN` for the op that decision N picks).
fn describe(ops: &[OpRef]) -> String {
    let one = |r: &OpRef| match r {
        OpRef::Choice(d) => format!("d{d}"),
        OpRef::Fixed(op) if op.args.is_empty() => op.name.clone(),
        OpRef::Fixed(op) => {
            let args: Vec<String> = op
                .args
                .iter()
                .map(|a| {
                    let v = match &a.value {
                        ArgValue::Int(x) => x.to_string(),
                        ArgValue::Float(s) => s.clone(),
                        ArgValue::Bool(b) => b.to_string(),
                        ArgValue::Str(s) => format!("[{s}]"),
                        ArgValue::Decision(d) => format!("d{d}"),
                    };
                    match &a.name {
                        Some(n) => format!("{n}: {v}"),
                        None => v,
                    }
                })
                .collect();
            format!("{}({})", op.name, args.join(", "))
        }
    };
    if ops.is_empty() {
        return "skip".into();
    }
    ops.iter().map(one).collect::<Vec<_>>().join(" >> ")
}

/// The labels of a value decision's values (a range's integers, when there are few).
fn value_labels(domain: &Domain) -> Option<Vec<String>> {
    match domain {
        Domain::Categorical(alts) if alts.iter().all(|a| a.op.is_none()) => {
            Some(alts.iter().map(|a| a.label.clone()).collect())
        }
        Domain::Integer { lo, hi } if hi - lo < 1024 => {
            Some((*lo..=*hi).map(|x| x.to_string()).collect())
        }
        Domain::Boolean => Some(vec!["false".into(), "true".into()]),
        _ => None,
    }
}

/// Makes alternative labels unique: repeated names get their constant arguments appended.
fn disambiguate(alts: &mut [Alt]) {
    let names: Vec<String> = alts.iter().map(|a| a.label.clone()).collect();
    for (i, a) in alts.iter_mut().enumerate() {
        if names.iter().filter(|n| **n == names[i]).count() > 1 {
            if let Some(op) = &a.op {
                for arg in &op.args {
                    let part = match &arg.value {
                        ArgValue::Int(x) => x.to_string(),
                        ArgValue::Float(s) | ArgValue::Str(s) => {
                            s.replace(|c: char| !c.is_alphanumeric(), "_")
                        }
                        ArgValue::Bool(b) => b.to_string(),
                        ArgValue::Decision(d) => format!("d{d}"),
                    };
                    a.label.push('_');
                    a.label.push_str(&part);
                }
            }
        }
    }
    let labels: Vec<String> = alts.iter().map(|a| a.label.clone()).collect();
    for (i, a) in alts.iter_mut().enumerate() {
        if labels[..i].contains(&labels[i]) {
            a.label = format!("{}#{i}", labels[i]);
        }
    }
}

fn literal(lit: &Lit, span: Span) -> Result<Val, Diagnostic> {
    Ok(match lit {
        Lit::Int { .. } => Val::Int(
            lit.int_value()
                .ok_or_else(|| error(span, "integer too large", "use a smaller number"))?,
        ),
        Lit::Float { .. } => Val::Float(
            lit.number_value()
                .map_or_else(String::new, |x| x.to_string()),
        ),
        Lit::Duration { value, unit } => Val::Int((*value * unit.seconds()) as i64),
        Lit::Str(s) => Val::Str(s.clone()),
        Lit::Bool(b) => Val::Bool(*b),
    })
}

/// The IR form of an op argument.
pub(crate) fn arg_value(v: Val, span: Span) -> Result<ArgValue, Diagnostic> {
    Ok(match v {
        Val::Int(x) => ArgValue::Int(x),
        Val::Float(s) => ArgValue::Float(s),
        Val::Bool(b) => ArgValue::Bool(b),
        Val::Str(s) => ArgValue::Str(s),
        Val::Decision(d) => ArgValue::Decision(d),
        Val::Ops(_) => {
            return Err(error(
                span,
                "ops as arguments are not supported by the space IR",
                "inline the op",
            ))
        }
    })
}
