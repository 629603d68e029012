//! The Web view's numbers against GoAccess 1.7 (Debian's `goaccess`, run with the
//! configuration Debian ships) on every access log in `../shared/data` and on a handful of
//! constructed lines that exercise its rules (static files, percent-decoding, odd request
//! lines, 4xx visitors, referrers): requests, visitors, bandwidth, and per item the hits,
//! visitors and bytes of days, URLs, static files, 404s, clients, status codes, hours and
//! referring sites must agree exactly.
//!
//! Where the two differ by design, the test says so and checks the difference itself:
//! GoAccess reads lines through a 4,096-byte buffer, so a longer line (the WebDAV `SEARCH`
//! overflows and Code Red requests of the honeynet logs) becomes pieces counted as failed
//! requests; netsleuth reads those lines whole, so they are compared without them, and
//! GoAccess's failed count is checked to be exactly their pieces. And on the hackers' log
//! GoAccess counts one or two visitors fewer on eight items (six URLs, two hours) than there
//! are distinct (address, day, user agent) among their requests, while its visitor total and
//! per-day visitors agree with netsleuth's: those eight are listed in [`VISITOR_EXCEPTIONS`]
//! with both counts, and every other item must agree exactly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use netsleuth::ingest::{read_files, ReadOptions, ReadProgress};
use netsleuth::web::{compute, log_zone, PanelKind, WebStats};
use serde_json::Value;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/web-access-logs"
);
const GOACCESS_CONF: &str = "/etc/goaccess/goaccess.conf";
/// GoAccess's line buffer: `fgets` reads at most this many bytes less one per call.
const LINE_BUFFER: usize = 4096;

/// Constructed lines (not real traffic) for the rules the shared logs do not reach.
const EDGE_LOG: &str = r#"10.0.0.1 - - [01/Mar/2024:23:59:59 +0100] "GET /a.css HTTP/1.1" 200 10 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
10.0.0.1 - - [02/Mar/2024:00:00:01 +0100] "GET /b.CSS HTTP/1.1" 200 10 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
10.0.0.1 - - [02/Mar/2024:00:00:02 +0100] "GET /c.js?v=1 HTTP/1.1" 200 10 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
10.0.0.2 - - [02/Mar/2024:01:00:00 +0100] "GET /d.txt HTTP/1.1" 200 11 "-" "curl/8.0"
10.0.0.2 - - [02/Mar/2024:01:00:01 +0100] "GET /e.zst HTTP/1.1" 200 12 "-" "curl/8.0"
10.0.0.2 - - [02/Mar/2024:01:00:02 +0100] "GET /f.html HTTP/1.1" 200 13 "-" "curl/8.0"
10.0.0.2 - - [02/Mar/2024:01:00:03 +0100] "GET /g.css HTTP/1.1" 404 14 "-" "curl/8.0"
10.0.0.3 - - [02/Mar/2024:02:00:00 +0100] "GET /%41%42?x=%2F+y%zz%4 HTTP/1.1" 200 15 "https://www.google.com/search?q=x" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36"
10.0.0.3 - - [02/Mar/2024:02:00:01 +0100] "GET /nul%00after HTTP/1.1" 200 16 "android-app://com.google.android.gm/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36"
10.0.0.3 - - [02/Mar/2024:02:00:02 +0100] "get /lower HTTP/1.1" 200 17 "http://host:8080/path" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36"
10.0.0.3 - - [02/Mar/2024:02:00:03 +0100] "GET /sp ace HTTP/1.1" 200 18 "http://a.example?q=1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36"
10.0.0.4 - - [02/Mar/2024:03:00:00 +0100] "FOO /x HTTP/1.1" 200 19 "-" "-"
10.0.0.4 - - [02/Mar/2024:03:00:01 +0100] "GET /x HTTP/2.0" 200 20 "-" ""
10.0.0.4 - - [02/Mar/2024:03:00:02 +0100] "GET /x http/1.1" 200 21 "-" "-"
10.0.0.4 - - [02/Mar/2024:03:00:03 +0100] "GET /x HTTP/2" 444 22 "-" "-"
10.0.0.5 - - [02/Mar/2024:04:00:00 +0100] "POST /login HTTP/1.1" 500 23 "-" "python-requests/2.31"
10.0.0.5 - - [02/Mar/2024:04:00:01 +0100] "GET  /double HTTP/1.1" 200 - "-" "python-requests/2.31"
10.0.0.5 - - [02/Mar/2024:04:00:02 +0100] "-" 400 0 "-" "python-requests/2.31"
10.0.0.5 - - [02/Mar/2024:04:00:03 +0100] "GET /y HTTP/1.1" 302 - "//x.example/" "python-requests/2.31"
10.0.0.6 - - [02/Mar/2024:05:00:00 +0100] "GET /z HTTP/1.1" 200 24 "-" "Googlebot/2.1 (+http://www.google.com/bot.html)"
10.0.0.6 - - [02/Mar/2024:05:00:01 +0100] "GET / HTTP/1.1" 301 24 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
10.0.0.7 - - [02/Mar/2024:06:00:00 +0100] "GET /%25%32%35 HTTP/1.1" 200 25 "-" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1"
10.0.0.7 - - [02/Mar/2024:06:00:01 +0100] "GET /%20trail%20 HTTP/1.1" 200 26 "-" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1"
10.0.0.8 - - [02/Mar/2024:07:00:00 +0100] "GET /scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir HTTP/1.0" 404 1 "-" "-"
10.0.0.8 - - [02/Mar/2024:07:00:01 +0100] "GET /scripts/..%c0%ae../winnt/system32/cmd.exe?/c+dir HTTP/1.0" 404 2 "-" "-"
"#;

