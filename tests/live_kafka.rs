//! The Kafka topic source against a real broker (tansu 0.6 with SQLite storage, on 127.0.0.1
//! only) and a real producer (kafka-python): 1,000,000 numbered lines of the real hackers'
//! access log, cycled, written to a topic of 3 partitions in three bursts, arrive exactly once
//! each, counted, while the broker is killed with SIGKILL mid-stream and restarted on its
//! database (the source says it is reconnecting meanwhile), and later the consumer is killed
//! with SIGKILL and restarted from its committed offsets. A message without a value, an empty
//! one and one that is not UTF-8 are counted as malformed with their first bytes, and the
//! stream goes on past them. Over TLS (a front with a certificate of a private CA, as tansu
//! 0.6 has no TLS listener of its own), a source given the CA's file reads a topic created
//! after it started, from its start; one without it says why it cannot connect.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use netsleuth::live::kafka::{
    Connection, KafkaSettings, KafkaSource, Offsets, StartAt, TlsSettings,
};
use sha2::{Digest, Sha256};

const TOOLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/tools");
const LOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/web-access-logs/hackers-access.log"
);
const PYTHON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/target/validators-venv/bin/python"
);
const TANSU: &str = "tansu-0.6.0-x86_64-linux.gz";
const TOPIC: &str = "access";
const MESSAGES: u64 = 1_000_000;

/// The producer: writes messages `FIRST..LAST`, each `N LINE` with the log's lines cycled, to
/// partition `N % PARTITIONS`, and fails if any write fails; over TLS trusting `CAFILE` unless
/// it is `-`. With `create`, first creates the topic and writes the three malformed messages to
/// partition 0, the one that is not UTF-8 numbered `FIRST`.
const PRODUCE: &str = r#"
import sys
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, topic, log, first, last, partitions, create, cafile = sys.argv[1:9]
first, last, partitions = int(first), int(last), int(partitions)
tls = {} if cafile == "-" else {"security_protocol": "SSL", "ssl_cafile": cafile}
lines = [l.rstrip(b"\r\n") for l in open(log, "rb") if l.strip()]
if create == "create":
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **tls)
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    admin.close()
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20,
                         batch_size=512 * 1024, max_request_size=4 * 1024 * 1024, **tls)
failed = []
start = first
if create == "create":
    producer.send(topic, key=b"no value", value=None, partition=0)
    producer.send(topic, value=b"", partition=0)
    producer.send(topic, value=b"%d \xc0\xaf\xff not UTF-8" % first, partition=0)
    start += 1
for n in range(start, last):
    producer.send(topic, value=b"%d %s" % (n, lines[n % len(lines)]),
                  partition=n % partitions).add_errback(failed.append)
producer.flush()
producer.close()
if failed:
    sys.exit("%d sends failed, the first: %r" % (len(failed), failed[0]))
"#;

/// The broker binary, gunzipped once from the shared copy after checking its SHA-256 (built
/// with `cargo install` when there is no shared copy, as `../shared/tools/README.md` says).
fn tansu() -> PathBuf {
    static MADE: Mutex<()> = Mutex::new(());
    let _one_at_a_time = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let gz = Path::new(TOOLS).join(TANSU);
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tansu-0.6.0");
    if !gz.exists() {
        let bin = cache.join("built/bin/tansu");
        if !bin.exists() {
            let built = Command::new("cargo")
                .args(["install", "tansu", "--version", "0.6.0", "--locked"])
                .args(["--features", "dynostore,libsql", "--root"])
                .arg(cache.join("built"))
                .status()
                .expect("cargo runs");
            assert!(built.success(), "building tansu 0.6.0 failed");
        }
        return bin;
    }
    let packed = fs::read(&gz).unwrap();
    let sum: String = Sha256::digest(&packed)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expected = fs::read_to_string(Path::new(TOOLS).join(format!("{TANSU}.sha256"))).unwrap();
    assert_eq!(
        expected.split_whitespace().next(),
        Some(sum.as_str()),
        "{TANSU} does not match its .sha256"
    );
    let bin = cache.join(&sum[..16]).join("tansu");
    if !bin.exists() {
        fs::create_dir_all(bin.parent().unwrap()).unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        let tmp = bin.with_extension("tmp");
        fs::write(&tmp, unpacked).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
        fs::rename(&tmp, &bin).unwrap();
    }
    bin
}

/// A broker on 127.0.0.1, killed with SIGKILL when dropped.
struct Broker {
    child: Child,
}

