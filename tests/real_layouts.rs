//! The layouts other tools write, read from real public samples (`tests/fixtures/real/`, with
//! their sources and licences in its README): Zeek logs under another scope separator or a
//! field name map, Zeek's protocol logs named for what they are, access logs with a virtual
//! host and X-Forwarded-For chains, VPC flow logs of versions 2 to 8 and transit gateways with
//! and without header lines, NODATA and SKIPDATA, and Suricata 6 alerts without a direction.
//!
//! Every expected value was worked out from the raw files by hand or with Python's split and
//! json modules (the VPC field orders are AWS's documented ones), never from netsleuth.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use netsleuth::detection::behaviour::FindingKind;
use netsleuth::detection::{detect, Action, DetectionSettings};
use netsleuth::events::EventTable;
use netsleuth::ingest::{
    read_file, read_files, FileReport, Format, Investigation, ReadOptions, ReadProgress,
};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real")).join(rel)
}

fn read(rel: &str) -> (EventTable, FileReport) {
    let mut t = EventTable::default();
    let r = read_file(
        &fixture(rel),
        0,
        &mut t,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"));
    (t, r)
}

fn sources(t: &EventTable) -> BTreeSet<String> {
    (0..t.len())
        .filter_map(|r| t.source_ip(r))
        .map(|ip| ip.to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn sum(t: &EventTable, get: impl Fn(&EventTable, usize) -> Option<f64>) -> f64 {
    (0..t.len()).filter_map(|r| get(t, r)).sum()
}

#[test]
fn zeek_logs_under_another_scope_separator_or_a_field_name_map() {
    // The two baselines hold the same 34 rows, one with `id_orig_h`..., one with `src`,
    // `src_port`, `dst`, `dst_port`: 9 distinct originators (cut -f3 | sort -u).
    let (a, ra) = read("zeek/renamed/scripts.base.frameworks.logging.scope_sep/conn.log");
    let (b, rb) = read("zeek/renamed/scripts.base.frameworks.logging.field-name-map/conn.log");
    for (t, r) in [(&a, &ra), (&b, &rb)] {
        assert_eq!(r.format, Format::ZeekTsv);
        assert_eq!(t.len(), 34);
        assert_eq!(sources(t).len(), 9);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }
    for row in 0..a.len() {
        assert_eq!(a.source_ip(row), b.source_ip(row));
        assert_eq!(a.destination_port(row), b.destination_port(row));
        assert_eq!(a.source_port(row), b.source_port(row));
    }
    // The first row as the file has it: 173.192.163.128:80 -> 141.142.220.235.
    assert_eq!(a.source_ip(0).unwrap().to_string(), "173.192.163.128");
    assert_eq!(a.source_port(0), Some(80));
}

#[test]
fn zeek_protocol_logs_say_what_they_are() {
    for (rel, path) in [
        ("zeek/core.tunnels.gre/dns.log", "dns"),
        (
            "zeek/core.tunnels.teredo_bubble_with_payload/http.log",
            "http",
        ),
        ("zeek/scripts.base.protocols.ssl.basic/ssl.log", "ssl"),
        (
            "zeek/core.tunnels.teredo_bubble_with_payload/weird.log",
            "weird",
        ),
        (
            "zeek/scripts.policy.protocols.ssl.expiring-certs/notice.log",
            "notice",
        ),
    ] {
        let (_, r) = read(rel);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.starts_with(&format!("a Zeek {path}.log"))),
            "{rel}: {:?}",
            r.warnings
        );
    }
    // files.log and x509.log name no originator: said, not silently sourceless.
    for rel in [
        "zeek/core.tcp.large-file-reassembly/files.log",
        "zeek/scripts.base.protocols.ssl.dtls/x509.log",
    ] {
        let (t, r) = read(rel);
        assert!(sources(&t).is_empty());
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("no source can be named")),
            "{rel}"
        );
    }
    let (_, conn) = read("zeek/core.tunnels.gre/conn.log");
    assert!(conn.warnings.is_empty(), "{:?}", conn.warnings);
}

