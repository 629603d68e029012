//! `netsleuth inspect --query`: the events a query matches, as a text table, JSON lines or
//! CSV, through the same parser and evaluator as the window's query bar.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{json, Map, Value};

use super::line_for_terminal;
use crate::events::{detail_parts, format_utc, EventTable};
use crate::ingest::{read_files, Investigation, ReadOptions, ReadProgress};
use crate::query::{matching, parse_with_extras};
use crate::report::spreadsheet_safe;

/// How the matching events are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Aligned columns, log text escaped for the terminal.
    Text,
    /// One JSON object per event.
    JsonLines,
    /// CSV with a header, spreadsheet-safe.
    Csv,
}

/// Exit status of a query that cannot be parsed (sysexits' EX_USAGE).
const BAD_QUERY: u8 = 64;

/// Reads `files` and prints the events matching `query`. A bad query exits 64 with the
/// message and a caret under its column, before anything is read.
pub fn run(files: &[PathBuf], options: &ReadOptions, query: &str, output: Output) -> ExitCode {
    if let Err(e) = crate::query::parse(query) {
        // Extra numeric columns are only known once the files are read: check those later.
        if !e.message.starts_with("unknown field") {
            return bad_query(query, &e);
        }
    }
    let inv = match read_files(files, options, &ReadProgress::default()) {
        Ok(inv) => inv,
        Err(e) => {
            say!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let extras: Vec<&str> = inv.table.extras().iter().map(|e| e.name.as_str()).collect();
    let q = match parse_with_extras(query, &extras) {
        Ok(q) => q,
        Err(e) => return bad_query(query, &e),
    };
    let started = std::time::Instant::now();
    let rows = matching(&inv.table, &q);
    let took = started.elapsed();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match output {
        Output::Text => write_text(&mut out, &inv, &rows),
        Output::JsonLines => write_json(&mut out, &inv, &rows),
        Output::Csv => write_csv(&mut out, &inv, &rows),
    }
    .and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("{e}");
        }
        return ExitCode::FAILURE;
    }
    say!(
        "{} of {} events match (the query took {:.1} ms)",
        crate::detection::human_count(rows.len() as u64),
        crate::detection::human_count(inv.table.len() as u64),
        took.as_secs_f64() * 1e3
    );
    super::say_losses(&inv);
    super::read_status(&inv)
}

fn bad_query(query: &str, e: &crate::query::QueryError) -> ExitCode {
    say!("bad query: {e}");
    eprintln!("{}", super::for_terminal(&e.pointed(query)));
    ExitCode::from(BAD_QUERY)
}

fn address(ip: Option<std::net::IpAddr>, port: Option<u16>) -> String {
    match (ip, port) {
        (Some(ip), Some(p)) if ip.is_ipv6() => format!("[{ip}]:{p}"),
        (Some(ip), Some(p)) => format!("{ip}:{p}"),
        (Some(ip), None) => ip.to_string(),
        (None, Some(p)) => format!(":{p}"),
        (None, None) => "-".into(),
    }
}

