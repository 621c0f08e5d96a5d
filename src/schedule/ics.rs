//! iCalendar (`.ics`, RFC 5545) schedules: each `VEVENT` is a scheduled activity named by
//! its `SUMMARY` (else its first `CATEGORIES` value).
//!
//! - Times: `DTSTART`/`DTEND` (or `DURATION`) in UTC (`…Z`), with a `TZID` (an IANA name or a
//!   fixed offset; the file's `VTIMEZONE` blocks are not needed), or floating (read in the
//!   calendar's `X-WR-TIMEZONE`, else `--tz`, else UTC). All-day events (`VALUE=DATE`) run
//!   from local midnight to local midnight.
//! - Recurrences: `RRULE` is expanded in local wall-clock time (so a 09:00 shift stays at 09:00
//!   across a DST change) with the `rrule` crate, minus `EXDATE`s and occurrences replaced by
//!   an event with the same `UID` and a `RECURRENCE-ID`. A rule with neither `COUNT` nor
//!   `UNTIL` is expanded for 366 days from its `DTSTART` (with a warning).
//! - The agent: an `X-` property whose name contains `AGENT` or `EMPLOYEE` (e.g. `X-AGENT`,
//!   `X-EMPLOYEE-ID`), else each `ATTENDEE` (`mailto:` dropped; one row per attendee), else —
//!   one feed per agent — the calendar's `X-WR-CALNAME`, else the file name without `.ics`.
//! - `STATUS:CANCELLED` events are left out. Line numbers point at the event's `BEGIN:VEVENT`.

use std::collections::HashSet;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use icalendar::parser::{Component, Property};

use super::datetime::{add_length, parse_iso_duration, place_local};
use super::rows::{ReadOptions, Rejected, Row, ScheduleRows};
use super::windows_zones::read_calendar_zone;
use super::{reject_or_fail, Format};
use crate::error::{Error, Location, Result};
use crate::time::{self, Ms, Zone, DAY};

/// How far a rule with neither COUNT nor UNTIL is expanded.
const OPEN_RULE_HORIZON: Ms = 366 * DAY;
/// At most this many occurrences per rule.
const MAX_OCCURRENCES: u16 = 5000;

/// The iCalendar preset.
pub struct ICalendar;

impl Format for ICalendar {
    fn name(&self) -> &'static str {
        "ical"
    }

    fn detect(&self, path: &Path, head: &str) -> bool {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        ext == "ics"
            || ext == "ical"
            || head.trim_start_matches('\u{feff}').trim_start().to_ascii_uppercase().starts_with("BEGIN:VCALENDAR")
    }

    fn read(&self, path: &Path, text: &str, opts: &ReadOptions, rows: &mut ScheduleRows, rejects: &mut Vec<Rejected>) -> Result<()> {
        let file = rows.add_file(path);
        let normalized = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
        let unfolded = icalendar::parser::unfold(&normalized);
        let cal = icalendar::parser::read_calendar(&unfolded).map_err(|e| {
            Error::input_hint(
                Location::file(path),
                format!("not a readable iCalendar file: {}", e.lines().next().unwrap_or("").trim()),
                "an .ics file is BEGIN:VCALENDAR … BEGIN:VEVENT … END:VEVENT … END:VCALENDAR with one NAME:VALUE per line",
            )
        })?;
        // Line of each BEGIN:VEVENT in the file, in document order.
        let event_lines: Vec<u64> = normalized
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim().eq_ignore_ascii_case("BEGIN:VEVENT"))
            .map(|(i, _)| i as u64 + 1)
            .collect();
        let cal_prop = |name: &str| {
            cal.properties.iter().find(|p| p.name.as_str().eq_ignore_ascii_case(name)).map(|p| p.val.as_str().trim().to_string())
        };
        let cal_zone = match cal_prop("X-WR-TIMEZONE").filter(|z| !z.is_empty()) {
            Some(z) => read_calendar_zone(&z, || Location::file(path).column("X-WR-TIMEZONE").value(z.clone()))?,
            None => opts.default_zone.clone(),
        };
        let feed_agent = cal_prop("X-WR-CALNAME")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| path.file_stem().and_then(|s| s.to_str()).unwrap_or("agent").to_string());
        let mut events: Vec<&Component> = Vec::new();
        collect_events(&cal.components, &mut events);
        let ctx = Ctx { path, opts, cal_zone, feed_agent };
        // Occurrences replaced by RECURRENCE-ID events: (uid, instant).
        let mut overridden: HashSet<(String, Ms)> = HashSet::new();
        for (k, ev) in events.iter().enumerate() {
            let line = event_lines.get(k).copied().unwrap_or(0);
            if let (Some(uid), Some(rid)) = (prop(ev, "UID"), prop(ev, "RECURRENCE-ID")) {
                if let Ok(t) = ctx.instant(rid, line) {
                    overridden.insert((uid.val.as_str().trim().to_string(), t));
                }
            }
        }
        for (k, ev) in events.iter().enumerate() {
            let line = event_lines.get(k).copied().unwrap_or(0);
            match ctx.event_rows(ev, line, &overridden) {
                Ok(new_rows) => new_rows.into_iter().for_each(|r| rows.push(file, r)),
                Err(e) => reject_or_fail(e, opts, rejects)?,
            }
        }
        Ok(())
    }
}

