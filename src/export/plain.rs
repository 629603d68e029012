//! Plain exports: one address per line, CSV with every field, and CrowdSec decisions.

use serde_json::json;

use super::sanitize::{csv_cell, one_line};
use super::{addr, why, Ctx, Format, OutFile, Syntax};
use crate::blocklist::{format_time, Action};

/// One address or network per line, nothing else: what Palo Alto EDLs, FortiGate threat
/// feeds and pfSense URL tables read.
pub(super) fn txt(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let mut s = String::new();
    for e in ctx.all() {
        s.push_str(&addr(&e.net));
        s.push('\n');
    }
    Ok(vec![OutFile {
        name: Format::Txt.default_name(Syntax::Native).into(),
        bytes: s.into_bytes(),
    }])
}

/// The CSV columns.
pub const CSV_HEADER: [&str; 9] = [
    "address",
    "action",
    "reason",
    "confidence",
    "origin",
    "added_at",
    "expires_at",
    "note",
    "direction",
];

/// Every field of every entry.
pub(super) fn csv(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
    for e in ctx.all() {
        w.write_record([
            e.net.to_string(),
            e.action.name().to_string(),
            csv_cell(&one_line(&e.reason, 2000)),
            e.confidence.map(|c| format!("{c:.1}")).unwrap_or_default(),
            e.origin.name().to_string(),
            format_time(e.added_at),
            e.expires_at.map(format_time).unwrap_or_default(),
            csv_cell(&one_line(&e.note, 2000)),
            e.direction.name().to_string(),
        ])
        .map_err(|e| e.to_string())?;
    }
    Ok(vec![OutFile {
        name: Format::Csv.default_name(Syntax::Native).into(),
        bytes: w.into_inner().map_err(|e| e.to_string())?,
    }])
}

/// The longest duration Go (so CrowdSec) parses, 2^63-1 nanoseconds, in whole seconds.
const GO_MAX_SECONDS: i64 = 9_223_372_036;

/// Checks that `s` is a positive Go duration no longer than Go parses ("168h", "1h30m",
/// "90s"), as CrowdSec reads decision durations.
pub fn check_duration(s: &str) -> Result<(), String> {
    let err = || {
        format!(
            "duration '{s}' must be a positive Go duration such as 168h, 1h30m or 90s, at most \
             2562047h"
        )
    };
    let mut rest = s;
    let mut nanos = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        let n: f64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(err()),
        };
        nanos += n * scale;
        rest = &rest[unit..];
    }
    if nanos > 0.0 && nanos <= GO_MAX_SECONDS as f64 * 1e9 {
        Ok(())
    } else {
        Err(err())
    }
}

/// `cscli decisions import -i FILE` JSON: a ban (or captcha) per entry, for its remaining
/// time (at most the longest duration Go parses) or the export's duration.
pub(super) fn crowdsec(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    check_duration(&ctx.opts.duration)?;
    let kind = match ctx.opts.action {
        Action::Block => "ban",
        Action::Challenge => "captcha",
        a => {
            return Err(format!(
                "CrowdSec decisions ban or ask a captcha, not {}",
                a.name()
            ))
        }
    };
    let now = ctx.opts.generated_at;
    let decisions = ctx.all().map(|e| {
        let scope = if e.net.prefix_len() == e.net.max_prefix_len() {
            "Ip"
        } else {
            "Range"
        };
        let duration = e
            .expires_at
            .map(|t| format!("{}s", (t - now).clamp(1, GO_MAX_SECONDS)))
            .unwrap_or_else(|| ctx.opts.duration.clone());
        json!({
            "value": addr(&e.net),
            "scope": scope,
            "type": kind,
            "duration": duration,
            "reason": one_line(&why(e), 500),
        })
    });
    let mut bytes = Vec::new();
    super::json_text::pretty_array(&mut bytes, 0, decisions);
    bytes.push(b'\n');
    Ok(vec![OutFile {
        name: Format::Crowdsec.default_name(Syntax::Native).into(),
        bytes,
    }])
}
