//! Guardrails: what is wrong with blocking a network, said before the change is made.

use std::net::IpAddr;

use ipnet::IpNet;

use super::address::size;
use super::list::{Blocklist, Protected};
use crate::detection::human_count;
use crate::geo::shared::{shared_owner_of, SharedKind};

/// IPv4 networks wider than this are "very broad".
pub const BROAD_V4: u8 = 16;
/// IPv6 networks wider than this are "very broad".
pub const BROAD_V6: u8 = 32;

/// What the open investigation knows about one source, for guardrails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceFact {
    /// The source.
    pub ip: IpAddr,
    /// Its events.
    pub events: u64,
    /// Whether detection flagged it (proposed, or with findings of its own).
    pub flagged: bool,
    /// Of its events, how many carry a label.
    pub labelled: u64,
    /// Of its labelled events, how many are labelled benign.
    pub benign: u64,
}

impl SourceFact {
    fn quiet(&self) -> bool {
        !self.flagged || (self.labelled > 0 && self.benign * 2 > self.labelled)
    }
}

/// One reason to think twice.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// A reserved range or the allowlist protects the network.
    Protected(Protected),
    /// The network is wider than /16 (IPv4) or /32 (IPv6).
    Broad {
        /// The network.
        net: IpNet,
    },
    /// The network covers sources of the open investigation that detection did not flag or
    /// whose labelled events are mostly benign.
    Quiet {
        /// How many such sources.
        sources: usize,
        /// Their events.
        events: u64,
        /// One of them, for the message.
        example: IpAddr,
    },
    /// The network lies in an AS whose addresses are shared by many sites (a CDN, cloud,
    /// platform or web host): blocking it may break unrelated sites.
    Shared {
        /// The AS number.
        asn: u32,
        /// The AS organisation, as the AS table names it.
        org: &'static str,
        /// Why the list calls it shared.
        reason: String,
        /// A platform's (always shared) or a web host's (shared when it hosts websites).
        kind: SharedKind,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::Protected(p) => write!(f, "must not be blocked: {p}"),
            Warning::Broad { net } => write!(
                f,
                "very broad: {net} covers {} addresses",
                human_count(size(net))
            ),
            Warning::Quiet {
                sources: 1,
                events,
                example,
            } => write!(
                f,
                "covers {example}, which detection did not flag or whose labelled events are mostly benign ({} events)",
                human_count(*events)
            ),
            Warning::Quiet {
                sources,
                events,
                example,
            } => write!(
                f,
                "covers {sources} sources that detection did not flag or whose labelled events are mostly benign, such as {example} ({} events in all)",
                human_count(*events)
            ),
            Warning::Shared {
                asn,
                org,
                reason,
                kind: SharedKind::Platform,
            } => write!(
                f,
                "shared by many sites: it belongs to {org} (AS{asn}; {reason}), so blocking it may \
                 break unrelated sites; block the domain instead where you can"
            ),
            Warning::Shared {
                asn,
                org,
                reason,
                kind: SharedKind::Hosting,
            } => write!(
                f,
                "a hosting provider's address: it belongs to {org} (AS{asn}; {reason}); a rented \
                 server is one tenant's, but web hosting puts many sites on one address"
            ),
        }
    }
}

/// The warnings about blocking `net` on `list`, given what the open investigation knows of
/// its sources (`facts`, empty when none is open), and who owns its first address.
pub fn guardrails(list: &Blocklist, net: &IpNet, facts: &[SourceFact]) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(p) = list.protected(net) {
        out.push(Warning::Protected(p));
    }
    let broad = if net.addr().is_ipv4() {
        BROAD_V4
    } else {
        BROAD_V6
    };
    if net.prefix_len() < broad {
        out.push(Warning::Broad { net: *net });
    }
    let quiet: Vec<&SourceFact> = facts
        .iter()
        .filter(|f| net.contains(&f.ip) && f.quiet())
        .collect();
    if let Some(first) = quiet.first() {
        out.push(Warning::Quiet {
            sources: quiet.len(),
            events: quiet.iter().map(|f| f.events).sum(),
            example: first.ip,
        });
    }
    if let Some((info, owner)) = shared_owner_of(net.addr()) {
        out.push(Warning::Shared {
            asn: info.number,
            org: info.org,
            reason: owner.reason.clone(),
            kind: owner.kind,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broad_private_and_quiet_networks_warn() {
        let list = Blocklist::default();
        let net = |s: &str| s.parse::<IpNet>().unwrap();
        let w = guardrails(&list, &net("10.0.0.0/8"), &[]);
        assert_eq!(w.len(), 2);
        assert!(w[0].to_string().contains("private network"));
        assert_eq!(
            w[1].to_string(),
            "very broad: 10.0.0.0/8 covers 16,777,216 addresses"
        );
        let facts = [
            SourceFact {
                ip: "5.6.7.8".parse().unwrap(),
                events: 1200,
                flagged: false,
                labelled: 0,
                benign: 0,
            },
            SourceFact {
                ip: "5.6.7.9".parse().unwrap(),
                events: 40,
                flagged: true,
                labelled: 40,
                benign: 39,
            },
            SourceFact {
                ip: "5.6.7.10".parse().unwrap(),
                events: 7,
                flagged: true,
                labelled: 0,
                benign: 0,
            },
        ];
        let w = guardrails(&list, &net("5.6.7.0/24"), &facts);
        assert_eq!(w.len(), 1);
        assert_eq!(
            w[0].to_string(),
            "covers 2 sources that detection did not flag or whose labelled events are mostly benign, such as 5.6.7.8 (1,240 events in all)"
        );
        assert!(guardrails(&list, &net("5.6.7.10/32"), &facts).is_empty());
    }

    #[test]
    fn a_shared_address_names_its_owner() {
        let list = Blocklist::default();
        // A Cloudflare address FormBook checked in to (eve.json).
        let w = guardrails(&list, &"104.16.12.194/32".parse().unwrap(), &[]);
        assert_eq!(w.len(), 1);
        let text = w[0].to_string();
        assert!(
            text.starts_with("shared by many sites: it belongs to Cloudflare, Inc. (AS13335; "),
            "{text}"
        );
        // A rented Dridex server: OVH is a host, so the warning says what to check.
        let w = guardrails(&list, &"135.148.121.246/32".parse().unwrap(), &[]);
        assert_eq!(w.len(), 1);
        let text = w[0].to_string();
        assert!(
            text.starts_with("a hosting provider's address: it belongs to OVH"),
            "{text}"
        );
        // An access line in Indonesia that Dridex ran on is no one's platform.
        assert!(guardrails(&list, &"180.250.21.2/32".parse().unwrap(), &[]).is_empty());
    }
}
