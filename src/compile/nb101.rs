//! NAS-Bench-101 cells compiled as the benchmark builds them (Ying et al., ICML 2019, the
//! `model_builder.py` of its code), not literally as the cell's text reads.
//!
//! A cell qualifies when it has one input, every node sums an `any of` subset of earlier
//! vertices and then applies one op (`sum(any of [..]) >> op`), and the output concatenates
//! an `any of` subset (`concat(any of [v0, ..])`). For an architecture:
//!
//! * the DAG is pruned to the vertices on some path from the input to the output;
//! * each vertex gets a channel count from the cell's channel count `C` (the call's first
//!   argument): the vertices that feed the output split `C` between them (the first ones
//!   take the remainder, one channel each), every other vertex takes the largest count among
//!   the vertices it feeds;
//! * a vertex sums its interior inputs, each truncated to its own channel count (the first
//!   channels kept), and the input projected to that count by a 1×1 conv–BN–ReLU; then it
//!   applies its op, whose convolutions produce the vertex's channel count;
//! * the output concatenates the vertices that feed it and adds the input projected to `C`
//!   channels when the input feeds it too (the projection alone when nothing else does).
//!
//! Parameters live under `vertex_{v}.proj`, `vertex_{v}.op` and `output.proj`, `v` being the
//! vertex's number in the cell (1 for its first node).

use super::activation::Activation;
use super::conv::ConvConfig;
use super::describe::{Module, Nb101Module, Nb101Vertex};
use super::error::CompileError;
use super::ir_op::Resolver;
use super::layer::{BoxLayer, Layer};
use super::merge;
use super::named::build_named;
use super::op::OpSpec;
use crate::space::{Combine, Graph, Node, Source, Value};
use tch::{nn, TchError, Tensor};

/// Whether `graph` has NAS-Bench-101's cell form (see the module documentation).
pub fn is_nb101_cell(graph: &Graph) -> bool {
    let subset_terms = |node: &Node| {
        !node.terms.is_empty()
            && node.guard.is_none()
            && node
                .terms
                .iter()
                .all(|t| t.op.is_none() && matches!(t.source, Source::Member { .. }))
    };
    graph.inputs.len() == 1
        && !graph.nodes.is_empty()
        && graph
            .nodes
            .iter()
            .all(|n| n.combine == Combine::Sum && n.post.is_some() && subset_terms(n))
        && graph.output.combine == Combine::Concat
        && graph.output.post.is_none()
        && subset_terms(&graph.output)
}

/// The adjacency matrix an architecture picks: `m[u][v]` when vertex `v` reads vertex `u`;
/// vertex 0 is the input, the last one the output.
fn adjacency(graph: &Graph, values: &[Value]) -> Vec<Vec<bool>> {
    let n = graph.vertex_count() + 1;
    let mut m = vec![vec![false; n]; n];
    for (v, node) in graph.all_nodes() {
        for t in &node.terms {
            if let Source::Member {
                decision,
                candidate,
                vertex,
            } = t.source
            {
                if matches!(values.get(decision), Some(Value::Set(s)) if s >> candidate & 1 == 1) {
                    m[vertex][v] = true;
                }
            }
        }
    }
    m
}

/// The vertices on some path from the input to the output, in order (empty when the output
/// cannot be reached from the input).
pub fn prune(m: &[Vec<bool>]) -> Vec<usize> {
    let n = m.len();
    let mut from_input = vec![false; n];
    from_input[0] = true;
    for v in 1..n {
        from_input[v] = (0..v).any(|u| m[u][v] && from_input[u]);
    }
    let mut to_output = vec![false; n];
    to_output[n - 1] = true;
    for v in (0..n - 1).rev() {
        to_output[v] = (v + 1..n).any(|w| m[v][w] && to_output[w]);
    }
    if !from_input[n - 1] {
        return Vec::new();
    }
    (0..n).filter(|&v| from_input[v] && to_output[v]).collect()
}

/// The channel count of each vertex of the pruned matrix `m` (the benchmark's
/// `compute_vertex_channels`): the input has `c_in`, the output `c_out`.
pub fn vertex_channels(c_in: i64, c_out: i64, m: &[Vec<bool>]) -> Vec<i64> {
    let n = m.len();
    let mut vc = vec![0; n];
    vc[0] = c_in;
    vc[n - 1] = c_out;
    if n == 2 {
        return vc;
    }
    let fan_in = (1..n - 1).filter(|&u| m[u][n - 1]).count().max(1) as i64;
    let interior = c_out / fan_in;
    let mut correction = c_out % fan_in;
    for v in 1..n - 1 {
        if m[v][n - 1] {
            vc[v] = interior;
            if correction > 0 {
                vc[v] += 1;
                correction -= 1;
            }
        }
    }
    for v in (1..n.saturating_sub(2)).rev() {
        if !m[v][n - 1] {
            for dst in v + 1..n - 1 {
                if m[v][dst] {
                    vc[v] = vc[v].max(vc[dst]);
                }
            }
        }
    }
    vc
}

