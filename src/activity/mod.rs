//! Activity: status-change records from any input → one cleaned, sorted events frame, the
//! coverage, and a directory of agents (SPEC §3.1 and §4 "Actual state timeline" steps 1–3).

pub mod json;
mod page_scan;
pub mod records;
pub mod state;
pub mod timeline;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::time::Ms;
use records::RawRecords;
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
    /// Dropped: records of agents left out ([`LoadOptions::exclude_agents`]: bots and API
    /// users).
    pub excluded_records: u64,
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
    /// The `team` reports show when a schedule gives none: the agent group as text (the
    /// `agentGroupId`), or its name when agent groups are loaded (see `enrich`).
    pub team: Option<String>,
    /// What the Users API says about the agent, when users are loaded (see `enrich`).
    pub user: Option<UserFacts>,
}

/// An agent's entry in the Users API, as reports and schedule matching use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFacts {
    pub full_name: Option<String>,
    /// The full name, else the nickname.
    pub display_name: Option<String>,
    pub employee_id: Option<String>,
    pub login_name: Option<String>,
}

/// Which text names an away reason when the record's text and the configured text of its
/// `statusReasonId` differ (`--reason-names`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReasonNames {
    /// The record's text when it has one (the name when the agent chose it), else the
    /// configured text of its id.
    #[default]
    Recorded,
    /// The configured text of the id when it is known (today's name, so a renamed reason
    /// is reported under one name), else the record's text.
    Configured,
}

/// Options for [`Activity::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--coverage START/END`, used only when no input has a timeframe.
    pub coverage: Option<(Ms, Ms)>,
    /// Configured away-reason texts by `statusReasonId` (Agent Status Reason API); empty
    /// when not loaded, which keeps reasons exactly as recorded.
    pub reason_texts: HashMap<i64, String>,
    pub reason_names: ReasonNames,
    /// Agents whose records are left out (bots and API users).
    pub exclude_agents: HashSet<i64>,
}

/// Everything the engine knows about what agents did.
#[derive(Debug, Clone)]
pub struct Activity {
    /// One row per kept record, sorted by (agent_id, time, sequence number with missing
    /// first, input order). Columns: see [`EVENT_COLUMNS`]: `state` is the state the record
    /// sets ([`State`] code; `unknown` for a login, `logged_out` for a logout) and `reason` an
    /// index into `reasons` for away with a reason text. (The other API fields stay in the
    /// inputs and the fetch store; the engine does not need them.)
    pub events: DataFrame,
    /// Agents in `agent_id` order; `events` rows of agent `i` are `agents[i].rows`.
    pub agents: Vec<ActivityAgent>,
    pub coverage: Coverage,
    pub coverage_source: CoverageSource,
    /// Away reason texts (as recorded, or as configured for the reason id; see
    /// [`ReasonNames`]; empty for a reason known only by its id); the `reason` column holds
    /// indexes into this. A text may appear more than once, with different reason ids.
    pub reasons: Vec<String>,
    /// The `statusReasonId` of each reason (parallel to `reasons`; None when the records
    /// carried none, -1 or 0).
    pub reason_ids: Vec<Option<i64>>,
    pub stats: LoadStats,
    /// Agents whose records were left out ([`LoadOptions::exclude_agents`]), sorted.
    pub excluded: Vec<i64>,
    pub warnings: Vec<String>,
}

/// Columns of [`Activity::events`].
pub const EVENT_COLUMNS: &[&str] = &["agent_id", "time_ms", "status_type", "sequence_number", "state", "reason"];

