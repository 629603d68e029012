//! A JSON array of records (`[{…}, {…}]`, as some tools and hand exports write eve, Cowrie or
//! Zeek logs) read as JSON lines: each element of the top-level array becomes one line, its
//! line breaks outside strings turned into spaces, so that the line readers take it, streamed
//! and never held whole.

use std::io::{self, Read};

/// Whether `head` (the first bytes of a text) opens a JSON array whose first element is an
/// object.
pub fn is_array_of_objects(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let mut rest = text.iter().skip_while(|b| b.is_ascii_whitespace());
    if rest.next() != Some(&b'[') {
        return false;
    }
    rest.find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Where the converter is in the JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening bracket.
    Before,
    /// Inside the array, outside strings, at this depth (1: between elements).
    In(u32),
    /// Inside a string at this depth; `true` just after a backslash.
    Text(u32, bool),
    /// After the closing bracket.
    After,
}

/// Reads a JSON array of records as one record per line.
pub struct ArrayLines<R> {
    inner: R,
    state: State,
    buf: Vec<u8>,
}

impl<R: Read> ArrayLines<R> {
    /// Wraps `inner`, a text starting with a JSON array.
    pub fn new(inner: R) -> Self {
        ArrayLines {
            inner,
            state: State::Before,
            buf: vec![0; 64 * 1024],
        }
    }
}

impl<R: Read> Read for ArrayLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let want = out.len().min(self.buf.len());
            let n = self.inner.read(&mut self.buf[..want])?;
            if n == 0 {
                return Ok(0);
            }
            let mut k = 0;
            for &b in &self.buf[..n] {
                let (next, emit) = step(self.state, b);
                self.state = next;
                if let Some(c) = emit {
                    out[k] = c;
                    k += 1;
                }
            }
            // A chunk of brackets and separators alone gives nothing: read on.
            if k > 0 {
                return Ok(k);
            }
        }
    }
}

/// One byte through the converter: the next state and the byte written for it, if any.
fn step(state: State, b: u8) -> (State, Option<u8>) {
    match state {
        State::Before if b == b'[' => (State::In(1), None),
        State::Before => (State::Before, None),
        State::In(1) => match b {
            b'{' | b'[' => (State::In(2), Some(b)),
            b'"' => (State::Text(1, false), Some(b)),
            b',' => (State::In(1), Some(b'\n')),
            b']' => (State::After, Some(b'\n')),
            b if b.is_ascii_whitespace() => (State::In(1), None),
            b => (State::In(1), Some(b)),
        },
        State::In(d) => match b {
            b'{' | b'[' => (State::In(d + 1), Some(b)),
            b'}' | b']' => (State::In(d - 1), Some(b)),
            b'"' => (State::Text(d, false), Some(b)),
            b'\n' | b'\r' => (State::In(d), Some(b' ')),
            b => (State::In(d), Some(b)),
        },
        State::Text(d, true) => (State::Text(d, false), Some(b)),
        State::Text(d, false) => match b {
            b'\\' => (State::Text(d, true), Some(b)),
            b'"' => (State::In(d), Some(b)),
            b => (State::Text(d, false), Some(b)),
        },
        State::After => (State::After, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        let mut out = String::new();
        ArrayLines::new(text.as_bytes())
            .read_to_string(&mut out)
            .unwrap();
        out.lines().map(str::to_owned).collect()
    }

    #[test]
    fn each_element_is_a_line() {
        let text = "[\n  {\"a\": 1,\n   \"b\": \"x,]\\\"}\"},\n  {\"c\": [1, {\"d\": 2}]}\n]\n";
        assert!(is_array_of_objects(text.as_bytes()));
        assert_eq!(
            lines(text),
            [
                "{\"a\": 1,    \"b\": \"x,]\\\"}\"}",
                "{\"c\": [1, {\"d\": 2}]}"
            ]
        );
        assert!(!is_array_of_objects(b"[1, 2]"));
        assert!(!is_array_of_objects(b"{\"a\": 1}"));
        assert!(is_array_of_objects(b"\xef\xbb\xbf [ {"));
    }
}
