//! `adhere schedule check FILE...` and `adhere schedule diff OLD NEW`.
//!
//! ```text
//! adhere schedule check FILE... [--format text|json] [read flags]
//! adhere schedule diff OLD NEW [--view changes|hours] [--format table|csv|json|ndjson|markdown]
//!                              [--out FILE] [--fail-on-change] [read flags]
//! read flags: [--schedule-format NAME] [--tz ZONE] [--ambiguous earliest|latest]
//!             [--skip-invalid [--rejects FILE]] [--shift-gap 60m] [--rules FILE]
//! ```
//! Exit codes: 0 ok; 1 bad input (and `check` with rejected rows); 2 usage; 3
//! `--fail-on-change` found a difference.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::report::write_atomic;
use crate::rules::Rules;
use crate::schedule::check::CheckSummary;
use crate::schedule::diff::{diff, Side};
use crate::schedule::diff_format::{self, DiffFormat, DiffView};
use crate::schedule::{format_names, read_files, row_rules, ReadOptions, ScheduleInput, Shifts};
use crate::time::{self, Ambiguous, Zone};

/// Flags shared by `schedule check` and `schedule diff` (and the same names as `report`'s).
#[derive(Debug, Clone, clap::Args)]
pub struct ReadFlags {
    /// Read every schedule file as this layout instead of detecting it
    /// (ical, genesys, iex, cxone, zendesk, generic).
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(format_names()))]
    pub schedule_format: Option<String>,
    /// Time zone of schedule rows that name none: an IANA name or UTC+hh:mm (default UTC).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// How to read a local time that happens twice when clocks fall back (default: error).
    #[arg(long, value_enum)]
    pub ambiguous: Option<Ambiguous>,
    /// Skip bad rows (each is named on stderr) instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: write the skipped rows and why to this CSV
    /// (file,line,column,value,reason); default adhere-rejects.csv when rows were skipped.
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Rows starting at least this long after the latest end so far start a new shift.
    #[arg(long, value_name = "DURATION", default_value = "60m")]
    pub shift_gap: String,
    /// Rules TOML (which activities are time off); built-in rules otherwise.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate schedule files and summarise them: agents, shifts, dates, time per activity,
    /// overlapping rows, shifts touched by DST, rejected rows. Exits 1 when a row is bad.
    Check(CheckArgs),
    /// Compare two schedule files (they may be in different layouts): shifts added, removed
    /// and changed, or scheduled minutes per agent and activity.
    Diff(DiffArgs),
}

/// `adhere schedule check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Schedule files (default: the bundled sample schedule).
    pub files: Vec<PathBuf>,
    /// Output form of the summary.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    #[command(flatten)]
    pub read: ReadFlags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// `adhere schedule diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The schedule before (default: the bundled sample pair).
    pub old: Option<PathBuf>,
    /// The schedule after.
    pub new: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "changes")]
    pub view: DiffView,
    #[arg(long, value_enum, default_value = "table")]
    pub format: DiffFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit with code 3 when the schedules differ (any shift added, removed or changed).
    #[arg(long)]
    pub fail_on_change: bool,
    #[command(flatten)]
    pub read: ReadFlags,
}

pub fn run(cmd: Command) -> Result<u8> {
    match cmd {
        Command::Check(a) => run_check(a),
        Command::Diff(a) => run_diff(a),
    }
}

/// The bundled sample schedules (`fixtures/schedules`), for runs without files.
fn sample(name: &str) -> Result<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schedules").join(name);
    if p.exists() {
        Ok(p)
    } else {
        Err(Error::usage(format!("give the schedule file(s) to read (the bundled sample {} is not here)", p.display())))
    }
}

struct Prepared {
    opts: ReadOptions,
    rules: Rules,
    shift_gap: time::Ms,
}

