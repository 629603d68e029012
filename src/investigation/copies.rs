//! Copies of the logs kept inside the investigation, so that it opens where the logs are not:
//! each log gzip-compressed and stored in pieces of up to [`PIECE`] bytes, streamed in and
//! out without holding a whole log in memory, and checked against its fingerprint when
//! written back.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use rusqlite::{Connection, Transaction};

use super::files::{same_content, SourceFile};
use super::{Investigation, SaveError};

/// The largest piece of a compressed log in one row.
const PIECE: usize = 4 << 20;

/// How much of a log is compressed to estimate the size of its copy.
const SAMPLE: u64 = 4 << 20;

/// A log copy held in the investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCopy {
    /// The fingerprint of the log it is a copy of.
    pub fingerprint: String,
    /// Its compressed size in bytes.
    pub stored: u64,
}

impl Investigation {
    /// Keeps a compressed copy of the log `f` (read from `f.path`, which must still hold the
    /// bytes `f` records) in the file, replacing an earlier copy of the same log.
    pub fn keep_log(&mut self, f: &SourceFile) -> Result<LogCopy, SaveError> {
        let now = SourceFile::of(&f.path, None)
            .map_err(|e| SaveError(format!("{}: {e}", f.path.display())))?;
        if !same_content(&now, f) {
            return Err(SaveError(format!(
                "{} changed since it was read; read it again before keeping a copy",
                f.path.display()
            )));
        }
        let mut input = BufReader::new(
            File::open(&f.path).map_err(|e| SaveError(format!("{}: {e}", f.path.display())))?,
        );
        self.write(|tx| {
            tx.execute(
                "DELETE FROM log_copies WHERE fingerprint = ?1",
                [&f.fingerprint],
            )?;
            let mut out = GzEncoder::new(
                Pieces {
                    tx,
                    fingerprint: &f.fingerprint,
                    seq: 0,
                    buf: Vec::with_capacity(PIECE),
                    stored: 0,
                },
                Compression::fast(),
            );
            io::copy(&mut input, &mut out)
                .map_err(|e| SaveError(format!("{}: {e}", f.path.display())))?;
            let mut pieces = out.finish().map_err(|e| SaveError(e.to_string()))?;
            pieces.flush().map_err(|e| SaveError(e.to_string()))?;
            Ok(LogCopy {
                fingerprint: f.fingerprint.clone(),
                stored: pieces.stored,
            })
        })
    }

    /// The log copies the file holds.
    pub fn log_copies(&self) -> Result<Vec<LogCopy>, SaveError> {
        let mut stmt = self.conn.prepare(
            "SELECT fingerprint, sum(length(piece)) FROM log_copies
             GROUP BY fingerprint ORDER BY fingerprint",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LogCopy {
                fingerprint: r.get(0)?,
                stored: r.get::<_, i64>(1)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes the copy of the log `f` to `to` (through a temporary beside it, so a failed
    /// write leaves nothing half-written; a copy that does not match is removed). Returns `false` when the file holds no copy of it;
    /// a copy that does not give back the recorded bytes is an error.
    pub fn restore_log(&self, f: &SourceFile, to: &Path) -> Result<bool, SaveError> {
        if !self.holds_copy(&f.fingerprint)? {
            return Ok(false);
        }
        let err = |e: io::Error| SaveError(format!("{}: {e}", to.display()));
        crate::session::write_atomic_with(to, |w| {
            let mut input = GzDecoder::new(PieceReader {
                conn: &self.conn,
                fingerprint: &f.fingerprint,
                seq: 0,
                piece: Vec::new(),
                at: 0,
            });
            io::copy(&mut input, w).map(|_| ())
        })
        .map_err(err)?;
        let written = SourceFile::of(to, None).map_err(err)?;
        if !same_content(&written, f) {
            let _ = std::fs::remove_file(to);
            return Err(SaveError(format!(
                "the copy of {} kept in the investigation does not match the log it was made \
                 from",
                f.path.display()
            )));
        }
        Ok(true)
    }

    /// Removes every log copy from the file.
    pub fn drop_log_copies(&mut self) -> Result<(), SaveError> {
        self.write(|tx| {
            tx.execute("DELETE FROM log_copies", [])?;
            Ok(())
        })
    }

    /// Whether the file holds a copy of the log with this fingerprint.
    pub fn holds_copy(&self, fingerprint: &str) -> Result<bool, SaveError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM log_copies WHERE fingerprint = ?1)",
            [fingerprint],
            |r| r.get(0),
        )?)
    }
}

