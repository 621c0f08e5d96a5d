//! HTML: the whole report as one self-contained page — no network, no CDN (a Content
//! Security Policy forbids every load), system fonts, styles and script inline — so it opens
//! from a CI artifact on any machine.
//!
//! Sections: overview cards with the targets, the team table, a sortable agent table, per
//! agent-day timelines (scheduled activities above actual states, verdicts and exceptions
//! marked; SVG), an interval heatmap of adherence, time in state by reason, and the longest
//! exceptions. The tables, heatmap and bars are written here; the timelines are embedded as
//! compact JSON and drawn by a small script on demand — one agent (or one date) at a time —
//! so a month of 500 agents stays light. Responsive CSS for phones and print CSS for paper.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::columns::{dates, f64s, strs};
use super::digest::{Digest, Row};
use super::{Document, Exporter, Output};
use crate::adherence::explain::{ActivityKind, Explanations, Verdict};
use crate::adherence::Report;
use crate::error::{Error, Result};
use crate::time::{self, Ms};

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// How many of the longest exceptions the page lists.
const TOP_EXCEPTIONS: usize = 25;

pub struct Html<'a> {
    pub doc: Option<&'a Document>,
}

impl Exporter for Html<'_> {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let report = out.report.ok_or_else(|| Error::usage("--format html needs a whole report"))?;
        Ok(page(report, self.doc).into_bytes())
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn pct(p: Option<f64>) -> String {
    p.map_or("–".to_string(), |p| format!("{p:.1}%"))
}

fn hours(seconds: f64) -> String {
    let h = seconds / 3600.0;
    if h >= 100.0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.1} h")
    }
}

/// A `data-v` attribute for sorting (empty for null).
fn dv(v: Option<f64>) -> String {
    format!(" data-v=\"{}\"", v.map_or(String::new(), |v| format!("{v}")))
}

fn period_text(p: Option<(i64, i64)>) -> String {
    p.map_or(
        "no shifts".to_string(),
        |(a, b)| {
            if a == b {
                time::fmt_day(a)
            } else {
                format!("{} to {}", time::fmt_day(a), time::fmt_day(b))
            }
        },
    )
}

fn team_name(t: &Option<String>) -> String {
    t.as_deref().map_or("<span class=\"muted\">(no team)</span>".to_string(), esc)
}

fn agent_link(key: &str) -> String {
    format!("<a href=\"#agent={}\">{}</a>", utf8_percent_encode(key, NON_ALPHANUMERIC), esc(key))
}

fn page(report: &Report, doc: Option<&Document>) -> String {
    let d = Digest::new(report, doc);
    let period = period_text(d.period);
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"adhere {}\">\n<title>Adherence report: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&period)
    );
    header(&mut h, report, &d, &period);
    h.push_str("<main>\n");
    overview(&mut h, report, &d);
    teams(&mut h, &d);
    agents(&mut h, &d);
    timelines(&mut h, doc.and_then(|x| x.explanations.as_ref()));
    heatmap(&mut h, report, doc.map_or(30, |d| (d.interval / time::MINUTE).max(1)));
    states(&mut h, &d);
    exceptions(&mut h, &d);
    if !report.warnings.is_empty() {
        let _ = write!(
            h,
            "<details><summary>{} warning{}</summary><ul>",
            report.warnings.len(),
            if report.warnings.len() == 1 { "" } else { "s" }
        );
        for w in &report.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</main>\n");
    footer(&mut h, doc);
    if let Some(ex) = doc.and_then(|x| x.explanations.as_ref()) {
        h.push_str("<script id=\"adhere-data\" type=\"application/json\">");
        h.push_str(&timeline_data(ex, &d));
        h.push_str("</script>\n");
    }
    let _ = write!(h, "<script>\n{JS}</script>\n</body>\n</html>\n");
    h
}

