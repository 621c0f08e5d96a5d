//! The headline figures of a report, read back from its views as plain values: what the
//! Markdown summary, the HTML report and the summary JSON lay out. Nothing here computes a
//! figure; it picks, sorts and pairs figures with their targets.

use super::columns::{dates, f64s, i64s, instants, strs};
use super::Document;
use crate::adherence::targets::Check;
use crate::adherence::Report;
use crate::time::{Ms, Zone};

/// One row of the teams or agents view.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The agent key (agents) or team name (teams; `None` = no team).
    pub name: Option<String>,
    /// The agent's team (agents only).
    pub team: Option<String>,
    /// The agent's name from the Users API (agents only, when users are loaded).
    pub full_name: Option<String>,
    pub agents: i64,
    pub shifts: i64,
    pub scheduled_seconds: f64,
    pub unknown_seconds: f64,
    pub adherence_pct: Option<f64>,
    pub adjusted_adherence_pct: Option<f64>,
    pub conformance_pct: Option<f64>,
    pub late_count: i64,
    pub early_logout_count: i64,
    pub no_show_count: i64,
    pub exception_count: i64,
    /// The target this row is held to (its team's, else the overall one).
    pub target_pct: Option<f64>,
}

impl Row {
    /// Adjusted adherence minus the target (negative: below).
    pub fn gap(&self) -> Option<f64> {
        Some(self.adjusted_adherence_pct? - self.target_pct?)
    }
    pub fn passed(&self) -> Option<bool> {
        self.gap().map(|g| g >= 0.0)
    }
}

/// One exception.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionRow {
    pub agent: String,
    pub team: Option<String>,
    pub zone: Zone,
    pub shift_date: Option<i64>,
    pub start: Ms,
    pub end: Ms,
    pub duration_seconds: f64,
    pub activity: String,
    pub state: String,
}

/// Time in one state token, summed over every agent and day of the states view.
#[derive(Debug, Clone, PartialEq)]
pub struct StateTotal {
    pub state: String,
    pub seconds: f64,
    pub entries: i64,
}

/// The digest of a report.
#[derive(Debug, Clone)]
pub struct Digest {
    pub period: Option<(i64, i64)>,
    pub teams: Vec<Row>,
    /// Sorted by agent key.
    pub agents: Vec<Row>,
    /// Every exception, longest first (ties: agent, then start).
    pub exceptions: Vec<ExceptionRow>,
    /// Every target checked, overall first.
    pub checks: Vec<Check>,
    /// Time in state by token, most time first (ties: token).
    pub states: Vec<StateTotal>,
}

fn rows(df: &polars::prelude::DataFrame, name_col: &str, with_team: bool) -> Vec<Row> {
    let n = df.height();
    let name = strs(df, name_col);
    let team = if with_team { strs(df, "team") } else { vec![None; n] };
    let agents = i64s(df, "agents");
    let shifts = i64s(df, "shifts");
    let sched = f64s(df, "scheduled_seconds");
    let unknown = f64s(df, "unknown_seconds");
    let adh = f64s(df, "adherence_pct");
    let adj = f64s(df, "adjusted_adherence_pct");
    let conf = f64s(df, "conformance_pct");
    let late = i64s(df, "late_count");
    let early = i64s(df, "early_logout_count");
    let no_show = i64s(df, "no_show_count");
    let exc = i64s(df, "exception_count");
    (0..n)
        .map(|i| Row {
            name: name[i].clone(),
            team: team[i].clone(),
            full_name: None,
            agents: agents[i].unwrap_or(1),
            shifts: shifts[i].unwrap_or(0),
            scheduled_seconds: sched[i].unwrap_or(0.0),
            unknown_seconds: unknown[i].unwrap_or(0.0),
            adherence_pct: adh[i],
            adjusted_adherence_pct: adj[i],
            conformance_pct: conf[i],
            late_count: late[i].unwrap_or(0),
            early_logout_count: early[i].unwrap_or(0),
            no_show_count: no_show[i].unwrap_or(0),
            exception_count: exc[i].unwrap_or(0),
            target_pct: None,
        })
        .collect()
}

