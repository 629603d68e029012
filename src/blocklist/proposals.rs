//! Sources detection proposes for blocking, waiting for the analyst to accept, edit or reject
//! them: never added silently.

use std::net::IpAddr;

use ipnet::IpNet;

use super::entry::{Direction, Entry, Origin};
use super::list::{Blocklist, Edit};
use crate::detection::{Detection, SourceVerdict};

/// One source proposed for blocking.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The source.
    pub ip: IpAddr,
    /// Detection's confidence, 0-100.
    pub confidence: f64,
    /// The severity of its worst finding, when it has findings.
    pub severity: Option<&'static str>,
    /// Why: its findings, else its top reason.
    pub reason: String,
    /// Its events.
    pub events: u64,
    /// Which traffic the block stops.
    pub direction: Direction,
}

impl Proposal {
    /// The entry accepting the proposal adds.
    pub fn entry(&self) -> Entry {
        let mut e = Entry::new(IpNet::from(self.ip), Origin::Detection, self.reason.clone());
        e.confidence = Some(self.confidence);
        e.direction = self.direction;
        e
    }
}

/// The sources `detection` proposes for blocking (external, at the auto-block threshold) that
/// `list` neither covers, protects nor has rejected, in triage order.
pub fn proposals(detection: &Detection, list: &Blocklist) -> Vec<Proposal> {
    let coverage = list.coverage();
    detection
        .ranked
        .iter()
        .map(|&i| &detection.sources[i])
        .filter(|v| v.proposed_block)
        .filter(|v| {
            let ip = v.stats.ip;
            coverage.covering(ip).is_none()
                && !list.rejected.contains(&ip)
                && list.protected(&IpNet::from(ip)).is_none()
        })
        .map(|v| Proposal {
            ip: v.stats.ip,
            confidence: v.confidence,
            severity: v.severity().map(|s| s.name()),
            reason: reason_of(v),
            events: v.stats.events,
            direction: v.direction.unwrap_or_default(),
        })
        .collect()
}

/// Why `v` would be blocked: its findings, else its top reason.
pub fn reason_of(v: &SourceVerdict) -> String {
    if v.findings.is_empty() {
        v.reasons.first().cloned().unwrap_or_default()
    } else {
        v.findings
            .iter()
            .map(|f| f.summary.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The entry blocking source `v`, from `origin`, with its reason and confidence.
pub fn entry_for(v: &SourceVerdict, origin: Origin) -> Entry {
    let mut e = Entry::new(IpNet::from(v.stats.ip), origin, reason_of(v));
    e.confidence = Some(v.confidence);
    e.direction = v.direction.unwrap_or_default();
    e
}

/// The edit that accepts `proposals`.
pub fn accept(proposals: &[Proposal]) -> Edit {
    Edit::put(proposals.iter().map(Proposal::entry).collect())
}

/// The edit that rejects `proposals`: they are not proposed again.
pub fn reject(list: &Blocklist, proposals: &[Proposal]) -> Edit {
    Edit {
        toggle_rejected: proposals
            .iter()
            .map(|p| p.ip)
            .filter(|ip| !list.rejected.contains(ip))
            .collect(),
        ..Edit::default()
    }
}
