//! `adhere simulate`: a realistic, deterministic data set for trying adhere without a
//! LivePerson account, for the bundled fixtures and for benchmarks.
//!
//! It writes, into one directory:
//! - `activity/`: LivePerson Agent Activity API v2 pages, one UTC day per window, paged
//!   like the API, with every quirk a client must survive (see [`pages`]);
//! - `schedule.csv`: the generic schedule CSV (SPEC §3.2) for the same agents, in several
//!   time zones and time notations, with breaks and lunch laid over shifts, night shifts,
//!   split shifts and time off;
//! - `rules.toml`: rules (SPEC §3.3) for every activity the schedule uses.
//!
//! Agents behave like people ([`agents`], [`plan`]): most log in a few minutes early and out
//! around the end, some are late, leave early, do not show up, work through breaks, blip
//! away for seconds; some have activity but no schedule, some a schedule but no activity.
//!
//! Everything is a pure function of the configuration: the same flags give byte-identical
//! files, whatever the thread count, and the clock is never read. Days are generated and
//! written one at a time (pages in parallel), so memory stays bounded at any scale.

pub mod agents;
pub mod enrichment;
pub mod pages;
pub mod plan;
pub mod rng;
pub mod store;

use std::collections::VecDeque;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::time::{self, DAY};
pub use pages::DayCounts;
pub use plan::Tally;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub agents: u32,
    pub days: u32,
    pub seed: u64,
    /// First day (UTC pages; local dates in the schedule).
    pub start: NaiveDate,
    /// Records per API page (`limit`).
    pub page_size: u32,
    /// Records per worked shift on average, login and logout included.
    pub changes_per_shift: u32,
    /// Replace simulated data already in the output directory.
    pub force: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            agents: 25,
            days: 35,
            seed: 1,
            start: NaiveDate::from_ymd_opt(2024, 3, 4).expect("date"),
            page_size: 1000,
            changes_per_shift: 32,
            force: false,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimSummary {
    pub out: PathBuf,
    pub agents: u32,
    pub days: u32,
    /// Agents with both a schedule and activity.
    pub matched_agents: u32,
    /// Agents with activity and no schedule.
    pub unscheduled_agents: u32,
    /// Agents with a schedule and no activity.
    pub agents_without_activity: u32,
    pub activity: DayCounts,
    pub schedule: Tally,
}

/// The rules written beside the schedule. They mirror the built-in rules, except that
/// meetings, training and coaching need the agent logged in and away with the matching
/// reason (or occupied): the `away:<reason>` tokens at work.
pub const RULES_TOML: &str = r#"# Rules for the data set written by `adhere simulate` (see the README, "Rules").
productive_states = ["online"]      # what conformance counts as working
grace = "60s"                       # lateness / early logout tolerance
min_exception = "60s"               # shorter out-of-adherence runs are forgiven in adjusted adherence

[[activity]]
names = ["Open", "Available", "Chat", "Messaging", "Phone", "Email", "Work"]
allowed = ["online"]
productive = true

[[activity]]
names = ["Break", "Lunch", "Meal", "Personal"]
allowed = ["away", "occupied", "offline", "logged_out"]

# Logged in and away with the session's own reason (the agent picks it in LivePerson).
[[activity]]
names = ["Meeting", "Training", "Coaching"]
allowed = ["away:Meeting", "away:Training", "away:Coaching", "occupied"]

[[activity]]
names = ["Time Off", "Vacation", "Holiday", "Sick", "Absence", "Off"]
counted = false
"#;

/// Names of what `simulate` writes inside the output directory.
pub const ACTIVITY_DIR: &str = "activity";
pub const SCHEDULE_FILE: &str = "schedule.csv";
pub const RULES_FILE: &str = "rules.toml";
/// Where `simulate --store` writes the activity as an `adhere fetch` store.
pub const STORE_DIR: &str = "store";
const STAGING: &str = ".adhere-simulate.tmp";

