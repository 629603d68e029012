//! Logs larger than memory, on one machine: a two-pass run whose memory is bounded by two
//! shards and the per-source state, whatever the size of the input.
//!
//! Pass one reads every file as it streams and writes each event to the shard of its source
//! address ([`spill`]), on disk. Pass two reads the shards back one at a time, the next read
//! ahead ([`prefetch`]), in three sweeps: a survey of the events for their scoring
//! ([`crate::detection::EventWork`]), the judging of the sources
//! ([`crate::detection::judge_shards`]; each shard holds every event of its sources in the
//! order of the whole read, so the verdicts are those of the in-memory run), and the scoring of
//! the events, whose lines are merged back into the log's order ([`merge`]).

mod merge;
mod prefetch;
pub mod spill;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::detection::{
    judge_shards, Detection, DetectionSettings, DetectorKind, EventWork, ShardError, ShardLoader,
};
use crate::events::{EventTable, FileId};
use crate::ingest::{
    files_under, read_file_spilling, FileReport, ReadError, ReadOptions, ReadProgress,
};
use crate::report::{events_header, render_event_lines, RowScores};
use crate::session::write_atomic_with;

pub use merge::PositionedLines;
use prefetch::Prefetch;
pub use spill::{shard_of, Shards};

/// How a streaming run lays out its shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamingSettings {
    /// The folder the shards are written under (removed after the run).
    pub dir: PathBuf,
    /// Input bytes per shard: a shard's events take about this much memory when read back,
    /// and its detection about as much again.
    pub shard_bytes: u64,
    /// A fixed number of shards instead.
    pub shards: Option<usize>,
}

impl Default for StreamingSettings {
    fn default() -> Self {
        StreamingSettings {
            dir: std::env::temp_dir(),
            shard_bytes: 256 << 20,
            shards: None,
        }
    }
}

/// What a streaming run read and found.
#[derive(Debug)]
pub struct StreamingRun {
    /// One report per file read.
    pub files: Vec<FileReport>,
    /// Files that could not be read.
    pub failures: Vec<ReadError>,
    /// Events read.
    pub events: u64,
    /// Shards written.
    pub shards: usize,
    /// The verdicts on the sources, the floods and the events' level; the events' own scores
    /// went to `events_scored.csv` as they were made.
    pub detection: Detection,
    /// Events flagged, when `events_scored.csv` was written.
    pub flagged_events: Option<usize>,
    /// Why `events_scored.csv` was not written, when it was asked for.
    pub events_skipped: Option<String>,
    /// Wall-clock time of the two passes.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Why a streaming run stopped.
#[derive(Debug)]
pub enum StreamingError {
    /// The analyst cancelled.
    Cancelled,
    /// Nothing could be read.
    NothingRead(Vec<ReadError>),
    /// The shards could not be written or read back.
    Shards(std::io::Error),
    /// The log holds what the streaming run cannot judge yet.
    Unsupported(String),
}

impl std::fmt::Display for StreamingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamingError::Cancelled => write!(f, "cancelled"),
            StreamingError::NothingRead(errors) => {
                write!(f, "no event was read")?;
                for e in errors {
                    write!(f, "; {e}")?;
                }
                Ok(())
            }
            StreamingError::Shards(e) => write!(f, "the streaming shards: {e}"),
            StreamingError::Unsupported(what) => write!(
                f,
                "the log holds {what}: the streaming run does not judge those yet; run \
                 detect without --streaming on a machine with the memory for it"
            ),
        }
    }
}

/// The files `paths` stand for: folders give the files under them, in path order.
pub(crate) fn expand(paths: &[PathBuf], failures: &mut Vec<ReadError>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        match files_under(path) {
            Ok(under) if !under.is_empty() => files.extend(under),
            Ok(_) => failures.push(ReadError::Io {
                path: path.clone(),
                message: "a folder with no files in it".into(),
            }),
            Err(e) => failures.push(ReadError::Io {
                path: path.clone(),
                message: e.to_string(),
            }),
        }
    }
    files
}

