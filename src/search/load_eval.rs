//! From an experiment's `evaluate` and `data` entries to a loaded evaluator: the table read,
//! or the dataset read and split, the device chosen and the proxies' inputs drawn.

use super::arch_metrics::ScoredNetwork;
use super::eval_spec::{DataSpec, EvaluatorSpec};
use super::evaluator::Evaluator;
use super::load_lm::{first_tokens, load_lm, read_corpus, LmSpec};
use super::prepare::{digest, table_path};
use super::proxy_eval::ProxyEvaluator;
use super::table::{CostModel, TableConfig, TableEvaluator};
use super::train_eval::{Splits, TrainData, TrainEvaluator, TrainMetric};
use super::trial_guard::ReportWhen;
use crate::compile::catalog::{space_args, NetworkSize};
use crate::space::{InputShape, Space};
use crate::syntax::{Diagnostic, Span};
use crate::train::device::Runtime;
use crate::train::{named, ImageSet};
use crate::trainfree::inputs::proxy_data;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tch::{Device, Tensor};

/// A loaded evaluator, the name of what it reports, and a text that changes whenever its
/// results would (for the trial store's fingerprint).
pub struct Loaded {
    /// The evaluator.
    pub evaluator: Arc<dyn Evaluator>,
    /// The reported metric's name, if any.
    pub report: Option<String>,
    /// What identifies the evaluator's results.
    pub identity: String,
    /// The network it scores each architecture as, which the objectives computed without
    /// training count.
    pub scored: ScoredNetwork,
}

/// `space` on the data's images (`image`: channels, height, width), else on the input it
/// declares (a table's networks are the space's own).
pub(crate) fn scored(space: &Arc<Space>, image: Option<[i64; 3]>) -> ScoredNetwork {
    let declared = space.skeleton().input.clone();
    let input = match (image, declared) {
        (None, Some(input)) => input,
        (image, _) => InputShape {
            kind: "image".to_string(),
            dims: image.unwrap_or([3, 32, 32]).to_vec(),
        },
    };
    ScoredNetwork {
        space: Arc::clone(space),
        input,
    }
}

/// Lowers the experiment's space with the given arguments.
pub type LowerWith<'a> = dyn Fn(&[(String, i64)]) -> Result<Space, Diagnostic> + 'a;

/// The space an experiment searches, and how to lower it again with other arguments (a
/// network trained at another size than the space's defaults).
pub struct SpaceSource<'a> {
    /// The space as searched.
    pub searched: &'a Arc<Space>,
    /// The arguments it was lowered with.
    pub args: &'a [(String, i64)],
    /// Where the experiment names it.
    pub span: Span,
    /// Lowers it with other arguments.
    pub lower: &'a LowerWith<'a>,
}

impl SpaceSource<'_> {
    /// The space lowered at `size` (channels, cells) for data of `classes` classes: the
    /// searched space itself when that changes nothing.
    fn sized(&self, size: NetworkSize, classes: i64) -> Result<Arc<Space>, Diagnostic> {
        let has_classes = self
            .searched
            .skeleton()
            .args
            .iter()
            .any(|(n, _)| n == "classes");
        let wanted = NetworkSize {
            classes: has_classes.then_some(classes),
            in_channels: None,
            ..size
        };
        let wanted = space_args(self.searched, wanted).map_err(|e| {
            Diagnostic::error("evaluator", e.to_string(), self.span, "this space")
                .with_hint("name the space's own parameters: `space nb201(c: 8, n: 1)`")
        })?;
        self.lowered_with(wanted)
    }

    /// The space lowered with its arguments and `wanted` (which take precedence): the
    /// searched space itself when that changes nothing.
    pub(super) fn lowered_with(
        &self,
        wanted: Vec<(String, i64)>,
    ) -> Result<Arc<Space>, Diagnostic> {
        let mut args: Vec<(String, i64)> = self
            .args
            .iter()
            .filter(|(n, _)| !wanted.iter().any(|(w, _)| w == n))
            .cloned()
            .collect();
        args.extend(wanted);
        let same = args.len() == self.args.len() && args.iter().all(|a| self.args.contains(a));
        if same {
            return Ok(Arc::clone(self.searched));
        }
        // Lowered again from the program, it keeps where the searched space came from.
        let lowered = (self.lower)(&args)?;
        let mut skeleton = lowered.skeleton().clone();
        skeleton.origin = self.searched.skeleton().origin.clone();
        Ok(Arc::new(lowered.with_skeleton(skeleton)))
    }
}

