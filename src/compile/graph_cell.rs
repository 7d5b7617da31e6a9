//! A cell of the space IR compiled for one architecture: its vertices (the cell's inputs, then
//! its nodes) computed in order, each merging the terms that are live in the architecture
//! (picked inputs, subset members, fixed wires) through their ops, then its post op.
//!
//! A node none of whose terms is live (an empty `any of`) is absent, and terms reading an
//! absent vertex are dropped with it. Edges run where the wiring plan's
//! [`CellFrame`] says: those that read one of the cell's inputs at the cell's stride (see
//! [`super::ir_op::with_stride`]).

use super::describe::{CellModule, Module, VertexModule};
use super::error::CompileError;
use super::ir_op::{with_stride, Resolver};
use super::layer::BoxLayer;
use super::merge;
use super::named::build_named;
use super::op::OpSpec;
use crate::space::{Combine, Graph, Node, Source, Value};
use crate::wiring::{size, CellFrame};
use tch::{nn, TchError, Tensor};

/// How one vertex is computed.
#[derive(Debug)]
enum Vertex {
    /// `post(combine(op(source) for each term))`; each op with the name it is registered
    /// under (below `edges`, or `post`).
    Merge {
        combine: Combine,
        terms: Vec<(usize, Option<(String, BoxLayer)>)>,
        post: Option<(String, BoxLayer)>,
    },
    /// The value of an earlier vertex (a node switched off by its guard).
    Pass(usize),
    /// Nothing reaches it.
    Absent,
}

/// A compiled cell.
#[derive(Debug)]
pub struct GraphCell {
    inputs: usize,
    vertices: Vec<Vertex>,
    output: Vertex,
    /// The channels of each input and node vertex (`None`: absent in this architecture).
    channels: Vec<Option<i64>>,
}

/// What a cell is built from.
pub struct CellSpec<'a> {
    /// Resolves the cell's ops.
    pub resolver: Resolver<'a>,
    /// The cell's graph, as its call evaluates it.
    pub graph: &'a Graph,
    /// Where its edges run (the wiring plan's frame: the stride of edges that read its inputs).
    pub frame: CellFrame,
    /// Channels of each input.
    pub channels: Vec<i64>,
}

/// The live sources of a node's terms, each with its term.
fn live_terms<'a>(node: &'a Node, values: &[Value]) -> Vec<(usize, &'a crate::space::Term)> {
    let mut out = Vec::new();
    for t in &node.terms {
        match &t.source {
            Source::Vertex(v) => out.push((*v, t)),
            Source::Pick {
                decision,
                slot,
                vertices,
            } => {
                if let Some(Value::Set(set)) = values.get(*decision) {
                    let picked = (0..vertices.len()).filter(|&c| set >> c & 1 == 1);
                    if let Some(c) = picked.clone().nth(*slot as usize) {
                        out.push((vertices[c], t));
                    }
                }
            }
            Source::Member {
                decision,
                candidate,
                vertex,
            } => {
                if let Some(Value::Set(set)) = values.get(*decision) {
                    if set >> candidate & 1 == 1 {
                        out.push((*vertex, t));
                    }
                }
            }
            Source::When { guard, vertex } => {
                if values
                    .get(guard.parent)
                    .is_some_and(|&value| guard.when.holds(value))
                {
                    out.push((*vertex, t));
                }
            }
        }
    }
    out
}

impl GraphCell {
    /// Builds the cell under `p`; returns it with its output channels.
    pub fn new(p: &nn::Path, spec: &CellSpec) -> Result<(GraphCell, i64), CompileError> {
        let g = spec.graph;
        if spec.channels.len() != g.inputs.len() {
            return Err(CompileError::bad_op(
                p,
                &g.name,
                format!(
                    "the cell takes {} inputs, {} were given",
                    g.inputs.len(),
                    spec.channels.len()
                ),
            ));
        }
        let mut channels: Vec<Option<i64>> = spec.channels.iter().copied().map(Some).collect();
        let mut vertices = Vec::with_capacity(g.nodes.len());
        for (j, node) in g.nodes.iter().enumerate() {
            let to = (g.inputs.len() + j).to_string();
            let (vertex, c) = build_node(p, &to, spec, node, &channels)?;
            vertices.push(vertex);
            channels.push(c);
        }
        let (output, c) = build_node(p, "out", spec, &g.output, &channels)?;
        let Some(c) = c else {
            return Err(CompileError::bad_op(
                p,
                &g.name,
                "no input reaches the cell's output in this architecture",
            ));
        };
        let cell = GraphCell {
            inputs: g.inputs.len(),
            vertices,
            output,
            channels,
        };
        Ok((cell, c))
    }

