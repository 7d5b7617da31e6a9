//! The weight-sharing supernet of a space, compiled from its IR: the space's network (its
//! skeleton's layers and cells, wired by [`crate::wiring`]'s plan as a single architecture
//! is) in which every op decision is a mixed op over all its alternatives, every
//! `k of [...]` input choice is a mixed edge from each candidate input, and every `any of
//! [...]` member an edge gated by its own weight (see [`super::rows`] for α's rows). A
//! NAS-Bench-101 cell, whose vertices' widths depend on the architecture, holds its weights
//! at the widest and runs each pass on slices of them ([`super::nb101`]). Each alternative
//! is built by the op library exactly as a single architecture builds it, under the edge's
//! path with the alternative's label appended (`cells.3.edges.4<-1.sep_conv_3x3.…`), so a
//! path through the supernet runs the single architecture's layers. α is a tensor of its
//! own, outside the weights' store, drawn as 10⁻³·N(0, 1) as in DARTS. [`SupernetOptions`]
//! adds PC-DARTS' partial channels ([`super::partial`]) and edge normalisation (β) on the
//! cells' edges.

use super::darts::Batch;
use super::mix::{row_probabilities, softmax_mix, CellMix};
use super::nb101::ElasticCell;
use super::partial::{narrowed, partial_edge};
use super::rows::{
    candidate_alternatives, check_op, check_space, member_alternatives, unsupported, RowKind, Rows,
    Setting,
};
use super::values::{decision_columns, fixed_columns, reads};
use super::OneShotError;
use crate::compile::graph_cell::combine_terms;
use crate::compile::ir_op::{spatial_stride, with_stride, Resolver};
use crate::compile::layer::BoxLayer;
use crate::compile::named::build_named;
use crate::compile::nb101::is_nb101_cell;
use crate::compile::network::cell_pre;
use crate::compile::op::OpSpec;
use crate::compile::sequence::is_sequence_space;
use crate::compile::CompileError;
use crate::space::{
    Alt, Architecture, CellCall, Combine, Domain, Node, Op, OpRef, Source, Space, StepKind,
};
use crate::wiring::size::{self, ceil_div};
use crate::wiring::{CellFrame, Feature, History};
use tch::{nn, Device, Kind, TchError, Tensor};

/// How a supernet's cell edges are built beyond the plain DARTS edge (PC-DARTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupernetOptions {
    /// PC-DARTS' K: a cell edge's candidate ops see the first `C/K` channels of its input,
    /// the rest bypass them and the edge's output is channel-shuffled in K groups (1: every
    /// channel).
    pub partial_channels: i64,
    /// PC-DARTS' edge normalisation: a parameter β per row, each node weighing its mixed
    /// edges by the softmax of their β.
    pub edge_normalization: bool,
}

impl Default for SupernetOptions {
    fn default() -> Self {
        SupernetOptions {
            partial_channels: 1,
            edge_normalization: false,
        }
    }
}

/// All alternatives of one op decision (or one candidate edge), weighed by α's row `row`.
#[derive(Debug)]
pub(super) struct MixedOp {
    row: usize,
    alts: Vec<BoxLayer>,
    /// Each alternative's parameter path (`cells.0.edges.2<-0.sep_conv_3x3`).
    prefixes: Vec<String>,
    /// Each alternative's op as built (its stride and partial channels applied).
    specs: Vec<OpSpec>,
    /// Where it runs.
    at: At,
    /// The channels its alternatives read (`1/K` of the input's with partial channels).
    c_in: i64,
}

/// Where an op runs: its stride, the scale of its input (how many times smaller than the
/// image it is) and PC-DARTS' K (1: the ops see every channel; only cell edges have K > 1).
#[derive(Debug, Clone, Copy)]
pub(super) struct At {
    pub(super) stride: i64,
    pub(super) scale: i64,
    pub(super) partial: i64,
}

/// What one forward pass reads besides its input: the mixture, each row's edge weight under
/// edge normalisation (`None` for rows that are not a node's edges, or without it), and
/// whether batch norm uses the batch's statistics.
pub(super) struct Pass<'a> {
    pub(super) mix: &'a CellMix,
    pub(super) edges: &'a [Option<Tensor>],
    pub(super) train: bool,
}

impl MixedOp {
    /// The weighted sum of the row's terms in the pass's mixture on `x` (on its first `1/K`
    /// channels, the rest bypassing them, with partial channels); `None` when nothing is
    /// computed.
    fn forward(&self, x: &Tensor, pass: &Pass) -> Result<Option<Tensor>, TchError> {
        let at = self.at;
        if at.partial == 1 {
            return self.terms(x, pass);
        }
        partial_edge(x, at.partial, at.stride, |part| self.terms(part, pass))
    }

    /// The weighted sum of the row's terms on `x`.
    fn terms(&self, x: &Tensor, pass: &Pass) -> Result<Option<Tensor>, TchError> {
        let mut sum: Option<Tensor> = None;
        let terms = pass
            .mix
            .get(self.row)
            .ok_or_else(|| TchError::Kind(format!("the mixture has no row {}", self.row)))?;
        for term in terms {
            let op = self
                .alts
                .get(term.op)
                .ok_or_else(|| TchError::Kind(format!("row {} has no op {}", self.row, term.op)))?;
            let out = op.forward(x, pass.train)?;
            let out = match &term.weight {
                Some(w) => out.f_mul(w)?,
                None => out,
            };
            sum = Some(match sum {
                Some(s) => s.f_add(&out)?,
                None => out,
            });
        }
        Ok(sum)
    }
}

/// What an edge (or a node's post op) does.
#[derive(Debug)]
pub(super) enum EdgeOp {
    Wire,
    /// A fixed op and its parameter path.
    Fixed(BoxLayer, String),
    Mixed(MixedOp),
    /// An `any of` member's edge, weighed by its row's `on` term (nothing when the row has
    /// none: the member is out).
    Gated(usize, Box<EdgeOp>),
}

