//! What the analyst keeps between runs: the recent-files list, saved atomically under the
//! configuration directory.

mod atomic;
mod recent;

use std::path::PathBuf;

pub use atomic::write_atomic;
pub use recent::RecentFiles;

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
