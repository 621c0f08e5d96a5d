//! `adhere explain` output: a shift's pieces and the arithmetic of each metric, as a
//! terminal table (times local to the shift's zone), JSON (instants RFC 3339 UTC, the
//! figures under the shifts view's field names) or Markdown.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement};
use serde::Serialize;

use super::cells::Num;
use crate::adherence::explain::{Explanations, ShiftExplanation, Verdict};
use crate::error::{Error, Result};
use crate::time::{self, Ms};

/// `adhere explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Readable tables (times in the shift's zone).
    Table,
    /// One JSON object: the shifts with their segments, runs and figures.
    Json,
    /// Markdown (for a ticket or a pull-request comment).
    Markdown,
}

/// Renders explanations in a format.
pub fn render(ex: &Explanations, format: ExplainFormat, source: &str) -> Result<Vec<u8>> {
    Ok(match format {
        ExplainFormat::Table => table(ex, source).into_bytes(),
        ExplainFormat::Markdown => markdown(ex, source).into_bytes(),
        ExplainFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&json(ex)).map_err(|e| Error::Api(format!("writing JSON: {e}")))?;
            v.push(b'\n');
            v
        }
    })
}

// ---------------------------------------------------------------- shared text

/// A local clock time in the shift's zone, with `+1d` / `-1d` when it falls on another local
/// date than the shift's.
fn clock(sx: &ShiftExplanation, t: Ms) -> String {
    let z = &sx.identity.zone;
    let day = z.local_day(t) - sx.identity.shift_date;
    let mut s = time::fmt_hhmmss(z.local_ms(t));
    if day != 0 {
        s.push_str(&format!(" {day:+}d"));
    }
    s
}

/// The schedule row a segment comes from: `schedule.csv:14`.
fn row_source(ex: &Explanations, row: Option<u32>) -> String {
    row.and_then(|r| ex.labels.row_sources.get(&r)).cloned().unwrap_or_default()
}

fn secs(ms: Ms) -> String {
    time::fmt_seconds(ms)
}

fn pct_text(p: Option<f64>) -> String {
    p.map_or("null".to_string(), |p| format!("{p:.2}%"))
}

fn opt_secs(ms: Option<Ms>) -> String {
    ms.map_or("null".to_string(), secs)
}

fn bool_text(b: Option<bool>) -> String {
    b.map_or("null".to_string(), |b| b.to_string())
}

fn run_text(sx: &ShiftExplanation, run: Option<u32>) -> String {
    match run {
        None => String::new(),
        Some(i) => {
            let r = sx.runs[i as usize];
            let kind = if r.exception { "exception" } else { "forgiven" };
            format!("#{} {kind}", i + 1)
        }
    }
}

