//! `adhere report`: match activity against schedules and report adherence.
//!
//! ```text
//! adhere report --activity PATH... --schedule PATH... [--rules FILE] [--tz ZONE]
//!               [--from DATE --to DATE] [--coverage START/END] [--shift-gap 60m]
//!               [--ambiguous earliest|latest] [--skip-invalid [--rejects FILE]]
//!               [--schedule-format NAME] [--agents ROSTER]
//!               [--view shifts|agents|teams|intervals|exceptions|states]
//!               [--interval 15m|30m|60m]
//!               [--format table|csv|json|ndjson|parquet|markdown|html]
//!               [--out FILE|DIR] [--fail-under PCT] [--summary-json FILE]
//!               [--match-on employee-id|login|agent-id|name]
//!               [--enrichment PATH...] [--no-enrichment] [--include-bots] [--team-level leaf|N]
//!               [--reason-names recorded|configured]
//! ```
//! With neither `--activity` nor `--schedule`, runs on the bundled sample data.

use std::path::PathBuf;

use super::common;
use super::inputs::{InputArgs, ScheduleSide};
use crate::activity::Activity;
use crate::adherence::partition::StoreInput;
use crate::adherence::targets::Targets;
use crate::adherence::{self, explain, Engine, PreparedShifts, Report, ViewName};
use crate::enrich::Enrichment;
use crate::error::{Error, Result};
use crate::report::stream::ViewSink;
use crate::report::{summary, write_atomic, Document, Format};
use crate::rules::Rules;
use crate::schedule::matching::Matches;
use crate::schedule::roster::Roster;
use crate::schedule::ScheduleInput;
use crate::time::{self, Ms, Zone, MINUTE};

/// Flags of `adhere report`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  adhere report\n  adhere report --activity pages/ --schedule roster.csv --view agents\n  adhere report --activity ./adhere-data --schedule week.csv --format json --out report/\n  adhere report --activity pages/ --schedule week.csv --from 2024-03-04 --to 2024-03-10 --fail-under 85\n  adhere report --activity pages/ --schedule week.csv --format html --out report/ --summary-json summary.json\n  adhere report --activity pages/ --schedule week.csv --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n  adhere report --activity ./adhere-data --schedule week.csv --view productivity --team-level 1"
)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// First shift date to report (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last shift date to report (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// The view to write (default shifts; with --out DIR and no --view, every view).
    #[arg(long, value_enum)]
    pub view: Option<ViewName>,
    /// Interval length of the intervals view: 15m, 30m or 60m.
    #[arg(long, default_value = "30m", value_name = "15m|30m|60m")]
    pub interval: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to FILE, or to DIR (every view, or the chosen one as DIR/<view>.<ext>; markdown
    /// and html write the whole report as DIR/report.md or DIR/report.html).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Exit with code 3 when overall adjusted adherence is below PCT (replaces the rules'
    /// target_pct; the rules' team_targets are checked too).
    #[arg(long, value_name = "PCT")]
    pub fail_under: Option<f64>,
    /// Also write the headline numbers (period, overall and per-team figures, targets and
    /// whether each was met) as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Compute in N agent partitions, reading a fetch store one partition at a time, so that
    /// memory stays flat however many days the store holds (same figures and files; csv,
    /// json, ndjson or parquet). auto: a store of up to about 8 million records in one piece,
    /// a larger one in partitions of about 5 million, when the format allows it; else 1.
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    pub partitions: String,
}

/// `--partitions`: how many partitions this run uses.
fn partitions(args: &Args, activity_paths: &[PathBuf]) -> Result<usize> {
    let store = match activity_paths {
        [one] if crate::liveperson::store::is_store(one) => Some(one),
        _ => None,
    };
    let streamable = crate::report::stream::needs_whole_report(args.format).is_none();
    if args.partitions == "auto" {
        return match store {
            Some(dir) if streamable => adherence::partition::auto_partitions(dir),
            _ => Ok(1),
        };
    }
    let n: usize = args
        .partitions
        .parse()
        .ok()
        .filter(|&n| (1..=10_000).contains(&n))
        .ok_or_else(|| Error::usage(format!("--partitions {:?} must be auto or a whole number from 1 to 10000", args.partitions)))?;
    if n > 1 && store.is_none() {
        return Err(Error::usage(
            "--partitions needs one `adhere fetch` store as --activity (API pages are read whole); drop --partitions or fetch into a store",
        ));
    }
    if n > 1 {
        if let Some(e) = crate::report::stream::needs_whole_report(args.format) {
            return Err(e);
        }
    }
    Ok(n)
}

