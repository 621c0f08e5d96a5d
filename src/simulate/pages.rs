//! Writes one UTC day of records as LivePerson Agent Activity API v2 pages
//! (liveperson-api.md §4.2, §4.7), with the quirks a client must survive: records unsorted
//! within a page, records repeated across pages (offset paging over data that is still
//! arriving), junk records, fields missing or null, numbers sent as strings, `startTimeL`
//! sometimes a string.

use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;

use super::agents::Agent;
use super::plan::{Rec, NO_TIME, REASONS};
use super::rng::{Bits, Rng};
use crate::error::{Error, Result};
use crate::time::{self, Ms, DAY};

/// The (made-up) account in the pagination links.
pub const ACCOUNT: &str = "12345678";
/// The `source` parameter in the pagination links.
pub const SOURCE: &str = "adhere-simulate";
const HOST: &str = "http://va.agent-activity.liveperson.net";

/// Stream tags.
const STREAM_PAGES: u64 = 3;
const STREAM_QUIRKS: u64 = 4;
const STREAM_TIMEFRAME: u64 = 5;

/// A record the reader must drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Junk {
    /// No `agentId` (dropped as unusable).
    MissingAgent,
    /// A `statusType` other than 1, 3, 4.
    UnknownType(u8),
    /// A state change whose `statusSubType` is not 1–4.
    BadSubtype(u8),
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Real(Rec),
    Junk { junk: Junk, agent: u32, time: Ms },
}

/// What the pages of one day hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub pages: u64,
    /// Records written, repeats and junk included.
    pub records: u64,
    /// Distinct real records.
    pub state_changes: u64,
    /// Extra copies of real records.
    pub duplicates: u64,
    /// Junk without an agentId.
    pub junk_missing_agent: u64,
    /// Junk with an unknown statusType or subtype.
    pub junk_unknown_type: u64,
    pub bytes: u64,
}

impl DayCounts {
    pub fn add(&mut self, o: &DayCounts) {
        self.pages += o.pages;
        self.records += o.records;
        self.state_changes += o.state_changes;
        self.duplicates += o.duplicates;
        self.junk_missing_agent += o.junk_missing_agent;
        self.junk_unknown_type += o.junk_unknown_type;
        self.bytes += o.bytes;
    }
}

/// What every day's pages share.
pub struct PageSet<'a> {
    pub seed: u64,
    pub agents: &'a [Agent],
    /// Agents with activity (junk is attributed to them).
    pub active: &'a [u32],
    /// Records per page (`limit`).
    pub page_size: usize,
    /// The `activity/` directory.
    pub dir: &'a Path,
}

