//! How a network is trained: one type, [`TrainSettings`], read from `key: value` pairs by one
//! function, [`TrainSettings::set`], for both `nas train` (each flag is mapped onto its key) and
//! an experiment's `train(..)` evaluator (each named argument is one pair). The defaults are
//! [`TrainSettings::default`]; this table is their one description:
//!
//! | key | value | default |
//! | --- | --- | --- |
//! | `epochs` | passes over the training set (at least 1) | 1 |
//! | `steps` | stop after this many steps in all | none |
//! | `batch` | examples per step (rows of the token stream for language models) | 64 |
//! | `lr` | the learning rate after warm-up | 0.1 |
//! | `optimizer` | `sgd(lr:, momentum:, nesterov:, weight_decay:)`, `adam(lr:, beta1:, beta2:, weight_decay:)` (weight decay as an L2 penalty, PyTorch's `Adam`) or `adamw(..)` (the same arguments, decay decoupled); a `lr` here replaces the one above | `sgd`: Nesterov momentum 0.9, weight decay 5e-4; `adam`: betas (0.9, 0.999), no weight decay; `adamw`: betas (0.9, 0.999), weight decay 0.01 ([`Optim::named`]) |
//! | `weight_decay` | the optimiser's weight decay, before or after `optimizer` (a `weight_decay` inside it replaces this one) | the optimiser's |
//! | `schedule` | `cosine`, `step` (×0.1 every third of the run) or `constant` | `cosine` |
//! | `warmup` | epochs of linear warm-up (fractions allowed) | 0 |
//! | `clip` | clip the gradient norm to this | none for images, 0.25 for language models (AWD-LSTM's, DARTS') |
//! | `label_smoothing` | of the training loss (images) | 0 |
//! | `crop_padding` | random crops from images padded by this many pixels | 0 |
//! | `flip` | random horizontal flips | `false` |
//! | `channels` | the space's width (`c`; `d` for language models) | the space's |
//! | `cells` | cells per stage (images) | the space's |
//! | `threads` | libtorch's CPU threads | libtorch's choice (experiments: the cores shared among workers) |
//! | `device` | `cpu`, or `auto` (a GPU when there is one) | `auto` |
//! | `precision` | `fp32`, or forward passes under autocast in `bf16` or `fp16` (with loss scaling; images only) | `fp32` |
//! | `embedding_dropout` | drop whole words: rows of the embedding table zeroed with this probability at each step, the rest scaled up (language models; AWD-LSTM's `dropoute`) | 0 |
//! | `weight_drop` | DropConnect on the cells' recurrent weights (every linear map on an edge that does not read the step's input `x`), one mask per step (language models; AWD-LSTM's `wdrop`) | 0 |
//! | `ar` | activation regularisation: this times the mean square of the input of the last layer (the last cell's output after its dropout) (language models; AWD-LSTM's `alpha`) | 0 |
//! | `variable_bptt` | windows of random length, as AWD-LSTM draws them: N(T, 5) tokens (T/2 with probability 0.05), at least 5, rescaled so that a pass keeps its number of windows, the learning rate scaled by length/T (language models; T is the space's window) | `false` |
//! | `tar` | temporal activation regularisation: this times the mean square of the last cell's step-to-step change (language models; AWD-LSTM's `beta`) | 0 |

use super::augment::Augment;
use super::optim::Optim;
use super::precision::Precision;
use super::schedule::ScheduleKind;
use crate::space::network_size::NetworkSize;

