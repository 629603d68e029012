//! Parquet files as CSV text: each leaf column of the schema becomes a column named by its path
//! (`src_endpoint.ip`, as OCSF nests it), each row a line, so that the CSV readers sniff and map
//! them as they would the same table exported as CSV. Rows are read one row group at a time
//! through the reader's record API; lists and maps are written as JSON text, times as RFC 3339.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, Repetition};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};
use parquet::schema::types::Type;

use super::ocsf::write_csv_line;

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

/// Rows of a Parquet file as CSV text, header first.
pub struct ParquetText {
    rows: RowIter<'static>,
    schema: Vec<Node>,
    buf: Vec<u8>,
    pos: usize,
    cells: VecDeque<String>,
}

/// Opens `path` as CSV text; the columns it names are the schema's leaf paths.
pub fn open(path: &Path) -> io::Result<ParquetText> {
    let reader = SerializedFileReader::new(File::open(path)?).map_err(invalid)?;
    let root = reader.metadata().file_metadata().schema().clone();
    let mut names = Vec::new();
    let schema: Vec<Node> = root
        .get_fields()
        .iter()
        .map(|f| Node::of(f, "", &mut names))
        .collect();
    let rows = RowIter::from_file_into(Box::new(reader));
    let mut text = ParquetText {
        rows,
        schema,
        buf: Vec::new(),
        pos: 0,
        cells: names.into(),
    };
    text.flush_line();
    Ok(text)
}

fn invalid(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a readable Parquet file: {e}"),
    )
}

impl ParquetText {
    /// Writes the queued cells as one CSV line.
    fn flush_line(&mut self) {
        write_csv_line(self.cells.drain(..), &mut self.buf);
    }

    fn push_row(&mut self, row: &Row) {
        let mut cells = VecDeque::new();
        for (node, (_, field)) in self.schema.iter().zip(row.get_column_iter()) {
            cells_of(node, field, &mut cells);
        }
        self.cells = cells;
        self.flush_line();
    }
}

/// The cells of one field under its schema node.
fn cells_of(node: &Node, field: &Field, out: &mut VecDeque<String>) {
    match (node, field) {
        (Node::Group(fields), Field::Group(row)) => {
            for (n, (_, f)) in fields.iter().zip(row.get_column_iter()) {
                cells_of(n, f, out);
            }
        }
        (Node::Group(_), _) => out.extend(std::iter::repeat_n(String::new(), node.leaves())),
        (Node::Leaf, f) => out.push_back(text_of(f)),
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

impl Read for ParquetText {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ParquetText {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            match self.rows.next() {
                None => break,
                Some(row) => self.push_row(&row.map_err(invalid)?),
            }
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}
