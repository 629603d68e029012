//! Several real data files opened into one investigation with `read_files`: per-file reports,
//! file ids and row ranges, totals, distinct sources across files, labels and extra columns that
//! stay with their own file, and a missing file that fails alone.
//!
//! Expected values were computed from the raw files with Python (see the per-format tests).

mod real_data;

use std::net::IpAddr;
use std::path::PathBuf;

use netsleuth::events::{EventTable, Verdict};
use netsleuth::ingest::{read_files, Format, ReadError, ReadOptions, ReadProgress};
use real_data::{data, us};

#[test]
fn three_cowrie_days_in_one_investigation() {
    let paths: Vec<PathBuf> = ["2018-05-06", "2018-05-07", "2018-05-19"]
        .iter()
        .map(|d| data(&format!("honeypot/cowrie/cowrie.json.{d}")))
        .collect();
    let inv = read_files(&paths, &ReadOptions::default(), &ReadProgress::default())
        .expect("not cancelled");
    assert!(inv.failures.is_empty(), "{:?}", inv.failures);
    assert_eq!(inv.files.len(), 3);
    let expected = [
        (211, 19, "2018-05-06T17:44:05.866769Z"),
        (417, 36, "2018-05-07T00:08:26.713576Z"),
        (2004, 58, "2018-05-19T00:03:08.825252Z"),
    ];
    let mut start = 0;
    for (i, (f, (events, sources, first))) in inv.files.iter().zip(expected).enumerate() {
        assert_eq!(f.path, paths[i]);
        assert_eq!(f.format, Format::Cowrie);
        assert_eq!(f.events, events, "file {i}");
        assert_eq!(f.records, events, "file {i}");
        assert_eq!(f.sources, sources, "file {i}");
        assert_eq!(f.first_event_us, Some(us(first)), "file {i}");
        assert_eq!(f.rows, start..start + events as usize, "file {i}");
        for row in [f.rows.start, f.rows.end - 1] {
            assert_eq!(usize::from(inv.table.file(row)), i, "file id of row {row}");
        }
        // Line numbers restart in every file.
        assert_eq!(inv.table.line(f.rows.start), 1);
        assert_eq!(inv.table.line(f.rows.end - 1), events as u32);
        start += events as usize;
    }
    assert_eq!(inv.table.len(), 211 + 417 + 2004);
    // 19 + 36 + 58 per day, but only 80 distinct across the three days.
    assert_eq!(inv.distinct_sources(), 80);
    let first_of_day_2 = inv.files[1].rows.start;
    assert_eq!(
        inv.table.source_ip(first_of_day_2),
        Some("122.226.181.164".parse::<IpAddr>().unwrap())
    );
}

#[test]
fn mixed_formats_with_a_missing_file() {
    let missing = data("no-such-dir/missing.log");
    let paths = vec![
        data("cloudwatch/CloudWatch_Traffic_Web_Attack.csv"),
        data("iot-23/CTU-Malware-Capture-44-1-labeled.csv"),
        missing.clone(),
        data("zeek/conn_json.log"),
        data("aws-vpc-flow-logs/vpcflowlogs.log"),
        data("web-access-logs/hackers-access.log"),
    ];
    let inv = read_files(&paths, &ReadOptions::default(), &ReadProgress::default())
        .expect("not cancelled");
    assert_eq!(inv.failures.len(), 1);
    assert!(
        matches!(&inv.failures[0], ReadError::Io { path, .. } if *path == missing),
        "{:?}",
        inv.failures[0]
    );
    let expected = [
        (Format::CloudWatch, 282, 28, 0),
        (Format::ZeekCsv, 237, 2, 1),
        (Format::ZeekJson, 110, 2, 3),
        (Format::VpcFlow, 214, 47, 4),
        (Format::AccessLog, 3456, 520, 5),
    ];
    assert_eq!(inv.files.len(), expected.len());
    let mut total = 0;
    for (f, (format, events, sources, id)) in inv.files.iter().zip(expected) {
        assert_eq!(f.path, paths[id]);
        assert_eq!(f.format, format, "{}", f.path.display());
        assert_eq!(f.events, events, "{}", f.path.display());
        assert_eq!(f.sources, sources, "{}", f.path.display());
        assert_eq!(f.rows.len() as u64, events);
        // File ids are positions in the list given, so the missing file's id 2 is unused.
        assert!(f.rows.clone().all(|r| usize::from(inv.table.file(r)) == id));
        total += events;
    }
    assert_eq!(inv.table.len() as u64, total);
    assert_eq!(total, 282 + 237 + 110 + 214 + 3456);
    // No address appears in two of these files.
    assert_eq!(inv.distinct_sources(), 28 + 2 + 2 + 47 + 520);

    // Labels belong to the IoT-23 file only.
    let iot = &inv.files[1];
    let labels = iot.labels.as_ref().expect("IoT-23 labels");
    assert_eq!((labels.benign, labels.malicious), (211, 26));
    for f in [&inv.files[0], &inv.files[2], &inv.files[3], &inv.files[4]] {
        assert!(f.labels.is_none(), "{}", f.path.display());
    }
    let labelled = (0..inv.table.len())
        .filter(|&r| inv.table.label(r).is_some())
        .count();
    assert_eq!(labelled, 237);
    let first = inv.table.label(iot.rows.start).expect("label");
    assert_eq!(first.verdict, Verdict::Malicious);
    assert_eq!(inv.table.label_class_name(first), "C&C-FileDownload");

    // Zeek JSON shares the IoT-23 extra columns by name; the other files have none.
    let mut zeek_extras = inv.files[2].extra_columns.clone();
    zeek_extras.sort();
    assert_eq!(
        zeek_extras,
        ["missed_bytes", "orig_ip_bytes", "resp_ip_bytes"]
    );
    for f in [&inv.files[0], &inv.files[3], &inv.files[4]] {
        assert!(f.extra_columns.is_empty(), "{}", f.path.display());
    }
    assert_eq!(inv.table.extras().len(), 3);
    assert_eq!(
        inv.table.extra("orig_ip_bytes", inv.files[2].rows.start),
        Some(144.0)
    );
    assert_eq!(
        inv.table.extra("orig_ip_bytes", inv.files[3].rows.start),
        None
    );

    // Spot values at each file's first row, read back through the shared table.
    let t: &EventTable = &inv.table;
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    assert_eq!(t.source_ip(inv.files[0].rows.start), ip("147.161.161.82"));
    assert_eq!(t.source_ip(inv.files[1].rows.start), ip("192.168.1.199"));
    assert_eq!(
        t.source_ip(inv.files[2].rows.start),
        ip("fe80::a179:b3ff:199:2314")
    );
    assert_eq!(t.source_ip(inv.files[3].rows.start), ip("88.218.193.198"));
    assert_eq!(t.source_ip(inv.files[4].rows.start), ip("195.154.46.135"));
    assert_eq!(
        t.time_us(inv.files[4].rows.end - 1),
        Some(us("2015-10-30T14:59:39Z"))
    );
    assert_eq!(t.outcome(inv.files[3].rows.start), Some("REJECT"));
}
