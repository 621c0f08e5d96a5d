//! `adhere schedule check|diff` end to end: exit codes, rejects file, output formats.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schedules").join(name)
}

fn adhere() -> Command {
    Command::cargo_bin("adhere").unwrap()
}

#[test]
fn check_summarises_a_clean_file_and_exits_0() {
    adhere()
        .args(["schedule", "check"])
        .arg(fixture("generic.csv"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 file, 8 rows, 3 agents, 3 shifts, 2024-03-08 to 2024-03-09"))
        // bob's night shift 22:00 EST → 06:00 EDT crosses the change on 10 March.
        .stdout(predicate::str::contains("shifts touched by a DST change: 1"))
        .stdout(predicate::str::contains("bob 2024-03-09 (America/New_York)"))
        // The lunch under the later break row, and Open under everything on top of it.
        .stdout(predicate::str::contains("Lunch 2024-03-08T17:30:00Z–2024-03-08T18:00:00Z: 15 min under Break"))
        .stdout(predicate::str::contains("(time off: not counted)"))
        .stdout(predicate::str::contains("result: OK"));
}

#[test]
fn check_reads_every_vendor_layout() {
    for f in ["cxone.csv", "agentScheduleDetail_030624_0200.txt", "genesys-agent-schedules.json", "zendesk-schedule.csv", "amy.lee.ics"] {
        adhere()
            .args(["schedule", "check", "--rules"])
            .arg(fixture("vendor-rules.toml"))
            .arg(fixture(f))
            .assert()
            .code(0)
            .stdout(predicate::str::contains("result: OK"));
    }
}

#[test]
fn check_stops_at_the_first_bad_row_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "agent,activity,start,end\na,Open,2024-03-04 09:00,2024-03-04 17:00\nb,Open,2024-03-04 9am,2024-03-04 17:00\nc,Open,2024-03-04 18:00,2024-03-04 17:00\n").unwrap();
    adhere()
        .args(["schedule", "check"])
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.csv:3, column `start`, value \"2024-03-04 9am\": not a time"))
        .stderr(predicate::str::contains("hint:"));
}

#[test]
fn skip_invalid_writes_the_rejects_file_and_check_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let rejects = dir.path().join("out/rejects.csv");
    std::fs::write(&bad, "agent,activity,start,end\na,Open,2024-03-04 09:00,2024-03-04 17:00\nb,Open,2024-03-04 9am,2024-03-04 17:00\nc,Open,2024-03-04 18:00,2024-03-04 17:00\n").unwrap();
    adhere()
        .args(["schedule", "check", "--skip-invalid", "--rejects"])
        .arg(&rejects)
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("rows rejected: 2"))
        .stderr(predicate::str::contains("skipped 2 schedule rows"));
    let text = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "file,line,column,value,reason");
    assert!(lines[1].ends_with(",3,start,2024-03-04 9am,not a time"), "{text}");
    assert!(lines[2].contains(",4,end,2024-03-04 17:00,the end is not after the start"), "{text}");
    // Nothing half-written beside it.
    assert_eq!(std::fs::read_dir(dir.path().join("out")).unwrap().count(), 1);
}

#[test]
fn rejects_needs_skip_invalid() {
    adhere().args(["schedule", "check", "--rejects", "r.csv"]).arg(fixture("generic.csv")).assert().code(2);
}

#[test]
fn diff_fail_on_change_exits_3_and_identical_files_exit_0() {
    adhere()
        .args(["schedule", "diff", "--fail-on-change", "--format", "csv"])
        .arg(fixture("week-old.csv"))
        .arg(fixture("week-new.csv"))
        .assert()
        .code(3)
        .stdout(predicate::str::starts_with(
            "agent,shift_date,change,old_start,old_end,new_start,new_end,scheduled_minutes_delta,details\n",
        ));
    // A CXone export and its generic equivalent: different layouts, same schedule.
    adhere()
        .args(["schedule", "diff", "--fail-on-change", "--format", "json"])
        .arg(fixture("cxone.csv"))
        .arg(fixture("cxone.generic.csv"))
        .assert()
        .code(0)
        .stdout("[]\n");
}

#[test]
fn diff_writes_markdown_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("diff.md");
    adhere()
        .args(["schedule", "diff", "--view", "hours", "--format", "markdown", "--out"])
        .arg(&out)
        .arg(fixture("week-old.csv"))
        .arg(fixture("week-new.csv"))
        .assert()
        .code(0)
        .stdout("");
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("### Scheduled minutes, old vs new"), "{md}");
}

#[test]
fn unknown_activity_names_are_listed_with_the_toml_to_add() {
    adhere()
        .args(["schedule", "diff"])
        .arg(fixture("genesys-agent-schedules.json"))
        .arg(fixture("genesys-schedule.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\"On Queue Work\"").and(predicate::str::contains("[[activity]]")));
}

#[test]
fn unknown_schedule_format_is_a_usage_error() {
    adhere().args(["schedule", "check", "--schedule-format", "verint"]).arg(fixture("generic.csv")).assert().code(2);
}
