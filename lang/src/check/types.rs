//! The types of expressions, as the checker infers them.

use crate::syntax::ast::ParamType;
use std::fmt;

/// The type of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A whole number (or a choice among whole numbers).
    Int,
    /// A real number.
    Float,
    /// A boolean.
    Bool,
    /// A string.
    Str,
    /// A duration.
    Duration,
    /// An operation: tensor → tensor.
    Op,
    /// A tensor inside a cell (an input or a node).
    Tensor,
    /// Several tensors: an input choice `k of [..]`, possibly with ops applied.
    Tensors,
    /// A data shape: `image(..)`, `vector(..)`, `sequence(..)`.
    Shape,
    /// A list value `[..]`.
    List,
    /// Something outside the language checked by a later stage (experiment settings).
    External,
    /// The type of an expression that already has an error (never reported again).
    Error,
}

impl Ty {
    /// The type a parameter declaration denotes.
    pub fn of_param(ty: ParamType) -> Ty {
        match ty {
            ParamType::Int => Ty::Int,
            ParamType::Float => Ty::Float,
            ParamType::Bool => Ty::Bool,
            ParamType::Str => Ty::Str,
            ParamType::Op => Ty::Op,
        }
    }

    /// Whether a value of type `self` may be passed where `expected` is wanted.
    pub fn fits(self, expected: Ty) -> bool {
        self == expected
            || matches!(self, Ty::Error | Ty::External)
            || matches!(expected, Ty::Error)
            || (self == Ty::Int && expected == Ty::Float)
    }

    /// Whether this is a number type.
    pub fn is_number(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }

    /// Whether values of this type are tensors (one or several).
    pub fn is_tensor(self) -> bool {
        matches!(self, Ty::Tensor | Ty::Tensors)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Str => "str",
            Ty::Duration => "duration",
            Ty::Op => "op",
            Ty::Tensor => "tensor",
            Ty::Tensors => "tensor list",
            Ty::Shape => "shape",
            Ty::List => "list",
            Ty::External => "setting",
            Ty::Error => "error",
        })
    }
}
