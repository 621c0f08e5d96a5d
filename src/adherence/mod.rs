//! The adherence engine: activity + schedule + rules → every report view (SPEC §4).
//!
//! [`compute`] resolves activity rules, builds shifts and timelines, matches schedule keys to
//! LivePerson agents, runs the per-agent [`sweep`] in parallel and assembles the views as
//! Polars frames ([`views`]). It returns data, never text: formatting is `report`'s job.

pub mod explain;
pub mod partition;
pub mod productivity;
pub mod states;
pub mod sweep;
pub mod targets;
pub mod views;

use std::collections::HashMap;

use polars::prelude::*;
use rayon::prelude::*;

use crate::activity::state::State;
use crate::activity::timeline::{LoginLogout, Timelines};
use crate::activity::Activity;
use crate::error::Result;
use crate::rules::{Rules, StateSet, StateToken};
use crate::schedule::matching::{match_agents, MatchOn};
use crate::schedule::shifts::{RowRule, Shifts};
use crate::schedule::ScheduleRows;
use crate::time::{Ms, Zone, MINUTE};
use states::AgentLabel;
use sweep::{CompiledRule, SweepInput};

/// The report views, in the order `--out DIR` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ViewName {
    Shifts,
    Agents,
    Teams,
    Intervals,
    Exceptions,
    States,
    /// Per agent and local day: time in each state, closed conversations and adherence.
    Productivity,
}

impl ViewName {
    pub const ALL: [ViewName; 7] = [
        ViewName::Shifts,
        ViewName::Agents,
        ViewName::Teams,
        ViewName::Intervals,
        ViewName::Exceptions,
        ViewName::States,
        ViewName::Productivity,
    ];
    pub fn name(self) -> &'static str {
        match self {
            ViewName::Shifts => "shifts",
            ViewName::Agents => "agents",
            ViewName::Teams => "teams",
            ViewName::Intervals => "intervals",
            ViewName::Exceptions => "exceptions",
            ViewName::States => "states",
            ViewName::Productivity => "productivity",
        }
    }
}

/// Options of a report run.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--shift-gap` (default 60 min).
    pub shift_gap: Ms,
    /// `--interval` (15, 30 or 60 min; default 30).
    pub interval: Ms,
    /// `--from` / `--to`: local dates (days since 1970-01-01), inclusive.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// `--tz`: zone of agents without a schedule.
    pub default_zone: Zone,
    pub match_on: MatchOn,
    /// Which views to build (the shift figures are always computed).
    pub views: Vec<ViewName>,
    /// Close instants of closed conversations by latest agentId, for the productivity
    /// view (None: no conversations loaded).
    pub closed_conversations: Option<HashMap<i64, Vec<Ms>>>,
    /// `--agents roster.csv`: who each schedule key is, when keys are not LivePerson fields.
    pub roster: Option<crate::schedule::roster::Roster>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            shift_gap: 60 * MINUTE,
            interval: 30 * MINUTE,
            from: None,
            to: None,
            default_zone: Zone::utc(),
            match_on: MatchOn::Auto,
            views: ViewName::ALL.to_vec(),
            closed_conversations: None,
            roster: None,
        }
    }
}

/// Sums over every reported (selected) shift: the figure `--fail-under` checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overall {
    pub shifts: u64,
    pub agents: u64,
    pub scheduled_seconds: f64,
    pub in_adherence_seconds: f64,
    pub out_of_adherence_seconds: f64,
    pub unknown_seconds: f64,
    pub adherence_pct: Option<f64>,
    pub adjusted_adherence_pct: Option<f64>,
    pub productive_scheduled_seconds: f64,
    pub productive_actual_seconds: f64,
    pub conformance_pct: Option<f64>,
    pub late_count: u64,
    pub early_logout_count: u64,
    pub no_show_count: u64,
    pub exception_count: u64,
    pub logged_in_seconds: f64,
}

