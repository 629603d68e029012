//! Packet captures against tshark (Debian's `tshark`, the Wireshark dissectors) on real
//! captures (`tests/fixtures/real/pcap/`, sources and licences in its README): every TCP and
//! UDP flow netsleuth reads has the endpoints, packets and bytes each way that tshark's
//! packets add up to for the same 5-tuple (the first packet's sender the originator), no flow
//! is missing, and the DNS question, HTTP request and Host, TLS server name and JA3 of each
//! flow are the ones tshark dissects from its first such packet. A pcapng of the same packets
//! reads the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use netsleuth::events::EventTable;
use netsleuth::ingest::{read_file, Format, ReadOptions, ReadProgress};

/// (transport, originator, responder) as `ip:port` texts.
type Key = (String, String, String);

/// What tshark says of one flow: packets and bytes each way, and its first DNS name, HTTP
/// method and URI, Host, TLS server name and JA3.
#[derive(Debug, Default, Clone, PartialEq)]
struct Seen {
    sent: (u64, u64),
    received: (u64, u64),
    query: String,
    request: String,
    host: String,
    sni: String,
    ja3: String,
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/pcap"
    ))
    .join(name)
}

fn endpoint(ip: &str, port: &str) -> String {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    format!("{ip}:{port}")
}

/// tshark's packets of `pcap`, added up per flow.
fn tshark(pcap: &Path) -> BTreeMap<Key, Seen> {
    let fields = [
        "frame.len",
        "ip.src",
        "ip.dst",
        "ipv6.src",
        "ipv6.dst",
        "tcp.srcport",
        "tcp.dstport",
        "udp.srcport",
        "udp.dstport",
        "dns.qry.name",
        "http.request.method",
        "http.request.uri",
        "http.host",
        "tls.handshake.extensions_server_name",
        "tls.handshake.ja3",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args([
            "-Y",
            "(tcp or udp) and not icmp and not icmpv6",
            "-T",
            "fields",
        ])
        .args(["-E", "separator=\t", "-E", "occurrence=f"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .expect("tshark runs (scripts/install-deps installs Debian's tshark)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut flows: BTreeMap<(String, String, String), (Key, Seen)> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Vec<&str> = line.split('\t').collect();
        let (src, dst) = if v[1].is_empty() {
            (v[3], v[4])
        } else {
            (v[1], v[2])
        };
        let (proto, sp, dp) = if v[5].is_empty() {
            ("udp", v[7], v[8])
        } else {
            ("tcp", v[5], v[6])
        };
        let (a, b) = (endpoint(src, sp), endpoint(dst, dp));
        let unordered = if a <= b {
            (proto.to_owned(), a.clone(), b.clone())
        } else {
            (proto.to_owned(), b.clone(), a.clone())
        };
        let (key, seen) = flows
            .entry(unordered)
            .or_insert_with(|| ((proto.to_owned(), a.clone(), b.clone()), Seen::default()));
        let len: u64 = v[0].parse().unwrap();
        let way = if a == key.1 {
            &mut seen.sent
        } else {
            &mut seen.received
        };
        way.0 += 1;
        way.1 += len;
        let first = |slot: &mut String, value: &str| {
            if slot.is_empty() {
                *slot = value.to_owned();
            }
        };
        first(&mut seen.query, v[9]);
        if !v[10].is_empty() && seen.request.is_empty() {
            seen.request = format!("{} {}", v[10], v[11]);
        }
        first(&mut seen.host, v[12]);
        first(&mut seen.sni, v[13]);
        first(&mut seen.ja3, v[14]);
    }
    flows.into_values().collect()
}

/// netsleuth's flows of `pcap`, as tshark's are added up.
fn ours(pcap: &Path) -> (BTreeMap<Key, Seen>, EventTable) {
    let mut t = EventTable::default();
    let r = read_file(
        pcap,
        0,
        &mut t,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    assert_eq!(r.format, Format::Capture);
    assert_eq!(r.skips.total(), 0);
    let mut flows = BTreeMap::new();
    for row in 0..t.len() {
        let proto = t.transport(row).unwrap().to_owned();
        if proto != "tcp" && proto != "udp" {
            continue;
        }
        let a = format!(
            "{}:{}",
            t.source_ip(row).unwrap(),
            t.source_port(row).unwrap()
        );
        let b = format!(
            "{}:{}",
            t.destination_ip(row).unwrap(),
            t.destination_port(row).unwrap()
        );
        let n = |v: Option<f64>| v.unwrap() as u64;
        let part = |k: &str| t.detail_value(row, k).unwrap_or("").to_owned();
        let request = t
            .detail_value(row, "http.request")
            .map(|line| line.rsplit_once(' ').map_or(line, |(r, _)| r).to_owned())
            .unwrap_or_default();
        let seen = Seen {
            sent: (n(t.packets_sent(row)), n(t.bytes_sent(row))),
            received: (n(t.packets_received(row)), n(t.bytes_received(row))),
            query: part("dns.query"),
            request,
            host: part("http.host"),
            sni: part("ssl.server_name"),
            ja3: part("ssl.ja3"),
        };
        assert!(
            flows.insert((proto, a, b), seen).is_none(),
            "a 5-tuple split in two"
        );
    }
    (flows, t)
}

#[test]
fn flows_and_what_they_say_agree_with_tshark() {
    let captures = [
        "dns.pcap",
        "dns2.pcap",
        "ether.pcap",
        "smtp.pcap",
        "ssl.pcap",
        "telnet.pcap",
        "tftp.pcap",
    ];
    let mut compared = 0;
    let mut said = 0;
    for name in captures {
        let path = fixture(name);
        let want = tshark(&path);
        let (got, _) = ours(&path);
        assert!(!want.is_empty(), "{name}: tshark saw no flow");
        for (key, seen) in &want {
            let mine = got
                .get(key)
                .unwrap_or_else(|| panic!("{name}: no flow {key:?}; netsleuth has {got:?}"));
            assert_eq!(mine, seen, "{name}: {key:?}");
            said += [&seen.query, &seen.request, &seen.sni]
                .iter()
                .filter(|s| !s.is_empty())
                .count();
        }
        assert_eq!(got.len(), want.len(), "{name}: flows tshark does not have");
        compared += want.len();
    }
    assert!(compared >= 15, "{compared} flows compared");
    assert!(said >= 8, "{said} DNS, HTTP and TLS names compared");
}

#[test]
fn a_gzipped_capture_reads_the_same() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("smtp.pcap.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(fixture("smtp.pcap")).unwrap())
        .unwrap();
    enc.finish().unwrap();
    assert_eq!(ours(&gz).0, ours(&fixture("smtp.pcap")).0);
}

/// A capture cut short mid-packet (tcpdump killed, a copy interrupted) keeps the flows up to
/// the cut and says where the rest was lost; a damaged file header is named as such.
#[test]
fn a_capture_cut_short_keeps_its_flows_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.pcap");
    let whole = std::fs::read(fixture("smtp.pcap")).unwrap();
    std::fs::write(&cut, &whole[..10_000]).unwrap();
    let mut t = EventTable::default();
    let r = read_file(
        &cut,
        0,
        &mut t,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    assert_eq!(
        t.len(),
        3,
        "the DNS lookup, the SMTP session so far, the ICMP"
    );
    let lost = &r.skips.examples()[0];
    assert_eq!(lost.line, 27, "the first packet not read whole");
    assert!(
        lost.reason.contains("ends in the middle of a packet"),
        "{}",
        lost.reason
    );

    let bad = dir.path().join("bad.pcap");
    std::fs::write(&bad, b"\xd4\xc3\xb2\xa1garbage").unwrap();
    let e = read_file(
        &bad,
        0,
        &mut EventTable::default(),
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("file header is cut short or damaged"),
        "{e}"
    );
}

#[test]
fn a_pcapng_of_the_same_packets_reads_the_same() {
    let (pcap, a) = ours(&fixture("ether.pcap"));
    let (pcapng, b) = ours(&fixture("ether.pcapng"));
    assert_eq!(pcap, pcapng);
    assert_eq!(a.len(), b.len());
    for row in 0..a.len() {
        assert_eq!(a.time_us(row), b.time_us(row));
        assert_eq!(a.outcome(row), b.outcome(row));
    }
}

/// One connection as Zeek records it: originator, responder, start (µs), and packets and IP
/// bytes each way.
type ZeekConnection = (&'static str, &'static str, i64, (u64, u64), (u64, u64));

/// Zeek's own record of the connections in its test trace `smtp.trace`, whose 2009 part is
/// the same Wireshark sample as `smtp.pcap` here (the same four connections, starts and
/// packets): the `connection_state_remove` events of zeek/zeek's baseline
/// `testing/btest/Baseline/scripts.policy.misc.dump-events/all-events.log` (commit
/// 01207c0720bb4a8bd8d818165d154c4272126927, BSD-3-Clause): originator, responder, start
/// (µs), and packets and IP bytes (`num_pkts`, `num_bytes_ip`) each way.
const ZEEK_SMTP_TRACE: [ZeekConnection; 4] = [
    (
        "10.10.1.4:56166",
        "10.10.1.1:53",
        1_254_722_767_492_060,
        (1, 62),
        (1, 128),
    ),
    (
        "10.10.1.4:1470",
        "74.53.140.153:25",
        1_254_722_767_529_046,
        (28, 21673),
        (25, 1546),
    ),
    (
        "192.168.1.1",
        "10.10.1.4",
        1_254_722_770_695_115,
        (4, 2304),
        (0, 0),
    ),
    (
        "10.10.1.20:138",
        "10.10.1.255:138",
        1_254_722_776_690_444,
        (1, 229),
        (0, 0),
    ),
];

/// Per (sender, receiver) address pair of `pcap`, what the link layer adds to the IP
/// packets: the frame lengths less the IP lengths tshark reads (the outer IP header's).
fn link_overhead(pcap: &Path) -> BTreeMap<(String, String), u64> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-T", "fields", "-E", "occurrence=f"])
        .args([
            "-e",
            "frame.len",
            "-e",
            "ip.len",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
        ])
        .output()
        .expect("tshark runs");
    assert!(out.status.success());
    let mut sums = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let Ok(ip) = f[1].parse::<u64>() else {
            continue;
        };
        let frame: u64 = f[0].parse().unwrap();
        *sums.entry((f[2].to_owned(), f[3].to_owned())).or_default() += frame - ip;
    }
    sums
}

#[test]
fn connections_agree_with_zeeks_own_on_the_same_trace() {
    // Zeek counts four connections, the ICMP one included (tshark's conversations leave it
    // out), each starting where ours does, with the same packets each way. Two differences
    // are Zeek's documented ones: it counts IP bytes where we count frames (the Ethernet
    // header and the padding of short frames, which tshark's frame and IP lengths give), and
    // it keys an ICMP "connection" by type and code where ours has no ports.
    let path = fixture("smtp.pcap");
    let mut all = EventTable::default();
    read_file(
        &path,
        0,
        &mut all,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    assert_eq!(all.len(), ZEEK_SMTP_TRACE.len());
    let overhead = link_overhead(&path);
    for (row, (orig, resp, start_us, sent, received)) in ZEEK_SMTP_TRACE.iter().enumerate() {
        let at = |ip: Option<std::net::IpAddr>, port: Option<u16>| match port {
            Some(p) => format!("{}:{p}", ip.unwrap()),
            None => ip.unwrap().to_string(),
        };
        let (src, dst) = (
            all.source_ip(row).unwrap(),
            all.destination_ip(row).unwrap(),
        );
        assert_eq!(at(Some(src), all.source_port(row)), *orig);
        assert_eq!(at(Some(dst), all.destination_port(row)), *resp);
        assert_eq!(all.time_us(row), Some(*start_us), "{orig}");
        let n = |v: Option<f64>| v.unwrap() as u64;
        let link = |a: std::net::IpAddr, b: std::net::IpAddr| {
            overhead
                .get(&(a.to_string(), b.to_string()))
                .copied()
                .unwrap_or(0)
        };
        assert_eq!(
            (n(all.packets_sent(row)), n(all.bytes_sent(row))),
            (sent.0, sent.1 + link(src, dst)),
            "{orig} -> {resp}"
        );
        assert_eq!(
            (n(all.packets_received(row)), n(all.bytes_received(row))),
            (received.0, received.1 + link(dst, src)),
            "{resp} -> {orig}"
        );
    }
}
