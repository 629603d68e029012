//! An investigation: one SQLite file (`.netsleuth`) per case, holding the logs it reads (with
//! fingerprints), its settings and trained models, the analyst's verdicts, notes and
//! bookmarks, and its blocklist with the history of its changes. Every change is one
//! transaction, so a crash loses nothing saved before it; the file reads with any SQLite
//! tool; the schema is versioned and migrated by code ([`schema`]).
//!
//! A file of a newer schema, or one that is damaged or not an investigation, is refused
//! before anything is written to it.

mod annotations;
mod copies;
mod files;
mod lists;
pub mod schema;
mod settings;

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, Transaction};

pub use annotations::{AnalystVerdict, Annotation, Bookmark};
pub use copies::{estimated_copy_size, LogCopy};
pub use files::{check, find_moved, same_content, FileState, SourceFile};
pub use lists::publish;
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use settings::SavedSettings;

/// The extension of investigation files.
pub const EXTENSION: &str = "netsleuth";

/// Whether `path` names an investigation file, by its extension.
pub fn is_investigation_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(EXTENSION))
}

/// Why an investigation file cannot be opened; the file is left as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// A later netsleuth wrote it.
    Newer {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
    },
    /// It is not a netsleuth investigation (another SQLite database, or no database).
    NotInvestigation {
        /// The file.
        path: PathBuf,
    },
    /// SQLite finds it damaged.
    Damaged {
        /// The file.
        path: PathBuf,
        /// What SQLite says.
        detail: String,
    },
    /// It cannot be read or created.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Newer { path, found } => write!(
                f,
                "{}: written by a newer netsleuth (investigation schema {found}; this one reads up \
                 to {SCHEMA_VERSION}); it was left unchanged",
                path.display()
            ),
            OpenError::NotInvestigation { path } => write!(
                f,
                "{}: not a netsleuth investigation; it was left unchanged",
                path.display()
            ),
            OpenError::Damaged { path, detail } => write!(
                f,
                "{}: the investigation file is damaged ({detail}); it was left unchanged",
                path.display()
            ),
            OpenError::Io { path, detail } => write!(f, "{}: {detail}", path.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// A change that could not be saved; the file keeps what it held before the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveError(pub String);

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not save the investigation: {}", self.0)
    }
}

impl std::error::Error for SaveError {}

impl From<rusqlite::Error> for SaveError {
    fn from(e: rusqlite::Error) -> Self {
        SaveError(e.to_string())
    }
}

/// An open investigation file.
pub struct Investigation {
    conn: Connection,
    path: PathBuf,
}

impl fmt::Debug for Investigation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Investigation")
            .field("path", &self.path)
            .finish()
    }
}

