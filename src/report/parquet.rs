//! Apache Parquet, with the frame's types: instants as timestamps (milliseconds, UTC), dates
//! as dates, seconds and percentages as doubles, ids as 64-bit integers.

use polars::prelude::*;

use super::{Exporter, Output};
use crate::error::Result;

pub struct Parquet;

impl Exporter for Parquet {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        let mut df = out.frame.clone();
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).with_compression(ParquetCompression::Zstd(None)).finish(&mut df)?;
        Ok(buf)
    }
}
