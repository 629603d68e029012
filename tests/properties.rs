//! Property tests: the format sniffer and the value parsers never panic on arbitrary input,
//! timestamps in every accepted layout round-trip against chrono, and reading arbitrary bytes,
//! generated rows or mutated real lines with every format (forced or detected) never panics
//! and keeps its books: records = events + skips, with every line number inside the file;
//! and detection end to end on mutated real samples never panics and stays within 1 GB.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use flate2::read::MultiGzDecoder;
use netsleuth::events::EventTable;
use netsleuth::ingest::values::{
    decode_text, parse_ip, parse_number, parse_port, parse_time, transport_name,
};
use netsleuth::ingest::{
    read_file, sniff, Format, ReadError, ReadOptions, ReadProgress, SniffError,
    DEFAULT_MAX_LINE_BYTES,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Cases per property; the reading properties read each case once per format.
const CASES: u32 = 64;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every skip reason kind the readers use.
const KNOWN_KINDS: [&str; 18] = [
    "wrong field count",
    "bad timestamp",
    "bad number",
    "bad IP address",
    "bad port",
    "invalid JSON",
    "line too long",
    "missing field",
    "not an access log line",
    "data before the #fields header",
    "not a Zeek conn record",
    "read error, rest of file lost",
    "bad header",
    "unterminated quoted field",
    "impossible count",
    "impossible duration",
    "timestamp out of range",
    "client not an address",
];

/// Bytes that matter to some parser: delimiters, quotes, line endings, digits, JSON
/// punctuation, a NUL and bytes that are not UTF-8.
const NASTY: &[u8] =
    b"\0\t\n\r ,;|\"'{}[]:#-./\\0123456789eETZ+%_aAxX\x1b\x7f\x80\xbf\xc3\xe9\xef\xbb\xff";

fn nasty_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(NASTY), 0..max)
}

/// The number of lines in `bytes`, counting a last line without a newline.
/// Lines as the reader counts them: ended by LF, or by a lone CR when the first 64 KiB hold
/// CRs and no LF (old Mac line endings).
fn line_count(bytes: &[u8]) -> u64 {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let end = if head.contains(&b'\r') && !head.contains(&b'\n') {
        b'\r'
    } else {
        b'\n'
    };
    let newlines = bytes.iter().filter(|&&b| b == end || b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(&[end]))
}

/// Reads `bytes` from a temporary file with `options` and checks the report's bookkeeping.
fn check_read(bytes: &[u8], options: &ReadOptions) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("input");
    std::fs::write(&path, bytes).expect("write input");
    check_read_path(&path, bytes, options)
}

fn check_read_path(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<(), TestCaseError> {
    let mut table = EventTable::default();
    let forced = options.format.map_or("detected", Format::id);
    let report = match read_file(path, 0, &mut table, options, &ReadProgress::default()) {
        Ok(r) => r,
        Err(ReadError::Cancelled) => {
            return Err(TestCaseError::fail(format!("{forced}: cancelled")))
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(
                msg.starts_with(&path.display().to_string()),
                "{forced}: error does not name the file: {msg}"
            );
            return Ok(());
        }
    };
    let skips = &report.skips;
    prop_assert_eq!(
        report.records,
        report.events + skips.total(),
        "{}: records",
        forced
    );
    prop_assert_eq!(report.rows.len() as u64, report.events, "{}: rows", forced);
    prop_assert_eq!(table.len(), report.rows.end);
    prop_assert_eq!(skips.by_kind().values().sum::<u64>(), skips.total());
    prop_assert_eq!(skips.examples().len() as u64, skips.total().min(10));
    for kind in skips.by_kind().keys() {
        prop_assert!(
            KNOWN_KINDS.contains(kind),
            "{}: unknown kind {}",
            forced,
            kind
        );
    }
    if report.gzip {
        return Ok(());
    }
    let lines = line_count(bytes);
    for ex in skips.examples() {
        prop_assert!(
            (1..=lines).contains(&ex.line),
            "{}: example at line {} of {}: {}",
            forced,
            ex.line,
            lines,
            ex.reason
        );
    }
    for row in report.rows.clone() {
        let line = u64::from(table.line(row));
        prop_assert!(
            (1..=lines).contains(&line),
            "{}: event at line {} of {}",
            forced,
            line,
            lines
        );
    }
    Ok(())
}

/// Reads `bytes` detected and then forced to every format, with `max_line_bytes`.
fn check_every_format(bytes: &[u8], max_line_bytes: usize) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("input");
    std::fs::write(&path, bytes).expect("write input");
    let formats = std::iter::once(None).chain(Format::ALL.into_iter().map(Some));
    for format in formats {
        let options = ReadOptions {
            format,
            max_line_bytes,
            ..ReadOptions::default()
        };
        check_read_path(&path, bytes, &options)?;
    }
    Ok(())
}

