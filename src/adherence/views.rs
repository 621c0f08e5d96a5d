//! Assembles the sweep's figures into the report views (SPEC §4.1) as Polars frames, and
//! rolls shifts up to agents, teams and the overall figure with one lazy group-by (sums of
//! milliseconds first, then the ratios: roll-ups never average percentages).

use std::collections::HashMap;

use polars::prelude::*;
use polars_arrow::array::{Array, Utf8ViewArray};

use super::states::{AgentLabel, StateRows};
use super::sweep::{AgentResult, IntervalRows};
use super::{Overall, Report};
use crate::activity::state::{token, State};
use crate::activity::Activity;
use crate::error::Result;
use crate::rules::Rules;
use crate::schedule::{ScheduleRows, Shifts};
use crate::time::{ms_to_seconds, Ms};

/// What the views are built from.
pub struct Context<'a> {
    pub activity: &'a Activity,
    pub schedule: &'a ScheduleRows,
    pub shifts: &'a Shifts,
    pub matches: &'a [Option<usize>],
    pub results: &'a [AgentResult],
    pub selected: &'a [bool],
    pub rules: &'a Rules,
}

/// Takes a part of a view (its rows for some agents, in order) as it is built.
pub type PartSink<'s> = &'s mut (dyn FnMut(&DataFrame) -> Result<()> + Send);

/// The two largest views (a row per exception, a row per agent interval: millions of rows a
/// month) can be handed to their files a part at a time as they are built, instead of being
/// kept whole in the report (which then holds them empty). Only a part's rows are in memory
/// at once, and its columns' memory is reused by the next part: fresh memory costs a page
/// fault per 4 KiB, which on the reference VM is the largest single cost of a large report
/// (BENCHMARKS.md, "Seventh round"). The file's bytes are the same either way.
pub struct Streamed<'s> {
    pub exceptions: Option<PartSink<'s>>,
    pub intervals: Option<PartSink<'s>>,
    /// About this many rows in a part: [`PART_ROWS`] (tests ask for smaller parts).
    pub part_rows: usize,
}

impl Default for Streamed<'_> {
    fn default() -> Self {
        Streamed { exceptions: None, intervals: None, part_rows: PART_ROWS }
    }
}

/// About this many rows in a part of a streamed view (two Parquet row groups).
pub const PART_ROWS: usize = 2 * 131_072;

/// Consecutive agent ranges of `part_rows` rows or a little more each (`rows(a)`: agent
/// a's; the last range may have fewer), at least one (an empty view is still one, empty,
/// part).
fn agent_parts(agents: usize, part_rows: usize, rows: impl Fn(usize) -> usize) -> Vec<std::ops::Range<usize>> {
    let mut parts = Vec::new();
    let (mut start, mut acc) = (0, 0);
    for a in 0..agents {
        acc += rows(a);
        if acc >= part_rows.max(1) {
            parts.push(start..a + 1);
            (start, acc) = (a + 1, 0);
        }
    }
    if start < agents || parts.is_empty() {
        parts.push(start..agents);
    }
    parts
}

/// Builds view `name` whole, or hands it to `sink` in parts of agents (`rows(a)`: agent a's
/// rows).
fn whole_or_parts(
    name: &str,
    ctx: &Context,
    sink: Option<PartSink<'_>>,
    part_rows: usize,
    rows: impl Fn(usize) -> usize,
    frame: impl Fn(std::ops::Range<usize>) -> Result<DataFrame> + Sync,
) -> Result<DataFrame> {
    let Some(sink) = sink else {
        return frame(0..ctx.results.len());
    };
    // Each part is built while the one before is written.
    let mut built: Option<DataFrame> = None;
    let parts = agent_parts(ctx.results.len(), part_rows, rows);
    crate::timing::note(|| format!("views: {name}: streamed in {} part{}", parts.len(), if parts.len() == 1 { "" } else { "s" }));
    for part in parts {
        let (next, written) = rayon::join(|| frame(part), || built.take().map_or(Ok(()), |df| sink(&df)));
        written?;
        built = Some(next?);
    }
    built.map_or(Ok(()), |df| sink(&df))?;
    Ok(DataFrame::empty())
}

/// `100 · num / den`, null when `den` is 0. The roll-ups use the same formula in Polars.
pub fn pct(num: Ms, den: Ms) -> Option<f64> {
    (den != 0).then(|| 100.0 * num as f64 / den as f64)
}

fn utc() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
}

fn instants(name: &str, v: Vec<Option<Ms>>) -> PolarsResult<Column> {
    Column::new(name.into(), v).cast(&utc())
}

/// Instants that are never null, straight from their milliseconds.
fn instants_all(name: &str, v: Vec<Ms>) -> PolarsResult<Column> {
    Int64Chunked::from_vec(name.into(), v).into_column().cast(&utc())
}

