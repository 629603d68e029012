//! Measuring detection quality where the data carries ground-truth labels.

mod metrics;

pub use metrics::{average_precision, roc_auc, Confusion};
