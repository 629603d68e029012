//! The detectors, behind one small trait. Each turns a level's inputs into a score in [0, 1]
//! per item (0 = ordinary, 1 = as anomalous as this detector gets).

use serde::{Deserialize, Serialize};

use crate::features::{quantile, FeatureMatrix, SourceStats};

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use super::forest::{train, FlatForest, ForestSettings, MAX_DIMS};
use super::model_cache::{load, model_key, store};

/// Which detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectorKind {
    /// Extended Isolation Forest.
    Forest,
    /// Largest robust z-score (median/MAD) over the features.
    RobustZ,
    /// Bursts of events against an EWMA of recent activity.
    Burst,
    /// The seeds' rules: request volume or mean bytes above a percentile, off-hours activity.
    Rules,
    /// ECOD: each value's tail probability under its feature's empirical distribution.
    Ecod,
    /// HBOS: each value's density in its feature's histogram.
    Hbos,
    /// DBSCAN: distance to the nearest core point of a clustered sample.
    Dbscan,
    /// Local Outlier Factor: how much sparser an item's neighbourhood is than its neighbours'.
    Lof,
    /// One-Class SVM: how far outside the RBF region holding most of a sample an item falls.
    Ocsvm,
    /// Autoencoder: how badly a small network trained on a sample rebuilds an item.
    Autoencoder,
}

impl DetectorKind {
    /// Every detector.
    pub const ALL: [DetectorKind; 10] = [
        DetectorKind::Forest,
        DetectorKind::RobustZ,
        DetectorKind::Burst,
        DetectorKind::Rules,
        DetectorKind::Ecod,
        DetectorKind::Hbos,
        DetectorKind::Dbscan,
        DetectorKind::Lof,
        DetectorKind::Ocsvm,
        DetectorKind::Autoencoder,
    ];

    /// The detectors run unless others are chosen: the model families that
    /// bench/choose_default.py chooses over every labelled set (the forest and robust z; each
    /// set held out in turn, four of six choose them too), with the bursts and percentile
    /// rules, which judge sources.
    pub const DEFAULT: [DetectorKind; 4] = [
        DetectorKind::Forest,
        DetectorKind::RobustZ,
        DetectorKind::Burst,
        DetectorKind::Rules,
    ];

    /// Name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            DetectorKind::Forest => "forest",
            DetectorKind::RobustZ => "robust_z",
            DetectorKind::Burst => "burst",
            DetectorKind::Rules => "rules",
            DetectorKind::Ecod => "ecod",
            DetectorKind::Hbos => "hbos",
            DetectorKind::Dbscan => "dbscan",
            DetectorKind::Lof => "lof",
            DetectorKind::Ocsvm => "ocsvm",
            DetectorKind::Autoencoder => "autoencoder",
        }
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<DetectorKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Maps this detector's raw measure onto [0, 1] for the confidence: the forest's score
    /// ramps from 0.5 to 0.7, robust z, bursts and the robust z of the families' scores
    /// from 3 to 10 deviations, and the rules' share of rules broken is already in [0, 1].
    pub fn normalise(self, raw: f64) -> f64 {
        match self {
            DetectorKind::Forest => ramp(raw, 0.5, 0.7),
            DetectorKind::RobustZ
            | DetectorKind::Burst
            | DetectorKind::Ecod
            | DetectorKind::Hbos
            | DetectorKind::Dbscan
            | DetectorKind::Lof
            | DetectorKind::Ocsvm
            | DetectorKind::Autoencoder => ramp(raw, 3.0, 10.0),
            DetectorKind::Rules => raw,
        }
    }
}

/// What a detector sees at one level (events or sources).
pub struct LevelInputs<'a> {
    /// Features, robustly standardised (median 0, MAD-scaled), at most the forest's width.
    pub standardised: &'a FeatureMatrix,
    /// Per-source statistics, at the source level.
    pub sources: Option<&'a [SourceStats]>,
    /// Computes the per-item burst z-scores, when times are known: only the burst detector
    /// needs them, so they are made when it runs and not held beside the features before.
    pub burst_z: Option<&'a (dyn Fn() -> Vec<f64> + Sync)>,
    /// Raised to stop the run: long fits return early, leaving no model.
    pub cancel: &'a AtomicBool,
}

