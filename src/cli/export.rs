//! `nas export SPACE ARCH -o DIR` and `nas export RUN.jsonl --best -o DIR`: an architecture
//! (with trained weights when given, or the weights the run saved) written out as a plain
//! PyTorch module, its safetensors, `arch.json` and `export_onnx.py` ([`crate::export`]).

use crate::compile::catalog::{self, NetworkSize};
use crate::compile::sequence::is_sequence_space;
use crate::export::{self, declared_input, Request};
use crate::search::runner::best_of;
use crate::search::store;
use crate::search::train_eval::training_json;
use crate::search::trial::Trial;
use crate::search::trial_guard::trial_seed;
use crate::space::{load_space, load_space_with, InputShape, Space};
pub use nas_lang::cli::export::Args;
use serde_json::{json, Map, Value as Json};
use std::path::Path;
use std::process::ExitCode;

/// Runs `nas export`.
pub fn run(args: Args) -> ExitCode {
    let result = if args.best {
        from_run(&args)
    } else {
        from_space(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", message.trim_start_matches("error: "));
            ExitCode::FAILURE
        }
    }
}

/// The input `text` gives (`CxHxW`, or steps), of the kind `space` reads.
fn parse_input(space: &Space, text: Option<&str>) -> Result<InputShape, String> {
    let declared = declared_input(space);
    let Some(text) = text else {
        return Ok(declared);
    };
    let dims: Option<Vec<i64>> = text
        .split(['x', '×'])
        .map(|d| d.trim().parse().ok().filter(|&v: &i64| v > 0))
        .collect();
    let wanted = if declared.kind == "sequence" { 1 } else { 3 };
    match dims {
        Some(d) if d.len() == wanted => Ok(InputShape {
            dims: if declared.kind == "sequence" {
                [d, declared.dims[1..].to_vec()].concat()
            } else {
                d
            },
            ..declared
        }),
        _ => Err(format!(
            "--input `{text}` is not {}",
            if declared.kind == "sequence" {
                "a number of steps, like 35"
            } else {
                "an image shape like 3x32x32"
            }
        )),
    }
}

fn from_space(args: &Args) -> Result<(), String> {
    let space_name = args.target.as_str();
    let arch_text = args.arch.as_deref().unwrap_or_default();
    let loaded = load_space(space_name)?;
    let space = if is_sequence_space(&loaded) {
        if args.cells.is_some() || args.classes.is_some() {
            return Err(format!(
                "`{space_name}` is a language model: it is sized by --channels (its width `d`) and --vocab, not --cells or --classes"
            ));
        }
        let wanted: Vec<(String, i64)> = [("d", args.channels), ("vocab", args.vocab)]
            .into_iter()
            .filter_map(|(n, v)| v.map(|v| (n.to_string(), v)))
            .collect();
        if wanted.is_empty() {
            loaded
        } else {
            load_space_with(space_name, &wanted)?
        }
    } else {
        if args.vocab.is_some() {
            return Err(format!(
                "--vocab sizes a language model's vocabulary; `{space_name}` reads images"
            ));
        }
        let size = NetworkSize {
            channels: args.channels,
            cells: args.cells,
            classes: args.classes,
            in_channels: None,
        };
        catalog::resize(&loaded, size)
            .map_err(|e| e.to_string())?
            .unwrap_or(loaded)
    };
    let arch = space.decode(arch_text).map_err(|e| {
        format!(
            "`{}` is not an architecture of {space_name}: {e}",
            arch_text.trim()
        )
    })?;
    let input = parse_input(&space, args.input.as_deref())?;
    let about = match &args.weights {
        Some(w) => Map::from_iter([("weights_from".to_string(), json!(w.display().to_string()))]),
        None => Map::new(),
    };
    let request = Request {
        space_name,
        space: &space,
        arch: &arch,
        input: &input,
        weights: args.weights.as_deref(),
        about,
    };
    report(&args.out, &request)
}

fn report(out: &Path, request: &Request) -> Result<(), String> {
    let written = export::export(out, request)?;
    let weights = if request.weights.is_some() {
        "trained weights"
    } else {
        "freshly initialised weights (no --weights given)"
    };
    println!(
        "exported {} ({} parameters, {weights}) to {}:",
        request.space.encode(request.arch),
        written.parameters,
        out.display()
    );
    for f in &written.files {
        println!("  {}", f.display());
    }
    println!(
        "  (run `python {}` to write model.onnx)",
        out.join("export_onnx.py").display()
    );
    Ok(())
}

