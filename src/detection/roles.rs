//! Who is inside: the role of each source address, which decides the action a verdict
//! proposes. An external attacker is blocked; an internal host that looks compromised is
//! isolated and investigated; servers and sensors are not suspects for the traffic they
//! receive or answer; addresses that cannot be blocked meaningfully are never proposed.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::behaviour::{Finding, FindingKind};
use crate::events::EventTable;
use crate::features::{is_common_port, SourceStats};

/// The part an address plays: where it sits, and what the evidence says it did. The role
/// decides the action a verdict proposes and the direction a block takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
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
    /// An internal host with signs of compromise (malware traffic, beaconing, data leaving):
    /// isolate it.
    InfectedHost,
    /// An external server infected hosts call: block traffic to it.
    CommandAndControl,
    /// An external server that delivered malware: block traffic to it.
    MalwareDelivery,
    /// An internal host others attacked, with no sign of compromise.
    Victim,
    /// An external source probing ports, hosts or pages: block traffic from it.
    Scanner,
    /// What the network needs to work (DNS resolver, DHCP server, domain controller, time
    /// server): never proposed.
    Infrastructure,
}

impl Role {
    /// The role's name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::External => "external",
            Role::Internal => "internal",
            Role::Server => "server",
            Role::Unroutable => "unroutable",
            Role::InfectedHost => "infected-host",
            Role::CommandAndControl => "c2-server",
            Role::MalwareDelivery => "delivery-server",
            Role::Victim => "victim",
            Role::Scanner => "scanner",
            Role::Infrastructure => "infrastructure",
        }
    }

    /// The role in words, for the window.
    pub fn title(self) -> &'static str {
        match self {
            Role::External => "external",
            Role::Internal => "internal",
            Role::Server => "server",
            Role::Unroutable => "unroutable",
            Role::InfectedHost => "infected host",
            Role::CommandAndControl => "command-and-control server",
            Role::MalwareDelivery => "malware delivery server",
            Role::Victim => "victim",
            Role::Scanner => "scanner",
            Role::Infrastructure => "infrastructure",
        }
    }

    /// Whether the role is an address of the monitored network.
    pub fn is_inside(self) -> bool {
        matches!(
            self,
            Role::Internal | Role::InfectedHost | Role::Victim | Role::Infrastructure
        )
    }
}

/// Which traffic a block of an external address stops.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Traffic from it: an attacker or scanner reaching in.
    #[default]
    Inbound,
    /// Traffic to it: a server that infected hosts call.
    Outbound,
    /// Both ways.
    Both,
}

impl Direction {
    /// The direction's name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Both => "both",
        }
    }

    /// The direction named `s`.
    pub fn from_name(s: &str) -> Option<Direction> {
        [Direction::Inbound, Direction::Outbound, Direction::Both]
            .into_iter()
            .find(|d| d.name() == s.trim())
    }

    /// Whether a block in this direction stops traffic from the address.
    pub fn inbound(self) -> bool {
        self != Direction::Outbound
    }

    /// Whether a block in this direction stops traffic to the address.
    pub fn outbound(self) -> bool {
        self != Direction::Inbound
    }

    /// Both directions when `self` and `other` differ.
    pub fn with(self, other: Direction) -> Direction {
        if self == other {
            self
        } else {
            Direction::Both
        }
    }
}

/// What a verdict proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Block the external party.
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

/// How often each address received, and from which sources (up to three distinct, all a
/// server needs): gathered per table and merged, so that shards of one log add up to it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Received {
    by: HashMap<IpAddr, (u64, Vec<IpAddr>)>,
}

impl Received {
    /// What every destination of `table` received.
    pub fn of(table: &EventTable) -> Received {
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
        let ips = table.ips();
        Received {
            by: received
                .into_iter()
                .map(|(d, (n, from))| {
                    (
                        ips.resolve(d),
                        (n, from.into_iter().map(|s| ips.resolve(s)).collect()),
                    )
                })
                .collect(),
        }
    }

    /// Adds what another part of the same log received.
    pub fn merge(&mut self, other: Received) {
        for (ip, (n, from)) in other.by {
            let e = self.by.entry(ip).or_default();
            e.0 += n;
            for s in from {
                if e.1.len() < 3 && !e.1.contains(&s) {
                    e.1.push(s);
                }
            }
        }
    }

    /// Whether source `s`, of whose events `answers` leave a service port for a client port,
    /// mostly receives or answers (see [`servers`]).
    pub fn is_server(&self, s: &SourceStats, answers: u64) -> bool {
        let (count, from) = self.by.get(&s.ip).map_or((0, 0), |(c, f)| (*c, f.len()));
        (from >= 3 && count >= s.events) || (answers * 5 >= s.events * 4 && answers > 0)
    }
}

