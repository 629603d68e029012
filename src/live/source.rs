//! The live sources behind one name each, as the analyst gives them: a file followed as it
//! grows, a folder whose `*.log` files are followed, a syslog receiver
//! (`syslog://127.0.0.1:5514` on UDP and TCP, `syslog+udp://`, `syslog+tcp://`), or a Kafka
//! topic (`kafka://HOST:PORT[,HOST:PORT]/TOPIC`, `kafka+tls://` for TLS). Each hands
//! over the complete lines that arrived, says how it is doing (rate, lag, errors, malformed
//! input with its first bytes) and what to commit so that a restart goes on where it stopped.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::follow::{FolderWatch, Follower, Line, Position};
use super::kafka::{KafkaSettings, KafkaSource, Offsets, SaslPlain, StartAt, TlsSettings};
use super::syslog::Receiver;

/// Lines one poll takes from a receiver or a topic at most.
const RECEIVER_BATCH: usize = 50_000;

/// Bytes kept of a malformed message, to show.
const SHOWN: usize = 64;

/// What to commit for a source once the lines it handed out are processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resume {
    /// A followed file's position.
    File(Position),
    /// A folder's files' positions.
    Folder(Vec<Position>),
    /// A Kafka topic's partitions' next offsets.
    Kafka(Offsets),
    /// Nothing: a receiver cannot ask for what was sent while it was down.
    Nothing,
}

/// How a source is doing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// The source, as given.
    pub name: String,
    /// Lines handed out so far.
    pub lines: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Lines a second over the last ten seconds.
    pub rate: f64,
    /// Bytes written to the followed files and not read yet.
    pub lag_bytes: Option<u64>,
    /// Errors met (a file that cannot be read, a socket error); the source goes on.
    pub errors: u64,
    /// The last error, in words.
    pub last_error: Option<String>,
    /// Malformed input (over-long lines cut, messages that are not syslog), counted.
    pub malformed: u64,
    /// The first bytes of the last malformed input, and why.
    pub last_malformed: Option<(Vec<u8>, String)>,
    /// Messages dropped because the reader fell behind (syslog over UDP).
    pub dropped: u64,
    /// Where a receiver listens.
    pub listening: Vec<SocketAddr>,
    /// A broker's connection, in words (connected, reconnecting in N s after ...).
    pub connection: Option<String>,
    /// Messages written to a topic and not read yet.
    pub lag_messages: Option<i64>,
}

enum Kind {
    File(Follower),
    Folder(FolderWatch),
    Syslog(Receiver),
    Kafka(Box<KafkaSource>, Offsets),
}

/// One live source.
pub struct Source {
    kind: Kind,
    status: Status,
    /// Lines handed out in the last ten seconds, by poll.
    recent: VecDeque<(Instant, u64)>,
    max_line: usize,
}

/// Where a syslog receiver listens: on UDP, on TCP.
type Listen = (Option<SocketAddr>, Option<SocketAddr>);

/// Parses `syslog://HOST:PORT` and its `+udp`/`+tcp` forms: the UDP and TCP addresses.
fn syslog_addresses(spec: &str) -> Option<Result<Listen, String>> {
    let (udp, tcp, rest) = if let Some(r) = spec.strip_prefix("syslog://") {
        (true, true, r)
    } else if let Some(r) = spec.strip_prefix("syslog+udp://") {
        (true, false, r)
    } else if let Some(r) = spec.strip_prefix("syslog+tcp://") {
        (false, true, r)
    } else {
        return None;
    };
    Some(
        rest.trim_end_matches('/')
            .parse::<SocketAddr>()
            .map(|a| (udp.then_some(a), tcp.then_some(a)))
            .map_err(|_| format!("{spec}: give the address to listen on as HOST:PORT, e.g. syslog://127.0.0.1:5514")),
    )
}

/// Parses `kafka://HOST:PORT[,HOST:PORT]/TOPIC` (`kafka+tls://` for TLS); SASL/PLAIN
/// credentials come from `NETSLEUTH_KAFKA_USER` and `NETSLEUTH_KAFKA_PASSWORD`.
fn kafka_settings(spec: &str) -> Option<Result<KafkaSettings, String>> {
    let (tls, rest) = if let Some(r) = spec.strip_prefix("kafka://") {
        (false, r)
    } else if let Some(r) = spec.strip_prefix("kafka+tls://") {
        (true, r)
    } else {
        return None;
    };
    let Some((brokers, topic)) = rest
        .split_once('/')
        .filter(|(b, t)| !b.is_empty() && !t.is_empty())
    else {
        return Some(Err(format!(
            "{spec}: give the brokers and the topic, e.g. kafka://127.0.0.1:9092/access-logs"
        )));
    };
    let mut settings = KafkaSettings::new(brokers.split(',').map(str::to_owned).collect(), topic);
    settings.start = StartAt::Earliest;
    if tls {
        settings.tls = Some(TlsSettings::default());
    }
    if let (Ok(user), Ok(password)) = (
        std::env::var("NETSLEUTH_KAFKA_USER"),
        std::env::var("NETSLEUTH_KAFKA_PASSWORD"),
    ) {
        settings.sasl_plain = Some(SaslPlain { user, password });
    }
    Some(Ok(settings))
}