/// Dates from day numbers (days since 1970-01-01, as Polars' `Date` holds them).
fn dates(name: &str, days: Vec<i32>) -> PolarsResult<Column> {
    Column::new(name.into(), days).cast(&DataType::Date)
}

fn seconds(name: &str, ms: Vec<Ms>) -> Column {
    Column::new(name.into(), ms.into_iter().map(ms_to_seconds).collect::<Vec<f64>>())
}

fn seconds_opt(name: &str, ms: Vec<Option<Ms>>) -> Column {
    Column::new(name.into(), ms.into_iter().map(|m| m.map(ms_to_seconds)).collect::<Vec<Option<f64>>>())
}

/// Identity of each schedule agent and each shift, its text columns as dictionaries found
/// once per report (per partition, in agent partitions): the shift views and every part of a
/// streamed view gather from them.
struct Identity<'a> {
    agent_id: Vec<Option<i64>>,
    /// The team of each shift: its own, else its agent's LivePerson group (the text the
    /// shifts view shows and the teams roll-up groups by).
    team_of_shift: Vec<Option<&'a str>>,
    agent: TextDict,
    employee_id: TextDict,
    login_name: TextDict,
    /// Per schedule agent: the schedule's team, else the agent group; the agent's zone.
    team: TextDict,
    timezone: TextDict,
    /// Per shift: its own team, else its agent's group; the shift's zone.
    shift_team: TextDict,
    shift_timezone: TextDict,
}

impl<'a> Identity<'a> {
    fn new(ctx: &Context<'a>) -> Result<Identity<'a>> {
        let (sh, schedule, activity) = (ctx.shifts, ctx.schedule, ctx.activity);
        let n = sh.agents();
        let agent = |a: usize| ctx.matches[a].map(|i| &activity.agents[i]);
        let group_text: Vec<Option<&'a str>> = (0..n).map(|a| agent(a).and_then(|x| x.team.as_deref())).collect();
        let per_agent = |value: &dyn Fn(usize) -> Option<&'a str>| TextDict::new(&(0..n).map(value).collect::<Vec<_>>());
        let mut team_of_shift: Vec<Option<&'a str>> = vec![None; sh.shift_team.len()];
        for (a, group) in group_text.iter().enumerate() {
            for s in sh.shifts_of(a) {
                team_of_shift[s] = sh.shift_team[s].as_deref().or(*group);
            }
        }
        let zone_of_shift: Vec<Option<&str>> = sh.shift_zone.iter().map(|&z| Some(schedule.zones[z as usize].name())).collect();
        Ok(Identity {
            agent_id: (0..n).map(|a| agent(a).map(|x| x.agent_id)).collect(),
            agent: per_agent(&|a| Some(sh.agent_key[a].as_str()))?,
            employee_id: per_agent(&|a| agent(a).and_then(|x| x.employee_id.as_deref()))?,
            login_name: per_agent(&|a| agent(a).and_then(|x| x.login_name.as_deref()))?,
            team: per_agent(&|a| sh.agent_team[a].as_deref().or(group_text[a]))?,
            timezone: per_agent(&|a| Some(schedule.zones[sh.agent_zone[a] as usize].name()))?,
            shift_team: TextDict::new(&team_of_shift)?,
            shift_timezone: TextDict::new(&zone_of_shift)?,
            team_of_shift,
        })
    }
}

/// Identity columns for rows of schedule agents `agents`, with team and zone from `team` and
/// `timezone` by each row's key in `keys` (its agent, or its shift).
fn identity_columns(id: &Identity, agents: &[usize], keys: &[usize], team: &TextDict, timezone: &TextDict) -> Result<Vec<Column>> {
    Ok(vec![
        id.agent.column("agent", agents, |a| a)?,
        Int64Chunked::from_iter_options("agent_id".into(), agents.iter().map(|&a| id.agent_id[a])).into_column(),
        id.employee_id.column("employee_id", agents, |a| a)?,
        id.login_name.column("login_name", agents, |a| a)?,
        team.column("team", keys, |k| k)?,
        timezone.column("timezone", keys, |k| k)?,
    ])
}

/// Identity columns for rows of schedule agents `agents` with the agent's own team and zone.
fn agent_identity_columns(id: &Identity, agents: &[usize]) -> Result<Vec<Column>> {
    identity_columns(id, agents, agents, &id.team, &id.timezone)
}

/// Identity columns for rows of shifts `shifts` (of agents `agents`) with the shift's team and
/// zone.
fn shift_identity_columns(ctx: &Context, id: &Identity, agents: &[usize], shifts: &[usize]) -> Result<Vec<Column>> {
    debug_assert!(agents.iter().zip(shifts).all(|(&a, &s)| ctx.shifts.shifts_of(a).contains(&s)));
    identity_columns(id, agents, shifts, &id.shift_team, &id.shift_timezone)
}

/// The distinct values of a text column whose rows are keyed by something that repeats (an
/// agent, a shift, a schedule row, a token), found once: each distinct value is stored once
/// and a column's rows gather views of it, so a month of intervals does not hold the agent's
/// name millions of times, and the values are hashed once per key, not once per row, nor
/// once per part of a streamed view.
struct TextDict {
    /// The distinct values, as one array (None only if Polars gave no chunk).
    values: Option<Utf8ViewArray>,
    /// Each key's place in `values`.
    of_key: Vec<u32>,
    /// Each distinct value's validity and length in bytes; whether any is null.
    valid: Vec<bool>,
    bytes: Vec<usize>,
    has_null: bool,
}

impl TextDict {
    /// `values[k]` is key k's value.
    fn new(values: &[Option<&str>]) -> Result<TextDict> {
        let mut dict: Vec<Option<&str>> = Vec::new();
        let mut pos: HashMap<Option<&str>, u32, foldhash::fast::RandomState> = HashMap::default();
        let of_key: Vec<u32> = values
            .iter()
            .map(|&v| {
                *pos.entry(v).or_insert_with(|| {
                    dict.push(v);
                    (dict.len() - 1) as u32
                })
            })
            .collect();
        let dict = Series::new(PlSmallStr::EMPTY, dict).cast(&DataType::String)?;
        let dict = dict.str()?.rechunk();
        let values = dict.downcast_iter().next().cloned();
        let (valid, bytes) = match &values {
            Some(arr) => {
                let valid: Vec<bool> = (0..arr.len()).map(|i| arr.is_valid(i)).collect();
                let bytes = arr.views().iter().zip(&valid).map(|(v, &ok)| if ok { v.length as usize } else { 0 }).collect();
                (valid, bytes)
            }
            None => (Vec::new(), Vec::new()),
        };
        let has_null = valid.contains(&false);
        Ok(TextDict { values, of_key, valid, bytes, has_null })
    }