impl EdgeOp {
    pub(super) fn forward(&self, x: &Tensor, pass: &Pass) -> Result<Option<Tensor>, TchError> {
        match self {
            EdgeOp::Wire => Ok(Some(x.shallow_clone())),
            EdgeOp::Fixed(layer, _) => layer.forward(x, pass.train).map(Some),
            EdgeOp::Mixed(m) => m.forward(x, pass),
            EdgeOp::Gated(row, inner) => {
                let terms = pass
                    .mix
                    .get(*row)
                    .ok_or_else(|| TchError::Kind(format!("the mixture has no row {row}")))?;
                let Some(term) = terms.first() else {
                    return Ok(None);
                };
                match (inner.forward(x, pass)?, &term.weight) {
                    (Some(y), Some(w)) => y.f_mul(w).map(Some),
                    (y, _) => Ok(y),
                }
            }
        }
    }
}

impl EdgeOp {
    /// The mixed op it holds (inside an `any of` gate too).
    fn mixed(&self) -> Option<&MixedOp> {
        match self {
            EdgeOp::Mixed(m) => Some(m),
            EdgeOp::Gated(_, inner) => inner.mixed(),
            EdgeOp::Wire | EdgeOp::Fixed(..) => None,
        }
    }

    /// The weights a pass under `mix` uses (`under(prefix)`: the weights under a path).
    fn used(&self, mix: &CellMix, under: &dyn Fn(&str) -> i64) -> Result<i64, TchError> {
        Ok(match self {
            EdgeOp::Wire => 0,
            EdgeOp::Fixed(_, prefix) => under(prefix),
            EdgeOp::Mixed(m) => {
                let terms = mix
                    .get(m.row)
                    .ok_or_else(|| TchError::Kind(format!("the mixture has no row {}", m.row)))?;
                terms
                    .iter()
                    .filter_map(|t| m.prefixes.get(t.op))
                    .map(|p| under(p))
                    .sum()
            }
            EdgeOp::Gated(row, inner) => match mix.get(*row) {
                Some(terms) if terms.is_empty() => 0,
                Some(_) => inner.used(mix, under)?,
                None => return Err(TchError::Kind(format!("the mixture has no row {row}"))),
            },
        })
    }
}

/// A parameter path as the variable store names it (`cells.0.edges.2<-0`).
pub(super) fn prefix(p: &nn::Path) -> String {
    p.components().collect::<Vec<_>>().join(".")
}

/// A computed vertex of a mixed cell: `post(combine(edges))`.
#[derive(Debug)]
struct MixedVertex {
    combine: Combine,
    edges: Vec<(usize, EdgeOp)>,
    post: Option<EdgeOp>,
    /// What it merges when no edge computes anything (every one a zero op, or an `any of`
    /// member out): zeros of `channels` shaped like vertex `from` at `stride`.
    empty: Empty,
}

/// The shape of a vertex whose edges all compute nothing.
#[derive(Debug, Clone, Copy)]
struct Empty {
    from: usize,
    stride: i64,
    channels: i64,
}

impl MixedVertex {
    fn forward(&self, values: &[Tensor], pass: &Pass) -> Result<Tensor, TchError> {
        let mut outs = Vec::with_capacity(self.edges.len());
        for (u, op) in &self.edges {
            let x = values
                .get(*u)
                .ok_or_else(|| TchError::Kind(format!("vertex {u} has no value")))?;
            if let Some(y) = op.forward(x, pass)? {
                let weight = match op {
                    EdgeOp::Mixed(m) => pass.edges.get(m.row).and_then(Option::as_ref),
                    _ => None,
                };
                outs.push(match weight {
                    Some(w) => y.f_mul(w)?,
                    None => y,
                });
            }
        }
        let merged = if outs.is_empty() && self.combine == Combine::Sum {
            let Empty {
                from,
                stride,
                channels,
            } = self.empty;
            let x = values
                .get(from)
                .ok_or_else(|| TchError::Kind(format!("vertex {from} has no value")))?;
            let size = x.size();
            let side = |n: i64| (n + stride - 1) / stride;
            let shape = match size[..] {
                [b, _, h, w] => vec![b, channels, side(h), side(w)],
                // A recurrent cell's step: [B, F].
                [b, _] => vec![b, channels],
                _ => {
                    return Err(TchError::Shape(format!(
                        "a cell's vertex should be [B, C, H, W] or [B, F], got {size:?}"
                    )))
                }
            };
            Tensor::f_zeros(shape.as_slice(), (x.kind(), x.device()))?
        } else {
            combine_terms(self.combine, &outs)?
        };
        match &self.post {
            Some(op) => op
                .forward(&merged, pass)?
                .ok_or_else(|| TchError::Kind("a node's post op computed nothing".into())),
            None => Ok(merged),
        }
    }
}

/// A cell whose every choice is mixed.
#[derive(Debug)]
pub(super) struct MixedCell {
    inputs: usize,
    vertices: Vec<MixedVertex>,
    output: MixedVertex,
    /// The channels (features) of each vertex, the inputs first, the output not included.
    widths: Vec<i64>,
}

impl MixedCell {
    fn run(&self, inputs: Vec<Tensor>, pass: &Pass) -> Result<Tensor, TchError> {
        Ok(self.run_reading(inputs, &[], pass)?.0)
    }

    /// The cell's output on `inputs` and the values of the vertices `read` (a recurrent
    /// cell's next states).
    pub(super) fn run_reading(
        &self,
        inputs: Vec<Tensor>,
        read: &[usize],
        pass: &Pass,
    ) -> Result<(Tensor, Vec<Tensor>), TchError> {
        let mut values = inputs;
        for v in &self.vertices {
            let y = v.forward(&values, pass)?;
            values.push(y);
        }
        let output = self.output.forward(&values, pass)?;
        let read = read
            .iter()
            .map(|&v| {
                values
                    .get(v)
                    .map(Tensor::shallow_clone)
                    .ok_or_else(|| TchError::Kind(format!("vertex {v} has no value")))
            })
            .collect::<Result<_, _>>()?;
        Ok((output, read))
    }

    /// How many inputs it reads.
    pub(super) fn inputs(&self) -> usize {
        self.inputs
    }

    /// The channels of vertex `v` (an input or a node).
    pub(super) fn width(&self, v: usize) -> Option<i64> {
        self.widths.get(v).copied()
    }

    /// Its vertices, the output last.
    fn all(&self) -> impl Iterator<Item = &MixedVertex> {
        self.vertices.iter().chain(std::iter::once(&self.output))
    }
}

