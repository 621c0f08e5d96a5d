//! `adhere fetch` as a library, against the mock LivePerson in `fetch_mock`: paging,
//! auth, retries (waits recorded, not slept), the store and its coverage.

mod fetch_mock;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adhere::activity::{Activity, LoadOptions};
use adhere::liveperson::auth::{AuthMode, Credentials};
use adhere::liveperson::client::{Client, ClientOptions, Event, RetryPolicy, Sleeper};
use adhere::liveperson::domain::EndpointSource;
use adhere::liveperson::model::StatusChange;
use adhere::liveperson::store::{self, Store};
use adhere::liveperson::{self, FetchRequest, FetchSummary, Filter};
use fetch_mock::*;
use serde_json::{json, Value};

const DAY: i64 = 86_400_000;

struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Sleeper for Recorder {
    fn sleep(&self, d: Duration) {
        self.0.lock().unwrap().push(d);
    }
}

fn env(mode: AuthMode, bad_secret: bool) -> Credentials {
    Credentials::from_env(Some(mode), |k| {
        Some(
            match k {
                "LP_APP_KEY" => APP_KEY,
                "LP_APP_SECRET" if bad_secret => "not-the-secret-at-all",
                "LP_APP_SECRET" => APP_SECRET,
                "LP_ACCESS_TOKEN" => ACCESS_TOKEN,
                "LP_ACCESS_TOKEN_SECRET" => ACCESS_TOKEN_SECRET,
                "LP_CLIENT_ID" => CLIENT_ID,
                "LP_CLIENT_SECRET" if bad_secret => "not-the-secret-at-all",
                "LP_CLIENT_SECRET" => CLIENT_SECRET,
                _ => return None,
            }
            .to_string(),
        )
    })
    .unwrap()
}

/// A client of the mock whose waits are recorded instead of slept, and whose events are
/// kept as text.
struct Harness {
    client: Client,
    waits: Arc<Mutex<Vec<Duration>>>,
    events: Arc<Mutex<Vec<String>>>,
}

