//! Counting unique architectures under an equivalence, and NAS-Bench-201's published
//! equivalence rule.
//!
//! [`Equivalence::Function`] is the isomorphism hash ([`Space::iso_hash`]). NAS-Bench-201's
//! published figure of 6,466 unique cells comes from a different, coarser-than-identity but
//! finer-than-function rule (the benchmark's own "unique string"): a `none` edge or an edge
//! from a node that is exactly zero becomes a zero placeholder that still counts as a term,
//! `skip_connect` passes its input's string through, every other op wraps it, and a node's
//! terms are sorted as strings and joined with `+`. [`Equivalence::Nb201Published`]
//! reproduces it for edge-list spaces.

use super::arch::Architecture;
use super::canon::{resolve, resolve_op, str_word};
use super::decision::{ArgValue, Domain, OpKind, Value};
use super::error::SpaceError;
use super::graph::{OpRef, Source};
use super::ir::Space;
use std::collections::HashSet;

/// When two architectures count as the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Equivalence {
    /// Same function: the isomorphism hash.
    Function,
    /// NAS-Bench-201's published rule (edge-list spaces only).
    Nb201Published,
}

impl Space {
    /// The key of `arch` under `eq`: equal keys mean equivalent architectures.
    pub fn equivalence_key(&self, arch: &Architecture, eq: Equivalence) -> Result<u64, SpaceError> {
        match eq {
            Equivalence::Function => Ok(self.iso_hash(arch)),
            Equivalence::Nb201Published => Ok(str_word(&self.nb201_unique_string(arch)?)),
        }
    }

    /// NAS-Bench-201's unique string of a cell (see the module documentation).
    pub fn nb201_unique_string(&self, arch: &Architecture) -> Result<String, SpaceError> {
        if !self.is_edge_list() {
            return Err(SpaceError::unsupported(
                format!(
                    "`{}` is not an edge-list space, so NAS-Bench-201's rule does not apply",
                    self.name()
                ),
                "use the function equivalence",
            ));
        }
        let g = &self.graphs()[0];
        let values = arch.values();
        let mut strings: Vec<String> = (0..g.inputs.len()).map(|i| i.to_string()).collect();
        let mut d = 0;
        for node in &g.nodes {
            let mut terms = Vec::with_capacity(node.terms.len());
            for t in &node.terms {
                let Source::Vertex(u) = t.source else {
                    continue;
                };
                let op =
                    t.op.as_ref()
                        .and_then(|o| resolve_op(o, self.decisions(), values));
                let src = &strings[u];
                terms.push(match op.map(|o| o.kind) {
                    Some(OpKind::Zero) => "#".to_string(),
                    _ if src == "#" => "#".to_string(),
                    None | Some(OpKind::Identity) => src.clone(),
                    Some(OpKind::Other) => {
                        let label = match (&self.decisions()[d].domain, values[d]) {
                            (Domain::Categorical(alts), Value::Cat(c)) => {
                                alts[c as usize].label.as_str()
                            }
                            _ => "?",
                        };
                        format!("({src})@{label}")
                    }
                });
                d += 1;
            }
            terms.sort();
            strings.push(terms.join("+"));
        }
        let out = match g.output.terms[0].source {
            Source::Vertex(u) => strings[u].clone(),
            _ => String::new(),
        };
        Ok(out)
    }

