//! Data shapes and the shape rules of the built-in ops.

use crate::syntax::builtin::Builtin;
use std::fmt;

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

    fn add(self, other: Dim) -> Dim {
        match (self, other) {
            (Dim::Known(a), Dim::Known(b)) => a.checked_add(b).map_or(Dim::Unknown, Dim::Known),
            _ => Dim::Unknown,
        }
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

    /// Concatenates along channels (features for vectors and sequences); `None` with a reason
    /// when the other dimensions disagree.
    pub fn concat(self, other: Shape) -> Result<Shape, String> {
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
                    return Err(format!("{h}×{w} and {h2}×{w2} maps"));
                }
                Ok(Shape::Image {
                    c: c.add(c2),
                    h: h.merge(h2),
                    w: w.merge(w2),
                })
            }
            (Shape::Vector { d }, Shape::Vector { d: d2 }) => Ok(Shape::Vector { d: d.add(d2) }),
            (Shape::Sequence { t, d }, Shape::Sequence { t: t2, d: d2 }) => {
                if t.conflicts(t2) {
                    return Err(format!("{t} and {t2} time steps"));
                }
                Ok(Shape::Sequence {
                    t: t.merge(t2),
                    d: d.add(d2),
                })
            }
            (Shape::Unknown, _) | (_, Shape::Unknown) => Ok(Shape::Unknown),
            (a, b) => Err(format!("{a} and {b}")),
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
fn window(size: Dim, stride: i64) -> Result<Dim, i64> {
    let Dim::Known(n) = size else {
        return Ok(Dim::Unknown);
    };
    if n < stride {
        return Err(n / stride);
    }
    Ok(Dim::Known((n + stride - 1) / stride))
}

/// Why an op does not fit its input: a message and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misfit {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: &'static str,
}

/// A hint for ops that got the wrong kind of input.
const KIND_HINT: &str =
    "check what the previous op produces: `global_avg_pool` and `flatten` turn images into vectors";
/// A hint for maps that shrink to nothing.
const SIZE_HINT: &str = "use fewer downsampling stages or a larger input";
/// A hint for bad argument values.
const VALUE_HINT: &str = "check the op's arguments";

/// Applies a built-in op with integer arguments `args` (in parameter order, defaults filled
/// in; `None` where unknown, and the float for `dropout` as `p_float`) to `input`.
/// Returns the output shape or why the op does not fit.
pub fn apply_builtin(
    builtin: Builtin,
    args: &[Option<i64>],
    p_float: Option<f64>,
    input: Shape,
) -> Result<Shape, Misfit> {
    rule(builtin, args, p_float, input).map_err(|message| {
        let hint = if message.contains("shrinks") {
            SIZE_HINT
        } else if message.contains("its input is") {
            KIND_HINT
        } else {
            VALUE_HINT
        };
        Misfit { message, hint }
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
        Builtin::Mbconv => conv_like(arg(0), arg(2), arg(3), Some(1)),
        Builtin::FactorizedReduce => {
            if let Some(c) = arg(0).filter(|&c| c < 2) {
                return Err(format!("`factorized_reduce` splits channels in two halves, so it needs at least 2, not {c}"));
            }
            conv_like(arg(0), Some(1), Some(2), Some(1))
        }
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
        Builtin::GlobalAvgPool => match input {
            Shape::Image { c, .. } => Ok(Shape::Vector { d: c }),
            Shape::Unknown => Ok(Shape::Unknown),
            other => Err(format!("`global_avg_pool` needs an image, but its input is {other}")),
        },
        Builtin::Flatten => Ok(match input {
            Shape::Image { c: Dim::Known(c), h: Dim::Known(h), w: Dim::Known(w) } => Shape::Vector {
                d: c.checked_mul(h).and_then(|x| x.checked_mul(w)).map_or(Dim::Unknown, Dim::Known),
            },
            Shape::Sequence { t: Dim::Known(t), d: Dim::Known(d) } => Shape::Vector {
                d: t.checked_mul(d).map_or(Dim::Unknown, Dim::Known),
            },
            Shape::Vector { d } => Shape::Vector { d },
            _ => Shape::Vector { d: Dim::Unknown },
        }),
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
    fn sums_and_concats() {
        assert_eq!(
            image(16, 8, 8).mismatch(image(32, 8, 8)).as_deref(),
            Some("16 and 32 channels")
        );
        assert_eq!(image(16, 8, 8).concat(image(32, 8, 8)), Ok(image(48, 8, 8)));
        assert!(image(16, 8, 8).concat(image(16, 4, 4)).is_err());
    }
}
