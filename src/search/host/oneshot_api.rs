//! One-shot search from scripts: `ctx.supernet(#{...})` builds a weight-sharing supernet of
//! the NAS-Bench-201 space on a dataset split in two, and the `Supernet` type exposes the
//! primitives of [`crate::oneshot`]: `weight_step()`, `weight_step(arch)`, `alpha_step(order)`,
//! `joint_step()`, `valid_batch_accuracy(arch)`,
//! `steps_per_epoch()`, `derive()`, `alphas()`, `probabilities()`, `set_mode(name)`,
//! `set_tau(t)`, `set_lr(lr)`, `sample_path()`, `set_path(arch)`, `valid_accuracy(arch)`,
//! `edge_weights()`, `latencies()`, `expected_latency()`. Settings `partial: K` and
//! `edge_normalization: true` build PC-DARTS' supernet; `latency_weight`, `latency_target`
//! and `latency_batch` set ProxylessNAS' latency term (mode `proxyless`), whose per-op table
//! is measured on the search's device and cached in `latency.csv` of the cache folder
//! (`NAS_CACHE`, else `~/.cache/nas`).
//! On any other space, `ctx.supernet` compiles the space's own supernet instead (see
//! [`super::ir_supernet_api`]); `alpha_table()` prints α's softmax on both.
//! Architectures go in and out as the run's `Arch` values, so a derived one can be passed to
//! `ctx.evaluate`. Time spent inside these calls is host time (outside the script's limit);
//! every failure is a script error with its reason.

use super::space_api::script_error;
use super::types::{ArchHandle, Ctx};
use super::RhaiResult;
use crate::compile::nb201::{Nb201Genotype, Nb201Op};
use crate::oneshot::data::fashion_mnist_split;
use crate::oneshot::{CellPath, Mode, OneShotError, OneShotSearch, SearchConfig, SupernetConfig};
use crate::space::Space;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A supernet being searched (Rhai type `Supernet`).
#[derive(Clone)]
pub struct SupernetHandle(Rc<SupernetState>);

/// What a [`SupernetHandle`] holds.
pub struct SupernetState {
    search: RefCell<OneShotSearch>,
    space: Arc<Space>,
    host_time: Rc<Cell<Duration>>,
}

/// The settings `ctx.supernet` accepts.
const KEYS: [&str; 21] = [
    "data",
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
    engine
        .register_fn("supernet", supernet)
        .register_type_with_name::<SupernetHandle>("Supernet")
        .register_fn("weight_step", |n: &mut SupernetHandle| {
            timed(n, |s| s.weight_step())
        })
        .register_fn(
            "weight_step",
            |n: &mut SupernetHandle, a: ArchHandle| -> RhaiResult<FLOAT> {
                let path = path_of(&a)?;
                timed(n, |s| s.weight_step_on(&path))
            },
        )
        .register_fn(
            "valid_batch_accuracy",
            |n: &mut SupernetHandle, a: ArchHandle| -> RhaiResult<FLOAT> {
                let path = path_of(&a)?;
                timed(n, |s| s.valid_batch_accuracy(&path))
            },
        )
        .register_fn("alpha_step", |n: &mut SupernetHandle| {
            timed(n, |s| s.alpha_step(1))
        })
        .register_fn("alpha_step", |n: &mut SupernetHandle, order: INT| {
            let order = u8::try_from(order).unwrap_or(0);
            timed(n, |s| s.alpha_step(order))
        })
        .register_fn("joint_step", |n: &mut SupernetHandle| {
            timed(n, |s| s.joint_step())
        })
        .register_fn("steps_per_epoch", |n: &mut SupernetHandle| {
            n.0.search.borrow().steps_per_epoch() as INT
        })
        .register_fn("derive", |n: &mut SupernetHandle| {
            let path = timed(n, |s| s.derive())?;
            arch_of(&n.0.space, &path)
        })
        .register_fn("alphas", |n: &mut SupernetHandle| {
            timed(n, |s| s.alphas()).map(rows)
        })
        .register_fn(
            "edge_weights",
            |n: &mut SupernetHandle| -> RhaiResult<Array> {
                let w = timed(n, |s| s.edge_weights())?;
                Ok(w.into_iter().map(Dynamic::from_float).collect())
            },
        )
        .register_fn("latencies", |n: &mut SupernetHandle| -> RhaiResult<Array> {
            let per_op = timed(n, |s| s.latencies())?;
            Ok(per_op.into_iter().map(Dynamic::from_float).collect())
        })
        .register_fn("expected_latency", |n: &mut SupernetHandle| {
            timed(n, |s| s.expected_latency())
        })
        .register_fn("probabilities", |n: &mut SupernetHandle| {
            timed(n, |s| s.probabilities()).map(rows)
        })
        .register_fn("set_mode", set_mode)
        .register_get("mode", |n: &mut SupernetHandle| {
            n.0.search.borrow().mode().name().to_string()
        })
        .register_fn("set_tau", |n: &mut SupernetHandle, t: FLOAT| {
            timed(n, |s| s.set_tau(t))
        })
        .register_get("tau", |n: &mut SupernetHandle| n.0.search.borrow().tau())
        .register_fn("set_lr", |n: &mut SupernetHandle, lr: FLOAT| {
            timed(n, |s| s.set_lr(lr))
        })
        .register_get("lr", |n: &mut SupernetHandle| n.0.search.borrow().lr())
        .register_fn("sample_path", |n: &mut SupernetHandle| {
            let path = n.0.search.borrow_mut().sample_path();
            arch_of(&n.0.space, &path)
        })
        .register_fn(
            "set_path",
            |n: &mut SupernetHandle, a: ArchHandle| -> RhaiResult<()> {
                let path = path_of(&a)?;
                n.0.search.borrow_mut().set_path(path);
                Ok(())
            },
        )
        .register_fn("valid_accuracy", |n: &mut SupernetHandle, a: ArchHandle| {
            let path = path_of(&a)?;
            timed(n, |s| s.valid_accuracy(&path, None))
        })
        .register_fn(
            "valid_accuracy",
            |n: &mut SupernetHandle, a: ArchHandle, batches: INT| {
                let path = path_of(&a)?;
                let batches = usize::try_from(batches.max(1)).unwrap_or(1);
                timed(n, |s| s.valid_accuracy(&path, Some(batches)))
            },
        )
        .register_fn("alpha_table", |n: &mut SupernetHandle| {
            let probs = timed(n, |s| s.probabilities())?;
            let lines: Vec<String> = probs
                .iter()
                .zip(crate::oneshot::path::EDGES)
                .map(|(row, (to, from))| {
                    let ops: Vec<String> = Nb201Op::ALL
                        .iter()
                        .zip(row)
                        .map(|(op, p)| format!("  {} {p:.3}", op.name()))
                        .collect();
                    format!("edge {to}<-{from}:{}", ops.concat())
                })
                .collect();
            Ok::<_, Box<rhai::EvalAltResult>>(lines.join("\n"))
        })
        .register_fn("op_names", |_: &mut SupernetHandle| -> Array {
            Nb201Op::ALL.iter().map(|op| op.name().into()).collect()
        })
        .register_fn("to_string", |n: &mut SupernetHandle| describe(n))
        .register_fn("to_debug", |n: &mut SupernetHandle| describe(n));
}

