//! Shape inference: evaluates parameter expressions and pushes shapes through ops, cells and
//! spaces, reporting ops that do not fit their input (a stride that shrinks a map to nothing,
//! a `linear` on an image) and merges of tensors whose shapes differ.
//!
//! Values that are decisions (`3 | 5`, `2..=4`) are tracked as sets of possible ints; a shape
//! dimension that differs between alternatives becomes unknown, so only certain errors are
//! reported. A step budget bounds the work on pathological programs.

use super::builtins::{self, BuiltinKind};
use super::fast_hash::{FastMap, FastSet};
use super::load::Module;
use super::shape::{apply_builtin, Dim, Shape};
use crate::syntax::ast::{
    Args, BinOp, DefId, Expr, ExprKind, ItemKind, Lit, PickCount, Res, Stmt, StmtKind,
};
use crate::syntax::builtin::Builtin;
use crate::syntax::{Diagnostic, Span};
use crate::wiring::{self, History, WiringError};
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

mod builtin;
pub mod split;
mod values;

/// Whether `item` is the `none` op (zeros of whatever shape its siblings produce).
fn is_zero(item: &Expr) -> bool {
    matches!(&item.kind, ExprKind::Ref(r) if r.res == Res::Builtin(Builtin::Zero))
}

/// At most this many possible values are tracked for one int decision.
const MAX_VALUES: usize = 256;
/// At most this many argument combinations are tried for one built-in op.
const MAX_COMBINATIONS: usize = 64;
/// Repetitions are followed at most this many times (unless they reach a fixed point first).
const MAX_REPEAT: i64 = 256;
/// Definitions may instantiate each other at most this deep.
const MAX_CALL_DEPTH: usize = 64;
/// Evaluation may recurse at most this deep (bounds stack use on hostile programs).
const MAX_NESTING: usize = 600;
/// Total work units for one program's shape check.
const STEP_BUDGET: usize = 2_000_000;

/// A value during inference.
#[derive(Clone)]
enum Val<'p> {
    /// One or more possible ints (one means known).
    Ints(IntSet),
    /// A known float.
    Float(f64),
    /// An op: an expression in its environment.
    Op(Rc<Closure<'p>>),
    /// A tensor in a cell.
    Tensor(Shape),
    /// An input choice: the candidates' shapes and how many are picked (`None` for `any`).
    Tensors(Vec<Shape>, Option<i64>),
    /// A data shape.
    Shape(Shape),
    /// Anything not tracked.
    Unknown,
}

struct Closure<'p> {
    expr: &'p Expr,
    env: Rc<Env<'p>>,
}

/// The bindings inside one instantiated definition.
struct Env<'p> {
    params: Vec<Val<'p>>,
    body: &'p [Stmt],
    lets: RefCell<FastMap<u32, Val<'p>>>,
    tensors: RefCell<FastMap<(u32, u32), Shape>>,
    busy: RefCell<FastSet<u32>>,
}

impl<'p> Env<'p> {
    fn new(params: Vec<Val<'p>>, body: &'p [Stmt]) -> Rc<Env<'p>> {
        Rc::new(Env {
            params,
            body,
            lets: RefCell::default(),
            tensors: RefCell::default(),
            busy: RefCell::default(),
        })
    }
}

/// The shape checker of one program.
pub struct Infer<'p> {
    modules: &'p [Module],
    recursive: &'p HashSet<DefId>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// The shapes after each stage of every space instance checked.
    pub traces: Vec<ShapeTrace>,
    steps: usize,
    /// Shapes of definitions applied to arguments and inputs, by [`memo_key`].
    memo: FastMap<Box<[i64]>, Shape>,
    /// Reusable buffers for memo keys (one per nested application in progress).
    key_buffers: Vec<Vec<i64>>,
    /// Reusable buffers for argument values (a memo hit hands its buffer back).
    value_buffers: Vec<Vec<Val<'p>>>,
    nesting: usize,
    depth: usize,
    note: Option<String>,
    /// Decision values fixed for this run (see [`split`]): a choice expression, by address,
    /// evaluates only its alternative at this index.
    pins: FastMap<usize, usize>,
    /// The choices this run evaluated unpinned, in order: each with its number of
    /// alternatives and, for a range, its first value.
    choices: Vec<(&'p Expr, usize, i64)>,
    /// Whether two alternatives (or repetition counts, or argument values) led to shapes that
    /// disagree, so that a merge forgot what a decision decides.
    lossy: bool,
}