impl Broker {
    /// Starts tansu on `port`, telling clients to come to `advertised`, with its SQLite
    /// database `broker.db` in `dir` (tansu reads the path of a `sqlite://` URL as relative to
    /// its working directory), retrying while the port is still held by a broker killed a
    /// moment ago.
    fn start(port: u16, advertised: u16, dir: &Path, log: &Path) -> Broker {
        let url = format!("tcp://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            let mut child = Command::new(tansu())
                .args(["broker", "--listener-url", &url])
                .arg("--advertised-listener-url")
                .arg(format!("tcp://127.0.0.1:{advertised}"))
                .args(["--storage-engine", "sqlite://broker.db"])
                .current_dir(dir)
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap();
            while Instant::now() < deadline {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Broker { child };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                Instant::now() < deadline,
                "the broker did not start: {}",
                fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the producer for messages `first..last` of a topic of `partitions` (see [`PRODUCE`]).
fn producer(port: u16, topic: &str, range: (u64, u64), partitions: u32, create: bool) -> Child {
    producer_over(port, topic, range, partitions, create, None)
}

/// [`producer`], over TLS trusting `ca` when given.
fn producer_over(
    port: u16,
    topic: &str,
    (first, last): (u64, u64),
    partitions: u32,
    create: bool,
    ca: Option<&Path>,
) -> Child {
    Command::new(PYTHON)
        .args(["-c", PRODUCE, &format!("127.0.0.1:{port}"), topic, LOG])
        .args([first.to_string(), last.to_string(), partitions.to_string()])
        .arg(if create { "create" } else { "append" })
        .arg(ca.unwrap_or(Path::new("-")))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {PYTHON}: {e} (run scripts/install-validators)"))
}

fn finished(mut child: Child, what: &str) {
    assert!(child.wait().unwrap().success(), "{what} failed");
}

/// What the consumer commits after each batch: the source's offsets, and how much of its
/// output holds the messages read so far.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Committed {
    offsets: Offsets,
    output_len: u64,
}

/// What the consumer says of its source after each batch.
#[derive(serde::Serialize, serde::Deserialize, Default, Debug)]
struct Said {
    connection: String,
    malformed: u64,
    /// Each malformed message's first bytes and why.
    recent_malformed: Vec<(Vec<u8>, String)>,
    lag: Option<i64>,
}

/// Writes `bytes` to `path` atomically.
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).unwrap();
    fs::rename(&tmp, path).unwrap();
}

/// The consumer process: reads the topic from its committed offsets, appends each message's
/// number to its output, then commits; says what its source reports; until it finds STOP and
/// nothing is left to read.
fn consume(work: &Path, port: u16) {
    let (state, output) = (work.join("state.json"), work.join("seen.txt"));
    let committed: Committed = fs::read(&state)
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or_default();
    // Numbers written after the last commit are read again: drop them.
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&output)
        .unwrap()
        .set_len(committed.output_len)
        .unwrap();
    let mut out = OpenOptions::new().append(true).open(&output).unwrap();
    let mut settings = KafkaSettings::new(vec![format!("127.0.0.1:{port}")], TOPIC);
    settings.max_backoff = Duration::from_secs(2);
    let mut source = KafkaSource::start(settings, committed.offsets);
    let mut written = committed.output_len;
    println!("started");
    loop {
        let batch = source.batch(20_000, Duration::from_millis(200));
        let mut text = String::new();
        for m in &batch.messages {
            let n = m.bytes.split(|&b| b == b' ').next().unwrap();
            text.push_str(std::str::from_utf8(n).unwrap());
            text.push('\n');
        }
        out.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64;
        let c = Committed {
            offsets: batch.offsets,
            output_len: written,
        };
        replace(&state, &serde_json::to_vec(&c).unwrap());
        let status = source.status();
        let said = Said {
            connection: status.connection.to_string(),
            malformed: status.malformed,
            recent_malformed: status
                .recent_malformed
                .iter()
                .map(|m| (m.first.clone(), m.why.to_owned()))
                .collect(),
            lag: status.lag(),
        };
        replace(&work.join("said.json"), &serde_json::to_vec(&said).unwrap());
        let idle = batch.messages.is_empty() && batch.malformed.is_empty();
        if idle && status.lag() == Some(0) && work.join("STOP").exists() {
            return;
        }
    }
}

/// A consumer process, killed with SIGKILL when dropped (by the test, or by a failing one).
struct Consumer(Child);

