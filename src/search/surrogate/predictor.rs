//! One interface over the learned surrogates of architectures: a predictor of a kind (`gnn`,
//! `mlp`, `forest`, `gbt`) with its options, fitted to evaluated architectures and asked for
//! the mean and uncertainty of others. Strategies reach it as `ctx.predictor(kind, options)`.

use super::encode::{one_hot, ArchGraph, Vocabulary};
use super::neural::{Examples, NetInput, NetParams, NeuralEnsemble};
use super::tree::{BoostParams, BoostedEnsemble, Forest, TreeParams};
use crate::space::{Architecture, Space};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// The surrogates a predictor can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictorKind {
    /// Wen et al.'s graph network over the DAG.
    Gnn,
    /// BANANAS' ensemble of MLPs over a fixed-length encoding.
    Mlp,
    /// SMAC's random forest.
    Forest,
    /// An ensemble of gradient-boosted tree models.
    Gbt,
}

/// The fixed-length encodings the vector models read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// One bit per input-to-output path of op labels (BANANAS).
    Path,
    /// `ctx.space.features`: one-hot choices.
    OneHot,
}

/// An option's value as a script writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A number.
    Number(f64),
    /// A word (the encoding).
    Text(String),
}

/// Every kind's options, with its defaults.
#[derive(Debug, Clone)]
struct Options {
    net: NetParams,
    encoding: Encoding,
    trees: usize,
    tree: TreeParams,
    boost: BoostParams,
    members: usize,
}

impl Options {
    fn defaults(kind: PredictorKind) -> Options {
        let net = match kind {
            // Wen et al.: bidirectional GCN layers, mean pooling, a fully connected head,
            // MSE. Sizes here are this project's (CPU-sized): 3 layers of 64.
            PredictorKind::Gnn => NetParams {
                layers: 3,
                hidden: 64,
                epochs: 200,
                lr: 1e-3,
                weight_decay: 1e-4,
                batch: 16,
                ensemble: 1,
                l1: false,
            },
            // BANANAS: 5 networks of 10 layers of width 20, Adam at 0.01, 200 epochs, MAE.
            _ => NetParams {
                layers: 10,
                hidden: 20,
                epochs: 200,
                lr: 0.01,
                weight_decay: 0.0,
                batch: 32,
                ensemble: 5,
                l1: true,
            },
        };
        Options {
            net,
            encoding: match kind {
                PredictorKind::Mlp => Encoding::Path,
                _ => Encoding::OneHot,
            },
            trees: 10,
            tree: Forest::SMAC,
            boost: BoostParams {
                rounds: 100,
                learning_rate: 0.1,
                subsample: 0.8,
                tree: TreeParams {
                    max_depth: 3,
                    min_split: 2,
                    min_leaf: 1,
                    feature_share: 1.0,
                },
            },
            members: 5,
        }
    }

