//! Parquet files as CSV text: each leaf column of the schema becomes a column named by its path
//! (`src_endpoint.ip`, as OCSF nests it), each row a line, so that the CSV readers sniff and map
//! them as they would the same table exported as CSV. A table of plain columns (numbers,
//! text, times, and structs of them) is read a batch of columns at a time through the arrow
//! reader; one with lists or maps, or other types, row by row through the record API, which
//! writes lists and maps as JSON text. Times are written as RFC 3339 either way.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{ConvertedType, LogicalType, Repetition};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};
use parquet::schema::types::Type;

use super::csv_text::{write_csv_line, CsvLines, CsvText};

/// The magic bytes a Parquet file starts (and ends) with.
pub const MAGIC: &[u8] = b"PAR1";

/// One node of the flattened schema: a column of its own, or a group of them.
enum Node {
    /// A primitive, list or map: one column.
    Leaf,
    /// A struct: its fields' columns, in order.
    Group(Vec<Node>),
}

impl Node {
    fn of(t: &Type, prefix: &str, names: &mut Vec<String>) -> Node {
        let name = if prefix.is_empty() {
            t.name().to_owned()
        } else {
            format!("{prefix}.{}", t.name())
        };
        let info = t.get_basic_info();
        let nested = matches!(
            info.logical_type_ref(),
            Some(LogicalType::List | LogicalType::Map)
        ) || matches!(
            info.converted_type(),
            ConvertedType::LIST | ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
        ) || (info.has_repetition() && info.repetition() == Repetition::REPEATED);
        if t.is_group() && !nested {
            Node::Group(
                t.get_fields()
                    .iter()
                    .map(|f| Node::of(f, &name, names))
                    .collect(),
            )
        } else {
            names.push(name);
            Node::Leaf
        }
    }

    fn leaves(&self) -> usize {
        match self {
            Node::Leaf => 1,
            Node::Group(fields) => fields.iter().map(Node::leaves).sum(),
        }
    }
}

/// How a file's rows are read.
enum Reader {
    /// Column batches (plain columns only).
    Batches(ColumnBatches),
    /// Row by row, the schema's nodes to flatten each row by.
    Records(RowIter<'static>, Vec<Node>),
}

/// The rows of a Parquet file as CSV lines.
pub struct ParquetLines {
    reader: Reader,
    /// The file's share of each row is added to `read` as the row is read, for the progress.
    read: Arc<AtomicU64>,
    file_bytes: u64,
    total_rows: u64,
    rows_read: u64,
}

/// Rows of a Parquet file as CSV text, header first.
pub type ParquetText = CsvText<ParquetLines>;

/// Opens `path` as CSV text; the columns it names are the schema's leaf paths. As rows are
/// read, their share of the file's size is added to `read`.
pub fn open(path: &Path, read: Arc<AtomicU64>) -> io::Result<ParquetText> {
    open_as(path, read, true)
}

/// [`open`], through column batches when `columns` allows and the table has plain columns
/// only, else through the record API.
fn open_as(path: &Path, read: Arc<AtomicU64>, columns: bool) -> io::Result<ParquetText> {
    let file = File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let reader = SerializedFileReader::new(file).map_err(invalid)?;
    let total_rows = u64::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    let root = reader.metadata().file_metadata().schema().clone();
    let mut names = Vec::new();
    let schema: Vec<Node> = root
        .get_fields()
        .iter()
        .map(|f| Node::of(f, "", &mut names))
        .collect();
    let mut header = Vec::new();
    write_csv_line(&names, &mut header);
    let batches = match columns {
        true => ColumnBatches::open(path, names.len())?,
        false => None,
    };
    let reader = match batches {
        Some(batches) => Reader::Batches(batches),
        None => Reader::Records(RowIter::from_file_into(Box::new(reader)), schema),
    };
    Ok(CsvText::new(
        header,
        ParquetLines {
            reader,
            read,
            file_bytes,
            total_rows,
            rows_read: 0,
        },
    ))
}

fn invalid(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a readable Parquet file: {e}"),
    )
}

