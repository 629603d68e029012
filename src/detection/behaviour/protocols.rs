//! What the application layer says about a host: DNS lookups, HTTP clients, TLS
//! certificates, downloaded files and Zeek's own notices, as Zeek's protocol logs (joined to
//! their connections or read alone), Suricata's `dns` records and a capture's dissected
//! packets give them.
//!
//! - **DNS tunnelling**: many distinct, long, random-looking names under one parent domain,
//!   data carried in the names themselves;
//! - **NXDOMAIN storms**: lookups of many names that do not exist, as generated domain names
//!   (DGA) and malware's decoy lists produce;
//! - **scripted HTTP clients**: tools' user agents (curl, PowerShell, Python...), the more
//!   telling when no other host of the log uses them;
//! - **certificate problems**: self-signed, expired or otherwise invalid certificates Zeek
//!   reported for a host's TLS connections;
//! - **programs downloaded**: executables by MIME type or file name;
//! - **Zeek notices**: what Zeek's own policy scripts raised about the connection.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::events::{detail_parts, EventTable};

use super::{push_evidence, quote, Finding, FindingKind, Severity};

/// DNS response codes by name, as Zeek, Suricata and the capture reader write them.
const RCODES: [&str; 10] = [
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH",
];

/// A host looked up names under at least this many distinct domains that do not exist:
/// worth a look (a workstation's own failures, such as a mistyped name, touch a domain or
/// two). From [`NXDOMAIN_STORM`] on it is a storm; from [`NXDOMAIN_GENERATED`] on, most of
/// them machine-generated, domain generation (DGA).
const NXDOMAIN_DOMAINS: usize = 5;
/// See [`NXDOMAIN_DOMAINS`].
const NXDOMAIN_STORM: usize = 20;
/// See [`NXDOMAIN_DOMAINS`].
const NXDOMAIN_GENERATED: usize = 10;

/// Whether a failed lookup is the host's own housekeeping, not a name it was sent to: proxy
/// and IPv6 tunnel discovery, Active Directory's service records, mail autodiscovery, names
/// of the local network.
fn housekeeping(name: &str) -> bool {
    let first = name.split('.').next().unwrap_or_default();
    let last = name.rsplit('.').next().unwrap_or_default();
    !name.contains('.')
        || first.starts_with('_')
        || matches!(first, "wpad" | "isatap" | "autodiscover")
        || matches!(
            last,
            "local" | "localdomain" | "lan" | "home" | "internal" | "arpa" | "corp"
        )
}
/// Distinct names under one parent before their shape is judged as tunnelling; more than
/// half of them must look like encoded data.
const TUNNEL_NAMES: usize = 30;
/// The longest label of a name that carries data has at least this many characters.
const TUNNEL_LABEL_LEN: usize = 20;
/// ...and, unless it is hexadecimal, at least this Shannon entropy (bits per character).
const TUNNEL_ENTROPY: f64 = 3.8;
/// ...and under this share of vowels among its letters (text is near 0.4, base32 or base64
/// data near 0.2).
const TUNNEL_VOWELS: f64 = 0.25;

/// Whether a subdomain part looks like encoded data: its longest label long, and either
/// hexadecimal with digits throughout or letters as random as base32 and base64 make them.
fn encoded(sub: &str) -> bool {
    let label = sub.split('.').max_by_key(|l| l.len()).unwrap_or_default();
    if label.len() < TUNNEL_LABEL_LEN {
        return false;
    }
    let digits = label.bytes().filter(u8::is_ascii_digit).count();
    if label.bytes().all(|b| b.is_ascii_hexdigit()) {
        return digits * 10 >= label.len() * 3;
    }
    let letters = label.bytes().filter(u8::is_ascii_alphabetic).count();
    let vowels = label.bytes().filter(|b| b"aeiouAEIOU".contains(b)).count();
    letters > 0
        && (vowels as f64) < TUNNEL_VOWELS * letters as f64
        && entropy(label) >= TUNNEL_ENTROPY
}

/// The values of every part named `key` in a row's detail, in order.
fn values<'t>(t: &'t EventTable, row: usize, key: &str) -> Vec<&'t str> {
    detail_parts(t.detail(row).unwrap_or_default())
        .filter(|(k, _)| *k == Some(key))
        .map(|(_, v)| v)
        .collect()
}

