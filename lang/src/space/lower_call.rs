//! Calls of a cell after its first: the cell is lowered again with the call's own arguments
//! (`darts_normal(2 * c)` after `darts_normal(c)`), handing out the first call's decisions
//! again instead of new ones, so that every call shares one genotype while its ops get the
//! call's channel counts. The second lowering must make the same decisions with the same
//! numbers of values; otherwise the call is an error.

use super::decision::{Alt, ArgValue, Domain};
use super::lower::{arg_value, error, Frame, Lowerer};
use super::skeleton::CellCall;
use crate::syntax::ast::{Args, CellDef, DefId};
use crate::syntax::{Diagnostic, Span};
use std::collections::HashMap;

/// The decisions of a cell's first call, handed out again in order.
pub(crate) struct Replay {
    next: usize,
    end: usize,
    domains: Vec<(usize, Domain)>,
}

impl Replay {
    /// Hands out the next decision, remembering the domain this call gives it.
    pub fn next(&mut self, domain: Domain) -> usize {
        let d = self.next;
        self.next += 1;
        self.domains.push((d, domain));
        d
    }
}

impl<'p> Lowerer<'p> {
    /// The index the next decision will get (a mark to [`Lowerer::reset`] to).
    pub fn mark(&self) -> usize {
        match &self.replay {
            Some(r) => r.next,
            None => self.decisions.len(),
        }
    }

    /// Forgets the decisions made since `mark`.
    pub fn reset(&mut self, mark: usize) {
        match &mut self.replay {
            Some(r) => {
                r.next = mark;
                r.domains.retain(|(d, _)| *d < mark);
            }
            None => self.decisions.truncate(mark),
        }
    }

    /// The domain decision `d` was given by this lowering (or by the call being replayed).
    pub fn made_domain(&self, d: usize) -> Option<Domain> {
        if let Some(r) = &self.replay {
            if let Some((_, dom)) = r.domains.iter().find(|(x, _)| *x == d) {
                return Some(dom.clone());
            }
        }
        self.decisions.get(d).map(|x| x.domain.clone())
    }

    /// Sets the domain of decision `d` (made by this lowering, or handed out again).
    pub fn set_domain(&mut self, d: usize, domain: Domain) {
        match &mut self.replay {
            Some(r) => {
                if let Some(slot) = r.domains.iter_mut().find(|(x, _)| *x == d) {
                    slot.1 = domain;
                }
            }
            None => self.decisions[d].domain = domain,
        }
    }

    /// Lowers a call of cell `id`. The call joins the cell's instance group of the innermost
    /// scope (see [`Lowerer::cell_scopes`]): the first call of a group creates its graph and
    /// decisions (under the guard in force); a later call lowers the cell again with its own
    /// arguments.
    pub(crate) fn cell_call(
        &mut self,
        id: DefId,
        def: &CellDef,
        args: Option<&Args>,
        caller: &mut Frame,
        span: Span,
    ) -> Result<CellCall, Diagnostic> {
        let tag = self.cell_group(id);
        let mut f = Frame::new();
        let Some(&(start, end)) = self.cell_ranges.get(&(id, tag)) else {
            let name = self.group_name(id, &def.name.name, tag);
            let start = self.decisions.len();
            self.bind(&def.params, args, caller, &mut f, &name, span)?;
            let index = self.graphs.len();
            let graph = self.cell_body(def, &mut f, &name, index, false)?;
            self.graphs.push(graph.clone());
            self.cell_graphs.insert((id, tag), index);
            self.cell_ranges
                .insert((id, tag), (start, self.decisions.len()));
            return Ok(CellCall {
                graph: index,
                args: bound(def, &f),
                instance: graph,
                alternatives: HashMap::new(),
            });
        };
        let index = self.cell_graphs.get(&(id, tag)).copied().unwrap_or(0);
        let name = self.graphs[index].name.clone();
        let outer = self.replay.replace(Replay {
            next: start,
            end,
            domains: Vec::new(),
        });
        let lowered = self
            .bind(&def.params, args, caller, &mut f, &name, span)
            .and_then(|()| self.cell_body(def, &mut f, &name, index, true));
        let replay = std::mem::replace(&mut self.replay, outer);
        let instance = lowered?;
        let Some(replay) = replay else {
            return Err(error(
                span,
                "a cell call lost its replay",
                "report this as a bug",
            ));
        };
        let alternatives = self.compare(&replay, span, &name)?;
        Ok(CellCall {
            graph: index,
            args: bound(def, &f),
            instance,
            alternatives,
        })
    }

    /// The instance group a call of cell `id` joins now: the innermost scope's, else a new one
    /// that the scope remembers.
    /// The name of a new instance group of cell `cell` (`tag` counts the cell's groups in
    /// the space): inside a named stage, the stage's name and the cell's, numbered from the
    /// second group of that cell in the stage (`stage1.block#2`); elsewhere the cell's name,
    /// numbered from the second group in the space.
    fn group_name(&mut self, id: DefId, cell: &str, tag: u32) -> String {
        let (prefix, number) = match &self.stage {
            Some(stage) => {
                let count = self.stage_groups.entry((stage.clone(), id)).or_insert(0);
                *count += 1;
                (format!("{stage}."), *count)
            }
            None => (String::new(), tag + 1),
        };
        if number == 1 {
            format!("{prefix}{cell}")
        } else {
            format!("{prefix}{cell}#{number}")
        }
    }

    fn cell_group(&mut self, id: DefId) -> u32 {
        let scope = self.cell_scopes.len() - 1;
        if let Some(&tag) = self.cell_scopes[scope].get(&id) {
            return tag;
        }
        let next = self.cell_groups.entry(id).or_insert(0);
        let tag = *next;
        *next += 1;
        self.cell_scopes[scope].insert(id, tag);
        tag
    }

    /// Checks that a later call made the first call's decisions with as many values each;
    /// returns the op alternatives as the later call evaluated them.
    fn compare(
        &self,
        replay: &Replay,
        span: Span,
        name: &str,
    ) -> Result<HashMap<usize, Vec<Alt>>, Diagnostic> {
        let differs = || {
            error(
                span,
                format!("this call of `{name}` gives it other decisions than its first call"),
                "its arguments change the cell's choices; make the repetition `independent`, or pass arguments that only change sizes",
            )
        };
        if replay.next != replay.end {
            return Err(differs());
        }
        let mut alternatives = HashMap::new();
        for (d, domain) in &replay.domains {
            let first = &self.decisions.get(*d).ok_or_else(differs)?.domain;
            if std::mem::discriminant(first) != std::mem::discriminant(domain)
                || first.size() != domain.size()
            {
                return Err(differs());
            }
            if let Domain::Categorical(alts) = domain {
                if alts.iter().any(|a| a.op.is_some()) {
                    alternatives.insert(*d, alts.clone());
                }
            }
        }
        Ok(alternatives)
    }
}

/// The cell's parameters as bound in `f`, those with a plain value.
fn bound(def: &CellDef, f: &Frame) -> Vec<(String, ArgValue)> {
    def.params
        .iter()
        .zip(&f.params)
        .filter_map(|(p, v)| {
            arg_value(v.clone(), p.span)
                .ok()
                .map(|v| (p.name.name.to_string(), v))
        })
        .collect()
}
