//! Behaviour detectors: findings that name what a source did, in the log's own words, with
//! a MITRE ATT&CK technique, a severity and the events behind it. One file per family of
//! logs; each looks at one source's events at a time.
//!
//! A finding adds its weight to the source's confidence through the same noisy-OR as the
//! statistical detectors (see [`super::pipeline`]); the weights are documented per kind in
//! [`FindingKind::weight`] and in the README.

mod bots;
mod conversation;
mod flows;
mod ids;
mod intel;
mod protocols;
mod ssh;
mod voip;
mod web;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::events::EventTable;
use crate::features::SourceStats;

pub use conversation::{client_server, conversations, Conversation};
pub use flows::{BeaconTargets, UploadClaim};
pub use intel::{Listing, ThreatLists};
pub use ssh::{sessions, Download, SessionStory};
pub use web::{decode_target, WebRequest};

/// How bad a finding is, in the order an analyst triages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reconnaissance or noise worth knowing about.
    Low,
    /// Hostile intent without a sign of success: brute force, probes, scanners.
    Medium,
    /// An attack that could succeed: exploitation attempts, commands, proxy abuse.
    High,
    /// Signs of a compromise: malware downloaded, defences disabled, traces removed.
    Critical,
}

impl Severity {
    /// The name shown to the analyst.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step more severe (a hostile request the server answered with success).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a finding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A shell session: logged in, then ran commands.
    ShellCommands,
    /// Fetched a file onto the host (wget, curl, tftp, a recorded download).
    MalwareDownload,
    /// Disabled the firewall or other defences.
    ImpairDefences,
    /// Removed logs or shell history.
    IndicatorRemoval,
    /// Set up a way back in: a cron job, an SSH key, a backdoor SSH daemon.
    Persistence,
    /// Used the host as a proxy to other hosts (SSH direct-tcpip, absolute-URI requests).
    ProxyUse,
    /// Logged in with a password.
    ValidLogin,
    /// Many failed logins.
    BruteForce,
    /// A sign-up form posted by a script (account creation by a bot).
    ScriptedSignup,
    /// One address under several browsers' user agents, as bots rotate them.
    AgentRotation,
    /// A known worm's request sequence (Nimda, Code Red).
    WormProbe,
    /// Commands for a shell in a web request.
    WebCommandExecution,
    /// `../` out of the web root, in any encoding.
    PathTraversal,
    /// SQL in a web request.
    SqlInjection,
    /// Script in a web request.
    CrossSiteScripting,
    /// A remote or local file named for inclusion.
    FileInclusion,
    /// A request far longer than any page: a buffer overflow attempt.
    OversizedRequest,
    /// Paths of known vulnerable software or secrets.
    ExploitProbe,
    /// Many pages that do not exist: a wordlist run against the site.
    WordlistScan,
    /// Repeated SIP sessions with a VoIP service, calls among them.
    SipScan,
    /// A vulnerability scanner's user agent.
    ScannerAgent,
    /// Many ports of one host (a vertical scan).
    PortScan,
    /// One port across many hosts (a horizontal scan).
    HostScan,
    /// Regular connections from an internal host to an external one, as malware calls home.
    Beaconing,
    /// The external end of an internal host's beacon: a command-and-control server.
    CommandAndControl,
    /// An internal host sent far more to an external one than came back.
    Exfiltration,
    /// The external end of such an upload: where the data went.
    ReceivedUpload,
    /// An IDS named the malware on a host's traffic: the host is infected.
    MalwareTraffic,
    /// Served malware, or a program to a host that then showed malware.
    MalwareDelivery,
    /// The target of an attack an IDS saw: a victim, not a suspect.
    Targeted,
    /// One-way traffic at a rate that floods its destination.
    Flood,
    /// A connection to an external host held open for an hour or more.
    LongConnection,
    /// A network IDS signature fired on its traffic.
    IdsAlert,
    /// Named by an IP reputation list.
    ThreatIntel,
    /// Many long random-looking names under one domain: data carried in DNS.
    DnsTunnelling,
    /// Many lookups of names that do not exist (generated domains, decoy lists).
    NxdomainStorm,
    /// HTTP requests under a tool's user agent (curl, PowerShell, Python...).
    ScriptedClient,
    /// TLS to a server whose certificate failed validation (self-signed, expired).
    BadCertificate,
    /// Downloaded a program (by MIME type or file name).
    ExecutableDownload,
    /// Zeek's own policy scripts raised a notice.
    ZeekNotice,
}

