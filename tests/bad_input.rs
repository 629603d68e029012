//! Readers facing bad input: truncated, binary, mis-delimited, ragged, mis-encoded and
//! absurdly long data built from real samples in `../shared/data`. Every test checks that
//! reading never panics, keeps every good row, counts every skipped row with its reason and
//! line, and that unreadable files fail with a message naming the file and the problem.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::Ordering;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use netsleuth::events::{EventTable, Field};
use netsleuth::ingest::{
    read_file, read_files, ColumnMapping, FileReport, Format, ReadError, ReadOptions, ReadProgress,
    SniffError, DEFAULT_MAX_LINE_BYTES,
};
use serde_json::Value;
use tempfile::TempDir;

const CLOUDWATCH: &str = "cloudwatch/CloudWatch_Traffic_Web_Attack.csv";
const COWRIE: &str = "honeypot/cowrie/cowrie.json.2018-05-06";
const SURICATA: &str = "honeypot/suricata/eve.json";
const MHN: &str = "honeypot/dionaea/dionaea_mhn_export.json";
const ZEEK_TSV: &str = "zeek/trickbot_conn.log";
const ZEEK_JSON: &str = "zeek/conn_json.log";
const IOT23: &str = "iot-23/CTU-Honeypot-Capture-4-1-labeled.csv";
const VPC: &str = "aws-vpc-flow-logs/vpcflowlogs.log";
const ACCESS: &str = "web-access-logs/hackers-access.log";
const NSL_KDD: &str = "nsl-kdd/KDDTrain+_20Percent.txt";
const KDD99_GZ: &str = "kddcup99/kddcup.data_10_percent.gz";
const README: &str = "README.md";

/// Every format id, in the order the "Tried:" list of an unrecognised file names them.
const TRIED: &str = "Tried: cloudwatch, cic-flow, iscx2012, suricata-eve, cowrie, dionaea, \
     dionaea-mhn, zeek-tsv, zeek-json, zeek-csv, aws-vpc-flow, access-log, nsl-kdd, kdd99, \
     unsw-nb15, csv";

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(rel)
}

/// The first `n` lines of a real sample (decompressed if gzip), without line endings.
fn head_lines(rel: &str, n: usize) -> Vec<Vec<u8>> {
    let file = std::fs::File::open(data(rel)).expect("sample file");
    let reader: Box<dyn BufRead> = if rel.ends_with(".gz") {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let lines: Vec<Vec<u8>> = reader
        .split(b'\n')
        .take(n)
        .map(|l| {
            let mut l = l.expect("readable sample");
            if l.last() == Some(&b'\r') {
                l.pop();
            }
            l
        })
        .collect();
    assert_eq!(lines.len(), n, "{rel} has fewer than {n} lines");
    lines
}

/// Lines joined with `ending` after each one.
fn join_with(lines: &[Vec<u8>], ending: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.extend_from_slice(ending);
    }
    out
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    join_with(lines, b"\n")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// What a gzip decoder can get out of `gz` before it fails: (bytes, whether it failed).
fn decodable_prefix(gz: &[u8]) -> (Vec<u8>, bool) {
    let mut dec = MultiGzDecoder::new(gz);
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match dec.read(&mut buf) {
            Ok(0) => return (out, false),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, true),
        }
    }
}

/// Splits a delimited line into owned fields.
fn fields(line: &[u8], delim: u8) -> Vec<Vec<u8>> {
    line.split(|&b| b == delim).map(<[u8]>::to_vec).collect()
}

fn unsplit(fields: &[Vec<u8>], delim: u8) -> Vec<u8> {
    fields.join(&[delim][..])
}

/// Replaces field `i` of a delimited line.
fn set_field(line: &mut Vec<u8>, delim: u8, i: usize, value: &[u8]) {
    let mut f = fields(line, delim);
    f[i] = value.to_vec();
    *line = unsplit(&f, delim);
}

fn drop_last_field(line: &mut Vec<u8>, delim: u8) {
    let at = line.iter().rposition(|&b| b == delim).expect("a delimiter");
    line.truncate(at);
}

/// Applies `edit` to a JSON line.
fn edit_json(line: &mut Vec<u8>, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let mut v: Value = serde_json::from_slice(line).expect("real JSON line");
    edit(v.as_object_mut().expect("JSON object"));
    *line = serde_json::to_vec(&v).unwrap();
}

/// A fresh temporary directory for one test's files.
struct Scratch(TempDir);

impl Scratch {
    fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("temp dir"))
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

fn forced(format: Format) -> ReadOptions {
    ReadOptions {
        format: Some(format),
        ..ReadOptions::default()
    }
}

/// Reads one file into a fresh table and checks the report's own bookkeeping.
fn try_read(path: &Path, options: &ReadOptions) -> Result<(FileReport, EventTable), ReadError> {
    let mut table = EventTable::default();
    let report = read_file(path, 0, &mut table, options, &ReadProgress::default())?;
    check_bookkeeping(&report, &table);
    Ok((report, table))
}

fn read_as(path: &Path, options: &ReadOptions) -> (FileReport, EventTable) {
    try_read(path, options).unwrap_or_else(|e| panic!("expected a readable file, got: {e}"))
}

fn read(path: &Path) -> (FileReport, EventTable) {
    read_as(path, &ReadOptions::default())
}

fn read_err(path: &Path, options: &ReadOptions) -> ReadError {
    match try_read(path, options) {
        Ok((r, _)) => panic!(
            "expected an error, read {} records as {}",
            r.records,
            r.format.id()
        ),
        Err(e) => e,
    }
}

fn check_bookkeeping(report: &FileReport, table: &EventTable) {
    let skips = &report.skips;
    assert_eq!(report.records, report.events + skips.total(), "records");
    assert_eq!(report.rows.len() as u64, report.events, "rows");
    assert_eq!(table.len(), report.rows.end, "table length");
    assert_eq!(skips.by_kind().values().sum::<u64>(), skips.total());
    assert_eq!(skips.examples().len() as u64, skips.total().min(10));
}

/// The skip examples as (line, reason).
fn examples(report: &FileReport) -> Vec<(u64, String)> {
    report
        .skips
        .examples()
        .iter()
        .map(|e| (e.line, e.reason.clone()))
        .collect()
}

fn kinds(report: &FileReport) -> Vec<(&'static str, u64)> {
    report
        .skips
        .by_kind()
        .iter()
        .map(|(k, n)| (*k, *n))
        .collect()
}

/// The line each kept event was read from, in table order.
fn event_lines(report: &FileReport, table: &EventTable) -> Vec<u32> {
    report.rows.clone().map(|r| table.line(r)).collect()
}

/// `lo..=hi` without `except`.
fn lines_except(lo: u32, hi: u32, except: &[u32]) -> Vec<u32> {
    (lo..=hi).filter(|l| !except.contains(l)).collect()
}

/// Everything the table holds about one row, for comparing two reads of the same data.
fn row_summary(t: &EventTable, row: usize) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        t.time_us(row),
        t.duration_s(row),
        t.source_ip(row),
        t.source_port(row),
        t.destination_ip(row),
        t.destination_port(row),
        t.transport(row),
        t.app_protocol(row),
        t.bytes_sent(row),
        t.bytes_received(row),
        t.packets_sent(row),
        t.packets_received(row),
        t.direction(row),
        t.outcome(row),
        t.country_code(row),
        t.detail(row),
        t.label(row)
            .map(|l| (l.verdict, t.label_class_name(l).to_string())),
    )
}

fn inspect<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("inspect")
        .args(args)
        .output()
        .expect("run netsleuth")
}

/// `netsleuth detect --out OUT ARGS...` with the model cache off.
fn detect_cli<I, S>(out: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .env("NETSLEUTH_CACHE_DIR", "")
        .args(["detect", "--out"])
        .arg(out)
        .args(args)
        .output()
        .expect("run netsleuth")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---------------------------------------------------------------------------------------------
// 1. Truncated files
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_cut_in_its_last_line_skips_only_that_row() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 51);
    let last = lines.last_mut().unwrap();
    last.truncate(last.len() / 2);
    let found = last.iter().filter(|&&b| b == b',').count() + 1;
    let mut bytes = join(&lines);
    bytes.pop();
    let path = s.file("cut.csv", &bytes);

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::CloudWatch);
    assert_eq!((r.records, r.events), (50, 49));
    assert_eq!(
        examples(&r),
        vec![(
            51,
            format!("wrong field count: expected 16 fields, found {found}")
        )]
    );
    assert_eq!(event_lines(&r, &t), lines_except(2, 50, &[]));
    assert_eq!(
        t.source_ip(r.rows.start).unwrap().to_string(),
        "147.161.161.82"
    );
}

#[test]
fn json_lines_cut_in_their_last_line_skip_only_that_row() {
    for (rel, format) in [(COWRIE, Format::Cowrie), (SURICATA, Format::SuricataEve)] {
        let s = Scratch::new();
        let mut lines = head_lines(rel, 40);
        let last = lines.last_mut().unwrap();
        last.truncate(last.len() / 2);
        let mut bytes = join(&lines);
        bytes.pop();
        let path = s.file("cut.json", &bytes);

        let (r, t) = read(&path);
        assert_eq!(r.format, format, "{rel}");
        assert_eq!((r.records, r.events), (40, 39), "{rel}");
        assert_eq!(kinds(&r), vec![("invalid JSON", 1)], "{rel}");
        assert_eq!(r.skips.examples()[0].line, 40, "{rel}");
        assert_eq!(event_lines(&r, &t), lines_except(1, 39, &[]), "{rel}");
    }
}

#[test]
fn access_log_cut_in_its_last_line_skips_only_that_row() {
    let s = Scratch::new();
    let mut lines = head_lines(ACCESS, 25);
    let last = lines.last_mut().unwrap();
    let quote = last.iter().position(|&b| b == b'"').unwrap();
    last.truncate(quote + 5);
    let mut bytes = join(&lines);
    bytes.pop();
    let path = s.file("cut.log", &bytes);

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::AccessLog);
    assert_eq!((r.records, r.events), (25, 24));
    assert_eq!(kinds(&r), vec![("not an access log line", 1)]);
    assert_eq!(r.skips.examples()[0].line, 25);
    assert_eq!(event_lines(&r, &t), lines_except(1, 24, &[]));
}

#[test]
fn zeek_tsv_cut_in_its_last_line_skips_only_that_row() {
    let s = Scratch::new();
    let mut lines = head_lines(ZEEK_TSV, 20);
    let last = lines.last_mut().unwrap();
    last.truncate(last.len() / 2);
    let found = last.iter().filter(|&&b| b == b'\t').count() + 1;
    let mut bytes = join(&lines);
    bytes.pop();
    let path = s.file("cut.log", &bytes);

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::ZeekTsv);
    assert_eq!((r.records, r.events), (12, 11));
    assert_eq!(
        examples(&r),
        vec![(
            20,
            format!("wrong field count: expected 22 fields, found {found}")
        )]
    );
    assert_eq!(event_lines(&r, &t), lines_except(9, 19, &[]));
}

