//! What enrichment changes in the engine, rule by rule, on small hand-made inputs: reason
//! texts by id (empty or renamed texts), one token per text in time in state, schedule
//! matching through the Users API, bots left out, and the productivity view's arithmetic.

mod common;

use std::collections::HashMap;

use adhere::activity::ReasonNames;
use adhere::adherence::{self, Options, ViewName};
use adhere::enrich::{load_activity, AgentGroup, Conversation, EnrichOptions, Enrichment, StatusReason, User};
use adhere::rules::Rules;
use adhere::schedule::matching::MatchOn;
use adhere::schedule::{self, ReadOptions};
use adhere::time::parse_rfc3339;
use common::{close, num, view, Files};
use serde_json::{json, Value};

/// A status change: (agentId, time, type, subtype, reason id, reason text).
type Rec<'a> = (i64, &'a str, i64, i64, i64, Option<&'a str>);

/// A v2 page covering 2024-03-04 (UTC) with `recs` (sequence numbers in order per agent).
fn page(recs: &[Rec]) -> String {
    let mut seq: HashMap<i64, i64> = HashMap::new();
    let records: Vec<Value> = recs
        .iter()
        .map(|&(agent, time, ty, sub, reason_id, text)| {
            let s = seq.entry(agent).or_insert(0);
            *s += 1;
            json!({"agentId": agent, "employeeId": "", "agentLoginName": format!("login{agent}"), "agentUserName": format!("User {agent}"),
                   "agentGroupId": -1, "time": time, "sessionId": 1, "sequenceNumber": *s, "statusType": ty, "statusSubType": sub,
                   "statusReasonId": reason_id, "statusReasonText": text})
        })
        .collect();
    json!({"timeframe": {"startTime": "2024-03-04T00:00:00Z", "endTime": "2024-03-05T00:00:00Z"}, "stateChanges": records}).to_string()
}

fn reasons(list: &[(i64, &str)]) -> Enrichment {
    let mut e = Enrichment::default();
    e.add_reasons(list.iter().map(|&(id, text)| StatusReason { id, text: Some(text.to_string()), ..Default::default() }));
    e
}

/// The states view of `page_text` with `enrichment`, as (state, seconds, entries).
fn states(page_text: &str, enrichment: &Enrichment, reason_names: ReasonNames) -> Vec<(String, f64, u64)> {
    let f = Files::new();
    let p = f.write("p.json", page_text);
    let opts = EnrichOptions { reason_names, ..Default::default() };
    let activity = load_activity(&[p], None, enrichment, &opts).unwrap();
    let df = adherence::states_only(&activity, &adhere::time::Zone::utc(), (None, None)).unwrap();
    let r = adherence::Report {
        shifts: Default::default(),
        agents: Default::default(),
        teams: Default::default(),
        intervals: Default::default(),
        exceptions: Default::default(),
        states: df,
        productivity: Default::default(),
        overall: Default::default(),
        team_adjusted_pct: vec![],
        period: None,
        warnings: vec![],
        names: Default::default(),
        shift_figures: Default::default(),
    };
    view(&r, ViewName::States)
        .iter()
        .map(|s| (s["state"].as_str().unwrap().to_string(), num(&s["seconds"]), s["entries"].as_u64().unwrap()))
        .collect()
}

// Agent 1, 08:00–12:00: online, then away with reason 7 whose text is empty (10 min),
// online, away "Lunch" recorded with reason 8 (now configured as "Meal") (30 min),
// online, away with reason 9 that nobody configured and no text (5 min), online, logout.
const DAY_PAGE: &[Rec] = &[
    (1, "2024-03-04T08:00:00Z", 3, 0, -1, None),
    (1, "2024-03-04T08:00:00Z", 1, 2, -1, None),
    (1, "2024-03-04T09:00:00Z", 1, 4, 7, Some("")),
    (1, "2024-03-04T09:10:00Z", 1, 2, -1, None),
    (1, "2024-03-04T10:00:00Z", 1, 4, 8, Some("Lunch")),
    (1, "2024-03-04T10:30:00Z", 1, 2, -1, None),
    (1, "2024-03-04T11:00:00Z", 1, 4, 9, None),
    (1, "2024-03-04T11:05:00Z", 1, 2, 0, Some("")),
    (1, "2024-03-04T12:00:00Z", 4, 0, -1, None),
];

