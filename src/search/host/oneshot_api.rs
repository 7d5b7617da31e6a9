//! One-shot search from scripts: `ctx.supernet(#{...})` compiles the experiment's space into
//! its weight-sharing supernet ([`crate::oneshot::Supernet`]) at the size `channels` and
//! `cells` ask for (the space's parameters `c` and `n`/`cells`; the space's own when absent;
//! `classes` those of the data), on the first `limit` training images of the experiment's
//! `data` entry split in two (`train_fraction` for the weights, the rest for α) — for a
//! language model's space (a `sequence` input), the corpus's first `limit` training tokens
//! (else all the entry takes) split the same way, read as windows of the space's input
//! length, `d` set by `channels`, the vocabulary the corpus's — and the Rhai type `Supernet`
//! exposes the primitives of
//! [`crate::oneshot`]: `weight_step()`, `weight_step(arch)` (that path only, as ENAS trains),
//! `valid_batch_accuracy(arch)` (on the next validation batch), `alpha_step(order)`,
//! `joint_step()`, `steps_per_epoch()`, `derive()`, `alphas()`, `probabilities()`,
//! `alpha_table()`, `row_names()`, `edge_weights()`, `latencies()`, `expected_latency()`,
//! `set_lr(lr)` / `lr`, `set_mode(m)` / `mode` (`darts`, `gdas`, `snas`, `proxyless`,
//! `path`, `dirichlet`), `set_tau(τ)` / `tau`, `sample_path()` (uniform from the space, its constraints
//! met), `valid_accuracy(arch[, batches])`, `valid_batch_loss(arch)` and
//! `valid_loss(arch[, batches])` (the mean cross-entropy: a language model's perplexity is
//! its `exp`), `text` (whether it is a language model's), and `end_epoch([state])` / `epoch` / `saved`
//! (an epoch finished and checkpointed with the script's state; epochs done and that state
//! after a resume: [`super::checkpoints`]). Settings `partial: K` and
//! `edge_normalization: true` build PC-DARTS' supernet; `latency_weight`, `latency_target`
//! and `latency_batch` set ProxylessNAS' latency term (mode `proxyless`), whose per-op table
//! is measured on the search's device and cached in `latency.csv` of the cache folder
//! (`NAS_CACHE`, else `~/.cache/nas`). A derived or sampled architecture is the run's
//! `Arch`, ready for `ctx.evaluate`. Time inside these calls is host time (outside the
//! script's limit); every failure is a script error with its reason (a space that cannot be
//! a supernet names the decision). The primitives of the remedies of DARTS' failure modes
//! (op masks, α readouts, SDARTS' perturbation, DARTS-' auxiliary skip, DrNAS' Dirichlet
//! mode) are in [`super::alpha_api`].

use super::checkpoints::{self, Slot};
use super::doc::{host_type, Api};
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx};
use super::RhaiResult;
use crate::compile::catalog::{resize, NetworkSize};
use crate::compile::sequence::is_sequence_space;
use crate::oneshot::data::search_split;
use crate::oneshot::{Mode, OneShotError, OneShotSearch, SearchConfig, Supernet, SupernetOptions};
use crate::space::{Architecture, Space};
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A supernet being searched (Rhai type `Supernet`).
#[derive(Clone)]
pub struct SupernetHandle(pub(super) Rc<SupernetState>);

host_type!(SupernetHandle, "Supernet", "a weight-sharing supernet being searched (`ctx.supernet(..)`): weight and α steps, readouts, masks, checkpoints");

/// What a [`SupernetHandle`] holds.
pub struct SupernetState {
    pub(super) search: RefCell<OneShotSearch>,
    /// The run it belongs to (checkpoints save `ctx.rng` and the trial count).
    ctx: Ctx,
    /// Its checkpoint file, when the run keeps checkpoints.
    slot: Option<Slot>,
    /// The script's state saved with the last finished epoch (`()` before any).
    saved: RefCell<Dynamic>,
    /// The run's space (derived architectures are carried into it by their text).
    space: Arc<Space>,
    channels: Option<i64>,
    cells: Option<usize>,
    host_time: Rc<Cell<Duration>>,
}

