//! Reading an `experiment` block of a checked program into what the runner needs: the space
//! to search, the evaluator, the strategy and its parameters, the budget and the objective.
//! Every problem is a diagnostic at the entry that causes it; [`check`] reports them all at
//! `nas check`, so that `nas run` starts only experiments that can run.

pub mod budget;
pub mod cost;
pub mod csv;
pub mod eval_spec;
pub mod formula;
pub mod metric;
pub mod param;
pub mod proxy;
pub mod script;
pub mod strategy_params;
pub mod table;

use crate::check::Program;
use crate::space::ResourceBound;
use crate::syntax::ast::{Arg, Direction, Entry, EntryValue, Expr, ExprKind, ItemKind, Lit};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, SourceMap, Span};
use budget::Budget;
pub use eval_spec::{DataSpec, EvaluatorSpec};
pub use formula::Formula;
use metric::ArchMetric;
use param::Param;
use script::{self as strategy, Strategy};
use std::path::Path;

/// Where a table file named `file` in an experiment at `experiment_dir` is: relative to the
/// experiment's folder, else under the project's data folder (`NAS_DATA`, `data/`); either
/// may hold it gzip-compressed as `file.gz`.
pub fn table_path(file: &str, experiment_dir: &Path) -> std::path::PathBuf {
    let local = experiment_dir.join(file);
    if Path::new(file).is_absolute() {
        return local;
    }
    let in_data = crate::paths::data_dir().map(|d| d.join(file));
    std::iter::once(&local)
        .chain(in_data.as_ref())
        .find_map(|path| crate::paths::existing_data_file(path))
        .unwrap_or(local)
}

/// An experiment as the runner needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSpec {
    /// Its name.
    pub name: String,
    /// The space's name, and where it was named.
    pub space: (String, Span),
    /// The space's arguments as written (`space nb201(c: 8, n: 1)`).
    pub space_args: Vec<(String, i64)>,
    /// The evaluator.
    pub evaluator: EvaluatorSpec,
    /// The data, when the evaluator trains or scores networks.
    pub data: Option<DataSpec>,
    /// The strategy's name (a stdlib stem or a `.rhai` path), and where it was named.
    pub strategy: (String, Span),
    /// The strategy's script.
    pub script: Strategy,
    /// Every parameter the script declares, with the experiment's value or the default.
    pub params: Vec<(String, Param)>,
    /// The limits.
    pub budget: Budget,
    /// Whether the objective is maximised.
    pub maximize: bool,
    /// The objective's metric: the first objective's, the one the evaluator measures (the
    /// one its formula names, when it is one).
    pub metric: String,
    /// The first objective when it is a formula of metrics (`maximize valid_acc *
    /// pow(latency / 20, -0.07)`): each trial's reward is its value.
    pub formula: Option<Formula>,
    /// The objectives after the first (`objective maximize valid_acc, minimize params`):
    /// metrics computed without training; empty for a single-objective experiment.
    pub extra_objectives: Vec<ExtraObjective>,
    /// `where params < 5M` (any number of entries): bounds on the networks searched, added
    /// to the space's own.
    pub bounds: Vec<ResourceBound>,
    /// `latency batch: N`: the examples per forward pass `latency` and `latency_lut` time
    /// (1 unless given).
    pub latency_batch: i64,
    /// `workers N`, if given.
    pub workers: Option<usize>,
    /// `seed N`: the first seed, if given.
    pub seed: Option<u64>,
    /// The whole block.
    pub span: Span,
}

impl ExperimentSpec {
    /// What the reward is, for people: the first objective's metric, or its formula.
    pub fn reward_name(&self) -> &str {
        self.formula.as_ref().map_or(&self.metric, |f| f.text())
    }
}

/// An objective after the first: a metric nas computes without training, and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraObjective {
    /// The metric.
    pub metric: ArchMetric,
    /// Whether it is maximised.
    pub maximize: bool,
}

pub(super) fn error(span: Span, message: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::error("experiment", message, span, "here").with_hint(hint)
}

/// The problems found so far: reading goes on after each one, so that `nas check` reports
/// every problem of an experiment in one run.
pub(super) type Problems = Vec<Diagnostic>;

/// `result`'s value, or `None` with its problem added to `problems`.
pub(super) fn keep<T>(result: Result<T, Diagnostic>, problems: &mut Problems) -> Option<T> {
    result.map_err(|d| problems.push(d)).ok()
}

