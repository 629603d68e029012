//! Format detection from the first bytes of a file.

use super::Format;

/// Why a file's format could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SniffError {
    /// The file holds no bytes (after decompression).
    Empty,
    /// The file holds only blank lines.
    Blank,
    /// The content is binary, not text. Holds the offset of the first NUL or control byte.
    Binary(usize),
    /// Compressed with something other than gzip; names the compression.
    Compressed(#[serde(deserialize_with = "crate::events::static_text")] crate::events::StaticText),
    /// An archive of several files (tar); names the kind.
    Archive(#[serde(deserialize_with = "crate::events::static_text")] crate::events::StaticText),
    /// Text that matches no known format; the message says what was looked for.
    Unrecognised(String),
}

/// What the sniffer learned about a delimited file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The detected format.
    pub format: Format,
    /// Field delimiter for delimited formats (`,`, tab, `;`, `|`).
    pub delimiter: u8,
}

/// Detects the format of a file from its first bytes.
pub fn sniff(head: &[u8]) -> Result<Sniffed, SniffError> {
    if head.is_empty() {
        return Err(SniffError::Empty);
    }
    if crate::capture::is_capture(head) {
        return Ok(Sniffed {
            format: Format::Capture,
            delimiter: 0,
        });
    }
    check_text(head)?;
    let lines = sample_lines(head);
    let Some(first) = lines.first() else {
        return Err(SniffError::Blank);
    };
    let plain = |format| Sniffed {
        format,
        delimiter: b',',
    };
    if lines.iter().any(|l| l.starts_with(b"#fields\t")) || first.starts_with(b"#separator") {
        return Ok(Sniffed {
            format: Format::ZeekTsv,
            delimiter: b'\t',
        });
    }
    // One odd line never decides a file's format: when most sampled lines are of one
    // line-based kind other than the first line's, the file is of that kind, and the reader
    // skips and reports the odd lines.
    if lines.len() >= 3 {
        let kinds: Vec<LineKind> = lines.iter().map(|l| line_kind(l)).collect();
        for kind in [LineKind::Json, LineKind::Vpc, LineKind::Access] {
            let n = kinds.iter().filter(|k| **k == kind).count();
            if n * 2 > lines.len() && kinds[0] != kind {
                let of_kind: Vec<&[u8]> = lines
                    .iter()
                    .zip(&kinds)
                    .filter(|(_, k)| **k == kind)
                    .map(|(l, _)| *l)
                    .collect();
                return match kind {
                    LineKind::Json => sniff_json(&of_kind).map(plain),
                    LineKind::Vpc => Ok(Sniffed {
                        format: Format::VpcFlow,
                        delimiter: b' ',
                    }),
                    _ => Ok(plain(Format::AccessLog)),
                };
            }
        }
    }
    if first.starts_with(b"{") {
        return sniff_json(&lines).map(plain);
    }
    if is_vpc(first) {
        return Ok(Sniffed {
            format: Format::VpcFlow,
            delimiter: b' ',
        });
    }
    if is_access_log(first) {
        return Ok(plain(Format::AccessLog));
    }
    sniff_delimited(&lines)
}

/// What one line looks like, for the vote of the sampled lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Json,
    Vpc,
    Access,
    Other,
}

fn line_kind(line: &[u8]) -> LineKind {
    if line.trim_ascii_start().starts_with(b"{") {
        LineKind::Json
    } else if is_vpc(line) {
        LineKind::Vpc
    } else if is_access_log(line) {
        LineKind::Access
    } else {
        LineKind::Other
    }
}

/// Magic bytes of compressions we do not decode.
const OTHER_COMPRESSIONS: [(&[u8], &str); 5] = [
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\0", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
];

