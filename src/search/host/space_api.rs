//! The space as scripts see it: `ctx.space.sample()`, `mutate`, `neighbours`, `crossover`,
//! `encode`/`decode`/`decode_all`, `count`, `decisions`, `choices`/`from_choices`, `features`, `enumerate`,
//! and the `Arch` type (`arch.key`, `to_string`, `==`).

use super::doc::Api;
use super::types::{ArchHandle, SpaceHandle};
use super::RhaiResult;
use crate::space::{binomial, Architecture, Domain, Space, SpaceError, Value};
use num_traits::ToPrimitive;
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Position, INT};

/// Most architectures `space.enumerate()` returns.
pub const ENUMERATE_LIMIT: u128 = 1_000_000;

/// A script error from a space operation, with its hint.
pub fn space_error(e: SpaceError) -> Box<EvalAltResult> {
    let text = match e.hint() {
        Some(hint) => format!("{e} (hint: {hint})"),
        None => e.to_string(),
    };
    Box::new(EvalAltResult::ErrorRuntime(text.into(), Position::NONE))
}

/// A script error with `message`.
pub fn script_error(message: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        message.into().into(),
        Position::NONE,
    ))
}

/// Registers `Space` and `Arch`.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .ty::<ArchHandle>()
        .get(
            "key",
            "the architecture's canonical string (the same string for the same architecture)",
            |a: &mut ArchHandle| a.key().to_string(),
        )
        .fun(
            "to_string",
            ["arch"],
            "the canonical string, as `print` shows it",
            |a: &mut ArchHandle| a.key().to_string(),
        )
        .fun(
            "to_debug",
            ["arch"],
            "`Arch(<canonical string>)`",
            |a: &mut ArchHandle| format!("Arch({})", a.key()),
        )
        .fun(
            "==",
            ["a", "b"],
            "whether two architectures are the same",
            |a: ArchHandle, b: ArchHandle| a.key() == b.key(),
        )
        .fun(
            "!=",
            ["a", "b"],
            "whether two architectures differ",
            |a: ArchHandle, b: ArchHandle| a.key() != b.key(),
        );

    Api(engine)
        .ty::<SpaceHandle>()
        .get("name", "the space's name", |s: &mut SpaceHandle| s.space.name().to_string())
        .fun("sample", ["space"], "a uniformly random architecture that meets the space's constraints (drawn from `ctx.rng`)", sample)
        .fun("mutate", ["space", "arch"], "`arch` with one active decision changed to another value at random", mutate)
        .fun("neighbours", ["space", "arch"], "every architecture one move away from `arch` that meets the constraints, in a fixed order", neighbours)
        .fun("neighbors", ["space", "arch"], "the same as `neighbours`", neighbours)
        .fun("crossover", ["space", "a", "b"], "uniform crossover: each active decision from `a` or `b` with equal chance, retried until the constraints hold", crossover)
        .fun("encode", ["space", "arch"], "the architecture's canonical string (what `decode` reads)", |_: &mut SpaceHandle, a: ArchHandle| {
            a.key().to_string()
        })
        .fun("decode", ["space", "text"], "the architecture a canonical string names; an error if it is not one of this space", decode)
        .fun("decode_all", ["space", "text"], "the architectures a string names: the one `decode` reads, or, written without the searched settings' decisions (`train.*`, as the space's own text), one per combination of the settings' alternatives", decode_all)
        .fun("count", ["space"], "the exact number of architectures: an integer when it fits, else a float", count)
        .fun("decisions", ["space"], "every decision as `#{name, size, kind}` (`size`: its number of values)", decisions)
        .fun("choices", ["space", "arch"], "the index of each decision's value (-1 for a decision the architecture leaves inactive)", choices)
        .fun("from_choices", ["space", "indices"], "the architecture whose active decisions take these indices (the inverse of `choices`)", from_choices)
        .fun("features", ["space", "arch"], "a numeric encoding for surrogate models (one-hot choices, scaled integers, 0/1 flags)", features)
        .fun("enumerate", ["space", "limit"], "every architecture of the space, refusing spaces with more than `limit`", enumerate);
}

fn sample(s: &mut SpaceHandle) -> RhaiResult<ArchHandle> {
    let arch = s
        .space
        .sample(s.rng.0.borrow_mut().inner())
        .map_err(space_error)?;
    Ok(ArchHandle::new(&s.space, arch))
}

