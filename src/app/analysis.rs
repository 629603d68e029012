//! Detection on a worker thread, and everything the views derive from its result (ranking,
//! time bins, plot layers), computed there too so that no frame waits for it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::sync::Arc;
use std::thread;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::time::Instant;

use crate::detection::behaviour::{FindingKind, ThreatLists};
use crate::detection::{
    detect_staged, Cancelled, Detection, DetectionSettings, Phase, SourceVerdict,
};
use crate::geo::Locator;

/// The phase value once detection is done and the views' data is being derived.
const PREPARING: u8 = u8::MAX;
use crate::evaluation::{evaluate, Evaluation};
use crate::events::EventTable;
use crate::ingest::Investigation;

/// A detection run and what the views show of it: finished, or with its sources judged and
/// its events still being scored ([`Analysis::events_pending`]).
#[derive(Clone)]
pub struct Analysis {
    /// A number no other analysis in this process has, so views can cache what they derive.
    pub generation: u64,
    /// The run itself; its event fields are empty while [`Self::events_pending`].
    pub detection: Detection,
    /// The sources are judged but the events are still being scored: event scores, flagged
    /// events, the timeline, the evaluation and the map are not made yet.
    pub events_pending: bool,
    /// Self-evaluation when the files carry labels.
    pub evaluation: Option<Evaluation>,
    /// The settings it ran with.
    pub settings: DetectionSettings,
    /// Source indices, most suspicious first.
    pub ranked: Vec<usize>,
    /// The sources "Look here first" shows, most confident first: each flagged source (at
    /// half the auto-block threshold or above), one per campaign (its most confident member),
    /// at most [`LOOK_FIRST`]; chosen once here, not every frame.
    pub look_first: Vec<usize>,
    /// Events and flagged events per time window.
    pub timeline: Option<Timeline>,
    /// Per source (in the order of the detection's sources): its destination ports with
    /// event counts, most used first.
    pub ports: Vec<Vec<(u16, u32)>>,
    /// Per source: its protocols (application protocol, else transport) with event counts,
    /// most used first.
    pub protocols: Vec<Vec<(String, u32)>>,
    /// Per source: its anomalous (flagged) events (empty while the events are scored).
    pub anomalous: Vec<u32>,
    /// How long the run took, in seconds.
    pub seconds: f64,
    /// The GeoIP databases that placed the sources.
    pub geo: Option<Arc<Locator>>,
    /// Per source: what the map draws of it.
    pub map_points: Vec<super::views::map::MapPoint>,
    /// The sources the map draws, least confident first.
    pub map_order: Vec<u32>,
    /// What the map's arcs draw: each source's busiest destinations with a place.
    pub map_links: super::views::map::MapLinks,
    /// Whether a database gave any source an autonomous system (the alerts then show it).
    pub any_asn: bool,
    /// The threat lists matched against the sources.
    pub intel: Option<Arc<ThreatLists>>,
    /// The chosen threat lists that could not be read, with why.
    pub intel_problems: Vec<String>,
    /// The threat lists chosen in Settings for this run.
    pub intel_paths: Vec<std::path::PathBuf>,
    /// Sources each threat list names, by list.
    pub intel_named: HashMap<String, usize>,
    /// Source index by interned address id (`u32::MAX` when the address is no source).
    source_by_ip: Vec<u32>,
    /// Flagged events, counted once (the Overview shows them every frame).
    flagged: usize,
}

/// Cards "Look here first" shows at most.
pub const LOOK_FIRST: usize = 20;

/// The flagged sources to look at first, one per campaign, most confident first (ties in
/// triage order).
fn look_first(d: &Detection, auto_block: f64) -> Vec<usize> {
    let mut campaigns = std::collections::HashSet::new();
    let mut picked: Vec<usize> = d
        .ranked
        .iter()
        .copied()
        .filter(|&i| {
            let s = &d.sources[i];
            s.confidence >= auto_block / 2.0 && s.campaign.is_none_or(|c| campaigns.insert(c))
        })
        .collect();
    picked.sort_by(|&x, &y| d.sources[y].confidence.total_cmp(&d.sources[x].confidence));
    picked.truncate(LOOK_FIRST);
    picked
}

