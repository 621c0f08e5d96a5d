//! The generic schedule CSV (SPEC §3.2): `agent, activity, start, end | length_minutes,
//! [timezone], [shift_id], [team]`, header names case-insensitive with aliases.

use std::path::Path;

use super::rows::{read_length_minutes, read_time, read_zone, ReadOptions, Rejected, Row, ScheduleRows};
use super::{reject_or_fail, Format};
use crate::error::{Error, Location, Result};

/// Canonical column names and their aliases, in the order they are tried.
const COLUMNS: &[(&str, &[&str])] = &[
    ("agent", &["employee_id", "username", "login", "email", "agent_id"]),
    ("activity", &["activity_name", "code"]),
    ("start", &["start_time"]),
    ("end", &["end_time", "stop"]),
    ("length_minutes", &[]),
    ("timezone", &["tz"]),
    ("shift_id", &[]),
    ("team", &["group"]),
];

/// Header names are compared case-insensitively after trimming, spaces and hyphens read as
/// `_`.
pub fn normalize_header(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').trim().to_lowercase().replace([' ', '-'], "_")
}

/// Where each known column sits in a header row.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Index by position in [`COLUMNS`].
    idx: [Option<usize>; 8],
    /// Header cells as written, for messages.
    written: Vec<String>,
}

impl Header {
    pub fn parse(cells: &[&str]) -> Header {
        let norm: Vec<String> = cells.iter().map(|c| normalize_header(c)).collect();
        let mut h = Header { written: cells.iter().map(|c| c.trim().to_string()).collect(), ..Default::default() };
        for (k, (canon, aliases)) in COLUMNS.iter().enumerate() {
            // The canonical name wins, then the aliases in their listed order.
            h.idx[k] = std::iter::once(canon).chain(aliases.iter()).find_map(|name| norm.iter().position(|n| n == name));
        }
        h
    }

    fn col(&self, name: &str) -> Option<usize> {
        let k = COLUMNS.iter().position(|(c, _)| *c == name).expect("known column");
        self.idx[k]
    }

    fn written_name(&self, i: usize) -> &str {
        &self.written[i]
    }

    /// Whether this header looks like a generic schedule (for format detection).
    pub fn is_generic(&self) -> bool {
        self.col("agent").is_some() && self.col("activity").is_some() && self.col("start").is_some()
    }
}

/// The generic CSV reader.
pub struct GenericCsv;

impl Format for GenericCsv {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn detect(&self, _path: &Path, head: &str) -> bool {
        let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let cells: Vec<&str> = first.split(',').collect();
        Header::parse(&cells).is_generic()
    }

    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
        let file = rows.add_file(path);
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
        let mut header: Option<Header> = None;
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
                        format!("cannot read this CSV line: {e}"),
                        "check the quoting on this line; cells containing commas must be quoted",
                    ));
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line_hint);
            if record.iter().all(|c| c.is_empty()) {
                continue; // blank line
            }
            let Some(h) = &header else {
                let cells: Vec<&str> = record.iter().collect();
                let h = Header::parse(&cells);
                let missing: Vec<&str> = ["agent", "activity", "start"].into_iter().filter(|c| h.col(c).is_none()).collect();
                let no_end = h.col("end").is_none() && h.col("length_minutes").is_none();
                if !missing.is_empty() || no_end {
                    let mut names: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
                    if no_end {
                        names.push("end (or length_minutes)".into());
                    }
                    return Err(Error::input_hint(
                        Location::file(path).line(line).column(names.join(", ")).value(cells.join(",")),
                        format!("the header lacks the required column{} {}", if names.len() == 1 { "" } else { "s" }, names.join(", ")),
                        "a schedule CSV needs columns agent, activity, start and end (or length_minutes); aliases: agent = employee_id/username/login/email/agent_id, activity = activity_name/code, start = start_time, end = end_time/stop. Vendor exports are read with --schedule-format",
                    ));
                }
                header = Some(h);
                continue;
            };
            match read_row(path, h, &record, line, opts) {
                Ok(row) => rows.push(file, row),
                Err(e) => reject_or_fail(e, opts, rejects)?,
            }
        }
        Ok(())
    }
}

fn read_row(path: &Path, h: &Header, rec: &csv::StringRecord, line: u64, opts: &ReadOptions) -> Result<Row> {
    let cell = |name: &str| h.col(name).map(|i| (i, rec.get(i).unwrap_or("")));
    let loc = |i: usize, v: &str| Location::file(path).line(line).column(h.written_name(i)).value(v);
    let required = |name: &str| -> Result<(usize, &str)> {
        let (i, v) = cell(name).expect("required column present");
        if v.is_empty() {
            return Err(Error::input_hint(
                loc(i, v),
                format!("the {name} cell is empty"),
                "every row needs an agent, an activity and a start",
            ));
        }
        Ok((i, v))
    };
    let (_, agent) = required("agent")?;
    let (_, activity) = required("activity")?;
    let zone = match cell("timezone") {
        Some((i, v)) if !v.is_empty() => read_zone(v, || loc(i, v))?,
        _ => opts.zone_for(agent).clone(),
    };
    let (si, sv) = required("start")?;
    let start = read_time(sv, &zone, opts.ambiguous, || loc(si, sv))?;
    let (end, ei, ev) = match (cell("end"), cell("length_minutes")) {
        (Some((i, v)), _) if !v.is_empty() => (read_time(v, &zone, opts.ambiguous, || loc(i, v))?, i, v),
        (_, Some((i, v))) if !v.is_empty() => {
            let len = read_length_minutes(v, || loc(i, v))?;
            let end = start.checked_add(len).filter(|&e| crate::time::in_range(e)).ok_or_else(|| {
                Error::input_hint(loc(i, v), "this length is far too long", "length_minutes is the activity's length in minutes")
            })?;
            (end, i, v)
        }
        (e, l) => {
            let i = e.or(l).map(|(i, _)| i).unwrap_or(si);
            return Err(Error::input_hint(loc(i, ""), "the row has no end", "give end or length_minutes"));
        }
    };
    if end <= start {
        return Err(Error::input_hint(
            loc(ei, ev),
            format!("the end is not after the start ({sv})"),
            "an activity must end after it starts; a shift crossing midnight needs the next day's date on its end",
        ));
    }
    let opt = |name: &str| cell(name).map(|(_, v)| v).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(Row {
        agent: agent.to_string(),
        activity: activity.to_string(),
        start,
        end,
        zone,
        shift_id: opt("shift_id"),
        team: opt("team"),
        line,
    })
}
