//! Real-data tests for the JSON-lines readers: the three Cowrie daily logs, Dionaea (native and
//! MHN export), Suricata eve.json and Zeek conn.log as JSON, all from `../shared/data`.
//!
//! Every expected value (counts, distinct sources, time range, fields, sums and the
//! spot-checked rows) was computed from the raw files with Python's json module.

mod real_data;

use netsleuth::events::{EventTable, Field};
use netsleuth::ingest::Format;
use real_data::{check_row, check_sum, check_summary, count_text, read, Row, Summary, Text};

const COWRIE_FIELDS: &[Field] = &[
    Field::EventTime,
    Field::DurationS,
    Field::SourceIp,
    Field::SourcePort,
    Field::DestinationIp,
    Field::DestinationPort,
    Field::Transport,
    Field::AppProtocol,
    Field::Outcome,
    Field::Detail,
];

#[test]
fn cowrie_2018_05_06() {
    let (t, r) = read("honeypot/cowrie/cowrie.json.2018-05-06");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::Cowrie,
            gzip: false,
            records: 211,
            events: 211,
            skipped: 0,
            sources: 19,
            first: Some("2018-05-06T17:44:05.866769Z"),
            last: Some("2018-05-06T23:53:02.554596Z"),
            fields: COWRIE_FIELDS,
            extra_columns: 0,
        },
    );
    assert!(r.labels.is_none());
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2018-05-06T17:44:05.866769Z"),
            source_ip: Some("88.223.26.58"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.connect"),
            source_port: Some(52577),
            destination_port: Some(2222),
            detail: Text::Contains(&["session=173332e506ca"]),
            ..Row::default()
        },
    );
    // login.success carries neither protocol nor honeypot address: both come from the connect.
    check_row(
        &t,
        r.rows.start + 11,
        &Row {
            line: 12,
            time: Some("2018-05-06T17:44:51.165980Z"),
            source_ip: Some("88.223.26.58"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.login.success"),
            destination_port: Some(2222),
            detail: Text::Contains(&["username=root", "password=password", "session=ef410359268d"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 17,
        &Row {
            line: 18,
            time: Some("2018-05-06T17:44:57.757002Z"),
            source_ip: Some("88.223.26.58"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.command.input"),
            destination_port: Some(2222),
            detail: Text::Contains(&["input=ls", "session=ef410359268d"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2018-05-06T22:22:43.218821Z"),
            source_ip: Some("122.226.181.167"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.client.version"),
            destination_port: Some(2222),
            detail: Text::Contains(&["version=SSH-2.0-PUTTY", "session=1419fbb94647"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 211,
            time: Some("2018-05-06T23:53:02.554596Z"),
            duration_s: Some(1.2433688640594482),
            source_ip: Some("115.238.245.8"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.closed"),
            destination_port: Some(2222),
            detail: Text::Contains(&["session=3aeac8d48f11"]),
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        66,
        134.13982939720154,
    );
    let connects = count_text(&t, &r, EventTable::outcome, "cowrie.session.connect");
    assert_eq!(connects, 64);
    assert_eq!(
        count_text(&t, &r, EventTable::outcome, "cowrie.client.var"),
        6
    );
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "ssh"), 211);
    let with_port = r
        .rows
        .clone()
        .filter(|&i| t.source_port(i).is_some())
        .count();
    assert_eq!(with_port, 64, "only connect lines carry src_port");
}

#[test]
fn cowrie_2018_05_07() {
    let (t, r) = read("honeypot/cowrie/cowrie.json.2018-05-07");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::Cowrie,
            gzip: false,
            records: 417,
            events: 417,
            skipped: 0,
            sources: 36,
            first: Some("2018-05-07T00:08:26.713576Z"),
            last: Some("2018-05-07T23:56:56.154405Z"),
            fields: COWRIE_FIELDS,
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2018-05-07T00:08:26.713576Z"),
            source_ip: Some("122.226.181.164"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.connect"),
            source_port: Some(40476),
            destination_port: Some(2222),
            detail: Text::Contains(&["session=7b3575906e8b"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 43,
        &Row {
            line: 44,
            time: Some("2018-05-07T01:12:47.091032Z"),
            source_ip: Some("202.137.154.160"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.login.failed"),
            destination_port: Some(2222),
            detail: Text::Contains(&["username=admin", "password=admin", "session=0f2935bc01a9"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2018-05-07T03:41:01.582151Z"),
            source_ip: Some("221.194.47.239"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.client.version"),
            destination_port: Some(2222),
            detail: Text::Contains(&["version=SSH-2.0-PUTTY", "session=e3aa19137b97"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 417,
            time: Some("2018-05-07T23:56:56.154405Z"),
            duration_s: Some(1.3374409675598145),
            source_ip: Some("185.222.209.151"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.closed"),
            destination_port: Some(2222),
            detail: Text::Contains(&["session=f4d04cd254f5"]),
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        110,
        292.87224531173706,
    );
    assert_eq!(
        count_text(&t, &r, EventTable::outcome, "cowrie.login.failed"),
        82
    );
    assert_eq!(
        count_text(&t, &r, EventTable::outcome, "cowrie.login.success"),
        8
    );
}

#[test]
fn cowrie_2018_05_19_with_tunnels_and_downloads() {
    let (t, r) = read("honeypot/cowrie/cowrie.json.2018-05-19");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::Cowrie,
            gzip: false,
            records: 2004,
            events: 2004,
            skipped: 0,
            sources: 58,
            first: Some("2018-05-19T00:03:08.825252Z"),
            last: Some("2018-05-19T23:54:31.259991Z"),
            fields: COWRIE_FIELDS,
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2018-05-19T00:03:08.825252Z"),
            source_ip: Some("145.239.65.62"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.connect"),
            source_port: Some(50540),
            destination_port: Some(2222),
            detail: Text::Contains(&["session=524e0ff18104"]),
            ..Row::default()
        },
    );
    // A direct-tcpip event names its own (tunnel) destination, an IPv6 address here.
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2018-05-19T01:04:04.234524Z"),
            source_ip: Some("195.3.147.49"),
            destination_ip: Some("2a00:1450:400f:80b::200e"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.direct-tcpip.data"),
            destination_port: Some(80),
            detail: Text::Contains(&["tunnel=2a00:1450:400f:80b::200e:80", "session=70a8e4ff954a"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 1535,
        &Row {
            line: 1536,
            time: Some("2018-05-19T18:01:46.368454Z"),
            source_ip: Some("111.73.46.18"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.file_download"),
            destination_port: Some(2222),
            detail: Text::Contains(&[
                "url=/dev/null",
                "shasum=f8c28666f2f2beb599dcc62721c41a82f52e63721dd2d5629073033b32a93154",
            ]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 2004,
            time: Some("2018-05-19T23:54:31.259991Z"),
            duration_s: Some(1.3084259033203125),
            source_ip: Some("185.222.209.108"),
            destination_ip: Some("172.17.0.3"),
            transport: Some("tcp"),
            app_protocol: Some("ssh"),
            outcome: Some("cowrie.session.closed"),
            destination_port: Some(2222),
            detail: Text::Contains(&["session=9e05e5038899"]),
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        487,
        1773.8372821807861,
    );
    assert_eq!(
        count_text(&t, &r, EventTable::outcome, "cowrie.direct-tcpip.request"),
        128
    );
    assert_eq!(
        count_text(&t, &r, EventTable::outcome, "cowrie.session.connect"),
        455
    );
    assert_eq!(
        count_text(&t, &r, EventTable::outcome, "cowrie.command.input"),
        33
    );
    let honeypot: std::net::IpAddr = "172.17.0.3".parse().unwrap();
    let to_honeypot = r
        .rows
        .clone()
        .filter(|&i| t.destination_ip(i) == Some(honeypot))
        .count();
    assert_eq!(
        to_honeypot,
        2004 - 256,
        "all but the 256 direct-tcpip events"
    );
}

#[test]
fn dionaea_mhn_export() {
    let (t, r) = read("honeypot/dionaea/dionaea_mhn_export.json");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::DionaeaMhn,
            gzip: false,
            records: 2030,
            events: 2030,
            skipped: 0,
            sources: 700,
            first: Some("2017-11-11T06:19:12.385Z"),
            last: Some("2017-11-12T01:16:40.117Z"),
            fields: &[
                Field::EventTime,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationPort,
                Field::AppProtocol,
                Field::Detail,
            ],
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2017-11-11T06:19:12.385Z"),
            source_ip: Some("103.239.244.80"),
            app_protocol: Some("pcap"),
            source_port: Some(61854),
            destination_port: Some(1344),
            detail: Text::Contains(&["honeypot=dionaea"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2017-11-11T06:24:46.718Z"),
            source_ip: Some("72.226.28.47"),
            app_protocol: Some("pcap"),
            source_port: Some(54907),
            destination_port: Some(5100),
            detail: Text::Contains(&["honeypot=dionaea"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 2030,
            time: Some("2017-11-12T01:16:40.117Z"),
            source_ip: Some("76.111.255.32"),
            app_protocol: Some("pcap"),
            source_port: Some(47414),
            destination_port: Some(23),
            detail: Text::Contains(&["honeypot=dionaea"]),
            ..Row::default()
        },
    );
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "pcap"), 1509);
    assert_eq!(
        count_text(&t, &r, EventTable::app_protocol, "sipsession"),
        264
    );
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "smbd"), 115);
}

#[test]
fn dionaea_native_with_blank_lines() {
    let (t, r) = read("honeypot/dionaea/dionaea_native_labtest.json");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::Dionaea,
            gzip: false,
            // 780 lines, 3 of them blank.
            records: 777,
            events: 777,
            skipped: 0,
            sources: 2,
            // No zone in the file: read as UTC.
            first: Some("2024-05-17T07:05:23.517478Z"),
            last: Some("2024-05-17T10:32:55.266438Z"),
            fields: &[
                Field::EventTime,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::AppProtocol,
                Field::Outcome,
                Field::Detail,
            ],
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2024-05-17T07:05:23.517478Z"),
            source_ip: Some("192.168.144.1"),
            destination_ip: Some("192.168.144.2"),
            transport: Some("tcp"),
            app_protocol: Some("httpd"),
            outcome: Some("accept"),
            source_port: Some(42830),
            destination_port: Some(81),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2024-05-17T07:05:43.897473Z"),
            source_ip: Some("192.168.144.1"),
            destination_ip: Some("192.168.144.2"),
            transport: Some("tcp"),
            app_protocol: Some("httpd"),
            outcome: Some("accept"),
            source_port: Some(36274),
            destination_port: Some(81),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 703,
        &Row {
            line: 704,
            time: Some("2024-05-17T07:15:47.580696Z"),
            source_ip: Some("192.168.144.1"),
            destination_ip: Some("192.168.144.2"),
            transport: Some("tcp"),
            app_protocol: Some("mysqld"),
            outcome: Some("accept"),
            source_port: Some(33776),
            destination_port: Some(3306),
            detail: Text::Contains(&["username=root"]),
            ..Row::default()
        },
    );
    // Lines 775 and 776 are blank.
    check_row(
        &t,
        r.rows.start + 774,
        &Row {
            line: 777,
            time: Some("2024-05-17T10:32:54.051806Z"),
            source_ip: Some("20.1.1.50"),
            destination_ip: Some("172.16.130.69"),
            transport: Some("tcp"),
            app_protocol: Some("ftpd"),
            outcome: Some("accept"),
            source_port: Some(29437),
            destination_port: Some(21),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 779,
            time: Some("2024-05-17T10:32:55.266438Z"),
            source_ip: Some("20.1.1.50"),
            destination_ip: Some("172.16.130.69"),
            transport: Some("tcp"),
            app_protocol: Some("ftpd"),
            outcome: Some("accept"),
            source_port: Some(29439),
            destination_port: Some(21),
            detail: Text::Contains(&["username=ftp", "password=ftp"]),
            ..Row::default()
        },
    );
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "httpd"), 676);
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "smbd"), 28);
    let lab: std::net::IpAddr = "192.168.144.1".parse().unwrap();
    let from_bridge = r
        .rows
        .clone()
        .filter(|&i| t.source_ip(i) == Some(lab))
        .count();
    assert_eq!(from_bridge, 774);
    let with_detail = r.rows.clone().filter(|&i| t.detail(i).is_some()).count();
    assert_eq!(with_detail, 13, "the 13 events with credentials");
}

#[test]
fn suricata_eve_every_event_type() {
    let (t, r) = read("honeypot/suricata/eve.json");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::SuricataEve,
            gzip: false,
            // The last line is an engine statistics record (its type under "F", a "stats"
            // object, no addresses, dated 2025): not traffic, left out with a warning.
            records: 2324,
            events: 2324,
            skipped: 0,
            sources: 32, // 33 distinct src_ip values, less the DHCP client 0.0.0.0 (no host)
            // Times carry +0100. The earliest is a flow on line 346, the latest a TLS event.
            first: Some("2022-02-23T18:22:24.405139Z"),
            last: Some("2022-02-23T19:07:04.947160Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::AppProtocol,
                Field::BytesSent,
                Field::BytesReceived,
                Field::PacketsSent,
                Field::PacketsReceived,
                Field::TcpFlags,
                Field::Outcome,
                Field::Detail,
            ],
            extra_columns: 0,
        },
    );
    assert_eq!(
        r.warnings,
        ["1 Suricata engine statistics record left out: it describes Suricata itself, not traffic"]
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2022-02-23T18:22:24.405644Z"),
            source_ip: Some("172.16.0.1"),
            destination_ip: Some("172.16.0.131"),
            transport: Some("udp"),
            app_protocol: Some("dhcp"),
            source_port: Some(67),
            destination_port: Some(68),
            detail: Text::Contains(&["dhcp"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2022-02-23T18:22:47.231030Z"),
            source_ip: Some("172.16.0.170"),
            destination_ip: Some("172.16.0.52"),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            outcome: Some("NOERROR"),
            source_port: Some(58320),
            destination_port: Some(53),
            detail: Text::Contains(&[
                "dns",
                "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.sunnystation.com",
            ]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 105,
        &Row {
            line: 106,
            time: Some("2022-02-23T18:22:27.932148Z"),
            source_ip: Some("172.16.0.131"),
            destination_ip: Some("23.218.224.154"),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            source_port: Some(49180),
            destination_port: Some(80),
            detail: Text::Contains(&["http", "/ncsi.txt"]),
            ..Row::default()
        },
    );
    // A flow: bytes_toserver is what the source sent; duration is end - start.
    check_row(
        &t,
        r.rows.start + 345,
        &Row {
            line: 346,
            time: Some("2022-02-23T18:22:24.405139Z"),
            duration_s: Some(21.752649),
            bytes_sent: Some(766.0),
            bytes_received: Some(0.0),
            packets_sent: Some(2.0),
            packets_received: Some(0.0),
            // src_ip 0.0.0.0 (a DHCP client without an address) names no host.
            source_ip: None,
            destination_ip: Some("255.255.255.255"),
            transport: Some("udp"),
            app_protocol: Some("dhcp"),
            outcome: Some("new"),
            source_port: Some(68),
            destination_port: Some(67),
            detail: Text::Contains(&["flow"]),
            ..Row::default()
        },
    );
    // The first alert, with its flow counters.
    check_row(
        &t,
        r.rows.start + 539,
        &Row {
            line: 540,
            time: Some("2022-02-23T18:24:44.045266Z"),
            bytes_sent: Some(377.0),
            bytes_received: Some(1544.0),
            packets_sent: Some(4.0),
            packets_received: Some(3.0),
            source_ip: Some("172.16.0.149"),
            destination_ip: Some("135.148.121.246"),
            transport: Some("tcp"),
            app_protocol: Some("tls"),
            outcome: Some("allowed"),
            source_port: Some(49748),
            destination_port: Some(8080),
            detail: Text::Contains(&["alert", "ET JA3 Hash - [Abuse.ch] Possible Dridex"]),
            ..Row::default()
        },
    );
    // The only ICMP flow: no ports.
    check_row(
        &t,
        r.rows.start + 2163,
        &Row {
            line: 2164,
            time: Some("2022-02-23T18:22:24.405139Z"),
            duration_s: Some(3.083411),
            bytes_sent: Some(296.0),
            bytes_received: Some(296.0),
            packets_sent: Some(4.0),
            packets_received: Some(4.0),
            source_ip: Some("172.16.0.131"),
            destination_ip: Some("74.6.231.20"),
            transport: Some("icmp"),
            outcome: Some("established"),
            detail: Text::Contains(&["flow"]),
            ..Row::default()
        },
    );
    // The last event is the DNS flow on line 2324; line 2325, the statistics record, is none.
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 2324,
            time: Some("2022-02-23T18:22:24.405139Z"),
            duration_s: Some(0.00033),
            source_ip: Some("172.16.0.149"),
            source_port: Some(49658),
            destination_ip: Some("172.16.0.52"),
            destination_port: Some(53),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            bytes_sent: Some(92.0),
            bytes_received: Some(171.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            outcome: Some("established"),
            detail: Text::Contains(&["flow"]),
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        826,
        17485.507478,
    );
    // Alerts carry their flow's counters; Suricata 6 names no direction, so an alert on a
    // server's answer (from a service port to an ephemeral one: 12 here) has them the other
    // way round: flow.bytes_toclient is what its source sent.
    check_sum(&t, &r, "bytes_sent", EventTable::bytes_sent, 947, 4455433.0);
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        947,
        15081205.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        947,
        14017.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        947,
        16446.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "closed"), 376);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "established"), 297);
    assert_eq!(count_text(&t, &r, EventTable::transport, "tcp"), 1444);
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "dns"), 723);
    let flagged = r.rows.clone().filter(|&i| t.tcp_flags(i).is_some()).count();
    assert_eq!(flagged, 435, "events with tcp.tcp_flags");
    let with_signature = |sig: &str| {
        r.rows
            .clone()
            .filter(|&i| t.detail(i).is_some_and(|d| d.contains(sig)))
            .count()
    };
    assert_eq!(
        with_signature("ET JA3 Hash - [Abuse.ch] Possible Dridex"),
        74
    );
    assert_eq!(with_signature("ET MALWARE FormBook CnC Checkin (GET)"), 29);
}

#[test]
fn zeek_conn_json() {
    let (t, r) = read("zeek/conn_json.log");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::ZeekJson,
            gzip: false,
            records: 110,
            events: 110,
            skipped: 0,
            sources: 2,
            first: Some("2020-06-06T06:36:39.925532Z"),
            last: Some("2020-06-06T06:37:42.244017Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::AppProtocol,
                Field::BytesSent,
                Field::BytesReceived,
                Field::PacketsSent,
                Field::PacketsReceived,
                Field::Direction,
                Field::TcpFlags,
                Field::Outcome,
            ],
            extra_columns: 3,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2020-06-06T06:36:39.925532Z"),
            duration_s: Some(0.10885095596313477),
            bytes_sent: Some(48.0),
            bytes_received: Some(0.0),
            packets_sent: Some(2.0),
            packets_received: Some(0.0),
            source_ip: Some("fe80::a179:b3ff:199:2314"),
            destination_ip: Some("ff02::1:3"),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            direction: Some("outbound"),
            outcome: Some("S0"),
            source_port: Some(52918),
            destination_port: Some(5355),
            tcp_flags: Some(0x08),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 144.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2020-06-06T06:37:36.866543Z"),
            duration_s: Some(2.016955852508545),
            bytes_sent: Some(45.0),
            bytes_received: Some(45.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.100.121"),
            destination_ip: Some("192.168.100.2"),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            direction: Some("internal"),
            outcome: Some("SF"),
            source_port: Some(63499),
            destination_port: Some(53),
            tcp_flags: Some(0x08),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 73.0),
                ("resp_ip_bytes", 73.0),
            ],
            ..Row::default()
        },
    );
    // No duration, orig_bytes or resp_bytes keys.
    check_row(
        &t,
        r.rows.start + 106,
        &Row {
            line: 107,
            time: Some("2020-06-06T06:37:42.244017Z"),
            packets_sent: Some(1.0),
            packets_received: Some(0.0),
            source_ip: Some("192.168.100.121"),
            destination_ip: Some("192.168.100.2"),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            direction: Some("internal"),
            outcome: Some("S0"),
            source_port: Some(63505),
            destination_port: Some(53),
            tcp_flags: Some(0x08),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 73.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    // ICMP: no service and no history; ts 1591425412.59601 has a five-digit fraction.
    check_row(
        &t,
        r.rows.start + 107,
        &Row {
            line: 108,
            time: Some("2020-06-06T06:36:52.596010Z"),
            duration_s: Some(48.37548804283142),
            bytes_sent: Some(1095.0),
            bytes_received: Some(0.0),
            packets_sent: Some(15.0),
            packets_received: Some(0.0),
            source_ip: Some("192.168.100.121"),
            destination_ip: Some("192.168.100.2"),
            transport: Some("icmp"),
            direction: Some("internal"),
            outcome: Some("OTH"),
            source_port: Some(3),
            destination_port: Some(3),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 1515.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 110,
            time: Some("2020-06-06T06:36:47.003422Z"),
            duration_s: Some(47.999783992767334),
            bytes_sent: Some(261.0),
            bytes_received: Some(0.0),
            packets_sent: Some(3.0),
            packets_received: Some(0.0),
            source_ip: Some("fe80::a179:b3ff:199:2314"),
            destination_ip: Some("ff02::1:2"),
            transport: Some("udp"),
            direction: Some("outbound"),
            outcome: Some("S0"),
            source_port: Some(546),
            destination_port: Some(547),
            tcp_flags: Some(0x08),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 405.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        109,
        200.9917778968811,
    );
    check_sum(&t, &r, "bytes_sent", EventTable::bytes_sent, 109, 9405.0);
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        109,
        8751.0,
    );
    check_sum(&t, &r, "packets_sent", EventTable::packets_sent, 110, 161.0);
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        110,
        99.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::direction, "internal"), 104);
    assert_eq!(count_text(&t, &r, EventTable::direction, "outbound"), 6);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "SF"), 99);
}

/// The real eve.json written as one JSON array (records pretty-printed over many lines, as a
/// hand export or `jq -s` writes them) reads as the same events as the JSON lines it came from.
#[test]
fn suricata_eve_as_a_json_array_reads_as_its_lines() {
    use netsleuth::ingest::{read_file, ReadOptions, ReadProgress};
    let (lines, _) = read("honeypot/suricata/eve.json");
    let raw = std::fs::read_to_string(real_data::data("honeypot/suricata/eve.json")).unwrap();
    let records: Vec<String> = raw
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            serde_json::to_string_pretty(&v).unwrap()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve-array.json");
    std::fs::write(&path, format!("[\n{}\n]\n", records.join(",\n"))).unwrap();
    let mut t = EventTable::default();
    let r = read_file(
        &path,
        0,
        &mut t,
        &ReadOptions::default(),
        &ReadProgress::default(),
    )
    .unwrap();
    assert_eq!(r.format, Format::SuricataEve);
    assert_eq!(t.len(), lines.len());
    assert!(r.warnings.iter().any(|w| w.contains("JSON array")));
    for row in 0..t.len() {
        assert_eq!(t.time_us(row), lines.time_us(row), "row {row}");
        assert_eq!(t.source_ip(row), lines.source_ip(row), "row {row}");
        assert_eq!(t.destination_port(row), lines.destination_port(row));
        assert_eq!(t.bytes_sent(row), lines.bytes_sent(row), "row {row}");
        assert_eq!(t.detail(row), lines.detail(row), "row {row}");
    }
}
