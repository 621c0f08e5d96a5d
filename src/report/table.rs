//! A terminal table for people: percentages rounded to one decimal for display (the data
//! formats keep them unrounded).

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement};

use super::cells::{frame_cells, Cell};
use super::{Exporter, Output};
use crate::error::Result;

pub struct Table;

impl Exporter for Table {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let df = out.frame;
        let cells = frame_cells(df)?;
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        let mut t = comfy_table::Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(names.iter().map(|n| n.to_string()));
        for r in 0..df.height() {
            let row: Vec<comfy_table::Cell> = cells
                .iter()
                .zip(&names)
                .map(|(c, name)| match &c[r] {
                    Cell::Null => comfy_table::Cell::new(""),
                    Cell::Text(s) => comfy_table::Cell::new(s),
                    Cell::Literal(s) => {
                        let shown = if name.ends_with("_pct") {
                            s.parse::<f64>().map(|x| format!("{x:.1}")).unwrap_or_else(|_| s.clone())
                        } else {
                            s.clone()
                        };
                        comfy_table::Cell::new(shown).set_alignment(CellAlignment::Right)
                    }
                })
                .collect();
            t.add_row(row);
        }
        let mut s = t.to_string();
        s.push('\n');
        if df.height() == 0 {
            s.push_str("(no rows)\n");
        }
        Ok(s.into_bytes())
    }
}
