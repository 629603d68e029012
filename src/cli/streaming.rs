//! `netsleuth detect --streaming`: the sources of a log larger than memory judged in two
//! passes over shards on disk (see [`crate::streaming`]), then its events scored in a third;
//! events_scored.csv, sources.csv and blocklist.csv are written as the in-memory run writes
//! them.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{json, Value};

use crate::detection::human_count;
use crate::ingest::{ReadOptions, ReadProgress};
use crate::report::{write_verdicts, OutputSet, Verdicts};
use crate::streaming::{detect_streaming, StreamingSettings};

use super::detect::DetectRequest;
use super::inspect::file_json;

/// Runs `detect` in two passes. Exit codes as `detect`'s.
pub fn run(
    req: &DetectRequest<'_>,
    options: &ReadOptions,
    streaming: &StreamingSettings,
) -> ExitCode {
    let Some(set) = req.begin() else {
        return ExitCode::FAILURE;
    };
    let run = match detect_streaming(
        req.files,
        options,
        &ReadProgress::default(),
        &req.settings,
        streaming,
        Some(&set.path("events_scored.csv")),
    ) {
        Ok(run) => run,
        Err(e) => {
            say!("{e}");
            say!("nothing written to {}", req.out.display());
            return ExitCode::FAILURE;
        }
    };
    finish(
        req,
        set,
        Finished {
            files: run.files,
            failures: run.failures,
            events: run.events,
            detection: run.detection,
            flagged_events: run.flagged_events,
            events_skipped: run.events_skipped,
            timings: run.timings,
            how: ("streaming", json!({ "shards": run.shards })),
            how_text: format!("in {} shards", run.shards),
        },
    )
}

/// What a run that judged the sources without holding the log brought.
pub(super) struct Finished {
    /// One report per file read.
    pub files: Vec<crate::ingest::FileReport>,
    /// Files that could not be read.
    pub failures: Vec<crate::ingest::ReadError>,
    /// Events read.
    pub events: u64,
    /// The verdicts.
    pub detection: crate::detection::Detection,
    /// Events flagged, when events_scored.csv was written.
    pub flagged_events: Option<usize>,
    /// Why events_scored.csv was not written, when it was asked for.
    pub events_skipped: Option<String>,
    /// Wall-clock time of the run's phases.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// How the run went, for the manifest and the JSON summary.
    pub how: (&'static str, Value),
    /// The same in words ("in 4 shards").
    pub how_text: String,
}

/// Writes sources.csv and blocklist.csv of a finished run into `set` and tells what was
/// found. Exit codes as `detect`'s.
pub(super) fn finish(req: &DetectRequest<'_>, set: OutputSet, run: Finished) -> ExitCode {
    super::say_losses_of(&run.files, &run.failures);
    let d = &run.detection;
    let threshold = req.settings.auto_block;
    let proposed = d.sources.iter().filter(|s| s.proposed_block).count();
    let reached = d.sources.iter().filter(|s| s.received_only).count();
    let sources = d.sources.len() - reached;
    let flagged = d
        .sources
        .iter()
        .filter(|s| s.confidence >= threshold / 2.0)
        .count();
    let written = write_verdicts(
        set,
        &Verdicts {
            files: &run.files,
            events: run.events,
            flagged_events: run.flagged_events,
            detection: d,
            threshold,
            how: run.how.clone(),
        },
    );
    if let Err(e) = written {
        say!("cannot write to {}: {e}", req.out.display());
        return ExitCode::FAILURE;
    }
    let mut timings = run.timings.clone();
    timings.extend(d.timings.iter().copied());
    let mut out = std::io::stdout().lock();
    let result = if req.json {
        let mut doc = json!({
            "events": run.events,
            "sources": sources,
            "reached": reached,
            "flagged_sources": flagged,
            "flagged_events": run.flagged_events,
            "events_not_scored": run.events_skipped,
            "volume_attacks": d.volume,
            "caveat": d.caveat,
            "proposed_blocks": proposed,
            "threshold": threshold,
            "out": req.out.display().to_string(),
            "files": run.files.iter().map(file_json).collect::<Vec<_>>(),
            "errors": run.failures.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        });
        doc[run.how.0] = run.how.1.clone();
        if req.timings {
            let t: serde_json::Map<String, Value> = timings
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v.as_secs_f64())))
                .collect();
            doc["timings"] = Value::Object(t);
        }
        writeln!(out, "{doc}")
    } else {
        let mut out = super::Terminal(&mut out);
        (|| {
            writeln!(
                out,
                "{} events from {} file(s) {}, {sources} sources{}: {}{flagged} sources \
                 flagged, {proposed} proposed for blocking (confidence ≥ {threshold})",
                human_count(run.events),
                run.files.len(),
                run.how_text,
                match reached {
                    0 => String::new(),
                    1 => " and 1 server they reached".to_string(),
                    n => format!(" and {n} servers they reached"),
                },
                run.flagged_events
                    .map(|n| format!("{n} events flagged, "))
                    .unwrap_or_default()
            )?;
            for v in &d.volume {
                writeln!(out, "  {}", v.summary)?;
            }
            if let Some(c) = &d.caveat {
                writeln!(out, "  note: {c}")?;
            }
            for line in super::detect::top_lines(d, threshold) {
                writeln!(out, "{line}")?;
            }
            match &run.events_skipped {
                None => writeln!(
                    out,
                    "wrote events_scored.csv, sources.csv, blocklist.csv to {}",
                    req.out.display()
                )?,
                Some(why) => writeln!(
                    out,
                    "wrote sources.csv, blocklist.csv to {} (events_scored.csv not written: {why})",
                    req.out.display()
                )?,
            }
            if req.timings {
                for (phase, d) in &timings {
                    writeln!(out, "  {phase:<14} {:>8.3} s", d.as_secs_f64())?;
                }
            }
            Ok(())
        })()
    };
    if let Err(code) = super::written(result) {
        return code;
    }
    super::loss_status(&run.files, &run.failures)
}
