//! Features for detection: per event and per source IP.

mod address;
mod event;
mod matrix;
mod source;

pub use address::{is_common_port, is_private};
pub use event::{event_features, hour_of_day, is_off_hours, weekday};
pub use matrix::{median, quantile, quantile_sorted, robust_scale, FeatureMatrix};
pub use source::{is_failure, source_features, source_stats, Agg, SourceStats};

/// Settings that shape the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSettings {
    /// First hour of business time (inclusive), local time.
    pub business_start_hour: u8,
    /// End of business time (exclusive), local time.
    pub business_end_hour: u8,
    /// Local time zone as hours east of UTC.
    pub utc_offset_hours: i8,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        FeatureSettings {
            business_start_hour: 6,
            business_end_hour: 22,
            utc_offset_hours: 0,
        }
    }
}
