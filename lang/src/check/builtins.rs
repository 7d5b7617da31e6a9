//! Signatures of the built-in ops, combinators and shape constructors.

use crate::syntax::ast::ParamType;
use crate::syntax::builtin::Builtin;

/// One parameter of a built-in.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinParam {
    /// Its name (for named arguments).
    pub name: &'static str,
    /// Its type.
    pub ty: ParamType,
    /// Its default, if it may be omitted.
    pub default: Option<i64>,
    /// Whether it may be omitted although it has no fixed default (`conv`'s `k` when `kh`
    /// and `kw` are given; `kh` and `kw`, which default to `k`).
    pub optional: bool,
}

/// What kind of thing a built-in is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinKind {
    /// An op with fixed parameters.
    Op,
    /// `sum`/`concat`/`prod`/`blend`: combines tensors, or the outputs of parallel ops.
    Combinator,
    /// `image`/`vector`/`sequence`.
    Shape,
    /// `when(k == v, a, b)`: one of two tensors, by the value of a decision.
    Conditional,
}

const fn req(name: &'static str, ty: ParamType) -> BuiltinParam {
    BuiltinParam {
        name,
        ty,
        default: None,
        optional: false,
    }
}

const fn side(name: &'static str) -> BuiltinParam {
    BuiltinParam {
        name,
        ty: ParamType::Int,
        default: None,
        optional: true,
    }
}

const fn opt(name: &'static str, default: i64) -> BuiltinParam {
    BuiltinParam {
        name,
        ty: ParamType::Int,
        default: Some(default),
        optional: false,
    }
}

const INT: ParamType = ParamType::Int;

/// The kind of a built-in.
pub fn kind(builtin: Builtin) -> BuiltinKind {
    match builtin {
        Builtin::Sum | Builtin::Concat | Builtin::Prod | Builtin::Mean | Builtin::Blend => {
            BuiltinKind::Combinator
        }
        Builtin::Image | Builtin::Vector | Builtin::Sequence => BuiltinKind::Shape,
        Builtin::When => BuiltinKind::Conditional,
        _ => BuiltinKind::Op,
    }
}

/// The fixed parameters of a built-in op or shape constructor (combinators take any number
/// of operands, except `blend`, which takes three). `conv`'s kernel is `k`×`k`, or
/// `kh`×`kw` (height × width) when those are given; each of them defaults to `k`.
pub fn params(builtin: Builtin) -> &'static [BuiltinParam] {
    const CONV: &[BuiltinParam] = &[
        req("c", INT),
        side("k"),
        opt("stride", 1),
        opt("dilation", 1),
        opt("groups", 1),
        side("kh"),
        side("kw"),
    ];
    const SEP_CONV: &[BuiltinParam] = &[req("c", INT), req("k", INT), opt("stride", 1)];
    const DIL_CONV: &[BuiltinParam] = &[
        req("c", INT),
        req("k", INT),
        opt("stride", 1),
        opt("dilation", 2),
    ];
    const DEPTHWISE_CONV: &[BuiltinParam] = &[req("k", INT), opt("stride", 1)];
    const POOL: &[BuiltinParam] = &[req("k", INT), opt("stride", 1)];
    const FACTORIZED_REDUCE: &[BuiltinParam] = &[req("c", INT)];
    const RESBLOCK: &[BuiltinParam] = &[req("c", INT), opt("stride", 1)];
    const MBCONV: &[BuiltinParam] = &[
        req("c", INT),
        req("expand", INT),
        req("kernel", INT),
        opt("stride", 1),
        opt("groups", 1),
    ];
    const LINEAR: &[BuiltinParam] = &[req("n", INT)];
    const DROPOUT: &[BuiltinParam] = &[req("p", ParamType::Float)];
    const EMBEDDING: &[BuiltinParam] = &[req("vocab", INT), req("dim", INT)];
    const IMAGE: &[BuiltinParam] = &[req("c", INT), req("h", INT), req("w", INT)];
    const VECTOR: &[BuiltinParam] = &[req("d", INT)];
    const SEQUENCE: &[BuiltinParam] = &[req("t", INT), req("d", INT)];
    match builtin {
        Builtin::Conv => CONV,
        Builtin::SepConv => SEP_CONV,
        Builtin::DilConv => DIL_CONV,
        Builtin::DepthwiseConv => DEPTHWISE_CONV,
        Builtin::MaxPool | Builtin::AvgPool => POOL,
        Builtin::FactorizedReduce => FACTORIZED_REDUCE,
        Builtin::Resblock => RESBLOCK,
        Builtin::Mbconv => MBCONV,
        Builtin::Linear | Builtin::TiedLinear => LINEAR,
        Builtin::Dropout | Builtin::LockedDropout => DROPOUT,
        Builtin::Embedding => EMBEDDING,
        Builtin::Image => IMAGE,
        Builtin::Vector => VECTOR,
        Builtin::Sequence => SEQUENCE,
        _ => &[],
    }
}