/// A detector: learns from a level's items, then scores every item, or `None` when it does
/// not apply there.
pub trait Detector: Sync {
    /// Which detector this is.
    fn kind(&self) -> DetectorKind;
    /// Learns what is normal (a no-op for detectors without a model). Returns a warning
    /// when something went wrong that does not stop detection.
    fn fit(&mut self, _inputs: &LevelInputs<'_>) -> Option<String> {
        None
    }
    /// Raw anomaly measures, one per item, higher is more anomalous.
    fn raw(&self, inputs: &LevelInputs<'_>) -> Option<Vec<f64>>;
    /// The model-cache keys of the trained models [`Detector::fit`] used, if any.
    fn model_keys(&self) -> Vec<String> {
        Vec::new()
    }
    /// The fitted model in a line, when it is worth stating.
    fn describe(&self, _inputs: &LevelInputs<'_>) -> Option<String> {
        None
    }
}

/// Maps a raw anomaly measure onto [0, 1]: `lo` and below is 0, `hi` and above is 1.
pub fn ramp(v: f64, lo: f64, hi: f64) -> f64 {
    ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// The isolation forest detector. Scores near 0.5 are ordinary; its confidence ramps from
/// 0.5 (0) to 0.7 (1).
pub struct ForestDetector {
    /// Forest parameters.
    pub settings: ForestSettings,
    /// Seed for the training pool.
    pub seed: u64,
    /// The trained forests with the feature columns each sees, after [`Detector::fit`].
    pub models: Vec<(Vec<usize>, FlatForest)>,
    /// Where trained models are cached, if anywhere.
    pub cache_dir: Option<PathBuf>,
    /// The cache keys of [`ForestDetector::models`], after [`Detector::fit`].
    pub keys: Vec<String>,
}

/// The feature columns of each forest: all of them up to [`MAX_DIMS`]; beyond, the fewest
/// groups of at most `MAX_DIMS` that hold them, column `j` going to group `j mod groups`
/// (feature bagging: every forest sees a different subspace and their scores are averaged,
/// which keeps every feature's own scale where a projection would mix them).
pub fn column_groups(dims: usize) -> Vec<Vec<usize>> {
    let groups = dims.div_ceil(MAX_DIMS).max(1);
    (0..groups)
        .map(|g| (g..dims).step_by(groups).collect())
        .filter(|c: &Vec<usize>| !c.is_empty())
        .collect()
}

/// Tree evaluations (trees × rows) a forest may cost at scoring beyond its configured trees.
const TREE_ROW_BUDGET: usize = 2_000_000;

/// Most trees a forest gets.
const MOST_TREES: usize = 1000;

/// Trees for each of `groups` forests over `rows`: at least the configured `trees`, more on
/// small inputs (up to 1,000 over all the groups, within 2 million tree evaluations), where
/// scoring costs little and more trees steady the scores that the crate's unseeded trees
/// make vary from one training to the next. Counting every group keeps a wide file's models
/// (many groups of few rows) in bounded memory.
pub fn trees_for(rows: usize, trees: usize, groups: usize) -> usize {
    let groups = groups.max(1);
    trees.max((TREE_ROW_BUDGET / rows.max(1) / groups).min(MOST_TREES / groups))
}

impl ForestDetector {
    /// Fits one forest per column group of `groups`, group `g` on `matrix(g, columns)`, each
    /// from the cache or trained: the in-memory run passes its features, a streaming run its
    /// training pool.
    pub fn fit_groups<'m>(
        &mut self,
        groups: &[Vec<usize>],
        matrix: &dyn Fn(usize, &[usize]) -> Cow<'m, FeatureMatrix>,
        cancel: &AtomicBool,
    ) -> Option<String> {
        let mut warning = None;
        self.models.clear();
        self.keys.clear();
        for (g, cols) in groups.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                self.models.clear();
                return warning;
            }
            let sub = matrix(g, cols);
            let (model, w) =
                self.fit_one(&sub, groups.len(), self.seed.wrapping_add(g as u64), cancel);
            warning = warning.or(w);
            if let Some(model) = model {
                self.models.push((cols.clone(), model));
            }
        }
        warning
    }

    /// Loads the forest for exactly `m` from the cache, or trains and caches it.
    fn fit_one(
        &mut self,
        m: &FeatureMatrix,
        groups: usize,
        seed: u64,
        cancel: &AtomicBool,
    ) -> (Option<FlatForest>, Option<String>) {
        let settings = ForestSettings {
            trees: trees_for(m.rows(), self.settings.trees, groups),
            ..self.settings
        };
        let key = model_key(m, &settings, seed);
        self.keys.push(key.clone());
        if let Some(dir) = &self.cache_dir {
            if let Some(model) = load(dir, &key) {
                if model.dims() == m.dims() {
                    return (Some(model), None);
                }
            }
        }
        let model = train(m, &settings, seed, cancel);
        let warning = match (&self.cache_dir, &model) {
            (Some(dir), Some(model)) => store(dir, &key, model).err().map(|e| {
                format!(
                    "cannot cache the trained model in {}: {e}; verdicts may differ on the next run",
                    dir.display()
                )
            }),
            _ => None,
        };
        (model, warning)
    }
}

