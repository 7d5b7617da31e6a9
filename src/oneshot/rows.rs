//! The architecture parameters of a supernet compiled from a space's IR: which row of α
//! stands for what, which spaces can be a supernet at all, and the two ways back from α to
//! the space — deriving an architecture (DARTS' rule) and the single-path mixture of a given
//! architecture.
//!
//! - An op decision (a categorical decision whose alternatives are ops) has one row, one
//!   column per alternative, shared by every edge and every cell call that uses it; deriving
//!   gives it its strongest op, `none` included when the space offers it (an architecture of
//!   the space may have a zero edge: NAS-Bench-201's own DARTS code takes the argmax over all
//!   five ops).
//! - A `k of [...]` input choice becomes one mixed edge per candidate input, each with a row of
//!   its own over the ops of the node's op decisions plus the zero op `none` when they lack
//!   one (DARTS' mixed edges over its eight ops: `none` takes part in the softmax and adds
//!   zeros); deriving keeps the `k` candidates whose strongest op other than `none` weighs
//!   most, and gives each picked slot the strongest op of its candidate's edge other than
//!   `none` (DARTS' rule: the zero op is dropped only when deriving).
//!
//! - An `any of [...]` input choice gives each candidate a row of two columns, `off` (a zero
//!   op, never computed) and `on` (the candidate's edge, weighed by its softmax weight);
//!   deriving keeps the candidates whose `on` outweighs their `off`.
//!
//! - An op whose arguments are value choices (`mbconv(c, expand: 3 | 6, kernel: 3 | 5)`,
//!   FBNet's and ProxylessNAS' layer-wise spaces) is a mixed op with one column per
//!   combination of the values it reads ([`super::values`]): on an op decision, each
//!   alternative expands into its combinations (a `mb(c) | skip` choice whose `mb` reads two
//!   values of 2 and 3 is a row of 7 ops), and a fixed op that reads values has a row of its
//!   own ([`RowKind::Values`]). Each column sets every decision it stands for, so deriving and
//!   single paths read and write the value decisions with the op.
//!
//! Anything else a space may decide — depths, a node's kind, a value that no mixed op reads
//! (a cell's width) — has no mixture here, and [`check_space`] or [`Rows::check_covers`]
//! says which decision it is.

use super::mix::{CellMix, EdgeTerm};
use super::OneShotError;
use crate::space::{
    connected, Alt, Architecture, ArgValue, Domain, Op, OpKind, OpRef, Space, Value,
};
use std::collections::HashMap;
use tch::{Device, Kind, TchError, Tensor};

/// What a row of α stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// An op decision, by index.
    Decision(usize),
    /// The edge from candidate `candidate` of the pick decision `pick`.
    Candidate {
        /// The pick decision.
        pick: usize,
        /// The candidate's index in it.
        candidate: usize,
    },
    /// Whether candidate `candidate` of the subset decision `subset` is in (`any of`).
    Member {
        /// The subset decision.
        subset: usize,
        /// The candidate's index in it.
        candidate: usize,
    },
    /// A fixed op whose arguments are value choices, by the first decision it reads: one
    /// column per combination of their values.
    Values(usize),
}

/// One column of a row as it is added: its label, whether it is a zero op or the identity,
/// and the decisions it sets (see [`Row::settings`]).
#[derive(Debug, Clone)]
pub struct Column {
    /// How it is printed.
    pub label: String,
    /// A zero op (`none`): never derived on a `k of` edge, never computed.
    pub zero: bool,
    /// The identity (a skip connection).
    pub skip: bool,
    /// The decisions it sets and their values.
    pub setting: Setting,
}

/// The decisions one column of a row stands for, each with the value it gives it.
pub type Setting = Vec<(usize, Value)>;

/// The two columns of a [`RowKind::Member`] row: the candidate left out (a zero op), or in.
pub fn member_alternatives() -> [Alt; 2] {
    [
        Alt::op(Op::new("off", OpKind::Zero)),
        Alt::op(Op::new("on", OpKind::Identity)),
    ]
}