    /// A text column whose row `i` is the value of key `key(keys[i])`.
    fn column<K: Copy + Sync>(&self, name: &str, keys: &[K], key: impl Fn(K) -> usize + Sync) -> Result<Column> {
        use polars_arrow::bitmap::Bitmap;
        use rayon::prelude::*;
        let Some(arr) = self.values.as_ref().filter(|_| !keys.is_empty()) else {
            return Ok(Series::new_empty(name.into(), &DataType::String).into_column());
        };
        let of = |k: K| self.of_key[key(k)] as usize;
        // Each row is its value's 16-byte view, which names the value's bytes in the
        // dictionary's buffers (shared, not copied): filled in parallel, straight into the
        // column (no index column, no gather).
        let dict_views = arr.views();
        let views: Vec<polars_arrow::array::View> = keys.par_iter().map(|&k| dict_views[of(k)]).collect();
        let total_bytes: usize = keys.par_iter().map(|&k| self.bytes[of(k)]).sum();
        // A mask only when some row is null (not merely a value no row takes).
        let validity =
            self.has_null.then(|| Bitmap::from_trusted_len_iter(keys.iter().map(|&k| self.valid[of(k)]))).filter(|b| b.unset_bits() > 0);
        // SAFETY: every view is one of the dictionary's own, over the same buffers, and the
        // validity and lengths are counted from the same keys.
        let column = unsafe {
            Utf8ViewArray::new_unchecked(
                polars_arrow::datatypes::ArrowDataType::Utf8View,
                views.into(),
                arr.data_buffers().clone(),
                validity,
                Some(total_bytes),
                arr.total_buffer_len(),
            )
        };
        Ok(StringChunked::with_chunk(name.into(), column).into_column())
    }
}

/// A text column whose row `i` is `values[key(keys[i])]` (a dictionary used once).
fn keyed_text_column<K: Copy + Sync>(name: &str, values: &[Option<&str>], keys: &[K], key: impl Fn(K) -> usize + Sync) -> Result<Column> {
    TextDict::new(values)?.column(name, keys, key)
}

/// Builds every view but `states` (and `productivity`); the views in `streamed` go to their
/// sinks and are left empty in the report.
pub fn assemble(ctx: &Context, streamed: Streamed<'_>) -> Result<Report> {
    let Streamed { exceptions: exceptions_sink, intervals: intervals_sink, part_rows } = streamed;
    let sh = ctx.shifts;
    let id = Identity::new(ctx)?;

    // The shift views and their roll-ups (sequential, a row per shift) beside the exceptions
    // and intervals views (millions of rows each, themselves side by side).
    let shift_views = || -> Result<_> {
        // ---- shifts (selected only), plus the internal frame the roll-ups read ----
        let mut agents_col: Vec<usize> = Vec::new();
        let mut shift_idx: Vec<usize> = Vec::new();
        for a in 0..ctx.results.len() {
            for s in sh.shifts_of(a) {
                if ctx.selected[s] {
                    agents_col.push(a);
                    shift_idx.push(s);
                }
            }
        }
        let fig = |f: &dyn Fn(&AgentResult, usize) -> Ms| -> Vec<Ms> {
            agents_col.iter().zip(&shift_idx).map(|(&a, &s)| f(&ctx.results[a], s - sh.shift_offsets[a])).collect()
        };
        let fig_opt = |f: &dyn Fn(&AgentResult, usize) -> Option<Ms>| -> Vec<Option<Ms>> {
            agents_col.iter().zip(&shift_idx).map(|(&a, &s)| f(&ctx.results[a], s - sh.shift_offsets[a])).collect()
        };
        let scheduled = fig(&|r, k| r.shifts.scheduled[k]);
        let in_adh = fig(&|r, k| r.shifts.in_adherence[k]);
        let out_adh = fig(&|r, k| r.shifts.out_of_adherence[k]);
        let unknown = fig(&|r, k| r.shifts.unknown[k]);
        let forgiven = fig(&|r, k| r.shifts.forgiven[k]);
        let exc = fig(&|r, k| r.shifts.exception_count[k] as Ms);
        let prod_s = fig(&|r, k| r.shifts.productive_scheduled[k]);
        let prod_a = fig(&|r, k| r.shifts.productive_actual[k]);
        let late = fig_opt(&|r, k| r.shifts.late[k]);
        let early = fig_opt(&|r, k| r.shifts.early_logout[k]);
        let no_show: Vec<bool> = fig(&|r, k| r.shifts.no_show[k] as Ms).into_iter().map(|x| x != 0).collect();
        let logged_in = fig(&|r, k| r.shifts.logged_in[k]);
        let first_login = fig_opt(&|r, k| r.shifts.first_login[k]);
        let last_logout = fig_opt(&|r, k| r.shifts.last_logout[k]);
        let grace = ctx.rules.grace;
        let is_late: Vec<Option<bool>> = late.iter().map(|l| l.map(|l| l > grace)).collect();
        let is_early: Vec<Option<bool>> = early.iter().map(|l| l.map(|l| l > grace)).collect();
        let shift_team: Vec<Option<&str>> = shift_idx.iter().map(|&s| id.team_of_shift[s]).collect();

        let mut cols = shift_identity_columns(ctx, &id, &agents_col, &shift_idx)?;
        cols.push(dates("shift_date", shift_idx.iter().map(|&s| sh.shift_day[s] as i32).collect())?);
        cols.push(instants("shift_start", shift_idx.iter().map(|&s| Some(sh.shift_start[s])).collect())?);
        cols.push(instants("shift_end", shift_idx.iter().map(|&s| Some(sh.shift_end[s])).collect())?);
        cols.push(seconds("scheduled_seconds", scheduled.clone()));
        cols.push(seconds("in_adherence_seconds", in_adh.clone()));
        cols.push(seconds("out_of_adherence_seconds", out_adh.clone()));
        cols.push(seconds("unknown_seconds", unknown.clone()));
        let n = scheduled.len();
        cols.push(Column::new("adherence_pct".into(), (0..n).map(|i| pct(in_adh[i], in_adh[i] + out_adh[i])).collect::<Vec<_>>()));
        cols.push(Column::new("exception_count".into(), exc.iter().map(|&x| x as u32).collect::<Vec<_>>()));
        cols.push(Column::new(
            "adjusted_adherence_pct".into(),
            (0..n).map(|i| pct(in_adh[i] + forgiven[i], in_adh[i] + out_adh[i])).collect::<Vec<_>>(),
        ));
        cols.push(seconds("productive_scheduled_seconds", prod_s.clone()));
        cols.push(seconds("productive_actual_seconds", prod_a.clone()));
        cols.push(Column::new("conformance_pct".into(), (0..n).map(|i| pct(prod_a[i], prod_s[i])).collect::<Vec<_>>()));
        cols.push(seconds_opt("late_seconds", late.clone()));
        cols.push(seconds_opt("early_logout_seconds", early.clone()));
        cols.push(Column::new("is_late".into(), is_late.clone()));
        cols.push(Column::new("is_early_logout".into(), is_early.clone()));
        cols.push(Column::new("no_show".into(), no_show.clone()));
        cols.push(seconds("logged_in_seconds", logged_in.clone()));
        cols.push(instants("first_login", first_login)?);
        cols.push(instants("last_logout", last_logout)?);
        let shifts_df = DataFrame::new(n, cols)?;

        let internal = DataFrame::new(
            n,
            vec![
                Column::new("agent_idx".into(), agents_col.iter().map(|&a| a as u32).collect::<Vec<_>>()),
                Column::new("team".into(), shift_team),
                Column::new("scheduled".into(), scheduled),
                Column::new("in".into(), in_adh),
                Column::new("out".into(), out_adh),
                Column::new("unknown".into(), unknown),
                Column::new("forgiven".into(), forgiven),
                Column::new("exceptions".into(), exc),
                Column::new("prod_sched".into(), prod_s),
                Column::new("prod_actual".into(), prod_a),
                Column::new("late".into(), late),
                Column::new("early".into(), early),
                Column::new("is_late".into(), is_late),
                Column::new("is_early".into(), is_early),
                Column::new("no_show".into(), no_show),
                Column::new("logged_in".into(), logged_in),
            ],
        )?;

        // ---- agents ----
        let by_agent = collect_rollup(rollup(internal.clone().lazy(), vec![col("agent_idx")], false))?;
        let agent_rows: Vec<usize> = by_agent.column("agent_idx")?.u32()?.into_no_null_iter().map(|a| a as usize).collect();
        let mut order: Vec<usize> = (0..agent_rows.len()).collect();
        order.sort_by(|&x, &y| sh.agent_key[agent_rows[x]].cmp(&sh.agent_key[agent_rows[y]]));
        let idx = IdxCa::from_vec("idx".into(), order.iter().map(|&i| i as IdxSize).collect());
        let by_agent = by_agent.take(&idx)?;
        let agent_rows: Vec<usize> = order.iter().map(|&i| agent_rows[i]).collect();
        let mut cols = agent_identity_columns(&id, &agent_rows)?;
        cols.extend(by_agent.columns().iter().filter(|c| c.name() != "agent_idx").cloned());
        let agents_df = DataFrame::new(agent_rows.len(), cols)?;

        // ---- teams, overall ----
        let (teams_df, team_adjusted_pct, overall) = rollups(&internal)?;

        let period = if shift_idx.is_empty() {
            None
        } else {
            let days: Vec<i64> = shift_idx.iter().map(|&s| sh.shift_day[s]).collect();
            Some((*days.iter().min().expect("non-empty"), *days.iter().max().expect("non-empty")))
        };
        Ok((shifts_df, agents_df, teams_df, team_adjusted_pct, overall, internal, period))
    };
    let (shift_part, (exceptions_df, intervals_df)) = rayon::join(
        || crate::timing::stage("views: shifts, agents, teams", shift_views),
        || {
            rayon::join(
                || {
                    crate::timing::stage("views: exceptions", || {
                        let rows = |a: usize| ctx.results[a].exceptions.start.len();
                        let activities: Vec<Option<&str>> = ctx.schedule.activity.iter().map(|a| Some(a.as_str())).collect();
                        let activity = TextDict::new(&activities)?;
                        whole_or_parts("exceptions", ctx, exceptions_sink, part_rows, rows, |agents| {
                            exceptions_frame(ctx, &id, &activity, agents)
                        })
                    })
                },
                || {
                    crate::timing::stage("views: intervals", || {
                        let rows = |a: usize| ctx.results[a].intervals.start.len();
                        let hhmm: Vec<String> = (0..24 * 60).map(|m| crate::time::fmt_hhmm(m as Ms * crate::time::MINUTE)).collect();
                        let local_time = TextDict::new(&hhmm.iter().map(|t| Some(t.as_str())).collect::<Vec<_>>())?;
                        whole_or_parts("intervals", ctx, intervals_sink, part_rows, rows, |agents| {
                            intervals_frame(ctx, &id, &local_time, agents)
                        })
                    })
                },
            )
        },
    );
    let (shifts_df, agents_df, teams_df, team_adjusted_pct, overall, internal, period) = shift_part?;
    let (exceptions_df, intervals_df) = (exceptions_df?, intervals_df?);
    Ok(Report {
        shifts: shifts_df,
        agents: agents_df,
        teams: teams_df,
        intervals: intervals_df,
        exceptions: exceptions_df,
        states: DataFrame::empty(),
        productivity: DataFrame::empty(),
        overall,
        team_adjusted_pct,
        period,
        warnings: Vec::new(),
        names: Default::default(),
        shift_figures: internal,
    })
}

/// Each team's adjusted adherence (null team = None), in the teams view's order.
pub type TeamPcts = Vec<(Option<String>, Option<f64>)>;

/// The teams view, each team's adjusted adherence and the overall figures, from the
/// internal per-shift frame ([`Report::shift_figures`]; several partitions' frames may be
/// stacked, their `agent_idx` made distinct).
pub fn rollups(internal: &DataFrame) -> Result<(DataFrame, TeamPcts, Overall)> {
    let teams_df = collect_rollup(
        rollup(internal.clone().lazy(), vec![col("team")], true)
            .sort(["team"], SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true)),
    )?;
    let team_adjusted_pct: Vec<(Option<String>, Option<f64>)> = teams_df
        .column("team")?
        .str()?
        .iter()
        .zip(teams_df.column("adjusted_adherence_pct")?.f64()?.iter())
        .map(|(t, p)| (t.map(str::to_string), p))
        .collect();
    let all = collect_rollup(rollup(internal.clone().lazy().with_column(lit(1u32).alias("_all")), vec![col("_all")], true))?;
    let overall = overall_from(&all)?;
    Ok((teams_df, team_adjusted_pct, overall))
}

