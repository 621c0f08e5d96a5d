//! Schedule comparison (SPEC §4 "Schedule comparison"): `adhere schedule diff OLD NEW`.
//!
//! Shifts are built from each side alone. A shift is identified by (agent, `shift_date`, its
//! rank among that agent's shifts of that date in start order). Its rows are compared as a
//! list of (activity, start, end) in start order; activities are matched by name (ignoring
//! case, as the rules do) in order of appearance — the i-th Break of OLD with the i-th Break
//! of NEW. The result is two views: **changes** (one row per added, removed or changed
//! shift, with per-activity details) and **hours** (counted minutes per agent and activity,
//! old vs new, plus a `*` total per agent).
//!
//! The views are plain structs ([`ScheduleDiff`]) and Polars frames ([`ScheduleDiff::changes_frame`],
//! [`ScheduleDiff::hours_frame`]); formatting them is `diff_format.rs`'s business.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use super::shifts::{RowRule, Shifts, NO_SHIFT};
use super::ScheduleRows;
use crate::time::{Ms, MINUTE};

/// One side of the comparison: rows, the rule of each row, and the shifts built from them.
pub struct Side<'a> {
    pub rows: &'a ScheduleRows,
    pub rules: &'a [RowRule],
    pub shifts: &'a Shifts,
}

/// What happened to a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShiftChangeKind {
    Added,
    Removed,
    Changed,
}

/// What happened to one activity row of a changed shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityChangeKind {
    Added,
    Removed,
    Moved,
}

impl ShiftChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftChangeKind::Added => "added",
            ShiftChangeKind::Removed => "removed",
            ShiftChangeKind::Changed => "changed",
        }
    }
}

impl ActivityChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityChangeKind::Added => "added",
            ActivityChangeKind::Removed => "removed",
            ActivityChangeKind::Moved => "moved",
        }
    }
}

/// An activity row that is not identical on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityChange {
    /// The activity as written (NEW's spelling when both sides have it).
    pub activity: String,
    pub change: ActivityChangeKind,
    pub old_start: Option<Ms>,
    pub old_end: Option<Ms>,
    pub new_start: Option<Ms>,
    pub new_end: Option<Ms>,
}

impl ActivityChange {
    /// NEW − OLD start, in minutes (moved rows only).
    pub fn start_delta_minutes(&self) -> Option<f64> {
        Some(minutes(self.new_start? - self.old_start?))
    }
    pub fn end_delta_minutes(&self) -> Option<f64> {
        Some(minutes(self.new_end? - self.old_end?))
    }
}

/// A row of the changes view.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftChange {
    pub agent: String,
    /// Local date, days since 1970-01-01.
    pub shift_date: i64,
    /// Rank among the agent's shifts of that date (0 = first), for identification.
    pub rank: u32,
    pub change: ShiftChangeKind,
    pub old_start: Option<Ms>,
    pub old_end: Option<Ms>,
    pub new_start: Option<Ms>,
    pub new_end: Option<Ms>,
    /// Counted time NEW − OLD, in milliseconds.
    pub scheduled_delta_ms: Ms,
    pub details: Vec<ActivityChange>,
}

impl ShiftChange {
    pub fn scheduled_minutes_delta(&self) -> f64 {
        minutes(self.scheduled_delta_ms)
    }
}

/// A row of the hours view. `activity` is `*` for the agent's total.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursRow {
    pub agent: String,
    pub activity: String,
    pub old_ms: Ms,
    pub new_ms: Ms,
}

impl HoursRow {
    pub fn old_minutes(&self) -> f64 {
        minutes(self.old_ms)
    }
    pub fn new_minutes(&self) -> f64 {
        minutes(self.new_ms)
    }
    pub fn delta_minutes(&self) -> f64 {
        minutes(self.new_ms - self.old_ms)
    }
}

/// Both views of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleDiff {
    /// Sorted by (agent, shift_date, rank).
    pub changes: Vec<ShiftChange>,
    /// Sorted by agent, then activity with `*` last.
    pub hours: Vec<HoursRow>,
}

/// Milliseconds as minutes.
pub fn minutes(ms: Ms) -> f64 {
    ms as f64 / MINUTE as f64
}

/// Activity names match as the rules match them: trimmed, ignoring case.
fn name_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A shift as the comparison sees it.
#[derive(Debug, Clone)]
struct ShiftView {
    start: Ms,
    end: Ms,
    counted: Ms,
    /// (activity as written, start, end), in start order (ties: input order).
    rows: Vec<(String, Ms, Ms)>,
}

/// Per agent: shifts by (date, rank); counted time per activity key with its first spelling.
#[derive(Default)]
struct AgentView {
    shifts: BTreeMap<(i64, u32), ShiftView>,
    hours: HashMap<String, (String, Ms)>,
}

