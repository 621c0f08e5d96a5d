//! Talking to LivePerson: one request at a time, signed afresh on every attempt, with the
//! retry policy of liveperson-api.md §4.6.
//!
//! - 2xx: the body must read (a cut-off or invalid body counts as a network failure).
//! - 429: wait `Retry-After` when sent, else 1 s doubling (capped at 60 s) with up to 50 %
//!   jitter; these waits do not use up the retries below but are bounded in total per
//!   request.
//! - 5xx, timeouts, refused or reset connections, broken bodies: retry after 5, 10 and
//!   15 s, then after 2, 4 and 8 minutes, then give up (the `internalCode` of every 500 is
//!   kept for the error).
//! - 401 with OAuth 2.0: get a new token once per request and try again.
//! - any other 4xx: no retry.
//!
//! Every wait is multiplied by [`RetryPolicy::scale`] (`--retry-scale`,
//! `ADHERE_RETRY_SCALE`), so tests can run the real policy in milliseconds. The retry loop
//! is hand-written: the policy has two independent budgets (429 waits and failure retries),
//! honours `Retry-After` and refreshes a token on 401, which no retry crate models directly.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
pub use reqwest::Method;
use reqwest::StatusCode;
use url::Url;

use super::auth::{encode, oauth1, oauth2, AuthMode, Credentials};
use super::domain::{self, EndpointSource, Endpoints};
use super::model::{self, ErrorBody, Page, PageProblem};
use super::Filter;
use crate::error::{Error, Result};
use crate::time::{self, Ms};

/// How long to wait between attempts.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Multiplies every wait below (and `Retry-After`). 1 in production.
    pub scale: f64,
    /// Waits before each retry after a failure (5xx, network, broken body).
    pub failure_waits: Vec<Duration>,
    /// First wait after a 429 without `Retry-After`; doubles each time.
    pub rate_limit_first: Duration,
    /// Longest single 429 wait without `Retry-After`.
    pub rate_limit_cap: Duration,
    /// Most time one request may spend waiting on 429s.
    pub rate_limit_budget: Duration,
}

impl RetryPolicy {
    /// The documented policy, with every wait multiplied by `scale`.
    pub fn standard(scale: f64) -> RetryPolicy {
        let s = Duration::from_secs;
        RetryPolicy {
            scale,
            failure_waits: vec![s(5), s(10), s(15), s(120), s(240), s(480)],
            rate_limit_first: s(1),
            rate_limit_cap: s(60),
            rate_limit_budget: s(600),
        }
    }

    fn scaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() * self.scale).unwrap_or(Duration::MAX)
    }

    /// The unscaled wait after the `hit`-th 429 (1-based) when no `Retry-After` came.
    fn rate_limit_backoff(&self, hit: u32) -> Duration {
        let base = self.rate_limit_first.saturating_mul(1u32 << (hit - 1).min(16)).min(self.rate_limit_cap);
        base.mul_f64(1.0 + rand::random::<f64>() * 0.5)
    }
}

/// Most 429 answers one request may take before it fails, whatever the waits add up to.
const MAX_RATE_LIMIT_HITS: u32 = 50;

/// Waits between attempts. Tests record the waits instead of sleeping.
pub trait Sleeper {
    fn sleep(&self, d: Duration);
}

