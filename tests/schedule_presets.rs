//! Each vendor preset reads its fixture to the same rows and shifts as the equivalent
//! generic CSV beside it (`<fixture>.generic.csv`), and detection picks the right layout.

use std::path::{Path, PathBuf};

use adhere::rules::Rules;
use adhere::schedule::diff::{diff, Side};
use adhere::schedule::shifts::RowRule;
use adhere::schedule::{read_files, row_rules, ReadOptions, ScheduleInput, Shifts};
use adhere::time::{fmt_day, fmt_instant};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schedules").join(name)
}

fn rules() -> Rules {
    Rules::load(&fixture("vendor-rules.toml")).unwrap()
}

struct Loaded {
    input: ScheduleInput,
    rules: Vec<RowRule>,
    shifts: Shifts,
}

fn load(name: &str, format: Option<&str>) -> Loaded {
    let input = read_files(&[fixture(name)], format, &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let rules = row_rules(&input.rows, &rules()).unwrap();
    let shifts = Shifts::build(&input.rows, &rules, 60 * 60_000);
    Loaded { input, rules, shifts }
}

/// Shifts as text: agent, date, start, end, zone; and each agent's applying segments.
fn describe(l: &Loaded) -> (Vec<String>, Vec<String>) {
    let s = &l.shifts;
    let mut shifts = Vec::new();
    let mut segs = Vec::new();
    for a in 0..s.agents() {
        for i in s.shifts_of(a) {
            shifts.push(format!(
                "{} {} {}..{} {}",
                s.agent_key[a],
                fmt_day(s.shift_day[i]),
                fmt_instant(s.shift_start[i]),
                fmt_instant(s.shift_end[i]),
                l.input.rows.zones[s.shift_zone[i] as usize].name()
            ));
        }
        for g in s.segments_of(a) {
            segs.push(format!(
                "{} {}..{} {}",
                s.agent_key[a],
                fmt_instant(s.seg_start[g]),
                fmt_instant(s.seg_end[g]),
                l.input.rows.activity[s.seg_row[g] as usize]
            ));
        }
    }
    (shifts, segs)
}

fn assert_same_as_generic(name: &str, format: &str, expected_shifts: usize) {
    let preset = load(name, None);
    assert_eq!(preset.input.formats, vec![format], "{name} detected as {:?}", preset.input.formats);
    let forced = load(name, Some(format));
    assert_eq!(describe(&forced), describe(&preset));
    let generic = load(
        &format!("{name}.generic.csv")
            .replace(".csv.generic", ".generic")
            .replace(".txt.generic", ".generic")
            .replace(".json.generic", ".generic"),
        None,
    );
    assert_eq!(generic.input.formats, vec!["generic"]);
    let (ps, pg) = describe(&preset);
    let (gs, gg) = describe(&generic);
    assert_eq!(ps, gs, "{name}: shifts differ from the generic equivalent");
    assert_eq!(pg, gg, "{name}: segments differ from the generic equivalent");
    assert_eq!(ps.len(), expected_shifts, "{name}: {ps:#?}");
    // And the comparison agrees: nothing changed.
    let d = diff(
        &Side { rows: &preset.input.rows, rules: &preset.rules, shifts: &preset.shifts },
        &Side { rows: &generic.input.rows, rules: &generic.rules, shifts: &generic.shifts },
    );
    assert!(d.changes.is_empty(), "{name}: {:#?}", d.changes);
}

#[test]
fn cxone_csv_reads_like_its_generic_equivalent() {
    // amy 2 shifts, bo 1 (crossing midnight), cara 1 (her vacation day has no counted time).
    assert_same_as_generic("cxone.csv", "cxone", 4);
    let l = load("cxone.csv", None);
    let (shifts, _) = describe(&l);
    // Bo's night shift stays one shift, dated the evening it starts (22:00 at UTC-05:00 = 03:00Z).
    assert!(
        shifts.contains(&"bo.chen@example.com 2024-03-04 2024-03-05T03:00:00Z..2024-03-05T11:00:00Z UTC-05:00".to_string()),
        "{shifts:#?}"
    );
    // One base-activity row per shift (amy 2, bo 1, cara 2) plus one row per activity line
    // (amy 6, bo 2, cara 2).
    assert_eq!(l.input.rows.len(), 5 + 10);
}

#[test]
fn iex_detail_export_reads_like_its_generic_equivalent() {
    // 7001: 03-04 and 03-05; 7002: the night of 03-04; E1003 (no logonID): sick day, unreported.
    assert_same_as_generic("agentScheduleDetail_030624_0200.txt", "iex", 3);
    let l = load("agentScheduleDetail_030624_0200.txt", None);
    // The Open activity the export cut at midnight (22:00-00:00, 00:00-01:00) is one row again.
    let joined = (0..l.input.rows.len()).filter(|&i| l.input.rows.agent[i] == "7002" && l.input.rows.activity[i] == "Open").count();
    assert_eq!(joined, 3);
    assert_eq!(l.input.rows.len(), 13);
}

#[test]
fn genesys_json_reads_like_its_generic_equivalent() {
    assert_same_as_generic("genesys-agent-schedules.json", "genesys", 3);
    let l = load("genesys-agent-schedules.json", None);
    // Names from the activityCodes table, and from the category where the table has no entry.
    assert!(l.input.rows.activity.contains(&"On Queue Work".to_string()));
    assert!(l.input.rows.activity.contains(&"Training".to_string()));
}

#[test]
fn genesys_csv_reads_like_its_generic_equivalent() {
    assert_same_as_generic("genesys-schedule.csv", "genesys", 2);
    let l = load("genesys-schedule.csv", None);
    assert!(l.input.rows.team.iter().all(|t| t.as_deref() == Some("Support East")));
}

#[test]
fn zendesk_csv_reads_like_its_generic_equivalent() {
    // Times written `2024-03-05 03:00:00 UTC` are UTC too.
    assert_same_as_generic("zendesk-schedule.csv", "zendesk", 2);
}

#[test]
fn icalendar_feed_with_recurrences_reads_like_its_generic_equivalent() {
    // Open on 8, 10, 11, 12 March (9 March excluded); 09:00 local before and after the DST change.
    assert_same_as_generic("amy.lee.ics", "ical", 4);
    let l = load("amy.lee.ics", None);
    let (shifts, _) = describe(&l);
    assert!(shifts[0].contains("2024-03-08T14:00:00Z..2024-03-08T22:00:00Z"), "{shifts:#?}");
    assert!(shifts[1].contains("2024-03-10T13:00:00Z..2024-03-10T21:00:00Z"), "{shifts:#?}");
    // The cancelled coaching session is not read.
    assert!(!l.input.rows.activity.contains(&"Coaching".to_string()));
}

#[test]
fn icalendar_attendees_and_x_properties_name_the_agents() {
    assert_same_as_generic("team-training.ics", "ical", 3);
}

fn read_text(format: &str, name: &str, text: &str) -> adhere::schedule::ScheduleRows {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let input = read_files(&[path], None, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.formats, vec![format]);
    input.rows
}

#[test]
fn iex_without_fields_line_plain_header_or_default_order() {
    // A plain header line, 12-hour times, a shift crossing midnight without a midnight split.
    let rows = read_text(
        "iex",
        "export.txt",
        "date|schedDate|TZ|logonID|exception|start|stop\n03042024|03042024|UTC-05:00|7002|Open|10:00 PM|2:00 AM\n",
    );
    // 22:00 at UTC-05:00 is 03:00Z next day; the stop is on the next local day: 07:00Z.
    assert_eq!((fmt_instant(rows.start[0]), fmt_instant(rows.end[0])), ("2024-03-05T03:00:00Z".into(), "2024-03-05T07:00:00Z".into()));
    // No header at all: the documented default field order.
    let rows = read_text(
        "iex",
        "agentScheduleDetail_030624_0200.txt",
        "03042024|03042024|UTC|1|10|5001|1|7001|E1001|Lee, Amy|Open|09:00|17:00|480\n",
    );
    assert_eq!((rows.agent[0].as_str(), rows.activity[0].as_str()), ("7001", "Open"));
    assert_eq!(fmt_instant(rows.start[0]), "2024-03-04T09:00:00Z");
}

#[test]
fn cxone_zone_as_the_screens_show_it() {
    let rows = read_text(
        "cxone",
        "cx.csv",
        "Username,Shift Start Date and Time,Shift End Date and Time,Local Time Zone,Base Activity Name\n\
         a@x.com,06/24/2022 14:00:00,06/24/2022 16:30:00,(UTC+05:30) Chennai,open\n",
    );
    // 14:00 at UTC+05:30 is 08:30Z.
    assert_eq!(fmt_instant(rows.start[0]), "2022-06-24T08:30:00Z");
}

#[test]
fn cxone_shifts_on_the_same_line_of_two_files_stay_apart() {
    // Week 1 and week 2 exports: the same agent's shift on line 2 of each file. Made-up shift
    // ids carry the file, so the two shifts are not grouped into one spanning both weeks.
    let header = "Username,Shift Start Date and Time,Shift End Date and Time,Local Time Zone,Base Activity Name,Activity Start Date and Time,Activity End Date and Time,Activity Name\n";
    let dir = tempfile::tempdir().unwrap();
    let w1 = dir.path().join("week1.csv");
    let w2 = dir.path().join("week2.csv");
    let row = |d: &str| format!("amy@example.com,{d} 09:00:00,{d} 17:00:00,UTC-05:00,Open,{d} 12:00:00,{d} 12:30:00,Lunch\n");
    std::fs::write(&w1, format!("{header}{}", row("03/04/2024"))).unwrap();
    std::fs::write(&w2, format!("{header}{}", row("03/11/2024"))).unwrap();
    let input = read_files(&[w1, w2], None, &ReadOptions::default()).unwrap();
    assert_eq!(input.formats, vec!["cxone", "cxone"]);
    let rules = row_rules(&input.rows, &rules()).unwrap();
    let shifts = Shifts::build(&input.rows, &rules, 60 * 60_000);
    let days: Vec<String> = shifts.shifts_of(0).map(|i| fmt_day(shifts.shift_day[i])).collect();
    assert_eq!(days, vec!["2024-03-04", "2024-03-11"]);
}

#[test]
fn ical_outlook_and_thunderbird_tzids_follow_daylight_saving() {
    // Outlook writes Windows zone ids, Thunderbird path-style ids. 09:00 New York is 14:00Z
    // on Fri 8 Mar 2024 (EST) and 13:00Z on Mon 11 Mar (EDT, after the 10 Mar change).
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nX-WR-CALNAME:amy@example.com\r\n\
               BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Open\r\nDTSTART;TZID=\"Eastern Standard Time\":20240308T090000\r\nDTEND;TZID=\"Eastern Standard Time\":20240308T170000\r\nEND:VEVENT\r\n\
               BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Open\r\nDTSTART;TZID=/mozilla.org/20050126_1/America/New_York:20240311T090000\r\nDTEND;TZID=/mozilla.org/20050126_1/America/New_York:20240311T170000\r\nEND:VEVENT\r\n\
               END:VCALENDAR\r\n";
    let rows = read_text("ical", "amy.ics", ics);
    let mut starts: Vec<String> = (0..rows.len()).map(|i| fmt_instant(rows.start[i])).collect();
    starts.sort();
    assert_eq!(starts, vec!["2024-03-08T14:00:00Z", "2024-03-11T13:00:00Z"]);
}