#[test]
fn zeek_protocol_logs_are_read_with_their_fields_and_their_connection() {
    // dns.log: the query, its type, and the uid of its connection, which the same test run's
    // conn.log holds (column 2).
    let (t, _) = read("zeek/core.tunnels.gre/dns.log");
    assert_eq!(t.detail_value(0, "dns.query"), Some("www.gleeble.org"));
    assert_eq!(t.detail_value(0, "dns.qtype_name"), Some("*"));
    let uid = t.detail_value(0, "conn_uid").unwrap().to_owned();
    let conn = std::fs::read_to_string(fixture("zeek/core.tunnels.gre/conn.log")).unwrap();
    assert!(conn
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.split('\t').nth(1) == Some(uid.as_str())));
    // http.log: method, host, URI, agent, and the status as the outcome.
    let (t, _) = read("zeek/core.tunnels.teredo_bubble_with_payload/http.log");
    assert_eq!(t.detail_value(0, "http.host"), Some("ipv6.google.com"));
    assert_eq!(t.detail_value(0, "http.method"), Some("GET"));
    assert_eq!(t.outcome(0), Some("200"));
    assert!(t
        .detail_value(1, "http.uri")
        .is_some_and(|u| u.starts_with("/search?hl=en&q=Wireshark")));
    // ssl.log: the server name and the certificate's subject and issuer.
    let (t, _) = read("zeek/scripts.base.protocols.ssl.basic/ssl.log");
    assert_eq!(
        t.detail_value(0, "ssl.server_name"),
        Some("ssl.gstatic.com")
    );
    assert!(t
        .detail_value(0, "ssl.issuer")
        .is_some_and(|i| i.starts_with("CN=Google Internet Authority")));
    // notice.log: the notice and its message; its own `src` never replaces `id.orig_h`.
    let (t, _) = read("zeek/scripts.policy.protocols.ssl.expiring-certs/notice.log");
    assert_eq!(
        t.detail_value(0, "notice.note"),
        Some("SSL::Certificate_Expired")
    );
    assert_eq!(t.source_ip(0).unwrap().to_string(), "192.168.4.149");
}

#[test]
fn access_logs_with_virtual_hosts_and_forwarded_chains() {
    // nginx lines whose client is an X-Forwarded-For chain: the chain's first public address
    // (else its first) is the client, the chain and the peer after it are kept.
    let (t, r) = read("access/beats-nginx-access-test.log");
    assert_eq!(r.format, Format::AccessLog);
    assert_eq!((t.len(), r.skips.total()), (7, 0));
    assert_eq!(
        sources(&t),
        set(&[
            "10.0.0.2",
            "172.17.0.1",
            "85.181.35.98",
            "199.96.1.1",
            "2a03:0:10ff:f00f::8000",
            "127.0.0.1",
        ])
    );
    assert_eq!(
        t.detail_value(0, "forwarded_for"),
        Some("10.0.0.2, 10.0.0.1, 127.0.0.1")
    );
    assert_eq!(t.detail_value(4, "peer"), Some("10.2.1.185"));
    // The same lines after a virtual host; `unix:` and `localhost` clients are no addresses
    // (three lines), skipped and counted.
    let (t, r) = read("access/beats-nginx-access-test-with-host.log");
    assert_eq!((t.len(), r.skips.total()), (7, 3));
    assert_eq!(t.detail_value(0, "vhost"), Some("example.com"));
    assert_eq!(t.detail_value(3, "vhost"), Some("example.com:80"));
    assert_eq!(t.source_ip(3).unwrap().to_string(), "81.2.69.143");
    // Apache's vhost_combined: `vhost1.domaine.fr 192.168.33.2 - - [...]`.
    let (t, r) = read("access/integrations-apache-test-access-vhost.log");
    assert_eq!((t.len(), r.skips.total()), (1, 1));
    assert_eq!(t.source_ip(0).unwrap().to_string(), "192.168.33.2");
    assert_eq!(t.detail_value(0, "vhost"), Some("vhost1.domaine.fr"));
}

/// A VPC sample: file, events, NODATA and SKIPDATA records, sources, bytes, packets.
type VpcCase = (
    &'static str,
    usize,
    u64,
    u64,
    &'static [&'static str],
    f64,
    f64,
);

