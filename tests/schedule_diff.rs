//! `schedule diff`: the week pair in fixtures/schedules worked out by hand, pinned by
//! snapshots, and the mirror/identity/total properties on random schedules.

use std::path::{Path, PathBuf};

use adhere::rules::Rules;
use adhere::schedule::diff::{diff, ActivityChangeKind, ScheduleDiff, ShiftChangeKind, Side};
use adhere::schedule::diff_format::{write, DiffFormat, DiffView};
use adhere::schedule::rows::Row;
use adhere::schedule::shifts::RowRule;
use adhere::schedule::{read_files, row_rules, ReadOptions, ScheduleRows, Shifts};
use adhere::time::{fmt_day, Zone, MINUTE};
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schedules").join(name)
}

fn built(rows: &ScheduleRows, rules: &Rules) -> (Vec<RowRule>, Shifts) {
    let r = row_rules(rows, rules).unwrap();
    let s = Shifts::build(rows, &r, 60 * MINUTE);
    (r, s)
}

fn diff_rows(old: &ScheduleRows, new: &ScheduleRows) -> ScheduleDiff {
    let rules = Rules::default();
    let (or, os) = built(old, &rules);
    let (nr, ns) = built(new, &rules);
    diff(&Side { rows: old, rules: &or, shifts: &os }, &Side { rows: new, rules: &nr, shifts: &ns })
}

fn week() -> ScheduleDiff {
    let opts = ReadOptions::default();
    let old = read_files(&[fixture("week-old.csv")], None, &opts).unwrap();
    let new = read_files(&[fixture("week-new.csv")], None, &opts).unwrap();
    diff_rows(&old.rows, &new.rows)
}

#[test]
fn week_pair_changes_worked_by_hand() {
    let d = week();
    let summary: Vec<(String, String, ShiftChangeKind, f64)> =
        d.changes.iter().map(|c| (c.agent.clone(), fmt_day(c.shift_date), c.change, c.scheduled_minutes_delta())).collect();
    let s = |a: &str, day: &str, k, m| (a.to_string(), day.to_string(), k, m);
    assert_eq!(
        summary,
        vec![
            // Breaks and lunch moved, one break removed, a meeting added: 8 h either way.
            s("alice", "2024-03-05", ShiftChangeKind::Changed, 0.0),
            // Night shift ends at 07:00 instead of 06:00.
            s("bob", "2024-03-04", ShiftChangeKind::Changed, 60.0),
            // Replaced by a vacation day, which has no counted time: 8.5 h removed.
            s("carol", "2024-03-05", ShiftChangeKind::Removed, -510.0),
            s("dave", "2024-03-05", ShiftChangeKind::Added, 480.0),
            // The second shift of a split day moved an hour later (rank 1 of 2024-03-06).
            s("dave", "2024-03-06", ShiftChangeKind::Changed, 0.0),
            s("erin", "2024-03-04", ShiftChangeKind::Added, 240.0),
        ]
    );
    let alice = &d.changes[0];
    let details: Vec<(&str, ActivityChangeKind, Option<f64>, Option<f64>)> =
        alice.details.iter().map(|x| (x.activity.as_str(), x.change, x.start_delta_minutes(), x.end_delta_minutes())).collect();
    assert_eq!(
        details,
        vec![
            ("Break", ActivityChangeKind::Moved, Some(15.0), Some(15.0)),
            ("Lunch", ActivityChangeKind::Moved, Some(30.0), Some(30.0)),
            ("Break", ActivityChangeKind::Removed, None, None),
            ("Meeting", ActivityChangeKind::Added, None, None),
        ]
    );
    assert_eq!(d.changes[4].rank, 1);
}