/// Writes the pages of UTC day `day` (days since 1970-01-01; `day_ix` counts from the start).
/// `recs` are the records whose time falls in the day, sorted by (time, agent, sequence).
pub fn write_day(set: &PageSet, day: i64, day_ix: u32, recs: Vec<Rec>) -> Result<DayCounts> {
    let PageSet { seed, agents, active, page_size, dir } = *set;
    let from = day * DAY;
    let mut rng = Rng::new(&[seed, STREAM_PAGES, day_ix as u64]);
    let mut counts = DayCounts { state_changes: recs.len() as u64, ..Default::default() };
    let mut items: Vec<Item> = recs.into_iter().map(Item::Real).collect();
    // About one junk record per 4000, and one every other day for small data sets; the
    // kinds take turns so that a few days show each.
    if !active.is_empty() {
        let junk = items.len() / 4000 + day_ix.is_multiple_of(2) as usize;
        for k in 0..junk {
            let j = match (day_ix as usize / 2 + k) % 4 {
                0 | 2 => Junk::MissingAgent,
                1 => Junk::UnknownType(*rng.pick(&[0, 2, 5])),
                _ => Junk::BadSubtype(*rng.pick(&[0, 7])),
            };
            match j {
                Junk::MissingAgent => counts.junk_missing_agent += 1,
                _ => counts.junk_unknown_type += 1,
            }
            items.push(Item::Junk { junk: j, agent: *rng.pick(active), time: from + rng.below(DAY as u64) as Ms });
        }
    }
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    rng.shuffle(&mut order);

    // Lay the records out on pages. At a page break the API sometimes repeats the last
    // records of the previous page (offset paging while data arrives); rarely a record is
    // repeated inside a page.
    let mut slots: Vec<u32> = Vec::with_capacity(order.len() + order.len() / 100 + 8);
    let mut pages: Vec<(usize, usize)> = Vec::new();
    let mut next = 0;
    loop {
        let start = slots.len();
        if let Some(&(ps, pe)) = pages.last() {
            if next < order.len() && page_size > 1 && rng.chance(0.5) {
                let j = (1 + rng.below(3) as usize).min(page_size - 1).min(pe - ps);
                for k in pe - j..pe {
                    let s = slots[k];
                    if matches!(items[s as usize], Item::Real(_)) {
                        slots.push(s);
                        counts.duplicates += 1;
                    }
                }
            }
        }
        let inner_repeat = rng.chance(0.05);
        while slots.len() - start < page_size && next < order.len() {
            if inner_repeat && slots.len() - start == page_size / 2 && slots.len() > start {
                let s = slots[start + rng.below((slots.len() - start) as u64) as usize];
                if matches!(items[s as usize], Item::Real(_)) {
                    slots.push(s);
                    counts.duplicates += 1;
                    continue;
                }
            }
            slots.push(order[next]);
            next += 1;
        }
        pages.push((start, slots.len()));
        // A page with fewer than `limit` records is the last one (a full last page is
        // followed by an empty one, as the API does).
        if slots.len() - start < page_size {
            break;
        }
    }
    counts.pages = pages.len() as u64;
    counts.records = slots.len() as u64;

    let width = pages.len().to_string().len().max(4);
    let date = time::fmt_day(day);
    let total = pages.len();
    let bytes: Vec<Result<u64>> = pages
        .par_iter()
        .enumerate()
        .map(|(p, &(s, e))| {
            let mut out = String::with_capacity((e - s) * 340 + 1200);
            page_header(&mut out, seed, day, p, total, page_size);
            for (n, &slot) in slots[s..e].iter().enumerate() {
                out.push_str(if n == 0 { "\n    " } else { ",\n    " });
                let mut bits = Bits::new(&[seed, STREAM_QUIRKS, day_ix as u64, slot as u64]);
                match items[slot as usize] {
                    Item::Real(r) => render_rec(&mut out, &r, &agents[r.agent as usize], &mut bits),
                    Item::Junk { junk, agent, time } => render_junk(&mut out, junk, &agents[agent as usize], time),
                }
            }
            out.push_str(if e > s { "\n  ]\n}\n" } else { "]\n}\n" });
            let path = dir.join(format!("{date}-p{:0width$}.json", p + 1));
            std::fs::write(&path, out.as_bytes()).map_err(|e| Error::io(&path, e))?;
            Ok(out.len() as u64)
        })
        .collect();
    for b in bytes {
        counts.bytes += b?;
    }
    Ok(counts)
}

fn href(out: &mut String, from: &str, to: &str, offset: usize, limit: usize) {
    let _ = write!(out, "{HOST}/api/v2/account/{ACCOUNT}/status-changes?from={from}&to={to}&offset={offset}&limit={limit}&source={SOURCE}");
}