impl Drop for Consumer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_consumer(work: &Path, port: u16) -> Consumer {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_million_messages_through_broker_and_consumer_kills_arrive_once",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("NETSLEUTH_KAFKA_CONSUMER", work)
        .env("NETSLEUTH_KAFKA_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Started once it says so (and so has cut its output to what it committed); the rest of
    // what it prints is drained so that it never writes to a closed pipe.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("started") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the consumer ended");
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Consumer(child)
}

/// Messages committed so far by the consumer.
fn committed(work: &Path) -> u64 {
    fs::read(work.join("state.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Committed>(&b).ok())
        .map_or(0, |c| {
            let text = fs::read(work.join("seen.txt")).unwrap_or_default();
            text[..(c.output_len as usize).min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
        })
}

/// What the consumer last said.
fn said(work: &Path) -> Said {
    fs::read(work.join("said.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Waits until `done` holds, checking every 5 ms for up to `secs` seconds.
fn wait_until(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "waited {secs} s for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Run by the test harness, it is the test; run by the test with `NETSLEUTH_KAFKA_CONSUMER`
/// set, it is the consumer process the test kills and restarts.
#[test]
fn a_million_messages_through_broker_and_consumer_kills_arrive_once() {
    if let Some(work) = std::env::var_os("NETSLEUTH_KAFKA_CONSUMER") {
        let port = std::env::var("NETSLEUTH_KAFKA_PORT").unwrap();
        return consume(Path::new(&work), port.parse().unwrap());
    }
    let began = Instant::now();
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    fs::create_dir_all(&work).unwrap();
    let (dir, log) = (root.path().join("broker"), root.path().join("broker.log"));
    fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let broker = Broker::start(port, port, &dir, &log);
    let bursts = [0, 300_000, 650_000, MESSAGES];
    let burst = |i: usize| producer(port, TOPIC, (bursts[i], bursts[i + 1]), 3, i == 0);

    // First burst, with the malformed messages; the consumer starts once it is written.
    finished(burst(0), "the first burst");
    let produced = began.elapsed();
    let consumer = start_consumer(&work, port);
    let reading = Instant::now();
    wait_until(60, "100,000 messages", || committed(&work) >= 100_000);
    let rate = committed(&work) as f64 / reading.elapsed().as_secs_f64();
    let s = said(&work);
    assert_eq!(s.malformed, 3, "{s:?}");
    let whys: Vec<&str> = s.recent_malformed.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(whys, ["no value (null)", "an empty value", "not UTF-8"]);
    assert_eq!(s.recent_malformed[2].0, b"0 \xc0\xaf\xff not UTF-8");

    // The broker is killed mid-stream: the source says it is reconnecting, and goes on once
    // the broker is back on its database.
    let read_before_kill = committed(&work);
    drop(broker);
    wait_until(30, "the source to say it is reconnecting", || {
        said(&work).connection.starts_with("reconnecting in ")
    });
    let down = said(&work).connection;
    let broker = Broker::start(port, port, &dir, &log);
    wait_until(60, "the source to reconnect", || {
        said(&work).connection == "connected"
    });

    // Second burst; the consumer is killed while it reads it, and restarted.
    let second = burst(1);
    wait_until(120, "450,000 messages", || committed(&work) >= 450_000);
    drop(consumer);
    let read_before_consumer_kill = committed(&work);
    let mut consumer = start_consumer(&work, port);
    finished(second, "the second burst");
    finished(burst(2), "the third burst");
    wait_until(120, "every message", || committed(&work) >= MESSAGES);
    File::create(work.join("STOP")).unwrap();
    assert!(consumer.0.wait().unwrap().success());
    drop(broker);

    let seen = fs::read_to_string(work.join("seen.txt")).unwrap();
    let mut count = vec![0u8; MESSAGES as usize];
    for n in seen.lines() {
        let n: usize = n.parse().unwrap();
        count[n] = count[n].saturating_add(1);
    }
    let missing = count.iter().filter(|&&c| c == 0).count();
    let repeated = count.iter().filter(|&&c| c > 1).count();
    assert_eq!(
        (missing, repeated),
        (0, 0),
        "{missing} messages missing, {repeated} repeated"
    );
    assert_eq!(seen.lines().count() as u64, MESSAGES);
    assert!(
        read_before_kill < bursts[1],
        "the broker was killed after the consumer had read the whole first burst"
    );
    let total = began.elapsed();
    eprintln!(
        "first burst written in {:.1} s, then read at {rate:.0} messages/s; broker killed at \
         {read_before_kill} read (said: {down}); consumer killed at \
         {read_before_consumer_kill}; all {MESSAGES} in {:.1} s",
        produced.as_secs_f64(),
        total.as_secs_f64()
    );
}

const TLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kafka-tls");

/// A TLS front for a broker: takes TLS connections on `listener` with the fixture's broker
/// certificate and passes their bytes on to the broker on `to`, for as long as the test runs.
fn tls_front(listener: TcpListener, to: u16) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(format!("{TLS}/broker.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{TLS}/broker.key")).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends here.
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let broker = tokio::net::TcpStream::connect(("127.0.0.1", to)).await;
                    if let Ok(mut broker) = broker {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut broker).await;
                    }
                });
            }
        });
    });
}

