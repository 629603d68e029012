//! Detection on a stream of lines: the lines of a live source are kept for a retention window
//! (a number of lines, so that memory stays bounded however long the stream runs), detection
//! runs over that window when asked, and alerts are raised, each once per source, rule and
//! quiet period: by a source proposed for blocking with something it did named (a finding, not
//! unusual statistics alone), by a finding of a kind chosen to alert whatever the confidence,
//! and by a source a threat list names.
//!
//! Each run reads the window afresh and trains on it, so its verdicts are those the file of
//! the same lines would get; incremental scoring between runs is for later.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;

use crate::blocklist::{reason_of, Direction};
use crate::detection::behaviour::FindingKind;
use crate::detection::{detect, DetectionSettings};
use crate::events::EventTable;
use crate::ingest::{read_bytes, ReadError, ReadOptions};

/// How a stream is judged.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Detection's settings (the blocking threshold among them).
    pub detection: DetectionSettings,
    /// Lines kept for detection; older ones leave the window.
    pub retention: usize,
    /// After an alert on a source, none again on it for this long (microseconds).
    pub quiet_us: i64,
    /// The lines' format (when known; else the first batch's bytes tell), line limits and
    /// the like, as for files.
    pub read: ReadOptions,
    /// Finding kinds that raise an alert whatever the source's confidence (a successful
    /// login, commands, beaconing, a worm).
    pub finding_alerts: Vec<FindingKind>,
    /// Whether a source named by a threat list raises an alert.
    pub intel_alerts: bool,
}

/// Why an alert was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertRule {
    /// The source's confidence reached the blocking threshold (with something it did named).
    Threshold,
    /// The source got a finding of a kind chosen to alert.
    Finding(FindingKind),
    /// A threat list names the source.
    ThreatList,
}

impl AlertRule {
    /// The rule's name in logs: `threshold`, `finding:valid_login`, `threat_list`.
    pub fn id(self) -> String {
        match self {
            AlertRule::Threshold => "threshold".into(),
            AlertRule::Finding(k) => format!(
                "finding:{}",
                serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
            AlertRule::ThreatList => "threat_list".into(),
        }
    }
}

/// A source that needs attention now.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The rule that raised it.
    pub rule: AlertRule,
    /// The source.
    pub ip: IpAddr,
    /// Its confidence (0-100).
    pub confidence: f64,
    /// Its findings, in words.
    pub findings: Vec<String>,
    /// Its first reason.
    pub reason: Option<String>,
    /// What a blocklist entry for it says: its findings, else its top reason.
    pub summary: String,
    /// Which traffic blocking it stops.
    pub direction: Direction,
    /// Its events in the window.
    pub events: u64,
    /// When it was raised (microseconds since the epoch).
    pub at_us: i64,
}

/// Counts of a stream so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamCounts {
    /// Lines taken.
    pub lines: u64,
    /// Lines that left the window.
    pub expired: u64,
    /// Lines the format reader skipped in the last run.
    pub skipped: u64,
    /// Detection runs.
    pub runs: u64,
}

/// A stream being judged.
#[derive(Debug)]
pub struct Stream {
    settings: StreamSettings,
    window: VecDeque<Vec<u8>>,
    /// When each source last raised an alert under each rule (`IP RULE`).
    alerted: HashMap<String, i64>,
    /// Counts so far.
    pub counts: StreamCounts,
}

impl Stream {
    /// A stream judged with `settings`.
    pub fn new(settings: StreamSettings) -> Stream {
        Stream {
            window: VecDeque::with_capacity(settings.retention.min(1 << 16)),
            settings,
            alerted: HashMap::new(),
            counts: StreamCounts::default(),
        }
    }

    /// Takes new lines, letting the oldest leave the window.
    pub fn push(&mut self, lines: impl IntoIterator<Item = Vec<u8>>) {
        for line in lines {
            self.counts.lines += 1;
            self.window.push_back(line);
            if self.window.len() > self.settings.retention {
                self.window.pop_front();
                self.counts.expired += 1;
            }
        }
    }

    /// When each source last raised an alert under each rule (`IP RULE`, microseconds since
    /// the epoch), to keep across a restart.
    pub fn alerted(&self) -> &HashMap<String, i64> {
        &self.alerted
    }

    /// Takes back what [`Stream::alerted`] gave before a restart.
    pub fn restore_alerted(&mut self, alerted: HashMap<String, i64>) {
        self.alerted = alerted;
    }

    /// Lines the window keeps at most.
    pub fn retention(&self) -> usize {
        self.settings.retention
    }

    /// Lines in the window.
    pub fn retained(&self) -> usize {
        self.window.len()
    }

    /// Runs detection over the window and returns the alerts it raises at `now_us`.
    pub fn detect(&mut self, now_us: i64) -> Result<Vec<Alert>, String> {
        let mut bytes = Vec::with_capacity(self.window.iter().map(|l| l.len() + 1).sum());
        for l in &self.window {
            bytes.extend_from_slice(l);
            bytes.push(b'\n');
        }
        let mut table = EventTable::default();
        let read = read_bytes(
            &bytes,
            self.settings.read.format,
            0,
            &mut table,
            &self.settings.read,
        )
        .map_err(|problem| {
            ReadError::Format {
                path: "the stream".into(),
                problem,
            }
            .to_string()
        })?;
        // The window is read in the format the first batch showed from then on.
        self.settings.read.format.get_or_insert(read.format);
        self.counts.skipped = read.skips.total();
        self.counts.runs += 1;
        let mut settings = self.settings.detection.clone();
        settings.features = settings.features.resolve(&[read.format]);
        let d = detect(&table, &settings, &AtomicBool::new(false))
            .map_err(|_| "detection was cancelled".to_owned())?;
        let threshold = settings.auto_block;
        let mut alerts = Vec::new();
        for s in &d.sources {
            let did: Vec<FindingKind> = s
                .findings
                .iter()
                .filter(|f| !f.context)
                .map(|f| f.kind)
                .collect();
            let mut rules = Vec::new();
            // A window is a small sample of what is usual: a source unusual only in its
            // statistics, with nothing it did to name, wakes nobody.
            if s.confidence >= threshold && s.proposed_block && !did.is_empty() {
                rules.push(AlertRule::Threshold);
            }
            for k in &self.settings.finding_alerts {
                if did.contains(k) {
                    rules.push(AlertRule::Finding(*k));
                }
            }
            if self.settings.intel_alerts && did.contains(&FindingKind::ThreatIntel) {
                rules.push(AlertRule::ThreatList);
            }
            let ip = s.stats.ip;
            for rule in rules {
                let key = format!("{ip} {}", rule.id());
                let quiet = self
                    .alerted
                    .get(&key)
                    .is_some_and(|&at| now_us - at < self.settings.quiet_us);
                if quiet {
                    continue;
                }
                self.alerted.insert(key, now_us);
                alerts.push(Alert {
                    rule,
                    ip,
                    confidence: s.confidence,
                    findings: s
                        .findings
                        .iter()
                        .map(|f| f.kind.name().to_owned())
                        .collect(),
                    reason: s.reasons.first().cloned(),
                    summary: reason_of(s),
                    direction: s.direction.unwrap_or_default(),
                    events: s.stats.events,
                    at_us: now_us,
                });
            }
        }
        alerts.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.ip.cmp(&b.ip)));
        Ok(alerts)
    }
}