#[derive(Debug)]
pub(super) enum Stage {
    Layer(EdgeOp),
    Cell {
        /// The cell's parameter path (`cells.3`).
        prefix: String,
        pre: Vec<Option<BoxLayer>>,
        cell: MixedCell,
        /// How a language model's cell is unrolled over a window (`None`: an image cell).
        recurrence: Option<Recurrence>,
    },
    /// A NAS-Bench-101 cell, at elastic width.
    Nb101(ElasticCell),
}

/// How a recurrent cell of a language model's supernet runs over a window.
#[derive(Debug)]
pub(super) struct Recurrence {
    /// The width of its hidden states.
    pub(super) hidden: i64,
    /// The vertices whose values its named states take for the next step (empty: the states
    /// are its delayed outputs).
    pub(super) next: Vec<usize>,
}

/// The supernet of a space: shared weights, α, and forward passes under a [`CellMix`].
#[derive(Debug)]
pub struct Supernet {
    stages: Vec<Stage>,
    /// Whether it is a language model's (token ids in, [`super::recurrent`]).
    sequence: bool,
    keep: usize,
    weights: nn::VarStore,
    alpha: Tensor,
    mask: Option<Tensor>,
    live: Vec<Vec<usize>>,
    rows: Rows,
    space: Space,
    /// PC-DARTS' β, one per row (only the rows of [`Supernet::edge_groups`] take part).
    beta: Option<Tensor>,
    /// The rows that are one node's mixed edges, one group per node (edge normalisation).
    groups: Vec<Vec<usize>>,
    options: SupernetOptions,
}

/// A node's terms that read one pick decision: the decision, its candidates' vertices, and
/// each term's slot and op.
type PickTerms<'a> = (usize, &'a [usize], Vec<(u32, Option<&'a OpRef>)>);

/// What building one cell needs.
pub(super) struct Build<'a> {
    pub(super) space: &'a Space,
    pub(super) resolver: Resolver<'a>,
    pub(super) call: Option<&'a CellCall>,
    /// Where the cell's edges run (a layer: no inputs, stride 1).
    pub(super) frame: CellFrame,
    /// PC-DARTS' K on the cell's edges.
    pub(super) partial: i64,
}

impl<'a> Build<'a> {
    /// Where an edge from vertex `u` runs: at the cell's stride from an input.
    fn at(&self, u: usize) -> Result<At, OneShotError> {
        let edge = self.frame.edge(u).map_err(CompileError::from)?;
        Ok(At {
            stride: edge.stride,
            scale: edge.scale,
            partial: self.partial,
        })
    }

