//! A Kafka topic as a live source: every partition of the topic is read from a stored offset,
//! and the [`Offsets`] that come with each [`Batch`] are what a consumer commits once the
//! batch's messages are processed (kept with the investigation: the client has no consumer
//! groups), so that a restart resumes without loss or repetition.
//!
//! The broker is read by a thread of its own (a single-threaded tokio runtime driving the
//! pure-Rust `rskafka` client, one task per partition), which hands what it fetched to the
//! consumer through a bounded queue. When a broker goes away, the source retries with a
//! back-off that doubles up to [`KafkaSettings::max_backoff`], and its [`KafkaStatus`] says so
//! ("reconnecting in 2 s after: ..."); partitions added to the topic are noticed within
//! [`METADATA_EVERY`]. A message without a value, with an empty one or one that is not UTF-8
//! is counted as malformed with its first bytes, and never stops the stream. Batches
//! compressed with gzip or snappy are read; lz4 and zstd are not built in, and a partition
//! holding such a batch stops there with the status saying why.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rskafka::client::error::{Error as KafkaError, ProtocolError};
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder, Credentials, SaslConfig};
use rskafka::BackoffConfig;
use serde::{Deserialize, Serialize};

/// How often the topic's partitions are listed again, to notice new ones.
pub const METADATA_EVERY: Duration = Duration::from_secs(10);

/// How long the broker may hold a fetch open waiting for new messages (milliseconds).
const MAX_WAIT_MS: i32 = 500;

/// An empty fetch takes at least this long, so that a broker answering at once is not asked
/// again in a tight loop.
const IDLE: Duration = Duration::from_millis(200);

/// A request not answered in this long counts as a broken connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The first wait before a retry; it doubles up to the settings' cap.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Fetched chunks (each at most a fetch's bytes) waiting for the consumer.
const QUEUE: usize = 16;

/// Bytes of a malformed message kept to show.
const FIRST_BYTES: usize = 64;

/// Malformed messages kept in the status, the latest last.
const RECENT_MALFORMED: usize = 10;

/// The span the rate is measured over.
const RATE_SPAN: Duration = Duration::from_secs(10);

/// Where to connect and what to read.
#[derive(Debug, Clone)]
pub struct KafkaSettings {
    /// Bootstrap brokers, `host:port`.
    pub brokers: Vec<String>,
    /// The topic read.
    pub topic: String,
    /// Connect with TLS.
    pub tls: Option<TlsSettings>,
    /// Authenticate with SASL/PLAIN.
    pub sasl_plain: Option<SaslPlain>,
    /// Where a partition without a stored offset starts, among those the source finds when it
    /// starts; partitions it finds later (added to the topic, or the topic created after it
    /// started) are new, and read from their start.
    pub start: StartAt,
    /// The longest wait between two attempts to reach a broker that went away.
    pub max_backoff: Duration,
    /// Bytes asked of a partition in one fetch (a larger message still comes whole).
    pub fetch_bytes: usize,
}

impl KafkaSettings {
    /// Reads `topic` from `brokers` in plain text, without authentication, new partitions
    /// from their start, retrying at least every 5 s, 1 MiB a fetch.
    pub fn new(brokers: Vec<String>, topic: &str) -> KafkaSettings {
        KafkaSettings {
            brokers,
            topic: topic.to_owned(),
            tls: None,
            sasl_plain: None,
            start: StartAt::Earliest,
            max_backoff: Duration::from_secs(5),
            fetch_bytes: 1 << 20,
        }
    }
}

/// TLS to the brokers: the system's trusted certificates, and those of a CA file.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// A PEM file of CA certificates trusted besides the system's (a cluster's private CA).
    pub ca_file: Option<PathBuf>,
}

/// SASL/PLAIN credentials (send them over TLS only).
#[derive(Clone)]
pub struct SaslPlain {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for SaslPlain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslPlain")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Where a partition without a stored offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// Its oldest message still kept.
    Earliest,
    /// Its next message: only what is written from now on.
    Latest,
}

