//! Genesys Cloud WFM schedules: UTC `startDate` plus `lengthMinutes` per activity, named by
//! activity code (or its category).
//!
//! **JSON**: the agent schedules search/query response,
//! `{"businessUnitTimeZone": "…", "agentSchedules": [{"user": {"id": …}, "shifts": [{"id":
//! …, "startDate": …, "lengthMinutes": …, "activities": [{"startDate": …, "lengthMinutes":
//! …, "activityCodeId": …}]}]}]}` (also under a top-level `result`, or as a bare array of
//! agent schedules). Activity names come from, in order: the activity's own
//! `activityCodeName`/`name`; an `activityCodes` table in the same document (an array of
//! `{id, name, category}` or a map id → `{name, category}`, as the activity codes endpoint
//! returns); the activity's `activityCategory`/`category`; Genesys' default activity code ids
//! (`0` OnQueueWork, `1` Break, `2` Meal, `3` Meeting, `4` OffQueueWork, `5` TimeOff,
//! `6` Training, `7` Unavailable, `8` Unscheduled). The agent is `user.email`, else
//! `user.username`, else `user.id`. Each shift keeps its own `shift_id`. Full-day time-off
//! markers hold no counted time and are not read.
//!
//! **CSV**: one line per activity: an agent column (`user_id`, `userId`, `user`, `email`,
//! `agent` …), `startDate` (UTC, RFC 3339), `lengthMinutes`, and the activity as
//! `activityCodeName`/`activityCode`/`activityCodeId` or `activityCategory`/`category`;
//! optional `shiftId`, `timezone`, `team`/`managementUnit`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::datetime::add_length;
use super::rows::{read_length_minutes, read_time, read_zone, ReadOptions, Rejected, Row, ScheduleRows};
use super::table::{cell, header_has, Table};
use super::{reject_or_fail, Format};
use crate::error::{Error, Location, Result};
use crate::time::{self, Zone};

const AGENT: &[&str] = &["user_id", "userid", "user", "user_email", "email", "agent", "agent_id", "username", "user_name"];
const START: &[&str] = &["startdate", "start_date"];
const LENGTH: &[&str] = &["lengthminutes", "length_minutes", "lengthinminutes", "length_in_minutes"];
const CODE_NAME: &[&str] = &["activitycodename", "activity_code_name", "activitycode", "activity_code", "activity"];
const CODE_ID: &[&str] = &["activitycodeid", "activity_code_id"];
const CATEGORY: &[&str] = &["activitycategory", "activity_category", "category"];
const SHIFT_ID: &[&str] = &["shiftid", "shift_id"];
const ZONE: &[&str] = &["timezone", "time_zone", "businessunittimezone"];
const TEAM: &[&str] = &["team", "managementunit", "management_unit", "managementunitname"];

/// Genesys' default activity codes, by id.
pub const DEFAULT_CODES: &[(&str, &str)] = &[
    ("0", "OnQueueWork"),
    ("1", "Break"),
    ("2", "Meal"),
    ("3", "Meeting"),
    ("4", "OffQueueWork"),
    ("5", "TimeOff"),
    ("6", "Training"),
    ("7", "Unavailable"),
    ("8", "Unscheduled"),
];

/// The Genesys Cloud preset (CSV or JSON, told apart by content).
pub struct Genesys;

impl Format for Genesys {
    fn name(&self) -> &'static str {
        "genesys"
    }

    fn detect(&self, _path: &Path, head: &str) -> bool {
        let t = head.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            return t.contains("\"agentSchedules\"") || (t.contains("\"shifts\"") && t.contains("\"lengthMinutes\""));
        }
        header_has(head, ',', &[AGENT, START, LENGTH])
    }

    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            read_json(path, t, opts, rows, rejects)
        } else {
            read_csv(path, text, opts, rows, rejects)
        }
    }
}

fn default_code(id: &str) -> Option<&'static str> {
    DEFAULT_CODES.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
}

