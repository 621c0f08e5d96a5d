//! `adhere explain`: every piece of a shift with its verdict and rule, and how each figure is
//! made. The explanation's figures must be the shifts view's, and its pieces must add up to
//! them — checked by hand on a small day and mechanically on hundreds of random shifts.

mod common;

use adhere::activity::state::State;
use adhere::activity::{Activity, LoadOptions};
use adhere::adherence::explain::{self, Explanations, Verdict};
use adhere::adherence::{Engine, Options, Report, ViewName};
use adhere::report::explain::{render, ExplainFormat};
use adhere::rules::Rules;
use adhere::schedule::{self, ReadOptions};
use adhere::time::{self, Ms};
use assert_cmd::Command;
use common::scenario::{self, Scenario};
use common::{close, view};
use predicates::prelude::*;
use serde_json::Value;

/// Runs the engine on a scenario and hands the engine and its report to `f`.
fn with_engine<T>(sc: &Scenario, opts: Options, f: impl FnOnce(&Engine, &Report) -> T) -> T {
    let rules = match &sc.rules {
        Some(p) => Rules::load(p).unwrap(),
        None => Rules::default(),
    };
    let rows = schedule::read_files(std::slice::from_ref(&sc.schedule), None, &ReadOptions::default()).unwrap();
    let activity = Activity::load(&sc.activity, &LoadOptions::default()).unwrap();
    let engine = Engine::new(&activity, &rows.rows, &rules, &opts).unwrap();
    let report = engine.report().unwrap();
    f(&engine, &report)
}

fn day(s: &str) -> i64 {
    time::day_number(time::parse_date(s).unwrap())
}

fn text(ex: &Explanations, format: ExplainFormat) -> String {
    String::from_utf8(render(ex, format, "the built-in rules").unwrap()).unwrap()
}

fn adhere() -> Command {
    Command::cargo_bin("adhere").unwrap()
}

#[test]
fn explains_a_day_piece_by_piece_with_hand_worked_figures() {
    let (pages, csv) = scenario::small();
    let sc = Scenario::write(&pages, &csv, None);
    with_engine(&sc, Options::default(), |engine, _| {
        let ex = explain::explain_day(engine, "E1", day("2024-03-04")).unwrap();
        assert_eq!(ex.shifts.len(), 1);
        let sx = &ex.shifts[0];
        let f = &sx.figures;
        // Open 09:00-17:00 (8 h) with Sick 15:00-15:30 on top (time off, not counted):
        // 27 000 s scheduled. Out: 09:00-09:05 logged out (300) + the Coffee blip (40) +
        // online in Lunch 12:00-12:02 (120) + away:Lunch in Open 12:30-12:35 (300) +
        // occupied 14:00-14:10 (600) + logged out 16:50-17:00 (600) = 1 960; in 25 040.
        assert_eq!((f.scheduled, f.out_of_adherence, f.in_adherence, f.unknown), (27_000_000, 1_960_000, 25_040_000, 0));
        // Six runs; the 40 s one is under min_exception (60 s): 5 exceptions, 40 s forgiven.
        assert_eq!(sx.runs.len(), 6);
        assert_eq!((f.exception_count, f.forgiven), (5, 40_000));
        assert!(close(f.adjusted_adherence_pct().unwrap(), 100.0 * 25_080.0 / 27_000.0));
        // R = 09:00, logged out there, first login 09:05 → 300 s late; E = 17:00, last
        // logout 16:50 → 600 s early.
        assert_eq!(sx.derived.r, Some(time::parse_rfc3339("2024-03-04T09:00:00Z").unwrap()));
        assert_eq!(ex.labels.states[sx.derived.state_at_r.unwrap() as usize], "logged_out");
        assert_eq!((f.late, f.early_logout), (Some(300_000), Some(600_000)));
        // Online in the window 08:00-18:00: 09:05-10:00 (3 300) + 10:00:40-12:02 (7 280) +
        // 12:35-14:00 (5 100) + 14:10-16:50 (9 600) = 25 280 over 25 200 productive scheduled
        // (Open minus Lunch).
        assert_eq!((f.productive_actual, f.productive_scheduled), (25_280_000, 25_200_000));
        // The Sick half hour is excluded and says why.
        let sick: Vec<_> = sx.segments.iter().filter(|g| g.verdict == Verdict::Excluded).collect();
        assert_eq!(sick.len(), 1);
        assert_eq!(ex.labels.rules[sick[0].rule as usize], "Sick is time off (counted = false)");
        assert_eq!(ex.labels.row_sources[&sick[0].row.unwrap()], "schedule.csv:4");

        insta::assert_snapshot!("explain_small_e1_table", text(&ex, ExplainFormat::Table));
        insta::assert_snapshot!("explain_small_e1_markdown", text(&ex, ExplainFormat::Markdown));
        insta::assert_snapshot!("explain_small_e1_json", text(&ex, ExplainFormat::Json));
    });
}