/// Sleeps the thread.
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// What happens during a fetch, for the progress bar, `--verbose` and tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A service's host was resolved (or fixed by `--base-url`).
    Resolved { service: &'a str, url: &'a str },
    /// One HTTP attempt finished. `target` is the path and query (never a header).
    Request { method: &'a str, target: &'a str, status: Option<u16>, latency: Duration, error: Option<&'a str> },
    /// About to wait before trying again.
    Retry { reason: &'a str, wait: Duration, rate_limited: bool },
    /// A new OAuth 2.0 token was issued.
    Token,
    /// The API named a smaller maximum page size.
    PageSize { from: u32, to: u32 },
    /// A window's fetch begins (`index` is 0-based).
    WindowStart { index: usize, total: usize, start: Ms, end: Ms },
    /// A page of a window arrived.
    Page { records: usize },
    /// A window is in the store.
    WindowDone { index: usize, records: usize, provisional: bool },
    /// Something worth a line with `--verbose` (enrichment stored, …).
    Note { text: &'a str },
}

/// Counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
}

/// Which LivePerson API a request was for, so that errors name the right permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Status changes (`agentActivityDomain`); also the Domain API and token calls.
    AgentActivity,
    /// Users, agent groups and status reasons (`accountConfigReadOnly`).
    AccountConfig,
    /// Conversations (`msgHist`).
    MessagingInteractions,
}

impl Api {
    /// The API a service's calls belong to.
    pub fn of_service(service: &str) -> Api {
        match service {
            domain::ACCOUNT_CONFIG => Api::AccountConfig,
            domain::MESSAGING_HISTORY => Api::MessagingInteractions,
            _ => Api::AgentActivity,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Api::AgentActivity => "Agent Activity API",
            Api::AccountConfig => "account configuration APIs (Users, Agent Groups, Agent Status Reasons)",
            Api::MessagingInteractions => "Messaging Interactions API",
        }
    }
    /// What a key or installation needs, in the words of LivePerson's console.
    fn permission(self) -> &'static str {
        match self {
            Api::AgentActivity => "the Agent Activity permission (Data > Workforce Management > Agent Status Changes)",
            Api::AccountConfig => {
                "read access to the account configuration (users, agent groups, status reasons; OAuth 2.0 scope users.read)"
            }
            Api::MessagingInteractions => "the Messaging Interactions (Engagement History) permission",
        }
    }
    fn access(self) -> String {
        match self {
            Api::AgentActivity => "access to the Agent Activity API (Data > Workforce Management > Agent Status Changes)".to_string(),
            _ => format!("{} for the {}", self.permission(), self.name()),
        }
    }
}

/// A request that failed for good.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// 400: the request was refused; `causes` say why.
    BadRequest { target: String, body: Box<ErrorBody>, api: Api },
    /// 401 (after one token refresh with OAuth 2.0).
    Unauthorized { target: String, body: Box<ErrorBody>, mode: AuthMode, token_endpoint: bool, account: String, now: Ms, api: Api },
    /// Any other 4xx.
    Refused { target: String, status: u16, body: Box<ErrorBody>, api: Api },
    /// 429 for longer than the budget allows.
    RateLimited { target: String, waited: Duration, hits: u32 },
    /// Failures (5xx, network, broken bodies) outlasted every retry.
    GaveUp { target: String, host: String, attempts: u32, elapsed: Duration, last: String, internal_codes: Vec<String> },
    /// A 2xx answer that cannot be used (not a page, a v1 page, no baseURI, no token).
    BadAnswer { target: String, why: String },
}

