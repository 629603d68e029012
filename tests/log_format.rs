//! Access logs of any layout: a real nginx on 127.0.0.1 writes its access log through a
//! custom `log_format` (the request's duration, the virtual host and the forwarded chain after
//! the combined fields), and netsleuth reads it through `--log-format` with the same string:
//! every request the test sent is one event with its client, request line, status, bytes,
//! user agent, host and duration; the combined reader alone, without the format, would not
//! know those fields. Also through the command line.

mod servers;

use std::process::Command;

use netsleuth::events::EventTable;
use netsleuth::ingest::{read_file, LogFormat, ReadOptions, ReadProgress};
use servers::{request, Nginx};

const FORMAT: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time vhost=$host xff="$http_x_forwarded_for""#;

#[test]
fn a_real_nginx_log_in_a_custom_format_reads_through_its_format_string() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("nginx");
    std::fs::create_dir_all(&prefix).unwrap();
    let include = prefix.join("empty.conf");
    std::fs::write(&include, "").unwrap();
    let nginx = Nginx::start_logging(&prefix, &include, Some(FORMAT));
    // (client, method, target, user agent)
    let sent = [
        ("203.0.113.7", "GET", "/", "curl/8.0"),
        ("198.51.100.9", "POST", "/login", "python-requests/2.31"),
        (
            "203.0.113.7",
            "GET",
            "/search?q=a%20b",
            "Mozilla/5.0 (X11; Linux x86_64)",
        ),
        ("2001:db8::5", "GET", "/wp-login.php", "sqlmap/1.7"),
    ];
    for (client, method, target, ua) in sent {
        let status = request(
            nginx.port,
            method,
            target,
            client,
            &format!("User-Agent: {ua}\r\n"),
        );
        assert_eq!(status, 200);
    }
    drop(nginx);
    let log = prefix.join("access.log");

    let layout = LogFormat::parse(FORMAT).unwrap();
    let options = ReadOptions {
        log_format: Some(std::sync::Arc::new(layout)),
        ..ReadOptions::default()
    };
    let mut t = EventTable::default();
    let r = read_file(&log, 0, &mut t, &options, &ReadProgress::default()).unwrap();
    assert_eq!(r.skips.total(), 0, "{:?}", r.skips.examples());
    assert_eq!(t.len(), sent.len());
    for (row, (client, method, target, ua)) in sent.iter().enumerate() {
        assert_eq!(t.source_ip(row).unwrap().to_string(), *client);
        let request = t.detail(row).unwrap().split('\u{1f}').next().unwrap();
        assert_eq!(request, format!("{method} {target} HTTP/1.1"));
        assert_eq!(t.outcome(row), Some("200"));
        assert_eq!(t.bytes_received(row), Some(3.0), "the page is 'ok\\n'");
        assert_eq!(t.detail_value(row, "ua"), Some(*ua));
        assert_eq!(t.detail_value(row, "vhost"), Some("localhost"));
        assert_eq!(t.detail_value(row, "forwarded_for"), Some(*client));
        assert!(t.duration_s(row).is_some_and(|s| (0.0..5.0).contains(&s)));
        assert!(t.time_us(row).is_some());
    }

    // The same through the command line; a format naming no client is refused at once.
    let bin = env!("CARGO_BIN_EXE_netsleuth");
    let out = Command::new(bin)
        .args(["inspect", "--json", "--log-format", FORMAT])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["events"], sent.len());
    let out = Command::new(bin)
        .args(["inspect", "--log-format", "$request $status [$time_local]"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names no client address"));
}
