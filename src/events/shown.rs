//! An event as it is shown and copied: its main fields as short text columns (the terminal's
//! `inspect --query` table and the window's event table), and as JSON (`inspect --query
//! --json` and the window's Copy as JSON).

use serde_json::{json, Map, Value};

use super::{detail_parts, format_utc, EventTable};

/// The columns of [`event_columns`], in order.
pub const EVENT_COLUMNS: [&str; 8] = [
    "event_time",
    "source",
    "destination",
    "protocol",
    "outcome",
    "sent",
    "received",
    "detail",
];

/// An address with its port, `[v6]:port` for IPv6, `-` when neither is known.
pub fn address(ip: Option<std::net::IpAddr>, port: Option<u16>) -> String {
    match (ip, port) {
        (Some(ip), Some(p)) if ip.is_ipv6() => format!("[{ip}]:{p}"),
        (Some(ip), Some(p)) => format!("{ip}:{p}"),
        (Some(ip), None) => ip.to_string(),
        (None, Some(p)) => format!(":{p}"),
        (None, None) => "-".into(),
    }
}

/// Event `r`'s [`EVENT_COLUMNS`] as text, as the log gave them (not escaped: the caller makes
/// them safe for where they go).
pub fn event_columns(t: &EventTable, r: usize) -> [String; 8] {
    let protocol = match (t.transport(r), t.app_protocol(r)) {
        (Some(a), Some(b)) => format!("{a}/{b}"),
        (a, b) => a.or(b).unwrap_or("-").to_string(),
    };
    let number = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| v.to_string());
    [
        t.time_us(r).map_or_else(|| "-".into(), format_utc),
        address(t.source_ip(r), t.source_port(r)),
        address(t.destination_ip(r), t.destination_port(r)),
        protocol,
        t.outcome(r).unwrap_or("-").to_string(),
        number(t.bytes_sent(r)),
        number(t.bytes_received(r)),
        t.detail_text(r).unwrap_or_default(),
    ]
}

/// Event `r` as JSON: its file (by `files`, the files' names by id) and line, the fields it
/// holds, and its detail both as text and as its keyed parts.
pub fn event_json(t: &EventTable, files: &[String], r: usize) -> Value {
    let mut v = Map::new();
    if let Some(f) = files.get(usize::from(t.file(r))) {
        v.insert("file".into(), json!(f));
    }
    v.insert("line".into(), json!(t.line(r)));
    let mut put = |k: &str, x: Value| {
        if !x.is_null() {
            v.insert(k.into(), x);
        }
    };
    put("event_time", json!(t.time_us(r).map(format_utc)));
    put("duration_s", json!(t.duration_s(r)));
    put("source_ip", json!(t.source_ip(r).map(|ip| ip.to_string())));
    put("source_port", json!(t.source_port(r)));
    put(
        "destination_ip",
        json!(t.destination_ip(r).map(|ip| ip.to_string())),
    );
    put("destination_port", json!(t.destination_port(r)));
    put("transport", json!(t.transport(r)));
    put("app_protocol", json!(t.app_protocol(r)));
    put("bytes_sent", json!(t.bytes_sent(r)));
    put("bytes_received", json!(t.bytes_received(r)));
    put("packets_sent", json!(t.packets_sent(r)));
    put("packets_received", json!(t.packets_received(r)));
    put("direction", json!(t.direction(r)));
    put("tcp_flags", json!(t.tcp_flags(r).map(|f| f.describe())));
    put("outcome", json!(t.outcome(r)));
    put("country_code", json!(t.country_code(r)));
    put("detail", json!(t.detail_text(r)));
    if let Some(d) = t.detail(r) {
        let parts: Map<String, Value> = detail_parts(d)
            .filter_map(|(k, v)| Some((k?.to_string(), json!(v))))
            .collect();
        if !parts.is_empty() {
            put("detail_parts", Value::Object(parts));
        }
    }
    if let Some(l) = t.label(r) {
        put("label", json!(t.label_class_name(l)));
    }
    Value::Object(v)
}
