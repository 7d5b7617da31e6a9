//! Learned performance predictors, trained with libtorch on the CPU through `tch`:
//!
//! - the graph network of Wen et al. (2019, "Neural Predictor for Neural Architecture
//!   Search"): graph-convolution layers over the architecture's DAG ([`ArchGraph`]), each
//!   averaging a pass along the edges and one against them (the paper's bidirectional GCN,
//!   adjacency with self-loops, row-normalised), ReLU, the vertices' mean, then a fully
//!   connected head; trained by mean squared error.
//! - BANANAS' predictor (White et al., 2021): an ensemble of fully connected networks on a
//!   fixed-length encoding (the path encoding, or one-hot), each from its own initialisation,
//!   trained by mean absolute error; the members' spread is its uncertainty.
//!
//! Why `tch` and not plain Rust: the project already links libtorch, autograd and Adam come
//! with it (hand-written backpropagation through bidirectional graph convolutions would be a
//! second, untested autograd), and batched matrix products over all graphs at once keep a fit
//! of a few hundred architectures to seconds on one core. The networks are tiny; they always
//! run on the CPU, seeded through `tch::manual_seed` and the predictor's own generator (the
//! minibatch order), so a fit is reproducible on the same machine.

use super::encode::{ArchGraph, Vocabulary};
use crate::train::generator;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// How a network is built and trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetParams {
    /// Hidden layers (graph convolutions for the graph network, linear layers for the MLP).
    pub layers: usize,
    /// Units per hidden layer.
    pub hidden: usize,
    /// Passes over the training set.
    pub epochs: usize,
    /// Adam's step size.
    pub lr: f64,
    /// Adam's (decoupled) weight decay.
    pub weight_decay: f64,
    /// Architectures per step.
    pub batch: usize,
    /// Networks trained from different initialisations; predictions are their mean and spread.
    pub ensemble: usize,
    /// Train by mean absolute error (BANANAS) instead of mean squared error (Wen et al.).
    pub l1: bool,
}

/// The inputs of a whole training or prediction set as tensors.
enum Inputs {
    /// Vertex features `[B, V, F]`, forward and backward propagation matrices `[B, V, V]`, the
    /// vertex mask `[B, V, 1]` and the global vectors `[B, G]`.
    Graphs {
        x: Tensor,
        fwd: Tensor,
        bwd: Tensor,
        mask: Tensor,
        global: Tensor,
    },
    /// Fixed-length encodings `[B, D]`.
    Dense(Tensor),
}

impl Inputs {
    fn select(&self, rows: &Tensor) -> Inputs {
        match self {
            Inputs::Graphs {
                x,
                fwd,
                bwd,
                mask,
                global,
            } => Inputs::Graphs {
                x: x.index_select(0, rows),
                fwd: fwd.index_select(0, rows),
                bwd: bwd.index_select(0, rows),
                mask: mask.index_select(0, rows),
                global: global.index_select(0, rows),
            },
            Inputs::Dense(t) => Inputs::Dense(t.index_select(0, rows)),
        }
    }

    fn len(&self) -> i64 {
        match self {
            Inputs::Graphs { x, .. } => x.size()[0],
            Inputs::Dense(t) => t.size()[0],
        }
    }
}

