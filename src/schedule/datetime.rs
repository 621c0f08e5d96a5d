//! Date and time forms that vendor exports write and our generic CSV does not: US
//! `mm/dd/yyyy hh:mm[:ss]` (NICE CXone), `mmddyyyy` dates with separate `hh:mm` clock times
//! (NICE IEX), ISO 8601 durations (iCalendar). Each parser yields chrono's naive types; the
//! placing on the UTC line is always [`place_local`] → [`Zone::resolve`], so the DST gap and
//! ambiguity rules are the same for every layout.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{Error, Location, Result};
use crate::time::{self, Ambiguous, Ms, Zone, DAY, HOUR, MINUTE, SECOND};

/// Places a local wall-clock time in `zone`, with the DST errors every reader reports.
pub fn place_local(naive: NaiveDateTime, zone: &Zone, ambiguous: Option<Ambiguous>, loc: impl Fn() -> Location) -> Result<Ms> {
    zone.resolve(naive, ambiguous).map_err(|p| Error::input_hint(loc(), p.message(), p.hint()))
}

/// The instants adhere accepts: the years 1900 to 2199 (a wider value is a unit mix-up).
pub fn plausible(ms: Ms) -> bool {
    (-2_208_988_800_000..7_258_118_400_000).contains(&ms)
}

/// `start + length`, or an error at `loc` when that leaves the plausible range.
pub fn add_length(start: Ms, length: Ms, loc: impl Fn() -> Location) -> Result<Ms> {
    start
        .checked_add(length)
        .filter(|&e| plausible(e) && plausible(start))
        .ok_or_else(|| Error::input_hint(loc(), "this length is far too long", "the length is the activity's length in minutes"))
}

/// Unsigned decimal digits, all of them, or `None`.
fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// A US date `mm/dd/yyyy` (one-digit month and day accepted).
pub fn parse_us_date(s: &str) -> Option<NaiveDate> {
    let mut it = s.trim().split('/');
    let (m, d, y) = (num(it.next()?)?, num(it.next()?)?, it.next()?);
    if it.next().is_some() || y.len() != 4 {
        return None;
    }
    ymd(num(y)?, m, d)
}

/// A time of day: `HH:MM[:SS]` in 24-hour form, or `h:MM[:SS] AM|PM`. `24:00` is accepted
/// as the end of the day. Returns milliseconds since midnight (up to and including 24 h).
pub fn parse_clock(s: &str) -> Option<Ms> {
    let s = s.trim();
    let upper = s.to_ascii_uppercase();
    let (body, meridiem) = if let Some(b) = upper.strip_suffix("AM") {
        (b.trim_end().to_string(), Some(false))
    } else if let Some(b) = upper.strip_suffix("PM") {
        (b.trim_end().to_string(), Some(true))
    } else {
        (upper, None)
    };
    let parts: Vec<&str> = body.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts[1].len() != 2 || parts.get(2).is_some_and(|p| p.len() != 2) {
        return None;
    }
    let h = num(parts[0]).filter(|_| parts[0].len() <= 2)?;
    let m = num(parts[1])?;
    let sec = match parts.get(2) {
        Some(p) => num(p)?,
        None => 0,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    let h = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            (h % 12) + if pm { 12 } else { 0 }
        }
        None => h,
    };
    if h > 24 || (h == 24 && (m, sec) != (0, 0)) {
        return None;
    }
    Some(h as Ms * HOUR + m as Ms * MINUTE + sec as Ms * SECOND)
}

/// A US date and time `mm/dd/yyyy hh:mm[:ss]` (24-hour, or with AM/PM).
pub fn parse_us_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let (date, clock) = s.split_once(' ')?;
    let d = parse_us_date(date)?;
    let ms = parse_clock(clock)?;
    if ms >= DAY {
        return None;
    }
    Some(d.and_time(NaiveTime::MIN) + chrono::Duration::milliseconds(ms))
}

/// An IEX export date: `mmddyyyy` (the default), else `yyyymmdd` when that is the only valid
/// reading, `mmddyy`, `mm/dd/yyyy` or `yyyy-mm-dd`.
pub fn parse_iex_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.contains('/') {
        return parse_us_date(s);
    }
    if s.contains('-') {
        return time::parse_date(s);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.len() {
        8 => ymd(num(&s[4..])?, num(&s[..2])?, num(&s[2..4])?).or_else(|| ymd(num(&s[..4])?, num(&s[4..6])?, num(&s[6..])?)),
        6 => ymd(2000 + num(&s[4..])?, num(&s[..2])?, num(&s[2..4])?),
        _ => None,
    }
}