/// Each metric with its value and how it is made: (field, value, derivation).
fn metrics(ex: &Explanations, sx: &ShiftExplanation) -> Vec<(&'static str, String, String)> {
    let f = &sx.figures;
    let d = &sx.derived;
    let st = |i: Option<u32>| i.map_or("?".to_string(), |i| ex.labels.states[i as usize].clone());
    let min_exc = time::fmt_duration(ex.min_exception);
    let grace = time::fmt_duration(ex.grace);
    let exceptions: Vec<String> = sx
        .runs
        .iter()
        .filter(|r| r.exception)
        .map(|r| format!("{}–{} ({})", clock(sx, r.start), clock(sx, r.end), time::fmt_duration(r.end - r.start)))
        .collect();
    let forgiven: Vec<String> = sx.runs.iter().filter(|r| !r.exception).map(|r| time::fmt_duration(r.end - r.start)).collect();
    let is_late = f.late.map(|l| l > ex.grace);
    let is_early = f.early_logout.map(|l| l > ex.grace);

    // The scheduled activity at an instant of the shift.
    let activity_at = |t: Ms| {
        sx.segments
            .iter()
            .find(|g| g.start <= t && t < g.end)
            .and_then(|g| g.activity)
            .map_or(String::new(), |a| format!(" ({})", ex.labels.activities[a as usize]))
    };
    let late_how = match d.r {
        None => "no R: every counted activity of the shift allows logged_out → null".to_string(),
        Some(r) => {
            let at_r = st(d.state_at_r);
            let head = format!("R {}{}", clock(sx, r), activity_at(r));
            match (at_r.as_str(), d.login_after_r) {
                ("unknown", _) => format!("{head}: state at R unknown → null"),
                ("logged_out", Some(l)) => {
                    format!("{head}: logged_out at R; first login in [R, shift end) {} → {} − {}", clock(sx, l), clock(sx, l), clock(sx, r))
                }
                ("logged_out", None) => format!("{head}: logged_out at R; no login in [R, shift end) → null"),
                _ => format!("{head}: logged in at R ({at_r}) → 0"),
            }
        }
    };
    let early_how = match d.e {
        None => "no E: every counted activity of the shift allows logged_out → null".to_string(),
        Some(e) => {
            let before = st(d.state_before_e);
            let head = format!("E {}{}", clock(sx, e), activity_at(e - 1));
            match (before.as_str(), d.logout_before_e) {
                ("unknown", _) => format!("{head}: state just before E unknown → null"),
                ("logged_out", Some(l)) => format!(
                    "{head}: logged_out just before E; last logout in (shift start, E] {} → {} − {}",
                    clock(sx, l),
                    clock(sx, e),
                    clock(sx, l)
                ),
                ("logged_out", None) => format!("{head}: logged_out just before E; no logout in (shift start, E] → null"),
                _ => format!("{head}: logged in just before E ({before}) → 0"),
            }
        }
    };
    let (ws, we) = d.window;
    let prod_states = ex.productive_states.join(", ");
    let in_out = f.in_adherence + f.out_of_adherence;
    vec![
        (
            "scheduled_seconds",
            secs(f.scheduled),
            format!("in {} + out {} + unknown {}", secs(f.in_adherence), secs(f.out_of_adherence), secs(f.unknown)),
        ),
        ("in_adherence_seconds", secs(f.in_adherence), "Σ segments with verdict in".to_string()),
        ("out_of_adherence_seconds", secs(f.out_of_adherence), "Σ segments with verdict out".to_string()),
        ("unknown_seconds", secs(f.unknown), "Σ segments with verdict unknown (left out of the ratios)".to_string()),
        ("adherence_pct", pct_text(f.adherence_pct()), format!("100 × in {} ÷ (in + out) {}", secs(f.in_adherence), secs(in_out))),
        (
            "exception_count",
            f.exception_count.to_string(),
            if exceptions.is_empty() {
                format!("no out-of-adherence run of at least {min_exc}")
            } else {
                format!("runs of at least {min_exc}: {}", exceptions.join(", "))
            },
        ),
        (
            "adjusted_adherence_pct",
            pct_text(f.adjusted_adherence_pct()),
            format!(
                "100 × (in {} + forgiven {}) ÷ (in + out) {}; forgiven = runs shorter than {min_exc}{}",
                secs(f.in_adherence),
                secs(f.forgiven),
                secs(in_out),
                if forgiven.is_empty() { ": none".to_string() } else { format!(": {}", forgiven.join(" + ")) }
            ),
        ),
        ("productive_scheduled_seconds", secs(f.productive_scheduled), "counted time of productive activities".to_string()),
        (
            "productive_actual_seconds",
            secs(f.productive_actual),
            format!("time in {prod_states} within the window {} – {}", clock(sx, ws), clock(sx, we)),
        ),
        (
            "conformance_pct",
            pct_text(f.conformance_pct()),
            format!("100 × productive actual {} ÷ productive scheduled {}", secs(f.productive_actual), secs(f.productive_scheduled)),
        ),
        ("late_seconds", opt_secs(f.late), late_how),
        ("is_late", bool_text(is_late), format!("late_seconds > grace {grace}")),
        ("early_logout_seconds", opt_secs(f.early_logout), early_how),
        ("is_early_logout", bool_text(is_early), format!("early_logout_seconds > grace {grace}")),
        (
            "no_show",
            f.no_show.to_string(),
            match (d.r, f.no_show) {
                (None, _) => "no R → false".to_string(),
                (Some(_), true) => "logged_out at R and logged_in_seconds = 0".to_string(),
                (Some(_), false) => "true only when logged_out at R and logged_in_seconds = 0".to_string(),
            },
        ),
        (
            "logged_in_seconds",
            secs(f.logged_in),
            format!("logged-in time within {} – {}", clock(sx, sx.identity.shift_start), clock(sx, sx.identity.shift_end)),
        ),
        ("first_login", f.first_login.map_or("null".to_string(), |t| clock(sx, t)), "first login record in the window".to_string()),
        ("last_logout", f.last_logout.map_or("null".to_string(), |t| clock(sx, t)), "last logout record in the window".to_string()),
    ]
}

