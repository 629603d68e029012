//! Threat intelligence: IP reputation lists (plain lists, CSV with an address column, FireHOL
//! `.netset`/`.ipset`, Spamhaus DROP) matched with a prefix table, one hash probe per prefix
//! length present, never a scan of the lists per source.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use crate::detection::is_unroutable;
use crate::features::is_private;
use crate::ingest::{Line, LineReader, TextOnly};

use super::{Finding, FindingKind};

/// One listed network and where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    /// The list's name (its file name without extension).
    pub list: String,
    /// The entry as written (a network; a single address is a /32 or /128).
    pub network: IpNet,
    /// Its line in the list, from 1.
    pub line: usize,
    /// Text after the entry on its line, such as a Spamhaus SBL id.
    pub note: String,
}

/// Reputation lists loaded for matching.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThreatLists {
    /// Entries by (prefix length, network address bits), for each address family.
    v4: HashMap<(u8, u32), Vec<usize>>,
    v6: HashMap<(u8, u128), Vec<usize>>,
    /// Prefix lengths present, per family.
    lengths_v4: Vec<u8>,
    lengths_v6: Vec<u8>,
    /// Every entry.
    entries: Vec<Listing>,
    /// The lists read, with their entry counts.
    pub lists: Vec<(String, usize)>,
}

/// The files under `dir`, depth first.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// The entry on a list line, if any: the first field that is an address or a network,
/// with what follows it. Comments start with `#` or `;` at the line's start.
fn parse_line(line: &str) -> Option<(IpNet, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
        return None;
    }
    let fields: Vec<&str> = line
        .split(|c: char| c == ',' || c == ';' || c == '\t' || c.is_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    let (i, net) = fields.iter().enumerate().find_map(|(i, f)| {
        let f = f.trim_matches('"');
        f.parse::<IpNet>()
            .ok()
            .or_else(|| f.parse::<IpAddr>().ok().map(IpNet::from))
            .map(|n| (i, n.trunc()))
    })?;
    Some((net, fields[i + 1..].join(" ")))
}

/// The widest entry a list may hold: a regional registry's allocation from IANA (an IPv4 /8,
/// an IPv6 /12). A wider one spans several registries' space, so it cannot name one party,
/// and a `/0` would mark every source as listed.
const WIDEST_V4: u8 = 8;
/// See [`WIDEST_V4`].
const WIDEST_V6: u8 = 12;

/// Why `net` is refused as a list entry: wider than [`WIDEST_V4`] / [`WIDEST_V6`] over
/// routed space (bogon entries such as FireHOL's `224.0.0.0/3`, all reserved, match no public
/// source and stay).
fn too_wide(net: &IpNet) -> Option<String> {
    let widest = if net.addr().is_ipv4() {
        WIDEST_V4
    } else {
        WIDEST_V6
    };
    if net.prefix_len() >= widest {
        return None;
    }
    let inside: Vec<IpNet> = crate::blocklist::reserved()
        .iter()
        .map(|(r, _)| *r)
        .filter(|r| net.contains(r))
        .collect();
    let reserved: u128 = IpNet::aggregate(&inside)
        .iter()
        .map(crate::blocklist::size)
        .sum();
    (reserved < crate::blocklist::size(net)).then(|| {
        format!(
            "{net} is wider than /{widest}, a registry's whole allocation: it would list sources \
             of many unrelated networks, so it is left out"
        )
    })
}

/// The problem to report when `too_long` lines of `path` were left out.
fn too_long_note(path: &Path, too_long: u64, max_line_bytes: usize) -> Option<String> {
    (too_long > 0).then(|| {
        format!(
            "{}: {too_long} lines longer than {max_line_bytes} bytes (--max-line-bytes) left out",
            path.display()
        )
    })
}

