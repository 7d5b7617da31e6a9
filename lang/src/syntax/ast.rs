//! The abstract syntax tree of one `.nas` file. Every node carries a [`Span`].
//!
//! The parser leaves every [`Ref::res`] as [`Res::Unresolved`]; the checker
//! ([`crate::check`]) fills it in and rewrites `op * n` products into [`ExprKind::Repeat`],
//! so a checked tree can be walked without resolving names again.

use super::builtin::{Builtin, Metric};
use super::span::Span;

/// The text of a name: a string kept inline (no heap allocation) up to 24 bytes, so the
/// tree of a large file does not hold one small allocation per name. It derefs to `&str`.
pub type Name = compact_str::CompactString;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: Name,
    /// Where it was written.
    pub span: Span,
}

/// A whole file: its items in source order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    /// Top-level items.
    pub items: Vec<Item>,
    /// The whole file.
    pub span: Span,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The kinds of top-level items.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `import "path"`.
    Import(Import),
    /// `op name(params) = expr`: a named operation (its decisions are made per use).
    Op(OpDef),
    /// `choice name(params) = a | b | ...`: a named categorical choice (one decision per use).
    Choice(OpDef),
    /// `cell name(params) { ... }`: a DAG of nodes.
    Cell(CellDef),
    /// `space name(params) { ... }`: a macro skeleton (the searchable network).
    Space(SpaceDef),
    /// `experiment name { ... }`: what to search, on what data, how, and for how long.
    Experiment(ExperimentDef),
}

impl ItemKind {
    /// The item's name, if it has one (imports have none).
    pub fn name(&self) -> Option<&Ident> {
        match self {
            ItemKind::Import(_) => None,
            ItemKind::Op(def) | ItemKind::Choice(def) => Some(&def.name),
            ItemKind::Cell(def) => Some(&def.name),
            ItemKind::Space(def) => Some(&def.name),
            ItemKind::Experiment(def) => Some(&def.name),
        }
    }

    /// The item's parameters (empty for imports and experiments).
    pub fn params(&self) -> &[Param] {
        match self {
            ItemKind::Op(def) | ItemKind::Choice(def) => &def.params,
            ItemKind::Cell(def) => &def.params,
            ItemKind::Space(def) => &def.params,
            ItemKind::Import(_) | ItemKind::Experiment(_) => &[],
        }
    }

    /// The keyword that introduces this kind of item.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Import(_) => "import",
            ItemKind::Op(_) => "op",
            ItemKind::Choice(_) => "choice",
            ItemKind::Cell(_) => "cell",
            ItemKind::Space(_) => "space",
            ItemKind::Experiment(_) => "experiment",
        }
    }
}

/// `import "path"`: makes the top-level definitions of another file visible here.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The path as written (`stdlib/...` or relative to the importing file).
    pub path: String,
    /// The string literal's span.
    pub path_span: Span,
}

/// An `op` or `choice` definition.
#[derive(Clone, Debug, PartialEq)]
pub struct OpDef {
    /// Its name.
    pub name: Ident,
    /// Its parameters (empty when written without parentheses).
    pub params: Vec<Param>,
    /// The operation it stands for.
    pub body: Expr,
}

/// A typed parameter with an optional default: `c: int`, `stride: int = 1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Its name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeAnn,
    /// The default value, if any.
    pub default: Option<Expr>,
    /// The whole parameter.
    pub span: Span,
}

/// A written type with its span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TypeAnn {
    /// Which type.
    pub kind: ParamType,
    /// Where it was written.
    pub span: Span,
}

/// The types a parameter may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// A whole number.
    Int,
    /// A real number.
    Float,
    /// `true` or `false`.
    Bool,
    /// A string.
    Str,
    /// An operation (a tensor-to-tensor function), for higher-order ops.
    Op,
}

impl ParamType {
    /// The keyword-like name of the type.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
            ParamType::Str => "str",
            ParamType::Op => "op",
        }
    }

    /// All types, for suggestions.
    pub const ALL: [ParamType; 5] = [
        ParamType::Int,
        ParamType::Float,
        ParamType::Bool,
        ParamType::Str,
        ParamType::Op,
    ];
}

/// A `cell` definition: a DAG with named inputs, nodes and one output.
#[derive(Clone, Debug, PartialEq)]
pub struct CellDef {
    /// Its name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Param>,
    /// Its statements (`input`, `node`, `let`, `output`, `where`).
    pub body: Vec<Stmt>,
}

/// A `space` definition: the network skeleton that is searched.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceDef {
    /// Its name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Param>,
    /// Its statements (`input SHAPE`, `let`, one network expression, `where`).
    pub body: Vec<Stmt>,
}

