//! Pieces several commands share: the bundled sample data, reading dates and zones from
//! flags, writing one view or all of them, and printing warnings.

use std::path::{Path, PathBuf};

use crate::activity::{Activity, ReasonNames};
use crate::adherence::{Report, ViewName};
use crate::enrich::{EnrichOptions, Enrichment, TeamLevel};
use crate::error::{Error, Result};
use crate::report::{document_exporter, exporter, write_atomic, write_atomic_with, Document, Format, Output};
use crate::time::{self, Ms, Zone};

/// Where the bundled sample data lives: `fixtures/sample` under the working directory, else
/// under the source tree this binary was built from.
pub fn sample_dir() -> Result<PathBuf> {
    let candidates = [PathBuf::from("fixtures/sample"), Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample")];
    candidates.into_iter().find(|p| p.join("schedule.csv").is_file()).ok_or_else(|| {
        Error::usage("no --activity/--schedule given and the bundled sample data (fixtures/sample) is not here; run from the adhere source tree or pass --activity and --schedule")
    })
}

/// The activity, schedule and rules paths: as given, or the bundled sample data when
/// neither activity nor schedule is given.
pub struct InputPaths {
    pub activity: Vec<PathBuf>,
    pub schedule: Vec<PathBuf>,
    pub rules: Option<PathBuf>,
    /// The bundled sample data's directory, when it is what runs.
    pub sample: Option<PathBuf>,
}

/// [`InputPaths`] from the flags (one side alone is refused). Says nothing: the caller that
/// reads the inputs says when they are the sample's.
pub fn input_paths(activity: &[PathBuf], schedule: &[PathBuf], rules: Option<&PathBuf>) -> Result<InputPaths> {
    match (activity.is_empty(), schedule.is_empty()) {
        (true, true) => {
            let dir = sample_dir()?;
            let rules = rules.cloned().or_else(|| Some(dir.join("rules.toml")).filter(|p| p.is_file()));
            Ok(InputPaths { activity: vec![dir.join("activity")], schedule: vec![dir.join("schedule.csv")], rules, sample: Some(dir) })
        }
        (false, false) => Ok(InputPaths { activity: activity.to_vec(), schedule: schedule.to_vec(), rules: rules.cloned(), sample: None }),
        (true, false) => Err(Error::usage("--schedule given without --activity: give both (or neither, to run on the bundled sample data)")),
        (false, true) => Err(Error::usage(
            "--activity given without --schedule: give both (or neither, to run on the sample data); for time in state without a schedule use `adhere states`",
        )),
    }
}

/// Enrichment flags shared by `report` and `states`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EnrichArgs {
    /// Users, agent groups, status reasons and closed conversations: `adhere fetch` stores,
    /// or the APIs' JSON answers saved as files (or directories of them). Stores given as
    /// --activity are read for these too.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub enrichment: Vec<PathBuf>,
    /// Ignore enrichment, even what --activity stores hold: reports as without it.
    #[arg(long, conflicts_with = "enrichment")]
    pub no_enrichment: bool,
    /// Keep bots and API users (Users API userTypeId 2 or isApiUser), left out by default.
    #[arg(long)]
    pub include_bots: bool,
    /// Which agent group names a team built from agentGroupId: `leaf` (the agent's own
    /// group) or a depth, 0 being the root group (rolls teams up to their parent groups).
    /// Schedule `team` cells are used as written.
    #[arg(long, value_name = "leaf|N", default_value = "leaf")]
    pub team_level: TeamLevel,
    /// Which text names an away reason whose record text differs from its configured text:
    /// `recorded` (the record's text, else the configured one) or `configured` (the
    /// configured text of its reason id, else the record's).
    #[arg(long, value_enum, default_value = "recorded")]
    pub reason_names: ReasonNames,
}

/// Loads the enrichment (stores among `activity_paths`, then `--enrichment`) and the
/// activity with it: configured reason texts, bots left out, names and teams applied.
pub fn load_activity(activity_paths: &[PathBuf], coverage: Option<(Ms, Ms)>, e: &EnrichArgs) -> Result<(Activity, Enrichment)> {
    let (enrichment, opts) = load_enrichment(activity_paths, e)?;
    let activity = crate::enrich::load_activity(activity_paths, coverage, &enrichment, &opts)?;
    Ok((activity, enrichment))
}

