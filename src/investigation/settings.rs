//! The investigation's settings: how its files are read and detection runs (so that it
//! reopens with the same verdicts), and whatever the window keeps (filters, view, map), each
//! a JSON value under a key.

use ipnet::IpNet;
use rusqlite::OptionalExtension;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::detection::{DetectionSettings, DetectorKind, ForestSettings};
use crate::features::FeatureSettings;

use super::{Investigation, SaveError};

/// Detection's settings as an investigation keeps them (the GeoIP databases, threat lists
/// and model cache are the machine's, not the case's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSettings {
    /// The detectors that run.
    pub detectors: Vec<DetectorKind>,
    /// Forest parameters.
    pub forest: ForestSettings,
    /// Business hours and time zone.
    pub features: FeatureSettings,
    /// The auto-block threshold.
    pub auto_block: f64,
    /// The event threshold.
    pub event_threshold: f64,
    /// The rules' percentile.
    pub percentile: f64,
    /// The forest's seed.
    pub seed: u64,
    /// The analyst's own networks.
    pub home: Vec<IpNet>,
}

impl From<&DetectionSettings> for SavedSettings {
    fn from(s: &DetectionSettings) -> Self {
        SavedSettings {
            detectors: s.detectors.clone(),
            forest: s.forest,
            features: s.features,
            auto_block: s.auto_block,
            event_threshold: s.event_threshold,
            percentile: s.percentile,
            seed: s.seed,
            home: s.home.clone(),
        }
    }
}

impl SavedSettings {
    /// `base` (the machine's cache, GeoIP and lists) with these settings.
    pub fn apply(&self, base: &DetectionSettings) -> DetectionSettings {
        DetectionSettings {
            detectors: self.detectors.clone(),
            forest: self.forest,
            features: self.features,
            auto_block: self.auto_block,
            event_threshold: self.event_threshold,
            percentile: self.percentile,
            seed: self.seed,
            home: self.home.clone(),
            ..base.clone()
        }
    }
}

impl Investigation {
    /// Stores `value` as JSON under `key`.
    pub fn put_setting<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), SaveError> {
        let json = serde_json::to_string(value).map_err(|e| SaveError(e.to_string()))?;
        self.put_setting_text(key, &json)
    }

    /// The JSON value under `key`, when there is one this version can read.
    pub fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SaveError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub(super) fn put_setting_text(&mut self, key: &str, text: &str) -> Result<(), SaveError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, text],
            )?;
            Ok(())
        })
    }

    /// Stores detection's settings.
    pub fn set_detection_settings(&mut self, s: &DetectionSettings) -> Result<(), SaveError> {
        self.put_setting("detection", &SavedSettings::from(s))
    }

    /// Detection's settings as saved, if any.
    pub fn detection_settings(&self) -> Result<Option<SavedSettings>, SaveError> {
        self.setting("detection")
    }
}
