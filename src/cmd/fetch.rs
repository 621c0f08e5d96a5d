//! `adhere fetch --account ID [--from T --to T | --days N] [--out DIR] [filters] [options]`
//!
//! Fetches agent status changes from the LivePerson Agent Activity API into a resumable
//! store (Parquet day files plus a manifest) that `report` and `states` read with
//! `--activity DIR`; beside them, with `--with`, users, agent groups, status reasons and
//! closed conversations (default: users, groups, reasons). Credentials come from the
//! environment only.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use is_terminal::IsTerminal;

use crate::error::{Error, Result};
use crate::liveperson::auth::{AuthMode, Credentials};
use crate::liveperson::client::{self, fmt_wait, Client, ClientOptions, Event, RetryPolicy};
use crate::liveperson::domain::{self, EndpointSource};
use crate::liveperson::enrich::{self, ConversationsRequest, ConversationsSummary, Extra, SnapshotSummary};
use crate::liveperson::store::Store;
use crate::liveperson::{self, FetchRequest, FetchSummary, Filter};
use crate::time::{self, Ms, DAY, SECOND};

const EXAMPLES: &str = "\
Credentials (environment only):
  OAuth 2.0:  LP_CLIENT_ID, LP_CLIENT_SECRET
  OAuth 1.0:  LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN, LP_ACCESS_TOKEN_SECRET

Examples:
  adhere fetch --account 12345678 --days 7
  adhere fetch --account 12345678 --from 2024-03-01 --to 2024-03-31 --out ./march
  adhere fetch --account 12345678 --from 2024-03-04T08:00:00Z --to 2024-03-04T20:00:00Z --group-id 2204871310
  adhere fetch --account 12345678 --days 7 --with all
  adhere fetch --account 12345678 --days 7 --with none
  ADHERE_RETRY_SCALE=0.01 adhere fetch --account 12345678 --base-url http://127.0.0.1:8080 --days 1";

/// Flags of `adhere fetch`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// LivePerson account (site) ID.
    #[arg(long, env = "LP_ACCOUNT", value_name = "ID")]
    pub account: String,

    /// Start of the range: an RFC 3339 instant (2024-03-04T08:00:00Z) or a UTC date
    /// (2024-03-04, from its midnight). At most 6 months back.
    #[arg(long, value_name = "TIME", requires = "to", conflicts_with = "days")]
    pub from: Option<String>,

    /// End of the range, exclusive: an RFC 3339 instant, or a UTC date (that whole day is
    /// included). A time after now means now.
    #[arg(long, value_name = "TIME", requires = "from", conflicts_with = "days")]
    pub to: Option<String>,

    /// The N days (24-hour periods) before now. Default when no --from/--to: 1.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,

    /// The store directory (created if missing; fetching again resumes it).
    #[arg(long, value_name = "DIR", default_value = "adhere-data")]
    pub out: PathBuf,

    /// Only this agent (LivePerson user ID).
    #[arg(long, value_name = "N", group = "agent_filter", allow_negative_numbers = true)]
    pub agent_id: Option<i64>,

    /// Only the agent with this employee ID.
    #[arg(long, value_name = "ID", group = "agent_filter")]
    pub emp_id: Option<String>,

    /// Only agents of this agent group.
    #[arg(long, value_name = "N", group = "agent_filter", allow_negative_numbers = true)]
    pub group_id: Option<i64>,

    /// Records per page to ask for; lowered automatically when the API names a smaller
    /// maximum.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: u32,

    /// The `source` sent with every request, naming the caller (at most 20 characters).
    #[arg(long, value_name = "NAME", default_value = "adhere")]
    pub source: String,

    /// Which credentials to use. Default: OAuth 2.0 when LP_CLIENT_ID and LP_CLIENT_SECRET
    /// are set, else OAuth 1.0.
    #[arg(long, value_enum)]
    pub auth: Option<AuthMode>,

    /// The Domain API that says which hosts serve the account. A plain http:// URL makes
    /// the hosts it names be used over http too.
    #[arg(long, value_name = "URL", default_value = domain::DEFAULT_DOMAIN_API)]
    pub domain_api: String,

    /// Skip the domain lookup and send every request to this scheme and host (a proxy or a
    /// test server).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// What to fetch beside the status changes, comma-separated: users, groups, reasons,
    /// conversations (closed conversations per agent), all or none. Default
    /// users,groups,reasons; a failure to fetch those is then a warning, while whatever
    /// --with names must succeed.
    #[arg(long, value_name = "LIST", value_parser = parse_with)]
    pub with: Option<WithList>,

    /// Fetch every window of the range again, even those already complete in the store
    /// (and users, groups and reasons however recently they were fetched).
    #[arg(long)]
    pub refresh: bool,

    /// Log every request (method, path, query, status, time taken) to stderr.
    #[arg(long, short)]
    pub verbose: bool,

    /// Longest a single request may take, connecting and reading included.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub timeout: String,

    /// Longest to wait for a connection.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub connect_timeout: String,

    /// Multiply every retry wait by this (1 = the documented 5, 10, 15 s ...; 0.01 for
    /// tests against a local server).
    #[arg(long, value_name = "FACTOR", env = "ADHERE_RETRY_SCALE", default_value_t = 1.0)]
    pub retry_scale: f64,
}