impl Detector for ForestDetector {
    fn kind(&self) -> DetectorKind {
        DetectorKind::Forest
    }

    /// One forest per column group (see [`column_groups`]), each from the cache or trained.
    fn fit(&mut self, inputs: &LevelInputs<'_>) -> Option<String> {
        let m = inputs.standardised;
        let groups = column_groups(m.dims());
        // A single group is every column: no copy of the features.
        let single = groups.len() == 1;
        let matrix = |_: usize, cols: &[usize]| {
            if single {
                Cow::Borrowed(m)
            } else {
                Cow::Owned(m.select(cols))
            }
        };
        self.fit_groups(&groups, &matrix, inputs.cancel)
    }

    fn model_keys(&self) -> Vec<String> {
        self.keys.clone()
    }

    /// The mean of the forests' scores.
    fn raw(&self, inputs: &LevelInputs<'_>) -> Option<Vec<f64>> {
        let (first, rest) = self.models.split_first()?;
        let score = |(cols, model): &(Vec<usize>, FlatForest)| {
            if self.models.len() == 1 {
                model.score(inputs.standardised)
            } else {
                model.score(&inputs.standardised.select(cols))
            }
        };
        let mut sum = score(first);
        for pair in rest {
            for (s, v) in sum.iter_mut().zip(score(pair)) {
                *s += v;
            }
        }
        let n = self.models.len() as f64;
        sum.iter_mut().for_each(|s| *s /= n);
        Some(sum)
    }
}

/// Each score's robust z over all of them, `(s - median) / (1.4826 * MAD)`, the standard
/// deviation standing in for a MAD of 0 (and all 0 when every score is the same): a
/// monotone map, so that a family's own scores rank the items as they do.
pub fn robust_z_of(scores: &[f64]) -> Vec<f64> {
    let mid = quantile(scores, 0.5);
    let dev: Vec<f64> = scores.iter().map(|s| (s - mid).abs()).collect();
    let mut scale = 1.4826 * quantile(&dev, 0.5);
    if scale <= 0.0 {
        let n = scores.len().max(1) as f64;
        let mean = scores.iter().sum::<f64>() / n;
        scale = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
    }
    if scale <= 0.0 {
        return vec![0.0; scores.len()];
    }
    scores.iter().map(|s| (s - mid) / scale).collect()
}

/// A family's model, fitted on a level's standardised features.
pub trait FamilyModel: Send + Sync {
    /// The family's score of every row of the level, higher more anomalous.
    fn scores(&self, m: &FeatureMatrix) -> Vec<f64>;
    /// The model in a line, when it is worth stating.
    fn describe(&self, _m: &FeatureMatrix) -> Option<String> {
        None
    }
}

/// How a family scores a level.
#[derive(Clone, Copy)]
pub enum Family {
    /// In one pass over the level, nothing to train apart (ECOD, HBOS).
    OnePass(fn(&FeatureMatrix) -> Vec<f64>),
    /// Trained on a sample first (DBSCAN, LOF, One-Class SVM, autoencoder); `None` when
    /// nothing could be fitted or the run was cancelled.
    Trained(fn(&FeatureMatrix, &AtomicBool) -> Option<Box<dyn FamilyModel>>),
}

/// A detector family (ECOD, HBOS, DBSCAN, LOF, One-Class SVM, autoencoder): its raw measure is
/// the robust z of its scores over the level, a monotone map, so that it ranks the items as
/// the family's own scores do.
pub struct FamilyDetector {
    /// Which family.
    pub kind: DetectorKind,
    /// How it scores.
    pub family: Family,
    /// The trained model, after [`Detector::fit`].
    pub model: Option<Box<dyn FamilyModel>>,
}

impl FamilyDetector {
    /// The detector of a family, not yet fitted.
    pub fn new(kind: DetectorKind, family: Family) -> FamilyDetector {
        FamilyDetector {
            kind,
            family,
            model: None,
        }
    }
}

impl Detector for FamilyDetector {
    fn kind(&self) -> DetectorKind {
        self.kind
    }

    fn fit(&mut self, inputs: &LevelInputs<'_>) -> Option<String> {
        let m = inputs.standardised;
        if let Family::Trained(train) = self.family {
            if m.dims() > 0 && m.rows() > 0 {
                self.model = train(m, inputs.cancel);
            }
        }
        None
    }