fn view(side: &Side) -> BTreeMap<String, AgentView> {
    let (rows, shifts) = (side.rows, side.shifts);
    let mut out: BTreeMap<String, AgentView> = BTreeMap::new();
    // Rows of each reported shift.
    let mut rows_of: Vec<Vec<u32>> = vec![Vec::new(); shifts.len()];
    for (r, &s) in shifts.row_shift.iter().enumerate() {
        if s != NO_SHIFT {
            rows_of[s as usize].push(r as u32);
        }
    }
    for a in 0..shifts.agents() {
        let mut av = AgentView::default();
        let mut counted = vec![0 as Ms; shifts.len()];
        for g in shifts.segments_of(a) {
            let row = shifts.seg_row[g] as usize;
            if !side.rules[row].counted {
                continue;
            }
            let len = shifts.seg_end[g] - shifts.seg_start[g];
            if shifts.seg_shift[g] != NO_SHIFT {
                counted[shifts.seg_shift[g] as usize] += len;
            }
            let name = &rows.activity[row];
            av.hours.entry(name_key(name)).or_insert_with(|| (name.trim().to_string(), 0)).1 += len;
        }
        let mut seen: HashMap<i64, u32> = HashMap::new();
        for s in shifts.shifts_of(a) {
            let day = shifts.shift_day[s];
            let n = seen.entry(day).or_insert(0);
            let rank = (day, *n);
            *n += 1;
            let mut list = rows_of[s].clone();
            list.sort_by_key(|&r| (rows.start[r as usize], r));
            let rows_list = list
                .iter()
                .map(|&r| (rows.activity[r as usize].trim().to_string(), rows.start[r as usize], rows.end[r as usize]))
                .collect();
            av.shifts
                .insert(rank, ShiftView { start: shifts.shift_start[s], end: shifts.shift_end[s], counted: counted[s], rows: rows_list });
        }
        out.insert(shifts.agent_key[a].clone(), av);
    }
    out
}

/// Pairs the activity rows of two versions of a shift; returns the rows that differ.
fn compare_rows(old: &[(String, Ms, Ms)], new: &[(String, Ms, Ms)]) -> Vec<ActivityChange> {
    let mut by_name: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, r) in old.iter().enumerate() {
        by_name.entry(name_key(&r.0)).or_default().0.push(i);
    }
    for (i, r) in new.iter().enumerate() {
        by_name.entry(name_key(&r.0)).or_default().1.push(i);
    }
    let mut out = Vec::new();
    for (o, n) in by_name.values() {
        for k in 0..o.len().max(n.len()) {
            match (o.get(k).map(|&i| &old[i]), n.get(k).map(|&i| &new[i])) {
                (Some(a), Some(b)) if (a.1, a.2) == (b.1, b.2) => {}
                (Some(a), Some(b)) => out.push(ActivityChange {
                    activity: b.0.clone(),
                    change: ActivityChangeKind::Moved,
                    old_start: Some(a.1),
                    old_end: Some(a.2),
                    new_start: Some(b.1),
                    new_end: Some(b.2),
                }),
                (Some(a), None) => out.push(ActivityChange {
                    activity: a.0.clone(),
                    change: ActivityChangeKind::Removed,
                    old_start: Some(a.1),
                    old_end: Some(a.2),
                    new_start: None,
                    new_end: None,
                }),
                (None, Some(b)) => out.push(ActivityChange {
                    activity: b.0.clone(),
                    change: ActivityChangeKind::Added,
                    old_start: None,
                    old_end: None,
                    new_start: Some(b.1),
                    new_end: Some(b.2),
                }),
                (None, None) => {}
            }
        }
    }
    // Time order; the key reads the same from either side, so diff(B, A) lists the same rows.
    out.sort_by_key(detail_key);
    out
}

fn detail_key(d: &ActivityChange) -> (Ms, Ms, String, Ms, Ms) {
    let starts = [d.old_start, d.new_start].into_iter().flatten();
    let ends = [d.old_end, d.new_end].into_iter().flatten();
    let s_min = starts.clone().min().unwrap_or(0);
    let s_max = starts.max().unwrap_or(0);
    let e_min = ends.clone().min().unwrap_or(0);
    let e_max = ends.max().unwrap_or(0);
    (s_min, s_max, name_key(&d.activity), e_min, e_max)
}

