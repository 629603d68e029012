//! Campaigns: sources that did the same thing (the same worst finding with the same
//! evidence, such as one worm's request sequence or one password list), grouped so that the
//! analyst reads one line per behaviour instead of one per address.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;

use super::behaviour::FindingKind;
use super::pipeline::SourceVerdict;

/// Sources that share one behaviour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    /// The shared finding.
    pub kind: FindingKind,
    /// The members, as indices into the detection's sources: the lead (most events behind
    /// the finding) first, then in triage order.
    #[serde(skip)]
    pub members: Vec<usize>,
    /// The members' addresses, in the order of `members`.
    pub addresses: Vec<IpAddr>,
    /// Distinct /24 (IPv4) or /48 (IPv6) networks the members come from.
    pub networks: usize,
    /// One sentence for the analyst.
    pub summary: String,
}

/// The network an address is counted in: its /24, or /48 for IPv6.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            IpAddr::from([o[0], o[1], o[2], 0])
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            IpAddr::from([s[0], s[1], s[2], 0, 0, 0, 0, 0])
        }
    }
}

/// Groups `sources` whose worst finding has the same kind and the same evidence; groups of
/// two or more, largest first. `order` is the triage order of the sources.
pub fn campaigns(sources: &[SourceVerdict], order: &[usize]) -> Vec<Campaign> {
    let mut groups: BTreeMap<(FindingKind, Vec<String>), Vec<usize>> = BTreeMap::new();
    for &i in order {
        let Some(top) = sources[i].findings.first() else {
            continue;
        };
        let mut evidence = top.evidence.clone();
        evidence.sort();
        groups.entry((top.kind, evidence)).or_default().push(i);
    }
    let mut out: Vec<Campaign> = groups
        .into_iter()
        .filter(|(_, m)| m.len() >= 2)
        .map(|((kind, _), mut members)| {
            // The lead is the member with the most events behind the shared finding (the
            // largest upload, the longest run of probes); the rest stay in triage order.
            let behind = |i: usize| sources[i].findings.first().map_or(0, |f| f.rows.len());
            let lead = (0..members.len())
                .max_by_key(|&k| (behind(members[k]), std::cmp::Reverse(k)))
                .unwrap_or(0);
            members[..=lead].rotate_right(1);
            let addresses: Vec<IpAddr> = members.iter().map(|&i| sources[i].stats.ip).collect();
            let networks = addresses
                .iter()
                .map(|&ip| network(ip))
                .collect::<BTreeSet<_>>()
                .len();
            let nets = if networks == 1 {
                "one network".to_string()
            } else {
                format!("{networks} networks")
            };
            Campaign {
                kind,
                summary: format!(
                    "{} sources from {nets} with the same {}",
                    members.len(),
                    kind.name()
                ),
                members,
                addresses,
                networks,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    out
}