#[test]
fn week_pair_hours_worked_by_hand() {
    let d = week();
    let alice: Vec<(&str, f64, f64, f64)> = d
        .hours
        .iter()
        .filter(|h| h.agent == "alice")
        .map(|h| (h.activity.as_str(), h.old_minutes(), h.new_minutes(), h.delta_minutes()))
        .collect();
    // OLD: two days of Open 9-17 under 2 breaks of 15 and a lunch of 30: Open 2 × 420.
    // NEW day 2: break 15, lunch 30, meeting 30 → Open 405.
    assert_eq!(
        alice,
        vec![
            ("Break", 60.0, 45.0, -15.0),
            ("Lunch", 60.0, 60.0, 0.0),
            ("Meeting", 0.0, 30.0, 30.0),
            ("Open", 840.0, 825.0, -15.0),
            ("*", 960.0, 960.0, 0.0),
        ]
    );
    let carol_total = d.hours.iter().find(|h| h.agent == "carol" && h.activity == "*").unwrap();
    assert_eq!((carol_total.old_minutes(), carol_total.new_minutes()), (2.0 * 510.0, 510.0));
}

#[test]
fn week_pair_snapshots() {
    let d = week();
    let text = |v, f| String::from_utf8(write(&d, v, f).unwrap()).unwrap();
    insta::assert_snapshot!("week_changes_json", text(DiffView::Changes, DiffFormat::Json));
    insta::assert_snapshot!("week_changes_markdown", text(DiffView::Changes, DiffFormat::Markdown));
    insta::assert_snapshot!("week_changes_csv", text(DiffView::Changes, DiffFormat::Csv));
    insta::assert_snapshot!("week_hours_markdown", text(DiffView::Hours, DiffFormat::Markdown));
    insta::assert_snapshot!("week_hours_csv", text(DiffView::Hours, DiffFormat::Csv));
}

#[test]
fn frames_have_the_spec_columns_and_types() {
    let d = week();
    let c = d.changes_frame().unwrap();
    let names: Vec<&str> = c.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, adhere::schedule::diff_format::CHANGES_FIELDS);
    assert_eq!(c.height(), 6);
    assert_eq!(c.column("shift_date").unwrap().dtype(), &polars::prelude::DataType::Date);
    let h = d.hours_frame().unwrap();
    let names: Vec<&str> = h.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, adhere::schedule::diff_format::HOURS_FIELDS);
}

#[test]
fn identical_files_in_different_layouts_give_no_changes() {
    let opts = ReadOptions::default();
    let a = read_files(&[fixture("week-old.csv")], None, &opts).unwrap();
    let d = diff_rows(&a.rows, &a.rows);
    assert!(d.changes.is_empty());
    assert!(String::from_utf8(write(&d, DiffView::Changes, DiffFormat::Markdown).unwrap()).unwrap().contains("No schedule changes"));
    assert_eq!(write(&d, DiffView::Changes, DiffFormat::Json).unwrap(), b"[]\n");
}

// ---- properties on random schedules ----

const ACTS: &[&str] = &["Open", "Break", "Lunch", "Vacation"];

fn rows_strategy() -> impl Strategy<Value = Vec<(u8, u8, u16, u16)>> {
    // (agent, activity, start in 15-minute steps over 3 days, length in 15-minute steps)
    prop::collection::vec((0u8..3, 0u8..4, 0u16..288, 1u16..40), 0..25)
}

fn to_rows(spec: &[(u8, u8, u16, u16)]) -> ScheduleRows {
    let mut r = ScheduleRows::default();
    let f = r.add_file(Path::new("random.csv"));
    let base = 1_709_528_400_000; // 2024-03-04T05:00:00Z
    let zone = Zone::parse("America/New_York").unwrap();
    for (i, &(a, act, s, len)) in spec.iter().enumerate() {
        let start = base + s as i64 * 15 * MINUTE;
        r.push(
            f,
            Row {
                agent: format!("agent{a}"),
                activity: ACTS[act as usize].to_string(),
                start,
                end: start + len as i64 * 15 * MINUTE,
                zone: zone.clone(),
                shift_id: None,
                team: None,
                line: i as u64 + 2,
            },
        );
    }
    r
}

