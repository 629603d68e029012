//! Access logs of any layout, given as the web server's own format string: an nginx
//! `log_format` (`$remote_addr - $remote_user [$time_local] "$request" ...`) or an Apache
//! `LogFormat` (`%h %l %u %t \"%r\" %>s %b ...`), as GoAccess and the servers take them.
//! Each field is read up to the literal text that follows it in the format.

use std::borrow::Cow;

/// What a field of the format holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    /// The client address (`$remote_addr`, `%h`, `%a`).
    Client,
    /// The remote user (`$remote_user`, `%u`).
    User,
    /// The time as `10/Oct/2000:13:55:36 -0700` (`$time_local`; `%t` with its brackets).
    TimeLocal,
    /// The time in ISO 8601 (`$time_iso8601`).
    TimeIso,
    /// Seconds since the epoch, with milliseconds (`$msec`).
    TimeEpoch,
    /// The request line (`$request`, `%r`).
    Request,
    /// The method (`$request_method`, `%m`).
    Method,
    /// The target (`$request_uri`, `%U%q`).
    Uri,
    /// The query string (`%q`, `?` included), appended to the target.
    Query,
    /// The protocol (`$server_protocol`, `%H`).
    Protocol,
    /// The status (`$status`, `%>s`, `%s`).
    Status,
    /// Bytes sent in answer (`$body_bytes_sent`, `$bytes_sent`, `%b`, `%B`, `%O`).
    Bytes,
    /// The referrer (`$http_referer`, `%{Referer}i`).
    Referer,
    /// The user agent (`$http_user_agent`, `%{User-Agent}i`).
    UserAgent,
    /// The X-Forwarded-For chain (`$http_x_forwarded_for`, `%{X-Forwarded-For}i`).
    ForwardedFor,
    /// The virtual host (`$host`, `$server_name`, `%v`).
    VHost,
    /// The request's duration in seconds (`$request_time`, `%T`).
    Seconds,
    /// The request's duration in microseconds (`%D`).
    Micros,
    /// Anything else: read and not kept.
    Skip,
}

/// A piece of the format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Vec<u8>),
    Field(Var),
}

/// A compiled access-log format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFormat {
    spec: String,
    parts: Vec<Part>,
}

/// One line read through a [`LogFormat`]: the fields it holds.
#[derive(Debug, Default)]
pub struct Fields<'a> {
    /// The values read, by what they hold (the first of each).
    pub values: Vec<(Var, &'a [u8])>,
}

impl<'a> Fields<'a> {
    /// The value of `var`, unless absent or `-`.
    pub fn get(&self, var: Var) -> Option<&'a [u8]> {
        self.values
            .iter()
            .find(|(v, _)| *v == var)
            .map(|(_, b)| *b)
            .filter(|b| !b.is_empty() && *b != b"-")
    }

    /// The request line: as logged, or put together from its method, target and protocol.
    pub fn request(&self) -> Option<Cow<'a, [u8]>> {
        if let Some(r) = self.values.iter().find(|(v, _)| *v == Var::Request) {
            return Some(Cow::Borrowed(r.1));
        }
        let uri = self.get(Var::Uri)?;
        let mut line = Vec::new();
        if let Some(m) = self.get(Var::Method) {
            line.extend_from_slice(m);
            line.push(b' ');
        }
        line.extend_from_slice(uri);
        if let Some(q) = self.get(Var::Query) {
            line.extend_from_slice(q);
        }
        if let Some(p) = self.get(Var::Protocol) {
            line.push(b' ');
            line.extend_from_slice(p);
        }
        Some(Cow::Owned(line))
    }
}