#[test]
fn vpc_flow_logs_of_every_version_with_and_without_headers() {
    let cases: [VpcCase; 8] = [
        (
            "vpc/beats-accept-reject-traffic.log",
            4,
            0,
            0,
            &["172.31.16.139", "203.0.113.12", "78.24.182.42"],
            9170.0,
            48.0,
        ),
        (
            "vpc/beats-custom-nat-gateway.log",
            2,
            0,
            0,
            &["10.0.1.5"],
            0.0,
            0.0,
        ),
        ("vpc/beats-no-data-skip-data.log", 0, 1, 1, &[], 0.0, 0.0),
        (
            "vpc/beats-tcp-flag-sequence-skip-data.log",
            0,
            1,
            1,
            &[],
            0.0,
            0.0,
        ),
        (
            "vpc/integrations-test-tcp-flag-sequence.log",
            1,
            1,
            1,
            &["52.213.180.42"],
            568.0,
            8.0,
        ),
        (
            "vpc/integrations-test-tgw-samples.log",
            3,
            1,
            6,
            &["216.160.83.56", "67.43.156.0", "89.160.20.112"],
            17125.0,
            58.0,
        ),
        (
            "vpc/integrations-test-v5-all-fields.log",
            1,
            0,
            0,
            &["89.160.20.156"],
            1.0,
            52.0,
        ),
        (
            "vpc/integrations-test-v8-samples.log",
            0,
            1,
            0,
            &[],
            0.0,
            0.0,
        ),
    ];
    for (rel, events, nodata, skipdata, srcs, bytes, packets) in cases {
        let (t, r) = read(rel);
        assert_eq!(r.format, Format::VpcFlow, "{rel}");
        assert_eq!(t.len(), events, "{rel}");
        assert_eq!(r.skips.total(), 0, "{rel}: {:?}", r.skips.by_kind());
        assert_eq!(sources(&t), set(srcs), "{rel}");
        assert_eq!(sum(&t, EventTable::bytes_sent), bytes, "{rel}");
        assert_eq!(sum(&t, EventTable::packets_sent), packets, "{rel}");
        let said = format!("{nodata} NODATA and {skipdata} SKIPDATA records");
        assert_eq!(
            r.warnings.iter().any(|w| w.starts_with(&said)),
            nodata + skipdata > 0,
            "{rel}: {:?}",
            r.warnings
        );
    }
    // Version 3's header names the TCP flags and the packet-level addresses.
    let (t, _) = read("vpc/integrations-test-tcp-flag-sequence.log");
    assert_eq!(t.detail_value(0, "pkt-srcaddr"), Some("52.213.180.42"));
    assert_eq!(t.detail_value(0, "vpc-id"), Some("vpc-abcdefab012345678"));
    // Every version 5 field, without a header: the documented order.
    let (t, _) = read("vpc/integrations-test-v5-all-fields.log");
    assert_eq!(t.detail_value(0, "pkt-src-aws-service"), Some("AMAZON"));
    assert_eq!(t.direction(0), Some("ingress"));
}

#[test]
fn suricata_6_alerts_on_a_servers_answer_count_bytes_its_way() {
    // An alert from 175.16.199.1:80 to 10.31.64.240:47592 with no `direction`: the server's
    // answer; its flow sent 496 bytes to the server and 876 to the client.
    let (t, r) = read("suricata/integrations-test-eve-6-0.log");
    assert_eq!(r.format, Format::SuricataEve);
    assert_eq!(t.source_ip(0).unwrap().to_string(), "175.16.199.1");
    assert_eq!(t.bytes_sent(0), Some(876.0));
    assert_eq!(t.bytes_received(0), Some(496.0));
    // Flow records keep their own orientation: 10.1.22.212:56984 sent 7,626 bytes.
    assert_eq!(t.source_ip(1).unwrap().to_string(), "10.1.22.212");
    assert_eq!(t.bytes_sent(1), Some(7626.0));
}

/// The logs Zeek wrote for one capture, as zat 0.4.9 ships them (`zeek/zat/`).
fn zat(logs: &[&str]) -> Investigation {
    let paths: Vec<PathBuf> = logs
        .iter()
        .map(|l| fixture(&format!("zeek/zat/{l}.log")))
        .collect();
    read_files(&paths, &ReadOptions::default(), &ReadProgress::default()).unwrap()
}

