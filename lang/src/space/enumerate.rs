//! Exact cardinality and full enumeration. Constraints are honoured by enumerating only the
//! decisions they read (closed over guards) and multiplying by the count of the rest.

use super::arch::Architecture;
use super::decision::Value;
use super::error::SpaceError;
use super::ir::Space;
use super::resource::{Seen, RESOURCE_COUNT_LIMIT};
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive};

/// Most assignments of constrained decisions that counting will enumerate.
pub const COUNT_LIMIT: u128 = 200_000_000;

/// What counting under constraints carries down the decision trees.
struct Counting {
    /// The decisions each constraint reads.
    reads: Vec<Vec<usize>>,
    /// The values decided so far.
    values: Vec<Value>,
    /// Which decisions are decided.
    fixed: Vec<bool>,
    /// How many more values counting may visit.
    budget: u128,
}

impl Space {
    /// Number of architectures, ignoring constraints.
    pub fn raw_count(&self) -> BigUint {
        self.roots()
            .fold(BigUint::one(), |acc, r| acc * self.subtree_count(r))
    }

    /// Exact number of architectures that meet the constraints. The decisions are counted
    /// tree by tree along their guards: under each value of a guarding decision, the subtrees
    /// it switches on fall into groups that no constraint couples, counted apart and
    /// multiplied, so independent copies with constraints of their own (cells with `where`
    /// repeated under a chosen depth) are counted without enumerating their product.
    /// Under resource bounds (`where params < 5M`) every network is built and measured, so
    /// only spaces of at most [`RESOURCE_COUNT_LIMIT`] architectures are counted; larger ones
    /// are an error saying the count is not computed.
    pub fn count(&self) -> Result<BigUint, SpaceError> {
        if !self.resource_bounds().is_empty() {
            return self.count_bounded();
        }
        if self.constraints().is_empty() {
            return Ok(self.raw_count());
        }
        let reads: Vec<Vec<usize>> = self.constraints().iter().map(|c| c.reads(self)).collect();
        let mut state = Counting {
            reads,
            values: vec![Value::Off; self.decisions().len()],
            fixed: vec![false; self.decisions().len()],
            budget: COUNT_LIMIT,
        };
        let roots: Vec<usize> = self.roots().collect();
        let all: Vec<usize> = (0..self.constraints().len()).collect();
        self.count_group(&roots, &all, &mut state)
    }

    /// Whether decision `d` is decided under `state`: fixed, or switched off by a decided
    /// guard.
    fn settled(&self, d: usize, state: &Counting) -> bool {
        if state.fixed[d] {
            return true;
        }
        match self.decisions()[d].guard {
            Some(g) => self.settled(g.parent, state) && !g.when.holds(state.values[g.parent]),
            None => false,
        }
    }

    /// The member of `roots` whose tree holds decision `d`.
    fn owner(&self, mut d: usize, roots: &[usize]) -> Option<usize> {
        loop {
            if let Some(i) = roots.iter().position(|&r| r == d) {
                return Some(i);
            }
            d = self.decisions()[d].guard?.parent;
        }
    }