impl Source {
    /// Opens the source named `spec`, going on from `resume` when given. Lines longer than
    /// `max_line` bytes are cut and counted as malformed.
    pub fn open(spec: &str, resume: Option<Resume>, max_line: usize) -> Result<Source, String> {
        let kind = if let Some(settings) = kafka_settings(spec) {
            let offsets = match resume {
                Some(Resume::Kafka(o)) => o,
                _ => Offsets::default(),
            };
            Kind::Kafka(
                Box::new(KafkaSource::start(settings?, offsets.clone())),
                offsets,
            )
        } else if let Some(addresses) = syslog_addresses(spec) {
            let (udp, tcp) = addresses?;
            Kind::Syslog(
                Receiver::bind(udp, tcp).map_err(|e| format!("{spec}: cannot listen: {e}"))?,
            )
        } else {
            let path = Path::new(spec);
            if path.is_dir() {
                let positions = match resume {
                    Some(Resume::Folder(p)) => p,
                    _ => Vec::new(),
                };
                Kind::Folder(FolderWatch::new(path, ".log", max_line, positions))
            } else {
                Kind::File(match resume {
                    Some(Resume::File(p)) if p.path == path => Follower::resume(p, max_line),
                    _ => Follower::new(path, max_line),
                })
            }
        };
        let mut status = Status {
            name: spec.to_owned(),
            ..Status::default()
        };
        if let Kind::Syslog(r) = &kind {
            status.listening = r.udp.into_iter().chain(r.tcp).collect();
        }
        Ok(Source {
            kind,
            status,
            recent: VecDeque::new(),
            max_line,
        })
    }

    /// Appends the complete lines that arrived since the last poll to `out`; waits up to
    /// `wait` for a receiver's first message.
    pub fn poll(&mut self, out: &mut Vec<Vec<u8>>, wait: Duration) {
        let before = out.len();
        let mut lines: Vec<Line> = Vec::new();
        let polled = match &mut self.kind {
            Kind::File(f) => f.poll(&mut lines).map(|n| n.cut),
            Kind::Folder(w) => w
                .poll(&mut lines)
                .map(|n| n.iter().map(|(_, n)| n.cut).sum()),
            Kind::Syslog(r) => {
                for m in r.batch(RECEIVER_BATCH, wait) {
                    out.push(m.body);
                }
                let c = &r.counts;
                use std::sync::atomic::Ordering::Relaxed;
                self.status.malformed = c.malformed.load(Relaxed);
                self.status.dropped = c.dropped.load(Relaxed);
                self.status.last_malformed = c.last_malformed.lock().ok().and_then(|m| m.clone());
                Ok(0)
            }
            Kind::Kafka(k, offsets) => {
                let batch = k.batch(RECEIVER_BATCH, wait);
                out.extend(batch.messages.into_iter().map(|m| m.bytes));
                offsets.0.extend(batch.offsets.0);
                let st = k.status();
                self.status.malformed = st.malformed;
                self.status.last_malformed = st
                    .recent_malformed
                    .last()
                    .map(|m| (m.first.clone(), m.why.to_owned()));
                self.status.errors = st.errors;
                self.status.last_error = st.last_error.clone();
                self.status.connection = Some(st.connection.to_string());
                self.status.lag_messages = st.lag();
                Ok(0)
            }
        };
        match polled {
            Ok(cut) if cut > 0 => {
                self.status.malformed += cut;
                let why = format!("a line longer than {} bytes, cut", self.max_line);
                self.status.last_malformed = lines
                    .iter()
                    .rev()
                    .find(|l| l.bytes.len() >= self.max_line)
                    .map(|l| (l.bytes[..l.bytes.len().min(SHOWN)].to_vec(), why));
            }
            Ok(_) => {}
            Err(e) => {
                self.status.errors += 1;
                self.status.last_error = Some(e.to_string());
            }
        }
        out.extend(lines.into_iter().map(|l| l.bytes));
        let new = &out[before..];
        self.status.lines += new.len() as u64;
        self.status.bytes += new.iter().map(|l| l.len() as u64 + 1).sum::<u64>();
        let now = Instant::now();
        self.recent.push_back((now, new.len() as u64));
        while self
            .recent
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(10))
        {
            self.recent.pop_front();
        }
        let span = self
            .recent
            .front()
            .map_or(0.0, |(t, _)| now.duration_since(*t).as_secs_f64())
            .max(1.0);
        self.status.rate = self.recent.iter().map(|(_, n)| *n).sum::<u64>() as f64 / span;
        self.status.lag_bytes = self.lag();
    }

    /// Bytes written to the followed files beyond what was read.
    fn lag(&self) -> Option<u64> {
        let behind = |p: &Position| {
            std::fs::metadata(&p.path)
                .ok()
                .map_or(0, |m| m.len().saturating_sub(p.offset))
        };
        match &self.kind {
            Kind::File(f) => Some(behind(f.position())),
            Kind::Folder(w) => Some(w.positions().iter().map(behind).sum()),
            Kind::Syslog(_) | Kind::Kafka(..) => None,
        }
    }

    /// What to commit once the lines handed out are processed.
    pub fn resume(&self) -> Resume {
        match &self.kind {
            Kind::File(f) => Resume::File(f.position().clone()),
            Kind::Folder(w) => Resume::Folder(w.positions()),
            Kind::Syslog(_) => Resume::Nothing,
            Kind::Kafka(_, offsets) => Resume::Kafka(offsets.clone()),
        }
    }

    /// How the source is doing.
    pub fn status(&self) -> &Status {
        &self.status
    }
}
