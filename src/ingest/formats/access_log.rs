//! Apache/nginx access logs in common or combined format. Lines are read as bytes; bytes that
//! are not UTF-8 are kept as Latin-1 characters.

use std::io::BufRead;

use super::super::columns::RowError;
use super::super::values::{clf_offset_s, decode_text, parse_ip, parse_number, parse_time_bytes};
use super::super::Sink;
use super::lines::{for_each_line, Row};
use super::FormatError;

/// One parsed access log line, borrowing from it.
#[derive(Debug, PartialEq, Eq)]
pub struct AccessLine<'a> {
    /// Client host or address.
    pub host: &'a [u8],
    /// Remote user.
    pub user: &'a [u8],
    /// Time text between the brackets.
    pub time: &'a [u8],
    /// Request line (method, target, protocol), as logged.
    pub request: &'a [u8],
    /// Status code, or `-`.
    pub status: &'a [u8],
    /// Response size, or `-`.
    pub bytes: &'a [u8],
    /// Referer, when the line is in combined format.
    pub referer: Option<&'a [u8]>,
    /// User agent, when the line is in combined format.
    pub user_agent: Option<&'a [u8]>,
}

fn take_token(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = memchr::memchr(b' ', s)?;
    Some((&s[..end], &s[end + 1..]))
}

/// Takes a quoted string from the start of `s`, honouring `\"` escapes.
fn take_quoted(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = s.strip_prefix(b"\"")?;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return Some((&body[..i], &body[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// Finds the request's closing quote when the request itself holds unescaped quotes: the last
/// `" ` followed by a status code.
fn take_request(s: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some((req, rest)) = take_quoted(s) {
        if rest.first() == Some(&b' ') && looks_like_status(&rest[1..]) {
            return Some((req, &rest[1..]));
        }
    }
    let body = s.strip_prefix(b"\"")?;
    let pos = (0..body.len()).rev().find(|&i| {
        body[i] == b'"' && body.get(i + 1) == Some(&b' ') && looks_like_status(&body[i + 2..])
    })?;
    Some((&body[..pos], &body[pos + 2..]))
}

fn looks_like_status(s: &[u8]) -> bool {
    s.len() >= 3
        && (s[..3].iter().all(u8::is_ascii_digit) || s.starts_with(b"- "))
        && (s.len() == 3 || s[3] == b' ' || s[1] == b' ')
}

/// Parses one common or combined format line.
pub fn parse_line(line: &[u8]) -> Option<AccessLine<'_>> {
    let (host, rest) = take_token(line)?;
    let (_ident, rest) = take_token(rest)?;
    let (user, rest) = take_token(rest)?;
    let rest = rest.strip_prefix(b"[")?;
    let close = memchr::memchr(b']', rest)?;
    let time = &rest[..close];
    let rest = rest[close + 1..].strip_prefix(b" ")?;
    let (request, rest) = take_request(rest)?;
    let (status, rest) = match take_token(rest) {
        Some(t) => t,
        None => (rest, &b""[..]),
    };
    let (bytes, rest) = match take_token(rest) {
        Some(t) => t,
        None => (rest, &b""[..]),
    };
    if bytes.is_empty() || !(bytes == b"-" || bytes.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    let (referer, user_agent) = match take_quoted(rest) {
        Some((referer, after)) => {
            let ua = after
                .strip_prefix(b" ")
                .and_then(take_quoted)
                .map(|(ua, _)| ua);
            (Some(referer), ua)
        }
        None => (None, None),
    };
    Some(AccessLine {
        host,
        user,
        time,
        request,
        status,
        bytes,
        referer,
        user_agent,
    })
}

/// Reads an access log; a line whose client is not an address is skipped.
pub fn read(reader: impl BufRead, sink: &mut Sink<'_>, max_len: usize) -> Result<(), FormatError> {
    for_each_line(reader, sink, max_len, |line, sink| {
        let a = parse_line(line).ok_or_else(|| {
            RowError::new("not an access log line", super::super::skips::snippet(line))
        })?;
        let d = &mut sink.draft;
        d.time_us = Some(
            parse_time_bytes(a.time)
                .ok_or_else(|| RowError::bad("bad timestamp", "time", a.time))?,
        );
        // A request without its client's address would reach no finding: a host name,
        // `unknown`, `-`, a forwarded list or a zero-padded address is skipped and counted.
        d.source_ip = Some(
            parse_ip(a.host)
                .ok_or_else(|| RowError::bad("client not an address", "client", a.host))?,
        );
        d.app_protocol.push_str("http");
        if a.status != b"-" {
            d.outcome.push_str(&decode_text(a.status));
        }
        if a.bytes != b"-" {
            d.bytes_received = parse_number(a.bytes);
        } else {
            d.bytes_received = Some(0.0);
        }
        d.add_detail(&decode_text(a.request));
        if a.user != b"-" {
            d.add_detail_kv("user", &decode_text(a.user));
        }
        if let Some(r) = a.referer.filter(|r| *r != b"-") {
            d.add_detail_kv("referer", &decode_text(r));
        }
        if let Some(ua) = a.user_agent.filter(|u| *u != b"-") {
            d.add_detail_kv("ua", &decode_text(ua));
        }
        if let Some(offset) = clf_offset_s(a.time) {
            sink.note_offset(offset);
        }
        Ok(Row::Event)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_line() {
        let a = parse_line(
            br#"23.95.237.180 - - [25/Oct/2015:04:11:26 +0100] "GET /join_form HTTP/1.0" 200 11114 "http://howto.basjes.nl/" "Mozilla/5.0""#,
        )
        .unwrap();
        assert_eq!(a.host, b"23.95.237.180");
        assert_eq!(a.request, b"GET /join_form HTTP/1.0");
        assert_eq!(a.status, b"200");
        assert_eq!(a.bytes, b"11114");
        assert_eq!(a.referer, Some(&b"http://howto.basjes.nl/"[..]));
        assert_eq!(a.user_agent, Some(&b"Mozilla/5.0"[..]));
    }

    #[test]
    fn common_line_and_odd_requests() {
        let a =
            parse_line(br#"1.2.3.4 - bob [03/Oct/2004:09:54:22 -0400] "GET /a"b HTTP/1.0" 404 -"#)
                .unwrap();
        assert_eq!(a.request, b"GET /a\"b HTTP/1.0");
        assert_eq!(a.user, b"bob");
        assert_eq!(a.bytes, b"-");
        assert_eq!(a.referer, None);
        let b =
            parse_line(b"1.2.3.4 - - [03/Oct/2004:09:54:22 -0400] \"\xff\xfe\" 400 12").unwrap();
        assert_eq!(b.request, b"\xff\xfe");
        assert!(parse_line(b"garbage line").is_none());
        assert!(
            parse_line(br#"1.2.3.4 - - [03/Oct/2004:09:54:22 -0400] "GET /" 200 abc"#).is_none()
        );
    }
}