/// The ops of a `k of` candidate's mixed edge: `alts` (the slot's op choice), and after them
/// the zero op `none` when `alts` has no zero op, as DARTS mixes `none` with its seven ops on
/// every edge. Its column is last, so column `k < alts.len()` is still alternative `k`.
pub fn candidate_alternatives(alts: &[Alt]) -> Vec<Alt> {
    let mut ops = alts.to_vec();
    if !alts
        .iter()
        .any(|a| a.op.as_ref().is_some_and(|o| o.kind == OpKind::Zero))
    {
        ops.push(Alt::op(Op::new("none", OpKind::Zero)));
    }
    ops
}

/// One row of α.
#[derive(Debug, Clone)]
pub struct Row {
    /// What it stands for.
    pub kind: RowKind,
    /// `decision` or `pick:candidate`, as printed.
    pub name: String,
    /// The label of each op, in column order.
    pub labels: Vec<String>,
    /// Whether each op is a zero op (`none`): never derived, never computed in a mixture.
    pub zero: Vec<bool>,
    /// Whether each op is the identity (a skip connection; an `any of` member's `on` too).
    pub skip: Vec<bool>,
    /// Per column, the decisions it sets when derived and reads on a single path: an op
    /// decision's alternative and the values its op reads, a fixed op's values; empty on a
    /// `k of` candidate's and an `any of` member's rows, which their decisions read whole.
    pub settings: Vec<Setting>,
}

/// A pick decision of the supernet: `k` of `n` candidates, slot `s`'s op from `slots[s]`.
#[derive(Debug, Clone)]
struct Pick {
    decision: usize,
    k: usize,
    n: usize,
    slots: Vec<usize>,
}

/// A `k of [...]` input choice of the supernet, as pruning and topology selection see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputChoice {
    /// The pick decision's name.
    pub name: String,
    /// How many of its candidates an architecture keeps (the `k` of `k of`).
    pub keep: usize,
    /// The row of each candidate's edge, in candidate order.
    pub rows: Vec<usize>,
}

/// The rows of α and the decisions they cover.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    rows: Vec<Row>,
    index: HashMap<RowKind, usize>,
    picks: Vec<Pick>,
    /// The row whose columns set each decision (op decisions and the values their ops read).
    owner: HashMap<usize, usize>,
}

/// The error of a space that cannot be a supernet.
pub(super) fn unsupported(space: &Space, reason: impl Into<String>) -> OneShotError {
    OneShotError::NotASupernet {
        space: space.name().to_string(),
        reason: reason.into(),
    }
}

