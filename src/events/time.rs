//! Display of event times.

/// Formats microseconds since the Unix epoch as RFC 3339 UTC, e.g. `2024-04-25T23:00:00Z`.
pub fn format_utc(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| us.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_with_and_without_fraction() {
        assert_eq!(
            super::format_utc(1_714_086_000_000_000),
            "2024-04-25T23:00:00Z"
        );
        assert_eq!(
            super::format_utc(1_714_086_000_500_000),
            "2024-04-25T23:00:00.500Z"
        );
    }
}