/// How a network is trained (the seed is the run's, given apart).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainSettings {
    /// Passes over the training set.
    pub epochs: usize,
    /// Stop after this many steps in all.
    pub max_steps: Option<usize>,
    /// Examples per step (rows of the token stream for a language model).
    pub batch: i64,
    /// The learning rate after warm-up.
    pub lr: f64,
    /// The optimiser (with the weight decay below, when that is set).
    pub optim: Optim,
    /// A weight decay given apart from the optimiser (`weight_decay: 1e-4`): an `optimizer`
    /// set after it keeps it unless it names its own.
    pub weight_decay: Option<f64>,
    /// The schedule's shape after warm-up (its decay needs the run's length).
    pub schedule: ScheduleKind,
    /// Warm-up length in epochs (fractions allowed).
    pub warmup_epochs: f64,
    /// Clip the global gradient norm to this value (`None`: the task's default).
    pub clip_grad_norm: Option<f64>,
    /// Label smoothing of the training loss (0: none).
    pub label_smoothing: f64,
    /// Augmentation of training batches.
    pub augment: Augment,
    /// Channels and cells of the network (classes and input channels come from the data).
    pub size: NetworkSize,
    /// libtorch's CPU threads, if set.
    pub threads: Option<i32>,
    /// Train on the CPU even when a GPU is present.
    pub cpu: bool,
    /// Mixed precision of the forward passes; `None`: float32.
    pub amp: Option<Precision>,
    /// AWD-LSTM's regularisers of language models.
    pub lm: LmRegularisers,
}

/// AWD-LSTM's regularisers of a language model's training (Merity, Keskar & Socher, 2018),
/// all off (zero) by default. The activation dropouts (`dropouti`, `dropouth`, `dropout`) are
/// ops of the space (`locked_dropout(p)`), weight tying is its `tied_linear`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LmRegularisers {
    /// The probability of dropping a word (a row of the embedding table) at a step.
    pub embedding_dropout: f64,
    /// The probability of dropping a recurrent weight at a step.
    pub weight_drop: f64,
    /// The weight of the activation regularisation (AR).
    pub ar: f64,
    /// The weight of the temporal activation regularisation (TAR).
    pub tar: f64,
    /// Windows of random length (AWD-LSTM's variable-length back-propagation through time).
    pub variable_bptt: bool,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 1,
            max_steps: None,
            batch: 64,
            lr: 0.1,
            optim: Optim::nb201_sgd(),
            weight_decay: None,
            schedule: ScheduleKind::Cosine,
            warmup_epochs: 0.0,
            clip_grad_norm: None,
            label_smoothing: 0.0,
            augment: Augment::default(),
            size: NetworkSize::default(),
            threads: None,
            cpu: false,
            amp: None,
            lm: LmRegularisers::default(),
        }
    }
}

/// A setting's value as written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A whole number.
    Int(i64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// A name or a quoted string.
    Word(String),
    /// `true` or `false`.
    Bool(bool),
    /// A name with arguments, `sgd(lr: 0.1, momentum: 0.9)`; an argument without a name has
    /// `None`.
    Call(String, Vec<(Option<String>, Value)>),
    /// Anything else (no setting takes it).
    Other,
}

/// Where in a `key: value` pair a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The whole pair.
    Pair,
    /// The key.
    Key,
    /// The value.
    Value,
    /// The name of a call (`sgd` in `sgd(lr: 0.1)`).
    CallName,
}

/// What is wrong with a setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A value that does not fit.
    Invalid {
        /// What is wrong.
        message: String,
        /// How to put it right.
        hint: String,
    },
    /// A key that `of` does not have.
    UnknownKey {
        /// Whose key (`train`, `sgd`, …).
        of: String,
        /// The key as written.
        name: String,
        /// The keys there are.
        known: Vec<&'static str>,
    },
    /// A name that is none of the known ones.
    UnknownName {
        /// What kind of name (`optimizer`, `schedule`).
        what: &'static str,
        /// The name as written.
        name: String,
        /// The names there are.
        known: Vec<&'static str>,
    },
}

/// A problem with a setting, and where it is: in the pair itself, or (`inner: Some(i)`) in the
/// `i`-th argument of its call value.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingError {
    /// The argument of the call value it is in, if any.
    pub inner: Option<usize>,
    /// Where in the pair (or in that argument).
    pub at: At,
    /// What is wrong.
    pub problem: Problem,
}

