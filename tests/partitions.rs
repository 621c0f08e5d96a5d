//! Reports in agent partitions (`report --partitions N` over a fetch store): every view's
//! bytes, the summary and the exit code are those of the report in one piece, in every row
//! format; and what cannot be done in partitions is refused with a clear message.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use adhere::activity::{Activity, LoadOptions};
use adhere::adherence::partition::{self, StoreInput};
use assert_cmd::Command;

/// A simulated data set (80 agents × 9 days, with enrichment) and its fetch store, made once.
fn data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let enr = d.join("enr");
        Command::cargo_bin("adhere")
            .unwrap()
            .args(["simulate", "--agents", "80", "--days", "9", "--seed", "3", "--page-size", "200", "--store", "--out"])
            .arg(d)
            .arg("--enrichment-out")
            .arg(&enr)
            .assert()
            .success();
        dir
    })
    .path()
}

/// `adhere report` on the data set in `d`: activity `d/<activity>` (`store` or `activity`),
/// the given schedule and `d/rules.toml`.
fn report_cmd(d: &Path, activity: &str, schedule: &Path) -> Command {
    let mut c = Command::cargo_bin("adhere").unwrap();
    c.arg("report").arg("--activity").arg(d.join(activity)).arg("--schedule").arg(schedule).arg("--rules").arg(d.join("rules.toml"));
    c
}

