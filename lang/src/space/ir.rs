//! The space: ordered decisions with their guards, constraints, and graph templates;
//! validated once, with the tables that counting and sampling need.

use super::constraint::Constraint;
use super::decision::{ArgValue, Decision, Domain, Value, When};
use super::error::SpaceError;
use super::graph::{Graph, OpRef, Source};
use super::resource::Resources;
use super::skeleton::Skeleton;
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};
use std::collections::HashMap;

/// Most values a decision with guarded children may have (their weights are tabulated).
const MAX_PARENT_VALUES: u128 = 1 << 16;

/// A search space as a value: what is open, how the open parts depend on each other, which
/// architectures are excluded, and the graphs the decisions shape.
#[derive(Debug, Clone)]
pub struct Space {
    name: String,
    decisions: Vec<Decision>,
    constraints: Vec<Constraint>,
    graphs: Vec<Graph>,
    by_name: HashMap<String, usize>,
    children: Vec<Vec<usize>>,
    /// Exact number of assignments of each decision's subtree (ignoring constraints).
    subtree: Vec<BigUint>,
    /// For decisions with children: the cumulative relative weight of each value, so that
    /// sampling a value with these weights and then the children gives uniform architectures.
    cumulative: Vec<Option<Vec<f64>>>,
    edge_list: bool,
    skeleton: Skeleton,
    /// How many of the last decisions were appended after the space's own
    /// ([`Space::with_decisions`]).
    appended: usize,
    resources: Resources,
}

impl Space {
    /// Validates and builds a space. Decisions are in order: a guard's parent comes before
    /// the decisions it guards, and graphs only reference decisions that exist.
    pub fn new(
        name: impl Into<String>,
        decisions: Vec<Decision>,
        constraints: Vec<Constraint>,
        graphs: Vec<Graph>,
    ) -> Result<Space, SpaceError> {
        let mut by_name = HashMap::new();
        let mut children = vec![Vec::new(); decisions.len()];
        for (i, d) in decisions.iter().enumerate() {
            check_decision(i, d, &decisions)?;
            if by_name.insert(d.name.clone(), i).is_some() {
                return Err(SpaceError::Invalid(format!(
                    "two decisions are named `{}`",
                    d.name
                )));
            }
            if let Some(g) = d.guard {
                children[g.parent].push(i);
            }
        }
        for (i, kids) in children.iter().enumerate() {
            if !kids.is_empty() {
                let dom = &decisions[i].domain;
                if matches!(dom, Domain::Pick { .. } | Domain::Subset { .. })
                    || dom.size() > MAX_PARENT_VALUES
                {
                    return Err(SpaceError::Invalid(format!(
                        "decision `{}` guards others but has too many values",
                        decisions[i].name
                    )));
                }
            }
        }
        for g in &graphs {
            check_graph(g, &decisions)?;
        }
        let mut space = Space {
            name: name.into(),
            decisions,
            constraints,
            graphs,
            by_name,
            children,
            subtree: Vec::new(),
            cumulative: Vec::new(),
            edge_list: false,
            skeleton: Skeleton::default(),
            appended: 0,
            resources: Resources::default(),
        };
        space.tabulate();
        space.edge_list = super::text::is_edge_list(&space);
        Ok(space)
    }

    fn tabulate(&mut self) {
        let n = self.decisions.len();
        let mut subtree = vec![BigUint::zero(); n];
        let mut cumulative = vec![None; n];
        // Children come after parents, so a reverse pass sees every child first.
        for d in (0..n).rev() {
            let dom = &self.decisions[d].domain;
            if self.children[d].is_empty() {
                subtree[d] = BigUint::from(dom.size());
                continue;
            }
            let mut total = BigUint::zero();
            let mut weights = Vec::new();
            for i in 0..dom.size() {
                let v = dom.value_at(i);
                let mut w = BigUint::one();
                for &c in &self.children[d] {
                    let when = self.decisions[c].guard.map(|g| g.when);
                    if when.is_some_and(|w| w.holds(v)) {
                        w *= &subtree[c];
                    }
                }
                total += &w;
                weights.push(w);
            }
            let mut acc = 0.0;
            let cum = weights
                .iter()
                .map(|w| {
                    acc += ratio(w, &total);
                    acc
                })
                .collect();
            cumulative[d] = Some(cum);
            subtree[d] = total;
        }
        self.subtree = subtree;
        self.cumulative = cumulative;
    }

    /// The space's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The decisions, in order.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// The constraints.
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// The resource bounds and their measure.
    pub(crate) fn resources(&self) -> &Resources {
        &self.resources
    }

