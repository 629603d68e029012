//! One blocklist entry and the allowlist's entries.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use crate::detection::Direction;

/// What a WAF or firewall should do with traffic from an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Drop or refuse every request.
    Block,
    /// Let requests through up to a rate.
    RateLimit,
    /// Ask for a challenge (CAPTCHA, JavaScript) before letting through.
    Challenge,
    /// Let through and log.
    Monitor,
}

impl Action {
    /// Every action, in menu order.
    pub const ALL: [Action; 4] = [
        Action::Block,
        Action::RateLimit,
        Action::Challenge,
        Action::Monitor,
    ];

    /// The action's name in files and on the command line: `block`, `rate-limit`, ...
    pub fn name(self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::RateLimit => "rate-limit",
            Action::Challenge => "challenge",
            Action::Monitor => "monitor",
        }
    }

    /// The action named `s`.
    pub fn from_name(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s.trim())
    }
}

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Proposed by detection at the auto-block threshold and accepted.
    Detection,
    /// Typed by the analyst.
    Manual,
    /// Read from a list file.
    Import,
    /// Picked in a view (alerts selection, scatter box, map box).
    Selection,
    /// A `block` decision of an earlier version's `decisions.json`.
    Migrated,
}

impl Origin {
    /// The origin's name in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Detection => "detection",
            Origin::Manual => "manual",
            Origin::Import => "import",
            Origin::Selection => "selection",
            Origin::Migrated => "migrated",
        }
    }

    /// The origin named `s`.
    pub fn from_name(s: &str) -> Option<Origin> {
        [
            Origin::Detection,
            Origin::Manual,
            Origin::Import,
            Origin::Selection,
            Origin::Migrated,
        ]
        .into_iter()
        .find(|o| o.name() == s.trim())
    }
}

/// One address or network on the blocklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The address (/32, /128) or network, host bits clear.
    pub net: IpNet,
    /// What to do with its traffic.
    pub action: Action,
    /// Why it is on the list (from detection: its findings or top reason).
    #[serde(default)]
    pub reason: String,
    /// Detection's confidence (0-100) when the entry came from detection.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Where it came from.
    pub origin: Origin,
    /// When it was added, seconds since 1970 (UTC).
    pub added_at: i64,
    /// The analyst's note.
    #[serde(default)]
    pub note: String,
    /// When it stops applying, seconds since 1970 (UTC); `None` for never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Which traffic it stops: from the address (an attacker), to it (a server malware
    /// calls), or both. Entries saved before directions existed block inbound.
    #[serde(default)]
    pub direction: Direction,
    /// The log files behind it (those detection read when it proposed the entry, or the
    /// list it was imported from); empty for an analyst's own entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

impl Entry {
    /// A new entry for `net` that blocks, added now by `origin`.
    pub fn new(net: IpNet, origin: Origin, reason: impl Into<String>) -> Entry {
        Entry {
            net,
            action: Action::Block,
            reason: reason.into(),
            confidence: None,
            origin,
            added_at: now(),
            note: String::new(),
            expires_at: None,
            direction: Direction::Inbound,
            files: Vec::new(),
        }
    }

    /// Whether the entry has expired at `at` (seconds since 1970).
    pub fn expired(&self, at: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
    }
}

/// A network that must never be blocked: the analyst's own or a partner's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowEntry {
    /// The network.
    pub net: IpNet,
    /// Why it is allowed.
    #[serde(default)]
    pub note: String,
    /// When it was added, seconds since 1970 (UTC).
    pub added_at: i64,
}

/// Seconds since 1970, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `secs` (since 1970, UTC) as `2018-05-19T18:04:05Z`.
pub fn format_time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Reads `2018-05-19T18:04:05Z`, `2018-05-19 18:04:05` or `2018-05-19` (UTC) as seconds
/// since 1970.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        let t = parse_time("2018-05-19T18:04:05Z").unwrap();
        assert_eq!(t, 1_526_753_045);
        assert_eq!(format_time(t), "2018-05-19T18:04:05Z");
        assert_eq!(parse_time("2018-05-19 18:04:05"), Some(t));
        assert_eq!(parse_time("2018-05-19"), Some(1_526_688_000));
        assert_eq!(parse_time("tomorrow"), None);
    }

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Origin::from_name("import"), Some(Origin::Import));
    }
}