/// Loads the evaluator `spec` of an experiment in `dir` searching `space`, with its `data`,
/// run by `workers` parallel workers, training on `device` when one is given (a worker's
/// `--device`, over the `device:` setting); trials are seeded from `seed`; `maximize` is the
/// objective's direction; `keep_weights` has training evaluators hand back each trial's
/// trained weights.
pub fn load(
    spec: &EvaluatorSpec,
    data: Option<&DataSpec>,
    dir: &Path,
    space: &SpaceSource<'_>,
    (workers, device): (usize, Option<Device>),
    seed: u64,
    (maximize, keep_weights): (bool, bool),
) -> Result<Loaded, Diagnostic> {
    let identity = format!("{spec:?}|{data:?}|{seed}");
    match spec {
        EvaluatorSpec::Table {
            file,
            key,
            reward,
            report,
            cost,
            span,
        } => {
            let config = TableConfig {
                key: key.clone(),
                reward: reward.clone(),
                report: report.clone(),
                cost: cost.clone(),
            };
            let (table, text) = read_table(file, dir, &config, *span)?;
            Ok(Loaded {
                scored: scored(space.searched, None),
                evaluator: Arc::new(table),
                report: report.clone(),
                identity: format!("{identity}|{}", digest(&text)),
            })
        }
        EvaluatorSpec::Train {
            settings,
            searched,
            reward,
            report,
            report_all,
            ..
        } => {
            let data = need_data(data)?;
            if data.name == "ptb" {
                let lm = LmSpec {
                    settings,
                    searched,
                    reward: *reward,
                    report: *report,
                    report_all: *report_all,
                    keep_weights,
                    device,
                };
                set_threads(settings.threads, workers, on_cpu(settings.cpu, device));
                return load_lm(&lm, data, dir, space, (seed, maximize), identity);
            }
            let report = report.unwrap_or(Some(TrainMetric::TestAcc));
            let splits = splits(data, dir, seed)?;
            let built = space.sized(settings.size, splits.train.classes)?;
            set_threads(settings.threads, workers, on_cpu(settings.cpu, device));
            let runtime = match device {
                Some(device) => Runtime {
                    device,
                    channels_last: true,
                    amp: settings.amp,
                },
                None if settings.cpu => Runtime {
                    channels_last: true,
                    amp: settings.amp,
                    ..Runtime::cpu()
                },
                None => Runtime::detect(settings.amp, None),
            };
            let report_name = report.map(TrainMetric::name).map(str::to_string);
            Ok(Loaded {
                scored: scored(&built, Some(splits.train.image_shape())),
                evaluator: Arc::new(
                    TrainEvaluator::new(
                        built,
                        TrainData::Images(Mutex::new(splits)),
                        *settings,
                        runtime,
                        (
                            *reward,
                            report,
                            if *report_all {
                                ReportWhen::All
                            } else {
                                ReportWhen::Best(maximize)
                            },
                        ),
                        seed,
                    )
                    .keeping_weights(keep_weights)
                    .searching(searched.clone()),
                ),
                report: report_name,
                identity,
            })
        }
        EvaluatorSpec::Proxy {
            proxy,
            batch,
            ntk_batch,
            size,
            table,
            threads,
            cpu,
            span,
        } => {
            tch::set_num_threads(*threads);
            let data = need_data(data)?;
            let (train, _) = read_images(data, dir)?;
            let train = resized(
                match data.limit {
                    Some(n) => train.take(n),
                    None => train,
                },
                data,
            )?;
            let device = match device {
                Some(device) => device,
                None if *cpu => Device::Cpu,
                None => Device::cuda_if_available(),
            };
            let inputs = proxy_data(&train, *batch, *ntk_batch, seed, false)
                .and_then(|d| d.on(device))
                .map_err(|e| Diagnostic::error("evaluator", e, data.span, "this data"))?;
            let (report, identity) = match table {
                Some((file, key, column)) => {
                    let config = TableConfig {
                        key: key.clone(),
                        reward: column.clone(),
                        report: None,
                        cost: CostModel::Constant(0.0),
                    };
                    let (t, text) = read_table(file, dir, &config, *span)?;
                    (Some(t), format!("{identity}|{}", digest(&text)))
                }
                None => (None, identity),
            };
            let built = space.sized(*size, train.classes)?;
            let size = NetworkSize {
                in_channels: Some(train.image_shape()[0]),
                ..NetworkSize::default()
            };
            Ok(Loaded {
                scored: scored(&built, Some(train.image_shape())),
                evaluator: Arc::new(ProxyEvaluator::new(
                    built, *proxy, inputs, size, report, seed,
                )),
                report: table.as_ref().map(|(_, _, column)| column.clone()),
                identity,
            })
        }
    }
}

