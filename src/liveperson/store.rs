//! The fetch store: what `adhere fetch` writes and `report`/`states --activity DIR` read.
//!
//! ```text
//! DIR/manifest.json               account, filter, and the windows fetched completely
//! DIR/records/2024-03-04.parquet  one row per record whose time is on that UTC day
//! DIR/users.parquet               enrichment (see [`enrichment`]): the latest users,
//! DIR/agent_groups.parquet          agent groups and status reasons, with when each was
//! DIR/status_reasons.parquet        last listed by the API
//! DIR/conversations/2024-03-04.parquet  closed conversations whose close time is on that day
//! ```
//!
//! Every file is written to a temporary name beside it and renamed into place, data first
//! and manifest last, so a run killed at any moment leaves the last complete state: a
//! window is listed only once its records are on disk, and a window whose records were
//! written but not yet listed is simply fetched again (its records replace themselves).
//!
//! Committing a window replaces the stored records whose time falls inside it by the ones
//! just fetched, then drops repeats (SPEC §4 step 1 key, missing equals missing). Windows
//! that ended less than an hour before they were fetched are provisional: they count as
//! coverage but are fetched again by the next run (the API's data lags up to an hour).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

mod enrichment;

pub use enrichment::{read_enrichment, SnapshotKind, CONVERSATIONS_DIR};

use super::model::StatusChange;
use super::{subtract, Filter};
use crate::activity::records::{RawRecords, StringPool, MISSING, NO_TEXT};
use crate::activity::Loaded;
use crate::error::{Error, Location, Result};
use crate::time::{self, Ms, DAY, HOUR};

/// The manifest's file name; a directory holding it is a store.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The directory of the day files.
pub const RECORDS_DIR: &str = "records";
/// The manifest's `format`.
pub const FORMAT: &str = "adhere-fetch-store";
/// The manifest's `version` this build reads and writes.
pub const VERSION: u32 = 1;
/// A window that ended less than this before it was fetched is provisional.
pub const PROVISIONAL_AGE: Ms = HOUR;

/// The Parquet columns, in the API's field order; `extra` holds what has no column.
pub const COLUMNS: [&str; 14] = [
    "agentId",
    "employeeId",
    "agentLoginName",
    "agentUserName",
    "agentGroupId",
    "time",
    "sessionId",
    "sequenceNumber",
    "statusType",
    "statusSubType",
    "statusReasonId",
    "statusReasonText",
    "prevStatusChangeTime",
    "extra",
];

/// Whether `dir` is a fetch store.
pub fn is_store(dir: &Path) -> bool {
    dir.join(MANIFEST_FILE).is_file()
}

/// A window `[start, end)` fetched completely at `fetched_at` (epoch ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Ms,
    pub end: Ms,
    pub fetched_at: Ms,
    /// Records the fetch returned inside the window.
    pub records: u64,
}

impl Window {
    /// Final: the data had at least [`PROVISIONAL_AGE`] to settle when it was fetched.
    pub fn is_final(&self) -> bool {
        self.end <= self.fetched_at - PROVISIONAL_AGE
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WindowJson {
    start: String,
    end: String,
    fetched_at: String,
    records: u64,
    provisional: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ManifestJson {
    format: String,
    version: u32,
    account: String,
    /// The filter every window was fetched with; `null` means all agents.
    filter: Option<Filter>,
    windows: Vec<WindowJson>,
    /// Absent until something beyond status changes is fetched (so stores without it stay
    /// byte-identical to those of earlier releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enrichment: Option<EnrichmentJson>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SnapshotJson {
    fetched_at: String,
    rows: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EnrichmentJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    users: Option<SnapshotJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_groups: Option<SnapshotJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status_reasons: Option<SnapshotJson>,
    /// Close-time windows of conversations fetched completely.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    conversations: Vec<WindowJson>,
}

/// A snapshot (users, agent groups or status reasons) fetched whole at `fetched_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub fetched_at: Ms,
    /// Entities the API listed.
    pub rows: u64,
}

/// What the manifest says about enrichment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrichmentManifest {
    pub users: Option<Snapshot>,
    pub agent_groups: Option<Snapshot>,
    pub status_reasons: Option<Snapshot>,
    /// Windows of close time whose closed conversations were fetched completely (sorted,
    /// disjoint); `records` counts conversations.
    pub conversations: Vec<Window>,
}

impl EnrichmentManifest {
    fn is_empty(&self) -> bool {
        self.users.is_none() && self.agent_groups.is_none() && self.status_reasons.is_none() && self.conversations.is_empty()
    }
}

/// What a manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub account: String,
    pub filter: Option<Filter>,
    /// Sorted by start, disjoint.
    pub windows: Vec<Window>,
    pub enrichment: EnrichmentManifest,
}

