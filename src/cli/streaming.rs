//! `netsleuth detect --streaming`: the sources of a log larger than memory judged in two
//! passes over shards on disk (see [`crate::streaming`]), then its events scored in a third;
//! events_scored.csv, sources.csv and blocklist.csv are written as the in-memory run writes
//! them.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{json, Value};

use crate::detection::{human_count, SourceVerdict};
use crate::ingest::{ReadOptions, ReadProgress};
use crate::report::{write_blocklist, write_sources, OutputSet};
use crate::streaming::{detect_streaming, StreamingSettings};

use super::detect::DetectRequest;
use super::inspect::file_json;

/// Runs `detect` in two passes. Exit codes as `detect`'s.
pub fn run(
    req: &DetectRequest<'_>,
    options: &ReadOptions,
    streaming: &StreamingSettings,
) -> ExitCode {
    let set = match OutputSet::begin(req.out, |holder| {
        say!("waiting for {} ({holder})", req.out.display());
    }) {
        Ok(set) => set,
        Err(e) => {
            say!("cannot write to {}: {e}", req.out.display());
            return ExitCode::FAILURE;
        }
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
    super::say_losses_of(&run.files, &run.failures);
    let d = &run.detection;
    let ranked: Vec<&SourceVerdict> = d.ranked.iter().map(|&i| &d.sources[i]).collect();
    let threshold = req.settings.auto_block;
    let proposed = d.sources.iter().filter(|s| s.proposed_block).count();
    let reached = d.sources.iter().filter(|s| s.received_only).count();
    let sources = d.sources.len() - reached;
    let flagged = d
        .sources
        .iter()
        .filter(|s| s.confidence >= threshold / 2.0)
        .count();
    let names: Vec<String> = run
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    let manifest = json!({
        "netsleuth": env!("CARGO_PKG_VERSION"),
        "written_at": crate::events::format_utc(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64),
        ),
        "inputs": names,
        "streaming": { "shards": run.shards },
        "events": run.events,
        "sources": sources,
        "reached": reached,
        "flagged_events": run.flagged_events,
        "proposed_blocks": proposed,
        "threshold": threshold,
    });
    let written = write_sources(&set.path("sources.csv"), &ranked)
        .and_then(|()| write_blocklist(&set.path("blocklist.csv"), &ranked))
        .and_then(|()| set.commit(&manifest));
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
            "streaming": { "shards": run.shards },
            "out": req.out.display().to_string(),
            "files": run.files.iter().map(file_json).collect::<Vec<_>>(),
            "errors": run.failures.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        });
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
                "{} events from {} file(s) in {} shards, {sources} sources{}: {}{flagged} sources \
                 flagged, {proposed} proposed for blocking (confidence ≥ {threshold})",
                human_count(run.events),
                run.files.len(),
                run.shards,
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
