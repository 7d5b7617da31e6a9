//! Decisions: the choices a space leaves open, their domains, their values, and the guards
//! that switch a decision on or off depending on an earlier one.

use serde::{Deserialize, Serialize};

/// What an operation does to the function a graph computes, as far as the isomorphism hash
/// cares: a zero op removes its edge, an identity op is a plain wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OpKind {
    /// Outputs zeros (`none`): the edge carries nothing.
    Zero,
    /// Passes its input through (`skip`).
    Identity,
    /// Anything else.
    Other,
}

/// A concrete operation: a name and its arguments as the lowering resolved them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Op {
    /// The op's name as written (`nor_conv_3x3`, `conv`).
    pub name: String,
    /// Its arguments, in order; a named argument keeps its name.
    pub args: Vec<Arg>,
    /// Zero, identity or other.
    pub kind: OpKind,
}

/// One argument of an [`Op`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Arg {
    /// The argument's name when it was passed by name.
    pub name: Option<String>,
    /// Its value.
    pub value: ArgValue,
}

/// The value of an op argument: a constant or the value of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ArgValue {
    /// An integer constant.
    Int(i64),
    /// A float constant, kept as its source text so it hashes exactly.
    Float(String),
    /// A boolean constant.
    Bool(bool),
    /// A string constant.
    Str(String),
    /// Whatever the decision with this index holds in the architecture.
    Decision(usize),
}

impl Op {
    /// An op with no arguments.
    pub fn new(name: impl Into<String>, kind: OpKind) -> Self {
        Op {
            name: name.into(),
            args: Vec::new(),
            kind,
        }
    }
}

/// One alternative of a categorical decision: its label in text forms, and the op it stands
/// for when the decision picks an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alt {
    /// How the alternative is written in canonical strings; unique within its decision.
    pub label: String,
    /// The op this alternative selects, if the decision chooses operations.
    pub op: Option<Op>,
}

impl Alt {
    /// An alternative that selects an op and is labelled with the op's name.
    pub fn op(op: Op) -> Self {
        Alt {
            label: op.name.clone(),
            op: Some(op),
        }
    }

    /// An alternative that is just a label (a value choice such as `3`).
    pub fn label(label: impl Into<String>) -> Self {
        Alt {
            label: label.into(),
            op: None,
        }
    }
}

/// The set of values a decision ranges over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Domain {
    /// One of several labelled alternatives.
    Categorical(Vec<Alt>),
    /// An integer in `lo..=hi`.
    Integer {
        /// Smallest value.
        lo: i64,
        /// Largest value.
        hi: i64,
    },
    /// `false` or `true`.
    Boolean,
    /// A depth in `lo..=hi`: how many copies of a repeated part are present; deeper copies'
    /// decisions are guarded by it.
    Depth {
        /// Fewest copies.
        lo: i64,
        /// Most copies.
        hi: i64,
    },
    /// `k` distinct candidates out of the list, unordered (`2 of [a, b, c]`).
    Pick {
        /// How many are picked.
        k: u32,
        /// The candidates' names, in order (at most 64).
        candidates: Vec<String>,
    },
    /// Any subset of the candidates, the empty one included (`any of [a, b, c]`).
    Subset {
        /// The candidates' names, in order (at most 64).
        candidates: Vec<String>,
    },
}

/// When a guarded decision is active, given its parent's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum When {
    /// The parent (integer or depth) is at least this value; a categorical parent (a chosen
    /// depth among counts such as `2 | 4`) picked this alternative or a later one.
    AtLeast(i64),
    /// The parent (categorical) picked this alternative, or (boolean) is `true` for 1.
    Is(u32),
    /// The parent (categorical) picked another alternative than this one, or (boolean) is
    /// not `true` for 1.
    IsNot(u32),
    /// The parent (integer) holds this value.
    Equals(i64),
    /// The parent (integer) holds another value than this one.
    Differs(i64),
}

/// A decision is active only when its parent is active and the parent's value satisfies `when`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// Index of the parent decision; it comes earlier in the space's order.
    pub parent: usize,
    /// The condition on the parent's value.
    pub when: When,
}

/// One open choice of a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// A name unique within the space, without spaces or `=` (`cell.x2.e1`).
    pub name: String,
    /// The values it ranges over.
    pub domain: Domain,
    /// The condition that switches it on, if it is not always on.
    pub guard: Option<Guard>,
}

/// The value one decision holds in an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Value {
    /// The decision is inactive (its guard does not hold).
    Off,
    /// A categorical alternative, by index.
    Cat(u32),
    /// An integer or depth.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A pick or subset, as a bit set over candidate indices.
    Set(u64),
}

impl Domain {
    /// Number of candidates of a pick or subset, else 0.
    pub fn candidate_count(&self) -> usize {
        match self {
            Domain::Pick { candidates, .. } | Domain::Subset { candidates } => candidates.len(),
            _ => 0,
        }
    }

