//! Parquet input against the CSV path: real logs of ../shared/data converted to Parquet by
//! pyarrow (typed columns: integers, doubles, strings, nulls; in target/references-venv, made by
//! scripts/install-references) are detected exactly as the CSV they came from: the same format,
//! and byte for byte the same sources.csv, blocklist.csv and events_scored.csv (but for the file
//! column) with the model cache shared. Nested columns are read under their paths: IoT-23's
//! connection endpoints nested as Zeek's JSON nests them (`id.orig_h`...) read as the CSV does.
//! OCSF records (the OCSF project's samples) read as the events they describe, from JSON lines
//! and from Parquet alike.

use std::path::{Path, PathBuf};
use std::process::Command;

use netsleuth::events::EventTable;
use netsleuth::ingest::{read_file, ReadOptions, ReadProgress};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(rel: &str) -> PathBuf {
    root().join("../shared/data").join(rel)
}

/// Runs a Python `script` with `args` in the references venv (pandas, pyarrow).
fn python(script: &str, args: &[&Path]) {
    let python = root().join("target/references-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-references",
        python.display()
    );
    let run = Command::new(python)
        .args(["-c", script])
        .args(args)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Writes `csv` as Parquet at `out` with pyarrow, the columns typed as pandas reads them;
/// with `nest`, the columns `id.orig_h`... become fields of one struct column `id`.
fn to_parquet(csv: &Path, out: &Path, nest: bool) {
    let script = r#"
import sys
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
df = pd.read_csv(sys.argv[1], low_memory=False)
table = pa.Table.from_pandas(df, preserve_index=False)
if sys.argv[3] == "nest":
    inner = [c for c in table.column_names if c.startswith("id.")]
    struct = pa.StructArray.from_arrays([table[c].combine_chunks() for c in inner],
                                        [c[3:] for c in inner])
    at = table.column_names.index(inner[0])
    table = table.drop_columns(inner).add_column(at, "id", struct)
pq.write_table(table, sys.argv[2], row_group_size=4096)
"#;
    let how = Path::new(if nest { "nest" } else { "flat" });
    python(script, &[csv, out, how]);
}

fn detect(file: &Path, out: &Path, cache: &Path) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .env("NETSLEUTH_CACHE_DIR", cache)
        .arg("detect")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    json["files"][0]["format"].as_str().unwrap().to_owned()
}

/// Each line without its first field (the file's path).
fn without_path(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest))
        .collect()
}

fn same_detection(rel: &str, nest: bool) {
    let dir = tempfile::tempdir().unwrap();
    let csv = data(rel);
    let parquet = dir.path().join("converted.parquet");
    to_parquet(&csv, &parquet, nest);
    let cache = dir.path().join("cache");
    let (a, b) = (dir.path().join("csv"), dir.path().join("parquet"));
    let format = detect(&csv, &a, &cache);
    assert_eq!(detect(&parquet, &b, &cache), format, "{rel}");
    for name in ["sources.csv", "blocklist.csv"] {
        let (x, y) = (
            std::fs::read_to_string(a.join(name)).unwrap(),
            std::fs::read_to_string(b.join(name)).unwrap(),
        );
        assert!(x == y, "{rel}: {name} differs");
    }
    let (x, y) = (
        std::fs::read_to_string(a.join("events_scored.csv")).unwrap(),
        std::fs::read_to_string(b.join("events_scored.csv")).unwrap(),
    );
    let (x, y) = (without_path(&x), without_path(&y));
    assert!(x.len() > 200, "{rel}: {} events", x.len());
    assert_eq!(x.len(), y.len(), "{rel}");
    if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
        panic!("{rel}: event line {} differs:\n{}\n{}", i + 1, x[i], y[i]);
    }
}

#[test]
fn cloudwatch_as_parquet_is_detected_as_its_csv() {
    same_detection("cloudwatch/CloudWatch_Traffic_Web_Attack.csv", false);
}

#[test]
fn unsw_nb15_as_parquet_is_detected_as_its_csv() {
    same_detection("unsw-nb15/unsw-nb15_1_sampled.csv", false);
}

#[test]
fn cic_ids2017_as_parquet_is_detected_as_its_csv() {
    same_detection("cic-ids2017/cicids2017_improved_sample_mixed.csv", false);
}

#[test]
fn iot23_with_nested_endpoints_as_parquet_is_detected_as_its_csv() {
    same_detection("iot-23/CTU-Malware-Capture-8-1-labeled.csv", true);
}

