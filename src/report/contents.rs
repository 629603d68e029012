//! What the incident report says, gathered once from a detection run and the analyst's
//! work, so that the HTML and Markdown renderings show the same figures.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::blocklist::Entry;
use crate::detection::{Detection, DetectionSettings, SourceVerdict};
use crate::evaluation::Evaluation;
use crate::events::{format_utc, EventTable};
use crate::ingest::FileReport;
use crate::investigation::Annotation;

/// Findings listed in the report.
pub const TOP_FINDINGS: usize = 10;

/// Bars of the timeline.
pub const TIMELINE_BINS: usize = 48;

/// Everything the report is made from.
pub struct ReportInput<'a> {
    /// The investigation's name, or the files'.
    pub title: String,
    /// The analyst's summary (Markdown, shown as text).
    pub summary: String,
    /// The events.
    pub table: &'a EventTable,
    /// One report per file read.
    pub files: &'a [FileReport],
    /// The detection run.
    pub detection: &'a Detection,
    /// Its settings.
    pub settings: &'a DetectionSettings,
    /// The scores against labels, when the files carry them.
    pub evaluation: Option<&'a Evaluation>,
    /// The analyst's verdicts and notes.
    pub annotations: &'a BTreeMap<IpAddr, Annotation>,
    /// The blocklist, with where each entry came from.
    pub blocklist: &'a [Entry],
    /// When the report is made, seconds since 1970.
    pub generated_at: i64,
    /// The query the window's views were narrowed by when the report was made, if any.
    pub query: Option<String>,
}

/// A source as the report lists it.
#[derive(Debug, Clone)]
pub struct ReportSource {
    /// The address.
    pub ip: String,
    /// Confidence, 0-100.
    pub confidence: f64,
    /// What it proposes: block, isolate, watch.
    pub action: String,
    /// Its role.
    pub role: String,
    /// Country and AS.
    pub place: String,
    /// Events.
    pub events: u64,
    /// Its worst finding's severity.
    pub severity: String,
    /// Its reasons, first first.
    pub reasons: Vec<String>,
    /// The evidence of its findings.
    pub evidence: Vec<String>,
    /// The analyst's verdict and note.
    pub analyst: Option<Annotation>,
}

/// One log file in the method section.
#[derive(Debug, Clone)]
pub struct ReportFile {
    /// Its path.
    pub path: String,
    /// The format it was read as.
    pub format: String,
    /// Events read, rows skipped.
    pub events: u64,
    /// Rows skipped.
    pub skipped: u64,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes (empty when it could not be read again).
    pub sha256: String,
}

/// What the report shows, computed once.
#[derive(Debug, Clone)]
pub struct Report {
    /// Title.
    pub title: String,
    /// The analyst's summary.
    pub summary: String,
    /// First and last event, as text.
    pub timeframe: Option<(String, String)>,
    /// The verdict in one sentence.
    pub verdict: String,
    /// KPI cards: label and value.
    pub kpis: Vec<(String, String)>,
    /// Events and anomalous events per bin, with the bins' start and width in µs.
    pub timeline: Vec<(u64, u64)>,
    /// The timeline's first bin start and bin width, µs.
    pub timeline_span: Option<(i64, i64)>,
    /// Sources with a position: (latitude, longitude, confidence, flagged).
    pub points: Vec<(f64, f64, f64, bool)>,
    /// Flagged sources per country, most first.
    pub countries: Vec<(String, u64)>,
    /// Flagged sources per AS organisation, most first.
    pub as_orgs: Vec<(String, u64)>,
    /// The top sources.
    pub top: Vec<ReportSource>,
    /// Anomalous events per destination port, most first.
    pub ports: Vec<(String, u64)>,
    /// Anomalous events per protocol, most first.
    pub protocols: Vec<(String, u64)>,
    /// Flagged sources per finding (or "statistics only"), most first.
    pub reasons: Vec<(String, u64)>,
    /// Volume attacks and the model's caveat.
    pub notes: Vec<String>,
    /// Evaluation rows: level, detector, ROC-AUC, precision, recall, FPR.
    pub evaluation: Vec<[String; 6]>,
    /// The blocklist: address, action, direction, reason, origin, files, added.
    pub blocklist: Vec<[String; 7]>,
    /// The files read.
    pub files: Vec<ReportFile>,
    /// Settings and detectors, as lines.
    pub method: Vec<String>,
    /// When it was made.
    pub generated: String,
}

