//! Real-data tests for the CSV-family readers: CloudWatch, both CIC-IDS2017 layouts, the three
//! IoT-23 Zeek CSVs, UNSW-NB15, NSL-KDD and the gzipped KDD Cup 99 sample in `../shared/data`.
//!
//! Every expected value (counts, distinct sources, time range, fields, sums, label counts and
//! the spot-checked rows) was computed from the raw files with Python's csv/gzip modules.

mod real_data;

use netsleuth::events::{EventTable, Field, Verdict};
use netsleuth::ingest::Format;
use real_data::{
    check_labels, check_row, check_sum, check_summary, count_text, read, Row, Summary, Text,
};

#[test]
fn cloudwatch_web_attack_csv() {
    let (t, r) = read("cloudwatch/CloudWatch_Traffic_Web_Attack.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::CloudWatch,
            gzip: false,
            records: 282,
            events: 282,
            skipped: 0,
            sources: 28,
            first: Some("2024-04-25T23:00:00Z"),
            last: Some("2024-04-26T09:50:00Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::AppProtocol,
                Field::BytesSent,
                Field::BytesReceived,
                Field::Outcome,
                Field::CountryCode,
                Field::Detail,
            ],
            extra_columns: 0,
        },
    );
    assert!(r.labels.is_none(), "CloudWatch has no ground truth");
    // CRLF line endings and no newline after the last row: data starts on line 2 and the
    // last row is line 283.
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2024-04-25T23:00:00Z"),
            duration_s: Some(600.0),
            bytes_sent: Some(5602.0),
            bytes_received: Some(12990.0),
            source_ip: Some("147.161.161.82"),
            destination_ip: Some("10.138.69.97"),
            app_protocol: Some("https"),
            outcome: Some("200"),
            country_code: Some("AE"),
            destination_port: Some(443),
            detail: Text::Contains(&[
                "Suspicious Web Traffic",
                "Adversary Infrastructure Interaction",
            ]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2024-04-26T00:40:00Z"),
            duration_s: Some(600.0),
            bytes_sent: Some(9132.0),
            bytes_received: Some(5756.0),
            source_ip: Some("165.225.26.101"),
            destination_ip: Some("10.138.69.97"),
            app_protocol: Some("https"),
            outcome: Some("200"),
            country_code: Some("DE"),
            destination_port: Some(443),
            detail: Text::Contains(&[
                "Suspicious Web Traffic",
                "Adversary Infrastructure Interaction",
            ]),
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 283,
            time: Some("2024-04-26T09:50:00Z"),
            duration_s: Some(600.0),
            bytes_sent: Some(9032.0),
            bytes_received: Some(5862.0),
            source_ip: Some("147.161.131.1"),
            destination_ip: Some("10.138.69.97"),
            app_protocol: Some("https"),
            outcome: Some("200"),
            country_code: Some("AT"),
            destination_port: Some(443),
            detail: Text::Contains(&[
                "Suspicious Web Traffic",
                "Adversary Infrastructure Interaction",
            ]),
            ..Row::default()
        },
    );
    check_sum(&t, &r, "duration_s", EventTable::duration_s, 282, 169200.0);
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        282,
        338228034.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        282,
        23844310.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::country_code, "US"), 113);
    assert_eq!(count_text(&t, &r, EventTable::country_code, "CA"), 72);
}

