//! `nas train SPACE ARCH`: compile one architecture and train it on an image dataset (or time
//! training steps on synthetic data), printing per-epoch metrics and the test accuracy. Its
//! defaults are those of the `train(..)` evaluator: [`TrainConfig::default`] and
//! [`Optim::named`].

use super::params::parse_shape;
use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{parameter_count, BoxLayer};
use crate::train::amp::Precision;
use crate::train::augment::Augment;
use crate::train::device::Runtime;
use crate::train::optim::Optim;
use crate::train::schedule::Decay;
use crate::train::trainer::{evaluate, TrainConfig, Trainer, TrialFailure};
use crate::train::{checkpoint, named, ImageSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tch::{nn, Device, Kind, Tensor};

/// Options of `nas train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The space (`nb201`, `darts`, … or `FILE.nas:NAME`).
    space: String,
    /// The architecture in the space's canonical text (for nb201 the benchmark string).
    arch: String,
    /// The data: `fashion-mnist[:DIR]`, `mnist:DIR`, `cifar10:DIR`, `cifar100:DIR`,
    /// `synthetic[:CxHxW]` (random images, for timing steps), or `ptb[:DIR]` (Penn Treebank,
    /// for sequence spaces: a language model; `--limit` and `--test-limit` count tokens).
    #[arg(long, default_value = "fashion-mnist")]
    data: String,
    /// Passes over the training set.
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    epochs: usize,
    /// Stop after this many steps (with synthetic data: the steps to time).
    #[arg(long)]
    steps: Option<usize>,
    /// Examples per step.
    #[arg(long, default_value_t = TrainConfig::default().batch)]
    batch: i64,
    /// Learning rate after warm-up.
    #[arg(long, default_value_t = TrainConfig::default().lr)]
    lr: f64,
    /// `sgd` (Nesterov momentum 0.9) or `adamw` (betas 0.9, 0.999), with the defaults of the
    /// `train(..)` evaluator's `optimizer:`.
    #[arg(long, default_value = "sgd")]
    optimizer: String,
    /// Weight decay (default: the optimizer's, 5e-4 for sgd and 0.01 for adamw, as in
    /// experiments).
    #[arg(long)]
    weight_decay: Option<f64>,
    /// `cosine`, `step` (×0.1 every third of the run) or `constant`.
    #[arg(long, default_value = "cosine")]
    schedule: String,
    /// Warm-up epochs.
    #[arg(long, default_value_t = TrainConfig::default().warmup_epochs)]
    warmup: f64,
    /// Clip the gradient norm to this value.
    #[arg(long)]
    clip: Option<f64>,
    /// Label smoothing.
    #[arg(long, default_value_t = TrainConfig::default().label_smoothing)]
    label_smoothing: f64,
    /// Random-crop padding in pixels (0: no cropping).
    #[arg(long, default_value_t = 0)]
    crop_padding: i64,
    /// Random horizontal flips.
    #[arg(long)]
    flip: bool,
    /// Hold out this fraction of the training set for validation (seeded).
    #[arg(long, default_value_t = 0.0)]
    valid_fraction: f64,
    /// Train on the first N training examples only.
    #[arg(long)]
    limit: Option<i64>,
    /// Test on the first N test examples only.
    #[arg(long)]
    test_limit: Option<i64>,
    /// Channels of the first stage: the space's parameter `c`.
    #[arg(long)]
    channels: Option<i64>,
    /// Cells per stage: the space's parameter `n` or `cells`.
    #[arg(long)]
    cells: Option<usize>,
    /// Seed of initialisation, split, shuffling and augmentation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// libtorch CPU threads (default: libtorch's choice).
    #[arg(long)]
    threads: Option<i32>,
    /// Train on the CPU even when CUDA is available.
    #[arg(long)]
    cpu: bool,
    /// Mixed precision: forward passes under autocast in `bf16` (the default of a bare
    /// `--amp`; float32's range, no loss scaling) or `fp16` (with dynamic loss scaling), on the
    /// GPU or the CPU.
    #[arg(long, value_name = "PRECISION", num_args = 0..=1, default_missing_value = "bf16")]
    amp: Option<String>,
    /// Memory layout of images and conv weights: `channels-last` (default) or `nchw`.
    #[arg(long, default_value = "channels-last")]
    layout: String,
    /// Write the trained variables to this `.safetensors` file.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
}

#[path = "train_lm.rs"]
mod lm;

