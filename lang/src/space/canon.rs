//! The isomorphism hash: two architectures hash equal iff their graphs compute the same
//! function up to relabelling. Zero ops remove their edge, identity ops become wires, a merge
//! of one input is that input, a merge with no input is zero (and zero propagates), nested
//! sums, products and concatenations are flattened, vertices that do not reach the output are
//! dropped, and the rest is put in a canonical vertex order by colour refinement with
//! individualisation, so node order and the order of a merge's inputs do not matter.

use super::arch::Architecture;
use super::decision::{ArgValue, Decision, Domain, Op, OpKind, Value};
use super::graph::{Combine, Graph, OpRef, Source};
use super::ir::Space;

/// A vertex id meaning "this value is zero".
const ZERO: usize = usize::MAX;

/// A concrete DAG after simplification: vertex labels and in-edges (a multiset).
struct Dag {
    labels: Vec<u64>,
    ins: Vec<Vec<usize>>,
    combine: Vec<Option<Combine>>,
}

impl Dag {
    fn add(&mut self, label: u64, ins: Vec<usize>, combine: Option<Combine>) -> usize {
        self.labels.push(label);
        self.ins.push(ins);
        self.combine.push(combine);
        self.labels.len() - 1
    }
}

impl Space {
    /// The isomorphism hash of `arch` (see the module documentation).
    pub fn iso_hash(&self, arch: &Architecture) -> u64 {
        let values = arch.values();
        let mut h = mix(0x6e61_735f_6973_6f00, self.graphs().len() as u64);
        for g in self.graphs() {
            h = mix(h, graph_hash(g, self.decisions(), values));
        }
        for (d, used) in self.graph_decisions().iter().enumerate() {
            if !used {
                h = mix(h, value_word(values[d]));
            }
        }
        finish(h)
    }

    /// Which decisions some graph reads (the others are hashed by value).
    pub(crate) fn graph_decisions(&self) -> Vec<bool> {
        let mut used = vec![false; self.decisions().len()];
        let mark_op = |op: &Op, used: &mut Vec<bool>| {
            for a in &op.args {
                if let ArgValue::Decision(x) = a.value {
                    used[x] = true;
                }
            }
        };
        for g in self.graphs() {
            for (_, node) in g.all_nodes() {
                if let Some(guard) = node.guard {
                    used[guard.parent] = true;
                }
                for d in node.terms.iter().filter_map(|t| t.source.decision()) {
                    used[d] = true;
                }
                for op in node
                    .terms
                    .iter()
                    .filter_map(|t| t.op.as_ref())
                    .chain(node.post.as_ref())
                {
                    match op {
                        OpRef::Fixed(op) => mark_op(op, &mut used),
                        OpRef::Choice(d) => {
                            used[*d] = true;
                            if let Domain::Categorical(alts) = &self.decisions()[*d].domain {
                                for op in alts.iter().filter_map(|a| a.op.as_ref()) {
                                    mark_op(op, &mut used);
                                }
                            }
                        }
                    }
                }
            }
        }
        used
    }
}

/// Where a term's input comes from under `values`, if it is present.
pub fn resolve(source: &Source, values: &[Value]) -> Option<usize> {
    match source {
        Source::Vertex(v) => Some(*v),
        Source::Pick {
            decision,
            slot,
            vertices,
        } => match values[*decision] {
            Value::Set(s) => {
                let mut rest = s;
                for _ in 0..*slot {
                    rest &= rest.wrapping_sub(1);
                }
                (rest != 0).then(|| vertices[rest.trailing_zeros() as usize])
            }
            _ => None,
        },
        Source::Member {
            decision,
            candidate,
            vertex,
        } => match values[*decision] {
            Value::Set(s) if s >> candidate & 1 == 1 => Some(*vertex),
            _ => None,
        },
        Source::When { guard, vertex } => guard.when.holds(values[guard.parent]).then_some(*vertex),
    }
}

/// The op a term or post slot holds under `values`, with decision arguments resolved.
pub fn resolve_op<'a>(
    op: &'a OpRef,
    decisions: &'a [Decision],
    values: &[Value],
) -> Option<&'a Op> {
    match op {
        OpRef::Fixed(op) => Some(op),
        OpRef::Choice(d) => match (&decisions[*d].domain, values[*d]) {
            (Domain::Categorical(alts), Value::Cat(c)) => alts[c as usize].op.as_ref(),
            _ => None,
        },
    }
}

