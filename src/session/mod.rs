//! What the analyst keeps between runs: the recent-files list, the chosen GeoIP databases and threat lists, the map's preferences,
//! saved atomically under the configuration directory (the blocklist keeps its own file there), and where exported
//! images go.

mod atomic;
mod chosen;
mod map_prefs;
mod output_lock;
mod recent;

use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use atomic::{open_no_follow, temporary_name, write_atomic, write_atomic_with};
pub use chosen::{Chosen, ChosenFiles};
pub use map_prefs::MapPrefs;
pub use output_lock::{exchange, foreign_named, sibling, OutputLock};
pub use recent::RecentFiles;

/// Environment variable that overrides where exported images go.
pub const EXPORT_ENV: &str = "NETSLEUTH_EXPORT_DIR";

/// Where exported plots go: `$NETSLEUTH_EXPORT_DIR`, else `netsleuth` in the user's
/// pictures folder, else in the home folder, else the working directory.
pub fn export_dir() -> PathBuf {
    if let Some(v) = std::env::var_os(EXPORT_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    directories::UserDirs::new()
        .map(|u| {
            u.picture_dir()
                .unwrap_or_else(|| u.home_dir())
                .join("netsleuth")
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Environment variable that overrides the configuration directory.
pub const CONFIG_ENV: &str = "NETSLEUTH_CONFIG_DIR";

/// The configuration directory: `$NETSLEUTH_CONFIG_DIR`, else the platform's (for example
/// `~/.config/netsleuth` on Linux). `None` when neither is known.
pub fn config_dir() -> Option<PathBuf> {
    match std::env::var_os(CONFIG_ENV) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => directories::ProjectDirs::from("", "", "netsleuth").map(|d| d.config_dir().into()),
    }
}

/// A small JSON document kept between runs (recent files, GeoIP choice); a missing or
/// unreadable one is the default.
fn load_json<T: DeserializeOwned + Default>(path: &Path) -> T {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Writes a small JSON document atomically, pretty-printed for a person reading it.
fn save_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    write_atomic(path, &json)
}