#[test]
fn without_reasons_loaded_reasons_are_as_recorded() {
    let s = states(&page(DAY_PAGE), &Enrichment::default(), ReasonNames::Recorded);
    // away without text: 10 min + 5 min; Lunch 30 min; online 60 + 50 + 30 + 55 min.
    assert_eq!(s, [("away".into(), 900.0, 2), ("away:Lunch".into(), 1800.0, 1), ("online".into(), 11700.0, 4)]);
}

#[test]
fn a_reason_without_text_is_named_by_its_id_and_renamed_ones_as_chosen() {
    let e = reasons(&[(7, "Coffee"), (8, "Meal")]);
    // Recorded (default): the record's text wins ("Lunch"); the empty one takes "Coffee";
    // reason 9 is unknown: plain away.
    let s = states(&page(DAY_PAGE), &e, ReasonNames::Recorded);
    assert_eq!(
        s,
        [("away".into(), 300.0, 1), ("away:Coffee".into(), 600.0, 1), ("away:Lunch".into(), 1800.0, 1), ("online".into(), 11700.0, 4)]
    );
    // Configured: today's name of reason 8.
    let s = states(&page(DAY_PAGE), &e, ReasonNames::Configured);
    assert_eq!(
        s,
        [("away".into(), 300.0, 1), ("away:Coffee".into(), 600.0, 1), ("away:Meal".into(), 1800.0, 1), ("online".into(), 11700.0, 4)]
    );
}

#[test]
fn two_reasons_sharing_a_text_are_one_token_and_one_entry() {
    // Away "Lunch" (reason 8), then straight to away "Lunch" (reason 18, a namesake created
    // after a rename): one run of away:Lunch, 20 + 10 min.
    let p = page(&[
        (1, "2024-03-04T08:00:00Z", 3, 0, -1, None),
        (1, "2024-03-04T08:00:00Z", 1, 2, -1, None),
        (1, "2024-03-04T09:00:00Z", 1, 4, 8, Some("Lunch")),
        (1, "2024-03-04T09:20:00Z", 1, 4, 18, Some("Lunch")),
        (1, "2024-03-04T09:30:00Z", 4, 0, -1, None),
    ]);
    let s = states(&p, &Enrichment::default(), ReasonNames::Recorded);
    assert_eq!(s, [("away:Lunch".into(), 1800.0, 1), ("online".into(), 3600.0, 1)]);
}

#[test]
fn rules_name_reasons_by_id_whatever_the_text() {
    // A 15-minute Break over the 10-minute away with reason 7 (no text in the record).
    let f = Files::new();
    let p = f.write("p.json", &page(DAY_PAGE));
    let sched = f.write("s.csv", "agent,activity,start,end\nlogin1,Break,2024-03-04T09:00:00Z,2024-03-04T09:15:00Z\n");
    let rows = schedule::read_files(&[sched], None, &ReadOptions::default()).unwrap();
    let in_adherence = |allowed: &str, e: &Enrichment| {
        let rules = Rules::from_toml(&format!("[[activity]]\nnames = [\"Break\"]\nallowed = [\"{allowed}\"]\n"), "r.toml").unwrap();
        let activity = load_activity(std::slice::from_ref(&p), None, e, &EnrichOptions::default()).unwrap();
        let r = adherence::compute(&activity, &rows.rows, &rules, &Options::default()).unwrap();
        num(&view(&r, ViewName::Shifts)[0]["in_adherence_seconds"])
    };
    let e = reasons(&[(7, "Coffee")]);
    // Away with reason 7 for 600 s of the 900 s break.
    assert_eq!(in_adherence("away:#7", &e), 600.0);
    assert_eq!(in_adherence("away:coffee", &e), 600.0);
    assert_eq!(in_adherence("away:#8", &e), 0.0);
    // Without the configuration the record has no text (reports say plain `away`), but
    // its id still names it for rules.
    assert_eq!(in_adherence("away:#7", &Enrichment::default()), 600.0);
    assert_eq!(in_adherence("away:#9", &Enrichment::default()), 0.0);
    assert_eq!(in_adherence("away:coffee", &Enrichment::default()), 0.0);
    assert_eq!(in_adherence("away", &Enrichment::default()), 600.0);
}

