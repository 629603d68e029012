//! Per-event features, computed from whatever fields the events carry.

use rayon::prelude::*;

use crate::events::{EventTable, ExtraColumn, TcpFlags};

use super::address::{is_common_port, is_private};
use super::matrix::{impute, FeatureColumn};
use super::{FeatureMatrix, FeatureSettings};

const US_PER_HOUR: i64 = 3_600_000_000;

/// Hour of day (0-23) of `time_us` in the settings' time zone.
pub fn hour_of_day(time_us: i64, settings: &FeatureSettings) -> u32 {
    let local = time_us + i64::from(settings.utc_offset_hours) * US_PER_HOUR;
    local.div_euclid(US_PER_HOUR).rem_euclid(24) as u32
}

/// Day of week of `time_us`, 0 = Monday.
pub fn weekday(time_us: i64, settings: &FeatureSettings) -> u32 {
    let local = time_us + i64::from(settings.utc_offset_hours) * US_PER_HOUR;
    // 1970-01-01 was a Thursday (3).
    (local.div_euclid(24 * US_PER_HOUR) + 3).rem_euclid(7) as u32
}

/// Whether `time_us` falls outside business hours or on a day off; never when business hours
/// do not apply.
pub fn is_off_hours(time_us: i64, settings: &FeatureSettings) -> bool {
    if !settings.business_hours_apply() {
        return false;
    }
    let h = hour_of_day(time_us, settings);
    let (start, end) = (
        u32::from(settings.business_start_hour),
        u32::from(settings.business_end_hour),
    );
    !(start..end).contains(&h) || settings.work_days & (1 << weekday(time_us, settings)) == 0
}

fn ln1p(v: f64) -> f64 {
    v.max(0.0).ln_1p()
}

/// How one feature is computed from a row.
type Spec<'a> = Box<dyn Fn(usize) -> Option<f64> + Send + Sync + 'a>;

fn column(n: usize, f: impl Fn(usize) -> Option<f64>) -> Vec<f64> {
    (0..n).map(|r| f(r).unwrap_or(f64::NAN)).collect()
}

/// Whether times spanning `span_us` reach over a day, so that the hour of day says something:
/// in a capture of 45 minutes, every event of its second clock hour stood out.
pub fn daily(span_us: i64) -> bool {
    span_us >= 24 * US_PER_HOUR
}

/// Whether each address of `t` (by id) is private, as 0 or 1.
pub fn private_flags(t: &EventTable) -> Vec<f64> {
    t.ips()
        .iter()
        .map(|ip| f64::from(u8::from(is_private(ip))))
        .collect()
}