impl ApiError {
    /// The maximum page size a 400 names (`limit: must be less than or equal to N`).
    pub fn limit_maximum(&self) -> Option<u32> {
        match self {
            ApiError::BadRequest { body, .. } => body.limit_maximum(),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::BadRequest { target, body, api } => {
                write!(f, "LivePerson refused the request (400 Bad Request): {target}")?;
                if body.causes.is_empty() {
                    if let Some(m) = &body.message {
                        write!(f, "\n  message: {m}")?;
                    }
                } else {
                    write!(f, "\n  causes: {}", body.causes.join("; "))?;
                }
                match api {
                    Api::AgentActivity => write!(f, "\n  hint: check --from/--to (at most 6 months back), --page-size and the filter flags"),
                    Api::MessagingInteractions => write!(f, "\n  hint: check --from/--to (LivePerson keeps conversations 13 months)"),
                    Api::AccountConfig => write!(f, "\n  hint: the causes above say what LivePerson did not accept"),
                }
            }
            ApiError::Unauthorized {
                target,
                body,
                mode,
                token_endpoint,
                account,
                now,
                api,
            } => {
                if *token_endpoint {
                    write!(f, "LivePerson's token service refused the OAuth 2.0 client credentials (401): {target}")?;
                } else {
                    write!(f, "LivePerson refused the credentials (401 Unauthorized): {target}")?;
                }
                match body.oauth_problem() {
                    Some(p) => {
                        write!(f, "\n  oauth_problem: {p}")?;
                        if let Some(a) = body.oauth_advice() {
                            write!(f, " ({a})")?;
                        }
                    }
                    None => {
                        if let Some(r) = &body.reason {
                            write!(f, "\n  reason: {r}")?;
                        }
                    }
                }
                if let Some(m) = &body.message {
                    write!(f, "\n  message: {m}")?;
                }
                write!(f, "\n  what to check:")?;
                match mode {
                    AuthMode::OAuth1 => {
                        let first = match body.oauth_problem() {
                            Some("signature_invalid") => "- the signature did not match: LP_APP_SECRET and LP_ACCESS_TOKEN_SECRET must be the key's Secret and Access token secret, copied exactly; a proxy must not rewrite the URL",
                            Some("timestamp_refused") | Some("nonce_used") => "- this computer's clock must be right: OAuth 1.0 signatures carry a timestamp",
                            _ => "- LP_APP_KEY and LP_ACCESS_TOKEN must be the App key and Access token of one API key that is still active",
                        };
                        write!(f, "\n  {first}")?;
                        write!(f, "\n  - the API key needs {}, and LivePerson must have enabled the {} for account {account}", api.permission(), api.name())?;
                        // 2026-05-31T00:00:00Z: the end of life of OAuth 1.0 app keys.
                        let retired = *now >= 1_780_185_600_000;
                        let when = if retired { "reached their end of life on 31 May 2026 and are refused since" } else { "stop working on 31 May 2026 (read-only since 30 Sep 2025)" };
                        write!(f, "\n  - OAuth 1.0 app keys {when}: move to OAuth 2.0 client credentials (--auth oauth2 with LP_CLIENT_ID and LP_CLIENT_SECRET)")?;
                        write!(f, "\n  - this computer's clock must be within a few minutes of the real time (it says {})", time::fmt_instant(*now))?;
                    }
                    AuthMode::OAuth2 => {
                        write!(f, "\n  - LP_CLIENT_ID and LP_CLIENT_SECRET must be the client credentials of an enabled App Installation of account {account}")?;
                        if !token_endpoint {
                            write!(f, "\n  - the installation's scope must include the {}, and LivePerson must have enabled that API for the account (a fresh token was tried once and refused too)", api.name())?;
                        }
                    }
                }
                Ok(())
            }
            ApiError::Refused { target, status, body, api } => {
                let name = StatusCode::from_u16(*status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
                write!(f, "LivePerson refused the request ({status} {name}): {target}")?;
                if !body.causes.is_empty() {
                    write!(f, "\n  causes: {}", body.causes.join("; "))?;
                }
                if let Some(m) = &body.message {
                    write!(f, "\n  message: {m}")?;
                }
                match status {
                    403 => write!(f, "\n  hint: the credentials lack a permission: give the key or installation {}", api.access()),
                    404 => write!(f, "\n  hint: check --account, and that the {} is enabled for the account", api.name()),
                    _ => Ok(()),
                }
            }
            ApiError::RateLimited { target, waited, hits } => write!(
                f,
                "LivePerson kept answering 429 Too Many Requests ({hits} times, {} of waiting): {target}\n  hint: wait a while and run the same command again; it resumes where it stopped",
                fmt_wait(*waited)
            ),
            ApiError::GaveUp {
                target,
                host,
                attempts,
                elapsed,
                last,
                internal_codes,
            } => {
                write!(f, "giving up on {host} after {attempts} attempts over {}: {target}\n  last error: {last}", fmt_wait(*elapsed))?;
                if !internal_codes.is_empty() {
                    write!(f, "\n  internalCode: {} (quote it to LivePerson support)", internal_codes.join(", "))?;
                }
                write!(f, "\n  hint: run the same command again later; windows already fetched are kept and skipped")
            }
            ApiError::BadAnswer { target, why } => write!(f, "LivePerson sent an answer adhere cannot use: {target}\n  {why}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Error {
        Error::Api(e.to_string())
    }
}

/// `1.5s`, `5s`, `2m30s`: waits in messages.
pub fn fmt_wait(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    if s < 60 {
        let tenths = (ms % 1000) / 100;
        return if tenths == 0 { format!("{s}s") } else { format!("{s}.{tenths}s") };
    }
    if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{}m{}s", s / 60, s % 60)
    }
}

/// Everything a [`Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub account: String,
    pub endpoints: EndpointSource,
    pub credentials: Credentials,
    /// Longest a request may take, connecting and reading included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
}

/// The query of one status-changes page.
#[derive(Debug, Clone)]
pub struct PageQuery<'a> {
    pub from: Ms,
    pub to: Ms,
    pub filter: Option<&'a Filter>,
    pub source: &'a str,
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallAuth {
    None,
    /// Signed (OAuth 1.0a) or bearer (OAuth 2.0).
    Api,
    /// The client-credentials form of the token request.
    TokenForm,
}

struct Call {
    method: Method,
    url: Url,
    /// The decoded query parameters as sent (what OAuth 1.0a signs).
    query: Vec<(String, String)>,
    auth: CallAuth,
    /// A JSON body (not signed: OAuth 1.0a signs only form bodies).
    body: Option<Vec<u8>>,
    api: Api,
}

impl Call {
    fn new(method: Method, mut url: Url, query: Vec<(String, String)>, auth: CallAuth) -> Call {
        if !query.is_empty() {
            let q = query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
            url.set_query(Some(&q));
        }
        Call { method, url, query, auth, body: None, api: Api::AgentActivity }
    }
    fn for_api(mut self, api: Api) -> Call {
        self.api = api;
        self
    }
    /// `GET /path?query`, for messages.
    fn target(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{} {}?{}", self.method, self.url.path(), q),
            None => format!("{} {}", self.method, self.url.path()),
        }
    }
    fn host(&self) -> String {
        match self.url.port() {
            Some(p) => format!("{}:{p}", self.url.host_str().unwrap_or("")),
            None => self.url.host_str().unwrap_or("").to_string(),
        }
    }
}