fn prepare(f: &ReadFlags) -> Result<Prepared> {
    let default_zone = match &f.tz {
        Some(z) => Zone::parse(z)
            .ok_or_else(|| Error::usage(format!("--tz {z:?} is not a time zone; use an IANA name such as Europe/London or UTC+05:30")))?,
        None => Zone::utc(),
    };
    let shift_gap = time::parse_duration(&f.shift_gap)
        .ok_or_else(|| Error::usage(format!("--shift-gap {:?} is not a duration; write e.g. 60m, 90m or 2h", f.shift_gap)))?;
    let rules = match &f.rules {
        Some(p) => Rules::load(p)?,
        None => Rules::default(),
    };
    let opts = ReadOptions { default_zone, ambiguous: f.ambiguous, skip_invalid: f.skip_invalid, ..Default::default() };
    Ok(Prepared { opts, rules, shift_gap })
}

/// After reading: the rejects file, and the count on stderr.
fn report_rejects(f: &ReadFlags, rejected: &[crate::schedule::Rejected]) -> Result<()> {
    let written = super::common::write_rejects(f.skip_invalid, f.rejects.as_deref(), rejected)?;
    if !rejected.is_empty() {
        eprintln!(
            "warning: skipped {} schedule row{}{}",
            rejected.len(),
            if rejected.len() == 1 { "" } else { "s" },
            written.map(|p| format!(" (listed in {})", p.display())).unwrap_or_default()
        );
    }
    Ok(())
}

fn run_check(a: CheckArgs) -> Result<u8> {
    let p = prepare(&a.read)?;
    let files = if a.files.is_empty() { vec![sample("generic.csv")?] } else { a.files.clone() };
    let input: ScheduleInput = read_files(&files, a.read.schedule_format.as_deref(), &p.opts)?;
    report_rejects(&a.read, &input.rejected)?;
    let rules = row_rules(&input.rows, &p.rules)?;
    let shifts = Shifts::build(&input.rows, &rules, p.shift_gap);
    let summary = CheckSummary::build(&input.rows, &input.formats, &rules, &shifts, &input.rejected);
    let text = match a.format {
        CheckFormat::Text => summary.to_text(),
        CheckFormat::Json => format!("{:#}\n", summary.to_json()),
    };
    print!("{text}");
    Ok(if summary.ok() { 0 } else { 1 })
}

fn run_diff(a: DiffArgs) -> Result<u8> {
    let p = prepare(&a.read)?;
    let (old, new) = match (&a.old, &a.new) {
        (Some(o), Some(n)) => (o.clone(), n.clone()),
        (None, None) => (sample("week-old.csv")?, sample("week-new.csv")?),
        _ => return Err(Error::usage("schedule diff needs two files: OLD and NEW")),
    };
    let fmt = a.read.schedule_format.as_deref();
    let old_in = read_files(std::slice::from_ref(&old), fmt, &p.opts)?;
    let new_in = read_files(std::slice::from_ref(&new), fmt, &p.opts)?;
    let mut rejected = old_in.rejected.clone();
    rejected.extend(new_in.rejected.iter().cloned());
    report_rejects(&a.read, &rejected)?;
    // One check of activity names over both files, so every unknown name is listed at once.
    p.rules.resolve_all(old_in.rows.activity.iter().chain(&new_in.rows.activity).map(String::as_str))?;
    let (old_rules, new_rules) = (row_rules(&old_in.rows, &p.rules)?, row_rules(&new_in.rows, &p.rules)?);
    let old_shifts = Shifts::build(&old_in.rows, &old_rules, p.shift_gap);
    let new_shifts = Shifts::build(&new_in.rows, &new_rules, p.shift_gap);
    let d = diff(
        &Side { rows: &old_in.rows, rules: &old_rules, shifts: &old_shifts },
        &Side { rows: &new_in.rows, rules: &new_rules, shifts: &new_shifts },
    );
    let bytes = diff_format::write(&d, a.view, a.format)?;
    match &a.out {
        Some(path) => write_atomic(path, &bytes)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).and_then(|_| out.flush()).map_err(|e| Error::io("stdout", e))?;
        }
    }
    Ok(if a.fail_on_change && d.has_changes() { 3 } else { 0 })
}
