//! Zendesk WFM / Talkdesk WFM style schedule CSV: one line per scheduled event, the agent
//! by e-mail, UTC ISO times, and the event type's name.
//!
//! Columns (normalised names, first match wins): agent `agent_email`, `email`,
//! `user_email`, `agent` (`agent_name`/`name` is ignored); activity `event_type_name`,
//! `event_type`, `activity_type`, `task_name`, `task`, `event_name`, `event`, `type`;
//! `start_time`/`start_time_utc`/`starts_at`/`start`; `end_time`/`end_time_utc`/`ends_at`/
//! `end`, or `duration_minutes`/`duration`; optional `timezone` (for local dates only) and
//! `team`. Times carry `Z` or an offset; a time written without one is UTC (these exports
//! are in UTC), and a trailing ` UTC` is accepted.

use std::path::Path;

use super::datetime::add_length;
use super::rows::{read_length_minutes, read_zone, ReadOptions, Rejected, Row, ScheduleRows};
use super::table::{cell, header_has, Table};
use super::{reject_or_fail, Format};
use crate::error::{Error, Location, Result};
use crate::time::{self, Ms};

const AGENT: &[&str] = &["agent_email", "email", "user_email", "agent_e_mail", "e_mail", "agent"];
const EVENT: &[&str] = &["event_type_name", "event_type", "activity_type", "task_name", "task", "event_name", "event", "type"];
const START: &[&str] = &["start_time", "start_time_utc", "starts_at", "start_at", "start"];
const END: &[&str] = &["end_time", "end_time_utc", "ends_at", "end_at", "end"];
const DURATION: &[&str] = &["duration_minutes", "duration"];
const ZONE: &[&str] = &["timezone", "time_zone"];
const TEAM: &[&str] = &["team", "team_name", "group"];

/// The Zendesk/Talkdesk preset.
pub struct ZendeskCsv;

/// A UTC time as these exports write it.
pub fn parse_utc(s: &str) -> Option<Ms> {
    let s = s.trim();
    let s = s.strip_suffix(" UTC").or_else(|| s.strip_suffix(" utc")).unwrap_or(s);
    time::parse_rfc3339(s).or_else(|| time::parse_local(s).map(|n| n.and_utc().timestamp_millis()))
}

impl Format for ZendeskCsv {
    fn name(&self) -> &'static str {
        "zendesk"
    }

    fn detect(&self, _path: &Path, head: &str) -> bool {
        header_has(head, ',', &[&AGENT[..4], EVENT, START]) && !header_has(head, ',', &[&["activity", "activity_name"]])
    }

    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
        let file = rows.add_file(path);
        let t = Table::read(path, text, b',', None, None)?;
        let (agent_c, event_c, start_c) = match (t.col(AGENT), t.col(EVENT), t.col(START)) {
            (Some(a), Some(e), Some(s)) if t.col(END).or(t.col(DURATION)).is_some() => (a, e, s),
            _ => {
                return Err(Error::input_hint(
                    Location::file(path).line(1).value(t.written.join(",")),
                    "this is not a Zendesk/Talkdesk schedule CSV: the header lacks agent e-mail, event type, start time or end time",
                    "such an export needs Agent Email, Event Type, Start Time and End Time (UTC) columns",
                ))
            }
        };
        let (end_c, dur_c, zone_c, team_c) = (t.col(END), t.col(DURATION), t.col(ZONE), t.col(TEAM));
        for (line, cells) in &t.records {
            let line = *line;
            let c = |i: Option<usize>| cell(cells, i);
            let result = (|| -> Result<Row> {
                for (i, what) in [(agent_c, "agent e-mail"), (event_c, "event type"), (start_c, "start time")] {
                    if c(Some(i)).is_empty() {
                        return Err(Error::input_hint(
                            t.loc(line, i, ""),
                            format!("the {what} is empty"),
                            "every line needs agent, event type, start and end",
                        ));
                    }
                }
                let zone = match zone_c.map(|i| (i, c(Some(i)))) {
                    Some((i, v)) if !v.is_empty() => read_zone(v, || t.loc(line, i, v))?,
                    _ => opts.zone_for(c(Some(agent_c))).clone(),
                };
                let utc = |i: usize| -> Result<Ms> {
                    let v = c(Some(i));
                    parse_utc(v).ok_or_else(|| {
                        Error::input_hint(t.loc(line, i, v), "not a UTC time", "write times as ISO 8601 UTC, e.g. 2024-03-04T14:00:00Z")
                    })
                };
                let start = utc(start_c)?;
                let (end, ei) = match (end_c, dur_c) {
                    (Some(i), _) if !c(Some(i)).is_empty() => (utc(i)?, i),
                    (_, Some(i)) if !c(Some(i)).is_empty() => {
                        let loc = || t.loc(line, i, c(Some(i)));
                        (add_length(start, read_length_minutes(c(Some(i)), loc)?, loc)?, i)
                    }
                    _ => {
                        let i = end_c.or(dur_c).expect("checked");
                        return Err(Error::input_hint(t.loc(line, i, ""), "the line has no end time", "fill End Time"));
                    }
                };
                if end <= start {
                    return Err(Error::input_hint(
                        t.loc(line, ei, c(Some(ei))),
                        "the event does not end after it starts",
                        "check the start and end times",
                    ));
                }
                Ok(Row {
                    agent: c(Some(agent_c)).to_string(),
                    activity: c(Some(event_c)).to_string(),
                    start,
                    end,
                    zone,
                    shift_id: None,
                    team: team_c.map(|i| c(Some(i))).filter(|v| !v.is_empty()).map(str::to_string),
                    line,
                })
            })();
            match result {
                Ok(row) => rows.push(file, row),
                Err(e) => reject_or_fail(e, opts, rejects)?,
            }
        }
        Ok(())
    }
}