impl FindingKind {
    /// Every kind, in the order reasons list them when severities tie.
    pub const ALL: [FindingKind; 40] = [
        FindingKind::MalwareTraffic,
        FindingKind::CommandAndControl,
        FindingKind::MalwareDelivery,
        FindingKind::IdsAlert,
        FindingKind::Beaconing,
        FindingKind::Flood,
        FindingKind::Exfiltration,
        FindingKind::ReceivedUpload,
        FindingKind::ShellCommands,
        FindingKind::MalwareDownload,
        FindingKind::DnsTunnelling,
        FindingKind::NxdomainStorm,
        FindingKind::ZeekNotice,
        FindingKind::ExecutableDownload,
        FindingKind::ImpairDefences,
        FindingKind::IndicatorRemoval,
        FindingKind::Persistence,
        FindingKind::WormProbe,
        FindingKind::WebCommandExecution,
        FindingKind::SqlInjection,
        FindingKind::FileInclusion,
        FindingKind::PathTraversal,
        FindingKind::OversizedRequest,
        FindingKind::CrossSiteScripting,
        FindingKind::ProxyUse,
        FindingKind::ValidLogin,
        FindingKind::BruteForce,
        FindingKind::ScriptedSignup,
        FindingKind::ExploitProbe,
        FindingKind::WordlistScan,
        FindingKind::ScannerAgent,
        FindingKind::HostScan,
        FindingKind::PortScan,
        FindingKind::SipScan,
        FindingKind::ThreatIntel,
        FindingKind::AgentRotation,
        FindingKind::BadCertificate,
        FindingKind::ScriptedClient,
        FindingKind::LongConnection,
        FindingKind::Targeted,
    ];

