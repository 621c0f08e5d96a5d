//! One test per definition of SPEC §4, each with its arithmetic worked out in a comment. They
//! run the real readers (JSON pages, schedule CSV) and the whole engine.

mod common;

use adhere::adherence::{Options, ViewName};
use adhere::time::MINUTE;
use common::*;
use serde_json::Value;

const DAY_FROM: &str = "2024-03-04T00:00:00Z";
const DAY_TO: &str = "2024-03-05T00:00:00Z";
const OPEN_9_17: &str = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\n";

fn one(pages: &[String], schedule: &str) -> Value {
    let r = run(pages, schedule, None, Options::default());
    let s = shifts(&r);
    assert_eq!(s.len(), 1, "{s:?}");
    s.into_iter().next().unwrap()
}

#[test]
fn late_by_five_minutes_is_300_seconds() {
    // Shift 09:00-17:00 (R = 09:00). Logged out at 09:00; first login 09:05 → late 300 s.
    // 09:00-09:05 logged out in Open (allows only online) → 300 s out; 28 500 s in.
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T09:05:00Z", "login"), (1, "2024-03-04T09:05:00Z", "online"), (1, "2024-03-04T17:00:00Z", "logout")],
    );
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["late_seconds"], 300);
    assert_eq!(s["is_late"], true);
    assert_eq!(s["out_of_adherence_seconds"], 300);
    assert_eq!(s["in_adherence_seconds"], 28_500);
    // 100 · 28 500 / 28 800 = 98.958333…
    assert!(close(num(&s["adherence_pct"]), 100.0 * 28_500.0 / 28_800.0));
    assert_eq!(s["first_login"], "2024-03-04T09:05:00Z");
    assert_eq!(s["early_logout_seconds"], 0);
    assert_eq!(s["no_show"], false);
}

#[test]
fn late_exactly_the_grace_is_not_late() {
    // Login at 09:01:00 → 60 s, not > 60 s grace.
    let p = page(DAY_FROM, DAY_TO, &[(1, "2024-03-04T09:01:00Z", "login"), (1, "2024-03-04T09:01:00Z", "online")]);
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["late_seconds"], 60);
    assert_eq!(s["is_late"], false);
}

#[test]
fn a_30_second_blip_is_forgiven_in_adjusted_adherence() {
    // Online all shift except away 12:00:00-12:00:30: out 30 s, a run shorter than the 60 s
    // min_exception → no exception; adherence 28 770 / 28 800 = 99.8958…%, adjusted
    // (28 770 + 30) / 28 800 = 100%.
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[
            (1, "2024-03-04T08:50:00Z", "login"),
            (1, "2024-03-04T08:50:00Z", "online"),
            (1, "2024-03-04T12:00:00Z", "away"),
            (1, "2024-03-04T12:00:30Z", "online"),
        ],
    );
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["out_of_adherence_seconds"], 30);
    assert_eq!(s["exception_count"], 0);
    assert!(close(num(&s["adherence_pct"]), 100.0 * 28_770.0 / 28_800.0));
    assert!(close(num(&s["adjusted_adherence_pct"]), 100.0));
}

#[test]
fn a_break_taken_online_is_out_of_adherence() {
    // Open 09-17 with Break 12:00-12:15 on top (latest start wins). Online throughout: the
    // break (allows away/occupied/offline/logged_out) is 900 s out, one exception.
    // Adherence 27 900 / 28 800 = 96.875%. Productive scheduled = 8 h - 15 min = 27 900 s.
    let p = page(DAY_FROM, DAY_TO, &[(1, "2024-03-04T08:00:00Z", "login"), (1, "2024-03-04T08:00:00Z", "online")]);
    let sched = format!("{OPEN_9_17}E1,Break,2024-03-04 12:00,2024-03-04 12:15\n");
    let r = run(&[p], &sched, None, Options::default());
    let s = &shifts(&r)[0];
    assert_eq!(s["out_of_adherence_seconds"], 900);
    assert_eq!(s["exception_count"], 1);
    assert_eq!(num(&s["adherence_pct"]), 96.875);
    assert_eq!(s["productive_scheduled_seconds"], 27_900);
    let ex = view(&r, ViewName::Exceptions);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0]["activity"], "Break");
    assert_eq!(ex[0]["state"], "online");
    assert_eq!(ex[0]["start"], "2024-03-04T12:00:00Z");
    assert_eq!(ex[0]["duration_seconds"], 900);
}

