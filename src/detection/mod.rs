//! Anomaly detection over events and sources.

mod forest;

pub use forest::{train, train_crate, FlatForest, ForestSettings, MAX_DIMS};