#[test]
fn cic_ids2017_original_layout_with_leading_spaces() {
    let (t, r) = read("cic-ids2017/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.first299.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::CicFlow,
            gzip: false,
            records: 299,
            events: 299,
            skipped: 0,
            sources: 44,
            // "7/7/2017 3:30" in every row, no zone: read as UTC.
            first: Some("2017-07-07T03:30:00Z"),
            last: Some("2017-07-07T03:30:00Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::BytesSent,
                Field::BytesReceived,
                Field::PacketsSent,
                Field::PacketsReceived,
                Field::TcpFlags,
                Field::Label,
            ],
            // 85 columns minus 12 mapped, 8 flag counts and the label.
            extra_columns: 64,
        },
    );
    check_labels(&r, "Label", 299, 0, &[("BENIGN", 299)]);
    for name in [
        "Flow Bytes/s",
        "Fwd Header Length",
        "Fwd Header Length.1",
        "Idle Min",
    ] {
        assert!(r.extra_columns.iter().any(|c| c == name), "extra {name}");
    }
    for name in [
        "Label",
        "Flow ID",
        "Source IP",
        "Timestamp",
        "Flow Duration",
    ] {
        assert!(
            !r.extra_columns.iter().any(|c| c == name),
            "not extra {name}"
        );
    }
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2017-07-07T03:30:00Z"),
            duration_s: Some(3e-06),
            bytes_sent: Some(12.0),
            bytes_received: Some(0.0),
            packets_sent: Some(2.0),
            packets_received: Some(0.0),
            source_ip: Some("104.16.207.165"),
            destination_ip: Some("192.168.10.5"),
            transport: Some("tcp"),
            source_port: Some(443),
            destination_port: Some(54865),
            tcp_flags: Some(0x10),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", 4000000.0),
                ("Flow IAT Mean", 3.0),
                ("Fwd Header Length", 40.0),
                ("Fwd Header Length.1", 40.0),
                ("Init_Win_bytes_forward", 33.0),
                ("Idle Min", 0.0),
            ],
            ..Row::default()
        },
    );
    // Line 67 has "Infinity" flow rates (zero duration).
    check_row(
        &t,
        r.rows.start + 65,
        &Row {
            line: 67,
            time: Some("2017-07-07T03:30:00Z"),
            duration_s: Some(0.0),
            bytes_sent: Some(12.0),
            bytes_received: Some(0.0),
            packets_sent: Some(2.0),
            packets_received: Some(0.0),
            source_ip: Some("185.86.137.17"),
            destination_ip: Some("192.168.10.5"),
            transport: Some("tcp"),
            source_port: Some(443),
            destination_port: Some(55043),
            tcp_flags: Some(0x10),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", f64::INFINITY),
                ("Flow IAT Mean", 0.0),
                ("Init_Win_bytes_forward", 4737.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2017-07-07T03:30:00Z"),
            duration_s: Some(0.000283),
            bytes_sent: Some(70.0),
            bytes_received: Some(460.0),
            packets_sent: Some(2.0),
            packets_received: Some(2.0),
            source_ip: Some("192.168.10.16"),
            destination_ip: Some("192.168.10.3"),
            transport: Some("udp"),
            source_port: Some(9278),
            destination_port: Some(53),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", 1872791.519),
                ("Flow IAT Mean", 94.33333333),
                ("Fwd Header Length", 64.0),
                ("Fwd Header Length.1", 64.0),
                ("Init_Win_bytes_forward", -1.0),
                ("Idle Min", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 300,
            time: Some("2017-07-07T03:30:00Z"),
            duration_s: Some(0.216108),
            bytes_sent: Some(1319.0),
            bytes_received: Some(110185.0),
            packets_sent: Some(48.0),
            packets_received: Some(58.0),
            source_ip: Some("192.168.10.16"),
            destination_ip: Some("199.244.48.55"),
            transport: Some("tcp"),
            source_port: Some(42290),
            destination_port: Some(443),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", 515964.2401),
                ("Flow IAT Mean", 2058.171429),
                ("Fwd Header Length", 1244.0),
                ("Fwd Header Length.1", 1244.0),
                ("Init_Win_bytes_forward", 29200.0),
                ("Idle Min", 0.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        299,
        379.868634,
    );
    check_sum(&t, &r, "bytes_sent", EventTable::bytes_sent, 299, 269136.0);
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        299,
        18479670.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        299,
        8393.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        299,
        10287.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::transport, "tcp"), 283);
    assert_eq!(count_text(&t, &r, EventTable::transport, "udp"), 16);
}

#[test]
fn cic_ids2017_improved_layout() {
    let (t, r) = read("cic-ids2017/cicids2017_improved_sample_mixed.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::CicFlow,
            gzip: false,
            records: 5887,
            events: 5887,
            skipped: 0,
            sources: 15,
            first: Some("2017-07-03T11:57:41.826651Z"),
            last: Some("2017-07-07T20:02:39.567285Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::BytesSent,
                Field::BytesReceived,
                Field::PacketsSent,
                Field::PacketsReceived,
                Field::TcpFlags,
                Field::Label,
            ],
            // 91 columns minus 13 mapped or ignored (id, Flow ID), 8 flag counts, the label and
            // Attempted Category.
            extra_columns: 68,
        },
    );
    check_labels(
        &r,
        "Label",
        2500,
        3387,
        &[
            ("BENIGN", 2500),
            ("Botnet", 736),
            ("Heartbleed", 11),
            ("Infiltration", 36),
            ("Portscan", 2500),
            ("Web Attack - Brute Force", 73),
            ("Web Attack - SQL Injection", 13),
            ("Web Attack - XSS", 18),
        ],
    );
    for name in ["id", "Attempted Category", "Label", "Src IP", "Timestamp"] {
        assert!(
            !r.extra_columns.iter().any(|c| c == name),
            "not extra {name}"
        );
    }
    // CRLF line endings: the first record is still line 2.
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2017-07-03T11:57:41.826651Z"),
            duration_s: Some(0.000251),
            bytes_sent: Some(64.0),
            bytes_received: Some(158.0),
            packets_sent: Some(2.0),
            packets_received: Some(2.0),
            source_ip: Some("192.168.10.17"),
            destination_ip: Some("192.168.10.3"),
            transport: Some("udp"),
            source_port: Some(7769),
            destination_port: Some(53),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", 884462.1513944224),
                ("Flow IAT Mean", 83.66666666666666),
                ("Down/Up Ratio", 1.0),
                ("FWD Init Win Bytes", 0.0),
                ("Total TCP Flow Time", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2017-07-03T13:06:19.710018Z"),
            duration_s: Some(0.04859),
            bytes_sent: Some(90.0),
            bytes_received: Some(122.0),
            packets_sent: Some(2.0),
            packets_received: Some(2.0),
            source_ip: Some("192.168.10.19"),
            destination_ip: Some("192.168.10.3"),
            transport: Some("udp"),
            source_port: Some(62637),
            destination_port: Some(53),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", 4363.037662070385),
                ("Flow IAT Mean", 16196.666666666668),
                ("Down/Up Ratio", 1.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 1506,
        &Row {
            line: 1508,
            time: Some("2017-07-05T18:12:15.650811Z"),
            duration_s: Some(119.302728),
            bytes_sent: Some(8299.0),
            bytes_received: Some(7556917.0),
            packets_sent: Some(2685.0),
            packets_received: Some(1729.0),
            source_ip: Some("172.16.0.1"),
            destination_ip: Some("192.168.10.51"),
            transport: Some("tcp"),
            source_port: Some(45022),
            destination_port: Some(444),
            tcp_flags: Some(0x1a),
            label: Some((Verdict::Malicious, "Heartbleed")),
            extras: &[
                ("Flow Bytes/s", 63411.92801559408),
                ("Down/Up Ratio", 0.6439478584729982),
                ("FWD Init Win Bytes", 29200.0),
                ("Total TCP Flow Time", 119302728.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 1826,
        &Row {
            line: 1828,
            time: Some("2017-07-06T13:35:45.732950Z"),
            duration_s: Some(6.553942),
            bytes_sent: Some(860.0),
            bytes_received: Some(2337.0),
            packets_sent: Some(8.0),
            packets_received: Some(6.0),
            source_ip: Some("172.16.0.1"),
            destination_ip: Some("192.168.10.50"),
            transport: Some("tcp"),
            source_port: Some(36190),
            destination_port: Some(80),
            tcp_flags: Some(0x1b),
            label: Some((Verdict::Malicious, "Web Attack - SQL Injection")),
            extras: &[("Down/Up Ratio", 0.75), ("Total TCP Flow Time", 6553942.0)],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 5888,
            time: Some("2017-07-07T20:02:39.567285Z"),
            duration_s: Some(1.238587),
            bytes_sent: Some(2728.0),
            bytes_received: Some(6634.0),
            packets_sent: Some(44.0),
            packets_received: Some(44.0),
            source_ip: Some("192.168.10.17"),
            destination_ip: Some("192.168.10.50"),
            transport: Some("tcp"),
            source_port: Some(37759),
            destination_port: Some(22),
            tcp_flags: Some(0x1b),
            label: Some((Verdict::Benign, "BENIGN")),
            extras: &[
                ("Flow Bytes/s", 7558.61316161077),
                ("Flow IAT Mean", 14236.632183908045),
                ("Down/Up Ratio", 1.0),
                ("FWD Init Win Bytes", 29200.0),
                ("Total TCP Flow Time", 1238587.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        5887,
        47153.019207,
    );
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        5887,
        37905085.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        5887,
        112473304.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        5887,
        116085.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        5887,
        97509.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::transport, "tcp"), 4314);
    assert_eq!(count_text(&t, &r, EventTable::transport, "udp"), 1569);
    let flagged = r.rows.clone().filter(|&i| t.tcp_flags(i).is_some()).count();
    assert_eq!(flagged, 4314, "rows with any positive flag count");
}

#[test]
fn iot23_hakai_capture_8_1() {
    let (t, r) = read("iot-23/CTU-Malware-Capture-8-1-labeled.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::ZeekCsv,
            gzip: false,
            records: 10403,
            events: 10403,
            skipped: 0,
            sources: 2,
            first: Some("2018-07-31T13:15:11.474174Z"),
            last: Some("2018-08-01T13:15:06.734905Z"),
            // `service` and `local_orig/resp` are empty in every row.
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::SourceIp,
                Field::SourcePort,
                Field::DestinationIp,
                Field::DestinationPort,
                Field::Transport,
                Field::BytesSent,
                Field::BytesReceived,
                Field::PacketsSent,
                Field::PacketsReceived,
                Field::TcpFlags,
                Field::Outcome,
                Field::Label,
            ],
            extra_columns: 3,
        },
    );
    let mut extras = r.extra_columns.clone();
    extras.sort();
    assert_eq!(extras, ["missed_bytes", "orig_ip_bytes", "resp_ip_bytes"]);
    // detailed-label is "-" for benign rows, so their class is the label itself.
    check_labels(&r, "label", 2181, 8222, &[("Benign", 2181), ("C&C", 8222)]);
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2018-07-31T13:15:11.474174Z"),
            duration_s: Some(0.00549),
            bytes_sent: Some(48.0),
            bytes_received: Some(48.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.100.113"),
            destination_ip: Some("81.2.254.224"),
            transport: Some("udp"),
            outcome: Some("SF"),
            source_port: Some(123),
            destination_port: Some(123),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 76.0),
                ("resp_ip_bytes", 76.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2018-07-31T14:14:21.471557Z"),
            duration_s: Some(0.001497),
            bytes_sent: Some(48.0),
            bytes_received: Some(48.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.100.113"),
            destination_ip: Some("147.231.100.5"),
            transport: Some("udp"),
            outcome: Some("SF"),
            source_port: Some(123),
            destination_port: Some(123),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 76.0),
                ("resp_ip_bytes", 76.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 113,
        &Row {
            line: 115,
            time: Some("2018-07-31T14:24:04.299948Z"),
            duration_s: Some(3.151458),
            bytes_sent: Some(0.0),
            bytes_received: Some(0.0),
            packets_sent: Some(3.0),
            packets_received: Some(0.0),
            source_ip: Some("192.168.100.113"),
            destination_ip: Some("178.128.185.250"),
            transport: Some("tcp"),
            outcome: Some("S0"),
            source_port: Some(43324),
            destination_port: Some(50),
            tcp_flags: Some(0x02),
            label: Some((Verdict::Malicious, "C&C")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 180.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 10404,
            time: Some("2018-08-01T13:14:13.475215Z"),
            duration_s: Some(0.005233),
            bytes_sent: Some(48.0),
            bytes_received: Some(48.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.100.113"),
            destination_ip: Some("147.251.48.140"),
            transport: Some("udp"),
            outcome: Some("SF"),
            source_port: Some(123),
            destination_port: Some(123),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 76.0),
                ("resp_ip_bytes", 76.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        4218,
        6422.229928,
    );
    check_sum(&t, &r, "bytes_sent", EventTable::bytes_sent, 4218, 103776.0);
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        4218,
        103776.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        10403,
        14513.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        10403,
        2164.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "S0"), 8239);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "SF"), 2162);
    assert_eq!(count_text(&t, &r, EventTable::transport, "tcp"), 8224);
}

#[test]
fn iot23_mirai_capture_44_1() {
    let (t, r) = read("iot-23/CTU-Malware-Capture-44-1-labeled.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::ZeekCsv,
            gzip: false,
            records: 237,
            events: 237,
            skipped: 0,
            sources: 2,
            first: Some("2019-01-10T20:06:28.860071Z"),
            last: Some("2019-01-10T22:01:02.953055Z"),
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
                Field::Label,
            ],
            extra_columns: 3,
        },
    );
    check_labels(
        &r,
        "label",
        211,
        26,
        &[
            ("Benign", 211),
            ("C&C", 14),
            ("C&C-FileDownload", 11),
            ("DDoS", 1),
        ],
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2019-01-10T20:06:29.067208Z"),
            duration_s: Some(1.686784),
            bytes_sent: Some(149.0),
            bytes_received: Some(171750.0),
            packets_sent: Some(122.0),
            packets_received: Some(122.0),
            source_ip: Some("192.168.1.199"),
            destination_ip: Some("46.101.251.172"),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("SF"),
            source_port: Some(59222),
            destination_port: Some(80),
            tcp_flags: Some(0x1b),
            label: Some((Verdict::Malicious, "C&C-FileDownload")),
            extras: &[
                ("missed_bytes", 11584.0),
                ("orig_ip_bytes", 7741.0),
                ("resp_ip_bytes", 178102.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2019-01-10T20:34:29.933860Z"),
            duration_s: Some(0.103191),
            bytes_sent: Some(48.0),
            bytes_received: Some(48.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.1.199"),
            destination_ip: Some("45.32.4.67"),
            transport: Some("udp"),
            outcome: Some("SF"),
            source_port: Some(123),
            destination_port: Some(123),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 76.0),
                ("resp_ip_bytes", 76.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 228,
        &Row {
            line: 230,
            time: Some("2019-01-10T21:51:08.286878Z"),
            duration_s: Some(300.802367),
            bytes_sent: Some(1744830458.0),
            bytes_received: Some(0.0),
            packets_sent: Some(1305034.0),
            packets_received: Some(0.0),
            source_ip: Some("192.168.1.199"),
            destination_ip: Some("86.136.151.56"),
            transport: Some("udp"),
            outcome: Some("S0"),
            source_port: Some(38897),
            destination_port: Some(80),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Malicious, "DDoS")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 1781371410.0),
                ("resp_ip_bytes", 0.0),
            ],
            ..Row::default()
        },
    );
    // The last row has empty duration and byte counts (Zeek's "-").
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 238,
            time: Some("2019-01-10T22:00:53.952939Z"),
            packets_sent: Some(1.0),
            packets_received: Some(0.0),
            source_ip: Some("192.168.1.199"),
            destination_ip: Some("81.2.254.224"),
            transport: Some("udp"),
            outcome: Some("S0"),
            source_port: Some(123),
            destination_port: Some(123),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 76.0),
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
        156,
        7325.522028,
    );
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        156,
        1744840441.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        156,
        1643554.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        237,
        1306971.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        237,
        1888.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "http"), 11);
}

