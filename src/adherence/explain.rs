//! The truth behind a shift's numbers: every piece of the shift with its scheduled
//! activity, actual state, verdict (in / out / unknown / excluded) and the rule that decided
//! it, and the ingredients of each metric (SPEC §4). `adhere explain` prints it; the HTML
//! report draws its timelines from it.
//!
//! The figures come from the very sweep the report runs ([`sweep::sweep_agent`] with its
//! trace), so an explanation always shows the numbers of the shifts view. The ingredients
//! (R and the state there, the login that ended the lateness, E, the conformance window, the
//! runs of out-of-adherence time) are looked up again here with the same primitives; the
//! tests check that they add up to those figures on many shifts.

use std::collections::HashMap;

use super::sweep::{self, Verdict as SweepVerdict};
use super::views::pct;
use super::Engine;
use crate::activity::state::{token, State};
use crate::activity::timeline::{first_in, last_in};
use crate::error::{Error, Result};
use crate::schedule::shifts::NO_SHIFT;
use crate::time::{self, Ms, Zone, HOUR};

/// What a piece of a shift counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Counted scheduled time in a state the activity allows.
    In,
    /// Counted scheduled time in a state the activity does not allow.
    Out,
    /// Counted scheduled time whose actual state is unknown (left out of the ratios).
    Unknown,
    /// Inside the shift but not counted scheduled time: time off, or nothing scheduled.
    Excluded,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::In => "in",
            Verdict::Out => "out",
            Verdict::Unknown => "unknown",
            Verdict::Excluded => "excluded",
        }
    }
}

/// What kind of scheduled activity a name is (for drawing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// Counted and productive (conformance counts it as working time).
    Productive,
    /// Counted, not productive (breaks, meetings).
    Counted,
    /// Not counted (time off).
    TimeOff,
}

/// A piece of a shift with one applying schedule row (or none) and one actual state.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: Ms,
    pub end: Ms,
    /// The applying schedule row (index into the schedule rows), if any.
    pub row: Option<u32>,
    /// The scheduled activity as written (index into [`Labels::activities`]).
    pub activity: Option<u32>,
    /// The actual state token (index into [`Labels::states`]).
    pub state: u32,
    pub verdict: Verdict,
    /// What decided the verdict (index into [`Labels::rules`]).
    pub rule: u32,
    /// The out-of-adherence run this piece belongs to (index into the shift's runs).
    pub run: Option<u32>,
}

/// A maximal run of out-of-adherence time (SPEC §4 "exception").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub start: Ms,
    pub end: Ms,
    /// At least `min_exception` long: an exception. Shorter runs are forgiven in adjusted
    /// adherence.
    pub exception: bool,
}

/// A piece of the conformance window in one actual state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPiece {
    pub start: Ms,
    pub end: Ms,
    pub state: u32,
    /// In `productive_states` (counts towards `productive_actual_seconds`).
    pub productive: bool,
}

/// The shift's figures, exactly as the sweep computed them for the shifts view
/// (milliseconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub scheduled: Ms,
    pub in_adherence: Ms,
    pub out_of_adherence: Ms,
    pub unknown: Ms,
    /// Σ out-of-adherence runs shorter than `min_exception`.
    pub forgiven: Ms,
    pub exception_count: u32,
    pub productive_scheduled: Ms,
    pub productive_actual: Ms,
    pub late: Option<Ms>,
    pub early_logout: Option<Ms>,
    pub no_show: bool,
    pub logged_in: Ms,
    pub first_login: Option<Ms>,
    pub last_logout: Option<Ms>,
}

impl Figures {
    pub fn adherence_pct(&self) -> Option<f64> {
        pct(self.in_adherence, self.in_adherence + self.out_of_adherence)
    }
    pub fn adjusted_adherence_pct(&self) -> Option<f64> {
        pct(self.in_adherence + self.forgiven, self.in_adherence + self.out_of_adherence)
    }
    pub fn conformance_pct(&self) -> Option<f64> {
        pct(self.productive_actual, self.productive_scheduled)
    }
}

