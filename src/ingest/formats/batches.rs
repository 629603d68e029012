//! Batches of delimited records read sequentially and parsed in parallel.
//!
//! The reading thread splits the stream into lines (capped, BOM-free), groups the lines of a
//! record whose quoted field spans lines (by quote parity), and hands out batches of a few
//! megabytes. Each batch carries its own line numbers, so it can be parsed anywhere.

use std::io::{self, BufRead};

use super::super::input::{Line, LineReader};

/// About this many bytes of records per batch.
pub const BATCH_BYTES: usize = 4 << 20;

/// One item of a batch, in file order.
pub enum Rec {
    /// A record's text (lines joined by `\n`) at `buf[start..end]`, starting at `line`.
    Text {
        /// First line of the record.
        line: u64,
        /// Start offset in the batch buffer.
        start: usize,
        /// End offset in the batch buffer.
        end: usize,
    },
    /// An over-long line that was not kept.
    TooLong {
        /// Its line number.
        line: u64,
        /// Its length in bytes.
        len: u64,
    },
    /// A record whose quoted field never closed.
    Unterminated {
        /// Its first line.
        line: u64,
        /// Why it ended.
        detail: String,
    },
    /// The stream broke here; nothing follows.
    Broken {
        /// The line that could not be read.
        line: u64,
        /// The error.
        error: io::Error,
    },
}

/// A batch of records and the bytes they point into.
#[derive(Default)]
pub struct Batch {
    /// The records' text.
    pub buf: Vec<u8>,
    /// The records in file order.
    pub recs: Vec<Rec>,
}

/// Cuts a stream into batches of records.
pub struct Batcher<R> {
    lines: LineReader<R>,
    line: Vec<u8>,
    max_len: usize,
    done: bool,
}

impl<R: BufRead> Batcher<R> {
    /// Batches `reader`, skipping lines longer than `max_len`.
    pub fn new(reader: R, max_len: usize) -> Self {
        Batcher {
            lines: LineReader::new(reader, max_len),
            line: Vec::new(),
            max_len,
            done: false,
        }
    }

    /// The next batch, or `None` at the end of the stream.
    pub fn next_batch(&mut self, target_bytes: usize) -> Option<Batch> {
        if self.done {
            return None;
        }
        let mut b = Batch::default();
        // The pending record: first line, start offset, and whether a quote is open.
        let mut pending: Option<(u64, usize)> = None;
        loop {
            if pending.is_none() && b.buf.len() >= target_bytes {
                return Some(b);
            }
            let status = match self.lines.next_line(&mut self.line) {
                Ok(Some(s)) => s,
                Ok(None) => {
                    self.done = true;
                    if let Some((line, start)) = pending {
                        b.buf.truncate(start);
                        b.recs.push(Rec::Unterminated {
                            line,
                            detail: "the file ends inside a quoted field".into(),
                        });
                    }
                    return (!b.recs.is_empty()).then_some(b);
                }
                Err(error) => {
                    self.done = true;
                    if let Some((line, start)) = pending {
                        b.buf.truncate(start);
                        b.recs.push(Rec::Unterminated {
                            line,
                            detail: "the stream broke inside a quoted field".into(),
                        });
                    }
                    b.recs.push(Rec::Broken {
                        line: self.lines.line_no() + 1,
                        error,
                    });
                    return Some(b);
                }
            };
            let no = self.lines.line_no();
            if let Line::TooLong(len) = status {
                if let Some((line, start)) = pending.take() {
                    b.buf.truncate(start);
                    b.recs.push(Rec::Unterminated {
                        line,
                        detail: format!("the record continues into over-long line {no}"),
                    });
                }
                b.recs.push(Rec::TooLong { line: no, len });
                continue;
            }
            let text = if no == 1 {
                self.line
                    .strip_prefix(b"\xef\xbb\xbf")
                    .unwrap_or(&self.line)
            } else {
                &self.line[..]
            };
            let open_before = pending.is_some();
            if !open_before && text.trim_ascii().is_empty() {
                continue;
            }
            let (line, start) = match pending {
                Some(p) => {
                    b.buf.push(b'\n');
                    p
                }
                None => (no, b.buf.len()),
            };
            b.buf.extend_from_slice(text);
            let quotes_odd = memchr::memchr_iter(b'"', text).count() % 2 == 1;
            let open = open_before != quotes_odd;
            if !open {
                pending = None;
                b.recs.push(Rec::Text {
                    line,
                    start,
                    end: b.buf.len(),
                });
            } else if b.buf.len() - start > self.max_len {
                b.buf.truncate(start);
                pending = None;
                b.recs.push(Rec::Unterminated {
                    line,
                    detail: format!("a quoted field runs past {} bytes", self.max_len),
                });
            } else {
                pending = Some((line, start));
            }
        }
    }
}
