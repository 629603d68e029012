//! Volume attacks: one kind of flood-like event that makes up a large share of a file (ICMP
//! echo floods, half-open or refused TCP connections to one service, one web request over
//! and over). Such a flood is the attack, named with its evidence; and when it is most of the
//! file, the anomaly model learns it as the normal traffic, which the analyst must be told.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use crate::events::{EventTable, TcpFlags};
use crate::features::is_failure;

use super::{human_bytes, human_count};

/// Events a pattern needs before it is a flood rather than a burst of noise.
pub const FLOOD_EVENTS: usize = 1_000;

/// Share of a file's events a connection pattern needs to be a flood.
const FLOOD_SHARE: f64 = 0.10;

/// Share of a web log one identical request needs to be a request flood (a page is asked
/// for again and again by design; a third of the whole log is not).
const REQUEST_SHARE: f64 = 0.30;

/// Events a second a flood keeps up over its span, when times are known: one connection
/// attempt every 20 s for a day is a program retrying, not a flood.
const FLOOD_RATE: f64 = 5.0;

/// Rows looked at to find the candidate patterns; every row is then checked against them.
const SAMPLE: usize = 1 << 18;

/// What kind of flood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FloodKind {
    /// ICMP echo requests or replies (smurf, ping floods).
    Icmp,
    /// TCP connections never answered or refused, with no payload (SYN floods).
    HalfOpen,
    /// The same web request again and again.
    Request,
}

impl FloodKind {
    /// The flood's name for the analyst.
    pub fn name(self) -> &'static str {
        match self {
            FloodKind::Icmp => "ICMP flood",
            FloodKind::HalfOpen => "SYN flood",
            FloodKind::Request => "Request flood",
        }
    }
}

/// The pattern a flood's events share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Pattern {
    kind: FloodKind,
    /// The service (application protocol) or the request line.
    what: Option<String>,
    target: Option<IpAddr>,
    port: Option<u16>,
}

/// One volume attack in a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeAttack {
    /// What kind.
    pub kind: FloodKind,
    /// One sentence with the evidence.
    pub summary: String,
    /// Its events.
    pub events: usize,
    /// Its share of the file's events.
    pub share: f64,
    /// Its target, when the log names destinations.
    pub target: Option<IpAddr>,
    /// Its events (table rows), in table order.
    #[serde(skip)]
    pub rows: Vec<u32>,
}

/// The flood pattern of `row`, if it is flood-like at all.
fn pattern(t: &EventTable, row: usize) -> Option<Pattern> {
    let kind = match t.transport(row) {
        Some("icmp" | "icmp6" | "ipv6-icmp") => FloodKind::Icmp,
        Some("tcp") => {
            let refused = t.outcome(row).is_some_and(is_failure)
                || t.tcp_flags(row)
                    .is_some_and(|f| f.0 & (TcpFlags::SYN | TcpFlags::ACK) == TcpFlags::SYN);
            if !refused || t.bytes_sent(row).is_some_and(|b| b > 0.0) {
                return None;
            }
            FloodKind::HalfOpen
        }
        _ if t.app_protocol(row) == Some("http") => FloodKind::Request,
        _ => return None,
    };
    let what = match kind {
        FloodKind::Request => t.detail_plain(row)?,
        _ => t.app_protocol(row).unwrap_or(""),
    };
    Some(Pattern {
        kind,
        what: (!what.is_empty()).then(|| what.to_string()),
        target: t.destination_ip(row),
        port: match kind {
            FloodKind::Icmp => None,
            _ => t.destination_port(row),
        },
    })
}

/// What a flood's events carried: outcomes and payload sizes, the commonest first.
#[derive(Default)]
struct Tally {
    rows: Vec<u32>,
    outcomes: BTreeMap<String, usize>,
    sizes: BTreeMap<u64, usize>,
    sources: HashMap<IpAddr, usize>,
    first_us: Option<i64>,
    last_us: Option<i64>,
}

impl Tally {
    /// Whether it came fast enough to flood: always when the log has no times.
    fn fast(&self) -> bool {
        match (self.first_us, self.last_us) {
            (Some(a), Some(b)) => {
                self.rows.len() as f64 / ((b - a) as f64 / 1e6).max(1.0) >= FLOOD_RATE
            }
            _ => true,
        }
    }
}

