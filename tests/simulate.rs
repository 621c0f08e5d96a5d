//! `adhere simulate`: deterministic output that the real readers accept, with every quirk
//! and behaviour the brief lists, and a bundled fixture that is exactly what the documented
//! command writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use adhere::activity::{Activity, LoadOptions};
use adhere::rules::{Rules, StateToken};
use adhere::schedule::matching::{match_agents, MatchOn};
use adhere::schedule::shifts::RowRule;
use adhere::schedule::{self, ReadOptions, Shifts};
use adhere::simulate::{simulate, SimConfig, SimSummary};
use adhere::time::{parse_rfc3339, DAY, HOUR, MINUTE};
use chrono::NaiveDate;
use serde_json::Value;

/// Mon 4 Mar 2024 for 9 days: spans the US change (Sun 10 Mar). Small pages so every day
/// has several.
fn small(seed: u64) -> SimConfig {
    SimConfig {
        agents: 25,
        days: 9,
        seed,
        start: NaiveDate::from_ymd_opt(2024, 3, 4).unwrap(),
        page_size: 60,
        changes_per_shift: 14,
        force: false,
    }
}

/// The bundled fixture's configuration: keep in step with fixtures/sample/README.md.
fn fixture_config() -> SimConfig {
    SimConfig {
        agents: 25,
        days: 35,
        seed: 7,
        start: NaiveDate::from_ymd_opt(2024, 3, 4).unwrap(),
        page_size: 250,
        changes_per_shift: 16,
        force: false,
    }
}
const FIXTURE_COMMAND: &str =
    "adhere simulate --agents 25 --days 35 --seed 7 --start 2024-03-04 --page-size 250 --changes-per-shift 16 --out fixtures/sample";

fn run(cfg: &SimConfig) -> (tempfile::TempDir, SimSummary) {
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(cfg, dir.path()).unwrap();
    (dir, s)
}

/// Every file under `dir` (relative path → bytes), skipping `skip`.
fn files(dir: &Path, skip: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if skip.iter().any(|s| rel == Path::new(s)) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn pages(dir: &Path) -> Vec<(String, Value)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("activity")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()))
        .collect()
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let (a, sa) = run(&small(3));
    let (b, sb) = run(&small(3));
    let (c, _) = run(&small(4));
    let (fa, fb, fc) = (files(a.path(), &[]), files(b.path(), &[]), files(c.path(), &[]));
    assert_eq!(sa.activity, sb.activity);
    assert_eq!(fa.len() as u64, sa.activity.pages + 2, "pages + schedule.csv + rules.toml, nothing else");
    assert!(fa == fb, "same flags must give byte-identical files");
    let schedule = PathBuf::from("schedule.csv");
    assert_ne!(fa[&schedule], fc[&schedule]);
    let page = PathBuf::from("activity/2024-03-05-p0001.json");
    assert_ne!(fa[&page], fc[&page]);
}

#[test]
fn pages_read_back_through_the_real_reader_with_every_record_accounted_for() {
    let cfg = small(3);
    let (dir, s) = run(&cfg);
    let act = Activity::load(&[dir.path().join("activity")], &LoadOptions::default()).unwrap();
    let a = &s.activity;
    assert!(a.duplicates > 0 && a.junk_missing_agent > 0 && a.junk_unknown_type > 0, "{a:?}");
    assert_eq!(act.stats.files as u64, a.pages);
    // records read = every record written, junk without an agentId included
    assert_eq!(act.stats.records_read, a.records);
    assert_eq!(act.stats.dropped_missing, a.junk_missing_agent);
    assert_eq!(act.stats.duplicates, a.duplicates);
    assert_eq!(act.stats.dropped_type, a.junk_unknown_type);
    // what is left is exactly the distinct real records
    assert_eq!(act.events.height() as u64, a.state_changes);
    assert_eq!(a.records, a.state_changes + a.duplicates + a.junk_missing_agent + a.junk_unknown_type);
    // Coverage: nine whole UTC days, no holes.
    let from = parse_rfc3339("2024-03-04T00:00:00Z").unwrap();
    assert_eq!(act.coverage.intervals(), &[(from, from + 9 * DAY)]);
    // Every agent with activity shows up, and nobody else.
    assert_eq!(act.agents.len() as u32, s.agents - s.agents_without_activity);
    assert!(act.agents.iter().any(|g| g.agent_id > u32::MAX as i64));
    assert!(act.reasons.iter().any(|r| r == "Lunch") && act.reasons.iter().any(|r| r == "Coffee break"), "{:?}", act.reasons);
}

