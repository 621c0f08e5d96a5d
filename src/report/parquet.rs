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
//! `Utf8View`), so pyarrow before 15 and other older Arrow readers open the files too. The
//! file is written by [`ParquetSink`] from Polars' Parquet parts, a row group at a time.

use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_parquet::parquet::error::{ParquetError, ParquetResult};
use polars_parquet::write::{
    array_to_columns, fallible_streaming_iterator, get_dtype_encoding, to_parquet_schema, CompressedPage, CompressionOptions, Compressor,
    DynIter, DynStreamingIterator, Encoding, FileWriter, ParquetType, StatisticsOptions, Version, WriteOptions,
};

use super::{Exporter, Output};
use crate::activity::records::StringPool;
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

/// Rows per row group, fixed: a view written in agent partitions (its parts pushed one after
/// the other) is then cut into the same row groups as the same view written whole, and the
/// two files are the same bytes.
const ROW_GROUP_ROWS: usize = 128 * 1024;

fn write_options() -> WriteOptions {
    WriteOptions {
        statistics: StatisticsOptions::default(),
        version: Version::V1,
        compression: CompressionOptions::Snappy,
        data_page_size: None,
    }
}

/// A Parquet file written a row group at a time, from frames pushed in order (a whole view,
/// or a view's agent partitions one after the other).
///
/// This is the writer Polars' Parquet sink is made of (its file writer, page encoders and
/// compressor, the same options), with one difference: a text column goes to the encoder as
/// a dictionary array made here, instead of as a copy of the column in the old Arrow string
/// layout that the encoder then estimates the cardinality of and hashes, string by string,
/// into a dictionary. A view's text column is a few distinct values taken over and over (an
/// agent's name on each of their intervals), so its 16-byte views repeat: the dictionary is
/// found by looking up each view as a number (mostly the same as the row before), and then
/// each distinct view's text once. The pages are the same bytes either way: the dictionary
/// holds the row group's values in order of first appearance, as Polars' own does, and a
/// column with many distinct values (over half the rows) is left to Polars to decide on.
pub struct ParquetSink<W: std::io::Write> {
    file: FileWriter<W>,
    types: Vec<ParquetType>,
    encodings: Vec<Vec<Encoding>>,
    fields: Vec<ArrowField>,
    pending: Option<DataFrame>,
    options: WriteOptions,
    /// The columns every frame pushed has (as written).
    schema: SchemaRef,
}

impl<W: std::io::Write> ParquetSink<W> {
    /// A file for frames of `schema` (a view's columns as the view has them).
    pub fn new(w: W, schema: &Schema) -> Result<ParquetSink<W>> {
        let written = parquet_frame(&DataFrame::empty_with_schema(schema))?;
        // The oldest Arrow types (`LargeUtf8`, not `Utf8View`) in the schema embedded in the
        // file, for older Arrow readers (the module documentation).
        let arrow = polars::io::schema_to_arrow_checked(written.schema(), CompatLevel::oldest(), "parquet")?;
        let parquet_schema = to_parquet_schema(&arrow)?;
        let types = parquet_schema.fields().to_vec();
        let encodings = arrow.iter_values().map(|f| get_dtype_encoding(&f.dtype)).collect();
        let fields = arrow.iter_values().cloned().collect();
        let options = write_options();
        Ok(ParquetSink {
            file: FileWriter::new_with_parquet_schema(w, arrow, parquet_schema, options),
            types,
            encodings,
            fields,
            pending: None,
            options,
            schema: written.schema().clone(),
        })
    }