/// A statement in a cell or space body.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// The whole statement.
    pub span: Span,
}

/// The kinds of statements. Cells use `Input`, `State`, `Node`, `Next`, `Output`, `Let`,
/// `Where`; spaces use
/// `InputShape`, `Let`, `Network`, `Where`.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `input x0, x1` (cell): the cell's input tensors, in order.
    Input(Vec<Ident>),
    /// `input image(3, 32, 32)` (space): the shape of the data fed to the network.
    InputShape(Expr),
    /// `node name = expr` (cell): a tensor computed from earlier nodes.
    Node {
        /// The node's name.
        name: Ident,
        /// Its value (a tensor expression).
        value: Expr,
    },
    /// `output expr` (cell): the cell's result.
    Output(Expr),
    /// `state h, c` (recurrent cell): named states carried from one step to the next, read
    /// like inputs (their values after the previous step; zeros before the first).
    State(Vec<Ident>),
    /// `next h = expr` (recurrent cell): the value state `h` takes for the next step.
    Next {
        /// The state it updates (resolved to its `state` statement).
        state: Ident,
        /// Its next value (a tensor expression).
        value: Expr,
    },
    /// `let name = expr`: binds ONE value or decision, shared by every use of `name`.
    Let {
        /// The bound name.
        name: Ident,
        /// Its value.
        value: Expr,
    },
    /// `where cond`: a constraint architectures must satisfy.
    Where(Expr),
    /// The network expression of a space (stem >> stages >> head).
    Network(Expr),
}

/// An `experiment` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ExperimentDef {
    /// Its name.
    pub name: Ident,
    /// Its entries in order.
    pub entries: Vec<Entry>,
}

/// One line of an experiment: `key value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// `space`, `data`, `evaluate`, `strategy`, `budget`, `objective`, `seed`, ...
    pub key: Ident,
    /// What follows the key.
    pub value: EntryValue,
    /// The whole entry.
    pub span: Span,
}

/// The value of an experiment entry.
#[derive(Clone, Debug, PartialEq)]
pub enum EntryValue {
    /// A comma-separated argument list: `nb201(c: 16)` or `trials: 200, time: 4h`.
    Args(Vec<Arg>),
    /// `maximize metric`, or several comma-separated (`maximize valid_acc, minimize
    /// params`): never empty.
    Objective(Vec<Objective>),
}

/// One objective of an `objective` entry: `maximize metric`, `minimize metric`, or a
/// direction and a formula of metrics (`maximize valid_acc * pow(latency / 20, -0.07)`).
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// Which way.
    pub direction: Direction,
    /// The span of the direction word.
    pub direction_span: Span,
    /// What to optimise: a metric's name, or a formula of metrics.
    pub value: Expr,
}

impl Objective {
    /// The metric, when the objective is a bare name (`maximize valid_acc`), not a formula.
    pub fn metric(&self) -> Option<&Ident> {
        match &self.value.kind {
            ExprKind::Ref(r) if r.args.is_none() => Some(&r.name),
            _ => None,
        }
    }

    /// The objective as written (formatted): `maximize valid_acc`.
    pub fn text(&self) -> String {
        format!(
            "{} {}",
            self.direction.word(),
            crate::fmt::expr_to_string(&self.value)
        )
    }
}

/// The objectives of an `objective` entry as written: `maximize valid_acc, minimize params`.
pub fn objectives_text(objectives: &[Objective]) -> String {
    objectives
        .iter()
        .map(Objective::text)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether an objective is maximised or minimised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Larger is better.
    Maximize,
    /// Smaller is better.
    Minimize,
}

impl Direction {
    /// The word as written.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Maximize => "maximize",
            Direction::Minimize => "minimize",
        }
    }
}

/// An expression. One grammar serves operations, tensors (in cells), values and shapes;
/// the checker tells them apart by type.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Its full extent (parentheses around it are not included).
    pub span: Span,
}