#[test]
fn pages_have_the_api_shape_and_its_quirks() {
    let (dir, _) = run(&small(3));
    let pages = pages(dir.path());
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    // sessionId → the day files its records are in
    let mut session_days: HashMap<i64, BTreeSet<String>> = HashMap::new();
    let mut by_agent_time: HashMap<(i64, String), Vec<&Value>> = HashMap::new();
    for (name, page) in &pages {
        let day = &name[..10];
        let refs = page["_metadata"]["references"].as_array().unwrap();
        assert!(refs.iter().any(|r| r["rel"] == "self") && refs.iter().any(|r| r["rel"] == "first"), "{name}");
        let tf = &page["timeframe"];
        assert_eq!(tf["startTime"].as_str().unwrap(), format!("{day}T00:00:00Z"));
        let (lo, hi) = (int(&tf["startTimeL"]).unwrap(), int(&tf["endTimeL"]).unwrap());
        assert_eq!(hi - lo, DAY);
        if tf["startTimeL"].is_string() {
            seen.insert("startTimeL as a string");
        } else {
            seen.insert("startTimeL as a number");
        }
        let recs = page["stateChanges"].as_array().unwrap();
        let times: Vec<i64> = recs.iter().map(|r| parse_rfc3339(r["time"].as_str().unwrap()).unwrap()).collect();
        // Each record belongs to the page whose [from, to) holds its time.
        assert!(times.iter().all(|&t| t >= lo && t < hi), "{name}");
        if times.windows(2).any(|w| w[1] < w[0]) {
            seen.insert("unsorted page");
        }
        for r in recs {
            let agent = int(&r["agentId"]);
            if r["agentId"].is_string() {
                seen.insert("agentId as a string");
            }
            if agent.is_none() {
                seen.insert("junk: no agentId");
                continue;
            }
            if agent.unwrap() > u32::MAX as i64 {
                seen.insert("agentId above 2^32");
            }
            match int(&r["statusType"]) {
                Some(1 | 3 | 4) => {}
                _ => {
                    seen.insert("junk: unknown statusType");
                    continue;
                }
            }
            if r["statusType"].is_string() {
                seen.insert("statusType as a string");
            }
            if r["employeeId"] == "" {
                seen.insert("employeeId empty");
            }
            if r.get("agentUserName").is_none() {
                seen.insert("agentUserName missing");
            }
            if r["agentGroupId"].is_null() {
                seen.insert("agentGroupId null");
            }
            match (int(&r["statusSubType"]), r["statusReasonText"].as_str()) {
                (Some(1), _) => seen.insert("offline"),
                (Some(3), _) => seen.insert("occupied"),
                (Some(4), Some(t)) if !t.is_empty() => seen.insert(if t == "Lunch" { "away: Lunch" } else { "away: other reason" }),
                (Some(4), _) => seen.insert("away without reason"),
                _ => false,
            };
            if r["statusReasonText"] == "" {
                seen.insert("statusReasonText empty");
            }
            if r["statusReasonId"] == 0 {
                seen.insert("statusReasonId 0");
            }
            if let Some(sid) = int(&r["sessionId"]).filter(|&s| s > 0) {
                session_days.entry(sid).or_default().insert(day.to_string());
            }
            by_agent_time.entry((agent.unwrap(), r["time"].as_str().unwrap().to_string())).or_default().push(r);
        }
    }
    // Login and default state at the same millisecond: sequence -1 then 1, no session.
    let mut pairs = 0;
    for recs in by_agent_time.values() {
        let login = recs.iter().find(|r| int(&r["statusType"]) == Some(3));
        let default = recs.iter().find(|r| int(&r["statusType"]) == Some(1) && int(&r["sequenceNumber"]) == Some(1));
        if let (Some(l), Some(d)) = (login, default) {
            pairs += 1;
            assert_eq!(int(&l["sequenceNumber"]), Some(-1));
            for r in [l, d] {
                assert!(matches!(int(&r["sessionId"]), None | Some(-1)), "{r}");
            }
            if d.get("sessionId").is_none() {
                seen.insert("default state without sessionId");
            }
            assert!(d["prevStatusChangeTime"].is_null());
        }
        if recs.len() > 1 && recs.iter().all(|r| *r == recs[0]) {
            seen.insert("duplicate record");
        }
    }
    assert!(pairs > 50, "{pairs}");
    if session_days.values().any(|d| d.len() > 1) {
        seen.insert("session split across UTC days");
    }
    let want = [
        "startTimeL as a string",
        "startTimeL as a number",
        "unsorted page",
        "agentId as a string",
        "junk: no agentId",
        "junk: unknown statusType",
        "agentId above 2^32",
        "statusType as a string",
        "employeeId empty",
        "agentUserName missing",
        "agentGroupId null",
        "offline",
        "occupied",
        "away: Lunch",
        "away: other reason",
        "away without reason",
        "statusReasonText empty",
        "statusReasonId 0",
        "default state without sessionId",
        "duplicate record",
        "session split across UTC days",
    ];
    let missing: Vec<&str> = want.iter().copied().filter(|w| !seen.contains(w)).collect();
    assert!(missing.is_empty(), "not seen: {missing:?}");
}