impl ThreatLists {
    /// Reads every list in `paths`: files, and the files of folders and their subfolders
    /// (where a file holding no address, such as a README, is passed over). Returns the
    /// lists and, per file that could not be read, its error.
    pub fn load(paths: &[PathBuf], max_line_bytes: usize) -> (ThreatLists, Vec<String>) {
        let mut lists = ThreatLists::default();
        let mut errors = Vec::new();
        for p in paths {
            if p.is_dir() {
                let mut files = Vec::new();
                walk(p, &mut files);
                files.sort();
                for f in files {
                    match lists.read(&f, max_line_bytes, &mut errors) {
                        Ok(too_long) => errors.extend(too_long_note(&f, too_long, max_line_bytes)),
                        Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
                        Err(e) => errors.push(format!("{}: {e}", f.display())),
                    }
                }
            } else {
                match lists.read(p, max_line_bytes, &mut errors) {
                    Ok(too_long) => errors.extend(too_long_note(p, too_long, max_line_bytes)),
                    Err(e) => errors.push(format!("{}: {e}", p.display())),
                }
            }
        }
        (lists, errors)
    }

    /// Reads the list in `path`; how many lines longer than `max_line_bytes` it left out.
    /// Entries too wide to list (see [`too_wide`]) are left out, each named in `refused` as
    /// `FILE:LINE: why`.
    fn read(
        &mut self,
        path: &Path,
        max_line_bytes: usize,
        refused: &mut Vec<String>,
    ) -> io::Result<u64> {
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let reader = BufReader::new(fs::File::open(path)?);
        let mut lines = LineReader::new(TextOnly::new(reader), max_line_bytes);
        let mut line = Vec::new();
        let mut count = 0;
        let mut too_long = 0u64;
        while let Some(kind) = lines.next_line(&mut line)? {
            if kind != Line::Complete {
                too_long += 1;
                continue;
            }
            let Some((network, note)) = parse_line(&String::from_utf8_lossy(&line)) else {
                continue;
            };
            if let Some(why) = too_wide(&network) {
                refused.push(format!("{}:{}: {why}", path.display(), lines.line_no()));
                continue;
            }
            self.add(Listing {
                list: name.clone(),
                network,
                line: lines.line_no() as usize,
                note,
            });
            count += 1;
        }
        if count == 0 {
            let why = if too_long > 0 {
                format!(
                    "no address or network in it ({too_long} line{} longer than {max_line_bytes} \
                     bytes (--max-line-bytes) left out)",
                    if too_long == 1 { "" } else { "s" }
                )
            } else {
                "no address or network in it".to_owned()
            };
            return Err(io::Error::new(io::ErrorKind::InvalidData, why));
        }
        self.lists.push((name, count));
        Ok(too_long)
    }

    fn add(&mut self, l: Listing) {
        let i = self.entries.len();
        match l.network {
            IpNet::V4(n) => {
                let len = n.prefix_len();
                self.v4
                    .entry((len, u32::from(n.network())))
                    .or_default()
                    .push(i);
                if !self.lengths_v4.contains(&len) {
                    self.lengths_v4.push(len);
                }
            }
            IpNet::V6(n) => {
                let len = n.prefix_len();
                self.v6
                    .entry((len, u128::from(n.network())))
                    .or_default()
                    .push(i);
                if !self.lengths_v6.contains(&len) {
                    self.lengths_v6.push(len);
                }
            }
        }
        self.entries.push(l);
    }

