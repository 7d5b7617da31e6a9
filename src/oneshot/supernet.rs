//! The weight-sharing supernet of the NAS-Bench-201 space: the benchmark's network (stem,
//! three stages of `cells` cells separated by residual blocks, classifier) whose every cell
//! edge holds all five candidate ops with their own weights, built from the op library in
//! [`crate::compile`]. The architecture parameters α (6 edges × 5 ops) are a tensor of their
//! own, outside the weights' variable store. Candidate ops use batch norm without a learned
//! scale and shift, as DARTS and the benchmark's search code do.
//!
//! [`SupernetOptions`] adds PC-DARTS' partial channel connections (candidate ops built on
//! `C/K` channels, see [`super::partial`]) and edge normalisation (a second architecture
//! parameter β, one per edge).

use super::mix::CellMix;
use super::partial::{edge_weights, partial_edge};
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

/// How a supernet's edges are built beyond the plain DARTS edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupernetOptions {
    /// PC-DARTS' K: the candidate ops see the first `C/K` channels of their input, the rest
    /// bypass them and the edge's output is channel-shuffled in K groups (1: every channel).
    pub partial_channels: i64,
    /// PC-DARTS' edge normalisation: a parameter β per edge, each node weighing its incoming
    /// edges by the softmax of their β.
    pub edge_normalization: bool,
}

impl Default for SupernetOptions {
    fn default() -> Self {
        SupernetOptions {
            partial_channels: 1,
            edge_normalization: false,
        }
    }
}

/// One searched cell: `ops[e][k]` is op `k` of edge `e` (`None` for `none`), built on
/// `C/partial` channels.
#[derive(Debug)]
struct SearchCell {
    ops: Vec<Vec<Option<BoxLayer>>>,
    partial: i64,
}

/// Builds candidate `op` of an edge on `c` channels; `None` for `none`, which is never run.
pub(super) fn candidate(
    p: &nn::Path,
    op: Nb201Op,
    c: i64,
) -> Result<Option<BoxLayer>, OneShotError> {
    Ok(Some(match op {
        Nb201Op::None => return Ok(None),
        Nb201Op::Skip => boxed(Identity),
        Nb201Op::Conv1x1 => boxed(relu_conv_bn(p, c, ConvConfig::new(c, 1), false)?),
        Nb201Op::Conv3x3 => boxed(relu_conv_bn(p, c, ConvConfig::new(c, 3), false)?),
        Nb201Op::AvgPool3x3 => boxed(ChannelPool::new(p, c, c, PoolKind::Avg, 3, 1)?),
    }))
}

impl SearchCell {
    fn new(p: &nn::Path, c: i64, partial: i64) -> Result<Self, OneShotError> {
        let c = c / partial;
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
        Ok(SearchCell { ops, partial })
    }

    /// The weighted sum of edge `e`'s terms on `x`; `None` when no op is computed.
    fn mixed(
        &self,
        e: usize,
        x: &Tensor,
        mix: &CellMix,
        train: bool,
    ) -> Result<Option<Tensor>, TchError> {
        let mut sum: Option<Tensor> = None;
        for term in &mix[e] {
            let Some(op) = &self.ops[e][term.op] else {
                continue;
            };
            let out = op.forward(x, train)?;
            let out = match &term.weight {
                Some(w) => out.f_mul(w)?,
                None => out,
            };
            sum = Some(match sum {
                Some(s) => s.f_add(&out)?,
                None => out,
            });
        }
        Ok(sum)
    }

