//! Where the blocklist lives (`blocklist.json` in the configuration directory), saved
//! atomically, and the migration of an earlier version's `decisions.json`.

use std::collections::BTreeMap;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

use super::entry::{AllowEntry, Entry, Origin};
use super::list::{Blocklist, FILE_VERSION};
use crate::session::write_atomic;

/// The file that holds the blocklist in `config_dir`.
pub fn blocklist_path(config_dir: &Path) -> PathBuf {
    config_dir.join("blocklist.json")
}

/// The file an earlier version kept its decisions in.
pub fn decisions_path(config_dir: &Path) -> PathBuf {
    config_dir.join("decisions.json")
}

/// A decision of `decisions.json`, as an earlier version wrote it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum OldDecision {
    Block,
    Allow,
    Reviewed,
}

#[derive(Debug, Deserialize)]
struct OldBook {
    decisions: BTreeMap<IpAddr, OldDecision>,
}

/// What loading found.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The blocklist.
    pub list: Blocklist,
    /// What was migrated from `decisions.json`, when the blocklist came from there.
    pub migrated: Option<String>,
}

/// Reads the blocklist from `path`: an error naming the file when it is damaged or written
/// by a newer version, so that the caller never overwrites it.
pub fn read_blocklist(path: &Path) -> Result<Blocklist, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // Windows editors save JSON with a UTF-8 byte-order mark, which JSON parsers refuse.
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let list: Blocklist = serde_json::from_slice(text)
        .map_err(|e| format!("{} is damaged ({e}); it is left as it is", path.display()))?;
    if list.version > FILE_VERSION {
        return Err(format!(
            "{} was written by a newer netsleuth (layout {}); it is left as it is",
            path.display(),
            list.version
        ));
    }
    for e in &list.entries {
        if e.net.trunc() != e.net {
            return Err(format!(
                "{} is damaged: entry {} has host bits set; it is left as it is",
                path.display(),
                e.net
            ));
        }
    }
    Ok(list)
}

/// Loads the blocklist kept in `config_dir`: empty when there is none, migrated from
/// `decisions.json` when only that exists (which is left in place), an error when a file
/// exists but cannot be used.
pub fn load(config_dir: &Path) -> Result<Loaded, String> {
    let path = blocklist_path(config_dir);
    match std::fs::metadata(&path) {
        Ok(_) => {
            return read_blocklist(&path).map(|list| Loaded {
                list,
                migrated: None,
            })
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(format!("cannot read {}: {e}", path.display()))
        }
        Err(_) => {}
    }
    let old = decisions_path(config_dir);
    match std::fs::read(&old) {
        Ok(bytes) => {
            let book: OldBook = serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is damaged ({e}); it is left as it is", old.display()))?;
            let mut list = Blocklist::default();
            let added_at = std::fs::metadata(&old)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or_else(super::entry::now, |d| d.as_secs() as i64);
            let (mut blocks, mut allows, mut reviews) = (0, 0, 0);
            for (ip, d) in book.decisions {
                let net = IpNet::from(super::address::canonical_ip(ip));
                match d {
                    OldDecision::Block => {
                        blocks += 1;
                        let mut e = Entry::new(net, Origin::Migrated, "blocked in decisions.json");
                        e.added_at = added_at;
                        list.entries.push(e);
                    }
                    OldDecision::Allow => {
                        allows += 1;
                        list.allowlist.push(AllowEntry {
                            net,
                            note: "allowed in decisions.json".into(),
                            added_at,
                        });
                    }
                    OldDecision::Reviewed => {
                        reviews += 1;
                        list.reviewed.insert(net.addr());
                    }
                }
            }
            Ok(Loaded {
                list,
                migrated: Some(format!(
                    "made {} from {}: {blocks} blocked, {allows} allowed, {reviews} reviewed",
                    path.display(),
                    old.display()
                )),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Loaded {
            list: Blocklist::default(),
            migrated: None,
        }),
        Err(e) => Err(format!("cannot read {}: {e}", old.display())),
    }
}

/// Writes `list` to `config_dir` atomically (temporary file, sync, rename).
pub fn save(list: &Blocklist, config_dir: &Path) -> io::Result<()> {
    save_to(list, &blocklist_path(config_dir))
}

/// Writes `list` to `path` atomically.
pub fn save_to(list: &Blocklist, path: &Path) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(list).map_err(io::Error::other)?;
    write_atomic(path, &json)
}
