//! Network IDS alerts (Suricata `alert` events): the signature is direct evidence against
//! both ends of the flow. The source of the alert carries it as seen; the other end, when
//! it is in the log as a source too, carries it as the peer.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::events::EventTable;

use super::{quote, Finding, FindingKind, Severity};

/// The technique an ET/Suricata category names, where one does.
fn technique(category: &str) -> &'static str {
    let c = category.to_ascii_lowercase();
    if c.contains("command and control") || c.contains("trojan") || c.contains("malware") {
        "T1071"
    } else if c.contains("web application") || c.contains("exploit") || c.contains("privilege") {
        "T1190"
    } else if c.contains("scan") || c.contains("reconnaissance") || c.contains("information leak") {
        "T1595"
    } else if c.contains("denial of service") {
        "T1498"
    } else {
        "T1071"
    }
}

/// Categories of policy and housekeeping signatures: worth knowing, never a compromise.
const POLICY: [&str; 6] = [
    "corporate privacy",
    "misc activity",
    "not suspicious",
    "unknown traffic",
    "protocol command decode",
    "potentially bad traffic",
];

/// Suricata severity 1 is high (critical for malware and command-and-control categories),
/// 2 medium, 3 and beyond low; policy and housekeeping categories are at most medium.
fn severity(level: u8, category: &str) -> (Severity, f64) {
    let c = category.to_ascii_lowercase();
    let by_level = match level {
        0 | 1 if technique(category) == "T1071" && !POLICY.iter().any(|p| c.contains(p)) => {
            (Severity::Critical, 0.9)
        }
        0 | 1 => (Severity::High, 0.85),
        2 => (Severity::Medium, 0.6),
        _ => (Severity::Low, 0.3),
    };
    if POLICY.iter().any(|p| c.contains(p)) && by_level.0 > Severity::Medium {
        (Severity::Medium, 0.5)
    } else {
        by_level
    }
}

/// One signature seen on one address's traffic.
#[derive(Default)]
struct Hits {
    rows: Vec<u32>,
    peers: BTreeMap<String, usize>,
    category: String,
    level: u8,
    as_source: bool,
}

/// The IDS findings of every address in the table, by address.
pub fn findings(t: &EventTable) -> HashMap<IpAddr, Vec<Finding>> {
    let mut by_ip: HashMap<IpAddr, BTreeMap<String, Hits>> = HashMap::new();
    for row in 0..t.len() {
        if t.detail_plain(row) != Some("alert") {
            continue;
        }
        let Some(signature) = t.detail_value(row, "signature") else {
            continue;
        };
        let category = t.detail_value(row, "category").unwrap_or("");
        let level = t
            .detail_value(row, "severity")
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        let (src, dst) = (t.source_ip(row), t.destination_ip(row));
        for (ip, peer, as_source) in [(src, dst, true), (dst, src, false)] {
            let Some(ip) = ip else { continue };
            let h = by_ip
                .entry(ip)
                .or_default()
                .entry(signature.to_string())
                .or_default();
            h.rows.push(row as u32);
            if let Some(p) = peer {
                *h.peers.entry(p.to_string()).or_default() += 1;
            }
            h.category = category.to_string();
            h.level = if h.rows.len() == 1 {
                level
            } else {
                h.level.min(level)
            };
            h.as_source |= as_source;
        }
    }
    by_ip
        .into_iter()
        .map(|(ip, sigs)| {
            let f = sigs
                .into_iter()
                .map(|(signature, h)| {
                    let n = h.rows.len();
                    let alerts = if n == 1 { "alert" } else { "alerts" };
                    let peers: Vec<&str> = h.peers.keys().map(String::as_str).take(3).collect();
                    let with = match h.peers.len() {
                        0 => String::new(),
                        k if k > 3 => format!(" with {} and {} more", peers.join(", "), k - 3),
                        _ => format!(" with {}", peers.join(", ")),
                    };
                    let (sev, weight) = severity(h.level, &h.category);
                    let mut f = Finding::new(
                        FindingKind::IdsAlert,
                        format!(
                            "{} ({}, severity {}): {n} {alerts}{with}",
                            quote(&signature),
                            if h.category.is_empty() {
                                "no category"
                            } else {
                                &h.category
                            },
                            h.level
                        ),
                        std::iter::once(signature.clone())
                            .chain(h.peers.keys().take(19).cloned())
                            .collect(),
                        h.rows,
                    );
                    f.severity = sev;
                    f.weight = weight;
                    f.technique = technique(&h.category);
                    f
                })
                .collect();
            (ip, f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_name_techniques_and_levels_severities() {
        assert_eq!(
            technique("Malware Command and Control Activity Detected"),
            "T1071"
        );
        assert_eq!(technique("Web Application Attack"), "T1190");
        assert_eq!(technique("Attempted Information Leak"), "T1595");
        // Severities and categories of the alerts in the shared Suricata eve.json.
        let c2 = "Malware Command and Control Activity Detected";
        assert_eq!(severity(1, c2).0, Severity::Critical);
        assert_eq!(
            severity(1, "Potential Corporate Privacy Violation").0,
            Severity::Medium
        );
        assert_eq!(severity(3, "Unknown Traffic").0, Severity::Low);
        assert_eq!(severity(1, "Web Application Attack").0, Severity::High);
        assert_eq!(severity(2, "Web Application Attack").0, Severity::Medium);
    }
}
