//! Encodings of an architecture for learned predictors, derived from the space IR so that they
//! work for any space, not only NAS-Bench-201:
//!
//! - [`ArchGraph`]: the architecture's concrete DAG with ops as vertices (the form Wen et al.'s
//!   neural predictor reads): every graph template of the space is instantiated under the
//!   architecture's values; each input, each op on a term, each node's merge and each op after
//!   a merge is a vertex labelled one-hot from a vocabulary of the space's op names and merge
//!   kinds; edges follow the data. A node switched off by its guard passes its first input
//!   through, as in the isomorphism hash. Decisions that no graph's structure or op choice
//!   reads (widths, op arguments, plain hyperparameters) go into a global vector, encoded as
//!   `ctx.space.features` encodes them.
//! - the path encoding (White et al.'s BANANAS): one bit per input-to-output path of op labels
//!   that the architecture has (a path through a zero op carries nothing and is left out),
//!   over every label sequence up to the longest path the templates allow, plus the global
//!   vector.
//! - the one-hot encoding: `ctx.space.features`.

use crate::search::host::{decision_features, feature_vector};
use crate::space::{
    resolve, resolve_op, Architecture, Domain, OpKind, OpRef, Source, Space, Value,
};
use std::collections::BTreeSet;

/// Largest path encoding accepted; beyond it the `onehot` encoding is the one to use.
pub const MAX_PATH_FEATURES: usize = 20_000;

/// Most paths enumerated in one architecture (a guard against exponential DAGs).
const MAX_PATHS: usize = 100_000;

/// The vertex labels of a space: fixed labels first, then every op name the space can place.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    labels: Vec<String>,
    /// Number of op labels (the labels after the fixed ones).
    ops: usize,
    graphs: usize,
    /// Whether decision `d` goes into the global vector.
    global: Vec<bool>,
    /// The longest input-to-output path of any template, counted in op vertices.
    max_path: usize,
    /// The global vector's length.
    global_width: usize,
}

/// Labels every vocabulary starts with.
const FIXED: [&str; 7] = [
    "input", "output", "sum", "concat", "mean", "product", "blend",
];

/// One architecture's DAG: a label per vertex and the edges `from → to`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchGraph {
    /// Each vertex's label (an index into the vocabulary).
    pub labels: Vec<usize>,
    /// Each vertex's template graph (for spaces with several cells).
    pub graph_of: Vec<usize>,
    /// Edges in data-flow direction.
    pub edges: Vec<(usize, usize)>,
    /// Whether each vertex is an op of kind zero (no path runs through it).
    pub zero: Vec<bool>,
    /// The global vector (decisions no graph's structure reads).
    pub global: Vec<f64>,
    /// The input vertices and the output vertex of each template graph.
    pub ends: Vec<(Vec<usize>, usize)>,
}

