//! The actual state timeline of every agent (SPEC §4 steps 4–6): contiguous segments from
//! the beginning of time to the end, `unknown` outside coverage. Built in one sorted sweep
//! over the events frame.

use super::state::{State, NO_REASON};
use super::{Activity, Coverage};
use crate::time::Ms;

/// State segments of several agents, laid out column by column. Segments of agent `i` are
/// `offsets[i]..offsets[i + 1]`; they are sorted, touching, of positive length, and
/// neighbours differ in (state, reason). The first starts at `Ms::MIN`, the last ends at
/// `Ms::MAX`; both of those are always `unknown` when coverage is bounded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timelines {
    pub offsets: Vec<usize>,
    pub start: Vec<Ms>,
    pub end: Vec<Ms>,
    pub state: Vec<u8>,
    pub reason: Vec<u32>,
}

impl Timelines {
    pub fn agents(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn range(&self, agent: usize) -> std::ops::Range<usize> {
        self.offsets[agent]..self.offsets[agent + 1]
    }

    /// Index of the segment of `agent` that holds instant `t`.
    #[inline]
    pub fn segment_at(&self, agent: usize, t: Ms) -> usize {
        let r = self.range(agent);
        let starts = &self.start[r.clone()];
        r.start + starts.partition_point(|&s| s <= t) - 1
    }

    /// Segment state at `t`.
    #[inline]
    pub fn state_at(&self, agent: usize, t: Ms) -> u8 {
        self.state[self.segment_at(agent, t)]
    }

    fn push(&mut self, s: Ms, e: Ms, state: u8, reason: u32) {
        if e <= s {
            return;
        }
        let first_of_agent = self.start.len() == *self.offsets.last().unwrap_or(&0);
        if !first_of_agent {
            let last = self.start.len() - 1;
            if self.end[last] == s && self.state[last] == state && self.reason[last] == reason {
                self.end[last] = e;
                return;
            }
        }
        self.start.push(s);
        self.end.push(e);
        self.state.push(state);
        self.reason.push(reason);
    }

    /// Pushes `[s, e)` in `state`, cut by coverage: outside it the agent is `unknown`.
    /// `ci` walks the coverage intervals forward across calls for one agent.
    fn push_covered(&mut self, s: Ms, e: Ms, state: u8, reason: u32, cov: &[(Ms, Ms)], ci: &mut usize) {
        if state == State::Unknown as u8 {
            self.push(s, e, state, NO_REASON);
            return;
        }
        while *ci < cov.len() && cov[*ci].1 <= s {
            *ci += 1;
        }
        let mut k = *ci;
        let mut t = s;
        while t < e {
            if k >= cov.len() {
                self.push(t, e, State::Unknown as u8, NO_REASON);
                break;
            }
            let (cs, ce) = cov[k];
            if t < cs {
                let u = cs.min(e);
                self.push(t, u, State::Unknown as u8, NO_REASON);
                t = u;
                continue;
            }
            let u = ce.min(e);
            self.push(t, u, state, reason);
            t = u;
            if u == ce {
                k += 1;
            }
        }
    }

    fn finish_agent(&mut self) {
        self.offsets.push(self.start.len());
    }

    /// Builds every agent's timeline from the events frame, in agent order.
    pub fn build(activity: &Activity) -> Timelines {
        let time = activity.col_i64("time_ms");
        let ty = activity.col_u32("status_type");
        let state = activity.col_u32("state");
        let reason = activity.col_u32("reason");
        let cov = activity.coverage.intervals();
        let mut t = Timelines { offsets: vec![0], ..Default::default() };
        t.start.reserve(time.len() + 2 * activity.agents.len());
        for agent in &activity.agents {
            let rows = agent.rows.clone();
            let mut ci = 0;
            // Before the first record: logged out if it is a login, else unknown.
            let pre = if ty[rows.start] == 3 { State::LoggedOut } else { State::Unknown };
            t.push_covered(Ms::MIN, time[rows.start], pre as u8, NO_REASON, cov, &mut ci);
            for i in rows.clone() {
                let end = if i + 1 < rows.end { time[i + 1] } else { Ms::MAX };
                t.push_covered(time[i], end, state[i] as u8, reason[i], cov, &mut ci);
            }
            t.finish_agent();
        }
        t
    }

    /// The timeline of a scheduled agent that matches no activity: logged out inside
    /// coverage, unknown outside.
    pub fn logged_out_throughout(coverage: &Coverage) -> Timelines {
        let mut t = Timelines { offsets: vec![0], ..Default::default() };
        let mut ci = 0;
        t.push_covered(Ms::MIN, Ms::MAX, State::LoggedOut as u8, NO_REASON, coverage.intervals(), &mut ci);
        t.finish_agent();
        t
    }

    /// Appends another set of timelines after these.
    pub fn extend(&mut self, other: &Timelines) {
        let base = self.start.len();
        self.start.extend_from_slice(&other.start);
        self.end.extend_from_slice(&other.end);
        self.state.extend_from_slice(&other.state);
        self.reason.extend_from_slice(&other.reason);
        self.offsets.extend(other.offsets[1..].iter().map(|o| o + base));
    }

    /// Cumulative time in segments that satisfy `flag`, at each segment's start: time in
    /// the flagged states over `[a, b]` is `cum_at(b) - cum_at(a)`. Infinite segments are
    /// never flagged (they are `unknown`).
    pub fn prefix(&self, flag: impl Fn(u8, u32) -> bool) -> Prefix {
        let mut cum = Vec::with_capacity(self.start.len());
        let mut flags = Vec::with_capacity(self.start.len());
        let mut acc: Ms = 0;
        for i in 0..self.start.len() {
            let f = flag(self.state[i], self.reason[i]) && self.start[i] != Ms::MIN && self.end[i] != Ms::MAX;
            cum.push(acc);
            flags.push(f);
            if f {
                acc += self.end[i] - self.start[i];
            }
        }
        Prefix { cum, flags }
    }
}

/// Running totals of flagged time over a [`Timelines`], for range sums in O(log n).
#[derive(Debug, Clone)]
pub struct Prefix {
    cum: Vec<Ms>,
    flags: Vec<bool>,
}

impl Prefix {
    /// Flagged time of `agent` before instant `t`.
    #[inline]
    pub fn at(&self, tl: &Timelines, agent: usize, t: Ms) -> Ms {
        let i = tl.segment_at(agent, t);
        self.cum[i] + if self.flags[i] { t - tl.start[i] } else { 0 }
    }

