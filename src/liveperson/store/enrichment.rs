//! The store's enrichment files: snapshots of users, agent groups and status reasons, and
//! closed conversations by close day.
//!
//! A snapshot is merged into what the store holds by id: the entities the API listed
//! replace their stored rows (with the new `fetchedAt`), and entities it no longer lists
//! keep their last known values, so old activity still finds a name for a user or group
//! that was removed since. Conversations are committed per window of close time like
//! status changes: the window's conversations replace the stored ones that closed inside
//! it, deduplicated by conversation id.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::{datetime_ms, subtract, write_atomic_with, Snapshot, Store, Window, MANIFEST_FILE};
use crate::enrich::{AgentGroup, Conversation, Enrichment, StatusReason, User};
use crate::error::{Error, Location, Result};
use crate::time::{self, Ms, DAY};

/// The directory of the conversation day files.
pub const CONVERSATIONS_DIR: &str = "conversations";

/// The three snapshots a store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotKind {
    Users,
    AgentGroups,
    StatusReasons,
}

impl SnapshotKind {
    pub fn file(self) -> &'static str {
        match self {
            SnapshotKind::Users => "users.parquet",
            SnapshotKind::AgentGroups => "agent_groups.parquet",
            SnapshotKind::StatusReasons => "status_reasons.parquet",
        }
    }
}

const HINT: &str = "the file is damaged: delete it, then run `adhere fetch --refresh` with the same --out";

/// A Parquet file read back column by column.
struct Table {
    path: PathBuf,
    df: DataFrame,
}

impl Table {
    fn read(path: &Path) -> Result<Table> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let df = ParquetReader::new(file)
            .finish()
            .map_err(|e| Error::input_hint(Location::file(path), format!("cannot read this store file: {e}"), HINT))?;
        Ok(Table { path: path.to_path_buf(), df })
    }
    fn col(&self, name: &str, dtype: &DataType) -> Result<Series> {
        let c = self
            .df
            .column(name)
            .map_err(|_| Error::input_hint(Location::file(&self.path).column(name), "the store file has no such column", HINT))?;
        c.as_materialized_series()
            .cast(dtype)
            .map_err(|e| Error::input_hint(Location::file(&self.path).column(name), format!("the column has the wrong type: {e}"), HINT))
    }
    fn ints(&self, name: &str) -> Result<Vec<Option<i64>>> {
        Ok(self.col(name, &DataType::Int64)?.i64()?.iter().collect())
    }
    fn texts(&self, name: &str) -> Result<Vec<Option<String>>> {
        Ok(self.col(name, &DataType::String)?.str()?.iter().map(|s| s.map(str::to_string)).collect())
    }
    fn bools(&self, name: &str) -> Result<Vec<Option<bool>>> {
        Ok(self.col(name, &DataType::Boolean)?.bool()?.iter().collect())
    }
    fn times(&self, name: &str) -> Result<Vec<Option<Ms>>> {
        let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        Ok(self.col(name, &utc)?.cast(&DataType::Int64)?.i64()?.iter().collect())
    }
    /// An id column: every row must have one.
    fn ids(&self, name: &str) -> Result<Vec<i64>> {
        self.ints(name)?
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| Error::input_hint(Location::file(&self.path).line(i as u64 + 1).column(name), "a row has no id", HINT))
            })
            .collect()
    }
}

fn write_frame(path: &Path, columns: Vec<Column>) -> Result<()> {
    let mut df = DataFrame::new_infer_height(columns)?;
    write_atomic_with(path, |f| {
        ParquetWriter::new(f).with_compression(ParquetCompression::Zstd(None)).finish(&mut df)?;
        Ok(())
    })
}

fn int_col<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<i64>) -> Column {
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
}
fn text_col<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<&str>) -> Column {
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
}
fn bool_col<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<bool>) -> Column {
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
}

fn write_users(path: &Path, rows: &[User]) -> Result<()> {
    write_frame(
        path,
        vec![
            int_col("id", rows, |u| Some(u.id)),
            text_col("loginName", rows, |u| u.login_name.as_deref()),
            text_col("fullName", rows, |u| u.full_name.as_deref()),
            text_col("nickname", rows, |u| u.nickname.as_deref()),
            text_col("employeeId", rows, |u| u.employee_id.as_deref()),
            int_col("agentGroupId", rows, |u| u.agent_group_id),
            int_col("userTypeId", rows, |u| u.user_type_id),
            bool_col("isApiUser", rows, |u| u.is_api_user),
            bool_col("deleted", rows, |u| u.deleted),
            datetime_ms("fetchedAt", rows.iter().map(|u| u.fetched_at)),
        ],
    )
}