/// The real KDD99 gzip cut well past the first 64 KiB of decoded data.
#[test]
fn gzip_cut_mid_stream_keeps_rows_before_the_cut() {
    let s = Scratch::new();
    let whole = std::fs::read(data(KDD99_GZ)).unwrap();
    let cut = &whole[..200_000];
    let (prefix, failed) = decodable_prefix(cut);
    assert!(failed, "a cut gzip stream must fail to decode");
    let complete = prefix.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(complete > 10_000);
    let path = s.file("kdd.gz", cut);

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::Kdd99);
    assert!(r.gzip);
    assert_eq!(r.events, complete);
    assert_eq!(r.records, complete + 1);
    assert_eq!(kinds(&r), vec![("read error, rest of file lost", 1)]);
    let ex = &r.skips.examples()[0];
    assert_eq!(ex.line, complete + 1);
    assert!(ex.reason.starts_with("read error, rest of file lost"));
    assert_eq!(t.line(r.rows.end - 1) as u64, complete);
}

/// A small gzip (all of it inside the 64 KiB sniffing head) cut in the middle: the rows
/// before the cut must still be kept rather than the whole file failing.
#[test]
fn small_gzip_cut_mid_stream_keeps_rows_before_the_cut() {
    let s = Scratch::new();
    let plain = join(&head_lines(COWRIE, 60));
    assert!(plain.len() < 64 * 1024);
    let gz = gzip(&plain);
    let cut = &gz[..gz.len() / 2];
    let (prefix, failed) = decodable_prefix(cut);
    assert!(failed);
    let complete = prefix.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(complete >= 5, "only {complete} complete lines decoded");
    let path = s.file("cowrie.json.gz", cut);

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::Cowrie);
    assert!(r.gzip);
    assert_eq!(r.events, complete);
    assert_eq!(kinds(&r), vec![("read error, rest of file lost", 1)]);
    assert_eq!(r.skips.examples()[0].line, complete + 1);
    assert_eq!(event_lines(&r, &t), lines_except(1, complete as u32, &[]));
}