impl Investigation {
    /// Creates a new investigation at `path`; an existing file there is refused.
    pub fn create(path: &Path) -> Result<Investigation, OpenError> {
        let io = |detail: String| OpenError::Io {
            path: path.to_path_buf(),
            detail,
        };
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(io("a file is already there".into()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| io(e.to_string()))?;
        configure(&conn).map_err(|e| io(e.to_string()))?;
        schema::migrate(&mut conn).map_err(|e| io(e.to_string()))?;
        Ok(Investigation {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens the investigation at `path`, migrating an older file. A newer, damaged or
    /// foreign file is refused before anything is written to it.
    pub fn open(path: &Path) -> Result<Investigation, OpenError> {
        let p = || path.to_path_buf();
        let meta = std::fs::metadata(path).map_err(|e| OpenError::Io {
            path: p(),
            detail: e.to_string(),
        })?;
        if !meta.is_file() {
            return Err(OpenError::NotInvestigation { path: p() });
        }
        let mut head = [0u8; 16];
        let read = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|e| OpenError::Io {
                path: p(),
                detail: e.to_string(),
            })?;
        if read < 16 || &head != b"SQLite format 3\0" {
            return Err(OpenError::NotInvestigation { path: p() });
        }
        // Look first without the right to write: nothing is changed in a file that is refused.
        {
            let ro = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NOFOLLOW,
            )
            .map_err(|e| damaged(path, e))?;
            let app = schema::application_id(&ro).map_err(|e| damaged(path, e))?;
            if app != APPLICATION_ID {
                return Err(OpenError::NotInvestigation { path: p() });
            }
            let found = schema::version(&ro).map_err(|e| damaged(path, e))?;
            if found > SCHEMA_VERSION {
                return Err(OpenError::Newer { path: p(), found });
            }
            let check: String = ro
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(|e| damaged(path, e))?;
            if check != "ok" {
                return Err(OpenError::Damaged {
                    path: p(),
                    detail: check,
                });
            }
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .map_err(|e| damaged(path, e))?;
        configure(&conn).map_err(|e| damaged(path, e))?;
        schema::migrate(&mut conn).map_err(|e| damaged(path, e))?;
        Ok(Investigation { conn, path: p() })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The investigation's name: its file name without the extension.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Runs `f` in one transaction: all of it is saved, or none.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, SaveError>,
    ) -> Result<T, SaveError> {
        let tx = self.conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Records the logs the investigation reads, replacing the earlier list.
    pub fn set_files(&mut self, files: &[SourceFile]) -> Result<(), SaveError> {
        self.write(|tx| {
            tx.execute("DELETE FROM files", [])?;
            for f in files {
                let mapping = f
                    .mapping
                    .as_ref()
                    .map(|m| serde_json::to_string(&m.pairs))
                    .transpose()
                    .map_err(|e| SaveError(e.to_string()))?;
                tx.execute(
                    "INSERT INTO files (path, size, modified, fingerprint, format, mapping)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![
                        f.path.to_string_lossy(),
                        f.size as i64,
                        f.modified,
                        f.fingerprint,
                        f.format,
                        mapping
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The logs the investigation reads, in the order they were recorded.
    pub fn files(&self) -> Result<Vec<SourceFile>, SaveError> {
        let mut stmt = self.conn.prepare(
            "SELECT path, size, modified, fingerprint, format, mapping FROM files ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                SourceFile {
                    path: PathBuf::from(r.get::<_, String>(0)?),
                    size: r.get::<_, i64>(1)?.max(0) as u64,
                    modified: r.get(2)?,
                    fingerprint: r.get(3)?,
                    format: r.get(4)?,
                    mapping: None,
                },
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut files = Vec::new();
        for row in rows {
            let (mut f, mapping) = row?;
            if let Some(json) = mapping {
                let pairs: Vec<(String, String)> = serde_json::from_str(&json).map_err(|e| {
                    SaveError(format!("the column mapping of {}: {e}", f.path.display()))
                })?;
                f.mapping = Some(crate::ingest::ColumnMapping { pairs });
            }
            files.push(f);
        }
        Ok(files)
    }

    /// Points a recorded log at its new place (after the analyst relocated it).
    pub fn relocate(&mut self, old: &Path, new: &Path) -> Result<(), SaveError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE files SET path = ?2 WHERE path = ?1",
                [old.to_string_lossy(), new.to_string_lossy()],
            )?;
            Ok(())
        })
    }

    /// Keeps the trained models named by `keys` (from [`crate::detection::LevelScores`])
    /// found in `cache_dir`, so that the investigation reopens with the same verdicts on a
    /// machine without them. Returns how many it holds for these keys.
    pub fn keep_models(&mut self, cache_dir: &Path, keys: &[String]) -> Result<usize, SaveError> {
        self.write(|tx| {
            let mut kept = 0;
            for key in keys {
                if let Some(bytes) = crate::detection::model_bytes(cache_dir, key) {
                    tx.execute(
                        "INSERT OR REPLACE INTO models (key, model) VALUES (?1, ?2)",
                        rusqlite::params![key, bytes],
                    )?;
                    kept += 1;
                }
            }
            Ok(kept)
        })
    }

    /// Puts the investigation's models into `cache_dir` where they are missing, so that
    /// detection finds them. Returns how many it wrote.
    pub fn restore_models(&self, cache_dir: &Path) -> Result<usize, SaveError> {
        let mut stmt = self.conn.prepare("SELECT key, model FROM models")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut written = 0;
        for row in rows {
            let (key, bytes) = row?;
            if crate::detection::restore_model(cache_dir, &key, &bytes)
                .map_err(|e| SaveError(format!("model {key}: {e}")))?
            {
                written += 1;
            }
        }
        Ok(written)
    }
}

/// Durable transactions in one file: a rollback journal beside it only while a change is
/// written, every commit synced.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
}

fn damaged(path: &Path, e: rusqlite::Error) -> OpenError {
    OpenError::Damaged {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}
