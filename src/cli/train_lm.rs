//! `nas train SPACE ARCH --data ptb[:DIR]`: an architecture of a sequence space (enas_rnn,
//! nb_nlp) compiled as a language model with Penn Treebank's vocabulary and trained through the
//! one driver with truncated back-propagation through time (windows as long as the space's
//! input sequence), printing the training and validation perplexity of every epoch and the
//! test perplexity.

use super::Args;
use crate::compile::parameter_count;
use crate::compile::sequence::{is_sequence_space, SequenceNet};
use crate::space::{load_space, load_space_with};
use crate::train::amp::Precision;
use crate::train::device::Runtime;
use crate::train::lm::{LmTask, TokenSplits};
use crate::train::ptb;
use crate::train::settings::TrainSettings;
use crate::train::trainer::{Split, Trainer};
use std::path::PathBuf;
use std::time::Instant;
use tch::{nn, Device, Tensor};

/// Trains `args.arch` of `args.space` under `settings` on the PTB corpus in `dir` (default:
/// the project's `data/ptb/`).
pub(super) fn train_lm(
    args: &Args,
    settings: &TrainSettings,
    dir: Option<PathBuf>,
) -> Result<(), String> {
    let dir = dir
        .or_else(|| crate::paths::data_dir().map(|d| d.join("ptb")))
        .ok_or("no data folder was found (the project's data/); give --data ptb:DIR")?;
    let corpus = ptb::load_ptb(&dir).map_err(|e| e.to_string())?;
    let loaded = load_space(&args.space)?;
    if !is_sequence_space(&loaded) {
        return Err(format!(
            "--data ptb trains language models; `{}` is not a sequence space",
            args.space
        ));
    }
    let image_only = settings.image_only();
    if !image_only.is_empty() {
        return Err(format!(
            "{} only {} to image networks: drop them when training on ptb",
            image_only.join(", "),
            if image_only.len() == 1 {
                "applies"
            } else {
                "apply"
            }
        ));
    }
    let skeleton = loaded.skeleton();
    let has = |name: &str| skeleton.args.iter().any(|(n, _)| n == name);
    if !has("vocab") {
        return Err(format!(
            "`{}` has no `vocab` parameter to size it",
            args.space
        ));
    }
    let mut space_args = vec![("vocab".to_string(), corpus.vocab.len() as i64)];
    if let Some(d) = settings.size.channels {
        if !has("d") {
            return Err(format!("`{}` has no width parameter `d`", args.space));
        }
        space_args.push(("d".to_string(), d));
    }
    let space = load_space_with(&args.space, &space_args)?;
    let arch = space.decode(&args.arch).map_err(|e| e.to_string())?;
    let bptt = match skeleton.input.as_ref().map(|s| s.dims.as_slice()) {
        Some([t, _]) => *t,
        _ => 35,
    };
    if settings.amp == Some(Precision::Fp16) {
        return Err(
            "language models train in bf16 or float32: fp16 would need loss scaling (use --amp bf16)"
                .to_string(),
        );
    }
    if let Some(t) = settings.threads {
        tch::set_num_threads(t);
    }
    let runtime = Runtime {
        device: if settings.cpu {
            Device::Cpu
        } else {
            Device::cuda_if_available()
        },
        amp: settings.amp,
        ..Runtime::cpu()
    };
    tch::manual_seed(args.seed as i64);
    let vs = nn::VarStore::new(runtime.device);
    let net = SequenceNet::new(&vs.root(), &space, &arch).map_err(|e| e.to_string())?;
    println!(
        "{} {}: {} parameters, on {:?}{}",
        args.space,
        args.arch.trim(),
        parameter_count(&vs),
        runtime.device,
        settings
            .amp
            .map_or(String::new(), |p| format!(", autocast {}", p.name()))
    );
    let tokens = |split: &Tensor, limit: Option<i64>| {
        let n = split.size()[0];
        split.narrow(0, 0, limit.map_or(n, |l| l.clamp(2, n)))
    };
    let splits = TokenSplits {
        train: tokens(&corpus.train, args.limit),
        valid: tokens(&corpus.valid, args.test_limit),
        test: tokens(&corpus.test, args.test_limit),
    };
    let task = LmTask::new(&net, &splits, bptt, settings, runtime).map_err(|e| e.to_string())?;
    let trainer =
        Trainer::new(task, &vs, settings, (runtime, args.seed), None).map_err(|e| e.to_string())?;
    let bar = super::step_bar(trainer.total_steps());
    let mut trainer = super::observed(trainer, bar.as_ref());
    let start = Instant::now();
    trainer
        .fit(true, |log| {
            super::say(
                bar.as_ref(),
                format!(
                    "epoch {}: train perplexity {:.2}, valid perplexity {:.2} ({:.1} s)",
                    log.epoch,
                    log.train_loss.exp(),
                    log.valid.map_or(f64::NAN, |v| v.loss.exp()),
                    start.elapsed().as_secs_f64()
                ),
            );
        })
        .map_err(|e| format!("training failed: {e}"))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let test = trainer.measure(Split::Test).map_err(|e| e.to_string())?;
    println!("test perplexity {:.2}", test.loss.exp());
    if let Some(path) = &args.checkpoint {
        trainer.save(path).map_err(|e| e.to_string())?;
        println!("checkpoint: {}", path.display());
    }
    Ok(())
}
