//! TE-NAS from scripts: `ctx.pruned_supernet(#{...})` builds the pruned-supernet scorer of
//! [`crate::trainfree::tenas`] on Fashion-MNIST (images padded to 3×32×32 for the NTK,
//! single-channel 3×3 patches for the linear regions), and the `PrunedSupernet` type measures
//! a set of remaining ops: `ntk(alive)` and `regions(alive)` return one value per
//! initialisation, `arch(alive)` the cell once one op is left on every edge. `alive` is an
//! array with one array of op names per edge (edges in the benchmark's string order), so the
//! pruning schedule stays in the script. Time spent in these calls is host time.

use super::oneshot_api::{arch_of, int, nb201_settings, positive};
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx};
use super::RhaiResult;
use crate::compile::nb201::Nb201Op;
use crate::oneshot::path::{EDGES, OPS};
use crate::space::Space;
use crate::trainfree::inputs::{image_batch, patches};
use crate::trainfree::tenas::{Alive, PrunedSupernet, TenasConfig};
use rhai::{Array, Dynamic, Engine, Map, INT};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A pruned-supernet scorer (Rhai type `PrunedSupernet`).
#[derive(Clone)]
pub struct PrunedHandle(Rc<PrunedState>);

/// What a [`PrunedHandle`] holds.
pub struct PrunedState {
    scorer: PrunedSupernet,
    space: Arc<Space>,
    host_time: Rc<Cell<Duration>>,
}

/// The settings `ctx.pruned_supernet` accepts.
const KEYS: [&str; 9] = [
    "data",
    "channels",
    "cells",
    "batch",
    "repeats",
    "patches",
    "patch_batch",
    "seed",
    "threads",
];

/// Registers `ctx.pruned_supernet` and the `PrunedSupernet` type.
pub fn register(engine: &mut Engine) {
    engine
        .register_fn("pruned_supernet", pruned_supernet)
        .register_type_with_name::<PrunedHandle>("PrunedSupernet")
        .register_fn("ntk", |n: &mut PrunedHandle, alive: Array| {
            let alive = alive_of(&alive)?;
            timed(n, |s| s.ntk(&alive)).map(floats)
        })
        .register_fn("regions", |n: &mut PrunedHandle, alive: Array| {
            let alive = alive_of(&alive)?;
            timed(n, |s| s.regions(&alive)).map(floats)
        })
        .register_fn(
            "arch",
            |n: &mut PrunedHandle, alive: Array| -> RhaiResult<ArchHandle> {
                let path = alive_of(&alive)?.path().ok_or_else(|| {
                    script_error("pruned_supernet: `arch` needs exactly one op left on every edge")
                })?;
                arch_of(&n.0.space, &path)
            },
        )
        .register_fn("op_names", |_: &mut PrunedHandle| -> Array {
            Nb201Op::ALL.iter().map(|op| op.name().into()).collect()
        })
        .register_fn("edges", |_: &mut PrunedHandle| EDGES.len() as INT)
        .register_fn("to_string", |n: &mut PrunedHandle| describe(n))
        .register_fn("to_debug", |n: &mut PrunedHandle| describe(n));
}

fn describe(n: &PrunedHandle) -> String {
    let s = &n.0.scorer;
    let c = s.config();
    format!(
        "PrunedSupernet(nb201, NTK on {} images with channels {}, cells {} ({} weights), {} initialisation(s))",
        s.ntk_batch(),
        c.channels,
        c.cells,
        s.weight_count(),
        c.repeats
    )
}

/// Runs `f` on the scorer, counting its time as host time; errors become script errors.
fn timed<T>(
    n: &PrunedHandle,
    f: impl FnOnce(&PrunedSupernet) -> Result<T, tch::TchError>,
) -> RhaiResult<T> {
    let t0 = Instant::now();
    let result = f(&n.0.scorer);
    n.0.host_time.set(n.0.host_time.get() + t0.elapsed());
    result.map_err(|e| {
        let e = e.to_string();
        let first = e.lines().next().unwrap_or_default();
        script_error(format!("pruned_supernet: {first}"))
    })
}

fn floats(values: Vec<f64>) -> Array {
    values.into_iter().map(Dynamic::from_float).collect()
}

/// The mask of an array of per-edge arrays of op names.
fn alive_of(alive: &Array) -> RhaiResult<Alive> {
    if alive.len() != EDGES.len() {
        return Err(script_error(format!(
            "pruned_supernet: the remaining ops are one array of op names per edge ({} edges), got {} entries",
            EDGES.len(),
            alive.len()
        )));
    }
    let mut mask = Alive([[false; OPS]; EDGES.len()]);
    for (e, ops) in alive.iter().enumerate() {
        let ops = ops.read_lock::<Array>().ok_or_else(|| {
            script_error(format!(
                "pruned_supernet: edge {e} must be an array of op names, not a {}",
                ops.type_name()
            ))
        })?;
        for op in ops.iter() {
            let name = op.clone().into_string().map_err(|t| {
                script_error(format!(
                    "pruned_supernet: an op must be named by a string, not a {t}"
                ))
            })?;
            let k = Nb201Op::ALL
                .iter()
                .position(|o| o.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Nb201Op::ALL.iter().map(|o| o.name()).collect();
                    script_error(format!(
                        "pruned_supernet: unknown op `{name}` (the ops are {})",
                        names.join(", ")
                    ))
                })?;
            mask.0[e][k] = true;
        }
        if mask.count(e) == 0 {
            return Err(script_error(format!(
                "pruned_supernet: edge {e} has no op left"
            )));
        }
    }
    Ok(mask)
}

/// `ctx.pruned_supernet(settings)`: reads the data and builds the networks.
fn pruned_supernet(c: &mut Ctx, settings: Map) -> RhaiResult<PrunedHandle> {
    let (space, seed) = nb201_settings(c, "pruned_supernet", &settings, &KEYS)?;
    let batch = positive("batch", int(&settings, "batch", 32)?)?;
    if batch < 2 {
        return Err(script_error(
            "pruned_supernet: the NTK needs a `batch` of at least 2 images",
        ));
    }
    let config = TenasConfig {
        channels: positive("channels", int(&settings, "channels", 3)?)?,
        cells: positive("cells", int(&settings, "cells", 1)?)? as usize,
        classes: 10,
        repeats: positive("repeats", int(&settings, "repeats", 3)?)?.min(1000) as u32,
        seed,
    };
    let count = positive("patches", int(&settings, "patches", 3000)?)?;
    let patch_batch = positive("patch_batch", int(&settings, "patch_batch", 1000)?)?;
    if let Some(threads) = settings.get("threads") {
        let threads = threads.as_int().map_err(|t| {
            script_error(format!(
                "pruned_supernet: `threads` must be an integer, not a {t}"
            ))
        })?;
        tch::set_num_threads(positive("threads", threads)?.min(1024) as i32);
    }
    let t0 = Instant::now();
    let built = crate::train::fashion_mnist::load_fashion_mnist(&crate::paths::fashion_mnist_dir())
        .map_err(crate::train::named::describe)
        .and_then(|set| {
            let (images, _) = image_batch(&set.train, batch, seed as u64, true)?;
            let cut = patches(&set.train, count)?;
            PrunedSupernet::new(config, images, &cut, patch_batch)
        });
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let scorer = built.map_err(|e| script_error(format!("pruned_supernet: {e}")))?;
    Ok(PrunedHandle(Rc::new(PrunedState {
        scorer,
        space,
        host_time: Rc::clone(&c.0.host_time),
    })))
}