/// Every view of a report, plus the headline figures and warnings.
#[derive(Debug, Clone)]
pub struct Report {
    pub shifts: DataFrame,
    pub agents: DataFrame,
    pub teams: DataFrame,
    pub intervals: DataFrame,
    pub exceptions: DataFrame,
    pub states: DataFrame,
    pub productivity: DataFrame,
    pub overall: Overall,
    /// Per-team overall figures (for team targets), by team name (null team = None).
    pub team_adjusted_pct: Vec<(Option<String>, Option<f64>)>,
    /// First and last `shift_date` of the selected shifts.
    pub period: Option<(i64, i64)>,
    pub warnings: Vec<String>,
    /// Schedule key → the matched agent's name from the Users API (only when users are
    /// loaded), for the documents (Markdown, HTML) to show beside the key.
    pub names: std::collections::BTreeMap<String, String>,
    /// One row per selected shift: the integer figures (milliseconds, counts) the agents,
    /// teams and overall roll-ups sum, by `agent_idx` (schedule agent) and `team`.
    pub shift_figures: DataFrame,
}

impl Report {
    pub fn view(&self, name: ViewName) -> &DataFrame {
        match name {
            ViewName::Shifts => &self.shifts,
            ViewName::Agents => &self.agents,
            ViewName::Teams => &self.teams,
            ViewName::Intervals => &self.intervals,
            ViewName::Exceptions => &self.exceptions,
            ViewName::States => &self.states,
            ViewName::Productivity => &self.productivity,
        }
    }
}

/// Compiles every activity rule's `allowed` and the productive states against the reasons
/// (texts and ids) of this activity.
fn compile_rules(rules: &Rules, activity: &Activity) -> (Vec<CompiledRule>, StateSet) {
    let reasons: Vec<(&str, Option<i64>)> = activity.reasons.iter().map(String::as_str).zip(activity.reason_ids.iter().copied()).collect();
    let compiled = rules
        .activities
        .iter()
        .map(|a| CompiledRule { allowed: StateSet::compile(&a.allowed, &reasons), productive: a.productive })
        .collect();
    (compiled, StateSet::compile(&rules.productive_states, &reasons))
}

/// Resolves every row's activity to its rule (failing on unknown names).
pub fn row_rules(schedule: &ScheduleRows, rules: &Rules) -> Result<Vec<RowRule>> {
    let found = rules.resolve_all(schedule.activity.iter().map(String::as_str))?;
    Ok(schedule
        .activity
        .iter()
        .map(|name| {
            let i = found[name.as_str()];
            let a = &rules.activities[i];
            RowRule { rule: i as u32, counted: a.counted, allows_logged_out: a.allowed.contains(&StateToken::LoggedOut) }
        })
        .collect())
}

/// The schedule's half of an [`Engine`]: each row's rule and the shifts. It depends on the
/// schedule and the rules only, not on the activity.
pub struct PreparedShifts {
    row_rule: Vec<RowRule>,
    shifts: Shifts,
}

impl PreparedShifts {
    pub fn build(schedule: &ScheduleRows, rules: &Rules, shift_gap: Ms) -> Result<PreparedShifts> {
        let row_rule = row_rules(schedule, rules)?;
        let shifts = crate::timing::stage("engine: shifts", || Shifts::build(schedule, &row_rule, shift_gap));
        Ok(PreparedShifts { row_rule, shifts })
    }
}

/// The activity's half of an [`Engine`]: timelines, logins and the prefix sums the sweep
/// reads.
struct TimelineSide {
    timelines: Timelines,
    unmatched_tl: usize,
    logins: LoginLogout,
    compiled: Vec<CompiledRule>,
    productive_states: StateSet,
    logged_in: crate::activity::timeline::Prefix,
    productive: crate::activity::timeline::Prefix,
}