    /// The option names `kind` accepts.
    fn names(kind: PredictorKind) -> &'static [&'static str] {
        match kind {
            PredictorKind::Gnn => &[
                "layers",
                "hidden",
                "epochs",
                "lr",
                "weight_decay",
                "batch",
                "ensemble",
            ],
            PredictorKind::Mlp => &[
                "layers",
                "hidden",
                "epochs",
                "lr",
                "weight_decay",
                "batch",
                "ensemble",
                "encoding",
            ],
            PredictorKind::Forest => &[
                "trees",
                "min_split",
                "min_leaf",
                "feature_share",
                "encoding",
            ],
            PredictorKind::Gbt => &[
                "members",
                "rounds",
                "learning_rate",
                "depth",
                "subsample",
                "encoding",
            ],
        }
    }

    fn set(&mut self, kind: PredictorKind, name: &str, v: &OptionValue) -> Result<(), String> {
        if !Options::names(kind).contains(&name) {
            return Err(format!(
                "predictor `{}` has no option `{name}` (it has: {})",
                kind_name(kind),
                Options::names(kind).join(", ")
            ));
        }
        if name == "encoding" {
            self.encoding = match v {
                OptionValue::Text(t) if t == "path" => Encoding::Path,
                OptionValue::Text(t) if t == "onehot" => Encoding::OneHot,
                other => {
                    return Err(format!(
                        "option `encoding` is \"path\" or \"onehot\", not {other:?}"
                    ))
                }
            };
            return Ok(());
        }
        let OptionValue::Number(x) = v else {
            return Err(format!("option `{name}` takes a number, not {v:?}"));
        };
        let x = *x;
        let count = |what: &str| -> Result<usize, String> {
            if x >= 1.0 && x.fract() == 0.0 && x <= 1e6 {
                Ok(x as usize)
            } else {
                Err(format!(
                    "option `{what}` is a whole number of at least 1, not {x}"
                ))
            }
        };
        let share = |what: &str| -> Result<f64, String> {
            if x > 0.0 && x <= 1.0 {
                Ok(x)
            } else {
                Err(format!("option `{what}` is in (0, 1], not {x}"))
            }
        };
        let positive = |what: &str| -> Result<f64, String> {
            if x > 0.0 && x.is_finite() {
                Ok(x)
            } else {
                Err(format!("option `{what}` is a positive number, not {x}"))
            }
        };
        match name {
            "layers" => self.net.layers = count(name)?,
            "hidden" => self.net.hidden = count(name)?,
            "epochs" => self.net.epochs = count(name)?,
            "lr" => self.net.lr = positive(name)?,
            "weight_decay" if x >= 0.0 && x.is_finite() => self.net.weight_decay = x,
            "weight_decay" => return Err(format!("option `weight_decay` is >= 0, not {x}")),
            "batch" => self.net.batch = count(name)?,
            "ensemble" => self.net.ensemble = count(name)?,
            "trees" => self.trees = count(name)?,
            "min_split" => self.tree.min_split = count(name)?,
            "min_leaf" => self.tree.min_leaf = count(name)?,
            "feature_share" => self.tree.feature_share = share(name)?,
            "members" => self.members = count(name)?,
            "rounds" => self.boost.rounds = count(name)?,
            "learning_rate" => self.boost.learning_rate = positive(name)?,
            "depth" => self.boost.tree.max_depth = count(name)?,
            "subsample" => self.boost.subsample = share(name)?,
            _ => unreachable!("every listed option is handled"),
        }
        Ok(())
    }
}

/// The name scripts use for a kind.
pub fn kind_name(kind: PredictorKind) -> &'static str {
    match kind {
        PredictorKind::Gnn => "gnn",
        PredictorKind::Mlp => "mlp",
        PredictorKind::Forest => "forest",
        PredictorKind::Gbt => "gbt",
    }
}

enum Model {
    Neural(NeuralEnsemble),
    Forest(Forest),
    Gbt(BoostedEnsemble),
}

/// A surrogate of one space's architectures.
pub struct Predictor {
    space: Arc<Space>,
    vocab: Vocabulary,
    kind: PredictorKind,
    options: Options,
    seed: u64,
    fits: u64,
    model: Option<Model>,
}

impl std::fmt::Debug for Predictor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Predictor({}, {} fits)", kind_name(self.kind), self.fits)
    }
}

impl Predictor {
    /// A predictor of `kind` (`gnn`, `mlp`, `forest`, `gbt`) for `space`, with options over
    /// the kind's defaults; `seed` makes its fits reproducible.
    pub fn new(
        space: Arc<Space>,
        kind: &str,
        options: &[(String, OptionValue)],
        seed: u64,
    ) -> Result<Predictor, String> {
        let kind = match kind {
            "gnn" => PredictorKind::Gnn,
            "mlp" => PredictorKind::Mlp,
            "forest" => PredictorKind::Forest,
            "gbt" => PredictorKind::Gbt,
            other => {
                return Err(format!(
                    "no predictor `{other}` (there are: gnn, mlp, forest, gbt)"
                ))
            }
        };
        let mut opts = Options::defaults(kind);
        for (name, v) in options {
            opts.set(kind, name, v)?;
        }
        let vocab = Vocabulary::new(&space);
        if opts.encoding == Encoding::Path && vocab.path_width().is_none() {
            return Err(format!(
                "space `{}` has too many op paths for the path encoding (more than {}): use \
                 `encoding: \"onehot\"`",
                space.name(),
                super::encode::MAX_PATH_FEATURES
            ));
        }
        Ok(Predictor {
            space,
            vocab,
            kind,
            options: opts,
            seed,
            fits: 0,
            model: None,
        })
    }

