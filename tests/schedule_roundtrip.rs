//! Random schedules written in every vendor layout read back to the same rows as the generic
//! CSV: the presets agree with each other on arbitrary data, not just on the fixtures.

use std::fmt::Write as _;

use adhere::schedule::{read_files, ReadOptions, ScheduleRows};
use adhere::time::{fmt_instant, MINUTE};
use chrono::{DateTime, Utc};
use proptest::prelude::*;

const AGENTS: &[&str] = &["amy@example.com", "bo@example.com", "cara@example.com"];
const ACTS: &[&str] = &["Open", "Break", "Lunch", "Time Off"];
const BASE: i64 = 1_709_528_400_000; // 2024-03-04T05:00:00Z
const OFFSET_H: i64 = -5; // the rows' zone, UTC-05:00

#[derive(Debug, Clone)]
struct R {
    agent: usize,
    act: usize,
    start: i64,
    end: i64,
}

fn rows_strategy() -> impl Strategy<Value = Vec<R>> {
    prop::collection::vec((0..AGENTS.len(), 0..ACTS.len(), 0i64..(4 * 96), 1i64..(4 * 23)), 1..20).prop_map(|v| {
        v.into_iter().map(|(agent, act, s, l)| R { agent, act, start: BASE + s * 15 * MINUTE, end: BASE + (s + l) * 15 * MINUTE }).collect()
    })
}

fn local(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms + OFFSET_H * 3_600_000).unwrap()
}

fn generic(rows: &[R]) -> String {
    let mut s = String::from("agent,activity,start,end,timezone\n");
    for r in rows {
        writeln!(s, "{},{},{},{},UTC-05:00", AGENTS[r.agent], ACTS[r.act], fmt_instant(r.start), fmt_instant(r.end)).unwrap();
    }
    s
}

fn cxone(rows: &[R]) -> String {
    let mut s = String::from("Username,Shift Start Date and Time,Shift End Date and Time,Local Time Zone,Base Activity Name,Shift Notes\n");
    let f = |ms| local(ms).format("%m/%d/%Y %H:%M:%S").to_string();
    for r in rows {
        writeln!(s, "{},{},{},UTC-05:00,{},", AGENTS[r.agent], f(r.start), f(r.end), ACTS[r.act]).unwrap();
    }
    s
}

fn iex(rows: &[R]) -> String {
    let mut s = String::from("#fields:excdate|schedDate|TZ|logonID|excCode|startTime|stopTime\n");
    for r in rows {
        let (a, b) = (local(r.start), local(r.end));
        let d = a.format("%m%d%Y");
        writeln!(s, "{d}|{d}|UTC-05:00|{}|{}|{}|{}", AGENTS[r.agent], ACTS[r.act], a.format("%H:%M"), b.format("%H:%M")).unwrap();
    }
    s
}

fn genesys_csv(rows: &[R]) -> String {
    let mut s = String::from("userId,startDate,lengthMinutes,activityCodeName,timezone\n");
    for r in rows {
        writeln!(s, "{},{},{},{},UTC-05:00", AGENTS[r.agent], fmt_instant(r.start), (r.end - r.start) / MINUTE, ACTS[r.act]).unwrap();
    }
    s
}

fn genesys_json(rows: &[R]) -> String {
    let schedules: Vec<serde_json::Value> = (0..AGENTS.len())
        .map(|a| {
            let acts: Vec<serde_json::Value> = rows
                .iter()
                .filter(|r| r.agent == a)
                .map(|r| serde_json::json!({"startDate": fmt_instant(r.start), "lengthMinutes": (r.end - r.start) / MINUTE, "activityCodeId": r.act.to_string()}))
                .collect();
            // All of an agent's rows in one shift: rows are compared here, not shifts.
            serde_json::json!({"user": {"id": AGENTS[a]}, "shifts": [{"id": format!("s{a}"), "activities": acts}]})
        })
        .collect();
    let codes: Vec<serde_json::Value> = ACTS.iter().enumerate().map(|(i, n)| serde_json::json!({"id": i.to_string(), "name": n})).collect();
    serde_json::json!({"businessUnitTimeZone": "UTC-05:00", "activityCodes": codes, "agentSchedules": schedules}).to_string()
}

fn zendesk(rows: &[R]) -> String {
    let mut s = String::from("Agent Email,Event Type,Start Time (UTC),End Time (UTC),Timezone\n");
    for r in rows {
        writeln!(s, "{},{},{},{},UTC-05:00", AGENTS[r.agent], ACTS[r.act], fmt_instant(r.start), fmt_instant(r.end)).unwrap();
    }
    s
}

fn ical(rows: &[R]) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nX-WR-TIMEZONE:UTC-05:00\r\n");
    let f = |ms| DateTime::from_timestamp_millis(ms).unwrap().format("%Y%m%dT%H%M%SZ").to_string();
    for (i, r) in rows.iter().enumerate() {
        write!(
            s,
            "BEGIN:VEVENT\r\nUID:{i}@test\r\nDTSTAMP:20240301T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{}\r\nATTENDEE;CN=x:mailto:{}\r\nEND:VEVENT\r\n",
            f(r.start),
            f(r.end),
            ACTS[r.act],
            AGENTS[r.agent]
        )
        .unwrap();
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

/// Rows as comparable text, sorted.
fn key(rows: &ScheduleRows) -> Vec<String> {
    let mut v: Vec<String> = (0..rows.len())
        .map(|i| {
            format!(
                "{} {} {} {} {}",
                rows.agent[i],
                rows.activity[i],
                fmt_instant(rows.start[i]),
                fmt_instant(rows.end[i]),
                rows.zone_of(i).name()
            )
        })
        .collect();
    v.sort();
    v
}

fn read(name: &str, text: &str) -> (Vec<&'static str>, ScheduleRows) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let input = read_files(&[path], None, &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    (input.formats, input.rows)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_layout_reads_the_same_rows(rows in rows_strategy()) {
        let (_, g) = read("g.csv", &generic(&rows));
        let want = key(&g);
        for (name, text, format) in [
            ("cx.csv", cxone(&rows), "cxone"),
            ("agentScheduleDetail_010124_0000.txt", iex(&rows), "iex"),
            ("gen.csv", genesys_csv(&rows), "genesys"),
            ("gen.json", genesys_json(&rows), "genesys"),
            ("zd.csv", zendesk(&rows), "zendesk"),
            ("cal.ics", ical(&rows), "ical"),
        ] {
            let (formats, got) = read(name, &text);
            prop_assert_eq!(formats, vec![format]);
            // (iCalendar UTC times take the calendar's X-WR-TIMEZONE for their local dates.)
            prop_assert_eq!(&key(&got), &want, "{}", name);
        }
    }
}