/// The ingredients of lateness, early logout and conformance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    /// R: first instant of counted time whose activity does not allow `logged_out`.
    pub r: Option<Ms>,
    /// The actual state at R (index into [`Labels::states`]).
    pub state_at_r: Option<u32>,
    /// The first login record in [R, shift_end), when logged out at R.
    pub login_after_r: Option<Ms>,
    /// E: end of the last such time.
    pub e: Option<Ms>,
    /// The actual state just before E.
    pub state_before_e: Option<u32>,
    /// The last logout record in (shift_start, E], when logged out just before E.
    pub logout_before_e: Option<Ms>,
    /// The conformance window [start, end].
    pub window: (Ms, Ms),
}

/// Who and when a shift is (the identity fields of the shifts view).
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftIdentity {
    pub agent: String,
    pub agent_id: Option<i64>,
    pub employee_id: Option<String>,
    pub login_name: Option<String>,
    pub team: Option<String>,
    /// The shift's zone.
    pub zone: Zone,
    pub shift_date: i64,
    pub shift_start: Ms,
    pub shift_end: Ms,
}

/// One shift, explained.
#[derive(Debug, Clone)]
pub struct ShiftExplanation {
    /// Schedule agent index.
    pub agent: usize,
    /// Shift index (in the engine's shifts).
    pub shift: usize,
    pub identity: ShiftIdentity,
    /// Every piece of [shift_start, shift_end], in time order, touching.
    pub segments: Vec<Segment>,
    /// Out-of-adherence runs, in time order.
    pub runs: Vec<Run>,
    /// The actual states across the conformance window.
    pub window_states: Vec<WindowPiece>,
    pub figures: Figures,
    pub derived: Derived,
}

/// Texts the explanations refer to by index (so thousands of shifts share them).
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// State tokens (`online`, `away:Lunch`, `logged_out`, `unknown`).
    pub states: Vec<String>,
    /// Scheduled activities as written, and their kind.
    pub activities: Vec<String>,
    pub activity_kind: Vec<ActivityKind>,
    /// Rule texts: `Break allows away, occupied, offline, logged_out`.
    pub rules: Vec<String>,
    /// `file:line` (file name only) of every schedule row a segment refers to.
    pub row_sources: HashMap<u32, String>,
    state_ix: HashMap<(u8, u32), u32>,
    activity_ix: HashMap<String, u32>,
    rule_ix: HashMap<String, u32>,
}

impl Labels {
    fn state(&mut self, engine: &Engine, st: u8, reason: u32) -> u32 {
        if let Some(&i) = self.state_ix.get(&(st, reason)) {
            return i;
        }
        self.states.push(token(State::from_code(st), engine.activity.reason_text(reason)));
        let i = (self.states.len() - 1) as u32;
        self.state_ix.insert((st, reason), i);
        i
    }

    fn activity(&mut self, engine: &Engine, row: u32) -> u32 {
        self.row_sources.entry(row).or_insert_with(|| {
            let sc = engine.schedule;
            let file = &sc.files[sc.file[row as usize] as usize];
            let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
            format!("{name}:{}", sc.line[row as usize])
        });
        let name = &engine.schedule.activity[row as usize];
        if let Some(&i) = self.activity_ix.get(name) {
            return i;
        }
        let rr = engine.row_rule[row as usize];
        let kind = if !rr.counted {
            ActivityKind::TimeOff
        } else if engine.rules.activities[rr.rule as usize].productive {
            ActivityKind::Productive
        } else {
            ActivityKind::Counted
        };
        self.activities.push(name.clone());
        self.activity_kind.push(kind);
        let i = (self.activities.len() - 1) as u32;
        self.activity_ix.insert(name.clone(), i);
        i
    }

    fn rule(&mut self, text: String) -> u32 {
        if let Some(&i) = self.rule_ix.get(&text) {
            return i;
        }
        self.rules.push(text.clone());
        let i = (self.rules.len() - 1) as u32;
        self.rule_ix.insert(text, i);
        i
    }
}

/// Explanations of a set of shifts, with the texts they share.
#[derive(Debug, Clone, Default)]
pub struct Explanations {
    pub labels: Labels,
    pub shifts: Vec<ShiftExplanation>,
    /// The rules' `grace` and `min_exception`.
    pub grace: Ms,
    pub min_exception: Ms,
    /// The rules' `productive_states`, as written.
    pub productive_states: Vec<String>,
}

