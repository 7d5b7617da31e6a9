//! `nas demo`: train a small CNN on Fashion-MNIST and print its test accuracy.

use crate::train::{fashion_mnist, small_cnn};
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
    let device = if args.cpu {
        tch::Device::Cpu
    } else {
        tch::Device::cuda_if_available()
    };
    let vs = nn::VarStore::new(device);
    let model = small_cnn::SmallCnn::new(&vs.root(), 10);
    println!(
        "training a small CNN on Fashion-MNIST ({} train / {} test images) on {device:?}, {} libtorch threads",
        data.train.len(),
        data.test.len(),
        tch::get_num_threads()
    );
    for epoch in 1..=args.epochs {
        let bar = ProgressBar::new(data.train.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "epoch {prefix} {bar:30} {pos}/{len} images  {per_sec}  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(format!("{epoch}/{}", args.epochs));
        let started = Instant::now();
        let result = small_cnn::train_epoch(&model, &vs, &data.train, args.batch, args.lr, |p| {
            bar.set_position(p.seen as u64);
            bar.set_message(format!("loss {:.4}", p.loss));
        });
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(loss) => println!(
                "epoch {epoch}: mean loss {loss:.4}, {:.0} images/s",
                data.train.len() as f64 / seconds
            ),
            Err(reason) => {
                eprintln!("error: training failed: {reason}");
                return ExitCode::FAILURE;
            }
        }
    }
    let acc = match small_cnn::accuracy(&model, &data.test, 1000, device) {
        Ok(acc) => acc,
        Err(reason) => {
            eprintln!("error: evaluation failed: {reason}");
            return ExitCode::FAILURE;
        }
    };
    println!("test accuracy: {:.2}%", 100.0 * acc);
    ExitCode::SUCCESS
}
