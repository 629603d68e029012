//! The domain blocklist and its allowlist, changed only through [`DomainEdit`]s so that every
//! change can be undone and redone with [`crate::blocklist::History`].

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::entry::{AllowedDomain, DomainEntry};
use super::guard::{refused, Refusal};
use super::name::DomainName;
use crate::blocklist::Undoable;

/// The version of the saved file's layout.
pub const FILE_VERSION: u32 = 1;

/// The analyst's domain blocklist, allowlist and rejected proposals, as saved in
/// `domains.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainList {
    /// Layout version ([`FILE_VERSION`]).
    pub version: u32,
    /// Entries, one per name, in the order they were added.
    pub entries: Vec<DomainEntry>,
    /// Names that must never be blocked, with the names under them.
    #[serde(default)]
    pub allowlist: Vec<AllowedDomain>,
    /// Proposals the analyst rejected: never proposed again.
    #[serde(default)]
    pub rejected: BTreeSet<DomainName>,
}

impl Default for DomainList {
    fn default() -> Self {
        DomainList {
            version: FILE_VERSION,
            entries: Vec::new(),
            allowlist: Vec::new(),
            rejected: BTreeSet::new(),
        }
    }
}

/// One change to a [`DomainList`]: what it removes and what it adds. Applying an edit returns
/// its inverse, which undoes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainEdit {
    /// Entries to remove (by name).
    pub remove: Vec<DomainName>,
    /// Entries to add or replace (by name).
    pub put: Vec<DomainEntry>,
    /// Allowlist names to remove.
    pub unallow: Vec<DomainName>,
    /// Allowlist entries to add or replace.
    pub allow: Vec<AllowedDomain>,
    /// Rejection marks to flip.
    pub toggle_rejected: Vec<DomainName>,
}

impl DomainEdit {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty()
            && self.put.is_empty()
            && self.unallow.is_empty()
            && self.allow.is_empty()
            && self.toggle_rejected.is_empty()
    }

    /// An edit that adds or replaces `entries`.
    pub fn put(entries: Vec<DomainEntry>) -> DomainEdit {
        DomainEdit {
            put: entries,
            ..DomainEdit::default()
        }
    }

    /// An edit that removes the entries for `names`.
    pub fn remove(names: Vec<DomainName>) -> DomainEdit {
        DomainEdit {
            remove: names,
            ..DomainEdit::default()
        }
    }
}

impl DomainList {
    /// The entry for exactly `name`.
    pub fn entry(&self, name: &DomainName) -> Option<&DomainEntry> {
        self.entries.iter().find(|e| e.name == *name)
    }

    /// The entry that blocks `name`: its own, else one of a parent listed with subdomains.
    pub fn covering(&self, name: &DomainName) -> Option<&DomainEntry> {
        self.entry(name)
            .or_else(|| self.entries.iter().find(|e| e.covers(name)))
    }

    /// An index answering "does the list block this name" without scanning the entries.
    pub fn coverage(&self) -> DomainCoverage<'_> {
        let mut c = DomainCoverage::default();
        for e in &self.entries {
            c.exact.insert(e.name.as_str());
            if e.subdomains {
                c.wide.insert(e.name.as_str());
            }
        }
        c
    }

    /// Why blocking `name` (with subdomains when `subdomains`) is refused, if it is.
    pub fn refused(&self, name: &DomainName, subdomains: bool) -> Option<Refusal> {
        refused(&self.allowlist, name, subdomains)
    }

    /// The edit that allows `allowed`: on the allowlist, and the entries it protects taken
    /// off the blocklist.
    pub fn allow_edit(&self, allowed: AllowedDomain) -> DomainEdit {
        let remove = self
            .entries
            .iter()
            .filter(|e| {
                e.name.is_within(&allowed.name) || (e.subdomains && allowed.name.is_within(&e.name))
            })
            .map(|e| e.name.clone())
            .collect();
        DomainEdit {
            remove,
            allow: vec![allowed],
            ..DomainEdit::default()
        }
    }

    /// Applies `edit` and returns the edit that undoes it.
    pub fn apply(&mut self, edit: DomainEdit) -> DomainEdit {
        let mut undo = DomainEdit::default();
        if !edit.remove.is_empty() {
            let gone: HashSet<DomainName> = edit.remove.into_iter().collect();
            let (removed, kept): (Vec<DomainEntry>, Vec<DomainEntry>) =
                std::mem::take(&mut self.entries)
                    .into_iter()
                    .partition(|e| gone.contains(&e.name));
            self.entries = kept;
            undo.put.extend(removed);
        }
        let mut at: HashMap<DomainName, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        for entry in edit.put {
            match at.get(&entry.name) {
                Some(&i) => undo
                    .put
                    .push(std::mem::replace(&mut self.entries[i], entry)),
                None => {
                    undo.remove.push(entry.name.clone());
                    at.insert(entry.name.clone(), self.entries.len());
                    self.entries.push(entry);
                }
            }
        }
        for name in edit.unallow {
            if let Some(i) = self.allowlist.iter().position(|a| a.name == name) {
                undo.allow.push(self.allowlist.remove(i));
            }
        }
        for allow in edit.allow {
            match self.allowlist.iter().position(|a| a.name == allow.name) {
                Some(i) => undo
                    .allow
                    .push(std::mem::replace(&mut self.allowlist[i], allow)),
                None => {
                    undo.unallow.push(allow.name.clone());
                    self.allowlist.push(allow);
                }
            }
        }
        for name in edit.toggle_rejected {
            if !self.rejected.remove(&name) {
                self.rejected.insert(name.clone());
            }
            undo.toggle_rejected.push(name);
        }
        undo
    }
}

