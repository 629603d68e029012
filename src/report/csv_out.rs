//! CSV outputs of a detection run. Every text value that came from a log passes through
//! [`spreadsheet_safe`], so opening the files in a spreadsheet never evaluates a formula.

use std::borrow::Cow;
use std::fs;
use std::io::{self, BufWriter};
use std::path::Path;

use crate::detection::SourceVerdict;
use crate::events::format_utc;
use crate::session::write_atomic_with;

/// Neutralises spreadsheet formula injection: text starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return gets a leading apostrophe, which spreadsheets show as plain text.
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The verdict word for a confidence: `block` at or above the threshold, `watch` at or above
/// half of it, otherwise `normal`.
pub fn verdict_label(confidence: f64, threshold: f64) -> &'static str {
    if confidence >= threshold {
        "block"
    } else if confidence >= threshold / 2.0 {
        "watch"
    } else {
        "normal"
    }
}

/// [`write_atomic_with`] through a CSV writer.
fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut csv::Writer<&mut BufWriter<fs::File>>) -> csv::Result<()>,
) -> io::Result<()> {
    write_atomic_with(path, |file| {
        let mut w = csv::Writer::from_writer(file);
        fill(&mut w).map_err(io::Error::other)?;
        w.flush()
    })
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn safe(v: Option<&str>) -> String {
    v.map_or_else(String::new, |s| spreadsheet_safe(s).into_owned())
}

/// Writes one row per source: address, country, counts, time range, confidence, verdict and
/// reasons, most suspicious first.
pub fn write_sources(path: &Path, sources: &[&SourceVerdict], threshold: f64) -> io::Result<()> {
    write_atomic(path, |w| {
        w.write_record([
            "ip",
            "country",
            "events",
            "first_seen",
            "last_seen",
            "confidence",
            "verdict",
            "reasons",
        ])?;
        for s in sources {
            w.write_record([
                s.stats.ip.to_string(),
                safe(s.stats.country.as_deref()),
                s.stats.events.to_string(),
                opt(s.stats.first_us.map(format_utc)),
                opt(s.stats.last_us.map(format_utc)),
                format!("{:.1}", s.confidence),
                verdict_label(s.confidence, threshold).to_string(),
                spreadsheet_safe(&s.reasons.join("; ")).into_owned(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}

/// Writes the sources proposed for blocking: address, confidence, country and reasons.
pub fn write_blocklist(path: &Path, sources: &[&SourceVerdict]) -> io::Result<()> {
    write_atomic(path, |w| {
        w.write_record(["ip", "confidence", "country", "reasons"])?;
        for s in sources.iter().filter(|s| s.proposed_block) {
            w.write_record([
                s.stats.ip.to_string(),
                format!("{:.1}", s.confidence),
                safe(s.stats.country.as_deref()),
                spreadsheet_safe(&s.reasons.join("; ")).into_owned(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-cmd"), "'-cmd");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("GET /"), "GET /");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn verdict_words() {
        assert_eq!(verdict_label(70.0, 70.0), "block");
        assert_eq!(verdict_label(35.0, 70.0), "watch");
        assert_eq!(verdict_label(34.9, 70.0), "normal");
    }
}
