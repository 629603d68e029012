//! Side-by-side evaluation of every detector, per event and per source, against labels.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::detection::{event_truth, Detection, DetectorKind, LevelScores};
use crate::events::{EventTable, Verdict};

use super::metrics::{average_precision, fpr_at_recall, roc_auc, roc_curve, Confusion};

/// The recall at which [`Scorecard::fpr_at_recall`] is read.
pub const FIXED_RECALL: f64 = 0.9;

/// How one detector did at one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    /// Area under the ROC curve of its continuous score.
    pub roc_auc: Option<f64>,
    /// Average precision of its continuous score.
    pub average_precision: Option<f64>,
    /// Precision of its verdict at the chosen threshold.
    pub precision: f64,
    /// Recall of its verdict.
    pub recall: f64,
    /// F1 of its verdict.
    pub f1: f64,
    /// False-positive rate of its verdict.
    pub fpr: f64,
    /// False-positive rate of its continuous score at the threshold that catches
    /// [`FIXED_RECALL`] of the malicious items.
    pub fpr_at_recall: Option<f64>,
    /// Seconds it took to train and to score at this level (`None` for the combined verdict).
    pub seconds: Option<[f64; 2]>,
    /// Its fitted model in a line, when it has one worth stating (DBSCAN's `eps`, core
    /// points and silhouette; One-Class SVM's support vectors; the autoencoder's epochs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The confusion matrix of its verdict.
    pub confusion: Confusion,
    /// Its ROC curve, thinned to [`ROC_POINTS`] points, for plotting.
    #[serde(skip)]
    pub roc: Vec<[f64; 2]>,
    /// How each labelled class fared under its verdict (events only): attack classes by
    /// size, then the benign ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassRecall>,
}

/// How many items of one labelled class a verdict flagged: the recall of an attack class, the
/// false-positive rate of a benign one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRecall {
    /// The class as the file names it (`neptune`, `Portscan`, `C&C-HeartBeat`).
    pub class: String,
    /// Whether the class is an attack.
    pub malicious: bool,
    /// Items of the class.
    pub items: usize,
    /// Of which flagged.
    pub flagged: usize,
}

impl ClassRecall {
    /// The share flagged, in [0, 1].
    pub fn share(&self) -> f64 {
        self.flagged as f64 / self.items.max(1) as f64
    }
}

/// The labelled classes of a level: each item's class index, and the classes' names and
/// whether they are attacks.
struct Classes {
    of: Vec<usize>,
    names: Vec<(String, bool)>,
}

impl Classes {
    fn recall(&self, flagged: &[bool]) -> Vec<ClassRecall> {
        let mut out: Vec<ClassRecall> = self
            .names
            .iter()
            .map(|(class, malicious)| ClassRecall {
                class: class.clone(),
                malicious: *malicious,
                items: 0,
                flagged: 0,
            })
            .collect();
        for (&c, &f) in self.of.iter().zip(flagged) {
            out[c].items += 1;
            out[c].flagged += usize::from(f);
        }
        out.sort_by(|a, b| {
            b.malicious
                .cmp(&a.malicious)
                .then(b.items.cmp(&a.items))
                .then(a.class.cmp(&b.class))
        });
        out
    }
}

/// How many points of each ROC curve are kept for plotting.
pub const ROC_POINTS: usize = 256;

impl Scorecard {
    /// Scores `scores` (continuous) and `flagged` (verdicts) against `malicious`.
    pub fn new(scores: &[f64], flagged: &[bool], malicious: &[bool]) -> Scorecard {
        let c = Confusion::tally(flagged, malicious);
        Scorecard {
            roc_auc: roc_auc(scores, malicious),
            average_precision: average_precision(scores, malicious),
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
            fpr: c.fpr(),
            fpr_at_recall: fpr_at_recall(scores, malicious, FIXED_RECALL),
            seconds: None,
            model: None,
            confusion: c,
            roc: roc_curve(scores, malicious, ROC_POINTS),
            classes: Vec::new(),
        }
    }
}

/// Every detector's scorecard at one level; `default` is the combined verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelEvaluation {
    /// Labelled items evaluated.
    pub items: usize,
    /// Of which malicious.
    pub malicious: usize,
    /// Scorecards by detector name, with `default` for the combined verdict.
    #[serde(flatten)]
    pub detectors: BTreeMap<String, Scorecard>,
}

