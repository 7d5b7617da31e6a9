//! TE-NAS from scripts: `ctx.pruned_supernet(#{...})` builds the pruned-supernet scorer of
//! [`crate::trainfree::tenas`] for the experiment's space on the training images of its
//! `data` entry (images padded to 3×32×32 for the NTK, single-channel 3×3 patches for the
//! linear regions), and the
//! `PrunedSupernet` type measures a set of remaining ops: `ntk(alive)` and `regions(alive)`
//! return one value per initialisation, `arch(alive)` the architecture once one op is left
//! on every row of α and each `k of` choice is down to its `k` edges. `alive` is an array
//! with one array of op names per row (`row_names()` names the rows, `ops(r)` lists row `r`'s
//! ops; a `k of` candidate's row may be empty: its edge is cut), and `input_choices()` lists
//! the `k of` choices as `#{name, keep, rows}`, so the pruning schedule stays in the script. Time spent in these calls is host time.

use super::doc::{host_type, Api};
use super::oneshot_api::{carry_into, checked_settings, int, optional, positive, training_images};
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx};
use super::RhaiResult;
use crate::oneshot::alive::Alive;
use crate::oneshot::rows::RowKind;
use crate::space::Space;
use crate::trainfree::inputs::{image_batch, patches};
use crate::trainfree::tenas::{PrunedSupernet, TenasConfig};
use rhai::{Array, Dynamic, Engine, Map, INT};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A pruned-supernet scorer (Rhai type `PrunedSupernet`).
#[derive(Clone)]
pub struct PrunedHandle(Rc<PrunedState>);

host_type!(PrunedHandle, "PrunedSupernet", "TE-NAS' pruned-supernet scorer (`ctx.pruned_supernet(..)`): NTK and linear regions of a set of remaining ops");

/// What a [`PrunedHandle`] holds.
pub struct PrunedState {
    scorer: PrunedSupernet,
    space: Arc<Space>,
    host_time: Rc<Cell<Duration>>,
}

/// The settings `ctx.pruned_supernet` accepts.
const KEYS: [&str; 9] = [
    "channels",
    "cells",
    "thin_channels",
    "batch",
    "repeats",
    "patches",
    "patch_batch",
    "seed",
    "threads",
];

/// Registers `ctx.pruned_supernet` and the `PrunedSupernet` type.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .ty::<PrunedHandle>()
        .fun("pruned_supernet", ["ctx", "settings"], &format!("TE-NAS' pruned-supernet scorer for the experiment's space on its training images; the settings map may hold {}", KEYS.join(", ")), pruned_supernet)
        .fun("ntk", ["net", "alive"], "the NTK condition number of the supernet with the ops `alive` keeps, one value per initialisation", |n: &mut PrunedHandle, alive: Array| {
            let alive = alive_of(n, &alive)?;
            timed(n, |s| s.ntk(&alive)).map(floats)
        })
        .fun("regions", ["net", "alive"], "the number of linear regions with the ops `alive` keeps, one value per initialisation", |n: &mut PrunedHandle, alive: Array| {
            let alive = alive_of(n, &alive)?;
            timed(n, |s| s.regions(&alive)).map(floats)
        })
        .fun(
            "arch",
            ["net", "alive"],
            "the architecture once `alive` keeps exactly one op on every row (on a `k of` candidate's edge one or none) and each `k of` choice is down to its k edges",
            |n: &mut PrunedHandle, alive: Array| -> RhaiResult<ArchHandle> {
                let alive = alive_of(n, &alive)?;
                let arch =
                    n.0.scorer
                        .arch(&alive)
                        .map_err(|e| script_error(format!("pruned_supernet: {e}")))?
                        .ok_or_else(|| {
                            script_error(
                                "pruned_supernet: `arch` needs exactly one op left on every row (on a `k of` candidate's edge one or none) and each `k of` choice down to its k edges",
                            )
                        })?;
                carry_into(&n.0.space, n.0.scorer.space(), &arch)
            },
        )
        .fun("row_names", ["net"], "the name of each row of α", |n: &mut PrunedHandle| -> Array {
            n.0.scorer
                .rows()
                .iter()
                .map(|r| r.name.clone().into())
                .collect()
        })
        .fun("ops", ["net", "row"], "row `row`'s op labels", |n: &mut PrunedHandle, r: INT| -> RhaiResult<Array> {
            let rows = n.0.scorer.rows();
            let row = usize::try_from(r)
                .ok()
                .and_then(|r| rows.get(r))
                .ok_or_else(|| {
                    script_error(format!(
                        "pruned_supernet: no row {r} (there are {})",
                        rows.len()
                    ))
                })?;
            Ok(row.labels.iter().map(|l| l.clone().into()).collect())
        })
        .fun("input_choices", ["net"], "the `k of` input choices, each as `#{name, keep, rows}`: its name, the k it keeps and the rows of its candidates' edges", |n: &mut PrunedHandle| -> Array {
            n.0.scorer
                .input_choices()
                .into_iter()
                .map(|choice| {
                    let mut m = Map::new();
                    m.insert("name".into(), choice.name.into());
                    m.insert("keep".into(), (choice.keep as INT).into());
                    let rows: Array = choice.rows.iter().map(|&r| (r as INT).into()).collect();
                    m.insert("rows".into(), rows.into());
                    m.into()
                })
                .collect()
        })
        .fun("to_string", ["net"], "a one-line summary of the scorer", |n: &mut PrunedHandle| describe(n))
        .fun("to_debug", ["net"], "the same as `to_string`", |n: &mut PrunedHandle| describe(n));
}

