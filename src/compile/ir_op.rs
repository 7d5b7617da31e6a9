//! From the space IR's ops to the op library: an [`OpRef`] of a space, under an architecture,
//! is the op its decision picks (or its fixed op); an `op` definition's use expands to its
//! body (the skeleton's expansions), and a built-in becomes its [`OpSpec`] with the
//! arguments the use evaluated (a value decision reads the architecture's value).

use super::activation::Activation;
use super::conv::ConvConfig;
use super::error::CompileError;
use super::op::OpSpec;
use super::pool::PoolKind;
use crate::space::{Alt, Architecture, Arg, ArgValue, Combine, Domain, Op, OpRef, Space, Value};
use std::collections::HashMap;

/// Deepest nesting of `op` definitions followed (a guard against cycles).
const MAX_DEPTH: usize = 64;

/// Resolves ops of `space` as `arch` fixes them; `alternatives` are a cell call's own op
/// alternatives (its channel counts), which take precedence over the space's.
#[derive(Clone, Copy)]
pub struct Resolver<'a> {
    /// The space.
    pub space: &'a Space,
    /// The architecture.
    pub arch: &'a Architecture,
    /// A cell call's op alternatives, by decision.
    pub alternatives: Option<&'a HashMap<usize, Vec<Alt>>>,
}

impl<'a> Resolver<'a> {
    fn bad(&self, message: String) -> CompileError {
        CompileError::BadArch {
            text: self.space.encode(self.arch),
            message,
        }
    }

