//! Judging the sources of a log held as shards rather than one table (the streaming path,
//! `crate::streaming`): every shard holds every event of its sources, in the order of the
//! whole log, so each source's statistics, bursts and findings come from its shard alone; what
//! spans sources (which addresses receive, the network's services, the names addresses were
//! reached by, the parties that only received) is gathered from every shard and merged before
//! the verdicts are assembled, by the same code as the in-memory run's.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::events::{EventDraft, EventTable, FileId};
use crate::features::{receiver_stats, source_features, source_stats, SourceStats};

use super::behaviour::{
    gather_findings, place_findings, Finding, GatheredFindings, PartyFindings, SourceCounts,
    UploadClaim,
};
use super::detectors::LevelInputs;
use super::names::names_by_address;
use super::pipeline::{
    activity, run_level, source_burst, Cancelled, Detection, DetectionSettings, PartyInputs,
    SourceJudgement,
};
use super::roles::{answers, Received, ServiceUse};
use super::sharded_events::EventWork;
use super::NAMES_KEPT;

/// One shard's events, with each row's position in the whole log.
pub struct Shard {
    /// The events.
    pub table: EventTable,
    /// Each row's position in the whole log, increasing.
    pub positions: Vec<u64>,
}

/// Reads shard `k` of a log into memory.
pub type ShardLoader<'a> = dyn Fn(usize) -> io::Result<Shard> + Sync + 'a;

/// Why judging shards stopped.
#[derive(Debug)]
pub enum ShardError {
    /// The analyst cancelled.
    Cancelled,
    /// A shard could not be read back.
    Io(io::Error),
    /// The log holds what a shard cannot judge alone.
    Unsupported(String),
}

impl From<Cancelled> for ShardError {
    fn from(_: Cancelled) -> Self {
        ShardError::Cancelled
    }
}

/// What one source of a shard brings to the verdicts.
#[derive(Serialize, Deserialize)]
struct Part {
    first: u64,
    stats: SourceStats,
    burst: f64,
    findings: Vec<Finding>,
    /// Each finding's rows (positions in the whole log), which a finding's own serialised
    /// form leaves out.
    finding_rows: Vec<Vec<u32>>,
    answers: u64,
    activity: Option<String>,
}

/// What one shard's sources bring to the verdicts, with its share of what spans sources:
/// the verdicts of several shards merge ([`ShardVerdicts::merge`]) into those of the whole
/// log, whichever shards they were and in whatever order they came. It crosses the wire
/// when the shards are judged where the data lives ([`ShardVerdicts::to_bytes`]).
#[derive(Default, Serialize, Deserialize)]
pub struct ShardVerdicts {
    parts: Vec<Part>,
    received: Received,
    services: ServiceUse,
    names: Vec<(IpAddr, BTreeSet<String>)>,
    // Where beacons go and where uploads went, each with its caller's first position.
    beacons: Vec<(u64, IpAddr, IpAddr, String)>,
    uploads: Vec<(u64, UploadClaim)>,
}

impl ShardVerdicts {
    /// Adds the verdicts of another shard of the same log.
    pub fn merge(&mut self, other: ShardVerdicts) {
        self.parts.extend(other.parts);
        self.received.merge(other.received);
        self.services.merge(other.services);
        self.names.extend(other.names);
        self.beacons.extend(other.beacons);
        self.uploads.extend(other.uploads);
    }

    /// Sources judged.
    pub fn sources(&self) -> usize {
        self.parts.len()
    }

    /// The verdicts in a compact binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("shard verdicts always serialise")
    }

    /// Verdicts written by [`ShardVerdicts::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<ShardVerdicts, String> {
        let mut v: ShardVerdicts =
            postcard::from_bytes(bytes).map_err(|e| format!("damaged shard verdicts: {e}"))?;
        for p in &mut v.parts {
            for (f, rows) in p
                .findings
                .iter_mut()
                .zip(std::mem::take(&mut p.finding_rows))
            {
                f.rows = rows;
            }
        }
        Ok(v)
    }
}

