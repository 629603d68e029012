//! Opening inputs: transparent gzip (nested too) and UTF-16, byte counting for progress, a peeked head for format
//! sniffing, and a line reader that caps line length.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

/// How many leading bytes of the decoded stream are kept for format sniffing.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Counts the raw (possibly compressed) bytes read from the file, for progress reporting.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The file itself: counts the bytes read from it, and fails at the end when it holds fewer
/// bytes than it did when opened (it shrank under the reader, so lines are lost).
struct WholeFile {
    file: File,
    opened_len: Option<u64>,
    read: Arc<AtomicU64>,
}

impl Read for WholeFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        let read = self.read.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        match self.opened_len {
            Some(len) if n == 0 && !buf.is_empty() && read < len => {
                self.opened_len = None;
                Err(io::Error::other(format!(
                    "the file shrank while it was read: {len} bytes when opened, {read} at the end"
                )))
            }
            _ => Ok(n),
        }
    }
}

/// A reader that fails once with a stored error, then reports end of input.
struct FailingReader(Option<io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// An opened input: its first bytes (decoded) plus the rest of the stream behind them.
pub struct Input {
    /// The first up to [`HEAD_BYTES`] decoded bytes.
    pub head: Vec<u8>,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Whether it was UTF-16 text (with a byte-order mark), read as UTF-8.
    pub utf16: bool,
    /// Whether it was a JSON array of records, read one record per line.
    pub json_array: bool,
    /// Whether it was a Parquet file, read as CSV text of its rows.
    pub parquet: bool,
    /// Whether it was OCSF records as JSON lines, read as CSV text of their paths.
    pub ocsf: bool,
    /// Bytes of text decompressed from a gzip file so far, through every layer (0 for plain
    /// files).
    pub decoded: Arc<AtomicU64>,
    /// Bytes read from the file itself so far (compressed, for a gzip file).
    pub raw: Arc<AtomicU64>,
    /// The whole decoded stream, starting with `head`.
    pub reader: Box<dyn BufRead + Send>,
}

/// Opens `path`, decompressing gzip when the magic bytes say so, and peeks its head.
/// Raw bytes read are added to `counter`.
pub fn open(path: &Path, counter: Arc<AtomicU64>) -> io::Result<Input> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let raw_read = Arc::new(AtomicU64::new(0));
    let whole = WholeFile {
        file,
        opened_len: meta.is_file().then_some(meta.len()),
        read: raw_read.clone(),
    };
    let mut raw = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: whole,
            counter,
        },
    );
    let gzip = raw.fill_buf()?.starts_with(GZIP_MAGIC);
    // A Parquet file is read by its columns (its footer first): as CSV text of its rows.
    let parquet = !gzip && raw.fill_buf()?.starts_with(super::parquet::MAGIC);
    let decoded = Arc::new(AtomicU64::new(0));
    let (mut head, mut rest) = if gzip {
        peek(Box::new(MultiGzDecoder::new(raw)))?
    } else if parquet {
        let read = raw.get_ref().counter.clone();
        peek(Box::new(super::parquet::open(path, read)?))?
    } else {
        peek(Box::new(raw))?
    };
    // A gzip inside a gzip (a log compressed twice) is opened layer by layer.
    for _ in 1..MAX_GZIP_LAYERS {
        if !(gzip && head.starts_with(GZIP_MAGIC)) {
            break;
        }
        (head, rest) = peek(Box::new(MultiGzDecoder::new(
            io::Cursor::new(head).chain(rest),
        )))?;
    }
    if gzip && head.starts_with(GZIP_MAGIC) {
        return Err(io::Error::other(format!(
            "more than {MAX_GZIP_LAYERS} gzip layers: a log compressed over and over is not \
             opened; decompress it with gunzip until it is text"
        )));
    }
    // Windows "Unicode text" exports are UTF-16 with a byte-order mark: read as UTF-8.
    let utf16 = head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff");
    if utf16 {
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .bom_sniffing(true)
            .strip_bom(true)
            .build(io::Cursor::new(head).chain(rest));
        (head, rest) = peek(Box::new(decoder))?;
    }
    // A packet capture is binary: no line handling.
    let capture = crate::capture::is_capture(&head);
    // A JSON array of records is read as JSON lines, one record a line.
    let json_array = super::json_array::is_array_of_objects(&head);
    if json_array {
        let records = super::json_array::ArrayLines::new(io::Cursor::new(head).chain(rest));
        (head, rest) = peek(Box::new(records))?;
    }
    // OCSF records (JSON lines naming a class_uid) are read by their flattened paths.
    let ocsf = !capture && !json_array && super::ocsf::is_ocsf_json(&head);
    if ocsf {
        (head, rest) = peek(Box::new(super::ocsf::text(head, rest)))?;
    }
    let rest = if capture {
        rest
    } else {
        extend_head(&mut head, rest)?
    };
    // Old Mac exports end lines with a lone CR: read them as LF, or the whole file would be
    // one line that no reader accepts.
    let cr_only = !capture
        && memchr::memchr(b'\r', &head).is_some()
        && memchr::memchr(b'\n', &head).is_none();
    if cr_only {
        for b in &mut head {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
    }
    let stream = Counting {
        inner: io::Cursor::new(head.clone()).chain(rest),
        counter: if gzip {
            decoded.clone()
        } else {
            Arc::new(AtomicU64::new(0))
        },
    };
    let reader: Box<dyn BufRead + Send> = if cr_only {
        Box::new(BufReader::with_capacity(256 * 1024, CrAsLf(stream)))
    } else {
        Box::new(BufReader::with_capacity(256 * 1024, stream))
    };
    Ok(Input {
        head,
        gzip,
        utf16,
        json_array,
        parquet,
        ocsf,
        decoded,
        raw: raw_read,
        reader,
    })
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Gzip layers opened, the outermost counted: a file compressed more often is refused.
pub const MAX_GZIP_LAYERS: usize = 3;

/// Reads the first [`HEAD_BYTES`] of `decoded`; returns them and the stream after them.
fn peek(mut decoded: Box<dyn Read + Send>) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    match (&mut decoded)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
    {
        Ok(_) => Ok((head, decoded)),
        // A stream that breaks within the head (a small truncated gzip) still yields the
        // bytes before the break; the error is reported where the reader reaches it.
        Err(e) if !head.is_empty() => Ok((head, Box::new(FailingReader(Some(e))))),
        Err(e) => Err(e),
    }
}

