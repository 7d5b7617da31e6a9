//! The weight-sharing supernet of the NAS-Bench-201 space: the benchmark's network (stem,
//! three stages of `cells` cells separated by residual blocks, classifier) whose every cell
//! edge holds all five candidate ops with their own weights, built from the op library in
//! [`crate::compile`]. The architecture parameters α (6 edges × 5 ops) are a tensor of their
//! own, outside the weights' variable store. Candidate ops use batch norm without a learned
//! scale and shift, as DARTS and the benchmark's search code do.

use super::mix::CellMix;
use super::path::{EDGES, OPS};
use super::OneShotError;
use crate::compile::activation::Activation;
use crate::compile::blocks::{relu_conv_bn, ChannelPool, ResBlock};
use crate::compile::conv::{Conv2d, ConvConfig};
use crate::compile::layer::{boxed, BoxLayer};
use crate::compile::linear::Linear;
use crate::compile::nb201::Nb201Op;
use crate::compile::norm::BatchNorm;
use crate::compile::pool::{GlobalAvgPool, PoolKind};
use crate::compile::structural::Identity;
use tch::{nn, Device, Kind, TchError, Tensor};

/// The size of a supernet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupernetConfig {
    /// Channels of the first stage.
    pub channels: i64,
    /// Cells per stage.
    pub cells: usize,
    /// Output classes.
    pub classes: i64,
    /// Channels of the input images.
    pub in_channels: i64,
}

/// One searched cell: `ops[e][k]` is op `k` of edge `e` (`None` for `none`).
#[derive(Debug)]
struct SearchCell {
    ops: Vec<Vec<Option<BoxLayer>>>,
}

/// Builds candidate `op` of an edge on `c` channels; `None` for `none`, which is never run.
fn candidate(p: &nn::Path, op: Nb201Op, c: i64) -> Result<Option<BoxLayer>, OneShotError> {
    Ok(Some(match op {
        Nb201Op::None => return Ok(None),
        Nb201Op::Skip => boxed(Identity),
        Nb201Op::Conv1x1 => boxed(relu_conv_bn(p, c, ConvConfig::new(c, 1), false)?),
        Nb201Op::Conv3x3 => boxed(relu_conv_bn(p, c, ConvConfig::new(c, 3), false)?),
        Nb201Op::AvgPool3x3 => boxed(ChannelPool::new(p, c, c, PoolKind::Avg, 3, 1)?),
    }))
}

