//! The detection run: features, every selected detector at the event and source levels, the
//! per-source confidence with reasons, and self-evaluation where labels exist.
//!
//! Confidence (0-100) of a source combines the detectors' normalised scores `s_k` in [0, 1] as
//! a weighted noisy-OR, `100 × (1 − Π_k (1 − w_k s_k))`, with weights forest 0.9, robust z
//! 0.7, rules 0.6 and burst 0.5: one strong detector is enough to raise it, agreement raises
//! it further, and no single weak signal reaches the auto-block threshold alone.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipnet::IpNet;

use crate::events::{EventTable, Verdict};
use crate::features::{
    event_features, receiver_stats, source_features, source_stats, FeatureMatrix, FeatureSettings,
    SourceStats,
};
use crate::geo::{country_disagreement, GeoInfo, Locator};

use super::behaviour::{
    combined_weight, findings, Finding, FindingKind, PartyFindings, Severity, ThreatLists,
};
use super::campaigns::{campaigns, Campaign};
use super::detectors::{
    burst_z, window_for_span, BurstDetector, BurstWindows, Detector, DetectorKind, Family,
    FamilyDetector, ForestDetector, LevelInputs, RobustZDetector, RuleThresholds, RulesDetector,
};
use super::event_reasons::{step_reason, EventDrivers};
use super::event_steps::*;
use super::forest::ForestSettings;
use super::model_cache::default_cache_dir;
use super::names::names_by_address;
use super::reasons::{source_reasons, Population, ReasonInputs};
use super::roles::{
    action, direction, infrastructure, is_internal, role, servers, Action, Direction, Evidence,
    Role,
};
use super::shared::*;
use super::volume::{model_caveat, volume_attacks, VolumeAttack};

/// How detection runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionSettings {
    /// The detectors to run.
    pub detectors: Vec<DetectorKind>,
    /// Isolation forest parameters.
    pub forest: ForestSettings,
    /// Business hours and time zone.
    pub features: FeatureSettings,
    /// Sources at or above this confidence are proposed for blocking.
    pub auto_block: f64,
    /// Events whose combined score reaches this are flagged.
    pub event_threshold: f64,
    /// Percentile for the volume and bytes rules.
    pub percentile: f64,
    /// Seed for the forest's training pool.
    pub seed: u64,
    /// Where trained forests are cached so that reruns give the same verdicts.
    pub cache_dir: Option<PathBuf>,
    /// The analyst's own networks: their hosts are isolated, never blocked.
    pub home: Vec<IpNet>,
    /// IP reputation lists to match sources against.
    pub intel: Option<Arc<ThreatLists>>,
    /// GeoIP and ASN databases to place sources with; `None` leaves them unlocated.
    pub geo: Option<Arc<Locator>>,
}

impl Default for DetectionSettings {
    fn default() -> Self {
        DetectionSettings {
            detectors: DetectorKind::DEFAULT.to_vec(),
            forest: ForestSettings::default(),
            features: FeatureSettings::default(),
            auto_block: 70.0,
            event_threshold: 0.6,
            percentile: 95.0,
            seed: 0x6e65_7473,
            cache_dir: default_cache_dir(),
            home: Vec::new(),
            intel: None,
            geo: None,
        }
    }
}

/// Detector weights in the noisy-OR confidence.
pub fn weight(kind: DetectorKind) -> f64 {
    match kind {
        DetectorKind::Forest => 0.9,
        DetectorKind::RobustZ
        | DetectorKind::Ecod
        | DetectorKind::Hbos
        | DetectorKind::Dbscan
        | DetectorKind::Lof
        | DetectorKind::Ocsvm
        | DetectorKind::Autoencoder => 0.7,
        DetectorKind::Rules => 0.6,
        DetectorKind::Burst => 0.5,
    }
}

/// Combines normalised detector scores by weighted noisy-OR, in [0, 1].
pub fn combine(scores: impl IntoIterator<Item = (DetectorKind, f64)>) -> f64 {
    1.0 - scores
        .into_iter()
        .map(|(k, s)| 1.0 - weight(k) * s.clamp(0.0, 1.0))
        .product::<f64>()
}

/// Scores of one level (events or sources) per detector.
#[derive(Debug, Clone, Default)]
pub struct LevelScores {
    /// Raw measure per detector, one per item; [`DetectorKind::normalise`] maps it onto
    /// [0, 1] (computed where used: at a million events each stored copy is 8 MB).
    pub raw: BTreeMap<DetectorKind, Vec<f64>>,
    /// Problems that did not stop detection.
    pub warnings: Vec<String>,
    /// The feature names the level used.
    pub features: Vec<String>,
    /// The model-cache keys of the trained models the level used (an investigation keeps
    /// those models so that it reopens with the same verdicts).
    pub model_keys: Vec<String>,
    /// Seconds each detector took to train and to score.
    pub seconds: BTreeMap<DetectorKind, [f64; 2]>,
    /// Each fitted model in a line, for those worth stating ([`Detector::describe`]).
    pub models: BTreeMap<DetectorKind, String>,
}

