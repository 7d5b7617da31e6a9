//! The numeric cores of model-based strategies, called from scripts: a Gaussian process over
//! feature vectors (for `bo`) and a tree-structured Parzen estimator over per-decision choices
//! (for `bohb`) in [`gp_tpe`]; the learned surrogates of architectures behind one
//! [`Predictor`] (`ctx.predictor(..)`): Wen et al.'s graph network and BANANAS' MLP ensemble
//! ([`neural`]), SMAC's random forest and an ensemble of gradient-boosted trees ([`tree`]),
//! over the encodings the space IR gives ([`encode`]).

pub mod encode;
mod gp_tpe;
pub mod neural;
pub mod predictor;
pub mod tree;

pub use gp_tpe::{Gp, Tpe};
pub use predictor::{OptionValue, Predictor, PredictorKind};
