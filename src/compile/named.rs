//! Building an [`OpSpec`] with readable parameter paths: the parts of a sequence are named by
//! their kind (`conv`, `bn`, …; a kind that occurs twice gets its position appended), so a
//! compiled cell's edge `relu >> conv >> batchnorm` keeps its weights under `….conv.weight`.

use super::error::CompileError;
use super::layer::{boxed, BoxLayer, Sequential};
use super::op::OpSpec;
use tch::nn;

/// The name of a part of kind `spec`.
pub(crate) fn kind_name(spec: &OpSpec) -> &'static str {
    match spec {
        OpSpec::Conv(_) => "conv",
        OpSpec::DepthwiseConv { .. } => "depthwise",
        OpSpec::ReluConvBn(_) => "relu_conv_bn",
        OpSpec::SepConv { .. } => "sep_conv",
        OpSpec::DilConv { .. } => "dil_conv",
        OpSpec::BatchNorm { .. } => "bn",
        OpSpec::LayerNorm => "ln",
        OpSpec::Act(_) => "act",
        OpSpec::Pool { .. } => "pool",
        OpSpec::GlobalAvgPool => "global_pool",
        OpSpec::Flatten => "flatten",
        OpSpec::Identity => "skip",
        OpSpec::Zero { .. } => "zero",
        OpSpec::FactorizedReduce { .. } => "reduce",
        OpSpec::Linear { .. } => "linear",
        OpSpec::TiedLinear { .. } => "tied_linear",
        OpSpec::Dropout { locked: false, .. } => "dropout",
        OpSpec::Dropout { locked: true, .. } => "locked_dropout",
        OpSpec::MbConv { .. } => "mbconv",
        OpSpec::ResBlock { .. } => "resblock",
        OpSpec::Embedding { .. } => "embedding",
        OpSpec::Seq(_) => "seq",
        OpSpec::Parallel { .. } => "parallel",
    }
}

/// Builds `spec` for `c_in` input channels under `p`, naming a sequence's parts by kind;
/// returns the layer and its output channels.
pub fn build_named(
    spec: &OpSpec,
    p: &nn::Path,
    c_in: i64,
) -> Result<(BoxLayer, i64), CompileError> {
    let OpSpec::Seq(parts) = spec else {
        return spec.build(p, c_in);
    };
    let kinds: Vec<&str> = parts.iter().map(kind_name).collect();
    let mut layers = Vec::with_capacity(parts.len());
    let mut c = c_in;
    for (i, part) in parts.iter().enumerate() {
        let kind = kinds[i];
        let name = if kinds.iter().filter(|k| **k == kind).count() > 1 {
            format!("{kind}{i}")
        } else {
            kind.to_string()
        };
        let (layer, next) = build_named(part, &(p / &name), c)?;
        layers.push((name, layer));
        c = next;
    }
    Ok((boxed(Sequential::named(layers)), c))
}
