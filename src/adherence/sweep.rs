//! The adherence sweep: for one schedule agent, walk its applying schedule segments and its
//! actual-state timeline together, in time order, and classify every instant of counted
//! scheduled time (SPEC §4). One pass per agent yields the shift totals, the exceptions and
//! the interval grid; per-shift lookups (state at R, logins, windows) are binary searches
//! and prefix sums over the timeline.

use crate::activity::state::State;
use crate::activity::timeline::{first_in, last_in, LoginLogout, Prefix, Timelines};
use crate::rules::StateSet;
use crate::schedule::shifts::{RowRule, Shifts, NO_SHIFT};
use crate::time::{Ms, Zone, HOUR};

/// Verdict of a piece of counted scheduled time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    In,
    Out,
    Unknown,
}

/// A compiled activity rule.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub allowed: StateSet,
    pub productive: bool,
}

/// Everything the sweep reads, shared by all agents.
pub struct SweepInput<'a> {
    pub shifts: &'a Shifts,
    pub row_rule: &'a [RowRule],
    pub rules: &'a [CompiledRule],
    pub timelines: &'a Timelines,
    pub logged_in: &'a Prefix,
    pub productive: &'a Prefix,
    pub logins: &'a LoginLogout,
    /// For each schedule agent, its timeline index (unmatched agents point at the shared
    /// "logged out throughout" timeline).
    pub timeline_of: &'a [usize],
    /// Activity agent index (for login/logout lookups), if matched.
    pub activity_of: &'a [Option<usize>],
    /// Zone of each schedule agent (for the interval grid).
    pub agent_zone: &'a [Zone],
    pub min_exception: Ms,
    /// Shifts selected by `--from/--to` (exceptions and intervals are kept only for these).
    pub selected: &'a [bool],
    /// Interval length, or `None` to skip the grid.
    pub interval: Option<Ms>,
    /// Record every classified piece in [`AgentResult::pieces`] (for `explain`).
    pub trace: bool,
}

/// One piece of counted scheduled time with a single activity row and actual state.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub shift: u32,
    pub start: Ms,
    pub end: Ms,
    /// The applying schedule row.
    pub row: u32,
    pub state: u8,
    pub reason: u32,
    pub verdict: Verdict,
}

/// Per-shift figures, in milliseconds (one entry per shift of the agent, in shift order).
#[derive(Debug, Clone, Default)]
pub struct ShiftFigures {
    pub scheduled: Vec<Ms>,
    pub in_adherence: Vec<Ms>,
    pub out_of_adherence: Vec<Ms>,
    pub unknown: Vec<Ms>,
    /// Σ exceptions shorter than `min_exception` (forgiven in adjusted adherence).
    pub forgiven: Vec<Ms>,
    pub exception_count: Vec<u32>,
    pub productive_scheduled: Vec<Ms>,
    pub productive_actual: Vec<Ms>,
    pub late: Vec<Option<Ms>>,
    pub early_logout: Vec<Option<Ms>>,
    pub no_show: Vec<bool>,
    pub logged_in: Vec<Ms>,
    pub first_login: Vec<Option<Ms>>,
    pub last_logout: Vec<Option<Ms>>,
}

/// Exceptions (≥ `min_exception`) of selected shifts.
#[derive(Debug, Clone, Default)]
pub struct ExceptionRows {
    pub shift: Vec<u32>,
    pub start: Vec<Ms>,
    pub end: Vec<Ms>,
    /// The applying row at `start`.
    pub row: Vec<u32>,
    pub state: Vec<u8>,
    pub reason: Vec<u32>,
}

/// Interval grid cells holding counted scheduled time of selected shifts.
#[derive(Debug, Clone, Default)]
pub struct IntervalRows {
    /// Local date (days since 1970-01-01).
    pub day: Vec<i64>,
    pub start: Vec<Ms>,
    pub end: Vec<Ms>,
    pub scheduled: Vec<Ms>,
    pub in_adherence: Vec<Ms>,
    pub out_of_adherence: Vec<Ms>,
    pub unknown: Vec<Ms>,
}