impl LevelScores {
    /// Every detector's normalised [0, 1] score of item `i`.
    pub fn normalised(&self, i: usize) -> impl Iterator<Item = (DetectorKind, f64)> + '_ {
        self.raw.iter().map(move |(k, v)| (*k, k.normalise(v[i])))
    }
}

/// The verdict on one source.
#[derive(Debug, Clone)]
pub struct SourceVerdict {
    /// Its statistics.
    pub stats: SourceStats,
    /// Confidence that it is hostile, 0-100.
    pub confidence: f64,
    /// What it did, most severe first.
    pub findings: Vec<Finding>,
    /// Reasons in plain words: the findings first, then what is unusual for this file.
    pub reasons: Vec<String>,
    /// The part it plays (see [`Role`]).
    pub role: Role,
    /// Which traffic a block of it stops: from it (an attacker), to it (a server malware
    /// calls) or both; `None` for addresses inside.
    pub direction: Option<Direction>,
    /// What the network needs it for, when it is infrastructure ("domain controller, DNS
    /// resolver").
    pub infrastructure: Option<String>,
    /// Whether it only ever received: a party of others' findings, never a source, with no
    /// statistical score. Its `stats` are seen from its side of the events it received.
    pub received_only: bool,
    /// The names it was reached by (HTTP Host, TLS server name, DNS answers), sorted.
    pub names: Vec<String>,
    /// Why its address is shared by many sites, when it is: it is then never proposed by
    /// address, and its names are what to block.
    pub shared: Option<String>,
    /// What the verdict proposes, from the role and the confidence.
    pub action: Action,
    /// Whether it is proposed for blocking: an external source at the auto-block threshold.
    pub proposed_block: bool,
    /// The campaign it belongs to, as an index into [`Detection::campaigns`].
    pub campaign: Option<usize>,
    /// Where it is, when detection ran with GeoIP databases.
    pub geo: Option<GeoInfo>,
}

impl SourceVerdict {
    /// Its country: GeoIP's when known, else the one its log carries.
    pub fn country(&self) -> Option<&str> {
        self.geo
            .as_ref()
            .and_then(|g| g.country.as_deref())
            .or(self.stats.country.as_deref())
    }

    /// Its autonomous system, "AS14061 DigitalOcean, LLC", when known.
    pub fn as_text(&self) -> Option<String> {
        self.geo.as_ref().and_then(GeoInfo::as_text)
    }

    /// The threat lists that name it, each once, in the finding's order.
    pub fn threat_lists(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::ThreatIntel)
            .flat_map(|f| f.evidence.iter())
            .filter_map(|e| e.split_once(": ").map(|x| x.0))
            .collect();
        names.dedup();
        names
    }

    /// The severity of its worst finding beyond context.
    pub fn severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| !f.context)
            .map(|f| f.severity)
            .max()
    }

    /// Whether it got in, not only tried: an infected host, or a source that logged in, ran
    /// commands, downloaded malware or changed the host (proxy requests are attempts: a
    /// honeypot does not forward them).
    pub fn intruded(&self) -> bool {
        self.role == Role::InfectedHost
            || self.findings.iter().any(|f| {
                matches!(
                    f.kind,
                    FindingKind::ShellCommands
                        | FindingKind::ValidLogin
                        | FindingKind::MalwareDownload
                        | FindingKind::ImpairDefences
                        | FindingKind::IndicatorRemoval
                        | FindingKind::Persistence
                )
            })
    }

    /// The order an analyst triages in: intrusions before attempts, then the worst finding,
    /// then confidence, then more events (so equal scores still read in a stable, meaningful
    /// order), then the address.
    pub fn priority_cmp(&self, other: &SourceVerdict) -> std::cmp::Ordering {
        other
            .intruded()
            .cmp(&self.intruded())
            .then(other.severity().cmp(&self.severity()))
            .then(other.confidence.total_cmp(&self.confidence))
            .then(other.stats.events.cmp(&self.stats.events))
            .then(self.stats.ip.cmp(&other.stats.ip))
    }
}

/// An f64 ordered by `total_cmp`, for sort keys.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TotalF64(f64);

impl Eq for TotalF64 {}

impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// How much statistics alone can say about a source with `events` events: `n / (n + 1)`, so
/// that one event gives at most half the statistical confidence and two events two thirds
/// (a two-event source stays below the default auto-block threshold on statistics alone).
pub fn evidence_discount(events: u64) -> f64 {
    let n = events as f64;
    n / (n + 1.0)
}

/// Wall-clock time per phase.
pub type Timings = Vec<(&'static str, Duration)>;

/// Everything a detection run produced.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Per-event scores.
    pub events: LevelScores,
    /// The combined per-event score in [0, 1] (the default verdict's ranking).
    pub event_score: Vec<f64>,
    /// Whether each event is flagged.
    pub event_flagged: Vec<bool>,
    /// Per-source scores, in the order of `sources`.
    pub source_scores: LevelScores,
    /// The sources, in order of first appearance.
    pub sources: Vec<SourceVerdict>,
    /// The sources in triage order (see [`SourceVerdict::priority_cmp`]), as indices.
    pub ranked: Vec<usize>,
    /// Sources that did the same thing, grouped.
    pub campaigns: Vec<Campaign>,
    /// The thresholds the rules used.
    pub rules: Option<RuleThresholds>,
    /// Floods that make up a large share of the file, largest first.
    pub volume: Vec<VolumeAttack>,
    /// What the analyst must know about the event scores when floods are most of the file.
    pub caveat: Option<String>,
    /// What set each event apart that the detectors' scores flagged.
    pub event_drivers: EventDrivers,
    /// The events that are steps of a finding: (row, party, finding), sorted by row, the
    /// party's worst such finding for each row.
    pub event_steps: Vec<(u32, u32, FindingKind)>,
    /// Time per phase: features, train, score, reasons.
    pub timings: Timings,
}

/// Why a run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

fn make_detectors(settings: &DetectionSettings) -> Vec<Box<dyn Detector>> {
    settings
        .detectors
        .iter()
        .map(|k| -> Box<dyn Detector> {
            match k {
                DetectorKind::Forest => Box::new(ForestDetector {
                    settings: settings.forest,
                    seed: settings.seed,
                    models: Vec::new(),
                    cache_dir: settings.cache_dir.clone(),
                    keys: Vec::new(),
                }),
                DetectorKind::RobustZ => Box::new(RobustZDetector),
                DetectorKind::Burst => Box::new(BurstDetector),
                DetectorKind::Rules => Box::new(RulesDetector {
                    percentile: settings.percentile,
                }),
                DetectorKind::Ecod => Box::new(FamilyDetector::new(
                    *k,
                    Family::OnePass(super::ecod::scores),
                )),
                DetectorKind::Hbos => Box::new(FamilyDetector::new(
                    *k,
                    Family::OnePass(super::hbos::scores),
                )),
                DetectorKind::Dbscan => Box::new(FamilyDetector::new(
                    *k,
                    Family::Trained(super::dbscan::train),
                )),
                DetectorKind::Lof => {
                    Box::new(FamilyDetector::new(*k, Family::Trained(super::lof::train)))
                }
                DetectorKind::Ocsvm => Box::new(FamilyDetector::new(
                    *k,
                    Family::Trained(super::ocsvm::train),
                )),
                DetectorKind::Autoencoder => Box::new(FamilyDetector::new(
                    *k,
                    Family::Trained(super::autoencoder::train),
                )),
            }
        })
        .collect()
}

/// Runs every selected detector on one level, timing training and scoring.
pub(super) fn run_level(
    settings: &DetectionSettings,
    inputs: &LevelInputs<'_>,
    timings: &mut [Duration; 2],
) -> LevelScores {
    let mut scores = LevelScores {
        features: inputs.standardised.names.clone(),
        ..LevelScores::default()
    };
    for mut d in make_detectors(settings) {
        let t = Instant::now();
        if let Some(w) = d.fit(inputs) {
            scores.warnings.push(w);
        }
        scores.model_keys.extend(d.model_keys());
        let train = t.elapsed();
        let t = Instant::now();
        if let Some(raw) = d.raw(inputs) {
            scores.raw.insert(d.kind(), raw);
        }
        let score = t.elapsed();
        if let Some(model) = d.describe(inputs) {
            scores.models.insert(d.kind(), model);
        }
        timings[0] += train;
        timings[1] += score;
        scores
            .seconds
            .insert(d.kind(), [train.as_secs_f64(), score.as_secs_f64()]);
    }
    scores
}