/// The rule of each schedule row, as the engine derives it.
fn row_rules(rows: &schedule::ScheduleRows, rules: &Rules) -> Vec<RowRule> {
    rows.activity
        .iter()
        .map(|name| {
            let i = rules.lookup(name).unwrap();
            let r = &rules.activities[i];
            RowRule { rule: i as u32, counted: r.counted, allows_logged_out: r.allowed.contains(&StateToken::LoggedOut) }
        })
        .collect()
}

#[test]
fn schedule_reads_with_default_options_every_activity_has_a_rule_and_shifts_build() {
    let (dir, s) = run(&small(3));
    let input = schedule::read_files(&[dir.path().join("schedule.csv")], None, &ReadOptions::default()).unwrap();
    assert!(input.rejected.is_empty());
    let rows = &input.rows;
    assert_eq!(rows.len() as u64, s.schedule.schedule_rows);
    let names: BTreeSet<&str> = rows.activity.iter().map(String::as_str).collect();
    for needed in ["Break", "Lunch", "Vacation", "Sick"] {
        assert!(names.contains(needed), "{needed} missing from {names:?}");
    }
    let written = Rules::load(&dir.path().join("rules.toml")).unwrap();
    written.resolve_all(names.iter().copied()).unwrap();
    Rules::default().resolve_all(names.iter().copied()).unwrap();
    let zones: BTreeSet<&str> = rows.zones.iter().map(|z| z.name()).collect();
    for z in ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "UTC+05:30"] {
        assert!(zones.contains(z), "{z} missing from {zones:?}");
    }
    let text = std::fs::read_to_string(dir.path().join("schedule.csv")).unwrap();
    assert!(text.contains("-05:00,") || text.contains("+00:00,"), "RFC 3339 rows with an offset");
    assert!(text.lines().any(|l| l.contains("Z,")), "RFC 3339 rows in UTC");
    assert!(text.lines().any(|l| l.split(',').nth(4).is_some_and(|c| !c.is_empty())), "length_minutes rows");
    assert!(rows.shift_id.iter().any(Option::is_some));
    assert!(rows.team.iter().any(Option::is_none) && rows.team.iter().any(Option::is_some));

    // One reported shift per scheduled working day: split shifts stay whole (by the gap
    // rule or by shift_id), night shifts stay whole across midnight, vacation days are not
    // reported.
    let shifts = Shifts::build(rows, &row_rules(rows, &written), 60 * MINUTE);
    assert_eq!(shifts.len() as u64, s.schedule.shifts);
    assert!(s.schedule.night_shifts > 0 && s.schedule.split_shifts > 0 && s.schedule.time_off_rows > 0);

    // Schedule keys match the activity (employee ids, login names in any case, agent ids),
    // except for the scheduled agents who never logged in.
    let act = Activity::load(&[dir.path().join("activity")], &LoadOptions::default()).unwrap();
    let m = match_agents(&shifts.agent_key, &act, MatchOn::Auto);
    let unmatched = m.agent.iter().filter(|a| a.is_none()).count() as u32;
    assert_eq!(unmatched, s.agents_without_activity);
    assert_eq!(m.agent.iter().filter(|a| a.is_some()).count() as u32, s.matched_agents);
    let keys = &shifts.agent_key;
    assert!(keys.iter().any(|k| k.starts_with('E')));
    assert!(keys.iter().any(|k| k.contains("@Brand.Example")));
    assert!(keys.iter().any(|k| k.contains("@brand.example")));
    assert!(keys.iter().any(|k| k.parse::<i64>().is_ok()));
    // Agents in the activity with no schedule.
    let matched: BTreeSet<usize> = m.agent.iter().flatten().copied().collect();
    assert_eq!((act.agents.len() - matched.len()) as u32, s.unscheduled_agents);
}

