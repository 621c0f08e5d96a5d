//! `adhere states`: time in each state per agent and local day; needs no schedule.
//!
//! ```text
//! adhere states --activity PATH... [--tz ZONE] [--from DATE --to DATE]
//!               [--coverage START/END] [--view states|productivity] [--format …] [--out FILE]
//!               [--enrichment PATH...] [--no-enrichment] [--include-bots] [--team-level leaf|N]
//!               [--reason-names recorded|configured]
//! ```
//! With no `--activity`, runs on the bundled sample data.

use std::path::PathBuf;

use super::common;
use crate::adherence::{self, Overall, Report, ViewName};
use crate::error::Result;
use crate::report::Format;

/// Flags of `adhere states`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  adhere states\n  adhere states --activity pages/ --tz Europe/London --format csv --out states.csv\n  adhere states --activity ./adhere-data --view productivity"
)]
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
    /// `states` (time in each state) or `productivity` (time, closed conversations and
    /// conversations per online hour per agent and day; no adherence without a schedule).
    #[arg(long, value_enum, default_value = "states")]
    pub view: StatesView,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to FILE (or DIR/<view>.<ext>).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub enrich: common::EnrichArgs,
}

/// The views `adhere states` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatesView {
    States,
    Productivity,
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
    let (activity, enrichment) = common::load_activity(&paths, coverage, &args.enrich)?;
    common::print_warnings(&activity.warnings);
    let (view, states, productivity) = match args.view {
        StatesView::States => (ViewName::States, adherence::states_only(&activity, &zone, (from, to))?, Default::default()),
        StatesView::Productivity => {
            let closed = common::closed_conversations(&enrichment);
            (ViewName::Productivity, Default::default(), adherence::productivity_only(&activity, &zone, (from, to), closed.as_ref())?)
        }
    };
    let report = Report {
        shifts: Default::default(),
        agents: Default::default(),
        teams: Default::default(),
        intervals: Default::default(),
        exceptions: Default::default(),
        states,
        productivity,
        overall: Overall::default(),
        team_adjusted_pct: vec![],
        period: None,
        warnings: vec![],
        names: Default::default(),
        shift_figures: Default::default(),
    };
    let written = common::write_views(&report, &[view], Some(view), args.format, args.out.as_deref(), &[])?;
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    Ok(0)
}
