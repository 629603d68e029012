//! Apache/nginx access logs in common or combined format, with what may come before the
//! client: a virtual host (Apache's `vhost_combined`, `%v:%p %h`; nginx's `$host`), an
//! X-Forwarded-For chain (`10.0.0.2, 10.0.0.1, 127.0.0.1`, quoted or not) and the peer that
//! passed it on. Lines are read as bytes; bytes that are not UTF-8 are kept as Latin-1
//! characters.

use std::io::BufRead;

use super::super::columns::RowError;
use super::super::values::{clf_offset_s, decode_text, parse_ip, parse_number, parse_time_bytes};
use super::super::Sink;
use super::lines::{for_each_line, Row};
use super::FormatError;

/// One parsed access log line, borrowing from it.
#[derive(Debug, PartialEq, Eq)]
pub struct AccessLine<'a> {
    /// Client host or address: of a forwarded chain, its first public address (else its
    /// first), the client as the proxies report it.
    pub host: &'a [u8],
    /// The virtual host (and port) the line starts with, if any.
    pub vhost: Option<&'a [u8]>,
    /// The X-Forwarded-For chain the client was taken from, if any, as logged.
    pub forwarded: Option<&'a [u8]>,
    /// The peer that passed the chain on (the address after it), if any.
    pub peer: Option<&'a [u8]>,
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

/// Where the bracketed time starts (`[dd/Mon/yyyy:`), after the client, ident and user.
fn time_start(line: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(line, b" [").find(|&i| {
        let t = &line[i + 2..];
        t.len() > 12 && t[..2].iter().all(u8::is_ascii_digit) && t[2] == b'/' && t[6] == b'/'
    })
}

/// The groups of what precedes the ident: tokens, a comma-separated list (`a, b, c`) or a
/// quoted one being one group.
fn groups(prefix: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = prefix.trim_ascii();
    while !rest.is_empty() {
        let end = if rest[0] == b'"' {
            memchr::memchr(b'"', &rest[1..]).map_or(rest.len(), |i| i + 2)
        } else {
            let mut i = 0;
            loop {
                match memchr::memchr(b' ', &rest[i..]) {
                    // A list goes on after a comma.
                    Some(j) if i + j > 0 && rest[i + j - 1] == b',' => i += j + 1,
                    Some(j) => break i + j,
                    None => break rest.len(),
                }
            }
        };
        out.push(&rest[..end]);
        rest = rest[end..].trim_ascii_start();
    }
    out
}

/// The addresses of a group, when it is a list (quoted or not) of addresses.
fn addresses(group: &[u8]) -> Option<Vec<&[u8]>> {
    let inner = group.strip_prefix(b"\"").unwrap_or(group);
    let inner = inner.strip_suffix(b"\"").unwrap_or(inner);
    let list: Vec<&[u8]> = inner
        .split(|b| *b == b',')
        .map(<[u8]>::trim_ascii)
        .collect();
    list.iter().all(|a| parse_ip(a).is_some()).then_some(list)
}

/// Whether a group is a forwarded chain: a list of more than one address, or quoted.
fn is_chain(group: &[u8]) -> bool {
    group.starts_with(b"\"") || memchr::memchr(b',', group).is_some()
}

/// The client of a chain: its first public address, else its first.
fn chain_client<'a>(list: &[&'a [u8]]) -> &'a [u8] {
    let public = |a: &&[u8]| match parse_ip(a) {
        Some(std::net::IpAddr::V4(v4)) => {
            !(v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified())
        }
        Some(std::net::IpAddr::V6(v6)) => {
            !(v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00)
        }
        None => false,
    };
    list.iter().copied().find(public).unwrap_or(list[0])
}

/// Reads what precedes the ident: `client`, `vhost client`, `chain`, `chain peer` or
/// `vhost chain peer`.
type Head<'a> = (
    &'a [u8],
    Option<&'a [u8]>,
    Option<&'a [u8]>,
    Option<&'a [u8]>,
);

/// A chain's client and its text without quotes.
fn chain(c: &[u8]) -> (&[u8], &[u8]) {
    let list = addresses(c);
    let client = list.as_deref().map_or(c, chain_client);
    let quoted = c.strip_prefix(b"\"").and_then(|c| c.strip_suffix(b"\""));
    (client, quoted.unwrap_or(c))
}

fn head(prefix: &[u8]) -> Option<Head<'_>> {
    let g = groups(prefix);
    match g.as_slice() {
        [one] if is_chain(one) => {
            let (client, listed) = chain(one);
            Some((client, None, Some(listed), None))
        }
        [one] => Some((one, None, None, None)),
        [first, second] if is_chain(first) => {
            let (client, listed) = chain(first);
            let client = if addresses(first).is_some() {
                client
            } else {
                second
            };
            Some((client, None, Some(listed), Some(second)))
        }
        [vhost, second] if is_chain(second) => {
            let (client, listed) = chain(second);
            Some((client, Some(vhost), Some(listed), None))
        }
        [vhost, client] => Some((client, Some(vhost), None, None)),
        [vhost, list, peer] => {
            let (client, listed) = chain(list);
            let client = if addresses(list).is_some() {
                client
            } else {
                peer
            };
            Some((client, Some(vhost), Some(listed), Some(peer)))
        }
        _ => None,
    }
}

/// Parses one common or combined format line.
pub fn parse_line(line: &[u8]) -> Option<AccessLine<'_>> {
    let start = time_start(line)?;
    let mut before = line[..start].rsplitn(3, |b| *b == b' ');
    let (user, _ident, prefix) = (before.next()?, before.next()?, before.next()?);
    let (host, vhost, forwarded, peer) = head(prefix)?;
    let rest = line[start + 1..].strip_prefix(b"[")?;
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
        vhost,
        forwarded,
        peer,
        user,
        time,
        request,
        status,
        bytes,
        referer,
        user_agent,
    })
}