/// The number of shards for `files`: one per [`StreamingSettings::shard_bytes`] of input
/// (a compressed file counted at ten times its size).
fn shard_count(files: &[PathBuf], settings: &StreamingSettings) -> usize {
    if let Some(n) = settings.shards {
        return n.max(1);
    }
    let bytes: u64 = files
        .iter()
        .filter_map(|p| {
            let len = std::fs::metadata(p).ok()?.len();
            let gz = p.extension().is_some_and(|e| e == "gz");
            Some(if gz { len * 10 } else { len })
        })
        .sum();
    bytes.div_ceil(settings.shard_bytes.max(1)).max(1) as usize
}

/// Reads `paths` into shards and judges their sources: the two passes; with `events_out`,
/// the events are scored too and written there as `events_scored.csv` (atomically). The
/// features' settings are resolved against the formats read, as the in-memory run resolves
/// them.
pub fn detect_streaming(
    paths: &[PathBuf],
    read: &ReadOptions,
    progress: &ReadProgress,
    settings: &DetectionSettings,
    streaming: &StreamingSettings,
    events_out: Option<&Path>,
) -> Result<StreamingRun, StreamingError> {
    let t = Instant::now();
    let mut failures = Vec::new();
    let files = expand(paths, &mut failures);
    let mut shards = Shards::create(&streaming.dir, shard_count(&files, streaming))
        .map_err(StreamingError::Shards)?;
    let mut events_skipped = None;
    if events_out.is_some() {
        match EventWork::new(settings) {
            Ok(work) => shards.survey_events(work),
            Err(why) => events_skipped = Some(why),
        }
    }
    let mut scratch = EventTable::default();
    let mut reports = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let Ok(id) = FileId::try_from(i) else {
            failures.push(ReadError::Io {
                path: path.clone(),
                message: "too many files in one investigation (limit 65,535)".into(),
            });
            break;
        };
        let first = shards.written() as usize;
        match read_file_spilling(path, id, &mut scratch, read, progress, &mut shards, first) {
            Ok(report) => reports.push(report),
            Err(ReadError::Cancelled) => return Err(StreamingError::Cancelled),
            Err(e) => failures.push(e),
        }
    }
    shards.finish().map_err(StreamingError::Shards)?;
    let events = shards.written();
    if events == 0 {
        return Err(StreamingError::NothingRead(failures));
    }
    let read_time = t.elapsed();
    let t = Instant::now();
    let extras: Vec<String> = scratch.extras().iter().map(|e| e.name.clone()).collect();
    let mut settings = settings.clone();
    let formats: Vec<_> = reports.iter().map(|r| r.format).collect();
    settings.features = settings.features.resolve(&formats);
    let mut work = shards.take_events();
    if let Some(w) = &mut work {
        if let Err(why) = w.read_all(&extras, shards.span(), &settings.features) {
            events_skipped = Some(why);
            work = None;
        }
    }
    let shard_error = |e| match e {
        ShardError::Cancelled => StreamingError::Cancelled,
        ShardError::Io(e) => StreamingError::Shards(e),
        ShardError::Unsupported(what) => StreamingError::Unsupported(what),
    };
    let (detection, flagged_events, judge_time) = std::thread::scope(|scope| {
        let prefetch = Prefetch::new(scope, &shards, &extras);
        let load = |k: usize| prefetch.load(k);
        let mut detection = judge_shards(
            shards.len(),
            &load,
            shards.web(),
            &settings,
            &progress.cancel,
            work.as_mut(),
        )
        .map_err(shard_error)?;
        if progress.cancel.load(Ordering::Relaxed) {
            return Err(StreamingError::Cancelled);
        }
        let judge_time = t.elapsed();
        let mut flagged_events = None;
        if let (Some(work), Some(path)) = (work, events_out) {
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            prefetch.last_sweep();
            let flagged = score_events(
                work,
                &shards,
                &load,
                &settings,
                &mut detection,
                &names,
                path,
                &progress.cancel,
            )?;
            flagged_events = Some(flagged);
        }
        Ok((detection, flagged_events, judge_time))
    })?;
    let mut timings = vec![("read and shard", read_time), ("judge shards", judge_time)];
    if flagged_events.is_some() {
        timings.push(("score events", t.elapsed() - judge_time));
    }
    Ok(StreamingRun {
        files: reports,
        failures,
        events,
        shards: shards.len(),
        detection,
        flagged_events,
        events_skipped,
        timings,
    })
}

