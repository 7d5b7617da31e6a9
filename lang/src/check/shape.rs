//! Data shapes and the shape rules of the built-in ops; sizes are computed by the one checked
//! evaluator ([`crate::wiring::size`]), whose errors become diagnostics here.

use crate::syntax::ast::BinOp;
use crate::syntax::builtin::Builtin;
use crate::syntax::{Diagnostic, Span};
use crate::wiring::size::{self, Arith, SizeError, OVERFLOW_HINT};
use crate::wiring::{Resolution, Wired};
use std::fmt;

/// The size operation a binary operator stands for (`None` for a comparison).
pub fn size_op(op: BinOp) -> Option<Arith> {
    Some(match op {
        BinOp::Add => Arith::Add,
        BinOp::Sub => Arith::Sub,
        BinOp::Mul => Arith::Mul,
        BinOp::Div => Arith::Div,
        BinOp::Rem => Arith::Rem,
        _ => return None,
    })
}

/// The diagnostic of a size that could not be computed at `span`.
pub fn size_diagnostic(error: SizeError, span: Span) -> Diagnostic {
    match error {
        SizeError::Overflow { .. } => {
            Diagnostic::error("overflow", error.to_string(), span, "too large")
                .with_hint(OVERFLOW_HINT)
        }
        SizeError::DivisionByZero => Diagnostic::error(
            "division-by-zero",
            "division by zero",
            span,
            "the divisor can be 0",
        ),
    }
}

/// One dimension: a known size, or one that depends on a decision or on the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    /// A known size.
    Known(i64),
    /// Unknown here.
    Unknown,
}

impl Dim {
    fn merge(self, other: Dim) -> Dim {
        if self == other {
            self
        } else {
            Dim::Unknown
        }
    }

    /// Both known and different.
    pub fn conflicts(self, other: Dim) -> bool {
        matches!((self, other), (Dim::Known(a), Dim::Known(b)) if a != b)
    }

    /// The sum of two channel counts (`concat`'s); an overflow is a misfit.
    fn add(self, other: Dim) -> Result<Dim, Misfit> {
        Ok(match (self, other) {
            (Dim::Known(a), Dim::Known(b)) => {
                Dim::Known(size::add(a, b).map_err(|error| Misfit {
                    code: "overflow",
                    message: format!("`concat`'s channels: {error}"),
                    hint: OVERFLOW_HINT,
                })?)
            }
            _ => Dim::Unknown,
        })
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Known(n) => write!(f, "{n}"),
            Dim::Unknown => f.write_str("?"),
        }
    }
}

/// The shape of one example flowing through a network (the batch dimension is implicit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Channels × height × width.
    Image {
        /// Channels.
        c: Dim,
        /// Height.
        h: Dim,
        /// Width.
        w: Dim,
    },
    /// A feature vector.
    Vector {
        /// Features.
        d: Dim,
    },
    /// A sequence of feature vectors.
    Sequence {
        /// Time steps.
        t: Dim,
        /// Features per step.
        d: Dim,
    },
    /// Not known here.
    Unknown,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Image { c, h, w } => write!(f, "image({c}, {h}, {w})"),
            Shape::Vector { d } => write!(f, "vector({d})"),
            Shape::Sequence { t, d } => write!(f, "sequence({t}, {d})"),
            Shape::Unknown => f.write_str("unknown"),
        }
    }
}

impl Shape {
    /// The shape that agrees with both where they agree (used for alternatives).
    pub fn merge(self, other: Shape) -> Shape {
        match (self, other) {
            (
                Shape::Image { c, h, w },
                Shape::Image {
                    c: c2,
                    h: h2,
                    w: w2,
                },
            ) => Shape::Image {
                c: c.merge(c2),
                h: h.merge(h2),
                w: w.merge(w2),
            },
            (Shape::Vector { d }, Shape::Vector { d: d2 }) => Shape::Vector { d: d.merge(d2) },
            (Shape::Sequence { t, d }, Shape::Sequence { t: t2, d: d2 }) => Shape::Sequence {
                t: t.merge(t2),
                d: d.merge(d2),
            },
            _ => Shape::Unknown,
        }
    }

