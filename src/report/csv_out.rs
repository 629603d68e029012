//! CSV outputs of a detection run. Every text value that came from a log passes through
//! [`spreadsheet_safe`], so opening the files in a spreadsheet never evaluates a formula.

use std::borrow::Cow;
use std::fs;
use std::io::{self, BufWriter};
use std::path::Path;

use crate::detection::SourceVerdict;
use crate::events::format_utc;
use crate::session::write_atomic_with;

/// Neutralises spreadsheet formula injection: text whose first character other than white
/// space (spaces, tabs, newlines, no-break spaces) is `=`, `+`, `-`, `@` or one of their
/// full-width look-alikes, or that starts with a tab or carriage return, gets a leading
/// apostrophe, which spreadsheets show as plain text.
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    let starts_formula = matches!(s.chars().next(), Some('\t' | '\r'))
        || matches!(
            s.trim_start().chars().next(),
            Some('=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠')
        );
    if starts_formula {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`write_atomic_with`] through a CSV writer.
fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut csv::Writer<&mut BufWriter<fs::File>>) -> csv::Result<()>,
) -> io::Result<()> {
    write_atomic_with(path, |file| {
        let mut w = csv::Writer::from_writer(file);
        fill(&mut w).map_err(io::Error::other)?;
        w.flush()
    })
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn safe(v: Option<&str>) -> String {
    v.map_or_else(String::new, |s| spreadsheet_safe(s).into_owned())
}

/// Writes the evaluation against labels: a row per level (events, sources) and detector (the
/// combined verdict `default` first) with ROC-AUC, average precision, precision, recall, F1
/// and false-positive rate of its verdict, the false-positive rate at 90% recall, its items
/// and flagged count and its training and scoring seconds; then, for each, a row per labelled
/// class with its items and how many the verdict flagged (the metric columns empty).
pub fn write_evaluation(path: &Path, e: &crate::evaluation::Evaluation) -> io::Result<()> {
    let f = |v: f64| format!("{v:.6}");
    write_atomic(path, |w| {
        w.write_record([
            "level",
            "detector",
            "class",
            "malicious",
            "items",
            "flagged",
            "roc_auc",
            "average_precision",
            "precision",
            "recall",
            "f1",
            "fpr",
            "fpr_at_90_recall",
            "train_s",
            "score_s",
        ])?;
        let levels = [("event", Some(&e.event)), ("source", e.source.as_ref())];
        for (level, ev) in levels {
            let Some(ev) = ev else { continue };
            let names = std::iter::once("default").chain(
                ev.detectors
                    .keys()
                    .map(String::as_str)
                    .filter(|n| *n != "default"),
            );
            for name in names {
                let Some(c) = ev.detectors.get(name) else {
                    continue;
                };
                let k = &c.confusion;
                w.write_record([
                    level.to_string(),
                    name.to_string(),
                    String::new(),
                    String::new(),
                    ev.items.to_string(),
                    (k.tp + k.fp).to_string(),
                    opt(c.roc_auc.map(f)),
                    opt(c.average_precision.map(f)),
                    f(c.precision),
                    f(c.recall),
                    f(c.f1),
                    f(c.fpr),
                    opt(c.fpr_at_recall.map(f)),
                    opt(c.seconds.map(|s| f(s[0]))),
                    opt(c.seconds.map(|s| f(s[1]))),
                ])?;
                for class in &c.classes {
                    let mut row = vec![
                        level.to_string(),
                        name.to_string(),
                        spreadsheet_safe(&class.class).into_owned(),
                        class.malicious.to_string(),
                        class.items.to_string(),
                        class.flagged.to_string(),
                    ];
                    row.resize(15, String::new());
                    w.write_record(&row)?;
                }
            }
        }
        Ok(())
    })
}

/// Writes one row per source: address, where it is (GeoIP country, city, region, AS,
/// coordinates, and the country its log gave), counts, time range, confidence, verdict, role,
/// direction, why the address is shared by many sites (never proposed then), findings and
/// reasons, most suspicious first. `country` is GeoIP's when known, else the logged one.
pub fn write_sources(path: &Path, sources: &[&SourceVerdict]) -> io::Result<()> {
    write_atomic(path, |w| {
        w.write_record([
            "ip",
            "country",
            "city",
            "region",
            "asn",
            "as_org",
            "latitude",
            "longitude",
            "placement",
            "country_logged",
            "events",
            "first_seen",
            "last_seen",
            "confidence",
            "verdict",
            "role",
            "direction",
            "shared",
            "severity",
            "findings",
            "reasons",
        ])?;
        for s in sources {
            let g = s.geo.as_ref();
            let position = g.and_then(|g| g.position);
            w.write_record([
                s.stats.ip.to_string(),
                safe(s.country()),
                safe(g.and_then(|g| g.city.as_deref())),
                safe(g.and_then(|g| g.subdivision.as_deref())),
                opt(g.and_then(|g| g.asn)),
                safe(g.and_then(|g| g.as_org.as_deref())),
                opt(position.map(|p| format!("{:.4}", p.0))),
                opt(position.map(|p| format!("{:.4}", p.1))),
                g.map_or("", |g| g.placement.name()).to_string(),
                safe(s.stats.country.as_deref()),
                s.stats.events.to_string(),
                opt(s.stats.first_us.map(format_utc)),
                opt(s.stats.last_us.map(format_utc)),
                format!("{:.1}", s.confidence),
                s.action.name().to_string(),
                s.role.name().to_string(),
                s.direction.map_or("", |d| d.name()).to_string(),
                safe(s.shared.as_deref()),
                s.severity().map_or("", |v| v.name()).to_string(),
                spreadsheet_safe(&findings_text(s)).into_owned(),
                spreadsheet_safe(&s.reasons.join("; ")).into_owned(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}

/// The findings of a source in one cell: "Malware download (T1105, critical); ...".
fn findings_text(s: &SourceVerdict) -> String {
    s.findings
        .iter()
        .map(|f| format!("{} ({}, {})", f.kind.name(), f.technique, f.severity))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes the sources proposed for blocking, in the order given (triage order): address,
/// confidence, worst finding's severity, findings, first and last seen, country, reasons and the
/// direction the block takes.
pub fn write_blocklist(path: &Path, sources: &[&SourceVerdict]) -> io::Result<()> {
    write_atomic(path, |w| {
        w.write_record([
            "ip",
            "confidence",
            "severity",
            "findings",
            "first_seen",
            "last_seen",
            "country",
            "reasons",
            "direction",
        ])?;
        for s in sources.iter().filter(|s| s.proposed_block) {
            w.write_record([
                s.stats.ip.to_string(),
                format!("{:.1}", s.confidence),
                s.severity().map_or("", |v| v.name()).to_string(),
                spreadsheet_safe(&findings_text(s)).into_owned(),
                opt(s.stats.first_us.map(format_utc)),
                opt(s.stats.last_us.map(format_utc)),
                safe(s.country()),
                spreadsheet_safe(&s.reasons.join("; ")).into_owned(),
                s.direction.unwrap_or_default().name().to_string(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}

/// Now, as a run's manifest says when it was written.
pub fn written_at() -> String {
    format_utc(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64),
    )
}

/// A run that judged the sources only (streaming, or on a query engine), for its outputs.
pub struct Verdicts<'a> {
    /// The files read.
    pub files: &'a [crate::ingest::FileReport],
    /// Events read.
    pub events: u64,
    /// Events flagged, when the events were scored.
    pub flagged_events: Option<usize>,
    /// The verdicts.
    pub detection: &'a crate::detection::Detection,
    /// The confidence at which a source is proposed for blocking.
    pub threshold: f64,
    /// How it ran: its key in the manifest and what is said there.
    pub how: (&'a str, serde_json::Value),
}

/// Writes `sources.csv` and `blocklist.csv` of `run` into `set` (sources in triage order),
/// then its manifest, and puts the set in place.
pub fn write_verdicts(set: super::OutputSet, run: &Verdicts<'_>) -> io::Result<()> {
    let d = run.detection;
    let ranked: Vec<&SourceVerdict> = d.ranked.iter().map(|&i| &d.sources[i]).collect();
    let reached = d.sources.iter().filter(|s| s.received_only).count();
    let names: Vec<String> = run
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    let mut manifest = serde_json::json!({
        "netsleuth": env!("CARGO_PKG_VERSION"),
        "written_at": written_at(),
        "inputs": names,
        "events": run.events,
        "sources": d.sources.len() - reached,
        "reached": reached,
        "flagged_events": run.flagged_events,
        "proposed_blocks": d.sources.iter().filter(|s| s.proposed_block).count(),
        "threshold": run.threshold,
    });
    manifest[run.how.0] = run.how.1.clone();
    write_sources(&set.path("sources.csv"), &ranked)?;
    write_blocklist(&set.path("blocklist.csv"), &ranked)?;
    set.commit(&manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-cmd"), "'-cmd");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        for s in [
            " =1+1",
            "\n=1+1",
            "\u{a0}=1+1",
            "＝1+1",
            "\u{3000}＋1",
            "＠A1",
            " \r\n-2",
        ] {
            assert_eq!(spreadsheet_safe(s), format!("'{s}"), "{s:?}");
        }
        assert_eq!(spreadsheet_safe(" GET = /"), " GET = /");
        assert_eq!(spreadsheet_safe("GET /"), "GET /");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
