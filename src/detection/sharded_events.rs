//! Scoring the events of a log held as shards (the streaming path, `crate::streaming`), in
//! three sweeps over the shards with memory bounded by one shard:
//!
//! 1. a survey ([`EventWork::survey`]) tallies each feature column's values over the whole log
//!    for its exact median and MAD ([`ColumnTally`]), keeps
//!    the forest's training pool (the rows the in-memory run draws, found by position), counts
//!    the events per burst window and samples the flood patterns as the in-memory run does;
//! 2. while the sources are judged ([`EventWork::judged`]), the candidate floods are tallied
//!    and the columns of many distinct values gather the values near their median and MAD;
//! 3. each shard is then scored ([`EventScorer::score`]) with the models and scales of the
//!    whole log, and its events' final scores, verdicts and reasons are those of the in-memory
//!    run up to the forest's own randomness.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use rustc_hash::FxHashMap;

use crate::events::EventTable;
use crate::features::{
    private_flags, raw_event_columns, scale_from, ColumnTally, FeatureColumn, FeatureMatrix,
    FeatureSettings, LOG_SPAN, MAX_EXTRA_FEATURES,
};

use super::behaviour::FindingKind;
use super::detectors::{
    column_groups, max_abs_z, window_for_span, BurstWindows, Detector, DetectorKind,
    ForestDetector, LevelInputs,
};
use super::event_reasons::EventDrivers;
use super::event_steps::{attack_steps, event_combined, routine_infrastructure};
use super::forest::pool_indices;
use super::pipeline::{event_reason_text, Detection, DetectionSettings, LevelScores};
use super::sharded::Shard;
use super::volume::{FloodSample, FloodTally, VolumeAttack};

/// Shifted sums of a column's present values, for its mean and standard deviation.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    shift: Option<f64>,
    s: f64,
    ss: f64,
}

impl Sums {
    fn add(&mut self, v: f64) {
        let d = v - *self.shift.get_or_insert(v);
        self.s += d;
        self.ss += d * d;
    }

    /// The standard deviation of the column once its `missing` values are `fill`.
    fn sd(&self, fill: f64, missing: u64, total: u64) -> f64 {
        let k = self.shift.unwrap_or(fill);
        let m = missing as f64;
        let s = self.s + m * (fill - k);
        let ss = self.ss + m * (fill - k).powi(2);
        let n = total.max(1) as f64;
        (ss / n - (s / n).powi(2)).max(0.0).sqrt()
    }
}

/// One candidate feature column over the whole log.
#[derive(Debug)]
struct ColumnSurvey {
    name: String,
    extra: bool,
    tally: ColumnTally,
    present: u64,
    first: Option<f64>,
    varies: bool,
    min: f64,
    max: f64,
    sums: Sums,
    log_sums: Sums,
}

impl ColumnSurvey {
    fn new(name: String, extra: bool) -> ColumnSurvey {
        ColumnSurvey {
            name,
            extra,
            tally: ColumnTally::default(),
            present: 0,
            first: None,
            varies: false,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sums: Sums::default(),
            log_sums: Sums::default(),
        }
    }

    fn add(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.present += 1;
        match self.first {
            None => self.first = Some(v),
            Some(f) if f != v => self.varies = true,
            Some(_) => {}
        }
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.tally.add(v);
        self.sums.add(v);
        if self.extra && v >= 0.0 {
            self.log_sums.add(v.ln_1p());
        }
    }

    /// Whether the in-memory run logs this column (an extra spanning decades).
    fn logged(&self) -> bool {
        self.extra && self.min >= 0.0 && self.max > LOG_SPAN
    }
}

/// A kept column: how a raw value becomes its standardised feature.
#[derive(Debug, Clone)]
struct ColumnPlan {
    /// Index among the candidate columns.
    candidate: usize,
    name: String,
    log: bool,
    fill: f64,
    centre: f64,
    scale: f64,
}

impl ColumnPlan {
    fn standardise(&self, raw: f64) -> f64 {
        let v = if raw.is_nan() {
            self.fill
        } else if self.log {
            raw.ln_1p()
        } else {
            raw
        };
        (v - self.centre) / self.scale
    }
}