/// The kinds of expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Lit(Lit),
    /// A name, possibly applied to arguments: `relu`, `conv(c, 3)`, `x0`, `c`.
    Ref(Ref),
    /// `a >> b >> c`: sequential composition (also applies ops to a tensor: `x0 >> op`).
    Seq(Vec<Expr>),
    /// `a | b | c`: alternatives, one decision (ops or values).
    Alt(Vec<Expr>),
    /// `lo..hi` or `lo..=hi`: an integer range, one decision.
    Range {
        /// Lower bound (inclusive).
        start: Box<Expr>,
        /// Upper bound.
        end: Box<Expr>,
        /// Whether `end` is included (`..=`).
        inclusive: bool,
    },
    /// Arithmetic or a comparison.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `-x`.
    Neg(Box<Expr>),
    /// `body * count` where `body` is an op: repetition. The parser produces it only for
    /// `* count independent`; the checker turns `op * n` products into it.
    Repeat {
        /// The repeated op.
        body: Box<Expr>,
        /// The count: an int, or a range/alternatives for a chosen depth.
        count: Box<Expr>,
        /// Whether the copies share one genotype.
        mode: RepeatMode,
    },
    /// `k of [a, b, c]` or `any of [a, b, c]`: an input choice over candidates.
    Pick {
        /// How many are picked.
        count: PickCount,
        /// The candidates.
        candidates: Vec<Expr>,
    },
    /// `[a, b, c]`: a list value (e.g. in experiment arguments).
    List(Vec<Expr>),
    /// Something that failed to parse (already reported).
    Error,
}

/// How many candidates an input choice picks.
#[derive(Clone, Debug, PartialEq)]
pub enum PickCount {
    /// `any of`: any subset (one boolean per candidate).
    Any,
    /// `k of`: exactly `k` distinct candidates.
    Exactly(Box<Expr>),
}

/// Whether repeated copies share their decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RepeatMode {
    /// `x * n`: every copy uses the same genotype.
    Shared,
    /// `x * n independent`: every copy has its own decisions.
    Independent,
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*` (multiplication; the checker rewrites `op * n` to [`ExprKind::Repeat`])
    Mul,
    /// `/` (integer division on ints)
    Div,
    /// `%`
    Rem,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }

    /// Whether this is a comparison (result is a bool).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

/// A reference to a name, with arguments if it is applied: `conv(c, 3, stride: 2)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ref {
    /// The name.
    pub name: Ident,
    /// The arguments, when written with parentheses (`relu()` has `Some(empty)`). Boxed so
    /// that the many references without arguments keep every expression small.
    pub args: Option<Box<Args>>,
    /// What the name means; [`Res::Unresolved`] until checked.
    pub res: Res,
}

/// A parenthesised argument list.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    /// The arguments in order (positional ones first).
    pub items: Vec<Arg>,
    /// From `(` to `)`.
    pub span: Span,
}

/// One argument: positional (`3`) or named (`stride: 2`).
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The name for a named argument.
    pub name: Option<Ident>,
    /// The value.
    pub value: Expr,
    /// The whole argument.
    pub span: Span,
}

/// What a name refers to, filled in by the checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Res {
    /// Not resolved (before checking, or the name is unknown and was reported).
    Unresolved,
    /// A built-in op, combinator or shape constructor.
    Builtin(Builtin),
    /// A top-level definition (op, choice, cell, space) of some module of the program.
    Def(DefId),
    /// The `index`-th parameter of the enclosing definition.
    Param(u32),
    /// A name bound in the enclosing body: statement `stmt` of the body (a `let`, `node` or
    /// `input`), and for `input a, b` the position `index` in its list (0 otherwise).
    Local {
        /// Index into the body's statements.
        stmt: u32,
        /// Index into an `input` statement's names.
        index: u32,
    },
    /// A measured quantity usable in `where` (edges, nodes, params, flops).
    Metric(Metric),
    /// A name in an experiment that a later stage resolves (data sets, evaluators,
    /// optimisers, schedules, strategies, metrics).
    External,
}

/// Identifies a top-level item: the module (index into the program's modules) and the item
/// (index into that module's `items`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId {
    /// Which module.
    pub module: u32,
    /// Which item of that module.
    pub item: u32,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// An integer: `value` times the magnitude (`5M` is value 5, magnitude Mega).
    Int {
        /// The mantissa as written.
        value: i64,
        /// The suffix.
        magnitude: Magnitude,
    },
    /// A decimal: `value` times the magnitude.
    Float {
        /// The mantissa as written.
        value: f64,
        /// The suffix.
        magnitude: Magnitude,
    },
    /// A duration such as `4h`.
    Duration {
        /// The count of units.
        value: u64,
        /// The unit.
        unit: TimeUnit,
    },
    /// A string.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
}

impl Lit {
    /// The integer value with its magnitude applied (`5M` → 5,000,000), if this is an int.
    /// The lexer guarantees it does not overflow.
    pub fn int_value(&self) -> Option<i64> {
        match self {
            Lit::Int { value, magnitude } => value.checked_mul(magnitude.factor()),
            _ => None,
        }
    }

