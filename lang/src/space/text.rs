//! The canonical text form of architectures, and decoding it back.
//!
//! Two shapes: a space whose only genotype is one graph of summed edges, each edge with its own
//! op decision (NAS-Bench-201-like), uses the edge-list form `|op~0|+|op~0|op~1|+…` (node by
//! node, each edge as `label~source vertex`); every other space uses `name=value` pairs for
//! its active decisions, in order, separated by single spaces. Values are written as an
//! alternative's label, an integer, `true`/`false`, or a set of candidates `{a,b}`.

use super::arch::Architecture;
use super::decision::{Domain, Value};
use super::error::SpaceError;
use super::graph::{Combine, OpRef, Source};
use super::ir::Space;
use std::fmt::Write;

/// Whether `space` qualifies for the edge-list form.
pub(crate) fn is_edge_list(space: &Space) -> bool {
    let [g] = space.graphs() else { return false };
    if !space.constraints().is_empty() || g.nodes.is_empty() {
        return false;
    }
    let mut next = 0;
    for node in &g.nodes {
        if node.combine != Combine::Sum
            || node.post.is_some()
            || node.guard.is_some()
            || node.terms.is_empty()
        {
            return false;
        }
        for t in &node.terms {
            match (&t.source, &t.op) {
                (Source::Vertex(_), Some(OpRef::Choice(d))) if *d == next => next += 1,
                _ => return false,
            }
        }
    }
    let out_ok = g.output.terms.len() == 1
        && g.output.post.is_none()
        && matches!(
            g.output.terms[0],
            super::graph::Term {
                source: Source::Vertex(_),
                op: None
            }
        );
    out_ok
        && next == space.decisions().len()
        && space
            .decisions()
            .iter()
            .all(|d| d.guard.is_none() && matches!(d.domain, Domain::Categorical(_)))
}

impl Space {
    /// The canonical string of `arch`.
    pub fn encode(&self, arch: &Architecture) -> String {
        let mut s = String::with_capacity(16 * self.decisions().len());
        self.encode_into(arch, &mut s);
        s
    }

    /// Appends the canonical string of `arch` to `out`.
    pub fn encode_into(&self, arch: &Architecture, out: &mut String) {
        let values = arch.values();
        if self.is_edge_list() {
            let g = &self.graphs()[0];
            let mut d = 0;
            for (i, node) in g.nodes.iter().enumerate() {
                if i > 0 {
                    out.push('+');
                }
                out.push('|');
                for t in &node.terms {
                    if let (Source::Vertex(v), Value::Cat(c), Domain::Categorical(alts)) =
                        (&t.source, values[d], &self.decisions()[d].domain)
                    {
                        out.push_str(&alts[c as usize].label);
                        out.push('~');
                        push_usize(out, *v);
                        out.push('|');
                    }
                    d += 1;
                }
            }
            return;
        }
        let mut first = true;
        for (d, dec) in self.decisions().iter().enumerate() {
            if values[d] == Value::Off {
                continue;
            }
            if !first {
                out.push(' ');
            }
            first = false;
            out.push_str(&dec.name);
            out.push('=');
            write_value(&dec.domain, values[d], out);
        }
    }

    /// Decodes a canonical string (either form this space uses) into an architecture; a
    /// malformed string is an error that names the offending part.
    pub fn decode(&self, text: &str) -> Result<Architecture, SpaceError> {
        let text = text.trim();
        let arch = if self.is_edge_list() {
            self.decode_edge_list(text)?
        } else {
            self.decode_named(text)?
        };
        self.validate(&arch)?;
        Ok(arch)
    }