impl Report {
    /// Gathers the report from `input`.
    pub fn gather(input: &ReportInput<'_>) -> Report {
        let d = input.detection;
        let t = input.table;
        let threshold = input.settings.auto_block;
        let flagged: Vec<&SourceVerdict> = d
            .ranked
            .iter()
            .map(|&i| &d.sources[i])
            .filter(|s| s.confidence >= threshold / 2.0)
            .collect();
        let proposed = d.sources.iter().filter(|s| s.proposed_block).count();
        let isolate = flagged
            .iter()
            .filter(|s| s.action == crate::detection::Action::Isolate)
            .count();
        let anomalous = d.event_flagged.iter().filter(|&&f| f).count() as u64;
        let times = || (0..t.len()).filter_map(|r| t.time_us(r));
        let (first, last) = (times().min(), times().max());
        let verdict = match (flagged.first(), isolate, proposed) {
            (None, _, _) => "No source reaches half the auto-block threshold.".to_string(),
            (Some(top), i, p) => {
                let mut parts = Vec::new();
                if i > 0 {
                    parts.push(format!("{i} internal host(s) to isolate and investigate"));
                }
                if p > 0 {
                    parts.push(format!("{p} address(es) proposed for blocking"));
                }
                let watch = flagged.len() - i.min(flagged.len());
                if parts.is_empty() {
                    parts.push(format!("{watch} address(es) to watch"));
                }
                format!(
                    "{}. Start with {} (confidence {:.0}).",
                    capitalise(&parts.join(", ")),
                    top.stats.ip,
                    top.confidence
                )
            }
        };
        let kpis = vec![
            ("events".to_string(), thousands(t.len() as u64)),
            ("anomalous events".to_string(), thousands(anomalous)),
            ("addresses".to_string(), thousands(d.sources.len() as u64)),
            (
                "flagged addresses".to_string(),
                thousands(flagged.len() as u64),
            ),
            ("proposed blocks".to_string(), thousands(proposed as u64)),
        ];
        let (timeline, timeline_span) = match (first, last) {
            (Some(a), Some(b)) => {
                let width = ((b - a) / TIMELINE_BINS as i64 + 1).max(1);
                let mut bins = vec![(0u64, 0u64); TIMELINE_BINS];
                for r in 0..t.len() {
                    if let Some(us) = t.time_us(r) {
                        let k = (((us - a) / width) as usize).min(TIMELINE_BINS - 1);
                        bins[k].0 += 1;
                        bins[k].1 += u64::from(d.event_flagged[r]);
                    }
                }
                (bins, Some((a, width)))
            }
            _ => (Vec::new(), None),
        };
        let points = d
            .sources
            .iter()
            .filter_map(|s| {
                let (lat, lon) = s.geo.as_ref()?.position?;
                Some((lat, lon, s.confidence, s.confidence >= threshold / 2.0))
            })
            .collect();
        let countries = ranked_counts(flagged.iter().filter_map(|s| s.country()));
        let as_orgs = ranked_counts(flagged.iter().filter_map(|s| {
            s.geo
                .as_ref()
                .and_then(|g| g.as_org.as_deref())
                .map(|o| o.to_string())
        }));
        let top = flagged
            .iter()
            .take(TOP_FINDINGS)
            .map(|s| ReportSource {
                ip: s.stats.ip.to_string(),
                confidence: s.confidence,
                action: match (&s.shared, s.action) {
                    (Some(_), crate::detection::Action::Block) => {
                        "block its names (a shared address)".to_string()
                    }
                    _ => s.action.name().to_string(),
                },
                role: s.role.name().to_string(),
                place: [
                    s.country().map(str::to_string),
                    s.as_text(),
                    s.shared.as_ref().map(|w| format!("shared: it {w}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                events: s.stats.events,
                severity: s.severity().map_or("–", |v| v.name()).to_string(),
                reasons: s.reasons.iter().take(4).cloned().collect(),
                evidence: s
                    .findings
                    .iter()
                    .flat_map(|f| f.evidence.iter().take(3).cloned())
                    .take(6)
                    .collect(),
                analyst: input.annotations.get(&s.stats.ip).cloned(),
            })
            .collect();
        let flagged_rows = || (0..t.len()).filter(|&r| d.event_flagged[r]);
        let ports = ranked_counts(
            flagged_rows().filter_map(|r| t.destination_port(r).map(|p| p.to_string())),
        );
        let protocols = ranked_counts(flagged_rows().filter_map(|r| {
            t.app_protocol(r)
                .or_else(|| t.transport(r))
                .map(str::to_string)
        }));
        let reasons = ranked_counts(flagged.iter().flat_map(|s| {
            let kinds: Vec<String> = s
                .findings
                .iter()
                .filter(|f| !f.context)
                .map(|f| f.kind.name().to_string())
                .collect();
            if kinds.is_empty() {
                vec!["statistics only".to_string()]
            } else {
                kinds
            }
        }));
        let mut notes: Vec<String> = d.volume.iter().map(|v| v.summary.clone()).collect();
        notes.extend(d.caveat.clone());
        let evaluation = input.evaluation.map(evaluation_rows).unwrap_or_default();
        let blocklist = input
            .blocklist
            .iter()
            .map(|e| {
                [
                    e.net.to_string(),
                    e.action.name().to_string(),
                    e.direction.name().to_string(),
                    e.reason.clone(),
                    e.origin.name().to_string(),
                    e.files
                        .iter()
                        .map(|f| {
                            Path::new(f)
                                .file_name()
                                .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned())
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    crate::blocklist::format_time(e.added_at),
                ]
            })
            .collect();
        let files = input
            .files
            .iter()
            .map(|f| {
                let (size, sha256) = hash(&f.path).unwrap_or_default();
                ReportFile {
                    path: f.path.display().to_string(),
                    format: f.kind_title(),
                    events: f.events,
                    skipped: f.skips.total(),
                    size,
                    sha256,
                }
            })
            .collect();
        let s = input.settings;
        let mut method = vec![
            format!("netsleuth {}", env!("CARGO_PKG_VERSION")),
            format!(
                "detectors: {}",
                s.detectors
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "auto-block threshold {:.0}, event threshold {:.2}, rules percentile {:.0}",
                s.auto_block, s.event_threshold, s.percentile
            ),
            format!(
                "forest: {} trees of {} points, seed {:#x}",
                s.forest.trees, s.forest.sample_size, s.seed
            ),
            match s.features.business_hours {
                Some(false) => "business hours: off".to_string(),
                _ => format!(
                    "business hours {:02}:00-{:02}:00 at UTC{:+}",
                    s.features.business_start_hour,
                    s.features.business_end_hour,
                    s.features.utc_offset_hours
                ),
            },
            if s.home.is_empty() {
                "home networks: the private ranges".to_string()
            } else {
                format!(
                    "home networks: {}",
                    s.home
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ];
        if let Some(q) = &input.query {
            method.push(format!(
                "query on in the window when this report was made: {} (the report covers \
                 every event; the query narrowed the window's views)",
                crate::export::sanitize::one_line(q, 200)
            ));
        }
        Report {
            title: input.title.clone(),
            summary: input.summary.clone(),
            timeframe: first.zip(last).map(|(a, b)| (format_utc(a), format_utc(b))),
            verdict,
            kpis,
            timeline,
            timeline_span,
            points,
            countries,
            as_orgs,
            top,
            ports,
            protocols,
            reasons,
            notes,
            evaluation,
            blocklist,
            files,
            method,
            generated: crate::blocklist::format_time(input.generated_at),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    crate::detection::human_count(n)
}

/// Counts of each value, most first (ties by value), at most 10.
fn ranked_counts<S: Into<String>>(values: impl Iterator<Item = S>) -> Vec<(String, u64)> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for v in values {
        *counts.entry(v.into()).or_default() += 1;
    }
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(10);
    out
}

fn evaluation_rows(e: &Evaluation) -> Vec<[String; 6]> {
    let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    let mut rows = Vec::new();
    for (level, l) in [("event", Some(&e.event)), ("source", e.source.as_ref())] {
        let Some(l) = l else {
            continue;
        };
        for (name, s) in &l.detectors {
            rows.push([
                level.to_string(),
                name.clone(),
                f(s.roc_auc),
                format!("{:.3}", s.precision),
                format!("{:.3}", s.recall),
                format!("{:.3}", s.fpr),
            ]);
        }
    }
    rows
}

/// The size and SHA-256 of the file at `path`, streamed.
fn hash(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    let digest = h.finalize();
    Ok((
        size,
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    ))
}