impl Vocabulary {
    /// The vocabulary of `space`'s graphs and the split of its decisions into structural and
    /// global ones.
    pub fn new(space: &Space) -> Vocabulary {
        let mut ops = BTreeSet::new();
        let mut structural = vec![false; space.decisions().len()];
        let mut add = |op: &OpRef, structural: &mut Vec<bool>| match op {
            OpRef::Fixed(op) => {
                ops.insert(op.name.clone());
            }
            OpRef::Choice(d) => {
                structural[*d] = true;
                if let Domain::Categorical(alts) = &space.decisions()[*d].domain {
                    for op in alts.iter().filter_map(|a| a.op.as_ref()) {
                        ops.insert(op.name.clone());
                    }
                }
            }
        };
        let mut max_path = 0;
        for g in space.graphs() {
            // Longest path to each vertex, counted in op slots.
            let mut longest = vec![0usize; g.vertex_count() + 1];
            for (v, node) in g.all_nodes() {
                if let Some(guard) = node.guard {
                    structural[guard.parent] = true;
                }
                let mut deepest = 0;
                for t in &node.terms {
                    if let Some(op) = &t.op {
                        add(op, &mut structural);
                    }
                    let from = match &t.source {
                        Source::Vertex(u) => vec![*u],
                        Source::Pick {
                            decision, vertices, ..
                        } => {
                            structural[*decision] = true;
                            vertices.clone()
                        }
                        Source::Member {
                            decision, vertex, ..
                        } => {
                            structural[*decision] = true;
                            vec![*vertex]
                        }
                        Source::When { guard, vertex } => {
                            structural[guard.parent] = true;
                            vec![*vertex]
                        }
                    };
                    let here = usize::from(t.op.is_some());
                    for u in from {
                        deepest = deepest.max(longest[u] + here);
                    }
                }
                if let Some(op) = &node.post {
                    add(op, &mut structural);
                    deepest += 1;
                }
                longest[v] = deepest;
            }
            max_path = max_path.max(longest[g.vertex_count()]);
        }
        let mut labels: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
        let n_ops = ops.len();
        labels.extend(ops);
        let global: Vec<bool> = structural.iter().map(|s| !s).collect();
        let mut probe = Vec::new();
        for (d, _) in space.decisions().iter().zip(&global).filter(|(_, g)| **g) {
            decision_features(&d.domain, Value::Off, &mut probe);
        }
        Vocabulary {
            labels,
            ops: n_ops,
            graphs: space.graphs().len(),
            global,
            max_path,
            global_width: probe.len(),
        }
    }

    /// Number of distinct vertex labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the vocabulary has no labels (never: the fixed labels are always there).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The global vector's length.
    pub fn global_width(&self) -> usize {
        self.global_width
    }

    /// The width of a vertex's feature row: its label one-hot, and its graph one-hot when the
    /// space has more than one graph.
    pub fn vertex_width(&self) -> usize {
        self.labels.len() + if self.graphs > 1 { self.graphs } else { 0 }
    }

    /// A vertex's feature row.
    pub fn vertex_features(&self, label: usize, graph: usize) -> Vec<f64> {
        let mut row = vec![0.0; self.vertex_width()];
        row[label] = 1.0;
        if self.graphs > 1 {
            row[self.labels.len() + graph] = 1.0;
        }
        row
    }

    fn label(&self, name: &str) -> usize {
        self.labels
            .iter()
            .position(|l| l == name)
            .unwrap_or(FIXED.len())
    }

    /// The global vector of `arch`: the features of the decisions no graph's structure reads.
    pub fn global(&self, space: &Space, arch: &Architecture) -> Vec<f64> {
        let mut out = Vec::new();
        for ((d, &v), &global) in space
            .decisions()
            .iter()
            .zip(arch.values())
            .zip(&self.global)
        {
            if global {
                decision_features(&d.domain, v, &mut out);
            }
        }
        out
    }

    /// The number of path features (without the global vector), or `None` when it passes
    /// [`MAX_PATH_FEATURES`].
    pub fn path_width(&self) -> Option<usize> {
        let per_graph = (0..=self.max_path).try_fold(0usize, |acc, l| {
            acc.checked_add(self.ops.checked_pow(u32::try_from(l).ok()?)?)
        })?;
        per_graph
            .checked_mul(self.graphs.max(1))
            .filter(|&w| w <= MAX_PATH_FEATURES)
    }