    /// The architectures `text` names: the one it names in this space's canonical text, or,
    /// written in the text of the space's own decisions (without those appended after them,
    /// such as searched training settings), one per combination of the appended decisions'
    /// values, in canonical order; at most `limit` of them.
    pub fn decode_all(&self, text: &str, limit: u128) -> Result<Vec<Architecture>, SpaceError> {
        let whole = self.decode(text);
        if whole.is_ok() || self.appended() == 0 {
            return whole.map(|a| vec![a]);
        }
        let keep = self.decisions().len() - self.appended();
        let extra = &self.decisions()[keep..];
        // Text naming an appended decision meant the whole form: its error is the one to show.
        if extra.iter().any(|d| text.contains(&format!("{}=", d.name))) {
            return whole.map(|a| vec![a]);
        }
        let own = self.own()?.decode(text)?;
        let count = extra.iter().map(|d| d.domain.size()).product::<u128>();
        if count > limit {
            return Err(SpaceError::decode(
                format!(
                    "the appended decisions have {count} combinations, more than the {limit} asked for"
                ),
                "write the appended decisions' values too (`train.lr=0.1`), or fewer alternatives",
            ));
        }
        let mut all = vec![own.values().to_vec()];
        for d in extra {
            all = all
                .into_iter()
                .flat_map(|values| {
                    (0..d.domain.size()).map(move |i| {
                        let mut values = values.clone();
                        values.push(d.domain.value_at(i));
                        values
                    })
                })
                .collect();
        }
        all.into_iter()
            .map(|values| {
                let arch = Architecture::from_values_unchecked(values);
                self.validate(&arch).map(|()| arch)
            })
            .collect()
    }

    fn decode_edge_list(&self, text: &str) -> Result<Architecture, SpaceError> {
        let g = &self.graphs()[0];
        let hint = format!(
            "write {} nodes like `{}`",
            g.nodes.len(),
            self.example_edge_list()
        );
        let parts: Vec<&str> = text.split('+').collect();
        if parts.len() != g.nodes.len() {
            return Err(SpaceError::decode(
                format!(
                    "expected {} nodes separated by `+`, found {}",
                    g.nodes.len(),
                    parts.len()
                ),
                hint,
            ));
        }
        let mut values = Vec::with_capacity(self.decisions().len());
        for (i, (part, node)) in parts.iter().zip(&g.nodes).enumerate() {
            let inner = part
                .strip_prefix('|')
                .and_then(|p| p.strip_suffix('|'))
                .ok_or_else(|| {
                    SpaceError::decode(
                        format!("node {} (`{part}`) must start and end with `|`", i + 1),
                        hint.clone(),
                    )
                })?;
            let edges: Vec<&str> = inner.split('|').collect();
            if edges.len() != node.terms.len() {
                return Err(SpaceError::decode(
                    format!(
                        "node {} has {} edges, expected {}",
                        i + 1,
                        edges.len(),
                        node.terms.len()
                    ),
                    hint,
                ));
            }
            for (edge, term) in edges.iter().zip(&node.terms) {
                let d = values.len();
                let Source::Vertex(expect) = term.source else {
                    unreachable_form()?
                };
                let (label, src) = edge.rsplit_once('~').ok_or_else(|| {
                    SpaceError::decode(
                        format!("edge `{edge}` of node {} is not `op~source`", i + 1),
                        hint.clone(),
                    )
                })?;
                if src.parse::<usize>().ok() != Some(expect) {
                    return Err(SpaceError::decode(
                        format!(
                            "edge `{edge}` of node {} must come from vertex {expect}",
                            i + 1
                        ),
                        hint,
                    ));
                }
                values.push(
                    parse_value(&self.decisions()[d].domain, label).map_err(|m| {
                        SpaceError::decode(
                            format!("edge `{edge}` of node {}: {m}", i + 1),
                            hint.clone(),
                        )
                    })?,
                );
            }
        }
        Ok(Architecture::from_values_unchecked(values))
    }

    fn example_edge_list(&self) -> String {
        let values = self
            .decisions()
            .iter()
            .map(|d| d.domain.value_at(0))
            .collect();
        self.encode(&Architecture::from_values_unchecked(values))
    }