pub fn run(args: Args) -> Result<u8> {
    let from = common::date_flag("from", args.from.as_deref())?;
    let to = common::date_flag("to", args.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(Error::usage("--to is before --from"));
        }
    }
    let interval = common::duration_flag("interval", &args.interval)?;
    let part_rows = stream_part_rows()?;
    if ![15 * MINUTE, 30 * MINUTE, 60 * MINUTE].contains(&interval) {
        return Err(Error::usage(format!("--interval {:?} must be 15m, 30m or 60m", args.interval)));
    }
    // Where the activity is (the schedule side, read below, says when it is the sample's).
    let paths = args.input.paths()?;
    let activity_paths = paths.activity.clone();
    let parts = partitions(&args, &activity_paths)?;

    if args.format.is_document() && args.view.is_some() {
        return Err(Error::usage(format!(
            "--format {} renders the whole report as one document; drop --view (or use csv, json, ndjson, parquet or table for one view)",
            args.format.extension().replace("md", "markdown")
        )));
    }
    let views: Vec<ViewName> = match (args.view, &args.out) {
        _ if args.format.is_document() => ViewName::ALL.to_vec(),
        (Some(v), _) => vec![v],
        (None, Some(_)) => ViewName::ALL.to_vec(),
        (None, None) => vec![ViewName::Shifts],
    };
    let run = RunFlags { views, interval, from, to };
    if parts > 1 {
        let side = args.input.load_schedule_side_at(paths)?;
        return run_partitioned(&args, &run, side, parts);
    }
    // Schedules and activity are read side by side (the schedule reader is one thread), and
    // the shifts, which depend on the schedule only, are built while the activity loads.
    let coverage = common::coverage_flag(args.input.coverage.as_deref())?;
    let (side, loaded) = rayon::join(
        || -> Result<_> {
            let side = args.input.load_schedule_side_at(paths)?;
            let prepared = PreparedShifts::build(&side.schedule.rows, &side.rules, side.shift_gap)?;
            Ok((side, prepared))
        },
        || common::load_activity(&activity_paths, coverage, &args.input.enrich),
    );
    let (side, prepared) = side?;
    let (activity, enrichment) = loaded?;
    let ScheduleSide { rules, zone, shift_gap, schedule: sched, roster, .. } = side;
    let opts = engine_options(&args, &run, zone, shift_gap, roster, &enrichment);
    let engine = crate::timing::stage("engine: prepare (matching, timelines)", || {
        Engine::with_shifts(&activity, &sched.rows, &rules, &opts, prepared)
    });
    // The two largest views, when they go to files in a format written a part at a time,
    // are handed to their files as they are built (`views::Streamed`), not kept whole.
    // (Tables and documents, which need the whole report, are not.)
    let streams = if crate::report::stream::needs_whole_report(args.format).is_some() {
        Vec::new()
    } else {
        common::view_targets(&run.views, args.view, args.format, args.out.as_deref())?
    };
    let stream_to = |view: ViewName| -> Result<Option<(ViewName, ViewSink)>> {
        match streams.iter().find(|(v, _)| *v == view) {
            Some((_, Some(path))) => Ok(Some((view, ViewSink::create(args.format, Some(path))?))),
            _ => Ok(None),
        }
    };
    let (mut exceptions_file, mut intervals_file) = (stream_to(ViewName::Exceptions)?, stream_to(ViewName::Intervals)?);
    let mut exceptions_push = exceptions_file.as_mut().map(|(_, s)| move |df: &polars::prelude::DataFrame| s.append(df));
    let mut intervals_push = intervals_file.as_mut().map(|(_, s)| move |df: &polars::prelude::DataFrame| s.append(df));
    let mut streamed = adherence::views::Streamed {
        exceptions: exceptions_push.as_mut().map(|f| f as adherence::views::PartSink<'_>),
        intervals: intervals_push.as_mut().map(|f| f as adherence::views::PartSink<'_>),
        ..Default::default()
    };
    if let Some(rows) = part_rows {
        streamed.part_rows = rows;
    }
    let mut report = engine.report_streamed(streamed)?;
    let streamed_files: Vec<(ViewName, ViewSink)> = [exceptions_file, intervals_file].into_iter().flatten().collect();
    let done: Vec<ViewName> = streamed_files.iter().map(|(v, _)| *v).collect();
    report.warnings.extend(run_warnings(&engine.shifts.agent_key, &engine.matches, &activity, &sched));
    common::print_warnings(&report.warnings);
    let mut doc = Document::new(&rules, Targets::new(&rules, args.fail_under));
    doc.interval = interval;
    if args.format == Format::Html {
        doc.explanations = Some(explain::explain_selected(&engine));
    }
    let written = if args.format.is_document() {
        common::write_document(&report, &doc, args.format, args.out.as_deref())?
    } else {
        crate::timing::stage("write views", || {
            common::write_views(&report, &run.views, args.view, args.format, args.out.as_deref(), &done)
        })?
    };
    // The streamed views are put in place after the others are written, not before: a run
    // that fails writing one of the others does not publish these two either.
    for (_, sink) in streamed_files {
        sink.finish()?;
    }
    let code = finish(&args, &rules, &report, &doc, &written)?;
    // The process ends here: leave the gigabytes of a large report to the OS rather than
    // free them piece by piece (about half a second for W1).
    std::mem::forget(doc);
    std::mem::forget(report);
    std::mem::forget(engine);
    std::mem::forget(activity);
    std::mem::forget(sched);
    Ok(code)
}

/// `ADHERE_STREAM_PART_ROWS`: about how many rows each part of a streamed view holds
/// ([`adherence::views::Streamed`]; default [`adherence::views::PART_ROWS`]). The files are
/// the same bytes whatever it is: it is there so that tests can cut small data sets into many
/// parts (`ADHERE_TIMINGS=1` says how many). Agent partitions build their views whole, so
/// there it changes nothing.
fn stream_part_rows() -> Result<Option<usize>> {
    const VAR: &str = "ADHERE_STREAM_PART_ROWS";
    let Some(v) = std::env::var_os(VAR) else { return Ok(None) };
    let text = v.to_string_lossy();
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(Error::usage(format!("{VAR}={text:?} must be a whole number of rows above 0 (or unset, for the default)"))),
    }
}

