//! Who is inside: the role of each source address, which decides the action a verdict
//! proposes. An external attacker is blocked; an internal host that looks compromised is
//! isolated and investigated; servers and sensors are not suspects for the traffic they
//! receive or answer; addresses that cannot be blocked meaningfully are never proposed.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::events::EventTable;
use crate::features::{is_common_port, SourceStats};

/// The role of a source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A public address outside the home networks.
    External,
    /// A private address or one in the home networks.
    Internal,
    /// A host that mostly receives or answers: a server, a honeypot sensor.
    Server,
    /// Link-local, multicast, loopback, broadcast, unspecified, documentation or reserved:
    /// never proposed for an action.
    Unroutable,
}

impl Role {
    /// The role's name for the analyst.
    pub fn name(self) -> &'static str {
        match self {
            Role::External => "external",
            Role::Internal => "internal",
            Role::Server => "server",
            Role::Unroutable => "unroutable",
        }
    }
}

/// What a verdict proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Block the external source.
    Block,
    /// Isolate the internal host and investigate it.
    Isolate,
    /// Keep an eye on it.
    Watch,
    /// Nothing to do.
    Normal,
}

impl Action {
    /// The action's name for the analyst.
    pub fn name(self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::Isolate => "isolate",
            Action::Watch => "watch",
            Action::Normal => "normal",
        }
    }
}

/// Whether `ip` can never be a meaningful block: link-local, multicast, loopback, broadcast,
/// unspecified, documentation, benchmarking or reserved (240.0.0.0/4) ranges.
pub fn is_unroutable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_link_local()
                || v4.is_multicast()
                || v4.is_loopback()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_unroutable(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
        }
    }
}

/// Whether `ip` is inside: a private address or one of the `home` networks.
pub fn is_internal(ip: IpAddr, home: &[IpNet]) -> bool {
    crate::features::is_private(ip) || home.iter().any(|n| n.contains(&ip))
}

/// The roles of `sources` in `table`, given the home networks.
///
/// A source is a server when others reach it more than it reaches out (it is the
/// destination of events from at least three sources, at least as often as it is a
/// source), or when at least four fifths of its own events leave a service port for a client
/// port (it answers, such as a web server's return flows in a VPC log).
pub fn roles(table: &EventTable, sources: &[SourceStats], home: &[IpNet]) -> Vec<Role> {
    let mut received: HashMap<u32, (u64, Vec<u32>)> = HashMap::new();
    for row in 0..table.len() {
        if let Some(d) = table.destination_ip_id(row) {
            let e = received.entry(d).or_default();
            e.0 += 1;
            if let Some(s) = table.source_ip_id(row) {
                if e.1.len() < 3 && !e.1.contains(&s) {
                    e.1.push(s);
                }
            }
        }
    }
    sources
        .iter()
        .map(|s| {
            let ip = s.ip;
            if is_unroutable(ip) {
                return Role::Unroutable;
            }
            let id = s.rows.first().and_then(|&r| table.source_ip_id(r as usize));
            let (count, from) = id
                .and_then(|id| received.get(&id))
                .map_or((0, 0), |(c, f)| (*c, f.len()));
            let answers = s
                .rows
                .iter()
                .filter(|&&r| {
                    let r = r as usize;
                    matches!(
                        (table.source_port(r), table.destination_port(r)),
                        (Some(sp), Some(dp)) if (sp < 1024 || is_common_port(sp)) && dp >= 1024
                    )
                })
                .count() as u64;
            let server =
                (from >= 3 && count >= s.events) || (answers * 5 >= s.events * 4 && answers > 0);
            if server {
                Role::Server
            } else if is_internal(ip, home) {
                Role::Internal
            } else {
                Role::External
            }
        })
        .collect()
}

/// The action for a source of `role` with `confidence`, under the auto-block `threshold`.
/// A server with findings of its own is judged as the host it is (`internal` or not).
pub fn action(
    role: Role,
    confidence: f64,
    threshold: f64,
    has_findings: bool,
    internal: bool,
) -> Action {
    let role = match role {
        Role::Server if has_findings && internal => Role::Internal,
        Role::Server if has_findings => Role::External,
        r => r,
    };
    match role {
        Role::Unroutable => Action::Normal,
        Role::Server => {
            if confidence >= threshold / 2.0 {
                Action::Watch
            } else {
                Action::Normal
            }
        }
        _ if confidence >= threshold => {
            if role == Role::External {
                Action::Block
            } else {
                Action::Isolate
            }
        }
        _ if confidence >= threshold / 2.0 => Action::Watch,
        _ => Action::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn unroutable_ranges_are_never_blocked() {
        for a in [
            "fe80::1",
            "ff02::1",
            "224.0.0.251",
            "239.255.255.250",
            "169.254.1.1",
            "255.255.255.255",
            "0.0.0.0",
            "127.0.0.1",
            "::1",
            "::",
            "192.0.2.7",
            "2001:db8::1",
            "240.1.2.3",
            "::ffff:169.254.0.1",
        ] {
            assert!(is_unroutable(ip(a)), "{a}");
        }
        for a in ["8.8.8.8", "172.16.9.5", "2a02:6b8:a::a", "206.130.141.255"] {
            assert!(!is_unroutable(ip(a)), "{a}");
        }
    }

    #[test]
    fn actions_follow_roles() {
        assert_eq!(
            action(Role::External, 90.0, 70.0, false, false),
            Action::Block
        );
        assert_eq!(
            action(Role::Internal, 90.0, 70.0, false, true),
            Action::Isolate
        );
        assert_eq!(
            action(Role::Server, 90.0, 70.0, false, false),
            Action::Watch
        );
        assert_eq!(
            action(Role::Server, 90.0, 70.0, true, true),
            Action::Isolate
        );
        assert_eq!(action(Role::Server, 90.0, 70.0, true, false), Action::Block);
        assert_eq!(
            action(Role::Unroutable, 99.0, 70.0, true, false),
            Action::Normal
        );
        assert_eq!(
            action(Role::External, 40.0, 70.0, false, false),
            Action::Watch
        );
        assert_eq!(
            action(Role::External, 10.0, 70.0, false, false),
            Action::Normal
        );
    }
}
