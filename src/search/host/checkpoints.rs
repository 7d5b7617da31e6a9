//! Checkpoints of a run's one-shot searches, kept beside its trial store so that `nas run
//! --resume` after a kill continues a search from its last finished epoch instead of its
//! first. A script marks an epoch finished with `net.end_epoch()` (or `net.end_epoch(state)`,
//! keeping its own values too); the host then writes the search's whole state
//! ([`crate::oneshot::OneShotSearch::snapshot`]), the run's generator (`ctx.rng`), the
//! script's state and what identifies the search to one file per supernet, atomically. When
//! a resumed run builds the same supernet again, `ctx.supernet` restores it and says so;
//! `net.epoch` is then the number of epochs done and `net.saved` the script's state.

use super::space_api::script_error;
use super::types::Ctx;
use super::RhaiResult;
use crate::oneshot::checkpoint::{corrupt, RngState, Snapshot};
use crate::oneshot::{OneShotError, OneShotSearch};
use crate::search::alpha_log::{self, AlphaEpoch, AlphaRow};
use rhai::{Dynamic, Map};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where one run (one seed) keeps its one-shot checkpoints and its α history, and how it
/// tells the user.
pub struct Checkpoints {
    dir: PathBuf,
    /// The α history file ([`crate::search::alpha_log`]).
    alphas: PathBuf,
    seed: u64,
    say: Rc<dyn Fn(&str)>,
    /// Supernets built so far in this run: the next one's number.
    built: Cell<usize>,
}

impl Checkpoints {
    /// The checkpoints of seed `seed`'s run in `dir`, its α history in `alphas`; `say` prints
    /// a line for the user.
    pub fn new(dir: PathBuf, alphas: PathBuf, seed: u64, say: Rc<dyn Fn(&str)>) -> Checkpoints {
        Checkpoints {
            dir,
            alphas,
            seed,
            say,
            built: Cell::new(0),
        }
    }

    /// The number of the next supernet this run builds.
    fn next(&self) -> usize {
        let n = self.built.get();
        self.built.set(n + 1);
        n
    }

    /// Removes the checkpoints of seed `seed` from `dir` (its run ended: the trial store
    /// holds what it found), and `dir` itself once empty.
    pub fn clear(dir: &Path, seed: u64) -> std::io::Result<()> {
        let prefix = format!("seed{seed}-");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                std::fs::remove_file(entry.path())?;
            }
        }
        if std::fs::read_dir(dir)?.next().is_none() {
            std::fs::remove_dir(dir)?;
        }
        Ok(())
    }
}

/// What a checkpoint holds besides the search's own state.
#[derive(Debug, Serialize, Deserialize)]
struct HostState {
    /// The supernet's space and settings, as `ctx.supernet` was given them.
    identity: String,
    /// Trials the run had submitted when the checkpoint was written.
    submitted: u64,
    /// `ctx.rng`'s position.
    rng: RngState,
    /// The script's state (`net.end_epoch(state)`), as JSON.
    script: serde_json::Value,
}

/// A supernet's place among the run's checkpoints.
pub struct Slot {
    path: PathBuf,
    identity: String,
    /// The run's seed, and the supernet's name in the α history (`supernet0`, …).
    seed: u64,
    supernet: String,
    alphas: PathBuf,
}

/// For a supernet `ctx.supernet` just built (identified by `identity`: its space and
/// settings), its checkpoint slot, and the script state saved with it when the run resumes
/// from one (the search and `ctx.rng` are then restored). `None` when the run keeps no
/// checkpoints.
pub fn open(
    c: &Ctx,
    identity: String,
    search: &mut OneShotSearch,
) -> RhaiResult<Option<(Slot, Dynamic)>> {
    let Some(checkpoints) = &c.0.checkpoints else {
        return Ok(None);
    };
    let n = checkpoints.next();
    let slot = Slot {
        path: checkpoints
            .dir
            .join(format!("seed{}-supernet{n}.ckpt", checkpoints.seed)),
        identity,
        seed: checkpoints.seed,
        supernet: format!("supernet{n}"),
        alphas: checkpoints.alphas.clone(),
    };
    if !slot.path.exists() {
        return Ok(Some((slot, Dynamic::UNIT)));
    }
    let fail = |e: OneShotError| {
        script_error(format!(
            "supernet: {e} (start afresh with `--fresh`, or delete {})",
            slot.path.display()
        ))
    };
    let mut snapshot = Snapshot::read(&slot.path).map_err(fail)?;
    let host: HostState = serde_json::from_value(snapshot.meta["host"].take())
        .map_err(|e| fail(corrupt(format!("{}: {e}", slot.path.display()))))?;
    let submitted = c.0.session.borrow().submitted();
    let say = &checkpoints.say;
    if host.identity != slot.identity || host.submitted != submitted {
        say(&format!(
            "supernet: the checkpoint {} is of another search (built with {}, after {} trial(s); this one is built with {}, after {submitted}): the search starts from its first epoch",
            slot.path.display(),
            host.identity,
            host.submitted,
            slot.identity
        ));
        return Ok(Some((slot, Dynamic::UNIT)));
    }
    snapshot.meta = snapshot.meta["search"].take();
    search.restore(&snapshot).map_err(fail)?;
    *c.0.space.rng.0.borrow_mut().inner() = host.rng.rng().map_err(fail)?;
    say(&format!(
        "supernet: resumed from {} after epoch {} (steps {}); the search continues with epoch {}",
        slot.path.display(),
        search.epoch(),
        search.steps(),
        search.epoch() + 1
    ));
    Ok(Some((slot, from_json(host.script))))
}

