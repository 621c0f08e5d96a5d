//! Markdown: a one-page summary of the whole report for a CI step summary
//! (`$GITHUB_STEP_SUMMARY`) or a pull-request comment — the period, overall and per-team
//! adherence (raw and adjusted side by side), conformance, late / early-logout / no-show
//! counts, the targets, the agents furthest below target and the longest exceptions.
//! Deterministic: the same report gives the same bytes. Percentages are rounded to one
//! decimal for display (the data formats keep them unrounded).

use std::fmt::Write as _;

use super::digest::{Digest, Row};
use super::explain::md_escape;
use super::{Exporter, Output};
use crate::error::{Error, Result};
use crate::time;

/// How many agents and exceptions the summary lists.
pub const TOP: usize = 10;

pub struct Markdown<'a> {
    pub doc: Option<&'a super::Document>,
}

fn pct(p: Option<f64>) -> String {
    p.map_or("–".to_string(), |p| format!("{p:.1}%"))
}

fn hours(seconds: f64) -> String {
    format!("{:.1} h", seconds / 3600.0)
}

fn target(t: Option<f64>) -> String {
    t.map_or("–".to_string(), |t| format!("{t}%"))
}

fn status(passed: Option<bool>) -> &'static str {
    match passed {
        Some(true) => "✅ met",
        Some(false) => "❌ **missed**",
        None => "–",
    }
}

fn name(n: &Option<String>) -> String {
    n.as_deref().map_or("*(no team)*".to_string(), md_escape)
}

