//! JSON (an array of row objects, one per line) and NDJSON (one object per line). Field
//! names are those of SPEC §4.1; instants and dates are strings, figures are numbers.

use std::io::Write;

use super::cells::{frame_text, write_rows_parallel};
use super::{Exporter, Output};
use crate::error::{Error, Result};

pub struct Json {
    /// NDJSON instead of an array.
    pub lines: bool,
}

impl Exporter for Json {
    fn write_to(&self, out: &Output, w: &mut dyn Write) -> Result<()> {
        let df = out.frame;
        let err = |e| Error::io("output", e);
        if !self.lines {
            w.write_all(b"[").map_err(err)?;
        }
        self.write_rows(df, w, true)?;
        if !self.lines {
            w.write_all(if df.height() == 0 { b"]\n" } else { b"\n]\n" }).map_err(err)?;
        }
        Ok(())
    }
}

impl Json {
    /// The rows of `df` alone (for a view written a part at a time): in an array, each row
    /// after the first of the whole array (`first` says whether none came before) is
    /// preceded by a comma.
    pub fn write_rows(&self, df: &polars::prelude::DataFrame, w: &mut dyn Write, first: bool) -> Result<()> {
        let cols = frame_text(df)?;
        let names: Vec<String> = df.get_column_names().iter().map(|n| serde_json::to_string(n.as_str()).expect("string")).collect();
        write_rows_parallel(df.height(), w, |rows| {
            let mut buf = String::with_capacity(rows.len() * 64 * names.len());
            let mut cell = String::new();
            for r in rows {
                if !self.lines {
                    buf.push_str(if r == 0 && first { "\n" } else { ",\n" });
                }
                buf.push('{');
                for (c, name) in names.iter().enumerate() {
                    if c > 0 {
                        buf.push(',');
                    }
                    buf.push_str(name);
                    buf.push(':');
                    cell.clear();
                    match cols[c].write(r, &mut cell) {
                        None => buf.push_str("null"),
                        Some(false) => buf.push_str(&cell),
                        Some(true) => write_json_string(&mut buf, &cell),
                    }
                }
                buf.push('}');
                if self.lines {
                    buf.push('\n');
                }
            }
            Ok(buf.into_bytes())
        })
    }
}

/// Appends `s` as a JSON string literal.
fn write_json_string(buf: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push('"');
        buf.push_str(s);
        buf.push('"');
    } else {
        buf.push_str(&serde_json::to_string(s).expect("string"));
    }
}
