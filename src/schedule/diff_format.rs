//! Writing a [`ScheduleDiff`] as table, CSV, JSON, NDJSON or Markdown. Kept apart from the
//! comparison so it can give way to the shared report writers; field names and value forms
//! follow SPEC §4.1 (instants RFC 3339 UTC with `Z`, dates `YYYY-MM-DD`, minutes as
//! numbers).

use super::diff::{minutes, ActivityChange, HoursRow, ScheduleDiff, ShiftChange};
use crate::error::{Error, Result};
use crate::time::{fmt_day, fmt_instant, Ms};

/// `--view` of `schedule diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffView {
    /// One row per shift added, removed or changed.
    Changes,
    /// Counted minutes per agent and activity, old vs new, with a `*` total per agent.
    Hours,
}

/// `--format` of `schedule diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Table,
    Csv,
    /// A JSON array of row objects (`details` as an array).
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A summary and table for a pull-request comment.
    Markdown,
}

/// Field names of the changes view, in order.
pub const CHANGES_FIELDS: &[&str] =
    &["agent", "shift_date", "change", "old_start", "old_end", "new_start", "new_end", "scheduled_minutes_delta", "details"];
/// Field names of the hours view, in order.
pub const HOURS_FIELDS: &[&str] = &["agent", "activity", "old_minutes", "new_minutes", "delta_minutes"];

/// A JSON value whose objects keep their field order (SPEC §4.1 order).
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Str(String),
    Num(f64),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            J::Num(n) => Some(*n),
            _ => None,
        }
    }
    fn get(&self, key: &str) -> &J {
        match self {
            J::Obj(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v).unwrap_or(&J::Null),
            _ => &J::Null,
        }
    }

    /// Compact JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Str(s) => out.push_str(&serde_json::to_string(s).expect("a string serialises")),
            J::Num(n) => out.push_str(&num_text(*n)),
            J::Arr(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    it.write(out);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).expect("a string serialises"));
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

/// A number of minutes as text: an integer when whole (`30`, `7.5`, `-15`).
fn num_text(m: f64) -> String {
    if m.fract() == 0.0 && m.abs() < 9.0e15 {
        format!("{}", m as i64)
    } else {
        serde_json::to_string(&m).unwrap_or_else(|_| "null".into())
    }
}

fn signed(m: f64) -> String {
    if m > 0.0 {
        format!("+{}", num_text(m))
    } else {
        num_text(m)
    }
}

fn instant(v: Option<Ms>) -> J {
    v.map_or(J::Null, |ms| J::Str(fmt_instant(ms)))
}

fn opt_num(v: Option<f64>) -> J {
    v.map_or(J::Null, J::Num)
}

fn detail_json(d: &ActivityChange) -> J {
    J::Obj(vec![
        ("activity", J::Str(d.activity.clone())),
        ("change", J::Str(d.change.as_str().into())),
        ("old_start", instant(d.old_start)),
        ("old_end", instant(d.old_end)),
        ("new_start", instant(d.new_start)),
        ("new_end", instant(d.new_end)),
        ("start_delta_minutes", opt_num(d.start_delta_minutes())),
        ("end_delta_minutes", opt_num(d.end_delta_minutes())),
    ])
}

/// The `details` list as compact JSON text.
pub fn details_json(details: &[ActivityChange]) -> String {
    J::Arr(details.iter().map(detail_json).collect()).to_text()
}

fn change_json(c: &ShiftChange) -> J {
    J::Obj(vec![
        ("agent", J::Str(c.agent.clone())),
        ("shift_date", J::Str(fmt_day(c.shift_date))),
        ("change", J::Str(c.change.as_str().into())),
        ("old_start", instant(c.old_start)),
        ("old_end", instant(c.old_end)),
        ("new_start", instant(c.new_start)),
        ("new_end", instant(c.new_end)),
        ("scheduled_minutes_delta", J::Num(c.scheduled_minutes_delta())),
        ("details", J::Arr(c.details.iter().map(detail_json).collect())),
    ])
}

fn hours_json(h: &HoursRow) -> J {
    J::Obj(vec![
        ("agent", J::Str(h.agent.clone())),
        ("activity", J::Str(h.activity.clone())),
        ("old_minutes", J::Num(h.old_minutes())),
        ("new_minutes", J::Num(h.new_minutes())),
        ("delta_minutes", J::Num(h.delta_minutes())),
    ])
}

fn objects(diff: &ScheduleDiff, view: DiffView) -> Vec<J> {
    match view {
        DiffView::Changes => diff.changes.iter().map(change_json).collect(),
        DiffView::Hours => diff.hours.iter().map(hours_json).collect(),
    }
}

/// Plain-text cells of a row (CSV and tables): nulls empty, details as compact JSON (CSV)
/// or one line per activity (tables).
fn cells(v: &J, fields: &[&str], details_as_lines: bool) -> Vec<String> {
    fields
        .iter()
        .map(|f| match v.get(f) {
            J::Null => String::new(),
            J::Str(s) => s.clone(),
            J::Arr(items) if details_as_lines => items.iter().map(detail_line).collect::<Vec<_>>().join("\n"),
            other => other.to_text(),
        })
        .collect()
}

/// `Break moved 12:00Z→12:15Z (start +15, end +15 min)`.
fn detail_line(d: &J) -> String {
    let t = |k: &str| d.get(k).as_str().map(short_time).unwrap_or_default();
    let act = d.get("activity").as_str().unwrap_or("");
    match d.get("change").as_str().unwrap_or("") {
        "added" => format!("{act} added {}–{}", t("new_start"), t("new_end")),
        "removed" => format!("{act} removed {}–{}", t("old_start"), t("old_end")),
        _ => {
            let delta = |k: &str| d.get(k).as_f64().map(signed).unwrap_or_default();
            format!(
                "{act} moved {}–{} → {}–{} (start {}, end {} min)",
                t("old_start"),
                t("old_end"),
                t("new_start"),
                t("new_end"),
                delta("start_delta_minutes"),
                delta("end_delta_minutes")
            )
        }
    }
}

