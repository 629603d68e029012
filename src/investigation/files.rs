//! The logs an investigation reads, as it last saw them: path, size, modification time and a
//! content fingerprint, so that a moved or changed log is noticed before it is read again.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use xxhash_rust::xxh3::Xxh3;

use crate::ingest::ColumnMapping;

/// Bytes read from each end of a file for its fingerprint.
const FINGERPRINT_SPAN: u64 = 1 << 20;

/// One log of an investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time, seconds since 1970.
    pub modified: i64,
    /// A hash of its size and its first and last MiB (the whole file when smaller).
    pub fingerprint: String,
    /// The format it was read as, when the analyst chose it.
    pub format: Option<String>,
    /// The column mapping it was read with (a CSV of no known layout), when one was given.
    pub mapping: Option<ColumnMapping>,
}

impl SourceFile {
    /// Describes the file at `path` as it is now.
    pub fn of(path: &Path, format: Option<String>) -> io::Result<SourceFile> {
        let meta = std::fs::metadata(path)?;
        Ok(SourceFile {
            path: path.to_path_buf(),
            size: meta.len(),
            modified: modified(&meta),
            fingerprint: fingerprint(path)?,
            format,
            mapping: None,
        })
    }
}

/// What became of a log since the investigation last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Same size, time and content.
    Unchanged,
    /// Nothing readable is at its path any more: it was moved or deleted.
    Missing,
    /// Something else is there now, in words ("grew from 1,204 to 1,530 bytes").
    Changed(String),
}

/// Compares the file at `f.path` with what the investigation recorded.
pub fn check(f: &SourceFile) -> FileState {
    let Ok(now) = SourceFile::of(&f.path, None) else {
        return FileState::Missing;
    };
    if now.size != f.size {
        let how = if now.size > f.size { "grew" } else { "shrank" };
        return FileState::Changed(format!("{how} from {} to {} bytes", f.size, now.size));
    }
    if now.fingerprint != f.fingerprint {
        return FileState::Changed("its content changed".to_string());
    }
    // A touched file with the same bytes is the same log.
    FileState::Unchanged
}

/// Looks for a moved log in `folders`: a file of the same name, size and fingerprint.
pub fn find_moved(f: &SourceFile, folders: &[PathBuf]) -> Option<PathBuf> {
    let name = f.path.file_name()?;
    folders
        .iter()
        .map(|d| d.join(name))
        .find(|p| SourceFile::of(p, None).is_ok_and(|n| same_content(&n, f)))
}

/// Whether `new` holds the same bytes as the recorded `old`, as far as size and fingerprint
/// tell.
pub fn same_content(new: &SourceFile, old: &SourceFile) -> bool {
    new.size == old.size && new.fingerprint == old.fingerprint
}

fn modified(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}

/// The size and the first and last [`FINGERPRINT_SPAN`] bytes, hashed (xxh3-128): cheap on a
/// 40 GB log, and any append, truncation or rewrite of either end changes it.
fn fingerprint(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut h = Xxh3::new();
    h.update(&size.to_le_bytes());
    let mut buf = vec![0u8; 64 * 1024];
    let mut hash = |file: &mut File, len: u64| -> io::Result<()> {
        let mut left = len;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            left -= n as u64;
        }
        Ok(())
    };
    hash(&mut file, size.min(FINGERPRINT_SPAN))?;
    if size > FINGERPRINT_SPAN {
        let tail = size.saturating_sub(FINGERPRINT_SPAN).max(FINGERPRINT_SPAN);
        file.seek(SeekFrom::Start(tail))?;
        hash(&mut file, size - tail)?;
    }
    Ok(format!("xxh3:{:032x}", h.digest128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_and_moves_are_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        std::fs::write(&path, b"1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 5\n").unwrap();
        let seen = SourceFile::of(&path, None).unwrap();
        assert_eq!(check(&seen), FileState::Unchanged);

        std::fs::write(&path, b"1.2.3.5 - - [x] \"GET / HTTP/1.1\" 200 5\n").unwrap();
        assert_eq!(
            check(&seen),
            FileState::Changed("its content changed".into())
        );
        std::fs::write(&path, b"1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 5\nmore\n").unwrap();
        assert!(matches!(check(&seen), FileState::Changed(m) if m.starts_with("grew from")));

        std::fs::write(&path, b"1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 5\n").unwrap();
        let moved = dir.path().join("elsewhere");
        std::fs::create_dir(&moved).unwrap();
        std::fs::rename(&path, moved.join("access.log")).unwrap();
        assert_eq!(check(&seen), FileState::Missing);
        assert_eq!(
            find_moved(&seen, &[dir.path().to_path_buf(), moved.clone()]),
            Some(moved.join("access.log"))
        );
    }

    #[test]
    fn the_fingerprint_sees_both_ends_of_a_large_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let mut bytes = vec![b'a'; 3 << 20];
        std::fs::write(&path, &bytes).unwrap();
        let before = SourceFile::of(&path, None).unwrap();
        let last = bytes.len() - 1;
        bytes[last] = b'b';
        std::fs::write(&path, &bytes).unwrap();
        assert_ne!(
            SourceFile::of(&path, None).unwrap().fingerprint,
            before.fingerprint
        );
    }
}
