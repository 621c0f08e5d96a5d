//! `adhere schedule check`: what a set of schedule files holds and what is wrong with it —
//! agents, shifts, date range, minutes per activity, rows the overlay rule covered, shifts
//! touched by a DST change, rows rejected and why.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use super::shifts::{RowRule, Shifts};
use super::{Rejected, ScheduleRows};
use crate::error::Location;
use crate::time::{fmt_day, fmt_instant, fmt_offset, Ms};

/// Scheduled time of one activity (as first written; names grouped ignoring case).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityTime {
    pub activity: String,
    pub counted: bool,
    pub rows: usize,
    /// Time where this activity applies after overlaps are resolved.
    pub applied_ms: Ms,
}

/// A row partly or wholly covered by rows that start later (the overlay rule).
#[derive(Debug, Clone, PartialEq)]
pub struct Covered {
    pub location: Location,
    pub agent: String,
    pub activity: String,
    pub start: Ms,
    pub end: Ms,
    pub hidden_ms: Ms,
    /// The first row applying over it.
    pub by: Location,
    pub by_activity: String,
}

/// A reported shift during which the zone's UTC offset changes.
#[derive(Debug, Clone, PartialEq)]
pub struct DstShift {
    pub agent: String,
    pub shift_date: i64,
    pub timezone: String,
    pub shift_start: Ms,
    pub shift_end: Ms,
    pub offset_before: i32,
    pub offset_after: i32,
}

/// Everything `schedule check` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSummary {
    /// Each file and the layout it was read as.
    pub files: Vec<(PathBuf, String, usize)>,
    pub rows: usize,
    pub agents: usize,
    pub shifts: usize,
    pub first_date: Option<i64>,
    pub last_date: Option<i64>,
    /// Counted scheduled time of all reported shifts.
    pub scheduled_ms: Ms,
    pub activities: Vec<ActivityTime>,
    pub covered: Vec<Covered>,
    pub dst_shifts: Vec<DstShift>,
    pub rejected: Vec<Rejected>,
}

