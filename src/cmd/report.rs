//! `adhere report`: match activity against schedules and report adherence.
//!
//! ```text
//! adhere report --activity PATH... --schedule PATH... [--rules FILE] [--tz ZONE]
//!               [--from DATE --to DATE] [--coverage START/END] [--shift-gap 60m]
//!               [--ambiguous earliest|latest] [--skip-invalid]
//!               [--view shifts|agents|teams|intervals|exceptions|states]
//!               [--interval 15m|30m|60m] [--format table|csv|json|ndjson|parquet]
//!               [--out FILE|DIR] [--fail-under PCT] [--match-on employee-id|login|agent-id|name]
//!               [--enrichment PATH...] [--no-enrichment] [--include-bots] [--team-level leaf|N]
//!               [--reason-names recorded|configured]
//! ```
//! With neither `--activity` nor `--schedule`, runs on the bundled sample data.

use std::path::PathBuf;

use super::common;
use crate::adherence::{self, ViewName};
use crate::error::{Error, Result};
use crate::report::Format;
use crate::rules::Rules;
use crate::schedule::matching::MatchOn;
use crate::schedule::{self, ReadOptions};
use crate::time::{self, Ambiguous, MINUTE};

/// Flags of `adhere report`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  adhere report\n  adhere report --activity pages/ --schedule roster.csv --view agents\n  adhere report --activity ./adhere-data --schedule week.csv --format json --out report/\n  adhere report --activity pages/ --schedule week.csv --from 2024-03-04 --to 2024-03-10 --fail-under 85\n  adhere report --activity ./adhere-data --schedule week.csv --view productivity --team-level 1"
)]
pub struct Args {
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
    /// First shift date to report (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last shift date to report (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
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
    /// The view to write (default shifts; with --out DIR and no --view, every view).
    #[arg(long, value_enum)]
    pub view: Option<ViewName>,
    /// Interval length of the intervals view: 15m, 30m or 60m.
    #[arg(long, default_value = "30m", value_name = "15m|30m|60m")]
    pub interval: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to FILE, or to DIR (every view, or the chosen one as DIR/<view>.<ext>).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Exit with code 3 when overall adjusted adherence is below PCT.
    #[arg(long, value_name = "PCT")]
    pub fail_under: Option<f64>,
    /// Match schedule keys on one field only (default: employeeId, then login, then
    /// agentId; then, with users loaded, the user's employeeId, login and full name).
    #[arg(long, value_enum, default_value = "auto")]
    pub match_on: MatchOn,
    #[command(flatten)]
    pub enrich: common::EnrichArgs,
}

pub fn run(args: Args) -> Result<u8> {
    let (activity_paths, schedule_paths, rules_path) = inputs(&args)?;
    let rules = match &rules_path {
        Some(p) => Rules::load(p)?,
        None => Rules::default(),
    };
    let zone = common::zone_flag(args.tz.as_deref())?;
    let from = common::date_flag("from", args.from.as_deref())?;
    let to = common::date_flag("to", args.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(Error::usage("--to is before --from"));
        }
    }
    let coverage = common::coverage_flag(args.coverage.as_deref())?;
    let shift_gap = common::duration_flag("shift-gap", &args.shift_gap)?;
    let interval = common::duration_flag("interval", &args.interval)?;
    if ![15 * MINUTE, 30 * MINUTE, 60 * MINUTE].contains(&interval) {
        return Err(Error::usage(format!("--interval {:?} must be 15m, 30m or 60m", args.interval)));
    }

    let read_opts = ReadOptions { default_zone: zone.clone(), ambiguous: args.ambiguous, skip_invalid: args.skip_invalid };
    let sched = schedule::read_files(&schedule_paths, None, &read_opts)?;
    let (activity, enrichment) = common::load_activity(&activity_paths, coverage, &args.enrich)?;

    let views: Vec<ViewName> = match (args.view, &args.out) {
        (Some(v), _) => vec![v],
        (None, Some(_)) => ViewName::ALL.to_vec(),
        (None, None) => vec![ViewName::Shifts],
    };
    let opts = adherence::Options {
        shift_gap,
        interval,
        from,
        to,
        default_zone: zone,
        match_on: args.match_on,
        views: views.clone(),
        closed_conversations: common::closed_conversations(&enrichment),
    };
    let mut report = adherence::compute(&activity, &sched.rows, &rules, &opts)?;
    if !sched.rejected.is_empty() {
        report.warnings.push(format!(
            "{} schedule row{} skipped (--skip-invalid); see the warnings above",
            sched.rejected.len(),
            if sched.rejected.len() == 1 { "" } else { "s" }
        ));
    }
    common::print_warnings(&report.warnings);
    let written = common::write_views(&report, &views, args.view, args.format, args.out.as_deref())?;
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    let o = &report.overall;
    let pct = |p: Option<f64>| p.map_or("n/a".to_string(), |p| format!("{p:.1}%"));
    let period = report.period.map(|(a, b)| format!(" from {} to {}", time::fmt_day(a), time::fmt_day(b))).unwrap_or_default();
    eprintln!(
        "adhere: {} shift{} of {} agent{}{period}: adherence {} (adjusted {}), conformance {}, {} late, {} early logout{}, {} no-show{}",
        o.shifts,
        if o.shifts == 1 { "" } else { "s" },
        o.agents,
        if o.agents == 1 { "" } else { "s" },
        pct(o.adherence_pct),
        pct(o.adjusted_adherence_pct),
        pct(o.conformance_pct),
        o.late_count,
        o.early_logout_count,
        if o.early_logout_count == 1 { "" } else { "s" },
        o.no_show_count,
        if o.no_show_count == 1 { "" } else { "s" },
    );
    if let Some(target) = args.fail_under {
        match o.adjusted_adherence_pct {
            Some(p) if p < target => {
                eprintln!("adhere: FAILED: overall adjusted adherence {p:.2}% is below the target {target}% (--fail-under)");
                return Ok(3);
            }
            None => eprintln!("warning: --fail-under {target}: no adherence figure (no scheduled time with a known state); not failing"),
            _ => {}
        }
    }
    Ok(0)
}

/// The activity, schedule and rules paths: as given, or the bundled sample data when
/// neither activity nor schedule is given.
fn inputs(args: &Args) -> Result<(Vec<PathBuf>, Vec<PathBuf>, Option<PathBuf>)> {
    match (args.activity.is_empty(), args.schedule.is_empty()) {
        (true, true) => {
            let dir = common::sample_dir()?;
            eprintln!("adhere: no --activity/--schedule given: using the bundled sample data in {}", dir.display());
            let rules = args.rules.clone().or_else(|| Some(dir.join("rules.toml")).filter(|p| p.is_file()));
            Ok((vec![dir.join("activity")], vec![dir.join("schedule.csv")], rules))
        }
        (false, false) => Ok((args.activity.clone(), args.schedule.clone(), args.rules.clone())),
        (true, false) => Err(Error::usage("--schedule given without --activity: give both (or neither, to run on the bundled sample data)")),
        (false, true) => Err(Error::usage(
            "--activity given without --schedule: give both (or neither, to run on the sample data); for time in state without a schedule use `adhere states`",
        )),
    }
}
