//! Time-zone names that calendar exports write instead of IANA names: Windows zone ids
//! (`Eastern Standard Time`, what Outlook and Exchange put in `TZID`), their display names
//! (`(UTC-05:00) Eastern Time (US & Canada)`), and path-style ids (`/mozilla.org/20050126_1/
//! America/New_York`, what Thunderbird writes). Each is mapped to the IANA zone CLDR's
//! `windowsZones.xml` gives for the territory `001`, so daylight saving follows the zone's rules
//! rather than a fixed offset.

use crate::error::{Error, Location, Result};
use crate::time::Zone;

/// (Windows id, the display name after its `(UTC±hh:mm) ` prefix, IANA zone).
const WINDOWS: &[(&str, &str, &str)] = &[
    ("Dateline Standard Time", "International Date Line West", "Etc/GMT+12"),
    ("Hawaiian Standard Time", "Hawaii", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "Alaska", "America/Anchorage"),
    ("Pacific Standard Time", "Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("US Mountain Standard Time", "Arizona", "America/Phoenix"),
    ("Mountain Standard Time", "Mountain Time (US & Canada)", "America/Denver"),
    ("Central Standard Time", "Central Time (US & Canada)", "America/Chicago"),
    ("Central Standard Time (Mexico)", "Guadalajara, Mexico City, Monterrey", "America/Mexico_City"),
    ("Canada Central Standard Time", "Saskatchewan", "America/Regina"),
    ("SA Pacific Standard Time", "Bogota, Lima, Quito, Rio Branco", "America/Bogota"),
    ("Eastern Standard Time", "Eastern Time (US & Canada)", "America/New_York"),
    ("US Eastern Standard Time", "Indiana (East)", "America/Indiana/Indianapolis"),
    ("Atlantic Standard Time", "Atlantic Time (Canada)", "America/Halifax"),
    ("SA Western Standard Time", "Georgetown, La Paz, Manaus, San Juan", "America/La_Paz"),
    ("Newfoundland Standard Time", "Newfoundland", "America/St_Johns"),
    ("E. South America Standard Time", "Brasilia", "America/Sao_Paulo"),
    ("Argentina Standard Time", "City of Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("UTC", "Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "Dublin, Edinburgh, Lisbon, London", "Europe/London"),
    ("Greenwich Standard Time", "Monrovia, Reykjavik", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
    ("Central Europe Standard Time", "Belgrade, Bratislava, Budapest, Ljubljana, Prague", "Europe/Budapest"),
    ("Romance Standard Time", "Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
    ("Central European Standard Time", "Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "West Central Africa", "Africa/Lagos"),
    ("GTB Standard Time", "Athens, Bucharest", "Europe/Bucharest"),
    ("FLE Standard Time", "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kiev"),
    ("Israel Standard Time", "Jerusalem", "Asia/Jerusalem"),
    ("Egypt Standard Time", "Cairo", "Africa/Cairo"),
    ("South Africa Standard Time", "Harare, Pretoria", "Africa/Johannesburg"),
    ("Turkey Standard Time", "Istanbul", "Europe/Istanbul"),
    ("Russian Standard Time", "Moscow, St. Petersburg", "Europe/Moscow"),
    ("Arab Standard Time", "Kuwait, Riyadh", "Asia/Riyadh"),
    ("E. Africa Standard Time", "Nairobi", "Africa/Nairobi"),
    ("Arabian Standard Time", "Abu Dhabi, Muscat", "Asia/Dubai"),
    ("Pakistan Standard Time", "Islamabad, Karachi", "Asia/Karachi"),
    ("India Standard Time", "Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Sri Jayawardenepura", "Asia/Colombo"),
    ("Bangladesh Standard Time", "Dhaka", "Asia/Dhaka"),
    ("SE Asia Standard Time", "Bangkok, Hanoi, Jakarta", "Asia/Bangkok"),
    ("China Standard Time", "Beijing, Chongqing, Hong Kong, Urumqi", "Asia/Shanghai"),
    ("Singapore Standard Time", "Kuala Lumpur, Singapore", "Asia/Singapore"),
    ("W. Australia Standard Time", "Perth", "Australia/Perth"),
    ("Taipei Standard Time", "Taipei", "Asia/Taipei"),
    ("Tokyo Standard Time", "Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
    ("Korea Standard Time", "Seoul", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Adelaide", "Australia/Adelaide"),
    ("E. Australia Standard Time", "Brisbane", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Canberra, Melbourne, Sydney", "Australia/Sydney"),
    ("New Zealand Standard Time", "Auckland, Wellington", "Pacific/Auckland"),
];

/// The zone a calendar's `TZID` (or `X-WR-TIMEZONE`) names: an IANA name or fixed offset
/// ([`Zone::parse`]), a path-style id ending in an IANA name, a Windows zone id or display
/// name, or, last, the fixed offset of a `(UTC±hh:mm) …` display name this table does not
/// know. The zone keeps the name as written (SPEC §4.2: the `timezone` output field).
pub fn calendar_zone(tzid: &str) -> Option<Zone> {
    let written = tzid.trim().trim_matches('"').trim_start_matches('/');
    if let Some(z) = Zone::parse(written) {
        return Some(z);
    }
    // `mozilla.org/20050126_1/America/New_York`, `softwarestudio.org/Olson_20011030_5/Europe/Paris`:
    // the longest tail of path segments that is a zone name.
    let parts: Vec<&str> = written.split('/').filter(|p| !p.is_empty()).collect();
    let from_path = (1..parts.len()).find_map(|from| Zone::parse(&parts[from..].join("/")));
    let display = written.strip_prefix('(').and_then(|rest| rest.split_once(')')).map(|(_, name)| name.trim());
    let from_table = || {
        WINDOWS
            .iter()
            .find(|(id, name, _)| id.eq_ignore_ascii_case(written) || display.is_some_and(|d| d.eq_ignore_ascii_case(name)))
            .and_then(|(_, _, iana)| Zone::parse(iana))
    };
    let from_offset = || Zone::parse(written.strip_prefix('(')?.split(')').next()?);
    from_path.or_else(from_table).or_else(from_offset).map(|z| z.written_as(written))
}

/// [`calendar_zone`], or an error at `loc` saying which names are read.
pub fn read_calendar_zone(tzid: &str, loc: impl Fn() -> Location) -> Result<Zone> {
    calendar_zone(tzid).ok_or_else(|| {
        Error::input_hint(
            loc(),
            "unknown time zone",
            "use an IANA name such as Europe/London, a Windows zone id such as Eastern Standard Time, or a fixed offset such as UTC+05:30",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_tzids_from_outlook_thunderbird_and_display_names() {
        // The IANA rules behind each name; the written name is kept.
        let name = |s: &str| calendar_zone(s).and_then(|z| z.iana()).map(str::to_string);
        assert_eq!(calendar_zone("Eastern Standard Time").unwrap().name(), "Eastern Standard Time");
        assert_eq!(name("Europe/London").as_deref(), Some("Europe/London"));
        assert_eq!(name("/mozilla.org/20050126_1/America/New_York").as_deref(), Some("America/New_York"));
        assert_eq!(name("/softwarestudio.org/Olson_20011030_5/Europe/Paris").as_deref(), Some("Europe/Paris"));
        assert_eq!(name("Eastern Standard Time").as_deref(), Some("America/New_York"));
        assert_eq!(name("\"W. Europe Standard Time\"").as_deref(), Some("Europe/Berlin"));
        assert_eq!(name("(UTC-05:00) Eastern Time (US & Canada)").as_deref(), Some("America/New_York"));
        assert_eq!(name("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi").as_deref(), Some("Asia/Kolkata"));
        // Unknown display name: its fixed offset.
        assert!(calendar_zone("(UTC+03:00) Somewhere New").is_some());
        let fixed = calendar_zone("(UTC+03:00) Somewhere New").unwrap();
        assert_eq!((fixed.iana(), fixed.offset_at(0)), (None, 3 * 3600));
        assert!(calendar_zone("Mars Standard Time").is_none());
    }
}