/// Each event's burst z-score (0 for events without a time), read from the table's times
/// without copying them.
fn event_burst(table: &EventTable) -> Vec<f64> {
    let times = || (0..table.len()).filter_map(|r| table.time_us(r));
    let span = times().max().unwrap_or(0) - times().min().unwrap_or(0);
    match BurstWindows::of(times(), window_for_span(span), 0.3) {
        Some(w) => (0..table.len())
            .map(|r| table.time_us(r).map_or(0.0, |t| w.z_at(t)))
            .collect(),
        None => vec![0.0; table.len()],
    }
}

/// Each source's largest burst z-score over its own events.
pub(super) fn source_burst(table: &EventTable, stats: &[SourceStats]) -> Vec<f64> {
    stats
        .iter()
        .map(|s| {
            let times: Vec<i64> = s
                .rows
                .iter()
                .filter_map(|&r| table.time_us(r as usize))
                .collect();
            let span = s.last_us.unwrap_or(0) - s.first_us.unwrap_or(0);
            burst_z(&times, window_for_span(span), 0.3)
                .into_iter()
                .fold(0.0, f64::max)
        })
        .collect()
}

/// Runs detection over every event of `table`. Labels are never used here.
pub fn detect(
    table: &EventTable,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
) -> Result<Detection, Cancelled> {
    detect_reporting(table, settings, cancel, &|_| {})
}

/// A step of a detection run, reported as it starts; listed in the order of a run that
/// shows its sources early (see [`detect_staged`]): their verdicts do not depend on the
/// events' scores, so they can be shown while the events, the bulk of the work, are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Aggregating events per source.
    SourceFeatures,
    /// Training and scoring at the source level.
    SourceScoring,
    /// Combining the scores and writing the reasons.
    Reasons,
    /// Computing the per-event features.
    EventFeatures,
    /// Training the detectors on the events and scoring every event.
    EventScoring,
}

impl Phase {
    /// Every phase in order.
    pub const ALL: [Phase; 5] = [
        Phase::SourceFeatures,
        Phase::SourceScoring,
        Phase::Reasons,
        Phase::EventFeatures,
        Phase::EventScoring,
    ];

    /// What it does, for a progress line.
    pub fn title(self) -> &'static str {
        match self {
            Phase::SourceFeatures => "aggregating sources",
            Phase::SourceScoring => "scoring sources",
            Phase::Reasons => "writing reasons",
            Phase::EventFeatures => "computing event features",
            Phase::EventScoring => "scoring events",
        }
    }

    /// The share of a typical run done when it starts (from `--timings` on the 5M-row file:
    /// event scoring dominates).
    pub fn done_before(self) -> f32 {
        match self {
            Phase::SourceFeatures => 0.0,
            Phase::SourceScoring => 0.1,
            Phase::Reasons => 0.15,
            Phase::EventFeatures => 0.3,
            Phase::EventScoring => 0.45,
        }
    }
}

/// [`detect`], calling `report` as each [`Phase`] starts.
pub fn detect_reporting(
    table: &EventTable,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
    report: &dyn Fn(Phase),
) -> Result<Detection, Cancelled> {
    detect_staged(table, settings, cancel, report, None)
}

/// [`detect_reporting`]. With `sources_done`, the sources are judged first and handed to it
/// before any event is scored (its `events`, `event_score`, `event_flagged` and `timings`
/// are empty then; the finished run has the same sources). Without, the events are scored
/// first, so that their features, the largest buffers of a run, are gone before the sources
/// are built: the peak is lower (127 against 148 MB on the 1M-row scale-test file).
pub fn detect_staged(
    table: &EventTable,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
    report: &dyn Fn(Phase),
    sources_done: Option<&mut dyn FnMut(&Detection)>,
) -> Result<Detection, Cancelled> {
    let mut times = StageTimes::default();
    let (mut detection, events) = match sources_done {
        Some(done) => {
            let judged = judge_all_sources(table, settings, cancel, report, &mut times)?;
            done(&judged);
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled);
            }
            let events = score_events(table, settings, cancel, report, &mut times)?;
            (judged, events)
        }
        None => {
            let events = score_events(table, settings, cancel, report, &mut times)?;
            let judged = judge_all_sources(table, settings, cancel, report, &mut times)?;
            (judged, events)
        }
    };

    let t = Instant::now();
    let ScoredEvents {
        scores: events,
        combined: mut event_score,
        drivers,
    } = events;
    detection.event_drivers = drivers;
    let flagged_outside = {
        let mut flooded = vec![false; table.len()];
        for &r in detection.volume.iter().flat_map(|v| &v.rows) {
            flooded[r as usize] = true;
        }
        event_score
            .iter()
            .zip(&flooded)
            .filter(|&(&s, &f)| !f && s >= settings.event_threshold)
            .count()
    };
    detection.caveat = model_caveat(&detection.volume, flagged_outside);
    routine_infrastructure(table, &detection.sources, &settings.home, &mut event_score);
    mark_attack_steps(
        &mut event_score,
        detection.sources.iter().flat_map(|s| &s.findings),
        settings.event_threshold,
    );
    // A flood's events are the attack, whatever the model made of them.
    let floor = settings
        .event_threshold
        .max(0.5 + 0.5 * FindingKind::Flood.weight());
    for &r in detection.volume.iter().flat_map(|v| &v.rows) {
        event_score[r as usize] = event_score[r as usize].max(floor);
    }
    detection.event_flagged = event_score
        .iter()
        .map(|&s| s >= settings.event_threshold)
        .collect();
    detection.event_steps = attack_steps(&detection.sources);
    detection.event_score = event_score;
    detection.events = events;
    times.reasons += t.elapsed();
    detection.timings = vec![
        ("features", times.features),
        ("train", times.level[0]),
        ("score", times.level[1]),
        ("reasons", times.reasons),
    ];
    if settings.geo.is_some() {
        detection.timings.push(("geoip", times.geo));
    }
    Ok(detection)
}

