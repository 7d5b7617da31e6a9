//! TE-NAS (Chen, Gong & Wang, ICLR 2021) measurements of a pruned NAS-Bench-201 supernet: a
//! supernet whose every edge is the uniform mixture of the ops it still has (the softmax of
//! α with the pruned ops at −∞), scored by the NTK condition number and by the number of
//! linear regions. The pruning schedule itself — which op to remove on which edge, and when
//! to stop — is a strategy script's business (`stdlib/strategies/tenas.rhai`); this module
//! only measures a given set of remaining ops.
//!
//! As in TE-NAS, the NTK is taken on a small supernet (3 channels, one cell per stage by
//! default) in training mode, and the linear regions on a thin one (one channel, one cell
//! per stage, single-channel 3×3 patches as input, the patches fed in batches); each is
//! measured on `repeats` initialisations (Kaiming-normal weights, fan-out for the NTK and
//! fan-in for the regions, zero biases). Initialisation `r` is the same for every mask, so a
//! change of score is the change of the mask, not of the weights.

use super::linear_regions::regions_over;
use super::ntk::{condition_number, ntk_matrix, weights_of};
use crate::compile::nb201::Nb201Op;
use crate::oneshot::mix::{CellMix, EdgeTerm};
use crate::oneshot::path::{EDGES, OPS};
use crate::oneshot::{CellPath, Supernet, SupernetConfig};
use tch::{Device, Kind, TchError, Tensor};

/// Which ops remain on each edge: `self.0[e][k]` for op `k` of [`Nb201Op::ALL`] on edge `e`
/// (edges in the benchmark's string order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alive(pub [[bool; OPS]; EDGES.len()]);

impl Alive {
    /// Every op on every edge.
    pub fn full() -> Alive {
        Alive([[true; OPS]; EDGES.len()])
    }

    /// The number of ops left on edge `e`.
    pub fn count(&self, e: usize) -> usize {
        self.0[e].iter().filter(|&&a| a).count()
    }

    /// The single path, when every edge has exactly one op left.
    pub fn path(&self) -> Option<CellPath> {
        let mut ops = [0; EDGES.len()];
        for (e, slot) in ops.iter_mut().enumerate() {
            if self.count(e) != 1 {
                return None;
            }
            *slot = self.0[e].iter().position(|&a| a)?;
        }
        CellPath::from_indices(ops)
    }

    /// The forward-pass weights of the pruned supernet: each remaining op of an edge weighted
    /// `1/k` (`k` ops left, `none` included in `k` though it computes nothing). An edge with
    /// no op left is an error.
    pub fn mix(&self, kind: Kind, device: Device) -> Result<CellMix, TchError> {
        (0..EDGES.len())
            .map(|e| {
                let k = self.count(e);
                if k == 0 {
                    let (to, from) = EDGES[e];
                    return Err(TchError::Kind(format!("edge {from}->{to} has no op left")));
                }
                (0..OPS)
                    .filter(|&op| self.0[e][op] && Nb201Op::ALL[op] != Nb201Op::None)
                    .map(|op| {
                        let weight = if k == 1 {
                            None
                        } else {
                            Some(Tensor::f_scalar_tensor(1.0 / k as f64, (kind, device))?)
                        };
                        Ok::<_, TchError>(EdgeTerm { op, weight })
                    })
                    .collect()
            })
            .collect()
    }
}

/// The sizes and inputs of a TE-NAS scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenasConfig {
    /// Channels of the NTK supernet's first stage (TE-NAS: 3).
    pub channels: i64,
    /// Cells per stage of the NTK supernet (TE-NAS: 1).
    pub cells: usize,
    /// Output classes.
    pub classes: i64,
    /// Initialisations each score is measured on (TE-NAS: 3).
    pub repeats: u32,
    /// Seed of initialisation 0 (initialisation `r` uses `seed + r`).
    pub seed: i64,
}

