//! Accounting of rows a reader could not use: counts per reason and the first examples.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How many example skips are kept per file.
pub const MAX_EXAMPLES: usize = 10;

/// One skipped row, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipExample {
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    /// What was wrong with it.
    pub reason: String,
}

/// Counts skipped rows by reason and keeps the first few as examples.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SkipLog {
    total: u64,
    #[serde(deserialize_with = "kinds")]
    by_kind: BTreeMap<&'static str, u64>,
    examples: Vec<SkipExample>,
}

/// The kinds of skip read back as the program's own texts.
fn kinds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<&'static str, u64>, D::Error> {
    let kinds: BTreeMap<String, u64> = BTreeMap::deserialize(d)?;
    kinds
        .into_iter()
        .map(|(k, n)| {
            let k = crate::events::static_text(
                serde::de::value::StringDeserializer::<D::Error>::new(k),
            )?;
            Ok((k, n))
        })
        .collect()
}

impl SkipLog {
    /// Records a skipped row at `line` of kind `kind`; `detail` is only built for kept examples.
    pub fn record(&mut self, line: u64, kind: &'static str, detail: impl FnOnce() -> String) {
        self.total += 1;
        *self.by_kind.entry(kind).or_default() += 1;
        if self.examples.len() < MAX_EXAMPLES {
            let detail = detail();
            let reason = if detail.is_empty() {
                kind.to_string()
            } else {
                format!("{kind}: {detail}")
            };
            self.examples.push(SkipExample { line, reason });
        }
    }

    /// Adds another log's counts, keeping its examples after ours up to the limit.
    pub fn merge(&mut self, other: SkipLog) {
        self.total += other.total;
        for (k, n) in other.by_kind {
            *self.by_kind.entry(k).or_default() += n;
        }
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }

    /// Total rows skipped.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Skipped rows per reason kind.
    pub fn by_kind(&self) -> &BTreeMap<&'static str, u64> {
        &self.by_kind
    }

    /// The first skipped rows.
    pub fn examples(&self) -> &[SkipExample] {
        &self.examples
    }
}

/// Shortens a field value for an error message, keeping it on one line.
pub fn snippet(b: &[u8]) -> String {
    const MAX: usize = 60;
    let text = super::values::decode_text(&b[..b.len().min(MAX * 4)]);
    let mut out: String = text
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > MAX || b.len() > MAX * 4 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {

    /// A file's skips cross the wire to the engine's client (postcard) and come back whole.
    #[test]
    fn a_skip_log_survives_the_wire() {
        let mut log = SkipLog::default();
        log.record(6, "negative bytes", || "-12".into());
        log.record(9, "bad address", String::new);
        let bytes = postcard::to_allocvec(&log).unwrap();
        let back: SkipLog = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(format!("{back:?}"), format!("{log:?}"));
    }

    use super::*;

    #[test]
    fn counts_all_keeps_few() {
        let mut log = SkipLog::default();
        for i in 0..25 {
            log.record(i, "bad timestamp", || format!("'{i}'"));
        }
        log.record(99, "invalid JSON", String::new);
        assert_eq!(log.total(), 26);
        assert_eq!(log.by_kind()["bad timestamp"], 25);
        assert_eq!(log.examples().len(), MAX_EXAMPLES);
        assert_eq!(log.examples()[3].reason, "bad timestamp: '3'");
    }

    #[test]
    fn snippet_is_short_and_printable() {
        assert_eq!(snippet(b"ab\x01c"), "ab?c");
        assert!(snippet(&[b'x'; 500]).ends_with('…'));
    }
}