    /// Why `self` and `other` cannot be added element-wise, if they cannot.
    pub fn mismatch(self, other: Shape) -> Option<String> {
        match (self, other) {
            (
                Shape::Image { c, h, w },
                Shape::Image {
                    c: c2,
                    h: h2,
                    w: w2,
                },
            ) => {
                if c.conflicts(c2) {
                    Some(format!("{c} and {c2} channels"))
                } else if h.conflicts(h2) || w.conflicts(w2) {
                    Some(format!("{h}×{w} and {h2}×{w2} maps"))
                } else {
                    None
                }
            }
            (Shape::Vector { d }, Shape::Vector { d: d2 }) if d.conflicts(d2) => {
                Some(format!("{d} and {d2} features"))
            }
            (Shape::Sequence { t, d }, Shape::Sequence { t: t2, d: d2 })
                if t.conflicts(t2) || d.conflicts(d2) =>
            {
                Some(format!("{self} and {other}"))
            }
            (Shape::Unknown, _) | (_, Shape::Unknown) => None,
            (a, b) if std::mem::discriminant(&a) != std::mem::discriminant(&b) => {
                Some(format!("{a} and {b}"))
            }
            _ => None,
        }
    }

    /// Concatenates along channels (features for vectors and sequences); a misfit (code and
    /// reason) when the other dimensions disagree or the sum overflows.
    pub fn concat(self, other: Shape) -> Result<Shape, Misfit> {
        let mismatch = |reason: String| Misfit {
            code: "shape-mismatch",
            message: format!("`concat` of tensors with different sizes: {reason}"),
            hint: "concatenated tensors must agree in everything but channels",
        };
        match (self, other) {
            (
                Shape::Image { c, h, w },
                Shape::Image {
                    c: c2,
                    h: h2,
                    w: w2,
                },
            ) => {
                if h.conflicts(h2) || w.conflicts(w2) {
                    return Err(mismatch(format!("{h}×{w} and {h2}×{w2} maps")));
                }
                Ok(Shape::Image {
                    c: c.add(c2)?,
                    h: h.merge(h2),
                    w: w.merge(w2),
                })
            }
            (Shape::Vector { d }, Shape::Vector { d: d2 }) => Ok(Shape::Vector { d: d.add(d2)? }),
            (Shape::Sequence { t, d }, Shape::Sequence { t: t2, d: d2 }) => {
                if t.conflicts(t2) {
                    return Err(mismatch(format!("{t} and {t2} time steps")));
                }
                Ok(Shape::Sequence {
                    t: t.merge(t2),
                    d: d.add(d2)?,
                })
            }
            (Shape::Unknown, _) | (_, Shape::Unknown) => Ok(Shape::Unknown),
            (a, b) => Err(mismatch(format!("{a} and {b}"))),
        }
    }

    /// This shape with its channel/feature count unknown.
    pub fn without_channels(self) -> Shape {
        match self {
            Shape::Image { h, w, .. } => Shape::Image {
                c: Dim::Unknown,
                h,
                w,
            },
            Shape::Vector { .. } => Shape::Vector { d: Dim::Unknown },
            Shape::Sequence { t, .. } => Shape::Sequence { t, d: Dim::Unknown },
            Shape::Unknown => Shape::Unknown,
        }
    }
}

/// Output size of a same-padded window with stride `stride`: `ceil(size / stride)`, as the
/// compiled ops produce. `Err` with the floor size when the stride is larger than the map
/// (`floor(size / stride) = 0`: the map shrinks to nothing).
fn window(dim: Dim, stride: i64) -> Result<Dim, i64> {
    let Dim::Known(n) = dim else {
        return Ok(Dim::Unknown);
    };
    if n < stride {
        return Err(n / stride);
    }
    Ok(size::ceil_div(n, stride).map_or(Dim::Unknown, Dim::Known))
}

/// Why an op does not fit its input: the diagnostic's code, a message and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misfit {
    /// The diagnostic's code (`shape`, `overflow`, …).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: &'static str,
}