impl Activity {
    /// Reads activity files, directories of them and fetch stores, in the order given.
    pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Activity> {
        let files = expand_inputs(paths)?;
        let mut raw = RawRecords::default();
        // API pages run about 340 bytes a record: reserve once rather than grow (each growth
        // of a large column copies it into freshly zeroed memory).
        let bytes: u64 =
            files.iter().map(|f| if let Input::File(p) = f { std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) } else { 0 }).sum();
        raw.reserve((bytes / 300) as usize);
        let mut timeframes = Vec::new();
        let mut stats = LoadStats { files: files.len(), ..Default::default() };
        // Files are parsed in parallel a batch at a time and appended in input order, so at
        // most one batch of parsed files waits in memory besides the records kept.
        let batch = 4 * rayon::current_num_threads().max(1);
        crate::timing::stage("activity: read and parse files", || -> Result<()> {
            for chunk in files.chunks(batch) {
                let parsed: Vec<Result<Loaded>> = chunk.par_iter().map(read_input).collect();
                for p in parsed {
                    let p = p?;
                    stats.dropped_missing += p.dropped_missing;
                    stats.bad_timeframes += p.bad_timeframes;
                    timeframes.extend(p.timeframes);
                    raw.append(p.records);
                }
            }
            Ok(())
        })?;
        stats.records_read = raw.len() as u64 + stats.dropped_missing;
        crate::timing::stage("activity: clean, sort, build events", || Activity::from_records(raw, timeframes, stats, opts))
    }

    /// Cleans records (dedupe, drop unknown types, sort) and works out the coverage.
    /// `timeframes` are the page timeframes / store windows found in the inputs.
    pub fn from_records(raw: RawRecords, timeframes: Vec<(Ms, Ms)>, mut stats: LoadStats, opts: &LoadOptions) -> Result<Activity> {
        let mut warnings = Vec::new();
        let mut excluded: HashSet<i64> = HashSet::new();
        // `all` holds every record read (dropped types and repeats included: they still say
        // who an agent is and what the inputs cover); `order` the rows of the timeline.
        let (all, order) =
            crate::timing::stage("activity: sort and dedupe", || clean_order(&raw, &mut stats, &opts.exclude_agents, &mut excluded));

        // Reasons: distinct (text, reason id) pairs of away records with a text or a reason
        // id, the text taken from the record or the configured reasons
        // (`opts.reason_names`). Without configured reasons and with one id per text this
        // gives the texts as recorded, as before enrichment existed.
        let mut reasons: Vec<String> = Vec::new();
        let mut reason_ids: Vec<Option<i64>> = Vec::new();
        let mut reason_of_key: HashMap<(u32, i64), u32> = HashMap::new();
        let mut reason_of_pair: HashMap<(String, Option<i64>), u32> = HashMap::new();
        // Pass 1, in input order (sequential reads): the reason code of every away record.
        let reason_of_record: Vec<u32> = crate::timing::stage("activity: reasons", || {
            (0..raw.len())
                .map(|i| {
                    if raw.status_type(i) != Some(1) || raw.status_sub_type(i) != Some(4) {
                        return NO_REASON;
                    }
                    let code = raw.status_reason_text(i);
                    let id = raw.status_reason_id(i).filter(|&x| x > 0);
                    *reason_of_key.entry((code.unwrap_or(records::NO_TEXT), id.unwrap_or(records::MISSING))).or_insert_with(|| {
                        let recorded = code.map(|c| raw.strings.get(c)).filter(|t| !t.trim().is_empty());
                        let configured = id.and_then(|id| opts.reason_texts.get(&id)).map(String::as_str).filter(|t| !t.trim().is_empty());
                        let text = match opts.reason_names {
                            ReasonNames::Recorded => recorded.or(configured),
                            ReasonNames::Configured => configured.or(recorded),
                        };
                        // A reason id without any text still has a code (reports show
                        // plain `away`; rules can name it by id).
                        match text.or(id.map(|_| "")) {
                            None => NO_REASON,
                            Some(t) => *reason_of_pair.entry((t.to_string(), id)).or_insert_with(|| {
                                reasons.push(t.to_string());
                                reason_ids.push(id);
                                (reasons.len() - 1) as u32
                            }),
                        }
                    })
                })
                .collect()
        });
        // Pass 2: gather the events columns in timeline order, in parallel.
        let (agent_id, time_ms, status_type, seq, state_col, reason_col) = crate::timing::stage("activity: gather events", || {
            let agent_id: Vec<i64> = order.par_iter().map(|&i| raw.agent_id[i as usize]).collect();
            let time_ms: Vec<i64> = order.par_iter().map(|&i| raw.time[i as usize]).collect();
            let status_type: Vec<u32> = order.par_iter().map(|&i| raw.status_type(i as usize).unwrap_or_default() as u32).collect();
            let seq: Vec<Option<i64>> = order.par_iter().map(|&i| raw.sequence_number(i as usize)).collect();
            let state_col: Vec<u32> = order
                .par_iter()
                .map(|&i| {
                    let i = i as usize;
                    match raw.status_type(i) {
                        Some(3) => State::Unknown as u32,
                        Some(4) => State::LoggedOut as u32,
                        _ => State::from_subtype(raw.status_sub_type(i).unwrap_or_default()).expect("filtered") as u32,
                    }
                })
                .collect();
            let reason_col: Vec<u32> = order.par_iter().map(|&i| reason_of_record[i as usize]).collect();
            (agent_id, time_ms, status_type, seq, state_col, reason_col)
        });
        drop(reason_of_record);
        let agents = crate::timing::stage("activity: agents", || build_agents(&raw, &all, &order));

        let (coverage, coverage_source, coverage_ignored) =
            coverage_of(timeframes, opts.coverage, || record_span(&raw, &opts.exclude_agents));
        let mut excluded: Vec<i64> = excluded.into_iter().collect();
        excluded.sort_unstable();
        warnings.extend(load_warnings(&stats, &excluded, coverage_ignored));

        let events = DataFrame::new_infer_height(vec![
            Column::new("agent_id".into(), agent_id),
            Column::new("time_ms".into(), time_ms),
            Column::new("status_type".into(), status_type),
            Column::new("sequence_number".into(), seq),
            Column::new("state".into(), state_col),
            Column::new("reason".into(), reason_col),
        ])?;
        Ok(Activity { events, agents, coverage, coverage_source, reasons, reason_ids, stats, excluded, warnings })
    }

    /// A column of the events frame as a contiguous slice.
    pub fn col_i64(&self, name: &str) -> &[i64] {
        self.events.column(name).expect("events column").i64().expect("i64").cont_slice().expect("contiguous")
    }
    pub fn col_u32(&self, name: &str) -> &[u32] {
        self.events.column(name).expect("events column").u32().expect("u32").cont_slice().expect("contiguous")
    }

    /// The away reason text of a reason code, if any (a reason known only by its id has
    /// none).
    pub fn reason_text(&self, code: u32) -> Option<&str> {
        (code != NO_REASON).then(|| self.reasons[code as usize].as_str()).filter(|t| !t.is_empty())
    }
}

