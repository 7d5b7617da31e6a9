//! Reading an experiment's `evaluate` and `data` entries: `table(..)`, `train(..)` and
//! `proxy(..)`, and the dataset with its splits. Every problem is a diagnostic at the argument
//! that causes it, and reading goes on after each, so that `nas check` reports them all.

use super::cost::CostModel;
use super::metric::TrainMetric;
use super::proxy::Proxy;
use super::{boolean, call, error, keep, lit_int, number, seconds, string, Problems};
use crate::space::network_size::NetworkSize;
use crate::syntax::ast::{Arg, Entry, Expr, ExprKind, Lit};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, Span};
use crate::train::choices::{SearchedSettings, SettingChoice, SEARCHABLE};
use crate::train::precision::Precision;
use crate::train::settings::{At, Problem, SettingError, TrainSettings, Value};

/// The evaluator an experiment names.
#[derive(Debug, Clone, PartialEq)]
pub enum EvaluatorSpec {
    /// `table(file: "...", reward: "...", report: "...", key: "arch", cost: ...)`.
    Table {
        /// The table's path as written.
        file: String,
        /// The key column.
        key: String,
        /// The reward column (the objective's metric unless given).
        reward: String,
        /// The reported column.
        report: Option<String>,
        /// The cost model.
        cost: CostModel,
        /// Where the entry is.
        span: Span,
    },
    /// `train(epochs: 2, batch: 128, optimizer: sgd(lr: 0.1), channels: 8, ...)`.
    Train {
        /// How each architecture is trained (every argument but the two below; see
        /// [`crate::train::settings`]); a setting with alternatives holds its first here.
        settings: TrainSettings,
        /// The settings as written, and those with alternatives: decisions of every trial.
        searched: SearchedSettings,
        /// The reward (the objective's metric).
        reward: TrainMetric,
        /// The reported metric as written: `None` when not written (then `test_acc` for
        /// images, `test_ppl` for text), `Some(None)` for `report: none`.
        report: Option<Option<TrainMetric>>,
        /// Measure the report for every trial, not only for those best so far.
        report_all: bool,
        /// Where the entry is.
        span: Span,
    },
    /// `proxy(naswot, batch: 64, table: "nb201/nb201.csv", report: "cifar10_test_200")`.
    Proxy {
        /// The score.
        proxy: Proxy,
        /// Images the data-dependent proxies see.
        batch: i64,
        /// Images the NTK is computed on.
        ntk_batch: i64,
        /// Channels and cells of the scored network.
        size: NetworkSize,
        /// A table to report a column of: (file, key column, reported column).
        table: Option<(String, String, String)>,
        /// libtorch's CPU threads (1 unless set: the scored networks are small, and more
        /// threads spin against each other on a busy machine).
        threads: i32,
        /// Score on the CPU even when a GPU is present.
        cpu: bool,
        /// Where the entry is.
        span: Span,
    },
}

impl EvaluatorSpec {
    /// Whether the evaluator runs networks on a GPU when there is one: `train(..)` and
    /// `proxy(..)` unless they say `device: cpu`; a table runs nothing.
    pub fn uses_gpu(&self) -> bool {
        match self {
            EvaluatorSpec::Table { .. } => false,
            EvaluatorSpec::Train { settings, .. } => !settings.cpu,
            EvaluatorSpec::Proxy { cpu, .. } => !cpu,
        }
    }
}

/// The data an experiment trains or scores on: `data fashion_mnist(limit: 6000, valid: 0.2)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec {
    /// The dataset (`fashion_mnist`, `mnist`, `cifar10`, `cifar100`, or `ptb` for language
    /// models).
    pub name: String,
    /// Its folder, if given.
    pub dir: Option<String>,
    /// Use only the first N training examples (before the split; tokens for `ptb`).
    pub limit: Option<i64>,
    /// The fraction of the training examples held out for validation.
    pub valid: f64,
    /// Use only the first N test examples (tokens of the validation and test splits for `ptb`).
    pub test_limit: Option<i64>,
    /// Resize every image to N×N pixels (bilinear), if given.
    pub resize: Option<i64>,
    /// Where the entry is.
    pub span: Span,
}

