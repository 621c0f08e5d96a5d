//! Test helpers: build small activity pages and schedules as text, run the real readers and
//! engine on them, and read the views back as JSON values.
#![allow(dead_code)]

pub mod scenario;

use std::collections::HashMap;
use std::path::PathBuf;

use adhere::activity::{Activity, LoadOptions};
use adhere::adherence::{self, Options, Report, ViewName};
use adhere::report::{exporter, Format, Output};
use adhere::rules::Rules;
use adhere::schedule::{self, ReadOptions};
use serde_json::Value;

/// One status change: (agentId, RFC 3339 time, what) where what is `login`, `logout`,
/// `online`, `occupied`, `offline`, `away` or `away:<reason>`.
pub type Ev<'a> = (i64, &'a str, &'a str);

/// A v2 page with a timeframe `[from, to)` holding `events` (sequence numbers per agent in
/// the order given; login gets -1 and the next state 1, as the API does).
pub fn page(from: &str, to: &str, events: &[Ev]) -> String {
    let mut seq: HashMap<i64, i64> = HashMap::new();
    let recs: Vec<String> = events
        .iter()
        .map(|(agent, time, what)| {
            let (ty, sub, reason) = match *what {
                "login" => (3, 0, String::new()),
                "logout" => (4, 0, String::new()),
                "offline" => (1, 1, String::new()),
                "online" => (1, 2, String::new()),
                "occupied" => (1, 3, String::new()),
                "away" => (1, 4, String::new()),
                w => (1, 4, w.strip_prefix("away:").expect("known event").to_string()),
            };
            let s = seq.entry(*agent).or_insert(0);
            let n = if ty == 3 {
                *s = 0;
                -1
            } else {
                *s += 1;
                *s
            };
            format!(
                r#"{{"agentId":{agent},"employeeId":"E{agent}","agentLoginName":"agent{agent}@example.com","agentGroupId":7,"time":"{time}","sessionId":{session},"sequenceNumber":{n},"statusType":{ty},"statusSubType":{sub},"statusReasonId":-1,"statusReasonText":{reason}}}"#,
                session = if n <= 1 { -1 } else { 1000 + agent },
                reason = if reason.is_empty() { "null".to_string() } else { format!("{reason:?}") },
            )
        })
        .collect();
    format!(r#"{{"timeframe":{{"startTime":"{from}","endTime":"{to}"}},"stateChanges":[{}]}}"#, recs.join(",\n"))
}

/// Writes files into a fresh temp dir.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Files {
        Files { dir: tempfile::tempdir().expect("tempdir") }
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

/// Runs the engine on activity pages (one file each) and a schedule CSV.
pub fn run(pages: &[String], schedule_csv: &str, rules: Option<&str>, opts: Options) -> Report {
    try_run(pages, schedule_csv, rules, opts, ReadOptions::default()).expect("report")
}

pub fn try_run(pages: &[String], schedule_csv: &str, rules: Option<&str>, opts: Options, read: ReadOptions) -> adhere::Result<Report> {
    let f = Files::new();
    let paths: Vec<PathBuf> = pages.iter().enumerate().map(|(i, p)| f.write(&format!("page{i}.json"), p)).collect();
    let sched = f.write("schedule.csv", schedule_csv);
    let rules = match rules {
        Some(t) => Rules::from_toml(t, "rules.toml")?,
        None => Rules::default(),
    };
    let rows = schedule::read_files(&[sched], None, &read)?;
    let activity = Activity::load(&paths, &LoadOptions::default())?;
    adherence::compute(&activity, &rows.rows, &rules, &opts)
}

/// A view as JSON values (through the real JSON writer).
pub fn view(report: &Report, view: ViewName) -> Vec<Value> {
    let bytes = exporter(Format::Json).unwrap().serialize(&Output { view, frame: report.view(view), report: Some(report) }).unwrap();
    serde_json::from_slice::<Vec<Value>>(&bytes).unwrap()
}

pub fn shifts(report: &Report) -> Vec<Value> {
    view(report, ViewName::Shifts)
}

/// `x` as f64 (panics on null).
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}