    pub(crate) fn resources_mut(&mut self) -> &mut Resources {
        &mut self.resources
    }

    /// The graph templates.
    pub fn graphs(&self) -> &[Graph] {
        &self.graphs
    }

    /// The network around the cells (empty for a space built by hand).
    pub fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    /// The same space with `skeleton` as the network around its cells.
    pub fn with_skeleton(mut self, skeleton: Skeleton) -> Space {
        self.skeleton = skeleton;
        self
    }

    /// The same space with `extra` decisions appended after its own (decisions no graph
    /// reads, such as searched training settings: they are sampled, mutated, counted, hashed
    /// and written in architectures' text like the others); an error when a name is taken or a
    /// decision is malformed.
    pub fn with_decisions(self, extra: Vec<Decision>) -> Result<Space, SpaceError> {
        if extra.is_empty() {
            return Ok(self);
        }
        let skeleton = self.skeleton;
        let appended = self.appended + extra.len();
        let resources = self.resources;
        let mut decisions = self.decisions;
        decisions.extend(extra);
        let mut space = Space::new(self.name, decisions, self.constraints, self.graphs)?
            .with_skeleton(skeleton);
        space.appended = appended;
        space.resources = resources;
        Ok(space)
    }

    /// How many of the last decisions were appended after the space's own (searched training
    /// settings); 0 for a space as written.
    pub fn appended(&self) -> usize {
        self.appended
    }

    /// The space without its appended decisions: the space as written, whose canonical text
    /// an architecture found by another search is written in.
    pub fn own(&self) -> Result<Space, SpaceError> {
        if self.appended == 0 {
            return Ok(self.clone());
        }
        let keep = self.decisions.len() - self.appended;
        Space::new(
            self.name.clone(),
            self.decisions[..keep].to_vec(),
            self.constraints.clone(),
            self.graphs.clone(),
        )
        .map(|mut s| {
            s.resources = self.resources.clone();
            s.with_skeleton(self.skeleton.clone())
        })
    }

    /// The index of the decision with this name.
    pub fn decision_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The decisions guarded by decision `d`.
    pub fn children(&self, d: usize) -> &[usize] {
        &self.children[d]
    }

    /// The decisions without a guard, in order.
    pub fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.decisions.len()).filter(|&d| self.decisions[d].guard.is_none())
    }

    /// Exact number of assignments of decision `d` and everything it guards.
    pub fn subtree_count(&self, d: usize) -> &BigUint {
        &self.subtree[d]
    }

    /// Cumulative sampling weights of a guarding decision's values.
    pub(crate) fn cumulative(&self, d: usize) -> Option<&[f64]> {
        self.cumulative[d].as_deref()
    }

    /// Whether canonical strings use the edge-list form (NAS-Bench-201's
    /// `|op~0|+|op~0|op~1|+…`).
    pub fn is_edge_list(&self) -> bool {
        self.edge_list
    }

    /// Whether decision `d` is active given the values of the decisions before it.
    #[inline]
    pub fn is_active(&self, d: usize, values: &[Value]) -> bool {
        match self.decisions[d].guard {
            None => true,
            Some(g) => g.when.holds(values[g.parent]),
        }
    }
}

fn ratio(w: &BigUint, total: &BigUint) -> f64 {
    // Scale both down together so huge counts still give a finite ratio.
    let shift = total.bits().saturating_sub(1000);
    let (w, t) = (w >> shift, total >> shift);
    match (w.to_f64(), t.to_f64()) {
        (Some(a), Some(b)) if b > 0.0 => a / b,
        _ => 0.0,
    }
}

fn label_ok(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || "={},\"".contains(c))
}