/// Rejects binary content: other compressions, NUL bytes, or mostly control bytes. Attack
/// traffic logs legitimately hold some control bytes (shellcode in URLs), so a few are fine.
fn check_text(head: &[u8]) -> Result<(), SniffError> {
    // POSIX and GNU tar headers carry "ustar" at byte 257.
    if head.get(257..262) == Some(b"ustar") {
        return Err(SniffError::Archive("tar"));
    }
    if let Some((_, name)) = OTHER_COMPRESSIONS.iter().find(|(m, _)| head.starts_with(m)) {
        return Err(SniffError::Compressed(name));
    }
    if let Some(pos) = memchr::memchr(0, head) {
        return Err(SniffError::Binary(pos));
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    if control * 10 > head.len() * 3 {
        let pos = head
            .iter()
            .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
            .unwrap_or(0);
        return Err(SniffError::Binary(pos));
    }
    Ok(())
}

/// Non-blank lines of the head, without the last one if it may be cut off.
fn sample_lines(head: &[u8]) -> Vec<&[u8]> {
    let complete = head.len() < super::input::HEAD_BYTES || head.ends_with(b"\n");
    let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    if !complete && lines.len() > 1 {
        lines.pop();
    }
    let bom = [0xef, 0xbb, 0xbf];
    lines
        .into_iter()
        .map(|l| l.strip_prefix(&bom[..]).unwrap_or(l))
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(50)
        .collect()
}

fn sniff_json(lines: &[&[u8]]) -> Result<Format, SniffError> {
    let mut last_keys = Vec::new();
    for line in lines.iter().take(10) {
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(line)
        else {
            continue;
        };
        let has = |k: &str| obj.contains_key(k);
        if has("event_type") && has("timestamp") {
            return Ok(Format::SuricataEve);
        }
        if obj
            .get("eventid")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s.starts_with("cowrie."))
        {
            return Ok(Format::Cowrie);
        }
        if has("connection") && (has("src_ip") || has("remote")) {
            return Ok(Format::Dionaea);
        }
        if has("source_ip") && (has("honeypot") || has("identifier")) {
            return Ok(Format::DionaeaMhn);
        }
        if has("id.orig_h") || (has("ts") && has("uid")) {
            return Ok(Format::ZeekJson);
        }
        last_keys = obj.keys().take(12).cloned().collect();
    }
    if last_keys.is_empty() {
        return Err(SniffError::Unrecognised(
            "starts like JSON but no line in the first 10 parses as a JSON object".into(),
        ));
    }
    Err(SniffError::Unrecognised(format!(
        "JSON lines with keys [{}]; expected Suricata eve (event_type), Cowrie (eventid cowrie.*), \
         Dionaea (connection, src_ip), an MHN export (source_ip, honeypot) or Zeek (id.orig_h)",
        last_keys.join(", ")
    )))
}

fn is_vpc(line: &[u8]) -> bool {
    let tokens: Vec<&[u8]> = line
        .split(|b| *b == b' ')
        .filter(|t| !t.is_empty())
        .collect();
    let has = |name: &[u8]| tokens.contains(&name);
    if has(b"srcaddr") && has(b"dstaddr") {
        return true;
    }
    let version = tokens
        .first()
        .is_some_and(|t| t.iter().all(u8::is_ascii_digit));
    let eni = tokens.len() >= 14 && tokens[2].starts_with(b"eni-");
    // Every field of version 5, 7 or 8 (the interface may be `-`), or a transit gateway's.
    let documented = matches!(tokens.len(), 29 | 39 | 40)
        && tokens[1].iter().all(u8::is_ascii_digit)
        && tokens[12].iter().all(u8::is_ascii_alphabetic);
    let tgw = tokens.len() == 36 && tokens[3].starts_with(b"tgw-");
    version && (eni || documented || tgw)
}

/// `host ident user [dd/Mon/yyyy:hh:mm:ss zone] "`
fn is_access_log(line: &[u8]) -> bool {
    super::formats::access_log::parse_line(line).is_some()
}

/// Counts `delim` outside double quotes.
fn count_outside_quotes(line: &[u8], delim: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delim && !quoted {
            n += 1;
        }
    }
    n
}

fn sniff_delimited(lines: &[&[u8]]) -> Result<Sniffed, SniffError> {
    let delimiter = [b',', b'\t', b';', b'|']
        .into_iter()
        .filter_map(|d| {
            let first = count_outside_quotes(lines[0], d);
            if first == 0 {
                return None;
            }
            let agree = lines
                .iter()
                .filter(|l| count_outside_quotes(l, d) == first)
                .count();
            Some((agree, first, d))
        })
        .max()
        .map(|(_, _, d)| d)
        .ok_or_else(|| {
            SniffError::Unrecognised(
                "not JSON lines, Zeek TSV, a VPC flow log or an access log, and no comma, tab, \
                 semicolon or pipe separates columns"
                    .into(),
            )
        })?;
    let fields: Vec<String> = split_simple(lines[0], delimiter);
    let lower: Vec<String> = fields
        .iter()
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |n: &str| lower.iter().any(|f| f == n);
    let format = if has("bytes_in") && has("bytes_out") && has("src_ip") {
        Format::CloudWatch
    } else if has("flow duration") && (has("src ip") || has("source ip") || has("label")) {
        Format::CicFlow
    } else if has("totalsourcebytes") || has("startdatetime") {
        Format::Iscx2012
    } else if has("id.orig_h") {
        Format::ZeekCsv
    } else if has("sbytes") && has("dbytes") {
        Format::UnswNb15
    } else if is_kdd_row(&lower) {
        if lower.len() == 43 {
            Format::NslKdd
        } else {
            Format::Kdd99
        }
    } else if lower
        .iter()
        .all(|f| f.parse::<f64>().is_ok() || f.is_empty())
    {
        return Err(SniffError::Unrecognised(
            "a CSV whose first row is data, not a header, and not laid out like NSL-KDD/KDD99 \
             (41 features + label); add a header row to map its columns"
                .into(),
        ));
    } else {
        Format::MappedCsv
    };
    Ok(Sniffed { format, delimiter })
}

