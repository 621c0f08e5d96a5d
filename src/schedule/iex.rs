//! NICE IEX WFM "Agent Schedule Detail" export (`agentScheduleDetail_mmddyy_hhmm.txt`):
//! pipe-delimited, one line per scheduled activity code, an optional first line
//! `#fields:name|name|…` naming the fields.
//!
//! Fields read (names compared case-insensitively): `excdate` (activity code date),
//! `schedDate` (schedule date — differs from `excdate` for activities after midnight of a
//! shift that crosses it), `TZ` (the MU's zone), the agent (`logonID`, else `ssn`, else
//! `tvID`, else `agentName` — the first non-empty per line), the activity code (`excCode`,
//! `exception`, `activity`, `code` …), `startTime` and `stopTime` (`hh:mm` 24-hour or
//! `h:mm AM/PM`) or a `duration` in minutes. Dates are `mmddyyyy` unless the export was set
//! to another form (`yyyymmdd`, `mmddyy`, `mm/dd/yyyy`, `yyyy-mm-dd` are recognised).
//!
//! Without a `#fields` line the documented default field order is assumed:
//! `excdate|schedDate|TZ|custID|muID|tvID|acdID|logonID|ssn|agentName|excCode|startTime|stopTime|duration`.
//!
//! A stop time not after the start time is on the next day. With only `schedDate`, a line
//! whose start time is earlier than the first start of that agent's schedule date is on the
//! next day. Activities the export split at midnight (same agent, schedule date and code,
//! one ending at local midnight where the next begins) are joined back into one row.

use std::collections::HashMap;
use std::path::Path;

use chrono::{NaiveDate, NaiveTime};

use super::datetime::{add_length, parse_clock, parse_iex_date, place_local};
use super::rows::{read_length_minutes, read_zone, ReadOptions, Rejected, Row, ScheduleRows};
use super::table::{cell, vendor_norm, Table};
use super::{reject_or_fail, Format};
use crate::error::{Error, Location, Result};
use crate::time::{Ms, DAY};

const EXC_DATE: &[&str] = &["excdate", "exc_date", "date", "activity_date", "activitydate"];
const SCHED_DATE: &[&str] = &["scheddate", "sched_date", "schedule_date", "scheduledate"];
const TZ: &[&str] = &["tz", "timezone", "time_zone"];
const AGENT: &[&str] = &["logonid", "logon_id", "ssn", "tvid", "tv_id", "agentname", "agent_name", "name", "agent"];
const CODE: &[&str] = &[
    "exccode",
    "exc_code",
    "exccodename",
    "exc_code_name",
    "activityname",
    "activity_name",
    "exceptionname",
    "excname",
    "exception",
    "exceptioncode",
    "activitycode",
    "activity_code",
    "activity",
    "code",
    "excdesc",
];
const START: &[&str] = &["starttime", "start_time", "start"];
const STOP: &[&str] = &["stoptime", "stop_time", "endtime", "end_time", "stop", "end"];
const DURATION: &[&str] = &["duration", "length", "minutes", "durationminutes"];
const TEAM: &[&str] = &["team", "muname", "mu_name"];

/// The documented default field order, for files without a `#fields` line.
pub const DEFAULT_FIELDS: &[&str] = &[
    "excdate",
    "schedDate",
    "TZ",
    "custID",
    "muID",
    "tvID",
    "acdID",
    "logonID",
    "ssn",
    "agentName",
    "excCode",
    "startTime",
    "stopTime",
    "duration",
];

/// The NICE IEX preset.
pub struct IexDetail;

/// A plain header line (no `#fields`): the first line, when its first cell is a field name.
fn plain_header(text: &str) -> Option<Vec<String>> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let cells: Vec<String> = first.split('|').map(|c| c.trim().to_string()).collect();
    let norm: Vec<String> = cells.iter().map(|c| vendor_norm(c)).collect();
    let known = |g: &[&str]| g.iter().any(|n| norm.iter().any(|h| h == n));
    (cells.len() >= 3 && (known(EXC_DATE) || known(SCHED_DATE)) && known(START)).then_some(cells)
}