fn named<'a>(a: &'a Arg, what: &str) -> Result<&'a str, Diagnostic> {
    a.name.as_ref().map(|n| n.name.as_str()).ok_or_else(|| {
        error(
            a.span,
            format!("the arguments of `{what}` are named"),
            "write `name: value`",
        )
    })
}

/// `what` has no argument named as `a` is; `known` are its arguments.
fn unknown(a: &Arg, what: &str, known: &[&str]) -> Diagnostic {
    let name = a.name.as_ref().map_or("", |n| n.name.as_str());
    let d = Diagnostic::error(
        "unknown-argument",
        format!("`{what}` has no argument `{name}`"),
        a.name.as_ref().map_or(a.span, |n| n.span),
        "unknown argument",
    )
    .with_note(format!("its arguments are {}", known.join(", ")));
    match did_you_mean(name, known.iter().copied()) {
        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
        None => d.with_hint("remove it"),
    }
}

/// `name` is none of `known` (the `what`s there are).
pub(super) fn unknown_name(name: &str, span: Span, what: &str, known: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(
        "unknown-name",
        format!("unknown {what} `{name}`"),
        span,
        format!("not a known {what}"),
    )
    .with_note(format!("the {what}s are {}", known.join(", ")));
    match did_you_mean(name, known.iter().copied()) {
        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
        None => d.with_hint(format!("write one of the known {what}s")),
    }
}

fn positive(a: &Arg) -> Result<i64, Diagnostic> {
    let n = lit_int(&a.value)?;
    if n < 1 {
        return Err(error(
            a.span,
            "this must be at least 1",
            "write a positive number",
        ));
    }
    Ok(n)
}

/// The datasets `data` names.
pub const DATASETS: [&str; 5] = ["fashion_mnist", "mnist", "cifar10", "cifar100", "ptb"];
/// The arguments of `data`.
const DATA_ARGS: [&str; 5] = ["dir", "limit", "valid", "test_limit", "resize"];

/// Reads the `data` entry; problems go to `problems`.
pub fn data(e: &Entry, problems: &mut Problems) -> Option<DataSpec> {
    let ((name, name_span), args) = keep(call(e), problems)?;
    let canonical = name.replace('-', "_");
    if !DATASETS.contains(&canonical.as_str()) {
        problems.push(unknown_name(&name, name_span, "dataset", &DATASETS));
        return None;
    }
    let mut spec = DataSpec {
        name: canonical,
        dir: None,
        limit: None,
        valid: 0.2,
        test_limit: None,
        resize: None,
        span: e.span,
    };
    for a in args {
        let read = |spec: &mut DataSpec| -> Result<(), Diagnostic> {
            match named(a, "data")? {
                "dir" => spec.dir = Some(string(&a.value)?),
                "limit" => spec.limit = Some(positive(a)?),
                "test_limit" => spec.test_limit = Some(positive(a)?),
                "resize" if spec.name == "ptb" => {
                    return Err(error(
                        a.span,
                        "Penn Treebank is text: there are no images to resize",
                        "drop `resize`",
                    ))
                }
                "resize" => spec.resize = Some(positive(a)?),
                "valid" if spec.name == "ptb" => {
                    return Err(error(
                        a.span,
                        "Penn Treebank has its own validation split",
                        "drop `valid`; `test_limit` shortens the validation and test splits",
                    ))
                }
                "valid" => {
                    let v = number(&a.value)?;
                    if !(0.0 < v && v < 1.0) {
                        return Err(error(
                            a.span,
                            "the validation fraction must be between 0 and 1",
                            "write e.g. `valid: 0.2`",
                        ));
                    }
                    spec.valid = v;
                }
                _ => return Err(unknown(a, "data", &DATA_ARGS)),
            }
            Ok(())
        };
        keep(read(&mut spec), problems);
    }
    Some(spec)
}

