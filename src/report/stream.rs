//! Views written a part at a time: every view of a report computed in agent partitions
//! (`adherence::partition`), and the two largest views (exceptions, intervals) of a report in
//! one piece (`adherence::views::Streamed`). Each part's rows are appended as soon as they
//! are computed, so such a view is never whole in memory. The file appears at its path only
//! when [`ViewSink::finish`] renames it into place; a run that fails leaves nothing
//! half-written.
//!
//! The bytes are those of the one-piece writers: the same header, separators and cells,
//! whatever the number of parts (the partition tests compare them byte for byte).

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::csv::Csv;
use super::json::Json;
use super::parquet::ParquetSink;
use super::{publish, temp_beside, Format};
use crate::error::{Error, Result};

enum Target {
    /// Not locked (a lock cannot move between threads): each flush of the buffer locks.
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        path: PathBuf,
        tmp: tempfile::NamedTempFile,
        w: Option<std::io::BufWriter<std::fs::File>>,
    },
    /// Parquet: each part's rows go to the file's row groups as they come (the writer is
    /// made with the first part, whose columns it needs).
    Parquet {
        path: PathBuf,
        tmp: tempfile::NamedTempFile,
        sink: Option<Box<ParquetSink<std::io::BufWriter<std::fs::File>>>>,
    },
}

/// Why `format` cannot be written a part at a time (None: it can): tables and documents
/// need the whole report.
pub fn needs_whole_report(format: Format) -> Option<Error> {
    matches!(format, Format::Table | Format::Markdown | Format::Html).then(|| {
        Error::usage(format!(
            "--format {} needs the whole report at once; with --partitions, use csv, json, ndjson or parquet",
            format.extension().replace("md", "markdown").replace("txt", "table")
        ))
    })
}

/// One view being written in parts.
pub struct ViewSink {
    format: Format,
    target: Target,
    parts: usize,
    rows: usize,
}

impl ViewSink {
    /// A view to be written to `path` (None: stdout, for the text formats).
    pub fn create(format: Format, path: Option<&Path>) -> Result<ViewSink> {
        if let Some(e) = needs_whole_report(format) {
            return Err(e);
        }
        let target = match path {
            // `cmd::common::view_targets` gives binary formats a file, always.
            None if format.is_binary() => return Err(Error::usage("binary output needs --out FILE or --out DIR")),
            None => Target::Stdout(std::io::BufWriter::with_capacity(1 << 20, std::io::stdout())),
            Some(path) => {
                if format.is_binary() {
                    Target::Parquet { path: path.to_path_buf(), tmp: temp_beside(path)?, sink: None }
                } else {
                    let tmp = temp_beside(path)?;
                    let f = tmp.reopen().map_err(|e| Error::io(path, e))?;
                    Target::File { path: path.to_path_buf(), tmp, w: Some(std::io::BufWriter::with_capacity(1 << 20, f)) }
                }
            }
        };
        Ok(ViewSink { format, target, parts: 0, rows: 0 })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.target {
            Target::Stdout(w) => w,
            Target::File { w, .. } => w.as_mut().expect("open until finish"),
            Target::Parquet { .. } => unreachable!("parquet has its own writer"),
        }
    }

    /// Appends one part's rows (every part has the view's columns, in the same order).
    pub fn append(&mut self, df: &DataFrame) -> Result<()> {
        let first_part = self.parts == 0;
        let no_rows_yet = self.rows == 0;
        self.parts += 1;
        self.rows += df.height();
        match self.format {
            Format::Parquet => {
                let Target::Parquet { path, tmp, sink } = &mut self.target else { unreachable!("parquet has its own writer") };
                if sink.is_none() {
                    let f = tmp.reopen().map_err(|e| Error::io(&*path, e))?;
                    *sink = Some(Box::new(ParquetSink::new(std::io::BufWriter::with_capacity(1 << 20, f), df.schema())?));
                }
                sink.as_mut().expect("made above").push(df)
            }
            Format::Csv => {
                let w = self.writer();
                if first_part {
                    Csv::write_header(df, w)?;
                }
                Csv::write_rows(df, w)
            }
            Format::Json | Format::Ndjson => {
                let lines = self.format == Format::Ndjson;
                let w = self.writer();
                if first_part && !lines {
                    w.write_all(b"[").map_err(|e| Error::io("output", e))?;
                }
                Json { lines }.write_rows(df, w, no_rows_yet)
            }
            _ => unreachable!("refused in create"),
        }
    }

    /// Ends the view and puts it in place; returns its path (None for stdout).
    pub fn finish(mut self) -> Result<Option<PathBuf>> {
        if self.format == Format::Json {
            let end: &[u8] = if self.rows == 0 { b"]\n" } else { b"\n]\n" };
            let no_parts = self.parts == 0;
            let w = self.writer();
            if no_parts {
                w.write_all(b"[").map_err(|e| Error::io("output", e))?;
            }
            w.write_all(end).map_err(|e| Error::io("output", e))?;
        }
        match self.target {
            Target::Stdout(mut w) => {
                w.flush().map_err(|e| Error::io("stdout", e))?;
                Ok(None)
            }
            Target::File { path, tmp, mut w } => {
                let mut w = w.take().expect("open until finish");
                w.flush().map_err(|e| Error::io(&path, e))?;
                drop(w);
                publish(tmp, &path)?;
                Ok(Some(path))
            }
            Target::Parquet { path, tmp, sink } => {
                let sink = sink.ok_or_else(|| Error::internal("a view written in parts got no part"))?;
                let mut w = sink.finish()?;
                w.flush().map_err(|e| Error::io(&path, e))?;
                drop(w);
                publish(tmp, &path)?;
                Ok(Some(path))
            }
        }
    }
}
