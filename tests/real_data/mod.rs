//! Shared helpers for the real-data tests: reading files from `../shared/data` and comparing a
//! file report and single rows against expectations worked out independently from the raw files
//! (Python's csv/json/gzip modules), never from netsleuth's own output.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;
use std::path::PathBuf;

use netsleuth::events::{EventTable, Field, Verdict};
use netsleuth::ingest::{read_file, FileReport, Format, ReadOptions, ReadProgress};

/// The shared data directory CI keeps beside the repository.
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

/// The path of a data file given relative to the data directory.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(DATA).join(rel)
}

/// Reads one data file into a fresh table as file 0.
pub fn read(rel: &str) -> (EventTable, FileReport) {
    let mut table = EventTable::default();
    let report = read_file(
        &data(rel),
        0,
        &mut table,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"));
    (table, report)
}

/// Microseconds since the epoch of an RFC 3339 time, parsed by chrono (not by netsleuth).
pub fn us(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("bad expected time {rfc3339}: {e}"))
        .timestamp_micros()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// Whether two f64 values agree to about nine significant digits.
pub fn approx(a: f64, b: f64) -> bool {
    close(a, b, 1e-9)
}

/// What the report of a whole file must say.
pub struct Summary {
    /// Detected format.
    pub format: Format,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// Data records (header, comment and blank lines excluded).
    pub records: u64,
    /// Events kept.
    pub events: u64,
    /// Records skipped.
    pub skipped: u64,
    /// Distinct source addresses.
    pub sources: usize,
    /// Earliest event time (RFC 3339), if the file has times.
    pub first: Option<&'static str>,
    /// Latest event time (RFC 3339).
    pub last: Option<&'static str>,
    /// Exactly the schema fields the file provides, in schema order.
    pub fields: &'static [Field],
    /// Number of extra numeric columns.
    pub extra_columns: usize,
}

/// Checks a file report against `s`, and that its rows are consistent with it.
pub fn check_summary(table: &EventTable, report: &FileReport, s: &Summary) {
    let p = report.path.display();
    assert_eq!(report.format, s.format, "{p}: format");
    assert_eq!(report.gzip, s.gzip, "{p}: gzip");
    assert_eq!(report.records, s.records, "{p}: records");
    assert_eq!(report.events, s.events, "{p}: events");
    assert_eq!(report.skips.total(), s.skipped, "{p}: skipped");
    assert_eq!(
        report.skips.by_kind().values().sum::<u64>(),
        s.skipped,
        "{p}: skipped by kind"
    );
    if s.skipped == 0 {
        assert!(report.skips.examples().is_empty(), "{p}: skip examples");
    }
    assert_eq!(report.sources, s.sources, "{p}: distinct sources");
    assert_eq!(report.first_event_us, s.first.map(us), "{p}: first event");
    assert_eq!(report.last_event_us, s.last.map(us), "{p}: last event");
    assert_eq!(
        report.fields.iter().collect::<Vec<_>>(),
        s.fields,
        "{p}: fields present"
    );
    for f in Field::ALL {
        assert_eq!(
            report.fields.contains(f),
            s.fields.contains(&f),
            "{p}: field {f:?}"
        );
    }
    assert_eq!(report.extra_columns.len(), s.extra_columns, "{p}: extras");
    assert_eq!(report.rows.len() as u64, s.events, "{p}: rows of the table");
    assert_eq!(report.rows.end, table.len(), "{p}: rows end");
}

/// Checks the label counts of a report: column, verdict totals and every class count.
pub fn check_labels(
    report: &FileReport,
    column: &str,
    benign: u64,
    malicious: u64,
    classes: &[(&str, u64)],
) {
    let p = report.path.display();
    let labels = report
        .labels
        .as_ref()
        .unwrap_or_else(|| panic!("{p}: no labels"));
    assert_eq!(labels.column, column, "{p}: label column");
    assert_eq!(labels.benign, benign, "{p}: benign");
    assert_eq!(labels.malicious, malicious, "{p}: malicious");
    let expected: BTreeMap<String, u64> =
        classes.iter().map(|(c, n)| (c.to_string(), *n)).collect();
    assert_eq!(labels.classes, expected, "{p}: classes");
}

/// An expectation on a text field.
#[derive(Debug, Default, Clone, Copy)]
pub enum Text {
    /// The row has no value.
    #[default]
    Absent,
    /// The value holds every one of these parts.
    Contains(&'static [&'static str]),
    /// Any value, or none.
    Any,
}

/// Every accessor of one row. `None` means the row must have no value.
#[derive(Debug, Default)]
pub struct Row {
    /// 1-based line of the record in its file.
    pub line: u32,
    /// Event time, RFC 3339.
    pub time: Option<&'static str>,
    /// Duration in seconds.
    pub duration_s: Option<f64>,
    /// Source address.
    pub source_ip: Option<&'static str>,
    /// Source port.
    pub source_port: Option<u16>,
    /// Destination address.
    pub destination_ip: Option<&'static str>,
    /// Destination port.
    pub destination_port: Option<u16>,
    /// Transport protocol.
    pub transport: Option<&'static str>,
    /// Application protocol.
    pub app_protocol: Option<&'static str>,
    /// Bytes the source sent.
    pub bytes_sent: Option<f64>,
    /// Bytes the source received.
    pub bytes_received: Option<f64>,
    /// Packets the source sent.
    pub packets_sent: Option<f64>,
    /// Packets the source received.
    pub packets_received: Option<f64>,
    /// Direction.
    pub direction: Option<&'static str>,
    /// TCP flag bits.
    pub tcp_flags: Option<u8>,
    /// Outcome.
    pub outcome: Option<&'static str>,
    /// Country code.
    pub country_code: Option<&'static str>,
    /// Detail text.
    pub detail: Text,
    /// Ground truth: verdict and class name.
    pub label: Option<(Verdict, &'static str)>,
    /// Extra numeric columns by name, as written in the file (stored as f32, so compared to
    /// about six significant digits).
    pub extras: &'static [(&'static str, f64)],
}

