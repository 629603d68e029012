//! How the analyst likes the map, kept in `map.json`: online tiles opted in, and the country
//! the monitored network is in (where its internal hosts are drawn).

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The map's preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MapPrefs {
    /// OpenStreetMap tiles under the sources, fetched over the network and cached on disk.
    pub online_tiles: bool,
    /// ISO code of the country the monitored network is in; internal hosts are drawn there.
    pub home_country: Option<String>,
}

impl MapPrefs {
    /// The file that holds them in `config_dir`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("map.json")
    }

    /// Reads them from `config_dir`; missing or unreadable ones are the defaults.
    pub fn load(config_dir: &Path) -> MapPrefs {
        super::load_json(&Self::path(config_dir))
    }

    /// Writes them to `config_dir` atomically.
    pub fn save(&self, config_dir: &Path) -> io::Result<()> {
        super::save_json(&Self::path(config_dir), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_between_runs_and_defaults_when_damaged() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(MapPrefs::load(dir.path()), MapPrefs::default());
        let prefs = MapPrefs {
            online_tiles: true,
            home_country: Some("DE".into()),
        };
        prefs.save(dir.path()).unwrap();
        assert_eq!(MapPrefs::load(dir.path()), prefs);
        std::fs::write(MapPrefs::path(dir.path()), b"{\"online_tiles\": tr").unwrap();
        assert_eq!(MapPrefs::load(dir.path()), MapPrefs::default());
    }
}