/// `adhere report` on the store with `extra` flags; returns (exit code, stdout, stderr).
fn report(schedule: &Path, extra: &[&str]) -> (i32, Vec<u8>, String) {
    let d = data();
    let out = report_cmd(d, "store", schedule).arg("--enrichment").arg(d.join("enr")).args(extra).output().unwrap();
    (out.status.code().unwrap(), out.stdout, String::from_utf8(out.stderr).unwrap())
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Every view and the summary, in `format`, with `--partitions n`.
fn every_view(schedule: &Path, format: &str, n: &str) -> (Vec<(String, Vec<u8>)>, String) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("views");
    let summary = out.path().join("summary.json");
    let (code, _, stderr) = report(
        schedule,
        &["--format", format, "--out", &format!("{}/", dir.display()), "--partitions", n, "--summary-json", summary.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut f = files(&dir);
    f.push(("summary.json".to_string(), std::fs::read(&summary).unwrap()));
    (f, stderr)
}

#[test]
fn every_view_in_every_row_format_is_the_same_in_partitions() {
    let schedule = data().join("schedule.csv");
    for format in ["csv", "json", "ndjson", "parquet"] {
        let (whole, whole_err) = every_view(&schedule, format, "1");
        assert_eq!(whole.len(), 8, "seven views and the summary");
        assert!(!whole_err.contains("partition"), "{whole_err}");
        for n in ["2", "5", "13"] {
            let (parts, err) = every_view(&schedule, format, n);
            assert!(err.contains(&format!("computed in {n} agent partitions")), "{err}");
            assert_eq!(parts.len(), whole.len());
            for ((name, a), (name_b, b)) in whole.iter().zip(&parts) {
                assert_eq!(name, name_b);
                assert!(a == b, "{format}, {n} partitions: {name} differs");
            }
            // The same warnings, in the same order (the partition note aside).
            let warnings = |s: &str| s.lines().filter(|l| l.starts_with("warning:")).map(str::to_string).collect::<Vec<_>>();
            assert_eq!(warnings(&whole_err), warnings(&err));
        }
    }
}

#[test]
fn the_store_in_partitions_gives_what_the_api_pages_give() {
    let d = data();
    let via_pages = report_cmd(d, "activity", &d.join("schedule.csv"))
        .arg("--enrichment")
        .arg(d.join("enr"))
        .args(["--format", "ndjson", "--view", "exceptions"])
        .output()
        .unwrap();
    assert!(via_pages.status.success());
    let (code, via_store, _) = report(&d.join("schedule.csv"), &["--format", "ndjson", "--view", "exceptions", "--partitions", "4"]);
    assert_eq!(code, 0);
    assert!(via_store.len() > 10_000, "a real view: {} bytes", via_store.len());
    assert!(via_pages.stdout == via_store, "the partitioned store report differs from the pages report");
}

#[test]
fn one_view_to_stdout_and_the_exit_code_of_a_missed_target() {
    let schedule = data().join("schedule.csv");
    let (c1, a, _) = report(&schedule, &["--format", "csv", "--view", "states", "--partitions", "1", "--fail-under", "99"]);
    let (c3, b, err) = report(&schedule, &["--format", "csv", "--view", "states", "--partitions", "3", "--fail-under", "99"]);
    assert_eq!((c1, c3), (3, 3), "{err}");
    assert!(err.contains("FAILED"), "{err}");
    assert!(a.len() > 1000);
    assert!(a == b);
}

#[test]
fn an_agent_matched_by_keys_in_two_partitions_runs_in_one_piece() {
    let d = data();
    // Schedule agent `E…` (matched by employee id) gets a second key, its login name, which
    // sorts far away (lower case after upper case): the same LivePerson agent is then matched
    // by keys in different partitions.
    let (_, agents, _) = report(&d.join("schedule.csv"), &["--format", "json", "--view", "agents", "--partitions", "1"]);
    let agents: Vec<serde_json::Value> = serde_json::from_slice(&agents).unwrap();
    let pick = agents
        .iter()
        .find(|a| {
            a["agent"].as_str() == a["employee_id"].as_str() && a["login_name"].is_string() && a["agent"].as_str().unwrap().starts_with('E')
        })
        .expect("an agent keyed by employee id");
    let (key, login) = (pick["agent"].as_str().unwrap(), pick["login_name"].as_str().unwrap());
    let text = std::fs::read_to_string(d.join("schedule.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let extra: Vec<String> =
        lines.iter().filter(|l| l.starts_with(&format!("{key},"))).take(2).map(|l| l.replacen(key, login, 1)).collect();
    assert!(!extra.is_empty());
    lines.extend(extra);
    let dir = tempfile::tempdir().unwrap();
    let schedule: PathBuf = dir.path().join("schedule.csv");
    std::fs::write(&schedule, lines.join("\n") + "\n").unwrap();

    let (whole, _) = every_view(&schedule, "csv", "1");
    let (parts, err) = every_view(&schedule, "csv", "6");
    assert!(err.contains("matched by schedule keys far apart in key order; the report ran in one piece instead of 6 partitions"), "{err}");
    assert!(err.contains("computed in 1 agent partition"), "{err}");
    // Every view is the same; the summary carries the extra warning.
    assert_eq!(whole.len(), parts.len());
    for ((name, a), (_, b)) in whole.iter().zip(&parts).filter(|((n, _), _)| n != "summary.json") {
        assert!(a == b, "{name} differs");
    }
}

#[test]
fn what_partitions_cannot_do_is_refused() {
    let d = data();
    let schedule = d.join("schedule.csv");
    for (flags, says) in [
        (vec!["--partitions", "3", "--format", "markdown"], "--format markdown needs the whole report at once"),
        (vec!["--partitions", "3"], "--format table needs the whole report at once"),
        (vec!["--partitions", "0"], "--partitions \"0\" must be auto or a whole number"),
        (vec!["--partitions", "many"], "--partitions \"many\" must be auto or a whole number"),
    ] {
        let (code, _, err) = report(&schedule, &flags);
        assert_eq!(code, 2, "{flags:?}: {err}");
        assert!(err.contains(says), "{flags:?}: {err}");
    }
    // API pages are read whole.
    let out = report_cmd(d, "activity", &schedule).args(["--partitions", "2", "--format", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partitions needs one `adhere fetch` store"));
    // auto: a small store is one partition, and table output stays whole.
    let (code, _, err) = report(&schedule, &["--format", "csv"]);
    assert_eq!(code, 0);
    assert!(!err.contains("partition"), "{err}");
    assert_eq!(partition::auto_partitions(&d.join("store")).unwrap(), 1);
}

#[test]
fn the_agent_directory_of_a_store_is_that_of_a_whole_load() {
    let store = data().join("store");
    let opts = LoadOptions::default();
    let whole = Activity::load(std::slice::from_ref(&store), &opts).unwrap();
    let enrich = |_: &mut Activity| {};
    let (dir, records) = partition::directory(&StoreInput { dir: &store, load: opts, enrich: &enrich }).unwrap();
    assert_eq!(dir.agents.len(), whole.agents.len());
    for ((a, b), n) in dir.agents.iter().zip(&whole.agents).zip(&records) {
        assert_eq!(a.agent_id, b.agent_id);
        assert_eq!((&a.employee_id, &a.login_name, &a.user_name, a.group_id), (&b.employee_id, &b.login_name, &b.user_name, b.group_id));
        assert_eq!((&a.employee_ids, &a.login_names), (&b.employee_ids, &b.login_names));
        assert_eq!(a.team, b.team);
        assert_eq!(*n, b.rows.len() as u64, "records of agent {}", a.agent_id);
    }
    assert_eq!(dir.stats, whole.stats);
    assert_eq!(dir.warnings, whole.warnings);
    assert_eq!((&dir.coverage, dir.coverage_source), (&whole.coverage, whole.coverage_source));
    assert_eq!(dir.excluded, whole.excluded);
}

#[test]
fn parquet_views_of_more_than_one_row_group_are_the_same_in_partitions() {
    // 400 agents × 31 days: about 156,000 intervals, more than one Parquet row group
    // (131,072 rows), so row-group boundaries must not depend on where the parts end.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    Command::cargo_bin("adhere")
        .unwrap()
        .args(["simulate", "--agents", "400", "--days", "31", "--seed", "5", "--changes-per-shift", "8", "--store", "--out"])
        .arg(d)
        .assert()
        .success();
    let run = |n: &str| {
        let out = d.join(format!("views-{n}"));
        report_cmd(d, "store", &d.join("schedule.csv"))
            .args(["--format", "parquet", "--view", "intervals", "--partitions", n, "--out"])
            .arg(format!("{}/", out.display()))
            .assert()
            .success();
        std::fs::read(out.join("intervals.parquet")).unwrap()
    };
    let whole = run("1");
    let parts = run("4");
    use polars::prelude::SerReader;
    let rows = polars::prelude::ParquetReader::new(std::io::Cursor::new(whole.clone())).finish().unwrap().height();
    assert!(rows > 131_072, "{rows} intervals: one row group only");
    assert!(whole == parts, "intervals.parquet differs in partitions");
}

#[test]
fn the_largest_views_streamed_in_parts_are_the_bytes_of_the_whole_views() {
    // `report --out DIR` hands the exceptions and intervals views to their files a part of
    // agents at a time (`views::Streamed`); here in parts of 500 rows, so each view is many
    // parts, which must give the bytes of the view written whole, in every row format.
    use adhere::adherence::views::{PartSink, Streamed};
    use adhere::adherence::{Engine, Options, ViewName};
    use adhere::report::stream::ViewSink;
    use adhere::report::{exporter, parquet::Parquet, Format, Output};
    let d = data();
    let rules = adhere::rules::Rules::load(&d.join("rules.toml")).unwrap();
    let rows = adhere::schedule::read_files(&[d.join("schedule.csv")], None, &Default::default()).unwrap();
    let activity = Activity::load(&[d.join("store")], &LoadOptions::default()).unwrap();
    let opts = Options { views: ViewName::ALL.to_vec(), ..Default::default() };
    let engine = Engine::new(&activity, &rows.rows, &rules, &opts).unwrap();
    let whole = engine.report().unwrap();
    let out = tempfile::tempdir().unwrap();
    for format in [Format::Csv, Format::Json, Format::Ndjson, Format::Parquet] {
        let path = |v: ViewName, how: &str| out.path().join(format!("{}-{how}.{}", v.name(), format.extension()));
        let mut sinks = [ViewName::Exceptions, ViewName::Intervals].map(|v| ViewSink::create(format, Some(&path(v, "parts"))).unwrap());
        let mut parts = [0usize; 2];
        {
            let [exc, ivl] = &mut sinks;
            let [exc_parts, ivl_parts] = &mut parts;
            let mut exc_push = |df: &polars::prelude::DataFrame| {
                *exc_parts += 1;
                exc.append(df)
            };
            let mut ivl_push = |df: &polars::prelude::DataFrame| {
                *ivl_parts += 1;
                ivl.append(df)
            };
            let streamed = Streamed {
                exceptions: Some(&mut exc_push as PartSink<'_>),
                intervals: Some(&mut ivl_push as PartSink<'_>),
                part_rows: 500,
            };
            let report = engine.report_streamed(streamed).unwrap();
            assert_eq!((report.exceptions.height(), report.intervals.height()), (0, 0), "streamed views are not kept");
            assert!(report.shifts == whole.shifts, "the other views are the same");
        }
        for s in sinks {
            s.finish().unwrap();
        }
        for (k, v) in [ViewName::Exceptions, ViewName::Intervals].into_iter().enumerate() {
            let frame = whole.view(v);
            assert!(parts[k] > 3 && frame.height() > 2_000, "{}: {} rows in {} parts", v.name(), frame.height(), parts[k]);
            let at = path(v, "whole");
            if format == Format::Parquet {
                Parquet::write_file(frame, &at).unwrap();
            } else {
                let mut f = std::fs::File::create(&at).unwrap();
                exporter(format).unwrap().write_to(&Output { view: v, frame, report: Some(&whole) }, &mut f).unwrap();
            }
            let (a, b) = (std::fs::read(&at).unwrap(), std::fs::read(path(v, "parts")).unwrap());
            assert!(a == b, "{} in {} parts differs from the whole view ({:?})", v.name(), parts[k], format);
        }
    }
}

#[test]
fn views_streamed_to_files_by_the_command_are_the_views_written_whole_to_stdout() {
    // `report --out DIR/` streams exceptions and intervals to their files as they are built;
    // `--view V` without `--out` writes V whole to stdout. Both must give the same bytes, with
    // the default part size (one part here) and with parts of 700 rows (many parts).
    let d = data();
    let schedule = d.join("schedule.csv");
    let run = |format: &str, part_rows: Option<&str>| {
        let out = tempfile::tempdir().unwrap();
        let mut c = report_cmd(d, "activity", &schedule);
        c.args(["--format", format, "--out"]).arg(format!("{}/", out.path().display()));
        if let Some(n) = part_rows {
            c.env("ADHERE_STREAM_PART_ROWS", n);
        }
        let o = c.env("ADHERE_TIMINGS", "1").output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // The views were streamed, in as many parts as asked for: one part of the default
        // size (about 5,000 exceptions and 8,000 intervals here), many of 700 rows.
        let stderr = String::from_utf8_lossy(&o.stderr);
        for v in ["exceptions", "intervals"] {
            let parts: usize = stderr
                .lines()
                .find_map(|l| l.strip_prefix(&format!("timing: views: {v}: streamed in "))?.split(' ').next()?.parse().ok())
                .unwrap_or_else(|| panic!("{v} was not streamed: {stderr}"));
            match part_rows {
                None => assert_eq!(parts, 1, "{v}"),
                Some(_) => assert!(parts > 5, "{v}: {parts} parts of 700 rows"),
            }
        }
        let read = |v: &str| std::fs::read(out.path().join(format!("{v}.{format}"))).unwrap();
        (read("exceptions"), read("intervals"))
    };
    for format in ["csv", "json", "ndjson"] {
        let whole = |view: &str| {
            let o = report_cmd(d, "activity", &schedule).args(["--format", format, "--view", view]).output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        };
        let (exceptions, intervals) = (whole("exceptions"), whole("intervals"));
        assert!(exceptions.len() > 50_000 && intervals.len() > 50_000, "real views: {} and {} bytes", exceptions.len(), intervals.len());
        for part_rows in [None, Some("700")] {
            let (e, i) = run(format, part_rows);
            assert!(e == exceptions, "{format}, parts of {part_rows:?} rows: exceptions differs from stdout");
            assert!(i == intervals, "{format}, parts of {part_rows:?} rows: intervals differs from stdout");
        }
    }
    // Parquet has no stdout: many parts against one.
    assert!(run("parquet", None) == run("parquet", Some("700")), "parquet views differ in parts of 700 rows");
    // The setting is read, and a bad value is refused before any work.
    let o = report_cmd(d, "activity", &schedule)
        .args(["--format", "csv", "--view", "exceptions"])
        .env("ADHERE_STREAM_PART_ROWS", "0")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ADHERE_STREAM_PART_ROWS=\"0\" must be a whole number of rows above 0"));
}
