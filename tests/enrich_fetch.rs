//! Fetching enrichment as a library against the mock LivePerson (`fetch_mock`): users,
//! agent groups and status reasons as snapshots (deleted entities, a bot, merged by id,
//! not fetched again while fresh), closed conversations by close-time window (paged by
//! offset, transfers counted for the latest agent, resumable), every call through the same
//! auth, retries and host resolution as status changes.

mod fetch_mock;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use adhere::enrich::Enrichment;
use adhere::liveperson::auth::{AuthMode, Credentials};
use adhere::liveperson::client::{Client, ClientOptions, Event, RetryPolicy, Sleeper};
use adhere::liveperson::domain::EndpointSource;
use adhere::liveperson::enrich::{self, ConversationsRequest, Extra};
use adhere::liveperson::store::{self, Store};
use adhere::liveperson::{self, FetchRequest};
use fetch_mock::*;
use serde_json::{json, Value};

const DAY: i64 = 86_400_000;
const MIN: i64 = 60_000;

struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Sleeper for Recorder {
    fn sleep(&self, d: Duration) {
        self.0.lock().unwrap().push(d);
    }
}

fn credentials(mode: AuthMode) -> Credentials {
    Credentials::from_env(Some(mode), |k| {
        Some(
            match k {
                "LP_APP_KEY" => APP_KEY,
                "LP_APP_SECRET" => APP_SECRET,
                "LP_ACCESS_TOKEN" => ACCESS_TOKEN,
                "LP_ACCESS_TOKEN_SECRET" => ACCESS_TOKEN_SECRET,
                "LP_CLIENT_ID" => CLIENT_ID,
                "LP_CLIENT_SECRET" => CLIENT_SECRET,
                _ => return None,
            }
            .to_string(),
        )
    })
    .unwrap()
}

struct Harness {
    client: Client,
    waits: Arc<Mutex<Vec<Duration>>>,
    events: Arc<Mutex<Vec<String>>>,
}

fn harness(mock: &Mock, mode: AuthMode, lookup: bool) -> Harness {
    let url = url::Url::parse(&mock.url).unwrap();
    let waits = Arc::new(Mutex::new(Vec::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let client = Client::new(ClientOptions {
        account: ACCOUNT.to_string(),
        endpoints: if lookup { EndpointSource::Lookup(url) } else { EndpointSource::Fixed(url) },
        credentials: credentials(mode),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        retry: RetryPolicy::standard(1.0),
    })
    .unwrap()
    .with_sleeper(Box::new(Recorder(waits.clone())))
    .with_observer(Box::new(move |e: &Event<'_>| sink.lock().unwrap().push(format!("{e:?}"))));
    Harness { client, waits, events }
}

fn today() -> i64 {
    now_ms().div_euclid(DAY)
}

fn mock_with_directory() -> Mock {
    let (users, groups, reasons) = directory(3);
    Mock::start(Config { users, groups, reasons, ..Config::default() })
}

#[test]
fn snapshots_keep_deleted_entities_and_the_bot_and_ask_for_them() {
    let mock = mock_with_directory();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), ACCOUNT, None).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth1, false);
    let t0 = now_ms();
    let users = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Users, false, &|| t0).unwrap();
    // 3 agents + the deleted midnight agent + the bot; the record without an id skipped.
    assert_eq!((users.fetched, users.rows, users.deleted, users.bots, users.skipped), (true, 5, 1, 1, 1));
    let groups = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Groups, false, &|| t0).unwrap();
    assert_eq!((groups.rows, groups.deleted), (4, 1));
    let reasons = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Reasons, false, &|| t0).unwrap();
    assert_eq!((reasons.rows, reasons.deleted), (2, 1));

    let log = mock.config_log();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|l| l.status == 200 && l.auth_scheme == "OAuth")); // signatures verified
    assert_eq!(log[0].path, format!("/api/account/{ACCOUNT}/configuration/le-users/users"));
    assert_eq!(log[0].param("v"), Some("4.0"));
    assert_eq!(log[0].param("select"), Some(enrich::USER_FIELDS));
    assert_eq!(log[1].path, format!("/api/account/{ACCOUNT}/configuration/le-users/agentGroups"));
    assert_eq!(log[2].path, format!("/api/account/{ACCOUNT}/configuration/le-agents/status-reasons"));
    assert!(log.iter().all(|l| l.param("include_deleted") == Some("true")));

    let e = store::read_enrichment(dir.path()).unwrap();
    assert_eq!(e.users.len(), 5);
    assert_eq!(e.users[&99].deleted, Some(true));
    assert_eq!(e.users[&99].full_name.as_deref(), Some("Night Owl"));
    assert_eq!(e.bots(), [BOT].into_iter().collect());
    assert_eq!(e.users[&agent_id(1)].agent_group_id, Some(2_204_871_310));
    assert_eq!(e.users[&agent_id(1)].fetched_at, Some(t0));
    assert_eq!(e.groups[&2_204_871_310].parent_group_id, Some(100));
    assert_eq!(e.team_of_group(2_204_871_310, adhere::enrich::TeamLevel::Depth(1)).as_deref(), Some("Care"));
    assert_eq!(e.reason_texts()[&COFFEE], "Coffee");
    assert_eq!(e.reason_texts()[&31], "Lunch"); // deleted, still named
    let m = store::read_manifest(dir.path()).unwrap();
    assert_eq!(m.enrichment.users.map(|s| (s.fetched_at, s.rows)), Some((t0, 5)));
    assert!(m.windows.is_empty());
}