    /// The op alternatives of decision `d` (the cell call's own, else the space's).
    pub(super) fn alternatives(&self, d: usize) -> Result<&'a [Alt], OneShotError> {
        if let Some(alts) = self.call.and_then(|c| c.alternatives.get(&d)) {
            return Ok(alts);
        }
        match self.space.decisions().get(d).map(|x| &x.domain) {
            Some(Domain::Categorical(alts)) => Ok(alts),
            _ => Err(unsupported(
                self.space,
                format!("decision {d} does not choose ops"),
            )),
        }
    }

    /// One op built as a single architecture builds it, with `stride`; returns it with its
    /// spec as built, its output channels and its spatial stride.
    fn layer(
        &self,
        p: &nn::Path,
        owner: &str,
        op: &'a crate::space::Op,
        stride: i64,
        c_in: i64,
    ) -> Result<(BoxLayer, OpSpec, i64, i64), OneShotError> {
        check_op(self.space, owner, op, 0)?;
        let spec = self.resolver.op(op, 0)?;
        let strided = with_stride(&spec, stride, c_in).ok_or_else(|| {
            unsupported(
                self.space,
                format!("op `{}` in {owner} cannot take stride {stride}", op.name),
            )
        })?;
        let (layer, c) = build_named(&strided, p, c_in)?;
        let s = spatial_stride(&strided);
        Ok((layer, strided, c, s))
    }

    /// The ops of `alts` (which read no decision), each with its label, and after them the
    /// zero op `none` when `zero_column` (a `k of` candidate's edge, see
    /// [`candidate_alternatives`]).
    fn alt_specs(
        &self,
        owner: &str,
        alts: &'a [Alt],
        zero_column: bool,
    ) -> Result<Vec<(String, OpSpec)>, OneShotError> {
        let mut ops = Vec::with_capacity(alts.len() + 1);
        for alt in alts {
            let op = alt.op.as_ref().ok_or_else(|| {
                unsupported(self.space, format!("{owner} has a value, not an op"))
            })?;
            check_op(self.space, owner, op, 0)?;
            ops.push((alt.label.clone(), self.resolver.op(op, 0)?));
        }
        if zero_column {
            ops.push(("none".to_string(), OpSpec::Zero { stride: 1 }));
        }
        Ok(ops)
    }

    /// The spec of `op` with the decisions of `setting` holding its values (a column of a
    /// row that mixes an op's value choices, see [`super::values`]).
    fn spec_under(&self, op: &Op, setting: &Setting) -> Result<OpSpec, OneShotError> {
        let mut values = self.resolver.arch.values().to_vec();
        for &(d, v) in setting {
            if let Some(slot) = values.get_mut(d) {
                *slot = v;
            }
        }
        let arch = Architecture::from_values_unchecked(values);
        let resolver = Resolver {
            arch: &arch,
            ..self.resolver
        };
        Ok(resolver.op(op, 0)?)
    }

    /// A mixed op over `ops` (each labelled) on row `row`; every op must give the same
    /// channels and resolution. Returns it with its output channels and stride.
    fn mixed(
        &self,
        p: &nn::Path,
        owner: &str,
        row: usize,
        ops: Vec<(String, OpSpec)>,
        at: At,
        c_in: i64,
    ) -> Result<(MixedOp, i64, i64), OneShotError> {
        let k = at.partial;
        if k > 1 && c_in % k != 0 {
            return Err(OneShotError::Config(format!(
                "partial channels: K ({k}) must divide the channels of {owner}'s edges ({c_in})"
            )));
        }
        let c_ops = c_in / k;
        let mut layers = Vec::with_capacity(ops.len());
        let mut prefixes = Vec::with_capacity(ops.len());
        let mut specs = Vec::with_capacity(ops.len());
        let mut shape: Option<(i64, i64)> = None;
        for (label, spec) in ops {
            let label = label.as_str();
            let q = p / label;
            let strided = with_stride(&spec, at.stride, c_in).ok_or_else(|| {
                unsupported(
                    self.space,
                    format!("op `{label}` in {owner} cannot take stride {}", at.stride),
                )
            })?;
            let (layer, spec, c) = if k == 1 {
                let (layer, c) = build_named(&strided, &q, c_in)?;
                (layer, strided, c)
            } else {
                let narrow = narrowed(&strided, c_in, k).ok_or_else(|| {
                    unsupported(self.space, format!("op `{label}` in {owner} cannot run on partial channels (it must keep its input's channels, at stride {})", at.stride))
                })?;
                let (layer, c) = build_named(&narrow, &q, c_ops)?;
                if c != c_ops {
                    return Err(unsupported(self.space, format!("op `{label}` in {owner} gives {c} channels on {c_ops}; partial channels need ops that keep them")));
                }
                (layer, narrow, c_in)
            };
            let s = spatial_stride(&spec);
            prefixes.push(prefix(&q));
            specs.push(spec);
            match shape {
                Some(prev) if prev != (c, s) => {
                    return Err(unsupported(
                        self.space,
                        format!(
                            "the ops of {owner} disagree on their output ({label} gives {c} channels at stride {s}, another {} at stride {}); mixed ops must agree (a value choice that changes an op's width or stride cannot be mixed)",
                            prev.0, prev.1
                        ),
                    ))
                }
                _ => shape = Some((c, s)),
            }
            layers.push(layer);
        }
        let (c, s) = shape.unwrap_or((c_in, 1));
        let mixed = MixedOp {
            row,
            alts: layers,
            prefixes,
            specs,
            at,
            c_in: c_ops,
        };
        Ok((mixed, c, s))
    }

    /// The op of a term or post op on an input of `c_in` channels with `stride`.
    pub(super) fn edge(
        &self,
        p: &nn::Path,
        owner: &str,
        op: Option<&'a OpRef>,
        at: At,
        c_in: i64,
        rows: &mut Rows,
    ) -> Result<(EdgeOp, i64, i64), OneShotError> {
        let stride = at.stride;
        match op {
            None if stride == 1 => Ok((EdgeOp::Wire, c_in, 1)),
            None => {
                let spec = with_stride(&OpSpec::Identity, stride, c_in).ok_or_else(|| {
                    unsupported(
                        self.space,
                        format!("a wire in {owner} cannot take stride {stride}"),
                    )
                })?;
                let (layer, c) = build_named(&spec, p, c_in)?;
                Ok((EdgeOp::Fixed(layer, prefix(p)), c, stride))
            }
            Some(OpRef::Fixed(op)) => {
                let read = reads(self.space, owner, op)?;
                let Some(&first) = read.first() else {
                    let (layer, _, c, s) = self.layer(p, owner, op, stride, c_in)?;
                    return Ok((EdgeOp::Fixed(layer, prefix(p)), c, s));
                };
                let names: Vec<String> = read
                    .iter()
                    .map(|&d| format!("`{}`", self.space.decisions()[d].name))
                    .collect();
                let owner = format!(
                    "op `{}` of {owner} (decision {})",
                    op.name,
                    names.join(", ")
                );
                let columns = fixed_columns(self.space, &owner, op, &read)?;
                let mut ops = Vec::with_capacity(columns.len());
                for column in &columns {
                    ops.push((column.label.clone(), self.spec_under(op, &column.setting)?));
                }
                let row = rows.row_of(self.space, RowKind::Values(first), columns)?;
                let (m, c, s) = self.mixed(p, &owner, row, ops, at, c_in)?;
                Ok((EdgeOp::Mixed(m), c, s))
            }
            Some(OpRef::Choice(d)) => {
                let alts = self.alternatives(*d)?;
                let owner = format!("decision `{}`", self.space.decisions()[*d].name);
                let columns = decision_columns(self.space, *d, alts)?;
                let mut ops = Vec::with_capacity(columns.len());
                for (column, op) in &columns {
                    ops.push((column.label.clone(), self.spec_under(op, &column.setting)?));
                }
                let columns = columns.into_iter().map(|(c, _)| c).collect();
                let row = rows.row_of(self.space, RowKind::Decision(*d), columns)?;
                let (m, c, s) = self.mixed(p, &owner, row, ops, at, c_in)?;
                Ok((EdgeOp::Mixed(m), c, s))
            }
        }
    }

    /// Node `node` as vertex `to`, its inputs having `channels`.
    fn vertex(
        &self,
        p: &nn::Path,
        to: &str,
        node: &'a Node,
        channels: &[i64],
        rows: &mut Rows,
    ) -> Result<(MixedVertex, i64), OneShotError> {
        let decisions = self.space.decisions();
        if let Some(g) = node.guard {
            return Err(unsupported(
                self.space,
                format!(
                    "node `{}` exists only when decision `{}` allows (a chosen depth)",
                    node.name, decisions[g.parent].name
                ),
            ));
        }
        let owner = format!("node `{}`", node.name);
        let mut edges: Vec<(usize, EdgeOp)> = Vec::new();
        let mut outs = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut picks: Vec<PickTerms<'a>> = Vec::new();
        let mut add = |edges: &mut Vec<(usize, EdgeOp)>,
                       u: usize,
                       op: Option<&'a OpRef>,
                       rows: &mut Rows|
         -> Result<(), OneShotError> {
            let mut name = format!("{to}<-{u}");
            if names.contains(&name) {
                name = format!("{name}_{}", names.len());
            }
            names.push(name.clone());
            let c_in = *channels.get(u).ok_or_else(|| {
                unsupported(
                    self.space,
                    format!("{owner} reads vertex {u}, which is not before it"),
                )
            })?;
            let at = self.at(u)?;
            let (e, c, _) = self.edge(&(p / "edges" / name), &owner, op, at, c_in, rows)?;
            edges.push((u, e));
            outs.push(c);
            Ok(())
        };
        for (i, term) in node.terms.iter().enumerate() {
            match &term.source {
                Source::Vertex(u) => add(&mut edges, *u, term.op.as_ref(), rows)?,
                Source::Pick { decision, slot, vertices } => {
                    match picks.iter_mut().find(|(d, _, _)| d == decision) {
                        Some((_, _, slots)) => slots.push((*slot, term.op.as_ref())),
                        None => picks.push((*decision, vertices, vec![(*slot, term.op.as_ref())])),
                    }
                }
                Source::Member {
                    decision,
                    candidate,
                    vertex,
                } => {
                    if node.combine != Combine::Sum {
                        return Err(unsupported(self.space, format!("{owner} merges the members of `{}` by {}; a supernet gates them in a `sum` only", decisions[*decision].name, node.combine.name())));
                    }
                    if !matches!(term.op, None | Some(OpRef::Fixed(_))) {
                        return Err(unsupported(self.space, format!("{owner} applies an op choice to the members of `{}`; a supernet gates `any of` members with fixed ops only", decisions[*decision].name)));
                    }
                    let row = rows.row(
                        self.space,
                        RowKind::Member {
                            subset: *decision,
                            candidate: *candidate as usize,
                        },
                        &member_alternatives(),
                    )?;
                    add(&mut edges, *vertex, term.op.as_ref(), rows)?;
                    if let Some((u, inner)) = edges.pop() {
                        edges.push((u, EdgeOp::Gated(row, Box::new(inner))));
                    }
                }
                Source::When { guard, .. } => {
                    return Err(unsupported(self.space, format!("decision `{}` chooses what {owner} computes (term {i}: a node kind or a `when`); a supernet mixes ops and inputs only", decisions[guard.parent].name)))
                }
            }
        }
        for (pick, vertices, mut slots) in picks {
            let pick_name = &decisions[pick].name;
            if node.combine != Combine::Sum {
                return Err(unsupported(self.space, format!("{owner} merges the inputs of `{pick_name}` by {}; a supernet sums the candidate edges, so it needs `sum`", node.combine.name())));
            }
            slots.sort_by_key(|(s, _)| *s);
            let mut ops = Vec::with_capacity(slots.len());
            for (s, (slot, op)) in slots.iter().enumerate() {
                match op {
                    Some(OpRef::Choice(d)) if *slot as usize == s => ops.push(*d),
                    _ => return Err(unsupported(self.space, format!("{owner} picks inputs with `{pick_name}` without an op choice on each; a supernet ranks candidate inputs by their op weights"))),
                }
            }
            let alts = self.alternatives(ops[0])?;
            for &d in &ops[1..] {
                if self.alternatives(d)? != alts {
                    return Err(unsupported(self.space, format!("the op choices `{}` and `{}` of `{pick_name}`'s inputs differ; DARTS' mixed edges need one set of ops", decisions[ops[0]].name, decisions[d].name)));
                }
            }
            rows.add_pick(self.space, pick, ops)?;
            let edge_ops = candidate_alternatives(alts);
            let zero_column = edge_ops.len() > alts.len();
            for (candidate, &u) in vertices.iter().enumerate() {
                let row = rows.row(
                    self.space,
                    RowKind::Candidate { pick, candidate },
                    &edge_ops,
                )?;
                let c_in = *channels.get(u).ok_or_else(|| {
                    unsupported(
                        self.space,
                        format!("{owner} reads vertex {u}, which is not before it"),
                    )
                })?;
                let q = p / "edges" / format!("{to}<-{u}");
                let owner = format!("the edges of `{pick_name}`");
                let ops = self.alt_specs(&owner, alts, zero_column)?;
                let (m, c, _) = self.mixed(&q, &owner, row, ops, self.at(u)?, c_in)?;
                edges.push((u, EdgeOp::Mixed(m)));
                outs.push(c);
            }
        }
        let Some(&(from, _)) = edges.first() else {
            return Err(unsupported(self.space, format!("{owner} has no input")));
        };
        let c = match node.combine {
            Combine::Concat => size::sum(outs.iter().copied()).map_err(CompileError::from)?,
            _ if outs.iter().any(|&c| c != outs[0]) => {
                return Err(unsupported(
                    self.space,
                    format!("{owner} merges tensors of {outs:?} channels"),
                ))
            }
            _ => outs[0],
        };
        let empty = Empty {
            from,
            stride: self.at(from)?.stride,
            channels: c,
        };
        let (post, c) = match &node.post {
            Some(r) => {
                let at = At {
                    stride: 1,
                    scale: self.frame.output_scale().map_err(CompileError::from)?,
                    partial: 1,
                };
                let (op, c, _) = self.edge(&(p / "post" / to), &owner, Some(r), at, c, rows)?;
                (Some(op), c)
            }
            None => (None, c),
        };
        Ok((
            MixedVertex {
                combine: node.combine,
                edges,
                post,
                empty,
            },
            c,
        ))
    }

    /// The cell of `call` on inputs of `channels`; returns it with its output channels.
    pub(super) fn cell(
        &self,
        p: &nn::Path,
        call: &'a CellCall,
        channels: Vec<i64>,
        rows: &mut Rows,
    ) -> Result<(MixedCell, i64), OneShotError> {
        let g = &call.instance;
        let mut channels = channels;
        let mut vertices = Vec::with_capacity(g.nodes.len());
        for (j, node) in g.nodes.iter().enumerate() {
            let to = (g.inputs.len() + j).to_string();
            let (v, c) = self.vertex(p, &to, node, &channels, rows)?;
            vertices.push(v);
            channels.push(c);
        }
        let (output, c) = self.vertex(p, "out", &g.output, &channels, rows)?;
        Ok((
            MixedCell {
                inputs: g.inputs.len(),
                vertices,
                output,
                widths: channels,
            },
            c,
        ))
    }
}