fn header(h: &mut String, report: &Report, d: &Digest, period: &str) {
    let o = &report.overall;
    let _ = write!(
        h,
        "<header>\n<h1>Adherence report</h1>\n<p class=\"sub\">{} · {} agent{} · {} shift{} · {} scheduled</p>\n",
        esc(period),
        o.agents,
        if o.agents == 1 { "" } else { "s" },
        o.shifts,
        if o.shifts == 1 { "" } else { "s" },
        hours(o.scheduled_seconds)
    );
    if !d.checks.is_empty() {
        let (class, text) = if d.passed() { ("pass", "All targets met") } else { ("fail", "Target missed") };
        let _ = write!(h, "<div class=\"verdict {class}\">{text}</div>\n<ul class=\"checks\">");
        for c in &d.checks {
            let mark = match c.passed {
                Some(true) => "✅",
                Some(false) => "❌",
                None => "⚠️",
            };
            let _ = write!(h, "<li>{mark} {}</li>", esc(&c.describe()));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(
        "<nav class=\"toc\"><a href=\"#overview\">Overview</a><a href=\"#teams\">Teams</a><a href=\"#agents\">Agents</a>\
         <a href=\"#timelines\">Timelines</a><a href=\"#heatmap\">Interval heatmap</a><a href=\"#states\">Time in state</a>\
         <a href=\"#exceptions\">Longest exceptions</a></nav>\n</header>\n",
    );
}

fn card(h: &mut String, key: &str, value: &str, note: &str, class: &str) {
    let _ = write!(
        h,
        "<div class=\"card {class}\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"n\">{}</div></div>",
        esc(key),
        esc(value),
        esc(note)
    );
}

fn overview(h: &mut String, report: &Report, d: &Digest) {
    let o = &report.overall;
    h.push_str("<section id=\"overview\"><h2>Overview</h2><div class=\"cards\">");
    let overall_check = d.checks.iter().find(|c| c.team.is_none());
    let (class, note) = match overall_check {
        Some(c) => (
            match c.passed {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "",
            },
            format!("target {}%", c.target_pct),
        ),
        None => ("", "short blips forgiven".to_string()),
    };
    card(h, "Adjusted adherence", &pct(o.adjusted_adherence_pct), &note, class);
    card(h, "Adherence", &pct(o.adherence_pct), "in ÷ (in + out)", "");
    card(h, "Conformance", &pct(o.conformance_pct), "productive worked ÷ scheduled", "");
    card(h, "Scheduled", &hours(o.scheduled_seconds), &format!("{} unknown", hours(o.unknown_seconds)), "");
    card(h, "Late", &o.late_count.to_string(), "shifts beyond grace", "");
    card(h, "Early logout", &o.early_logout_count.to_string(), "shifts beyond grace", "");
    card(h, "No-show", &o.no_show_count.to_string(), "shifts never logged in", "");
    card(h, "Exceptions", &o.exception_count.to_string(), &format!("out of adherence {}", hours(o.out_of_adherence_seconds)), "");
    h.push_str("</div></section>\n");
}

fn status_cell(passed: Option<bool>) -> &'static str {
    match passed {
        Some(true) => "<td class=\"ok\">met</td>",
        Some(false) => "<td class=\"miss\">missed</td>",
        None => "<td></td>",
    }
}

fn teams(h: &mut String, d: &Digest) {
    h.push_str("<section id=\"teams\"><h2>Teams</h2>");
    if d.teams.is_empty() {
        h.push_str("<p class=\"muted\">No shifts.</p></section>\n");
        return;
    }
    let with_target = d.teams.iter().any(|t| t.target_pct.is_some());
    h.push_str(
        "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>team</th><th class=\"num\">agents</th><th class=\"num\">shifts</th>\
         <th class=\"num\">adherence</th><th class=\"num\">adjusted</th><th class=\"num\">conformance</th><th class=\"num\">late</th>\
         <th class=\"num\">early logout</th><th class=\"num\">no-show</th><th class=\"num\">exceptions</th>",
    );
    if with_target {
        h.push_str("<th class=\"num\">target</th><th>status</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for t in &d.teams {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\"{}>{}</td><td class=\"num\"{}><b>{}</b></td>\
             <td class=\"num\"{}>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            team_name(&t.name),
            t.agents,
            t.shifts,
            dv(t.adherence_pct),
            pct(t.adherence_pct),
            dv(t.adjusted_adherence_pct),
            pct(t.adjusted_adherence_pct),
            dv(t.conformance_pct),
            pct(t.conformance_pct),
            t.late_count,
            t.early_logout_count,
            t.no_show_count,
            t.exception_count,
        );
        if with_target {
            let _ = write!(
                h,
                "<td class=\"num\"{}>{}</td>{}",
                dv(t.target_pct),
                t.target_pct.map_or(String::new(), |p| format!("{p}%")),
                status_cell(t.passed())
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div></section>\n");
}

fn agents(h: &mut String, d: &Digest) {
    let with_target = d.agents.iter().any(|a| a.target_pct.is_some());
    let _ = write!(
        h,
        "<section id=\"agents\"><h2>Agents</h2><div class=\"controls noprint\"><input id=\"agent-filter\" type=\"search\" \
         placeholder=\"Filter agents or teams\" aria-label=\"Filter agents or teams\"><span class=\"muted\">{} agent{} · click a column to sort, \
         an agent to see its timelines</span></div>",
        d.agents.len(),
        if d.agents.len() == 1 { "" } else { "s" }
    );
    h.push_str(
        "<div class=\"scroll tall\"><table id=\"agents-table\" class=\"sortable\"><thead><tr><th>agent</th><th>team</th><th class=\"num\">shifts</th>\
         <th class=\"num\">adherence</th><th class=\"num\">adjusted</th><th class=\"num\">conformance</th>",
    );
    if with_target {
        h.push_str("<th class=\"num\">target</th><th class=\"num\">gap</th>");
    }
    h.push_str(
        "<th class=\"num\">late</th><th class=\"num\">early logout</th><th class=\"num\">no-show</th><th class=\"num\">exceptions</th>\
         <th class=\"num\">unknown</th></tr></thead><tbody>",
    );
    for a in &d.agents {
        agent_row(h, a, with_target);
    }
    h.push_str("</tbody></table></div></section>\n");
}

fn agent_row(h: &mut String, a: &Row, with_target: bool) {
    let miss = a.passed() == Some(false);
    let _ = write!(
        h,
        "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\"{}>{}</td><td class=\"num\"{}><b>{}</b></td><td class=\"num\"{}>{}</td>",
        if miss { " class=\"miss\"" } else { "" },
        match &a.full_name {
            Some(full) => format!("{} <span class=\"muted\">{}</span>", agent_link(a.name.as_deref().unwrap_or("")), esc(full)),
            None => agent_link(a.name.as_deref().unwrap_or("")),
        },
        a.team.as_deref().map(esc).unwrap_or_default(),
        a.shifts,
        dv(a.adherence_pct),
        pct(a.adherence_pct),
        dv(a.adjusted_adherence_pct),
        pct(a.adjusted_adherence_pct),
        dv(a.conformance_pct),
        pct(a.conformance_pct),
    );
    if with_target {
        let _ = write!(
            h,
            "<td class=\"num\"{}>{}</td><td class=\"num gap\"{}>{}</td>",
            dv(a.target_pct),
            a.target_pct.map_or(String::new(), |p| format!("{p}%")),
            dv(a.gap()),
            a.gap().map_or(String::new(), |g| format!("{g:+.1}"))
        );
    }
    let _ = write!(
        h,
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\"{}>{}</td></tr>",
        a.late_count,
        a.early_logout_count,
        a.no_show_count,
        a.exception_count,
        dv(Some(a.unknown_seconds)),
        hours(a.unknown_seconds)
    );
}

fn legend_item(h: &mut String, color: &str, label: &str) {
    let _ = write!(h, "<span><i style=\"background:{color}\"></i>{}</span>", esc(label));
}

fn timelines(h: &mut String, ex: Option<&Explanations>) {
    h.push_str("<section id=\"timelines\"><h2>Timelines</h2>");
    if ex.is_none() {
        h.push_str("<p class=\"muted\">Timelines are not part of this rendering.</p></section>\n");
        return;
    }
    h.push_str(
        "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>\
         <pattern id=\"adh-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#f8f9fa\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#adb5bd\" stroke-width=\"2\"/></pattern></defs></svg>\
         <div class=\"controls\"><label for=\"tl-agent\">Agent</label><select id=\"tl-agent\"><option value=\"\">every agent (pick a date)</option></select>\
         <button type=\"button\" id=\"tl-prev\" aria-label=\"Previous agent\">◀</button><button type=\"button\" id=\"tl-next\" aria-label=\"Next agent\">▶</button>\
         <label for=\"tl-date\">Date</label><select id=\"tl-date\"><option value=\"\">every date</option></select><span id=\"tl-info\" class=\"muted\"></span></div>\
         <div class=\"legend\">",
    );
    legend_item(h, "#5c7cfa", "scheduled productive");
    legend_item(h, "#fcc419", "scheduled break / other");
    legend_item(h, "#ced4da", "time off");
    legend_item(h, "#2f9e44", "online / in adherence");
    legend_item(h, "#1c7ed6", "occupied");
    legend_item(h, "#f08c00", "away");
    legend_item(h, "#868e96", "offline");
    legend_item(h, "#f1f3f5", "logged out");
    legend_item(h, "#e03131", "out of adherence / exception");
    h.push_str(
        "<span>dashed lines: shift start and end · hover a bar for times · hatched: unknown state</span></div>\
         <div id=\"tl-days\"><p class=\"muted\">The timelines need JavaScript.</p></div></section>\n",
    );
}

/// Colour of an adherence percentage: red at 70% and below, through amber, to green at 100%.
fn heat_colour(p: f64) -> String {
    let x = ((p - 70.0) / 30.0).clamp(0.0, 1.0);
    format!("hsl({:.0},70%,{:.0}%)", x * 125.0, 52.0 - 8.0 * x)
}

fn heatmap(h: &mut String, report: &Report, step_minutes: i64) {
    h.push_str("<section id=\"heatmap\"><h2>Interval heatmap</h2>");
    let iv = &report.intervals;
    let (day, local) = (dates(iv, "date"), strs(iv, "local_time"));
    let (inn, out, unk) = (f64s(iv, "in_adherence_seconds"), f64s(iv, "out_of_adherence_seconds"), f64s(iv, "unknown_seconds"));
    // (date, local time) → (in, out, unknown) seconds, summed over agents.
    let mut cells: BTreeMap<(i64, String), (f64, f64, f64)> = BTreeMap::new();
    for i in 0..iv.height() {
        if let (Some(d), Some(t)) = (day[i], &local[i]) {
            let c = cells.entry((d, t.clone())).or_default();
            c.0 += inn[i].unwrap_or(0.0);
            c.1 += out[i].unwrap_or(0.0);
            c.2 += unk[i].unwrap_or(0.0);
        }
    }
    if cells.is_empty() {
        h.push_str("<p class=\"muted\">No interval holds scheduled time.</p></section>\n");
        return;
    }
    let mut days: Vec<i64> = cells.keys().map(|k| k.0).collect();
    days.dedup();
    // Columns: every grid slot from the earliest to the latest local time seen, so the axis
    // is regular even where no one was scheduled.
    let minute = |s: &str| -> i64 {
        s.get(..2).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0) * 60 + s.get(3..5).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0)
    };
    let lo = cells.keys().map(|k| minute(&k.1)).min().unwrap_or(0);
    let hi = cells.keys().map(|k| minute(&k.1)).max().unwrap_or(0);
    let slots: Vec<String> =
        (0..).map(|i| lo + i * step_minutes).take_while(|&m| m <= hi).map(|m| format!("{:02}:{:02}", m / 60, m % 60)).collect();
    let (ch, left, top) = (16.0, 96.0, 22.0);
    let cw = (880.0 / slots.len().max(1) as f64).clamp(12.0, 30.0).floor();
    let width = left + cw * slots.len() as f64 + 4.0;
    let height = top + ch * days.len() as f64 + 4.0;
    let _ = write!(
        h,
        "<p class=\"sub\">Adherence of every agent's scheduled time per local interval (each agent in its own zone); \
         hover a cell for its figures; grey: only unknown state.</p><div class=\"scroll heat\"><svg \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Interval adherence heatmap\">"
    );
    for (j, s) in slots.iter().enumerate() {
        if s.ends_with(":00") && (cw * 60.0 / step_minutes as f64 >= 22.0 || s[..2].parse::<u32>().unwrap_or(0) % 2 == 0) {
            let _ = write!(h, "<text x=\"{:.1}\" y=\"14\" font-size=\"10\" fill=\"#616e7c\">{}</text>", left + cw * j as f64, &s[..2]);
        }
    }
    for (r, d) in days.iter().enumerate() {
        let y = top + ch * r as f64;
        let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][d.rem_euclid(7) as usize];
        let _ = write!(h, "<text x=\"0\" y=\"{:.1}\" font-size=\"11\" fill=\"#616e7c\">{wd} {}</text>", y + 12.0, time::fmt_day(*d));
        for (j, s) in slots.iter().enumerate() {
            let Some(&(i, o, u)) = cells.get(&(*d, s.clone())) else { continue };
            let x = left + cw * j as f64;
            let (fill, title) = if i + o > 0.0 {
                let p = 100.0 * i / (i + o);
                (
                    heat_colour(p),
                    format!("{} {s}: adherence {p:.1}% (in {}, out {}, unknown {})", time::fmt_day(*d), dur(i), dur(o), dur(u)),
                )
            } else {
                ("#dee2e6".to_string(), format!("{} {s}: unknown state only ({})", time::fmt_day(*d), dur(u)))
            };
            let _ = write!(
                h,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{}</title></rect>",
                cw - 1.0,
                ch - 1.0,
                esc(&title)
            );
        }
    }
    h.push_str("</svg></div><div class=\"legend\">");
    for p in [70.0, 80.0, 90.0, 95.0, 100.0] {
        legend_item(h, &heat_colour(p), &format!("{}{p}%", if p == 70.0 { "≤ " } else { "" }));
    }
    h.push_str("</div></section>\n");
}

fn dur(seconds: f64) -> String {
    time::fmt_duration((seconds * 1000.0).round() as Ms)
}

fn state_colour(token: &str) -> &'static str {
    match token.split(':').next().unwrap_or("") {
        "online" => "#2f9e44",
        "occupied" => "#1c7ed6",
        "away" => "#f08c00",
        "offline" => "#868e96",
        _ => "#adb5bd",
    }
}

