//! A weight-sharing supernet compiled from a space's IR rather than written by hand: the
//! space's network (its skeleton's layers and cells, wired as [`crate::compile::network`]
//! wires a single architecture) in which every op decision is a mixed op over all its
//! alternatives, every `k of [...]` input choice is a mixed edge from each candidate input,
//! and every `any of [...]` member an edge gated by its own weight (see [`super::ir_rows`]
//! for α's rows). A NAS-Bench-101 cell, whose vertices' widths depend on the architecture,
//! holds its weights at the widest and runs each pass on slices of them
//! ([`super::ir_nb101`]). Each alternative is built by the op library exactly
//! as a single architecture builds it, under the edge's path with the alternative's label
//! appended (`cells.3.edges.4<-1.sep_conv_3x3.…`), so a path through the supernet runs the
//! single architecture's layers. α is a tensor of its own, outside the weights' store, drawn
//! as 10⁻³·N(0, 1) as in DARTS.

use super::darts::MixedNet;
use super::ir_nb101::ElasticCell;
use super::ir_rows::{check_op, check_space, member_alternatives, unsupported, RowKind, Rows};
use super::mix::{gdas_rows, row_probabilities, snas_rows, softmax_mix, CellMix};
use super::OneShotError;
use crate::compile::graph_cell::combine_terms;
use crate::compile::ir_op::{spatial_stride, with_stride, Resolver};
use crate::compile::layer::BoxLayer;
use crate::compile::named::build_named;
use crate::compile::nb101::is_nb101_cell;
use crate::compile::network::{cell_pre, last_k, Tracked};
use crate::compile::op::OpSpec;
use crate::compile::sequence::is_sequence_space;
use crate::space::{
    Alt, Architecture, CellCall, Combine, Domain, Node, OpRef, Source, Space, StepKind,
};
use tch::{nn, Device, Kind, TchError, Tensor};

/// All alternatives of one op decision (or one candidate edge), weighed by α's row `row`.
#[derive(Debug)]
struct MixedOp {
    row: usize,
    alts: Vec<BoxLayer>,
    /// Each alternative's parameter path (`cells.0.edges.2<-0.sep_conv_3x3`).
    prefixes: Vec<String>,
}