/// The enrichment of the activity inputs and `--enrichment` (none with
/// `--no-enrichment`), said on stderr, and the options that apply it.
pub fn load_enrichment(activity_paths: &[PathBuf], e: &EnrichArgs) -> Result<(Enrichment, EnrichOptions)> {
    let enrichment = if e.no_enrichment { Enrichment::default() } else { Enrichment::for_inputs(activity_paths, &e.enrichment)? };
    let opts = EnrichOptions { include_bots: e.include_bots, team_level: e.team_level, reason_names: e.reason_names };
    if !enrichment.is_empty() {
        eprintln!("adhere: {}", enrichment.describe());
    }
    Ok((enrichment, opts))
}

/// The closed conversations by agent for the productivity view (None when none loaded).
pub fn closed_conversations(enrichment: &Enrichment) -> Option<std::collections::HashMap<i64, Vec<Ms>>> {
    (!enrichment.conversations.is_empty()).then(|| enrichment.closed_by_agent())
}

/// `--tz`: a zone name, or UTC when absent.
pub fn zone_flag(tz: Option<&str>) -> Result<Zone> {
    match tz {
        None => Ok(Zone::utc()),
        Some(s) => Zone::parse(s).ok_or_else(|| {
            Error::usage(format!(
                "--tz {s:?} is not a time zone; use an IANA name such as Europe/London or a fixed offset such as UTC+05:30"
            ))
        }),
    }
}

/// `--from` / `--to` dates (`YYYY-MM-DD`), as day numbers.
pub fn date_flag(name: &str, v: Option<&str>) -> Result<Option<i64>> {
    v.map(|s| {
        time::parse_date(s).map(time::day_number).ok_or_else(|| Error::usage(format!("--{name} {s:?} is not a date; write YYYY-MM-DD")))
    })
    .transpose()
}

/// `--coverage START/END`: two RFC 3339 instants.
pub fn coverage_flag(v: Option<&str>) -> Result<Option<(Ms, Ms)>> {
    let Some(s) = v else { return Ok(None) };
    let bad = || {
        Error::usage(format!("--coverage {s:?} must be START/END, two RFC 3339 instants such as 2024-03-04T00:00:00Z/2024-03-11T00:00:00Z"))
    };
    let (a, b) = s.split_once('/').ok_or_else(bad)?;
    let read = |x: &str| time::parse_rfc3339(x.trim()).filter(|&t| time::in_range(t)).ok_or_else(bad);
    let (a, b) = (read(a)?, read(b)?);
    if b <= a {
        return Err(Error::usage(format!("--coverage {s:?}: the end must be after the start")));
    }
    Ok(Some((a, b)))
}

/// A duration flag (`60m`, `90s`, `1h30m`).
pub fn duration_flag(name: &str, s: &str) -> Result<Ms> {
    time::parse_duration(s).ok_or_else(|| Error::usage(format!("--{name} {s:?} is not a duration; write e.g. 60m, 90s or 1h30m")))
}

/// Where `--skip-invalid` lists the rows it skipped when no `--rejects FILE` is given.
pub const DEFAULT_REJECTS: &str = "adhere-rejects.csv";

/// After reading schedules with `--skip-invalid`: writes the skipped rows and why to
/// `--rejects FILE`, or, when rows were skipped and no file was named, to
/// [`DEFAULT_REJECTS`] in the working directory. Returns the file written.
pub fn write_rejects(skip_invalid: bool, rejects: Option<&Path>, rejected: &[crate::schedule::Rejected]) -> Result<Option<PathBuf>> {
    let path = match rejects {
        Some(p) => p.to_path_buf(),
        None if skip_invalid && !rejected.is_empty() => PathBuf::from(DEFAULT_REJECTS),
        None => return Ok(None),
    };
    write_atomic(&path, &crate::schedule::check::rejects_csv(rejected))?;
    let n = rejected.len();
    eprintln!("wrote {} ({n} rejected row{})", path.display(), if n == 1 { "" } else { "s" });
    Ok(Some(path))
}