impl Manifest {
    fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let hint = "this file is written by `adhere fetch`; if it was edited or damaged, fetch into a new --out directory";
        let m: ManifestJson = serde_json::from_slice(&bytes).map_err(|e| {
            Error::input_hint(Location::file(&path).line(e.line() as u64), format!("not a valid fetch manifest: {e}"), hint)
        })?;
        if m.format != FORMAT {
            return Err(Error::input_hint(
                Location::file(&path).column("format").value(&m.format),
                format!("not a fetch manifest (format should be {FORMAT:?})"),
                hint,
            ));
        }
        if m.version != VERSION {
            return Err(Error::input_hint(
                Location::file(&path).column("version").value(m.version.to_string()),
                format!("this store was written in format version {}; this adhere reads version {VERSION}", m.version),
                "use the adhere release that wrote it, or fetch again into a new --out directory",
            ));
        }
        let read_time = |field: String, v: &str| {
            time::parse_rfc3339(v)
                .ok_or_else(|| Error::input_hint(Location::file(&path).column(field).value(v), "not an RFC 3339 instant", hint))
        };
        let read_windows = |list: &[WindowJson], name: &str| -> Result<Vec<Window>> {
            let mut windows = Vec::with_capacity(list.len());
            for (i, w) in list.iter().enumerate() {
                let win = Window {
                    start: read_time(format!("{name}[{i}].start"), &w.start)?,
                    end: read_time(format!("{name}[{i}].end"), &w.end)?,
                    fetched_at: read_time(format!("{name}[{i}].fetched_at"), &w.fetched_at)?,
                    records: w.records,
                };
                if win.end <= win.start {
                    return Err(Error::input_hint(
                        Location::file(&path).column(format!("{name}[{i}]")).value(format!("{} / {}", w.start, w.end)),
                        "the window ends before it starts",
                        hint,
                    ));
                }
                windows.push(win);
            }
            windows.sort_by_key(|w| (w.start, w.end));
            Ok(windows)
        };
        let windows = read_windows(&m.windows, "windows")?;
        let e = m.enrichment.unwrap_or_default();
        let snapshot = |s: &Option<SnapshotJson>, name: &str| -> Result<Option<Snapshot>> {
            s.as_ref()
                .map(|s| Ok(Snapshot { fetched_at: read_time(format!("enrichment.{name}.fetched_at"), &s.fetched_at)?, rows: s.rows }))
                .transpose()
        };
        let enrichment = EnrichmentManifest {
            users: snapshot(&e.users, "users")?,
            agent_groups: snapshot(&e.agent_groups, "agent_groups")?,
            status_reasons: snapshot(&e.status_reasons, "status_reasons")?,
            conversations: read_windows(&e.conversations, "enrichment.conversations")?,
        };
        Ok(Manifest { account: m.account, filter: m.filter, windows, enrichment })
    }

    fn write(&self, dir: &Path) -> Result<()> {
        let windows = |list: &[Window]| {
            list.iter()
                .map(|w| WindowJson {
                    start: time::fmt_instant(w.start),
                    end: time::fmt_instant(w.end),
                    fetched_at: time::fmt_instant(w.fetched_at),
                    records: w.records,
                    provisional: !w.is_final(),
                })
                .collect::<Vec<_>>()
        };
        let snapshot = |s: &Option<Snapshot>| s.map(|s| SnapshotJson { fetched_at: time::fmt_instant(s.fetched_at), rows: s.rows });
        let e = &self.enrichment;
        let json = ManifestJson {
            format: FORMAT.to_string(),
            version: VERSION,
            account: self.account.clone(),
            filter: self.filter.clone(),
            windows: windows(&self.windows),
            enrichment: (!e.is_empty()).then(|| EnrichmentJson {
                users: snapshot(&e.users),
                agent_groups: snapshot(&e.agent_groups),
                status_reasons: snapshot(&e.status_reasons),
                conversations: windows(&e.conversations),
            }),
        };
        let mut text = serde_json::to_string_pretty(&json).expect("a manifest serializes");
        text.push('\n');
        write_atomic(&dir.join(MANIFEST_FILE), |f| f.write_all(text.as_bytes()))
    }
}

