//! `nas demo`: train a small CNN on Fashion-MNIST through the one training driver and print its
//! test accuracy.

use crate::compile::activation::Activation;
use crate::compile::conv::ConvConfig;
use crate::compile::pool::PoolKind;
use crate::compile::{CompileError, OpSpec, Sequential};
use crate::train::device::Runtime;
use crate::train::fashion_mnist;
use crate::train::image_task::ImageTask;
use crate::train::optim::Optim;
use crate::train::schedule::ScheduleKind;
use crate::train::settings::TrainSettings;
use crate::train::trainer::{Split, Trainer};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tch::nn;

/// Options of `nas demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Epochs to train.
    #[arg(long, default_value_t = 1)]
    epochs: usize,
    /// Examples per step.
    #[arg(long, default_value_t = 128)]
    batch: i64,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    /// Seed for initialisation and shuffling.
    #[arg(long, default_value_t = 0)]
    seed: i64,
    /// Train on the first N training images only (all when absent).
    #[arg(long)]
    limit: Option<i64>,
    /// Folder with the Fashion-MNIST IDX files (default: NAS_FASHION_MNIST, else Debian's).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Train on the CPU even when CUDA is available.
    #[arg(long)]
    cpu: bool,
}

/// Runs `nas demo`.
pub fn run(args: Args) -> ExitCode {
    if args.batch < 1 {
        eprintln!("error: --batch must be at least 1");
        return ExitCode::FAILURE;
    }
    let dir = args
        .data
        .clone()
        .unwrap_or_else(crate::paths::fashion_mnist_dir);
    let mut data = match fashion_mnist::load_fashion_mnist(&dir) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("  hint: {hint}");
            }
            return ExitCode::FAILURE;
        }
    };
    if let Some(limit) = args.limit {
        data.train = data.train.take(limit.max(1));
    }
    tch::manual_seed(args.seed);
    let runtime = Runtime {
        device: if args.cpu {
            tch::Device::Cpu
        } else {
            tch::Device::cuda_if_available()
        },
        ..Runtime::cpu()
    };
    let vs = nn::VarStore::new(runtime.device);
    let model = match small_cnn(&vs.root(), 10) {
        Ok(model) => model,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "training a small CNN on Fashion-MNIST ({} train / {} test images) on {:?}, {} libtorch threads",
        data.train.len(),
        data.test.len(),
        runtime.device,
        tch::get_num_threads()
    );
    // Adam (AdamW without decay) at a constant rate, through the one training driver.
    let settings = TrainSettings {
        epochs: args.epochs.max(1),
        batch: args.batch,
        lr: args.lr,
        optim: Optim::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
        },
        schedule: ScheduleKind::Constant,
        ..TrainSettings::default()
    };
    let sets = (&data.train, None, Some(&data.test));
    let task = ImageTask::new(&model, sets, &settings, runtime);
    let seed = args.seed as u64;
    let trainer = Trainer::new(task, &vs, &settings, (runtime, seed), None);
    let mut trainer = match trainer {
        Ok(trainer) => trainer,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for epoch in 1..=settings.epochs {
        let bar = ProgressBar::new(data.train.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "epoch {prefix} {bar:30} {pos}/{len} images  {per_sec}  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(format!("{epoch}/{}", settings.epochs));
        let started = Instant::now();
        let result = trainer.epoch_observed(epoch, |step| {
            bar.inc(step.weight as u64);
            bar.set_message(format!("loss {:.4}", step.loss));
        });
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(log) => println!(
                "epoch {epoch}: mean loss {:.4}, {:.0} images/s",
                log.train_loss,
                data.train.len() as f64 / seconds
            ),
            Err(reason) => {
                eprintln!("error: training failed: {reason}");
                return ExitCode::FAILURE;
            }
        }
    }
    let acc = match trainer.measure(Split::Test) {
        Ok(m) => m.acc.unwrap_or(0.0),
        Err(reason) => {
            eprintln!("error: evaluation failed: {reason}");
            return ExitCode::FAILURE;
        }
    };
    println!("test accuracy: {:.2}%", 100.0 * acc);
    ExitCode::SUCCESS
}

/// Two conv–batchnorm–ReLU–max-pool stages (32 and 64 channels, 3×3 pooling windows of stride
/// 2: 28×28 → 14×14 → 7×7) and a two-layer classifier head, for 1×28×28 images, built from the
/// compiler's ops under `p`.
fn small_cnn(p: &nn::Path, classes: i64) -> Result<Sequential, CompileError> {
    let stage = |c_out: i64| {
        [
            OpSpec::Conv(ConvConfig::new(c_out, 3)),
            OpSpec::BatchNorm { affine: true },
            OpSpec::Act(Activation::Relu),
            OpSpec::Pool {
                kind: PoolKind::Max,
                kernel: 3,
                stride: 2,
                c_out: None,
            },
        ]
    };
    let linear = |d_out| OpSpec::Linear { d_out, bias: true };
    let names = [
        "conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "pool2", "flatten", "fc1",
        "relu3", "fc2",
    ];
    let ops = stage(32).into_iter().chain(stage(64)).chain([
        OpSpec::Flatten,
        linear(128),
        OpSpec::Act(Activation::Relu),
        linear(classes),
    ]);
    let (mut layers, mut c) = (Vec::new(), 1);
    for (name, op) in names.into_iter().zip(ops) {
        // The flattened 64×7×7 features feed the first linear layer.
        let c_in = if name == "fc1" { 64 * 7 * 7 } else { c };
        let (layer, c_out) = op.build(&(p / name), c_in)?;
        layers.push((name.to_string(), layer));
        c = c_out;
    }
    Ok(Sequential::named(layers))
}
