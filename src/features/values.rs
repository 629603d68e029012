//! The log's own values for a set of events: what an analyst reads first about a source
//! (event types, credentials, commands, requests, status codes, agents, signatures, ports).

use std::collections::HashMap;

use crate::events::EventTable;

/// Events looked at per source: enough for every value that matters, bounded per frame.
pub const PROFILE_ROWS: usize = 20_000;

/// The most frequent values of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValues {
    /// What the field is, for the analyst.
    pub field: &'static str,
    /// Values with their counts, most frequent first (ties in first-seen order).
    pub top: Vec<(String, usize)>,
    /// Distinct values seen.
    pub distinct: usize,
}

/// Per value: how often it occurs and where it first occurred.
type Counts = HashMap<String, (usize, usize)>;

/// The detail keys shown, with their titles.
const KEYS: [(&str, &str); 8] = [
    ("username", "usernames"),
    ("password", "passwords"),
    ("input", "commands"),
    ("url", "URLs"),
    ("shasum", "file hashes"),
    ("signature", "IDS signatures"),
    ("ua", "user agents"),
    ("tunnel", "tunnel targets"),
];

/// The top `n` values of each field the events in `rows` carry (at most [`PROFILE_ROWS`] of
/// them), fields without values left out.
pub fn field_values(t: &EventTable, rows: &[u32], n: usize) -> Vec<FieldValues> {
    let rows = &rows[..rows.len().min(PROFILE_ROWS)];
    let mut fields: Vec<(&'static str, Counts)> = Vec::new();
    let mut add = |field: &'static str, value: &str, order: usize| {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let i = match fields.iter().position(|(f, _)| *f == field) {
            Some(i) => i,
            None => {
                fields.push((field, HashMap::new()));
                fields.len() - 1
            }
        };
        let e = fields[i].1.entry(value.to_string()).or_insert((0, order));
        e.0 += 1;
    };
    for (k, &r) in rows.iter().enumerate() {
        let r = r as usize;
        let http = t.app_protocol(r) == Some("http");
        if let Some(o) = t.outcome(r) {
            add(if http { "status codes" } else { "event types" }, o, k);
        }
        if http {
            if let Some(line) = t.detail_plain(r) {
                add("requests", line, k);
            }
        }
        for (key, title) in KEYS {
            if let Some(v) = t.detail_value(r, key) {
                add(title, v, k);
            }
        }
        if let Some(p) = t.destination_port(r) {
            add("destination ports", &p.to_string(), k);
        }
    }
    fields
        .into_iter()
        .map(|(field, counts)| {
            let distinct = counts.len();
            let mut top: Vec<(String, (usize, usize))> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
            FieldValues {
                field,
                top: top.into_iter().take(n).map(|(v, (c, _))| (v, c)).collect(),
                distinct,
            }
        })
        .collect()
}