/// The settings `ctx.supernet` accepts.
const KEYS: [&str; 20] = [
    "channels",
    "cells",
    "batch",
    "train_fraction",
    "limit",
    "seed",
    "lr",
    "momentum",
    "weight_decay",
    "clip",
    "arch_lr",
    "arch_weight_decay",
    "tau",
    "partial",
    "edge_normalization",
    "latency_weight",
    "latency_target",
    "latency_batch",
    "device",
    "threads",
];

/// Registers `ctx.supernet` and the `Supernet` type.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .ty::<SupernetHandle>()
        .fun("supernet", ["ctx", "settings"], &format!("compiles the experiment's space into its weight-sharing supernet, trained on the experiment's data; the settings map may hold {}", KEYS.join(", ")), supernet)
        .fun("weight_step", ["net"], "one SGD step of the shared weights on the next training batch under the mode's mixture; returns the training loss", |n: &mut SupernetHandle| {
            timed(n, |s| s.weight_step())
        })
        .fun("weight_step", ["net", "arch"], "one SGD step of the weights through `arch`'s path only (ENAS); returns the training loss", |n: &mut SupernetHandle, a: ArchHandle| {
            let arch = into_supernet(n, &a)?;
            timed(n, |s| s.weight_step_on(&arch))
        })
        .fun(
            "valid_batch_accuracy",
            ["net", "arch"],
            "the accuracy of `arch`'s path on the next validation batch (ENAS' reward)",
            |n: &mut SupernetHandle, a: ArchHandle| {
                let arch = into_supernet(n, &a)?;
                timed(n, |s| s.valid_batch_accuracy(&arch))
            },
        )
        .fun("alpha_step", ["net"], "one first-order Adam step of the architecture parameters on the next validation batch; returns the validation loss", |n: &mut SupernetHandle| {
            timed(n, |s| s.alpha_step(1))
        })
        .fun("alpha_step", ["net", "order"], "one Adam step of α of the given order (1 first order, 2 DARTS' second order); returns the validation loss", |n: &mut SupernetHandle, order: INT| {
            let order = u8::try_from(order).unwrap_or(0);
            timed(n, |s| s.alpha_step(order))
        })
        .fun("joint_step", ["net"], "one step of the weights and α together from one backward pass on a training batch (SNAS); returns the training loss", |n: &mut SupernetHandle| {
            timed(n, |s| s.joint_step())
        })
        .fun("steps_per_epoch", ["net"], "full training batches per pass over the training split", |n: &mut SupernetHandle| {
            n.0.search.borrow().steps_per_epoch() as INT
        })
        .fun(
            "derive",
            ["net"],
            "the architecture α points at, among the ops that remain",
            |n: &mut SupernetHandle| -> RhaiResult<ArchHandle> {
                let arch = timed(n, |s| s.derive())?;
                carry(n, &arch)
            },
        )
        .fun("alphas", ["net"], "α's values, one array per row, as long as its ops", |n: &mut SupernetHandle| {
            timed(n, |s| s.alphas()).map(rows)
        })
        .fun("probabilities", ["net"], "each row's op weights: softmax(α) over the ops that remain (the Dirichlet mean in that mode)", |n: &mut SupernetHandle| {
            timed(n, |s| s.probabilities()).map(rows)
        })
        .fun(
            "edge_weights",
            ["net"],
            "each row's edge weight under edge normalisation (PC-DARTS)",
            |n: &mut SupernetHandle| -> RhaiResult<Array> {
                let w = timed(n, |s| s.edge_weights())?;
                Ok(w.into_iter().map(Dynamic::from_float).collect())
            },
        )
        .fun("latencies", ["net"], "each row's ops' latencies in milliseconds, measured once per search or read from the latency table", |n: &mut SupernetHandle| {
            timed(n, |s| s.latencies()).map(rows)
        })
        .fun("expected_latency", ["net"], "the expected latency in milliseconds of the network under softmax(α)", |n: &mut SupernetHandle| {
            timed(n, |s| s.expected_latency())
        })
        .fun("row_names", ["net"], "the name of each row of α (an edge or a choice)", |n: &mut SupernetHandle| -> Array {
            let search = n.0.search.borrow();
            let rows = search.supernet().rows().rows();
            rows.iter().map(|r| r.name.clone().into()).collect()
        })
        .fun("alpha_table", ["net"], "one line per row of α: its name, then each op's softmax weight", |n: &mut SupernetHandle| timed(n, table))
        .fun("set_lr", ["net", "lr"], "sets the weights' learning rate (a schedule is the script's)", |n: &mut SupernetHandle, lr: FLOAT| {
            timed(n, |s| s.set_lr(lr))
        })
        .get("lr", "the weights' learning rate", |n: &mut SupernetHandle| n.0.search.borrow().lr())
        .fun("set_mode", ["net", "mode"], "switches the forward mode: darts, gdas, snas, proxyless, path or dirichlet", set_mode)
        .get("mode", "the forward mode", |n: &mut SupernetHandle| {
            n.0.search.borrow().mode().name().to_string()
        })
        .fun("set_tau", ["net", "tau"], "sets the Gumbel-softmax temperature (GDAS, SNAS)", |n: &mut SupernetHandle, tau: FLOAT| {
            timed(n, |s| s.set_tau(tau))
        })
        .get("tau", "the Gumbel-softmax temperature", |n: &mut SupernetHandle| n.0.search.borrow().tau())
        .fun(
            "sample_path",
            ["net"],
            "an architecture drawn uniformly from the space (its constraints met) by the search's generator",
            |n: &mut SupernetHandle| -> RhaiResult<ArchHandle> {
                let arch = timed(n, |s| s.sample_path())?;
                carry(n, &arch)
            },
        )
        .fun("valid_accuracy", ["net", "arch"], "the accuracy of `arch`'s path through the shared weights on the whole validation split", |n: &mut SupernetHandle, a: ArchHandle| {
            let arch = into_supernet(n, &a)?;
            timed(n, |s| s.valid_accuracy(&arch, None))
        })
        .fun(
            "valid_accuracy",
            ["net", "arch", "batches"],
            "the same on the first `batches` validation batches",
            |n: &mut SupernetHandle, a: ArchHandle, batches: INT| {
                let arch = into_supernet(n, &a)?;
                let batches = usize::try_from(batches.max(1)).unwrap_or(1);
                timed(n, |s| s.valid_accuracy(&arch, Some(batches)))
            },
        )
        .fun(
            "valid_batch_loss",
            ["net", "arch"],
            "the mean cross-entropy of `arch`'s path on the next validation batch (a language model's: per token, its exp the batch's perplexity; ENAS' reward is 80 over it)",
            |n: &mut SupernetHandle, a: ArchHandle| {
                let arch = into_supernet(n, &a)?;
                timed(n, |s| s.valid_batch_loss(&arch))
            },
        )
        .fun("valid_loss", ["net", "arch"], "the mean cross-entropy of `arch`'s path through the shared weights on the whole validation split (per token for a language model)", |n: &mut SupernetHandle, a: ArchHandle| {
            let arch = into_supernet(n, &a)?;
            timed(n, |s| s.valid_loss(&arch, None))
        })
        .fun(
            "valid_loss",
            ["net", "arch", "batches"],
            "the same on the first `batches` validation batches",
            |n: &mut SupernetHandle, a: ArchHandle, batches: INT| {
                let arch = into_supernet(n, &a)?;
                let batches = usize::try_from(batches.max(1)).unwrap_or(1);
                timed(n, |s| s.valid_loss(&arch, Some(batches)))
            },
        )
        .get("text", "whether it is a language model's supernet (token windows, not images)", |n: &mut SupernetHandle| {
            n.0.search.borrow().is_text()
        })
        .get("epoch", "epochs finished (after a resume, those done before it too)", |n: &mut SupernetHandle| {
            n.0.search.borrow().epoch() as INT
        })
        .get("saved", "the script's state saved with the last finished epoch, or () before any", |n: &mut SupernetHandle| n.0.saved.borrow().clone())
        .fun("end_epoch", ["net"], "one more epoch finished: checkpointed, its α appended to the α history", |n: &mut SupernetHandle| {
            end_epoch(n, Dynamic::UNIT)
        })
        .fun("end_epoch", ["net", "state"], "one more epoch finished, checkpointed with the script's `state` (read back as `saved` after a resume)", end_epoch)
        .fun("to_string", ["net"], "a one-line summary of the supernet", |n: &mut SupernetHandle| describe(n))
        .fun("to_debug", ["net"], "the same as `to_string`", |n: &mut SupernetHandle| describe(n));
}

