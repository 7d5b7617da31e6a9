//! NAS-Bench-201 networks from the benchmark's architecture strings
//! (`|nor_conv_3x3~0|+|skip_connect~0|none~1|+|…|`): a stem, three stages of `n` cells with the
//! same genotype separated by residual blocks of stride 2, and a classifier — the network of
//! the benchmark's `TinyNetwork`, with parameters named `stem`, `cells.K.edges.J<-I`,
//! `lastact`, `classifier`.

use super::activation::Activation;
use super::blocks::{relu_conv_bn, ChannelPool, ResBlock};
use super::conv::{Conv2d, ConvConfig};
use super::error::CompileError;
use super::layer::{boxed, BoxLayer, Layer, Sequential};
use super::linear::Linear;
use super::merge;
use super::norm::BatchNorm;
use super::pool::{GlobalAvgPool, PoolKind};
use super::structural::Identity;
use tch::nn;
use tch::{TchError, Tensor};

/// The five operations of a NAS-Bench-201 edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nb201Op {
    /// `none`: the edge contributes zeros.
    None,
    /// `skip_connect`: the identity.
    Skip,
    /// `nor_conv_1x1`: ReLU–conv1×1–BN.
    Conv1x1,
    /// `nor_conv_3x3`: ReLU–conv3×3–BN.
    Conv3x3,
    /// `avg_pool_3x3`: 3×3 average pooling, padding not counted.
    AvgPool3x3,
}

impl Nb201Op {
    /// All five, in the benchmark's order.
    pub const ALL: [Nb201Op; 5] = [
        Nb201Op::None,
        Nb201Op::Skip,
        Nb201Op::Conv1x1,
        Nb201Op::Conv3x3,
        Nb201Op::AvgPool3x3,
    ];

    /// The benchmark's name of the op.
    pub fn name(self) -> &'static str {
        match self {
            Nb201Op::None => "none",
            Nb201Op::Skip => "skip_connect",
            Nb201Op::Conv1x1 => "nor_conv_1x1",
            Nb201Op::Conv3x3 => "nor_conv_3x3",
            Nb201Op::AvgPool3x3 => "avg_pool_3x3",
        }
    }

    /// The op named `name` in the benchmark.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Builds the op on `c` channels (stride 1, as in every cell); `None` for `none`.
    fn build(self, p: &nn::Path, c: i64) -> Result<Option<BoxLayer>, CompileError> {
        Ok(Some(match self {
            Nb201Op::None => return Ok(None),
            Nb201Op::Skip => boxed(Identity),
            Nb201Op::Conv1x1 => boxed(relu_conv_bn(p, c, ConvConfig::new(c, 1), true)?),
            Nb201Op::Conv3x3 => boxed(relu_conv_bn(p, c, ConvConfig::new(c, 3), true)?),
            Nb201Op::AvgPool3x3 => boxed(ChannelPool::new(p, c, c, PoolKind::Avg, 3, 1)?),
        }))
    }
}

/// A cell's genotype: `nodes[j-1][i]` is the op on the edge from vertex `i` to vertex `j`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nb201Genotype {
    /// For each computed vertex 1, 2, …, the ops on its edges from vertices 0, 1, ….
    pub nodes: Vec<Vec<Nb201Op>>,
}

impl Nb201Genotype {
    /// Parses the benchmark's string form.
    pub fn parse(text: &str) -> Result<Self, CompileError> {
        let bad = |message: String| CompileError::BadArch {
            text: text.to_string(),
            message,
        };
        let mut nodes = Vec::new();
        for (j, part) in text.trim().split('+').enumerate() {
            let part = part.trim();
            let inner = part
                .strip_prefix('|')
                .and_then(|p| p.strip_suffix('|'))
                .ok_or_else(|| {
                    bad(format!(
                        "node {} `{part}` must be written `|op~i|…|`",
                        j + 1
                    ))
                })?;
            let mut ops = vec![None; j + 1];
            for edge in inner.split('|') {
                let (name, from) = edge
                    .split_once('~')
                    .ok_or_else(|| bad(format!("edge `{edge}` must be written `op~i`")))?;
                let op = Nb201Op::from_name(name).ok_or_else(|| {
                    bad(format!(
                        "unknown op `{name}` (expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)"
                    ))
                })?;
                let from: usize =
                    from.parse().ok().filter(|&i| i <= j).ok_or_else(|| {
                        bad(format!("node {} cannot read vertex `{from}`", j + 1))
                    })?;
                if ops[from].replace(op).is_some() {
                    return Err(bad(format!("node {} reads vertex {from} twice", j + 1)));
                }
            }
            let ops: Option<Vec<_>> = ops.into_iter().collect();
            nodes.push(ops.ok_or_else(|| {
                bad(format!(
                    "node {} needs one edge from each of vertices 0..={j}",
                    j + 1
                ))
            })?);
        }
        Ok(Nb201Genotype { nodes })
    }

    /// The genotype with `op` on every edge of a cell of `nodes` computed vertices.
    pub fn uniform(op: Nb201Op, nodes: usize) -> Self {
        Nb201Genotype {
            nodes: (1..=nodes).map(|j| vec![op; j]).collect(),
        }
    }
}