fn mutate(s: &mut SpaceHandle, a: ArchHandle) -> RhaiResult<ArchHandle> {
    let arch = s
        .space
        .mutate(a.arch(), s.rng.0.borrow_mut().inner())
        .map_err(space_error)?;
    Ok(ArchHandle::new(&s.space, arch))
}

fn neighbours(s: &mut SpaceHandle, a: ArchHandle) -> Array {
    s.space
        .neighbours(a.arch())
        .into_iter()
        .map(|n| Dynamic::from(ArchHandle::new(&s.space, n)))
        .collect()
}

fn crossover(s: &mut SpaceHandle, a: ArchHandle, b: ArchHandle) -> RhaiResult<ArchHandle> {
    let arch = s
        .space
        .crossover(a.arch(), b.arch(), s.rng.0.borrow_mut().inner())
        .map_err(space_error)?;
    Ok(ArchHandle::new(&s.space, arch))
}

fn decode(s: &mut SpaceHandle, text: &str) -> RhaiResult<ArchHandle> {
    let arch = s.space.decode(text).map_err(space_error)?;
    Ok(ArchHandle::new(&s.space, arch))
}

fn decode_all(s: &mut SpaceHandle, text: &str) -> RhaiResult<Array> {
    let all = s
        .space
        .decode_all(text, ENUMERATE_LIMIT)
        .map_err(space_error)?;
    Ok(all
        .into_iter()
        .map(|a| Dynamic::from(ArchHandle::new(&s.space, a)))
        .collect())
}

/// The number of architectures: an integer when it fits, else a float.
fn count(s: &mut SpaceHandle) -> RhaiResult<Dynamic> {
    let n = s.space.count().map_err(space_error)?;
    Ok(match n.to_i64() {
        Some(i) => Dynamic::from_int(i as INT),
        None => Dynamic::from_float(n.to_f64().unwrap_or(f64::INFINITY)),
    })
}

/// Every decision as `#{name, size, kind}`; `size` is its number of values (capped at the
/// largest integer).
fn decisions(s: &mut SpaceHandle) -> Array {
    s.space
        .decisions()
        .iter()
        .map(|d| {
            let mut m = Map::new();
            m.insert("name".into(), d.name.clone().into());
            m.insert(
                "size".into(),
                Dynamic::from_int(d.domain.size().min(INT::MAX as u128) as INT),
            );
            let kind = match d.domain {
                Domain::Categorical(_) => "categorical",
                Domain::Integer { .. } => "integer",
                Domain::Boolean => "boolean",
                Domain::Depth { .. } => "depth",
                Domain::Pick { .. } => "pick",
                Domain::Subset { .. } => "subset",
            };
            m.insert("kind".into(), kind.into());
            m.insert("guarded".into(), d.guard.is_some().into());
            Dynamic::from_map(m)
        })
        .collect()
}

/// The index of `v` in `dom`'s canonical order (inverse of `Domain::value_at`).
pub fn index_in(dom: &Domain, v: Value) -> Option<u128> {
    match (dom, v) {
        (Domain::Categorical(_), Value::Cat(i)) => Some(i as u128),
        (Domain::Integer { lo, .. } | Domain::Depth { lo, .. }, Value::Int(x)) => {
            Some((x - lo) as u128)
        }
        (Domain::Boolean, Value::Bool(b)) => Some(b as u128),
        (Domain::Subset { .. }, Value::Set(s)) => Some(s as u128),
        (Domain::Pick { .. }, Value::Set(s)) => {
            // Combinatorial number system: the members c1 < c2 < ... give Σ C(c_i, i).
            let mut rank = 0u128;
            let mut i = 0u32;
            for bit in 0..64u32 {
                if s >> bit & 1 == 1 {
                    i += 1;
                    rank += binomial(bit, i);
                }
            }
            Some(rank)
        }
        _ => None,
    }
}

/// The per-decision indices of `a` (`-1` for an inactive decision).
pub fn choice_vector(s: &SpaceHandle, a: &Architecture) -> Vec<i64> {
    s.space
        .decisions()
        .iter()
        .zip(a.values())
        .map(|(d, &v)| index_in(&d.domain, v).map_or(-1, |i| i.min(i64::MAX as u128) as i64))
        .collect()
}