/// `net.end_epoch(state)`: one more epoch finished; its checkpoint (with the script's
/// `state`) is written, and its α rows appended to the α history, when the run has a store.
fn end_epoch(n: &mut SupernetHandle, state: Dynamic) -> RhaiResult<()> {
    let t0 = Instant::now();
    let mut search = n.0.search.borrow_mut();
    search.finish_epoch();
    let saved = match &n.0.slot {
        // The α line first: an epoch whose checkpoint exists always has its line (a kill
        // between the two only repeats the epoch, whose line the resumed run writes again).
        Some(slot) => checkpoints::record_alphas(slot, &search)
            .and_then(|()| checkpoints::save(&n.0.ctx, slot, &search, &state)),
        None => Ok(()),
    };
    *n.0.saved.borrow_mut() = state;
    n.0.host_time.set(n.0.host_time.get() + t0.elapsed());
    saved
}

fn describe(n: &SupernetHandle) -> String {
    let s = n.0.search.borrow();
    let net = s.supernet();
    let size = |v: Option<i64>| v.map_or("the space's".to_string(), |v| v.to_string());
    let pc = match net.options() {
        SupernetOptions {
            partial_channels: 1,
            edge_normalization: false,
        } => String::new(),
        o => format!(
            ", partial channels 1/{}{}",
            o.partial_channels,
            if o.edge_normalization {
                ", edge normalisation"
            } else {
                ""
            }
        ),
    };
    format!(
        "Supernet({}, channels {}, cells {}, {} weights, {} α rows, mode {}{pc})",
        n.0.space.name(),
        size(n.0.channels),
        size(n.0.cells.map(|c| c as i64)),
        net.weight_count(),
        net.rows().rows().len(),
        s.mode().name()
    )
}