/// The trial a run chose: of seed `seed`, else the best of every seed's chosen trial.
fn chosen(trials: &[(u64, Vec<Trial>)], seed: Option<u64>, maximize: bool) -> Option<Trial> {
    let picks: Vec<Trial> = trials
        .iter()
        .filter(|(s, _)| seed.is_none_or(|want| *s == want))
        .filter_map(|(_, ts)| best_of(ts, maximize).cloned())
        .collect();
    best_of(&picks, maximize).cloned()
}

fn from_run(args: &Args) -> Result<(), String> {
    let path = Path::new(&args.target);
    let (header, loaded) = store::read(path)?;
    let about = header.about.as_ref().ok_or(format!(
        "{}: this store was written before nas recorded what its runs trained, so it cannot be exported",
        path.display()
    ))?;
    let Some(network) = &about.network else {
        return Err(format!(
            "{}: the store records no network to rebuild (its evaluator, `{}`, trains none, or the store was written before nas recorded it)\n  hint: export an architecture with `nas export SPACE ARCH -o DIR`",
            path.display(),
            about.evaluator
        ));
    };
    let trials: Vec<(u64, Vec<Trial>)> = loaded.trials.into_iter().collect();
    let trial = chosen(&trials, args.seed, about.maximize).ok_or(match args.seed {
        Some(s) => format!(
            "{}: the run of seed {s} has no successful trial",
            path.display()
        ),
        None => format!("{}: no run has a successful trial", path.display()),
    })?;
    let space = network
        .space()
        .map_err(|e| format!("cannot load the run's space `{}`: {e}", network.space))?;
    let arch = space.decode(&trial.arch).map_err(|e| {
        format!(
            "the chosen architecture `{}` is not one of the space `{}` any more: {e}",
            trial.arch, network.space
        )
    })?;
    let weights = store::weights_file(path, &trial);
    let weights = weights.is_file().then_some(weights);
    if weights.is_none() {
        eprintln!(
            "warning: the run saved no weights for trial {} (seed {}); exporting freshly initialised weights",
            trial.id, trial.seed
        );
    }
    let input = network.input_shape();
    let mut metrics = Map::new();
    if let Some(r) = trial.reward {
        metrics.insert(about.metric.clone(), json!(r));
    }
    // What was measured beside the reward: the objectives after the first, and a formula's
    // metrics (the evaluator's own among them).
    for (name, v) in &trial.metrics {
        metrics.insert(name.clone(), json!(v));
    }
    if let (Some(name), Some(v)) = (&about.report, trial.report) {
        metrics.insert(name.clone(), json!(v));
    }
    let run = json!({
        "store": path.display().to_string(),
        "experiment": header.experiment,
        "strategy": header.strategy,
        "seed": trial.seed,
        "trial": trial.id,
        "fidelity": trial.fidelity,
        "objective": if about.maximize { "maximize" } else { "minimize" },
    });
    let mut extra = Map::new();
    extra.insert("metrics".into(), Json::Object(metrics));
    let mut training = network.training.clone();
    // A run that searched training settings trained this trial under the ones it chose.
    if let Some(searched) = network.searched()? {
        let settings = searched.for_arch(&space, &arch)?;
        if let (Json::Object(t), Json::Object(chosen)) = (&mut training, training_json(&settings)) {
            t.remove("searched");
            t.extend(chosen);
            let picked = searched.chosen(&space, &arch).into_iter();
            t.insert(
                "chosen".into(),
                Json::Object(picked.map(|(k, v)| (k, json!(v))).collect()),
            );
        }
    }
    // The trial's own seed (its initialisation and shuffling) mixes in its run's and its
    // architecture.
    if let Some(base) = training.get("evaluator_seed").and_then(Json::as_u64) {
        training["trial_seed"] = json!(trial_seed(base, trial.seed, &trial.arch));
    }
    extra.insert("training".into(), training);
    extra.insert("run".into(), run);
    let request = Request {
        space_name: &network.space,
        space: &space,
        arch: &arch,
        input: &input,
        weights: weights.as_deref(),
        about: extra,
    };
    report(&args.out, &request)
}