fn who(sx: &ShiftExplanation) -> String {
    let id = &sx.identity;
    let mut parts = vec![format!("agent {}", id.agent)];
    if let Some(x) = id.agent_id {
        parts.push(format!("agent_id {x}"));
    } else {
        parts.push("no matching LivePerson agent (logged out throughout)".to_string());
    }
    if let Some(x) = &id.employee_id {
        parts.push(format!("employee_id {x}"));
    }
    if let Some(x) = &id.login_name {
        parts.push(format!("login {x}"));
    }
    if let Some(x) = &id.team {
        parts.push(format!("team {x}"));
    }
    parts.push(format!("timezone {}", id.zone.name()));
    parts.join(" · ")
}

fn shift_title(sx: &ShiftExplanation, i: usize, n: usize) -> String {
    let id = &sx.identity;
    format!(
        "Shift {} of {n} on {}: {} – {} local ({} – {})",
        i + 1,
        time::fmt_day(id.shift_date),
        clock(sx, id.shift_start),
        clock(sx, id.shift_end),
        time::fmt_instant(id.shift_start),
        time::fmt_instant(id.shift_end)
    )
}

// ---------------------------------------------------------------- table

fn table(ex: &Explanations, source: &str) -> String {
    let mut out = String::new();
    let n = ex.shifts.len();
    for (i, sx) in ex.shifts.iter().enumerate() {
        if i == 0 {
            out.push_str(&who(sx));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&shift_title(sx, i, n));
        out.push('\n');
        let mut t = comfy_table::Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(["start", "end", "length", "scheduled", "actual", "verdict", "run", "decided by", "schedule row"]);
        for seg in &sx.segments {
            t.add_row(vec![
                comfy_table::Cell::new(clock(sx, seg.start)),
                comfy_table::Cell::new(clock(sx, seg.end)),
                comfy_table::Cell::new(time::fmt_duration(seg.end - seg.start)).set_alignment(CellAlignment::Right),
                comfy_table::Cell::new(seg.activity.map_or("—", |a| ex.labels.activities[a as usize].as_str())),
                comfy_table::Cell::new(&ex.labels.states[seg.state as usize]),
                comfy_table::Cell::new(seg.verdict.name()),
                comfy_table::Cell::new(run_text(sx, seg.run)),
                comfy_table::Cell::new(&ex.labels.rules[seg.rule as usize]),
                comfy_table::Cell::new(row_source(ex, seg.row)),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
        let mut m = comfy_table::Table::new();
        m.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
        m.set_header(["metric", "value", "how"]);
        for (name, value, how) in metrics(ex, sx) {
            m.add_row(vec![
                comfy_table::Cell::new(name),
                comfy_table::Cell::new(value).set_alignment(CellAlignment::Right),
                comfy_table::Cell::new(how),
            ]);
        }
        out.push_str(&m.to_string());
        out.push('\n');
    }
    out.push_str(&format!(
        "\nTimes are local to the shift's zone (+1d: the next local day). Rules: {source}; grace {}, min_exception {}.\n",
        time::fmt_duration(ex.grace),
        time::fmt_duration(ex.min_exception)
    ));
    out
}

// ---------------------------------------------------------------- markdown

/// Escapes text for Markdown (table cells included): characters that could start markup are
/// backslash-escaped; an underscore only where it could start or end emphasis (not inside
/// `logged_out`); line breaks become spaces.
pub fn md_escape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '|' | '*' | '`' | '<' | '>' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let inside = i > 0 && i + 1 < chars.len() && chars[i - 1].is_alphanumeric() && chars[i + 1].is_alphanumeric();
                if !inside {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn markdown(ex: &Explanations, source: &str) -> String {
    let mut out = String::new();
    let n = ex.shifts.len();
    if let Some(sx) = ex.shifts.first() {
        out.push_str(&format!(
            "## Explain: {} on {}\n\n{}\n",
            md_escape(&sx.identity.agent),
            time::fmt_day(sx.identity.shift_date),
            md_escape(&who(sx))
        ));
    }
    for (i, sx) in ex.shifts.iter().enumerate() {
        out.push_str(&format!("\n### {}\n\n", md_escape(&shift_title(sx, i, n))));
        out.push_str("| start | end | length | scheduled | actual | verdict | run | decided by | schedule row |\n");
        out.push_str("|---|---|---:|---|---|---|---|---|---|\n");
        for seg in &sx.segments {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                clock(sx, seg.start),
                clock(sx, seg.end),
                time::fmt_duration(seg.end - seg.start),
                seg.activity.map_or("—".to_string(), |a| md_escape(&ex.labels.activities[a as usize])),
                md_escape(&ex.labels.states[seg.state as usize]),
                if seg.verdict == Verdict::Out { "**out**" } else { seg.verdict.name() },
                run_text(sx, seg.run),
                md_escape(&ex.labels.rules[seg.rule as usize]),
                md_escape(&row_source(ex, seg.row)),
            ));
        }
        out.push_str("\n| metric | value | how |\n|---|---:|---|\n");
        for (name, value, how) in metrics(ex, sx) {
            out.push_str(&format!("| `{name}` | {} | {} |\n", md_escape(&value), md_escape(&how)));
        }
    }
    out.push_str(&format!(
        "\nTimes are local to the shift's zone (+1d: the next local day). Rules: {}; grace {}, min_exception {}.\n",
        md_escape(source),
        time::fmt_duration(ex.grace),
        time::fmt_duration(ex.min_exception)
    ));
    out
}

// ---------------------------------------------------------------- json

fn num_s(ms: Ms) -> Num {
    Num(time::ms_to_seconds(ms))
}

#[derive(Serialize)]
struct JsonOut<'a> {
    rules: JsonRules<'a>,
    shifts: Vec<JsonShift<'a>>,
}

#[derive(Serialize)]
struct JsonRules<'a> {
    grace_seconds: Num,
    min_exception_seconds: Num,
    productive_states: &'a [String],
}

