//! The blocklist and allowlist, changed only through [`Edit`]s so that every change can be
//! undone and redone (see [`super::History`]).

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::address::overlaps;
use super::entry::{AllowEntry, Entry};
use super::history::Undoable;
use super::reserved::reserved_overlap;

/// The version of the saved file's layout.
pub const FILE_VERSION: u32 = 1;

/// The analyst's blocklist, allowlist and review marks, as saved in `blocklist.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocklist {
    /// Layout version ([`FILE_VERSION`]).
    pub version: u32,
    /// Entries, one per network, in the order they were added.
    pub entries: Vec<Entry>,
    /// The analyst's own networks that must never be blocked (the reserved ranges always are).
    #[serde(default)]
    pub allowlist: Vec<AllowEntry>,
    /// Sources the analyst has looked at.
    #[serde(default)]
    pub reviewed: BTreeSet<IpAddr>,
    /// Proposals the analyst rejected: never proposed again.
    #[serde(default)]
    pub rejected: BTreeSet<IpAddr>,
}

impl Default for Blocklist {
    fn default() -> Self {
        Blocklist {
            version: FILE_VERSION,
            entries: Vec::new(),
            allowlist: Vec::new(),
            reviewed: BTreeSet::new(),
            rejected: BTreeSet::new(),
        }
    }
}

/// One change to a [`Blocklist`]: what it removes and what it adds. Applying an edit returns
/// its inverse, which undoes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edit {
    /// Entries to remove (matched by network).
    pub remove: Vec<IpNet>,
    /// Entries to add or replace (matched by network).
    pub put: Vec<Entry>,
    /// Allowlist networks to remove.
    pub unallow: Vec<IpNet>,
    /// Allowlist entries to add or replace.
    pub allow: Vec<AllowEntry>,
    /// Review marks to flip.
    pub toggle_reviewed: Vec<IpAddr>,
    /// Rejection marks to flip.
    pub toggle_rejected: Vec<IpAddr>,
}

impl Edit {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty()
            && self.put.is_empty()
            && self.unallow.is_empty()
            && self.allow.is_empty()
            && self.toggle_reviewed.is_empty()
            && self.toggle_rejected.is_empty()
    }

    /// An edit that adds or replaces `entries`.
    pub fn put(entries: Vec<Entry>) -> Edit {
        Edit {
            put: entries,
            ..Edit::default()
        }
    }

    /// An edit that removes the entries for `nets`.
    pub fn remove(nets: Vec<IpNet>) -> Edit {
        Edit {
            remove: nets,
            ..Edit::default()
        }
    }
}

/// Why an address or network must not be blocked.
#[derive(Debug, Clone, PartialEq)]
pub enum Protected {
    /// Overlaps a reserved range.
    Reserved(IpNet, &'static str),
    /// Overlaps one of the analyst's allowlisted networks.
    Allowed(IpNet, String),
}

impl std::fmt::Display for Protected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protected::Reserved(net, what) => write!(f, "{net} is {what}"),
            Protected::Allowed(net, note) if note.is_empty() => {
                write!(f, "{net} is on your allowlist")
            }
            Protected::Allowed(net, note) => write!(f, "{net} is on your allowlist ({note})"),
        }
    }
}

impl Blocklist {
    /// The entry for exactly `net`.
    pub fn entry(&self, net: &IpNet) -> Option<&Entry> {
        self.entries.iter().find(|e| e.net == *net)
    }

    /// What protects `net` from blocking, if anything: a reserved range or the allowlist.
    pub fn protected(&self, net: &IpNet) -> Option<Protected> {
        if let Some((r, what)) = reserved_overlap(net) {
            return Some(Protected::Reserved(r, what));
        }
        self.allowlist
            .iter()
            .find(|a| overlaps(&a.net, net))
            .map(|a| Protected::Allowed(a.net, a.note.clone()))
    }

    /// Applies `edit` and returns the edit that undoes it.
    pub fn apply(&mut self, edit: Edit) -> Edit {
        let mut undo = Edit::default();
        // One pass for all removals and an index for all puts: merges of 100,000 entries
        // stay linear.
        if !edit.remove.is_empty() {
            let gone: std::collections::HashSet<IpNet> = edit.remove.into_iter().collect();
            let (removed, kept): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut self.entries)
                .into_iter()
                .partition(|e| gone.contains(&e.net));
            self.entries = kept;
            undo.put.extend(removed);
        }
        let mut at: HashMap<IpNet, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.net, i))
            .collect();
        for entry in edit.put {
            match at.get(&entry.net) {
                Some(&i) => undo
                    .put
                    .push(std::mem::replace(&mut self.entries[i], entry)),
                None => {
                    undo.remove.push(entry.net);
                    at.insert(entry.net, self.entries.len());
                    self.entries.push(entry);
                }
            }
        }
        for net in edit.unallow {
            if let Some(i) = self.allowlist.iter().position(|a| a.net == net) {
                undo.allow.push(self.allowlist.remove(i));
            }
        }
        for allow in edit.allow {
            match self.allowlist.iter().position(|a| a.net == allow.net) {
                Some(i) => undo
                    .allow
                    .push(std::mem::replace(&mut self.allowlist[i], allow)),
                None => {
                    undo.unallow.push(allow.net);
                    self.allowlist.push(allow);
                }
            }
        }
        for ip in edit.toggle_reviewed {
            if !self.reviewed.remove(&ip) {
                self.reviewed.insert(ip);
            }
            undo.toggle_reviewed.push(ip);
        }
        for ip in edit.toggle_rejected {
            if !self.rejected.remove(&ip) {
                self.rejected.insert(ip);
            }
            undo.toggle_rejected.push(ip);
        }
        undo
    }

    /// An index answering "which entry covers this address" quickly.
    pub fn coverage(&self) -> Coverage {
        let mut hosts = HashMap::new();
        let mut nets = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.net.prefix_len() == e.net.max_prefix_len() {
                hosts.insert(e.net.addr(), i);
            } else {
                nets.push((e.net, i));
            }
        }
        Coverage { hosts, nets }
    }
}

