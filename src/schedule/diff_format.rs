//! Writing a [`ScheduleDiff`] as table, CSV, JSON, NDJSON or Markdown. Kept apart from the
//! comparison so it can give way to the shared report writers; field names and value forms
//! follow SPEC §4.1 (instants RFC 3339 UTC with `Z`, dates `YYYY-MM-DD`, minutes as
//! numbers).

use serde_json::{json, Map, Value};

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

/// A number of minutes as JSON: an integer when whole.
fn num(m: f64) -> Value {
    if m.fract() == 0.0 && m.abs() < 9.0e15 {
        json!(m as i64)
    } else {
        json!(m)
    }
}

/// A number of minutes as text: `30`, `7.5`, `-15`.
fn num_text(m: f64) -> String {
    num(m).to_string()
}

fn signed(m: f64) -> String {
    if m > 0.0 {
        format!("+{}", num_text(m))
    } else {
        num_text(m)
    }
}

fn instant(v: Option<Ms>) -> Value {
    v.map_or(Value::Null, |ms| Value::String(fmt_instant(ms)))
}

fn detail_json(d: &ActivityChange) -> Value {
    json!({
        "activity": d.activity,
        "change": d.change.as_str(),
        "old_start": instant(d.old_start),
        "old_end": instant(d.old_end),
        "new_start": instant(d.new_start),
        "new_end": instant(d.new_end),
        "start_delta_minutes": d.start_delta_minutes().map_or(Value::Null, num),
        "end_delta_minutes": d.end_delta_minutes().map_or(Value::Null, num),
    })
}

/// The `details` list as a JSON array.
pub fn details_json(details: &[ActivityChange]) -> Value {
    Value::Array(details.iter().map(detail_json).collect())
}

fn change_json(c: &ShiftChange) -> Value {
    let mut m = Map::new();
    m.insert("agent".into(), json!(c.agent));
    m.insert("shift_date".into(), json!(fmt_day(c.shift_date)));
    m.insert("change".into(), json!(c.change.as_str()));
    m.insert("old_start".into(), instant(c.old_start));
    m.insert("old_end".into(), instant(c.old_end));
    m.insert("new_start".into(), instant(c.new_start));
    m.insert("new_end".into(), instant(c.new_end));
    m.insert("scheduled_minutes_delta".into(), num(c.scheduled_minutes_delta()));
    m.insert("details".into(), details_json(&c.details));
    Value::Object(m)
}

fn hours_json(h: &HoursRow) -> Value {
    let mut m = Map::new();
    m.insert("agent".into(), json!(h.agent));
    m.insert("activity".into(), json!(h.activity));
    m.insert("old_minutes".into(), num(h.old_minutes()));
    m.insert("new_minutes".into(), num(h.new_minutes()));
    m.insert("delta_minutes".into(), num(h.delta_minutes()));
    Value::Object(m)
}

fn objects(diff: &ScheduleDiff, view: DiffView) -> Vec<Value> {
    match view {
        DiffView::Changes => diff.changes.iter().map(change_json).collect(),
        DiffView::Hours => diff.hours.iter().map(hours_json).collect(),
    }
}

/// Plain-text cells of a row (CSV and tables): nulls empty, details as compact JSON (CSV)
/// or one line per activity (tables).
fn cells(v: &Value, fields: &[&str], details_as_lines: bool) -> Vec<String> {
    fields
        .iter()
        .map(|f| match &v[*f] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) if details_as_lines => items.iter().map(detail_line).collect::<Vec<_>>().join("\n"),
            other => other.to_string(),
        })
        .collect()
}

/// `Break moved 12:00Z→12:15Z (start +15, end +15 min)`.
fn detail_line(d: &Value) -> String {
    let t = |k: &str| d[k].as_str().map(short_time).unwrap_or_default();
    let act = d["activity"].as_str().unwrap_or("");
    match d["change"].as_str().unwrap_or("") {
        "added" => format!("{act} added {}–{}", t("new_start"), t("new_end")),
        "removed" => format!("{act} removed {}–{}", t("old_start"), t("old_end")),
        _ => {
            let delta = |k: &str| d[k].as_f64().map(signed).unwrap_or_default();
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
            let mut s = serde_json::to_string_pretty(&Value::Array(rows)).map_err(|e| Error::Many(e.to_string()))?;
            s.push('\n');
            s.into_bytes()
        }
        DiffFormat::Ndjson => {
            let mut s = String::new();
            for r in rows {
                s.push_str(&r.to_string());
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

fn markdown(diff: &ScheduleDiff, view: DiffView, rows: &[Value]) -> String {
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
                let details = r["details"].as_array().map(|a| a.iter().map(detail_line).collect::<Vec<_>>().join("\n")).unwrap_or_default();
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