/// Finds the experiment `name` (or the main file's only/first one) and reads it. Strategy
/// scripts it names are added to `program.sources`, so that problems in them can be shown.
pub fn read(program: &mut Program, name: Option<&str>) -> Result<ExperimentSpec, Vec<Diagnostic>> {
    let main = program.main();
    let experiments: Vec<usize> = main
        .ast
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| matches!(item.kind, ItemKind::Experiment(_)).then_some(i))
        .collect();
    let def_of = |i: usize| match &main.ast.items[i].kind {
        ItemKind::Experiment(e) => Some(e),
        _ => None,
    };
    let found = match name {
        Some(n) => experiments
            .iter()
            .copied()
            .find(|&i| def_of(i).is_some_and(|e| e.name.name == n)),
        None => experiments.first().copied(),
    };
    let Some(item) = found else {
        let names: Vec<&str> = experiments
            .iter()
            .filter_map(|&i| def_of(i).map(|e| e.name.name.as_str()))
            .collect();
        let hint = if names.is_empty() {
            "add an `experiment NAME { space ..., evaluate ..., strategy ..., budget ... }` block"
                .to_string()
        } else {
            format!("the experiments here are: {}", names.join(", "))
        };
        let what = name.map_or("no experiment".to_string(), |n| {
            format!("no experiment `{n}`")
        });
        return Err(vec![error(
            main.ast.span,
            format!("this file has {what}"),
            &hint,
        )]);
    };
    let mut sources = std::mem::take(&mut program.sources);
    let result = read_def(program, 0, item, &mut sources);
    program.sources = sources;
    result
}

/// Checks every experiment of `program` completely (evaluator, data, objective, strategy
/// and its parameters, budget), adding each problem to its diagnostics. An entry the
/// front end already found wrong is not reported again.
pub fn check(program: &mut Program) {
    let mut sources = std::mem::take(&mut program.sources);
    let mut found = Vec::new();
    for (m, module) in program.modules.iter().enumerate() {
        for (i, item) in module.ast.items.iter().enumerate() {
            let ItemKind::Experiment(def) = &item.kind else {
                continue;
            };
            let problems = match read_def(program, m, i, &mut sources) {
                Ok(spec) => {
                    found.extend(lower_as_used(program, &spec));
                    continue;
                }
                Err(problems) => problems,
            };
            let flagged = |entry: &Entry| {
                program.diagnostics.iter().any(|d| {
                    d.is_error() && d.primary_span().is_some_and(|s| within(s, entry.span))
                })
            };
            found.extend(problems.into_iter().filter(|d| {
                let Some(at) = d.primary_span() else {
                    return true;
                };
                !def.entries.iter().any(|e| within(at, e.span) && flagged(e))
            }));
        }
    }
    program.sources = sources;
    program.diagnostics.extend(found);
}

/// The space as the experiment `spec` uses it (with its arguments; `nas check` lowers the
/// file's own spaces with their defaults, see `crate::space::verify`) must lower too: what it
/// refuses is said at check, not at run.
fn lower_as_used(program: &Program, spec: &ExperimentSpec) -> Option<Diagnostic> {
    if program.has_errors() {
        return None;
    }
    let refused = crate::space::lower_space_with(program, &spec.space.0, &spec.space_args).err()?;
    let args: Vec<String> = spec
        .space_args
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    let note = match args.is_empty() {
        true => format!("as the experiment `{}` uses it", spec.name),
        false => format!(
            "as the experiment `{}` uses it, with {}",
            spec.name,
            args.join(", ")
        ),
    };
    Some(if refused.primary_span().is_some() {
        refused.with_note(note)
    } else {
        Diagnostic::error(
            "unsupported",
            format!(
                "space `{}` cannot be lowered: {}",
                spec.space.0, refused.message
            ),
            spec.space.1,
            "this space",
        )
        .with_note(note)
    })
}

/// Whether `inner` lies within `outer`.
fn within(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && outer.start <= inner.start && inner.end <= outer.end
}