/// The evaluators `evaluate` names.
pub const EVALUATORS: [&str; 3] = ["table", "train", "proxy"];

/// Reads the `evaluate` entry; `metric` is the objective's. Problems go to `problems`.
pub fn evaluator(
    e: &Entry,
    metric: &str,
    metric_span: Span,
    problems: &mut Problems,
) -> Option<EvaluatorSpec> {
    let ((name, name_span), args) = keep(call(e), problems)?;
    if name != "train" {
        // Only a training evaluator trains each trial under its own settings.
        for alt in args.iter().filter_map(|a| alternatives_in(&a.value)) {
            problems.push(
                Diagnostic::error(
                    "experiment",
                    format!("`{name}` cannot search its arguments: each takes one value"),
                    alt.span,
                    "alternatives here",
                )
                .with_hint(
                    "write one value; alternatives in the settings are searched by \
                     `train(..)`, which trains each trial under the ones it chose",
                ),
            );
        }
        if args.iter().any(|a| alternatives_in(&a.value).is_some()) {
            return None;
        }
    }
    match name.as_str() {
        "table" => table(e, args, metric, problems),
        "train" => train(e, args, metric, metric_span, problems),
        "proxy" => proxy(e, args, metric, metric_span, problems),
        _ => {
            problems.push(unknown_name(&name, name_span, "evaluator", &EVALUATORS));
            None
        }
    }
}

const TABLE_ARGS: [&str; 7] = [
    "file",
    "key",
    "reward",
    "report",
    "cost",
    "cost_base",
    "op_cost",
];

fn table(e: &Entry, args: &[Arg], metric: &str, problems: &mut Problems) -> Option<EvaluatorSpec> {
    let mut file = None;
    let mut key = "arch".to_string();
    let mut reward = None;
    let mut report = None;
    let mut cost = CostModel::Constant(0.0);
    let mut weights = Vec::new();
    let mut base = 0.0;
    for a in args {
        let mut read = || -> Result<(), Diagnostic> {
            match named(a, "table")? {
                "file" => file = Some(string(&a.value)?),
                "key" => key = string(&a.value)?,
                "reward" => reward = Some(string(&a.value)?),
                "report" => report = Some(string(&a.value)?),
                "cost" => {
                    cost = match &a.value.kind {
                        ExprKind::Lit(Lit::Str(s)) => CostModel::Column(s.clone()),
                        ExprKind::Lit(Lit::Duration { .. }) => {
                            CostModel::Constant(seconds(&a.value)?)
                        }
                        _ => CostModel::Constant(number(&a.value)?),
                    }
                }
                "cost_base" => base = number(&a.value)?,
                "op_cost" => {
                    let ExprKind::Ref(r) = &a.value.kind else {
                        return Err(error(
                            a.span,
                            "`op_cost` lists ops with weights",
                            "write `op_cost: ops(nor_conv_3x3: 9, nor_conv_1x1: 1)`",
                        ));
                    };
                    for w in r.args.iter().flat_map(|x| &x.items) {
                        let op = w
                            .name
                            .as_ref()
                            .ok_or_else(|| error(w.span, "name the op", "write `op: weight`"))?;
                        weights.push((op.name.to_string(), number(&w.value)?));
                    }
                }
                _ => return Err(unknown(a, "table", &TABLE_ARGS)),
            }
            Ok(())
        };
        keep(read(), problems);
    }
    if !weights.is_empty() {
        cost = CostModel::OpWeights { base, weights };
    }
    let Some(file) = file else {
        problems.push(error(
            e.span,
            "`table` needs a file",
            "write `table(file: \"nb201/nb201.csv\")`",
        ));
        return None;
    };
    Some(EvaluatorSpec::Table {
        file,
        key,
        reward: reward.unwrap_or_else(|| metric.to_string()),
        report,
        cost,
        span: e.span,
    })
}

