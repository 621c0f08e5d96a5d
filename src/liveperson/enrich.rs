//! Fetching enrichment beside the status changes (liveperson-api.md §5): users, agent
//! groups and status reasons from `accountConfigReadOnly`, closed conversations from
//! `msgHist`. Every call goes through the same [`Client`]: signed the same way, retried by
//! the same policy, on hosts resolved once per run.
//!
//! - Users, agent groups, status reasons are snapshots: each is one request (the APIs
//!   answer the whole list), deleted entities included; a snapshot younger than
//!   [`SNAPSHOT_MAX_AGE`] is not fetched again unless `--refresh`.
//! - Closed conversations are fetched per UTC day of their close time, like status
//!   changes (resumable, provisional windows fetched again), with a search whose `start`
//!   range reaches [`CONVERSATION_MAX_DAYS`] back (the API requires a start range, at most
//!   three months) and whose `end` range is the window; pages of at most 100 by offset;
//!   only `info` and `agentParticipants` are retrieved. Conversations are kept when they
//!   are closed and closed inside the window (the API rounds its bounds to 10 minutes),
//!   deduplicated by conversation id.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::auth::encode;
use super::client::{ApiError, Client, Event, Method};
use super::domain;
use super::store::{SnapshotKind, Store};
use super::{plan_windows, split_days, subtract, Filter};
use crate::enrich::model::{self, ConversationPage, Parsed};
use crate::enrich::{AgentGroup, StatusReason, User};
use crate::error::{Error, Result};
use crate::time::{self, Ms, DAY, HOUR};

/// What `fetch --with` can add to the status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extra {
    Users,
    Groups,
    Reasons,
    Conversations,
}

impl Extra {
    pub const ALL: [Extra; 4] = [Extra::Users, Extra::Groups, Extra::Reasons, Extra::Conversations];
    /// Fetched when `--with` is not given: the three small snapshots.
    pub const DEFAULT: [Extra; 3] = [Extra::Users, Extra::Groups, Extra::Reasons];