/// One line per row of α: its name, then each op's label and `softmax` weight.
fn table(s: &mut OneShotSearch) -> Result<String, OneShotError> {
    let probs = s.probabilities()?;
    let mut out = String::new();
    for (row, p) in s.supernet().rows().rows().iter().zip(&probs) {
        out.push_str(&row.name);
        out.push(':');
        for (label, w) in row.labels.iter().zip(p) {
            out.push_str(&format!("  {label} {w:.3}"));
        }
        out.push('\n');
    }
    out.pop();
    Ok(out)
}

/// Runs `f` on the search, counting its time as host time; errors become script errors.
pub(super) fn timed<T>(
    n: &SupernetHandle,
    f: impl FnOnce(&mut OneShotSearch) -> Result<T, OneShotError>,
) -> RhaiResult<T> {
    let t0 = Instant::now();
    let result = f(&mut n.0.search.borrow_mut());
    n.0.host_time.set(n.0.host_time.get() + t0.elapsed());
    result.map_err(|e| script_error(format!("supernet: {e}")))
}

fn rows(values: Vec<Vec<f64>>) -> Array {
    values
        .into_iter()
        .map(|row| Dynamic::from_array(row.into_iter().map(Dynamic::from_float).collect()))
        .collect()
}

fn set_mode(n: &mut SupernetHandle, name: &str) -> RhaiResult<()> {
    let mode = Mode::from_name(name).ok_or_else(|| {
        script_error(format!(
            "supernet: unknown mode `{name}` (the modes are \"darts\", \"gdas\", \"snas\", \"proxyless\", \"path\" and \"dirichlet\")"
        ))
    })?;
    n.0.search.borrow_mut().set_mode(mode);
    Ok(())
}

/// `arch` of the supernet's space as an architecture of the run's (the same decisions,
/// perhaps at another size), by its canonical text.
pub(super) fn carry(n: &SupernetHandle, arch: &Architecture) -> RhaiResult<ArchHandle> {
    carry_into(&n.0.space, n.0.search.borrow().supernet().space(), arch)
}

/// `arch` of `from` as an architecture of `to`, by its canonical text.
pub(super) fn carry_into(to: &Space, from: &Space, arch: &Architecture) -> RhaiResult<ArchHandle> {
    let text = from.encode(arch);
    let carried = to.decode(&text).map_err(|e| {
        script_error(format!(
            "supernet: the derived architecture {text} is not one of the space: {e}"
        ))
    })?;
    Ok(ArchHandle::new(to, carried))
}