    /// Flagged time of `agent` within `[a, b]` (0 when `b <= a`).
    #[inline]
    pub fn between(&self, tl: &Timelines, agent: usize, a: Ms, b: Ms) -> Ms {
        if b <= a {
            return 0;
        }
        self.at(tl, agent, b) - self.at(tl, agent, a)
    }
}

/// Times of every login and logout record per agent (after dedupe; inside coverage or not).
#[derive(Debug, Clone, Default)]
pub struct LoginLogout {
    pub login_offsets: Vec<usize>,
    pub logins: Vec<Ms>,
    pub logout_offsets: Vec<usize>,
    pub logouts: Vec<Ms>,
}

impl LoginLogout {
    pub fn build(activity: &Activity) -> LoginLogout {
        let time = activity.col_i64("time_ms");
        let ty = activity.col_u32("status_type");
        let mut out = LoginLogout { login_offsets: vec![0], logout_offsets: vec![0], ..Default::default() };
        for agent in &activity.agents {
            for i in agent.rows.clone() {
                match ty[i] {
                    3 => out.logins.push(time[i]),
                    4 => out.logouts.push(time[i]),
                    _ => {}
                }
            }
            out.login_offsets.push(out.logins.len());
            out.logout_offsets.push(out.logouts.len());
        }
        out
    }

    pub fn logins(&self, agent: usize) -> &[Ms] {
        self.login_offsets.get(agent + 1).map_or(&[], |&e| &self.logins[self.login_offsets[agent]..e])
    }

    pub fn logouts(&self, agent: usize) -> &[Ms] {
        self.logout_offsets.get(agent + 1).map_or(&[], |&e| &self.logouts[self.logout_offsets[agent]..e])
    }
}

/// First time in `times` (sorted) with `lo <= t` and `t < hi` (or `t <= hi` when `closed`).
pub fn first_in(times: &[Ms], lo: Ms, hi: Ms, closed: bool) -> Option<Ms> {
    let i = times.partition_point(|&t| t < lo);
    let t = *times.get(i)?;
    (t < hi || (closed && t == hi)).then_some(t)
}

/// Last time in `times` (sorted) with `t <= hi` and `lo < t` (or `lo <= t` when `closed`).
pub fn last_in(times: &[Ms], lo: Ms, hi: Ms, closed: bool) -> Option<Ms> {
    let i = times.partition_point(|&t| t <= hi);
    let t = *times.get(i.checked_sub(1)?)?;
    (t > lo || (closed && t == lo)).then_some(t)
}