impl Supernet {
    /// Compiles the supernet of `space` (at the size it was lowered with) for images of
    /// `in_channels` channels on `device` with `kind` weights; weights and α are drawn from
    /// libtorch's generator seeded with `seed`. A space with a decision that is not an op
    /// choice or a `k of [...]` input choice is an error naming that decision. A language
    /// model's space (a `sequence` input) reads token ids, whatever `in_channels` says
    /// ([`super::recurrent`]).
    pub fn new(
        space: &Space,
        in_channels: i64,
        device: Device,
        kind: Kind,
        seed: i64,
    ) -> Result<Supernet, OneShotError> {
        let options = SupernetOptions::default();
        Supernet::with_options(space, in_channels, options, device, kind, seed)
    }

    /// [`Supernet::new`] with PC-DARTS' options: every cell edge's mixed op on `1/K` of
    /// its input's channels (K must divide them), and β (drawn after α, as 10⁻³·N(0, 1))
    /// weighing each node's mixed edges by their softmax. A NAS-Bench-101 vertex's mixed op
    /// runs on the first `⌈w/K⌉` of its `w` channels, whatever its elastic width `w` (the
    /// shuffle's first groups one channel longer where K does not divide `w`); edge
    /// normalisation is an error there (its `any of` rows already weigh each edge).
    pub fn with_options(
        space: &Space,
        in_channels: i64,
        options: SupernetOptions,
        device: Device,
        kind: Kind,
        seed: i64,
    ) -> Result<Supernet, OneShotError> {
        check_space(space)?;
        if options.partial_channels < 1 {
            return Err(OneShotError::Config(format!(
                "partial channels: K must be at least 1, got {}",
                options.partial_channels
            )));
        }
        let sequence = is_sequence_space(space);
        if sequence && options != SupernetOptions::default() {
            return Err(unsupported(
                space,
                "it is a language model; PC-DARTS' partial channels and edge normalisation are for image cells",
            ));
        }
        let skeleton = space.skeleton();
        if skeleton.steps.is_empty() {
            return Err(unsupported(space, "it has no network pipeline to compile"));
        }
        if in_channels < 1 {
            return Err(OneShotError::Config(format!(
                "input channels must be positive, got {in_channels}"
            )));
        }
        // Fixed ops read no decision (checked as they are built), so any architecture
        // resolves them; the space's first in sampling order is as good as another.
        let reference = space
            .sample(&mut crate::space::rng(0))
            .map_err(|e| unsupported(space, format!("no architecture to start from: {e}")))?;
        // The weights' initialisation draws from the seeded generator until the net is built.
        let _generators = crate::train::generator::hold();
        tch::manual_seed(seed);
        let weights = nn::VarStore::new(device);
        let root = weights.root();
        let mut rows = Rows::default();
        let mut stages = Vec::new();
        let mut recent = History::new(
            Feature {
                channels: in_channels,
                scale: 1,
            },
            usize::MAX,
        );
        let mut keep = 1;
        let mut cells = 0;
        if sequence {
            stages = super::recurrent::stages(space, &root, &reference, &mut rows)?;
        } else {
            for (i, step) in skeleton.steps.iter().enumerate() {
                if let Some(g) = step.guard {
                    return Err(unsupported(space, format!("a step of the network exists only when decision `{}` allows (a chosen depth)", space.decisions()[g.parent].name)));
                }
                let newest = *recent.newest();
                let alone = CellFrame {
                    inputs: 0,
                    stride: 1,
                    scale: newest.scale,
                };
                match &step.kind {
                    StepKind::Op(r) => {
                        let build = Build {
                            space,
                            resolver: Resolver {
                                space,
                                arch: &reference,
                                alternatives: None,
                            },
                            call: None,
                            frame: alone,
                            partial: 1,
                        };
                        let q = &root / "layers" / i;
                        let owner = format!("layer {i} of the network");
                        let at = At {
                            stride: 1,
                            scale: newest.scale,
                            partial: 1,
                        };
                        let (op, c, s) =
                            build.edge(&q, &owner, Some(r), at, newest.channels, &mut rows)?;
                        stages.push(Stage::Layer(op));
                        recent.layer(newest.after(c, s).map_err(CompileError::from)?);
                    }
                    StepKind::Cell(call) if is_nb101_cell(&call.instance) => {
                        if options.edge_normalization {
                            return Err(unsupported(space, format!("cell `{}` is a NAS-Bench-101 cell: its inputs are `any of` members, each edge weighed by its own `off`/`on` row, so there is no node's set of mixed edges for PC-DARTS' edge normalisation to weigh; PC-DARTS runs on it with partial channels alone (`partial: K`), as NAS-Bench-1Shot1 runs it", call.instance.name)));
                        }
                        let q = &root / "cells" / cells;
                        cells += 1;
                        let build = Build {
                            space,
                            resolver: Resolver {
                                space,
                                arch: &reference,
                                alternatives: Some(&call.alternatives),
                            },
                            call: Some(call),
                            frame: CellFrame { inputs: 1, ..alone },
                            partial: options.partial_channels,
                        };
                        let (cell, c) = build.nb101_cell(&q, call, newest.channels, &mut rows)?;
                        stages.push(Stage::Nb101(cell));
                        recent.cell(newest.after(c, 1).map_err(CompileError::from)?);
                    }
                    StepKind::Cell(call) => {
                        let q = &root / "cells" / cells;
                        cells += 1;
                        let (pre, channels, frame) = cell_pre(&q, call, &recent)?;
                        let build = Build {
                            space,
                            resolver: Resolver {
                                space,
                                arch: &reference,
                                alternatives: Some(&call.alternatives),
                            },
                            call: Some(call),
                            frame,
                            partial: options.partial_channels,
                        };
                        let (cell, c) = build.cell(&q, call, channels, &mut rows)?;
                        keep = keep.max(cell.inputs);
                        stages.push(Stage::Cell {
                            prefix: prefix(&q),
                            pre,
                            cell,
                            recurrence: None,
                        });
                        let scale = frame.output_scale().map_err(CompileError::from)?;
                        recent.cell(Feature { channels: c, scale });
                    }
                }
            }
        }
        rows.check_covers(space)?;
        let mut weights = weights;
        weights.set_kind(kind);
        let shape = [rows.rows().len() as i64, rows.width() as i64];
        let alpha = Tensor::f_randn(shape, (kind, device))?
            .f_mul_scalar(1e-3)?
            .set_requires_grad(true);
        let mask = rows.mask(kind, device)?;
        let live = rows.live();
        let groups = edge_groups(&stages, space)?;
        let beta = if options.edge_normalization {
            let b = Tensor::f_randn([rows.rows().len() as i64], (kind, device))?;
            Some(b.f_mul_scalar(1e-3)?.set_requires_grad(true))
        } else {
            None
        };
        Ok(Supernet {
            stages,
            sequence,
            keep,
            weights,
            alpha,
            mask,
            live,
            rows,
            space: space.clone(),
            beta,
            groups,
            options,
        })
    }