/// Evaluation at the event level and, where events have sources, the source level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Per event.
    pub event: LevelEvaluation,
    /// Per source (malicious if any of its events is).
    pub source: Option<LevelEvaluation>,
}

fn level<'a>(
    truth: &[Option<bool>],
    classes: Option<&dyn Fn(usize) -> Option<(String, bool)>>,
    default: (&[f64], &[bool]),
    detectors: impl Iterator<Item = (&'a str, &'a [f64], Vec<bool>)>,
) -> LevelEvaluation {
    let keep: Vec<usize> = (0..truth.len()).filter(|&i| truth[i].is_some()).collect();
    let malicious: Vec<bool> = keep.iter().map(|&i| truth[i] == Some(true)).collect();
    let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let pick_b = |v: &[bool]| keep.iter().map(|&i| v[i]).collect::<Vec<bool>>();
    let classes = classes.map(|class_of| {
        let mut index: HashMap<(String, bool), usize> = HashMap::new();
        let mut names = Vec::new();
        let of = keep
            .iter()
            .map(|&i| {
                let class = class_of(i).unwrap_or_default();
                *index.entry(class.clone()).or_insert_with(|| {
                    names.push(class);
                    names.len() - 1
                })
            })
            .collect();
        Classes { of, names }
    });
    let card = |scores: &[f64], flagged: &[bool]| {
        let flagged = pick_b(flagged);
        let mut c = Scorecard::new(&pick(scores), &flagged, &malicious);
        if let Some(classes) = &classes {
            c.classes = classes.recall(&flagged);
        }
        c
    };
    let mut cards = BTreeMap::new();
    cards.insert("default".to_string(), card(default.0, default.1));
    for (name, scores, flagged) in detectors {
        cards.insert(name.to_string(), card(scores, &flagged));
    }
    LevelEvaluation {
        items: keep.len(),
        malicious: malicious.iter().filter(|&&m| m).count(),
        detectors: cards,
    }
}

/// Evaluates a detection run against the table's labels; `None` when no event is labelled.
/// A detector's own verdict is "normalised score at least 0.5".
pub fn evaluate(table: &EventTable, d: &Detection) -> Option<Evaluation> {
    let truth = event_truth(table);
    if truth.iter().all(Option::is_none) {
        return None;
    }
    let flags = |k: &DetectorKind, raw: &[f64]| {
        raw.iter()
            .map(|&s| k.normalise(s) >= 0.5)
            .collect::<Vec<bool>>()
    };
    let class_of = |row: usize| {
        table.label(row).map(|l| {
            (
                table.label_class_name(l).to_string(),
                l.verdict == Verdict::Malicious,
            )
        })
    };
    let timed = |mut level: LevelEvaluation, scores: &LevelScores| {
        for (k, s) in &scores.seconds {
            if let Some(card) = level.detectors.get_mut(k.name()) {
                card.seconds = Some(*s);
                card.model = scores.models.get(k).cloned();
            }
        }
        level
    };
    let event = level(
        &truth,
        Some(&class_of),
        (&d.event_score, &d.event_flagged),
        d.events
            .raw
            .iter()
            .map(|(k, raw)| (k.name(), raw.as_slice(), flags(k, raw))),
    );
    let event = timed(event, &d.events);
    let source_truth: Vec<Option<bool>> = d
        .sources
        .iter()
        .map(|s| {
            s.stats
                .rows
                .iter()
                .filter_map(|&r| truth[r as usize])
                .reduce(|a, b| a || b)
        })
        .collect();
    let source = (source_truth.iter().any(Option::is_some)).then(|| {
        let confidence: Vec<f64> = d.sources.iter().map(|s| s.confidence).collect();
        let blocked: Vec<bool> = d.sources.iter().map(|s| s.proposed_block).collect();
        level(
            &source_truth,
            None,
            (&confidence, &blocked),
            d.source_scores
                .raw
                .iter()
                .map(|(k, raw)| (k.name(), raw.as_slice(), flags(k, raw))),
        )
    });
    let source = source.map(|s| timed(s, &d.source_scores));
    Some(Evaluation { event, source })
}
