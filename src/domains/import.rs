//! Reading domain lists: one name per line, `#` comments (a `#` after white space starts a
//! reason), `*.name` for a name with its subdomains, and hosts-file lines (`0.0.0.0 name
//! ...`). Every line that cannot be used is reported with its number and why.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::IpAddr;
use std::path::Path;

use super::entry::{DomainEntry, Origin};
use super::guard::{confirmation, refusal};
use super::list::DomainList;
use super::name::{parse_pattern, shown, DomainName};
use crate::blocklist::Skipped;
use crate::ingest::{Line, LineReader, TextOnly, DEFAULT_MAX_LINE_BYTES};

/// One name read from a list.
#[derive(Debug, Clone, PartialEq)]
pub struct NameCandidate {
    /// The name.
    pub name: DomainName,
    /// Whether it was written `*.name`.
    pub subdomains: bool,
    /// The comment after it, or the list it came from.
    pub reason: String,
    /// The line it was on (1-based).
    pub line: u64,
}

/// What reading a list gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamesRead {
    /// Names read, in file order.
    pub candidates: Vec<NameCandidate>,
    /// Lines that held something but no usable name.
    pub skipped: Vec<Skipped>,
}

/// Reads the list in `path`; each name's reason names the list: "evil.txt: FormBook", or
/// "listed in evil.txt" when the line gave none.
pub fn read_names_file(path: &Path) -> io::Result<NamesRead> {
    let mut read = read_names(BufReader::new(File::open(path)?))?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for c in &mut read.candidates {
        c.reason = if c.reason.is_empty() {
            format!("listed in {file}")
        } else {
            format!("{file}: {}", c.reason)
        };
    }
    Ok(read)
}

/// Reads a list from `input` (see the module docs): lines longer than
/// [`DEFAULT_MAX_LINE_BYTES`] are left out and reported, a NUL byte stops the read (the input
/// is not text).
pub fn read_names(input: impl BufRead) -> io::Result<NamesRead> {
    let mut out = NamesRead::default();
    let mut lines = LineReader::new(TextOnly::new(input), DEFAULT_MAX_LINE_BYTES);
    let mut bytes = Vec::new();
    while let Some(kind) = lines.next_line(&mut bytes)? {
        let number = lines.line_no();
        if let Line::TooLong(len) = kind {
            out.skipped.push(Skipped {
                line: number,
                text: String::new(),
                why: format!("a line of {len} bytes, longer than {DEFAULT_MAX_LINE_BYTES}"),
            });
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let line = text.strip_prefix('\u{feff}').unwrap_or(&text);
        read_line(line, number, &mut out);
    }
    Ok(out)
}

fn read_line(line: &str, number: u64, out: &mut NamesRead) {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return;
    }
    // A '#' starts a comment only after white space: inside a word it is part of the word.
    let comment = line
        .match_indices('#')
        .find(|(i, _)| line[..*i].ends_with([' ', '\t']));
    let (names, reason) = match comment {
        Some((i, _)) => (&line[..i], line[i + 1..].trim()),
        None => (line, ""),
    };
    let words: Vec<&str> = names.split_whitespace().collect();
    let hosts_line = words.len() >= 2 && words[0].parse::<IpAddr>().is_ok();
    let texts: Vec<&str> = if hosts_line {
        words[1..].to_vec()
    } else {
        vec![names]
    };
    for t in texts {
        match parse_pattern(t) {
            Ok((name, subdomains)) => out.candidates.push(NameCandidate {
                name,
                subdomains,
                reason: crate::export::sanitize::one_line(reason, 500),
                line: number,
            }),
            Err(why) => out.skipped.push(Skipped {
                line: number,
                text: shown(line.trim()),
                why,
            }),
        }
    }
}

/// What admitting names to a list gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Admitted {
    /// Entries to add, one per name.
    pub entries: Vec<DomainEntry>,
    /// Names refused: top-level domains, public suffixes, allowlisted names, and critical
    /// domains, which only the analyst adds, once confirmed.
    pub refused: Vec<Skipped>,
    /// Names already on the list (or given twice), counted once.
    pub duplicates: usize,
}

/// The entries `candidates` make on `list` from `origin`: refused names and names under a
/// critical domain left out with why, names the list already blocks counted as duplicates.
pub fn admit(list: &DomainList, candidates: Vec<NameCandidate>, origin: Origin) -> Admitted {
    let mut out = Admitted::default();
    let mut seen = std::collections::HashSet::new();
    for c in candidates {
        if let Some(r) = refusal(&c.name).or_else(|| list.refused(&c.name, c.subdomains)) {
            out.refused.push(Skipped {
                line: c.line,
                text: c.name.to_string(),
                why: format!("never blocked: {r}"),
            });
            continue;
        }
        if let Some(warning) = confirmation(&c.name) {
            out.refused.push(Skipped {
                line: c.line,
                text: c.name.to_string(),
                why: format!("not imported: {warning}; add it by hand to confirm"),
            });
            continue;
        }
        let listed = list
            .entry(&c.name)
            .is_some_and(|e| e.subdomains || !c.subdomains);
        if listed || !seen.insert(c.name.clone()) {
            out.duplicates += 1;
            continue;
        }
        let mut e = DomainEntry::new(c.name, origin, c.reason);
        e.subdomains = c.subdomains;
        out.entries.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_give_names_reasons_and_bad_lines() {
        let text = "# FormBook\r\nwww.hydrocheats.com  # check-in\r\n*.katchybugonsale.com\n\
                    0.0.0.0 a.example.org b.example.org\nevil .com\nev#il.com\nbad;name.com\n\
                    \ncom\nwww.hydrocheats.com\nupdate.microsoft.com\n";
        let read = read_names(text.as_bytes()).unwrap();
        let got: Vec<(String, bool, String, u64)> = read
            .candidates
            .iter()
            .map(|c| (c.name.to_string(), c.subdomains, c.reason.clone(), c.line))
            .collect();
        assert_eq!(
            got,
            [
                ("www.hydrocheats.com".into(), false, "check-in".into(), 2),
                ("katchybugonsale.com".into(), true, "".into(), 3),
                ("a.example.org".into(), false, "".into(), 4),
                ("b.example.org".into(), false, "".into(), 4),
                ("com".into(), false, "".into(), 9),
                ("www.hydrocheats.com".into(), false, "".into(), 10),
                ("update.microsoft.com".into(), false, "".into(), 11),
            ]
        );
        let lines: Vec<u64> = read.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [5, 6, 7]);
        assert!(read.skipped[0].why.contains("a space"));
        assert!(read.skipped[2].why.contains("';'"));
        let admitted = admit(&DomainList::default(), read.candidates, Origin::Import);
        assert_eq!(admitted.entries.len(), 4);
        assert_eq!(admitted.duplicates, 1);
        assert_eq!(admitted.refused.len(), 2);
        assert!(admitted.refused[0].why.contains("top-level domain"));
        assert!(admitted.refused[1].why.contains("under microsoft.com"));
        assert!(read_names(&b"a.com\n\0\n"[..]).is_err());
    }

    #[test]
    fn a_line_past_the_limit_is_left_out_and_named() {
        let mut text = b"a.com\n".to_vec();
        text.resize(text.len() + DEFAULT_MAX_LINE_BYTES + 3, b'b');
        text.extend_from_slice(b"\nc.com\n");
        let read = read_names(&text[..]).unwrap();
        assert_eq!(read.candidates.len(), 2);
        assert_eq!(read.skipped.len(), 1);
        assert_eq!(read.skipped[0].line, 2);
        assert!(read.skipped[0].why.starts_with("a line of 1048580 bytes"));
    }
}