fn max_line_bytes() -> impl Strategy<Value = usize> {
    prop_oneof![Just(DEFAULT_MAX_LINE_BYTES), 8usize..512]
}

// ---------------------------------------------------------------------------------------------
// Real samples, and mutations of them
// ---------------------------------------------------------------------------------------------

const SAMPLES: [&str; 14] = [
    "cloudwatch/CloudWatch_Traffic_Web_Attack.csv",
    "cic-ids2017/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.first299.csv",
    "honeypot/cowrie/cowrie.json.2018-05-06",
    "honeypot/dionaea/dionaea_native_labtest.json",
    "honeypot/dionaea/dionaea_mhn_export.json",
    "honeypot/suricata/eve.json",
    "zeek/trickbot_conn.log",
    "zeek/conn_json.log",
    "iot-23/CTU-Honeypot-Capture-4-1-labeled.csv",
    "aws-vpc-flow-logs/vpcflowlogs.log",
    "web-access-logs/hackers-access.log",
    "nsl-kdd/KDDTrain+_20Percent.txt",
    "kddcup99/kddcup.data_10_percent.gz",
    "unsw-nb15/unsw-nb15_1_sampled.csv",
];

/// The first 12 lines of every sample, byte for byte (decompressed when gzip).
fn samples() -> &'static [Vec<u8>] {
    static SAMPLES_HEAD: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES_HEAD.get_or_init(|| {
        SAMPLES
            .iter()
            .map(|rel| {
                let path =
                    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(rel);
                let file = std::fs::File::open(path).expect("sample file");
                let mut reader: Box<dyn BufRead> = if rel.ends_with(".gz") {
                    Box::new(BufReader::new(MultiGzDecoder::new(file)))
                } else {
                    Box::new(BufReader::new(file))
                };
                let mut head = Vec::new();
                for _ in 0..12 {
                    reader
                        .read_until(b'\n', &mut head)
                        .expect("readable sample");
                }
                head
            })
            .collect()
    })
}

/// One random edit; positions are fractions of the current length.
#[derive(Debug, Clone)]
enum Mutation {
    Set(f64, u8),
    Insert(f64, Vec<u8>),
    Delete(f64, usize),
    Truncate(f64),
    DuplicateLine(f64),
    LongLine(f64, usize),
    Bom,
    Crlf,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = 0.0..1.0f64;
    prop_oneof![
        4 => (pos.clone(), prop::sample::select(NASTY)).prop_map(|(p, b)| Mutation::Set(p, b)),
        3 => (pos.clone(), nasty_bytes(8)).prop_map(|(p, b)| Mutation::Insert(p, b)),
        3 => (pos.clone(), 1usize..40).prop_map(|(p, n)| Mutation::Delete(p, n)),
        1 => pos.clone().prop_map(Mutation::Truncate),
        1 => pos.clone().prop_map(Mutation::DuplicateLine),
        1 => (pos, 100usize..3000).prop_map(|(p, n)| Mutation::LongLine(p, n)),
        1 => Just(Mutation::Bom),
        1 => Just(Mutation::Crlf),
    ]
}

fn at(p: f64, len: usize) -> usize {
    ((p * len as f64) as usize).min(len)
}

