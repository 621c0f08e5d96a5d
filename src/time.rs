//! The one place that reads and writes times, time zones and durations.
//!
//! Instants are `i64` milliseconds since the Unix epoch (UTC) everywhere in adhere: the API
//! sends millisecond precision and SPEC §4 asks for every figure to the millisecond. Parsing
//! is hand-written because it runs once per API record (millions of times per report).

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Ms = i64;

pub const SECOND: Ms = 1_000;
pub const MINUTE: Ms = 60 * SECOND;
pub const HOUR: Ms = 60 * MINUTE;
pub const DAY: Ms = 24 * HOUR;

/// The instants adhere accepts from data: years 1900 to 2199. Anything else is a typo or a
/// unit mix-up (seconds for milliseconds), and would overflow duration arithmetic.
pub const EARLIEST: Ms = -2_208_988_800_000;
pub const LATEST: Ms = 7_258_118_400_000;

/// Whether an instant lies in the range adhere accepts from data.
pub fn in_range(ms: Ms) -> bool {
    (EARLIEST..LATEST).contains(&ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A cursor over ASCII bytes for the small fixed grammars below.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let end = self.i + n;
        if end > self.b.len() {
            return None;
        }
        let mut v = 0u32;
        for &c in &self.b[self.i..end] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        self.i = end;
        Some(v)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// Date and wall-clock time as written, with milliseconds (extra digits truncated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wall {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
}

impl Wall {
    fn epoch_ms(&self) -> Ms {
        let days = days_from_civil(self.y, self.mo, self.d);
        days * DAY + (self.h as i64) * HOUR + (self.mi as i64) * MINUTE + (self.s as i64) * SECOND + self.ms as i64
    }
    fn naive(&self) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(self.y as i32, self.mo, self.d)?.and_hms_milli_opt(self.h, self.mi, self.s, self.ms)
    }
}

/// `YYYY-MM-DD[T| ]HH:MM[:SS[.fff…]]`, leaving the cursor after it.
fn parse_wall(c: &mut Cursor) -> Option<Wall> {
    let y = c.digits(4)? as i64;
    if !c.eat(b'-') {
        return None;
    }
    let mo = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let d = c.digits(2)?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let h = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2)?;
    let mut s = 0;
    let mut ms = 0;
    if c.eat(b':') {
        s = c.digits(2)?;
        if c.eat(b'.') || c.eat(b',') {
            let mut n = 0;
            while let Some(ch) = c.peek() {
                if !ch.is_ascii_digit() {
                    break;
                }
                if n < 3 {
                    ms = ms * 10 + (ch - b'0') as u32;
                }
                n += 1;
                c.i += 1;
            }
            if n == 0 {
                return None;
            }
            for _ in n..3 {
                ms *= 10;
            }
        }
    }
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(Wall { y, mo, d, h, mi, s, ms })
}

/// An offset `Z`, `±hh:mm`, `±hhmm` or `±hh`, in seconds east of UTC.
fn parse_offset(c: &mut Cursor) -> Option<i32> {
    if c.eat(b'Z') || c.eat(b'z') {
        return Some(0);
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let hh = c.digits(2)?;
    let mm = if c.eat(b':') {
        c.digits(2)?
    } else if c.done() {
        0
    } else {
        c.digits(2)?
    };
    if hh > 23 || mm > 59 {
        return None;
    }
    Some(sign * (hh as i32 * 3600 + mm as i32 * 60))
}

/// Parses an RFC 3339 instant (`Z` or an offset `±hh:mm`/`±hhmm`/`±hh`; seconds and
/// fractions optional; `T` or a space between date and time). Truncates to milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<Ms> {
    let mut c = Cursor { b: s.as_bytes(), i: 0 };
    let wall = parse_wall(&mut c)?;
    let off = parse_offset(&mut c)?;
    if !c.done() {
        return None;
    }
    Some(wall.epoch_ms() - off as i64 * SECOND)
}

/// Parses a local wall-clock time `YYYY-MM-DD HH:MM[:SS]` (a `T` is accepted too).
pub fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let mut c = Cursor { b: s.as_bytes(), i: 0 };
    let wall = parse_wall(&mut c)?;
    if !c.done() {
        return None;
    }
    wall.naive()
}

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// What a written schedule time turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenTime {
    /// It carried its own offset: an exact instant.
    Instant(Ms),
    /// A local wall-clock time, to be placed in the row's zone.
    Local(NaiveDateTime),
}

