//! Reading a view's columns back as plain Rust values, for the formats that lay a report
//! out themselves (Markdown, HTML, the summary). A column that is missing or of another
//! type reads as all nulls, so a document never fails on a view it only decorates with.

use polars::prelude::*;

use crate::time::Ms;

fn series(df: &DataFrame, name: &str) -> Option<Series> {
    df.column(name).ok().map(|c| c.as_materialized_series().clone())
}

/// A text column.
pub fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    series(df, name)
        .and_then(|s| s.cast(&DataType::String).ok())
        .and_then(|s| s.str().ok().map(|c| c.iter().map(|v| v.map(str::to_string)).collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// A numeric column as doubles.
pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    series(df, name)
        .and_then(|s| s.cast(&DataType::Float64).ok())
        .and_then(|s| s.f64().ok().map(|c| c.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// An integer column (counts, ids).
pub fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    series(df, name)
        .and_then(|s| s.cast(&DataType::Int64).ok())
        .and_then(|s| s.i64().ok().map(|c| c.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// An instant column (milliseconds since the epoch).
pub fn instants(df: &DataFrame, name: &str) -> Vec<Option<Ms>> {
    series(df, name)
        .filter(|s| matches!(s.dtype(), DataType::Datetime(TimeUnit::Milliseconds, _)))
        .map(|s| s.to_physical_repr().into_owned())
        .and_then(|s| s.i64().ok().map(|c| c.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// A date column (days since 1970-01-01).
pub fn dates(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    series(df, name)
        .filter(|s| matches!(s.dtype(), DataType::Date))
        .map(|s| s.to_physical_repr().into_owned())
        .and_then(|s| s.i32().ok().map(|c| c.iter().map(|v| v.map(i64::from)).collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}