/// Time spent so far per phase of [`Timings`], over both levels.
#[derive(Default)]
struct StageTimes {
    /// Training and scoring.
    level: [Duration; 2],
    features: Duration,
    /// Reasons and the events' combined scores, GeoIP apart.
    reasons: Duration,
    geo: Duration,
}

/// The sources' statistics, scores and verdicts: the run with its event fields empty.
fn judge_all_sources(
    table: &EventTable,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
    report: &dyn Fn(Phase),
    times: &mut StageTimes,
) -> Result<Detection, Cancelled> {
    let t = Instant::now();
    report(Phase::SourceFeatures);
    let stats = source_stats(table, &settings.features);
    let mut src = source_features(&stats);
    src.standardise_robust();
    times.features += t.elapsed();
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    report(Phase::SourceScoring);
    let source_scores = {
        let source_bursts = || source_burst(table, &stats);
        let src_inputs = LevelInputs {
            standardised: &src,
            sources: Some(&stats),
            burst_z: Some(&source_bursts),
            cancel,
        };
        run_level(settings, &src_inputs, &mut times.level)
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    let t = Instant::now();
    report(Phase::Reasons);
    let (detection, geo_time) = judge_sources(table, settings, stats, &src, source_scores);
    times.reasons += t.elapsed() - geo_time;
    times.geo += geo_time;
    Ok(detection)
}

/// Every event's raw scores per detector (the rules' are left out: they judge sources).
fn score_events(
    table: &EventTable,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
    report: &dyn Fn(Phase),
    times: &mut StageTimes,
) -> Result<ScoredEvents, Cancelled> {
    let t = Instant::now();
    report(Phase::EventFeatures);
    let mut ev = event_features(table, &settings.features);
    let scales = ev.standardise_robust();
    times.features += t.elapsed();
    let timed = (0..table.len()).any(|r| table.time_us(r).is_some());
    let bursts = || event_burst(table);
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    report(Phase::EventScoring);
    let mut events = run_level(
        settings,
        &LevelInputs {
            standardised: &ev,
            sources: None,
            burst_z: timed.then_some(&bursts as _),
            cancel,
        },
        &mut times.level,
    );
    if !ev.left_out.is_empty() {
        let shown: Vec<&str> = ev.left_out.iter().take(5).map(String::as_str).collect();
        events.warnings.push(format!(
            "{} extra numeric columns left out of detection, which uses the {} with the most \
             distinct values: {}{}",
            super::human_count(ev.left_out.len() as u64),
            crate::features::MAX_EXTRA_FEATURES,
            shown.join(", "),
            if ev.left_out.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    events.raw.remove(&DetectorKind::Rules);
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    let combined = event_combined(&events, table.len());
    let drivers = EventDrivers::of(&ev, &scales, &combined, settings.event_threshold);
    Ok(ScoredEvents {
        scores: events,
        combined,
        drivers,
    })
}

/// The events' scores, combined, and what set the anomalous ones apart.
struct ScoredEvents {
    scores: LevelScores,
    combined: Vec<f64>,
    drivers: EventDrivers,
}

/// What the verdict on one party rests on besides its scores, gathered from the events.
pub(super) struct PartyInputs {
    /// Its statistics.
    pub stats: SourceStats,
    /// What it did.
    pub findings: Vec<Finding>,
    /// Whether it mostly receives or answers (see [`servers`]).
    pub server: bool,
    /// What the network needs it for, when it is infrastructure.
    pub infrastructure: Option<super::roles::Infrastructure>,
    /// The names it was reached by, sorted.
    pub names: Vec<String>,
    /// What it did in its log's words, for a honeypot source without findings.
    pub activity: Option<String>,
}

/// The verdict on every party from its statistics, its scores and its behaviour, ranked and
/// grouped into campaigns; the event fields are left empty. The sources come first, in
/// their order; the parties that only received and carry findings (an infected host's
/// servers) follow, in order of first appearance, with no statistical score. Also returns
/// the time spent placing parties with GeoIP.
fn judge_sources(
    table: &EventTable,
    settings: &DetectionSettings,
    stats: Vec<SourceStats>,
    src: &FeatureMatrix,
    source_scores: LevelScores,
) -> (Detection, Duration) {
    let judged = SourceJudgement::new(settings, &stats, src);
    let PartyFindings {
        sources: mut behaviour,
        peers,
    } = findings(table, &stats, settings.intel.as_deref());
    let scored = stats.len();
    let mut serving = servers(table, &stats);
    let mut stats = stats;
    for (peer, found) in receivers(table, peers, &settings.features) {
        stats.push(peer);
        behaviour.push(found);
        serving.push(true);
    }
    let mut infrastructure = infrastructure(table, &settings.home);
    let mut names = names_by_address(table);
    let parties = stats
        .into_iter()
        .zip(behaviour)
        .zip(serving)
        .map(|((s, found), server)| {
            let id = table.ips().id_of(s.ip);
            let activity = (settings.features.honeypot && !s.rows.is_empty())
                .then(|| activity(table, &s.rows));
            PartyInputs {
                infrastructure: infrastructure.remove(&s.ip),
                names: id
                    .and_then(|id| names.remove(&id))
                    .map(|n| n.into_iter().collect())
                    .unwrap_or_default(),
                activity,
                server,
                findings: found,
                stats: s,
            }
        })
        .collect();
    judged.assemble(parties, scored, src, source_scores, volume_attacks(table))
}

/// What every verdict is weighed against: the rules' thresholds and the sources' population,
/// from the scored sources' statistics.
pub(super) struct SourceJudgement<'a> {
    settings: &'a DetectionSettings,
    rules: Option<RuleThresholds>,
    population: Population,
}

impl<'a> SourceJudgement<'a> {
    /// The thresholds and population of the scored sources `stats`, whose features are `src`.
    pub(super) fn new(
        settings: &'a DetectionSettings,
        stats: &[SourceStats],
        src: &FeatureMatrix,
    ) -> SourceJudgement<'a> {
        let rules = settings.detectors.contains(&DetectorKind::Rules).then(|| {
            RulesDetector {
                percentile: settings.percentile,
            }
            .thresholds(stats)
        });
        SourceJudgement {
            settings,
            rules,
            population: Population::of(stats, &src.names),
        }
    }

    /// The verdicts on `parties` (the first `scored` are the scored sources, in the order of
    /// `source_scores`), ranked and grouped into campaigns.
    pub(super) fn assemble(
        self,
        parties: Vec<PartyInputs>,
        scored: usize,
        src: &FeatureMatrix,
        mut source_scores: LevelScores,
        volume: Vec<VolumeAttack>,
    ) -> (Detection, Duration) {
        let SourceJudgement {
            settings,
            rules,
            population,
        } = self;
        for raw in source_scores.raw.values_mut() {
            raw.resize(parties.len(), 0.0);
        }
        let t_geo = Instant::now();
        let mut places: Vec<Option<GeoInfo>> = match &settings.geo {
            Some(locator) => {
                let ips: Vec<_> = parties.iter().map(|p| p.stats.ip).collect();
                locator.locate(&ips).into_iter().map(Some).collect()
            }
            None => vec![None; parties.len()],
        };
        let geo_time = t_geo.elapsed();
        let reason_inputs =
            ReasonInputs::new(&source_scores, src, rules.as_ref(), &population, settings);
        let mut sources: Vec<SourceVerdict> = parties
            .into_iter()
            .enumerate()
            .map(|(i, party)| {
                let PartyInputs {
                    stats: s,
                    findings: found,
                    server,
                    infrastructure: infra,
                    names,
                    activity,
                } = party;
                let infra = infra.as_ref();
                let internal = is_internal(s.ip, &settings.home);
                let role = role(&Evidence {
                    ip: s.ip,
                    internal,
                    server,
                    infrastructure: infra,
                    findings: &found,
                });
                // A peer was never scored; infrastructure is busy and unusual by design.
                let statistical = if i < scored && role != Role::Infrastructure {
                    combine(source_scores.normalised(i)) * evidence_discount(s.events)
                } else {
                    0.0
                };
                let confidence =
                    100.0 * (1.0 - (1.0 - statistical) * (1.0 - combined_weight(&found)));
                let said = |f: &Finding| format!("{}: {}", f.kind.name(), f.summary);
                let mut reasons: Vec<String> = Vec::new();
                if let Some(i) = infra.filter(|_| role == Role::Infrastructure) {
                    reasons.push(format!(
                        "Infrastructure: {} for the internal hosts, never proposed; its traffic \
                     statistics are a busy server's and do not count",
                        i.what
                    ));
                }
                reasons.extend(found.iter().filter(|f| !f.context).map(said));
                if reasons.is_empty() {
                    reasons.extend(activity);
                }
                let geo = places[i].take();
                let shared = if role.is_inside() {
                    None
                } else {
                    let g = geo.as_ref();
                    shared_by(
                        &names,
                        g.and_then(|g| g.asn),
                        g.and_then(|g| g.as_org.as_deref()),
                    )
                };
                if let Some(why) = &shared {
                    reasons.push(format!(
                        "Shared address: it {why}; blocking it would break them, block its names \
                     instead"
                    ));
                }
                if let Some(i) = infra.filter(|_| role != Role::Infrastructure && role.is_inside())
                {
                    reasons.push(format!(
                        "Also the network's {}: it reaches outside hosts as a workstation would, \
                     so it is judged as one; isolating it stops those services",
                        i.what
                    ));
                }
                if i < scored && role != Role::Infrastructure {
                    let mut unusual: Vec<String> = source_reasons(&s, i, &reason_inputs)
                        .into_iter()
                        // A server's "failed attempts" are the clients' failures it answered.
                        .filter(|r| role != Role::Server || !r.contains("failed or were refused"))
                        .collect();
                    // On a honeypot every source is hostile: what it did speaks before when.
                    if settings.features.honeypot {
                        unusual.sort_by_key(|r| timing_only(r));
                    }
                    reasons.extend(
                        unusual
                            .into_iter()
                            .map(|r| format!("unusual for this file: {r}")),
                    );
                }
                reasons.extend(found.iter().filter(|f| f.context).map(said));
                // Last: the log's own country against GeoIP's (a spoofed or stale field).
                reasons.extend(country_disagreement(
                    s.country.as_deref(),
                    geo.as_ref().and_then(|g| g.country.as_deref()),
                ));
                let action = action(role, confidence, settings.auto_block);
                SourceVerdict {
                    proposed_block: action == Action::Block && shared.is_none(),
                    names,
                    shared,
                    campaign: None,
                    geo,
                    direction: direction(role, &found),
                    infrastructure: infra.map(|i| i.what.clone()),
                    received_only: i >= scored,
                    role,
                    action,
                    confidence,
                    findings: found,
                    reasons,
                    stats: s,
                }
            })
            .collect();
        // The order of `priority_cmp`, its keys taken once per source: with millions of sources
        // the comparisons otherwise walk every source's findings again and again, all over memory.
        let mut keyed: Vec<_> = sources
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let key = (
                    std::cmp::Reverse(v.intruded()),
                    std::cmp::Reverse(v.severity()),
                    std::cmp::Reverse(TotalF64(v.confidence)),
                    std::cmp::Reverse(v.stats.events),
                    v.stats.ip,
                );
                (key, i)
            })
            .collect();
        keyed.sort_unstable();
        let ranked: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
        let campaigns = campaigns(&sources, &ranked);
        for (c, campaign) in campaigns.iter().enumerate() {
            for &m in &campaign.members {
                sources[m].campaign = Some(c);
            }
        }
        let detection = Detection {
            events: LevelScores::default(),
            event_score: Vec::new(),
            event_flagged: Vec::new(),
            source_scores,
            sources,
            ranked,
            campaigns,
            rules,
            volume,
            caveat: None,
            event_drivers: EventDrivers::default(),
            event_steps: Vec::new(),
            timings: Vec::new(),
        };
        (detection, geo_time)
    }
}

