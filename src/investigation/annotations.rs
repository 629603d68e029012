//! What the analyst says about the case: a verdict and a Markdown note per source, the case
//! summary, and bookmarked events.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Investigation, SaveError};

/// The analyst's verdict on a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalystVerdict {
    /// Not judged yet.
    #[default]
    Unknown,
    /// Detection was right: it is malicious.
    TruePositive,
    /// Detection was wrong about it.
    FalsePositive,
    /// Not malicious, and not flagged wrongly either: known and harmless.
    Benign,
}

impl AnalystVerdict {
    /// Every verdict, in the order menus list them.
    pub const ALL: [AnalystVerdict; 4] = [
        AnalystVerdict::Unknown,
        AnalystVerdict::TruePositive,
        AnalystVerdict::FalsePositive,
        AnalystVerdict::Benign,
    ];

    /// The verdict's name in files: `unknown`, `true-positive`, `false-positive`, `benign`.
    pub fn name(self) -> &'static str {
        match self {
            AnalystVerdict::Unknown => "unknown",
            AnalystVerdict::TruePositive => "true-positive",
            AnalystVerdict::FalsePositive => "false-positive",
            AnalystVerdict::Benign => "benign",
        }
    }

    /// The verdict in words, for the window and the report.
    pub fn label(self) -> &'static str {
        match self {
            AnalystVerdict::Unknown => "not judged",
            AnalystVerdict::TruePositive => "true positive",
            AnalystVerdict::FalsePositive => "false positive",
            AnalystVerdict::Benign => "benign",
        }
    }

    /// The verdict named `s`.
    pub fn from_name(s: &str) -> Option<AnalystVerdict> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// The analyst's verdict and note on one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// The verdict.
    pub verdict: AnalystVerdict,
    /// The note, Markdown.
    pub note: String,
    /// When it last changed, seconds since 1970.
    pub updated_at: i64,
}

impl Annotation {
    /// Whether it says nothing (no verdict, no note).
    pub fn is_empty(&self) -> bool {
        self.verdict == AnalystVerdict::Unknown && self.note.trim().is_empty()
    }
}

/// An event the analyst marked: its file and line, with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    /// The file's path as the investigation records it.
    pub file: String,
    /// The event's line (1-based).
    pub line: u64,
    /// Why it matters.
    pub note: String,
    /// When it was made, seconds since 1970.
    pub created_at: i64,
}

impl Investigation {
    /// Records the analyst's verdict and note on `ip`; an empty one removes the record.
    pub fn set_annotation(&mut self, ip: IpAddr, a: &Annotation) -> Result<(), SaveError> {
        self.write(|tx| {
            if a.is_empty() {
                tx.execute("DELETE FROM annotations WHERE ip = ?1", [ip.to_string()])?;
            } else {
                tx.execute(
                    "INSERT INTO annotations (ip, verdict, note, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (ip) DO UPDATE SET verdict = excluded.verdict,
                         note = excluded.note, updated_at = excluded.updated_at",
                    params![ip.to_string(), a.verdict.name(), a.note, a.updated_at],
                )?;
            }
            Ok(())
        })
    }

    /// Every source's verdict and note. Rows a later version wrote in ways this one does not
    /// know (an unknown verdict, an unreadable address) read as unknown or are skipped.
    pub fn annotations(&self) -> Result<BTreeMap<IpAddr, Annotation>, SaveError> {
        let mut stmt = self
            .conn
            .prepare("SELECT ip, verdict, note, updated_at FROM annotations")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (ip, verdict, note, updated_at) = row?;
            if let Ok(ip) = ip.parse() {
                let verdict = AnalystVerdict::from_name(&verdict).unwrap_or_default();
                out.insert(
                    ip,
                    Annotation {
                        verdict,
                        note,
                        updated_at,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Sets the case summary (Markdown) shown first in the report.
    pub fn set_summary(&mut self, text: &str) -> Result<(), SaveError> {
        self.put_setting_text("summary", text)
    }

    /// The case summary; empty when none was written.
    pub fn summary(&self) -> Result<String, SaveError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'summary'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Adds a bookmark.
    pub fn add_bookmark(&mut self, b: &Bookmark) -> Result<(), SaveError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO bookmarks (file, line, note, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![b.file, b.line as i64, b.note, b.created_at],
            )?;
            Ok(())
        })
    }

    /// The bookmarks, oldest first.
    pub fn bookmarks(&self) -> Result<Vec<Bookmark>, SaveError> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, line, note, created_at FROM bookmarks ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Bookmark {
                file: r.get(0)?,
                line: r.get::<_, i64>(1)?.max(0) as u64,
                note: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