/// A sorted set of possible ints; a single value needs no allocation.
#[derive(Clone)]
enum IntSet {
    /// Exactly one value.
    One(i64),
    /// Two or more values, sorted and distinct.
    Many(Rc<[i64]>),
}

impl std::ops::Deref for IntSet {
    type Target = [i64];

    fn deref(&self) -> &[i64] {
        match self {
            IntSet::One(value) => std::slice::from_ref(value),
            IntSet::Many(list) => list,
        }
    }
}

/// Appends the encoding of `shape` to a memo key (a prefix code: tag, then dimensions).
fn encode_shape(shape: Shape, key: &mut Vec<i64>) {
    let mut dim = |dim: Dim| match dim {
        Dim::Known(value) => key.extend([0, value]),
        Dim::Unknown => key.push(1),
    };
    match shape {
        Shape::Image { c, h, w } => {
            dim(Dim::Known(0));
            dim(c);
            dim(h);
            dim(w);
        }
        Shape::Vector { d } => {
            dim(Dim::Known(1));
            dim(d);
        }
        Shape::Sequence { t, d } => {
            dim(Dim::Known(2));
            dim(t);
            dim(d);
        }
        Shape::Unknown => dim(Dim::Known(3)),
    }
}

/// Writes into `key` the memo key of applying `id` with `params` to `inputs`: a flat,
/// unambiguous encoding of the definition, each argument value and each input shape.
/// Returns false (leaving `key` unusable) when a parameter holds an op or a tensor, whose
/// effect cannot be keyed.
fn memo_key(id: DefId, params: &[Val<'_>], inputs: &[Shape], key: &mut Vec<i64>) -> bool {
    key.clear();
    key.extend([
        i64::from(id.module),
        i64::from(id.item),
        params.len() as i64,
    ]);
    for value in params {
        match value {
            Val::Ints(list) => {
                key.extend([0, list.len() as i64]);
                key.extend_from_slice(list);
            }
            Val::Float(f) => key.extend([1, f.to_bits() as i64]),
            Val::Shape(shape) => {
                key.push(2);
                encode_shape(*shape, key);
            }
            Val::Unknown => key.push(3),
            Val::Op(_) | Val::Tensor(_) | Val::Tensors(..) => return false,
        }
    }
    key.push(inputs.len() as i64);
    for &shape in inputs {
        encode_shape(shape, key);
    }
    true
}

/// How many outputs a pipeline keeps for its cells to read (the compiler keeps as many as
/// its widest cell reads; a cell of more inputs sees the oldest kept one repeated).
const KEEP: usize = 8;

/// Built-in ops have at most this many parameters (checked by a test).
const MAX_BUILTIN_PARAMS: usize = 8;

/// The values one argument of a built-in op may take: one (a default, or `None` when not
/// tracked) or a set of ints.
enum ArgOptions {
    /// A single value (`None`: unknown).
    Fixed(Option<i64>),
    /// Each of these ints.
    Ints(IntSet),
}

impl ArgOptions {
    /// How many values.
    fn len(&self) -> usize {
        match self {
            ArgOptions::Fixed(_) => 1,
            ArgOptions::Ints(list) => list.len(),
        }
    }

    /// The `i`-th value.
    fn get(&self, i: usize) -> Option<i64> {
        match self {
            ArgOptions::Fixed(value) => *value,
            ArgOptions::Ints(list) => list.get(i).copied(),
        }
    }
}

/// The shapes flowing through one checked space instance.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeTrace {
    /// Which space with which parameters.
    pub context: String,
    /// The input shape.
    pub input: Shape,
    /// Each top-level stage of the network (its span) and its output shape.
    pub stages: Vec<(Span, Shape)>,
}

/// The set of `values` (at most [`MAX_VALUES`] distinct ones, else unknown).
fn ints<'a>(values: impl IntoIterator<Item = i64>) -> Val<'a> {
    let mut values = values.into_iter();
    let Some(first) = values.next() else {
        return Val::Unknown;
    };
    let Some(second) = values.next() else {
        return Val::Ints(IntSet::One(first));
    };
    let mut list: Vec<i64> = vec![first, second];
    list.extend(values.take(MAX_VALUES - 1));
    list.sort_unstable();
    list.dedup();
    match list.len() {
        1 => Val::Ints(IntSet::One(first)),
        n if n > MAX_VALUES => Val::Unknown,
        _ => Val::Ints(IntSet::Many(list.into())),
    }
}