/// The volume attacks of `t`, largest first.
pub fn volume_attacks(t: &EventTable) -> Vec<VolumeAttack> {
    let positions: Vec<u64> = (0..t.len() as u64).collect();
    let mut sample = FloodSample::of_rows(t.len());
    sample.add(t, &positions);
    let mut tally = sample.candidates(t.len());
    tally.add(t, &positions);
    tally.finish()
}

/// The first look for floods: the patterns of an even sample of a log's rows, which may be
/// given in parts (a streaming run's chunks), each row with its position in the log.
pub struct FloodSample {
    step: u64,
    looked: usize,
    sampled: HashMap<Pattern, usize>,
    /// While the log's length is unknown: the rows sampled, with their positions, thinned by
    /// doubling the step whenever they pass twice the sample's size.
    growing: Option<Vec<(u64, Option<Pattern>)>>,
}

impl FloodSample {
    /// The sample of a log of `rows` events: every `rows / 2^18`-th row.
    pub fn of_rows(rows: usize) -> FloodSample {
        FloodSample {
            step: rows.div_ceil(SAMPLE).max(1) as u64,
            looked: 0,
            sampled: HashMap::new(),
            growing: None,
        }
    }

    /// The sample of a log whose length is not known yet: as many rows, at an even step
    /// that doubles as the log grows.
    pub fn growing() -> FloodSample {
        FloodSample {
            step: 1,
            looked: 0,
            sampled: HashMap::new(),
            growing: Some(Vec::new()),
        }
    }

    /// Looks at the sampled rows of `t`, whose rows are at `positions` in the log.
    pub fn add(&mut self, t: &EventTable, positions: &[u64]) {
        for (row, &at) in positions.iter().enumerate() {
            if at % self.step != 0 {
                continue;
            }
            match &mut self.growing {
                None => {
                    self.looked += 1;
                    if let Some(p) = pattern(t, row) {
                        *self.sampled.entry(p).or_default() += 1;
                    }
                }
                Some(rows) => {
                    rows.push((at, pattern(t, row)));
                    if rows.len() > 2 * SAMPLE {
                        self.step *= 2;
                        let step = self.step;
                        rows.retain(|(at, _)| at % step == 0);
                    }
                }
            }
        }
    }

    /// The patterns common enough in the sample of a log of `rows` events to be counted
    /// exactly.
    pub fn candidates(self, rows: usize) -> FloodTally {
        let (looked, sampled) = match self.growing {
            None => (self.looked, self.sampled),
            Some(list) => {
                let mut sampled: HashMap<Pattern, usize> = HashMap::new();
                let looked = list.len();
                for p in list.into_iter().filter_map(|(_, p)| p) {
                    *sampled.entry(p).or_default() += 1;
                }
                (looked, sampled)
            }
        };
        // A little under the share in the sample, so that the exact count decides at the edge.
        let candidates = if rows < FLOOD_EVENTS {
            Vec::new()
        } else {
            sampled
                .into_iter()
                .filter(|(p, c)| *c as f64 >= 0.8 * share_needed(p.kind) * looked as f64)
                .map(|(p, _)| p)
                .collect()
        };
        FloodTally {
            rows,
            candidates,
            tallies: HashMap::new(),
        }
    }
}

/// The exact count of the candidate floods over every row of a log, given in parts.
pub struct FloodTally {
    rows: usize,
    candidates: Vec<Pattern>,
    tallies: HashMap<Pattern, Tally>,
}

impl FloodTally {
    /// Counts the rows of `t` (at `positions` in the log) that follow a candidate pattern.
    pub fn add(&mut self, t: &EventTable, positions: &[u64]) {
        if self.candidates.is_empty() {
            return;
        }
        for (row, &at) in positions.iter().enumerate() {
            let Some(p) = pattern(t, row).filter(|p| self.candidates.contains(p)) else {
                continue;
            };
            let x = self.tallies.entry(p).or_default();
            x.rows.push(u32::try_from(at).unwrap_or(u32::MAX));
            if let Some(o) = t.outcome(row) {
                *x.outcomes.entry(o.to_string()).or_default() += 1;
            }
            if let Some(b) = t.bytes_sent(row) {
                *x.sizes.entry(b as u64).or_default() += 1;
            }
            if let Some(s) = t.source_ip(row) {
                *x.sources.entry(s).or_default() += 1;
            }
            if let Some(us) = t.time_us(row) {
                x.first_us = Some(x.first_us.map_or(us, |f| f.min(us)));
                x.last_us = Some(x.last_us.map_or(us, |l| l.max(us)));
            }
        }
    }