#[test]
fn an_8_wall_hour_night_shift_over_spring_forward_lasts_7_real_hours() {
    // Europe/Berlin, 2024-03-30 22:00 → 2024-03-31 06:00 local: clocks jump 02:00 → 03:00,
    // so 8 wall hours are 7 real hours = 25 200 s: 21:00Z → 04:00Z. One shift (crosses
    // midnight), dated by its start.
    let sched = "agent,activity,start,end,timezone\nE1,Open,2024-03-30 22:00,2024-03-31 06:00,Europe/Berlin\n";
    let p = page(
        "2024-03-30T00:00:00Z",
        "2024-04-01T00:00:00Z",
        &[(1, "2024-03-30T20:55:00Z", "login"), (1, "2024-03-30T20:55:00Z", "online")],
    );
    let s = one(&[p], sched);
    assert_eq!(s["scheduled_seconds"], 25_200);
    assert_eq!(s["shift_start"], "2024-03-30T21:00:00Z");
    assert_eq!(s["shift_end"], "2024-03-31T04:00:00Z");
    assert_eq!(s["shift_date"], "2024-03-30");
    assert_eq!(s["timezone"], "Europe/Berlin");
    assert_eq!(s["in_adherence_seconds"], 25_200);
}

#[test]
fn the_conformance_window_is_cut_at_the_midpoint_between_two_shifts() {
    // Shifts 09:00-11:00 and 12:00-14:00 (the 60 min gap starts a new shift). Online
    // 08:00-15:00. Windows: [08:00, min(12:00, (11:00+12:00)/2 = 11:30)] = 3.5 h and
    // [max(11:00, 11:30), 15:00] = 3.5 h → productive actual 12 600 s each; conformance
    // 12 600 / 7 200 = 175% each.
    let sched = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 11:00\nE1,Open,2024-03-04 12:00,2024-03-04 14:00\n";
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T08:00:00Z", "login"), (1, "2024-03-04T08:00:00Z", "online"), (1, "2024-03-04T15:00:00Z", "logout")],
    );
    let r = run(&[p], sched, None, Options::default());
    let s = shifts(&r);
    assert_eq!(s.len(), 2);
    for x in &s {
        assert_eq!(x["productive_actual_seconds"], 12_600);
        assert_eq!(num(&x["conformance_pct"]), 175.0);
    }
    // first_login / last_logout look in the closed window: the 08:00 login belongs to the
    // first shift's window only, the 15:00 logout to the second's.
    assert_eq!(s[0]["first_login"], "2024-03-04T08:00:00Z");
    assert_eq!(s[1]["first_login"], Value::Null);
    assert_eq!(s[1]["last_logout"], "2024-03-04T15:00:00Z");
}

#[test]
fn before_coverage_the_state_is_unknown() {
    // The page covers 10:00-24:00 only; the agent logged in at 08:00 (on record) and was
    // online. 09:00-10:00 is outside coverage → 3 600 s unknown, excluded from ratios;
    // late is null because the state at R (09:00) is unknown.
    let p = page("2024-03-04T10:00:00Z", DAY_TO, &[(1, "2024-03-04T08:00:00Z", "login"), (1, "2024-03-04T08:00:00Z", "online")]);
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["unknown_seconds"], 3_600);
    assert_eq!(s["in_adherence_seconds"], 25_200);
    assert_eq!(num(&s["adherence_pct"]), 100.0);
    assert_eq!(s["late_seconds"], Value::Null);
    assert_eq!(s["is_late"], Value::Null);
    // logged-in time counts only known logged-in time: 10:00-17:00.
    assert_eq!(s["logged_in_seconds"], 25_200);
}

#[test]
fn before_a_first_record_that_is_not_a_login_the_state_is_unknown() {
    // First record: online at 10:00 (no login on record) → 09:00-10:00 unknown.
    let p = page(DAY_FROM, DAY_TO, &[(1, "2024-03-04T10:00:00Z", "online")]);
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["unknown_seconds"], 3_600);
    assert_eq!(s["late_seconds"], Value::Null);
}