#[test]
fn a_fresh_snapshot_is_not_fetched_again_and_a_refetch_merges_by_id() {
    let mock = mock_with_directory();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), ACCOUNT, None).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth1, false);
    let t0 = now_ms();
    enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Users, false, &|| t0).unwrap();
    // 59 minutes later: fresh, nothing asked.
    let again = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Users, false, &|| t0 + 59 * MIN).unwrap();
    assert!(!again.fetched);
    assert_eq!(mock.config_log().len(), 1);
    // Agent 2 leaves the API's list; agent 1 is renamed. An hour later it is fetched again.
    mock.update(|c| {
        c.users.retain(|u| u["id"] != json!(agent_id(2).to_string()));
        c.users[1]["fullName"] = json!("Renamed One");
    });
    let t1 = t0 + 61 * MIN;
    let s = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Users, false, &|| t1).unwrap();
    assert_eq!((s.fetched, s.rows), (true, 4));
    let e = store::read_enrichment(dir.path()).unwrap();
    assert_eq!(e.users.len(), 5, "a user the API no longer lists keeps its last known values");
    assert_eq!((e.users[&agent_id(2)].full_name.as_deref(), e.users[&agent_id(2)].fetched_at), (Some("Full Name 2"), Some(t0)));
    assert_eq!((e.users[&agent_id(1)].full_name.as_deref(), e.users[&agent_id(1)].fetched_at), (Some("Renamed One"), Some(t1)));
    // --refresh fetches even a fresh snapshot.
    let r = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Users, true, &|| t1 + MIN).unwrap();
    assert!(r.fetched);
    assert_eq!(mock.config_log().len(), 3);
}

/// Closed conversations of agents 0 and 1 on day `d0`: 230 closing through the day
/// (even: agent 0, odd: agent 1; every 10th first handled by the other agent, then
/// transferred), plus edge cases.
fn conversations(d0: i64) -> Vec<Value> {
    let (a, b) = (agent_id(0), agent_id(1));
    let mut out = Vec::new();
    for i in 0..230i64 {
        let close = d0 * DAY + 3 * 3_600_000 + i * 5 * MIN + 17;
        let (latest, other) = if i % 2 == 0 { (a, b) } else { (b, a) };
        let before: Vec<i64> = if i % 10 == 0 { vec![other] } else { vec![] };
        out.push(conversation(&format!("c{i:03}"), close - 10 * MIN, Some(close), latest, &before));
    }
    // The same conversation sent twice (as a search can while data changes).
    out.push(out[5].clone());
    // Open conversations: not returned for status CLOSE.
    for i in 0..5 {
        out.push(conversation(&format!("open{i}"), d0 * DAY + 4 * 3_600_000, None, a, &[]));
    }
    // Closed the next day: another window.
    for i in 0..3 {
        out.push(conversation(&format!("next{i}"), (d0 + 1) * DAY + 3_600_000, Some((d0 + 1) * DAY + 2 * 3_600_000 + i), b, &[]));
    }
    // Started 10 days before, closed on d0 by agent 0: found (the search reaches 31 days back).
    out.push(conversation("long", (d0 - 10) * DAY, Some(d0 * DAY + 20 * 3_600_000), a, &[]));
    // Started 40 days before: beyond the reach, not found (a documented limit).
    out.push(conversation("too-long", (d0 - 40) * DAY, Some(d0 * DAY + 21 * 3_600_000), a, &[]));
    // Closed exactly at the window's end: the API's bounds are inclusive; it belongs to the
    // next window.
    out.push(conversation("at-end", d0 * DAY + 22 * 3_600_000, Some((d0 + 1) * DAY), b, &[]));
    out
}