impl TimelineSide {
    fn build(activity: &Activity, rules: &Rules) -> TimelineSide {
        crate::timing::stage("engine: timelines", || {
            // Logins beside the timelines, and the two prefix sums beside each other.
            let (side, logins) = rayon::join(
                || {
                    let mut timelines = Timelines::build(activity);
                    let unmatched_tl = timelines.agents();
                    timelines.extend(&Timelines::logged_out_throughout(&activity.coverage));
                    let (compiled, productive_states) = compile_rules(rules, activity);
                    let (logged_in, productive) = rayon::join(
                        || timelines.prefix(|s, _| State::is_logged_in_code(s)),
                        || timelines.prefix(|s, r| productive_states.contains(s, r)),
                    );
                    (timelines, unmatched_tl, compiled, productive_states, logged_in, productive)
                },
                || LoginLogout::build(activity),
            );
            let (timelines, unmatched_tl, compiled, productive_states, logged_in, productive) = side;
            TimelineSide { timelines, unmatched_tl, logins, compiled, productive_states, logged_in, productive }
        })
    }
}

/// Everything prepared for a report: rules resolved, shifts built, schedule keys matched,
/// timelines and their prefix sums. [`Engine::report`] runs the sweep over every agent;
/// `explain` reuses the same preparation to trace one agent.
pub struct Engine<'a> {
    pub activity: &'a Activity,
    pub schedule: &'a ScheduleRows,
    pub rules: &'a Rules,
    pub opts: &'a Options,
    pub row_rule: Vec<RowRule>,
    pub shifts: Shifts,
    pub matches: crate::schedule::matching::Matches,
    /// Activity agents' timelines, then one "logged out throughout" timeline for unmatched
    /// schedule agents.
    pub timelines: Timelines,
    pub logins: LoginLogout,
    pub compiled: Vec<CompiledRule>,
    pub productive_states: StateSet,
    pub logged_in: crate::activity::timeline::Prefix,
    pub productive: crate::activity::timeline::Prefix,
    pub timeline_of: Vec<usize>,
    pub agent_zone: Vec<Zone>,
    pub selected: Vec<bool>,
}