/// What a honeypot source did, in its log's words: "Activity: session.connect ×2,
/// login.failed ×1 on port 2222" (Cowrie's event ids lose their `cowrie.` prefix).
pub(super) fn activity(table: &EventTable, rows: &[u32]) -> String {
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ports: BTreeMap<u16, usize> = BTreeMap::new();
    for &r in rows {
        let r = r as usize;
        if let Some(o) = table.outcome(r) {
            *outcomes
                .entry(o.strip_prefix("cowrie.").unwrap_or(o))
                .or_default() += 1;
        }
        if let Some(p) = table.destination_port(r) {
            *ports.entry(p).or_default() += 1;
        }
    }
    let mut top: Vec<(&str, usize)> = outcomes.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let did: Vec<String> = top
        .iter()
        .take(4)
        .map(|(o, n)| format!("{} ×{n}", super::behaviour::quote(o).trim_matches('`')))
        .collect();
    let mut port_list: Vec<(u16, usize)> = ports.into_iter().collect();
    port_list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let on = match port_list.len() {
        0 => String::new(),
        1 => format!(" on port {}", port_list[0].0),
        n => format!(
            " on ports {}{}",
            port_list
                .iter()
                .take(4)
                .map(|p| p.0.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if n > 4 { ", …" } else { "" }
        ),
    };
    let what = if did.is_empty() {
        format!("{} events", rows.len())
    } else {
        did.join(", ")
    };
    format!("Activity: {what}{on}")
}

/// Whether a statistical reason speaks of timing alone (bursts, rate peaks, gaps between
/// events, hours active), in each of its parts.
fn timing_only(reason: &str) -> bool {
    const TIMING: [&str; 7] = [
        "burst of activity",
        "in one minute",
        "busiest minute",
        "gap variation",
        "beacon-like",
        "distinct hours",
        "events in one",
    ];
    let body = reason.split(": together").next().unwrap_or(reason);
    body.split("; ")
        .all(|part| TIMING.iter().any(|t| part.contains(t)))
}

/// The statistics of the parties that only received, in order of first appearance, with
/// their findings.
fn receivers(
    table: &EventTable,
    peers: Vec<(IpAddr, Vec<Finding>)>,
    settings: &FeatureSettings,
) -> Vec<(SourceStats, Vec<Finding>)> {
    if peers.is_empty() {
        return Vec::new();
    }
    let mut slot: HashMap<u32, usize> = HashMap::new();
    for (i, (ip, _)) in peers.iter().enumerate() {
        if let Some(id) = table.ips().id_of(*ip) {
            slot.insert(id, i);
        }
    }
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); peers.len()];
    for r in 0..table.len() {
        if let Some(&i) = table.destination_ip_id(r).and_then(|d| slot.get(&d)) {
            rows[i].push(r as u32);
        }
    }
    let mut out: Vec<(SourceStats, Vec<Finding>)> = peers
        .into_iter()
        .zip(rows)
        .filter(|(_, rows)| !rows.is_empty())
        .map(|((ip, found), rows)| (receiver_stats(table, ip, &rows, settings), found))
        .collect();
    out.sort_by_key(|(s, _)| s.rows[0]);
    out
}