#[test]
fn closed_conversations_page_by_offset_and_count_for_the_latest_agent() {
    let d0 = today() - 9;
    let mock = Mock::start(Config { conversations: conversations(d0), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), ACCOUNT, None).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth1, false);
    let req = ConversationsRequest { from: d0 * DAY, to: (d0 + 1) * DAY, filter: None, page_size: 100, refresh: false, max_pages: 100 };
    let s = enrich::fetch_conversations(&mut h.client, &mut store, &req, &now_ms).unwrap();

    // The search matches 230 + the repeat + "long" + "at-end" = 233: pages of 100, 100, 33.
    let log = mock.conversations_log();
    assert_eq!(log.len(), 3);
    for (i, l) in log.iter().enumerate() {
        assert_eq!((l.method.as_str(), l.status, l.auth_scheme.as_str()), ("POST", 200, "OAuth"));
        assert_eq!(l.param("offset"), Some(["0", "100", "200"][i]));
        assert_eq!((l.param("limit"), l.param("v")), (Some("100"), Some("2")));
        let body = l.json();
        assert_eq!(body["start"], json!({"from": (d0 - 31) * DAY, "to": (d0 + 1) * DAY}));
        assert_eq!(body["end"], json!({"from": d0 * DAY, "to": (d0 + 1) * DAY}));
        assert_eq!(body["status"], json!(["CLOSE"]));
        assert_eq!(body["contentToRetrieve"], json!(["info", "agentParticipants"]));
    }
    // 230 + "long" kept; "at-end" is outside [d0, d0 + 1); the repeat kept once.
    assert_eq!((s.conversations, s.outside_window, s.pages, s.windows_fetched), (231, 1, 3, 1));

    let e = store::read_enrichment(dir.path()).unwrap();
    assert_eq!(e.conversations.len(), 231);
    assert!(e.conversations.contains_key("long") && !e.conversations.contains_key("too-long"));
    // Transcripts were not asked for, and are not stored.
    let closed = e.closed_by_agent();
    // Agent 0: the 115 even ones and "long"; agent 1: the 115 odd ones. The 23 transferred
    // conversations count once, for the agent who closed them.
    assert_eq!(closed[&agent_id(0)].len(), 116);
    assert_eq!(closed[&agent_id(1)].len(), 115);
    let c10 = &e.conversations["c010"];
    assert_eq!((c10.latest_agent_id, c10.agent_ids.clone()), (Some(agent_id(0)), Some(format!("{},{}", agent_id(1), agent_id(0)))));
    let m = store::read_manifest(dir.path()).unwrap();
    assert_eq!(
        m.enrichment.conversations.iter().map(|w| (w.start, w.end, w.records)).collect::<Vec<_>>(),
        vec![(d0 * DAY, (d0 + 1) * DAY, 231)]
    );

    // Again: the window is final, nothing asked. With refresh: asked again, no duplicates.
    mock.clear_log();
    enrich::fetch_conversations(&mut h.client, &mut store, &req, &now_ms).unwrap();
    assert!(mock.conversations_log().is_empty());
    let refreshed = ConversationsRequest { refresh: true, ..req.clone() };
    enrich::fetch_conversations(&mut h.client, &mut store, &refreshed, &now_ms).unwrap();
    assert_eq!(mock.conversations_log().len(), 3);
    assert_eq!(store::read_enrichment(dir.path()).unwrap().conversations.len(), 231);
    // The next day holds the three "next" ones and "at-end".
    let next = ConversationsRequest { from: (d0 + 1) * DAY, to: (d0 + 2) * DAY, ..req };
    let s = enrich::fetch_conversations(&mut h.client, &mut store, &next, &now_ms).unwrap();
    assert_eq!(s.conversations, 4);
    let e = store::read_enrichment(dir.path()).unwrap();
    assert_eq!(e.conversations.len(), 235);
    assert_eq!(e.conversations["at-end"].latest_agent_id, Some(agent_id(1)));
}