impl SettingError {
    fn invalid(at: At, message: impl Into<String>, hint: impl Into<String>) -> Self {
        SettingError {
            inner: None,
            at,
            problem: Problem::Invalid {
                message: message.into(),
                hint: hint.into(),
            },
        }
    }

    fn inside(self, index: usize) -> Self {
        SettingError {
            inner: Some(index),
            ..self
        }
    }
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem {
            Problem::Invalid { message, hint } => write!(f, "{message} ({hint})"),
            Problem::UnknownKey { of, name, known } => write!(
                f,
                "`{of}` has no argument `{name}` (its arguments are {})",
                known.join(", ")
            ),
            Problem::UnknownName { what, name, known } => {
                write!(f, "unknown {what} `{name}` (expected {})", known.join(", "))
            }
        }
    }
}

fn int(value: &Value) -> Result<i64, SettingError> {
    match value {
        Value::Int(n) => Ok(*n),
        _ => Err(SettingError::invalid(
            At::Value,
            "expected an integer",
            "write a whole number",
        )),
    }
}

fn positive(value: &Value) -> Result<i64, SettingError> {
    let n = int(value)?;
    if n < 1 {
        return Err(SettingError::invalid(
            At::Pair,
            "this must be at least 1",
            "write a positive number",
        ));
    }
    Ok(n)
}

fn number(value: &Value) -> Result<f64, SettingError> {
    match value {
        Value::Int(n) => Ok(*n as f64),
        Value::Float(x) => Ok(*x),
        _ => Err(SettingError::invalid(
            At::Value,
            "expected a number",
            "write a number",
        )),
    }
}

/// A drop probability, in [0, 1).
fn probability(value: &Value) -> Result<f64, SettingError> {
    let p = number(value)?;
    if !(0.0..1.0).contains(&p) {
        return Err(SettingError::invalid(
            At::Pair,
            format!("a drop probability must be in [0, 1), not {p}"),
            "write a number such as 0.1",
        ));
    }
    Ok(p)
}

/// A weight of a penalty, at least 0.
fn non_negative(value: &Value) -> Result<f64, SettingError> {
    let x = number(value)?;
    if !(x >= 0.0 && x.is_finite()) {
        return Err(SettingError::invalid(
            At::Pair,
            format!("a penalty's weight must be a finite number at least 0, not {x}"),
            "write a number such as 2",
        ));
    }
    Ok(x)
}

fn boolean(value: &Value) -> Result<bool, SettingError> {
    match value {
        Value::Bool(b) => Ok(*b),
        _ => Err(SettingError::invalid(
            At::Value,
            "expected true or false",
            "write `true` or `false`",
        )),
    }
}

fn word<'v>(value: &'v Value, example: &str) -> Result<&'v str, SettingError> {
    match value {
        Value::Word(w) => Ok(w),
        _ => Err(SettingError::invalid(
            At::Value,
            "expected a name",
            format!("write e.g. `{example}`"),
        )),
    }
}

impl TrainSettings {
    /// The keys [`TrainSettings::set`] reads, in the order messages list them.
    pub const KEYS: [&'static str; 22] = [
        "epochs",
        "steps",
        "batch",
        "lr",
        "optimizer",
        "weight_decay",
        "schedule",
        "warmup",
        "clip",
        "label_smoothing",
        "crop_padding",
        "flip",
        "channels",
        "cells",
        "threads",
        "device",
        "precision",
        "embedding_dropout",
        "weight_drop",
        "ar",
        "tar",
        "variable_bptt",
    ];

    /// Reads one setting, `key: value`, into these settings; problems go to `problems` (all of
    /// them: a call value's arguments are each read even after one fails), and a setting with a
    /// problem leaves its field as it was.
    pub fn set(&mut self, key: &str, value: &Value, problems: &mut Vec<SettingError>) {
        if let Err(e) = self.set_one(key, value, problems) {
            problems.push(e);
        }
    }