/// Builds the simplified DAG of `g` under `values` and returns its canonical hash.
fn graph_hash(g: &Graph, decisions: &[Decision], values: &[Value]) -> u64 {
    let mut dag = Dag {
        labels: Vec::new(),
        ins: Vec::new(),
        combine: Vec::new(),
    };
    let mut alias = vec![ZERO; g.vertex_count() + 1];
    for (i, slot) in alias.iter_mut().enumerate().take(g.inputs.len()) {
        *slot = dag.add(mix(1, i as u64), Vec::new(), None);
    }
    for (v, node) in g.all_nodes() {
        if let Some(guard) = node.guard {
            if !guard.when.holds(values[guard.parent]) {
                alias[v] = resolve(&node.terms[0].source, values).map_or(ZERO, |u| alias[u]);
                continue;
            }
        }
        if node.combine == Combine::Blend {
            let merged = blend(&mut dag, node, &alias, decisions, values);
            alias[v] = match &node.post {
                None => merged,
                Some(p) => apply(
                    &mut dag,
                    resolve_op(p, decisions, values),
                    merged,
                    decisions,
                    values,
                ),
            };
            continue;
        }
        let mut ins = Vec::new();
        for t in &node.terms {
            let Some(u) = resolve(&t.source, values) else {
                continue;
            };
            let u = alias[u];
            if u == ZERO {
                continue;
            }
            let x = match t.op.as_ref().map(|o| resolve_op(o, decisions, values)) {
                None => u,
                Some(op) => apply(&mut dag, op, u, decisions, values),
            };
            if x == ZERO {
                continue;
            }
            if dag.combine[x].is_some()
                && dag.combine[x] == Some(node.combine)
                && node.combine != Combine::Mean
            {
                let inner = dag.ins[x].clone();
                ins.extend(inner);
            } else {
                ins.push(x);
            }
        }
        let merged = match ins.len() {
            0 => ZERO,
            1 => ins[0],
            _ => dag.add(mix(2, node.combine as u64), ins, Some(node.combine)),
        };
        alias[v] = match (&node.post, merged) {
            (_, ZERO) | (None, _) => merged,
            (Some(p), m) => apply(
                &mut dag,
                resolve_op(p, decisions, values),
                m,
                decisions,
                values,
            ),
        };
    }
    let result = alias[g.vertex_count()];
    if result == ZERO {
        return mix(3, 0);
    }
    // A recurrent cell's next state values are results too, each marked with its state.
    let mut results = vec![result];
    for (i, slot) in g.states.iter().enumerate() {
        let next = alias[slot.next];
        if next != ZERO {
            results.push(dag.add(mix(6, i as u64), vec![next], None));
        }
    }
    let out = dag.add(mix(4, 0), results, None);
    canonical_hash(&dag, out)
}

/// A blend's inputs are ordered: each goes through a port vertex naming its position, and a
/// zero input is an explicit zero leaf (it still takes its position).
fn blend(
    dag: &mut Dag,
    node: &super::graph::Node,
    alias: &[usize],
    decisions: &[Decision],
    values: &[Value],
) -> usize {
    let mut ports = Vec::new();
    for (i, t) in node.terms.iter().enumerate() {
        let u = resolve(&t.source, values).map_or(ZERO, |u| alias[u]);
        let mut x = match (&t.op, u) {
            (_, ZERO) | (None, _) => u,
            (Some(op), u) => apply(dag, resolve_op(op, decisions, values), u, decisions, values),
        };
        if x == ZERO {
            x = dag.add(mix(9, 0), Vec::new(), None);
        }
        ports.push(dag.add(mix(8, i as u64), vec![x], None));
    }
    dag.add(mix(2, Combine::Blend as u64), ports, Some(Combine::Blend))
}

/// Applies an op to vertex `u`: zero gives zero, identity gives `u`, anything else a new
/// vertex labelled with the op's name and resolved arguments.
fn apply(
    dag: &mut Dag,
    op: Option<&Op>,
    u: usize,
    decisions: &[Decision],
    values: &[Value],
) -> usize {
    let Some(op) = op else { return u };
    match op.kind {
        OpKind::Zero => ZERO,
        OpKind::Identity => u,
        OpKind::Other => {
            let label = op_word(op, decisions, values);
            dag.add(label, vec![u], None)
        }
    }
}

/// A word identifying an op with its resolved arguments.
pub(crate) fn op_word(op: &Op, decisions: &[Decision], values: &[Value]) -> u64 {
    let mut h = mix(5, str_word(&op.name));
    for a in &op.args {
        h = mix(h, a.name.as_deref().map_or(0, str_word));
        h = mix(
            h,
            match &a.value {
                ArgValue::Int(x) => mix(1, *x as u64),
                ArgValue::Float(s) | ArgValue::Str(s) => mix(2, str_word(s)),
                ArgValue::Bool(b) => mix(3, *b as u64),
                ArgValue::Decision(d) => match (&decisions[*d].domain, values[*d]) {
                    (Domain::Categorical(alts), Value::Cat(c)) => {
                        mix(4, str_word(&alts[c as usize].label))
                    }
                    (_, v) => value_word(v),
                },
            },
        );
    }
    h
}

