//! Graph templates: the DAG of a cell (or of a whole layer-wise network) with decisions at its
//! edges, inputs and nodes. An architecture instantiates a template into a concrete DAG.

use super::decision::{Guard, Op};
use serde::{Deserialize, Serialize};

/// How a node merges its incoming terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Combine {
    /// Elementwise sum (commutative, associative).
    Sum,
    /// Channel concatenation (treated as commutative: a channel permutation).
    Concat,
    /// Elementwise mean.
    Mean,
    /// Elementwise product (commutative, associative).
    Product,
    /// `blend(a, b, gate)`: `gate * a + (1 - gate) * b`; its inputs are ordered.
    Blend,
}

impl Combine {
    /// The name used in text and Graphviz output.
    pub fn name(self) -> &'static str {
        match self {
            Combine::Sum => "sum",
            Combine::Concat => "concat",
            Combine::Mean => "mean",
            Combine::Product => "product",
            Combine::Blend => "blend",
        }
    }
}

/// Where a term's input comes from. Vertex ids number the graph's inputs first, then its nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// Always this vertex.
    Vertex(usize),
    /// The `slot`-th smallest candidate picked by a pick decision; `vertices[c]` is candidate
    /// `c`'s vertex.
    Pick {
        /// The pick decision.
        decision: usize,
        /// Which of the picked candidates, counting from the smallest.
        slot: u32,
        /// Vertex of each candidate.
        vertices: Vec<usize>,
    },
    /// Candidate `candidate` of a subset decision, present only when the subset contains it.
    Member {
        /// The subset decision.
        decision: usize,
        /// The candidate's index in the decision.
        candidate: u32,
        /// The candidate's vertex.
        vertex: usize,
    },
    /// This vertex, present only when `guard` holds: a node whose kind is a decision
    /// (`node a = sum(..) | prod(..)`) reads the alternative chosen, and `when(k == 3, a, b)`
    /// reads `a` while the decision `k` holds 3 and `b` otherwise.
    When {
        /// The decision and the condition on its value that make the term present.
        guard: Guard,
        /// The vertex read.
        vertex: usize,
    },
}

impl Source {
    /// The decision whose value says whether (and which) vertex this source reads; none for a
    /// plain vertex.
    pub fn decision(&self) -> Option<usize> {
        match self {
            Source::Vertex(_) => None,
            Source::Pick { decision, .. } | Source::Member { decision, .. } => Some(*decision),
            Source::When { guard, .. } => Some(guard.parent),
        }
    }
}

/// The op on a term or after a node's merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpRef {
    /// Always this op.
    Fixed(Op),
    /// The op of the alternative a categorical decision picks.
    Choice(usize),
}

/// One incoming edge of a node: an input, and the op applied to it (none: a plain wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Where the input comes from.
    pub source: Source,
    /// The op on the edge.
    pub op: Option<OpRef>,
}

/// A computed vertex: `post(combine(terms))`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The node's name (`x1`).
    pub name: String,
    /// How its terms merge.
    pub combine: Combine,
    /// Its incoming edges.
    pub terms: Vec<Term>,
    /// An op after the merge, if any.
    pub post: Option<OpRef>,
    /// When present and false, the node is absent and passes its first term's input through
    /// (the deeper copies of a repetition with a chosen depth).
    pub guard: Option<Guard>,
}

/// A named state of a recurrent cell (`state h` … `next h = ..`): the input vertex that reads
/// its value after the previous step, and the vertex whose value it takes for the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateSlot {
    /// The state's name (`h`).
    pub name: String,
    /// The input vertex that reads it.
    pub input: usize,
    /// The vertex its next value is.
    pub next: usize,
}

/// A DAG template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// The cell's (or network's) name.
    pub name: String,
    /// Names of the input vertices (vertex ids `0..inputs.len()`).
    pub inputs: Vec<String>,
    /// The computed vertices in order (vertex id `inputs.len() + i`); terms only read earlier
    /// vertices.
    pub nodes: Vec<Node>,
    /// The output: a node whose terms read the graph's result.
    pub output: Node,
    /// A recurrent cell's named states, in declaration order (empty for other graphs, and for a
    /// recurrent cell that reads its own delayed outputs as `h1..hk`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<StateSlot>,
}

impl Graph {
    /// Name of vertex `v` (an input or a node).
    pub fn vertex_name(&self, v: usize) -> &str {
        if v < self.inputs.len() {
            &self.inputs[v]
        } else {
            &self.nodes[v - self.inputs.len()].name
        }
    }

    /// Number of input and node vertices.
    pub fn vertex_count(&self) -> usize {
        self.inputs.len() + self.nodes.len()
    }

    /// All nodes and then the output, each with its vertex id (the output's is
    /// `vertex_count()`).
    pub fn all_nodes(&self) -> impl Iterator<Item = (usize, &Node)> {
        let base = self.inputs.len();
        self.nodes
            .iter()
            .enumerate()
            .map(move |(i, n)| (base + i, n))
            .chain(std::iter::once((self.vertex_count(), &self.output)))
    }
}