fn states(h: &mut String, d: &Digest) {
    h.push_str("<section id=\"states\"><h2>Time in state</h2>");
    let total: f64 = d.states.iter().map(|s| s.seconds).sum();
    if total <= 0.0 {
        h.push_str("<p class=\"muted\">No logged-in time.</p></section>\n");
        return;
    }
    let _ = write!(
        h,
        "<p class=\"sub\">Logged-in time of every agent by state and away reason over the report's dates ({} in all).</p><div class=\"bars\">",
        hours(total)
    );
    for s in &d.states {
        let share = 100.0 * s.seconds / total;
        let _ = write!(
            h,
            "<span>{}</span><span class=\"track\"><span class=\"fill\" style=\"width:{share:.2}%;background:{}\"></span></span>\
             <span class=\"val\">{} · {share:.1}% · {} entr{}</span>",
            esc(&s.state),
            state_colour(&s.state),
            hours(s.seconds),
            s.entries,
            if s.entries == 1 { "y" } else { "ies" }
        );
    }
    h.push_str("</div></section>\n");
}

fn exceptions(h: &mut String, d: &Digest) {
    h.push_str("<section id=\"exceptions\"><h2>Longest exceptions</h2>");
    if d.exceptions.is_empty() {
        h.push_str("<p class=\"muted\">No exceptions.</p></section>\n");
        return;
    }
    let _ = write!(
        h,
        "<p class=\"sub\">{} exception{} in all; the {} longest (times local to the shift's zone).</p>",
        d.exceptions.len(),
        if d.exceptions.len() == 1 { "" } else { "s" },
        d.exceptions.len().min(TOP_EXCEPTIONS)
    );
    h.push_str(
        "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>agent</th><th>team</th><th>shift date</th><th>start</th><th>end</th>\
         <th class=\"num\">length</th><th>scheduled</th><th>actual</th></tr></thead><tbody>",
    );
    for e in d.exceptions.iter().take(TOP_EXCEPTIONS) {
        let local = |t: Ms| time::fmt_hhmm(e.zone.local_ms(t));
        let date = e.shift_date.map_or(String::new(), time::fmt_day);
        let _ = write!(
            h,
            "<tr><td><a href=\"#agent={}&amp;date={date}\">{}</a></td><td>{}</td><td>{date}</td><td>{}</td><td>{}</td><td class=\"num\"{}>{}</td><td>{}</td><td>{}</td></tr>",
            utf8_percent_encode(&e.agent, NON_ALPHANUMERIC),
            esc(&e.agent),
            e.team.as_deref().map(esc).unwrap_or_default(),
            local(e.start),
            local(e.end),
            dv(Some(e.duration_seconds)),
            dur(e.duration_seconds),
            esc(&e.activity),
            esc(&e.state)
        );
    }
    h.push_str("</tbody></table></div></section>\n");
}