/// The most the head grows to for sniffing when its first lines are long or blank.
pub const SNIFF_MAX_BYTES: usize = 8 << 20;

/// Complete lines of the sniffing head needed beyond blank ones.
const SNIFF_LINES: usize = 2;

/// Grows `head` by [`HEAD_BYTES`] at a time, up to [`SNIFF_MAX_BYTES`] or the end of the
/// stream, until it holds [`SNIFF_LINES`] complete lines that are not blank: a long first line
/// or a run of blank lines then never decides the format alone. Returns the stream after it.
fn extend_head(
    head: &mut Vec<u8>,
    mut rest: Box<dyn Read + Send>,
) -> io::Result<Box<dyn Read + Send>> {
    let complete_lines = |head: &[u8]| {
        let mut parts: Vec<&[u8]> = head.split(|&b| b == b'\n' || b == b'\r').collect();
        parts.pop();
        parts.iter().filter(|l| !l.trim_ascii().is_empty()).count()
    };
    while head.len() >= HEAD_BYTES
        && head.len() < SNIFF_MAX_BYTES
        && complete_lines(head) < SNIFF_LINES
    {
        let before = head.len();
        match (&mut rest).take(HEAD_BYTES as u64).read_to_end(head) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Ok(Box::new(FailingReader(Some(e)))),
        }
        if head.len() == before {
            break;
        }
    }
    Ok(rest)
}

/// A reader that turns every CR into LF, for files whose lines end with a lone CR.
struct CrAsLf<R>(R);

impl<R: Read> Read for CrAsLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in &mut buf[..n] {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

/// A text stream for list readers: a read that meets a NUL byte fails (the file is not
/// text), and, once [`TextOnly::limit_lines`] is called, so does a line longer than the limit,
/// so that neither `/dev/zero` nor one endless line is ever buffered whole.
pub struct TextOnly<R> {
    inner: R,
    max_line: Option<usize>,
    since_newline: usize,
}

impl<R: BufRead> TextOnly<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        TextOnly {
            inner,
            max_line: None,
            since_newline: 0,
        }
    }

    /// From here on, a line longer than `max` bytes fails the read.
    pub fn limit_lines(mut self, max: usize) -> Self {
        self.max_line = Some(max);
        self
    }
}

impl<R: BufRead> BufRead for TextOnly<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Some(max) = self.max_line.filter(|&m| self.since_newline > m) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line longer than {max} bytes (--max-line-bytes)"),
            ));
        }
        let chunk = self.inner.fill_buf()?;
        if memchr::memchr(0, chunk).is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "binary data (NUL bytes): not a text list",
            ));
        }
        Ok(chunk)
    }

    fn consume(&mut self, amt: usize) {
        // The bytes consumed are still in the buffer `fill_buf` returned.
        if let Ok(chunk) = self.inner.fill_buf() {
            let used = &chunk[..amt.min(chunk.len())];
            self.since_newline = match memchr::memrchr(b'\n', used) {
                Some(i) => used.len() - i - 1,
                None => self.since_newline + used.len(),
            };
        }
        self.inner.consume(amt);
    }
}