/// `2024-03-04T09:00:00Z` → `03-04 09:00Z` for compact cells.
fn short_time(s: &str) -> String {
    if s.len() >= 16 && s.as_bytes().get(10) == Some(&b'T') {
        format!("{} {}Z", &s[5..10], &s[11..16])
    } else {
        s.to_string()
    }
}

fn fields(view: DiffView) -> &'static [&'static str] {
    match view {
        DiffView::Changes => CHANGES_FIELDS,
        DiffView::Hours => HOURS_FIELDS,
    }
}

/// Serialises one view of a comparison.
pub fn write(diff: &ScheduleDiff, view: DiffView, format: DiffFormat) -> Result<Vec<u8>> {
    let rows = objects(diff, view);
    let fields = fields(view);
    Ok(match format {
        DiffFormat::Json => {
            // An array, one row object per line (as the report writers do).
            let mut s = String::from("[");
            for (i, r) in rows.iter().enumerate() {
                s.push_str(if i == 0 { "\n" } else { ",\n" });
                r.write(&mut s);
            }
            s.push_str(if rows.is_empty() { "]\n" } else { "\n]\n" });
            s.into_bytes()
        }
        DiffFormat::Ndjson => {
            let mut s = String::new();
            for r in rows {
                r.write(&mut s);
                s.push('\n');
            }
            s.into_bytes()
        }
        DiffFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let io = |e: csv::Error| Error::Many(format!("cannot write CSV: {e}"));
            w.write_record(fields).map_err(io)?;
            for r in &rows {
                w.write_record(cells(r, fields, false)).map_err(io)?;
            }
            w.into_inner().map_err(|e| Error::Many(format!("cannot write CSV: {e}")))?
        }
        DiffFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(fields.to_vec());
            for r in &rows {
                t.add_row(cells(r, fields, true));
            }
            let mut s = if rows.is_empty() { no_rows(view).to_string() } else { t.to_string() };
            s.push('\n');
            s.into_bytes()
        }
        DiffFormat::Markdown => markdown(diff, view, &rows).into_bytes(),
    })
}

fn no_rows(view: DiffView) -> &'static str {
    match view {
        DiffView::Changes => "No schedule changes: every shift is identical.",
        DiffView::Hours => "No scheduled time in either schedule.",
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

fn markdown(diff: &ScheduleDiff, view: DiffView, rows: &[J]) -> String {
    let mut out = String::new();
    let count = |k| diff.changes.iter().filter(|c| c.change == k).count();
    use super::diff::ShiftChangeKind as K;
    let agents: std::collections::BTreeSet<&str> = diff.changes.iter().map(|c| c.agent.as_str()).collect();
    let total: Ms = diff.changes.iter().map(|c| c.scheduled_delta_ms).sum();
    match view {
        DiffView::Changes => {
            out.push_str("### Schedule changes\n\n");
            if diff.changes.is_empty() {
                out.push_str(no_rows(view));
                out.push('\n');
                return out;
            }
            out.push_str(&format!(
                "**{} shift{}** differ for {} agent{}: {} added, {} removed, {} changed; scheduled time {} min.\n\n",
                diff.changes.len(),
                if diff.changes.len() == 1 { "" } else { "s" },
                agents.len(),
                if agents.len() == 1 { "" } else { "s" },
                count(K::Added),
                count(K::Removed),
                count(K::Changed),
                signed(minutes(total)),
            ));
            out.push_str("| agent | shift_date | change | old | new | Δ scheduled min | details |\n|---|---|---|---|---|---:|---|\n");
            for (c, r) in diff.changes.iter().zip(rows) {
                let span = |s: Option<Ms>, e: Option<Ms>| match (s, e) {
                    (Some(s), Some(e)) => format!("{} – {}", fmt_instant(s), fmt_instant(e)),
                    _ => "—".into(),
                };
                let details = match r.get("details") {
                    J::Arr(a) => a.iter().map(detail_line).collect::<Vec<_>>().join("\n"),
                    _ => String::new(),
                };
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    md_escape(&c.agent),
                    fmt_day(c.shift_date),
                    c.change.as_str(),
                    span(c.old_start, c.old_end),
                    span(c.new_start, c.new_end),
                    signed(c.scheduled_minutes_delta()),
                    md_escape(&details)
                ));
            }
        }
        DiffView::Hours => {
            out.push_str("### Scheduled minutes, old vs new\n\n");
            if diff.hours.is_empty() {
                out.push_str(no_rows(view));
                out.push('\n');
                return out;
            }
            let (o, n): (Ms, Ms) = diff.hours.iter().filter(|h| h.activity == "*").fold((0, 0), |a, h| (a.0 + h.old_ms, a.1 + h.new_ms));
            out.push_str(&format!(
                "All agents: {} → {} min ({} min).\n\n",
                num_text(minutes(o)),
                num_text(minutes(n)),
                signed(minutes(n - o))
            ));
            out.push_str("| agent | activity | old_minutes | new_minutes | delta_minutes |\n|---|---|---:|---:|---:|\n");
            for h in &diff.hours {
                let act = if h.activity == "*" { "**\\* total**".to_string() } else { md_escape(&h.activity) };
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    md_escape(&h.agent),
                    act,
                    num_text(h.old_minutes()),
                    num_text(h.new_minutes()),
                    signed(h.delta_minutes())
                ));
            }
        }
    }
    out
}