#[derive(Serialize)]
struct JsonShift<'a> {
    agent: &'a str,
    agent_id: Option<i64>,
    employee_id: Option<&'a str>,
    login_name: Option<&'a str>,
    team: Option<&'a str>,
    timezone: &'a str,
    shift_date: String,
    shift_start: String,
    shift_end: String,
    /// The shifts view's figures, under its field names.
    figures: JsonFigures,
    segments: Vec<JsonSegment<'a>>,
    runs: Vec<JsonRun>,
    late: JsonLate<'a>,
    early_logout: JsonEarly<'a>,
    conformance: JsonConformance<'a>,
}

#[derive(Serialize)]
struct JsonFigures {
    scheduled_seconds: Num,
    in_adherence_seconds: Num,
    out_of_adherence_seconds: Num,
    unknown_seconds: Num,
    adherence_pct: Option<Num>,
    exception_count: u32,
    adjusted_adherence_pct: Option<Num>,
    productive_scheduled_seconds: Num,
    productive_actual_seconds: Num,
    conformance_pct: Option<Num>,
    late_seconds: Option<Num>,
    early_logout_seconds: Option<Num>,
    is_late: Option<bool>,
    is_early_logout: Option<bool>,
    no_show: bool,
    logged_in_seconds: Num,
    first_login: Option<String>,
    last_logout: Option<String>,
    /// Not a shifts-view field: Σ out-of-adherence runs shorter than `min_exception`.
    forgiven_seconds: Num,
}

#[derive(Serialize)]
struct JsonSegment<'a> {
    start: String,
    end: String,
    seconds: Num,
    activity: Option<&'a str>,
    state: &'a str,
    verdict: &'static str,
    decided_by: &'a str,
    /// `file:line` of the applying schedule row.
    schedule_row: Option<String>,
    /// 1-based number of the out-of-adherence run this piece belongs to.
    run: Option<u32>,
}

#[derive(Serialize)]
struct JsonRun {
    number: u32,
    start: String,
    end: String,
    seconds: Num,
    exception: bool,
}

#[derive(Serialize)]
struct JsonLate<'a> {
    r: Option<String>,
    state_at_r: Option<&'a str>,
    first_login_from_r: Option<String>,
}

#[derive(Serialize)]
struct JsonEarly<'a> {
    e: Option<String>,
    state_before_e: Option<&'a str>,
    last_logout_to_e: Option<String>,
}

