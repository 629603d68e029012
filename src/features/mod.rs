//! Features for detection: per event and per source IP.

mod address;
mod column_tally;
mod event;
mod matrix;
mod source;
mod values;

pub use address::{is_common_port, is_private};
pub use column_tally::{ColumnTally, COUNTED};
pub use event::{
    daily, event_features, hour_of_day, is_off_hours, private_flags, raw_event_columns, weekday,
    LOG_SPAN, MAX_EXTRA_FEATURES,
};
pub use matrix::{
    euclidean, median, quantile, quantile_sorted, robust_scale, scale_from, DistinctRows,
    FeatureColumn, FeatureMatrix,
};
pub use source::{is_failure, receiver_stats, source_features, source_stats, Agg, SourceStats};
pub use values::{field_values, FieldValues, PROFILE_ROWS};

/// Settings that shape the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSettings {
    /// First hour of business time (inclusive), local time.
    pub business_start_hour: u8,
    /// End of business time (exclusive), local time.
    pub business_end_hour: u8,
    /// Local time zone as hours east of UTC.
    pub utc_offset_hours: i8,
    /// Working days, bit 0 Monday to bit 6 Sunday; other days are outside business time.
    pub work_days: u8,
    /// Whether business time means anything for these logs: `None` until decided from the
    /// formats ([`FeatureSettings::resolve`]), then as decided; off, no event is off-hours.
    pub business_hours: Option<bool>,
    /// Whether every file is a honeypot's (decided from the formats): timing statistics then
    /// never headline a source's reasons.
    pub honeypot: bool,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        FeatureSettings {
            business_start_hour: 6,
            business_end_hour: 22,
            utc_offset_hours: 0,
            work_days: 0b001_1111,
            business_hours: None,
            honeypot: false,
        }
    }
}

impl FeatureSettings {
    /// Decides whether business hours apply, unless the analyst already did: not for logs
    /// that only attackers and the Internet write (honeypots, public web servers), where the
    /// time of day says nothing about intent.
    pub fn resolve(mut self, formats: &[crate::ingest::Format]) -> FeatureSettings {
        if self.business_hours.is_none() {
            self.business_hours = Some(formats.iter().any(|f| f.has_business_hours()));
        }
        self.honeypot = !formats.is_empty() && formats.iter().all(|f| f.is_honeypot());
        self
    }

    /// Whether business hours are in use.
    pub fn business_hours_apply(&self) -> bool {
        self.business_hours != Some(false)
    }

    /// The business time in words: "Mon-Fri 06:00-22:00, UTC+0".
    pub fn describe(&self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let days: Vec<usize> = (0..7).filter(|d| self.work_days & (1 << d) != 0).collect();
        let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
        let day_text = match (days.first(), days.last()) {
            (Some(&a), Some(&b)) if contiguous && b > a => format!("{}-{}", DAYS[a], DAYS[b]),
            _ => days.iter().map(|&d| DAYS[d]).collect::<Vec<_>>().join(","),
        };
        format!(
            "{day_text} {:02}:00-{:02}:00, UTC{:+}",
            self.business_start_hour, self.business_end_hour, self.utc_offset_hours
        )
    }
}