#[test]
fn a_damaged_parquet_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("flows.parquet");
    to_parquet(
        &data("cloudwatch/CloudWatch_Traffic_Web_Attack.csv"),
        &parquet,
        false,
    );
    let bytes = std::fs::read(&parquet).unwrap();
    // The footer (the schema and where each row group lies) cut off.
    std::fs::write(&parquet, &bytes[..bytes.len() / 2]).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("inspect")
        .arg(&parquet)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        err.contains("flows.parquet") && err.contains("Parquet"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// The OCSF project's published records (tests/fixtures/real/ocsf), as JSON lines and as
/// Parquet that pyarrow writes from them with their objects nested: each reads as the event it
/// describes, the same either way.
#[test]
fn ocsf_records_read_as_their_events_from_json_lines_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/real/ocsf");
    for (name, expected) in [
        (
            "vpcflowlog",
            // Network Activity 4001: 1.2.3.4:56858 refused at 172.31.2.52:39938 over TCP, one
            // packet of 40 bytes, at time 1649721732000 ms.
            "2022-04-12T00:02:12Z,1.2.3.4,56858,172.31.2.52,39938,tcp,,40,,Blocked",
        ),
        (
            "route53",
            // DNS Activity 4003: 10.200.21.100:15083 asked Route 53 over UDP.
            "2022-10-13T21:02:36Z,10.200.21.100,15083,,,udp,,,,",
        ),
    ] {
        let json = fixtures.join(format!("{name}.jsonl"));
        let parquet = dir.path().join(format!("{name}.parquet"));
        python(
            "import sys, pyarrow.json as j, pyarrow.parquet as p; \
             p.write_table(j.read_json(sys.argv[1]), sys.argv[2])",
            &[&json, &parquet],
        );
        let mut rows = Vec::new();
        for (i, file) in [json, parquet].iter().enumerate() {
            let out = dir.path().join(format!("{name}-{i}"));
            detect(file, &out, &dir.path().join("cache"));
            let text = std::fs::read_to_string(out.join("events_scored.csv")).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{}: {text}", file.display());
            // The event's fields: time through outcome (after the file and line).
            let fields: Vec<&str> = lines[1].split(',').skip(2).take(10).collect();
            rows.push(fields.join(","));
        }
        assert_eq!(rows[0], expected, "{name} as JSON lines");
        assert_eq!(rows[1], expected, "{name} as Parquet");
    }
}

/// A data lake's table: a folder tree of Parquet parts (`eventDay=.../part-N.parquet`) with
/// Spark's `_SUCCESS` marker and a hidden checksum beside them, read as one investigation in
/// path order, is detected as the CSV the parts were cut from; an empty folder is refused.
#[test]
fn a_folder_of_parquet_parts_is_detected_as_the_csv_they_were_cut_from() {
    let dir = tempfile::tempdir().unwrap();
    let csv = data("iot-23/CTU-Malware-Capture-8-1-labeled.csv");
    let lake = dir.path().join("flows");
    let script = r#"
import os, sys
import pandas as pd, pyarrow as pa, pyarrow.parquet as pq
df = pd.read_csv(sys.argv[1], low_memory=False)
for k, i in enumerate(range(0, len(df), 4000)):
    d = os.path.join(sys.argv[2], f"eventDay=2018073{k}")
    os.makedirs(d, exist_ok=True)
    table = pa.Table.from_pandas(df.iloc[i:i + 4000], preserve_index=False)
    pq.write_table(table, os.path.join(d, f"part-{k}.parquet"))
open(os.path.join(sys.argv[2], "_SUCCESS"), "w").close()
open(os.path.join(sys.argv[2], ".part-0.parquet.crc"), "w").write("not a log")
"#;
    python(script, &[&csv, &lake]);
    let cache = dir.path().join("cache");
    let (a, b) = (dir.path().join("csv"), dir.path().join("lake"));
    detect(&csv, &a, &cache);
    detect(&lake, &b, &cache);
    let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    assert!(read(&a, "sources.csv") == read(&b, "sources.csv"));
    let events = |d: &Path| -> Vec<String> {
        read(d, "events_scored.csv")
            .lines()
            .skip(1)
            .map(|l| l.splitn(3, ',').nth(2).unwrap().to_owned())
            .collect()
    };
    let (x, y) = (events(&a), events(&b));
    assert_eq!(x.len(), 10_403);
    assert!(x == y, "the parts' events differ from the CSV's");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("inspect")
        .arg(&empty)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(err.contains("empty") && err.contains("no files"), "{err}");
}

/// Reading a Parquet file moves the progress as a text file does: by the end, the bytes read
/// are the file's size (its rows' shares of it, and the head the sniffer looked at).
#[test]
fn reading_parquet_moves_the_progress_to_the_file_size() {
    use netsleuth::events::EventTable;
    use netsleuth::ingest::{read_file, ReadOptions, ReadProgress};
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("unsw.parquet");
    to_parquet(&data("unsw-nb15/unsw-nb15_1_sampled.csv"), &parquet, false);
    let size = std::fs::metadata(&parquet).unwrap().len();
    let progress = ReadProgress::default();
    let mut table = EventTable::default();
    read_file(&parquet, 0, &mut table, &ReadOptions::default(), &progress).unwrap();
    assert_eq!(table.len(), 7000);
    let read = progress.bytes_read.load(Ordering::Relaxed);
    assert!(
        read >= size && read <= size + 256 * 1024,
        "{read} bytes counted for a file of {size}"
    );
}