/// Compares two schedules.
pub fn diff(old: &Side, new: &Side) -> ScheduleDiff {
    let (ov, nv) = (view(old), view(new));
    let agents: BTreeSet<&String> = ov.keys().chain(nv.keys()).collect();
    let empty = AgentView::default();
    let mut out = ScheduleDiff::default();
    for agent in agents {
        let (oa, na) = (ov.get(agent).unwrap_or(&empty), nv.get(agent).unwrap_or(&empty));
        let keys: BTreeSet<&(i64, u32)> = oa.shifts.keys().chain(na.shifts.keys()).collect();
        for key in keys {
            let (o, n) = (oa.shifts.get(key), na.shifts.get(key));
            let (change, details) = match (o, n) {
                (None, Some(n)) => (ShiftChangeKind::Added, compare_rows(&[], &n.rows)),
                (Some(o), None) => (ShiftChangeKind::Removed, compare_rows(&o.rows, &[])),
                (Some(o), Some(n)) => {
                    let details = compare_rows(&o.rows, &n.rows);
                    if details.is_empty() && (o.start, o.end, o.counted) == (n.start, n.end, n.counted) {
                        continue;
                    }
                    (ShiftChangeKind::Changed, details)
                }
                (None, None) => continue,
            };
            out.changes.push(ShiftChange {
                agent: agent.clone(),
                shift_date: key.0,
                rank: key.1,
                change,
                old_start: o.map(|s| s.start),
                old_end: o.map(|s| s.end),
                new_start: n.map(|s| s.start),
                new_end: n.map(|s| s.end),
                scheduled_delta_ms: n.map_or(0, |s| s.counted) - o.map_or(0, |s| s.counted),
                details,
            });
        }
        // Hours: every activity with counted time on either side, then the total.
        let names: BTreeSet<&String> = oa.hours.keys().chain(na.hours.keys()).collect();
        let mut rows: Vec<HoursRow> = names
            .into_iter()
            .map(|k| {
                let (o, n) = (oa.hours.get(k), na.hours.get(k));
                let written = n.or(o).map(|x| x.0.clone()).unwrap_or_default();
                HoursRow { agent: agent.clone(), activity: written, old_ms: o.map_or(0, |x| x.1), new_ms: n.map_or(0, |x| x.1) }
            })
            .collect();
        rows.sort_by(|a, b| name_key(&a.activity).cmp(&name_key(&b.activity)).then_with(|| a.activity.cmp(&b.activity)));
        if !rows.is_empty() {
            let (old_ms, new_ms) = rows.iter().fold((0, 0), |acc, r| (acc.0 + r.old_ms, acc.1 + r.new_ms));
            rows.push(HoursRow { agent: agent.clone(), activity: "*".into(), old_ms, new_ms });
        }
        out.hours.extend(rows);
    }
    out
}

fn utc_dtype() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
}

impl ScheduleDiff {
    /// Whether OLD and NEW differ (the changes view has a row).
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The changes view. `details` is a JSON array (text) of `{activity, change, old_start,
    /// old_end, new_start, new_end, start_delta_minutes, end_delta_minutes}`.
    pub fn changes_frame(&self) -> PolarsResult<DataFrame> {
        let c = &self.changes;
        let opt = |f: fn(&ShiftChange) -> Option<Ms>| c.iter().map(f).collect::<Vec<_>>();
        DataFrame::new_infer_height(vec![
            Column::new("agent".into(), c.iter().map(|s| s.agent.as_str()).collect::<Vec<_>>()),
            Column::new("shift_date".into(), c.iter().map(|s| s.shift_date as i32).collect::<Vec<_>>()).cast(&DataType::Date)?,
            Column::new("change".into(), c.iter().map(|s| s.change.as_str()).collect::<Vec<_>>()),
            Column::new("old_start".into(), opt(|s| s.old_start)).cast(&utc_dtype())?,
            Column::new("old_end".into(), opt(|s| s.old_end)).cast(&utc_dtype())?,
            Column::new("new_start".into(), opt(|s| s.new_start)).cast(&utc_dtype())?,
            Column::new("new_end".into(), opt(|s| s.new_end)).cast(&utc_dtype())?,
            Column::new("scheduled_minutes_delta".into(), c.iter().map(|s| s.scheduled_minutes_delta()).collect::<Vec<_>>()),
            Column::new("details".into(), c.iter().map(|s| super::diff_format::details_json(&s.details)).collect::<Vec<_>>()),
        ])
    }

    /// The hours view.
    pub fn hours_frame(&self) -> PolarsResult<DataFrame> {
        let h = &self.hours;
        DataFrame::new_infer_height(vec![
            Column::new("agent".into(), h.iter().map(|r| r.agent.as_str()).collect::<Vec<_>>()),
            Column::new("activity".into(), h.iter().map(|r| r.activity.as_str()).collect::<Vec<_>>()),
            Column::new("old_minutes".into(), h.iter().map(HoursRow::old_minutes).collect::<Vec<_>>()),
            Column::new("new_minutes".into(), h.iter().map(HoursRow::new_minutes).collect::<Vec<_>>()),
            Column::new("delta_minutes".into(), h.iter().map(HoursRow::delta_minutes).collect::<Vec<_>>()),
        ])
    }
}
