//! Schedule rows as every reader produces them: one scheduled activity of one agent, placed
//! on the UTC line, with where it came from. The meeting point of the generic CSV reader and
//! the vendor presets.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Location, Result};
use crate::time::{self, Ambiguous, Ms, WrittenTime, Zone};

/// Columns of schedule rows in input order (files in command-line order, then lines): a
/// later index is a "later row" for the overlay tie-break.
#[derive(Debug, Clone, Default)]
pub struct ScheduleRows {
    pub agent: Vec<String>,
    /// The activity cell as written.
    pub activity: Vec<String>,
    pub start: Vec<Ms>,
    pub end: Vec<Ms>,
    /// Index into `zones`.
    pub zone: Vec<u32>,
    pub shift_id: Vec<Option<String>>,
    pub team: Vec<Option<String>>,
    /// Index into `files`.
    pub file: Vec<u32>,
    pub line: Vec<u64>,
    pub zones: Vec<Zone>,
    pub files: Vec<PathBuf>,
}

/// A row a reader found, before it is pushed.
#[derive(Debug, Clone)]
pub struct Row {
    pub agent: String,
    pub activity: String,
    pub start: Ms,
    pub end: Ms,
    pub zone: Zone,
    pub shift_id: Option<String>,
    pub team: Option<String>,
    pub line: u64,
}

/// A row left out by `--skip-invalid`, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub location: Location,
    pub reason: String,
}

impl ScheduleRows {
    pub fn len(&self) -> usize {
        self.agent.len()
    }
    pub fn is_empty(&self) -> bool {
        self.agent.is_empty()
    }

    /// Registers a file; rows pushed after carry its index.
    pub fn add_file(&mut self, path: &Path) -> u32 {
        self.files.push(path.to_path_buf());
        (self.files.len() - 1) as u32
    }

    fn zone_index(&mut self, zone: &Zone) -> u32 {
        match self.zones.iter().position(|z| z == zone) {
            Some(i) => i as u32,
            None => {
                self.zones.push(zone.clone());
                (self.zones.len() - 1) as u32
            }
        }
    }

    pub fn push(&mut self, file: u32, row: Row) {
        let z = self.zone_index(&row.zone);
        self.agent.push(row.agent);
        self.activity.push(row.activity);
        self.start.push(row.start);
        self.end.push(row.end);
        self.zone.push(z);
        self.shift_id.push(row.shift_id);
        self.team.push(row.team);
        self.file.push(file);
        self.line.push(row.line);
    }

    pub fn zone_of(&self, row: usize) -> &Zone {
        &self.zones[self.zone[row] as usize]
    }

    /// Where a row came from. Line 0 means the layout has no lines to point at (JSON).
    pub fn location(&self, row: usize) -> Location {
        let loc = Location::file(&self.files[self.file[row] as usize]);
        match self.line[row] {
            0 => loc,
            n => loc.line(n),
        }
    }

    /// The rows as a Polars frame (for library users and Parquet export).
    pub fn to_frame(&self) -> PolarsResult<DataFrame> {
        let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        DataFrame::new_infer_height(vec![
            Column::new("agent".into(), &self.agent),
            Column::new("activity".into(), &self.activity),
            Column::new("start".into(), &self.start).cast(&utc)?,
            Column::new("end".into(), &self.end).cast(&utc)?,
            Column::new("timezone".into(), self.zone.iter().map(|&z| self.zones[z as usize].name().to_string()).collect::<Vec<_>>()),
            Column::new("shift_id".into(), &self.shift_id),
            Column::new("team".into(), &self.team),
            Column::new("file".into(), self.file.iter().map(|&f| self.files[f as usize].display().to_string()).collect::<Vec<_>>()),
            Column::new("line".into(), &self.line),
        ])
    }
}

/// Options every schedule reader honours.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Zone of rows that name none (`--tz`, else UTC).
    pub default_zone: Zone,
    pub ambiguous: Option<Ambiguous>,
    /// Skip bad rows (and report them) instead of stopping at the first.
    pub skip_invalid: bool,
    /// Per schedule key, the zone of its rows that name none (from a roster's `timezone`);
    /// before `default_zone`.
    pub agent_zones: std::collections::HashMap<String, Zone>,
}

impl ReadOptions {
    /// The zone of an agent's rows that name none.
    pub fn zone_for(&self, agent: &str) -> &Zone {
        self.agent_zones.get(agent).unwrap_or(&self.default_zone)
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { default_zone: Zone::utc(), ambiguous: None, skip_invalid: false, agent_zones: Default::default() }
    }
}

/// Reads a zone cell.
pub fn read_zone(cell: &str, loc: impl Fn() -> Location) -> Result<Zone> {
    Zone::parse(cell).ok_or_else(|| {
        Error::input_hint(
            loc(),
            "unknown time zone",
            "use an IANA name such as Europe/London or America/New_York, or a fixed offset such as UTC+05:30",
        )
    })
}

/// Reads a time cell: RFC 3339 with an offset, else a local time in `zone`.
pub fn read_time(cell: &str, zone: &Zone, ambiguous: Option<Ambiguous>, loc: impl Fn() -> Location) -> Result<Ms> {
    let ms = read_time_any(cell, zone, ambiguous, &loc)?;
    if !time::in_range(ms) {
        return Err(Error::input_hint(loc(), "this time is out of range", "adhere reads times from the years 1900 to 2199"));
    }
    Ok(ms)
}

fn read_time_any(cell: &str, zone: &Zone, ambiguous: Option<Ambiguous>, loc: &impl Fn() -> Location) -> Result<Ms> {
    match time::parse_written_time(cell) {
        Some(WrittenTime::Instant(ms)) => Ok(ms),
        Some(WrittenTime::Local(naive)) => zone.resolve(naive, ambiguous).map_err(|p| Error::input_hint(loc(), p.message(), p.hint())),
        None => Err(Error::input_hint(
            loc(),
            "not a time",
            "write a local time as YYYY-MM-DD HH:MM[:SS] or an RFC 3339 time such as 2024-03-04T09:00:00Z or 2024-03-04T09:00:00+01:00",
        )),
    }
}

/// Reads `length_minutes` (fractional minutes are rounded to the millisecond).
pub fn read_length_minutes(cell: &str, loc: impl Fn() -> Location) -> Result<Ms> {
    match cell.trim().parse::<f64>() {
        Ok(m) if m.is_finite() => Ok((m * 60_000.0).round() as Ms),
        _ => Err(Error::input_hint(loc(), "not a number of minutes", "write length_minutes as a number such as 30 or 7.5")),
    }
}