/// Prints warnings to stderr, one per line.
pub fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Whether `--out PATH` names a directory: an existing one, one written with a trailing path
/// separator, or a path without an extension (`--out report`, `--out site`).
pub fn names_directory(path: &Path) -> bool {
    path.is_dir() || path.as_os_str().to_string_lossy().ends_with(['/', std::path::MAIN_SEPARATOR]) || path.extension().is_none()
}

/// Where each view goes: stdout (None) or a file. `--out FILE` without `--view` takes the
/// shifts view; `--out DIR` every view in `views`, as `DIR/<view>.<ext>`.
pub fn view_targets(
    views: &[ViewName],
    single: Option<ViewName>,
    format: Format,
    out: Option<&Path>,
) -> Result<Vec<(ViewName, Option<PathBuf>)>> {
    Ok(match (out, single) {
        (None, view) => {
            if format.is_binary() {
                return Err(Error::usage(format!("--format {} writes binary data: give --out FILE or --out DIR", format.extension())));
            }
            vec![(view.unwrap_or(ViewName::Shifts), None)]
        }
        (Some(path), None) if !names_directory(path) => vec![(ViewName::Shifts, Some(path.to_path_buf()))],
        (Some(dir), None) => views.iter().map(|&v| (v, Some(dir.join(format!("{}.{}", v.name(), format.extension()))))).collect(),
        (Some(path), Some(view)) => {
            let path =
                if names_directory(path) { path.join(format!("{}.{}", view.name(), format.extension())) } else { path.to_path_buf() };
            vec![(view, Some(path))]
        }
    })
}

/// Writes the views of a report (see [`view_targets`]) but those already written to their
/// files (`done`, streamed as the report was built); returns the files of all, in view order.
pub fn write_views(
    report: &Report,
    views: &[ViewName],
    single: Option<ViewName>,
    format: Format,
    out: Option<&Path>,
    done: &[ViewName],
) -> Result<Vec<PathBuf>> {
    let render = |view: ViewName, w: &mut dyn std::io::Write| {
        exporter(format)?.write_to(&Output { view, frame: report.view(view), report: Some(report) }, w)
    };
    let targets = view_targets(views, single, format, out)?;
    let files: Vec<(ViewName, PathBuf)> =
        targets.iter().filter(|(v, _)| !done.contains(v)).filter_map(|(v, p)| p.clone().map(|p| (*v, p))).collect();
    // Files are written side by side (each view's rows are also formatted in parallel
    // chunks): a small view is done while a large one still compresses.
    use rayon::prelude::*;
    let results: Vec<Result<()>> = files
        .par_iter()
        .map(|(view, path)| {
            if format == Format::Parquet {
                // Polars writes Parquet to a path: straight into the temporary file beside
                // the target, rather than into a private one that is then copied there.
                let tmp = crate::report::temp_beside(path)?;
                crate::report::parquet::Parquet::write_file(report.view(*view), tmp.path())?;
                crate::report::publish(tmp, path)
            } else {
                write_atomic_with(path, |w| render(*view, w))
            }
        })
        .collect();
    for r in results {
        r?;
    }
    // Every file, in view order (the views written before, `done`, in their places).
    let written: Vec<PathBuf> = targets.iter().filter_map(|(_, path)| path.clone()).collect();
    for (view, target) in targets {
        if target.is_none() {
            use std::io::Write;
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            render(view, &mut stdout)?;
            stdout.flush().map_err(|e| Error::io("stdout", e))?;
        }
    }
    Ok(written)
}

/// Writes a whole-report document (Markdown, HTML): to stdout, or to `out` — as
/// `out/report.<ext>` when `out` is an existing directory, ends with a path separator or has
/// no extension (`--out site`), else to that file (`--out adherence.html`).
pub fn write_document(report: &Report, doc: &Document, format: Format, out: Option<&Path>) -> Result<Vec<PathBuf>> {
    let exp = document_exporter(format, doc)?;
    let bytes = exp.serialize(&Output { view: ViewName::Shifts, frame: &report.shifts, report: Some(report) })?;
    match out {
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(&bytes).map_err(|e| Error::io("stdout", e))?;
            Ok(vec![])
        }
        Some(path) => {
            let path = if names_directory(path) { path.join(format!("report.{}", format.extension())) } else { path.to_path_buf() };
            write_atomic(&path, &bytes)?;
            Ok(vec![path])
        }
    }
}
