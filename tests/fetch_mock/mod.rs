//! A mock LivePerson for the fetch tests: a real HTTP/1.1 server on loopback, in the test
//! process, that behaves as liveperson-api.md documents:
//!
//! - Domain API (`/api/account/{a}/service/{s}/baseURI.json`) naming itself as the host;
//! - Sentinel tokens (`POST /sentinel/api/v2/account/{a}/app/token`): JWTs with `exp`;
//! - status-changes: OAuth 1.0a signatures recomputed from the received request with the
//!   `oauth1-request` crate (not adhere's signer), nonces never reused, timestamps within
//!   5 minutes; bearer tokens checked; `v` defaulting to 1 (grouped by agent); `source`
//!   required; `from`/`to` together, ≤ 1 month apart, ≤ 6 months back; `limit` checked
//!   against a maximum with the documented 400 `causes`; records in a fixed unsorted order;
//!   `_metadata` hrefs on another host, over http, without `v` (a trap for clients that
//!   follow them);
//! - faults scripted per status-changes request: any status with a body and
//!   `Retry-After`, a connection reset mid-body, a truncated JSON body, a slow answer;
//! - the enrichment APIs (liveperson-api.md §5): Users (`le-users/users`, `v` required),
//!   Agent Groups (`le-users/agentGroups`) and Status Reasons (`le-agents/status-reasons`),
//!   each leaving deleted entities out unless `include_deleted=true`; Messaging
//!   Interactions search (`POST …/conversations/search`) with a JSON body: `start` required
//!   and at most three months, bounds rounded to 10 minutes and inclusive, `end`,
//!   `status`, `latestAgentIds` and `contentToRetrieve` honoured, `limit` at most 100,
//!   `_metadata.count`. Same auth checks as status-changes (a JSON body is not signed).

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Value};

pub const ACCOUNT: &str = "12345678";

/// Fake credentials; long enough that a leak would be found by a substring search.
pub const APP_KEY: &str = "appkey-5c1d3e9f0a7b4c2d8e6f";
pub const APP_SECRET: &str = "appsecret-9b8a7c6d5e4f3a2b1c0d";
pub const ACCESS_TOKEN: &str = "accesstoken-0f1e2d3c4b5a69788796";
pub const ACCESS_TOKEN_SECRET: &str = "tokensecret-a5b4c3d2e1f00f1e2d3c";
pub const CLIENT_ID: &str = "clientid-77e1c0ffee5eed42";
pub const CLIENT_SECRET: &str = "clientsecret-d00df00dcafe1234";

pub fn all_secrets() -> [&'static str; 6] {
    [APP_KEY, APP_SECRET, ACCESS_TOKEN, ACCESS_TOKEN_SECRET, CLIENT_ID, CLIENT_SECRET]
}

/// What to do to one status-changes request (after its auth was checked).
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Answer with this status and JSON body (and a `Retry-After` header).
    Status { code: u16, body: String, retry_after: Option<String> },
    /// Send the headers and half the body, then reset the connection.
    ResetMidBody,
    /// A 200 whose JSON body is cut off (the Content-Length matches the cut body).
    TruncatedJson,
    /// Answer normally after sleeping this long.
    Slow(Duration),
}

impl Fault {
    pub fn status(code: u16, body: Value) -> Fault {
        Fault::Status { code, body: body.to_string(), retry_after: None }
    }
    pub fn too_many(retry_after: Option<&str>) -> Fault {
        Fault::Status { code: 429, body: String::new(), retry_after: retry_after.map(str::to_string) }
    }
    pub fn internal(code: &str) -> Fault {
        Fault::status(500, json!({"internalCode": code, "message": "Internal server error"}))
    }
}

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    /// Decoded query parameters in the order sent.
    pub query: Vec<(String, String)>,
    /// `OAuth`, `Bearer` or empty.
    pub auth_scheme: String,
    pub status: u16,
    pub fault: Option<String>,
    pub at: Instant,
    /// The raw request head (request line and headers), to check what was sent.
    pub head: String,
    pub body: String,
}

