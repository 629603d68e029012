//! `netsleuth detect`: read, score every event and source, write the CSVs, print a summary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde_json::{json, Value};

use crate::detection::{detect, Detection, DetectionSettings, SourceVerdict};
use crate::evaluation::{evaluate, Evaluation};
use crate::geo::{GeoInfo, PlacementCounts};
use crate::ingest::{read_files, ReadOptions, ReadProgress};
use crate::report::{write_blocklist, write_evaluation, write_events, write_sources, OutputSet};

use super::inspect::file_json;

/// What `detect` was asked to do.
pub struct DetectRequest<'a> {
    /// Input files.
    pub files: &'a [PathBuf],
    /// Where the CSVs go.
    pub out: &'a Path,
    /// Print JSON instead of text.
    pub json: bool,
    /// Print the time of each phase.
    pub timings: bool,
    /// Detection settings.
    pub settings: DetectionSettings,
}

/// The text lines of the most suspicious sources: a campaign is shown once, by its lead, with
/// the other members folded into one line under it.
pub(super) fn top_lines(d: &Detection, threshold: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut shown = Vec::new();
    for &i in &d.ranked {
        let s = &d.sources[i];
        if s.confidence < threshold / 2.0 || lines.len() >= 10 {
            break;
        }
        let campaign = s.campaign;
        if campaign.is_some() && shown.contains(&campaign) {
            continue;
        }
        shown.push(campaign);
        // A campaign is shown by its lead, whatever member ranks first.
        let s = campaign.map_or(s, |c| &d.sources[d.campaigns[c].members[0]]);
        lines.push(format!(
            "  {:>5.1}  {:<39} {:>8} {:<6}  {}",
            s.confidence,
            s.stats.ip,
            s.stats.events,
            if s.stats.events == 1 {
                "event"
            } else {
                "events"
            },
            s.reasons.first().map_or("", String::as_str)
        ));
        if let Some(shared) = &s.shared {
            lines.push(format!(
                "         not proposed by address: it {shared}{}",
                match s.names.len() {
                    0 => String::new(),
                    _ => "; its names go to the domain blocklist".to_string(),
                }
            ));
        }
        if let Some(c) = campaign.map(|c| &d.campaigns[c]) {
            let others: Vec<String> = c.addresses[1..].iter().map(|a| a.to_string()).collect();
            let listed = others
                .iter()
                .take(6)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = if others.len() > 6 { ", …" } else { "" };
            let nets = match c.networks {
                1 => "one network".to_string(),
                n => format!("{n} networks"),
            };
            lines.push(format!(
                "         + {} more with the same {} (from {nets} in all): {listed}{more}",
                others.len(),
                c.kind.name(),
            ));
        }
    }
    lines
}

/// A warning when attacks are most of the labelled items: an anomaly detector ranks the
/// rare class first, so on such files it points at the benign traffic and scores below 0.5.
fn majority_note(items: usize, malicious: usize) -> Option<String> {
    (items > 0 && malicious * 2 > items).then(|| {
        format!(
            "{:.0}% of the labelled items are malicious: anomaly detection ranks the rare \
             class first, so here it singles out the benign traffic (a ROC-AUC below 0.5 \
             means the attacks are the ordinary traffic of this file)",
            100.0 * malicious as f64 / items as f64
        )
    })
}

fn evaluation_text(out: &mut impl Write, e: &Evaluation) -> std::io::Result<()> {
    let levels = [("events", Some(&e.event)), ("sources", e.source.as_ref())];
    for (name, level) in levels {
        let Some(level) = level else { continue };
        writeln!(
            out,
            "evaluation per {name} ({} labelled, {} malicious):",
            level.items, level.malicious
        )?;
        if let Some(note) = majority_note(level.items, level.malicious) {
            writeln!(out, "  note: {note}")?;
        }
        writeln!(
            out,
            "  {:<10} {:>7} {:>7} {:>9} {:>7} {:>7} {:>7}",
            "detector", "ROC-AUC", "AP", "precision", "recall", "F1", "FPR"
        )?;
        for (det, c) in &level.detectors {
            let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"));
            writeln!(
                out,
                "  {det:<10} {:>7} {:>7} {:>9.3} {:>7.3} {:>7.3} {:>7.3}",
                f(c.roc_auc),
                f(c.average_precision),
                c.precision,
                c.recall,
                c.f1,
                c.fpr
            )?;
        }
        if let Some(c) = level
            .detectors
            .get("default")
            .filter(|c| c.classes.len() > 1)
        {
            writeln!(out, "  flagged by the default verdict, per labelled class:")?;
            let width = c.classes.iter().map(|k| k.class.chars().count()).max();
            let width = width.unwrap_or(0).clamp(8, 40);
            for k in &c.classes {
                writeln!(
                    out,
                    "    {:<width$} {:>6} {:>8} of {:>8} ({:.1}%)",
                    k.class,
                    if k.malicious { "attack" } else { "benign" },
                    k.flagged,
                    k.items,
                    100.0 * k.share()
                )?;
            }
        }
    }
    Ok(())
}

