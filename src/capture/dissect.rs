//! What a flow's first payloads say, read cheaply: a DNS question and its answer's code, an
//! HTTP request line and Host, a TLS ClientHello's server name (SNI) and JA3 fingerprint.

/// What the payloads of a flow said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppInfo {
    /// The application protocol recognised (`dns`, `http`, `tls`), if any.
    pub protocol: Option<&'static str>,
    /// What it said, as `key=value` parts (`query=example.com`, `request=GET / HTTP/1.1`,
    /// `sni=...`, `ja3=...`). The request line is keyed, not plain text as an access log's:
    /// a client's request to any server (its proxy too) is not a request to the analyst's own
    /// web server, which the web findings judge.
    pub parts: Vec<(&'static str, String)>,
}

/// The name of a DNS answer code.
fn rcode_name(code: u8) -> String {
    match code {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        n => format!("RCODE{n}"),
    }
}

/// A DNS message's first question name and type, and whether it is an answer with its code.
pub fn dns(payload: &[u8]) -> Option<(String, u16, Option<String>)> {
    if payload.len() < 12 {
        return None;
    }
    let answer = payload[2] & 0x80 != 0;
    let rcode = payload[3] & 0x0f;
    let questions = u16::from_be_bytes([payload[4], payload[5]]);
    if questions == 0 {
        return None;
    }
    let mut at = 12;
    let mut labels: Vec<String> = Vec::new();
    loop {
        let len = *payload.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        if len & 0xc0 != 0 || labels.len() > 127 {
            return None;
        }
        let label = payload.get(at..at + len)?;
        labels.push(String::from_utf8_lossy(label).into_owned());
        at += len;
    }
    let qtype = u16::from_be_bytes([*payload.get(at)?, *payload.get(at + 1)?]);
    let name = if labels.is_empty() {
        ".".into()
    } else {
        labels.join(".")
    };
    Some((name, qtype, answer.then(|| rcode_name(rcode))))
}

/// What the first bytes of an HTTP request say.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// The request line (`GET /a HTTP/1.1`).
    pub line: String,
    /// The Host header.
    pub host: Option<String>,
    /// The User-Agent header.
    pub user_agent: Option<String>,
}

/// An HTTP request's line, Host and User-Agent headers, from the first bytes a client sent.
pub fn http(payload: &[u8]) -> Option<HttpRequest> {
    const METHODS: [&[u8]; 9] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"CONNECT ",
        b"PATCH ",
        b"TRACE ",
    ];
    if !METHODS.iter().any(|m| payload.starts_with(m)) {
        return None;
    }
    let end = memchr::memmem::find(payload, b"\r\n").unwrap_or(payload.len().min(2048));
    let mut request = HttpRequest {
        line: String::from_utf8_lossy(&payload[..end]).into_owned(),
        ..HttpRequest::default()
    };
    let headers = &payload[(end + 2).min(payload.len())..];
    for l in headers
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .take_while(|l| !l.is_empty())
    {
        let Some(colon) = memchr::memchr(b':', l) else {
            continue;
        };
        let (k, v) = l.split_at(colon);
        let value = || Some(String::from_utf8_lossy(v[1..].trim_ascii()).into_owned());
        if k.eq_ignore_ascii_case(b"host") && request.host.is_none() {
            request.host = value();
        } else if k.eq_ignore_ascii_case(b"user-agent") && request.user_agent.is_none() {
            request.user_agent = value();
        }
    }
    Some(request)
}

