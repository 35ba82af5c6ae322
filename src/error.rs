//! The library's error type.
//!
//! Messages name the bad value, in lower case, with no trailing period.
//! Context (which file, which line) is added by wrapping, not by formatting
//! it into the message.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug)]
pub enum Error {
    /// An I/O error, with the path it happened on.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A setting out of its allowed range.
    Config(String),
    /// Anything else, with a message.
    Other(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
            Error::Other(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }
}
