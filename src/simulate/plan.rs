//! One agent's working day: the schedule rows a WFM export would hold for it, and what the
//! agent actually did (LivePerson status changes), drawn from the agent's habits.
//!
//! A day is a pure function of `(seed, agent, date)`, so the schedule pass and every UTC day
//! whose pages it reaches into see the same thing.

use chrono::{Datelike, NaiveDateTime, TimeDelta, Timelike};

use super::agents::{weekday, Agent, Forced, Minute, Pattern, TimeStyle};
use super::rng::Rng;
use crate::time::{self, Ms, Zone, MINUTE, SECOND};

/// What a scheduled activity means to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Productive time: be online.
    Work,
    /// Break or lunch: be away (or anything but online).
    Break,
    /// Meeting, training, coaching: logged in, away with that reason.
    Meeting,
    /// Vacation, sick, time off: not there.
    TimeOff,
}

/// A schedule row before it is placed on the UTC line: minutes after local midnight of the
/// shift's date (beyond 1440 for the next morning).
#[derive(Debug, Clone, Copy)]
struct Template {
    name: &'static str,
    kind: Kind,
    start: Minute,
    end: Minute,
    /// Which block (part of a split shift) it belongs to.
    block: u8,
}

/// A schedule row as written to the CSV.
#[derive(Debug, Clone)]
pub struct SchedRow {
    pub name: &'static str,
    pub kind: Kind,
    pub start: Ms,
    pub end: Ms,
    block: u8,
    start_text: String,
    /// Empty when the row gives `length_minutes` instead.
    end_text: String,
    length_minutes: Option<i64>,
    /// The written local time was moved off a DST gap or an ambiguous hour.
    pub dst_moved: bool,
}

/// Away reasons: text and LivePerson reason id. Index 0 means "no reason".
pub const REASONS: &[(&str, i64)] = &[
    ("", -1),
    ("Lunch", 2_642_559_112),
    ("Coffee break", 2_642_559_712),
    ("Meeting", 2_642_560_014),
    ("Training", 2_642_560_231),
    ("Coaching", 2_642_560_377),
    ("Personal", 2_642_560_518),
];
const R_NONE: u8 = 0;
const R_LUNCH: u8 = 1;
const R_COFFEE: u8 = 2;
const R_PERSONAL: u8 = 6;

fn reason_of_meeting(name: &str) -> u8 {
    REASONS.iter().position(|(t, _)| *t == name).unwrap_or(3) as u8
}

/// A status of a logged-in agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Offline,
    Online,
    Occupied,
    Away(u8),
}

impl Status {
    /// `statusSubType`.
    pub fn subtype(self) -> u8 {
        match self {
            Status::Offline => 1,
            Status::Online => 2,
            Status::Occupied => 3,
            Status::Away(_) => 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Login,
    Status(Status),
    Logout,
}

/// "No time" in [`Rec::prev`].
pub const NO_TIME: Ms = i64::MIN;

/// One status-change record, before the API's quirks are applied when it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rec {
    pub time: Ms,
    /// `prevStatusChangeTime`, or [`NO_TIME`].
    pub prev: Ms,
    /// `sessionId`; -1 on the login and the default state after it.
    pub session: i64,
    pub agent: u32,
    /// `sequenceNumber`: -1 login, 1 default state, then 2, 3, …; the logout follows on.
    pub seq: i32,
    /// `statusType`: 1 state change, 3 login, 4 logout.
    pub status_type: u8,
    /// `statusSubType`: 0 on login/logout, else 1 offline, 2 online, 3 occupied, 4 away.
    pub sub: u8,
    /// Index into [`REASONS`].
    pub reason: u8,
}

/// Counts of what the simulated days hold (for the summary and the tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Schedule rows written.
    pub schedule_rows: u64,
    /// Scheduled working days with productive time (agents with a schedule).
    pub shifts: u64,
    pub night_shifts: u64,
    pub split_shifts: u64,
    pub time_off_rows: u64,
    /// Rows whose local time was moved off a DST gap or an ambiguous hour.
    pub dst_moved_rows: u64,
    /// Login sessions (all agents with activity).
    pub sessions: u64,
    // The rest counts scheduled days of agents that have both a schedule and activity.
    pub late_logins: u64,
    pub early_logouts: u64,
    pub no_shows: u64,
    /// Shifts of scheduled agents who have no activity at all (no-shows in a report too).
    pub shifts_never_logged_in: u64,
    pub breaks_online: u64,
    /// Away without a reason for less than 60 s during productive time.
    pub blips: u64,
    pub offline_before_logout: u64,
    pub meetings: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.schedule_rows += o.schedule_rows;
        self.shifts += o.shifts;
        self.night_shifts += o.night_shifts;
        self.split_shifts += o.split_shifts;
        self.time_off_rows += o.time_off_rows;
        self.dst_moved_rows += o.dst_moved_rows;
        self.sessions += o.sessions;
        self.late_logins += o.late_logins;
        self.early_logouts += o.early_logouts;
        self.no_shows += o.no_shows;
        self.shifts_never_logged_in += o.shifts_never_logged_in;
        self.breaks_online += o.breaks_online;
        self.blips += o.blips;
        self.offline_before_logout += o.offline_before_logout;
        self.meetings += o.meetings;
    }
}

