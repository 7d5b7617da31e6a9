//! `ctx.supernet(#{...})` on a space that is not NAS-Bench-201's: the supernet compiled from
//! the space's IR ([`crate::oneshot::IrSupernet`]), at the size `channels` and `cells` ask
//! for (the space's parameters `c` and `n`/`cells`), searched by DARTS on Fashion-MNIST split
//! in two. The Rhai type `IrSupernet` has `weight_step()`, `weight_step(arch)` (that path
//! only, as ENAS trains), `valid_batch_accuracy(arch)` (on the next validation batch),
//! `alpha_step(order)`,
//! `joint_step()`, `steps_per_epoch()`, `derive()`, `probabilities()`, `alpha_table()`,
//! `row_names()`, `set_lr(lr)`, `lr`, `set_mode(m)` / `mode` (`darts`, `gdas`, `snas`,
//! `path`), `set_tau(τ)` / `tau`, `sample_path()` (uniform from the space, its constraints
//! met) and `valid_accuracy(arch[, batches])`; a derived or sampled architecture is the
//! run's `Arch`, ready for `ctx.evaluate`. Time inside these
//! calls is host time; every failure is a script error with its reason (a space that
//! cannot be a supernet names the decision).

use super::oneshot_api::{common_settings, float, int, positive, text};
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx};
use super::RhaiResult;
use crate::compile::catalog::{resize, NetworkSize};
use crate::oneshot::data::fashion_mnist_split;
use crate::oneshot::{IrSearch, IrSupernet, Mode, OneShotError, SearchConfig, SupernetConfig};
use crate::space::Space;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A compiled supernet being searched (Rhai type `IrSupernet`).
#[derive(Clone)]
pub struct IrSupernetHandle(Rc<IrState>);

/// What an [`IrSupernetHandle`] holds.
pub struct IrState {
    search: RefCell<IrSearch>,
    /// The run's space (derived architectures are carried into it by their text).
    space: Arc<Space>,
    channels: Option<i64>,
    cells: Option<usize>,
    host_time: Rc<Cell<Duration>>,
}

/// The settings this supernet accepts.
const KEYS: [&str; 16] = [
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
    "device",
    "threads",
];

/// Registers the `IrSupernet` type.
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<IrSupernetHandle>("IrSupernet")
        .register_fn("weight_step", |n: &mut IrSupernetHandle| {
            timed(n, |s| s.weight_step())
        })
        .register_fn("weight_step", |n: &mut IrSupernetHandle, a: ArchHandle| {
            let arch = into_supernet(n, &a)?;
            timed(n, |s| s.weight_step_on(&arch))
        })
        .register_fn(
            "valid_batch_accuracy",
            |n: &mut IrSupernetHandle, a: ArchHandle| {
                let arch = into_supernet(n, &a)?;
                timed(n, |s| s.valid_batch_accuracy(&arch))
            },
        )
        .register_fn("alpha_step", |n: &mut IrSupernetHandle| {
            timed(n, |s| s.alpha_step(1))
        })
        .register_fn("alpha_step", |n: &mut IrSupernetHandle, order: INT| {
            let order = u8::try_from(order).unwrap_or(0);
            timed(n, |s| s.alpha_step(order))
        })
        .register_fn("steps_per_epoch", |n: &mut IrSupernetHandle| {
            n.0.search.borrow().steps_per_epoch() as INT
        })
        .register_fn(
            "derive",
            |n: &mut IrSupernetHandle| -> RhaiResult<ArchHandle> {
                let arch = timed(n, |s| s.derive())?;
                let search = n.0.search.borrow();
                carry(&n.0.space, search.supernet().space(), &arch)
            },
        )
        .register_fn("probabilities", |n: &mut IrSupernetHandle| {
            timed(n, |s| s.probabilities()).map(|rows| {
                rows.into_iter()
                    .map(|row| {
                        Dynamic::from_array(row.into_iter().map(Dynamic::from_float).collect())
                    })
                    .collect::<Array>()
            })
        })
        .register_fn("row_names", |n: &mut IrSupernetHandle| -> Array {
            let search = n.0.search.borrow();
            search
                .supernet()
                .rows()
                .rows()
                .iter()
                .map(|r| r.name.clone().into())
                .collect()
        })
        .register_fn("alpha_table", |n: &mut IrSupernetHandle| timed(n, table))
        .register_fn("set_lr", |n: &mut IrSupernetHandle, lr: FLOAT| {
            timed(n, |s| s.set_lr(lr))
        })
        .register_get("lr", |n: &mut IrSupernetHandle| n.0.search.borrow().lr())
        .register_fn(
            "set_mode",
            |n: &mut IrSupernetHandle, mode: &str| -> RhaiResult<()> {
                let m = Mode::from_name(mode).ok_or_else(|| {
                    script_error(format!(
                        "supernet: unknown mode `{mode}` (darts, gdas, snas, path)"
                    ))
                })?;
                timed(n, |s| s.set_mode(m))
            },
        )
        .register_get("mode", |n: &mut IrSupernetHandle| {
            n.0.search.borrow().mode().name().to_string()
        })
        .register_fn("set_tau", |n: &mut IrSupernetHandle, tau: FLOAT| {
            timed(n, |s| s.set_tau(tau))
        })
        .register_get("tau", |n: &mut IrSupernetHandle| n.0.search.borrow().tau())
        .register_fn("joint_step", |n: &mut IrSupernetHandle| {
            timed(n, |s| s.joint_step())
        })
        .register_fn(
            "sample_path",
            |n: &mut IrSupernetHandle| -> RhaiResult<ArchHandle> {
                let arch = timed(n, |s| s.sample_path())?;
                let search = n.0.search.borrow();
                carry(&n.0.space, search.supernet().space(), &arch)
            },
        )
        .register_fn(
            "valid_accuracy",
            |n: &mut IrSupernetHandle, a: ArchHandle| {
                let arch = into_supernet(n, &a)?;
                timed(n, |s| s.valid_accuracy(&arch, None))
            },
        )
        .register_fn(
            "valid_accuracy",
            |n: &mut IrSupernetHandle, a: ArchHandle, batches: INT| {
                let arch = into_supernet(n, &a)?;
                let batches = usize::try_from(batches.max(1)).unwrap_or(1);
                timed(n, |s| s.valid_accuracy(&arch, Some(batches)))
            },
        )
        .register_fn("to_string", |n: &mut IrSupernetHandle| describe(n))
        .register_fn("to_debug", |n: &mut IrSupernetHandle| describe(n));
}