/// The row of the connection whose uid is `uid`.
fn connection(t: &EventTable, uid: &str) -> usize {
    (0..t.len())
        .find(|&r| t.detail_value(r, "conn_uid") == Some(uid))
        .unwrap_or_else(|| panic!("no row of {uid}"))
}

#[test]
fn zeek_protocol_logs_join_their_connections_by_uid() {
    // Counted with Python over the files: every dns, http, ssl and notice row names a uid of
    // conn.log (360 rows); 11 of the 12 weird rows do; 107 of the 113 files rows name one
    // first in conn_uids.
    let inv = zat(&["conn", "dns", "http", "files", "ssl", "notice", "weird"]);
    assert!(inv.failures.is_empty());
    let events: Vec<u64> = inv.files.iter().map(|f| f.events).collect();
    assert_eq!(events, [360, 0, 0, 6, 0, 0, 1]);
    assert_eq!(inv.table.len(), 367);
    for f in &inv.files {
        assert_eq!(f.rows.len() as u64, f.events, "{}", f.path.display());
    }
    let dns = &inv.files[1];
    assert_eq!(dns.kind_title(), "Zeek dns.log (TSV)");
    assert!(
        dns.warnings
            .iter()
            .any(|w| w.starts_with("54 of its 54 rows joined their connection's row")),
        "{:?}",
        dns.warnings
    );
    // The connection that fetched the fake Flash installer: what http.log, files.log and
    // notice.log said about it is on its row (conn.log, files.log and notice.log lines with
    // uid Ci14Fa3IPHAOcanFta).
    let t = &inv.table;
    let row = connection(t, "Ci14Fa3IPHAOcanFta");
    assert_eq!(t.source_ip(row).unwrap().to_string(), "192.168.33.10");
    assert_eq!(t.destination_ip(row).unwrap().to_string(), "108.59.9.32");
    assert_eq!(t.outcome(row), Some("SF"));
    assert_eq!(t.detail_value(row, "http.host"), Some("hnhmrkw.myftp.biz"));
    assert_eq!(t.detail_value(row, "http.status_code"), Some("200"));
    assert_eq!(
        t.detail_value(row, "files.filename"),
        Some("flashplayer11_7r176151_415_win.exe")
    );
    assert_eq!(
        t.detail_value(row, "files.mime_type"),
        Some("application/x-dosexec")
    );
    assert_eq!(
        t.detail_value(row, "notice.note"),
        Some("TeamCymruMalwareHashRegistry::Match")
    );
    // Alone, a protocol log's rows stay events of their own.
    let alone = zat(&["dns"]);
    assert_eq!(alone.table.len(), 54);
    assert_eq!(alone.table.detail_value(0, "dns.query"), Some("guyspy.com"));
}

#[test]
fn the_fake_flash_download_is_named_from_zeeks_protocol_logs() {
    let inv = zat(&["conn", "dns", "http", "files", "ssl", "notice", "weird"]);
    let mut settings = DetectionSettings {
        cache_dir: None,
        ..DetectionSettings::default()
    };
    let formats: Vec<Format> = inv.files.iter().map(|f| f.format).collect();
    settings.features = settings.features.resolve(&formats);
    let d = detect(&inv.table, &settings, &AtomicBool::new(false)).unwrap();
    let host = d
        .sources
        .iter()
        .find(|s| s.stats.ip.to_string() == "192.168.33.10")
        .unwrap();
    let kinds: Vec<FindingKind> = host.findings.iter().map(|f| f.kind).collect();
    let download = host
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ExecutableDownload)
        .unwrap_or_else(|| panic!("{kinds:?}"));
    // files.log names four programs by file name and type, all from 108.59.9.32.
    assert!(
        download
            .summary
            .starts_with("downloaded 4 programs: `flashplayer11_7r176151_"),
        "{}",
        download.summary
    );
    assert!(download
        .summary
        .contains("(application/x-dosexec) from hnhmrkw.myftp.biz"));
    let notice = host
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ZeekNotice)
        .unwrap();
    assert_eq!(notice.technique, "T1105");
    assert!(notice
        .summary
        .contains("TeamCymruMalwareHashRegistry::Match"));
    assert_eq!(notice.rows.len(), 2);
    // The server that sent it is a delivery server, proposed for blocking.
    let server = d
        .sources
        .iter()
        .find(|s| s.stats.ip.to_string() == "108.59.9.32")
        .unwrap();
    let delivery = server
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::MalwareDelivery)
        .unwrap();
    assert!(
        delivery.summary.starts_with(
            "served `flashplayer11_7r176151_415_win.exe` as hnhmrkw.myftp.biz to 192.168.33.10, \
             which Zeek's `TeamCymruMalwareHashRegistry::Match` matched as malware"
        ),
        "{}",
        delivery.summary
    );
    assert_eq!(server.action, Action::Block);
    // Nothing in its lookups is tunnelling or a storm of missing names (every answer of
    // dns.log is NOERROR or unanswered).
    assert!(!kinds.contains(&FindingKind::DnsTunnelling));
    assert!(!kinds.contains(&FindingKind::NxdomainStorm));
}