pub(super) fn need_data(data: Option<&DataSpec>) -> Result<&DataSpec, Diagnostic> {
    data.ok_or_else(|| {
        Diagnostic::error(
            "experiment",
            "this evaluator needs a `data` entry",
            Span::default(),
            "here",
        )
        .with_hint("add `data fashion_mnist(limit: 6000, valid: 0.2)`")
    })
}

/// The experiment's `data` entry and the folder its paths are relative to: what one-shot
/// searches (`ctx.supernet`, `ctx.pruned_supernet`) train and score on, as every evaluator
/// does.
#[derive(Debug, Clone)]
pub struct SearchData {
    /// The entry.
    pub spec: DataSpec,
    /// The experiment's folder.
    pub dir: PathBuf,
}

impl SearchData {
    /// The training examples of the entry's image set: its first `limit`, resized as it says
    /// (the entry's `valid` and test split belong to the evaluator). Errors are one line
    /// with a hint.
    pub fn training_images(&self) -> Result<ImageSet, String> {
        let text = |d: Diagnostic| match d.hint {
            Some(h) => format!("{}\n  hint: {h}", d.message),
            None => d.message,
        };
        if self.spec.name == "ptb" {
            return Err(format!(
                "`data {}` is text; a supernet trains on images\n  hint: name an image set in the experiment's `data` (fashion_mnist, mnist, cifar10, cifar100)",
                self.spec.name
            ));
        }
        let (train, _) = read_images(&self.spec, &self.dir).map_err(text)?;
        let train = match self.spec.limit {
            Some(n) => train.take(n),
            None => train,
        };
        resized(train, &self.spec).map_err(text)
    }

    /// The token ids a language model's one-shot search trains and scores on: the first
    /// `limit` tokens of the entry's corpus's training split (its validation and test splits
    /// belong to the evaluator), one flat `[N]` tensor, and the size of its vocabulary.
    /// Errors are one line with a hint.
    pub fn search_tokens(&self) -> Result<(Tensor, i64), String> {
        if self.spec.name != "ptb" {
            return Err(format!(
                "`data {}` is images; a language model's supernet trains on text\n  hint: name a corpus in the experiment's `data` (ptb)",
                self.spec.name
            ));
        }
        let corpus = read_corpus(&self.spec, &self.dir).map_err(|d| match d.hint {
            Some(h) => format!("{}\n  hint: {h}", d.message),
            None => d.message,
        })?;
        Ok((
            first_tokens(&corpus.train, self.spec.limit),
            corpus.vocab.len() as i64,
        ))
    }
}

fn read_table(
    file: &str,
    dir: &Path,
    config: &TableConfig,
    span: Span,
) -> Result<(TableEvaluator, String), Diagnostic> {
    let at = table_path(file, dir);
    let text = crate::paths::read_data_text(&at).map_err(|e| {
        Diagnostic::error(
            "evaluator",
            format!("cannot read table {}: {e}", at.display()),
            span,
            "this table",
        )
        .with_hint(
            "paths are relative to the experiment's folder, then to the project's data folder (`data/`, or NAS_DATA)",
        )
    })?;
    let table = TableEvaluator::from_csv(&text, config).map_err(|e| {
        Diagnostic::error(
            "evaluator",
            format!("table {}: {e}", at.display()),
            span,
            "this table",
        )
        .with_hint("the reward column defaults to the objective's metric; name it with `reward:`")
    })?;
    Ok((table, text))
}

/// The folder `data`'s `dir` names, for an experiment in `dir` (absolute, or relative to
/// the experiment's folder); `None`: nas's own data folder for that dataset.
pub(super) fn data_folder(data: &DataSpec, dir: &Path) -> Option<PathBuf> {
    data.dir.as_ref().map(|d| {
        let p = PathBuf::from(d);
        if p.is_absolute() {
            p
        } else {
            dir.join(p)
        }
    })
}