/// Each partition's next offset to read: what a consumer commits once the messages before it
/// are processed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Offsets(pub BTreeMap<i32, i64>);

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its partition.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// Its value.
    pub bytes: Vec<u8>,
    /// Its timestamp, microseconds since the epoch.
    pub time_us: i64,
}

/// A message counted as malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Its partition.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// Its first bytes (up to 64).
    pub first: Vec<u8>,
    /// Why, in words.
    pub why: &'static str,
}

/// What one call of [`KafkaSource::batch`] gives.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The messages, in each partition's order. A value that is not UTF-8 is here too (the
    /// format readers keep such bytes) besides being counted as malformed.
    pub messages: Vec<Message>,
    /// The messages counted as malformed.
    pub malformed: Vec<Malformed>,
    /// Where every partition goes on from, once these messages are processed: commit them
    /// whenever they change, even when no message came (a partition's start is among them).
    pub offsets: Offsets,
}

/// The state of the connection, in words through `Display`.
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    /// Not yet reached.
    Connecting,
    /// The last request was answered.
    Connected,
    /// A request failed; the next attempt is in `retry_in`.
    Reconnecting {
        /// What went wrong.
        error: String,
        /// Time until the next attempt.
        retry_in: Duration,
    },
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Connection::Connecting => f.write_str("connecting"),
            Connection::Connected => f.write_str("connected"),
            Connection::Reconnecting { error, retry_in } => write!(
                f,
                "reconnecting in {:.0} s after: {error}",
                retry_in.as_secs_f64().ceil()
            ),
        }
    }
}

/// A partition's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionStatus {
    /// The next offset to hand out.
    pub next: Option<i64>,
    /// The offset the next message written will get, as last seen.
    pub high_watermark: Option<i64>,
}

impl PartitionStatus {
    /// Messages written and not yet handed out.
    pub fn lag(&self) -> Option<i64> {
        Some((self.high_watermark? - self.next?).max(0))
    }
}

/// What the source has done so far.
#[derive(Debug, Clone)]
pub struct KafkaStatus {
    /// The connection.
    pub connection: Connection,
    /// Every partition read, by number.
    pub partitions: BTreeMap<i32, PartitionStatus>,
    /// Messages handed out (malformed ones included).
    pub messages: u64,
    /// Messages handed out per second, over the last ten seconds.
    pub rate: f64,
    /// Requests that failed.
    pub errors: u64,
    /// The last failure, in words.
    pub last_error: Option<String>,
    /// Messages counted as malformed.
    pub malformed: u64,
    /// The last ten of them.
    pub recent_malformed: Vec<Malformed>,
    /// Messages the broker removed (retention) before they could be read.
    pub expired: u64,
}

impl KafkaStatus {
    /// All partitions' lag, when every one is known.
    pub fn lag(&self) -> Option<i64> {
        self.partitions.values().map(PartitionStatus::lag).sum()
    }
}

/// Fetched messages of one partition, and where it goes on from after them.
#[derive(Debug)]
struct Chunk {
    partition: i32,
    records: VecDeque<Fetched>,
    next: i64,
}

/// A message as fetched: its value may be missing.
#[derive(Debug)]
struct Fetched {
    offset: i64,
    value: Option<Vec<u8>>,
    time_us: i64,
}

/// What the reading thread shares with the consumer.
#[derive(Debug)]
struct Shared {
    connection: Connection,
    /// When the next attempt is, while reconnecting.
    retry_at: Option<Instant>,
    high_watermarks: BTreeMap<i32, i64>,
    errors: u64,
    last_error: Option<String>,
    expired: u64,
}

/// A topic being read.
pub struct KafkaSource {
    queue: Receiver<Chunk>,
    shared: Arc<Mutex<Shared>>,
    /// Chunks taken from the queue and not yet handed out in full.
    pending: VecDeque<Chunk>,
    /// Where each partition goes on from after what was handed out.
    handed: Offsets,
    messages: u64,
    malformed: u64,
    recent_malformed: VecDeque<Malformed>,
    /// Messages handed out by then, for the rate.
    samples: VecDeque<(Instant, u64)>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for KafkaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSource")
            .field("handed", &self.handed)
            .finish_non_exhaustive()
    }
}

