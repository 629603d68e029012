//! Real-data tests for the line-oriented text logs: Zeek conn.log TSV, AWS VPC flow logs and the
//! three Apache access logs (two of them with raw non-UTF-8 bytes) in `../shared/data`.
//!
//! Every expected value (counts, distinct sources, time range, fields, sums and the
//! spot-checked rows) was computed from the raw files with Python (split on tabs/spaces, and a
//! combined-log-format regular expression over the raw bytes, decoded as Latin-1).

mod real_data;

use netsleuth::events::{EventTable, Field};
use netsleuth::ingest::Format;
use real_data::{check_row, check_sum, check_summary, count_text, read, Row, Summary, Text};

#[test]
fn zeek_tsv_trickbot() {
    let (t, r) = read("zeek/trickbot_conn.log");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::ZeekTsv,
            gzip: false,
            // 13,010 lines: 8 header lines and the #close line are not records.
            records: 13001,
            events: 13001,
            skipped: 0,
            sources: 16,
            first: Some("2018-11-02T00:05:37.400287Z"),
            last: Some("2018-11-09T03:53:07.621884Z"),
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
                Field::Detail,
            ],
            extra_columns: 3,
        },
    );
    let mut extras = r.extra_columns.clone();
    extras.sort();
    assert_eq!(extras, ["missed_bytes", "orig_ip_bytes", "resp_ip_bytes"]);
    assert!(r.labels.is_none());
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 9,
            // The connection's uid (column 2), by which Zeek's other logs name it.
            detail: Text::Contains(&["conn_uid=CYtJYz4gNk3t5ZEt2"]),
            time: Some("2018-11-02T00:05:37.618695Z"),
            duration_s: Some(0.013561),
            bytes_sent: Some(244.0),
            bytes_received: Some(292.0),
            packets_sent: Some(4.0),
            packets_received: Some(4.0),
            source_ip: Some("172.16.9.233"),
            destination_ip: Some("172.16.9.5"),
            transport: Some("tcp"),
            app_protocol: Some("krb_tcp"),
            direction: Some("internal"),
            outcome: Some("RSTR"),
            source_port: Some(49159),
            destination_port: Some(88),
            // history ShADdFar
            tcp_flags: Some(0x1f),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 416.0),
                ("resp_ip_bytes", 464.0),
            ],
            ..Row::default()
        },
    );
    // Unset history ("-") and a transport Zeek could not name.
    check_row(
        &t,
        r.rows.start + 76,
        &Row {
            line: 85,
            detail: Text::Contains(&["conn_uid=CJdox44T1e4Gty64md"]),
            time: Some("2018-11-02T00:05:39.881040Z"),
            duration_s: Some(1.487691),
            bytes_sent: Some(0.0),
            bytes_received: Some(0.0),
            packets_sent: Some(6.0),
            packets_received: Some(0.0),
            source_ip: Some("172.16.9.233"),
            destination_ip: Some("224.0.0.22"),
            transport: Some("unknown_transport"),
            direction: Some("internal"),
            outcome: Some("OTH"),
            source_port: Some(0),
            destination_port: Some(0),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 240.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    // Inbound (local_orig F, local_resp T), with unset duration and byte counts.
    check_row(
        &t,
        r.rows.start + 99,
        &Row {
            line: 108,
            detail: Text::Contains(&["conn_uid=CN1Iys2ziLCnMcvjZb"]),
            time: Some("2018-11-02T00:10:43.700559Z"),
            packets_sent: Some(1.0),
            packets_received: Some(0.0),
            source_ip: Some("76.181.182.166"),
            destination_ip: Some("172.16.9.233"),
            transport: Some("tcp"),
            direction: Some("inbound"),
            outcome: Some("OTH"),
            source_port: Some(449),
            destination_port: Some(52031),
            tcp_flags: Some(0x04),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 40.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 109,
            detail: Text::Contains(&["conn_uid=Cj23lU3dR6qGZacxHi"]),
            time: Some("2018-11-02T00:10:42.842612Z"),
            duration_s: Some(0.061234),
            bytes_sent: Some(34.0),
            bytes_received: Some(50.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("172.16.9.233"),
            destination_ip: Some("172.16.9.5"),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            direction: Some("internal"),
            outcome: Some("SF"),
            source_port: Some(65062),
            destination_port: Some(53),
            tcp_flags: Some(0x08),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 62.0),
                ("resp_ip_bytes", 78.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 13009,
            detail: Text::Contains(&["conn_uid=CUNbbc2ARpoY4eCTz8"]),
            time: Some("2018-11-09T03:53:07.621884Z"),
            duration_s: Some(66.89864),
            bytes_sent: Some(623.0),
            bytes_received: Some(1596.0),
            packets_sent: Some(9.0),
            packets_received: Some(11.0),
            source_ip: Some("172.16.9.5"),
            destination_ip: Some("206.130.141.255"),
            transport: Some("tcp"),
            app_protocol: Some("ssl"),
            direction: Some("outbound"),
            outcome: Some("SF"),
            source_port: Some(59073),
            destination_port: Some(449),
            tcp_flags: Some(0x1b),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 995.0),
                ("resp_ip_bytes", 2040.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        11730,
        609897.052086,
    );
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        11730,
        15954399.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        11730,
        224698388.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        13001,
        163809.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        13001,
        268194.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::direction, "outbound"), 8006);
    assert_eq!(count_text(&t, &r, EventTable::direction, "internal"), 4929);
    assert_eq!(count_text(&t, &r, EventTable::direction, "inbound"), 66);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "RSTO"), 2734);
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "ssl"), 6032);
    assert_eq!(
        count_text(&t, &r, EventTable::app_protocol, "gssapi,smb,krb"),
        839
    );
    let flagged = r.rows.clone().filter(|&i| t.tcp_flags(i).is_some()).count();
    assert_eq!(flagged, 12994, "all but the 7 rows with unset history");
}

