//! CSV: a header of field names, one line per row; nulls are empty cells.

use std::io::Write;

use polars::prelude::DataFrame;

use super::cells::{frame_text, write_rows_parallel};
use super::{Exporter, Output};
use crate::error::{Error, Result};

pub struct Csv;

impl Exporter for Csv {
    fn write_to(&self, out: &Output, w: &mut dyn Write) -> Result<()> {
        Csv::write_header(out.frame, w)?;
        Csv::write_rows(out.frame, w)
    }
}

impl Csv {
    /// The header line: the field names.
    pub fn write_header(df: &DataFrame, w: &mut dyn Write) -> Result<()> {
        let err = |e: ::csv::Error| Error::Api(format!("writing CSV: {e}"));
        let mut header = ::csv::WriterBuilder::new().from_writer(Vec::new());
        header.write_record(df.get_column_names().iter().map(|n| n.as_str())).map_err(err)?;
        w.write_all(&header.into_inner().map_err(|e| Error::Api(format!("writing CSV: {e}")))?).map_err(|e| Error::io("output", e))
    }

    /// The rows alone (a view may be written a part at a time).
    pub fn write_rows(df: &DataFrame, w: &mut dyn Write) -> Result<()> {
        let cols = frame_text(df)?;
        let err = |e: ::csv::Error| Error::Api(format!("writing CSV: {e}"));
        write_rows_parallel(df.height(), w, |rows| {
            let mut wr = ::csv::WriterBuilder::new().has_headers(false).from_writer(Vec::with_capacity(rows.len() * 128));
            let mut cells: Vec<String> = vec![String::new(); cols.len()];
            for r in rows {
                for (c, col) in cols.iter().enumerate() {
                    cells[c].clear();
                    col.write(r, &mut cells[c]);
                }
                wr.write_record(&cells).map_err(err)?;
            }
            wr.into_inner().map_err(|e| Error::Api(format!("writing CSV: {e}")))
        })
    }
}
