//! The closed loop, end to end on loopback: a real nginx writes its access log, taking the
//! client address from `X-Forwarded-For` (the realip module, trusted from 127.0.0.1 only);
//! ordinary visitors of the real hackers' access log and one real attacker of it
//! (216.244.81.34, who guessed passwords and signed up by script) replay their requests under
//! their own addresses; `netsleuth watch` follows the log, alerts by webhook and by mail (a
//! real aiosmtpd), writes the nginx deny include and reloads nginx. The attacker's next request gets 403, the visitors
//! still get 200.

mod real_data;
mod servers;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netsleuth::detection::{detect, DetectionSettings};
use servers::Nginx;

const LOG: &str = "web-access-logs/hackers-access.log";
const ATTACKER: &str = "216.244.81.34";
const BIN: &str = env!("CARGO_BIN_EXE_netsleuth");

/// One request of the log: client, method, target, user agent.
struct Request {
    client: String,
    method: String,
    target: String,
    referer: String,
    agent: String,
}

fn requests() -> Vec<Request> {
    std::fs::read_to_string(real_data::data(LOG))
        .unwrap()
        .lines()
        .filter_map(|l| {
            let client = l.split(' ').next()?.to_owned();
            let mut quoted = l.split('"').skip(1).step_by(2);
            let request = quoted.next()?;
            let referer = quoted.next().unwrap_or("-").to_owned();
            let agent = quoted.next().unwrap_or("-").to_owned();
            let mut parts = request.split(' ');
            Some(Request {
                client,
                method: parts.next()?.to_owned(),
                target: parts.next()?.to_owned(),
                referer,
                agent,
            })
        })
        .collect()
}

/// Sends one request to nginx as `r.client`, with its referer and user agent; the status.
fn send(port: u16, r: &Request) -> u16 {
    servers::request(
        port,
        &r.method,
        &r.target,
        &r.client,
        &format!("User-Agent: {}\r\nReferer: {}\r\n", r.agent, r.referer),
    )
}

/// A webhook receiver on 127.0.0.1: the bodies of the POSTs it took.
fn webhook() -> (u16, Arc<Mutex<Vec<serde_json::Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let bodies = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut data = Vec::new();
            let mut buf = [0u8; 65536];
            // Headers, then as many bytes as Content-Length says.
            let body = loop {
                let n = conn.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                data.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&data).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    if data.len() >= end + 4 + len {
                        break Some(data[end + 4..end + 4 + len].to_vec());
                    }
                }
            };
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if let Some(b) = body.and_then(|b| serde_json::from_slice(&b).ok()) {
                bodies.lock().unwrap().push(b);
            }
        }
    });
    (port, got)
}

/// aiosmtpd on 127.0.0.1 (from the validators' venv) storing what it receives in a Maildir.
struct Smtp(Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const PYTHON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/target/validators-venv/bin/python"
);

fn smtp(maildir: &Path, port: u16) -> Smtp {
    let child = Command::new(PYTHON)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {PYTHON}: {e} (run scripts/install-validators)"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    Smtp(child)
}