/// The sweep's output for one schedule agent.
#[derive(Debug, Clone, Default)]
pub struct AgentResult {
    pub shifts: ShiftFigures,
    pub exceptions: ExceptionRows,
    pub intervals: IntervalRows,
    /// Every classified piece, in time order (only with `trace`).
    pub pieces: Vec<Piece>,
}

struct Run {
    shift: u32,
    start: Ms,
    end: Ms,
    row: u32,
    state: u8,
    reason: u32,
}

/// The interval grid of one agent: cells restart at every local midnight and step by the
/// interval length of real time.
struct Grid<'a> {
    zone: &'a Zone,
    step: Ms,
    /// Current local day and its bounds.
    day: i64,
    day_start: Ms,
    day_end: Ms,
    /// Current cell and its local day.
    cell: Option<(Ms, Ms)>,
    day_of_cell: i64,
    acc: [Ms; 3],
    out: IntervalRows,
}

impl<'a> Grid<'a> {
    fn new(zone: &'a Zone, step: Ms) -> Self {
        Grid {
            zone,
            step,
            day: i64::MIN,
            day_start: Ms::MAX,
            day_end: Ms::MIN,
            cell: None,
            day_of_cell: 0,
            acc: [0; 3],
            out: IntervalRows::default(),
        }
    }

    fn flush(&mut self) {
        if let Some((s, e)) = self.cell.take() {
            let [i, o, u] = self.acc;
            self.out.day.push(self.day_of_cell);
            self.out.start.push(s);
            self.out.end.push(e);
            self.out.scheduled.push(i + o + u);
            self.out.in_adherence.push(i);
            self.out.out_of_adherence.push(o);
            self.out.unknown.push(u);
            self.acc = [0; 3];
        }
    }

    fn add(&mut self, mut t: Ms, end: Ms, verdict: Verdict) {
        while t < end {
            let in_cell = matches!(self.cell, Some((s, e)) if s <= t && t < e);
            if !in_cell {
                self.flush();
                if !(self.day_start <= t && t < self.day_end) {
                    self.day = self.zone.local_day(t);
                    self.day_start = self.zone.day_start(self.day);
                    self.day_end = self.zone.day_start(self.day + 1);
                }
                let idx = (t - self.day_start) / self.step;
                let cs = self.day_start + idx * self.step;
                let ce = (cs + self.step).min(self.day_end);
                self.cell = Some((cs, ce));
                self.day_of_cell = self.day;
            }
            let (_, ce) = self.cell.expect("cell");
            let u = end.min(ce);
            let k = match verdict {
                Verdict::In => 0,
                Verdict::Out => 1,
                Verdict::Unknown => 2,
            };
            self.acc[k] += u - t;
            t = u;
        }
    }
}