/// A store opened for writing by one fetch.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    manifest: Manifest,
}

impl Store {
    /// Opens the store in `dir`, creating it when `dir` is missing or empty. Refuses a
    /// directory that holds something else, or a store of another account or filter.
    pub fn open(dir: &Path, account: &str, filter: Option<&Filter>) -> Result<Store> {
        if is_store(dir) {
            let manifest = Manifest::read(dir)?;
            if manifest.account != account {
                return Err(Error::usage(format!(
                    "{} holds data of account {}, not {account}; use another --out directory for this account",
                    dir.display(),
                    manifest.account
                )));
            }
            if manifest.filter.as_ref() != filter {
                let says = |f: Option<&Filter>| f.map_or_else(|| "all agents (no filter)".to_string(), |f| f.describe());
                return Err(Error::usage(format!(
                    "{} was fetched for {}, and this fetch asks for {}; a store holds one selection of agents, so use another --out directory",
                    dir.display(),
                    says(manifest.filter.as_ref()),
                    says(filter)
                )));
            }
            remove_temp_files(dir);
            remove_temp_files(&dir.join(RECORDS_DIR));
            remove_temp_files(&dir.join(CONVERSATIONS_DIR));
            fs::create_dir_all(dir.join(RECORDS_DIR)).map_err(|e| Error::io(dir.join(RECORDS_DIR), e))?;
            return Ok(Store { dir: dir.to_path_buf(), manifest });
        }
        if dir.exists() {
            if !dir.is_dir() {
                return Err(Error::usage(format!("--out {}: not a directory", dir.display())));
            }
            let mut entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
            if entries.next().is_some() {
                return Err(Error::usage(format!(
                    "--out {}: this directory is not empty and is not an adhere fetch store (it has no {MANIFEST_FILE}); choose a new or empty directory",
                    dir.display()
                )));
            }
        }
        fs::create_dir_all(dir.join(RECORDS_DIR)).map_err(|e| Error::io(dir, e))?;
        let manifest = Manifest {
            account: account.to_string(),
            filter: filter.cloned(),
            windows: Vec::new(),
            enrichment: EnrichmentManifest::default(),
        };
        // The manifest comes first, so the directory is a store from its first byte on.
        manifest.write(dir)?;
        Ok(Store { dir: dir.to_path_buf(), manifest })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The final windows (not provisional): what a run need not fetch again.
    pub fn final_windows(&self) -> Vec<(Ms, Ms)> {
        self.manifest.windows.iter().filter(|w| w.is_final()).map(|w| (w.start, w.end)).collect()
    }

    /// Stores a window fetched completely at `fetched_at`: its records replace the stored
    /// records whose time is inside `[start, end)`; then the manifest lists it.
    pub fn commit(&mut self, start: Ms, end: Ms, records: Vec<StatusChange>, fetched_at: Ms) -> Result<()> {
        let count = records.len() as u64;
        let mut by_day: BTreeMap<i64, Vec<StatusChange>> = BTreeMap::new();
        for r in records {
            // A record without a readable time is kept on the window's first day.
            let day = r.time.unwrap_or(start).div_euclid(DAY);
            by_day.entry(day).or_default().push(r);
        }
        let mut days: BTreeSet<i64> = (start.div_euclid(DAY)..=(end - 1).div_euclid(DAY)).collect();
        days.extend(by_day.keys().copied());
        for day in days {
            let path = self.day_path(day);
            let mut rows: Vec<StatusChange> = if path.exists() {
                read_day(&path)?.into_iter().filter(|r| !r.time.is_some_and(|t| t >= start && t < end)).collect()
            } else {
                Vec::new()
            };
            rows.extend(by_day.remove(&day).unwrap_or_default());
            dedupe_and_sort(&mut rows);
            if rows.is_empty() {
                if path.exists() {
                    fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
            } else {
                write_day(&path, &rows)?;
            }
        }
        let mut windows = Vec::with_capacity(self.manifest.windows.len() + 1);
        for w in &self.manifest.windows {
            for (s, e) in subtract(&[(w.start, w.end)], (start, end)) {
                windows.push(Window { start: s, end: e, ..*w });
            }
        }
        windows.push(Window { start, end, fetched_at, records: count });
        windows.sort_by_key(|w| (w.start, w.end));
        let manifest = Manifest { windows, ..self.manifest.clone() };
        manifest.write(&self.dir)?;
        self.manifest = manifest;
        Ok(())
    }

    fn day_path(&self, day: i64) -> PathBuf {
        self.dir.join(RECORDS_DIR).join(format!("{}.parquet", time::fmt_day(day)))
    }
}

/// Keeps the first of records with equal keys, then sorts by (time, agent, sequence,
/// type, subtype, session), missing values first: a store's files do not depend on the
/// order the API sent.
fn dedupe_and_sort(rows: &mut Vec<StatusChange>) {
    let mut seen = HashSet::with_capacity(rows.len());
    rows.retain(|r| seen.insert(r.dedupe_key()));
    rows.sort_by_key(|r| (r.time, r.agent_id, r.sequence_number, r.status_type, r.status_sub_type, r.session_id));
}

/// Writes `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, write: impl FnOnce(&mut File) -> std::io::Result<()>) -> Result<()> {
    write_atomic_with(path, |f| write(f).map_err(|e| Error::io(path, e)))
}

fn write_atomic_with(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        write(&mut f)?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    } else if let Ok(d) = File::open(dir) {
        // Make the rename itself durable where the platform allows it.
        let _ = d.sync_all();
    }
    result
}

