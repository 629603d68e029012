//! The per-source judging pushed down to a query engine: Apache DataFusion embedded in this
//! process, or an Apache Ballista cluster (`ballista://host:port`), running the same plan.
//!
//! The plan ([`codec::JudgedLog`]) reads every file where the engine runs it, one task per
//! file ([`scan`]), shuffles the events by source address, and judges each partition as one
//! shard of the log ([`judge`], the streaming path's judging: a partition holds every event of
//! its sources). Only each partition's aggregates come back: the sources' statistics and
//! findings and its share of what spans sources, merged here into the verdicts, as the
//! streaming path merges its shards', so `sources.csv` is the in-memory run's. A run is one
//! job over the plan, the verdicts (with the files' reports); for web logs, whose findings
//! weigh the sources behind each referer and user agent over the whole log, the first job
//! also counts those and a second judges with the whole log's counts; when parties that only
//! received carry findings, one more fetches their events.

pub mod cluster;
pub mod codec;
pub mod judge;
pub mod scan;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::UInt8Type;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::detection::behaviour::SourceCounts;
use crate::detection::{
    assemble_verdicts, Addressed, Detection, DetectionSettings, ShardError, ShardVerdicts,
};
use crate::events::{EventDraft, FileId};
use crate::ingest::{format_of, FileReport, ReadError, ReadOptions};
use crate::streaming::spill::decode;

use codec::JudgedLog;
use judge::{ShardSettings, ShardTask, ANSWER, REPORT, UNSUPPORTED};
use scan::ScanOptions;

/// Where the plan runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// DataFusion in this process.
    Embedded,
    /// A Ballista cluster, by its scheduler's address (`http://host:port`).
    Ballista(String),
}

impl Engine {
    /// `embedded`, or `ballista://host:port`.
    pub fn parse(text: &str) -> Result<Engine, String> {
        if text == "embedded" {
            return Ok(Engine::Embedded);
        }
        let Some(rest) = text.strip_prefix("ballista://") else {
            return Err(format!(
                "unknown engine {text:?}: give `embedded` or `ballista://HOST:PORT`"
            ));
        };
        let (host, port) = rest
            .trim_end_matches('/')
            .rsplit_once(':')
            .ok_or_else(|| format!("{text:?} names no port (ballista://HOST:PORT)"))?;
        if host.is_empty() || port.parse::<u16>().is_err() {
            return Err(format!("{text:?} is not ballista://HOST:PORT"));
        }
        Ok(Engine::Ballista(format!("df://{host}:{port}")))
    }

    /// Where the data is judged, for the analyst.
    pub fn describe(&self) -> String {
        match self {
            Engine::Embedded => "DataFusion, embedded in this process".into(),
            Engine::Ballista(url) => format!(
                "the Ballista cluster at {}",
                url.trim_start_matches("df://")
            ),
        }
    }
}

/// Settings of an engine run.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Where the plan runs.
    pub engine: Engine,
    /// Partitions the events are shuffled into (each judged as one shard); none: one per
    /// core here, eight on a cluster.
    pub partitions: Option<usize>,
}

/// What a query has cost so far; shared with whoever shows it.
#[derive(Debug, Default)]
pub struct QueryProgress {
    /// Jobs finished.
    pub jobs_done: AtomicU64,
    /// Events the engine read (known once the first job is done).
    pub rows_scanned: AtomicU64,
    /// Events read so far by the scans run in this process (the embedded engine's: a
    /// cluster's executors read elsewhere), over every job.
    pub rows_read_here: Arc<AtomicU64>,
    /// Bytes of answers that came back.
    pub bytes_returned: AtomicU64,
    /// Set to stop the query.
    pub cancel: Arc<AtomicBool>,
}