impl Logged {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn is_data(&self) -> bool {
        self.path.ends_with("/status-changes")
    }
    pub fn is_config(&self) -> bool {
        self.path.contains("/configuration/")
    }
    pub fn is_conversations(&self) -> bool {
        self.path.ends_with("/conversations/search")
    }
    /// The JSON body sent.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub records: Vec<Value>,
    /// The largest `limit` accepted.
    pub max_limit: u32,
    /// Accept OAuth 1.0a with these keys (the constants above).
    pub oauth1: bool,
    /// Accept bearer tokens issued for CLIENT_ID/CLIENT_SECRET.
    pub oauth2: bool,
    /// Lifetime of issued tokens, seconds.
    pub token_lifetime: i64,
    /// A token stops being accepted after this many data requests.
    pub token_uses: Option<usize>,
    /// Faults for the 1st, 2nd, … status-changes request.
    pub faults: Vec<Fault>,
    /// Every status-changes answer waits this long (to make a run take a while).
    pub delay: Duration,
    /// Also return records exactly at `to` (the docs do not say whether `to` is inclusive).
    pub inclusive_to: bool,
    /// Read `from` as exclusive: return records in (from, to] (another reading of the docs).
    pub exclusive_from: bool,
    /// Answer as v1 whatever `v` says (a server or proxy that drops the parameter).
    pub ignore_v: bool,
    /// Users API entities (deleted ones only with `include_deleted=true`).
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
    pub reasons: Vec<Value>,
    /// `conversationHistoryRecords` entries (`info`, `agentParticipants`, …).
    pub conversations: Vec<Value>,
    /// Answer every configuration API call with this status (403: no permission).
    pub config_status: Option<u16>,
    /// Answer every conversations search with this status.
    pub conversations_status: Option<u16>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            records: Vec::new(),
            max_limit: 5000,
            oauth1: true,
            oauth2: true,
            token_lifetime: 3600,
            token_uses: None,
            faults: Vec::new(),
            delay: Duration::ZERO,
            inclusive_to: false,
            exclusive_from: false,
            ignore_v: false,
            users: Vec::new(),
            groups: Vec::new(),
            reasons: Vec::new(),
            conversations: Vec::new(),
            config_status: None,
            conversations_status: None,
        }
    }
}

struct State {
    cfg: Mutex<Config>,
    log: Mutex<Vec<Logged>>,
    nonces: Mutex<HashSet<String>>,
    /// token → data requests it served
    tokens: Mutex<HashMap<String, (i64, usize)>>,
    data_requests: Mutex<usize>,
    issued: Mutex<usize>,
}

pub struct Mock {
    pub url: String,
    pub port: u16,
    state: Arc<State>,
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

impl Mock {
    pub fn start(cfg: Config) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            cfg: Mutex::new(cfg),
            log: Mutex::new(Vec::new()),
            nonces: Mutex::new(HashSet::new()),
            tokens: Mutex::new(HashMap::new()),
            data_requests: Mutex::new(0),
            issued: Mutex::new(0),
        });
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &st, port);
                });
            }
        });
        Mock { url: format!("http://127.0.0.1:{port}"), port, state }
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().unwrap().clone()
    }
    pub fn data_log(&self) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.is_data()).collect()
    }
    pub fn config_log(&self) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.is_config()).collect()
    }
    pub fn conversations_log(&self) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.is_conversations()).collect()
    }
    pub fn update(&self, f: impl FnOnce(&mut Config)) {
        f(&mut self.state.cfg.lock().unwrap());
    }
    pub fn tokens_issued(&self) -> usize {
        *self.state.issued.lock().unwrap()
    }
    pub fn set_faults(&self, faults: Vec<Fault>) {
        *self.state.data_requests.lock().unwrap() = 0;
        self.state.cfg.lock().unwrap().faults = faults;
    }
    pub fn set_records(&self, records: Vec<Value>) {
        self.state.cfg.lock().unwrap().records = records;
    }
    pub fn clear_log(&self) {
        self.state.log.lock().unwrap().clear();
    }
}