#[test]
fn iot23_honeypot_capture_4_1_crlf_lowercase_benign() {
    let (t, r) = read("iot-23/CTU-Honeypot-Capture-4-1-labeled.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::ZeekCsv,
            gzip: false,
            records: 452,
            events: 452,
            skipped: 0,
            sources: 1,
            first: Some("2018-10-25T12:06:37Z"),
            last: Some("2018-10-26T09:58:24Z"),
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
                Field::Label,
            ],
            extra_columns: 3,
        },
    );
    check_labels(&r, "label", 452, 0, &[("benign", 452)]);
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2018-10-25T12:08:23Z"),
            duration_s: Some(0.114184),
            bytes_sent: Some(48.0),
            bytes_received: Some(48.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.1.132"),
            destination_ip: Some("216.239.35.4"),
            transport: Some("udp"),
            outcome: Some("SF"),
            source_port: Some(58687),
            destination_port: Some(123),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 76.0),
                ("resp_ip_bytes", 76.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2018-10-25T16:02:05Z"),
            duration_s: Some(0.00075),
            bytes_sent: Some(37.0),
            bytes_received: Some(132.0),
            packets_sent: Some(1.0),
            packets_received: Some(1.0),
            source_ip: Some("192.168.1.132"),
            destination_ip: Some("192.168.1.1"),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            outcome: Some("SF"),
            source_port: Some(33707),
            destination_port: Some(53),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 65.0),
                ("resp_ip_bytes", 160.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 453,
            time: Some("2018-10-25T14:27:54Z"),
            duration_s: Some(70334.10574),
            bytes_sent: Some(2550936.0),
            bytes_received: Some(0.0),
            packets_sent: Some(8124.0),
            packets_received: Some(0.0),
            source_ip: Some("192.168.1.132"),
            destination_ip: Some("239.255.255.250"),
            transport: Some("udp"),
            outcome: Some("S0"),
            source_port: Some(1900),
            destination_port: Some(1900),
            tcp_flags: Some(0x08),
            label: Some((Verdict::Benign, "benign")),
            extras: &[
                ("missed_bytes", 0.0),
                ("orig_ip_bytes", 2778408.0),
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
        451,
        157021.16463,
    );
    check_sum(&t, &r, "bytes_sent", EventTable::bytes_sent, 451, 2993911.0);
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        451,
        133687.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        452,
        13384.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        452,
        3528.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "dns"), 191);
    assert_eq!(count_text(&t, &r, EventTable::app_protocol, "http"), 54);
}

