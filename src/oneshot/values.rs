//! The value choices inside an op as candidates of a mixed op, so that one-shot strategies
//! search layer-wise spaces (FBNet's and ProxylessNAS' `mbconv(c, expand: 3 | 6, kernel: 3 |
//! 5 | 7)` per layer): an op that reads value decisions stands for one op per combination of
//! their values, each a column of its row, labelled with the values it takes
//! (`mb_expand3_kernel5`) and setting them when it is derived. The paper's FBNet and
//! ProxylessNAS supernets mix exactly these combinations (one candidate block per kernel and
//! expansion, plus skip), so the flat form is theirs; a factorised form (a row per value)
//! would weigh kernel and expansion independently, which neither paper does.

use super::rows::{unsupported, Column, Setting};
use super::OneShotError;
use crate::space::{Alt, ArgValue, Domain, Op, OpKind, OpRef, Space, Value, When};

/// The most columns one row may have (the combinations of one op's values).
pub const MAX_COLUMNS: usize = 64;

/// Deepest nesting of `op` definitions followed.
const MAX_DEPTH: usize = 64;

/// The value decisions `op` reads (its arguments' and those of the ops it expands to), in
/// decision order; an op choice nested inside it is an error.
pub fn reads(space: &Space, owner: &str, op: &Op) -> Result<Vec<usize>, OneShotError> {
    let mut out = Vec::new();
    collect(space, owner, op, 0, &mut out)?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn collect(
    space: &Space,
    owner: &str,
    op: &Op,
    depth: usize,
    out: &mut Vec<usize>,
) -> Result<(), OneShotError> {
    if depth > MAX_DEPTH {
        return Err(unsupported(
            space,
            format!("op `{}` nests too deeply", op.name),
        ));
    }
    let decisions = space.decisions();
    for arg in &op.args {
        let ArgValue::Decision(d) = arg.value else {
            continue;
        };
        let dec = decisions.get(d).ok_or_else(|| {
            unsupported(space, format!("op `{}` reads a missing decision", op.name))
        })?;
        match &dec.domain {
            Domain::Categorical(alts) if alts.iter().any(|a| a.op.is_some()) => {}
            Domain::Categorical(_) | Domain::Integer { .. } | Domain::Boolean => out.push(d),
            _ => {
                return Err(unsupported(
                    space,
                    format!(
                        "op `{}` in {owner} takes its argument from decision `{}`, which is not a value choice",
                        op.name, dec.name
                    ),
                ))
            }
        }
    }
    let skeleton = space.skeleton();
    let nested = skeleton
        .expansions
        .get(op)
        .into_iter()
        .flatten()
        .chain(skeleton.branches.get(op).into_iter().flatten().flatten());
    for r in nested {
        match r {
            OpRef::Fixed(inner) => collect(space, owner, inner, depth + 1, out)?,
            OpRef::Choice(d) => {
                return Err(unsupported(
                    space,
                    format!(
                        "op `{}` in {owner} holds the op choice `{}` inside it; a supernet mixes the value choices inside an op, not its op choices",
                        op.name,
                        decisions.get(*d).map_or("?", |x| x.name.as_str())
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// The columns of an op decision `d` over `alts`: each alternative once per combination of
/// the values its op reads, setting `d` to it and each value; a value must be switched on by
/// nothing, or by `d` picking that alternative.
pub fn decision_columns<'a>(
    space: &Space,
    d: usize,
    alts: &'a [Alt],
) -> Result<Vec<(Column, &'a Op)>, OneShotError> {
    let owner = format!("decision `{}`", space.decisions()[d].name);
    let mut out = Vec::new();
    for (k, alt) in alts.iter().enumerate() {
        let op = alt
            .op
            .as_ref()
            .ok_or_else(|| unsupported(space, format!("{owner} has a value, not an op")))?;
        let read = reads(space, &owner, op)?;
        for &r in &read {
            let guard = space.decisions()[r].guard;
            if guard.is_some_and(|g| g.parent != d || g.when != When::Is(k as u32)) {
                return Err(unsupported(space, format!("the value choice `{}` of {owner}'s op `{}` is switched on by another decision", space.decisions()[r].name, alt.label)));
            }
        }
        let base = vec![(d, Value::Cat(k as u32))];
        for column in combinations(space, &owner, &alt.label, op.kind, &read, base)? {
            out.push((column, op));
        }
    }
    check_width(space, &owner, out.len())?;
    Ok(out)
}

/// The columns of a fixed op that reads the value decisions `read` (none switched on and off
/// by another decision): one per combination of their values.
pub fn fixed_columns(
    space: &Space,
    owner: &str,
    op: &Op,
    read: &[usize],
) -> Result<Vec<Column>, OneShotError> {
    for &r in read {
        if space.decisions()[r].guard.is_some() {
            return Err(unsupported(space, format!("the value choice `{}` of op `{}` in {owner} is switched on and off by another decision", space.decisions()[r].name, op.name)));
        }
    }
    let out = combinations(space, owner, &op.name, op.kind, read, Vec::new())?;
    check_width(space, owner, out.len())?;
    Ok(out)
}

fn check_width(space: &Space, owner: &str, n: usize) -> Result<(), OneShotError> {
    if n > MAX_COLUMNS {
        return Err(unsupported(
            space,
            format!("{owner} mixes {n} combinations of ops and values; a row holds at most {MAX_COLUMNS}"),
        ));
    }
    Ok(())
}

/// One column per combination of the values of `read` (the first decision's values
/// outermost), each after `base` in its setting and labelled `label` with each value
/// appended (`mb_expand3_kernel5`).
fn combinations(
    space: &Space,
    owner: &str,
    label: &str,
    kind: OpKind,
    read: &[usize],
    base: Setting,
) -> Result<Vec<Column>, OneShotError> {
    let mut columns = vec![Column {
        label: label.to_string(),
        zero: kind == OpKind::Zero,
        skip: kind == OpKind::Identity,
        setting: base,
    }];
    for &r in read {
        let dec = &space.decisions()[r];
        let n = dec.domain.size();
        if n as usize > MAX_COLUMNS {
            return Err(unsupported(
                space,
                format!(
                    "the value choice `{}` of {owner} has {n} values; a row holds at most {MAX_COLUMNS}",
                    dec.name
                ),
            ));
        }
        let short = dec.name.rsplit('.').next().unwrap_or(&dec.name);
        let mut next = Vec::with_capacity(columns.len() * n as usize);
        for c in &columns {
            for i in 0..n {
                let v = dec.domain.value_at(i);
                let text = match (&dec.domain, v) {
                    (Domain::Categorical(alts), Value::Cat(k)) => alts[k as usize].label.clone(),
                    (_, Value::Int(x)) => x.to_string(),
                    (_, Value::Bool(b)) => b.to_string(),
                    _ => i.to_string(),
                };
                let mut setting = c.setting.clone();
                setting.push((r, v));
                next.push(Column {
                    label: format!("{}_{}", c.label, component(&format!("{short}{text}"))),
                    setting,
                    ..c.clone()
                });
            }
            if next.len() > MAX_COLUMNS {
                return Err(unsupported(
                    space,
                    format!("{owner} has more than {MAX_COLUMNS} combinations of values"),
                ));
            }
        }
        columns = next;
    }
    Ok(columns)
}

/// `text` with every character but ASCII letters, digits and `_` replaced (`0.5` → `0p5`,
/// `-1` → `m1`), usable as a parameter path's component.
fn component(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || c == '_' => c,
            '.' => 'p',
            '-' => 'm',
            _ => '_',
        })
        .collect()
}