/// Refuses a run whose space holds searched training settings (`train(lr: 0.1 | 0.05)`): a
/// supernet searches the architecture only, by weight sharing, and its architectures have no
/// settings to carry.
fn settings_apart(run: &Space) -> RhaiResult<()> {
    let prefix = crate::train::choices::PREFIX;
    let searched: Vec<&str> = run
        .decisions()
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| n.starts_with(prefix))
        .collect();
    if searched.is_empty() {
        return Ok(());
    }
    Err(script_error(format!(
        "the experiment searches training settings ({}), which a weight-sharing search (a supernet) cannot choose: write one value for each in `train(..)`, and search the settings of the architecture it finds in an experiment of its own (`strategy grid` over a space of that architecture)",
        searched.join(", ")
    )))
}

/// The run's architecture `a` as an architecture of the supernet's space.
fn into_supernet(n: &SupernetHandle, a: &ArchHandle) -> RhaiResult<Architecture> {
    let search = n.0.search.borrow();
    search.supernet().space().decode(a.key()).map_err(|e| {
        script_error(format!(
            "supernet: `{}` is not an architecture of the supernet's space: {e}",
            a.key()
        ))
    })
}

pub(super) fn int(settings: &Map, key: &str, default: INT) -> RhaiResult<INT> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_int()
            .map_err(|t| script_error(format!("supernet: `{key}` must be an integer, not a {t}"))),
    }
}

fn float(settings: &Map, key: &str, default: FLOAT) -> RhaiResult<FLOAT> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_float()
            .or_else(|_| v.as_int().map(|i| i as FLOAT))
            .map_err(|t| script_error(format!("supernet: `{key}` must be a number, not a {t}"))),
    }
}

fn text(settings: &Map, key: &str, default: &str) -> RhaiResult<String> {
    match settings.get(key) {
        None => Ok(default.to_string()),
        Some(v) => v
            .clone()
            .into_string()
            .map_err(|t| script_error(format!("supernet: `{key}` must be a string, not a {t}"))),
    }
}

fn boolean(settings: &Map, key: &str, default: bool) -> RhaiResult<bool> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v.as_bool().map_err(|t| {
            script_error(format!(
                "supernet: `{key}` must be true or false, not a {t}"
            ))
        }),
    }
}

/// `value` of the setting `key`, which must be at least 1 (the error names the setting; the
/// script position it carries names the call).
pub(super) fn positive(key: &str, value: INT) -> RhaiResult<INT> {
    if value < 1 {
        return Err(script_error(format!(
            "the setting `{key}` must be at least 1, got {value}"
        )));
    }
    Ok(value)
}

/// The optional positive setting `key`.
pub(super) fn optional(settings: &Map, key: &str) -> RhaiResult<Option<INT>> {
    match settings.get(key) {
        Some(_) => Ok(Some(positive(key, int(settings, key, 1)?)?)),
        None => Ok(None),
    }
}

/// What `ctx.supernet` and `ctx.pruned_supernet` (named `who` in errors) check first: every
/// setting is one of `keys`; `threads` is applied. Returns the
/// run's space and the seed (the setting, else the run's).
pub(super) fn checked_settings(
    c: &Ctx,
    who: &str,
    settings: &Map,
    keys: &[&str],
) -> RhaiResult<(Arc<Space>, INT)> {
    if let Some(bad) = settings.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(script_error(format!(
            "{who}: unknown setting `{bad}` (the settings are {})",
            keys.join(", ")
        )));
    }
    if let Some(threads) = settings.get("threads") {
        let threads = threads
            .as_int()
            .map_err(|t| script_error(format!("{who}: `threads` must be an integer, not a {t}")))?;
        tch::set_num_threads(positive("threads", threads)?.min(1024) as i32);
    }
    let seed = int(settings, "seed", c.0.session.borrow().seed() as INT)?;
    settings_apart(&c.0.space.space)?;
    unbounded(&c.0.space.space)?;
    Ok((Arc::clone(&c.0.space.space), seed))
}