fn mirrored(d: &ScheduleDiff) -> Vec<String> {
    let flip = |k: ShiftChangeKind| match k {
        ShiftChangeKind::Added => ShiftChangeKind::Removed,
        ShiftChangeKind::Removed => ShiftChangeKind::Added,
        k => k,
    };
    let flip_a = |k: ActivityChangeKind| match k {
        ActivityChangeKind::Added => ActivityChangeKind::Removed,
        ActivityChangeKind::Removed => ActivityChangeKind::Added,
        k => k,
    };
    let mut out: Vec<String> = d
        .changes
        .iter()
        .map(|c| {
            let mut det: Vec<String> = c
                .details
                .iter()
                .map(|x| {
                    format!("{} {:?} {:?} {:?} {:?} {:?}", x.activity, flip_a(x.change), x.new_start, x.new_end, x.old_start, x.old_end)
                })
                .collect();
            det.sort();
            format!(
                "{} {} {} {:?} {:?} {:?} {:?} {:?} {} {:?}",
                c.agent,
                c.shift_date,
                c.rank,
                flip(c.change),
                c.new_start,
                c.new_end,
                c.old_start,
                c.old_end,
                -c.scheduled_delta_ms,
                det
            )
        })
        .collect();
    out.sort();
    out
}

fn plain(d: &ScheduleDiff) -> Vec<String> {
    let mut out: Vec<String> = d
        .changes
        .iter()
        .map(|c| {
            let mut det: Vec<String> = c
                .details
                .iter()
                .map(|x| format!("{} {:?} {:?} {:?} {:?} {:?}", x.activity, x.change, x.old_start, x.old_end, x.new_start, x.new_end))
                .collect();
            det.sort();
            format!(
                "{} {} {} {:?} {:?} {:?} {:?} {:?} {} {:?}",
                c.agent, c.shift_date, c.rank, c.change, c.old_start, c.old_end, c.new_start, c.new_end, c.scheduled_delta_ms, det
            )
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_schedule_compared_with_itself_has_no_changes(spec in rows_strategy()) {
        let a = to_rows(&spec);
        let d = diff_rows(&a, &a);
        prop_assert!(d.changes.is_empty());
        prop_assert!(d.hours.iter().all(|h| h.old_ms == h.new_ms));
    }

    #[test]
    fn diff_of_b_and_a_mirrors_diff_of_a_and_b(sa in rows_strategy(), sb in rows_strategy()) {
        let (a, b) = (to_rows(&sa), to_rows(&sb));
        let ab = diff_rows(&a, &b);
        let ba = diff_rows(&b, &a);
        prop_assert_eq!(mirrored(&ab), plain(&ba));
        let mut h1: Vec<_> = ab.hours.iter().map(|h| (h.agent.clone(), h.activity.to_lowercase(), h.old_ms, h.new_ms)).collect();
        let mut h2: Vec<_> = ba.hours.iter().map(|h| (h.agent.clone(), h.activity.to_lowercase(), h.new_ms, h.old_ms)).collect();
        h1.sort();
        h2.sort();
        prop_assert_eq!(h1, h2);
    }

    #[test]
    fn per_agent_hour_deltas_add_up_to_the_agent_total(sa in rows_strategy(), sb in rows_strategy()) {
        let d = diff_rows(&to_rows(&sa), &to_rows(&sb));
        let agents: std::collections::BTreeSet<&str> = d.hours.iter().map(|h| h.agent.as_str()).collect();
        for a in agents {
            let parts: i64 = d.hours.iter().filter(|h| h.agent == a && h.activity != "*").map(|h| h.new_ms - h.old_ms).sum();
            let total = d.hours.iter().find(|h| h.agent == a && h.activity == "*").unwrap();
            prop_assert_eq!(parts, total.new_ms - total.old_ms);
            let f: f64 = d.hours.iter().filter(|h| h.agent == a && h.activity != "*").map(|h| h.delta_minutes()).sum();
            prop_assert!((f - total.delta_minutes()).abs() < 1e-9);
        }
        // The changes view's scheduled deltas add up to the hours view's totals too.
        let shift_total: i64 = d.changes.iter().map(|c| c.scheduled_delta_ms).sum();
        let hours_total: i64 = d.hours.iter().filter(|h| h.activity == "*").map(|h| h.new_ms - h.old_ms).sum();
        prop_assert_eq!(shift_total, hours_total);
    }
}
