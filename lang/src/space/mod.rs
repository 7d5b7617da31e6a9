//! The space IR: decisions, constraints and architectures.
//!
//! A [`Space`] is an ordered list of [`Decision`]s (categorical, integer, boolean, depth,
//! `k`-of-`n` picks and any-subsets), each maybe guarded by an earlier one (a depth switching
//! deeper copies on and off), plus [`Constraint`]s and the [`Graph`] templates the decisions
//! shape. An [`Architecture`] assigns every active decision. On these the module offers exact
//! counting, enumeration, seeded uniform sampling, mutation, neighbours and crossover, a
//! canonical text form and a JSON form, and an isomorphism hash.

mod arch;
mod canon;
mod constraint;
mod decision;
mod enumerate;
mod error;
mod graph;
mod ir;
mod json;
mod load;
mod lower;
mod lower_alt;
mod lower_call;
mod lower_cell;
mod lower_network;
pub mod network_size;
pub mod resource;
mod sample;
mod show;
mod skeleton;
mod text;
mod unique;
mod verify;

pub use arch::Architecture;
pub use canon::{resolve, resolve_op};
pub use constraint::{connected, BinOp, Cmp, Constraint, Expr};
pub use decision::{
    binomial, Alt, Arg, ArgValue, Decision, Domain, Guard, Op, OpKind, Value, When,
};
pub use enumerate::COUNT_LIMIT;
pub use error::SpaceError;
pub use graph::{Combine, Graph, Node, OpRef, Source, Term};
pub use ir::Space;
pub use load::{load_space, load_space_with, stdlib_spaces};
pub use lower::{lower_space, lower_space_with};
pub use resource::{ArchMetric, Measure, ResourceBound, RESOURCE_COUNT_LIMIT, RESOURCE_TRIES};
pub use sample::{rng, MAX_TRIES};
pub use skeleton::{CellCall, InputShape, Skeleton, Step, StepKind};
pub use unique::Equivalence;
pub use verify::verify;
