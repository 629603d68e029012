//! Following files as they grow, with `tail -F` semantics and without its losses.
//!
//! A [`Follower`] reads the complete lines appended to a file since its last poll. It notices
//! the two ways logs are rotated and loses nothing to either:
//! - **rename** (`access.log` becomes `access.log.1`, a new `access.log` appears): the old
//!   file is read to its end through the handle still open, then the new one from its start;
//! - **copy-truncate** (the content is copied to `access.log.1`, then `access.log` is cut to
//!   nothing): the lines written after the last poll are in the copy only, so the copy is
//!   found in the folder by its first bytes and read from the position reached, then the
//!   truncated file from its start. (`tail -F` loses those lines.)
//!
//! The [`Position`] (device, inode, offset and the file's first bytes) is what a consumer
//! commits once the lines before it are processed; given back to [`Follower::resume`] after a
//! restart, reading goes on from there, through any rotation that happened meanwhile. A
//! [`FolderWatch`] follows every file of a folder whose name matches, and picks up new ones.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many of a file's first bytes identify it (and find its copy after copy-truncate).
const HEAD: usize = 256;

/// Bytes read from a file in one go.
const CHUNK: usize = 1 << 20;

/// Where reading a file has reached: what a consumer commits once the lines before it are
/// processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The path followed.
    pub path: PathBuf,
    /// Device and inode of the file being read (after a rename, the renamed one until it
    /// has been read to its end).
    pub dev: u64,
    /// See [`Position::dev`].
    pub ino: u64,
    /// Bytes read and handed out as complete lines.
    pub offset: u64,
    /// The file's first bytes (up to 256), as read when it was opened: a file with other
    /// first bytes under the same inode was truncated and written again.
    #[serde(with = "hex_bytes")]
    pub head: Vec<u8>,
}

/// A complete line, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The text.
    pub bytes: Vec<u8>,
    /// The file it was read from (a rotated copy's own name when it came from one).
    pub file: PathBuf,
    /// Its first byte's offset in that file.
    pub offset: u64,
}

/// What one poll noticed besides lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Noticed {
    /// The file was renamed away and a new one read from its start.
    pub renamed: bool,
    /// The file was truncated; the lines it had lost were read from this copy, when one was
    /// found.
    pub truncated: Option<Option<PathBuf>>,
    /// Lines longer than the limit, cut to it.
    pub cut: u64,
}

/// Follows one file.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    /// The file being read, when there is one.
    file: Option<File>,
    pos: Position,
    /// Bytes after the last complete line, waiting for their newline (at most `max_line`).
    partial: Vec<u8>,
    /// Bytes of the waiting line beyond `max_line`, skipped.
    skipped: u64,
    max_line: usize,
}

impl Follower {
    /// Follows `path` from its start (it need not exist yet). Lines longer than `max_line`
    /// bytes are cut to it.
    pub fn new(path: &Path, max_line: usize) -> Follower {
        Follower {
            path: path.to_path_buf(),
            file: None,
            pos: Position {
                path: path.to_path_buf(),
                dev: 0,
                ino: 0,
                offset: 0,
                head: Vec::new(),
            },
            partial: Vec::new(),
            skipped: 0,
            max_line: max_line.max(1),
        }
    }

    /// Follows on from a committed position: the same file where it was left (found in the
    /// folder by its inode if it was renamed meanwhile, by its first bytes if it was
    /// copy-truncated), then on to the file now at the path.
    pub fn resume(pos: Position, max_line: usize) -> Follower {
        let mut f = Follower::new(&pos.path, max_line);
        let same = |m: &fs::Metadata| m.dev() == pos.dev && m.ino() == pos.ino;
        let at_path = fs::metadata(&pos.path).ok();
        let file = match at_path {
            Some(m) if same(&m) => File::open(&pos.path)
                .ok()
                .filter(|file| head_of(file).ok().as_ref() == Some(&pos.head)),
            _ => None,
        };
        let file = file.or_else(|| {
            // Renamed away: the same inode elsewhere in the folder. Copy-truncated: a copy
            // beginning with the same bytes.
            siblings(&pos.path)
                .into_iter()
                .find(|p| fs::metadata(p).is_ok_and(|m| same(&m)))
                .or_else(|| find_copy(&pos.path, &pos.head, pos.offset, None))
                .and_then(|p| File::open(p).ok())
        });
        f.pos = pos;
        if let Some(m) = file.as_ref().and_then(|file| file.metadata().ok()) {
            (f.pos.dev, f.pos.ino) = (m.dev(), m.ino());
        }
        f.file = file;
        if f.file.is_none() {
            // Nothing left of it: start afresh on the file at the path.
            f.pos.dev = 0;
            f.pos.ino = 0;
            f.pos.offset = 0;
            f.pos.head.clear();
        }
        f
    }

