//! The simulated contact center's people: identities as LivePerson reports them, how each is
//! scheduled (zone, shift pattern, how the schedule export writes their rows) and their
//! habits (how often they are late, leave early, skip breaks…).
//!
//! The first [`ROLES`] agents are cast by hand so that even a small data set (the bundled
//! fixture has 25 agents) shows every case a report must handle; the rest are drawn at random
//! with the same mix.

use super::rng::Rng;
use crate::time::Zone;

/// A team: its name in the schedule, its LivePerson agent group and where it sits.
pub struct Team {
    pub name: &'static str,
    pub group_id: i64,
    pub zones: &'static [&'static str],
}

pub const TEAMS: &[Team] = &[
    Team { name: "Care East", group_id: 2_204_871_310, zones: &["America/New_York"] },
    Team { name: "Care Central", group_id: 2_204_871_311, zones: &["America/Chicago"] },
    Team { name: "Care West", group_id: 2_204_871_312, zones: &["America/Los_Angeles"] },
    Team { name: "EMEA", group_id: 2_204_871_313, zones: &["Europe/London", "Europe/Berlin"] },
    Team { name: "APAC", group_id: 2_204_871_314, zones: &["Asia/Kolkata", "UTC+05:30", "Asia/Manila"] },
];
const EAST: usize = 0;
const CENTRAL: usize = 1;
const WEST: usize = 2;
const EMEA: usize = 3;
const APAC: usize = 4;

/// Minutes after local midnight.
pub type Minute = i64;

/// The shape of an agent's working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// 8.5 hours from `start`: a break, lunch, a break.
    Day { start: Minute },
    /// 22:00 to 06:30 the next morning, with a break, lunch, a break.
    Night,
    /// 4 hours, a 45-minute gap, 4 hours (one shift by the 60-minute gap rule).
    SplitShort { start: Minute },
    /// 4 hours, a 4-hour gap, 4 hours (one shift by `shift_id`).
    SplitLong { start: Minute },
    /// 4 hours with one break.
    PartTime { start: Minute },
}

/// What the agent's schedule rows use as the agent key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EmployeeId,
    Login,
    /// The login name with different capitals (matching ignores case).
    LoginOtherCase,
    AgentId,
}

/// How the agent's schedule rows write times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2024-03-04 09:00` in the row's zone.
    Local,
    /// RFC 3339 with the zone's offset: `2024-03-04T09:00:00-05:00`.
    Offset,
    /// RFC 3339 in UTC: `2024-03-04T14:00:00Z`.
    Utc,
}

/// A behaviour forced on the agent's first working day, so that a small data set shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forced {
    None,
    Late,
    Early,
    NoShow,
    BreakOnline,
    Blips,
    Sick,
    VacationOnTop,
    TimeOffAtStart,
    OfflineBeforeLogout,
    Meeting,
}

/// Probabilities per working day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Habits {
    /// Logs in after the grace.
    pub late: f64,
    /// Logs out before the end, beyond the grace.
    pub early: f64,
    /// Does not log in at all.
    pub no_show: f64,
    /// Stays online through a scheduled break or lunch (per break).
    pub break_online: f64,
    /// Goes offline a few seconds before logging out.
    pub offline_before_logout: f64,
    /// Has a meeting, training or coaching session scheduled.
    pub meeting: f64,
    /// Goes home sick part way through (a Sick row on top of the rest of the shift).
    pub sick: f64,
    /// A whole day of vacation instead of the shift.
    pub vacation_day: f64,
    /// A Vacation row written on top of the scheduled shift.
    pub vacation_on_top: f64,
    /// Time off for the first two hours of the shift.
    pub time_off_at_start: f64,
    /// The shift starts 30 minutes earlier or later than usual.
    pub start_swing: f64,
}

const STEADY: Habits = Habits {
    late: 0.04,
    early: 0.04,
    no_show: 0.015,
    break_online: 0.04,
    offline_before_logout: 0.3,
    meeting: 0.08,
    sick: 0.01,
    vacation_day: 0.005,
    vacation_on_top: 0.005,
    time_off_at_start: 0.005,
    start_swing: 0.1,
};

/// Working weekdays as a bit mask, bit 0 = Monday.
pub const MON_FRI: u8 = 0b001_1111;
pub const SUN_THU: u8 = 0b100_1111;
pub const TUE_SAT: u8 = 0b011_1110;
pub const WED_SUN: u8 = 0b111_1100;

/// Hand-cast agents (by index).
pub const ROLES: u32 = 20;

