//! Parquet files as CSV text: each leaf column of the schema becomes a column named by its path
//! (`src_endpoint.ip`, as OCSF nests it), each row a line, so that the CSV readers sniff and map
//! them as they would the same table exported as CSV. Rows are read one row group at a time
//! through the reader's record API; lists and maps are written as JSON text, times as RFC 3339.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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

/// The rows of a Parquet file as CSV lines.
pub struct ParquetLines {
    rows: RowIter<'static>,
    schema: Vec<Node>,
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
    let rows = RowIter::from_file_into(Box::new(reader));
    Ok(CsvText::new(
        header,
        ParquetLines {
            rows,
            schema,
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
        let Some(row) = self.rows.next() else {
            return Ok(false);
        };
        let row: Row = row.map_err(invalid)?;
        let share = |k: u64| {
            (u128::from(self.file_bytes) * u128::from(k) / u128::from(self.total_rows.max(1)))
                as u64
        };
        self.rows_read += 1;
        let step = share(self.rows_read) - share(self.rows_read - 1);
        self.read.fetch_add(step, Ordering::Relaxed);
        let mut cells = Vec::new();
        for (node, (_, field)) in self.schema.iter().zip(row.get_column_iter()) {
            cells_of(node, field, &mut cells);
        }
        write_csv_line(cells, buf);
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
