//! What a compiled network is made of, as plain data: every [`super::Layer`] describes itself
//! as a [`Module`] (its kind, the settings its forward pass uses, and its parts under the
//! names their variables live under), so that a network can be written out in another
//! framework with the same structure and the same variable names (`nas export`).

use super::activation::Activation;
use super::pool::PoolKind;
use crate::space::Combine;

/// One compiled op and its parts; a part's name is the path component its variables are
/// registered under, so a part's variables are `NAME.…` below its parent's.
#[derive(Debug, Clone, PartialEq)]
pub enum Module {
    /// A convolution with "same" padding (`weight`, and `bias` when it has one).
    Conv {
        /// Input channels.
        c_in: i64,
        /// Output channels.
        c_out: i64,
        /// Kernel height and width.
        kernel: [i64; 2],
        /// Stride.
        stride: i64,
        /// Dilation.
        dilation: i64,
        /// Channel groups.
        groups: i64,
        /// Whether a bias is added.
        bias: bool,
    },
    /// Batch norm over dimension 1 (`running_mean`, `running_var`, and `weight`, `bias` when
    /// affine).
    BatchNorm {
        /// Channels.
        channels: i64,
        /// Whether a scale and shift are learned.
        affine: bool,
    },
    /// Layer norm over the last dimension (`weight`, `bias`).
    LayerNorm {
        /// Size of the last dimension.
        dim: i64,
    },
    /// A pointwise activation.
    Act(Activation),
    /// A pooling window with padding `kernel / 2` (average pooling does not count it).
    Pool {
        /// Max or average.
        kind: PoolKind,
        /// Window size.
        kernel: i64,
        /// Stride.
        stride: i64,
    },
    /// The mean over the spatial positions.
    GlobalAvgPool,
    /// Flattens all dimensions after the batch.
    Flatten,
    /// The input itself.
    Identity,
    /// Zeros, subsampled by `stride`.
    Zero {
        /// Spatial subsampling.
        stride: i64,
    },
    /// Dropout (off in evaluation).
    Dropout {
        /// Drop probability.
        p: f64,
        /// One mask per sequence and feature, shared by every step (`locked_dropout`).
        locked: bool,
    },
    /// A fully connected layer whose weight is the network's embedding matrix, shared; only
    /// its `bias` is its own.
    TiedLinear {
        /// Input features (the embedding's width).
        d_in: i64,
        /// Output features (the embedding's vocabulary).
        d_out: i64,
    },
    /// A fully connected layer (`weight`, and `bias` when it has one).
    Linear {
        /// Input features.
        d_in: i64,
        /// Output features.
        d_out: i64,
        /// Whether a bias is added.
        bias: bool,
    },
    /// A lookup table of token vectors (`weight`); an input `[B, T, 1]` is read as `[B, T]`.
    Embedding {
        /// Vocabulary size.
        vocab: i64,
        /// Width of the vectors.
        dim: i64,
    },
    /// Parts applied in order.
    Seq(Vec<(String, Module)>),
    /// Branches (`b0`, `b1`, …) applied to the same input, merged.
    Parallel {
        /// How the branch outputs merge.
        combine: Combine,
        /// The branches.
        branches: Vec<Module>,
    },
    /// ReLU, two 1×1 stride-2 convolutions (`conv_0`, and `conv_1` on the input shifted by one
    /// pixel), concatenated, then batch norm (`bn`).
    FactorizedReduce {
        /// Input channels.
        c_in: i64,
        /// Output channels.
        c_out: i64,
    },
    /// ShuffleNet's channel shuffle in `groups` groups (no variables).
    ChannelShuffle {
        /// The groups.
        groups: i64,
    },
    /// Parts applied in order, plus the input when `residual`.
    Residual {
        /// The parts, each under its name.
        parts: Vec<(String, Module)>,
        /// Whether the input is added to the body's output.
        residual: bool,
    },
    /// NAS-Bench-201's residual block: `conv_b(conv_a(x))` plus the shortcut.
    ResBlock {
        /// The first ReLU–conv–BN.
        conv_a: Box<Module>,
        /// The second.
        conv_b: Box<Module>,
        /// The shortcut, under `downsample`.
        shortcut: Shortcut,
    },
    /// A pool (`pool`), after a channel adaptation (`adapt`) when there is one.
    ChannelPool {
        /// The ReLU–conv1×1–BN that changes the channel count.
        adapt: Option<Box<Module>>,
        /// The pool.
        pool: Box<Module>,
    },
    /// A whole image network from a space's skeleton.
    Network {
        /// Its steps, in order.
        stages: Vec<Stage>,
        /// How many recent outputs a stage may read.
        keep: usize,
    },
    /// A NAS-Bench-101 cell (see [`super::nb101`]).
    Nb101Cell(Nb101Module),
    /// A language model: layers over the token window and recurrent cells unrolled over its
    /// steps, in pipeline order.
    Sequence {
        /// Its layers (under `layers.INDEX`) and cells (under `cell`, `cell1`, …), in order.
        stages: Vec<SequenceStage>,
    },
}