    /// Appends rows; every full row group is written.
    pub fn push(&mut self, df: &DataFrame) -> Result<()> {
        let df = parquet_frame(df)?;
        if df.schema() != &self.schema {
            return Err(crate::Error::internal(format!(
                "a part of a Parquet view has other columns than the view ({:?}, not {:?})",
                df.get_column_names(),
                self.schema.iter_names().collect::<Vec<_>>()
            )));
        }
        let pending = match self.pending.take() {
            None => df,
            Some(mut p) => {
                p.vstack_mut_owned(df)?;
                p
            }
        };
        let mut at = 0;
        while pending.height() - at >= ROW_GROUP_ROWS {
            self.write_group(&pending.slice(at as i64, ROW_GROUP_ROWS))?;
            at += ROW_GROUP_ROWS;
        }
        // The rows left for the next row group, copied: a slice would keep the whole part's
        // columns in memory until the next part comes. They are in one chunk (the rows
        // pending before this part were fewer than a row group, so the first group written
        // took them all); a gather from one chunk copies the numbers and keeps each text's
        // view over the same, small, dictionary buffers.
        let rest = pending.height() - at;
        self.pending = Some(if at == 0 {
            pending
        } else {
            let mut tail = pending.slice(at as i64, rest);
            tail.rechunk_mut();
            let rows: Vec<IdxSize> = (0..rest as IdxSize).collect();
            tail.take(&IdxCa::from_vec("rows".into(), rows))?
        });
        debug_assert_eq!(self.pending.as_ref().map(DataFrame::height), Some(rest));
        Ok(())
    }

    /// Writes the last rows and the footer; gives back the writer.
    pub fn finish(mut self) -> Result<W> {
        if let Some(p) = self.pending.take().filter(|p| p.height() > 0) {
            self.write_group(&p)?;
        }
        self.file.end(None)?;
        Ok(self.file.into_inner())
    }

    /// One row group: the columns encoded and compressed side by side.
    fn write_group(&mut self, df: &DataFrame) -> Result<()> {
        use rayon::prelude::*;
        let options = self.options;
        let columns: Vec<Vec<CompressedPage>> = df
            .columns()
            .par_iter()
            .zip(&self.types)
            .zip(&self.encodings)
            .zip(&self.fields)
            .map(|(((c, type_), encodings), field)| -> Result<Vec<CompressedPage>> {
                let series = c.as_materialized_series().rechunk();
                let dictionary = match series.dtype() {
                    DataType::String => series.str()?.downcast_iter().next().and_then(text_dictionary),
                    _ => None,
                };
                let (array, encodings): (Box<dyn Array>, &[Encoding]) = match dictionary {
                    Some(d) => (Box::new(d), &[Encoding::RleDictionary]),
                    None => (series.to_arrow_with_field(0, std::borrow::Cow::Borrowed(field), true)?, encodings),
                };
                let mut pages = Vec::new();
                for encoded in array_to_columns(array, type_.clone(), options, encodings)? {
                    let compressed = Compressor::new_from_vec(
                        encoded.map(|page| page.map_err(|e| ParquetError::FeatureNotSupported(e.to_string()))),
                        options.compression,
                        vec![],
                    );
                    pages.extend(compressed.collect::<ParquetResult<Vec<CompressedPage>>>().map_err(PolarsError::from)?);
                }
                Ok(pages)
            })
            .collect::<Result<_>>()?;
        let row_group = DynIter::new(
            columns
                .iter()
                .map(|pages| Ok(DynStreamingIterator::new(fallible_streaming_iterator::convert(pages.iter().map(PolarsResult::Ok))))),
        );
        self.file.write(df.height() as u64, row_group)?;
        Ok(())
    }
}

/// The dictionary array of a text column: the distinct values in order of first appearance,
/// and each row's key (a null row keeps its null). None when over half the rows are
/// distinct values (Polars then decides, as it would for any text column: its threshold is
/// three quarters of an estimate).
fn text_dictionary(arr: &Utf8ViewArray) -> Option<DictionaryArray<u32>> {
    let n = arr.len();
    let limit = if n > 128 { n / 2 } else { n };
    // A pool of this row group's own: its codes are the keys, in order of first appearance.
    let mut pool = StringPool::default();
    let mut keys: Vec<u32> = Vec::with_capacity(n);
    if !pool.intern_views_into(arr, 0, limit, &mut keys) {
        return None;
    }
    let mut values = MutableBinaryViewArray::<str>::with_capacity(pool.len());
    (0..pool.len() as u32).for_each(|c| values.push_value(pool.get(c)));
    let keys = PrimitiveArray::<u32>::new(ArrowDataType::UInt32, keys.into(), arr.validity().cloned());
    let values: Utf8ViewArray = values.freeze();
    DictionaryArray::try_new(ArrowDataType::Dictionary(IntegerType::UInt32, Box::new(ArrowDataType::Utf8View), false), keys, values.boxed())
        .ok()
}

