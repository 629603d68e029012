//! Field profiles, what Kibana's field list and Zui's column stats give: for each field of a
//! set of events, how many carry it, how many distinct values it has, its most frequent values
//! with their counts, and for numbers the minimum, median, 99th percentile, maximum and a small
//! histogram. The detail's keyed parts (usernames, user agents, signatures...) are fields of
//! their own, `detail.KEY`; extra numeric columns keep their names.

use std::hash::Hash;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{detail_parts, format_utc, EventTable, Field};

/// Values listed per field, the most frequent first.
pub const TOP_VALUES: usize = 10;

/// Bars in a number's histogram.
pub const HISTOGRAM_BINS: usize = 16;

/// What the numbers of one field look like.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbers {
    /// Smallest value.
    pub min: f64,
    /// Median (the lower of the two middle values).
    pub median: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest value.
    pub max: f64,
    /// Values per bar from `min` to `max`, on a log scale when `log` holds.
    pub histogram: Vec<u64>,
    /// Bars are spaced by `log10(1 + x)`: the values are not negative and span more than
    /// three orders of magnitude.
    pub log: bool,
}

/// The profile of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldProfile {
    /// The unified field name (`outcome`, `destination_port`...), `detail.KEY`, or an extra
    /// column's own name.
    pub field: String,
    /// Events that carry it.
    pub present: u64,
    /// Distinct values.
    pub distinct: u64,
    /// The most frequent values with their counts; ties in the order first seen.
    pub top: Vec<(String, u64)>,
    /// For numeric fields (times as seconds since 1970).
    pub numbers: Option<Numbers>,
}

/// Counts of values in the order first seen.
struct Tally<K> {
    counts: FxHashMap<K, (u64, u32)>,
    present: u64,
}

impl<K: Hash + Eq + Copy> Tally<K> {
    fn new() -> Self {
        Tally {
            counts: FxHashMap::default(),
            present: 0,
        }
    }

    fn add(&mut self, k: K) {
        let order = self.counts.len() as u32;
        self.counts.entry(k).or_insert((0, order)).0 += 1;
        self.present += 1;
    }

    fn finish(
        self,
        field: String,
        text: impl Fn(K) -> String,
        numbers: Option<Numbers>,
    ) -> FieldProfile {
        let distinct = self.counts.len() as u64;
        let mut top: Vec<(K, (u64, u32))> = self.counts.into_iter().collect();
        top.sort_unstable_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
        FieldProfile {
            field,
            present: self.present,
            distinct,
            top: top
                .into_iter()
                .take(TOP_VALUES)
                .map(|(k, (n, _))| (text(k), n))
                .collect(),
            numbers,
        }
    }
}

/// The summary of `values` (not empty).
fn numbers(mut values: Vec<f64>) -> Numbers {
    let n = values.len();
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let mut rank = |k: usize| *values.select_nth_unstable_by(k, f64::total_cmp).1;
    let median = rank((n - 1) / 2);
    let p99 = rank(((n as f64 * 0.99).ceil() as usize).clamp(1, n) - 1);
    let log = min >= 0.0 && max >= 1000.0 * min.max(1.0);
    let scale = |v: f64| if log { v.ln_1p() } else { v };
    let (lo, hi) = (scale(min), scale(max));
    let mut histogram = vec![0u64; HISTOGRAM_BINS];
    for v in &values {
        let k = if hi > lo {
            ((scale(*v) - lo) / (hi - lo) * HISTOGRAM_BINS as f64) as usize
        } else {
            0
        };
        histogram[k.min(HISTOGRAM_BINS - 1)] += 1;
    }
    Numbers {
        min,
        median,
        p99,
        max,
        histogram,
        log,
    }
}

/// A number as the profile writes it: integers without a fraction.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn numeric(
    field: &str,
    rows: &[u32],
    value: impl Fn(usize) -> Option<f64>,
    text: impl Fn(f64) -> String,
) -> Option<FieldProfile> {
    let mut tally = Tally::new();
    let mut values = Vec::new();
    for &r in rows {
        if let Some(v) = value(r as usize).filter(|v| v.is_finite()) {
            tally.add(v.to_bits());
            values.push(v);
        }
    }
    if values.is_empty() {
        return None;
    }
    let summary = numbers(values);
    Some(tally.finish(field.into(), |b| text(f64::from_bits(b)), Some(summary)))
}