fn read_users(path: &Path) -> Result<Vec<User>> {
    let t = Table::read(path)?;
    let (id, login, full, nick, emp) =
        (t.ids("id")?, t.texts("loginName")?, t.texts("fullName")?, t.texts("nickname")?, t.texts("employeeId")?);
    let (group, ty, api, deleted, at) =
        (t.ints("agentGroupId")?, t.ints("userTypeId")?, t.bools("isApiUser")?, t.bools("deleted")?, t.times("fetchedAt")?);
    let mut out = Vec::with_capacity(id.len());
    let (mut login, mut full, mut nick, mut emp) = (login.into_iter(), full.into_iter(), nick.into_iter(), emp.into_iter());
    for i in 0..id.len() {
        out.push(User {
            id: id[i],
            login_name: login.next().flatten(),
            full_name: full.next().flatten(),
            nickname: nick.next().flatten(),
            employee_id: emp.next().flatten(),
            agent_group_id: group[i],
            user_type_id: ty[i],
            is_api_user: api[i],
            deleted: deleted[i],
            fetched_at: at[i],
        });
    }
    Ok(out)
}

fn write_groups(path: &Path, rows: &[AgentGroup]) -> Result<()> {
    write_frame(
        path,
        vec![
            int_col("id", rows, |g| Some(g.id)),
            text_col("name", rows, |g| g.name.as_deref()),
            int_col("parentGroupId", rows, |g| g.parent_group_id),
            bool_col("deleted", rows, |g| g.deleted),
            datetime_ms("fetchedAt", rows.iter().map(|g| g.fetched_at)),
        ],
    )
}

fn read_groups(path: &Path) -> Result<Vec<AgentGroup>> {
    let t = Table::read(path)?;
    let (id, name, parent, deleted, at) =
        (t.ids("id")?, t.texts("name")?, t.ints("parentGroupId")?, t.bools("deleted")?, t.times("fetchedAt")?);
    Ok(name
        .into_iter()
        .enumerate()
        .map(|(i, name)| AgentGroup { id: id[i], name, parent_group_id: parent[i], deleted: deleted[i], fetched_at: at[i] })
        .collect())
}

fn write_reasons(path: &Path, rows: &[StatusReason]) -> Result<()> {
    write_frame(
        path,
        vec![
            int_col("id", rows, |r| Some(r.id)),
            text_col("text", rows, |r| r.text.as_deref()),
            text_col("state", rows, |r| r.state.as_deref()),
            bool_col("enabled", rows, |r| r.enabled),
            bool_col("deleted", rows, |r| r.deleted),
            datetime_ms("fetchedAt", rows.iter().map(|r| r.fetched_at)),
        ],
    )
}

fn read_reasons(path: &Path) -> Result<Vec<StatusReason>> {
    let t = Table::read(path)?;
    let (id, text, state, enabled, deleted, at) =
        (t.ids("id")?, t.texts("text")?, t.texts("state")?, t.bools("enabled")?, t.bools("deleted")?, t.times("fetchedAt")?);
    let mut state = state.into_iter();
    Ok(text
        .into_iter()
        .enumerate()
        .map(|(i, text)| StatusReason {
            id: id[i],
            text,
            state: state.next().flatten(),
            enabled: enabled[i],
            deleted: deleted[i],
            fetched_at: at[i],
        })
        .collect())
}

fn write_conversations(path: &Path, rows: &[Conversation]) -> Result<()> {
    write_frame(
        path,
        vec![
            text_col("conversationId", rows, |c| Some(c.conversation_id.as_str())),
            datetime_ms("startTime", rows.iter().map(|c| c.start)),
            datetime_ms("endTime", rows.iter().map(|c| c.end)),
            text_col("status", rows, |c| c.status.as_deref()),
            text_col("closeReason", rows, |c| c.close_reason.as_deref()),
            int_col("latestAgentId", rows, |c| c.latest_agent_id),
            text_col("latestAgentLoginName", rows, |c| c.latest_agent_login_name.as_deref()),
            text_col("latestAgentFullName", rows, |c| c.latest_agent_full_name.as_deref()),
            int_col("latestAgentGroupId", rows, |c| c.latest_agent_group_id),
            int_col("latestSkillId", rows, |c| c.latest_skill_id),
            text_col("agentIds", rows, |c| c.agent_ids.as_deref()),
        ],
    )
}