    /// The cell on `xs`; `edges` holds each edge's normalised weight when edges are
    /// normalised.
    fn forward(
        &self,
        xs: &Tensor,
        mix: &CellMix,
        edges: Option<&Tensor>,
        train: bool,
    ) -> Result<Tensor, TchError> {
        let mut values = vec![xs.shallow_clone()];
        for to in 1..=3 {
            let mut sum: Option<Tensor> = None;
            for (e, &(t, from)) in EDGES.iter().enumerate() {
                if t != to {
                    continue;
                }
                let out = partial_edge(&values[from], self.partial, |x| {
                    self.mixed(e, x, mix, train)
                })?;
                let Some(out) = out else {
                    continue;
                };
                let out = match edges {
                    Some(w) => out.f_mul(&w.f_get(e as i64)?)?,
                    None => out,
                };
                sum = Some(match sum {
                    Some(s) => s.f_add(&out)?,
                    None => out,
                });
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
    beta: Option<Tensor>,
    config: SupernetConfig,
    options: SupernetOptions,
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
        Supernet::with_options(config, SupernetOptions::default(), device, kind, seed)
    }

    /// [`Supernet::new`] with PC-DARTS' options; β (when edges are normalised) is drawn
    /// after α, as 10⁻³·N(0, 1). The channels must divide by K.
    pub fn with_options(
        config: SupernetConfig,
        options: SupernetOptions,
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
        let k = options.partial_channels;
        if k < 1 || c % k != 0 {
            return Err(OneShotError::Config(format!(
                "partial channels: K ({k}) must be at least 1 and divide the channels ({c})"
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
                parts.push(Part::Cell(SearchCell::new(&(&cells / index), c_stage, k)?));
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
        let beta = if options.edge_normalization {
            let b = Tensor::f_randn([EDGES.len() as i64], (kind, device))?.f_mul_scalar(1e-3)?;
            Some(b.set_requires_grad(true))
        } else {
            None
        };
        Ok(Supernet {
            parts,
            weights,
            alpha,
            beta,
            config,
            options,
        })
    }

    /// The logits for images `xs` with every cell's edges weighted by `mix`. Batch norm
    /// always normalises with the batch's statistics when `train` (the supernet has no
    /// architecture-independent running statistics to evaluate with).
    /// With edge normalisation, each edge's output is also weighted by its normalised β (in
    /// β's graph).
    pub fn forward(&self, xs: &Tensor, mix: &CellMix, train: bool) -> Result<Tensor, TchError> {
        let edges = self.beta.as_ref().map(edge_weights).transpose()?;
        let mut x = xs.shallow_clone();
        for part in &self.parts {
            x = match part {
                Part::Fixed(layer) => layer.forward(&x, train)?,
                Part::Cell(cell) => cell.forward(&x, mix, edges.as_ref(), train)?,
            };
        }
        Ok(x)
    }

    /// The input shape of every searched cell for images of `image` (`[C, H, W]`) in batches
    /// of `batch`, in order (found by running the fixed parts and all-skip cells on zeros).
    pub fn cell_inputs(&self, image: &[i64], batch: i64) -> Result<Vec<[i64; 4]>, TchError> {
        let _guard = tch::no_grad_guard();
        let mut shape = vec![1];
        shape.extend_from_slice(image);
        let mut x = Tensor::f_zeros(&shape[..], (self.kind(), self.device()))?;
        let skips = super::mix::path_mix(&super::path::CellPath([Nb201Op::Skip; 6]));
        let mut out = Vec::new();
        for part in &self.parts {
            x = match part {
                Part::Fixed(layer) => layer.forward(&x, false)?,
                Part::Cell(cell) => {
                    let s = x.size();
                    let [_, c, h, w] = s[..] else {
                        return Err(TchError::Shape(format!(
                            "a cell's input should be [B, C, H, W], got {s:?}"
                        )));
                    };
                    out.push([batch, c, h, w]);
                    cell.forward(&x, &skips, None, false)?
                }
            };
        }
        Ok(out)
    }

    /// The options it was built with.
    pub fn options(&self) -> SupernetOptions {
        self.options
    }

    /// β, one per edge in edge order, when edges are normalised.
    pub fn beta(&self) -> Option<&Tensor> {
        self.beta.as_ref()
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

    /// Every architecture parameter, in the order gradients and optimiser steps use: α, then
    /// β when edges are normalised.
    pub fn arch_parameters(&self) -> Vec<Tensor> {
        let mut params = vec![self.alpha.shallow_clone()];
        params.extend(self.beta.iter().map(Tensor::shallow_clone));
        params
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
    fn partial_channels_and_edge_normalisation_shrink_the_ops_and_add_beta() {
        let config = SupernetConfig {
            channels: 8,
            cells: 1,
            classes: 3,
            in_channels: 1,
        };
        let options = SupernetOptions {
            partial_channels: 4,
            edge_normalization: true,
        };
        let net = Supernet::with_options(config, options, Device::Cpu, Kind::Double, 0).unwrap();
        let full = Supernet::new(config, Device::Cpu, Kind::Double, 0).unwrap();
        // Every candidate conv sees C/4 channels: 16× fewer conv weights per edge.
        let conv = |n: &Supernet| -> i64 {
            n.weights
                .variables()
                .iter()
                .filter(|(k, _)| k.contains(".edges.") && k.ends_with("conv.weight"))
                .map(|(_, t)| t.numel() as i64)
                .sum()
        };
        assert_eq!(conv(&full), 16 * conv(&net));
        assert_eq!(net.arch_parameters().len(), 2);
        assert_eq!(net.beta().unwrap().size(), [6]);
        assert_eq!(full.arch_parameters().len(), 1);
        let x = Tensor::randn([2, 1, 8, 8], (Kind::Double, Device::Cpu));
        let logits = net
            .forward(&x, &darts_mix(net.alpha()).unwrap(), true)
            .unwrap();
        assert_eq!(logits.size(), [2, 3]);
        let g = Tensor::run_backward(
            &[logits.square().sum(Kind::Double)],
            &net.arch_parameters(),
            false,
            false,
        );
        // β of node 1's only edge has weight 1 whatever its value: no gradient; the others have.
        assert!(g[1].double_value(&[0]).abs() < 1e-12);
        assert!(g[1].abs().sum(Kind::Double).double_value(&[]) > 0.0);
        assert!(g[0].abs().sum(Kind::Double).double_value(&[]) > 0.0);
        assert_eq!(
            net.cell_inputs(&[1, 8, 8], 5).unwrap(),
            [[5, 8, 8, 8], [5, 16, 4, 4], [5, 32, 2, 2]]
        );
        let odd = SupernetOptions {
            partial_channels: 3,
            edge_normalization: false,
        };
        assert!(Supernet::with_options(config, odd, Device::Cpu, Kind::Float, 0).is_err());
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