/// A shape as the wiring plan sees it: images compare their maps' sizes, and preprocessing
/// brings an input to the cell's channels at the newest input's size.
impl Wired for Shape {
    fn resolution(self, newest: Shape) -> Option<Resolution> {
        let (
            Shape::Image {
                h: Dim::Known(h),
                w: Dim::Known(w),
                ..
            },
            Shape::Image {
                h: Dim::Known(nh),
                w: Dim::Known(nw),
                ..
            },
        ) = (self, newest)
        else {
            return None;
        };
        let halved = |n: i64| size::ceil_div(n, 2).ok();
        Some(if (h, w) == (nh, nw) {
            Resolution::Same
        } else if (halved(h), halved(w)) == (Some(nh), Some(nw)) {
            Resolution::Double
        } else {
            Resolution::Other
        })
    }

    fn preprocessed(self, channels: Option<i64>, newest: Shape) -> Shape {
        match newest {
            Shape::Image { h, w, .. } => Shape::Image {
                c: channels.map_or(Dim::Unknown, Dim::Known),
                h,
                w,
            },
            _ => self,
        }
    }
}

impl Shape {
    /// This shape as the edges of a cell with stride `stride` (`None`: not known) see it from
    /// one of the cell's inputs: its map `stride` times smaller (the wiring plan strides each
    /// such edge's op; a skip becomes a factorized reduce keeping the channels).
    pub fn strided(self, stride: Option<i64>) -> Shape {
        match self {
            Shape::Image { c, h, w } if stride != Some(1) => {
                let side = |d: Dim| match (d, stride) {
                    (Dim::Known(n), Some(s)) if s >= 1 => {
                        size::ceil_div(n, s).map_or(Dim::Unknown, Dim::Known)
                    }
                    _ => Dim::Unknown,
                };
                Shape::Image {
                    c,
                    h: side(h),
                    w: side(w),
                }
            }
            _ => self,
        }
    }
}

/// A hint for ops that got the wrong kind of input.
const KIND_HINT: &str =
    "check what the previous op produces: `global_avg_pool` and `flatten` turn images into vectors";
/// A hint for maps that shrink to nothing.
const SIZE_HINT: &str = "use fewer downsampling stages or a larger input";
/// A hint for bad argument values.
const VALUE_HINT: &str = "check the op's arguments";

/// Applies a built-in op with integer arguments `args` (in parameter order, defaults filled
/// in; `None` where unknown, and the float of `dropout` and `locked_dropout` as `p_float`) to
/// `input`.
/// Returns the output shape or why the op does not fit.
pub fn apply_builtin(
    builtin: Builtin,
    args: &[Option<i64>],
    p_float: Option<f64>,
    input: Shape,
) -> Result<Shape, Misfit> {
    if builtin == Builtin::Flatten {
        return flatten(input).map_err(|error| Misfit {
            code: "overflow",
            message: format!("`flatten`'s output size: {error}"),
            hint: OVERFLOW_HINT,
        });
    }
    rule(builtin, args, p_float, input).map_err(|message| {
        let hint = if message.contains("shrinks") {
            SIZE_HINT
        } else if message.contains("its input is") {
            KIND_HINT
        } else {
            VALUE_HINT
        };
        Misfit {
            code: "shape",
            message,
            hint,
        }
    })
}

/// `flatten`'s output: the product of its input's sizes, checked.
fn flatten(input: Shape) -> Result<Shape, SizeError> {
    let known = |dims: &[Dim]| -> Option<Vec<i64>> {
        dims.iter()
            .map(|d| match d {
                Dim::Known(n) => Some(*n),
                Dim::Unknown => None,
            })
            .collect()
    };
    let dims = match input {
        Shape::Image { c, h, w } => known(&[c, h, w]),
        Shape::Sequence { t, d } => known(&[t, d]),
        Shape::Vector { d } => return Ok(Shape::Vector { d }),
        Shape::Unknown => None,
    };
    Ok(Shape::Vector {
        d: match dims {
            Some(dims) => Dim::Known(size::product(dims)?),
            None => Dim::Unknown,
        },
    })
}