    pub fn name(self) -> &'static str {
        match self {
            Extra::Users => "users",
            Extra::Groups => "groups",
            Extra::Reasons => "reasons",
            Extra::Conversations => "conversations",
        }
    }

    fn snapshot(self) -> Option<SnapshotKind> {
        match self {
            Extra::Users => Some(SnapshotKind::Users),
            Extra::Groups => Some(SnapshotKind::AgentGroups),
            Extra::Reasons => Some(SnapshotKind::StatusReasons),
            Extra::Conversations => None,
        }
    }

    /// Reads a `--with` list: names separated by commas, `all` or `none`.
    pub fn parse_list(written: &str) -> std::result::Result<Vec<Extra>, String> {
        let mut out = Vec::new();
        for part in written.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "all" => out.extend(Extra::ALL),
                "none" => {}
                "users" => out.push(Extra::Users),
                "groups" | "agent-groups" | "agentgroups" => out.push(Extra::Groups),
                "reasons" | "status-reasons" => out.push(Extra::Reasons),
                "conversations" => out.push(Extra::Conversations),
                other => {
                    return Err(format!(
                        "{other:?} is not something fetch can add; give users, groups, reasons, conversations, all or none"
                    ))
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

/// A stored snapshot younger than this is not fetched again (unless `--refresh`).
pub const SNAPSHOT_MAX_AGE: Ms = HOUR;
/// How far before a window's start a conversation closed in it may have started.
pub const CONVERSATION_MAX_DAYS: i64 = 31;
/// The Messaging Interactions maximum (and adhere's default) page size.
pub const CONVERSATION_PAGE_SIZE: u32 = 100;

/// The fields asked of the Users API.
pub const USER_FIELDS: &str = "id,loginName,fullName,nickname,employeeId,memberOf,userTypeId,isApiUser,deleted";

fn config_path(client: &Client, what: &str) -> String {
    format!("/api/account/{}/configuration/{what}", encode(client.account()))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `GET …/le-users/users?v=4.0&select=…&include_deleted=true`.
pub fn users(client: &mut Client) -> Result<Parsed<User>, ApiError> {
    let path = config_path(client, "le-users/users");
    let query = pairs(&[("v", "4.0"), ("select", USER_FIELDS), ("include_deleted", "true")]);
    client.call_json(Method::GET, domain::ACCOUNT_CONFIG, &path, query, None, &model::parse_users)
}

/// `GET …/le-users/agentGroups?v=2.0&include_deleted=true`.
pub fn agent_groups(client: &mut Client) -> Result<Parsed<AgentGroup>, ApiError> {
    let path = config_path(client, "le-users/agentGroups");
    let query = pairs(&[("v", "2.0"), ("include_deleted", "true")]);
    client.call_json(Method::GET, domain::ACCOUNT_CONFIG, &path, query, None, &model::parse_agent_groups)
}

/// `GET …/le-agents/status-reasons?v=2.0&include_deleted=true`.
pub fn status_reasons(client: &mut Client) -> Result<Parsed<StatusReason>, ApiError> {
    let path = config_path(client, "le-agents/status-reasons");
    let query = pairs(&[("v", "2.0"), ("include_deleted", "true")]);
    client.call_json(Method::GET, domain::ACCOUNT_CONFIG, &path, query, None, &model::parse_status_reasons)
}

/// The search body for conversations closed in `[start, end)`.
pub fn conversations_body(start: Ms, end: Ms, filter: Option<&Filter>) -> Value {
    let mut body = json!({
        "start": {"from": start - CONVERSATION_MAX_DAYS * DAY, "to": end},
        "end": {"from": start, "to": end},
        "status": ["CLOSE"],
        "contentToRetrieve": ["info", "agentParticipants"],
    });
    if let Some(Filter::AgentId(a)) = filter {
        body["latestAgentIds"] = json!([a]);
    }
    body
}

/// One page of `POST /messaging_history/api/account/{a}/conversations/search`.
pub fn conversations_page(client: &mut Client, body: &Value, limit: u32, offset: u64) -> Result<ConversationPage, ApiError> {
    let path = format!("/messaging_history/api/account/{}/conversations/search", encode(client.account()));
    let query =
        vec![("offset".to_string(), offset.to_string()), ("limit".to_string(), limit.to_string()), ("v".to_string(), "2".to_string())];
    client.call_json(Method::POST, domain::MESSAGING_HISTORY, &path, query, Some(body), &model::parse_conversation_page)
}

/// What fetching one snapshot did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotSummary {
    /// False when the stored snapshot was fresh enough.
    pub fetched: bool,
    /// Entities the API listed.
    pub rows: usize,
    /// Entities without a readable id (not stored).
    pub skipped: usize,
    /// Of `rows`: deleted entities (kept: old activity still refers to them).
    pub deleted: usize,
    /// Of `rows` (users only): bots and API users.
    pub bots: usize,
}

/// Fetches the snapshot of `what` (users, groups or reasons) unless the store's is
/// younger than [`SNAPSHOT_MAX_AGE`] (and not `refresh`).
pub fn fetch_snapshot(client: &mut Client, store: &mut Store, what: Extra, refresh: bool, now: &dyn Fn() -> Ms) -> Result<SnapshotSummary> {
    let kind = what.snapshot().expect("a snapshot kind");
    let at = now();
    if !refresh && store.snapshot(kind).is_some_and(|s| s.fetched_at > at - SNAPSHOT_MAX_AGE) {
        return Ok(SnapshotSummary::default());
    }
    let mut out = SnapshotSummary { fetched: true, ..Default::default() };
    match kind {
        SnapshotKind::Users => {
            let p = users(client)?;
            out.skipped = p.skipped;
            out.rows = p.items.len();
            out.deleted = p.items.iter().filter(|u| u.deleted == Some(true)).count();
            out.bots = p.items.iter().filter(|u| u.is_bot_or_api_user()).count();
            store.commit_users(p.items, at)?;
        }
        SnapshotKind::AgentGroups => {
            let p = agent_groups(client)?;
            out.skipped = p.skipped;
            out.rows = p.items.len();
            out.deleted = p.items.iter().filter(|g| g.deleted == Some(true)).count();
            store.commit_groups(p.items, at)?;
        }
        SnapshotKind::StatusReasons => {
            let p = status_reasons(client)?;
            out.skipped = p.skipped;
            out.rows = p.items.len();
            out.deleted = p.items.iter().filter(|r| r.deleted == Some(true)).count();
            store.commit_reasons(p.items, at)?;
        }
    }
    client.emit(&Event::Note { text: &format!("stored {} {}", out.rows, what.name()) });
    Ok(out)
}

/// What one conversations run asks for.
#[derive(Debug, Clone)]
pub struct ConversationsRequest {
    /// `[from, to)` of close time, epoch ms.
    pub from: Ms,
    pub to: Ms,
    pub filter: Option<Filter>,
    pub page_size: u32,
    pub refresh: bool,
    pub max_pages: u64,
}

/// What a conversations run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationsSummary {
    pub windows_fetched: usize,
    pub windows_provisional: usize,
    pub pages: u64,
    /// Closed conversations stored (inside their windows, repeats removed).
    pub conversations: u64,
    /// Records the API sent that were open, or closed outside the window asked for.
    pub outside_window: u64,
    /// Records without a conversation id or `info`.
    pub skipped: u64,
    pub page_size: u32,
}

/// Fetches the closed conversations of every close-time window of `req` not yet final in
/// `store` (and the store's provisional conversation windows), committing each window.
pub fn fetch_conversations(
    client: &mut Client,
    store: &mut Store,
    req: &ConversationsRequest,
    now: &dyn Fn() -> Ms,
) -> Result<ConversationsSummary> {
    let done = store.final_conversation_windows();
    let mut windows = plan_windows(req.from, req.to, &done, req.refresh);
    for w in store.manifest().enrichment.conversations.iter().filter(|w| !w.is_final()) {
        windows.extend(subtract(&[(w.start, w.end)], (req.from, req.to)).into_iter().flat_map(|(s, e)| split_days(s, e)));
    }
    windows.sort_unstable();
    windows.dedup();
    let mut summary = ConversationsSummary { page_size: req.page_size, ..Default::default() };
    for (start, end) in windows {
        let fetched_at = now();
        let body = conversations_body(start, end, req.filter.as_ref());
        let mut kept = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0u64;
        let mut pages = 0u64;
        loop {
            if pages >= req.max_pages {
                return Err(Error::Api(format!(
                    "stopped after {pages} pages of conversations closed {} to {}: the API keeps sending full pages\n  hint: this looks like a server problem; narrow --from/--to",
                    time::fmt_instant(start),
                    time::fmt_instant(end)
                )));
            }
            let page = match conversations_page(client, &body, summary.page_size, offset) {
                Ok(p) => p,
                Err(e) => match e.limit_maximum() {
                    Some(max) if max >= 1 && max < summary.page_size => {
                        client.emit(&Event::PageSize { from: summary.page_size, to: max });
                        summary.page_size = max;
                        continue;
                    }
                    _ => return Err(Error::from(e)),
                },
            };
            pages += 1;
            offset += page.records as u64;
            summary.skipped += page.conversations.skipped as u64;
            for c in page.conversations.items {
                let inside = c.is_closed() && c.end.is_some_and(|t| t >= start && t < end);
                if !inside {
                    summary.outside_window += 1;
                } else if seen.insert(c.conversation_id.clone()) {
                    kept.push(c);
                }
            }
            let short = page.records < summary.page_size as usize;
            if short || page.total.is_some_and(|t| offset >= t) {
                break;
            }
        }
        summary.pages += pages;
        summary.conversations += kept.len() as u64;
        let n = kept.len();
        store.commit_conversations(start, end, kept, fetched_at)?;
        summary.windows_fetched += 1;
        let provisional = end > fetched_at - super::store::PROVISIONAL_AGE;
        if provisional {
            summary.windows_provisional += 1;
        }
        client.emit(&Event::Note {
            text: &format!(
                "stored {} conversations: {n} closed{}",
                time::fmt_day(start.div_euclid(DAY)),
                if provisional { " (provisional)" } else { "" }
            ),
        });
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_lists() {
        assert_eq!(Extra::parse_list("users, Conversations,users").unwrap(), vec![Extra::Users, Extra::Conversations]);
        assert_eq!(Extra::parse_list("all").unwrap(), Extra::ALL.to_vec());
        assert_eq!(Extra::parse_list("none").unwrap(), vec![]);
        assert!(Extra::parse_list("users,skills").unwrap_err().contains("\"skills\""));
    }

    #[test]
    fn the_search_reaches_back_for_long_conversations_and_filters_by_close_time() {
        // Window 2024-03-04 (day 19786): start range from 31 days before, end range the day.
        let (s, e) = (19_786 * DAY, 19_787 * DAY);
        let b = conversations_body(s, e, Some(&Filter::AgentId(42)));
        assert_eq!(b["start"]["from"], json!(s - 31 * DAY));
        assert_eq!(b["start"]["to"], json!(e));
        assert_eq!(b["end"], json!({"from": s, "to": e}));
        assert_eq!(b["status"], json!(["CLOSE"]));
        assert_eq!(b["latestAgentIds"], json!([42]));
        assert!(conversations_body(s, e, Some(&Filter::GroupId(1))).get("latestAgentIds").is_none());
    }
}