/// What scoring the events needs from the whole log, gathered over the shards before they
/// are scored.
pub struct EventWork {
    rows: u64,
    settings: FeatureSettings,
    daily: bool,
    columns: Vec<ColumnSurvey>,
    /// The positions of the forest's training pools (one per possible column group), sorted.
    pool_positions: Vec<u64>,
    /// The pooled rows' raw candidate features, by position.
    pool: FxHashMap<u64, Vec<f64>>,
    seeds: Vec<u64>,
    windows: Option<(i64, i64, Vec<u64>)>,
    floods: FloodStage,
}

/// Where the flood search stands.
enum FloodStage {
    Sampling(FloodSample),
    Tallying(FloodTally),
}

impl EventWork {
    /// The work for a log of `rows` events whose times span `span` (first, last), with the
    /// extra numeric columns `extras`; `Err` with the reason when its events cannot be
    /// scored in shards.
    pub fn new(
        rows: u64,
        span: Option<(i64, i64)>,
        extras: &[String],
        settings: &DetectionSettings,
    ) -> Result<EventWork, String> {
        if let Some(k) = settings.detectors.iter().find(|k| {
            !matches!(
                k,
                DetectorKind::Forest
                    | DetectorKind::RobustZ
                    | DetectorKind::Burst
                    | DetectorKind::Rules
            )
        }) {
            return Err(format!(
                "the {} detector scores each event against all of them at once",
                k.name()
            ));
        }
        if extras.len() > MAX_EXTRA_FEATURES {
            return Err(format!(
                "{} extra numeric columns: the in-memory run keeps the {MAX_EXTRA_FEATURES} \
                 most varied, chosen over the whole log",
                extras.len()
            ));
        }
        let daily = span.is_some_and(|(first, last)| crate::features::daily(last - first));
        let empty = EventTable::default();
        let mut columns: Vec<ColumnSurvey> =
            raw_event_columns(&empty, &settings.features, &[], daily)
                .into_iter()
                .map(|(name, _)| ColumnSurvey::new(name, false))
                .collect();
        columns.extend(extras.iter().map(|e| ColumnSurvey::new(e.clone(), true)));
        let groups = column_groups(columns.len()).len().max(1);
        let seeds: Vec<u64> = (0..groups)
            .map(|g| settings.seed.wrapping_add(g as u64))
            .collect();
        let mut pool_positions: Vec<u64> = Vec::new();
        if settings.detectors.contains(&DetectorKind::Forest) {
            for &seed in &seeds {
                pool_positions.extend(pool_indices(rows as usize, seed).iter().map(|&r| r as u64));
            }
        }
        pool_positions.sort_unstable();
        pool_positions.dedup();
        let windows = span.map(|(first, last)| {
            let w = window_for_span(last - first);
            let buckets = ((last - first) / w.max(1) + 1) as usize;
            (first, w, vec![0u64; buckets])
        });
        Ok(EventWork {
            rows,
            settings: settings.features.clone(),
            daily,
            columns,
            pool_positions,
            pool: FxHashMap::default(),
            seeds,
            windows,
            floods: FloodStage::Sampling(FloodSample::new(rows as usize)),
        })
    }

    /// Surveys one shard (the first sweep).
    pub fn survey(&mut self, shard: &Shard) {
        let Shard { table, positions } = shard;
        let private = private_flags(table);
        let raw = self.raw_columns(table, &private);
        for (survey, (_, values)) in self.columns.iter_mut().zip(&raw) {
            for &v in values {
                survey.add(v);
            }
        }
        let mut next = 0;
        for (r, &at) in positions.iter().enumerate() {
            while next < self.pool_positions.len() && self.pool_positions[next] < at {
                next += 1;
            }
            if self.pool_positions.get(next) == Some(&at) {
                self.pool
                    .insert(at, raw.iter().map(|(_, values)| values[r]).collect());
            }
        }
        if let Some((start, w, counts)) = &mut self.windows {
            for t in (0..table.len()).filter_map(|r| table.time_us(r)) {
                if let Some(c) = counts.get_mut(((t - *start) / *w) as usize) {
                    *c += 1;
                }
            }
        }
        if let FloodStage::Sampling(sample) = &mut self.floods {
            sample.add(table, positions);
        }
    }

