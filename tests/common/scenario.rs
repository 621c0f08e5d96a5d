//! Data sets for the report tests: a small hand-made one whose every figure can be worked
//! out by hand (snapshots of Markdown, HTML and `explain`), and a seeded random one with
//! many shifts (DST changes, split shifts, time off, coverage holes, blips, no-shows) for
//! checking that explanations add up to the shifts view.

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{page, Files};
use adhere::time::{self, Ms, Zone, HOUR, MINUTE, SECOND};

/// Activity pages, a schedule CSV and an optional rules TOML, written into a temp dir.
pub struct Scenario {
    pub files: Files,
    pub activity: Vec<PathBuf>,
    pub schedule: PathBuf,
    pub rules: Option<PathBuf>,
}

impl Scenario {
    pub fn write(pages: &[String], schedule_csv: &str, rules: Option<&str>) -> Scenario {
        let files = Files::new();
        let activity = pages.iter().enumerate().map(|(i, p)| files.write(&format!("page{i}.json"), p)).collect();
        let schedule = files.write("schedule.csv", schedule_csv);
        let rules = rules.map(|r| files.write("rules.toml", r));
        Scenario { files, activity, schedule, rules }
    }

    /// `--activity … --schedule … [--rules …]` for the command line.
    pub fn args(&self) -> Vec<String> {
        let mut v = vec!["--activity".to_string()];
        v.extend(self.activity.iter().map(|p| p.display().to_string()));
        v.push("--schedule".into());
        v.push(self.schedule.display().to_string());
        if let Some(r) = &self.rules {
            v.push("--rules".into());
            v.push(r.display().to_string());
        }
        v
    }
}

/// The small data set (two days, four agents, two teams).
///
/// - E1 (Sales, Europe/London = UTC in March), 2024-03-04 09:00–17:00 Open with Lunch
///   12:00–12:30 on top and Sick 15:00–15:30 (time off): logs in 09:05 (late 5 min), away
///   "Coffee" 10:00:00–10:00:40 (a 40 s blip, forgiven), still online 12:00–12:02 in Lunch
///   (out 2 min), away "Lunch" until 12:35 (out 5 min in Open), occupied 14:00–14:10 (out
///   10 min), logs out 16:50 (early 10 min). 2024-03-05 09:00–17:00: online throughout.
/// - E2 (Support): scheduled 2024-03-04 09:00–13:00 UTC, no activity at all → no-show.
/// - E3 (Support, America/New_York = UTC−5), 2024-03-04 08:00–16:00 local with Lunch
///   12:00–13:00: logs in 08:20 local (late 20 min), away "Lunch" 12:00–13:00, logs out
///   15:30 local (early 30 min).
/// - E4 (Sales, UTC), 2024-03-05 09:00–13:00 Open: online, occupied 10:00–10:30.
pub fn small() -> (Vec<String>, String) {
    let from = "2024-03-04T00:00:00Z";
    let to = "2024-03-06T00:00:00Z";
    let ev = vec![
        (1, "2024-03-04T09:05:00Z", "login"),
        (1, "2024-03-04T09:05:00Z", "online"),
        (1, "2024-03-04T10:00:00Z", "away:Coffee"),
        (1, "2024-03-04T10:00:40Z", "online"),
        (1, "2024-03-04T12:02:00Z", "away:Lunch"),
        (1, "2024-03-04T12:35:00Z", "online"),
        (1, "2024-03-04T14:00:00Z", "occupied"),
        (1, "2024-03-04T14:10:00Z", "online"),
        (1, "2024-03-04T16:50:00Z", "logout"),
        (1, "2024-03-05T08:58:00Z", "login"),
        (1, "2024-03-05T08:58:00Z", "online"),
        (1, "2024-03-05T17:00:30Z", "logout"),
        (3, "2024-03-04T13:20:00Z", "login"),
        (3, "2024-03-04T13:20:00Z", "online"),
        (3, "2024-03-04T17:00:00Z", "away:Lunch"),
        (3, "2024-03-04T18:00:00Z", "online"),
        (3, "2024-03-04T20:30:00Z", "logout"),
        (4, "2024-03-05T08:55:00Z", "login"),
        (4, "2024-03-05T08:55:00Z", "online"),
        (4, "2024-03-05T10:00:00Z", "occupied"),
        (4, "2024-03-05T10:30:00Z", "online"),
        (4, "2024-03-05T13:05:00Z", "logout"),
    ];
    let schedule = "\
agent,activity,start,end,timezone,team
E1,Open,2024-03-04 09:00,2024-03-04 17:00,Europe/London,Sales
E1,Lunch,2024-03-04 12:00,2024-03-04 12:30,Europe/London,Sales
E1,Sick,2024-03-04 15:00,2024-03-04 15:30,Europe/London,Sales
E1,Open,2024-03-05 09:00,2024-03-05 17:00,Europe/London,Sales
E2,Open,2024-03-04 09:00,2024-03-04 13:00,UTC,Support
E3,Open,2024-03-04 08:00,2024-03-04 16:00,America/New_York,Support
E3,Lunch,2024-03-04 12:00,2024-03-04 13:00,America/New_York,Support
E4,Open,2024-03-05 09:00,2024-03-05 13:00,UTC,Sales
";
    (vec![page(from, to, &ev)], schedule.to_string())
}

/// Rules with targets: 90% overall, Sales 95%, Support 80%.
pub const TARGET_RULES: &str = r#"target_pct = 90

[team_targets]
Sales = 95
Support = 80