impl<'a> Engine<'a> {
    pub fn new(activity: &'a Activity, schedule: &'a ScheduleRows, rules: &'a Rules, opts: &'a Options) -> Result<Engine<'a>> {
        // The schedule's half and the activity's half side by side.
        let (prepared, timelines_side) =
            rayon::join(|| PreparedShifts::build(schedule, rules, opts.shift_gap), || TimelineSide::build(activity, rules));
        Ok(Engine::assemble(activity, schedule, rules, opts, prepared?, timelines_side))
    }

    /// [`Engine::new`] with the schedule's shifts already built (from the same `schedule`,
    /// `rules` and `opts.shift_gap`): the report command builds them beside the activity
    /// read, since they do not depend on it.
    pub fn with_shifts(
        activity: &'a Activity,
        schedule: &'a ScheduleRows,
        rules: &'a Rules,
        opts: &'a Options,
        prepared: PreparedShifts,
    ) -> Engine<'a> {
        let timelines_side = TimelineSide::build(activity, rules);
        Engine::assemble(activity, schedule, rules, opts, prepared, timelines_side)
    }

    fn assemble(
        activity: &'a Activity,
        schedule: &'a ScheduleRows,
        rules: &'a Rules,
        opts: &'a Options,
        PreparedShifts { row_rule, shifts }: PreparedShifts,
        TimelineSide { timelines, unmatched_tl, logins, compiled, productive_states, logged_in, productive }: TimelineSide,
    ) -> Engine<'a> {
        let matches = crate::timing::stage("engine: matching", || match &opts.roster {
            Some(roster) => roster.match_agents(&shifts.agent_key, activity, opts.match_on),
            None => match_agents(&shifts.agent_key, activity, opts.match_on),
        });
        let timeline_of: Vec<usize> = matches.agent.iter().map(|m| m.unwrap_or(unmatched_tl)).collect();
        let agent_zone: Vec<Zone> = shifts.agent_zone.iter().map(|&z| schedule.zones[z as usize].clone()).collect();
        let selected: Vec<bool> =
            shifts.shift_day.iter().map(|&d| opts.from.is_none_or(|f| d >= f) && opts.to.is_none_or(|t| d <= t)).collect();
        Engine {
            activity,
            schedule,
            rules,
            opts,
            row_rule,
            shifts,
            matches,
            timelines,
            logins,
            compiled,
            productive_states,
            logged_in,
            productive,
            timeline_of,
            agent_zone,
            selected,
        }
    }

    /// The sweep's inputs; `trace` records every classified piece (for `explain`).
    pub fn sweep_input(&self, trace: bool) -> SweepInput<'_> {
        SweepInput {
            shifts: &self.shifts,
            row_rule: &self.row_rule,
            rules: &self.compiled,
            timelines: &self.timelines,
            logged_in: &self.logged_in,
            productive: &self.productive,
            logins: &self.logins,
            timeline_of: &self.timeline_of,
            activity_of: &self.matches.agent,
            agent_zone: &self.agent_zone,
            min_exception: self.rules.min_exception,
            selected: &self.selected,
            interval: (self.opts.views.contains(&ViewName::Intervals) && !trace).then_some(self.opts.interval),
            trace,
        }
    }

    /// Runs the sweep over every schedule agent and assembles the views.
    pub fn report(&self) -> Result<Report> {
        self.report_streamed(views::Streamed::default())
    }

    /// [`Engine::report`], with the views in `streamed` handed to their sinks a part at a
    /// time (and left empty in the report).
    pub fn report_streamed(&self, streamed: views::Streamed<'_>) -> Result<Report> {
        let activity = self.activity;
        let input = self.sweep_input(false);
        let results: Vec<sweep::AgentResult> = crate::timing::stage("engine: sweep", || {
            (0..self.shifts.agents()).into_par_iter().map(|a| sweep::sweep_agent(&input, a)).collect()
        });
        let mut warnings = activity.warnings.clone();
        warnings.extend(self.matches.warnings.iter().cloned());

        let ctx = views::Context {
            activity,
            schedule: self.schedule,
            shifts: &self.shifts,
            matches: &self.matches.agent,
            results: &results,
            selected: &self.selected,
            rules: self.rules,
        };
        let labels = self.state_labels();
        // The views are built side by side: assembling the shift views is mostly one thread,
        // time in state and productivity run per agent in parallel.
        let wants_states = self.opts.views.contains(&ViewName::States);
        let wants_productivity = self.opts.views.contains(&ViewName::Productivity);
        let states_view = |per_agent: &[states::AgentDays]| -> Result<Option<DataFrame>> {
            if !wants_states {
                return Ok(None);
            }
            let rows =
                crate::timing::stage("engine: time in state", || states::time_in_state(per_agent, &labels, (self.opts.from, self.opts.to)));
            Ok(Some(crate::timing::stage("engine: states frame", || views::states_frame(activity, &labels, &rows))?))
        };
        let productivity_view = |per_agent: &[states::AgentDays]| -> Result<Option<DataFrame>> {
            if !wants_productivity {
                return Ok(None);
            }
            let sh = &self.shifts;
            let team: Vec<Option<String>> = (0..sh.agents())
                .map(|a| sh.agent_team[a].clone().or_else(|| self.matches.agent[a].and_then(|i| activity.agents[i].team.clone())))
                .collect();
            let side = productivity::ScheduleSide {
                shifts: sh,
                results: &results,
                matches: &self.matches.agent,
                zone: &self.agent_zone,
                team: &team,
            };
            let df = crate::timing::stage("engine: productivity", || {
                productivity::productivity_frame(
                    activity,
                    per_agent,
                    &labels,
                    Some(&side),
                    self.opts.closed_conversations.as_ref(),
                    (self.opts.from, self.opts.to),
                )
            })?;
            Ok(Some(df))
        };
        // Both views total each agent's logged-in time per local day and state: once.
        let by_day = || {
            let per_agent = if wants_states || wants_productivity {
                crate::timing::stage("engine: time per day and state", || states::all_agent_days(activity, &self.timelines, &labels))
            } else {
                Vec::new()
            };
            rayon::join(|| states_view(&per_agent), || productivity_view(&per_agent))
        };
        let (assembled, (states_df, productivity_df)) =
            rayon::join(|| crate::timing::stage("engine: assemble views", || views::assemble(&ctx, streamed)), by_day);
        let mut report = assembled?;
        if let Some(df) = states_df? {
            report.states = df;
        }
        if let Some(df) = productivity_df? {
            report.productivity = df;
        }
        report.warnings = warnings;
        for (a, m) in self.matches.agent.iter().enumerate() {
            let name = m.and_then(|i| activity.agents[i].user.as_ref()).and_then(|u| u.display_name.clone());
            if let Some(name) = name.filter(|n| !n.trim().is_empty()) {
                report.names.insert(self.shifts.agent_key[a].clone(), name);
            }
        }
        Ok(report)
    }

    /// Labels for the states view: a scheduled agent by its schedule key (the first in sort
    /// order), in its zone, with its team; others by login name / employee id / agentId.
    fn state_labels(&self) -> Vec<AgentLabel> {
        let activity = self.activity;
        let group_text = |i: usize| activity.agents[i].team.clone();
        let mut labels: Vec<Option<AgentLabel>> = vec![None; activity.agents.len()];
        for (a, m) in self.matches.agent.iter().enumerate() {
            if let Some(i) = *m {
                if labels[i].is_none() {
                    labels[i] = Some(AgentLabel {
                        agent: self.shifts.agent_key[a].clone(),
                        team: self.shifts.agent_team[a].clone().or_else(|| group_text(i)),
                        zone: self.agent_zone[a].clone(),
                    });
                }
            }
        }
        labels.into_iter().enumerate().map(|(i, l)| l.unwrap_or_else(|| unscheduled_label(activity, i, &self.opts.default_zone))).collect()
    }
}

