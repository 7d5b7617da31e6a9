//! NAS-Bench-101 cells in the supernet compiled from a space's IR, with elastic width.
//!
//! A single NAS-Bench-101 architecture gives each vertex its own channel count (the vertices
//! that feed the output split the cell's `C`; see [`crate::compile::nb101`]), so no fixed
//! network holds every architecture at its own widths. Here every vertex holds its weights
//! (its input projection, each of its candidate ops) at the widest count it can take, `C`,
//! and the output its projection at `C`; a pass runs each vertex on the first channels of
//! them ([`super::elastic`]). Which widths a pass uses comes from the one rule both this and
//! the single architecture's compiler call, [`plan`]:
//!
//! - a **path** (every row of the mixture a single op of weight 1: an architecture) is
//!   planned from the edges it keeps — pruned, each vertex at the architecture's own width —
//!   so it is exactly the single architecture, its weights the slices it uses;
//! - the **continuous relaxation** (DARTS' softmax weights) is planned from every candidate
//!   edge, so each vertex runs at the width it has when every vertex feeds the output (`C`
//!   split among the vertices, the first ones taking the remainder). Each `any of` member's
//!   edge is scaled by its `on` weight, each vertex's op is the softmax mixture of its
//!   candidate ops, as NAS-Bench-1Shot1 (Zela et al., ICLR 2020) relaxes the space.
//!
//! α's rows are the other spaces': one per op decision, an `off`/`on` row per `any of`
//! member (see [`super::rows`]).

use super::elastic::Elastic;
use super::mix::CellMix;
use super::partial::{part_width, partial_edge};
use super::rows::{check_op, member_alternatives, unsupported, RowKind, Rows};
use super::supernet::{Build, OpInputs};
use super::OneShotError;
use crate::compile::merge;
use crate::compile::nb101::{plan, projection_spec, with_channels, Plan};
use crate::compile::network::first_int_arg;
use crate::compile::op::OpSpec;
use crate::space::{CellCall, OpRef, Source};
use tch::{nn, TchError, Tensor};

/// What a vertex applies to the sum of its inputs.
#[derive(Debug)]
enum VertexOp {
    Fixed(Elastic),
    /// The alternatives of an op decision, weighed by α's row `row`; with partial channels
    /// `partial` (K > 1) they run on the first `⌈width/K⌉` channels of the vertex
    /// ([`super::partial::partial_edge`]). `specs` are the alternatives' ops at the cell's
    /// width, for timing them.
    Mixed {
        row: usize,
        alts: Vec<Elastic>,
        specs: Vec<OpSpec>,
        partial: i64,
    },
}

/// One op vertex: the projection of the cell's input (when the input is a candidate) and its op.
#[derive(Debug)]
struct ElasticVertex {
    proj: Option<Elastic>,
    op: VertexOp,
}

/// A NAS-Bench-101 cell holding every architecture of its space (see the module docs).
#[derive(Debug)]
pub struct ElasticCell {
    c_in: i64,
    c: i64,
    /// `reads[v]`: the candidate edges into vertex `v` (the output last): the vertex read
    /// and the `any of` member's row.
    reads: Vec<Vec<(usize, usize)>>,
    /// The op vertices, vertex `v` at `v − 1`.
    vertices: Vec<ElasticVertex>,
    /// The projection of the input added to the output, when the input is a candidate.
    out_proj: Option<Elastic>,
    /// The plan of every candidate edge: the continuous relaxation's widths.
    relaxed: Plan,
    /// How many times smaller than the network's input its input is.
    scale: i64,
}

/// The term of row `row` in `mix`: `None` when the row has none (the member is out),
/// `Some(None)` for weight 1.
fn member(mix: &CellMix, row: usize) -> Result<Option<Option<&Tensor>>, TchError> {
    let terms = mix
        .get(row)
        .ok_or_else(|| TchError::Kind(format!("the mixture has no row {row}")))?;
    Ok(terms.first().map(|t| t.weight.as_ref()))
}

fn scaled(x: Tensor, weight: Option<&Tensor>) -> Result<Tensor, TchError> {
    match weight {
        Some(w) => x.f_mul(w),
        None => Ok(x),
    }
}