impl CsvLines for ParquetLines {
    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        let more = match &mut self.reader {
            Reader::Batches(b) => b.next_line(buf)?,
            Reader::Records(rows, schema) => {
                let Some(row) = rows.next() else {
                    return Ok(false);
                };
                let row: Row = row.map_err(invalid)?;
                let mut cells = Vec::new();
                for (node, (_, field)) in schema.iter().zip(row.get_column_iter()) {
                    cells_of(node, field, &mut cells);
                }
                write_csv_line(cells, buf);
                true
            }
        };
        if !more {
            return Ok(false);
        }
        let share = |k: u64| {
            (u128::from(self.file_bytes) * u128::from(k) / u128::from(self.total_rows.max(1)))
                as u64
        };
        self.rows_read += 1;
        let step = share(self.rows_read) - share(self.rows_read - 1);
        self.read.fetch_add(step, Ordering::Relaxed);
        Ok(true)
    }
}

/// The cells of one field under its schema node.
fn cells_of(node: &Node, field: &Field, out: &mut Vec<String>) {
    match (node, field) {
        (Node::Group(fields), Field::Group(row)) => {
            for (n, (_, f)) in fields.iter().zip(row.get_column_iter()) {
                cells_of(n, f, out);
            }
        }
        (Node::Group(_), _) => out.extend(std::iter::repeat_n(String::new(), node.leaves())),
        (Node::Leaf, f) => out.push(text_of(f)),
    }
}

/// A value as the CSV text a log export would hold.
fn text_of(f: &Field) -> String {
    let time = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
            .unwrap_or_default()
    };
    match f {
        Field::Null => String::new(),
        Field::Bool(b) => b.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => f32::from(*v).to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        Field::TimestampMillis(ms) => time(ms.saturating_mul(1000)),
        Field::TimestampMicros(us) => time(*us),
        other => match other.to_json_value() {
            serde_json::Value::String(s) => s,
            v => v.to_string(),
        },
    }
}

/// A file of plain columns read a batch at a time, each row written as the record API would
/// write it.
pub struct ColumnBatches {
    batches: ParquetRecordBatchReader,
    batch: Option<(Vec<Leaf>, usize)>,
    row: usize,
    cells: Vec<String>,
}

/// One leaf column of a batch and the rows where a struct above it is null.
struct Leaf {
    values: ArrayRef,
    nulls: Option<NullBuffer>,
}

/// Whether the arrow reader's type is one this path writes as the record API does.
fn plain(t: &DataType) -> bool {
    match t {
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::Timestamp(TimeUnit::Millisecond | TimeUnit::Microsecond, _) => true,
        DataType::Struct(fields) => fields.iter().all(|f| plain(f.data_type())),
        _ => false,
    }
}

/// The leaf columns of `array` under the struct nulls `above`, in schema order.
fn leaves(array: &ArrayRef, above: Option<&NullBuffer>, out: &mut Vec<Leaf>) {
    match array.as_struct_opt() {
        Some(s) => {
            let nulls = NullBuffer::union(above, s.nulls());
            for child in s.columns() {
                leaves(child, nulls.as_ref(), out);
            }
        }
        None => out.push(Leaf {
            values: array.clone(),
            nulls: above.cloned(),
        }),
    }
}

impl ColumnBatches {
    /// The file's batches when every column is plain and the leaves are the `leaves` the
    /// schema names; none otherwise.
    fn open(path: &Path, leaves: usize) -> io::Result<Option<ColumnBatches>> {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(File::open(path)?).map_err(invalid)?;
        let schema = builder.schema();
        let flat: usize = schema
            .fields()
            .iter()
            .map(|f| leaf_count(f.data_type()))
            .sum();
        if !schema.fields().iter().all(|f| plain(f.data_type())) || flat != leaves {
            return Ok(None);
        }
        Ok(Some(ColumnBatches {
            batches: builder.build().map_err(invalid)?,
            batch: None,
            row: 0,
            cells: vec![String::new(); leaves],
        }))
    }

    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        while self
            .batch
            .as_ref()
            .is_none_or(|(_, rows)| self.row >= *rows)
        {
            let Some(batch) = self.batches.next() else {
                return Ok(false);
            };
            let batch = batch.map_err(|e| invalid(e.into()))?;
            let mut cols = Vec::new();
            for c in batch.columns() {
                leaves(c, None, &mut cols);
            }
            self.batch = Some((cols, batch.num_rows()));
            self.row = 0;
        }
        let Some((cols, _)) = &self.batch else {
            return Ok(false);
        };
        for (cell, leaf) in self.cells.iter_mut().zip(cols) {
            cell.clear();
            let null = leaf.nulls.as_ref().is_some_and(|n| n.is_null(self.row));
            if !null && leaf.values.is_valid(self.row) {
                write_value(&leaf.values, self.row, cell);
            }
        }
        self.row += 1;
        write_csv_line(&self.cells, buf);
        Ok(true)
    }
}