impl Digest {
    pub fn new(report: &Report, doc: Option<&Document>) -> Digest {
        let targets = doc.map(|d| d.targets.clone()).unwrap_or_default();
        let mut teams = rows(&report.teams, "team", false);
        for t in &mut teams {
            t.target_pct = targets.for_team(t.name.as_deref());
        }
        let mut agents = rows(&report.agents, "agent", true);
        for a in &mut agents {
            a.target_pct = targets.for_team(a.team.as_deref());
            a.full_name = a.name.as_ref().and_then(|k| report.names.get(k)).cloned();
        }

        let ex = &report.exceptions;
        let (agent, team, tz, day) = (strs(ex, "agent"), strs(ex, "team"), strs(ex, "timezone"), dates(ex, "shift_date"));
        let (start, end, dur) = (instants(ex, "start"), instants(ex, "end"), f64s(ex, "duration_seconds"));
        let (activity, state) = (strs(ex, "activity"), strs(ex, "state"));
        let mut exceptions: Vec<ExceptionRow> = (0..ex.height())
            .filter_map(|i| {
                Some(ExceptionRow {
                    agent: agent[i].clone()?,
                    team: team[i].clone(),
                    zone: tz[i].as_deref().and_then(Zone::parse).unwrap_or_else(Zone::utc),
                    shift_date: day[i],
                    start: start[i]?,
                    end: end[i]?,
                    duration_seconds: dur[i].unwrap_or(0.0),
                    activity: activity[i].clone().unwrap_or_default(),
                    state: state[i].clone().unwrap_or_default(),
                })
            })
            .collect();
        exceptions.sort_by(|a, b| {
            b.duration_seconds.total_cmp(&a.duration_seconds).then_with(|| a.agent.cmp(&b.agent)).then(a.start.cmp(&b.start))
        });

        let st = &report.states;
        let (token, secs, entries) = (strs(st, "state"), f64s(st, "seconds"), i64s(st, "entries"));
        let mut by_token: std::collections::BTreeMap<String, (f64, i64)> = Default::default();
        for i in 0..st.height() {
            if let Some(t) = &token[i] {
                let e = by_token.entry(t.clone()).or_default();
                e.0 += secs[i].unwrap_or(0.0);
                e.1 += entries[i].unwrap_or(0);
            }
        }
        let mut states: Vec<StateTotal> =
            by_token.into_iter().map(|(state, (seconds, entries))| StateTotal { state, seconds, entries }).collect();
        states.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then_with(|| a.state.cmp(&b.state)));

        Digest { period: report.period, teams, agents, exceptions, checks: targets.check(report), states }
    }

    /// Agents below their target, furthest first (ties: agent key); without any target, the
    /// agents with the lowest adjusted adherence. At most `n`.
    pub fn furthest_below(&self, n: usize) -> Vec<&Row> {
        let any_target = self.agents.iter().any(|a| a.target_pct.is_some());
        let mut v: Vec<&Row> = if any_target {
            self.agents.iter().filter(|a| a.gap().is_some_and(|g| g < 0.0)).collect()
        } else {
            self.agents.iter().filter(|a| a.adjusted_adherence_pct.is_some()).collect()
        };
        let key = |r: &Row| if any_target { r.gap() } else { r.adjusted_adherence_pct };
        v.sort_by(|a, b| key(a).unwrap_or(0.0).total_cmp(&key(b).unwrap_or(0.0)).then_with(|| a.name.cmp(&b.name)));
        v.truncate(n);
        v
    }

    pub fn has_targets(&self) -> bool {
        self.agents.iter().any(|a| a.target_pct.is_some()) || !self.checks.is_empty()
    }

    /// Whether every target with a figure is met.
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(Check::failed)
    }
}