impl LogFormat {
    /// Compiles an nginx `log_format` (with `$variables`) or an Apache `LogFormat` (with
    /// `%directives`); the quotes a configuration file escapes (`\"`) may stay escaped.
    pub fn parse(spec: &str) -> Result<LogFormat, String> {
        let text = spec.trim().replace("\\\"", "\"");
        let text = match text.as_str() {
            "combined" | "COMBINED" => {
                "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"".to_owned()
            }
            "common" | "COMMON" => "%h %l %u %t \"%r\" %>s %b".to_owned(),
            "vhost_combined" => {
                "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"".to_owned()
            }
            _ => text,
        };
        let parts = if text.contains('$') && !text.contains('%') {
            nginx(&text)?
        } else {
            apache(&text)?
        };
        let mut merged: Vec<Part> = Vec::new();
        for p in parts {
            match (merged.last_mut(), p) {
                (Some(Part::Literal(a)), Part::Literal(b)) => a.extend_from_slice(&b),
                (Some(Part::Field(_)), Part::Field(_)) => {
                    return Err(format!(
                        "'{spec}': two fields with nothing between them cannot be told apart"
                    ))
                }
                (_, p) => merged.push(p),
            }
        }
        let has = |v: Var| merged.contains(&Part::Field(v));
        if !has(Var::Client) {
            return Err(format!(
                "'{spec}' names no client address ($remote_addr or %h): no source could be read"
            ));
        }
        if !(has(Var::TimeLocal) || has(Var::TimeIso) || has(Var::TimeEpoch)) {
            return Err(format!(
                "'{spec}' names no time ($time_local, $time_iso8601, $msec or %t)"
            ));
        }
        Ok(LogFormat {
            spec: spec.to_owned(),
            parts: merged,
        })
    }

    /// The format as given.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Reads one line; `None` when it does not follow the format.
    pub fn read<'a>(&self, line: &'a [u8]) -> Option<Fields<'a>> {
        let mut at = 0;
        let mut fields = Fields::default();
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(l) => {
                    if !line[at..].starts_with(l) {
                        return None;
                    }
                    at += l.len();
                }
                Part::Field(var) => {
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => at + find_end(&line[at..], next, *var)?,
                        _ => line.len(),
                    };
                    fields.values.push((*var, &line[at..end]));
                    at = end;
                }
            }
        }
        (at == line.len() || line[at..].trim_ascii().is_empty()).then_some(fields)
    }
}

/// Where a field ends: the first `next` after it; for a quoted request, referrer or agent
/// (`next` starting with a quote), the first such quote followed by what comes next.
fn find_end(rest: &[u8], next: &[u8], var: Var) -> Option<usize> {
    let quoted = next.first() == Some(&b'"')
        && matches!(var, Var::Request | Var::Referer | Var::UserAgent | Var::Uri);
    if !quoted {
        return memchr::memmem::find(rest, next);
    }
    // A request may hold a quote: take the first closing quote the rest of the line follows.
    memchr::memmem::find_iter(rest, next).find(|&i| i == 0 || rest[i - 1] != b'\\')
}

/// The parts of an nginx `log_format`.
fn nginx(text: &str) -> Result<Vec<Part>, String> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let j = memchr::memchr(b'$', &b[i..]).map_or(b.len(), |j| i + j);
            parts.push(Part::Literal(b[i..j].to_vec()));
            i = j;
            continue;
        }
        let braced = b.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let mut j = start;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if j == start {
            return Err(format!("'{text}': a '$' at byte {i} names no variable"));
        }
        let name = &text[start..j];
        if braced {
            if b.get(j) != Some(&b'}') {
                return Err(format!("'{text}': '${{{name}' is not closed"));
            }
            j += 1;
        }
        parts.push(Part::Field(nginx_var(name)));
        i = j;
    }
    Ok(parts)
}

fn nginx_var(name: &str) -> Var {
    match name {
        "remote_addr" | "realip_remote_addr" | "binary_remote_addr" => Var::Client,
        "remote_user" => Var::User,
        "time_local" => Var::TimeLocal,
        "time_iso8601" => Var::TimeIso,
        "msec" => Var::TimeEpoch,
        "request" => Var::Request,
        "request_method" => Var::Method,
        "request_uri" | "uri" | "document_uri" => Var::Uri,
        "server_protocol" => Var::Protocol,
        "status" => Var::Status,
        "body_bytes_sent" | "bytes_sent" => Var::Bytes,
        "http_referer" => Var::Referer,
        "http_user_agent" => Var::UserAgent,
        "http_x_forwarded_for" | "proxy_add_x_forwarded_for" => Var::ForwardedFor,
        "host" | "http_host" | "server_name" => Var::VHost,
        "request_time" => Var::Seconds,
        _ => Var::Skip,
    }
}