/// The messages in a Maildir's `new` folder.
fn mails(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        // SAFETY: kill only sends a signal to the child's pid.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

#[test]
fn the_closed_loop_blocks_a_real_attacker_and_still_serves_the_visitors() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("nginx");
    std::fs::create_dir(&prefix).unwrap();
    let deny = prefix.join("deny.conf");
    std::fs::write(&deny, "").unwrap();
    let nginx = Nginx::start(&prefix, &deny);
    let port = nginx.port;
    let (hook_port, hooks) = webhook();
    let maildir = dir.path().join("mail");
    let smtp_port = servers::free_port();
    let _smtp = smtp(&maildir, smtp_port);

    // Visitors: the log's sources detection finds nothing against, their GET requests.
    let (table, _) = real_data::read(LOG);
    let d = detect(
        &table,
        &DetectionSettings {
            cache_dir: None,
            ..DetectionSettings::default()
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    let quiet: BTreeSet<IpAddr> = d
        .sources
        .iter()
        .filter(|s| s.findings.is_empty() && s.confidence < 30.0)
        .map(|s| s.stats.ip)
        .collect();
    let all = requests();
    // Browsers send a server its paths; a full URL (`GET http://host/...`) is what a client
    // sends a proxy. The full log shows those hosts are the site's own, but a window that has
    // not yet seen three sources refer to one rightly calls such a request proxy use: the
    // visitors here are the sources that only ever asked for paths.
    let asked_a_url: BTreeSet<&str> = all
        .iter()
        .filter(|r| !r.target.starts_with('/'))
        .map(|r| r.client.as_str())
        .collect();
    let visitors: Vec<&Request> = all
        .iter()
        .filter(|r| {
            r.method == "GET"
                && quiet.contains(&r.client.parse().unwrap())
                && !asked_a_url.contains(r.client.as_str())
        })
        .collect();
    let attacks: Vec<&Request> = all.iter().filter(|r| r.client == ATTACKER).collect();
    assert!(visitors.len() > 200 && attacks.len() > 100);

    let log = dir.path().join("alerts.jsonl");
    let errors = dir.path().join("watch.err");
    let mut watch = Watcher(
        Command::new(BIN)
            .arg("watch")
            .arg(prefix.join("access.log"))
            .args(["--every", "0.5", "--log"])
            .arg(&log)
            .arg("--state")
            .arg(dir.path().join("state.json"))
            .arg("--webhook")
            .arg(format!("http://127.0.0.1:{hook_port}/hook"))
            .arg("--smtp")
            .arg(format!("smtp://127.0.0.1:{smtp_port}"))
            .args(["--mail-to", "soc@example.org"])
            .arg("--respond-list")
            .arg(dir.path().join("list.json"))
            .arg("--respond-export")
            .arg(format!("nginx:{}", deny.display()))
            .arg("--respond-command")
            .arg(nginx.reload_command())
            .env("NETSLEUTH_CACHE_DIR", dir.path().join("cache"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&errors).unwrap())
            .spawn()
            .unwrap(),
    );

    for r in &visitors {
        assert_eq!(send(port, r), 200, "visitor {}", r.client);
    }
    let first_attack = Instant::now();
    for r in &attacks {
        send(port, r);
    }
    // The attacker keeps coming back: the first 403 ends the loop.
    let blocked_after = loop {
        if send(port, attacks[0]) == 403 {
            break first_attack.elapsed();
        }
        if let Some(status) = watch.0.try_wait().unwrap() {
            panic!(
                "netsleuth watch ended ({status}): {}",
                std::fs::read_to_string(&errors).unwrap_or_default()
            );
        }
        assert!(
            first_attack.elapsed() < Duration::from_secs(60),
            "never blocked; alerts: {}\nnginx: {}\ndeny.conf: {}",
            std::fs::read_to_string(&log).unwrap_or_default(),
            std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default(),
            std::fs::read_to_string(&deny).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // Reported by scripts/test after the tests (a passing test's output is not shown), once
    // everything below holds.
    let report = format!(
        "closed loop: {} attack requests of {ATTACKER}, 403 {:.2} s after the first; {} \
         visitor requests answered 200 before and after\n",
        attacks.len(),
        blocked_after.as_secs_f64(),
        visitors.len()
    );
    eprint!("{report}");
    for r in &visitors {
        assert_eq!(send(port, r), 200, "visitor {} after the block", r.client);
    }
    let denied = std::fs::read_to_string(&deny).unwrap();
    assert!(denied.contains(&format!("deny {ATTACKER};")), "{denied}");
    for v in &visitors {
        assert!(!denied.contains(&format!("deny {};", v.client)), "{denied}");
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = logged
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["type"] == "alert" && l["ip"] == ATTACKER));
    let response = lines
        .iter()
        .find(|l| l["type"] == "response")
        .expect("a response logged");
    assert_eq!(response["command"]["code"], 0, "{response}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !hooks.lock().unwrap().iter().any(|h| h["ip"] == ATTACKER) {
        assert!(Instant::now() < deadline, "no webhook for the attacker");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mail = loop {
        if let Some(m) = mails(&maildir)
            .into_iter()
            .find(|m| m.contains(&format!("Subject: netsleuth alert: {ATTACKER} (threshold)")))
        {
            break m;
        }
        assert!(Instant::now() < deadline, "no mail for the attacker");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(mail.contains("To: soc@example.org"), "{mail}");
    assert!(mail.contains("Password guessing"), "{mail}");
    let hook = hooks
        .lock()
        .unwrap()
        .iter()
        .find(|h| h["ip"] == ATTACKER)
        .cloned()
        .unwrap();
    assert!(
        hook["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("netsleuth: {ATTACKER} at confidence")),
        "{hook}"
    );
    std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("closed-loop.txt"),
        &report,
    )
    .unwrap();
}

/// `watch` killed with SIGKILL and started again on its state file: it goes on from the
/// committed position (the second run reads exactly the lines written after the first
/// committed), and no source is alerted twice under one rule.
#[test]
fn a_killed_watch_goes_on_from_its_state_without_repeating_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let followed = dir.path().join("access.log");
    let log = dir.path().join("alerts.jsonl");
    let state = dir.path().join("state.json");
    let text = std::fs::read_to_string(real_data::data(LOG)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let half = lines.len() / 2;
    std::fs::write(&followed, lines[..half].join("\n") + "\n").unwrap();
    let start = || {
        Command::new(BIN)
            .arg("watch")
            .arg(&followed)
            .args(["--every", "0.3", "--log"])
            .arg(&log)
            .arg("--state")
            .arg(&state)
            .args(["--status", "0.2"])
            .env("NETSLEUTH_CACHE_DIR", dir.path().join("cache"))
            .spawn()
            .unwrap()
    };
    let records = |kind: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|v: &serde_json::Value| v["type"] == kind)
            .collect()
    };
    let alerts = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|v: &serde_json::Value| v["type"] == "alert")
            .collect()
    };
    let committed = || -> u64 {
        std::fs::read_to_string(&state)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["sources"][followed.to_str().unwrap()]["File"]["offset"].as_u64())
            .unwrap_or(0)
    };
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut first = start();
    let half_bytes = std::fs::metadata(&followed).unwrap().len();
    wait("the first half committed", &|| committed() == half_bytes);
    wait("an alert on the first half", &|| {
        alerts().iter().any(|a| a["ip"] == ATTACKER)
    });
    // Judged and committed: the next step after the alert writes the state again.
    std::thread::sleep(Duration::from_millis(800));
    first.kill().unwrap();
    first.wait().unwrap();
    let before = alerts().len();
    let statuses_before = records("status").len();

    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&followed)
        .unwrap();
    f.write_all((lines[half..].join("\n") + "\n").as_bytes())
        .unwrap();
    drop(f);
    let total = std::fs::metadata(&followed).unwrap().len();
    let mut second = start();
    wait("the whole file committed", &|| committed() == total);
    wait("alerts on the second half", &|| alerts().len() > before);
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: kill only sends SIGTERM to the watcher's pid.
    unsafe { libc::kill(second.id() as i32, libc::SIGTERM) };
    assert!(second.wait().unwrap().success());

    let statuses = records("status");
    let read_again = statuses[statuses_before..]
        .last()
        .map(|s| s["lines"].as_u64().unwrap());
    assert_eq!(read_again, Some((lines.len() - half) as u64));
    let window = records("stream");
    let last = window.last().expect("the window's status");
    assert_eq!(last["retention"], 200_000, "{last}");
    assert_eq!(last["retained"], last["lines"], "{last}");
    let all = alerts();
    let mut seen = BTreeSet::new();
    for a in &all {
        let key = format!("{} {}", a["ip"], a["rule"]);
        assert!(seen.insert(key.clone()), "alerted twice: {key}");
    }
    assert_eq!(
        all.iter().filter(|a| a["ip"] == ATTACKER).count(),
        1,
        "{all:?}"
    );
}

