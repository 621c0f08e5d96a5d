//! The productivity view: per agent and local day, time logged in and in each state (away
//! by reason), the conversations the agent closed, conversations per online hour, and the
//! day's adherence beside them — so a manager sees whether low adherence goes with low
//! output.
//!
//! Rows are people: every activity agent (labelled as in the states view, in its zone),
//! and every scheduled agent that matches no activity. A day is reported when the agent
//! was logged in, closed a conversation, or had a shift dated that day. Adherence is the
//! sum over the shifts whose `shift_date` is the day, then divided (never an average of
//! percentages). Closed conversations count for the conversation's latest agent, on the
//! local day of its close time; they are null when no conversations were loaded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use rayon::prelude::*;

use super::states::{AgentDays, AgentLabel};
use super::sweep::AgentResult;
use super::views::pct;
use crate::activity::Activity;
use crate::error::Result;
use crate::schedule::Shifts;
use crate::time::{ms_to_seconds, Ms, Zone, HOUR};

/// The schedule side, when there is one.
pub struct ScheduleSide<'a> {
    pub shifts: &'a Shifts,
    pub results: &'a [AgentResult],
    /// Activity agent of each schedule agent.
    pub matches: &'a [Option<usize>],
    /// Schedule agents' zones and teams (agent level, as in the agents view).
    pub zone: &'a [Zone],
    pub team: &'a [Option<String>],
}

/// Sums of one person's day.
#[derive(Debug, Clone, Default)]
struct Day {
    shifts: u32,
    scheduled: Ms,
    in_adherence: Ms,
    out_of_adherence: Ms,
    forgiven: Ms,
    logged_in: Ms,
    online: Ms,
    occupied: Ms,
    offline: Ms,
    away: Ms,
    /// `away:<reason>` token → ms.
    reasons: BTreeMap<String, Ms>,
    closed: u32,
}

/// Who a row is.
struct Person {
    agent: String,
    activity: Option<usize>,
    team: Option<String>,
    zone: Zone,
    days: BTreeMap<i64, Day>,
}