fn textual<'t>(
    field: &str,
    rows: &[u32],
    value: impl Fn(usize) -> Option<&'t str>,
) -> Option<FieldProfile> {
    let mut tally = Tally::new();
    for &r in rows {
        if let Some(v) = value(r as usize) {
            tally.add(v);
        }
    }
    (tally.present > 0).then(|| tally.finish(field.into(), str::to_string, None))
}

/// The profile of every field the events `rows` of `t` carry, in schema order, then the
/// detail's keys (in the order first seen) and the extra columns.
pub fn profile(t: &EventTable, rows: &[u32]) -> Vec<FieldProfile> {
    let mut out = Vec::new();
    for field in Field::ALL {
        let name = field.name();
        let p = match field {
            Field::EventTime => numeric(
                name,
                rows,
                |r| t.time_us(r).map(|us| us as f64 / 1e6),
                |s| format_utc((s * 1e6).round() as i64),
            ),
            Field::DurationS => numeric(name, rows, |r| t.duration_s(r), number_text),
            Field::SourcePort => {
                numeric(name, rows, |r| t.source_port(r).map(f64::from), number_text)
            }
            Field::DestinationPort => numeric(
                name,
                rows,
                |r| t.destination_port(r).map(f64::from),
                number_text,
            ),
            Field::BytesSent => numeric(name, rows, |r| t.bytes_sent(r), number_text),
            Field::BytesReceived => numeric(name, rows, |r| t.bytes_received(r), number_text),
            Field::PacketsSent => numeric(name, rows, |r| t.packets_sent(r), number_text),
            Field::PacketsReceived => numeric(name, rows, |r| t.packets_received(r), number_text),
            Field::SourceIp | Field::DestinationIp => {
                let mut tally = Tally::new();
                for &r in rows {
                    let id = if field == Field::SourceIp {
                        t.source_ip_id(r as usize)
                    } else {
                        t.destination_ip_id(r as usize)
                    };
                    if let Some(id) = id {
                        tally.add(id);
                    }
                }
                (tally.present > 0)
                    .then(|| tally.finish(name.into(), |id| t.ips().resolve(id).to_string(), None))
            }
            Field::TcpFlags => {
                let mut tally = Tally::new();
                for &r in rows {
                    if let Some(f) = t.tcp_flags(r as usize) {
                        tally.add(f.0);
                    }
                }
                (tally.present > 0)
                    .then(|| tally.finish(name.into(), |b| super::TcpFlags(b).describe(), None))
            }
            Field::Label => {
                let mut tally = Tally::new();
                for &r in rows {
                    if let Some(l) = t.label(r as usize) {
                        tally.add(l);
                    }
                }
                (tally.present > 0)
                    .then(|| tally.finish(name.into(), |l| t.label_class_name(l).to_string(), None))
            }
            Field::Transport => textual(name, rows, |r| t.transport(r)),
            Field::AppProtocol => textual(name, rows, |r| t.app_protocol(r)),
            Field::Direction => textual(name, rows, |r| t.direction(r)),
            Field::Outcome => textual(name, rows, |r| t.outcome(r)),
            Field::CountryCode => textual(name, rows, |r| t.country_code(r)),
            Field::Detail => textual(name, rows, |r| t.detail_plain(r)),
        };
        out.extend(p);
        if field == Field::Detail {
            out.extend(detail_keys(t, rows));
        }
    }
    for extra in t.extras() {
        out.extend(numeric(
            &extra.name,
            rows,
            |r| extra.values.get(r).map(f64::from),
            number_text,
        ));
    }
    out
}

