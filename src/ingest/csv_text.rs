//! Records of other containers (Parquet rows, OCSF objects) as CSV text, produced a line at a
//! time as the readers pull, so that the CSV readers sniff and map them.

use std::io::{self, BufRead, Read};

/// A source of CSV lines: appends its next line to `buf`, `false` at the end.
pub trait CsvLines {
    /// Appends the next line (with its newline) to `buf`; `Ok(false)` when there is none.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool>;
}

/// Appends `cells` to `buf` as one CSV line, quoting where needed.
pub fn write_csv_line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>, buf: &mut Vec<u8>) {
    for (i, cell) in cells.into_iter().enumerate() {
        let cell = cell.as_ref();
        if i > 0 {
            buf.push(b',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            buf.push(b'"');
            buf.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(cell.as_bytes());
        }
    }
    buf.push(b'\n');
}

/// The lines of a [`CsvLines`] as a byte stream, starting with `first` (the header).
pub struct CsvText<S> {
    lines: S,
    buf: Vec<u8>,
    pos: usize,
}

impl<S: CsvLines> CsvText<S> {
    /// The stream of `header` and then `lines`.
    pub fn new(header: Vec<u8>, lines: S) -> CsvText<S> {
        CsvText {
            lines,
            buf: header,
            pos: 0,
        }
    }
}

impl<S: CsvLines> Read for CsvText<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<S: CsvLines> BufRead for CsvText<S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if !self.lines.next_line(&mut self.buf)? {
                break;
            }
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}
