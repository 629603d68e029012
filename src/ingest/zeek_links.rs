//! Zeek's protocol logs joined to their connections. A dns.log, http.log, ssl.log or
//! files.log row is one record of a connection that conn.log already holds: read beside that
//! conn.log, each row whose uid names a connection there joins that connection's row (its
//! parts added to the detail, `dns.query=...`), so that a connection counts once, with all
//! that Zeek said about it. Rows whose connection is not in the conn.log stay events of their
//! own.

use std::collections::HashMap;

use super::{summarise, Investigation};
use crate::events::{detail_parts, EventDraft, EventTable};

/// The detail key a protocol log's outcome column had: what the joined row calls it.
fn outcome_key(log: &str) -> &'static str {
    match log {
        "dns" => "rcode_name",
        "http" => "status_code",
        _ => "outcome",
    }
}

/// The uid of the connection a protocol-log row belongs to (files.log names a set of them:
/// the first).
fn connection_of(t: &EventTable, row: usize) -> Option<&str> {
    t.detail_value(row, "conn_uid").or_else(|| {
        t.detail_value(row, "conn_uids")
            .and_then(|s| s.split(',').map(str::trim).find(|u| !u.is_empty()))
    })
}

/// Joins the protocol-log rows of `inv` to their conn.log rows by uid, rebuilding the table
/// without the joined rows. Files' row ranges, event counts and sources follow; each protocol
/// log's report says how many of its rows joined.
pub(crate) fn join(inv: &mut Investigation) {
    let protocol: Vec<usize> = (0..inv.files.len())
        .filter(|&i| inv.files[i].zeek_log.is_some())
        .collect();
    let conn: Vec<usize> = (0..inv.files.len())
        .filter(|&i| {
            inv.files[i].zeek_log.is_none() && matches!(inv.files[i].format, super::Format::ZeekTsv)
        })
        .collect();
    if protocol.is_empty() || conn.is_empty() {
        return;
    }
    let t = &inv.table;
    let mut by_uid: HashMap<&str, u32> = HashMap::new();
    for &f in &conn {
        for row in inv.files[f].rows.clone() {
            if let Some(uid) = t.detail_value(row, "conn_uid") {
                by_uid.entry(uid).or_insert(row as u32);
            }
        }
    }
    let mut records: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
    let mut joined = vec![false; t.len()];
    let mut counts = vec![0u64; inv.files.len()];
    for &f in &protocol {
        for row in inv.files[f].rows.clone() {
            if let Some(&c) = connection_of(t, row).and_then(|u| by_uid.get(u)) {
                records.entry(c).or_default().push((row as u32, f));
                joined[row] = true;
                counts[f] += 1;
            }
        }
    }
    for &f in &protocol {
        let report = &mut inv.files[f];
        let (n, j) = (report.events, counts[f]);
        let log = report.zeek_log.as_deref().unwrap_or_default();
        let said = if j == 0 {
            format!(
                "none of its {n} rows names a connection of the conn.log read with it: they \
                 stay events of their own"
            )
        } else {
            format!(
                "{j} of its {n} rows joined their connection's row in the conn.log read with \
                 it (by uid), their fields added to it as {log}.*; {} stay events of their own",
                n - j
            )
        };
        // The conn.log is here: what reading the log alone would mean no longer applies.
        let alone = format!("a Zeek {log}.log:");
        report.warnings.retain(|w| !w.starts_with(&alone));
        report.warnings.push(said);
    }
    if records.is_empty() {
        return;
    }
    let mut out = EventTable::default();
    let mut draft = EventDraft::default();
    let mut new_index = vec![0usize; t.len() + 1];
    for row in 0..t.len() {
        new_index[row] = out.len();
        if joined[row] {
            continue;
        }
        match records.get(&(row as u32)) {
            None => out.append_row(t, row),
            Some(parts) => {
                draft.clear();
                draft.detail.push_str(t.detail(row).unwrap_or_default());
                for &(p, f) in parts {
                    let (p, log) = (
                        p as usize,
                        inv.files[f].zeek_log.as_deref().unwrap_or("zeek"),
                    );
                    if let Some(o) = t.outcome(p) {
                        draft.add_detail_kv(&format!("{log}.{}", outcome_key(log)), o);
                    }
                    for (key, value) in detail_parts(t.detail(p).unwrap_or_default()) {
                        match key {
                            Some("conn_uid" | "conn_uids") => {}
                            Some(k) => draft.add_detail_kv(k, value),
                            None => draft.add_detail(&format!("{log}: {value}")),
                        }
                    }
                }
                out.append_row_with_detail(t, row, &draft.detail);
            }
        }
    }
    new_index[t.len()] = out.len();
    out.shrink_to_fit();
    inv.table = out;
    for (f, report) in inv.files.iter_mut().enumerate() {
        report.rows = new_index[report.rows.start]..new_index[report.rows.end];
        report.events -= counts[f];
        (report.sources, report.first_event_us, report.last_event_us) =
            summarise(&inv.table, report.rows.clone());
    }
}