/// Event counts per time window.
#[derive(Clone)]
pub struct Timeline {
    /// Start of the first window, microseconds since the epoch.
    pub start_us: i64,
    /// Window length in microseconds.
    pub window_us: i64,
    /// Events per window.
    pub events: Vec<u32>,
    /// Flagged events per window.
    pub flagged: Vec<u32>,
    /// Mean combined score per window.
    pub mean_score: Vec<f64>,
}

impl Analysis {
    /// What the views show of `detection`'s sources; the event-level parts wait for
    /// [`Self::with_events`].
    fn of_sources(
        inv: &Investigation,
        detection: Detection,
        settings: DetectionSettings,
        seconds: f64,
    ) -> Analysis {
        let ranked = detection.ranked.clone();
        let look_first = look_first(&detection, settings.auto_block);
        let (ports, protocols) = detection
            .sources
            .par_iter()
            .map(|s| source_mix(&inv.table, &s.stats.rows))
            .unzip();
        let mut source_by_ip = vec![u32::MAX; inv.table.ips().len()];
        for (i, s) in detection.sources.iter().enumerate() {
            if let Some(id) = s
                .stats
                .rows
                .first()
                .and_then(|&r| inv.table.source_ip_id(r as usize))
            {
                source_by_ip[id as usize] = i as u32;
            }
        }
        let any_asn = detection
            .sources
            .iter()
            .any(|s| s.geo.as_ref().is_some_and(|g| g.asn.is_some()));
        let mut intel_named = HashMap::new();
        for s in &detection.sources {
            for list in s.threat_lists() {
                *intel_named.entry(list.to_string()).or_default() += 1;
            }
        }
        Analysis {
            generation: next_generation(),
            source_by_ip,
            ports,
            protocols,
            anomalous: Vec::new(),
            flagged: 0,
            timeline: None,
            evaluation: None,
            settings,
            ranked,
            look_first,
            detection,
            events_pending: true,
            seconds,
            geo: None,
            map_points: Vec::new(),
            map_order: Vec::new(),
            map_links: Default::default(),
            any_asn,
            intel: None,
            intel_problems: Vec::new(),
            intel_paths: Vec::new(),
            intel_named,
        }
    }

    /// The whole analysis of a finished `detection` over `inv` in one step (a live window's
    /// run), its sources placed with `run`'s databases and matched against its lists.
    pub(super) fn complete(
        inv: &Investigation,
        detection: Detection,
        settings: DetectionSettings,
        run: &DetectionSettings,
        seconds: f64,
    ) -> Analysis {
        let mut a = Analysis::of_sources(inv, detection.clone(), settings, seconds);
        a.geo = run.geo.clone();
        a.intel = run.intel.clone();
        a.with_events(inv, detection, seconds)
    }

    /// This analysis with `detection`, the finished run of the same sources: its events'
    /// scores, flagged counts, timeline, evaluation and map, under a new generation.
    fn with_events(mut self, inv: &Investigation, detection: Detection, seconds: f64) -> Analysis {
        self.evaluation = evaluate(&inv.table, &detection);
        self.anomalous = detection
            .sources
            .par_iter()
            .map(|s| {
                s.stats
                    .rows
                    .iter()
                    .filter(|&&r| detection.event_flagged[r as usize])
                    .count() as u32
            })
            .collect();
        self.flagged = detection.event_flagged.iter().filter(|&&f| f).count();
        self.timeline = Timeline::new(&inv.table, &detection, None, |_| true);
        self.detection = detection;
        self.events_pending = false;
        self.seconds = seconds;
        self.generation = next_generation();
        (self.map_points, self.map_order) = super::views::map::map_points(&self);
        self.map_links = super::views::map::map_links(&self, &inv.table);
        self
    }