#[test]
fn explains_a_shift_in_its_own_zone_and_a_no_show() {
    let (pages, csv) = scenario::small();
    let sc = Scenario::write(&pages, &csv, None);
    with_engine(&sc, Options::default(), |engine, _| {
        // E3 works 08:00-16:00 New York time (13:00-21:00Z); the table shows local times.
        let ex = explain::explain_day(engine, "E3", day("2024-03-04")).unwrap();
        insta::assert_snapshot!("explain_small_e3_table", text(&ex, ExplainFormat::Table));
        // E2 matches no LivePerson agent: logged out throughout, a no-show.
        let ex = explain::explain_day(engine, "e2", day("2024-03-04")).unwrap();
        assert!(ex.shifts[0].figures.no_show);
        insta::assert_snapshot!("explain_small_e2_markdown", text(&ex, ExplainFormat::Markdown));
    });
}

/// Checks that an explanation's pieces add up to its figures, and its figures are the view's.
fn check_shift(ex: &Explanations, i: usize, json: &Value, row: &Value) {
    let sx = &ex.shifts[i];
    let f = &sx.figures;
    let ctx = format!("{} {}", sx.identity.agent, time::fmt_instant(sx.identity.shift_start));

    // The figures under the shifts view's field names are the view's, value for value.
    for (k, v) in json["figures"].as_object().unwrap() {
        if k != "forgiven_seconds" {
            assert_eq!(v, &row[k], "{ctx}: {k}");
        }
    }
    for k in ["agent", "agent_id", "employee_id", "login_name", "team", "timezone", "shift_date", "shift_start", "shift_end"] {
        assert_eq!(json[k], row[k], "{ctx}: {k}");
    }

    // Segments tile [shift_start, shift_end] and add up per verdict.
    let segs = &sx.segments;
    assert_eq!(segs.first().unwrap().start, sx.identity.shift_start, "{ctx}");
    assert_eq!(segs.last().unwrap().end, sx.identity.shift_end, "{ctx}");
    assert!(segs.windows(2).all(|w| w[0].end == w[1].start && w[0].start < w[0].end), "{ctx}: segments touch");
    let sum = |v: Verdict| -> Ms { segs.iter().filter(|g| g.verdict == v).map(|g| g.end - g.start).sum() };
    assert_eq!(sum(Verdict::In), f.in_adherence, "{ctx}");
    assert_eq!(sum(Verdict::Out), f.out_of_adherence, "{ctx}");
    assert_eq!(sum(Verdict::Unknown), f.unknown, "{ctx}");
    assert_eq!(f.scheduled, f.in_adherence + f.out_of_adherence + f.unknown, "{ctx}");
    // Logged-in time covers every piece of the shift, excluded ones included.
    let logged_in: Ms = segs
        .iter()
        .filter(|g| !matches!(ex.labels.states[g.state as usize].as_str(), "logged_out" | "unknown"))
        .map(|g| g.end - g.start)
        .sum();
    assert_eq!(logged_in, f.logged_in, "{ctx}: logged_in");

    // Runs: exceptions and forgiven blips.
    assert_eq!(sx.runs.iter().filter(|r| r.exception).count() as u32, f.exception_count, "{ctx}");
    assert_eq!(sx.runs.iter().filter(|r| !r.exception).map(|r| r.end - r.start).sum::<Ms>(), f.forgiven, "{ctx}");
    assert_eq!(sx.runs.iter().map(|r| r.end - r.start).sum::<Ms>(), f.out_of_adherence, "{ctx}");
    for g in segs {
        assert_eq!(g.run.is_some(), g.verdict == Verdict::Out, "{ctx}");
    }

    // Lateness and early logout from R and E.
    let d = &sx.derived;
    let st = |i: Option<u32>| i.map(|i| ex.labels.states[i as usize].clone());
    let logged_in_state = |s: &str| !matches!(s, "logged_out" | "unknown");
    match (d.r, st(d.state_at_r)) {
        (None, _) => assert_eq!(f.late, None, "{ctx}"),
        (Some(r), Some(s)) if s == "logged_out" => assert_eq!(f.late, d.login_after_r.map(|l| l - r), "{ctx}"),
        (Some(_), Some(s)) if logged_in_state(&s) => assert_eq!(f.late, Some(0), "{ctx}"),
        _ => assert_eq!(f.late, None, "{ctx}"),
    }
    match (d.e, st(d.state_before_e)) {
        (None, _) => assert_eq!(f.early_logout, None, "{ctx}"),
        (Some(e), Some(s)) if s == "logged_out" => assert_eq!(f.early_logout, d.logout_before_e.map(|l| e - l), "{ctx}"),
        (Some(_), Some(s)) if logged_in_state(&s) => assert_eq!(f.early_logout, Some(0), "{ctx}"),
        _ => assert_eq!(f.early_logout, None, "{ctx}"),
    }
    let no_show = d.r.is_some() && st(d.state_at_r).as_deref() == Some("logged_out") && f.logged_in == 0;
    assert_eq!(f.no_show, no_show, "{ctx}");

    // Conformance: the productive pieces of the window.
    let (ws, we) = d.window;
    let w = &sx.window_states;
    if we > ws {
        assert_eq!((w.first().unwrap().start, w.last().unwrap().end), (ws, we), "{ctx}");
        assert!(w.windows(2).all(|x| x[0].end == x[1].start), "{ctx}");
    }
    assert_eq!(w.iter().filter(|p| p.productive).map(|p| p.end - p.start).sum::<Ms>(), f.productive_actual, "{ctx}");
}