    /// The number of inputs.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// The cell as plain data, with `pre`, the layers before its inputs.
    pub fn describe(&self, pre: Vec<Option<Module>>) -> CellModule {
        CellModule {
            pre,
            vertices: self.vertices.iter().map(describe_vertex).collect(),
            output: describe_vertex(&self.output),
        }
    }

    /// Runs the cell on its inputs.
    pub fn run(&self, inputs: &[Tensor], train: bool) -> Result<Tensor, TchError> {
        Ok(self.run_reading(inputs, &[], train)?.0)
    }

    /// Runs the cell on its inputs; returns its output and the values of the vertices `read`
    /// (a recurrent cell's next states).
    pub fn run_reading(
        &self,
        inputs: &[Tensor],
        read: &[usize],
        train: bool,
    ) -> Result<(Tensor, Vec<Tensor>), TchError> {
        let mut values: Vec<Option<Tensor>> =
            inputs.iter().map(|t| Some(t.shallow_clone())).collect();
        for v in &self.vertices {
            let value = eval(v, &values, train)?;
            values.push(value);
        }
        let output = eval(&self.output, &values, train)?
            .ok_or_else(|| TchError::Kind("the cell's output is absent".into()))?;
        let read = read
            .iter()
            .map(|&v| {
                values
                    .get(v)
                    .and_then(|x| x.as_ref())
                    .map(Tensor::shallow_clone)
                    .ok_or_else(|| TchError::Kind(format!("vertex {v} has no value")))
            })
            .collect::<Result<_, _>>()?;
        Ok((output, read))
    }

    /// The channels of vertex `v` in this architecture (`None`: absent, or no such vertex).
    pub fn vertex_channels(&self, v: usize) -> Option<i64> {
        self.channels.get(v).copied().flatten()
    }
}

fn describe_vertex(v: &Vertex) -> VertexModule {
    let named = |op: &Option<(String, BoxLayer)>| {
        op.as_ref()
            .map(|(name, layer)| (name.clone(), layer.describe()))
    };
    match v {
        Vertex::Merge {
            combine,
            terms,
            post,
        } => VertexModule::Merge {
            combine: *combine,
            terms: terms.iter().map(|(u, op)| (*u, named(op))).collect(),
            post: named(post),
        },
        Vertex::Pass(u) => VertexModule::Pass(*u),
        Vertex::Absent => VertexModule::Absent,
    }
}

fn eval(v: &Vertex, values: &[Option<Tensor>], train: bool) -> Result<Option<Tensor>, TchError> {
    let get = |u: usize| {
        values
            .get(u)
            .and_then(|x| x.as_ref())
            .ok_or_else(|| TchError::Kind(format!("vertex {u} has no value")))
    };
    Ok(match v {
        Vertex::Absent => None,
        // A node switched off passes its first live input through; when that is absent too
        // (the inside of a branch not taken), so is the node.
        Vertex::Pass(u) => values
            .get(*u)
            .and_then(|x| x.as_ref())
            .map(Tensor::shallow_clone),
        Vertex::Merge {
            combine,
            terms,
            post,
        } => {
            let mut xs = Vec::with_capacity(terms.len());
            for (u, op) in terms {
                let x = get(*u)?;
                xs.push(match op {
                    Some((_, op)) => op.forward(x, train)?,
                    None => x.shallow_clone(),
                });
            }
            let merged = combine_terms(*combine, &xs)?;
            Some(match post {
                Some((_, op)) => op.forward(&merged, train)?,
                None => merged,
            })
        }
    })
}