/// One profile per key of the detail's keyed parts, keys in the order first seen.
fn detail_keys(t: &EventTable, rows: &[u32]) -> Vec<FieldProfile> {
    let mut keys: Vec<(&str, Tally<&str>)> = Vec::new();
    for &r in rows {
        let Some(d) = t.detail(r as usize) else {
            continue;
        };
        for (k, v) in detail_parts(d) {
            let Some(k) = k else { continue };
            let i = match keys.iter().position(|(key, _)| *key == k) {
                Some(i) => i,
                None => {
                    keys.push((k, Tally::new()));
                    keys.len() - 1
                }
            };
            keys[i].1.add(v);
        }
    }
    keys.into_iter()
        .map(|(k, tally)| tally.finish(format!("detail.{k}"), str::to_string, None))
        .collect()
}

/// Whether an event of `t` holds `value` in `field`, both as [`profile`] writes them.
pub fn value_matcher<'t>(
    t: &'t EventTable,
    field: &str,
    value: &str,
) -> Box<dyn Fn(usize) -> bool + 't> {
    let value = value.to_string();
    let number: Option<f64> = value.parse().ok();
    let num = move |v: Option<f64>| v.is_some_and(|v| Some(v) == number);
    if let Some(key) = field.strip_prefix("detail.") {
        let key = key.to_string();
        return Box::new(move |r| t.detail_value(r, &key) == Some(value.as_str()));
    }
    if let Some(extra) = t.extras().iter().find(|e| e.name == field) {
        return Box::new(move |r| num(extra.values.get(r).map(f64::from)));
    }
    let Some(f) = Field::ALL.into_iter().find(|f| f.name() == field) else {
        return Box::new(|_| false);
    };
    let ip: Option<std::net::IpAddr> = value.parse().ok();
    match f {
        Field::EventTime => {
            Box::new(move |r| t.time_us(r).is_some_and(|us| format_utc(us) == value))
        }
        Field::DurationS => Box::new(move |r| num(t.duration_s(r))),
        Field::SourcePort => Box::new(move |r| num(t.source_port(r).map(f64::from))),
        Field::DestinationPort => Box::new(move |r| num(t.destination_port(r).map(f64::from))),
        Field::BytesSent => Box::new(move |r| num(t.bytes_sent(r))),
        Field::BytesReceived => Box::new(move |r| num(t.bytes_received(r))),
        Field::PacketsSent => Box::new(move |r| num(t.packets_sent(r))),
        Field::PacketsReceived => Box::new(move |r| num(t.packets_received(r))),
        Field::SourceIp => Box::new(move |r| ip.is_some() && t.source_ip(r) == ip),
        Field::DestinationIp => Box::new(move |r| ip.is_some() && t.destination_ip(r) == ip),
        Field::TcpFlags => Box::new(move |r| t.tcp_flags(r).is_some_and(|f| f.describe() == value)),
        Field::Label => {
            Box::new(move |r| t.label(r).is_some_and(|l| t.label_class_name(l) == value))
        }
        Field::Transport => Box::new(move |r| t.transport(r) == Some(value.as_str())),
        Field::AppProtocol => Box::new(move |r| t.app_protocol(r) == Some(value.as_str())),
        Field::Direction => Box::new(move |r| t.direction(r) == Some(value.as_str())),
        Field::Outcome => Box::new(move |r| t.outcome(r) == Some(value.as_str())),
        Field::CountryCode => Box::new(move |r| t.country_code(r) == Some(value.as_str())),
        Field::Detail => Box::new(move |r| t.detail_plain(r) == Some(value.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_summarise_with_nearest_ranks_and_log_bars() {
        let n = numbers((1..=100).map(f64::from).collect());
        assert_eq!((n.min, n.median, n.p99, n.max), (1.0, 50.0, 99.0, 100.0));
        assert!(!n.log);
        assert_eq!(n.histogram.iter().sum::<u64>(), 100);
        let wide = numbers(vec![0.0, 10.0, 1e6]);
        assert!(wide.log);
        assert_eq!(wide.histogram[0], 1);
        assert_eq!(wide.histogram[HISTOGRAM_BINS - 1], 1);
        let one = numbers(vec![7.0]);
        assert_eq!(
            (one.min, one.median, one.p99, one.max),
            (7.0, 7.0, 7.0, 7.0)
        );
        assert_eq!(one.histogram[0], 1);
    }

    #[test]
    fn integers_are_written_without_a_fraction() {
        assert_eq!(number_text(443.0), "443");
        assert_eq!(number_text(0.25), "0.25");
    }
}
