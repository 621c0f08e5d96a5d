//! Parquet round trips: every view written by the exporter and read back with Polars has the
//! documented types (timestamps in UTC, dates, doubles, signed 64-bit counts, text, flags)
//! and exactly the JSON view's values.

mod common;

use std::io::Cursor;

use adhere::adherence::{Options, Report, ViewName};
use adhere::report::{exporter, Format, Output};
use common::scenario;
use polars::prelude::*;
use serde_json::Value;

fn write(report: &Report, view: ViewName) -> Vec<u8> {
    exporter(Format::Parquet).unwrap().serialize(&Output { view, frame: report.view(view), report: Some(report) }).unwrap()
}

fn json_of(df: &DataFrame, report: &Report, view: ViewName) -> Vec<Value> {
    let bytes = exporter(Format::Json).unwrap().serialize(&Output { view, frame: df, report: Some(report) }).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The type each field must have in Parquet, by its name.
fn expected_type(name: &str) -> DataType {
    match name {
        "shift_start" | "shift_end" | "first_login" | "last_logout" | "start" | "end" | "interval_start" | "interval_end" => {
            DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
        }
        "shift_date" | "date" => DataType::Date,
        "is_late" | "is_early_logout" | "no_show" => DataType::Boolean,
        "agent_id"
        | "shifts"
        | "agents"
        | "entries"
        | "exception_count"
        | "late_count"
        | "early_logout_count"
        | "no_show_count"
        | "closed_conversations" => DataType::Int64,
        n if n.ends_with("_seconds")
            || n.ends_with("_pct")
            || n == "seconds"
            || n == "conversations_per_online_hour"
            || n.starts_with("away:") =>
        {
            DataType::Float64
        }
        _ => DataType::String,
    }
}

fn round_trip(report: &Report) -> usize {
    let mut typed = 0;
    for view in ViewName::ALL {
        let bytes = write(report, view);
        assert_eq!(&bytes[..4], b"PAR1", "{view:?}");
        let back = ParquetReader::new(Cursor::new(bytes)).finish().unwrap();
        let original = report.view(view);
        assert_eq!(back.get_column_names(), original.get_column_names(), "{view:?}");
        assert_eq!(back.height(), original.height(), "{view:?}");
        for c in back.columns() {
            assert_eq!(c.dtype(), &expected_type(c.name()), "{view:?}.{}", c.name());
            typed += 1;
        }
        assert_eq!(json_of(&back, report, view), json_of(original, report, view), "{view:?} values");
    }
    typed
}

#[test]
fn every_view_round_trips_with_its_types_and_values() {
    let (pages, csv) = scenario::small();
    let report = common::run(&pages, &csv, None, Options::default());
    assert!(report.shifts.height() > 0 && report.exceptions.height() > 0 && report.states.height() > 0);
    // 6 views' columns are all checked.
    assert!(round_trip(&report) > 80);
}

#[test]
fn a_larger_random_report_round_trips() {
    let (pages, csv) = scenario::random(11, 8, 4);
    let report = common::run(&pages, &csv, None, Options::default());
    round_trip(&report);
    // Nulls survive: unknown-at-R shifts have null late_seconds, unmatched agents null ids.
    let shifts = report.view(ViewName::Shifts);
    let back = ParquetReader::new(Cursor::new(write(&report, ViewName::Shifts))).finish().unwrap();
    for name in ["agent_id", "late_seconds", "first_login"] {
        assert_eq!(back.column(name).unwrap().null_count(), shifts.column(name).unwrap().null_count(), "{name}");
    }
    assert!(back.column("agent_id").unwrap().null_count() > 0, "the unmatched agent");
}

#[test]
fn timestamps_are_marked_as_utc_in_the_file_itself() {
    // Readers that ignore the Arrow schema Polars embeds (DuckDB, Spark, BI tools) see the
    // Parquet logical type: TIMESTAMP(MILLIS) with isAdjustedToUTC = true.
    let (pages, csv) = scenario::small();
    let report = common::run(&pages, &csv, None, Options::default());
    let bytes = write(&report, ViewName::Shifts);
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let meta = reader.get_metadata().unwrap().clone();
    let text = format!("{:?}", meta.schema());
    let start = text.find("\"shift_start\"").expect("shift_start in the schema");
    let field = &text[start..start + text[start..].find("\"shift_end\"").unwrap()];
    assert!(field.contains("is_adjusted_to_utc: true") && field.contains("Milliseconds"), "{field}");
    let date = &text[text.find("\"shift_date\"").unwrap()..start];
    assert!(date.contains("Date"), "{date}");
}