fn user(id: i64, full: &str, employee: &str, login: &str) -> User {
    User {
        id,
        full_name: Some(full.to_string()),
        employee_id: Some(employee.to_string()),
        login_name: Some(login.to_string()),
        user_type_id: Some(1),
        ..Default::default()
    }
}

/// Matches schedule keys against agents 1, 2, 3 (logins login1…, user names "User n").
fn matched(keys: &[&str], e: &Enrichment, how: MatchOn) -> Vec<Option<i64>> {
    let f = Files::new();
    let recs: Vec<Rec> = [1, 2, 3]
        .iter()
        .flat_map(|&a| [(a, "2024-03-04T08:00:00Z", 3, 0, -1, None), (a, "2024-03-04T09:00:00Z", 4, 0, -1, None)])
        .collect();
    let p = f.write("p.json", &page(&recs));
    let activity = load_activity(&[p], None, e, &EnrichOptions::default()).unwrap();
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let m = adhere::schedule::matching::match_agents(&keys, &activity, how);
    m.agent.iter().map(|i| i.map(|i| activity.agents[i].agent_id)).collect()
}

#[test]
fn auto_matching_falls_back_to_the_users_api_after_the_three_rules() {
    let mut e = Enrichment::default();
    // Agent 2's user has login "login1" ignoring case? No: its employee id is "login3", a
    // trap: rule 2 (records' login) finds agent 3 first.
    e.add_users([user(1, "Ana Silva", "E1", "ana@x"), user(2, "Ben  Smith", "login3", "ben@x"), user(3, "Carla Okafor", "E3", "carla@x")]);
    let keys = ["E1", "login3", "BEN@X", "ben smith", " carla   okafor ", "Dmitri", "3"];
    assert_eq!(matched(&keys, &e, MatchOn::Auto), [Some(1), Some(3), Some(2), Some(2), Some(3), None, Some(3)]);
    // Without users, only the three rules: "E1", "BEN@X" and the names match nothing.
    assert_eq!(matched(&keys, &Enrichment::default(), MatchOn::Auto), [None, Some(3), None, None, None, None, Some(3)]);
    // --match-on name: full names (else the records' agentUserName).
    assert_eq!(matched(&["ana silva", "User 3", "E1"], &e, MatchOn::Name), [Some(1), None, None]);
    assert_eq!(matched(&["user 3"], &Enrichment::default(), MatchOn::Name), [Some(3)]);
    // --match-on employee-id uses the records' and the users' ids.
    assert_eq!(matched(&["E3", "login3"], &e, MatchOn::EmployeeId), [Some(3), Some(2)]);
}

#[test]
fn bots_and_api_users_are_left_out_unless_kept() {
    let mut e = Enrichment::default();
    e.add_users([
        User { id: 2, user_type_id: Some(2), ..Default::default() },
        User { id: 3, is_api_user: Some(true), ..Default::default() },
    ]);
    let f = Files::new();
    let recs: Vec<Rec> = [1, 2, 3]
        .iter()
        .flat_map(|&a| [(a, "2024-03-04T08:00:00Z", 3, 0, -1, None), (a, "2024-03-04T09:00:00Z", 4, 0, -1, None)])
        .collect();
    let p = f.write("p.json", &page(&recs));
    let kept = |include_bots| {
        let a = load_activity(std::slice::from_ref(&p), None, &e, &EnrichOptions { include_bots, ..Default::default() }).unwrap();
        (a.agents.iter().map(|x| x.agent_id).collect::<Vec<_>>(), a.warnings.join("\n"))
    };
    let (ids, warnings) = kept(false);
    assert_eq!(ids, [1]);
    assert!(warnings.contains("2 bot or API user agents left out (4 records; agentId 2, 3)"), "{warnings}");
    assert_eq!(kept(true).0, [1, 2, 3]);
}

