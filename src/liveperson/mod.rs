//! The LivePerson Agent Activity API client and the on-disk store `adhere fetch` writes.
//!
//! - [`domain`]: where the account's services live (Domain API, or `--base-url`);
//! - [`auth`]: credentials from the environment, OAuth 1.0a signing, OAuth 2.0 tokens;
//! - [`client`]: one request with the retry policy; one status-changes page;
//! - [`model`]: what the API sends (pages, records with every field, error bodies);
//! - [`store`]: Parquet day files plus the manifest of windows fetched completely;
//! - [`enrich`]: users, agent groups, status reasons and closed conversations beside them;
//! - this module: a fetch run — which windows to fetch, paging through each, committing.

pub mod auth;
pub mod client;
pub mod domain;
pub mod enrich;
pub mod model;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{self, Ms, DAY};
use client::{Client, Event, PageQuery};
use store::Store;

/// At most one agent filter per request (`--agent-id | --emp-id | --group-id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Filter {
    #[serde(rename = "agentId")]
    AgentId(i64),
    #[serde(rename = "empId")]
    EmpId(String),
    #[serde(rename = "groupId")]
    GroupId(i64),
}

impl Filter {
    /// The query parameter it becomes.
    pub fn query_pair(&self) -> (&'static str, String) {
        match self {
            Filter::AgentId(id) => ("agentId", id.to_string()),
            Filter::EmpId(e) => ("empId", e.clone()),
            Filter::GroupId(g) => ("groupId", g.to_string()),
        }
    }

    /// In words, for messages.
    pub fn describe(&self) -> String {
        match self {
            Filter::AgentId(id) => format!("--agent-id {id}"),
            Filter::EmpId(e) => format!("--emp-id {e:?}"),
            Filter::GroupId(g) => format!("--group-id {g}"),
        }
    }
}

/// What one fetch run asks for.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// `[from, to)`, epoch ms.
    pub from: Ms,
    pub to: Ms,
    pub filter: Option<Filter>,
    /// Records per page to ask for (lowered when the API names a smaller maximum).
    pub page_size: u32,
    /// The `source` parameter (names the caller; at most 20 characters).
    pub source: String,
    /// Fetch every window again, final ones included.
    pub refresh: bool,
    /// Stop a window after this many pages (a guard against a server that never sends a
    /// short page).
    pub max_pages: u64,
}

/// The default page cap per window: at 1000 records a page, 10 million records in a day.
pub const MAX_PAGES: u64 = 10_000;

/// What a fetch run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchSummary {
    /// Day windows the range splits into.
    pub windows_in_range: usize,
    /// Of those, already in the store as final (not fetched).
    pub windows_skipped: usize,
    /// Windows fetched and committed by this run.
    pub windows_fetched: usize,
    /// Of those, provisional windows of earlier runs outside the range, fetched again.
    pub earlier_provisional: usize,
    /// Of those, provisional (to be fetched again next run).
    pub windows_provisional: usize,
    pub pages: u64,
    /// Records stored by this run (inside their windows, repeats within a window removed).
    pub records: u64,
    /// Records the API sent with a time outside the window asked for (not stored: the
    /// window that holds them fetches them).
    pub outside_window: u64,
    /// Records stored without an agentId or a readable time (reports skip them).
    pub incomplete: u64,
    /// The page size in use at the end (lower than asked when the API said so).
    pub page_size: u32,
}

/// `parts` minus `cut`, each half-open.
pub fn subtract(parts: &[(Ms, Ms)], cut: (Ms, Ms)) -> Vec<(Ms, Ms)> {
    let mut out = Vec::new();
    for &(s, e) in parts {
        if cut.1 <= s || e <= cut.0 {
            out.push((s, e));
            continue;
        }
        if s < cut.0 {
            out.push((s, cut.0));
        }
        if cut.1 < e {
            out.push((cut.1, e));
        }
    }
    out
}

/// Splits `[from, to)` at UTC midnights.
pub fn split_days(from: Ms, to: Ms) -> Vec<(Ms, Ms)> {
    let mut out = Vec::new();
    let mut s = from;
    while s < to {
        let e = ((s.div_euclid(DAY) + 1) * DAY).min(to);
        out.push((s, e));
        s = e;
    }
    out
}

/// The windows a run fetches: the parts of `[from, to)` not covered by `done` (all of it
/// with `refresh`), split at UTC midnights.
pub fn plan_windows(from: Ms, to: Ms, done: &[(Ms, Ms)], refresh: bool) -> Vec<(Ms, Ms)> {
    let mut gaps = vec![(from, to)];
    if !refresh {
        for &d in done {
            gaps = subtract(&gaps, d);
        }
    }
    gaps.into_iter().flat_map(|(s, e)| split_days(s, e)).collect()
}

/// How much earlier than its start a window's query begins (see `fetch`).
const WINDOW_OVERLAP: Ms = 1_000;

/// The oldest start the API serves at `now`: 6 calendar months back (liveperson-api.md
/// §4.1).
pub fn oldest_start(now: Ms) -> Ms {
    chrono::DateTime::from_timestamp_millis(now)
        .and_then(|t| t.checked_sub_months(chrono::Months::new(6)))
        .map_or(now - 183 * DAY, |t| t.timestamp_millis())
}

