//! Schedules: files in any supported layout → [`ScheduleRows`] → per agent, the row that
//! applies at each instant and the shifts (SPEC §3.2).
//!
//! A layout is one [`Format`]: the generic CSV lives in `generic.rs`; a vendor preset is one
//! more file beside it, registered in [`formats`].

pub mod generic;
pub mod matching;
pub mod rows;
pub mod shifts;

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
pub use rows::{ReadOptions, Rejected, Row, ScheduleRows};
pub use shifts::Shifts;

/// A schedule file layout.
pub trait Format: Sync {
    /// The `--schedule-format` name.
    fn name(&self) -> &'static str;
    /// Whether a file looks like this layout, from its path and first few kilobytes.
    fn detect(&self, path: &Path, head: &str) -> bool;
    /// Reads the whole file, pushing rows (bad rows go to `rejects` with `--skip-invalid`,
    /// else the first one fails).
    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()>;
}

/// Every supported layout, most specific first (the generic CSV is the fallback).
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&generic::GenericCsv]
}

/// Either fails with `err` or, with `--skip-invalid`, records the row as rejected and warns.
pub fn reject_or_fail(err: Error, opts: &ReadOptions, rejects: &mut Vec<Rejected>) -> Result<()> {
    if !opts.skip_invalid {
        return Err(err);
    }
    match err {
        Error::Input(e) => {
            eprintln!("warning: skipped schedule row: {}: {}", e.location, e.message);
            rejects.push(Rejected { location: e.location, reason: e.message });
            Ok(())
        }
        other => Err(other),
    }
}

/// Schedule rows read from files, plus the rows skipped.
#[derive(Debug, Clone, Default)]
pub struct ScheduleInput {
    pub rows: ScheduleRows,
    pub rejected: Vec<Rejected>,
}

/// Reads schedule files in command-line order. `format` forces a layout by name; otherwise
/// each file's layout is detected.
pub fn read_files(paths: &[PathBuf], format: Option<&str>, opts: &ReadOptions) -> Result<ScheduleInput> {
    let mut input = ScheduleInput::default();
    let all = formats();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Error::input_hint(
                Location::file(path).line(line),
                "the file is not UTF-8 text",
                "save the export as UTF-8 (most WFM tools offer it; or convert with iconv -f WINDOWS-1252 -t UTF-8)",
            )
        })?;
        let fmt: &dyn Format = match format {
            Some(name) => *all.iter().find(|f| f.name() == name).ok_or_else(|| {
                Error::usage(format!(
                    "unknown --schedule-format {name:?}; known formats: {}",
                    all.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
                ))
            })?,
            None => {
                let head: String = text.chars().take(8192).collect();
                *all.iter().find(|f| f.detect(path, &head)).unwrap_or(&all[all.len() - 1])
            }
        };
        fmt.read(path, &text, opts, &mut input.rows, &mut input.rejected)?;
    }
    Ok(input)
}