/// Reads item `item` of module `module` (an experiment).
fn read_def(
    program: &Program,
    module: usize,
    item: usize,
    sources: &mut SourceMap,
) -> Result<ExperimentSpec, Problems> {
    let module = &program.modules[module];
    let ItemKind::Experiment(def) = &module.ast.items[item].kind else {
        return Err(Vec::new());
    };
    let dir = Path::new(&module.name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut problems = Problems::new();
    let span = def.name.span;
    let get = |key: &str| def.entries.iter().find(|e| e.key.name == key);
    // A missing `space` is the front end's to report; an entry whose misspelt key was meant
    // for `key` (`stratgy`) is reported as unknown there, not again as missing here.
    let misspelt = |key: &str| {
        def.entries
            .iter()
            .any(|e| did_you_mean(&e.key.name, [key]).is_some())
    };
    let need = |key: &str, example: &str, problems: &mut Problems| {
        let found = get(key);
        if found.is_none() && key != "space" && !misspelt(key) {
            problems.push(
                Diagnostic::error(
                    "missing-entry",
                    format!("the experiment `{}` has no `{key}`", def.name.name),
                    span,
                    format!("no `{key}`"),
                )
                .with_hint(format!("add `{key} {example}`")),
            );
        }
        found
    };
    let space_entry = need("space", "nb201", &mut problems);
    let space = space_entry.and_then(|e| keep(call(e), &mut problems));
    let space_args = space.as_ref().map(|(_, args)| {
        args.iter()
            .filter_map(|a| {
                let Some(name) = a.name.as_ref() else {
                    problems.push(error(
                        a.span,
                        "space arguments are named",
                        "write `nb201(c: 8, n: 1)`",
                    ));
                    return None;
                };
                let value = keep(lit_int(&a.value), &mut problems)?;
                Some((name.name.to_string(), value))
            })
            .collect::<Vec<_>>()
    });
    let objective = need("objective", "maximize valid_acc", &mut problems);
    let first = match objective.map(|o| &o.value) {
        Some(EntryValue::Objective(objectives)) => first_objective(&objectives[0], &mut problems),
        _ => None,
    };
    let (maximize, metric, metric_span, formula) = match first {
        Some(first) => first,
        None => (true, String::new(), span, None),
    };
    let extra_objectives = match objective.map(|o| &o.value) {
        Some(EntryValue::Objective(objectives)) => extra_objectives(objectives, &mut problems),
        _ => Vec::new(),
    };
    let evaluator = need("evaluate", "train(epochs: 1, batch: 64)", &mut problems)
        .filter(|_| objective.is_some() && !metric.is_empty())
        .and_then(|e| eval_spec::evaluator(e, &metric, metric_span, &mut problems));
    let data = get("data").and_then(|e| eval_spec::data(e, &mut problems));
    if let Some(evaluator) = &evaluator {
        if data.is_none()
            && get("data").is_none()
            && !matches!(evaluator, EvaluatorSpec::Table { .. })
        {
            problems.push(
                Diagnostic::error(
                    "missing-entry",
                    format!("the experiment `{}` has no `data`", def.name.name),
                    span,
                    "no `data`",
                )
                .with_hint("this evaluator trains or scores networks: add `data fashion_mnist(limit: 6000, valid: 0.2)`"),
            );
        }
        let facts = space.as_ref().and_then(|((name, name_span), _)| {
            eval_spec::SpaceFacts::of(program, name, *name_span)
        });
        eval_spec::check_together(
            evaluator,
            data.as_ref(),
            facts.as_ref(),
            &dir,
            &mut problems,
        );
    }
    let strategy = need("strategy", "evolution(population: 50)", &mut problems)
        .and_then(|e| keep(call(e), &mut problems))
        .and_then(|((name, name_span), args)| {
            let bound = bind_strategy(&name, name_span, args, &dir, sources, &mut problems)?;
            Some(((name, name_span), bound))
        });
    let budget =
        need("budget", "trials: 100", &mut problems).and_then(|e| keep(budget(e), &mut problems));
    let workers = get("workers")
        .and_then(|e| keep(count(e, "workers"), &mut problems))
        .map(|n| n as usize);
    let seed = get("seed").and_then(|e| keep(count(e, "seed"), &mut problems));
    let latency_batch = get("latency")
        .and_then(|e| keep(latency_batch(e), &mut problems))
        .unwrap_or(1);
    let bounds = resource_bounds(def.entries.iter(), sources, &mut problems);
    match (space, space_args, evaluator, strategy, budget) {
        (
            Some((space, _)),
            Some(space_args),
            Some(evaluator),
            Some((name, (script, params))),
            Some(budget),
        ) if problems.is_empty() => Ok(ExperimentSpec {
            name: def.name.name.to_string(),
            space,
            space_args,
            evaluator,
            data,
            strategy: name,
            script,
            params,
            budget,
            maximize,
            metric,
            formula,
            extra_objectives,
            bounds,
            latency_batch,
            workers,
            seed,
            span,
        }),
        _ => Err(problems),
    }
}

/// The resource bounds of the `where` entries among `entries`.
fn resource_bounds<'e>(
    entries: impl Iterator<Item = &'e Entry>,
    sources: &SourceMap,
    problems: &mut Problems,
) -> Vec<ResourceBound> {
    let mut bounds = Vec::new();
    for entry in entries.filter(|e| e.key.name == "where") {
        let EntryValue::Args(args) = &entry.value else {
            continue;
        };
        for arg in args {
            if let Some(name) = &arg.name {
                problems.push(error(
                    name.span,
                    "a `where` entry is a comparison, not a named argument",
                    "write e.g. `where params < 5M`",
                ));
                continue;
            }
            let text = sources
                .get(arg.value.span.file)
                .map_or_else(String::new, |src| {
                    src.text[arg.value.span.range()].to_string()
                });
            if let Some(b) = keep(ResourceBound::read(&arg.value, &text), problems) {
                bounds.push(b);
            }
        }
    }
    bounds
}

