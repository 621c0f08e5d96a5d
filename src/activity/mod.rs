//! Activity: status-change records from any input → one cleaned, sorted events frame, the
//! coverage, and a directory of agents (SPEC §3.1 and §4 "Actual state timeline" steps 1–3).

pub mod json;
pub mod records;
pub mod state;
pub mod timeline;

use std::collections::HashMap;
use std::path::PathBuf;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::time::Ms;
use records::{RawRecords, StringPool};
use state::{State, NO_REASON};

/// Instants the inputs cover, as sorted, disjoint, non-touching half-open intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    intervals: Vec<(Ms, Ms)>,
}

impl Coverage {
    /// The union of `[start, end)` intervals (empty ones are ignored).
    pub fn union(mut parts: Vec<(Ms, Ms)>) -> Coverage {
        parts.retain(|(s, e)| e > s);
        parts.sort_unstable();
        let mut out: Vec<(Ms, Ms)> = Vec::with_capacity(parts.len());
        for (s, e) in parts {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        Coverage { intervals: out }
    }
    pub fn intervals(&self) -> &[(Ms, Ms)] {
        &self.intervals
    }
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }
    pub fn contains(&self, t: Ms) -> bool {
        let i = self.intervals.partition_point(|&(s, _)| s <= t);
        i > 0 && t < self.intervals[i - 1].1
    }
    pub fn span(&self) -> Option<(Ms, Ms)> {
        Some((self.intervals.first()?.0, self.intervals.last()?.1))
    }
}

/// Where the coverage came from, for the report's header and warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageSource {
    /// Page timeframes and/or fetch-store windows.
    Timeframes,
    /// `--coverage START/END`.
    Flag,
    /// No input had a timeframe: `[first record, last record)`.
    Records,
}

/// Counts of what loading did, for warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub files: usize,
    pub records_read: u64,
    /// Dropped: no `agentId` or no readable `time`.
    pub dropped_missing: u64,
    /// Removed as exact repeats (same agent, time, type, subtype, sequence, session).
    pub duplicates: u64,
    /// Dropped: `statusType` not 1, 3, 4, or a type-1 subtype not 1–4.
    pub dropped_type: u64,
    /// Page timeframes that could not be read or end before they start (ignored).
    pub bad_timeframes: u64,
}

/// One agent seen in the activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityAgent {
    pub agent_id: i64,
    /// Rows `[first, end)` of the events frame.
    pub rows: std::ops::Range<usize>,
    /// Latest non-empty values in the agent's records (timeline order).
    pub employee_id: Option<String>,
    pub login_name: Option<String>,
    pub user_name: Option<String>,
    pub group_id: Option<i64>,
    /// Every non-empty value seen (for schedule matching).
    pub employee_ids: Vec<String>,
    pub login_names: Vec<String>,
}

/// Options for [`Activity::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--coverage START/END`, used only when no input has a timeframe.
    pub coverage: Option<(Ms, Ms)>,
}

/// Everything the engine knows about what agents did.
#[derive(Debug, Clone)]
pub struct Activity {
    /// One row per kept record, sorted by (agent_id, time, sequence number with missing
    /// first, input order). Columns: see [`EVENT_COLUMNS`].
    pub events: DataFrame,
    /// Agents in `agent_id` order; `events` rows of agent `i` are `agents[i].rows`.
    pub agents: Vec<ActivityAgent>,
    pub coverage: Coverage,
    pub coverage_source: CoverageSource,
    /// Away reason texts as recorded; the `reason` column holds indexes into this.
    pub reasons: Vec<String>,
    pub stats: LoadStats,
    pub warnings: Vec<String>,
}

/// Columns of [`Activity::events`].
pub const EVENT_COLUMNS: &[&str] =
    &["agent_id", "time_ms", "status_type", "status_sub_type", "sequence_number", "session_id", "status_reason_id", "state", "reason"];

impl Activity {
    /// Reads activity files, directories of them and fetch stores, in the order given.
    pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Activity> {
        let files = expand_inputs(paths)?;
        let parsed: Vec<Result<Loaded>> = files.par_iter().map(|f| read_input(f)).collect();
        let mut raw = RawRecords::default();
        let mut timeframes = Vec::new();
        let mut stats = LoadStats { files: files.len(), ..Default::default() };
        for p in parsed {
            let p = p?;
            stats.dropped_missing += p.dropped_missing;
            stats.bad_timeframes += p.bad_timeframes;
            timeframes.extend(p.timeframes);
            raw.append(p.records);
        }
        stats.records_read = raw.len() as u64 + stats.dropped_missing;
        Activity::from_records(raw, timeframes, stats, opts)
    }

