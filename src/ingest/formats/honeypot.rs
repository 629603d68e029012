//! Honeypot JSON: Cowrie (SSH/Telnet) and Dionaea (native and MHN export).

use std::collections::HashMap;
use std::io::BufRead;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::Value;

use super::super::columns::RowError;
use super::super::values::{parse_ip, parse_time};
use super::super::Sink;
use super::lines::{for_each_line, json_port, parse_json, Row};
use super::FormatError;
use crate::events::EventDraft;

fn required_time(d: &mut EventDraft, field: &str, ts: Option<&str>) -> Result<(), RowError> {
    let ts = ts.ok_or_else(|| RowError::new("missing field", format!("no '{field}'")))?;
    d.time_us =
        Some(parse_time(ts).ok_or_else(|| RowError::bad("bad timestamp", field, ts.as_bytes()))?);
    Ok(())
}

fn required_ip(field: &str, ip: Option<&str>) -> Result<IpAddr, RowError> {
    let ip = ip.ok_or_else(|| RowError::new("missing field", format!("no '{field}'")))?;
    parse_ip(ip.as_bytes()).ok_or_else(|| RowError::bad("bad IP address", field, ip.as_bytes()))
}

#[derive(Deserialize)]
struct CowrieEvent {
    eventid: String,
    timestamp: Option<String>,
    src_ip: Option<String>,
    src_port: Option<f64>,
    dst_ip: Option<String>,
    dst_port: Option<f64>,
    protocol: Option<String>,
    session: Option<String>,
    username: Option<String>,
    password: Option<String>,
    input: Option<String>,
    version: Option<String>,
    url: Option<String>,
    shasum: Option<String>,
    duration: Option<f64>,
}

/// What a session's connect event told us, reused for its later events.
struct Session {
    protocol: String,
    dst_ip: Option<IpAddr>,
    dst_port: Option<u16>,
}

/// Reads Cowrie JSON lines. Events after a session's connect inherit its protocol and
/// honeypot address, which Cowrie writes only on the connect line.
pub fn read_cowrie(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
) -> Result<(), FormatError> {
    let mut sessions: HashMap<String, Session> = HashMap::new();
    for_each_line(reader, sink, max_len, |line, sink| {
        let ev: CowrieEvent = parse_json(line)?;
        let d = &mut sink.draft;
        required_time(d, "timestamp", ev.timestamp.as_deref())?;
        d.source_ip = Some(required_ip("src_ip", ev.src_ip.as_deref())?);
        d.source_port = json_port("src_port", ev.src_port)?;
        d.transport.push_str("tcp");
        d.outcome.push_str(&ev.eventid);
        let dst_ip = ev.dst_ip.as_deref().and_then(|s| parse_ip(s.as_bytes()));
        let dst_port = json_port("dst_port", ev.dst_port)?;
        if ev.eventid.starts_with("cowrie.direct-tcpip") {
            let host = ev.dst_ip.as_deref().unwrap_or("");
            let port = dst_port.map(|p| p.to_string()).unwrap_or_default();
            d.add_detail_kv("tunnel", &format!("{host}:{port}"));
        }
        if let (Some(session), Some(protocol)) = (&ev.session, &ev.protocol) {
            sessions.insert(
                session.clone(),
                Session {
                    protocol: protocol.to_ascii_lowercase(),
                    dst_ip,
                    dst_port,
                },
            );
        }
        match ev.session.as_ref().and_then(|s| sessions.get(s)) {
            Some(s) => {
                d.app_protocol.push_str(&s.protocol);
                d.destination_ip = s.dst_ip;
                d.destination_port = s.dst_port;
            }
            None => {
                if let Some(p) = &ev.protocol {
                    d.app_protocol.push_str(&p.to_ascii_lowercase());
                }
            }
        }
        if ev.eventid.starts_with("cowrie.direct-tcpip") {
            d.destination_ip = dst_ip;
            d.destination_port = dst_port;
        }
        d.duration_s = ev.duration;
        d.add_detail_kv("username", ev.username.as_deref().unwrap_or(""));
        d.add_detail_kv("password", ev.password.as_deref().unwrap_or(""));
        d.add_detail_kv("input", ev.input.as_deref().unwrap_or(""));
        d.add_detail_kv("version", ev.version.as_deref().unwrap_or(""));
        d.add_detail_kv("url", ev.url.as_deref().unwrap_or(""));
        d.add_detail_kv("shasum", ev.shasum.as_deref().unwrap_or(""));
        d.add_detail_kv("session", ev.session.as_deref().unwrap_or(""));
        if ev.eventid == "cowrie.session.closed" {
            if let Some(s) = &ev.session {
                sessions.remove(s);
            }
        }
        Ok(Row::Event)
    })
}

