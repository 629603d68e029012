//! Domain blocklist exports fed to their real consumers through `tests/validators/check`
//! (named-checkzone, unbound-checkconf, dnsmasq --test, glibc's hosts lookup, squid -k parse;
//! `scripts/install-validators` installs them), on the real FormBook check-in hosts of the
//! Suricata honeypot log, and hostile names refused or kept out of every file.

mod real_data;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use netsleuth::domains::{
    parse_pattern, render, save_to, write, Action, DomainEntry, DomainFormat, DomainList,
    DomainName, DomainOptions, DomainProposal, Origin,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

const CHECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validators/check");
const BIN: &str = env!("CARGO_BIN_EXE_netsleuth");
const FORMBOOK: &str = "ET MALWARE FormBook CnC Checkin (GET)";

/// Runs the real consumer of `format` on `path`; its error output when it refuses.
fn consumer(format: &str, path: &Path) -> Result<(), String> {
    let out = Command::new(CHECK)
        .arg(format)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {CHECK}: {e} (run scripts/install-validators)"));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        _ => panic!(
            "{format}: the check could not run: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn accepted(format: DomainFormat, path: &Path) {
    if let Err(e) = consumer(format.id(), path) {
        panic!("{}: {} refused:\n{e}", format.id(), path.display());
    }
}

/// The hosts the FormBook samples checked in with, as the Suricata log names them
/// (`http.hostname` of the alerts with FormBook's check-in signature), and the addresses each
/// was reached on.
fn formbook_hosts() -> Vec<(String, BTreeSet<IpAddr>)> {
    let path = real_data::data("honeypot/suricata/eve.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut hosts: std::collections::BTreeMap<String, BTreeSet<IpAddr>> = Default::default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["event_type"] == "alert" && v["alert"]["signature"] == FORMBOOK {
            if let Some(host) = v["http"]["hostname"].as_str() {
                let ip = v["dest_ip"].as_str().and_then(|s| s.parse::<IpAddr>().ok());
                hosts.entry(host.to_string()).or_default().extend(ip);
            }
        }
    }
    hosts.into_iter().collect()
}

/// The FormBook hosts as a domain list: every fourth with its subdomains, one sinkholed to an
/// IPv4 and one to an IPv6 address, reasons and notes holding what a log could.
fn formbook_list() -> DomainList {
    let mut list = DomainList::default();
    for (i, (host, addresses)) in formbook_hosts().into_iter().enumerate() {
        let mut p =
            DomainProposal::new(&host, format!("{FORMBOOK}\n}}; \"quoted\" */ # {i}"), 90.0)
                .unwrap();
        p.addresses = addresses.into_iter().collect();
        p.evidence = vec![FORMBOOK.into()];
        p.files = vec!["eve.json".into()];
        let mut e = p.entry();
        e.subdomains = i % 4 == 0;
        e.note = "local-zone: \"x.\" static\r\naddress=/#/".into();
        e.action = match i {
            1 => Action::Sinkhole("10.0.0.53".parse().unwrap()),
            2 => Action::Sinkhole("fd00::53".parse().unwrap()),
            _ => Action::Nxdomain,
        };
        list.entries.push(e);
    }
    list
}

fn opts() -> DomainOptions {
    DomainOptions {
        investigation: "eve.json\n; $ORIGIN evil.".into(),
        ..DomainOptions::default()
    }
}

/// Renders `list` as `format` and writes it in `dir`: its text and path.
fn export(dir: &Path, format: DomainFormat, list: &DomainList) -> (String, Vec<String>, PathBuf) {
    let out = render(format, list, &opts()).unwrap();
    let path = dir.join(format.default_name());
    write(&out, &path).unwrap();
    (
        String::from_utf8(out.files[0].bytes.clone()).unwrap(),
        out.notes,
        path,
    )
}

