//! Reading an experiment's `evaluate` and `data` entries: `table(..)`, `train(..)` and
//! `proxy(..)`, and the dataset with its splits. Every problem is a diagnostic at the argument
//! that causes it.

use super::experiment::{boolean, call, error, lit_int, number, seconds, string};
use super::table::CostModel;
use super::train_eval::{TrainMetric, TrainSettings, SCHEDULES};
use crate::compile::catalog::NetworkSize;
use crate::syntax::ast::{Arg, Entry, ExprKind, Lit};
use crate::syntax::{Diagnostic, Span};
use crate::train::amp::Precision;
use crate::train::optim::Optim;
use crate::train::schedule::Decay;
use crate::train::trainer::TrainConfig;
use crate::trainfree::proxy::Proxy;

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
        /// How each architecture is trained.
        settings: TrainSettings,
        /// The reward (the objective's metric).
        reward: TrainMetric,
        /// The reported metric as written: `None` when not written (then `test_acc` for
        /// images, `test_ppl` for text), `Some(None)` for `report: none`.
        report: Option<Option<TrainMetric>>,
        /// Measure the report for every trial, not only for those best so far.
        report_all: bool,
        /// libtorch's CPU threads, if set.
        threads: Option<i32>,
        /// Train on the CPU even when a GPU is present.
        cpu: bool,
        /// Mixed precision of the forward passes (`precision: bf16`); `None`: float32.
        amp: Option<Precision>,
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