fn metric_of(name: &str, span: Span, role: &str) -> Result<TrainMetric, Diagnostic> {
    TrainMetric::from_name(name).ok_or_else(|| {
        let known = TrainMetric::ALL.map(|(n, _)| n);
        let d = Diagnostic::error(
            "unknown-name",
            format!("`train` cannot {role} `{name}`"),
            span,
            "not a metric of `train`",
        )
        .with_note(format!(
            "the metrics of `train` are {}",
            TrainMetric::names()
        ));
        match did_you_mean(name, known) {
            Some(best) => d.with_hint(format!("did you mean `{best}`?")),
            None => d.with_hint("write one of the metrics of `train`"),
        }
    })
}

/// The arguments of `train` that are not training settings.
const REPORT_ARGS: [&str; 2] = ["report", "report_all"];

fn train(
    e: &Entry,
    args: &[Arg],
    metric: &str,
    metric_span: Span,
    problems: &mut Problems,
) -> Option<EvaluatorSpec> {
    // The settings and their defaults are `nas train`'s too: one parse, `TrainSettings::set`.
    let mut settings = TrainSettings::default();
    let mut report = None;
    let mut report_all = false;
    let mut pairs: Vec<(String, Value)> = Vec::new();
    let mut choices: Vec<SettingChoice> = Vec::new();
    for a in args {
        let mut read = || -> Result<(), Diagnostic> {
            let key = named(a, "train")?;
            let known = TrainSettings::KEYS.contains(&key) || REPORT_ARGS.contains(&key);
            let fixed = known && !SEARCHABLE.contains(&key);
            if let Some(alt) = alternatives_in(&a.value).filter(|_| fixed) {
                return Err(unsearchable(key, alt));
            }
            match key {
                "report_all" => report_all = boolean(&a.value)?,
                "report" => {
                    let name = string(&a.value)?;
                    report = Some(if name == "none" {
                        None
                    } else {
                        Some(metric_of(&name, a.value.span, "report")?)
                    });
                }
                key if TrainSettings::KEYS.contains(&key) => {
                    let value = setting_value(&a.value);
                    problems.extend(searched(a, key, &value, pairs.len(), &mut choices)?);
                    // Each alternative was read and its problems placed by `searched`; the
                    // rest of the setting is read here, its problems at their places.
                    let mut found = Vec::new();
                    settings.set(key, &value, &mut found);
                    let alternative = |p: &SettingError| match (p.inner, &a.value.kind) {
                        (None, _) => alternatives_in(&a.value).is_some(),
                        (Some(i), ExprKind::Ref(r)) => r
                            .args
                            .iter()
                            .flat_map(|x| &x.items)
                            .nth(i)
                            .is_some_and(|o| matches!(o.value.kind, ExprKind::Alt(_))),
                        (Some(_), _) => false,
                    };
                    problems.extend(
                        found
                            .iter()
                            .filter(|p| !alternative(p))
                            .map(|p| setting_problem(a, p)),
                    );
                    pairs.push((key.to_string(), value));
                }
                _ => {
                    let known: Vec<&str> = TrainSettings::KEYS
                        .iter()
                        .chain(&REPORT_ARGS)
                        .copied()
                        .collect();
                    return Err(unknown(a, "train", &known));
                }
            }
            Ok(())
        };
        let done = read();
        keep(done, problems);
    }
    let reward = keep(metric_of(metric, metric_span, "measure"), problems)?;
    Some(EvaluatorSpec::Train {
        settings,
        searched: SearchedSettings::new(pairs, choices),
        reward,
        report,
        report_all,
        span: e.span,
    })
}

/// The first alternatives `value` holds (`0.1 | 0.05`, or inside a call's arguments), if any.
fn alternatives_in(value: &Expr) -> Option<&Expr> {
    match &value.kind {
        ExprKind::Alt(_) => Some(value),
        ExprKind::Ref(r) => r
            .args
            .iter()
            .flat_map(|x| &x.items)
            .find_map(|o| alternatives_in(&o.value)),
        _ => None,
    }
}

