//! Resource bounds (`where params < 5M`, `where flops < 300M`, on a space or an experiment):
//! a metric of the network an architecture builds, compared with a number. This crate has no
//! libtorch and cannot build networks, so a space's bounds are checked through a [`Measure`]
//! the engine installs ([`Space::with_measure`]); sampling, mutation, crossover, neighbours,
//! enumeration and counting honour them once it is there, and refuse to run without it.

use super::arch::Architecture;
use super::constraint::Cmp;
use super::error::SpaceError;
use super::ir::Space;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Lit, Res};
use crate::syntax::builtin::Metric;
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, Span};
use std::sync::Arc;

/// A metric nas computes from an architecture without training it, for every evaluator: the
/// network is built (not trained) and counted or timed, once per architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchMetric {
    /// Trainable parameters (the compiler's count, equal to PyTorch's).
    Params,
    /// Multiply–accumulates of a forward pass on one example (NAS-Bench-201's "FLOPs").
    Flops,
    /// Milliseconds of a forward pass on one example on the current device (inference mode,
    /// the median of timed passes after untimed ones).
    Latency,
    /// Milliseconds as the per-op latency table predicts them: the sum over the ops the
    /// architecture chooses of each one's latency timed alone where it runs (the table
    /// ProxylessNAS and FBNet search with; the fixed layers have no row in it).
    LatencyLut,
}

impl ArchMetric {
    /// Every metric, by name.
    pub const ALL: [(&'static str, ArchMetric); 4] = [
        ("params", ArchMetric::Params),
        ("flops", ArchMetric::Flops),
        ("latency", ArchMetric::Latency),
        ("latency_lut", ArchMetric::LatencyLut),
    ];

    /// The metric called `name`.
    pub fn from_name(name: &str) -> Option<ArchMetric> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
    }

    /// The metric's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("params", |(n, _)| n)
    }

    /// Whether the metric is a time in milliseconds (rather than a count).
    pub fn is_time(self) -> bool {
        matches!(self, ArchMetric::Latency | ArchMetric::LatencyLut)
    }

    /// The names, for messages.
    pub fn names() -> String {
        Self::ALL.map(|(n, _)| n).join(", ")
    }
}

/// `metric cmp bound`: an architecture meets it when its network's metric compares so.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceBound {
    /// What is measured.
    pub metric: ArchMetric,
    /// The comparison.
    pub cmp: Cmp,
    /// The number compared with (`5M` is 5,000,000).
    pub bound: f64,
    /// How it was written (`params < 5M`).
    pub text: String,
}

impl ResourceBound {
    /// Whether `value` of the metric meets the bound.
    pub fn holds(&self, value: f64) -> bool {
        match self.cmp {
            Cmp::Lt => value < self.bound,
            Cmp::Le => value <= self.bound,
            Cmp::Gt => value > self.bound,
            Cmp::Ge => value >= self.bound,
            Cmp::Eq => value == self.bound,
            Cmp::Ne => value != self.bound,
        }
    }