/// One agent-day.
#[derive(Debug, Clone, Default)]
pub struct Day {
    /// Schedule rows in the order written (empty for agents with no schedule).
    pub rows: Vec<SchedRow>,
    /// Records sorted by time (empty for agents with no activity).
    pub recs: Vec<Rec>,
    pub tally: Tally,
}

/// Stream tag for agent-days.
const STREAM_DAY: u64 = 2;

/// Places `minutes` after `midnight` (local) in `zone`. A local time in a DST gap or an
/// ambiguous hour is moved 15 minutes at a time until it is neither: schedules never hold a
/// time that cannot be read without `--ambiguous`.
fn place(zone: &Zone, midnight: NaiveDateTime, minutes: Minute) -> (Ms, NaiveDateTime, Minute) {
    let mut m = minutes;
    for _ in 0..16 {
        let local = midnight + TimeDelta::minutes(m);
        if let Ok(ms) = zone.resolve(local, None) {
            return (ms, local, m - minutes);
        }
        m += 15;
    }
    unreachable!("no DST change lasts four hours")
}

fn fmt_local(t: NaiveDateTime) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

fn fmt_with_offset(t: NaiveDateTime, offset_s: i32) -> String {
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:00{}", t.year(), t.month(), t.day(), t.hour(), t.minute(), time::fmt_offset(offset_s))
}

fn write_time(a: &Agent, ms: Ms, local: NaiveDateTime) -> String {
    match a.style {
        TimeStyle::Local => fmt_local(local),
        TimeStyle::Offset => fmt_with_offset(local, a.zone.offset_at(ms)),
        TimeStyle::Utc => time::fmt_instant(ms),
    }
}