/// A source's place for `--json`.
fn geo_json(g: &GeoInfo) -> Value {
    json!({
        "country": g.country,
        "city": g.city,
        "subdivision": g.subdivision,
        "asn": g.asn,
        "as_org": g.as_org,
        "latitude": g.position.map(|p| (p.0 * 1e4).round() / 1e4),
        "longitude": g.position.map(|p| (p.1 * 1e4).round() / 1e4),
        "placement": g.placement.name(),
    })
}

impl DetectRequest<'_> {
    /// Takes the output folder, saying so while another run holds it; `None`, said, when it
    /// cannot be written.
    pub fn begin(&self) -> Option<OutputSet> {
        OutputSet::begin(self.out, |holder| {
            say!("waiting for {} ({holder})", self.out.display());
        })
        .map_err(|e| say!("cannot write to {}: {e}", self.out.display()))
        .ok()
    }
}

/// Runs `detect`. Exit 1 when nothing could be read or the outputs could not be written, 2
/// when they were written from what could be read but something was lost (see `read_status`).
pub fn run(req: &DetectRequest<'_>, options: &ReadOptions) -> ExitCode {
    // Taken first: a folder that cannot hold the outputs is said before minutes of work, and
    // runs on one folder take turns.
    let Some(set) = req.begin() else {
        return ExitCode::FAILURE;
    };
    let t = Instant::now();
    let inv = match read_files(req.files, options, &ReadProgress::default()) {
        Ok(inv) => inv,
        Err(e) => {
            say!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let read_time = t.elapsed();
    super::say_losses(&inv);
    // Results of an earlier run in --out are worth more than empty files.
    if inv.table.is_empty() {
        say!(
            "no event was read; nothing written to {}",
            req.out.display()
        );
        return ExitCode::FAILURE;
    }
    let never = AtomicBool::new(false);
    let mut settings = req.settings.clone();
    let formats: Vec<_> = inv.files.iter().map(|f| f.format).collect();
    settings.features = settings.features.resolve(&formats);
    let Ok(mut d) = detect(&inv.table, &settings, &never) else {
        unreachable!("detection without a cancel flag always completes")
    };
    for w in d.events.warnings.iter().chain(&d.source_scores.warnings) {
        say!("{w}");
    }
    let t = Instant::now();
    let evaluation = evaluate(&inv.table, &d);
    d.timings.push(("evaluate", t.elapsed()));
    let t = Instant::now();
    let names: Vec<String> = inv
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    let ranked: Vec<&SourceVerdict> = d.ranked.iter().map(|&i| &d.sources[i]).collect();
    let threshold = req.settings.auto_block;
    let flagged_events = d.event_flagged.iter().filter(|&&f| f).count();
    let proposed = d.sources.iter().filter(|s| s.proposed_block).count();
    let reached = d.sources.iter().filter(|s| s.received_only).count();
    let sources = d.sources.len() - reached;
    let manifest = json!({
        "netsleuth": env!("CARGO_PKG_VERSION"),
        "written_at": crate::report::written_at(),
        "inputs": names,
        "events": inv.table.len(),
        "sources": sources,
        "reached": reached,
        "flagged_events": flagged_events,
        "proposed_blocks": proposed,
        "threshold": threshold,
    });
    let written = write_events(&set.path("events_scored.csv"), &inv.table, &d, &names, None)
        .and_then(|()| write_sources(&set.path("sources.csv"), &ranked))
        .and_then(|()| write_blocklist(&set.path("blocklist.csv"), &ranked))
        .and_then(|()| match &evaluation {
            Some(e) => write_evaluation(&set.path("evaluation.csv"), e),
            None => Ok(()),
        })
        .and_then(|()| set.commit(&manifest));
    if let Err(e) = written {
        say!("cannot write to {}: {e}", req.out.display());
        return ExitCode::FAILURE;
    }
    let mut timings = vec![("read", read_time)];
    timings.extend(d.timings.iter().copied());
    timings.push(("write", t.elapsed()));

    let flagged_sources = d
        .sources
        .iter()
        .filter(|s| s.confidence >= threshold / 2.0)
        .count();
    let placement = settings.geo.as_ref().map(|l| {
        let counts = PlacementCounts::of(d.sources.iter().filter_map(|s| s.geo.as_ref()));
        let dbs: Vec<String> = l
            .databases()
            .map(|i| i.path.display().to_string())
            .collect();
        let with_asn = d
            .sources
            .iter()
            .filter(|s| s.geo.as_ref().is_some_and(|g| g.asn.is_some()))
            .count();
        (counts, with_asn, dbs)
    });
    let mut out = std::io::stdout().lock();
    let result = if req.json {
        let mut doc = json!({
            "events": inv.table.len(),
            "sources": sources,
            "reached": reached,
            "flagged_events": flagged_events,
            "flagged_sources": flagged_sources,
            "proposed_blocks": proposed,
            "threshold": threshold,
            "out": req.out.display().to_string(),
            "files": inv.files.iter().map(file_json).collect::<Vec<_>>(),
            "errors": inv.failures.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            "geoip": placement.map(|(c, with_asn, dbs)| json!({
                "databases": dbs,
                "at_coordinates": c.located,
                "at_country_point": c.country,
                "internal": c.internal,
                "unlocated": c.unlocated,
                "with_asn": with_asn,
            })),
            "volume_attacks": d.volume,
            "caveat": d.caveat,
            "campaigns": d.campaigns.iter().map(|c| json!({
                "kind": c.kind,
                "name": c.kind.name(),
                "summary": c.summary,
                "networks": c.networks,
                "addresses": c.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "top_sources": ranked.iter().take(10).map(|s| json!({
                "ip": s.stats.ip.to_string(),
                "campaign": s.campaign,
                "country": s.geo.as_ref().and_then(|g| g.country.clone()).or(s.stats.country.clone()),
                "country_logged": s.stats.country,
                "geo": s.geo.as_ref().map(geo_json),
                "events": s.stats.events,
                "confidence": (s.confidence * 10.0).round() / 10.0,
                "verdict": s.action.name(),
                "role": s.role.name(),
                "direction": s.direction.map(|d| d.name()),
                "infrastructure": s.infrastructure,
                "shared": s.shared,
                "proposed_block": s.proposed_block,
                "received_only": s.received_only,
                "severity": s.severity(),
                "findings": s.findings.iter().map(|f| json!({
                    "kind": f.kind,
                    "name": f.kind.name(),
                    "technique": f.technique,
                    "severity": f.severity,
                    "context": f.context,
                    "summary": f.summary,
                    "evidence": f.evidence,
                    "events": f.rows.len(),
                })).collect::<Vec<_>>(),
                "reasons": s.reasons,
            })).collect::<Vec<_>>(),
            "evaluation": evaluation,
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
                "{} events from {} file(s), {sources} sources{}: {flagged_events} events flagged, \
                 {flagged_sources} sources flagged, {proposed} proposed for blocking (confidence ≥ {threshold})",
                inv.table.len(),
                inv.files.len(),
                match reached {
                    0 => String::new(),
                    1 => " and 1 server they reached".to_string(),
                    n => format!(" and {n} servers they reached"),
                }
            )?;
            for v in &d.volume {
                writeln!(out, "  {}", v.summary)?;
            }
            if let Some(c) = &d.caveat {
                writeln!(out, "  note: {c}")?;
            }
            for line in top_lines(&d, threshold) {
                writeln!(out, "{line}")?;
            }
            if let Some((c, with_asn, dbs)) = &placement {
                writeln!(
                    out,
                    "GeoIP: {} of {} public sources placed ({} at the database's coordinates, {} at \
                     their country's point), {} internal, AS known for {}; {}",
                    c.located + c.country,
                    c.located + c.country + c.unlocated,
                    c.located,
                    c.country,
                    c.internal,
                    with_asn,
                    dbs.join(", ")
                )?;
            }
            if let Some(e) = &evaluation {
                evaluation_text(&mut out, e)?;
            }
            writeln!(
                out,
                "wrote events_scored.csv, sources.csv, blocklist.csv to {}",
                req.out.display()
            )?;
            if req.timings {
                for (phase, d) in &timings {
                    writeln!(out, "  {phase:<9} {:>8.3} s", d.as_secs_f64())?;
                }
            }
            Ok(())
        })()
    };
    if let Err(code) = super::written(result) {
        return code;
    }
    super::read_status(&inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_majority_of_attacks_is_named() {
        // KDD Cup 99's 10% file: 396,743 of 494,021 events are attacks.
        let note = majority_note(494_021, 396_743).unwrap();
        assert!(
            note.starts_with("80% of the labelled items are malicious"),
            "{note}"
        );
        assert!(majority_note(100, 50).is_none());
        assert!(majority_note(0, 0).is_none());
    }
}