/// Items of the hackers' log whose visitors GoAccess counts lower than the distinct (address,
/// local day, user agent) of their requests: panel, method, protocol, item, GoAccess's count,
/// netsleuth's.
const VISITOR_EXCEPTIONS: [(&str, &str, &str, &str, u64, u64); 8] = [
    ("requests", "GET", "HTTP/1.0", "/join_form", 125, 126),
    (
        "requests",
        "GET",
        "HTTP/1.1",
        "/acl_users/credentials_cookie_auth/require_login?came_from=http://niels.basjes.nl/join_form",
        202,
        204,
    ),
    ("requests", "GET", "HTTP/1.1", "/join_form", 387, 388),
    ("requests", "GET", "HTTP/1.1", "/login_form", 428, 429),
    ("requests", "POST", "HTTP/1.1", "/join_form", 480, 481),
    ("requests", "POST", "HTTP/1.1", "/login_form", 421, 422),
    ("visit_time", "", "", "06", 43, 44),
    ("visit_time", "", "", "09", 35, 36),
];

/// GoAccess's JSON report of `log`.
fn goaccess(log: &Path, out: &Path) -> Value {
    let status = Command::new("goaccess")
        .arg(log)
        .args(["--log-format=COMBINED", "-p", GOACCESS_CONF, "-o"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("goaccess runs (scripts/install-deps installs Debian's goaccess)");
    assert!(status.success(), "goaccess failed on {}", log.display());
    let raw = std::fs::read(out).unwrap();
    serde_json::from_slice(&latin1_strings(&raw)).expect("GoAccess's JSON")
}

/// GoAccess writes URLs' decoded bytes as they are, UTF-8 or not: a string of the JSON that
/// is not UTF-8 is rewritten one character per byte (Latin-1), as netsleuth keeps such URLs,
/// so that two byte sequences never compare as one.
fn latin1_strings(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'"' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < raw.len() && raw[end] != b'"' {
            end += if raw[end] == b'\\' { 2 } else { 1 };
        }
        let body = &raw[i + 1..end.min(raw.len())];
        out.push(b'"');
        match std::str::from_utf8(body) {
            Ok(_) => out.extend_from_slice(body),
            Err(_) => out.extend(
                body.iter()
                    .map(|&c| char::from(c))
                    .collect::<String>()
                    .bytes(),
            ),
        }
        out.push(b'"');
        i = end + 1;
    }
    out
}

/// hits, visitors, bytes.
type Counts = (u64, u64, u64);

fn counts(v: &Value) -> Counts {
    let n = |k: &str| v[k]["count"].as_u64().unwrap();
    (n("hits"), n("visitors"), n("bytes"))
}

/// A GoAccess panel's items by key: (method, protocol, data) for URLs, the code for status
/// codes (its label starts with it), the data otherwise.
fn theirs(report: &Value, panel: &str) -> BTreeMap<(String, String, String), Counts> {
    let mut out = BTreeMap::new();
    for item in report[panel]["data"].as_array().unwrap() {
        let s = |k: &str| item[k].as_str().unwrap_or("").to_owned();
        if panel == "status_codes" {
            for code in item["items"].as_array().unwrap() {
                let label = code["data"].as_str().unwrap();
                let key = label.split(' ').next().unwrap().to_owned();
                out.insert((String::new(), String::new(), key), counts(code));
            }
        } else {
            let data = match panel {
                "visitors" => {
                    let d = s("data");
                    format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
                }
                _ => s("data"),
            };
            out.insert((s("method"), s("protocol"), data), counts(item));
        }
    }
    out
}

fn ours(stats: &WebStats, kind: PanelKind) -> BTreeMap<(String, String, String), Counts> {
    stats
        .panel(kind)
        .items
        .iter()
        .map(|i| {
            (
                (
                    i.key.method.clone(),
                    i.key.protocol.clone(),
                    i.key.text.clone(),
                ),
                (i.hits, i.visitors, i.bytes),
            )
        })
        .collect()
}

/// Lengths of the lines of `path`, without their line ends.
fn line_lengths(path: &Path) -> Vec<usize> {
    let raw = std::fs::read(path).unwrap();
    raw.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).len())
        .collect()
}

