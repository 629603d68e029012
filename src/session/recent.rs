//! The recently opened investigations, most recent first, kept in `recent.json`.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many investigations the list keeps.
pub const RECENT_LIMIT: usize = 12;

/// Recently opened investigations (each one or more files), most recent first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecentFiles {
    /// One entry per investigation: the files opened together.
    pub entries: Vec<Vec<PathBuf>>,
}

impl RecentFiles {
    /// The file that holds the list in `config_dir`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("recent.json")
    }

    /// Reads the list from `config_dir`; a missing or unreadable list is empty.
    pub fn load(config_dir: &Path) -> RecentFiles {
        super::load_json(&Self::path(config_dir))
    }

    /// Writes the list to `config_dir` atomically.
    pub fn save(&self, config_dir: &Path) -> io::Result<()> {
        super::save_json(&Self::path(config_dir), self)
    }

    /// Puts `files` first, removing an earlier identical entry and the oldest beyond the limit.
    pub fn push(&mut self, files: &[PathBuf]) {
        if files.is_empty() {
            return;
        }
        self.entries.retain(|e| e != files);
        self.entries.insert(0, files.to_vec());
        self.entries.truncate(RECENT_LIMIT);
    }

    /// Drops `files` from the list (for example when they no longer exist).
    pub fn remove(&mut self, files: &[PathBuf]) {
        self.entries.retain(|e| e != files);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<PathBuf> {
        vec![PathBuf::from(s)]
    }

    #[test]
    fn most_recent_first_without_duplicates_and_capped() {
        let mut r = RecentFiles::default();
        r.push(&p("a.csv"));
        r.push(&[PathBuf::from("b.log"), PathBuf::from("c.log")]);
        r.push(&p("a.csv"));
        r.push(&[]);
        assert_eq!(
            r.entries,
            [
                p("a.csv"),
                vec![PathBuf::from("b.log"), PathBuf::from("c.log")]
            ]
        );
        for i in 0..20 {
            r.push(&p(&format!("{i}.csv")));
        }
        assert_eq!(r.entries.len(), RECENT_LIMIT);
        assert_eq!(r.entries[0], p("19.csv"));
        r.remove(&p("19.csv"));
        assert_eq!(r.entries[0], p("18.csv"));
    }

    #[test]
    fn survives_a_round_trip_and_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(RecentFiles::load(dir.path()), RecentFiles::default());
        let mut r = RecentFiles::default();
        r.push(&p("/data/eve.json"));
        r.save(dir.path()).unwrap();
        assert_eq!(RecentFiles::load(dir.path()), r);
        std::fs::write(RecentFiles::path(dir.path()), b"{not json").unwrap();
        assert_eq!(RecentFiles::load(dir.path()), RecentFiles::default());
    }
}