fn unknown(a: &Arg, what: &str, known: &str) -> Diagnostic {
    let name = a.name.as_ref().map_or("", |n| n.name.as_str());
    error(
        a.name.as_ref().map_or(a.span, |n| n.span),
        format!("`{what}` has no argument `{name}`"),
        &format!("its arguments are {known}"),
    )
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

/// Reads the `data` entry.
pub fn data(e: &Entry) -> Result<DataSpec, Diagnostic> {
    let ((name, name_span), args) = call(e)?;
    let canonical = name.replace('-', "_");
    if !["fashion_mnist", "mnist", "cifar10", "cifar100", "ptb"].contains(&canonical.as_str()) {
        return Err(error(
            name_span,
            format!("unknown data `{name}`"),
            "the datasets are fashion_mnist, mnist, cifar10, cifar100 and ptb",
        ));
    }
    let mut spec = DataSpec {
        name: canonical,
        dir: None,
        limit: None,
        valid: 0.2,
        test_limit: None,
        span: e.span,
    };
    for a in args {
        match named(a, "data")? {
            "dir" => spec.dir = Some(string(&a.value)?),
            "limit" => spec.limit = Some(positive(a)?),
            "test_limit" => spec.test_limit = Some(positive(a)?),
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
            _ => return Err(unknown(a, "data", "dir, limit, valid and test_limit")),
        }
    }
    Ok(spec)
}

/// Reads the `evaluate` entry; `metric` is the objective's.
pub fn evaluator(e: &Entry, metric: &str, metric_span: Span) -> Result<EvaluatorSpec, Diagnostic> {
    let ((name, name_span), args) = call(e)?;
    match name.as_str() {
        "table" => table(e, args, metric),
        "train" => train(e, args, metric, metric_span),
        "proxy" => proxy(e, args, metric, metric_span),
        _ => Err(error(
            name_span,
            format!("unknown evaluator `{name}`"),
            "the evaluators are table(file: ...), train(epochs: ...) and proxy(naswot)",
        )),
    }
}

fn table(e: &Entry, args: &[Arg], metric: &str) -> Result<EvaluatorSpec, Diagnostic> {
    let mut file = None;
    let mut key = "arch".to_string();
    let mut reward = None;
    let mut report = None;
    let mut cost = CostModel::Constant(0.0);
    let mut weights = Vec::new();
    let mut base = 0.0;
    for a in args {
        match named(a, "table")? {
            "file" => file = Some(string(&a.value)?),
            "key" => key = string(&a.value)?,
            "reward" => reward = Some(string(&a.value)?),
            "report" => report = Some(string(&a.value)?),
            "cost" => {
                cost = match &a.value.kind {
                    ExprKind::Lit(Lit::Str(s)) => CostModel::Column(s.clone()),
                    ExprKind::Lit(Lit::Duration { .. }) => CostModel::Constant(seconds(&a.value)?),
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
            _ => {
                return Err(unknown(
                    a,
                    "table",
                    "file, key, reward, report, cost, cost_base and op_cost",
                ))
            }
        }
    }
    if !weights.is_empty() {
        cost = CostModel::OpWeights { base, weights };
    }
    let file = file.ok_or_else(|| {
        error(
            e.span,
            "`table` needs a file",
            "write `table(file: \"nb201/nb201.csv\")`",
        )
    })?;
    Ok(EvaluatorSpec::Table {
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
        error(
            span,
            format!("`train` cannot {role} `{name}`"),
            &format!("the metrics of `train` are {}", TrainMetric::names()),
        )
    })
}

fn train(
    e: &Entry,
    args: &[Arg],
    metric: &str,
    metric_span: Span,
) -> Result<EvaluatorSpec, Diagnostic> {
    let mut config = TrainConfig {
        epochs: 1,
        decay: Decay::Cosine { min_lr: 0.0 },
        ..TrainConfig::default()
    };
    let mut schedule = "cosine".to_string();
    let mut size = NetworkSize::default();
    let mut report = None;
    let (mut threads, mut cpu, mut report_all, mut amp) = (None, false, false, None);
    for a in args {
        match named(a, "train")? {
            "epochs" => config.epochs = positive(a)? as usize,
            "steps" => config.max_steps = Some(positive(a)? as usize),
            "batch" => config.batch = positive(a)?,
            "lr" => config.lr = number(&a.value)?,
            "optimizer" => config.optim = optimizer(a, &mut config.lr)?,
            "schedule" => {
                schedule = string(&a.value)?;
                if !SCHEDULES.contains(&schedule.as_str()) {
                    return Err(error(
                        a.span,
                        format!("unknown schedule `{schedule}`"),
                        "the schedules are cosine, step and constant",
                    ));
                }
            }
            "warmup" => config.warmup_epochs = number(&a.value)?,
            "clip" => config.clip_grad_norm = Some(number(&a.value)?),
            "label_smoothing" => config.label_smoothing = number(&a.value)?,
            "crop_padding" => config.augment.crop_padding = lit_int(&a.value)?.max(0),
            "flip" => config.augment.flip = boolean(&a.value)?,
            "channels" => size.channels = Some(positive(a)?),
            "cells" => size.cells = Some(positive(a)? as usize),
            "threads" => threads = Some(positive(a)?.min(i64::from(i32::MAX)) as i32),
            "device" => cpu = device_is_cpu(a)?,
            "precision" => amp = precision(a)?,
            "report_all" => report_all = boolean(&a.value)?,
            "report" => {
                let name = string(&a.value)?;
                report = Some(if name == "none" {
                    None
                } else {
                    Some(metric_of(&name, a.span, "report")?)
                });
            }
            _ => return Err(unknown(
                a,
                "train",
                "epochs, steps, batch, lr, optimizer, schedule, warmup, clip, label_smoothing, \
                     crop_padding, flip, channels, cells, threads, device, precision, report and \
                     report_all",
            )),
        }
    }
    Ok(EvaluatorSpec::Train {
        settings: TrainSettings {
            config,
            schedule,
            size,
        },
        reward: metric_of(metric, metric_span, "measure")?,
        report,
        report_all,
        threads,
        cpu,
        amp,
        span: e.span,
    })
}

/// `precision: bf16` or `fp16` (mixed precision under autocast), or `fp32` (`None`).
fn precision(a: &Arg) -> Result<Option<Precision>, Diagnostic> {
    let name = string(&a.value)?;
    if name == "fp32" {
        return Ok(None);
    }
    Precision::parse(&name).map(Some).ok_or_else(|| {
        error(
            a.span,
            format!("unknown precision `{name}`"),
            "write `precision: bf16` (mixed precision, no loss scaling), `fp16` (with loss \
             scaling) or `fp32`",
        )
    })
}

/// `sgd(lr: .., momentum: .., nesterov: .., weight_decay: ..)` or `adamw(lr: .., beta1: ..,
/// beta2: .., weight_decay: ..)`; a learning rate given here replaces `lr`.
fn optimizer(a: &Arg, lr: &mut f64) -> Result<Optim, Diagnostic> {
    let ExprKind::Ref(r) = &a.value.kind else {
        return Err(error(
            a.value.span,
            "`optimizer` names an optimiser",
            "write `optimizer: sgd(lr: 0.1, momentum: 0.9)` or `optimizer: adamw(lr: 1e-3)`",
        ));
    };
    let mut optim = match r.name.name.as_str() {
        "sgd" => Optim::nb201_sgd(),
        "adamw" => Optim::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.01,
        },
        other => {
            return Err(error(
                r.name.span,
                format!("unknown optimizer `{other}`"),
                "the optimizers are sgd and adamw",
            ))
        }
    };
    for o in r.args.iter().flat_map(|x| &x.items) {
        let key = named(o, &r.name.name)?;
        match (&mut optim, key) {
            (_, "lr") => *lr = number(&o.value)?,
            (
                Optim::Sgd { weight_decay, .. } | Optim::AdamW { weight_decay, .. },
                "weight_decay",
            ) => *weight_decay = number(&o.value)?,
            (Optim::Sgd { momentum, .. }, "momentum") => *momentum = number(&o.value)?,
            (Optim::Sgd { nesterov, .. }, "nesterov") => *nesterov = boolean(&o.value)?,
            (Optim::AdamW { beta1, .. }, "beta1") => *beta1 = number(&o.value)?,
            (Optim::AdamW { beta2, .. }, "beta2") => *beta2 = number(&o.value)?,
            (Optim::Sgd { .. }, _) => {
                return Err(unknown(o, "sgd", "lr, momentum, nesterov and weight_decay"))
            }
            (Optim::AdamW { .. }, _) => {
                return Err(unknown(o, "adamw", "lr, beta1, beta2 and weight_decay"))
            }
        }
    }
    if let Optim::Sgd {
        momentum,
        nesterov: true,
        ..
    } = optim
    {
        if momentum <= 0.0 {
            return Err(error(
                a.value.span,
                "Nesterov momentum needs a momentum above 0 (sgd is Nesterov unless told)",
                "add `nesterov: false` for plain SGD, or give a positive `momentum`",
            ));
        }
    }
    Ok(optim)
}

fn proxy(
    e: &Entry,
    args: &[Arg],
    metric: &str,
    metric_span: Span,
) -> Result<EvaluatorSpec, Diagnostic> {
    let names = Proxy::ALL.map(Proxy::name).join(", ");
    let mut chosen = None;
    let (mut batch, mut ntk_batch) = (64, 32);
    let mut size = NetworkSize::default();
    let (mut file, mut key, mut report) = (None, "arch".to_string(), None);
    let (mut threads, mut cpu) = (1, false);
    for a in args {
        if a.name.is_none() {
            let name = string(&a.value)?;
            chosen = Some(Proxy::from_name(&name).ok_or_else(|| {
                error(
                    a.span,
                    format!("unknown proxy `{name}`"),
                    &format!("the proxies are {names}"),
                )
            })?);
            continue;
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
            _ => {
                return Err(unknown(
                    a,
                    "proxy",
                    "the proxy's name, batch, ntk_batch, channels, cells, table, key, report, \
                     threads and device",
                ))
            }
        }
    }
    let proxy = chosen.ok_or_else(|| {
        error(
            e.span,
            "`proxy` needs the proxy's name",
            &format!("write e.g. `proxy(naswot)`; the proxies are {names}"),
        )
    })?;
    if metric != proxy.name() {
        return Err(error(
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
            return Err(error(
                e.span,
                "`table` is named without a `report` column",
                "add `report: \"cifar10_test_200\"` (the column to report)",
            ))
        }
        (None, Some((_, span))) => {
            return Err(error(
                span,
                "`report` needs a `table` to read it from",
                "add `table: \"nb201/nb201.csv\"`",
            ))
        }
    };
    Ok(EvaluatorSpec::Proxy {
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