fn apply(data: &mut Vec<u8>, m: &Mutation) {
    let len = data.len();
    match m {
        Mutation::Set(p, b) => {
            if len > 0 {
                let i = at(*p, len - 1);
                data[i] = *b;
            }
        }
        Mutation::Insert(p, bytes) => {
            let i = at(*p, len);
            data.splice(i..i, bytes.iter().copied());
        }
        Mutation::Delete(p, n) => {
            let i = at(*p, len);
            data.drain(i..(i + n).min(len));
        }
        Mutation::Truncate(p) => data.truncate(at(*p, len)),
        Mutation::DuplicateLine(p) => {
            let i = at(*p, len);
            let start = data[..i]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |s| s + 1);
            let end = data[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(len, |e| i + e + 1);
            let line = data[start..end].to_vec();
            data.splice(end..end, line);
        }
        Mutation::LongLine(p, n) => {
            let i = at(*p, len);
            data.splice(i..i, std::iter::repeat_n(b'z', *n));
        }
        Mutation::Bom => {
            data.splice(0..0, [0xef, 0xbb, 0xbf]);
        }
        Mutation::Crlf => {
            *data = data
                .iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect();
        }
    }
}

/// A real sample with a few random mutations.
fn mutated_sample() -> impl Strategy<Value = Vec<u8>> {
    (0..SAMPLES.len(), prop::collection::vec(mutation(), 1..6)).prop_map(|(i, muts)| {
        let mut data = samples()[i].clone();
        for m in &muts {
            apply(&mut data, m);
        }
        data
    })
}

// ---------------------------------------------------------------------------------------------
// Generated rows of known layouts with hostile values
// ---------------------------------------------------------------------------------------------

/// Values that sit on the edge of what a column's parser accepts.
const EDGE_VALUES: [&str; 30] = [
    "",
    "-",
    "(empty)",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "-1",
    "0",
    "65535",
    "65536",
    "443.0",
    "443.5",
    "9223372036854775807",
    "99999999999999999999",
    "1764302499",
    "1764302499123",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2024-02-30T00:00:00Z",
    "2024-04-25T23:00:00+25:00",
    "7/7/2017 3:30:15 PM",
    "[25/Oct/2015:04:11:25 +0100]",
    "1.2.3.4",
    "1.2.3.256",
    "::1",
    "[fe80::1%eth0]",
    "T",
    "\"quoted, with comma\"",
    "caf\u{e9}",
];

fn edge_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&EDGE_VALUES[..]).prop_map(str::to_string),
        1 => "[0-9a-zA-Z.:/ +-]{0,12}",
    ]
}

/// What a column of a generated row holds.
#[derive(Debug, Clone, Copy)]
enum Col {
    Number,
    Time,
    Ip,
    Port,
    Text,
}

/// Mostly values of the column's own kind, edge cases included, sometimes anything.
fn column_value(col: Col) -> BoxedStrategy<String> {
    let typed: &'static [&'static str] = match col {
        Col::Number => &["0", "5602", "0.25", "1e400", "-1", "NaN", "-", ""],
        Col::Time => &[
            "0000-01-01T00:00:00Z",
            "9223372036854775807",
            "2024-04-25T23:00:00Z",
            "1764302499",
        ],
        Col::Ip => &["1.2.3.4", "::1", "[fe80::1%eth0]", "-"],
        Col::Port => &["0", "65535", "443.0", "-"],
        Col::Text => &["tcp", "HTTPS", "T", "F", "ShADadFr", "-", "(empty)"],
    };
    prop_oneof![
        7 => prop::sample::select(typed).prop_map(str::to_string),
        1 => edge_value(),
    ]
    .boxed()
}

const CLOUDWATCH_HEADER: &str = "bytes_in,bytes_out,creation_time,end_time,src_ip,\
     src_ip_country_code,protocol,response.code,dst_port,dst_ip,rule_names,observation_name,\
     source.meta,source.name,time,detection_types";
const CLOUDWATCH_COLS: &[Col] = &[
    Col::Number,
    Col::Number,
    Col::Time,
    Col::Time,
    Col::Ip,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Port,
    Col::Ip,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
];
const VPC_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport \
     protocol packets bytes start end action log-status";
