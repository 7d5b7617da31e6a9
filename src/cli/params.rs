//! `nas params SPACE ARCH`: the parameter count and FLOPs of one architecture.

use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{parameter_count, shape_and_macs};
use nas_lang::cli::params::Args;
use std::process::ExitCode;
use tch::{nn, Device, Kind, Tensor};

/// The image shape space `space` declares as its input, if it loads and declares one.
fn declared_input(space: &str) -> Option<String> {
    let loaded = crate::space::load_space(space).ok()?;
    let shape = loaded.skeleton().input.clone()?;
    match (shape.kind.as_str(), shape.dims.as_slice()) {
        ("image", [c, h, w]) => Some(format!("{c}x{h}x{w}")),
        _ => None,
    }
}

/// Parses `CxHxW` into three positive sizes.
pub fn parse_shape(text: &str) -> Option<[i64; 3]> {
    let dims: Vec<i64> = text
        .split(['x', '×'])
        .map(|d| d.trim().parse().ok().filter(|&v: &i64| v > 0))
        .collect::<Option<_>>()?;
    dims.try_into().ok()
}

/// The number of steps of a space's `sequence(T, ·)` input, if it declares one (its networks
/// read token ids).
fn declared_steps(space: &str) -> Option<i64> {
    let loaded = crate::space::load_space(space).ok()?;
    let shape = loaded.skeleton().input.clone()?;
    match (shape.kind.as_str(), shape.dims.as_slice()) {
        ("sequence", [t, _]) => Some(*t),
        _ => None,
    }
}

/// Runs `nas params`.
pub fn run(args: Args) -> ExitCode {
    if args.input.is_none() {
        if let Some(steps) = declared_steps(&args.space) {
            return run_sequence(&args, steps);
        }
    }
    let input = args
        .input
        .clone()
        .or_else(|| declared_input(&args.space))
        .unwrap_or_else(|| "3x32x32".to_string());
    let Some([c, h, w]) = parse_shape(&input) else {
        eprintln!("error: --input `{input}` is not a shape like 3x32x32");
        return ExitCode::FAILURE;
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        channels: args.channels,
        cells: args.cells,
        classes: args.classes,
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

/// `nas params` for a space whose networks read `steps` token ids.
fn run_sequence(args: &Args, steps: i64) -> ExitCode {
    let vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        channels: args.channels,
        cells: args.cells,
        classes: args.classes,
        in_channels: None,
    };
    let result = catalog::build(&vs.root(), &args.space, &args.arch, size).and_then(|net| {
        let x = Tensor::zeros([1, steps], (Kind::Int64, Device::Cpu));
        shape_and_macs(net.as_ref(), &x)
    });
    match result {
        Ok((shape, macs)) => {
            println!("space: {}", args.space);
            println!("arch: {}", args.arch.trim());
            println!("input: {steps} token ids, output {shape:?}");
            println!("params: {}", parameter_count(&vs));
            println!(
                "flops: {macs} ({:.2} M multiply-accumulates per sequence)",
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