/// A `--with` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithList(pub Vec<Extra>);

fn parse_with(s: &str) -> std::result::Result<WithList, String> {
    Extra::parse_list(s).map(WithList)
}

/// The range and filter of a run, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub from: Ms,
    pub to: Ms,
    pub filter: Option<Filter>,
}

/// Reads `--from`/`--to`: an instant, or a UTC date (a `--to` date means the end of it).
fn parse_bound(flag: &str, written: &str, is_end: bool) -> Result<Ms> {
    let s = written.trim();
    if let Some(ms) = time::parse_rfc3339(s) {
        return Ok(ms);
    }
    if let Some(d) = time::parse_date(s) {
        return Ok((time::day_number(d) + i64::from(is_end)) * DAY);
    }
    let hint = if time::parse_local(s).is_some() { " (add Z or an offset such as +01:00)" } else { "" };
    Err(Error::usage(format!("{flag} {written:?}: not an RFC 3339 instant (2024-03-04T08:00:00Z) or a date (2024-03-04){hint}")))
}

/// Works out and checks the range and filter, before any request is made.
pub fn plan(args: &Args, now: Ms) -> Result<Plan> {
    let now = now - now.rem_euclid(SECOND);
    let (from, to) = match (&args.from, &args.to, args.days) {
        (Some(f), Some(t), _) => (parse_bound("--from", f, false)?, parse_bound("--to", t, true)?),
        (_, _, Some(0)) => return Err(Error::usage("--days must be at least 1")),
        (_, _, Some(n)) => (now - i64::from(n) * DAY, now),
        _ => (now - DAY, now),
    };
    if to <= from {
        return Err(Error::usage(format!(
            "the range is empty: --to ({}) must be after --from ({})",
            time::fmt_instant(to),
            time::fmt_instant(from)
        )));
    }
    if from >= now {
        return Err(Error::usage(format!("--from {} is in the future: there is nothing to fetch yet", time::fmt_instant(from))));
    }
    let oldest = liveperson::oldest_start(now);
    if from < oldest {
        return Err(Error::usage(format!(
            "--from {} is more than 6 months ago: the Agent Activity API keeps 6 months of history, so the oldest start allowed now is {}",
            time::fmt_instant(from),
            time::fmt_instant(oldest)
        )));
    }
    let source_len = args.source.chars().count();
    if source_len == 0 || source_len > 20 || args.source.chars().any(char::is_control) {
        return Err(Error::usage(format!("--source {:?}: give 1 to 20 printable characters naming this tool (e.g. adhere)", args.source)));
    }
    if args.account.trim().is_empty() {
        return Err(Error::usage("--account is empty"));
    }
    let filter = match (&args.agent_id, &args.emp_id, &args.group_id) {
        (Some(a), _, _) => Some(Filter::AgentId(*a)),
        (_, Some(e), _) if e.trim().is_empty() => return Err(Error::usage("--emp-id is empty")),
        (_, Some(e), _) => Some(Filter::EmpId(e.trim().to_string())),
        (_, _, Some(g)) => Some(Filter::GroupId(*g)),
        _ => None,
    };
    if !(args.retry_scale.is_finite() && args.retry_scale >= 0.0) {
        return Err(Error::usage(format!("--retry-scale {}: give a factor of 0 or more (1 = the documented waits)", args.retry_scale)));
    }
    Ok(Plan { from, to: to.min(now), filter })
}

fn parse_timeout(flag: &str, written: &str) -> Result<Duration> {
    match time::parse_duration(written) {
        Some(ms) if ms > 0 => Ok(Duration::from_millis(ms as u64)),
        _ => Err(Error::usage(format!("{flag} {written:?}: give a positive duration such as 500ms, 30s or 2m"))),
    }
}