/// Removes temporary files a killed run left behind (`.<name>.tmp-<pid>`).
fn remove_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = fs::remove_file(e.path());
        }
    }
}

fn datetime_ms(name: &str, values: impl Iterator<Item = Option<Ms>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values).into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)).into_series().into()
}

fn write_day(path: &Path, rows: &[StatusChange]) -> Result<()> {
    let int = |name: &str, f: fn(&StatusChange) -> Option<i64>| Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>());
    let text = |name: &str, f: fn(&StatusChange) -> Option<&str>| Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>());
    let mut df = DataFrame::new_infer_height(vec![
        int("agentId", |r| r.agent_id),
        text("employeeId", |r| r.employee_id.as_deref()),
        text("agentLoginName", |r| r.agent_login_name.as_deref()),
        text("agentUserName", |r| r.agent_user_name.as_deref()),
        int("agentGroupId", |r| r.agent_group_id),
        datetime_ms("time", rows.iter().map(|r| r.time)),
        int("sessionId", |r| r.session_id),
        int("sequenceNumber", |r| r.sequence_number),
        int("statusType", |r| r.status_type),
        int("statusSubType", |r| r.status_sub_type),
        int("statusReasonId", |r| r.status_reason_id),
        text("statusReasonText", |r| r.status_reason_text.as_deref()),
        datetime_ms("prevStatusChangeTime", rows.iter().map(|r| r.prev_status_change_time)),
        text("extra", |r| r.extra.as_deref()),
    ])?;
    write_atomic_with(path, |f| {
        ParquetWriter::new(f).with_compression(ParquetCompression::Zstd(None)).finish(&mut df)?;
        Ok(())
    })
}