#[test]
fn aws_vpc_flow_log_with_header() {
    let (t, r) = read("aws-vpc-flow-logs/vpcflowlogs.log");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::VpcFlow,
            gzip: false,
            records: 214,
            events: 214,
            skipped: 0,
            sources: 47,
            first: Some("2025-11-28T04:01:39Z"),
            last: Some("2025-11-28T04:03:10Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::BytesSent,
                Field::PacketsSent,
                Field::Outcome,
            ],
            extra_columns: 0,
        },
    );
    assert!(r.labels.is_none());
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2025-11-28T04:01:39Z"),
            duration_s: Some(31.0),
            bytes_sent: Some(44.0),
            packets_sent: Some(1.0),
            source_ip: Some("88.218.193.198"),
            destination_ip: Some("172.31.17.14"),
            transport: Some("tcp"),
            outcome: Some("REJECT"),
            source_port: Some(36320),
            destination_port: Some(57598),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2025-11-28T04:02:10Z"),
            duration_s: Some(61.0),
            bytes_sent: Some(76.0),
            packets_sent: Some(1.0),
            source_ip: Some("172.31.17.14"),
            destination_ip: Some("185.125.190.58"),
            transport: Some("udp"),
            outcome: Some("ACCEPT"),
            source_port: Some(37652),
            destination_port: Some(123),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 215,
            time: Some("2025-11-28T04:03:10Z"),
            duration_s: Some(68.0),
            bytes_sent: Some(1526.0),
            packets_sent: Some(14.0),
            source_ip: Some("172.31.17.14"),
            destination_ip: Some("34.120.162.240"),
            transport: Some("tcp"),
            outcome: Some("ACCEPT"),
            source_port: Some(41168),
            destination_port: Some(443),
            ..Row::default()
        },
    );
    check_sum(&t, &r, "duration_s", EventTable::duration_s, 214, 11736.0);
    check_sum(&t, &r, "bytes_sent", EventTable::bytes_sent, 214, 762024.0);
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        214,
        2186.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "ACCEPT"), 192);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "REJECT"), 22);
    assert_eq!(count_text(&t, &r, EventTable::transport, "udp"), 82);
}

const ACCESS_FIELDS: &[Field] = &[
    Field::EventTime,
    Field::SourceIp,
    Field::AppProtocol,
    Field::BytesReceived,
    Field::Outcome,
    Field::Detail,
];

