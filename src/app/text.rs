//! Number, size and time formatting for the window.

use crate::events::Zone;

/// The app's own text styles, by name, with their size at normal scale (presentation mode
/// scales them like the built-in ones): key figures, the app name, large, lead, section titles.
pub const NAMED_STYLES: [(&str, f32); 5] = [
    ("figure", 30.0),
    ("brand", 24.0),
    ("large", 20.0),
    ("lead", 18.0),
    ("section", 16.0),
];

/// One of [`NAMED_STYLES`].
pub fn style(name: &'static str) -> eframe::egui::TextStyle {
    eframe::egui::TextStyle::Name(name.into())
}

/// Formats an integer with thousands separators: 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    crate::detection::human_count(n)
}

/// `n` with separators and the singular or plural noun: "1 file", "2,004 events".
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// A byte count in the largest fitting binary unit: "61 KB", "3.8 MB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// The change from `before` to `now` as "+12%", "−3%" or "±0%"; `None` when `before` is 0.
pub fn change(now: u64, before: u64) -> Option<String> {
    if before == 0 {
        return None;
    }
    let change = (now as f64 - before as f64) / before as f64 * 100.0;
    let sign = if change > 0.5 {
        "+"
    } else if change < -0.5 {
        "−"
    } else {
        "±"
    };
    Some(format!("{sign}{:.0}%", change.abs()))
}

/// The zone the window shows times in (one window per process: set from Settings and kept
/// with the investigation).
static ZONE: std::sync::RwLock<Zone> = std::sync::RwLock::new(Zone::Utc);

/// Shows times in `zone` from the next frame on.
pub fn set_zone(zone: Zone) {
    if let Ok(mut z) = ZONE.write() {
        *z = zone;
    }
}

/// The zone the window shows times in.
pub fn zone() -> Zone {
    ZONE.read().map(|z| z.clone()).unwrap_or_default()
}

/// A time to the minute in the zone shown, "2024-04-25 23:00" in UTC, with the offset in
/// another zone: "2024-04-26 08:00 +09:00".
pub fn minute(us: i64) -> String {
    zone().minute(us)
}

/// A time whole in the zone shown, RFC 3339 with its offset.
pub fn instant(us: i64) -> String {
    zone().instant(us)
}

/// " UTC" when times are shown in UTC (the others carry their offset): after a time range.
pub fn utc_suffix() -> &'static str {
    if zone() == Zone::Utc {
        " UTC"
    } else {
        ""
    }
}

/// A time range to the minute, "2024-04-25 23:00 – 2024-04-26 09:50", dropping the second
/// date when both ends fall on the same day.
pub fn time_range(first_us: i64, last_us: i64) -> String {
    let (a, b) = (minute(first_us), minute(last_us));
    match (a.split_once(' '), b.split_once(' ')) {
        (Some((day_a, _)), Some((day_b, time_b))) if day_a == day_b => {
            if a == b {
                a
            } else {
                format!("{a} – {time_b}")
            }
        }
        _ => format!("{a} – {b}"),
    }
}

/// Log text as it is safe to show: control characters written as `\xNN` (a byte the reader
/// could not decode arrives as the character of that byte's value, so `\x90` is the raw byte
/// 0x90) and bidirectional controls as `\u{202e}`, so that no text draws as missing-glyph boxes
/// or reorders what follows it.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else if c.is_control() || crate::detection::behaviour::is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn counts_and_sizes() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(25192, "event", "events"), "25,192 events");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(61 * 1024 + 300), "61 KB");
        assert_eq!(bytes(3_980_000), "3.8 MB");
    }

    #[test]
    fn time_ranges() {
        let t = 1_714_086_000_000_000; // 2024-04-25T23:00:00Z
        assert_eq!(minute(t), "2024-04-25 23:00");
        assert_eq!(time_range(t, t), "2024-04-25 23:00");
        assert_eq!(
            time_range(t, t + 30 * 60_000_000),
            "2024-04-25 23:00 – 23:30"
        );
        assert_eq!(
            time_range(t, t + 3 * 3_600_000_000),
            "2024-04-25 23:00 – 2024-04-26 02:00"
        );
    }

    /// The WebDAV overflow request of honeynet-redhat71_access_log.13 starts
    /// `SEARCH /` 0x90 0x02 0xb1 0x02: the reader keeps undecodable bytes as the characters of
    /// their values, which show escaped, except a printable one such as ±.
    #[test]
    fn control_characters_show_escaped() {
        assert_eq!(
            printable("SEARCH /\u{90}\u{2}\u{b1}\u{2}"),
            "SEARCH /\\x90\\x02±\\x02"
        );
        assert_eq!(printable("tab\there"), "tab\\x09here");
        assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(printable("中文 Ж ⚠"), "中文 Ж ⚠");
    }
}