    /// The position to commit once the lines handed out so far are processed.
    pub fn position(&self) -> &Position {
        &self.pos
    }

    /// Reads the complete lines written since the last poll into `out`.
    pub fn poll(&mut self, out: &mut Vec<Line>) -> io::Result<Noticed> {
        let mut noticed = Noticed::default();
        if self.file.is_none() && !self.open_at_path()? {
            return Ok(noticed);
        }
        // What is at the path now, against what is being read.
        let at_path = fs::metadata(&self.path).ok();
        let reading = (self.pos.dev, self.pos.ino);
        let replaced = at_path
            .as_ref()
            .is_some_and(|m| (m.dev(), m.ino()) != reading);
        let file = self.file.as_ref().expect("opened above");
        let len = file.metadata()?.len();
        let rewritten = !replaced
            && (len < self.pos.offset
                || (len > 0
                    && !self.pos.head.is_empty()
                    && !head_of(file)?.starts_with(&self.pos.head)));
        if rewritten {
            // Copy-truncated: the lines after our offset are in the copy.
            let copy = find_copy(&self.path, &self.pos.head, self.pos.offset, Some(reading));
            // A copy removed since (by a rotation of its own) has nothing left to give.
            if let Some((c, mut from)) = copy.as_ref().and_then(|c| Some((c, File::open(c).ok()?)))
            {
                self.drain(&mut from, c, out, &mut noticed)?;
            }
            let name = self.path.clone();
            self.finish_partial(out, &name, &mut noticed);
            noticed.truncated = Some(copy);
            self.file = None;
            self.open_at_path()?;
        } else {
            let mut file = self.file.take().expect("opened above");
            let name = self.path.clone();
            self.drain(&mut file, &name, out, &mut noticed)?;
            self.file = Some(file);
            if replaced {
                // Renamed away and read to its end: on to the new file.
                self.finish_partial(out, &name, &mut noticed);
                noticed.renamed = true;
                self.file = None;
                self.open_at_path()?;
            }
        }
        if let Some(mut file) = self.file.take() {
            let name = self.path.clone();
            self.drain(&mut file, &name, out, &mut noticed)?;
            self.file = Some(file);
        }
        Ok(noticed)
    }

    /// Opens the file at the path from its start; whether there is one.
    fn open_at_path(&mut self) -> io::Result<bool> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let m = file.metadata()?;
        self.pos = Position {
            path: self.path.clone(),
            dev: m.dev(),
            ino: m.ino(),
            offset: 0,
            head: head_of(&file)?,
        };
        self.partial.clear();
        self.skipped = 0;
        self.file = Some(file);
        Ok(true)
    }

    /// Reads `file` from the committed offset to its end, handing out complete lines.
    fn drain(
        &mut self,
        file: &mut File,
        name: &Path,
        out: &mut Vec<Line>,
        noticed: &mut Noticed,
    ) -> io::Result<()> {
        let start = self.pos.offset + self.partial.len() as u64 + self.skipped;
        file.seek(SeekFrom::Start(start))?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let mut rest = &buf[..n];
            while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
                self.take(&rest[..nl]);
                self.emit(out, name, noticed, 1);
                rest = &rest[nl + 1..];
            }
            self.take(rest);
        }
        if self.pos.head.len() < HEAD {
            self.pos.head = head_of(file)?;
        }
        Ok(())
    }

    /// Adds bytes to the waiting line, skipping what goes beyond the limit.
    fn take(&mut self, bytes: &[u8]) {
        let room = self.max_line.saturating_sub(self.partial.len());
        let kept = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..kept]);
        self.skipped += (bytes.len() - kept) as u64;
    }

    /// Hands out the waiting line and moves the offset past it and its `ending` (the newline,
    /// or nothing for a file's unterminated last line).
    fn emit(&mut self, out: &mut Vec<Line>, name: &Path, noticed: &mut Noticed, ending: u64) {
        let mut bytes = std::mem::take(&mut self.partial);
        let length = bytes.len() as u64 + self.skipped;
        if self.skipped > 0 {
            noticed.cut += 1;
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        out.push(Line {
            bytes,
            file: name.to_path_buf(),
            offset: self.pos.offset,
        });
        self.pos.offset += length + ending;
        self.skipped = 0;
    }

    /// A file left behind ends its last line without a newline: that is a line too.
    fn finish_partial(&mut self, out: &mut Vec<Line>, name: &Path, noticed: &mut Noticed) {
        if !self.partial.is_empty() || self.skipped > 0 {
            self.emit(out, name, noticed, 0);
        }
    }
}