    /// Whether no list is loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry covering `ip`.
    pub fn lookup(&self, ip: IpAddr) -> Vec<&Listing> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        let mut hits: Vec<usize> = match ip {
            IpAddr::V4(a) => {
                let bits = u32::from(a);
                self.lengths_v4
                    .iter()
                    .filter_map(|&len| {
                        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                        self.v4.get(&(len, bits & mask))
                    })
                    .flatten()
                    .copied()
                    .collect()
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                self.lengths_v6
                    .iter()
                    .filter_map(|&len| {
                        let mask = if len == 0 {
                            0
                        } else {
                            u128::MAX << (128 - len)
                        };
                        self.v6.get(&(len, bits & mask))
                    })
                    .flatten()
                    .copied()
                    .collect()
            }
        };
        hits.sort_unstable();
        hits.iter().map(|&i| &self.entries[i]).collect()
    }

    /// The finding for `ip`, when a list names it. Private and unroutable addresses are never
    /// matched: lists such as FireHOL level1 carry the bogon ranges.
    pub fn finding(&self, ip: IpAddr, rows: &[u32]) -> Option<Finding> {
        if self.is_empty() || is_private(ip) || is_unroutable(ip) {
            return None;
        }
        let hits = self.lookup(ip);
        if hits.is_empty() {
            return None;
        }
        let evidence: Vec<String> = hits
            .iter()
            .take(20)
            .map(|l| {
                let note = if l.note.is_empty() {
                    String::new()
                } else {
                    format!(" {}", l.note)
                };
                let entry = if l.network.prefix_len() == l.network.max_prefix_len() {
                    l.network.addr().to_string()
                } else {
                    l.network.to_string()
                };
                format!("{}: {entry}{note} (line {})", l.list, l.line)
            })
            .collect();
        let mut names: Vec<&str> = hits.iter().map(|l| l.list.as_str()).collect();
        names.dedup();
        let lists = if names.len() == 1 { "list" } else { "lists" };
        let mut f = Finding::new(
            FindingKind::ThreatIntel,
            format!(
                "on {} reputation {lists}: {}",
                names.len(),
                evidence.join("; ")
            ),
            evidence,
            rows.to_vec(),
        );
        // Each further list adds its say: 0.5 for one, 0.75 for two, 0.875 for three...
        f.weight = 1.0 - 0.5f64.powi(names.len() as i32);
        Some(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_lines_of_every_format() {
        let net = |s: &str| s.parse::<IpNet>().unwrap();
        // Lines of the published FireHOL, Spamhaus DROP and Binary Defense lists.
        assert_eq!(
            parse_line("5.188.10.0/23"),
            Some((net("5.188.10.0/23"), String::new()))
        );
        assert_eq!(
            parse_line("1.10.16.0/20 ; SBL256894"),
            Some((net("1.10.16.0/20"), "SBL256894".into()))
        );
        assert_eq!(
            parse_line("41.59.225.121"),
            Some((net("41.59.225.121/32"), String::new()))
        );
        assert_eq!(parse_line("# firehol_level1"), None);
        assert_eq!(parse_line("; Spamhaus DROP List 2018/04/04"), None);
        assert_eq!(parse_line(""), None);
        // A CSV with an address column, and host bits set in an entry.
        assert_eq!(
            parse_line("\"2018-05-01\",\"203.0.113.9\",\"scanner\""),
            Some((net("203.0.113.9/32"), "\"scanner\"".into()))
        );
        assert_eq!(parse_line("10.1.2.3/8").unwrap().0, net("10.0.0.0/8"));
    }

    #[test]
    fn entries_wider_than_a_registry_allocation_are_refused() {
        let wide = |s: &str| too_wide(&s.parse().unwrap());
        assert!(wide("0.0.0.0/0").is_some());
        assert!(wide("::/0").is_some());
        assert!(wide("2.0.0.0/7").is_some());
        assert!(wide("2a00::/11").is_some());
        assert_eq!(wide("1.0.0.0/8"), None);
        assert_eq!(wide("2a00::/12"), None);
        assert_eq!(
            wide("224.0.0.0/3"),
            None,
            "FireHOL's bogon entry is all reserved"
        );
    }

    #[test]
    fn nested_networks_all_match() {
        let mut t = ThreatLists::default();
        for (n, line) in ["46.29.248.0/22", "46.29.248.0/21", "8.8.8.8/32"]
            .iter()
            .enumerate()
        {
            t.add(Listing {
                list: "drop".into(),
                network: line.parse().unwrap(),
                line: n + 1,
                note: String::new(),
            });
        }
        let hit = t.lookup("46.29.249.7".parse().unwrap());
        assert_eq!(hit.len(), 2);
        assert_eq!(t.lookup("::ffff:8.8.8.8".parse().unwrap()).len(), 1);
        assert!(t.lookup("46.29.240.1".parse().unwrap()).is_empty());
        assert!(t.finding("10.0.0.1".parse().unwrap(), &[]).is_none());
    }
}
