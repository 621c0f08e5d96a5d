//! The command line as a user meets it: exit codes (0 ok, 1 bad input, 2 usage, 3 target
//! missed) and what each bad input's error says (file, line, column, value, what to do).

mod common;

use assert_cmd::Command;
use common::{page, Files};
use predicates::prelude::*;

const DAY_FROM: &str = "2024-03-04T00:00:00Z";
const DAY_TO: &str = "2024-03-05T00:00:00Z";

fn adhere() -> Command {
    Command::cargo_bin("adhere").unwrap()
}

/// A one-agent day: online 09:05-17:00 on a 09-17 shift (300 s late).
fn setup(schedule: &str) -> (Files, String, String) {
    let f = Files::new();
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T09:05:00Z", "login"), (1, "2024-03-04T09:05:00Z", "online"), (1, "2024-03-04T17:00:00Z", "logout")],
    );
    let a = f.write("page.json", &p).display().to_string();
    let s = f.write("schedule.csv", schedule).display().to_string();
    (f, a, s)
}

const GOOD: &str = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\n";

#[test]
fn report_succeeds_and_prints_the_shift() {
    let (_f, a, s) = setup(GOOD);
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("late_seconds"))
        .stdout(predicate::str::contains(",300,"))
        .stderr(predicate::str::contains("1 shift of 1 agent"));
}

#[test]
fn fail_under_exits_3_with_a_reason() {
    // Adherence is 28 500 / 28 800 = 98.96%: under 99 fails, under 98 passes.
    let (_f, a, s) = setup(GOOD);
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--fail-under", "99"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("below the target 99%"));
    adhere().args(["report", "--activity", &a, "--schedule", &s, "--fail-under", "98"]).assert().code(0);
}

#[test]
fn usage_errors_exit_2() {
    adhere().args(["report", "--no-such-flag"]).assert().code(2);
    let (_f, a, s) = setup(GOOD);
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--interval", "20m"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("15m, 30m or 60m"));
    adhere().args(["report", "--activity", &a]).assert().code(2).stderr(predicate::str::contains("--schedule"));
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--tz", "Mars/Base"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Mars/Base"));
}

fn bad_schedule(schedule: &str, expect: &[&str]) {
    let (_f, a, s) = setup(schedule);
    let mut assert = adhere().args(["report", "--activity", &a, "--schedule", &s]).assert().code(1);
    for e in expect {
        assert = assert.stderr(predicate::str::contains(*e));
    }
}

#[test]
fn a_bad_csv_line_names_file_line_column_and_value() {
    bad_schedule(
        "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\nE1,Open,2024-03-04 09:00,tomorrow\n",
        &["schedule.csv:3", "column `end`", "\"tomorrow\"", "not a time"],
    );
}

#[test]
fn an_end_before_the_start_is_an_error() {
    bad_schedule(
        "agent,activity,start,end\nE1,Open,2024-03-04 17:00,2024-03-04 09:00\n",
        &["schedule.csv:2", "column `end`", "not after the start"],
    );
}

#[test]
fn an_unknown_zone_is_an_error() {
    bad_schedule(
        "agent,activity,start,end,timezone\nE1,Open,2024-03-04 09:00,2024-03-04 17:00,Europe/Londn\n",
        &["schedule.csv:2", "column `timezone`", "\"Europe/Londn\"", "unknown time zone"],
    );
}

#[test]
fn a_time_in_the_spring_forward_gap_is_an_error() {
    bad_schedule(
        "agent,activity,start,end,timezone\nE1,Open,2024-03-10 02:30,2024-03-10 08:00,America/New_York\n",
        &["schedule.csv:2", "column `start`", "\"2024-03-10 02:30\"", "does not exist"],
    );
}

#[test]
fn an_ambiguous_time_is_an_error_unless_ambiguous_is_given() {
    let sched = "agent,activity,start,end,timezone\nE1,Open,2024-11-03 01:30,2024-11-03 08:00,America/New_York\n";
    bad_schedule(sched, &["schedule.csv:2", "\"2024-11-03 01:30\"", "happens twice", "--ambiguous"]);
    let (_f, a, s) = setup(sched);
    adhere().args(["report", "--activity", &a, "--schedule", &s, "--ambiguous", "earliest"]).assert().success();
}

#[test]
fn a_missing_column_is_an_error() {
    bad_schedule("agent,activity,start\nE1,Open,2024-03-04 09:00\n", &["schedule.csv:1", "end (or length_minutes)"]);
}

#[test]
fn unknown_activities_are_all_listed_with_the_toml_to_add() {
    bad_schedule(
        "agent,activity,start,end\nE1,Huddle,2024-03-04 09:00,2024-03-04 10:00\nE1,Project,2024-03-04 10:00,2024-03-04 17:00\n",
        &["\"Huddle\", \"Project\"", "[[activity]]", "--rules"],
    );
}

#[test]
fn malformed_json_names_the_file_and_line() {
    let (f, _a, s) = setup(GOOD);
    let bad = f.write("broken.json", "{\"stateChanges\": [\n  {\"agentId\": 1, \"time\": ]\n}\n");
    adhere()
        .args(["report", "--activity", &bad.display().to_string(), "--schedule", &s])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.json:2"))
        .stderr(predicate::str::contains("character 26"))
        .stderr(predicate::str::contains("not valid JSON"));
}