/// The first objective: its direction, the metric the evaluator measures and where it is
/// named, and its formula when it is one; `None` when the formula is refused.
fn first_objective(
    first: &crate::syntax::ast::Objective,
    problems: &mut Problems,
) -> Option<(bool, String, Span, Option<Formula>)> {
    let maximize = first.direction == Direction::Maximize;
    if let Some(metric) = first.metric() {
        return Some((maximize, metric.name.to_string(), metric.span, None));
    }
    match Formula::read(&first.value) {
        Ok(formula) => {
            let (metric, span) = formula.measured();
            Some((maximize, metric.to_string(), span, Some(formula)))
        }
        Err(found) => {
            problems.extend(found);
            None
        }
    }
}

/// The objectives after the first of `objectives`: each a metric computed without training,
/// named once. The first is the evaluator's own metric (or a formula of it), checked with
/// the evaluator.
fn extra_objectives(
    objectives: &[crate::syntax::ast::Objective],
    problems: &mut Problems,
) -> Vec<ExtraObjective> {
    let names = || ArchMetric::ALL.map(|(n, _)| n).join(", ");
    let first_name = objectives[0].metric().map(|m| m.name.as_str());
    let first_text = crate::fmt::expr_to_string(&objectives[0].value);
    if let Some(first) = objectives[0].metric() {
        if objectives.len() > 1 && ArchMetric::from_name(&first.name).is_some() {
            // `minimize params, maximize valid_acc`: the evaluator's metric comes first.
            if let Some(measured) = objectives[1..].iter().find(|o| {
                o.metric()
                    .is_none_or(|m| ArchMetric::from_name(&m.name).is_none())
            }) {
                problems.push(error(
                    first.span,
                    format!(
                        "the first objective is the one the evaluator measures, and `{}` is computed without training",
                        first.name
                    ),
                    &format!(
                        "put the evaluator's metric first: `objective {}, ...`",
                        measured.text()
                    ),
                ));
                return Vec::new();
            }
        }
    }
    let mut seen: Vec<&str> = first_name.into_iter().collect();
    let mut extra = Vec::new();
    for o in &objectives[1..] {
        let Some(metric) = o.metric() else {
            problems.push(error(
                o.value.span,
                "only the first objective may be a formula",
                "the objectives after the first are metrics computed without training, each named alone: `minimize latency`",
            ));
            continue;
        };
        let name = metric.name.as_str();
        if seen.contains(&name) {
            problems.push(error(
                metric.span,
                format!("the objective `{name}` is named twice"),
                "name each metric once",
            ));
            continue;
        }
        seen.push(name);
        match ArchMetric::from_name(name) {
            Some(metric) => extra.push(ExtraObjective {
                metric,
                maximize: o.direction == Direction::Maximize,
            }),
            None => {
                let d = Diagnostic::error(
                    "experiment",
                    format!(
                        "`{name}` is not a metric nas computes without training, so it cannot be a second objective"
                    ),
                    metric.span,
                    "not such a metric",
                )
                .with_note(format!(
                    "the evaluator measures one metric, the first objective (`{first_text}`); the objectives after it are computed from the architecture alone: {}",
                    names()
                ));
                problems.push(match did_you_mean(name, ArchMetric::ALL.map(|(n, _)| n)) {
                    Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                    None => d.with_hint(format!("write one of {}", names())),
                });
            }
        }
    }
    extra
}