impl<'p> Infer<'p> {
    /// A checker over `modules`; definitions in `recursive` are never instantiated.
    pub fn new(modules: &'p [Module], recursive: &'p HashSet<DefId>) -> Infer<'p> {
        Infer {
            modules,
            recursive,
            diagnostics: Vec::new(),
            traces: Vec::new(),
            steps: 0,
            // Each definition is typically applied with a few argument sets: sized so that
            // the table rarely grows (rehashing every key) while checking.
            memo: {
                let items: usize = modules.iter().map(|m| m.ast.items.len()).sum();
                let mut memo = FastMap::default();
                memo.reserve(items.saturating_mul(4));
                memo
            },
            key_buffers: Vec::new(),
            value_buffers: Vec::new(),
            nesting: 0,
            depth: 0,
            note: None,
            pins: FastMap::default(),
            choices: Vec::new(),
            lossy: false,
        }
    }

    /// The shape that agrees with both alternatives where they agree, noting when they
    /// disagree (see [`Infer::lossy`]).
    fn merge(&mut self, a: Shape, b: Shape) -> Shape {
        if a.mismatch(b).is_some() {
            self.lossy = true;
        }
        a.merge(b)
    }

    /// The alternative `choice` is pinned to in this run, or `None` (and `choice`, with its
    /// `count` alternatives — values from `first` for a range — is remembered as a decision
    /// this run met).
    fn pinned(&mut self, choice: &'p Expr, count: usize, first: i64) -> Option<usize> {
        let key = choice as *const Expr as usize;
        if let Some(&index) = self.pins.get(&key) {
            return Some(index);
        }
        if !self.choices.iter().any(|(c, ..)| std::ptr::eq(*c, choice)) {
            self.choices.push((choice, count, first));
        }
        None
    }

    fn item(&self, id: DefId) -> Option<&'p ItemKind> {
        self.modules
            .get(id.module as usize)
            .and_then(|m| m.ast.items.get(id.item as usize))
            .map(|item| &item.kind)
    }

    /// Whether `id` is part of a recursion (never instantiated). Almost no program has one, so
    /// the (SipHash) lookup is skipped when the set is empty.
    fn is_recursive(&self, id: DefId) -> bool {
        !self.recursive.is_empty() && self.recursive.contains(&id)
    }

    fn tick(&mut self) -> bool {
        self.steps += 1;
        self.steps <= STEP_BUDGET
    }

    fn report(
        &mut self,
        code: &'static str,
        message: String,
        span: Span,
        label: String,
    ) -> Diagnostic {
        let mut diagnostic = Diagnostic::error(code, message, span, label);
        if let Some(note) = &self.note {
            diagnostic = diagnostic.with_note(note.clone());
        }
        diagnostic
    }

    /// Checks every definition of module `module` on its own (parameters and input unknown).
    pub fn check_definitions(&mut self, module: u32) {
        let Some(m) = self.modules.get(module as usize) else {
            return;
        };
        for (i, item) in m.ast.items.iter().enumerate() {
            self.steps = 0;
            self.check_root(module, i, item);
            if self.steps > STEP_BUDGET {
                let span = item.kind.name().map_or(item.span, |name| name.span);
                self.diagnostics.push(
                    Diagnostic::warning(
                        "shape-check-incomplete",
                        "this definition is too large to check its shapes completely",
                        span,
                        "checking stopped in here",
                    )
                    .with_hint(
                        "shapes beyond the checked part are verified when the network is built",
                    ),
                );
            }
        }
        self.note = None;
    }

    /// Checks one top-level item on its own (or, for experiments, the space they use).
    fn check_root(&mut self, module: u32, i: usize, item: &'p crate::syntax::ast::Item) {
        {
            let id = DefId {
                module,
                item: i as u32,
            };
            if self.is_recursive(id) {
                return;
            }
            self.note = None;
            match &item.kind {
                ItemKind::Op(def) | ItemKind::Choice(def) => {
                    let params = vec![Val::Unknown; def.params.len()];
                    // Remembered as an application to unknown arguments and input would be,
                    // so a later such use (a cell's own check) is a memo hit.
                    let mut key = Vec::new();
                    let keyed = memo_key(id, &params, &[Shape::Unknown], &mut key);
                    let env = Env::new(params, &[]);
                    let out = self.apply(&def.body, &env, &[Shape::Unknown]);
                    // A check cut short by the step budget is not a result to reuse.
                    if keyed && self.steps <= STEP_BUDGET {
                        self.memo.insert(key.into_boxed_slice(), out);
                    }
                }
                ItemKind::Cell(def) => {
                    let env = Env::new(vec![Val::Unknown; def.params.len()], &def.body);
                    self.run_cell(&env, &[Shape::Unknown], None, item.span);
                }
                ItemKind::Space(def) => {
                    let env = self.bind_defaults(&def.params, &def.body);
                    let shown = describe_params(&def.params, &env.params);
                    self.note = Some(format!("in the space `{}` with {shown}", def.name.name));
                    self.run_space(&env);
                }
                ItemKind::Experiment(def) => {
                    for entry in &def.entries {
                        let crate::syntax::ast::EntryValue::Args(args) = &entry.value else {
                            continue;
                        };
                        if entry.key.name != "space" {
                            continue;
                        }
                        let Some(ExprKind::Ref(reference)) = args.first().map(|a| &a.value.kind)
                        else {
                            continue;
                        };
                        let Res::Def(space_id) = reference.res else {
                            continue;
                        };
                        if self.is_recursive(space_id) {
                            continue;
                        }
                        let Some(ItemKind::Space(space)) = self.item(space_id) else {
                            continue;
                        };
                        let caller = Env::new(Vec::new(), &[]);
                        let env = self.bind(
                            &space.params,
                            &space.body,
                            reference.args.as_deref(),
                            &caller,
                        );
                        let shown = describe_params(&space.params, &env.params);
                        self.note = Some(format!(
                            "in the space `{}` as the experiment `{}` uses it, with {shown}",
                            space.name.name, def.name.name
                        ));
                        self.run_space(&env);
                    }
                }
                ItemKind::Import(_) => {}
            }
        }
    }

    fn run_space(&mut self, env: &Rc<Env<'p>>) {
        let mut input = Shape::Unknown;
        let body = env.body;
        for stmt in body {
            if let StmtKind::InputShape(shape) = &stmt.kind {
                if let Val::Shape(shape) = self.value(shape, env) {
                    input = shape;
                }
            }
        }
        for stmt in body {
            let StmtKind::Network(network) = &stmt.kind else {
                continue;
            };
            let mut trace = ShapeTrace {
                context: self.note.clone().unwrap_or_default(),
                input,
                stages: Vec::new(),
            };
            match &network.kind {
                ExprKind::Seq(stages) => {
                    let mut history = History::new(input, KEEP);
                    for stage in stages {
                        self.pipe(stage, env, &mut history);
                        trace.stages.push((stage.span, *history.newest()));
                    }
                }
                _ => {
                    let out = self.apply(network, env, &[input]);
                    trace.stages.push((network.span, out));
                }
            }
            self.traces.push(trace);
        }
    }

    /// Binds parameters to their defaults (unknown where there is none).
    fn bind_defaults(
        &mut self,
        params: &'p [crate::syntax::ast::Param],
        body: &'p [Stmt],
    ) -> Rc<Env<'p>> {
        let caller = Env::new(Vec::new(), &[]);
        self.bind(params, body, None, &caller)
    }

    /// Binds `params` to `args` evaluated in `caller`; defaults see earlier parameters.
    fn bind(
        &mut self,
        params: &'p [crate::syntax::ast::Param],
        body: &'p [Stmt],
        args: Option<&'p Args>,
        caller: &Rc<Env<'p>>,
    ) -> Rc<Env<'p>> {
        let mut values = Vec::with_capacity(params.len());
        self.bind_values(params, args, caller, &mut values);
        Env::new(values, body)
    }

    /// Appends to the empty `values` what [`Infer::bind`] binds `params` to.
    fn bind_values(
        &mut self,
        params: &'p [crate::syntax::ast::Param],
        args: Option<&'p Args>,
        caller: &Rc<Env<'p>>,
        values: &mut Vec<Val<'p>>,
    ) {
        // The argument given for each parameter (on the stack for the usual few parameters).
        let mut inline: [Option<&'p Expr>; 8] = [None; 8];
        let mut spilled: Vec<Option<&'p Expr>>;
        let given: &mut [Option<&'p Expr>] = match inline.get_mut(..params.len()) {
            Some(slots) => slots,
            None => {
                spilled = vec![None; params.len()];
                &mut spilled
            }
        };
        if let Some(args) = args {
            let mut positional = 0;
            for arg in &args.items {
                let slot = match &arg.name {
                    None => {
                        positional += 1;
                        Some(positional - 1)
                    }
                    Some(name) => params.iter().position(|p| p.name.name == name.name),
                };
                if let Some(slot) = slot.filter(|&s| s < params.len()) {
                    given[slot] = Some(&arg.value);
                }
            }
        }
        for (param, &arg) in params.iter().zip(given.iter()) {
            let value = match (arg, &param.default) {
                (Some(arg), _) => self.value(arg, caller),
                // A literal needs no environment; others see the earlier parameters.
                (None, Some(default)) if matches!(default.kind, ExprKind::Lit(_)) => {
                    self.value(default, caller)
                }
                (None, Some(default)) => {
                    let partial = Env::new(values.clone(), &[]);
                    self.value(default, &partial)
                }
                (None, None) => Val::Unknown,
            };
            values.push(value);
        }
    }

    fn local(&mut self, env: &Rc<Env<'p>>, stmt: u32, index: u32) -> Val<'p> {
        let Some(statement) = env.body.get(stmt as usize) else {
            return Val::Unknown;
        };
        match &statement.kind {
            StmtKind::Let { value, .. } => {
                if let Some(known) = env.lets.borrow().get(&stmt) {
                    return known.clone();
                }
                if !env.busy.borrow_mut().insert(stmt) {
                    return Val::Unknown;
                }
                let computed = self.value(value, env);
                env.busy.borrow_mut().remove(&stmt);
                env.lets.borrow_mut().insert(stmt, computed.clone());
                computed
            }
            StmtKind::Input(_) | StmtKind::State(_) => Val::Tensor(
                env.tensors
                    .borrow()
                    .get(&(stmt, index))
                    .copied()
                    .unwrap_or(Shape::Unknown),
            ),
            StmtKind::Node { value, .. } => {
                if let Some(known) = env.tensors.borrow().get(&(stmt, 0)) {
                    return Val::Tensor(*known);
                }
                if !env.busy.borrow_mut().insert(stmt) {
                    return Val::Tensor(Shape::Unknown);
                }
                let shape = match self.value(value, env) {
                    Val::Tensor(shape) => shape,
                    _ => Shape::Unknown,
                };
                env.busy.borrow_mut().remove(&stmt);
                env.tensors.borrow_mut().insert((stmt, 0), shape);
                Val::Tensor(shape)
            }
            _ => Val::Unknown,
        }
    }

    /// Applies the op `expr` (in `env`) to `history` (a layer reads the newest, a cell what
    /// the wiring plan says), returning the output shape.
    fn apply(&mut self, expr: &'p Expr, env: &Rc<Env<'p>>, history: &[Shape]) -> Shape {
        if !self.tick() || self.nesting >= MAX_NESTING {
            return Shape::Unknown;
        }
        self.nesting += 1;
        let shape = self.apply_inner(expr, env, history);
        self.nesting -= 1;
        shape
    }

    fn apply_inner(&mut self, expr: &'p Expr, env: &Rc<Env<'p>>, history: &[Shape]) -> Shape {
        let input = history.last().copied().unwrap_or(Shape::Unknown);
        match &expr.kind {
            ExprKind::Ref(reference) => match reference.res {
                Res::Builtin(builtin) if builtins::kind(builtin) == BuiltinKind::Op => {
                    self.apply_builtin_op(builtin, reference.args.as_deref(), env, input, expr.span)
                }
                Res::Builtin(builtin) if builtins::kind(builtin) == BuiltinKind::Combinator => {
                    let outputs: Vec<(Val<'p>, Span)> = reference
                        .args
                        .iter()
                        .flat_map(|args| &args.items)
                        .map(|arg| {
                            (
                                Val::Tensor(self.apply(&arg.value, env, history)),
                                arg.value.span,
                            )
                        })
                        .collect();
                    self.combine(builtin, &outputs, expr.span)
                }
                Res::Def(id) => {
                    self.apply_def(id, reference.args.as_deref(), env, history, expr.span)
                }
                Res::Param(_) | Res::Local { .. } => {
                    let value = self.value(expr, env);
                    self.apply_value(&value, history)
                }
                _ => Shape::Unknown,
            },
            ExprKind::Seq(_) | ExprKind::Repeat { .. } => {
                let mut history = History::of(history, KEEP, Shape::Unknown);
                self.pipe_parts(expr, env, &mut history);
                *history.newest()
            }
            ExprKind::Alt(items) => {
                if let Some(index) = self.pinned(expr, items.len(), 0) {
                    return self.apply(&items[index], env, history);
                }
                // `none` yields zeros of whatever shape its siblings produce (as a strided
                // zero op does in a reduction cell), so it does not constrain the merge.
                let mut merged: Option<Shape> = None;
                for item in items.iter().filter(|item| !is_zero(item)) {
                    let out = self.apply(item, env, history);
                    merged = Some(match merged {
                        Some(m) => self.merge(m, out),
                        None => out,
                    });
                }
                merged.unwrap_or(input)
            }
            _ => {
                let value = self.value(expr, env);
                self.apply_value(&value, history)
            }
        }
    }

    /// Runs one part of a pipeline on `history` as the wiring plan does: a sequence part by
    /// part, a repetition copy by copy, a cell's output joining the history and anything
    /// else's (a layer's) starting it afresh.
    fn pipe(&mut self, expr: &'p Expr, env: &Rc<Env<'p>>, history: &mut History<Shape>) {
        match &expr.kind {
            ExprKind::Seq(_) | ExprKind::Repeat { .. } => {
                if !self.tick() || self.nesting >= MAX_NESTING {
                    return history.layer(Shape::Unknown);
                }
                self.nesting += 1;
                self.pipe_parts(expr, env, history);
                self.nesting -= 1;
            }
            ExprKind::Ref(r) if matches!(r.res, Res::Param(_) | Res::Local { .. }) => {
                match self.value(expr, env) {
                    Val::Op(closure) => self.pipe(closure.expr, &closure.env, history),
                    _ => history.layer(Shape::Unknown),
                }
            }
            _ => {
                let out = self.apply(expr, env, history.as_slice());
                if self.is_cell_call(expr) {
                    history.cell(out);
                } else {
                    history.layer(out);
                }
            }
        }
    }

    /// [`Infer::pipe`] on the parts of a sequence or the copies of a repetition.
    fn pipe_parts(&mut self, expr: &'p Expr, env: &Rc<Env<'p>>, history: &mut History<Shape>) {
        match &expr.kind {
            ExprKind::Seq(items) => {
                for item in items {
                    self.pipe(item, env, history);
                }
            }
            ExprKind::Repeat { body, count, .. } => {
                let out = self.repeat(body, count, env, history);
                *history.newest_mut() = out;
            }
            _ => self.pipe(expr, env, history),
        }
    }

    /// Runs `body` as often as `count` says on `history`; returns the output, merged over the
    /// counts `count` may be.
    fn repeat(
        &mut self,
        body: &'p Expr,
        count: &'p Expr,
        env: &Rc<Env<'p>>,
        history: &mut History<Shape>,
    ) -> Shape {
        let counts: Vec<i64> = match self.value(count, env) {
            Val::Ints(list) => list.to_vec(),
            _ => return Shape::Unknown,
        };
        if let Some(&bad) = counts.iter().find(|&&c| c < 0) {
            self.diagnostics.push(Diagnostic::error(
                "bad-repeat",
                format!("a repetition count cannot be negative, but it is {bad}"),
                count.span,
                "negative",
            ));
            return Shape::Unknown;
        }
        let most = counts.iter().copied().max().unwrap_or(0);
        let input = *history.newest();
        let mut result: Option<Shape> = counts.contains(&0).then_some(input);
        let mut current = input;
        for done in 1..=most {
            if done > MAX_REPEAT {
                return Shape::Unknown;
            }
            self.pipe(body, env, history);
            let out = *history.newest();
            let fixed = out == current;
            current = out;
            if counts.contains(&done) {
                result = Some(result.map_or(out, |r| self.merge(r, out)));
            }
            if fixed && history.as_slice().iter().all(|&s| s == out) {
                if counts.iter().any(|&c| c > done) {
                    result = Some(result.map_or(out, |r| self.merge(r, out)));
                }
                break;
            }
        }
        result.unwrap_or(Shape::Unknown)
    }

    /// Whether `expr` calls a cell (a pipeline step whose output joins the history).
    fn is_cell_call(&self, expr: &Expr) -> bool {
        matches!(&expr.kind, ExprKind::Ref(r) if matches!(r.res, Res::Def(id) if matches!(self.item(id), Some(ItemKind::Cell(_)))))
    }

    fn apply_value(&mut self, value: &Val<'p>, history: &[Shape]) -> Shape {
        match value {
            Val::Op(closure) => {
                let closure = closure.clone();
                self.apply(closure.expr, &closure.env, history)
            }
            _ => Shape::Unknown,
        }
    }

    fn apply_def(
        &mut self,
        id: DefId,
        args: Option<&'p Args>,
        env: &Rc<Env<'p>>,
        history: &[Shape],
        span: Span,
    ) -> Shape {
        if self.is_recursive(id) || self.depth >= MAX_CALL_DEPTH {
            return Shape::Unknown;
        }
        let Some(item) = self.item(id) else {
            return Shape::Unknown;
        };
        let (params, body, is_cell) = match item {
            ItemKind::Op(def) | ItemKind::Choice(def) => (&def.params, &[][..], false),
            ItemKind::Cell(def) => (&def.params, &def.body[..], true),
            _ => return Shape::Unknown,
        };
        let mut values = self.value_buffers.pop().unwrap_or_default();
        self.bind_values(params, args, env, &mut values);
        let inputs: usize = body
            .iter()
            .map(|stmt| match &stmt.kind {
                StmtKind::Input(names) => names.len(),
                _ => 0,
            })
            .sum();
        // What it reads: a cell the inputs the wiring plan picks, anything else the newest.
        let cell_read: Vec<Shape>;
        let read: &[Shape] = match (is_cell, history) {
            (_, []) => &[Shape::Unknown],
            (true, _) => {
                cell_read = wiring::reads(history.len(), inputs)
                    .map(|j| history[j])
                    .collect();
                &cell_read
            }
            (false, _) => &history[history.len() - 1..],
        };
        let mut key = self.key_buffers.pop().unwrap_or_default();
        let keyed = memo_key(id, &values, read, &mut key);
        if keyed {
            if let Some(known) = self.memo.get(key.as_slice()) {
                let known = *known;
                self.key_buffers.push(key);
                values.clear();
                self.value_buffers.push(values);
                return known;
            }
        }
        let inner = Env::new(values, body);
        self.depth += 1;
        let out = match item {
            ItemKind::Cell(_) => {
                let stride = match params.iter().position(|p| p.name.name == wiring::STRIDE) {
                    Some(i) => inner.params.get(i).and_then(single),
                    None => Some(1),
                };
                self.run_cell(&inner, read, stride, span)
            }
            ItemKind::Op(def) | ItemKind::Choice(def) => self.apply(&def.body, &inner, history),
            _ => Shape::Unknown,
        };
        self.depth -= 1;
        if keyed {
            self.memo.insert(key.as_slice().into(), out);
        }
        self.key_buffers.push(key);
        out
    }

    /// Runs a cell on `read` (what it reads, oldest first, one per input): each input is
    /// brought where the wiring plan says (with two or more, to the cell's first argument's
    /// channels at the newest one's size), and the edges from its inputs see it `stride` times
    /// smaller (`None`: a stride that is not known). Returns its output's shape.
    fn run_cell(
        &mut self,
        env: &Rc<Env<'p>>,
        read: &[Shape],
        stride: Option<i64>,
        span: Span,
    ) -> Shape {
        let mut inputs: Vec<(u32, u32)> = Vec::new();
        for (s, stmt) in env.body.iter().enumerate() {
            if let StmtKind::Input(names) = &stmt.kind {
                inputs.extend((0..names.len() as u32).map(|i| (s as u32, i)));
            }
        }
        let count = inputs.len();
        let channels = (count >= 2)
            .then(|| env.params.first().and_then(single))
            .flatten();
        let wired = match wiring::cell_inputs(read, count, channels) {
            Ok(wired) => wired,
            Err(error @ WiringError::Resolution { input }) => {
                let diagnostic = self
                    .report(
                        "shape",
                        format!("{error}: {} and {}", read[input], read[count - 1]),
                        span,
                        "this cell reads them".to_string(),
                    )
                    .with_hint("a cell reads the most recent cell outputs; between two it reads, at most one may halve the map");
                self.diagnostics.push(diagnostic);
                return Shape::Unknown;
            }
        };
        for (key, input) in inputs.iter().zip(&wired) {
            env.tensors
                .borrow_mut()
                .insert(*key, input.shape.strided(stride));
        }
        let state = state_shape(wired.first().map(|w| w.shape), env);
        for (s, stmt) in env.body.iter().enumerate() {
            if let StmtKind::State(names) = &stmt.kind {
                for i in 0..names.len() {
                    env.tensors.borrow_mut().insert((s as u32, i as u32), state);
                }
            }
        }
        let mut output = Shape::Unknown;
        for (s, stmt) in env.body.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Output(value) => {
                    if let Val::Tensor(shape) = self.value(value, env) {
                        output = shape;
                    }
                }
                StmtKind::Next { state: name, value } => {
                    if let Val::Tensor(next) = self.value(value, env) {
                        if let Some(why) = state.mismatch(next) {
                            let diagnostic = self
                                .report(
                                    "shape",
                                    format!("the next value of the state `{}` does not fit it: {why}", name.name),
                                    value.span,
                                    format!("{next}, the state is {state}"),
                                )
                                .with_hint("a state is as wide as the cell's first argument; map the value there with `linear(d)`");
                            self.diagnostics.push(diagnostic);
                        }
                    }
                }
                StmtKind::Node { .. } => {
                    self.local(env, s as u32, 0);
                }
                _ => {}
            }
        }
        output
    }
}

