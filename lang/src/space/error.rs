//! Errors raised by space operations: malformed architecture strings, invalid spaces, and
//! requests a space cannot satisfy (a constraint nothing meets, a space too big to enumerate).

use thiserror::Error;

/// Something a space operation could not do, with a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpaceError {
    /// An architecture string or JSON value did not decode.
    #[error("cannot decode architecture: {message}")]
    Decode {
        /// What was wrong, naming the offending part.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// The space itself is ill-formed (built wrongly by the lowering or by hand).
    #[error("invalid space: {0}")]
    Invalid(String),
    /// The request is too large or impossible for this space.
    #[error("{message}")]
    Unsupported {
        /// What could not be done.
        message: String,
        /// What to do instead.
        hint: String,
    },
}

impl SpaceError {
    /// A decode error with a message and a hint.
    pub fn decode(message: impl Into<String>, hint: impl Into<String>) -> Self {
        SpaceError::Decode {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// An unsupported-request error with a message and a hint.
    pub fn unsupported(message: impl Into<String>, hint: impl Into<String>) -> Self {
        SpaceError::Unsupported {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// The hint attached to this error, if any.
    pub fn hint(&self) -> Option<&str> {
        match self {
            SpaceError::Decode { hint, .. } | SpaceError::Unsupported { hint, .. } => Some(hint),
            SpaceError::Invalid(_) => None,
        }
    }
}