    /// The kind.
    pub fn kind(&self) -> PredictorKind {
        self.kind
    }

    fn vectors(&self, archs: &[&Architecture]) -> Vec<Vec<f64>> {
        archs
            .iter()
            .map(|a| match self.options.encoding {
                Encoding::OneHot => one_hot(&self.space, a),
                // `new` checked that the space's paths fit.
                Encoding::Path => self.vocab.paths(&self.space, a).unwrap_or_default(),
            })
            .collect()
    }

    fn graphs(&self, archs: &[&Architecture]) -> Vec<ArchGraph> {
        archs
            .iter()
            .map(|a| self.vocab.graph(&self.space, a))
            .collect()
    }

    /// Fits the surrogate anew to `archs` and their targets `ys` (finite numbers; at least
    /// two). Each fit draws from its own seed, so refits differ but runs repeat.
    pub fn fit(&mut self, archs: &[&Architecture], ys: &[f64]) -> Result<(), String> {
        if archs.len() != ys.len() {
            return Err(format!(
                "fit: {} architectures but {} targets",
                archs.len(),
                ys.len()
            ));
        }
        if archs.len() < 2 {
            return Err("fit: needs at least two architectures".into());
        }
        if let Some(i) = ys.iter().position(|y| !y.is_finite()) {
            return Err(format!(
                "fit: target {i} is {}, not a finite number (leave failed trials out)",
                ys[i]
            ));
        }
        let seed = self
            .seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(self.fits);
        self.fits += 1;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let o = &self.options;
        self.model = Some(match self.kind {
            PredictorKind::Gnn => {
                let graphs = self.graphs(archs);
                Model::Neural(NeuralEnsemble::fit(
                    NetInput::Graphs(self.vocab.clone()),
                    Examples::Graphs(&graphs),
                    ys,
                    &o.net,
                    seed,
                ))
            }
            PredictorKind::Mlp => {
                let xs = self.vectors(archs);
                let width = xs.first().map_or(0, Vec::len);
                Model::Neural(NeuralEnsemble::fit(
                    NetInput::Dense(width),
                    Examples::Dense(&xs),
                    ys,
                    &o.net,
                    seed,
                ))
            }
            PredictorKind::Forest => {
                let xs = self.vectors(archs);
                Model::Forest(Forest::fit(&xs, ys, o.trees, &o.tree, &mut rng))
            }
            PredictorKind::Gbt => {
                let xs = self.vectors(archs);
                Model::Gbt(BoostedEnsemble::fit(&xs, ys, o.members, &o.boost, &mut rng))
            }
        });
        Ok(())
    }

    /// The mean and uncertainty (the spread across trees or members; 0 for a single network)
    /// of each architecture's target; an error before the first fit.
    pub fn predict(&self, archs: &[&Architecture]) -> Result<Vec<(f64, f64)>, String> {
        let model = self
            .model
            .as_ref()
            .ok_or("predict: the predictor has not been fitted yet (call fit first)")?;
        Ok(match model {
            Model::Neural(net) => match self.kind {
                PredictorKind::Gnn => net.predict(Examples::Graphs(&self.graphs(archs))),
                _ => net.predict(Examples::Dense(&self.vectors(archs))),
            },
            Model::Forest(f) => self.vectors(archs).iter().map(|x| f.predict(x)).collect(),
            Model::Gbt(g) => self.vectors(archs).iter().map(|x| g.predict(x)).collect(),
        })
    }
}