/// Sums the internal shift frame by `keys`, then divides. With `count_agents`, adds the
/// number of distinct schedule agents after the keys.
fn rollup(lf: LazyFrame, keys: Vec<Expr>, count_agents: bool) -> LazyFrame {
    let mut aggs = vec![
        len().cast(DataType::UInt32).alias("shifts"),
        col("scheduled").sum(),
        col("in").sum(),
        col("out").sum(),
        col("unknown").sum(),
        col("forgiven").sum(),
        col("prod_sched").sum(),
        col("prod_actual").sum(),
        col("late").sum(),
        col("is_late").sum().cast(DataType::UInt32).alias("late_count"),
        col("early").sum(),
        col("is_early").sum().cast(DataType::UInt32).alias("early_logout_count"),
        col("no_show").sum().cast(DataType::UInt32).alias("no_show_count"),
        col("exceptions").sum().cast(DataType::UInt32).alias("exception_count"),
        col("logged_in").sum(),
    ];
    if count_agents {
        aggs.push(col("agent_idx").n_unique().cast(DataType::UInt32).alias("agents"));
    }
    // Seconds stay integer milliseconds here; `ms_to_seconds` divides exactly afterwards
    // (Polars may turn `/ 1000.0` into `* 0.001`, which is not exact).
    let secs = |c: &str, name: &str| col(c).alias(name);
    let ratio = |num: Expr, den: Expr, name: &str| {
        when(den.clone().eq(lit(0i64)))
            .then(lit(NULL).cast(DataType::Float64))
            .otherwise(lit(100.0) * num.cast(DataType::Float64) / den.cast(DataType::Float64))
            .alias(name)
    };
    let mut out: Vec<Expr> = keys.clone();
    if count_agents {
        out.push(col("agents"));
    }
    out.extend([
        col("shifts"),
        secs("scheduled", "scheduled_seconds"),
        secs("in", "in_adherence_seconds"),
        secs("out", "out_of_adherence_seconds"),
        secs("unknown", "unknown_seconds"),
        ratio(col("in"), col("in") + col("out"), "adherence_pct"),
        ratio(col("in") + col("forgiven"), col("in") + col("out"), "adjusted_adherence_pct"),
        secs("prod_sched", "productive_scheduled_seconds"),
        secs("prod_actual", "productive_actual_seconds"),
        ratio(col("prod_actual"), col("prod_sched"), "conformance_pct"),
        secs("late", "late_seconds"),
        col("late_count"),
        secs("early", "early_logout_seconds"),
        col("early_logout_count"),
        col("no_show_count"),
        col("exception_count"),
        secs("logged_in", "logged_in_seconds"),
    ]);
    lf.group_by_stable(keys).agg(aggs).select(out)
}