impl MixedOp {
    /// The weighted sum of the row's terms in `mix` on `x`; `None` when it has none.
    fn forward(&self, x: &Tensor, mix: &CellMix, train: bool) -> Result<Option<Tensor>, TchError> {
        let mut sum: Option<Tensor> = None;
        let terms = mix
            .get(self.row)
            .ok_or_else(|| TchError::Kind(format!("the mixture has no row {}", self.row)))?;
        for term in terms {
            let op = self
                .alts
                .get(term.op)
                .ok_or_else(|| TchError::Kind(format!("row {} has no op {}", self.row, term.op)))?;
            let out = op.forward(x, train)?;
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
enum EdgeOp {
    Wire,
    /// A fixed op and its parameter path.
    Fixed(BoxLayer, String),
    Mixed(MixedOp),
    /// An `any of` member's edge, weighed by its row's `on` term (nothing when the row has
    /// none: the member is out).
    Gated(usize, Box<EdgeOp>),
}

impl EdgeOp {
    fn forward(&self, x: &Tensor, mix: &CellMix, train: bool) -> Result<Option<Tensor>, TchError> {
        match self {
            EdgeOp::Wire => Ok(Some(x.shallow_clone())),
            EdgeOp::Fixed(layer, _) => layer.forward(x, train).map(Some),
            EdgeOp::Mixed(m) => m.forward(x, mix, train),
            EdgeOp::Gated(row, inner) => {
                let terms = mix
                    .get(*row)
                    .ok_or_else(|| TchError::Kind(format!("the mixture has no row {row}")))?;
                let Some(term) = terms.first() else {
                    return Ok(None);
                };
                match (inner.forward(x, mix, train)?, &term.weight) {
                    (Some(y), Some(w)) => y.f_mul(w).map(Some),
                    (y, _) => Ok(y),
                }
            }
        }
    }
}

impl EdgeOp {
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
fn prefix(p: &nn::Path) -> String {
    p.components().collect::<Vec<_>>().join(".")
}

/// A computed vertex of a mixed cell: `post(combine(edges))`.
#[derive(Debug)]
struct MixedVertex {
    combine: Combine,
    edges: Vec<(usize, EdgeOp)>,
    post: Option<EdgeOp>,
}

impl MixedVertex {
    fn forward(&self, values: &[Tensor], mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        let mut outs = Vec::with_capacity(self.edges.len());
        for (u, op) in &self.edges {
            let x = values
                .get(*u)
                .ok_or_else(|| TchError::Kind(format!("vertex {u} has no value")))?;
            if let Some(y) = op.forward(x, mix, train)? {
                outs.push(y);
            }
        }
        let merged = combine_terms(self.combine, &outs)?;
        match &self.post {
            Some(op) => op
                .forward(&merged, mix, train)?
                .ok_or_else(|| TchError::Kind("a node's post op computed nothing".into())),
            None => Ok(merged),
        }
    }
}

/// A cell whose every choice is mixed.
#[derive(Debug)]
struct MixedCell {
    inputs: usize,
    vertices: Vec<MixedVertex>,
    output: MixedVertex,
}

impl MixedCell {
    fn run(&self, inputs: Vec<Tensor>, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        let mut values = inputs;
        for v in &self.vertices {
            let y = v.forward(&values, mix, train)?;
            values.push(y);
        }
        self.output.forward(&values, mix, train)
    }
}

#[derive(Debug)]
enum Stage {
    Layer(EdgeOp),
    Cell {
        /// The cell's parameter path (`cells.3`).
        prefix: String,
        pre: Vec<Option<BoxLayer>>,
        cell: MixedCell,
    },
    /// A NAS-Bench-101 cell, at elastic width.
    Nb101(ElasticCell),
}

/// The supernet of a space: shared weights, α, and forward passes under a [`CellMix`].
#[derive(Debug)]
pub struct IrSupernet {
    stages: Vec<Stage>,
    keep: usize,
    weights: nn::VarStore,
    alpha: Tensor,
    mask: Option<Tensor>,
    live: Vec<Vec<usize>>,
    rows: Rows,
    space: Space,
}

/// A node's terms that read one pick decision: the decision, its candidates' vertices, and
/// each term's slot and op.
type PickTerms<'a> = (usize, &'a [usize], Vec<(u32, Option<&'a OpRef>)>);

/// What building one cell needs.
pub(super) struct Build<'a> {
    pub(super) space: &'a Space,
    pub(super) resolver: Resolver<'a>,
    call: Option<&'a CellCall>,
    stride: i64,
    inputs: usize,
}

impl<'a> Build<'a> {
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

    /// One op built as a single architecture builds it, with `stride`.
    fn layer(
        &self,
        p: &nn::Path,
        owner: &str,
        op: &'a crate::space::Op,
        stride: i64,
        c_in: i64,
    ) -> Result<(BoxLayer, i64, i64), OneShotError> {
        check_op(self.space, owner, op, 0)?;
        let spec = self.resolver.op(op, 0)?;
        let strided = with_stride(&spec, stride, c_in).ok_or_else(|| {
            unsupported(
                self.space,
                format!("op `{}` in {owner} cannot take stride {stride}", op.name),
            )
        })?;
        let (layer, c) = build_named(&strided, p, c_in)?;
        Ok((layer, c, spatial_stride(&strided)))
    }

    /// A mixed op over `alts` on row `row`; every alternative must give the same channels and
    /// resolution. Returns it with its output channels.
    fn mixed(
        &self,
        p: &nn::Path,
        owner: &str,
        row: usize,
        alts: &'a [Alt],
        stride: i64,
        c_in: i64,
    ) -> Result<(MixedOp, i64, i64), OneShotError> {
        let mut layers = Vec::with_capacity(alts.len());
        let mut prefixes = Vec::with_capacity(alts.len());
        let mut shape: Option<(i64, i64)> = None;
        for alt in alts {
            let op = alt.op.as_ref().ok_or_else(|| {
                unsupported(self.space, format!("{owner} has a value, not an op"))
            })?;
            let q = p / alt.label.as_str();
            let (layer, c, s) = self.layer(&q, owner, op, stride, c_in)?;
            prefixes.push(prefix(&q));
            match shape {
                Some(prev) if prev != (c, s) => {
                    return Err(unsupported(
                        self.space,
                        format!(
                            "the ops of {owner} disagree on their output ({} gives {c} channels at stride {s}, another {} at stride {}); mixed ops must agree",
                            alt.label, prev.0, prev.1
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
        };
        Ok((mixed, c, s))
    }

    /// The op of a term or post op on an input of `c_in` channels with `stride`.
    fn edge(
        &self,
        p: &nn::Path,
        owner: &str,
        op: Option<&'a OpRef>,
        stride: i64,
        c_in: i64,
        rows: &mut Rows,
    ) -> Result<(EdgeOp, i64, i64), OneShotError> {
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
                let (layer, c, s) = self.layer(p, owner, op, stride, c_in)?;
                Ok((EdgeOp::Fixed(layer, prefix(p)), c, s))
            }
            Some(OpRef::Choice(d)) => {
                let alts = self.alternatives(*d)?;
                let row = rows.row(self.space, RowKind::Decision(*d), alts)?;
                let owner = format!("decision `{}`", self.space.decisions()[*d].name);
                let (m, c, s) = self.mixed(p, &owner, row, alts, stride, c_in)?;
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
            let stride = if u < self.inputs { self.stride } else { 1 };
            let (e, c, _) = self.edge(&(p / "edges" / name), &owner, op, stride, c_in, rows)?;
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
                Source::Chosen { decision, .. } => {
                    return Err(unsupported(self.space, format!("decision `{}` chooses the kind of {owner} (term {i}); a supernet mixes ops and inputs only", decisions[*decision].name)))
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
            for (candidate, &u) in vertices.iter().enumerate() {
                let row = rows.row(self.space, RowKind::Candidate { pick, candidate }, alts)?;
                let c_in = *channels.get(u).ok_or_else(|| {
                    unsupported(
                        self.space,
                        format!("{owner} reads vertex {u}, which is not before it"),
                    )
                })?;
                let stride = if u < self.inputs { self.stride } else { 1 };
                let q = p / "edges" / format!("{to}<-{u}");
                let owner = format!("the edges of `{pick_name}`");
                let (m, c, _) = self.mixed(&q, &owner, row, alts, stride, c_in)?;
                edges.push((u, EdgeOp::Mixed(m)));
                outs.push(c);
            }
        }
        if edges.is_empty() {
            return Err(unsupported(self.space, format!("{owner} has no input")));
        }
        let c = match node.combine {
            Combine::Concat => outs.iter().sum(),
            _ if outs.iter().any(|&c| c != outs[0]) => {
                return Err(unsupported(
                    self.space,
                    format!("{owner} merges tensors of {outs:?} channels"),
                ))
            }
            _ => outs[0],
        };
        let (post, c) = match &node.post {
            Some(r) => {
                let (op, c, _) = self.edge(&(p / "post" / to), &owner, Some(r), 1, c, rows)?;
                (Some(op), c)
            }
            None => (None, c),
        };
        Ok((
            MixedVertex {
                combine: node.combine,
                edges,
                post,
            },
            c,
        ))
    }

    /// The cell of `call` on inputs of `channels`; returns it with its output channels.
    fn cell(
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
            },
            c,
        ))
    }
}

impl IrSupernet {
    /// Compiles the supernet of `space` (at the size it was lowered with) for images of
    /// `in_channels` channels on `device` with `kind` weights; weights and α are drawn from
    /// libtorch's generator seeded with `seed`. A space with a decision that is not an op
    /// choice or a `k of [...]` input choice is an error naming that decision.
    pub fn new(
        space: &Space,
        in_channels: i64,
        device: Device,
        kind: Kind,
        seed: i64,
    ) -> Result<IrSupernet, OneShotError> {
        check_space(space)?;
        if is_sequence_space(space) {
            return Err(unsupported(
                space,
                "it is a sequence model; the supernet compiles image networks",
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
        tch::manual_seed(seed);
        let weights = nn::VarStore::new(device);
        let root = weights.root();
        let mut rows = Rows::default();
        let mut stages = Vec::new();
        let mut recent = vec![Tracked {
            channels: in_channels,
            scale: 1,
        }];
        let mut keep = 1;
        let mut cells = 0;
        for (i, step) in skeleton.steps.iter().enumerate() {
            if let Some(g) = step.guard {
                return Err(unsupported(space, format!("a step of the network exists only when decision `{}` allows (a chosen depth)", space.decisions()[g.parent].name)));
            }
            let newest = recent[recent.len() - 1];
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
                        stride: 1,
                        inputs: 0,
                    };
                    let q = &root / "layers" / i;
                    let owner = format!("layer {i} of the network");
                    let (op, c, s) =
                        build.edge(&q, &owner, Some(r), 1, newest.channels, &mut rows)?;
                    let scale = newest.scale * s.max(1);
                    stages.push(Stage::Layer(op));
                    recent = vec![Tracked { channels: c, scale }];
                }
                StepKind::Cell(call) if is_nb101_cell(&call.instance) => {
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
                        stride: 1,
                        inputs: 1,
                    };
                    let (cell, c) = build.nb101_cell(&q, call, newest.channels, &mut rows)?;
                    stages.push(Stage::Nb101(cell));
                    recent.push(Tracked {
                        channels: c,
                        scale: newest.scale,
                    });
                }
                StepKind::Cell(call) => {
                    let q = &root / "cells" / cells;
                    cells += 1;
                    let (pre, channels, newest) = cell_pre(&q, call, &recent)?;
                    let stride = call.int_arg("stride").unwrap_or(1);
                    let build = Build {
                        space,
                        resolver: Resolver {
                            space,
                            arch: &reference,
                            alternatives: Some(&call.alternatives),
                        },
                        call: Some(call),
                        stride,
                        inputs: call.instance.inputs.len(),
                    };
                    let (cell, c) = build.cell(&q, call, channels, &mut rows)?;
                    keep = keep.max(cell.inputs);
                    stages.push(Stage::Cell {
                        prefix: prefix(&q),
                        pre,
                        cell,
                    });
                    recent.push(Tracked {
                        channels: c,
                        scale: newest.scale * stride,
                    });
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
        Ok(IrSupernet {
            stages,
            keep,
            weights,
            alpha,
            mask,
            live,
            rows,
            space: space.clone(),
        })
    }

    /// The logits for `xs` with every mixed op weighted by `mix` (batch norm with batch
    /// statistics when `train`).
    pub fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        if mix.len() != self.live.len() {
            return Err(TchError::Kind(format!(
                "the mixture has {} rows, α {}",
                mix.len(),
                self.live.len()
            )));
        }
        let mut recent = vec![xs.shallow_clone()];
        for stage in &self.stages {
            match stage {
                Stage::Layer(op) => {
                    let y = op
                        .forward(&recent[recent.len() - 1], mix, train)?
                        .ok_or_else(|| TchError::Kind("a layer computed nothing".into()))?;
                    recent = vec![y];
                }
                Stage::Nb101(cell) => {
                    let y = cell.forward(&recent[recent.len() - 1], mix, train)?;
                    recent.push(y);
                    if recent.len() > self.keep {
                        drop(recent.remove(0));
                    }
                }
                Stage::Cell { pre, cell, .. } => {
                    let mut inputs: Vec<Tensor> = last_k(recent.len(), cell.inputs)
                        .map(|j| recent[j].shallow_clone())
                        .collect();
                    for (x, layer) in inputs.iter_mut().zip(pre) {
                        if let Some(layer) = layer {
                            *x = layer.forward(x, train)?;
                        }
                    }
                    let y = cell.run(inputs, mix, train)?;
                    recent.push(y);
                    if recent.len() > self.keep {
                        drop(recent.remove(0));
                    }
                }
            }
        }
        recent
            .pop()
            .ok_or_else(|| TchError::Kind("the network produced nothing".into()))
    }

    /// The DARTS mixture: row `r` of `softmax(α)` weighs its ops other than `none`.
    pub fn darts_mix(&self, alpha: &Tensor) -> Result<CellMix, TchError> {
        softmax_mix(alpha, self.mask.as_ref(), &self.live)
    }

    /// A GDAS sample at temperature `tau`: one op per row (never padding), weight
    /// `1 − p.detach() + p`; a row whose pick is a zero op (`none`, a member's `off`) has no
    /// term (see [`gdas_rows`]).
    pub fn gdas_mix(&self, alpha: &Tensor, tau: f64) -> Result<CellMix, TchError> {
        Ok(gdas_rows(alpha, self.mask.as_ref(), &self.live, tau)?.0)
    }

    /// An SNAS sample at temperature `tau`: each row's ops other than zero ops weighted by
    /// the relaxed one-hot `softmax((α + mask + g)/τ)` (see [`snas_rows`]).
    pub fn snas_mix(&self, alpha: &Tensor, tau: f64) -> Result<CellMix, TchError> {
        snas_rows(alpha, self.mask.as_ref(), &self.live, tau)
    }

    /// The single path of `arch` (an architecture of [`IrSupernet::space`]).
    pub fn path_mix(&self, arch: &Architecture) -> Result<CellMix, OneShotError> {
        self.rows.path_mix(arch)
    }

    /// `softmax(α)` per row, padded columns 0.
    pub fn probabilities(&self) -> Result<Vec<Vec<f64>>, OneShotError> {
        Ok(row_probabilities(&self.alpha, self.mask.as_ref())?)
    }

    /// The architecture α points at (see [`Rows::derive`]).
    pub fn derive(&self) -> Result<Architecture, OneShotError> {
        self.rows.derive(&self.space, &self.probabilities()?)
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

    /// α: one row per op decision or candidate edge (see [`IrSupernet::rows`]).
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
    /// vertices use (see [`super::ir_nb101`]). It is the single architecture's count.
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
                Stage::Cell { prefix, pre, cell } => {
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

impl MixedNet for IrSupernet {
    fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        IrSupernet::forward(self, xs, mix, train)
    }
    fn weights(&self) -> Vec<Tensor> {
        IrSupernet::weights(self)
    }
    fn alpha(&self) -> &Tensor {
        IrSupernet::alpha(self)
    }
    fn arch_parameters(&self) -> Vec<Tensor> {
        vec![self.alpha.shallow_clone()]
    }
    fn darts_mix(&self, alpha: &Tensor) -> Result<CellMix, TchError> {
        IrSupernet::darts_mix(self, alpha)
    }
    fn kind(&self) -> Kind {
        IrSupernet::kind(self)
    }
    fn device(&self) -> Device {
        IrSupernet::device(self)
    }
}
