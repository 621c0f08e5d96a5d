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
    /// Index into `tokens`.
    pub state: Vec<u32>,
    pub seconds: Vec<Ms>,
    pub entries: Vec<u32>,
    pub logged_in: Vec<Ms>,
    /// Distinct state tokens (`online`, `away:Lunch`, …).
    pub tokens: Vec<String>,
}

/// One agent's totals: (day, token, seconds, entries), sorted by (day, token).
pub type AgentDays = Vec<(i64, String, Ms, u32)>;

/// [`agent_days`] of every activity agent, in its label's zone (in parallel). The states and
/// productivity views are both built from this, computed once.
pub fn all_agent_days(activity: &Activity, timelines: &Timelines, labels: &[AgentLabel]) -> Vec<AgentDays> {
    (0..activity.agents.len()).into_par_iter().map(|a| agent_days(activity, timelines, a, &labels[a].zone)).collect()
}

/// The states view's rows from every agent's [`all_agent_days`] (each logged-in run split
/// at local midnights and totalled per day and token). `days` limits the output to local
/// dates in `[from, to]`.
pub fn time_in_state(per_agent: &[AgentDays], labels: &[AgentLabel], days: (Option<i64>, Option<i64>)) -> StateRows {
    // Sort agents by (label, agent_id); agents are in agent_id order already.
    let mut order: Vec<usize> = (0..per_agent.len()).collect();
    order.sort_by(|&x, &y| labels[x].agent.cmp(&labels[y].agent).then(x.cmp(&y)));
    let mut out = StateRows::default();
    let mut token_index: HashMap<String, u32> = HashMap::new();
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
                    let t = match token_index.get(&r.1) {
                        Some(&t) => t,
                        None => {
                            out.tokens.push(r.1.clone());
                            let t = (out.tokens.len() - 1) as u32;
                            token_index.insert(r.1.clone(), t);
                            t
                        }
                    };
                    out.agent.push(a as u32);
                    out.day.push(day);
                    out.state.push(t);
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

/// The current local day of a walk forward in time, with its bounds.
struct DayCursor<'a> {
    zone: &'a Zone,
    day: i64,
    start: Ms,
    end: Ms,
}

impl<'a> DayCursor<'a> {
    fn new(zone: &'a Zone) -> Self {
        DayCursor { zone, day: 0, start: Ms::MAX, end: Ms::MIN }
    }

    /// The local day holding `t` and where it ends.
    fn at(&mut self, t: Ms) -> (i64, Ms) {
        if !(self.start <= t && t < self.end) {
            self.day = self.zone.local_day(t);
            self.start = self.zone.day_start(self.day);
            self.end = self.zone.day_start(self.day + 1);
            if self.end <= t {
                // A zone whose offsets run backwards across midnight: take the rest as one day.
                self.end = Ms::MAX;
            }
        }
        (self.day, self.end)
    }
}

/// (day, token, seconds, entries) of one agent, sorted by (day, token). Reasons that share
/// a text (with different reason ids) are one token here: their touching pieces are one
/// entry.
pub fn agent_days(activity: &Activity, tl: &Timelines, a: usize, zone: &Zone) -> AgentDays {
    // Token of each (state, reason) once; pieces are totalled by (day, token).
    // foldhash, not the default SipHash: `acc` is looked up once per timeline piece.
    type Fast = foldhash::fast::RandomState;
    let mut token_of: HashMap<(u8, u32), u32, Fast> = HashMap::default();
    let mut tokens: Vec<String> = Vec::new();
    let mut index_of_token: HashMap<String, u32, Fast> = HashMap::default();
    let mut acc: HashMap<(i64, u32), (Ms, u32), Fast> = HashMap::default();
    let mut prev: Option<(Ms, i64, u32)> = None; // (end, day, token) of the previous piece
    let mut cursor = DayCursor::new(zone);
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
            let (day, day_end) = cursor.at(s);
            let u = e.min(day_end);
            let v = acc.entry((day, tok)).or_default();
            v.0 += u - s;
            if prev != Some((s, day, tok)) {
                v.1 += 1;
            }
            prev = Some((u, day, tok));
            s = u;
        }
    }
    let mut rows: AgentDays = acc.into_iter().map(|((day, tok), (secs, n))| (day, tokens[tok as usize].clone(), secs, n)).collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.cmp(&y.1)));
    rows
}