const VPC_COLS: &[Col] = &[
    Col::Number,
    Col::Number,
    Col::Text,
    Col::Ip,
    Col::Ip,
    Col::Port,
    Col::Port,
    Col::Text,
    Col::Number,
    Col::Number,
    Col::Time,
    Col::Time,
    Col::Text,
    Col::Text,
];
const ZEEK_FIELDS: &str = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t\
     service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\t\
     history\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tip_proto";
const ZEEK_COLS: &[Col] = &[
    Col::Time,
    Col::Text,
    Col::Ip,
    Col::Port,
    Col::Ip,
    Col::Port,
    Col::Text,
    Col::Text,
    Col::Number,
    Col::Number,
    Col::Number,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Number,
    Col::Text,
    Col::Number,
    Col::Number,
    Col::Number,
    Col::Number,
    Col::Text,
    Col::Number,
];

/// A header line, the field separator, and the kind of each column.
const LAYOUTS: [(&str, &str, &[Col]); 3] = [
    (CLOUDWATCH_HEADER, ",", CLOUDWATCH_COLS),
    (VPC_HEADER, " ", VPC_COLS),
    (ZEEK_FIELDS, "\t", ZEEK_COLS),
];

fn generated_row(cols: &'static [Col]) -> impl Strategy<Value = Vec<String>> {
    cols.iter().map(|&c| column_value(c)).collect::<Vec<_>>()
}