    /// The op `r` stands for (the alternative its decision picks, or itself).
    pub fn chosen(&self, r: &'a OpRef) -> Result<&'a Op, CompileError> {
        let d = match r {
            OpRef::Fixed(op) => return Ok(op),
            OpRef::Choice(d) => *d,
        };
        let decision = self
            .space
            .decisions()
            .get(d)
            .ok_or_else(|| self.bad(format!("decision {d} does not exist")))?;
        let alts = match (self.alternatives.and_then(|a| a.get(&d)), &decision.domain) {
            (Some(alts), _) => alts.as_slice(),
            (None, Domain::Categorical(alts)) => alts.as_slice(),
            _ => return Err(self.bad(format!("decision `{}` does not pick an op", decision.name))),
        };
        let Some(Value::Cat(k)) = self.arch.values().get(d).copied() else {
            return Err(self.bad(format!("decision `{}` is not set", decision.name)));
        };
        alts.get(k as usize)
            .and_then(|a| a.op.as_ref())
            .ok_or_else(|| {
                self.bad(format!(
                    "decision `{}` has no op alternative {k}",
                    decision.name
                ))
            })
    }

    /// The op library's form of `r`.
    pub fn spec(&self, r: &'a OpRef) -> Result<OpSpec, CompileError> {
        self.op(self.chosen(r)?, 0)
    }

    /// The op library's form of `op` (an `op` definition's use expanded, or a built-in).
    pub fn op(&self, op: &'a Op, depth: usize) -> Result<OpSpec, CompileError> {
        if depth > MAX_DEPTH {
            return Err(self.bad(format!("op `{}` nests too deeply", op.name)));
        }
        if let Some(branches) = self.space.skeleton().branches.get(op) {
            let combine = match op.name.as_str() {
                "concat" => Combine::Concat,
                "prod" => Combine::Product,
                "mean" => Combine::Mean,
                _ => Combine::Sum,
            };
            let mut specs = Vec::with_capacity(branches.len());
            for branch in branches {
                let mut parts = Vec::with_capacity(branch.len());
                for r in branch {
                    parts.push(self.op(self.chosen(r)?, depth + 1)?);
                }
                specs.push(match parts.len() {
                    0 => OpSpec::Identity,
                    1 => parts.remove(0),
                    _ => OpSpec::Seq(parts),
                });
            }
            return Ok(OpSpec::Parallel {
                combine,
                branches: specs,
            });
        }
        if let Some(body) = self.space.skeleton().expansions.get(op) {
            let mut parts = Vec::with_capacity(body.len());
            for r in body {
                parts.push(self.op(self.chosen(r)?, depth + 1)?);
            }
            return Ok(match parts.len() {
                1 => parts.remove(0),
                _ => OpSpec::Seq(parts),
            });
        }
        self.builtin(op)
    }

    /// The value of an argument: a constant, or what the architecture gives its decision.
    fn value(&self, op: &Op, arg: &Arg) -> Result<f64, CompileError> {
        let name = arg.name.as_deref().unwrap_or("?");
        match &arg.value {
            ArgValue::Int(x) => Ok(*x as f64),
            ArgValue::Float(s) => s
                .parse()
                .map_err(|_| self.bad(format!("`{}`: `{name}` is not a number", op.name))),
            ArgValue::Bool(b) => Ok(f64::from(u8::from(*b))),
            ArgValue::Str(_) => Err(self.bad(format!("`{}`: `{name}` is a string", op.name))),
            ArgValue::Decision(d) => {
                let decision = self.space.decisions().get(*d);
                match (decision.map(|x| &x.domain), self.arch.values().get(*d)) {
                    (Some(_), Some(Value::Int(x))) => Ok(*x as f64),
                    (Some(_), Some(Value::Bool(b))) => Ok(f64::from(u8::from(*b))),
                    (Some(Domain::Categorical(alts)), Some(Value::Cat(k))) => alts
                        .get(*k as usize)
                        .and_then(|a| a.label.parse().ok())
                        .ok_or_else(|| {
                            self.bad(format!("`{}`: `{name}` is not a number", op.name))
                        }),
                    _ => Err(self.bad(format!(
                        "`{}`: the decision behind `{name}` is not set",
                        op.name
                    ))),
                }
            }
        }
    }

    /// Argument `name` (or the `index`-th positional one) of a built-in, else `default`.
    fn arg(
        &self,
        op: &Op,
        index: usize,
        name: &str,
        default: Option<f64>,
    ) -> Result<f64, CompileError> {
        let named = op.args.iter().find(|a| a.name.as_deref() == Some(name));
        let positional = op.args.iter().take_while(|a| a.name.is_none()).nth(index);
        match named.or(positional) {
            Some(a) => self.value(op, a),
            None => default
                .ok_or_else(|| self.bad(format!("`{}` needs its argument `{name}`", op.name))),
        }
    }

    /// Whether a built-in's argument `name` (or its `index`-th positional one) is given.
    fn given(&self, op: &Op, index: usize, name: &str) -> bool {
        op.args.iter().any(|a| a.name.as_deref() == Some(name))
            || op
                .args
                .iter()
                .take_while(|a| a.name.is_none())
                .nth(index)
                .is_some()
    }

    fn int(
        &self,
        op: &Op,
        index: usize,
        name: &str,
        default: Option<i64>,
    ) -> Result<i64, CompileError> {
        let v = self.arg(op, index, name, default.map(|d| d as f64))?;
        if v.fract() != 0.0 || v < 1.0 || v > i64::MAX as f64 {
            return Err(self.bad(format!(
                "`{}`: `{name}` must be a positive integer, is {v}",
                op.name
            )));
        }
        Ok(v as i64)
    }

    /// A built-in op with its arguments.
    fn builtin(&self, op: &Op) -> Result<OpSpec, CompileError> {
        let int = |i, name, default| self.int(op, i, name, default);
        Ok(match op.name.as_str() {
            "conv" => {
                // `kh` and `kw` (height and width) default to the square kernel `k`.
                let side = |i: usize, name: &'static str| {
                    if self.given(op, i, name) {
                        self.int(op, i, name, None).map(Some)
                    } else {
                        Ok(None)
                    }
                };
                let k = side(1, "k")?;
                let (Some(kh), Some(kw)) = (side(5, "kh")?.or(k), side(6, "kw")?.or(k)) else {
                    return Err(
                        self.bad("`conv` needs its kernel size: `k`, or `kh` and `kw`".to_string())
                    );
                };
                OpSpec::Conv(
                    ConvConfig::new(int(0, "c", None)?, kh)
                        .kernel_hw(kh, kw)
                        .stride(int(2, "stride", Some(1))?)
                        .dilation(int(3, "dilation", Some(1))?)
                        .groups(int(4, "groups", Some(1))?),
                )
            }
            "sep_conv" => OpSpec::SepConv {
                c_out: int(0, "c", None)?,
                kernel: int(1, "k", None)?,
                stride: int(2, "stride", Some(1))?,
            },
            "dil_conv" => OpSpec::DilConv {
                c_out: int(0, "c", None)?,
                kernel: int(1, "k", None)?,
                stride: int(2, "stride", Some(1))?,
                dilation: int(3, "dilation", Some(2))?,
            },
            "depthwise_conv" => OpSpec::DepthwiseConv {
                kernel: int(0, "k", None)?,
                stride: int(1, "stride", Some(1))?,
                dilation: 1,
            },
            "batchnorm" => OpSpec::BatchNorm { affine: true },
            "layernorm" => OpSpec::LayerNorm,
            "max_pool" | "avg_pool" => OpSpec::Pool {
                kind: if op.name == "max_pool" {
                    PoolKind::Max
                } else {
                    PoolKind::Avg
                },
                kernel: int(0, "k", None)?,
                stride: int(1, "stride", Some(1))?,
                c_out: None,
            },
            "skip" => OpSpec::Identity,
            "none" => OpSpec::Zero { stride: 1 },
            "factorized_reduce" => OpSpec::FactorizedReduce {
                c_out: int(0, "c", None)?,
            },
            "resblock" => OpSpec::ResBlock {
                c_out: int(0, "c", None)?,
                stride: int(1, "stride", Some(1))?,
            },
            "mbconv" => OpSpec::MbConv {
                c_out: int(0, "c", None)?,
                expand: int(1, "expand", None)?,
                kernel: int(2, "kernel", None)?,
                stride: int(3, "stride", Some(1))?,
                groups: int(4, "groups", Some(1))?,
            },
            "linear" => OpSpec::Linear {
                d_out: int(0, "n", None)?,
                bias: true,
            },
            "tied_linear" => OpSpec::TiedLinear {
                d_out: int(0, "n", None)?,
            },
            "dropout" => OpSpec::Dropout {
                p: self.arg(op, 0, "p", None)?,
                locked: false,
            },
            "locked_dropout" => OpSpec::Dropout {
                p: self.arg(op, 0, "p", None)?,
                locked: true,
            },
            "embedding" => OpSpec::Embedding {
                vocab: int(0, "vocab", None)?,
                dim: int(1, "dim", None)?,
            },
            "global_avg_pool" => OpSpec::GlobalAvgPool,
            "flatten" => OpSpec::Flatten,
            name => match Activation::from_name(name) {
                Some(a) if name != "skip" => OpSpec::Act(a),
                _ => return Err(self.bad(format!("the op `{name}` cannot be compiled"))),
            },
        })
    }
}