/// GREASE values (RFC 8701), left out of JA3.
fn grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// A TLS ClientHello's server name and JA3 fingerprint (the MD5 of its version, ciphers,
/// extensions, groups and point formats), from the first bytes a client sent.
pub fn tls_client_hello(payload: &[u8]) -> Option<(Option<String>, String)> {
    // Record: handshake (22), version, length; handshake: ClientHello (1), length.
    if payload.len() < 9 || payload[0] != 22 || payload[1] != 3 || payload[5] != 1 {
        return None;
    }
    let b = &payload[9..];
    let version = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let mut at = 2 + 32;
    let session = *b.get(at)? as usize;
    at += 1 + session;
    let cipher_len = u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize;
    at += 2;
    let ciphers: Vec<u16> = b
        .get(at..at + cipher_len)?
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .filter(|c| !grease(*c))
        .collect();
    at += cipher_len;
    let compression = *b.get(at)? as usize;
    at += 1 + compression;
    let (mut extensions, mut groups, mut formats, mut sni) =
        (Vec::new(), Vec::new(), Vec::new(), None);
    if let (Some(&h), Some(&l)) = (b.get(at), b.get(at + 1)) {
        let end = (at + 2 + u16::from_be_bytes([h, l]) as usize).min(b.len());
        at += 2;
        while at + 4 <= end {
            let kind = u16::from_be_bytes([b[at], b[at + 1]]);
            let len = u16::from_be_bytes([b[at + 2], b[at + 3]]) as usize;
            let data = b.get(at + 4..at + 4 + len)?;
            at += 4 + len;
            if grease(kind) {
                continue;
            }
            extensions.push(kind);
            match kind {
                0 if data.len() > 5 && data[2] == 0 => {
                    let n = u16::from_be_bytes([data[3], data[4]]) as usize;
                    sni = data
                        .get(5..5 + n)
                        .map(|h| String::from_utf8_lossy(h).into_owned());
                }
                10 if data.len() >= 2 => {
                    groups = data[2..]
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .filter(|g| !grease(*g))
                        .collect();
                }
                11 if !data.is_empty() => formats = data[1..].to_vec(),
                _ => {}
            }
        }
    }
    let list = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>().join("-");
    let text = format!(
        "{version},{},{},{},{}",
        list(&ciphers),
        list(&extensions),
        list(&groups),
        formats
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("-")
    );
    use md5::Digest;
    let digest = md5::Md5::digest(text.as_bytes());
    let ja3 = digest.iter().map(|b| format!("{b:02x}")).collect();
    Some((sni, ja3))
}

/// What a flow's first payload from its originator, and its responder's, say, by transport
/// and ports.
pub fn app_info(udp: bool, ports: (u16, u16), orig: &[u8], resp: &[u8]) -> AppInfo {
    let mut info = AppInfo::default();
    let dns_port = |p: u16| matches!(p, 53 | 5353 | 5355);
    if udp && (dns_port(ports.0) || dns_port(ports.1)) {
        let question = dns(orig).or_else(|| dns(resp));
        if let Some((name, qtype, _)) = question {
            info.protocol = Some("dns");
            info.parts.push(("dns.query", name));
            info.parts.push(("dns.qtype", qtype.to_string()));
            if let Some((_, _, Some(rcode))) = dns(resp) {
                info.parts.push(("dns.rcode_name", rcode));
            }
        }
        return info;
    }
    if udp {
        return info;
    }
    if let Some(request) = http(orig) {
        info.protocol = Some("http");
        info.parts.push(("http.request", request.line));
        if let Some(h) = request.host {
            info.parts.push(("http.host", h));
        }
        if let Some(a) = request.user_agent {
            info.parts.push(("http.user_agent", a));
        }
    } else if let Some((sni, ja3)) = tls_client_hello(orig) {
        info.protocol = Some("tls");
        if let Some(s) = sni {
            info.parts.push(("ssl.server_name", s));
        }
        info.parts.push(("ssl.ja3", ja3));
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_and_http() {
        assert!(grease(0x0a0a) && grease(0xfafa) && !grease(0x0a0b));
        let r = http(b"GET /a HTTP/1.1\r\nUser-Agent: x y\r\nHost: example.org\r\n\r\n").unwrap();
        assert_eq!(r.line, "GET /a HTTP/1.1");
        assert_eq!(r.host.as_deref(), Some("example.org"));
        assert_eq!(r.user_agent.as_deref(), Some("x y"));
        assert!(http(b"\x16\x03\x01").is_none());
    }
}
