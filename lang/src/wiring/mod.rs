//! The wiring plan of a network, over plain data: which earlier outputs each step reads, what
//! each of a cell's inputs goes through before the cell's nodes read it, and the shape that
//! comes out — the one rule the checker's shape inference, the compiler and the supernet
//! follow. Nothing here knows the AST or the space IR: each caller adapts its own view of a
//! step (a shape, a tracked [`Feature`], a tensor) and consumes the plan's answers.
//!
//! The rule (DARTS' conventions):
//! - a layer reads the newest output, and its output starts the [`History`] afresh;
//! - a cell with `k` inputs reads the `k` most recent outputs, oldest first; where fewer
//!   have been made since the last layer, the oldest (that layer's output) stands in for the
//!   missing ones ([`reads`]);
//! - a cell with two or more inputs first brings each to `c` channels (its first argument) at
//!   the newest input's resolution: through a factorized reduce from twice the resolution,
//!   else through ReLU–conv1×1–BN; anything else is an error ([`cell_inputs`]);
//! - a cell's `stride` applies to every edge that reads one of its inputs, so its output is
//!   that many times smaller ([`CellFrame`]).
//!
//! Arithmetic on sizes is one checked evaluator ([`size`]).

mod plan;
pub mod size;

pub use plan::{
    cell_inputs, reads, CellFrame, CellInput, Edge, Feature, History, Pre, Resolution, Wired,
    WiringError, STRIDE,
};