/// Columns of a roll-up that hold integer milliseconds, converted to seconds.
const ROLLUP_SECONDS: &[&str] = &[
    "scheduled_seconds",
    "in_adherence_seconds",
    "out_of_adherence_seconds",
    "unknown_seconds",
    "productive_scheduled_seconds",
    "productive_actual_seconds",
    "late_seconds",
    "early_logout_seconds",
    "logged_in_seconds",
];

/// Collects a roll-up and turns its millisecond sums into seconds (`ms / 1000`, the one
/// conversion every view uses).
fn collect_rollup(lf: LazyFrame) -> Result<DataFrame> {
    let mut df = lf.collect()?;
    for name in ROLLUP_SECONDS {
        let ms: Vec<Option<Ms>> = df.column(name)?.i64()?.iter().collect();
        let secs = seconds_opt(name, ms);
        df.with_column(secs)?;
    }
    Ok(df)
}

fn overall_from(all: &DataFrame) -> Result<Overall> {
    if all.height() == 0 {
        return Ok(Overall::default());
    }
    let f = |name: &str| -> Result<Option<f64>> { Ok(all.column(name)?.f64()?.get(0)) };
    let u = |name: &str| -> Result<u64> { Ok(all.column(name)?.u32()?.get(0).unwrap_or(0) as u64) };
    Ok(Overall {
        shifts: u("shifts")?,
        agents: u("agents")?,
        scheduled_seconds: f("scheduled_seconds")?.unwrap_or(0.0),
        in_adherence_seconds: f("in_adherence_seconds")?.unwrap_or(0.0),
        out_of_adherence_seconds: f("out_of_adherence_seconds")?.unwrap_or(0.0),
        unknown_seconds: f("unknown_seconds")?.unwrap_or(0.0),
        adherence_pct: f("adherence_pct")?,
        adjusted_adherence_pct: f("adjusted_adherence_pct")?,
        productive_scheduled_seconds: f("productive_scheduled_seconds")?.unwrap_or(0.0),
        productive_actual_seconds: f("productive_actual_seconds")?.unwrap_or(0.0),
        conformance_pct: f("conformance_pct")?,
        late_count: u("late_count")?,
        early_logout_count: u("early_logout_count")?,
        no_show_count: u("no_show_count")?,
        exception_count: u("exception_count")?,
        logged_in_seconds: f("logged_in_seconds")?.unwrap_or(0.0),
    })
}