#[test]
fn time_off_is_excluded_from_scheduled_time() {
    // Open 09-17 with Vacation 13-17 on top: counted time 09-13 = 14 400 s. The agent logs
    // out at 13:00: E = 13:00 and the state just before it is online → early logout 0.
    // logged_in_seconds covers [shift_start, shift_end] = 09:00-13:00 → 14 400 s.
    let sched = format!("{OPEN_9_17}E1,Vacation,2024-03-04 13:00,2024-03-04 17:00\n");
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T08:58:00Z", "login"), (1, "2024-03-04T08:58:00Z", "online"), (1, "2024-03-04T13:00:00Z", "logout")],
    );
    let s = one(&[p], &sched);
    assert_eq!(s["scheduled_seconds"], 14_400);
    assert_eq!(s["shift_end"], "2024-03-04T13:00:00Z");
    assert_eq!(s["out_of_adherence_seconds"], 0);
    assert_eq!(s["early_logout_seconds"], 0);
    assert_eq!(s["logged_in_seconds"], 14_400);
}

#[test]
fn early_logout_is_e_minus_the_last_logout() {
    // Logout at 16:50 on a 09-17 shift: early = 17:00 - 16:50 = 600 s > 60 s grace.
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T08:58:00Z", "login"), (1, "2024-03-04T08:58:00Z", "online"), (1, "2024-03-04T16:50:00Z", "logout")],
    );
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["early_logout_seconds"], 600);
    assert_eq!(s["is_early_logout"], true);
    assert_eq!(s["last_logout"], "2024-03-04T16:50:00Z");
    // 16:50-17:00 logged out in Open: 600 s out, one exception.
    assert_eq!(s["out_of_adherence_seconds"], 600);
    assert_eq!(s["exception_count"], 1);
}

#[test]
fn a_no_show_has_no_login_and_no_logged_in_time() {
    // Agent 1 works on 3 March only; scheduled on 4 March: logged out at R with no login in
    // the shift → late null, no_show true.
    let p = page(
        "2024-03-03T00:00:00Z",
        DAY_TO,
        &[(1, "2024-03-03T09:00:00Z", "login"), (1, "2024-03-03T09:00:00Z", "online"), (1, "2024-03-03T17:00:00Z", "logout")],
    );
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["no_show"], true);
    assert_eq!(s["late_seconds"], Value::Null);
    assert_eq!(s["is_late"], Value::Null);
    assert_eq!(s["logged_in_seconds"], 0);
    assert_eq!(num(&s["adherence_pct"]), 0.0);
}

#[test]
fn a_scheduled_agent_with_no_activity_is_logged_out_and_named_in_a_warning() {
    let p = page(DAY_FROM, DAY_TO, &[(2, "2024-03-04T09:00:00Z", "login")]);
    let r = run(&[p], OPEN_9_17, None, Options::default());
    let s = &shifts(&r)[0];
    assert_eq!(s["agent_id"], Value::Null);
    assert_eq!(s["no_show"], true);
    assert_eq!(s["out_of_adherence_seconds"], 28_800);
    assert!(r.warnings.iter().any(|w| w.contains("\"E1\"")), "{:?}", r.warnings);
}

#[test]
fn an_exception_runs_across_activity_changes_and_ends_at_in_adherence_time() {
    // Open 09-12, Chat 12-17 (both allow online). Occupied 11:50-12:10 → one exception of
    // 1 200 s whose activity is the one at its start (Open) and state "occupied".
    let sched = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 12:00\nE1,Chat,2024-03-04 12:00,2024-03-04 17:00\n";
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[
            (1, "2024-03-04T08:00:00Z", "login"),
            (1, "2024-03-04T08:00:00Z", "online"),
            (1, "2024-03-04T11:50:00Z", "occupied"),
            (1, "2024-03-04T12:10:00Z", "online"),
        ],
    );
    let r = run(&[p], sched, None, Options::default());
    let ex = view(&r, ViewName::Exceptions);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0]["duration_seconds"], 1_200);
    assert_eq!(ex[0]["activity"], "Open");
    assert_eq!(ex[0]["state"], "occupied");
    assert_eq!(shifts(&r)[0]["exception_count"], 1);
}

