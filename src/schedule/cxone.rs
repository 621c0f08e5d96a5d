//! NICE CXone WFM schedule CSV (the "Import Schedule" template, which is also what CXone
//! schedules look like when exported for re-import).
//!
//! Columns (header names normalised, see [`vendor_norm`](super::table::vendor_norm)):
//! `Username`, `Shift Start Date and Time`, `Shift End Date and Time` (`mm/dd/yyyy
//! hh:mm:ss`, 24-hour), `Local Time Zone` (`UTC+hh:mm`), `Base Activity Name`, optional
//! `Shift Notes`, `Activity Start Date and Time`, `Activity End Date and Time`,
//! `Activity Name` (or `Activity Code`), `Activity Notes`, and optionally `Team`.
//!
//! A line with the shift columns filled opens a shift (its base activity becomes a row from
//! shift start to shift end); following lines with the same shift columns, or with them
//! blank, are activity rows under that shift, laid on top of the base activity. Every shift
//! gets its own `shift_id`, so CXone's own grouping of activities into shifts is kept.

use std::path::Path;

use super::datetime::{parse_us_datetime, place_local};
use super::rows::{read_time, read_zone, ReadOptions, Rejected, Row, ScheduleRows};
use super::table::{cell, header_has, Table};
use super::{reject_or_fail, Format};
use crate::error::{Error, Result};
use crate::time::{Ms, Zone};

const USERNAME: &[&str] = &["username", "user_name"];
const SHIFT_START: &[&str] = &["shift_start_date_and_time", "shift_start"];
const SHIFT_END: &[&str] = &["shift_end_date_and_time", "shift_end"];
const ZONE: &[&str] = &["local_time_zone", "time_zone"];
const BASE: &[&str] = &["base_activity_name", "base_activity"];
const ACT_START: &[&str] = &["activity_start_date_and_time", "activity_start"];
const ACT_END: &[&str] = &["activity_end_date_and_time", "activity_end"];
const ACT_NAME: &[&str] = &["activity_name", "activity_code", "activity"];
const TEAM: &[&str] = &["team", "team_name", "scheduling_unit"];

/// The NICE CXone preset.
pub struct CxoneCsv;

/// Reads a CXone time: `mm/dd/yyyy hh:mm[:ss]`, or any form the generic CSV accepts.
fn read_cxone_time(v: &str, zone: &Zone, opts: &ReadOptions, table: &Table, line: u64, col: usize) -> Result<Ms> {
    let loc = || table.loc(line, col, v);
    match parse_us_datetime(v) {
        Some(naive) => place_local(naive, zone, opts.ambiguous, loc),
        None if crate::time::parse_written_time(v).is_some() => read_time(v, zone, opts.ambiguous, loc),
        None => Err(Error::input_hint(
            loc(),
            "not a CXone date and time",
            "CXone writes times as mm/dd/yyyy hh:mm:ss in 24-hour form, e.g. 06/24/2022 14:00:00",
        )),
    }
}

/// The offset of a zone written `(UTC-05:00) Eastern Time (US & Canada)`.
fn ui_zone(v: &str) -> Option<Zone> {
    let inner = v.strip_prefix('(')?.split(')').next()?;
    Zone::parse(inner)
}

struct OpenShift {
    key: (String, String, String),
    agent: String,
    zone: Zone,
    id: String,
    team: Option<String>,
}