/// Judges the sources of one shard: every event of its sources, in the order of the whole
/// log (`counts` are the whole log's, see [`SourceCounts`]).
pub fn judge_shard(
    shard: Shard,
    counts: &SourceCounts,
    settings: &DetectionSettings,
) -> Result<ShardVerdicts, ShardError> {
    let Shard { table, positions } = shard;
    let stats = source_stats(&table, &settings.features);
    let bursts = source_burst(&table, &stats);
    let GatheredFindings {
        sources: found,
        alerts,
        beacons: shard_beacons,
        uploads: shard_uploads,
        ..
    } = gather_findings(&table, &stats, settings.intel.as_deref(), Some(counts));
    if alerts {
        return Err(ShardError::Unsupported(
            "IDS alerts or malware notices, which are judged across sources".into(),
        ));
    }
    let mut v = ShardVerdicts {
        received: Received::of(&table),
        services: ServiceUse::of(&table, &settings.home),
        names: names_by_address(&table)
            .into_iter()
            .map(|(id, set)| (table.ips().resolve(id), set))
            .collect(),
        ..ShardVerdicts::default()
    };
    let global = |rows: &mut Vec<u32>| {
        for r in rows.iter_mut() {
            *r = u32::try_from(positions[*r as usize]).unwrap_or(u32::MAX);
        }
    };
    let first_of: HashMap<IpAddr, u64> = stats
        .iter()
        .map(|s| (s.ip, positions[s.rows[0] as usize]))
        .collect();
    for (dst, callers) in shard_beacons {
        for (src, line) in callers {
            v.beacons.push((first_of[&src], dst, src, line));
        }
    }
    for mut c in shard_uploads {
        global(&mut c.rows);
        v.uploads.push((first_of[&c.sender], c));
    }
    for ((mut s, mut f), burst) in stats.into_iter().zip(found).zip(bursts) {
        let first = positions[s.rows[0] as usize];
        let answers = answers(&table, &s.rows);
        let activity =
            (settings.features.honeypot && !s.rows.is_empty()).then(|| activity(&table, &s.rows));
        f.iter_mut().for_each(|f| global(&mut f.rows));
        s.rows = Vec::new();
        v.parts.push(Part {
            first,
            stats: s,
            burst,
            finding_rows: f.iter().map(|f| f.rows.clone()).collect(),
            findings: f,
            answers,
            activity,
        });
    }
    Ok(v)
}

/// Judges the sources of a log of `count` shards, read one at a time by `load`: the same
/// verdicts as [`super::detect`] on the whole log in one table, with the events' fields empty
/// (their scores are not computed here) and no floods. With `web` (the log has web requests
/// or protocol parts, see [`SourceCounts::needed`]), the shards are first read once for the
/// sources behind each referer host and user agent. With `events`, each shard is shown to it
/// as it is judged ([`EventWork::judged`]).
pub fn judge_shards(
    count: usize,
    load: &ShardLoader<'_>,
    web: bool,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
    mut events: Option<&mut EventWork>,
) -> Result<Detection, ShardError> {
    let mut counts = SourceCounts::default();
    if web {
        for k in 0..count {
            if cancel.load(Ordering::Relaxed) {
                return Err(ShardError::Cancelled);
            }
            counts.add(SourceCounts::of(&load(k).map_err(ShardError::Io)?.table));
        }
    }
    let mut verdicts = ShardVerdicts::default();
    for k in 0..count {
        if cancel.load(Ordering::Relaxed) {
            return Err(ShardError::Cancelled);
        }
        let shard = load(k).map_err(ShardError::Io)?;
        if let Some(work) = events.as_deref_mut() {
            work.judged(&shard);
        }
        verdicts.merge(judge_shard(shard, &counts, settings)?);
    }
    let gather = |wanted: &HashSet<IpAddr>| -> Result<Vec<Addressed>, ShardError> {
        let mut gathered = Vec::new();
        for k in 0..count {
            let Shard { table, positions } = load(k).map_err(ShardError::Io)?;
            gathered.extend(addressed_to(&table, &positions, wanted));
        }
        Ok(gathered)
    };
    assemble_verdicts(verdicts, &gather, settings, cancel)
}

/// An event addressed to a party that only received: its position in the whole log, file,
/// line and values, and the names of the extra columns its values are indexed by.
pub type Addressed = (u64, FileId, u32, EventDraft, Arc<[String]>);

/// The events of `table` (one shard, rows at `positions` of the whole log) addressed to one
/// of `wanted`.
pub fn addressed_to(
    table: &EventTable,
    positions: &[u64],
    wanted: &HashSet<IpAddr>,
) -> Vec<Addressed> {
    events_where(table, positions, |r| {
        table.destination_ip(r).is_some_and(|d| wanted.contains(&d))
    })
}

/// The events of `table` (one shard, rows at `positions` of the whole log) whose row `keep`
/// keeps.
pub fn events_where(
    table: &EventTable,
    positions: &[u64],
    keep: impl Fn(usize) -> bool,
) -> Vec<Addressed> {
    let extras: Arc<[String]> = table.extras().iter().map(|e| e.name.clone()).collect();
    (0..table.len())
        .filter(|&r| keep(r))
        .map(|r| {
            (
                positions[r],
                table.file(r),
                table.line(r),
                table.draft(r),
                extras.clone(),
            )
        })
        .collect()
}

/// Gathers, from every shard, the events addressed to the given parties.
pub type GatherAddressed<'a> = dyn Fn(&HashSet<IpAddr>) -> Result<Vec<Addressed>, ShardError> + 'a;