    /// Whether event `r` is flagged; `None` while the events are being scored.
    pub fn event_flagged(&self, r: usize) -> Option<bool> {
        self.detection.event_flagged.get(r).copied()
    }

    /// The combined score of event `r`; `None` while the events are being scored.
    pub fn event_score(&self, r: usize) -> Option<f64> {
        self.detection.event_score.get(r).copied()
    }

    /// The index of the source of event `row`.
    pub fn source_of_row(&self, t: &EventTable, row: usize) -> Option<usize> {
        let id = t.source_ip_id(row)?;
        let i = *self.source_by_ip.get(id as usize)?;
        (i != u32::MAX).then_some(i as usize)
    }

    /// Sources at or above half the auto-block threshold ("watch" or "block").
    pub fn flagged_sources(&self) -> usize {
        let half = self.settings.auto_block / 2.0;
        self.detection
            .sources
            .iter()
            .filter(|s| s.confidence >= half)
            .count()
    }

    /// Sources proposed for blocking.
    pub fn proposed_blocks(&self) -> usize {
        self.detection
            .sources
            .iter()
            .filter(|s| s.proposed_block)
            .count()
    }

    /// Flagged events; `None` while the events are being scored.
    pub fn flagged_events(&self) -> Option<usize> {
        (!self.events_pending).then_some(self.flagged)
    }

    /// The most frequent kinds of reason among watched and proposed sources, as
    /// (kind, sources).
    pub fn top_reasons(&self, n: usize) -> Vec<(String, usize)> {
        let (counts, _) = self.reason_tally(self.detection.sources.iter());
        let mut v: Vec<(String, usize)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    /// The one definition of "flagged sources by reason" that every view shows: of `sources`,
    /// those flagged (confidence at least half the auto-block threshold), and for each kind
    /// of reason how many of them carry it, a source counted once per kind however many of
    /// its reasons are of that kind. Context is not counted: a log's country that GeoIP
    /// contradicts, a shared address, the network's infrastructure. Returns the counts and the flagged sources.
    pub fn reason_tally<'a>(
        &self,
        sources: impl Iterator<Item = &'a SourceVerdict>,
    ) -> (BTreeMap<String, usize>, usize) {
        let half = self.settings.auto_block / 2.0;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut flagged = 0;
        for s in sources.filter(|s| s.confidence >= half) {
            flagged += 1;
            let kinds: std::collections::BTreeSet<String> = s
                .reasons
                .iter()
                .map(|r| reason_kind(r))
                .filter(|k| !CONTEXT.contains(&k.as_str()))
                .collect();
            for k in kinds {
                *counts.entry(k).or_default() += 1;
            }
        }
        (counts, flagged)
    }
}