struct Request {
    method: String,
    path: String,
    raw_query: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    head: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let len: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (path, raw_query) = target.split_once('?').map_or((target.clone(), String::new()), |(p, q)| (p.to_string(), q.to_string()));
    let query = url::form_urlencoded::parse(raw_query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    Some(Request { method, path, raw_query, query, headers, body, head })
}

fn respond(conn: &mut TcpStream, status: u16, body: &str, extra_headers: &[(&str, String)]) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head =
        format!("HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
    let _ = conn.flush();
}

fn unauthorized(problem: &str, advice: &str) -> (u16, String) {
    (401, json!({"reason": format!("oauth_problem={problem}&oauth_problem_advice={advice}"), "message": "Unauthorized"}).to_string())
}

fn bad_request(causes: &[String]) -> (u16, String) {
    (400, json!({"causes": causes, "message": "Bad Request"}).to_string())
}

fn serve(mut conn: TcpStream, st: &State, port: u16) -> Option<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = read_request(&mut conn)?;
    let at = Instant::now();
    let auth_scheme = req.header("authorization").map(|a| a.split(' ').next().unwrap_or("").to_string()).unwrap_or_default();
    let mut fault_name = None;
    let (status, body, headers): (u16, String, Vec<(&str, String)>) = if req.path.ends_with("/baseURI.json") && req.method == "GET" {
        let parts: Vec<&str> = req.path.split('/').collect();
        // /api/account/{a}/service/{s}/baseURI.json
        match parts.as_slice() {
            ["", "api", "account", a, "service", s, "baseURI.json"]
                if *a == ACCOUNT && req.query.iter().any(|(k, v)| k == "version" && v == "1.0") =>
            {
                (200, json!({"service": s, "account": a, "baseURI": format!("127.0.0.1:{port}")}).to_string(), vec![])
            }
            _ => (404, json!({"message": "unknown account"}).to_string(), vec![]),
        }
    } else if req.path == format!("/sentinel/api/v2/account/{ACCOUNT}/app/token") && req.method == "POST" {
        let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body).into_owned().collect();
        let cfg = st.cfg.lock().unwrap().clone();
        let ok = cfg.oauth2
            && req.header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
            && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
            && form.get("grant_type").map(String::as_str) == Some("client_credentials");
        if ok {
            let mut issued = st.issued.lock().unwrap();
            *issued += 1;
            let exp = now_ms() / 1000 + cfg.token_lifetime;
            let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            let token = format!("{}.{}.c2ln", b64(&json!({"alg": "RS256"})), b64(&json!({"exp": exp, "jti": *issued})));
            st.tokens.lock().unwrap().insert(token.clone(), (exp, 0));
            (200, json!({"access_token": token, "token_type": "Bearer"}).to_string(), vec![])
        } else {
            (401, json!({"error": "invalid_client", "message": "bad client credentials"}).to_string(), vec![])
        }
    } else if req.path == format!("/api/v2/account/{ACCOUNT}/status-changes") && req.method == "GET" {
        match check_auth(&req, st, port) {
            Err((s, b)) => (s, b, vec![]),
            Ok(()) => {
                let n = {
                    let mut n = st.data_requests.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let cfg = st.cfg.lock().unwrap().clone();
                std::thread::sleep(cfg.delay);
                let fault = cfg.faults.get(n).cloned().unwrap_or(Fault::None);
                match fault {
                    Fault::None => {
                        let (s, b) = status_changes(&req, &cfg);
                        (s, b, vec![])
                    }
                    Fault::Status { code, body, retry_after } => {
                        fault_name = Some(format!("status {code}"));
                        (code, body, retry_after.map(|r| ("Retry-After", r)).into_iter().collect())
                    }
                    Fault::Slow(d) => {
                        fault_name = Some("slow".to_string());
                        std::thread::sleep(d);
                        let (s, b) = status_changes(&req, &cfg);
                        (s, b, vec![])
                    }
                    Fault::TruncatedJson => {
                        fault_name = Some("truncated".to_string());
                        let (_, b) = status_changes(&req, &cfg);
                        let cut = b[..b.len() / 2].to_string();
                        (200, cut, vec![])
                    }
                    Fault::ResetMidBody => {
                        let (_, b) = status_changes(&req, &cfg);
                        log(st, &req, at, &auth_scheme, 200, Some("reset".to_string()));
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        );
                        let _ = conn.write_all(head.as_bytes());
                        let _ = conn.write_all(&b.as_bytes()[..b.len() / 2]);
                        let _ = conn.flush();
                        let _ = socket2::SockRef::from(&conn).set_linger(Some(Duration::ZERO));
                        drop(conn);
                        return Some(());
                    }
                }
            }
        }
    } else if req.method == "GET" && req.path.starts_with(&format!("/api/account/{ACCOUNT}/configuration/")) {
        let cfg = st.cfg.lock().unwrap().clone();
        match check_auth(&req, st, port) {
            Err((s, b)) => (s, b, vec![]),
            Ok(()) => match cfg.config_status {
                Some(code) => (code, json!({"message": "Not Authorized"}).to_string(), vec![]),
                None => {
                    let (s, b) = configuration(&req, &cfg);
                    (s, b, vec![])
                }
            },
        }
    } else if req.method == "POST" && req.path == format!("/messaging_history/api/account/{ACCOUNT}/conversations/search") {
        let cfg = st.cfg.lock().unwrap().clone();
        match check_auth(&req, st, port) {
            Err((s, b)) => (s, b, vec![]),
            Ok(()) => match cfg.conversations_status {
                Some(code) => (code, json!({"message": "Not Authorized"}).to_string(), vec![]),
                None => {
                    let (s, b) = conversations(&req, &cfg);
                    (s, b, vec![])
                }
            },
        }
    } else {
        (404, json!({"message": "no such path"}).to_string(), vec![])
    };
    log(st, &req, at, &auth_scheme, status, fault_name);
    respond(&mut conn, status, &body, &headers);
    Some(())
}

