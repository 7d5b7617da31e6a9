//! Exact cardinality and full enumeration. Constraints are honoured by enumerating only the
//! decisions they read (closed over guards) and multiplying by the count of the rest.

use super::arch::Architecture;
use super::decision::Value;
use super::error::SpaceError;
use super::ir::Space;
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive};

/// Most assignments of constrained decisions that counting will enumerate.
pub const COUNT_LIMIT: u128 = 200_000_000;

impl Space {
    /// Number of architectures, ignoring constraints.
    pub fn raw_count(&self) -> BigUint {
        self.roots()
            .fold(BigUint::one(), |acc, r| acc * self.subtree_count(r))
    }

    /// Exact number of architectures that meet the constraints.
    pub fn count(&self) -> Result<BigUint, SpaceError> {
        if self.constraints().is_empty() {
            return Ok(self.raw_count());
        }
        let (inner, outer) = self.split_by_constraints();
        let inner_count = self.product(&inner);
        if inner_count > BigUint::from(COUNT_LIMIT) {
            return Err(self.too_big(&inner_count, "count under constraints"));
        }
        let mut kept = 0u64;
        let order = self.order(&inner);
        let mut values = vec![Value::Off; self.decisions().len()];
        self.walk(&order, 0, &mut values, &[], &mut |space, values| {
            let arch = Architecture::from_values_unchecked(values.to_vec());
            kept += space.satisfies(&arch) as u64;
        });
        Ok(BigUint::from(kept) * self.product(&outer))
    }

    /// Calls `f` on every architecture, in a deterministic order (the constrained decisions
    /// vary slowest). Fails without calling `f` when the space holds more than `limit`
    /// assignments before constraints.
    pub fn for_each(
        &self,
        limit: u128,
        mut f: impl FnMut(&Architecture),
    ) -> Result<(), SpaceError> {
        let raw = self.raw_count();
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
            space.walk(&outer_order, 0, &mut rest, &[], &mut |_, full| {
                arch.values_mut().clear();
                arch.values_mut().extend_from_slice(full);
                f(&arch);
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

    /// The decisions of the given roots' trees, in space order (parents before children).
    pub(crate) fn order(&self, roots: &[usize]) -> Vec<usize> {
        let mut member = vec![false; self.decisions().len()];
        for &r in roots {
            member[r] = true;
        }
        for d in 0..self.decisions().len() {
            if let Some(g) = self.decisions()[d].guard {
                member[d] = member[g.parent];
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
