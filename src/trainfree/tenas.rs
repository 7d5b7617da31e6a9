//! TE-NAS (Chen, Gong & Wang, ICLR 2021) measurements of a pruned supernet: the supernet
//! compiled from a space's IR ([`Supernet`]) whose every row of α is the uniform mixture of
//! the ops it still has, scored by the NTK condition number and by the number of linear
//! regions. The pruning schedule itself — which op to remove from which row, and when to
//! stop — is a strategy script's business (`stdlib/strategies/tenas.rhai`); this module only
//! measures a given set of remaining ops.
//!
//! As in TE-NAS, the NTK is taken on a small supernet (3 channels, one cell per stage by
//! default) in training mode, and the linear regions on a thin one (one channel, one cell
//! per stage, single-channel 3×3 patches as input, the patches fed in batches); each is
//! measured on `repeats` initialisations (Kaiming-normal weights, fan-out for the NTK and
//! fan-in for the regions, zero biases). Initialisation `r` is the same for every mask, so a
//! change of score is the change of the mask, not of the weights.

use super::linear_regions::regions_over;
use super::ntk::{condition_number, ntk_matrix, weights_of};
use crate::compile::catalog::{resize, space_args, NetworkSize};
pub use crate::oneshot::alive::Alive;
use crate::oneshot::rows::{InputChoice, Row, RowKind};
use crate::oneshot::Supernet;
use crate::space::{Architecture, Space};
use tch::{Device, Kind, TchError, Tensor};