/// The flags of this run that reach the engine, checked.
struct RunFlags {
    views: Vec<ViewName>,
    interval: Ms,
    from: Option<i64>,
    to: Option<i64>,
}

/// The engine's options, one way for a report whole and in partitions.
fn engine_options(
    args: &Args,
    run: &RunFlags,
    zone: Zone,
    shift_gap: Ms,
    roster: Option<Roster>,
    enrichment: &Enrichment,
) -> adherence::Options {
    adherence::Options {
        shift_gap,
        interval: run.interval,
        from: run.from,
        to: run.to,
        default_zone: zone,
        match_on: args.input.match_on,
        views: run.views.clone(),
        closed_conversations: common::closed_conversations(enrichment),
        roster,
    }
}

/// The warnings of the run beyond the engine's: active agents no schedule key matched, and
/// schedule rows skipped.
fn run_warnings(keys: &[String], matches: &Matches, activity: &Activity, sched: &ScheduleInput) -> Vec<String> {
    let mut warnings = Vec::new();
    // Never drop either side silently: active agents that no schedule key matched.
    let (_, unscheduled) = crate::schedule::roster::unmatched(keys, matches, activity);
    if !unscheduled.is_empty() {
        let shown: Vec<String> = unscheduled
            .iter()
            .take(20)
            .map(|&i| {
                let a = &activity.agents[i];
                a.login_name.clone().or_else(|| a.employee_id.clone()).unwrap_or_else(|| a.agent_id.to_string())
            })
            .collect();
        warnings.push(format!(
            "{} LivePerson agent{} with activity {} no schedule (see `adhere states` for their time in state): {}{}",
            unscheduled.len(),
            if unscheduled.len() == 1 { "" } else { "s" },
            if unscheduled.len() == 1 { "has" } else { "have" },
            shown.join(", "),
            if unscheduled.len() > 20 { ", …" } else { "" }
        ));
    }
    if !sched.rejected.is_empty() {
        warnings.push(format!(
            "{} schedule row{} skipped (--skip-invalid); see the warnings above",
            sched.rejected.len(),
            if sched.rejected.len() == 1 { "" } else { "s" }
        ));
    }
    warnings
}