fn footer(h: &mut String, doc: Option<&Document>) {
    let _ = write!(h, "<footer>Generated by adhere {}", env!("CARGO_PKG_VERSION"));
    if let Some(d) = doc {
        let _ = write!(
            h,
            " · rules: {} · grace {} · out-of-adherence runs shorter than {} are forgiven in adjusted adherence",
            esc(&d.rules_source),
            time::fmt_duration(d.grace),
            time::fmt_duration(d.min_exception)
        );
    }
    h.push_str(" · figures are sums of seconds divided, never averages of percentages.</footer>\n");
}

// ---------------------------------------------------------------- timeline data

fn push_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("string"));
}

fn push_opt(out: &mut String, v: Option<f64>) {
    match v {
        Some(x) => {
            let _ = write!(out, "{}", (x * 10.0).round() / 10.0);
        }
        None => out.push_str("null"),
    }
}

/// The timelines as compact JSON for the script:
/// `{"states":[token…], "sbase":[base state…], "acts":[name…], "kinds":["p"|"c"|"o"…],
///   "agents":[[key, team, adjusted %]…], "first": agent to show first,
///   "shifts":[[agent, date, w0, span, ss, se, offsets, sched, actual, verdicts, exceptions, m]…]}`
/// Times are whole seconds: `w0` is the start of the drawn range (epoch seconds), every other
/// time is relative to it; lanes are strings of compact numbers ([`push_varint`]): `sched`,
/// `actual` and `verdicts` are (duration, code + 1) pairs — `sched` and `verdicts` from `ss`,
/// `actual` from the last item —, `exceptions` (start, duration) pairs; `offsets` is
/// `[utc offset minutes, (relative time, new offset)…]`; `m` is `[adherence, adjusted,
/// conformance, late s, early s, is_late, is_early, no_show, exceptions]`.
fn timeline_data(ex: &Explanations, d: &Digest) -> String {
    let l = &ex.labels;
    let mut o = String::with_capacity(256 * ex.shifts.len() + 4096);
    o.push_str("{\"states\":[");
    for (i, s) in l.states.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        push_json_str(&mut o, s);
    }
    o.push_str("],\"sbase\":[");
    for (i, s) in l.states.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        push_json_str(&mut o, s.split(':').next().unwrap_or(""));
    }
    o.push_str("],\"acts\":[");
    for (i, s) in l.activities.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        push_json_str(&mut o, s);
    }
    o.push_str("],\"kinds\":[");
    for (i, k) in l.activity_kind.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str(match k {
            ActivityKind::Productive => "\"p\"",
            ActivityKind::Counted => "\"c\"",
            ActivityKind::TimeOff => "\"o\"",
        });
    }
    // Agents in the agents view's order; shifts refer to them by position.
    let mut agent_pos: Vec<(usize, usize)> = Vec::new(); // (schedule agent index, position)
    o.push_str("],\"agents\":[");
    let adjusted: std::collections::HashMap<&str, Option<f64>> =
        d.agents.iter().filter_map(|a| Some((a.name.as_deref()?, a.adjusted_adherence_pct))).collect();
    let mut first: Option<(f64, usize)> = None;
    for sx in &ex.shifts {
        if agent_pos.last().map(|p| p.0) != Some(sx.agent) {
            let pos = agent_pos.len();
            agent_pos.push((sx.agent, pos));
            if pos > 0 {
                o.push(',');
            }
            o.push('[');
            push_json_str(&mut o, &sx.identity.agent);
            o.push(',');
            match &d.agents.iter().find(|a| a.name.as_deref() == Some(sx.identity.agent.as_str())).and_then(|a| a.team.clone()) {
                Some(t) => push_json_str(&mut o, t),
                None => o.push_str("null"),
            }
            o.push(',');
            let adj = adjusted.get(sx.identity.agent.as_str()).copied().flatten();
            push_opt(&mut o, adj);
            o.push(']');
            // The agent shown first: the lowest adjusted adherence (ties: the first in order).
            if let Some(p) = adj {
                if first.is_none_or(|(best, _)| p < best) {
                    first = Some((p, pos));
                }
            }
        }
    }
    let _ = write!(
        o,
        "],\"first\":{},\"shifts\":[",
        first.map_or(if agent_pos.is_empty() { "null".to_string() } else { "0".to_string() }, |f| f.1.to_string())
    );

    for (n, sx) in ex.shifts.iter().enumerate() {
        let pos = agent_pos.iter().rev().find(|p| p.0 == sx.agent).map_or(0, |p| p.1);
        let id = &sx.identity;
        // Drawn range: the conformance window, widened to the shift if shifts overlap.
        let (ws, we) = sx.derived.window;
        let (w0, w1) = (ws.min(id.shift_start), we.max(id.shift_end));
        // Whole seconds relative to the window start, rounded, so lanes add up exactly.
        let rel = |t: Ms| (t - w0 + 500).div_euclid(1000);
        let w0s = w0.div_euclid(1000);
        if n > 0 {
            o.push(',');
        }
        let _ = write!(o, "[{pos},\"{}\",{w0s},{},{},{},", time::fmt_day(id.shift_date), rel(w1), rel(id.shift_start), rel(id.shift_end));
        // Offsets (minutes) and where they change inside the window.
        let z = &id.zone;
        let (o0, o1) = (z.offset_at(w0), z.offset_at(w1 - 1));
        if o0 == o1 {
            let _ = write!(o, "[{}],", o0 / 60);
        } else {
            let (mut lo, mut hi) = (w0, w1 - 1);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if z.offset_at(mid) == o0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let _ = write!(o, "[{},{},{}],", o0 / 60, rel(hi), o1 / 60);
        }
        // Scheduled lane.
        let mut lane: Vec<(Ms, Ms, i64)> = Vec::new();
        for g in &sx.segments {
            let code = g.activity.map_or(-1, |a| a as i64);
            match lane.last_mut() {
                Some(last) if last.2 == code && last.1 == g.start => last.1 = g.end,
                _ => lane.push((g.start, g.end, code)),
            }
        }
        write_lane(&mut o, &lane, rel);
        o.push(',');
        let lane: Vec<(Ms, Ms, i64)> = sx.window_states.iter().map(|w| (w.start, w.end, w.state as i64)).collect();
        write_lane(&mut o, &lane, rel);
        o.push(',');
        let mut lane: Vec<(Ms, Ms, i64)> = Vec::new();
        for g in &sx.segments {
            let code = match g.verdict {
                Verdict::In => 0,
                Verdict::Out => 1,
                Verdict::Unknown => 2,
                Verdict::Excluded => 3,
            };
            match lane.last_mut() {
                Some(last) if last.2 == code && last.1 == g.start => last.1 = g.end,
                _ => lane.push((g.start, g.end, code)),
            }
        }
        write_lane(&mut o, &lane, rel);
        o.push_str(",\"");
        for r in sx.runs.iter().filter(|r| r.exception) {
            push_varint(&mut o, rel(r.start));
            push_varint(&mut o, rel(r.end) - rel(r.start));
        }
        o.push_str("\",[");
        let f = &sx.figures;
        push_opt(&mut o, f.adherence_pct());
        o.push(',');
        push_opt(&mut o, f.adjusted_adherence_pct());
        o.push(',');
        push_opt(&mut o, f.conformance_pct());
        let secs = |v: Option<Ms>| v.map_or("null".to_string(), |x| ((x + 500).div_euclid(1000)).to_string());
        let flag = |v: Option<Ms>| v.map_or("null".to_string(), |x| ((x > ex.grace) as u8).to_string());
        let _ = write!(
            o,
            ",{},{},{},{},{},{}]]",
            secs(f.late),
            secs(f.early_logout),
            flag(f.late),
            flag(f.early_logout),
            f.no_show as u8,
            f.exception_count
        );
        o.truncate(o.len() - 1);
        let _ = write!(o, ",{}]", rel(ws.min(we)));
    }
    o.push_str("]}");
    // Keep the script element closed only where it should be: no `<` inside it at all.
    o.replace('<', "\\u003c")
}

