//! Domains detection proposes for blocking instead of an address it must not block (a CDN or
//! shared host serving unrelated sites), waiting for the analyst to accept, edit or reject
//! them: never added silently. Detection fills a `Vec<DomainProposal>`; [`pending`] says
//! which of them the list still has to decide on.

use std::net::IpAddr;

use crate::blocklist::reason_of;
use crate::detection::{Action, Detection};

use super::entry::{DomainEntry, Origin};
use super::guard::confirmation;
use super::list::{DomainEdit, DomainList};
use super::name::DomainName;

/// One domain proposed for blocking.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainProposal {
    /// The name (a TLS server name, an HTTP Host, a DNS query).
    pub name: DomainName,
    /// Why: the finding's summary.
    pub reason: String,
    /// Detection's confidence, 0-100.
    pub confidence: f64,
    /// The addresses the name was seen on.
    pub addresses: Vec<IpAddr>,
    /// The finding's evidence (signatures, log lines).
    pub evidence: Vec<String>,
    /// The files it was seen in.
    pub files: Vec<String>,
}

impl DomainProposal {
    /// A proposal for the name `name` as a log spelt it; an error saying why when it is not a
    /// domain name (see [`DomainName::parse`]).
    pub fn new(
        name: &str,
        reason: impl Into<String>,
        confidence: f64,
    ) -> Result<DomainProposal, String> {
        Ok(DomainProposal {
            name: DomainName::parse(name)?,
            reason: reason.into(),
            confidence,
            addresses: Vec::new(),
            evidence: Vec::new(),
            files: Vec::new(),
        })
    }

    /// The entry accepting the proposal adds: NXDOMAIN for the name alone, with the
    /// proposal's reason, confidence, addresses, evidence and files.
    pub fn entry(&self) -> DomainEntry {
        let mut e = DomainEntry::new(self.name.clone(), Origin::Detection, self.reason.clone());
        e.confidence = Some(self.confidence);
        e.addresses = self.addresses.clone();
        e.evidence = self.evidence.clone();
        e.files = self.files.clone();
        e
    }

    /// What to confirm before accepting it: the critical domain it lies under, if any.
    pub fn confirmation(&self) -> Option<String> {
        confirmation(&self.name)
    }
}

/// What detection proposes to block by name: the names of every party to block whose block
/// stops traffic going out to it (a command-and-control or delivery server), reached under
/// those names by HTTP Host, TLS server name or DNS answer; in triage order, a name seen on
/// several addresses once, with all of them. Names that are no domain name are left out.
pub fn from_detection(detection: &Detection) -> Vec<DomainProposal> {
    let mut out: Vec<DomainProposal> = Vec::new();
    for v in detection.ranked.iter().map(|&i| &detection.sources[i]) {
        let outbound = v.direction.is_some_and(|d| d.outbound());
        if v.action != Action::Block || !outbound {
            continue;
        }
        let evidence: Vec<String> = v
            .findings
            .iter()
            .find(|f| !f.context)
            .map(|f| f.evidence.clone())
            .unwrap_or_default();
        for name in &v.names {
            let Ok(mut p) = DomainProposal::new(name, reason_of(v), v.confidence) else {
                continue;
            };
            match out.iter_mut().find(|o| o.name == p.name) {
                Some(o) => o.addresses.push(v.stats.ip),
                None => {
                    p.addresses.push(v.stats.ip);
                    p.evidence.clone_from(&evidence);
                    out.push(p);
                }
            }
        }
    }
    out
}

/// The proposals `list` neither blocks, refuses (public suffixes, the allowlist) nor has
/// rejected, the most confident first; one per name.
pub fn pending<'a>(proposals: &'a [DomainProposal], list: &DomainList) -> Vec<&'a DomainProposal> {
    let coverage = list.coverage();
    let mut out: Vec<&DomainProposal> = proposals
        .iter()
        .filter(|p| {
            !coverage.blocks(&p.name)
                && !list.rejected.contains(&p.name)
                && list.refused(&p.name, false).is_none()
        })
        .collect();
    out.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.name.cmp(&b.name))
    });
    out.dedup_by(|a, b| a.name == b.name);
    out
}

/// The edit that accepts `proposals`.
pub fn accept(proposals: &[&DomainProposal]) -> DomainEdit {
    DomainEdit::put(proposals.iter().map(|p| p.entry()).collect())
}

/// The edit that rejects `proposals`: they are not proposed again.
pub fn reject(list: &DomainList, proposals: &[&DomainProposal]) -> DomainEdit {
    let mut names: Vec<DomainName> = proposals
        .iter()
        .map(|p| p.name.clone())
        .filter(|n| !list.rejected.contains(n))
        .collect();
    names.sort();
    names.dedup();
    DomainEdit {
        toggle_rejected: names,
        ..DomainEdit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_rejected_and_refused_proposals_are_not_pending() {
        let p = |name: &str, c: f64| DomainProposal::new(name, "FormBook check-in", c).unwrap();
        let proposals = vec![
            p("www.hydrocheats.com", 80.0),
            p("www.katchybugonsale.com", 95.0),
            p("github.io", 99.0),
            p("www.hydrocheats.com", 70.0),
        ];
        assert!(DomainProposal::new("evil .com", "", 1.0).is_err());
        let mut list = DomainList::default();
        let names = |v: Vec<&DomainProposal>| -> Vec<String> {
            v.iter().map(|p| p.name.to_string()).collect()
        };
        assert_eq!(
            names(pending(&proposals, &list)),
            ["www.katchybugonsale.com", "www.hydrocheats.com"]
        );
        let first = pending(&proposals, &list)[0];
        list.apply(accept(&[first]));
        assert_eq!(list.entries[0].origin, Origin::Detection);
        assert_eq!(list.entries[0].confidence, Some(95.0));
        let rest = pending(&proposals, &list);
        list.apply(reject(&list, &rest));
        assert!(pending(&proposals, &list).is_empty());
        assert!(list
            .rejected
            .contains(&DomainName::parse("www.hydrocheats.com").unwrap()));
    }
}
