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

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::events::{EventTable, ExtraColumn};
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
use super::forest::TRAINING_POOL;
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
    /// Its index in the training pool's rows.
    slot: usize,
    /// Whether the in-memory run would not have it (the hour of a log within a day; the
    /// weekend and off hours where business hours do not apply).
    left_out: bool,
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
            slot: 0,
            left_out: false,
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

/// An extra column's values over `n` rows, NaN where missing or not finite.
fn extra_values(e: &ExtraColumn, n: usize) -> Vec<f64> {
    (0..n)
        .map(|r| {
            e.values
                .get(r)
                .map(f64::from)
                .filter(|v| v.is_finite())
                .unwrap_or(f64::NAN)
        })
        .collect()
}

/// The raw values of `table` for each of `columns` ((name, extra), the per-event columns
/// first in the order `survey` computes them), NaN where missing.
fn raw_columns(
    survey: &FeatureSettings,
    columns: &[(String, bool)],
    table: &EventTable,
) -> Vec<Vec<f64>> {
    let private = private_flags(table);
    let mut out: Vec<Vec<f64>> = raw_event_columns(table, survey, &private, true)
        .into_iter()
        .map(|(_, values)| values)
        .collect();
    out.truncate(columns.iter().filter(|c| !c.1).count());
    for (name, _) in columns.iter().filter(|c| c.1) {
        out.push(match table.extras().iter().find(|e| &e.name == name) {
            Some(e) => extra_values(e, table.len()),
            None => vec![f64::NAN; table.len()],
        });
    }
    out
}

/// A kept column: how a raw value becomes its standardised feature.
#[derive(Debug, Clone)]
struct ColumnPlan {
    /// Index among the candidate columns.
    candidate: usize,
    /// Index in the training pool's rows.
    slot: usize,
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

/// What scoring the events needs from the whole log, gathered as the log is read and while
/// its sources are judged.
pub struct EventWork {
    rows: u64,
    /// The settings the columns are computed with: business hours on unless the analyst
    /// turned them off, the hour of day always (left out later when the log says so).
    survey: FeatureSettings,
    /// The per-event columns, then the extra numeric columns in order of appearance.
    columns: Vec<ColumnSurvey>,
    /// The training pool: a seeded reservoir of rows (every row of a log of at most its
    /// size), each with its position and raw candidate features by column.
    pool: Vec<(u64, Vec<f64>)>,
    rng: StdRng,
    windows: Option<(i64, i64, Vec<u64>)>,
    floods: FloodStage,
}

/// Where the flood search stands.
enum FloodStage {
    Sampling(FloodSample),
    Tallying(FloodTally),
}

impl EventWork {
    /// The work of a run with `settings` (features not resolved yet); `Err` with the reason
    /// when its events cannot be scored in shards.
    pub fn new(settings: &DetectionSettings) -> Result<EventWork, String> {
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
        let mut survey = settings.features;
        survey.business_hours = Some(survey.business_hours != Some(false));
        let columns = raw_event_columns(&EventTable::default(), &survey, &[], true)
            .into_iter()
            .map(|(name, _)| ColumnSurvey::new(name, false))
            .collect();
        Ok(EventWork {
            rows: 0,
            survey,
            columns,
            pool: Vec::new(),
            rng: StdRng::seed_from_u64(settings.seed),
            windows: None,
            floods: FloodStage::Sampling(FloodSample::growing()),
        })
    }

    /// Surveys rows as they are read: those of `table`, the first at position `first`.
    pub fn read(&mut self, table: &EventTable, first: u64) {
        let n = table.len();
        let private = private_flags(table);
        let mut raw: Vec<(usize, Vec<f64>)> =
            raw_event_columns(table, &self.survey, &private, true)
                .into_iter()
                .enumerate()
                .map(|(i, (_, values))| (i, values))
                .collect();
        for e in table.extras() {
            let slot = match self
                .columns
                .iter()
                .position(|c| c.extra && c.name == e.name)
            {
                Some(slot) => slot,
                None => {
                    self.columns.push(ColumnSurvey::new(e.name.clone(), true));
                    self.columns.len() - 1
                }
            };
            raw.push((slot, extra_values(e, n)));
        }
        // Each column's tally on a thread of its own.
        let mut by_slot: Vec<Option<&Vec<f64>>> = vec![None; self.columns.len()];
        for (slot, values) in &raw {
            by_slot[*slot] = Some(values);
        }
        self.columns
            .par_iter_mut()
            .zip(by_slot)
            .for_each(|(c, values)| {
                values.into_iter().flatten().for_each(|&v| c.add(v));
            });
        let width = self.columns.len();
        let row = |r: usize| {
            let mut v = vec![f64::NAN; width];
            for (slot, values) in &raw {
                v[*slot] = values[r];
            }
            v
        };
        for r in 0..n {
            let at = first + r as u64;
            if self.pool.len() < TRAINING_POOL {
                self.pool.push((at, row(r)));
            } else {
                let j = self.rng.gen_range(0..=at) as usize;
                if j < TRAINING_POOL {
                    self.pool[j] = (at, row(r));
                }
            }
        }
        if let FloodStage::Sampling(sample) = &mut self.floods {
            let positions: Vec<u64> = (first..first + n as u64).collect();
            sample.add(table, &positions);
        }
        self.rows += n as u64;
    }