    /// Number of values, when it fits in a `u128` (all domains do except huge subsets, which
    /// are limited to 64 candidates and so fit too).
    pub fn size(&self) -> u128 {
        match self {
            Domain::Categorical(alts) => alts.len() as u128,
            Domain::Integer { lo, hi } | Domain::Depth { lo, hi } => {
                if hi < lo {
                    0
                } else {
                    (*hi as i128 - *lo as i128 + 1) as u128
                }
            }
            Domain::Boolean => 2,
            Domain::Pick { k, candidates } => binomial(candidates.len() as u32, *k),
            Domain::Subset { candidates } => 1u128 << candidates.len(),
        }
    }

    /// The `i`-th value in the domain's canonical order (`i < size()`): alternatives in order,
    /// integers ascending, `false` before `true`, picks and subsets in ascending bit-set order.
    pub fn value_at(&self, i: u128) -> Value {
        match self {
            Domain::Categorical(_) => Value::Cat(i as u32),
            Domain::Integer { lo, .. } | Domain::Depth { lo, .. } => Value::Int(lo + i as i64),
            Domain::Boolean => Value::Bool(i == 1),
            Domain::Pick { k, candidates } => {
                Value::Set(nth_combination(candidates.len() as u32, *k, i))
            }
            Domain::Subset { .. } => Value::Set(i as u64),
        }
    }

    /// Whether `v` is a value of this domain.
    pub fn contains(&self, v: Value) -> bool {
        match (self, v) {
            (Domain::Categorical(alts), Value::Cat(i)) => (i as usize) < alts.len(),
            (Domain::Integer { lo, hi } | Domain::Depth { lo, hi }, Value::Int(x)) => {
                *lo <= x && x <= *hi
            }
            (Domain::Boolean, Value::Bool(_)) => true,
            (Domain::Pick { k, candidates }, Value::Set(s)) => {
                s.count_ones() == *k && fits(s, candidates.len())
            }
            (Domain::Subset { candidates }, Value::Set(s)) => fits(s, candidates.len()),
            _ => false,
        }
    }
}

fn fits(set: u64, n: usize) -> bool {
    n >= 64 || set >> n == 0
}

impl When {
    /// Whether a parent value satisfies this condition.
    pub fn holds(self, parent: Value) -> bool {
        match (self, parent) {
            (When::AtLeast(k), Value::Int(x)) => x >= k,
            (When::AtLeast(k), Value::Cat(c)) => c as i64 >= k,
            (When::Is(i), Value::Cat(c)) => c == i,
            (When::Is(i), Value::Bool(b)) => (i == 1) == b,
            (When::IsNot(i), Value::Cat(c)) => c != i,
            (When::IsNot(i), Value::Bool(b)) => (i == 1) != b,
            (When::Equals(k), Value::Int(x)) => x == k,
            (When::Differs(k), Value::Int(x)) => x != k,
            _ => false,
        }
    }
}

/// `n choose k` (0 when `k > n`).
pub fn binomial(n: u32, k: u32) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut r: u128 = 1;
    for i in 0..k {
        r = r * (n - i) as u128 / (i + 1) as u128;
    }
    r
}

/// The `i`-th `k`-subset of `0..n` in ascending order of its bit set.
fn nth_combination(n: u32, k: u32, mut i: u128) -> u64 {
    // Build from the highest bit down: the subsets whose highest element is below `b` number
    // binomial(b, k); skip past them.
    let mut set = 0u64;
    let mut k = k;
    let mut top = n;
    while k > 0 {
        let mut b = k - 1;
        while b + 1 < top && binomial(b + 1, k) <= i {
            b += 1;
        }
        i -= binomial(b, k);
        set |= 1 << b;
        top = b;
        k -= 1;
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_come_in_ascending_order() {
        let d = Domain::Pick {
            k: 2,
            candidates: ["a", "b", "c", "d"].map(String::from).to_vec(),
        };
        let sets: Vec<u64> = (0..d.size())
            .map(|i| match d.value_at(i) {
                Value::Set(s) => s,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sets, vec![0b0011, 0b0101, 0b0110, 0b1001, 0b1010, 0b1100]);
        assert!(sets.iter().all(|&s| d.contains(Value::Set(s))));
        assert!(!d.contains(Value::Set(0b0111)));
        assert!(!d.contains(Value::Set(0b1_0001)));
    }

    #[test]
    fn binomials() {
        assert_eq!(binomial(5, 2), 10);
        assert_eq!(binomial(64, 32), 1_832_624_140_942_590_534);
        assert_eq!(binomial(3, 4), 0);
    }

    #[test]
    fn guards() {
        assert!(When::AtLeast(3).holds(Value::Int(3)));
        assert!(!When::AtLeast(3).holds(Value::Int(2)));
        assert!(When::Is(1).holds(Value::Bool(true)));
        assert!(!When::Is(1).holds(Value::Off));
        assert!(When::IsNot(1).holds(Value::Cat(0)));
        assert!(!When::IsNot(1).holds(Value::Cat(1)));
        assert!(!When::IsNot(1).holds(Value::Off));
        assert!(When::Equals(-2).holds(Value::Int(-2)));
        assert!(When::Differs(-2).holds(Value::Int(3)));
        assert!(!When::Differs(-2).holds(Value::Off));
    }
}