    /// The assignments of the trees `roots` (active under `state`) that meet the constraints
    /// `cons`.
    fn count_group(
        &self,
        roots: &[usize],
        cons: &[usize],
        state: &mut Counting,
    ) -> Result<BigUint, SpaceError> {
        let mut open = Vec::new();
        for &k in cons {
            if state.reads[k].iter().all(|&d| self.settled(d, state)) {
                let arch = Architecture::from_values_unchecked(state.values.clone());
                if !self.constraints()[k].holds(self, &arch) {
                    return Ok(BigUint::ZERO);
                }
            } else {
                open.push(k);
            }
        }
        // Group the roots that some open constraint reads together.
        let mut group: Vec<usize> = (0..roots.len()).collect();
        let find = |g: &Vec<usize>, mut i: usize| {
            while g[i] != i {
                i = g[i];
            }
            i
        };
        for &k in &open {
            let mut first = None;
            for &d in &state.reads[k] {
                if self.settled(d, state) {
                    continue;
                }
                let Some(o) = self.owner(d, roots) else {
                    continue;
                };
                let o = find(&group, o);
                match first {
                    None => first = Some(o),
                    Some(f) if f != o => group[o] = f,
                    _ => {}
                }
            }
        }
        let mut total = BigUint::one();
        for head in 0..roots.len() {
            if find(&group, head) != head {
                continue;
            }
            let members: Vec<usize> = (0..roots.len())
                .filter(|&i| find(&group, i) == head)
                .map(|i| roots[i])
                .collect();
            let touching: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&k| {
                    state.reads[k].iter().any(|&d| {
                        !self.settled(d, state)
                            && self
                                .owner(d, roots)
                                .is_some_and(|o| find(&group, o) == head)
                    })
                })
                .collect();
            let n = match members.as_slice() {
                _ if touching.is_empty() => self.product(&members),
                [r] if !self.children(*r).is_empty() => self.count_tree(*r, &touching, state)?,
                _ => self.count_joint(&members, &touching, state)?,
            };
            if n == BigUint::ZERO {
                return Ok(n);
            }
            total *= n;
        }
        Ok(total)
    }

    /// The assignments of the tree under `r` that meet `cons`: value by value of `r`, the
    /// subtrees it switches on counted as a group.
    fn count_tree(
        &self,
        r: usize,
        cons: &[usize],
        state: &mut Counting,
    ) -> Result<BigUint, SpaceError> {
        let dom = &self.decisions()[r].domain;
        let mut sum = BigUint::ZERO;
        state.fixed[r] = true;
        for i in 0..dom.size() {
            if state.budget == 0 {
                return Err(self.too_big(&self.raw_count(), "count under constraints"));
            }
            state.budget -= 1;
            state.values[r] = dom.value_at(i);
            let kids: Vec<usize> = self
                .children(r)
                .iter()
                .copied()
                .filter(|&c| self.is_active(c, &state.values))
                .collect();
            sum += self.count_group(&kids, cons, state)?;
        }
        state.fixed[r] = false;
        state.values[r] = Value::Off;
        Ok(sum)
    }

    /// The assignments of the trees `roots` that meet `cons`, enumerated together.
    fn count_joint(
        &self,
        roots: &[usize],
        cons: &[usize],
        state: &mut Counting,
    ) -> Result<BigUint, SpaceError> {
        let size = self.product(roots);
        if size > BigUint::from(state.budget) {
            return Err(self.too_big(&size, "count under constraints"));
        }
        state.budget -= size.to_u128().unwrap_or(u128::MAX).min(state.budget);
        let order = self.order(roots);
        let mut kept = 0u64;
        let mut values = state.values.clone();
        self.walk(&order, 0, &mut values, &[], &mut |space, values| {
            let arch = Architecture::from_values_unchecked(values.to_vec());
            kept += cons
                .iter()
                .all(|&k| space.constraints()[k].holds(space, &arch)) as u64;
        });
        Ok(BigUint::from(kept))
    }

    /// Counts by building and measuring every architecture that meets the constraints.
    fn count_bounded(&self) -> Result<BigUint, SpaceError> {
        self.ready()?;
        let raw = self.raw_count();
        if raw > BigUint::from(RESOURCE_COUNT_LIMIT) {
            let bounds: Vec<String> = self
                .resource_bounds()
                .iter()
                .map(|b| format!("`where {}`", b.text))
                .collect();
            return Err(SpaceError::unsupported(
                format!(
                    "the number of architectures of `{}` that meet {} is not computed: it holds {} architectures before the bound, and counting builds every network (at most {RESOURCE_COUNT_LIMIT})",
                    self.name(),
                    bounds.join(" and "),
                    raw
                ),
                "count a smaller space, or drop the bound to count the space itself",
            ));
        }
        let mut kept = 0u64;
        self.for_each(RESOURCE_COUNT_LIMIT, |_| kept += 1)?;
        Ok(BigUint::from(kept))
    }

    /// Calls `f` on every architecture, in a deterministic order (the constrained decisions
    /// vary slowest). Fails without calling `f` when the space holds more than `limit`
    /// assignments before constraints, or more than [`RESOURCE_COUNT_LIMIT`] under resource
    /// bounds (each of which is built and measured; those that break a bound are skipped).
    pub fn for_each(
        &self,
        limit: u128,
        mut f: impl FnMut(&Architecture),
    ) -> Result<(), SpaceError> {
        let raw = self.raw_count();
        let bounded = !self.resource_bounds().is_empty();
        let limit = if bounded {
            self.ready()?;
            limit.min(RESOURCE_COUNT_LIMIT)
        } else {
            limit
        };
        if raw > BigUint::from(limit) {
            return Err(self.too_big(&raw, "enumerate"));
        }
        let (inner, outer) = self.split_by_constraints();
        let inner_order = self.order(&inner);
        let outer_order = self.order(&outer);
        let mut values = vec![Value::Off; self.decisions().len()];
        let mut arch = Architecture::from_values_unchecked(Vec::new());
        self.walk(&inner_order, 0, &mut values, &[], &mut |space, values| {
            *arch.values_mut() = values.to_vec();
            if !space.satisfies(&arch) {
                return;
            }
            let mut rest = values.to_vec();
            space.walk(&outer_order, 0, &mut rest, &[], &mut |space, full| {
                arch.values_mut().clear();
                arch.values_mut().extend_from_slice(full);
                if !bounded || space.meets_bounds(&arch, &mut Seen::default()) {
                    f(&arch);
                }
            });
        });
        Ok(())
    }

    /// Every architecture, in [`Space::for_each`]'s order.
    pub fn enumerate(&self, limit: u128) -> Result<Vec<Architecture>, SpaceError> {
        let mut out = Vec::new();
        self.for_each(limit, |a| out.push(a.clone()))?;
        Ok(out)
    }

    /// Splits the root decisions into those whose trees the constraints read, and the rest.
    pub(crate) fn split_by_constraints(&self) -> (Vec<usize>, Vec<usize>) {
        let mut read = vec![false; self.decisions().len()];
        for c in self.constraints() {
            for d in c.reads(self) {
                read[self.root_of(d)] = true;
            }
        }
        self.roots().partition(|&r| read[r])
    }

    fn root_of(&self, mut d: usize) -> usize {
        while let Some(g) = self.decisions()[d].guard {
            d = g.parent;
        }
        d
    }

    fn product(&self, roots: &[usize]) -> BigUint {
        roots
            .iter()
            .fold(BigUint::one(), |acc, &r| acc * self.subtree_count(r))
    }

    /// The decisions of the given trees (their roots may be guarded themselves), in space
    /// order (parents before children).
    pub(crate) fn order(&self, roots: &[usize]) -> Vec<usize> {
        let mut member = vec![false; self.decisions().len()];
        for &r in roots {
            member[r] = true;
        }
        for d in 0..self.decisions().len() {
            if let Some(g) = self.decisions()[d].guard {
                member[d] = member[d] || member[g.parent];
            }
        }
        (0..self.decisions().len()).filter(|&d| member[d]).collect()
    }

    /// Assigns every combination of the decisions in `order[pos..]` (inactive ones `Off`; those
    /// marked in `fixed` only their first value) and calls `f` on each full assignment.
    pub(crate) fn walk(
        &self,
        order: &[usize],
        pos: usize,
        values: &mut [Value],
        fixed: &[bool],
        f: &mut dyn FnMut(&Space, &[Value]),
    ) {
        let Some(&d) = order.get(pos) else {
            f(self, values);
            return;
        };
        if !self.is_active(d, values) {
            values[d] = Value::Off;
            self.walk(order, pos + 1, values, fixed, f);
            return;
        }
        let dom = &self.decisions()[d].domain;
        let size = if fixed.get(d) == Some(&true) {
            1
        } else {
            dom.size()
        };
        for i in 0..size {
            values[d] = dom.value_at(i);
            self.walk(order, pos + 1, values, fixed, f);
        }
        values[d] = Value::Off;
    }

    fn too_big(&self, n: &BigUint, what: &str) -> SpaceError {
        let approx = n
            .to_f64()
            .map_or_else(|| n.to_string(), |x| format!("{x:.4e}"));
        SpaceError::unsupported(
            format!(
                "`{}` is too large to {what}: {approx} assignments",
                self.name()
            ),
            "sample from it instead, or narrow the space",
        )
    }
}