/// Reads a schedule time: RFC 3339 with an offset, else a local time.
pub fn parse_written_time(s: &str) -> Option<WrittenTime> {
    if let Some(ms) = parse_rfc3339(s) {
        return Some(WrittenTime::Instant(ms));
    }
    parse_local(s).map(WrittenTime::Local)
}

/// How to read a local time that occurs twice (the hour repeated when clocks fall back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ambiguous {
    /// The first occurrence (still on summer time).
    Earliest,
    /// The second occurrence (already on standard time).
    Latest,
}

/// Why a local time could not be placed on the UTC line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalTimeProblem {
    /// Falls in a spring-forward gap.
    DoesNotExist { zone: String },
    /// Occurs twice; the two offsets are given in seconds east of UTC.
    Ambiguous { zone: String, first: i32, second: i32 },
}

impl LocalTimeProblem {
    pub fn message(&self) -> String {
        match self {
            LocalTimeProblem::DoesNotExist { zone } => {
                format!("this local time does not exist in {zone}: the clocks jump forward over it (daylight saving time starts)")
            }
            LocalTimeProblem::Ambiguous { zone, first, second } => format!(
                "this local time happens twice in {zone} (clocks fall back): once at UTC{} and again at UTC{}",
                fmt_offset(*first),
                fmt_offset(*second)
            ),
        }
    }
    pub fn hint(&self) -> String {
        match self {
            LocalTimeProblem::DoesNotExist { .. } => {
                "write the time after the change (e.g. 03:00 instead of 02:30) or give an RFC 3339 time with its offset".into()
            }
            LocalTimeProblem::Ambiguous { .. } => {
                "pass --ambiguous earliest or --ambiguous latest to choose, or give an RFC 3339 time with its offset".into()
            }
        }
    }
}

/// `+05:30`, `-03:00`.
pub fn fmt_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ZoneKind {
    Fixed(i32),
    Iana(chrono_tz::Tz),
}

/// A time zone as the user wrote it: an IANA name or a fixed offset.
#[derive(Clone)]
pub struct Zone {
    name: String,
    kind: ZoneKind,
    /// An IANA zone's offsets as a table, made on first use ([`Transitions`]).
    table: std::sync::OnceLock<std::sync::Arc<Transitions>>,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name && self.kind == other.kind
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zone").field("name", &self.name).field("kind", &self.kind).finish()
    }
}

/// Where [`Transitions`] tables start and end: 1990-01-01 and 2070-01-01 UTC. Instants
/// outside are looked up in chrono-tz directly.
const TABLE_FROM: Ms = 7305 * DAY;
const TABLE_TO: Ms = 36525 * DAY;

/// An IANA zone's UTC offsets between [`TABLE_FROM`] and [`TABLE_TO`] as a list of changes:
/// `offset[i]` is in force from `at[i]` until `at[i + 1]`. A month of W1 looks up tens of
/// millions of offsets (the local time and date of every interval, state and shift);
/// chrono-tz answers each with a search of the zone's whole history and a named offset, the
/// table with a search of about 160 instants. Made by stepping through the range a day at a
/// time and finding each change to the millisecond by bisection, then shared by every zone
/// of the same rules. (A zone whose offset changed and changed back within one day would be
/// missed; no zone of chrono-tz's data since 1990 has: the tests compare the table with
/// chrono-tz at every change of every zone, every third day of the range and, for twelve
/// zones with unusual rules, every 61 minutes over 2000–2040.)
#[derive(Debug)]
struct Transitions {
    at: Vec<Ms>,
    offset: Vec<i32>,
}

impl Transitions {
    fn of(tz: chrono_tz::Tz) -> std::sync::Arc<Transitions> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock};
        static MADE: OnceLock<Mutex<HashMap<chrono_tz::Tz, Arc<Transitions>>>> = OnceLock::new();
        let mut made = MADE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(made.entry(tz).or_insert_with(|| Arc::new(Transitions::make(tz))))
    }

    fn make(tz: chrono_tz::Tz) -> Transitions {
        let off = |ms: Ms| iana_offset(tz, ms);
        let (mut at, mut offset) = (vec![TABLE_FROM], vec![off(TABLE_FROM)]);
        let mut t = TABLE_FROM;
        while t < TABLE_TO {
            let next = (t + DAY).min(TABLE_TO);
            let last = *offset.last().expect("starts with one");
            if off(next) == last {
                t = next;
                continue;
            }
            // The first millisecond in (t, next] whose offset is not `last`.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if off(mid) == last {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            at.push(hi);
            offset.push(off(hi));
            // On from the change: a second change within the same day is found too.
            t = hi;
        }
        Transitions { at, offset }
    }

    fn offset_at(&self, ms: Ms) -> i32 {
        self.offset[self.at.partition_point(|&a| a <= ms) - 1]
    }
}