    /// The logits for `xs` with every mixed op weighted by `mix` (batch norm with batch
    /// statistics when `train`).
    /// With edge normalisation, each node's mixed edges are also weighted by the softmax of
    /// their β (in β's graph). A language model's supernet reads token ids `[B, T]` and gives
    /// logits `[B, T, vocabulary]`, its cells starting from zero states (see
    /// [`super::recurrent`]).
    pub fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        Ok(self.forward_from(xs, mix, train, None)?.0)
    }

    /// [`Supernet::forward`] on `batch`: a language model's cells start from the states the
    /// batch carries, and the states they end with are kept in it (detached) for the next
    /// batch.
    pub fn forward_batch(
        &self,
        batch: &Batch,
        mix: &CellMix,
        train: bool,
    ) -> Result<Tensor, TchError> {
        let Some(carry) = batch.carry.as_ref().filter(|_| self.sequence) else {
            return self.forward(&batch.inputs, mix, train);
        };
        let (logits, end) = self.forward_from(&batch.inputs, mix, train, carry.start.as_deref())?;
        let end = end
            .iter()
            .map(Tensor::f_detach)
            .collect::<Result<Vec<_>, _>>()?;
        carry.end.replace(Some(end));
        Ok(logits)
    }

    /// The logits, and a language model's states after its last step (none for images).
    fn forward_from(
        &self,
        xs: &Tensor,
        mix: &CellMix,
        train: bool,
        start: Option<&[Tensor]>,
    ) -> Result<(Tensor, Vec<Tensor>), TchError> {
        if mix.len() != self.live.len() {
            return Err(TchError::Kind(format!(
                "the mixture has {} rows, α {}",
                mix.len(),
                self.live.len()
            )));
        }
        let edges = match &self.beta {
            Some(beta) => edge_weights(beta, &self.groups)?,
            None => Vec::new(),
        };
        let pass = Pass {
            mix,
            edges: &edges,
            train,
        };
        if self.sequence {
            return super::recurrent::forward(&self.stages, xs, &pass, start);
        }
        let mut recent = History::new(xs.shallow_clone(), self.keep);
        for stage in &self.stages {
            match stage {
                Stage::Layer(op) => {
                    let y = op
                        .forward(recent.newest(), &pass)?
                        .ok_or_else(|| TchError::Kind("a layer computed nothing".into()))?;
                    recent.layer(y);
                }
                Stage::Nb101(cell) => {
                    let y = cell.forward(recent.newest(), mix, train)?;
                    recent.cell(y);
                }
                Stage::Cell { pre, cell, .. } => {
                    let mut inputs: Vec<Tensor> = recent
                        .reads(cell.inputs)
                        .map(Tensor::shallow_clone)
                        .collect();
                    for (x, layer) in inputs.iter_mut().zip(pre) {
                        if let Some(layer) = layer {
                            *x = layer.forward(x, train)?;
                        }
                    }
                    let y = cell.run(inputs, &pass)?;
                    recent.cell(y);
                }
            }
        }
        Ok((recent.into_newest(), Vec::new()))
    }

    /// The DARTS mixture: row `r` of `softmax(α)` weighs its ops other than `none`.
    pub fn darts_mix(&self, alpha: &Tensor) -> Result<CellMix, TchError> {
        softmax_mix(alpha, self.mask.as_ref(), &self.live)
    }

    /// The single path of `arch` (an architecture of [`Supernet::space`]).
    pub fn path_mix(&self, arch: &Architecture) -> Result<CellMix, OneShotError> {
        self.rows.path_mix(arch)
    }

    /// `softmax(α)` per row, padded columns 0.
    pub fn probabilities(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        Ok(row_probabilities(&self.alpha, self.mask.as_ref())?)
    }

    /// The architecture α points at (see [`Rows::derive`]); with edge normalisation each
    /// row's weights are scaled by its edge's weight first, so a `k of` input choice keeps
    /// the candidates whose strongest op weighs most times their edge's weight (PC-DARTS).
    pub fn derive(&self) -> Result<Architecture, OneShotError> {
        self.derive_from(self.probabilities()?)
    }

    /// The architecture `probs` (each row's op weights, as [`Supernet::probabilities`]
    /// gives them) points at, edge weights applied as in [`Supernet::derive`].
    pub fn derive_from(&self, mut probs: Vec<Vec<f64>>) -> Result<Architecture, OneShotError> {
        for (row, w) in probs.iter_mut().zip(self.edge_weights()?) {
            row.iter_mut().for_each(|p| *p *= w);
        }
        self.rows.derive(&self.space, &probs)
    }

    /// Each row's edge weight: the softmax of β over the node's mixed edges under edge
    /// normalisation, 1 for every other row and without it.
    pub fn edge_weights(&self) -> Result<Vec<f64>, OneShotError> {
        let n = self.live.len();
        let Some(beta) = &self.beta else {
            return Ok(vec![1.0; n]);
        };
        let weights = edge_weights(&beta.f_detach()?, &self.groups)?;
        weights
            .iter()
            .map(|w| match w {
                Some(w) => Ok(w.f_double_value(&[])?),
                None => Ok(1.0),
            })
            .collect()
    }

    /// Every architecture parameter, in the order gradients and optimiser steps use: α, then
    /// β under edge normalisation.
    pub fn arch_parameters(&self) -> Vec<Tensor> {
        let mut params = vec![self.alpha.shallow_clone()];
        params.extend(self.beta.iter().map(Tensor::shallow_clone));
        params
    }

    /// β, one per row, under edge normalisation.
    pub fn beta(&self) -> Option<&Tensor> {
        self.beta.as_ref()
    }

    /// The options it was built with.
    pub fn options(&self) -> SupernetOptions {
        self.options
    }

    /// Where each row's ops run, for images of `image` (`[C, H, W]`) in batches of `batch`:
    /// per mixed op, its row and each alternative's spec as built with the shape `[B, C, H,
    /// W]` of its input (the `1/K` of the channels it reads with partial channels). A row
    /// shared by several cells appears once per cell. A NAS-Bench-101 cell's ops run at
    /// widths that vary with the architecture; they are timed at the widths of the
    /// continuous relaxation (every candidate edge in, the widths every DARTS-style pass
    /// runs them at), an `any of` member from the cell's input as its projection (its `on`).
    pub fn op_inputs(&self, image: &[i64], batch: i64) -> Result<Vec<OpInputs>, OneShotError> {
        let [_, h, w] = image[..] else {
            return Err(OneShotError::Config(format!(
                "an image is [C, H, W], got {image:?}"
            )));
        };
        let mut mixed: Vec<&MixedOp> = Vec::new();
        let mut nb101: Vec<&ElasticCell> = Vec::new();
        for stage in &self.stages {
            match stage {
                Stage::Layer(op) => mixed.extend(op.mixed()),
                Stage::Cell { cell, .. } => {
                    for v in cell.all() {
                        let edges = v.edges.iter().map(|(_, e)| e);
                        mixed.extend(edges.chain(&v.post).filter_map(EdgeOp::mixed));
                    }
                }
                Stage::Nb101(cell) => nb101.push(cell),
            }
        }
        let side = |n: i64, scale: i64| ceil_div(n, scale.max(1)).map_err(CompileError::from);
        let mut out = Vec::with_capacity(mixed.len());
        for cell in nb101 {
            let (ch, cw) = (side(h, cell.scale())?, side(w, cell.scale())?);
            out.extend(cell.op_inputs([batch, 0, ch, cw]));
        }
        for m in mixed {
            let shape = [batch, m.c_in, side(h, m.at.scale)?, side(w, m.at.scale)?];
            out.push((m.row, m.specs.iter().map(|s| (s.clone(), shape)).collect()));
        }
        Ok(out)
    }

    /// Each row's ops other than zero ops: what a mixture computes.
    pub fn live(&self) -> &[Vec<usize>] {
        &self.live
    }

    /// 0 where a row of α has an op, −∞ past its last one; `None` when every row is full.
    pub fn mask(&self) -> Option<&Tensor> {
        self.mask.as_ref()
    }

    /// What each row of α stands for.
    pub fn rows(&self) -> &Rows {
        &self.rows
    }

    /// The space it was compiled from.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// The shared weights with their names, sorted by name.
    pub fn named_weights(&self) -> Vec<(String, Tensor)> {
        let mut named: Vec<(String, Tensor)> = self
            .weights
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        named
    }

    /// Every variable with its name, sorted by name: the weights and the batch norms'
    /// running statistics.
    pub fn named_variables(&self) -> Vec<(String, Tensor)> {
        let mut named: Vec<(String, Tensor)> = self.weights.variables().into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        named
    }

    /// The shared weights (trainable variables, in a fixed order).
    pub fn weights(&self) -> Vec<Tensor> {
        self.weights.trainable_variables()
    }

    /// α: one row per op decision or candidate edge (see [`Supernet::rows`]).
    pub fn alpha(&self) -> &Tensor {
        &self.alpha
    }

    /// The device its tensors live on.
    pub fn device(&self) -> Device {
        self.weights.device()
    }

    /// The kind of its tensors.
    pub fn kind(&self) -> Kind {
        self.alpha.kind()
    }

    /// The number of shared weights a path runs on: the weights of every fixed layer and of
    /// each op and edge `arch` picks, and in a NAS-Bench-101 cell the sizes of the slices its
    /// vertices use (see [`super::nb101`]). It is the single architecture's count.
    pub fn path_weight_count(&self, arch: &Architecture) -> Result<i64, OneShotError> {
        let mix = self.path_mix(arch)?;
        let sizes: Vec<(String, i64)> = self
            .named_weights()
            .into_iter()
            .map(|(n, t)| (n, t.numel() as i64))
            .collect();
        let under = |p: &str| -> i64 {
            sizes
                .iter()
                .filter(|(n, _)| n.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
                .map(|(_, k)| k)
                .sum()
        };
        let mut total = 0;
        for stage in &self.stages {
            total += match stage {
                Stage::Layer(op) => op.used(&mix, &under)?,
                Stage::Nb101(cell) => cell.count(&mix)?,
                Stage::Cell {
                    prefix, pre, cell, ..
                } => {
                    let mut n: i64 = (0..pre.len())
                        .filter(|&j| pre[j].is_some())
                        .map(|j| under(&format!("{prefix}.pre{j}")))
                        .sum();
                    for v in cell.vertices.iter().chain(std::iter::once(&cell.output)) {
                        for (_, e) in &v.edges {
                            n += e.used(&mix, &under)?;
                        }
                        if let Some(post) = &v.post {
                            n += post.used(&mix, &under)?;
                        }
                    }
                    n
                }
            };
        }
        Ok(total)
    }

    /// The number of shared weights.
    pub fn weight_count(&self) -> i64 {
        self.weights
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum()
    }
}