    /// The name shown to the analyst.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::ShellCommands => "Commands after login",
            FindingKind::MalwareDownload => "Malware download",
            FindingKind::ImpairDefences => "Defences disabled",
            FindingKind::IndicatorRemoval => "Traces removed",
            FindingKind::Persistence => "Persistence",
            FindingKind::ProxyUse => "Used as a proxy",
            FindingKind::ValidLogin => "Successful login",
            FindingKind::BruteForce => "Password guessing",
            FindingKind::ScriptedSignup => "Scripted account sign-up",
            FindingKind::AgentRotation => "Rotating user agents",
            FindingKind::WormProbe => "IIS worm probe (Nimda / Code Red)",
            FindingKind::WebCommandExecution => "Command execution attempt",
            FindingKind::PathTraversal => "Path traversal",
            FindingKind::SqlInjection => "SQL injection",
            FindingKind::CrossSiteScripting => "Cross-site scripting",
            FindingKind::FileInclusion => "File inclusion",
            FindingKind::OversizedRequest => "Buffer overflow attempt",
            FindingKind::ExploitProbe => "Exploit and probe paths",
            FindingKind::WordlistScan => "Wordlist scan",
            FindingKind::SipScan => "SIP scanning (VoIP)",
            FindingKind::ScannerAgent => "Vulnerability scanner",
            FindingKind::PortScan => "Port scan",
            FindingKind::HostScan => "Host sweep",
            FindingKind::Beaconing => "Beaconing",
            FindingKind::CommandAndControl => "Command-and-control server",
            FindingKind::Exfiltration => "Large upload out of the network",
            FindingKind::ReceivedUpload => "Received an upload from the network",
            FindingKind::MalwareTraffic => "Malware traffic",
            FindingKind::MalwareDelivery => "Malware delivery",
            FindingKind::Targeted => "Target of an attack",
            FindingKind::Flood => "Flood",
            FindingKind::LongConnection => "Long connection",
            FindingKind::IdsAlert => "IDS alert",
            FindingKind::ThreatIntel => "On a threat list",
            FindingKind::DnsTunnelling => "DNS tunnelling",
            FindingKind::NxdomainStorm => "Lookups of names that do not exist",
            FindingKind::ScriptedClient => "Scripted HTTP client",
            FindingKind::BadCertificate => "Invalid TLS certificate",
            FindingKind::ExecutableDownload => "Program downloaded",
            FindingKind::ZeekNotice => "Zeek notice",
        }
    }

    /// The MITRE ATT&CK technique.
    pub fn technique(self) -> &'static str {
        match self {
            FindingKind::ShellCommands => "T1059.004",
            FindingKind::MalwareDownload => "T1105",
            FindingKind::ImpairDefences => "T1562.004",
            FindingKind::IndicatorRemoval => "T1070",
            FindingKind::Persistence => "T1053.003",
            FindingKind::ProxyUse => "T1090",
            FindingKind::ValidLogin => "T1078",
            FindingKind::BruteForce => "T1110.001",
            FindingKind::ScriptedSignup => "T1136",
            FindingKind::AgentRotation => "T1036",
            FindingKind::WormProbe
            | FindingKind::PathTraversal
            | FindingKind::SqlInjection
            | FindingKind::FileInclusion
            | FindingKind::OversizedRequest => "T1190",
            FindingKind::WebCommandExecution => "T1059",
            FindingKind::CrossSiteScripting => "T1059.007",
            FindingKind::ExploitProbe | FindingKind::WordlistScan => "T1595.003",
            FindingKind::ScannerAgent => "T1595.002",
            FindingKind::PortScan | FindingKind::HostScan => "T1046",
            FindingKind::SipScan => "T1595",
            FindingKind::Beaconing
            | FindingKind::CommandAndControl
            | FindingKind::LongConnection => "T1071",
            FindingKind::Exfiltration => "T1048",
            FindingKind::ReceivedUpload => "T1041",
            FindingKind::MalwareTraffic => "T1071",
            FindingKind::MalwareDelivery => "T1105",
            FindingKind::Targeted => "T1190",
            FindingKind::Flood => "T1498.001",
            FindingKind::IdsAlert => "T1071",
            FindingKind::DnsTunnelling => "T1071.004",
            FindingKind::NxdomainStorm => "T1568.002",
            FindingKind::ScriptedClient => "T1071.001",
            FindingKind::BadCertificate => "T1573",
            FindingKind::ExecutableDownload => "T1105",
            // A listing says others saw it attack, not how; a notice's own technique is
            // given per finding, from its name.
            FindingKind::ThreatIntel | FindingKind::ZeekNotice => "-",
        }
    }

    /// Whether each event behind such a finding is itself an attack step (a command, a
    /// download, an attack request, an IDS alert), and so an anomalous event whatever its
    /// statistics. Kinds that only a volume or a pattern across many events reveals (failed
    /// logins, scans, beacons, floods) leave their events to the statistics.
    pub fn marks_events(self) -> bool {
        use FindingKind::*;
        matches!(
            self,
            ShellCommands
                | MalwareDownload
                | ImpairDefences
                | IndicatorRemoval
                | Persistence
                | ProxyUse
                | ValidLogin
                | WormProbe
                | WebCommandExecution
                | PathTraversal
                | SqlInjection
                | CrossSiteScripting
                | FileInclusion
                | OversizedRequest
                | ExploitProbe
                | ScannerAgent
                | IdsAlert
                | MalwareTraffic
                | MalwareDelivery
                | ExecutableDownload
                | ZeekNotice
        )
    }

    /// The severity before the response is taken into account.
    pub fn severity(self) -> Severity {
        match self {
            FindingKind::MalwareDownload
            | FindingKind::ImpairDefences
            | FindingKind::IndicatorRemoval
            | FindingKind::MalwareTraffic => Severity::Critical,
            FindingKind::ShellCommands
            | FindingKind::Persistence
            | FindingKind::ValidLogin
            | FindingKind::ProxyUse
            | FindingKind::WormProbe
            | FindingKind::WebCommandExecution
            | FindingKind::PathTraversal
            | FindingKind::SqlInjection
            | FindingKind::FileInclusion
            | FindingKind::OversizedRequest
            | FindingKind::Beaconing
            | FindingKind::CommandAndControl
            | FindingKind::MalwareDelivery
            | FindingKind::Flood
            | FindingKind::IdsAlert
            | FindingKind::DnsTunnelling => Severity::High,
            FindingKind::BruteForce
            | FindingKind::ScriptedSignup
            | FindingKind::CrossSiteScripting
            | FindingKind::ExploitProbe
            | FindingKind::WordlistScan
            | FindingKind::ScannerAgent
            | FindingKind::PortScan
            | FindingKind::HostScan
            | FindingKind::Exfiltration
            | FindingKind::ReceivedUpload
            | FindingKind::ThreatIntel
            | FindingKind::NxdomainStorm
            | FindingKind::BadCertificate
            | FindingKind::ExecutableDownload
            | FindingKind::ZeekNotice => Severity::Medium,
            FindingKind::LongConnection
            | FindingKind::AgentRotation
            | FindingKind::SipScan
            | FindingKind::Targeted
            | FindingKind::ScriptedClient => Severity::Low,
        }
    }

    /// The finding's contribution to the source's confidence (a noisy-OR term in [0, 1]):
    /// 0.9 for signs of compromise, 0.8 for logins, commands and exploitation attempts, 0.7
    /// for proxy use, malware delivery, XSS and scanners, 0.6 for probes and password guessing (which
    /// [`Finding::weight`] raises with the number of attempts).
    pub fn weight(self) -> f64 {
        match self.severity() {
            Severity::Critical => 0.9,
            Severity::High
                if matches!(self, FindingKind::ProxyUse | FindingKind::MalwareDelivery) =>
            {
                0.7
            }
            Severity::High => 0.8,
            Severity::Medium
                if matches!(
                    self,
                    FindingKind::CrossSiteScripting | FindingKind::ScannerAgent
                ) =>
            {
                0.7
            }
            Severity::Medium => 0.6,
            Severity::Low if self == FindingKind::Targeted => 0.1,
            Severity::Low => 0.3,
        }
    }
}