/// Runs the whole engine.
pub fn compute(activity: &Activity, schedule: &ScheduleRows, rules: &Rules, opts: &Options) -> Result<Report> {
    Engine::new(activity, schedule, rules, opts)?.report()
}

fn unscheduled_label(activity: &Activity, i: usize, zone: &Zone) -> AgentLabel {
    let a = &activity.agents[i];
    AgentLabel {
        agent: a.login_name.clone().or_else(|| a.employee_id.clone()).unwrap_or_else(|| a.agent_id.to_string()),
        team: a.team.clone(),
        zone: zone.clone(),
    }
}

/// The productivity view without a schedule, for `adhere states --view productivity`:
/// every agent labelled as in [`states_only`]; no adherence figures.
pub fn productivity_only(
    activity: &Activity,
    zone: &Zone,
    days: (Option<i64>, Option<i64>),
    closed: Option<&HashMap<i64, Vec<Ms>>>,
) -> Result<DataFrame> {
    let timelines = Timelines::build(activity);
    let labels: Vec<AgentLabel> = (0..activity.agents.len()).map(|i| unscheduled_label(activity, i, zone)).collect();
    let per_agent = states::all_agent_days(activity, &timelines, &labels);
    productivity::productivity_frame(activity, &per_agent, &labels, None, closed, days)
}

/// The states view alone, for `adhere states` (no schedule): every agent labelled by login
/// name, employee id or agentId, in `zone`.
pub fn states_only(activity: &Activity, zone: &Zone, days: (Option<i64>, Option<i64>)) -> Result<DataFrame> {
    let timelines = Timelines::build(activity);
    let labels: Vec<AgentLabel> = (0..activity.agents.len()).map(|i| unscheduled_label(activity, i, zone)).collect();
    let per_agent = states::all_agent_days(activity, &timelines, &labels);
    let rows = states::time_in_state(&per_agent, &labels, days);
    views::states_frame(activity, &labels, &rows)
}