/// The precision `--amp` names, if any.
fn precision(args: &Args) -> Result<Option<Precision>, String> {
    args.amp
        .as_deref()
        .map(|name| {
            Precision::parse(name).ok_or(format!(
                "unknown precision `{name}` for --amp (expected bf16 or fp16)"
            ))
        })
        .transpose()
}

/// Runs `nas train`.
pub fn run(args: Args) -> ExitCode {
    let result = match args.data.split_once(':').unwrap_or((&args.data, "")) {
        ("ptb", dir) => lm::train_lm(&args, (!dir.is_empty()).then(|| PathBuf::from(dir))),
        _ => train(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The training and test sets named by `--data` (`None` for synthetic data).
fn load(spec: &str) -> Result<Option<(ImageSet, ImageSet)>, String> {
    let (name, dir) = match spec.split_once(':') {
        Some((n, d)) => (n, Some(PathBuf::from(d))),
        None => (spec, None),
    };
    if name == "synthetic" {
        return Ok(None);
    }
    if !named::NAMES.contains(&name) {
        return Err(format!(
            "unknown data `{name}` (expected {} or synthetic)",
            named::NAMES.join(", ")
        ));
    }
    if name != "fashion-mnist" && dir.is_none() {
        return Err(format!("--data {name} needs a folder: {name}:DIR"));
    }
    named::load_image_data(name, dir.as_deref()).map(Some)
}

fn config(args: &Args) -> Result<TrainConfig, String> {
    let optim = Optim::named(&args.optimizer).ok_or_else(|| {
        format!(
            "unknown optimizer `{}` (expected {})",
            args.optimizer,
            Optim::NAMES.join(" or ")
        )
    })?;
    let optim = match args.weight_decay {
        Some(decay) => optim.with_weight_decay(decay),
        None => optim,
    };
    if args.batch < 1 {
        return Err("--batch must be at least 1".to_string());
    }
    Ok(TrainConfig {
        epochs: args.epochs,
        batch: args.batch,
        lr: args.lr,
        optim,
        decay: Decay::Constant,
        warmup_epochs: args.warmup,
        clip_grad_norm: args.clip,
        label_smoothing: args.label_smoothing,
        augment: Augment {
            crop_padding: args.crop_padding.max(0),
            flip: args.flip,
        },
        seed: args.seed,
        max_steps: args.steps,
    })
}

fn decay(name: &str, total_steps: usize) -> Result<Decay, String> {
    Ok(match name {
        "cosine" => Decay::Cosine { min_lr: 0.0 },
        "step" => Decay::Step {
            every: total_steps.div_ceil(3).max(1),
            gamma: 0.1,
        },
        "constant" => Decay::Constant,
        other => {
            return Err(format!(
                "unknown schedule `{other}` (expected cosine, step or constant)"
            ))
        }
    })
}

fn train(args: &Args) -> Result<(), String> {
    if let Some(t) = args.threads {
        tch::set_num_threads(t.max(1));
    }
    let mut config = config(args)?;
    let channels_last = match args.layout.as_str() {
        "channels-last" => true,
        "nchw" => false,
        other => {
            return Err(format!(
                "unknown layout `{other}` (expected channels-last or nchw)"
            ))
        }
    };
    let amp = precision(args)?;
    let runtime = if args.cpu {
        Runtime {
            channels_last,
            amp,
            ..Runtime::cpu()
        }
    } else {
        Runtime::detect(amp, Some(channels_last))
    };
    let data = load(&args.data)?;
    let in_shape = match &data {
        Some((train, _)) => train.image_shape(),
        None => {
            let shape = args.data.split_once(':').map_or("3x32x32", |(_, s)| s);
            parse_shape(shape).ok_or(format!("synthetic shape `{shape}` is not like 3x32x32"))?
        }
    };
    tch::manual_seed(config.seed as i64);
    let vs = nn::VarStore::new(runtime.device);
    let size = NetworkSize {
        channels: args.channels,
        cells: args.cells,
        classes: Some(data.as_ref().map_or(10, |(t, _)| t.classes)),
        in_channels: Some(in_shape[0]),
    };
    let net = catalog::build(&vs.root(), &args.space, &args.arch, size)
        .map_err(|e| TrialFailure::Build(e).to_string())?;
    println!(
        "{} {}: {} parameters, on {}",
        args.space,
        args.arch.trim(),
        parameter_count(&vs),
        runtime.describe()
    );
    let Some((train_set, test_set)) = data else {
        return time_steps(args, &net, &vs, config, runtime, in_shape);
    };
    let (mut train_set, mut test_set) = (train_set, test_set);
    if let Some(limit) = args.limit {
        train_set = train_set.take(limit.max(1));
    }
    if let Some(limit) = args.test_limit {
        test_set = test_set.take(limit.max(1));
    }
    let (train_set, valid_set) = if args.valid_fraction > 0.0 {
        let (t, v) = train_set
            .split(args.valid_fraction, config.seed)
            .map_err(|e| e.to_string())?;
        (t, Some(v))
    } else {
        (train_set, None)
    };
    let per_epoch = (train_set.len() as usize).div_ceil(config.batch as usize);
    let total = args
        .steps
        .unwrap_or(usize::MAX)
        .min(per_epoch * config.epochs);
    config.decay = decay(&args.schedule, total)?;
    let mut trainer = Trainer::new(net.as_ref(), &vs, config, runtime, train_set.len())
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    trainer
        .fit(&train_set, valid_set.as_ref(), |log| {
            let valid = log.valid.map_or(String::new(), |(l, a)| {
                format!(", valid loss {l:.4} acc {:.2}%", 100.0 * a)
            });
            println!(
                "epoch {}: train loss {:.4} acc {:.2}%{valid}, {} steps in {:.1}s",
                log.epoch,
                log.train_loss,
                100.0 * log.train_acc,
                log.steps,
                log.seconds
            );
        })
        .map_err(|e| format!("trial failed: {e}"))?;
    let (test_loss, test_acc) = evaluate(net.as_ref(), &test_set, 500, runtime)
        .map_err(|e| format!("trial failed: {e}"))?;
    println!("test loss: {test_loss:.4}");
    println!("test accuracy: {:.2}%", 100.0 * test_acc);
    println!("total time: {:.1}s", started.elapsed().as_secs_f64());
    if let Some(path) = &args.checkpoint {
        checkpoint::save(&vs, path).map_err(|e| e.to_string())?;
        println!("checkpoint: {}", path.display());
    }
    Ok(())
}

/// Times `--steps` training steps on one fixed random batch, after 3 untimed warm-up steps.
fn time_steps(
    args: &Args,
    net: &BoxLayer,
    vs: &nn::VarStore,
    mut config: TrainConfig,
    runtime: Runtime,
    [c, h, w]: [i64; 3],
) -> Result<(), String> {
    const WARMUP: usize = 3;
    let steps = args.steps.unwrap_or(20);
    config.max_steps = None;
    let images = Tensor::randn([config.batch, c, h, w], (Kind::Float, Device::Cpu));
    let labels = Tensor::randint(10, [config.batch], (Kind::Int64, Device::Cpu));
    let mut trainer =
        Trainer::new(net.as_ref(), vs, config, runtime, config.batch).map_err(|e| e.to_string())?;
    let mut started = Instant::now();
    for i in 0..WARMUP + steps {
        if i == WARMUP {
            started = Instant::now();
        }
        trainer
            .step(&images, &labels)
            .map_err(|e| format!("trial failed: {e}"))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "timed: {steps} steps of batch {} in {seconds:.3}s ({:.2} ms/step, {WARMUP} warm-up steps excluded)",
        config.batch,
        1000.0 * seconds / steps.max(1) as f64
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        args: Args,
    }

    fn config_of(flags: &[&str]) -> TrainConfig {
        let argv = ["train", "nb201", "ARCH"].iter().chain(flags);
        config(&Command::parse_from(argv).args).unwrap()
    }

    #[test]
    fn the_defaults_are_the_train_evaluators() {
        // The evaluator starts from `TrainConfig::default()`; the schedule is set later.
        let plain = TrainConfig {
            decay: Decay::Constant,
            ..TrainConfig::default()
        };
        assert_eq!(config_of(&[]), plain);
        let adamw = config_of(&["--optimizer", "adamw"]);
        assert_eq!(Some(adamw.optim), Optim::named("adamw"));
        let decayed = config_of(&["--optimizer", "adamw", "--weight-decay", "0"]);
        assert_eq!(decayed.optim, adamw.optim.with_weight_decay(0.0));
        assert!(config(&Command::parse_from(["t", "s", "a", "--optimizer", "adam"]).args).is_err());
    }
}