/// `spec` with its first spatial op's stride multiplied by `stride` (the DARTS convention for
/// the edges a reduction cell reads from its inputs, which the checker models as an input
/// already `stride` times smaller): a skip becomes a factorized reduce to `c_in` channels, a
/// zero op subsamples, a conv or pool strides (an op that strides on its own strides by
/// both). `None` when nothing in `spec` can stride.
pub fn with_stride(spec: &OpSpec, stride: i64, c_in: i64) -> Option<OpSpec> {
    if stride == 1 {
        return Some(spec.clone());
    }
    let mut s = spec.clone();
    match &mut s {
        OpSpec::Conv(config) | OpSpec::ReluConvBn(config) => {
            *config = config.stride(config.stride.checked_mul(stride)?)
        }
        OpSpec::DepthwiseConv { stride: st, .. }
        | OpSpec::SepConv { stride: st, .. }
        | OpSpec::DilConv { stride: st, .. }
        | OpSpec::Pool { stride: st, .. }
        | OpSpec::Zero { stride: st }
        | OpSpec::MbConv { stride: st, .. }
        | OpSpec::ResBlock { stride: st, .. } => *st = st.checked_mul(stride)?,
        OpSpec::Identity if stride == 2 => return Some(OpSpec::FactorizedReduce { c_out: c_in }),
        OpSpec::Seq(parts) => {
            let i = parts.iter().position(|p| {
                !matches!(
                    p,
                    OpSpec::Act(_)
                        | OpSpec::BatchNorm { .. }
                        | OpSpec::LayerNorm
                        | OpSpec::Dropout { .. }
                )
            })?;
            parts[i] = with_stride(&parts[i], stride, c_in)?;
        }
        OpSpec::Parallel { branches, .. } => {
            for b in branches.iter_mut() {
                *b = with_stride(b, stride, c_in)?;
            }
        }
        _ => return None,
    }
    Some(s)
}

/// How much `spec` divides the spatial size by (its strides multiplied; a factorized reduce
/// halves).
pub fn spatial_stride(spec: &OpSpec) -> i64 {
    match spec {
        OpSpec::Conv(c) | OpSpec::ReluConvBn(c) => c.stride,
        OpSpec::DepthwiseConv { stride, .. }
        | OpSpec::SepConv { stride, .. }
        | OpSpec::DilConv { stride, .. }
        | OpSpec::Pool { stride, .. }
        | OpSpec::Zero { stride }
        | OpSpec::MbConv { stride, .. }
        | OpSpec::ResBlock { stride, .. } => *stride,
        OpSpec::FactorizedReduce { .. } => 2,
        OpSpec::Seq(parts) => parts.iter().map(spatial_stride).product(),
        OpSpec::Parallel { branches, .. } => branches.first().map_or(1, spatial_stride),
        _ => 1,
    }
}