/// Row-normalised `a + I`, as a flat `v × v` row-major matrix.
fn propagation(v: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<f32> {
    let mut m = vec![0f32; v * v];
    for i in 0..v {
        m[i * v + i] = 1.0;
    }
    for (to, from) in edges {
        m[to * v + from] = 1.0;
    }
    for row in m.chunks_mut(v) {
        let s: f32 = row.iter().sum();
        row.iter_mut().for_each(|x| *x /= s);
    }
    m
}

/// The graphs as one padded batch.
fn graph_inputs(graphs: &[ArchGraph], vocab: &Vocabulary) -> Inputs {
    let b = graphs.len();
    let v = graphs
        .iter()
        .map(|g| g.labels.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let f = vocab.vertex_width();
    let g_width = graphs.first().map_or(0, |g| g.global.len());
    let (mut x, mut fwd, mut bwd) = (Vec::new(), Vec::new(), Vec::new());
    let (mut mask, mut global) = (Vec::new(), Vec::new());
    for g in graphs {
        let n = g.labels.len();
        for i in 0..v {
            if i < n {
                x.extend(
                    vocab
                        .vertex_features(g.labels[i], g.graph_of[i])
                        .into_iter()
                        .map(|t| t as f32),
                );
            } else {
                x.extend(std::iter::repeat_n(0f32, f));
            }
            mask.push(f32::from(u8::from(i < n)));
        }
        fwd.extend(propagation(v, g.edges.iter().map(|&(a, b)| (b, a))));
        bwd.extend(propagation(v, g.edges.iter().copied()));
        global.extend(g.global.iter().map(|&t| t as f32));
    }
    let (b, v, f, gw) = (b as i64, v as i64, f as i64, g_width as i64);
    Inputs::Graphs {
        x: Tensor::from_slice(&x).view([b, v, f]),
        fwd: Tensor::from_slice(&fwd).view([b, v, v]),
        bwd: Tensor::from_slice(&bwd).view([b, v, v]),
        mask: Tensor::from_slice(&mask).view([b, v, 1]),
        global: Tensor::from_slice(&global).view([b, gw]),
    }
}

fn dense_inputs(rows: &[Vec<f64>]) -> Inputs {
    let d = rows.first().map_or(0, Vec::len) as i64;
    let flat: Vec<f32> = rows.iter().flatten().map(|&t| t as f32).collect();
    Inputs::Dense(Tensor::from_slice(&flat).view([rows.len() as i64, d]))
}

/// One network of an ensemble.
enum Net {
    Gnn {
        fwd: Vec<nn::Linear>,
        bwd: Vec<nn::Linear>,
        head: nn::Linear,
        out: nn::Linear,
    },
    Mlp(Vec<nn::Linear>),
}

impl Net {
    fn forward(&self, inputs: &Inputs) -> Tensor {
        match (self, inputs) {
            (
                Net::Gnn {
                    fwd: wf,
                    bwd: wb,
                    head,
                    out,
                },
                Inputs::Graphs {
                    x,
                    fwd,
                    bwd,
                    mask,
                    global,
                },
            ) => {
                let mut h = x.shallow_clone();
                for (lf, lb) in wf.iter().zip(wb) {
                    h = ((fwd.bmm(&lf.forward(&h)) + bwd.bmm(&lb.forward(&h))) * 0.5).relu();
                }
                let pooled = (h * mask).sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
                    / mask
                        .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
                        .clamp_min(1.0);
                let z = Tensor::cat(&[pooled, global.shallow_clone()], 1);
                out.forward(&head.forward(&z).relu()).squeeze_dim(-1)
            }
            (Net::Mlp(layers), Inputs::Dense(x)) => {
                let mut h = x.shallow_clone();
                for (i, l) in layers.iter().enumerate() {
                    h = l.forward(&h);
                    if i + 1 < layers.len() {
                        h = h.relu();
                    }
                }
                h.squeeze_dim(-1)
            }
            _ => unreachable!("a network only meets the inputs it was built for"),
        }
    }
}

/// What a network reads.
#[derive(Debug, Clone)]
pub enum NetInput {
    /// DAGs, for the graph network.
    Graphs(Vocabulary),
    /// Fixed-length vectors of this length, for the MLP.
    Dense(usize),
}

/// A trained ensemble of predictors (one network for Wen et al.'s default of a single model).
pub struct NeuralEnsemble {
    members: Vec<(nn::VarStore, Net)>,
    input: NetInput,
    y_mean: f64,
    y_scale: f64,
}

impl std::fmt::Debug for NeuralEnsemble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NeuralEnsemble({} members)", self.members.len())
    }
}

