//! `nas train SPACE ARCH`: compile one architecture and train it on an image dataset (or time
//! training steps on synthetic data), printing per-epoch metrics and the test accuracy. Its
//! training settings are the `train(..)` evaluator's, read by the same function with the same
//! defaults ([`TrainSettings::set`]), and it trains through the same driver.

use super::params::parse_shape;
use crate::compile::catalog::{self, NetworkSize};
use crate::compile::{parameter_count, BoxLayer};
use crate::train::device::Runtime;
use crate::train::image_task::ImageTask;
use crate::train::loader::Batch;
use crate::train::settings::{Problem, TrainSettings, Value};
use crate::train::trainer::{Split, Task, Trainer, TrialFailure};
use crate::train::{named, ImageSet};
use indicatif::{ProgressBar, ProgressStyle};
pub use nas_lang::cli::train::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tch::{nn, Device, Kind, Tensor};

#[path = "train_lm.rs"]
mod lm;

/// Runs `nas train`.
pub fn run(args: Args) -> ExitCode {
    let result = settings(&args).and_then(|settings| {
        match args.data.split_once(':').unwrap_or((&args.data, "")) {
            ("ptb", dir) => lm::train_lm(
                &args,
                &settings,
                (!dir.is_empty()).then(|| PathBuf::from(dir)),
            ),
            _ if !settings.language_model_only().is_empty() => {
                let flags = settings.language_model_only();
                Err(format!(
                    "{} only {} to language models (--data ptb)",
                    flags
                        .iter()
                        .map(|k| format!("--{}", k.replace('_', "-")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if flags.len() == 1 { "applies" } else { "apply" }
                ))
            }
            _ => train(&args, &settings),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The training settings the flags give, read as the `train(..)` evaluator reads its
/// arguments: each flag is one `key: value` pair.
fn settings(args: &Args) -> Result<TrainSettings, String> {
    let count = |n: usize| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    let weight_decay = args
        .weight_decay
        .map(|d| (Some("weight_decay".to_string()), Value::Float(d)));
    let mut pairs = vec![
        ("epochs", "epochs", count(args.epochs)),
        ("batch", "batch", Value::Int(args.batch)),
        ("lr", "lr", Value::Float(args.lr)),
        (
            "optimizer",
            "optimizer",
            Value::Call(args.optimizer.clone(), weight_decay.into_iter().collect()),
        ),
        ("schedule", "schedule", Value::Word(args.schedule.clone())),
        ("warmup", "warmup", Value::Float(args.warmup)),
        (
            "label-smoothing",
            "label_smoothing",
            Value::Float(args.label_smoothing),
        ),
        (
            "crop-padding",
            "crop_padding",
            Value::Int(args.crop_padding),
        ),
        ("flip", "flip", Value::Bool(args.flip)),
    ];
    let optional = [
        ("steps", "steps", args.steps.map(count)),
        ("clip", "clip", args.clip.map(Value::Float)),
        ("channels", "channels", args.channels.map(Value::Int)),
        ("cells", "cells", args.cells.map(count)),
        (
            "threads",
            "threads",
            args.threads.map(|t| Value::Int(t.into())),
        ),
        (
            "cpu",
            "device",
            args.cpu.then(|| Value::Word("cpu".to_string())),
        ),
        ("amp", "precision", args.amp.clone().map(Value::Word)),
        (
            "embedding-dropout",
            "embedding_dropout",
            args.embedding_dropout.map(Value::Float),
        ),
        (
            "weight-drop",
            "weight_drop",
            args.weight_drop.map(Value::Float),
        ),
        ("ar", "ar", args.ar.map(Value::Float)),
        ("tar", "tar", args.tar.map(Value::Float)),
        (
            "variable-bptt",
            "variable_bptt",
            args.variable_bptt.then_some(Value::Bool(true)),
        ),
    ];
    pairs.extend(
        optional
            .into_iter()
            .filter_map(|(flag, key, value)| Some((flag, key, value?))),
    );
    let mut settings = TrainSettings::default();
    for (flag, key, value) in &pairs {
        let mut problems = Vec::new();
        settings.set(key, value, &mut problems);
        if let Some(problem) = problems.first() {
            let message = match &problem.problem {
                Problem::Invalid { message, .. } => message.clone(),
                _ => problem.to_string(),
            };
            return Err(format!("--{flag}: {message}"));
        }
    }
    Ok(settings)
}

/// A bar over a run's `total` steps when stdout is a terminal; none in a log or a pipe, where
/// the epoch lines say enough.
pub(super) fn step_bar(total: usize) -> Option<ProgressBar> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    let style = ProgressStyle::with_template(
        "{bar:40.cyan/blue} {pos}/{len} steps  {elapsed_precise} (about {eta} left)",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// `trainer`, moving `bar` along as it steps.
pub(super) fn observed<'a, T: Task>(
    trainer: Trainer<'a, T>,
    bar: Option<&ProgressBar>,
) -> Trainer<'a, T> {
    match bar {
        Some(bar) => {
            let bar = bar.clone();
            trainer.with_step_observer(move |done, _| bar.set_position(done as u64))
        }
        None => trainer,
    }
}

/// Prints `line` above the bar, or plainly without one.
pub(super) fn say(bar: Option<&ProgressBar>, line: String) {
    match bar {
        Some(bar) => bar.println(line),
        None => println!("{line}"),
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

fn train(args: &Args, settings: &TrainSettings) -> Result<(), String> {
    if let Some(t) = settings.threads {
        tch::set_num_threads(t);
    }
    let channels_last = match args.layout.as_str() {
        "channels-last" => true,
        "nchw" => false,
        other => {
            return Err(format!(
                "unknown layout `{other}` (expected channels-last or nchw)"
            ))
        }
    };
    let runtime = if settings.cpu {
        Runtime {
            channels_last,
            amp: settings.amp,
            ..Runtime::cpu()
        }
    } else {
        Runtime::detect(settings.amp, Some(channels_last))
    };
    let data = load(&args.data)?;
    let in_shape = match &data {
        Some((train, _)) => train.image_shape(),
        None => {
            let shape = args.data.split_once(':').map_or("3x32x32", |(_, s)| s);
            parse_shape(shape).ok_or(format!("synthetic shape `{shape}` is not like 3x32x32"))?
        }
    };
    tch::manual_seed(args.seed as i64);
    let vs = nn::VarStore::new(runtime.device);
    let size = NetworkSize {
        classes: Some(data.as_ref().map_or(10, |(t, _)| t.classes)),
        in_channels: Some(in_shape[0]),
        ..settings.size
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
        return time_steps(args, &net, &vs, settings, runtime, in_shape);
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
            .split(args.valid_fraction, args.seed)
            .map_err(|e| e.to_string())?;
        (t, Some(v))
    } else {
        (train_set, None)
    };
    let task = ImageTask::new(
        net.as_ref(),
        (&train_set, valid_set.as_ref(), Some(&test_set)),
        settings,
        runtime,
    );
    let trainer =
        Trainer::new(task, &vs, settings, (runtime, args.seed), None).map_err(|e| e.to_string())?;
    let bar = step_bar(trainer.total_steps());
    let mut trainer = observed(trainer, bar.as_ref());
    let started = Instant::now();
    trainer
        .fit(valid_set.is_some(), |log| {
            let valid = log.valid.map_or(String::new(), |v| {
                format!(
                    ", valid loss {:.4} acc {:.2}%",
                    v.loss,
                    100.0 * v.acc.unwrap_or(0.0)
                )
            });
            say(
                bar.as_ref(),
                format!(
                    "epoch {}: train loss {:.4} acc {:.2}%{valid}, {} steps in {:.1}s",
                    log.epoch,
                    log.train_loss,
                    100.0 * log.train_acc.unwrap_or(0.0),
                    log.steps,
                    log.seconds
                ),
            );
        })
        .map_err(|e| format!("trial failed: {e}"))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let test = trainer
        .measure(Split::Test)
        .map_err(|e| format!("trial failed: {e}"))?;
    println!("test loss: {:.4}", test.loss);
    println!("test accuracy: {:.2}%", 100.0 * test.acc.unwrap_or(0.0));
    println!("total time: {:.1}s", started.elapsed().as_secs_f64());
    if let Some(path) = &args.checkpoint {
        trainer.save(path).map_err(|e| e.to_string())?;
        println!("checkpoint: {}", path.display());
    }
    Ok(())
}

/// Times `--steps` training steps on one fixed random batch, after 3 untimed warm-up steps.
fn time_steps(
    args: &Args,
    net: &BoxLayer,
    vs: &nn::VarStore,
    settings: &TrainSettings,
    runtime: Runtime,
    [c, h, w]: [i64; 3],
) -> Result<(), String> {
    const WARMUP: usize = 3;
    let steps = settings.max_steps.unwrap_or(20);
    let settings = TrainSettings {
        max_steps: None,
        ..*settings
    };
    let n = settings.batch;
    let batch = Batch {
        images: Tensor::randn([n, c, h, w], (Kind::Float, Device::Cpu)),
        labels: Tensor::randint(10, [n], (Kind::Int64, Device::Cpu)),
    };
    // A set of one batch's size, so that the schedule spans one step an epoch.
    let one_batch = ImageSet {
        pixels: Tensor::zeros([n, c, h, w], (Kind::Uint8, Device::Cpu)),
        labels: batch.labels.shallow_clone(),
        classes: 10,
        mean: vec![0.0; c as usize],
        std: vec![1.0; c as usize],
    };
    let task = ImageTask::new(net.as_ref(), (&one_batch, None, None), &settings, runtime);
    let mut trainer =
        Trainer::new(task, vs, &settings, (runtime, args.seed), None).map_err(|e| e.to_string())?;
    let mut started = Instant::now();
    for i in 0..WARMUP + steps {
        if i == WARMUP {
            started = Instant::now();
        }
        trainer
            .step(&batch)
            .map_err(|e| format!("trial failed: {e}"))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "timed: {steps} steps of batch {n} in {seconds:.3}s ({:.2} ms/step, {WARMUP} warm-up steps excluded)",
        1000.0 * seconds / steps.max(1) as f64
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::amp::Precision;
    use crate::train::optim::Optim;
    use clap::Parser;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        args: Args,
    }

    fn settings_of(flags: &[&str]) -> Result<TrainSettings, String> {
        let argv = ["train", "nb201", "ARCH"].iter().chain(flags);
        settings(&Command::parse_from(argv).args)
    }

    #[test]
    fn the_defaults_are_the_train_evaluators() {
        assert_eq!(settings_of(&[]).unwrap(), TrainSettings::default());
        let adamw = settings_of(&["--optimizer", "adamw"]).unwrap();
        assert_eq!(Some(adamw.optim), Optim::named("adamw"));
        let decayed = settings_of(&["--optimizer", "adamw", "--weight-decay", "0"]).unwrap();
        assert!(matches!(
            decayed.optim,
            Optim::AdamW { weight_decay, beta1, .. } if weight_decay == 0.0 && beta1 == 0.9
        ));
        let flags = settings_of(&["--cpu", "--amp", "--threads", "2", "--channels", "4"]).unwrap();
        assert_eq!(
            (flags.cpu, flags.amp, flags.threads, flags.size.channels),
            (true, Some(Precision::Bf16), Some(2), Some(4))
        );
        let wrong = settings_of(&["--optimizer", "adagrad"]).unwrap_err();
        assert!(wrong.contains("unknown optimizer `adagrad`"), "{wrong}");
        let wrong = settings_of(&["--batch", "0"]).unwrap_err();
        assert_eq!(wrong, "--batch: this must be at least 1");
    }
}