/// Checks that the detail of `row` starts with the request line.
fn check_request(t: &EventTable, row: usize, request: &str) {
    let detail = t.detail(row).unwrap_or_default();
    assert!(
        detail.starts_with(request),
        "row {row}: detail {detail:?} does not start with {request:?}"
    );
}

#[test]
fn access_log_hackers() {
    let (t, r) = read("web-access-logs/hackers-access.log");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::AccessLog,
            gzip: false,
            records: 3456,
            events: 3456,
            skipped: 0,
            sources: 520,
            // +0100 in the file.
            first: Some("2015-10-25T03:11:25Z"),
            last: Some("2015-10-30T14:59:39Z"),
            fields: ACCESS_FIELDS,
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2015-10-25T03:11:25Z"),
            bytes_received: Some(24323.0),
            source_ip: Some("195.154.46.135"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            detail: Text::Contains(&[
                "GET /linux/doing-pxe-without-dhcp-control HTTP/1.1",
                "http://howto.basjes.nl/",
                "Mozilla/5.0 (Windows NT 5.1; rv:35.0) Gecko/20100101 Firefox/35.0",
            ]),
            ..Row::default()
        },
    );
    check_request(
        &t,
        r.rows.start,
        "GET /linux/doing-pxe-without-dhcp-control HTTP/1.1",
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2015-10-25T07:35:53Z"),
            bytes_received: Some(24323.0),
            source_ip: Some("1.0.189.181"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            detail: Text::Contains(&["GET /linux/doing-pxe-without-dhcp-control HTTP/1.1"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 3456,
            time: Some("2015-10-30T14:59:39Z"),
            bytes_received: Some(18354.0),
            source_ip: Some("192.161.57.88"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            detail: Text::Contains(&[
                "POST /login_form HTTP/1.1",
                "http://niels.basjes.nl/login_form",
                "Mozilla/5.0 (Windows NT 6.1; rv:32.0) Gecko/20100101 Firefox/32.0",
            ]),
            ..Row::default()
        },
    );
    check_request(&t, r.rows.end - 1, "POST /login_form HTTP/1.1");
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        3456,
        46882196.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "200"), 2846);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "302"), 585);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "403"), 13);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "404"), 12);
}

/// The request of the Code Red/WebDAV `SEARCH` overflow lines: 8,191 raw bytes starting
/// `SEARCH /\x90\x02\xb1\x02` and ending with a run of `\x90`, decoded byte by byte (Latin-1).
fn check_search_overflow(t: &EventTable, row: usize) {
    let detail = t.detail(row).expect("detail");
    assert!(
        detail.starts_with("SEARCH /\u{90}\u{2}\u{b1}\u{2}\u{b1}"),
        "row {row}: {:?}",
        detail.chars().take(20).collect::<String>()
    );
    // No referer or agent on these lines ("-"), so the detail is the request alone.
    assert_eq!(detail.chars().count(), 8191, "row {row}: one char per byte");
    assert!(detail.ends_with(&"\u{90}".repeat(30)), "row {row}: tail");
}