impl KafkaSource {
    /// Starts reading, each partition from its offset in `resume` when it has one, else as
    /// `settings.start` says. Connecting happens on the source's thread: a broker that cannot
    /// be reached shows in [`KafkaSource::status`].
    pub fn start(settings: KafkaSettings, resume: Offsets) -> KafkaSource {
        let (send, queue) = sync_channel(QUEUE);
        let shared = Arc::new(Mutex::new(Shared {
            connection: Connection::Connecting,
            retry_at: None,
            high_watermarks: BTreeMap::new(),
            errors: 0,
            last_error: None,
            expired: 0,
        }));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let reader = Reader {
            settings: Arc::new(settings),
            send,
            shared: shared.clone(),
        };
        let handed = resume.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(async {
                    tokio::select! {
                        () = reader.run(resume) => {}
                        _ = stopped => {}
                    }
                }),
                Err(e) => reader.failed(&format!("cannot start the reader: {e}"), None),
            }
        });
        KafkaSource {
            queue,
            shared,
            pending: VecDeque::new(),
            handed,
            messages: 0,
            malformed: 0,
            recent_malformed: VecDeque::new(),
            samples: VecDeque::new(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The messages fetched, at most `max` (malformed ones included), waiting up to `wait` for
    /// the first.
    pub fn batch(&mut self, max: usize, wait: Duration) -> Batch {
        let deadline = Instant::now() + wait;
        let mut batch = Batch::default();
        let mut room = max;
        loop {
            self.take_pending(&mut room, &mut batch);
            if room == 0 {
                break;
            }
            let chunk = if room < max {
                self.queue.try_recv().ok()
            } else {
                let left = deadline.saturating_duration_since(Instant::now());
                self.queue.recv_timeout(left).ok()
            };
            match chunk {
                Some(c) => self.pending.push_back(c),
                None => break,
            }
        }
        let now = Instant::now();
        self.samples.push_back((now, self.messages));
        while self.samples.len() > 2 && now.duration_since(self.samples[1].0) > RATE_SPAN {
            self.samples.pop_front();
        }
        batch.offsets = self.handed.clone();
        batch
    }

    /// Hands out pending messages while there is `room` in the batch.
    fn take_pending(&mut self, room: &mut usize, batch: &mut Batch) {
        while let Some(chunk) = self.pending.front_mut() {
            let p = chunk.partition;
            while *room > 0 {
                let Some(f) = chunk.records.pop_front() else {
                    break;
                };
                *room -= 1;
                self.handed.0.insert(p, f.offset + 1);
                self.messages += 1;
                let why = match &f.value {
                    None => Some("no value (null)"),
                    Some(v) if v.is_empty() => Some("an empty value"),
                    Some(v) if std::str::from_utf8(v).is_err() => Some("not UTF-8"),
                    Some(_) => None,
                };
                if let Some(why) = why {
                    let first = f.value.as_deref().unwrap_or_default();
                    let m = Malformed {
                        partition: p,
                        offset: f.offset,
                        first: first[..first.len().min(FIRST_BYTES)].to_vec(),
                        why,
                    };
                    self.malformed += 1;
                    if self.recent_malformed.len() == RECENT_MALFORMED {
                        self.recent_malformed.pop_front();
                    }
                    self.recent_malformed.push_back(m.clone());
                    batch.malformed.push(m);
                }
                match f.value {
                    Some(bytes) if !bytes.is_empty() => batch.messages.push(Message {
                        partition: p,
                        offset: f.offset,
                        bytes,
                        time_us: f.time_us,
                    }),
                    _ => {}
                }
            }
            if !chunk.records.is_empty() {
                return;
            }
            self.handed.0.insert(p, chunk.next);
            self.pending.pop_front();
        }
    }

    /// The connection, every partition's progress and lag, the rate, errors and malformed
    /// messages.
    pub fn status(&self) -> KafkaStatus {
        let shared = lock(&self.shared);
        let mut connection = shared.connection.clone();
        if let (Connection::Reconnecting { retry_in, .. }, Some(at)) =
            (&mut connection, shared.retry_at)
        {
            *retry_in = at.saturating_duration_since(Instant::now());
        }
        let numbers: BTreeSet<i32> = shared
            .high_watermarks
            .keys()
            .chain(self.handed.0.keys())
            .copied()
            .collect();
        let partitions = numbers
            .into_iter()
            .map(|p| {
                let status = PartitionStatus {
                    next: self.handed.0.get(&p).copied(),
                    high_watermark: shared.high_watermarks.get(&p).copied(),
                };
                (p, status)
            })
            .collect();
        let rate = match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, n0)), Some(&(t1, n1))) if t1 > t0 => {
                (n1 - n0) as f64 / t1.duration_since(t0).as_secs_f64()
            }
            _ => 0.0,
        };
        KafkaStatus {
            connection,
            partitions,
            messages: self.messages,
            rate,
            errors: shared.errors,
            last_error: shared.last_error.clone(),
            malformed: self.malformed,
            recent_malformed: self.recent_malformed.iter().cloned().collect(),
            expired: shared.expired,
        }
    }
}