fn read_csv(path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
    let file = rows.add_file(path);
    let t = Table::read(path, text, b',', None, None)?;
    let (agent_c, start_c, len_c) = match (t.col(AGENT), t.col(START), t.col(LENGTH)) {
        (Some(a), Some(s), Some(l)) => (a, s, l),
        _ => {
            return Err(Error::input_hint(
                Location::file(path).line(1).value(t.written.join(",")),
                "this is not a Genesys schedule CSV: the header lacks a user column, startDate or lengthMinutes",
                "a Genesys CSV needs userId (or email), startDate (UTC), lengthMinutes and activityCodeId or activityCategory",
            ))
        }
    };
    let (name_c, id_c, cat_c) = (t.col(CODE_NAME), t.col(CODE_ID), t.col(CATEGORY));
    if name_c.or(id_c).or(cat_c).is_none() {
        return Err(Error::input_hint(
            Location::file(path).line(1).value(t.written.join(",")),
            "the Genesys CSV has no activity column",
            "add activityCodeName, activityCodeId or activityCategory",
        ));
    }
    let (shift_c, zone_c, team_c) = (t.col(SHIFT_ID), t.col(ZONE), t.col(TEAM));
    for (line, cells) in &t.records {
        let line = *line;
        let c = |i: Option<usize>| cell(cells, i);
        let result = (|| -> Result<Row> {
            let agent = c(Some(agent_c));
            if agent.is_empty() {
                return Err(Error::input_hint(t.loc(line, agent_c, ""), "the user cell is empty", "every line needs its agent"));
            }
            let activity = [name_c, cat_c]
                .into_iter()
                .map(c)
                .find(|v| !v.is_empty())
                .map(str::to_string)
                .or_else(|| Some(c(id_c)).filter(|v| !v.is_empty()).map(|id| default_code(id).unwrap_or(id).to_string()))
                .ok_or_else(|| {
                    let i = name_c.or(id_c).or(cat_c).expect("checked");
                    Error::input_hint(
                        t.loc(line, i, ""),
                        "the activity is empty",
                        "fill activityCodeName, activityCodeId or activityCategory",
                    )
                })?;
            let zone = match zone_c.map(|i| (i, c(Some(i)))) {
                Some((i, v)) if !v.is_empty() => read_zone(v, || t.loc(line, i, v))?,
                _ => opts.zone_for(agent).clone(),
            };
            let sv = c(Some(start_c));
            let start = time::parse_rfc3339(sv).ok_or_else(|| {
                Error::input_hint(
                    t.loc(line, start_c, sv),
                    "not a UTC time",
                    "Genesys startDate is RFC 3339 UTC, e.g. 2024-03-04T14:00:00Z",
                )
            })?;
            let lv = c(Some(len_c));
            let len = read_length_minutes(lv, || t.loc(line, len_c, lv))?;
            if len <= 0 {
                return Err(Error::input_hint(t.loc(line, len_c, lv), "the length is not positive", "lengthMinutes must be more than 0"));
            }
            let end = add_length(start, len, || t.loc(line, len_c, lv))?;
            let opt = |i: Option<usize>| Some(c(i)).filter(|v| !v.is_empty()).map(str::to_string);
            Ok(Row { agent: agent.to_string(), activity, start, end, zone, shift_id: opt(shift_c), team: opt(team_c), line })
        })();
        match result {
            Ok(row) => rows.push(file, row),
            Err(e) => reject_or_fail(e, opts, rejects)?,
        }
    }
    Ok(())
}

/// `(name, category)` by activity code id, from an `activityCodes` table if the document
/// has one.
fn code_table(root: &Value) -> HashMap<String, (Option<String>, Option<String>)> {
    let mut out = HashMap::new();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_string());
    let id_text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let table = root.get("activityCodes").map(|v| v.get("entities").unwrap_or(v));
    match table {
        Some(Value::Array(items)) => {
            for it in items {
                if let Some(id) = it.get("id").and_then(id_text) {
                    out.insert(id, (text(it.get("name")), text(it.get("category"))));
                }
            }
        }
        Some(Value::Object(map)) => {
            for (id, it) in map {
                out.insert(id.clone(), (text(it.get("name")), text(it.get("category"))));
            }
        }
        _ => {}
    }
    out
}

