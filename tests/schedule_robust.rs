//! Every schedule reader survives arbitrary input: it returns rows or an error, never
//! panics (the proptest stand-in for the `fuzz/` targets, run in CI). Also: bad cells name
//! file, line, column and value; `--skip-invalid` collects them instead.

use std::path::Path;

use adhere::schedule::{formats, ReadOptions, ScheduleRows};
use proptest::prelude::*;

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schedules").join(name)).unwrap()
}

fn read_all_ways(text: &str) {
    for f in formats() {
        adhere::schedule::fuzz_read(f.name(), text);
    }
}

const FIXTURES: &[&str] = &[
    "cxone.csv",
    "agentScheduleDetail_030624_0200.txt",
    "genesys-agent-schedules.json",
    "genesys-schedule.csv",
    "zendesk-schedule.csv",
    "amy.lee.ics",
    "team-training.ics",
    "week-old.csv",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn readers_never_panic_on_arbitrary_text(text in "\\PC{0,400}") {
        read_all_ways(&text);
    }

    #[test]
    fn readers_never_panic_on_damaged_fixtures(which in 0usize..FIXTURES.len(), edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, "[0-9:|,;\"TZ\\-/ \n]{0,3}"), 1..6)) {
        let mut text = fixture_text(FIXTURES[which]);
        for (at, kind, s) in edits {
            let mut i = at.index(text.len().max(1)).min(text.len());
            while !text.is_char_boundary(i) { i -= 1; }
            match kind {
                0 => text.insert_str(i, &s),
                1 => { let mut j = (i + s.len() + 1).min(text.len()); while !text.is_char_boundary(j) { j -= 1; } text.replace_range(i..j, ""); }
                2 => { let mut j = (i + s.len()).min(text.len()); while !text.is_char_boundary(j) { j -= 1; } text.replace_range(i..j, &s); }
                _ => text.truncate(i),
            }
        }
        read_all_ways(&text);
    }
}

/// Regression inputs worth keeping (found while building the readers).
#[test]
fn regression_inputs() {
    for text in [
        "",
        "\u{feff}",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240304T090000Z\nDURATION:P99999999999999W\nSUMMARY:Open\nEND:VEVENT\nEND:VCALENDAR\n",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240304T090000Z\nDTEND:20240304T100000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:Open\nEND:VEVENT\nEND:VCALENDAR\n",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240304T090000Z\nDTEND:20240304T100000Z\nRRULE:FREQ=DAILY;UNTIL=1\nSUMMARY:Open\nEND:VEVENT\nEND:VCALENDAR\n",
        "{\"agentSchedules\":[{\"user\":{\"id\":\"u\"},\"shifts\":[{\"activities\":[{\"startDate\":\"2024-03-04T14:00:00Z\",\"lengthMinutes\":1e300,\"activityCodeId\":\"0\"}]}]}]}",
        "userId,startDate,lengthMinutes,activityCodeId\nu,2024-03-04T14:00:00Z,-5,0\nu,2024-03-04T14:00:00Z,NaN,0\n",
        "#fields:excdate|schedDate|TZ|logonID|excCode|startTime|stopTime\n99999999|x|Mars/Base|1|Open|25:00|\n",
        "Agent Email,Event Type,Start Time,End Time\na@b,Open,2024-03-04T14:00:00Z,2024-03-04T13:00:00Z\n",
    ] {
        read_all_ways(text);
    }
}

#[test]
fn a_bad_cell_names_file_line_column_value_and_a_hint() {
    let text = "Username,Shift Start Date and Time,Shift End Date and Time,Local Time Zone,Base Activity Name\n\
                amy@example.com,03/04/2024 09:00:00,03/04/2024 17:00:00,UTC-05:00,Open\n\
                bo@example.com,03/32/2024 09:00:00,03/04/2024 17:00:00,UTC-05:00,Open\n";
    let f = formats().into_iter().find(|f| f.name() == "cxone").unwrap();
    let mut rows = ScheduleRows::default();
    let err = f.read(Path::new("s.csv"), text, &ReadOptions::default(), &mut rows, &mut Vec::new()).unwrap_err().to_string();
    assert!(err.contains("s.csv:3"), "{err}");
    assert!(err.contains("column `Shift Start Date and Time`"), "{err}");
    assert!(err.contains("value \"03/32/2024 09:00:00\""), "{err}");
    assert!(err.contains("hint:"), "{err}");

    let mut rows = ScheduleRows::default();
    let mut rejects = Vec::new();
    let opts = ReadOptions { skip_invalid: true, ..Default::default() };
    f.read(Path::new("s.csv"), text, &opts, &mut rows, &mut rejects).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].location.line, Some(3));
}

#[test]
fn iex_spring_forward_gap_is_an_error_unless_skipped() {
    // 02:30 on 10 March 2024 does not exist in New York.
    let text = "#fields:excdate|schedDate|TZ|logonID|excCode|startTime|stopTime\n03102024|03102024|America/New_York|7|Open|02:30|06:00\n";
    let f = formats().into_iter().find(|f| f.name() == "iex").unwrap();
    let err =
        f.read(Path::new("d.txt"), text, &ReadOptions::default(), &mut ScheduleRows::default(), &mut Vec::new()).unwrap_err().to_string();
    assert!(err.contains("d.txt:2") && err.contains("does not exist"), "{err}");
}