#[derive(Serialize)]
struct JsonConformance<'a> {
    window_start: String,
    window_end: String,
    states: Vec<JsonWindowPiece<'a>>,
}

#[derive(Serialize)]
struct JsonWindowPiece<'a> {
    start: String,
    end: String,
    seconds: Num,
    state: &'a str,
    productive: bool,
}

fn json(ex: &Explanations) -> JsonOut<'_> {
    let l = &ex.labels;
    let inst = time::fmt_instant;
    let shifts = ex
        .shifts
        .iter()
        .map(|sx| {
            let id = &sx.identity;
            let f = &sx.figures;
            let d = &sx.derived;
            let pct = |p: Option<f64>| p.map(Num);
            JsonShift {
                agent: &id.agent,
                agent_id: id.agent_id,
                employee_id: id.employee_id.as_deref(),
                login_name: id.login_name.as_deref(),
                team: id.team.as_deref(),
                timezone: id.zone.name(),
                shift_date: time::fmt_day(id.shift_date),
                shift_start: inst(id.shift_start),
                shift_end: inst(id.shift_end),
                figures: JsonFigures {
                    scheduled_seconds: num_s(f.scheduled),
                    in_adherence_seconds: num_s(f.in_adherence),
                    out_of_adherence_seconds: num_s(f.out_of_adherence),
                    unknown_seconds: num_s(f.unknown),
                    adherence_pct: pct(f.adherence_pct()),
                    exception_count: f.exception_count,
                    adjusted_adherence_pct: pct(f.adjusted_adherence_pct()),
                    productive_scheduled_seconds: num_s(f.productive_scheduled),
                    productive_actual_seconds: num_s(f.productive_actual),
                    conformance_pct: pct(f.conformance_pct()),
                    late_seconds: f.late.map(num_s),
                    early_logout_seconds: f.early_logout.map(num_s),
                    is_late: f.late.map(|x| x > ex.grace),
                    is_early_logout: f.early_logout.map(|x| x > ex.grace),
                    no_show: f.no_show,
                    logged_in_seconds: num_s(f.logged_in),
                    first_login: f.first_login.map(inst),
                    last_logout: f.last_logout.map(inst),
                    forgiven_seconds: num_s(f.forgiven),
                },
                segments: sx
                    .segments
                    .iter()
                    .map(|s| JsonSegment {
                        start: inst(s.start),
                        end: inst(s.end),
                        seconds: num_s(s.end - s.start),
                        activity: s.activity.map(|a| l.activities[a as usize].as_str()),
                        state: &l.states[s.state as usize],
                        verdict: s.verdict.name(),
                        decided_by: &l.rules[s.rule as usize],
                        schedule_row: s.row.map(|_| row_source(ex, s.row)),
                        run: s.run.map(|r| r + 1),
                    })
                    .collect(),
                runs: sx
                    .runs
                    .iter()
                    .enumerate()
                    .map(|(i, r)| JsonRun {
                        number: i as u32 + 1,
                        start: inst(r.start),
                        end: inst(r.end),
                        seconds: num_s(r.end - r.start),
                        exception: r.exception,
                    })
                    .collect(),
                late: JsonLate {
                    r: d.r.map(inst),
                    state_at_r: d.state_at_r.map(|i| l.states[i as usize].as_str()),
                    first_login_from_r: d.login_after_r.map(inst),
                },
                early_logout: JsonEarly {
                    e: d.e.map(inst),
                    state_before_e: d.state_before_e.map(|i| l.states[i as usize].as_str()),
                    last_logout_to_e: d.logout_before_e.map(inst),
                },
                conformance: JsonConformance {
                    window_start: inst(d.window.0),
                    window_end: inst(d.window.1),
                    states: sx
                        .window_states
                        .iter()
                        .map(|w| JsonWindowPiece {
                            start: inst(w.start),
                            end: inst(w.end),
                            seconds: num_s(w.end - w.start),
                            state: &l.states[w.state as usize],
                            productive: w.productive,
                        })
                        .collect(),
                },
            }
        })
        .collect();
    JsonOut {
        rules: JsonRules {
            grace_seconds: num_s(ex.grace),
            min_exception_seconds: num_s(ex.min_exception),
            productive_states: &ex.productive_states,
        },
        shifts,
    }
}