fn log(st: &State, req: &Request, at: Instant, auth_scheme: &str, status: u16, fault: Option<String>) {
    st.log.lock().unwrap().push(Logged {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        auth_scheme: auth_scheme.to_string(),
        status,
        fault,
        at,
        head: req.head.clone(),
        body: String::from_utf8_lossy(&req.body).to_string(),
    });
}

/// Checks the Authorization header: an OAuth 1.0a signature recomputed with the
/// `oauth1-request` crate from what was received, or a bearer token this mock issued.
fn check_auth(req: &Request, st: &State, port: u16) -> Result<(), (u16, String)> {
    let cfg = st.cfg.lock().unwrap().clone();
    let Some(auth) = req.header("authorization") else {
        return Err(unauthorized("parameter_absent", "no Authorization header"));
    };
    if let Some(token) = auth.strip_prefix("Bearer ") {
        let mut tokens = st.tokens.lock().unwrap();
        let Some((exp, uses)) = tokens.get_mut(token) else {
            return Err((401, json!({"message": "invalid token"}).to_string()));
        };
        if !cfg.oauth2 || *exp * 1000 <= now_ms() || cfg.token_uses.is_some_and(|max| *uses >= max) {
            return Err((401, json!({"message": "token expired"}).to_string()));
        }
        *uses += 1;
        return Ok(());
    }
    let Some(params) = auth.strip_prefix("OAuth ") else {
        return Err(unauthorized("parameter_absent", "unknown scheme"));
    };
    if !cfg.oauth1 {
        return Err(unauthorized("token_rejected", "the oauth_token is unacceptable to the Service Provider"));
    }
    let mut p: HashMap<String, String> = HashMap::new();
    for part in params.split(',') {
        let (k, v) = part.trim().split_once('=').ok_or_else(|| unauthorized("parameter_rejected", "bad header"))?;
        let v = v.trim_matches('"');
        let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy().to_string();
        p.insert(k.trim().to_string(), v);
    }
    let get = |k: &str| p.get(k).cloned().ok_or_else(|| unauthorized("parameter_absent", k));
    if get("oauth_consumer_key")? != APP_KEY {
        return Err(unauthorized("consumer_key_unknown", "unknown app key"));
    }
    if get("oauth_token")? != ACCESS_TOKEN {
        return Err(unauthorized("token_rejected", "the oauth_token is unacceptable to the Service Provider"));
    }
    if get("oauth_signature_method")? != "HMAC-SHA1" || p.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(unauthorized("signature_method_rejected", "HMAC-SHA1 only"));
    }
    let ts: u64 = get("oauth_timestamp")?.parse().map_err(|_| unauthorized("timestamp_refused", "bad timestamp"))?;
    if (ts as i64 - now_ms() / 1000).abs() > 300 {
        return Err(unauthorized("timestamp_refused", "clock skew"));
    }
    let nonce = get("oauth_nonce")?;
    // Recompute with an independent implementation.
    let client = oauth1_request::Credentials::new(APP_KEY, APP_SECRET);
    let token = oauth1_request::Credentials::new(ACCESS_TOKEN, ACCESS_TOKEN_SECRET);
    let list = oauth1_request::ParameterList::new(req.query.clone());
    let mut b = oauth1_request::Builder::new(client, oauth1_request::HmacSha1::new());
    b.token(token).nonce(nonce.as_str()).timestamp(std::num::NonZeroU64::new(ts)).version(p.contains_key("oauth_version"));
    let host = req.header("host").unwrap_or("").to_ascii_lowercase();
    assert_eq!(host, format!("127.0.0.1:{port}"));
    let expected = b.authorize(&req.method, format!("http://{host}{}", req.path), &list);
    let expected_sig = expected
        .split(',')
        .find_map(|kv| kv.trim().strip_prefix("oauth_signature=\""))
        .map(|s| percent_encoding::percent_decode_str(s.trim_end_matches('"')).decode_utf8_lossy().to_string())
        .unwrap();
    if get("oauth_signature")? != expected_sig {
        return Err(unauthorized("signature_invalid", "the oauth_signature is invalid"));
    }
    if !st.nonces.lock().unwrap().insert(nonce) {
        return Err(unauthorized("nonce_used", "the nonce was used before"));
    }
    let _ = &req.raw_query;
    Ok(())
}

fn parse_time(s: &str) -> Option<i64> {
    adhere::time::parse_rfc3339(s)
}