impl SearchCell {
    fn new(p: &nn::Path, c: i64) -> Result<Self, OneShotError> {
        let ops = EDGES
            .iter()
            .map(|&(to, from)| {
                let edge = p / "edges" / format!("{to}<-{from}");
                Nb201Op::ALL
                    .iter()
                    .map(|&op| candidate(&(&edge / op.name()), op, c))
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        Ok(SearchCell { ops })
    }

    fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        let mut values = vec![xs.shallow_clone()];
        for to in 1..=3 {
            let mut sum: Option<Tensor> = None;
            for (e, &(t, from)) in EDGES.iter().enumerate() {
                if t != to {
                    continue;
                }
                for term in &mix[e] {
                    let Some(op) = &self.ops[e][term.op] else {
                        continue;
                    };
                    let out = op.forward(&values[from], train)?;
                    let out = match &term.weight {
                        Some(w) => out.f_mul(w)?,
                        None => out,
                    };
                    sum = Some(match sum {
                        Some(s) => s.f_add(&out)?,
                        None => out,
                    });
                }
            }
            values.push(match sum {
                Some(s) => s,
                None => xs.f_mul_scalar(0.0)?,
            });
        }
        Ok(values.pop().unwrap_or_else(|| xs.shallow_clone()))
    }
}

#[derive(Debug)]
enum Part {
    Fixed(BoxLayer),
    Cell(SearchCell),
}

/// The NAS-Bench-201 supernet: shared weights, α, and forward passes under a [`CellMix`].
#[derive(Debug)]
pub struct Supernet {
    parts: Vec<Part>,
    weights: nn::VarStore,
    alpha: Tensor,
    config: SupernetConfig,
}

impl Supernet {
    /// Builds the supernet on `device` with `kind` weights (`Float`, or `Double` for exact
    /// checks); weights and α are drawn from libtorch's generator seeded with `seed`
    /// (α ~ 10⁻³·N(0, 1), as in DARTS).
    pub fn new(
        config: SupernetConfig,
        device: Device,
        kind: Kind,
        seed: i64,
    ) -> Result<Supernet, OneShotError> {
        let SupernetConfig {
            channels: c,
            cells: n,
            classes,
            in_channels,
        } = config;
        if c < 1 || n < 1 || classes < 2 || in_channels < 1 {
            return Err(OneShotError::Config(format!(
                "channels ({c}), cells ({n}) and input channels ({in_channels}) must be positive and classes ({classes}) at least 2"
            )));
        }
        tch::manual_seed(seed);
        let mut weights = nn::VarStore::new(device);
        let root = weights.root();
        let stem = &root / "stem";
        let mut parts = vec![
            Part::Fixed(boxed(Conv2d::new(
                &(&stem / "conv"),
                in_channels,
                ConvConfig::new(c, 3),
            )?)),
            Part::Fixed(boxed(BatchNorm::new(&(&stem / "bn"), c, true)?)),
        ];
        let cells = &root / "cells";
        let mut index = 0;
        let mut c_prev = c;
        for stage in 0..3 {
            let c_stage = c << stage;
            if stage > 0 {
                let block = ResBlock::new(&(&cells / index), c_prev, c_stage, 2)?;
                parts.push(Part::Fixed(boxed(block)));
                index += 1;
            }
            for _ in 0..n {
                parts.push(Part::Cell(SearchCell::new(&(&cells / index), c_stage)?));
                index += 1;
            }
            c_prev = c_stage;
        }
        parts.push(Part::Fixed(boxed(BatchNorm::new(
            &(&root / "lastact"),
            c_prev,
            true,
        )?)));
        parts.push(Part::Fixed(boxed(Activation::Relu)));
        parts.push(Part::Fixed(boxed(GlobalAvgPool)));
        parts.push(Part::Fixed(boxed(Linear::new(
            &(&root / "classifier"),
            c_prev,
            classes,
            true,
        )?)));
        // Batch norm's running statistics are created in single precision: convert them too.
        weights.set_kind(kind);
        let alpha = Tensor::f_randn([EDGES.len() as i64, OPS as i64], (kind, device))?
            .f_mul_scalar(1e-3)?
            .set_requires_grad(true);
        Ok(Supernet {
            parts,
            weights,
            alpha,
            config,
        })
    }

    /// The logits for images `xs` with every cell's edges weighted by `mix`. Batch norm
    /// always normalises with the batch's statistics when `train` (the supernet has no
    /// architecture-independent running statistics to evaluate with).
    pub fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        let mut x = xs.shallow_clone();
        for part in &self.parts {
            x = match part {
                Part::Fixed(layer) => layer.forward(&x, train)?,
                Part::Cell(cell) => cell.forward(&x, mix, train)?,
            };
        }
        Ok(x)
    }

    /// The shared weights (trainable variables, in a fixed order).
    pub fn weights(&self) -> Vec<Tensor> {
        self.weights.trainable_variables()
    }

    /// The shared weights with their names (`cells.0.edges.1<-0.nor_conv_3x3.conv.weight`).
    pub fn named_weights(&self) -> Vec<(String, Tensor)> {
        let mut named: Vec<(String, Tensor)> = self
            .weights
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        named
    }

    /// The architecture parameters: `[6, 5]`, rows in edge order, columns in op order.
    pub fn alpha(&self) -> &Tensor {
        &self.alpha
    }

    /// The number of shared weights.
    pub fn weight_count(&self) -> i64 {
        self.weights().iter().map(|t| t.numel() as i64).sum()
    }

    /// The size it was built with.
    pub fn config(&self) -> SupernetConfig {
        self.config
    }

    /// The device its tensors live on.
    pub fn device(&self) -> Device {
        self.weights.device()
    }