/// `detect` on a gzip cut short writes what it could read, says how much was lost and where,
/// reports it in `--json` as `inspect` does, and exits 2: written, with losses.
#[test]
fn detect_on_a_cut_gzip_says_the_tail_is_lost_and_exits_2() {
    let s = Scratch::new();
    let gz = gzip(&join(&head_lines(COWRIE, 60)));
    let cut = &gz[..gz.len() / 2];
    let (prefix, _) = decodable_prefix(cut);
    let complete = prefix.iter().filter(|&&b| b == b'\n').count() as u64;
    let path = s.file("cowrie.json.gz", cut);
    let out = s.0.path().join("out");
    let detect = |json: bool| {
        detect_cli(
            &out,
            std::iter::once(path.as_os_str()).chain(json.then_some(OsStr::new("--json"))),
        )
    };
    let run = detect(false);
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    let err = text(&run.stderr);
    assert!(
        err.contains(&format!(
            "{}: 1 of {} rows skipped (1 read error, rest of file lost); first at line {}:",
            path.display(),
            complete + 1,
            complete + 1
        )),
        "{err}"
    );
    assert!(text(&run.stdout).starts_with(&format!("{complete} events from 1 file(s)")));
    let run = detect(true);
    assert_eq!(run.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["files"][0]["events"], complete);
    assert_eq!(doc["files"][0]["skipped"], 1);
    assert_eq!(
        doc["files"][0]["skipped_by_reason"]["read error, rest of file lost"],
        1
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Binary files, other compressions, empty and blank files
// ---------------------------------------------------------------------------------------------

/// Deterministic pseudo-random bytes.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

fn format_problem(e: &ReadError) -> &SniffError {
    match e {
        ReadError::Format { problem, .. } => problem,
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn random_bytes_are_binary_at_the_first_nul() {
    let s = Scratch::new();
    let mut bytes = noise(8192, 7);
    bytes[..2].copy_from_slice(b"ab");
    let nul = bytes
        .iter()
        .position(|&b| b == 0)
        .expect("noise holds a NUL");
    let path = s.file("noise.bin", &bytes);
    for options in [ReadOptions::default(), forced(Format::MappedCsv)] {
        let e = read_err(&path, &options);
        assert_eq!(format_problem(&e), &SniffError::Binary(nul));
        assert_eq!(
            e.to_string(),
            format!(
                "{}: binary data at byte {nul}, not a text log (compressed files must be gzip)",
                path.display()
            )
        );
    }
}

#[test]
fn control_bytes_without_nul_are_binary() {
    let s = Scratch::new();
    let bytes: Vec<u8> = noise(4096, 3).iter().map(|b| b % 31 + 1).collect();
    let path = s.file("control.bin", &bytes);
    let e = read_err(&path, &ReadOptions::default());
    assert!(matches!(format_problem(&e), SniffError::Binary(_)));
    assert!(e.to_string().contains("binary data at byte"));
}

#[test]
fn png_and_elf_files_are_binary() {
    let s = Scratch::new();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8\x66";
    let path = s.file("image.png", png);
    assert_eq!(
        format_problem(&read_err(&path, &ReadOptions::default())),
        &SniffError::Binary(8)
    );
    let gz = s.file("image.png.gz", &gzip(png));
    assert_eq!(
        format_problem(&read_err(&gz, &ReadOptions::default())),
        &SniffError::Binary(8)
    );

    let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert!(exe.starts_with(b"\x7fELF"));
    let path = s.file("program", &exe[..64 * 1024]);
    let nul = exe.iter().position(|&b| b == 0).unwrap();
    for options in [ReadOptions::default(), forced(Format::AccessLog)] {
        let e = read_err(&path, &options);
        assert_eq!(format_problem(&e), &SniffError::Binary(nul));
        assert!(e.to_string().starts_with(&path.display().to_string()));
    }
}

#[test]
fn other_compressions_are_named() {
    let s = Scratch::new();
    let tail = join(&head_lines(CLOUDWATCH, 3));
    let cases: [(&[u8], &str); 5] = [
        (b"BZh91AY&SY", "bzip2"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "zip"),
        (b"\xfd7zXZ\x00\x00", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    ];
    for (magic, name) in cases {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&tail);
        let path = s.file(&format!("data.{name}"), &bytes);
        for options in [ReadOptions::default(), forced(Format::CloudWatch)] {
            let e = read_err(&path, &options);
            assert_eq!(format_problem(&e), &SniffError::Compressed(name));
            assert_eq!(
                e.to_string(),
                format!(
                    "{}: {name}-compressed; netsleuth reads plain text and gzip, so decompress it first",
                    path.display()
                )
            );
        }
    }
}

#[test]
fn empty_files_say_so() {
    let s = Scratch::new();
    let plain = s.file("empty.csv", b"");
    let gz = s.file("empty.csv.gz", &gzip(b""));
    for path in [plain, gz] {
        for options in [ReadOptions::default(), forced(Format::Cowrie)] {
            let e = read_err(&path, &options);
            assert_eq!(format_problem(&e), &SniffError::Empty);
            assert_eq!(
                e.to_string(),
                format!("{}: the file is empty", path.display())
            );
        }
    }
}

#[test]
fn blank_files_say_so() {
    let s = Scratch::new();
    for (name, bytes) in [
        ("blank.log", &b"\n\n   \n\t\n"[..]),
        ("blank-crlf.log", b"\r\n\r\n  \r\n"),
        ("bom-only.csv", b"\xef\xbb\xbf\n\n"),
    ] {
        let path = s.file(name, bytes);
        let e = read_err(&path, &ReadOptions::default());
        assert_eq!(format_problem(&e), &SniffError::Blank, "{name}");
        assert_eq!(
            e.to_string(),
            format!("{}: the file holds only blank lines", path.display())
        );
    }
}

#[test]
fn blank_files_with_a_forced_line_format_hold_no_records() {
    let s = Scratch::new();
    let path = s.file("blank.json", b"\n\n   \n\t\n");
    for format in [Format::Cowrie, Format::SuricataEve, Format::AccessLog] {
        let (r, _) = read_as(&path, &forced(format));
        assert_eq!((r.records, r.events), (0, 0), "{}", format.id());
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Wrong delimiters, mismatched forced formats, ragged rows
// ---------------------------------------------------------------------------------------------

#[test]
fn semicolon_cloudwatch_keeps_its_layout() {
    let s = Scratch::new();
    let lines: Vec<Vec<u8>> = head_lines(CLOUDWATCH, 21)
        .into_iter()
        .map(|l| {
            l.iter()
                .map(|&b| if b == b',' { b';' } else { b })
                .collect()
        })
        .collect();
    let path = s.file("semicolon.csv", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::CloudWatch);
    assert_eq!((r.records, r.events), (20, 20));
    let row = r.rows.start;
    assert_eq!(t.source_ip(row).unwrap().to_string(), "147.161.161.82");
    assert_eq!(t.bytes_sent(row), Some(5602.0));
    assert_eq!(t.destination_port(row), Some(443));
    assert_eq!(event_lines(&r, &t), lines_except(2, 21, &[]));
}

#[test]
fn other_delimiters_are_read_through_the_guessed_mapping() {
    for delim in [b';', b'|', b'\t'] {
        let s = Scratch::new();
        let lines: Vec<Vec<u8>> = head_lines(VPC, 21)
            .into_iter()
            .map(|l| {
                l.iter()
                    .map(|&b| if b == b' ' { delim } else { b })
                    .collect()
            })
            .collect();
        let path = s.file("flows.csv", &join(&lines));

        let (r, t) = read(&path);
        let d = delim as char;
        assert_eq!(r.format, Format::MappedCsv, "{d:?}");
        assert_eq!((r.records, r.events), (20, 20), "{d:?}");
        for f in [
            Field::SourceIp,
            Field::DestinationIp,
            Field::SourcePort,
            Field::DestinationPort,
            Field::Transport,
            Field::Outcome,
        ] {
            assert!(r.fields.contains(f), "{d:?}: {f:?} not mapped");
        }
        let row = r.rows.start;
        assert_eq!(t.source_ip(row).unwrap().to_string(), "88.218.193.198");
        assert_eq!(t.destination_port(row), Some(57598));
        assert_eq!(t.transport(row), Some("tcp"));
        assert_eq!(t.outcome(row), Some("REJECT"));
        assert_eq!(event_lines(&r, &t), lines_except(2, 21, &[]), "{d:?}");
    }
}

/// Forcing a line format onto a file of another format skips every line, with the reason.
#[test]
fn forced_mismatched_line_formats_skip_every_line() {
    let s = Scratch::new();
    let cloudwatch = s.file("cw.csv", &join(&head_lines(CLOUDWATCH, 21)));
    let vpc = s.file("vpc.log", &join(&head_lines(VPC, 21)));
    let suricata = s.file("eve.json", &join(&head_lines(SURICATA, 21)));
    let cowrie = s.file("cowrie.json", &join(&head_lines(COWRIE, 21)));
    let zeek_json = s.file("conn.json", &join(&head_lines(ZEEK_JSON, 21)));
    let cases = [
        (&cloudwatch, Format::SuricataEve, "invalid JSON"),
        (
            &cloudwatch,
            Format::ZeekTsv,
            "data before the #fields header",
        ),
        (&cloudwatch, Format::VpcFlow, "wrong field count"),
        (&vpc, Format::AccessLog, "not an access log line"),
        (&vpc, Format::Cowrie, "invalid JSON"),
        (&suricata, Format::Cowrie, "invalid JSON"),
        (&suricata, Format::AccessLog, "not an access log line"),
        (&cowrie, Format::ZeekJson, "not a Zeek conn record"),
        (&zeek_json, Format::Dionaea, "missing field"),
        (&zeek_json, Format::DionaeaMhn, "missing field"),
    ];
    for (path, format, kind) in cases {
        let ctx = format!("{} as {}", path.display(), format.id());
        let (r, _) = read_as(path, &forced(format));
        assert_eq!(r.format, format, "{ctx}");
        assert_eq!((r.records, r.events), (21, 0), "{ctx}");
        assert_eq!(kinds(&r), vec![(kind, 21)], "{ctx}");
        let lines: Vec<u64> = r.skips.examples().iter().map(|e| e.line).collect();
        assert_eq!(lines, (1..=10).collect::<Vec<u64>>(), "{ctx}");
    }
}

/// What a VPC flow log line of no documented layout and no header says.
const LAYOUTS: &str =
    "fields and no header line naming them (AWS's documented layouts have 14, 29, 36, 39 or 40)";

#[test]
fn forced_vpc_reports_field_counts() {
    let s = Scratch::new();
    let path = s.file("cw.csv", &join(&head_lines(CLOUDWATCH, 4)));
    let (r, _) = read_as(&path, &forced(Format::VpcFlow));
    assert_eq!(
        examples(&r),
        vec![
            (1, format!("wrong field count: 1 {LAYOUTS}")),
            (2, format!("wrong field count: 5 {LAYOUTS}")),
            (3, format!("wrong field count: 5 {LAYOUTS}")),
            (4, format!("wrong field count: 5 {LAYOUTS}")),
        ]
    );
}

#[test]
fn kdd_layouts_forced_onto_each_other_report_field_counts() {
    let s = Scratch::new();
    let kdd99 = s.file("kdd99.csv", &join(&head_lines(KDD99_GZ, 30)));
    let nsl = s.file("nsl.txt", &join(&head_lines(NSL_KDD, 30)));
    for (path, format, expected, found) in [
        (&kdd99, Format::NslKdd, 43, 42),
        (&nsl, Format::Kdd99, 42, 43),
    ] {
        let (r, _) = read_as(path, &forced(format));
        assert_eq!((r.records, r.events), (30, 0));
        assert_eq!(kinds(&r), vec![("wrong field count", 30)]);
        assert_eq!(
            r.skips.examples()[0],
            netsleuth::ingest::SkipExample {
                line: 1,
                reason: format!("wrong field count: expected {expected} fields, found {found}"),
            }
        );
    }
}

/// A CSV layout forced onto JSON lines has none of the layout's columns; keeping rows that
/// hold no field at all would be misleading, so the file must be rejected.
#[test]
fn forced_csv_layout_without_its_columns_is_rejected() {
    let s = Scratch::new();
    let path = s.file("eve.json", &join(&head_lines(SURICATA, 20)));
    let mut failures = Vec::new();
    for format in [Format::CloudWatch, Format::CicFlow, Format::UnswNb15] {
        match try_read(&path, &forced(format)) {
            Ok((r, _)) => failures.push(format!(
                "{} forced onto Suricata JSON kept {} events holding fields {:?}",
                format.id(),
                r.events,
                r.fields.iter().collect::<Vec<_>>()
            )),
            Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "{e}"),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn ragged_csv_rows_report_expected_and_found_counts() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 31);
    drop_last_field(&mut lines[4], b',');
    lines[8].extend_from_slice(b",extra");
    lines[11] = b"147.161.161.82,AE".to_vec();
    lines[19].clear();
    let path = s.file("ragged.csv", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (29, 26));
    assert_eq!(
        examples(&r),
        vec![
            (5, "wrong field count: expected 16 fields, found 15".into()),
            (9, "wrong field count: expected 16 fields, found 17".into()),
            (12, "wrong field count: expected 16 fields, found 2".into()),
        ]
    );
    assert_eq!(event_lines(&r, &t), lines_except(2, 31, &[5, 9, 12, 20]));
}

#[test]
fn ragged_zeek_and_vpc_rows_report_expected_and_found_counts() {
    let s = Scratch::new();
    let mut zeek = head_lines(ZEEK_TSV, 30);
    drop_last_field(&mut zeek[9], b'\t');
    zeek[14].extend_from_slice(b"\textra");
    let path = s.file("conn.log", &join(&zeek));
    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (22, 20));
    assert_eq!(
        examples(&r),
        vec![
            (10, "wrong field count: expected 22 fields, found 21".into()),
            (15, "wrong field count: expected 22 fields, found 23".into()),
        ]
    );
    assert_eq!(event_lines(&r, &t), lines_except(9, 30, &[10, 15]));

    let mut vpc = head_lines(VPC, 21);
    drop_last_field(&mut vpc[2], b' ');
    vpc[6].extend_from_slice(b" extra");
    let path = s.file("vpc.log", &join(&vpc));
    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (20, 18));
    assert_eq!(
        examples(&r),
        vec![
            (3, "wrong field count: expected 14 fields, found 13".into()),
            (7, "wrong field count: expected 14 fields, found 15".into()),
        ]
    );
    assert_eq!(event_lines(&r, &t), lines_except(2, 21, &[3, 7]));
}

// ---------------------------------------------------------------------------------------------
// 4. Unparseable values in otherwise good rows
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_csv_values_are_skipped_naming_the_column() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 21);
    set_field(&mut lines[2], b',', 2, b"2024-13-45T99:00:00Z");
    set_field(&mut lines[3], b',', 0, b"12k");
    set_field(&mut lines[4], b',', 4, b"147.161.161.300");
    set_field(&mut lines[5], b',', 8, b"70000");
    set_field(&mut lines[6], b',', 9, b"10.138.69");
    set_field(&mut lines[7], b',', 3, b"yesterday");
    set_field(&mut lines[8], b',', 1, b"NaN?");
    let path = s.file("values.csv", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (20, 13));
    assert_eq!(
        examples(&r),
        vec![
            (
                3,
                "bad timestamp: column 'creation_time' = '2024-13-45T99:00:00Z'".into()
            ),
            (4, "bad number: column 'bytes_in' = '12k'".into()),
            (
                5,
                "bad IP address: column 'src_ip' = '147.161.161.300'".into()
            ),
            (6, "bad port: column 'dst_port' = '70000'".into()),
            (7, "bad IP address: column 'dst_ip' = '10.138.69'".into()),
            (8, "bad timestamp: column 'end_time' = 'yesterday'".into()),
            (9, "bad number: column 'bytes_out' = 'NaN?'".into()),
        ]
    );
    assert_eq!(
        kinds(&r),
        vec![
            ("bad IP address", 2),
            ("bad number", 2),
            ("bad port", 1),
            ("bad timestamp", 2)
        ]
    );
    assert_eq!(
        event_lines(&r, &t),
        lines_except(2, 21, &[3, 4, 5, 6, 7, 8, 9])
    );
}

#[test]
fn bad_zeek_tsv_values_are_skipped_naming_the_column() {
    let s = Scratch::new();
    let mut lines = head_lines(ZEEK_TSV, 20);
    set_field(&mut lines[9], b'\t', 0, b"yesterday");
    set_field(&mut lines[10], b'\t', 2, b"172.16.9");
    set_field(&mut lines[11], b'\t', 3, b"http");
    set_field(&mut lines[12], b'\t', 9, b"lots");
    set_field(&mut lines[13], b'\t', 5, b"-1");
    set_field(&mut lines[14], b'\t', 8, b"0.0.1");
    let path = s.file("conn.log", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (12, 6));
    assert_eq!(
        examples(&r),
        vec![
            (10, "bad timestamp: column 'ts' = 'yesterday'".into()),
            (11, "bad IP address: column 'id.orig_h' = '172.16.9'".into()),
            (12, "bad port: column 'id.orig_p' = 'http'".into()),
            (13, "bad number: column 'orig_bytes' = 'lots'".into()),
            (14, "bad port: column 'id.resp_p' = '-1'".into()),
            (15, "bad number: column 'duration' = '0.0.1'".into()),
        ]
    );
    assert_eq!(
        event_lines(&r, &t),
        lines_except(9, 20, &[10, 11, 12, 13, 14, 15])
    );
}

#[test]
fn bad_vpc_values_are_skipped_naming_the_column() {
    let s = Scratch::new();
    let mut lines = head_lines(VPC, 11);
    set_field(&mut lines[2], b' ', 3, b"88.218.193");
    set_field(&mut lines[3], b' ', 6, b"port");
    set_field(&mut lines[4], b' ', 10, b"soon");
    set_field(&mut lines[5], b' ', 8, b"many");
    let path = s.file("vpc.log", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (10, 6));
    assert_eq!(
        examples(&r),
        vec![
            (3, "bad IP address: column 'srcaddr' = '88.218.193'".into()),
            (4, "bad port: column 'dstport' = 'port'".into()),
            (5, "bad timestamp: column 'start' = 'soon'".into()),
            (6, "bad number: column 'packets' = 'many'".into()),
        ]
    );
    assert_eq!(event_lines(&r, &t), lines_except(2, 11, &[3, 4, 5, 6]));
}

#[test]
fn bad_kdd_values_are_skipped_naming_the_column() {
    let s = Scratch::new();
    let mut lines = head_lines(NSL_KDD, 20);
    set_field(&mut lines[2], b',', 4, b"12x");
    set_field(&mut lines[4], b',', 0, b"-");
    let path = s.file("kdd.txt", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::NslKdd);
    assert_eq!((r.records, r.events), (20, 19));
    assert_eq!(
        examples(&r),
        vec![(3, "bad number: column 'src_bytes' = '12x'".into())]
    );
    assert_eq!(event_lines(&r, &t), lines_except(1, 20, &[3]));
}

#[test]
fn bad_suricata_values_are_skipped_naming_the_field() {
    let s = Scratch::new();
    let mut lines = head_lines(SURICATA, 20);
    edit_json(&mut lines[1], |o| {
        o.insert("timestamp".into(), "2022-02-30T19:22:25.267657+0100".into());
    });
    edit_json(&mut lines[2], |o| {
        o.insert("src_ip".into(), "172.16.0.1311".into());
    });
    edit_json(&mut lines[3], |o| {
        o.insert("dest_ip".into(), "not-an-address".into());
    });
    edit_json(&mut lines[4], |o| {
        o.remove("timestamp");
    });
    let path = s.file("eve.json", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!(r.format, Format::SuricataEve);
    assert_eq!((r.records, r.events), (20, 16));
    assert_eq!(
        examples(&r),
        vec![
            (
                2,
                "bad timestamp: column 'timestamp' = '2022-02-30T19:22:25.267657+0100'".into()
            ),
            (
                3,
                "bad IP address: column 'src_ip' = '172.16.0.1311'".into()
            ),
            (
                4,
                "bad IP address: column 'dest_ip' = 'not-an-address'".into()
            ),
            (5, "missing field: no 'timestamp'".into()),
        ]
    );
    assert_eq!(event_lines(&r, &t), lines_except(1, 20, &[2, 3, 4, 5]));
}

/// A port outside 0-65535 in a JSON log is a bad port in a named field, like in every CSV
/// format, not an "invalid JSON" line.
#[test]
fn out_of_range_json_ports_are_bad_ports() {
    let s = Scratch::new();
    let mut failures = Vec::new();
    for (rel, field) in [
        (SURICATA, "src_port"),
        (COWRIE, "src_port"),
        (MHN, "source_port"),
    ] {
        let mut lines = head_lines(rel, 10);
        edit_json(&mut lines[3], |o| {
            o.insert(field.into(), 99_999.into());
        });
        let path = s.file("ports.json", &join(&lines));
        let (r, _) = read(&path);
        assert_eq!((r.records, r.events), (10, 9), "{rel}");
        let ex = &r.skips.examples()[0];
        assert_eq!(ex.line, 4, "{rel}");
        if kinds(&r) != vec![("bad port", 1)] || !ex.reason.contains(field) {
            failures.push(format!("{rel}: {}", ex.reason));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn bad_honeypot_values_are_skipped_naming_the_field() {
    let s = Scratch::new();
    let mut lines = head_lines(COWRIE, 20);
    edit_json(&mut lines[1], |o| {
        o.remove("src_ip");
    });
    edit_json(&mut lines[2], |o| {
        o.insert("timestamp".into(), "2018-05-06T25:44:05.877228Z".into());
    });
    edit_json(&mut lines[3], |o| {
        o.insert("src_ip".into(), "88.223.26".into());
    });
    let path = s.file("cowrie.json", &join(&lines));
    let (r, t) = read(&path);
    assert_eq!(r.format, Format::Cowrie);
    assert_eq!((r.records, r.events), (20, 17));
    assert_eq!(
        examples(&r),
        vec![
            (2, "missing field: no 'src_ip'".into()),
            (
                3,
                "bad timestamp: column 'timestamp' = '2018-05-06T25:44:05.877228Z'".into()
            ),
            (4, "bad IP address: column 'src_ip' = '88.223.26'".into()),
        ]
    );
    assert_eq!(event_lines(&r, &t), lines_except(1, 20, &[2, 3, 4]));

    let mut lines = head_lines(MHN, 10);
    edit_json(&mut lines[1], |o| {
        o.insert(
            "timestamp".into(),
            serde_json::json!({"$date": "not a date"}),
        );
    });
    edit_json(&mut lines[2], |o| {
        o.insert("source_ip".into(), "103.239.244".into());
    });
    let path = s.file("mhn.json", &join(&lines));
    let (r, _) = read(&path);
    assert_eq!(r.format, Format::DionaeaMhn);
    assert_eq!((r.records, r.events), (10, 8));
    assert_eq!(
        examples(&r),
        vec![
            (
                2,
                r#"bad timestamp: column 'timestamp' = '{"$date":"not a date"}'"#.into()
            ),
            (
                3,
                "bad IP address: column 'source_ip' = '103.239.244'".into()
            ),
        ]
    );
}

#[test]
fn bad_access_log_values_are_skipped_or_kept_as_detail() {
    let s = Scratch::new();
    let mut lines = head_lines(ACCESS, 20);
    lines[2] = text(&lines[2])
        .replace("[25/Oct/2015", "[31/Foo/2015")
        .into_bytes();
    let host_end = lines[3].iter().position(|&b| b == b' ').unwrap();
    lines[3].splice(..host_end, b"not-an-ip.example".iter().copied());
    let line5 = text(&lines[4]);
    assert!(line5.contains("\" 302 9093 "));
    lines[4] = line5.replace("\" 302 9093 ", "\" 302 12ab ").into_bytes();
    let path = s.file("access.log", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (20, 17));
    let ex = examples(&r);
    assert_eq!(ex.len(), 3);
    assert_eq!(
        ex[0],
        (
            3,
            "bad timestamp: column 'time' = '31/Foo/2015:04:11:27 +0100'".into()
        )
    );
    assert_eq!(
        ex[1],
        (
            4,
            "client not an address: column 'client' = 'not-an-ip.example'".into()
        )
    );
    assert_eq!(ex[2].0, 5);
    assert!(
        ex[2].1.starts_with("not an access log line: "),
        "{}",
        ex[2].1
    );
    assert_eq!(event_lines(&r, &t), lines_except(1, 20, &[3, 4, 5]));
}

/// Access-log lines whose client is no address (zero-padded, a host name, `unknown`, `-`) are
/// skipped and counted, named FILE:LINE on stderr with exit status 2, where they were kept
/// without a source and reached no finding; a forwarded list is read, its first public
/// address the client.
#[test]
fn access_log_clients_that_are_not_addresses_are_counted() {
    let s = Scratch::new();
    let mut lines = head_lines(ACCESS, 30);
    let clients: [&[u8]; 5] = [
        b"045.033.001.001",
        b"scanner.example.net",
        b"1.2.3.4,5.6.7.8",
        b"unknown",
        b"-",
    ];
    for (i, client) in clients.iter().enumerate() {
        let line = &mut lines[10 + i];
        let end = line.iter().position(|&b| b == b' ').unwrap();
        line.splice(..end, client.iter().copied());
    }
    let path = s.file("access.log", &join(&lines));
    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (30, 26));
    assert_eq!(kinds(&r), [("client not an address", 4)]);
    assert_eq!(
        examples(&r).iter().map(|e| e.0).collect::<Vec<_>>(),
        [11, 12, 14, 15]
    );
    let listed = (0..t.len()).find(|&row| t.line(row) == 13).unwrap();
    assert_eq!(t.source_ip(listed).unwrap().to_string(), "1.2.3.4");
    assert_eq!(
        t.detail_value(listed, "forwarded_for"),
        Some("1.2.3.4,5.6.7.8")
    );
    assert!(r.rows.clone().all(|row| t.source_ip(row).is_some()));
    let out = inspect([&path]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: 4 of 30 rows skipped (4 client not an address); first at line 11: client not \
             an address: column 'client' = '045.033.001.001'",
            path.display()
        )),
        "{stderr}"
    );
}

/// Start and end times that parse but lie hundreds of millions of years apart must not
/// overflow when the duration is derived from them.
#[test]
fn absurd_csv_start_and_end_times_do_not_panic() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 21);
    set_field(&mut lines[5], b',', 2, b"9223372036854775807");
    set_field(&mut lines[5], b',', 3, b"0000-01-01T00:00:00Z");
    set_field(&mut lines[6], b',', 2, b"0000-01-01T00:00:00Z");
    set_field(&mut lines[6], b',', 3, b"9223372036854775807");
    let path = s.file("times.csv", &join(&lines));
    let (r, _) = read(&path);
    assert_eq!(r.records, 20);
    assert!(r.events >= 18);
}

#[test]
fn absurd_suricata_flow_times_do_not_panic() {
    let s = Scratch::new();
    let mut lines = head_lines(SURICATA, 400);
    let flow = lines
        .iter()
        .position(|l| l.windows(19).any(|w| w == b"\"event_type\":\"flow\""))
        .expect("a flow event in the first 400 lines");
    lines.truncate(flow + 1);
    edit_json(&mut lines[flow], |o| {
        let f = o.get_mut("flow").unwrap().as_object_mut().unwrap();
        f.insert("start".into(), "0000-01-01T00:00:00Z".into());
        f.insert("end".into(), "9223372036854775807".into());
    });
    let path = s.file("eve.json", &join(&lines));
    let (r, _) = read(&path);
    assert_eq!(r.records, flow as u64 + 1);
    assert!(r.events >= flow as u64);
}

#[test]
fn absurd_mhn_epoch_dates_do_not_panic() {
    let s = Scratch::new();
    let mut lines = head_lines(MHN, 10);
    edit_json(&mut lines[4], |o| {
        o.insert(
            "timestamp".into(),
            serde_json::json!({"$date": 9_223_372_036_854_775_807_i64}),
        );
    });
    edit_json(&mut lines[5], |o| {
        o.insert(
            "timestamp".into(),
            serde_json::json!({"$date": -9_223_372_036_854_775_807_i64}),
        );
    });
    let path = s.file("mhn.json", &join(&lines));
    let (r, _) = read(&path);
    assert_eq!(r.records, 10);
    assert!(r.events >= 8);
}

// ---------------------------------------------------------------------------------------------
// 5. Absurdly long lines
// ---------------------------------------------------------------------------------------------

const HUGE: usize = 5_000_000;

/// 30 data rows of `rel` with a line of about 5 MB inserted as line `at`.
fn with_long_line(rel: &str, total: usize, at: usize, long: Vec<u8>) -> Vec<Vec<u8>> {
    let mut lines = head_lines(rel, total);
    lines.insert(at - 1, long);
    lines
}

/// A CloudWatch file with a 5 MB `rule_names` value (quoted or not) as line 11.
fn csv_with_long_line(s: &Scratch, quoted: bool) -> PathBuf {
    let mut long = head_lines(CLOUDWATCH, 11).pop().unwrap();
    let mut value = vec![b'A'; HUGE];
    if quoted {
        value.insert(0, b'"');
        value.push(b'"');
    }
    set_field(&mut long, b',', 10, &value);
    let lines = with_long_line(CLOUDWATCH, 31, 11, long);
    s.file("long.csv", &join(&lines))
}

fn check_long_csv_line(path: &Path) {
    let (r, t) = read(path);
    assert_eq!((r.records, r.events), (31, 30));
    let ex = examples(&r);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].0, 11);
    assert!(ex[0].1.starts_with("line too long: 5000"), "{}", ex[0].1);
    assert!(
        ex[0]
            .1
            .ends_with(&format!(" bytes, limit {DEFAULT_MAX_LINE_BYTES}")),
        "{}",
        ex[0].1
    );
    assert_eq!(event_lines(&r, &t), lines_except(2, 32, &[11]));
}

