//! Seeded random operations: uniform sampling that honours guards and constraints,
//! single-decision mutation, all neighbours, and uniform crossover.

use super::arch::Architecture;
use super::decision::{Domain, Value};
use super::error::SpaceError;
use super::ir::Space;
use super::resource::Seen;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How many draws sampling, mutation and crossover try before giving up on the constraints.
pub const MAX_TRIES: usize = 100_000;

/// The random number generator every space operation is seeded with.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

impl Space {
    /// A uniformly random architecture: every architecture that meets the constraints is
    /// equally likely (guarded parts are weighted by how many architectures they hold, and
    /// constraints are met by rejection).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpaceError> {
        self.ready()?;
        let mut seen = Seen::default();
        for _ in 0..MAX_TRIES {
            let mut values = vec![Value::Off; self.decisions().len()];
            for d in 0..values.len() {
                if self.is_active(d, &values) {
                    values[d] = self.sample_value(d, rng);
                }
            }
            let arch = Architecture::from_values_unchecked(values);
            if self.satisfies(&arch) {
                if self.meets_bounds(&arch, &mut seen) {
                    return Ok(arch);
                }
                if !seen.more() {
                    return Err(self.unmet_bounds("sample", &seen));
                }
            }
        }
        Err(self.too_constrained("sample"))
    }

    /// Writes a uniformly random architecture into `arch`, reusing its storage (the fast path
    /// for spaces without constraints; with constraints it falls back to [`Space::sample`]).
    pub fn sample_into<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        arch: &mut Architecture,
    ) -> Result<(), SpaceError> {
        if !self.constraints().is_empty() || !self.resource_bounds().is_empty() {
            *arch = self.sample(rng)?;
            return Ok(());
        }
        let values = arch.values_mut();
        values.clear();
        values.resize(self.decisions().len(), Value::Off);
        for d in 0..values.len() {
            if self.is_active(d, values) {
                values[d] = self.sample_value(d, rng);
            }
        }
        Ok(())
    }

    /// A random value for decision `d`, weighted so that its subtree comes out uniform.
    pub(crate) fn sample_value<R: Rng + ?Sized>(&self, d: usize, rng: &mut R) -> Value {
        let dom = &self.decisions()[d].domain;
        if let Some(cum) = self.cumulative(d) {
            let u: f64 = rng.random();
            let i = cum.partition_point(|&c| c < u).min(cum.len() - 1);
            return dom.value_at(i as u128);
        }
        match dom {
            Domain::Categorical(alts) => Value::Cat(rng.random_range(0..alts.len() as u32)),
            Domain::Integer { lo, hi } | Domain::Depth { lo, hi } => {
                Value::Int(rng.random_range(*lo..=*hi))
            }
            Domain::Boolean => Value::Bool(rng.random()),
            Domain::Pick { k, candidates } => {
                Value::Set(random_pick(rng, candidates.len() as u32, *k))
            }
            Domain::Subset { candidates } => {
                Value::Set(rng.random::<u64>() & ((1u64 << candidates.len()) - 1))
            }
        }
    }

    /// Changes one active decision to another of its values (a random neighbour move), fills
    /// in decisions that the change switches on, and clears those it switches off.
    pub fn mutate<R: Rng + ?Sized>(
        &self,
        arch: &Architecture,
        rng: &mut R,
    ) -> Result<Architecture, SpaceError> {
        let movable: Vec<usize> = (0..self.decisions().len())
            .filter(|&d| arch.values()[d] != Value::Off && self.decisions()[d].domain.size() > 1)
            .collect();
        if movable.is_empty() {
            return Err(SpaceError::unsupported(
                "this space has a single architecture",
                "there is nothing to mutate",
            ));
        }
        self.ready()?;
        let mut seen = Seen::default();
        for _ in 0..MAX_TRIES {
            let d = movable[rng.random_range(0..movable.len())];
            let mut values = arch.values().to_vec();
            values[d] = self.random_move(d, values[d], rng);
            self.repair(&mut values, |space, d| space.sample_value(d, rng));
            let child = Architecture::from_values_unchecked(values);
            if self.satisfies(&child) {
                if self.meets_bounds(&child, &mut seen) {
                    return Ok(child);
                }
                if !seen.more() {
                    return Err(self.unmet_bounds("mutate", &seen));
                }
            }
        }
        Err(self.too_constrained("mutate"))
    }

    fn random_move<R: Rng + ?Sized>(&self, d: usize, old: Value, rng: &mut R) -> Value {
        let dom = &self.decisions()[d].domain;
        match (dom, old) {
            (Domain::Boolean, Value::Bool(b)) => Value::Bool(!b),
            (Domain::Pick { candidates, .. }, Value::Set(s)) => {
                let n = candidates.len() as u32;
                let members: Vec<u32> = (0..n).filter(|i| s >> i & 1 == 1).collect();
                let others: Vec<u32> = (0..n).filter(|i| s >> i & 1 == 0).collect();
                let out = members[rng.random_range(0..members.len())];
                let inn = others[rng.random_range(0..others.len())];
                Value::Set(s & !(1 << out) | 1 << inn)
            }
            (Domain::Subset { candidates }, Value::Set(s)) => {
                Value::Set(s ^ 1 << rng.random_range(0..candidates.len()))
            }
            _ => {
                // Categorical and integer: any other value, uniformly.
                let size = dom.size() as u64;
                let old_i = index_of(dom, old);
                let mut i = rng.random_range(0..size - 1);
                if i >= old_i {
                    i += 1;
                }
                dom.value_at(i as u128)
            }
        }
    }

    /// Every architecture one move away: another alternative or integer, a flipped boolean,
    /// one picked candidate swapped for an unpicked one, one subset member added or removed.
    /// Decisions a move switches on take their first value; results that break a constraint
    /// or a resource bound are left out (a space with bounds and nothing to measure them has
    /// none). The order is deterministic.
    pub fn neighbours(&self, arch: &Architecture) -> Vec<Architecture> {
        let mut out = Vec::new();
        for d in 0..self.decisions().len() {
            let old = arch.values()[d];
            if old == Value::Off {
                continue;
            }
            for v in self.all_moves(d, old) {
                let mut values = arch.values().to_vec();
                values[d] = v;
                self.repair(&mut values, |space, d| {
                    space.decisions()[d].domain.value_at(0)
                });
                let n = Architecture::from_values_unchecked(values);
                if self.admits(&n) {
                    out.push(n);
                }
            }
        }
        out
    }

    fn all_moves(&self, d: usize, old: Value) -> Vec<Value> {
        let dom = &self.decisions()[d].domain;
        match (dom, old) {
            (Domain::Pick { candidates, .. }, Value::Set(s)) => {
                let n = candidates.len();
                let mut v = Vec::new();
                for out in (0..n).filter(|i| s >> i & 1 == 1) {
                    for inn in (0..n).filter(|i| s >> i & 1 == 0) {
                        v.push(Value::Set(s & !(1 << out) | 1 << inn));
                    }
                }
                v
            }
            (Domain::Subset { candidates }, Value::Set(s)) => (0..candidates.len())
                .map(|i| Value::Set(s ^ 1 << i))
                .collect(),
            _ => (0..dom.size())
                .map(|i| dom.value_at(i))
                .filter(|&v| v != old)
                .collect(),
        }
    }

    /// Uniform crossover: each active decision of the child takes either parent's value with
    /// equal chance (the other parent's when the chosen one has it inactive, a fresh sample
    /// when both do). Retried until the constraints and resource bounds hold.
    pub fn crossover<R: Rng + ?Sized>(
        &self,
        a: &Architecture,
        b: &Architecture,
        rng: &mut R,
    ) -> Result<Architecture, SpaceError> {
        let n = self.decisions().len();
        self.ready()?;
        let mut seen = Seen::default();
        for _ in 0..MAX_TRIES {
            let mut values = vec![Value::Off; n];
            for d in 0..n {
                if !self.is_active(d, &values) {
                    continue;
                }
                let (first, second) = if rng.random::<bool>() { (a, b) } else { (b, a) };
                values[d] = match (first.values()[d], second.values()[d]) {
                    (Value::Off, Value::Off) => self.sample_value(d, rng),
                    (Value::Off, v) | (v, _) => v,
                };
            }
            let child = Architecture::from_values_unchecked(values);
            if self.satisfies(&child) {
                if self.meets_bounds(&child, &mut seen) {
                    return Ok(child);
                }
                if !seen.more() {
                    return Err(self.unmet_bounds("cross over", &seen));
                }
            }
        }
        Err(self.too_constrained("cross over"))
    }

    /// Recomputes which decisions are active after a change: newly inactive ones become `Off`,
    /// newly active ones get `fill`'s value.
    fn repair(&self, values: &mut [Value], mut fill: impl FnMut(&Space, usize) -> Value) {
        for d in 0..values.len() {
            let active = self.is_active(d, values);
            if !active {
                values[d] = Value::Off;
            } else if values[d] == Value::Off {
                values[d] = fill(self, d);
            }
        }
    }

    fn too_constrained(&self, what: &str) -> SpaceError {
        SpaceError::unsupported(
            format!("could not {what} an architecture of `{}` that meets its constraints in {MAX_TRIES} tries", self.name()),
            "loosen the constraints, or check that some architecture meets them (`nas count`)",
        )
    }
}