    /// The kind of its tensors.
    pub fn kind(&self) -> Kind {
        self.alpha.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::super::mix::{darts_mix, path_mix};
    use super::super::path::CellPath;
    use super::*;
    use crate::compile::layer::Layer;
    use crate::compile::nb201::{Nb201Config, Nb201Genotype, Nb201Net};

    fn tiny(kind: Kind) -> Supernet {
        let config = SupernetConfig {
            channels: 4,
            cells: 1,
            classes: 3,
            in_channels: 1,
        };
        Supernet::new(config, Device::Cpu, kind, 0).unwrap()
    }

    #[test]
    fn every_edge_holds_the_four_parametric_or_free_ops_and_alpha_is_separate() {
        let net = tiny(Kind::Float);
        assert_eq!(net.alpha().size(), [6, 5]);
        assert!(net.alpha().requires_grad());
        let names: Vec<String> = net.weights.variables().into_keys().collect();
        assert!(names.iter().all(|n| !n.contains("alpha")));
        assert!(names.contains(&"cells.0.edges.3<-1.nor_conv_3x3.conv.weight".to_string()));
        // Three cells of 6 edges, each with a 1×1 and a 3×3 conv: (c² + 9c²) per edge.
        let conv: i64 = [4i64, 8, 16].iter().map(|c| 6 * 10 * c * c).sum();
        // Stem 9c + bn 2c; resblocks; lastact 2·4c; classifier 4c·3 + 3.
        let res = |a: i64, b: i64| 9 * a * b + 2 * b + 9 * b * b + 2 * b + a * b;
        let expected = 36 + 8 + conv + res(4, 8) + res(8, 16) + 32 + 16 * 3 + 3;
        assert_eq!(net.weight_count(), expected);
    }

    #[test]
    fn a_path_through_the_supernet_computes_that_architecture() {
        let net = tiny(Kind::Double);
        let x = Tensor::randn([2, 1, 8, 8], (Kind::Double, Device::Cpu));
        let text = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|";
        let genotype = Nb201Genotype::parse(text).unwrap();
        let path = CellPath::from_genotype(&genotype).unwrap();
        let through = net.forward(&x, &path_mix(&path), true).unwrap();
        assert_eq!(through.size(), [2, 3]);
        // The stand-alone network with the supernet's weights copied in gives the same logits.
        let mut vs = nn::VarStore::new(Device::Cpu);
        let config = Nb201Config {
            channels: 4,
            cells: 1,
            classes: 3,
            in_channels: 1,
        };
        let alone = Nb201Net::new(&vs.root(), &genotype, config).unwrap();
        vs.set_kind(Kind::Double);
        let shared = net.weights.variables();
        tch::no_grad(|| {
            for (name, mut v) in vs.variables() {
                let source = name
                    .split_once(".edges.")
                    .map(|(cell, rest)| {
                        let (edge, tail) = rest.split_once('.').unwrap();
                        let idx = EDGES
                            .iter()
                            .position(|&(t, f)| format!("{t}<-{f}") == edge)
                            .unwrap();
                        let op = path.0[idx].name();
                        format!("{cell}.edges.{edge}.{op}.{tail}")
                    })
                    .unwrap_or(name.clone());
                if let Some(s) = shared.get(&source) {
                    v.copy_(s);
                }
            }
        });
        // The stand-alone ops' batch norms are affine (scale 1, shift 0 at start): the same.
        let expected = alone.forward(&x, true).unwrap();
        let diff = (through - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-10, "{diff}");
    }

    #[test]
    fn the_darts_mixture_gives_logits_that_depend_on_alpha() {
        let net = tiny(Kind::Double);
        let alpha = Tensor::randn([6, 5], (Kind::Double, Device::Cpu));
        tch::no_grad(|| net.alpha().shallow_clone().copy_(&alpha));
        let x = Tensor::randn([2, 1, 8, 8], (Kind::Double, Device::Cpu));
        let logits = net
            .forward(&x, &darts_mix(net.alpha()).unwrap(), true)
            .unwrap();
        assert_eq!(logits.size(), [2, 3]);
        let loss = logits.square().sum(Kind::Double);
        let g = Tensor::run_backward(&[loss], &[net.alpha()], false, false);
        assert!(g[0].abs().sum(Kind::Double).double_value(&[]) > 0.0);
        let bad = Tensor::randn([2, 2, 8, 8], (Kind::Double, Device::Cpu));
        assert!(net
            .forward(&bad, &darts_mix(net.alpha()).unwrap(), true)
            .is_err());
        let config = SupernetConfig {
            channels: 0,
            cells: 1,
            classes: 3,
            in_channels: 1,
        };
        assert!(Supernet::new(config, Device::Cpu, Kind::Float, 0).is_err());
    }
}
