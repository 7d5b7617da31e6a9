//! Name resolution and type checking of one item: fills every [`Ref::res`], checks arity and
//! argument types, and rewrites `op * n` into [`ExprKind::Repeat`].

use super::builtins::{self, BuiltinKind};
use super::fast_hash::{FastMap, FastSet};
use super::globals::{DefKind, Globals, ParamInfo};
use super::types::Ty;
use crate::syntax::ast::{Args, BinOp, Expr, ExprKind, Lit, Name, PickCount, Ref, RepeatMode, Res};
use crate::syntax::builtin::{Builtin, Metric};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, Span};

/// Where an expression stands, which decides what names mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// An op or choice body, or a parameter default.
    Op,
    /// A cell body.
    Cell,
    /// A space body.
    Space,
    /// An experiment entry: unknown names are external settings.
    Experiment,
}

/// A name bound in the current body.
#[derive(Clone, Copy, Debug)]
pub struct Local {
    /// The statement binding it.
    pub stmt: u32,
    /// Its position in an `input` list.
    pub index: u32,
    /// Its type (tensor for inputs and nodes; the value's type for `let`).
    pub ty: Ty,
}

/// Resolves and type-checks the expressions of one item.
pub struct Resolver<'a> {
    /// Program-wide tables.
    pub globals: &'a Globals,
    /// The module being checked.
    pub module: u32,
    /// Where we are.
    pub context: Context,
    /// The item's parameters (only those visible so far, for defaults).
    pub params: Vec<ParamInfo>,
    /// Names bound in the body.
    pub locals: FastMap<Name, Local>,
    /// True inside `where`, where metrics are visible.
    pub in_where: bool,
    /// True for the argument of an experiment's `space` entry.
    pub allow_space: bool,
    /// Imports used so far: (module, import item).
    pub used_imports: &'a mut FastSet<(u32, u32)>,
    /// Where diagnostics go.
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Resolver<'_> {
    pub(super) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Checks `expr` and expects type `expected`; reports a mismatch with `what` as context.
    pub fn expect(&mut self, expr: &mut Expr, expected: Ty, what: &str) -> Ty {
        self.expect_with(expr, expected, || what.to_string())
    }

    /// [`Resolver::expect`] with the context written only when there is a mismatch (the
    /// common case, a match, then formats nothing).
    pub fn expect_with(
        &mut self,
        expr: &mut Expr,
        expected: Ty,
        what: impl FnOnce() -> String,
    ) -> Ty {
        let ty = self.check(expr);
        if !ty.fits(expected) {
            let what = what();
            self.error(
                Diagnostic::error(
                    "type-mismatch",
                    format!(
                        "{what} must be {}, but this is {}",
                        article(expected),
                        article(ty)
                    ),
                    expr.span,
                    format!("this is {}", article(ty)),
                )
                .with_hint(type_hint(expected, ty)),
            );
        }
        ty
    }

    /// Checks `expr` and returns its type.
    pub fn check(&mut self, expr: &mut Expr) -> Ty {
        let span = expr.span;
        match &mut expr.kind {
            ExprKind::Lit(lit) => match lit {
                Lit::Int { .. } => Ty::Int,
                Lit::Float { .. } => Ty::Float,
                Lit::Duration { .. } => Ty::Duration,
                Lit::Str(_) => Ty::Str,
                Lit::Bool(_) => Ty::Bool,
            },
            ExprKind::Error => Ty::Error,
            ExprKind::Ref(reference) => self.check_ref(reference, span),
            ExprKind::Seq(items) => self.check_seq(items),
            ExprKind::Alt(items) => self.check_alt(items, span),
            ExprKind::Range { start, end, .. } => {
                self.expect(start, Ty::Int, "a range bound");
                self.expect(end, Ty::Int, "a range bound");
                Ty::Int
            }
            ExprKind::Neg(inner) => {
                let ty = self.check(inner);
                if !ty.is_number() && ty != Ty::Error {
                    self.error(Diagnostic::error(
                        "type-mismatch",
                        format!("`-` needs a number, but this is {}", article(ty)),
                        inner.span,
                        "not a number",
                    ));
                    return Ty::Error;
                }
                ty
            }
            ExprKind::Binary { .. } => self.check_binary(expr),
            ExprKind::Repeat { body, count, .. } => {
                self.expect(body, Ty::Op, "the repeated part");
                self.expect(count, Ty::Int, "a repetition count");
                Ty::Op
            }
            ExprKind::Pick { count, candidates } => {
                if let PickCount::Exactly(count) = count {
                    self.expect(count, Ty::Int, "the number of picked inputs");
                }
                if self.context != Context::Cell {
                    self.error(
                        Diagnostic::error(
                            "misplaced",
                            "input choices belong in cells",
                            span,
                            "not in a cell",
                        )
                        .with_hint(
                            "`k of [..]` and `any of [..]` pick among a cell's inputs and nodes",
                        ),
                    );
                }
                for candidate in candidates.iter_mut() {
                    self.expect(candidate, Ty::Tensor, "a candidate input");
                }
                Ty::Tensors
            }
            ExprKind::List(items) => {
                for item in items.iter_mut() {
                    self.check(item);
                }
                Ty::List
            }
        }
    }

    fn check_seq(&mut self, items: &mut [Expr]) -> Ty {
        // Every stage is checked (none is skipped after an error), so that each one's
        // problems are reported in one run.
        let mut acc = Ty::Op;
        for (position, item) in items.iter_mut().enumerate() {
            let ty = self.check(item);
            if acc == Ty::Error {
                continue;
            }
            if position == 0 {
                if ty.is_tensor() || ty == Ty::Op || ty == Ty::Error {
                    acc = ty;
                    continue;
                }
            } else if ty == Ty::Op || ty == Ty::Error {
                continue;
            }
            let hint = if ty.is_tensor() {
                "a tensor can only start a chain: `x0 >> op`; combine tensors with sum(..) or concat(..)"
            } else {
                "`>>` chains ops (and applies them to a tensor inside cells)"
            };
            self.error(
                Diagnostic::error(
                    "type-mismatch",
                    format!("`>>` needs an op here, but this is {}", article(ty)),
                    item.span,
                    format!("this is {}", article(ty)),
                )
                .with_hint(hint),
            );
            acc = Ty::Error;
        }
        acc
    }

    fn check_alt(&mut self, items: &mut [Expr], span: Span) -> Ty {
        // Every alternative is checked (none is skipped after an error), so that each one's
        // problems are reported in one run.
        let mut result: Option<(Ty, Span)> = None;
        let mut failed = false;
        for item in items.iter_mut() {
            let ty = self.check(item);
            if failed || ty == Ty::Error {
                failed = true;
                continue;
            }
            // A cell's node may choose its kind among tensor expressions
            // (`sum(2 of [x, h]) | prod(2 of [x, h])`); elsewhere there are no tensors.
            if ty.is_tensor() && (ty != Ty::Tensor || self.context != Context::Cell) {
                self.error(
                    Diagnostic::error(
                        "type-mismatch",
                        "alternatives cannot be tensor lists",
                        item.span,
                        "a tensor list",
                    )
                    .with_hint("merge the picked inputs in each alternative: `sum(2 of [a, b]) | prod(2 of [a, b])`"),
                );
                failed = true;
                continue;
            }
            match result {
                None => result = Some((ty, item.span)),
                Some((first, _)) if first == ty => {}
                Some((first, _)) if first.is_number() && ty.is_number() => {
                    result = Some((Ty::Float, span))
                }
                Some((first, first_span)) => {
                    self.error(
                        Diagnostic::error(
                            "type-mismatch",
                            format!(
                                "alternatives must all have one type, but these are {} and {}",
                                article(first),
                                article(ty)
                            ),
                            item.span,
                            format!("this is {}", article(ty)),
                        )
                        .with_label(first_span, format!("this is {}", article(first))),
                    );
                    failed = true;
                }
            }
        }
        match result {
            Some((ty, _)) if !failed => ty,
            _ => Ty::Error,
        }
    }

    fn check_binary(&mut self, expr: &mut Expr) -> Ty {
        let ExprKind::Binary { op, lhs, rhs } = &mut expr.kind else {
            return Ty::Error;
        };
        let op = *op;
        let left = self.check(lhs);
        let right = self.check(rhs);
        if left == Ty::Error || right == Ty::Error {
            return Ty::Error;
        }
        if op == BinOp::Mul && left == Ty::Op {
            if right != Ty::Int {
                self.error(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "a repetition count must be an int, but this is {}",
                            article(right)
                        ),
                        rhs.span,
                        "not an int",
                    )
                    .with_hint("write `op * n`, `op * (2..=4)` or `op * (2 | 3)`"),
                );
                return Ty::Error;
            }
            let placeholder = Expr {
                kind: ExprKind::Error,
                span: expr.span,
            };
            if let ExprKind::Binary { lhs, rhs, .. } =
                std::mem::replace(&mut expr.kind, placeholder.kind)
            {
                expr.kind = ExprKind::Repeat {
                    body: lhs,
                    count: rhs,
                    mode: RepeatMode::Shared,
                };
            }
            return Ty::Op;
        }
        let comparison = op.is_comparison();
        let ok = if comparison && matches!(op, BinOp::Eq | BinOp::Ne) {
            left == right || (left.is_number() && right.is_number())
        } else if comparison {
            (left.is_number() && right.is_number())
                || (left == Ty::Duration && right == Ty::Duration)
        } else {
            left.is_number() && right.is_number()
        };
        if !ok {
            let predicate = [&**lhs, &**rhs]
                .into_iter()
                .find_map(|side| match &side.kind {
                    ExprKind::Ref(r) => match r.res {
                        Res::Metric(m) if m.is_predicate() => Some(m.name()),
                        _ => None,
                    },
                    _ => None,
                });
            let hint = if right == Ty::Op && op == BinOp::Mul {
                "repetition is written `op * n`, with the op on the left".to_string()
            } else if let Some(name) = predicate {
                format!("`{name}` is true or false, not a number: write `where {name}` on its own")
            } else {
                "arithmetic works on ints and floats".to_string()
            };
            self.error(
                Diagnostic::error(
                    "type-mismatch",
                    format!(
                        "`{}` cannot combine {} and {}",
                        op.symbol(),
                        article(left),
                        article(right)
                    ),
                    expr.span,
                    format!("{} {} {}", left, op.symbol(), right),
                )
                .with_hint(hint),
            );
            return Ty::Error;
        }
        if comparison {
            Ty::Bool
        } else if left == Ty::Float || right == Ty::Float {
            Ty::Float
        } else {
            Ty::Int
        }
    }

    fn not_callable(&mut self, reference: &Ref, what: &str) {
        if let Some(args) = &reference.args {
            self.error(
                Diagnostic::error(
                    "not-callable",
                    format!("`{}` is {what} and takes no arguments", reference.name.name),
                    args.span,
                    "remove these arguments",
                )
                .with_label(reference.name.span, what.to_string()),
            );
        }
    }

    fn check_ref(&mut self, reference: &mut Ref, span: Span) -> Ty {
        let name: &str = &reference.name.name;
        if self.context == Context::Experiment {
            reference.res = Res::External;
            if let Some(args) = reference.args.as_mut() {
                for arg in args.items.iter_mut() {
                    self.check(&mut arg.value);
                }
            }
            return Ty::External;
        }
        if let Some(local) = self.locals.get(name).copied() {
            reference.res = Res::Local {
                stmt: local.stmt,
                index: local.index,
            };
            let what = if local.ty.is_tensor() {
                "a tensor"
            } else {
                "a `let` binding"
            };
            self.not_callable(reference, what);
            return local.ty;
        }
        if let Some(index) = self.params.iter().position(|p| p.name == name) {
            reference.res = Res::Param(index as u32);
            self.not_callable(reference, "a parameter");
            return self.params[index].ty;
        }
        let own = self.globals.own_def(self.module, name).map(|id| (id, None));
        let imported;
        let found: &[(crate::syntax::ast::DefId, Option<u32>)] = match &own {
            Some(single) => std::slice::from_ref(single),
            None => {
                imported = self.globals.lookup(self.module, name);
                &imported
            }
        };
        if let Some(&(id, _)) = found.first() {
            for &(_, via) in found {
                if let Some(item) = via {
                    self.used_imports.insert((self.module, item));
                }
            }
            if found.len() > 1 {
                self.error(
                    Diagnostic::error(
                        "ambiguous-name",
                        format!("`{name}` is defined by several imported files"),
                        reference.name.span,
                        "which one?",
                    )
                    .with_hint("rename one of the definitions"),
                );
            }
            reference.res = Res::Def(id);
            let globals = self.globals;
            let info = &globals.defs[&id];
            let (kind, ty, params) = (info.kind, info.ty, &info.params);
            match kind {
                DefKind::Space if !self.allow_space => {
                    self.error(
                        Diagnostic::error("misplaced", format!("the space `{name}` cannot be used as an op"), span, "a space")
                            .with_hint("spaces are searched by experiments; define reusable parts with `op` or `cell`"),
                    );
                    return Ty::Error;
                }
                DefKind::Experiment => {
                    self.error(Diagnostic::error(
                        "misplaced",
                        format!("the experiment `{name}` cannot be used in an expression"),
                        span,
                        "an experiment",
                    ));
                    return Ty::Error;
                }
                _ => {}
            }
            self.check_args(
                name,
                params,
                reference.args.as_deref_mut(),
                reference.name.span,
            );
            return ty;
        }
        if let Some(builtin) = Builtin::from_name(name) {
            reference.res = Res::Builtin(builtin);
            return self.check_builtin(builtin, reference, span);
        }
        if self.in_where {
            if let Some(metric) = Metric::from_name(name) {
                let in_cell = self.context == Context::Cell;
                if metric.is_cell_metric() != in_cell {
                    let place = if metric.is_cell_metric() {
                        "a cell's"
                    } else {
                        "a space's"
                    };
                    self.error(Diagnostic::error(
                        "misplaced",
                        format!("`{name}` can only be constrained in {place} `where`"),
                        span,
                        "not available here",
                    ));
                    return Ty::Error;
                }
                reference.res = Res::Metric(metric);
                self.not_callable(reference, "a metric");
                return if metric.is_predicate() {
                    Ty::Bool
                } else {
                    Ty::Int
                };
            }
        }
        self.unknown_name(reference);
        if let Some(args) = reference.args.as_mut() {
            for arg in args.items.iter_mut() {
                self.check(&mut arg.value);
            }
        }
        Ty::Error
    }

    fn unknown_name(&mut self, reference: &Ref) {
        let name = &reference.name.name;
        let mut candidates: Vec<&str> = self.globals.visible_names(self.module);
        candidates.extend(self.locals.keys().map(Name::as_str));
        candidates.extend(self.params.iter().map(|p| p.name.as_str()));
        candidates.extend(Builtin::ALL.iter().map(|b| b.name()));
        if self.in_where {
            candidates.extend(Metric::ALL.iter().map(|m| m.name()));
        }
        let mut diagnostic = Diagnostic::error(
            "unknown-name",
            format!("unknown name `{name}`"),
            reference.name.span,
            "not defined",
        );
        diagnostic = match did_you_mean(name, candidates) {
            Some(best) => diagnostic.with_hint(format!("did you mean `{best}`?")),
            None => diagnostic
                .with_hint("define it with `op`, `choice` or `cell`, or import the file that does"),
        };
        self.error(diagnostic);
    }

    fn check_builtin(&mut self, builtin: Builtin, reference: &mut Ref, span: Span) -> Ty {
        match builtins::kind(builtin) {
            BuiltinKind::Op | BuiltinKind::Shape => {
                let globals = self.globals;
                let params = globals.builtin_params(builtin);
                self.check_args(
                    builtin.name(),
                    params,
                    reference.args.as_deref_mut(),
                    reference.name.span,
                );
                if builtin == Builtin::Conv {
                    self.check_conv_kernel(reference);
                }
                if builtins::kind(builtin) == BuiltinKind::Shape {
                    Ty::Shape
                } else {
                    Ty::Op
                }
            }
            BuiltinKind::Combinator => self.check_combinator(builtin, reference, span),
            BuiltinKind::Conditional => self.check_when(reference, span),
        }
    }

    /// `conv` needs a kernel size: `k` (square), or both `kh` and `kw` (each defaults to `k`).
    fn check_conv_kernel(&mut self, reference: &Ref) {
        let Some(args) = &reference.args else {
            return;
        };
        if args
            .items
            .iter()
            .any(|a| matches!(a.value.kind, ExprKind::Error))
        {
            return;
        }
        let positional = args.items.iter().filter(|a| a.name.is_none()).count();
        let named = |n: &str| {
            args.items
                .iter()
                .any(|a| a.name.as_ref().is_some_and(|x| x.name == n))
        };
        if positional >= 2 || named("k") || (named("kh") && named("kw")) {
            return;
        }
        let missing = match (named("kh"), named("kw")) {
            (true, false) => "`kw` (or `k`)",
            (false, true) => "`kh` (or `k`)",
            _ => "`k`",
        };
        self.error(
            Diagnostic::error(
                "missing-argument",
                format!("`conv` needs its kernel size: {missing}"),
                reference.name.span,
                format!("missing {missing}"),
            )
            .with_hint("write `conv(c, 3)` for a 3×3 kernel, or `conv(c, kh: 1, kw: 7)` for 1×7"),
        );
    }

    fn check_combinator(&mut self, builtin: Builtin, reference: &mut Ref, span: Span) -> Ty {
        let name = builtin.name();
        let Some(args) = reference.args.as_mut() else {
            self.error(
                Diagnostic::error(
                    "missing-argument",
                    format!("`{name}` needs operands"),
                    span,
                    "no operands",
                )
                .with_hint(format!(
                    "write `{name}(a, b)` with tensors (in cells) or ops (parallel branches)"
                )),
            );
            return Ty::Error;
        };
        let mut kinds: Vec<(Ty, Span)> = Vec::new();
        for arg in args.items.iter_mut() {
            if let Some(arg_name) = &arg.name {
                self.error(Diagnostic::error(
                    "unknown-argument",
                    format!("`{name}` takes no named arguments"),
                    arg_name.span,
                    "not a parameter",
                ));
            }
            let ty = self.check(&mut arg.value);
            kinds.push((ty, arg.value.span));
        }
        if kinds.iter().any(|(ty, _)| *ty == Ty::Error) {
            return Ty::Error;
        }
        if builtin == Builtin::Blend && kinds.len() != 3 {
            self.error(Diagnostic::error(
                "arity",
                format!(
                    "`blend` takes 3 operands (a, b, gate), but {} were given",
                    kinds.len()
                ),
                args.span,
                "here",
            ));
            return Ty::Error;
        }
        if kinds.is_empty() {
            self.error(Diagnostic::error(
                "missing-argument",
                format!("`{name}` needs operands"),
                args.span,
                "empty",
            ));
            return Ty::Error;
        }
        let tensors = kinds.iter().filter(|(ty, _)| ty.is_tensor()).count();
        let ops = kinds.iter().filter(|(ty, _)| *ty == Ty::Op).count();
        if tensors == kinds.len() {
            return Ty::Tensor;
        }
        if ops == kinds.len() {
            return Ty::Op;
        }
        let (bad_ty, bad_span) = kinds
            .iter()
            .copied()
            .find(|(ty, _)| {
                if tensors > 0 {
                    !ty.is_tensor()
                } else {
                    *ty != Ty::Op
                }
            })
            .unwrap_or((Ty::Error, span));
        self.error(
            Diagnostic::error(
                "type-mismatch",
                format!("`{name}` combines tensors or ops, but this operand is {}", article(bad_ty)),
                bad_span,
                format!("this is {}", article(bad_ty)),
            )
            .with_hint("inside a cell give it tensors (`x0 >> op`); in a space, give it ops (parallel branches)"),
        );
        Ty::Error
    }

    /// Checks `args` against `params` of the callee `callee` (arity, names, types).
    pub fn check_args(
        &mut self,
        callee: &str,
        params: &[ParamInfo],
        args: Option<&mut Args>,
        name_span: Span,
    ) {
        let mut given: Vec<Option<Span>> = vec![None; params.len()];
        let mut broken = false;
        if let Some(args) = args {
            let mut seen_named = false;
            let mut positional = 0usize;
            for arg in args.items.iter_mut() {
                if matches!(arg.value.kind, ExprKind::Error) {
                    broken = true;
                }
                let slot = match &arg.name {
                    None if seen_named => {
                        self.error(
                            Diagnostic::error(
                                "arity",
                                "a positional argument cannot follow named ones",
                                arg.span,
                                "positional",
                            )
                            .with_hint("put positional arguments first"),
                        );
                        None
                    }
                    None => {
                        let index = Some(positional).filter(|&i| i < params.len());
                        positional += 1;
                        if index.is_none() {
                            self.error(
                                Diagnostic::error(
                                    "arity",
                                    format!(
                                        "`{callee}` takes {} argument{}, but more were given",
                                        params.len(),
                                        plural(params.len())
                                    ),
                                    arg.span,
                                    "one too many",
                                )
                                .with_note(signature(callee, params)),
                            );
                        }
                        index
                    }
                    Some(name) => {
                        seen_named = true;
                        match params.iter().position(|p| p.name == name.name) {
                            Some(index) => {
                                if let Some(previous) = given[index] {
                                    self.error(
                                        Diagnostic::error(
                                            "arity",
                                            format!("the argument `{}` is given twice", name.name),
                                            arg.span,
                                            "again here",
                                        )
                                        .with_label(previous, "first here"),
                                    );
                                    None
                                } else {
                                    Some(index)
                                }
                            }
                            None => {
                                let mut diagnostic = Diagnostic::error(
                                    "unknown-argument",
                                    format!("`{callee}` has no parameter `{}`", name.name),
                                    name.span,
                                    "unknown parameter",
                                )
                                .with_note(signature(callee, params));
                                if let Some(best) =
                                    did_you_mean(&name.name, params.iter().map(|p| p.name.as_str()))
                                {
                                    diagnostic =
                                        diagnostic.with_hint(format!("did you mean `{best}`?"));
                                }
                                self.error(diagnostic);
                                None
                            }
                        }
                    }
                };
                match slot {
                    Some(index) => {
                        given[index] = Some(arg.span);
                        self.expect_with(&mut arg.value, params[index].ty, || {
                            format!("the argument `{}` of `{callee}`", params[index].name)
                        });
                    }
                    None => {
                        self.check(&mut arg.value);
                    }
                }
            }
        }
        if broken {
            return;
        }
        let missing: Vec<&str> = params
            .iter()
            .zip(&given)
            .filter(|(p, g)| !p.has_default && g.is_none())
            .map(|(p, _)| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.error(
                Diagnostic::error(
                    "missing-argument",
                    format!("`{callee}` needs {list}"),
                    name_span,
                    format!("missing {list}"),
                )
                .with_note(signature(callee, params)),
            );
        }
    }
}

/// `callee(a: int, b: int = ..)` for notes.
fn signature(callee: &str, params: &[ParamInfo]) -> String {
    let list: Vec<String> = params
        .iter()
        .map(|p| {
            let default = if p.has_default { " = …" } else { "" };
            format!("{}: {}{default}", p.name, p.ty)
        })
        .collect();
    format!("the signature is `{callee}({})`", list.join(", "))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "an int", "a tensor", ...
pub fn article(ty: Ty) -> String {
    let word = ty.to_string();
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

fn type_hint(expected: Ty, found: Ty) -> String {
    match (expected, found) {
        (Ty::Tensor, Ty::Op) => "apply the op to a tensor: `x0 >> op`".to_string(),
        (Ty::Tensor, Ty::Tensors) => {
            "combine the picked inputs: `sum(k of [..])` or `concat(..)`".to_string()
        }
        (Ty::Op, Ty::Tensor) => {
            "ops are applied to tensors inside cells; here an op is expected".to_string()
        }
        (Ty::Int, Ty::Float) => "use a whole number".to_string(),
        _ => format!("expected {}", article(expected)),
    }
}