impl Parquet {
    /// Writes a frame as a Parquet file to `w`.
    pub fn write<W: std::io::Write>(frame: &DataFrame, w: W) -> Result<W> {
        let mut sink = ParquetSink::new(w, frame.schema())?;
        sink.push(frame)?;
        sink.finish()
    }

    /// Writes a frame as a Parquet file at `path` (not atomically: for private files).
    pub fn write_file(frame: &DataFrame, path: &std::path::Path) -> Result<()> {
        let f = std::fs::File::create(path).map_err(|e| crate::Error::io(path, e))?;
        let w = Parquet::write(frame, std::io::BufWriter::with_capacity(1 << 20, f))?;
        w.into_inner().map_err(|e| crate::Error::io(path, e.into_error()))?;
        Ok(())
    }

    /// The Parquet file of a frame, as bytes.
    pub fn bytes(frame: &DataFrame) -> Result<Vec<u8>> {
        Parquet::write(frame, Vec::new())
    }
}

impl Exporter for Parquet {
    fn serialize(&self, out: &Output) -> Result<Vec<u8>> {
        Parquet::bytes(out.frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file Polars' own Parquet sink writes for `df` with the same options (what the
    /// views were written with before [`ParquetSink`]).
    fn polars_sink_bytes(df: &DataFrame) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("polars.parquet");
        let options = ParquetWriteOptions {
            compression: ParquetCompression::Snappy,
            compat_level: Some(CompatLevel::oldest()),
            row_group_size: Some(ROW_GROUP_ROWS),
            ..Default::default()
        };
        let target = SinkTarget::Path(PlRefPath::new(path.to_string_lossy().as_ref()));
        parquet_frame(df)
            .unwrap()
            .lazy()
            .sink(SinkDestination::File { target }, FileWriteFormat::Parquet(std::sync::Arc::new(options)), UnifiedSinkArgs::default())
            .unwrap()
            .collect()
            .unwrap();
        std::fs::read(&path).unwrap()
    }

    /// 300,000 rows (three row groups, the last one short) with every kind of view column:
    /// repeated text with nulls, text that is null throughout, text with long values whose
    /// equal copies sit at different places (two chunks with their own buffers), text with
    /// distinct values for a third of its rows, text with every row distinct, instants,
    /// dates, unsigned counts, floats with nulls, flags.
    fn frame() -> DataFrame {
        let n = 300_000usize;
        let names = ["Ada Lovelace (team north, early shift)", "Grace Hopper", "Alan Turing (team south)", "x"];
        let agent: Vec<Option<&str>> = (0..n).map(|i| if i % 97 == 0 { None } else { Some(names[(i / 1000) % 4]) }).collect();
        let half = Series::new("long".into(), &agent[..n / 2]);
        let mut long = Series::new("long".into(), &agent[n / 2..]);
        long = {
            let mut first = half.clone();
            first.append(&long).unwrap();
            first
        };
        assert_eq!(long.n_chunks(), 2);
        let unique: Vec<String> = (0..n).map(|i| format!("row {}", i / 3)).collect();
        let distinct: Vec<String> = (0..n).map(|i| format!("id {i}")).collect();
        let day = Series::new("date".into(), (0..n).map(|i| 19_700 + (i / 5000) as i32).collect::<Vec<_>>()).cast(&DataType::Date).unwrap();
        let at = Series::new("start".into(), (0..n).map(|i| 1_709_510_400_000i64 + i as i64 * 900_000).collect::<Vec<_>>())
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap();
        DataFrame::new(
            n,
            vec![
                Column::new("agent".into(), agent.clone()),
                Column::new("none".into(), vec![None::<&str>; n]).cast(&DataType::String).unwrap(),
                long.into_column(),
                Column::new("unique".into(), unique),
                Column::new("distinct".into(), distinct),
                day.into_column(),
                at.into_column(),
                Column::new("count".into(), (0..n).map(|i| (i % 7) as u32).collect::<Vec<_>>()),
                Column::new("pct".into(), (0..n).map(|i| (i % 11 != 0).then_some((i % 400) as f64 / 4.0)).collect::<Vec<_>>()),
                Column::new("flag".into(), (0..n).map(|i| (i % 13 != 0).then_some(i % 2 == 0)).collect::<Vec<_>>()),
            ],
        )
        .unwrap()
    }

    #[test]
    fn the_same_bytes_as_polars_own_sink() {
        let df = frame();
        assert_eq!(Parquet::bytes(&df).unwrap(), polars_sink_bytes(&df));
        // Small frames (every text column a dictionary, whatever its cardinality) and none.
        let small = df.slice(0, 100);
        assert_eq!(Parquet::bytes(&small).unwrap(), polars_sink_bytes(&small));
        // A few rows whose text has a validity mask without nulls (a page of 8 rows or fewer
        // writes its definition levels bit-packed when there is a mask).
        let mut few = df.slice(1, 5);
        let text = Utf8ViewArray::from_slice([Some("a"), Some("b"), Some("a"), Some("c"), Some("a")])
            .with_validity(Some(polars_arrow::bitmap::Bitmap::new_with_value(true, 5)));
        few.with_column(StringChunked::with_chunk("agent".into(), text).into_column()).unwrap();
        assert!(few.column("agent").unwrap().as_materialized_series().chunks()[0].validity().is_some());
        assert_eq!(Parquet::bytes(&few).unwrap(), polars_sink_bytes(&few));
        let empty = df.slice(0, 0);
        let bytes = Parquet::bytes(&empty).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(bytes)).finish().unwrap();
        assert_eq!(back.height(), 0);
        assert_eq!(back.get_column_names(), df.get_column_names());
    }

