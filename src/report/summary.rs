//! `--summary-json FILE`: the headline numbers of a run for other tools — the period, the
//! overall figures, each team's figures with its target, every target checked and whether
//! the run passed. Field names are those of the views; percentages are unrounded.
//! Deterministic (no timestamps), so two runs on the same input write the same bytes.

use serde::Serialize;

use super::cells::Num;
use super::digest::{Digest, Row};
use super::Document;
use crate::adherence::Report;
use crate::error::{Error, Result};
use crate::time;

#[derive(Serialize)]
struct Summary<'a> {
    generated_by: String,
    /// True when no target was missed (a target without a figure is not a miss).
    passed: bool,
    /// One line per missed target.
    failures: Vec<String>,
    period: Option<Period>,
    overall: Overall,
    teams: Vec<Team<'a>>,
    targets: Vec<Target<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Period {
    from: String,
    to: String,
}

#[derive(Serialize)]
struct Overall {
    shifts: u64,
    agents: u64,
    scheduled_seconds: Num,
    in_adherence_seconds: Num,
    out_of_adherence_seconds: Num,
    unknown_seconds: Num,
    adherence_pct: Option<Num>,
    adjusted_adherence_pct: Option<Num>,
    productive_scheduled_seconds: Num,
    productive_actual_seconds: Num,
    conformance_pct: Option<Num>,
    late_count: u64,
    early_logout_count: u64,
    no_show_count: u64,
    exception_count: u64,
    logged_in_seconds: Num,
}

#[derive(Serialize)]
struct Team<'a> {
    team: Option<&'a str>,
    agents: i64,
    shifts: i64,
    scheduled_seconds: Num,
    unknown_seconds: Num,
    adherence_pct: Option<Num>,
    adjusted_adherence_pct: Option<Num>,
    conformance_pct: Option<Num>,
    late_count: i64,
    early_logout_count: i64,
    no_show_count: i64,
    exception_count: i64,
    /// The target the team is held to: its own, else the overall one.
    target_pct: Option<Num>,
    passed: Option<bool>,
}

#[derive(Serialize)]
struct Target<'a> {
    /// `overall` or `team`.
    scope: &'static str,
    team: Option<&'a str>,
    target_pct: Num,
    /// `fail_under`, `target_pct` or `team_targets`.
    source: &'static str,
    actual_pct: Option<Num>,
    passed: Option<bool>,
}

fn team(r: &Row) -> Team<'_> {
    Team {
        team: r.name.as_deref(),
        agents: r.agents,
        shifts: r.shifts,
        scheduled_seconds: Num(r.scheduled_seconds),
        unknown_seconds: Num(r.unknown_seconds),
        adherence_pct: r.adherence_pct.map(Num),
        adjusted_adherence_pct: r.adjusted_adherence_pct.map(Num),
        conformance_pct: r.conformance_pct.map(Num),
        late_count: r.late_count,
        early_logout_count: r.early_logout_count,
        no_show_count: r.no_show_count,
        exception_count: r.exception_count,
        target_pct: r.target_pct.map(Num),
        passed: r.passed(),
    }
}

/// The summary JSON of a report (pretty-printed, with a final newline).
pub fn summary_json(report: &Report, doc: &Document) -> Result<Vec<u8>> {
    let d = Digest::new(report, Some(doc));
    let o = &report.overall;
    let s = Summary {
        generated_by: format!("adhere {}", env!("CARGO_PKG_VERSION")),
        passed: d.passed(),
        failures: d.checks.iter().filter(|c| c.failed()).map(|c| c.describe()).collect(),
        period: d.period.map(|(a, b)| Period { from: time::fmt_day(a), to: time::fmt_day(b) }),
        overall: Overall {
            shifts: o.shifts,
            agents: o.agents,
            scheduled_seconds: Num(o.scheduled_seconds),
            in_adherence_seconds: Num(o.in_adherence_seconds),
            out_of_adherence_seconds: Num(o.out_of_adherence_seconds),
            unknown_seconds: Num(o.unknown_seconds),
            adherence_pct: o.adherence_pct.map(Num),
            adjusted_adherence_pct: o.adjusted_adherence_pct.map(Num),
            productive_scheduled_seconds: Num(o.productive_scheduled_seconds),
            productive_actual_seconds: Num(o.productive_actual_seconds),
            conformance_pct: o.conformance_pct.map(Num),
            late_count: o.late_count,
            early_logout_count: o.early_logout_count,
            no_show_count: o.no_show_count,
            exception_count: o.exception_count,
            logged_in_seconds: Num(o.logged_in_seconds),
        },
        teams: d.teams.iter().map(team).collect(),
        targets: d
            .checks
            .iter()
            .map(|c| Target {
                scope: if c.team.is_some() { "team" } else { "overall" },
                team: c.team.as_deref(),
                target_pct: Num(c.target_pct),
                source: c.source.key(),
                actual_pct: c.actual_pct.map(Num),
                passed: c.passed,
            })
            .collect(),
        warnings: &report.warnings,
    };
    let mut v = serde_json::to_vec_pretty(&s).map_err(|e| Error::Api(format!("writing the summary JSON: {e}")))?;
    v.push(b'\n');
    Ok(v)
}