#[test]
fn an_expired_certificate_in_ssl_log_is_named_for_its_client() {
    // Zeek's validate-certs baseline: 192.168.4.149's first connection met a certificate
    // that has expired (CN=www.spidh.org), its second one an ok certificate.
    let path = fixture("zeek/scripts.policy.protocols.ssl.validate-certs/ssl.log");
    let inv = read_files(&[path], &ReadOptions::default(), &ReadProgress::default()).unwrap();
    let mut settings = DetectionSettings {
        cache_dir: None,
        ..DetectionSettings::default()
    };
    settings.features = settings.features.resolve(&[Format::ZeekTsv]);
    let d = detect(&inv.table, &settings, &AtomicBool::new(false)).unwrap();
    let host = &d.sources[0];
    assert_eq!(host.stats.ip.to_string(), "192.168.4.149");
    let f = host
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::BadCertificate)
        .unwrap();
    assert_eq!(
        f.summary,
        "TLS to servers whose certificate Zeek found expired for \
         `CN=www.spidh.org,OU=COMODO SSL,OU=Domain Control Validated`"
    );
    assert_eq!(f.rows, [0]);
}

#[test]
fn zeek_cut_output_with_a_header_in_the_middle_changes_columns_there() {
    // `zeek-cut -M` over two logs: five rows with ts first, a header line (line 7) moving ts
    // to the last column, the same five connections again.
    let (t, r) = read("zeek/zeek-cut/zeek-cut.minimal-view/different-col-order");
    assert_eq!((t.len(), r.skips.total()), (10, 0));
    for row in 0..5 {
        assert_eq!(t.time_us(row), t.time_us(row + 5));
        assert_eq!(t.source_ip(row), t.source_ip(row + 5));
        assert_eq!(t.destination_port(row), t.destination_port(row + 5));
        assert_eq!(t.bytes_received(row), t.bytes_received(row + 5));
    }
    assert_eq!(t.destination_port(4), Some(21));
    // A line shaped like a header that names no field read (inserted into the real file) is
    // skipped with its reason, the columns in force kept.
    let real = std::fs::read_to_string(fixture(
        "zeek/zeek-cut/zeek-cut.minimal-view/different-col-order",
    ))
    .unwrap();
    let mut lines: Vec<&str> = real.lines().collect();
    lines.insert(3, "uid\tfoo\tbar");
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd-header");
    std::fs::write(&odd, lines.join("\n") + "\n").unwrap();
    let mut t = EventTable::default();
    let r = read_file(
        &odd,
        0,
        &mut t,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    assert_eq!((t.len(), r.skips.total()), (10, 1));
    assert_eq!(
        r.skips.by_kind().keys().copied().collect::<Vec<_>>(),
        ["header naming no known field"]
    );
    assert_eq!(r.skips.examples()[0].line, 4);
    let (t, r) = read("zeek/zeek-cut/zeek-cut.minimal-view/one-all-nocols");
    assert_eq!((t.len(), r.skips.total()), (5, 0));
    let (t, r) = read("zeek/zeek-cut/zeek-cut.show-header/one-1st-nocols");
    assert_eq!((t.len(), r.format), (5, Format::ZeekTsv));
}