/// One stage of a language model's pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum SequenceStage {
    /// A layer over the whole window, with its step index (under `layers.INDEX`).
    Layer(usize, Module),
    /// A recurrent cell unrolled over the window's steps.
    Cell {
        /// The cell.
        cell: Box<CellModule>,
        /// Width of its hidden states.
        hidden: i64,
        /// Its vertices that its named states take for the next step (empty: the states are
        /// its outputs of the previous steps).
        next: Vec<usize>,
    },
}

/// NAS-Bench-201's residual shortcut.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortcut {
    /// The input itself.
    Identity,
    /// A 2×2 average pool, then this 1×1 convolution.
    PoolConv(Box<Module>),
    /// This module (a ReLU–conv1×1–BN).
    Module(Box<Module>),
}

/// One step of a [`Module::Network`].
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// A layer on the latest output, under `layers.INDEX` (its step index); it starts a new
    /// list of recent outputs.
    Layer(usize, Module),
    /// A one-input cell built as a whole (under `cells.INDEX`), on the latest output.
    Single(usize, Module),
    /// A cell under `cells.INDEX`, reading the most recent outputs.
    Cell(usize, CellModule),
}

/// A compiled cell: its inputs (each first through its `pre{j}` layer when it has one), its
/// vertices in order, its output.
#[derive(Debug, Clone, PartialEq)]
pub struct CellModule {
    /// The layers before each input (`None`: the input as it is).
    pub pre: Vec<Option<Module>>,
    /// The vertices after the inputs, in order (vertex `inputs + j` is `vertices[j]`).
    pub vertices: Vec<VertexModule>,
    /// The output vertex.
    pub output: VertexModule,
}

/// How one vertex of a cell is computed.
#[derive(Debug, Clone, PartialEq)]
pub enum VertexModule {
    /// `post(combine(edge(source) for each term))`; an edge is under `edges.NAME`, the post op
    /// under `post.NAME`.
    Merge {
        /// How the terms merge.
        combine: Combine,
        /// Each term's source vertex and its op (none: the source as it is).
        terms: Vec<(usize, Option<(String, Module)>)>,
        /// The op after the merge.
        post: Option<(String, Module)>,
    },
    /// The value of an earlier vertex.
    Pass(usize),
    /// No value.
    Absent,
}

/// A NAS-Bench-101 cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Nb101Module {
    /// The computed vertices in order (value `t` is `vertices[t - 1]`, value 0 the input).
    pub vertices: Vec<Nb101Vertex>,
    /// The values the output concatenates.
    pub concat: Vec<usize>,
    /// The input's projection added to the output (under `output.proj`).
    pub projection: Option<Box<Module>>,
}

/// One vertex of a NAS-Bench-101 cell, under `NAME` (`vertex_3`): the sum of its interior
/// inputs (each cut to its first channels) and its projected input (`NAME.proj`), through its
/// op (`NAME.op`).
#[derive(Debug, Clone, PartialEq)]
pub struct Nb101Vertex {
    /// Its name in the cell.
    pub name: String,
    /// The values it reads and the channels kept of each.
    pub interior: Vec<(usize, i64)>,
    /// The projection of the cell's input.
    pub projection: Option<Module>,
    /// Its op.
    pub op: Module,
}