/// An ISO 8601 / RFC 5545 duration: `[+|-]P[nW][nD][T[nH][nM][nS]]`.
pub fn parse_iso_duration(s: &str) -> Option<Ms> {
    let s = s.trim();
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let rest = rest.strip_prefix('P').or_else(|| rest.strip_prefix('p'))?;
    let mut total: Ms = 0;
    let mut in_time = false;
    let mut digits = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            '0'..='9' => digits.push(c),
            'T' if digits.is_empty() && !in_time => in_time = true,
            u => {
                let n: Ms = digits.parse().ok()?;
                digits.clear();
                let unit = match (u, in_time) {
                    ('W', false) => 7 * DAY,
                    ('D', false) => DAY,
                    ('H', true) => HOUR,
                    ('M', true) => MINUTE,
                    ('S', true) => SECOND,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
                any = true;
            }
        }
    }
    if !digits.is_empty() || !any {
        return None;
    }
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        time::parse_local(s).unwrap()
    }

    #[test]
    fn us_datetimes_with_seconds_and_meridiem() {
        assert_eq!(parse_us_datetime("06/24/2022 14:00:00"), Some(dt("2022-06-24 14:00:00")));
        assert_eq!(parse_us_datetime("6/4/2022 09:30"), Some(dt("2022-06-04 09:30:00")));
        assert_eq!(parse_us_datetime("06/24/2022 2:00:00 PM"), Some(dt("2022-06-24 14:00:00")));
        assert_eq!(parse_us_datetime("06/24/2022 12:15 AM"), Some(dt("2022-06-24 00:15:00")));
        assert_eq!(parse_us_datetime("13/24/2022 14:00:00"), None);
        assert_eq!(parse_us_datetime("06/31/2022 14:00:00"), None);
        assert_eq!(parse_us_datetime("06/24/2022 24:00:00"), None);
        assert_eq!(parse_us_datetime("2022-06-24 14:00"), None);
    }

    #[test]
    fn clock_times_24h_12h_and_end_of_day() {
        assert_eq!(parse_clock("07:45"), Some(7 * HOUR + 45 * MINUTE));
        assert_eq!(parse_clock("7:45 pm"), Some(19 * HOUR + 45 * MINUTE));
        assert_eq!(parse_clock("24:00"), Some(DAY));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("7:5"), None);
        assert_eq!(parse_clock("13:00 PM"), None);
        assert_eq!(parse_clock(""), None);
    }

    #[test]
    fn iex_dates_default_to_mmddyyyy() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_iex_date("03042024"), d(2024, 3, 4));
        // Month 20 is impossible, so this can only be yyyymmdd.
        assert_eq!(parse_iex_date("20240304"), d(2024, 3, 4));
        assert_eq!(parse_iex_date("030424"), d(2024, 3, 4));
        assert_eq!(parse_iex_date("03/04/2024"), d(2024, 3, 4));
        assert_eq!(parse_iex_date("2024-03-04"), d(2024, 3, 4));
        assert_eq!(parse_iex_date("0304202"), None);
        assert_eq!(parse_iex_date("02302024"), None);
    }

    #[test]
    fn iso_durations() {
        assert_eq!(parse_iso_duration("PT8H30M"), Some(8 * HOUR + 30 * MINUTE));
        assert_eq!(parse_iso_duration("P1D"), Some(DAY));
        assert_eq!(parse_iso_duration("P1W"), Some(7 * DAY));
        assert_eq!(parse_iso_duration("P1DT2H"), Some(DAY + 2 * HOUR));
        assert_eq!(parse_iso_duration("PT90S"), Some(90 * SECOND));
        assert_eq!(parse_iso_duration("-PT15M"), Some(-15 * MINUTE));
        assert_eq!(parse_iso_duration("P"), None);
        assert_eq!(parse_iso_duration("PT"), None);
        assert_eq!(parse_iso_duration("P2H"), None);
        assert_eq!(parse_iso_duration("PT1H30"), None);
    }
}