    /// Cleans records (dedupe, drop unknown types, sort) and works out the coverage.
    /// `timeframes` are the page timeframes / store windows found in the inputs.
    pub fn from_records(raw: RawRecords, timeframes: Vec<(Ms, Ms)>, mut stats: LoadStats, opts: &LoadOptions) -> Result<Activity> {
        let mut warnings = Vec::new();
        let order = clean_order(&raw, &mut stats);
        let n = order.len();

        // Reasons: distinct texts (as recorded) of away records whose text is non-empty.
        let mut reasons: Vec<String> = Vec::new();
        let mut reason_of_string: HashMap<u32, u32> = HashMap::new();
        let mut agent_id = Vec::with_capacity(n);
        let mut time_ms = Vec::with_capacity(n);
        let mut status_type = Vec::with_capacity(n);
        let mut sub_type = Vec::with_capacity(n);
        let mut seq = Vec::with_capacity(n);
        let mut session = Vec::with_capacity(n);
        let mut reason_id = Vec::with_capacity(n);
        let mut state_col = Vec::with_capacity(n);
        let mut reason_col = Vec::with_capacity(n);
        for &i in &order {
            let i = i as usize;
            let st = raw.status_type[i].unwrap_or_default();
            let (state, reason) = match st {
                3 => (State::Unknown, NO_REASON),
                4 => (State::LoggedOut, NO_REASON),
                _ => {
                    let s = State::from_subtype(raw.status_sub_type[i].unwrap_or_default()).expect("filtered");
                    let reason = match (s, raw.status_reason_text[i]) {
                        (State::Away, Some(code)) if !raw.strings.get(code).trim().is_empty() => {
                            *reason_of_string.entry(code).or_insert_with(|| {
                                reasons.push(raw.strings.get(code).to_string());
                                (reasons.len() - 1) as u32
                            })
                        }
                        _ => NO_REASON,
                    };
                    (s, reason)
                }
            };
            agent_id.push(raw.agent_id[i]);
            time_ms.push(raw.time[i]);
            status_type.push(st as u32);
            sub_type.push(raw.status_sub_type[i]);
            seq.push(raw.sequence_number[i]);
            session.push(raw.session_id[i]);
            reason_id.push(raw.status_reason_id[i]);
            state_col.push(state as u32);
            reason_col.push(reason);
        }
        let agents = build_agents(&raw, &order);

        let coverage_source;
        let coverage = if !timeframes.is_empty() {
            if opts.coverage.is_some() {
                warnings.push("--coverage is ignored: the activity inputs carry their own timeframes".to_string());
            }
            coverage_source = CoverageSource::Timeframes;
            Coverage::union(timeframes)
        } else if let Some((s, e)) = opts.coverage {
            coverage_source = CoverageSource::Flag;
            Coverage::union(vec![(s, e)])
        } else {
            coverage_source = CoverageSource::Records;
            let first = time_ms.iter().min().copied();
            let last = time_ms.iter().max().copied();
            match (first, last) {
                (Some(a), Some(b)) => Coverage::union(vec![(a, b)]),
                _ => Coverage::default(),
            }
        };
        if stats.dropped_missing > 0 {
            warnings.push(format!(
                "{} record{} dropped: no agentId or no readable time",
                stats.dropped_missing,
                plural(stats.dropped_missing)
            ));
        }
        if stats.dropped_type > 0 {
            warnings.push(format!(
                "{} record{} dropped: statusType not 1, 3 or 4, or a state change whose statusSubType is not 1-4",
                stats.dropped_type,
                plural(stats.dropped_type)
            ));
        }
        if stats.bad_timeframes > 0 {
            warnings.push(format!(
                "{} page timeframe{} ignored: unreadable, or the end is not after the start",
                stats.bad_timeframes,
                plural(stats.bad_timeframes)
            ));
        }

        let events = DataFrame::new_infer_height(vec![
            Column::new("agent_id".into(), agent_id),
            Column::new("time_ms".into(), time_ms),
            Column::new("status_type".into(), status_type),
            Column::new("status_sub_type".into(), sub_type),
            Column::new("sequence_number".into(), seq),
            Column::new("session_id".into(), session),
            Column::new("status_reason_id".into(), reason_id),
            Column::new("state".into(), state_col),
            Column::new("reason".into(), reason_col),
        ])?;
        Ok(Activity { events, agents, coverage, coverage_source, reasons, stats, warnings })
    }