/// The parts of an Apache `LogFormat`.
fn apache(text: &str) -> Result<Vec<Part>, String> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            let j = memchr::memchr(b'%', &b[i..]).map_or(b.len(), |j| i + j);
            parts.push(Part::Literal(b[i..j].to_vec()));
            i = j;
            continue;
        }
        let mut j = i + 1;
        // Conditions and the final-status mark: `%>s`, `%<s`, `%400,501{User-agent}i`.
        while j < b.len() && (matches!(b[j], b'>' | b'<' | b'!' | b',') || b[j].is_ascii_digit()) {
            j += 1;
        }
        let mut arg = "";
        if b.get(j) == Some(&b'{') {
            let close = memchr::memchr(b'}', &b[j..])
                .ok_or_else(|| format!("'{text}': a '%{{' at byte {i} is not closed"))?;
            arg = &text[j + 1..j + close];
            j += close + 1;
        }
        let Some(&d) = b.get(j) else {
            return Err(format!("'{text}': a '%' at the end names no directive"));
        };
        j += 1;
        match d {
            b'%' => parts.push(Part::Literal(b"%".to_vec())),
            // `%U%q`: the query string is read with the path it follows.
            b'q' if parts.last() == Some(&Part::Field(Var::Uri)) => {}
            b't' if arg.is_empty() => {
                parts.push(Part::Literal(b"[".to_vec()));
                parts.push(Part::Field(Var::TimeLocal));
                parts.push(Part::Literal(b"]".to_vec()));
            }
            _ => parts.push(Part::Field(apache_var(d, arg))),
        }
        i = j;
    }
    Ok(parts)
}

fn apache_var(directive: u8, arg: &str) -> Var {
    match (directive, arg.to_ascii_lowercase().as_str()) {
        (b'h' | b'a', _) => Var::Client,
        (b'u', _) => Var::User,
        (b'r', _) => Var::Request,
        (b'm', _) => Var::Method,
        (b'U', _) => Var::Uri,
        (b'q', _) => Var::Query,
        (b'H', _) => Var::Protocol,
        (b's', _) => Var::Status,
        (b'b' | b'B' | b'O', _) => Var::Bytes,
        (b'i', "referer") => Var::Referer,
        (b'i', "user-agent") => Var::UserAgent,
        (b'i', "x-forwarded-for") => Var::ForwardedFor,
        (b'v' | b'V', _) => Var::VHost,
        (b'T', "") => Var::Seconds,
        (b'D', _) => Var::Micros,
        _ => Var::Skip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_and_apache_formats_read_their_lines() {
        let f = LogFormat::parse(
            r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time host=$host"#,
        )
        .unwrap();
        let line = br#"203.0.113.9 - - [06/Dec/2026:01:02:03 +0000] "GET /a"b HTTP/1.1" 404 153 "-" "curl/8.0" rt=0.012 host=example.org"#;
        let v = f.read(line).unwrap();
        assert_eq!(v.get(Var::Client), Some(&b"203.0.113.9"[..]));
        assert_eq!(v.request().unwrap().as_ref(), b"GET /a\"b HTTP/1.1");
        assert_eq!(v.get(Var::UserAgent), Some(&b"curl/8.0"[..]));
        assert_eq!(v.get(Var::Seconds), Some(&b"0.012"[..]));
        assert_eq!(v.get(Var::VHost), Some(&b"example.org"[..]));
        assert!(f.read(b"garbage").is_none());

        let a = LogFormat::parse(r#"%v:%p %h %l %u %t \"%m %U%q %H\" %>s %O %D"#).unwrap();
        let v = a
            .read(br#"www.example.com:443 198.51.100.7 - bob [10/Oct/2000:13:55:36 -0700] "POST /login?x=1 HTTP/1.1" 200 2326 5123"#)
            .unwrap();
        assert_eq!(v.request().unwrap().as_ref(), b"POST /login?x=1 HTTP/1.1");
        assert_eq!(v.get(Var::User), Some(&b"bob"[..]));
        assert_eq!(v.get(Var::Micros), Some(&b"5123"[..]));
        assert_eq!(
            v.get(Var::TimeLocal),
            Some(&b"10/Oct/2000:13:55:36 -0700"[..])
        );
        assert!(LogFormat::parse("$request $status").is_err());
        assert!(LogFormat::parse("$remote_addr$remote_user [$time_local]").is_err());
        assert!(LogFormat::parse("combined").is_ok());
    }
}