/// Events rendered at a time by the third sweep.
const RENDER_GROUP: usize = 1 << 17;

/// The third sweep: scores every shard's events with what the whole log taught, renders their
/// lines and writes them to `path` in the log's order. Returns the events flagged.
#[allow(clippy::too_many_arguments)]
fn score_events(
    work: EventWork,
    shards: &Shards,
    load: &ShardLoader<'_>,
    settings: &DetectionSettings,
    detection: &mut Detection,
    names: &[String],
    path: &Path,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<usize, StreamingError> {
    let mut scorer = work
        .prepare(settings, detection, cancel)
        .ok_or(StreamingError::Cancelled)?;
    let kinds: Vec<DetectorKind> = scorer.detectors();
    let mut lines = PositionedLines::new();
    let mut flagged = 0;
    for k in 0..shards.len() {
        if cancel.load(Ordering::Relaxed) {
            return Err(StreamingError::Cancelled);
        }
        let shard = load(k).map_err(StreamingError::Shards)?;
        let scored = scorer.score(&shard, detection);
        flagged += scored.flagged.iter().filter(|&&f| f).count();
        let reason = |r: usize| scored.reasons[r].clone();
        let rows = RowScores {
            score: &scored.score,
            flagged: &scored.flagged,
            raw: kinds
                .iter()
                .filter_map(|k| scored.raw.get(k).map(|v| (*k, v.as_slice())))
                .collect(),
            reason: &reason,
        };
        let mut out = lines
            .shard(shards.scratch(&format!("events-{k}.bin")))
            .map_err(StreamingError::Shards)?;
        // Rendered a group at a time, so that a shard's text is never all in memory.
        for start in (0..shard.table.len()).step_by(RENDER_GROUP) {
            let range = start..(start + RENDER_GROUP).min(shard.table.len());
            let chunks = render_event_lines(&shard.table, &rows, names, range.clone());
            out.append(&shard.positions[range], &chunks)
                .map_err(StreamingError::Shards)?;
        }
        out.close().map_err(StreamingError::Shards)?;
    }
    scorer.finish(detection);
    write_atomic_with(path, |w| {
        w.write_all(events_header(&kinds).as_bytes())?;
        lines.merge_into(w)
    })
    .map_err(|e| {
        StreamingError::Shards(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    })?;
    Ok(flagged)
}

/// Whether a run over `bytes` of input should stream: the in-memory run holds about 0.7
/// bytes per byte of log at its peak, against the memory this process may use (its cgroup's
/// limit or the machine's available memory, whichever is less).
pub fn too_large_for_memory(bytes: u64) -> bool {
    memory_available().is_some_and(|m| bytes.saturating_mul(7) / 10 > m)
}

/// The memory this process may still use, when the system says.
pub fn memory_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let cgroup = cgroup_limit(Path::new("/sys/fs/cgroup"));
    match (available, cgroup) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    }
}

/// The memory limit of this process's cgroup, less what it already uses: cgroup v2's
/// `memory.max`, or v1's `memory.limit_in_bytes` (Docker on older hosts).
fn cgroup_limit(root: &Path) -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let read = |p: PathBuf| -> Option<u64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, rel) = (parts.next()?, parts.next()?, parts.next()?);
        let rel = rel.trim_start_matches('/');
        let (max, used) = match controllers {
            "" => {
                let dir = root.join(rel);
                (
                    read(dir.join("memory.max")),
                    read(dir.join("memory.current")),
                )
            }
            c if c.split(',').any(|c| c == "memory") => {
                let dir = root.join("memory").join(rel);
                (
                    read(dir.join("memory.limit_in_bytes")),
                    read(dir.join("memory.usage_in_bytes")),
                )
            }
            _ => continue,
        };
        if let (Some(max), Some(used)) = (max, used) {
            return Some(max.saturating_sub(used));
        }
    }
    None
}