    /// A column of the events frame as a contiguous slice.
    pub fn col_i64(&self, name: &str) -> &[i64] {
        self.events.column(name).expect("events column").i64().expect("i64").cont_slice().expect("contiguous")
    }
    pub fn col_u32(&self, name: &str) -> &[u32] {
        self.events.column(name).expect("events column").u32().expect("u32").cont_slice().expect("contiguous")
    }

    /// The away reason text of a reason code, if any.
    pub fn reason_text(&self, code: u32) -> Option<&str> {
        (code != NO_REASON).then(|| self.reasons[code as usize].as_str())
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One input as read.
pub struct Loaded {
    pub records: RawRecords,
    pub timeframes: Vec<(Ms, Ms)>,
    pub dropped_missing: u64,
    pub bad_timeframes: u64,
}

/// What an activity path turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    File(PathBuf),
    Store(PathBuf),
}

/// Files in command-line order; a directory's `.json`/`.ndjson`/`.jsonl` files in name order
/// (not recursive); a directory holding a fetch manifest is a store.
fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            if crate::liveperson::store::is_store(p) {
                out.push(Input::Store(p.clone()));
                continue;
            }
            let mut names: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::io(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && matches!(f.extension().and_then(|x| x.to_str()), Some("json" | "ndjson" | "jsonl")))
                .collect();
            names.sort();
            if names.is_empty() {
                return Err(Error::input_hint(
                    crate::error::Location::file(p),
                    "this directory holds no .json, .ndjson or .jsonl files and no fetch store",
                    "point --activity at API response files, a directory of them, or an `adhere fetch` output directory",
                ));
            }
            out.extend(names.into_iter().map(Input::File));
        } else {
            out.push(Input::File(p.clone()));
        }
    }
    Ok(out)
}

fn read_input(input: &Input) -> Result<Loaded> {
    match input {
        Input::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let c = json::read_activity_bytes(path, &bytes)?;
            Ok(Loaded {
                records: c.records,
                timeframes: c.timeframes,
                dropped_missing: c.dropped_missing,
                bad_timeframes: c.bad_timeframes,
            })
        }
        Input::Store(dir) => crate::liveperson::store::read_store(dir),
    }
}

/// Row order of the cleaned events: duplicates removed (first occurrence kept), unknown
/// types dropped, sorted by (agent, time, sequence with missing first, input order).
fn clean_order(raw: &RawRecords, stats: &mut LoadStats) -> Vec<u32> {
    let n = raw.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    let key = |i: u32| {
        let i = i as usize;
        let s = raw.sequence_number[i];
        (raw.agent_id[i], raw.time[i], s.is_some(), s.unwrap_or(0), i as u32)
    };
    order.par_sort_unstable_by_key(|&i| key(i));
    // Duplicates share (agent, time, sequence), so they sit in one run of the sorted order,
    // in input order; keep the first of each (type, subtype, session).
    let mut keep = vec![true; n];
    let mut run_start = 0;
    for j in 1..=n {
        let same = j < n && {
            let (a, b) = (order[run_start] as usize, order[j] as usize);
            raw.agent_id[a] == raw.agent_id[b] && raw.time[a] == raw.time[b] && raw.sequence_number[a] == raw.sequence_number[b]
        };
        if same {
            continue;
        }
        if j - run_start > 1 {
            for x in run_start + 1..j {
                let bx = order[x] as usize;
                let dup = (run_start..x).any(|y| {
                    let by = order[y] as usize;
                    keep[y]
                        && raw.status_type[by] == raw.status_type[bx]
                        && raw.status_sub_type[by] == raw.status_sub_type[bx]
                        && raw.session_id[by] == raw.session_id[bx]
                });
                if dup {
                    keep[x] = false;
                    stats.duplicates += 1;
                }
            }
        }
        run_start = j;
    }
    let mut out = Vec::with_capacity(n);
    for (pos, &i) in order.iter().enumerate() {
        if !keep[pos] {
            continue;
        }
        let i = i as usize;
        let valid = match raw.status_type[i] {
            Some(3) | Some(4) => true,
            Some(1) => matches!(raw.status_sub_type[i], Some(1..=4)),
            _ => false,
        };
        if valid {
            out.push(i as u32);
        } else {
            stats.dropped_type += 1;
        }
    }
    out
}

