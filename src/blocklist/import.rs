//! Reading address lists: plain lists (one address, CIDR or range per line, `#` comments),
//! FireHOL `.netset`/`.ipset`, Spamhaus DROP (`1.10.16.0/20 ; SBL256894`), and CSV files with an
//! address column, such as the `blocklist.csv` and `sources.csv` that `netsleuth detect` writes.
//! Every line that cannot be read is reported with its number and why.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use ipnet::IpNet;

use super::address::{parse_nets, shown};
use super::entry::parse_time;
use super::entry::{Action, Direction, Entry, Origin};
use super::list::{Blocklist, Protected};
use crate::ingest::{Line, LineReader, TextOnly};

/// One network read from a list, with what the list said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The network.
    pub net: IpNet,
    /// The list's comment or reason for it.
    pub reason: String,
    /// The confidence column, when the list has one.
    pub confidence: Option<f64>,
    /// The action column, when the list has one.
    pub action: Option<Action>,
    /// The expiry column, when the list has one, seconds since 1970.
    pub expires_at: Option<i64>,
    /// The direction column, when the list has one.
    pub direction: Option<Direction>,
    /// The line it was on (1-based).
    pub line: u64,
}

/// A line left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The line (1-based).
    pub line: u64,
    /// The line's text, cut to 80 characters.
    pub text: String,
    /// Why it was left out.
    pub why: String,
}

/// What reading a list gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRead {
    /// Networks read, in file order.
    pub candidates: Vec<Candidate>,
    /// Lines that held something but no usable network.
    pub skipped: Vec<Skipped>,
}

/// Column names that hold the address in CSV lists, in order of preference.
const ADDRESS_COLUMNS: [&str; 8] = [
    "ip",
    "address",
    "cidr",
    "network",
    "src_ip",
    "source",
    "source_ip",
    "value",
];
/// Column names that hold the reason, in order of preference (detect's `reasons` spells out
/// its `findings`).
const REASON_COLUMNS: [&str; 5] = ["reasons", "reason", "comment", "description", "findings"];

fn cut(s: &str) -> String {
    shown(s.trim())
}

fn is_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with(';') || t.starts_with("//")
}

fn header_columns(line: &str) -> Option<Vec<String>> {
    if !line.contains(',') {
        return None;
    }
    let cols: Vec<String> = line
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    cols.iter()
        .any(|c| ADDRESS_COLUMNS.contains(&c.as_str()))
        .then_some(cols)
}

/// Reads the list in `path` (plain or CSV, see the module docs), lines longer than
/// `max_line_bytes` left out (a CSV's stops the read).
/// Each entry's reason names the list it came from: "firehol_level1.netset: SBL256894", or
/// "listed in firehol_level1.netset" when the line gave none.
pub fn read_list_file(path: &Path, max_line_bytes: usize) -> io::Result<ListRead> {
    let mut read = read_list(BufReader::new(File::open(path)?), max_line_bytes)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for c in &mut read.candidates {
        c.reason = if c.reason.is_empty() {
            format!("listed in {name}")
        } else {
            format!("{name}: {}", c.reason)
        };
    }
    Ok(read)
}

/// Reads a list from `input` (plain or CSV, see the module docs). Lines longer than
/// `max_line_bytes` are left out and reported (a CSV's stops the read); a NUL byte stops it
/// too: the input is not text.
pub fn read_list(input: impl BufRead, max_line_bytes: usize) -> io::Result<ListRead> {
    let mut out = ListRead::default();
    let mut lines = LineReader::new(TextOnly::new(input), max_line_bytes);
    let mut buf = Vec::new();
    let mut first = true;
    while let Some(kind) = lines.next_line(&mut buf)? {
        let number = lines.line_no();
        if let Line::TooLong(len) = kind {
            out.skipped.push(Skipped {
                line: number,
                text: String::new(),
                why: format!(
                    "a line of {len} bytes, longer than {max_line_bytes} (--max-line-bytes)"
                ),
            });
            continue;
        }
        let line = String::from_utf8_lossy(&buf);
        if is_comment(&line) {
            continue;
        }
        if first {
            if let Some(cols) = header_columns(&line) {
                let rest = lines.into_inner().limit_lines(max_line_bytes);
                read_csv(rest, &cols, number, &mut out)?;
                return Ok(out);
            }
            first = false;
        }
        read_plain_line(&line, number, &mut out);
    }
    Ok(out)
}