/// One finding about one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What it names.
    pub kind: FindingKind,
    /// How bad it is (the kind's severity, raised when the server answered with success).
    pub severity: Severity,
    /// The MITRE ATT&CK technique (the kind's, or what an IDS category names).
    #[serde(deserialize_with = "crate::events::static_text")]
    pub technique: crate::events::StaticText,
    /// One sentence in plain words, quoting the log.
    pub summary: String,
    /// The log's own values behind it (commands, URLs, paths, credentials), distinct, in
    /// order of first appearance, at most [`EVIDENCE`].
    pub evidence: Vec<String>,
    /// The events behind it (table rows), in table order.
    #[serde(skip)]
    pub rows: Vec<u32>,
    /// Its contribution to the confidence, in [0, 1].
    pub weight: f64,
    /// Whether it is context (a policy or decoder alert, the target's side of an attack):
    /// worth knowing, never the headline, almost no weight.
    pub context: bool,
}

/// Most evidence values kept per finding.
pub const EVIDENCE: usize = 20;

impl Finding {
    pub(crate) fn new(
        kind: FindingKind,
        summary: String,
        evidence: Vec<String>,
        rows: Vec<u32>,
    ) -> Self {
        Finding {
            kind,
            severity: kind.severity(),
            technique: kind.technique(),
            summary,
            evidence,
            rows,
            weight: kind.weight(),
            context: false,
        }
    }
}