    /// The numeric value with its magnitude applied, for ints and floats.
    pub fn number_value(&self) -> Option<f64> {
        match self {
            Lit::Int { value, magnitude } => Some(*value as f64 * magnitude.factor() as f64),
            Lit::Float { value, magnitude } => Some(value * magnitude.factor() as f64),
            _ => None,
        }
    }
}

/// A magnitude suffix on a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Magnitude {
    /// No suffix.
    One,
    /// `k`: thousands.
    Kilo,
    /// `M`: millions.
    Mega,
    /// `G`: billions.
    Giga,
}

impl Magnitude {
    /// The multiplier.
    pub fn factor(self) -> i64 {
        match self {
            Magnitude::One => 1,
            Magnitude::Kilo => 1_000,
            Magnitude::Mega => 1_000_000,
            Magnitude::Giga => 1_000_000_000,
        }
    }

    /// The suffix as written.
    pub fn suffix(self) -> &'static str {
        match self {
            Magnitude::One => "",
            Magnitude::Kilo => "k",
            Magnitude::Mega => "M",
            Magnitude::Giga => "G",
        }
    }
}

/// A duration unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// `s`
    Seconds,
    /// `m`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
}

impl TimeUnit {
    /// Seconds per unit.
    pub fn seconds(self) -> u64 {
        match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3_600,
            TimeUnit::Days => 86_400,
        }
    }

    /// The suffix as written.
    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }
}

impl Expr {
    /// Calls `f` on each direct sub-expression, in source order.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Lit(_) | ExprKind::Error => {}
            ExprKind::Ref(reference) => {
                for arg in reference.args.iter().flat_map(|args| &args.items) {
                    f(&arg.value);
                }
            }
            ExprKind::Seq(items) | ExprKind::Alt(items) | ExprKind::List(items) => {
                items.iter().for_each(f)
            }
            ExprKind::Range { start, end, .. } => {
                f(start);
                f(end);
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            ExprKind::Neg(inner) => f(inner),
            ExprKind::Repeat { body, count, .. } => {
                f(body);
                f(count);
            }
            ExprKind::Pick { count, candidates } => {
                if let PickCount::Exactly(count) = count {
                    f(count);
                }
                candidates.iter().for_each(f);
            }
        }
    }

    /// The nesting depth of this expression tree (1 for a leaf), computed without recursion.
    pub fn depth(&self) -> usize {
        self.depth_with(&mut Vec::new())
    }

    /// [`Expr::depth`] with a work list the caller provides (and may reuse across calls).
    pub fn depth_with<'a>(&'a self, stack: &mut Vec<(&'a Expr, usize)>) -> usize {
        let mut deepest = 0;
        stack.clear();
        stack.push((self, 1usize));
        while let Some((expr, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            expr.for_each_child(|child| stack.push((child, depth + 1)));
        }
        deepest
    }
}

impl ItemKind {
    /// Calls `f` on every top-level expression of the item (parameter defaults, bodies,
    /// statements, entry arguments), in source order.
    pub fn for_each_expr<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        for param in self.params() {
            if let Some(default) = &param.default {
                f(default);
            }
        }
        match self {
            ItemKind::Import(_) => {}
            ItemKind::Op(def) | ItemKind::Choice(def) => f(&def.body),
            ItemKind::Cell(CellDef { body, .. }) | ItemKind::Space(SpaceDef { body, .. }) => {
                for stmt in body {
                    stmt.kind.for_each_expr(&mut f);
                }
            }
            ItemKind::Experiment(def) => {
                for entry in &def.entries {
                    if let EntryValue::Args(args) = &entry.value {
                        args.iter().for_each(|arg| f(&arg.value));
                    }
                }
            }
        }
    }
}

impl StmtKind {
    /// Calls `f` on the statement's expression, if it has one.
    pub fn for_each_expr<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match self {
            StmtKind::Input(_) | StmtKind::State(_) => {}
            StmtKind::InputShape(expr)
            | StmtKind::Next { value: expr, .. }
            | StmtKind::Output(expr)
            | StmtKind::Where(expr)
            | StmtKind::Network(expr)
            | StmtKind::Node { value: expr, .. }
            | StmtKind::Let { value: expr, .. } => f(expr),
        }
    }

    /// The names this statement binds (`input` and `state` bind several, `node`/`let` one).
    pub fn bound_names(&self) -> &[Ident] {
        match self {
            StmtKind::Input(names) | StmtKind::State(names) => names,
            StmtKind::Node { name, .. } | StmtKind::Let { name, .. } => std::slice::from_ref(name),
            _ => &[],
        }
    }
}