/// chrono-tz's offset (seconds east of UTC) at an instant.
fn iana_offset(tz: chrono_tz::Tz, ms: Ms) -> i32 {
    let utc = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().naive_utc();
    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
}

impl Zone {
    pub fn utc() -> Zone {
        Zone { name: "UTC".into(), kind: ZoneKind::Fixed(0), table: Default::default() }
    }

    /// IANA names (exact, then ignoring case), fixed offsets `UTC+05:30`, `UTC-3`, `GMT+2`,
    /// `+05:30`, `-0300`, and `UTC`/`GMT`/`Z`.
    pub fn parse(written: &str) -> Option<Zone> {
        let s = written.trim();
        if s.is_empty() {
            return None;
        }
        let kind = if let Ok(tz) = chrono_tz::Tz::from_str(s) {
            ZoneKind::Iana(tz)
        } else if let Some(tz) = chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(s)) {
            ZoneKind::Iana(*tz)
        } else {
            ZoneKind::Fixed(parse_fixed_offset(s)?)
        };
        Some(Zone { name: s.to_string(), kind, table: Default::default() })
    }

    /// The same zone under another written name (a calendar's `Eastern Standard Time` read
    /// as America/New_York keeps the name it was written with).
    pub fn written_as(self, name: &str) -> Zone {
        Zone { name: name.to_string(), ..self }
    }

    /// The IANA name of the rules in use (`None` for a fixed offset), whatever the written name.
    pub fn iana(&self) -> Option<&'static str> {
        match self.kind {
            ZoneKind::Iana(tz) => Some(tz.name()),
            ZoneKind::Fixed(_) => None,
        }
    }

    /// The zone as written (SPEC: the `timezone` output field).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Offset from UTC (seconds east) in force at an instant.
    pub fn offset_at(&self, ms: Ms) -> i32 {
        match self.kind {
            ZoneKind::Fixed(o) => o,
            ZoneKind::Iana(tz) if (TABLE_FROM..TABLE_TO).contains(&ms) => self.table.get_or_init(|| Transitions::of(tz)).offset_at(ms),
            ZoneKind::Iana(tz) => iana_offset(tz, ms),
        }
    }

    /// Local wall-clock time of an instant, as milliseconds since the local epoch.
    pub fn local_ms(&self, ms: Ms) -> Ms {
        ms + self.offset_at(ms) as i64 * SECOND
    }

    /// Local calendar date of an instant, as days since 1970-01-01.
    pub fn local_day(&self, ms: Ms) -> i64 {
        self.local_ms(ms).div_euclid(DAY)
    }

    /// Places a local wall-clock time on the UTC line.
    pub fn resolve(&self, local: NaiveDateTime, ambiguous: Option<Ambiguous>) -> Result<Ms, LocalTimeProblem> {
        match self.kind {
            ZoneKind::Fixed(o) => Ok(local.and_utc().timestamp_millis() - o as i64 * SECOND),
            ZoneKind::Iana(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(dt) => Ok(dt.timestamp_millis()),
                chrono::LocalResult::Ambiguous(a, b) => {
                    let (a, b) = if a.timestamp_millis() <= b.timestamp_millis() { (a, b) } else { (b, a) };
                    match ambiguous {
                        Some(Ambiguous::Earliest) => Ok(a.timestamp_millis()),
                        Some(Ambiguous::Latest) => Ok(b.timestamp_millis()),
                        None => Err(LocalTimeProblem::Ambiguous {
                            zone: self.name.clone(),
                            first: a.offset().fix().local_minus_utc(),
                            second: b.offset().fix().local_minus_utc(),
                        }),
                    }
                }
                chrono::LocalResult::None => Err(LocalTimeProblem::DoesNotExist { zone: self.name.clone() }),
            },
        }
    }

    /// The first instant whose local date is `day` (days since 1970-01-01). Usually local
    /// midnight; where midnight falls in a gap, the end of the gap; where it occurs twice, the
    /// first occurrence.
    pub fn day_start(&self, day: i64) -> Ms {
        let midnight = day * DAY;
        match self.kind {
            ZoneKind::Fixed(o) => midnight - o as i64 * SECOND,
            ZoneKind::Iana(_) => {
                // Fast path: midnight read with the offset in force around it.
                let guess = midnight - self.offset_at(midnight - self.offset_at(midnight) as i64 * SECOND) as i64 * SECOND;
                if self.local_day(guess) >= day && self.local_day(guess - 1) < day {
                    return guess;
                }
                // Slow path (midnight in a gap or repeated): the first instant whose local day
                // is at least `day`, by bisection over a range that surely holds it.
                let (mut lo, mut hi) = (midnight - 26 * HOUR, midnight + 26 * HOUR);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.local_day(mid) >= day {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                hi
            }
        }
    }
}

