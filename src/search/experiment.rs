//! Reading an `experiment` block of a checked program into what the runner needs: the space
//! to search, the evaluator, the strategy and its parameters, the budget and the objective.
//! Every problem is a diagnostic at the entry that causes it.

use super::budget::Budget;
use super::eval_spec;
pub use super::eval_spec::{DataSpec, EvaluatorSpec};
use super::runner::Param;
use crate::check::Program;
use crate::syntax::ast::{
    Arg, Direction, Entry, EntryValue, ExperimentDef, Expr, ExprKind, ItemKind, Lit,
};
use crate::syntax::{Diagnostic, Span};

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
    /// The strategy's parameters.
    pub params: Vec<(String, Param)>,
    /// The limits.
    pub budget: Budget,
    /// Whether the objective is maximised.
    pub maximize: bool,
    /// The objective's metric.
    pub metric: String,
    /// `workers N`, if given.
    pub workers: Option<usize>,
    /// `seed N`: the first seed, if given.
    pub seed: Option<u64>,
    /// The whole block.
    pub span: Span,
}

pub(super) fn error(span: Span, message: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::error("experiment", message, span, "here").with_hint(hint)
}

/// Finds the experiment `name` (or the main file's only/first one) and reads it.
pub fn read(program: &Program, name: Option<&str>) -> Result<ExperimentSpec, Diagnostic> {
    let main = program.main();
    let experiments: Vec<&ExperimentDef> = main
        .ast
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Experiment(e) => Some(e),
            _ => None,
        })
        .collect();
    let found = match name {
        Some(n) => experiments.iter().find(|e| e.name.name == n).copied(),
        None => experiments.first().copied(),
    };
    let Some(def) = found else {
        let names: Vec<&str> = experiments.iter().map(|e| e.name.name.as_str()).collect();
        let hint = if names.is_empty() {
            "add an `experiment NAME { space ..., evaluate ..., strategy ..., budget ... }` block"
                .to_string()
        } else {
            format!("the experiments here are: {}", names.join(", "))
        };
        let what = name.map_or("no experiment".to_string(), |n| {
            format!("no experiment `{n}`")
        });
        return Err(error(main.ast.span, format!("this file has {what}"), &hint));
    };
    read_def(def)
}

fn read_def(def: &ExperimentDef) -> Result<ExperimentSpec, Diagnostic> {
    let span = def.name.span;
    let get = |key: &str| def.entries.iter().find(|e| e.key.name == key);
    let need = |key: &str, example: &str| {
        get(key).ok_or_else(|| {
            error(
                span,
                format!("experiment `{}` has no `{key}` entry", def.name.name),
                &format!("add `{key} {example}`"),
            )
        })
    };
    for e in &def.entries {
        if ![
            "space",
            "data",
            "evaluate",
            "strategy",
            "budget",
            "objective",
            "workers",
            "seed",
        ]
        .contains(&e.key.name.as_str())
        {
            return Err(error(
                e.key.span,
                format!("unknown experiment entry `{}`", e.key.name),
                "entries are space, data, evaluate, strategy, budget, objective, workers and seed",
            ));
        }
    }
    let (space, args) = call(need("space", "nb201")?)?;
    let space_args = args
        .iter()
        .map(|a| {
            let name = a.name.as_ref().ok_or_else(|| {
                error(
                    a.span,
                    "space arguments are named",
                    "write `nb201(c: 8, n: 1)`",
                )
            })?;
            Ok((name.name.to_string(), lit_int(&a.value)?))
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let objective = need("objective", "maximize valid_acc")?;
    let (maximize, metric, metric_span) = match &objective.value {
        EntryValue::Objective {
            direction, metric, ..
        } => (
            *direction == Direction::Maximize,
            metric.name.to_string(),
            metric.span,
        ),
        EntryValue::Args(_) => {
            return Err(error(
                objective.span,
                "`objective` needs a direction and a metric",
                "write `objective maximize METRIC`",
            ))
        }
    };
    let evaluator = eval_spec::evaluator(
        need("evaluate", "table(file: \"nb201/nb201.csv\")")?,
        &metric,
        metric_span,
    )?;
    let data = get("data").map(eval_spec::data).transpose()?;
    if data.is_none() && !matches!(evaluator, EvaluatorSpec::Table { .. }) {
        return Err(error(
            span,
            format!("experiment `{}` has no `data` entry", def.name.name),
            "add `data fashion_mnist(limit: 6000, valid: 0.2)`",
        ));
    }
    let strategy_entry = need("strategy", "evolution(population: 50)")?;
    let ((name, name_span), args) = call(strategy_entry)?;
    let mut params = Vec::new();
    for a in args {
        let key = a.name.as_ref().ok_or_else(|| {
            error(
                a.span,
                "strategy parameters are named",
                "write `name: value`",
            )
        })?;
        params.push((key.name.to_string(), param(&a.value)?));
    }
    let budget = budget(need("budget", "trials: 100")?)?;
    let workers = get("workers")
        .map(|e| count(e, "workers"))
        .transpose()?
        .map(|n| n as usize);
    let seed = get("seed").map(|e| count(e, "seed")).transpose()?;
    Ok(ExperimentSpec {
        name: def.name.name.to_string(),
        space,
        space_args,
        evaluator,
        data,
        strategy: (name, name_span),
        params,
        budget,
        maximize,
        metric,
        workers,
        seed,
        span,
    })
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

fn param(e: &Expr) -> Result<Param, Diagnostic> {
    Ok(match &e.kind {
        ExprKind::Lit(Lit::Int { .. }) => Param::Int(lit_int(e)?),
        ExprKind::Lit(l @ Lit::Float { .. }) => Param::Float(l.number_value().unwrap_or(f64::NAN)),
        ExprKind::Lit(Lit::Bool(b)) => Param::Bool(*b),
        ExprKind::Lit(Lit::Str(s)) => Param::Str(s.clone()),
        ExprKind::Lit(Lit::Duration { value, unit }) => {
            Param::Float((*value * unit.seconds()) as f64)
        }
        ExprKind::Neg(inner) => match param(inner)? {
            Param::Int(i) => Param::Int(-i),
            Param::Float(f) => Param::Float(-f),
            _ => {
                return Err(error(
                    e.span,
                    "only numbers can be negated",
                    "write a number",
                ))
            }
        },
        ExprKind::Ref(r) if r.args.is_none() => Param::Str(r.name.name.to_string()),
        ExprKind::List(items) => Param::List(items.iter().map(param).collect::<Result<_, _>>()?),
        _ => {
            return Err(error(
                e.span,
                "a strategy parameter is a number, boolean, string, name or list",
                "write e.g. `population: 50`",
            ))
        }
    })
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