/// A number no other analysis in this process has.
fn next_generation() -> u64 {
    static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// Destination ports with event counts.
type PortCounts = Vec<(u16, u32)>;
/// Protocols with event counts.
type ProtocolCounts = Vec<(String, u32)>;

/// The destination ports and protocols of a source's events, most used first.
fn source_mix(t: &EventTable, rows: &[u32]) -> (PortCounts, ProtocolCounts) {
    let mut ports: FxHashMap<u16, u32> = FxHashMap::default();
    let mut protocols: FxHashMap<&str, u32> = FxHashMap::default();
    for &r in rows {
        let r = r as usize;
        if let Some(p) = t.destination_port(r) {
            *ports.entry(p).or_default() += 1;
        }
        if let Some(p) = t.app_protocol(r).or_else(|| t.transport(r)) {
            *protocols.entry(p).or_default() += 1;
        }
    }
    let mut ports: Vec<(u16, u32)> = ports.into_iter().collect();
    ports.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut protocols: Vec<(String, u32)> = protocols
        .into_iter()
        .map(|(p, n)| (p.to_string(), n))
        .collect();
    protocols.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (ports, protocols)
}

/// The kind of the reason that a log's country differs from GeoIP's.
const COUNTRY_DIFFERS: &str = "Logged country differs from GeoIP";

/// The kind of the reason that an address is shared by many sites.
const SHARED: &str = "Shared address";

/// The kind of the reasons that an address is the network's infrastructure.
const INFRASTRUCTURE: &str = "Infrastructure";

/// The kind of a honeypot source's summary of what it did.
const ACTIVITY: &str = "Activity";

/// Kinds of reasons that are context, not why a source was flagged.
const CONTEXT: [&str; 4] = [COUNTRY_DIFFERS, SHARED, INFRASTRUCTURE, ACTIVITY];

/// The category of a reason text, for counting reasons across sources.
pub fn reason_kind(reason: &str) -> String {
    if let Some(k) = FindingKind::ALL
        .iter()
        .find(|k| reason.starts_with(k.name()) && reason[k.name().len()..].starts_with(':'))
    {
        return k.name().to_string();
    }
    if reason.starts_with("Activity: ") {
        return ACTIVITY.to_string();
    }
    if reason.starts_with("Shared address: ") {
        return SHARED.to_string();
    }
    if reason.starts_with("Infrastructure: ") || reason.starts_with("Also the network's ") {
        return INFRASTRUCTURE.to_string();
    }
    let reason = reason
        .strip_prefix("unusual for this file: ")
        .unwrap_or(reason);
    const KINDS: [(&str, &str); 12] = [
        ("isolated than", "Isolation forest outlier"),
        ("the most isolated of", "Isolation forest outlier"),
        ("the median source", "High request volume"),
        ("sent per event", "Large transfers"),
        ("outside business hours", "Off-hours activity"),
        ("failed or were refused", "Failed or refused attempts"),
        ("destination ports", "Port probing"),
        ("destination hosts", "Host scanning"),
        ("in one minute", "Rate peak"),
        ("beacon-like", "Beacon-like timing"),
        ("burst of activity", "Burst of activity"),
        (", GeoIP says ", COUNTRY_DIFFERS),
    ];
    KINDS
        .iter()
        .find(|(needle, _)| reason.contains(needle))
        .map_or_else(
            || {
                reason
                    .split(['(', ','])
                    .next()
                    .unwrap_or(reason)
                    .trim()
                    .to_string()
            },
            |(_, kind)| (*kind).to_string(),
        )
}

impl Timeline {
    /// Bins the events of `t` that `keep` accepts into windows of `window_us` (chosen from the
    /// span of every event when `None`); `None` when no event has a time.
    pub fn new(
        t: &EventTable,
        d: &Detection,
        window_us: Option<i64>,
        keep: impl Fn(usize) -> bool,
    ) -> Option<Timeline> {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for r in 0..t.len() {
            if let Some(us) = t.time_us(r) {
                lo = lo.min(us);
                hi = hi.max(us);
            }
        }
        if lo > hi {
            return None;
        }
        // At most 100,000 windows, whatever was asked.
        let window_us = window_us
            .unwrap_or_else(|| window_for(hi - lo))
            .max((hi - lo) / 100_000 + 1);
        let start_us = lo.div_euclid(window_us) * window_us;
        let bins = ((hi - start_us) / window_us + 1) as usize;
        let mut events = vec![0u32; bins];
        let mut flagged = vec![0u32; bins];
        let mut score = vec![0.0f64; bins];
        for r in (0..t.len()).filter(|&r| keep(r)) {
            if let Some(us) = t.time_us(r) {
                let b = ((us - start_us) / window_us) as usize;
                events[b] += 1;
                flagged[b] += u32::from(d.event_flagged[r]);
                score[b] += d.event_score[r];
            }
        }
        let mean_score = score
            .iter()
            .zip(&events)
            .map(|(s, &n)| if n > 0 { s / f64::from(n) } else { 0.0 })
            .collect();
        Some(Timeline {
            start_us,
            window_us,
            events,
            flagged,
            mean_score,
        })
    }
}

/// A round window length giving about 60 to 300 windows over `span_us`.
pub fn window_for(span_us: i64) -> i64 {
    const STEPS_S: [i64; 14] = [
        1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 21_600, 43_200, 86_400, 604_800,
    ];
    let span_s = span_us / 1_000_000;
    let step = STEPS_S
        .iter()
        .copied()
        .find(|s| span_s / s <= 300)
        .unwrap_or(604_800);
    step * 1_000_000
}

/// Why a detection job ended without an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// The analyst cancelled it.
    Cancelled,
    /// It failed on an internal error; holds the message for the window.
    Failed(String),
}