    /// Sees one shard as its sources are judged (the second sweep): the candidate floods
    /// are tallied.
    pub fn judged(&mut self, shard: &Shard) {
        if let FloodStage::Sampling(sample) = &mut self.floods {
            let sample = std::mem::replace(sample, FloodSample::new(0));
            self.floods = FloodStage::Tallying(sample.candidates());
            for c in &mut self.columns {
                let (missing, log) = (self.rows - c.present, c.logged());
                c.tally.plan(missing, log);
            }
        }
        if let FloodStage::Tallying(tally) = &mut self.floods {
            tally.add(&shard.table, &shard.positions);
        }
        if self.columns.iter().all(|c| c.tally.counted()) {
            return;
        }
        let private = private_flags(&shard.table);
        let raw = self.raw_columns(&shard.table, &private);
        for (c, (_, values)) in self.columns.iter_mut().zip(&raw) {
            if !c.tally.counted() {
                values
                    .iter()
                    .filter(|v| !v.is_nan())
                    .for_each(|&v| c.tally.gather(v));
            }
        }
    }

    fn raw_columns(&self, table: &EventTable, private: &[f64]) -> Vec<(String, Vec<f64>)> {
        let mut raw = raw_event_columns(table, &self.settings, private, self.daily);
        for survey in self.columns.iter().filter(|c| c.extra) {
            let values = table
                .extras()
                .iter()
                .find(|e| e.name == survey.name)
                .map(|e| {
                    (0..table.len())
                        .map(|r| {
                            e.values
                                .get(r)
                                .map(f64::from)
                                .filter(|v| v.is_finite())
                                .unwrap_or(f64::NAN)
                        })
                        .collect()
                })
                .unwrap_or_else(|| vec![f64::NAN; table.len()]);
            raw.push((survey.name.clone(), values));
        }
        raw
    }

    /// The scorer: the columns' scales, the forests trained on the pool, the burst windows
    /// and the floods; `None` when the run was cancelled while training.
    pub fn prepare(
        mut self,
        settings: &DetectionSettings,
        detection: &Detection,
        cancel: &AtomicBool,
    ) -> Option<EventScorer> {
        let mut plans: Vec<ColumnPlan> = Vec::new();
        for (i, c) in self.columns.iter_mut().enumerate() {
            if c.present == 0 || !c.varies {
                continue;
            }
            let log = c.logged();
            let missing = self.rows - c.present;
            let tally = std::mem::take(&mut c.tally);
            let (fill, mad) = tally.finish(missing, log);
            let sums = if log { c.log_sums } else { c.sums };
            // With the missing values at the median, the median of the column is the fill.
            let (centre, scale) = scale_from(fill, mad, sums.sd(fill, missing, self.rows));
            plans.push(ColumnPlan {
                candidate: i,
                name: c.name.clone(),
                log,
                fill,
                centre,
                scale,
            });
        }
        let names: Vec<String> = plans.iter().map(|p| p.name.clone()).collect();
        let mut events = LevelScores {
            features: names.clone(),
            ..LevelScores::default()
        };
        let mut forest = None;
        if settings.detectors.contains(&DetectorKind::Forest) && !plans.is_empty() {
            let mut f = ForestDetector {
                settings: settings.forest,
                seed: settings.seed,
                models: Vec::new(),
                cache_dir: settings.cache_dir.clone(),
                keys: Vec::new(),
            };
            let groups = column_groups(plans.len());
            let pool_of = |g: usize, cols: &[usize]| -> FeatureMatrix {
                let seed = self.seeds.get(g).copied().unwrap_or(settings.seed);
                let rows: Vec<&Vec<f64>> = pool_indices(self.rows as usize, seed)
                    .iter()
                    .filter_map(|&r| self.pool.get(&(r as u64)))
                    .collect();
                let mut m = FeatureMatrix::default();
                for &c in cols {
                    let plan = &plans[c];
                    let values = rows
                        .iter()
                        .map(|row| plan.standardise(row[plan.candidate]))
                        .collect();
                    m.push(&plan.name, FeatureColumn::of(values));
                }
                m
            };
            let t = std::time::Instant::now();
            let matrix = |g: usize, cols: &[usize]| std::borrow::Cow::Owned(pool_of(g, cols));
            if let Some(w) = f.fit_groups(&groups, &matrix, cancel) {
                events.warnings.push(w);
            }
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            events.model_keys = f.model_keys();
            events
                .seconds
                .insert(DetectorKind::Forest, [t.elapsed().as_secs_f64(), 0.0]);
            forest = Some(f);
        }
        self.pool.clear();
        let floods = match self.floods {
            FloodStage::Sampling(sample) => sample.candidates().finish(),
            FloodStage::Tallying(tally) => tally.finish(),
        };
        let windows = self
            .windows
            .map(|(start, w, counts)| BurstWindows::from_counts(start, w, &counts, 0.3));
        let mut floors: Vec<(u64, f64)> = detection
            .sources
            .iter()
            .flat_map(|s| &s.findings)
            .filter(|f| f.kind.marks_events() && !f.context)
            .flat_map(|f| {
                let floor = settings.event_threshold.max(0.5 + 0.5 * f.weight);
                f.rows.iter().map(move |&r| (u64::from(r), floor))
            })
            .collect();
        floors.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        floors.dedup_by_key(|f| f.0);
        let flood_floor = settings
            .event_threshold
            .max(0.5 + 0.5 * FindingKind::Flood.weight());
        let mut flooded: Vec<(u64, usize)> = floods
            .iter()
            .enumerate()
            .flat_map(|(i, v)| v.rows.iter().map(move |&r| (u64::from(r), i)))
            .collect();
        flooded.sort_unstable();
        flooded.dedup_by_key(|f| f.0);
        Some(EventScorer {
            plans,
            settings: self.settings,
            daily: self.daily,
            extras: self
                .columns
                .iter()
                .filter(|c| c.extra)
                .map(|c| c.name.clone())
                .collect(),
            robust_z: settings.detectors.contains(&DetectorKind::RobustZ),
            burst: settings.detectors.contains(&DetectorKind::Burst),
            forest,
            windows,
            threshold: settings.event_threshold,
            home: settings.home.clone(),
            floors,
            flood_floor,
            flooded,
            floods,
            steps: attack_steps(&detection.sources),
            events,
            flagged_outside: 0,
        })
    }
}