    /// Reads `expr` (the comparison of a `where`, written as `text`): a metric of
    /// [`ArchMetric`] on the left, a plain or `k`/`M`/`G` number on the right.
    pub fn read(expr: &Expr, text: &str) -> Result<ResourceBound, Diagnostic> {
        let example = "write e.g. `where params < 5M` or `where flops <= 300M`";
        let ExprKind::Binary { op, lhs, rhs } = &expr.kind else {
            return Err(bad(expr.span, "a resource bound is a comparison", example));
        };
        let cmp = match op {
            BinOp::Lt => Cmp::Lt,
            BinOp::Le => Cmp::Le,
            BinOp::Gt => Cmp::Gt,
            BinOp::Ge => Cmp::Ge,
            BinOp::Eq => Cmp::Eq,
            BinOp::Ne => Cmp::Ne,
            _ => return Err(bad(expr.span, "a resource bound is a comparison", example)),
        };
        let metric = metric_of(lhs)?;
        let bound = match &rhs.kind {
            ExprKind::Lit(lit @ (Lit::Int { .. } | Lit::Float { .. })) => {
                lit.number_value().unwrap_or_default()
            }
            ExprKind::Lit(Lit::Duration { .. }) if metric.is_time() => {
                return Err(bad(
                    rhs.span,
                    format!("`{}` is in milliseconds", metric.name()),
                    "write the milliseconds as a plain number: `where latency < 20`",
                ))
            }
            ExprKind::Lit(Lit::Duration { .. }) => {
                return Err(bad(
                    rhs.span,
                    format!("`{}` counts, it is not a duration", metric.name()),
                    "write a plain number with an optional magnitude: `5M`, `300k`, `1.5G`",
                ))
            }
            _ if metric_of(rhs).is_ok() => {
                return Err(bad(
                    expr.span,
                    "the metric goes on the left of a resource bound",
                    "write e.g. `where params < 5M`",
                ))
            }
            _ => {
                return Err(bad(
                    rhs.span,
                    "a resource bound compares with a number",
                    "write a plain number with an optional magnitude: `5M`, `300k`, `1.5G`",
                ))
            }
        };
        if bound < 0.0 {
            return Err(bad(
                rhs.span,
                "a resource bound is not negative",
                "counts of weights and FLOPs, and latencies, are at least 0",
            ));
        }
        Ok(ResourceBound {
            metric,
            cmp,
            bound,
            text: text.to_string(),
        })
    }
}

/// The metric a bound's left side names.
fn metric_of(lhs: &Expr) -> Result<ArchMetric, Diagnostic> {
    let hint = format!("the metrics a bound can name are: {}", ArchMetric::names());
    let ExprKind::Ref(r) = &lhs.kind else {
        return Err(bad(
            lhs.span,
            "a resource bound names a metric on its left",
            &hint,
        ));
    };
    let name = r.name.name.as_str();
    match (ArchMetric::from_name(name), r.res) {
        (Some(m), _) => Ok(m),
        (None, Res::Metric(Metric::Edges | Metric::Nodes | Metric::Connected)) => Err(bad(
            lhs.span,
            format!("`{name}` is a cell's metric: bound it in the cell's own `where`"),
            &hint,
        )),
        (None, _) => {
            let hint = match did_you_mean(name, ArchMetric::ALL.map(|(n, _)| n)) {
                Some(s) => format!("did you mean `{s}`? {hint}"),
                None => hint,
            };
            Err(bad(
                lhs.span,
                format!("`{name}` is not a metric nas measures without training"),
                &hint,
            ))
        }
    }
}

fn bad(span: Span, message: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::error("constraint", message, span, "here").with_hint(hint)
}

/// Measures an architecture's network; the engine's implementation builds it (without
/// training) and counts, caching per architecture.
pub trait Measure: Send + Sync {
    /// `metric` of `arch`'s network, or why it cannot be built.
    fn measure(&self, metric: ArchMetric, arch: &Architecture) -> Result<f64, String>;
}

/// Most architectures whose networks one random operation (sample, mutate, crossover) builds
/// and measures before it gives up on the resource bounds.
pub const RESOURCE_TRIES: usize = 500;

/// Most architectures counting or enumerating under a resource bound builds and measures.
pub const RESOURCE_COUNT_LIMIT: u128 = 20_000;

/// The resource bounds of a space and what measures them.
#[derive(Clone, Default)]
pub(crate) struct Resources {
    pub(crate) bounds: Vec<ResourceBound>,
    pub(crate) measure: Option<Arc<dyn Measure>>,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources")
            .field("bounds", &self.bounds)
            .field("measured", &self.measure.is_some())
            .finish()
    }
}

/// The range of each bounded metric over the architectures a failed search measured, for
/// the message that says why it failed.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    tried: usize,
    ranges: Vec<Option<(f64, f64)>>,
    broken: Option<String>,
}

impl Seen {
    /// Whether another architecture may be measured.
    pub(crate) fn more(&self) -> bool {
        self.tried < RESOURCE_TRIES
    }
}

impl Space {
    /// The space with these resource bounds added to its own (an experiment's `where`).
    pub fn with_resource_bounds(mut self, bounds: Vec<ResourceBound>) -> Space {
        self.resources_mut().bounds.extend(bounds);
        self
    }