#[test]
fn away_reasons_are_matched_by_token_ignoring_case() {
    // Break allows only away:lunch. Away "Lunch" 12:00-12:30 is in; away "Coffee" 12:30-13:00
    // is out (1 800 s).
    let rules = "[[activity]]\nnames = [\"Open\"]\nallowed = [\"online\"]\nproductive = true\n\
                 [[activity]]\nnames = [\"Break\"]\nallowed = [\"away:LUNCH\"]\n";
    let sched = format!("{OPEN_9_17}E1,Break,2024-03-04 12:00,2024-03-04 13:00\n");
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[
            (1, "2024-03-04T08:00:00Z", "login"),
            (1, "2024-03-04T08:00:00Z", "online"),
            (1, "2024-03-04T12:00:00Z", "away:Lunch"),
            (1, "2024-03-04T12:30:00Z", "away:Coffee"),
            (1, "2024-03-04T13:00:00Z", "online"),
        ],
    );
    let r = run(&[p], &sched, Some(rules), Options::default());
    let s = &shifts(&r)[0];
    assert_eq!(s["out_of_adherence_seconds"], 1_800);
    let ex = view(&r, ViewName::Exceptions);
    assert_eq!(ex[0]["state"], "away:Coffee");
}

#[test]
fn roll_ups_sum_seconds_then_divide() {
    // Shift A 09:00-10:00 all in (3 600 in). Shift B 12:00-19:00 (7 h) half out:
    // online 12:00-15:30, logged out 15:30-19:00 → in 12 600, out 12 600.
    // Agent: (3 600 + 12 600) / 28 800 = 56.25% — not the 75% mean of 100% and 50%.
    let sched = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 10:00\nE1,Open,2024-03-04 12:00,2024-03-04 19:00\n";
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T08:00:00Z", "login"), (1, "2024-03-04T08:00:00Z", "online"), (1, "2024-03-04T15:30:00Z", "logout")],
    );
    let r = run(&[p], sched, None, Options::default());
    let agents = view(&r, ViewName::Agents);
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0]["shifts"], 2);
    assert_eq!(num(&agents[0]["adherence_pct"]), 56.25);
    assert_eq!(agents[0]["early_logout_count"], 1);
    // early logout of shift B: 19:00 - 15:30 = 12 600 s
    assert_eq!(agents[0]["early_logout_seconds"], 12_600);
    assert_eq!(r.overall.adherence_pct, Some(56.25));
    let teams = view(&r, ViewName::Teams);
    // No team column: the team is the agent's agentGroupId as text.
    assert_eq!(teams[0]["team"], "7");
    assert_eq!(teams[0]["agents"], 1);
}

#[test]
fn intervals_step_by_real_time_from_local_midnight() {
    // America/New_York on 2024-03-10 (spring forward at 02:00). Shift 01:00-04:00 local =
    // 06:00Z-08:00Z, 2 real hours. The day starts at 05:00Z; 60-minute cells are
    // [06:00Z,07:00Z) "01:00" and [07:00Z,08:00Z) which is 03:00 local.
    let sched = "agent,activity,start,end,timezone\nE1,Open,2024-03-10 01:00,2024-03-10 04:00,America/New_York\n";
    let p = page(
        "2024-03-10T00:00:00Z",
        "2024-03-11T00:00:00Z",
        &[(1, "2024-03-10T05:00:00Z", "login"), (1, "2024-03-10T05:00:00Z", "online")],
    );
    let opts = Options { interval: 60 * MINUTE, ..Default::default() };
    let r = run(&[p], sched, None, opts);
    let iv = view(&r, ViewName::Intervals);
    let got: Vec<(String, String, f64)> = iv
        .iter()
        .map(|x| {
            (x["local_time"].as_str().unwrap().to_string(), x["interval_start"].as_str().unwrap().to_string(), num(&x["scheduled_seconds"]))
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("01:00".to_string(), "2024-03-10T06:00:00Z".to_string(), 3600.0),
            ("03:00".to_string(), "2024-03-10T07:00:00Z".to_string(), 3600.0)
        ]
    );
}