/// Waits until `source` has handed out `n` messages, gathering them.
fn read(source: &mut KafkaSource, n: usize, secs: u64) -> Vec<netsleuth::live::kafka::Message> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        got.extend(source.batch(1000, Duration::from_millis(200)).messages);
    }
    got
}

#[test]
fn over_tls_a_topic_created_after_the_source_started_is_read_from_its_start() {
    let root = tempfile::tempdir().unwrap();
    let (plain, front) = (free_port(), TcpListener::bind("127.0.0.1:0").unwrap());
    let port = front.local_addr().unwrap().port();
    let _broker = Broker::start(plain, port, root.path(), &root.path().join("broker.log"));
    tls_front(front, plain);
    let ca = Path::new(TLS).join("ca.pem");
    let settings = |ca: Option<&Path>| {
        let mut s = KafkaSettings::new(vec![format!("127.0.0.1:{port}")], "late");
        s.tls = Some(TlsSettings {
            ca_file: ca.map(Path::to_path_buf),
        });
        // Applies to the partitions there are when the source starts: none, the topic is not
        // there yet.
        s.start = StartAt::Latest;
        s
    };
    let mut trusting = KafkaSource::start(settings(Some(&ca)), Offsets::default());
    let mut wary = KafkaSource::start(settings(None), Offsets::default());
    wait_until(30, "the topic to be missed", || {
        let s = trusting.status();
        s.connection == Connection::Connected
            && s.last_error.as_deref() == Some("the brokers have no topic 'late'")
    });

    finished(
        producer_over(port, "late", (0, 1000), 2, true, Some(&ca)),
        "writing over TLS",
    );
    // Found at the next listing of the topics, and read from its start.
    let got = read(&mut trusting, 1000, 30);
    let mut numbers: Vec<u64> = got
        .iter()
        .map(|m| {
            let n = m.bytes.split(|&b| b == b' ').next().unwrap();
            std::str::from_utf8(n).unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..1000).collect::<Vec<u64>>());
    let batch = trusting.batch(10, Duration::from_millis(500));
    assert!(batch.messages.is_empty());
    // Partition 0 holds the two messages without a value before the 500 numbered ones.
    assert_eq!(batch.offsets.0, BTreeMap::from([(0, 502), (1, 500)]));
    let s = trusting.status();
    assert_eq!((s.malformed, s.lag()), (3, Some(0)), "{s:?}");

    let s = wary.status();
    let said = s.connection.to_string();
    assert!(
        said.starts_with("reconnecting in ") && said.contains("UnknownIssuer"),
        "{said}"
    );
    assert!(wary.batch(10, Duration::ZERO).messages.is_empty());
}

/// `netsleuth watch` on a topic: the real hackers' access log produced as it is, one line a
/// message, over 2 partitions; the watcher alerts on its attacker and, stopped by SIGTERM,
/// commits every partition's offset at its end.
#[test]
fn watch_reads_a_topic_alerts_and_commits_its_offsets() {
    const RAW: &str = r#"
import sys
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
bootstrap, topic, log = sys.argv[1:4]
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
admin.close()
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
for n, line in enumerate(l.rstrip(b"\r\n") for l in open(log, "rb") if l.strip()):
    producer.send(topic, value=line, partition=n % 2)
producer.flush()
producer.close()
"#;
    let work = tempfile::tempdir().unwrap();
    let port = free_port();
    let _broker = Broker::start(port, port, work.path(), &work.path().join("broker.log"));
    let produced = Command::new(PYTHON)
        .args(["-c", RAW, &format!("127.0.0.1:{port}"), "web", LOG])
        .status()
        .unwrap();
    assert!(produced.success());
    let lines = fs::read_to_string(LOG)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as i64;
    let alerts = work.path().join("alerts.jsonl");
    let state = work.path().join("state.json");
    let mut watch = Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("watch")
        .arg(format!("kafka://127.0.0.1:{port}/web"))
        .arg("--log")
        .arg(&alerts)
        .arg("--state")
        .arg(&state)
        .args(["--every", "0.5"])
        .env("NETSLEUTH_CACHE_DIR", work.path().join("cache"))
        .spawn()
        .unwrap();
    wait_until(60, "an alert on 216.244.81.34", || {
        fs::read_to_string(&alerts)
            .unwrap_or_default()
            .contains("\"ip\":\"216.244.81.34\"")
    });
    // SAFETY: kill only sends SIGTERM to the watcher's pid.
    unsafe { libc::kill(watch.id() as i32, libc::SIGTERM) };
    assert!(watch.wait().unwrap().success());
    let committed: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    let offsets = &committed["sources"][format!("kafka://127.0.0.1:{port}/web")]["Kafka"];
    let total: i64 = offsets
        .as_object()
        .unwrap_or_else(|| panic!("{committed}"))
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(total, lines, "{committed}");
}