/// Reads one day file back into records.
pub fn read_day(path: &Path) -> Result<Vec<StatusChange>> {
    let df = open_day(path, None)?;
    let col = |name: &str, dtype: DataType| day_column(&df, path, name, &dtype);
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    let ints = |name: &str| -> Result<Vec<Option<i64>>> { Ok(col(name, DataType::Int64)?.i64()?.iter().collect()) };
    let texts = |name: &str| -> Result<Vec<Option<String>>> {
        Ok(col(name, DataType::String)?.str()?.iter().map(|s| s.map(str::to_string)).collect())
    };
    let times = |name: &str| -> Result<Vec<Option<Ms>>> {
        let s = col(name, utc.clone())?.cast(&DataType::Int64)?;
        Ok(s.i64()?.iter().collect())
    };
    let agent_id = ints("agentId")?;
    let employee_id = texts("employeeId")?;
    let login = texts("agentLoginName")?;
    let user = texts("agentUserName")?;
    let group = ints("agentGroupId")?;
    let time_col = times("time")?;
    let session = ints("sessionId")?;
    let seq = ints("sequenceNumber")?;
    let st = ints("statusType")?;
    let sub = ints("statusSubType")?;
    let reason_id = ints("statusReasonId")?;
    let reason_text = texts("statusReasonText")?;
    let prev = times("prevStatusChangeTime")?;
    let extra = texts("extra")?;
    let mut out = Vec::with_capacity(df.height());
    let mut employee_id = employee_id.into_iter();
    let mut login = login.into_iter();
    let mut user = user.into_iter();
    let mut reason_text = reason_text.into_iter();
    let mut extra = extra.into_iter();
    for i in 0..df.height() {
        out.push(StatusChange {
            agent_id: agent_id[i],
            employee_id: employee_id.next().flatten(),
            agent_login_name: login.next().flatten(),
            agent_user_name: user.next().flatten(),
            agent_group_id: group[i],
            time: time_col[i],
            session_id: session[i],
            sequence_number: seq[i],
            status_type: st[i],
            status_sub_type: sub[i],
            status_reason_id: reason_id[i],
            status_reason_text: reason_text.next().flatten(),
            prev_status_change_time: prev[i],
            extra: extra.next().flatten(),
        });
    }
    Ok(out)
}