fn non_empty(pool: &StringPool, code: Option<u32>) -> Option<&str> {
    code.map(|c| pool.get(c)).filter(|s| !s.trim().is_empty())
}

fn build_agents(raw: &RawRecords, order: &[u32]) -> Vec<ActivityAgent> {
    let mut agents: Vec<ActivityAgent> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let id = raw.agent_id[order[start] as usize];
        let mut end = start;
        while end < order.len() && raw.agent_id[order[end] as usize] == id {
            end += 1;
        }
        let mut a = ActivityAgent {
            agent_id: id,
            rows: start..end,
            employee_id: None,
            login_name: None,
            user_name: None,
            group_id: None,
            employee_ids: Vec::new(),
            login_names: Vec::new(),
        };
        for &i in &order[start..end] {
            let i = i as usize;
            if let Some(e) = non_empty(&raw.strings, raw.employee_id[i]) {
                if a.employee_id.as_deref() != Some(e) {
                    a.employee_id = Some(e.to_string());
                }
                if !a.employee_ids.iter().any(|x| x == e) {
                    a.employee_ids.push(e.to_string());
                }
            }
            if let Some(l) = non_empty(&raw.strings, raw.agent_login_name[i]) {
                if a.login_name.as_deref() != Some(l) {
                    a.login_name = Some(l.to_string());
                }
                if !a.login_names.iter().any(|x| x == l) {
                    a.login_names.push(l.to_string());
                }
            }
            if let Some(u) = non_empty(&raw.strings, raw.agent_user_name[i]) {
                if a.user_name.as_deref() != Some(u) {
                    a.user_name = Some(u.to_string());
                }
            }
            if let Some(g) = raw.agent_group_id[i] {
                a.group_id = Some(g);
            }
        }
        agents.push(a);
        start = end;
    }
    agents
}

#[cfg(test)]
mod tests {
    use super::records::RecordRef;
    use super::*;

    fn rec(agent: i64, time: Ms, ty: i64, sub: i64, seq: Option<i64>, session: Option<i64>) -> RecordRef<'static> {
        RecordRef {
            agent_id: agent,
            time,
            status_type: Some(ty),
            status_sub_type: Some(sub),
            sequence_number: seq,
            session_id: session,
            ..Default::default()
        }
    }

    #[test]
    fn dedupe_keeps_first_and_missing_differs_from_minus_one() {
        let mut raw = RawRecords::default();
        raw.push(rec(1, 100, 1, 2, Some(2), Some(9)));
        raw.push(rec(1, 100, 1, 2, Some(2), Some(9))); // exact repeat: removed
        raw.push(rec(1, 100, 1, 2, Some(2), None)); // session missing ≠ 9: kept
        raw.push(rec(1, 50, 1, 2, None, Some(-1)));
        raw.push(rec(1, 50, 1, 2, Some(-1), Some(-1))); // sequence -1 ≠ missing: kept
        raw.push(rec(1, 60, 2, 0, None, None)); // statusType 2: dropped
        raw.push(rec(1, 61, 1, 7, None, None)); // subtype 7: dropped
        let a = Activity::from_records(raw, vec![], LoadStats::default(), &LoadOptions::default()).unwrap();
        assert_eq!(a.events.height(), 4);
        assert_eq!(a.stats.duplicates, 1);
        assert_eq!(a.stats.dropped_type, 2);
        // sorted by time, then sequence with missing first
        assert_eq!(a.col_i64("time_ms"), &[50, 50, 100, 100]);
        let seq = a.events.column("sequence_number").unwrap().i64().unwrap().clone();
        assert_eq!(seq.get(0), None);
        assert_eq!(seq.get(1), Some(-1));
    }

    #[test]
    fn coverage_union_merges_touching_and_overlapping() {
        let c = Coverage::union(vec![(10, 20), (0, 5), (20, 30), (25, 26), (40, 40)]);
        assert_eq!(c.intervals(), &[(0, 5), (10, 30)]);
        assert!(c.contains(10) && !c.contains(30) && !c.contains(7));
    }

    #[test]
    fn coverage_falls_back_to_first_and_last_record() {
        let mut raw = RawRecords::default();
        raw.push(rec(1, 100, 3, 0, Some(-1), None));
        raw.push(rec(2, 500, 4, 0, Some(3), None));
        let a = Activity::from_records(raw, vec![], LoadStats::default(), &LoadOptions::default()).unwrap();
        assert_eq!(a.coverage.intervals(), &[(100, 500)]);
        assert_eq!(a.coverage_source, CoverageSource::Records);
    }
}