fn record_time(r: &Value) -> i64 {
    parse_time(r["time"].as_str().unwrap()).unwrap()
}

/// A stable, unsorted order: records sorted by a hash of their text.
fn scramble(records: &mut [Value]) {
    records.sort_by_key(|r| {
        let s = r.to_string();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        h
    });
}

fn status_changes(req: &Request, cfg: &Config) -> (u16, String) {
    let q = |k: &str| req.query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut causes = Vec::new();
    let v = if cfg.ignore_v { "1".to_string() } else { q("v").unwrap_or_else(|| "1".to_string()) };
    match q("source") {
        None => causes.push("source: must not be null".to_string()),
        Some(s) if s.is_empty() || s.chars().count() > 20 => causes.push("source: size must be between 1 and 20".to_string()),
        _ => {}
    }
    let now = now_ms();
    let (from, to) = match (q("from"), q("to")) {
        (Some(f), Some(t)) => match (parse_time(&f), parse_time(&t)) {
            (Some(f), Some(t)) => (f, t),
            _ => return bad_request(&["from/to: must be RFC 3339".to_string()]),
        },
        (None, None) => (now - 86_400_000, now),
        _ => return bad_request(&["from and to must be sent together".to_string()]),
    };
    if to - from > 31 * 86_400_000 {
        causes.push("to: must be at most 1 month after from".to_string());
    }
    if from < now - 183 * 86_400_000 {
        causes.push("from: must be within the last 6 months".to_string());
    }
    let default_limit = if v == "2" { 1000 } else { 50 };
    let limit: i64 = q("limit").map(|l| l.parse().unwrap_or(-1)).unwrap_or(default_limit);
    if limit > cfg.max_limit as i64 {
        causes.push(format!("limit: must be less than or equal to {}", cfg.max_limit));
    }
    if limit < 1 {
        causes.push("limit: must be greater than or equal to 1".to_string());
    }
    let offset: i64 = q("offset").map(|o| o.parse().unwrap_or(-1)).unwrap_or(0);
    if offset < 0 {
        causes.push("offset: must be greater than or equal to 0".to_string());
    }
    let filters = ["agentId", "empId", "groupId"].iter().filter(|f| q(f).is_some()).count();
    if filters > 1 {
        causes.push("only one of agentId, empId, groupId may be given".to_string());
    }
    if !causes.is_empty() {
        return bad_request(&causes);
    }
    let mut selected: Vec<Value> = cfg
        .records
        .iter()
        .filter(|r| {
            let t = record_time(r);
            if cfg.exclusive_from {
                t > from && t <= to
            } else {
                t >= from && (t < to || (cfg.inclusive_to && t == to))
            }
        })
        .filter(|r| match (q("agentId"), q("empId"), q("groupId")) {
            (Some(a), _, _) => a.parse::<i64>().ok() == r["agentId"].as_i64(),
            (_, Some(e), _) => r["employeeId"].as_str() == Some(e.as_str()),
            (_, _, Some(g)) => g.parse::<i64>().ok() == r["agentGroupId"].as_i64(),
            _ => true,
        })
        .cloned()
        .collect();
    scramble(&mut selected);
    let href = |off: i64| {
        format!(
            "http://va.agent-activity.example.invalid/api/v2/account/{ACCOUNT}/status-changes?from={}&to={}&offset={off}&limit={limit}&source=x",
            q("from").unwrap_or_default(),
            q("to").unwrap_or_default()
        )
    };
    let timeframe = json!({
        "startTime": adhere::time::fmt_instant(from), "endTime": adhere::time::fmt_instant(to),
        "startTimeL": from.to_string(), "endTimeL": to,
    });
    if v != "2" {
        // v1: grouped by agent; limit and offset count agents; a page holds at most
        // 20 × limit × days-in-query state changes, the rest silently cut (liveperson-api.md §4.1).
        let days = ((to - from + 86_399_999) / 86_400_000).max(1);
        selected.truncate((20 * limit * days) as usize);
        let mut agents: Vec<i64> = selected.iter().map(|r| r["agentId"].as_i64().unwrap()).collect();
        agents.sort();
        agents.dedup();
        let page: Vec<Value> = agents
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|a| {
                let recs: Vec<&Value> = selected.iter().filter(|r| r["agentId"].as_i64() == Some(*a)).collect();
                let hist: Vec<Value> = recs
                    .iter()
                    .map(|r| {
                        let mut h = (*r).clone();
                        for k in ["agentId", "employeeId", "agentLoginName", "agentUserName", "agentGroupId"] {
                            h.as_object_mut().unwrap().remove(k);
                        }
                        h
                    })
                    .collect();
                json!({"agentId": a, "employeeId": recs[0]["employeeId"], "agentLoginName": recs[0]["agentLoginName"],
                       "agentUserName": recs[0]["agentUserName"], "agentGroupId": recs[0]["agentGroupId"], "statusChangeHistory": hist})
            })
            .collect();
        return (
            200,
            json!({"_metadata": {"references": [{"rel": "self", "href": href(offset)}]}, "timeframe": timeframe, "agentsInfo": page})
                .to_string(),
        );
    }
    let total = selected.len() as i64;
    let page: Vec<Value> = selected.into_iter().skip(offset as usize).take(limit as usize).collect();
    let mut refs = vec![json!({"rel": "self", "href": href(offset)}), json!({"rel": "first", "href": href(0)})];
    if total > limit {
        if offset + limit < total {
            refs.push(json!({"rel": "next", "href": href(offset + limit)}));
        }
        if offset > 0 {
            refs.push(json!({"rel": "previous", "href": href((offset - limit).max(0))}));
        }
        refs.push(json!({"rel": "last", "href": href((total - 1) / limit * limit)}));
    }
    (200, json!({"_metadata": {"references": refs}, "timeframe": timeframe, "stateChanges": page}).to_string())
}

