//! `nas params SPACE ARCH`: the parameter count and FLOPs of one architecture.

use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{parameter_count, shape_and_macs};
use std::process::ExitCode;
use tch::{nn, Device, Kind, Tensor};

/// Options of `nas params`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The space (`nb201`).
    space: String,
    /// The architecture (for nb201 the benchmark string `|nor_conv_3x3~0|+|…|`).
    arch: String,
    /// Channels of the first stage (nb201: 16).
    #[arg(long)]
    channels: Option<i64>,
    /// Cells per stage (nb201: 5).
    #[arg(long)]
    cells: Option<usize>,
    /// Output classes.
    #[arg(long, default_value_t = 10)]
    classes: i64,
    /// Input image shape, `CxHxW`.
    #[arg(long, default_value = "3x32x32")]
    input: String,
}

/// Parses `CxHxW` into three positive sizes.
pub fn parse_shape(text: &str) -> Option<[i64; 3]> {
    let dims: Vec<i64> = text
        .split(['x', '×'])
        .map(|d| d.trim().parse().ok().filter(|&v: &i64| v > 0))
        .collect::<Option<_>>()?;
    dims.try_into().ok()
}

/// Runs `nas params`.
pub fn run(args: Args) -> ExitCode {
    let Some([c, h, w]) = parse_shape(&args.input) else {
        eprintln!(
            "error: --input `{}` is not a shape like 3x32x32",
            args.input
        );
        return ExitCode::FAILURE;
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        channels: args.channels,
        cells: args.cells,
        classes: Some(args.classes),
        in_channels: Some(c),
    };
    let result = catalog::build(&vs.root(), &args.space, &args.arch, size).and_then(|net| {
        let x = Tensor::zeros([1, c, h, w], (Kind::Float, Device::Cpu));
        shape_and_macs(net.as_ref(), &x)
    });
    match result {
        Ok((shape, macs)) => {
            println!("space: {}", args.space);
            println!("arch: {}", args.arch.trim());
            println!("input: {c}x{h}x{w}, output {shape:?}");
            println!("params: {}", parameter_count(&vs));
            println!(
                "flops: {macs} ({:.2} M multiply-accumulates per example)",
                macs as f64 / 1e6
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