/// Writes the enrichment of the data set in `out` (see [`enrichment`]) into `dir`; refuses
/// to replace enrichment files already there unless `cfg.force`.
pub fn simulate_enrichment(cfg: &SimConfig, out: &Path, dir: &Path) -> Result<enrichment::EnrichmentCounts> {
    let targets = ["users.json", "agent-groups.json", "status-reasons.json", "conversations"];
    if dir.exists() && !dir.is_dir() {
        return Err(Error::usage(format!("--enrichment-out {} is a file; give a directory", dir.display())));
    }
    let existing: Vec<&str> = targets.iter().copied().filter(|t| dir.join(t).exists()).collect();
    if !existing.is_empty() && !cfg.force {
        return Err(Error::usage(format!(
            "{} already holds {}; pass --force to replace simulated data, or choose another --enrichment-out",
            dir.display(),
            existing.join(", ")
        )));
    }
    let start_day = time::day_number(cfg.start);
    let agents = agents::build(cfg.seed, cfg.agents, start_day, cfg.days);
    enrichment::write(cfg.seed, &agents, start_day, cfg.days, &out.join(ACTIVITY_DIR), dir)
}

/// Writes a simulated data set into `out` (created if needed).
pub fn simulate(cfg: &SimConfig, out: &Path) -> Result<SimSummary> {
    simulate_with_progress(cfg, out, &|_| {})
}