/// The exceptions view's rows of schedule agents `agents_of`
/// (`activity`: the schedule rows' activities).
fn exceptions_frame(ctx: &Context, id: &Identity, activity: &TextDict, agents_of: std::ops::Range<usize>) -> Result<DataFrame> {
    let sh = ctx.shifts;
    let results = &ctx.results[agents_of.clone()];
    let total: usize = results.iter().map(|r| r.exceptions.start.len()).sum();
    // Columns filled in their final types, as in the intervals view.
    let mut agents = Vec::with_capacity(total);
    let mut shifts = Vec::with_capacity(total);
    let mut day: Vec<i32> = Vec::with_capacity(total);
    let (mut ss, mut se, mut start, mut end): (Vec<Ms>, Vec<Ms>, Vec<Ms>, Vec<Ms>) =
        (Vec::with_capacity(total), Vec::with_capacity(total), Vec::with_capacity(total), Vec::with_capacity(total));
    let mut dur: Vec<f64> = Vec::with_capacity(total);
    let (mut rows, mut states) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for (a, r) in agents_of.zip(results) {
        let e = &r.exceptions;
        for i in 0..e.start.len() {
            let s = e.shift[i] as usize;
            agents.push(a);
            shifts.push(s);
            day.push(sh.shift_day[s] as i32);
            ss.push(sh.shift_start[s]);
            se.push(sh.shift_end[s]);
            start.push(e.start[i]);
            end.push(e.end[i]);
            dur.push(ms_to_seconds(e.end[i] - e.start[i]));
            rows.push(e.row[i]);
            states.push((e.state[i], e.reason[i]));
        }
    }
    // Tokens of the distinct (state, reason) pairs, once; each row keeps the pair's number.
    let mut tokens: Vec<String> = Vec::new();
    let mut token_of: HashMap<(u8, u32), usize, foldhash::fast::RandomState> = HashMap::default();
    let state_keys: Vec<usize> = states
        .iter()
        .map(|&(st, rs)| {
            *token_of.entry((st, rs)).or_insert_with(|| {
                tokens.push(token(State::from_code(st), ctx.activity.reason_text(rs)));
                tokens.len() - 1
            })
        })
        .collect();
    let n = agents.len();
    let mut cols = shift_identity_columns(ctx, id, &agents, &shifts)?;
    cols.push(dates("shift_date", day)?);
    cols.push(instants_all("shift_start", ss)?);
    cols.push(instants_all("shift_end", se)?);
    cols.push(instants_all("start", start)?);
    cols.push(instants_all("end", end)?);
    cols.push(Column::new("duration_seconds".into(), dur));
    cols.push(activity.column("activity", &rows, |r| r as usize)?);
    let tokens: Vec<Option<&str>> = tokens.iter().map(|t| Some(t.as_str())).collect();
    cols.push(keyed_text_column("state", &tokens, &state_keys, |k| k)?);
    Ok(DataFrame::new(n, cols)?)
}