/// Alternatives at `alt` in the setting `key`, which cannot take them.
fn unsearchable(key: &str, alt: &Expr) -> Diagnostic {
    let why = match key {
        "channels" | "cells" => "it sizes the network, the same for every trial",
        "threads" | "device" | "precision" => "it sets up the machine, once for the run",
        _ => "it says what is measured, the same for every trial",
    };
    Diagnostic::error(
        "experiment",
        format!("`{key}` cannot be searched: {why}"),
        alt.span,
        "alternatives here",
    )
    .with_hint(format!(
        "write one value; the settings that take alternatives are {}",
        SEARCHABLE.join(", ")
    ))
}

/// Reads the alternatives of the setting `a` (key `key`, its value as read, `value`, the
/// `pair`-th setting): each becomes a choice in `choices`, and `value` holds the first
/// alternatives. Each alternative is read as the setting's value (with the others at their
/// first); what is wrong with one comes back as a diagnostic at it.
fn searched(
    a: &Arg,
    key: &str,
    value: &Value,
    pair: usize,
    choices: &mut Vec<SettingChoice>,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let mut found = Vec::new();
    let mut add = |name: &str, alts: &[Expr], inner: Option<usize>| -> Result<(), Diagnostic> {
        let mut values = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        for alt in alts {
            let v = setting_value(alt);
            if let Value::Call(..) | Value::Other = v {
                return Err(error(
                    alt.span,
                    "an alternative is a number, a name or true/false",
                    "write alternatives inside the call's arguments, `sgd(lr: 0.1 | 0.05)`, or \
                     between bare names, `sgd | adamw`",
                ));
            }
            let label = crate::train::choices::label(&v);
            if labels.contains(&label) {
                return Err(error(
                    alt.span,
                    format!("`{label}` is written twice among these alternatives"),
                    "write each alternative once",
                ));
            }
            // Read alone over the defaults, with the setting's other arguments as written.
            let whole = match (inner, value) {
                (Some(i), Value::Call(n, args)) => {
                    let mut args = args.clone();
                    args[i].1 = v.clone();
                    Value::Call(n.clone(), args)
                }
                _ => v.clone(),
            };
            let mut problems = Vec::new();
            TrainSettings::default().set(key, &whole, &mut problems);
            // Problems of the setting's other arguments are the plain reading's to report.
            for p in problems
                .iter()
                .filter(|p| p.inner.is_none() || p.inner == inner)
            {
                let mut d = setting_problem(a, p);
                if let Some(label) = d.labels.first_mut() {
                    label.span = alt.span;
                }
                if !found.contains(&d) {
                    found.push(d);
                }
            }
            labels.push(label);
            values.push(v);
        }
        let choice = SettingChoice::new(name, values, pair, inner);
        if choices.iter().any(|c| c.name == choice.name) {
            return Err(error(
                a.span,
                format!("`{name}` is searched twice"),
                "write its alternatives in one place",
            ));
        }
        choices.push(choice);
        Ok(())
    };
    match &a.value.kind {
        ExprKind::Alt(alts) => add(key, alts, None)?,
        ExprKind::Ref(r) => {
            for (i, o) in r.args.iter().flat_map(|x| &x.items).enumerate() {
                if let ExprKind::Alt(alts) = &o.value.kind {
                    let Some(name) = &o.name else {
                        return Err(error(
                            o.span,
                            format!("the arguments of `{}` are named", r.name.name),
                            "write `name: value`",
                        ));
                    };
                    add(&name.name, alts, Some(i))?;
                }
            }
        }
        _ => {}
    }
    Ok(found)
}

