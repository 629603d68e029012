//! Exports loaded by live servers on 127.0.0.1: random lists of real addresses (clients of the
//! real hackers' access log) with reasons and notes drawn from a hostile alphabet (backslashes
//! at line ends, newlines, quotes, braces, comment starts, bidirectional controls) exported to
//! nginx, Apache (`Require not ip`) and ModSecurity, each loaded by the real server taking the
//! client from X-Forwarded-For: every listed address gets 403, every other one 200. A comment
//! that swallowed the next rule, or text that escaped into the configuration, would let a
//! listed address through or stop the server.

mod real_data;
mod servers;

use std::collections::BTreeSet;
use std::path::Path;

use ipnet::IpNet;
use netsleuth::blocklist::{Entry, Origin};
use netsleuth::export::{render, write, Format, Options, Syntax};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use servers::{request, Apache, Nginx};

const LOG: &str = "web-access-logs/hackers-access.log";

/// Pieces of text that have broken configuration files.
const HOSTILE: [&str; 16] = [
    "\\",
    "\n",
    "\r\n",
    "\"",
    "'",
    "}",
    "{",
    "#",
    ";",
    "*/",
    "$host",
    " ",
    "\t",
    "\u{202e}",
    "deny all;",
    "Require all denied",
];

fn hostile(rng: &mut StdRng) -> String {
    let mut s = String::new();
    for _ in 0..rng.gen_range(1..8) {
        s.push_str(HOSTILE[rng.gen_range(0..HOSTILE.len())]);
        if rng.gen_bool(0.3) {
            s.push_str("scan from C:");
        }
    }
    // Half of them end in a backslash, Apache's line continuation.
    if rng.gen_bool(0.5) {
        s.push('\\');
    }
    s
}

fn clients() -> Vec<String> {
    let mut seen = BTreeSet::new();
    std::fs::read_to_string(real_data::data(LOG))
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').next().map(str::to_owned))
        .filter(|ip| seen.insert(ip.clone()))
        .take(40)
        .collect()
}

fn export(format: Format, entries: &[Entry], path: &Path) {
    let opts = Options {
        investigation: "tests/export_live.rs\\".into(),
        syntax: Syntax::Native,
        ..Options::default()
    };
    let output = render(format, entries, &opts).unwrap();
    write(format, &output, path).unwrap();
}

#[test]
fn hostile_text_never_lets_a_listed_address_through_a_live_server() {
    let clients = clients();
    assert_eq!(clients.len(), 40);
    let mut rng = StdRng::seed_from_u64(0x6e73);
    let dir = tempfile::tempdir().unwrap();
    for case in 0..6 {
        let mut shuffled = clients.clone();
        shuffled.shuffle(&mut rng);
        let (listed, unlisted) = shuffled.split_at(12);
        let entries: Vec<Entry> = listed
            .iter()
            .map(|ip| {
                let net: IpNet = ip.parse::<std::net::IpAddr>().unwrap().into();
                let mut e = Entry::new(net, Origin::Manual, hostile(&mut rng));
                e.note = hostile(&mut rng);
                e
            })
            .collect();
        for format in [Format::Nginx, Format::Apache, Format::ModSecurity] {
            let prefix = dir.path().join(format!("{case}-{}", format.id()));
            std::fs::create_dir_all(&prefix).unwrap();
            let rules = prefix.join("blocklist.conf");
            export(format, &entries, &rules);
            let port;
            let _server: Box<dyn std::any::Any> = match format {
                Format::Nginx => {
                    let s = Nginx::start(&prefix, &rules);
                    port = s.port;
                    Box::new(s)
                }
                f => {
                    let s = Apache::start(&prefix, &rules, f == Format::ModSecurity);
                    port = s.port;
                    Box::new(s)
                }
            };
            let text = std::fs::read_to_string(&rules).unwrap();
            for ip in listed {
                assert_eq!(
                    request(port, "GET", "/", ip, ""),
                    403,
                    "case {case}, {}: listed {ip} got through:\n{text}",
                    format.id()
                );
            }
            for ip in unlisted {
                assert_eq!(
                    request(port, "GET", "/", ip, ""),
                    200,
                    "case {case}, {}: unlisted {ip} refused:\n{text}",
                    format.id()
                );
            }
        }
    }
}
