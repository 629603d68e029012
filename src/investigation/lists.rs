//! The investigation's own blocklist, one row per network with the history of its changes;
//! the blocklist an earlier version kept for every file, adopted once; and publishing into a
//! shared list kept beside the investigations. The allowlist stays organisation-wide.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::blocklist::{self, Blocklist, Entry};

use super::{Investigation, SaveError};

/// The sources the analyst reviewed and the proposals rejected, kept with the list.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Marks {
    reviewed: BTreeSet<IpAddr>,
    rejected: BTreeSet<IpAddr>,
}

impl Investigation {
    /// Saves `list` (its entries, reviewed and rejected sources; not the allowlist, which is
    /// the organisation's) in one transaction, writing only the entries that changed, and
    /// records `change` in the history.
    pub fn save_blocklist(&mut self, list: &Blocklist, change: &str) -> Result<(), SaveError> {
        let stored = self.stored_entries()?;
        let marks = serde_json::to_string(&Marks {
            reviewed: list.reviewed.clone(),
            rejected: list.rejected.clone(),
        })
        .map_err(|e| SaveError(e.to_string()))?;
        self.write(|tx| {
            let mut keep = BTreeSet::new();
            for e in &list.entries {
                let key = e.net.to_string();
                let json = serde_json::to_string(e).map_err(|e| SaveError(e.to_string()))?;
                if stored.get(&key) != Some(&json) {
                    tx.execute(
                        "INSERT INTO blocklist (net, entry) VALUES (?1, ?2)
                         ON CONFLICT (net) DO UPDATE SET entry = excluded.entry",
                        [&key, &json],
                    )?;
                }
                keep.insert(key);
            }
            for key in stored.keys().filter(|k| !keep.contains(*k)) {
                tx.execute("DELETE FROM blocklist WHERE net = ?1", [key])?;
            }
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('blocklist_marks', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&marks],
            )?;
            tx.execute(
                "INSERT INTO blocklist_history (at, change) VALUES (?1, ?2)",
                params![blocklist::now(), change],
            )?;
            Ok(())
        })
    }

    /// The investigation's blocklist, entries in the order they were first added, with
    /// `allowlist` (the organisation's) as its allowlist. Entries this version cannot read
    /// are counted in the second value and left in the file.
    pub fn blocklist(
        &self,
        allowlist: &[blocklist::AllowEntry],
    ) -> Result<(Blocklist, usize), SaveError> {
        let mut stmt = self
            .conn
            .prepare("SELECT entry FROM blocklist ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut list = Blocklist {
            allowlist: allowlist.to_vec(),
            ..Blocklist::default()
        };
        let mut unreadable = 0;
        for row in rows {
            match serde_json::from_str::<Entry>(&row?) {
                Ok(e) => list.entries.push(e),
                Err(_) => unreadable += 1,
            }
        }
        if let Some(marks) = self.setting::<Marks>("blocklist_marks")? {
            list.reviewed = marks.reviewed;
            list.rejected = marks.rejected;
        }
        Ok((list, unreadable))
    }

    /// The blocklist's changes, oldest first: when, and what.
    pub fn blocklist_history(&self) -> Result<Vec<(i64, String)>, SaveError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, change FROM blocklist_history ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Takes in the blocklist an earlier version kept for every file (`blocklist.json`, or
    /// `decisions.json` before it, in `config_dir`), once per investigation file and only
    /// into an empty list, so that nothing made before is lost. Returns what it adopted, in
    /// words, when it did.
    pub fn adopt_global(&mut self, config_dir: &Path) -> Result<Option<String>, SaveError> {
        let done: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'adopted_global'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() || !self.stored_entries()?.is_empty() {
            return Ok(None);
        }
        let loaded = blocklist::load(config_dir).map_err(SaveError)?;
        let n = loaded.list.entries.len();
        let from = blocklist::blocklist_path(config_dir);
        let said = (n > 0).then(|| {
            format!(
                "{n} {} adopted from {}{}",
                if n == 1 { "entry" } else { "entries" },
                from.display(),
                loaded
                    .migrated
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            )
        });
        if let Some(said) = &said {
            self.save_blocklist(&loaded.list, said)?;
        }
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('adopted_global', ?1)",
                [blocklist::now().to_string()],
            )?;
            Ok(())
        })?;
        Ok(said)
    }

    fn stored_entries(&self) -> Result<HashMap<String, String>, SaveError> {
        let mut stmt = self.conn.prepare("SELECT net, entry FROM blocklist")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Publishes `entries` into the shared list at `shared` (a blocklist JSON file, created when
/// missing): networks it lacks are added, those it has keep their entry, so publishing from
/// several investigations keeps every one's. Returns how many were added.
pub fn publish(entries: &[Entry], shared: &Path) -> Result<usize, String> {
    let mut list = match std::fs::symlink_metadata(shared) {
        Ok(_) => blocklist::read_blocklist(shared)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Blocklist::default(),
        Err(e) => return Err(format!("{}: {e}", shared.display())),
    };
    let have: BTreeSet<_> = list.entries.iter().map(|e| e.net).collect();
    let new: Vec<Entry> = entries
        .iter()
        .filter(|e| !have.contains(&e.net))
        .cloned()
        .collect();
    let added = new.len();
    list.entries.extend(new);
    blocklist::save_to(&list, shared).map_err(|e| format!("{}: {e}", shared.display()))?;
    Ok(added)
}
