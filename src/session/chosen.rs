//! Files the analyst chose in Settings, kept between runs: the GeoIP databases (`geoip.json`),
//! consulted before `NETSLEUTH_GEOIP`, the standard places and the bundled country database,
//! and the threat lists (`intel.json`) matched against every source.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a choice of files is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    /// MaxMind DB files, in the order they are consulted.
    GeoIp,
    /// IP reputation lists: files or folders of them.
    ThreatLists,
}

impl Chosen {
    fn file_name(self) -> &'static str {
        match self {
            Chosen::GeoIp => "geoip.json",
            Chosen::ThreatLists => "intel.json",
        }
    }
}

/// The chosen files, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChosenFiles {
    /// Paths as chosen (`databases` in GeoIP choices saved before threat lists joined them).
    #[serde(alias = "databases")]
    pub paths: Vec<PathBuf>,
}

impl ChosenFiles {
    /// The file that holds the choice in `config_dir`.
    pub fn path(config_dir: &Path, what: Chosen) -> PathBuf {
        config_dir.join(what.file_name())
    }

    /// Reads the choice from `config_dir`; a missing or unreadable file is no choice.
    pub fn load(config_dir: &Path, what: Chosen) -> ChosenFiles {
        super::load_json(&Self::path(config_dir, what))
    }

    /// Writes the choice to `config_dir` atomically.
    pub fn save(&self, config_dir: &Path, what: Chosen) -> io::Result<()> {
        super::save_json(&Self::path(config_dir, what), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        for what in [Chosen::GeoIp, Chosen::ThreatLists] {
            assert_eq!(ChosenFiles::load(dir.path(), what), ChosenFiles::default());
        }
        let choice = ChosenFiles {
            paths: vec![PathBuf::from("/usr/share/GeoIP/GeoLite2-City.mmdb")],
        };
        choice.save(dir.path(), Chosen::GeoIp).unwrap();
        assert_eq!(ChosenFiles::load(dir.path(), Chosen::GeoIp), choice);
        assert_eq!(
            ChosenFiles::load(dir.path(), Chosen::ThreatLists),
            ChosenFiles::default(),
            "each choice has its own file"
        );
        std::fs::write(ChosenFiles::path(dir.path(), Chosen::GeoIp), b"{not json").unwrap();
        assert_eq!(
            ChosenFiles::load(dir.path(), Chosen::GeoIp),
            ChosenFiles::default()
        );
    }

    #[test]
    fn a_geoip_choice_saved_before_threat_lists_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("geoip.json"),
            br#"{"databases": ["/var/lib/GeoIP/GeoLite2-ASN.mmdb"]}"#,
        )
        .unwrap();
        assert_eq!(
            ChosenFiles::load(dir.path(), Chosen::GeoIp).paths,
            [PathBuf::from("/var/lib/GeoIP/GeoLite2-ASN.mmdb")]
        );
    }
}