/// Keeps the first [`EVIDENCE`] distinct values.
fn push_evidence(list: &mut Vec<String>, value: &str) {
    if list.len() < EVIDENCE && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// Quotes log text for a sentence: trimmed, control characters escaped, about 120
/// characters at most.
pub fn quote(text: &str) -> String {
    let mut out = String::from("`");
    for c in text.trim().chars() {
        if out.chars().count() > 120 {
            out.push('…');
            break;
        }
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

/// Whether `c` reorders text (bidirectional overrides and isolates).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// The findings of every party: each source's (in the order of `sources`), and those of
/// the parties that only ever received (an infected host's servers), by address, for those
/// that carry a finding beyond context. Most severe first.
pub struct PartyFindings {
    /// Per source, in the order of `sources`.
    pub sources: Vec<Vec<Finding>>,
    /// Parties that are no source, in address order.
    pub peers: Vec<(IpAddr, Vec<Finding>)>,
}

/// What the events of a table say before the findings are placed: each source's own
/// findings (unsorted), the findings of other parties (IDS alerts, Zeek's malware notices),
/// where the beaconing sources call, and the large uploads.
pub struct GatheredFindings {
    /// Per source, in the order of the sources given.
    pub sources: Vec<Vec<Finding>>,
    /// Findings by party address, from what spans sources (IDS alerts, malware notices).
    pub others: HashMap<IpAddr, Vec<Finding>>,
    /// Whether the table holds IDS alerts or malware notices, which speak of several parties
    /// at once.
    pub alerts: bool,
    /// Where internal sources beacon to.
    pub beacons: flows::BeaconTargets,
    /// The large uploads, in the sources' order.
    pub uploads: Vec<flows::UploadClaim>,
}

/// What the findings of every source weigh against that a log's shards each see only in
/// part: the sources behind each referer host and each user agent. Sources are apart in
/// shards, so the counts of the shards add up to the whole log's.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct SourceCounts {
    referers: HashMap<String, usize>,
    agents: HashMap<String, usize>,
}

impl SourceCounts {
    /// The counts of `table`.
    pub fn of(table: &EventTable) -> SourceCounts {
        SourceCounts {
            referers: web::referer_sources(table),
            agents: protocols::ProtocolContext::of(table)
                .agent_sources()
                .clone(),
        }
    }

    /// Whether `table` has anything to count: web requests or the protocol parts the
    /// findings read (a flow log has none, and its shards need not be counted).
    pub fn needed(table: &EventTable) -> bool {
        table
            .symbols()
            .iter()
            .any(|s| s == "http" || protocols::READS.iter().any(|k| s.contains(k)))
    }

    /// Adds the counts of another shard of the same log.
    pub fn add(&mut self, other: SourceCounts) {
        for (map, more) in [
            (&mut self.referers, other.referers),
            (&mut self.agents, other.agents),
        ] {
            for (k, n) in more {
                *map.entry(k).or_default() += n;
            }
        }
    }
}

/// Gathers what every one of `sources` did, and what the table says of other parties; with
/// `counts`, the whole log's when `table` is one shard of it.
pub fn gather_findings(
    table: &EventTable,
    sources: &[SourceStats],
    intel: Option<&ThreatLists>,
    counts: Option<&SourceCounts>,
) -> GatheredFindings {
    let (web, app) = match counts {
        Some(c) => (
            web::WebContext::with_site(table, &web::site_hosts(&c.referers)),
            protocols::ProtocolContext::of(table).with_agent_sources(&c.agents),
        ),
        None => (
            web::WebContext::of(table),
            protocols::ProtocolContext::of(table),
        ),
    };
    let mut all: Vec<Vec<Finding>> = sources
        .par_iter()
        .map(|s| {
            let mut f = ssh::findings(table, &s.rows);
            f.extend(web::findings(table, &s.rows, &web));
            f.extend(bots::findings(table, &s.rows));
            f.extend(voip::findings(table, &s.rows));
            f.extend(protocols::findings(table, &s.rows, &app));
            let active = s.last_us.unwrap_or(0) - s.first_us.unwrap_or(0);
            f.extend(flows::findings(table, &s.rows, active.max(1)));
            f.extend(intel.and_then(|i| i.finding(s.ip, &s.rows)));
            f
        })
        .collect();
    let mut others = ids::findings(table);
    for (ip, f) in protocols::delivery(table, &app) {
        others.entry(ip).or_default().extend(f);
    }
    let alerts = !others.is_empty();
    let index: HashMap<IpAddr, usize> =
        sources.iter().enumerate().map(|(i, s)| (s.ip, i)).collect();
    // A source's own findings come before what the whole table says of it.
    others.retain(|ip, f| match index.get(ip) {
        Some(&i) => {
            all[i].append(f);
            false
        }
        None => true,
    });
    let acting: Vec<(IpAddr, &[Finding])> = sources
        .iter()
        .zip(&all)
        .map(|(s, f)| (s.ip, f.as_slice()))
        .collect();
    let beacons = flows::beacon_targets(table, &acting);
    let uploads = flows::upload_claims(table, &acting);
    GatheredFindings {
        sources: all,
        others,
        alerts,
        beacons,
        uploads,
    }
}

/// The findings of every party, most severe first.
pub fn findings(
    table: &EventTable,
    sources: &[SourceStats],
    intel: Option<&ThreatLists>,
) -> PartyFindings {
    let ips: Vec<IpAddr> = sources.iter().map(|s| s.ip).collect();
    place_findings(&ips, gather_findings(table, sources, intel, None))
}

/// Places what was gathered: the servers beaconed to and the destinations of uploads get
/// their findings, with the sources among them; the rest become peers.
pub fn place_findings(sources: &[IpAddr], gathered: GatheredFindings) -> PartyFindings {
    let GatheredFindings {
        sources: mut all,
        mut others,
        beacons,
        uploads,
        ..
    } = gathered;
    let index: HashMap<IpAddr, usize> = sources.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let mut place = |ip: IpAddr, f: Finding| match index.get(&ip) {
        Some(&i) => all[i].push(f),
        None => others.entry(ip).or_default().push(f),
    };
    for (ip, callers) in beacons {
        let names: Vec<String> = callers.iter().map(|(ip, _)| ip.to_string()).collect();
        let how = callers
            .first()
            .map(|(_, line)| line.split_once(": ").map_or("", |x| x.1).to_string())
            .unwrap_or_default();
        place(
            ip,
            Finding::new(
                FindingKind::CommandAndControl,
                format!("internal host {} beacons to it ({how})", names.join(", ")),
                names,
                Vec::new(),
            ),
        );
    }
    for (ip, f) in flows::upload_destinations(uploads) {
        place(ip, f);
    }
    all.iter_mut().for_each(|f| sort_findings(f));
    let mut peers: Vec<(IpAddr, Vec<Finding>)> = others
        .into_iter()
        .filter(|(ip, f)| !crate::detection::is_unroutable(*ip) && f.iter().any(|f| !f.context))
        .collect();
    peers.sort_by_key(|p| p.0);
    peers.iter_mut().for_each(|p| sort_findings(&mut p.1));
    PartyFindings {
        sources: all,
        peers,
    }
}

/// Orders findings: context last, then most severe first, then in [`FindingKind::ALL`]
/// order.
pub(crate) fn sort_findings(f: &mut [Finding]) {
    let order = |k: FindingKind| FindingKind::ALL.iter().position(|&x| x == k);
    f.sort_by(|a, b| {
        a.context
            .cmp(&b.context)
            .then(b.severity.cmp(&a.severity))
            .then(order(a.kind).cmp(&order(b.kind)))
    });
}

/// The noisy-OR of the findings' weights, in [0, 1].
pub fn combined_weight(findings: &[Finding]) -> f64 {
    1.0 - findings
        .iter()
        .map(|f| 1.0 - f.weight.clamp(0.0, 1.0))
        .product::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_would_reorder_or_break_a_line() {
        assert_eq!(quote(" wget http://x/y\n"), "`wget http://x/y`");
        assert_eq!(quote("a\u{202e}b"), "`a\\u{202e}b`");
        assert_eq!(quote("a\rb"), "`a\\rb`");
        assert!(quote(&"x".repeat(500)).ends_with("…`"));
        assert!(
            quote(&"\u{90}".repeat(500)).chars().count() < 140,
            "escapes count"
        );
    }

    #[test]
    fn every_kind_has_a_technique_and_a_weight() {
        for k in FindingKind::ALL {
            let t = k.technique();
            assert!(
                t.starts_with('T')
                    || matches!(k, FindingKind::ThreatIntel | FindingKind::ZeekNotice),
                "{k:?}"
            );
            assert!((0.1..=0.9).contains(&k.weight()), "{k:?}");
        }
        let mut sorted = FindingKind::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), FindingKind::ALL.len());
    }
}
