//! Apache Parquet, typed for pandas, DuckDB and BI tools:
//!
//! | view values | Parquet type |
//! |---|---|
//! | instants (`shift_start`, `start`, `first_login`, …) | `TIMESTAMP(MILLIS, isAdjustedToUTC = true)`: timestamp with time zone UTC |
//! | dates (`shift_date`, `date`) | `DATE` |
//! | seconds and percentages | `DOUBLE` (seconds as a number, not an interval type, as in every other format) |
//! | counts and `agent_id` | `INT64` (signed: some BI tools cannot read unsigned integers) |
//! | text | `STRING` (UTF-8) |
//! | flags (`is_late`, `no_show`, …) | `BOOLEAN` |
//!
//! Nulls stay nulls; values are those of the JSON view (the tests read every view back and
//! compare). Snappy compression: every Parquet reader has it, and it costs about a third of
//! Zstandard's CPU time for files about 1.5 times as large (BENCHMARKS.md). The Arrow
//! schema Polars embeds in the file uses the oldest Arrow types (`LargeUtf8` for text, not
//! `Utf8View`), so pyarrow before 15 and other older Arrow readers open the files too; that
//! takes Polars' sink, which writes to a path, so the file is written to a private temporary
//! directory and read back.

use polars::prelude::*;

use super::{Exporter, Output};
use crate::error::Result;

pub struct Parquet;

/// The frame as written: unsigned integers widened to signed 64-bit, instants in
/// milliseconds with the UTC zone, everything else as is.
pub fn parquet_frame(df: &DataFrame) -> Result<DataFrame> {
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    let columns = df
        .columns()
        .iter()
        .map(|c| match c.dtype() {
            dt if dt.is_unsigned_integer() => c.cast(&DataType::Int64),
            DataType::Datetime(_, _) => c.cast(&utc),
            _ => Ok(c.clone()),
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    Ok(DataFrame::new(df.height(), columns)?)
}

/// Rows per row group, fixed: the sink otherwise cuts row groups where its input chunks end,
/// and a view written in agent partitions (read back from its parts) would then differ in
/// layout from the same view written whole.
const ROW_GROUP_ROWS: usize = 128 * 1024;

fn options() -> ParquetWriteOptions {
    ParquetWriteOptions {
        compression: ParquetCompression::Snappy,
        compat_level: Some(CompatLevel::oldest()),
        row_group_size: Some(ROW_GROUP_ROWS),
        ..Default::default()
    }
}

fn sink_to(lf: LazyFrame, path: &std::path::Path) -> Result<()> {
    let target = SinkTarget::Path(PlRefPath::new(path.to_string_lossy().as_ref()));
    lf.sink(SinkDestination::File { target }, FileWriteFormat::Parquet(std::sync::Arc::new(options())), UnifiedSinkArgs::default())?
        .collect()?;
    Ok(())
}

impl Parquet {
    /// Writes a frame as a Parquet file at `path` (not atomically: for private files).
    pub fn write_file(frame: &DataFrame, path: &std::path::Path) -> Result<()> {
        sink_to(parquet_frame(frame)?.lazy(), path)
    }

    /// The Parquet file of a frame, as bytes.
    pub fn bytes(frame: &DataFrame) -> Result<Vec<u8>> {
        let dir = tempfile::tempdir().map_err(|e| crate::Error::io("temporary directory", e))?;
        let path = dir.path().join("view.parquet");
        Parquet::write_file(frame, &path)?;
        std::fs::read(&path).map_err(|e| crate::Error::io(&path, e))
    }

    /// Streams Parquet files (of one schema) into one file at `out`, in order.
    pub fn concat(parts: &[std::path::PathBuf], out: &std::path::Path) -> Result<()> {
        let sources: Vec<PlRefPath> = parts.iter().map(|p| PlRefPath::new(p.to_string_lossy().as_ref())).collect();
        let lf = LazyFrame::scan_parquet_files(sources.into(), ScanArgsParquet::default())?;
        sink_to(lf, out)
    }
}

impl Exporter for Parquet {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        Parquet::bytes(out.frame)
    }
}
