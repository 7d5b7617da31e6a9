//! From a `.nas` file to a runnable experiment: check the program, read its experiment,
//! lower its space, load its evaluator and strategy, and fingerprint the whole for the trial
//! store. Every failure is a diagnostic with the sources to render it.

use super::experiment::{self, ExperimentSpec};
use super::host::Limits;
use super::runner::RunConfig;
use crate::syntax::ast::ExprKind;
use crate::syntax::{Diagnostic, SourceMap, Span};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Command-line choices that override the experiment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Which experiment of the file (default: the first).
    pub experiment: Option<String>,
    /// Another strategy, with its arguments as an experiment writes them
    /// (`evolution(population: 3)`); without arguments, the experiment's own are kept only
    /// when it names the same strategy.
    pub strategy: Option<String>,
    /// Parallel workers.
    pub workers: Option<usize>,
    /// Whether trained trials hand back no weights, so that the run keeps none.
    pub no_weights: bool,
    /// The only folders the evaluator may read data from (a worker's data folders): any
    /// other path the experiment names is refused before it is read.
    pub confine: Option<Vec<PathBuf>>,
    /// The device trials train on, over the experiment's `device:` setting (a worker's
    /// `--device`); not part of the fingerprint, as where a trial runs is not what it is.
    pub device: Option<tch::Device>,
}

/// A runnable experiment.
pub struct Prepared {
    /// The experiment as written.
    pub spec: ExperimentSpec,
    /// What the runner needs.
    pub config: RunConfig,
    /// A digest of everything that changes results, for the trial store's header.
    pub fingerprint: String,
    /// The name of the reported metric, when the evaluator has one.
    pub report: Option<String>,
    /// The program's files as they were read (for workers in other processes).
    pub sources: SourceMap,
}

/// Why an experiment cannot run: diagnostics and the sources they point into.
#[derive(Debug)]
pub struct PrepareError {
    /// The problems.
    pub diagnostics: Vec<Diagnostic>,
    /// The sources.
    pub sources: SourceMap,
}

impl PrepareError {
    /// Renders every diagnostic.
    pub fn render(&self, color: bool) -> String {
        crate::syntax::diagnostic::render_all(&self.diagnostics, &self.sources, color)
    }
}

pub use nas_lang::experiment::table_path;

/// Checks and prepares the experiment in `path`.
pub fn prepare(path: &Path, overrides: &Overrides) -> Result<Prepared, PrepareError> {
    let program = crate::check::check_file(path).map_err(|e| PrepareError {
        diagnostics: vec![super::runner::run_diagnostic(
            "io",
            format!("cannot read {}: {e}", path.display()),
            "check the path",
        )],
        sources: SourceMap::new(),
    })?;
    prepare_program(path, program, overrides)
}