fn describe(n: &PrunedHandle) -> String {
    let s = &n.0.scorer;
    let c = s.config();
    let cells = c.cells.map_or("the space's".to_string(), |n| n.to_string());
    format!(
        "PrunedSupernet({}, {} α rows, NTK on {} images with channels {}, cells {cells} ({} weights), {} initialisation(s))",
        n.0.space.name(),
        s.rows().len(),
        s.ntk_batch(),
        c.channels,
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

/// The mask of an array of per-row arrays of op names, every row keeping an op but a `k of`
/// candidate's edge, which may be cut.
fn alive_of(n: &PrunedHandle, alive: &Array) -> RhaiResult<Alive> {
    let rows = n.0.scorer.rows();
    let mask = super::alpha_api::alive_of("pruned_supernet", rows, alive)?;
    let cuttable = |r: usize| matches!(rows[r].kind, RowKind::Candidate { .. });
    if let Some(r) = (0..rows.len()).find(|&r| mask.count(r) == 0 && !cuttable(r)) {
        return Err(script_error(format!(
            "pruned_supernet: row `{}` has no op left",
            rows[r].name
        )));
    }
    Ok(mask)
}

/// `ctx.pruned_supernet(settings)`: reads the data and builds the networks.
fn pruned_supernet(c: &mut Ctx, settings: Map) -> RhaiResult<PrunedHandle> {
    let (space, seed) = checked_settings(c, "pruned_supernet", &settings, &KEYS)?;
    let batch = positive("batch", int(&settings, "batch", 32)?)?;
    if batch < 2 {
        return Err(script_error(
            "pruned_supernet: the NTK needs a `batch` of at least 2 images",
        ));
    }
    let config = TenasConfig {
        channels: positive("channels", int(&settings, "channels", 3)?)?,
        cells: optional(&settings, "cells")?.map(|n| n as usize),
        thin_channels: positive("thin_channels", int(&settings, "thin_channels", 1)?)?,
        repeats: positive("repeats", int(&settings, "repeats", 3)?)?.min(1000) as u32,
        seed,
    };
    let count = positive("patches", int(&settings, "patches", 3000)?)?;
    let patch_batch = positive("patch_batch", int(&settings, "patch_batch", 1000)?)?;
    let t0 = Instant::now();
    let train = training_images(c, "pruned_supernet");
    let built = train.and_then(|train| {
        let (images, _) = image_batch(&train, batch, seed as u64, true)
            .map_err(|e| script_error(format!("pruned_supernet: {e}")))?;
        let cut =
            patches(&train, count).map_err(|e| script_error(format!("pruned_supernet: {e}")))?;
        PrunedSupernet::new(&space, config, images, &cut, patch_batch)
            .map_err(|e| script_error(format!("pruned_supernet: {e}")))
    });
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    let scorer = built?;
    Ok(PrunedHandle(Rc::new(PrunedState {
        scorer,
        space,
        host_time: Rc::clone(&c.0.host_time),
    })))
}