fn choices(s: &mut SpaceHandle, a: ArchHandle) -> Array {
    choice_vector(s, a.arch())
        .into_iter()
        .map(|i| Dynamic::from_int(i as INT))
        .collect()
}

/// The architecture whose active decisions take the given indices (inactive ones are
/// skipped; their entries are ignored).
fn from_choices(s: &mut SpaceHandle, indices: Array) -> RhaiResult<ArchHandle> {
    let decisions = s.space.decisions();
    if indices.len() != decisions.len() {
        return Err(script_error(format!(
            "from_choices needs {} indices (one per decision), got {}",
            decisions.len(),
            indices.len()
        )));
    }
    let mut values = vec![Value::Off; decisions.len()];
    for (d, dec) in decisions.iter().enumerate() {
        if !s.space.is_active(d, &values) {
            continue;
        }
        let i = indices[d].as_int().map_err(|t| {
            script_error(format!("from_choices: index {d} is a {t}, not an integer"))
        })?;
        let size = dec.domain.size();
        if i < 0 || i as u128 >= size {
            return Err(script_error(format!(
                "from_choices: decision `{}` has {size} values, so index {i} is out of range",
                dec.name
            )));
        }
        values[d] = dec.domain.value_at(i as u128);
    }
    let arch = Architecture::new(&s.space, values).map_err(space_error)?;
    // A controller's draw is checked against the resource bounds as against the constraints.
    if !s.space.resource_bounds().is_empty() {
        if let Some(breach) = s.space.resource_breach(&arch).map_err(space_error)? {
            return Err(script_error(format!(
                "from_choices: the architecture breaks the space's resource bound: {breach}"
            )));
        }
    }
    Ok(ArchHandle::new(&s.space, arch))
}

/// A numeric encoding for surrogate models: one-hot for categorical decisions, the value
/// scaled to `[0, 1]` for integers and depths, 0/1 for booleans, one bit per candidate for
/// picks and subsets; an inactive decision contributes zeros.
pub fn feature_vector(space: &Space, a: &Architecture) -> Vec<f64> {
    let mut out = Vec::new();
    for (d, &v) in space.decisions().iter().zip(a.values()) {
        decision_features(&d.domain, v, &mut out);
    }
    out
}

/// One decision's part of [`feature_vector`], appended to `out`.
pub fn decision_features(domain: &Domain, v: Value, out: &mut Vec<f64>) {
    match domain {
        Domain::Categorical(alts) => {
            let start = out.len();
            out.resize(start + alts.len(), 0.0);
            if let Value::Cat(i) = v {
                out[start + i as usize] = 1.0;
            }
        }
        Domain::Integer { lo, hi } | Domain::Depth { lo, hi } => out.push(match v {
            Value::Int(x) if hi > lo => (x - lo) as f64 / (hi - lo) as f64,
            _ => 0.0,
        }),
        Domain::Boolean => out.push(matches!(v, Value::Bool(true)) as u8 as f64),
        Domain::Pick { candidates, .. } | Domain::Subset { candidates } => {
            let set = if let Value::Set(s) = v { s } else { 0 };
            out.extend((0..candidates.len()).map(|i| (set >> i & 1) as f64));
        }
    }
}

fn features(s: &mut SpaceHandle, a: ArchHandle) -> Array {
    feature_vector(&s.space, a.arch())
        .into_iter()
        .map(Dynamic::from_float)
        .collect()
}

/// Every architecture of the space (for grid search), refusing spaces larger than `limit`.
fn enumerate(s: &mut SpaceHandle, limit: INT) -> RhaiResult<Array> {
    let limit = (limit.max(0) as u128).min(ENUMERATE_LIMIT);
    let all = s.space.enumerate(limit).map_err(space_error)?;
    Ok(all
        .into_iter()
        .map(|a| Dynamic::from(ArchHandle::new(&s.space, a)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_ranks_invert_value_at() {
        let dom = Domain::Pick {
            k: 2,
            candidates: ["a", "b", "c", "d", "e"].map(String::from).to_vec(),
        };
        for i in 0..dom.size() {
            assert_eq!(index_in(&dom, dom.value_at(i)), Some(i));
        }
        let ints = Domain::Integer { lo: 3, hi: 9 };
        assert_eq!(index_in(&ints, Value::Int(5)), Some(2));
        assert_eq!(index_in(&ints, Value::Off), None);
    }
}