/// Canonical hash of the part of `dag` that reaches `out`.
fn canonical_hash(dag: &Dag, out: usize) -> u64 {
    // Keep only the vertices the output depends on.
    let mut keep = vec![false; dag.labels.len()];
    let mut stack = vec![out];
    keep[out] = true;
    while let Some(v) = stack.pop() {
        for &u in &dag.ins[v] {
            if !keep[u] {
                keep[u] = true;
                stack.push(u);
            }
        }
    }
    let ids: Vec<usize> = (0..keep.len()).filter(|&v| keep[v]).collect();
    let mut new_id = vec![usize::MAX; keep.len()];
    for (i, &v) in ids.iter().enumerate() {
        new_id[v] = i;
    }
    let labels: Vec<u64> = ids.iter().map(|&v| dag.labels[v]).collect();
    let ins: Vec<Vec<usize>> = ids
        .iter()
        .map(|&v| dag.ins[v].iter().map(|&u| new_id[u]).collect())
        .collect();
    let mut outs = vec![Vec::new(); ids.len()];
    for (v, list) in ins.iter().enumerate() {
        for &u in list {
            outs[u].push(v);
        }
    }
    let g = Canon { labels, ins, outs };
    let code = g.best(g.initial_colours());
    code.iter()
        .fold(mix(6, code.len() as u64), |h, &w| mix(h, w))
}

/// A small DAG being put in canonical order.
struct Canon {
    labels: Vec<u64>,
    ins: Vec<Vec<usize>>,
    outs: Vec<Vec<usize>>,
}

impl Canon {
    fn initial_colours(&self) -> Vec<u32> {
        let mut distinct = self.labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        self.labels
            .iter()
            .map(|l| distinct.binary_search(l).unwrap_or(0) as u32)
            .collect()
    }

    /// Refines colours until stable: a vertex's new colour ranks its old colour with the sorted
    /// colours of its inputs and outputs.
    fn refine(&self, colours: &mut [u32]) {
        let n = colours.len();
        let mut classes = count_distinct(colours);
        loop {
            let mut sigs: Vec<(u32, Vec<u32>, Vec<u32>, usize)> = (0..n)
                .map(|v| {
                    let mut i: Vec<u32> = self.ins[v].iter().map(|&u| colours[u]).collect();
                    let mut o: Vec<u32> = self.outs[v].iter().map(|&u| colours[u]).collect();
                    i.sort_unstable();
                    o.sort_unstable();
                    (colours[v], i, o, v)
                })
                .collect();
            sigs.sort_unstable();
            let mut rank = 0u32;
            for k in 0..n {
                if k > 0
                    && (sigs[k].0, &sigs[k].1, &sigs[k].2)
                        != (sigs[k - 1].0, &sigs[k - 1].1, &sigs[k - 1].2)
                {
                    rank += 1;
                }
                colours[sigs[k].3] = rank;
            }
            let now = rank as usize + 1;
            if now == classes {
                return;
            }
            classes = now;
        }
    }

    /// The smallest code over all individualisation paths: exact canonical form.
    fn best(&self, mut colours: Vec<u32>) -> Vec<u64> {
        self.refine(&mut colours);
        let n = colours.len();
        let mut size = vec![0usize; n];
        for &c in &colours {
            size[c as usize] += 1;
        }
        let Some(target) = (0..n).find(|&c| size[c] > 1) else {
            return self.code(&colours);
        };
        let mut best: Option<Vec<u64>> = None;
        for v in (0..n).filter(|&v| colours[v] as usize == target) {
            let mut c: Vec<u32> = colours.iter().map(|&x| 2 * x + 1).collect();
            c[v] -= 1;
            let code = self.best(c);
            if best.as_ref().is_none_or(|b| code < *b) {
                best = Some(code);
            }
        }
        best.unwrap_or_default()
    }

    /// Labels in colour order, then the sorted edge list in colour positions.
    fn code(&self, colours: &[u32]) -> Vec<u64> {
        let n = colours.len();
        let mut code = vec![0u64; n];
        for v in 0..n {
            code[colours[v] as usize] = self.labels[v];
        }
        let mut edges: Vec<u64> = (0..n)
            .flat_map(|v| {
                self.ins[v]
                    .iter()
                    .map(move |&u| (colours[u] as u64) << 32 | colours[v] as u64)
            })
            .collect();
        edges.sort_unstable();
        code.extend(edges);
        code
    }
}

fn count_distinct(colours: &[u32]) -> usize {
    let mut c = colours.to_vec();
    c.sort_unstable();
    c.dedup();
    c.len()
}

/// Mixes one word into a running hash (splitmix64 finaliser on the xor).
pub(crate) fn mix(h: u64, x: u64) -> u64 {
    finish(h.rotate_left(23) ^ finish(x))
}

fn finish(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable hash of a string.
pub(crate) fn str_word(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn value_word(v: Value) -> u64 {
    match v {
        Value::Off => 0,
        Value::Cat(c) => mix(1, c as u64),
        Value::Int(x) => mix(2, x as u64),
        Value::Bool(b) => mix(3, b as u64),
        Value::Set(s) => mix(4, s),
    }
}