/// How many of the events of `rows` leave a service port for a client port (an answer).
pub fn answers(table: &EventTable, rows: &[u32]) -> u64 {
    rows.iter()
        .filter(|&&r| {
            let r = r as usize;
            matches!(
                (table.source_port(r), table.destination_port(r)),
                (Some(sp), Some(dp)) if (sp < 1024 || is_common_port(sp)) && dp >= 1024
            )
        })
        .count() as u64
}

/// Whether each of `sources` mostly receives or answers: the destination of events from at
/// least three sources, at least as often as it is a source, or at least four fifths of its
/// own events leave a service port for a client port (it answers, such as a web server's
/// return flows in a VPC log).
pub fn servers(table: &EventTable, sources: &[SourceStats]) -> Vec<bool> {
    let received = Received::of(table);
    sources
        .iter()
        .map(|s| received.is_server(s, answers(table, &s.rows)))
        .collect()
}

/// Services the network runs on: the port and what a host answering it to internal clients
/// is.
const SERVICES: [(u16, &str); 9] = [
    (53, "DNS resolver"),
    (67, "DHCP server"),
    (88, "domain controller"),
    (464, "domain controller"),
    (389, "domain controller"),
    (636, "domain controller"),
    (3268, "domain controller"),
    (3269, "domain controller"),
    (123, "time server"),
];

/// Events of one client from which a host answering a network service is infrastructure,
/// when it has a single client.
const SERVICE_EVENTS: usize = 5;

/// Distinct external hosts a host must reach on other ports than the network's services
/// for it to act as a client of its own, not only as infrastructure.
const TALKS_OUT: usize = 5;

/// A host the network needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infrastructure {
    /// What it is: "DNS resolver, domain controller".
    pub what: String,
    /// Whether it also reaches [`TALKS_OUT`] or more external hosts on other ports than the
    /// network's services, as a workstation would: its own traffic is then judged as any
    /// host's (a domain controller infected with Trickbot calls out to dozens of servers).
    pub talks_out: bool,
}

/// Who used which of the network's services where, and which external hosts each host
/// reached on other ports (up to [`TALKS_OUT`]): gathered per table and merged, so that
/// shards of one log add up to it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ServiceUse {
    #[serde(serialize_with = "service_pairs", deserialize_with = "service_keys")]
    seen: Seen,
    outside: HashMap<IpAddr, HashSet<IpAddr>>,
}