/// A strategy's script with every parameter it declares, bound to its value.
pub type BoundStrategy = (Strategy, Vec<(String, Param)>);

/// Finds the strategy `name` (named at `span` by an experiment in `dir`), reads what its
/// script declares, and binds `args` to it: the script and every declared parameter with
/// its value. The script is added to `sources`.
pub fn bind_strategy(
    name: &str,
    span: Span,
    args: &[Arg],
    dir: &Path,
    sources: &mut SourceMap,
    problems: &mut Problems,
) -> Option<BoundStrategy> {
    let lib = crate::paths::stdlib_dir();
    let script = match strategy::load(name, dir, lib.as_deref()) {
        Ok(script) => script,
        Err(message) => {
            let known = strategy::stdlib_names(lib.as_deref());
            let mut d = Diagnostic::error(
                "unknown-name",
                format!("unknown strategy `{name}`"),
                span,
                "no such strategy",
            )
            .with_note(message)
            .with_note(format!("the stdlib strategies are {}", known.join(", ")));
            d = match did_you_mean(name, known.iter().map(String::as_str)) {
                Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                None => d.with_hint("name a stdlib strategy, or your own `.rhai` file"),
            };
            problems.push(d);
            return None;
        }
    };
    let shown = script.shown();
    let file = sources.add(shown.clone(), script.source.clone());
    let compiled = strategy::check_script(&script, file);
    let decls = match compiled
        .and_then(|()| strategy_params::declarations(&script.source, file).map_err(Box::new))
    {
        Ok(decls) => {
            let unread = strategy_params::undeclared_reads(&script.source, file, &decls);
            if !unread.is_empty() {
                let named = |d: Diagnostic| d.with_label(span, "the strategy named here");
                problems.extend(unread.into_iter().map(named));
                return None;
            }
            decls
        }
        Err(d) => {
            problems.push((*d).with_label(span, "the strategy named here"));
            return None;
        }
    };
    match strategy_params::bind(&script.name, &shown, &decls, args) {
        Ok(params) => Some((script, params)),
        Err(mut found) => {
            problems.append(&mut found);
            None
        }
    }
}

/// `key NAME` or `key NAME(args)` or `key "file.rhai"(args)`: the name and the arguments.
pub(super) fn call(e: &Entry) -> Result<((String, Span), &[Arg]), Diagnostic> {
    let EntryValue::Args(args) = &e.value else {
        return Err(error(
            e.span,
            format!("`{}` needs a name", e.key.name),
            "write `KEY NAME(ARGS)`",
        ));
    };
    match args.as_slice() {
        [Arg {
            name: None, value, ..
        }] => match &value.kind {
            ExprKind::Ref(r) => Ok((
                (r.name.name.to_string(), r.name.span),
                r.args.as_ref().map_or(&[][..], |a| a.items.as_slice()),
            )),
            ExprKind::Lit(Lit::Str(s)) => Ok(((s.clone(), value.span), &[][..])),
            _ => Err(error(
                value.span,
                format!("`{}` needs a name here", e.key.name),
                "write `KEY NAME(ARGS)`",
            )),
        },
        _ => Err(error(
            e.span,
            format!("`{}` takes one name with its arguments", e.key.name),
            "write `KEY NAME(ARGS)`",
        )),
    }
}

pub(super) fn lit_int(e: &Expr) -> Result<i64, Diagnostic> {
    match &e.kind {
        ExprKind::Lit(l) => l
            .int_value()
            .ok_or_else(|| error(e.span, "expected an integer", "write a whole number")),
        ExprKind::Neg(inner) => Ok(-lit_int(inner)?),
        _ => Err(error(e.span, "expected an integer", "write a whole number")),
    }
}