fn describe(n: &SupernetHandle) -> String {
    let s = n.0.search.borrow();
    let c = s.supernet().config();
    let o = s.supernet().options();
    let pc = match (o.partial_channels, o.edge_normalization) {
        (1, false) => String::new(),
        (k, norm) => format!(
            ", partial channels 1/{k}{}",
            if norm { ", edge normalisation" } else { "" }
        ),
    };
    format!(
        "Supernet(nb201, channels {}, cells {}, {} weights, mode {}{pc})",
        c.channels,
        c.cells,
        s.supernet().weight_count(),
        s.mode().name()
    )
}

/// Runs `f` on the search, counting its time as host time; errors become script errors.
fn timed<T>(
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
            "supernet: unknown mode `{name}` (the modes are \"darts\", \"gdas\", \"snas\", \"proxyless\" and \"path\")"
        ))
    })?;
    n.0.search.borrow_mut().set_mode(mode);
    Ok(())
}

/// The cell path of a NAS-Bench-201 architecture.
fn path_of(a: &ArchHandle) -> RhaiResult<CellPath> {
    Nb201Genotype::parse(a.key())
        .ok()
        .and_then(|g| CellPath::from_genotype(&g))
        .ok_or_else(|| {
            script_error(format!(
                "supernet: `{}` is not a NAS-Bench-201 cell",
                a.key()
            ))
        })
}

/// The run's architecture for a cell path.
pub(super) fn arch_of(space: &Space, path: &CellPath) -> RhaiResult<ArchHandle> {
    let text = path.to_string();
    let arch = space.decode(&text).map_err(|e| {
        script_error(format!(
            "supernet: the space `{}` cannot hold the NAS-Bench-201 cell {text}: {e}",
            space.name()
        ))
    })?;
    let handle = ArchHandle::new(space, arch);
    if handle.key() != text {
        return Err(script_error(format!(
            "supernet: the space `{}` writes the cell {text} as `{}`; the supernet needs a space shaped like nb201",
            space.name(),
            handle.key()
        )));
    }
    Ok(handle)
}

pub(super) fn int(settings: &Map, key: &str, default: INT) -> RhaiResult<INT> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_int()
            .map_err(|t| script_error(format!("supernet: `{key}` must be an integer, not a {t}"))),
    }
}