/// The first bytes of a file (up to [`HEAD`]), read without moving its cursor for others.
fn head_of(file: &File) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; HEAD];
    let mut n = 0;
    while n < HEAD {
        let k = file.read_at(&mut buf[n..], n as u64)?;
        if k == 0 {
            break;
        }
        n += k;
    }
    buf.truncate(n);
    Ok(buf)
}

/// The other files of `path`'s folder, in name order.
fn siblings(path: &Path) -> Vec<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut all: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    all.retain(|p| p != path && p.is_file());
    all.sort();
    all
}

/// The copy of a copy-truncated file: a sibling that begins with the same bytes, at least
/// `offset` long, and not the file itself (`not`, its device and inode).
fn find_copy(path: &Path, head: &[u8], offset: u64, not: Option<(u64, u64)>) -> Option<PathBuf> {
    if head.is_empty() {
        return None;
    }
    siblings(path).into_iter().find(|p| {
        let Ok(m) = fs::metadata(p) else { return false };
        if Some((m.dev(), m.ino())) == not || m.len() < offset {
            return false;
        }
        File::open(p)
            .and_then(|f| head_of(&f))
            .is_ok_and(|h| h.starts_with(head) || head.starts_with(&h) && h.len() as u64 >= offset)
    })
}

/// Follows every file of a folder whose name matches, and new ones as they appear. Rotated
/// copies (`access.log.1`) do not match `*.log` and are read only as their follower needs.
#[derive(Debug)]
pub struct FolderWatch {
    dir: PathBuf,
    suffix: String,
    max_line: usize,
    followers: BTreeMap<PathBuf, Follower>,
}

impl FolderWatch {
    /// Follows the files of `dir` whose names end in `suffix` (`.log`), each from the
    /// position given for it in `resume`, else from its start.
    pub fn new(dir: &Path, suffix: &str, max_line: usize, resume: Vec<Position>) -> FolderWatch {
        let followers = resume
            .into_iter()
            .map(|p| (p.path.clone(), Follower::resume(p, max_line)))
            .collect();
        FolderWatch {
            dir: dir.to_path_buf(),
            suffix: suffix.to_owned(),
            max_line,
            followers,
        }
    }

    /// Reads the new lines of every followed file, picking up new files first.
    pub fn poll(&mut self, out: &mut Vec<Line>) -> io::Result<Vec<(PathBuf, Noticed)>> {
        for e in fs::read_dir(&self.dir)?.filter_map(|e| e.ok()) {
            let p = e.path();
            let matches = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(&self.suffix));
            if matches && p.is_file() && !self.followers.contains_key(&p) {
                self.followers
                    .insert(p.clone(), Follower::new(&p, self.max_line));
            }
        }
        let mut noticed = Vec::new();
        for (path, f) in &mut self.followers {
            let n = f.poll(out)?;
            if n != Noticed::default() {
                noticed.push((path.clone(), n));
            }
        }
        Ok(noticed)
    }

    /// Every followed file's position, to commit once the lines read are processed.
    pub fn positions(&self) -> Vec<Position> {
        self.followers
            .values()
            .map(|f| f.position().clone())
            .collect()
    }
}