/// An argument's value as the training settings read it.
fn setting_value(e: &Expr) -> Value {
    match &e.kind {
        // A setting with alternatives holds its first until a trial chooses.
        ExprKind::Alt(alts) => alts.first().map_or(Value::Other, setting_value),
        ExprKind::Lit(Lit::Bool(b)) => Value::Bool(*b),
        ExprKind::Lit(Lit::Str(s)) => Value::Word(s.clone()),
        ExprKind::Lit(l) => match (l.int_value(), l.number_value()) {
            (Some(n), _) => Value::Int(n),
            (None, Some(x)) => Value::Float(x),
            (None, None) => Value::Other,
        },
        ExprKind::Neg(inner) => match setting_value(inner) {
            Value::Int(n) => Value::Int(-n),
            _ => Value::Other,
        },
        ExprKind::Ref(r) => match &r.args {
            None => Value::Word(r.name.name.to_string()),
            Some(_) => Value::Call(
                r.name.name.to_string(),
                r.args
                    .iter()
                    .flat_map(|x| &x.items)
                    .map(|o| {
                        (
                            o.name.as_ref().map(|n| n.name.to_string()),
                            setting_value(&o.value),
                        )
                    })
                    .collect(),
            ),
        },
        _ => Value::Other,
    }
}

/// A problem with the setting `a` as a diagnostic at the part of it that causes it.
fn setting_problem(a: &Arg, p: &SettingError) -> Diagnostic {
    let inner = p.inner.and_then(|i| match &a.value.kind {
        ExprKind::Ref(r) => r.args.iter().flat_map(|x| &x.items).nth(i),
        _ => None,
    });
    let arg = inner.unwrap_or(a);
    let span = match p.at {
        At::Pair => arg.span,
        At::Key => arg.name.as_ref().map_or(arg.span, |n| n.span),
        At::Value => arg.value.span,
        At::CallName => match &arg.value.kind {
            ExprKind::Ref(r) => r.name.span,
            _ => arg.value.span,
        },
    };
    match &p.problem {
        Problem::Invalid { message, hint } => error(span, message.clone(), hint),
        Problem::UnknownKey { of, known, .. } => unknown(arg, of, known),
        Problem::UnknownName { what, name, known } => unknown_name(name, span, what, known),
    }
}

const PROXY_ARGS: [&str; 9] = [
    "batch",
    "ntk_batch",
    "channels",
    "cells",
    "table",
    "key",
    "report",
    "threads",
    "device",
];

fn proxy(
    e: &Entry,
    args: &[Arg],
    metric: &str,
    metric_span: Span,
    problems: &mut Problems,
) -> Option<EvaluatorSpec> {
    let names = Proxy::ALL.map(Proxy::name);
    let mut chosen = None;
    let (mut batch, mut ntk_batch) = (64, 32);
    let mut size = NetworkSize::default();
    let (mut file, mut key, mut report) = (None, "arch".to_string(), None);
    let (mut threads, mut cpu) = (1, false);
    let mut named_a_proxy = false;
    for a in args {
        let mut read = || -> Result<(), Diagnostic> {
            if a.name.is_none() {
                named_a_proxy = true;
                let name = string(&a.value)?;
                chosen = Some(
                    Proxy::from_name(&name)
                        .ok_or_else(|| unknown_name(&name, a.value.span, "proxy", &names))?,
                );
                return Ok(());
            }
            match named(a, "proxy")? {
                "batch" => batch = positive(a)?,
                "ntk_batch" => ntk_batch = positive(a)?,
                "channels" => size.channels = Some(positive(a)?),
                "cells" => size.cells = Some(positive(a)? as usize),
                "table" => file = Some(string(&a.value)?),
                "key" => key = string(&a.value)?,
                "report" => report = Some((string(&a.value)?, a.span)),
                "threads" => threads = positive(a)?.min(i64::from(i32::MAX)) as i32,
                "device" => cpu = device_is_cpu(a)?,
                _ => return Err(unknown(a, "proxy", &PROXY_ARGS)),
            }
            Ok(())
        };
        let done = read();
        keep(done, problems);
    }
    let proxy = match chosen {
        Some(p) => p,
        None if named_a_proxy => return None,
        None => {
            problems.push(error(
                e.span,
                "`proxy` needs the proxy's name",
                &format!(
                    "write e.g. `proxy(naswot)`; the proxies are {}",
                    names.join(", ")
                ),
            ));
            return None;
        }
    };
    if metric != proxy.name() {
        problems.push(error(
            metric_span,
            format!(
                "the objective measures `{metric}`, but the evaluator scores `{}`",
                proxy.name()
            ),
            &format!(
                "write `objective maximize {}` (or minimize, for ntk)",
                proxy.name()
            ),
        ));
    }
    let table = match (file, report) {
        (Some(f), Some((r, _))) => Some((f, key, r)),
        (None, None) => None,
        (Some(_), None) => {
            problems.push(error(
                e.span,
                "`table` is named without a `report` column",
                "add `report: \"cifar10_test_200\"` (the column to report)",
            ));
            None
        }
        (None, Some((_, span))) => {
            problems.push(error(
                span,
                "`report` needs a `table` to read it from",
                "add `table: \"nb201/nb201.csv\"`",
            ));
            None
        }
    };
    Some(EvaluatorSpec::Proxy {
        proxy,
        batch,
        ntk_batch,
        size,
        table,
        threads,
        cpu,
        span: e.span,
    })
}