/// The day files of a store, in name (= date) order.
pub fn day_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let records = dir.join(RECORDS_DIR);
    if !records.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = fs::read_dir(&records)
        .map_err(|e| Error::io(&records, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && name.ends_with(".parquet") && p.is_file()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every record of the store, for the engine.
pub fn read_records(dir: &Path) -> Result<Vec<StatusChange>> {
    let mut out = Vec::new();
    for f in day_files(dir)? {
        out.extend(read_day(&f)?);
    }
    Ok(out)
}

/// Reads every record in the store (day files in date order, rows in file order) and the
/// windows it covers. Records without an agentId or a time are counted as dropped.
pub fn read_store(dir: &Path) -> Result<Loaded> {
    read_store_agents(dir, None)
}

/// [`read_store`], keeping only the records of agents for which `keep` says yes (an agent
/// partition; see `adherence::partition`). Day files are decoded in parallel and their rows
/// appended straight into the record columns, in date order (no record is ever built as a
/// struct).
pub fn read_store_agents(dir: &Path, keep: Option<&(dyn Fn(i64) -> bool + Sync)>) -> Result<Loaded> {
    let manifest = Manifest::read(dir)?;
    let files = day_files(dir)?;
    let mut records = RawRecords::default();
    // A whole store: room for its records up front (the manifest counts them per window),
    // rather than growing, since each growth copies the columns into fresh memory the
    // kernel must zero. (A partition, with `keep`, holds a part of the rows and grows.)
    if keep.is_none() {
        records.reserve(manifest.windows.iter().map(|w| w.records as usize).sum());
    }
    let mut dropped = 0u64;
    // Day files are decoded in parallel a batch at a time and appended in date order, each
    // batch while the next one is decoded.
    let batch = 2 * rayon::current_num_threads().max(1);
    crate::activity::read_overlapped(&files, batch, |f| decode_day(f), |day| dropped += day.append_to(&mut records, keep))?;
    Ok(Loaded {
        records,
        timeframes: manifest.windows.iter().map(|w| (w.start, w.end)).collect(),
        dropped_missing: dropped,
        bad_timeframes: 0,
    })
}

/// What to do about a day file that cannot be read.
const DAMAGED_HINT: &str = "the file is damaged: delete it, then run `adhere fetch --refresh` over that day with the same --out";

/// A day file, whole or only `columns` (which must exist).
fn open_day(path: &Path, columns: Option<&[&str]>) -> Result<DataFrame> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ParquetReader::new(file);
    if let Some(columns) = columns {
        // Named up front: a missing column is then reported as such, not as a broken file.
        let schema = reader
            .schema()
            .map_err(|e| Error::input_hint(Location::file(path), format!("cannot read this store file: {e}"), DAMAGED_HINT))?;
        if let Some(missing) = columns.iter().find(|c| !schema.contains(c)) {
            return Err(Error::input_hint(Location::file(path).column(*missing), "the store file has no such column", DAMAGED_HINT));
        }
        reader = reader.with_columns(Some(columns.iter().map(|c| c.to_string()).collect())).read_parallel(ParallelStrategy::None);
    }
    reader.finish().map_err(|e| Error::input_hint(Location::file(path), format!("cannot read this store file: {e}"), DAMAGED_HINT))
}

/// Column `name` of a day file as `dtype` (one chunk).
fn day_column(df: &DataFrame, path: &Path, name: &str, dtype: &DataType) -> Result<Series> {
    let c = df
        .column(name)
        .map_err(|_| Error::input_hint(Location::file(path).column(name), "the store file has no such column", DAMAGED_HINT))?;
    let s = c.as_materialized_series();
    let s = if s.dtype() == dtype {
        s.clone()
    } else {
        s.cast(dtype).map_err(|e| {
            Error::input_hint(Location::file(path).column(name), format!("the column has the wrong type: {e}"), DAMAGED_HINT)
        })?
    };
    Ok(s.rechunk())
}

/// One day file as columns of records (those `keep` accepts), and how many rows had no
/// agentId or no time.
pub fn read_day_records(path: &Path, keep: Option<&(dyn Fn(i64) -> bool + Sync)>) -> Result<(RawRecords, u64)> {
    let day = decode_day(path)?;
    let mut out = RawRecords::default();
    out.reserve(if keep.is_some() { 0 } else { day.len() });
    let dropped = day.append_to(&mut out, keep);
    Ok((out, dropped))
}

/// A day file's columns as decoded (one chunk each), its text columns as codes of its own
/// pool: what a reader thread hands over, so that the rows are copied once, into the
/// records, not first into a day's records and then again.
pub struct DayColumns {
    /// agentId, time (epoch milliseconds), sessionId, sequenceNumber, statusType,
    /// statusSubType, statusReasonId, agentGroupId.
    numbers: [Int64Chunked; 8],
    /// statusReasonText, employeeId, agentLoginName, agentUserName.
    codes: [Vec<u32>; 4],
    strings: StringPool,
}

/// Decodes a day file (every column the engine uses).
pub fn decode_day(path: &Path) -> Result<DayColumns> {
    // Every column but `prevStatusChangeTime` and `extra`, which the engine does not use.
    let df = open_day(path, Some(&COLUMNS[..12]))?;
    let col = |name: &str, dtype: &DataType| day_column(&df, path, name, dtype);
    let int = |name: &str| -> Result<Int64Chunked> { Ok(col(name, &DataType::Int64)?.i64()?.clone()) };
    let text = |name: &str| col(name, &DataType::String);
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    let time = col("time", &utc)?.cast(&DataType::Int64)?.i64()?.clone();
    let numbers = [
        int("agentId")?,
        time,
        int("sessionId")?,
        int("sequenceNumber")?,
        int("statusType")?,
        int("statusSubType")?,
        int("statusReasonId")?,
        int("agentGroupId")?,
    ];
    let (rtext_s, emp_s, login_s, user_s) =
        (text("statusReasonText")?, text("employeeId")?, text("agentLoginName")?, text("agentUserName")?);
    let mut strings = StringPool::default();
    let codes = [rtext_s.str()?, emp_s.str()?, login_s.str()?, user_s.str()?].map(|c| text_codes(c, &mut strings));
    Ok(DayColumns { numbers, codes, strings })
}

impl DayColumns {
    pub fn len(&self) -> usize {
        self.numbers[0].len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the rows (those `keep` accepts) to `out`; returns how many had no agentId or
    /// no time. Column by column: every row at once when all are kept (a copy of each column),
    /// else the kept rows' numbers are found first and each column gathers them.
    pub fn append_to(&self, out: &mut RawRecords, keep: Option<&(dyn Fn(i64) -> bool + Sync)>) -> u64 {
        let remap: Vec<u32> = (0..self.strings.len() as u32).map(|c| out.strings.intern(self.strings.get(c))).collect();
        let code = |c: u32| match c {
            NO_TEXT => NO_TEXT,
            c => remap[c as usize],
        };
        let [agent, time_c, ..] = &self.numbers;
        let mut dropped = 0u64;
        // None: every row is kept.
        let rows: Option<Vec<u32>> = if keep.is_none() && agent.null_count() == 0 && time_c.null_count() == 0 {
            None
        } else {
            let mut rows = Vec::with_capacity(if keep.is_some() { 0 } else { self.len() });
            for (i, (agent_id, time)) in agent.iter().zip(time_c.iter()).enumerate() {
                match (agent_id, time) {
                    (Some(agent_id), Some(_)) => {
                        if keep.is_none_or(|k| k(agent_id)) {
                            rows.push(i as u32);
                        }
                    }
                    _ => dropped += 1,
                }
            }
            Some(rows)
        };
        out.extend_columns(
            |k, column| {
                let c = &self.numbers[k];
                match (&rows, c.cont_slice()) {
                    (None, Ok(values)) => column.extend_from_slice(values),
                    (None, Err(_)) => column.extend(c.iter().map(|v| v.unwrap_or(MISSING))),
                    (Some(rows), Ok(values)) => column.extend(rows.iter().map(|&i| values[i as usize])),
                    (Some(rows), Err(_)) => column.extend(rows.iter().map(|&i| c.get(i as usize).unwrap_or(MISSING))),
                }
            },
            |k, column| {
                let codes = &self.codes[k];
                match &rows {
                    None => column.extend(codes.iter().map(|&c| code(c))),
                    Some(rows) => column.extend(rows.iter().map(|&i| code(codes[i as usize]))),
                }
            },
        );
        dropped
    }
}

/// The codes in `pool` of a text column's values ([`NO_TEXT`] for null), each chunk's
/// distinct views interned once ([`StringPool::intern_views_into`]).
fn text_codes(ca: &StringChunked, pool: &mut StringPool) -> Vec<u32> {
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        pool.intern_views_into(arr, NO_TEXT, usize::MAX, &mut out);
    }
    out
}

/// The manifest of a store, for tools and tests.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    Manifest::read(dir)
}