/// The names a row looked up, each with its answer's response code when the row has one.
fn lookups(t: &EventTable, row: usize) -> Vec<(&str, Option<&str>)> {
    let outcome = t.outcome(row).filter(|o| RCODES.contains(o));
    // Suricata: one record per query or answer.
    if let Some(kind) = t.detail_value(row, "dns") {
        return t
            .detail_value(row, "rrname")
            .map(|n| (n, outcome.filter(|_| kind == "answer")))
            .into_iter()
            .collect();
    }
    let names = values(t, row, "dns.query");
    if names.is_empty() {
        return Vec::new();
    }
    let codes = values(t, row, "dns.rcode_name");
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, codes.get(i).copied().or(outcome)))
        .collect()
}

/// Shannon entropy of `s` in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// A name's registered domain, roughly: its last two labels, or three under a short
/// second-level label of a country (`example.co.uk`); and what comes before it.
fn split_name(name: &str) -> (&str, &str) {
    let name = name.trim_end_matches('.');
    let labels: Vec<&str> = name.split('.').collect();
    let keep = match labels.as_slice() {
        [.., second, last] if last.len() == 2 && second.len() <= 3 && labels.len() >= 3 => 3,
        _ => 2,
    };
    if labels.len() <= keep {
        return ("", name);
    }
    let cut = labels[..labels.len() - keep]
        .iter()
        .map(|l| l.len() + 1)
        .sum::<usize>();
    (&name[..cut - 1], &name[cut..])
}

/// Whether a registered domain's own label looks machine-generated: six characters or more,
/// mostly digits or with a run of five consonants (words rarely have one; long words and
/// compounds are as high in entropy as random text, so entropy does not decide).
fn looks_generated(domain: &str) -> bool {
    let label = domain.split('.').next().unwrap_or_default();
    let n = label.chars().count();
    if n < 6 {
        return false;
    }
    let digits = label.chars().filter(char::is_ascii_digit).count();
    let mut run = 0;
    let mut longest = 0;
    for c in label.chars() {
        if "aeiouy".contains(c.to_ascii_lowercase()) || !c.is_ascii_alphabetic() {
            run = 0;
        } else {
            run += 1;
            longest = longest.max(run);
        }
    }
    digits * 2 >= n || longest >= 5
}

/// User agents of tools and scripting runtimes, lower case, as they begin or contain.
const SCRIPTED: [(&str, &str); 14] = [
    ("curl/", "curl"),
    ("wget/", "Wget"),
    ("python-requests", "Python requests"),
    ("python-urllib", "Python urllib"),
    ("python/", "Python"),
    ("go-http-client", "Go's HTTP client"),
    ("libwww-perl", "Perl LWP"),
    ("windowspowershell", "PowerShell"),
    ("powershell", "PowerShell"),
    ("winhttp", "WinHTTP"),
    ("microsoft bits", "BITS"),
    ("java/", "Java"),
    ("certutil", "certutil"),
    ("urlgrabber", "urlgrabber"),
];

/// The tool a user agent names, if it is one.
fn tool_of(agent: &str) -> Option<&'static str> {
    let a = agent.to_ascii_lowercase();
    SCRIPTED
        .iter()
        .find(|(needle, _)| a.contains(needle))
        .map(|(_, name)| *name)
}

/// MIME types of programs.
const PROGRAM_TYPES: [&str; 8] = [
    "application/x-dosexec",
    "application/x-msdownload",
    "application/vnd.microsoft.portable-executable",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-o-executable",
    "application/x-sharedlib",
    "application/java-archive",
];

/// File name endings of programs and scripts that run when opened.
const PROGRAM_ENDINGS: [&str; 14] = [
    ".exe", ".dll", ".scr", ".msi", ".ps1", ".bat", ".cmd", ".vbs", ".hta", ".jar", ".apk", ".elf",
    ".bin", ".sh",
];

/// Whether a file name or URL path names a program.
fn program_name(name: &str) -> bool {
    let path = name.split(['?', '#']).next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    PROGRAM_ENDINGS.iter().any(|e| lower.ends_with(e))
}

/// Zeek's words for a certificate that failed validation, with what to call it.
fn certificate_problem(status: &str) -> Option<&'static str> {
    let s = status.to_ascii_lowercase();
    if s == "ok" || s.is_empty() {
        None
    } else if s.contains("self signed") || s.contains("self-signed") {
        Some("self-signed")
    } else if s.contains("expired") {
        Some("expired")
    } else if s.contains("not yet valid") {
        Some("not yet valid")
    } else if s.contains("mismatch") || s.contains("hostname") {
        Some("for another name")
    } else {
        Some("not trusted")
    }
}

