//! JSON (an array of row objects, one per line) and NDJSON (one object per line). Field
//! names are those of SPEC §4.1; instants and dates are strings, figures are numbers.

use super::cells::{frame_cells, Cell};
use super::{Exporter, Output};
use crate::error::Result;

pub struct Json {
    /// NDJSON instead of an array.
    pub lines: bool,
}

impl Exporter for Json {
    #[allow(clippy::needless_range_loop)]
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let df = out.frame;
        let cells = frame_cells(df)?;
        let names: Vec<String> = df.get_column_names().iter().map(|n| serde_json::to_string(n.as_str()).expect("string")).collect();
        let mut buf = String::new();
        if !self.lines {
            buf.push('[');
        }
        for r in 0..df.height() {
            if !self.lines {
                buf.push_str(if r == 0 { "\n" } else { ",\n" });
            }
            buf.push('{');
            for (c, name) in names.iter().enumerate() {
                if c > 0 {
                    buf.push(',');
                }
                buf.push_str(name);
                buf.push(':');
                match &cells[c][r] {
                    Cell::Null => buf.push_str("null"),
                    Cell::Literal(s) => buf.push_str(s),
                    Cell::Text(s) => buf.push_str(&serde_json::to_string(s).expect("string")),
                }
            }
            buf.push('}');
            if self.lines {
                buf.push('\n');
            }
        }
        if !self.lines {
            buf.push_str(if df.height() == 0 { "]\n" } else { "\n]\n" });
        }
        Ok(buf.into_bytes())
    }
}
