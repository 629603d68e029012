//! Replaying the real Cowrie log of 2018-05-19 an hour a second on a simulated clock: every
//! event once, in time order, none before its time, each second's batch exactly the events of
//! that hour (counted independently from the raw JSON timestamps).

mod real_data;

use std::time::{Duration, Instant};

use netsleuth::live::replay::{Pace, Replay};

const COWRIE: &str = "honeypot/cowrie/cowrie.json.2018-05-19";

#[test]
fn a_real_log_replays_an_hour_a_second_each_event_once_in_time_order() {
    let (t, _) = real_data::read(COWRIE);
    // Timestamps straight from the JSON, for the independent count.
    let raw: Vec<i64> = std::fs::read_to_string(real_data::data(COWRIE))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            real_data::us(v["timestamp"].as_str().unwrap())
        })
        .collect();
    assert_eq!(raw.len(), t.len());
    let first = *raw.iter().min().unwrap();
    let mut r = Replay::new(&t, Pace::Recorded(3600.0), usize::MAX);
    let start = Instant::now();
    let mut seen = vec![0u8; t.len()];
    let mut last = i64::MIN;
    for second in 0..=24u64 {
        let batch = r.next_batch(start + Duration::from_secs(second)).to_vec();
        let until = first + second as i64 * 3_600_000_000;
        let expected = raw
            .iter()
            .filter(|&&us| us <= until && (second == 0 || us > until - 3_600_000_000))
            .count();
        assert_eq!(batch.len(), expected, "hour {second}");
        for row in batch {
            let us = t.time_us(row as usize).unwrap();
            assert!(us <= until && us >= last);
            last = us;
            seen[row as usize] += 1;
        }
    }
    assert!(r.finished());
    assert!(seen.iter().all(|&n| n == 1));
}