fn read_conversations(path: &Path) -> Result<Vec<Conversation>> {
    let t = Table::read(path)?;
    let id = t.texts("conversationId")?;
    let (start, end, status, reason) = (t.times("startTime")?, t.times("endTime")?, t.texts("status")?, t.texts("closeReason")?);
    let (agent, login, full) = (t.ints("latestAgentId")?, t.texts("latestAgentLoginName")?, t.texts("latestAgentFullName")?);
    let (group, skill, ids) = (t.ints("latestAgentGroupId")?, t.ints("latestSkillId")?, t.texts("agentIds")?);
    let (mut status, mut reason, mut login, mut full, mut ids) =
        (status.into_iter(), reason.into_iter(), login.into_iter(), full.into_iter(), ids.into_iter());
    let mut out = Vec::with_capacity(id.len());
    for (i, cid) in id.into_iter().enumerate() {
        let cid = cid.ok_or_else(|| {
            Error::input_hint(Location::file(path).line(i as u64 + 1).column("conversationId"), "a row has no conversation id", HINT)
        })?;
        out.push(Conversation {
            conversation_id: cid,
            start: start[i],
            end: end[i],
            status: status.next().flatten(),
            close_reason: reason.next().flatten(),
            latest_agent_id: agent[i],
            latest_agent_login_name: login.next().flatten(),
            latest_agent_full_name: full.next().flatten(),
            latest_agent_group_id: group[i],
            latest_skill_id: skill[i],
            agent_ids: ids.next().flatten(),
        });
    }
    Ok(out)
}

/// Merges a fresh snapshot into the stored one by id: listed entities replace their rows,
/// others stay; rows are kept sorted by id.
fn upsert<T: Clone>(stored: Vec<T>, fresh: Vec<T>, id: impl Fn(&T) -> i64) -> Vec<T> {
    let mut by_id: BTreeMap<i64, T> = stored.into_iter().map(|x| (id(&x), x)).collect();
    for x in fresh {
        by_id.insert(id(&x), x);
    }
    by_id.into_values().collect()
}

impl Store {
    /// The snapshot of `kind` in the store, if any.
    pub fn snapshot(&self, kind: SnapshotKind) -> Option<Snapshot> {
        let e = &self.manifest.enrichment;
        match kind {
            SnapshotKind::Users => e.users,
            SnapshotKind::AgentGroups => e.agent_groups,
            SnapshotKind::StatusReasons => e.status_reasons,
        }
    }

    fn commit_snapshot(&mut self, kind: SnapshotKind, rows: u64, fetched_at: Ms, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        write(&self.dir.join(kind.file()))?;
        let mut manifest = self.manifest.clone();
        let snap = Some(Snapshot { fetched_at, rows });
        match kind {
            SnapshotKind::Users => manifest.enrichment.users = snap,
            SnapshotKind::AgentGroups => manifest.enrichment.agent_groups = snap,
            SnapshotKind::StatusReasons => manifest.enrichment.status_reasons = snap,
        }
        manifest.write(&self.dir)?;
        self.manifest = manifest;
        Ok(())
    }

    /// Stores the users the API listed at `fetched_at` (merged by id into the stored ones).
    pub fn commit_users(&mut self, users: Vec<User>, fetched_at: Ms) -> Result<()> {
        let path = self.dir.join(SnapshotKind::Users.file());
        let stored = if path.exists() { read_users(&path)? } else { Vec::new() };
        let n = users.len() as u64;
        let fresh = users.into_iter().map(|u| User { fetched_at: Some(fetched_at), ..u }).collect();
        let rows = upsert(stored, fresh, |u: &User| u.id);
        self.commit_snapshot(SnapshotKind::Users, n, fetched_at, |p| write_users(p, &rows))
    }

    /// Stores the agent groups the API listed at `fetched_at`.
    pub fn commit_groups(&mut self, groups: Vec<AgentGroup>, fetched_at: Ms) -> Result<()> {
        let path = self.dir.join(SnapshotKind::AgentGroups.file());
        let stored = if path.exists() { read_groups(&path)? } else { Vec::new() };
        let n = groups.len() as u64;
        let fresh = groups.into_iter().map(|g| AgentGroup { fetched_at: Some(fetched_at), ..g }).collect();
        let rows = upsert(stored, fresh, |g: &AgentGroup| g.id);
        self.commit_snapshot(SnapshotKind::AgentGroups, n, fetched_at, |p| write_groups(p, &rows))
    }

