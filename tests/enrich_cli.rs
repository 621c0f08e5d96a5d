//! End to end against the mock LivePerson: `adhere fetch --with all` stores users, groups,
//! reasons and closed conversations beside the status changes, and `report`/`states` show
//! the names, teams, reason texts and conversation counts the mock served.

mod fetch_mock;

use std::path::Path;
use std::process::{Command, Output};

use fetch_mock::*;
use serde_json::{json, Value};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const MIN: i64 = 60_000;

fn adhere() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_adhere"));
    for v in ["LP_APP_KEY", "LP_APP_SECRET", "LP_ACCESS_TOKEN", "LP_ACCESS_TOKEN_SECRET", "LP_CLIENT_ID", "LP_CLIENT_SECRET", "LP_ACCOUNT"]
    {
        c.env_remove(v);
    }
    c.env("LP_APP_KEY", APP_KEY)
        .env("LP_APP_SECRET", APP_SECRET)
        .env("LP_ACCESS_TOKEN", ACCESS_TOKEN)
        .env("LP_ACCESS_TOKEN_SECRET", ACCESS_TOKEN_SECRET)
        .env("ADHERE_RETRY_SCALE", "0.001")
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy");
    c
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string())
}

fn day(d: i64) -> String {
    adhere::time::fmt_day(d)
}

/// The login instant of agent `a` of `dataset` on day `d` (see `fetch_mock::dataset`).
fn login(d: i64, a: i64) -> i64 {
    d * DAY + (6 + a % 10) * HOUR + (a * 137) % 60_000
}

/// Agent `a`'s first online spell: `[login + 200.123 s, + 2 h 5.432 s)`.
fn online_start(d: i64, a: i64) -> i64 {
    login(d, a) + 200_123
}

/// The bot's status changes: logged in and online 10:00–12:00.
fn bot_records(d: i64) -> Vec<Value> {
    let t = |h: i64| adhere::time::fmt_instant(d * DAY + h * HOUR);
    let rec = |time: String, seq: i64, st: i64, sub: i64| {
        json!({"agentId": BOT, "employeeId": "", "agentLoginName": "bot", "agentGroupId": -1, "time": time, "sessionId": 5,
               "sequenceNumber": seq, "statusType": st, "statusSubType": sub, "statusReasonId": -1, "statusReasonText": null})
    };
    vec![rec(t(10), -1, 3, 0), rec(t(10), 1, 1, 2), rec(t(12), 2, 4, 0)]
}

/// Three conversations per agent closed during its first online spell (every 30 min from
/// its start); agent 1's second one was first handled by agent 0; two closed by the bot.
fn closed_conversations(d: i64) -> Vec<Value> {
    let mut out = Vec::new();
    for a in 0..3i64 {
        for k in 1..=3i64 {
            let close = online_start(d, a) + k * 30 * MIN;
            let before = if a == 1 && k == 2 { vec![agent_id(0)] } else { vec![] };
            out.push(conversation(&format!("a{a}-{k}"), close - 12 * MIN, Some(close), agent_id(a as usize), &before));
        }
    }
    out.push(conversation("bot-1", d * DAY + 10 * HOUR, Some(d * DAY + 10 * HOUR + 5 * MIN), BOT, &[]));
    out.push(conversation("bot-2", d * DAY + 11 * HOUR, Some(d * DAY + 11 * HOUR + 5 * MIN), BOT, &[]));
    out
}

