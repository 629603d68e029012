//! The investigation file's schema and its migrations: each migration is the SQL that takes a
//! file from one version to the next, run in one transaction with the version it reaches.

use rusqlite::{Connection, Transaction};

/// Marks a SQLite file as a netsleuth investigation (`PRAGMA application_id`, "NSLT").
pub const APPLICATION_ID: i32 = 0x4e53_4c54;

/// The migrations in order: `MIGRATIONS[v]` takes a file of version `v` to `v + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first layout.
    "CREATE TABLE meta (
         key   TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );
     CREATE TABLE files (
         id          INTEGER PRIMARY KEY,
         path        TEXT NOT NULL UNIQUE,
         size        INTEGER NOT NULL,
         modified    INTEGER NOT NULL,
         fingerprint TEXT NOT NULL,
         format      TEXT
     );
     CREATE TABLE settings (
         key   TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );
     CREATE TABLE models (
         key   TEXT PRIMARY KEY,
         model BLOB NOT NULL
     );
     CREATE TABLE annotations (
         ip         TEXT PRIMARY KEY,
         verdict    TEXT NOT NULL,
         note       TEXT NOT NULL,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE bookmarks (
         id         INTEGER PRIMARY KEY,
         file       TEXT NOT NULL,
         line       INTEGER NOT NULL,
         note       TEXT NOT NULL,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE blocklist (
         net   TEXT PRIMARY KEY,
         entry TEXT NOT NULL
     );
     CREATE TABLE blocklist_history (
         id     INTEGER PRIMARY KEY,
         at     INTEGER NOT NULL,
         change TEXT NOT NULL
     );",
    // 2: a CSV's column mapping beside its format, and copies of the logs kept inside the
    // file (gzip, in pieces of up to 4 MiB, so that no row nears SQLite's blob limit).
    "ALTER TABLE files ADD COLUMN mapping TEXT;
     CREATE TABLE log_copies (
         fingerprint TEXT NOT NULL,
         seq         INTEGER NOT NULL,
         piece       BLOB NOT NULL,
         PRIMARY KEY (fingerprint, seq)
     );",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The schema version of an open file (`PRAGMA user_version`).
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

/// The file's application id (`PRAGMA application_id`): [`APPLICATION_ID`] for ours, 0 for
/// a new empty database.
pub fn application_id(conn: &Connection) -> rusqlite::Result<i32> {
    conn.query_row("PRAGMA application_id", [], |r| r.get(0))
}

/// Brings a file of an older version (0 for a new one) up to [`SCHEMA_VERSION`], each step
/// in its own transaction. The caller has checked that the file is not newer.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let from = version(conn)?;
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        step(&tx, sql, v as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn step(tx: &Transaction<'_>, sql: &str, to: u32) -> rusqlite::Result<()> {
    tx.execute_batch(sql)?;
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {to};"
    ))?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [to.to_string()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_reaches_the_current_version_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(version(&conn).unwrap(), 0);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(application_id(&conn).unwrap(), APPLICATION_ID);
        let recorded: String = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(recorded, SCHEMA_VERSION.to_string());
        // Migrating again changes nothing and does not fail on existing tables.
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_version_1_file_gains_mappings_and_log_copies_keeping_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        step(&tx, MIGRATIONS[0], 1).unwrap();
        tx.commit().unwrap();
        conn.execute(
            "INSERT INTO files (path, size, modified, fingerprint, format)
             VALUES ('/logs/a.csv', 10, 0, 'xxh3:0', NULL)",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), SCHEMA_VERSION);
        let (path, mapping): (String, Option<String>) = conn
            .query_row("SELECT path, mapping FROM files", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((path.as_str(), mapping), ("/logs/a.csv", None));
        let copies: i64 = conn
            .query_row("SELECT count(*) FROM log_copies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(copies, 0);
    }

    #[test]
    fn a_failed_step_leaves_the_file_at_its_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE meta (x)").unwrap();
        assert!(migrate(&mut conn).is_err());
        assert_eq!(version(&conn).unwrap(), 0);
        assert_eq!(application_id(&conn).unwrap(), 0);
    }
}