/// The day's template rows and blocks (in minutes), with its time off and meetings.
fn template(a: &Agent, rng: &mut Rng, forced: Forced, vacation: bool) -> Vec<Template> {
    let h = &a.habits;
    let swing = if forced == Forced::None && rng.chance(h.start_swing) { *rng.pick(&[-30, 30]) } else { 0 };
    let base = a.base_activity;
    let w = |start, end, block| Template { name: base, kind: Kind::Work, start, end, block };
    let brk = |name, start, end, block| Template { name, kind: Kind::Break, start, end, block };
    let mut rows: Vec<Template> = match a.pattern {
        Pattern::Day { start } => {
            let s = start + swing;
            vec![w(s, s + 510, 0), brk("Break", s + 120, s + 135, 0), brk("Lunch", s + 240, s + 270, 0), brk("Break", s + 390, s + 405, 0)]
        }
        Pattern::Night => {
            let s = 22 * 60;
            vec![w(s, s + 510, 0), brk("Break", s + 120, s + 135, 0), brk("Lunch", s + 240, s + 270, 0), brk("Break", s + 390, s + 405, 0)]
        }
        Pattern::SplitShort { start } => {
            let s = start + swing;
            vec![w(s, s + 240, 0), brk("Break", s + 120, s + 135, 0), w(s + 285, s + 525, 1), brk("Break", s + 405, s + 420, 1)]
        }
        Pattern::SplitLong { start } => {
            let s = start + swing;
            vec![w(s, s + 240, 0), brk("Break", s + 120, s + 135, 0), w(s + 480, s + 720, 1), brk("Break", s + 600, s + 615, 1)]
        }
        Pattern::PartTime { start } => {
            let s = start + swing;
            vec![w(s, s + 240, 0), brk("Break", s + 120, s + 135, 0)]
        }
    };
    let s = rows[0].start;
    let end = rows.iter().map(|r| r.end).max().unwrap_or(s);
    let off = |name, start, end, block| Template { name, kind: Kind::TimeOff, start, end, block };
    if vacation {
        // A whole day off: the export shows Vacation over the hours of each block, and no
        // shift under it.
        return rows.iter().filter(|r| r.kind == Kind::Work).map(|r| off("Vacation", r.start, r.end, r.block)).collect();
    }
    let full_day = matches!(a.pattern, Pattern::Day { .. } | Pattern::Night);
    let meeting = if forced == Forced::Meeting { true } else { forced == Forced::None && rng.chance(h.meeting) };
    if full_day && meeting {
        rows.push(match rng.below(3) {
            0 => Template { name: "Meeting", kind: Kind::Meeting, start: s + 300, end: s + 360, block: 0 },
            1 => Template { name: "Training", kind: Kind::Meeting, start: s + 150, end: s + 240, block: 0 },
            _ => Template { name: "Coaching", kind: Kind::Meeting, start: s + 60, end: s + 90, block: 0 },
        });
    }
    let free = forced == Forced::None;
    if forced == Forced::VacationOnTop || (free && rng.chance(h.vacation_on_top)) {
        // Same start as the shift and written after it: it wins the overlay tie.
        rows.push(off("Vacation", s, end, 0));
    } else if forced == Forced::Sick || (free && rng.chance(h.sick)) {
        let last = rows.iter().rfind(|r| r.kind == Kind::Work).copied().expect("a work row");
        let from = if last.block == 0 { s + (last.end - s) / 2 + 15 } else { last.start };
        rows.push(off("Sick", from, end, last.block));
    } else if full_day && (forced == Forced::TimeOffAtStart || (free && rng.chance(h.time_off_at_start))) {
        rows.push(off("Time Off", s, s + 120, 0));
    }
    // As WFM tools do, breaks and meetings that would start inside time off are dropped
    // (under the overlay rule a later-starting break would otherwise show through it).
    if let Some(t) = rows.iter().find(|r| r.kind == Kind::TimeOff).copied() {
        rows.retain(|r| matches!(r.kind, Kind::Work | Kind::TimeOff) || r.start < t.start || r.start >= t.end);
    }
    rows
}

/// Every instant's applying row: at each instant the row with the latest start, ties to the
/// later row (the SPEC §3.2 overlay). Returns `(start, end, row)` runs.
fn overlay(rows: &[SchedRow]) -> Vec<(Ms, Ms, usize)> {
    let mut cuts: Vec<Ms> = rows.iter().flat_map(|r| [r.start, r.end]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<(Ms, Ms, usize)> = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let top = rows.iter().enumerate().filter(|(_, r)| r.start <= a && r.end >= b).max_by_key(|(i, r)| (r.start, *i)).map(|(i, _)| i);
        if let Some(i) = top {
            match out.last_mut() {
                Some(last) if last.2 == i && last.1 == a => last.1 = b,
                _ => out.push((a, b, i)),
            }
        }
    }
    out
}

/// What the agent intends to do in one login session.
struct SessionPlan {
    /// R: when the agent should be logged in.
    start: Ms,
    /// E: when the agent may log out.
    end: Ms,
    /// Breaks and meetings in between: (start, end, status to take).
    pauses: Vec<(Ms, Ms, Pause)>,
    first: bool,
    last: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pause {
    Break,
    Lunch,
    Meeting(u8),
    /// The unscheduled gap of a split shift worked as one session.
    Gap,
}

/// What every agent-day shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub seed: u64,
    /// First day (days since 1970-01-01).
    pub start_day: i64,
    pub days: u32,
    /// Records per worked shift on average.
    pub changes_per_shift: u32,
}

impl Period {
    /// The instants the pages cover: `[first UTC midnight, last UTC midnight)`.
    pub fn coverage(&self) -> (Ms, Ms) {
        (self.start_day * time::DAY, (self.start_day + self.days as i64) * time::DAY)
    }
}