#[test]
fn long_csv_line_is_skipped_and_later_lines_keep_their_numbers() {
    let s = Scratch::new();
    check_long_csv_line(&csv_with_long_line(&s, false));
}

/// The cap cuts the line inside a quoted field; the CSV parser must not then read the
/// following lines as the rest of that field.
#[test]
fn long_quoted_csv_field_does_not_swallow_later_lines() {
    let s = Scratch::new();
    check_long_csv_line(&csv_with_long_line(&s, true));
}

/// Long-line detection must agree with the line numbers of a CRLF file too.
#[test]
fn long_line_in_a_real_crlf_csv_is_reported_as_too_long() {
    let s = Scratch::new();
    let raw = std::fs::read(data(CLOUDWATCH)).unwrap();
    let mut lines: Vec<Vec<u8>> = raw
        .split(|&b| b == b'\n')
        .take(21)
        .map(<[u8]>::to_vec)
        .collect();
    let mut long = lines[10].clone();
    set_field(&mut long, b',', 10, &vec![b'A'; 100_000]);
    lines.insert(10, long);
    let path = s.file("long-crlf.csv", &join(&lines));
    let options = ReadOptions {
        max_line_bytes: 4096,
        ..ReadOptions::default()
    };

    let (r, t) = read_as(&path, &options);
    assert_eq!((r.records, r.events), (21, 20));
    let ex = examples(&r);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].0, 11);
    assert!(ex[0].1.starts_with("line too long: 100"), "{}", ex[0].1);
    assert!(ex[0].1.ends_with(" bytes, limit 4096"), "{}", ex[0].1);
    assert_eq!(event_lines(&r, &t), lines_except(2, 22, &[11]));
}