/// The schedule agent with this key: exactly as written, else ignoring case, else by the
/// matched LivePerson agent's employee id, login name or agentId.
pub fn find_agent(engine: &Engine, key: &str) -> Result<usize> {
    let keys = &engine.shifts.agent_key;
    let k = key.trim();
    if let Ok(i) = keys.binary_search_by(|x| x.as_str().cmp(k)) {
        return Ok(i);
    }
    let found: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].eq_ignore_ascii_case(k)).collect();
    if found.len() == 1 {
        return Ok(found[0]);
    }
    let by_activity: Vec<usize> = (0..keys.len())
        .filter(|&i| {
            engine.matches.agent[i].is_some_and(|m| {
                let x = &engine.activity.agents[m];
                x.agent_id.to_string() == k
                    || x.employee_ids.iter().any(|e| e == k)
                    || x.login_names.iter().any(|l| l.eq_ignore_ascii_case(k))
            })
        })
        .collect();
    if by_activity.len() == 1 {
        return Ok(by_activity[0]);
    }
    let shown: Vec<String> = keys.iter().take(10).map(|k| format!("{k:?}")).collect();
    let more = if keys.len() > 10 { format!(", … ({} in all)", keys.len()) } else { String::new() };
    Err(Error::usage(if found.len() + by_activity.len() > 1 {
        format!("--agent {key:?} matches several schedule agents; give the schedule key exactly: {}{more}", shown.join(", "))
    } else if keys.is_empty() {
        format!("--agent {key:?}: the schedule has no agents")
    } else {
        format!(
            "--agent {key:?} is not an agent of the schedule (give its schedule key, employee id, login name or agentId); agents: {}{more}",
            shown.join(", ")
        )
    }))
}

/// The shifts of agent `key` whose `shift_date` is `day`.
pub fn explain_day(engine: &Engine, key: &str, day: i64) -> Result<Explanations> {
    let a = find_agent(engine, key)?;
    let sh = &engine.shifts;
    let shifts: Vec<usize> = sh.shifts_of(a).filter(|&s| sh.shift_day[s] == day).collect();
    if shifts.is_empty() {
        let mut days: Vec<i64> = sh.shifts_of(a).map(|s| sh.shift_day[s]).collect();
        days.dedup();
        // The reported dates nearest the one asked for.
        days.sort_by_key(|d| ((d - day).abs(), *d));
        days.truncate(7);
        days.sort_unstable();
        let list: Vec<String> = days.iter().map(|&d| time::fmt_day(d)).collect();
        return Err(Error::usage(if list.is_empty() {
            format!("agent {:?} has no reported shift (no counted scheduled time)", sh.agent_key[a])
        } else {
            format!(
                "agent {:?} has no shift with shift_date {}; nearest shift dates: {}",
                sh.agent_key[a],
                time::fmt_day(day),
                list.join(", ")
            )
        }));
    }
    let mut out = new_explanations(engine);
    explain_shifts(engine, a, &shifts, &mut out);
    Ok(out)
}

/// Every shift the report selects (`--from/--to`), agent by agent in the shifts view's order.
pub fn explain_selected(engine: &Engine) -> Explanations {
    let mut out = new_explanations(engine);
    let sh = &engine.shifts;
    for a in 0..sh.agents() {
        let shifts: Vec<usize> = sh.shifts_of(a).filter(|&s| engine.selected[s]).collect();
        if !shifts.is_empty() {
            explain_shifts(engine, a, &shifts, &mut out);
        }
    }
    out
}

fn new_explanations(engine: &Engine) -> Explanations {
    Explanations {
        grace: engine.rules.grace,
        min_exception: engine.rules.min_exception,
        productive_states: engine.rules.productive_states.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    }
}

