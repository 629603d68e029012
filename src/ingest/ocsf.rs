//! OCSF records as JSON lines (Network Activity 4001, HTTP Activity 4002, DNS Activity 4003 and
//! the rest of the schema's event classes) read as CSV text: each record's nested objects are
//! flattened to dotted paths (`src_endpoint.ip`, `traffic.bytes_out`, `connection_info.
//! protocol_num`), the columns are the paths the first records hold, and the CSV readers map
//! them by name, as they do the same records read from Parquet. Arrays are kept as JSON text.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Read};

use super::csv_text::{write_csv_line, CsvLines, CsvText};

use serde_json::{Map, Value};

/// Records looked at for the columns.
const HEAD_RECORDS: usize = 200;

/// Whether `head` starts with a JSON object that names an OCSF class (`class_uid`).
pub fn is_ocsf_json(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let Some(first) = text
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty())
    else {
        return false;
    };
    first.starts_with(b"{")
        && serde_json::from_slice::<Map<String, Value>>(first)
            .is_ok_and(|m| m.get("class_uid").is_some_and(Value::is_u64))
}

/// Every leaf of `value` under its dotted path.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// The records of OCSF JSON lines as CSV lines under the columns of the first records.
pub struct OcsfLines {
    lines: io::Lines<BufReader<Box<dyn Read + Send>>>,
    columns: Vec<String>,
}

/// OCSF JSON lines as CSV text, header first.
pub type OcsfText = CsvText<OcsfLines>;

/// Reads `head` (the first bytes) and then `rest`; the columns are the paths of the records in
/// the head.
pub fn text(head: Vec<u8>, rest: Box<dyn Read + Send>) -> OcsfText {
    let mut columns = BTreeSet::new();
    let complete = head.rsplit(|&b| b == b'\n').skip(1);
    let mut lines: Vec<&[u8]> = complete.collect();
    lines.reverse();
    for line in lines.iter().take(HEAD_RECORDS) {
        if let Ok(v) = serde_json::from_slice::<Value>(line.trim_ascii()) {
            let mut cells = Vec::new();
            flatten("", &v, &mut cells);
            columns.extend(cells.into_iter().map(|(k, _)| k));
        }
    }
    let columns: Vec<String> = columns.into_iter().collect();
    let mut header = Vec::new();
    write_csv_line(&columns, &mut header);
    let stream: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(rest));
    CsvText::new(
        header,
        OcsfLines {
            lines: BufReader::new(stream).lines(),
            columns,
        },
    )
}

impl CsvLines for OcsfLines {
    /// One record as a CSV line: its values under the columns, empty where it has none; a
    /// line that is not a JSON object stays a line of its own, for the reader to skip and
    /// count; blank lines are passed over.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        loop {
            let Some(line) = self.lines.next() else {
                return Ok(false);
            };
            let line = line?;
            match serde_json::from_str::<Value>(line.trim()) {
                Ok(v @ Value::Object(_)) => {
                    let mut cells = Vec::new();
                    flatten("", &v, &mut cells);
                    let row = self.columns.iter().map(|c| {
                        cells
                            .iter()
                            .find(|(k, _)| k == c)
                            .map_or("", |(_, v)| v.as_str())
                    });
                    write_csv_line(row, buf);
                }
                _ if line.trim().is_empty() => continue,
                _ => write_csv_line([line.as_str()], buf),
            }
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_flatten_to_dotted_columns() {
        let text_bytes = b"{\"class_uid\":4001,\"time\":1649721732000,\"src_endpoint\":{\"ip\":\"1.2.3.4\",\"port\":56858},\"metadata\":{\"profiles\":[\"cloud\"]}}\n{\"class_uid\":4001,\"src_endpoint\":{\"ip\":\"5.6.7.8\"}}\n";
        assert!(is_ocsf_json(text_bytes));
        assert!(!is_ocsf_json(b"{\"event_type\":\"flow\"}\n"));
        let mut out = String::new();
        text(text_bytes.to_vec(), Box::new(io::empty()))
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(
            out,
            "class_uid,metadata.profiles,src_endpoint.ip,src_endpoint.port,time\n\
             4001,\"[\"\"cloud\"\"]\",1.2.3.4,56858,1649721732000\n\
             4001,,5.6.7.8,,\n"
        );
    }
}
