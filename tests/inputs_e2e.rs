//! Inputs end to end through the command line: every activity shape (v2 page, v1 page,
//! NDJSON records) gives the same figures; `--coverage`; ids above 2^32; `--match-on`; the
//! overlay tie across schedule files; `--shift-gap`.

mod common;

use assert_cmd::Command;
use common::{page, Files};
use serde_json::Value;

const FROM: &str = "2024-03-04T00:00:00Z";
const TO: &str = "2024-03-05T00:00:00Z";

/// Agent 1 logs in 09:05 (300 s late for 09:00), is online, away 12:00-12:30, logs out 17:00.
const EVENTS: &[(i64, &str, &str)] = &[
    (1, "2024-03-04T09:05:00Z", "login"),
    (1, "2024-03-04T09:05:00Z", "online"),
    (1, "2024-03-04T12:00:00Z", "away:Lunch"),
    (1, "2024-03-04T12:30:00Z", "online"),
    (1, "2024-03-04T17:00:00Z", "logout"),
];

const SCHEDULE: &str = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\nE1,Lunch,2024-03-04 12:00,2024-03-04 12:30\n";

fn adhere(dir: &Files, args: &[&str]) -> (Value, String) {
    let o = Command::cargo_bin("adhere").unwrap().current_dir(dir.dir.path()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{args:?}: {stderr}");
    (serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout))), stderr)
}

fn shifts(f: &Files, activity: &str, schedule: &str, extra: &[&str]) -> (Value, String) {
    let mut args = vec!["report", "--activity", activity, "--schedule", schedule, "--format", "json"];
    args.extend_from_slice(extra);
    adhere(f, &args)
}

/// The v2 page's records as plain JSON objects.
fn records() -> Vec<Value> {
    let p: Value = serde_json::from_str(&page(FROM, TO, EVENTS)).unwrap();
    p["stateChanges"].as_array().unwrap().clone()
}

#[test]
fn v1_pages_and_ndjson_records_give_the_same_shift_as_a_v2_page() {
    let f = Files::new();
    let sched = f.write("s.csv", SCHEDULE).display().to_string();
    let v2 = f.write("v2.json", &page(FROM, TO, EVENTS)).display().to_string();
    // v1: the agent's fields once, its history without them, in another order.
    let mut history: Vec<Value> = records()
        .into_iter()
        .map(|mut r| {
            for k in ["agentId", "employeeId", "agentLoginName", "agentGroupId"] {
                r.as_object_mut().unwrap().remove(k);
            }
            r
        })
        .collect();
    history.reverse();
    let v1 = serde_json::json!({
        "timeframe": {"startTime": FROM, "endTime": TO, "startTimeL": "1709510400000", "endTimeL": 1709596800000i64},
        "agentsInfo": [{"agentId": 1, "employeeId": "E1", "agentLoginName": "agent1@example.com", "agentGroupId": 7, "statusChangeHistory": history}]
    });
    let v1 = f.write("v1.json", &v1.to_string()).display().to_string();
    let ndjson: String = records().iter().map(|r| format!("{r}\n")).collect();
    let nd = f.write("records.ndjson", &ndjson).display().to_string();

    let (a, _) = shifts(&f, &v2, &sched, &[]);
    let (b, _) = shifts(&f, &v1, &sched, &[]);
    let (c, _) = shifts(&f, &nd, &sched, &["--coverage", &format!("{FROM}/{TO}")]);
    assert_eq!(a, b);
    assert_eq!(a, c);
    // 09:00-17:00 = 28 800 s: 300 s late (logged out, Open wants online) is out; the lunch
    // taken away is in. in = 28 500, out = 300.
    assert_eq!(a[0]["late_seconds"], 300);
    assert_eq!(a[0]["in_adherence_seconds"], 28_500);
    assert_eq!(a[0]["out_of_adherence_seconds"], 300);
    assert_eq!(a[0]["unknown_seconds"], 0);
}

#[test]
fn without_a_timeframe_coverage_falls_back_to_first_and_last_record() {
    // NDJSON has no timeframe: coverage is [09:05, 17:00), so 09:00-09:05 is unknown and
    // the shift is not late but has no lateness figure (unknown at R).
    let f = Files::new();
    let sched = f.write("s.csv", SCHEDULE).display().to_string();
    let nd = f.write("records.ndjson", &records().iter().map(|r| format!("{r}\n")).collect::<String>()).display().to_string();
    let (s, _) = shifts(&f, &nd, &sched, &[]);
    assert_eq!(s[0]["unknown_seconds"], 300);
    assert_eq!(s[0]["late_seconds"], Value::Null);
    assert_eq!(s[0]["is_late"], Value::Null);
}

#[test]
fn coverage_is_ignored_with_a_warning_when_a_page_has_a_timeframe() {
    let f = Files::new();
    let sched = f.write("s.csv", SCHEDULE).display().to_string();
    let v2 = f.write("v2.json", &page(FROM, TO, EVENTS)).display().to_string();
    let (with, stderr) = shifts(&f, &v2, &sched, &["--coverage", "2024-03-04T10:00:00Z/2024-03-04T11:00:00Z"]);
    let (without, _) = shifts(&f, &v2, &sched, &[]);
    assert_eq!(with, without);
    assert!(stderr.contains("--coverage"), "{stderr}");
}