/// A line of a log in a layout given by its format string, as [`AccessLine`] holds it; the
/// request put together when the format logs its parts.
fn from_fields<'a>(
    f: &super::log_format::Fields<'a>,
) -> Option<(AccessLine<'a>, std::borrow::Cow<'a, [u8]>, Option<f64>)> {
    use super::log_format::Var;
    let dash: &[u8] = b"-";
    let time = f
        .get(Var::TimeLocal)
        .or_else(|| f.get(Var::TimeIso))
        .or_else(|| f.get(Var::TimeEpoch))?;
    let seconds = f
        .get(Var::Seconds)
        .and_then(parse_number)
        .or_else(|| f.get(Var::Micros).and_then(parse_number).map(|us| us / 1e6));
    let line = AccessLine {
        host: f.get(Var::Client).unwrap_or(dash),
        vhost: f.get(Var::VHost),
        forwarded: f.get(Var::ForwardedFor),
        peer: None,
        user: f.get(Var::User).unwrap_or(dash),
        time,
        request: b"",
        status: f.get(Var::Status).unwrap_or(dash),
        bytes: f.get(Var::Bytes).unwrap_or(dash),
        referer: f.get(Var::Referer),
        user_agent: f.get(Var::UserAgent),
    };
    Some((line, f.request().unwrap_or_default(), seconds))
}

/// Reads an access log, in the common or combined layout (with what may precede the client)
/// or in `layout`; a line whose client is not an address is skipped.
pub fn read(
    reader: impl BufRead,
    sink: &mut Sink<'_>,
    max_len: usize,
    layout: Option<&super::log_format::LogFormat>,
) -> Result<(), FormatError> {
    for_each_line(reader, sink, max_len, |line, sink| {
        let not_one = || match layout {
            Some(l) => RowError::new(
                "not in the log format",
                format!("'{}': {}", l.spec(), super::super::skips::snippet(line)),
            ),
            None => RowError::new("not an access log line", super::super::skips::snippet(line)),
        };
        let fields;
        let (a, request, seconds) = match layout {
            Some(l) => {
                fields = l.read(line).ok_or_else(not_one)?;
                from_fields(&fields).ok_or_else(not_one)?
            }
            None => {
                let a = parse_line(line).ok_or_else(not_one)?;
                let request = std::borrow::Cow::Borrowed(a.request);
                (a, request, None)
            }
        };
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
        d.duration_s = seconds;
        d.app_protocol.push_str("http");
        if a.status != b"-" {
            d.outcome.push_str(&decode_text(a.status));
        }
        if a.bytes != b"-" {
            d.bytes_received = parse_number(a.bytes);
        } else {
            d.bytes_received = Some(0.0);
        }
        d.add_detail(&decode_text(&request));
        if a.user != b"-" {
            d.add_detail_kv("user", &decode_text(a.user));
        }
        if let Some(v) = a.vhost {
            d.add_detail_kv("vhost", &decode_text(v));
        }
        if let Some(f) = a.forwarded {
            d.add_detail_kv("forwarded_for", &decode_text(f));
        }
        if let Some(p) = a.peer {
            d.add_detail_kv("peer", &decode_text(p));
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
        assert!(parse_line(b"- - [03/Oct/2004:09:54:22 -0400] \"GET /\" 200 1").is_none());
        assert!(
            parse_line(br#"1.2.3.4 - - [03/Oct/2004:09:54:22 -0400] "GET /" 200 abc"#).is_none()
        );
    }

    #[test]
    fn virtual_hosts_and_forwarded_chains() {
        let line = |head: &str| {
            format!("{head} - - [07/Dec/2016:11:05:07 +0100] \"GET /ocelot HTTP/1.1\" 200 571 \"-\" \"-\"")
        };
        let parts = |head: &str| {
            let l = line(head);
            let a = parse_line(l.as_bytes()).map(|a| {
                let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                (s(a.host), a.vhost.map(s), a.forwarded.map(s), a.peer.map(s))
            });
            a
        };
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            parts("10.0.0.2, 10.0.0.1, 85.181.35.98"),
            Some((
                "85.181.35.98".into(),
                None,
                some("10.0.0.2, 10.0.0.1, 85.181.35.98"),
                None
            ))
        );
        assert_eq!(
            parts("10.0.0.2, 10.0.0.1, 127.0.0.1").unwrap().0,
            "10.0.0.2"
        );
        assert_eq!(
            parts("\"10.5.102.222, 199.96.1.1, 204.246.1.1\" 10.2.1.185"),
            Some((
                "199.96.1.1".into(),
                None,
                some("10.5.102.222, 199.96.1.1, 204.246.1.1"),
                some("10.2.1.185")
            ))
        );
        assert_eq!(
            parts("example.com:80 81.2.69.143"),
            Some(("81.2.69.143".into(), some("example.com:80"), None, None))
        );
        assert_eq!(
            parts("1.128.3.4 2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121"),
            Some((
                "2a02:cf40:10ff:f00f:0000:0000:0:8000".into(),
                some("1.128.3.4"),
                some("2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17"),
                some("10.2.2.121")
            ))
        );
        assert_eq!(
            parts("vhost1.domaine.fr 192.168.33.2"),
            Some(("192.168.33.2".into(), some("vhost1.domaine.fr"), None, None))
        );
    }
}
