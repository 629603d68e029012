//! Network IDS alerts (Suricata `alert` events). An alert implicates the two parties of its
//! own flow, and what it says about each depends on what it detected:
//!
//! - **malware** (a malware family, a trojan, command-and-control): the client is an infected
//!   host and the server its command-and-control or delivery server;
//! - **attacks** (exploits, web attacks, scans, denial of service): the client attacks, the
//!   server is the target;
//! - **context** (policy and informational signatures, protocol decoder events): worth
//!   knowing, never a headline, almost no weight.
//!
//! The weight comes from the alert itself: Suricata's severity, the category and the rule's
//! metadata (`signature_severity`, `malware_family`, `confidence`) when present. A
//! low-confidence signature (a JA3 fingerprint) counts for more when it fires again and again.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use crate::events::EventTable;
use crate::features::is_private;

use super::conversation::{client_server, conversations, Conversation};
use super::{push_evidence, quote, Finding, FindingKind, Severity};

/// What an alert detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// Malware on the client talking to its server.
    Malware,
    /// The server delivered malware to the client.
    Delivery,
    /// The client attacked the server.
    Attack,
    /// Policy, information, housekeeping, protocol decoding.
    Context,
}

/// How far a rule's authors trust it (`confidence` metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Trust {
    Low,
    Unstated,
    Medium,
    High,
}

/// The fields of one alert that weigh it.
struct Alert<'a> {
    signature: &'a str,
    category: &'a str,
    level: u8,
    signature_severity: &'a str,
    trust: Trust,
    family: Option<String>,
}