/// A notice's technique, by the family of its name.
fn notice_technique(note: &str) -> &'static str {
    let family = note.split("::").next().unwrap_or_default();
    match family {
        "Scan" => "T1046",
        "SSH" if note.contains("Password") => "T1110",
        "SSL" => "T1573",
        "HTTP" if note.contains("SQL") => "T1190",
        _ if note.contains("Malware") => "T1105",
        _ => "-",
    }
}

/// The detail parts this family reads (Suricata's DNS name as `rrname`, the others under
/// Zeek's names), as they begin in a detail text.
pub(super) const READS: [&str; 10] = [
    "dns.query=",
    "rrname=",
    "http.user_agent=",
    "http.uri=",
    "http.request=",
    "http.resp_mime_types=",
    "ssl.validation_status=",
    "files.filename=",
    "files.mime_type=",
    "notice.note=",
];

/// Facts about the whole log the findings weigh a host's against.
pub struct ProtocolContext {
    /// Whether any event has a part this family reads: most logs (access logs, honeypots,
    /// flows) have none, and are not read row by row again.
    present: bool,
    /// Whether any event carries a Zeek notice.
    notices: bool,
    /// Distinct sources per user agent.
    agent_sources: HashMap<String, usize>,
}

impl ProtocolContext {
    /// Gathers the context: which parts the log's distinct texts hold, then, when any, the
    /// user agents' sources from every row.
    pub fn of(t: &EventTable) -> ProtocolContext {
        let has = |key: &str| t.symbols().iter().any(|s| s.contains(key));
        let present = READS.iter().any(|k| has(k));
        let mut cx = ProtocolContext {
            present,
            notices: present && has("notice.note="),
            agent_sources: HashMap::new(),
        };
        if !present {
            return cx;
        }
        let mut seen: HashMap<String, HashSet<u32>> = HashMap::new();
        for row in 0..t.len() {
            let Some(src) = t.source_ip_id(row) else {
                continue;
            };
            for agent in values(t, row, "http.user_agent") {
                seen.entry(agent.to_owned()).or_default().insert(src);
            }
        }
        cx.agent_sources = seen.into_iter().map(|(a, s)| (a, s.len())).collect();
        cx
    }

    /// The distinct sources per user agent (shards of a log, whose sources are apart, add
    /// up).
    pub fn agent_sources(&self) -> &HashMap<String, usize> {
        &self.agent_sources
    }

    /// This context with the whole log's sources per user agent in place of its own.
    pub fn with_agent_sources(mut self, agents: &HashMap<String, usize>) -> ProtocolContext {
        if self.present {
            self.agent_sources = agents.clone();
        }
        self
    }
}

