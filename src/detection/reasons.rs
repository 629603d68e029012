//! Plain-language reasons for a source's verdict, with the numbers behind them.

use crate::features::{median, FeatureMatrix, SourceStats};

use super::detectors::{DetectorKind, RuleThresholds, RulesDetector};
use super::pipeline::{DetectionSettings, LevelScores};

/// Formats a byte count with a binary-free decimal unit: 1234567 -> "1.2 MB".
pub fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Formats a length of time in microseconds, rounded: "42 s", "5 min", "3.5 h", "2.1 days".
pub fn human_span(us: i64) -> String {
    let s = us as f64 / 1e6;
    match s {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s if s < 129_600.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86_400.0),
    }
}

/// Formats a count with thousands separators.
pub fn human_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a source feature means, for explanations.
fn feature_meaning(name: &str) -> &str {
    match name {
        "log_events" => "event count",
        "log_bytes_sent_total" => "bytes sent in total",
        "log_bytes_sent_mean" => "bytes sent per event",
        "log_bytes_sent_max" => "largest single send",
        "log_bytes_received_total" => "bytes received in total",
        "log_bytes_received_mean" => "bytes received per event",
        "log_bytes_received_max" => "largest single receive",
        "log_distinct_destinations" => "distinct destinations",
        "log_distinct_ports" => "distinct destination ports",
        "failed_share" => "share of failed attempts",
        "log_active_hours" => "hours active",
        "off_hours_share" => "off-hours share",
        "log_peak_per_minute" => "peak events per minute",
        "regularity" => "timing regularity",
        other => other,
    }
}

/// Population figures the reasons compare a source against.
pub struct Population {
    /// Median events per source.
    pub median_events: f64,
}

impl Population {
    /// Computes the figures over `sources`.
    pub fn of<'a>(sources: impl Iterator<Item = &'a SourceStats>) -> Population {
        let events: Vec<f64> = sources.map(|s| s.events as f64).collect();
        Population {
            median_events: median(&events),
        }
    }
}

/// Everything the reasons for source number `index` draw on.
pub struct ReasonInputs<'a> {
    /// The per-source scores.
    pub scores: &'a LevelScores,
    /// The standardised source features (robust z per feature).
    pub standardised: &'a FeatureMatrix,
    /// Rule thresholds, when the rules ran.
    pub rules: Option<&'a RuleThresholds>,
    /// Population figures.
    pub population: &'a Population,
    /// The run's settings.
    pub settings: &'a DetectionSettings,
}

/// Up to three features of item `i` at least `min_z` robust deviations from the median,
/// farthest first, in words: "peak events per minute +7.7σ".
fn strongest_features(m: &FeatureMatrix, i: usize, min_z: f64) -> Vec<String> {
    let mut far: Vec<(f64, &str)> = m
        .names
        .iter()
        .zip(&m.columns)
        .map(|(n, c)| (c[i], n.as_str()))
        .filter(|(z, _)| z.abs() >= min_z)
        .collect();
    far.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    far.iter()
        .take(3)
        .map(|(z, n)| format!("{} {:+.1}σ", feature_meaning(n), z))
        .collect()
}

