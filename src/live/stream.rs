//! Detection on a stream of lines: the lines of a live source are read into events as they
//! come (in the format the first batch shows, a header line such as a CSV's kept to read every
//! later batch with), the events are kept for a retention window (a number of events, so that
//! memory stays bounded however long the stream runs), detection runs over that window when
//! asked, and alerts are raised, each once per source, rule and quiet period: by a source
//! proposed for blocking with something it did named (a finding, not unusual statistics
//! alone), by a finding of a kind chosen to alert whatever the confidence, and by a source a
//! threat list names.
//!
//! Each run trains on the window as it is, so its verdicts are those the file of the same
//! lines would get, and the model follows the traffic as the window rolls.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;

use crate::blocklist::{reason_of, Direction};
use crate::detection::behaviour::FindingKind;
use crate::detection::{detect, Detection, DetectionSettings};
use crate::events::{EventTable, FieldSet};
use crate::ingest::{
    read_bytes, FileReport, Format, Investigation, ReadError, ReadOptions, SkipLog,
};

/// How a stream is judged.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Detection's settings (the blocking threshold among them).
    pub detection: DetectionSettings,
    /// Events kept for detection; older ones leave the window.
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
    /// Its events since the stream started (those that left the window too).
    pub events_total: u64,
    /// When it was raised (microseconds since the epoch).
    pub at_us: i64,
}

/// Counts of a stream so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamCounts {
    /// Lines taken.
    pub lines: u64,
    /// Events read from them.
    pub events: u64,
    /// Events that left the window.
    pub expired: u64,
    /// Lines the format reader skipped (or could not place in any format).
    pub skipped: u64,
    /// Detection runs.
    pub runs: u64,
}

/// What a source did since the stream started, kept when its events leave the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceTotals {
    /// Its events.
    pub events: u64,
    /// Its first and last event times (microseconds since the epoch), when timed.
    pub first_us: Option<i64>,
    /// Its last event time.
    pub last_us: Option<i64>,
}

/// Sources whose totals are kept at most; the events of sources beyond are counted together.
const TOTALS_MAX: usize = 2_000_000;

/// Bytes of header lines kept to read later batches with, at most.
const PREAMBLE_MAX: usize = 64 * 1024;

/// Whether a format's files open with a header that later lines need (a CSV's column names,
/// Zeek's `#fields`): a stream keeps those lines and reads every batch after them.
fn has_header(format: Format) -> bool {
    !matches!(
        format,
        Format::SuricataEve
            | Format::Cowrie
            | Format::Dionaea
            | Format::ZeekJson
            | Format::AccessLog
            | Format::NslKdd
            | Format::Kdd99
    )
}

/// A stream being judged.
#[derive(Debug)]
pub struct Stream {
    settings: StreamSettings,
    /// The events read so far; those before `start` have left the window.
    table: EventTable,
    start: usize,
    /// The header lines every batch is read after.
    preamble: Vec<u8>,
    /// Fields the lines provided, and the lines skipped with why.
    fields: FieldSet,
    skips: SkipLog,
    /// Why the last batch could not be read at all, if it could not.
    problem: Option<String>,
    /// When each source last raised an alert under each rule (`IP RULE`).
    alerted: HashMap<String, i64>,
    /// What each source did since the start.
    totals: HashMap<IpAddr, SourceTotals>,
    /// Events of sources beyond [`TOTALS_MAX`].
    untallied: u64,
    /// Counts so far.
    pub counts: StreamCounts,
}

impl Stream {
    /// A stream judged with `settings`.
    pub fn new(settings: StreamSettings) -> Stream {
        Stream {
            settings,
            table: EventTable::default(),
            start: 0,
            preamble: Vec::new(),
            fields: FieldSet::default(),
            skips: SkipLog::default(),
            problem: None,
            alerted: HashMap::new(),
            totals: HashMap::new(),
            untallied: 0,
            counts: StreamCounts::default(),
        }
    }

    /// Adds the events from row `from` on to the sources' totals.
    fn tally(&mut self, from: usize) {
        for r in from..self.table.len() {
            let Some(ip) = self.table.source_ip(r) else {
                continue;
            };
            let full = self.totals.len() >= TOTALS_MAX;
            let t = match self.totals.get_mut(&ip) {
                Some(t) => t,
                None if full => {
                    self.untallied += 1;
                    continue;
                }
                None => self.totals.entry(ip).or_default(),
            };
            t.events += 1;
            if let Some(us) = self.table.time_us(r) {
                t.first_us = Some(t.first_us.map_or(us, |f| f.min(us)));
                t.last_us = Some(t.last_us.map_or(us, |l| l.max(us)));
            }
        }
    }

    /// What each source did since the stream started (the first two million sources), and
    /// the events of the sources beyond.
    pub fn totals(&self) -> (&HashMap<IpAddr, SourceTotals>, u64) {
        (&self.totals, self.untallied)
    }