impl VertexOp {
    fn forward(
        &self,
        x: &Tensor,
        width: i64,
        mix: &CellMix,
        train: bool,
    ) -> Result<Tensor, TchError> {
        let (row, alts, partial) = match self {
            VertexOp::Fixed(op) => return op.forward(x, width, train),
            VertexOp::Mixed {
                row, alts, partial, ..
            } => (*row, alts, *partial),
        };
        let terms = mix
            .get(row)
            .ok_or_else(|| TchError::Kind(format!("the mixture has no row {row}")))?;
        let mixed = |part: &Tensor| -> Result<Option<Tensor>, TchError> {
            let width = part.size().get(1).copied().unwrap_or(0);
            let mut sum: Option<Tensor> = None;
            for term in terms {
                let op = alts
                    .get(term.op)
                    .ok_or_else(|| TchError::Kind(format!("row {row} has no op {}", term.op)))?;
                let y = scaled(op.forward(part, width, train)?, term.weight.as_ref())?;
                sum = Some(match sum {
                    Some(s) => s.f_add(&y)?,
                    None => y,
                });
            }
            Ok(sum)
        };
        partial_edge(x, partial, 1, mixed)?
            .ok_or_else(|| TchError::Kind(format!("row {row} weighs no op of a vertex")))
    }

    /// The weights a path at `width` uses.
    fn count(&self, width: i64, mix: &CellMix) -> Result<i64, TchError> {
        match self {
            VertexOp::Fixed(op) => Ok(op.count(width, width).0),
            VertexOp::Mixed {
                row, alts, partial, ..
            } => {
                let width = part_width(width, *partial);
                let terms = mix
                    .get(*row)
                    .ok_or_else(|| TchError::Kind(format!("the mixture has no row {row}")))?;
                Ok(terms
                    .iter()
                    .filter_map(|t| alts.get(t.op))
                    .map(|op| op.count(width, width).0)
                    .sum())
            }
        }
    }

    fn row(&self) -> Option<usize> {
        match self {
            VertexOp::Fixed(_) => None,
            VertexOp::Mixed { row, .. } => Some(*row),
        }
    }
}