/// A mock serving a day of 3 agents (+ the midnight agent 99 + the bot) and everything
/// around them; and a fetched store of it.
fn fetched(with: &str) -> (Mock, tempfile::TempDir, i64) {
    let d0 = now_ms() / DAY - 6;
    let mut records = dataset(3, d0, d0);
    records.extend(bot_records(d0));
    let (users, groups, reasons) = directory(3);
    let mock = Mock::start(Config { records, users, groups, reasons, conversations: closed_conversations(d0), ..Config::default() });
    let out = tempfile::tempdir().unwrap();
    let o = adhere()
        .args(["fetch", "--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0), "--base-url", &mock.url, "--with", with])
        .arg("--out")
        .arg(out.path().join("store"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    for secret in all_secrets() {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "a secret in the output: {stderr}");
        for f in walk(&out.path().join("store")) {
            let bytes = std::fs::read(&f).unwrap();
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} in {}", f.display());
        }
    }
    (mock, out, d0)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn json_rows(o: &Output) -> Vec<Value> {
    let (stdout, stderr) = text(o);
    assert!(o.status.success(), "{stderr}");
    serde_json::from_str::<Value>(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")).as_array().unwrap().clone()
}

fn schedule(dir: &Path, d0: i64) -> std::path::PathBuf {
    // Agent 0's records carry no employeeId: "EMP-0000" matches through the Users API;
    // "full name 1" matches the user's full name ignoring case; agent 2 by login.
    let shift = |a: i64| {
        let s = d0 * DAY + (6 + a) * HOUR;
        (adhere::time::fmt_instant(s), adhere::time::fmt_instant(s + 7 * HOUR))
    };
    let mut csv = String::from("agent,activity,start,end\n");
    for (a, key) in [(0, "EMP-0000"), (1, "full name 1"), (2, "agent2@brand.example")] {
        let (s, e) = shift(a);
        csv.push_str(&format!("{key},Open,{s},{e}\n"));
    }
    let path = dir.join("schedule.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn fetch_with_all_then_productivity_shows_what_the_apis_served() {
    let (mock, out, d0) = fetched("all");
    let store = out.path().join("store");
    // One request each for users, groups, reasons; one search page of conversations.
    assert_eq!(mock.config_log().len(), 3);
    assert_eq!(mock.conversations_log().len(), 1);
    let sched = schedule(out.path(), d0);
    let o = adhere()
        .args(["report", "--view", "productivity", "--format", "json", "--activity"])
        .arg(&store)
        .arg("--schedule")
        .arg(&sched)
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert!(stderr.contains("1 bot or API user agent left out"), "{stderr}");
    assert!(!stderr.contains("match no activity"), "every schedule key matched: {stderr}");
    let rows = json_rows(&o);
    // Three scheduled agents and the midnight agent (unscheduled, deleted in the Users API);
    // the bot is left out.
    let agents: Vec<&str> = rows.iter().map(|r| r["agent"].as_str().unwrap()).collect();
    assert_eq!(agents, ["EMP-0000", "agent2@brand.example", "full name 1", "night@brand.example"]);
    for (i, a) in [(0usize, 0i64), (2, 1), (1, 2)] {
        let r = &rows[i];
        assert_eq!(r["agent_id"], json!(agent_id(a as usize)));
        assert_eq!(r["name"], json!(format!("Full Name {a}")));
        // Agent 1's records name Care East's group; agents 0 and 2 show -1 (the root) and
        // take their Users API group.
        assert_eq!(r["team"], json!("Care East"));
        assert_eq!(r["date"], json!(day(d0)));
        // login → 200.123 s away (no reason) → 2 h 5.432 s online → 900.001 s away
        // (Coffee break) → 5 h 0.999 s online → logout.
        assert_eq!(r["logged_in_seconds"], json!(26306.555));
        assert_eq!(r["online_seconds"], json!(25206.431));
        assert_eq!(r["away_seconds"], json!(1100.124));
        assert_eq!(r["away:Coffee break"], json!(900.001));
        // Three each; agent 1's transferred one counts for agent 1 only.
        assert_eq!(r["closed_conversations"], json!(3));
        let per_hour = r["conversations_per_online_hour"].as_f64().unwrap();
        assert!((per_hour - 3.0 * 3600.0 / 25206.431).abs() < 1e-12, "{per_hour}");
        assert_eq!(r["shifts"], json!(1));
        assert_eq!(r["scheduled_seconds"], json!(25200));
    }
    let night = &rows[3];
    assert_eq!((night["name"].as_str(), night["team"].as_str()), (Some("Night Owl"), Some("Main Group")));
    assert_eq!(night["closed_conversations"], json!(0));
    assert!(night["adherence_pct"].is_null());

    // Adherence beside it is the shifts view's, for a single shift.
    let o = adhere()
        .args(["report", "--view", "shifts", "--format", "json", "--activity"])
        .arg(&store)
        .arg("--schedule")
        .arg(&sched)
        .output()
        .unwrap();
    let shifts = json_rows(&o);
    for s in &shifts {
        let p = rows.iter().find(|r| r["agent"] == s["agent"]).unwrap();
        assert_eq!(p["adherence_pct"], s["adherence_pct"]);
        assert_eq!(p["in_adherence_seconds"], s["in_adherence_seconds"]);
        // The existing views keep their columns: the team is named there too.
        assert_eq!(s["team"], json!("Care East"));
        assert!(s.get("name").is_none());
    }

    // Teams roll up to the parent group.
    for (level, team) in [("1", "Care"), ("0", "Main Group"), ("leaf", "Care East")] {
        let o = adhere()
            .args(["report", "--view", "teams", "--format", "json", "--team-level", level, "--activity"])
            .arg(&store)
            .arg("--schedule")
            .arg(&sched)
            .output()
            .unwrap();
        let teams = json_rows(&o);
        assert_eq!(teams.len(), 1);
        assert_eq!((teams[0]["team"].as_str(), teams[0]["agents"].as_u64()), (Some(team), Some(3)));
    }
    // --no-enrichment: as before enrichment: group ids, and "EMP-0000" and "full name 1"
    // match nothing (so have no team).
    let o = adhere()
        .args(["report", "--view", "teams", "--format", "json", "--no-enrichment", "--activity"])
        .arg(&store)
        .arg("--schedule")
        .arg(&sched)
        .output()
        .unwrap();
    let teams: Vec<(Value, Value)> = json_rows(&o).iter().map(|t| (t["team"].clone(), t["agents"].clone())).collect();
    assert_eq!(teams, [(json!("-1"), json!(1)), (Value::Null, json!(2))]);
}

#[test]
fn states_name_reasons_as_recorded_or_as_configured_and_keep_bots_on_request() {
    let (_mock, out, d0) = fetched("users,reasons");
    let store = out.path().join("store");
    let states = |extra: &[&str]| {
        let o = adhere().args(["states", "--format", "json", "--activity"]).arg(&store).args(extra).output().unwrap();
        json_rows(&o)
    };
    let tokens = |rows: &[Value]| {
        let mut t: Vec<String> = rows.iter().map(|r| r["state"].as_str().unwrap().to_string()).collect();
        t.sort();
        t.dedup();
        t
    };
    // The records say "Coffee break"; the Status Reason API says "Coffee" (renamed since).
    let recorded = states(&[]);
    assert_eq!(tokens(&recorded), ["away", "away:Coffee break", "offline", "online"]);
    let configured = states(&["--reason-names", "configured"]);
    assert_eq!(tokens(&configured), ["away", "away:Coffee", "offline", "online"]);
    let coffee: Vec<f64> =
        configured.iter().filter(|r| r["state"] == json!("away:Coffee")).map(|r| r["seconds"].as_f64().unwrap()).collect();
    assert_eq!(coffee, [900.001, 900.001, 900.001]);
    // The bot is left out unless asked for.
    assert!(recorded.iter().all(|r| r["agent_id"] != json!(BOT)));
    let with_bots = states(&["--include-bots"]);
    let bot: Vec<&Value> = with_bots.iter().filter(|r| r["agent_id"] == json!(BOT)).collect();
    assert_eq!(bot.len(), 1);
    assert_eq!((bot[0]["state"].as_str(), bot[0]["seconds"].as_f64()), (Some("online"), Some(7200.0)));
    // Productivity without a schedule: no adherence, conversations null (none fetched).
    let o = adhere().args(["states", "--view", "productivity", "--format", "json", "--activity"]).arg(&store).output().unwrap();
    let rows = json_rows(&o);
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["closed_conversations"].is_null() && r["adherence_pct"].is_null() && r["date"] == json!(day(d0))));
    assert_eq!(rows[0]["name"], json!("Full Name 0"));
}

#[test]
fn rules_may_name_a_reason_by_id() {
    let (_mock, out, d0) = fetched("none");
    let store = out.path().join("store");
    // A one-hour Break over agent 2's coffee break (t3 = online start + 2 h 5.432 s, 15 min):
    // allowed only away with reason #2642559712.
    let t3 = online_start(d0, 2) + 2 * HOUR + 5_432;
    let csv = format!(
        "agent,activity,start,end\nagent2@brand.example,Break,{},{}\n",
        adhere::time::fmt_instant(t3),
        adhere::time::fmt_instant(t3 + 15 * MIN)
    );
    std::fs::write(out.path().join("s.csv"), csv).unwrap();
    let run = |allowed: &str| {
        std::fs::write(out.path().join("rules.toml"), format!("[[activity]]\nnames = [\"Break\"]\nallowed = [\"{allowed}\"]\n")).unwrap();
        let o = adhere()
            .args(["report", "--view", "shifts", "--format", "json", "--activity"])
            .arg(&store)
            .arg("--schedule")
            .arg(out.path().join("s.csv"))
            .arg("--rules")
            .arg(out.path().join("rules.toml"))
            .output()
            .unwrap();
        json_rows(&o)[0]["in_adherence_seconds"].as_f64().unwrap()
    };
    // The break is 900 s; the away spell covers all of it (it lasts 900.001 s).
    assert_eq!(run(&format!("away:#{COFFEE}")), 900.0);
    assert_eq!(run("away:#31"), 0.0);
    assert_eq!(run("away:coffee break"), 900.0);
}

#[test]
fn the_default_extras_only_warn_when_refused_but_named_ones_must_succeed() {
    let d0 = now_ms() / DAY - 4;
    let mock = Mock::start(Config { records: dataset(2, d0, d0), config_status: Some(403), ..Config::default() });
    let out = tempfile::tempdir().unwrap();
    let base = |c: &mut Command, dir: &str| {
        c.args(["fetch", "--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0), "--base-url", &mock.url])
            .arg("--out")
            .arg(out.path().join(dir));
    };
    let mut c = adhere();
    base(&mut c, "a");
    let o = c.output().unwrap();
    let (_, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("warning: could not fetch users (the status changes are stored)"), "{stderr}");
    assert!(stderr.contains("403 Forbidden"), "{stderr}");
    assert!(stderr.contains("fetched 1 window"), "{stderr}");
    assert_eq!(mock.config_log().len(), 3);

    let mut c = adhere();
    base(&mut c, "b");
    let o = c.args(["--with", "users"]).output().unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("LivePerson refused the request (403 Forbidden)") && stderr.contains("users.read"), "{stderr}");

    mock.clear_log();
    let mut c = adhere();
    base(&mut c, "c");
    let o = c.args(["--with", "none"]).output().unwrap();
    assert!(o.status.success());
    assert!(mock.config_log().is_empty() && mock.conversations_log().is_empty());

    let mut c = adhere();
    base(&mut c, "d");
    let o = c.args(["--with", "users,skills"]).output().unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"skills\""), "{stderr}");
}

#[test]
fn enrichment_files_work_like_a_store_and_bad_ones_say_what_they_should_be() {
    let (users, groups, reasons) = directory(3);
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("enrichment");
    std::fs::create_dir_all(e.join("conversations")).unwrap();
    std::fs::write(e.join("users.json"), json!(users).to_string()).unwrap();
    std::fs::write(e.join("agent-groups.json"), json!(groups).to_string()).unwrap();
    std::fs::write(e.join("status-reasons.json"), json!(reasons).to_string()).unwrap();
    let d0 = 19_786; // 2024-03-04
    let page = json!({"_metadata": {"count": 11}, "conversationHistoryRecords": closed_conversations(d0)});
    std::fs::write(e.join("conversations/p1.json"), page.to_string()).unwrap();
    let pages = dir.path().join("activity.json");
    let mut records = dataset(3, d0, d0);
    records.extend(bot_records(d0));
    std::fs::write(&pages, json!({"timeframe": {"startTimeL": d0 * DAY, "endTimeL": (d0 + 1) * DAY}, "stateChanges": records}).to_string())
        .unwrap();
    let o = adhere()
        .args(["states", "--view", "productivity", "--format", "json", "--activity"])
        .arg(&pages)
        .arg("--enrichment")
        .arg(&e)
        .output()
        .unwrap();
    let rows = json_rows(&o);
    let counts: Vec<(String, u64)> =
        rows.iter().map(|r| (r["name"].as_str().unwrap().to_string(), r["closed_conversations"].as_u64().unwrap())).collect();
    assert_eq!(
        counts,
        [("Full Name 0".to_string(), 3), ("Full Name 1".to_string(), 3), ("Full Name 2".to_string(), 3), ("Night Owl".to_string(), 0)]
    );

    std::fs::write(dir.path().join("bad.json"), r#"{"stateChanges": []}"#).unwrap();
    let o = adhere().args(["states", "--activity"]).arg(&pages).arg("--enrichment").arg(dir.path().join("bad.json")).output().unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad.json") && stderr.contains("not an answer of the Users, Agent Groups"), "{stderr}");
}

#[test]
fn documents_show_the_users_api_name_beside_the_schedule_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let run = |format: &str, enriched: bool| {
        let mut cmd = adhere();
        cmd.args(["report", "--format", format, "--activity"])
            .arg(root.join("sample/activity"))
            .arg("--schedule")
            .arg(root.join("sample/schedule.csv"))
            .arg("--rules")
            .arg(root.join("sample/rules.toml"));
        if enriched {
            cmd.arg("--enrichment").arg(root.join("sample-enrichment"));
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    // users.json names E10001 "Ana Silva". The Markdown lists only the agents furthest below
    // target: each of them carries its name.
    let users: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(root.join("sample-enrichment/users.json")).unwrap()).unwrap();
    let md = run("markdown", true);
    let named = users.iter().filter_map(|u| u["fullName"].as_str()).filter(|n| md.contains(&format!(" ({n}) |"))).count();
    assert!(named >= 5, "{md}");
    let html = run("html", true);
    assert!(html.contains("E10001</a> <span class=\"muted\">Ana Silva</span>"));
    // Without users, the key alone.
    assert!(!run("markdown", false).contains("Ana Silva"));
}