/// Writes `search`'s checkpoint to `slot` with `ctx.rng`'s position and the script's `state`.
pub fn save(c: &Ctx, slot: &Slot, search: &OneShotSearch, state: &Dynamic) -> RhaiResult<()> {
    let script = to_json(state)?;
    let fail = |e: OneShotError| script_error(format!("supernet: {e}"));
    let mut snapshot = search.snapshot().map_err(fail)?;
    let host = HostState {
        identity: slot.identity.clone(),
        submitted: c.0.session.borrow().submitted(),
        rng: RngState::of(c.0.space.rng.0.borrow_mut().inner()),
        script,
    };
    snapshot.meta = serde_json::json!({
        "search": snapshot.meta,
        "host": serde_json::to_value(host).map_err(|e| fail(corrupt(e.to_string())))?,
    });
    snapshot.write(&slot.path).map_err(fail)
}

/// Appends `search`'s α rows (their softmax) after its latest epoch to the run's α history.
pub fn record_alphas(slot: &Slot, search: &OneShotSearch) -> RhaiResult<()> {
    let fail = |e: String| script_error(format!("supernet: {e}"));
    let p = search.probabilities().map_err(|e| fail(e.to_string()))?;
    let rows = search
        .supernet()
        .rows()
        .rows()
        .iter()
        .zip(p)
        .map(|(row, p)| AlphaRow {
            name: row.name.clone(),
            ops: row.labels.clone(),
            p,
        })
        .collect();
    let record = AlphaEpoch {
        seed: slot.seed,
        supernet: slot.supernet.clone(),
        epoch: search.epoch(),
        rows,
    };
    alpha_log::append(&slot.alphas, &record)
        .map_err(|e| fail(format!("cannot write {}: {e}", slot.alphas.display())))
}

/// `value` as JSON: `()`, booleans, integers, finite floats, strings, arrays and maps of them.
fn to_json(value: &Dynamic) -> RhaiResult<serde_json::Value> {
    use serde_json::Value;
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = value.as_int() {
        return Ok(Value::from(i));
    }
    if let Ok(x) = value.as_float() {
        return serde_json::Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| {
                script_error(format!(
                    "end_epoch: the state holds {x}, which a checkpoint cannot keep"
                ))
            });
    }
    if value.is_string() {
        return Ok(Value::String(
            value.clone().into_string().unwrap_or_default(),
        ));
    }
    if value.is_array() {
        let items = value.clone().into_array().unwrap_or_default();
        return items
            .iter()
            .map(to_json)
            .collect::<RhaiResult<_>>()
            .map(Value::Array);
    }
    if let Some(map) = value.read_lock::<Map>() {
        return map
            .iter()
            .map(|(k, v)| Ok((k.to_string(), to_json(v)?)))
            .collect::<RhaiResult<_>>()
            .map(Value::Object);
    }
    Err(script_error(format!(
        "end_epoch: the state may hold (), booleans, numbers, strings, arrays and maps, not a {}",
        value.type_name()
    )))
}

/// The Rhai value of JSON that [`to_json`] wrote.
fn from_json(value: serde_json::Value) -> Dynamic {
    use serde_json::Value;
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => Dynamic::from_int(i),
            _ => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => s.into(),
        Value::Array(items) => Dynamic::from_array(items.into_iter().map(from_json).collect()),
        Value::Object(map) => Dynamic::from_map(
            map.into_iter()
                .map(|(k, v)| (k.into(), from_json(v)))
                .collect::<Map>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_state_round_trips_through_json_and_other_values_are_refused() {
        let mut inner = Map::new();
        inner.insert("baseline".into(), Dynamic::UNIT);
        inner.insert("spread".into(), Dynamic::from_float(0.25));
        inner.insert("round".into(), Dynamic::from_int(3));
        let logits = vec![Dynamic::from_float(1.0), Dynamic::from_float(-0.1)];
        inner.insert("logits".into(), Dynamic::from_array(logits));
        inner.insert("name".into(), "x".into());
        inner.insert("on".into(), Dynamic::from_bool(true));
        let value = Dynamic::from_map(inner);
        let back = from_json(to_json(&value).unwrap());
        assert_eq!(back.to_string(), value.to_string());
        let map = back.read_lock::<Map>().unwrap();
        assert!(map["round"].is_int() && map["spread"].is_float());
        let logits = map["logits"].clone().into_array().unwrap();
        assert!(logits[0].is_float(), "1.0 stays a float");
        assert!(to_json(&Dynamic::from_float(f64::NAN)).is_err());
        let err = to_json(&Dynamic::from(std::time::Duration::ZERO)).unwrap_err();
        assert!(err.to_string().contains("not a"), "{err}");
    }
}