impl<'a> Alert<'a> {
    fn of(t: &'a EventTable, row: usize) -> Option<Alert<'a>> {
        if t.detail_plain(row) != Some("alert") {
            return None;
        }
        let signature = t.detail_value(row, "signature")?;
        let value = |k| t.detail_value(row, k).unwrap_or("");
        let trust = match value("confidence").to_ascii_lowercase().as_str() {
            "high" => Trust::High,
            "medium" => Trust::Medium,
            "low" => Trust::Low,
            _ => Trust::Unstated,
        };
        Some(Alert {
            signature,
            category: value("category"),
            level: value("severity").parse().unwrap_or(3),
            signature_severity: value("signature_severity"),
            trust,
            family: family(signature, value("malware_family")),
        })
    }

    fn class(&self) -> Class {
        let s = self.signature.to_ascii_lowercase();
        let c = self.category.to_ascii_lowercase();
        let informational = self
            .signature_severity
            .eq_ignore_ascii_case("informational");
        if informational || s.starts_with("suricata ") || c.contains("protocol command decode") {
            return Class::Context;
        }
        let malware = self.family.is_some()
            || [
                "malware",
                "trojan",
                "cnc",
                " c2 ",
                "botnet",
                "ransomware",
                "backdoor",
            ]
            .iter()
            .any(|w| s.contains(w))
            || ["trojan", "command and control", "malware"]
                .iter()
                .any(|w| c.contains(w));
        if malware {
            let delivery = ["download", "dropper", "exploit kit", "payload", "served"]
                .iter()
                .any(|w| s.contains(w))
                && !s.contains("checkin")
                && !s.contains("cnc");
            return if delivery {
                Class::Delivery
            } else {
                Class::Malware
            };
        }
        if POLICY.iter().any(|p| c.contains(p))
            || s.starts_with("et policy")
            || s.starts_with("et info")
        {
            return Class::Context;
        }
        let attack = [
            "attack",
            "exploit",
            "attempted",
            "successful",
            "denial of service",
            "scan",
            "information leak",
            "shellcode",
        ]
        .iter()
        .any(|w| c.contains(w))
            || ["et scan", "et exploit", "et web_", "gpl "]
                .iter()
                .any(|p| s.starts_with(p));
        if attack || self.level <= 2 {
            Class::Attack
        } else {
            Class::Context
        }
    }

    /// How strongly alerts of a malware signature speak, from the rule and how often it
    /// fired (`n`): critical and major rules, or rules their authors trust, are a compromise
    /// at once; a low-confidence fingerprint needs repeating.
    fn malware_weight(&self, n: usize) -> (Severity, f64) {
        let sev = self.signature_severity.to_ascii_lowercase();
        let strong = matches!(sev.as_str(), "critical" | "major")
            || self.trust == Trust::High
            || (self.level <= 1 && self.trust != Trust::Low);
        if strong {
            (Severity::Critical, 0.9)
        } else if self.trust == Trust::Medium
            || (self.level == 2 && self.trust != Trust::Low)
            || n >= 10
        {
            (Severity::High, 0.8)
        } else if n >= 3 {
            (Severity::High, 0.7)
        } else {
            (Severity::Medium, 0.5)
        }
    }

    /// An attack alert's weight from Suricata's severity: 1 high, 2 medium, 3 low.
    fn attack_weight(&self) -> (Severity, f64) {
        match self.level {
            0 | 1 => (Severity::High, 0.85),
            2 => (Severity::Medium, 0.6),
            _ => (Severity::Low, 0.3),
        }
    }
}

/// Categories of policy and housekeeping signatures: worth knowing, never a compromise.
const POLICY: [&str; 4] = [
    "corporate privacy",
    "misc activity",
    "not suspicious",
    "potentially bad traffic",
];

/// Words after "MALWARE"/"TROJAN" that name no family.
const NOT_A_FAMILY: [&str; 14] = [
    "observed",
    "possible",
    "suspicious",
    "likely",
    "generic",
    "known",
    "malicious",
    "win32",
    "windows",
    "unknown",
    "user-agent",
    "ua",
    "common",
    "js",
];

/// Words that describe traffic rather than name a family.
const GENERIC: [&str; 16] = [
    "ssl",
    "tls",
    "http",
    "https",
    "dns",
    "cert",
    "certificate",
    "activity",
    "checkin",
    "cnc",
    "request",
    "response",
    "domain",
    "tcp",
    "udp",
    "beacon",
];

/// The malware family an alert names: the rule's `malware_family` metadata, spelled as the
/// signature spells it when it does, else the word after `MALWARE`, `TROJAN` or
/// `Possible` (`ET MALWARE FormBook CnC Checkin` → FormBook, `[Abuse.ch] Possible Dridex` →
/// Dridex, `ETPRO TROJAN Win32/Emotet` → Emotet).
fn family(signature: &str, metadata: &str) -> Option<String> {
    let meta = metadata.split(',').next().unwrap_or("").trim();
    let words: Vec<&str> = signature
        .split(|c: char| c.is_whitespace() || c == '/')
        .filter(|w| !w.is_empty())
        .collect();
    if !meta.is_empty() {
        let spelled = words.iter().find(|w| w.eq_ignore_ascii_case(meta));
        return Some(spelled.map_or(meta, |w| w).to_string());
    }
    let mut after = false;
    for w in words {
        if after {
            let clean = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            let lower = clean.to_ascii_lowercase();
            if NOT_A_FAMILY.contains(&lower.as_str()) {
                continue;
            }
            let named = clean.len() >= 3
                && clean
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && !GENERIC.contains(&lower.as_str());
            return named.then(|| clean.to_string());
        }
        after |= matches!(
            w.to_ascii_lowercase().as_str(),
            "malware" | "trojan" | "possible"
        );
    }
    None
}

/// The technique an ET/Suricata category names, where one does.
fn technique(class: Class, category: &str) -> &'static str {
    let c = category.to_ascii_lowercase();
    match class {
        Class::Malware => "T1071",
        Class::Delivery => "T1105",
        Class::Context => "-",
        Class::Attack if c.contains("web application") || c.contains("exploit") => "T1190",
        Class::Attack if c.contains("privilege") || c.contains("administrator") => "T1190",
        Class::Attack if c.contains("denial of service") => "T1498",
        Class::Attack if c.contains("scan") || c.contains("leak") || c.contains("recon") => "T1595",
        Class::Attack => "T1071",
    }
}

