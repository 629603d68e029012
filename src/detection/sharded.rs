//! Judging the sources of a log held as shards rather than one table (the streaming path,
//! `crate::streaming`): every shard holds every event of its sources, in the order of the
//! whole log, so each source's statistics, bursts and findings come from its shard alone; what
//! spans sources (which addresses receive, the network's services, the names addresses were
//! reached by, the parties that only received) is gathered from every shard and merged before
//! the verdicts are assembled, by the same code as the in-memory run's.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::events::EventTable;
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
struct Part {
    first: u64,
    stats: SourceStats,
    burst: f64,
    findings: Vec<Finding>,
    answers: u64,
    activity: Option<String>,
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
    let mut parts: Vec<Part> = Vec::new();
    let mut received = Received::default();
    let mut services = ServiceUse::default();
    let mut names: HashMap<IpAddr, BTreeSet<String>> = HashMap::new();
    // Where beacons go and where uploads went, each with its caller's first position.
    let mut beacons: Vec<(u64, IpAddr, IpAddr, String)> = Vec::new();
    let mut uploads: Vec<(u64, UploadClaim)> = Vec::new();
    for k in 0..count {
        if cancel.load(Ordering::Relaxed) {
            return Err(ShardError::Cancelled);
        }
        let shard = load(k).map_err(ShardError::Io)?;
        if let Some(work) = events.as_deref_mut() {
            work.judged(&shard);
        }
        let Shard { table, positions } = shard;
        let stats = source_stats(&table, &settings.features);
        let bursts = source_burst(&table, &stats);
        let GatheredFindings {
            sources: found,
            alerts,
            beacons: shard_beacons,
            uploads: shard_uploads,
            ..
        } = gather_findings(&table, &stats, settings.intel.as_deref(), Some(&counts));
        if alerts {
            return Err(ShardError::Unsupported(
                "IDS alerts or malware notices, which are judged across sources".into(),
            ));
        }
        received.merge(Received::of(&table));
        services.merge(ServiceUse::of(&table, &settings.home));
        for (id, set) in names_by_address(&table) {
            names
                .entry(table.ips().resolve(id))
                .or_default()
                .extend(set);
        }
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
                beacons.push((first_of[&src], dst, src, line));
            }
        }
        for mut c in shard_uploads {
            global(&mut c.rows);
            uploads.push((first_of[&c.sender], c));
        }
        for ((mut s, mut f), burst) in stats.into_iter().zip(found).zip(bursts) {
            let first = positions[s.rows[0] as usize];
            let answers = answers(&table, &s.rows);
            let activity = (settings.features.honeypot && !s.rows.is_empty())
                .then(|| activity(&table, &s.rows));
            f.iter_mut().for_each(|f| global(&mut f.rows));
            s.rows = Vec::new();
            parts.push(Part {
                first,
                stats: s,
                burst,
                findings: f,
                answers,
                activity,
            });
        }
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
    let received_only = receivers(count, load, peers, settings)?;
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
    count: usize,
    load: &ShardLoader<'_>,
    peers: Vec<(IpAddr, Vec<Finding>)>,
    settings: &DetectionSettings,
) -> Result<Vec<(SourceStats, Vec<Finding>)>, ShardError> {
    if peers.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: HashMap<IpAddr, usize> = peers.iter().enumerate().map(|(i, p)| (p.0, i)).collect();
    // Every event addressed to a peer, with its position, file and line, from every shard.
    let mut gathered = Vec::new();
    let mut extras: Vec<String> = Vec::new();
    for k in 0..count {
        let Shard { table, positions } = load(k).map_err(ShardError::Io)?;
        extras = table.extras().iter().map(|e| e.name.clone()).collect();
        for (r, &at) in positions.iter().enumerate() {
            if table
                .destination_ip(r)
                .is_some_and(|d| wanted.contains_key(&d))
            {
                gathered.push((at, table.file(r), table.line(r), table.draft(r)));
            }
        }
    }
    gathered.sort_by_key(|g| g.0);
    let mut table = EventTable::default();
    for name in &extras {
        table.extra_index(name);
    }
    for (_, file, line, draft) in &gathered {
        table.push(*file, u64::from(*line), draft);
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