/// Bytes as hex in JSON, for the first bytes of a file.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&b.iter().map(|x| format!("{x:02x}")).collect::<String>())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, text: &str) {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(&l.bytes).into_owned())
            .collect()
    }

    fn poll(f: &mut Follower) -> (Vec<String>, Noticed) {
        let mut out = Vec::new();
        let n = f.poll(&mut out).unwrap();
        (texts(&out), n)
    }

    #[test]
    fn a_line_waits_for_its_end_and_long_ones_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        let mut f = Follower::new(&log, 8);
        assert_eq!(poll(&mut f).0, Vec::<String>::new(), "no file yet");
        append(&log, "one\r\ntw");
        assert_eq!(poll(&mut f).0, ["one"]);
        assert_eq!(f.position().offset, 5);
        append(&log, "o\nthis one is too long\nend\n");
        let (lines, n) = poll(&mut f);
        assert_eq!(lines, ["two", "this one", "end"]);
        assert_eq!(n.cut, 1);
        assert_eq!(f.position().offset, fs::metadata(&log).unwrap().len());
    }

    #[test]
    fn a_rename_is_read_to_its_end_then_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "1\n2\n");
        let mut f = Follower::new(&log, 1024);
        assert_eq!(poll(&mut f).0, ["1", "2"]);
        append(&log, "3\n4");
        fs::rename(&log, dir.path().join("a.log.1")).unwrap();
        append(&log, "5\n");
        let (lines, n) = poll(&mut f);
        assert_eq!(lines, ["3", "4", "5"]);
        assert!(n.renamed);
    }

    #[test]
    fn a_copy_truncate_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "first line of the log\n2\n");
        let mut f = Follower::new(&log, 1024);
        assert_eq!(poll(&mut f).0, ["first line of the log", "2"]);
        append(&log, "3\n4\n");
        fs::copy(&log, dir.path().join("a.log.1")).unwrap();
        fs::OpenOptions::new()
            .write(true)
            .open(&log)
            .unwrap()
            .set_len(0)
            .unwrap();
        append(&log, "another first line, longer than before\n6\n");
        let (lines, n) = poll(&mut f);
        assert_eq!(
            lines,
            ["3", "4", "another first line, longer than before", "6"]
        );
        assert_eq!(n.truncated, Some(Some(dir.path().join("a.log.1"))));
    }

    #[test]
    fn a_resumed_follower_goes_through_rotations_made_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "a first line\nb\n");
        let mut f = Follower::new(&log, 1024);
        assert_eq!(poll(&mut f).0, ["a first line", "b"]);
        let saved = serde_json::to_string(f.position()).unwrap();
        drop(f);
        // Renamed while nobody followed.
        append(&log, "c\n");
        fs::rename(&log, dir.path().join("a.log.1")).unwrap();
        append(&log, "d second file\n");
        let mut f = Follower::resume(serde_json::from_str(&saved).unwrap(), 1024);
        assert_eq!(poll(&mut f).0, ["c", "d second file"]);
        let saved = serde_json::to_string(f.position()).unwrap();
        drop(f);
        // Copy-truncated while nobody followed.
        append(&log, "e\n");
        fs::copy(&log, dir.path().join("a.log.2")).unwrap();
        fs::OpenOptions::new()
            .write(true)
            .open(&log)
            .unwrap()
            .set_len(0)
            .unwrap();
        append(&log, "f third\n");
        let mut f = Follower::resume(serde_json::from_str(&saved).unwrap(), 1024);
        assert_eq!(poll(&mut f).0, ["e", "f third"]);
    }

    #[test]
    fn a_folder_watch_picks_up_new_files_but_not_rotated_copies() {
        let dir = tempfile::tempdir().unwrap();
        append(&dir.path().join("a.log"), "a\n");
        append(&dir.path().join("a.log.1"), "old\n");
        let mut w = FolderWatch::new(dir.path(), ".log", 1024, Vec::new());
        let mut out = Vec::new();
        w.poll(&mut out).unwrap();
        assert_eq!(texts(&out), ["a"]);
        append(&dir.path().join("b.log"), "b\n");
        out.clear();
        w.poll(&mut out).unwrap();
        assert_eq!(texts(&out), ["b"]);
        assert_eq!(w.positions().len(), 2);
    }
}
