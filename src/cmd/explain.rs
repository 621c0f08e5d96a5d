//! `adhere explain`: the truth behind one agent's shift numbers, piece by piece.
//!
//! ```text
//! adhere explain --agent KEY --date DATE [--activity PATH... --schedule PATH...]
//!                [--rules FILE] [--tz ZONE] [--coverage START/END] [--shift-gap 60m]
//!                [--ambiguous earliest|latest] [--skip-invalid]
//!                [--match-on employee-id|login|agent-id|name] [--format table|json|markdown]
//!                [--out FILE] [--enrichment PATH...] [--no-enrichment] [--include-bots] …
//! ```
//! With neither `--activity` nor `--schedule`, runs on the bundled sample data.

use std::path::PathBuf;

use super::common;
use crate::adherence::{self, explain, Engine};
use crate::error::{Error, Result};
use crate::report::explain::{render, ExplainFormat};
use crate::report::write_atomic;
use crate::rules::Rules;
use crate::schedule::matching::MatchOn;
use crate::schedule::roster::Roster;
use crate::schedule::{self, ReadOptions};
use crate::time::Ambiguous;

/// Flags of `adhere explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every piece of the agent's shifts on that date: the scheduled activity, the actual state and reason,\nthe verdict (in / out / unknown / excluded) and the rule that decided it; then how each figure of\nthe shifts view is made.\n\nExamples:\n  adhere explain --agent E10001 --date 2024-03-04\n  adhere explain --activity pages/ --schedule week.csv --agent jane@example.com --date 2024-03-05 --format markdown\n  adhere explain --activity pages/ --schedule week.csv --agent E10001 --date 2024-03-05 --format json --out e10001.json"
)]
pub struct Args {
    /// The agent: its schedule key (as in the schedule's agent column), or its employee id,
    /// login name or agentId.
    #[arg(long, value_name = "KEY")]
    pub agent: String,
    /// The shift date (YYYY-MM-DD): the local date of the start of the shift's first row.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// Activity inputs (as for `adhere report`).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub activity: Vec<PathBuf>,
    /// Schedule files (as for `adhere report`).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub schedule: Vec<PathBuf>,
    /// Rules TOML (replaces the built-in rules).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Zone for schedule rows without one (IANA name or UTC+hh:mm). Default UTC.
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
    /// Match schedule keys on one field only (default: employeeId, then login, then agentId).
    #[arg(long, value_enum, default_value = "auto")]
    pub match_on: MatchOn,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ExplainFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Read every schedule file as this layout instead of detecting it.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(schedule::format_names()))]
    pub schedule_format: Option<String>,
    /// A roster CSV saying who each schedule key is (as for `adhere report`).
    #[arg(long = "agents", value_name = "ROSTER")]
    pub roster: Option<PathBuf>,
    #[command(flatten)]
    pub enrich: common::EnrichArgs,
}

pub fn run(args: Args) -> Result<u8> {
    let day = common::date_flag("date", Some(&args.date))?.ok_or_else(|| Error::usage("--date is required"))?;
    let (activity_paths, schedule_paths, rules_path) = common::input_paths(&args.activity, &args.schedule, args.rules.as_ref())?;
    let rules = match &rules_path {
        Some(p) => Rules::load(p)?,
        None => Rules::default(),
    };
    let zone = common::zone_flag(args.tz.as_deref())?;
    let coverage = common::coverage_flag(args.coverage.as_deref())?;
    let shift_gap = common::duration_flag("shift-gap", &args.shift_gap)?;
    let read_opts =
        ReadOptions { default_zone: zone.clone(), ambiguous: args.ambiguous, skip_invalid: args.skip_invalid, ..Default::default() };
    let roster = args.roster.as_deref().map(Roster::load).transpose()?;
    let read_opts = ReadOptions { agent_zones: roster.as_ref().map(Roster::zones).unwrap_or_default(), ..read_opts };
    let mut sched = schedule::read_files(&schedule_paths, args.schedule_format.as_deref(), &read_opts)?;
    if let Some(r) = &roster {
        r.fill_teams(&mut sched.rows);
    }
    let (activity, _enrichment) = common::load_activity(&activity_paths, coverage, &args.enrich)?;
    let opts = adherence::Options { shift_gap, default_zone: zone, match_on: args.match_on, views: vec![], roster, ..Default::default() };
    let engine = Engine::new(&activity, &sched.rows, &rules, &opts)?;
    let mut warnings = activity.warnings.clone();
    warnings.extend(engine.matches.warnings.iter().cloned());
    common::print_warnings(&warnings);
    let ex = explain::explain_day(&engine, &args.agent, day)?;
    let bytes = render(&ex, args.format, &rules.source)?;
    match &args.out {
        Some(path) => {
            write_atomic(path, &bytes)?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(&bytes).map_err(|e| Error::io("stdout", e))?;
        }
    }
    Ok(0)
}