#[test]
fn productivity_sums_the_days_shifts_then_divides_and_counts_conversations_per_online_hour() {
    // Agent 1 on 2024-03-04 (UTC): online 08:00–09:00 and 12:00–12:10, logged out between.
    // Two shifts that day (the 3-hour gap splits them): Open 08:00–09:00 (in 3600 s) and
    // Open 12:00–12:30 (in 600 s, out 1200 s: logged out from 12:10).
    // Day adherence = (3600 + 600) / (3600 + 600 + 1200) = 77.77…%, not the mean of
    // 100% and 33.3%. Conversations: 2 closed by agent 1 (one first handled by agent 2),
    // 1 closed by agent 2 (which has no activity); online 4200 s → 2 / (4200/3600) = 1.714…
    let f = Files::new();
    let p = f.write(
        "p.json",
        &page(&[
            (1, "2024-03-04T08:00:00Z", 3, 0, -1, None),
            (1, "2024-03-04T08:00:00Z", 1, 2, -1, None),
            (1, "2024-03-04T09:00:00Z", 4, 0, -1, None),
            (1, "2024-03-04T12:00:00Z", 3, 0, -1, None),
            (1, "2024-03-04T12:00:00Z", 1, 2, -1, None),
            (1, "2024-03-04T12:10:00Z", 4, 0, -1, None),
        ]),
    );
    let sched = f.write(
        "s.csv",
        "agent,activity,start,end\nlogin1,Open,2024-03-04T08:00:00Z,2024-03-04T09:00:00Z\nlogin1,Open,2024-03-04T12:00:00Z,2024-03-04T12:30:00Z\n",
    );
    let mut e = Enrichment::default();
    e.add_users([user(1, "Ana Silva", "E1", "login1")]);
    e.add_groups([AgentGroup { id: -1, name: Some("Main Group".into()), ..Default::default() }]);
    let conv = |id: &str, end: &str, latest: i64| Conversation {
        conversation_id: id.into(),
        end: parse_rfc3339(end),
        status: Some("CLOSE".into()),
        latest_agent_id: Some(latest),
        ..Default::default()
    };
    e.add_conversations([conv("a", "2024-03-04T08:30:00Z", 1), conv("b", "2024-03-04T12:05:00Z", 1), conv("c", "2024-03-04T12:06:00Z", 2)]);
    let activity = load_activity(&[p], None, &e, &EnrichOptions::default()).unwrap();
    let rows = schedule::read_files(&[sched], None, &ReadOptions::default()).unwrap();
    let opts = Options { closed_conversations: Some(e.closed_by_agent()), ..Default::default() };
    let r = adherence::compute(&activity, &rows.rows, &Rules::default(), &opts).unwrap();
    let p = view(&r, ViewName::Productivity);
    assert_eq!(p.len(), 1);
    let d = &p[0];
    assert_eq!((d["agent"].as_str(), d["name"].as_str(), d["team"].as_str()), (Some("login1"), Some("Ana Silva"), Some("Main Group")));
    assert_eq!((num(&d["logged_in_seconds"]), num(&d["online_seconds"])), (4200.0, 4200.0));
    assert_eq!(d["shifts"], json!(2));
    assert_eq!(
        (num(&d["scheduled_seconds"]), num(&d["in_adherence_seconds"]), num(&d["out_of_adherence_seconds"])),
        (5400.0, 4200.0, 1200.0)
    );
    assert!(close(num(&d["adherence_pct"]), 100.0 * 4200.0 / 5400.0));
    assert_eq!(d["closed_conversations"], json!(2));
    assert!(close(num(&d["conversations_per_online_hour"]), 2.0 * 3600.0 / 4200.0));
    // Without conversations loaded the counts are unknown, not zero.
    let r = adherence::compute(&activity, &rows.rows, &Rules::default(), &Options::default()).unwrap();
    let d = &view(&r, ViewName::Productivity)[0];
    assert!(d["closed_conversations"].is_null() && d["conversations_per_online_hour"].is_null());
}