/// A realistic data set: `agents` agents, one shift per UTC day in `[first_day, last_day]`
/// (day numbers since the epoch), with the API's quirks: login and default state sharing a
/// millisecond with sessionId -1, an Away reason, a logout without prevStatusChangeTime,
/// agent ids above 2^32, an empty employeeId, an unknown field, and one record exactly at
/// a midnight (a window boundary).
pub fn dataset(agents: usize, first_day: i64, last_day: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let day_ms = 86_400_000i64;
    for day in first_day..=last_day {
        for a in 0..agents {
            let agent_id = 5_400_000_000i64 + a as i64 * 7919;
            let emp = if a % 3 == 0 { String::new() } else { format!("EMP-{a:04}") };
            let login_at = day * day_ms + (6 + (a as i64 % 10)) * 3_600_000 + (a as i64 * 137) % 60_000;
            let session = 50_000_000 + day * 1000 + a as i64;
            let fmt = adhere::time::fmt_instant;
            let base = |t: i64, seq: i64, st: i64, sub: i64, sess: i64, prev: Option<i64>| {
                json!({"agentId": agent_id, "employeeId": emp, "agentLoginName": format!("agent{a}@brand.example"),
                       "agentUserName": format!("Agent Ü{a}"), "agentGroupId": if a % 2 == 0 { -1 } else { 2_204_871_310i64 },
                       "time": fmt(t), "sessionId": sess, "sequenceNumber": seq, "statusType": st, "statusSubType": sub,
                       "statusReasonId": -1, "statusReasonText": null,
                       "prevStatusChangeTime": prev.map(fmt)})
            };
            let t1 = login_at;
            let t2 = t1 + 200_123;
            let t3 = t2 + 2 * 3_600_000 + 5_432;
            let t4 = t3 + 15 * 60_000 + 1;
            let t5 = t4 + 5 * 3_600_000 + 999;
            out.push(base(t1, -1, 3, 0, -1, None));
            out.push(base(t1, 1, 1, 4, -1, None));
            out.push(base(t2, 2, 1, 2, session, Some(t1)));
            let mut away = base(t3, 3, 1, 4, session, Some(t2));
            away["statusReasonId"] = json!(2_642_559_712i64);
            away["statusReasonText"] = json!("Coffee break");
            out.push(away);
            let mut back = base(t4, 4, 1, 2, session, Some(t3));
            if a % 4 == 1 {
                back["skillId"] = json!(42);
            }
            out.push(back);
            let mut logout = base(t5, 5, 4, 0, session, None);
            logout.as_object_mut().unwrap().remove("prevStatusChangeTime");
            out.push(logout);
        }
        // An agent who goes offline exactly at midnight (start of the day).
        let mut midnight = json!({"agentId": 99, "employeeId": "EMP-MID", "agentLoginName": "night@brand.example",
            "agentUserName": "Night", "agentGroupId": -1, "time": adhere::time::fmt_instant(day * day_ms),
            "sessionId": 77, "sequenceNumber": 9, "statusType": 1, "statusSubType": 1,
            "statusReasonId": 0, "statusReasonText": "", "prevStatusChangeTime": adhere::time::fmt_instant(day * day_ms - 60_000)});
        midnight["statusSubType"] = json!(1);
        out.push(midnight);
    }
    out
}