fn page_header(out: &mut String, seed: u64, day: i64, page: usize, pages: usize, limit: usize) {
    let from_ms = day * DAY;
    let to_ms = from_ms + DAY;
    let (from, to) = (time::fmt_instant(from_ms), time::fmt_instant(to_ms));
    out.push_str("{\n  \"_metadata\": {\n    \"references\": [");
    let mut refs: Vec<(&str, usize)> = vec![("self", page), ("first", 0)];
    if pages > 1 {
        if page + 1 < pages {
            refs.push(("next", page + 1));
        }
        if page > 0 {
            refs.push(("previous", page - 1));
        }
        refs.push(("last", pages - 1));
    }
    for (i, (rel, p)) in refs.iter().enumerate() {
        out.push_str(if i == 0 { "\n      " } else { ",\n      " });
        let _ = write!(out, "{{ \"rel\": \"{rel}\", \"href\": \"");
        href(out, &from, &to, p * limit, limit);
        out.push_str("\" }");
    }
    out.push_str("\n    ]\n  },\n");
    // The documented example sends the `…L` bounds as strings; the API also sends numbers.
    let mut bits = Bits::new(&[seed, STREAM_TIMEFRAME, day as u64, page as u64]);
    let (start_l, end_l) = match bits.take(4) {
        0..=10 => (from_ms.to_string(), to_ms.to_string()),
        11..=14 => (format!("\"{from_ms}\""), format!("\"{to_ms}\"")),
        _ => (format!("\"{from_ms}\""), to_ms.to_string()),
    };
    let _ = write!(
        out,
        "  \"timeframe\": {{ \"startTime\": \"{from}\", \"endTime\": \"{to}\", \"startTimeL\": {start_l}, \"endTimeL\": {end_l} }},\n  \"stateChanges\": ["
    );
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `"key":` then a number, sometimes sent as a string.
fn num(out: &mut String, key: &str, v: i64, as_string: bool) {
    let _ = if as_string { write!(out, ",\"{key}\":\"{v}\"") } else { write!(out, ",\"{key}\":{v}") };
}

fn identity(out: &mut String, a: &Agent, bits: &mut Bits, with_agent_id: bool) {
    out.push('{');
    if with_agent_id {
        let _ = if bits.one_in_pow2(6) { write!(out, "\"agentId\":\"{}\"", a.agent_id) } else { write!(out, "\"agentId\":{}", a.agent_id) };
    } else {
        out.push_str("\"agentId\":null");
    }
    if !bits.one_in_pow2(7) || a.employee_id.is_empty() {
        out.push_str(",\"employeeId\":");
        json_str(out, &a.employee_id);
    }
    out.push_str(",\"agentLoginName\":");
    json_str(out, &a.login);
    if !bits.one_in_pow2(5) {
        out.push_str(",\"agentUserName\":");
        json_str(out, &a.user_name);
    }
    if bits.one_in_pow2(6) {
        out.push_str(",\"agentGroupId\":null");
    } else {
        let _ = write!(out, ",\"agentGroupId\":{}", a.group_id);
    }
}

fn time_field(out: &mut String, key: &str, ms: Ms) {
    let _ = write!(out, ",\"{key}\":\"");
    time::write_instant(out, ms);
    out.push('"');
}

fn render_rec(out: &mut String, r: &Rec, a: &Agent, bits: &mut Bits) {
    identity(out, a, bits, true);
    time_field(out, "time", r.time);
    if r.session < 0 {
        // Login and the default state after it: -1, or no sessionId at all.
        if !bits.one_in_pow2(2) {
            out.push_str(",\"sessionId\":-1");
        }
    } else {
        num(out, "sessionId", r.session, bits.one_in_pow2(6));
    }
    if !(r.seq >= 2 && r.status_type == 1 && bits.one_in_pow2(8)) {
        num(out, "sequenceNumber", r.seq as i64, bits.one_in_pow2(7));
    }
    num(out, "statusType", r.status_type as i64, bits.one_in_pow2(7));
    if r.status_type == 1 || !bits.one_in_pow2(3) {
        let _ = write!(out, ",\"statusSubType\":{}", r.sub);
    }
    let away = r.status_type == 1 && r.sub == 4;
    if away && r.reason != 0 {
        let (text, id) = REASONS[r.reason as usize];
        let _ = write!(out, ",\"statusReasonId\":{id},\"statusReasonText\":");
        json_str(out, text);
    } else {
        // "No reason" arrives as -1 or 0, and as null or "" (or not at all).
        match bits.take(4) {
            0..=10 => out.push_str(",\"statusReasonId\":-1"),
            11..=14 => out.push_str(",\"statusReasonId\":0"),
            _ => {}
        }
        match bits.take(4) {
            0..=9 => out.push_str(",\"statusReasonText\":null"),
            10..=14 => out.push_str(",\"statusReasonText\":\"\""),
            _ => {}
        }
    }
    if r.prev != NO_TIME {
        if bits.one_in_pow2(6) {
            out.push_str(",\"prevStatusChangeTime\":null");
        } else {
            time_field(out, "prevStatusChangeTime", r.prev);
        }
    } else if !bits.one_in_pow2(2) {
        out.push_str(",\"prevStatusChangeTime\":null");
    }
    out.push('}');
}

fn render_junk(out: &mut String, junk: Junk, a: &Agent, time: Ms) {
    let mut bits = Bits::new(&[a.agent_id as u64, time as u64]);
    identity(out, a, &mut bits, junk != Junk::MissingAgent);
    time_field(out, "time", time);
    let (ty, sub) = match junk {
        Junk::MissingAgent => (1, 2),
        Junk::UnknownType(t) => (t, 0),
        Junk::BadSubtype(s) => (1, s),
    };
    let _ = write!(
        out,
        ",\"sessionId\":0,\"sequenceNumber\":0,\"statusType\":{ty},\"statusSubType\":{sub},\"statusReasonId\":-1,\"statusReasonText\":null,\"prevStatusChangeTime\":null}}"
    );
}

#[cfg(test)]
mod tests {
    use super::super::agents;
    use super::*;

    fn rec(agent: u32, time: Ms, seq: i32) -> Rec {
        Rec { time, prev: NO_TIME, session: 7, agent, seq, status_type: 1, sub: 2, reason: 0 }
    }

    #[test]
    fn a_full_last_page_is_followed_by_an_empty_one_and_links_follow_the_api() {
        let dir = tempfile::tempdir().unwrap();
        let agents = agents::build(1, 2, 19786, 2);
        // Day index 1 (odd): no junk record. Page size 1: no repeats possible. Three records
        // fill three pages, so a fourth, empty page ends the day.
        let set = PageSet { seed: 1, agents: &agents, active: &[0, 1], page_size: 1, dir: dir.path() };
        let day = 19787;
        let recs = vec![rec(0, day * DAY + 1_000, 2), rec(1, day * DAY + 2_000, 2), rec(0, day * DAY + 3_000, 3)];
        let c = write_day(&set, day, 1, recs).unwrap();
        assert_eq!((c.pages, c.records, c.state_changes, c.duplicates), (4, 3, 3, 0));
        let page = |n: u32| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(dir.path().join(format!("2024-03-05-p000{n}.json"))).unwrap()).unwrap()
        };
        let last = page(4);
        assert_eq!(last["stateChanges"].as_array().unwrap().len(), 0);
        let rels = |p: &serde_json::Value| -> Vec<String> {
            p["_metadata"]["references"].as_array().unwrap().iter().map(|r| r["rel"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(rels(&page(1)), ["self", "first", "next", "last"]);
        assert_eq!(rels(&page(2)), ["self", "first", "next", "previous", "last"]);
        assert_eq!(rels(&last), ["self", "first", "previous", "last"]);
        let href = page(2)["_metadata"]["references"][0]["href"].as_str().unwrap().to_string();
        assert!(href.ends_with("from=2024-03-05T00:00:00Z&to=2024-03-06T00:00:00Z&offset=1&limit=1&source=adhere-simulate"), "{href}");
        assert!(c.bytes > 0);
    }

    #[test]
    fn repeats_and_junk_are_counted_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let agents = agents::build(1, 3, 19786, 2);
        let set = PageSet { seed: 5, agents: &agents, active: &[0, 1, 2], page_size: 10, dir: dir.path() };
        let day = 19786;
        let recs: Vec<Rec> = (0..200).map(|i| rec(i % 3, day * DAY + i as Ms * 60_000, 2 + i as i32 / 3)).collect();
        // Day index 0: one junk record (no agentId, the first kind in turn).
        let c = write_day(&set, day, 0, recs).unwrap();
        assert_eq!(c.junk_missing_agent + c.junk_unknown_type, 1);
        assert!(c.duplicates > 0);
        assert_eq!(c.records, 200 + c.duplicates + 1);
        let mut written = 0;
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
            written += v["stateChanges"].as_array().unwrap().len() as u64;
        }
        assert_eq!(written, c.records);
    }
}