/// [`simulate`], calling `progress(days_done)` after each day's pages are written.
pub fn simulate_with_progress(cfg: &SimConfig, out: &Path, progress: &(dyn Fn(u32) + Sync)) -> Result<SimSummary> {
    validate(cfg)?;
    let targets = [ACTIVITY_DIR, SCHEDULE_FILE, RULES_FILE];
    if out.exists() && !out.is_dir() {
        return Err(Error::usage(format!("--out {} is a file; give a directory", out.display())));
    }
    let existing: Vec<&str> = targets.iter().copied().filter(|t| out.join(t).exists()).collect();
    if !existing.is_empty() && !cfg.force {
        return Err(Error::usage(format!(
            "{} already holds {}; pass --force to replace simulated data, or choose another --out",
            out.display(),
            existing.join(", ")
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    // Build everything in a staging directory, then move it into place: an interrupted run
    // leaves no half-written data set behind.
    let staging = out.join(STAGING);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    let result = generate(cfg, &staging, progress);
    let mut summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    for t in targets {
        let dest = out.join(t);
        if dest.is_dir() {
            std::fs::remove_dir_all(&dest).map_err(|e| Error::io(&dest, e))?;
        } else if dest.exists() {
            std::fs::remove_file(&dest).map_err(|e| Error::io(&dest, e))?;
        }
        let src = staging.join(t);
        std::fs::rename(&src, &dest).map_err(|e| Error::io(&dest, e))?;
    }
    std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    summary.out = out.to_path_buf();
    Ok(summary)
}

fn validate(cfg: &SimConfig) -> Result<()> {
    let bad = |what: &str| Err(Error::usage(what.to_string()));
    if cfg.agents == 0 {
        return bad("--agents must be at least 1");
    }
    if cfg.days == 0 || cfg.days > 3660 {
        return bad("--days must be between 1 and 3660");
    }
    if cfg.page_size == 0 {
        return bad("--page-size must be at least 1");
    }
    if cfg.changes_per_shift < 4 {
        return bad("--changes-per-shift must be at least 4 (login, default state, a change, logout)");
    }
    Ok(())
}

fn generate(cfg: &SimConfig, dir: &Path, progress: &(dyn Fn(u32) + Sync)) -> Result<SimSummary> {
    let activity_dir = dir.join(ACTIVITY_DIR);
    std::fs::create_dir_all(&activity_dir).map_err(|e| Error::io(&activity_dir, e))?;
    let start_day = time::day_number(cfg.start);
    let agents = agents::build(cfg.seed, cfg.agents, start_day, cfg.days);
    let active: Vec<u32> = agents.iter().filter(|a| a.has_activity).map(|a| a.index).collect();
    let mut summary = SimSummary {
        agents: cfg.agents,
        days: cfg.days,
        matched_agents: agents.iter().filter(|a| a.scheduled() && a.has_activity).count() as u32,
        unscheduled_agents: agents.iter().filter(|a| !a.scheduled()).count() as u32,
        agents_without_activity: agents.iter().filter(|a| !a.has_activity).count() as u32,
        ..Default::default()
    };

    let schedule_path = dir.join(SCHEDULE_FILE);
    let file = std::fs::File::create(&schedule_path).map_err(|e| Error::io(&schedule_path, e))?;
    let mut schedule = std::io::BufWriter::with_capacity(1 << 20, file);
    let io = |e| Error::io(&schedule_path, e);
    schedule.write_all(plan::CSV_HEADER.as_bytes()).map_err(io)?;

    // Records of local day L can fall in UTC days L-1, L and L+1 (zones from UTC-8 to
    // UTC+8, shifts shorter than a day), so a window of three local days is kept.
    let mut window: VecDeque<(u32, Vec<Vec<plan::Rec>>)> = VecDeque::new();
    let mut next_local = 0u32;
    let period = plan::Period { seed: cfg.seed, start_day, days: cfg.days, changes_per_shift: cfg.changes_per_shift };
    let (first_ms, end_ms) = period.coverage();
    let mut planned_in_coverage = 0u64;
    let page_set =
        pages::PageSet { seed: cfg.seed, agents: &agents, active: &active, page_size: cfg.page_size as usize, dir: &activity_dir };
    for u in 0..cfg.days {
        while next_local < cfg.days && next_local <= u + 1 {
            let l = next_local;
            let day = start_day + l as i64;
            let planned: Vec<(String, Vec<plan::Rec>, Tally)> = agents
                .par_iter()
                .map(|a| {
                    let d = plan::plan_day(&period, a, l);
                    let mut csv = String::new();
                    plan::write_rows(&mut csv, a, day, &d.rows);
                    (csv, d.recs, d.tally)
                })
                .collect();
            let mut recs = Vec::with_capacity(planned.len());
            for (csv, r, t) in planned {
                schedule.write_all(csv.as_bytes()).map_err(io)?;
                planned_in_coverage += r.iter().filter(|r| r.time >= first_ms && r.time < end_ms).count() as u64;
                summary.schedule.add(&t);
                recs.push(r);
            }
            window.push_back((l, recs));
            next_local += 1;
        }
        while window.front().is_some_and(|(l, _)| l + 1 < u) {
            window.pop_front();
        }
        let lo = (start_day + u as i64) * DAY;
        let hi = lo + DAY;
        let mut recs: Vec<plan::Rec> =
            window.iter().flat_map(|(_, per_agent)| per_agent.iter().flatten()).filter(|r| r.time >= lo && r.time < hi).copied().collect();
        recs.sort_by_key(|r| (r.time, r.agent, r.seq));
        let counts = pages::write_day(&page_set, start_day + u as i64, u, recs)?;
        summary.activity.add(&counts);
        progress(u + 1);
    }
    // Every record inside the simulated period landed on a page (the window was wide enough).
    debug_assert_eq!(planned_in_coverage, summary.activity.state_changes);
    let _ = planned_in_coverage;
    schedule.flush().map_err(io)?;
    drop(schedule);
    let rules_path = dir.join(RULES_FILE);
    std::fs::write(&rules_path, RULES_TOML).map_err(|e| Error::io(&rules_path, e))?;
    Ok(summary)
}

impl fmt::Display for SimSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.activity;
        let s = &self.schedule;
        let mb = a.bytes as f64 / 1e6;
        writeln!(f, "wrote {} agents over {} days to {}", self.agents, self.days, self.out.display())?;
        writeln!(
            f,
            "  {ACTIVITY_DIR}/      {} API v2 pages, {} records ({} status changes, {} repeated across pages, {} junk records readers must drop), {mb:.1} MB",
            a.pages,
            a.records,
            a.state_changes,
            a.duplicates,
            a.junk_missing_agent + a.junk_unknown_type
        )?;
        writeln!(
            f,
            "  {SCHEDULE_FILE}  {} rows: {} shifts ({} night, {} split), {} time-off rows, {} rows moved off a DST change",
            s.schedule_rows, s.shifts, s.night_shifts, s.split_shifts, s.time_off_rows, s.dst_moved_rows
        )?;
        writeln!(f, "  {RULES_FILE}    rules for every activity in the schedule")?;
        writeln!(
            f,
            "agents: {} with schedule and activity, {} with activity but no schedule, {} scheduled with no activity",
            self.matched_agents, self.unscheduled_agents, self.agents_without_activity
        )?;
        write!(
            f,
            "behaviour: {} sessions, {} late logins, {} early logouts, {} no-shows (and {} shifts of agents who never log in), {} breaks worked online, {} blips under 60 s, {} offline before logout, {} meetings",
            s.sessions,
            s.late_logins,
            s.early_logouts,
            s.no_shows,
            s.shifts_never_logged_in,
            s.breaks_online,
            s.blips,
            s.offline_before_logout,
            s.meetings
        )
    }
}