/// One mixed op's row and, per alternative, its spec and input shape (see
/// [`Supernet::op_inputs`]).
pub type OpInputs = (usize, Vec<(OpSpec, [i64; 4])>);

/// The rows that are one node's mixed edges, one group per node of the cells (a row shared
/// by several cells, as NAS-Bench-201's, is one group); a row in two different groups is an
/// error.
fn edge_groups(stages: &[Stage], space: &Space) -> Result<Vec<Vec<usize>>, OneShotError> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for stage in stages {
        let Stage::Cell { cell, .. } = stage else {
            continue;
        };
        for v in cell.all() {
            let group: Vec<usize> = v
                .edges
                .iter()
                .filter_map(|(_, e)| match e {
                    EdgeOp::Mixed(m) => Some(m.row),
                    _ => None,
                })
                .collect();
            if group.is_empty() || groups.contains(&group) {
                continue;
            }
            if let Some(r) = group
                .iter()
                .find(|r| groups.iter().flatten().any(|x| x == *r))
            {
                return Err(unsupported(
                    space,
                    format!("row {r} weighs edges of two different nodes; edge normalisation needs each row in one node"),
                ));
            }
            groups.push(group);
        }
    }
    Ok(groups)
}

/// Each row's edge weight under edge normalisation: the softmax of `beta` over the rows of
/// its group, `None` for a row in no group.
fn edge_weights(beta: &Tensor, groups: &[Vec<usize>]) -> Result<Vec<Option<Tensor>>, TchError> {
    let n = beta.size().first().copied().unwrap_or(0) as usize;
    let mut out: Vec<Option<Tensor>> = (0..n).map(|_| None).collect();
    for group in groups {
        let index: Vec<i64> = group.iter().map(|&r| r as i64).collect();
        let index = Tensor::f_from_slice(&index)?.f_to_device(beta.device())?;
        let w = beta.f_index_select(0, &index)?.f_softmax(0, beta.kind())?;
        for (i, &r) in group.iter().enumerate() {
            if let Some(slot) = out.get_mut(r) {
                *slot = Some(w.f_get(i as i64)?);
            }
        }
    }
    Ok(out)
}
