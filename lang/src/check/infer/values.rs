//! Values: what an expression evaluates to when it is not applied to a tensor — integers
//! (one or several possible), floats, ops as closures, data shapes — and the arithmetic on
//! them.

use super::*;
use crate::check::shape::{size_diagnostic, size_op};
use crate::wiring::size::{self, Arith, SizeError};

impl<'p> Infer<'p> {
    /// Evaluates `expr` as a value.
    pub(super) fn value(&mut self, expr: &'p Expr, env: &Rc<Env<'p>>) -> Val<'p> {
        if !self.tick() || self.nesting >= MAX_NESTING {
            return Val::Unknown;
        }
        self.nesting += 1;
        let value = self.value_inner(expr, env);
        self.nesting -= 1;
        value
    }

    fn value_inner(&mut self, expr: &'p Expr, env: &Rc<Env<'p>>) -> Val<'p> {
        let closure = |env: &Rc<Env<'p>>| {
            Val::Op(Rc::new(Closure {
                expr,
                env: env.clone(),
            }))
        };
        match &expr.kind {
            ExprKind::Lit(Lit::Int { .. }) => expr_int(expr).map_or(Val::Unknown, |v| ints([v])),
            ExprKind::Lit(Lit::Float { value, magnitude }) => {
                Val::Float(value * magnitude.factor() as f64)
            }
            ExprKind::Lit(_) | ExprKind::Error | ExprKind::List(_) => Val::Unknown,
            ExprKind::Ref(reference) => match reference.res {
                Res::Param(i) => env.params.get(i as usize).cloned().unwrap_or(Val::Unknown),
                Res::Local { stmt, index } => self.local(env, stmt, index),
                Res::Def(id) => match self.item(id) {
                    Some(ItemKind::Choice(def))
                        if !self.is_recursive(id) && !is_op_choice(&def.body) =>
                    {
                        let inner = self.bind(&def.params, &[], reference.args.as_deref(), env);
                        self.value(&def.body, &inner)
                    }
                    _ => closure(env),
                },
                Res::Builtin(builtin) => match builtins::kind(builtin) {
                    BuiltinKind::Op => closure(env),
                    BuiltinKind::Shape => self.shape_value(builtin, reference.args.as_deref(), env),
                    BuiltinKind::Conditional => {
                        // `when(k == v, a, b)`: what the two branches agree on.
                        let mut branches =
                            reference.args.iter().flat_map(|args| &args.items).skip(1);
                        match (branches.next(), branches.next()) {
                            (Some(a), Some(b)) => {
                                match (self.value(&a.value, env), self.value(&b.value, env)) {
                                    (Val::Tensor(x), Val::Tensor(y)) => {
                                        Val::Tensor(self.merge(x, y))
                                    }
                                    _ => Val::Unknown,
                                }
                            }
                            _ => Val::Unknown,
                        }
                    }
                    BuiltinKind::Combinator => {
                        let operands: Vec<(Val<'p>, Span)> = reference
                            .args
                            .iter()
                            .flat_map(|args| &args.items)
                            .map(|arg| (self.value(&arg.value, env), arg.value.span))
                            .collect();
                        if operands
                            .iter()
                            .any(|(v, _)| matches!(v, Val::Tensor(_) | Val::Tensors(..)))
                        {
                            Val::Tensor(self.combine(builtin, &operands, expr.span))
                        } else {
                            closure(env)
                        }
                    }
                },
                _ => Val::Unknown,
            },
            ExprKind::Seq(items) => {
                let Some((first, rest)) = items.split_first() else {
                    return Val::Unknown;
                };
                match self.value(first, env) {
                    Val::Tensor(shape) => {
                        let mut shape = shape;
                        for op in rest {
                            shape = self.apply(op, env, &[shape]);
                        }
                        Val::Tensor(shape)
                    }
                    Val::Tensors(shapes, picked) => {
                        let shapes = shapes
                            .into_iter()
                            .map(|mut shape| {
                                for op in rest {
                                    shape = self.apply(op, env, &[shape]);
                                }
                                shape
                            })
                            .collect();
                        Val::Tensors(shapes, picked)
                    }
                    _ => closure(env),
                }
            }
            ExprKind::Alt(items) => {
                if let Some(index) = self.pinned(expr, items.len(), 0) {
                    return self.value(&items[index], env);
                }
                let values: Vec<Val<'p>> = items.iter().map(|item| self.value(item, env)).collect();
                if values.iter().all(|v| matches!(v, Val::Ints(_))) {
                    ints(
                        values
                            .iter()
                            .flat_map(|v| match v {
                                Val::Ints(list) => &list[..],
                                _ => &[],
                            })
                            .copied(),
                    )
                } else if values.iter().all(|v| matches!(v, Val::Op(_))) {
                    closure(env)
                } else if let Some(node) = self.tensor_alternatives(&values) {
                    node
                } else {
                    Val::Unknown
                }
            }
            ExprKind::Range {
                start,
                end,
                inclusive,
            } => {
                match (
                    single(&self.value(start, env)),
                    single(&self.value(end, env)),
                ) {
                    (Some(lo), Some(hi)) => {
                        let hi = match size::eval(Arith::Sub, hi, i64::from(!*inclusive)) {
                            Ok(hi) => hi,
                            Err(e) => return self.size_error(e, expr.span),
                        };
                        if hi < lo {
                            self.diagnostics.push(Diagnostic::error(
                                "empty-range",
                                format!("the range {lo} to {hi} is empty"),
                                expr.span,
                                "no values",
                            ));
                            Val::Unknown
                        } else if size::eval(Arith::Sub, hi, lo)
                            .map_or(true, |n| n >= MAX_VALUES as i64)
                        {
                            Val::Unknown
                        } else if let Some(index) = self.pinned(expr, (hi - lo + 1) as usize, lo) {
                            ints([lo + index as i64])
                        } else {
                            ints(lo..=hi)
                        }
                    }
                    _ => Val::Unknown,
                }
            }
            ExprKind::Neg(inner) => match self.value(inner, env) {
                Val::Ints(list) => match list
                    .iter()
                    .map(|&v| size::neg(v))
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(values) => ints(values),
                    Err(e) => self.size_error(e, expr.span),
                },
                Val::Float(v) => Val::Float(-v),
                _ => Val::Unknown,
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.value(lhs, env), self.value(rhs, env));
                self.arith(*op, a, b, expr.span)
            }
            ExprKind::Repeat { .. } => closure(env),
            ExprKind::Pick { count, candidates } => {
                let shapes = candidates
                    .iter()
                    .map(|c| match self.value(c, env) {
                        Val::Tensor(shape) => shape,
                        _ => Shape::Unknown,
                    })
                    .collect::<Vec<_>>();
                let picked = match count {
                    PickCount::Any => None,
                    PickCount::Exactly(k) => {
                        let k_value = single(&self.value(k, env));
                        if let Some(k) = k_value.filter(|&k| k < 1 || k as usize > candidates.len())
                        {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "bad-pick",
                                    format!("cannot pick {k} of {} candidates", candidates.len()),
                                    expr.span,
                                    "here",
                                )
                                .with_hint("pick between 1 and the number of candidates"),
                            );
                        }
                        k_value
                    }
                };
                Val::Tensors(shapes, picked)
            }
        }
    }

    fn arith(&mut self, op: BinOp, a: Val<'p>, b: Val<'p>, span: Span) -> Val<'p> {
        match (a, b) {
            (Val::Ints(a), Val::Ints(b)) if !op.is_comparison() => {
                if matches!(op, BinOp::Div | BinOp::Rem) && b.contains(&0) {
                    return self.size_error(SizeError::DivisionByZero, span);
                }
                let Some(op) = size_op(op) else {
                    return Val::Unknown;
                };
                if let (IntSet::One(x), IntSet::One(y)) = (&a, &b) {
                    // The usual case (`2 * c`): one known value, no list to build.
                    return match size::eval(op, *x, *y) {
                        Ok(v) => Val::Ints(IntSet::One(v)),
                        Err(e) => self.size_error(e, span),
                    };
                }
                if a.len() * b.len() > MAX_VALUES * 4 {
                    return Val::Unknown;
                }
                let mut out = Vec::with_capacity(a.len() * b.len());
                for &x in a.iter() {
                    for &y in b.iter() {
                        match size::eval(op, x, y) {
                            Ok(v) => out.push(v),
                            Err(e) => return self.size_error(e, span),
                        }
                    }
                }
                ints(out)
            }
            (a, b) if !op.is_comparison() => match (as_float(&a), as_float(&b)) {
                (Some(x), Some(y)) => match op {
                    BinOp::Add => Val::Float(x + y),
                    BinOp::Sub => Val::Float(x - y),
                    BinOp::Mul => Val::Float(x * y),
                    BinOp::Div if y != 0.0 => Val::Float(x / y),
                    _ => Val::Unknown,
                },
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    /// Reports a value that cannot be computed (an overflow); the value is unknown.
    fn size_error(&mut self, error: SizeError, span: Span) -> Val<'p> {
        self.diagnostics.push(size_diagnostic(error, span));
        Val::Unknown
    }

    fn shape_value(
        &mut self,
        builtin: Builtin,
        args: Option<&'p Args>,
        env: &Rc<Env<'p>>,
    ) -> Val<'p> {
        let dims: Vec<Dim> = args
            .iter()
            .flat_map(|a| &a.items)
            .map(|arg| {
                let value = single(&self.value(&arg.value, env));
                if let Some(v) = value.filter(|&v| v < 1) {
                    self.diagnostics.push(Diagnostic::error(
                        "shape",
                        format!("a shape's sizes must be at least 1, but this is {v}"),
                        arg.value.span,
                        "too small",
                    ));
                }
                value.filter(|&v| v >= 1).map_or(Dim::Unknown, Dim::Known)
            })
            .collect();
        let dim = |i: usize| dims.get(i).copied().unwrap_or(Dim::Unknown);
        Val::Shape(match builtin {
            Builtin::Image => Shape::Image {
                c: dim(0),
                h: dim(1),
                w: dim(2),
            },
            Builtin::Vector => Shape::Vector { d: dim(0) },
            Builtin::Sequence => Shape::Sequence {
                t: dim(0),
                d: dim(1),
            },
            _ => Shape::Unknown,
        })
    }
}