fn parse_fixed_offset(s: &str) -> Option<i32> {
    let upper = s.to_ascii_uppercase();
    let rest = if let Some(r) = upper.strip_prefix("UTC") {
        r
    } else if let Some(r) = upper.strip_prefix("GMT") {
        r
    } else {
        upper.as_str()
    };
    if rest.is_empty() || rest == "Z" {
        return Some(0);
    }
    let (sign, body) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = if let Some((h, m)) = body.split_once(':') {
        (h, m)
    } else if body.len() == 4 {
        (&body[..2], &body[2..])
    } else {
        (body, "0")
    };
    if h.is_empty() || h.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    if !h.bytes().all(|c| c.is_ascii_digit()) || !m.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 18 || m > 59 || (h == 18 && m > 0) {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Reads a duration: `500ms`, `60s`, `5m`, `1h30m`, `1.5h`, or a bare number of seconds.
/// Rounds to the millisecond.
pub fn parse_duration(s: &str) -> Option<Ms> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as Ms);
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut total = 0f64;
    let mut last_rank = u8::MAX;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let num: f64 = s[start..i].parse().ok()?;
        let ustart = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let (scale, rank) = match &s[ustart..i] {
            "h" => (3_600_000.0, 4),
            "m" | "min" => (60_000.0, 3),
            "s" => (1_000.0, 2),
            "ms" => (1.0, 1),
            _ => return None,
        };
        // Units must go from large to small, each at most once (`1h30m`, not `30m1h`).
        if rank >= last_rank {
            return None;
        }
        last_rank = rank;
        total += num * scale;
    }
    (total.is_finite()).then(|| total.round() as Ms)
}

/// Writes an instant as RFC 3339 UTC with `Z`, milliseconds only when non-zero.
pub fn fmt_instant(ms: Ms) -> String {
    let mut s = String::with_capacity(24);
    write_instant(&mut s, ms);
    s
}

pub fn write_instant(out: &mut String, ms: Ms) {
    let days = ms.div_euclid(DAY);
    let rem = ms.rem_euclid(DAY);
    write_day(out, days);
    let h = rem / HOUR;
    let mi = (rem % HOUR) / MINUTE;
    let s = (rem % MINUTE) / SECOND;
    let frac = rem % SECOND;
    out.push('T');
    push_2(out, h);
    out.push(':');
    push_2(out, mi);
    out.push(':');
    push_2(out, s);
    if frac != 0 {
        out.push('.');
        push_2(out, frac / 10);
        out.push((b'0' + (frac % 10) as u8) as char);
    }
    out.push('Z');
}