/// The shape rule of `builtin` (see [`apply_builtin`]); the error is a message.
fn rule(
    builtin: Builtin,
    args: &[Option<i64>],
    p_float: Option<f64>,
    input: Shape,
) -> Result<Shape, String> {
    let arg = |i: usize| args.get(i).copied().flatten();
    for (i, value) in args.iter().enumerate() {
        if let Some(v) = value {
            if *v < 1 {
                let name = super::builtins::params(builtin)
                    .get(i)
                    .map_or("argument", |p| p.name);
                return Err(format!(
                    "`{}`'s `{name}` must be at least 1, but it is {v}",
                    builtin.name()
                ));
            }
        }
    }
    let conv_like = |c: Option<i64>,
                     k: Option<i64>,
                     stride: Option<i64>,
                     dilation: Option<i64>|
     -> Result<Shape, String> {
        match input {
            Shape::Image { c: in_c, h, w } => {
                let out_c = match c {
                    Some(c) => Dim::Known(c),
                    None if builtin == Builtin::DepthwiseConv || is_pool(builtin) => in_c,
                    None => Dim::Unknown,
                };
                let (Some(k), Some(stride), Some(dilation)) = (k, stride, dilation) else {
                    return Ok(Shape::Image {
                        c: out_c,
                        h: Dim::Unknown,
                        w: Dim::Unknown,
                    });
                };
                let _ = dilation;
                if is_pool(builtin) && k % 2 == 0 {
                    return Err(format!(
                        "`{}` needs an odd kernel so its padding is symmetric, but it is {k}",
                        builtin.name()
                    ));
                }
                let (oh, ow) = match (window(h, stride), window(w, stride)) {
                    (Ok(oh), Ok(ow)) => (oh, ow),
                    (Err(floor_h), _) | (_, Err(floor_h)) => {
                        let floor_w = match w {
                            Dim::Known(w) => (w / stride).to_string(),
                            Dim::Unknown => "?".to_string(),
                        };
                        return Err(format!(
                            "`{}` with stride {stride} shrinks the {h}×{w} map to {floor_h}×{floor_w}",
                            builtin.name()
                        ));
                    }
                };
                Ok(Shape::Image {
                    c: out_c,
                    h: oh,
                    w: ow,
                })
            }
            Shape::Unknown => Ok(Shape::Image {
                c: c.map_or(Dim::Unknown, Dim::Known),
                h: Dim::Unknown,
                w: Dim::Unknown,
            }),
            other => Err(format!(
                "`{}` needs an image, but its input is {other}",
                builtin.name()
            )),
        }
    };
    match builtin {
        Builtin::Conv => {
            let groups = arg(4);
            if let (Some(g), Shape::Image { c: Dim::Known(in_c), .. }) = (groups, input) {
                if in_c % g != 0 || arg(0).is_some_and(|c| c % g != 0) {
                    return Err(format!("`conv` with groups {g} needs channel counts divisible by {g}"));
                }
            }
            // The map's size does not depend on the kernel (same padding); a kernel is known
            // when its height and width are (`kh` and `kw` default to `k`).
            let kernel = match (arg(5).or(arg(1)), arg(6).or(arg(1))) {
                (Some(h), Some(w)) => Some(h.max(w)),
                _ => None,
            };
            conv_like(arg(0), kernel, arg(2), arg(3))
        }
        Builtin::SepConv => conv_like(arg(0), arg(1), arg(2), Some(1)),
        Builtin::DilConv => conv_like(arg(0), arg(1), arg(2), arg(3)),
        Builtin::DepthwiseConv => conv_like(None, arg(0), arg(1), Some(1)),
        Builtin::MaxPool | Builtin::AvgPool => conv_like(None, arg(0), arg(1), Some(1)),
        Builtin::Resblock => conv_like(arg(0), Some(3), arg(1), Some(1)),
        Builtin::Mbconv => {
            let groups = arg(4);
            if let (Some(g), Shape::Image { c: Dim::Known(in_c), .. }) = (groups, input) {
                if in_c % g != 0 || arg(0).is_some_and(|c| c % g != 0) {
                    return Err(format!("`mbconv` with groups {g} needs channel counts divisible by {g}"));
                }
            }
            conv_like(arg(0), arg(2), arg(3), Some(1))
        }
        Builtin::FactorizedReduce => {
            if let Some(c) = arg(0).filter(|&c| c < 2) {
                return Err(format!("`factorized_reduce` splits channels in two halves, so it needs at least 2, not {c}"));
            }
            conv_like(arg(0), Some(1), Some(2), Some(1))
        }
        Builtin::TiedLinear => match input {
            Shape::Sequence { t, .. } => Ok(Shape::Sequence { t, d: arg(0).map_or(Dim::Unknown, Dim::Known) }),
            Shape::Unknown => Ok(Shape::Unknown),
            other => Err(format!(
                "`tied_linear` shares a sequence model's embedding, but its input is {other}; use `linear`"
            )),
        },
        Builtin::Linear => match input {
            Shape::Vector { .. } => Ok(Shape::Vector { d: arg(0).map_or(Dim::Unknown, Dim::Known) }),
            Shape::Sequence { t, .. } => Ok(Shape::Sequence { t, d: arg(0).map_or(Dim::Unknown, Dim::Known) }),
            Shape::Unknown => Ok(Shape::Unknown),
            image => Err(format!(
                "`linear` needs a vector or a sequence, but its input is {image}; add `global_avg_pool` or `flatten` first"
            )),
        },
        Builtin::Dropout => match p_float {
            Some(p) if !(0.0..1.0).contains(&p) => Err(format!("`dropout`'s `p` must be in [0, 1), but it is {p}")),
            _ => Ok(input),
        },
        Builtin::LockedDropout => match (p_float, input) {
            (Some(p), _) if !(0.0..1.0).contains(&p) => {
                Err(format!("`locked_dropout`'s `p` must be in [0, 1), but it is {p}"))
            }
            (_, Shape::Sequence { .. } | Shape::Unknown) => Ok(input),
            (_, other) => Err(format!(
                "`locked_dropout` shares one mask over a sequence's steps, but its input is {other}; use `dropout`"
            )),
        },
        Builtin::GlobalAvgPool => match input {
            Shape::Image { c, .. } => Ok(Shape::Vector { d: c }),
            Shape::Unknown => Ok(Shape::Unknown),
            other => Err(format!("`global_avg_pool` needs an image, but its input is {other}")),
        },
        Builtin::Embedding => match input {
            Shape::Sequence { t, .. } | Shape::Vector { d: t } => Ok(Shape::Sequence {
                t,
                d: arg(1).map_or(Dim::Unknown, Dim::Known),
            }),
            Shape::Unknown => Ok(Shape::Unknown),
            other => Err(format!("`embedding` needs token ids (a sequence), but its input is {other}")),
        },
        Builtin::Batchnorm => match input {
            Shape::Image { .. } | Shape::Vector { .. } | Shape::Sequence { .. } | Shape::Unknown => Ok(input),
        },
        _ => Ok(input),
    }
}