/// The index of `v` in `dom`'s canonical order, for categorical and integer domains.
fn index_of(dom: &Domain, v: Value) -> u64 {
    match (dom, v) {
        (_, Value::Cat(i)) => i as u64,
        (Domain::Integer { lo, .. } | Domain::Depth { lo, .. }, Value::Int(x)) => (x - lo) as u64,
        (_, Value::Bool(b)) => b as u64,
        _ => 0,
    }
}

/// A uniformly random `k`-subset of `0..n` (Floyd's algorithm).
fn random_pick<R: Rng + ?Sized>(rng: &mut R, n: u32, k: u32) -> u64 {
    let mut set = 0u64;
    for j in n - k..n {
        let t = rng.random_range(0..=j);
        if set >> t & 1 == 1 {
            set |= 1 << j;
        } else {
            set |= 1 << t;
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floyd_picks_are_uniform() {
        let mut r = rng(7);
        let mut counts = [0u32; 16];
        for _ in 0..60_000 {
            let s = random_pick(&mut r, 4, 2);
            assert_eq!(s.count_ones(), 2);
            counts[s as usize] += 1;
        }
        for s in [0b0011, 0b0101, 0b0110, 0b1001, 0b1010, 0b1100] {
            assert!((9_000..11_000).contains(&counts[s]), "{counts:?}");
        }
    }
}
