//! The `netsleuth inspect` command on real data files: `--json` output parsed with serde_json
//! and compared value by value, the text report's key lines, and exit code 1 with the other
//! files still reported when one file does not exist.
//!
//! Expected values were computed from the raw files with Python (see the per-format tests).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

fn data(rel: &str) -> String {
    PathBuf::from(DATA).join(rel).display().to_string()
}

fn inspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("inspect")
        .args(args)
        .output()
        .expect("run netsleuth")
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The `extra_columns` of a file entry, sorted.
fn extras(file: &Value) -> Vec<String> {
    let mut names: Vec<String> = file["extra_columns"]
        .as_array()
        .expect("extra_columns array")
        .iter()
        .map(|v| v.as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn json_for_three_files() {
    let vpc = data("aws-vpc-flow-logs/vpcflowlogs.log");
    let iot = data("iot-23/CTU-Malware-Capture-44-1-labeled.csv");
    let mhn = data("honeypot/dionaea/dionaea_mhn_export.json");
    let out = inspect(&[&vpc, &iot, &mhn, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = stdout_json(&out);
    assert_eq!(doc["errors"], json!([]));
    let files = doc["files"].as_array().expect("files array");
    assert_eq!(files.len(), 3);

    let f = &files[0];
    assert_eq!(f["path"], json!(vpc));
    assert_eq!(f["format"], "aws-vpc-flow");
    assert_eq!(f["gzip"], false);
    assert_eq!(f["records"], 214);
    assert_eq!(f["events"], 214);
    assert_eq!(f["skipped"], 0);
    assert_eq!(f["skipped_by_reason"], json!({}));
    assert_eq!(f["skipped_examples"], json!([]));
    assert_eq!(f["sources"], 47);
    assert_eq!(f["first_event"], "2025-11-28T04:01:39Z");
    assert_eq!(f["last_event"], "2025-11-28T04:03:10Z");
    assert_eq!(
        f["fields"],
        json!([
            "event_time",
            "duration_s",
            "source_ip",
            "source_port",
            "destination_ip",
            "destination_port",
            "transport",
            "bytes_sent",
            "packets_sent",
            "outcome"
        ])
    );
    assert_eq!(f["extra_columns"], json!([]));
    assert_eq!(f["labels"], Value::Null);

    let f = &files[1];
    assert_eq!(f["path"], json!(iot));
    assert_eq!(f["format"], "zeek-csv");
    assert_eq!(f["gzip"], false);
    assert_eq!(f["records"], 237);
    assert_eq!(f["events"], 237);
    assert_eq!(f["skipped"], 0);
    assert_eq!(f["sources"], 2);
    assert_eq!(f["first_event"], "2019-01-10T20:06:28.860071Z");
    assert_eq!(f["last_event"], "2019-01-10T22:01:02.953055Z");
    assert_eq!(
        f["fields"],
        json!([
            "event_time",
            "duration_s",
            "source_ip",
            "source_port",
            "destination_ip",
            "destination_port",
            "transport",
            "app_protocol",
            "bytes_sent",
            "bytes_received",
            "packets_sent",
            "packets_received",
            "tcp_flags",
            "outcome",
            "label"
        ])
    );
    assert_eq!(
        extras(f),
        ["missed_bytes", "orig_ip_bytes", "resp_ip_bytes"]
    );
    assert_eq!(
        f["labels"],
        json!({
            "column": "label",
            "benign": 211,
            "malicious": 26,
            "classes": {"Benign": 211, "C&C": 14, "C&C-FileDownload": 11, "DDoS": 1}
        })
    );

    let f = &files[2];
    assert_eq!(f["path"], json!(mhn));
    assert_eq!(f["format"], "dionaea-mhn");
    assert_eq!(f["records"], 2030);
    assert_eq!(f["events"], 2030);
    assert_eq!(f["skipped"], 0);
    assert_eq!(f["sources"], 700);
    assert_eq!(f["first_event"], "2017-11-11T06:19:12.385Z");
    assert_eq!(f["last_event"], "2017-11-12T01:16:40.117Z");
    assert_eq!(
        f["fields"],
        json!([
            "event_time",
            "source_ip",
            "source_port",
            "destination_port",
            "app_protocol",
            "detail"
        ])
    );
    assert_eq!(f["labels"], Value::Null);
}

#[test]
fn text_report_key_lines() {
    let cw = data("cloudwatch/CloudWatch_Traffic_Web_Attack.csv");
    let iot = data("iot-23/CTU-Malware-Capture-44-1-labeled.csv");
    let out = inspect(&[&cw, &iot]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let has = |want: &str| assert!(lines.contains(&want), "no line {want:?} in:\n{text}");
    has(&cw);
    has(&iot);
    has("format      AWS CloudWatch web-attack CSV (cloudwatch)");
    has("records     282");
    has("events      282");
    has("sources     28");
    has("time range  2024-04-25T23:00:00Z .. 2024-04-26T09:50:00Z");
    has("labels      none");
    has("records     237");
    has("sources     2");
    has("time range  2019-01-10T20:06:28.860071Z .. 2019-01-10T22:01:02.953055Z");
    has("extras      3 numeric columns");
    has("labels      'label': 211 benign, 26 malicious");
    has("14 C&C");
    has("11 C&C-FileDownload");
    has("1 DDoS");
    assert_eq!(
        lines.iter().filter(|l| **l == "skipped     0").count(),
        2,
        "{text}"
    );
    // The CloudWatch report comes first.
    let cw_at = text.find(&cw).expect("cloudwatch path");
    let iot_at = text.find(&iot).expect("iot path");
    assert!(cw_at < iot_at);
}

#[test]
fn missing_file_fails_but_others_are_reported() {
    let vpc = data("aws-vpc-flow-logs/vpcflowlogs.log");
    let missing = data("does-not-exist/conn.log");
    let zeek = data("zeek/conn_json.log");

    let out = inspect(&[&vpc, &missing, &zeek, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "read, with a file lost: {out:?}"
    );
    let doc = stdout_json(&out);
    let files = doc["files"].as_array().expect("files array");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], json!(vpc));
    assert_eq!(files[0]["events"], 214);
    assert_eq!(files[1]["path"], json!(zeek));
    assert_eq!(files[1]["format"], "zeek-json");
    assert_eq!(files[1]["events"], 110);
    assert_eq!(files[1]["sources"], 2);
    assert_eq!(files[1]["first_event"], "2020-06-06T06:36:39.925532Z");
    let errors = doc["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1);
    let message = errors[0].as_str().expect("error text");
    assert!(message.contains(&missing), "{message}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing), "stderr: {stderr}");

    let out = inspect(&[&vpc, &missing, &zeek]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == vpc), "{text}");
    assert!(text.lines().any(|l| l == zeek), "{text}");
    assert!(!text.contains(&missing), "{text}");
    assert!(text.contains("records     110"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing), "stderr: {stderr}");
}

/// The field profile in `inspect --json`, checked against counts Python's json and re modules
/// give on the raw files: Cowrie's event types, sources, usernames and passwords (empty ones
/// are no value: 128 of 302 usernames and 7 of 302 passwords), client versions; the access
/// log's status codes and response sizes (min, median, 99th percentile by nearest rank, max).
#[test]
fn json_profiles_each_field() {
    let cowrie = data("honeypot/cowrie/cowrie.json.2018-05-19");
    let access = data("web-access-logs/hackers-access.log");
    let out = inspect(&[&cowrie, &access, "--json"]);
    let doc = stdout_json(&out);
    let p = &doc["files"][0]["profile"];
    let check = |p: &Value, field: &str, present: u64, distinct: u64, top: Value| {
        assert_eq!(p[field]["present"], present, "{field}");
        assert_eq!(p[field]["distinct"], distinct, "{field}");
        let shown = p[field]["top"].as_array().unwrap();
        assert!(shown.len() <= 10, "{field}");
        for (k, want) in top.as_array().unwrap().iter().enumerate() {
            assert_eq!(&shown[k], want, "{field} #{k}");
        }
    };
    check(
        p,
        "outcome",
        2004,
        13,
        serde_json::json!([
            ["cowrie.session.connect", 455],
            ["cowrie.session.closed", 455],
            ["cowrie.client.version", 432]
        ]),
    );
    check(
        p,
        "source_ip",
        2004,
        58,
        serde_json::json!([
            ["185.222.209.108", 296],
            ["185.222.209.151", 216],
            ["105.112.17.97", 194]
        ]),
    );
    check(
        p,
        "detail.username",
        174,
        72,
        serde_json::json!([["root", 49], ["admin", 42]]),
    );
    check(
        p,
        "detail.password",
        295,
        95,
        serde_json::json!([["root", 129], ["admin", 24], ["tech1234", 13]]),
    );
    check(
        p,
        "detail.version",
        432,
        30,
        serde_json::json!([["SSH-2.0-OpenSSH_7.3", 133], ["SSH-2.0-PUTTY", 87]]),
    );
    assert!(p["outcome"].get("median").is_none(), "no numbers for text");

    let p = &doc["files"][1]["profile"];
    check(
        p,
        "outcome",
        3456,
        4,
        serde_json::json!([["200", 2846], ["302", 585], ["403", 13], ["404", 12]]),
    );
    check(
        p,
        "bytes_received",
        3456,
        94,
        serde_json::json!([["10716", 429], ["11114", 310]]),
    );
    let sizes = &p["bytes_received"];
    assert_eq!(
        [
            &sizes["min"],
            &sizes["median"],
            &sizes["p99"],
            &sizes["max"]
        ],
        [281.0, 11620.0, 36444.0, 36488.0]
    );
}