/// Checks netsleuth's Web numbers for `log` against GoAccess's; returns how many items were
/// compared.
fn agrees(log: &Path, scratch: &Path) -> usize {
    let report = goaccess(log, &scratch.join("report.json"));
    let inv = read_files(
        &[log.to_path_buf()],
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    let t = &inv.table;
    let lengths = line_lengths(log);
    let whole_line = |r: usize| lengths[t.line(r) as usize - 1] < LINE_BUFFER - 1;
    let long: Vec<usize> = lengths
        .iter()
        .copied()
        .filter(|&n| n >= LINE_BUFFER - 1)
        .collect();
    let general = &report["general"];
    let pieces: u64 = long
        .iter()
        .map(|n| (n + 1).div_ceil(LINE_BUFFER - 1) as u64)
        .sum();
    assert_eq!(
        general["failed_requests"].as_u64().unwrap(),
        pieces,
        "{}: GoAccess fails exactly the pieces of the {} lines longer than its buffer",
        log.display(),
        long.len()
    );
    assert_eq!(
        t.len(),
        lengths.iter().filter(|&&n| n > 0).count(),
        "{}: netsleuth reads every line, the long ones too",
        log.display()
    );
    let zone = log_zone(&inv.files, &netsleuth::events::Zone::Utc);
    let never = AtomicBool::new(false);
    let rows = (0..t.len()).filter(|&r| whole_line(r));
    let stats = compute(t, rows, &zone, &|_| false, usize::MAX, &never).unwrap();
    let name = log.display();
    assert_eq!(
        stats.requests,
        general["valid_requests"].as_u64().unwrap(),
        "{name}: requests"
    );
    assert_eq!(
        stats.visitors,
        general["unique_visitors"].as_u64().unwrap(),
        "{name}: visitors"
    );
    assert_eq!(
        stats.bytes,
        general["bandwidth"].as_u64().unwrap(),
        "{name}: bandwidth"
    );
    // Status classes over time add up to the requests, class by class.
    let mut by_class = [0u64; 6];
    for b in &stats.status_over_time {
        by_class
            .iter_mut()
            .zip(b.by_class)
            .for_each(|(a, n)| *a += n);
    }
    assert_eq!(by_class.iter().sum::<u64>(), stats.requests, "{name}");
    let class_hits = |c: u8| -> u64 {
        stats
            .panel(PanelKind::StatusCodes)
            .items
            .iter()
            .filter(|i| i.key.text.len() == 3 && i.key.text.as_bytes()[0] == c)
            .map(|i| i.hits)
            .sum()
    };
    for (k, c) in (b'1'..=b'5').enumerate() {
        assert_eq!(
            by_class[k],
            class_hits(c),
            "{name}: {}xx over time",
            c as char
        );
    }
    let mut compared = 0;
    let mut differ = Vec::new();
    for (panel, kind) in [
        ("visitors", PanelKind::Days),
        ("requests", PanelKind::Requests),
        ("static_requests", PanelKind::StaticFiles),
        ("not_found", PanelKind::NotFound),
        ("hosts", PanelKind::Hosts),
        ("status_codes", PanelKind::StatusCodes),
        ("visit_time", PanelKind::Hours),
        ("referring_sites", PanelKind::ReferringSites),
    ] {
        let (want, got) = (theirs(&report, panel), ours(&stats, kind));
        for (key, c) in &want {
            let exception = VISITOR_EXCEPTIONS.iter().find(|e| {
                name.to_string().ends_with("hackers-access.log")
                    && (e.0, e.1, e.2, e.3) == (panel, &key.0, &key.1, &key.2)
            });
            if let Some(e) = exception {
                assert_eq!(c.1, e.4, "{name}: {panel} {key:?}: GoAccess's visitors");
                assert_eq!(
                    got.get(key),
                    Some(&(c.0, e.5, c.2)),
                    "{name}: {panel} {key:?}"
                );
                continue;
            }
            if got.get(key) != Some(c) {
                differ.push(format!(
                    "{panel} {key:?}: GoAccess {c:?}, netsleuth {:?}",
                    got.get(key)
                ));
            }
        }
        // GoAccess lists at most so many items of a panel and gives the whole count apart.
        let total = report[panel]["metadata"]["data"]["total"]["value"]
            .as_u64()
            .unwrap();
        let listed = if panel == "status_codes" {
            got.len()
        } else {
            total as usize
        };
        if got.len() != listed {
            differ.push(format!(
                "{panel}: GoAccess has {listed} items, netsleuth {}",
                got.len()
            ));
        }
        if want.len() == listed {
            for key in got.keys().filter(|k| !want.contains_key(*k)) {
                differ.push(format!("{panel} {key:?}: only netsleuth has it"));
            }
        }
        compared += want.len();
    }
    assert!(differ.is_empty(), "{name}:\n{}", differ.join("\n"));
    compared
}

#[test]
fn the_web_view_agrees_with_goaccess_on_every_shared_access_log() {
    let scratch = tempfile::tempdir().unwrap();
    let mut logs: Vec<PathBuf> = std::fs::read_dir(DATA)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    logs.sort();
    assert_eq!(logs.len(), 3, "the shared access logs: {logs:?}");
    for log in &logs {
        let compared = agrees(log, scratch.path());
        assert!(
            compared > 50,
            "{}: {compared} items compared",
            log.display()
        );
    }
}

#[test]
fn the_web_view_agrees_with_goaccess_on_its_rules() {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("edge.log");
    std::fs::write(&log, EDGE_LOG).unwrap();
    let compared = agrees(&log, scratch.path());
    assert!(compared > 40, "{compared} items compared");
}

/// `netsleuth web --json` prints the same numbers as the window: GoAccess's totals on the
/// hackers' log, every URL, and days on the log's own clock.
#[test]
fn the_command_line_prints_the_web_panels() {
    let out = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .args(["web", "--json"])
        .arg(PathBuf::from(DATA).join("hackers-access.log"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"], 3456);
    assert_eq!(v["visitors"], 672);
    assert_eq!(v["bytes"], 46_882_196u64);
    assert_eq!(v["zone"], "UTC+01:00");
    assert_eq!(v["panels"]["requests"].as_array().unwrap().len(), 64);
    assert_eq!(v["panels"]["visitors"][0]["data"], "2015-10-25");
    let bad = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .args(["web", "--query", "source_ip ="])
        .arg(PathBuf::from(DATA).join("hackers-access.log"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(64));
}