fn read_json(path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
    let file = rows.add_file(path);
    let root: Value = serde_json::from_str(text).map_err(|e| {
        Error::input_hint(
            Location::file(path).line(e.line() as u64).column(format!("column {}", e.column())),
            format!("not valid JSON: {e}"),
            "a Genesys schedule JSON is the agent schedules response: {\"agentSchedules\": [{\"user\": {...}, \"shifts\": [...]}]}",
        )
    })?;
    let root = root.get("result").filter(|r| r.get("agentSchedules").is_some()).unwrap_or(&root);
    let codes = code_table(root);
    let schedules = match root {
        Value::Array(a) => a.as_slice(),
        _ => match root.get("agentSchedules") {
            Some(Value::Array(a)) => a.as_slice(),
            _ => {
                return Err(Error::input_hint(
                    Location::file(path).column("agentSchedules"),
                    "the JSON has no agentSchedules array",
                    "give the agent schedules response: {\"agentSchedules\": [{\"user\": {...}, \"shifts\": [...]}]}",
                ))
            }
        },
    };
    let bu_zone = match root.get("businessUnitTimeZone").and_then(Value::as_str) {
        Some(z) if !z.trim().is_empty() => Some(read_zone(z, || Location::file(path).column("businessUnitTimeZone").value(z))?),
        _ => None,
    };
    let loc = |p: &str, v: &str| Location::file(path).column(p.to_string()).value(v);
    let str_of = |v: Option<&Value>| -> String {
        match v {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    for (ai, sched) in schedules.iter().enumerate() {
        let user = sched.get("user");
        let agent = ["email", "username", "id"]
            .iter()
            .map(|k| str_of(user.and_then(|u| u.get(k))))
            .find(|s| !s.is_empty())
            .or_else(|| Some(str_of(sched.get("userId"))).filter(|s| !s.is_empty()));
        let Some(agent) = agent else {
            let e = Error::input_hint(
                loc(&format!("agentSchedules[{ai}].user.id"), ""),
                "the agent schedule names no user",
                "each agent schedule needs user.id",
            );
            reject_or_fail(e, opts, rejects)?;
            continue;
        };
        let zone: Zone = match sched.get("timeZone").or_else(|| sched.get("timezone")).and_then(Value::as_str) {
            Some(z) if !z.trim().is_empty() => match read_zone(z, || loc(&format!("agentSchedules[{ai}].timeZone"), z)) {
                Ok(z) => z,
                Err(e) => {
                    reject_or_fail(e, opts, rejects)?;
                    continue;
                }
            },
            _ => bu_zone.clone().unwrap_or_else(|| opts.zone_for(&agent).clone()),
        };
        let shifts = sched.get("shifts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        for (si, shift) in shifts.iter().enumerate() {
            let shift_id =
                Some(str_of(shift.get("id"))).filter(|s| !s.is_empty()).unwrap_or_else(|| format!("genesys:{}:{ai}-{si}", path.display()));
            let acts = shift.get("activities").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
            for (xi, act) in acts.iter().enumerate() {
                let at = format!("agentSchedules[{ai}].shifts[{si}].activities[{xi}]");
                let result = (|| -> Result<Row> {
                    let sv = str_of(act.get("startDate"));
                    let start = read_time(&sv, &zone, opts.ambiguous, || loc(&format!("{at}.startDate"), &sv))?;
                    let len = match act.get("lengthMinutes") {
                        Some(Value::Number(n)) => {
                            read_length_minutes(&n.to_string(), || loc(&format!("{at}.lengthMinutes"), &n.to_string()))?
                        }
                        Some(Value::String(s)) => read_length_minutes(s, || loc(&format!("{at}.lengthMinutes"), s))?,
                        other => {
                            let v = other.map(|v| v.to_string()).unwrap_or_default();
                            return Err(Error::input_hint(
                                loc(&format!("{at}.lengthMinutes"), &v),
                                "the activity has no lengthMinutes",
                                "give lengthMinutes as a number",
                            ));
                        }
                    };
                    if len <= 0 {
                        let v = str_of(act.get("lengthMinutes"));
                        return Err(Error::input_hint(
                            loc(&format!("{at}.lengthMinutes"), &v),
                            "the length is not positive",
                            "lengthMinutes must be more than 0",
                        ));
                    }
                    let id = str_of(act.get("activityCodeId"));
                    let from_table = codes.get(&id);
                    let name = ["activityCodeName", "name"]
                        .iter()
                        .map(|k| str_of(act.get(k)))
                        .find(|s| !s.is_empty())
                        .or_else(|| from_table.and_then(|(n, _)| n.clone()))
                        .or_else(|| ["activityCategory", "category"].iter().map(|k| str_of(act.get(k))).find(|s| !s.is_empty()))
                        .or_else(|| from_table.and_then(|(_, c)| c.clone()))
                        .or_else(|| default_code(&id).map(str::to_string))
                        .ok_or_else(|| {
                            Error::input_hint(
                                loc(&format!("{at}.activityCodeId"), &id),
                                "unknown activity code: the document has no activityCodes entry for it and the activity names no category",
                                "add the business unit's activity codes as \"activityCodes\": [{\"id\": …, \"name\": …}] to the file, or give each activity an activityCategory",
                            )
                        })?;
                    let end = add_length(start, len, || loc(&format!("{at}.lengthMinutes"), &str_of(act.get("lengthMinutes"))))?;
                    Ok(Row {
                        agent: agent.clone(),
                        activity: name,
                        start,
                        end,
                        zone: zone.clone(),
                        shift_id: Some(shift_id.clone()),
                        team: None,
                        line: 0,
                    })
                })();
                match result {
                    Ok(row) => rows.push(file, row),
                    Err(e) => reject_or_fail(e, opts, rejects)?,
                }
            }
        }
    }
    Ok(())
}