/// One party's alerts of one kind: `(address id, side, class, what)`, `what` being the
/// malware family or the signature.
type Key = (u32, Side, Class, String);

/// Which end of the flow a party was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Side {
    Client,
    Server,
}

/// The alerts behind one finding.
#[derive(Default)]
struct Hits {
    rows: Vec<u32>,
    /// The other party's id and its alerts.
    peers: BTreeMap<u32, usize>,
    signatures: BTreeMap<String, usize>,
    category: String,
    level: u8,
    signature_severity: String,
    trust: Option<Trust>,
}

/// The weight fields of `h` as an alert, for [`Alert::malware_weight`].
fn summary_alert<'a>(h: &'a Hits, signature: &'a str) -> Alert<'a> {
    Alert {
        signature,
        category: &h.category,
        level: h.level,
        signature_severity: &h.signature_severity,
        trust: h.trust.unwrap_or(Trust::Unstated),
        family: None,
    }
}

/// Executables served: policy signatures that name a Windows program or a file served
/// attached. On their own, context; served to a host that shows malware, its delivery.
fn serves_program(signature: &str) -> bool {
    let s = signature.to_ascii_lowercase();
    [
        "exe ",
        " exe",
        "dll",
        "pe ",
        "executable",
        "served attached",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// The IDS findings of every address in the table, by address.
pub fn findings(t: &EventTable) -> HashMap<IpAddr, Vec<Finding>> {
    let mut groups: BTreeMap<Key, Hits> = BTreeMap::new();
    let mut programs: Vec<(u32, u32, u32, String)> = Vec::new();
    for row in 0..t.len() {
        let Some(alert) = Alert::of(t, row) else {
            continue;
        };
        let Some((client, server)) = client_server(t, row) else {
            continue;
        };
        let class = alert.class();
        if class == Class::Context && serves_program(alert.signature) {
            programs.push((server, client, row as u32, alert.signature.to_string()));
        }
        let what = match (&alert.family, class) {
            (Some(f), Class::Malware | Class::Delivery) => f.clone(),
            _ => alert.signature.to_string(),
        };
        for (me, peer, side) in [
            (client, server, Side::Client),
            (server, client, Side::Server),
        ] {
            let h = groups.entry((me, side, class, what.clone())).or_default();
            h.rows.push(row as u32);
            *h.peers.entry(peer).or_default() += 1;
            *h.signatures.entry(alert.signature.to_string()).or_default() += 1;
            if h.rows.len() == 1 || alert.level < h.level {
                h.level = alert.level;
                h.category = alert.category.to_string();
            }
            if h.signature_severity.is_empty() {
                h.signature_severity = alert.signature_severity.to_string();
            }
            h.trust = Some(h.trust.map_or(alert.trust, |t| t.max(alert.trust)));
        }
    }
    // Hosts that showed malware, and when first: a program served to one is its delivery.
    let mut infected: HashMap<u32, (i64, String)> = HashMap::new();
    for ((me, side, class, what), h) in &groups {
        if *side == Side::Client && matches!(class, Class::Malware | Class::Delivery) {
            let first = h
                .rows
                .iter()
                .filter_map(|&r| t.time_us(r as usize))
                .min()
                .unwrap_or(i64::MAX);
            let e = infected.entry(*me).or_insert((first, what.clone()));
            if first < e.0 {
                *e = (first, what.clone());
            }
        }
    }
    let mut pairs: HashSet<(u32, u32)> = HashSet::new();
    for ((me, side, class, _), h) in &groups {
        if *side == Side::Server && matches!(class, Class::Malware | Class::Delivery) {
            pairs.extend(h.peers.keys().map(|&c| (c, *me)));
        }
    }
    for (server, client, _, _) in &programs {
        if infected.contains_key(client) {
            pairs.insert((*client, *server));
        }
    }
    let talks = conversations(t, &pairs);
    let ip = |id: u32| t.ips().resolve(id);
    let mut out: HashMap<IpAddr, Vec<Finding>> = HashMap::new();
    for ((me, side, class, what), h) in groups {
        let f = match (class, side) {
            (Class::Malware | Class::Delivery, Side::Client) => infected_host(&what, h, &ip),
            (Class::Malware | Class::Delivery, Side::Server) => {
                malware_server(class, &what, h, me, &talks, &ip)
            }
            (Class::Attack, Side::Client) => attack(&what, h, &ip, false),
            (Class::Attack, Side::Server) => attack(&what, h, &ip, true),
            (Class::Context, _) => context(&what, h, &ip),
        };
        out.entry(ip(me)).or_default().push(f);
    }
    for f in deliveries(t, &programs, &infected, &talks) {
        out.entry(f.0).or_default().push(f.1);
    }
    out
}

/// "with 135.148.121.246, 144.217.88.125 and 1 more".
fn with_peers(h: &Hits, ip: &dyn Fn(u32) -> IpAddr) -> String {
    let peers: Vec<String> = h.peers.keys().take(3).map(|&p| ip(p).to_string()).collect();
    match h.peers.len() {
        0 => String::new(),
        k if k > 3 => format!(" with {} and {} more", peers.join(", "), k - 3),
        _ => format!(" with {}", peers.join(", ")),
    }
}

/// "`ET JA3 Hash - [Abuse.ch] Possible Dridex`" or "`A` and 2 other signatures".
fn signatures(h: &Hits) -> (String, String) {
    let top = h
        .signatures
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    let text = match h.signatures.len() {
        1 => quote(&top),
        2 => format!("{} and 1 other signature", quote(&top)),
        n => format!("{} and {} other signatures", quote(&top), n - 1),
    };
    (top, text)
}

fn alerts(n: usize) -> String {
    if n == 1 {
        "1 alert".to_string()
    } else {
        format!("{n} alerts")
    }
}

fn category(h: &Hits) -> String {
    let trust = match h.trust {
        Some(Trust::Low) => ", a low-confidence signature",
        _ => "",
    };
    let cat = if h.category.is_empty() {
        "no category"
    } else {
        &h.category
    };
    format!("{cat}, severity {}{trust}", h.level)
}

fn evidence_of(top: &str, h: &Hits, ip: &dyn Fn(u32) -> IpAddr) -> Vec<String> {
    let mut e = Vec::new();
    push_evidence(&mut e, top);
    for &p in h.peers.keys() {
        push_evidence(&mut e, &ip(p).to_string());
    }
    e
}

/// The client of malware alerts: an infected host, its malware named.
fn infected_host(family: &str, h: Hits, ip: &dyn Fn(u32) -> IpAddr) -> Finding {
    let (top, sigs) = signatures(&h);
    let (severity, weight) = summary_alert(&h, &top).malware_weight(h.rows.len());
    let servers = match h.peers.len() {
        1 => "1 server".to_string(),
        n => format!("{n} servers"),
    };
    let summary = format!(
        "{family}, {} of {sigs} ({}) with {servers} ({})",
        alerts(h.rows.len()),
        category(&h),
        with_peers(&h, ip).trim_start_matches(" with ")
    );
    let mut f = Finding::new(
        FindingKind::MalwareTraffic,
        summary,
        evidence_of(&top, &h, ip),
        h.rows,
    );
    f.severity = severity;
    f.weight = weight;
    f
}

/// The server of malware alerts: command and control, or delivery; the evidence is each
/// conversation with an infected host.
fn malware_server(
    class: Class,
    family: &str,
    h: Hits,
    me: u32,
    talks: &HashMap<(u32, u32), Conversation>,
    ip: &dyn Fn(u32) -> IpAddr,
) -> Finding {
    let (top, sigs) = signatures(&h);
    let (severity, weight) = summary_alert(&h, &top).malware_weight(h.rows.len());
    let lines: Vec<String> = h
        .peers
        .keys()
        .filter_map(|&c| talks.get(&(c, me)).map(|x| x.line(ip(c), ip(me))))
        .collect();
    let (kind, role) = match class {
        Class::Delivery => (FindingKind::MalwareDelivery, "delivery server"),
        _ => (FindingKind::CommandAndControl, "server"),
    };
    let clients: Vec<String> = h.peers.keys().take(3).map(|&c| ip(c).to_string()).collect();
    let more = match h.peers.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let summary = format!(
        "{family} {role}: {} ({sigs}) on the traffic of {}{more}{}",
        alerts(h.rows.len()),
        clients.join(", "),
        lines.first().map(|l| format!("; {l}")).unwrap_or_default()
    );
    let mut evidence = Vec::new();
    push_evidence(&mut evidence, &top);
    for l in &lines {
        push_evidence(&mut evidence, l);
    }
    let mut f = Finding::new(kind, summary, evidence, h.rows);
    f.severity = severity;
    f.weight = weight;
    f
}

/// Either end of an attack: the attacker (the client) or its target.
fn attack(signature: &str, h: Hits, ip: &dyn Fn(u32) -> IpAddr, target: bool) -> Finding {
    let (sev, weight) = summary_alert(&h, signature).attack_weight();
    let technique = technique(Class::Attack, &h.category);
    let summary = format!(
        "{} ({}): {}{}",
        quote(signature),
        category(&h),
        alerts(h.rows.len()),
        with_peers(&h, ip)
    );
    let kind = if target {
        FindingKind::Targeted
    } else {
        FindingKind::IdsAlert
    };
    let mut f = Finding::new(kind, summary, evidence_of(signature, &h, ip), h.rows);
    f.technique = technique;
    if target {
        // The target of an attack is a victim, not a suspect.
        f.context = true;
    } else {
        f.severity = sev;
        f.weight = weight;
    }
    f
}

/// A policy, information or decoder alert on a party's flow: context.
fn context(signature: &str, h: Hits, ip: &dyn Fn(u32) -> IpAddr) -> Finding {
    let summary = format!(
        "{} ({}): {}{}",
        quote(signature),
        category(&h),
        alerts(h.rows.len()),
        with_peers(&h, ip)
    );
    let mut f = Finding::new(
        FindingKind::IdsAlert,
        summary,
        evidence_of(signature, &h, ip),
        h.rows,
    );
    f.severity = Severity::Low;
    f.weight = 0.05;
    f.technique = "-";
    f.context = true;
    f
}

/// Servers that handed a program to a host that shows malware: its delivery. Served before
/// the first malware alert, the download most likely was the infection.
fn deliveries(
    t: &EventTable,
    programs: &[(u32, u32, u32, String)],
    infected: &HashMap<u32, (i64, String)>,
    talks: &HashMap<(u32, u32), Conversation>,
) -> Vec<(IpAddr, Finding)> {
    let mut by_server: BTreeMap<u32, Vec<(u32, u32, &str)>> = BTreeMap::new();
    for (server, client, row, signature) in programs {
        if infected.contains_key(client) && !is_private(t.ips().resolve(*server)) {
            by_server
                .entry(*server)
                .or_default()
                .push((*client, *row, signature));
        }
    }
    by_server
        .into_iter()
        .map(|(server, served)| {
            let ip = |id: u32| t.ips().resolve(id);
            let (client, row, signature) = served[0];
            let (first_malware, family) = &infected[&client];
            let when = t.time_us(row as usize).unwrap_or(i64::MAX);
            let then = if when <= *first_malware {
                "then showed"
            } else {
                "also showed"
            };
            let line = talks
                .get(&(client, server))
                .map(|x| x.line(ip(client), ip(server)));
            let mut evidence = Vec::new();
            push_evidence(&mut evidence, signature);
            if let Some(l) = &line {
                push_evidence(&mut evidence, l);
            }
            let clients: BTreeSet<String> = served.iter().map(|s| ip(s.0).to_string()).collect();
            let summary = format!(
                "served a program ({}) to {}, which {then} {family} traffic{}",
                quote(signature),
                clients.into_iter().collect::<Vec<_>>().join(", "),
                line.map(|l| format!("; {l}")).unwrap_or_default()
            );
            let rows = served.iter().map(|s| s.1).collect();
            let mut f = Finding::new(FindingKind::MalwareDelivery, summary, evidence, rows);
            if when > *first_malware {
                f.weight = 0.5;
                f.severity = Severity::Medium;
            }
            (ip(server), f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert<'a>(signature: &'a str, category: &'a str, level: u8) -> Alert<'a> {
        Alert {
            signature,
            category,
            level,
            signature_severity: "",
            trust: Trust::Unstated,
            family: family(signature, ""),
        }
    }

    #[test]
    fn families_come_from_metadata_or_the_signature() {
        assert_eq!(
            family("ET MALWARE FormBook CnC Checkin (GET)", "Formbook").as_deref(),
            Some("FormBook")
        );
        assert_eq!(
            family("ET JA3 Hash - [Abuse.ch] Possible Dridex", "").as_deref(),
            Some("Dridex")
        );
        assert_eq!(
            family("ETPRO TROJAN Win32/Emotet CnC Activity", "").as_deref(),
            Some("Emotet")
        );
        assert_eq!(family("ET MALWARE Observed Malicious SSL Cert", ""), None);
        assert_eq!(
            family("ET POLICY PE EXE or DLL Windows file download HTTP", ""),
            None
        );
    }

    #[test]
    fn alerts_of_the_shared_sample_are_classed_as_an_analyst_would() {
        // Signatures and categories of the alerts in the shared Suricata eve.json.
        let c2 = alert(
            "ET MALWARE FormBook CnC Checkin (GET)",
            "Malware Command and Control Activity Detected",
            1,
        );
        assert_eq!(c2.class(), Class::Malware);
        assert_eq!(c2.malware_weight(1).0, Severity::Critical);
        let ja3 = Alert {
            trust: Trust::Low,
            ..alert(
                "ET JA3 Hash - [Abuse.ch] Possible Dridex",
                "Unknown Traffic",
                3,
            )
        };
        assert_eq!(ja3.class(), Class::Malware);
        assert_eq!(ja3.malware_weight(1), (Severity::Medium, 0.5));
        assert_eq!(ja3.malware_weight(28), (Severity::High, 0.8));
        for (s, c, l) in [
            (
                "ET POLICY PE EXE or DLL Windows file download HTTP",
                "Potential Corporate Privacy Violation",
                1,
            ),
            (
                "ET POLICY Self Signed SSL Certificate (SomeOrganizationalUnit)",
                "Potential Corporate Privacy Violation",
                1,
            ),
            ("ET INFO EXE - Served Attached HTTP", "Misc activity", 3),
            (
                "SURICATA Applayer Detect protocol only one direction",
                "Generic Protocol Command Decode",
                3,
            ),
        ] {
            assert_eq!(alert(s, c, l).class(), Class::Context, "{s}");
        }
        let web = alert("ET WEB_SERVER SQL Injection", "Web Application Attack", 1);
        assert_eq!(web.class(), Class::Attack);
        assert_eq!(technique(web.class(), web.category), "T1190");
        assert_eq!(web.attack_weight().0, Severity::High);
        assert!(serves_program(
            "ET POLICY PE EXE or DLL Windows file download HTTP"
        ));
        assert!(!serves_program(
            "ET POLICY Self Signed SSL Certificate (SomeOrganizationalUnit)"
        ));
    }
}