/// Digits of the compact number encoding: a number is written in base 32, most significant
/// digit first, every digit but the last from `MORE`, the last from `LAST`; so `7` is `"7"`,
/// `40` is `"B8"`. The script's `dec` reads it back. It halves the size of the timelines.
const LAST: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
const MORE: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ@^_~|.";

/// Writes a non-negative number (negative ones are written as 0).
fn push_varint(o: &mut String, v: i64) {
    let mut v = v.max(0) as u64;
    let mut digits = [0u8; 13];
    let mut n = 0;
    loop {
        digits[n] = (v % 32) as u8;
        n += 1;
        v /= 32;
        if v == 0 {
            break;
        }
    }
    for i in (1..n).rev() {
        o.push(MORE[digits[i] as usize] as char);
    }
    o.push(LAST[digits[0] as usize] as char);
}

/// Writes a lane as a string of (duration, code + 1) pairs in whole seconds from its first
/// start (code −1, nothing scheduled, is written as 0).
fn write_lane(o: &mut String, lane: &[(Ms, Ms, i64)], rel: impl Fn(Ms) -> Ms) {
    o.push('"');
    for (s, e, c) in lane {
        push_varint(o, rel(*e) - rel(*s));
        push_varint(o, c + 1);
    }
    o.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The script's decoder, in Rust.
    fn dec(s: &str) -> Vec<i64> {
        let mut out = Vec::new();
        let mut v = 0i64;
        for c in s.bytes() {
            if let Some(d) = MORE.iter().position(|&x| x == c) {
                v = v * 32 + d as i64;
            } else {
                let d = LAST.iter().position(|&x| x == c).expect("digit");
                out.push(v * 32 + d as i64);
                v = 0;
            }
        }
        out
    }

    #[test]
    fn compact_numbers_read_back() {
        let values = [0, 1, 7, 31, 32, 40, 1023, 1024, 3599, 86_400, 1 << 40];
        let mut s = String::new();
        for v in values {
            push_varint(&mut s, v);
        }
        assert_eq!(dec(&s), values);
        let mut s = String::new();
        push_varint(&mut s, 40);
        assert_eq!(s, "B8");
        // Nothing a script element or a JSON string would choke on.
        assert!(!LAST.iter().chain(MORE.iter()).any(|c| b"<>&\\\"'".contains(c)));
    }
}
