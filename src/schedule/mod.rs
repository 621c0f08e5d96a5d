//! Schedules: files in any supported layout → [`ScheduleRows`] → per agent, the row that
//! applies at each instant and the shifts (SPEC §3.2).
//!
//! A layout is one [`Format`]: the generic CSV lives in `generic.rs`; a vendor preset is one
//! more file beside it, registered in [`formats`].

pub mod check;
pub mod cxone;
pub mod datetime;
pub mod diff;
pub mod diff_format;
pub mod generic;
pub mod genesys;
pub mod ics;
pub mod iex;
pub mod matching;
pub mod roster;
pub mod rows;
pub mod shifts;
pub mod table;
pub mod windows_zones;
pub mod zendesk;

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::rules::{Rules, StateToken};
pub use rows::{ReadOptions, Rejected, Row, ScheduleRows};
use shifts::RowRule;
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
    vec![&ics::ICalendar, &genesys::Genesys, &iex::IexDetail, &cxone::CxoneCsv, &zendesk::ZendeskCsv, &generic::GenericCsv]
}

/// The `--schedule-format` names, in detection order.
pub fn format_names() -> Vec<&'static str> {
    formats().iter().map(|f| f.name()).collect()
}

/// Each row's activity rule, or an error listing every activity name the rules lack.
pub fn row_rules(rows: &ScheduleRows, rules: &Rules) -> Result<Vec<RowRule>> {
    let found = rules.resolve_all(rows.activity.iter().map(String::as_str))?;
    Ok(rows
        .activity
        .iter()
        .map(|a| {
            let i = found[a.as_str()];
            let rule = &rules.activities[i];
            RowRule { rule: i as u32, counted: rule.counted, allows_logged_out: rule.allowed.contains(&StateToken::LoggedOut) }
        })
        .collect())
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
    /// The layout each file was read as (`--schedule-format` names), in file order.
    pub formats: Vec<&'static str>,
}

/// Reads schedule files in command-line order. `format` forces a layout by name; otherwise
/// each file's layout is detected.
pub fn read_files(paths: &[PathBuf], format: Option<&str>, opts: &ReadOptions) -> Result<ScheduleInput> {
    let mut input = ScheduleInput::default();
    let all = formats();
    for path in &expand_dirs(paths)? {
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
        input.formats.push(fmt.name());
    }
    Ok(input)
}

/// The extensions of schedule files a directory given as a schedule path is read for.
const SCHEDULE_EXTENSIONS: [&str; 5] = ["csv", "txt", "tsv", "json", "ics"];

/// Paths in command-line order, a directory replaced by its schedule files
/// ([`SCHEDULE_EXTENSIONS`], any case) in name order, not recursive.
fn expand_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut names: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| Error::io(p, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| {
                let ext = f.extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
                f.is_file() && ext.is_some_and(|x| SCHEDULE_EXTENSIONS.contains(&x.as_str()))
            })
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(Error::input_hint(
                Location::file(p),
                "this directory holds no schedule files (.csv, .txt, .tsv, .json, .ics)",
                "point --schedule at schedule exports, or a directory of them",
            ));
        }
        out.extend(names);
    }
    Ok(out)
}

/// Reads `text` with the layout named `format`, both stopping at the first bad row and
/// skipping bad rows, and checks what every reader promises (rows end after they start).
/// For the `fuzz/` targets and the robustness tests; panics only on a broken promise.
#[doc(hidden)]
pub fn fuzz_read(format: &str, text: &str) {
    let Some(f) = formats().into_iter().find(|f| f.name() == format) else { return };
    for skip_invalid in [false, true] {
        let opts = ReadOptions { skip_invalid, ..Default::default() };
        for name in ["schedule.csv", "schedule.ics", "agentScheduleDetail_010124_0000.txt"] {
            let path = Path::new(name);
            let _ = f.detect(path, text);
            let mut rows = ScheduleRows::default();
            let mut rejects = Vec::new();
            let _ = f.read(path, text, &opts, &mut rows, &mut rejects);
            for i in 0..rows.len() {
                assert!(rows.end[i] > rows.start[i], "{format}: a row does not end after it starts");
            }
        }
    }
}