fn collect_events<'a>(comps: &'a [Component<'a>], out: &mut Vec<&'a Component<'a>>) {
    for c in comps {
        if c.name.as_str().eq_ignore_ascii_case("VEVENT") {
            out.push(c);
        }
        collect_events(&c.components, out);
    }
}

fn prop<'a>(ev: &'a Component<'a>, name: &str) -> Option<&'a Property<'a>> {
    ev.properties.iter().find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn param<'a>(p: &'a Property<'a>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim().trim_matches('"'))
}

/// A DATE-TIME or DATE value as written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum IcsTime {
    Utc(NaiveDateTime),
    Local(NaiveDateTime),
    Date(NaiveDate),
}

fn parse_ics_time(v: &str) -> Option<IcsTime> {
    let v = v.trim();
    let b = v.as_bytes();
    if b.len() < 8 || !b[..8].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(v[..4].parse().ok()?, v[4..6].parse().ok()?, v[6..8].parse().ok()?)?;
    if b.len() == 8 {
        return Some(IcsTime::Date(date));
    }
    if b[8] != b'T' || b.len() < 15 || !b[9..15].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let t = NaiveTime::from_hms_opt(v[9..11].parse().ok()?, v[11..13].parse().ok()?, v[13..15].parse().ok()?)?;
    match &v[15..] {
        "" => Some(IcsTime::Local(date.and_time(t))),
        "Z" | "z" => Some(IcsTime::Utc(date.and_time(t))),
        _ => None,
    }
}

fn fmt_basic(n: NaiveDateTime) -> String {
    n.format("%Y%m%dT%H%M%S").to_string()
}

struct Ctx<'a> {
    path: &'a Path,
    opts: &'a ReadOptions,
    cal_zone: Zone,
    feed_agent: String,
}