/// The lines of `text` that are not comments in `format`.
fn records(format: DomainFormat, text: &str) -> Vec<String> {
    let comment = if format == DomainFormat::Rpz {
        ';'
    } else {
        '#'
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with(comment) && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn formbook_hosts_are_read_from_the_log() {
    let hosts: Vec<String> = formbook_hosts().into_iter().map(|(h, _)| h).collect();
    assert!(hosts.len() >= 20, "{hosts:?}");
    for h in [
        "www.hydrocheats.com",
        "www.katchybugonsale.com",
        "www.xn--pckwb0cye6947ajzku8opzi.com",
    ] {
        assert!(hosts.iter().any(|x| x == h), "{h} not in {hosts:?}");
    }
}

#[test]
fn formbook_domains_through_every_export_and_its_tool() {
    let list = formbook_list();
    let dir = tempfile::tempdir().unwrap();
    for format in DomainFormat::ALL {
        let (text, notes, path) = export(dir.path(), format, &list);
        accepted(format, &path);
        assert!(
            text.contains("www.xn--pckwb0cye6947ajzku8opzi.com"),
            "{}: the international name is missing",
            format.id()
        );
        for line in records(format, &text) {
            assert!(
                !line.contains("FormBook") && !line.contains("quoted") && !line.contains("static"),
                "{}: log text outside a comment: {line}",
                format.id()
            );
        }
        let expected: Vec<&str> = match format {
            DomainFormat::Rpz => vec![
                "www.hydrocheats.com CNAME .",
                "www.db-propertygroup.com CNAME .",
                "*.www.awridahmed.com CNAME .",
            ],
            DomainFormat::Unbound => {
                vec!["    local-zone: \"www.hydrocheats.com.\" always_nxdomain"]
            }
            DomainFormat::Dnsmasq => vec!["address=/www.hydrocheats.com/"],
            DomainFormat::Hosts => vec!["0.0.0.0 www.hydrocheats.com", ":: www.hydrocheats.com"],
            DomainFormat::Squid => vec!["www.hydrocheats.com", ".www.awridahmed.com"],
        };
        for want in expected {
            assert!(
                text.lines().any(|l| l == want),
                "{}: no line {want:?} in\n{text}",
                format.id()
            );
        }
        match format {
            DomainFormat::Dnsmasq | DomainFormat::Unbound => assert!(
                notes.iter().any(|n| n.contains("block them too")),
                "{}: {notes:?}",
                format.id()
            ),
            DomainFormat::Hosts => assert!(
                notes.iter().any(|n| n.contains("cannot name subdomains")),
                "{notes:?}"
            ),
            _ => {}
        }
    }
    // The sinkholes, in each format's own words.
    let (rpz, _, _) = export(dir.path(), DomainFormat::Rpz, &list);
    let sinkholed: Vec<&DomainEntry> = list
        .entries
        .iter()
        .filter(|e| matches!(e.action, Action::Sinkhole(_)))
        .collect();
    assert_eq!(sinkholed.len(), 2);
    assert!(
        rpz.contains(&format!("\n{} A 10.0.0.53\n", sinkholed[0].name)),
        "{rpz}"
    );
    assert!(
        rpz.contains(&format!("\n{} AAAA fd00::53\n", sinkholed[1].name)),
        "{rpz}"
    );
    let (dnsmasq, _, _) = export(dir.path(), DomainFormat::Dnsmasq, &list);
    let n = &sinkholed[0].name;
    assert!(
        dnsmasq.contains(&format!("address=/{n}/10.0.0.53\nlocal=/{n}/\n")),
        "{dnsmasq}"
    );
}

/// Each tool refuses a broken export: the checks are not vacuous.
#[test]
fn every_tool_refuses_a_damaged_export() {
    let list = formbook_list();
    let dir = tempfile::tempdir().unwrap();
    for format in DomainFormat::ALL {
        let (text, _, path) = export(dir.path(), format, &list);
        let broken = match format {
            DomainFormat::Rpz => format!("{text}evil\"name.com CNAME .\n"),
            DomainFormat::Unbound => {
                format!("{text}    local-zone: \"a..b.com.\" always_nxdomain\n")
            }
            DomainFormat::Dnsmasq => format!("{text}address=/a\"b.com/\n"),
            DomainFormat::Hosts => format!("{text}0.0.0.256 www.hydrocheats.net\n"),
            DomainFormat::Squid => format!("{text}www.hydrocheats.com.\n.hydrocheats.com\n"),
        };
        std::fs::write(&path, broken).unwrap();
        assert!(
            consumer(format.id(), &path).is_err(),
            "{}: the damaged file was accepted",
            format.id()
        );
    }
}

#[test]
fn hostile_names_are_refused_with_a_clear_message() {
    let refused = [
        ("www.hydrocheats.com\nevil.com", "control character"),
        ("www.hydrocheats.com\r", "control character"),
        ("evil\".com", "a quote"),
        ("evil'.com", "a quote"),
        ("evil.com;", "';'"),
        ("evil.com; rm -rf /", "';'"),
        ("ev*il.com", "wildcards"),
        ("www.*.evil.com", "wildcards"),
        ("evil com", "a space"),
        ("xn--zz-.com", "IDNA"),
        ("xn--.com", "IDNA"),
        ("_sip._tcp.evil.com", "underscore"),
        ("-evil.com", "hyphen"),
        ("evil..com", "empty label"),
        ("104.21.89.147", "use the IP blocklist"),
        ("2606:4700::6815:5993", "use the IP blocklist"),
        ("com", ""),
    ];
    let long = format!("{}.com", "a".repeat(64));
    for (text, why) in refused
        .iter()
        .map(|(t, w)| (t.to_string(), *w))
        .chain([(long, "at most 63")])
    {
        match parse_pattern(&text) {
            Err(e) => assert!(e.contains(why), "{text:?}: {e}"),
            Ok((name, _)) => {
                // Syntax allows a TLD; the guard never lets it be blocked.
                assert_eq!(text, "com");
                let e = netsleuth::domains::refusal(&name).unwrap().to_string();
                assert!(e.contains("top-level domain"), "{e}");
            }
        }
    }
    let idn = DomainName::parse("Bücher.example").unwrap();
    assert_eq!(idn.as_str(), "xn--bcher-kva.example");
    assert_eq!(idn.unicode(), "bücher.example");
}

#[test]
fn export_domains_reports_bad_lines_and_exports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("formbook.txt");
    let hosts: Vec<String> = formbook_hosts().into_iter().map(|(h, _)| h).collect();
    let mut text = String::from("# FormBook check-in hosts from eve.json\n");
    for h in &hosts {
        text.push_str(&format!("{h}  # {FORMBOOK}\n"));
    }
    text.push_str("evil\".com\nco.uk\n*.bücher.example\nev*il.com\n0.0.0.0 www.hydrocheats.com\n");
    std::fs::write(&input, text).unwrap();
    let first_bad = hosts.len() + 2;
    let out = dir.path().join("squid.acl");
    let run = Command::new(BIN)
        .args([
            "export-domains",
            input.to_str().unwrap(),
            "--format",
            "squid",
        ])
        .args(["--name", "formbook", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stderr}");
    let name = input.display().to_string();
    assert!(
        stderr.contains(&format!("{name}:{first_bad}: 'evil\".com' holds a quote")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{name}:{}: never blocked: 'co.uk' is a public suffix",
            first_bad + 1
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:{}: 'ev*il.com' holds '*'", first_bad + 3)),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 lines left out, never exported"),
        "{stderr}"
    );
    assert!(stderr.contains("1 repeated names counted once"), "{stderr}");
    assert!(
        stdout.starts_with(&format!("{} names exported as squid", hosts.len() + 1)),
        "{stdout}"
    );
    let acl = std::fs::read_to_string(&out).unwrap();
    assert!(acl.contains("\n.xn--bcher-kva.example\n"), "{acl}");
    assert!(acl.contains("#     acl formbook dstdomain"), "{acl}");
    accepted(DomainFormat::Squid, &out);

    // A saved list, with a sinkhole, through the policy zone.
    let saved = dir.path().join("domains.json");
    save_to(&formbook_list(), &saved).unwrap();
    let zone = dir.path().join("formbook.zone");
    let run = Command::new(BIN)
        .args(["export-domains", saved.to_str().unwrap(), "--format", "rpz"])
        .args(["--out", zone.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    accepted(DomainFormat::Rpz, &zone);
    let bad = Command::new(BIN)
        .args(["export-domains", saved.to_str().unwrap(), "--format", "rpz"])
        .args(["--name", "a;b", "--out", zone.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("name 'a;b' must be"));
}

/// Names at the limits: a 253-character name is exported where it fits and left out, with a
/// note, of the policy zone, under whose name it cannot be written.
#[test]
fn names_at_the_length_limits() {
    let label = "a".repeat(63);
    let longest = format!("{label}.{label}.{label}.{}.example", "b".repeat(53));
    assert_eq!(longest.len(), 253);
    let mut list = DomainList::default();
    for (name, subdomains) in [(longest.as_str(), false), ("www.hydrocheats.com", true)] {
        let mut e = DomainEntry::new(DomainName::parse(name).unwrap(), Origin::Manual, "limit");
        e.subdomains = subdomains;
        list.entries.push(e);
    }
    let dir = tempfile::tempdir().unwrap();
    for format in DomainFormat::ALL {
        let (text, notes, path) = export(dir.path(), format, &list);
        accepted(format, &path);
        let has_long = records(format, &text).iter().any(|l| l.contains(&longest));
        assert_eq!(has_long, format != DomainFormat::Rpz, "{}", format.id());
        if format == DomainFormat::Rpz {
            assert!(notes.iter().any(|n| n.contains("too long")), "{notes:?}");
        }
    }
}

/// Names accepted by the parser from a generator of awkward text (letters, digits, IDN,
/// punycode, hyphens at the edges, dots, and the characters that break configuration files),
/// all exported at once to every tool.
#[test]
fn generated_accepted_names_pass_every_tool() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = awkward_name();
    let mut list = DomainList::default();
    let mut tried = 0;
    while list.entries.len() < 200 && tried < 20_000 {
        tried += 1;
        let text = strategy.new_tree(&mut runner).unwrap().current();
        if let Ok((name, subdomains)) = parse_pattern(&text) {
            if list.refused(&name, subdomains).is_some() || list.entry(&name).is_some() {
                continue;
            }
            let mut e = DomainEntry::new(name, Origin::Import, text);
            e.subdomains = subdomains;
            list.entries.push(e);
        }
    }
    assert!(
        list.entries.len() >= 100,
        "only {} names accepted",
        list.entries.len()
    );
    let dir = tempfile::tempdir().unwrap();
    for format in DomainFormat::ALL {
        let (_, _, path) = export(dir.path(), format, &list);
        accepted(format, &path);
    }
}

fn awkward_name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => "[a-zA-Z0-9]{1,12}",
        2 => "[a-z0-9-]{1,70}",
        1 => Just("xn--".to_string()),
        1 => "(xn--)?[a-z0-9]{1,8}",
        1 => Just("bücher".to_string()),
        1 => Just("中国".to_string()),
        1 => Just("ß".to_string()),
        1 => "[\"';*_ \\n\\r\\t#$@/:{}\\\\()\u{202e}\u{200d}。．]",
    ];
    (
        prop::option::of(Just("*.".to_string())),
        prop::collection::vec(
            (
                piece,
                prop_oneof![6 => Just("."), 1 => Just(""), 1 => Just("..")],
            ),
            1..6,
        ),
        prop::option::of(Just(".".to_string())),
    )
        .prop_map(|(star, parts, dot)| {
            let mut s = star.unwrap_or_default();
            for (p, sep) in parts {
                s.push_str(&p);
                s.push_str(sep);
            }
            s.push_str(&dot.unwrap_or_default());
            s
        })
}

/// What an export line may look like in each format, for the property below.
fn line_ok(format: DomainFormat, line: &str, name: &str) -> bool {
    let owner = |o: &str| o == name || o.strip_prefix("*.") == Some(name);
    match format {
        DomainFormat::Rpz => {
            line.starts_with(';')
                || line.starts_with("$TTL ")
                || line.starts_with("$ORIGIN netsleuth-domains.rpz.")
                || line.starts_with("@ IN ")
                || matches!(line.split(' ').collect::<Vec<_>>().as_slice(),
                    [o, "CNAME", "."] if owner(o))
                || matches!(line.split(' ').collect::<Vec<_>>().as_slice(),
                    [o, "A" | "AAAA", ip] if owner(o) && ip.parse::<IpAddr>().is_ok())
        }
        DomainFormat::Unbound => {
            line.starts_with('#')
                || line == "server:"
                || line == format!("    local-zone: \"{name}.\" always_nxdomain")
                || line == format!("    local-zone: \"{name}.\" redirect")
                || line == format!("    local-data: \"{name}. A 10.0.0.53\"")
        }
        DomainFormat::Dnsmasq => {
            line.starts_with('#')
                || line == format!("address=/{name}/")
                || line == format!("address=/{name}/10.0.0.53")
                || line == format!("local=/{name}/")
        }
        DomainFormat::Hosts => {
            line.starts_with('#')
                || line == format!("0.0.0.0 {name}")
                || line == format!(":: {name}")
                || line == format!("10.0.0.53 {name}")
        }
        DomainFormat::Squid => line.starts_with('#') || line == name || line == format!(".{name}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No accepted name, whatever text it came from, writes anything but its own records in
    /// any format: it holds only letters, digits, hyphens and dots in valid labels, and the
    /// text it came from (kept as the reason) stays inside one comment line.
    #[test]
    fn no_accepted_name_can_break_an_export(text in prop_oneof![awkward_name(), any::<String>()]) {
        if let Ok((name, subdomains)) = parse_pattern(&text) {
            let s = name.as_str();
            prop_assert!(s.len() <= 253 && !s.is_empty());
            prop_assert!(s.split('.').all(|l| !l.is_empty() && l.len() <= 63
                && !l.starts_with('-') && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')));
            let again = DomainName::parse(s);
            prop_assert_eq!(again.as_ref(), Ok(&name));
            let mut list = DomainList::default();
            if list.refused(&name, subdomains).is_some() {
                return Ok(());
            }
            for action in [Action::Nxdomain, Action::Sinkhole("10.0.0.53".parse().unwrap())] {
                let mut e = DomainEntry::new(name.clone(), Origin::Import, text.clone());
                e.subdomains = subdomains;
                e.note = text.clone();
                e.action = action;
                list.entries = vec![e];
                for format in DomainFormat::ALL {
                    let out = match render(format, &list, &opts()) {
                        Ok(out) => out,
                        // Only the policy zone may leave a name out, for its length.
                        Err(e) => {
                            prop_assert!(format == DomainFormat::Rpz && s.len() > 200, "{}", e);
                            continue;
                        }
                    };
                    let bytes = &out.files[0].bytes;
                    let file = std::str::from_utf8(bytes).unwrap();
                    prop_assert!(!file.chars().any(|c| c.is_control() && c != '\n'));
                    for line in file.lines() {
                        prop_assert!(line_ok(format, line, s), "{}: {:?}", format.id(), line);
                    }
                }
            }
        }
    }
}