    /// Takes new lines: reads them into events, letting the oldest leave the window. A batch
    /// in no format known is counted as skipped with why ([`Stream::problem`]); the stream
    /// goes on.
    pub fn push(&mut self, lines: impl IntoIterator<Item = Vec<u8>>) {
        let mut bytes = self.preamble.clone();
        let mut n = 0u64;
        for line in lines {
            n += 1;
            bytes.extend_from_slice(&line);
            bytes.push(b'\n');
        }
        if n == 0 {
            return;
        }
        self.counts.lines += n;
        let before = self.table.len();
        let format = self.settings.read.format;
        match read_bytes(&bytes, format, 0, &mut self.table, &self.settings.read) {
            Ok(read) => {
                self.problem = None;
                if format.is_none() {
                    // The format the first batch showed is the stream's from then on, and
                    // its header lines are read before every later batch.
                    self.settings.read.format = Some(read.format);
                    let first = (self.table.len() > before).then(|| self.table.line(before));
                    if let (true, Some(line)) = (has_header(read.format), first) {
                        let head: Vec<u8> = bytes
                            .split_inclusive(|&b| b == b'\n')
                            .take(line.saturating_sub(1) as usize)
                            .flatten()
                            .copied()
                            .collect();
                        if head.len() <= PREAMBLE_MAX {
                            self.preamble = head;
                        }
                    }
                }
                self.counts.skipped += read.skips.total();
                self.fields = self.fields.union(read.fields);
                self.skips.merge(read.skips);
            }
            Err(problem) => {
                self.counts.skipped += n;
                let named = ReadError::Format {
                    path: "the stream".into(),
                    problem,
                };
                self.problem = Some(named.to_string());
            }
        }
        self.counts.events += (self.table.len() - before) as u64;
        self.took(before);
    }

    /// Counts the events from row `before` on into the sources' totals and lets the oldest
    /// leave the window.
    fn took(&mut self, before: usize) {
        self.tally(before);
        let over = (self.table.len() - self.start).saturating_sub(self.settings.retention);
        self.start += over;
        self.counts.expired += over as u64;
        // The events that left are dropped once they are as many as those kept.
        if self.start > self.settings.retention.max(1 << 12) {
            self.compact();
        }
    }

    /// Takes events of a table being replayed, letting the oldest leave the window.
    pub fn push_rows(&mut self, from: &EventTable, rows: &[u32]) {
        let before = self.table.len();
        for &r in rows {
            self.table.append_row(from, r as usize);
        }
        self.counts.lines += rows.len() as u64;
        self.counts.events += rows.len() as u64;
        self.took(before);
    }

    /// Drops the events that left the window.
    fn compact(&mut self) {
        if self.start == 0 {
            return;
        }
        let mut kept = EventTable::default();
        for r in self.start..self.table.len() {
            kept.append_row(&self.table, r);
        }
        self.table = kept;
        self.start = 0;
    }

    /// The events in the window.
    pub fn window(&mut self) -> &EventTable {
        self.compact();
        &self.table
    }

    /// The format the stream is read in, once a batch showed it.
    pub fn format(&self) -> Option<Format> {
        self.settings.read.format
    }

    /// The schema fields the lines provided, and the lines skipped with why.
    pub fn read_so_far(&self) -> (FieldSet, &SkipLog) {
        (self.fields, &self.skips)
    }

    /// The window as an investigation of one "file" named `name` (the source), for the
    /// views: its events, the fields the lines provided (or `fields`, for events a replay
    /// took from a file already read) and the lines skipped with why.
    pub fn investigation(&mut self, name: &str, fields: Option<FieldSet>) -> Investigation {
        let table = self.window().clone();
        let times = || (0..table.len()).filter_map(|r| table.time_us(r));
        let report = FileReport {
            path: name.into(),
            format: self.format().unwrap_or(Format::AccessLog),
            gzip: false,
            utf16: false,
            records: self.counts.events + self.counts.skipped,
            events: table.len() as u64,
            skips: self.skips.clone(),
            fields: fields.unwrap_or(self.fields),
            extra_columns: table.extras().iter().map(|e| e.name.clone()).collect(),
            labels: None,
            warnings: self.problem.iter().cloned().collect(),
            rows: 0..table.len(),
            sources: 0,
            first_event_us: times().min(),
            last_event_us: times().max(),
            written_offset: None,
            zeek_log: None,
        };
        let mut inv = Investigation {
            table,
            files: vec![report],
            failures: Vec::new(),
        };
        inv.files[0].sources = inv.distinct_sources();
        inv
    }

    /// Why the last batch could not be read, if it could not.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Judges the window with `detection` from the next run on; the databases and threat
    /// lists already loaded stay when `detection` names none.
    pub fn set_detection(&mut self, mut detection: DetectionSettings) {
        let old = &self.settings.detection;
        if detection.geo.is_none() {
            detection.geo = old.geo.clone();
        }
        if detection.intel.is_none() {
            detection.intel = old.intel.clone();
        }
        self.settings.detection = detection;
    }

    /// Detection's settings for the window, its features resolved for the stream's format.
    pub fn detection_settings(&self) -> DetectionSettings {
        let mut settings = self.settings.detection.clone();
        let formats: Vec<Format> = self.format().into_iter().collect();
        settings.features = settings.features.resolve(&formats);
        settings
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

    /// Events the window keeps at most.
    pub fn retention(&self) -> usize {
        self.settings.retention
    }

    /// Events in the window.
    pub fn retained(&self) -> usize {
        self.table.len() - self.start
    }

    /// Runs detection over the window and returns the alerts it raises at `now_us`.
    pub fn detect(&mut self, now_us: i64) -> Result<Vec<Alert>, String> {
        let settings = self.detection_settings();
        let d = detect(self.window(), &settings, &AtomicBool::new(false))
            .map_err(|_| "detection was cancelled".to_owned())?;
        Ok(self.judge(&d, now_us))
    }

    /// The alerts a detection run over the window raises at `now_us`.
    pub fn judge(&mut self, d: &Detection, now_us: i64) -> Vec<Alert> {
        self.counts.runs += 1;
        let threshold = self.settings.detection.auto_block;
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
                    events_total: self.totals.get(&ip).map_or(s.stats.events, |t| t.events),
                    at_us: now_us,
                });
            }
        }
        alerts.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.ip.cmp(&b.ip)));
        alerts
    }
}