    /// The space with `measure` checking its resource bounds.
    pub fn with_measure(mut self, measure: Arc<dyn Measure>) -> Space {
        self.resources_mut().measure = Some(measure);
        self
    }

    /// The resource bounds (`where params < 5M`).
    pub fn resource_bounds(&self) -> &[ResourceBound] {
        &self.resources().bounds
    }

    /// Whether `arch` meets the constraints and the resource bounds (measuring it; without
    /// a measure, a space with bounds admits nothing).
    pub fn admits(&self, arch: &Architecture) -> bool {
        self.satisfies(arch) && self.meets_bounds(arch, &mut Seen::default())
    }

    /// Why `arch` breaks a resource bound (`params = 5,123,456 breaks params < 5M`), if it
    /// does; an error when it cannot be measured.
    pub fn resource_breach(&self, arch: &Architecture) -> Result<Option<String>, SpaceError> {
        let Some(measure) = &self.resources().measure else {
            // No measure: an error when there are bounds, else nothing to break.
            self.ready()?;
            return Ok(None);
        };
        for b in self.resource_bounds() {
            let v = measure.measure(b.metric, arch).map_err(|e| {
                SpaceError::unsupported(e, "check the architecture with `nas params`")
            })?;
            if !b.holds(v) {
                return Ok(Some(format!(
                    "{} = {} breaks `{}`",
                    b.metric.name(),
                    v,
                    b.text
                )));
            }
        }
        Ok(None)
    }

    /// An error when the space has resource bounds and nothing to measure them.
    pub(crate) fn ready(&self) -> Result<(), SpaceError> {
        let r = self.resources();
        match (r.bounds.first(), &r.measure) {
            (Some(b), None) => Err(SpaceError::unsupported(
                format!(
                    "`{}` is bounded by `where {}`, which needs its networks built to measure",
                    self.name(),
                    b.text
                ),
                "this runs in the engine (`nas run`, `nas count`, `nas sample`), which builds them",
            )),
            _ => Ok(()),
        }
    }

    /// Whether `arch` meets every resource bound, recording what was measured in `seen`.
    pub(crate) fn meets_bounds(&self, arch: &Architecture, seen: &mut Seen) -> bool {
        let r = self.resources();
        if r.bounds.is_empty() {
            return true;
        }
        let Some(measure) = &r.measure else {
            return false;
        };
        seen.tried += 1;
        seen.ranges.resize(r.bounds.len(), None);
        let mut ok = true;
        for (i, b) in r.bounds.iter().enumerate() {
            match measure.measure(b.metric, arch) {
                Ok(v) => {
                    let range = seen.ranges[i].get_or_insert((v, v));
                    *range = (range.0.min(v), range.1.max(v));
                    ok &= b.holds(v);
                }
                Err(e) => {
                    seen.broken.get_or_insert(e);
                    return false;
                }
            }
        }
        ok
    }

    /// The error of a random operation that measured `seen` without meeting the bounds.
    pub(crate) fn unmet_bounds(&self, what: &str, seen: &Seen) -> SpaceError {
        let ranges: Vec<String> = self
            .resource_bounds()
            .iter()
            .zip(&seen.ranges)
            .filter_map(|(b, r)| {
                r.map(|(lo, hi)| format!("{} from {} to {}", b.metric.name(), lo, hi))
            })
            .collect();
        let bounds: Vec<String> = self
            .resource_bounds()
            .iter()
            .map(|b| format!("`where {}`", b.text))
            .collect();
        let mut message = format!(
            "could not {what} an architecture of `{}` that meets {} in {} measured tries",
            self.name(),
            bounds.join(" and "),
            seen.tried
        );
        if !ranges.is_empty() {
            message.push_str(&format!(" (those tried had {})", ranges.join("; ")));
        }
        if let Some(e) = &seen.broken {
            message.push_str(&format!("; a network could not be measured: {e}"));
        }
        SpaceError::unsupported(
            message,
            "loosen the bound past the range tried, or narrow the space's choices toward smaller networks (`nas count` says how many meet it in a small space)",
        )
    }
}