/// Progress on a terminal, request logs with `--verbose`, retry notices always.
struct Ui {
    bar: Option<ProgressBar>,
    verbose: bool,
    day: String,
    pages: u64,
    records: u64,
    retries: u64,
}

impl Ui {
    fn new(verbose: bool) -> Ui {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} windows  {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Ui { bar, verbose, day: String::new(), pages: 0, records: 0, retries: 0 }
    }

    fn line(&self, s: &str) {
        match &self.bar {
            Some(b) => b.println(s),
            None => eprintln!("{s}"),
        }
    }

    fn refresh(&self) {
        if let Some(b) = &self.bar {
            let retries = match self.retries {
                0 => String::new(),
                1 => "  1 retry".to_string(),
                n => format!("  {n} retries"),
            };
            b.set_message(format!("{}  {} pages  {} records{retries}", self.day, self.pages, self.records));
        }
    }

    fn on(&mut self, e: &Event<'_>) {
        match e {
            Event::Resolved { service, url } => {
                if self.verbose {
                    self.line(&format!("{service}: {url}"));
                }
            }
            Event::Request { method, target, status, latency, error } => {
                if self.verbose {
                    let ms = latency.as_millis();
                    match (status, error) {
                        (Some(s), _) => self.line(&format!("{method} {target} -> {s} ({ms} ms)")),
                        (None, Some(why)) => self.line(&format!("{method} {target} -> failed ({ms} ms): {why}")),
                        (None, None) => self.line(&format!("{method} {target} -> failed ({ms} ms)")),
                    }
                }
            }
            Event::Retry { reason, wait, .. } => {
                self.retries += 1;
                self.line(&format!("retrying in {}: {reason}", fmt_wait(*wait)));
                self.refresh();
            }
            Event::Token => {
                if self.verbose {
                    self.line("got a new OAuth 2.0 token");
                }
            }
            Event::PageSize { from, to } => {
                self.line(&format!("the API allows at most {to} records per page (asked for {from}); using --page-size {to}"));
            }
            Event::WindowStart { index, total, start, .. } => {
                self.day = time::fmt_day(start.div_euclid(DAY));
                if let Some(b) = &self.bar {
                    b.set_length(*total as u64);
                    b.set_position(*index as u64);
                }
                self.refresh();
            }
            Event::Page { records } => {
                self.pages += 1;
                self.records += *records as u64;
                self.refresh();
            }
            Event::Note { text } => {
                if self.verbose {
                    self.line(text);
                }
            }
            Event::WindowDone { index, records, provisional } => {
                if let Some(b) = &self.bar {
                    b.set_position(*index as u64 + 1);
                }
                if self.verbose {
                    let p = if *provisional { " (provisional: fetched again next run)" } else { "" };
                    self.line(&format!("stored {} window: {records} records{p}", self.day));
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_text(s: &FetchSummary, plan: &Plan, out: &std::path::Path) -> String {
    let range = format!("{} to {}", time::fmt_instant(plan.from), time::fmt_instant(plan.to));
    if s.windows_fetched == 0 {
        return format!("nothing to fetch: {range} is already complete in {} (use --refresh to fetch it again)", out.display());
    }
    let mut t = format!(
        "fetched {} ({}, {}) for {range} into {}",
        plural(s.windows_fetched as u64, "window", "windows"),
        plural(s.pages, "page", "pages"),
        plural(s.records, "record", "records"),
        out.display()
    );
    if s.windows_skipped > 0 {
        t.push_str(&format!("; {} of {} days were already complete", s.windows_skipped, s.windows_in_range));
    }
    if s.earlier_provisional > 0 {
        t.push_str(&format!(
            "; also fetched again {} of an earlier run",
            plural(s.earlier_provisional as u64, "provisional window", "provisional windows")
        ));
    }
    if s.windows_provisional > 0 {
        t.push_str(&format!(
            "; {} less than an hour old when fetched (the API may still add records) and will be fetched again next run",
            plural(s.windows_provisional as u64, "window was", "windows were")
        ));
    }
    t
}

pub fn run(args: Args) -> Result<u8> {
    let now = client::now_ms();
    let plan = plan(&args, now)?;
    let timeout = parse_timeout("--timeout", &args.timeout)?;
    let connect_timeout = parse_timeout("--connect-timeout", &args.connect_timeout)?;
    let endpoints = match &args.base_url {
        Some(u) => EndpointSource::Fixed(domain::parse_server_url("--base-url", u)?),
        None => EndpointSource::Lookup(domain::parse_server_url("--domain-api", &args.domain_api)?),
    };
    let credentials = Credentials::from_env(args.auth, |k| std::env::var(k).ok())?;
    let account = args.account.trim().to_string();
    let mut store = Store::open(&args.out, &account, plan.filter.as_ref())?;

    let ui = Rc::new(RefCell::new(Ui::new(args.verbose)));
    let sink = ui.clone();
    let mut client = Client::new(ClientOptions {
        account,
        endpoints,
        credentials,
        timeout,
        connect_timeout,
        retry: RetryPolicy::standard(args.retry_scale),
    })?
    .with_observer(Box::new(move |e| sink.borrow_mut().on(e)));

    let request = FetchRequest {
        from: plan.from,
        to: plan.to,
        filter: plan.filter.clone(),
        page_size: args.page_size,
        source: args.source.clone(),
        refresh: args.refresh,
        max_pages: liveperson::MAX_PAGES,
    };
    let result = liveperson::fetch(&mut client, &mut store, &request, &client::now_ms);
    if result.is_err() {
        ui.borrow().finish();
    }
    let summary = result?;

    // Beside the status changes: what --with names must succeed; the default set only
    // warns (a key may lack the permission for them).
    let (extras, explicit) = match &args.with {
        Some(w) => (w.0.clone(), true),
        None => (Extra::DEFAULT.to_vec(), false),
    };
    let mut warnings: Vec<String> = Vec::new();
    let mut snapshots: Vec<(Extra, SnapshotSummary)> = Vec::new();
    let mut conversations: Option<ConversationsSummary> = None;
    for what in extras {
        let outcome = if what == Extra::Conversations {
            let req = ConversationsRequest {
                from: plan.from,
                to: plan.to,
                filter: plan.filter.clone(),
                page_size: enrich::CONVERSATION_PAGE_SIZE,
                refresh: args.refresh,
                max_pages: liveperson::MAX_PAGES,
            };
            enrich::fetch_conversations(&mut client, &mut store, &req, &client::now_ms).map(|c| conversations = Some(c))
        } else {
            enrich::fetch_snapshot(&mut client, &mut store, what, args.refresh, &client::now_ms).map(|s| snapshots.push((what, s)))
        };
        match outcome {
            Ok(()) => {}
            Err(e) if explicit => {
                ui.borrow().finish();
                return Err(e);
            }
            Err(e) => warnings.push(format!(
                "could not fetch {} (the status changes are stored): {e}\n  hint: --with none skips users, groups and reasons; --with {} makes this an error",
                what.name(),
                what.name()
            )),
        }
    }
    ui.borrow().finish();
    if args.verbose && summary.outside_window > 0 {
        eprintln!(
            "note: {} outside the window asked for (each is stored by the window that holds it)",
            plural(summary.outside_window, "record the API sent was", "records the API sent were")
        );
    }
    if summary.incomplete > 0 {
        eprintln!(
            "warning: {} no agentId or no readable time; kept in the store, but reports skip {}",
            plural(summary.incomplete, "record has", "records have"),
            if summary.incomplete == 1 { "it" } else { "them" }
        );
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("{}", summary_text(&summary, &plan, &args.out));
    if let Some(t) = enrichment_text(&snapshots, conversations.as_ref()) {
        eprintln!("{t}");
    }
    Ok(0)
}

/// One line on what was fetched beside the status changes, if anything was asked.
fn enrichment_text(snapshots: &[(Extra, SnapshotSummary)], conversations: Option<&ConversationsSummary>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut fresh: Vec<&str> = Vec::new();
    for (what, s) in snapshots {
        if !s.fetched {
            fresh.push(what.name());
            continue;
        }
        let (one, many) = match what {
            Extra::Users => ("user", "users"),
            Extra::Groups => ("agent group", "agent groups"),
            _ => ("status reason", "status reasons"),
        };
        let mut p = plural(s.rows as u64, one, many);
        let mut notes = Vec::new();
        if s.deleted > 0 {
            notes.push(format!("{} deleted", s.deleted));
        }
        if s.bots > 0 {
            notes.push(plural(s.bots as u64, "bot or API user", "bots or API users"));
        }
        if s.skipped > 0 {
            notes.push(format!("{} without an id skipped", s.skipped));
        }
        if !notes.is_empty() {
            p.push_str(&format!(" ({})", notes.join(", ")));
        }
        parts.push(p);
    }
    if let Some(c) = conversations {
        if c.windows_fetched == 0 {
            fresh.push("conversations");
        } else {
            let mut p = format!(
                "{} ({} of close time, {})",
                plural(c.conversations, "closed conversation", "closed conversations"),
                plural(c.windows_fetched as u64, "window", "windows"),
                plural(c.pages, "page", "pages")
            );
            if c.windows_provisional > 0 {
                p.push_str(&format!(
                    "; {} fetched again next run",
                    plural(c.windows_provisional as u64, "provisional window", "provisional windows")
                ));
            }
            parts.push(p);
        }
    }
    let mut t = String::new();
    if !parts.is_empty() {
        t.push_str(&format!("also fetched {}", parts.join(", ")));
    }
    if !fresh.is_empty() {
        if !t.is_empty() {
            t.push_str("; ");
        }
        t.push_str(&format!("{} already up to date (--refresh fetches again)", fresh.join(", ")));
    }
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        args: Args,
    }

    fn args(extra: &[&str]) -> Args {
        let mut v = vec!["t", "--account", "123"];
        v.extend_from_slice(extra);
        T::try_parse_from(v).unwrap().args
    }

    // 2024-03-10T12:34:56.789Z
    const NOW: Ms = 1_710_074_096_789;

    #[test]
    fn dates_are_utc_days_and_a_to_date_includes_its_day() {
        let p = plan(&args(&["--from", "2024-03-01", "--to", "2024-03-02"]), NOW).unwrap();
        assert_eq!(time::fmt_instant(p.from), "2024-03-01T00:00:00Z");
        assert_eq!(time::fmt_instant(p.to), "2024-03-03T00:00:00Z");
        let p = plan(&args(&["--from", "2024-03-01T08:00:00+01:00", "--to", "2024-03-01T09:30:00Z"]), NOW).unwrap();
        assert_eq!(time::fmt_instant(p.from), "2024-03-01T07:00:00Z");
        assert_eq!(time::fmt_instant(p.to), "2024-03-01T09:30:00Z");
    }

    #[test]
    fn days_count_back_from_now_and_the_end_is_clamped_to_now() {
        let p = plan(&args(&["--days", "2"]), NOW).unwrap();
        assert_eq!(time::fmt_instant(p.to), "2024-03-10T12:34:56Z");
        assert_eq!(time::fmt_instant(p.from), "2024-03-08T12:34:56Z");
        let p = plan(&args(&[]), NOW).unwrap();
        assert_eq!(p.to - p.from, DAY);
        let p = plan(&args(&["--from", "2024-03-10", "--to", "2024-03-10"]), NOW).unwrap();
        assert_eq!(time::fmt_instant(p.to), "2024-03-10T12:34:56Z");
    }

    #[test]
    fn ranges_older_than_six_months_are_refused_before_any_request() {
        // six calendar months before 2024-03-10T12:34:56Z is 2023-09-10T12:34:56Z
        let e = plan(&args(&["--from", "2023-09-10", "--to", "2023-09-12"]), NOW).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("2023-09-10T12:34:56Z"), "{e}");
        assert!(plan(&args(&["--from", "2023-09-11", "--to", "2023-09-12"]), NOW).is_ok());
    }

    #[test]
    fn bad_ranges_and_flags_are_usage_errors() {
        for (flags, says) in [
            (&["--from", "2024-03-05", "--to", "2024-03-04T00:00:00Z"][..], "empty"),
            (&["--from", "2024-03-05T08:00", "--to", "2024-03-06"][..], "add Z"),
            (&["--from", "2024-04-01", "--to", "2024-04-02"][..], "future"),
            (&["--days", "0"][..], "at least 1"),
            (&["--source", "a-name-much-longer-than-twenty"][..], "1 to 20"),
            (&["--emp-id", " "][..], "empty"),
        ] {
            let e = plan(&args(flags), NOW).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{flags:?}");
            assert!(e.to_string().contains(says), "{flags:?}: {e}");
        }
        assert!(T::try_parse_from(["t", "--account", "1", "--agent-id", "1", "--emp-id", "x"]).is_err());
        assert!(T::try_parse_from(["t", "--account", "1", "--from", "2024-03-01"]).is_err());
        assert!(T::try_parse_from(["t", "--account", "1", "--days", "1", "--from", "2024-03-01", "--to", "2024-03-02"]).is_err());
        assert_eq!(plan(&args(&["--group-id", "-1"]), NOW).unwrap().filter, Some(Filter::GroupId(-1)));
    }
}