#[test]
fn other_seeds_and_the_autumn_changes_read_cleanly_with_one_shift_per_working_day() {
    // 40 agents from Sat 26 Oct 2024: the EU clocks fall back on the 27th, the US ones on
    // 3 Nov. No row may be ambiguous (they would need --ambiguous) or in a gap.
    for (seed, start) in [(11, (2024, 10, 26)), (12, (2024, 3, 28)), (13, (2025, 3, 7))] {
        let cfg = SimConfig { agents: 40, days: 10, start: NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(), ..small(seed) };
        let (dir, s) = run(&cfg);
        let input = schedule::read_files(&[dir.path().join("schedule.csv")], None, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let rules = Rules::load(&dir.path().join("rules.toml")).unwrap();
        let shifts = Shifts::build(&input.rows, &row_rules(&input.rows, &rules), 60 * MINUTE);
        assert_eq!(shifts.len() as u64, s.schedule.shifts, "seed {seed}");
        let act = Activity::load(&[dir.path().join("activity")], &LoadOptions::default()).unwrap();
        assert_eq!(act.events.height() as u64, s.activity.state_changes, "seed {seed}");
    }
}

#[test]
fn night_shift_over_spring_forward_is_written_in_wall_time_and_lasts_seven_and_a_half_hours() {
    let (dir, _) = run(&small(3));
    let input = schedule::read_files(&[dir.path().join("schedule.csv")], None, &ReadOptions::default()).unwrap();
    let rows = &input.rows;
    // Agent E10006 works nights in New York; Sat 9 Mar 22:00 EST to Sun 10 Mar 06:30 EDT.
    let i = (0..rows.len())
        .find(|&i| {
            rows.agent[i] == "E10006" && rows.activity[i] == "Phone" && rows.start[i] == parse_rfc3339("2024-03-10T03:00:00Z").unwrap()
        })
        .unwrap();
    // 8.5 wall hours, 7.5 real hours: 06:30 EDT = 10:30Z.
    assert_eq!(rows.end[i] - rows.start[i], 7 * HOUR + 30 * MINUTE);
    let text = std::fs::read_to_string(dir.path().join("schedule.csv")).unwrap();
    assert!(text.contains("E10006,Phone,2024-03-09 22:00,2024-03-10 06:30,,America/New_York"), "night shift as written");
    // Nothing is ever written inside the gap (02:00-03:00 on 10 Mar in New York).
    let us = text.lines().filter(|l| l.contains(",America/"));
    assert!(!us.clone().any(|l| l.contains("2024-03-10 02:")), "a time in the spring-forward gap was written");
    assert!(us.clone().any(|l| l.contains("2024-03-10 03:00")), "the night's lunch moves to 03:00");
}

#[test]
fn every_behaviour_occurs_in_the_fixture() {
    let (_, s) = run(&fixture_config());
    let t = &s.schedule;
    assert!(t.late_logins > 0 && t.early_logouts > 0 && t.no_shows > 0, "{t:?}");
    assert!(t.breaks_online > 0 && t.blips > 0 && t.offline_before_logout > 0 && t.meetings > 0, "{t:?}");
    assert!(t.night_shifts > 0 && t.split_shifts > 0 && t.time_off_rows > 0 && t.dst_moved_rows > 0, "{t:?}");
    assert!(s.unscheduled_agents >= 2 && s.agents_without_activity >= 2);
    assert!(s.activity.duplicates > 0 && s.activity.junk_missing_agent > 0 && s.activity.junk_unknown_type > 0);
}

#[test]
fn bundled_fixture_is_exactly_what_the_documented_command_writes() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
    let readme = std::fs::read_to_string(fixture.join("README.md")).unwrap();
    assert!(readme.contains(FIXTURE_COMMAND), "fixtures/sample/README.md must show the command: {FIXTURE_COMMAND}");
    let main_readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(main_readme.contains(FIXTURE_COMMAND), "README.md must show the command: {FIXTURE_COMMAND}");
    let (dir, _) = run(&fixture_config());
    let want = files(dir.path(), &[]);
    let have = files(&fixture, &["README.md"]);
    let (want_names, have_names): (Vec<_>, Vec<_>) = (want.keys().collect(), have.keys().collect());
    assert_eq!(
        have_names, want_names,
        "fixtures/sample holds other files than the command writes; regenerate it with {FIXTURE_COMMAND} --force"
    );
    for (name, bytes) in &want {
        assert!(
            have[name] == *bytes,
            "fixtures/sample/{} differs from what the command writes; regenerate with {FIXTURE_COMMAND} --force",
            name.display()
        );
    }
}

