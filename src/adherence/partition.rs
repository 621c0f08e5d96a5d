//! Reports in agent partitions: memory that stays flat however many days a fetch store
//! holds.
//!
//! A report in one piece holds every record of the period at once. In partitions it holds
//! one partition's: agents are split into `n` groups of about equal weight, each group's
//! records are read from the store (Parquet day files, filtered by agentId as they are
//! read), run through the same engine as a report in one piece, and its rows are appended to
//! the view files ([`crate::report::stream`]) before the next group is read.
//!
//! The figures and the files are the same as in one piece, row for row:
//! 1. **Who is who is decided once, over everything.** A first pass over the day files (one
//!    batch of days at a time) builds the agent directory — identity fields, record counts,
//!    load statistics and warnings — exactly as a whole load would, and schedule keys are
//!    matched against it.
//! 2. **Partitions are ranges of the views' sort key.** Every view is sorted by the agent's
//!    label (its schedule key, or login name / employee id / agentId when unscheduled), so a
//!    partition is a range of labels: its schedule agents, the activity agents labelled in
//!    range (whose states and productivity rows it writes), and the activity agents its
//!    schedule agents matched. Appended in order, the parts are the whole view in order.
//! 3. **Roll-ups are summed at the end.** Agents, teams and the overall figures are sums of
//!    integer milliseconds and counts per shift; the per-shift figures of every partition
//!    (small: one row per shift) are stacked and rolled up once.
//!
//! Each partition checks that its own matching found the agents the global matching chose
//! (it sees a subset of the candidates that includes the winner, so it must). When one
//! LivePerson agent is matched by schedule keys that fall in different partitions, its
//! productivity day would need both: the report then runs in one piece, with a warning.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::{row_rules, unscheduled_label, views, Engine, Options, Report, ViewName};
use crate::activity::{coverage_of, load_warnings, record_span, Activity, ActivityAgent, CoverageSource, LoadOptions, LoadStats};
use crate::error::{Error, Result};
use crate::liveperson::store;
use crate::rules::Rules;
use crate::schedule::matching::{match_agents, Matches};
use crate::schedule::shifts::Shifts;
use crate::schedule::ScheduleRows;

/// Up to this many records (estimated), `--partitions auto` keeps a store in one piece: a
/// month of a 10,000-agent contact center (W1, 6.4 million records) runs in 2.4 GiB, and
/// fastest whole (partitions cost a directory pass and a filtered read of every day file
/// per partition: W1 in 2 partitions takes about 40 % longer in 1.5 GiB).
pub const ONE_PIECE_RECORDS: u64 = 8_000_000;

/// Beyond [`ONE_PIECE_RECORDS`], `--partitions auto` makes partitions of at most this many
/// records: besides its partition, a run holds the whole period's schedule rows (about
/// 0.5 GiB for 10,000 agents × 93 days), so partitions are made smaller than a month to
/// stay under 3 GiB (10,000 × 93 days: 5 partitions; BENCHMARKS.md).
pub const RECORDS_PER_PARTITION: u64 = 5_000_000;

/// Bytes of a store's Parquet day files per record, for the estimate (W1's store: 94 MiB
/// for 6.38 million records, 15.4 bytes a record; rounded down so that the estimate errs
/// towards more records, i.e. more partitions).
pub const STORE_BYTES_PER_RECORD: u64 = 14;

/// The number of partitions `--partitions auto` chooses for a store, from the records its
/// day files hold (estimated from their size): 1 up to [`ONE_PIECE_RECORDS`], else one per
/// [`RECORDS_PER_PARTITION`].
pub fn auto_partitions(store_dir: &Path) -> Result<usize> {
    let bytes: u64 = store::day_files(store_dir)?.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    Ok(partitions_for(bytes / STORE_BYTES_PER_RECORD))
}

/// [`auto_partitions`] for an estimated number of records.
pub fn partitions_for(records: u64) -> usize {
    if records <= ONE_PIECE_RECORDS {
        1
    } else {
        records.div_ceil(RECORDS_PER_PARTITION) as usize
    }
}

/// One day file's agents and loading figures, with its first and last record time.
type DayDirectory = (Activity, Option<(i64, i64)>);

/// How to read a store: the load options and what enrichment does to each loaded
/// activity (names, teams).
pub struct StoreInput<'a> {
    pub dir: &'a Path,
    pub load: LoadOptions,
    pub enrich: &'a (dyn Fn(&mut Activity) + Sync),
}