/// Builds the view. `labels` are the states view's labels of the activity agents;
/// `closed` the close instants by agentId (None: no conversations loaded); `days` limits
/// the local dates reported.
pub fn productivity_frame(
    activity: &Activity,
    per_agent_days: &[AgentDays],
    labels: &[AgentLabel],
    schedule: Option<&ScheduleSide>,
    closed: Option<&HashMap<i64, Vec<Ms>>>,
    days: (Option<i64>, Option<i64>),
) -> Result<DataFrame> {
    let per_agent: Vec<BTreeMap<i64, Day>> = (0..activity.agents.len())
        .into_par_iter()
        .map(|i| {
            let zone = &labels[i].zone;
            let mut out: BTreeMap<i64, Day> = BTreeMap::new();
            for &(day, ref token, ms, _) in &per_agent_days[i] {
                let d = out.entry(day).or_default();
                d.logged_in += ms;
                match token.as_str() {
                    "online" => d.online += ms,
                    "occupied" => d.occupied += ms,
                    "offline" => d.offline += ms,
                    "away" => d.away += ms,
                    t if t.starts_with("away:") => {
                        d.away += ms;
                        *d.reasons.entry(t.to_string()).or_default() += ms;
                    }
                    _ => {}
                }
            }
            if let Some(ends) = closed.and_then(|c| c.get(&activity.agents[i].agent_id)) {
                for &t in ends {
                    out.entry(zone.local_day(t)).or_default().closed += 1;
                }
            }
            out
        })
        .collect();
    let mut people: Vec<Person> = per_agent
        .into_iter()
        .enumerate()
        .map(|(i, days)| Person {
            agent: labels[i].agent.clone(),
            activity: Some(i),
            team: labels[i].team.clone(),
            zone: labels[i].zone.clone(),
            days,
        })
        .collect();
    if let Some(s) = schedule {
        let sh = s.shifts;
        for a in 0..sh.agents() {
            let p = match s.matches[a] {
                Some(i) => i,
                None => {
                    people.push(Person {
                        agent: sh.agent_key[a].clone(),
                        activity: None,
                        team: s.team[a].clone(),
                        zone: s.zone[a].clone(),
                        days: BTreeMap::new(),
                    });
                    people.len() - 1
                }
            };
            let r = &s.results[a].shifts;
            for shift in sh.shifts_of(a) {
                let k = shift - sh.shift_offsets[a];
                let d = people[p].days.entry(sh.shift_day[shift]).or_default();
                d.shifts += 1;
                d.scheduled += r.scheduled[k];
                d.in_adherence += r.in_adherence[k];
                d.out_of_adherence += r.out_of_adherence[k];
                d.forgiven += r.forgiven[k];
            }
        }
    }
    let mut order: Vec<usize> = (0..people.len()).collect();
    let agent_id = |p: &Person| p.activity.map(|i| activity.agents[i].agent_id);
    order.sort_by(|&x, &y| (people[x].agent.as_str(), agent_id(&people[x])).cmp(&(people[y].agent.as_str(), agent_id(&people[y]))));

    let keep = |day: i64| days.0.is_none_or(|f| day >= f) && days.1.is_none_or(|t| day <= t);
    let reason_tokens: BTreeSet<&str> = people
        .iter()
        .flat_map(|p| p.days.iter().filter(|(d, _)| keep(**d)).flat_map(|(_, d)| d.reasons.keys().map(String::as_str)))
        .collect();

    let mut rows: Vec<(&Person, i64, &Day)> = Vec::new();
    for &p in &order {
        for (&day, d) in &people[p].days {
            if keep(day) {
                rows.push((&people[p], day, d));
            }
        }
    }
    let n = rows.len();
    let agent = |p: &Person| p.activity.map(|i| &activity.agents[i]);
    let secs = |name: &str, f: &dyn Fn(&Day) -> Ms| -> Column {
        Column::new(name.into(), rows.iter().map(|(_, _, d)| ms_to_seconds(f(d))).collect::<Vec<f64>>())
    };
    let date_col = Column::new("date".into(), rows.iter().map(|(_, day, _)| *day as i32).collect::<Vec<i32>>()).cast(&DataType::Date)?;
    let mut cols = vec![
        Column::new("agent".into(), rows.iter().map(|(p, _, _)| p.agent.as_str()).collect::<Vec<_>>()),
        Column::new("agent_id".into(), rows.iter().map(|(p, _, _)| agent_id(p)).collect::<Vec<_>>()),
        Column::new("employee_id".into(), rows.iter().map(|(p, _, _)| agent(p).and_then(|a| a.employee_id.clone())).collect::<Vec<_>>()),
        Column::new("login_name".into(), rows.iter().map(|(p, _, _)| agent(p).and_then(|a| a.login_name.clone())).collect::<Vec<_>>()),
        Column::new(
            "name".into(),
            rows.iter()
                .map(|(p, _, _)| {
                    agent(p).and_then(|a| a.user.as_ref().and_then(|u| u.display_name.clone()).or_else(|| a.user_name.clone()))
                })
                .collect::<Vec<_>>(),
        ),
        Column::new("team".into(), rows.iter().map(|(p, _, _)| p.team.clone()).collect::<Vec<_>>()),
        Column::new("timezone".into(), rows.iter().map(|(p, _, _)| p.zone.name().to_string()).collect::<Vec<_>>()),
        date_col,
        secs("logged_in_seconds", &|d| d.logged_in),
        secs("online_seconds", &|d| d.online),
        secs("occupied_seconds", &|d| d.occupied),
        secs("away_seconds", &|d| d.away),
        secs("offline_seconds", &|d| d.offline),
        Column::new("closed_conversations".into(), rows.iter().map(|(_, _, d)| closed.map(|_| d.closed)).collect::<Vec<Option<u32>>>()),
        Column::new(
            "conversations_per_online_hour".into(),
            rows.iter()
                .map(|(_, _, d)| closed.and_then(|_| (d.online > 0).then(|| d.closed as f64 * HOUR as f64 / d.online as f64)))
                .collect::<Vec<Option<f64>>>(),
        ),
        Column::new("shifts".into(), rows.iter().map(|(_, _, d)| d.shifts).collect::<Vec<u32>>()),
        secs("scheduled_seconds", &|d| d.scheduled),
        secs("in_adherence_seconds", &|d| d.in_adherence),
        secs("out_of_adherence_seconds", &|d| d.out_of_adherence),
        Column::new(
            "adherence_pct".into(),
            rows.iter().map(|(_, _, d)| pct(d.in_adherence, d.in_adherence + d.out_of_adherence)).collect::<Vec<_>>(),
        ),
        Column::new(
            "adjusted_adherence_pct".into(),
            rows.iter().map(|(_, _, d)| pct(d.in_adherence + d.forgiven, d.in_adherence + d.out_of_adherence)).collect::<Vec<_>>(),
        ),
    ];
    for t in reason_tokens {
        cols.push(Column::new(
            t.into(),
            rows.iter().map(|(_, _, d)| ms_to_seconds(d.reasons.get(t).copied().unwrap_or(0))).collect::<Vec<f64>>(),
        ));
    }
    Ok(DataFrame::new(n, cols)?)
}