impl Format for CxoneCsv {
    fn name(&self) -> &'static str {
        "cxone"
    }

    fn detect(&self, _path: &Path, head: &str) -> bool {
        header_has(head, ',', &[USERNAME, SHIFT_START, SHIFT_END, BASE])
    }

    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
        let file = rows.add_file(path);
        let t = Table::read(path, text, b',', None, None)?;
        let (user, s_start, s_end, zone_c, base) = match (t.col(USERNAME), t.col(SHIFT_START), t.col(SHIFT_END), t.col(ZONE), t.col(BASE)) {
            (Some(a), Some(b), Some(c), z, Some(e)) => (a, b, c, z, e),
            _ => {
                return Err(Error::input_hint(
                    crate::error::Location::file(path).line(1).value(t.written.join(",")),
                    "this is not a NICE CXone schedule CSV: the header lacks Username, Shift Start Date and Time, Shift End Date and Time or Base Activity Name",
                    "use the CXone Import Schedule template's header, or leave out --schedule-format to detect the layout",
                ))
            }
        };
        let (a_start, a_end, a_name, team_c) = (t.col(ACT_START), t.col(ACT_END), t.col(ACT_NAME), t.col(TEAM));
        let mut current: Option<OpenShift> = None;
        for (line, cells) in &t.records {
            let line = *line;
            let c = |i: Option<usize>| cell(cells, i);
            let result = (|| -> Result<Vec<Row>> {
                let mut out = Vec::new();
                let key = (c(Some(user)).to_string(), c(Some(s_start)).to_string(), c(Some(s_end)).to_string());
                let shift_blank = key.0.is_empty() && key.1.is_empty() && key.2.is_empty();
                if !shift_blank && current.as_ref().is_none_or(|s| s.key != key) {
                    // A new shift (until it reads well, activity lines have no shift).
                    current = None;
                    for (i, v) in [(user, &key.0), (s_start, &key.1), (s_end, &key.2), (base, &c(Some(base)).to_string())] {
                        if v.is_empty() {
                            return Err(Error::input_hint(
                                t.loc(line, i, v),
                                format!("the {} cell is empty", t.written_name(i)),
                                "a CXone shift line needs Username, Shift Start Date and Time, Shift End Date and Time and Base Activity Name",
                            ));
                        }
                    }
                    let zone = match zone_c.map(|i| (i, c(Some(i)))) {
                        // `(UTC-05:00) Eastern Time (US & Canada)`, as the CXone screens show it.
                        Some((_, v)) if v.starts_with("(UTC") && ui_zone(v).is_some() => ui_zone(v).expect("checked"),
                        Some((i, v)) if !v.is_empty() => read_zone(v, || t.loc(line, i, v))?,
                        _ => opts.zone_for(&key.0).clone(),
                    };
                    let start = read_cxone_time(&key.1, &zone, opts, &t, line, s_start)?;
                    let end = read_cxone_time(&key.2, &zone, opts, &t, line, s_end)?;
                    if end <= start {
                        return Err(Error::input_hint(
                            t.loc(line, s_end, &key.2),
                            format!("the shift end is not after its start ({})", key.1),
                            "a shift crossing midnight needs the next day's date on its end",
                        ));
                    }
                    let team = team_c.map(|i| c(Some(i))).filter(|v| !v.is_empty()).map(str::to_string);
                    let shift = OpenShift {
                        key: key.clone(),
                        agent: key.0.clone(),
                        zone: zone.clone(),
                        id: format!("cxone:{}:{line}", path.display()),
                        team: team.clone(),
                    };
                    out.push(Row {
                        agent: shift.agent.clone(),
                        activity: c(Some(base)).to_string(),
                        start,
                        end,
                        zone,
                        shift_id: Some(shift.id.clone()),
                        team,
                        line,
                    });
                    current = Some(shift);
                }
                let (as_v, ae_v, an_v) = (c(a_start), c(a_end), c(a_name));
                if as_v.is_empty() && ae_v.is_empty() && an_v.is_empty() {
                    return Ok(out);
                }
                let Some(shift) = current.as_ref() else {
                    let i = a_start.or(a_name).unwrap_or(0);
                    return Err(Error::input_hint(
                        t.loc(line, i, c(Some(i))),
                        "an activity line comes before any shift (or its shift line was rejected)",
                        "put the shift's Username, Shift Start/End Date and Time and Base Activity Name on the first line of each shift",
                    ));
                };
                for (col, v, what) in [
                    (a_name, an_v, "Activity Name"),
                    (a_start, as_v, "Activity Start Date and Time"),
                    (a_end, ae_v, "Activity End Date and Time"),
                ] {
                    if v.is_empty() {
                        let i = col.or(a_start).or(a_name).unwrap_or(0);
                        return Err(Error::input_hint(
                            t.loc(line, i, v),
                            format!("the activity has no {what}"),
                            "an activity line needs Activity Name, Activity Start Date and Time and Activity End Date and Time",
                        ));
                    }
                }
                let (si, ei) = (a_start.expect("checked"), a_end.expect("checked"));
                let start = read_cxone_time(as_v, &shift.zone, opts, &t, line, si)?;
                let end = read_cxone_time(ae_v, &shift.zone, opts, &t, line, ei)?;
                if end <= start {
                    return Err(Error::input_hint(
                        t.loc(line, ei, ae_v),
                        format!("the activity end is not after its start ({as_v})"),
                        "an activity crossing midnight needs the next day's date on its end",
                    ));
                }
                out.push(Row {
                    agent: shift.agent.clone(),
                    activity: an_v.to_string(),
                    start,
                    end,
                    zone: shift.zone.clone(),
                    shift_id: Some(shift.id.clone()),
                    team: shift.team.clone(),
                    line,
                });
                Ok(out)
            })();
            match result {
                Ok(new_rows) => new_rows.into_iter().for_each(|r| rows.push(file, r)),
                Err(e) => reject_or_fail(e, opts, rejects)?,
            }
        }
        Ok(())
    }
}