fn fields_line(text: &str) -> Option<(u64, Vec<String>)> {
    for (i, l) in text.lines().enumerate() {
        let t = l.trim().trim_start_matches('\u{feff}');
        if t.is_empty() {
            continue;
        }
        let lower = t.to_ascii_lowercase();
        let rest = lower.strip_prefix("#fields")?;
        let rest = &t[t.len() - rest.len()..];
        let rest = rest.trim_start_matches([':', '=', ' ', '\t', '|']);
        return Some((i as u64 + 1, rest.split('|').map(|c| c.trim().to_string()).collect()));
    }
    None
}

struct Pending {
    row: Row,
    sched: String,
}

impl Format for IexDetail {
    fn name(&self) -> &'static str {
        "iex"
    }

    fn detect(&self, path: &Path, head: &str) -> bool {
        if let Some(fields) = fields_line(head).map(|(_, f)| f).or_else(|| plain_header(head)) {
            let norm: Vec<String> = fields.iter().map(|f| vendor_norm(f)).collect();
            return [EXC_DATE, SCHED_DATE].iter().any(|g| g.iter().any(|n| norm.iter().any(|h| h == n)))
                && START.iter().any(|n| norm.iter().any(|h| h == n));
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
        let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let cells: Vec<&str> = first.split('|').map(str::trim).collect();
        (name.starts_with("agentscheduledetail") || cells.len() >= 12) && cells.len() >= 4 && parse_iex_date(cells[0]).is_some()
    }

    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
        let file = rows.add_file(path);
        let t = match (fields_line(text), plain_header(text)) {
            (Some((_, fields)), _) => Table::read(path, text, b'|', Some(fields), Some("#"))?,
            (None, Some(_)) => Table::read(path, text, b'|', None, Some("#"))?,
            (None, None) => Table::read(path, text, b'|', Some(DEFAULT_FIELDS.iter().map(|s| s.to_string()).collect()), Some("#"))?,
        };
        let exc = t.col(EXC_DATE);
        let sched = t.col(SCHED_DATE);
        let agent_cols: Vec<usize> = AGENT.iter().filter_map(|n| t.col(&[n])).collect();
        let (tz, code, start_c, stop_c, dur_c, team_c) = (t.col(TZ), t.col(CODE), t.col(START), t.col(STOP), t.col(DURATION), t.col(TEAM));
        let missing: Vec<&str> = [
            ("excdate or schedDate", exc.or(sched).is_some()),
            ("an agent field (logonID, ssn, tvID or agentName)", !agent_cols.is_empty()),
            ("excCode", code.is_some()),
            ("startTime", start_c.is_some()),
            ("stopTime or duration", stop_c.or(dur_c).is_some()),
        ]
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n)
        .collect();
        if !missing.is_empty() {
            return Err(Error::input_hint(
                Location::file(path).line(1).value(t.written.join("|")),
                format!("the IEX export's fields lack {}", missing.join(", ")),
                "export the Agent Schedule Detail module with excdate, schedDate, TZ, logonID, excCode, startTime and stopTime (a #fields header line names them)",
            ));
        }
        let (code, start_c) = (code.expect("checked"), start_c.expect("checked"));
        // First start time per (agent, schedule date), for files with schedDate only.
        let mut first_start: HashMap<(String, String), Ms> = HashMap::new();
        let mut pending: Option<Pending> = None;
        let flush = |p: Option<Pending>, rows: &mut ScheduleRows| {
            if let Some(p) = p {
                rows.push(file, p.row);
            }
        };
        for (line, cells) in &t.records {
            let line = *line;
            let c = |i: Option<usize>| cell(cells, i);
            let result = (|| -> Result<(Row, String)> {
                let agent = agent_cols.iter().map(|&i| c(Some(i))).find(|v| !v.is_empty()).ok_or_else(|| {
                    let i = agent_cols[0];
                    Error::input_hint(t.loc(line, i, ""), "the line names no agent", "fill logonID (or ssn, tvID, agentName)")
                })?;
                let activity = c(Some(code));
                if activity.is_empty() {
                    return Err(Error::input_hint(t.loc(line, code, ""), "the activity code is empty", "every line needs its excCode"));
                }
                let zone = match tz.map(|i| (i, c(Some(i)))) {
                    Some((i, v)) if !v.is_empty() => read_zone(v, || t.loc(line, i, v))?,
                    _ => opts.zone_for(agent).clone(),
                };
                let read_date = |i: usize| -> Result<NaiveDate> {
                    let v = c(Some(i));
                    parse_iex_date(v).ok_or_else(|| {
                        Error::input_hint(
                            t.loc(line, i, v),
                            "not an IEX date",
                            "IEX dates are mmddyyyy by default (03042024 is 4 March 2024); yyyymmdd, mm/dd/yyyy and yyyy-mm-dd are read too",
                        )
                    })
                };
                let read_clock = |i: usize| -> Result<Ms> {
                    let v = c(Some(i));
                    parse_clock(v).ok_or_else(|| {
                        Error::input_hint(t.loc(line, i, v), "not a time of day", "IEX times are hh:mm in 24-hour form (or h:mm AM/PM)")
                    })
                };
                let sched_text = sched.map(|i| c(Some(i))).unwrap_or("").to_string();
                let start_clock = read_clock(start_c)?;
                let mut date = match exc {
                    Some(i) if !c(Some(i)).is_empty() => read_date(i)?,
                    _ => {
                        let i = sched.or(exc).expect("checked");
                        read_date(i)?
                    }
                };
                if exc.is_none_or(|i| c(Some(i)).is_empty()) {
                    // Only the schedule date: lines before the shift's first start are after midnight.
                    let first = *first_start.entry((agent.to_string(), sched_text.clone())).or_insert(start_clock);
                    if start_clock < first {
                        date = date.succ_opt().unwrap_or(date);
                    }
                }
                let at = |clock: Ms| date.and_time(NaiveTime::MIN) + chrono::Duration::milliseconds(clock);
                let start = place_local(at(start_clock), &zone, opts.ambiguous, || t.loc(line, start_c, c(Some(start_c))))?;
                let end = match (stop_c, dur_c) {
                    (Some(i), _) if !c(Some(i)).is_empty() => {
                        let mut clock = read_clock(i)?;
                        if clock <= start_clock {
                            clock += DAY; // crosses midnight
                        }
                        place_local(at(clock), &zone, opts.ambiguous, || t.loc(line, i, c(Some(i))))?
                    }
                    (_, Some(i)) if !c(Some(i)).is_empty() => {
                        let loc = || t.loc(line, i, c(Some(i)));
                        add_length(start, read_length_minutes(c(Some(i)), loc)?, loc)?
                    }
                    _ => {
                        let i = stop_c.or(dur_c).expect("checked");
                        return Err(Error::input_hint(t.loc(line, i, ""), "the line has no stop time", "fill stopTime (or duration)"));
                    }
                };
                if end <= start {
                    let i = stop_c.or(dur_c).expect("checked");
                    return Err(Error::input_hint(
                        t.loc(line, i, c(Some(i))),
                        "the activity does not end after it starts",
                        "check startTime and stopTime",
                    ));
                }
                let team = team_c.map(|i| c(Some(i))).filter(|v| !v.is_empty()).map(str::to_string);
                Ok((
                    Row { agent: agent.to_string(), activity: activity.to_string(), start, end, zone, shift_id: None, team, line },
                    sched_text,
                ))
            })();
            match result {
                Ok((row, sched_text)) => {
                    // Join a piece the export cut at midnight back onto its first half.
                    if let Some(p) = pending.as_mut() {
                        let local = row.zone.local_ms(row.start);
                        if p.row.agent == row.agent
                            && p.sched == sched_text
                            && p.row.activity == row.activity
                            && p.row.end == row.start
                            && p.row.zone == row.zone
                            && local.rem_euclid(DAY) == 0
                        {
                            p.row.end = row.end;
                            continue;
                        }
                    }
                    flush(pending.take(), rows);
                    pending = Some(Pending { row, sched: sched_text });
                }
                Err(e) => reject_or_fail(e, opts, rejects)?,
            }
        }
        flush(pending.take(), rows);
        Ok(())
    }
}