fn harness(mock: &Mock, credentials: Credentials, lookup: bool, timeout: Duration) -> Harness {
    let url = url::Url::parse(&mock.url).unwrap();
    let waits = Arc::new(Mutex::new(Vec::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let client = Client::new(ClientOptions {
        account: ACCOUNT.to_string(),
        endpoints: if lookup { EndpointSource::Lookup(url) } else { EndpointSource::Fixed(url) },
        credentials,
        timeout,
        connect_timeout: Duration::from_secs(5),
        retry: RetryPolicy::standard(1.0),
    })
    .unwrap()
    .with_sleeper(Box::new(Recorder(waits.clone())))
    .with_observer(Box::new(move |e: &Event<'_>| sink.lock().unwrap().push(format!("{e:?}"))));
    Harness { client, waits, events }
}

fn oauth1(mock: &Mock) -> Harness {
    harness(mock, env(AuthMode::OAuth1, false), false, Duration::from_secs(5))
}

fn today() -> i64 {
    now_ms().div_euclid(DAY)
}

fn request(from: i64, to: i64, page_size: u32) -> FetchRequest {
    FetchRequest { from, to, filter: None, page_size, source: "adhere".to_string(), refresh: false, max_pages: 1000 }
}

fn run(h: &mut Harness, dir: &Path, req: &FetchRequest) -> adhere::Result<FetchSummary> {
    let mut store = Store::open(dir, ACCOUNT, req.filter.as_ref())?;
    liveperson::fetch(&mut h.client, &mut store, req, &now_ms)
}

/// The records of `data` in `[from, to)`, as the store should hold them (sorted).
fn expected(data: &[Value], from: i64, to: i64) -> Vec<StatusChange> {
    let mut v: Vec<StatusChange> = data
        .iter()
        .filter(|r| {
            let t = adhere::time::parse_rfc3339(r["time"].as_str().unwrap()).unwrap();
            t >= from && t < to
        })
        .map(|r| StatusChange::from_json(r.as_object().unwrap().clone()))
        .collect();
    v.sort_by_key(|r| r.dedupe_key());
    v
}

fn stored(dir: &Path) -> Vec<StatusChange> {
    let mut v = store::read_records(dir).unwrap();
    v.sort_by_key(|r| r.dedupe_key());
    v
}

fn waits(h: &Harness) -> Vec<Duration> {
    h.waits.lock().unwrap().clone()
}

fn secs(s: &[u64]) -> Vec<Duration> {
    s.iter().map(|&s| Duration::from_secs(s)).collect()
}

/// Three final days, 7 agents: 7 × 6 + 1 (the midnight record) = 43 records a day.
fn three_days() -> (Vec<Value>, i64, i64) {
    let d0 = today() - 10;
    (dataset(7, d0, d0 + 2), d0 * DAY, (d0 + 3) * DAY)
}

#[test]
fn oauth1_pages_through_unsorted_records_into_the_store() {
    let (data, from, to) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let s = run(&mut h, dir.path(), &request(from, to, 10)).unwrap();

    // 43 records a day at 10 a page: offsets 0, 10, 20, 30, 40 (the last page holds 3).
    let log = mock.data_log();
    assert_eq!(log.len(), 15);
    for (i, l) in log.iter().enumerate() {
        assert_eq!(l.status, 200);
        assert_eq!(l.auth_scheme, "OAuth"); // and the mock verified the signature
        assert_eq!(l.param("v"), Some("2"));
        assert_eq!(l.param("source"), Some("adhere"));
        assert_eq!(l.param("limit"), Some("10"));
        assert_eq!(l.param("offset"), Some(["0", "10", "20", "30", "40"][i % 5]));
        let day = from + (i / 5) as i64 * DAY;
        // Each window asks from 1 s before its midnight (see the next two tests).
        assert_eq!(l.param("from").unwrap(), adhere::time::fmt_instant(day - 1000));
        assert_eq!(l.param("to").unwrap(), adhere::time::fmt_instant(day + DAY));
        assert!(l.param("from").unwrap().ends_with("T23:59:59Z"));
    }
    // Only status-changes on the mock itself: no domain lookup with --base-url, and the
    // `_metadata` hrefs (another host, http, no v) were never followed.
    assert!(mock.log().iter().all(|l| l.is_data()));
    assert_eq!(
        s,
        FetchSummary {
            windows_in_range: 3,
            windows_skipped: 0,
            windows_fetched: 3,
            earlier_provisional: 0,
            windows_provisional: 0,
            pages: 15,
            records: 129,
            outside_window: 0,
            incomplete: 0,
            page_size: 10,
        }
    );
    assert_eq!(stored(dir.path()), expected(&data, from, to));
    // One file per UTC day, a manifest of three final windows.
    let files: Vec<String> = std::fs::read_dir(dir.path().join("records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0], format!("{}.parquet", adhere::time::fmt_day(from / DAY)));
    let m = store::read_manifest(dir.path()).unwrap();
    assert_eq!(
        m.windows.iter().map(|w| (w.start, w.end, w.records)).collect::<Vec<_>>(),
        vec![(from, from + DAY, 43), (from + DAY, from + 2 * DAY, 43), (from + 2 * DAY, to, 43)]
    );
    assert!(m.windows.iter().all(|w| w.is_final()));
}

#[test]
fn a_full_last_page_costs_one_more_request_and_nothing_more() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    // 43 records at 43 a page: a full page, then an empty one.
    run(&mut h, dir.path(), &request(from, from + DAY, 43)).unwrap();
    let offsets: Vec<_> = mock.data_log().iter().map(|l| l.param("offset").unwrap().to_string()).collect();
    assert_eq!(offsets, ["0", "43"]);
    assert_eq!(stored(dir.path()).len(), 43);
}

#[test]
fn domain_lookup_happens_once_per_run_and_an_http_domain_api_keeps_hosts_on_http() {
    let (data, from, to) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth2, false), true, Duration::from_secs(5));
    run(&mut h, dir.path(), &request(from, to, 1000)).unwrap();
    let log = mock.log();
    let lookups: Vec<&str> = log.iter().filter(|l| l.path.ends_with("baseURI.json")).map(|l| l.path.as_str()).collect();
    assert_eq!(
        lookups,
        [
            format!("/api/account/{ACCOUNT}/service/agentActivityDomain/baseURI.json"),
            format!("/api/account/{ACCOUNT}/service/sentinel/baseURI.json")
        ]
    );
    assert!(log.iter().filter(|l| l.path.ends_with("baseURI.json")).all(|l| l.auth_scheme.is_empty()));
    // The mock names itself (127.0.0.1:port) as both hosts; plain http because the Domain
    // API was http. One token for the whole run, sent as a bearer.
    assert_eq!(mock.tokens_issued(), 1);
    let data_log = mock.data_log();
    assert_eq!(data_log.len(), 3);
    assert!(data_log.iter().all(|l| l.auth_scheme == "Bearer" && l.status == 200));
    let token = log.iter().find(|l| l.path.ends_with("/app/token")).unwrap();
    assert_eq!(token.method, "POST");
    assert!(token.body.contains("grant_type=client_credentials"));
    assert_eq!(stored(dir.path()), expected(&data, from, to));
}

#[test]
fn the_page_size_drops_to_the_maximum_a_400_names() {
    let (data, from, to) = three_days();
    let mock = Mock::start(Config { records: data.clone(), max_limit: 20, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let s = run(&mut h, dir.path(), &request(from, to, 1000)).unwrap();
    let limits: Vec<(String, u16)> = mock.data_log().iter().map(|l| (l.param("limit").unwrap().to_string(), l.status)).collect();
    // 1000 refused once; then 20 a page for the rest of the run: 43 → 20, 20, 3 per day.
    let mut want = vec![("1000".to_string(), 400)];
    want.extend(std::iter::repeat_n(("20".to_string(), 200), 9));
    assert_eq!(limits, want);
    assert_eq!(s.page_size, 20);
    assert!(waits(&h).is_empty(), "a 400 is not waited on");
    assert_eq!(h.events.lock().unwrap().iter().filter(|e| e.starts_with("PageSize")).count(), 1);
    assert_eq!(stored(dir.path()), expected(&data, from, to));
}

#[test]
fn failures_are_retried_after_5_10_15_seconds_resigned_each_time() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config {
        records: data.clone(),
        faults: vec![Fault::internal("ic-500-a"), Fault::status(503, json!({})), Fault::TruncatedJson],
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap();
    assert_eq!(waits(&h), secs(&[5, 10, 15]));
    let log = mock.data_log();
    assert_eq!(log.iter().map(|l| l.status).collect::<Vec<_>>(), [500, 503, 200, 200]);
    // The mock refuses a reused nonce, so four accepted signatures mean four signings.
    let retries: Vec<String> = h.events.lock().unwrap().iter().filter(|e| e.starts_with("Retry")).cloned().collect();
    assert_eq!(retries.len(), 3);
    assert!(retries[0].contains("internalCode ic-500-a"), "{}", retries[0]);
    assert!(retries[2].contains("cut off"), "{}", retries[2]);
    assert_eq!(h.client.stats.retries, 3);
    assert_eq!(stored(dir.path()), expected(&data, from, from + DAY));
}

#[test]
fn a_reset_connection_and_a_slow_answer_are_retried() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config {
        records: data.clone(),
        faults: vec![Fault::ResetMidBody, Fault::Slow(Duration::from_millis(1500))],
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth1, false), false, Duration::from_millis(400));
    run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap();
    assert_eq!(waits(&h), secs(&[5, 10]));
    let ev = h.events.lock().unwrap().clone();
    let retries: Vec<&String> = ev.iter().filter(|e| e.starts_with("Retry")).collect();
    assert!(retries[0].contains("broke while reading"), "{}", retries[0]);
    assert!(retries[1].contains("timed out"), "{}", retries[1]);
    assert!(retries.iter().all(|r| r.contains(&format!("127.0.0.1:{}", mock.port))), "{retries:?}");
    assert_eq!(stored(dir.path()), expected(&data, from, from + DAY));
}

#[test]
fn after_the_long_backoff_it_gives_up_naming_host_and_internal_codes() {
    let (data, from, _) = three_days();
    let faults = (0..7).map(|i| Fault::internal(&format!("ic-{i}"))).collect();
    let mock = Mock::start(Config { records: data, faults, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let err = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    // 5, 10, 15 s, then 2, 4, 8 minutes: 7 attempts.
    assert_eq!(waits(&h), secs(&[5, 10, 15, 120, 240, 480]));
    assert_eq!(mock.data_log().len(), 7);
    let msg = err.to_string();
    assert!(msg.contains(&format!("giving up on 127.0.0.1:{} after 7 attempts", mock.port)), "{msg}");
    assert!(msg.contains("internalCode: ic-0, ic-1, ic-2, ic-3, ic-4, ic-5, ic-6"), "{msg}");
    assert!(msg.contains("500 Internal Server Error"), "{msg}");
    // Nothing was committed for the failed window.
    assert!(store::read_manifest(dir.path()).unwrap().windows.is_empty());
}

#[test]
fn rate_limits_wait_as_told_and_do_not_use_up_failure_retries() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config {
        records: data.clone(),
        faults: vec![
            Fault::too_many(Some("7")),
            Fault::too_many(None),
            Fault::internal("a"),
            Fault::internal("b"),
            Fault::internal("c"),
            Fault::too_many(Some("2")),
            Fault::internal("d"),
            Fault::internal("e"),
            Fault::internal("f"),
        ],
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap();
    let w = waits(&h);
    // Retry-After 7 s; then the 2nd 429 of the request without Retry-After: 2 s + up to
    // 50 % jitter; the three 500s take the 5/10/15 s retries; the 429 after them does not
    // count as a failure, so three more 500s still get 2, 4 and 8 minutes.
    assert_eq!(w.len(), 9);
    assert_eq!(w[0], Duration::from_secs(7));
    assert!(w[1] >= Duration::from_secs(2) && w[1] <= Duration::from_secs(3), "{:?}", w[1]);
    assert_eq!(w[2..], secs(&[5, 10, 15, 2, 120, 240, 480])[..]);
    assert_eq!(h.client.stats.rate_limited, 3);
    assert_eq!(h.client.stats.retries, 6);
    assert_eq!(stored(dir.path()), expected(&data, from, from + DAY));
}

#[test]
fn rate_limit_waits_are_bounded_per_request() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config {
        records: data,
        faults: vec![Fault::too_many(Some("400")), Fault::too_many(Some("400"))],
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let err = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err().to_string();
    // 400 s fits the 10-minute budget; another 400 s would not.
    assert_eq!(waits(&h), secs(&[400]));
    assert!(err.contains("429 Too Many Requests (2 times, 6m40s of waiting)"), "{err}");
}

#[test]
fn a_v1_answer_to_a_v2_request_is_refused_not_stored() {
    // This server drops `v` and answers v1, which may cut records silently: nothing may be
    // stored as if it were the whole window.
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data, ignore_v: true, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let err = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err().to_string();
    assert!(err.contains("v1 page"), "{err}");
    assert_eq!(mock.data_log().len(), 1, "not retried");
    assert_eq!(mock.data_log()[0].param("v"), Some("2"));
    assert!(store::read_manifest(dir.path()).unwrap().windows.is_empty());
}

#[test]
fn a_persistent_retry_after_zero_still_waits_and_gives_up() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data, faults: vec![Fault::too_many(Some("0")); 80], ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let err = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err().to_string();
    // `Retry-After: 0` is floored at the first backoff step (1 s), and a request takes at most
    // 50 answers of 429: 50 waits of 1 s, then the 51st 429 fails the request.
    assert_eq!(waits(&h), vec![Duration::from_secs(1); 50]);
    assert_eq!(mock.data_log().len(), 51);
    assert!(err.contains("429 Too Many Requests (51 times"), "{err}");
}

#[test]
fn a_401_is_not_retried_and_says_what_to_check() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth1, true), false, Duration::from_secs(5));
    let err = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    let msg = err.to_string();
    assert_eq!(mock.data_log().len(), 1);
    assert!(waits(&h).is_empty());
    for needle in [
        "401 Unauthorized",
        "oauth_problem: signature_invalid (the oauth_signature is invalid)",
        "LP_APP_SECRET and LP_ACCESS_TOKEN_SECRET",
        "Agent Activity permission",
        "31 May 2026",
        "clock",
    ] {
        assert!(msg.contains(needle), "{needle}: {msg}");
    }
    for s in all_secrets() {
        assert!(!msg.contains(s));
    }
}

#[test]
fn a_400_shows_its_causes_and_is_not_retried() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config {
        records: data,
        faults: vec![Fault::status(
            400,
            json!({"causes": ["offset: must be greater than or equal to 0", "from: bad"], "message": "Bad Request"}),
        )],
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let msg = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err().to_string();
    assert!(msg.contains("causes: offset: must be greater than or equal to 0; from: bad"), "{msg}");
    assert_eq!(mock.data_log().len(), 1);
}

#[test]
fn oauth2_tokens_are_reused_and_refreshed_once_on_401() {
    let (data, from, to) = three_days();
    // Each token is good for 4 data requests; 15 requests at 10 a page.
    let mock = Mock::start(Config { records: data.clone(), token_uses: Some(4), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth2, false), false, Duration::from_secs(5));
    run(&mut h, dir.path(), &request(from, to, 10)).unwrap();
    let log = mock.data_log();
    // 15 pages, tokens 1..4 serve 4 each (the 5th use of each is refused once): 15 + 3
    // refused requests, 4 tokens.
    assert_eq!(log.iter().filter(|l| l.status == 200).count(), 15);
    assert_eq!(log.iter().filter(|l| l.status == 401).count(), 3);
    assert_eq!(mock.tokens_issued(), 4);
    assert!(waits(&h).is_empty());
    assert_eq!(stored(dir.path()), expected(&data, from, to));
}

#[test]
fn oauth2_refreshes_only_once_per_request_then_fails() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data, token_uses: Some(0), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth2, false), false, Duration::from_secs(5));
    let msg = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err().to_string();
    assert_eq!(mock.data_log().len(), 2);
    assert_eq!(mock.tokens_issued(), 2);
    assert!(msg.contains("401") && msg.contains("App Installation"), "{msg}");
}

