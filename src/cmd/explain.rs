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
use super::inputs::{InputArgs, Inputs};
use crate::adherence::{self, explain, Engine};
use crate::error::{Error, Result};
use crate::report::explain::{render, ExplainFormat};
use crate::report::write_atomic;

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
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ExplainFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8> {
    let day = common::date_flag("date", Some(&args.date))?.ok_or_else(|| Error::usage("--date is required"))?;
    let Inputs { rules, zone, shift_gap, schedule: sched, activity, roster, .. } = args.input.load()?;
    let opts =
        adherence::Options { shift_gap, default_zone: zone, match_on: args.input.match_on, views: vec![], roster, ..Default::default() };
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