/// What a detection job delivers, in this order.
pub enum Delivery {
    /// The sources' verdicts, while the events are still being scored
    /// ([`Analysis::events_pending`]).
    Sources(Analysis),
    /// The finished run, or why there is none.
    Finished(Result<Analysis, Stopped>),
}

/// A detection run in the background.
pub struct AnalysisJob {
    /// When it started.
    pub started: Instant,
    cancel: Arc<AtomicBool>,
    /// The running [`Phase`] by index, or [`PREPARING`].
    phase: Arc<AtomicU8>,
    result: Receiver<Delivery>,
}

impl AnalysisJob {
    /// Starts detection over `inv` on a worker thread, placing sources with the `geoip`
    /// databases chosen in Settings before those found on the machine and matching them
    /// against the `intel` lists; the sources are delivered as soon as they are judged, the
    /// whole run when the events are scored too. `repaint` is called as each phase starts and
    /// as each delivery is sent.
    pub fn start(
        inv: Arc<Investigation>,
        settings: DetectionSettings,
        geoip: Vec<std::path::PathBuf>,
        intel: Vec<std::path::PathBuf>,
        repaint: impl Fn() + Send + Sync + 'static,
    ) -> AnalysisJob {
        let cancel = Arc::new(AtomicBool::new(false));
        let phase = Arc::new(AtomicU8::new(0));
        let (tx, rx) = channel();
        let (job_cancel, job_phase) = (cancel.clone(), phase.clone());
        let spawned = thread::Builder::new()
            .name("netsleuth-detect".into())
            .spawn(move || {
                let t = Instant::now();
                let report = |p: Phase| {
                    let k = Phase::ALL.iter().position(|&q| q == p).unwrap_or(0);
                    job_phase.store(k as u8, Ordering::Relaxed);
                    repaint();
                };
                // Sources are placed with the databases found on this machine; the settings
                // kept for the Settings view stay as the analyst left them.
                let mut run = settings.clone();
                if run.geo.is_none() {
                    run.geo = Some(Locator::shared(&geoip));
                }
                let mut intel_problems = Vec::new();
                if run.intel.is_none() && !intel.is_empty() {
                    let (lists, problems) =
                        ThreatLists::load(&intel, crate::ingest::DEFAULT_MAX_LINE_BYTES);
                    run.intel = Some(Arc::new(lists));
                    intel_problems = problems;
                }
                let judged = |d: Detection| {
                    let seconds = t.elapsed().as_secs_f64();
                    let mut a = Analysis::of_sources(&inv, d, settings.clone(), seconds);
                    a.geo = run.geo.clone();
                    a.intel = run.intel.clone();
                    a.intel_problems = intel_problems.clone();
                    a.intel_paths = intel.clone();
                    a
                };
                let mut early: Option<Analysis> = None;
                let result = super::worker::caught(|| {
                    super::worker::fault("detect", inv.files.iter().map(|f| f.path.as_path()));
                    let mut sources_done = |d: &Detection| {
                        let a = judged(d.clone());
                        // The receiver may be gone if the window closed; nothing to do then.
                        let _ = tx.send(Delivery::Sources(a.clone()));
                        repaint();
                        early = Some(a);
                    };
                    detect_staged(
                        &inv.table,
                        &run,
                        &job_cancel,
                        &report,
                        Some(&mut sources_done),
                    )
                });
                let result = match result {
                    Ok(Ok(d)) => Ok(d),
                    Ok(Err(Cancelled)) => Err(Stopped::Cancelled),
                    Err(m) => Err(Stopped::Failed(super::worker::internal_error(
                        "detecting",
                        &m,
                    ))),
                };
                let result = result.and_then(|d| {
                    super::worker::caught(|| {
                        job_phase.store(PREPARING, Ordering::Relaxed);
                        repaint();
                        let seconds = t.elapsed().as_secs_f64();
                        let sources = early.take().unwrap_or_else(|| judged(d.clone()));
                        sources.with_events(&inv, d, seconds)
                    })
                    .map_err(|m| {
                        Stopped::Failed(super::worker::internal_error("preparing the views", &m))
                    })
                });
                // The receiver may be gone if the window closed; nothing to do then.
                let _ = tx.send(Delivery::Finished(result));
                repaint();
            });
        // Without a thread the channel is closed at once and the job reads as cancelled.
        if let Err(e) = spawned {
            eprintln!("netsleuth: cannot start the detection thread: {e}");
        }
        AnalysisJob {
            started: Instant::now(),
            cancel,
            phase,
            result: rx,
        }
    }