/// Each (server, service)'s users and how often they used it.
type Seen = HashMap<(IpAddr, &'static str), HashMap<IpAddr, usize>>;

/// The service use's map written as a sequence of pairs, its keys being pairs themselves.
fn service_pairs<S: serde::Serializer>(seen: &Seen, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(seen.iter())
}

/// The service use's keys read back, their service names as the program's own.
fn service_keys<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Seen, D::Error> {
    #[derive(Deserialize)]
    struct Key(
        IpAddr,
        #[serde(deserialize_with = "crate::events::static_text")] crate::events::StaticText,
    );
    let seen: Vec<(Key, HashMap<IpAddr, usize>)> = Vec::deserialize(d)?;
    Ok(seen
        .into_iter()
        .map(|(Key(ip, s), v)| ((ip, s), v))
        .collect())
}

impl ServiceUse {
    /// The service use of `table`'s events.
    pub fn of(table: &EventTable, home: &[IpNet]) -> ServiceUse {
        let mut seen: HashMap<(u32, &'static str), HashMap<u32, usize>> = HashMap::new();
        let mut outside: HashMap<u32, HashSet<u32>> = HashMap::new();
        let ips = table.ips();
        let service = |p: Option<u16>| SERVICES.iter().find(|x| Some(x.0) == p).map(|x| x.1);
        for row in 0..table.len() {
            let (Some(s), Some(d)) = (table.source_ip_id(row), table.destination_ip_id(row)) else {
                continue;
            };
            let (sp, dp) = (table.source_port(row), table.destination_port(row));
            // A request to the service, or its answer from the service port.
            let (server, client, what) = match (service(dp), service(sp)) {
                (Some(w), _) if sp.is_none_or(|p| p >= 1024 || p == 68) => (d, s, w),
                (_, Some(w)) if dp.is_none_or(|p| p >= 1024 || p == 68) => (s, d, w),
                (None, None) => {
                    let to = ips.resolve(d);
                    if !is_internal(to, home) && !is_unroutable(to) {
                        let o = outside.entry(s).or_default();
                        if o.len() < TALKS_OUT {
                            o.insert(d);
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            if is_internal(ips.resolve(client), home) && !is_unroutable(ips.resolve(server)) {
                *seen
                    .entry((server, what))
                    .or_default()
                    .entry(client)
                    .or_default() += 1;
            }
        }
        let ip = |id: u32| ips.resolve(id);
        ServiceUse {
            seen: seen
                .into_iter()
                .map(|((server, what), clients)| {
                    let clients = clients.into_iter().map(|(c, n)| (ip(c), n)).collect();
                    ((ip(server), what), clients)
                })
                .collect(),
            outside: outside
                .into_iter()
                .map(|(s, to)| (ip(s), to.into_iter().map(ip).collect()))
                .collect(),
        }
    }

    /// Adds another part of the same log.
    pub fn merge(&mut self, other: ServiceUse) {
        for (key, clients) in other.seen {
            let e = self.seen.entry(key).or_default();
            for (c, n) in clients {
                *e.entry(c).or_default() += n;
            }
        }
        for (s, to) in other.outside {
            let o = self.outside.entry(s).or_default();
            for d in to {
                if o.len() < TALKS_OUT {
                    o.insert(d);
                }
            }
        }
    }

    /// The infrastructure among the addresses: hosts that answer the network's own services
    /// (DNS, DHCP, Kerberos, LDAP, NTP) to internal clients. A host counts with two internal
    /// clients, or one that used it [`SERVICE_EVENTS`] times.
    pub fn infrastructure(self) -> HashMap<IpAddr, Infrastructure> {
        let mut out: HashMap<IpAddr, Vec<&str>> = HashMap::new();
        for ((server, what), clients) in self.seen {
            if clients.len() >= 2 || clients.values().any(|&n| n >= SERVICE_EVENTS) {
                out.entry(server).or_default().push(what);
            }
        }
        out.into_iter()
            .map(|(ip, mut what)| {
                what.sort_by_key(|w| SERVICES.iter().position(|s| s.1 == *w));
                what.dedup();
                let talks_out = self.outside.get(&ip).is_some_and(|o| o.len() >= TALKS_OUT);
                let what = what.join(", ");
                (ip, Infrastructure { what, talks_out })
            })
            .collect()
    }
}

/// The infrastructure among the table's addresses (see [`ServiceUse::infrastructure`]).
pub fn infrastructure(table: &EventTable, home: &[IpNet]) -> HashMap<IpAddr, Infrastructure> {
    ServiceUse::of(table, home).infrastructure()
}

/// What the role of a party rests on.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The address.
    pub ip: IpAddr,
    /// Inside the home networks, or private.
    pub internal: bool,
    /// Mostly receives or answers (see [`servers`]).
    pub server: bool,
    /// What the network needs it for, when it is infrastructure.
    pub infrastructure: Option<&'a Infrastructure>,
    /// Its findings.
    pub findings: &'a [Finding],
}

/// Kinds that show the host doing them is compromised.
fn compromised(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::MalwareTraffic | FindingKind::Beaconing | FindingKind::Exfiltration
    )
}

/// Kinds that show the host is where malware calls or comes from.
fn serves_malware(kind: FindingKind) -> Option<Role> {
    match kind {
        FindingKind::CommandAndControl | FindingKind::ReceivedUpload => {
            Some(Role::CommandAndControl)
        }
        FindingKind::MalwareDelivery => Some(Role::MalwareDelivery),
        _ => None,
    }
}

/// Kinds that only probe.
fn probes(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::PortScan
            | FindingKind::HostScan
            | FindingKind::ScannerAgent
            | FindingKind::WordlistScan
            | FindingKind::SipScan
            | FindingKind::ExploitProbe
    )
}

/// The role of a party from its place and its findings (context findings count only to
/// make a victim).
pub fn role(e: &Evidence) -> Role {
    if is_unroutable(e.ip) {
        return Role::Unroutable;
    }
    let real: Vec<&Finding> = e.findings.iter().filter(|f| !f.context).collect();
    if e.internal {
        if real.iter().any(|f| compromised(f.kind)) {
            return Role::InfectedHost;
        }
        if e.infrastructure.is_some_and(|i| !i.talks_out) {
            return Role::Infrastructure;
        }
        if real.is_empty() && e.findings.iter().any(|f| f.kind == FindingKind::Targeted) {
            return Role::Victim;
        }
        return if e.server && real.is_empty() {
            Role::Server
        } else {
            Role::Internal
        };
    }
    if let Some(r) = real.iter().find_map(|f| serves_malware(f.kind)) {
        return r;
    }
    if e.infrastructure.is_some_and(|i| !i.talks_out) && real.is_empty() {
        return Role::Infrastructure;
    }
    if real.first().is_some_and(|f| probes(f.kind)) {
        return Role::Scanner;
    }
    if e.server && real.is_empty() {
        Role::Server
    } else {
        Role::External
    }
}

/// The direction a block of a party with `role` and `findings` takes: traffic to the servers
/// malware uses, traffic from everyone else; both when it did both. `None` inside.
pub fn direction(role: Role, findings: &[Finding]) -> Option<Direction> {
    if role.is_inside() || role == Role::Unroutable {
        return None;
    }
    let mut d: Option<Direction> = None;
    for f in findings.iter().filter(|f| !f.context) {
        let this = if serves_malware(f.kind).is_some() {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        d = Some(d.map_or(this, |d| d.with(this)));
    }
    Some(d.unwrap_or(Direction::Inbound))
}

/// The action for a party of `role` with `confidence`, under the auto-block `threshold`:
/// block external parties, isolate infected and internal hosts; victims, servers and
/// infrastructure are watched at most.
pub fn action(role: Role, confidence: f64, threshold: f64) -> Action {
    let watch = if confidence >= threshold / 2.0 {
        Action::Watch
    } else {
        Action::Normal
    };
    match role {
        Role::Unroutable => Action::Normal,
        Role::Server | Role::Victim | Role::Infrastructure => watch,
        _ if confidence < threshold => watch,
        Role::InfectedHost | Role::Internal => Action::Isolate,
        Role::External | Role::Scanner | Role::CommandAndControl | Role::MalwareDelivery => {
            Action::Block
        }
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
        assert_eq!(action(Role::External, 90.0, 70.0), Action::Block);
        assert_eq!(action(Role::CommandAndControl, 90.0, 70.0), Action::Block);
        assert_eq!(action(Role::InfectedHost, 90.0, 70.0), Action::Isolate);
        assert_eq!(action(Role::Internal, 90.0, 70.0), Action::Isolate);
        assert_eq!(action(Role::Server, 90.0, 70.0), Action::Watch);
        assert_eq!(action(Role::Infrastructure, 99.0, 70.0), Action::Watch);
        assert_eq!(action(Role::Victim, 99.0, 70.0), Action::Watch);
        assert_eq!(action(Role::Unroutable, 99.0, 70.0), Action::Normal);
        assert_eq!(action(Role::External, 40.0, 70.0), Action::Watch);
        assert_eq!(action(Role::External, 10.0, 70.0), Action::Normal);
    }

    fn found(kind: FindingKind, context: bool) -> Finding {
        let mut f = Finding::new(kind, String::new(), Vec::new(), Vec::new());
        f.context = context;
        f
    }

    #[test]
    fn roles_follow_the_evidence() {
        let dc = Infrastructure {
            what: "domain controller".to_string(),
            talks_out: false,
        };
        let party = |ip: &str, internal, findings: &[Finding], infra| {
            role(&Evidence {
                ip: ip.parse().unwrap(),
                internal,
                server: false,
                infrastructure: infra,
                findings,
            })
        };
        let malware = [found(FindingKind::MalwareTraffic, false)];
        assert_eq!(party("10.0.0.5", true, &malware, None), Role::InfectedHost);
        assert_eq!(
            party("10.0.0.5", true, &malware, Some(&dc)),
            Role::InfectedHost
        );
        let decoder = [found(FindingKind::IdsAlert, true)];
        assert_eq!(
            party("10.0.0.2", true, &decoder, Some(&dc)),
            Role::Infrastructure
        );
        let calling = Infrastructure {
            talks_out: true,
            ..dc.clone()
        };
        assert_eq!(
            party("10.0.0.2", true, &decoder, Some(&calling)),
            Role::Internal
        );
        let c2 = [found(FindingKind::CommandAndControl, false)];
        assert_eq!(party("8.8.4.4", false, &c2, None), Role::CommandAndControl);
        assert_eq!(
            direction(Role::CommandAndControl, &c2),
            Some(Direction::Outbound)
        );
        let scan = [found(FindingKind::PortScan, false)];
        assert_eq!(party("8.8.4.4", false, &scan, None), Role::Scanner);
        assert_eq!(direction(Role::Scanner, &scan), Some(Direction::Inbound));
        let both = [c2[0].clone(), scan[0].clone()];
        assert_eq!(
            direction(Role::CommandAndControl, &both),
            Some(Direction::Both)
        );
        let targeted = [found(FindingKind::Targeted, true)];
        assert_eq!(party("10.0.0.9", true, &targeted, None), Role::Victim);
        assert_eq!(direction(Role::Victim, &targeted), None);
    }
}