    #[test]
    fn parts_pushed_one_after_the_other_are_the_whole_file() {
        let df = frame();
        let mut sink = ParquetSink::new(Vec::new(), df.schema()).unwrap();
        for (offset, len) in [(0, 70_000), (70_000, 0), (70_000, 131_072), (201_072, 98_928)] {
            sink.push(&df.slice(offset, len)).unwrap();
        }
        assert_eq!(sink.finish().unwrap(), Parquet::bytes(&df).unwrap());
        // A part with other columns is refused, not written under the view's types.
        let mut sink = ParquetSink::new(Vec::new(), df.schema()).unwrap();
        let other = df.select(["pct", "agent"]).unwrap();
        assert!(sink.push(&other).is_err());
    }

    #[test]
    fn a_text_dictionary_has_each_text_once_in_order_of_first_appearance() {
        // "bbbbbbbbbbbbbbbbb" twice at two places of the buffers (two arrays appended): one
        // entry; nulls keep their null.
        let a = Utf8ViewArray::from_slice([Some("bbbbbbbbbbbbbbbbb"), None, Some("a")]);
        let b = Utf8ViewArray::from_slice([Some("a"), Some("bbbbbbbbbbbbbbbbb")]);
        let mut s = StringChunked::with_chunk("t".into(), a);
        s.append(&StringChunked::with_chunk("t".into(), b)).unwrap();
        let s = s.rechunk();
        let d = text_dictionary(s.downcast_iter().next().unwrap()).unwrap();
        let values = d.values().as_any().downcast_ref::<Utf8ViewArray>().unwrap();
        assert_eq!(values.iter().collect::<Vec<_>>(), vec![Some("bbbbbbbbbbbbbbbbb"), Some("a")]);
        assert_eq!(d.keys().iter().map(|k| k.copied()).collect::<Vec<_>>(), vec![Some(0), None, Some(1), Some(1), Some(0)]);
    }
}