/// Refuses a run whose space has resource bounds (`where params < 5M`): a supernet's sampled
/// paths and derived architectures are not drawn among the architectures that meet them.
fn unbounded(run: &Space) -> RhaiResult<()> {
    let Some(b) = run.resource_bounds().first() else {
        return Ok(());
    };
    Err(script_error(format!(
        "the space is bounded by `where {}`, which a weight-sharing search (a supernet) does not enforce on its paths: search it with a strategy that samples and mutates architectures (`evolution`, `random`, `nsga2`), or drop the bound",
        b.text
    )))
}

/// The training images of the experiment's `data` entry, for `who` (`supernet`,
/// `pruned_supernet`); an experiment without one is an error saying what to add.
pub(super) fn training_images(c: &Ctx, who: &str) -> RhaiResult<crate::train::ImageSet> {
    let data = c.0.data.as_ref().ok_or_else(|| {
        script_error(format!(
            "{who}: the experiment has no `data` entry to search on; add one, e.g. `data fashion_mnist(limit: 10000, valid: 0.1)`"
        ))
    })?;
    data.training_images()
        .map_err(|e| script_error(format!("{who}: {e}")))
}

/// The device of the setting `device` (`auto`, `cpu`, `cuda`).
fn device(settings: &Map) -> RhaiResult<tch::Device> {
    Ok(match text(settings, "device", "auto")?.as_str() {
        "auto" => tch::Device::cuda_if_available(),
        "cpu" => tch::Device::Cpu,
        "cuda" if tch::Cuda::is_available() => tch::Device::Cuda(0),
        "cuda" => {
            return Err(script_error(
                "supernet: `device: \"cuda\"` but no CUDA device is usable",
            ))
        }
        other => {
            return Err(script_error(format!(
                "supernet: unknown device `{other}` (\"auto\", \"cpu\" or \"cuda\")"
            )))
        }
    })
}

/// The search of an image space's supernet: the experiment's images (the first `limit`),
/// split by `train_fraction`.
fn image_search(
    c: &Ctx,
    space: &Space,
    settings: &Map,
    (channels, cells): (Option<INT>, Option<usize>),
    (options, config, device): (SupernetOptions, SearchConfig, tch::Device),
) -> RhaiResult<Result<OneShotSearch, OneShotError>> {
    let limit = positive("limit", int(settings, "limit", 5000)?)?;
    let train_fraction = float(settings, "train_fraction", 0.5)?;
    let seed = config.seed as i64;
    let t0 = Instant::now();
    let images = training_images(c, "supernet");
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let images = images?;
    let has_classes = space.skeleton().args.iter().any(|(n, _)| n == "classes");
    let size = NetworkSize {
        channels,
        cells,
        classes: has_classes.then_some(images.classes),
        ..NetworkSize::default()
    };
    let t0 = Instant::now();
    let built = (|| -> Result<OneShotSearch, OneShotError> {
        // The decisions do not depend on the size: say first whether they can be mixed.
        crate::oneshot::rows::check_space(space)?;
        let resized = resize(space, size)?;
        let net_space = resized.as_ref().unwrap_or(space);
        let (train, valid) = search_split(&images, limit, train_fraction, seed as u64)?;
        let in_channels = train.image_shape()[0];
        let kind = tch::Kind::Float;
        let net = Supernet::with_options(net_space, in_channels, options, device, kind, seed)?;
        OneShotSearch::new(net, train, valid, &config)
    })();
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    Ok(built)
}