fn number(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn write_text(out: &mut impl Write, inv: &Investigation, rows: &[u32]) -> std::io::Result<()> {
    let t = &inv.table;
    writeln!(
        out,
        "{:<27}  {:<21}  {:<21}  {:<10}  {:<22}  {:>10}  {:>10}  detail",
        "event_time", "source", "destination", "protocol", "outcome", "sent", "received"
    )?;
    for &r in rows {
        let r = r as usize;
        let protocol = match (t.transport(r), t.app_protocol(r)) {
            (Some(a), Some(b)) => format!("{a}/{b}"),
            (a, b) => a.or(b).unwrap_or("-").to_string(),
        };
        writeln!(
            out,
            "{:<27}  {:<21}  {:<21}  {:<10}  {:<22}  {:>10}  {:>10}  {}",
            t.time_us(r).map_or_else(|| "-".into(), format_utc),
            address(t.source_ip(r), t.source_port(r)),
            address(t.destination_ip(r), t.destination_port(r)),
            line_for_terminal(&protocol),
            line_for_terminal(t.outcome(r).unwrap_or("-")),
            number(t.bytes_sent(r)),
            number(t.bytes_received(r)),
            line_for_terminal(&t.detail_text(r).unwrap_or_default()),
        )?;
    }
    Ok(())
}

/// One event as JSON: its file and line, the fields it holds, and its detail both as text and
/// as its keyed parts.
fn event_json(t: &EventTable, files: &[String], r: usize) -> Value {
    let mut v = Map::new();
    v.insert("file".into(), json!(files[usize::from(t.file(r))]));
    v.insert("line".into(), json!(t.line(r)));
    let mut put = |k: &str, x: Value| {
        if !x.is_null() {
            v.insert(k.into(), x);
        }
    };
    put("event_time", json!(t.time_us(r).map(format_utc)));
    put("duration_s", json!(t.duration_s(r)));
    put("source_ip", json!(t.source_ip(r).map(|ip| ip.to_string())));
    put("source_port", json!(t.source_port(r)));
    put(
        "destination_ip",
        json!(t.destination_ip(r).map(|ip| ip.to_string())),
    );
    put("destination_port", json!(t.destination_port(r)));
    put("transport", json!(t.transport(r)));
    put("app_protocol", json!(t.app_protocol(r)));
    put("bytes_sent", json!(t.bytes_sent(r)));
    put("bytes_received", json!(t.bytes_received(r)));
    put("packets_sent", json!(t.packets_sent(r)));
    put("packets_received", json!(t.packets_received(r)));
    put("direction", json!(t.direction(r)));
    put("tcp_flags", json!(t.tcp_flags(r).map(|f| f.describe())));
    put("outcome", json!(t.outcome(r)));
    put("country_code", json!(t.country_code(r)));
    put("detail", json!(t.detail_text(r)));
    if let Some(d) = t.detail(r) {
        let parts: Map<String, Value> = detail_parts(d)
            .filter_map(|(k, v)| Some((k?.to_string(), json!(v))))
            .collect();
        if !parts.is_empty() {
            put("detail_parts", Value::Object(parts));
        }
    }
    if let Some(l) = t.label(r) {
        put("label", json!(t.label_class_name(l)));
    }
    Value::Object(v)
}

fn file_names(inv: &Investigation) -> Vec<String> {
    inv.files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect()
}

fn write_json(out: &mut impl Write, inv: &Investigation, rows: &[u32]) -> std::io::Result<()> {
    let files = file_names(inv);
    for &r in rows {
        writeln!(out, "{}", event_json(&inv.table, &files, r as usize))?;
    }
    Ok(())
}

fn write_csv(out: &mut impl Write, inv: &Investigation, rows: &[u32]) -> std::io::Result<()> {
    let t = &inv.table;
    let files = file_names(inv);
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["file", "line"];
    header.extend(crate::events::Field::ALL.map(crate::events::Field::name));
    w.write_record(&header)?;
    let text = |s: Option<&str>| spreadsheet_safe(s.unwrap_or("")).into_owned();
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for &r in rows {
        let r = r as usize;
        w.write_record([
            text(Some(&files[usize::from(t.file(r))])),
            t.line(r).to_string(),
            t.time_us(r).map(format_utc).unwrap_or_default(),
            num(t.duration_s(r)),
            t.source_ip(r).map(|ip| ip.to_string()).unwrap_or_default(),
            num(t.source_port(r).map(f64::from)),
            t.destination_ip(r)
                .map(|ip| ip.to_string())
                .unwrap_or_default(),
            num(t.destination_port(r).map(f64::from)),
            text(t.transport(r)),
            text(t.app_protocol(r)),
            num(t.bytes_sent(r)),
            num(t.bytes_received(r)),
            num(t.packets_sent(r)),
            num(t.packets_received(r)),
            text(t.direction(r)),
            t.tcp_flags(r).map(|f| f.describe()).unwrap_or_default(),
            text(t.outcome(r)),
            text(t.country_code(r)),
            text(t.detail_text(r).as_deref()),
            text(t.label(r).map(|l| t.label_class_name(l))),
        ])?;
    }
    w.flush()
}