impl Drop for KafkaSource {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// A wait that doubles from [`FIRST_BACKOFF`] up to a cap.
struct Backoff {
    next: Duration,
    cap: Duration,
}

impl Backoff {
    fn new(cap: Duration) -> Backoff {
        Backoff {
            next: FIRST_BACKOFF.min(cap),
            cap,
        }
    }

    fn next(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.cap);
        wait
    }

    fn reset(&mut self) {
        self.next = FIRST_BACKOFF.min(self.cap);
    }
}

/// The reading side: lists the topic's partitions and runs one task per partition.
#[derive(Clone)]
struct Reader {
    settings: Arc<KafkaSettings>,
    send: SyncSender<Chunk>,
    shared: Arc<Mutex<Shared>>,
}

impl Reader {
    /// Connects, then lists the topic's partitions every [`METADATA_EVERY`] and follows each
    /// new one, from its offset in `resume` when it has one.
    async fn run(self, resume: Offsets) {
        let mut backoff = Backoff::new(self.settings.max_backoff);
        let client = loop {
            match tokio::time::timeout(REQUEST_TIMEOUT, connect(&self.settings)).await {
                Ok(Ok(c)) => break Arc::new(c),
                Ok(Err(e)) => self.retry_after(&e, &mut backoff).await,
                Err(_) => {
                    self.retry_after("connecting: no answer", &mut backoff)
                        .await
                }
            }
        };
        self.connected(None);
        let mut tasks = tokio::task::JoinSet::new();
        let mut followed = BTreeSet::new();
        let mut first = true;
        loop {
            match tokio::time::timeout(REQUEST_TIMEOUT, client.list_topics()).await {
                Ok(Ok(topics)) => {
                    let topic = topics.into_iter().find(|t| t.name == self.settings.topic);
                    match topic {
                        Some(t) => {
                            for p in t.partitions {
                                if followed.insert(p) {
                                    let start = if first {
                                        self.settings.start
                                    } else {
                                        StartAt::Earliest
                                    };
                                    let stored = resume.0.get(&p).copied();
                                    let task =
                                        self.clone().follow(client.clone(), p, stored, start);
                                    tasks.spawn(task);
                                }
                            }
                        }
                        None => self.failed(
                            &format!("the brokers have no topic '{}'", self.settings.topic),
                            None,
                        ),
                    }
                    first = false;
                }
                Ok(Err(e)) => self.failed(&in_words(&e), None),
                Err(_) => self.failed("listing the topics: no answer", None),
            }
            tokio::time::sleep(METADATA_EVERY).await;
        }
    }