/// How an architecture's cell is built: the vertices kept by [`prune`], the pruned matrix and
/// each kept vertex's channel count by [`vertex_channels`]. Every NAS-Bench-101 cell, single
/// or inside a supernet, is planned by [`plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The kept vertices' numbers in the full matrix, input first and output last.
    pub kept: Vec<usize>,
    /// The pruned matrix: `m[s][t]` when kept vertex `t` reads kept vertex `s`.
    pub m: Vec<Vec<bool>>,
    /// The channel count of each kept vertex (the input's `c_in`, the output's `c`).
    pub channels: Vec<i64>,
}

/// The plan of the full adjacency matrix `full` for inputs of `c_in` channels and `c` output
/// channels; the error says why it cannot be built (no path from input to output, a vertex
/// narrower than one it feeds, a vertex with no channels).
pub fn plan(full: &[Vec<bool>], c_in: i64, c: i64) -> Result<Plan, String> {
    let kept = prune(full);
    if kept.is_empty() {
        return Err(
            "no path leads from the cell's input to its output in this architecture".into(),
        );
    }
    let m: Vec<Vec<bool>> = kept
        .iter()
        .map(|&u| kept.iter().map(|&v| full[u][v]).collect())
        .collect();
    let channels = vertex_channels(c_in, c, &m);
    let n = m.len();
    for t in 1..n - 1 {
        if channels[t] < 1 {
            return Err(format!(
                "vertex {} gets no channels: the cell's {c} channels are split among more vertices",
                kept[t]
            ));
        }
        for src in (1..t).filter(|&src| m[src][t]) {
            if channels[src] < channels[t] {
                return Err(format!(
                    "vertex {} has {} channels, fewer than the {} of vertex {} it feeds",
                    kept[src], channels[src], channels[t], kept[t]
                ));
            }
        }
    }
    Ok(Plan { kept, m, channels })
}

/// `spec` with its convolutions producing `c` channels.
pub(crate) fn with_channels(spec: &OpSpec, c: i64) -> OpSpec {
    match spec {
        OpSpec::Conv(config) => OpSpec::Conv(ConvConfig {
            c_out: c,
            ..*config
        }),
        OpSpec::ReluConvBn(config) => OpSpec::ReluConvBn(ConvConfig {
            c_out: c,
            ..*config
        }),
        OpSpec::Seq(parts) => OpSpec::Seq(parts.iter().map(|s| with_channels(s, c)).collect()),
        other => other.clone(),
    }
}

/// The benchmark's projection: a 1×1 conv to `c` channels, batch norm, ReLU (its parts named
/// `conv` and `bn` by [`build_named`]).
pub(crate) fn projection_spec(c: i64) -> OpSpec {
    OpSpec::Seq(vec![
        OpSpec::Conv(ConvConfig::new(c, 1)),
        OpSpec::BatchNorm { affine: true },
        OpSpec::Act(Activation::Relu),
    ])
}

fn projection(p: &nn::Path, c_in: i64, c: i64) -> Result<BoxLayer, CompileError> {
    Ok(build_named(&projection_spec(c), p, c_in)?.0)
}

/// One computed vertex.
#[derive(Debug)]
struct Vertex {
    /// Its name in the cell (`vertex_3`), under which its variables live.
    name: String,
    /// Interior inputs (by position among the computed values) and the channels kept.
    interior: Vec<(usize, i64)>,
    /// The projection of the cell's input, when the input feeds this vertex.
    projection: Option<BoxLayer>,
    /// The vertex's op.
    op: BoxLayer,
}

/// A NAS-Bench-101 cell built for one architecture.
#[derive(Debug)]
pub struct Nb101Cell {
    vertices: Vec<Vertex>,
    /// The computed values the output concatenates (by position, 1 for the first vertex).
    concat: Vec<usize>,
    /// The projection of the input added to the output, when the input feeds it.
    projection: Option<BoxLayer>,
}