/// The pruned-supernet scorer: one NTK supernet and one thin supernet per initialisation,
/// and the inputs they see.
#[derive(Debug)]
pub struct PrunedSupernet {
    ntk_nets: Vec<Supernet>,
    thin_nets: Vec<Supernet>,
    images: Tensor,
    patch_batches: Vec<Tensor>,
    config: TenasConfig,
}

impl PrunedSupernet {
    /// Builds the networks for `images` (`[n, C, H, W]`, the NTK's batch) and `patches`
    /// (`[m, 1, h, w]`, the linear regions' inputs, fed `patch_batch` at a time).
    pub fn new(
        config: TenasConfig,
        images: Tensor,
        patches: &Tensor,
        patch_batch: i64,
    ) -> Result<PrunedSupernet, String> {
        let image_size = images.size();
        let patch_size = patches.size();
        if image_size.len() != 4 || patch_size.len() != 4 || image_size[0] < 2 {
            return Err(format!(
                "the NTK needs a batch of at least two images [n, C, H, W] and the regions a batch of patches [m, C, h, w] (got {image_size:?} and {patch_size:?})"
            ));
        }
        if config.repeats == 0 {
            return Err("at least one initialisation (repeats ≥ 1) is needed".into());
        }
        let ntk_config = SupernetConfig {
            channels: config.channels,
            cells: config.cells,
            classes: config.classes,
            in_channels: image_size[1],
        };
        let thin_config = SupernetConfig {
            channels: 1,
            cells: 1,
            classes: config.classes,
            in_channels: patch_size[1],
        };
        let build = |c: SupernetConfig, seed: i64, fan_out: bool| -> Result<Supernet, String> {
            let net =
                Supernet::new(c, Device::Cpu, Kind::Float, seed).map_err(|e| e.to_string())?;
            kaiming_normal(&net, fan_out).map_err(|e| e.to_string())?;
            Ok(net)
        };
        let mut ntk_nets = Vec::new();
        let mut thin_nets = Vec::new();
        for r in 0..i64::from(config.repeats) {
            ntk_nets.push(build(ntk_config, config.seed + r, true)?);
            thin_nets.push(build(thin_config, config.seed + r, false)?);
        }
        let patch_batches = patches
            .f_split(patch_batch.clamp(1, patch_size[0].max(1)), 0)
            .map_err(|e| e.to_string())?;
        Ok(PrunedSupernet {
            ntk_nets,
            thin_nets,
            images,
            patch_batches,
            config,
        })
    }

    /// The sizes it was built with.
    pub fn config(&self) -> TenasConfig {
        self.config
    }

    /// The number of images the NTK is taken on.
    pub fn ntk_batch(&self) -> i64 {
        self.images.size()[0]
    }

    /// The number of weights of the NTK supernet.
    pub fn weight_count(&self) -> i64 {
        self.ntk_nets[0]
            .weights()
            .iter()
            .map(|t| t.numel() as i64)
            .sum()
    }

    /// The NTK condition number of the supernet pruned to `alive`, once per initialisation
    /// (positive infinity where the kernel is singular).
    pub fn ntk(&self, alive: &Alive) -> Result<Vec<f64>, TchError> {
        self.ntk_nets
            .iter()
            .map(|net| {
                let mix = alive.mix(net.kind(), net.device())?;
                let weights = weights_of(net.named_weights());
                let logits = net.forward(&self.images, &mix, true)?;
                condition_number(&ntk_matrix(&logits, &weights)?)
            })
            .collect()
    }

    /// The number of linear regions of the thin supernet pruned to `alive` over the patches,
    /// once per initialisation.
    pub fn regions(&self, alive: &Alive) -> Result<Vec<f64>, TchError> {
        self.thin_nets
            .iter()
            .map(|net| {
                let mix = alive.mix(net.kind(), net.device())?;
                let count = regions_over(&self.patch_batches, |x| net.forward(x, &mix, true))?;
                Ok(count as f64)
            })
            .collect()
    }
}

