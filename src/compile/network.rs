//! A whole network from a space's skeleton and an architecture: the pipeline's steps in order
//! (steps switched off by a chosen depth left out), wired by [`crate::wiring`]'s plan — each
//! layer on the latest output, each cell on the outputs the plan says it reads, through the
//! preprocessing it says, its `stride` on the edges that read its inputs (a reduction cell).
//! A cell of NAS-Bench-101's form is built as that benchmark builds it ([`super::nb101`]).

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
use crate::wiring::{self, CellFrame, Feature, History, Pre};
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
        let mut recent = History::new(
            Feature {
                channels: in_channels,
                scale: 1,
            },
            usize::MAX,
        );
        let mut stages = Vec::new();
        let mut keep = 1;
        let mut cells = 0;
        for (i, step) in skeleton.steps.iter().enumerate() {
            if let Some(g) = step.guard {
                if !values.get(g.parent).is_some_and(|v| g.when.holds(*v)) {
                    continue;
                }
            }
            let newest = *recent.newest();
            match &step.kind {
                StepKind::Op(r) => {
                    let spec = plain.spec(r)?;
                    let q = p / "layers" / i;
                    let (layer, channels) = build_named(&spec, &q, newest.channels)?;
                    stages.push(Stage::Layer(i, layer));
                    recent.layer(newest.after(channels, spatial_stride(&spec))?);
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
                    recent.cell(newest.after(c, 1)?);
                }
                StepKind::Cell(call) => {
                    let q = p / "cells" / cells;
                    let (stage, out) = cell_stage(&q, cells, space, arch, call, &recent)?;
                    cells += 1;
                    if let Stage::Cell { cell, .. } = &stage {
                        keep = keep.max(cell.inputs());
                    }
                    stages.push(stage);
                    recent.cell(out);
                }
            }
        }
        Ok(SpaceNet { stages, keep })
    }
}

fn cell_stage(
    p: &nn::Path,
    index: usize,
    space: &Space,
    arch: &Architecture,
    call: &CellCall,
    recent: &History<Feature>,
) -> Result<(Stage, Feature), CompileError> {
    let graph = &call.instance;
    let (pre, channels, frame) = cell_pre(p, call, recent)?;
    let spec = CellSpec {
        resolver: Resolver {
            space,
            arch,
            alternatives: Some(&call.alternatives),
        },
        graph,
        frame,
        channels,
    };
    let (cell, c_out) = GraphCell::new(p, &spec)?;
    let out = Feature {
        channels: c_out,
        scale: frame.output_scale()?,
    };
    Ok((Stage::Cell { index, pre, cell }, out))
}

/// What [`cell_pre`] gives: the layers before a cell's inputs, their channels, where the
/// cell's edges run.
pub(crate) type CellPre = (Vec<Option<BoxLayer>>, Vec<i64>, CellFrame);

/// The layers that bring a cell call's inputs (the outputs of `recent` the wiring plan says
/// it reads) to its channel count (none for a one-input cell), the channels of each input
/// after them, and where the cell's edges run (its `stride` argument on the edges from its
/// inputs).
pub(crate) fn cell_pre(
    p: &nn::Path,
    call: &CellCall,
    recent: &History<Feature>,
) -> Result<CellPre, CompileError> {
    let graph = &call.instance;
    let k = graph.inputs.len();
    let c = if k >= 2 {
        Some(first_int_arg(p, call)?)
    } else {
        None
    };
    let wired = wiring::cell_inputs(recent.as_slice(), k, c)
        .map_err(|e| CompileError::bad_op(p, &graph.name, e.to_string()))?;
    let mut pre = Vec::with_capacity(k);
    let mut channels = Vec::with_capacity(k);
    for (j, w) in wired.iter().enumerate() {
        let c_in = recent.as_slice()[w.read].channels;
        let c = w.shape.channels;
        let q = p / format!("pre{j}");
        pre.push(match w.pre {
            Some(Pre::FactorizedReduce) => Some(boxed(FactorizedReduce::new(&q, c_in, c)?)),
            Some(Pre::ReluConvBn) => {
                Some(boxed(relu_conv_bn(&q, c_in, ConvConfig::new(c, 1), true)?))
            }
            Some(Pre::Keep) | None => None,
        });
        channels.push(c);
    }
    let frame = CellFrame {
        inputs: k,
        stride: call.int_arg(wiring::STRIDE).unwrap_or(1),
        scale: recent.newest().scale,
    };
    Ok((pre, channels, frame))
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
        let mut recent = History::new(xs.shallow_clone(), self.keep);
        for stage in &self.stages {
            match stage {
                Stage::Layer(_, layer) => {
                    let y = layer.forward(recent.newest(), train)?;
                    recent.layer(y);
                }
                Stage::Single(_, cell) => {
                    let y = cell.forward(recent.newest(), train)?;
                    recent.cell(y);
                }
                Stage::Cell { pre, cell, .. } => {
                    let mut inputs: Vec<Tensor> = recent
                        .reads(cell.inputs())
                        .map(Tensor::shallow_clone)
                        .collect();
                    for (x, layer) in inputs.iter_mut().zip(pre) {
                        if let Some(layer) = layer {
                            *x = layer.forward(x, train)?;
                        }
                    }
                    let y = cell.run(&inputs, train)?;
                    recent.cell(y);
                }
            }
        }
        Ok(recent.into_newest())
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