impl Exporter for Markdown<'_> {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let report = out.report.ok_or_else(|| Error::usage("--format markdown needs a whole report"))?;
        let d = Digest::new(report, self.doc);
        let o = &report.overall;
        let mut s = String::new();
        let w = &mut s;

        let period = d.period.map_or("no shifts".to_string(), |(a, b)| {
            if a == b {
                time::fmt_day(a)
            } else {
                format!("{} to {}", time::fmt_day(a), time::fmt_day(b))
            }
        });
        let _ = writeln!(w, "# Adherence report: {period}\n");
        let _ = writeln!(
            w,
            "**{} agent{}, {} shift{}, {} scheduled** ({} with unknown state, left out of the ratios)\n",
            o.agents,
            if o.agents == 1 { "" } else { "s" },
            o.shifts,
            if o.shifts == 1 { "" } else { "s" },
            hours(o.scheduled_seconds),
            hours(o.unknown_seconds)
        );
        let _ = writeln!(w, "| | adherence | adjusted adherence | conformance | late | early logout | no-show | exceptions |");
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|");
        let _ = writeln!(
            w,
            "| **Overall** | {} | **{}** | {} | {} | {} | {} | {} |\n",
            pct(o.adherence_pct),
            pct(o.adjusted_adherence_pct),
            pct(o.conformance_pct),
            o.late_count,
            o.early_logout_count,
            o.no_show_count,
            o.exception_count
        );

        if !d.checks.is_empty() {
            let verdict = if d.passed() { "✅ **All targets met.**" } else { "❌ **Target missed.**" };
            let _ = writeln!(w, "{verdict}\n");
            for c in &d.checks {
                let mark = match c.passed {
                    Some(true) => "✅",
                    Some(false) => "❌",
                    None => "⚠️",
                };
                let _ = writeln!(w, "- {mark} {}", md_escape(&c.describe()));
            }
            let _ = writeln!(w);
        }

        if !d.teams.is_empty() {
            let with_target = d.teams.iter().any(|t| t.target_pct.is_some());
            let _ = writeln!(w, "## Teams\n");
            let _ = write!(
                w,
                "| team | agents | shifts | adherence | adjusted adherence | conformance | late | early logout | no-show | exceptions |"
            );
            let _ = writeln!(w, "{}", if with_target { " target | |" } else { "" });
            let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|{}", if with_target { "---:|---|" } else { "" });
            for t in &d.teams {
                let _ = write!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    name(&t.name),
                    t.agents,
                    t.shifts,
                    pct(t.adherence_pct),
                    pct(t.adjusted_adherence_pct),
                    pct(t.conformance_pct),
                    t.late_count,
                    t.early_logout_count,
                    t.no_show_count,
                    t.exception_count,
                );
                if with_target {
                    let _ = write!(w, " {} | {} |", target(t.target_pct), status(t.passed()));
                }
                let _ = writeln!(w);
            }
            let _ = writeln!(w);
        }

        let below = d.furthest_below(TOP);
        if d.has_targets() {
            let _ = writeln!(w, "## Agents furthest below target\n");
        } else {
            let _ = writeln!(w, "## Lowest adjusted adherence\n");
        }
        if below.is_empty() {
            let _ =
                writeln!(w, "{}\n", if d.has_targets() { "Every agent meets its target." } else { "No agent has an adherence figure." });
        } else {
            agent_table(w, &below, d.has_targets());
        }

        let _ = writeln!(w, "## Longest exceptions\n");
        if d.exceptions.is_empty() {
            let _ = writeln!(w, "No exceptions.\n");
        } else {
            let _ = writeln!(w, "| agent | shift date | start | end | length | scheduled | actual |");
            let _ = writeln!(w, "|---|---|---|---|---:|---|---|");
            for e in d.exceptions.iter().take(TOP) {
                let local = |t| time::fmt_hhmm(e.zone.local_ms(t));
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    md_escape(&e.agent),
                    e.shift_date.map_or(String::new(), time::fmt_day),
                    local(e.start),
                    local(e.end),
                    time::fmt_duration((e.duration_seconds * 1000.0).round() as i64),
                    md_escape(&e.activity),
                    md_escape(&e.state)
                );
            }
            if d.exceptions.len() > TOP {
                let _ = writeln!(w, "\n…and {} more (see the exceptions view).", d.exceptions.len() - TOP);
            }
            let _ = writeln!(w);
        }

        let (grace, min_exc) = self.doc.map_or((None, None), |d| (Some(d.grace), Some(d.min_exception)));
        let mut foot = vec![format!("adhere {}", env!("CARGO_PKG_VERSION"))];
        if let Some(m) = min_exc {
            foot.push(format!("adjusted adherence forgives out-of-adherence runs shorter than {}", time::fmt_duration(m)));
        }
        if let Some(g) = grace {
            foot.push(format!("late / early logout beyond a grace of {}", time::fmt_duration(g)));
        }
        foot.push("times are local to each shift's zone".to_string());
        let _ = writeln!(w, "<sub>{}</sub>", foot.join(" · "));
        Ok(s.into_bytes())
    }
}

fn agent_table(w: &mut String, rows: &[&Row], with_target: bool) {
    if with_target {
        let _ = writeln!(
            w,
            "| agent | team | shifts | adherence | adjusted adherence | target | gap | late | early logout | no-show | exceptions |"
        );
        let _ = writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    } else {
        let _ = writeln!(w, "| agent | team | shifts | adherence | adjusted adherence | late | early logout | no-show | exceptions |");
        let _ = writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    }
    for r in rows {
        let mut cells = vec![
            match &r.full_name {
                Some(full) => format!("{} ({})", r.name.as_deref().map(md_escape).unwrap_or_default(), md_escape(full)),
                None => r.name.as_deref().map(md_escape).unwrap_or_default(),
            },
            name(&r.team),
            r.shifts.to_string(),
            pct(r.adherence_pct),
            pct(r.adjusted_adherence_pct),
        ];
        if with_target {
            cells.push(target(r.target_pct));
            cells.push(r.gap().map_or("–".to_string(), |g| format!("{g:+.1} pts")));
        }
        cells.extend([
            r.late_count.to_string(),
            r.early_logout_count.to_string(),
            r.no_show_count.to_string(),
            r.exception_count.to_string(),
        ]);
        let _ = writeln!(w, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(w);
}