/// Two digits (the value is 0..=99).
#[inline]
fn push_2(out: &mut String, v: i64) {
    out.push((b'0' + (v / 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

/// Appends `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn write_day(out: &mut String, day: i64) {
    let (y, m, d) = civil_from_days(day);
    if (0..10_000).contains(&y) {
        push_2(out, y / 100);
        push_2(out, y % 100);
    } else {
        let _ = write!(out, "{y:04}");
    }
    out.push('-');
    push_2(out, m as i64);
    out.push('-');
    push_2(out, d as i64);
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn fmt_day(day: i64) -> String {
    let mut s = String::with_capacity(10);
    write_day(&mut s, day);
    s
}

/// `HH:MM` of a local millisecond-of-epoch.
pub fn fmt_hhmm(local_ms: Ms) -> String {
    let rem = local_ms.rem_euclid(DAY);
    format!("{:02}:{:02}", rem / HOUR, (rem % HOUR) / MINUTE)
}

/// `HH:MM:SS` of a local millisecond-of-epoch (milliseconds shown as `.mmm` when non-zero).
pub fn fmt_hhmmss(local_ms: Ms) -> String {
    let rem = local_ms.rem_euclid(DAY);
    let mut s = format!("{:02}:{:02}:{:02}", rem / HOUR, (rem % HOUR) / MINUTE, (rem % MINUTE) / SECOND);
    if rem % SECOND != 0 {
        let _ = write!(s, ".{:03}", rem % SECOND);
    }
    s
}

/// A duration the way [`parse_duration`] reads it back: `1h30m`, `5m30s`, `45s`, `2.5s`,
/// `500ms`, `0s` (negative durations get a leading `-`).
pub fn fmt_duration(ms: Ms) -> String {
    let mut out = String::new();
    if ms < 0 {
        out.push('-');
    }
    let a = ms.unsigned_abs();
    let (h, m, s, frac) = (a / 3_600_000, (a / 60_000) % 60, (a / 1000) % 60, a % 1000);
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if s > 0 || frac > 0 {
        if h == 0 && m == 0 && s == 0 {
            let _ = write!(out, "{frac}ms");
        } else {
            write_seconds(&mut out, (s * 1000 + frac) as Ms);
            out.push('s');
        }
    }
    if a == 0 {
        out.push_str("0s");
    }
    out
}

/// Milliseconds as the seconds every view shows (`ms / 1000`, exact where the milliseconds
/// are: Polars would turn `/ 1000.0` into `* 0.001`, which is not).
pub fn ms_to_seconds(ms: Ms) -> f64 {
    ms as f64 / 1000.0
}

/// Seconds with at most three decimals, from milliseconds: `300`, `0.5`, `12.345`.
pub fn fmt_seconds(ms: Ms) -> String {
    let mut s = String::new();
    write_seconds(&mut s, ms);
    s
}

pub fn write_seconds(out: &mut String, ms: Ms) {
    if ms < 0 {
        out.push('-');
    }
    let a = ms.unsigned_abs();
    let _ = write!(out, "{}", a / 1000);
    let frac = a % 1000;
    if frac != 0 {
        let mut f = format!("{frac:03}");
        while f.ends_with('0') {
            f.pop();
        }
        out.push('.');
        out.push_str(&f);
    }
}

/// Days since 1970-01-01 of a `NaiveDate`.
pub fn day_number(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    days_from_civil(d.year() as i64, d.month(), d.day())
}

/// `NaiveDate` of a day number.
pub fn naive_date(day: i64) -> NaiveDate {
    let (y, m, d) = civil_from_days(day);
    NaiveDate::from_ymd_opt(y as i32, m, d).expect("day number in chrono's range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_forms_and_truncation_to_milliseconds() {
        // 2024-03-04T08:00:12.403Z: 19786 days * 86400000 + 8h + 12.403 s
        assert_eq!(parse_rfc3339("2024-03-04T08:00:12.403Z"), Some(1_709_539_212_403));
        assert_eq!(parse_rfc3339("2024-03-04T08:00:12.4039Z"), Some(1_709_539_212_403));
        assert_eq!(parse_rfc3339("2024-03-04T08:00:12.4Z"), Some(1_709_539_212_400));
        assert_eq!(parse_rfc3339("2024-03-04T09:00:12.403+01:00"), Some(1_709_539_212_403));
        assert_eq!(parse_rfc3339("2024-03-04T09:00:12.403+0100"), Some(1_709_539_212_403));
        assert_eq!(parse_rfc3339("2024-03-04T09:00:12.403+01"), Some(1_709_539_212_403));
        assert_eq!(parse_rfc3339("2024-03-04T08:00Z"), Some(1_709_539_200_000));
        assert_eq!(parse_rfc3339("2024-03-04 08:00Z"), Some(1_709_539_200_000));
        assert_eq!(parse_rfc3339("2024-02-30T08:00Z"), None);
        assert_eq!(parse_rfc3339("2024-03-04T08:00"), None);
        assert_eq!(parse_rfc3339("2024-03-04T08:00Zjunk"), None);
    }

    #[test]
    fn civil_round_trip() {
        for day in [-1000, 0, 19786, 20000, 60000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn formats_instants_with_milliseconds_only_when_present() {
        assert_eq!(fmt_instant(1_709_539_212_403), "2024-03-04T08:00:12.403Z");
        assert_eq!(fmt_instant(1_709_539_200_000), "2024-03-04T08:00:00Z");
        assert_eq!(fmt_instant(1_709_539_200_050), "2024-03-04T08:00:00.050Z");
    }

    #[test]
    fn formats_seconds_with_at_most_three_decimals() {
        assert_eq!(fmt_seconds(300_000), "300");
        assert_eq!(fmt_seconds(500), "0.5");
        assert_eq!(fmt_seconds(12_345), "12.345");
        assert_eq!(fmt_seconds(1_010), "1.01");
        assert_eq!(fmt_seconds(-1_500), "-1.5");
        assert_eq!(fmt_seconds(0), "0");
    }

    #[test]
    fn durations_are_written_the_way_they_are_read() {
        for (ms, text) in [
            (0, "0s"),
            (500, "500ms"),
            (45_000, "45s"),
            (2_500, "2.5s"),
            (330_000, "5m30s"),
            (5_400_000, "1h30m"),
            (3_723_400, "1h2m3.4s"),
            (-60_000, "-1m"),
        ] {
            assert_eq!(fmt_duration(ms), text);
            if ms >= 0 {
                assert_eq!(parse_duration(text), Some(ms), "{text}");
            }
        }
        assert_eq!(fmt_hhmmss(9 * HOUR + 5 * MINUTE + 7 * SECOND), "09:05:07");
        assert_eq!(fmt_hhmmss(DAY + 250), "00:00:00.250");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("60s"), Some(60_000));
        assert_eq!(parse_duration("5m"), Some(300_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("90"), Some(90_000));
        assert_eq!(parse_duration("1.5"), Some(1_500));
        assert_eq!(parse_duration("30m1h"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("-5"), None);
    }

    #[test]
    fn zones_iana_case_insensitive_and_fixed_offsets() {
        assert!(Zone::parse("Europe/London").is_some());
        assert!(Zone::parse("europe/london").is_some());
        let z = Zone::parse("UTC+05:30").unwrap();
        assert_eq!(z.offset_at(0), 5 * 3600 + 1800);
        assert_eq!(z.name(), "UTC+05:30");
        assert_eq!(Zone::parse("UTC-3").unwrap().offset_at(0), -3 * 3600);
        assert_eq!(Zone::parse("+05:30").unwrap().offset_at(0), 19_800);
        assert_eq!(Zone::parse("GMT").unwrap().offset_at(0), 0);
        assert_eq!(Zone::parse("UTC").unwrap().offset_at(0), 0);
        assert!(Zone::parse("Mars/Olympus").is_none());
        assert!(Zone::parse("UTC+25").is_none());
    }

    #[test]
    fn spring_forward_gap_and_fall_back_ambiguity() {
        let ny = Zone::parse("America/New_York").unwrap();
        let gap = parse_local("2024-03-10 02:30").unwrap();
        assert!(matches!(ny.resolve(gap, None), Err(LocalTimeProblem::DoesNotExist { .. })));
        let amb = parse_local("2024-11-03 01:30").unwrap();
        assert!(matches!(ny.resolve(amb, None), Err(LocalTimeProblem::Ambiguous { .. })));
        // 01:30 EDT = 05:30Z, 01:30 EST = 06:30Z
        assert_eq!(ny.resolve(amb, Some(Ambiguous::Earliest)), Ok(parse_rfc3339("2024-11-03T05:30:00Z").unwrap()));
        assert_eq!(ny.resolve(amb, Some(Ambiguous::Latest)), Ok(parse_rfc3339("2024-11-03T06:30:00Z").unwrap()));
    }

    #[test]
    fn day_start_is_local_midnight_even_across_dst() {
        let ny = Zone::parse("America/New_York").unwrap();
        let d = day_number(NaiveDate::from_ymd_opt(2024, 3, 10).unwrap());
        assert_eq!(ny.day_start(d), parse_rfc3339("2024-03-10T05:00:00Z").unwrap());
        assert_eq!(ny.day_start(d + 1), parse_rfc3339("2024-03-11T04:00:00Z").unwrap());
        // Santiago skips midnight on 2024-09-08: the day starts at 01:00 local = 04:00Z.
        let scl = Zone::parse("America/Santiago").unwrap();
        let d = day_number(NaiveDate::from_ymd_opt(2024, 9, 8).unwrap());
        assert_eq!(scl.day_start(d), parse_rfc3339("2024-09-08T04:00:00Z").unwrap());
        // ... and repeats 23:00-24:00 on 2024-04-06: 2024-04-07 starts at 00:00 -04 = 04:00Z.
        let d = day_number(NaiveDate::from_ymd_opt(2024, 4, 7).unwrap());
        assert_eq!(scl.day_start(d), parse_rfc3339("2024-04-07T04:00:00Z").unwrap());
    }

    /// The offset table agrees with chrono-tz at every change it lists (the change's first
    /// millisecond has the new offset, the one before it the old), and every 61 minutes over
    /// 2000–2040, in zones with unusual rules: half-hour and 45-minute offsets, a
    /// half-hour DST (Lord Howe), DST abolished (São Paulo 2019), DST suspended for Ramadan
    /// every year (Casablanca), a two-hour DST (Troll), a skipped day (Apia, 2011-12-30).
    #[test]
    fn offset_table_matches_chrono_tz() {
        let zones = [
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "America/Sao_Paulo",
            "Africa/Casablanca",
            "Antarctica/Troll",
            "Pacific/Apia",
            "Pacific/Chatham",
            "America/St_Johns",
            "Asia/Gaza",
        ];
        for name in zones {
            let tz: chrono_tz::Tz = name.parse().unwrap();
            let table = Transitions::make(tz);
            // India and Nepal have kept one offset since 1990; the others change.
            assert_eq!(table.at.len() == 1, ["Asia/Kolkata", "Asia/Kathmandu"].contains(&name), "{name}: {} changes", table.at.len() - 1);
            for (i, &at) in table.at.iter().enumerate().skip(1) {
                assert_eq!(table.offset[i], iana_offset(tz, at), "{name} at {at}");
                assert_eq!(table.offset[i - 1], iana_offset(tz, at - 1), "{name} before {at}");
                assert_ne!(table.offset[i], table.offset[i - 1], "{name}: a change to the same offset at {at}");
            }
            let zone = Zone::parse(name).unwrap();
            let (from, to) = (parse_rfc3339("2000-01-01T00:00:00Z").unwrap(), parse_rfc3339("2040-01-01T00:00:00Z").unwrap());
            for ms in (from..to).step_by(61 * MINUTE as usize) {
                assert_eq!(zone.offset_at(ms), iana_offset(tz, ms), "{name} at {ms}");
            }
        }
        // Outside the table, chrono-tz answers directly: New York in 1980 and 2080 (EST).
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(ny.offset_at(parse_rfc3339("1980-01-15T12:00:00Z").unwrap()), -5 * 3600);
        assert_eq!(ny.offset_at(parse_rfc3339("2080-01-15T12:00:00Z").unwrap()), -5 * 3600);
        // Both ends of the table: the first and the last millisecond in it, and the first after.
        for ms in [TABLE_FROM, TABLE_FROM - 1, TABLE_TO - 1, TABLE_TO] {
            assert_eq!(ny.offset_at(ms), iana_offset(chrono_tz::America::New_York, ms), "at {ms}");
        }
    }

    /// Every zone chrono-tz knows, over the whole table: each listed change agrees with
    /// chrono-tz to the millisecond, and so does the offset at noon UTC of every third day
    /// of 1990–2070 (points the table's midnight steps never look at).
    #[test]
    fn offset_tables_of_every_zone_match_chrono_tz() {
        for &tz in chrono_tz::TZ_VARIANTS.iter() {
            let table = Transitions::make(tz);
            for (i, &at) in table.at.iter().enumerate().skip(1) {
                assert_eq!(table.offset[i], iana_offset(tz, at), "{} at {at}", tz.name());
                assert_eq!(table.offset[i - 1], iana_offset(tz, at - 1), "{} before {at}", tz.name());
            }
            for ms in (TABLE_FROM + 12 * HOUR..TABLE_TO).step_by(3 * DAY as usize) {
                assert_eq!(table.offset_at(ms), iana_offset(tz, ms), "{} at {ms}", tz.name());
            }
        }
    }
}