impl Nb101Cell {
    /// Builds the cell `graph` as `resolver`'s architecture fixes it, under `p`, for inputs
    /// of `c_in` channels and `c` output channels.
    pub fn new<'a>(
        p: &nn::Path,
        resolver: &Resolver<'a>,
        graph: &'a Graph,
        c_in: i64,
        c: i64,
    ) -> Result<Self, CompileError> {
        let full = adjacency(graph, resolver.arch.values());
        let Plan {
            kept,
            m,
            channels: vc,
        } = plan(&full, c_in, c).map_err(|e| CompileError::bad_op(p, &graph.name, e))?;
        let n = m.len();
        let mut vertices = Vec::with_capacity(n - 2);
        for t in 1..n - 1 {
            let name = format!("vertex_{}", kept[t]);
            let q = p / &name;
            let node = &graph.nodes[kept[t] - 1];
            let interior: Vec<(usize, i64)> = (1..t)
                .filter(|&src| m[src][t])
                .map(|src| (src, vc[t]))
                .collect();
            let projection = if m[0][t] {
                Some(projection(&(&q / "proj"), c_in, vc[t])?)
            } else {
                None
            };
            let post = node.post.as_ref().ok_or_else(|| {
                CompileError::bad_op(&q, &node.name, "a NAS-Bench-101 vertex needs an op")
            })?;
            let spec = with_channels(&resolver.spec(post)?, vc[t]);
            let (op, out) = build_named(&spec, &(&q / "op"), vc[t])?;
            if out != vc[t] {
                return Err(CompileError::bad_op(
                    &q,
                    &node.name,
                    format!("the op gives {out} channels, the vertex needs {}", vc[t]),
                ));
            }
            vertices.push(Vertex {
                name,
                interior,
                projection,
                op,
            });
        }
        let concat: Vec<usize> = (1..n - 1).filter(|&t| m[t][n - 1]).collect();
        let projection = if m[0][n - 1] {
            Some(projection(&(p / "output" / "proj"), c_in, c)?)
        } else {
            None
        };
        Ok(Nb101Cell {
            vertices,
            concat,
            projection,
        })
    }
}

impl Layer for Nb101Cell {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let mut values: Vec<Tensor> = vec![xs.shallow_clone()];
        for v in &self.vertices {
            let mut parts = Vec::with_capacity(v.interior.len() + 1);
            for &(src, c) in &v.interior {
                parts.push(values[src].f_narrow(1, 0, c)?);
            }
            if let Some(proj) = &v.projection {
                parts.push(proj.forward(xs, train)?);
            }
            let summed = merge::sum(&parts)?;
            values.push(v.op.forward(&summed, train)?);
        }
        let concat: Vec<Tensor> = self
            .concat
            .iter()
            .map(|&t| values[t].shallow_clone())
            .collect();
        let projected = match &self.projection {
            Some(proj) => Some(proj.forward(xs, train)?),
            None => None,
        };
        match (concat.is_empty(), projected) {
            (true, Some(x)) => Ok(x),
            (false, None) => merge::concat(&concat),
            (false, Some(x)) => merge::concat(&concat)?.f_add(&x),
            (true, None) => Err(TchError::Kind("the cell's output is absent".into())),
        }
    }

    fn describe(&self) -> Module {
        Module::Nb101Cell(Nb101Module {
            vertices: self
                .vertices
                .iter()
                .map(|v| Nb101Vertex {
                    name: v.name.clone(),
                    interior: v.interior.clone(),
                    projection: v.projection.as_ref().map(|p| p.describe()),
                    op: v.op.describe(),
                })
                .collect(),
            concat: self.concat.clone(),
            projection: self.projection.as_ref().map(|p| Box::new(p.describe())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<bool>> {
        let mut m = vec![vec![false; n]; n];
        for &(u, v) in edges {
            m[u][v] = true;
        }
        m
    }

    #[test]
    fn pruning_keeps_the_vertices_between_input_and_output() {
        // 0 -> 1 -> 4 (output); 2 reads nothing, 3 feeds nothing.
        let m = matrix(5, &[(0, 1), (1, 4), (2, 4), (1, 3)]);
        assert_eq!(prune(&m), vec![0, 1, 4]);
        assert!(prune(&matrix(3, &[(1, 2)])).is_empty());
    }

    #[test]
    fn channels_split_the_output_and_flow_backwards() {
        // 0 -> 1 -> 2 -> 4, 0 -> 3 -> 4: vertices 2 and 3 feed the output, 1 feeds 2.
        let m = matrix(5, &[(0, 1), (1, 2), (2, 4), (0, 3), (3, 4)]);
        assert_eq!(vertex_channels(64, 129, &m), vec![64, 65, 65, 64, 129]);
        let direct = matrix(2, &[(0, 1)]);
        assert_eq!(vertex_channels(3, 16, &direct), vec![3, 16]);
    }
}