    /// Stores the status reasons the API listed at `fetched_at`.
    pub fn commit_reasons(&mut self, reasons: Vec<StatusReason>, fetched_at: Ms) -> Result<()> {
        let path = self.dir.join(SnapshotKind::StatusReasons.file());
        let stored = if path.exists() { read_reasons(&path)? } else { Vec::new() };
        let n = reasons.len() as u64;
        let fresh = reasons.into_iter().map(|r| StatusReason { fetched_at: Some(fetched_at), ..r }).collect();
        let rows = upsert(stored, fresh, |r: &StatusReason| r.id);
        self.commit_snapshot(SnapshotKind::StatusReasons, n, fetched_at, |p| write_reasons(p, &rows))
    }

    /// The final conversation windows (not provisional).
    pub fn final_conversation_windows(&self) -> Vec<(Ms, Ms)> {
        self.manifest.enrichment.conversations.iter().filter(|w| w.is_final()).map(|w| (w.start, w.end)).collect()
    }

    fn conversation_day_path(&self, day: i64) -> PathBuf {
        self.dir.join(CONVERSATIONS_DIR).join(format!("{}.parquet", time::fmt_day(day)))
    }

    /// Stores the closed conversations of the close-time window `[start, end)` fetched
    /// completely at `fetched_at`: they replace the stored conversations that closed inside
    /// it; repeats (same conversation id) keep their first occurrence.
    pub fn commit_conversations(&mut self, start: Ms, end: Ms, conversations: Vec<Conversation>, fetched_at: Ms) -> Result<()> {
        let dir = self.dir.join(CONVERSATIONS_DIR);
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut seen = HashSet::new();
        let mut by_day: BTreeMap<i64, Vec<Conversation>> = BTreeMap::new();
        let mut count = 0u64;
        for c in conversations {
            if !seen.insert(c.conversation_id.clone()) {
                continue;
            }
            count += 1;
            by_day.entry(c.end.unwrap_or(start).div_euclid(DAY)).or_default().push(c);
        }
        let mut days: BTreeSet<i64> = (start.div_euclid(DAY)..=(end - 1).div_euclid(DAY)).collect();
        days.extend(by_day.keys().copied());
        for day in days {
            let path = self.conversation_day_path(day);
            let mut rows: Vec<Conversation> = if path.exists() {
                read_conversations(&path)?.into_iter().filter(|c| !c.end.is_some_and(|t| t >= start && t < end)).collect()
            } else {
                Vec::new()
            };
            let fresh = by_day.remove(&day).unwrap_or_default();
            let fresh_ids: HashSet<&str> = fresh.iter().map(|c| c.conversation_id.as_str()).collect();
            rows.retain(|c| !fresh_ids.contains(c.conversation_id.as_str()));
            rows.extend(fresh);
            rows.sort_by(|a, b| (a.end, &a.conversation_id).cmp(&(b.end, &b.conversation_id)));
            if rows.is_empty() {
                if path.exists() {
                    fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
            } else {
                write_conversations(&path, &rows)?;
            }
        }
        let mut windows = Vec::with_capacity(self.manifest.enrichment.conversations.len() + 1);
        for w in &self.manifest.enrichment.conversations {
            for (s, e) in subtract(&[(w.start, w.end)], (start, end)) {
                windows.push(Window { start: s, end: e, ..*w });
            }
        }
        windows.push(Window { start, end, fetched_at, records: count });
        windows.sort_by_key(|w| (w.start, w.end));
        let mut manifest = self.manifest.clone();
        manifest.enrichment.conversations = windows;
        manifest.write(&self.dir)?;
        self.manifest = manifest;
        Ok(())
    }
}

/// Everything a store holds beyond status changes (empty when it holds none).
pub fn read_enrichment(dir: &Path) -> Result<Enrichment> {
    if !dir.join(MANIFEST_FILE).is_file() {
        return Ok(Enrichment::default());
    }
    let mut out = Enrichment::default();
    let path = |kind: SnapshotKind| Some(dir.join(kind.file())).filter(|p| p.is_file());
    if let Some(p) = path(SnapshotKind::Users) {
        out.add_users(read_users(&p)?);
    }
    if let Some(p) = path(SnapshotKind::AgentGroups) {
        out.add_groups(read_groups(&p)?);
    }
    if let Some(p) = path(SnapshotKind::StatusReasons) {
        out.add_reasons(read_reasons(&p)?);
    }
    let conv_dir = dir.join(CONVERSATIONS_DIR);
    if conv_dir.is_dir() {
        let mut files: Vec<PathBuf> = fs::read_dir(&conv_dir)
            .map_err(|e| Error::io(&conv_dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !name.starts_with('.') && name.ends_with(".parquet") && p.is_file()
            })
            .collect();
        files.sort();
        for f in files {
            out.add_conversations(read_conversations(&f)?);
        }
    }
    Ok(out)
}