fn split_simple(line: &[u8], delim: u8) -> Vec<String> {
    line.split(|b| *b == delim)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

fn is_kdd_row(fields: &[String]) -> bool {
    (fields.len() == 42 || fields.len() == 43)
        && fields[0].parse::<f64>().is_ok()
        && matches!(fields[1].as_str(), "tcp" | "udp" | "icmp")
        && fields[4].parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &[u8]) -> Format {
        sniff(s).unwrap().format
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(
            fmt(b"#separator \\x09\n#fields\tts\tuid\n"),
            Format::ZeekTsv
        );
        assert_eq!(
            fmt(b"{\"timestamp\":\"x\",\"event_type\":\"flow\"}\n"),
            Format::SuricataEve
        );
        assert_eq!(
            fmt(b"{\"eventid\":\"cowrie.session.connect\"}\n"),
            Format::Cowrie
        );
        assert_eq!(fmt(b"{\"ts\":1.0,\"uid\":\"C1\"}\n"), Format::ZeekJson);
        assert_eq!(
            fmt(b"2 1 eni-0a 1.1.1.1 2.2.2.2 1 2 6 1 44 1 2 REJECT OK\n"),
            Format::VpcFlow
        );
        assert_eq!(
            fmt(b"1.2.3.4 - - [25/Oct/2015:04:11:25 +0100] \"GET / HTTP/1.1\" 200 5\n"),
            Format::AccessLog
        );
        assert_eq!(fmt(b"a;b;src_ip\n1;2;3\n"), Format::MappedCsv);
        assert_eq!(sniff(b"a;b;src_ip\n").unwrap().delimiter, b';');
    }

    #[test]
    fn one_odd_first_line_never_decides() {
        // The first lines of the real hackers' access log, after a line of something else.
        let access = "195.154.46.135 - - [25/Oct/2015:04:11:25 +0100] \"GET /linux/doing-pxe-without-dhcp-control HTTP/1.1\" 200 24323 \"http://howto.basjes.nl/\" \"Mozilla/5.0 (Windows NT 5.1; rv:35.0) Gecko/20100101 Firefox/35.0\"\n\
                      23.95.237.180 - - [25/Oct/2015:04:11:26 +0100] \"GET /join_form HTTP/1.0\" 200 11114 \"http://howto.basjes.nl/\" \"Mozilla/5.0 (Windows NT 5.1; rv:35.0) Gecko/20100101 Firefox/35.0\"\n";
        for odd in [
            "this is not a log line at all\n",
            "{\"eventid\": \"cowrie.session.connect\", \"src_ip\": \"88.223.26.58\"}\n",
        ] {
            let text = format!("{odd}{access}{access}");
            assert_eq!(fmt(text.as_bytes()), Format::AccessLog, "{odd}");
        }
        // Two lines of each: no majority, the first line decides as before.
        let cowrie = "{\"eventid\": \"cowrie.session.connect\", \"src_ip\": \"88.223.26.58\", \"timestamp\": \"2018-05-06T17:44:05.866769Z\", \"session\": \"a\"}\n";
        let text = format!("{cowrie}{cowrie}{access}");
        assert_eq!(fmt(text.as_bytes()), Format::Cowrie);
    }

    #[test]
    fn rejects_bad_input_clearly() {
        assert_eq!(sniff(b""), Err(SniffError::Empty));
        assert_eq!(sniff(b"\n\n  \n"), Err(SniffError::Blank));
        assert_eq!(sniff(b"ab\0cd"), Err(SniffError::Binary(2)));
        assert_eq!(sniff(b"\x01\x02\x03a\x04"), Err(SniffError::Binary(0)));
        assert_eq!(sniff(b"BZh91AY&SY"), Err(SniffError::Compressed("bzip2")));
        let mut tar = vec![b'a'; 512];
        tar[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(sniff(&tar), Err(SniffError::Archive("tar")));
        assert!(
            matches!(sniff(b"{\"a\":1}\n"), Err(SniffError::Unrecognised(m)) if m.contains("keys [a]"))
        );
        assert!(matches!(
            sniff(b"hello world\n"),
            Err(SniffError::Unrecognised(_))
        ));
        assert!(
            matches!(sniff(b"1,2,3\n4,5,6\n"), Err(SniffError::Unrecognised(m)) if m.contains("header"))
        );
    }
}