fn is_pool(builtin: Builtin) -> bool {
    matches!(builtin, Builtin::MaxPool | Builtin::AvgPool)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(c: i64, h: i64, w: i64) -> Shape {
        Shape::Image {
            c: Dim::Known(c),
            h: Dim::Known(h),
            w: Dim::Known(w),
        }
    }

    #[test]
    fn non_square_kernels_keep_same_padding() {
        let conv = |args: [Option<i64>; 7], input| apply_builtin(Builtin::Conv, &args, None, input);
        let (one, seven) = (Some(1), Some(7));
        let hw = [Some(16), None, one, one, one, one, seven];
        assert_eq!(conv(hw, image(3, 32, 20)), Ok(image(16, 32, 20)));
        let strided = [Some(16), Some(3), Some(2), one, one, None, Some(5)];
        assert_eq!(conv(strided, image(3, 9, 9)), Ok(image(16, 5, 5)));
        let zero = [Some(16), Some(3), one, one, one, Some(0), None];
        let err = conv(zero, image(3, 9, 9)).unwrap_err();
        assert!(
            err.message.contains("`kh` must be at least 1"),
            "{}",
            err.message
        );
    }

    #[test]
    fn convolutions_keep_or_divide_maps() {
        let conv =
            |args: [i64; 5], input| apply_builtin(Builtin::Conv, &args.map(Some), None, input);
        assert_eq!(
            conv([16, 3, 1, 1, 1], image(3, 32, 32)),
            Ok(image(16, 32, 32))
        );
        assert_eq!(
            conv([16, 3, 2, 1, 1], image(3, 32, 32)),
            Ok(image(16, 16, 16))
        );
        assert_eq!(conv([16, 2, 2, 1, 1], image(3, 7, 7)), Ok(image(16, 4, 4)));
        assert_eq!(conv([16, 4, 1, 1, 1], image(3, 2, 2)), Ok(image(16, 2, 2)));
        let out = apply_builtin(Builtin::AvgPool, &[Some(3), Some(1)], None, image(5, 8, 8));
        assert_eq!(out, Ok(image(5, 8, 8)));
        let out = apply_builtin(Builtin::FactorizedReduce, &[Some(7)], None, image(5, 9, 9));
        assert_eq!(out, Ok(image(7, 5, 5)));
    }

    #[test]
    fn strides_larger_than_the_map_are_errors() {
        let out = apply_builtin(Builtin::Resblock, &[Some(8), Some(2)], None, image(3, 1, 1));
        assert_eq!(
            out.map_err(|m| m.message),
            Err("`resblock` with stride 2 shrinks the 1×1 map to 0×0".to_string())
        );
        let out = apply_builtin(Builtin::MaxPool, &[Some(2), Some(1)], None, image(3, 4, 4));
        assert!(out.is_err());
    }

    #[test]
    fn sizes_that_overflow_are_misfits_not_wraps() {
        let huge = image(i64::MAX - 1, 8, 8);
        assert_eq!(huge.concat(image(2, 8, 8)).unwrap_err().code, "overflow");
        let flat = apply_builtin(
            Builtin::Flatten,
            &[],
            None,
            image(1 << 30, 1 << 20, 1 << 20),
        );
        let misfit = flat.unwrap_err();
        assert_eq!(misfit.code, "overflow");
        assert!(
            misfit.message.contains("overflows a 64-bit int"),
            "{}",
            misfit.message
        );
        let ok = apply_builtin(Builtin::Flatten, &[], None, image(3, 4, 5));
        assert_eq!(ok, Ok(Shape::Vector { d: Dim::Known(60) }));
    }

    #[test]
    fn cells_wire_shapes_as_the_plan_says() {
        use crate::wiring::cell_inputs;
        let read = [image(16, 32, 32), image(32, 16, 16)];
        let wired = cell_inputs(&read, 2, Some(8)).unwrap();
        assert!(wired.iter().all(|w| w.shape == image(8, 16, 16)));
        assert_eq!(
            image(8, 7, 7).resolution(image(8, 4, 4)),
            Some(Resolution::Double)
        );
        assert!(cell_inputs(&[image(16, 32, 32), image(8, 8, 8)], 2, Some(8)).is_err());
        assert_eq!(image(8, 7, 7).strided(Some(2)), image(8, 4, 4));
        assert_eq!(
            image(8, 7, 7).strided(None),
            Shape::Image {
                c: Dim::Known(8),
                h: Dim::Unknown,
                w: Dim::Unknown
            }
        );
    }

    #[test]
    fn sums_and_concats() {
        assert_eq!(
            image(16, 8, 8).mismatch(image(32, 8, 8)).as_deref(),
            Some("16 and 32 channels")
        );
        assert_eq!(image(16, 8, 8).concat(image(32, 8, 8)), Ok(image(48, 8, 8)));
        assert!(image(16, 8, 8).concat(image(16, 4, 4)).is_err());
    }
}