/// The verdicts of the whole log from the merged verdicts of all its shards: the sources
/// scored against one another, the findings placed across sources, and the parties that only
/// received and carry findings judged from their events, which `gather` fetches.
pub fn assemble_verdicts(
    verdicts: ShardVerdicts,
    gather: &GatherAddressed<'_>,
    settings: &DetectionSettings,
    cancel: &AtomicBool,
) -> Result<Detection, ShardError> {
    let ShardVerdicts {
        mut parts,
        received,
        services,
        names: shard_names,
        mut beacons,
        mut uploads,
    } = verdicts;
    let mut names: HashMap<IpAddr, BTreeSet<String>> = HashMap::new();
    for (ip, set) in shard_names {
        names.entry(ip).or_default().extend(set);
    }
    parts.sort_by_key(|p| p.first);
    let stats: Vec<SourceStats> = parts.iter().map(|p| p.stats.clone()).collect();
    let mut src = source_features(&stats);
    src.standardise_robust();
    let bursts: Vec<f64> = parts.iter().map(|p| p.burst).collect();
    let burst_z = || bursts.clone();
    let mut level = [Duration::ZERO; 2];
    let source_scores = run_level(
        settings,
        &LevelInputs {
            standardised: &src,
            sources: Some(&stats),
            burst_z: Some(&burst_z),
            cancel,
        },
        &mut level,
    );
    if cancel.load(Ordering::Relaxed) {
        return Err(ShardError::Cancelled);
    }
    let judgement = SourceJudgement::new(settings, &stats, &src);
    drop(stats);
    let scored = parts.len();
    // Callers in the order of the whole log's sources, each one's own in its order.
    beacons.sort_by_key(|b| b.0);
    uploads.sort_by_key(|u| u.0);
    let mut targets: super::behaviour::BeaconTargets = HashMap::new();
    for (_, dst, src, line) in beacons {
        targets.entry(dst).or_default().push((src, line));
    }
    let ips: Vec<IpAddr> = parts.iter().map(|p| p.stats.ip).collect();
    let PartyFindings {
        sources: found,
        peers,
    } = place_findings(
        &ips,
        GatheredFindings {
            sources: parts
                .iter_mut()
                .map(|p| std::mem::take(&mut p.findings))
                .collect(),
            others: HashMap::new(),
            alerts: false,
            beacons: targets,
            uploads: uploads.into_iter().map(|u| u.1).collect(),
        },
    );
    for (p, f) in parts.iter_mut().zip(found) {
        p.findings = f;
    }
    let received_only = receivers(gather, peers, settings)?;
    let mut infrastructure = services.infrastructure();
    // Each shard keeps an address's first names; of their union, the first in name order.
    let mut name_of = |ip: &IpAddr| -> Vec<String> {
        names
            .remove(ip)
            .map(|all| all.into_iter().take(NAMES_KEPT).collect())
            .unwrap_or_default()
    };
    let mut parties: Vec<PartyInputs> = Vec::with_capacity(parts.len() + received_only.len());
    for p in parts {
        let findings = p.findings;
        parties.push(PartyInputs {
            server: received.is_server(&p.stats, p.answers),
            infrastructure: infrastructure.remove(&p.stats.ip),
            names: name_of(&p.stats.ip),
            activity: p.activity,
            findings,
            stats: p.stats,
        });
    }
    for (stats, findings) in received_only {
        parties.push(PartyInputs {
            server: true,
            infrastructure: infrastructure.remove(&stats.ip),
            names: name_of(&stats.ip),
            activity: None,
            findings,
            stats,
        });
    }
    let (mut detection, _) = judgement.assemble(parties, scored, &src, source_scores, Vec::new());
    detection.timings = vec![("train", level[0]), ("score", level[1])];
    Ok(detection)
}

/// The statistics of the parties that only received and carry findings, in order of first
/// appearance: their received events gathered from every shard in the log's order.
fn receivers(
    gather: &GatherAddressed<'_>,
    peers: Vec<(IpAddr, Vec<Finding>)>,
    settings: &DetectionSettings,
) -> Result<Vec<(SourceStats, Vec<Finding>)>, ShardError> {
    if peers.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: HashMap<IpAddr, usize> = peers.iter().enumerate().map(|(i, p)| (p.0, i)).collect();
    let mut gathered = gather(&wanted.keys().copied().collect())?;
    gathered.sort_by_key(|g| g.0);
    let mut table = EventTable::default();
    let mut draft = EventDraft::default();
    for (_, file, line, d, extras) in &gathered {
        // Each shard indexes its extra columns its own way: re-indexed by name, in the order
        // the shard keeps them.
        for name in extras.iter() {
            table.extra_index(name);
        }
        draft.clone_from(d);
        for e in &mut draft.extras {
            e.0 = table.extra_index(&extras[e.0]);
        }
        table.push(*file, u64::from(*line), &draft);
    }
    drop(gathered);
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); peers.len()];
    for r in 0..table.len() {
        if let Some(&i) = table.destination_ip(r).and_then(|d| wanted.get(&d)) {
            rows[i].push(r as u32);
        }
    }
    let mut out: Vec<(u32, SourceStats, Vec<Finding>)> = peers
        .into_iter()
        .zip(rows)
        .filter(|(_, rows)| !rows.is_empty())
        .map(|((ip, found), rows)| {
            let s = receiver_stats(&table, ip, &rows, &settings.features);
            (rows[0], s, found)
        })
        .collect();
    out.sort_by_key(|o| o.0);
    Ok(out.into_iter().map(|(_, s, f)| (s, f)).collect())
}
