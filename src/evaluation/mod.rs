//! Measuring detection quality where the data carries ground-truth labels.

mod metrics;
mod report;

pub use metrics::{average_precision, fpr_at_recall, roc_auc, roc_curve, Confusion};
pub use report::{
    evaluate, ClassRecall, Evaluation, LevelEvaluation, Scorecard, FIXED_RECALL, ROC_POINTS,
};
