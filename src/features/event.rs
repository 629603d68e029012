//! Per-event features, computed from whatever fields the events carry.

use crate::events::{EventTable, TcpFlags};

use super::address::{is_common_port, is_private};
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

/// Whether `time_us` falls outside business hours or on a weekend.
pub fn is_off_hours(time_us: i64, settings: &FeatureSettings) -> bool {
    let h = hour_of_day(time_us, settings);
    let (start, end) = (
        u32::from(settings.business_start_hour),
        u32::from(settings.business_end_hour),
    );
    !(start..end).contains(&h) || weekday(time_us, settings) >= 5
}

fn ln1p(v: f64) -> f64 {
    v.max(0.0).ln_1p()
}

fn column(n: usize, f: impl Fn(usize) -> Option<f64>) -> Vec<f64> {
    (0..n).map(|r| f(r).unwrap_or(f64::NAN)).collect()
}

/// Builds the event feature matrix. Heavy-tailed quantities are log-transformed; features
/// whose inputs a file lacks are left out (not zero-filled); constant features are dropped.
/// The extra numeric columns follow, log-transformed when non-negative and heavy-tailed.
pub fn event_features(t: &EventTable, settings: &FeatureSettings) -> FeatureMatrix {
    let n = t.len();
    let mut m = FeatureMatrix::default();
    let total_bytes = |r| match (t.bytes_sent(r), t.bytes_received(r)) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    let total_packets = |r| match (t.packets_sent(r), t.packets_received(r)) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    m.push_imputed("log_bytes_sent", column(n, |r| t.bytes_sent(r).map(ln1p)));
    m.push_imputed(
        "log_bytes_received",
        column(n, |r| t.bytes_received(r).map(ln1p)),
    );
    m.push_imputed(
        "log_packets_sent",
        column(n, |r| t.packets_sent(r).map(ln1p)),
    );
    m.push_imputed(
        "log_packets_received",
        column(n, |r| t.packets_received(r).map(ln1p)),
    );
    m.push_imputed("log_duration", column(n, |r| t.duration_s(r).map(ln1p)));
    m.push_imputed(
        "log_bytes_per_s",
        column(n, |r| {
            Some(ln1p(total_bytes(r)? / t.duration_s(r)?.max(1e-3)))
        }),
    );
    m.push_imputed(
        "log_packets_per_s",
        column(n, |r| {
            Some(ln1p(total_packets(r)? / t.duration_s(r)?.max(1e-3)))
        }),
    );
    m.push_imputed(
        "log_bytes_per_packet",
        column(n, |r| {
            Some(ln1p(total_bytes(r)? / total_packets(r)?.max(1.0)))
        }),
    );
    m.push_imputed(
        "sent_ratio",
        column(n, |r| {
            let (s, v) = (t.bytes_sent(r)?, t.bytes_received(r)?);
            Some(if s + v > 0.0 { s / (s + v) } else { 0.5 })
        }),
    );
    m.push_imputed(
        "hour",
        column(n, |r| {
            t.time_us(r).map(|us| f64::from(hour_of_day(us, settings)))
        }),
    );
    m.push_imputed(
        "weekend",
        column(n, |r| {
            t.time_us(r)
                .map(|us| f64::from(u8::from(weekday(us, settings) >= 5)))
        }),
    );
    m.push_imputed(
        "off_hours",
        column(n, |r| {
            t.time_us(r)
                .map(|us| f64::from(u8::from(is_off_hours(us, settings))))
        }),
    );
    for (bit, name) in TcpFlags::NAMES.iter().enumerate() {
        m.push_imputed(
            &format!("flag_{}", name.to_ascii_lowercase()),
            column(n, |r| t.tcp_flags(r).map(|f| f64::from((f.0 >> bit) & 1))),
        );
    }
    m.push_imputed(
        "src_private",
        column(n, |r| {
            t.source_ip(r).map(|ip| f64::from(u8::from(is_private(ip))))
        }),
    );
    m.push_imputed(
        "dst_private",
        column(n, |r| {
            t.destination_ip(r)
                .map(|ip| f64::from(u8::from(is_private(ip))))
        }),
    );
    m.push_imputed(
        "dst_port_uncommon",
        column(n, |r| {
            t.destination_port(r)
                .map(|p| f64::from(u8::from(!is_common_port(p))))
        }),
    );
    for extra in t.extras() {
        let mut values: Vec<f64> = (0..n)
            .map(|r| extra.values.get(r).map_or(f64::NAN, f64::from))
            .map(|v| if v.is_finite() { v } else { f64::NAN })
            .collect();
        let present = values.iter().filter(|v| !v.is_nan());
        let (min, max) = present.fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        if min >= 0.0 && max > 100.0 {
            for v in &mut values {
                *v = v.ln_1p();
            }
        }
        m.push_imputed(&extra.name, values);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

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
