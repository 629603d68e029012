//! The analyst's decisions about source addresses (block, allow, reviewed), kept in
//! `decisions.json` and saved atomically after every change, so that none is lost.

use std::collections::BTreeMap;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write_atomic;

/// What the analyst decided about a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Put on the blocklist.
    Block,
    /// Known good: never propose it.
    Allow,
    /// Looked at; no action.
    Reviewed,
}

impl Decision {
    /// The past participle shown beside a source: "blocked", "allowed", "reviewed".
    pub fn word(self) -> &'static str {
        match self {
            Decision::Block => "blocked",
            Decision::Allow => "allowed",
            Decision::Reviewed => "reviewed",
        }
    }
}

/// Decisions by address, shared by every investigation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionBook {
    /// The decision about each address.
    pub decisions: BTreeMap<IpAddr, Decision>,
}

impl DecisionBook {
    /// The file that holds the book in `config_dir`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("decisions.json")
    }

    /// Reads the book from `config_dir`: empty when there is none yet, an error when the file
    /// exists but cannot be read (so that it is never overwritten by an empty book).
    pub fn load(config_dir: &Path) -> Result<DecisionBook, String> {
        let path = Self::path(config_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is damaged: {e}", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(DecisionBook::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the book to `config_dir` atomically.
    pub fn save(&self, config_dir: &Path) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomic(&Self::path(config_dir), &json)
    }

    /// The decision about `ip`, if any.
    pub fn get(&self, ip: &IpAddr) -> Option<Decision> {
        self.decisions.get(ip).copied()
    }

    /// Records `d` about `ip`; the same decision again takes it back.
    pub fn toggle(&mut self, ip: IpAddr, d: Decision) {
        if self.decisions.get(&ip) == Some(&d) {
            self.decisions.remove(&ip);
        } else {
            self.decisions.insert(ip, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_and_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            DecisionBook::load(dir.path()).unwrap(),
            DecisionBook::default()
        );
        let mut book = DecisionBook::default();
        let a: IpAddr = "165.225.8.79".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        book.toggle(a, Decision::Block);
        book.toggle(b, Decision::Allow);
        book.toggle(b, Decision::Reviewed);
        assert_eq!(book.get(&a), Some(Decision::Block));
        assert_eq!(book.get(&b), Some(Decision::Reviewed));
        book.toggle(a, Decision::Block);
        assert_eq!(book.get(&a), None);
        book.toggle(a, Decision::Block);
        book.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(DecisionBook::path(dir.path())).unwrap();
        assert!(text.contains(r#""165.225.8.79": "block""#), "{text}");
        assert_eq!(DecisionBook::load(dir.path()).unwrap(), book);
    }

    #[test]
    fn a_damaged_book_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(DecisionBook::path(dir.path()), b"{\"decisions\": {\"1.2.3").unwrap();
        let e = DecisionBook::load(dir.path()).unwrap_err();
        assert!(e.contains("decisions.json is damaged"), "{e}");
    }
}
