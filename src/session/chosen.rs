//! The GeoIP databases the analyst chose in Settings, kept in `geoip.json`. They are consulted
//! before `NETSLEUTH_GEOIP`, the standard places and the bundled country database.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The chosen database files, in the order they are consulted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GeoIpChoice {
    /// MaxMind DB files.
    pub databases: Vec<PathBuf>,
}

impl GeoIpChoice {
    /// The file that holds the choice in `config_dir`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("geoip.json")
    }

    /// Reads the choice from `config_dir`; a missing or unreadable file is no choice.
    pub fn load(config_dir: &Path) -> GeoIpChoice {
        super::load_json(&Self::path(config_dir))
    }

    /// Writes the choice to `config_dir` atomically.
    pub fn save(&self, config_dir: &Path) -> io::Result<()> {
        super::save_json(&Self::path(config_dir), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(GeoIpChoice::load(dir.path()), GeoIpChoice::default());
        let choice = GeoIpChoice {
            databases: vec![PathBuf::from("/usr/share/GeoIP/GeoLite2-City.mmdb")],
        };
        choice.save(dir.path()).unwrap();
        assert_eq!(GeoIpChoice::load(dir.path()), choice);
        std::fs::write(GeoIpChoice::path(dir.path()), b"{not json").unwrap();
        assert_eq!(GeoIpChoice::load(dir.path()), GeoIpChoice::default());
    }
}