#[test]
fn oauth2_tokens_near_their_expiry_are_replaced_before_use() {
    let (data, from, to) = three_days();
    // 30 s tokens are inside the 60 s refresh margin: read from the JWT's exp, each is
    // used once.
    let mock = Mock::start(Config { records: data, token_lifetime: 30, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth2, false), false, Duration::from_secs(5));
    run(&mut h, dir.path(), &request(from, to, 1000)).unwrap();
    assert_eq!(mock.data_log().len(), 3);
    assert_eq!(mock.tokens_issued(), 3);
}

#[test]
fn wrong_client_credentials_fail_at_the_token_endpoint() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&mock, env(AuthMode::OAuth2, true), false, Duration::from_secs(5));
    let msg = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err().to_string();
    assert!(msg.contains("token service refused the OAuth 2.0 client credentials"), "{msg}");
    assert!(mock.data_log().is_empty());
    assert!(!msg.contains("not-the-secret-at-all"));
}

#[test]
fn rerunning_skips_final_windows_and_refresh_adds_no_duplicates() {
    let (data, from, to) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    run(&mut h, dir.path(), &request(from, to, 1000)).unwrap();
    let first = stored(dir.path());
    mock.clear_log();

    let s = run(&mut h, dir.path(), &request(from, to, 1000)).unwrap();
    assert_eq!((s.windows_in_range, s.windows_skipped, s.windows_fetched), (3, 3, 0));
    assert!(mock.log().is_empty(), "nothing is asked for again");

    // A wider range fetches only the new day.
    let s = run(&mut h, dir.path(), &request(from - DAY, to, 1000)).unwrap();
    assert_eq!((s.windows_in_range, s.windows_skipped, s.windows_fetched), (4, 3, 1));
    assert_eq!(mock.data_log()[0].param("from").unwrap(), adhere::time::fmt_instant(from - DAY - 1000));

    let mut again = request(from, to, 1000);
    again.refresh = true;
    let s = run(&mut h, dir.path(), &again).unwrap();
    assert_eq!(s.windows_fetched, 3);
    assert_eq!(stored(dir.path()), first, "refetching adds no duplicates");
}