    /// Number of distinct architectures under `eq`. Every architecture is visited except that
    /// decisions which only shape vertices cut off from the inputs or the output (given the
    /// constrained decisions) are held at their first value, since they cannot change the
    /// key. Fails when more than `limit` architectures would be hashed.
    ///
    /// Under resource bounds (`where params < 5M`) every architecture is built and measured
    /// ([`Space::for_each`], at most [`super::resource::RESOURCE_COUNT_LIMIT`] of them), and a
    /// class counts when one of its architectures meets the bounds (equivalent architectures
    /// may build networks of different sizes, e.g. with an op on an edge whose output is
    /// unused).
    pub fn count_unique(&self, eq: Equivalence, limit: u128) -> Result<u64, SpaceError> {
        if eq == Equivalence::Nb201Published && !self.is_edge_list() {
            return Err(SpaceError::unsupported(
                format!(
                    "`{}` is not an edge-list space, so NAS-Bench-201's rule does not apply",
                    self.name()
                ),
                "use the function equivalence",
            ));
        }
        if !self.resource_bounds().is_empty() {
            return self.count_unique_bounded(eq, limit);
        }
        let (inner, outer) = self.split_by_constraints();
        let inner_order = self.order(&inner);
        let outer_order = self.order(&outer);
        let mut assigned = vec![false; self.decisions().len()];
        for &d in &inner_order {
            assigned[d] = true;
        }
        let used = self.graph_decisions();
        let mut seen: HashSet<u64> = HashSet::new();
        let mut visited: u128 = 0;
        let mut failure: Option<SpaceError> = None;
        let mut values = vec![Value::Off; self.decisions().len()];
        self.walk(&inner_order, 0, &mut values, &[], &mut |space, values| {
            if failure.is_some() {
                return;
            }
            let arch = Architecture::from_values_unchecked(values.to_vec());
            if !space.satisfies(&arch) {
                return;
            }
            let live = space.live_decisions(values, &assigned);
            let fixed: Vec<bool> = (0..values.len())
                .map(|d| used[d] && !live[d] && space.children(d).is_empty())
                .collect();
            let mut rest = values.to_vec();
            let mut arch = arch;
            space.walk(&outer_order, 0, &mut rest, &fixed, &mut |space, full| {
                if failure.is_some() {
                    return;
                }
                visited += 1;
                if visited > limit {
                    failure = Some(SpaceError::unsupported(
                        format!(
                            "counting unique architectures of `{}` would hash more than {limit}",
                            space.name()
                        ),
                        "raise the limit or narrow the space",
                    ));
                    return;
                }
                arch.values_mut().clear();
                arch.values_mut().extend_from_slice(full);
                match space.equivalence_key(&arch, eq) {
                    Ok(k) => {
                        seen.insert(k);
                    }
                    Err(e) => failure = Some(e),
                }
            });
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(seen.len() as u64),
        }
    }

    /// [`Space::count_unique`] under resource bounds: the keys of every architecture that
    /// meets them.
    fn count_unique_bounded(&self, eq: Equivalence, limit: u128) -> Result<u64, SpaceError> {
        let mut seen: HashSet<u64> = HashSet::new();
        let mut failure: Option<SpaceError> = None;
        self.for_each(limit, |arch| {
            if failure.is_none() {
                match self.equivalence_key(arch, eq) {
                    Ok(k) => {
                        seen.insert(k);
                    }
                    Err(e) => failure = Some(e),
                }
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(seen.len() as u64),
        }
    }

    /// Decisions that shape some vertex connected to both the inputs and the output of its
    /// graph, treating every op as non-zero and every unassigned input choice as present.
    fn live_decisions(&self, values: &[Value], assigned: &[bool]) -> Vec<bool> {
        let mut live = vec![false; values.len()];
        for g in self.graphs() {
            let n = g.vertex_count() + 1;
            // sources[v]: the vertices node v may read through present terms.
            let mut sources: Vec<Vec<usize>> = vec![Vec::new(); n];
            let mut passes = vec![false; n];
            for (v, node) in g.all_nodes() {
                if let Some(guard) = node.guard {
                    if assigned[guard.parent] && !guard.when.holds(values[guard.parent]) {
                        passes[v] = true;
                    }
                }
                for (i, t) in node.terms.iter().enumerate() {
                    if passes[v] && i > 0 {
                        break;
                    }
                    match &t.source {
                        Source::Pick {
                            decision, vertices, ..
                        } if !assigned[*decision] => sources[v].extend(vertices.iter().copied()),
                        Source::Member {
                            decision, vertex, ..
                        } if !assigned[*decision] => sources[v].push(*vertex),
                        Source::When { guard, vertex } if !assigned[guard.parent] => {
                            sources[v].push(*vertex)
                        }
                        s => sources[v].extend(resolve(s, values)),
                    }
                }
            }
            let mut from_input = vec![false; n];
            for flag in from_input.iter_mut().take(g.inputs.len()) {
                *flag = true;
            }
            for v in g.inputs.len()..n {
                from_input[v] = sources[v].iter().any(|&u| from_input[u]);
            }
            let mut to_output = vec![false; n];
            to_output[n - 1] = true;
            for slot in &g.states {
                to_output[slot.next] = true;
            }
            for v in (0..n).rev() {
                if to_output[v] {
                    for &u in &sources[v] {
                        to_output[u] = true;
                    }
                }
            }
            for (v, node) in g.all_nodes() {
                if !(from_input[v] && to_output[v]) {
                    continue;
                }
                if let Some(guard) = node.guard {
                    live[guard.parent] = true;
                }
                if passes[v] {
                    continue;
                }
                for t in &node.terms {
                    if let Some(d) = t.source.decision() {
                        live[d] = true;
                    }
                    if let Some(op) = &t.op {
                        self.mark_op(op, &mut live);
                    }
                }
                if let Some(op) = &node.post {
                    self.mark_op(op, &mut live);
                }
            }
        }
        live
    }

    fn mark_op(&self, op: &OpRef, live: &mut [bool]) {
        let args = |op: &super::decision::Op, live: &mut [bool]| {
            for a in &op.args {
                if let ArgValue::Decision(x) = a.value {
                    live[x] = true;
                }
            }
        };
        match op {
            OpRef::Fixed(o) => args(o, live),
            OpRef::Choice(d) => {
                live[*d] = true;
                if let Domain::Categorical(alts) = &self.decisions()[*d].domain {
                    for o in alts.iter().filter_map(|a| a.op.as_ref()) {
                        args(o, live);
                    }
                }
            }
        }
    }
}
