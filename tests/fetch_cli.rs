//! The `adhere fetch` binary against the mock LivePerson: exit codes, output without
//! secrets, scaled retry waits, and a run killed mid-way that resumes without losing or
//! repeating a record.

mod fetch_mock;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use adhere::liveperson::model::StatusChange;
use adhere::liveperson::store;
use fetch_mock::*;
use serde_json::Value;

const DAY: i64 = 86_400_000;

/// `adhere fetch` with a clean environment holding the OAuth 1.0 or 2.0 secrets.
fn adhere(oauth1: bool, oauth2: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_adhere"));
    c.arg("fetch");
    for v in ["LP_APP_KEY", "LP_APP_SECRET", "LP_ACCESS_TOKEN", "LP_ACCESS_TOKEN_SECRET", "LP_CLIENT_ID", "LP_CLIENT_SECRET", "LP_ACCOUNT"]
    {
        c.env_remove(v);
    }
    if oauth1 {
        c.env("LP_APP_KEY", APP_KEY)
            .env("LP_APP_SECRET", APP_SECRET)
            .env("LP_ACCESS_TOKEN", ACCESS_TOKEN)
            .env("LP_ACCESS_TOKEN_SECRET", ACCESS_TOKEN_SECRET);
    }
    if oauth2 {
        c.env("LP_CLIENT_ID", CLIENT_ID).env("LP_CLIENT_SECRET", CLIENT_SECRET);
    }
    c.env("ADHERE_RETRY_SCALE", "0.001").env("NO_PROXY", "127.0.0.1").env_remove("HTTP_PROXY").env_remove("http_proxy");
    c
}

fn day(d: i64) -> String {
    adhere::time::fmt_day(d)
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string())
}

fn assert_no_secrets(what: &str, s: &str) {
    for secret in all_secrets() {
        assert!(!s.contains(secret), "a secret in {what}: {s}");
    }
    assert!(!s.contains("oauth_signature=") && !s.contains("Bearer ey"), "auth header material in {what}: {s}");
}

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