/// Explains shifts `shifts` (indices, in start order) of schedule agent `a`.
fn explain_shifts(engine: &Engine, a: usize, shifts: &[usize], out: &mut Explanations) {
    let input = engine.sweep_input(true);
    let res = sweep::sweep_agent(&input, a);
    let sh = &engine.shifts;
    let tl = &engine.timelines;
    let ta = engine.timeline_of[a];
    let first = sh.shift_offsets[a];
    let act = engine.matches.agent[a];
    let logins = act.map_or(&[][..], |i| engine.logins.logins(i));
    let logouts = act.map_or(&[][..], |i| engine.logins.logouts(i));
    let labels = &mut out.labels;

    for &s in shifts {
        let k = s - first;
        let (ss, se) = (sh.shift_start[s], sh.shift_end[s]);
        let f = &res.shifts;
        let figures = Figures {
            scheduled: f.scheduled[k],
            in_adherence: f.in_adherence[k],
            out_of_adherence: f.out_of_adherence[k],
            unknown: f.unknown[k],
            forgiven: f.forgiven[k],
            exception_count: f.exception_count[k],
            productive_scheduled: f.productive_scheduled[k],
            productive_actual: f.productive_actual[k],
            late: f.late[k],
            early_logout: f.early_logout[k],
            no_show: f.no_show[k],
            logged_in: f.logged_in[k],
            first_login: f.first_login[k],
            last_logout: f.last_logout[k],
        };

        // Segments: the sweep's classified pieces of this shift, and what lies between them.
        let mut segments: Vec<Segment> = Vec::new();
        let mut t = ss;
        for p in res.pieces.iter().filter(|p| p.shift as usize == s) {
            if p.start > t {
                excluded(engine, labels, a, s, t, p.start, &mut segments);
            }
            let verdict = match p.verdict {
                SweepVerdict::In => Verdict::In,
                SweepVerdict::Out => Verdict::Out,
                SweepVerdict::Unknown => Verdict::Unknown,
            };
            let rule_text = if verdict == Verdict::Unknown { unknown_text(engine, ta, p.start) } else { allows_text(engine, p.row) };
            let seg = Segment {
                start: p.start,
                end: p.end,
                row: Some(p.row),
                activity: Some(labels.activity(engine, p.row)),
                state: labels.state(engine, p.state, p.reason),
                verdict,
                rule: labels.rule(rule_text),
                run: None,
            };
            push_merged(&mut segments, seg);
            t = p.end;
        }
        if t < se {
            excluded(engine, labels, a, s, t, se, &mut segments);
        }

        // Runs of out-of-adherence time: touching `out` pieces; anything else ends a run.
        let mut runs: Vec<Run> = Vec::new();
        let mut open = false;
        for seg in segments.iter_mut() {
            if seg.verdict == Verdict::Out {
                match runs.last_mut() {
                    Some(r) if open && r.end == seg.start => r.end = seg.end,
                    _ => runs.push(Run { start: seg.start, end: seg.end, exception: false }),
                }
                open = true;
                seg.run = Some((runs.len() - 1) as u32);
            } else {
                open = false;
            }
        }
        for r in runs.iter_mut() {
            r.exception = r.end - r.start >= engine.rules.min_exception;
        }

        // R, E and the conformance window, as the sweep finds them.
        let mut d = Derived { r: sh.shift_r[s], e: sh.shift_e[s], ..Default::default() };
        if let Some(r) = d.r {
            let i = tl.segment_at(ta, r);
            d.state_at_r = Some(labels.state(engine, tl.state[i], tl.reason[i]));
            if tl.state[i] == State::LoggedOut as u8 {
                d.login_after_r = first_in(logins, r, se, false);
            }
        }
        if let Some(e) = d.e {
            let i = tl.segment_at(ta, e - 1);
            d.state_before_e = Some(labels.state(engine, tl.state[i], tl.reason[i]));
            if tl.state[i] == State::LoggedOut as u8 {
                d.logout_before_e = last_in(logouts, ss, e, false);
            }
        }
        let range = sh.shifts_of(a);
        let mut ws = ss - HOUR;
        let mut we = se + HOUR;
        if s > range.start {
            ws = ws.max((sh.shift_end[s - 1] + ss).div_euclid(2));
        }
        if s + 1 < range.end {
            we = we.min((se + sh.shift_start[s + 1]).div_euclid(2));
        }
        d.window = (ws, we);
        let mut window_states = Vec::new();
        for_states(engine, ta, ws, we, |u, v, st, rs| {
            let productive = engine.productive_states.contains(st, rs);
            window_states.push(WindowPiece { start: u, end: v, state: labels.state(engine, st, rs), productive });
        });

        out.shifts.push(ShiftExplanation {
            agent: a,
            shift: s,
            identity: identity(engine, a, s),
            segments,
            runs,
            window_states,
            figures,
            derived: d,
        });
    }
}

