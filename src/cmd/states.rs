//! `adhere states`: time in each state per agent and local day; needs no schedule.
//!
//! ```text
//! adhere states --activity PATH... [--tz ZONE] [--from DATE --to DATE]
//!               [--coverage START/END] [--format …] [--out FILE]
//! ```
//! With no `--activity`, runs on the bundled sample data.

use std::path::PathBuf;

use super::common;
use crate::activity::{Activity, LoadOptions};
use crate::adherence::{self, Overall, Report, ViewName};
use crate::error::Result;
use crate::report::Format;

/// Flags of `adhere states`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  adhere states\n  adhere states --activity pages/ --tz Europe/London --format csv --out states.csv")]
pub struct Args {
    /// Activity inputs: API response files, directories of them, or an `adhere fetch` store.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub activity: Vec<PathBuf>,
    /// Zone whose local days split the time (IANA name or UTC+hh:mm). Default UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// First local date to report (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last local date to report (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Coverage when no input carries a timeframe: START/END, two RFC 3339 instants.
    #[arg(long, value_name = "START/END")]
    pub coverage: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to FILE (or DIR/states.<ext>).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8> {
    if args.format.is_document() {
        return Err(crate::Error::usage(
            "--format markdown and html render whole adherence reports; use `adhere report --format html` (its time in state section) or a data format here",
        ));
    }
    let paths = if args.activity.is_empty() {
        let dir = common::sample_dir()?;
        eprintln!("adhere: no --activity given: using the bundled sample data in {}", dir.display());
        vec![dir.join("activity")]
    } else {
        args.activity.clone()
    };
    let zone = common::zone_flag(args.tz.as_deref())?;
    let from = common::date_flag("from", args.from.as_deref())?;
    let to = common::date_flag("to", args.to.as_deref())?;
    let coverage = common::coverage_flag(args.coverage.as_deref())?;
    let activity = Activity::load(&paths, &LoadOptions { coverage })?;
    common::print_warnings(&activity.warnings);
    let states = adherence::states_only(&activity, &zone, (from, to))?;
    let report = Report {
        shifts: Default::default(),
        agents: Default::default(),
        teams: Default::default(),
        intervals: Default::default(),
        exceptions: Default::default(),
        states,
        overall: Overall::default(),
        team_adjusted_pct: vec![],
        period: None,
        warnings: vec![],
    };
    let written = common::write_views(&report, &[ViewName::States], Some(ViewName::States), args.format, args.out.as_deref())?;
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    Ok(0)
}