/// Fetches every window of `req` not yet final in `store`, plus the store's provisional
/// windows outside the range (so the unsettled end of an earlier run is completed by the
/// next one, whatever its range), committing each window as it completes. `now` gives the
/// wall clock (epoch ms).
pub fn fetch(client: &mut Client, store: &mut Store, req: &FetchRequest, now: &dyn Fn() -> Ms) -> Result<FetchSummary> {
    let done = store.final_windows();
    let all = split_days(req.from, req.to);
    let mut windows = plan_windows(req.from, req.to, &done, req.refresh);
    let oldest = oldest_start(now());
    let mut earlier = 0;
    for w in store.manifest().windows.iter().filter(|w| !w.is_final() && w.start >= oldest) {
        let outside = subtract(&[(w.start, w.end)], (req.from, req.to));
        earlier += outside.len();
        windows.extend(outside);
    }
    windows.sort_unstable();
    let mut summary = FetchSummary {
        windows_in_range: all.len(),
        windows_skipped: if req.refresh {
            0
        } else {
            all.iter().filter(|&&w| done.iter().fold(vec![w], |g, &d| subtract(&g, d)).is_empty()).count()
        },
        page_size: req.page_size,
        earlier_provisional: earlier,
        ..Default::default()
    };
    if windows.is_empty() {
        return Ok(summary);
    }
    client.resolve()?;
    let oldest = oldest_start(now());
    let total = windows.len();
    for (index, &(start, end)) in windows.iter().enumerate() {
        client.emit(&Event::WindowStart { index, total, start, end });
        let fetched_at = now();
        let mut records = Vec::new();
        let mut offset = 0u64;
        let mut pages = 0u64;
        // Whether the API's `from` is inclusive is not documented: asking from 1 s earlier
        // (and dropping what is before `start` below) keeps a record exactly at `start` in
        // this window under either reading, and `to` stays exact so the next window's query
        // covers a record exactly at `end`.
        let query_from = if start - WINDOW_OVERLAP >= oldest { start - WINDOW_OVERLAP } else { start };
        loop {
            if pages >= req.max_pages {
                return Err(Error::Api(format!(
                    "stopped after {pages} pages in the window {} to {}: the API keeps sending full pages ({} records each)\n  hint: this looks like a server problem; narrow --from/--to, or raise --page-size",
                    time::fmt_instant(start),
                    time::fmt_instant(end),
                    summary.page_size
                )));
            }
            let q =
                PageQuery { from: query_from, to: end, filter: req.filter.as_ref(), source: &req.source, limit: summary.page_size, offset };
            let page = match client.status_changes(&q) {
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
            client.emit(&Event::Page { records: page.count });
            offset += page.count as u64;
            for r in page.records {
                match r.time {
                    Some(t) if t < start || t >= end => summary.outside_window += 1,
                    _ => records.push(r),
                }
            }
            if page.count < summary.page_size as usize {
                break;
            }
        }
        summary.pages += pages;
        let mut seen = std::collections::HashSet::new();
        records.retain(|r| seen.insert(r.dedupe_key()));
        summary.incomplete += records.iter().filter(|r| r.agent_id.is_none() || r.time.is_none()).count() as u64;
        summary.records += records.len() as u64;
        let n = records.len();
        store.commit(start, end, records, fetched_at)?;
        let provisional = end > fetched_at - store::PROVISIONAL_AGE;
        summary.windows_fetched += 1;
        if provisional {
            summary.windows_provisional += 1;
        }
        client.emit(&Event::WindowDone { index, records: n, provisional });
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Ms = DAY;

    #[test]
    fn windows_split_at_midnight_and_skip_what_is_done() {
        // [day 10 + 6h, day 13 + 2h) → 4 windows
        let from = 10 * D + 6 * 3_600_000;
        let to = 13 * D + 2 * 3_600_000;
        assert_eq!(split_days(from, to), vec![(from, 11 * D), (11 * D, 12 * D), (12 * D, 13 * D), (13 * D, to)]);
        // day 11 done, and half of day 12
        let done = [(11 * D, 12 * D), (12 * D, 12 * D + D / 2)];
        assert_eq!(plan_windows(from, to, &done, false), vec![(from, 11 * D), (12 * D + D / 2, 13 * D), (13 * D, to)]);
        assert_eq!(plan_windows(from, to, &done, true).len(), 4);
        assert!(plan_windows(from, to, &[(0, 20 * D)], false).is_empty());
    }

    #[test]
    fn subtract_keeps_the_outside_parts() {
        assert_eq!(subtract(&[(0, 10)], (3, 5)), vec![(0, 3), (5, 10)]);
        assert_eq!(subtract(&[(0, 10)], (0, 10)), vec![]);
        assert_eq!(subtract(&[(0, 10), (20, 30)], (5, 25)), vec![(0, 5), (25, 30)]);
        assert_eq!(subtract(&[(0, 10)], (10, 20)), vec![(0, 10)]);
    }

    #[test]
    fn filters_serialize_as_their_query_names() {
        assert_eq!(serde_json::to_string(&Filter::AgentId(5)).unwrap(), r#"{"agentId":5}"#);
        assert_eq!(serde_json::to_string(&Filter::EmpId("E 1".into())).unwrap(), r#"{"empId":"E 1"}"#);
        assert_eq!(Filter::GroupId(-1).query_pair(), ("groupId", "-1".to_string()));
    }
}