impl Ctx<'_> {
    fn loc(&self, line: u64, column: &str, value: &str) -> Location {
        Location::file(self.path).line(line).column(column).value(value)
    }

    /// The zone of a DTSTART-like property.
    fn zone_of(&self, p: &Property, line: u64) -> Result<Zone> {
        match param(p, "TZID") {
            Some(z) if !z.is_empty() => read_calendar_zone(z, || self.loc(line, &format!("{};TZID", p.name.as_str()), z)),
            _ => Ok(self.cal_zone.clone()),
        }
    }

    fn read(&self, p: &Property, line: u64) -> Result<IcsTime> {
        let v = p.val.as_str();
        parse_ics_time(v).ok_or_else(|| {
            Error::input_hint(
                self.loc(line, p.name.as_str(), v),
                "not an iCalendar date or date-time",
                "write 20240304T090000Z (UTC), 20240304T090000 with TZID=Europe/London, or 20240304 for a whole day",
            )
        })
    }

    /// Places a time value on the UTC line.
    fn place(&self, t: IcsTime, zone: &Zone, line: u64, column: &str, value: &str) -> Result<Ms> {
        match t {
            IcsTime::Utc(n) => Ok(n.and_utc().timestamp_millis()),
            IcsTime::Local(n) => place_local(n, zone, self.opts.ambiguous, || self.loc(line, column, value)),
            IcsTime::Date(d) => Ok(zone.day_start(time::day_number(d))),
        }
    }

    fn instant(&self, p: &Property, line: u64) -> Result<Ms> {
        let zone = self.zone_of(p, line)?;
        let t = self.read(p, line)?;
        self.place(t, &zone, line, p.name.as_str(), p.val.as_str())
    }

    fn agents(&self, ev: &Component) -> Vec<String> {
        let x = ev.properties.iter().find(|p| {
            let n = p.name.as_str().to_ascii_uppercase();
            n.starts_with("X-") && (n.contains("AGENT") || n.contains("EMPLOYEE")) && !p.val.as_str().trim().is_empty()
        });
        if let Some(p) = x {
            return vec![p.val.as_str().trim().to_string()];
        }
        let attendees: Vec<String> = ev
            .properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case("ATTENDEE"))
            .map(|p| {
                let v = p.val.as_str().trim();
                if v.len() >= 7 && v[..7].eq_ignore_ascii_case("mailto:") {
                    v[7..].trim().to_string()
                } else {
                    v.to_string()
                }
            })
            .filter(|v| !v.is_empty())
            .collect();
        if !attendees.is_empty() {
            return attendees;
        }
        vec![self.feed_agent.clone()]
    }

    fn event_rows(&self, ev: &Component, line: u64, overridden: &HashSet<(String, Ms)>) -> Result<Vec<Row>> {
        if prop(ev, "STATUS").is_some_and(|s| s.val.as_str().trim().eq_ignore_ascii_case("CANCELLED")) {
            return Ok(Vec::new());
        }
        let activity = prop(ev, "SUMMARY")
            .map(|p| p.val.as_str().trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| {
                prop(ev, "CATEGORIES")
                    .and_then(|p| p.val.as_str().split(',').next().map(|s| s.trim().to_string()))
                    .filter(|s| !s.is_empty())
            })
            .ok_or_else(|| {
                Error::input_hint(
                    self.loc(line, "SUMMARY", ""),
                    "the event has no SUMMARY",
                    "name the activity in SUMMARY, e.g. SUMMARY:Open",
                )
            })?;
        let dtstart = prop(ev, "DTSTART")
            .ok_or_else(|| Error::input_hint(self.loc(line, "DTSTART", ""), "the event has no DTSTART", "every VEVENT needs DTSTART"))?;
        let zone = self.zone_of(dtstart, line)?;
        let start_t = self.read(dtstart, line)?;
        let start = self.place(start_t, &zone, line, "DTSTART", dtstart.val.as_str())?;
        // The end, both as an instant and (for recurrences) as a wall-clock length.
        let (end, nominal_len) = if let Some(p) = prop(ev, "DTEND") {
            let ez = self.zone_of(p, line)?;
            let et = self.read(p, line)?;
            let end = self.place(et, &ez, line, "DTEND", p.val.as_str())?;
            let nominal = match (start_t, et) {
                (IcsTime::Local(a), IcsTime::Local(b)) if ez == zone => Some((b - a).num_milliseconds()),
                (IcsTime::Date(a), IcsTime::Date(b)) => Some((b - a).num_days() * DAY),
                _ => None,
            };
            (end, nominal)
        } else if let Some(p) = prop(ev, "DURATION") {
            let d = parse_iso_duration(p.val.as_str()).ok_or_else(|| {
                Error::input_hint(
                    self.loc(line, "DURATION", p.val.as_str()),
                    "not an iCalendar duration",
                    "write DURATION as PT8H or PT30M or P1D",
                )
            })?;
            // Out-of-range lengths fail here, before any date arithmetic.
            let exact_end = add_length(start, d, || self.loc(line, "DURATION", p.val.as_str()))?;
            // RFC 5545: a duration in days is nominal (wall-clock), in hours/minutes exact.
            match start_t {
                IcsTime::Date(_) | IcsTime::Local(_) if d % DAY == 0 => {
                    let wall = zone.local_ms(start) + d;
                    let end_day = wall.div_euclid(DAY);
                    let naive = time::naive_date(end_day).and_time(NaiveTime::MIN) + chrono::Duration::milliseconds(wall.rem_euclid(DAY));
                    (place_local(naive, &zone, self.opts.ambiguous, || self.loc(line, "DURATION", p.val.as_str()))?, Some(d))
                }
                _ => (exact_end, None),
            }
        } else {
            match start_t {
                IcsTime::Date(d) => (zone.day_start(time::day_number(d) + 1), Some(DAY)),
                _ => {
                    return Err(Error::input_hint(
                        self.loc(line, "DTEND", ""),
                        "the event has no DTEND or DURATION",
                        "give DTEND or DURATION",
                    ))
                }
            }
        };
        if end <= start {
            return Err(Error::input_hint(
                self.loc(line, "DTEND", prop(ev, "DTEND").map(|p| p.val.as_str()).unwrap_or("")),
                "the event does not end after it starts",
                "DTEND must be after DTSTART",
            ));
        }
        let mut spans: Vec<(Ms, Ms)> = vec![(start, end)];
        if let Some(rule) = prop(ev, "RRULE") {
            spans = self.expand(ev, rule, start_t, &zone, start, end, nominal_len, line)?;
            let uid = prop(ev, "UID").map(|p| p.val.as_str().trim().to_string()).unwrap_or_default();
            spans.retain(|(s, _)| !overridden.contains(&(uid.clone(), *s)));
        }
        let mut out = Vec::new();
        for agent in self.agents(ev) {
            for &(s, e) in &spans {
                out.push(Row {
                    agent: agent.clone(),
                    activity: activity.clone(),
                    start: s,
                    end: e,
                    zone: zone.clone(),
                    shift_id: None,
                    team: None,
                    line,
                });
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn expand(
        &self,
        ev: &Component,
        rule: &Property,
        start_t: IcsTime,
        zone: &Zone,
        start: Ms,
        end: Ms,
        nominal_len: Option<Ms>,
        line: u64,
    ) -> Result<Vec<(Ms, Ms)>> {
        let bad = |msg: String| {
            Error::input_hint(
                self.loc(line, "RRULE", rule.val.as_str()),
                msg,
                "write a recurrence rule such as FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20",
            )
        };
        // Expand in wall-clock time: the start written as if it were UTC.
        let wall_start = match start_t {
            IcsTime::Utc(n) | IcsTime::Local(n) => n,
            IcsTime::Date(d) => d.and_time(NaiveTime::MIN),
        };
        let is_utc = matches!(start_t, IcsTime::Utc(_));
        let mut parts: Vec<String> = Vec::new();
        let mut bounded = false;
        for part in rule.val.as_str().trim().split(';').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| bad(format!("{part:?} is not NAME=VALUE")))?;
            let k = k.trim().to_ascii_uppercase();
            if k == "COUNT" {
                bounded = true;
            }
            if k == "UNTIL" {
                bounded = true;
                let until = match parse_ics_time(v).ok_or_else(|| bad(format!("UNTIL={v} is not a date or date-time")))? {
                    IcsTime::Utc(n) if !is_utc => {
                        let ms = n.and_utc().timestamp_millis();
                        let wall = zone.local_ms(ms);
                        time::naive_date(wall.div_euclid(DAY)).and_time(NaiveTime::MIN)
                            + chrono::Duration::milliseconds(wall.rem_euclid(DAY))
                    }
                    IcsTime::Utc(n) | IcsTime::Local(n) => n,
                    IcsTime::Date(d) => d.and_hms_opt(23, 59, 59).expect("valid time"),
                };
                parts.push(format!("UNTIL={}Z", fmt_basic(until)));
                continue;
            }
            parts.push(format!("{k}={}", v.trim()));
        }
        let text = format!("DTSTART:{}Z\nRRULE:{}", fmt_basic(wall_start), parts.join(";"));
        let set: rrule::RRuleSet = text.parse().map_err(|e: rrule::RRuleError| bad(format!("cannot read the RRULE: {e}")))?;
        let set = if bounded {
            set
        } else {
            eprintln!(
                "warning: {}:{line}: RRULE {} has no COUNT or UNTIL; expanded for 366 days from DTSTART",
                self.path.display(),
                rule.val.as_str()
            );
            let horizon = wall_start.and_utc().timestamp_millis() + OPEN_RULE_HORIZON;
            let before = chrono::DateTime::from_timestamp_millis(horizon).expect("in range").with_timezone(&rrule::Tz::UTC);
            set.before(before)
        };
        let result = set.all(MAX_OCCURRENCES);
        // EXDATEs, as instants.
        let mut excluded: HashSet<Ms> = HashSet::new();
        for p in ev.properties.iter().filter(|p| p.name.as_str().eq_ignore_ascii_case("EXDATE")) {
            let ez = self.zone_of(p, line)?;
            for v in p.val.as_str().split(',') {
                let t = parse_ics_time(v).ok_or_else(|| {
                    Error::input_hint(self.loc(line, "EXDATE", v), "not an iCalendar date or date-time", "write EXDATE like DTSTART")
                })?;
                excluded.insert(self.place(t, &ez, line, "EXDATE", v)?);
            }
        }
        let mut out = Vec::with_capacity(result.dates.len());
        for d in result.dates {
            let wall = d.naive_utc();
            let s = if is_utc {
                wall.and_utc().timestamp_millis()
            } else {
                place_local(wall, zone, self.opts.ambiguous, || self.loc(line, "RRULE", &format!("occurrence {}", fmt_basic(wall))))?
            };
            let e = match nominal_len {
                Some(len) if !is_utc => place_local(wall + chrono::Duration::milliseconds(len), zone, self.opts.ambiguous, || {
                    self.loc(line, "DTEND", &format!("occurrence {}", fmt_basic(wall)))
                })?,
                _ => s + (end - start),
            };
            if !excluded.contains(&s) && e > s {
                out.push((s, e));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_time_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
        assert_eq!(parse_ics_time("20240304"), Some(IcsTime::Date(d)));
        assert_eq!(parse_ics_time("20240304T090000Z"), Some(IcsTime::Utc(d.and_hms_opt(9, 0, 0).unwrap())));
        assert_eq!(parse_ics_time("20240304T090000"), Some(IcsTime::Local(d.and_hms_opt(9, 0, 0).unwrap())));
        assert_eq!(parse_ics_time("20240304T250000"), None);
        assert_eq!(parse_ics_time("2024-03-04"), None);
        assert_eq!(parse_ics_time("20240304T0900"), None);
    }
}
