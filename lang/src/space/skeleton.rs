//! The skeleton of a space: the network around its searched cells, as the `space` block's
//! body writes it — the input shape, the space's arguments, and the pipeline's steps in
//! order (fixed layers, op choices, and cell calls with their evaluated arguments), with
//! repetitions expanded. The compiler builds networks from it; counting and sampling do not
//! read it.

use super::decision::{Alt, ArgValue, Guard, Op};
use super::graph::{Graph, OpRef};
use std::collections::HashMap;

/// The shape of the data a space's network takes (`input image(3, 32, 32)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputShape {
    /// `image`, `vector` or `sequence`.
    pub kind: String,
    /// The sizes, without the batch dimension.
    pub dims: Vec<i64>,
}

/// One call of a cell in the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct CellCall {
    /// The cell's template graph in [`super::Space::graphs`] (whose decisions this call
    /// shares with every call of its instance group).
    pub graph: usize,
    /// The cell's parameters as this call binds them, in declaration order.
    pub args: Vec<(String, ArgValue)>,
    /// The template with this call's arguments: the same decisions, with fixed ops'
    /// arguments evaluated for this call.
    pub instance: Graph,
    /// The op alternatives of the cell's categorical decisions as this call evaluates them
    /// (a decision missing here has the alternatives the space holds).
    pub alternatives: HashMap<usize, Vec<Alt>>,
}

impl CellCall {
    /// The integer value of the parameter named `name`, if this call binds it to a constant.
    pub fn int_arg(&self, name: &str) -> Option<i64> {
        self.args.iter().find_map(|(n, v)| match v {
            ArgValue::Int(x) if n == name => Some(*x),
            _ => None,
        })
    }
}

/// What one step of the pipeline does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// A layer (fixed, or the op a categorical decision picks).
    Op(OpRef),
    /// A cell.
    Cell(Box<CellCall>),
}

/// One step of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What it does.
    pub kind: StepKind,
    /// When present, the step exists only while the guard holds (a chosen depth's deeper
    /// copies); otherwise it always exists.
    pub guard: Option<Guard>,
}

/// The network around the cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Skeleton {
    /// Where the space was loaded from (`nb201`, `FILE.nas:NAME`), when it was loaded by
    /// name; lets a compiler load it again at another size.
    pub origin: Option<String>,
    /// The data's shape, when the space declares one.
    pub input: Option<InputShape>,
    /// The space's parameters as bound (given arguments, else defaults), in order.
    pub args: Vec<(String, ArgValue)>,
    /// The pipeline, in order, repetitions expanded.
    pub steps: Vec<Step>,
    /// What each use of an `op` definition stands for: its body, with the use's arguments
    /// evaluated (decisions made inside it read as the decisions they are).
    pub expansions: HashMap<Op, Vec<OpRef>>,
    /// The branches of each parallel op (`sum(skip, body)`, named after its merge), each
    /// branch the ops it applies in order to the op's input.
    pub branches: HashMap<Op, Vec<Vec<OpRef>>>,
}

impl Skeleton {
    /// The integer value of the space parameter `name`, when it is a constant.
    pub fn int_arg(&self, name: &str) -> Option<i64> {
        self.args.iter().find_map(|(n, v)| match v {
            ArgValue::Int(x) if n == name => Some(*x),
            _ => None,
        })
    }
}