#[test]
fn access_log_honeynet_1_non_utf8() {
    let (t, r) = read("web-access-logs/honeynet-redhat71_access_log.1");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::AccessLog,
            gzip: false,
            records: 1199,
            events: 1199,
            skipped: 0,
            sources: 57,
            // -0400 in the file.
            first: Some("2004-10-03T13:54:22Z"),
            last: Some("2004-10-10T07:36:41Z"),
            fields: ACCESS_FIELDS,
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2004-10-03T13:54:22Z"),
            bytes_received: Some(288.0),
            source_ip: Some("24.215.76.171"),
            app_protocol: Some("http"),
            outcome: Some("404"),
            detail: Text::Contains(&["GET /scripts/root.exe?/c+dir HTTP/1.0"]),
            ..Row::default()
        },
    );
    check_request(&t, r.rows.start, "GET /scripts/root.exe?/c+dir HTTP/1.0");
    // Response size "-" counts as 0 bytes.
    check_row(
        &t,
        r.rows.start + 65,
        &Row {
            line: 66,
            time: Some("2004-10-04T04:13:13Z"),
            bytes_received: Some(0.0),
            source_ip: Some("218.232.142.35"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            detail: Text::Contains(&["OPTIONS / HTTP/1.1", "Microsoft-WebDAV-MiniRedir/5.1.2600"]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2004-10-04T04:13:16Z"),
            bytes_received: Some(322.0),
            source_ip: Some("218.232.142.35"),
            app_protocol: Some("http"),
            outcome: Some("405"),
            detail: Text::Contains(&["PROPFIND / HTTP/1.1", "Microsoft-WebDAV-MiniRedir/5.1.2600"]),
            ..Row::default()
        },
    );
    check_request(&t, r.rows.start + 100, "PROPFIND / HTTP/1.1");
    check_row(
        &t,
        r.rows.start + 296,
        &Row {
            line: 297,
            time: Some("2004-10-05T17:07:47Z"),
            bytes_received: Some(349.0),
            source_ip: Some("63.13.138.86"),
            app_protocol: Some("http"),
            outcome: Some("414"),
            detail: Text::Contains(&["SEARCH /"]),
            ..Row::default()
        },
    );
    check_search_overflow(&t, r.rows.start + 296);
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 1199,
            time: Some("2004-10-10T07:36:41Z"),
            bytes_received: Some(276.0),
            source_ip: Some("193.254.154.134"),
            app_protocol: Some("http"),
            outcome: Some("404"),
            detail: Text::Contains(&["GET /M83A HTTP/1.0"]),
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        1199,
        593200.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "404"), 805);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "405"), 69);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "414"), 5);
}

#[test]
fn access_log_honeynet_13_webdav_overflows() {
    let (t, r) = read("web-access-logs/honeynet-redhat71_access_log.13");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::AccessLog,
            gzip: false,
            records: 352,
            events: 352,
            skipped: 0,
            sources: 90,
            first: Some("2004-07-13T16:41:13Z"),
            last: Some("2004-07-18T07:40:00Z"),
            fields: ACCESS_FIELDS,
            extra_columns: 0,
        },
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            time: Some("2004-07-13T16:41:13Z"),
            bytes_received: Some(2890.0),
            source_ip: Some("206.114.47.131"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            detail: Text::Contains(&[
                "GET / HTTP/1.1",
                "Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)",
            ]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 2,
        &Row {
            line: 3,
            time: Some("2004-07-13T17:12:29Z"),
            bytes_received: Some(349.0),
            source_ip: Some("63.126.133.19"),
            app_protocol: Some("http"),
            outcome: Some("414"),
            detail: Text::Contains(&["SEARCH /"]),
            ..Row::default()
        },
    );
    check_search_overflow(&t, r.rows.start + 2);
    // `"-" 408 - "-" "-"`: no request line, no size.
    check_row(
        &t,
        r.rows.start + 7,
        &Row {
            line: 8,
            time: Some("2004-07-13T18:06:25Z"),
            bytes_received: Some(0.0),
            source_ip: Some("63.126.133.19"),
            app_protocol: Some("http"),
            outcome: Some("408"),
            detail: Text::Any,
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            time: Some("2004-07-14T13:47:08Z"),
            bytes_received: Some(279.0),
            source_ip: Some("66.132.128.46"),
            app_protocol: Some("http"),
            outcome: Some("404"),
            detail: Text::Contains(&["GET /sumthin HTTP/1.0"]),
            ..Row::default()
        },
    );
    check_request(&t, r.rows.start + 100, "GET /sumthin HTTP/1.0");
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 352,
            time: Some("2004-07-18T07:40:00Z"),
            bytes_received: Some(2890.0),
            source_ip: Some("219.139.98.148"),
            app_protocol: Some("http"),
            outcome: Some("200"),
            detail: Text::Contains(&[
                "GET / HTTP/1.1",
                "Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)",
            ]),
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        352,
        200239.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "414"), 66);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "408"), 18);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "200"), 42);
    let overflows = r
        .rows
        .clone()
        .filter(|&i| t.detail(i).is_some_and(|d| d.contains('\u{90}')))
        .count();
    assert_eq!(overflows, 66, "lines with raw 0x90 bytes");
}