/// The sizes and inputs of a TE-NAS scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenasConfig {
    /// Channels of the NTK supernet's first stage (TE-NAS: 3).
    pub channels: i64,
    /// Cells per stage of the NTK supernet (TE-NAS: 1; `None`: the space's own).
    pub cells: Option<usize>,
    /// Channels of the linear regions' thin supernet (TE-NAS: 1).
    pub thin_channels: i64,
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
    /// Builds the supernets of `space` for `images` (`[n, C, H, W]`, the NTK's batch) and
    /// `patches` (`[m, C, h, w]`, the linear regions' inputs, fed `patch_batch` at a time);
    /// the thin one has one cell per stage where the space says how many it has.
    pub fn new(
        space: &Space,
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
        let sized = |channels: i64, cells: Option<usize>| -> Result<Space, String> {
            let size = NetworkSize {
                channels: Some(channels),
                cells,
                ..NetworkSize::default()
            };
            let resized = resize(space, size).map_err(|e| e.to_string())?;
            Ok(resized.unwrap_or_else(|| space.clone()))
        };
        let one_cell = NetworkSize {
            cells: Some(1),
            ..NetworkSize::default()
        };
        let thin_cells = space_args(space, one_cell).ok().map(|_| 1);
        let ntk_space = sized(config.channels, config.cells)?;
        let thin_space = sized(config.thin_channels, thin_cells)?;
        let build = |s: &Space, c_in: i64, seed: i64, fan_out: bool| -> Result<Supernet, String> {
            let net = Supernet::new(s, c_in, Device::Cpu, Kind::Float, seed)
                .map_err(|e| e.to_string())?;
            kaiming_normal(&net, fan_out).map_err(|e| e.to_string())?;
            Ok(net)
        };
        let mut ntk_nets = Vec::new();
        let mut thin_nets = Vec::new();
        for r in 0..i64::from(config.repeats) {
            ntk_nets.push(build(&ntk_space, image_size[1], config.seed + r, true)?);
            thin_nets.push(build(&thin_space, patch_size[1], config.seed + r, false)?);
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

    /// The space its supernets were compiled from (at the NTK supernet's size).
    pub fn space(&self) -> &Space {
        self.ntk_nets[0].space()
    }

    /// α's rows (the same in every supernet it holds).
    pub fn rows(&self) -> &[Row] {
        self.ntk_nets[0].rows().rows()
    }

    /// Every op on every row.
    pub fn full(&self) -> Alive {
        Alive::full(self.rows())
    }

    /// The `k of` input choices, each with the rows of its candidates' edges (TE-NAS prunes
    /// their edges once every edge is down to one op).
    pub fn input_choices(&self) -> Vec<InputChoice> {
        let net = &self.ntk_nets[0];
        net.rows().input_choices(net.space())
    }

    /// The architecture once `alive` leaves one op on every row — a `k of` candidate's edge
    /// one op or none (cut), and each `k of` choice exactly its `k` uncut edges (see
    /// [`crate::oneshot::rows::Rows::derive`]); `None` while a row has more ops or a choice
    /// more edges. A choice left with fewer than its `k` edges is an error.
    pub fn arch(&self, alive: &Alive) -> Result<Option<Architecture>, String> {
        let open = self.rows().iter().enumerate().any(|(r, row)| {
            let n = alive.count(r);
            match row.kind {
                RowKind::Candidate { .. } => n > 1,
                RowKind::Decision(_) | RowKind::Values(_) | RowKind::Member { .. } => n != 1,
            }
        });
        if open {
            return Ok(None);
        }
        for choice in self.input_choices() {
            let uncut = choice.rows.iter().filter(|&&r| alive.count(r) > 0).count();
            if uncut > choice.keep {
                return Ok(None);
            }
            if uncut < choice.keep {
                return Err(format!(
                    "input choice `{}` keeps {uncut} of its edges; it takes {}",
                    choice.name, choice.keep
                ));
            }
        }
        let net = &self.ntk_nets[0];
        let probs: Vec<Vec<f64>> = alive
            .0
            .iter()
            .map(|ops| ops.iter().map(|&a| f64::from(u8::from(a))).collect())
            .collect();
        net.rows()
            .derive(net.space(), &probs)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// The number of images the NTK is taken on.
    pub fn ntk_batch(&self) -> i64 {
        self.images.size()[0]
    }

    /// The number of weights of the NTK supernet.
    pub fn weight_count(&self) -> i64 {
        self.ntk_nets[0].weight_count()
    }

    /// The NTK condition number of the supernet pruned to `alive`, once per initialisation
    /// (positive infinity where the kernel is singular).
    pub fn ntk(&self, alive: &Alive) -> Result<Vec<f64>, TchError> {
        self.ntk_nets
            .iter()
            .map(|net| {
                let mix = alive.uniform_mix(net.rows().rows(), net.kind(), net.device())?;
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
                let mix = alive.uniform_mix(net.rows().rows(), net.kind(), net.device())?;
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
            cells: Some(1),
            thin_channels: 1,
            repeats: 2,
            seed: 0,
        };
        let space = crate::space::load_space("nb201").unwrap();
        PrunedSupernet::new(&space, config, images, &patches, 20).unwrap()
    }

    /// A mask with one row per edge of NAS-Bench-201: `ops[e]` the ops left on edge `e`.
    fn mask(ops: [[bool; 5]; 6]) -> Alive {
        Alive(ops.iter().map(|o| o.to_vec()).collect())
    }

    #[test]
    fn a_mask_weighs_each_remaining_op_equally_skips_none_and_one_op_per_row_is_a_cell() {
        let _generator = crate::test_generator();
        let net = tiny();
        let rows = net.rows();
        let mut alive = net.full();
        alive.0[2] = vec![false, false, true, false, false];
        let mix = alive.uniform_mix(rows, Kind::Double, Device::Cpu).unwrap();
        assert_eq!(
            mix[0].iter().map(|t| t.op).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let w = mix[0][0].weight.as_ref().unwrap().double_value(&[]);
        assert!((w - 0.2).abs() < 1e-12);
        assert_eq!(mix[2].len(), 1);
        assert!(mix[2][0].weight.is_none());
        assert_eq!(net.arch(&alive).unwrap(), None);
        alive.0[3] = vec![false; 5];
        let message = alive
            .uniform_mix(rows, Kind::Float, Device::Cpu)
            .unwrap_err()
            .to_string();
        assert!(message.contains("has no op left"), "{message}");
        let mut one = [[false; 5]; 6];
        for (e, k) in [3, 1, 4, 0, 2, 3].into_iter().enumerate() {
            one[e][k] = true;
        }
        let arch = net.arch(&mask(one)).unwrap().unwrap();
        assert_eq!(
            net.space().encode(&arch),
            "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|"
        );
    }

    #[test]
    fn scores_are_per_initialisation_repeatable_and_depend_on_the_mask() {
        let _generator = crate::test_generator();
        let net = tiny();
        let full = net.full();
        let k = net.ntk(&full).unwrap();
        let r = net.regions(&full).unwrap();
        assert_eq!((k.len(), r.len()), (2, 2));
        assert!(k.iter().all(|&x| x.is_finite() && x >= 1.0), "{k:?}");
        assert!(r.iter().all(|&x| (1.0..=40.0).contains(&x)), "{r:?}");
        // The same mask on the same initialisations gives the same scores.
        assert_eq!(net.ntk(&full).unwrap(), k);
        assert_eq!(net.regions(&full).unwrap(), r);
        // Pruning every convolution changes the kernel.
        let pools = mask([[false, true, false, false, true]; 6]);
        assert_ne!(net.ntk(&pools).unwrap(), k);
        // With only `none` left every cell outputs zeros: one region, a singular kernel.
        let nothing = mask([[true, false, false, false, false]; 6]);
        assert_eq!(net.regions(&nothing).unwrap(), [1.0, 1.0]);
        assert_eq!(net.ntk(&nothing).unwrap(), [f64::INFINITY; 2]);
    }

    #[test]
    fn enas_macro_prunes_op_rows_and_any_of_members() {
        let _generator = crate::test_generator();
        tch::manual_seed(1);
        let images = Tensor::randn([4, 3, 8, 8], (Kind::Float, Device::Cpu));
        let patches = Tensor::randn([20, 1, 3, 3], (Kind::Float, Device::Cpu));
        let config = TenasConfig {
            channels: 2,
            cells: None,
            thin_channels: 1,
            repeats: 1,
            seed: 0,
        };
        let space = crate::space::load_space("enas_macro").unwrap();
        let net = PrunedSupernet::new(&space, config, images, &patches, 20).unwrap();
        // 12 op rows of 6 ops and 66 `any of` members of `off`/`on`.
        assert_eq!(net.rows().len(), 78);
        let full = net.full();
        assert!(net.ntk(&full).unwrap()[0].is_finite());
        assert!(net.regions(&full).unwrap()[0] >= 1.0);
        // One op per row: each layer's first op, every member `on` but the last row's.
        let mut one = Alive(
            net.rows()
                .iter()
                .map(|r| {
                    (0..r.labels.len())
                        .map(|k| k == r.labels.len() - 1)
                        .collect()
                })
                .collect(),
        );
        let last = one.0.len() - 1;
        one.0[last] = vec![true, false];
        let arch = net.arch(&one).unwrap().unwrap();
        let text = net.space().encode(&arch);
        assert!(
            text.contains("enas_macro_net.l12.1.in={l1,l2,l3,l4,l5,l6,l7,l8,l9,l10}"),
            "{text}"
        );
        assert_eq!(net.space().decode(&text).unwrap(), arch);
    }

    #[test]
    fn a_darts_cell_is_derived_once_each_k_of_choice_keeps_k_edges_of_one_op() {
        let _generator = crate::test_generator();
        let images = Tensor::randn([4, 3, 8, 8], (Kind::Float, Device::Cpu));
        let patches = Tensor::randn([20, 1, 3, 3], (Kind::Float, Device::Cpu));
        let config = TenasConfig {
            channels: 2,
            cells: Some(1),
            thin_channels: 1,
            repeats: 1,
            seed: 0,
        };
        let space = crate::space::load_space("darts").unwrap();
        let net = PrunedSupernet::new(&space, config, images, &patches, 20).unwrap();
        let choices = net.input_choices();
        // Four nodes of 2, 3, 4 and 5 candidates in each of the two cells, each keeping 2.
        let sizes: Vec<(usize, usize)> = choices.iter().map(|c| (c.rows.len(), c.keep)).collect();
        assert_eq!(sizes, [2, 3, 4, 5, 2, 3, 4, 5].map(|n| (n, 2)));
        // One op per edge (the first), every edge uncut: more edges than the choices take.
        let mut alive = Alive(
            net.rows()
                .iter()
                .map(|r| (0..r.labels.len()).map(|k| k == 0).collect())
                .collect(),
        );
        assert_eq!(net.arch(&alive).unwrap(), None);
        // Cut each choice down to its first two candidates.
        for c in &choices {
            for &r in &c.rows[2..] {
                alive.0[r] = vec![false; alive.0[r].len()];
            }
        }
        let mix = alive
            .uniform_mix(net.rows(), Kind::Float, Device::Cpu)
            .unwrap();
        assert!(mix[choices[1].rows[2]].is_empty());
        assert!(net.ntk(&alive).unwrap()[0].is_finite());
        let arch = net.arch(&alive).unwrap().unwrap();
        let text = net.space().encode(&arch);
        assert_eq!(text.matches("={c0,c1}").count(), 8, "{text}");
        // One cut too many leaves a choice short of its k.
        let short = choices[3].rows[1];
        alive.0[short] = vec![false; alive.0[short].len()];
        let message = net.arch(&alive).unwrap_err();
        assert!(
            message.contains("keeps 1 of its edges; it takes 2"),
            "{message}"
        );
    }

    #[test]
    fn nb101_prunes_its_op_rows_and_members_at_elastic_width() {
        let _generator = crate::test_generator();
        let images = Tensor::randn([4, 3, 8, 8], (Kind::Float, Device::Cpu));
        let patches = Tensor::randn([20, 1, 3, 3], (Kind::Float, Device::Cpu));
        // The relaxation splits a cell's channels among its five vertices: at least 5.
        let config = TenasConfig {
            channels: 5,
            cells: Some(1),
            thin_channels: 5,
            repeats: 1,
            seed: 0,
        };
        let space = crate::space::load_space("nb101").unwrap();
        let net = PrunedSupernet::new(&space, config, images, &patches, 20).unwrap();
        // 5 op rows and 21 members; no `k of` choice.
        assert_eq!(net.rows().len(), 26);
        assert!(net.input_choices().is_empty());
        let full = net.full();
        assert!(net.ntk(&full).unwrap()[0].is_finite());
        assert!(net.regions(&full).unwrap()[0] >= 1.0);
        // Each op row's first op and every member `on`: 21 edges, cut back to at most 9.
        let one = Alive(
            net.rows()
                .iter()
                .map(|r| match r.kind {
                    RowKind::Member { .. } => vec![false, true],
                    _ => (0..r.labels.len()).map(|k| k == 0).collect(),
                })
                .collect(),
        );
        assert_ne!(net.ntk(&one).unwrap(), net.ntk(&full).unwrap());
        let arch = net.arch(&one).unwrap().unwrap();
        let text = net.space().encode(&arch);
        assert_eq!(net.space().decode(&text).unwrap(), arch);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let _generator = crate::test_generator();
        let images = Tensor::zeros([1, 3, 8, 8], (Kind::Float, Device::Cpu));
        let patches = Tensor::zeros([4, 1, 3, 3], (Kind::Float, Device::Cpu));
        let config = TenasConfig {
            channels: 2,
            cells: Some(1),
            thin_channels: 1,
            repeats: 1,
            seed: 0,
        };
        let space = crate::space::load_space("nb201").unwrap();
        assert!(PrunedSupernet::new(&space, config, images, &patches, 2).is_err());
    }
}
