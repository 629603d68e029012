//! The syslog receiver against `logger` (util-linux): real access-log lines sent over UDP and
//! TCP, in RFC 3164 and RFC 5424, with both TCP framings, arrive whole, once each, with their
//! tag, host, priority, time and sender; what is not syslog is counted and kept.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use netsleuth::live::syslog::{Message, Receiver};

const LOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/web-access-logs/hackers-access.log"
);

/// The first `n` lines of the real access log.
fn real_lines(n: usize) -> Vec<String> {
    std::fs::read_to_string(LOG)
        .unwrap()
        .lines()
        .take(n)
        .map(str::to_owned)
        .collect()
}

/// Sends `lines` with `logger` to `to`, in one call (over one connection for TCP) reading them
/// from its standard input, with the extra options.
fn logger(to: SocketAddr, options: &[&str], lines: &[String]) {
    use std::io::Write;
    let mut child = Command::new("logger")
        .args(["-n", &to.ip().to_string(), "-P", &to.port().to_string()])
        .args(["-t", "nginx"])
        .args(options)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("logger (util-linux) is installed");
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success(), "logger {options:?}");
}

/// Collects `n` messages, waiting up to 20 s.
fn collect(r: &Receiver, n: usize) -> Vec<Message> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        got.extend(r.batch(n - got.len(), Duration::from_millis(200)));
    }
    // Nothing more arrives than was sent.
    got.extend(r.batch(10, Duration::from_millis(300)));
    got
}

#[test]
fn logger_lines_arrive_whole_over_both_protocols_rfcs_and_framings() {
    let lines = real_lines(40);
    // logger names this machine, as gethostname(2) gives it.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned();
    let cases: [(&str, &[&str]); 4] = [
        ("UDP, RFC 3164", &["-d", "--rfc3164"]),
        ("UDP, RFC 5424", &["-d", "--rfc5424"]),
        (
            "TCP octet-counted, RFC 5424",
            &["-T", "--octet-count", "--rfc5424"],
        ),
        ("TCP by line, RFC 3164", &["-T", "--rfc3164"]),
    ];
    for (what, options) in cases {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let r = Receiver::bind(Some(any), Some(any)).unwrap();
        let to = if options.contains(&"-d") {
            r.udp.unwrap()
        } else {
            r.tcp.unwrap()
        };
        logger(to, options, &lines[..10]);
        let got = collect(&r, 10);
        let bodies: Vec<String> = got
            .iter()
            .map(|m| String::from_utf8_lossy(&m.body).into_owned())
            .collect();
        assert_eq!(bodies, lines[..10], "{what}");
        for m in &got {
            assert_eq!(m.app.as_deref(), Some("nginx"), "{what}");
            assert_eq!(m.hostname.as_deref(), Some(host.as_str()), "{what}");
            assert!(m.sender.ip().is_loopback(), "{what}");
            assert_eq!((m.facility, m.severity), (1, 5), "user.notice, {what}");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_micros() as i64;
            let t = m.time_us.expect("a timestamp");
            // RFC 3164 stamps the sender's local time without a zone; the receiver reads it
            // as UTC, so allow the widest zone offset.
            assert!(
                (t - now).abs() < 15 * 3_600_000_000,
                "{what}: {t} against {now}"
            );
        }
        assert_eq!(
            r.counts
                .malformed
                .load(std::sync::atomic::Ordering::Relaxed),
            0,
            "{what}"
        );
    }
}

#[test]
fn what_is_not_syslog_is_counted_with_its_first_bytes_and_kept() {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let r = Receiver::bind(Some(any), None).unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let line = &real_lines(1)[0];
    socket.send_to(line.as_bytes(), r.udp.unwrap()).unwrap();
    let got = collect(&r, 1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, line.as_bytes());
    let counts = &r.counts;
    assert_eq!(
        counts.malformed.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    let (first, why) = counts.last_malformed.lock().unwrap().clone().unwrap();
    assert_eq!(first, line.as_bytes()[..64]);
    assert!(why.contains("<PRI>"), "{why}");
}