/// The shape of a recurrent cell's states: the step input's (`x`, the first input) with as
/// many features as the cell's first argument (its width), when both are known.
fn state_shape(x: Option<Shape>, env: &Env<'_>) -> Shape {
    let d = env
        .params
        .first()
        .and_then(single)
        .map_or(Dim::Unknown, Dim::Known);
    match x {
        Some(Shape::Sequence { t, .. }) => Shape::Sequence { t, d },
        Some(Shape::Vector { .. }) => Shape::Vector { d },
        _ => Shape::Unknown,
    }
}

/// Whether a choice's body chooses among ops (rather than values).
fn is_op_choice(body: &Expr) -> bool {
    let first = match &body.kind {
        ExprKind::Alt(items) => items.first(),
        _ => Some(body),
    };
    !matches!(
        first.map(|e| &e.kind),
        Some(
            ExprKind::Lit(_) | ExprKind::Range { .. } | ExprKind::Neg(_) | ExprKind::Binary { .. }
        )
    )
}

fn expr_int(expr: &Expr) -> Option<i64> {
    match &expr.kind {
        ExprKind::Lit(lit) => lit.int_value(),
        _ => None,
    }
}

fn single(value: &Val<'_>) -> Option<i64> {
    match value {
        Val::Ints(list) if list.len() == 1 => Some(list[0]),
        _ => None,
    }
}

fn as_float(value: &Val<'_>) -> Option<f64> {
    match value {
        Val::Float(v) => Some(*v),
        Val::Ints(list) if list.len() == 1 => Some(list[0] as f64),
        _ => None,
    }
}

/// `c = 16, n = 5` for notes.
fn describe_params(params: &[crate::syntax::ast::Param], values: &[Val<'_>]) -> String {
    if params.is_empty() {
        return "no parameters".to_string();
    }
    params
        .iter()
        .zip(values)
        .map(|(p, v)| {
            let shown = match v {
                Val::Ints(list) if list.len() == 1 => list[0].to_string(),
                Val::Ints(list) => list
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(" | "),
                Val::Float(f) => format!("{f:?}"),
                _ => "?".to_string(),
            };
            format!("{} = {shown}", p.name.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::MAX_BUILTIN_PARAMS;
    use crate::syntax::builtin::Builtin;

    #[test]
    fn builtin_parameter_lists_fit_the_fixed_buffers() {
        for &builtin in Builtin::ALL {
            assert!(super::builtins::params(builtin).len() <= MAX_BUILTIN_PARAMS);
        }
    }
}
