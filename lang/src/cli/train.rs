//! `nas train SPACE ARCH`: compile one architecture and train it on an image dataset (or time
//! training steps on synthetic data), printing per-epoch metrics and the test accuracy. Its
//! training settings are the `train(..)` evaluator's, read by the same function with the same
//! defaults ([`TrainSettings::set`]), and it trains through the same driver.
//!
//! Its command-line arguments, parsed by the `nas` launcher without loading the engine;
//! the engine (`src/cli/train.rs`) runs it.

use crate::train::settings::TrainSettings;
use std::path::PathBuf;

/// Options of `nas train`. The training settings among them are mapped onto the keys of the
/// `train(..)` evaluator and read by the same function, with the same defaults
/// ([`crate::train::settings`] describes them).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The space (`nb201`, `darts`, … or `FILE.nas:NAME`).
    pub space: String,
    /// The architecture in the space's canonical text (for nb201 the benchmark string).
    pub arch: String,
    /// The data: `fashion-mnist[:DIR]`, `mnist:DIR`, `cifar10:DIR`, `cifar100:DIR`,
    /// `synthetic[:CxHxW]` (random images, for timing steps), or `ptb[:DIR]` (Penn Treebank,
    /// for sequence spaces: a language model; `--limit` and `--test-limit` count tokens).
    #[arg(long, default_value = "fashion-mnist")]
    pub data: String,
    /// Passes over the training set (`epochs`).
    #[arg(long, default_value_t = TrainSettings::default().epochs)]
    pub epochs: usize,
    /// Stop after this many steps in all (with synthetic data: the steps to time) (`steps`).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Examples per step; rows of the token stream for language models (`batch`).
    #[arg(long, default_value_t = TrainSettings::default().batch)]
    pub batch: i64,
    /// Learning rate after warm-up (`lr`).
    #[arg(long, default_value_t = TrainSettings::default().lr)]
    pub lr: f64,
    /// `sgd` (Nesterov momentum 0.9) or `adamw` (betas 0.9, 0.999) (`optimizer`).
    #[arg(long, default_value_t = TrainSettings::default().optim.name().to_string())]
    pub optimizer: String,
    /// Weight decay (default: the optimizer's, 5e-4 for sgd and 0.01 for adamw)
    /// (`optimizer: NAME(weight_decay: ..)`).
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// `cosine`, `step` (×0.1 every third of the run) or `constant` (`schedule`).
    #[arg(long, default_value_t = TrainSettings::default().schedule.name().to_string())]
    pub schedule: String,
    /// Warm-up epochs (`warmup`).
    #[arg(long, default_value_t = TrainSettings::default().warmup_epochs)]
    pub warmup: f64,
    /// Clip the gradient norm to this value (default: none for images, 0.25 for language
    /// models) (`clip`).
    #[arg(long)]
    pub clip: Option<f64>,
    /// Label smoothing (`label_smoothing`).
    #[arg(long, default_value_t = TrainSettings::default().label_smoothing)]
    pub label_smoothing: f64,
    /// Random-crop padding in pixels, 0: no cropping (`crop_padding`).
    #[arg(long, default_value_t = TrainSettings::default().augment.crop_padding)]
    pub crop_padding: i64,
    /// Random horizontal flips (`flip`).
    #[arg(long)]
    pub flip: bool,
    /// Language models: drop whole words from the embedding table with this probability
    /// (`embedding_dropout`; AWD-LSTM's 0.1).
    #[arg(long)]
    pub embedding_dropout: Option<f64>,
    /// Language models: DropConnect on the cells' recurrent weights with this probability
    /// (`weight_drop`; AWD-LSTM's 0.5).
    #[arg(long)]
    pub weight_drop: Option<f64>,
    /// Language models: the weight of the activation regularisation (`ar`; AWD-LSTM's 2).
    #[arg(long)]
    pub ar: Option<f64>,
    /// Language models: the weight of the temporal activation regularisation (`tar`;
    /// AWD-LSTM's 1).
    #[arg(long)]
    pub tar: Option<f64>,
    /// Language models: windows of random length around the space's, the rate scaled by
    /// their length, as AWD-LSTM trains (`variable_bptt`).
    #[arg(long)]
    pub variable_bptt: bool,
    /// Hold out this fraction of the training set for validation (seeded).
    #[arg(long, default_value_t = 0.0)]
    pub valid_fraction: f64,
    /// Train on the first N training examples only.
    #[arg(long)]
    pub limit: Option<i64>,
    /// Test on the first N test examples only.
    #[arg(long)]
    pub test_limit: Option<i64>,
    /// Channels of the first stage: the space's parameter `c` (`d` for language models)
    /// (`channels`).
    #[arg(long)]
    pub channels: Option<i64>,
    /// Cells per stage: the space's parameter `n` or `cells` (`cells`).
    #[arg(long)]
    pub cells: Option<usize>,
    /// Seed of initialisation, split, shuffling and augmentation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// libtorch CPU threads (default: libtorch's choice) (`threads`).
    #[arg(long)]
    pub threads: Option<i32>,
    /// Train on the CPU even when CUDA is available (`device: cpu`).
    #[arg(long)]
    pub cpu: bool,
    /// Mixed precision: forward passes under autocast in `bf16` (the default of a bare
    /// `--amp`; float32's range, no loss scaling) or `fp16` (with dynamic loss scaling), on the
    /// GPU or the CPU (`precision`).
    #[arg(long, value_name = "PRECISION", num_args = 0..=1, default_missing_value = "bf16")]
    pub amp: Option<String>,
    /// Memory layout of images and conv weights: `channels-last` (default) or `nchw`.
    #[arg(long, default_value = "channels-last")]
    pub layout: String,
    /// Write the trained variables to this `.safetensors` file.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
}