    /// Reads one partition from its stored offset, else from `start`, for as long as the
    /// consumer is there.
    async fn follow(self, client: Arc<Client>, p: i32, stored: Option<i64>, start: StartAt) {
        let mut backoff = Backoff::new(self.settings.max_backoff);
        let topic = &self.settings.topic;
        let partition = loop {
            let made = client.partition_client(topic, p, UnknownTopicHandling::Retry);
            match tokio::time::timeout(REQUEST_TIMEOUT, made).await {
                Ok(Ok(c)) => break c,
                Ok(Err(e)) => self.retry_after(&in_words(&e), &mut backoff).await,
                Err(_) => {
                    self.retry_after("finding the leader: no answer", &mut backoff)
                        .await
                }
            }
        };
        let mut at = match stored {
            Some(offset) => offset,
            None => loop {
                let at = match start {
                    StartAt::Earliest => OffsetAt::Earliest,
                    StartAt::Latest => OffsetAt::Latest,
                };
                match offset_of(&partition, at).await {
                    Ok(o) => break o,
                    Err(e) => self.retry_after(&e, &mut backoff).await,
                }
            },
        };
        // The start is an offset to commit too, messages or not.
        if !self.hand_over(p, VecDeque::new(), at).await {
            return;
        }
        let bytes = 1..i32::try_from(self.settings.fetch_bytes.max(1)).unwrap_or(i32::MAX);
        loop {
            let began = Instant::now();
            let fetch = partition.fetch_records(at, bytes.clone(), MAX_WAIT_MS);
            match tokio::time::timeout(REQUEST_TIMEOUT, fetch).await {
                Ok(Ok((records, high))) => {
                    backoff.reset();
                    self.connected(Some((p, high)));
                    let Some(last) = records.last().map(|r| r.offset) else {
                        tokio::time::sleep(IDLE.saturating_sub(began.elapsed())).await;
                        continue;
                    };
                    let records = records
                        .into_iter()
                        .map(|r| Fetched {
                            offset: r.offset,
                            value: r.record.value,
                            time_us: r.record.timestamp.timestamp_micros(),
                        })
                        .collect();
                    if !self.hand_over(p, records, last + 1).await {
                        return;
                    }
                    at = last + 1;
                }
                Ok(Err(KafkaError::ServerError {
                    protocol_error: ProtocolError::OffsetOutOfRange,
                    ..
                })) => {
                    let moved = self.out_of_range(&partition, at).await;
                    match moved {
                        Ok(to) => {
                            if !self.hand_over(p, VecDeque::new(), to).await {
                                return;
                            }
                            at = to;
                        }
                        Err(e) => self.retry_after(&e, &mut backoff).await,
                    }
                }
                Ok(Err(e)) => self.retry_after(&in_words(&e), &mut backoff).await,
                Err(_) => {
                    self.retry_after("a fetch had no answer", &mut backoff)
                        .await
                }
            }
        }
    }

    /// Where to go on from when `at` is outside the partition's offsets: its oldest message
    /// when `at` was removed by retention (the messages in between are counted as expired),
    /// else its end (the topic was recreated, or the broker lost messages: what is before the
    /// end was read already).
    async fn out_of_range(&self, partition: &PartitionClient, at: i64) -> Result<i64, String> {
        let earliest = offset_of(partition, OffsetAt::Earliest).await?;
        let latest = offset_of(partition, OffsetAt::Latest).await?;
        let p = partition.partition();
        let (to, why) = if at < earliest {
            lock(&self.shared).expired += (earliest - at) as u64;
            (earliest, "removed by retention before they were read")
        } else {
            (
                latest,
                "past the partition's end (was the topic recreated?)",
            )
        };
        self.failed(
            &format!("partition {p}: offsets from {at} are {why}; reading on from {to}"),
            None,
        );
        Ok(to)
    }