    /// These settings with `pairs` read in order, or every problem found.
    pub fn with(mut self, pairs: &[(&str, Value)]) -> Result<Self, Vec<SettingError>> {
        let mut problems = Vec::new();
        for (key, value) in pairs {
            self.set(key, value, &mut problems);
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }

    /// The keys set here that only image networks use (a language model refuses them).
    pub fn image_only(&self) -> Vec<&'static str> {
        let plain = TrainSettings::default();
        let mut set = Vec::new();
        if self.label_smoothing != plain.label_smoothing {
            set.push("label_smoothing");
        }
        if self.augment.crop_padding != plain.augment.crop_padding {
            set.push("crop_padding");
        }
        if self.augment.flip != plain.augment.flip {
            set.push("flip");
        }
        if self.size.cells.is_some() {
            set.push("cells");
        }
        set
    }

    /// The keys set here that only language models use (an image network refuses them).
    pub fn language_model_only(&self) -> Vec<&'static str> {
        let plain = LmRegularisers::default();
        let lm = &self.lm;
        [
            (
                "embedding_dropout",
                lm.embedding_dropout != plain.embedding_dropout,
            ),
            ("weight_drop", lm.weight_drop != plain.weight_drop),
            ("ar", lm.ar != plain.ar),
            ("tar", lm.tar != plain.tar),
            ("variable_bptt", lm.variable_bptt != plain.variable_bptt),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect()
    }

    fn set_one(
        &mut self,
        key: &str,
        value: &Value,
        problems: &mut Vec<SettingError>,
    ) -> Result<(), SettingError> {
        match key {
            "epochs" => self.epochs = positive(value)? as usize,
            "steps" => self.max_steps = Some(positive(value)? as usize),
            "batch" => self.batch = positive(value)?,
            "lr" => self.lr = number(value)?,
            "optimizer" => {
                if let Some((optim, lr)) = optimizer(value, self.weight_decay, problems)? {
                    self.optim = optim;
                    self.lr = lr.unwrap_or(self.lr);
                }
            }
            "weight_decay" => {
                let decay = number(value)?;
                self.weight_decay = Some(decay);
                self.optim.set_weight_decay(decay);
            }
            "schedule" => {
                let name = word(value, "cosine")?;
                self.schedule = ScheduleKind::named(name).ok_or_else(|| SettingError {
                    inner: None,
                    at: At::Value,
                    problem: Problem::UnknownName {
                        what: "schedule",
                        name: name.to_string(),
                        known: ScheduleKind::NAMES.to_vec(),
                    },
                })?;
            }
            "warmup" => self.warmup_epochs = number(value)?,
            "clip" => self.clip_grad_norm = Some(number(value)?),
            "label_smoothing" => self.label_smoothing = number(value)?,
            "embedding_dropout" => self.lm.embedding_dropout = probability(value)?,
            "weight_drop" => self.lm.weight_drop = probability(value)?,
            "ar" => self.lm.ar = non_negative(value)?,
            "tar" => self.lm.tar = non_negative(value)?,
            "variable_bptt" => self.lm.variable_bptt = boolean(value)?,
            "crop_padding" => self.augment.crop_padding = int(value)?.max(0),
            "flip" => self.augment.flip = boolean(value)?,
            "channels" => self.size.channels = Some(positive(value)?),
            "cells" => self.size.cells = Some(positive(value)? as usize),
            "threads" => self.threads = Some(positive(value)?.min(i64::from(i32::MAX)) as i32),
            "device" => {
                self.cpu = match word(value, "cpu")? {
                    "cpu" => true,
                    "auto" => false,
                    other => {
                        return Err(SettingError::invalid(
                            At::Pair,
                            format!("unknown device `{other}`"),
                            "write `device: cpu` or `device: auto` (a GPU when there is one)",
                        ))
                    }
                }
            }
            "precision" => {
                let name = word(value, "bf16")?;
                self.amp = match name {
                    "fp32" => None,
                    _ => Some(Precision::parse(name).ok_or_else(|| {
                        SettingError::invalid(
                            At::Pair,
                            format!("unknown precision `{name}`"),
                            "write `precision: bf16` (mixed precision, no loss scaling), `fp16` \
                             (with loss scaling) or `fp32`",
                        )
                    })?),
                }
            }
            _ => {
                return Err(SettingError {
                    inner: None,
                    at: At::Key,
                    problem: Problem::UnknownKey {
                        of: "train".to_string(),
                        name: key.to_string(),
                        known: Self::KEYS.to_vec(),
                    },
                })
            }
        }
        Ok(())
    }
}