[[activity]]
names = ["Open"]
allowed = ["online"]
productive = true

[[activity]]
names = ["Lunch", "Break", "Meeting"]
allowed = ["away", "occupied", "offline", "logged_out"]

[[activity]]
names = ["Sick"]
counted = false
"#;

const ZONES: [&str; 4] = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"];

/// A seeded random data set: `agents` agents over `days` days from 2024-03-08 (across the
/// US daylight-saving change of 2024-03-10), plus one scheduled agent without activity and
/// one active agent without a schedule. Two pages leave a two-hour coverage hole.
pub fn random(seed: u64, agents: usize, days: i64) -> (Vec<String>, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let day0 = time::days_from_civil(2024, 3, 8);
    let mut csv = String::from("agent,activity,start,end,timezone,team,shift_id\n");
    let mut events: Vec<(i64, Ms, String)> = Vec::new();
    let fmt_local = |zone: &Zone, t: Ms| {
        let l = zone.local_ms(t);
        format!("{} {}", time::fmt_day(l.div_euclid(time::DAY)), time::fmt_hhmmss(l))
    };
    for a in 1..=agents + 1 {
        let zname = ZONES[a % ZONES.len()];
        let zone = Zone::parse(zname).unwrap();
        let team = ["A", "B", ""][a % 3];
        let active = a <= agents;
        for d in 0..days {
            if rng.random_bool(0.12) {
                continue; // a day off
            }
            // Start on a quarter hour between 06:00 and 13:45 local.
            let start_local = (day0 + d) * time::DAY + (6 * 60 + 15 * rng.random_range(0..32)) * MINUTE;
            let start = start_local - zone.offset_at(start_local) as i64 * SECOND;
            let len = (6 * 60 + 30 * rng.random_range(0..6)) * MINUTE;
            let end = start + len;
            let sid = if rng.random_bool(0.15) { format!("s{a}-{d}") } else { String::new() };
            let mut row = |act: &str, s: Ms, e: Ms| {
                csv.push_str(&format!("E{a},{act},{},{},{zname},{team},{sid}\n", fmt_local(&zone, s), fmt_local(&zone, e)));
            };
            row("Open", start, end);
            let brk = start + 2 * HOUR + 15 * MINUTE * rng.random_range(0..3);
            row("Break", brk, brk + 15 * MINUTE);
            let lunch = start + 4 * HOUR;
            row("Lunch", lunch, lunch + 30 * MINUTE * rng.random_range(1..3));
            if rng.random_bool(0.2) {
                row("Meeting", start + HOUR, start + 90 * MINUTE);
            }
            if rng.random_bool(0.15) {
                row("Sick", end - 2 * HOUR, end - HOUR);
            }
            let mut shifts = vec![(start, end)];
            if rng.random_bool(0.15) {
                let s2 = end + 2 * HOUR;
                row("Chat", s2, s2 + 2 * HOUR);
                shifts.push((s2, s2 + 2 * HOUR));
            }
            if !active || rng.random_bool(0.05) {
                continue; // no-show
            }
            for (s, e) in shifts {
                let mut t = s + rng.random_range(-15..25) * MINUTE + rng.random_range(0..60) * SECOND;
                let stop = e + rng.random_range(-20..15) * MINUTE;
                events.push((a as i64, t, "login".into()));
                events.push((a as i64, t, "online".into()));
                while t < stop {
                    t += if rng.random_bool(0.25) { rng.random_range(15..90) * SECOND } else { rng.random_range(2..45) * MINUTE };
                    if t >= stop {
                        break;
                    }
                    let what = match rng.random_range(0..100) {
                        0..=54 => "online",
                        55..=69 => "occupied",
                        70..=79 => "away:Lunch",
                        80..=86 => "away:Coffee",
                        87..=92 => "away",
                        93..=96 => "offline",
                        _ => "relog",
                    };
                    if what == "relog" {
                        events.push((a as i64, t, "logout".into()));
                        t += rng.random_range(1..20) * MINUTE;
                        events.push((a as i64, t, "login".into()));
                        events.push((a as i64, t, "online".into()));
                    } else {
                        events.push((a as i64, t, what.into()));
                    }
                }
                events.push((a as i64, stop, "logout".into()));
            }
        }
    }
    // An agent with activity and no schedule.
    let t0 = day0 * time::DAY + 9 * HOUR;
    events.push((99, t0, "login".into()));
    events.push((99, t0, "online".into()));
    events.push((99, t0 + 3 * HOUR, "logout".into()));
    events.sort_by_key(|e| (e.0, e.1));

    // Two pages with a hole from 12:00 to 14:00 UTC on the third day.
    let cut1 = (day0 + 2) * time::DAY + 12 * HOUR;
    let cut2 = cut1 + 2 * HOUR;
    let (from, to) = ((day0 - 1) * time::DAY, (day0 + days + 2) * time::DAY);
    let times: Vec<(i64, String, String)> = events.into_iter().map(|(a, t, w)| (a, time::fmt_instant(t), w)).collect();
    let part = |lo: Ms, hi: Ms| -> String {
        let ev: Vec<(i64, &str, &str)> = times
            .iter()
            .filter(|(_, t, _)| {
                let ms = time::parse_rfc3339(t).unwrap();
                ms >= lo && ms < hi
            })
            .map(|(a, t, w)| (*a, t.as_str(), w.as_str()))
            .collect();
        page(&time::fmt_instant(lo), &time::fmt_instant(hi), &ev)
    };
    (vec![part(from, cut1), part(cut2, to)], csv)
}
