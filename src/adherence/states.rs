//! Time in state (SPEC §4 "Time in state"): per agent, local day and state token, the
//! seconds inside coverage, the number of entries and the day's logged-in total. Needs no
//! schedule.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::activity::state::{token, State, NO_REASON};
use crate::activity::timeline::Timelines;
use crate::activity::Activity;
use crate::time::{Ms, Zone};

/// How an activity agent is labelled in the states view.
#[derive(Debug, Clone)]
pub struct AgentLabel {
    pub agent: String,
    pub team: Option<String>,
    pub zone: Zone,
}

/// Rows of the states view, column by column, sorted by (agent, agent_id, date, state).
#[derive(Debug, Clone, Default)]
pub struct StateRows {
    /// Activity agent index.
    pub agent: Vec<u32>,
    pub day: Vec<i64>,
    pub state: Vec<String>,
    pub seconds: Vec<Ms>,
    pub entries: Vec<u32>,
    pub logged_in: Vec<Ms>,
}

/// Splits every logged-in run of every agent at local midnights and totals it per day and
/// token. `days` limits the output to local dates in `[from, to]`.
pub fn time_in_state(activity: &Activity, timelines: &Timelines, labels: &[AgentLabel], days: (Option<i64>, Option<i64>)) -> StateRows {
    let per_agent: Vec<Vec<(i64, String, Ms, u32)>> =
        (0..activity.agents.len()).into_par_iter().map(|a| agent_days(activity, timelines, a, &labels[a].zone)).collect();
    // Sort agents by (label, agent_id); agents are in agent_id order already.
    let mut order: Vec<usize> = (0..activity.agents.len()).collect();
    order.sort_by(|&x, &y| labels[x].agent.cmp(&labels[y].agent).then(x.cmp(&y)));
    let mut out = StateRows::default();
    for a in order {
        let rows = &per_agent[a];
        let mut i = 0;
        while i < rows.len() {
            let day = rows[i].0;
            let mut j = i;
            let mut total = 0;
            while j < rows.len() && rows[j].0 == day {
                total += rows[j].2;
                j += 1;
            }
            let keep = days.0.is_none_or(|f| day >= f) && days.1.is_none_or(|t| day <= t);
            if keep {
                for r in &rows[i..j] {
                    out.agent.push(a as u32);
                    out.day.push(day);
                    out.state.push(r.1.clone());
                    out.seconds.push(r.2);
                    out.entries.push(r.3);
                    out.logged_in.push(total);
                }
            }
            i = j;
        }
    }
    out
}

/// (day, token, seconds, entries) of one agent, sorted by (day, token). Reasons that share
/// a text (with different reason ids) are one token here: their touching pieces are one
/// entry.
pub fn agent_days(activity: &Activity, tl: &Timelines, a: usize, zone: &Zone) -> Vec<(i64, String, Ms, u32)> {
    // Token of each (state, reason) once; pieces are totalled by (day, token).
    let mut token_of: HashMap<(u8, u32), u32> = HashMap::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut index_of_token: HashMap<String, u32> = HashMap::new();
    let mut acc: HashMap<(i64, u32), (Ms, u32)> = HashMap::new();
    let mut prev: Option<(Ms, i64, u32)> = None; // (end, day, token) of the previous piece
    for i in tl.range(a) {
        let st = tl.state[i];
        if !State::is_logged_in_code(st) {
            prev = None;
            continue;
        }
        let (mut s, e) = (tl.start[i], tl.end[i]);
        let reason = if st == State::Away as u8 { tl.reason[i] } else { NO_REASON };
        let tok = *token_of.entry((st, reason)).or_insert_with(|| {
            let t = token(State::from_code(st), activity.reason_text(reason));
            *index_of_token.entry(t.clone()).or_insert_with(|| {
                tokens.push(t);
                (tokens.len() - 1) as u32
            })
        });
        while s < e {
            let day = zone.local_day(s);
            let next = zone.day_start(day + 1);
            let u = if next > s { e.min(next) } else { e };
            let v = acc.entry((day, tok)).or_default();
            v.0 += u - s;
            if prev != Some((s, day, tok)) {
                v.1 += 1;
            }
            prev = Some((u, day, tok));
            s = u;
        }
    }
    let mut rows: Vec<(i64, String, Ms, u32)> =
        acc.into_iter().map(|((day, tok), (secs, n))| (day, tokens[tok as usize].clone(), secs, n)).collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.cmp(&y.1)));
    rows
}
