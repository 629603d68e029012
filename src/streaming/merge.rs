//! The lines of a streaming run's `events_scored.csv`, rendered shard by shard and put back in
//! the order of the whole log: each shard's lines go to a file of their own with their
//! positions (increasing within a shard), and the files are merged by position.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

/// Lines waiting on disk to be merged in the order of their positions.
pub struct PositionedLines {
    files: Vec<PathBuf>,
}

impl PositionedLines {
    /// No lines yet.
    pub fn new() -> PositionedLines {
        PositionedLines { files: Vec::new() }
    }

    /// Starts the file of one shard's lines at `path`.
    pub fn shard(&mut self, path: PathBuf) -> io::Result<ShardLines> {
        let w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        self.files.push(path.clone());
        Ok(ShardLines { w, path })
    }

    /// Writes every line to `out` in the order of the positions.
    pub fn merge_into(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut readers: Vec<BufReader<File>> = self
            .files
            .iter()
            .map(|p| File::open(p).map(|f| BufReader::with_capacity(1 << 18, f)))
            .collect::<io::Result<_>>()?;
        let mut lines: Vec<Vec<u8>> = vec![Vec::new(); readers.len()];
        let mut heap = BinaryHeap::new();
        for (k, r) in readers.iter_mut().enumerate() {
            if let Some(position) = next_line(r, &mut lines[k])? {
                heap.push(Reverse((position, k)));
            }
        }
        while let Some(Reverse((_, k))) = heap.pop() {
            out.write_all(&lines[k])?;
            if let Some(position) = next_line(&mut readers[k], &mut lines[k])? {
                heap.push(Reverse((position, k)));
            }
        }
        Ok(())
    }
}

/// The lines of one shard being written, in the order of their positions.
pub struct ShardLines {
    w: BufWriter<File>,
    path: PathBuf,
}

impl ShardLines {
    /// Appends `chunks` of rendered lines (each with the end of each of its lines), the
    /// lines at `positions`, in order.
    pub fn append(
        &mut self,
        positions: &[u64],
        chunks: &[(Vec<u8>, Vec<usize>)],
    ) -> io::Result<()> {
        let mut at = positions.iter();
        for (bytes, ends) in chunks {
            let mut start = 0;
            for &end in ends {
                let position = at.next().ok_or_else(|| mismatch(&self.path))?;
                let line = &bytes[start..end];
                self.w.write_all(&position.to_le_bytes())?;
                self.w.write_all(&(line.len() as u32).to_le_bytes())?;
                self.w.write_all(line)?;
                start = end;
            }
        }
        if at.next().is_some() {
            return Err(mismatch(&self.path));
        }
        Ok(())
    }

    /// Flushes the lines to disk.
    pub fn close(mut self) -> io::Result<()> {
        self.w.flush()
    }
}

impl Default for PositionedLines {
    fn default() -> Self {
        PositionedLines::new()
    }
}

fn mismatch(path: &std::path::Path) -> io::Error {
    io::Error::other(format!(
        "{}: the lines rendered and the shard's events differ in number",
        path.display()
    ))
}

/// Reads the next line of `r` into `line`, returning its position; `None` at the end.
fn next_line(r: &mut impl Read, line: &mut Vec<u8>) -> io::Result<Option<u64>> {
    let mut head = [0u8; 12];
    match r.read_exact(&mut head[..1]) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    r.read_exact(&mut head[1..])?;
    let position = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    let len = u32::from_le_bytes(head[8..].try_into().expect("4 bytes")) as usize;
    line.resize(len, 0);
    r.read_exact(line)?;
    Ok(Some(position))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_shards_come_back_in_the_order_of_their_positions() {
        let dir = std::env::temp_dir().join(format!("netsleuth-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut lines = PositionedLines::new();
        let chunk = |text: &str| {
            let mut ends = Vec::new();
            let mut b = Vec::new();
            for l in text.split_inclusive('\n') {
                b.extend_from_slice(l.as_bytes());
                ends.push(b.len());
            }
            (b, ends)
        };
        let mut a = lines.shard(dir.join("a")).unwrap();
        a.append(&[0], &[chunk("zero\n")]).unwrap();
        a.append(&[3, 4], &[chunk("three\n"), chunk("four\n")])
            .unwrap();
        a.close().unwrap();
        let mut b = lines.shard(dir.join("b")).unwrap();
        b.append(&[1, 2, 5], &[chunk("one\ntwo\nfive\n")]).unwrap();
        b.close().unwrap();
        let mut out = Vec::new();
        lines.merge_into(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "zero\none\ntwo\nthree\nfour\nfive\n"
        );
        let mut c = PositionedLines::new().shard(dir.join("c")).unwrap();
        assert!(c.append(&[0], &[chunk("x\ny\n")]).is_err());
        assert!(c.append(&[0, 1], &[chunk("x\n")]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