    /// Queues a chunk for the consumer, waiting while the queue is full; false when the
    /// consumer is gone.
    async fn hand_over(&self, partition: i32, records: VecDeque<Fetched>, next: i64) -> bool {
        let mut chunk = Chunk {
            partition,
            records,
            next,
        };
        loop {
            match self.send.try_send(chunk) {
                Ok(()) => return true,
                Err(TrySendError::Full(c)) => {
                    chunk = c;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
    }

    /// A request succeeded (a fetch, with the partition's high watermark).
    fn connected(&self, high: Option<(i32, i64)>) {
        let mut s = lock(&self.shared);
        s.connection = Connection::Connected;
        s.retry_at = None;
        if let Some((p, h)) = high {
            s.high_watermarks.insert(p, h);
        }
    }

    /// A request failed; the next attempt is after `wait` when there is one.
    fn failed(&self, error: &str, wait: Option<Duration>) {
        let mut s = lock(&self.shared);
        s.errors += 1;
        s.last_error = Some(error.to_owned());
        if let Some(wait) = wait {
            s.connection = Connection::Reconnecting {
                error: error.to_owned(),
                retry_in: wait,
            };
            s.retry_at = Some(Instant::now() + wait);
        }
    }

    /// Says that a request failed and waits the next back-off.
    async fn retry_after(&self, error: &str, backoff: &mut Backoff) {
        let wait = backoff.next();
        self.failed(error, Some(wait));
        tokio::time::sleep(wait).await;
    }
}

/// An rskafka error in words, without the layers its retries wrap around the cause
/// ("All retries failed: Retry exceeded deadline. Source: Connection error: ...").
fn in_words(e: &KafkaError) -> String {
    let mut words = e.to_string();
    for layer in [
        "All retries failed: ",
        "all retries failed: ",
        "Retry exceeded deadline. Source: ",
        "Connection error: ",
    ] {
        words = words.replace(layer, "");
    }
    words
}

/// A partition's offset at `at`, within the request timeout.
async fn offset_of(partition: &PartitionClient, at: OffsetAt) -> Result<i64, String> {
    match tokio::time::timeout(REQUEST_TIMEOUT, partition.get_offset(at)).await {
        Ok(r) => r.map_err(|e| in_words(&e)),
        Err(_) => Err("asking for an offset: no answer".into()),
    }
}

/// A client of the cluster. Its own retries give up after a second, so that a broken
/// connection comes back to the source, which says so and retries with its back-off.
async fn connect(settings: &KafkaSettings) -> Result<Client, String> {
    let backoff = BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        base: 2.0,
        deadline: Some(Duration::from_secs(1)),
    };
    let mut builder = ClientBuilder::new(settings.brokers.clone())
        .client_id("netsleuth")
        .backoff_config(backoff);
    if let Some(tls) = &settings.tls {
        builder = builder.tls_config(Arc::new(tls_config(tls)?));
    }
    if let Some(sasl) = &settings.sasl_plain {
        let credentials = Credentials::new(sasl.user.clone(), sasl.password.clone());
        builder = builder.sasl_config(SaslConfig::Plain(credentials));
    }
    builder.build().await.map_err(|e| in_words(&e))
}

/// The TLS client configuration: the system's roots and the CA file's, through ring.
fn tls_config(tls: &TlsSettings) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut extra = Vec::new();
    if let Some(path) = &tls.ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            extra.push(cert.map_err(|e| format!("{}: {e}", path.display()))?);
        }
        if extra.is_empty() {
            return Err(format!("{}: no PEM certificate in it", path.display()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .map_err(|e| format!("the trusted certificates: {e}"))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap_and_starts_again_after_a_success() {
        let mut b = Backoff::new(Duration::from_secs(1));
        let waits: Vec<u128> = (0..5).map(|_| b.next().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 1000, 1000]);
        b.reset();
        assert_eq!(b.next(), FIRST_BACKOFF);
    }

    #[test]
    fn offsets_are_kept_as_a_json_map_of_partitions() {
        let o = Offsets(BTreeMap::from([(0, 12), (2, 7)]));
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(json, r#"{"0":12,"2":7}"#);
        assert_eq!(serde_json::from_str::<Offsets>(&json).unwrap(), o);
    }

    #[test]
    fn the_connection_says_what_happened_and_when_it_retries() {
        let c = Connection::Reconnecting {
            error: "connection refused".into(),
            retry_in: Duration::from_millis(1500),
        };
        assert_eq!(
            c.to_string(),
            "reconnecting in 2 s after: connection refused"
        );
    }
}