/// About how many bytes a copy of the log at `path` takes in the investigation: its size
/// times the compression of its first few MiB.
pub fn estimated_copy_size(path: &Path) -> io::Result<u64> {
    let size = std::fs::metadata(path)?.len();
    let mut sample = Vec::new();
    File::open(path)?.take(SAMPLE).read_to_end(&mut sample)?;
    if sample.is_empty() {
        return Ok(0);
    }
    let mut out = GzEncoder::new(Vec::new(), Compression::fast());
    out.write_all(&sample)?;
    let packed = out.finish()?.len() as f64;
    Ok((size as f64 * packed / sample.len() as f64).ceil() as u64)
}

/// Takes the compressed stream and stores it as numbered pieces.
struct Pieces<'a, 'c> {
    tx: &'a Transaction<'c>,
    fingerprint: &'a str,
    seq: i64,
    buf: Vec<u8>,
    stored: u64,
}

impl Pieces<'_, '_> {
    fn store(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.tx
            .execute(
                "INSERT INTO log_copies (fingerprint, seq, piece) VALUES (?1, ?2, ?3)",
                rusqlite::params![self.fingerprint, self.seq, self.buf],
            )
            .map_err(io::Error::other)?;
        self.stored += self.buf.len() as u64;
        self.seq += 1;
        self.buf.clear();
        Ok(())
    }
}

impl Write for Pieces<'_, '_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(PIECE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == PIECE {
            self.store()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.store()
    }
}

/// Reads a stored copy's pieces back in order, one piece in memory at a time.
struct PieceReader<'a> {
    conn: &'a Connection,
    fingerprint: &'a str,
    seq: i64,
    piece: Vec<u8>,
    at: usize,
}

impl Read for PieceReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.piece.len() {
            let next: Option<Vec<u8>> = match self.conn.query_row(
                "SELECT piece FROM log_copies WHERE fingerprint = ?1 AND seq = ?2",
                rusqlite::params![self.fingerprint, self.seq],
                |r| r.get(0),
            ) {
                Ok(p) => Some(p),
                Err(rusqlite::Error::QueryReturnedNoRows) => None,
                Err(e) => return Err(io::Error::other(e)),
            };
            match next {
                Some(p) => {
                    self.piece = p;
                    self.at = 0;
                    self.seq += 1;
                }
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.piece.len() - self.at);
        out[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_larger_than_a_piece_comes_back_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("conn.log");
        // Poorly compressible bytes (a simple generator, not data), so several pieces fill.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let bytes: Vec<u8> = (0..(PIECE * 2 + 12_345))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(&log, &bytes).unwrap();
        let seen = SourceFile::of(&log, None).unwrap();
        let mut inv = Investigation::create(&dir.path().join("case.netsleuth")).unwrap();
        let copy = inv.keep_log(&seen).unwrap();
        assert!(copy.stored > 2 * PIECE as u64, "{copy:?}");
        assert_eq!(inv.log_copies().unwrap(), vec![copy]);
        let pieces: i64 = inv
            .conn
            .query_row("SELECT count(*) FROM log_copies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(pieces, 3);

        let back = dir.path().join("restored.log");
        assert!(inv.restore_log(&seen, &back).unwrap());
        assert_eq!(std::fs::read(&back).unwrap(), bytes);

        let other = SourceFile {
            fingerprint: "xxh3:none".into(),
            ..seen.clone()
        };
        assert!(!inv.restore_log(&other, &dir.path().join("x")).unwrap());
        inv.drop_log_copies().unwrap();
        assert!(inv.log_copies().unwrap().is_empty());
    }

    #[test]
    fn a_changed_log_is_not_copied_and_the_estimate_is_near() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        let line = b"203.0.113.9 - - [19/May/2018:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";
        std::fs::write(&log, line.repeat(10_000)).unwrap();
        let seen = SourceFile::of(&log, None).unwrap();
        let estimate = estimated_copy_size(&log).unwrap();
        let mut inv = Investigation::create(&dir.path().join("case.netsleuth")).unwrap();
        let copy = inv.keep_log(&seen).unwrap();
        assert!(copy.stored < 20_000, "{copy:?}");
        assert!(estimate.abs_diff(copy.stored) < copy.stored, "{estimate}");

        std::fs::write(&log, line.repeat(10_001)).unwrap();
        let e = inv.keep_log(&seen).unwrap_err();
        assert!(e.0.contains("changed since it was read"), "{e}");
    }
}