/// What a 2xx body turned out to be.
enum BodyProblem {
    /// Cut off or garbled: try again.
    Retry(String),
    /// Well-formed but unusable: stop.
    Fatal(String),
}

/// A 2xx body without what it should hold: cut off or garbled (try again), or well-formed
/// JSON that lacks it (stop).
fn missing(body: &[u8], what: &str) -> BodyProblem {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(_) => BodyProblem::Fatal(what.to_string()),
        Err(e) => BodyProblem::Retry(format!("the answer was cut off or is not valid JSON ({e})")),
    }
}

/// A LivePerson API client for one account and one run.
pub struct Client {
    http: reqwest::blocking::Client,
    account: String,
    source: EndpointSource,
    endpoints: Option<Endpoints>,
    /// Hosts of every service resolved so far.
    services: HashMap<String, Url>,
    credentials: Credentials,
    token: Option<oauth2::Token>,
    retry: RetryPolicy,
    timeout: Duration,
    sleeper: Box<dyn Sleeper>,
    observer: Box<dyn FnMut(&Event<'_>)>,
    pub stats: ClientStats,
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client> {
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            .user_agent(concat!("adhere/", env!("CARGO_PKG_VERSION")))
            // A redirect would send a request signed for one URL to another, or to a host the
            // Domain API never named: report the 3xx instead of following it.
            .redirect(reqwest::redirect::Policy::none());
        // HTTP(S)_PROXY applies to LivePerson, but never to a server on this machine (a test
        // server or a local proxy given as --base-url / --domain-api).
        let (EndpointSource::Fixed(u) | EndpointSource::Lookup(u)) = &opts.endpoints;
        let loopback = match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if loopback {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| Error::Api(format!("cannot set up the HTTP client: {}", error_chain(&e))))?;
        Ok(Client {
            http,
            account: opts.account,
            source: opts.endpoints,
            endpoints: None,
            services: HashMap::new(),
            credentials: opts.credentials,
            token: None,
            retry: opts.retry,
            timeout: opts.timeout,
            sleeper: Box::new(ThreadSleeper),
            observer: Box::new(|_| {}),
            stats: ClientStats::default(),
        })
    }

    pub fn with_sleeper(mut self, sleeper: Box<dyn Sleeper>) -> Client {
        self.sleeper = sleeper;
        self
    }

    pub fn with_observer(mut self, observer: Box<dyn FnMut(&Event<'_>)>) -> Client {
        self.observer = observer;
        self
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn emit(&mut self, e: &Event<'_>) {
        (self.observer)(e)
    }

    /// Resolves the hosts once per run (agentActivityDomain, and sentinel for OAuth 2.0).
    pub fn resolve(&mut self) -> Result<Endpoints, ApiError> {
        if let Some(e) = &self.endpoints {
            return Ok(e.clone());
        }
        let oauth2 = self.credentials.mode() == AuthMode::OAuth2;
        let agent_activity = self.service_url(domain::AGENT_ACTIVITY)?;
        let sentinel = if oauth2 { Some(self.service_url(domain::SENTINEL)?) } else { None };
        let endpoints = Endpoints { agent_activity, sentinel };
        self.endpoints = Some(endpoints.clone());
        Ok(endpoints)
    }

    /// The host of one service, looked up once per run (or `--base-url` for every service).
    pub fn service_url(&mut self, service: &str) -> Result<Url, ApiError> {
        if let Some(u) = self.services.get(service) {
            return Ok(u.clone());
        }
        let url = match self.source.clone() {
            EndpointSource::Fixed(url) => {
                let shown = url.to_string();
                self.emit(&Event::Resolved { service, url: &shown });
                url
            }
            EndpointSource::Lookup(api) => self.lookup(&api, service)?,
        };
        self.services.insert(service.to_string(), url.clone());
        Ok(url)
    }

    fn lookup(&mut self, api: &Url, service: &str) -> Result<Url, ApiError> {
        let call = Call::new(Method::GET, domain::lookup_url(api, &self.account, service), Vec::new(), CallAuth::None)
            .for_api(Api::of_service(service));
        let api2 = api.clone();
        let url = self.execute(&call, &move |body| {
            let base =
                model::parse_base_uri(body).ok_or_else(|| missing(body, "the Domain API's answer has no baseURI (check --account)"))?;
            domain::host_url(&api2, &base).ok_or_else(|| BodyProblem::Fatal(format!("the baseURI {base:?} is not a host name")))
        })?;
        let shown = url.to_string();
        self.emit(&Event::Resolved { service, url: &shown });
        Ok(url)
    }

    /// A signed JSON call to `service` at `path` (the account's path, query and JSON body
    /// as given): the same auth, retries and host resolution as status-changes. `read`
    /// turns the JSON answer into `T`; its error means a well-formed answer of the wrong
    /// shape (not retried). A body that is not JSON counts as cut off (retried).
    pub fn call_json<T>(
        &mut self,
        method: Method,
        service: &str,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<&serde_json::Value>,
        read: &dyn Fn(serde_json::Value) -> Result<T, String>,
    ) -> Result<T, ApiError> {
        let mut url = self.service_url(service)?;
        url.set_path(path);
        let mut call = Call::new(method, url, query, CallAuth::Api).for_api(Api::of_service(service));
        call.body = body.map(|b| serde_json::to_vec(b).expect("a JSON value serializes"));
        self.execute(&call, &|bytes| {
            let value: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|e| BodyProblem::Retry(format!("the answer was cut off or is not valid JSON ({e})")))?;
            read(value).map_err(BodyProblem::Fatal)
        })
    }

    /// One page of `GET /api/v2/account/{account}/status-changes`.
    pub fn status_changes(&mut self, q: &PageQuery<'_>) -> Result<Page, ApiError> {
        let base = self.resolve()?.agent_activity;
        let mut url = base;
        url.set_path(&format!("/api/v2/account/{}/status-changes", encode(&self.account)));
        let mut query = vec![
            ("v".to_string(), "2".to_string()),
            ("source".to_string(), q.source.to_string()),
            ("from".to_string(), time::fmt_instant(q.from)),
            ("to".to_string(), time::fmt_instant(q.to)),
        ];
        if let Some(f) = q.filter {
            let (k, v) = f.query_pair();
            query.push((k.to_string(), v));
        }
        query.push(("limit".to_string(), q.limit.to_string()));
        query.push(("offset".to_string(), q.offset.to_string()));
        let call = Call::new(Method::GET, url, query, CallAuth::Api);
        self.execute(&call, &|body| match model::parse_page(body) {
            Ok(p) => Ok(p),
            Err(PageProblem::Malformed(e)) => Err(BodyProblem::Retry(format!("the answer was cut off or is not valid JSON ({e})"))),
            Err(PageProblem::V1) => Err(BodyProblem::Fatal(
                "the answer is a v1 page (agentsInfo) although v=2 was sent; v1 pages may be silently truncated, so adhere does not store them".to_string(),
            )),
            Err(PageProblem::NotAPage) => Err(BodyProblem::Fatal("the answer is JSON but not a status-changes page".to_string())),
        })
    }

    /// The Authorization header for an API call: a fresh OAuth 1.0a signature, or the
    /// cached (or a new) OAuth 2.0 token.
    fn authorization(&mut self, call: &Call) -> Result<HeaderValue, ApiError> {
        let value = match &self.credentials {
            Credentials::OAuth1(keys) => {
                let ts = (now_ms() / 1000).to_string();
                oauth1::header(call.method.as_str(), &call.url, &call.query, keys, &oauth1::nonce(), &ts)
            }
            Credentials::OAuth2(_) => format!("Bearer {}", self.bearer()?),
        };
        let mut v = HeaderValue::from_str(&value).map_err(|_| ApiError::BadAnswer {
            target: call.target(),
            why: "the OAuth 2.0 token holds characters that cannot go in a header".to_string(),
        })?;
        v.set_sensitive(true);
        Ok(v)
    }

    fn bearer(&mut self) -> Result<String, ApiError> {
        if let Some(t) = &self.token {
            if t.is_fresh(now_ms()) {
                return Ok(t.value.expose().to_string());
            }
        }
        let mut url = self.service_url(domain::SENTINEL)?;
        url.set_path(&format!("/sentinel/api/v2/account/{}/app/token", encode(&self.account)));
        let call = Call::new(Method::POST, url, Vec::new(), CallAuth::TokenForm);
        let (value, expires_in) =
            self.execute(&call, &|body| model::parse_token(body).ok_or_else(|| missing(body, "the token answer has no access_token")))?;
        let token = oauth2::Token::new(value, expires_in, now_ms());
        let out = token.value.expose().to_string();
        self.token = Some(token);
        self.emit(&Event::Token);
        Ok(out)
    }

    /// Replaces every secret (and the current token) in text a server sent back.
    fn redact(&self, s: &str) -> String {
        let mut out = s.to_string();
        let token = self.token.as_ref().map(|t| t.value.expose());
        for secret in self.credentials.secret_values().into_iter().chain(token) {
            if secret.len() >= 6 {
                out = out.replace(secret, "***");
            }
        }
        out
    }

    fn redact_body(&self, mut b: ErrorBody) -> ErrorBody {
        b.causes = b.causes.iter().map(|c| self.redact(c)).collect();
        b.reason = b.reason.map(|r| self.redact(&r));
        b.message = b.message.map(|m| self.redact(&m));
        b
    }

    /// Sends `call` until it succeeds or the policy gives up; `accept` reads a 2xx body.
    fn execute<T>(&mut self, call: &Call, accept: &dyn Fn(&[u8]) -> Result<T, BodyProblem>) -> Result<T, ApiError> {
        let target = call.target();
        let host = call.host();
        let started = Instant::now();
        let mut failures = 0usize;
        let mut attempts = 0u32;
        let mut rate_hits = 0u32;
        let mut rate_waited = Duration::ZERO;
        let mut refreshed = false;
        let mut internal_codes: Vec<String> = Vec::new();
        loop {
            attempts += 1;
            let mut rb = self.http.request(call.method.clone(), call.url.clone());
            match call.auth {
                CallAuth::None => {}
                CallAuth::Api => rb = rb.header(AUTHORIZATION, self.authorization(call)?),
                CallAuth::TokenForm => {
                    let Credentials::OAuth2(c) = &self.credentials else { unreachable!("tokens are only requested with OAuth 2.0") };
                    rb = rb.form(&[
                        ("client_id", c.client_id.expose()),
                        ("client_secret", c.client_secret.expose()),
                        ("grant_type", "client_credentials"),
                    ]);
                }
            }
            if let Some(body) = &call.body {
                rb = rb.header(CONTENT_TYPE, "application/json").body(body.clone());
            }
            let t0 = Instant::now();
            let outcome = rb.send().and_then(|r| {
                let status = r.status();
                let retry_after = retry_after(r.headers());
                let body = r.bytes()?;
                Ok((status, retry_after, body))
            });
            let latency = t0.elapsed();
            self.stats.requests += 1;
            let failure: String = match outcome {
                Err(e) => {
                    let why = self.redact(&describe(&e, &host, self.timeout));
                    self.emit(&Event::Request {
                        method: call.method.as_str(),
                        target: target_of(&target),
                        status: None,
                        latency,
                        error: Some(&why),
                    });
                    why
                }
                Ok((status, retry_after, body)) => {
                    self.emit(&Event::Request {
                        method: call.method.as_str(),
                        target: target_of(&target),
                        status: Some(status.as_u16()),
                        latency,
                        error: None,
                    });
                    if status.is_success() {
                        match accept(&body) {
                            Ok(v) => return Ok(v),
                            Err(BodyProblem::Retry(why)) => why,
                            Err(BodyProblem::Fatal(why)) => return Err(ApiError::BadAnswer { target, why }),
                        }
                    } else if status == StatusCode::TOO_MANY_REQUESTS {
                        rate_hits += 1;
                        self.stats.rate_limited += 1;
                        // A `Retry-After` of 0 (or a date in the past) still waits the first
                        // backoff step, and the count of 429s is bounded too, so a server that
                        // keeps answering 429 at once cannot hold a request forever.
                        let asked = retry_after.unwrap_or_else(|| self.retry.rate_limit_backoff(rate_hits));
                        let wait = self.retry.scaled(asked.max(self.retry.rate_limit_first));
                        if rate_waited + wait > self.retry.scaled(self.retry.rate_limit_budget) || rate_hits > MAX_RATE_LIMIT_HITS {
                            return Err(ApiError::RateLimited { target, waited: rate_waited, hits: rate_hits });
                        }
                        rate_waited += wait;
                        let reason = match retry_after {
                            Some(_) => "429 Too Many Requests (waiting as Retry-After asks)".to_string(),
                            None => "429 Too Many Requests".to_string(),
                        };
                        self.emit(&Event::Retry { reason: &reason, wait, rate_limited: true });
                        self.sleeper.sleep(wait);
                        continue;
                    } else if status.is_server_error() {
                        let b = ErrorBody::parse(&body);
                        let mut why = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("server error"));
                        if let Some(code) = b.internal_code {
                            let code = self.redact(&code);
                            why.push_str(&format!(" (internalCode {code})"));
                            if !internal_codes.contains(&code) {
                                internal_codes.push(code);
                            }
                        }
                        why
                    } else {
                        let b = Box::new(self.redact_body(ErrorBody::parse(&body)));
                        let oauth2 = self.credentials.mode() == AuthMode::OAuth2;
                        if status == StatusCode::UNAUTHORIZED && call.auth == CallAuth::Api && oauth2 && !refreshed {
                            refreshed = true;
                            self.token = None;
                            continue;
                        }
                        let api = call.api;
                        return Err(match status.as_u16() {
                            400 => ApiError::BadRequest { target, body: b, api },
                            401 => ApiError::Unauthorized {
                                target,
                                body: b,
                                mode: self.credentials.mode(),
                                token_endpoint: call.auth == CallAuth::TokenForm,
                                account: self.account.clone(),
                                now: now_ms(),
                                api,
                            },
                            s => ApiError::Refused { target, status: s, body: b, api },
                        });
                    }
                }
            };
            let Some(&wait) = self.retry.failure_waits.get(failures) else {
                return Err(ApiError::GaveUp { target, host, attempts, elapsed: started.elapsed(), last: failure, internal_codes });
            };
            failures += 1;
            let wait = self.retry.scaled(wait);
            self.stats.retries += 1;
            let reason = format!("{failure} (retry {failures} of {})", self.retry.failure_waits.len());
            self.emit(&Event::Retry { reason: &reason, wait, rate_limited: false });
            self.sleeper.sleep(wait);
        }
    }
}

/// `GET /path?q` → `/path?q` (the method is reported separately).
fn target_of(target: &str) -> &str {
    target.split_once(' ').map_or(target, |(_, t)| t)
}

pub fn now_ms() -> Ms {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as Ms).unwrap_or(0)
}