/// Plans one agent-day. `day_ix` counts days from the start of the simulation.
pub fn plan_day(period: &Period, a: &Agent, day_ix: u32) -> Day {
    let Period { seed, start_day, changes_per_shift, .. } = *period;
    let coverage = period.coverage();
    let day = start_day + day_ix as i64;
    let mut out = Day::default();
    if !a.works_on(weekday(day)) {
        return out;
    }
    let mut rng = Rng::new(&[seed, STREAM_DAY, a.index as u64, day_ix as u64]);
    let forced = if a.first_workday == Some(day_ix) { a.forced } else { Forced::None };
    let in_vacation_week = a.vacation_week.is_some_and(|w| day_ix / 7 == w);
    let vacation = in_vacation_week || (forced == Forced::None && rng.chance(a.habits.vacation_day));
    let templates = template(a, &mut rng, forced, vacation);

    // Place every row on the UTC line as the export writes it.
    let midnight = time::naive_date(day).and_hms_opt(0, 0, 0).expect("midnight");
    for t in &templates {
        let (start, start_local, moved) = place(&a.zone, midnight, t.start);
        let (mut end, mut end_local, mut moved_end) = place(&a.zone, midnight, t.end);
        if end <= start {
            // The whole row fell in the gap: keep its length after the moved start.
            (end, end_local, moved_end) = place(&a.zone, midnight, t.end + moved);
            moved_end = moved_end.max(moved);
        }
        let start_text = write_time(a, start, start_local);
        let length = (a.length_rows && t.kind == Kind::Break).then_some((end - start) / MINUTE);
        let end_text = if length.is_some() { String::new() } else { write_time(a, end, end_local) };
        out.rows.push(SchedRow {
            name: t.name,
            kind: t.kind,
            start,
            end,
            block: t.block,
            start_text,
            end_text,
            length_minutes: length,
            dst_moved: moved != 0 || moved_end != 0,
        });
    }

    let segments = overlay(&out.rows);
    let must_work = |k: Kind| matches!(k, Kind::Work | Kind::Meeting);
    let blocks: Vec<(Ms, Ms)> = (0..2u8)
        .filter_map(|b| {
            let mut w = out.rows.iter().filter(|r| r.block == b && r.kind == Kind::Work);
            let first = w.next()?;
            Some((first.start, first.end))
        })
        .collect();
    // Per block: R (first instant that needs the agent logged in), E (end of the last such
    // instant) and the breaks/meetings between.
    let mut plans: Vec<SessionPlan> = Vec::new();
    for &(bs, be) in &blocks {
        let work: Vec<&(Ms, Ms, usize)> = segments.iter().filter(|s| s.0 >= bs && s.1 <= be && must_work(out.rows[s.2].kind)).collect();
        let (Some(first), Some(last)) = (work.first(), work.last()) else {
            continue;
        };
        let (r, e) = (first.0, last.1);
        let pauses = segments
            .iter()
            .filter(|s| s.0 >= r && s.1 <= e)
            .filter_map(|s| {
                let row = &out.rows[s.2];
                let p = match row.kind {
                    Kind::Break if row.name == "Lunch" => Pause::Lunch,
                    Kind::Break => Pause::Break,
                    Kind::Meeting => Pause::Meeting(reason_of_meeting(row.name)),
                    _ => return None,
                };
                Some((s.0, s.1, p))
            })
            .collect();
        plans.push(SessionPlan { start: r, end: e, pauses, first: false, last: false });
    }
    let scheduled_work = !plans.is_empty();
    // A split shift with a short gap is sometimes worked as one session (away in the gap).
    if plans.len() == 2 && matches!(a.pattern, Pattern::SplitShort { .. }) && rng.chance(0.5) {
        let second = plans.pop().expect("two");
        let first = &mut plans[0];
        first.pauses.push((first.end, second.start, Pause::Gap));
        first.pauses.extend(second.pauses);
        first.end = second.end;
    }
    if let Some(p) = plans.first_mut() {
        p.first = true;
    }
    if let Some(p) = plans.last_mut() {
        p.last = true;
    }

    let t = &mut out.tally;
    if a.scheduled() {
        t.schedule_rows = out.rows.len() as u64;
        t.time_off_rows = out.rows.iter().filter(|r| r.kind == Kind::TimeOff).count() as u64;
        t.dst_moved_rows = out.rows.iter().filter(|r| r.dst_moved).count() as u64;
        if scheduled_work {
            t.shifts = 1;
            t.night_shifts = (a.pattern == Pattern::Night) as u64;
            t.split_shifts = matches!(a.pattern, Pattern::SplitShort { .. } | Pattern::SplitLong { .. }) as u64;
            t.meetings = out.rows.iter().filter(|r| r.kind == Kind::Meeting).count() as u64;
        }
    } else {
        out.rows.clear();
    }
    if !a.has_activity || plans.is_empty() {
        if a.scheduled() && plans.first().is_some_and(|p| p.start >= coverage.0 && p.start < coverage.1) {
            out.tally.shifts_never_logged_in = 1;
        }
        return out;
    }
    let counts = a.scheduled();
    let no_show = forced == Forced::NoShow || (forced == Forced::None && rng.chance(a.habits.no_show));
    if no_show {
        // Counted as a report sees it: only when the shift's start is inside the pages.
        let r = plans[0].start;
        if counts && r >= coverage.0 && r < coverage.1 {
            out.tally.no_shows = 1;
        }
        return out;
    }

    // Spread the day's record budget over its sessions by length.
    let budget = (changes_per_shift as i64 + rng.range(-3, 3)).max(4);
    let total_len: Ms = plans.iter().map(|p| p.end - p.start).sum();
    for (n, p) in plans.iter().enumerate() {
        let share = ((budget as f64) * (p.end - p.start) as f64 / total_len.max(1) as f64).round() as i64;
        let session_id = 60_000_000 + (day_ix as i64 * 1_000_003 + a.index as i64) * 4 + n as i64;
        let (evs, tally) = session(&mut rng, a, p, forced, share.max(3) as usize, coverage);
        if counts {
            out.tally.add(&tally);
        }
        out.tally.sessions += 1;
        push_records(&mut out.recs, a.index, session_id, &evs);
    }
    out
}