const ENRICHMENT_COMMAND: &str = "adhere simulate --agents 25 --days 35 --seed 7 --start 2024-03-04 --page-size 250 --changes-per-shift 16 --out fixtures/sample --enrichment-out fixtures/sample-enrichment --force";

#[test]
fn bundled_enrichment_is_exactly_what_the_documented_command_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = root.join("fixtures/sample-enrichment");
    let readme = std::fs::read_to_string(fixture.join("README.md")).unwrap();
    assert!(readme.contains(ENRICHMENT_COMMAND), "fixtures/sample-enrichment/README.md must show the command: {ENRICHMENT_COMMAND}");
    // The command writes fixtures/sample too (byte for byte what it was, see above); the
    // enrichment is derived from that activity.
    let (dir, _) = run(&fixture_config());
    let out = tempfile::tempdir().unwrap();
    let counts = adhere::simulate::simulate_enrichment(&fixture_config(), dir.path(), out.path()).unwrap();
    assert!(counts.conversations > 1000 && counts.transferred > 100, "{counts:?}");
    let want = files(out.path(), &[]);
    let have = files(&fixture, &["README.md"]);
    let (want_names, have_names): (Vec<_>, Vec<_>) = (want.keys().collect(), have.keys().collect());
    assert_eq!(
        have_names, want_names,
        "fixtures/sample-enrichment holds other files than the command writes; regenerate it with {ENRICHMENT_COMMAND}"
    );
    for (name, bytes) in &want {
        assert!(
            have[name] == *bytes,
            "fixtures/sample-enrichment/{} differs from what the command writes; regenerate with {ENRICHMENT_COMMAND}",
            name.display()
        );
    }
    // Writing it again without --force is refused.
    let e = adhere::simulate::simulate_enrichment(&fixture_config(), dir.path(), out.path()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("--force"), "{e}");
}

fn adhere() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("adhere").unwrap()
}

#[test]
fn cli_writes_then_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let args = ["simulate", "--agents", "3", "--days", "2", "--seed", "5", "--out"];
    let ok = adhere().args(args).arg(&out).assert().success();
    let stdout = String::from_utf8(ok.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("wrote 3 agents over 2 days"), "{stdout}");
    assert!(out.join("activity/2024-03-04-p0001.json").is_file() && out.join("schedule.csv").is_file() && out.join("rules.toml").is_file());
    let before = files(&out, &[]);
    // Exit 2 (usage): the directory already holds a data set.
    let err = adhere().args(args).arg(&out).assert().code(2);
    let stderr = String::from_utf8(err.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--force") && stderr.contains("schedule.csv"), "{stderr}");
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    adhere().args(args).arg(&out).arg("--force").assert().success();
    assert!(files(&out, &["notes.txt"]) == before, "--force rewrites the same bytes");
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine", "other files are left alone");
    assert!(!out.join(".adhere-simulate.tmp").exists());
}

#[test]
fn cli_rejects_bad_flags_with_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    for (args, needle) in [
        (vec!["--agents", "0", "--days", "2"], "--agents"),
        (vec!["--agents", "2", "--days", "2", "--start", "2024-13-01"], "not a date"),
        (vec!["--agents", "2", "--days", "2", "--page-size", "0"], "--page-size"),
    ] {
        let a = adhere().arg("simulate").args(&args).arg("--out").arg(dir.path().join("d")).assert().code(2);
        let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let a = adhere().args(["simulate", "--agents", "2", "--days", "2", "--out"]).arg(&file).assert().code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("is a file"));
}