impl std::fmt::Display for Nb201Genotype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (j, ops) in self.nodes.iter().enumerate() {
            if j > 0 {
                write!(f, "+")?;
            }
            write!(f, "|")?;
            for (i, op) in ops.iter().enumerate() {
                write!(f, "{}~{i}|", op.name())?;
            }
        }
        Ok(())
    }
}

/// The size of a NAS-Bench-201 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nb201Config {
    /// Channels of the first stage (16 in the benchmark).
    pub channels: i64,
    /// Cells per stage (5 in the benchmark).
    pub cells: usize,
    /// Output classes.
    pub classes: i64,
    /// Channels of the input images.
    pub in_channels: i64,
}

impl Default for Nb201Config {
    fn default() -> Self {
        Nb201Config {
            channels: 16,
            cells: 5,
            classes: 10,
            in_channels: 3,
        }
    }
}

/// One searched cell: the live (non-`none`) edges and the vertex count.
#[derive(Debug)]
struct Cell {
    /// `(to, from, op)` for every edge whose op is not `none`.
    edges: Vec<(usize, usize, BoxLayer)>,
    vertices: usize,
}

impl Cell {
    fn new(p: &nn::Path, genotype: &Nb201Genotype, c: i64) -> Result<Self, CompileError> {
        let mut edges = Vec::new();
        for (j, ops) in genotype.nodes.iter().enumerate() {
            for (i, op) in ops.iter().enumerate() {
                let to = j + 1;
                if let Some(layer) = op.build(&(p / "edges" / format!("{to}<-{i}")), c)? {
                    edges.push((to, i, layer));
                }
            }
        }
        Ok(Cell {
            edges,
            vertices: genotype.nodes.len() + 1,
        })
    }
}

impl Layer for Cell {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let mut values = vec![xs.shallow_clone()];
        for to in 1..self.vertices {
            let terms = self
                .edges
                .iter()
                .filter(|(t, _, _)| *t == to)
                .map(|(_, from, op)| op.forward(&values[*from], train))
                .collect::<Result<Vec<_>, _>>()?;
            // A vertex whose edges are all `none` is zero (the benchmark multiplies by 0).
            let value = if terms.is_empty() {
                xs.f_mul_scalar(0.0)?
            } else {
                merge::sum(&terms)?
            };
            values.push(value);
        }
        Ok(values.pop().unwrap_or_else(|| xs.shallow_clone()))
    }
}

/// A NAS-Bench-201 network.
#[derive(Debug)]
pub struct Nb201Net {
    body: Sequential,
}

impl Nb201Net {
    /// Builds the network for `genotype` under `p`.
    pub fn new(
        p: &nn::Path,
        genotype: &Nb201Genotype,
        config: Nb201Config,
    ) -> Result<Self, CompileError> {
        let Nb201Config {
            channels: c,
            cells: n,
            classes,
            in_channels,
        } = config;
        if c < 1 || n < 1 || classes < 1 || in_channels < 1 {
            return Err(CompileError::bad_op(
                p,
                "nb201",
                format!("channels {c}, cells {n}, classes {classes} and input channels {in_channels} must all be positive"),
            ));
        }
        let stem = p / "stem";
        let mut layers = vec![
            boxed(Conv2d::new(
                &(&stem / "conv"),
                in_channels,
                ConvConfig::new(c, 3),
            )?),
            boxed(BatchNorm::new(&(&stem / "bn"), c, true)?),
        ];
        let cells = p / "cells";
        let mut index = 0;
        let mut c_prev = c;
        for stage in 0..3 {
            let c_stage = c << stage;
            if stage > 0 {
                layers.push(boxed(ResBlock::new(&(&cells / index), c_prev, c_stage, 2)?));
                index += 1;
            }
            for _ in 0..n {
                layers.push(boxed(Cell::new(&(&cells / index), genotype, c_stage)?));
                index += 1;
            }
            c_prev = c_stage;
        }
        layers.push(boxed(BatchNorm::new(&(p / "lastact"), c_prev, true)?));
        layers.push(boxed(Activation::Relu));
        layers.push(boxed(GlobalAvgPool));
        layers.push(boxed(Linear::new(
            &(p / "classifier"),
            c_prev,
            classes,
            true,
        )?));
        Ok(Nb201Net {
            body: Sequential::new(layers),
        })
    }
}

impl Layer for Nb201Net {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        self.body.forward(xs, train)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_rejects_benchmark_strings() {
        let text = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|";
        let g = Nb201Genotype::parse(text).unwrap();
        assert_eq!(g.nodes[2], [Nb201Op::Skip, Nb201Op::Conv1x1, Nb201Op::None]);
        assert_eq!(g.to_string(), text);
        for (bad, why) in [
            ("|conv~0|", "unknown op `conv`"),
            ("|none~1|", "cannot read vertex"),
            ("|none~0|+|none~0|", "one edge from each"),
            ("|none~0|+|none~0|none~0|", "twice"),
            ("none~0", "must be written"),
        ] {
            let err = Nb201Genotype::parse(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