/// Redraws the convolution and linear weights of `net` from Kaiming's normal distribution
/// (`std = √(2 / fan)`, fan-out or fan-in) and zeroes the biases, as TE-NAS initialises its
/// networks; batch-norm scales stay 1.
fn kaiming_normal(net: &Supernet, fan_out: bool) -> Result<(), TchError> {
    let _no_grad = tch::no_grad_guard();
    for (name, mut t) in net.named_weights() {
        let size = t.size();
        if name.ends_with("bias") {
            let _ = t.f_zero_()?;
        } else if size.len() >= 2 && name.ends_with("weight") {
            let field: i64 = size[2..].iter().product();
            let fan = if fan_out { size[0] } else { size[1] } * field;
            let _ = t.f_normal_(0.0, (2.0 / fan.max(1) as f64).sqrt())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> PrunedSupernet {
        tch::manual_seed(0);
        let images = Tensor::randn([6, 3, 8, 8], (Kind::Float, Device::Cpu));
        let patches = Tensor::randn([40, 1, 3, 3], (Kind::Float, Device::Cpu));
        let config = TenasConfig {
            channels: 2,
            cells: 1,
            classes: 3,
            repeats: 2,
            seed: 0,
        };
        PrunedSupernet::new(config, images, &patches, 20).unwrap()
    }

    #[test]
    fn a_mask_weighs_each_remaining_op_equally_and_skips_none() {
        let mut alive = Alive::full();
        alive.0[2] = [false, false, true, false, false];
        let mix = alive.mix(Kind::Double, Device::Cpu).unwrap();
        assert_eq!(
            mix[0].iter().map(|t| t.op).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let w = mix[0][0].weight.as_ref().unwrap().double_value(&[]);
        assert!((w - 0.2).abs() < 1e-12);
        assert_eq!(mix[2].len(), 1);
        assert!(mix[2][0].weight.is_none());
        assert_eq!(alive.path(), None);
        alive.0[3] = [false; OPS];
        let message = alive.mix(Kind::Float, Device::Cpu).unwrap_err().to_string();
        assert!(message.contains("edge 0->3 has no op left"), "{message}");
    }

    #[test]
    fn one_op_per_edge_is_a_path() {
        let mut alive = Alive([[false; OPS]; 6]);
        for (e, k) in [3, 1, 4, 0, 2, 3].into_iter().enumerate() {
            alive.0[e][k] = true;
        }
        let path = alive.path().unwrap();
        assert_eq!(
            path.to_string(),
            "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|"
        );
    }

    #[test]
    fn scores_are_per_initialisation_repeatable_and_depend_on_the_mask() {
        let net = tiny();
        let full = Alive::full();
        let k = net.ntk(&full).unwrap();
        let r = net.regions(&full).unwrap();
        assert_eq!((k.len(), r.len()), (2, 2));
        assert!(k.iter().all(|&x| x.is_finite() && x >= 1.0), "{k:?}");
        assert!(r.iter().all(|&x| (1.0..=40.0).contains(&x)), "{r:?}");
        // The same mask on the same initialisations gives the same scores.
        assert_eq!(net.ntk(&full).unwrap(), k);
        assert_eq!(net.regions(&full).unwrap(), r);
        // Pruning every convolution changes the kernel.
        let mut pools = full;
        for edge in pools.0.iter_mut() {
            *edge = [false, true, false, false, true];
        }
        assert_ne!(net.ntk(&pools).unwrap(), k);
        // With only `none` left every cell outputs zeros: one region, a singular kernel.
        let mut nothing = full;
        for edge in nothing.0.iter_mut() {
            *edge = [true, false, false, false, false];
        }
        assert_eq!(net.regions(&nothing).unwrap(), [1.0, 1.0]);
        assert_eq!(net.ntk(&nothing).unwrap(), [f64::INFINITY; 2]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let images = Tensor::zeros([1, 3, 8, 8], (Kind::Float, Device::Cpu));
        let patches = Tensor::zeros([4, 1, 3, 3], (Kind::Float, Device::Cpu));
        let config = TenasConfig {
            channels: 2,
            cells: 1,
            classes: 3,
            repeats: 1,
            seed: 0,
        };
        assert!(PrunedSupernet::new(config, images, &patches, 2).is_err());
    }
}