#[test]
fn a_refetched_window_replaces_what_it_held() {
    let (mut data, from, _) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap();
    // The API's view changes: one record gone, one renamed, one late arrival.
    let day: Vec<usize> = (0..data.len())
        .filter(|&i| {
            let t = adhere::time::parse_rfc3339(data[i]["time"].as_str().unwrap()).unwrap();
            t >= from && t < from + DAY
        })
        .collect();
    data[day[3]]["agentLoginName"] = json!("renamed@brand.example");
    let mut late = data[day[4]].clone();
    late["sequenceNumber"] = json!(77);
    data.push(late);
    data.remove(day[5]);
    mock.set_records(data.clone());
    let mut again = request(from, from + DAY, 1000);
    again.refresh = true;
    run(&mut h, dir.path(), &again).unwrap();
    assert_eq!(stored(dir.path()), expected(&data, from, from + DAY));
}

#[test]
fn records_at_the_window_end_are_left_to_the_next_window() {
    let (data, from, to) = three_days();
    // This server also returns records exactly at `to`: the midnight record of the day
    // after the range must not be stored, and no record may be stored twice.
    let mock = Mock::start(Config { records: data.clone(), inclusive_to: true, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let s = run(&mut h, dir.path(), &request(from, to - DAY, 1000)).unwrap();
    assert_eq!(s.outside_window, 2); // the midnights of day 1 and day 2
    assert_eq!(stored(dir.path()), expected(&data, from, to - DAY));
}

#[test]
fn records_at_the_window_start_are_kept_when_the_api_reads_from_as_exclusive() {
    let (data, from, to) = three_days();
    // This server answers (from, to]: the record exactly at each midnight comes only with a
    // `from` before it, so a query from exactly midnight would lose it.
    let mock = Mock::start(Config { records: data.clone(), exclusive_from: true, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let s = run(&mut h, dir.path(), &request(from, to, 1000)).unwrap();
    let want = expected(&data, from, to);
    assert_eq!(stored(dir.path()), want);
    // The midnight records of days 1, 2 and 3 are all stored, once each.
    assert_eq!(want.iter().filter(|r| r.time.is_some_and(|t| t % DAY == 0)).count(), 3);
    // Windows 1 and 2 are also sent the next midnight (their `to`); the next window stores it.
    assert_eq!(s.outside_window, 2);
}

#[test]
fn provisional_windows_are_fetched_again_next_run() {
    let now = now_ms();
    let from = now - 2 * 3_600_000;
    let t = |ms: i64| adhere::time::fmt_instant(ms);
    let rec = |at: i64, seq: i64| json!({"agentId": 1, "time": t(at), "sequenceNumber": seq, "statusType": 1, "statusSubType": 2, "sessionId": 5});
    let data = vec![rec(now - 90 * 60_000, 2), rec(now - 30 * 60_000, 3)];
    let mock = Mock::start(Config { records: data, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let req = request(from, now, 1000);
    let s = run(&mut h, dir.path(), &req).unwrap();
    assert_eq!(s.windows_provisional, s.windows_fetched);
    let m = store::read_manifest(dir.path()).unwrap();
    assert!(m.windows.iter().all(|w| !w.is_final()));
    let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert!(text.contains("\"provisional\": true"), "{text}");
    let before = mock.data_log().len();
    let s = run(&mut h, dir.path(), &req).unwrap();
    assert_eq!(s.windows_skipped, 0);
    assert!(mock.data_log().len() > before, "a provisional window is fetched again");
    assert_eq!(stored(dir.path()).len(), 2);

    // A later run over an older range also completes the provisional windows left by
    // earlier runs, with their own bounds.
    mock.clear_log();
    let old = (today() - 3) * DAY;
    let s = run(&mut h, dir.path(), &request(old, old + DAY, 1000)).unwrap();
    let provisional = store::read_manifest(dir.path()).unwrap().windows.iter().filter(|w| w.start >= from).count();
    assert_eq!(s.earlier_provisional, provisional);
    assert_eq!(s.windows_fetched, 1 + provisional);
    let froms: Vec<String> = mock.data_log().iter().map(|l| l.param("from").unwrap().to_string()).collect();
    // (each query starts 1 s before its window)
    assert_eq!(froms[0], adhere::time::fmt_instant(old - 1000));
    assert_eq!(froms[1], adhere::time::fmt_instant(from - 1000));
}

#[test]
fn the_activity_loader_reads_a_store_with_its_windows_as_coverage() {
    let (mut data, from, to) = three_days();
    // A record with no agentId is stored, but the loader drops and counts it.
    data.push(json!({"time": adhere::time::fmt_instant(from + 5_000), "statusType": 1, "statusSubType": 2}));
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    // Two separate pieces: day 0 and day 2 (a hole on day 1).
    let s = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap();
    assert_eq!(s.incomplete, 1);
    run(&mut h, dir.path(), &request(to - DAY, to, 1000)).unwrap();
    assert!(store::is_store(dir.path()));
    let a = Activity::load(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap();
    assert_eq!(a.coverage.intervals(), &[(from, from + DAY), (to - DAY, to)]);
    // 43 + 43 records with an agent, each unique: all kept.
    assert_eq!(a.stats.records_read, 87);
    assert_eq!(a.stats.dropped_missing, 1);
    assert_eq!(a.stats.duplicates, 0);
    assert_eq!(a.events.height(), 86);
    // 7 agents + the midnight agent 99.
    assert_eq!(a.agents.len(), 8);
    let a0 = a.agents.iter().find(|x| x.agent_id == 5_400_000_000 + 7919).unwrap();
    assert_eq!(a0.employee_id.as_deref(), Some("EMP-0001"));
    assert_eq!(a0.login_name.as_deref(), Some("agent1@brand.example"));
    assert_eq!(a0.group_id, Some(2_204_871_310));
    assert_eq!(a.reasons, vec!["Coffee break".to_string()]);
}

#[test]
fn every_api_field_survives_the_store() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap();
    let got = stored(dir.path());
    let away = got.iter().find(|r| r.status_reason_text.as_deref() == Some("Coffee break")).unwrap();
    assert_eq!(away.status_reason_id, Some(2_642_559_712));
    assert!(away.prev_status_change_time.is_some());
    assert_eq!(away.agent_user_name.as_deref(), Some("Agent Ü0"));
    assert!(got.iter().any(|r| r.extra.as_deref() == Some(r#"{"skillId":42}"#)));
    assert!(got.iter().any(|r| r.employee_id.as_deref() == Some("")));
    assert!(got.iter().any(|r| r.status_reason_text.as_deref() == Some("")));
    // Parquet types: Int64 ids, UTC millisecond datetimes, strings.
    let file = std::fs::read_dir(dir.path().join("records")).unwrap().next().unwrap().unwrap().path();
    use polars::prelude::SerReader as _;
    let df = polars::prelude::ParquetReader::new(std::fs::File::open(file).unwrap()).finish().unwrap();
    use polars::prelude::{DataType, TimeUnit, TimeZone};
    let utc_ms = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    for (col, dtype) in [
        ("agentId", DataType::Int64),
        ("agentGroupId", DataType::Int64),
        ("statusReasonId", DataType::Int64),
        ("time", utc_ms.clone()),
        ("prevStatusChangeTime", utc_ms),
        ("statusReasonText", DataType::String),
        ("extra", DataType::String),
    ] {
        assert_eq!(df.column(col).unwrap().dtype(), &dtype, "{col}");
    }
    assert_eq!(df.get_column_names().len(), store::COLUMNS.len());
}

#[test]
fn filters_are_sent_and_a_store_keeps_one_filter() {
    let (data, from, _) = three_days();
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    let mut req = request(from, from + DAY, 1000);
    req.filter = Some(Filter::EmpId("EMP-0002".into()));
    run(&mut h, dir.path(), &req).unwrap();
    assert_eq!(mock.data_log()[0].param("empId"), Some("EMP-0002"));
    assert_eq!(stored(dir.path()).len(), 6);
    let err = run(&mut h, dir.path(), &request(from, from + DAY, 1000)).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--emp-id \"EMP-0002\""), "{err}");
    let err = Store::open(dir.path(), "999", req.filter.as_ref()).unwrap_err().to_string();
    assert!(err.contains("account 12345678, not 999"), "{err}");
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), "mine").unwrap();
    let err = Store::open(other.path(), ACCOUNT, None).unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
}

#[test]
fn secrets_never_reach_the_store_or_the_event_stream() {
    let (data, from, to) = three_days();
    let mock = Mock::start(Config {
        records: data,
        faults: vec![Fault::status(503, json!({"message": format!("echo {APP_SECRET}")}))],
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut h = oauth1(&mock);
    run(&mut h, dir.path(), &request(from, to, 10)).unwrap();
    let mut h2 = harness(&mock, env(AuthMode::OAuth2, false), true, Duration::from_secs(5));
    let dir2 = tempfile::tempdir().unwrap();
    run(&mut h2, dir2.path(), &request(from, to, 10)).unwrap();
    let events = format!("{:?}{:?}", h.events.lock().unwrap(), h2.events.lock().unwrap());
    assert!(!events.contains("Authorization") && !events.contains("oauth_signature"));
    for d in [dir.path(), dir2.path()] {
        for f in walk(d) {
            let bytes = std::fs::read(&f).unwrap();
            for s in all_secrets() {
                assert!(!bytes.windows(s.len()).any(|w| w == s.as_bytes()), "{s} in {}", f.display());
            }
        }
    }
    for s in all_secrets() {
        assert!(!events.contains(s), "{s} in events");
    }
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