    /// The floods, largest first, their rows in the log's order.
    pub fn finish(self) -> Vec<VolumeAttack> {
        let n = self.rows;
        let mut out: Vec<VolumeAttack> = self
            .tallies
            .into_iter()
            .filter(|(p, x)| {
                x.rows.len() >= FLOOD_EVENTS
                    && x.rows.len() as f64 >= share_needed(p.kind) * n as f64
                    && x.fast()
            })
            .map(|(p, mut x)| {
                x.rows.sort_unstable();
                describe(p, x, n)
            })
            .collect();
        out.sort_by(|a, b| b.events.cmp(&a.events).then(a.summary.cmp(&b.summary)));
        out
    }
}

fn share_needed(kind: FloodKind) -> f64 {
    match kind {
        FloodKind::Request => REQUEST_SHARE,
        _ => FLOOD_SHARE,
    }
}

/// "the commonest three: A ×n, B ×m".
fn top<K: ToString>(counts: impl IntoIterator<Item = (K, usize)>, show: usize) -> Vec<String> {
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(k, c)| (k.to_string(), c))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter()
        .take(show)
        .map(|(k, c)| format!("{k} ×{}", human_count(c as u64)))
        .collect()
}

fn describe(p: Pattern, x: Tally, n: usize) -> VolumeAttack {
    let events = x.rows.len();
    let share = events as f64 / n as f64;
    let to = match (p.target, p.port) {
        (Some(ip), Some(port)) => format!(" to {ip}:{port}"),
        (Some(ip), None) => format!(" to {ip}"),
        (None, Some(port)) => format!(" to port {port}"),
        (None, None) => String::new(),
    };
    let service = p
        .what
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let sizes = top(x.sizes.iter().map(|(b, c)| (human_bytes(*b as f64), *c)), 3);
    let what = match p.kind {
        FloodKind::Icmp => format!(
            "ICMP messages{service}{to}, payloads {}",
            if sizes.is_empty() {
                "unknown".to_string()
            } else {
                sizes.join(", ")
            }
        ),
        FloodKind::HalfOpen => format!(
            "TCP connections{service}{to} never answered or refused, with no payload ({})",
            top(x.outcomes.clone(), 3).join(", ")
        ),
        FloodKind::Request => format!(
            "the same request{to}, {}",
            super::behaviour::quote(p.what.as_deref().unwrap_or(""))
        ),
    };
    let from = match x.sources.len() {
        0 => String::new(),
        1 => format!(
            ", all from {}",
            x.sources
                .keys()
                .next()
                .map(IpAddr::to_string)
                .unwrap_or_default()
        ),
        k => format!(" from {} sources", human_count(k as u64)),
    };
    VolumeAttack {
        kind: p.kind,
        summary: format!(
            "{}: {} events ({:.0}% of the file) are {what}{from}",
            p.kind.name(),
            human_count(events as u64),
            100.0 * share
        ),
        events,
        share,
        target: p.target,
        rows: x.rows,
    }
}

/// What to tell the analyst when floods are most of the file: the anomaly model learns the
/// commonest traffic as normal, so it flagged the other traffic against the flood.
pub fn model_caveat(attacks: &[VolumeAttack], flagged_outside: usize) -> Option<String> {
    let share: f64 = attacks.iter().map(|a| a.share).sum();
    (share >= 0.5).then(|| {
        format!(
            "Floods are {:.0}% of the events: the anomaly model learns the commonest traffic as \
             normal, so it learned the floods as normal. The floods' events are marked as the \
             attack; the {} other events it flagged only differ from the flood, read them with \
             care",
            100.0 * share,
            human_count(flagged_outside as u64)
        )
    })
}