/// The intervals view's rows of schedule agents `agents_of`
/// (`local_time_text`: the minutes of a day as HH:MM).
fn intervals_frame(ctx: &Context, id: &Identity, local_time_text: &TextDict, agents_of: std::ops::Range<usize>) -> Result<DataFrame> {
    let sh = ctx.shifts;
    let results = &ctx.results[agents_of.clone()];
    let total: usize = results.iter().map(|r| r.intervals.start.len()).sum();
    // The view's columns are filled in their final types (a month of W1 is 7–8 million
    // rows: every intermediate copy is memory the kernel must map and zero), each column by
    // its own task, side by side.
    fn fill<T: Send>(
        agents: &std::ops::Range<usize>,
        results: &[AgentResult],
        total: usize,
        f: impl Fn(usize, &IntervalRows, &mut Vec<T>),
    ) -> Vec<T> {
        let mut v = Vec::with_capacity(total);
        for (a, r) in agents.clone().zip(results) {
            f(a, &r.intervals, &mut v);
        }
        v
    }
    let (mut agents, mut day, mut local_time): (Vec<usize>, Vec<i32>, Vec<u16>) = Default::default();
    let (mut start, mut end): (Vec<Ms>, Vec<Ms>) = Default::default();
    let [mut sched, mut inn, mut out, mut unk]: [Vec<f64>; 4] = Default::default();
    let mut adh = None;
    rayon::scope(|s| {
        s.spawn(|_| agents = fill(&agents_of, results, total, |a, iv, v| v.extend(std::iter::repeat_n(a, iv.start.len()))));
        s.spawn(|_| day = fill(&agents_of, results, total, |_, iv, v| v.extend(iv.day.iter().map(|&d| d as i32))));
        // Minute of the local day of the interval's start.
        s.spawn(|_| {
            local_time = fill(&agents_of, results, total, |a, iv, v| {
                let zone = &ctx.schedule.zones[sh.agent_zone[a] as usize];
                v.extend(iv.start.iter().map(|&s| (zone.local_ms(s).rem_euclid(crate::time::DAY) / crate::time::MINUTE) as u16))
            })
        });
        s.spawn(|_| start = fill(&agents_of, results, total, |_, iv, v| v.extend_from_slice(&iv.start)));
        s.spawn(|_| end = fill(&agents_of, results, total, |_, iv, v| v.extend_from_slice(&iv.end)));
        s.spawn(|_| sched = fill(&agents_of, results, total, |_, iv, v| v.extend(iv.scheduled.iter().copied().map(ms_to_seconds))));
        s.spawn(|_| inn = fill(&agents_of, results, total, |_, iv, v| v.extend(iv.in_adherence.iter().copied().map(ms_to_seconds))));
        s.spawn(|_| out = fill(&agents_of, results, total, |_, iv, v| v.extend(iv.out_of_adherence.iter().copied().map(ms_to_seconds))));
        s.spawn(|_| unk = fill(&agents_of, results, total, |_, iv, v| v.extend(iv.unknown.iter().copied().map(ms_to_seconds))));
        s.spawn(|_| {
            let mut b = PrimitiveChunkedBuilder::<Float64Type>::new("adherence_pct".into(), total);
            for r in results {
                for (&i, &o) in r.intervals.in_adherence.iter().zip(&r.intervals.out_of_adherence) {
                    b.append_option(pct(i, i + o));
                }
            }
            adh = Some(b.finish());
        });
    });
    let adh = adh.expect("filled in the scope");
    let n = agents.len();
    let mut cols = agent_identity_columns(id, &agents)?;
    cols.push(dates("date", day)?);
    cols.push(local_time_text.column("local_time", &local_time, usize::from)?);
    cols.push(instants_all("interval_start", start)?);
    cols.push(instants_all("interval_end", end)?);
    cols.push(Column::new("scheduled_seconds".into(), sched));
    cols.push(Column::new("in_adherence_seconds".into(), inn));
    cols.push(Column::new("out_of_adherence_seconds".into(), out));
    cols.push(Column::new("unknown_seconds".into(), unk));
    cols.push(adh.into_column());
    Ok(DataFrame::new(n, cols)?)
}