pub(super) fn number(e: &Expr) -> Result<f64, Diagnostic> {
    match &e.kind {
        ExprKind::Lit(l) => l
            .number_value()
            .ok_or_else(|| error(e.span, "expected a number", "write a number")),
        _ => Err(error(e.span, "expected a number", "write a number")),
    }
}

pub(super) fn string(e: &Expr) -> Result<String, Diagnostic> {
    match &e.kind {
        ExprKind::Lit(Lit::Str(s)) => Ok(s.clone()),
        ExprKind::Ref(r) if r.args.is_none() => Ok(r.name.name.to_string()),
        _ => Err(error(
            e.span,
            "expected a string",
            "write a column name in quotes",
        )),
    }
}

/// `true` or `false`.
pub(super) fn boolean(e: &Expr) -> Result<bool, Diagnostic> {
    match &e.kind {
        ExprKind::Lit(Lit::Bool(b)) => Ok(*b),
        _ => Err(error(
            e.span,
            "expected true or false",
            "write `true` or `false`",
        )),
    }
}

pub(super) fn seconds(e: &Expr) -> Result<f64, Diagnostic> {
    match &e.kind {
        ExprKind::Lit(Lit::Duration { value, unit }) => Ok((*value * unit.seconds()) as f64),
        _ => Err(error(
            e.span,
            "expected a duration",
            "write e.g. `30m`, `4h` or `90s`",
        )),
    }
}

fn count(e: &Entry, key: &str) -> Result<u64, Diagnostic> {
    match &e.value {
        EntryValue::Args(args) if args.len() == 1 && args[0].name.is_none() => {
            let n = lit_int(&args[0].value)?;
            u64::try_from(n).map_err(|_| {
                error(
                    args[0].span,
                    format!("`{key}` cannot be negative"),
                    "write a whole number",
                )
            })
        }
        _ => Err(error(
            e.span,
            format!("`{key}` takes one number"),
            &format!("write `{key} 4`"),
        )),
    }
}

/// `latency batch: N`: how many examples the forward pass `latency` times holds.
fn latency_batch(e: &Entry) -> Result<i64, Diagnostic> {
    let example = "write `latency batch: 32`";
    let EntryValue::Args(args) = &e.value else {
        return Err(error(e.span, "`latency` takes `batch: N`", example));
    };
    let mut batch = None;
    for a in args {
        match a.name.as_ref().map(|n| n.name.as_str()) {
            Some("batch") => {
                let n = lit_int(&a.value)?;
                if n < 1 {
                    return Err(error(
                        a.value.span,
                        "a batch holds at least one example",
                        example,
                    ));
                }
                batch = Some(n);
            }
            Some(other) => {
                let hint = match did_you_mean(other, ["batch"]) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => example.to_string(),
                };
                return Err(error(
                    a.span,
                    format!("`latency` has no setting `{other}`"),
                    &hint,
                ));
            }
            None => return Err(error(a.span, "`latency` takes `batch: N`", example)),
        }
    }
    batch.ok_or_else(|| error(e.span, "`latency` takes `batch: N`", example))
}

fn budget(e: &Entry) -> Result<Budget, Diagnostic> {
    let EntryValue::Args(args) = &e.value else {
        return Err(error(
            e.span,
            "`budget` needs limits",
            "write `budget trials: 100, time: 4h`",
        ));
    };
    let mut b = Budget::default();
    for a in args {
        let Some(key) = &a.name else {
            return Err(error(
                a.span,
                "budget limits are named",
                "write `trials: 100`, `time: 4h` or `sim_time: 10h`",
            ));
        };
        match key.name.as_str() {
            "trials" => {
                let n = lit_int(&a.value)?;
                b.trials = Some(u64::try_from(n).map_err(|_| {
                    error(a.span, "trials cannot be negative", "write a whole number")
                })?);
            }
            "time" => b.wall_seconds = Some(seconds(&a.value)?),
            "sim_time" => b.sim_seconds = Some(seconds(&a.value)?),
            other => {
                return Err(error(
                    key.span,
                    format!("unknown budget limit `{other}`"),
                    "limits are `trials`, `time` (wall clock) and `sim_time` (simulated clock)",
                ))
            }
        }
    }
    if !b.is_bounded() {
        return Err(error(
            e.span,
            "the budget sets no limit",
            "write `budget trials: 100`",
        ));
    }
    Ok(b)
}