fn check_decision(i: usize, d: &Decision, all: &[Decision]) -> Result<(), SpaceError> {
    let bad = |msg: String| Err(SpaceError::Invalid(format!("decision `{}`: {msg}", d.name)));
    if !label_ok(&d.name) {
        return bad("names may not be empty or hold spaces, `=`, `{`, `}`, `,` or quotes".into());
    }
    if d.domain.size() == 0 {
        return bad("it has no values".into());
    }
    match &d.domain {
        Domain::Categorical(alts) => {
            let mut seen = std::collections::HashSet::new();
            for a in alts {
                if !label_ok(&a.label)
                    || a.label.contains('|')
                    || a.label.contains('~')
                    || a.label.contains('+')
                {
                    return bad(format!(
                        "alternative label `{}` is not a plain word",
                        a.label
                    ));
                }
                if !seen.insert(a.label.as_str()) {
                    return bad(format!("two alternatives are labelled `{}`", a.label));
                }
                for arg in a.op.iter().flat_map(|o| &o.args) {
                    if let ArgValue::Decision(x) = arg.value {
                        if x >= all.len() {
                            return bad(format!(
                                "an argument reads decision {x}, which does not exist"
                            ));
                        }
                    }
                }
            }
        }
        Domain::Pick { k, candidates }
            if candidates.len() > 64 || *k as usize > candidates.len() =>
        {
            return bad("a pick needs k <= n <= 64".into());
        }
        Domain::Subset { candidates } if candidates.len() > 63 => {
            return bad("a subset has at most 63 candidates".into());
        }
        _ => {}
    }
    for c in match &d.domain {
        Domain::Pick { candidates, .. } | Domain::Subset { candidates } => candidates.as_slice(),
        _ => &[],
    } {
        if !label_ok(c) {
            return bad(format!("candidate `{c}` is not a plain word"));
        }
    }
    if let Some(g) = d.guard {
        if g.parent >= i {
            return bad("its guard's parent must come before it".into());
        }
        if !fits(&all[g.parent].domain, g.when) {
            return bad("its guard does not fit its parent's domain".into());
        }
    }
    Ok(())
}

/// Whether the condition `when` can be asked of a decision over `domain`.
fn fits(domain: &Domain, when: When) -> bool {
    match (domain, when) {
        (Domain::Integer { .. } | Domain::Depth { .. }, When::AtLeast(_)) => true,
        (Domain::Integer { lo, hi }, When::Equals(k) | When::Differs(k)) => {
            (*lo..=*hi).contains(&k)
        }
        (Domain::Categorical(alts), When::Is(k) | When::IsNot(k)) => (k as usize) < alts.len(),
        (Domain::Categorical(alts), When::AtLeast(k)) => k >= 1 && (k as usize) < alts.len(),
        (Domain::Boolean, When::Is(k) | When::IsNot(k)) => k <= 1,
        _ => false,
    }
}

fn check_graph(g: &Graph, decisions: &[Decision]) -> Result<(), SpaceError> {
    let bad = |msg: String| Err(SpaceError::Invalid(format!("graph `{}`: {msg}", g.name)));
    for (v, node) in g.all_nodes() {
        if let Some(guard) = node.guard {
            if guard.parent >= decisions.len() {
                return bad(format!(
                    "node `{}` is guarded by a missing decision",
                    node.name
                ));
            }
        }
        if node.guard.is_some() && node.terms.is_empty() {
            return bad(format!(
                "guarded node `{}` has no input to pass through",
                node.name
            ));
        }
        let ops = node
            .terms
            .iter()
            .filter_map(|t| t.op.as_ref())
            .chain(node.post.as_ref());
        for op in ops {
            if let OpRef::Choice(d) = op {
                match decisions.get(*d).map(|d| &d.domain) {
                    Some(Domain::Categorical(alts)) if alts.iter().all(|a| a.op.is_some()) => {}
                    _ => {
                        return bad(format!(
                            "node `{}` takes its op from a decision that does not choose ops",
                            node.name
                        ))
                    }
                }
            }
        }
        for t in &node.terms {
            let (ok, vertices): (bool, Vec<usize>) = match &t.source {
                Source::Vertex(u) => (true, vec![*u]),
                Source::Pick {
                    decision,
                    slot,
                    vertices,
                } => (
                    matches!(decisions.get(*decision).map(|d| &d.domain),
                        Some(Domain::Pick { k, candidates }) if slot < k && candidates.len() == vertices.len()),
                    vertices.clone(),
                ),
                Source::Member {
                    decision,
                    candidate,
                    vertex,
                } => (
                    matches!(decisions.get(*decision).map(|d| &d.domain),
                        Some(Domain::Subset { candidates }) if (*candidate as usize) < candidates.len()),
                    vec![*vertex],
                ),
                Source::When { guard, vertex } => (
                    decisions
                        .get(guard.parent)
                        .is_some_and(|d| fits(&d.domain, guard.when)),
                    vec![*vertex],
                ),
            };
            if !ok {
                return bad(format!(
                    "node `{}` reads an input choice that does not fit its decision",
                    node.name
                ));
            }
            if vertices.iter().any(|&u| u >= v) {
                return bad(format!(
                    "node `{}` reads a vertex that is not before it",
                    node.name
                ));
            }
        }
    }
    Ok(())
}
