//! The library's error type. Every error a user can cause says where (file, line, column),
//! what (the value) and what to do about it; `main.rs` maps the kinds to exit codes.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input a problem was found. Every part is optional because not every input
/// has lines (a Parquet store) or columns (a JSON page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: Option<PathBuf>,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
}

impl Location {
    pub fn file(path: impl AsRef<Path>) -> Self {
        Location { file: Some(path.as_ref().to_path_buf()), ..Default::default() }
    }
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            match self.line {
                Some(line) => parts.push(format!("{}:{}", file.display(), line)),
                None => parts.push(file.display().to_string()),
            }
        } else if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = &self.column {
            parts.push(format!("column `{column}`"));
        }
        if let Some(value) = &self.value {
            parts.push(format!("value {value:?}"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input data: a file that cannot be read as what it should be.
    #[error("{0}")]
    Input(Box<InputError>),
    /// Several problems found at once (e.g. every unknown activity name).
    #[error("{0}")]
    Many(String),
    /// The command line asks for something impossible; exit code 2.
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Polars(Box<polars::error::PolarsError>),
    /// Talking to the LivePerson API failed (after retries, or a non-retryable answer).
    #[error("{0}")]
    Api(String),
    /// A bug: something adhere itself should never have done; exit code 1.
    #[error("internal error: {0}; please report this")]
    Internal(String),
}

/// What was wrong with an input, where, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub location: Location,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Polars(Box::new(e))
    }
}

impl Error {
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input(Box::new(InputError { location, message: message.into(), hint: None }))
    }
    pub fn input_hint(location: Location, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Input(Box::new(InputError { location, message: message.into(), hint: Some(hint.into()) }))
    }
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }
    /// The process exit code for this error (SPEC §5: 1 bad input or runtime error, 2 usage).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