/// `device: cpu` (true) or `device: auto` (false: a GPU when there is one).
fn device_is_cpu(a: &Arg) -> Result<bool, Diagnostic> {
    match string(&a.value)?.as_str() {
        "cpu" => Ok(true),
        "auto" => Ok(false),
        other => Err(error(
            a.span,
            format!("unknown device `{other}`"),
            "write `device: cpu` or `device: auto` (a GPU when there is one)",
        )),
    }
}

/// What the checker can tell of a searched space without lowering it.
#[derive(Debug, Clone)]
pub struct SpaceFacts {
    /// Its name.
    pub name: String,
    /// Whether its input is a `sequence` (a language model's space).
    pub sequence: bool,
    /// Its parameters' names.
    pub params: Vec<String>,
    /// Where the experiment names it.
    pub span: Span,
}

impl SpaceFacts {
    /// The facts of the space `name` as `program`'s main file sees it (named at `span`).
    pub fn of(program: &crate::check::Program, name: &str, span: Span) -> Option<SpaceFacts> {
        use crate::syntax::ast::{ItemKind, Res, StmtKind};
        use crate::syntax::builtin::Builtin;
        let ItemKind::Space(def) = &program.item(program.lookup(name)?)?.kind else {
            return None;
        };
        let sequence = def.body.iter().any(|stmt| match &stmt.kind {
            StmtKind::InputShape(e) => match &e.kind {
                ExprKind::Ref(r) => r.res == Res::Builtin(Builtin::Sequence),
                _ => false,
            },
            _ => false,
        });
        Some(SpaceFacts {
            name: name.to_string(),
            sequence,
            params: def.params.iter().map(|p| p.name.name.to_string()).collect(),
            span,
        })
    }
}