pub(super) fn float(settings: &Map, key: &str, default: FLOAT) -> RhaiResult<FLOAT> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_float()
            .or_else(|_| v.as_int().map(|i| i as FLOAT))
            .map_err(|t| script_error(format!("supernet: `{key}` must be a number, not a {t}"))),
    }
}

pub(super) fn text(settings: &Map, key: &str, default: &str) -> RhaiResult<String> {
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

/// What `ctx.supernet` and `ctx.pruned_supernet` (named `who` in errors) check first: every
/// setting is one of `keys`, the experiment's space is NB201's cell space and the data is
/// Fashion-MNIST. Returns the space and the seed (the setting, else the run's).
pub(super) fn nb201_settings(
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
    let space = Arc::clone(&c.0.space.space);
    arch_of(&space, &CellPath([Nb201Op::Skip; 6]))?;
    let data = text(settings, "data", "fashion-mnist")?;
    if data != "fashion-mnist" {
        return Err(script_error(format!(
            "{who}: unknown data `{data}` (it reads \"fashion-mnist\")"
        )));
    }
    let seed = int(settings, "seed", c.0.session.borrow().seed() as INT)?;
    Ok((space, seed))
}

/// The settings every supernet reads: the device (`auto`, `cpu`, `cuda`), libtorch's threads
/// (set here), and the weights' and α's optimisers, over `defaults`.
pub(super) fn common_settings(settings: &Map, defaults: SearchConfig) -> RhaiResult<SearchConfig> {
    let device = match text(settings, "device", "auto")?.as_str() {
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
    };
    if let Some(threads) = settings.get("threads") {
        let threads = threads.as_int().map_err(|t| {
            script_error(format!("supernet: `threads` must be an integer, not a {t}"))
        })?;
        tch::set_num_threads(positive("threads", threads)?.min(1024) as i32);
    }
    Ok(SearchConfig {
        lr: float(settings, "lr", defaults.lr)?,
        momentum: float(settings, "momentum", defaults.momentum)?,
        weight_decay: float(settings, "weight_decay", defaults.weight_decay)?,
        clip: float(settings, "clip", defaults.clip)?,
        arch_lr: float(settings, "arch_lr", defaults.arch_lr)?,
        arch_weight_decay: float(settings, "arch_weight_decay", defaults.arch_weight_decay)?,
        device,
        ..defaults
    })
}

/// `ctx.supernet(settings)`: reads the data, splits it and builds the supernet — the
/// hand-written NAS-Bench-201 one for a space shaped like nb201, else the one compiled from
/// the space's IR ([`super::ir_supernet_api`]).
fn supernet(c: &mut Ctx, settings: Map) -> RhaiResult<Dynamic> {
    if arch_of(&c.0.space.space, &CellPath([Nb201Op::Skip; 6])).is_err() {
        return super::ir_supernet_api::ir_supernet(c, settings).map(Dynamic::from);
    }
    nb201_supernet(c, settings).map(Dynamic::from)
}

/// The NAS-Bench-201 supernet of `ctx.supernet(settings)`.
fn nb201_supernet(c: &mut Ctx, settings: Map) -> RhaiResult<SupernetHandle> {
    let (space, seed) = nb201_settings(c, "supernet", &settings, &KEYS)?;
    let net = SupernetConfig {
        channels: positive("channels", int(&settings, "channels", 8)?)?,
        cells: positive("cells", int(&settings, "cells", 1)?)? as usize,
        classes: 10,
        in_channels: 1,
    };
    let batch = positive("batch", int(&settings, "batch", 64)?)?;
    let limit = positive("limit", int(&settings, "limit", 5000)?)?;
    let train_fraction = float(&settings, "train_fraction", 0.5)?;
    let defaults = SearchConfig::darts(net, batch, seed as u64);
    let common = common_settings(&settings, defaults)?;
    let config = SearchConfig {
        tau: float(&settings, "tau", defaults.tau)?,
        partial_channels: positive("partial", int(&settings, "partial", 1)?)?,
        edge_normalization: boolean(&settings, "edge_normalization", false)?,
        latency_weight: float(&settings, "latency_weight", defaults.latency_weight)?,
        latency_target: float(&settings, "latency_target", defaults.latency_target)?,
        latency_batch: positive("latency_batch", int(&settings, "latency_batch", 1)?)?,
        ..common
    };
    let t0 = Instant::now();
    let built = fashion_mnist_split(
        &crate::paths::fashion_mnist_dir(),
        limit,
        train_fraction,
        seed as u64,
    )
    .and_then(|(train, valid)| OneShotSearch::new(config, train, valid));
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let search = built.map_err(|e| script_error(format!("supernet: {e}")))?;
    Ok(SupernetHandle(Rc::new(SupernetState {
        search: RefCell::new(search),
        space,
        host_time: Rc::clone(&c.0.host_time),
    })))
}