/// Converts Zeek's dns.log or http.log (TSV, `kind` "dns" or "http") into OCSF DNS Activity
/// (4003) or HTTP Activity (4002) records, JSON lines, as AWS Security Lake's mappers lay out
/// the same facts: endpoints, time in ms, the query, response code and answers; the host, path,
/// method, user agent, status and content type.
fn zeek_to_ocsf(log: &Path, out: &Path, kind: &str) {
    let script = r##"
import json, sys
src, out, kind = sys.argv[1:4]
fields = None
with open(src) as f, open(out, "w") as w:
    for line in f:
        line = line.rstrip("\n")
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        if line.startswith("#"):
            continue
        z = {k: v for k, v in zip(fields, line.split("\t")) if v not in ("-", "(empty)")}
        r = {"time": int(float(z["ts"]) * 1000),
             "src_endpoint": {"ip": z["id.orig_h"], "port": int(z["id.orig_p"])},
             "dst_endpoint": {"ip": z["id.resp_h"], "port": int(z["id.resp_p"])}}
        if kind == "dns":
            r["class_uid"] = 4003
            r["connection_info"] = {"protocol_name": z["proto"].upper()}
            if "query" in z:
                r["query"] = {"hostname": z["query"], "type": z.get("qtype_name")}
            if "rcode_name" in z:
                r["rcode"] = z["rcode_name"]
            r["answers"] = [{"rdata": a} for a in z.get("answers", "").split(",") if a]
        else:
            r["class_uid"] = 4002
            r["http_request"] = {"http_method": z.get("method"),
                                 "url": {"hostname": z.get("host"), "path": z.get("uri")},
                                 "user_agent": z.get("user_agent")}
            r["http_response"] = {"code": int(z.get("status_code", 0)),
                                  "content_type": z.get("resp_mime_types")}
        w.write(json.dumps(r) + "\n")
"##;
    python(script, &[log, out, Path::new(kind)]);
}

/// The `findings` and `reasons` of every row of a sources.csv, by address.
fn findings_of(sources: &Path) -> Vec<(String, String, String)> {
    let mut rows = csv::Reader::from_path(sources).unwrap();
    let header = rows.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (ip, findings, reasons) = (at("ip"), at("findings"), at("reasons"));
    rows.records()
        .map(|r| {
            let r = r.unwrap();
            // The reasons up to the statistics, which the millisecond times may move.
            let said = r[reasons].split("; unusual for this file").next().unwrap();
            (r[ip].to_owned(), r[findings].to_owned(), said.to_owned())
        })
        .collect()
}

/// OCSF DNS Activity and HTTP Activity carry their queries, answers, hosts, paths, agents and
/// content types under the names the DNS and HTTP findings read: Zeek's dns.log and http.log of
/// the fake Flash update capture (tests/fixtures/real/zeek/zat), converted to OCSF, give the
/// findings the Zeek logs give; 8 programs downloaded from hnhmrkw.myftp.biz among them.
#[test]
fn ocsf_dns_and_http_activity_give_the_findings_of_the_zeek_logs_they_describe() {
    let dir = tempfile::tempdir().unwrap();
    let zat = root().join("tests/fixtures/real/zeek/zat");
    let cache = dir.path().join("cache");
    for kind in ["dns", "http"] {
        let log = zat.join(format!("{kind}.log"));
        let jsonl = dir.path().join(format!("{kind}.jsonl"));
        zeek_to_ocsf(&log, &jsonl, kind);
        let (a, b) = (
            dir.path().join(kind),
            dir.path().join(format!("{kind}-ocsf")),
        );
        detect(&log, &a, &cache);
        detect(&jsonl, &b, &cache);
        let (zeek, ocsf) = (
            findings_of(&a.join("sources.csv")),
            findings_of(&b.join("sources.csv")),
        );
        assert_eq!(ocsf, zeek, "{kind}");
        let text = std::fs::read_to_string(b.join("events_scored.csv")).unwrap();
        assert_eq!(text.lines().count(), if kind == "dns" { 55 } else { 151 });
        let mut t = EventTable::default();
        read_file(
            &jsonl,
            0,
            &mut t,
            &ReadOptions::default(),
            &ReadProgress::default(),
        )
        .unwrap();
        if kind == "dns" {
            // The third lookup of dns.log: a CloudFront name answered with eight addresses.
            assert_eq!(
                t.detail_value(2, "dns.query"),
                Some("devrubn8mli40.cloudfront.net")
            );
            assert_eq!(t.detail_value(2, "dns.rcode_name"), Some("NOERROR"));
            assert_eq!(
                t.detail_value(2, "answers").map(|a| a.split(' ').count()),
                Some(8)
            );
        } else {
            assert_eq!(t.detail_value(0, "http.host"), Some("guyspy.com"));
            assert_eq!(t.detail_value(0, "http.uri"), Some("/"));
        }
        if kind == "http" {
            assert!(
                ocsf[0].1.starts_with("Program downloaded")
                    && ocsf[0].2.contains("downloaded 8 programs")
                    && ocsf[0].2.contains("hnhmrkw.myftp.biz"),
                "{ocsf:?}"
            );
        }
    }
}