/// Prepares the experiment of `program`, checked already, whose main file is `path` (a
/// worker's program is checked from the files its driver left, its imports read from
/// nowhere else).
pub fn prepare_program(
    path: &Path,
    mut program: crate::check::Program,
    overrides: &Overrides,
) -> Result<Prepared, PrepareError> {
    if program.has_errors() {
        return Err(PrepareError {
            diagnostics: program.diagnostics.clone(),
            sources: program.sources.clone(),
        });
    }
    let spec = experiment::read(&mut program, overrides.experiment.as_deref());
    let mut spec = spec.map_err(|diagnostics| PrepareError {
        diagnostics,
        sources: program.sources.clone(),
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(text) = &overrides.strategy {
        let (script, params) =
            strategy_override(text, &spec, &dir, &mut program.sources).map_err(|diagnostics| {
                PrepareError {
                    diagnostics,
                    sources: program.sources.clone(),
                }
            })?;
        spec.script = script;
        spec.params = params;
    }
    let fail = |d: Diagnostic| PrepareError {
        diagnostics: vec![d],
        sources: program.sources.clone(),
    };
    // Settings searched by the evaluator are decisions of every trial, after the space's own.
    let settings = match &spec.evaluator {
        experiment::EvaluatorSpec::Train { searched, span, .. } => (searched.decisions(), *span),
        _ => (Vec::new(), spec.span),
    };
    let lower = |args: &[(String, i64)]| {
        let space = crate::space::lower_space_with(&program, &spec.space.0, args).map_err(|d| {
            if d.primary_span().is_some() {
                d
            } else {
                Diagnostic::error(
                    "experiment",
                    format!("cannot lower space `{}`", spec.space.0),
                    spec.space.1,
                    "this space",
                )
                .with_note(d.message.clone())
            }
        })?;
        space.with_decisions(settings.0.clone()).map_err(|e| {
            Diagnostic::error(
                "experiment",
                format!("the searched settings cannot join space `{}`", spec.space.0),
                settings.1,
                "these settings",
            )
            .with_note(e.to_string())
            .with_hint(
                "a decision of the space is named like a searched setting (`train.KEY`): rename it",
            )
        })
    };
    let space = lower(&spec.space_args).map_err(fail)?;
    // Where the space came from, so that a strategy can lower it again at another size
    // (`ctx.supernet(#{channels: 8, cells: 1})`), as the evaluator does with `lower`.
    let space = match space.skeleton().origin {
        Some(_) => space,
        None => {
            let mut skeleton = space.skeleton().clone();
            skeleton.origin = Some(format!("{}:{}", path.display(), spec.space.0));
            space.with_skeleton(skeleton)
        }
    };
    let space = Arc::new(space);
    let workers = overrides.workers.or(spec.workers).unwrap_or(1).max(1);
    let source = super::load_eval::SpaceSource {
        searched: &space,
        args: &spec.space_args,
        span: spec.space.1,
        lower: &lower,
    };
    if let Some(roots) = &overrides.confine {
        super::load_eval::confine(&spec.evaluator, spec.data.as_ref(), &dir, roots)
            .map_err(fail)?;
    }
    // A formula's reward is not the evaluator's metric, so the evaluator cannot tell which
    // trial is best so far: every trial gets its report measured.
    if spec.formula.is_some() {
        if let experiment::EvaluatorSpec::Train { report_all, .. } = &mut spec.evaluator {
            *report_all = true;
        }
    }
    let loaded = super::load_eval::load(
        &spec.evaluator,
        spec.data.as_ref(),
        &dir,
        &source,
        (workers, overrides.device),
        spec.seed.unwrap_or(0),
        (spec.maximize, !overrides.no_weights),
    )
    .map_err(fail)?;
    let (evaluator, report, evaluator_text) = (loaded.evaluator, loaded.report, loaded.identity);
    let (script, params) = (spec.script.clone(), spec.params.clone());
    // A single-objective run's fingerprint is what it was before there were several.
    let extra = match spec.extra_objectives.is_empty() {
        true => String::new(),
        false => format!("|{:?}", spec.extra_objectives),
    };
    let extra = match spec.latency_batch {
        1 => extra,
        batch => format!("{extra}|latency batch {batch}"),
    };
    let extra = match &spec.formula {
        Some(formula) => format!("{extra}|formula {}", formula.text()),
        None => extra,
    };
    let fingerprint = digest(&format!(
        "{:?}|{:?}|{}|{}|{}|{params:?}|{:?}|{}|{workers}{extra}",
        space.decisions(),
        spec.space_args,
        evaluator_text,
        script.name,
        script.source,
        spec.budget,
        spec.maximize
    ));
    // A bounded run's fingerprint also names its bounds, the space's and the experiment's.
    let bounds = match space.resource_bounds().is_empty() && spec.bounds.is_empty() {
        true => String::new(),
        false => format!("|{:?}|{:?}", space.resource_bounds(), spec.bounds),
    };
    let fingerprint = match bounds.is_empty() {
        true => fingerprint,
        false => digest(&format!("{fingerprint}{bounds}")),
    };
    // One counter answers the objectives after the first and the resource bounds.
    let counter = Arc::new(super::arch_metrics::Counter::new(
        loaded.scored,
        Arc::clone(&space),
        spec.latency_batch,
    ));
    let objectives = (!spec.extra_objectives.is_empty() || spec.formula.is_some()).then(|| {
        Arc::new(super::arch_metrics::Objectives::new(
            Arc::clone(&counter),
            spec.extra_objectives.clone(),
            spec.formula.clone(),
        ))
    });
    let space = match space.resource_bounds().is_empty() && spec.bounds.is_empty() {
        true => space,
        false => Arc::new(
            (*space)
                .clone()
                .with_resource_bounds(spec.bounds.clone())
                .with_measure(counter),
        ),
    };
    let config = RunConfig {
        space,
        evaluator,
        strategy: script,
        params,
        budget: spec.budget,
        maximize: spec.maximize,
        objectives,
        workers,
        limits: Limits::default(),
        data: spec
            .data
            .clone()
            .map(|spec| super::load_eval::SearchData { spec, dir }),
    };
    Ok(Prepared {
        spec,
        config,
        fingerprint,
        report,
        sources: program.sources.clone(),
    })
}

/// A 64-bit FNV-1a digest of `text`, in hex.
pub fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The strategy `nas run --strategy TEXT` names: `NAME`, `NAME(key: value, ..)` or a `.rhai`
/// file (with or without arguments), the arguments written as in an experiment and checked
/// against what the script declares, with diagnostics pointing into TEXT (added to
/// `sources`). Without arguments, the experiment's own are kept when it names the same
/// strategy.
fn strategy_override(
    text: &str,
    spec: &ExperimentSpec,
    dir: &Path,
    sources: &mut SourceMap,
) -> Result<experiment::BoundStrategy, Vec<Diagnostic>> {
    let file = sources.add("--strategy", text);
    let (head, args_text) = text.split_at(text.find('(').unwrap_or(text.len()));
    let name = head.trim();
    let lead = head.len() - head.trim_start().len();
    let span = Span::new(file, lead..lead + name.len());
    if name.is_empty() {
        return Err(vec![Diagnostic::error(
            "syntax",
            "`--strategy` needs a strategy's name",
            Span::new(file, 0..text.len()),
            "no name",
        )
        .with_hint(
            "write e.g. `--strategy evolution` or `--strategy \"evolution(population: 3)\"`",
        )]);
    }
    if args_text.is_empty() && name == spec.strategy.0 {
        return Ok((spec.script.clone(), spec.params.clone()));
    }
    let args = if args_text.is_empty() {
        Vec::new()
    } else {
        // The arguments are parsed as the language parses a call; the name (which may be a
        // path) is stood in for by as many `x`s, so that spans stay those of TEXT.
        let call = format!("{}{args_text}", "x".repeat(head.len()));
        match crate::syntax::parse_expr(file, &call)?.kind {
            ExprKind::Ref(r) => r.args.map(|a| a.items).unwrap_or_default(),
            _ => {
                return Err(vec![Diagnostic::error(
                    "syntax",
                    "`--strategy` takes a name and its arguments",
                    Span::new(file, 0..text.len()),
                    "not a call",
                )
                .with_hint("write e.g. `--strategy \"evolution(population: 3)\"`")])
            }
        }
    };
    let mut problems = Vec::new();
    experiment::bind_strategy(name, span, &args, dir, sources, &mut problems).ok_or(problems)
}
