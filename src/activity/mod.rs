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
        // Files are parsed in parallel a batch at a time and appended in input order, each
        // batch while the next one is parsed.
        let batch = 4 * rayon::current_num_threads().max(1);
        crate::timing::stage("activity: read and parse files", || -> Result<()> {
            let pools = Pools::new();
            read_overlapped(
                &files,
                batch,
                |f| read_input(f, &pools),
                |(p, slot)| {
                    stats.dropped_missing += p.dropped_missing;
                    stats.bad_timeframes += p.bad_timeframes;
                    timeframes.extend(p.timeframes);
                    match slot {
                        Some(s) => raw.append_tagged(p.records, (s as u32 + 1) << TAG_SHIFT),
                        None => raw.append(p.records),
                    }
                },
            )?;
            pools.resolve(&mut raw);
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
        // `order`: the rows of the timeline; the agents' identities are taken from every
        // record read (dropped types and repeats included) in `build_agents`.
        let mut cleaned =
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
        // Pass 2: the reasons in timeline order (the other columns came with the sort).
        let reason_col: Vec<u32> =
            crate::timing::stage("activity: gather reasons", || cleaned.order.par_iter().map(|&i| reason_of_record[i as usize]).collect());
        let agent_id = std::mem::take(&mut cleaned.agent_id);
        let time_ms = std::mem::take(&mut cleaned.time_ms);
        let status_type = std::mem::take(&mut cleaned.status_type);
        let seq = std::mem::take(&mut cleaned.sequence_number);
        let state_col = std::mem::take(&mut cleaned.state);
        drop(reason_of_record);
        let agents = crate::timing::stage("activity: agents", || build_agents(&raw, &cleaned));

        let (coverage, coverage_source, coverage_ignored) =
            coverage_of(timeframes, opts.coverage, || record_span(&raw, &opts.exclude_agents));
        let mut excluded: Vec<i64> = excluded.into_iter().collect();
        excluded.sort_unstable();
        warnings.extend(load_warnings(&stats, &excluded, coverage_ignored));

        let events = DataFrame::new_infer_height(vec![
            Column::new("agent_id".into(), agent_id),
            Column::new("time_ms".into(), time_ms),
            Column::new("status_type".into(), status_type),
            sequence_column(seq),
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

/// The events' sequence numbers, [`records::MISSING`] for none, as a column with nulls: the
/// numbers are the column's values as they are (no copy), with a validity mask only when
/// some are missing.
fn sequence_column(seq: Vec<i64>) -> Column {
    let validity = seq
        .contains(&records::MISSING)
        .then(|| polars_arrow::bitmap::Bitmap::from_trusted_len_iter(seq.iter().map(|&v| v != records::MISSING)));
    Int64Chunked::from_vec_validity("sequence_number".into(), seq, validity).into_column()
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

/// Reads `items` a batch at a time, the batch's items in parallel, and hands what was read
/// to `append` in input order, each batch while the next one is read (appending is one
/// thread's work, which would otherwise leave the other cores idle). The first error, in
/// input order, stops the reading; at most two batches wait in memory.
pub(crate) fn read_overlapped<I: Sync, T: Send>(
    items: &[I],
    batch: usize,
    read: impl Fn(&I) -> Result<T> + Sync,
    mut append: impl FnMut(T) + Send,
) -> Result<()> {
    let read_batch = |chunk: &[I]| -> Vec<Result<T>> { chunk.par_iter().map(&read).collect() };
    let mut append_batch = |batch: Vec<Result<T>>| -> Result<()> {
        for r in batch {
            append(r?);
        }
        Ok(())
    };
    let mut chunks = items.chunks(batch.max(1));
    let mut pending = chunks.next().map(read_batch).unwrap_or_default();
    for chunk in chunks {
        let (next, appended) = rayon::join(|| read_batch(chunk), || append_batch(std::mem::take(&mut pending)));
        appended?;
        pending = next;
    }
    append_batch(pending)
}

/// String pools shared by the files each thread of the pool reads, so that a file's texts
/// are mostly found, not added, and appending the file costs no interning: its records'
/// text codes are codes of its thread's pool, tagged with the pool's number in the top bits
/// (see [`Pools::resolve`]).
struct Pools(Vec<std::sync::Mutex<records::StringPool>>);

/// Text codes below this are codes of the load's own pool; tagged codes carry a pool
/// number + 1 above it.
const TAG_SHIFT: u32 = 28;

impl Pools {
    fn new() -> Pools {
        // Four bits of tag, 1 to 14 (15 would let a tagged code be `NO_TEXT`): threads
        // beyond 14 read with a pool per file.
        let n = rayon::current_num_threads().min(14);
        Pools((0..n).map(|_| Default::default()).collect())
    }

    /// The pool of the current thread, if it has one.
    fn slot(&self) -> Option<usize> {
        rayon::current_thread_index().filter(|&i| i < self.0.len())
    }

    /// Turns the tagged text codes of `raw` into codes of its own pool.
    fn resolve(self, raw: &mut RawRecords) {
        let pools: Vec<records::StringPool> = self.0.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())).collect();
        let remap: Vec<Vec<u32>> = pools.iter().map(|p| (0..p.len() as u32).map(|c| raw.strings.intern(p.get(c))).collect()).collect();
        assert!(raw.strings.len() < 1 << TAG_SHIFT && pools.iter().all(|p| p.len() < 1 << TAG_SHIFT), "more than 2^28 distinct texts");
        raw.map_text_codes(|c| match c >> TAG_SHIFT {
            0 => c,
            tag => remap[tag as usize - 1][(c & ((1 << TAG_SHIFT) - 1)) as usize],
        });
    }
}

/// Reads one input; a file's texts go to its thread's pool in `pools` when there is one,
/// and the returned number is that pool's.
fn read_input(input: &Input, pools: &Pools) -> Result<(Loaded, Option<usize>)> {
    match input {
        Input::File(path) => {
            // One read buffer per thread, reused across files: a fresh buffer per file
            // costs the kernel zeroing new pages for every page of every file.
            thread_local! {
                static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
            }
            let slot = pools.slot();
            let c = BUF.with(|buf| -> Result<json::FileContents> {
                let mut buf = buf.borrow_mut();
                buf.clear();
                let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                std::io::Read::read_to_end(&mut f, &mut buf).map_err(|e| Error::io(path, e))?;
                let c = match slot {
                    // Only this thread takes this pool: the lock is never contended.
                    Some(s) => {
                        let mut pool = pools.0[s].lock().unwrap_or_else(|e| e.into_inner());
                        json::read_activity_bytes_into(path, &buf, &mut pool)
                    }
                    None => json::read_activity_bytes(path, &buf),
                };
                if buf.capacity() > 64 << 20 {
                    *buf = Vec::new(); // do not keep a huge buffer after a huge file
                }
                c
            })?;
            let loaded = Loaded {
                records: c.records,
                timeframes: c.timeframes,
                dropped_missing: c.dropped_missing,
                bad_timeframes: c.bad_timeframes,
            };
            Ok((loaded, slot))
        }
        Input::Store(dir) => Ok((crate::liveperson::store::read_store(dir)?, None)),
    }
}

/// A record's place in its agent's timeline, with what cleaning makes of it.
#[derive(Clone, Copy, Default)]
struct Key {
    time: Ms,
    /// The sequence number, missing as `i64::MIN` (so missing sorts first).
    seq: i64,
    /// The record's index in the input.
    index: u32,
    kind: Kind,
    /// For a valid record: its statusType and the [`State`] it sets, as codes.
    status_type: u8,
    state: u8,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Kind {
    /// A state change of a known type: a row of the timeline.
    #[default]
    Valid,
    /// A statusType other than 1, 3 or 4, or a state change with a subtype outside 1-4.
    BadType,
    /// A repeat of an earlier record (same agent, time, sequence, type, subtype, session).
    Duplicate,
}

/// The records as the timeline uses them, and each agent's place in them.
struct Cleaned {
    /// The distinct agentIds, ascending: dense agent numbers index them.
    ids: Vec<i64>,
    /// The dense agent number of each record, in input order.
    agent_of: Vec<u32>,
    /// Per dense agent: its rows of `order`, or `None` for an agent left out
    /// (`--exclude-agents`).
    rows: Vec<Option<std::ops::Range<usize>>>,
    /// Record indexes of the timeline: repeats, unknown types and left-out agents removed,
    /// sorted by (agent, time, sequence with missing first, input order).
    order: Vec<u32>,
    /// The timeline's columns, row for row with `order` (the events frame but its reasons).
    agent_id: Vec<i64>,
    time_ms: Vec<Ms>,
    status_type: Vec<u32>,
    /// [`records::MISSING`] where a record has none (8 bytes a row; the events column is
    /// made from it with a validity mask, without a copy).
    sequence_number: Vec<i64>,
    state: Vec<u32>,
}

/// Dense agent numbers (in agentId order) of the records: one hash lookup per record gives
/// first-seen numbers, and only the few thousand distinct ids are sorted, not the records.
fn dense_agents(raw: &RawRecords) -> (Vec<i64>, Vec<u32>) {
    // foldhash, not the default SipHash: this map is looked up once per record.
    let mut number: HashMap<i64, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut seen: Vec<i64> = Vec::new();
    let mut agent_of: Vec<u32> = raw
        .agent_id
        .iter()
        .map(|&a| {
            *number.entry(a).or_insert_with(|| {
                seen.push(a);
                (seen.len() - 1) as u32
            })
        })
        .collect();
    let mut by_id: Vec<u32> = (0..seen.len() as u32).collect();
    by_id.sort_unstable_by_key(|&p| seen[p as usize]);
    let mut dense = vec![0u32; seen.len()];
    for (d, &p) in by_id.iter().enumerate() {
        dense[p as usize] = d as u32;
    }
    agent_of.par_iter_mut().for_each(|a| *a = dense[*a as usize]);
    (by_id.iter().map(|&p| seen[p as usize]).collect(), agent_of)
}

/// The key array of the bucket sort, written by several threads at once: each writes only
/// its own positions (see [`clean_order`]).
struct Slots(*mut Key);
// SAFETY: the threads sharing a `Slots` write disjoint positions, and nothing reads the
// array until they are all done (the scope of the parallel iterator).
unsafe impl Sync for Slots {}

impl Slots {
    /// # Safety
    /// `at` is within the array's capacity, and no other thread writes or reads it.
    unsafe fn write(&self, at: usize, key: Key) {
        unsafe { self.0.add(at).write(key) }
    }
}

/// Cleans the records (SPEC §4 "Actual state timeline" steps 1–2): drops repeats (the first
/// occurrence is kept), unknown types and left-out agents, and sorts the rest by (agent,
/// time, sequence with missing first, input order).
///
/// A bucket sort by agent carries each record's sort key with it (read in input order, so
/// sequentially, by one thread per part of the input; a part's records go after those of
/// the parts before it in each agent's bucket, which keeps input order). Each agent's keys
/// — a few hundred to a few thousand, already in time order when the input is — are then
/// sorted and deduplicated in cache, and the timeline's columns filled, agents in
/// parallel: no comparison sort of millions of scattered keys.
fn clean_order(raw: &RawRecords, stats: &mut LoadStats, exclude: &HashSet<i64>, excluded: &mut HashSet<i64>) -> Cleaned {
    let n = raw.len();
    let (ids, agent_of) = dense_agents(raw);
    let n_agents = ids.len();
    let part_len = n.div_ceil(rayon::current_num_threads().max(1)).max(1 << 16);
    let parts: Vec<std::ops::Range<usize>> = (0..n).step_by(part_len).map(|s| s..(s + part_len).min(n)).collect();
    let counts: Vec<Vec<u32>> = parts
        .par_iter()
        .map(|r| {
            let mut c = vec![0u32; n_agents];
            for &a in &agent_of[r.clone()] {
                c[a as usize] += 1;
            }
            c
        })
        .collect();
    // Each part's first position in each agent's bucket.
    let mut start = vec![0usize; n_agents + 1];
    let mut next: Vec<Vec<usize>> = vec![vec![0; n_agents]; parts.len()];
    let mut pos = 0;
    for a in 0..n_agents {
        start[a] = pos;
        for (p, c) in counts.iter().enumerate() {
            next[p][a] = pos;
            pos += c[a] as usize;
        }
    }
    start[n_agents] = pos;
    drop(counts);
    let mut keys: Vec<Key> = Vec::with_capacity(n);
    let slots = Slots(keys.as_mut_ptr());
    parts.par_iter().zip(next).for_each(|(r, mut next)| {
        for i in r.clone() {
            let a = agent_of[i] as usize;
            let status_type = raw.status_type(i);
            let state = match status_type {
                Some(3) => Some(State::Unknown),
                Some(4) => Some(State::LoggedOut),
                Some(1) => raw.status_sub_type(i).and_then(State::from_subtype),
                _ => None,
            };
            let key = Key {
                time: raw.time[i],
                seq: raw.sequence_number(i).unwrap_or(i64::MIN),
                index: i as u32,
                kind: if state.is_some() { Kind::Valid } else { Kind::BadType },
                status_type: status_type.unwrap_or_default() as u8,
                state: state.map_or(0, |s| s as u8),
            };
            // SAFETY: `next[a]` runs over this part's positions in agent a's bucket, which
            // no other part writes, and stays below `n` (the positions count the records).
            unsafe { slots.write(next[a], key) };
            next[a] += 1;
        }
    });
    // SAFETY: every position below `n` was written once above (the buckets' positions are
    // exactly 0..n, one per record).
    unsafe { keys.set_len(n) };
    let mut slices: Vec<&mut [Key]> = Vec::with_capacity(n_agents);
    let mut rest: &mut [Key] = &mut keys;
    for a in 0..n_agents {
        let (head, tail) = rest.split_at_mut(start[a + 1] - start[a]);
        slices.push(head);
        rest = tail;
    }
    // Per agent: (repeats, valid rows, dropped types).
    let per_agent: Vec<(u64, usize, u64)> = slices
        .par_iter_mut()
        .map(|s| {
            // Stable: input order breaks ties.
            s.sort_by_key(|k| (k.time, k.seq));
            // Repeats share (time, sequence), so they sit in one run; keep the first of
            // each (type, subtype, session).
            let mut dups = 0;
            let mut run = 0;
            for j in 1..=s.len() {
                if j < s.len() && s[j].time == s[run].time && s[j].seq == s[run].seq {
                    continue;
                }
                for x in run + 1..j {
                    let bx = s[x].index as usize;
                    if (run..x).any(|y| s[y].kind != Kind::Duplicate && raw.same_change(s[y].index as usize, bx)) {
                        s[x].kind = Kind::Duplicate;
                        dups += 1;
                    }
                }
                run = j;
            }
            let valid = s.iter().filter(|k| k.kind == Kind::Valid).count();
            let bad = s.iter().filter(|k| k.kind == Kind::BadType).count() as u64;
            (dups, valid, bad)
        })
        .collect();
    drop(slices);
    let mut rows = Vec::with_capacity(n_agents);
    let mut total = 0;
    for (&id, &(dups, valid, bad)) in ids.iter().zip(&per_agent) {
        stats.duplicates += dups;
        if !exclude.is_empty() && exclude.contains(&id) {
            stats.excluded_records += valid as u64 + bad;
            excluded.insert(id);
            rows.push(None);
            continue;
        }
        stats.dropped_type += bad;
        rows.push(Some(total..total + valid));
        total += valid;
    }
    // The timeline's columns, each agent's rows filled in parallel.
    let mut order = vec![0u32; total];
    let mut agent_id = vec![0i64; total];
    let mut time_ms = vec![0i64; total];
    let mut status_type = vec![0u32; total];
    let mut sequence_number: Vec<i64> = vec![records::MISSING; total];
    let mut state = vec![0u32; total];
    struct Fill<'a> {
        id: i64,
        keys: &'a [Key],
        order: &'a mut [u32],
        agent_id: &'a mut [i64],
        time_ms: &'a mut [i64],
        status_type: &'a mut [u32],
        sequence_number: &'a mut [i64],
        state: &'a mut [u32],
    }
    let mut fills: Vec<Fill> = Vec::with_capacity(n_agents);
    {
        let (mut o, mut ag, mut t, mut st, mut sq, mut sa) =
            (&mut order[..], &mut agent_id[..], &mut time_ms[..], &mut status_type[..], &mut sequence_number[..], &mut state[..]);
        for (a, r) in rows.iter().enumerate() {
            let Some(r) = r else { continue };
            let k = r.len();
            macro_rules! cut {
                ($v:ident) => {{
                    let (head, tail) = std::mem::take(&mut $v).split_at_mut(k);
                    $v = tail;
                    head
                }};
            }
            fills.push(Fill {
                id: ids[a],
                keys: &keys[start[a]..start[a + 1]],
                order: cut!(o),
                agent_id: cut!(ag),
                time_ms: cut!(t),
                status_type: cut!(st),
                sequence_number: cut!(sq),
                state: cut!(sa),
            });
        }
    }
    fills.par_iter_mut().for_each(|f| {
        let valid = f.keys.iter().filter(|k| k.kind == Kind::Valid);
        for (j, k) in valid.enumerate() {
            f.order[j] = k.index;
            f.agent_id[j] = f.id;
            f.time_ms[j] = k.time;
            f.status_type[j] = k.status_type as u32;
            f.sequence_number[j] = k.seq;
            f.state[j] = k.state as u32;
        }
    });
    drop(fills);
    Cleaned { ids, agent_of, rows, order, agent_id, time_ms, status_type, sequence_number, state }
}

/// One entry per agent that is not left out, in agentId order, with its identity taken
/// from all of its records (repeats and dropped types included: they still say who an agent
/// is) and its rows of the timeline (possibly none: an agent whose records were all dropped
/// types is logged out throughout).
///
/// "Latest" is latest in timeline order: by (time, sequence with missing first, input
/// order). The records are read in input order (sequential reads), in parallel chunks
/// whose per-agent results are then merged.
fn build_agents(raw: &RawRecords, c: &Cleaned) -> Vec<ActivityAgent> {
    let n = raw.len();
    let n_agents = c.ids.len();
    // Which string codes are non-empty after trimming.
    let non_blank: Vec<bool> = (0..raw.strings.len() as u32).map(|c| !raw.strings.get(c).trim().is_empty()).collect();
    let ok = |c: Option<u32>| c.filter(|&c| non_blank[c as usize]);
    /// A record's place in the timeline of its agent.
    type Pos = (Ms, i64, u32);
    #[derive(Clone, Default)]
    struct Acc {
        emp: Option<(Pos, u32)>,
        login: Option<(Pos, u32)>,
        user: Option<(Pos, u32)>,
        group: Option<(Pos, i64)>,
        emps: Vec<u32>,
        logins: Vec<u32>,
    }
    fn later<T: Copy>(best: &mut Option<(Pos, T)>, candidate: Option<(Pos, T)>) {
        if let Some((p, v)) = candidate {
            if best.is_none_or(|(b, _)| p > b) {
                *best = Some((p, v));
            }
        }
    }
    fn add(seen: &mut Vec<u32>, c: u32) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let scan = |range: std::ops::Range<usize>| -> Vec<Acc> {
        let mut acc = vec![Acc::default(); n_agents];
        for i in range {
            let a = c.agent_of[i] as usize;
            if c.rows[a].is_none() {
                continue;
            }
            let x = &mut acc[a];
            let pos: Pos = (raw.time[i], raw.sequence_number(i).unwrap_or(i64::MIN), i as u32);
            if let Some(e) = ok(raw.employee_id(i)) {
                later(&mut x.emp, Some((pos, e)));
                add(&mut x.emps, e);
            }
            if let Some(l) = ok(raw.agent_login_name(i)) {
                later(&mut x.login, Some((pos, l)));
                add(&mut x.logins, l);
            }
            later(&mut x.user, ok(raw.agent_user_name(i)).map(|u| (pos, u)));
            later(&mut x.group, raw.agent_group_id(i).map(|g| (pos, g)));
        }
        acc
    };
    let merge = |mut a: Vec<Acc>, b: Vec<Acc>| -> Vec<Acc> {
        for (x, y) in a.iter_mut().zip(b) {
            later(&mut x.emp, y.emp);
            later(&mut x.login, y.login);
            later(&mut x.user, y.user);
            later(&mut x.group, y.group);
            y.emps.into_iter().for_each(|e| add(&mut x.emps, e));
            y.logins.into_iter().for_each(|l| add(&mut x.logins, l));
        }
        a
    };
    let chunk = n.div_ceil(2 * rayon::current_num_threads().max(1)).max(1 << 16);
    let chunks: Vec<std::ops::Range<usize>> = (0..n).step_by(chunk).map(|s| s..(s + chunk).min(n)).collect();
    let acc = chunks.into_par_iter().map(scan).reduce_with(merge).unwrap_or_else(|| vec![Acc::default(); n_agents]);
    // Seen values sorted by text: deterministic however the records were paged.
    let text = |c: u32| raw.strings.get(c).to_string();
    let mut out = Vec::with_capacity(n_agents);
    for ((x, &id), rows) in acc.into_iter().zip(&c.ids).zip(&c.rows) {
        let Some(rows) = rows.clone() else { continue };
        let mut emps: Vec<String> = x.emps.iter().map(|&c| text(c)).collect();
        emps.sort();
        let mut logins: Vec<String> = x.logins.iter().map(|&c| text(c)).collect();
        logins.sort();
        let group_id = x.group.map(|(_, g)| g);
        out.push(ActivityAgent {
            agent_id: id,
            rows,
            employee_id: x.emp.map(|(_, c)| text(c)),
            login_name: x.login.map(|(_, c)| text(c)),
            user_name: x.user.map(|(_, c)| text(c)),
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
    fn identity_is_the_latest_in_timeline_order_across_parallel_chunks() {
        // Records are read in chunks of at least 65,536 whose results are merged: 150,000
        // records put agent 7's latest record (time 10,000,000) first in the input, in the
        // first chunk, and older ones with another employee id after it, in later chunks.
        let mut raw = RawRecords::default();
        let latest = RecordRef {
            employee_id: Some("E-new"),
            agent_login_name: Some("new"),
            agent_group_id: Some(2),
            ..rec(7, 10_000_000, 1, 2, None, None)
        };
        raw.push(latest);
        for t in 0..150_000 {
            let old = RecordRef {
                employee_id: Some("E-old"),
                agent_login_name: Some(" "),
                agent_group_id: Some(1),
                ..rec(7, t, 1, 2, None, None)
            };
            raw.push(old);
        }
        // Agent 3 (sorted first) only has a dropped type: an agent with no rows.
        raw.push(rec(3, 5, 2, 0, None, None));
        let a = Activity::from_records(raw, vec![], LoadStats::default(), &LoadOptions::default()).unwrap();
        assert_eq!(a.agents.len(), 2);
        assert_eq!((a.agents[0].agent_id, a.agents[0].rows.clone()), (3, 0..0));
        let x = &a.agents[1];
        assert_eq!(x.rows, 0..150_001);
        assert_eq!(x.employee_id.as_deref(), Some("E-new"));
        assert_eq!(x.employee_ids, ["E-new", "E-old"]);
        // a blank login name is no login name
        assert_eq!((x.login_name.as_deref(), x.login_names.clone()), (Some("new"), vec!["new".to_string()]));
        assert_eq!(x.group_id, Some(2));
        assert_eq!(a.col_i64("time_ms")[150_000], 10_000_000);
    }

    #[test]
    fn cleaning_in_parallel_parts_matches_a_plain_sort_and_dedupe() {
        // 200,000 records (the scatter splits the input into parts of at least 65,536) of 7
        // agents, times and sequences drawn from small ranges so that ties and repeats fall
        // across parts; compared with a plain stable sort and a first-wins dedupe.
        let mut raw = RawRecords::default();
        let mut x: u64 = 12345;
        let mut draw = |m: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let mut recs = Vec::new();
        for _ in 0..200_000 {
            let seq = match draw(4) {
                0 => None,
                v => Some(v as i64 - 2),
            };
            let ty = [1, 1, 1, 3, 4, 2][draw(6) as usize];
            let r = rec(draw(7) as i64 * 1000 + 1, draw(20_000) as i64, ty, draw(6) as i64, seq, Some(draw(2) as i64));
            raw.push(r);
            recs.push(r);
        }
        let a = Activity::from_records(raw, vec![], LoadStats::default(), &LoadOptions::default()).unwrap();
        let mut idx: Vec<usize> = (0..recs.len()).collect();
        idx.sort_by_key(|&i| (recs[i].agent_id, recs[i].time, recs[i].sequence_number.is_some(), recs[i].sequence_number));
        let key = |r: &RecordRef| (r.agent_id, r.time, r.sequence_number, r.status_type, r.status_sub_type, r.session_id);
        let mut seen = HashSet::new();
        let (mut dups, mut bad) = (0, 0);
        let mut want: Vec<(i64, Ms, u32)> = Vec::new();
        for i in idx {
            let r = &recs[i];
            if !seen.insert(key(r)) {
                dups += 1;
                continue;
            }
            let state = match r.status_type {
                Some(3) => Some(State::Unknown),
                Some(4) => Some(State::LoggedOut),
                Some(1) => r.status_sub_type.and_then(State::from_subtype),
                _ => None,
            };
            match state {
                Some(s) => want.push((r.agent_id, r.time, s as u32)),
                None => bad += 1,
            }
        }
        let got: Vec<(i64, Ms, u32)> =
            (0..a.events.height()).map(|i| (a.col_i64("agent_id")[i], a.col_i64("time_ms")[i], a.col_u32("state")[i])).collect();
        assert_eq!((a.stats.duplicates, a.stats.dropped_type), (dups, bad));
        assert!(dups > 500 && bad > 1000, "the draw makes repeats and dropped types: {dups}, {bad}");
        assert_eq!(got, want);
        assert_eq!(a.agents.len(), 7);
        assert_eq!(a.agents.iter().map(|x| x.rows.len()).sum::<usize>(), want.len());
    }

    #[test]
    fn left_out_agents_count_their_records_but_not_their_repeats() {
        let mut raw = RawRecords::default();
        raw.push(rec(1, 100, 1, 2, Some(1), None));
        raw.push(rec(1, 100, 1, 2, Some(1), None)); // repeat: a duplicate, not an excluded record
        raw.push(rec(1, 200, 2, 0, None, None)); // dropped type, but excluded first
        raw.push(rec(2, 100, 1, 9, None, None)); // dropped type
        raw.push(rec(2, 150, 4, 0, None, None));
        let opts = LoadOptions { exclude_agents: [1].into_iter().collect(), ..Default::default() };
        let a = Activity::from_records(raw, vec![], LoadStats::default(), &opts).unwrap();
        // agent 1: 3 records, 1 repeat → 2 excluded; agent 2: 1 dropped type, 1 row
        assert_eq!((a.stats.duplicates, a.stats.excluded_records, a.stats.dropped_type), (1, 2, 1));
        assert_eq!(a.excluded, [1]);
        assert_eq!(a.agents.iter().map(|x| (x.agent_id, x.rows.clone())).collect::<Vec<_>>(), [(2, 0..1)]);
        assert_eq!(a.col_u32("state"), &[State::LoggedOut as u32]);
    }

    #[test]
    fn tagged_codes_resolve_to_one_code_per_text() {
        // A record appended untagged ("a" in the load's own pool), then two files read with
        // two threads' pools (slot 0: "b", "a"; slot 1: "a", "c"), appended tagged.
        let mut raw = RawRecords::default();
        raw.push(RecordRef { employee_id: Some("a"), ..rec(1, 1, 3, 0, None, None) });
        let pools = Pools(vec![Default::default(), Default::default()]);
        for (slot, texts) in [(0usize, ["b", "a"]), (1, ["a", "c"])] {
            let mut file = RawRecords::default();
            let mut pool = pools.0[slot].lock().unwrap();
            std::mem::swap(&mut file.strings, &mut pool);
            for t in texts {
                file.push(RecordRef { employee_id: Some(t), agent_login_name: None, ..rec(2, 2, 3, 0, None, None) });
            }
            std::mem::swap(&mut file.strings, &mut pool);
            drop(pool);
            raw.append_tagged(file, (slot as u32 + 1) << TAG_SHIFT);
        }
        pools.resolve(&mut raw);
        let texts: Vec<&str> = (0..raw.len()).map(|i| raw.strings.get(raw.employee_id(i).unwrap())).collect();
        assert_eq!(texts, ["a", "b", "a", "a", "c"]);
        // one code per distinct text: "a" from all three pools is one code
        assert_eq!(raw.strings.len(), 3);
        assert_eq!(raw.employee_id(0), raw.employee_id(3));
        assert_eq!(raw.agent_login_name(1), None);
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
