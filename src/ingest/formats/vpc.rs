//! AWS VPC flow logs, version 2 default format, space separated, with or without header.

use std::io::BufRead;

use super::super::columns::{ColumnPlan, RowError};
use super::super::{Format, Sink};
use super::lines::{for_each_line, Row};
use super::FormatError;

/// The version 2 default field order, used when the file has no header line.
const DEFAULT_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| *b == b' ').filter(|t| !t.is_empty())
}

/// Reads a VPC flow log. A header line, if present, sets the field order.
pub fn read(reader: impl BufRead, sink: &mut Sink<'_>, max_len: usize) -> Result<(), FormatError> {
    let default: Vec<String> = DEFAULT_FIELDS.iter().map(|s| s.to_string()).collect();
    let mut plan =
        ColumnPlan::new(Format::VpcFlow, &default, None, &["-"]).map_err(FormatError::Mapping)?;
    let mut first = true;
    for_each_line(reader, sink, max_len, |line, sink| {
        if std::mem::take(&mut first) && tokens(line).any(|t| t == b"srcaddr") {
            let header: Vec<String> = tokens(line)
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .collect();
            plan = ColumnPlan::new(Format::VpcFlow, &header, None, &["-"])
                .map_err(|e| RowError::new("bad header", e))?;
            sink.adopt(&plan);
            return Ok(Row::NotARecord);
        }
        let n = tokens(line).count();
        if n != plan.width() {
            return Err(RowError::new(
                "wrong field count",
                format!("expected {} fields, found {n}", plan.width()),
            ));
        }
        let (table, draft) = sink.parts();
        plan.apply(tokens(line), draft, table)?;
        Ok(Row::Event)
    })
}
