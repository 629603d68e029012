//! Suricata eve.json: every event type becomes an event; flow counters, alert signatures and
//! protocol details are mapped where present. Engine statistics records (`"stats"`) describe
//! Suricata itself, not traffic: they are left out with a warning, so that their times do not
//! stretch the file's span.

use std::io::BufRead;

use serde::Deserialize;

use super::super::columns::RowError;
use super::super::values::{parse_ip, parse_time, transport_name, zone_of};
use super::super::Sink;
use super::lines::{for_each_line, json_port, parse_json, Row};
use super::FormatError;

#[derive(Deserialize)]
struct Eve {
    timestamp: Option<String>,
    event_type: Option<String>,
    src_ip: Option<String>,
    src_port: Option<f64>,
    dest_ip: Option<String>,
    dest_port: Option<f64>,
    proto: Option<String>,
    app_proto: Option<String>,
    direction: Option<String>,
    flow: Option<Flow>,
    alert: Option<Alert>,
    http: Option<Http>,
    dns: Option<Dns>,
    tls: Option<Tls>,
    ssh: Option<Ssh>,
    tcp: Option<Tcp>,
    stats: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Flow {
    pkts_toserver: Option<f64>,
    pkts_toclient: Option<f64>,
    bytes_toserver: Option<f64>,
    bytes_toclient: Option<f64>,
    start: Option<String>,
    end: Option<String>,
    state: Option<String>,
    /// The flow's client, from Suricata 7 on.
    src_ip: Option<String>,
}

#[derive(Deserialize)]
struct Alert {
    action: Option<String>,
    signature: Option<String>,
    signature_id: Option<u64>,
    category: Option<String>,
    severity: Option<u8>,
    /// The rule's metadata: every key a list of strings (Emerging Threats' rules carry
    /// `signature_severity`, `malware_family`, `attack_target`, `confidence`).
    metadata: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// The metadata keys kept with an alert, each under its own name.
const ALERT_METADATA: [&str; 4] = [
    "signature_severity",
    "malware_family",
    "attack_target",
    "confidence",
];

#[derive(Deserialize)]
struct Http {
    hostname: Option<String>,
    url: Option<String>,
    http_method: Option<String>,
    http_user_agent: Option<String>,
    status: Option<u16>,
}

#[derive(Deserialize)]
struct Dns {
    #[serde(rename = "type")]
    kind: Option<String>,
    rrname: Option<String>,
    rrtype: Option<String>,
    rcode: Option<String>,
    /// Eve version 2's detailed answers.
    answers: Option<Vec<DnsAnswer>>,
    /// Eve's grouped answers: record type to data.
    grouped: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct DnsAnswer {
    rrtype: Option<String>,
    rdata: Option<serde_json::Value>,
}

/// Addresses kept from one DNS answer, enough to name what a host resolved.
const DNS_ADDRESSES: usize = 8;

impl Dns {
    /// The IPv4 and IPv6 addresses the answer gave, each once, at most [`DNS_ADDRESSES`].
    fn addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |v: &serde_json::Value| {
            if let Some(a) = v.as_str().filter(|a| a.parse::<std::net::IpAddr>().is_ok()) {
                if out.len() < DNS_ADDRESSES && !out.iter().any(|o| o == a) {
                    out.push(a.to_string());
                }
            }
        };
        for a in self.answers.iter().flatten() {
            if matches!(a.rrtype.as_deref(), Some("A" | "AAAA")) {
                if let Some(v) = &a.rdata {
                    push(v);
                }
            }
        }
        for (kind, values) in self.grouped.iter().flatten() {
            if kind == "A" || kind == "AAAA" {
                values.as_array().into_iter().flatten().for_each(&mut push);
            }
        }
        out
    }
}

#[derive(Deserialize)]
struct Tls {
    sni: Option<String>,
    version: Option<String>,
    subject: Option<String>,
    issuerdn: Option<String>,
    ja3: Option<Fingerprint>,
    ja3s: Option<Fingerprint>,
}

#[derive(Deserialize)]
struct Fingerprint {
    hash: Option<String>,
}

#[derive(Deserialize)]
struct Ssh {
    client: Option<SshSide>,
    server: Option<SshSide>,
}

#[derive(Deserialize)]
struct SshSide {
    software_version: Option<String>,
}

#[derive(Deserialize)]
struct Tcp {
    tcp_flags: Option<String>,
}

/// Event types that name an application protocol when `app_proto` is absent.
const APP_EVENTS: &[&str] = &[
    "http", "dns", "tls", "ssh", "smb", "dcerpc", "krb5", "dhcp", "smtp", "ftp", "nfs", "rdp",
    "sip", "snmp", "tftp", "mqtt", "quic",
];

/// Reads eve.json lines.
pub fn read(reader: impl BufRead, sink: &mut Sink<'_>, max_len: usize) -> Result<(), FormatError> {
    let mut statistics = 0u64;
    let result = for_each_line(reader, sink, max_len, |line, sink| {
        let eve: Eve = parse_json(line)?;
        let engine = eve.event_type.as_deref() == Some("stats")
            || (eve.stats.is_some() && eve.src_ip.is_none() && eve.dest_ip.is_none());
        if engine {
            statistics += 1;
            return Ok(Row::NotARecord);
        }
        fill(eve, &mut sink.draft)?;
        Ok(Row::Event)
    });
    if statistics > 0 {
        sink.warn(format!(
            "{statistics} Suricata engine statistics record{} left out: {} Suricata itself, not traffic",
            if statistics == 1 { "" } else { "s" },
            if statistics == 1 { "it describes" } else { "they describe" }
        ));
    }
    result
}

fn fill(eve: Eve, d: &mut crate::events::EventDraft) -> Result<(), RowError> {
    let ts = eve
        .timestamp
        .ok_or_else(|| RowError::new("missing field", "no 'timestamp'"))?;
    d.time_us = Some(
        parse_time(&ts)
            .ok_or_else(|| RowError::bad("bad timestamp", "timestamp", ts.as_bytes()))?,
    );
    if let Some(ip) = &eve.src_ip {
        d.source_ip = Some(
            parse_ip(ip.as_bytes())
                .ok_or_else(|| RowError::bad("bad IP address", "src_ip", ip.as_bytes()))?,
        );
        if let Some(zone) = zone_of(ip.as_bytes()) {
            d.add_detail_kv("source_zone", &zone);
        }
    }
    if let Some(ip) = &eve.dest_ip {
        d.destination_ip = Some(
            parse_ip(ip.as_bytes())
                .ok_or_else(|| RowError::bad("bad IP address", "dest_ip", ip.as_bytes()))?,
        );
        if let Some(zone) = zone_of(ip.as_bytes()) {
            d.add_detail_kv("destination_zone", &zone);
        }
    }
    d.source_port = json_port("src_port", eve.src_port)?;
    d.destination_port = json_port("dest_port", eve.dest_port)?;
    if let Some(p) = &eve.proto {
        d.transport = transport_name(p);
    }
    let event_type = eve.event_type.unwrap_or_default();
    let app = eve.app_proto.filter(|a| a != "failed").or_else(|| {
        APP_EVENTS
            .contains(&event_type.as_str())
            .then(|| event_type.clone())
    });
    if let Some(app) = app {
        d.app_protocol = app.to_ascii_lowercase();
    }
    // In alerts on server-to-client traffic, src is the server: swap the flow counters.
    let reversed = to_client(
        &event_type,
        eve.direction.as_deref(),
        eve.flow.as_ref().and_then(|f| f.src_ip.as_deref()),
        eve.src_ip.as_deref(),
        (d.source_port, d.destination_port),
    );
    if let Some(flow) = eve.flow {
        let (sent_b, recv_b, sent_p, recv_p) = if reversed {
            (
                flow.bytes_toclient,
                flow.bytes_toserver,
                flow.pkts_toclient,
                flow.pkts_toserver,
            )
        } else {
            (
                flow.bytes_toserver,
                flow.bytes_toclient,
                flow.pkts_toserver,
                flow.pkts_toclient,
            )
        };
        d.bytes_sent = sent_b;
        d.bytes_received = recv_b;
        d.packets_sent = sent_p;
        d.packets_received = recv_p;
        if event_type == "flow" {
            if let (Some(s), Some(e)) = (&flow.start, &flow.end) {
                if let (Some(s), Some(e)) = (parse_time(s), parse_time(e)) {
                    d.duration_s = e.checked_sub(s).map(|us| us as f64 / 1e6);
                }
            }
            if let Some(state) = flow.state {
                d.outcome = state;
            }
        }
    }
    if let Some(flags) = eve.tcp.and_then(|t| t.tcp_flags) {
        d.tcp_flags = u8::from_str_radix(&flags, 16).ok();
    }
    d.add_detail(&event_type);
    if let Some(alert) = eve.alert {
        if let Some(action) = alert.action {
            d.outcome = action;
        }
        d.add_detail_kv("signature", alert.signature.as_deref().unwrap_or(""));
        d.add_detail_kv("category", alert.category.as_deref().unwrap_or(""));
        if let Some(sev) = alert.severity {
            d.add_detail_kv("severity", &sev.to_string());
        }
        if let Some(id) = alert.signature_id {
            d.add_detail_kv("sid", &id.to_string());
        }
        for key in ALERT_METADATA {
            let values = alert.metadata.as_ref().and_then(|m| m.get(key));
            let text: Vec<&str> = values
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .collect();
            d.add_detail_kv(key, &text.join(","));
        }
    }
    if let Some(http) = eve.http {
        // An alert's outcome is its action; the HTTP status only speaks for http events.
        if let (Some(status), false) = (http.status, event_type == "alert") {
            d.outcome = status.to_string();
        }
        d.add_detail_kv("method", http.http_method.as_deref().unwrap_or(""));
        d.add_detail_kv("host", http.hostname.as_deref().unwrap_or(""));
        d.add_detail_kv("url", http.url.as_deref().unwrap_or(""));
        d.add_detail_kv("ua", http.http_user_agent.as_deref().unwrap_or(""));
    }
    if let Some(dns) = eve.dns {
        if let Some(rcode) = &dns.rcode {
            d.outcome.clone_from(rcode);
        }
        d.add_detail_kv("dns", dns.kind.as_deref().unwrap_or(""));
        d.add_detail_kv("rrname", dns.rrname.as_deref().unwrap_or(""));
        d.add_detail_kv("rrtype", dns.rrtype.as_deref().unwrap_or(""));
        d.add_detail_kv("answers", &dns.addresses().join(" "));
    }
    if let Some(tls) = eve.tls {
        d.add_detail_kv("sni", tls.sni.as_deref().unwrap_or(""));
        d.add_detail_kv("tls", tls.version.as_deref().unwrap_or(""));
        let hash = |f: Option<Fingerprint>| f.and_then(|f| f.hash).unwrap_or_default();
        d.add_detail_kv("ja3", &hash(tls.ja3));
        d.add_detail_kv("ja3s", &hash(tls.ja3s));
        if let (Some(subject), Some(issuer)) = (&tls.subject, &tls.issuerdn) {
            if subject == issuer {
                d.add_detail_kv("self_signed", subject);
            }
        }
    }
    if let Some(ssh) = eve.ssh {
        let side = |s: Option<SshSide>| s.and_then(|s| s.software_version).unwrap_or_default();
        d.add_detail_kv("client", &side(ssh.client));
        d.add_detail_kv("server", &side(ssh.server));
    }
    Ok(())
}

/// Whether a record's source is the flow's server (an alert on the answer): as its
/// `direction` says (Suricata 7), else as its flow's client says (`flow.src_ip`, also 7),
/// else, for Suricata 6 which says neither, when it goes from a service port to an ephemeral
/// one (`80 -> 49747`); never for a flow record, whose source is the flow's first sender and
/// whose `toserver` counters are that sender's.
fn to_client(
    event_type: &str,
    direction: Option<&str>,
    flow_client: Option<&str>,
    src_ip: Option<&str>,
    (src_port, dest_port): (Option<u16>, Option<u16>),
) -> bool {
    if let Some(d) = direction {
        return d == "to_client";
    }
    if let (Some(client), Some(src)) = (flow_client, src_ip) {
        return client != src;
    }
    match (src_port, dest_port) {
        (Some(s), Some(d)) if event_type != "flow" => is_service_port(s) && !is_service_port(d),
        _ => false,
    }
}

/// Ports servers listen on: the well-known range and the common services above it.
fn is_service_port(port: u16) -> bool {
    const ABOVE: [u16; 14] = [
        1433, 1521, 2049, 3128, 3306, 3389, 5060, 5432, 5900, 6379, 8080, 8443, 9200, 27017,
    ];
    port < 1024 || ABOVE.contains(&port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_outcome_is_its_action_even_on_http() {
        // An alert line of the real eve.json sample, trimmed to the fields read here.
        let line = br#"{"timestamp":"2022-02-23T19:24:34.883394+0100","event_type":"alert","src_ip":"64.34.171.228","src_port":80,"dest_ip":"172.16.0.149","dest_port":49747,"proto":"TCP","alert":{"action":"allowed","signature":"ET POLICY PE EXE or DLL Windows file download HTTP","category":"Potential Corporate Privacy Violation","severity":1},"http":{"hostname":"www.ajaxmatters.com","url":"/c7g8t/zbBYgukXYxzAF2hZc/","http_method":"GET","status":200},"app_proto":"http","flow":{"pkts_toserver":27,"pkts_toclient":35,"bytes_toserver":1711,"bytes_toclient":47302}}"#;
        let mut d = crate::events::EventDraft::default();
        fill(parse_json(line).unwrap(), &mut d).unwrap();
        assert_eq!(d.outcome, "allowed");
        assert_eq!(d.app_protocol, "http");
        // Suricata 6 names no direction: from port 80 to 49747 the source is the server, and
        // the 47,302 bytes to the client are what it sent.
        assert_eq!(d.bytes_sent, Some(47302.0));
        assert_eq!(d.bytes_received, Some(1711.0));
        assert_eq!(d.packets_sent, Some(35.0));
        let text = d.detail.replace(crate::events::DETAIL_SEPARATOR, " ");
        assert!(
            text.starts_with("alert signature=ET POLICY PE EXE"),
            "{text}"
        );
        assert!(
            text.contains("method=GET host=www.ajaxmatters.com"),
            "{text}"
        );
    }
}
