//! The one error type of compiling and running a network: an op that cannot be built from its
//! arguments, a text that does not name an architecture, or libtorch refusing a shape.

/// Why a network could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// An op's arguments are out of range (e.g. a kernel of 0, channels not divisible by groups).
    #[error("{path}: cannot build `{op}`: {message}")]
    BadOp {
        /// The op's path in the architecture (`cells.3.edges.2<-1`).
        path: String,
        /// The op's name.
        op: String,
        /// What is wrong.
        message: String,
    },
    /// An architecture's text (e.g. a NAS-Bench-201 string) does not parse.
    #[error("bad architecture `{text}`: {message}")]
    BadArch {
        /// The text given.
        text: String,
        /// What is wrong, in words.
        message: String,
    },
    /// The space cannot be loaded, or its architectures cannot be compiled yet.
    #[error("space `{space}`: {message}")]
    UnknownSpace {
        /// The name given.
        space: String,
        /// Why, in words (for a space that fails to load, its rendered diagnostics).
        message: String,
    },
    /// A size (channels, a map's scale, an operation count) does not fit in a 64-bit int.
    #[error("size arithmetic: {0}")]
    Size(#[from] crate::wiring::size::SizeError),
    /// libtorch refused an operation (usually a shape that does not fit).
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl CompileError {
    /// A [`CompileError::BadOp`] about the op `op` at `path`.
    pub fn bad_op(path: &tch::nn::Path, op: &str, message: impl Into<String>) -> Self {
        CompileError::BadOp {
            path: path_name(path),
            op: op.to_string(),
            message: message.into(),
        }
    }
}

/// The dotted name of a variable-store path, `<root>` for the root.
pub fn path_name(path: &tch::nn::Path) -> String {
    let name = path.components().collect::<Vec<_>>().join(".");
    if name.is_empty() {
        "<root>".to_string()
    } else {
        name
    }
}
