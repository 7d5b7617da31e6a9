//! A whole network from a space's skeleton and an architecture: the pipeline's steps in order
//! (steps switched off by a chosen depth left out), each layer applied to the latest output,
//! each cell to the outputs of the most recent steps.
//!
//! Wiring (the DARTS conventions): a cell with `k` inputs reads the outputs of the `k` most
//! recent cells, oldest first; where fewer cells have run since the last layer, that layer's
//! output stands in for the missing ones (the stem feeds both inputs of DARTS' first cell).
//! A cell with two or more inputs first brings each input to `c` channels, `c` being its first
//! argument: an input at a higher resolution than the newest through a factorized reduce,
//! every other through ReLU–conv1×1–BN. A cell with a `stride` argument applies that stride to
//! every edge that reads one of its inputs (a reduction cell). A cell of NAS-Bench-101's form
//! is built as that benchmark builds it ([`super::nb101`]).

use super::blocks::{relu_conv_bn, FactorizedReduce};
use super::conv::ConvConfig;
use super::describe::{self, Module};
use super::error::CompileError;
use super::graph_cell::{CellSpec, GraphCell};
use super::ir_op::{spatial_stride, Resolver};
use super::layer::{boxed, BoxLayer, Layer};
use super::named::build_named;
use super::nb101::{is_nb101_cell, Nb101Cell};
use crate::space::{Architecture, ArgValue, CellCall, Space, StepKind};
use tch::{nn, TchError, Tensor};

/// One compiled step, with its index among the skeleton's steps (a layer) or the cells (a
/// cell), which names its variables.
#[derive(Debug)]
enum Stage {
    Layer(usize, BoxLayer),
    /// A one-input cell built as a whole (NAS-Bench-101's).
    Single(usize, BoxLayer),
    Cell {
        index: usize,
        pre: Vec<Option<BoxLayer>>,
        cell: GraphCell,
    },
}

/// A network compiled from a space's skeleton.
#[derive(Debug)]
pub struct SpaceNet {
    stages: Vec<Stage>,
    /// Most cell inputs any stage reads (how many recent outputs to keep).
    keep: usize,
}

/// An output the next stages may read: its channels and how much smaller than the input
/// image it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tracked {
    /// Its channels.
    pub channels: i64,
    /// How many times smaller than the input image it is.
    pub scale: i64,
}

impl SpaceNet {
    /// Builds `arch` of `space` under `p` for inputs with `in_channels` channels.
    pub fn new(
        p: &nn::Path,
        space: &Space,
        arch: &Architecture,
        in_channels: i64,
    ) -> Result<SpaceNet, CompileError> {
        let skeleton = space.skeleton();
        if skeleton.steps.is_empty() {
            return Err(CompileError::UnknownSpace {
                space: space.name().to_string(),
                message: "the space has no network pipeline to compile".into(),
            });
        }
        let values = arch.values();
        let plain = Resolver {
            space,
            arch,
            alternatives: None,
        };
        let mut recent = vec![Tracked {
            channels: in_channels,
            scale: 1,
        }];
        let mut stages = Vec::new();
        let mut keep = 1;
        let mut cells = 0;
        for (i, step) in skeleton.steps.iter().enumerate() {
            if let Some(g) = step.guard {
                if !values.get(g.parent).is_some_and(|v| g.when.holds(*v)) {
                    continue;
                }
            }
            let newest = recent[recent.len() - 1];
            match &step.kind {
                StepKind::Op(r) => {
                    let spec = plain.spec(r)?;
                    let q = p / "layers" / i;
                    let (layer, channels) = build_named(&spec, &q, newest.channels)?;
                    let scale = newest.scale * spatial_stride(&spec).max(1);
                    stages.push(Stage::Layer(i, layer));
                    recent = vec![Tracked { channels, scale }];
                }
                StepKind::Cell(call) if is_nb101_cell(&call.instance) => {
                    let q = p / "cells" / cells;
                    let c = first_int_arg(&q, call)?;
                    let resolver = Resolver {
                        space,
                        arch,
                        alternatives: Some(&call.alternatives),
                    };
                    let cell = Nb101Cell::new(&q, &resolver, &call.instance, newest.channels, c)?;
                    stages.push(Stage::Single(cells, boxed(cell)));
                    cells += 1;
                    recent.push(Tracked {
                        channels: c,
                        scale: newest.scale,
                    });
                }
                StepKind::Cell(call) => {
                    let q = p / "cells" / cells;
                    let (stage, out) = cell_stage(&q, cells, space, arch, call, &recent)?;
                    cells += 1;
                    if let Stage::Cell { cell, .. } = &stage {
                        keep = keep.max(cell.inputs());
                    }
                    stages.push(stage);
                    recent.push(out);
                }
            }
        }
        Ok(SpaceNet { stages, keep })
    }
}

