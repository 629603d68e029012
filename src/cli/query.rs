//! `netsleuth inspect --query`: the events a query matches, as a text table, JSON lines or
//! CSV, through the same parser and evaluator as the window's query bar.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::line_for_terminal;
use crate::events::{event_columns, event_json, format_utc, EVENT_COLUMNS};
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
    if let Err(code) = super::written(written) {
        return code;
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

/// Says why `query` cannot be parsed, with a caret under its column; exits 64.
pub(super) fn bad_query(query: &str, e: &crate::query::QueryError) -> ExitCode {
    say!("bad query: {e}");
    eprintln!("{}", super::for_terminal(&e.pointed(query)));
    ExitCode::from(BAD_QUERY)
}

fn write_text(out: &mut impl Write, inv: &Investigation, rows: &[u32]) -> std::io::Result<()> {
    let [time, source, destination, protocol, outcome, sent, received, detail] = EVENT_COLUMNS;
    writeln!(
        out,
        "{time:<27}  {source:<21}  {destination:<21}  {protocol:<10}  {outcome:<22}  {sent:>10}  \
         {received:>10}  {detail}"
    )?;
    for &r in rows {
        let [time, source, destination, protocol, outcome, sent, received, detail] =
            event_columns(&inv.table, r as usize);
        writeln!(
            out,
            "{time:<27}  {source:<21}  {destination:<21}  {:<10}  {:<22}  {sent:>10}  \
             {received:>10}  {}",
            line_for_terminal(&protocol),
            line_for_terminal(&outcome),
            line_for_terminal(&detail),
        )?;
    }
    Ok(())
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