fn read_plain_line(line: &str, number: u64, out: &mut ListRead) {
    let t = line.trim().trim_start_matches('\u{feff}');
    let (addr, rest) = match t.find(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
    // "a - b" is a range; "a b" or "a,b" are two addresses, not an address and a reason.
    if let Some(end) = rest.strip_prefix('-').map(str::trim) {
        if !end.is_empty() && !end.contains(char::is_whitespace) {
            let range = format!("{}-{end}", addr.trim_matches('"'));
            push(&range, "", None, None, number, line, out);
            return;
        }
    }
    // Addresses before a `#` comment are all read, the comment their reason; addresses mixed
    // with other text are refused rather than half read.
    let (body, comment) = rest.split_once('#').unwrap_or((rest, ""));
    let words: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let addresses = words
        .iter()
        .filter(|w| parse_nets(w.trim_matches('"')).is_ok())
        .count();
    if addresses > 0 && addresses == words.len() {
        for w in std::iter::once(addr).chain(words) {
            push(
                w.trim_matches('"'),
                comment.trim(),
                None,
                None,
                number,
                line,
                out,
            );
        }
        return;
    }
    if addresses > 0 {
        out.skipped.push(Skipped {
            line: number,
            text: cut(line),
            why: "more than one address among other text: write one address per line, or the \
                  addresses before a # comment"
                .into(),
        });
        return;
    }
    let reason = rest.trim_start_matches('#').trim();
    push(
        addr.trim_matches('"'),
        reason,
        None,
        None,
        number,
        line,
        out,
    );
}

fn push(
    addr: &str,
    reason: &str,
    confidence: Option<f64>,
    action: Option<Action>,
    number: u64,
    line: &str,
    out: &mut ListRead,
) {
    push_expiring(addr, reason, confidence, action, None, number, line, out);
}

#[allow(clippy::too_many_arguments)]
fn push_expiring(
    addr: &str,
    reason: &str,
    confidence: Option<f64>,
    action: Option<Action>,
    expires_at: Option<i64>,
    number: u64,
    line: &str,
    out: &mut ListRead,
) {
    match parse_nets(addr) {
        Ok(nets) => out.candidates.extend(nets.into_iter().map(|net| Candidate {
            net,
            reason: reason.to_string(),
            confidence,
            action,
            expires_at,
            direction: None,
            line: number,
        })),
        Err(why) => out.skipped.push(Skipped {
            line: number,
            text: cut(line),
            why,
        }),
    }
}

fn read_csv(
    input: impl Read,
    cols: &[String],
    header_line: u64,
    out: &mut ListRead,
) -> io::Result<()> {
    let find = |names: &[&str]| names.iter().find_map(|n| cols.iter().position(|c| c == n));
    let addr = find(&ADDRESS_COLUMNS).expect("header has an address column");
    let reason = find(&REASON_COLUMNS);
    let confidence = find(&["confidence"]);
    let action = find(&["action"]);
    let verdict = find(&["verdict"]);
    let expiry = find(&["expires_at", "expires", "expiry"]);
    let direction = find(&["direction"]);
    if find(&["event_time"]).is_some() && find(&["score"]).is_some() {
        return Err(io::Error::other(
            "this is detect's events_scored.csv, one row per event: export its blocklist.csv",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    loop {
        let number = header_line + reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => return Err(io::Error::other(e)),
                _ => {
                    out.skipped.push(Skipped {
                        line: number,
                        text: String::new(),
                        why: format!("not CSV: {e}"),
                    });
                    continue;
                }
            },
        }
        let text = record.iter().collect::<Vec<_>>().join(",");
        if is_comment(&text) {
            continue;
        }
        let Some(a) = record.get(addr) else {
            out.skipped.push(Skipped {
                line: number,
                text: cut(&text),
                why: format!("no column {} ({})", addr + 1, cols[addr]),
            });
            continue;
        };
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
        let why = field(reason);
        let conf = field(confidence)
            .parse::<f64>()
            .ok()
            .filter(|c| c.is_finite());
        let skip = |why: String, out: &mut ListRead| {
            out.skipped.push(Skipped {
                line: number,
                text: cut(&text),
                why,
            })
        };
        let v = field(verdict);
        if verdict.is_some() && !v.eq_ignore_ascii_case("block") {
            skip(format!("verdict '{}', not block", shown(v)), out);
            continue;
        }
        let act = match field(action) {
            "" => None,
            name => match Action::from_name(&name.to_ascii_lowercase()) {
                Some(a) => Some(a),
                None => {
                    skip(
                        format!(
                            "unknown action '{}' (block, rate-limit, challenge or monitor)",
                            shown(name)
                        ),
                        out,
                    );
                    continue;
                }
            },
        };
        let expires_at = match field(expiry) {
            "" => None,
            t => match parse_time(t) {
                Some(t) => Some(t),
                None => {
                    skip(format!("expiry '{}' is not a date", shown(t)), out);
                    continue;
                }
            },
        };
        let towards = match field(direction) {
            "" => None,
            d => match Direction::from_name(&d.to_ascii_lowercase()) {
                Some(d) => Some(d),
                None => {
                    skip(
                        format!(
                            "unknown direction '{}' (inbound, outbound or both)",
                            shown(d)
                        ),
                        out,
                    );
                    continue;
                }
            },
        };
        let before = out.candidates.len();
        push_expiring(a.trim(), why, conf, act, expires_at, number, &text, out);
        for c in &mut out.candidates[before..] {
            c.direction = towards;
        }
    }
}

/// What admitting a list's candidates to a blocklist gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Admitted {
    /// New entries, one per network.
    pub entries: Vec<Entry>,
    /// Candidates left out because a reserved range or the allowlist protects them.
    pub protected: Vec<Skipped>,
    /// Candidates already on the list (or twice in the file).
    pub duplicates: usize,
}

/// The entries `candidates` would add to `list` with `origin`, leaving out protected networks
/// (each reported) and networks already on the list.
pub fn admit(list: &Blocklist, candidates: Vec<Candidate>, origin: Origin) -> Admitted {
    let mut out = Admitted::default();
    let mut seen: std::collections::HashSet<IpNet> = list.entries.iter().map(|e| e.net).collect();
    for c in candidates {
        if let Some(why) = refusal(list, &c.net) {
            out.protected.push(Skipped {
                line: c.line,
                text: c.net.to_string(),
                why,
            });
            continue;
        }
        if !seen.insert(c.net) {
            out.duplicates += 1;
            continue;
        }
        let mut e = Entry::new(c.net, origin, c.reason);
        e.confidence = c.confidence;
        e.expires_at = c.expires_at;
        if let Some(a) = c.action {
            e.action = a;
        }
        if let Some(d) = c.direction {
            e.direction = d;
        }
        out.entries.push(e);
    }
    out
}

/// Why `net` may never be blocked on `list`: it covers every address, or a reserved range
/// or the list's allowlist protects it.
fn refusal(list: &Blocklist, net: &IpNet) -> Option<String> {
    if net.prefix_len() == 0 {
        return Some("/0 covers every address: no firewall or WAF accepts it".into());
    }
    let p = list.protected(net)?;
    let (Protected::Reserved(inner, _) | Protected::Allowed(inner, _)) = &p;
    Some(if net.prefix_len() < inner.prefix_len() {
        format!("never blocked: {net} contains {inner}, and {p}")
    } else {
        format!("never blocked: {p}")
    })
}

/// Admits a saved blocklist's own entries as a plain list's would be: entries covering every
/// address or protected by a reserved range or the list's allowlist are taken out of `list`
/// and returned with why (`text` the network, `line` 0), repeated networks kept once.
pub fn admit_saved(list: &mut Blocklist) -> Vec<Skipped> {
    let mut refused = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let entries = std::mem::take(&mut list.entries);
    for e in entries {
        if let Some(why) = refusal(list, &e.net) {
            refused.push(Skipped {
                line: 0,
                text: e.net.to_string(),
                why,
            });
        } else if seen.insert(e.net) {
            list.entries.push(e);
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::DEFAULT_MAX_LINE_BYTES as MAX;

    /// Counts and first lines from grep on the real files.
    #[test]
    fn entries_of_a_list_file_name_the_list() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/threat-intel");
        let drop = read_list_file(Path::new(&format!("{dir}/spamhaus/drop.txt")), MAX).unwrap();
        assert_eq!(drop.candidates.len(), 830);
        assert_eq!(drop.candidates[0].net.to_string(), "1.10.16.0/20");
        assert_eq!(drop.candidates[0].reason, "drop.txt: SBL256894");
        let snow =
            read_list_file(Path::new(&format!("{dir}/firehol/greensnow.ipset")), MAX).unwrap();
        assert_eq!(snow.candidates.len(), 3747);
        assert_eq!(snow.candidates[0].net.to_string(), "1.34.37.206/32");
        assert_eq!(snow.candidates[0].reason, "listed in greensnow.ipset");
    }

    fn read(text: &str) -> ListRead {
        read_list(text.as_bytes(), MAX).unwrap()
    }

    #[test]
    fn plain_drop_and_netset_lines() {
        let r = read(
            "# FireHOL\n1.10.16.0/20 ; SBL256894\n\n2.2.2.2 scanner\n10.0.0.1-10.0.0.2\nbad\n5.5.5.5/8\n",
        );
        let nets: Vec<String> = r.candidates.iter().map(|c| c.net.to_string()).collect();
        assert_eq!(
            nets,
            ["1.10.16.0/20", "2.2.2.2/32", "10.0.0.1/32", "10.0.0.2/32"]
        );
        let r2 = read("5.5.5.5 5.5.5.6\n7.7.7.7,7.7.7.8\n8.8.8.8 - 8.8.8.10\n");
        let two: Vec<String> = r2.candidates.iter().map(|c| c.net.to_string()).collect();
        assert_eq!(
            two,
            [
                "5.5.5.5/32",
                "5.5.5.6/32",
                "7.7.7.7/32",
                "7.7.7.8/32",
                "8.8.8.8/31",
                "8.8.8.10/32"
            ]
        );
        assert!(read_list(&b"1.2.3.4\n\0\x01"[..], MAX).is_err());
        assert_eq!(r.candidates[0].reason, "SBL256894");
        assert_eq!(r.candidates[0].line, 2);
        assert_eq!(r.candidates[1].reason, "scanner");
        assert_eq!(r.skipped.len(), 2);
        assert_eq!(r.skipped[0].line, 6);
        assert_eq!(r.skipped[1].why, "host bits set: did you mean 5.0.0.0/8?");
    }

    #[test]
    fn every_address_on_a_line_is_read_or_the_line_refused() {
        let r = read(
            "1.2.3.4 5.6.7.8 # note\n9.9.9.9, 8.8.4.4; 1.1.1.1 # three\n2.2.2.2 scanner 3.3.3.3\n4.4.4.4 ; SBL1\n",
        );
        let read: Vec<(String, &str, u64)> = r
            .candidates
            .iter()
            .map(|c| (c.net.to_string(), c.reason.as_str(), c.line))
            .collect();
        assert_eq!(
            read,
            [
                ("1.2.3.4/32".to_string(), "note", 1),
                ("5.6.7.8/32".to_string(), "note", 1),
                ("9.9.9.9/32".to_string(), "three", 2),
                ("8.8.4.4/32".to_string(), "three", 2),
                ("1.1.1.1/32".to_string(), "three", 2),
                ("4.4.4.4/32".to_string(), "SBL1", 4),
            ]
        );
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].line, 3);
        assert_eq!(
            r.skipped[0].why,
            "more than one address among other text: write one address per line, or the \
             addresses before a # comment"
        );
    }

    #[test]
    fn csv_with_an_address_column() {
        let r = read(
            "ip,confidence,severity,findings,reasons\n111.73.46.18,99.5,critical,Successful login (T1078),\"Successful login: logged in as root, ran wget\"\nnope,1,,,\n",
        );
        assert_eq!(r.candidates.len(), 1);
        assert_eq!(r.candidates[0].confidence, Some(99.5));
        assert_eq!(
            r.candidates[0].reason,
            "Successful login: logged in as root, ran wget"
        );
        assert_eq!(r.candidates[0].line, 2);
        assert_eq!(r.skipped[0].line, 3);
    }

    #[test]
    fn csv_verdicts_actions_and_expiry_are_honoured() {
        let r = read(
            "ip,action,verdict,expires_at\n1.1.1.1,block,block,2030-01-01\n8.8.8.8,allow,block,\n9.9.9.9,block,normal,\n4.4.4.4,Monitor,block,tomorrow\n",
        );
        assert_eq!(r.candidates.len(), 1);
        assert_eq!(r.candidates[0].expires_at, parse_time("2030-01-01"));
        let why: Vec<&str> = r.skipped.iter().map(|s| s.why.as_str()).collect();
        assert_eq!(
            why,
            [
                "unknown action 'allow' (block, rate-limit, challenge or monitor)",
                "verdict 'normal', not block",
                "expiry 'tomorrow' is not a date"
            ]
        );
        assert!(read_list(&b"file,line,event_time,source_ip,score\n"[..], MAX).is_err());
    }

    #[test]
    fn admitting_leaves_out_protected_and_repeated_networks() {
        let r = read("111.73.46.18\n192.168.1.1\n111.73.46.18\n");
        let a = admit(&Blocklist::default(), r.candidates, Origin::Import);
        assert_eq!(a.entries.len(), 1);
        assert_eq!(a.duplicates, 1);
        assert_eq!(a.protected[0].line, 2);
        assert!(a.protected[0].why.contains("private network"));
        let wide = admit(
            &Blocklist::default(),
            read("100.0.0.0/8\n").candidates,
            Origin::Import,
        );
        assert_eq!(
            wide.protected[0].why,
            "never blocked: 100.0.0.0/8 contains 100.64.0.0/10, and 100.64.0.0/10 is carrier-grade NAT (RFC 6598)"
        );
    }
}