#[test]
fn unsw_nb15_sampled() {
    let (t, r) = read("unsw-nb15/unsw-nb15_1_sampled.csv");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::UnswNb15,
            gzip: false,
            records: 7000,
            events: 7000,
            skipped: 0,
            // The preprocessing dropped srcip/dstip/sport/dsport.
            sources: 0,
            first: Some("2015-01-22T11:50:17Z"),
            last: Some("2015-01-22T19:43:56Z"),
            fields: &[
                Field::EventTime,
                Field::DurationS,
                Field::Transport,
                Field::AppProtocol,
                Field::BytesSent,
                Field::BytesReceived,
                Field::PacketsSent,
                Field::PacketsReceived,
                Field::Outcome,
                Field::Label,
            ],
            // 44 columns minus the 11 mapped ones and the TCP base sequence numbers stcpb/dtcpb.
            extra_columns: 31,
        },
    );
    assert!(r.extra_columns.iter().any(|c| c == "'ct_src_ ltm'"));
    check_labels(
        &r,
        "label",
        6796,
        204,
        &[("Benign", 6796), ("Malicious", 204)],
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 2,
            time: Some("2015-01-22T18:36:12Z"),
            duration_s: Some(0.098989),
            bytes_sent: Some(4550.0),
            bytes_received: Some(70026.0),
            packets_sent: Some(78.0),
            packets_received: Some(82.0),
            transport: Some("tcp"),
            outcome: Some("FIN"),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("sttl", 31.0),
                ("Sload", 363030.2188),
                ("Djit", 78.257939),
                ("'ct_src_ ltm'", 5.0),
                ("ct_dst_src_ltm", 2.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 20,
        &Row {
            line: 22,
            time: Some("2015-01-22T11:56:01Z"),
            duration_s: Some(0.298669),
            bytes_sent: Some(866.0),
            bytes_received: Some(268.0),
            packets_sent: Some(10.0),
            packets_received: Some(6.0),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("FIN"),
            label: Some((Verdict::Malicious, "Malicious")),
            extras: &[
                ("sttl", 254.0),
                ("Sload", 20892.69336),
                ("Djit", 73.790883),
                ("'ct_src_ ltm'", 5.0),
                ("ct_dst_src_ltm", 1.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 102,
            time: Some("2015-01-22T16:14:49Z"),
            duration_s: Some(0.000925),
            bytes_sent: Some(130.0),
            bytes_received: Some(162.0),
            packets_sent: Some(2.0),
            packets_received: Some(2.0),
            transport: Some("udp"),
            app_protocol: Some("dns"),
            outcome: Some("CON"),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("sttl", 31.0),
                ("Sload", 562162.1875),
                ("Djit", 0.0),
                ("'ct_src_ ltm'", 3.0),
                ("ct_dst_src_ltm", 1.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 7001,
            time: Some("2015-01-22T16:42:58Z"),
            duration_s: Some(1.244677),
            bytes_sent: Some(19514.0),
            bytes_received: Some(1087890.0),
            packets_sent: Some(366.0),
            packets_received: Some(746.0),
            transport: Some("tcp"),
            outcome: Some("FIN"),
            label: Some((Verdict::Benign, "Benign")),
            extras: &[
                ("sttl", 31.0),
                ("Sload", 125083.0625),
                ("Djit", 103.992279),
                ("'ct_src_ ltm'", 6.0),
                ("ct_dst_src_ltm", 6.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        7000,
        5030.144292,
    );
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        7000,
        32701128.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        7000,
        318733968.0,
    );
    check_sum(
        &t,
        &r,
        "packets_sent",
        EventTable::packets_sent,
        7000,
        287534.0,
    );
    check_sum(
        &t,
        &r,
        "packets_received",
        EventTable::packets_received,
        7000,
        377216.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "CON"), 1823);
    assert_eq!(
        count_text(&t, &r, EventTable::app_protocol, "ftp-data"),
        359
    );
    assert_eq!(count_text(&t, &r, EventTable::transport, "other"), 87);
}

const NSL_KDD_CLASSES: [(&str, u64); 22] = [
    ("back", 196),
    ("buffer_overflow", 6),
    ("ftp_write", 1),
    ("guess_passwd", 10),
    ("imap", 5),
    ("ipsweep", 710),
    ("land", 1),
    ("loadmodule", 1),
    ("multihop", 2),
    ("neptune", 8282),
    ("nmap", 301),
    ("normal", 13449),
    ("phf", 2),
    ("pod", 38),
    ("portsweep", 587),
    ("rootkit", 4),
    ("satan", 691),
    ("smurf", 529),
    ("spy", 1),
    ("teardrop", 188),
    ("warezclient", 181),
    ("warezmaster", 7),
];

const KDD_FIELDS: &[Field] = &[
    Field::DurationS,
    Field::Transport,
    Field::AppProtocol,
    Field::BytesSent,
    Field::BytesReceived,
    Field::Outcome,
    Field::Label,
];

#[test]
fn nsl_kdd_20_percent() {
    let (t, r) = read("nsl-kdd/KDDTrain+_20Percent.txt");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::NslKdd,
            gzip: false,
            records: 25192,
            events: 25192,
            skipped: 0,
            sources: 0,
            first: None,
            last: None,
            fields: KDD_FIELDS,
            // 41 features minus the 6 mapped ones; `difficulty` is not a feature.
            extra_columns: 35,
        },
    );
    assert!(!r.extra_columns.iter().any(|c| c == "difficulty"));
    check_labels(&r, "label", 13449, 11743, &NSL_KDD_CLASSES);
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            duration_s: Some(0.0),
            bytes_sent: Some(28.0),
            bytes_received: Some(0.0),
            transport: Some("udp"),
            app_protocol: Some("private"),
            outcome: Some("SF"),
            label: Some((Verdict::Malicious, "teardrop")),
            extras: &[
                ("wrong_fragment", 3.0),
                ("logged_in", 0.0),
                ("count", 80.0),
                ("srv_count", 80.0),
                ("dst_host_same_srv_rate", 0.31),
                ("dst_host_srv_rerror_rate", 0.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            duration_s: Some(0.0),
            bytes_sent: Some(0.0),
            bytes_received: Some(354.0),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("SF"),
            label: Some((Verdict::Benign, "normal")),
            extras: &[
                ("wrong_fragment", 0.0),
                ("count", 32.0),
                ("srv_count", 32.0),
                ("dst_host_same_srv_rate", 1.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 25192,
            duration_s: Some(0.0),
            bytes_sent: Some(0.0),
            bytes_received: Some(0.0),
            transport: Some("tcp"),
            app_protocol: Some("finger"),
            outcome: Some("S0"),
            label: Some((Verdict::Malicious, "neptune")),
            extras: &[
                ("count", 38.0),
                ("srv_count", 9.0),
                ("dst_host_same_srv_rate", 0.19),
                ("dst_host_srv_rerror_rate", 0.0),
            ],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        25192,
        7684923.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        25192,
        612937186.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        25192,
        87966614.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::transport, "icmp"), 1655);
    assert_eq!(count_text(&t, &r, EventTable::outcome, "REJ"), 2216);
}

/// Reads the 494,021-row gzip file once and checks everything about it.
#[test]
fn kdd_cup_99_gzip() {
    let (t, r) = read("kddcup99/kddcup.data_10_percent.gz");
    check_summary(
        &t,
        &r,
        &Summary {
            format: Format::Kdd99,
            gzip: true,
            records: 494021,
            events: 494021,
            skipped: 0,
            sources: 0,
            first: None,
            last: None,
            fields: KDD_FIELDS,
            extra_columns: 35,
        },
    );
    check_labels(
        &r,
        "label",
        97278,
        396743,
        &[
            ("back", 2203),
            ("buffer_overflow", 30),
            ("ftp_write", 8),
            ("guess_passwd", 53),
            ("imap", 12),
            ("ipsweep", 1247),
            ("land", 21),
            ("loadmodule", 9),
            ("multihop", 7),
            ("neptune", 107201),
            ("nmap", 231),
            ("normal", 97278),
            ("perl", 3),
            ("phf", 4),
            ("pod", 264),
            ("portsweep", 1040),
            ("rootkit", 10),
            ("satan", 1589),
            ("smurf", 280790),
            ("spy", 2),
            ("teardrop", 979),
            ("warezclient", 1020),
            ("warezmaster", 20),
        ],
    );
    check_row(
        &t,
        r.rows.start,
        &Row {
            line: 1,
            duration_s: Some(0.0),
            bytes_sent: Some(181.0),
            bytes_received: Some(5450.0),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("SF"),
            label: Some((Verdict::Benign, "normal")),
            extras: &[
                ("wrong_fragment", 0.0),
                ("logged_in", 1.0),
                ("count", 8.0),
                ("srv_count", 8.0),
                ("dst_host_same_srv_rate", 1.0),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 100,
        &Row {
            line: 101,
            duration_s: Some(0.0),
            bytes_sent: Some(314.0),
            bytes_received: Some(308.0),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("SF"),
            label: Some((Verdict::Benign, "normal")),
            extras: &[("count", 4.0), ("srv_count", 23.0)],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.start + 7793,
        &Row {
            line: 7794,
            duration_s: Some(0.0),
            bytes_sent: Some(1032.0),
            bytes_received: Some(0.0),
            transport: Some("icmp"),
            app_protocol: Some("ecr_i"),
            outcome: Some("SF"),
            label: Some((Verdict::Malicious, "smurf")),
            extras: &[
                ("count", 316.0),
                ("srv_count", 316.0),
                ("dst_host_same_srv_rate", 0.02),
            ],
            ..Row::default()
        },
    );
    check_row(
        &t,
        r.rows.end - 1,
        &Row {
            line: 494021,
            duration_s: Some(0.0),
            bytes_sent: Some(219.0),
            bytes_received: Some(1234.0),
            transport: Some("tcp"),
            app_protocol: Some("http"),
            outcome: Some("SF"),
            label: Some((Verdict::Benign, "normal")),
            extras: &[("count", 6.0), ("srv_count", 35.0)],
            ..Row::default()
        },
    );
    check_sum(
        &t,
        &r,
        "duration_s",
        EventTable::duration_s,
        494021,
        23702783.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_sent",
        EventTable::bytes_sent,
        494021,
        1494715024.0,
    );
    check_sum(
        &t,
        &r,
        "bytes_received",
        EventTable::bytes_received,
        494021,
        429073257.0,
    );
    assert_eq!(count_text(&t, &r, EventTable::transport, "icmp"), 283602);
    assert_eq!(
        count_text(&t, &r, EventTable::app_protocol, "ecr_i"),
        281400
    );
    assert_eq!(count_text(&t, &r, EventTable::outcome, "S0"), 87007);
}