#[test]
fn a_30_minute_dst_change_ends_the_day_with_a_shorter_interval() {
    // Australia/Lord_Howe falls back 30 min at 02:00 on 2024-04-07 (+11:00 → +10:30): the
    // day is 24.5 h. It starts 2024-04-06T13:00Z; hourly cells step by real time, so after
    // the change they start at :30 local. A shift 23:00-24:00 local (12:30Z-13:30Z) falls in
    // [12:00Z,13:00Z) "22:30" (1 800 s) and the day's last, 30-minute cell
    // [13:00Z,13:30Z) "23:30" (1 800 s).
    let sched = "agent,activity,start,end,timezone\nE1,Open,2024-04-07 23:00,2024-04-08 00:00,Australia/Lord_Howe\n";
    let p = page(
        "2024-04-07T00:00:00Z",
        "2024-04-08T00:00:00Z",
        &[(1, "2024-04-07T12:00:00Z", "login"), (1, "2024-04-07T12:00:00Z", "online")],
    );
    let opts = Options { interval: 60 * MINUTE, ..Default::default() };
    let r = run(&[p], sched, None, opts);
    let iv = view(&r, ViewName::Intervals);
    assert_eq!(iv.len(), 2, "{iv:?}");
    assert_eq!(iv[0]["local_time"], "22:30");
    assert_eq!(iv[0]["interval_start"], "2024-04-07T12:00:00Z");
    assert_eq!(iv[0]["scheduled_seconds"], 1_800);
    assert_eq!(iv[1]["local_time"], "23:30");
    assert_eq!(iv[1]["interval_start"], "2024-04-07T13:00:00Z");
    assert_eq!(iv[1]["interval_end"], "2024-04-07T13:30:00Z");
    assert_eq!(iv[1]["scheduled_seconds"], 1_800);
    assert_eq!(iv[1]["date"], "2024-04-07");
}

#[test]
fn time_in_state_splits_at_local_midnight_and_counts_entries() {
    // Scheduled agent in Europe/London (UTC+0 in March before the 31st). Online 22:00-02:00:
    // 2 h on each local day, one entry each. Away:Lunch 02:00-02:30 then away:Lunch again
    // after a repeated record (touching pieces merge): one entry of 1 800 s.
    let sched = "agent,activity,start,end,timezone\nE1,Open,2024-03-04 22:00,2024-03-05 02:00,Europe/London\n";
    let p = page(
        DAY_FROM,
        "2024-03-06T00:00:00Z",
        &[
            (1, "2024-03-04T22:00:00Z", "login"),
            (1, "2024-03-04T22:00:00Z", "online"),
            (1, "2024-03-05T02:00:00Z", "away:Lunch"),
            (1, "2024-03-05T02:10:00Z", "away:Lunch"),
            (1, "2024-03-05T02:30:00Z", "logout"),
        ],
    );
    let r = run(&[p], sched, None, Options::default());
    let st = view(&r, ViewName::States);
    let got: Vec<(String, String, f64, i64, f64)> = st
        .iter()
        .map(|x| {
            (
                x["date"].as_str().unwrap().to_string(),
                x["state"].as_str().unwrap().to_string(),
                num(&x["seconds"]),
                x["entries"].as_i64().unwrap(),
                num(&x["logged_in_seconds"]),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2024-03-04".into(), "online".into(), 7200.0, 1, 7200.0),
            ("2024-03-05".into(), "away:Lunch".into(), 1800.0, 1, 9000.0),
            ("2024-03-05".into(), "online".into(), 7200.0, 1, 9000.0),
        ]
    );
    assert_eq!(st[0]["agent"], "E1");
    assert_eq!(st[0]["timezone"], "Europe/London");
}

#[test]
fn from_to_select_shifts_without_changing_their_figures() {
    // Two shifts on consecutive days; selecting the second keeps its window cut against the
    // first (unselected) neighbour: identical figures to the unfiltered run.
    let sched = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\nE1,Open,2024-03-05 09:00,2024-03-05 17:00\n";
    let p = page(DAY_FROM, "2024-03-06T00:00:00Z", &[(1, "2024-03-04T08:00:00Z", "login"), (1, "2024-03-04T08:00:00Z", "online")]);
    let all = shifts(&run(std::slice::from_ref(&p), sched, None, Options::default()));
    let day = adhere::time::day_number(chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap());
    let opts = Options { from: Some(day), to: Some(day), ..Default::default() };
    let sel = shifts(&run(&[p], sched, None, opts));
    assert_eq!(sel.len(), 1);
    assert_eq!(sel[0], all[1]);
}

#[test]
fn schedule_keys_match_employee_id_then_login_ignoring_case_then_agent_id() {
    let sched = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 10:00\n\
                 AGENT2@EXAMPLE.COM,Open,2024-03-04 09:00,2024-03-04 10:00\n\
                 3,Open,2024-03-04 09:00,2024-03-04 10:00\n";
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[(1, "2024-03-04T08:00:00Z", "login"), (2, "2024-03-04T08:00:00Z", "login"), (3, "2024-03-04T08:00:00Z", "login")],
    );
    let s = shifts(&run(&[p], sched, None, Options::default()));
    let ids: Vec<(&str, i64)> = s.iter().map(|x| (x["agent"].as_str().unwrap(), x["agent_id"].as_i64().unwrap())).collect();
    // Sorted by key in code-point order: "3" < "AGENT2…" < "E1".
    assert_eq!(ids, vec![("3", 3), ("AGENT2@EXAMPLE.COM", 2), ("E1", 1)]);
}

