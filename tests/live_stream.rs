//! Detection on a stream: the real hackers' access log fed in batches as a live source would
//! bring it. By the last batch every source that detection on the whole file proposes for
//! blocking has raised exactly one alert, and every password guesser one under the finding's
//! own rule; a small retention keeps the window bounded and counts
//! what left it.

mod real_data;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;

use netsleuth::detection::behaviour::FindingKind;
use netsleuth::detection::{detect, DetectionSettings};
use netsleuth::live::stream::{AlertRule, Stream, StreamSettings};

const LOG: &str = "web-access-logs/hackers-access.log";

fn lines() -> Vec<Vec<u8>> {
    std::fs::read(real_data::data(LOG))
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn settings(retention: usize, quiet_us: i64) -> StreamSettings {
    StreamSettings {
        detection: DetectionSettings {
            cache_dir: None,
            ..DetectionSettings::default()
        },
        retention,
        quiet_us,
        read: Default::default(),
        finding_alerts: Vec::new(),
        intel_alerts: false,
    }
}

#[test]
fn every_source_the_whole_file_proposes_is_alerted_exactly_once() {
    let (table, _) = real_data::read(LOG);
    let whole = detect(
        &table,
        &DetectionSettings {
            cache_dir: None,
            ..DetectionSettings::default()
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    let proposed: BTreeSet<IpAddr> = whole
        .sources
        .iter()
        .filter(|s| s.proposed_block && s.confidence >= 70.0)
        .map(|s| s.stats.ip)
        .collect();
    assert!(proposed.len() >= 4, "{proposed:?}");
    let guessers: BTreeSet<IpAddr> = whole
        .sources
        .iter()
        .filter(|s| s.findings.iter().any(|f| f.kind == FindingKind::BruteForce))
        .map(|s| s.stats.ip)
        .collect();
    assert!(guessers.len() >= 4, "{guessers:?}");

    let lines = lines();
    let mut stream = Stream::new(StreamSettings {
        finding_alerts: vec![FindingKind::BruteForce],
        ..settings(usize::MAX, i64::MAX)
    });
    let mut alerted: BTreeMap<IpAddr, u32> = BTreeMap::new();
    let mut guessing: BTreeMap<IpAddr, u32> = BTreeMap::new();
    for (i, batch) in lines.chunks(lines.len().div_ceil(8)).enumerate() {
        stream.push(batch.iter().cloned());
        for a in stream.detect(i as i64 * 1_000_000).unwrap() {
            if a.rule == AlertRule::Finding(FindingKind::BruteForce) {
                assert!(a.findings.iter().any(|f| f == "Password guessing"), "{a:?}");
                *guessing.entry(a.ip).or_default() += 1;
                continue;
            }
            assert_eq!(a.rule, AlertRule::Threshold);
            assert!(a.confidence >= 70.0 && a.events > 0, "{a:?}");
            assert!(!a.findings.is_empty() && a.reason.is_some(), "{a:?}");
            *alerted.entry(a.ip).or_default() += 1;
        }
    }
    assert_eq!(stream.counts.lines, lines.len() as u64);
    assert_eq!(stream.counts.runs, 8);
    for ip in &proposed {
        assert_eq!(alerted.get(ip), Some(&1), "{ip} alerts: {alerted:?}");
    }
    assert!(alerted.values().all(|&n| n == 1), "{alerted:?}");
    // Every password guesser of the whole file, once, under the finding's own rule.
    for ip in &guessers {
        assert_eq!(
            guessing.get(ip),
            Some(&1),
            "{ip} guessing alerts: {guessing:?}"
        );
    }
    assert!(guessing.values().all(|&n| n == 1), "{guessing:?}");
    // Sources alerted on a partial window that the whole file does not propose stay few.
    let extra = alerted.keys().filter(|ip| !proposed.contains(ip)).count();
    assert!(extra <= proposed.len(), "{extra} extra of {alerted:?}");
}

#[test]
fn a_small_retention_bounds_the_window_and_counts_what_left_it() {
    let lines = lines();
    let mut stream = Stream::new(settings(500, 60_000_000));
    let mut max = 0;
    let mut by_ip: BTreeMap<IpAddr, Vec<i64>> = BTreeMap::new();
    for (i, batch) in lines.chunks(250).enumerate() {
        stream.push(batch.iter().cloned());
        max = max.max(stream.retained());
        // Batches thirty seconds apart: a source may alert again after a minute of quiet.
        let now = i as i64 * 30_000_000;
        for a in stream.detect(now).unwrap() {
            by_ip.entry(a.ip).or_default().push(now);
        }
    }
    assert_eq!(max, 500);
    assert_eq!(stream.counts.expired, lines.len() as u64 - 500);
    // What each source did since the start stays when its events leave the window: the same
    // counts as the whole file's.
    let (table, _) = real_data::read(LOG);
    let mut whole: BTreeMap<IpAddr, u64> = BTreeMap::new();
    for r in 0..table.len() {
        *whole.entry(table.source_ip(r).unwrap()).or_default() += 1;
    }
    let (totals, beyond) = stream.totals();
    assert_eq!(beyond, 0);
    let kept: BTreeMap<IpAddr, u64> = totals.iter().map(|(ip, t)| (*ip, t.events)).collect();
    assert_eq!(kept, whole);
    assert!(!by_ip.is_empty());
    for (ip, times) in &by_ip {
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= 60_000_000,
                "{ip} alerted again within the quiet period: {times:?}"
            );
        }
    }
}

/// A file with a header (a CSV's column names, Zeek's `#fields` lines) streamed in batches of
/// 100 lines reads every event the whole file gives: the header is kept and every later batch
/// is read after it.
#[test]
fn files_with_headers_stream_in_batches_to_the_same_events() {
    for rel in [
        "cloudwatch/CloudWatch_Traffic_Web_Attack.csv",
        "zeek/trickbot_conn.log",
    ] {
        let (table, _) = real_data::read(rel);
        let text = std::fs::read(real_data::data(rel)).unwrap();
        let lines: Vec<Vec<u8>> = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        let mut stream = Stream::new(settings(usize::MAX, 0));
        for batch in lines.chunks(100) {
            stream.push(batch.to_vec());
        }
        assert_eq!(stream.problem(), None, "{rel}");
        assert_eq!(stream.counts.events, table.len() as u64, "{rel}");
        assert_eq!(stream.retained(), table.len(), "{rel}");
        let window = stream.window();
        let ips = |t: &netsleuth::events::EventTable| {
            let mut v: Vec<_> = (0..t.len()).map(|r| t.source_ip(r)).collect();
            v.sort();
            v
        };
        assert_eq!(ips(window), ips(&table), "{rel}: the same sources");
    }
}