#[test]
fn long_json_line_is_skipped_and_later_lines_keep_their_numbers() {
    let s = Scratch::new();
    let mut long = head_lines(COWRIE, 1).pop().unwrap();
    edit_json(&mut long, |o| {
        o.insert("input".into(), "x".repeat(HUGE).into());
    });
    let lines = with_long_line(COWRIE, 30, 11, long);
    let path = s.file("long.json", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (31, 30));
    assert_eq!(kinds(&r), vec![("line too long", 1)]);
    let ex = &r.skips.examples()[0];
    assert_eq!(ex.line, 11);
    assert!(
        ex.reason
            .ends_with(&format!("bytes, limit {DEFAULT_MAX_LINE_BYTES}")),
        "{}",
        ex.reason
    );
    assert_eq!(event_lines(&r, &t), lines_except(1, 31, &[11]));
}

#[test]
fn long_access_log_line_is_skipped_and_later_lines_keep_their_numbers() {
    let s = Scratch::new();
    let long = text(&head_lines(ACCESS, 1)[0])
        .replace("GET /linux/", &format!("GET /{}/", "%41".repeat(HUGE / 3)))
        .into_bytes();
    assert!(long.len() > HUGE);
    let lines = with_long_line(ACCESS, 30, 11, long);
    let path = s.file("long.log", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (31, 30));
    assert_eq!(kinds(&r), vec![("line too long", 1)]);
    assert_eq!(r.skips.examples()[0].line, 11);
    assert_eq!(event_lines(&r, &t), lines_except(1, 31, &[11]));
}

#[test]
fn long_zeek_line_with_a_small_limit_is_skipped() {
    let s = Scratch::new();
    let mut long = head_lines(ZEEK_TSV, 9).pop().unwrap();
    set_field(&mut long, b'\t', 7, &vec![b's'; 100_000]);
    let lines = with_long_line(ZEEK_TSV, 30, 12, long);
    let path = s.file("long.log", &join(&lines));
    let options = ReadOptions {
        max_line_bytes: 4096,
        ..ReadOptions::default()
    };

    let (r, t) = read_as(&path, &options);
    assert_eq!((r.records, r.events), (23, 22));
    assert_eq!(kinds(&r), vec![("line too long", 1)]);
    assert_eq!(r.skips.examples()[0].line, 12);
    assert_eq!(event_lines(&r, &t), lines_except(9, 31, &[12]));
}

#[test]
fn long_first_and_last_lines_with_a_forced_format() {
    let s = Scratch::new();
    let mut long = head_lines(COWRIE, 1).pop().unwrap();
    edit_json(&mut long, |o| {
        o.insert("input".into(), "x".repeat(200_000).into());
    });
    let mut lines = head_lines(COWRIE, 20);
    lines.insert(0, long.clone());
    let mut bytes = join(&lines);
    bytes.extend_from_slice(&long);
    let path = s.file("long.json", &bytes);
    let options = ReadOptions {
        format: Some(Format::Cowrie),
        max_line_bytes: 64 * 1024,
        ..ReadOptions::default()
    };

    let (r, t) = read_as(&path, &options);
    assert_eq!((r.records, r.events), (22, 20));
    assert_eq!(kinds(&r), vec![("line too long", 2)]);
    let lines: Vec<u64> = r.skips.examples().iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![1, 22]);
    assert_eq!(event_lines(&r, &t), lines_except(2, 21, &[]));
}

#[test]
fn inspect_max_line_bytes_reports_the_long_line() {
    let s = Scratch::new();
    let mut long = head_lines(CLOUDWATCH, 11).pop().unwrap();
    set_field(&mut long, b',', 10, &vec![b'A'; 100_000]);
    let lines = with_long_line(CLOUDWATCH, 31, 11, long);
    let path = s.file("long.csv", &join(&lines));

    let out = inspect([
        path.as_os_str(),
        OsStr::new("--max-line-bytes"),
        OsStr::new("4096"),
    ]);
    assert_eq!(out.status.code(), Some(2), "a skipped row is a loss");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("  skipped     1\n"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}:11: line too long: ", path.display()))
            && stdout.contains(" bytes, limit 4096\n"),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Encodings: Latin-1, invalid UTF-8, byte order marks, CRLF
// ---------------------------------------------------------------------------------------------

#[test]
fn latin1_in_a_csv_field_is_kept_and_decoded() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 11);
    set_field(&mut lines[3], b',', 10, b"Suspicious Web Tr\xe4ffic");
    let path = s.file("latin1.csv", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (10, 10));
    let detail = t.detail(r.rows.start + 2).unwrap();
    assert!(
        detail.contains("rule_names=Suspicious Web Tr\u{e4}ffic"),
        "{detail}"
    );
}

#[test]
fn invalid_utf8_in_an_access_log_line_is_kept_and_decoded() {
    let s = Scratch::new();
    let mut lines = head_lines(ACCESS, 20);
    let line = text(&lines[2]);
    let (before, after) = line.split_once("\"POST /join_form").unwrap();
    let mut bytes = before.as_bytes().to_vec();
    bytes.extend_from_slice(b"\"POST /caf\xe9/\xff\xfe");
    bytes.extend_from_slice(after.as_bytes());
    lines[2] = bytes;
    let path = s.file("latin1.log", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (20, 20));
    let row = r.rows.start + 2;
    assert_eq!(t.source_ip(row).unwrap().to_string(), "23.95.237.180");
    let detail = t.detail(row).unwrap();
    assert!(
        detail.contains("POST /caf\u{e9}/\u{ff}\u{fe} HTTP/1.1"),
        "{detail}"
    );
}

fn with_bom(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.splice(0..0, [0xef, 0xbb, 0xbf]);
    bytes
}

#[test]
fn bom_before_a_csv_header_is_ignored() {
    let s = Scratch::new();
    let path = s.file("bom.csv", &with_bom(join(&head_lines(CLOUDWATCH, 11))));
    let (r, t) = read(&path);
    assert_eq!(r.format, Format::CloudWatch);
    assert_eq!((r.records, r.events), (10, 10));
    assert!(r.fields.contains(Field::BytesSent));
    assert_eq!(t.bytes_sent(r.rows.start), Some(5602.0));

    let path = s.file("bom-iot.csv", &with_bom(join(&head_lines(IOT23, 11))));
    let (r, t) = read(&path);
    assert_eq!(r.format, Format::ZeekCsv);
    assert_eq!((r.records, r.events), (10, 10));
    assert!(r.fields.contains(Field::EventTime));
    assert_eq!(t.time_us(r.rows.start), Some(1_540_469_303_000_000));
}

/// The sniffer looks past a byte order mark, so the reader must too: the first line is a
/// record like any other.
#[test]
fn bom_before_json_lines_is_ignored() {
    let s = Scratch::new();
    for (rel, format) in [(COWRIE, Format::Cowrie), (SURICATA, Format::SuricataEve)] {
        let path = s.file("bom.json", &with_bom(join(&head_lines(rel, 20))));
        let (r, t) = read(&path);
        assert_eq!(r.format, format, "{rel}");
        assert_eq!(examples(&r), vec![], "{rel}");
        assert_eq!((r.records, r.events), (20, 20), "{rel}");
        assert_eq!(event_lines(&r, &t), lines_except(1, 20, &[]), "{rel}");
    }
}

#[test]
fn bom_before_an_access_log_keeps_the_first_host() {
    let s = Scratch::new();
    let path = s.file("bom.log", &with_bom(join(&head_lines(ACCESS, 20))));
    let (r, t) = read(&path);
    assert_eq!(r.format, Format::AccessLog);
    assert_eq!((r.records, r.events), (20, 20));
    assert_eq!(
        t.source_ip(r.rows.start).map(|ip| ip.to_string()),
        Some("195.154.46.135".into())
    );
}

#[test]
fn bom_before_a_zeek_log_is_ignored() {
    let s = Scratch::new();
    let path = s.file("bom-conn.log", &with_bom(join(&head_lines(ZEEK_TSV, 20))));
    let (r, t) = read(&path);
    assert_eq!(r.format, Format::ZeekTsv);
    assert_eq!(examples(&r), vec![]);
    assert_eq!((r.records, r.events), (12, 12));
    assert_eq!(event_lines(&r, &t), lines_except(9, 20, &[]));
}

