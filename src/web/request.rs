//! What an access log's request line, status and referrer say, read by the rules GoAccess 1.7
//! applies, so that the Web view's counts can be checked against it to the hit: the method
//! and protocol taken from the request line, the URL percent-decoded once, static files known
//! by their extension, the referring site taken from the referrer.

/// The methods a request line may start with (matched without regard to case).
const METHODS: [&str; 30] = [
    "OPTIONS",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "TRACE",
    "CONNECT",
    "PATCH",
    "SEARCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "REPORT",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "BASELINE-CONTROL",
    "MKACTIVITY",
    "ORDERPATCH",
    "ACL",
];

/// The protocols a request line may end with, as a prefix without regard to case
/// (`HTTP/2.0` is `HTTP/2`).
const PROTOCOLS: [&str; 4] = ["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"];

/// Extensions of static files (GoAccess's default list), matched at the end of the URL
/// without regard to case; a URL with a query string is not a static file.
const STATIC_EXTENSIONS: [&str; 40] = [
    ".css", ".js", ".jpg", ".png", ".gif", ".ico", ".jpeg", ".pdf", ".csv", ".mpeg", ".mpg",
    ".swf", ".woff", ".woff2", ".xls", ".xlsx", ".doc", ".docx", ".ppt", ".pptx", ".txt", ".zip",
    ".ogg", ".mp3", ".mp4", ".exe", ".iso", ".gz", ".rar", ".svg", ".bmp", ".tar", ".tgz", ".tiff",
    ".tif", ".ttf", ".flv", ".dmg", ".xz", ".zst",
];

/// A request line taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    /// The method in capitals, or `---` when the line starts with none known.
    pub method: String,
    /// The protocol (`HTTP/1.1`), or `---` when the line has none known.
    pub protocol: String,
    /// The URL decoded once, with its query string; the whole line when it has no known
    /// method, `-` when it has a method but no protocol.
    pub url: String,
}

impl Request {
    /// Reads `line` (what the log quotes as the request; empty or `-` when none).
    pub fn parse(line: &str) -> Request {
        let none = || "---".to_owned();
        let method = METHODS.iter().find(|m| {
            line.get(..m.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(m))
        });
        let Some(method) = method else {
            let url = if line.is_empty() { "-" } else { line };
            return Request {
                method: none(),
                protocol: none(),
                url: decode_url(url),
            };
        };
        let rest = &line[method.len()..];
        let protocol = rest.rfind(' ').and_then(|i| {
            let tail = &rest[i + 1..];
            PROTOCOLS
                .iter()
                .find(|p| {
                    tail.get(..p.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(p))
                })
                .map(|p| (i, *p))
        });
        match protocol {
            Some((end, protocol)) if end > 1 => Request {
                method: (*method).to_owned(),
                protocol: protocol.to_owned(),
                url: decode_url(&rest[1..end]),
            },
            _ => Request {
                method: none(),
                protocol: none(),
                url: "-".into(),
            },
        }
    }

    /// Whether the URL names a static file.
    pub fn is_static(&self) -> bool {
        let url = self.url.as_bytes();
        STATIC_EXTENSIONS.iter().any(|ext| {
            url.len() >= ext.len()
                && url[url.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
        })
    }
}

/// `url` with each `%XX` decoded once (`+` stays), cut at a decoded NUL, without line breaks
/// and trimmed; decoded bytes that are not UTF-8 are kept one character per byte (Latin-1), so
/// that two different byte sequences never read as one. A URL that decodes to nothing stays
/// as it was.
pub fn decode_url(url: &str) -> String {
    let b = url.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |k: usize| b.get(k).and_then(|c| (*c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    if let Some(nul) = out.iter().position(|&c| c == 0) {
        out.truncate(nul);
    }
    out.retain(|&c| c != b'\n' && c != b'\r');
    let text = match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&c| char::from(c)).collect(),
    };
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if trimmed.is_empty() {
        url.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The site a referrer names: what follows its first `//` up to the next `/` (`host:8080`);
/// none for `-` or a referrer without `//`.
pub fn referring_site(referrer: &str) -> Option<&str> {
    let (_, rest) = referrer.split_once("//")?;
    let site = rest.split('/').next().unwrap_or(rest);
    (!site.is_empty()).then_some(site)
}

/// Whether a status counts its client as a visitor: 4xx answers do not (GoAccess's default,
/// `4xx-to-unique-count false`), so that a scanner's misses make no visitors.
pub fn counts_visitor(status: &str) -> bool {
    !status.starts_with('4')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(line: &str) -> (String, String, String) {
        let r = Request::parse(line);
        (r.method, r.protocol, r.url)
    }

    #[test]
    fn request_lines_as_goaccess_reads_them() {
        let p = |m: &str, pr: &str, u: &str| (m.to_owned(), pr.to_owned(), u.to_owned());
        assert_eq!(parts("GET /a HTTP/1.1"), p("GET", "HTTP/1.1", "/a"));
        assert_eq!(parts("get /lower http/1.1"), p("GET", "HTTP/1.1", "/lower"));
        assert_eq!(parts("GET /x HTTP/2.0"), p("GET", "HTTP/2", "/x"));
        assert_eq!(
            parts("GET /sp ace HTTP/1.1"),
            p("GET", "HTTP/1.1", "/sp ace")
        );
        assert_eq!(
            parts("GET  /double HTTP/1.1"),
            p("GET", "HTTP/1.1", "/double")
        );
        assert_eq!(parts("GET /scripts/nsiislog.dll"), p("---", "---", "-"));
        assert_eq!(parts("FOO /x HTTP/1.1"), p("---", "---", "FOO /x HTTP/1.1"));
        assert_eq!(parts("-"), p("---", "---", "-"));
        assert_eq!(parts(""), p("---", "---", "-"));
    }

    #[test]
    fn urls_are_decoded_once() {
        assert_eq!(decode_url("/%41%42?x=%2F+y%zz%4"), "/AB?x=/+y%zz%4");
        assert_eq!(decode_url("/nul%00after"), "/nul");
        assert_eq!(decode_url("/%25%32%35"), "/%25");
        assert_eq!(decode_url("/%20trail%20"), "/ trail");
        assert_eq!(decode_url("/..%%35%63../"), "/..%5c../");
        assert_eq!(decode_url("/..%c0%af../"), "/..\u{c0}\u{af}../");
        assert_eq!(decode_url("%00"), "%00");
    }

    #[test]
    fn static_files_referrers_and_visitors() {
        assert!(Request::parse("GET /b.CSS HTTP/1.1").is_static());
        assert!(!Request::parse("GET /c.js?v=1 HTTP/1.1").is_static());
        assert!(!Request::parse("GET /f.html HTTP/1.1").is_static());
        assert_eq!(referring_site("http://host:8080/path"), Some("host:8080"));
        assert_eq!(
            referring_site("http://a.example?q=1"),
            Some("a.example?q=1")
        );
        assert_eq!(
            referring_site("android-app://com.google/"),
            Some("com.google")
        );
        assert_eq!(referring_site("-"), None);
        assert!(counts_visitor("500") && !counts_visitor("404") && !counts_visitor("444"));
    }
}
