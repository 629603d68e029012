//! Parsing of the scalar values found in log fields: timestamps, numbers, addresses, protocols.

use std::net::IpAddr;

use chrono::NaiveDate;

/// Parses a timestamp in any of the layouts our formats use and returns microseconds since
/// the Unix epoch, UTC.
///
/// Accepted: ISO 8601 / RFC 3339 (`T` or space, optional fraction, `Z`, `+hh:mm`, `+hhmm` or no
/// zone, read as UTC), epoch seconds with optional fraction (milli- and microseconds when the
/// integer is too large for seconds), US `M/D/YYYY H:MM[:SS][ AM|PM]` (CIC-IDS2017) and the
/// Apache common log `DD/Mon/YYYY:HH:MM:SS +hhmm`.
pub fn parse_time(s: &str) -> Option<i64> {
    parse_time_bytes(s.as_bytes())
}

/// [`parse_time`] on raw bytes.
pub fn parse_time_bytes(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii();
    let b = b.strip_prefix(b"[").unwrap_or(b);
    let b = b.strip_suffix(b"]").unwrap_or(b);
    if b.is_empty() {
        return None;
    }
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        return parse_iso(b);
    }
    let s = std::str::from_utf8(b).ok()?;
    if b.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        return parse_epoch(s);
    }
    if b.len() >= 20 && b[2] == b'/' && b[6] == b'/' && b[11] == b':' {
        return parse_clf(b);
    }
    if b.contains(&b'/') {
        return parse_us(s);
    }
    None
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Microseconds from a fraction's digits (".5" -> 500000); extra digits are truncated.
fn fraction_us(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut us = 0i64;
    for i in 0..6 {
        us = us * 10 + b.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    Some(us)
}

fn civil_us(y: u32, mo: u32, d: u32, h: u32, mi: u32, sec: u32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?;
    let dt = date.and_hms_opt(h, mi, sec)?;
    Some(dt.and_utc().timestamp_micros())
}

/// Parses a zone suffix (`Z`, `+hh`, `+hh:mm`, `+hhmm`) into seconds east of UTC.
fn zone_offset_s(b: &[u8]) -> Option<i64> {
    match b {
        [] | [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest.len() {
                2 => (digits(rest)?, 0),
                4 => (digits(&rest[..2])?, digits(&rest[2..])?),
                5 if rest[2] == b':' => (digits(&rest[..2])?, digits(&rest[3..])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let off = i64::from(h * 3600 + m * 60);
            Some(if *sign == b'-' { -off } else { off })
        }
        _ => None,
    }
}

fn parse_iso(b: &[u8]) -> Option<i64> {
    let y = digits(&b[0..4])?;
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    if b.len() == 10 {
        return civil_us(y, mo, d, 0, 0, 0);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let h = digits(&b[11..13])?;
    let mi = digits(&b[14..16])?;
    let mut i = 16;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        sec = digits(b.get(i + 1..i + 3)?)?;
        i += 3;
    }
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        frac = fraction_us(&b[start..end])?;
        i = end;
    }
    let zone = b[i..].strip_prefix(b" ").unwrap_or(&b[i..]);
    let off = zone_offset_s(zone)?;
    Some(civil_us(y, mo, d, h, mi, sec.min(59))? + frac - off * 1_000_000)
}

fn parse_epoch(s: &str) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let int: i64 = int.parse().ok()?;
    let frac_us = if frac.is_empty() {
        0
    } else {
        fraction_us(frac.as_bytes())?
    };
    // Integers too large for seconds are milliseconds or microseconds.
    if int >= 100_000_000_000_000 {
        Some(int)
    } else if int >= 100_000_000_000 {
        Some(int * 1000 + frac_us / 1000)
    } else {
        Some(int * 1_000_000 + frac_us)
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn parse_clf(b: &[u8]) -> Option<i64> {
    let d = digits(&b[0..2])?;
    let mon = &b[3..6];
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let y = digits(&b[7..11])?;
    let h = digits(&b[12..14])?;
    let mi = digits(b.get(15..17)?)?;
    let sec = digits(b.get(18..20)?)?;
    let zone = b.get(20..).unwrap_or(&[]);
    let zone = zone.strip_prefix(b" ").unwrap_or(zone);
    let off = zone_offset_s(zone)?;
    Some(civil_us(y, mo, d, h, mi, sec)? - off * 1_000_000)
}

/// The UTC offset, in seconds east, a Common Log Format time (`[10/Oct/2000:13:55:36 -0700]`)
/// was written with.
pub fn clf_offset_s(b: &[u8]) -> Option<i32> {
    let b = b.trim_ascii();
    let b = b.strip_prefix(b"[").unwrap_or(b);
    let b = b.strip_suffix(b"]").unwrap_or(b);
    let zone = b.get(20..)?;
    let zone = zone.strip_prefix(b" ").unwrap_or(zone);
    zone_offset_s(zone).and_then(|s| i32::try_from(s).ok())
}

fn parse_us(s: &str) -> Option<i64> {
    let (date, rest) = s.split_once(' ').unwrap_or((s, ""));
    let mut parts = date.split('/');
    let mo = digits(parts.next()?.as_bytes())?;
    let d = digits(parts.next()?.as_bytes())?;
    let y = digits(parts.next()?.as_bytes())?;
    if parts.next().is_some() {
        return None;
    }
    let rest = rest.trim();
    let (clock, meridiem) = match rest.rsplit_once(' ') {
        Some((c, m)) if m.eq_ignore_ascii_case("AM") || m.eq_ignore_ascii_case("PM") => {
            (c, Some(m.eq_ignore_ascii_case("PM")))
        }
        _ => (rest, None),
    };
    let (mut h, mut mi, mut sec, mut frac) = (0, 0, 0, 0);
    if !clock.is_empty() {
        let mut t = clock.split(':');
        h = digits(t.next()?.as_bytes())?;
        mi = digits(t.next()?.as_bytes())?;
        if let Some(s) = t.next() {
            let (whole, f) = s.split_once('.').unwrap_or((s, ""));
            sec = digits(whole.as_bytes())?;
            if !f.is_empty() {
                frac = fraction_us(f.as_bytes())?;
            }
        }
    }
    match meridiem {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    Some(civil_us(y, mo, d, h, mi, sec)? + frac)
}

/// Parses a decimal number, allowing surrounding spaces, exponents, `inf` and `nan`.
pub fn parse_number(b: &[u8]) -> Option<f64> {
    let b = b.trim_ascii();
    // Fast path for plain non-negative integers, the common case in logs.
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0')) as f64);
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Parses a port: an integer 0-65535, or a float with no fractional part.
pub fn parse_port(b: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(b).ok()?.trim();
    if let Ok(p) = s.parse::<u16>() {
        return Some(p);
    }
    let f: f64 = s.parse().ok()?;
    (f.fract() == 0.0 && (0.0..=65535.0).contains(&f)).then_some(f as u16)
}

/// Parses an IPv4 or IPv6 address, allowing brackets around IPv6 and an IPv6 zone suffix.
/// An IPv4-mapped IPv6 address (`::ffff:81.2.69.142`) is the IPv4 address it carries, so that
/// a dual-stack server's log does not split one client into two sources.
pub fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    let b = b.trim_ascii();
    let b = b.strip_prefix(b"[").unwrap_or(b);
    let b = b.strip_suffix(b"]").unwrap_or(b);
    let b = memchr::memchr(b'%', b).map_or(b, |i| &b[..i]);
    let ip: IpAddr = std::str::from_utf8(b).ok()?.parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    })
}

/// The zone of a scoped IPv6 address (`eth0` of `fe80::1%eth0`), which [`parse_ip`] leaves
/// out of the address and readers keep in the event's detail.
pub fn zone_of(b: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let b = b.trim_ascii();
    let b = b.strip_suffix(b"]").unwrap_or(b);
    let i = memchr::memchr(b'%', b)?;
    Some(decode_text(&b[i + 1..])).filter(|z| !z.is_empty())
}

/// Normalises a transport protocol given as a name (`TCP`, `tcp_ip`) or an IANA number (`6`).
pub fn transport_name(raw: &str) -> String {
    let t = raw.trim();
    if let Ok(n) = t.parse::<u8>() {
        return match n {
            1 => "icmp",
            2 => "igmp",
            6 => "tcp",
            17 => "udp",
            47 => "gre",
            50 => "esp",
            51 => "ah",
            58 => "ipv6-icmp",
            132 => "sctp",
            _ => return n.to_string(),
        }
        .to_string();
    }
    let lower = t.to_ascii_lowercase();
    lower.strip_suffix("_ip").unwrap_or(&lower).to_string()
}

/// Decodes bytes as UTF-8, falling back to Latin-1 for byte sequences that are not UTF-8, so
/// that every byte of a log line survives as some character.
pub fn decode_text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(b.iter().map(|&c| char::from(c)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn iso_variants() {
        let base = utc(2024, 4, 25, 23, 0, 0);
        assert_eq!(parse_time("2024-04-25T23:00:00Z"), Some(base));
        assert_eq!(parse_time("2024-04-25 23:00:00"), Some(base));
        assert_eq!(parse_time("2024-04-26T00:00:00+01:00"), Some(base));
        assert_eq!(parse_time("2024-04-26T00:00:00+0100"), Some(base));
        assert_eq!(parse_time("2024-04-25T22:30:00-0030"), Some(base));
        assert_eq!(
            parse_time("2022-02-23T19:22:24.405644+0100"),
            Some(utc(2022, 2, 23, 18, 22, 24) + 405_644)
        );
        assert_eq!(
            parse_time("2017-11-11T06:19:12.385+0000"),
            Some(utc(2017, 11, 11, 6, 19, 12) + 385_000)
        );
        assert_eq!(parse_time("2024-04-25"), Some(utc(2024, 4, 25, 0, 0, 0)));
        assert_eq!(parse_time("2024-13-25T23:00:00Z"), None);
        assert_eq!(parse_time("2024-04-25T23:00:00 junk"), None);
    }

    #[test]
    fn epoch_and_us_and_clf() {
        assert_eq!(
            parse_time("1541117137.618695"),
            Some(1_541_117_137 * 1_000_000 + 618_695)
        );
        assert_eq!(parse_time("1764302499"), Some(1_764_302_499_000_000));
        assert_eq!(parse_time("1764302499123"), Some(1_764_302_499_123_000));
        assert_eq!(parse_time("7/7/2017 3:30"), Some(utc(2017, 7, 7, 3, 30, 0)));
        assert_eq!(
            parse_time("7/7/2017 3:30:15 PM"),
            Some(utc(2017, 7, 7, 15, 30, 15))
        );
        assert_eq!(
            parse_time("[25/Oct/2015:04:11:25 +0100]"),
            Some(utc(2015, 10, 25, 3, 11, 25))
        );
        assert_eq!(parse_time("not a time"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_number(b" 12.5 "), Some(12.5));
        assert_eq!(parse_number(b"Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_number(b"x"), None);
        assert_eq!(parse_port(b"443"), Some(443));
        assert_eq!(parse_port(b"443.0"), Some(443));
        assert_eq!(parse_port(b"70000"), None);
        assert_eq!(parse_ip(b"fe80::1%eth0").unwrap().to_string(), "fe80::1");
        assert_eq!(zone_of(b"fe80::1%eth0").as_deref(), Some("eth0"));
        assert_eq!(zone_of(b"[fe80::1%25]").as_deref(), Some("25"));
        assert_eq!(zone_of(b"fe80::1"), None);
        assert_eq!(parse_ip(b"10.0.0.300"), None);
        assert_eq!(
            parse_ip(b"::ffff:81.2.69.142").unwrap().to_string(),
            "81.2.69.142"
        );
        assert_eq!(parse_ip(b"::1").unwrap().to_string(), "::1");
        assert_eq!(transport_name("6"), "tcp");
        assert_eq!(transport_name("TCP"), "tcp");
        assert_eq!(transport_name("udp_ip"), "udp");
        assert_eq!(transport_name("99"), "99");
        assert_eq!(decode_text(b"caf\xe9"), "café");
    }
}