impl<R: BufRead> Read for TextOnly<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let chunk = self.fill_buf()?;
        let n = chunk.len().min(out.len());
        out[..n].copy_from_slice(&chunk[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// What [`LineReader::next_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line is in the buffer, without its line ending.
    Complete,
    /// The line was longer than the cap; its bytes were discarded. Holds the line's length.
    TooLong(u64),
}

/// Reads lines as bytes, never holding more than `max_len` bytes of one line in memory.
pub struct LineReader<R> {
    inner: R,
    max_len: usize,
    line_no: u64,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps `inner`; lines longer than `max_len` bytes are reported and skipped.
    pub fn new(inner: R, max_len: usize) -> Self {
        LineReader {
            inner,
            max_len,
            line_no: 0,
        }
    }

    /// The 1-based number of the line last returned.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The reader, placed after the line last returned.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads the next line into `buf` (cleared first). Returns `None` at end of input.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
        buf.clear();
        let mut total: u64 = 0;
        let mut overflow = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if total == 0 {
                    return Ok(None);
                }
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            total += take as u64;
            if !overflow {
                if buf.len() + take > self.max_len.saturating_add(2) {
                    overflow = true;
                    buf.clear();
                } else {
                    buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.inner.consume(take);
            if done {
                break;
            }
        }
        self.line_no += 1;
        if overflow {
            buf.clear();
            return Ok(Some(Line::TooLong(total)));
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(Line::Complete))
    }
}

/// Line `line` (1-based) of `path` as the readers saw it (decompressed, UTF-16 decoded), at
/// most `max` bytes of it, without its line ending: the original of an event, read on demand.
pub fn original_line(path: &Path, line: u32, max: usize) -> io::Result<Vec<u8>> {
    let mut input = open(path, Arc::new(AtomicU64::new(0)))?;
    let mut buf = Vec::new();
    for n in 1..=line {
        buf.clear();
        // Lines before the one asked for are skipped a chunk at a time, never held whole.
        let mut taken = 0usize;
        loop {
            let chunk = input.reader.fill_buf()?;
            if chunk.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file has only {} lines now", n - 1),
                ));
            }
            let end = chunk.iter().position(|&b| b == b'\n');
            let upto = end.map_or(chunk.len(), |e| e + 1);
            if n == line && taken < max {
                let keep = (max - taken).min(upto);
                buf.extend_from_slice(&chunk[..keep]);
                taken += keep;
            }
            input.reader.consume(upto);
            if end.is_some() {
                break;
            }
        }
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real access log (repeated to 2 MB) cut at a line boundary after it was opened:
    /// reading on ends in an error that says the file shrank, not in a quiet end of file.
    #[test]
    fn a_file_that_shrinks_under_the_reader_is_an_error() {
        let log = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/web-access-logs/hackers-access.log"
        ))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let whole: Vec<u8> = log.iter().copied().cycle().take(2 << 20).collect();
        std::fs::write(&path, &whole).unwrap();
        let mut input = open(&path, Arc::new(AtomicU64::new(0))).unwrap();
        let cut = memchr::memrchr(b'\n', &whole[..1 << 20]).unwrap() + 1;
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut as u64)
            .unwrap();
        let mut rest = Vec::new();
        let e = input.reader.read_to_end(&mut rest).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "the file shrank while it was read: {} bytes when opened, {cut} at the end",
                whole.len()
            )
        );
        let mut again = open(&path, Arc::new(AtomicU64::new(0))).unwrap();
        rest.clear();
        again.reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest.len(), cut, "a file left as it is reads whole");
    }

    #[test]
    fn lines_with_cap_and_crlf() {
        let data = b"a\r\nbbbbbbbbbb\nc";
        let mut r = LineReader::new(&data[..], 5);
        let mut buf = Vec::new();
        assert_eq!(r.next_line(&mut buf).unwrap(), Some(Line::Complete));
        assert_eq!(buf, b"a");
        assert_eq!(r.next_line(&mut buf).unwrap(), Some(Line::TooLong(11)));
        assert_eq!(r.line_no(), 2);
        assert_eq!(r.next_line(&mut buf).unwrap(), Some(Line::Complete));
        assert_eq!(buf, b"c");
        assert_eq!(r.next_line(&mut buf).unwrap(), None);
    }

    /// An event's original line, from a gzip file: the line asked for, whole or cut at the
    /// limit, and a line past the end named as such.
    #[test]
    fn the_original_line_is_read_from_a_gzip_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.gz");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(b"first\r\nsecond line\nthird\n").unwrap();
        gz.finish().unwrap();
        assert_eq!(original_line(&path, 2, 100).unwrap(), b"second line");
        assert_eq!(original_line(&path, 1, 100).unwrap(), b"first");
        assert_eq!(original_line(&path, 2, 3).unwrap(), b"sec");
        let e = original_line(&path, 5, 100).unwrap_err();
        assert!(e.to_string().contains("only 3 lines"), "{e}");
    }
}