/// Scores shards with what the whole log taught ([`EventWork::prepare`]).
pub struct EventScorer {
    plans: Vec<ColumnPlan>,
    settings: FeatureSettings,
    daily: bool,
    extras: Vec<String>,
    robust_z: bool,
    burst: bool,
    forest: Option<ForestDetector>,
    windows: Option<Option<BurstWindows>>,
    threshold: f64,
    home: Vec<ipnet::IpNet>,
    /// The attack steps' positions and score floors, sorted.
    floors: Vec<(u64, f64)>,
    flood_floor: f64,
    /// The floods' positions, each with its flood, sorted.
    flooded: Vec<(u64, usize)>,
    floods: Vec<VolumeAttack>,
    steps: Vec<(u32, u32, FindingKind)>,
    events: LevelScores,
    flagged_outside: usize,
}

/// One shard's events, scored.
pub struct ScoredShard {
    /// Each event's combined score.
    pub score: Vec<f64>,
    /// Whether each event is flagged.
    pub flagged: Vec<bool>,
    /// Each detector's raw score of each event.
    pub raw: BTreeMap<DetectorKind, Vec<f64>>,
    /// Why each flagged event is anomalous.
    pub reasons: Vec<Option<String>>,
}

impl EventScorer {
    /// Scores the events of `shard`, judged in `detection`.
    pub fn score(&mut self, shard: &Shard, detection: &Detection) -> ScoredShard {
        let Shard { table, positions } = shard;
        let n = table.len();
        let private = private_flags(table);
        let mut raw = raw_event_columns(table, &self.settings, &private, self.daily);
        for name in &self.extras {
            let values = table
                .extras()
                .iter()
                .find(|e| &e.name == name)
                .map(|e| {
                    (0..n)
                        .map(|r| {
                            e.values
                                .get(r)
                                .map(f64::from)
                                .filter(|v| v.is_finite())
                                .unwrap_or(f64::NAN)
                        })
                        .collect()
                })
                .unwrap_or_else(|| vec![f64::NAN; n]);
            raw.push((name.clone(), values));
        }
        let mut m = FeatureMatrix::default();
        let mut scales = Vec::with_capacity(self.plans.len());
        for plan in &self.plans {
            let values = raw[plan.candidate]
                .1
                .iter()
                .map(|&v| plan.standardise(v))
                .collect();
            m.push(&plan.name, FeatureColumn::Dense(values));
            if plan.log {
                m.log_transformed.push(plan.name.clone());
            }
            scales.push((plan.centre, plan.scale));
        }
        drop(raw);
        let cancel = AtomicBool::new(false);
        let inputs = LevelInputs {
            standardised: &m,
            sources: None,
            burst_z: None,
            cancel: &cancel,
        };
        let mut scores = LevelScores::default();
        let t = std::time::Instant::now();
        if let Some(f) = &self.forest {
            if let Some(v) = f.raw(&inputs) {
                scores.raw.insert(DetectorKind::Forest, v);
            }
        }
        if self.robust_z && m.dims() > 0 {
            scores.raw.insert(DetectorKind::RobustZ, max_abs_z(&m));
        }
        if self.burst {
            if let Some(windows) = &self.windows {
                let z = (0..n)
                    .map(|r| {
                        table
                            .time_us(r)
                            .and_then(|t| windows.as_ref().map(|w| w.z_at(t)))
                            .unwrap_or(0.0)
                    })
                    .collect();
                scores.raw.insert(DetectorKind::Burst, z);
            }
        }
        if let Some(s) = self.events.seconds.get_mut(&DetectorKind::Forest) {
            s[1] += t.elapsed().as_secs_f64();
        }
        let mut score = event_combined(&scores, n);
        let drivers = EventDrivers::of(&m, &scales, &score, self.threshold);
        drop(m);
        let flood_of = |at: u64| {
            self.flooded
                .binary_search_by_key(&at, |f| f.0)
                .ok()
                .map(|i| self.flooded[i].1)
        };
        self.flagged_outside += positions
            .iter()
            .zip(&score)
            .filter(|&(&at, &s)| s >= self.threshold && flood_of(at).is_none())
            .count();
        routine_infrastructure(table, &detection.sources, &self.home, &mut score);
        for (s, &at) in score.iter_mut().zip(positions) {
            if let Ok(i) = self.floors.binary_search_by_key(&at, |f| f.0) {
                *s = s.max(self.floors[i].1);
            }
            if flood_of(at).is_some() {
                *s = s.max(self.flood_floor);
            }
        }
        let flagged: Vec<bool> = score.iter().map(|&s| s >= self.threshold).collect();
        let reasons = (0..n)
            .map(|r| {
                if !flagged[r] {
                    return None;
                }
                let at = positions[r];
                let flood = flood_of(at).map(|i| &self.floods[i]);
                let step = u32::try_from(at)
                    .ok()
                    .and_then(|at| self.steps.binary_search_by_key(&at, |s| s.0).ok())
                    .map(|i| {
                        let (_, party, kind) = self.steps[i];
                        (detection.sources[party as usize].stats.ip, kind)
                    });
                Some(event_reason_text(
                    flood,
                    step,
                    || drivers.describe(table, r),
                    score[r],
                ))
            })
            .collect();
        ScoredShard {
            score,
            flagged,
            raw: scores.raw,
            reasons,
        }
    }

    /// The detectors whose raw scores every shard gives, in the order of the columns.
    pub fn detectors(&self) -> Vec<DetectorKind> {
        let mut kinds = Vec::new();
        if self.forest.as_ref().is_some_and(|f| !f.models.is_empty()) {
            kinds.push(DetectorKind::Forest);
        }
        if self.robust_z && !self.plans.is_empty() {
            kinds.push(DetectorKind::RobustZ);
        }
        if self.burst && self.windows.is_some() {
            kinds.push(DetectorKind::Burst);
        }
        kinds
    }

    /// Puts what the events' scoring found into `detection`: the floods, the model caveat and
    /// the events' level (features, warnings, model keys, timings).
    pub fn finish(self, detection: &mut Detection) {
        detection.caveat = super::volume::model_caveat(&self.floods, self.flagged_outside);
        detection.volume = self.floods;
        detection.events = self.events;
    }
}