/// `combine` of a node's term outputs `xs` (at least one).
pub(crate) fn combine_terms(combine: Combine, xs: &[Tensor]) -> Result<Tensor, TchError> {
    if xs.is_empty() {
        return Err(TchError::Kind(format!("{} of no inputs", combine.name())));
    }
    Ok(match combine {
        Combine::Concat => merge::concat(xs)?,
        Combine::Sum => merge::sum(xs)?,
        Combine::Mean => merge::sum(xs)?.f_div_scalar(xs.len() as f64)?,
        Combine::Product => {
            let mut acc = xs[0].shallow_clone();
            for x in &xs[1..] {
                acc = acc.f_mul(x)?;
            }
            acc
        }
        Combine::Blend => match xs {
            [a, b, gate] => gate
                .f_mul(a)?
                .f_add(&gate.f_neg()?.f_add_scalar(1.0)?.f_mul(b)?)?,
            _ => {
                return Err(TchError::Kind(format!(
                    "blend takes 3 inputs (a, b, gate), not {}",
                    xs.len()
                )))
            }
        },
    })
}

/// Builds the vertex `to` (its id, or `out`): its edges under `p.edges.{to}<-{from}`, its
/// post op under `p.post.{to}`.
fn build_node(
    p: &nn::Path,
    to: &str,
    spec: &CellSpec,
    node: &Node,
    channels: &[Option<i64>],
) -> Result<(Vertex, Option<i64>), CompileError> {
    let values = spec.resolver.arch.values();
    if let Some(g) = node.guard {
        if !values.get(g.parent).is_some_and(|v| g.when.holds(*v)) {
            return Ok(match live_terms(node, values).first() {
                Some((u, _)) => (Vertex::Pass(*u), channels.get(*u).copied().flatten()),
                None => (Vertex::Absent, None),
            });
        }
    }
    let mut terms = Vec::new();
    let mut outs = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, (u, term)) in live_terms(node, values).into_iter().enumerate() {
        let mut name = format!("{to}<-{u}");
        if names.contains(&name) {
            name = format!("{name}_{i}");
        }
        names.push(name.clone());
        let q = p / "edges" / &name;
        let Some(c_in) = channels.get(u).copied().flatten() else {
            continue;
        };
        let stride = spec.frame.edge(u)?.stride;
        let op_spec = match &term.op {
            Some(r) => Some(spec.resolver.spec(r)?),
            None if stride == 1 => None,
            None => Some(OpSpec::Identity),
        };
        let (layer, c) = match op_spec {
            None => (None, c_in),
            Some(s) => {
                let strided = with_stride(&s, stride, c_in).ok_or_else(|| {
                    CompileError::bad_op(
                        &q,
                        &node.name,
                        format!("this op cannot take stride {stride}"),
                    )
                })?;
                let (layer, c) = build_named(&strided, &q, c_in)?;
                (Some((name, layer)), c)
            }
        };
        terms.push((u, layer));
        outs.push(c);
    }
    if terms.is_empty() {
        return Ok((Vertex::Absent, None));
    }
    if node.combine == Combine::Blend && terms.len() != 3 {
        return Err(CompileError::bad_op(
            p,
            "blend",
            format!("node `{}` blends {} inputs, not 3", node.name, terms.len()),
        ));
    }
    let c = match node.combine {
        Combine::Concat => size::sum(outs.iter().copied())?,
        _ => {
            if outs.iter().any(|&c| c != outs[0]) {
                return Err(CompileError::bad_op(
                    p,
                    node.combine.name(),
                    format!("node `{}` merges tensors of {outs:?} channels", node.name),
                ));
            }
            outs[0]
        }
    };
    let (post, c) = match &node.post {
        Some(r) => {
            let (layer, c) = build_named(&spec.resolver.spec(r)?, &(p / "post" / to), c)?;
            (Some((to.to_string(), layer)), c)
        }
        None => (None, c),
    };
    Ok((
        Vertex::Merge {
            combine: node.combine,
            terms,
            post,
        },
        Some(c),
    ))
}