    fn decode_named(&self, text: &str) -> Result<Architecture, SpaceError> {
        let hint =
            "write `name=value` for every active decision, separated by spaces (see `nas sample`)";
        let mut given: Vec<Option<&str>> = vec![None; self.decisions().len()];
        for tok in text.split_whitespace() {
            let (name, value) = tok
                .split_once('=')
                .ok_or_else(|| SpaceError::decode(format!("`{tok}` is not `name=value`"), hint))?;
            let d = self.decision_index(name).ok_or_else(|| {
                SpaceError::decode(format!("this space has no decision `{name}`"), hint)
            })?;
            if given[d].replace(value).is_some() {
                return Err(SpaceError::decode(
                    format!("decision `{name}` is given twice"),
                    hint,
                ));
            }
        }
        let mut values = vec![Value::Off; self.decisions().len()];
        for (d, dec) in self.decisions().iter().enumerate() {
            let active = self.is_active(d, &values);
            match (active, given[d]) {
                (true, Some(v)) => {
                    values[d] = parse_value(&dec.domain, v).map_err(|m| {
                        SpaceError::decode(format!("decision `{}`: {m}", dec.name), hint)
                    })?;
                }
                (true, None) => {
                    return Err(SpaceError::decode(
                        format!("decision `{}` has no value", dec.name),
                        hint,
                    ))
                }
                (false, Some(_)) => {
                    return Err(SpaceError::decode(
                        format!(
                            "decision `{}` is inactive given the earlier values, but has one",
                            dec.name
                        ),
                        "leave out decisions whose guard does not hold",
                    ))
                }
                (false, None) => {}
            }
        }
        Ok(Architecture::from_values_unchecked(values))
    }
}

fn unreachable_form<T>() -> Result<T, SpaceError> {
    Err(SpaceError::Invalid(
        "edge-list space with a non-vertex source".into(),
    ))
}

fn push_usize(out: &mut String, v: usize) {
    if v < 10 {
        out.push((b'0' + v as u8) as char);
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Writes one value in text form.
pub(crate) fn write_value(domain: &Domain, v: Value, out: &mut String) {
    match (domain, v) {
        (Domain::Categorical(alts), Value::Cat(c)) => out.push_str(&alts[c as usize].label),
        (_, Value::Int(x)) => {
            let _ = write!(out, "{x}");
        }
        (_, Value::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
        (Domain::Pick { candidates, .. } | Domain::Subset { candidates }, Value::Set(s)) => {
            out.push('{');
            let mut first = true;
            for (i, c) in candidates.iter().enumerate() {
                if s >> i & 1 == 1 {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(c);
                }
            }
            out.push('}');
        }
        _ => out.push('?'),
    }
}

/// Reads one value of `domain` from text; the error message says what was expected.
pub(crate) fn parse_value(domain: &Domain, text: &str) -> Result<Value, String> {
    match domain {
        Domain::Categorical(alts) => alts
            .iter()
            .position(|a| a.label == text)
            .map(|i| Value::Cat(i as u32))
            .ok_or_else(|| {
                let names: Vec<&str> = alts.iter().map(|a| a.label.as_str()).collect();
                format!("`{text}` is not one of {}", names.join(", "))
            }),
        Domain::Integer { lo, hi } | Domain::Depth { lo, hi } => match text.parse::<i64>() {
            Ok(x) if *lo <= x && x <= *hi => Ok(Value::Int(x)),
            _ => Err(format!("`{text}` is not an integer in {lo}..={hi}")),
        },
        Domain::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not `true` or `false`")),
        },
        Domain::Pick { candidates, .. } | Domain::Subset { candidates } => {
            parse_set(domain, candidates, text)
        }
    }
}

fn parse_set(domain: &Domain, candidates: &[String], text: &str) -> Result<Value, String> {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("`{text}` is not a set `{{a,b}}`"))?;
    let mut set = 0u64;
    for name in inner.split(',').filter(|_| !inner.is_empty()) {
        let i = candidates
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| format!("`{name}` is not one of {}", candidates.join(", ")))?;
        if set >> i & 1 == 1 {
            return Err(format!("`{name}` appears twice"));
        }
        set |= 1 << i;
    }
    match domain {
        Domain::Pick { k, .. } if set.count_ones() != *k => Err(format!(
            "`{text}` picks {} candidates; pick exactly {k}",
            set.count_ones()
        )),
        _ => Ok(Value::Set(set)),
    }
}
