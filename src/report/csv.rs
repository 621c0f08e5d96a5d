//! CSV: a header of field names, one line per row; nulls are empty cells.

use super::cells::{frame_cells, Cell};
use super::{Exporter, Output};
use crate::error::{Error, Result};

pub struct Csv;

impl Exporter for Csv {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let df = out.frame;
        let cells = frame_cells(df)?;
        let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
        let err = |e: ::csv::Error| Error::Api(format!("writing CSV: {e}"));
        w.write_record(df.get_column_names().iter().map(|n| n.as_str())).map_err(err)?;
        for r in 0..df.height() {
            w.write_record(cells.iter().map(|c| match &c[r] {
                Cell::Null => "",
                Cell::Text(s) | Cell::Literal(s) => s.as_str(),
            }))
            .map_err(err)?;
        }
        w.into_inner().map_err(|e| Error::Api(format!("writing CSV: {e}")))
    }
}
