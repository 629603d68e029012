//! Why each anomalous event is anomalous: the finding it is a step of, the flood it belongs
//! to, or the features that set it apart, with its values against the file's typical ones
//! ("received 24.3 KB (typical 251 B), to port 4444, an uncommon port").

use crate::events::EventTable;
use crate::features::FeatureMatrix;

use super::behaviour::FindingKind;
use super::{human_bytes, human_count, human_span};

/// Features named per anomalous event.
const DRIVERS: usize = 2;

/// How far from typical a feature must be to be named (robust z).
const NAMED_Z: f32 = 2.0;

/// A feature's place in the standardised matrix, to turn a z back into a value.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureScale {
    /// The feature's name.
    pub name: String,
    /// Its median (in the transformed space).
    pub centre: f64,
    /// Its robust scale.
    pub scale: f64,
    /// Whether the values were log-transformed (`ln(1 + v)`).
    pub logged: bool,
}

impl FeatureScale {
    fn value(&self, z: f64) -> f64 {
        let v = z * self.scale + self.centre;
        if self.logged {
            v.exp_m1().max(0.0)
        } else {
            v
        }
    }

    fn typical(&self) -> f64 {
        self.value(0.0)
    }
}

/// The features that set each anomalous event apart, kept only for the events that reached
/// the threshold on the detectors' scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventDrivers {
    /// The event features' scales, by column.
    pub features: Vec<FeatureScale>,
    /// Per such event (sorted by row): its row and its most distant features (column, z).
    pub rows: Vec<(u32, Vec<(u16, f32)>)>,
}

impl EventDrivers {
    /// The drivers of the events whose `score` reaches `threshold`, from the standardised
    /// matrix `m` and its `scales` ((centre, scale) per column).
    pub fn of(m: &FeatureMatrix, scales: &[(f64, f64)], score: &[f64], threshold: f64) -> Self {
        let features = m
            .names
            .iter()
            .zip(scales)
            .map(|(name, &(centre, scale))| FeatureScale {
                name: name.clone(),
                centre,
                scale,
                logged: name.starts_with("log_") || m.log_transformed.contains(name),
            })
            .collect();
        let rows = score
            .iter()
            .enumerate()
            .filter(|(_, &s)| s >= threshold)
            .map(|(r, _)| {
                let mut z: Vec<(u16, f32)> = m
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(c, col)| (c as u16, col.get(r) as f32))
                    .filter(|(_, z)| z.abs() >= NAMED_Z)
                    .collect();
                z.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
                z.truncate(DRIVERS);
                (r as u32, z)
            })
            .collect();
        EventDrivers { features, rows }
    }

    /// The drivers of `row`, when it has any.
    fn of_row(&self, row: usize) -> Option<&[(u16, f32)]> {
        let i = self
            .rows
            .binary_search_by_key(&(row as u32), |(r, _)| *r)
            .ok()?;
        Some(&self.rows[i].1)
            .filter(|d| !d.is_empty())
            .map(Vec::as_slice)
    }

    /// "received 24.3 KB (typical 251 B); to port 4444, an uncommon port".
    pub fn describe(&self, t: &EventTable, row: usize) -> Option<String> {
        let parts: Vec<String> = self
            .of_row(row)?
            .iter()
            .map(|&(c, z)| phrase(t, row, &self.features[c as usize], f64::from(z)))
            .collect();
        Some(parts.join("; "))
    }
}

/// One feature of one event in words.
fn phrase(t: &EventTable, row: usize, f: &FeatureScale, z: f64) -> String {
    let v = f.value(z);
    let typ = f.typical();
    let on = v >= 0.5;
    let vs = |value: String, typical: String| format!("{value} (typical {typical})");
    match f.name.as_str() {
        "log_bytes_sent" => format!("sent {}", vs(human_bytes(v), human_bytes(typ))),
        "log_bytes_received" => format!("received {}", vs(human_bytes(v), human_bytes(typ))),
        "log_packets_sent" => format!("{} packets sent (typical {typ:.0})", count(v)),
        "log_packets_received" => format!("{} packets received (typical {typ:.0})", count(v)),
        "log_duration" => format!(
            "lasted {}",
            vs(human_span((v * 1e6) as i64), human_span((typ * 1e6) as i64))
        ),
        "log_bytes_per_s" => vs(
            format!("{}/s", human_bytes(v)),
            format!("{}/s", human_bytes(typ)),
        ),
        "log_packets_per_s" => format!("{v:.1} packets/s (typical {typ:.1})"),
        "log_bytes_per_packet" => vs(format!("{} per packet", human_bytes(v)), human_bytes(typ)),
        "sent_ratio" => format!(
            "{:.0}% of its bytes from the source (typical {:.0}%)",
            100.0 * v.clamp(0.0, 1.0),
            100.0 * typ.clamp(0.0, 1.0)
        ),
        "hour" => format!(
            "at {:02}:00 (most events around {:02}:00)",
            v.round().clamp(0.0, 23.0) as u32,
            typ.round().clamp(0.0, 23.0) as u32
        ),
        "weekend" if on => "on a weekend".to_string(),
        "weekend" => "on a weekday, where most events are at weekends".to_string(),
        "off_hours" if on => "outside business hours".to_string(),
        "off_hours" => "within business hours, where most events are outside".to_string(),
        "src_private" if on => "from a private address".to_string(),
        "src_private" => "from a public address".to_string(),
        "dst_private" if on => "to a private address".to_string(),
        "dst_private" => "to a public address".to_string(),
        "dst_port_uncommon" => match (on, t.destination_port(row)) {
            (true, Some(p)) => format!("to port {p}, an uncommon port"),
            (true, None) => "to an uncommon port".to_string(),
            (false, _) => "to a common port, where most events use uncommon ones".to_string(),
        },
        name if name.starts_with("flag_") => {
            let flag = name["flag_".len()..].to_ascii_uppercase();
            if on {
                format!("TCP flag {flag} set")
            } else {
                format!("without TCP flag {flag}")
            }
        }
        name => {
            let raw = t.extra(name, row).map_or(v, f64::from);
            format!("{name} {} (typical {})", number(raw), number(typ))
        }
    }
}

fn count(v: f64) -> String {
    human_count(v.round().max(0.0) as u64)
}

/// A number in as few digits as it needs.
fn number(v: f64) -> String {
    if (v.fract().abs() < 1e-9 && v.abs() < 1e15) || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Why an event that is a step of a finding is anomalous: "Malware traffic of 172.16.0.149".
pub fn step_reason(kind: FindingKind, party: &str) -> String {
    format!("{} ({party})", kind.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_turn_a_z_back_into_the_value() {
        let f = FeatureScale {
            name: "log_bytes_received".into(),
            centre: 251f64.ln_1p(),
            scale: 1.0,
            logged: true,
        };
        assert!((f.typical() - 251.0).abs() < 1e-6);
        let z = 24_323f64.ln_1p() - 251f64.ln_1p();
        assert!((f.value(z) - 24_323.0).abs() < 1e-6);
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.125), "0.12");
    }
}