/// The search of a language model's supernet: the corpus's training tokens (the first
/// `limit`, else all the `data` entry takes) cut in two, the first `train_fraction` for the
/// weights and the rest for the paths' scores and α, each read as windows of the space's
/// input length; the vocabulary the corpus's.
fn text_search(
    c: &Ctx,
    space: &Space,
    settings: &Map,
    channels: Option<INT>,
    (options, config, device): (SupernetOptions, SearchConfig, tch::Device),
) -> RhaiResult<Result<OneShotSearch, OneShotError>> {
    if settings.contains_key("cells") {
        return Err(script_error(
            "supernet: `cells` is an image network's setting; a language model's cells are the ones its space stacks",
        ));
    }
    let train_fraction = float(settings, "train_fraction", 0.5)?;
    if !(train_fraction > 0.0 && train_fraction < 1.0) {
        return Err(script_error(format!(
            "supernet: train_fraction must be between 0 and 1 (exclusive), got {train_fraction}"
        )));
    }
    let limit = optional(settings, "limit")?
        .map(|n| positive("limit", n))
        .transpose()?;
    let steps = match space.skeleton().input.as_ref().map(|s| s.dims.as_slice()) {
        Some([t, _]) => *t,
        _ => 35,
    };
    let t0 = Instant::now();
    let data = c.0.data.as_ref().ok_or_else(|| {
        script_error("supernet: the experiment has no `data` entry to search on; add one, e.g. `data ptb(limit: 100000)`")
    });
    let tokens = data.and_then(|d| {
        d.search_tokens()
            .map_err(|e| script_error(format!("supernet: {e}")))
    });
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let (tokens, vocab) = tokens?;
    let n = tokens.size()[0];
    let tokens = tokens.narrow(0, 0, limit.map_or(n, |l| l.clamp(2, n)));
    let n = tokens.size()[0];
    let k = ((n as f64 * train_fraction) as i64).clamp(1, n - 1);
    let (train, valid) = (tokens.narrow(0, 0, k), tokens.narrow(0, k, n - k));
    let size = NetworkSize {
        channels,
        classes: Some(vocab),
        ..NetworkSize::default()
    };
    let t0 = Instant::now();
    let built = (|| -> Result<OneShotSearch, OneShotError> {
        crate::oneshot::rows::check_space(space)?;
        let resized = resize(space, size)?;
        let net_space = resized.as_ref().unwrap_or(space);
        let kind = tch::Kind::Float;
        let seed = config.seed as i64;
        let net = Supernet::with_options(net_space, 1, options, device, kind, seed)?;
        OneShotSearch::text(net, (&train, &valid), steps, &config)
    })();
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    Ok(built)
}

/// `ctx.supernet(settings)`: resizes the space, reads and splits the data, compiles the
/// supernet.
fn supernet(c: &mut Ctx, settings: Map) -> RhaiResult<SupernetHandle> {
    let (space, seed) = checked_settings(c, "supernet", &settings, &KEYS)?;
    let channels = optional(&settings, "channels")?;
    let cells = optional(&settings, "cells")?.map(|n| n as usize);
    let batch = positive("batch", int(&settings, "batch", 64)?)?;
    let d = SearchConfig::darts(batch, seed as u64);
    let config = SearchConfig {
        lr: float(&settings, "lr", d.lr)?,
        momentum: float(&settings, "momentum", d.momentum)?,
        weight_decay: float(&settings, "weight_decay", d.weight_decay)?,
        clip: float(&settings, "clip", d.clip)?,
        arch_lr: float(&settings, "arch_lr", d.arch_lr)?,
        arch_weight_decay: float(&settings, "arch_weight_decay", d.arch_weight_decay)?,
        tau: float(&settings, "tau", d.tau)?,
        latency_weight: float(&settings, "latency_weight", d.latency_weight)?,
        latency_target: float(&settings, "latency_target", d.latency_target)?,
        latency_batch: positive("latency_batch", int(&settings, "latency_batch", 1)?)?,
        ..d
    };
    let options = SupernetOptions {
        partial_channels: positive("partial", int(&settings, "partial", 1)?)?,
        edge_normalization: boolean(&settings, "edge_normalization", false)?,
    };
    let device = device(&settings)?;
    let built = if is_sequence_space(&space) {
        text_search(c, &space, &settings, channels, (options, config, device))?
    } else {
        image_search(
            c,
            &space,
            &settings,
            (channels, cells),
            (options, config, device),
        )?
    };
    let t0 = Instant::now();
    let restored = built
        .map_err(|e| script_error(format!("supernet: {e}")))
        .and_then(|mut search| {
            let identity = format!("{} {settings:?}", space.name());
            let opened = checkpoints::open(c, identity, &mut search)?;
            Ok((search, opened))
        });
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let (search, opened) = restored?;
    let (slot, saved) = opened.map_or((None, Dynamic::UNIT), |(s, d)| (Some(s), d));
    Ok(SupernetHandle(Rc::new(SupernetState {
        search: RefCell::new(search),
        ctx: c.clone(),
        slot,
        saved: RefCell::new(saved),
        space,
        channels,
        cells,
        host_time: Rc::clone(&c.0.host_time),
    })))
}