fn identity(engine: &Engine, a: usize, s: usize) -> ShiftIdentity {
    let sh = &engine.shifts;
    let m = engine.matches.agent[a].map(|i| &engine.activity.agents[i]);
    ShiftIdentity {
        agent: sh.agent_key[a].clone(),
        agent_id: m.map(|x| x.agent_id),
        employee_id: m.and_then(|x| x.employee_id.clone()),
        login_name: m.and_then(|x| x.login_name.clone()),
        team: sh.shift_team[s].clone().or_else(|| m.and_then(|x| x.group_id).map(|g| g.to_string())),
        zone: engine.schedule.zones[sh.shift_zone[s] as usize].clone(),
        shift_date: sh.shift_day[s],
        shift_start: sh.shift_start[s],
        shift_end: sh.shift_end[s],
    }
}

/// Appends a segment, merging it into the previous one when nothing but the boundary differs.
fn push_merged(segments: &mut Vec<Segment>, seg: Segment) {
    if let Some(last) = segments.last_mut() {
        if last.end == seg.start
            && last.row == seg.row
            && last.state == seg.state
            && last.verdict == seg.verdict
            && last.rule == seg.rule
            && last.run == seg.run
        {
            last.end = seg.end;
            return;
        }
    }
    segments.push(seg);
}

/// Calls `f(start, end, state, reason)` for the actual states of timeline `ta` over [u, v).
fn for_states(engine: &Engine, ta: usize, u: Ms, v: Ms, mut f: impl FnMut(Ms, Ms, u8, u32)) {
    let tl = &engine.timelines;
    if v <= u {
        return;
    }
    let mut i = tl.segment_at(ta, u);
    let mut t = u;
    while t < v {
        let e = tl.end[i].min(v);
        f(t, e, tl.state[i], tl.reason[i]);
        t = e;
        i += 1;
    }
}

/// The excluded time of shift `s` in [u, v): time off, another shift's time, or nothing
/// scheduled, split by actual state.
fn excluded(engine: &Engine, labels: &mut Labels, a: usize, s: usize, u: Ms, v: Ms, out: &mut Vec<Segment>) {
    let sh = &engine.shifts;
    let ta = engine.timeline_of[a];
    let segs = sh.segments_of(a);
    // The first schedule segment that ends after u.
    let mut k = segs.start + sh.seg_end[segs.clone()].partition_point(|&e| e <= u);
    let mut t = u;
    while t < v {
        let (x, y, row) = if k < segs.end && sh.seg_start[k] <= t {
            (t, sh.seg_end[k].min(v), Some(sh.seg_row[k]))
        } else if k < segs.end {
            (t, sh.seg_start[k].min(v), None)
        } else {
            (t, v, None)
        };
        let rule_text = match row {
            None => "nothing scheduled".to_string(),
            Some(r) => {
                let rr = engine.row_rule[r as usize];
                let name = &engine.schedule.activity[r as usize];
                if !rr.counted {
                    format!("{name} is time off (counted = false)")
                } else if sh.seg_shift[k] != s as u32 && sh.seg_shift[k] != NO_SHIFT {
                    format!("{name} belongs to another shift")
                } else {
                    format!("{name} is not counted in this shift")
                }
            }
        };
        let rule = labels.rule(rule_text);
        let activity = row.map(|r| labels.activity(engine, r));
        for_states(engine, ta, x, y, |p, q, st, rs| {
            let state = labels.state(engine, st, rs);
            push_merged(out, Segment { start: p, end: q, row, activity, state, verdict: Verdict::Excluded, rule, run: None });
        });
        if row.is_some() && y == sh.seg_end[k] {
            k += 1;
        }
        t = y;
    }
}

/// `Break allows away, occupied, offline, logged_out` for the activity of `row`.
fn allows_text(engine: &Engine, row: u32) -> String {
    let rr = engine.row_rule[row as usize];
    let allowed = &engine.rules.activities[rr.rule as usize].allowed;
    let name = &engine.schedule.activity[row as usize];
    if allowed.is_empty() {
        format!("{name} allows no state")
    } else {
        format!("{name} allows {}", allowed.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "))
    }
}

/// Why the state at `t` is unknown.
fn unknown_text(engine: &Engine, ta: usize, t: Ms) -> String {
    let tl = &engine.timelines;
    let i = tl.segment_at(ta, t);
    if !engine.activity.coverage.contains(t) {
        "state unknown: outside the activity's coverage (left out of the ratios)".to_string()
    } else if tl.start[i] == Ms::MIN {
        "state unknown: before the agent's first record (left out of the ratios)".to_string()
    } else {
        "state unknown: logged in, no state recorded yet (left out of the ratios)".to_string()
    }
}
