//! What two parties exchanged: connections, bytes each way, ports, the names the client used
//! (HTTP Host, TLS SNI), TLS fingerprints and certificates. Findings about a server quote it
//! as their evidence, so that the analyst reads who talked to whom, how often and how much.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use crate::detection::{human_bytes, human_count};
use crate::events::EventTable;

/// Everything a client and a server exchanged, from the client's side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    /// Connections: flow records when the log has them for the pair, else every event.
    pub connections: usize,
    /// Bytes the client sent.
    pub sent: f64,
    /// Bytes the client received.
    pub received: f64,
    /// The server's ports.
    pub ports: BTreeSet<u16>,
    /// HTTP hosts and TLS server names the client asked for.
    pub names: BTreeSet<String>,
    /// TLS client fingerprints (JA3).
    pub ja3: BTreeSet<String>,
    /// TLS server fingerprints (JA3S).
    pub ja3s: BTreeSet<String>,
    /// TLS sessions without a server name: the client knew the address, not a name.
    pub tls_without_name: usize,
    /// Self-signed certificates the server presented (their subjects).
    pub self_signed: BTreeSet<String>,
    /// First and last event time.
    pub first_us: Option<i64>,
    /// Last event time.
    pub last_us: Option<i64>,
}

/// Most names or fingerprints quoted per conversation.
const SHOWN: usize = 3;

fn listed(set: &BTreeSet<String>, width: usize) -> String {
    let shown: Vec<String> = set
        .iter()
        .take(SHOWN)
        .map(|s| s.chars().take(width).collect())
        .collect();
    match set.len() {
        n if n > SHOWN => format!("{} and {} more", shown.join(", "), n - SHOWN),
        _ => shown.join(", "),
    }
}

impl Conversation {
    /// One line: "172.16.0.149 → 135.148.121.246:8080: 28 connections, 183.1 KB sent, 5.1 MB
    /// received, TLS without a server name, JA3 51c64c77…, self-signed certificate".
    pub fn line(&self, client: IpAddr, server: IpAddr) -> String {
        let ports: Vec<String> = self.ports.iter().take(4).map(u16::to_string).collect();
        let port = match self.ports.len() {
            0 => String::new(),
            n if n > 4 => format!(":{} (+{})", ports.join(","), n - 4),
            _ => format!(":{}", ports.join(",")),
        };
        let mut parts = vec![
            match self.connections {
                1 => "1 connection".to_string(),
                n => format!("{} connections", human_count(n as u64)),
            },
            format!("{} sent", human_bytes(self.sent)),
            format!("{} received", human_bytes(self.received)),
        ];
        if !self.names.is_empty() {
            parts.push(format!("as {}", listed(&self.names, 80)));
        } else if self.tls_without_name > 0 {
            parts.push("TLS without a server name".to_string());
        }
        if !self.ja3.is_empty() {
            parts.push(format!("JA3 {}", listed(&self.ja3, 32)));
        }
        if !self.ja3s.is_empty() {
            parts.push(format!("JA3S {}", listed(&self.ja3s, 32)));
        }
        if !self.self_signed.is_empty() {
            parts.push("self-signed certificate".to_string());
        }
        format!("{client} → {server}{port}: {}", parts.join(", "))
    }
}

/// The client and the server of `row`: the destination is the server unless the source
/// answers from a service port to a client port (an alert on a response).
pub fn client_server(t: &EventTable, row: usize) -> Option<(u32, u32)> {
    let (s, d) = (t.source_ip_id(row)?, t.destination_ip_id(row)?);
    let answering = matches!(
        (t.source_port(row), t.destination_port(row)),
        (Some(sp), Some(dp)) if sp < 1024 && dp >= 1024
    );
    Some(if answering { (d, s) } else { (s, d) })
}

/// The conversations of the `(client, server)` address-id pairs asked for, in one pass over
/// the table.
pub fn conversations(
    t: &EventTable,
    pairs: &HashSet<(u32, u32)>,
) -> HashMap<(u32, u32), Conversation> {
    let mut rows: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    if pairs.is_empty() {
        return HashMap::new();
    }
    for r in 0..t.len() {
        if let Some(pair) = client_server(t, r).filter(|p| pairs.contains(p)) {
            rows.entry(pair).or_default().push(r as u32);
        }
    }
    rows.into_iter()
        .map(|(pair, rows)| (pair, of_rows(t, pair.0, &rows)))
        .collect()
}

/// The conversation held in `rows`, seen from `client`.
fn of_rows(t: &EventTable, client: u32, rows: &[u32]) -> Conversation {
    let flow_records = rows
        .iter()
        .any(|&r| t.detail_plain(r as usize) == Some("flow"));
    let mut c = Conversation::default();
    for &r in rows {
        let row = r as usize;
        if let Some(us) = t.time_us(row) {
            c.first_us = Some(c.first_us.map_or(us, |f| f.min(us)));
            c.last_us = Some(c.last_us.map_or(us, |l| l.max(us)));
        }
        let from_client = t.source_ip_id(row) == Some(client);
        let server_port = if from_client {
            t.destination_port(row)
        } else {
            t.source_port(row)
        };
        c.ports.extend(server_port);
        for key in crate::detection::names::SERVER_NAME_KEYS {
            if let Some(name) = t.detail_value(row, key) {
                c.names.insert(name.to_ascii_lowercase());
            }
        }
        if let Some(h) = t
            .detail_value(row, "ja3")
            .or(t.detail_value(row, "ssl.ja3"))
        {
            c.ja3.insert(h.to_string());
        }
        if let Some(h) = t.detail_value(row, "ja3s") {
            c.ja3s.insert(h.to_string());
        }
        if let Some(s) = t.detail_value(row, "self_signed") {
            c.self_signed.insert(s.to_string());
        }
        if t.detail_plain(row) == Some("tls") && t.detail_value(row, "sni").is_none() {
            c.tls_without_name += 1;
        }
        if flow_records && t.detail_plain(row) != Some("flow") {
            continue;
        }
        c.connections += 1;
        let (sent, received) = (
            t.bytes_sent(row).unwrap_or(0.0),
            t.bytes_received(row).unwrap_or(0.0),
        );
        if from_client {
            c.sent += sent;
            c.received += received;
        } else {
            c.sent += received;
            c.received += sent;
        }
    }
    c
}
