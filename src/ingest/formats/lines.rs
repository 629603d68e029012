//! The shared loop of line-oriented readers: blank lines, over-long lines, a leading byte
//! order mark, read errors and row accounting are handled here once.

use std::io::BufRead;

use super::super::columns::RowError;
use super::super::input::{Line, LineReader};
use super::super::Sink;
use super::FormatError;

/// What a line turned out to be.
pub enum Row {
    /// A record whose fields are now in the sink's draft.
    Event,
    /// Not a record (a comment or header line).
    NotARecord,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Calls `parse` on each non-blank line and emits or skips the record it describes.
pub fn for_each_line(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
    mut parse: impl FnMut(&[u8], &mut Sink<'_>) -> Result<Row, RowError>,
) -> Result<(), FormatError> {
    let mut lines = LineReader::new(reader, max_len);
    let mut buf = Vec::new();
    loop {
        let line = match lines.next_line(&mut buf) {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()),
            Err(e) => {
                sink.stream_error(lines.line_no() + 1, &e);
                return Ok(());
            }
        };
        let no = lines.line_no();
        if let Line::TooLong(len) = line {
            sink.skip(no, "line too long", || {
                format!("{len} bytes, limit {max_len}")
            })?;
            continue;
        }
        let text = if no == 1 {
            buf.strip_prefix(BOM).unwrap_or(&buf)
        } else {
            &buf
        };
        if text.trim_ascii().is_empty() {
            continue;
        }
        match parse(text, sink) {
            Ok(Row::Event) => sink.emit(no)?,
            Ok(Row::NotARecord) => {}
            Err(e) => sink.skip(no, e.kind, || e.detail)?,
        }
    }
}

/// Parses a JSON line into `T`, turning a failure into a row error.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(line: &'a [u8]) -> Result<T, RowError> {
    serde_json::from_slice(line).map_err(|e| RowError {
        kind: "invalid JSON",
        detail: e.to_string(),
    })
}

/// A JSON object whose keys are all different: a repeated key is an error, as it is for the
/// readers that deserialise into structs, instead of the last value silently winning.
pub struct UniqueKeys(pub serde_json::Map<String, serde_json::Value>);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueKeys, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate field `{key}`"
                        )));
                    }
                    out.insert(key, value);
                }
                Ok(UniqueKeys(out))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// Checks a port read from JSON as a number: it must be an integer from 0 to 65535.
pub fn json_port(field: &str, v: Option<f64>) -> Result<Option<u16>, RowError> {
    match v {
        None => Ok(None),
        Some(p) if p.fract() == 0.0 && (0.0..=65535.0).contains(&p) => Ok(Some(p as u16)),
        Some(p) => Err(RowError::bad("bad port", field, p.to_string().as_bytes())),
    }
}
