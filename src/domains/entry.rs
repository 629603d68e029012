//! One domain blocklist entry, and the allowlist's entries.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::name::DomainName;
use crate::blocklist::now;

/// What a resolver answers for a blocked name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// "No such name" (hosts files, which cannot say it, answer 0.0.0.0 and ::).
    Nxdomain,
    /// This address, so that the hosts that still ask show up at the sinkhole.
    Sinkhole(IpAddr),
}

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Proposed by detection and accepted.
    Detection,
    /// Typed by the analyst.
    Manual,
    /// Read from a list file.
    Import,
}

impl Origin {
    /// The origin's name in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Detection => "detection",
            Origin::Manual => "manual",
            Origin::Import => "import",
        }
    }
}

/// One name on the domain blocklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEntry {
    /// The name (one entry per name).
    pub name: DomainName,
    /// Whether every name under it is blocked too.
    pub subdomains: bool,
    /// What resolvers answer for it.
    pub action: Action,
    /// Why it is on the list (from detection: the finding).
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
    /// The addresses the name was seen resolving to or served from.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
    /// The files it was seen in, or the list it was imported from.
    #[serde(default)]
    pub files: Vec<String>,
    /// The finding's evidence (log lines, signatures), when it came from detection.
    #[serde(default)]
    pub evidence: Vec<String>,
}

impl DomainEntry {
    /// A new entry answering NXDOMAIN for `name` alone, added now by `origin`.
    pub fn new(name: DomainName, origin: Origin, reason: impl Into<String>) -> DomainEntry {
        DomainEntry {
            name,
            subdomains: false,
            action: Action::Nxdomain,
            reason: reason.into(),
            confidence: None,
            origin,
            added_at: now(),
            note: String::new(),
            expires_at: None,
            addresses: Vec::new(),
            files: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// Whether the entry has expired at `at` (seconds since 1970).
    pub fn expired(&self, at: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
    }

    /// The name as the analyst reads it: `*.` first when subdomains are included.
    pub fn pattern(&self) -> String {
        if self.subdomains {
            format!("*.{}", self.name)
        } else {
            self.name.to_string()
        }
    }

    /// Whether this entry blocks `name`.
    pub fn covers(&self, name: &DomainName) -> bool {
        self.name == *name || (self.subdomains && name.is_within(&self.name))
    }
}

/// A name that must never be blocked, with every name under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowedDomain {
    /// The name.
    pub name: DomainName,
    /// Why it is allowed.
    #[serde(default)]
    pub note: String,
    /// When it was added, seconds since 1970 (UTC).
    pub added_at: i64,
}