    fn raw(&self, inputs: &LevelInputs<'_>) -> Option<Vec<f64>> {
        let m = inputs.standardised;
        if m.dims() == 0 || m.rows() == 0 {
            return None;
        }
        let scores = match self.family {
            Family::OnePass(scores) => scores(m),
            Family::Trained(_) => self.model.as_ref()?.scores(m),
        };
        Some(robust_z_of(&scores))
    }

    fn describe(&self, inputs: &LevelInputs<'_>) -> Option<String> {
        self.model.as_ref()?.describe(inputs.standardised)
    }
}

/// Largest absolute robust z over the features, ramped from 3 (0) to 10 (1).
pub struct RobustZDetector;

/// For each row, the largest |z| over the standardised columns.
pub fn max_abs_z(m: &FeatureMatrix) -> Vec<f64> {
    let mut out = vec![0.0f64; m.rows()];
    for c in &m.columns {
        for (o, v) in out.iter_mut().zip(c.iter()) {
            *o = o.max(v.abs());
        }
    }
    out
}

impl Detector for RobustZDetector {
    fn kind(&self) -> DetectorKind {
        DetectorKind::RobustZ
    }

    fn raw(&self, inputs: &LevelInputs<'_>) -> Option<Vec<f64>> {
        (inputs.standardised.dims() > 0).then(|| max_abs_z(inputs.standardised))
    }
}

/// Bursts: how far an item's activity window rises above the EWMA of the windows before it,
/// in Poisson standard deviations, ramped from 3 (0) to 10 (1).
pub struct BurstDetector;

impl Detector for BurstDetector {
    fn kind(&self) -> DetectorKind {
        DetectorKind::Burst
    }

    fn raw(&self, inputs: &LevelInputs<'_>) -> Option<Vec<f64>> {
        inputs.burst_z.map(|z| z())
    }
}

/// The seeds' rules, each named with its threshold. A source scores the share of rules it
/// breaks: events above the percentile, mean bytes sent above the percentile, mostly off-hours.
pub struct RulesDetector {
    /// Percentile for the volume and bytes rules (95 by default).
    pub percentile: f64,
}

/// The thresholds the rules used on a set of sources.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RuleThresholds {
    /// Events per source at the percentile.
    pub events: f64,
    /// Mean bytes sent per event at the percentile, when bytes are known.
    pub mean_bytes: Option<f64>,
    /// Share of off-hours events above which the off-hours rule fires.
    pub off_hours_share: f64,
}

impl RulesDetector {
    /// Thresholds over `sources`.
    pub fn thresholds(&self, sources: &[SourceStats]) -> RuleThresholds {
        let q = self.percentile / 100.0;
        let events: Vec<f64> = sources.iter().map(|s| s.events as f64).collect();
        let bytes: Vec<f64> = sources
            .iter()
            .filter_map(|s| s.bytes_sent.map(|a| a.mean))
            .collect();
        RuleThresholds {
            events: quantile(&events, q),
            mean_bytes: (!bytes.is_empty()).then(|| quantile(&bytes, q)),
            off_hours_share: 0.5,
        }
    }

    /// Which rules `s` breaks under `t`: (volume, bytes, off-hours).
    pub fn fired(s: &SourceStats, t: &RuleThresholds) -> [bool; 3] {
        [
            s.events as f64 > t.events,
            matches!((s.bytes_sent, t.mean_bytes), (Some(a), Some(m)) if a.mean > m),
            s.off_hours_share.is_some_and(|x| x > t.off_hours_share),
        ]
    }
}

impl Detector for RulesDetector {
    fn kind(&self) -> DetectorKind {
        DetectorKind::Rules
    }

    fn raw(&self, inputs: &LevelInputs<'_>) -> Option<Vec<f64>> {
        let sources = inputs.sources?;
        let t = self.thresholds(sources);
        Some(
            sources
                .iter()
                .map(|s| Self::fired(s, &t).iter().filter(|&&f| f).count() as f64 / 3.0)
                .collect(),
        )
    }
}

/// Burst z-scores of time-bucketed counts: for each window, (count − EWMA of earlier windows)
/// / sqrt(EWMA + 1). `times` are microseconds; returns one z per input time (its window's).
pub fn burst_z(times: &[i64], window_us: i64, alpha: f64) -> Vec<f64> {
    match BurstWindows::of(times.iter().copied(), window_us, alpha) {
        Some(w) => times.iter().map(|&t| w.z_at(t)).collect(),
        None => vec![0.0; times.len()],
    }
}

/// The burst z-score of every window of [`burst_z`], so that a time's score is read without
/// holding the times themselves.
pub struct BurstWindows {
    start: i64,
    window_us: i64,
    z: Vec<f64>,
}