/// Checks what only the evaluator, the data and the space together decide: a language model
/// needs a sequence space, Penn Treebank and its metrics; images need an image space; a
/// table (when it can be read here) has the columns named. Problems go to `problems`.
pub fn check_together(
    evaluator: &EvaluatorSpec,
    data: Option<&DataSpec>,
    space: Option<&SpaceFacts>,
    dir: &std::path::Path,
    problems: &mut Problems,
) {
    let text = data.is_some_and(|d| d.name == "ptb");
    match evaluator {
        EvaluatorSpec::Table {
            file,
            key,
            reward,
            report,
            cost,
            span,
        } => {
            // A table that cannot be read here (data supplied elsewhere) is read, and its
            // columns checked, when the experiment runs.
            let at = super::table_path(file, dir);
            if let Ok(table) = std::fs::read_to_string(&at) {
                let config = super::table::TableConfig {
                    key: key.clone(),
                    reward: reward.clone(),
                    report: report.clone(),
                    cost: cost.clone(),
                };
                if let Err(e) = super::table::Table::from_csv(&table, &config) {
                    problems.push(
                        error(*span, format!("table {}: {e}", at.display()), "the reward column defaults to the objective's metric; name it with `reward:`"),
                    );
                }
            }
        }
        EvaluatorSpec::Proxy { .. } if text => problems.push(error(
            data.map_or(Span::default(), |d| d.span),
            "the proxies score image networks at initialisation, not language models",
            "score a vision space on `data fashion_mnist(..)`, or train on ptb",
        )),
        EvaluatorSpec::Proxy { .. } => {}
        EvaluatorSpec::Train {
            settings,
            searched,
            reward,
            report,
            span,
            ..
        } => {
            let Some(data) = data else { return };
            if let Some(space) = space.filter(|s| s.sequence != text) {
                problems.push(if text {
                    error(
                        data.span,
                        format!(
                            "Penn Treebank trains language models; `{}` is not a sequence space",
                            space.name
                        ),
                        "search a space whose input is a `sequence` (enas_rnn, nb_nlp), or an image dataset",
                    )
                } else {
                    error(
                        data.span,
                        format!("`{}` is a sequence space: it trains on text", space.name),
                        "write `data ptb(limit: 20000)`",
                    )
                });
            }
            if !text {
                let set = settings.language_model_only();
                if !set.is_empty() {
                    problems.push(error(
                        *span,
                        format!(
                            "{} only {} to language models",
                            set.join(", "),
                            if set.len() == 1 { "applies" } else { "apply" }
                        ),
                        "drop them when training an image network",
                    ));
                }
                return;
            }
            // A space that is no sequence space was reported above, not again for its
            // parameters.
            let space = space.filter(|s| s.sequence);
            // Every alternative must suit a language model, not only the first.
            let image_only = (0..searched.choices().len()).flat_map(|c| {
                let alternatives = searched.choices()[c].alternatives.len();
                (1..alternatives).filter_map(move |i| {
                    let mut picked = vec![0; c];
                    picked.push(i);
                    searched.with_picked(&picked).ok()
                })
            });
            for chosen in std::iter::once(*settings).chain(image_only) {
                let before = problems.len();
                language_model(&chosen, (*reward, *report), *span, space, problems);
                if problems.len() > before {
                    break;
                }
            }
        }
    }
}

/// What training a language model refuses: image-only settings, fp16, accuracies, a space
/// without `vocab` (or without `d`, when `channels` sets it).
fn language_model(
    settings: &TrainSettings,
    (reward, report): (TrainMetric, Option<Option<TrainMetric>>),
    span: Span,
    space: Option<&SpaceFacts>,
    problems: &mut Problems,
) {
    let set = settings.image_only();
    if !set.is_empty() {
        problems.push(error(
            span,
            format!(
                "{} only {} to image networks",
                set.join(", "),
                if set.len() == 1 { "applies" } else { "apply" }
            ),
            "drop them when training on ptb",
        ));
    }
    if settings.amp == Some(Precision::Fp16) {
        problems.push(error(
            span,
            "language models train in bf16 or float32: fp16 would need loss scaling",
            "write `precision: bf16`",
        ));
    }
    let report = report.unwrap_or(Some(TrainMetric::TestPpl));
    for (metric, role) in [(Some(reward), "measure"), (report, "report")] {
        if let Some(m) = metric.filter(|m| !m.measures_language_models()) {
            problems.push(error(
                span,
                format!("a language model has no `{}` to {role}", m.name()),
                "language models are scored by valid_ppl, valid_loss, test_ppl, test_loss, \
                 train_ppl or train_loss",
            ));
        }
    }
    let Some(space) = space else { return };
    let has = |name: &str| space.params.iter().any(|p| p == name);
    if !has("vocab") {
        problems.push(error(
            space.span,
            format!("`{}` has no `vocab` parameter to size it", space.name),
            "give the space a parameter `vocab: int` used by its embedding and decoder",
        ));
    }
    if settings.size.channels.is_some() && !has("d") {
        problems.push(error(
            span,
            format!("`{}` has no width parameter `d` for `channels`", space.name),
            "drop `channels`, or name the space's own width",
        ));
    }
}