/// The first and last record times, records of `exclude`d agents (bots, API users) left
/// out: what inputs without timeframes cover.
pub fn record_span(raw: &RawRecords, exclude: &HashSet<i64>) -> Option<(Ms, Ms)> {
    let kept = (0..raw.len()).filter(|&i| exclude.is_empty() || !exclude.contains(&raw.agent_id[i])).map(|i| raw.time[i]);
    kept.fold(None, |span, t| Some(span.map_or((t, t), |(a, b): (Ms, Ms)| (a.min(t), b.max(t)))))
}

/// The coverage of the inputs: their timeframes, else `--coverage`, else `[first record,
/// last record)`; and whether `--coverage` was given but ignored.
pub fn coverage_of(
    timeframes: Vec<(Ms, Ms)>,
    flag: Option<(Ms, Ms)>,
    records_span: impl FnOnce() -> Option<(Ms, Ms)>,
) -> (Coverage, CoverageSource, bool) {
    if !timeframes.is_empty() {
        (Coverage::union(timeframes), CoverageSource::Timeframes, flag.is_some())
    } else if let Some((s, e)) = flag {
        (Coverage::union(vec![(s, e)]), CoverageSource::Flag, false)
    } else {
        let c = records_span().map(|(a, b)| Coverage::union(vec![(a, b)])).unwrap_or_default();
        (c, CoverageSource::Records, false)
    }
}