/// Turns a session's events into records: sequence numbers, session ids and previous times
/// as LivePerson sends them.
fn push_records(out: &mut Vec<Rec>, agent: u32, session_id: i64, evs: &[(Ms, Ev)]) {
    let mut seq = 0;
    let mut prev = NO_TIME;
    for &(time, ev) in evs {
        let rec = match ev {
            Ev::Login => Rec { time, prev: NO_TIME, session: -1, agent, seq: -1, status_type: 3, sub: 0, reason: R_NONE },
            Ev::Status(s) => {
                seq += 1;
                Rec {
                    time,
                    // The default state after login has no previous time.
                    prev: if seq == 1 { NO_TIME } else { prev },
                    session: if seq == 1 { -1 } else { session_id },
                    agent,
                    seq,
                    status_type: 1,
                    sub: s.subtype(),
                    reason: if let Status::Away(r) = s { r } else { R_NONE },
                }
            }
            Ev::Logout => {
                seq += 1;
                Rec { time, prev: NO_TIME, session: session_id, agent, seq, status_type: 4, sub: 0, reason: R_NONE }
            }
        };
        prev = time;
        out.push(rec);
    }
}

fn secs(rng: &mut Rng, lo: i64, hi: i64) -> Ms {
    rng.range(lo * SECOND, hi * SECOND)
}

