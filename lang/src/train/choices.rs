//! Training settings searched like the architecture: `train(lr: 0.1 | 0.05, weight_decay: 5e-4
//! | 1e-4)` makes each setting written with alternatives one more decision of every trial,
//! named `train.` and its key (`train.lr`; an argument of the optimiser is named by its own key,
//! `optimizer: sgd(momentum: 0.9 | 0.0)` is `train.momentum`). The decisions are appended to the
//! experiment's searched space ([`SearchedSettings::decisions`]), so that every strategy samples,
//! mutates and encodes them, the trial store keeps them in each trial's architecture text, and
//! the evaluator trains each trial under the settings its architecture chose
//! ([`SearchedSettings::for_arch`]).

use super::settings::{SettingError, TrainSettings, Value};
use crate::space::{Alt, Architecture, Decision, Domain, Space, Value as Chosen};
use serde::{Deserialize, Serialize};

/// The settings that alternatives may be written for: each trial trains under its own. The
/// others (`channels`, `cells`, `threads`, `device`, `precision`) size the network or set up
/// the machine, once for every trial.
pub const SEARCHABLE: [&str; 17] = [
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
    "embedding_dropout",
    "weight_drop",
    "ar",
    "tar",
    "variable_bptt",
];

/// The prefix of the decisions of searched settings.
pub const PREFIX: &str = "train.";

/// One setting written with alternatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingChoice {
    /// The decision's name (`train.lr`).
    pub name: String,
    /// Each alternative: its label (the decision's text for it) and its value.
    pub alternatives: Vec<(String, Value)>,
    /// Which setting (an index into the pairs).
    pair: usize,
    /// Which argument of the setting's call value, when it is one.
    inner: Option<usize>,
}

impl SettingChoice {
    /// A choice of `alternatives` for setting `pair` (argument `inner` of its call value),
    /// named `train.` + `key`; labels come from the values.
    pub fn new(key: &str, alternatives: Vec<Value>, pair: usize, inner: Option<usize>) -> Self {
        SettingChoice {
            name: format!("{PREFIX}{key}"),
            alternatives: alternatives.into_iter().map(|v| (label(&v), v)).collect(),
            pair,
            inner,
        }
    }
}

/// How a value is written in an architecture's text: integers and names as they are, numbers
/// below 0.001 or from a million up in exponent form (`5e-4`, `1e30`), others in plain
/// decimals.
pub fn label(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Float(x) if *x != 0.0 && !(1e-3..1e6).contains(&x.abs()) => format!("{x:e}"),
        Value::Float(x) => x.to_string(),
        Value::Word(w) => w.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Call(name, _) => name.clone(),
        Value::Other => "?".to_string(),
    }
}

/// A `train(..)` evaluator's settings as written: every `key: value` pair in order (a setting
/// with alternatives holds its first), and the settings written with alternatives.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchedSettings {
    pairs: Vec<(String, Value)>,
    choices: Vec<SettingChoice>,
}

impl SearchedSettings {
    /// The settings `pairs`, searched over `choices`.
    pub fn new(pairs: Vec<(String, Value)>, choices: Vec<SettingChoice>) -> Self {
        SearchedSettings { pairs, choices }
    }

    /// The settings written with alternatives.
    pub fn choices(&self) -> &[SettingChoice] {
        &self.choices
    }

    /// Whether no setting has alternatives.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// The decisions of the searched settings, to be appended to the searched space: one
    /// categorical decision per setting, its alternatives in the order written.
    pub fn decisions(&self) -> Vec<Decision> {
        self.choices
            .iter()
            .map(|c| Decision {
                name: c.name.clone(),
                domain: Domain::Categorical(
                    c.alternatives
                        .iter()
                        .map(|(label, _)| Alt::label(label.clone()))
                        .collect(),
                ),
                guard: None,
            })
            .collect()
    }

    /// The settings with alternative `picked[i]` of choice `i` (a choice beyond `picked`
    /// takes its first), read over the defaults as the evaluator reads them.
    pub fn with_picked(&self, picked: &[usize]) -> Result<TrainSettings, Vec<SettingError>> {
        let mut pairs = self.pairs.clone();
        for (c, &i) in self.choices.iter().zip(picked) {
            let Some((_, value)) = c.alternatives.get(i) else {
                continue;
            };
            let slot = &mut pairs[c.pair].1;
            match (c.inner, slot) {
                (None, slot) => *slot = value.clone(),
                (Some(arg), Value::Call(_, args)) => {
                    if let Some((_, v)) = args.get_mut(arg) {
                        *v = value.clone();
                    }
                }
                (Some(_), _) => {}
            }
        }
        let pairs: Vec<(&str, Value)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        TrainSettings::default().with(&pairs)
    }

    /// Which alternative of each choice `arch` (of `space`, the searched space with these
    /// decisions appended) holds; a choice the space lacks takes its first.
    pub fn picked(&self, space: &Space, arch: &Architecture) -> Vec<usize> {
        self.choices
            .iter()
            .map(|c| {
                match space
                    .decision_index(&c.name)
                    .and_then(|d| arch.values().get(d))
                {
                    Some(Chosen::Cat(i)) => *i as usize,
                    _ => 0,
                }
            })
            .collect()
    }

    /// The settings `arch` chose, or what is wrong with them (a combination of alternatives
    /// that does not go together, such as momentum 0 with Nesterov's).
    pub fn for_arch(&self, space: &Space, arch: &Architecture) -> Result<TrainSettings, String> {
        self.with_picked(&self.picked(space, arch))
            .map_err(|problems| {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                format!("the chosen training settings: {}", text.join("; "))
            })
    }

    /// Each searched setting's decision name and the label `arch` chose.
    pub fn chosen(&self, space: &Space, arch: &Architecture) -> Vec<(String, String)> {
        self.choices
            .iter()
            .zip(self.picked(space, arch))
            .map(|(c, i)| (c.name.clone(), c.alternatives[i].0.clone()))
            .collect()
    }
}
