//! Benchmarks of every stage on data from `adhere simulate` (31 days): parsing API pages into
//! the events frame, reading the fetch store, building timelines, reading schedules into
//! shifts, the adherence sweep with every view, and writing each view. The whole report is
//! measured as users run it: the `adhere report` command (the release binary cargo builds
//! for this bench) writing every view as Parquet from the API pages, from the store, and
//! from the store in three agent partitions.
//!
//! Sizes come from `ADHERE_BENCH_AGENTS` (default `100,1000`; the reference workload W1 is
//! `10000`). Data is simulated once into `target/bench-data/`. Run with
//! `cargo bench --bench engine`; see BENCHMARKS.md for the numbers and the method.

use std::path::{Path, PathBuf};
use std::time::Duration;

use adhere::activity::timeline::Timelines;
use adhere::activity::{Activity, LoadOptions};
use adhere::adherence::{self, Options, ViewName};
use adhere::report::{exporter, Format, Output};
use adhere::rules::Rules;
use adhere::schedule::{self, ReadOptions, Shifts};
use adhere::simulate::{simulate, SimConfig};
use adhere::time::MINUTE;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

// The allocator of the `adhere` binary (src/main.rs), so that the stages allocate as they do
// there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DAYS: u32 = 31;

fn sizes() -> Vec<u32> {
    std::env::var("ADHERE_BENCH_AGENTS").unwrap_or_else(|_| "100,1000".into()).split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

/// Simulated data for `agents` × 31 days, generated on first use.
pub fn data(agents: u32) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/{agents}x{DAYS}"));
    if !dir.join("schedule.csv").is_file() {
        let cfg = SimConfig { agents, days: DAYS, seed: 1, force: true, ..Default::default() };
        simulate(&cfg, &dir).expect("simulate");
    }
    // The marker is written once the store is complete (an interrupted run starts over).
    if !dir.join("store/.complete").is_file() {
        let _ = std::fs::remove_dir_all(dir.join("store"));
        adhere::simulate::store::pages_to_store(&dir.join("activity"), &dir.join("store")).expect("store");
        std::fs::write(dir.join("store/.complete"), b"").expect("marker");
    }
    dir
}

fn inputs(dir: &Path) -> (Activity, schedule::ScheduleInput, Rules) {
    let rules = Rules::load(&dir.join("rules.toml")).unwrap();
    let sched = schedule::read_files(&[dir.join("schedule.csv")], None, &ReadOptions::default()).unwrap();
    let activity = Activity::load(&[dir.join("activity")], &LoadOptions::default()).unwrap();
    (activity, sched, rules)
}

fn group<'a>(c: &'a mut Criterion, name: &str, agents: u32) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    if agents >= 10_000 {
        g.measurement_time(Duration::from_secs(60));
    }
    g
}

fn stages(c: &mut Criterion) {
    adhere::no_huge_pages();
    for agents in sizes() {
        let dir = data(agents);
        let (activity, sched, rules) = inputs(&dir);

        let mut g = group(c, "parse_pages", agents);
        g.bench_with_input(BenchmarkId::from_parameter(agents), &dir, |b, dir| {
            b.iter(|| Activity::load(&[dir.join("activity")], &LoadOptions::default()).unwrap())
        });
        g.finish();

        let mut g = group(c, "read_store", agents);
        g.bench_with_input(BenchmarkId::from_parameter(agents), &dir, |b, dir| {
            b.iter(|| Activity::load(&[dir.join("store")], &LoadOptions::default()).unwrap())
        });
        g.finish();

        let mut g = group(c, "timelines", agents);
        g.bench_function(BenchmarkId::from_parameter(agents), |b| b.iter(|| Timelines::build(&activity)));
        g.finish();

        let mut g = group(c, "schedule_to_shifts", agents);
        g.bench_with_input(BenchmarkId::from_parameter(agents), &dir, |b, dir| {
            b.iter(|| {
                let s = schedule::read_files(&[dir.join("schedule.csv")], None, &ReadOptions::default()).unwrap();
                let rr = adherence::row_rules(&s.rows, &rules).unwrap();
                Shifts::build(&s.rows, &rr, 60 * MINUTE)
            })
        });
        g.finish();

        let mut g = group(c, "sweep_all_views", agents);
        g.bench_function(BenchmarkId::from_parameter(agents), |b| {
            b.iter(|| adherence::compute(&activity, &sched.rows, &rules, &Options::default()).unwrap())
        });
        g.finish();

        let report = adherence::compute(&activity, &sched.rows, &rules, &Options::default()).unwrap();
        for view in ViewName::ALL {
            let mut g = group(c, &format!("write_json_{}", view.name()), agents);
            g.bench_function(BenchmarkId::from_parameter(agents), |b| {
                b.iter(|| {
                    exporter(Format::Json).unwrap().serialize(&Output { view, frame: report.view(view), report: Some(&report) }).unwrap()
                })
            });
            g.finish();
        }

        // The whole report, as users run it: `adhere report` writing every view as Parquet.
        let out = tempfile::tempdir().unwrap();
        for (name, activity_dir, extra) in [
            ("full_report_every_view", "activity", &[][..]),
            ("full_report_store_every_view", "store", &["--partitions", "1"][..]),
            ("full_report_store_partitions_3", "store", &["--partitions", "3"][..]),
        ] {
            let mut g = group(c, name, agents);
            g.bench_with_input(BenchmarkId::from_parameter(agents), &dir, |b, dir| {
                b.iter(|| {
                    let run = std::process::Command::new(env!("CARGO_BIN_EXE_adhere"))
                        .arg("report")
                        .arg("--activity")
                        .arg(dir.join(activity_dir))
                        .arg("--schedule")
                        .arg(dir.join("schedule.csv"))
                        .arg("--rules")
                        .arg(dir.join("rules.toml"))
                        .args(["--format", "parquet", "--out"])
                        .arg(format!("{}/", out.path().display()))
                        .args(extra)
                        .stdout(std::process::Stdio::null())
                        .output()
                        .unwrap();
                    assert!(run.status.success(), "{name}: adhere report failed: {}", String::from_utf8_lossy(&run.stderr));
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