/// The Users, Agent Groups and Status Reasons APIs: the whole list in one answer.
fn configuration(req: &Request, cfg: &Config) -> (u16, String) {
    let q = |k: &str| req.query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let base = format!("/api/account/{ACCOUNT}/configuration/");
    let (items, version) = match req.path.strip_prefix(&base) {
        Some("le-users/users") => (&cfg.users, "4.0"),
        Some("le-users/agentGroups") => (&cfg.groups, "2.0"),
        Some("le-agents/status-reasons") => (&cfg.reasons, "2.0"),
        _ => return (404, json!({"message": "Data not found"}).to_string()),
    };
    match q("v") {
        None => return bad_request(&["v: must be provided".to_string()]),
        Some(v) if v != version && !(version == "2.0" && ["1.0", "4.0"].contains(&v.as_str())) => {
            return bad_request(&[format!("v: unsupported version {v}")]);
        }
        _ => {}
    }
    let deleted = q("include_deleted").as_deref() == Some("true");
    let list: Vec<&Value> = items.iter().filter(|x| deleted || x["deleted"].as_bool() != Some(true)).collect();
    (200, json!(list).to_string())
}

fn num(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// Messaging Interactions conversations search.
fn conversations(req: &Request, cfg: &Config) -> (u16, String) {
    let q = |k: &str| req.query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return bad_request(&["body: must be JSON".to_string()]);
    };
    if !req.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.starts_with("application/json")) {
        return (415, json!({"message": "Unsupported Media Type"}).to_string());
    }
    let mut causes = Vec::new();
    let limit: i64 = q("limit").map(|l| l.parse().unwrap_or(-1)).unwrap_or(50);
    if limit > 100 {
        causes.push("limit: must be less than or equal to 100".to_string());
    }
    if limit < 1 {
        causes.push("limit: must be greater than or equal to 1".to_string());
    }
    let offset: i64 = q("offset").map(|o| o.parse().unwrap_or(-1)).unwrap_or(0);
    if offset < 0 {
        causes.push("offset: must be greater than or equal to 0".to_string());
    }
    const TEN_MIN: i64 = 600_000;
    let range = |name: &str, causes: &mut Vec<String>| -> Option<(i64, i64)> {
        let r = body.get(name)?;
        match (num(&r["from"]), num(&r["to"])) {
            (Some(f), Some(t)) if t >= f => {
                if t - f > 92 * 86_400_000 {
                    causes.push(format!("{name}: the maximum time interval is three months"));
                }
                // Rounded to the last / next 10 minutes; both bounds included.
                Some((f.div_euclid(TEN_MIN) * TEN_MIN, (t + TEN_MIN - 1).div_euclid(TEN_MIN) * TEN_MIN))
            }
            _ => {
                causes.push(format!("{name}: from and to are required, to not before from"));
                None
            }
        }
    };
    let start = range("start", &mut causes);
    if body.get("start").is_none() {
        causes.push("start: must not be null".to_string());
    }
    let end = range("end", &mut causes);
    if !causes.is_empty() {
        return bad_request(&causes);
    }
    let (sf, st) = start.unwrap();
    let statuses: Option<Vec<String>> =
        body["status"].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect());
    let latest: Option<Vec<i64>> = body["latestAgentIds"].as_array().map(|a| a.iter().filter_map(num).collect());
    let wanted: Option<Vec<String>> =
        body["contentToRetrieve"].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect());
    let mut selected: Vec<Value> = cfg
        .conversations
        .iter()
        .filter(|c| {
            let info = &c["info"];
            let s = num(&info["startTimeL"]).unwrap_or(-1);
            let e = num(&info["endTimeL"]).unwrap_or(-1);
            s >= sf
                && s <= st
                && end.is_none_or(|(ef, et)| e > 0 && e >= ef && e <= et)
                && statuses.as_ref().is_none_or(|l| l.iter().any(|x| Some(x.as_str()) == info["status"].as_str()))
                && latest.as_ref().is_none_or(|l| num(&info["latestAgentId"]).is_some_and(|a| l.contains(&a)))
        })
        .map(|c| {
            let mut c = c.clone();
            if let (Some(w), Some(o)) = (&wanted, c.as_object_mut()) {
                o.retain(|k, _| k == "info" || w.contains(k));
            }
            c
        })
        .collect();
    scramble(&mut selected);
    let total = selected.len();
    let page: Vec<Value> = selected.into_iter().skip(offset as usize).take(limit as usize).collect();
    let href = |off: i64| {
        format!(
            "https://va.msghist.example.invalid/messaging_history/api/account/{ACCOUNT}/conversations/search?limit={limit}&offset={off}"
        )
    };
    let mut meta = json!({"count": total, "self": {"rel": "self", "href": href(offset)}, "shardsStatusResult": {"partialResult": false}});
    if offset + limit < total as i64 {
        meta["next"] = json!({"rel": "next", "href": href(offset + limit)});
    }
    (200, json!({"_metadata": meta, "conversationHistoryRecords": page}).to_string())
}