    /// `arch`'s DAG under this vocabulary.
    pub fn graph(&self, space: &Space, arch: &Architecture) -> ArchGraph {
        let values = arch.values();
        let decisions = space.decisions();
        let mut out = ArchGraph {
            labels: Vec::new(),
            graph_of: Vec::new(),
            edges: Vec::new(),
            zero: Vec::new(),
            global: self.global(space, arch),
            ends: Vec::new(),
        };
        for (gi, g) in space.graphs().iter().enumerate() {
            let add = |out: &mut ArchGraph, label: usize, zero: bool| {
                out.labels.push(label);
                out.graph_of.push(gi);
                out.zero.push(zero);
                out.labels.len() - 1
            };
            let mut alias: Vec<Option<usize>> = vec![None; g.vertex_count() + 1];
            let mut inputs = Vec::new();
            for slot in alias.iter_mut().take(g.inputs.len()) {
                let v = add(&mut out, 0, false);
                inputs.push(v);
                *slot = Some(v);
            }
            for (v, node) in g.all_nodes() {
                if let Some(guard) = node.guard {
                    if !guard.when.holds(values[guard.parent]) {
                        alias[v] = node
                            .terms
                            .first()
                            .and_then(|t| resolve(&t.source, values))
                            .and_then(|u| alias[u]);
                        continue;
                    }
                }
                let mut ins = Vec::new();
                for t in &node.terms {
                    let Some(u) = resolve(&t.source, values).and_then(|u| alias[u]) else {
                        continue;
                    };
                    let op = t.op.as_ref().and_then(|o| resolve_op(o, decisions, values));
                    ins.push(match op {
                        None => u,
                        Some(op) => {
                            let x = add(&mut out, self.label(&op.name), op.kind == OpKind::Zero);
                            out.edges.push((u, x));
                            x
                        }
                    });
                }
                let is_output = v == g.vertex_count();
                let label = if is_output {
                    1
                } else {
                    self.label(node.combine.name())
                };
                let merged = add(&mut out, label, false);
                for u in ins {
                    out.edges.push((u, merged));
                }
                let post = node
                    .post
                    .as_ref()
                    .and_then(|p| resolve_op(p, decisions, values));
                alias[v] = Some(match post {
                    None => merged,
                    Some(op) => {
                        let x = add(&mut out, self.label(&op.name), op.kind == OpKind::Zero);
                        out.edges.push((merged, x));
                        x
                    }
                });
                if is_output {
                    // The output vertex is the merge itself; a post op after it feeds nothing.
                    out.ends.push((inputs.clone(), merged));
                }
            }
        }
        out
    }

    /// `arch`'s path encoding (one bit per input-to-output op-label path it has, then the
    /// global vector), or `None` when the space's paths are too many to encode.
    pub fn paths(&self, space: &Space, arch: &Architecture) -> Option<Vec<f64>> {
        let width = self.path_width()?;
        let per_graph = width / self.graphs.max(1);
        let g = self.graph(space, arch);
        let mut bits = vec![0.0; width];
        let mut succ = vec![Vec::new(); g.labels.len()];
        for &(a, b) in &g.edges {
            succ[a].push(b);
        }
        let mut found = 0usize;
        for (gi, (inputs, output)) in g.ends.iter().enumerate() {
            for &start in inputs {
                // Depth-first over the paths from `start`, carrying the op labels seen.
                let mut stack = vec![(start, Vec::<usize>::new())];
                while let Some((v, path)) = stack.pop() {
                    if v == *output {
                        let index = self.path_index(&path)?;
                        bits[gi * per_graph + index] = 1.0;
                        found += 1;
                        if found > MAX_PATHS {
                            return None;
                        }
                        continue;
                    }
                    for &w in &succ[v] {
                        if g.zero[w] {
                            continue;
                        }
                        let mut next = path.clone();
                        if g.labels[w] >= FIXED.len() {
                            next.push(g.labels[w] - FIXED.len());
                        }
                        stack.push((w, next));
                    }
                }
            }
        }
        bits.extend(g.global);
        Some(bits)
    }

    /// A path's index among all label sequences: shorter sequences first, then mixed radix.
    fn path_index(&self, path: &[usize]) -> Option<usize> {
        if path.len() > self.max_path {
            return None;
        }
        let offset: usize = (0..path.len()).map(|l| self.ops.pow(l as u32)).sum();
        let within = path.iter().fold(0usize, |acc, &op| acc * self.ops + op);
        Some(offset + within)
    }
}

/// The one-hot encoding (`ctx.space.features`).
pub fn one_hot(space: &Space, arch: &Architecture) -> Vec<f64> {
    feature_vector(space, arch)
}