fn generated_layout_file() -> impl Strategy<Value = Vec<u8>> {
    (0..LAYOUTS.len()).prop_flat_map(|i| {
        let (header, sep, cols) = LAYOUTS[i];
        prop::collection::vec(generated_row(cols), 1..12).prop_map(move |rows| {
            let mut out = format!("{header}\n");
            for row in rows {
                let row: Vec<String> = if sep == " " {
                    row.iter()
                        .map(|v| {
                            if v.is_empty() {
                                "-".into()
                            } else {
                                v.replace(' ', "_")
                            }
                        })
                        .collect()
                } else {
                    row
                };
                out.push_str(&row.join(sep));
                out.push('\n');
            }
            out.into_bytes()
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Sniffer and value parsers
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn sniff_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let result = sniff(&bytes);
        if bytes.is_empty() {
            prop_assert_eq!(result, Err(SniffError::Empty));
        }
    }

    #[test]
    fn sniff_never_panics_on_texty_bytes(bytes in nasty_bytes(2048)) {
        let _ = sniff(&bytes);
    }

    #[test]
    fn sniff_never_panics_on_mutated_samples(bytes in mutated_sample()) {
        let _ = sniff(&bytes);
    }

    #[test]
    fn sniff_reports_nul_as_binary(text in "[a-z,\n]{0,200}", at in 0usize..200) {
        let mut bytes = text.into_bytes();
        let at = at.min(bytes.len());
        bytes.insert(at, 0);
        let first = bytes.iter().position(|&b| b == 0).unwrap();
        prop_assert_eq!(sniff(&bytes), Err(SniffError::Binary(first)));
    }

    #[test]
    fn value_parsers_never_panic_on_strings(s in any::<String>()) {
        let _ = parse_time(&s);
        let _ = parse_number(s.as_bytes());
        let _ = parse_port(s.as_bytes());
        let _ = parse_ip(s.as_bytes());
        let _ = transport_name(&s);
    }

    #[test]
    fn value_parsers_never_panic_on_time_like_strings(
        s in "[\\[\\]0-9TtZz:/ +.APMapmJanOctDec-]{0,40}",
    ) {
        let _ = parse_time(&s);
        let _ = parse_number(s.as_bytes());
        let _ = parse_port(s.as_bytes());
        let _ = parse_ip(s.as_bytes());
    }

    #[test]
    fn byte_parsers_never_panic_on_arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_number(&b);
        let _ = parse_port(&b);
        let _ = parse_ip(&b);
        let text = decode_text(&b);
        prop_assert_eq!(text.chars().count() <= b.len(), true);
        if std::str::from_utf8(&b).is_err() {
            prop_assert_eq!(text.chars().count(), b.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips against chrono and std
// ---------------------------------------------------------------------------------------------

/// A valid date and time, a fraction of 0-9 digits and a zone offset in minutes.
fn date_time() -> impl Strategy<Value = (NaiveDate, u32, u32, u32, u32, usize)> {
    (
        0i32..=9999,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..60,
        0u32..1_000_000_000,
        0usize..=9,
    )
        .prop_filter_map("valid date", |(y, mo, d, h, mi, s, nanos, digits)| {
            let date = NaiveDate::from_ymd_opt(y, mo, d)?;
            Some((date, h, mi, s, nanos, digits))
        })
}

/// `nanos` cut to its first `digits` decimal digits, as text and as a value.
fn fraction(nanos: u32, digits: usize) -> (String, u32) {
    let all = format!("{nanos:09}");
    let text = &all[..digits];
    let kept = if digits == 0 {
        0
    } else {
        text.parse::<u32>().unwrap() * 10u32.pow(9 - digits as u32)
    };
    let text = if digits == 0 {
        String::new()
    } else {
        format!(".{text}")
    };
    (text, kept)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn iso_times_round_trip(
        (date, h, mi, s, nanos, digits) in date_time(),
        sep in prop::sample::select(&["T", "t", " "][..]),
        zone_kind in 0usize..6,
        offset_min in -(23 * 60 + 59)..=(23 * 60 + 59i32),
    ) {
        let (frac, kept) = fraction(nanos, digits);
        let base = format!("{}{sep}{h:02}:{mi:02}:{s:02}{frac}", date.format("%Y-%m-%d"));
        let sign = if offset_min < 0 { '-' } else { '+' };
        let (oh, om) = (offset_min.abs() / 60, offset_min.abs() % 60);
        let (zone, offset_min) = match zone_kind {
            0 => (String::new(), 0),
            1 => ("Z".to_string(), 0),
            2 => (format!("{sign}{oh:02}:{om:02}"), offset_min),
            3 => (format!("{sign}{oh:02}{om:02}"), offset_min),
            4 => (format!("{sign}{oh:02}"), offset_min - offset_min % 60),
            _ => (format!(" {sign}{oh:02}{om:02}"), offset_min),
        };
        let text = format!("{base}{zone}");
        let expected = date
            .and_hms_nano_opt(h, mi, s, kept)
            .unwrap()
            .and_utc()
            .timestamp_micros()
            - i64::from(offset_min) * 60_000_000;
        prop_assert_eq!(parse_time(&text), Some(expected), "{}", text);
        if zone_kind == 2 || zone_kind == 1 {
            let chrono = DateTime::parse_from_rfc3339(&text).unwrap().timestamp_micros();
            prop_assert_eq!(parse_time(&text), Some(chrono), "{}", text);
        }
    }

    #[test]
    fn epoch_times_round_trip(secs in 0i64..100_000_000_000, micros in 0u32..1_000_000) {
        let chrono = DateTime::<Utc>::from_timestamp(secs, micros * 1000)
            .unwrap()
            .timestamp_micros();
        prop_assert_eq!(parse_time(&format!("{secs}.{micros:06}")), Some(chrono));
        prop_assert_eq!(parse_time(&secs.to_string()), Some(secs * 1_000_000));
    }

    #[test]
    fn epoch_milliseconds_round_trip(ms in 100_000_000_000i64..10_000_000_000_000) {
        prop_assert_eq!(parse_time(&ms.to_string()), Some(ms * 1000));
    }

    #[test]
    fn access_log_times_round_trip(
        (date, h, mi, s, _, _) in date_time().prop_filter("4-digit year", |d| d.0.format("%Y").to_string().len() == 4),
        offset_min in -(23 * 60 + 59)..=(23 * 60 + 59i32),
    ) {
        let zone = FixedOffset::east_opt(offset_min * 60).unwrap();
        let local = date.and_hms_opt(h, mi, s).unwrap();
        let dt = zone.from_local_datetime(&local).unwrap();
        let text = dt.format("[%d/%b/%Y:%H:%M:%S %z]").to_string();
        prop_assert_eq!(parse_time(&text), Some(dt.timestamp_micros()), "{}", text);
    }

    #[test]
    fn us_times_round_trip((date, h, mi, s, _, _) in date_time(), with_seconds in any::<bool>()) {
        let dt = date.and_hms_opt(h, mi, if with_seconds { s } else { 0 }).unwrap();
        let layout = if with_seconds { "%-m/%-d/%Y %-I:%M:%S %p" } else { "%-m/%-d/%Y %-I:%M %p" };
        let text = dt.format(layout).to_string();
        prop_assert_eq!(parse_time(&text), Some(dt.and_utc().timestamp_micros()), "{}", text);
    }

    #[test]
    fn ports_round_trip(p in any::<u16>()) {
        prop_assert_eq!(parse_port(p.to_string().as_bytes()), Some(p));
        prop_assert_eq!(parse_port(format!(" {p}.0 ").as_bytes()), Some(p));
    }

    #[test]
    fn out_of_range_ports_are_rejected(p in 65_536u64..10_000_000_000) {
        prop_assert_eq!(parse_port(p.to_string().as_bytes()), None);
        prop_assert_eq!(parse_port(format!("-{p}").as_bytes()), None);
    }

    #[test]
    fn addresses_round_trip(v4 in any::<u32>(), v6 in any::<u128>()) {
        let v4 = Ipv4Addr::from(v4);
        let v6 = Ipv6Addr::from(v6);
        prop_assert_eq!(parse_ip(v4.to_string().as_bytes()), Some(v4.into()));
        prop_assert_eq!(parse_ip(v6.to_string().as_bytes()), Some(v6.into()));
        prop_assert_eq!(parse_ip(format!("[{v6}]").as_bytes()), Some(v6.into()));
        prop_assert_eq!(parse_ip(format!("{v6}%eth0").as_bytes()), Some(v6.into()));
    }

    #[test]
    fn numbers_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        prop_assert_eq!(parse_number(x.to_string().as_bytes()), Some(x));
        prop_assert_eq!(parse_number(format!(" {x:e} ").as_bytes()), Some(x));
    }
}

// ---------------------------------------------------------------------------------------------
// Reading whole files
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn reading_arbitrary_bytes_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        max in max_line_bytes(),
    ) {
        check_every_format(&bytes, max)?;
    }

    #[test]
    fn reading_texty_bytes_never_panics(bytes in nasty_bytes(2048), max in max_line_bytes()) {
        check_every_format(&bytes, max)?;
    }

    #[test]
    fn reading_mutated_real_lines_never_panics(bytes in mutated_sample(), max in max_line_bytes()) {
        check_every_format(&bytes, max)?;
    }

}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn reading_generated_rows_of_known_layouts_never_panics(bytes in generated_layout_file()) {
        check_read(&bytes, &ReadOptions::default())?;
    }
}

/// Reads `bytes` as their detected format and, when any event was read, runs the whole
/// detection (every detector, no model cache) and checks its verdicts are numbers in range.
fn check_detect(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("input");
    std::fs::write(&path, bytes).expect("write input");
    let mut table = EventTable::default();
    let options = ReadOptions::default();
    if read_file(&path, 0, &mut table, &options, &ReadProgress::default()).is_err()
        || table.is_empty()
    {
        return Ok(());
    }
    let settings = netsleuth::detection::DetectionSettings {
        cache_dir: None,
        ..Default::default()
    };
    let never = std::sync::atomic::AtomicBool::new(false);
    let d = netsleuth::detection::detect(&table, &settings, &never)
        .map_err(|_| TestCaseError::fail("detection without a cancel flag stopped"))?;
    prop_assert_eq!(d.event_flagged.len(), table.len());
    for s in &d.sources {
        prop_assert!(
            (0.0..=100.0).contains(&s.confidence),
            "confidence {} of {}",
            s.confidence,
            s.stats.ip
        );
    }
    // Samples of a few hundred lines: a mutation that made a run allocate by the time span
    // or the value range (as an epoch of 2^63 once did, 840 MB) shows in the peak.
    let peak = peak_rss();
    prop_assert!(peak < 1 << 30, "peak RSS {} MB", peak >> 20);
    Ok(())
}

/// This process's peak resident memory, in bytes.
fn peak_rss() -> u64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as u64 * 1024
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn detecting_mutated_real_samples_never_panics(bytes in mutated_sample()) {
        check_detect(&bytes)?;
    }
}
