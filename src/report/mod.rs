//! Output formats, one small file each (hyperfine's export model): an [`Exporter`] turns a
//! view (or the whole report) into bytes. The engine never formats anything; formats never
//! compute anything.

pub mod cells;
pub mod columns;
pub mod csv;
pub mod digest;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod parquet;
pub mod stream;
pub mod summary;
pub mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use crate::adherence::explain::Explanations;
use crate::adherence::targets::Targets;
use crate::adherence::{Report, ViewName};
use crate::error::{Error, Result};
use crate::rules::Rules;
use crate::time::Ms;

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
    /// Markdown and HTML render the whole report as one document rather than one view.
    pub fn is_document(self) -> bool {
        matches!(self, Format::Markdown | Format::Html)
    }
}

/// What the whole-report formats (Markdown, HTML) show beyond the views: the targets, a few
/// rules, and (for the HTML timelines) every selected shift explained.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub targets: Targets,
    /// Where the rules came from (`the built-in rules` or a path).
    pub rules_source: String,
    pub grace: Ms,
    pub min_exception: Ms,
    /// `--interval` (the heatmap's grid step).
    pub interval: Ms,
    /// Every selected shift, piece by piece (HTML timelines); `None` leaves them out.
    pub explanations: Option<Explanations>,
}

impl Document {
    pub fn new(rules: &Rules, targets: Targets) -> Document {
        Document {
            targets,
            rules_source: rules.source.clone(),
            grace: rules.grace,
            min_exception: rules.min_exception,
            interval: 30 * crate::time::MINUTE,
            explanations: None,
        }
    }
}

/// What an exporter is asked to write: one view's frame, and the report it came from (for
/// whole-report formats such as Markdown and HTML).
pub struct Output<'a> {
    pub view: ViewName,
    pub frame: &'a DataFrame,
    pub report: Option<&'a Report>,
}

/// A report format. Implement one of the two methods: row formats stream with `write_to`
/// (a month of intervals is millions of rows); documents build their bytes with
/// `serialize`.
pub trait Exporter {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.write_to(out, &mut buf)?;
        Ok(buf)
    }
    fn write_to(&self, out: &Output, w: &mut dyn Write) -> Result<()> {
        let bytes = self.serialize(out)?;
        w.write_all(&bytes).map_err(|e| Error::io("output", e))
    }
}

/// The exporter of a format.
pub fn exporter(format: Format) -> Result<Box<dyn Exporter>> {
    Ok(match format {
        Format::Table => Box::new(table::Table),
        Format::Csv => Box::new(csv::Csv),
        Format::Json => Box::new(json::Json { lines: false }),
        Format::Ndjson => Box::new(json::Json { lines: true }),
        Format::Parquet => Box::new(parquet::Parquet),
        Format::Markdown => Box::new(markdown::Markdown { doc: None }),
        Format::Html => Box::new(html::Html { doc: None }),
    })
}

/// The exporter of a format, with what the whole-report formats show beyond the views.
pub fn document_exporter<'a>(format: Format, doc: &'a Document) -> Result<Box<dyn Exporter + 'a>> {
    Ok(match format {
        Format::Markdown => Box::new(markdown::Markdown { doc: Some(doc) }),
        Format::Html => Box::new(html::Html { doc: Some(doc) }),
        other => exporter(other)?,
    })
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a
/// reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// Streams into a temporary file beside `path`, then renames it into place: nothing
/// half-written is ever visible at `path`, and the output need not fit in memory.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        fill(&mut w)?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    publish(tmp, path)
}

/// The directory `path` will be in (created if needed).
pub fn parent_dir(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// A private temporary file beside `path`, to be [`publish`]ed there when complete.
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path)?;
    tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))
}

/// Renames a complete temporary file into place at `path` as an ordinary file.
pub fn publish(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    // A temporary file is private (0600); what we publish is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(|e| Error::io(path, e))?;
    }
    // No fsync: a report can always be made again, and the rename alone already guarantees
    // that a reader (or an interrupted run) never sees half a file. The fetch store, which
    // cannot be remade, syncs its writes.
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