/// The events of one session: login, the default state, breaks, filler changes (occupied
/// spells, short blips, personal time) up to `target` records, maybe offline, logout.
/// Lateness and early logouts are counted as a report sees them: only when the shift's start
/// (end) and the login (logout) are inside `coverage`.
fn session(rng: &mut Rng, a: &Agent, p: &SessionPlan, forced: Forced, target: usize, coverage: (Ms, Ms)) -> (Vec<(Ms, Ev)>, Tally) {
    let inside = |t: Ms| t >= coverage.0 && t < coverage.1;
    let mut tally = Tally::default();
    let h = &a.habits;
    let free = forced == Forced::None;
    let login = if p.first && (forced == Forced::Late || (free && rng.chance(h.late))) {
        let login = p.start + secs(rng, 120, 25 * 60);
        tally.late_logins += (inside(p.start) && inside(login)) as u64;
        login
    } else if rng.chance(0.15) {
        p.start + secs(rng, 1, 55) // late, but within the grace
    } else {
        p.start - secs(rng, 20, 8 * 60)
    };
    let logout = if p.last && (forced == Forced::Early || (free && rng.chance(h.early))) {
        let logout = p.end - secs(rng, 3 * 60, 45 * 60);
        tally.early_logouts += (inside(p.end - 1) && inside(logout)) as u64;
        logout
    } else if p.last && rng.chance(0.1) {
        p.end - secs(rng, 1, 50) // early, but within the grace
    } else if p.last {
        p.end + secs(rng, 0, 6 * 60)
    } else {
        p.end + secs(rng, -30, 3 * 60)
    };

    let mut evs: Vec<(Ms, Ev)> = vec![(login, Ev::Login)];
    match rng.below(100) {
        0..=81 => evs.push((login, Ev::Status(Status::Online))),
        82..=91 => {
            evs.push((login, Ev::Status(Status::Away(R_NONE))));
            evs.push((login + secs(rng, 10, 90), Ev::Status(Status::Online)));
        }
        _ => {
            evs.push((login, Ev::Status(Status::Offline)));
            evs.push((login + secs(rng, 5, 60), Ev::Status(Status::Online)));
        }
    }
    let mut first_break = true;
    for &(ps, pe, kind) in &p.pauses {
        let breakish = matches!(kind, Pause::Break | Pause::Lunch);
        let force_online = forced == Forced::BreakOnline && first_break && breakish;
        if breakish {
            first_break = false;
        }
        if breakish && (force_online || (free && rng.chance(h.break_online))) {
            // Worked through the break: online when the schedule says away.
            tally.breaks_online += 1;
            continue;
        }
        let status = match kind {
            Pause::Break => match rng.below(100) {
                0..=44 => Status::Away(R_COFFEE),
                45..=69 => Status::Away(R_NONE),
                70..=84 => Status::Offline,
                _ => Status::Occupied,
            },
            Pause::Lunch => {
                if rng.chance(0.8) {
                    Status::Away(R_LUNCH)
                } else {
                    Status::Offline
                }
            }
            Pause::Meeting(r) => {
                if rng.chance(0.9) {
                    Status::Away(r)
                } else {
                    Status::Occupied
                }
            }
            Pause::Gap => Status::Away(if rng.chance(0.5) { R_LUNCH } else { R_PERSONAL }),
        };
        let from = ps + secs(rng, -120, 90);
        let to = pe + secs(rng, -60, 240);
        let last = evs.last().expect("login").0;
        if from <= last + 5 * SECOND || to <= from + 5 * SECOND || to >= logout - 60 * SECOND {
            continue; // came in late or left early: this break did not happen in session
        }
        evs.push((from, Ev::Status(status)));
        evs.push((to, Ev::Status(Status::Online)));
    }
    let offline_end = forced == Forced::OfflineBeforeLogout || rng.chance(h.offline_before_logout);
    let reserved = 1 + offline_end as usize;

    // Filler: short changes inside online spells until the record budget is used.
    let mut blips_forced = if forced == Forced::Blips { 3 } else { 0 };
    while evs.len() + 2 + reserved <= target || blips_forced > 0 {
        // Online spells, trimmed by 30 s at each end, that can hold a change.
        let spells: Vec<(usize, Ms, Ms)> = evs
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0].1 == Ev::Status(Status::Online))
            .map(|(i, w)| (i, w[0].0 + 30 * SECOND, w[1].0 - 30 * SECOND))
            .chain(
                std::iter::once(evs.len() - 1)
                    .filter(|&i| evs[i].1 == Ev::Status(Status::Online))
                    .map(|i| (i, evs[i].0 + 30 * SECOND, logout - 60 * SECOND)),
            )
            .filter(|&(_, s, e)| e - s > 2 * MINUTE)
            .collect();
        let total: Ms = spells.iter().map(|&(_, s, e)| e - s).sum();
        if total <= 0 {
            break;
        }
        let mut pick = rng.below(total as u64) as Ms;
        let &(i, s, e) = spells
            .iter()
            .find(|&&(_, s, e)| {
                let hit = pick < e - s;
                pick -= e - s;
                hit
            })
            .expect("a spell");
        let (status, dur) = if blips_forced > 0 {
            blips_forced -= 1;
            (Status::Away(R_NONE), secs(rng, 5, 55))
        } else {
            match rng.below(100) {
                0..=54 => (Status::Occupied, secs(rng, 30, 8 * 60)),
                55..=74 => (Status::Away(R_NONE), secs(rng, 5, 55)),
                75..=84 => (Status::Away(R_PERSONAL), secs(rng, 120, 600)),
                85..=92 => (Status::Offline, secs(rng, 10, 180)),
                _ => (Status::Occupied, secs(rng, 5, 90)),
            }
        };
        let dur = dur.min(e - s - SECOND);
        let at = s + rng.below((e - s - dur) as u64) as Ms;
        if status == Status::Away(R_NONE) && dur < 60 * SECOND {
            tally.blips += 1;
        }
        evs.insert(i + 1, (at, Ev::Status(status)));
        evs.insert(i + 2, (at + dur, Ev::Status(Status::Online)));
    }
    if offline_end {
        let t = logout - secs(rng, 2, 40);
        if t > evs.last().expect("login").0 + SECOND {
            evs.push((t, Ev::Status(Status::Offline)));
            tally.offline_before_logout += 1;
        }
    }
    evs.push((logout, Ev::Logout));
    // Times are strictly increasing after the login/default pair.
    for i in 2..evs.len() {
        if evs[i].0 <= evs[i - 1].0 {
            evs[i].0 = evs[i - 1].0 + 1;
        }
    }
    (evs, tally)
}

