//! Display of event times: RFC 3339 in UTC (what exports and reports keep), or in the zone the
//! analyst chose to read them in (UTC, this machine's zone, or any IANA zone), with the offset
//! always written so that no time is ambiguous.

use chrono::{DateTime, Local, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Formats microseconds since the Unix epoch as RFC 3339 UTC, e.g. `2024-04-25T23:00:00Z`.
pub fn format_utc(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| us.to_string())
}

/// The zone times are shown in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Zone {
    /// Coordinated Universal Time.
    #[default]
    Utc,
    /// The zone of the machine the window runs on.
    Local,
    /// An IANA zone by name (`Europe/Paris`), with its rules (daylight saving included).
    Named(String),
}

impl Zone {
    /// `UTC`, `local`, or an IANA zone name (case-insensitive); otherwise why not.
    pub fn parse(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("utc") || name == "Z" {
            return Ok(Zone::Utc);
        }
        if name.eq_ignore_ascii_case("local") {
            return Ok(Zone::Local);
        }
        chrono_tz::Tz::from_str_insensitive(name)
            .map(|tz| Zone::Named(tz.name().to_owned()))
            .map_err(|_| {
                format!("'{name}' is no time zone: give an IANA name such as Europe/Paris, or UTC")
            })
    }

    /// Its name for headers and captions: `UTC`, the machine's offset, or the IANA name.
    pub fn name(&self) -> String {
        match self {
            Zone::Utc => "UTC".into(),
            Zone::Local => format!(
                "this machine's time, {}",
                offset_text(Local::now().offset().fix().local_minus_utc())
            ),
            Zone::Named(n) => n.clone(),
        }
    }

    /// `us` in this zone with `fmt` (chrono's strftime syntax), and its offset from UTC in
    /// seconds.
    fn format(&self, us: i64, fmt: &str) -> Option<(String, i32)> {
        let t: DateTime<Utc> = DateTime::from_timestamp_micros(us)?;
        Some(match self {
            Zone::Utc => (t.format(fmt).to_string(), 0),
            Zone::Local => {
                let l = t.with_timezone(&Local);
                (
                    l.format(fmt).to_string(),
                    l.offset().fix().local_minus_utc(),
                )
            }
            Zone::Named(n) => {
                let tz: chrono_tz::Tz = n.parse().ok()?;
                let z = tz.from_utc_datetime(&t.naive_utc());
                (
                    z.format(fmt).to_string(),
                    z.offset().fix().local_minus_utc(),
                )
            }
        })
    }

    /// `us` in this zone with `fmt` (chrono's strftime syntax), without the offset: an axis
    /// label whose zone the axis names.
    pub fn strftime(&self, us: i64, fmt: &str) -> String {
        self.format(us, fmt).map(|(s, _)| s).unwrap_or_default()
    }

    /// `us` to the minute in this zone, with the offset unless the zone is UTC:
    /// `2024-04-25 23:00` or `2024-04-26 08:00 +09:00`.
    pub fn minute(&self, us: i64) -> String {
        match self.format(us, "%Y-%m-%d %H:%M") {
            Some((s, _)) if *self == Zone::Utc => s,
            Some((s, off)) => format!("{s} {}", offset_text(off).trim_start_matches("UTC")),
            None => format_utc(us),
        }
    }

    /// `us` whole in this zone, RFC 3339 with its offset (`Z` in UTC).
    pub fn instant(&self, us: i64) -> String {
        match self {
            Zone::Utc => format_utc(us),
            _ => match self.format(us, "%Y-%m-%dT%H:%M:%S%.f") {
                Some((s, off)) => {
                    format!("{s}{}", offset_text(off).trim_start_matches("UTC"))
                }
                None => format_utc(us),
            },
        }
    }
}

/// An offset from UTC in seconds as `UTC+09:00`, `UTC-05:30`.
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_zone_shows_its_offset_and_daylight_saving() {
        let tokyo = Zone::parse("asia/tokyo").unwrap();
        assert_eq!(tokyo, Zone::Named("Asia/Tokyo".into()));
        assert_eq!(
            tokyo.minute(1_714_086_000_000_000),
            "2024-04-26 08:00 +09:00"
        );
        assert_eq!(
            tokyo.instant(1_714_086_000_500_000),
            "2024-04-26T08:00:00.500+09:00"
        );
        // Paris in summer and in winter.
        let paris = Zone::parse("Europe/Paris").unwrap();
        assert_eq!(
            paris.minute(1_714_086_000_000_000),
            "2024-04-26 01:00 +02:00"
        );
        assert_eq!(
            paris.minute(1_704_067_200_000_000),
            "2024-01-01 01:00 +01:00"
        );
        assert_eq!(Zone::Utc.minute(1_714_086_000_000_000), "2024-04-25 23:00");
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert_eq!(Zone::parse("utc").unwrap(), Zone::Utc);
    }
}
