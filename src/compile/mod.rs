//! Compiling architectures into libtorch graphs: the op library (one file per kind of op),
//! composite blocks, recurrent cells, and whole networks from a space's skeleton (image
//! networks in [`network`], NAS-Bench-101 cells in [`nb101`], language models in
//! [`sequence`]). Every op is a [`Layer`] with a fallible forward pass; parameters are registered
//! in a `tch` variable store under their path in the architecture, so checkpoints are readable.

pub mod activation;
pub mod blocks;
pub mod catalog;
pub mod conv;
pub mod describe;
pub mod embedding;
pub mod error;
pub mod flops;
pub mod graph_cell;
pub mod init;
pub mod ir_op;
pub mod layer;
pub mod linear;
pub mod merge;
pub mod named;
pub mod nb101;
pub mod network;
pub mod norm;
pub mod op;
pub mod parallel;
pub mod pool;
pub mod sequence;
pub mod structural;

pub use error::CompileError;
pub use layer::{BoxLayer, Layer, Sequential};
pub use op::{parameter_count, shape_and_macs, OpSpec};