#[test]
fn records_of_unknown_types_still_say_who_an_agent_is_and_what_is_covered() {
    // No timeframe: coverage falls back to [first record, last record) over every record
    // read, the dropped statusType 9 ones included: [07:00, 18:00). Agent 5's only record
    // is a statusType 9 carrying employeeId "JUNK": the key JUNK matches it, it has no
    // kept records, so it is logged out throughout (a no-show), with agent_id 5.
    let nd = [
        r#"{"agentId":1,"employeeId":"E1","time":"2024-03-04T07:00:00Z","statusType":9,"statusSubType":0}"#,
        r#"{"agentId":1,"employeeId":"E1","time":"2024-03-04T08:00:00Z","statusType":3,"statusSubType":0,"sequenceNumber":-1}"#,
        r#"{"agentId":1,"employeeId":"E1","time":"2024-03-04T08:00:00Z","statusType":1,"statusSubType":2,"sequenceNumber":1}"#,
        r#"{"agentId":5,"employeeId":"JUNK","time":"2024-03-04T18:00:00Z","statusType":9,"statusSubType":0}"#,
    ]
    .join("\n");
    let sched = "agent,activity,start,end\nE1,Open,2024-03-04 09:00,2024-03-04 17:00\nJUNK,Open,2024-03-04 09:00,2024-03-04 10:00\n";
    let r = run(&[nd], sched, None, Options::default());
    let s = shifts(&r);
    let e1 = s.iter().find(|x| x["agent"] == "E1").unwrap();
    assert_eq!(e1["unknown_seconds"], 0);
    assert_eq!(e1["in_adherence_seconds"], 28_800);
    let junk = s.iter().find(|x| x["agent"] == "JUNK").unwrap();
    assert_eq!(junk["agent_id"], 5);
    assert_eq!(junk["employee_id"], "JUNK");
    assert_eq!(junk["no_show"], true);
    assert_eq!(junk["out_of_adherence_seconds"], 3_600);
}

#[test]
fn away_reasons_compare_ignoring_case_only() {
    // The recorded reason "Lunch " (trailing space) is not "lunch": during the Break that
    // allows only away:Lunch the agent is out of adherence for the whole hour.
    let rules = "[[activity]]\nnames = [\"Open\"]\nallowed = [\"online\"]\n[[activity]]\nnames = [\"Break\"]\nallowed = [\"away:Lunch\"]\n";
    let sched = format!("{OPEN_9_17}E1,Break,2024-03-04 12:00,2024-03-04 13:00\n");
    let p = page(
        DAY_FROM,
        DAY_TO,
        &[
            (1, "2024-03-04T08:00:00Z", "login"),
            (1, "2024-03-04T08:00:00Z", "online"),
            (1, "2024-03-04T12:00:00Z", "away:Lunch "),
            (1, "2024-03-04T13:00:00Z", "online"),
        ],
    );
    let r = run(&[p], &sched, Some(rules), Options::default());
    assert_eq!(shifts(&r)[0]["out_of_adherence_seconds"], 3_600);
    assert_eq!(view(&r, ViewName::Exceptions)[0]["state"], "away:Lunch ");
}

#[test]
fn a_timeframe_bound_is_the_l_field_only_when_it_is_an_integer() {
    // startTimeL 1709510400000.5 is not an integer: the RFC 3339 startTime (10:00) is used,
    // so 09:00-10:00 of the shift is outside coverage (3 600 s unknown).
    let p = page("2024-03-04T10:00:00Z", DAY_TO, &[(1, "2024-03-04T08:00:00Z", "login"), (1, "2024-03-04T08:00:00Z", "online")]).replacen(
        r#""startTime""#,
        r#""startTimeL":1709510400000.5,"startTime""#,
        1,
    );
    let s = one(&[p], OPEN_9_17);
    assert_eq!(s["unknown_seconds"], 3_600);
}