/// CSV header of the schedule.
pub const CSV_HEADER: &str = "agent,activity,start,end,length_minutes,timezone,shift_id,team\n";

fn push_cell(out: &mut String, cell: &str) {
    if cell.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

/// Appends the day's schedule rows to `out` as CSV lines.
pub fn write_rows(out: &mut String, a: &Agent, day: i64, rows: &[SchedRow]) {
    let Some(key) = &a.key else { return };
    let shift_id = a.shift_ids.then(|| format!("S{:05}-{}", a.index, time::fmt_day(day).replace('-', "")));
    for r in rows {
        push_cell(out, key);
        out.push(',');
        push_cell(out, r.name);
        out.push(',');
        out.push_str(&r.start_text);
        out.push(',');
        out.push_str(&r.end_text);
        out.push(',');
        if let Some(l) = r.length_minutes {
            out.push_str(&l.to_string());
        }
        out.push(',');
        push_cell(out, a.zone.name());
        out.push(',');
        if let Some(id) = &shift_id {
            out.push_str(id);
        }
        out.push(',');
        if let Some(team) = a.team {
            push_cell(out, team);
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::super::agents;
    use super::*;

    const MON_2024_03_04: i64 = 19786;

    fn fixture_agents() -> Vec<Agent> {
        agents::build(7, 25, MON_2024_03_04, 35)
    }

    fn period(changes_per_shift: u32) -> Period {
        Period { seed: 7, start_day: MON_2024_03_04, days: 35, changes_per_shift }
    }

    fn rfc(s: &str) -> Ms {
        time::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn login_and_default_state_share_the_millisecond_then_sequence_runs_on() {
        let agents = fixture_agents();
        let d = plan_day(&period(32), &agents[0], 0);
        let r = &d.recs;
        assert!(r.len() >= 10, "{}", r.len());
        assert_eq!((r[0].status_type, r[0].seq, r[0].session), (3, -1, -1));
        assert_eq!((r[1].status_type, r[1].seq, r[1].session, r[1].prev), (1, 1, -1, NO_TIME));
        assert_eq!(r[0].time, r[1].time);
        let sid = r[2].session;
        assert!(sid > 0);
        for w in r.windows(2).skip(1) {
            assert!(w[1].time > w[0].time);
            assert_eq!(w[1].seq, w[0].seq + 1);
            assert_eq!(w[1].session, sid);
            if w[1].status_type == 1 {
                assert_eq!(w[1].prev, w[0].time);
            }
        }
        let last = r.last().unwrap();
        assert_eq!((last.status_type, last.prev), (4, NO_TIME));
    }

    #[test]
    fn forced_roles_happen_on_the_first_working_day() {
        let agents = fixture_agents();
        let day = |i: usize| {
            let a = &agents[i];
            plan_day(&period(16), a, a.first_workday.unwrap())
        };
        assert_eq!(day(1).tally.late_logins, 1);
        assert_eq!(day(2).tally.early_logouts, 1);
        let no_show = day(3);
        assert_eq!(no_show.tally.no_shows, 1);
        assert!(no_show.recs.is_empty() && !no_show.rows.is_empty());
        assert!(day(4).tally.breaks_online >= 1);
        assert!(day(13).tally.blips >= 3);
        assert_eq!(day(14).tally.offline_before_logout, 1);
        assert_eq!(day(15).tally.time_off_rows, 1);
        assert!(day(15).recs.is_empty(), "vacation on top of the shift: no login");
        assert_eq!(day(17).tally.meetings, 1);
        // Ghost agents have a schedule and no activity; unscheduled agents the reverse.
        assert!(day(10).recs.is_empty() && !day(10).rows.is_empty());
        assert!(!day(9).recs.is_empty() && day(9).rows.is_empty());
    }

    #[test]
    fn sick_agent_goes_home_when_the_sick_row_starts() {
        let agents = fixture_agents();
        let a = &agents[11];
        let d = plan_day(&period(16), a, 0);
        let sick = d.rows.iter().find(|r| r.name == "Sick").unwrap();
        let logout = d.recs.last().unwrap();
        assert_eq!(logout.status_type, 4);
        // The last productive time ends at lunch (12:00 London), before the Sick row.
        assert!(logout.time < sick.start, "{} vs {}", logout.time, sick.start);
        // Written as RFC 3339 with London's offset (UTC+00:00 in March before the change).
        assert!(d.rows[0].start_text.ends_with("+00:00"), "{}", d.rows[0].start_text);
    }

    #[test]
    fn night_shift_over_the_us_spring_forward_loses_an_hour_and_moves_lunch_out_of_the_gap() {
        let agents = fixture_agents();
        let a = &agents[5]; // New York, 22:00-06:30, works Tue-Sat
        let sat = 5; // 2024-03-09
        let d = plan_day(&period(16), a, sat);
        let shift = &d.rows[0];
        assert_eq!(shift.start_text, "2024-03-09 22:00");
        assert_eq!(shift.end_text, "2024-03-10 06:30");
        // 22:00 EST = 03:00Z; 06:30 EDT = 10:30Z: 8.5 wall hours are 7.5 real hours.
        assert_eq!(shift.start, rfc("2024-03-10T03:00:00Z"));
        assert_eq!(shift.end - shift.start, 7 * 3_600_000 + 1_800_000);
        // Lunch at 02:00 falls in the gap (02:00-03:00 does not exist): written at 03:00.
        let lunch = d.rows.iter().find(|r| r.name == "Lunch").unwrap();
        assert_eq!(lunch.start_text, "2024-03-10 03:00");
        assert_eq!(lunch.end_text, "2024-03-10 03:30");
        assert!(lunch.dst_moved);
        // This night the agent also went home sick at 02:30, which is in the gap too: the
        // row starts at 03:00 and still ends with the shift.
        let sick = d.rows.iter().find(|r| r.name == "Sick").unwrap();
        assert_eq!((sick.start_text.as_str(), sick.end_text.as_str()), ("2024-03-10 03:00", "2024-03-10 06:30"));
        assert_eq!(d.tally.dst_moved_rows, 2);
    }

    #[test]
    fn overlay_latest_start_wins_and_ties_go_to_the_later_row() {
        let row = |name, start, end| SchedRow {
            name,
            kind: Kind::Work,
            start,
            end,
            block: 0,
            start_text: String::new(),
            end_text: String::new(),
            length_minutes: None,
            dst_moved: false,
        };
        let rows = [row("Open", 0, 100), row("Break", 40, 50), row("Vacation", 0, 100)];
        assert_eq!(overlay(&rows), vec![(0, 40, 2), (40, 50, 1), (50, 100, 2)]);
    }

    #[test]
    fn csv_lines_carry_the_key_zone_shift_id_and_team() {
        let agents = fixture_agents();
        let a = &agents[8]; // split shift with a shift id, fixed offset zone
        let d = plan_day(&period(16), a, 0);
        let mut s = String::new();
        write_rows(&mut s, a, MON_2024_03_04, &d.rows);
        let first = s.lines().next().unwrap();
        assert_eq!(first, "ines.moreau@brand.example,Messaging,2024-03-04 08:00,2024-03-04 12:00,,UTC+05:30,S00008-20240304,APAC");
    }
}