/// What an engine run read and found.
#[derive(Debug)]
pub struct EngineRun {
    /// One report per file read.
    pub files: Vec<FileReport>,
    /// Files that could not be read.
    pub failures: Vec<ReadError>,
    /// Events read.
    pub events: u64,
    /// Partitions the events were shuffled into.
    pub partitions: usize,
    /// Jobs run over the plan.
    pub jobs: u64,
    /// Bytes of answers that came back.
    pub bytes_returned: u64,
    /// The verdicts on the sources.
    pub detection: Detection,
    /// Wall-clock time of each job.
    pub timings: Vec<(&'static str, Duration)>,
}

impl EngineRun {
    /// What the outputs' manifest says of the run: where it ran and what it cost.
    pub fn manifest(&self, engine: &Engine) -> serde_json::Value {
        serde_json::json!({
            "where": engine.describe(),
            "partitions": self.partitions,
            "jobs": self.jobs,
            "rows_scanned": self.events,
            "bytes_returned": self.bytes_returned,
        })
    }
}

/// Why an engine run stopped.
#[derive(Debug)]
pub enum EngineError {
    /// The analyst cancelled.
    Cancelled,
    /// Nothing could be read.
    NothingRead(Vec<ReadError>),
    /// What the run cannot take yet.
    Unsupported(String),
    /// The engine failed: it could not be reached, or a query failed there.
    Engine(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Cancelled => write!(f, "cancelled"),
            EngineError::NothingRead(errors) => {
                write!(f, "no event was read")?;
                for e in errors {
                    write!(f, "; {e}")?;
                }
                Ok(())
            }
            EngineError::Unsupported(what) => write!(f, "{what}"),
            EngineError::Engine(what) => write!(f, "the query engine: {what}"),
        }
    }
}

impl From<DataFusionError> for EngineError {
    fn from(e: DataFusionError) -> Self {
        let text = e.to_string();
        match text.find(UNSUPPORTED) {
            Some(at) => EngineError::Unsupported(format!(
                "the log holds {}: the engine does not judge those yet; run detect without \
                 --engine on a machine with the memory for it",
                text[at + UNSUPPORTED.len()..].lines().next().unwrap_or("")
            )),
            None => EngineError::Engine(text),
        }
    }
}

/// Judges the sources of `paths` (files, or folders of them) with the engine: the verdicts
/// the in-memory run reaches, for the sources of every file, whose events never leave the
/// engine. The features' settings are resolved against the formats read.
pub fn detect_with_engine(
    paths: &[PathBuf],
    read: &ReadOptions,
    settings: &DetectionSettings,
    run: &EngineSettings,
    progress: &QueryProgress,
) -> Result<EngineRun, EngineError> {
    let mut failures = Vec::new();
    let session = Session::open(paths, read, run, progress, &mut failures)?;
    let files = &session.files;
    let partitions = session.partitions;
    let mut settings = settings.clone();
    let mut timings = Vec::new();
    let job = |task: ShardTask, settings: &DetectionSettings| session.job(task, settings, progress);

    // The formats decide the features' settings: the first job judges with the settings
    // resolved from the formats the files' first bytes show here, and is run again should the
    // files read say otherwise.
    let asked = settings.features;
    let sniffed: Vec<_> = files
        .iter()
        .filter_map(|f| format_of(f, read).ok())
        .collect();
    settings.features = asked.resolve(&sniffed);
    let t = Instant::now();
    let first = job(ShardTask::Judge(None), &settings)?;
    timings.push(("read and judge", t.elapsed()));
    let position: HashMap<&PathBuf, usize> =
        files.iter().enumerate().map(|(i, p)| (p, i)).collect();
    let mut reports = Vec::new();
    for bytes in &first.reports {
        match postcard::from_bytes::<Result<FileReport, ReadError>>(bytes) {
            Ok(Ok(report)) => reports.push(report),
            Ok(Err(e)) => failures.push(e),
            Err(e) => return Err(EngineError::Engine(format!("a damaged file report: {e}"))),
        }
    }
    reports.sort_by_key(|r| position.get(&r.path).copied().unwrap_or(usize::MAX));
    let mut row = 0;
    for r in &mut reports {
        r.rows = row..row + r.rows.len();
        row = r.rows.end;
    }
    let events: u64 = reports.iter().map(|r| r.events).sum();
    progress.rows_scanned.store(events, Ordering::Relaxed);
    if events == 0 {
        return Err(EngineError::NothingRead(failures));
    }
    let formats: Vec<_> = reports.iter().map(|r| r.format).collect();
    let resolved = asked.resolve(&formats);
    let mut counts: Option<SourceCounts> = None;
    let mut verdicts = ShardVerdicts::default();
    for bytes in &first.answers {
        let (part, judged): (Option<SourceCounts>, Vec<u8>) = postcard::from_bytes(bytes)
            .map_err(|e| EngineError::Engine(format!("a damaged answer: {e}")))?;
        if let Some(part) = part {
            counts.get_or_insert_with(SourceCounts::default).add(part);
        }
        verdicts.merge(ShardVerdicts::from_bytes(&judged).map_err(EngineError::Engine)?);
    }
    if counts.is_some() || resolved != settings.features {
        settings.features = resolved;
        let t = Instant::now();
        verdicts = ShardVerdicts::default();
        let counts = Some(counts.unwrap_or_default());
        for bytes in job(ShardTask::Judge(counts), &settings)?.answers {
            let (_, judged): (Option<SourceCounts>, Vec<u8>) = postcard::from_bytes(&bytes)
                .map_err(|e| EngineError::Engine(format!("a damaged answer: {e}")))?;
            verdicts.merge(ShardVerdicts::from_bytes(&judged).map_err(EngineError::Engine)?);
        }
        timings.push(("judge again", t.elapsed()));
    }

    let t = Instant::now();
    let gather = |wanted: &std::collections::HashSet<IpAddr>| {
        let mut wanted: Vec<IpAddr> = wanted.iter().copied().collect();
        wanted.sort_unstable();
        let answers = job(ShardTask::Addressed(wanted), &settings).map_err(|e| match e {
            EngineError::Cancelled => ShardError::Cancelled,
            e => ShardError::Io(std::io::Error::other(e.to_string())),
        })?;
        addressed(&answers.answers).map_err(ShardError::Io)
    };
    let detection =
        assemble_verdicts(verdicts, &gather, &settings, &progress.cancel).map_err(|e| match e {
            ShardError::Cancelled => EngineError::Cancelled,
            ShardError::Io(e) => EngineError::Engine(e.to_string()),
            ShardError::Unsupported(what) => EngineError::Unsupported(what),
        })?;
    timings.push(("assemble", t.elapsed()));
    Ok(EngineRun {
        files: reports,
        failures,
        events,
        partitions,
        jobs: progress.jobs_done.load(Ordering::Relaxed),
        bytes_returned: progress.bytes_returned.load(Ordering::Relaxed),
        detection,
        timings,
    })
}