impl CheckSummary {
    /// Summarises rows (read from `files`, each with its layout), their rules and shifts.
    pub fn build(rows: &ScheduleRows, formats: &[&str], rules: &[RowRule], shifts: &Shifts, rejected: &[Rejected]) -> CheckSummary {
        let mut per_file = vec![0usize; rows.files.len()];
        for &f in &rows.file {
            per_file[f as usize] += 1;
        }
        let files = rows
            .files
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), formats.get(i).copied().unwrap_or("?").to_string(), per_file[i]))
            .collect();

        // Time applied per row, and per activity.
        let mut applied = vec![0 as Ms; rows.len()];
        for g in 0..shifts.seg_start.len() {
            applied[shifts.seg_row[g] as usize] += shifts.seg_end[g] - shifts.seg_start[g];
        }
        let mut acts: BTreeMap<String, ActivityTime> = BTreeMap::new();
        for r in 0..rows.len() {
            let name = rows.activity[r].trim();
            let a = acts.entry(name.to_lowercase()).or_insert_with(|| ActivityTime {
                activity: name.to_string(),
                counted: rules[r].counted,
                rows: 0,
                applied_ms: 0,
            });
            a.rows += 1;
            a.applied_ms += applied[r];
        }

        // Rows covered by later-starting rows.
        let mut covered = Vec::new();
        let mut rows_of: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
        for r in 0..rows.len() {
            rows_of.entry(rows.agent[r].as_str()).or_default().push(r);
        }
        for a in 0..shifts.agents() {
            let segs = shifts.segments_of(a);
            for &r in rows_of.get(shifts.agent_key[a].as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                let hidden = (rows.end[r] - rows.start[r]) - applied[r];
                if hidden <= 0 {
                    continue;
                }
                // Segments are in time order: find the first one over this row by another row.
                let first = segs.start + shifts.seg_end[segs.clone()].partition_point(|&e| e <= rows.start[r]);
                let by = (first..segs.end)
                    .take_while(|&g| shifts.seg_start[g] < rows.end[r])
                    .find(|&g| shifts.seg_row[g] as usize != r)
                    .map(|g| shifts.seg_row[g] as usize)
                    .unwrap_or(r);
                covered.push(Covered {
                    location: rows.location(r),
                    agent: rows.agent[r].clone(),
                    activity: rows.activity[r].clone(),
                    start: rows.start[r],
                    end: rows.end[r],
                    hidden_ms: hidden,
                    by: rows.location(by),
                    by_activity: rows.activity[by].clone(),
                });
            }
        }
        covered.sort_by(|a, b| (&a.agent, a.start, &a.location.line).cmp(&(&b.agent, b.start, &b.location.line)));

        // Counted time and DST changes per shift.
        let mut scheduled_ms = 0;
        for g in 0..shifts.seg_start.len() {
            if rules[shifts.seg_row[g] as usize].counted && shifts.seg_shift[g] != super::shifts::NO_SHIFT {
                scheduled_ms += shifts.seg_end[g] - shifts.seg_start[g];
            }
        }
        let mut dst_shifts = Vec::new();
        for s in 0..shifts.len() {
            let zone = &rows.zones[shifts.shift_zone[s] as usize];
            let (a, b) = (zone.offset_at(shifts.shift_start[s]), zone.offset_at(shifts.shift_end[s] - 1));
            if a != b {
                dst_shifts.push(DstShift {
                    agent: shifts.agent_key[shifts.shift_agent[s] as usize].clone(),
                    shift_date: shifts.shift_day[s],
                    timezone: zone.name().to_string(),
                    shift_start: shifts.shift_start[s],
                    shift_end: shifts.shift_end[s],
                    offset_before: a,
                    offset_after: b,
                });
            }
        }
        CheckSummary {
            files,
            rows: rows.len(),
            agents: shifts.agents(),
            shifts: shifts.len(),
            first_date: shifts.shift_day.iter().min().copied(),
            last_date: shifts.shift_day.iter().max().copied(),
            scheduled_ms,
            activities: acts.into_values().collect(),
            covered,
            dst_shifts,
            rejected: rejected.to_vec(),
        }
    }

    /// Whether the files are clean (no row was rejected).
    pub fn ok(&self) -> bool {
        self.rejected.is_empty()
    }

    /// The summary as text for a terminal.
    pub fn to_text(&self) -> String {
        let hours = |ms: Ms| {
            let h = ms as f64 / 3_600_000.0;
            format!("{} h", trim_num(h))
        };
        let mut o = String::new();
        let range = match (self.first_date, self.last_date) {
            (Some(a), Some(b)) => format!("{} to {}", fmt_day(a), fmt_day(b)),
            _ => "no dates".into(),
        };
        o.push_str(&format!(
            "{} file{}, {} row{}, {} agent{}, {} shift{}, {}\n",
            self.files.len(),
            plural(self.files.len()),
            self.rows,
            plural(self.rows),
            self.agents,
            plural(self.agents),
            self.shifts,
            plural(self.shifts),
            range
        ));
        for (p, f, n) in &self.files {
            o.push_str(&format!("  {}: {f} layout, {n} row{}\n", p.display(), plural(*n)));
        }
        o.push_str(&format!("\nscheduled time (counted, overlaps resolved): {}\n", hours(self.scheduled_ms)));
        o.push_str("time per activity:\n");
        let width = self.activities.iter().map(|a| a.activity.chars().count()).max().unwrap_or(0);
        for a in &self.activities {
            o.push_str(&format!(
                "  {:<width$}  {:>9}  {} row{}{}\n",
                a.activity,
                hours(a.applied_ms),
                a.rows,
                plural(a.rows),
                if a.counted { "" } else { "  (time off: not counted)" }
            ));
        }
        let wholly = self.covered.iter().filter(|c| c.hidden_ms == c.end - c.start).count();
        o.push_str(&format!(
            "\noverlapping rows resolved by the overlay rule (the latest start applies): {} row{} covered, {} of them wholly\n",
            self.covered.len(),
            plural(self.covered.len()),
            wholly
        ));
        for c in self.covered.iter().take(20) {
            o.push_str(&format!(
                "  {}: {} {} {}–{}: {} min under {} ({})\n",
                c.location,
                c.agent,
                c.activity,
                fmt_instant(c.start),
                fmt_instant(c.end),
                trim_num(c.hidden_ms as f64 / 60_000.0),
                c.by_activity,
                c.by
            ));
        }
        if self.covered.len() > 20 {
            o.push_str(&format!("  … and {} more\n", self.covered.len() - 20));
        }
        o.push_str(&format!("\nshifts touched by a DST change: {}\n", self.dst_shifts.len()));
        for d in &self.dst_shifts {
            o.push_str(&format!(
                "  {} {} ({}): {}–{}, UTC{} → UTC{}\n",
                d.agent,
                fmt_day(d.shift_date),
                d.timezone,
                fmt_instant(d.shift_start),
                fmt_instant(d.shift_end),
                fmt_offset(d.offset_before),
                fmt_offset(d.offset_after)
            ));
        }
        o.push_str(&format!("\nrows rejected: {}\n", self.rejected.len()));
        for r in &self.rejected {
            o.push_str(&format!("  {}: {}\n", r.location, r.reason));
        }
        o.push_str(if self.ok() { "\nresult: OK\n" } else { "\nresult: rows were rejected\n" });
        o
    }

    /// The summary as JSON.
    pub fn to_json(&self) -> Value {
        let loc = |l: &Location| {
            json!({
                "file": l.file.as_ref().map(|f| f.display().to_string()),
                "line": l.line,
                "column": l.column,
                "value": l.value,
            })
        };
        json!({
            "ok": self.ok(),
            "files": self.files.iter().map(|(p, f, n)| json!({"file": p.display().to_string(), "format": f, "rows": n})).collect::<Vec<_>>(),
            "rows": self.rows,
            "agents": self.agents,
            "shifts": self.shifts,
            "first_date": self.first_date.map(fmt_day),
            "last_date": self.last_date.map(fmt_day),
            "scheduled_minutes": self.scheduled_ms as f64 / 60_000.0,
            "activities": self.activities.iter().map(|a| json!({
                "activity": a.activity, "counted": a.counted, "rows": a.rows, "minutes": a.applied_ms as f64 / 60_000.0,
            })).collect::<Vec<_>>(),
            "covered_rows": self.covered.iter().map(|c| json!({
                "location": loc(&c.location), "agent": c.agent, "activity": c.activity,
                "start": fmt_instant(c.start), "end": fmt_instant(c.end),
                "hidden_minutes": c.hidden_ms as f64 / 60_000.0, "by": loc(&c.by), "by_activity": c.by_activity,
            })).collect::<Vec<_>>(),
            "dst_shifts": self.dst_shifts.iter().map(|d| json!({
                "agent": d.agent, "shift_date": fmt_day(d.shift_date), "timezone": d.timezone,
                "shift_start": fmt_instant(d.shift_start), "shift_end": fmt_instant(d.shift_end),
                "offset_before": fmt_offset(d.offset_before), "offset_after": fmt_offset(d.offset_after),
            })).collect::<Vec<_>>(),
            "rejected": self.rejected.iter().map(|r| json!({"location": loc(&r.location), "reason": r.reason})).collect::<Vec<_>>(),
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn trim_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The rejects file: one CSV line per rejected row (`file,line,column,value,reason`).
pub fn rejects_csv(rejected: &[Rejected]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["file", "line", "column", "value", "reason"]);
    for r in rejected {
        let l = &r.location;
        let _ = w.write_record([
            l.file.as_ref().map(|f| f.display().to_string()).unwrap_or_default(),
            l.line.map(|n| n.to_string()).unwrap_or_default(),
            l.column.clone().unwrap_or_default(),
            l.value.clone().unwrap_or_default(),
            r.reason.clone(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