impl ElasticCell {
    /// Whether `mix` is a single path through this cell: every row it reads holds at most
    /// one op (one for op rows), of weight 1.
    fn is_path(&self, mix: &CellMix) -> Result<bool, TchError> {
        let members = self.reads.iter().flatten().map(|&(_, r)| r);
        let ops = self.vertices.iter().filter_map(|v| v.op.row());
        for r in members.chain(ops) {
            let terms = mix
                .get(r)
                .ok_or_else(|| TchError::Kind(format!("the mixture has no row {r}")))?;
            if terms.len() > 1 || terms.iter().any(|t| t.weight.is_some()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The plan a pass under `mix` follows: the path's own, or every candidate edge's.
    fn plan(&self, mix: &CellMix) -> Result<std::borrow::Cow<'_, Plan>, TchError> {
        if !self.is_path(mix)? {
            return Ok(std::borrow::Cow::Borrowed(&self.relaxed));
        }
        let n = self.reads.len();
        let mut m = vec![vec![false; n]; n];
        for (v, reads) in self.reads.iter().enumerate() {
            for &(u, row) in reads {
                m[u][v] = member(mix, row)?.is_some();
            }
        }
        plan(&m, self.c_in, self.c)
            .map(std::borrow::Cow::Owned)
            .map_err(TchError::Kind)
    }

    /// The row of the member edge `u → v`.
    fn row(&self, u: usize, v: usize) -> Result<usize, TchError> {
        self.reads[v]
            .iter()
            .find(|(w, _)| *w == u)
            .map(|&(_, r)| r)
            .ok_or_else(|| TchError::Kind(format!("vertex {v} has no edge from {u}")))
    }

    /// The cell's output for `xs` under `mix` (see the module docs).
    pub fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        let plan = self.plan(mix)?;
        let Plan { kept, m, channels } = plan.as_ref();
        let n = m.len();
        let zeros = |width: i64| {
            let mut shape = xs.size();
            shape[1] = width;
            Tensor::f_zeros(&shape, (xs.kind(), xs.device()))
        };
        let mut values: Vec<Tensor> = vec![xs.shallow_clone()];
        for t in 1..n - 1 {
            let (v, width) = (kept[t], channels[t]);
            let vertex = &self.vertices[v - 1];
            let mut parts = Vec::new();
            for src in (1..t).filter(|&src| m[src][t]) {
                if let Some(w) = member(mix, self.row(kept[src], v)?)? {
                    parts.push(scaled(values[src].f_narrow(1, 0, width)?, w)?);
                }
            }
            if m[0][t] {
                if let (Some(w), Some(proj)) = (member(mix, self.row(0, v)?)?, &vertex.proj) {
                    parts.push(scaled(proj.forward(xs, width, train)?, w)?);
                }
            }
            let summed = if parts.is_empty() {
                zeros(width)?
            } else {
                merge::sum(&parts)?
            };
            values.push(vertex.op.forward(&summed, width, mix, train)?);
        }
        let out = kept[n - 1];
        let mut concat = Vec::new();
        for t in (1..n - 1).filter(|&t| m[t][n - 1]) {
            concat.push(match member(mix, self.row(kept[t], out)?)? {
                Some(w) => scaled(values[t].shallow_clone(), w)?,
                None => zeros(channels[t])?,
            });
        }
        let projected = match (&self.out_proj, m[0][n - 1]) {
            (Some(proj), true) => match member(mix, self.row(0, out)?)? {
                Some(w) => Some(scaled(proj.forward(xs, self.c, train)?, w)?),
                None => None,
            },
            _ => None,
        };
        match (concat.is_empty(), projected) {
            (true, Some(x)) => Ok(x),
            (false, None) => merge::concat(&concat),
            (false, Some(x)) => merge::concat(&concat)?.f_add(&x),
            (true, None) => Err(TchError::Kind("the cell's output is absent".into())),
        }
    }

    /// How many times smaller than the network's input its input is.
    pub fn scale(&self) -> i64 {
        self.scale
    }

    /// Where its rows' ops run, at the continuous relaxation's widths, for a batch of
    /// `[B, _, H, W]` (`H × W` the map at the cell's scale): each op vertex's row with each
    /// alternative at the vertex's width `w` (`⌈w/K⌉` with partial channels) and the shape it
    /// reads; each `any of` member from the cell's input with its `off` (a zero op, never
    /// timed) and its `on`, the projection of the input to the reading vertex's width. The
    /// other members add or concatenate what is computed anyway, and cost nothing here.
    pub fn op_inputs(&self, [b, _, h, w]: [i64; 4]) -> Vec<OpInputs> {
        let Plan { kept, m, channels } = &self.relaxed;
        let n = m.len();
        let mut out = Vec::new();
        for t in 1..n {
            let (v, width) = (kept[t], channels[t]);
            if let (true, Ok(row)) = (m[0][t], self.row(0, v)) {
                let read = [b, self.c_in, h, w];
                let on = with_channels(&projection_spec(self.c), width);
                out.push((row, vec![(OpSpec::Zero { stride: 1 }, read), (on, read)]));
            }
            let Some(ElasticVertex {
                op:
                    VertexOp::Mixed {
                        row,
                        specs,
                        partial,
                        ..
                    },
                ..
            }) = self.vertices.get(v.wrapping_sub(1))
            else {
                continue;
            };
            let p = part_width(width, *partial);
            let alts = specs
                .iter()
                .map(|spec| (with_channels(spec, p), [b, p, h, w]))
                .collect();
            out.push((*row, alts));
        }
        out
    }

    /// The weights a pass under `mix` uses: the sizes of the slices of the vertices and
    /// projections it runs.
    pub fn count(&self, mix: &CellMix) -> Result<i64, TchError> {
        let plan = self.plan(mix)?;
        let Plan { kept, m, channels } = plan.as_ref();
        let n = m.len();
        let mut total = 0;
        for t in 1..n - 1 {
            let vertex = &self.vertices[kept[t] - 1];
            if let (true, Some(proj)) = (m[0][t], &vertex.proj) {
                total += proj.count(self.c_in, channels[t]).0;
            }
            total += vertex.op.count(channels[t], mix)?;
        }
        if let (true, Some(proj)) = (m[0][n - 1], &self.out_proj) {
            total += proj.count(self.c_in, self.c).0;
        }
        Ok(total)
    }
}

impl<'a> Build<'a> {
    /// The NAS-Bench-101 cell of `call` under `p` on inputs of `c_in` channels; returns it with
    /// its output channels (the call's first argument).
    pub(super) fn nb101_cell(
        &self,
        p: &nn::Path,
        call: &'a CellCall,
        c_in: i64,
        rows: &mut Rows,
    ) -> Result<(ElasticCell, i64), OneShotError> {
        let space = self.space;
        let g = &call.instance;
        let c = first_int_arg(p, call)?;
        let n = g.vertex_count() + 1;
        let mut reads = vec![Vec::new(); n];
        let mut candidates = vec![vec![false; n]; n];
        for (v, node) in g.all_nodes() {
            for term in &node.terms {
                let Source::Member {
                    decision,
                    candidate,
                    vertex,
                } = term.source
                else {
                    return Err(unsupported(space, format!("node `{}` of NAS-Bench-101 cell `{}` reads an input that is not an `any of` member", node.name, g.name)));
                };
                let kind = RowKind::Member {
                    subset: decision,
                    candidate: candidate as usize,
                };
                let row = rows.row(space, kind, &member_alternatives())?;
                reads[v].push((vertex, row));
                candidates[vertex][v] = true;
            }
        }
        let relaxed = plan(&candidates, c_in, c).map_err(|e| {
            unsupported(
                space,
                format!("cell `{}` with every candidate edge: {e}", g.name),
            )
        })?;
        // Every op and projection at its widest: `c` channels out, from `c` (an op) or the
        // cell's input (a projection); a mixed op with partial channels at `⌈c/K⌉`.
        let elastic = |spec: &OpSpec, q: &nn::Path, owner: &str, from: i64, c: i64| {
            let (op, out) = Elastic::build(&with_channels(spec, c), q, from)
                .map_err(|e| unsupported(space, format!("{owner}: {e}")))?;
            if out != c {
                return Err(unsupported(space, format!("{owner} gives {out} channels on {c}; a NAS-Bench-101 vertex's op keeps the vertex's channels")));
            }
            Ok(op)
        };
        let c_part = part_width(c, self.partial);
        let mut vertices = Vec::with_capacity(g.nodes.len());
        for (j, node) in g.nodes.iter().enumerate() {
            let v = j + 1;
            let q = p / format!("vertex_{v}");
            let owner = format!("node `{}`", node.name);
            let proj = if candidates[0][v] {
                Some(elastic(
                    &projection_spec(c),
                    &(&q / "proj"),
                    &owner,
                    c_in,
                    c,
                )?)
            } else {
                None
            };
            let op = match &node.post {
                Some(OpRef::Fixed(op)) => {
                    check_op(space, &owner, op, 0)?;
                    let spec = self.resolver.op(op, 0)?;
                    VertexOp::Fixed(elastic(&spec, &(&q / "op"), &owner, c, c)?)
                }
                Some(OpRef::Choice(d)) => {
                    let alts = self.alternatives(*d)?;
                    let row = rows.row(space, RowKind::Decision(*d), alts)?;
                    let mut built = Vec::with_capacity(alts.len());
                    let mut specs = Vec::with_capacity(alts.len());
                    for alt in alts {
                        let op = alt.op.as_ref().ok_or_else(|| {
                            unsupported(space, format!("{owner} chooses a value, not an op"))
                        })?;
                        check_op(space, &owner, op, 0)?;
                        let spec = self.resolver.op(op, 0)?;
                        built.push(elastic(
                            &spec,
                            &(&q / "op" / alt.label.as_str()),
                            &owner,
                            c_part,
                            c_part,
                        )?);
                        specs.push(spec);
                    }
                    VertexOp::Mixed {
                        row,
                        alts: built,
                        specs,
                        partial: self.partial,
                    }
                }
                None => return Err(unsupported(space, format!("{owner} has no op"))),
            };
            vertices.push(ElasticVertex { proj, op });
        }
        let out_proj = if candidates[0][n - 1] {
            let q = p / "output" / "proj";
            Some(elastic(
                &projection_spec(c),
                &q,
                "the cell's output",
                c_in,
                c,
            )?)
        } else {
            None
        };
        Ok((
            ElasticCell {
                c_in,
                c,
                reads,
                vertices,
                out_proj,
                relaxed,
                scale: self.frame.scale,
            },
            c,
        ))
    }
}