/// A report in agent partitions (`--partitions N`): every view streamed to its file as each
/// partition is computed.
fn run_partitioned(args: &Args, run: &RunFlags, side: ScheduleSide, parts: usize) -> Result<u8> {
    let (views, interval) = (&run.views, run.interval);
    let (enrichment, eo) = common::load_enrichment(&side.activity_paths, &args.input.enrich)?;
    let ScheduleSide { rules, zone, shift_gap, schedule: sched, roster, coverage, activity_paths } = side;
    let opts = engine_options(args, run, zone, shift_gap, roster, &enrichment);
    let enrich = |a: &mut Activity| enrichment.apply(a, eo.team_level);
    let input = StoreInput { dir: &activity_paths[0], load: crate::enrich::load_options(coverage, &enrichment, &eo), enrich: &enrich };
    let targets = common::view_targets(views, args.view, args.format, args.out.as_deref())?;
    let mut sinks: Vec<(ViewName, ViewSink)> = Vec::new();
    for (v, path) in &targets {
        sinks.push((*v, ViewSink::create(args.format, path.as_deref())?));
    }
    let mut sink = |v: ViewName, part: &polars::prelude::DataFrame| -> Result<()> {
        match sinks.iter_mut().find(|(w, _)| *w == v) {
            Some((_, s)) => s.append(part),
            None => Ok(()),
        }
    };
    let done = adherence::partition::report_in_partitions(&input, &sched.rows, &rules, &opts, parts, &mut sink)?;
    let mut report = done.report;
    report.warnings.extend(run_warnings(&done.keys, &done.matches, &done.directory, &sched));
    common::print_warnings(&report.warnings);
    let mut written = Vec::new();
    for (_, s) in sinks {
        written.extend(s.finish()?);
    }
    eprintln!("adhere: computed in {} agent partition{}", done.partitions, if done.partitions == 1 { "" } else { "s" });
    let mut doc = Document::new(&rules, Targets::new(&rules, args.fail_under));
    doc.interval = interval;
    finish(args, &rules, &report, &doc, &written)
}

/// Names the files written, writes `--summary-json`, prints the headline and checks the
/// targets (exit code 3 when one is missed).
fn finish(args: &Args, rules: &Rules, report: &Report, doc: &Document, written: &[PathBuf]) -> Result<u8> {
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    if let Some(path) = &args.summary_json {
        write_atomic(path, &summary::summary_json(report, doc)?)?;
        eprintln!("wrote {}", path.display());
    }
    let targets = Targets::new(rules, args.fail_under);
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
    let checks = targets.check(report);
    for c in checks.iter().filter(|c| c.passed.is_none()) {
        eprintln!("warning: {}; not failing", c.describe());
    }
    let failed: Vec<String> = checks.iter().filter(|c| c.failed()).map(|c| c.describe()).collect();
    if !failed.is_empty() {
        eprintln!("adhere: FAILED: {}", failed.join("; "));
        return Ok(3);
    }
    Ok(0)
}