#[test]
fn agent_ids_above_2_to_the_32_are_kept_exactly() {
    let f = Files::new();
    let big = 5_400_000_017i64;
    let text = page(FROM, TO, EVENTS).replace("\"agentId\":1,", &format!("\"agentId\":{big},"));
    let v2 = f.write("v2.json", &text).display().to_string();
    let sched =
        f.write("s.csv", &format!("agent,activity,start,end\n{big},Open,2024-03-04 09:00,2024-03-04 17:00\n")).display().to_string();
    let (s, _) = shifts(&f, &v2, &sched, &["--match-on", "agent-id"]);
    assert_eq!(s[0]["agent_id"], big);
    assert_eq!(s[0]["late_seconds"], 300);
}

#[test]
fn match_on_uses_only_the_named_field() {
    let f = Files::new();
    let v2 = f.write("v2.json", &page(FROM, TO, EVENTS)).display().to_string();
    // Key "1" is agent 1's agentId; its employeeId is "E1" and its login agent1@example.com.
    let sched = f.write("s.csv", "agent,activity,start,end\n1,Open,2024-03-04 09:00,2024-03-04 17:00\n").display().to_string();
    let (by_id, _) = shifts(&f, &v2, &sched, &["--match-on", "agent-id"]);
    assert_eq!(by_id[0]["agent_id"], 1);
    let (by_login, stderr) = shifts(&f, &v2, &sched, &["--match-on", "login"]);
    // Unmatched: null ids, logged out throughout (a no-show), named in a warning.
    assert_eq!(by_login[0]["agent_id"], Value::Null);
    assert_eq!(by_login[0]["no_show"], true);
    assert!(stderr.contains("\"1\"") || stderr.contains(" 1"), "{stderr}");
    assert!(stderr.contains("no activity and count") && stderr.contains("\"1\""), "{stderr}");
    // Auto: employeeId first, then login ignoring case.
    let sched =
        f.write("s2.csv", "agent,activity,start,end\nAGENT1@example.com,Open,2024-03-04 09:00,2024-03-04 17:00\n").display().to_string();
    let (auto, _) = shifts(&f, &v2, &sched, &[]);
    assert_eq!(auto[0]["agent_id"], 1);
}

#[test]
fn several_matching_agents_take_the_smallest_agent_id_with_a_warning() {
    let f = Files::new();
    // Agents 9 and 4 both have employeeId E1.
    let text = page(
        FROM,
        TO,
        &[(9, "2024-03-04T09:00:00Z", "login"), (9, "2024-03-04T09:00:00Z", "online"), (4, "2024-03-04T10:00:00Z", "login")],
    )
    .replace("\"E9\"", "\"E1\"")
    .replace("\"E4\"", "\"E1\"");
    let v2 = f.write("v2.json", &text).display().to_string();
    let sched = f.write("s.csv", "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\n").display().to_string();
    let (s, stderr) = shifts(&f, &v2, &sched, &[]);
    assert_eq!(s[0]["agent_id"], 4);
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("matches 2 LivePerson agents") && stderr.contains("using the smallest agentId 4"), "{stderr}");
}

#[test]
fn at_a_tie_in_start_the_row_of_the_later_schedule_file_applies() {
    let f = Files::new();
    let v2 = f.write("v2.json", &page(FROM, TO, EVENTS)).display().to_string();
    let base = f.write("a.csv", SCHEDULE).display().to_string();
    // An Open row with the same start as a.csv's Lunch row: whichever file comes later on the
    // command line applies at 12:00-12:30.
    let other = f.write("b.csv", "agent,activity,start,end\nE1,Open,2024-03-04 12:00,2024-03-04 12:30\n").display().to_string();
    let later_open = |files: &[&str]| {
        let mut args = vec!["report", "--activity", v2.as_str(), "--format", "json"];
        for s in files {
            args.extend(["--schedule", s]);
        }
        adhere(&f, &args).0
    };
    // b.csv last: 12:00-12:30 is Open, so the away lunch is out of adherence (300 + 1800).
    assert_eq!(later_open(&[&base, &other])[0]["out_of_adherence_seconds"], 2100);
    // b.csv first: a.csv's Lunch (same start, later file) applies; only the 300 s late.
    assert_eq!(later_open(&[&other, &base])[0]["out_of_adherence_seconds"], 300);
}

#[test]
fn shift_gap_decides_whether_a_split_shift_is_one_shift() {
    let f = Files::new();
    let v2 = f.write("v2.json", &page(FROM, TO, EVENTS)).display().to_string();
    // 09:00-12:00 and 12:45-17:00: a 45-minute gap.
    let sched = f
        .write("s.csv", "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 12:00\nE1,Open,2024-03-04 12:45,2024-03-04 17:00\n")
        .display()
        .to_string();
    let (one, _) = shifts(&f, &v2, &sched, &[]);
    assert_eq!(one.as_array().unwrap().len(), 1, "60m default: one shift");
    let (two, _) = shifts(&f, &v2, &sched, &["--shift-gap", "30m"]);
    assert_eq!(two.as_array().unwrap().len(), 2, "30m: two shifts");
    assert_eq!(two[1]["shift_start"], "2024-03-04T12:45:00Z");
}