/// Which names a list blocks (see [`DomainList::coverage`]).
#[derive(Debug, Clone, Default)]
pub struct DomainCoverage<'a> {
    exact: HashSet<&'a str>,
    wide: HashSet<&'a str>,
}

impl DomainCoverage<'_> {
    /// Whether an entry blocks `name`: its own, or a parent's with subdomains.
    pub fn blocks(&self, name: &DomainName) -> bool {
        let s = name.as_str();
        self.exact.contains(s)
            || s.match_indices('.')
                .any(|(i, _)| self.wide.contains(&s[i + 1..]))
    }
}

impl Undoable for DomainList {
    type Edit = DomainEdit;

    fn apply_edit(&mut self, edit: DomainEdit) -> DomainEdit {
        self.apply(edit)
    }

    fn is_noop(edit: &DomainEdit) -> bool {
        edit.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::entry::Origin;
    use super::*;
    use crate::blocklist::History;

    fn n(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    fn entry(s: &str) -> DomainEntry {
        DomainEntry::new(n(s), Origin::Manual, "test")
    }

    #[test]
    fn undo_and_redo_restore_every_state() {
        let mut list = DomainList::default();
        let mut history: History<DomainList> = History::default();
        history.apply(
            &mut list,
            DomainEdit::put(vec![entry("www.hydrocheats.com")]),
        );
        let one = list.clone();
        let mut changed = entry("www.hydrocheats.com");
        changed.subdomains = true;
        history.apply(
            &mut list,
            DomainEdit::put(vec![changed, entry("www.katchybugonsale.com")]),
        );
        let two = list.clone();
        history.apply(
            &mut list,
            DomainEdit::remove(vec![n("www.hydrocheats.com")]),
        );
        assert_eq!(list.entries.len(), 1);
        assert!(history.undo(&mut list));
        assert_eq!(list.entries.len(), two.entries.len());
        assert!(history.undo(&mut list));
        assert_eq!(list, one);
        assert!(history.redo(&mut list));
        assert!(list.entry(&n("www.hydrocheats.com")).unwrap().subdomains);
        assert!(!history.apply(&mut list, DomainEdit::default()));
    }

    #[test]
    fn allowing_a_name_takes_its_entries_off() {
        let mut list = DomainList::default();
        let mut wide = entry("example.org");
        wide.subdomains = true;
        list.apply(DomainEdit::put(vec![
            wide,
            entry("mail.corp.example.org"),
            entry("evil.com"),
        ]));
        let edit = list.allow_edit(AllowedDomain {
            name: n("corp.example.org"),
            note: String::new(),
            added_at: 0,
        });
        list.apply(edit);
        let names: Vec<&str> = list.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["evil.com"]);
        assert!(list.refused(&n("x.corp.example.org"), false).is_some());
        assert_eq!(
            list.covering(&n("evil.com")).map(|e| e.name.as_str()),
            Some("evil.com")
        );
        let mut wide = entry("evil.com");
        wide.subdomains = true;
        list.apply(DomainEdit::put(vec![wide, entry("exact.org")]));
        let c = list.coverage();
        assert!(c.blocks(&n("a.b.evil.com")) && c.blocks(&n("exact.org")));
        assert!(!c.blocks(&n("www.exact.org")) && !c.blocks(&n("notevil.com")));
    }
}