/// The states view from its rows.
pub fn states_frame<'a>(activity: &'a Activity, labels: &'a [AgentLabel], rows: &StateRows) -> Result<DataFrame> {
    let n = rows.agent.len();
    // Identity is per activity agent: looked up by each row's agent.
    let per_agent = |name: &str, value: &dyn Fn(usize) -> Option<&'a str>| {
        let values: Vec<Option<&str>> = (0..activity.agents.len()).map(value).collect();
        keyed_text_column(name, &values, &rows.agent, |a| a as usize)
    };
    let tokens: Vec<Option<&str>> = rows.tokens.iter().map(|t| Some(t.as_str())).collect();
    let cols = vec![
        per_agent("agent", &|a| Some(labels[a].agent.as_str()))?,
        Column::new("agent_id".into(), rows.agent.iter().map(|&a| Some(activity.agents[a as usize].agent_id)).collect::<Vec<_>>()),
        per_agent("employee_id", &|a| activity.agents[a].employee_id.as_deref())?,
        per_agent("login_name", &|a| activity.agents[a].login_name.as_deref())?,
        per_agent("team", &|a| labels[a].team.as_deref())?,
        per_agent("timezone", &|a| Some(labels[a].zone.name()))?,
        dates("date", rows.day.iter().map(|&d| d as i32).collect())?,
        keyed_text_column("state", &tokens, &rows.state, |t| t as usize)?,
        seconds("seconds", rows.seconds.clone()),
        Column::new("entries".into(), rows.entries.clone()),
        seconds("logged_in_seconds", rows.logged_in.clone()),
    ];
    Ok(DataFrame::new(n, cols)?)
}

#[cfg(test)]
mod tests {
    use super::agent_parts;

    #[test]
    fn agent_parts_cut_after_the_agent_that_fills_a_part() {
        // Rows per agent 3, 0, 5, 1, 4, 2 with parts of 4 rows: 3 + 0 + 5 = 8 ≥ 4 ends the
        // first part after agent 2; 1 + 4 = 5 ends the second after agent 4; agent 5's 2
        // rows are the last, short, part.
        let rows = [3, 0, 5, 1, 4, 2];
        assert_eq!(agent_parts(6, 4, |a| rows[a]), vec![0..3, 3..5, 5..6]);
        // A part that ends exactly on the last agent leaves no empty part after it.
        assert_eq!(agent_parts(2, 4, |a| [2, 2][a]), vec![0..2]);
        // No agents (or no rows): one empty part, so that the file still gets its columns.
        assert_eq!(agent_parts(0, 4, |_| 0), vec![0..0]);
        assert_eq!(agent_parts(3, 4, |_| 0), vec![0..3]);
    }
}