    /// Once every file is read: the extra columns in the reading table's order (`extras`),
    /// the span of the log's times, and the features' settings resolved against the formats
    /// read. `Err` when the events cannot be scored in shards after all.
    pub fn read_all(
        &mut self,
        extras: &[String],
        span: Option<(i64, i64)>,
        resolved: &FeatureSettings,
    ) -> Result<(), String> {
        if extras.len() > MAX_EXTRA_FEATURES {
            return Err(format!(
                "{} extra numeric columns: the in-memory run keeps the {MAX_EXTRA_FEATURES} \
                 most varied, chosen over the whole log",
                extras.len()
            ));
        }
        let daily = span.is_some_and(|(first, last)| crate::features::daily(last - first));
        let business = resolved.business_hours_apply();
        for c in self.columns.iter_mut().filter(|c| !c.extra) {
            c.left_out = match c.name.as_str() {
                "hour" => !daily,
                "weekend" | "off_hours" => !business,
                _ => false,
            };
        }
        // The in-memory run's order: its columns, then the extras as its table holds them.
        let rank = |c: &ColumnSurvey| {
            if c.extra {
                extras
                    .iter()
                    .position(|e| *e == c.name)
                    .unwrap_or(usize::MAX)
            } else {
                0
            }
        };
        self.columns
            .iter_mut()
            .enumerate()
            .for_each(|(i, c)| c.slot = i);
        self.columns.sort_by_key(|c| (c.extra, rank(c)));
        self.windows = span.map(|(first, last)| {
            let w = window_for_span(last - first);
            let buckets = ((last - first) / w.max(1) + 1) as usize;
            (first, w, vec![0u64; buckets])
        });
        if let FloodStage::Sampling(sample) = &mut self.floods {
            let sample = std::mem::replace(sample, FloodSample::growing());
            self.floods = FloodStage::Tallying(sample.candidates(self.rows as usize));
        }
        for c in &mut self.columns {
            let (missing, log) = (self.rows - c.present, c.logged());
            c.tally.plan(missing, log);
        }
        Ok(())
    }

    /// Sees one shard as its sources are judged: the candidate floods are tallied, the burst
    /// windows counted, and the columns of many distinct values gather the values near their
    /// median and MAD.
    pub fn judged(&mut self, shard: &Shard) {
        let Shard { table, positions } = shard;
        if let FloodStage::Tallying(tally) = &mut self.floods {
            tally.add(table, positions);
        }
        if let Some((start, w, counts)) = &mut self.windows {
            for t in (0..table.len()).filter_map(|r| table.time_us(r)) {
                if let Some(c) = counts.get_mut(((t - *start) / *w) as usize) {
                    *c += 1;
                }
            }
        }
        if self.columns.iter().all(|c| c.tally.counted()) {
            return;
        }
        let names: Vec<(String, bool)> = self
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.extra))
            .collect();
        let raw = raw_columns(&self.survey, &names, table);
        for (c, values) in self.columns.iter_mut().zip(&raw) {
            if !c.tally.counted() {
                values
                    .iter()
                    .filter(|v| !v.is_nan())
                    .for_each(|&v| c.tally.gather(v));
            }
        }
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
            if c.present == 0 || !c.varies || c.left_out {
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
                slot: c.slot,
                name: c.name.clone(),
                log,
                fill,
                centre,
                scale,
            });
        }
        self.pool.sort_unstable_by_key(|p| p.0);
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
            let pool_of = |cols: &[usize]| -> FeatureMatrix {
                let mut m = FeatureMatrix::default();
                for &c in cols {
                    let plan = &plans[c];
                    let values = self
                        .pool
                        .iter()
                        .map(|(_, row)| {
                            plan.standardise(row.get(plan.slot).copied().unwrap_or(f64::NAN))
                        })
                        .collect();
                    m.push(&plan.name, FeatureColumn::of(values));
                }
                m
            };
            let t = std::time::Instant::now();
            let matrix = |_: usize, cols: &[usize]| std::borrow::Cow::Owned(pool_of(cols));
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
            FloodStage::Sampling(sample) => sample.candidates(self.rows as usize).finish(),
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
            survey: self.survey,
            columns: self
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.extra))
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
    survey: FeatureSettings,
    columns: Vec<(String, bool)>,
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
        let mut raw = raw_columns(&self.survey, &self.columns, table);
        let mut m = FeatureMatrix::default();
        let mut scales = Vec::with_capacity(self.plans.len());
        for plan in &self.plans {
            let mut values = std::mem::take(&mut raw[plan.candidate]);
            values.iter_mut().for_each(|v| *v = plan.standardise(*v));
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