#[test]
fn an_agent_filter_asks_for_that_latest_agent_only() {
    let d0 = today() - 9;
    let mock = Mock::start(Config { conversations: conversations(d0), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let filter = adhere::liveperson::Filter::AgentId(agent_id(1));
    let mut store = Store::open(dir.path(), ACCOUNT, Some(&filter)).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth2, false);
    let req =
        ConversationsRequest { from: d0 * DAY, to: (d0 + 1) * DAY, filter: Some(filter), page_size: 100, refresh: false, max_pages: 100 };
    let s = enrich::fetch_conversations(&mut h.client, &mut store, &req, &now_ms).unwrap();
    // Agent 1 closed the 115 odd ones (and "at-end", outside the window).
    assert_eq!((s.conversations, s.outside_window, s.pages), (115, 1, 2));
    assert!(mock.conversations_log().iter().all(|l| l.json()["latestAgentIds"] == json!([agent_id(1)]) && l.auth_scheme == "Bearer"));
}

#[test]
fn every_service_is_looked_up_once_and_called_with_the_same_token() {
    let d0 = today() - 9;
    let (users, groups, reasons) = directory(3);
    let mock =
        Mock::start(Config { records: dataset(3, d0, d0), users, groups, reasons, conversations: conversations(d0), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), ACCOUNT, None).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth2, true);
    let req = FetchRequest {
        from: d0 * DAY,
        to: (d0 + 1) * DAY,
        filter: None,
        page_size: 1000,
        source: "adhere".into(),
        refresh: false,
        max_pages: 10,
    };
    liveperson::fetch(&mut h.client, &mut store, &req, &now_ms).unwrap();
    for what in Extra::DEFAULT {
        enrich::fetch_snapshot(&mut h.client, &mut store, what, false, &now_ms).unwrap();
    }
    let creq = ConversationsRequest { from: d0 * DAY, to: (d0 + 1) * DAY, filter: None, page_size: 100, refresh: false, max_pages: 100 };
    enrich::fetch_conversations(&mut h.client, &mut store, &creq, &now_ms).unwrap();
    let log = mock.log();
    let lookups: Vec<String> =
        log.iter().filter(|l| l.path.ends_with("baseURI.json")).map(|l| l.path.split('/').nth(5).unwrap().to_string()).collect();
    assert_eq!(lookups, ["agentActivityDomain", "sentinel", "accountConfigReadOnly", "msgHist"]);
    assert_eq!(mock.tokens_issued(), 1);
    let api: Vec<&Logged> = log.iter().filter(|l| l.is_data() || l.is_config() || l.is_conversations()).collect();
    assert_eq!(api.len(), 1 + 3 + 3);
    assert!(api.iter().all(|l| l.auth_scheme == "Bearer" && l.status == 200));
    let e = Enrichment::load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!((e.users.len(), e.groups.len(), e.reasons.len(), e.conversations.len()), (5, 4, 2, 231));
    let ev = h.events.lock().unwrap().join("\n");
    assert!(ev.contains("stored 5 users") && ev.contains("231 closed"), "{ev}");
}

#[test]
fn configuration_failures_are_retried_like_status_changes_and_name_the_permission() {
    let mock = Mock::start(Config { config_status: Some(503), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), ACCOUNT, None).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth1, false);
    let e = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Users, false, &now_ms).unwrap_err().to_string();
    // The documented policy: 5, 10, 15 s, then 2, 4, 8 min (recorded, not slept).
    let secs: Vec<u64> = h.waits.lock().unwrap().iter().map(|d| d.as_secs()).collect();
    assert_eq!(secs, [5, 10, 15, 120, 240, 480]);
    assert!(e.contains("giving up") && e.contains("503"), "{e}");
    assert_eq!(mock.config_log().len(), 7);
    assert!(store::read_manifest(dir.path()).unwrap().enrichment.users.is_none());

    let mock = Mock::start(Config { config_status: Some(403), conversations_status: Some(403), ..Config::default() });
    let mut h = harness(&mock, AuthMode::OAuth1, false);
    let e = enrich::fetch_snapshot(&mut h.client, &mut store, Extra::Reasons, false, &now_ms).unwrap_err().to_string();
    assert!(e.contains("403") && e.contains("account configuration") && e.contains("status-reasons"), "{e}");
    assert!(!e.contains("Agent Activity"), "{e}");
    let d0 = today() - 3;
    let req = ConversationsRequest { from: d0 * DAY, to: (d0 + 1) * DAY, filter: None, page_size: 100, refresh: false, max_pages: 100 };
    let e = enrich::fetch_conversations(&mut h.client, &mut store, &req, &now_ms).unwrap_err().to_string();
    assert!(e.contains("403") && e.contains("Messaging Interactions"), "{e}");
    assert_eq!(mock.config_log().len() + mock.conversations_log().len(), 2, "a 403 is not retried");
}

#[test]
fn a_smaller_page_maximum_named_by_the_api_is_used() {
    let d0 = today() - 9;
    let mock = Mock::start(Config { conversations: conversations(d0), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), ACCOUNT, None).unwrap();
    let mut h = harness(&mock, AuthMode::OAuth1, false);
    // Asking for 150 (more than the documented 100): the 400 names 100, and it goes on.
    let req = ConversationsRequest { from: d0 * DAY, to: (d0 + 1) * DAY, filter: None, page_size: 150, refresh: false, max_pages: 100 };
    let s = enrich::fetch_conversations(&mut h.client, &mut store, &req, &now_ms).unwrap();
    assert_eq!((s.page_size, s.conversations), (100, 231));
    let statuses: Vec<u16> = mock.conversations_log().iter().map(|l| l.status).collect();
    assert_eq!(statuses, [400, 200, 200, 200]);
}