/// Refuses an experiment (in `dir`) whose evaluator would read a file or folder outside
/// `roots` (a worker's data folders), before anything is read: the table's file, the
/// `data` entry's `dir`. A `data` entry without `dir` reads nas's own data folders.
pub fn confine(
    spec: &EvaluatorSpec,
    data: Option<&DataSpec>,
    dir: &Path,
    roots: &[PathBuf],
) -> Result<(), Diagnostic> {
    let mut read: Vec<(PathBuf, Span)> = Vec::new();
    if let EvaluatorSpec::Table { file, span, .. } = spec {
        let at = table_path(file, dir);
        read.push((crate::paths::existing_data_file(&at).unwrap_or(at), *span));
    }
    if let Some(data) = data {
        read.extend(data_folder(data, dir).map(|f| (f, data.span)));
    }
    let roots: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    for (path, span) in read {
        let inside = path
            .canonicalize()
            .is_ok_and(|real| roots.iter().any(|root| real.starts_with(root)));
        if !inside {
            let shown: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
            return Err(Diagnostic::error(
                "evaluator",
                format!(
                    "{} is not in this worker's data folders ({})",
                    path.display(),
                    shown.join(", ")
                ),
                span,
                "read here",
            )
            .with_hint("a worker reads data only under its data folders: `nas worker --data DIR` (default: NAS_DATA, or the project's data/)"));
        }
    }
    Ok(())
}

fn read_images(data: &DataSpec, dir: &Path) -> Result<(ImageSet, ImageSet), Diagnostic> {
    let folder = data_folder(data, dir);
    named::load_image_data(&data.name, folder.as_deref()).map_err(|e| {
        let (message, hint) = match e.split_once("\n  hint: ") {
            Some((m, h)) => (m.to_string(), h.to_string()),
            None => (e, "name the folder with `dir: \"...\"`".to_string()),
        };
        Diagnostic::error("data", message, data.span, "this data").with_hint(hint)
    })
}

/// `set` resized as `data` says (`resize: 32`), after the limits, so that only the images
/// used are resized.
fn resized(set: ImageSet, data: &DataSpec) -> Result<ImageSet, Diagnostic> {
    match data.resize {
        None => Ok(set),
        Some(side) => set.resized(side).map_err(|e| {
            Diagnostic::error(
                "data",
                format!("cannot resize the images: {e}"),
                data.span,
                "this data",
            )
            .with_hint("check `resize`")
        }),
    }
}

/// The training set (its first `limit` examples) split into train and valid with `seed`,
/// and the test set (its first `test_limit` examples).
fn splits(data: &DataSpec, dir: &Path, seed: u64) -> Result<Splits, Diagnostic> {
    let (train, test) = read_images(data, dir)?;
    let train = match data.limit {
        Some(n) => train.take(n),
        None => train,
    };
    let test = match data.test_limit {
        Some(n) => test.take(n),
        None => test,
    };
    let (train, test) = (resized(train, data)?, resized(test, data)?);
    let (train, valid) = train.split(data.valid, seed).map_err(|e| {
        Diagnostic::error("data", e.to_string(), data.span, "this data")
            .with_hint("check `limit` and `valid`")
    })?;
    if train.is_empty() || valid.is_empty() {
        return Err(Diagnostic::error(
            "data",
            format!(
                "{} training and {} validation examples: both splits need some",
                train.len(),
                valid.len()
            ),
            data.span,
            "this data",
        )
        .with_hint("raise `limit` or change `valid`"));
    }
    Ok(Splits { train, valid, test })
}

/// Whether trials train on the CPU: the `device` given, else the `device: cpu` setting.
fn on_cpu(cpu_setting: bool, device: Option<Device>) -> bool {
    device.map_or(cpu_setting, |d| d == Device::Cpu)
}

/// libtorch's CPU threads: as asked, else the cores shared among parallel workers.
pub(super) fn set_threads(threads: Option<i32>, workers: usize, cpu: bool) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match threads {
        Some(t) => tch::set_num_threads(t),
        None if workers > 1 || cpu => {
            tch::set_num_threads((cores / workers.max(1)).max(1) as i32);
        }
        None => {}
    }
}