/// The agent directory of a whole store, built one batch of day files at a time: every
/// agent with its identity fields as a whole load would give them (latest non-empty value,
/// every value seen, in input order), the load statistics and warnings, and the coverage.
/// The events frame is empty. Also returns each agent's number of kept records.
pub fn directory(input: &StoreInput) -> Result<(Activity, Vec<u64>)> {
    let manifest = store::read_manifest(input.dir)?;
    let files = store::day_files(input.dir)?;
    // Each day is cleaned on its own (repeats share their time, so they share a day file);
    // the coverage is decided below, over everything.
    let day_opts = LoadOptions { coverage: None, ..input.load.clone() };
    let mut agents: Vec<ActivityAgent> = Vec::new();
    let mut records: Vec<u64> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut stats = LoadStats { files: 1, ..Default::default() };
    let mut excluded: HashSet<i64> = HashSet::new();
    let mut span: Option<(i64, i64)> = None;
    let batch = 2 * rayon::current_num_threads().max(1);
    for chunk in files.chunks(batch) {
        let days: Vec<Result<DayDirectory>> = chunk
            .par_iter()
            .map(|f| {
                let (raw, dropped) = store::read_day_records(f, None)?;
                let st = LoadStats { dropped_missing: dropped, ..Default::default() };
                let read = raw.len() as u64 + dropped;
                // The first and last record times (bots left out), as a whole load takes
                // them for the coverage of a store without windows.
                let span = record_span(&raw, &day_opts.exclude_agents);
                let mut a = Activity::from_records(raw, Vec::new(), st, &day_opts)?;
                a.stats.records_read = read;
                Ok((a, span))
            })
            .collect();
        for day in days {
            let (day, day_span) = day?;
            let s = &day.stats;
            stats.records_read += s.records_read;
            stats.dropped_missing += s.dropped_missing;
            stats.duplicates += s.duplicates;
            stats.dropped_type += s.dropped_type;
            stats.excluded_records += s.excluded_records;
            excluded.extend(day.excluded.iter().copied());
            if let Some((a, b)) = day_span {
                span = Some(span.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
            }
            for d in day.agents {
                let n = d.rows.len() as u64;
                match index.get(&d.agent_id) {
                    None => {
                        index.insert(d.agent_id, agents.len());
                        agents.push(ActivityAgent { rows: 0..0, ..d });
                        records.push(n);
                    }
                    Some(&i) => {
                        // A later day: its latest values are the agent's latest.
                        let a = &mut agents[i];
                        records[i] += n;
                        a.employee_id = d.employee_id.or(a.employee_id.take());
                        a.login_name = d.login_name.or(a.login_name.take());
                        a.user_name = d.user_name.or(a.user_name.take());
                        a.group_id = d.group_id.or(a.group_id);
                        for e in d.employee_ids {
                            if !a.employee_ids.contains(&e) {
                                a.employee_ids.push(e);
                            }
                        }
                        for l in d.login_names {
                            if !a.login_names.contains(&l) {
                                a.login_names.push(l);
                            }
                        }
                    }
                }
            }
        }
    }
    // Agents in agentId order, as a whole load has them.
    let mut order: Vec<usize> = (0..agents.len()).collect();
    order.sort_by_key(|&i| agents[i].agent_id);
    let mut slots: Vec<Option<ActivityAgent>> = agents.into_iter().map(Some).collect();
    let agents: Vec<ActivityAgent> = order.iter().map(|&i| slots[i].take().expect("each once")).collect();
    let records: Vec<u64> = order.iter().map(|&i| records[i]).collect();
    // As a whole load has them: every value seen in text order, the team from the latest
    // agent group (enrichment may name it below).
    let mut agents = agents;
    for a in &mut agents {
        a.employee_ids.sort();
        a.login_names.sort();
        a.team = a.group_id.map(|g| g.to_string());
    }

    let timeframes: Vec<(i64, i64)> = manifest.windows.iter().map(|w| (w.start, w.end)).collect();
    let (coverage, coverage_source, ignored) = coverage_of(timeframes, input.load.coverage, || span);
    let mut excluded: Vec<i64> = excluded.into_iter().collect();
    excluded.sort_unstable();
    let warnings = load_warnings(&stats, &excluded, ignored);
    let mut activity = Activity {
        events: DataFrame::empty(),
        agents,
        coverage,
        coverage_source,
        reasons: Vec::new(),
        reason_ids: Vec::new(),
        stats,
        excluded,
        warnings,
    };
    (input.enrich)(&mut activity);
    Ok((activity, records))
}

/// The views of a report in partitions, as they are computed: `sink(view, part)` is
/// called for every partition in order, with the part of each view in `opts.views` except
/// teams, which is whole and comes last.
pub type Sink<'s> = dyn FnMut(ViewName, &DataFrame) -> Result<()> + 's;

/// What a report in partitions leaves besides the rows it streamed: the report without its
/// row views (teams, overall, period, warnings, names are whole), and the global matching.
pub struct Partitioned {
    pub report: Report,
    pub directory: Activity,
    pub keys: Vec<String>,
    pub matches: Matches,
    /// Partitions actually used (1 when the report had to run in one piece).
    pub partitions: usize,
}

/// One partition: a range of labels.
struct Part {
    /// Schedule agents (global index, key order): `agents.start..agents.end`.
    agents: std::ops::Range<usize>,
    /// agentIds to read.
    load: HashSet<i64>,
    /// agentIds whose states and productivity rows this partition writes.
    owned: HashSet<i64>,
}

/// Runs a report over `input` in (up to) `n` agent partitions, streaming every row view to
/// `sink`. With `n == 1`, or when the partitions cannot be made exact (see the module
/// docs), it runs in one piece (still through `sink`).
pub fn report_in_partitions(
    input: &StoreInput,
    schedule: &ScheduleRows,
    rules: &Rules,
    opts: &Options,
    n: usize,
    sink: &mut Sink,
) -> Result<Partitioned> {
    let (dir, records) = crate::timing::stage("partitions: agent directory", || directory(input))?;
    let row_rule = row_rules(schedule, rules)?;
    let shifts = Shifts::build(schedule, &row_rule, opts.shift_gap);
    let keys = shifts.agent_key.clone();
    let matches = match &opts.roster {
        Some(roster) => roster.match_agents(&keys, &dir, opts.match_on),
        None => match_agents(&keys, &dir, opts.match_on),
    };

    // Labels, as the views sort: a scheduled activity agent by its first key, others by
    // login name / employee id / agentId.
    let mut owner: Vec<Option<usize>> = vec![None; dir.agents.len()];
    for (a, m) in matches.agent.iter().enumerate() {
        if let Some(i) = *m {
            owner[i].get_or_insert(a);
        }
    }
    let label: Vec<String> = (0..dir.agents.len())
        .map(|i| match owner[i] {
            Some(a) => keys[a].clone(),
            None => unscheduled_label(&dir, i, &opts.default_zone).agent,
        })
        .collect();

    // Weights: an agent's records (events, intervals and exceptions grow with them) and its
    // shifts.
    let mut items: Vec<(&str, u64)> = Vec::with_capacity(keys.len() + dir.agents.len());
    for (a, key) in keys.iter().enumerate() {
        let recs = matches.agent[a].filter(|&i| owner[i] == Some(a)).map_or(0, |i| records[i]);
        items.push((key.as_str(), recs + 40 * shifts.shifts_of(a).len() as u64));
    }
    for i in 0..dir.agents.len() {
        if owner[i].is_none() {
            items.push((label[i].as_str(), records[i]));
        }
    }
    items.sort_by(|x, y| x.0.cmp(y.0));
    let total: u64 = items.iter().map(|x| x.1).sum::<u64>().max(1);
    let mut bounds: Vec<String> = Vec::new();
    let mut acc = 0u64;
    for (k, &(l, w)) in items.iter().enumerate() {
        let target = total * (bounds.len() as u64 + 1) / n.max(1) as u64;
        if bounds.len() + 1 < n && acc >= target && k > 0 && items[k - 1].0 != l {
            bounds.push(l.to_string());
        }
        acc += w;
    }
    let part_of = |l: &str| bounds.partition_point(|b| b.as_str() <= l);
    let parts_n = bounds.len() + 1;

    // One LivePerson agent matched by keys in two partitions: run in one piece.
    let mut warnings = Vec::new();
    let mut split = 0usize;
    let mut first_part: Vec<Option<usize>> = vec![None; dir.agents.len()];
    for (a, m) in matches.agent.iter().enumerate() {
        if let Some(i) = *m {
            let p = part_of(&keys[a]);
            match first_part[i] {
                Some(q) if q != p => split += 1,
                _ => first_part[i] = Some(p),
            }
        }
    }
    let bounds: Vec<String> = if split > 0 && parts_n > 1 {
        warnings.push(format!(
            "{split} LivePerson agent{} matched by schedule keys far apart in key order; the report ran in one piece instead of {parts_n} partitions",
            if split == 1 { " is" } else { "s are" }
        ));
        Vec::new()
    } else {
        bounds
    };
    let part_of = |l: &str| bounds.partition_point(|b| b.as_str() <= l);
    let parts_n = bounds.len() + 1;

    let mut parts: Vec<Part> = (0..parts_n).map(|_| Part { agents: 0..0, load: HashSet::new(), owned: HashSet::new() }).collect();
    let mut start = 0;
    for (p, part) in parts.iter_mut().enumerate() {
        let end = start + keys[start..].partition_point(|k| part_of(k) <= p);
        part.agents = start..end;
        for a in start..end {
            if let Some(i) = matches.agent[a] {
                part.load.insert(dir.agents[i].agent_id);
            }
        }
        start = end;
    }
    for (a, l) in dir.agents.iter().zip(&label) {
        let p = part_of(l);
        parts[p].owned.insert(a.agent_id);
        parts[p].load.insert(a.agent_id);
    }
    drop(shifts);

    let mut spill = Spill::new()?;
    let mut figures: Option<DataFrame> = None;
    let mut period: Option<(i64, i64)> = None;
    let mut names = std::collections::BTreeMap::new();
    for (p, part) in parts.iter().enumerate() {
        crate::timing::stage(&format!("partitions: part {} of {parts_n}", p + 1), || -> Result<()> {
            let sub = subset(schedule, |k| part_of(k) == p);
            let keep = |id: i64| part.load.contains(&id);
            let loaded = store::read_store_agents(input.dir, Some(&keep))?;
            let mut activity = Activity::from_records(loaded.records, loaded.timeframes, LoadStats::default(), &input.load)?;
            if dir.coverage_source != CoverageSource::Timeframes {
                activity.coverage = dir.coverage.clone();
                activity.coverage_source = dir.coverage_source;
            }
            (input.enrich)(&mut activity);
            let engine = Engine::new(&activity, &sub, rules, opts)?;
            check_matches(&engine, &activity, part, &keys, &matches, &dir)?;
            let report = engine.report()?;
            for &v in &opts.views {
                match v {
                    ViewName::Teams => {}
                    ViewName::Productivity => spill.push(owned_rows(report.view(v), &part.owned)?)?,
                    ViewName::States => sink(v, &owned_rows(report.view(v), &part.owned)?)?,
                    _ => sink(v, report.view(v))?,
                }
            }
            let offset = part.agents.start as u32;
            let mut f = report.shift_figures;
            let idx = f.column("agent_idx")?.u32()?.clone() + offset;
            f.with_column(idx.into_column())?;
            match &mut figures {
                None => figures = Some(f),
                Some(all) => {
                    all.vstack_mut_owned(f)?;
                }
            }
            if let Some((a, b)) = report.period {
                period = Some(period.map_or((a, b), |(x, y): (i64, i64)| (x.min(a), y.max(b))));
            }
            names.extend(report.names);
            Ok(())
        })?;
    }
    if opts.views.contains(&ViewName::Productivity) {
        spill.replay(&mut |df| sink(ViewName::Productivity, df))?;
    }
    let figures = figures.expect("at least one partition");
    let (teams, team_adjusted_pct, overall) = views::rollups(&figures)?;
    if opts.views.contains(&ViewName::Teams) {
        sink(ViewName::Teams, &teams)?;
    }
    let mut all_warnings = dir.warnings.clone();
    all_warnings.extend(matches.warnings.iter().cloned());
    all_warnings.extend(warnings);
    let report = Report {
        shifts: DataFrame::empty(),
        agents: DataFrame::empty(),
        teams,
        intervals: DataFrame::empty(),
        exceptions: DataFrame::empty(),
        states: DataFrame::empty(),
        productivity: DataFrame::empty(),
        overall,
        team_adjusted_pct,
        period,
        warnings: all_warnings,
        names,
        shift_figures: figures,
    };
    Ok(Partitioned { report, directory: dir, keys, matches, partitions: parts_n })
}

/// The rows of `keep`'s schedule agents, in input order (ties between files keep their
/// order; zones and files are shared).
fn subset(rows: &ScheduleRows, keep: impl Fn(&str) -> bool) -> ScheduleRows {
    let idx: Vec<usize> = (0..rows.len()).filter(|&r| keep(&rows.agent[r])).collect();
    ScheduleRows {
        agent: idx.iter().map(|&r| rows.agent[r].clone()).collect(),
        activity: idx.iter().map(|&r| rows.activity[r].clone()).collect(),
        start: idx.iter().map(|&r| rows.start[r]).collect(),
        end: idx.iter().map(|&r| rows.end[r]).collect(),
        zone: idx.iter().map(|&r| rows.zone[r]).collect(),
        shift_id: idx.iter().map(|&r| rows.shift_id[r].clone()).collect(),
        team: idx.iter().map(|&r| rows.team[r].clone()).collect(),
        file: idx.iter().map(|&r| rows.file[r]).collect(),
        line: idx.iter().map(|&r| rows.line[r]).collect(),
        zones: rows.zones.clone(),
        files: rows.files.clone(),
    }
}

/// The partition's matching must be the global one: same keys, same agents.
fn check_matches(engine: &Engine, activity: &Activity, part: &Part, keys: &[String], global: &Matches, dir: &Activity) -> Result<()> {
    let local = &engine.shifts.agent_key;
    let same_keys = local.len() == part.agents.len() && local.iter().zip(&keys[part.agents.clone()]).all(|(x, y)| x == y);
    let same_agents =
        same_keys
            && part.agents.clone().enumerate().all(|(l, a)| {
                engine.matches.agent[l].map(|i| activity.agents[i].agent_id) == global.agent[a].map(|i| dir.agents[i].agent_id)
            });
    if same_agents {
        Ok(())
    } else {
        Err(Error::internal("a partition matched schedule keys differently from the whole store (run again with --partitions 1)"))
    }
}

/// The rows of a states or productivity part that belong to this partition: those of the
/// agents it owns, and those without an agentId (scheduled agents without activity, which
/// are always the partition's own).
fn owned_rows(df: &DataFrame, owned: &HashSet<i64>) -> Result<DataFrame> {
    if df.height() == 0 {
        return Ok(df.clone());
    }
    let ids = df.column("agent_id")?.cast(&DataType::Int64)?;
    let mask: BooleanChunked = ids.i64()?.iter().map(|id| Some(id.is_none_or(|id| owned.contains(&id)))).collect();
    Ok(df.filter(&mask)?)
}

/// Productivity parts, kept on disk until every partition is done: the view has one
/// `away:<reason>` column per reason seen in the whole period, which only the last
/// partition knows. Each part is then read back alone, given the columns it lacks (0 s)
/// and passed on in order.
struct Spill {
    dir: Option<tempfile::TempDir>,
    parts: Vec<std::path::PathBuf>,
    /// Columns before the reason columns (those of every part).
    fixed: Vec<String>,
    reasons: std::collections::BTreeSet<String>,
}

impl Spill {
    fn new() -> Result<Spill> {
        Ok(Spill { dir: None, parts: Vec::new(), fixed: Vec::new(), reasons: Default::default() })
    }

    fn push(&mut self, mut df: DataFrame) -> Result<()> {
        let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
        let first_reason = names.iter().position(|n| n == "adjusted_adherence_pct").map_or(names.len(), |i| i + 1);
        if self.fixed.is_empty() {
            self.fixed = names[..first_reason].to_vec();
        }
        self.reasons.extend(names[first_reason..].iter().cloned());
        if self.dir.is_none() {
            self.dir = Some(tempfile::tempdir().map_err(|e| Error::io("temporary directory", e))?);
        }
        let dir = self.dir.as_ref().expect("made above");
        let path = dir.path().join(format!("productivity-{:06}.parquet", self.parts.len()));
        let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        ParquetWriter::new(f).with_compression(ParquetCompression::Lz4Raw).finish(&mut df)?;
        self.parts.push(path);
        Ok(())
    }

    fn replay(&self, out: &mut dyn FnMut(&DataFrame) -> Result<()>) -> Result<()> {
        let order: Vec<String> = self.fixed.iter().chain(&self.reasons).cloned().collect();
        for path in &self.parts {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let mut df = ParquetReader::new(f).finish()?;
            for r in &self.reasons {
                if df.column(r).is_err() {
                    let zeros = Column::new(r.as_str().into(), vec![0.0f64; df.height()]);
                    df.with_column(zeros)?;
                }
            }
            out(&df.select(order.iter().map(String::as_str))?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_keeps_a_month_whole_and_splits_beyond() {
        // W1's store: 94 MiB / 14 B ≈ 7.0 million records ≤ 8 million: one piece.
        assert_eq!(partitions_for(94 * 1024 * 1024 / STORE_BYTES_PER_RECORD), 1);
        assert_eq!(partitions_for(8_000_000), 1);
        // 8,000,001 records: ⌈8.000001 / 5⌉ = 2 partitions.
        assert_eq!(partitions_for(8_000_001), 2);
        // 10,000 × 93 days: 282 MiB / 14 B ≈ 21.1 million records: ⌈21.1 / 5⌉ = 5.
        assert_eq!(partitions_for(282 * 1024 * 1024 / STORE_BYTES_PER_RECORD), 5);
        assert_eq!(partitions_for(0), 1);
    }
}
