//! `nas train SPACE ARCH --data ptb[:DIR]`: an architecture of a sequence space (enas_rnn,
//! nb_nlp) compiled as a language model with Penn Treebank's vocabulary and trained with
//! truncated back-propagation through time (windows as long as the space's input sequence),
//! printing the training and validation perplexity of every epoch and the test perplexity.

use super::{config, Args};
use crate::compile::parameter_count;
use crate::compile::sequence::{is_sequence_space, SequenceNet};
use crate::space::{load_space, load_space_with};
use crate::train::lm::{in_precision, perplexity_of, train_pass};
use crate::train::ptb;
use std::path::PathBuf;
use std::time::Instant;
use tch::{nn, Device, Tensor};

/// Trains `args.arch` of `args.space` on the PTB corpus in `dir` (default: the project's
/// `data/ptb/`).
pub(super) fn train_lm(args: &Args, dir: Option<PathBuf>) -> Result<(), String> {
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
    let skeleton = loaded.skeleton();
    let has = |name: &str| skeleton.args.iter().any(|(n, _)| n == name);
    if !has("vocab") {
        return Err(format!(
            "`{}` has no `vocab` parameter to size it",
            args.space
        ));
    }
    let mut space_args = vec![("vocab".to_string(), corpus.vocab.len() as i64)];
    if let Some(d) = args.channels {
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
    let device = if args.cpu {
        Device::Cpu
    } else {
        Device::cuda_if_available()
    };
    let amp = super::precision(args)?;
    if amp == Some(crate::train::amp::Precision::Fp16) {
        return Err(
            "language models train in bf16 or float32: fp16 would need loss scaling (use --amp bf16)"
                .to_string(),
        );
    }
    let config = config(args)?;
    tch::manual_seed(config.seed as i64);
    let vs = nn::VarStore::new(device);
    let net = SequenceNet::new(&vs.root(), &space, &arch).map_err(|e| e.to_string())?;
    println!(
        "{} {}: {} parameters, on {device:?}{}",
        args.space,
        args.arch.trim(),
        parameter_count(&vs),
        amp.map_or(String::new(), |p| format!(", autocast {}", p.name()))
    );
    let mut opt = config
        .optim
        .build(&vs, config.lr)
        .map_err(|e| e.to_string())?;
    let tokens = |split: &Tensor, limit: Option<i64>| {
        let n = split.size()[0];
        split.narrow(0, 0, limit.map_or(n, |l| l.clamp(2, n)))
    };
    let rows = |split: Tensor, batch: i64| {
        ptb::batchify(&split, batch)
            .and_then(|r| r.f_to_device(device))
            .map_err(|e| e.to_string())
    };
    let train = rows(tokens(&corpus.train, args.limit), args.batch)?;
    let valid = rows(tokens(&corpus.valid, args.test_limit), 10)?;
    let test = rows(tokens(&corpus.test, args.test_limit), 10)?;
    let forward = in_precision(
        |x: &Tensor, s: &[Tensor], train| net.forward_states(x, s, train),
        device,
        amp,
    )
    .map_err(|e| e.to_string())?;
    let clip = args.clip.unwrap_or(0.25);
    let start = Instant::now();
    for epoch in 1..=args.epochs.max(1) {
        let states = net.zero_states(args.batch, device);
        let train_ppl = train_pass(forward, states, &mut opt, &train, (bptt, clip), args.steps)
            .map_err(|e| format!("training failed: {e}"))?;
        let valid_ppl = perplexity_of(forward, net.zero_states(10, device), &valid, bptt)
            .map_err(|e| e.to_string())?;
        println!(
            "epoch {epoch}: train perplexity {train_ppl:.2}, valid perplexity {valid_ppl:.2} ({:.1} s)",
            start.elapsed().as_secs_f64()
        );
    }
    let test_ppl = perplexity_of(forward, net.zero_states(10, device), &test, bptt)
        .map_err(|e| e.to_string())?;
    println!("test perplexity {test_ppl:.2}");
    if let Some(path) = &args.checkpoint {
        crate::train::checkpoint::save(&vs, path).map_err(|e| e.to_string())?;
        println!("checkpoint: {}", path.display());
    }
    Ok(())
}