#[derive(Deserialize)]
struct DionaeaEvent {
    connection: Option<Connection>,
    timestamp: Option<String>,
    src_ip: Option<String>,
    src_port: Option<f64>,
    dst_ip: Option<String>,
    dst_port: Option<f64>,
    src_hostname: Option<String>,
    credentials: Option<Credentials>,
}

#[derive(Deserialize)]
struct Connection {
    protocol: Option<String>,
    transport: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    username: Vec<String>,
    #[serde(default)]
    password: Vec<String>,
}

/// Reads native Dionaea JSON (the format T-Pot's dionaea.json uses). Timestamps without a
/// zone are taken as UTC.
pub fn read_dionaea(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
) -> Result<(), FormatError> {
    for_each_line(reader, sink, max_len, |line, sink| {
        let ev: DionaeaEvent = parse_json(line)?;
        let d = &mut sink.draft;
        required_time(d, "timestamp", ev.timestamp.as_deref())?;
        d.source_ip = Some(required_ip("src_ip", ev.src_ip.as_deref())?);
        d.source_port = json_port("src_port", ev.src_port)?;
        d.destination_ip = ev.dst_ip.as_deref().and_then(|s| parse_ip(s.as_bytes()));
        d.destination_port = json_port("dst_port", ev.dst_port)?;
        if let Some(c) = ev.connection {
            d.app_protocol = c.protocol.unwrap_or_default().to_ascii_lowercase();
            d.transport = c.transport.unwrap_or_default().to_ascii_lowercase();
            d.outcome = c.kind.unwrap_or_default();
        }
        d.add_detail_kv("hostname", ev.src_hostname.as_deref().unwrap_or(""));
        if let Some(c) = ev.credentials {
            d.add_detail_kv("username", &c.username.join(","));
            d.add_detail_kv("password", &c.password.join(","));
        }
        Ok(Row::Event)
    })
}

#[derive(Deserialize)]
struct MhnEvent {
    protocol: Option<String>,
    timestamp: Option<Value>,
    source_ip: Option<String>,
    source_port: Option<f64>,
    destination_ip: Option<String>,
    destination_port: Option<f64>,
    honeypot: Option<String>,
}

/// The time of a mongoexport `{"$date": ...}`: an ISO string, epoch milliseconds, or
/// `{"$numberLong": "..."}`.
fn mongo_date(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => parse_time(s),
        Value::Number(n) => n.as_i64().and_then(|ms| ms.checked_mul(1000)),
        Value::Object(o) => o
            .get("$date")
            .or_else(|| o.get("$numberLong"))
            .and_then(mongo_date),
        _ => None,
    }
}

/// Reads Dionaea events exported from Modern Honey Network with mongoexport.
pub fn read_mhn(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
) -> Result<(), FormatError> {
    for_each_line(reader, sink, max_len, |line, sink| {
        let ev: MhnEvent = parse_json(line)?;
        let d = &mut sink.draft;
        let ts = ev
            .timestamp
            .ok_or_else(|| RowError::new("missing field", "no 'timestamp'"))?;
        d.time_us = Some(mongo_date(&ts).ok_or_else(|| {
            RowError::bad("bad timestamp", "timestamp", ts.to_string().as_bytes())
        })?);
        d.source_ip = Some(required_ip("source_ip", ev.source_ip.as_deref())?);
        d.source_port = json_port("source_port", ev.source_port)?;
        d.destination_ip = ev
            .destination_ip
            .as_deref()
            .and_then(|s| parse_ip(s.as_bytes()));
        d.destination_port = json_port("destination_port", ev.destination_port)?;
        d.app_protocol = ev.protocol.unwrap_or_default().to_ascii_lowercase();
        d.add_detail_kv("honeypot", ev.honeypot.as_deref().unwrap_or(""));
        Ok(Row::Event)
    })
}
