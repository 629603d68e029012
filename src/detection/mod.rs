//! Anomaly detection over events and sources: features in, scores, confidence and reasons
//! out. Ground-truth labels are never used here, only in [`crate::evaluation`].

pub mod autoencoder;
pub mod behaviour;
mod campaigns;
pub mod dbscan;
mod detectors;
pub mod ecod;
mod event_reasons;
mod event_steps;
mod forest;
pub mod hbos;
pub mod lof;
mod model_cache;
mod names;
pub mod ocsvm;
mod pipeline;
mod reasons;
mod roles;
mod sharded;
mod sharded_events;
mod shared;
mod volume;

pub use campaigns::Campaign;
pub use detectors::{
    burst_z, column_groups, max_abs_z, ramp, trees_for, window_for_span, Detector, DetectorKind,
    Family, FamilyModel, LevelInputs, RuleThresholds,
};
pub use event_reasons::{EventDrivers, FeatureScale};
pub use forest::{snap, train, train_crate, FlatForest, ForestSettings, KEPT_BITS, MAX_DIMS};
pub use model_cache::{default_cache_dir, model_bytes, model_key, restore_model, CACHE_ENV};
pub use names::{names_by_address, site_of, NAMES_KEPT};
pub use pipeline::{
    combine, detect, detect_reporting, detect_staged, event_truth, evidence_discount, weight,
    Cancelled, Detection, DetectionSettings, LevelScores, Phase, SourceVerdict, Timings,
};
pub use reasons::{human_bytes, human_count, human_span};
pub use roles::{
    action, direction, infrastructure, is_internal, is_unroutable, role, servers, Action,
    Direction, Evidence, Infrastructure, Role,
};
pub use sharded::{
    addressed_to, assemble_verdicts, events_where, judge_shard, judge_shards, Addressed,
    GatherAddressed, Shard, ShardError, ShardLoader, ShardVerdicts,
};
pub use sharded_events::{EventScorer, EventWork, ScoredShard};
pub use volume::{model_caveat, volume_attacks, FloodKind, VolumeAttack, FLOOD_EVENTS};
