//! Shape errors behind decisions. The checker follows every decision at once, merging what
//! its alternatives produce; a dimension on which they disagree becomes unknown, and a
//! mismatch that only some values reach (`sum(x, x >> conv(16 | 32, 3))` on 16 channels) goes
//! unseen. Where that happened in a space (or a space an experiment uses), the space is checked
//! again with decisions fixed — each value of each decision, then pairs of values where fixing
//! one still leaves shapes undecided — and an error found that way is reported with the values
//! that lead to it.

use super::{is_zero, Infer, STEP_BUDGET};
use crate::check::load::Module;
use crate::syntax::ast::{DefId, Expr, ExprKind, Item, ItemKind};
use crate::syntax::{Diagnostic, SourceMap, Span};
use std::collections::HashSet;

/// At most this many checks with one decision fixed per space, and as many again with pairs.
const MAX_RUNS: usize = 256;
/// At most this many decisions are fixed at once.
const MAX_FIXED: usize = 2;

/// One decision as the checker met it: the choice expression, its number of alternatives and,
/// for a range, its first value.
type Choice<'p> = (&'p Expr, usize, i64);

/// Decisions fixed for one check, each with the index of its value.
type Fixed<'p> = Vec<(Choice<'p>, usize)>;

/// Checks that found no error but left shapes undecided: what they fixed, and the decisions
/// to fix next.
type Undecided<'p> = Vec<(Fixed<'p>, Vec<Choice<'p>>)>;

/// The errors of the spaces (and experiments) of module `module` that only some values of
/// their decisions reach, each naming those values.
pub fn decision_errors(
    modules: &[Module],
    recursive: &HashSet<DefId>,
    module: u32,
    sources: &SourceMap,
) -> Vec<Diagnostic> {
    let Some(m) = modules.get(module as usize) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (i, item) in m.ast.items.iter().enumerate() {
        if matches!(item.kind, ItemKind::Space(_) | ItemKind::Experiment(_)) {
            let mut search = Search {
                modules,
                recursive,
                module,
                index: i,
                item,
                sources,
                runs: 0,
                reported: HashSet::new(),
                found: Vec::new(),
            };
            search.root();
            found.append(&mut search.found);
        }
    }
    found
}

/// The checks with fixed decisions of one root item.
struct Search<'p, 's> {
    modules: &'p [Module],
    recursive: &'p HashSet<DefId>,
    module: u32,
    index: usize,
    item: &'p Item,
    sources: &'s SourceMap,
    runs: usize,
    /// The errors already reported, by kind and place (one report per place).
    reported: HashSet<(&'static str, Option<Span>)>,
    found: Vec<Diagnostic>,
}

impl<'p> Search<'p, '_> {
    /// Checks the root item with `fixed` decisions.
    fn check(&self, fixed: &[(Choice<'p>, usize)]) -> Infer<'p> {
        let mut infer = Infer::new(self.modules, self.recursive);
        for ((choice, ..), value) in fixed {
            infer.pins.insert(*choice as *const Expr as usize, *value);
        }
        infer.check_root(self.module, self.index, self.item);
        infer
    }

    fn root(&mut self) {
        let base = self.check(&[]);
        let complete = base.steps <= STEP_BUDGET;
        if !base.lossy || !complete || base.diagnostics.iter().any(Diagnostic::is_error) {
            return;
        }
        // One decision fixed at a time first, so that an error is named with the fewest
        // values that lead to it; then pairs, where one fixed value left shapes undecided.
        let mut undecided = Vec::new();
        let finished = self.each_value(&base.choices, &[], &mut undecided);
        // Pairs are a best effort within a budget of their own: a space with many decisions
        // has too many pairs to try them all.
        self.runs = 0;
        for (fixed, later) in undecided {
            if !self.each_value(&later, &fixed, &mut Vec::new()) {
                break;
            }
        }
        if !finished {
            let span = self.item.kind.name().map_or(self.item.span, |n| n.span);
            self.found.push(
                Diagnostic::warning(
                    "shape-check-incomplete",
                    format!(
                        "the shapes here depend on more decision values than the checker tries ({MAX_RUNS})"
                    ),
                    span,
                    "checked in part",
                )
                .with_hint("a mismatch that only other combinations reach is reported when such an architecture is built"),
            );
        }
    }

    /// Checks with each value of each of `choices` fixed on top of `fixed`, reporting new
    /// errors; a run that found none but left shapes undecided goes to `undecided` with the
    /// decisions after the fixed one (so each pair is tried once). False when the run budget
    /// ran out.
    fn each_value(
        &mut self,
        choices: &[Choice<'p>],
        fixed: &[(Choice<'p>, usize)],
        undecided: &mut Undecided<'p>,
    ) -> bool {
        for (position, &choice) in choices.iter().enumerate() {
            let (expr, count, _) = choice;
            for value in 0..count {
                if matches!(&expr.kind, ExprKind::Alt(items) if is_zero(&items[value])) {
                    continue;
                }
                if self.runs == MAX_RUNS {
                    return false;
                }
                self.runs += 1;
                let mut with = fixed.to_vec();
                with.push((choice, value));
                let run = self.check(&with);
                let mut failed = false;
                for error in run.diagnostics.iter().filter(|d| d.is_error()) {
                    failed = true;
                    if self.reported.insert((error.code, error.primary_span())) {
                        self.found.push(self.with_values(error.clone(), &with));
                    }
                }
                if !failed && run.lossy && with.len() < MAX_FIXED {
                    let later: Vec<Choice<'p>> = run
                        .choices
                        .iter()
                        .filter(|(c, ..)| {
                            !choices[..=position]
                                .iter()
                                .any(|(e, ..)| std::ptr::eq(*e, *c))
                        })
                        .copied()
                        .collect();
                    undecided.push((with, later));
                }
            }
        }
        true
    }

    /// The 1-based line `span` starts on.
    fn line(&self, span: Span) -> usize {
        self.sources.get(span.file).map_or(0, |file| {
            let start = span.range().start.min(file.text.len());
            file.text[..start].matches('\n').count() + 1
        })
    }

    /// `error` said with the decision values that lead to it.
    fn with_values(&self, mut error: Diagnostic, fixed: &[(Choice<'p>, usize)]) -> Diagnostic {
        let text = |span: Span| {
            self.sources
                .get(span.file)
                .and_then(|file| file.text.get(span.range()))
                .unwrap_or("?")
                .to_string()
        };
        let mut when = Vec::new();
        for &((expr, _, first), value) in fixed {
            let (chosen, span) = match &expr.kind {
                ExprKind::Alt(items) => (text(items[value].span), items[value].span),
                _ => ((first + value as i64).to_string(), expr.span),
            };
            when.push(format!(
                "`{}` (line {}) is `{chosen}`",
                text(expr.span),
                self.line(expr.span)
            ));
            error = error.with_label(span, format!("when this is `{chosen}`"));
        }
        error.message = format!("{} when {}", error.message, when.join(" and "));
        error.notes.push(
            "only some architectures of the space reach this: those with the values named above"
                .to_string(),
        );
        error
    }
}