/// One simulated agent.
#[derive(Debug, Clone)]
pub struct Agent {
    pub index: u32,
    /// LivePerson user id (above 2^31 for all, above 2^32 for half).
    pub agent_id: i64,
    /// May be empty, as LivePerson allows.
    pub employee_id: String,
    pub login: String,
    pub user_name: String,
    /// `agentGroupId` in the records (`-1` for some).
    pub group_id: i64,
    /// The `team` cell of the schedule (empty for some: reports then use the group id).
    pub team: Option<&'static str>,
    pub zone: Zone,
    /// The schedule key, `None` for agents with no schedule.
    pub key: Option<String>,
    /// Whether the agent appears in the activity at all.
    pub has_activity: bool,
    pub pattern: Pattern,
    /// The productive activity of the base shift row.
    pub base_activity: &'static str,
    pub workdays: u8,
    pub style: TimeStyle,
    /// Break and lunch rows give `length_minutes` instead of an end.
    pub length_rows: bool,
    /// Rows carry a `shift_id`.
    pub shift_ids: bool,
    pub habits: Habits,
    pub forced: Forced,
    /// A week (counted from the start) of vacation.
    pub vacation_week: Option<u32>,
    /// Index (from the start) of the first working day, where `forced` applies.
    pub first_workday: Option<u32>,
}

impl Agent {
    pub fn works_on(&self, weekday: u32) -> bool {
        self.workdays & (1 << weekday) != 0
    }
    pub fn scheduled(&self) -> bool {
        self.key.is_some()
    }
}

/// Monday = 0 for a day number (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

const FIRST: &[&str] = &[
    "Ana", "Ben", "Carla", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luis", "Maria", "Nikhil", "Olga",
    "Pedro", "Quinn", "Rosa", "Sanjay", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Chloe", "Dmitri",
    "Esther", "Felix",
];
const LAST: &[&str] = &[
    "Silva", "Smith", "Okafor", "Patel", "Novak", "Haddad", "Kim", "Tanaka", "Moreau", "Berg", "Adeyemi", "Garcia", "Lopez", "Rao",
    "Ivanova", "Costa", "Murphy", "Rossi", "Iyer", "Walsh", "Khan", "Petrov", "Chen", "Ruiz", "Demir", "Fischer", "Mensah", "Santos",
    "Dubois", "Sokolov", "Cohen",
];
const PRODUCTIVE: &[&str] = &["Open", "Chat", "Messaging", "Phone", "Email"];

/// Stream tag for agent profiles.
const STREAM_AGENT: u64 = 1;

/// Builds every agent. `start_day` / `days`: the simulated period (days since 1970-01-01).
pub fn build(seed: u64, agents: u32, start_day: i64, days: u32) -> Vec<Agent> {
    (0..agents)
        .map(|i| {
            let mut a = random_agent(seed, i, days);
            if i < ROLES {
                cast(&mut a);
            }
            a.first_workday = (0..days).find(|&d| a.works_on(weekday(start_day + d as i64)));
            a
        })
        .collect()
}

/// (login, login in other case, full name, first name) of agent `i`.
pub fn names(i: u32) -> (String, String, String, String) {
    let pairs = (FIRST.len() * LAST.len()) as u32;
    let p = (i % pairs) as usize;
    let first = FIRST[p % FIRST.len()];
    // Every (first, last) pair once before any repeats.
    let last = LAST[(p / FIRST.len() + p % FIRST.len()) % LAST.len()];
    let suffix = if i >= pairs { (i / pairs + 1).to_string() } else { String::new() };
    let login = format!("{}.{}{}@brand.example", first.to_lowercase(), last.to_lowercase(), suffix);
    let other_case = format!("{first}.{last}{suffix}@Brand.Example");
    let user = format!("{first} {last}");
    (login, other_case, user, first.to_string())
}

