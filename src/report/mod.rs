//! Output formats, one small file each (hyperfine's export model): an [`Exporter`] turns a
//! view (or the whole report) into bytes. The engine never formats anything; formats never
//! compute anything.

pub mod cells;
pub mod csv;
pub mod json;
pub mod parquet;
pub mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use crate::adherence::{Report, ViewName};
use crate::error::{Error, Result};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A terminal table (percentages rounded for display).
    Table,
    Csv,
    /// A JSON array of row objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet (needs --out).
    Parquet,
    /// A Markdown summary for CI step summaries and pull-request comments.
    Markdown,
    /// A self-contained HTML report.
    Html,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Parquet => "parquet",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Parquet)
    }
}

/// What an exporter is asked to write: one view's frame, and the report it came from (for
/// whole-report formats such as Markdown and HTML).
pub struct Output<'a> {
    pub view: ViewName,
    pub frame: &'a DataFrame,
    pub report: Option<&'a Report>,
}

/// A report format.
pub trait Exporter {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>>;
}

/// The exporter of a format.
pub fn exporter(format: Format) -> Result<Box<dyn Exporter>> {
    Ok(match format {
        Format::Table => Box::new(table::Table),
        Format::Csv => Box::new(csv::Csv),
        Format::Json => Box::new(json::Json { lines: false }),
        Format::Ndjson => Box::new(json::Json { lines: true }),
        Format::Parquet => Box::new(parquet::Parquet),
        Format::Markdown | Format::Html => {
            return Err(Error::usage(
                format!("--format {format:?} is not available yet; use table, csv, json, ndjson or parquet").to_lowercase(),
            ))
        }
    })
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a
/// reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