/// Which of `n` recent outputs a cell with `k` inputs reads, oldest first (the oldest
/// available repeated where there are fewer than `k`).
pub(crate) fn last_k(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..k).map(move |j| (n + j).saturating_sub(k))
}

fn cell_stage(
    p: &nn::Path,
    index: usize,
    space: &Space,
    arch: &Architecture,
    call: &CellCall,
    recent: &[Tracked],
) -> Result<(Stage, Tracked), CompileError> {
    let graph = &call.instance;
    let (pre, channels, newest) = cell_pre(p, call, recent)?;
    let stride = call.int_arg("stride").unwrap_or(1);
    let spec = CellSpec {
        resolver: Resolver {
            space,
            arch,
            alternatives: Some(&call.alternatives),
        },
        graph,
        stride,
        channels,
    };
    let (cell, c_out) = GraphCell::new(p, &spec)?;
    let out = Tracked {
        channels: c_out,
        scale: newest.scale * stride,
    };
    Ok((Stage::Cell { index, pre, cell }, out))
}

/// What [`cell_pre`] gives: the layers before a cell's inputs, their channels, the newest
/// input.
pub(crate) type CellPre = (Vec<Option<BoxLayer>>, Vec<i64>, Tracked);

/// The layers that bring a cell call's inputs (the last outputs of `recent`, see [`last_k`])
/// to its channel count (none for a one-input cell), the channels of each input after them,
/// and the newest input.
pub(crate) fn cell_pre(
    p: &nn::Path,
    call: &CellCall,
    recent: &[Tracked],
) -> Result<CellPre, CompileError> {
    let graph = &call.instance;
    let k = graph.inputs.len();
    let inputs: Vec<Tracked> = last_k(recent.len(), k).map(|j| recent[j]).collect();
    let newest = inputs[k - 1];
    let mut pre = Vec::with_capacity(k);
    let mut channels = Vec::with_capacity(k);
    if k >= 2 {
        let c = first_int_arg(p, call)?;
        for (j, input) in inputs.iter().enumerate() {
            let q = p / format!("pre{j}");
            let layer = if input.scale * 2 == newest.scale {
                boxed(FactorizedReduce::new(&q, input.channels, c)?)
            } else if input.scale == newest.scale {
                boxed(relu_conv_bn(
                    &q,
                    input.channels,
                    ConvConfig::new(c, 1),
                    true,
                )?)
            } else {
                return Err(CompileError::bad_op(
                    p,
                    &graph.name,
                    "the cell's inputs differ in resolution by more than a factor of 2",
                ));
            };
            pre.push(Some(layer));
            channels.push(c);
        }
    } else {
        pre.push(None);
        channels.push(newest.channels);
    }
    Ok((pre, channels, newest))
}

/// The channel count a cell call gives as its first argument.
pub(crate) fn first_int_arg(p: &nn::Path, call: &CellCall) -> Result<i64, CompileError> {
    match call.args.first() {
        Some((_, ArgValue::Int(c))) => Ok(*c),
        _ => Err(CompileError::bad_op(
            p,
            &call.instance.name,
            "this cell needs a channel count as its first argument",
        )),
    }
}

impl Layer for SpaceNet {
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let mut recent = vec![xs.shallow_clone()];
        for stage in &self.stages {
            match stage {
                Stage::Layer(_, layer) => {
                    let y = layer.forward(&recent[recent.len() - 1], train)?;
                    recent = vec![y];
                }
                Stage::Single(_, cell) => {
                    let y = cell.forward(&recent[recent.len() - 1], train)?;
                    recent.push(y);
                    if recent.len() > self.keep {
                        drop(recent.remove(0));
                    }
                }
                Stage::Cell { pre, cell, .. } => {
                    let mut inputs: Vec<Tensor> = last_k(recent.len(), cell.inputs())
                        .map(|j| recent[j].shallow_clone())
                        .collect();
                    for (x, layer) in inputs.iter_mut().zip(pre) {
                        if let Some(layer) = layer {
                            *x = layer.forward(x, train)?;
                        }
                    }
                    let y = cell.run(&inputs, train)?;
                    recent.push(y);
                    if recent.len() > self.keep {
                        drop(recent.remove(0));
                    }
                }
            }
        }
        recent
            .pop()
            .ok_or_else(|| TchError::Kind("the network produced nothing".into()))
    }

    fn describe(&self) -> Module {
        let stages = self
            .stages
            .iter()
            .map(|stage| match stage {
                Stage::Layer(i, layer) => describe::Stage::Layer(*i, layer.describe()),
                Stage::Single(k, cell) => describe::Stage::Single(*k, cell.describe()),
                Stage::Cell { index, pre, cell } => {
                    let pre = pre
                        .iter()
                        .map(|l| l.as_ref().map(|l| l.describe()))
                        .collect();
                    describe::Stage::Cell(*index, cell.describe(pre))
                }
            })
            .collect();
        Module::Network {
            stages,
            keep: self.keep,
        }
    }
}
