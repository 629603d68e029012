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

/// Formats a count with thousands separators (up to the size of the IPv6 space).
pub fn human_count(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A source feature in words: its raw value from the statistics, a sentence template with
/// `{}` for the value, and how the value is written.
struct Phrase {
    value: f64,
    template: &'static str,
    unit: fn(f64) -> String,
}

fn whole(v: f64) -> String {
    human_count(v.round().max(0.0) as u64)
}

fn bytes(v: f64) -> String {
    human_bytes(v)
}

fn percent(v: f64) -> String {
    format!("{:.0}%", 100.0 * v)
}

fn events(v: f64) -> String {
    match whole(v).as_str() {
        "1" => "1 event".to_string(),
        n => format!("{n} events"),
    }
}

fn two_places(v: f64) -> String {
    format!("{v:.2}")
}

/// The phrase of source feature `name` for `s`, when the statistics hold its value.
fn phrase(name: &str, s: &SourceStats) -> Option<Phrase> {
    let p = |value: f64, template, unit| {
        Some(Phrase {
            value,
            template,
            unit,
        })
    };
    match name {
        "log_events" => p(s.events as f64, "{}", events),
        "log_bytes_sent_total" => p(s.bytes_sent?.total, "{} sent in total", bytes),
        "log_bytes_sent_mean" => p(s.bytes_sent?.mean, "{} sent per event", bytes),
        "log_bytes_sent_max" => p(s.bytes_sent?.max, "largest single send {}", bytes),
        "log_bytes_received_total" => p(s.bytes_received?.total, "{} received in total", bytes),
        "log_bytes_received_mean" => p(s.bytes_received?.mean, "{} received per event", bytes),
        "log_bytes_received_max" => p(s.bytes_received?.max, "largest single receive {}", bytes),
        "log_distinct_destinations" => p(
            s.distinct_destinations as f64,
            "{} distinct destinations",
            whole,
        ),
        "log_distinct_ports" => p(
            s.distinct_ports as f64,
            "{} distinct destination ports",
            whole,
        ),
        "failed_share" => p(s.failed_share?, "{} of attempts failed", percent),
        "log_active_hours" => p(s.active_hours as f64, "active in {} distinct hours", whole),
        "off_hours_share" => p(s.off_hours_share?, "{} of events off-hours", percent),
        "log_peak_per_minute" => p(s.peak_per_minute as f64, "busiest minute held {}", events),
        "regularity" => p(
            s.interarrival_cv?,
            "gap variation {} between events",
            two_places,
        ),
        _ => None,
    }
}

/// Population figures the reasons compare a source against.
pub struct Population {
    /// Median events per source.
    pub median_events: f64,
    /// Median raw value of each source feature, by feature name.
    medians: Vec<(String, f64)>,
}

impl Population {
    /// Computes the figures over `sources`, for the source features named in `features`.
    pub fn of(sources: &[SourceStats], features: &[String]) -> Population {
        let events: Vec<f64> = sources.iter().map(|s| s.events as f64).collect();
        let medians = features
            .iter()
            .filter_map(|name| {
                let values: Vec<f64> = sources
                    .iter()
                    .filter_map(|s| phrase(name, s).map(|p| p.value))
                    .collect();
                (!values.is_empty()).then(|| (name.clone(), median(&values)))
            })
            .collect();
        Population {
            median_events: median(&events),
            medians,
        }
    }

    fn median_of(&self, name: &str) -> Option<f64> {
        self.medians.iter().find(|(n, _)| n == name).map(|m| m.1)
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
    /// The forest's scores sorted (NaN left out): a source's rank is one binary search.
    forest_sorted: Vec<f64>,
}

impl<'a> ReasonInputs<'a> {
    /// The inputs, with the forest's scores sorted once for every source's rank.
    pub fn new(
        scores: &'a LevelScores,
        standardised: &'a FeatureMatrix,
        rules: Option<&'a RuleThresholds>,
        population: &'a Population,
        settings: &'a DetectionSettings,
    ) -> Self {
        let mut forest_sorted: Vec<f64> = scores
            .raw
            .get(&DetectorKind::Forest)
            .map(|v| v.iter().copied().filter(|x| !x.is_nan()).collect())
            .unwrap_or_default();
        forest_sorted.sort_unstable_by(f64::total_cmp);
        ReasonInputs {
            scores,
            standardised,
            rules,
            population,
            settings,
            forest_sorted,
        }
    }
}

/// Up to three features of source `i` at least `min_z` robust deviations from the median,
/// farthest first, in words with the typical value: "active in 40 distinct hours (median
/// source 1)".
fn strongest_features(
    inp: &ReasonInputs<'_>,
    s: &SourceStats,
    i: usize,
    min_z: f64,
) -> Vec<String> {
    let m = inp.standardised;
    let mut far: Vec<(f64, &str)> = m
        .names
        .iter()
        .zip(&m.columns)
        .map(|(n, c)| (c.get(i), n.as_str()))
        .filter(|(z, _)| z.abs() >= min_z)
        .collect();
    far.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    far.iter()
        .filter_map(|(_, n)| {
            let p = phrase(n, s)?;
            let text = p.template.replace("{}", &(p.unit)(p.value));
            Some(match inp.population.median_of(n) {
                Some(med) => format!("{text} (median source {})", (p.unit)(med)),
                None => text,
            })
        })
        .take(3)
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
            .map_or(0.0, |c| inp.standardised.columns[c].get(i))
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
            let below = inp.forest_sorted.partition_point(|&v| v < raw);
            // Floored, so that only the single most isolated source reads as such.
            let pct = (100.0 * below as f64 / all.len().max(1) as f64).floor();
            let rank = if below + 1 >= all.len() {
                format!("the most isolated of {} sources", all.len())
            } else {
                format!("more isolated than {pct:.0}% of sources")
            };
            let drivers = strongest_features(inp, s, i, 2.0);
            let text = if drivers.is_empty() {
                format!("{rank} (forest score {raw:.2}), though no single measure stands out")
            } else {
                format!(
                    "{}: together {rank} (forest score {raw:.2})",
                    drivers.join("; ")
                )
            };
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
            out.push(format!(
                "burst of activity: its busiest window rose {b:.1} standard deviations above \
                 its own recent rate"
            ));
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
        let far = strongest_features(inp, s, i, 3.0);
        if !far.is_empty() {
            out.push(format!("far from the median source: {}", far.join("; ")));
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
        assert_eq!(human_count(4812u64), "4,812");
        assert_eq!(human_count(12u64), "12");
        assert_eq!(human_span(42_000_000), "42 s");
        assert_eq!(human_span(300_000_000), "5 min");
        assert_eq!(human_span(12_600_000_000), "3.5 h");
        assert_eq!(human_span(181_440_000_000), "2.1 days");
    }
}