impl BurstWindows {
    /// The windows over `times` (which it walks three times); `None` without a time.
    pub fn of(
        times: impl Iterator<Item = i64> + Clone,
        window_us: i64,
        alpha: f64,
    ) -> Option<BurstWindows> {
        let start = times.clone().min()?;
        let end = times.clone().max()?;
        if window_us <= 0 {
            return None;
        }
        let buckets = ((end - start) / window_us + 1) as usize;
        let mut counts = vec![0u64; buckets];
        for t in times {
            counts[((t - start) / window_us) as usize] += 1;
        }
        BurstWindows::from_counts(start, window_us, &counts, alpha)
    }

    /// The windows of `window_us` from `start` holding `counts` events each (a streaming run
    /// counts them shard by shard); `None` without a window.
    pub fn from_counts(
        start: i64,
        window_us: i64,
        counts: &[u64],
        alpha: f64,
    ) -> Option<BurstWindows> {
        if window_us <= 0 || counts.is_empty() {
            return None;
        }
        let mut z = vec![0.0; counts.len()];
        let mut ewma = counts[0] as f64;
        for (i, &c) in counts.iter().enumerate().skip(1) {
            z[i] = (c as f64 - ewma) / (ewma + 1.0).sqrt();
            ewma = alpha * c as f64 + (1.0 - alpha) * ewma;
        }
        Some(BurstWindows {
            start,
            window_us,
            z,
        })
    }

    /// The z-score of the window holding `t` (one of the times it was made of), at least 0.
    pub fn z_at(&self, t: i64) -> f64 {
        self.z[((t - self.start) / self.window_us) as usize].max(0.0)
    }
}

/// A window size for a time span: about 200 windows, rounded to a familiar length.
pub fn window_for_span(span_us: i64) -> i64 {
    const SIZES_S: [i64; 10] = [1, 10, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400];
    let target = span_us / 200;
    SIZES_S
        .iter()
        .map(|s| s * 1_000_000)
        .find(|&w| w >= target)
        .unwrap_or(86_400_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_features_are_bagged_into_groups_of_at_most_sixteen() {
        assert_eq!(column_groups(7), [(0..7).collect::<Vec<_>>()]);
        assert_eq!(column_groups(16).len(), 1);
        let groups = column_groups(38);
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert_eq!(sizes, [13, 13, 12]);
        assert_eq!(groups[1][..3], [1, 4, 7]);
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..38).collect::<Vec<_>>());
        assert!(column_groups(0).is_empty());
    }

    #[test]
    fn each_detector_normalises_its_own_scale() {
        use DetectorKind::*;
        let raw = [0.4, 0.6, 0.8, 2.0, 6.5, 12.0];
        let expected = [
            (Forest, [0.0, 0.5, 1.0, 1.0, 1.0, 1.0]),
            (RobustZ, [0.0, 0.0, 0.0, 0.0, 0.5, 1.0]),
            (Burst, [0.0, 0.0, 0.0, 0.0, 0.5, 1.0]),
        ];
        for (k, want) in expected {
            for (v, w) in raw.iter().zip(want) {
                assert!((k.normalise(*v) - w).abs() < 1e-12, "{k:?} at {v}");
            }
        }
        assert_eq!(Rules.normalise(2.0 / 3.0), 2.0 / 3.0);
    }

    #[test]
    fn ramp_clamps() {
        assert_eq!(ramp(2.0, 3.0, 10.0), 0.0);
        assert_eq!(ramp(6.5, 3.0, 10.0), 0.5);
        assert_eq!(ramp(50.0, 3.0, 10.0), 1.0);
    }

    #[test]
    fn burst_stands_out_against_steady_traffic() {
        // One event a minute for an hour, then 60 events in minute 61.
        let mut times: Vec<i64> = (0..60).map(|m| m * 60_000_000).collect();
        times.extend((0..60).map(|i| 61 * 60_000_000 + i * 1_000_000));
        let z = burst_z(&times, 60_000_000, 0.3);
        assert!(z[..60].iter().all(|&v| v < 1.0));
        assert!(z[100] > 20.0, "{}", z[100]);
    }

    #[test]
    fn window_sizes() {
        assert_eq!(window_for_span(3_600_000_000), 60_000_000);
        assert_eq!(window_for_span(36_000_000_000), 300_000_000);
        assert_eq!(window_for_span(0), 1_000_000);
    }

    #[test]
    fn names_round_trip() {
        for k in DetectorKind::ALL {
            assert_eq!(DetectorKind::from_name(k.name()), Some(k));
        }
    }
}