fn leaf_count(t: &DataType) -> usize {
    match t {
        DataType::Struct(fields) => fields.iter().map(|f| leaf_count(f.data_type())).sum(),
        _ => 1,
    }
}

/// Row `i` of `a` (a [`plain`] leaf, valid there) as [`text_of`] writes the record API's
/// value.
fn write_value(a: &ArrayRef, i: usize, out: &mut String) {
    use std::fmt::Write;
    let time = |us: i64, out: &mut String| {
        if let Some(t) = chrono::DateTime::from_timestamp_micros(us) {
            let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S%.6fZ"));
        }
    };
    let _ = match a.data_type() {
        DataType::Boolean => write!(out, "{}", a.as_boolean().value(i)),
        DataType::Int8 => write!(out, "{}", a.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => write!(out, "{}", a.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => write!(out, "{}", a.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => write!(out, "{}", a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => write!(out, "{}", a.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => write!(out, "{}", a.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => write!(out, "{}", a.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => write!(out, "{}", a.as_primitive::<UInt64Type>().value(i)),
        DataType::Float32 => write!(out, "{}", a.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => write!(out, "{}", a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => write!(out, "{}", a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => write!(out, "{}", a.as_string::<i64>().value(i)),
        DataType::Binary => write!(
            out,
            "{}",
            String::from_utf8_lossy(a.as_binary::<i32>().value(i))
        ),
        DataType::LargeBinary => {
            write!(
                out,
                "{}",
                String::from_utf8_lossy(a.as_binary::<i64>().value(i))
            )
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            time(
                a.as_primitive::<TimestampMillisecondType>()
                    .value(i)
                    .saturating_mul(1000),
                out,
            );
            Ok(())
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            time(a.as_primitive::<TimestampMicrosecondType>().value(i), out);
            Ok(())
        }
        _ => Ok(()),
    };
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use arrow_array::{
        BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, StructArray,
        TimestampMicrosecondArray, TimestampMillisecondArray, UInt8Array,
    };
    use arrow_buffer::NullBuffer;
    use arrow_schema::{Field, Fields};
    use parquet::arrow::ArrowWriter;

    use super::*;

    fn text(path: &Path, columns: bool) -> String {
        let mut out = String::new();
        open_as(path, Arc::default(), columns)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    /// Every plain type, nulls in a column and in a struct, text that needs quoting, and
    /// floats whose text is easy to get wrong: the column batches write the record API's text.
    #[test]
    fn column_batches_write_what_the_record_api_writes() {
        let endpoint = Fields::from(vec![
            Field::new("ip", DataType::Utf8, true),
            Field::new("port", DataType::Int32, true),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(BooleanArray::from(vec![
                Some(true),
                None,
                Some(false),
                Some(true),
            ])),
            Arc::new(Int64Array::from(vec![
                Some(-7),
                Some(i64::MAX),
                None,
                Some(0),
            ])),
            Arc::new(UInt8Array::from(vec![1, 2, 255, 0])),
            Arc::new(Float64Array::from(vec![
                Some(1.0),
                Some(0.1),
                Some(1e21),
                None,
            ])),
            Arc::new(StringArray::from(vec![
                Some("a,b"),
                Some("say \"hi\""),
                None,
                Some("two\nlines"),
            ])),
            Arc::new(
                TimestampMillisecondArray::from(vec![
                    Some(1_500_000_000_123),
                    None,
                    Some(0),
                    Some(-1),
                ])
                .with_timezone("UTC"),
            ),
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(1),
                Some(2),
                None,
                Some(4),
            ])),
            Arc::new(StructArray::new(
                endpoint.clone(),
                vec![
                    Arc::new(StringArray::from(vec![
                        Some("10.0.0.1"),
                        Some("x"),
                        None,
                        Some("::1"),
                    ])),
                    Arc::new(Int32Array::from(vec![Some(22), Some(80), Some(443), None])),
                ],
                Some(NullBuffer::from(vec![true, false, true, true])),
            )),
        ];
        let names = ["b", "i", "u", "f", "s", "t", "tu", "endpoint"];
        let fields: Vec<Field> = names
            .iter()
            .zip(&columns)
            .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
            .collect();
        let batch =
            RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.parquet");
        let mut writer =
            ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let records = text(&path, false);
        // A header, four rows, one of them on two lines.
        assert_eq!(records.lines().count(), 6, "{records}");
        assert!(ColumnBatches::open(&path, 9).unwrap().is_some());
        assert_eq!(text(&path, true), records);
    }
}