/// The findings of one source from the application layer.
pub fn findings(t: &EventTable, rows: &[u32], cx: &ProtocolContext) -> Vec<Finding> {
    let mut out = Vec::new();
    if !cx.present {
        return out;
    }
    // Parent domain -> distinct subdomain parts, and the rows.
    let mut under: BTreeMap<&str, (BTreeSet<&str>, Vec<u32>)> = BTreeMap::new();
    let mut missing: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut tools: BTreeMap<&str, (BTreeSet<&str>, Vec<u32>)> = BTreeMap::new();
    let mut certs: Vec<(u32, &str, String)> = Vec::new();
    let mut programs: Vec<(u32, String)> = Vec::new();
    let mut notices: BTreeMap<&str, (Vec<String>, Vec<u32>)> = BTreeMap::new();
    for &r in rows {
        let row = r as usize;
        for (name, code) in lookups(t, row) {
            let (sub, parent) = split_name(name);
            if !sub.is_empty() {
                let e = under.entry(parent).or_default();
                e.0.insert(sub);
                e.1.push(r);
            }
            if code == Some("NXDOMAIN") && !housekeeping(name.trim_end_matches('.')) {
                missing
                    .entry(name.trim_end_matches('.'))
                    .or_default()
                    .push(r);
            }
        }
        for agent in values(t, row, "http.user_agent") {
            if let Some(tool) = tool_of(agent) {
                let e = tools.entry(tool).or_default();
                e.0.insert(agent);
                e.1.push(r);
            }
        }
        for status in values(t, row, "ssl.validation_status") {
            if let Some(problem) = certificate_problem(status) {
                let server = t
                    .detail_value(row, "ssl.server_name")
                    .or(t.detail_value(row, "ssl.subject"))
                    .map(str::to_owned)
                    .or_else(|| t.destination_ip(row).map(|ip| ip.to_string()))
                    .unwrap_or_default();
                certs.push((r, problem, server));
            }
        }
        let named = values(t, row, "files.filename")
            .into_iter()
            .chain(values(t, row, "http.uri"))
            .chain(
                values(t, row, "http.request")
                    .into_iter()
                    .filter_map(|l| l.split(' ').nth(1)),
            )
            .find(|n| program_name(n));
        let typed = values(t, row, "files.mime_type")
            .into_iter()
            .chain(
                values(t, row, "http.resp_mime_types")
                    .into_iter()
                    .flat_map(|v| v.split(',')),
            )
            .find(|m| PROGRAM_TYPES.contains(&m.trim()));
        if named.is_some() || typed.is_some() {
            let mut what = named.map_or_else(|| "a program".to_owned(), quote);
            if let Some(m) = typed {
                what.push_str(&format!(" ({})", m.trim()));
            }
            let host = values(t, row, "http.host")
                .first()
                .map(|h| h.to_string())
                .or_else(|| t.destination_ip(row).map(|ip| ip.to_string()));
            if let Some(h) = host {
                what.push_str(&format!(" from {h}"));
            }
            programs.push((r, what));
        }
        for note in values(t, row, "notice.note") {
            let e = notices.entry(note).or_default();
            if let Some(msg) = t.detail_value(row, "notice.msg") {
                if e.0.len() < 3 && !e.0.iter().any(|m| m == msg) {
                    e.0.push(msg.to_owned());
                }
            }
            e.1.push(r);
        }
    }
    out.extend(tunnelling(&under));
    out.extend(storm(&missing));
    for (tool, (agents, rows)) in tools {
        let alone = agents
            .iter()
            .all(|a| cx.agent_sources.get(*a).copied().unwrap_or(0) <= 1);
        let mut evidence = Vec::new();
        agents.iter().for_each(|a| push_evidence(&mut evidence, a));
        let n = rows.len();
        out.push(Finding::new(
            FindingKind::ScriptedClient,
            format!(
                "made {n} HTTP request{} as {tool} ({}){}",
                if n == 1 { "" } else { "s" },
                quote(agents.iter().next().copied().unwrap_or_default()),
                if alone {
                    ", a user agent no other host in the log uses"
                } else {
                    ""
                }
            ),
            evidence,
            rows,
        ));
    }
    if !certs.is_empty() {
        let mut problems: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut evidence = Vec::new();
        for (_, p, server) in &certs {
            problems.entry(p).or_default().insert(server);
            push_evidence(&mut evidence, server);
        }
        let said: Vec<String> = problems
            .iter()
            .map(|(p, servers)| {
                let list: Vec<String> = servers.iter().take(3).map(|s| quote(s)).collect();
                format!("{p} for {}", list.join(", "))
            })
            .collect();
        out.push(Finding::new(
            FindingKind::BadCertificate,
            format!(
                "TLS to servers whose certificate Zeek found {}",
                said.join("; ")
            ),
            evidence,
            certs.iter().map(|c| c.0).collect(),
        ));
    }
    if !programs.is_empty() {
        let mut evidence = Vec::new();
        programs
            .iter()
            .for_each(|(_, w)| push_evidence(&mut evidence, w));
        let n = programs.len();
        out.push(Finding::new(
            FindingKind::ExecutableDownload,
            format!(
                "downloaded {n} program{}: {}",
                if n == 1 { "" } else { "s" },
                evidence
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            evidence,
            programs.iter().map(|p| p.0).collect(),
        ));
    }
    for (note, (msgs, rows)) in notices {
        let mut f = Finding::new(
            FindingKind::ZeekNotice,
            format!(
                "Zeek raised {}{}",
                quote(note),
                msgs.first()
                    .map(|m| format!(": {}", quote(m)))
                    .unwrap_or_default()
            ),
            std::iter::once(note.to_owned()).chain(msgs).collect(),
            rows,
        );
        f.technique = notice_technique(note);
        if note.contains("Malware") {
            f.severity = Severity::High;
            f.weight = 0.8;
        }
        out.push(f);
    }
    out
}

/// The servers of programs a Zeek malware notice matched (a hash registry's match on the
/// connection that fetched it): each a malware delivery server, by address.
pub fn delivery(t: &EventTable, cx: &ProtocolContext) -> HashMap<std::net::IpAddr, Vec<Finding>> {
    let mut served: BTreeMap<std::net::IpAddr, Vec<u32>> = BTreeMap::new();
    if !cx.notices {
        return HashMap::new();
    }
    for row in 0..t.len() {
        let malware = values(t, row, "notice.note")
            .iter()
            .any(|n| n.contains("Malware"));
        if let (true, Some(server)) = (malware, t.destination_ip(row)) {
            served.entry(server).or_default().push(row as u32);
        }
    }
    served
        .into_iter()
        .map(|(server, rows)| {
            let mut evidence = Vec::new();
            let mut clients = BTreeSet::new();
            for &r in &rows {
                let row = r as usize;
                for v in values(t, row, "files.filename")
                    .into_iter()
                    .chain(values(t, row, "http.host"))
                    .chain(values(t, row, "notice.note"))
                {
                    push_evidence(&mut evidence, v);
                }
                clients.extend(t.source_ip(row).map(|ip| ip.to_string()));
            }
            let row = rows[0] as usize;
            let what = values(t, row, "files.filename")
                .first()
                .or(values(t, row, "notice.file_mime_type").first())
                .map_or_else(|| "a program".to_owned(), |n| quote(n));
            let host = values(t, row, "http.host")
                .first()
                .map(|h| format!(" as {h}"))
                .unwrap_or_default();
            let note = values(t, row, "notice.note")
                .first()
                .map(|n| quote(n))
                .unwrap_or_default();
            let msg = values(t, row, "notice.msg")
                .first()
                .map(|m| format!(" ({})", quote(m)))
                .unwrap_or_default();
            let summary = format!(
                "served {what}{host} to {}, which Zeek's {note} matched as malware{msg}",
                clients.into_iter().collect::<Vec<_>>().join(", ")
            );
            let mut f = Finding::new(FindingKind::MalwareDelivery, summary, evidence, rows);
            f.technique = "T1105";
            (server, vec![f])
        })
        .collect()
}

/// Tunnelling: a parent domain with many distinct subdomain parts, most of them encoded
/// data.
fn tunnelling(under: &BTreeMap<&str, (BTreeSet<&str>, Vec<u32>)>) -> Option<Finding> {
    let (parent, (subs, rows)) = under
        .iter()
        .filter(|(_, (subs, _))| subs.len() >= TUNNEL_NAMES)
        .filter(|(_, (subs, _))| subs.iter().filter(|s| encoded(s)).count() * 2 > subs.len())
        .max_by_key(|(_, (subs, _))| subs.len())?;
    let longest = subs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut evidence = Vec::new();
    subs.iter()
        .for_each(|s| push_evidence(&mut evidence, &format!("{s}.{parent}")));
    Some(Finding::new(
        FindingKind::DnsTunnelling,
        format!(
            "looked up {} distinct names under {}, random-looking and up to {longest} \
             characters before it (such as {}): data carried in DNS names",
            subs.len(),
            quote(parent),
            quote(&evidence[0])
        ),
        evidence,
        rows.clone(),
    ))
}

/// Lookups of names under several domains that do not exist, the host's own housekeeping
/// left out: low under [`NXDOMAIN_STORM`] domains, a storm above, high when most of at least
/// [`NXDOMAIN_GENERATED`] look machine-generated; generated-looking names come first.
fn storm(missing: &BTreeMap<&str, Vec<u32>>) -> Option<Finding> {
    let domains: BTreeSet<&str> = missing.keys().map(|n| split_name(n).1).collect();
    if domains.len() < NXDOMAIN_DOMAINS {
        return None;
    }
    let generated: Vec<&str> = missing
        .keys()
        .copied()
        .filter(|n| looks_generated(split_name(n).1))
        .collect();
    let mut evidence = Vec::new();
    generated
        .iter()
        .chain(missing.keys())
        .for_each(|n| push_evidence(&mut evidence, n));
    let mut rows: Vec<u32> = missing.values().flatten().copied().collect();
    rows.sort_unstable();
    rows.dedup();
    let share = generated.len() as f64 / missing.len() as f64;
    let mut f = Finding::new(
        FindingKind::NxdomainStorm,
        format!(
            "looked up {} names under {} domains that do not exist (NXDOMAIN){}, such as {}",
            missing.len(),
            domains.len(),
            if share >= 0.5 && domains.len() >= NXDOMAIN_GENERATED {
                ", most of them machine-generated (DGA)".to_owned()
            } else if !generated.is_empty() {
                format!(", {} machine-generated-looking", generated.len())
            } else {
                String::new()
            },
            evidence
                .iter()
                .take(3)
                .map(|n| quote(n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        evidence,
        rows,
    );
    if share >= 0.5 && domains.len() >= NXDOMAIN_GENERATED {
        f.severity = Severity::High;
        f.weight = 0.8;
    } else if domains.len() < NXDOMAIN_STORM {
        f.severity = Severity::Low;
        f.weight = 0.3;
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_their_registered_domain() {
        assert_eq!(split_name("a.b.example.com."), ("a.b", "example.com"));
        assert_eq!(split_name("www.bbc.co.uk"), ("www", "bbc.co.uk"));
        assert_eq!(split_name("example.com"), ("", "example.com"));
    }

    #[test]
    fn generated_names_are_told_from_words() {
        for n in ["xjkqvbrt.com", "32342240.xyz", "qwhfgtrplmz.net"] {
            assert!(looks_generated(n), "{n}");
        }
        for n in [
            "google.com",
            "barrcoplumbingsupply.com",
            "sunnystation.com",
            "jmt.com",
        ] {
            assert!(!looks_generated(n), "{n}");
        }
    }

    /// A table of DNS lookups by 10.0.0.5, one per name (constructed, not real traffic).
    fn lookups_of(names: &[String], rcode: &str) -> EventTable {
        let mut t = EventTable::default();
        for (i, n) in names.iter().enumerate() {
            let mut d = crate::events::EventDraft {
                time_us: Some(1_700_000_000_000_000 + i as i64),
                source_ip: "10.0.0.5".parse().ok(),
                ..Default::default()
            };
            d.add_detail_kv("dns.query", n);
            d.add_detail_kv("dns.rcode_name", rcode);
            t.push(0, i as u64 + 1, &d);
        }
        t
    }

    #[test]
    fn long_random_names_under_one_domain_are_tunnelling_and_words_are_not() {
        // Base32-like labels from a fixed linear congruential sequence, as iodine or
        // dnscat2 encode data; and the same count of ordinary subdomains.
        let mut x: u64 = 12345;
        let mut label = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    b"abcdefghijklmnopqrstuvwxyz234567"[(x >> 59) as usize] as char
                })
                .collect()
        };
        let random: Vec<String> = (0..40)
            .map(|_| format!("{}.t.example.net", label(40)))
            .collect();
        let t = lookups_of(&random, "NOERROR");
        let rows: Vec<u32> = (0..t.len() as u32).collect();
        let f = findings(&t, &rows, &ProtocolContext::of(&t));
        let tunnel = f
            .iter()
            .find(|f| f.kind == FindingKind::DnsTunnelling)
            .unwrap();
        assert!(tunnel
            .summary
            .starts_with("looked up 40 distinct names under `example.net`"));
        // dnscat2 writes its data in hexadecimal.
        let hex: Vec<String> = (0..40)
            .map(|_| {
                let l = label(32);
                let h: String = l.bytes().map(|b| format!("{:02x}", b % 64)).collect();
                format!("{h}.c2.example.org")
            })
            .collect();
        let t = lookups_of(&hex, "NOERROR");
        let f = findings(&t, &rows, &ProtocolContext::of(&t));
        assert!(f.iter().any(|f| f.kind == FindingKind::DnsTunnelling));
        let words: Vec<String> = (0..40)
            .map(|i| format!("static-content-server-{i}.images.example.net"))
            .collect();
        let t = lookups_of(&words, "NOERROR");
        let f = findings(&t, &rows, &ProtocolContext::of(&t));
        assert!(f.iter().all(|f| f.kind != FindingKind::DnsTunnelling));
        // Answered NXDOMAIN, the random names are domain generation only when their own
        // registered domains look generated: here all share one, a storm of none.
        let t = lookups_of(&random, "NXDOMAIN");
        let f = findings(&t, &rows, &ProtocolContext::of(&t));
        assert!(f.iter().all(|f| f.kind != FindingKind::NxdomainStorm));
    }

    #[test]
    fn tools_are_named_from_their_agents() {
        assert_eq!(tool_of("curl/7.68.0"), Some("curl"));
        assert_eq!(
            tool_of("Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1"),
            Some("PowerShell")
        );
        assert_eq!(tool_of("Mozilla/4.0 (compatible; MSIE 8.0)"), None);
        assert!(program_name("/dl/setup.EXE?x=1") && !program_name("/index.html"));
        assert_eq!(
            certificate_problem("self signed certificate in certificate chain"),
            Some("self-signed")
        );
        assert_eq!(certificate_problem("ok"), None);
    }
}