fn describe(n: &IrSupernetHandle) -> String {
    let s = n.0.search.borrow();
    let net = s.supernet();
    let size = |v: Option<i64>| v.map_or("the space's".to_string(), |v| v.to_string());
    format!(
        "Supernet({}, compiled from its IR, channels {}, cells {}, {} weights, {} α rows, mode {})",
        n.0.space.name(),
        size(n.0.channels),
        size(n.0.cells.map(|c| c as i64)),
        net.weight_count(),
        net.rows().rows().len(),
        s.mode().name()
    )
}

/// One line per row of α: its name, then each op's label and `softmax` weight.
fn table(s: &mut IrSearch) -> Result<String, OneShotError> {
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
fn timed<T>(
    n: &IrSupernetHandle,
    f: impl FnOnce(&mut IrSearch) -> Result<T, OneShotError>,
) -> RhaiResult<T> {
    let t0 = Instant::now();
    let result = f(&mut n.0.search.borrow_mut());
    n.0.host_time.set(n.0.host_time.get() + t0.elapsed());
    result.map_err(|e| script_error(format!("supernet: {e}")))
}

/// `arch` of `from` as an architecture of `to` (the same decisions at another size), by its
/// canonical text.
fn carry(to: &Space, from: &Space, arch: &crate::space::Architecture) -> RhaiResult<ArchHandle> {
    let text = from.encode(arch);
    let carried = to.decode(&text).map_err(|e| {
        script_error(format!(
            "supernet: the derived architecture {text} is not one of the space: {e}"
        ))
    })?;
    Ok(ArchHandle::new(to, carried))
}

/// The run's architecture `a` as an architecture of the supernet's space.
fn into_supernet(n: &IrSupernetHandle, a: &ArchHandle) -> RhaiResult<crate::space::Architecture> {
    let search = n.0.search.borrow();
    search.supernet().space().decode(a.key()).map_err(|e| {
        script_error(format!(
            "supernet: `{}` is not an architecture of the supernet's space: {e}",
            a.key()
        ))
    })
}

/// `ctx.supernet(settings)` for a space that is not NAS-Bench-201's: resizes the space,
/// reads and splits the data, compiles the supernet.
pub(super) fn ir_supernet(c: &mut Ctx, settings: Map) -> RhaiResult<IrSupernetHandle> {
    if let Some(bad) = settings.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(script_error(format!(
            "supernet: unknown setting `{bad}` for a supernet compiled from a space's IR (the settings are {})",
            KEYS.join(", ")
        )));
    }
    let space = Arc::clone(&c.0.space.space);
    let data = text(&settings, "data", "fashion-mnist")?;
    if data != "fashion-mnist" {
        return Err(script_error(format!(
            "supernet: unknown data `{data}` (it reads \"fashion-mnist\")"
        )));
    }
    let seed = int(&settings, "seed", c.0.session.borrow().seed() as INT)?;
    let channels = match settings.get("channels") {
        Some(_) => Some(positive("channels", int(&settings, "channels", 1)?)?),
        None => None,
    };
    let cells = match settings.get("cells") {
        Some(_) => Some(positive("cells", int(&settings, "cells", 1)?)? as usize),
        None => None,
    };
    let batch = positive("batch", int(&settings, "batch", 64)?)?;
    let limit = positive("limit", int(&settings, "limit", 5000)?)?;
    let train_fraction = float(&settings, "train_fraction", 0.5)?;
    // The IR supernet reads its size from the space; SearchConfig's NAS-Bench-201 size is unread.
    let unread = SupernetConfig {
        channels: 1,
        cells: 1,
        classes: 10,
        in_channels: 1,
    };
    let defaults = SearchConfig::darts(unread, batch, seed as u64);
    let config = SearchConfig {
        tau: float(&settings, "tau", defaults.tau)?,
        ..common_settings(&settings, defaults)?
    };
    let device = config.device;
    let size = NetworkSize {
        channels,
        cells,
        ..NetworkSize::default()
    };
    let t0 = Instant::now();
    let built = (|| -> Result<IrSearch, OneShotError> {
        // The decisions do not depend on the size: say first whether they can be mixed.
        crate::oneshot::ir_rows::check_space(&space)?;
        let resized = resize(&space, size)?;
        let net_space = resized.as_ref().unwrap_or(&space);
        let (train, valid) = fashion_mnist_split(
            &crate::paths::fashion_mnist_dir(),
            limit,
            train_fraction,
            seed as u64,
        )?;
        let in_channels = train.image_shape()[0];
        let net = IrSupernet::new(net_space, in_channels, device, tch::Kind::Float, seed)?;
        IrSearch::new(net, train, valid, &config)
    })();
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let search = built.map_err(|e| script_error(format!("supernet: {e}")))?;
    Ok(IrSupernetHandle(Rc::new(IrState {
        search: RefCell::new(search),
        space,
        channels,
        cells,
        host_time: Rc::clone(&c.0.host_time),
    })))
}