/// A log's files on an engine, where jobs run over them.
struct Session {
    runtime: tokio::runtime::Runtime,
    ctx: SessionContext,
    files: Vec<PathBuf>,
    scan: ScanOptions,
    partitions: usize,
    engine: Engine,
}

impl Session {
    /// The files under `paths` (those that cannot be listed go to `failures`) on the engine
    /// `run` names.
    fn open(
        paths: &[PathBuf],
        read: &ReadOptions,
        run: &EngineSettings,
        progress: &QueryProgress,
        failures: &mut Vec<ReadError>,
    ) -> Result<Session, EngineError> {
        let scan = ScanOptions::of(read).map_err(EngineError::Unsupported)?;
        let files = crate::streaming::expand(paths, failures);
        if files.len() > usize::from(FileId::MAX) + 1 {
            return Err(EngineError::Unsupported(
                "more than 65,536 files in one investigation".into(),
            ));
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let partitions = run.partitions.unwrap_or(match run.engine {
            Engine::Embedded => cores,
            Engine::Ballista(_) => 8,
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores)
            .enable_all()
            .build()
            .map_err(|e| EngineError::Engine(e.to_string()))?;
        let ctx = runtime.block_on(context(
            &run.engine,
            partitions,
            progress.rows_read_here.clone(),
        ))?;
        Ok(Session {
            runtime,
            ctx,
            files,
            scan,
            partitions,
            engine: run.engine.clone(),
        })
    }

    /// Runs one job over the plan: every partition asked `task`.
    fn job(
        &self,
        task: ShardTask,
        settings: &DetectionSettings,
        progress: &QueryProgress,
    ) -> Result<Answers, EngineError> {
        let log = JudgedLog {
            files: self.files.clone(),
            scan: self.scan.clone(),
            task,
            settings: ShardSettings::of(settings),
            partitions: self.partitions,
        };
        let batches = self
            .runtime
            .block_on(collect(&self.ctx, log, &progress.cancel))
            .map_err(|e| said_plainly(&self.engine, e))?;
        progress.jobs_done.fetch_add(1, Ordering::Relaxed);
        let answers = Answers::of(&batches)?;
        progress
            .bytes_returned
            .fetch_add(answers.bytes, Ordering::Relaxed);
        Ok(answers)
    }
}

/// The events `sources` sent, fetched from where the files of `paths` lie, in the order of the
/// whole read: the raw events of the sources an analyst opens, which alone come back.
pub fn events_from(
    paths: &[PathBuf],
    read: &ReadOptions,
    run: &EngineSettings,
    sources: &[IpAddr],
    progress: &QueryProgress,
) -> Result<Vec<Addressed>, EngineError> {
    let mut failures = Vec::new();
    let session = Session::open(paths, read, run, progress, &mut failures)?;
    let answers = session.job(
        ShardTask::Sent(sources.to_vec()),
        &DetectionSettings::default(),
        progress,
    )?;
    let mut events = addressed(&answers.answers).map_err(|e| EngineError::Engine(e.to_string()))?;
    events.sort_unstable_by_key(|e| e.0);
    Ok(events)
}

/// A scheduler that could not be reached, said so rather than as the transport's error.
fn said_plainly(engine: &Engine, e: EngineError) -> EngineError {
    let (Engine::Ballista(url), EngineError::Engine(text)) = (engine, &e) else {
        return e;
    };
    if !text.contains("ConnectError") {
        return e;
    }
    let why = if text.contains("Connection refused") {
        "nothing listens there (connection refused)"
    } else {
        "the connection failed"
    };
    EngineError::Engine(format!(
        "cannot reach the Ballista scheduler at {}: {why}",
        url.trim_start_matches("df://")
    ))
}

/// A session on the engine, with this program's plan nodes known to it.
async fn context(
    engine: &Engine,
    partitions: usize,
    read: Arc<AtomicU64>,
) -> Result<SessionContext, EngineError> {
    let config = SessionConfig::new()
        .with_target_partitions(partitions)
        .with_extension(Arc::new(scan::RowsRead(read)));
    match engine {
        Engine::Embedded => Ok(SessionContext::new_with_config(config)),
        Engine::Ballista(url) => {
            use ballista::prelude::{SessionConfigExt, SessionContextExt};
            let config = SessionConfig::new_with_ballista()
                .with_target_partitions(partitions)
                .with_ballista_logical_extension_codec(Arc::new(codec::LogicalCodec::default()))
                .with_ballista_physical_extension_codec(Arc::new(codec::PhysicalCodec::default()))
                .with_ballista_job_name("netsleuth detect");
            let state = SessionStateBuilder::new()
                .with_config(config)
                .with_default_features()
                .build();
            SessionContext::remote_with_state(url, state)
                .await
                .map_err(|e| {
                    EngineError::Engine(format!(
                        "cannot reach the Ballista scheduler at {}: {e}",
                        url.trim_start_matches("df://")
                    ))
                })
        }
    }
}

/// Runs one job over the plan, stopping when `cancel` is set.
async fn collect(
    ctx: &SessionContext,
    log: JudgedLog,
    cancel: &AtomicBool,
) -> Result<Vec<RecordBatch>, EngineError> {
    let frame = ctx.read_table(Arc::new(log))?;
    let batches = frame.collect();
    tokio::pin!(batches);
    loop {
        tokio::select! {
            done = &mut batches => return Ok(done?),
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if cancel.load(Ordering::Relaxed) {
                    return Err(EngineError::Cancelled);
                }
            }
        }
    }
}

/// A job's answers: the partitions' own, and the files' reports that passed through them.
struct Answers {
    answers: Vec<Vec<u8>>,
    reports: Vec<Vec<u8>>,
    bytes: u64,
}

impl Answers {
    fn of(batches: &[RecordBatch]) -> Result<Answers, EngineError> {
        let mut a = Answers {
            answers: Vec::new(),
            reports: Vec::new(),
            bytes: 0,
        };
        for b in batches {
            let kinds = b.column(0).as_primitive::<UInt8Type>();
            let payloads = b.column(1).as_binary::<i32>();
            for r in 0..b.num_rows() {
                let bytes = payloads.value(r).to_vec();
                a.bytes += bytes.len() as u64;
                match kinds.value(r) {
                    ANSWER => a.answers.push(bytes),
                    REPORT => a.reports.push(bytes),
                    k => {
                        return Err(EngineError::Engine(format!(
                            "an answer of unknown kind {k}"
                        )))
                    }
                }
            }
        }
        Ok(a)
    }
}

/// The events the partitions found addressed to the parties asked about.
fn addressed(answers: &[Vec<u8>]) -> std::io::Result<Vec<Addressed>> {
    let mut out = Vec::new();
    for bytes in answers {
        let part: Vec<(Vec<u8>, Vec<String>)> =
            postcard::from_bytes(bytes).map_err(std::io::Error::other)?;
        for (record, extras) in part {
            let mut d = EventDraft::default();
            let (at, file, line) = decode(&record, &mut d)?;
            out.push((at, file, line, d, extras.into()));
        }
    }
    Ok(out)
}