    /// What the worker is doing, for a progress line.
    pub fn step(&self) -> &'static str {
        match self.phase.load(Ordering::Relaxed) {
            PREPARING => "preparing the views",
            k => Phase::ALL
                .get(usize::from(k))
                .map_or("starting", |p| p.title()),
        }
    }

    /// The estimated share of the run done, 0 to 1.
    pub fn fraction(&self) -> f32 {
        match self.phase.load(Ordering::Relaxed) {
            PREPARING => 0.97,
            k => Phase::ALL
                .get(usize::from(k))
                .map_or(0.0, |p| p.done_before()),
        }
    }

    /// Seconds left, estimated from the time so far once a tenth of the run is done.
    pub fn seconds_left(&self) -> Option<f64> {
        let f = f64::from(self.fraction());
        (f >= 0.1).then(|| self.started.elapsed().as_secs_f64() * (1.0 - f) / f)
    }

    /// Asks the worker to stop.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The next delivery, once the worker has sent one; one per call, so a window that
    /// polls once a frame draws the sources at least once before the finished run.
    pub fn poll(&self) -> Option<Delivery> {
        match self.result.try_recv() {
            Ok(d) => Some(d),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Delivery::Finished(Err(Stopped::Cancelled))),
        }
    }
}

/// A job nobody waits for any more (new files opened, detection rerun, window closed) stops
/// instead of scoring on for nothing.
impl Drop for AnalysisJob {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_kinds() {
        assert_eq!(
            reason_kind("4,812 events, 38x the median source (p95 is 40)"),
            "High request volume"
        );
        assert_eq!(
            reason_kind(
                "x (median source 1); 150 events, 25x the median source: together more \
                 isolated than 99% of sources (forest score 0.71)"
            ),
            "Isolation forest outlier"
        );
        assert_eq!(
            reason_kind("x: together the most isolated of 520 sources (forest score 0.72)"),
            "Isolation forest outlier"
        );
        assert_eq!(reason_kind("something new (x)"), "something new");
        assert_eq!(
            reason_kind("logged as US, GeoIP says CA"),
            "Logged country differs from GeoIP"
        );
        assert_eq!(
            reason_kind("Used as a proxy: used the honeypot as a proxy to 23 hosts on port 80"),
            "Used as a proxy"
        );
        assert_eq!(
            reason_kind("unusual for this file: contacted 12 distinct destination hosts"),
            "Host scanning"
        );
    }

    #[test]
    fn windows_are_round() {
        assert_eq!(window_for(3_600_000_000), 30_000_000);
        assert_eq!(window_for(30 * 86_400_000_000), 21_600_000_000);
        assert_eq!(window_for(0), 1_000_000);
    }
}