/// A conversation record closed by `latest` (after the agents in `before` had it).
pub fn conversation(id: &str, start: i64, end: Option<i64>, latest: i64, before: &[i64]) -> Value {
    let fmt = |t: i64| adhere::time::fmt_instant(t).replace('T', " ").replace('Z', "+0000");
    let mut participants: Vec<Value> = before
        .iter()
        .enumerate()
        .map(|(i, a)| json!({"agentId": a.to_string(), "timeL": start + i as i64 * 1000, "permission": "ASSIGNED_AGENT", "role": "ASSIGNED_AGENT", "userType": "1"}))
        .collect();
    participants.push(json!({"agentId": latest.to_string(), "timeL": start + before.len() as i64 * 1000 + 500, "permission": "ASSIGNED_AGENT", "role": "ASSIGNED_AGENT", "userType": "1"}));
    let transfers: Vec<Value> = before.iter().map(|a| json!({"sourceAgentId": a.to_string(), "reason": "Agent"})).collect();
    json!({
        "info": {
            "conversationId": id, "startTime": fmt(start), "startTimeL": start,
            "endTime": end.map_or("undefined".to_string(), fmt), "endTimeL": end.unwrap_or(-1),
            "status": if end.is_some() { "CLOSE" } else { "OPEN" }, "closeReason": "AGENT",
            "latestAgentId": latest.to_string(), "latestAgentGroupId": -1, "latestSkillId": -1,
            "brandId": ACCOUNT, "duration": end.map_or(0, |e| e - start)
        },
        "agentParticipants": participants,
        "transfers": transfers,
        "messageRecords": [{"type": "TEXT_PLAIN", "messageData": {"msg": {"text": "a transcript adhere should not ask for"}}}]
    })
}

/// The agentId of agent `a` of [`dataset`].
pub fn agent_id(a: usize) -> i64 {
    5_400_000_000i64 + a as i64 * 7919
}

/// A bot user's id (Users API userTypeId 2).
pub const BOT: i64 = 777;
/// The renamed reason: "Coffee break" in the status changes of [`dataset`], "Coffee" in
/// the Status Reason API now.
pub const COFFEE: i64 = 2_642_559_712;

/// What the Users, Agent Groups and Status Reason APIs answer for the agents of
/// [`dataset`]: every agent with a full name, an employee id (also for the agents whose
/// records have none) and `memberOf` Care East; the midnight agent (99) deleted; a bot; a
/// record without an id. Groups: Main Group (-1) → Care (100) → Care East (2204871310),
/// and a deleted group. Reasons: Coffee break renamed "Coffee", a deleted Lunch (31).
pub fn directory(agents: usize) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let mut users: Vec<Value> = (0..agents)
        .map(|a| {
            json!({"id": agent_id(a).to_string(), "loginName": format!("agent{a}@brand.example"), "fullName": format!("Full Name {a}"),
                   "nickname": format!("Nick {a}"), "employeeId": format!("EMP-{a:04}"),
                   "memberOf": {"agentGroupId": "2204871310", "assignmentDate": "2024-01-02 09:00:00"},
                   "userTypeId": 1, "isApiUser": false, "deleted": false})
        })
        .collect();
    users.push(json!({"id": 99, "loginName": "night@brand.example", "fullName": "Night Owl", "employeeId": "EMP-MID",
                      "memberOf": {"agentGroupId": "-1"}, "userTypeId": 1, "isApiUser": false, "deleted": true}));
    users.push(json!({"id": BOT.to_string(), "loginName": "bot", "fullName": "Routing Bot", "userTypeId": 2, "isApiUser": false, "deleted": false}));
    users.push(json!({"loginName": "no id at all"}));
    let groups = vec![
        json!({"id": -1, "name": "Main Group", "deleted": false}),
        json!({"id": 100, "name": "Care", "parentGroupId": -1, "deleted": false}),
        json!({"id": 2_204_871_310i64, "name": "Care East", "parentGroupId": "100", "deleted": false}),
        json!({"id": 55, "name": "Old Team", "parentGroupId": -1, "deleted": true}),
    ];
    let reasons = vec![
        json!({"id": COFFEE, "text": "Coffee", "state": "Away", "enabled": true, "deleted": false}),
        json!({"id": 31, "text": "Lunch", "state": "Away", "enabled": false, "deleted": true}),
    ];
    (users, groups, reasons)
}