fn random_agent(seed: u64, i: u32, days: u32) -> Agent {
    let mut rng = Rng::new(&[seed, STREAM_AGENT, i as u64]);
    let team_ix = rng.below(TEAMS.len() as u64) as usize;
    let team = &TEAMS[team_ix];
    let zone_name = *rng.pick(team.zones);
    let pattern = match rng.below(100) {
        0..=69 => Pattern::Day { start: *rng.pick(&[420, 480, 510, 540, 600, 660, 780, 840]) },
        70..=77 => Pattern::Night,
        78..=83 => Pattern::SplitShort { start: *rng.pick(&[420, 480]) },
        84..=89 => Pattern::SplitLong { start: *rng.pick(&[420, 480]) },
        _ => Pattern::PartTime { start: *rng.pick(&[540, 600, 780, 1020]) },
    };
    let base_activity = *rng.pick(PRODUCTIVE);
    // Ids: all above 2^31 (they overflow an i32), odd agents above 2^32.
    let agent_id = if i.is_multiple_of(2) { 3_100_000_000 } else { 4_400_000_000 } + i as i64 * 1013 + rng.below(1000) as i64;
    let employee_id = if rng.chance(0.92) { format!("E{}", 10_001 + i) } else { String::new() };
    let (scheduled, has_activity) = match rng.below(100) {
        0..=2 => (false, true),
        3..=5 => (true, false),
        _ => (true, true),
    };
    let key_kind = match rng.below(100) {
        0..=54 if !employee_id.is_empty() => KeyKind::EmployeeId,
        0..=74 => KeyKind::Login,
        75..=87 => KeyKind::LoginOtherCase,
        _ => KeyKind::AgentId,
    };
    let workdays = match rng.below(10) {
        0..=6 if pattern != Pattern::Night => MON_FRI,
        0..=3 => MON_FRI,
        7 | 4 => SUN_THU,
        8 | 5 => TUE_SAT,
        _ => WED_SUN,
    };
    let style = match rng.below(10) {
        0 => TimeStyle::Offset,
        1 => TimeStyle::Utc,
        _ => TimeStyle::Local,
    };
    let length_rows = rng.chance(0.15);
    let shift_ids = matches!(pattern, Pattern::SplitLong { .. }) || rng.chance(0.2);
    let habits = Habits {
        late: *rng.pick(&[0.02, 0.04, 0.08, 0.25]),
        early: *rng.pick(&[0.02, 0.04, 0.1, 0.2]),
        no_show: *rng.pick(&[0.01, 0.02, 0.05]),
        break_online: *rng.pick(&[0.02, 0.05, 0.15]),
        offline_before_logout: 0.3,
        meeting: 0.1,
        sick: 0.015,
        vacation_day: 0.01,
        vacation_on_top: 0.01,
        time_off_at_start: 0.01,
        start_swing: 0.15,
    };
    let weeks = days / 7;
    let vacation_week = (weeks > 1 && rng.chance(0.15)).then(|| rng.below(weeks as u64) as u32);
    let team_cell = rng.chance(0.8).then_some(team.name);
    let group_id = if rng.chance(0.1) { -1 } else { team.group_id };
    let mut a = Agent {
        index: i,
        agent_id,
        employee_id,
        login: String::new(),
        user_name: String::new(),
        group_id,
        team: team_cell,
        zone: Zone::parse(zone_name).expect("built-in zone"),
        key: None,
        has_activity,
        pattern,
        base_activity,
        workdays,
        style,
        length_rows,
        shift_ids,
        habits,
        forced: Forced::None,
        vacation_week,
        first_workday: None,
    };
    set_names(&mut a, scheduled.then_some(key_kind));
    a
}

fn set_names(a: &mut Agent, key: Option<KeyKind>) {
    let (login, other_case, user, first) = names(a.index);
    // Some agents show only a first name as their user name.
    a.user_name = if a.index % 3 == 2 { first } else { user };
    a.key = key.map(|k| match k {
        KeyKind::EmployeeId if !a.employee_id.is_empty() => a.employee_id.clone(),
        KeyKind::EmployeeId | KeyKind::Login => login.clone(),
        KeyKind::LoginOtherCase => other_case,
        KeyKind::AgentId => a.agent_id.to_string(),
    });
    a.login = login;
}