/// The per-event feature columns, in order, each with how it is computed from a row; `private`
/// is [`private_flags`] of `t`, `daily` whether the log's times span a day ([`daily`]).
fn event_specs<'a>(
    t: &'a EventTable,
    settings: &'a FeatureSettings,
    private: &'a [f64],
    daily: bool,
) -> Vec<(String, Spec<'a>)> {
    let total_bytes = move |r| match (t.bytes_sent(r), t.bytes_received(r)) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    let total_packets = move |r| match (t.packets_sent(r), t.packets_received(r)) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    let mut specs: Vec<(String, Spec<'a>)> = Vec::new();
    specs.push((
        "log_bytes_sent".to_string(),
        Box::new(move |r| t.bytes_sent(r).map(ln1p)),
    ));
    specs.push((
        "log_bytes_received".to_string(),
        Box::new(move |r| t.bytes_received(r).map(ln1p)),
    ));
    specs.push((
        "log_packets_sent".to_string(),
        Box::new(move |r| t.packets_sent(r).map(ln1p)),
    ));
    specs.push((
        "log_packets_received".to_string(),
        Box::new(move |r| t.packets_received(r).map(ln1p)),
    ));
    specs.push((
        "log_duration".to_string(),
        Box::new(move |r| t.duration_s(r).map(ln1p)),
    ));
    specs.push((
        "log_bytes_per_s".to_string(),
        Box::new(move |r| Some(ln1p(total_bytes(r)? / t.duration_s(r)?.max(1e-3)))),
    ));
    specs.push((
        "log_packets_per_s".to_string(),
        Box::new(move |r| Some(ln1p(total_packets(r)? / t.duration_s(r)?.max(1e-3)))),
    ));
    specs.push((
        "log_bytes_per_packet".to_string(),
        Box::new(move |r| Some(ln1p(total_bytes(r)? / total_packets(r)?.max(1.0)))),
    ));
    specs.push((
        "sent_ratio".to_string(),
        Box::new(move |r| {
            let (s, v) = (t.bytes_sent(r)?, t.bytes_received(r)?);
            Some(if s + v > 0.0 { s / (s + v) } else { 0.5 })
        }),
    ));
    if daily {
        specs.push((
            "hour".to_string(),
            Box::new(move |r| t.time_us(r).map(|us| f64::from(hour_of_day(us, settings)))),
        ));
    }
    // A weekend is unusual only for a network that works to a week: on a public web server
    // or a honeypot, Sunday's visitors are no stranger than Monday's (with it, every event of
    // a log's one Sunday stood out).
    if settings.business_hours_apply() {
        specs.push((
            "weekend".to_string(),
            Box::new(move |r| {
                t.time_us(r)
                    .map(|us| f64::from(u8::from(weekday(us, settings) >= 5)))
            }),
        ));
    }
    specs.push((
        "off_hours".to_string(),
        Box::new(move |r| {
            t.time_us(r)
                .map(|us| f64::from(u8::from(is_off_hours(us, settings))))
        }),
    ));
    for (bit, name) in TcpFlags::NAMES.iter().enumerate() {
        specs.push((
            format!("flag_{}", name.to_ascii_lowercase()),
            Box::new(move |r| t.tcp_flags(r).map(|f| f64::from((f.0 >> bit) & 1))),
        ));
    }
    specs.push((
        "src_private".to_string(),
        Box::new(move |r| t.source_ip_id(r).map(|id| private[id as usize])),
    ));
    specs.push((
        "dst_private".to_string(),
        Box::new(move |r| t.destination_ip_id(r).map(|id| private[id as usize])),
    ));
    specs.push((
        "dst_port_uncommon".to_string(),
        Box::new(move |r| {
            t.destination_port(r)
                .map(|p| f64::from(u8::from(!is_common_port(p))))
        }),
    ));
    specs
}

/// Every per-event column of `t` before imputation, missing values as NaN, the extra numeric
/// columns left out: what a streaming run surveys shard by shard.
pub fn raw_event_columns(
    t: &EventTable,
    settings: &FeatureSettings,
    private: &[f64],
    daily: bool,
) -> Vec<(String, Vec<f64>)> {
    let n = t.len();
    event_specs(t, settings, private, daily)
        .into_par_iter()
        .map(|(name, f)| (name, column(n, f)))
        .collect()
}

/// Builds the event feature matrix. Heavy-tailed quantities are log-transformed; features
/// whose inputs a file lacks are left out (not zero-filled); constant features are dropped.
/// The extra numeric columns follow, log-transformed when non-negative and heavy-tailed.
pub fn event_features(t: &EventTable, settings: &FeatureSettings) -> FeatureMatrix {
    let n = t.len();
    let private = private_flags(t);
    let times = || (0..n).filter_map(|r| t.time_us(r));
    let span = times().max().unwrap_or(0) - times().min().unwrap_or(0);
    let specs = event_specs(t, settings, &private, daily(span));
    // Columns without information are dropped as soon as they are computed, so that a file
    // lacking many fields never holds them all at once.
    let columns: Vec<(String, FeatureColumn)> = specs
        .into_par_iter()
        .filter_map(|(name, f)| impute(column(n, f)).map(|v| (name, FeatureColumn::of(v))))
        .collect();
    let mut m = FeatureMatrix::default();
    for (name, column) in columns {
        m.push(&name, column);
    }
    let (kept, left_out) = most_varied(t.extras(), n);
    m.left_out = left_out;
    for extra in kept {
        let mut values: Vec<f64> = (0..n)
            .map(|r| extra.values.get(r).map_or(f64::NAN, f64::from))
            .map(|v| if v.is_finite() { v } else { f64::NAN })
            .collect();
        if spans_decades(&values) {
            for v in &mut values {
                *v = v.ln_1p();
            }
            m.log_transformed.push(extra.name.clone());
        }
        m.push_imputed(&extra.name, values);
    }
    m
}

/// Most extra numeric columns that detection uses; a file with more (a wide export, or one
/// built to exhaust memory) keeps the most varied.
pub const MAX_EXTRA_FEATURES: usize = 200;

/// The extra columns to use, at most [`MAX_EXTRA_FEATURES`]: those with the most distinct
/// values over an even sample of the rows, ties in file order; and the names left out.
fn most_varied(extras: &[ExtraColumn], n: usize) -> (Vec<&ExtraColumn>, Vec<String>) {
    if extras.len() <= MAX_EXTRA_FEATURES {
        return (extras.iter().collect(), Vec::new());
    }
    let step = (n / super::values::PROFILE_ROWS).max(1);
    let mut ranked: Vec<(usize, &ExtraColumn)> = extras
        .iter()
        .map(|e| {
            let mut seen: Vec<u32> = (0..n)
                .step_by(step)
                .filter_map(|r| e.values.get(r))
                .map(f32::to_bits)
                .collect();
            seen.sort_unstable();
            seen.dedup();
            (seen.len(), e)
        })
        .collect();
    ranked.sort_by_key(|&(distinct, _)| std::cmp::Reverse(distinct));
    let left_out = ranked[MAX_EXTRA_FEATURES..]
        .iter()
        .map(|(_, e)| e.name.clone())
        .collect();
    let keep: Vec<&str> = ranked[..MAX_EXTRA_FEATURES]
        .iter()
        .map(|(_, e)| e.name.as_str())
        .collect();
    let kept = extras
        .iter()
        .filter(|e| keep.contains(&e.name.as_str()))
        .collect();
    (kept, left_out)
}

/// Extra columns whose largest value exceeds this (and that are never negative) are
/// counters or byte sizes spanning several decades and get a log transform. Rates, shares
/// and small counts (KDD's `count` up to 511, UNSW's TTLs up to 255) stay linear: on the
/// labeled sets, logging those blurs the very spikes that mark attacks.
pub const LOG_SPAN: f64 = 1000.0;

/// Whether a column (NaN for missing) is non-negative and reaches beyond [`LOG_SPAN`].
fn spans_decades(values: &[f64]) -> bool {
    let present = values.iter().filter(|v| !v.is_nan());
    let (min, max) = present.fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    min >= 0.0 && max > LOG_SPAN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_extras_spanning_three_decades_are_logged() {
        assert!(spans_decades(&[0.0, 5.0, f64::NAN, 1_000_000.0]));
        assert!(!spans_decades(&[0.0, 255.0, 511.0]));
        assert!(!spans_decades(&[0.0, 1000.0]));
        assert!(!spans_decades(&[-1.0, 50_000.0]));
        assert!(!spans_decades(&[f64::NAN]));
    }

    #[test]
    fn clock_helpers() {
        let s = FeatureSettings::default();
        // 2024-04-25T23:00:00Z is a Thursday, 23h: off hours.
        let t = 1_714_086_000_000_000;
        assert_eq!(hour_of_day(t, &s), 23);
        assert_eq!(weekday(t, &s), 3);
        assert!(is_off_hours(t, &s));
        // 2024-04-26T09:50:00Z, Friday morning: business time.
        let t2 = 1_714_125_000_000_000;
        assert_eq!(hour_of_day(t2, &s), 9);
        assert!(!is_off_hours(t2, &s));
        // Saturday noon is off hours.
        assert!(is_off_hours(
            t2 + 24 * 3_600_000_000 + 2 * 3_600_000_000,
            &s
        ));
        let shifted = FeatureSettings {
            utc_offset_hours: -4,
            ..s
        };
        assert_eq!(hour_of_day(t, &shifted), 19);
    }
}
