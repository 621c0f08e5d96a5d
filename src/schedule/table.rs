//! A delimited text table as the vendor presets read it: the header, then every non-blank
//! record with its line number, cells trimmed. Keeps the per-preset readers down to the
//! meaning of their columns.

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// Vendor header names are compared in one normal form: lower case, every run of characters
/// other than letters and digits read as `_`, no leading or trailing `_` (so `Start Time
/// (UTC)` is `start_time_utc` and `Shift Start Date and Time` is
/// `shift_start_date_and_time`). A byte-order mark is dropped.
pub fn vendor_norm(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut sep = false;
    for c in h.trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.extend(c.to_lowercase());
        } else {
            sep = true;
        }
    }
    out
}

/// A header plus records.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    /// Header cells as written (for messages) and normalised (for lookup).
    pub written: Vec<String>,
    pub norm: Vec<String>,
    /// `(line, cells)` of every non-blank record after the header.
    pub records: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Reads `text` split by `delim`. `header` is used when given (a header found elsewhere,
    /// such as IEX's `#fields` line); otherwise the first non-blank record is the header.
    /// Lines starting with `skip_prefix` are skipped.
    pub fn read(path: &Path, text: &str, delim: u8, header: Option<Vec<String>>, skip_prefix: Option<&str>) -> Result<Table> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .quoting(delim == b',')
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut table = Table { path: path.to_path_buf(), written: Vec::new(), norm: Vec::new(), records: Vec::new() };
        let mut have_header = false;
        if let Some(h) = header {
            table.norm = h.iter().map(|c| vendor_norm(c)).collect();
            table.written = h;
            have_header = true;
        }
        let mut record = csv::StringRecord::new();
        loop {
            let line_hint = rdr.position().line();
            match rdr.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(line_hint);
                    return Err(Error::input_hint(
                        Location::file(path).line(line),
                        format!("cannot read this line: {e}"),
                        "check the quoting on this line; cells containing the delimiter must be quoted",
                    ));
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line_hint);
            if record.iter().all(|c| c.is_empty()) {
                continue;
            }
            if skip_prefix.is_some_and(|p| record.get(0).is_some_and(|c| c.trim_start_matches('\u{feff}').starts_with(p))) {
                continue;
            }
            let cells: Vec<String> = record.iter().map(str::to_string).collect();
            if !have_header {
                table.norm = cells.iter().map(|c| vendor_norm(c)).collect();
                table.written = cells;
                have_header = true;
                continue;
            }
            table.records.push((line, cells));
        }
        Ok(table)
    }

    /// The first column whose normalised name is one of `names` (tried in order).
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.norm.iter().position(|h| h == n))
    }

    /// A column's header as written.
    pub fn written_name(&self, i: usize) -> &str {
        self.written.get(i).map(String::as_str).unwrap_or("?")
    }

    /// Where a cell is, for messages.
    pub fn loc(&self, line: u64, col: usize, value: &str) -> Location {
        Location::file(&self.path).line(line).column(self.written_name(col)).value(value)
    }
}

/// A cell of a record, `""` when the record is short.
pub fn cell(cells: &[String], col: Option<usize>) -> &str {
    col.and_then(|i| cells.get(i)).map(String::as_str).unwrap_or("")
}

/// Whether the first non-blank line of `head`, split by `delim`, has every one of `groups`
/// (each group: any one of its normalised names).
pub fn header_has(head: &str, delim: char, groups: &[&[&str]]) -> bool {
    let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let norm: Vec<String> = first.split(delim).map(|c| vendor_norm(c.trim_matches('"'))).collect();
    groups.iter().all(|g| g.iter().any(|n| norm.iter().any(|h| h == n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_headers_normalise_punctuation_and_case() {
        assert_eq!(vendor_norm("Shift Start Date and Time"), "shift_start_date_and_time");
        assert_eq!(vendor_norm(" Start Time (UTC) "), "start_time_utc");
        assert_eq!(vendor_norm("\u{feff}*Username"), "username");
        assert_eq!(vendor_norm("schedDate"), "scheddate");
        assert_eq!(vendor_norm("agent-email"), "agent_email");
    }
}