/// The same rows with LF and with CRLF endings read identically, line numbers included.
#[test]
fn crlf_line_endings_read_like_lf() {
    let mut failures = Vec::new();
    for (rel, n) in [
        (CLOUDWATCH, 21),
        (IOT23, 21),
        (NSL_KDD, 21),
        (COWRIE, 21),
        (SURICATA, 21),
        (ZEEK_TSV, 29),
        (ZEEK_JSON, 21),
        (VPC, 21),
        (ACCESS, 21),
    ] {
        let s = Scratch::new();
        let lines = head_lines(rel, n);
        let lf = s.file("lf", &join(&lines));
        let crlf = s.file("crlf", &join_with(&lines, b"\r\n"));
        let (a, ta) = read(&lf);
        let (b, tb) = read(&crlf);
        assert_eq!(a.format, b.format, "{rel}");
        assert_eq!(a.skips.total(), 0, "{rel}: {:?}", examples(&a));
        assert_eq!(b.skips.total(), 0, "{rel}: {:?}", examples(&b));
        assert_eq!((a.records, a.events), (b.records, b.events), "{rel}");
        assert_eq!(a.labels, b.labels, "{rel}");
        for (ra, rb) in a.rows.clone().zip(b.rows.clone()) {
            assert_eq!(row_summary(&ta, ra), row_summary(&tb, rb), "{rel}");
        }
        let (la, lb) = (event_lines(&a, &ta), event_lines(&b, &tb));
        if la != lb {
            failures.push(format!("{rel}: LF lines {la:?}, CRLF lines {lb:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The real CloudWatch sample has CRLF endings: a damaged row in it must be reported at its
/// own line.
#[test]
fn damaged_row_of_a_real_crlf_csv_reports_its_own_line() {
    let s = Scratch::new();
    let raw = std::fs::read(data(CLOUDWATCH)).unwrap();
    let mut lines: Vec<Vec<u8>> = raw
        .split(|&b| b == b'\n')
        .take(11)
        .map(<[u8]>::to_vec)
        .collect();
    assert!(lines.iter().all(|l| l.ends_with(b"\r")));
    set_field(&mut lines[4], b',', 2, b"garbage");
    let path = s.file("crlf.csv", &join(&lines));

    let (r, t) = read(&path);
    assert_eq!((r.records, r.events), (10, 9));
    assert_eq!(
        examples(&r),
        vec![(
            5,
            "bad timestamp: column 'creation_time' = 'garbage'".into()
        )]
    );
    assert_eq!(event_lines(&r, &t), lines_except(2, 11, &[5]));
}

// ---------------------------------------------------------------------------------------------
// 7. Files that cannot be recognised
// ---------------------------------------------------------------------------------------------

fn assert_unrecognised(e: &ReadError, path: &Path, why: &str) {
    match format_problem(e) {
        SniffError::Unrecognised(m) => assert!(m.contains(why), "{m}"),
        other => panic!("expected Unrecognised, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}: format not recognised: ", path.display())),
        "{msg}"
    );
    assert!(msg.contains(TRIED), "{msg}");
    assert!(msg.ends_with("Use --format to choose one"), "{msg}");
}

#[test]
fn prose_is_not_recognised() {
    let s = Scratch::new();
    let path = s.file("notes.txt", &join(&head_lines(README, 12)));
    let e = read_err(&path, &ReadOptions::default());
    assert_unrecognised(
        &e,
        &path,
        "no comma, tab, semicolon or pipe separates columns",
    );
}

#[test]
fn json_with_unknown_keys_is_not_recognised() {
    let s = Scratch::new();
    let mut lines = head_lines(COWRIE, 10);
    for l in &mut lines {
        edit_json(l, |o| {
            let id = o.remove("eventid").unwrap();
            o.insert("kind".into(), id);
        });
    }
    let path = s.file("events.json", &join(&lines));
    let e = read_err(&path, &ReadOptions::default());
    assert_unrecognised(&e, &path, "JSON lines with keys [");
    assert_unrecognised(&e, &path, "kind");
}

#[test]
fn headerless_numeric_csv_is_not_recognised() {
    let s = Scratch::new();
    let lines: Vec<Vec<u8>> = head_lines(NSL_KDD, 20)
        .iter()
        .map(|l| {
            let f = fields(l, b',');
            let numeric: Vec<Vec<u8>> = f[..41]
                .iter()
                .enumerate()
                .filter(|(i, _)| !(1..=3).contains(i))
                .map(|(_, v)| v.clone())
                .collect();
            unsplit(&numeric, b',')
        })
        .collect();
    let path = s.file("numbers.csv", &join(&lines));
    let e = read_err(&path, &ReadOptions::default());
    assert_unrecognised(&e, &path, "first row is data, not a header");
}

#[test]
fn csv_with_unmappable_header_is_not_recognised() {
    let s = Scratch::new();
    let path = opaque_csv(&s);
    let e = read_err(&path, &ReadOptions::default());
    assert_unrecognised(&e, &path, "match no known field; map them with --map");
}

#[test]
fn inspect_fails_but_still_reports_good_files() {
    let s = Scratch::new();
    let good_csv = s.file("cw.csv", &join(&head_lines(CLOUDWATCH, 21)));
    let prose = s.file("notes.txt", &join(&head_lines(README, 12)));
    let good_json = s.file("cowrie.json", &join(&head_lines(COWRIE, 20)));
    let files = [&good_csv, &prose, &good_json];

    let out = inspect(files);
    assert_eq!(out.status.code(), Some(2), "read with a file lost");
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        stdout.contains(&format!("{}\n", good_csv.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}\n", good_json.display())),
        "{stdout}"
    );
    assert_eq!(stdout.matches("  events      20\n").count(), 2, "{stdout}");
    assert!(!stdout.contains("notes.txt"), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "netsleuth: {}: format not recognised",
            prose.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains(TRIED), "{stderr}");

    let out = inspect(
        files
            .iter()
            .map(|p| p.as_os_str())
            .chain([OsStr::new("--json")]),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        inspect([&prose]).status.code(),
        Some(1),
        "nothing usable was read"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let reported: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        reported,
        vec![good_csv.to_str().unwrap(), good_json.to_str().unwrap()]
    );
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}: format not recognised", prose.display())));

    let paths: Vec<PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
    let inv = read_files(&paths, &ReadOptions::default(), &ReadProgress::default()).unwrap();
    assert_eq!(inv.files.len(), 2);
    assert_eq!(inv.failures.len(), 1);
    assert_eq!(inv.table.len(), 40);
}

#[test]
fn missing_file_names_the_path() {
    let s = Scratch::new();
    let path = s.0.path().join("no-such-file.csv");
    let e = read_err(&path, &ReadOptions::default());
    assert!(matches!(e, ReadError::Io { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot read: ", path.display())),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// 8. --map and --format errors
// ---------------------------------------------------------------------------------------------

/// VPC flow rows as a semicolon CSV whose header names nothing netsleuth can guess.
fn opaque_csv(s: &Scratch) -> PathBuf {
    let mut lines = head_lines(VPC, 11);
    lines[0] = (1..=14)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(";")
        .into_bytes();
    for l in &mut lines[1..] {
        *l = unsplit(&fields(l, b' '), b';');
    }
    s.file("opaque.csv", &join(&lines))
}

#[test]
fn map_with_unknown_field_is_a_usage_error() {
    let s = Scratch::new();
    let path = opaque_csv(&s);
    let out = inspect([
        path.as_os_str(),
        OsStr::new("--map"),
        OsStr::new("sauce_ip=c4"),
    ]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown field 'sauce_ip'; fields are event_time, duration_s, source_ip"),
        "{stderr}"
    );
    assert!(stderr.contains("label and end_time"), "{stderr}");

    let out = inspect([
        path.as_os_str(),
        OsStr::new("--map"),
        OsStr::new("source_ip"),
    ]);
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("'source_ip' is not field=column"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn map_with_unknown_column_names_the_file_and_columns() {
    let s = Scratch::new();
    let path = opaque_csv(&s);
    let options = ReadOptions {
        mapping: Some(ColumnMapping::parse("source_ip=nope").unwrap()),
        ..ReadOptions::default()
    };
    let e = read_err(&path, &options);
    assert!(matches!(e, ReadError::Mapping { .. }), "{e:?}");
    let columns = (1..=14)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let expected = format!(
        "{}: --map source_ip=nope: no column named 'nope' (columns: {columns})",
        path.display()
    );
    assert_eq!(e.to_string(), expected);

    let out = inspect([
        path.as_os_str(),
        OsStr::new("--map"),
        OsStr::new("source_ip=nope"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("netsleuth: {expected}")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn map_rescues_an_opaque_csv() {
    let s = Scratch::new();
    let path = opaque_csv(&s);
    let options = ReadOptions {
        mapping: Some(
            ColumnMapping::parse(
                "source_ip=c4,destination_ip=c5,destination_port=c7,event_time=c11",
            )
            .unwrap(),
        ),
        ..ReadOptions::default()
    };
    let (r, t) = read_as(&path, &options);
    assert_eq!(r.format, Format::MappedCsv);
    assert_eq!((r.records, r.events), (10, 10));
    let row = r.rows.start;
    assert_eq!(t.source_ip(row).unwrap().to_string(), "88.218.193.198");
    assert_eq!(t.destination_port(row), Some(57598));
    assert_eq!(t.time_us(row), Some(1_764_302_499_000_000));
}

#[test]
fn unknown_format_is_a_usage_error() {
    let s = Scratch::new();
    let path = s.file("cw.csv", &join(&head_lines(CLOUDWATCH, 3)));
    let out = inspect([
        path.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("syslog"),
    ]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown format 'syslog'; formats are cloudwatch, cic-flow"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Cancellation
// ---------------------------------------------------------------------------------------------

#[test]
fn cancelled_read_stops_with_cancelled() {
    let progress = ReadProgress::default();
    progress.cancel.store(true, Ordering::Relaxed);
    let mut table = EventTable::default();
    let path = data(KDD99_GZ);
    let e = read_file(&path, 0, &mut table, &ReadOptions::default(), &progress).unwrap_err();
    assert_eq!(e, ReadError::Cancelled);
    assert_eq!(e.to_string(), "cancelled");
    assert!(
        table.len() < 10_000,
        "read {} rows after cancel",
        table.len()
    );

    let e = read_files(&[path], &ReadOptions::default(), &progress).unwrap_err();
    assert_eq!(e, ReadError::Cancelled);
}

/// Counts and durations that cannot be true (`inf`, `1e309`, `-5`, `NaN`) and times outside
/// 1970-2099 skip their row with the reason and line, instead of dominating every statistic
/// ("inf TB sent") or, as before, panicking in the forest; the other rows are all kept, and
/// detect says how many rows it skipped.
#[test]
fn impossible_counts_durations_and_times_skip_their_rows() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 21);
    set_field(&mut lines[1], b',', 0, b"inf");
    set_field(&mut lines[2], b',', 0, b"1e309");
    set_field(&mut lines[3], b',', 1, b"-5");
    set_field(&mut lines[4], b',', 1, b"NaN");
    set_field(&mut lines[5], b',', 2, b"0000-01-01T00:00:00Z");
    set_field(&mut lines[6], b',', 3, b"9999-12-31T23:59:59Z");
    let path = s.file("impossible.csv", &join(&lines));
    let (r, _) = read(&path);
    assert_eq!(r.records, 20);
    assert_eq!(r.events, 14);
    let kinds = r.skips.by_kind();
    assert_eq!(kinds.get("impossible count"), Some(&4), "{kinds:?}");
    assert_eq!(kinds.get("timestamp out of range"), Some(&2), "{kinds:?}");
    let reasons: Vec<(u64, &str)> = r
        .skips
        .examples()
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    assert_eq!(reasons[0].0, 2);
    assert!(
        reasons[0].1.starts_with("impossible count: bytes ")
            && reasons[0]
                .1
                .ends_with(" = inf (a count runs from 0 to 10^15)"),
        "{}",
        reasons[0].1
    );
    assert_eq!(reasons[2].0, 4);
    assert!(reasons[2].1.contains(" = -5 "), "{}", reasons[2].1);
    assert_eq!(reasons[4].0, 6);
    assert!(
        reasons[4].1.contains("outside 1970-2099"),
        "{}",
        reasons[4].1
    );

    let out = s.0.path().join("out");
    let run = detect_cli(&out, [&path]);
    assert_eq!(
        run.status.code(),
        Some(2),
        "written, with rows lost: {run:?}"
    );
    assert!(out.join("sources.csv").is_file());
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(!text.contains("inf TB"), "{text}");
}

/// A detect run that reads no event (missing, empty or unreadable input) leaves an earlier
/// run's outputs in --out untouched and says so.
#[test]
fn detect_without_events_keeps_earlier_outputs() {
    let s = Scratch::new();
    let out = s.0.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("sources.csv"), b"earlier results\n").unwrap();
    let empty = s.file("empty.csv", b"");
    for input in [s.0.path().join("missing.csv"), empty] {
        let run = detect_cli(&out, [&input]);
        assert_eq!(run.status.code(), Some(1), "{run:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("nothing written to"), "{err}");
        assert_eq!(
            std::fs::read(out.join("sources.csv")).unwrap(),
            b"earlier results\n"
        );
        assert!(!out.join("events_scored.csv").exists());
    }
}

/// The same file given twice, or through a link, is read once and the repeat is reported;
/// detect says how many rows it skipped and why.
#[test]
fn a_file_given_twice_is_read_once_and_skips_are_reported() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 21);
    set_field(&mut lines[3], b',', 0, b"inf");
    let path = s.file("cw.csv", &join(&lines));
    let link = s.0.path().join("link.csv");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let inv = read_files(
        &[path.clone(), path.clone(), link.clone()],
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    assert_eq!(inv.files.len(), 1);
    assert_eq!(inv.table.len(), 19);
    assert_eq!(inv.failures.len(), 2);
    for e in &inv.failures {
        assert!(matches!(e, ReadError::Repeated { .. }), "{e:?}");
        assert!(e.to_string().contains("the same file as"), "{e}");
    }
    let run = detect_cli(&s.0.path().join("out"), [&path]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cw.csv: 1 of 20 rows skipped (1 impossible count); first at line 4:"),
        "{err}"
    );
    assert_eq!(run.status.code(), Some(2));
    let whole = s.file("whole.csv", &join(&head_lines(CLOUDWATCH, 21)));
    let run = detect_cli(&s.0.path().join("out"), [&whole, &whole]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "a repeat read once loses nothing: {run:?}"
    );
}

/// Old Mac exports end their lines with a lone CR: every row is read, as with LF.
#[test]
fn cr_only_line_endings_are_lines() {
    let s = Scratch::new();
    for rel in [CLOUDWATCH, ACCESS, ZEEK_TSV] {
        let lines = head_lines(rel, 40);
        let lf = s.file("lf.log", &join_with(&lines, b"\n"));
        let cr = s.file("cr.log", &join_with(&lines, b"\r"));
        let (a, ta) = read(&lf);
        let (b, tb) = read(&cr);
        assert!(a.events > 10, "{rel}: {}", a.events);
        assert_eq!((b.records, b.events), (a.records, a.events), "{rel}");
        assert_eq!(ta.len(), tb.len(), "{rel}");
    }
}

/// Everything a read of `path` produced, row by row.
fn all_rows(path: &Path) -> (u64, Vec<String>) {
    let (r, t) = read(path);
    (r.records, r.rows.map(|row| row_summary(&t, row)).collect())
}

/// Windows "Unicode text" exports: the real CloudWatch file as UTF-16 LE and BE with a
/// byte-order mark and CRLF endings, with a non-Latin name and a character outside the
/// Basic Multilingual Plane (a surrogate pair) in one row, reads exactly as its UTF-8 self.
#[test]
fn utf16_exports_with_a_bom_read_like_utf8() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 283);
    set_field(&mut lines[5], b',', 10, "Трафик 🛡 Web".as_bytes());
    let utf8 = String::from_utf8(join_with(&lines, b"\r\n")).unwrap();
    assert!(
        utf8.len() * 2 > 64 * 1024,
        "the file must outgrow the sniffed head"
    );
    let plain = s.file("utf8.csv", utf8.as_bytes());
    let units: Vec<u16> = utf8.encode_utf16().collect();
    let le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(units.iter().flat_map(|u| u.to_le_bytes()))
        .collect();
    let be: Vec<u8> = [0xfe, 0xff]
        .into_iter()
        .chain(units.iter().flat_map(|u| u.to_be_bytes()))
        .collect();
    let expected = all_rows(&plain);
    assert_eq!(expected.0, lines.len() as u64 - 1);
    assert!(expected.1[4].contains("Трафик 🛡 Web"), "{}", expected.1[4]);
    for (name, bytes) in [
        ("le.csv", le.clone()),
        ("be.csv", be),
        ("le.csv.gz", gzip(&le)),
    ] {
        let path = s.file(name, &bytes);
        let (r, _) = read(&path);
        assert!(r.utf16, "{name}");
        assert_eq!(r.format, Format::CloudWatch, "{name}");
        assert_eq!(all_rows(&path), expected, "{name}");
    }
    let out = inspect([s.0.path().join("le.csv.gz")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("(cloudwatch, gzip, UTF-16)"),
        "{}",
        text(&out.stdout)
    );
}

/// A tar archive, plain or gzip-compressed, is named as one with what to do; a log
/// compressed twice or three times is read through every layer, and a fourth layer is refused
/// in words.
#[test]
fn archives_are_named_and_a_gzip_in_a_gzip_is_read() {
    let s = Scratch::new();
    let log = s.file("access.log", &join(&head_lines(ACCESS, 50)));
    for (name, flags) in [("logs.tar", "-cf"), ("logs.tar.gz", "-czf")] {
        let archive = s.0.path().join(name);
        let made = Command::new("tar")
            .arg(flags)
            .arg(&archive)
            .arg("-C")
            .arg(s.0.path())
            .arg("access.log")
            .status()
            .unwrap();
        assert!(made.success());
        let e = read_err(&archive, &ReadOptions::default());
        assert_eq!(format_problem(&e), &SniffError::Archive("tar"), "{name}");
        assert_eq!(
            e.to_string(),
            format!(
                "{}: a tar archive (several files in one); netsleuth reads each log as a file \
                 of its own, so extract it first and open the logs",
                archive.display()
            )
        );
    }
    let twice = s.file(
        "access.log.gz.gz",
        &gzip(&gzip(&join(&head_lines(ACCESS, 50)))),
    );
    let (r, _) = read(&twice);
    assert!(r.gzip);
    assert_eq!(r.format, Format::AccessLog);
    assert_eq!(all_rows(&twice), all_rows(&log));
    assert_eq!(r.events, 50);
    let thrice = s.file(
        "access.log.gz.gz.gz",
        &gzip(&std::fs::read(&twice).unwrap()),
    );
    assert_eq!(all_rows(&thrice), all_rows(&log));
    let four = s.file("access.log.4.gz", &gzip(&std::fs::read(&thrice).unwrap()));
    let e = read_err(&four, &ReadOptions::default());
    assert!(e.to_string().contains("more than 3 gzip layers"), "{e}");
}

/// Zeek JSON lines with a key given twice are refused, as Suricata, Cowrie and Dionaea lines
/// are: the last `id.orig_h` no longer silently decides the source.
#[test]
fn zeek_json_lines_with_a_repeated_key_are_skipped() {
    let s = Scratch::new();
    let mut lines = head_lines(ZEEK_JSON, 20);
    lines[4] = [&b"{\"id.orig_h\":\"6.6.6.6\","[..], &lines[4][1..]].concat();
    let (r, t) = read(&s.file("conn.json", &join(&lines)));
    assert_eq!(r.format, Format::ZeekJson);
    assert_eq!(r.events, 19);
    assert_eq!(kinds(&r), [("invalid JSON", 1)]);
    assert!(
        examples(&r)[0].1.contains("duplicate field `id.orig_h`"),
        "{:?}",
        examples(&r)
    );
    assert_eq!(examples(&r)[0].0, 5);
    let six: std::net::IpAddr = "6.6.6.6".parse().unwrap();
    assert!(r.rows.clone().all(|row| t.source_ip(row) != Some(six)));
}

/// CIC-IDS2017's own header names "Fwd Header Length" twice (columns 41 and 62, counted
/// with Python's csv module): both are kept, the repeat under a suffixed name, and the
/// reader says so in `inspect`.
#[test]
fn a_repeated_header_name_is_kept_apart_and_reported() {
    let path = data("cic-ids2017/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.first299.csv");
    let (r, _) = read(&path);
    assert_eq!(
        r.warnings,
        [
            "the header names 'Fwd Header Length' twice (columns 41 and 62): the first is read as \
          named, the second is kept as 'Fwd Header Length.1'"
        ]
    );
    assert!(r.extra_columns.iter().any(|c| c == "Fwd Header Length.1"));
    let out = inspect([&path]);
    assert!(
        text(&out.stdout).contains("  warning     the header names 'Fwd Header Length' twice"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0), "a repeat loses nothing");
}

/// A CloudWatch export with its source column repeated (a spreadsheet edit gone wrong): the
/// first `src_ip` is read, not silently replaced by the last.
#[test]
fn a_repeated_field_column_reads_the_first() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 11);
    for (i, line) in lines.iter_mut().enumerate() {
        line.extend_from_slice(if i == 0 { b",src_ip" } else { b",192.0.2.1" });
    }
    let path = s.file("repeated.csv", &join(&lines));
    let (r, t) = read(&path);
    assert_eq!(r.events, 10);
    assert_eq!(
        t.source_ip(r.rows.start).unwrap().to_string(),
        "147.161.161.82"
    );
    assert_eq!(
        r.warnings,
        [
            "the header names 'src_ip' twice (columns 5 and 17): the first is read as named, the \
          second is kept as 'src_ip.1'"
        ]
    );
}

/// Log text reaches the terminal escaped: a right-to-left override in a bad value (which
/// would reorder the rest of the line on screen) is printed as `\u{202e}`.
#[test]
fn log_text_on_the_terminal_is_escaped() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 11);
    set_field(&mut lines[3], b',', 0, "12\u{202e}34\u{1b}[31m".as_bytes());
    let path = s.file("bidi.csv", &join(&lines));
    let out = inspect([&path]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("column 'bytes_in' = '12\\u{202e}34?[31m'"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{202e}') && !stdout.contains('\u{1b}'));
    let run = detect_cli(&s.0.path().join("out"), [&path]);
    let err = text(&run.stderr);
    assert!(err.contains("'12\\u{202e}34?[31m'"), "{err}");
    assert!(!err.contains('\u{202e}'));
}

/// Runs `command` with stderr captured; its exit code, stderr and peak resident memory in
/// bytes, measured for that process alone (`wait4`).
#[allow(clippy::zombie_processes)] // reaped by wait4, which std cannot see
fn run_measured(command: &mut Command) -> (Option<i32>, String, u64) {
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let mut status = 0;
    // SAFETY: wait4 writes only into the status and the struct it is given; the child is
    // reaped here and never waited for again.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, err, usage.ru_maxrss as u64 * 1024)
}

/// A generated wide CSV (not real data: 200 rows of 4,000 numeric columns, of which every
/// 20th varies from row to row and the rest hold two values): detection keeps the 200 most
/// varied columns, names what it left out, and stays within bounded memory.
#[test]
fn a_file_of_thousands_of_columns_is_detected_on_the_most_varied() {
    let s = Scratch::new();
    let columns = 4000;
    let mut csv = String::from("src_ip");
    for c in 0..columns {
        csv.push_str(&format!(",c{c}"));
    }
    csv.push('\n');
    for r in 0..200u32 {
        csv.push_str(&format!("10.0.{}.{}", r / 250, r % 250 + 1));
        for c in 0..columns {
            let v = if c % 20 == 0 { r * 7 + c } else { r % 2 };
            csv.push_str(&format!(",{v}"));
        }
        csv.push('\n');
    }
    let path = s.file("wide.csv", csv.as_bytes());
    let cache = s.0.path().join("cache");
    let (code, err, peak) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .env("NETSLEUTH_CACHE_DIR", &cache)
            .args(["detect", "--out"])
            .arg(s.0.path().join("out"))
            .arg(&path),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(
            "3,800 extra numeric columns left out of detection, which uses the 200 with the most \
             distinct values: c1, c2, c3, c4, c5, …"
        ),
        "{err}"
    );
    assert!(peak < 400 << 20, "peak RSS {} MB", peak >> 20);
    let cached: u64 = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(cached < 50 << 20, "model cache {} MB", cached >> 20);
}

/// A gzip inside a gzip of one real access-log line repeated 100,000 times (synthetic
/// repetition) inflates thousands of times: every row is read, with a warning giving the figure.
#[test]
fn a_gzip_that_inflates_beyond_a_thousand_times_is_flagged() {
    let s = Scratch::new();
    let line = head_lines(ACCESS, 1).pop().unwrap();
    let plain = join(&vec![line; 100_000]);
    let bomb = gzip(&gzip(&plain));
    let path = s.file("bomb.log.gz", &bomb);
    let ratio = plain.len() as u64 / bomb.len() as u64;
    assert!(ratio > 1000, "{ratio}");
    let (r, _) = read(&path);
    assert_eq!(r.events, 100_000);
    assert_eq!(
        r.warnings,
        [format!(
            "the gzip decompresses to {ratio} times its size ({} MB from {} KB); check that this \
             is the log you meant, as a file built to exhaust memory looks like this",
            plain.len() / 1_000_000,
            bomb.len() / 1000
        )]
    );
    let once = s.file("once.log.gz", &gzip(&join(&head_lines(ACCESS, 500))));
    let (plain_gz, _) = read(&once);
    assert!(plain_gz.warnings.is_empty(), "{:?}", plain_gz.warnings);
    // Through a pipe, which has no size, the ratio is the bytes read from it.
    for (path, warned) in [(&once, false), (&path, true)] {
        let mut run = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .args(["inspect", "/dev/stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let bytes = std::fs::read(path).unwrap();
        let mut stdin = run.stdin.take().unwrap();
        std::thread::spawn(move || stdin.write_all(&bytes));
        let out = run.wait_with_output().unwrap();
        let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(
            said.contains(&format!("decompresses to {ratio} times its size")),
            warned,
            "{said}"
        );
        assert!(warned || !said.contains("times its size"), "{said}");
    }
}

/// `0.0.0.0` and `::` name no host: their events are kept without a source; an IPv4-mapped
/// `::ffff:` address is the IPv4 source it maps; a scoped address keeps its zone in the
/// detail.
#[test]
fn unspecified_and_mapped_sources() {
    let s = Scratch::new();
    let mut lines = head_lines(CLOUDWATCH, 11);
    set_field(&mut lines[1], b',', 4, b"0.0.0.0");
    set_field(&mut lines[2], b',', 4, b"::");
    set_field(&mut lines[3], b',', 4, b"::ffff:165.225.33.6");
    set_field(&mut lines[4], b',', 4, b"fe80::1%eth0");
    let path = s.file("sources.csv", &join(&lines));
    let (r, t) = read(&path);
    assert_eq!(r.events, 10);
    assert_eq!(t.source_ip(r.rows.start), None);
    assert_eq!(t.source_ip(r.rows.start + 1), None);
    assert_eq!(
        t.source_ip(r.rows.start + 2).unwrap().to_string(),
        "165.225.33.6"
    );
    assert_eq!(
        t.source_ip(r.rows.start + 3).unwrap().to_string(),
        "fe80::1"
    );
    assert_eq!(
        t.detail_value(r.rows.start + 3, "source_zone"),
        Some("eth0")
    );
}

/// A line limit beyond 1 GiB (or below 64 bytes) is a usage error, never a wrapped-around
/// number that makes every line "too long".
#[test]
fn an_absurd_line_limit_is_a_usage_error() {
    let path = data(CLOUDWATCH);
    for limit in ["18446744073709551615", "10"] {
        let out = inspect([
            path.as_os_str(),
            OsStr::new("--max-line-bytes"),
            OsStr::new(limit),
        ]);
        assert_eq!(out.status.code(), Some(64), "a usage error");
        let err = text(&out.stderr);
        assert!(err.contains("--max-line-bytes"), "{err}");
        assert!(err.contains("64..=1073741824"), "{err}");
    }
    let out = inspect([
        path.as_os_str(),
        OsStr::new("--max-line-bytes"),
        OsStr::new("1073741824"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("  skipped     0\n"));
}

/// A gzip whose checksum does not match, or with bytes after its stream: every row is kept,
/// the damage is reported at the line after the last row, and `inspect` exits 2.
#[test]
fn gzip_with_a_bad_checksum_or_trailing_garbage_keeps_every_row_and_says_so() {
    let s = Scratch::new();
    let plain = join(&head_lines(COWRIE, 100));
    let gz = gzip(&plain);
    let mut bad_crc = gz.clone();
    let at = bad_crc.len() - 8;
    bad_crc[at] ^= 0xff;
    let mut trailing = gz;
    trailing.extend_from_slice(b"garbage after the stream\n");
    for (name, bytes, why) in [
        ("crc.json.gz", bad_crc, "checksum"),
        ("trailing.json.gz", trailing, "invalid gzip header"),
    ] {
        let path = s.file(name, &bytes);
        let (r, _) = read(&path);
        assert_eq!(r.events, 100, "{name}");
        assert_eq!(
            kinds(&r),
            vec![("read error, rest of file lost", 1)],
            "{name}"
        );
        let ex = &r.skips.examples()[0];
        assert_eq!(ex.line, 101, "{name}");
        assert!(ex.reason.contains(why), "{name}: {}", ex.reason);
        assert_eq!(inspect([&path]).status.code(), Some(2), "{name}");
    }
}

/// `/dev/zero` as a threat list or a blocklist: read as far as its first NUL byte, then refused
/// with a message naming it, in bounded memory, where detect grew to 24 GB and the export
/// aborted on a failed allocation.
#[test]
fn dev_zero_as_a_list_is_refused_at_once() {
    let s = Scratch::new();
    let (code, err, peak) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .env("NETSLEUTH_CACHE_DIR", s.0.path().join("cache"))
            .args(["detect", "--intel", "/dev/zero", "--out"])
            .arg(s.0.path().join("out"))
            .arg(data(ACCESS)),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("threat list /dev/zero: binary data (NUL bytes): not a text list"),
        "{err}"
    );
    assert!(peak < 200 << 20, "peak RSS {} MB", peak >> 20);
    let (code, err, peak) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .args([
                "export-blocklist",
                "/dev/zero",
                "--format",
                "nginx",
                "--out",
            ])
            .arg(s.0.path().join("deny.conf")),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cannot read /dev/zero: binary data (NUL bytes): not a text list"),
        "{err}"
    );
    assert!(peak < 200 << 20, "peak RSS {} MB", peak >> 20);
}

/// A million entries (generated addresses from 11.0.0.1, not real data) exported to the JSON
/// formats in memory proportional to the list: the exports built a tree of every value first
/// and peaked at 1.39 GB (CrowdSec), 1.15 GB (Cloudflare) and 0.88 GB (Cloud Armor).
#[test]
fn a_million_entries_export_to_json_in_memory_proportional_to_the_list() {
    let s = Scratch::new();
    let list = s.0.path().join("generated.txt");
    let mut text = String::with_capacity(14 << 20);
    for i in 0..1_000_000u32 {
        let ip = std::net::Ipv4Addr::from(u32::from(std::net::Ipv4Addr::new(11, 0, 0, 1)) + i);
        text.push_str(&format!("{ip}\n"));
    }
    std::fs::write(&list, text).unwrap();
    let formats = ["crowdsec", "cloudflare-list", "cloud-armor"];
    // Every export runs before this process reads one: a child forked while the parent holds
    // a parsed gigabyte would count the parent's pages in its own peak.
    for format in formats {
        let out = s.0.path().join(format!("{format}.json"));
        let (code, err, peak) = run_measured(
            Command::new(env!("CARGO_BIN_EXE_netsleuth"))
                .args(["export-blocklist", "--format", format, "--out"])
                .arg(&out)
                .arg(&list),
        );
        assert_eq!(code, Some(0), "{format}: {err}");
        assert!(
            peak < 640 << 20,
            "{format}: peak RSS {} MB for a list of 1,000,000 entries",
            peak >> 20
        );
    }
    for format in formats {
        let out = s.0.path().join(format!("{format}.json"));
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let listed = match format {
            "cloud-armor" => {
                written["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        r["match"]["config"]["srcIpRanges"]
                            .as_array()
                            .unwrap()
                            .len()
                    })
                    .sum::<usize>()
                    - 1
            }
            _ => written.as_array().unwrap().len(),
        };
        assert_eq!(listed, 1_000_000, "{format}");
    }
}

/// A list line of 50 MB (generated, not real data) is left out and named, the lines around it
/// kept, in memory bounded by --max-line-bytes; in a threat list it is counted.
#[test]
fn a_list_line_past_the_limit_is_left_out_and_named() {
    let s = Scratch::new();
    let mut list = b"111.73.46.18\n".to_vec();
    list.extend(std::iter::repeat_n(b'1', 50 << 20));
    list.extend_from_slice(b"\n195.178.188.64/29\n");
    let path = s.file("long.txt", &list);
    let out = s.0.path().join("deny.conf");
    let (code, err, peak) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .args(["export-blocklist", "--format", "nginx", "--out"])
            .arg(&out)
            .arg(&path),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:2: a line of {} bytes, longer than 1048576 (--max-line-bytes)",
            path.display(),
            (50 << 20) + 1
        )),
        "{err}"
    );
    assert!(peak < 200 << 20, "peak RSS {} MB", peak >> 20);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("deny 111.73.46.18;") && written.contains("deny 195.178.188.64/29;"));
    let (lists, problems) = netsleuth::detection::behaviour::ThreatLists::load(
        std::slice::from_ref(&path),
        DEFAULT_MAX_LINE_BYTES,
    );
    assert_eq!(lists.lists, [("long".to_string(), 2)]);
    assert_eq!(
        problems,
        [format!(
            "{}: 1 lines longer than 1048576 bytes (--max-line-bytes) left out",
            path.display()
        )]
    );
}

/// A threshold that is no confidence (NaN, infinite, below 0 or above 100) is a usage error,
/// exit 64 with the value named, before any file is read.
#[test]
fn a_threshold_out_of_range_is_a_usage_error() {
    let s = Scratch::new();
    for bad in ["NaN", "inf", "-1", "101"] {
        let run = detect_cli(
            &s.0.path().join("out"),
            [
                "--threshold".as_ref(),
                bad.as_ref(),
                data(ACCESS).as_os_str(),
            ],
        );
        let err = text(&run.stderr);
        assert_eq!(run.status.code(), Some(64), "{bad}: {err}");
        assert!(
            err.contains(&format!("'{bad}'")) && err.contains("0 to 100"),
            "{bad}: {err}"
        );
        assert!(!s.0.path().join("out").exists(), "{bad}");
    }
}

/// A real Cowrie log whose first line grew past the 64 KiB sniffing head (a 70 KB field
/// added, as an attacker's logged input can be), and the same log behind 70 KiB of blank
/// lines: both are still read as Cowrie, every line kept, where one line used to decide the
/// file ("no line in the first 10 parses as a JSON object", "only blank lines").
#[test]
fn a_long_first_line_or_a_blank_run_never_hides_a_log() {
    let s = Scratch::new();
    let lines = head_lines(COWRIE, 20);
    let (plain, _) = read(&s.file("plain.json", &join(&lines)));
    assert_eq!(plain.format, Format::Cowrie);
    let mut long = lines.clone();
    let pad = format!("{{\"padding\":\"{}\",", "x".repeat(70_000));
    long[0] = [pad.as_bytes(), &long[0][1..]].concat();
    let (r, _) = read(&s.file("long.json", &join(&long)));
    assert_eq!(r.format, Format::Cowrie);
    assert_eq!(r.events, plain.events);
    let mut blank = vec![b'\n'; 70 * 1024];
    blank.extend(join(&lines));
    let (r, _) = read(&s.file("blank.json", &blank));
    assert_eq!(r.format, Format::Cowrie);
    assert_eq!(r.events, plain.events);
}