/// Casts agent `a.index` (< [`ROLES`]) into its hand-picked role.
fn cast(a: &mut Agent) {
    use Forced as F;
    use KeyKind as K;
    use Pattern as P;
    // (team, zone, pattern, base activity, key (None: no schedule), activity, forced)
    let (team, zone, pattern, base, key, activity, forced): (usize, &str, Pattern, &str, Option<KeyKind>, bool, Forced) = match a.index {
        0 => (EAST, "America/New_York", P::Day { start: 540 }, "Open", Some(K::EmployeeId), true, F::None),
        1 => (CENTRAL, "America/Chicago", P::Day { start: 480 }, "Chat", Some(K::LoginOtherCase), true, F::Late),
        2 => (WEST, "America/Los_Angeles", P::Day { start: 600 }, "Messaging", Some(K::Login), true, F::Early),
        3 => (EMEA, "Europe/London", P::Day { start: 540 }, "Open", Some(K::EmployeeId), true, F::NoShow),
        4 => (EMEA, "Europe/Berlin", P::Day { start: 480 }, "Chat", Some(K::EmployeeId), true, F::BreakOnline),
        5 => (EAST, "America/New_York", P::Night, "Phone", Some(K::EmployeeId), true, F::None),
        6 => (EMEA, "Europe/Berlin", P::Night, "Chat", Some(K::Login), true, F::None),
        7 => (APAC, "Asia/Kolkata", P::SplitShort { start: 420 }, "Email", Some(K::EmployeeId), true, F::None),
        8 => (APAC, "UTC+05:30", P::SplitLong { start: 480 }, "Messaging", Some(K::Login), true, F::None),
        9 => (EAST, "America/New_York", P::Day { start: 510 }, "Open", None, true, F::None),
        10 => (EMEA, "Europe/Berlin", P::Day { start: 540 }, "Chat", Some(K::EmployeeId), false, F::None),
        11 => (EMEA, "Europe/London", P::Day { start: 480 }, "Phone", Some(K::EmployeeId), true, F::Sick),
        12 => (CENTRAL, "America/Chicago", P::Day { start: 660 }, "Chat", Some(K::AgentId), true, F::TimeOffAtStart),
        13 => (WEST, "America/Los_Angeles", P::Day { start: 420 }, "Open", Some(K::EmployeeId), true, F::Blips),
        14 => (EAST, "America/New_York", P::Day { start: 600 }, "Email", Some(K::Login), true, F::OfflineBeforeLogout),
        15 => (WEST, "America/Los_Angeles", P::Day { start: 780 }, "Chat", Some(K::EmployeeId), true, F::VacationOnTop),
        16 => (APAC, "Asia/Manila", P::PartTime { start: 540 }, "Phone", Some(K::EmployeeId), true, F::None),
        17 => (CENTRAL, "America/Chicago", P::Day { start: 540 }, "Open", Some(K::EmployeeId), true, F::Meeting),
        18 => (EAST, "America/New_York", P::Day { start: 540 }, "Messaging", None, true, F::None),
        _ => (WEST, "America/Los_Angeles", P::Day { start: 480 }, "Open", Some(K::Login), false, F::None),
    };
    a.team = Some(TEAMS[team].name);
    a.group_id = TEAMS[team].group_id;
    a.zone = Zone::parse(zone).expect("built-in zone");
    a.pattern = pattern;
    a.base_activity = PRODUCTIVE.iter().find(|p| **p == base).expect("productive activity");
    a.has_activity = activity;
    a.forced = forced;
    a.habits = STEADY;
    a.vacation_week = None;
    a.style = TimeStyle::Local;
    a.length_rows = false;
    a.shift_ids = matches!(pattern, P::SplitLong { .. });
    a.workdays = MON_FRI;
    a.employee_id = format!("E{}", 10_001 + a.index);
    match a.index {
        1 => a.habits.late = 0.3,
        2 => a.habits.early = 0.3,
        3 => a.habits.no_show = 0.12,
        4 => {
            a.habits.break_online = 0.4;
            a.team = None; // reports fall back to the agent group id
        }
        // Night shifts over the weekend of each DST change: the US one (Sat 9 Mar 2024
        // 22:00 New York) and the EU one (Sat 30 Mar 2024 22:00 Berlin).
        5 => a.workdays = TUE_SAT,
        6 => {
            a.workdays = WED_SUN;
            a.shift_ids = true;
        }
        11 => {
            a.vacation_week = Some(2);
            a.style = TimeStyle::Offset;
        }
        12 => {
            a.style = TimeStyle::Utc;
            a.group_id = -1;
        }
        13 => a.length_rows = true,
        14 => a.employee_id = String::new(),
        16 => a.shift_ids = true,
        17 => a.habits.meeting = 0.5,
        18 => a.employee_id = String::new(),
        _ => {}
    }
    set_names(a, key);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_exceed_32_bits_for_half() {
        let agents = build(1, 3000, 19786, 7);
        let mut ids: Vec<i64> = agents.iter().map(|a| a.agent_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 3000);
        assert!(agents.iter().all(|a| a.agent_id > i32::MAX as i64));
        assert_eq!(agents.iter().filter(|a| a.agent_id > u32::MAX as i64).count(), 1500);
        let mut logins: Vec<&str> = agents.iter().map(|a| a.login.as_str()).collect();
        logins.sort_unstable();
        logins.dedup();
        assert_eq!(logins.len(), 3000);
    }

    #[test]
    fn hand_cast_roles_cover_every_case() {
        let agents = build(7, 20, 19786, 35);
        assert!(agents.iter().any(|a| !a.scheduled() && a.has_activity));
        assert!(agents.iter().any(|a| a.scheduled() && !a.has_activity));
        assert!(agents.iter().any(|a| a.employee_id.is_empty() && a.has_activity));
        assert_eq!(agents[1].key.as_deref(), Some("Ben.Smith@Brand.Example"));
        assert_eq!(agents[1].login, "ben.smith@brand.example");
        assert_eq!(agents[12].key, Some(agents[12].agent_id.to_string()));
        assert_eq!(agents[0].key.as_deref(), Some("E10001"));
        // 2024-03-04 is a Monday; agent 5 works Tue-Sat, so its first day is the 5th.
        assert_eq!(weekday(19786), 0);
        assert_eq!(agents[5].first_workday, Some(1));
        assert_eq!(agents[0].first_workday, Some(0));
    }
}