#[test]
fn explanations_add_up_to_the_shifts_view_on_many_random_shifts() {
    let mut checked = 0;
    let mut seen = [false; 4]; // in, out, unknown, excluded
    for seed in 1..=3 {
        let (pages, csv) = scenario::random(seed, 10, 5);
        let sc = Scenario::write(&pages, &csv, None);
        with_engine(&sc, Options::default(), |engine, report| {
            let rows = view(report, ViewName::Shifts);
            let ex = explain::explain_selected(engine);
            assert_eq!(ex.shifts.len(), rows.len());
            let json: Value = serde_json::from_str(&text(&ex, ExplainFormat::Json)).unwrap();
            let shifts = json["shifts"].as_array().unwrap();
            for i in 0..rows.len() {
                check_shift(&ex, i, &shifts[i], &rows[i]);
                for g in &ex.shifts[i].segments {
                    seen[g.verdict as usize] = true;
                }
            }
            // explain_day finds the same shifts as the selection, agent by agent.
            for i in (0..rows.len()).step_by(7) {
                let one =
                    explain::explain_day(engine, rows[i]["agent"].as_str().unwrap(), day(rows[i]["shift_date"].as_str().unwrap())).unwrap();
                assert!(one.shifts.iter().any(|s| s.shift == ex.shifts[i].shift));
                assert!(one.shifts.iter().all(|s| s.identity.shift_date == ex.shifts[i].identity.shift_date));
            }
            checked += rows.len();
        });
    }
    // 3 seeds × 11 scheduled agents × 5 days, less days off: a few hundred shifts, with
    // every verdict present.
    assert!(checked > 120, "{checked}");
    assert_eq!(seen, [true; 4]);
}

#[test]
fn selected_shifts_follow_from_and_to() {
    let (pages, csv) = scenario::random(7, 6, 5);
    let sc = Scenario::write(&pages, &csv, None);
    let opts = Options { from: Some(day("2024-03-09")), to: Some(day("2024-03-10")), ..Options::default() };
    with_engine(&sc, opts, |engine, report| {
        let rows = view(report, ViewName::Shifts);
        let ex = explain::explain_selected(engine);
        assert_eq!(ex.shifts.len(), rows.len());
        assert!(ex.shifts.iter().all(|s| (day("2024-03-09")..=day("2024-03-10")).contains(&s.identity.shift_date)));
    });
}

#[test]
fn state_codes_used_by_the_checks_match_the_tokens() {
    // check_shift reads logged-in-ness from tokens; make sure the tokens are the ones the
    // engine writes.
    assert_eq!(State::LoggedOut.name(), "logged_out");
    assert_eq!(State::Unknown.name(), "unknown");
}

#[test]
fn explain_command_finds_agents_by_any_key_and_reports_what_is_missing() {
    let (pages, csv) = scenario::small();
    let sc = Scenario::write(&pages, &csv, None);
    let run = |extra: &[&str]| {
        let mut c = adhere();
        c.arg("explain").args(sc.args()).args(extra);
        c.assert()
    };
    // By login name (any case) and by agentId, as well as by schedule key.
    run(&["--agent", "AGENT1@example.com", "--date", "2024-03-04"]).success().stdout(predicate::str::contains("Sick is time off"));
    run(&["--agent", "3", "--date", "2024-03-04"]).success().stdout(predicate::str::contains("timezone America/New_York"));
    run(&["--agent", "nobody", "--date", "2024-03-04"])
        .code(2)
        .stderr(predicate::str::contains("\"nobody\" is not an agent of the schedule").and(predicate::str::contains("\"E1\", \"E2\"")));
    run(&["--agent", "E1", "--date", "2024-03-07"])
        .code(2)
        .stderr(predicate::str::contains("no shift with shift_date 2024-03-07; nearest shift dates: 2024-03-04, 2024-03-05"));
    run(&["--agent", "E1", "--date", "March 4"]).code(2).stderr(predicate::str::contains("YYYY-MM-DD"));
    // JSON to a file, written whole.
    let out = sc.files.dir.path().join("e1.json");
    run(&["--agent", "E1", "--date", "2024-03-05", "--format", "json", "--out", out.to_str().unwrap()]).success();
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    // A perfect day: 09:00-17:00 online from 08:58 → 100%.
    assert_eq!(v["shifts"][0]["figures"]["adherence_pct"], 100);
    assert_eq!(v["shifts"][0]["figures"]["late_seconds"], 0);
}
