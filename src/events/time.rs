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
    /// A fixed offset east of UTC in seconds, as a log writes its times (`+0100`).
    Fixed(i32),
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
        if let Some(off) = parse_offset(name) {
            return Ok(Zone::Fixed(off));
        }
        chrono_tz::Tz::from_str_insensitive(name)
            .map(|tz| Zone::Named(tz.name().to_owned()))
            .map_err(|_| {
                format!(
                    "'{name}' is no time zone: give an IANA name such as Europe/Paris, an offset \
                     such as +01:00, or UTC"
                )
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
            Zone::Fixed(s) => offset_text(*s),
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
            Zone::Fixed(s) => {
                let z = t.with_timezone(&chrono::FixedOffset::east_opt(*s)?);
                (z.format(fmt).to_string(), *s)
            }
        })
    }

    /// This zone's offset from UTC at `us`, in seconds east.
    pub fn offset_s(&self, us: i64) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(s) => *s,
            _ => self.format(us, "").map_or(0, |(_, off)| off),
        }
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

/// `+01:00`, `-0400`, `UTC+9` or `UTC-05:30` as seconds east of UTC, within ±18 hours.
fn parse_offset(text: &str) -> Option<i32> {
    let t = text.strip_prefix("UTC").unwrap_or(text);
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if h.is_empty()
        || h.len() > 2
        || m.len() > 2
        || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
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
        let log = Zone::parse("-0400").unwrap();
        assert_eq!(log, Zone::Fixed(-4 * 3600));
        assert_eq!(log.name(), "UTC-04:00");
        assert_eq!(
            log.strftime(1_096_811_662_000_000, "%d/%b/%Y:%H"),
            "03/Oct/2004:09"
        );
        assert_eq!(Zone::parse("UTC+05:30").unwrap(), Zone::Fixed(19_800));
        assert!(Zone::parse("+25").is_err());
        assert_eq!(Zone::parse("utc").unwrap(), Zone::Utc);
    }
}