#[test]
fn skip_invalid_skips_bad_rows_and_says_how_many() {
    let (f, a, s) = setup("agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\nE2,Open,2024-03-04 09:00,never\n");
    adhere()
        .current_dir(f.dir.path())
        .args(["report", "--activity", &a, "--schedule", &s, "--skip-invalid", "--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped schedule row"))
        .stderr(predicate::str::contains("schedule.csv:3"))
        .stderr(predicate::str::contains("1 schedule row skipped"))
        .stderr(predicate::str::contains("wrote adhere-rejects.csv (1 rejected row)"));
    // Without --rejects the skipped row is listed in adhere-rejects.csv in the working directory.
    let rejects = std::fs::read_to_string(f.dir.path().join("adhere-rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
    assert!(rejects.contains(":3") || rejects.contains(",3,"), "{rejects}");
    assert!(rejects.contains("never"), "{rejects}");
}

#[test]
fn out_dir_writes_every_view_and_output_is_deterministic() {
    let (f, a, s) = setup(GOOD);
    let out1 = f.dir.path().join("r1");
    let out2 = f.dir.path().join("r2");
    for out in [&out1, &out2] {
        adhere()
            .args(["report", "--activity", &a, "--schedule", &s, "--format", "json", "--out", &out.display().to_string()])
            .assert()
            .success();
    }
    for view in ["shifts", "agents", "teams", "intervals", "exceptions", "states"] {
        let p1 = std::fs::read(out1.join(format!("{view}.json"))).unwrap();
        let p2 = std::fs::read(out2.join(format!("{view}.json"))).unwrap();
        assert!(!p1.is_empty());
        assert_eq!(p1, p2, "{view} differs between runs");
    }
    let no_temp = std::fs::read_dir(&out1).unwrap().all(|e| e.unwrap().path().extension().is_some_and(|x| x == "json"));
    assert!(no_temp, "a temporary file was left behind");
}

#[test]
fn out_file_without_a_view_gets_the_shifts_view() {
    let (f, a, s) = setup(GOOD);
    let out = f.dir.path().join("shifts.json");
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--format", "json", "--out", &out.display().to_string()])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    // One shift row, 300 s late: a file, not a directory of views.
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["late_seconds"], 300);
}

#[test]
fn a_schedule_directory_is_read_file_by_file_in_name_order() {
    let (f, a, s) = setup(GOOD);
    let dir = f.dir.path().join("schedules");
    std::fs::create_dir(&dir).unwrap();
    // The shift (with an Open row at 12:00-12:30) in one file and a lunch at 12:00-12:30 in
    // another: at a start tie the later file applies, so the order of the files decides.
    // Plus a file that is not a schedule export (left out by its extension).
    std::fs::write(dir.join("a-week.csv"), format!("{GOOD}E1,Open,2024-03-04 12:00,2024-03-04 12:30\n")).unwrap();
    std::fs::write(dir.join("b-lunch.csv"), "agent,activity,start,end\nE1,Lunch,2024-03-04 12:00,2024-03-04 12:30\n").unwrap();
    std::fs::write(dir.join("notes.md"), "not a schedule").unwrap();
    let run = |schedule: &[&str]| {
        let mut args = vec!["report", "--activity", &a, "--format", "csv"];
        for p in schedule {
            args.extend(["--schedule", p]);
        }
        let o = adhere().args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let d = dir.display().to_string();
    let files = [dir.join("a-week.csv").display().to_string(), dir.join("b-lunch.csv").display().to_string()];
    let from_dir = run(&[&d]);
    assert_eq!(from_dir, run(&[&files[0], &files[1]]));
    // The other order lets a-week.csv's Open win the tie: different figures, so the
    // directory was read in name order.
    assert_ne!(from_dir, run(&[&files[1], &files[0]]));
    // In name order the lunch applies, and the agent works it online (out of adherence).
    assert_ne!(from_dir, run(&[&s]));
    let text = String::from_utf8(from_dir).unwrap();
    assert!(text.contains(",2100,"), "{text}"); // 300 s late + 1800 s of lunch worked online
}

#[test]
fn states_needs_no_schedule() {
    let (_f, a, _s) = setup(GOOD);
    adhere()
        .args(["states", "--activity", &a, "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("agent1@example.com,1,E1,agent1@example.com,7,UTC,2024-03-04,online,28500,1,28500"));
}

#[test]
fn a_roster_matches_keys_that_are_not_liveperson_fields_and_both_unmatched_sides_are_listed() {
    // Key "wfm-7" means agentId 1 through the roster; agent 2 is active with no schedule;
    // key "ghost" matches nothing.
    let f = Files::new();
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T08:55:00Z", "login"), (1, "2024-03-04T08:55:00Z", "online"), (2, "2024-03-04T09:00:00Z", "login")],
    );
    let a = f.write("page.json", &p).display().to_string();
    let s = f
        .write(
            "schedule.csv",
            "agent,activity,start,end\nwfm-7,Open,2024-03-04 09:00,2024-03-04 17:00\nghost,Open,2024-03-04 09:00,2024-03-04 17:00\n",
        )
        .display()
        .to_string();
    let roster = f.write("roster.csv", "agent,agent_id,team\nwfm-7,1,Blue\n").display().to_string();
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--agents", &roster, "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wfm-7,1,E1,agent1@example.com,Blue,UTC,2024-03-04"))
        .stderr(predicate::str::contains("\"ghost\""))
        .stderr(predicate::str::contains("1 LivePerson agent with activity has no schedule"))
        .stderr(predicate::str::contains("agent2@example.com"));
}

#[test]
fn rejects_file_lists_skipped_rows() {
    let (f, a, s) = setup("agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\nE2,Open,2024-03-04 09:00,never\n");
    let rejects = f.dir.path().join("rejects.csv");
    adhere()
        .args(["report", "--activity", &a, "--schedule", &s, "--skip-invalid", "--rejects", &rejects.display().to_string()])
        .assert()
        .success();
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(text.starts_with("file,line,column,value,reason"), "{text}");
    assert!(text.contains(",3,end,never,"), "{text}");
}