/// Sweeps schedule agent `a`.
pub fn sweep_agent(input: &SweepInput, a: usize) -> AgentResult {
    let sh = input.shifts;
    let tl = input.timelines;
    let ta = input.timeline_of[a];
    let shift_range = sh.shifts_of(a);
    let first_shift = shift_range.start as u32;
    let n = shift_range.len();
    let mut f = ShiftFigures {
        scheduled: vec![0; n],
        in_adherence: vec![0; n],
        out_of_adherence: vec![0; n],
        unknown: vec![0; n],
        forgiven: vec![0; n],
        exception_count: vec![0; n],
        productive_scheduled: vec![0; n],
        ..Default::default()
    };
    let mut exceptions = ExceptionRows::default();
    let mut pieces = Vec::new();
    let mut grid = input.interval.map(|step| Grid::new(&input.agent_zone[a], step));

    let mut run: Option<Run> = None;
    let close = |run: &mut Option<Run>, f: &mut ShiftFigures, ex: &mut ExceptionRows| {
        if let Some(r) = run.take() {
            let k = (r.shift - first_shift) as usize;
            let d = r.end - r.start;
            if d >= input.min_exception {
                f.exception_count[k] += 1;
                if input.selected[r.shift as usize] {
                    ex.shift.push(r.shift);
                    ex.start.push(r.start);
                    ex.end.push(r.end);
                    ex.row.push(r.row);
                    ex.state.push(r.state);
                    ex.reason.push(r.reason);
                }
            } else {
                f.forgiven[k] += d;
            }
        }
    };

    let mut cursor = tl.range(ta).start;
    for k in sh.segments_of(a) {
        let shift = sh.seg_shift[k];
        let row = sh.seg_row[k];
        let rr = input.row_rule[row as usize];
        if shift == NO_SHIFT || !rr.counted {
            continue;
        }
        let (s, e) = (sh.seg_start[k], sh.seg_end[k]);
        let rule = &input.rules[rr.rule as usize];
        let ks = (shift - first_shift) as usize;
        f.scheduled[ks] += e - s;
        if rule.productive {
            f.productive_scheduled[ks] += e - s;
        }
        let selected = input.selected[shift as usize];
        while tl.end[cursor] <= s {
            cursor += 1;
        }
        let mut t = s;
        while t < e {
            let pe = e.min(tl.end[cursor]);
            let (st, rs) = (tl.state[cursor], tl.reason[cursor]);
            let verdict = if st == State::Unknown as u8 {
                Verdict::Unknown
            } else if rule.allowed.contains(st, rs) {
                Verdict::In
            } else {
                Verdict::Out
            };
            match verdict {
                Verdict::In => f.in_adherence[ks] += pe - t,
                Verdict::Out => f.out_of_adherence[ks] += pe - t,
                Verdict::Unknown => f.unknown[ks] += pe - t,
            }
            if verdict == Verdict::Out {
                match &mut run {
                    Some(r) if r.shift == shift && r.end == t => r.end = pe,
                    _ => {
                        close(&mut run, &mut f, &mut exceptions);
                        run = Some(Run { shift, start: t, end: pe, row, state: st, reason: rs });
                    }
                }
            } else {
                close(&mut run, &mut f, &mut exceptions);
            }
            if input.trace {
                pieces.push(Piece { shift, start: t, end: pe, row, state: st, reason: rs, verdict });
            }
            if selected {
                if let Some(g) = grid.as_mut() {
                    g.add(t, pe, verdict);
                }
            }
            t = pe;
            if pe == tl.end[cursor] {
                cursor += 1;
            }
        }
    }
    close(&mut run, &mut f, &mut exceptions);

    // Per-shift lookups.
    let logins = input.activity_of[a].map_or(&[][..], |i| input.logins.logins(i));
    let logouts = input.activity_of[a].map_or(&[][..], |i| input.logins.logouts(i));
    for s in shift_range.clone() {
        let (ss, se) = (sh.shift_start[s], sh.shift_end[s]);
        let logged_in = input.logged_in.between(tl, ta, ss, se);
        f.logged_in.push(logged_in);

        let mut late = None;
        let mut no_show = false;
        if let Some(r) = sh.shift_r[s] {
            let st = tl.state_at(ta, r);
            if State::is_logged_in_code(st) {
                late = Some(0);
            } else if st == State::LoggedOut as u8 {
                late = first_in(logins, r, se, false).map(|t| t - r);
                no_show = logged_in == 0;
            }
        }
        f.late.push(late);
        f.no_show.push(no_show);

        let mut early = None;
        if let Some(e) = sh.shift_e[s] {
            let st = tl.state_at(ta, e - 1);
            if State::is_logged_in_code(st) {
                early = Some(0);
            } else if st == State::LoggedOut as u8 {
                early = last_in(logouts, ss, e, false).map(|t| e - t);
            }
        }
        f.early_logout.push(early);

        // Conformance window: an hour either side, cut halfway to the neighbouring shifts.
        let mut ws = ss - HOUR;
        let mut we = se + HOUR;
        if s > shift_range.start {
            ws = ws.max((sh.shift_end[s - 1] + ss).div_euclid(2));
        }
        if s + 1 < shift_range.end {
            we = we.min((se + sh.shift_start[s + 1]).div_euclid(2));
        }
        f.productive_actual.push(input.productive.between(tl, ta, ws, we));
        f.first_login.push(first_in(logins, ws, we, true));
        f.last_logout.push(last_in(logouts, ws, we, true));
    }
    let intervals = match grid {
        Some(mut g) => {
            g.flush();
            g.out
        }
        None => IntervalRows::default(),
    };
    AgentResult { shifts: f, exceptions, intervals, pieces }
}