/// `sgd(lr: .., momentum: .., nesterov: .., weight_decay: ..)` or `adamw(lr: .., beta1: ..,
/// beta2: .., weight_decay: ..)` (a bare name: its defaults, with `weight_decay` when given),
/// and the learning rate it gives; `None` when an argument had a problem (each one is in
/// `problems`).
fn optimizer(
    value: &Value,
    weight_decay: Option<f64>,
    problems: &mut Vec<SettingError>,
) -> Result<Option<(Optim, Option<f64>)>, SettingError> {
    let (name, args) =
        match value {
            Value::Word(name) => (name, &[][..]),
            Value::Call(name, args) => (name, &args[..]),
            _ => return Err(SettingError::invalid(
                At::Value,
                "`optimizer` names an optimiser",
                "write `optimizer: sgd(lr: 0.1, momentum: 0.9)` or `optimizer: adamw(lr: 1e-3)`",
            )),
        };
    let mut optim = Optim::named(name).ok_or_else(|| SettingError {
        inner: None,
        at: At::CallName,
        problem: Problem::UnknownName {
            what: "optimizer",
            name: name.to_string(),
            known: Optim::NAMES.to_vec(),
        },
    })?;
    if let Some(decay) = weight_decay {
        optim.set_weight_decay(decay);
    }
    let mut lr = None;
    let before = problems.len();
    for (i, (key, value)) in args.iter().enumerate() {
        let mut read = || -> Result<(), SettingError> {
            let Some(key) = key else {
                return Err(SettingError::invalid(
                    At::Pair,
                    format!("the arguments of `{name}` are named"),
                    "write `name: value`",
                ));
            };
            match (&mut optim, key.as_str()) {
                (_, "lr") => lr = Some(number(value)?),
                (
                    Optim::Sgd { weight_decay, .. }
                    | Optim::Adam { weight_decay, .. }
                    | Optim::AdamW { weight_decay, .. },
                    "weight_decay",
                ) => *weight_decay = number(value)?,
                (Optim::Sgd { momentum, .. }, "momentum") => *momentum = number(value)?,
                (Optim::Sgd { nesterov, .. }, "nesterov") => *nesterov = boolean(value)?,
                (Optim::Adam { beta1, .. } | Optim::AdamW { beta1, .. }, "beta1") => {
                    *beta1 = number(value)?
                }
                (Optim::Adam { beta2, .. } | Optim::AdamW { beta2, .. }, "beta2") => {
                    *beta2 = number(value)?
                }
                (optim, _) => {
                    return Err(SettingError {
                        inner: None,
                        at: At::Key,
                        problem: Problem::UnknownKey {
                            of: name.to_string(),
                            name: key.to_string(),
                            known: optim.keys().to_vec(),
                        },
                    })
                }
            }
            Ok(())
        };
        if let Err(e) = read() {
            problems.push(e.inside(i));
        }
    }
    if let Optim::Sgd {
        momentum,
        nesterov: true,
        ..
    } = optim
    {
        if momentum <= 0.0 {
            return Err(SettingError::invalid(
                At::Value,
                "Nesterov momentum needs a momentum above 0 (sgd is Nesterov unless told)",
                "add `nesterov: false` for plain SGD, or give a positive `momentum`",
            ));
        }
    }
    Ok((problems.len() == before).then_some((optim, lr)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[(&str, Value)]) -> Value {
        Value::Call(
            name.to_string(),
            args.iter()
                .map(|(k, v)| (Some(k.to_string()), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn pairs_are_read_in_order_over_the_defaults() {
        let s = TrainSettings::default()
            .with(&[
                ("epochs", Value::Int(3)),
                ("lr", Value::Float(0.5)),
                ("optimizer", call("adamw", &[("lr", Value::Float(1e-3))])),
                ("schedule", Value::Word("step".into())),
                ("crop_padding", Value::Int(-2)),
                ("device", Value::Word("cpu".into())),
                ("precision", Value::Word("bf16".into())),
            ])
            .unwrap();
        assert_eq!((s.epochs, s.lr, s.schedule), (3, 1e-3, ScheduleKind::Step));
        assert_eq!(s.optim, Optim::named("adamw").unwrap());
        assert_eq!(s.augment.crop_padding, 0);
        assert!(s.cpu && s.amp == Some(Precision::Bf16));
        let sgd = TrainSettings::default()
            .with(&[("optimizer", Value::Word("sgd".into()))])
            .unwrap();
        assert_eq!(sgd, TrainSettings::default());
    }

    #[test]
    fn a_weight_decay_holds_on_either_side_of_the_optimizer_unless_it_names_its_own() {
        let decay = |pairs: &[(&str, Value)]| match TrainSettings::default().with(pairs) {
            Ok(s) => match s.optim {
                Optim::Sgd { weight_decay, .. }
                | Optim::Adam { weight_decay, .. }
                | Optim::AdamW { weight_decay, .. } => weight_decay,
            },
            Err(e) => panic!("{e:?}"),
        };
        let wd = ("weight_decay", Value::Float(1e-4));
        let adamw = ("optimizer", Value::Word("adamw".into()));
        assert_eq!(decay(&[wd.clone(), adamw.clone()]), 1e-4);
        assert_eq!(decay(&[adamw, wd.clone()]), 1e-4);
        let own = call("sgd", &[("weight_decay", Value::Float(3e-4))]);
        assert_eq!(decay(&[wd, ("optimizer", own)]), 3e-4);
    }

    #[test]
    fn problems_say_where_they_are_and_reading_goes_on() {
        let wrong = TrainSettings::default().with(&[
            ("bach", Value::Int(3)),
            ("batch", Value::Int(0)),
            ("lr", Value::Word("fast".into())),
            (
                "optimizer",
                call(
                    "sgd",
                    &[("momentm", Value::Float(0.9)), ("nesterov", Value::Int(1))],
                ),
            ),
            ("schedule", Value::Word("cosin".into())),
        ]);
        let problems = wrong.unwrap_err();
        let places: Vec<_> = problems.iter().map(|p| (p.inner, p.at)).collect();
        assert_eq!(
            places,
            [
                (None, At::Key),
                (None, At::Pair),
                (None, At::Value),
                (Some(0), At::Key),
                (Some(1), At::Value),
                (None, At::Value)
            ]
        );
        assert!(matches!(
            &problems[3].problem,
            Problem::UnknownKey { of, known, .. } if of == "sgd" && known.contains(&"momentum")
        ));
        assert_eq!(
            problems[5].to_string(),
            "unknown schedule `cosin` (expected cosine, step, constant)"
        );
        let nesterov = TrainSettings::default()
            .with(&[("optimizer", call("sgd", &[("momentum", Value::Int(0))]))]);
        assert!(nesterov.unwrap_err()[0].to_string().contains("Nesterov"));
    }
}