/// What a fit or a prediction reads: DAGs or vectors.
pub enum Examples<'a> {
    /// DAGs of the graph network's vocabulary.
    Graphs(&'a [ArchGraph]),
    /// Fixed-length vectors.
    Dense(&'a [Vec<f64>]),
}

impl NeuralEnsemble {
    /// Trains `params.ensemble` networks on `examples` and targets `ys` (standardised inside);
    /// `seed` fixes the initialisations and the minibatch order.
    pub fn fit(
        input: NetInput,
        examples: Examples,
        ys: &[f64],
        params: &NetParams,
        seed: u64,
    ) -> NeuralEnsemble {
        one_thread(|| NeuralEnsemble::fit_here(input, examples, ys, params, seed))
    }

    fn fit_here(
        input: NetInput,
        examples: Examples,
        ys: &[f64],
        params: &NetParams,
        seed: u64,
    ) -> NeuralEnsemble {
        let inputs = to_inputs(&input, &examples);
        let y_mean = ys.iter().sum::<f64>() / ys.len().max(1) as f64;
        let spread =
            (ys.iter().map(|y| (y - y_mean).powi(2)).sum::<f64>() / ys.len().max(1) as f64).sqrt();
        let y_scale = if spread > 1e-12 { spread } else { 1.0 };
        let targets: Vec<f32> = ys.iter().map(|y| ((y - y_mean) / y_scale) as f32).collect();
        let targets = Tensor::from_slice(&targets);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let members = (0..params.ensemble.max(1))
            .map(|m| {
                let (vs, net) = generator::seeded((seed as i64).wrapping_add(m as i64), || {
                    let vs = nn::VarStore::new(Device::Cpu);
                    let net = build(&vs.root(), &input, params);
                    (vs, net)
                });
                train(&vs, &net, &inputs, &targets, params, &mut rng);
                (vs, net)
            })
            .collect();
        NeuralEnsemble {
            members,
            input,
            y_mean,
            y_scale,
        }
    }

    /// The ensemble's mean prediction and the members' standard deviation for each example.
    pub fn predict(&self, examples: Examples) -> Vec<(f64, f64)> {
        let inputs = to_inputs(&self.input, &examples);
        if inputs.len() == 0 {
            return Vec::new();
        }
        let outs: Vec<Vec<f64>> = one_thread(|| {
            tch::no_grad(|| {
                self.members
                    .iter()
                    .map(|(_, net)| {
                        let y = net.forward(&inputs).to_kind(Kind::Double);
                        Vec::<f64>::try_from(&y).unwrap_or_default()
                    })
                    .collect()
            })
        });
        (0..inputs.len() as usize)
            .map(|i| {
                let v: Vec<f64> = outs
                    .iter()
                    .map(|o| self.y_mean + o.get(i).copied().unwrap_or(0.0) * self.y_scale)
                    .collect();
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
                (mean, var.sqrt())
            })
            .collect()
    }
}

/// Runs `f` with one libtorch intra-op thread (the count is restored after): the networks are
/// tiny, and on a busy machine more threads only wait for each other (a BANANAS test run took
/// over 25 minutes with libtorch's default threads at load 10, seconds with one). Fits and
/// predictions take turns under the generators' lock, which a fit's seeds need anyway: the
/// thread count is the whole process's, and one fit restoring it must not land in another.
fn one_thread<T>(f: impl FnOnce() -> T) -> T {
    let _turn = generator::hold();
    let before = tch::get_num_threads();
    tch::set_num_threads(1);
    let out = f();
    tch::set_num_threads(before);
    out
}

fn to_inputs(input: &NetInput, examples: &Examples) -> Inputs {
    match (input, examples) {
        (NetInput::Graphs(vocab), Examples::Graphs(g)) => graph_inputs(g, vocab),
        (_, Examples::Dense(rows)) => dense_inputs(rows),
        // The predictor pairs graphs with the graph network only; nothing to read otherwise.
        (NetInput::Dense(_), Examples::Graphs(_)) => dense_inputs(&[]),
    }
}

fn build(path: &nn::Path, input: &NetInput, p: &NetParams) -> Net {
    let h = p.hidden.max(1) as i64;
    match input {
        NetInput::Graphs(vocab) => {
            let f = vocab.vertex_width() as i64;
            let (mut fwd, mut bwd) = (Vec::new(), Vec::new());
            for l in 0..p.layers.max(1) {
                let width = if l == 0 { f } else { h };
                let cfg = nn::LinearConfig::default();
                fwd.push(nn::linear(path / format!("f{l}"), width, h, cfg));
                bwd.push(nn::linear(path / format!("b{l}"), width, h, cfg));
            }
            // The head reads the pooled vertices and the global vector.
            let global = vocab.global_width() as i64;
            let head = nn::linear(path / "head", h + global, h, Default::default());
            let out = nn::linear(path / "out", h, 1, Default::default());
            Net::Gnn {
                fwd,
                bwd,
                head,
                out,
            }
        }
        NetInput::Dense(d) => {
            let mut layers = Vec::new();
            let mut width = *d as i64;
            for l in 0..p.layers.max(1) {
                layers.push(nn::linear(
                    path / format!("l{l}"),
                    width,
                    h,
                    Default::default(),
                ));
                width = h;
            }
            layers.push(nn::linear(path / "out", width, 1, Default::default()));
            Net::Mlp(layers)
        }
    }
}

fn train(
    vs: &nn::VarStore,
    net: &Net,
    inputs: &Inputs,
    targets: &Tensor,
    p: &NetParams,
    rng: &mut ChaCha8Rng,
) {
    let Ok(mut opt) = nn::AdamW {
        wd: p.weight_decay,
        ..Default::default()
    }
    .build(vs, p.lr) else {
        return;
    };
    let n = inputs.len() as usize;
    let batch = p.batch.max(1);
    let mut order: Vec<i64> = (0..n as i64).collect();
    for _ in 0..p.epochs {
        order.shuffle(rng);
        for chunk in order.chunks(batch) {
            let rows = Tensor::from_slice(chunk);
            let pred = net.forward(&inputs.select(&rows));
            let diff = pred - targets.index_select(0, &rows);
            let loss = if p.l1 {
                diff.abs().mean(Kind::Float)
            } else {
                (&diff * &diff).mean(Kind::Float)
            };
            opt.backward_step(&loss);
        }
    }
}