/// What the analyst decided about one source, as the source panel and alerts show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// On the blocklist.
    Block,
    /// On the allowlist: never proposed or blocked.
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

impl Blocklist {
    /// The decision about `ip`: blocked when an entry covers it, allowed when the allowlist
    /// does, else reviewed when marked.
    pub fn decision(&self, coverage: &Coverage, ip: IpAddr) -> Option<Decision> {
        let ip = super::address::canonical_ip(ip);
        if coverage.covering(ip).is_some() {
            Some(Decision::Block)
        } else if self.allowlist.iter().any(|a| a.net.contains(&ip)) {
            Some(Decision::Allow)
        } else if self.reviewed.contains(&ip) {
            Some(Decision::Reviewed)
        } else {
            None
        }
    }

    /// The edit that toggles decision `d` about the host `ip`: blocking adds `entry` (or
    /// removes the host's entry when there is one), allowing adds the host to the allowlist
    /// and takes it off the blocklist (or takes it off the allowlist again), reviewing flips
    /// the mark.
    pub fn toggle(&self, ip: IpAddr, d: Decision, entry: impl FnOnce() -> Entry) -> Edit {
        let net = IpNet::from(super::address::canonical_ip(ip));
        let mut edit = Edit::default();
        match d {
            Decision::Block => {
                if self.entry(&net).is_some() {
                    edit.remove.push(net);
                } else {
                    edit.put.push(entry());
                    if self.allowlist.iter().any(|a| a.net == net) {
                        edit.unallow.push(net);
                    }
                }
            }
            Decision::Allow => {
                if self.allowlist.iter().any(|a| a.net == net) {
                    edit.unallow.push(net);
                } else {
                    edit.allow.push(AllowEntry {
                        net,
                        note: String::new(),
                        added_at: super::entry::now(),
                    });
                    if self.entry(&net).is_some() {
                        edit.remove.push(net);
                    }
                }
            }
            Decision::Reviewed => edit.toggle_reviewed.push(net.addr()),
        }
        edit
    }
}

/// Which entry of a blocklist covers an address (see [`Blocklist::coverage`]).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    hosts: HashMap<IpAddr, usize>,
    nets: Vec<(IpNet, usize)>,
}

impl Coverage {
    /// The index of the entry that covers `ip`: its host entry, else the first network.
    pub fn covering(&self, ip: IpAddr) -> Option<usize> {
        let ip = super::address::canonical_ip(ip);
        self.hosts.get(&ip).copied().or_else(|| {
            self.nets
                .iter()
                .find(|(n, _)| n.contains(&ip))
                .map(|&(_, i)| i)
        })
    }
}

impl Undoable for Blocklist {
    type Edit = Edit;

    fn apply_edit(&mut self, edit: Edit) -> Edit {
        self.apply(edit)
    }

    fn is_noop(edit: &Edit) -> bool {
        edit.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::entry::Origin;
    use super::super::history::History;
    use super::*;

    fn entry(s: &str) -> Entry {
        Entry::new(s.parse().unwrap(), Origin::Manual, "test")
    }

    #[test]
    fn undo_and_redo_restore_every_state() {
        let mut list = Blocklist::default();
        let mut history = History::default();
        history.apply(&mut list, Edit::put(vec![entry("1.2.3.4/32")]));
        let one = list.clone();
        let mut changed = entry("1.2.3.4/32");
        changed.note = "edited".into();
        history.apply(&mut list, Edit::put(vec![changed, entry("5.6.7.0/24")]));
        let two = list.clone();
        history.apply(&mut list, Edit::remove(vec!["1.2.3.4/32".parse().unwrap()]));
        assert_eq!(list.entries.len(), 1);
        assert!(history.undo(&mut list));
        assert_eq!(list.entries.len(), two.entries.len());
        assert!(history.undo(&mut list));
        assert_eq!(list, one);
        assert!(history.redo(&mut list));
        assert_eq!(
            list.entry(&"1.2.3.4/32".parse().unwrap()).unwrap().note,
            "edited"
        );
        assert!(!history.apply(&mut list, Edit::default()));
    }

    #[test]
    fn coverage_finds_hosts_and_networks() {
        let list = Blocklist {
            entries: vec![entry("1.2.3.4/32"), entry("5.6.7.0/24")],
            ..Blocklist::default()
        };
        let c = list.coverage();
        assert_eq!(c.covering("1.2.3.4".parse().unwrap()), Some(0));
        assert_eq!(c.covering("::ffff:5.6.7.8".parse().unwrap()), Some(1));
        assert_eq!(c.covering("5.6.8.1".parse().unwrap()), None);
    }

    #[test]
    fn reserved_and_allowed_networks_are_protected() {
        let mut list = Blocklist::default();
        list.apply(Edit {
            allow: vec![AllowEntry {
                net: "81.2.69.0/24".parse().unwrap(),
                note: "office".into(),
                added_at: 0,
            }],
            ..Edit::default()
        });
        let p = |s: &str| list.protected(&s.parse().unwrap()).map(|p| p.to_string());
        assert_eq!(
            p("81.2.69.142/32").unwrap(),
            "81.2.69.0/24 is on your allowlist (office)"
        );
        assert_eq!(
            p("192.168.1.0/24").unwrap(),
            "192.168.0.0/16 is private network (RFC 1918)"
        );
        assert_eq!(p("111.73.46.18/32"), None);
    }
}