/// Desktop notifications on a private D-Bus session (`dbus-run-session`), observed with
/// `dbus-monitor`: the attacker's alert is a freedesktop `Notify` call whose summary names it.
/// No notification server runs, so the call is refused: the watcher retries and, stopped,
/// names what it could not deliver.
#[test]
fn an_alert_is_a_desktop_notification_on_the_session_bus() {
    let dir = tempfile::tempdir().unwrap();
    let followed = dir.path().join("access.log");
    std::fs::write(&followed, "").unwrap();
    let monitor = dir.path().join("monitor.txt");
    let script = format!(
        "dbus-monitor --session interface=org.freedesktop.Notifications > '{m}' 2>&1 & M=$!; \
         sleep 0.5; '{bin}' watch '{f}' --notify --every 0.3 --log /dev/null & W=$!; \
         sleep 0.5; cat '{log}' >> '{f}'; \
         for i in $(seq 100); do grep -q 'member=Notify' '{m}' && break; sleep 0.1; done; \
         sleep 0.3; kill $W; wait $W; kill $M",
        m = monitor.display(),
        bin = BIN,
        f = followed.display(),
        log = real_data::data(LOG).display(),
    );
    let out = Command::new("timeout")
        .args(["60", "dbus-run-session", "--", "sh", "-c", &script])
        .env("NETSLEUTH_CACHE_DIR", dir.path().join("cache"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run dbus-run-session: {e} (scripts/install-deps)"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let seen = std::fs::read_to_string(&monitor).unwrap();
    assert!(seen.contains("member=Notify"), "{seen}");
    assert!(
        seen.contains(&format!(
            "string \"netsleuth alert: {ATTACKER} (threshold)\""
        )),
        "{seen}"
    );
    assert!(
        stderr.contains("netsleuth: desktop notifications:")
            && stderr.contains("alerts not delivered"),
        "{stderr}"
    );
}

/// A source that cannot be followed or listened to is named with what is wrong, at once.
#[test]
fn a_source_that_cannot_be_watched_is_refused_by_name() {
    for (source, said) in [
        (
            "/nonexistent-folder/access.log",
            "/nonexistent-folder/access.log: no folder /nonexistent-folder to follow it in",
        ),
        (
            "syslog://nowhere",
            "syslog://nowhere: give the address to listen on as HOST:PORT",
        ),
        (
            "kafka://127.0.0.1:9092",
            "kafka://127.0.0.1:9092: give the brokers and the topic",
        ),
    ] {
        let out = Command::new(BIN).args(["watch", source]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{source}: {err}");
        assert!(err.contains(said), "{source}: {err}");
    }
}
