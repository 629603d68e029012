//! The per-event scores after the detectors: combined by noisy-OR, routine exchanges with
//! the network's infrastructure lowered, and every attack step of a finding raised.

use ipnet::IpNet;

use crate::events::EventTable;

use super::behaviour::{Finding, FindingKind};
use super::detectors::DetectorKind;
use super::roles::{is_internal, Role};

use super::pipeline::{combine, LevelScores, SourceVerdict};

/// The combined per-event score: the forest's raw score (which ranks best on its own) raised
/// by the other detectors' evidence through the same noisy-OR as the confidence.
pub(super) fn event_combined(events: &LevelScores, n: usize) -> Vec<f64> {
    (0..n)
        .map(|r| {
            let base = events.raw.get(&DetectorKind::Forest).map_or(0.0, |v| v[r]);
            let others = events
                .normalised(r)
                .filter(|(k, _)| !matches!(k, DetectorKind::Forest | DetectorKind::Burst));
            1.0 - (1.0 - base) * (1.0 - combine(others))
        })
        .collect()
}

/// How much of its statistical score an internal host's routine exchange with the network's
/// infrastructure keeps: a domain controller's SMB and RPC sessions are its job.
const ROUTINE: f64 = 0.5;

/// Lowers the scores of the events between internal hosts and the infrastructure (see
/// [`Role::Infrastructure`]) to [`ROUTINE`] of their value; attack steps are raised after.
pub(super) fn routine_infrastructure(
    table: &EventTable,
    sources: &[SourceVerdict],
    home: &[IpNet],
    scores: &mut [f64],
) {
    let ips = table.ips();
    let infra: std::collections::HashSet<u32> = sources
        .iter()
        .filter(|s| s.role == Role::Infrastructure)
        .filter_map(|s| ips.id_of(s.stats.ip))
        .collect();
    if infra.is_empty() {
        return;
    }
    let inside: Vec<bool> = ips.iter().map(|ip| is_internal(ip, home)).collect();
    for (r, score) in scores.iter_mut().enumerate() {
        if let (Some(s), Some(d)) = (table.source_ip_id(r), table.destination_ip_id(r)) {
            let routine = (infra.contains(&d) && inside[s as usize])
                || (infra.contains(&s) && inside[d as usize]);
            if routine {
                *score *= ROUTINE;
            }
        }
    }
}

/// Raises the score of every event that is an attack step of a finding
/// ([`FindingKind::marks_events`]) to at least the threshold, and higher for weightier
/// findings (0.5 + half the weight): a worm's requests are anomalous events on every day it
/// came, not only where their statistics stand out.
pub(super) fn mark_attack_steps<'a>(
    scores: &mut [f64],
    findings: impl Iterator<Item = &'a Finding>,
    threshold: f64,
) {
    for f in findings.filter(|f| f.kind.marks_events() && !f.context) {
        let floor = threshold.max(0.5 + 0.5 * f.weight);
        for &r in &f.rows {
            if let Some(s) = scores.get_mut(r as usize) {
                *s = s.max(floor);
            }
        }
    }
}

/// The events that are steps of a finding ([`FindingKind::marks_events`]), sorted by row,
/// each with the first party (in table order) and its worst finding naming it.
pub(super) fn attack_steps(sources: &[SourceVerdict]) -> Vec<(u32, u32, FindingKind)> {
    let mut steps: Vec<(u32, u32, FindingKind)> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.findings
                .iter()
                .filter(|f| f.kind.marks_events() && !f.context)
                .flat_map(move |f| f.rows.iter().map(move |&r| (r, i as u32, f.kind)))
        })
        .collect();
    // Findings are most severe first, so a stable sort keeps a party's worst one first.
    steps.sort_by_key(|s| (s.0, s.1));
    steps.dedup_by_key(|s| s.0);
    steps
}