impl Detection {
    /// The model-cache keys of every trained model the run used, events' then sources'.
    pub fn model_keys(&self) -> Vec<String> {
        let mut keys = self.events.model_keys.clone();
        keys.extend(self.source_scores.model_keys.iter().cloned());
        keys
    }

    /// Why event `row` is anomalous, when it is: the flood or the finding it is part of, or
    /// the features that set it apart.
    pub fn event_reason(&self, t: &EventTable, row: usize) -> Option<String> {
        if !*self.event_flagged.get(row)? {
            return None;
        }
        let r = row as u32;
        let flood = self
            .volume
            .iter()
            .find(|v| v.rows.binary_search(&r).is_ok());
        let step = self
            .event_steps
            .binary_search_by_key(&r, |s| s.0)
            .ok()
            .map(|i| {
                let (_, party, kind) = self.event_steps[i];
                (self.sources[party as usize].stats.ip, kind)
            });
        Some(event_reason_text(
            flood,
            step,
            || self.event_drivers.describe(t, row),
            self.event_score.get(row).copied().unwrap_or(0.0),
        ))
    }
}

/// Why a flagged event is anomalous: the flood it is part of, else the finding whose step it
/// is (with the party it names), else what set it apart (`drivers`), else its `score`.
pub(super) fn event_reason_text(
    flood: Option<&VolumeAttack>,
    step: Option<(IpAddr, FindingKind)>,
    drivers: impl FnOnce() -> Option<String>,
    score: f64,
) -> String {
    if let Some(v) = flood {
        return format!(
            "part of the {} ({:.0}% of the file)",
            v.kind.name(),
            100.0 * v.share
        );
    }
    if let Some((ip, kind)) = step {
        return step_reason(kind, &ip.to_string());
    }
    match drivers() {
        Some(why) => format!("unusual for this file: {why}"),
        None => format!("the detectors together score it {score:.2}; no single feature stands out"),
    }
}

/// Ground truth per event: `Some(true)` when labelled malicious.
pub fn event_truth(table: &EventTable) -> Vec<Option<bool>> {
    (0..table.len())
        .map(|r| table.label(r).map(|l| l.verdict == Verdict::Malicious))
        .collect()
}