/// The warnings loading gives: records dropped or left out, repeats of page timeframes.
/// `excluded` are the agents left out, sorted.
pub fn load_warnings(stats: &LoadStats, excluded: &[i64], coverage_ignored: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    if coverage_ignored {
        warnings.push("--coverage is ignored: the activity inputs carry their own timeframes".to_string());
    }
    if stats.dropped_missing > 0 {
        warnings.push(format!("{} record{} dropped: no agentId or no readable time", stats.dropped_missing, plural(stats.dropped_missing)));
    }
    if stats.excluded_records > 0 {
        let shown: Vec<String> = excluded.iter().take(10).map(i64::to_string).collect();
        warnings.push(format!(
            "{} bot or API user agent{} left out ({} record{}; agentId {}{}); --include-bots keeps them",
            excluded.len(),
            plural(excluded.len() as u64),
            stats.excluded_records,
            plural(stats.excluded_records),
            shown.join(", "),
            if excluded.len() > 10 { ", …" } else { "" }
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
    warnings
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
            // One read buffer per thread, reused across files: a fresh buffer per file
            // costs the kernel zeroing new pages for every page of every file.
            thread_local! {
                static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
            }
            let c = BUF.with(|buf| -> Result<json::FileContents> {
                let mut buf = buf.borrow_mut();
                buf.clear();
                let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                std::io::Read::read_to_end(&mut f, &mut buf).map_err(|e| Error::io(path, e))?;
                let c = json::read_activity_bytes(path, &buf);
                if buf.capacity() > 64 << 20 {
                    *buf = Vec::new(); // do not keep a huge buffer after a huge file
                }
                c
            })?;
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
/// Record indexes sorted by (agent, time, sequence with missing first, input order).
///
/// A bucket sort by agent (stable, so input order within an agent is kept) and then a small
/// sort per agent, in parallel: each agent's records are a few hundred to a few thousand,
/// which sort in cache, instead of one comparison sort of millions of scattered keys.
fn sorted_order(raw: &RawRecords) -> Vec<u32> {
    let n = raw.len();
    // Dense agent numbers, in agentId order.
    let mut ids: Vec<i64> = raw.agent_id.clone();
    ids.par_sort_unstable();
    ids.dedup();
    // foldhash, not the default SipHash: this map is looked up once per record.
    let dense: HashMap<i64, u32, foldhash::fast::RandomState> = ids.iter().enumerate().map(|(i, &a)| (a, i as u32)).collect();
    let agent_of: Vec<u32> = raw.agent_id.par_iter().map(|a| dense[a]).collect();
    let mut start = vec![0usize; ids.len() + 1];
    for &a in &agent_of {
        start[a as usize + 1] += 1;
    }
    for i in 0..ids.len() {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut order = vec![0u32; n];
    for (i, &a) in agent_of.iter().enumerate() {
        order[next[a as usize]] = i as u32;
        next[a as usize] += 1;
    }
    // Sort each agent's slice by (time, sequence with missing first, input order).
    let mut slices: Vec<&mut [u32]> = Vec::with_capacity(ids.len());
    let mut rest: &mut [u32] = &mut order;
    for a in 0..ids.len() {
        let (head, tail) = rest.split_at_mut(start[a + 1] - start[a]);
        slices.push(head);
        rest = tail;
    }
    slices.par_iter_mut().for_each(|s| {
        s.sort_unstable_by_key(|&i| {
            let i = i as usize;
            let q = raw.sequence_number(i);
            (raw.time[i], q.is_some(), q.unwrap_or(0), i as u32)
        })
    });
    order
}

/// Returns (every record but left-out bots, sorted; the cleaned rows, sorted).
fn clean_order(raw: &RawRecords, stats: &mut LoadStats, exclude: &HashSet<i64>, excluded: &mut HashSet<i64>) -> (Vec<u32>, Vec<u32>) {
    let n = raw.len();
    let order = sorted_order(raw);
    // Duplicates share (agent, time, sequence), so they sit in one run of the sorted order,
    // in input order; keep the first of each (type, subtype, session).
    let mut keep = vec![true; n];
    let mut run_start = 0;
    for j in 1..=n {
        let same = j < n && {
            let (a, b) = (order[run_start] as usize, order[j] as usize);
            raw.agent_id[a] == raw.agent_id[b] && raw.time[a] == raw.time[b] && raw.sequence_number(a) == raw.sequence_number(b)
        };
        if same {
            continue;
        }
        if j - run_start > 1 {
            for x in run_start + 1..j {
                let bx = order[x] as usize;
                let dup = (run_start..x).any(|y| {
                    let by = order[y] as usize;
                    keep[y] && raw.same_change(by, bx)
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
    let mut all = Vec::with_capacity(n);
    for (pos, &i) in order.iter().enumerate() {
        let i = i as usize;
        if !exclude.is_empty() && exclude.contains(&raw.agent_id[i]) {
            if keep[pos] {
                stats.excluded_records += 1;
            }
            excluded.insert(raw.agent_id[i]);
            continue;
        }
        all.push(i as u32);
        if !keep[pos] {
            continue;
        }
        let valid = match raw.status_type(i) {
            Some(3) | Some(4) => true,
            Some(1) => matches!(raw.status_sub_type(i), Some(1..=4)),
            _ => false,
        };
        if valid {
            out.push(i as u32);
        } else {
            stats.dropped_type += 1;
        }
    }
    (all, out)
}

/// One entry per agent among `all` (every record read, sorted), with its identity taken from
/// all of its records and its rows in the cleaned `order` (possibly none: an agent whose
/// records were all dropped types is logged out throughout).
///
/// Identity is worked out on string codes in one pass in input order (sequential reads);
/// "latest" is the record latest in timeline order, i.e. with the highest rank in `all`.
fn build_agents(raw: &RawRecords, all: &[u32], order: &[u32]) -> Vec<ActivityAgent> {
    const NONE: u32 = u32::MAX;
    let mut rank = vec![NONE; raw.len()];
    for (p, &i) in all.iter().enumerate() {
        rank[i as usize] = p as u32;
    }
    // Agents in order, with their first position in `all` and in `order`.
    let mut starts: Vec<(i64, usize)> = Vec::new();
    for (p, &i) in all.iter().enumerate() {
        let id = raw.agent_id[i as usize];
        if starts.last().is_none_or(|&(a, _)| a != id) {
            starts.push((id, p));
        }
    }
    let n_agents = starts.len();
    let agent_at = |p: u32| starts.partition_point(|&(_, s)| s <= p as usize) - 1;
    // Which string codes are non-empty after trimming.
    let non_blank: Vec<bool> = (0..raw.strings.len() as u32).map(|c| !raw.strings.get(c).trim().is_empty()).collect();
    let ok = |c: Option<u32>| c.filter(|&c| non_blank[c as usize]);
    #[derive(Clone, Default)]
    struct Acc {
        emp: (u32, u32),
        login: (u32, u32),
        user: (u32, u32),
        group: (u32, i64),
        emps: Vec<u32>,
        logins: Vec<u32>,
    }
    let fresh = Acc { emp: (NONE, 0), login: (NONE, 0), user: (NONE, 0), group: (NONE, 0), ..Default::default() };
    let mut acc: Vec<Acc> = vec![fresh; n_agents];
    // Records are mostly grouped by agent within a file: remember the last agent looked up.
    let mut last: Option<(i64, usize)> = None;
    for (i, &r) in rank.iter().enumerate() {
        if r == NONE {
            continue;
        }
        let a = match last {
            Some((id, a)) if id == raw.agent_id[i] => a,
            _ => {
                let a = agent_at(r);
                last = Some((raw.agent_id[i], a));
                a
            }
        };
        let x = &mut acc[a];
        let later = |best: (u32, u32)| best.0 == NONE || r > best.0;
        if let Some(c) = ok(raw.employee_id(i)) {
            if later(x.emp) {
                x.emp = (r, c);
            }
            if !x.emps.contains(&c) {
                x.emps.push(c);
            }
        }
        if let Some(c) = ok(raw.agent_login_name(i)) {
            if later(x.login) {
                x.login = (r, c);
            }
            if !x.logins.contains(&c) {
                x.logins.push(c);
            }
        }
        if let Some(c) = ok(raw.agent_user_name(i)) {
            if later(x.user) {
                x.user = (r, c);
            }
        }
        if let Some(g) = raw.agent_group_id(i) {
            if x.group.0 == NONE || r > x.group.0 {
                x.group = (r, g);
            }
        }
    }
    // Seen values in timeline order of first appearance: sort each agent's codes by the rank
    // of their first record (kept simple: codes were pushed in input order; order them by
    // text for determinism that does not depend on how records were paged).
    let text = |c: u32| raw.strings.get(c).to_string();
    let get = |best: (u32, u32)| (best.0 != NONE).then(|| text(best.1));
    let mut out = Vec::with_capacity(n_agents);
    let mut row = 0;
    for (a, x) in acc.into_iter().enumerate() {
        let id = starts[a].0;
        let first_row = row;
        while row < order.len() && raw.agent_id[order[row] as usize] == id {
            row += 1;
        }
        let mut emps: Vec<String> = x.emps.iter().map(|&c| text(c)).collect();
        emps.sort();
        let mut logins: Vec<String> = x.logins.iter().map(|&c| text(c)).collect();
        logins.sort();
        let group_id = (x.group.0 != NONE).then_some(x.group.1);
        out.push(ActivityAgent {
            agent_id: id,
            rows: first_row..row,
            employee_id: get(x.emp),
            login_name: get(x.login),
            user_name: get(x.user),
            group_id,
            employee_ids: emps,
            login_names: logins,
            team: group_id.map(|g| g.to_string()),
            user: None,
        });
    }
    out
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