fn files_of(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_of(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn fetch_writes_the_store_logs_requests_and_never_shows_a_secret() {
    let d0 = now_ms() / DAY - 12;
    let data = dataset(5, d0, d0 + 1);
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("store");
    let o = adhere(true, false)
        .args(["--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0 + 1), "--base-url", &mock.url, "--verbose", "--page-size", "20"])
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    // 5 agents × 6 + 1 = 31 records a day: pages of 20 and 11, two days.
    let gets: Vec<&str> = stderr.lines().filter(|l| l.starts_with("GET /api/v2/account/")).collect();
    assert_eq!(gets.len(), 4, "{stderr}");
    let want = format!(
        "GET /api/v2/account/{ACCOUNT}/status-changes?v=2&source=adhere&from={}T23%3A59%3A59Z&to={}T00%3A00%3A00Z&limit=20&offset=0 -> 200 (",
        day(d0 - 1),
        day(d0 + 1)
    );
    assert!(gets[0].starts_with(&want), "{}\nwanted {want}", gets[0]);
    assert!(stderr.contains("fetched 2 windows (4 pages, 62 records)"), "{stderr}");
    assert_no_secrets("stdout", &stdout);
    assert_no_secrets("stderr", &stderr);
    assert!(!stderr.to_ascii_lowercase().contains("authorization"), "{stderr}");
    for f in files_of(&dir) {
        let bytes = std::fs::read(&f).unwrap();
        for s in all_secrets() {
            assert!(!bytes.windows(s.len()).any(|w| w == s.as_bytes()), "{s} in {}", f.display());
        }
    }
    assert_eq!(stored(&dir), expected(&data, d0 * DAY, (d0 + 2) * DAY));

    // Again: nothing to fetch, nothing asked.
    mock.clear_log();
    let o = adhere(true, false)
        .args(["--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0 + 1), "--base-url", &mock.url])
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("nothing to fetch"), "{stderr}");
    assert!(mock.log().is_empty());
}

#[test]
fn a_killed_run_resumes_without_losing_or_repeating_records() {
    let d0 = now_ms() / DAY - 20;
    let days = 8;
    let data = dataset(7, d0, d0 + days - 1);
    // 43 records a day at 10 a page: 5 requests a window, 40 in all, each ~40 ms.
    let mock = Mock::start(Config { records: data.clone(), delay: Duration::from_millis(40), ..Config::default() });
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("store");
    let args = |c: &mut Command| {
        c.args(["--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0 + days - 1), "--base-url", &mock.url, "--page-size", "10"])
            .arg("--out")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let mut first = adhere(true, false);
    args(&mut first);
    let mut child = first.spawn().unwrap();
    let started = Instant::now();
    // Kill it once two windows are in the manifest (and the third is under way).
    loop {
        let done = store::read_manifest(&dir).map(|m| m.windows.len()).unwrap_or(0);
        if done >= 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the first run made no progress");
        assert!(child.try_wait().unwrap().is_none(), "the first run ended before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(60));
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let after_kill = store::read_manifest(&dir).unwrap();
    let k = after_kill.windows.len();
    assert!((2..days as usize).contains(&k), "{k} windows done before the kill");
    // What was committed is intact and exact.
    let committed_to = after_kill.windows.last().unwrap().end;
    let partial: Vec<StatusChange> = stored(&dir).into_iter().filter(|r| r.time.unwrap() < committed_to).collect();
    assert_eq!(partial, expected(&data, d0 * DAY, committed_to));

    let second_started = Instant::now();
    let mut second = adhere(true, false);
    args(&mut second);
    let status = second.status().unwrap();
    assert!(status.success());
    // The second run asked only for windows the first did not finish (the killed run's
    // last request may still be logged by the mock: only requests received after the
    // second run began count).
    let log: Vec<Logged> = mock.data_log().into_iter().filter(|l| l.at >= second_started).collect();
    // (a window's query starts 1 s before the window)
    let done_starts: Vec<String> = after_kill.windows.iter().map(|w| adhere::time::fmt_instant(w.start - 1000)).collect();
    let asked: Vec<String> = log.iter().map(|l| l.param("from").unwrap().to_string()).collect();
    assert!(!asked.is_empty());
    assert!(asked.iter().all(|f| !done_starts.contains(f)), "{asked:?} vs {done_starts:?}");
    assert_eq!(log.len(), (days as usize - k) * 5);
    assert_eq!(stored(&dir), expected(&data, d0 * DAY, (d0 + days) * DAY));
    assert_eq!(store::read_manifest(&dir).unwrap().windows.len(), days as usize);
    // No temporary files are left behind.
    assert!(files_of(&dir).iter().all(|f| !f.file_name().unwrap().to_string_lossy().contains(".tmp-")));
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    let mock = Mock::start(Config::default());
    let out = tempfile::tempdir().unwrap();
    let old = now_ms() / DAY - 200;
    let cases: Vec<(Vec<String>, bool, &str)> = vec![
        (vec!["--agent-id".into(), "1".into(), "--emp-id".into(), "x".into()], true, "cannot be used with"),
        (vec!["--from".into(), day(old)], true, "--to"),
        (vec!["--from".into(), day(old), "--to".into(), day(old + 1)], true, "more than 6 months ago"),
        (vec!["--days".into(), "1".into()], false, "LP_CLIENT_ID"),
        (vec!["--days".into(), "1".into(), "--page-size".into(), "0".into()], true, "page-size"),
    ];
    for (extra, creds, says) in cases {
        let o = adhere(creds, false)
            .args(["--account", ACCOUNT, "--base-url", &mock.url])
            .args(&extra)
            .arg("--out")
            .arg(out.path().join("s"))
            .output()
            .unwrap();
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
        assert_no_secrets("stderr", &stderr);
    }
    assert!(mock.log().is_empty());
}

#[test]
fn rejected_credentials_exit_1_with_what_to_check() {
    let d0 = now_ms() / DAY - 5;
    let mock = Mock::start(Config { records: dataset(2, d0, d0), ..Config::default() });
    let out = tempfile::tempdir().unwrap();
    let o = adhere(true, false)
        .env("LP_APP_SECRET", "wrong-app-secret-value")
        .args(["--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0), "--base-url", &mock.url])
        .arg("--out")
        .arg(out.path().join("s"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: LivePerson refused the credentials (401 Unauthorized)"), "{stderr}");
    assert!(stderr.contains("oauth_problem: signature_invalid"), "{stderr}");
    assert!(stderr.contains("31 May 2026"), "{stderr}");
    assert!(!stderr.contains("wrong-app-secret-value"));
    assert_no_secrets("stdout", &stdout);
    assert_no_secrets("stderr", &stderr);
    assert_eq!(mock.data_log().len(), 1);
}

#[test]
fn retries_use_the_scaled_waits_and_say_so() {
    let d0 = now_ms() / DAY - 5;
    let data = dataset(2, d0, d0);
    let mock = Mock::start(Config {
        records: data.clone(),
        faults: vec![Fault::status(503, serde_json::json!({})), Fault::internal("ic-77"), Fault::too_many(Some("3"))],
        ..Config::default()
    });
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("s");
    let started = Instant::now();
    let o = adhere(true, false)
        .args(["--account", ACCOUNT, "--from", &day(d0), "--to", &day(d0), "--base-url", &mock.url])
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    // ADHERE_RETRY_SCALE=0.001: 5 s → 5 ms, 10 s → 10 ms, Retry-After 3 s → 3 ms.
    assert!(stderr.contains("retrying in 5ms: 503 Service Unavailable (retry 1 of 6)"), "{stderr}");
    assert!(stderr.contains("retrying in 10ms: 500 Internal Server Error (internalCode ic-77) (retry 2 of 6)"), "{stderr}");
    assert!(stderr.contains("retrying in 3ms: 429 Too Many Requests"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(stored(&dir), expected(&data, d0 * DAY, (d0 + 1) * DAY));
}

#[test]
fn oauth2_is_preferred_and_hosts_come_from_an_http_domain_api() {
    let d0 = now_ms() / DAY - 3;
    let data = dataset(3, d0, d0);
    let mock = Mock::start(Config { records: data.clone(), ..Config::default() });
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("s");
    let o = adhere(true, true)
        .env("LP_ACCOUNT", ACCOUNT)
        .args(["--from", &day(d0), "--to", &day(d0), "--domain-api", &mock.url, "--verbose"])
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("agentActivityDomain: http://127.0.0.1:{}/", mock.port)), "{stderr}");
    assert!(stderr.contains(&format!("sentinel: http://127.0.0.1:{}/", mock.port)), "{stderr}");
    assert!(mock.data_log().iter().all(|l| l.auth_scheme == "Bearer"));
    assert_eq!(mock.tokens_issued(), 1);
    assert_no_secrets("stdout", &stdout);
    assert_no_secrets("stderr", &stderr);
    assert_eq!(stored(&dir), expected(&data, d0 * DAY, (d0 + 1) * DAY));
}

#[test]
fn help_lists_the_credentials_by_name_only() {
    let o = adhere(true, true).arg("--help").output().unwrap();
    let (stdout, _) = text(&o);
    assert!(o.status.success());
    for flag in [
        "--account",
        "--from",
        "--to",
        "--days",
        "--out",
        "--agent-id",
        "--emp-id",
        "--group-id",
        "--page-size",
        "--source",
        "--auth",
        "--domain-api",
        "--base-url",
        "--refresh",
        "--verbose",
        "--retry-scale",
    ] {
        assert!(stdout.contains(flag), "{flag}");
    }
    assert!(stdout.contains("LP_CLIENT_SECRET"));
    assert_no_secrets("help", &stdout);
}