/// Checks that every decision of `space` is an op choice, a value choice or an input pick,
/// switched on and off by nothing but an op choice (whose alternative reads the value). Which
/// values mixed ops read is checked as they are built ([`Rows::check_covers`]).
pub fn check_space(space: &Space) -> Result<(), OneShotError> {
    let decisions = space.decisions();
    for d in decisions {
        let by_op_choice = d.guard.is_some_and(|g| {
            matches!(&decisions[g.parent].domain, Domain::Categorical(alts) if alts.iter().all(|a| a.op.is_some()))
                && matches!(g.when, crate::space::When::Is(_))
        });
        let what = match &d.domain {
            _ if d.guard.is_some() && !by_op_choice => {
                Some("is switched on and off by another decision (a depth or a guarded choice)")
            }
            Domain::Categorical(_) | Domain::Integer { .. } | Domain::Boolean => None,
            Domain::Depth { .. } => Some("chooses a depth"),
            Domain::Pick { .. } | Domain::Subset { .. } if d.guard.is_some() => {
                Some("is an input choice switched on and off by another decision")
            }
            Domain::Pick { .. } | Domain::Subset { .. } => None,
        };
        if let Some(what) = what {
            return Err(unsupported(
                space,
                format!(
                    "decision `{}` {what}; a supernet mixes op choices, the value choices inside ops and `k of [...]` input choices only",
                    d.name
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that `op` (an alternative of decision `owner`, or a fixed op) and what it expands
/// to read no decision's value and hold no choice of their own (where values cannot be
/// mixed: a `k of` input's ops, NAS-Bench-101's vertices; elsewhere see [`super::values`]).
pub fn check_op(space: &Space, owner: &str, op: &Op, depth: usize) -> Result<(), OneShotError> {
    if depth > 64 {
        return Err(unsupported(
            space,
            format!("op `{}` nests too deeply", op.name),
        ));
    }
    let decision_name = |d: usize| {
        space
            .decisions()
            .get(d)
            .map_or_else(|| d.to_string(), |x| x.name.clone())
    };
    for arg in &op.args {
        if let ArgValue::Decision(d) = arg.value {
            return Err(unsupported(
                space,
                format!(
                    "op `{}` in {owner} takes its argument from decision `{}`; a supernet mixes the value choices of a layer's, a cell edge's or a node's op, not those inside a `k of` input's ops or NAS-Bench-101's vertices",
                    op.name,
                    decision_name(d)
                ),
            ));
        }
    }
    if let Some(body) = space.skeleton().expansions.get(op) {
        for r in body {
            match r {
                OpRef::Fixed(inner) => check_op(space, owner, inner, depth + 1)?,
                OpRef::Choice(d) => {
                    return Err(unsupported(
                        space,
                        format!(
                            "op `{}` in {owner} holds the choice `{}` inside it; choices nested in ops are not mixed",
                            op.name,
                            decision_name(*d)
                        ),
                    ))
                }
            }
        }
    }
    Ok(())
}

impl Rows {
    /// The row of `kind`, added with the ops `alts` when it is new (an existing row must have
    /// the same labels); an op decision's column `k` sets the decision to `k`.
    pub fn row(
        &mut self,
        space: &Space,
        kind: RowKind,
        alts: &[Alt],
    ) -> Result<usize, OneShotError> {
        let columns = alts
            .iter()
            .enumerate()
            .map(|(k, a)| Column {
                label: a.label.clone(),
                zero: a.op.as_ref().is_some_and(|o| o.kind == OpKind::Zero),
                skip: a.op.as_ref().is_some_and(|o| o.kind == OpKind::Identity),
                setting: match kind {
                    RowKind::Decision(d) => vec![(d, Value::Cat(k as u32))],
                    _ => Vec::new(),
                },
            })
            .collect();
        self.row_of(space, kind, columns)
    }

    /// The row of `kind`, added with `columns` when it is new (an existing row must have the
    /// same labels). A decision that a column sets belongs to this row alone: a value choice
    /// read by two different mixed ops is an error.
    pub fn row_of(
        &mut self,
        space: &Space,
        kind: RowKind,
        columns: Vec<Column>,
    ) -> Result<usize, OneShotError> {
        let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
        if let Some(&r) = self.index.get(&kind) {
            if self.rows[r].labels != labels {
                return Err(unsupported(
                    space,
                    format!(
                        "`{}` has different ops in different places ({:?} and {labels:?})",
                        self.rows[r].name, self.rows[r].labels
                    ),
                ));
            }
            return Ok(r);
        }
        let decisions = space.decisions();
        let name = match kind {
            RowKind::Decision(d) => decisions[d].name.clone(),
            RowKind::Values(_) => {
                let mut read: Vec<usize> = columns
                    .iter()
                    .flat_map(|c| c.setting.iter().map(|&(d, _)| d))
                    .collect();
                read.sort_unstable();
                read.dedup();
                let names: Vec<&str> = read.iter().map(|&d| decisions[d].name.as_str()).collect();
                names.join("+")
            }
            RowKind::Candidate { pick: d, candidate }
            | RowKind::Member {
                subset: d,
                candidate,
            } => {
                let cand = match &decisions[d].domain {
                    Domain::Pick { candidates, .. } | Domain::Subset { candidates } => {
                        candidates[candidate].clone()
                    }
                    _ => candidate.to_string(),
                };
                format!("{}:{cand}", decisions[d].name)
            }
        };
        if columns.iter().all(|c| c.zero) {
            return Err(unsupported(
                space,
                format!("`{name}` has no op other than `none`"),
            ));
        }
        if self.is_slot(kind_decision(kind)) {
            return Err(unsupported(
                space,
                format!("decision `{name}` is used both on a picked input and elsewhere"),
            ));
        }
        let r = self.rows.len();
        for &(d, _) in columns.iter().flat_map(|c| &c.setting) {
            match self.owner.get(&d) {
                Some(&other) if other != r => {
                    return Err(unsupported(
                        space,
                        format!(
                            "decision `{}` is read by two different mixed ops (`{}` and `{name}`); a supernet mixes a value choice inside one op (or one shared set of ops)",
                            decisions[d].name, self.rows[other].name
                        ),
                    ))
                }
                _ => {
                    self.owner.insert(d, r);
                }
            }
        }
        self.rows.push(Row {
            kind,
            name,
            labels,
            zero: columns.iter().map(|c| c.zero).collect(),
            skip: columns.iter().map(|c| c.skip).collect(),
            settings: columns.into_iter().map(|c| c.setting).collect(),
        });
        self.index.insert(kind, r);
        Ok(r)
    }

    fn is_slot(&self, d: Option<usize>) -> bool {
        d.is_some_and(|d| self.picks.iter().any(|p| p.slots.contains(&d)))
    }

    /// Registers pick decision `decision` with `slots[s]` the op decision of its slot `s`.
    pub fn add_pick(
        &mut self,
        space: &Space,
        decision: usize,
        slots: Vec<usize>,
    ) -> Result<(), OneShotError> {
        let dec = &space.decisions()[decision];
        let Domain::Pick { k, candidates } = &dec.domain else {
            return Err(unsupported(
                space,
                format!("decision `{}` is not a pick", dec.name),
            ));
        };
        if let Some(p) = self.picks.iter().find(|p| p.decision == decision) {
            if p.slots != slots {
                return Err(unsupported(
                    space,
                    format!("the input choice `{}` is used by two nodes", dec.name),
                ));
            }
            return Ok(());
        }
        if slots.len() != *k as usize {
            return Err(unsupported(
                space,
                format!(
                    "the input choice `{}` does not give an op to each of its {k} inputs",
                    dec.name
                ),
            ));
        }
        if let Some(&d) = slots
            .iter()
            .find(|&&d| self.index.contains_key(&RowKind::Decision(d)))
        {
            return Err(unsupported(
                space,
                format!(
                    "decision `{}` is used both on a picked input and elsewhere",
                    space.decisions()[d].name
                ),
            ));
        }
        self.picks.push(Pick {
            decision,
            k: *k as usize,
            n: candidates.len(),
            slots,
        });
        Ok(())
    }

    /// Checks that every decision of `space` has its row or its pick.
    pub fn check_covers(&self, space: &Space) -> Result<(), OneShotError> {
        for (d, dec) in space.decisions().iter().enumerate() {
            let covered = self.owner.contains_key(&d)
                || self.is_slot(Some(d))
                || self.picks.iter().any(|p| p.decision == d)
                || self
                    .index
                    .keys()
                    .any(|k| matches!(k, RowKind::Member { subset, .. } if *subset == d));
            if !covered {
                return Err(unsupported(
                    space,
                    format!(
                        "decision `{}` takes no part in any op the supernet mixes (a value no mixed op reads, such as a width outside an op, or a decision of no cell or layer)",
                        dec.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rows, in α's row order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The `k of` input choices, in the order the network first reads them, each with the
    /// rows of its candidates' edges.
    pub fn input_choices(&self, space: &Space) -> Vec<InputChoice> {
        self.picks
            .iter()
            .map(|p| InputChoice {
                name: space.decisions()[p.decision].name.clone(),
                keep: p.k,
                rows: (0..p.n)
                    .filter_map(|candidate| {
                        let kind = RowKind::Candidate {
                            pick: p.decision,
                            candidate,
                        };
                        self.index.get(&kind).copied()
                    })
                    .collect(),
            })
            .collect()
    }

    /// α's columns: the most ops of any row.
    pub fn width(&self) -> usize {
        self.rows.iter().map(|r| r.labels.len()).max().unwrap_or(1)
    }

    /// 0 where a row has an op, −∞ past its last one; `None` when every row is full.
    pub fn mask(&self, kind: Kind, device: Device) -> Result<Option<Tensor>, TchError> {
        let w = self.width();
        if self.rows.iter().all(|r| r.labels.len() == w) {
            return Ok(None);
        }
        let mut values = Vec::with_capacity(self.rows.len() * w);
        for r in &self.rows {
            values.extend((0..w).map(|k| {
                if k < r.labels.len() {
                    0.0
                } else {
                    f64::NEG_INFINITY
                }
            }));
        }
        let rows = self.rows.len() as i64;
        Ok(Some(
            Tensor::from_slice(&values)
                .f_view([rows, w as i64])?
                .f_to_kind(kind)?
                .f_to_device(device)?,
        ))
    }

    /// Each row's ops other than zero ops: what a mixture computes.
    pub fn live(&self) -> Vec<Vec<usize>> {
        self.rows
            .iter()
            .map(|r| (0..r.labels.len()).filter(|&k| !r.zero[k]).collect())
            .collect()
    }

    /// The architecture `probs` (`softmax(α)` per row) points at: on each op decision its
    /// strongest op (`none` too, when it is an alternative of the space); on each pick the
    /// `k` candidates whose strongest op other than `none` weighs most (the first of equal
    /// ones), each picked slot taking that op; in each `any of` the members whose `on`
    /// outweighs their `off`. When those members break a constraint of the space
    /// (NAS-Bench-101's `where edges <= 9`), the strongest members are kept: the weakest
    /// leave until the space accepts the architecture, never one whose leaving disconnects
    /// the cell (see `repair`). A row with one op left (`probs` one-hot, as TE-NAS prunes)
    /// gives that op.
    pub fn derive(&self, space: &Space, probs: &[Vec<f64>]) -> Result<Architecture, OneShotError> {
        let values = self.values(space, probs)?;
        match Architecture::new(space, values.clone()) {
            Ok(arch) => Ok(arch),
            Err(e) => self.repair(space, probs, values).ok_or_else(|| {
                OneShotError::Config(format!(
                    "the derived architecture is not one of space `{}`: {e}",
                    space.name()
                ))
            }),
        }
    }

    /// The architecture of one op per row (`ops[r]` one-hot) picked as [`Rows::derive`]
    /// picks, when it is one of the space's as it stands: `Err` when its members break a
    /// constraint of the space or leave a cell unconnected (nothing is repaired).
    pub fn exact(&self, space: &Space, ops: &[Vec<f64>]) -> Result<Architecture, OneShotError> {
        let values = self.values(space, ops)?;
        Architecture::new(space, values).map_err(|e| OneShotError::Config(e.to_string()))
    }

    /// The decisions' values [`Rows::derive`] picks from `probs`, before any repair.
    fn values(&self, space: &Space, probs: &[Vec<f64>]) -> Result<Vec<Value>, OneShotError> {
        let mut values = vec![Value::Off; space.decisions().len()];
        // `zero`: whether the row may derive its zero op.
        let best = |r: usize, zero: bool| -> Result<(usize, f64), OneShotError> {
            let row = &self.rows[r];
            let p = probs
                .get(r)
                .ok_or_else(|| OneShotError::Config(format!("no weights for `{}`", row.name)))?;
            let k = strongest(&p[..row.labels.len().min(p.len())], |k| {
                zero || !row.zero[k]
            })
            .ok_or_else(|| OneShotError::Config(format!("`{}` has no op to derive", row.name)))?;
            Ok((k, p[k]))
        };
        for (kind, &r) in &self.index {
            match *kind {
                RowKind::Decision(_) | RowKind::Values(_) => {
                    let k = best(r, true)?.0;
                    for &(d, v) in &self.rows[r].settings[k] {
                        values[d] = v;
                    }
                }
                RowKind::Member { subset, candidate } => {
                    let set = match values[subset] {
                        Value::Set(set) => set,
                        _ => 0,
                    };
                    let p = probs.get(r).map_or(&[][..], Vec::as_slice);
                    let on = matches!(p, [off, on, ..] if on > off);
                    values[subset] = Value::Set(set | u64::from(on) << candidate);
                }
                RowKind::Candidate { .. } => {}
            }
        }
        for pick in &self.picks {
            let mut scored = Vec::with_capacity(pick.n);
            for c in 0..pick.n {
                let key = RowKind::Candidate {
                    pick: pick.decision,
                    candidate: c,
                };
                let r = *self.index.get(&key).ok_or_else(|| {
                    OneShotError::Config(format!("candidate {c} of a pick has no edge"))
                })?;
                let (op, weight) = best(r, false)?;
                scored.push((c, op, weight));
            }
            let mut ranked = scored;
            ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
            let mut chosen: Vec<(usize, usize)> = ranked
                .iter()
                .take(pick.k)
                .map(|&(c, op, _)| (c, op))
                .collect();
            chosen.sort();
            let mut set = 0u64;
            for (s, &(c, op)) in chosen.iter().enumerate() {
                set |= 1 << c;
                values[pick.slots[s]] = Value::Cat(op as u32);
            }
            values[pick.decision] = Value::Set(set);
        }
        Ok(values)
    }

    /// When the members whose `on` outweighs their `off` give no architecture of the space
    /// (they break NAS-Bench-101's `where edges <= 9`, or connect no input to the output):
    /// first the strongest members left out join until every graph connects its input to
    /// its output, then the weakest members leave, one at a time, skipping any whose leaving
    /// would disconnect a graph, until the space accepts the architecture. `None` when it
    /// never does or there are no members.
    fn repair(
        &self,
        space: &Space,
        probs: &[Vec<f64>],
        values: Vec<Value>,
    ) -> Option<Architecture> {
        // (row, subset, candidate, on weight), strongest first.
        let mut members: Vec<(usize, usize, usize, f64)> = self
            .index
            .iter()
            .filter_map(|(kind, &r)| match *kind {
                RowKind::Member { subset, candidate } => {
                    let on = probs.get(r).and_then(|p| p.get(1)).copied()?;
                    Some((r, subset, candidate, on))
                }
                _ => None,
            })
            .collect();
        if members.is_empty() {
            return None;
        }
        members.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.0.cmp(&b.0)));
        let mut keep: Vec<bool> = members
            .iter()
            .map(|&(r, _, _, on)| {
                probs
                    .get(r)
                    .and_then(|p| p.first())
                    .is_some_and(|&off| on > off)
            })
            .collect();
        let with = |keep: &[bool]| {
            let mut v = values.clone();
            for &(_, subset, _, _) in &members {
                v[subset] = Value::Set(0);
            }
            for (&(_, subset, candidate, _), _) in members.iter().zip(keep).filter(|(_, &k)| k) {
                if let Value::Set(set) = v[subset] {
                    v[subset] = Value::Set(set | 1 << candidate);
                }
            }
            v
        };
        let subsets: Vec<usize> = members.iter().map(|m| m.1).collect();
        let reads_members = |g: &&crate::space::Graph| {
            g.all_nodes().any(|(_, n)| {
                n.terms.iter().any(|t| {
                    matches!(t.source, crate::space::Source::Member { decision, .. } if subsets.contains(&decision))
                })
            })
        };
        let graphs: Vec<&crate::space::Graph> =
            space.graphs().iter().filter(reads_members).collect();
        let all_connected = |v: &[Value]| graphs.iter().all(|g| connected(g, v));
        for i in 0..keep.len() {
            if all_connected(&with(&keep)) {
                break;
            }
            keep[i] = true;
        }
        if let Ok(arch) = Architecture::new(space, with(&keep)) {
            return Some(arch);
        }
        for i in (0..keep.len()).rev() {
            if !keep[i] {
                continue;
            }
            keep[i] = false;
            let v = with(&keep);
            if !all_connected(&v) {
                keep[i] = true;
                continue;
            }
            if let Ok(arch) = Architecture::new(space, v) {
                return Some(arch);
            }
        }
        None
    }

    /// The single path of `arch`: each op decision's op, on each picked candidate's edge its
    /// slot's op, and each `any of` member that is in, with weight 1; unpicked candidates'
    /// edges carry nothing.
    pub fn path_mix(&self, arch: &Architecture) -> Result<CellMix, OneShotError> {
        let values = arch.values();
        let cat = |d: usize| match values.get(d) {
            Some(Value::Cat(k)) => Ok(*k as usize),
            _ => Err(OneShotError::Config(format!(
                "decision {d} holds no op in the architecture"
            ))),
        };
        let mut mix = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let op = match row.kind {
                RowKind::Decision(_) | RowKind::Values(_) => {
                    let k = row.settings.iter().position(|setting| {
                        setting.iter().all(|&(d, v)| values.get(d) == Some(&v))
                    });
                    Some(k.ok_or_else(|| {
                        OneShotError::Config(format!(
                            "the architecture gives `{}` none of its ops",
                            row.name
                        ))
                    })?)
                }
                RowKind::Candidate { pick, candidate } => {
                    let p = self
                        .picks
                        .iter()
                        .find(|p| p.decision == pick)
                        .ok_or_else(|| {
                            OneShotError::Config(format!("`{}` has no pick", row.name))
                        })?;
                    let Some(Value::Set(set)) = values.get(pick) else {
                        return Err(OneShotError::Config(format!(
                            "`{}` holds no inputs in the architecture",
                            row.name
                        )));
                    };
                    if set >> candidate & 1 == 1 {
                        let slot = (set & ((1u64 << candidate) - 1)).count_ones() as usize;
                        Some(cat(p.slots[slot])?)
                    } else {
                        None
                    }
                }
                RowKind::Member { subset, candidate } => match values.get(subset) {
                    Some(Value::Set(set)) => (set >> candidate & 1 == 1).then_some(1),
                    _ => {
                        return Err(OneShotError::Config(format!(
                            "`{}` holds no inputs in the architecture",
                            row.name
                        )))
                    }
                },
            };
            mix.push(match op {
                Some(k) if k < row.labels.len() => vec![EdgeTerm {
                    op: k,
                    weight: None,
                }],
                Some(k) => {
                    return Err(OneShotError::Config(format!(
                        "`{}` has no op {k}",
                        row.name
                    )))
                }
                None => Vec::new(),
            });
        }
        Ok(mix)
    }
}

/// The index of the largest value of `row` among those `allowed` (the first of equal ones);
/// `None` when none is allowed.
pub fn strongest(row: &[f64], allowed: impl Fn(usize) -> bool) -> Option<usize> {
    (0..row.len())
        .filter(|&k| allowed(k))
        .max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a)))
}

fn kind_decision(kind: RowKind) -> Option<usize> {
    match kind {
        RowKind::Decision(d) => Some(d),
        RowKind::Candidate { .. } | RowKind::Member { .. } | RowKind::Values(_) => None,
    }
}
