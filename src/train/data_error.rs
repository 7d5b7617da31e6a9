//! The one error type for reading data files: every variant names the file it is about.

use std::path::PathBuf;

/// A data file that could not be read or does not hold what its format promises.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file's content does not match its format.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words.
        message: String,
    },
    /// A dataset's files do not fit together (e.g. image and label counts differ).
    #[error("{path}: {message}")]
    Mismatch {
        /// The dataset's folder or main file.
        path: PathBuf,
        /// What does not fit.
        message: String,
    },
}

impl DataError {
    /// A format error about `path`.
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError::Format {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A hint for the user on how to get the data, where one applies.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            DataError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some("Fashion-MNIST comes from Debian's `dataset-fashion-mnist` package: run `make setup` (or `apt-get install dataset-fashion-mnist`), or pass --data DIR")
            }
            _ => None,
        }
    }
}
