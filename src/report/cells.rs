//! Turns Polars values into text the one way every format shares: instants as RFC 3339 UTC
//! with `Z` (milliseconds only when non-zero), dates as `YYYY-MM-DD`, floats in their
//! shortest exact form (`300`, `12.345`, `97.2972972972973`), integers and booleans as is.

use polars::prelude::*;

use crate::error::Result;
use crate::time;

/// A cell's text and whether it is a JSON string (quoted) or a literal (number, bool).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Literal(String),
}

/// Appends a float in its shortest round-trip form, without a trailing `.0`.
#[inline]
pub fn write_float(buf: &mut String, x: f64) {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        buf.push_str(itoa::Buffer::new().format(x as i64));
    } else if x.is_finite() {
        let mut b = ryu::Buffer::new();
        let s = b.format_finite(x);
        buf.push_str(s.strip_suffix(".0").unwrap_or(s));
    } else {
        buf.push_str("null");
    }
}

/// Writes a float in its shortest round-trip form, without a trailing `.0`.
pub fn fmt_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let mut b = ryu_like(x);
        if b.ends_with(".0") {
            b.truncate(b.len() - 2);
        }
        b
    }
}

fn ryu_like(x: f64) -> String {
    // serde_json prints floats in the shortest form that reads back to the same value.
    serde_json::to_string(&x).unwrap_or_else(|_| "null".into())
}

/// Every cell of one column, formatted.
pub fn column_cells(c: &Column) -> Result<Vec<Cell>> {
    let s = c.as_materialized_series();
    let n = s.len();
    let out = match s.dtype() {
        DataType::String => s.str()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Text(v.to_string()))).collect(),
        DataType::Boolean => s.bool()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Literal(v.to_string()))).collect(),
        DataType::Float64 => s.f64()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Literal(fmt_float(v)))).collect(),
        DataType::Datetime(_, _) => {
            let phys = s.to_physical_repr();
            phys.i64()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Text(time::fmt_instant(v)))).collect()
        }
        DataType::Date => {
            let phys = s.to_physical_repr();
            phys.i32()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Text(time::fmt_day(v as i64)))).collect()
        }
        DataType::Null => vec![Cell::Null; n],
        dt if dt.is_integer() => {
            let v = s.cast(&DataType::Int64)?;
            v.i64()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Literal(v.to_string()))).collect()
        }
        _ => {
            let v = s.cast(&DataType::String)?;
            v.str()?.iter().map(|v| v.map_or(Cell::Null, |v| Cell::Text(v.to_string()))).collect()
        }
    };
    Ok(out)
}

/// One column, ready to format any of its cells without copying the column.
pub enum ColumnText {
    Str(StringChunked),
    Bool(BooleanChunked),
    F64(Float64Chunked),
    /// Epoch milliseconds.
    Instant(Int64Chunked),
    /// Days since 1970-01-01.
    Date(Int32Chunked),
    Int(Int64Chunked),
    Null,
}

impl ColumnText {
    pub fn new(c: &Column) -> Result<ColumnText> {
        let s = c.as_materialized_series().rechunk();
        Ok(match s.dtype() {
            DataType::String => ColumnText::Str(s.str()?.clone()),
            DataType::Boolean => ColumnText::Bool(s.bool()?.clone()),
            DataType::Float64 => ColumnText::F64(s.f64()?.clone()),
            DataType::Datetime(_, _) => ColumnText::Instant(s.to_physical_repr().i64()?.clone()),
            DataType::Date => ColumnText::Date(s.to_physical_repr().i32()?.clone()),
            DataType::Null => ColumnText::Null,
            dt if dt.is_integer() => ColumnText::Int(s.cast(&DataType::Int64)?.i64()?.clone()),
            _ => ColumnText::Str(s.cast(&DataType::String)?.str()?.clone()),
        })
    }

    /// Appends cell `i` to `buf`; returns false for null (nothing appended). `quoted` tells
    /// whether the text is a string (true) or a literal such as a number (false).
    #[inline]
    pub fn write(&self, i: usize, buf: &mut String) -> Option<bool> {
        match self {
            ColumnText::Str(c) => c.get(i).map(|v| {
                buf.push_str(v);
                true
            }),
            ColumnText::Bool(c) => c.get(i).map(|v| {
                buf.push_str(if v { "true" } else { "false" });
                false
            }),
            ColumnText::F64(c) => c.get(i).map(|v| {
                write_float(buf, v);
                false
            }),
            ColumnText::Instant(c) => c.get(i).map(|v| {
                time::write_instant(buf, v);
                true
            }),
            ColumnText::Date(c) => c.get(i).map(|v| {
                time::write_day(buf, v as i64);
                true
            }),
            ColumnText::Int(c) => c.get(i).map(|v| {
                buf.push_str(itoa::Buffer::new().format(v));
                false
            }),
            ColumnText::Null => None,
        }
    }
}

/// Every column of a frame, ready to format.
pub fn frame_text(df: &DataFrame) -> Result<Vec<ColumnText>> {
    df.columns().iter().map(ColumnText::new).collect()
}

/// Every column of a frame, formatted (column-major).
pub fn frame_cells(df: &DataFrame) -> Result<Vec<Vec<Cell>>> {
    df.columns().iter().map(column_cells).collect()
}

/// A number for serde output written the way the views write it: integers without `.0`
/// (`300`, not `300.0`), other values in their shortest exact form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl serde::Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0.is_finite() && self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

/// Formats `rows` rows in parallel chunks (each into its own buffer) and writes the chunks
/// in order: both cores format, memory holds a few chunks at a time.
pub fn write_rows_parallel(
    rows: usize,
    w: &mut dyn std::io::Write,
    format_chunk: impl Fn(std::ops::Range<usize>) -> Result<Vec<u8>> + Sync,
) -> Result<()> {
    use rayon::prelude::*;
    const CHUNK: usize = 16_384;
    let chunks: Vec<std::ops::Range<usize>> = (0..rows).step_by(CHUNK).map(|s| s..(s + CHUNK).min(rows)).collect();
    for wave in chunks.chunks(4 * rayon::current_num_threads().max(1)) {
        let bufs: Vec<Result<Vec<u8>>> = wave.par_iter().map(|r| format_chunk(r.clone())).collect();
        for b in bufs {
            w.write_all(&b?).map_err(|e| crate::error::Error::io("output", e))?;
        }
    }
    Ok(())
}
