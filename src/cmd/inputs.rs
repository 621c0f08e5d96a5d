//! The input flags `report` and `explain` share, defined once: where activity, schedules and
//! rules come from and how schedules are read and matched. [`InputArgs::load`] reads them
//! all, so both commands see exactly the same data.

use std::path::PathBuf;

use super::common;
use crate::activity::Activity;
use crate::enrich::Enrichment;
use crate::error::Result;
use crate::rules::Rules;
use crate::schedule::matching::MatchOn;
use crate::schedule::roster::Roster;
use crate::schedule::{self, ReadOptions, ScheduleInput};
use crate::time::{Ambiguous, Ms, Zone};

/// Input flags shared by `adhere report` and `adhere explain`.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Activity inputs: API response files (v2/v1 pages, arrays of pages, NDJSON), directories
    /// of them, or an `adhere fetch` store. Read in the order given.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub activity: Vec<PathBuf>,
    /// Schedule files (generic CSV or a WFM export). Overlaps across files resolve by the
    /// overlay rule (latest start wins; ties go to the later file).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub schedule: Vec<PathBuf>,
    /// Rules TOML (replaces the built-in rules).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Zone for schedule rows without one and for agents without a schedule (IANA name or
    /// UTC+hh:mm). Default UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Coverage when no input carries a timeframe: START/END, two RFC 3339 instants.
    #[arg(long, value_name = "START/END")]
    pub coverage: Option<String>,
    /// Rows without shift_id start a new shift when they begin at least this long after the
    /// latest end so far.
    #[arg(long, default_value = "60m", value_name = "DURATION")]
    pub shift_gap: String,
    /// How to read local times that occur twice when clocks fall back (default: error).
    #[arg(long, value_enum)]
    pub ambiguous: Option<Ambiguous>,
    /// Skip schedule rows with errors (each is reported on stderr) instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: write the skipped rows and why to this CSV
    /// (file,line,column,value,reason); default adhere-rejects.csv when rows were skipped.
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Read every schedule file as this layout instead of detecting it
    /// (ical, genesys, iex, cxone, zendesk, generic).
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(schedule::format_names()))]
    pub schedule_format: Option<String>,
    /// A roster CSV saying who each schedule key is (agent_id / employee_id / login_name,
    /// team, timezone) when the schedule's keys are not LivePerson fields.
    #[arg(long = "agents", value_name = "ROSTER")]
    pub roster: Option<PathBuf>,
    /// Match schedule keys on one field only (default: employeeId, then login, then
    /// agentId; then, with users loaded, the user's employeeId, login and full name).
    #[arg(long, value_enum, default_value = "auto")]
    pub match_on: MatchOn,
    #[command(flatten)]
    pub enrich: common::EnrichArgs,
}

/// Everything the input flags name, read.
pub struct Inputs {
    pub rules: Rules,
    /// `--tz` (UTC when absent).
    pub zone: Zone,
    pub shift_gap: Ms,
    pub schedule: ScheduleInput,
    pub activity: Activity,
    pub enrichment: Enrichment,
    pub roster: Option<Roster>,
}

/// The inputs besides activity: rules, zone, schedules (rejects written), roster, and where
/// the activity is.
pub struct ScheduleSide {
    pub rules: Rules,
    pub zone: Zone,
    pub shift_gap: Ms,
    pub schedule: ScheduleInput,
    pub roster: Option<Roster>,
    /// `--coverage`.
    pub coverage: Option<(Ms, Ms)>,
    /// The activity inputs (the bundled sample when neither activity nor schedule is given).
    pub activity_paths: Vec<PathBuf>,
}

impl InputArgs {
    /// Reads rules, roster, schedules (writing `--rejects`) and activity, or the bundled
    /// sample data when neither activity nor schedule is given.
    pub fn load(&self) -> Result<Inputs> {
        let side = self.load_schedule_side()?;
        let (activity, enrichment) = common::load_activity(&side.activity_paths, side.coverage, &self.enrich)?;
        let ScheduleSide { rules, zone, shift_gap, schedule, roster, .. } = side;
        Ok(Inputs { rules, zone, shift_gap, schedule, activity, enrichment, roster })
    }

    /// The activity, schedule and rules paths the flags name (or the bundled sample's).
    pub fn paths(&self) -> Result<common::InputPaths> {
        common::input_paths(&self.activity, &self.schedule, self.rules.as_ref())
    }

    /// Everything [`InputArgs::load`] reads but the activity.
    pub fn load_schedule_side(&self) -> Result<ScheduleSide> {
        self.load_schedule_side_at(self.paths()?)
    }

    /// [`InputArgs::load_schedule_side`] with the paths already worked out.
    pub fn load_schedule_side_at(&self, paths: common::InputPaths) -> Result<ScheduleSide> {
        let common::InputPaths { activity: activity_paths, schedule: schedule_paths, rules: rules_path, sample } = paths;
        if let Some(dir) = sample {
            eprintln!("adhere: no --activity/--schedule given: using the bundled sample data in {}", dir.display());
        }
        let rules = match &rules_path {
            Some(p) => Rules::load(p)?,
            None => Rules::default(),
        };
        let zone = common::zone_flag(self.tz.as_deref())?;
        let coverage = common::coverage_flag(self.coverage.as_deref())?;
        let shift_gap = common::duration_flag("shift-gap", &self.shift_gap)?;
        let roster = self.roster.as_deref().map(Roster::load).transpose()?;
        let read_opts = ReadOptions {
            default_zone: zone.clone(),
            ambiguous: self.ambiguous,
            skip_invalid: self.skip_invalid,
            agent_zones: roster.as_ref().map(Roster::zones).unwrap_or_default(),
        };
        let mut sched =
            crate::timing::stage("schedule: read", || schedule::read_files(&schedule_paths, self.schedule_format.as_deref(), &read_opts))?;
        if let Some(r) = &roster {
            r.fill_teams(&mut sched.rows);
        }
        common::write_rejects(self.skip_invalid, self.rejects.as_deref(), &sched.rejected)?;
        Ok(ScheduleSide { rules, zone, shift_gap, schedule: sched, roster, coverage, activity_paths })
    }
}
