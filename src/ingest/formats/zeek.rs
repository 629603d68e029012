//! Zeek conn.log as TSV (with `#fields` header) and as JSON lines.

use std::io::BufRead;

use serde_json::Value;

use super::super::columns::{ColumnPlan, RowError};
use super::super::{Format, Sink};
use super::lines::{for_each_line, parse_json, Row, UniqueKeys};
use super::FormatError;

/// Zeek's tokens for unset and empty fields.
const ZEEK_NULLS: &[&str] = &["-", "(empty)"];

/// Reads a Zeek TSV log. Directives (`#fields`, `#types`...) are not records.
pub fn read_tsv(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
) -> Result<(), FormatError> {
    let mut plan: Option<ColumnPlan> = None;
    let mut mapping_error = None;
    let mut log: Option<String> = None;
    for_each_line(reader, sink, max_len, |line, sink| {
        if let Some(directive) = line.strip_prefix(b"#") {
            if let Some(path) = directive.strip_prefix(b"path\t") {
                let path = String::from_utf8_lossy(path).trim().to_owned();
                log = (path != "conn").then(|| {
                    sink.warn(format!(
                        "a Zeek {path}.log: each row is one {path} record of a connection, an \
                         event of its own unless the same traffic's conn.log is read with it, \
                         where it joins its connection's row (by uid)"
                    ));
                    sink.set_zeek_log(&path);
                    path
                });
            }
            if let Some(fields) = directive.strip_prefix(b"fields\t") {
                // `uid` names the connection, in conn.log and in the protocol logs alike: kept
                // as `conn_uid`, so that a protocol log's rows join their connection's row
                // and a query (`detail.conn_uid = C...`) finds everything of one connection.
                let header: Vec<String> = fields
                    .split(|b| *b == b'\t')
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .map(|f| if f == "uid" { "conn_uid".into() } else { f })
                    .collect();
                match ColumnPlan::new(Format::ZeekTsv, &header, None, ZEEK_NULLS) {
                    Ok(mut p) => {
                        if let Some(log) = &log {
                            p.prefix_detail_keys(log);
                        }
                        if !p.maps(super::super::columns::Target::SourceIp) {
                            sink.warn(
                                "no field names the originator (id.orig_h, or id_orig_h, src \
                                 and such under another scope separator or a field name map): \
                                 no source can be named"
                                    .into(),
                            );
                        }
                        sink.adopt(&p);
                        plan = Some(p);
                    }
                    Err(e) => mapping_error = Some(e),
                }
            }
            return Ok(Row::NotARecord);
        }
        let Some(plan) = plan.as_mut() else {
            return Err(RowError::new("data before the #fields header", ""));
        };
        let n = line.split(|b| *b == b'\t').count();
        if n != plan.width() {
            return Err(RowError::new(
                "wrong field count",
                format!("expected {} fields, found {n}", plan.width()),
            ));
        }
        let (table, draft) = sink.parts();
        plan.apply(line.split(|b| *b == b'\t'), draft, table)?;
        Ok(Row::Event)
    })?;
    match mapping_error {
        Some(e) => Err(FormatError::Mapping(e)),
        None => Ok(()),
    }
}

/// The conn.log fields read from Zeek JSON, in plan order.
const JSON_FIELDS: [&str; 23] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "ip_proto",
    "label",
    "detailed-label",
];

/// Reads Zeek JSON lines through the same column plan as the TSV form.
pub fn read_json(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
) -> Result<(), FormatError> {
    let header: Vec<String> = JSON_FIELDS.iter().map(|s| s.to_string()).collect();
    let mut plan = ColumnPlan::new(Format::ZeekJson, &header, None, ZEEK_NULLS)
        .map_err(FormatError::Mapping)?;
    let mut texts: Vec<String> = vec![String::new(); JSON_FIELDS.len()];
    for_each_line(reader, sink, max_len, |line, sink| {
        let UniqueKeys(obj) = parse_json(line)?;
        if !obj.contains_key("ts") {
            return Err(RowError::new("not a Zeek conn record", "no 'ts' field"));
        }
        for (text, name) in texts.iter_mut().zip(JSON_FIELDS) {
            text.clear();
            match obj.get(name) {
                Some(Value::String(s)) => text.push_str(s),
                Some(Value::Number(n)) => text.push_str(&n.to_string()),
                Some(Value::Bool(b)) => text.push(if *b { 'T' } else { 'F' }),
                _ => {}
            }
        }
        let (table, draft) = sink.parts();
        plan.apply(texts.iter().map(|t| t.as_bytes()), draft, table)?;
        Ok(Row::Event)
    })
}