fn ip(s: &str) -> IpAddr {
    s.parse()
        .unwrap_or_else(|e| panic!("bad expected IP {s}: {e}"))
}

fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => approx(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Checks every accessor of `row` against `e`, reporting all mismatches at once.
pub fn check_row(table: &EventTable, row: usize, e: &Row) {
    let mut bad: Vec<String> = Vec::new();
    let mut eq = |name: &str, ok: bool, actual: String, expected: String| {
        if !ok {
            bad.push(format!("{name}: got {actual}, expected {expected}"));
        }
    };
    eq(
        "line",
        table.line(row) == e.line,
        table.line(row).to_string(),
        e.line.to_string(),
    );
    let time = e.time.map(us);
    eq(
        "time_us",
        table.time_us(row) == time,
        format!("{:?}", table.time_us(row)),
        format!("{time:?} ({:?})", e.time),
    );
    let f64s: [(&str, Option<f64>, Option<f64>); 5] = [
        ("duration_s", table.duration_s(row), e.duration_s),
        ("bytes_sent", table.bytes_sent(row), e.bytes_sent),
        (
            "bytes_received",
            table.bytes_received(row),
            e.bytes_received,
        ),
        ("packets_sent", table.packets_sent(row), e.packets_sent),
        (
            "packets_received",
            table.packets_received(row),
            e.packets_received,
        ),
    ];
    for (name, a, x) in f64s {
        eq(name, same_f64(a, x), format!("{a:?}"), format!("{x:?}"));
    }
    let ips = [
        ("source_ip", table.source_ip(row), e.source_ip),
        (
            "destination_ip",
            table.destination_ip(row),
            e.destination_ip,
        ),
    ];
    for (name, a, x) in ips {
        eq(name, a == x.map(ip), format!("{a:?}"), format!("{x:?}"));
    }
    let ports = [
        ("source_port", table.source_port(row), e.source_port),
        (
            "destination_port",
            table.destination_port(row),
            e.destination_port,
        ),
    ];
    for (name, a, x) in ports {
        eq(name, a == x, format!("{a:?}"), format!("{x:?}"));
    }
    let texts = [
        ("transport", table.transport(row), e.transport),
        ("app_protocol", table.app_protocol(row), e.app_protocol),
        ("direction", table.direction(row), e.direction),
        ("outcome", table.outcome(row), e.outcome),
        ("country_code", table.country_code(row), e.country_code),
    ];
    for (name, a, x) in texts {
        eq(name, a == x, format!("{a:?}"), format!("{x:?}"));
    }
    let flags = table.tcp_flags(row).map(|f| f.0);
    eq(
        "tcp_flags",
        flags == e.tcp_flags,
        format!("{flags:?}"),
        format!("{:?}", e.tcp_flags),
    );
    let detail = table.detail(row);
    let detail_ok = match e.detail {
        Text::Absent => detail.is_none(),
        Text::Contains(parts) => detail.is_some_and(|d| parts.iter().all(|p| d.contains(p))),
        Text::Any => true,
    };
    eq(
        "detail",
        detail_ok,
        format!("{detail:?}"),
        format!("{:?}", e.detail),
    );
    let label = table
        .label(row)
        .map(|l| (l.verdict, table.label_class_name(l).to_string()));
    let expected_label = e.label.map(|(v, c)| (v, c.to_string()));
    eq(
        "label",
        label == expected_label,
        format!("{label:?}"),
        format!("{expected_label:?}"),
    );
    for &(name, x) in e.extras {
        let a = table.extra(name, row);
        let ok = a.is_some_and(|a| close(f64::from(a), x, 1e-6));
        eq(
            &format!("extra '{name}'"),
            ok,
            format!("{a:?}"),
            format!("{x:?}"),
        );
    }
    assert!(
        bad.is_empty(),
        "row {row} (line {}):\n  {}",
        e.line,
        bad.join("\n  ")
    );
}

/// How many rows in `rows` have a value of `get`, and their sum.
pub fn sum(
    table: &EventTable,
    rows: Range<usize>,
    get: impl Fn(&EventTable, usize) -> Option<f64>,
) -> (usize, f64) {
    rows.filter_map(|r| get(table, r))
        .fold((0, 0.0), |(n, s), v| (n + 1, s + v))
}

/// Checks the count and the sum of a numeric accessor over a file's rows.
pub fn check_sum(
    table: &EventTable,
    report: &FileReport,
    name: &str,
    get: impl Fn(&EventTable, usize) -> Option<f64>,
    count: usize,
    total: f64,
) {
    let (n, s) = sum(table, report.rows.clone(), get);
    let p = report.path.display();
    assert_eq!(n, count, "{p}: rows with {name}");
    assert!(
        close(s, total, 1e-9),
        "{p}: sum of {name} is {s}, expected {total}"
    );
}

/// How many rows of a file have text `value` in the accessor `get`.
pub fn count_text<'t>(
    table: &'t EventTable,
    report: &FileReport,
    get: impl Fn(&'t EventTable, usize) -> Option<&'t str>,
    value: &str,
) -> usize {
    report
        .rows
        .clone()
        .filter(|&r| get(table, r) == Some(value))
        .count()
}

/// How many rows of a file have a label of `verdict`.
pub fn count_verdict(table: &EventTable, report: &FileReport, verdict: Verdict) -> usize {
    report
        .rows
        .clone()
        .filter(|&r| table.label(r).is_some_and(|l| l.verdict == verdict))
        .count()
}
