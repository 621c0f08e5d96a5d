//! CSV: a header of field names, one line per row; nulls are empty cells.

use std::io::Write;

use super::cells::frame_text;
use super::{Exporter, Output};
use crate::error::{Error, Result};

pub struct Csv;

impl Exporter for Csv {
    fn write_to(&self, out: &Output, w: &mut dyn Write) -> Result<()> {
        let df = out.frame;
        let cols = frame_text(df)?;
        let mut wr = ::csv::WriterBuilder::new().from_writer(w);
        let err = |e: ::csv::Error| Error::Api(format!("writing CSV: {e}"));
        wr.write_record(df.get_column_names().iter().map(|n| n.as_str())).map_err(err)?;
        let mut cells: Vec<String> = vec![String::new(); cols.len()];
        for r in 0..df.height() {
            for (c, col) in cols.iter().enumerate() {
                cells[c].clear();
                col.write(r, &mut cells[c]);
            }
            wr.write_record(&cells).map_err(err)?;
        }
        wr.flush().map_err(|e| Error::io("output", e))
    }
}