/// The reasons for source `i`, strongest evidence first.
pub fn source_reasons(s: &SourceStats, i: usize, inp: &ReasonInputs<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let z_of = |name: &str| {
        inp.standardised
            .names
            .iter()
            .position(|n| n == name)
            .map_or(0.0, |c| inp.standardised.columns[c][i])
    };
    // The forest's reason, kept aside when its score is only a little above ordinary (0.5):
    // it is given then only if nothing else explains the source.
    let mut forest_aside = None;
    if let Some(&raw) = inp
        .scores
        .raw
        .get(&DetectorKind::Forest)
        .and_then(|v| v.get(i))
    {
        if raw > 0.5 {
            let all = &inp.scores.raw[&DetectorKind::Forest];
            let below = all.iter().filter(|&&v| v < raw).count();
            let pct = 100.0 * below as f64 / all.len().max(1) as f64;
            let drivers = strongest_features(inp.standardised, i, 2.0);
            let mut text = format!("isolation forest score {raw:.2}, above {pct:.0}% of sources");
            if !drivers.is_empty() {
                text.push_str(&format!(" (driven by {})", drivers.join(", ")));
            }
            if raw >= 0.55 {
                out.push(text);
            } else {
                forest_aside = Some(text);
            }
        }
    }
    let forest_given = !out.is_empty();
    if let Some(t) = inp.rules {
        let [volume, bytes, off_hours] = RulesDetector::fired(s, t);
        if volume {
            let ratio = s.events as f64 / inp.population.median_events.max(1.0);
            out.push(format!(
                "{} events, {:.0}x the median source (p{:.0} is {:.0})",
                human_count(s.events),
                ratio,
                inp.settings.percentile,
                t.events
            ));
        }
        if bytes {
            if let (Some(a), Some(m)) = (s.bytes_sent, t.mean_bytes) {
                out.push(format!(
                    "mean {} sent per event, above the p{:.0} of sources ({})",
                    human_bytes(a.mean),
                    inp.settings.percentile,
                    human_bytes(m)
                ));
            }
        }
        if off_hours {
            out.push(format!(
                "{:.0}% of events outside business hours ({})",
                100.0 * s.off_hours_share.unwrap_or(0.0),
                inp.settings.features.describe()
            ));
        }
    }
    if let Some(share) = s.failed_share.filter(|&x| x >= 0.5 && s.events >= 3) {
        out.push(format!(
            "{:.0}% of attempts failed or were refused",
            100.0 * share
        ));
    }
    if s.distinct_ports >= 10 && z_of("log_distinct_ports") >= 3.0 {
        out.push(format!(
            "probed {} distinct destination ports",
            human_count(s.distinct_ports as u64)
        ));
    }
    if s.distinct_destinations >= 10 && z_of("log_distinct_destinations") >= 3.0 {
        out.push(format!(
            "contacted {} distinct destination hosts",
            human_count(s.distinct_destinations as u64)
        ));
    }
    if s.peak_per_minute >= 20 && z_of("log_peak_per_minute") >= 3.0 {
        out.push(format!(
            "peak of {} events in one minute",
            human_count(s.peak_per_minute)
        ));
    }
    if let Some(cv) = s.interarrival_cv.filter(|&cv| cv <= 0.2 && s.events >= 8) {
        out.push(format!(
            "regular timing, beacon-like (gap variation {cv:.2})"
        ));
    }
    if let Some(&b) = inp
        .scores
        .raw
        .get(&DetectorKind::Burst)
        .and_then(|v| v.get(i))
    {
        if b >= 3.0 {
            out.push(format!("burst of activity {b:.1}σ above its recent rate"));
        }
    }
    // The robust z-score detector counts from 3 deviations: name the features that far out,
    // unless the forest's reason already lists what drives it.
    let robust = inp
        .scores
        .raw
        .get(&DetectorKind::RobustZ)
        .is_some_and(|v| v.get(i).is_some_and(|&z| z >= 3.0));
    if robust && !forest_given {
        let far = strongest_features(inp.standardised, i, 3.0);
        if !far.is_empty() {
            out.push(format!("far from the median source: {}", far.join(", ")));
        }
    }
    if out.is_empty() {
        out.extend(forest_aside);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(999.0), "999 B");
        assert_eq!(human_bytes(1_234_567.0), "1.2 MB");
        assert_eq!(human_count(4812), "4,812");
        assert_eq!(human_count(12), "12");
        assert_eq!(human_span(42_000_000), "42 s");
        assert_eq!(human_span(300_000_000), "5 min");
        assert_eq!(human_span(12_600_000_000), "3.5 h");
        assert_eq!(human_span(181_440_000_000), "2.1 days");
    }
}