/// `Retry-After`: delay seconds, or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?.timestamp_millis();
    Some(Duration::from_millis(at.saturating_sub(now_ms()).max(0) as u64))
}

/// The messages of an error and its causes, without reqwest's URL prefix.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

/// A network failure in words, naming the host.
fn describe(e: &reqwest::Error, host: &str, timeout: Duration) -> String {
    let chain = error_chain(e);
    if e.is_timeout() {
        format!("no complete answer from {host} within {} (timed out)", fmt_wait(timeout))
    } else if e.is_connect() {
        format!("cannot connect to {host}: {chain}")
    } else if e.is_body() || e.is_decode() {
        format!("the connection to {host} broke while reading the answer: {chain}")
    } else {
        format!("request to {host} failed: {chain}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_well() {
        assert_eq!(fmt_wait(Duration::from_millis(5)), "5ms");
        assert_eq!(fmt_wait(Duration::from_secs(5)), "5s");
        assert_eq!(fmt_wait(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_wait(Duration::from_secs(120)), "2m");
        assert_eq!(fmt_wait(Duration::from_secs(150)), "2m30s");
    }

    #[test]
    fn rate_limit_backoff_doubles_from_one_second_with_jitter() {
        let p = RetryPolicy::standard(1.0);
        for hit in 1..=8u32 {
            let base = Duration::from_secs(1u64 << (hit - 1)).min(Duration::from_secs(60));
            let w = p.rate_limit_backoff(hit);
            assert!(w >= base && w <= base.mul_f64(1.5), "hit {hit}: {w:?}");
        }
        assert_eq!(RetryPolicy::standard(0.001).scaled(Duration::from_secs(5)), Duration::from_millis(5));
    }

    #[test]
    fn retry_after_seconds_or_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO)); // in the past
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
